// SPDX-License-Identifier: MIT
/*
 * The host side of a channel (VSP). The guest is hostile: every value it can write (indices,
 * descriptors, slot entries, flags, messages) is read once into host memory and validated
 * there; frame bytes are copied once into the caller's private buffer and only that copy is
 * ever parsed. A violation is counted and breaks this channel only. Nothing here blocks: the
 * socket is used with MSG_DONTWAIT, the guest's eventfd is read with RWF_NOWAIT (the guest
 * shares the file description and could clear O_NONBLOCK), and the host -> guest doorbell is
 * a pipe whose write end only the host holds (PROTOCOL.md "Doorbells").
 *
 * The host's own indices (tx_cons, comp_prod, ...) are private; the copies in shared memory
 * are written by the host and never read back.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "check.h"
#include "ring.h"
#include "region.h"
#include "wire.h"

/* Who holds a slot, as far as the host knows. */
enum slot_owner {
	SLOT_GUEST = 0,                /* the guest's: may appear in TX or fill */
	SLOT_LENT,                     /* lent through the fill ring, waiting for an RX frame */
	SLOT_IN_BATCH,                 /* named by a TX descriptor of the batch being read */
};

struct host_queue {
	struct vmbus_queue_map m;
	__u32 tx_cons, tx_seen;        /* tx_seen: last validated guest prod */
	__u32 comp_prod, comp_seen;    /* comp_seen: last validated guest cons */
	__u32 rx_prod, rx_seen;
	__u32 fill_cons, fill_seen;
	__u8 *owner;                   /* enum slot_owner, per slot */
	__u16 *lent;                   /* stack of SLOT_LENT slots */
	__u32 nlent;
	__u16 *batch;                  /* slots of the TX batch being read, in ring order */
	int bell_in;                   /* eventfd, guest -> host */
	int bell_out;                  /* pipe write end, host -> guest */
	int bell_out_peer;             /* pipe read end: the guest's copy is what it waits on */
	bool work_seen;                /* a producer index advanced since the last kick */
	__u32 spurious;                /* doorbells in a row that brought no work */
};

struct vmbus_host_chan {
	int sock;
	enum vmbus_chan_state state;
	enum { WAIT_HELLO, WAIT_READY } step;
	enum vmbus_violation broken_by;
	struct vmbus_host_config cfg;
	struct vmbus_limits lim;       /* negotiated */
	__u32 features;
	__u16 version;
	struct vmbus_check_ctx cx;
	int memfd;
	void *region;
	__u64 region_size;
	struct host_queue *q;
	unsigned nq;
	struct vmbus_chan_stats stats;
};

void vmbus_host_config_default(struct vmbus_host_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->limits = (struct vmbus_limits){
		.queues = 4, .max_chain = VMBUS_CHAIN_MAX, .ring_size = 1024, .slots = 4096,
		.slot_size = 4096, .max_frame = VMBUS_FRAME_MAX,
	};
	cfg->features = VMBUS_F_ALL;
	cfg->mac[0] = 0x02;            /* locally administered */
	cfg->mtu = 1500;
	cfg->storm_limit = 64;
}

int vmbus_host_chan_new(int sock, const struct vmbus_host_config *cfg,
			struct vmbus_host_chan **out)
{
	struct vmbus_host_chan *c;
	int type;
	socklen_t len = sizeof(type);

	if (!cfg || vmbus_limits_check(&cfg->limits) || (cfg->features & ~VMBUS_F_ALL) ||
	    cfg->storm_limit == 0)
		return -EINVAL;
	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -errno;
	if (type != SOCK_SEQPACKET)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sock = sock;
	c->cfg = *cfg;
	c->memfd = -1;
	c->state = VMBUS_CHAN_HANDSHAKE;
	c->step = WAIT_HELLO;
	*out = c;
	return 0;
}

static void queue_release(struct host_queue *hq)
{
	free(hq->owner);
	free(hq->lent);
	free(hq->batch);
	if (hq->bell_in >= 0)
		close(hq->bell_in);
	if (hq->bell_out >= 0)
		close(hq->bell_out);
	if (hq->bell_out_peer >= 0)
		close(hq->bell_out_peer);
}

void vmbus_host_chan_free(struct vmbus_host_chan *c)
{
	if (!c)
		return;
	for (unsigned i = 0; c->q && i < c->nq; i++)
		queue_release(&c->q[i]);
	free(c->q);
	if (c->region)
		munmap(c->region, c->region_size);
	if (c->memfd >= 0)
		close(c->memfd);
	close(c->sock);
	free(c);
}

int vmbus_host_sock_fd(const struct vmbus_host_chan *c)
{
	return c->sock;
}

enum vmbus_chan_state vmbus_host_state(const struct vmbus_host_chan *c)
{
	return c->state;
}

enum vmbus_violation vmbus_host_broken_by(const struct vmbus_host_chan *c)
{
	return c->broken_by;
}

const struct vmbus_chan_stats *vmbus_host_stats(const struct vmbus_host_chan *c)
{
	return &c->stats;
}

const struct vmbus_limits *vmbus_host_limits(const struct vmbus_host_chan *c)
{
	return &c->lim;
}

__u32 vmbus_host_features(const struct vmbus_host_chan *c)
{
	return c->features;
}

int vmbus_host_doorbell_fd(const struct vmbus_host_chan *c, unsigned q)
{
	return c->q && q < c->nq ? c->q[q].bell_in : -1;
}

/* Counts the violation, tells the guest why (best effort, never blocking) and stops using the
 * rings. The first violation is the one reported. */
static int chan_break(struct vmbus_host_chan *c, enum vmbus_violation v)
{
	struct vmbus_msg_error e = { .violation = v };

	if (c->state == VMBUS_CHAN_BROKEN)
		return -EPIPE;         /* nothing is read after the first: it stays the only one */
	c->stats.violations[v]++;
	c->broken_by = v;
	c->state = VMBUS_CHAN_BROKEN;
	wire_send(c->sock, &e, VMBUS_MSG_ERROR, sizeof(e), NULL, 0, true);
	return -EPIPE;
}

/* A local failure (memory, fds): not the guest's fault, but the channel cannot go on. */
static int chan_fail(struct vmbus_host_chan *c, int err)
{
	c->state = VMBUS_CHAN_BROKEN;
	return err;
}

static void ring_doorbell(struct vmbus_host_chan *c, struct host_queue *hq)
{
	char b = 1;

	/* A full pipe means the guest has not read the wakeups it already has: nothing lost. */
	if (write(hq->bell_out, &b, 1) == 1)
		c->stats.doorbells_out++;
}

static enum vmbus_violation drain_fill(struct host_queue *hq);

/* ---- handshake ----------------------------------------------------------------------------- */

static int queue_setup(struct vmbus_host_chan *c, unsigned i)
{
	struct host_queue *hq = &c->q[i];
	int p[2];

	hq->bell_in = hq->bell_out = hq->bell_out_peer = -1;
	vmbus_queue_map(c->region, &c->lim, i, &hq->m);
	hq->owner = calloc(c->lim.slots, 1);
	hq->lent = calloc(c->lim.slots, sizeof(*hq->lent));
	hq->batch = calloc(c->lim.ring_size, sizeof(*hq->batch));
	if (!hq->owner || !hq->lent || !hq->batch)
		return -ENOMEM;
	hq->bell_in = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (hq->bell_in < 0)
		return -errno;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	hq->bell_out_peer = p[0];
	hq->bell_out = p[1];
	return 0;
}

static int region_setup(struct vmbus_host_chan *c)
{
	struct vmbus_region_hdr *h;
	int err;

	c->region_size = vmbus_region_size(&c->lim);
	err = region_create(c->region_size, &c->memfd, &c->region);
	if (err)
		return err;
	h = c->region;
	h->magic = VMBUS_REGION_MAGIC;
	h->size = c->region_size;
	h->version = c->version;
	h->queues = c->lim.queues;
	h->ring_size = c->lim.ring_size;
	h->slots = c->lim.slots;
	h->slot_size = c->lim.slot_size;
	c->q = calloc(c->lim.queues, sizeof(*c->q));
	if (!c->q)
		return -ENOMEM;
	for (c->nq = 0; c->nq < c->lim.queues; c->nq++) {
		err = queue_setup(c, c->nq);
		if (err) {
			c->nq++;       /* release what this queue got too */
			return err;
		}
	}
	return 0;
}

static int send_init_and_region(struct vmbus_host_chan *c)
{
	struct vmbus_msg_init init = {
		.version = c->version, .mtu = c->cfg.mtu, .features = c->features,
		.region_size = c->region_size, .limits = c->lim,
	};
	/* The MTU the channel's frames fit (Ethernet header and one tag on top): a guest that
	 * asked for a smaller max_frame must not size its netdev beyond it. */
	if (c->lim.max_frame > 18 && init.mtu > c->lim.max_frame - 18)
		init.mtu = (__u16)(c->lim.max_frame - 18);
	struct vmbus_msg_region reg = {
		.region_size = c->region_size, .queues = (__u16)c->nq,
		.nfds = (__u16)(1 + 2 * c->nq),
	};
	int fds[WIRE_MAX_FDS], err;

	memcpy(init.mac, c->cfg.mac, sizeof(init.mac));
	fds[0] = c->memfd;
	for (unsigned i = 0; i < c->nq; i++) {
		fds[1 + 2 * i] = c->q[i].bell_in;
		fds[2 + 2 * i] = c->q[i].bell_out_peer;
	}
	err = wire_send(c->sock, &init, VMBUS_MSG_INIT, sizeof(init), NULL, 0, true);
	if (!err)
		err = wire_send(c->sock, &reg, VMBUS_MSG_REGION, sizeof(reg), fds, reg.nfds, true);
	/* The host keeps its copy of each pipe's read end (and never reads it): with a reader
	 * always there, a guest that closes its end cannot turn the host's doorbell write into
	 * EPIPE and SIGPIPE. */
	return err;
}

static int on_hello(struct vmbus_host_chan *c, const struct vmbus_msg_hello *h)
{
	struct vmbus_limits want = h->limits;
	__u16 lo, hi;
	int err;

	lo = h->version_min > VMBUS_VERSION_MIN ? h->version_min : VMBUS_VERSION_MIN;
	hi = h->version_max < VMBUS_VERSION_MAX ? h->version_max : VMBUS_VERSION_MAX;
	if (h->version_min > h->version_max || lo > hi)
		return chan_break(c, VMBUS_V_VERSION);
	if (vmbus_limits_clamp(&want, &c->cfg.limits, &c->lim))
		return chan_break(c, VMBUS_V_LIMITS);
	c->version = hi;
	/* Unknown feature bits are a newer guest's: ignore them. GSO needs partial checksums. */
	c->features = h->features & c->cfg.features;
	if (!(c->features & VMBUS_F_CSUM))
		c->features &= ~VMBUS_F_GSO;
	c->cx = (struct vmbus_check_ctx){
		.nslots = c->lim.slots, .slot_size = c->lim.slot_size, .max_frame = c->lim.max_frame,
		.max_chain = c->lim.max_chain, .features = c->features,
	};
	err = region_setup(c);
	if (!err)
		err = send_init_and_region(c);
	if (err)
		return chan_fail(c, err);
	c->step = WAIT_READY;
	return 0;
}

static int on_ready(struct vmbus_host_chan *c)
{
	struct vmbus_msg_hdr m;
	enum vmbus_violation v;
	int err;

	/* The guest lent its first fill slots before READY. */
	for (unsigned i = 0; i < c->nq; i++) {
		v = drain_fill(&c->q[i]);
		if (v)
			return chan_break(c, v);
		c->q[i].work_seen = false;
	}

	err = wire_send(c->sock, &m, VMBUS_MSG_CONNECTED, sizeof(m), NULL, 0, true);
	if (err)
		return chan_fail(c, err);
	c->state = VMBUS_CHAN_CONNECTED;
	return 0;
}

/* A zero-length read on SOCK_SEQPACKET is either the hang-up or an empty datagram. */
static bool peer_hung_up(int sock)
{
	struct pollfd p = { .fd = sock, .events = POLLRDHUP };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP));
}

static int on_message(struct vmbus_host_chan *c, struct wire_in *in)
{
	enum vmbus_violation v;

	if (in->nfds) {
		wire_close_fds(in);
		return chan_break(c, VMBUS_V_MSG_FDS);
	}
	v = wire_check(in);
	if (v)
		return chan_break(c, v);
	if (c->state == VMBUS_CHAN_HANDSHAKE && c->step == WAIT_HELLO &&
	    in->m.hdr.type == VMBUS_MSG_HELLO)
		return on_hello(c, &in->m.hello);
	if (c->state == VMBUS_CHAN_HANDSHAKE && c->step == WAIT_READY &&
	    in->m.hdr.type == VMBUS_MSG_READY)
		return on_ready(c);
	/* Anything else: a host -> guest type, a repeat, or a message after CONNECTED (v1 has
	 * none). */
	return chan_break(c, VMBUS_V_MSG_ORDER);
}

int vmbus_host_on_sock(struct vmbus_host_chan *c)
{
	struct wire_in in;
	int err;

	/* Bounded: every message either advances the handshake (at most two) or breaks. */
	for (int i = 0; i < 4; i++) {
		if (c->state == VMBUS_CHAN_BROKEN || c->state == VMBUS_CHAN_CLOSED)
			return (int)c->state;
		err = wire_recv(c->sock, &in, true);
		if (err == -EAGAIN)
			break;
		if (err == -ECONNRESET || err == -EPIPE) {
			c->state = VMBUS_CHAN_CLOSED;  /* hung up with our messages unread */
			break;
		}
		if (err)
			return chan_fail(c, err);
		if (in.len == 0 && !in.nfds && !in.truncated && peer_hung_up(c->sock)) {
			c->state = VMBUS_CHAN_CLOSED;
			break;
		}
		err = on_message(c, &in);
		if (err && err != -EPIPE)
			return err;
	}
	return (int)c->state;
}

/* ---- indices --------------------------------------------------------------------------------- */

/* The guest's producer index of a ring the host consumes: one read, then it must lie in
 * [seen, cons + size]. */
static enum vmbus_violation read_prod(const struct vmbus_ring *r, __u32 cons, __u32 *seen,
				      bool *advanced)
{
	__u32 p = ring_load_acquire(&r->p->prod);

	if ((__s32)(p - *seen) < 0)
		return VMBUS_V_PROD_REVERSE;
	if (p - cons > r->size)
		return VMBUS_V_PROD_JUMP;
	if (p != *seen)
		*advanced = true;
	*seen = p;
	return VMBUS_V_NONE;
}

/* The guest's consumer index of a ring the host produces: one read, then it must lie in
 * [seen, prod]. */
static enum vmbus_violation read_cons(const struct vmbus_ring *r, __u32 prod, __u32 *seen)
{
	__u32 c = ring_load_acquire(&r->c->cons);

	if (c - *seen > prod - *seen)
		return VMBUS_V_CONS_INVALID;
	*seen = c;
	return VMBUS_V_NONE;
}

static int queue_ready(struct vmbus_host_chan *c, unsigned q)
{
	if (c->state == VMBUS_CHAN_BROKEN)
		return -EPIPE;
	if (c->state != VMBUS_CHAN_CONNECTED)
		return -ENOTCONN;
	if (q >= c->nq)
		return -EINVAL;
	return 0;
}

/* ---- guest -> host ------------------------------------------------------------------------- */

static void batch_release(struct host_queue *hq, __u32 from, __u32 to)
{
	for (__u32 i = from; i < to; i++)
		hq->owner[hq->batch[i]] = SLOT_GUEST;
}

/* Reads one chain starting at ring index `at` into f. Returns the number of descriptors (> 0),
 * 0 if it does not fit in `room` (the host's own limit: completion room; retried later), or
 * -violation. The slots it takes are marked SLOT_IN_BATCH and listed in hq->batch[used...];
 * on 0 or a violation it unmarks them again. */
static int read_chain(struct vmbus_host_chan *c, struct host_queue *hq, __u32 at, __u32 avail,
		      __u32 room, __u32 used, struct vmbus_frame *f)
{
	struct vmbus_desc d, first = { 0 };
	__u32 len = 0, k = 0;
	int ret;

	for (;;) {
		if (k == avail) {
			ret = -VMBUS_V_CHAIN_UNTERMINATED;
			goto undo;
		}
		if (k == room) {
			ret = 0;
			goto undo;
		}
		desc_read_once(ring_desc(&hq->m.tx, at + k), &d);
		ret = -(int)check_desc(&c->cx, &d, k);
		if (ret)
			goto undo;
		if (hq->owner[d.slot] == SLOT_LENT)
			ret = -VMBUS_V_SLOT_NOT_OWNED;
		else if (hq->owner[d.slot] == SLOT_IN_BATCH)
			ret = -VMBUS_V_SLOT_DUPLICATE;
		else if (len + d.len > c->lim.max_frame)
			ret = -VMBUS_V_FRAME_LONG;
		if (ret)
			goto undo;
		hq->owner[d.slot] = SLOT_IN_BATCH;
		hq->batch[used + k] = d.slot;
		/* The one copy out of shared memory; everything after reads f->data. */
		memcpy((__u8 *)f->data + len, hq->m.slots + (size_t)d.slot * hq->m.slot_size + d.offset,
		       d.len);
		len += d.len;
		if (k++ == 0)
			first = d;
		if (!(d.flags & VMBUS_DESC_NEXT))
			break;
	}
	offload_from_desc(&f->off, &first);
	ret = -(int)check_frame(&c->cx, &f->off, len);
	if (ret)
		goto undo;
	f->len = len;
	return (int)k;
undo:
	batch_release(hq, used, used + k);
	return ret;
}

/* How many descriptors ahead take_tx starts pulling slot lines into the cache, so the copies
 * of a batch overlap their cache misses. */
#define PREFETCH_AHEAD 4

/* A hint only: the slot id is read without validation, used for nothing but a prefetch (which
 * cannot fault), and read again, once, by read_chain(). */
static void prefetch_slot(const struct host_queue *hq, __u32 idx)
{
	__u16 s = __atomic_load_n(&ring_desc(&hq->m.tx, idx)->slot, __ATOMIC_RELAXED);

	if (s < hq->m.nslots)
		__builtin_prefetch(hq->m.slots + (size_t)s * hq->m.slot_size);
}

int vmbus_host_take_tx(struct vmbus_host_chan *c, unsigned q, struct vmbus_frame *frames,
		       unsigned n)
{
	struct host_queue *hq;
	enum vmbus_violation v;
	__u32 avail, room, used = 0;
	unsigned nf = 0;
	__u64 bytes = 0;
	int err = queue_ready(c, q);

	if (err)
		return err;
	for (unsigned i = 0; i < n; i++)
		if (!frames[i].data || frames[i].cap < c->lim.max_frame)
			return -EINVAL;
	hq = &c->q[q];
	room = c->lim.ring_size - (hq->comp_prod - hq->comp_seen);
	if (room < c->lim.max_chain) {
		v = read_cons(&hq->m.comp, hq->comp_prod, &hq->comp_seen);
		if (v)
			return chan_break(c, v);
		room = c->lim.ring_size - (hq->comp_prod - hq->comp_seen);
	}
	v = read_prod(&hq->m.tx, hq->tx_cons, &hq->tx_seen, &hq->work_seen);
	if (v)
		return chan_break(c, v);
	avail = hq->tx_seen - hq->tx_cons;
	if (room > avail)
		room = avail;
	while (nf < n && used < room) {
		int k;

		prefetch_slot(hq, used + PREFETCH_AHEAD < avail ? hq->tx_cons + used + PREFETCH_AHEAD
							      : hq->tx_cons + used);
		k = read_chain(c, hq, hq->tx_cons + used, avail - used, room - used, used,
				   &frames[nf]);

		if (k < 0) {
			batch_release(hq, 0, used);
			return chan_break(c, (enum vmbus_violation)-k);
		}
		if (k == 0)
			break;
		bytes += frames[nf].len;
		used += (__u32)k;
		nf++;
	}
	if (!used)
		return 0;
	for (__u32 i = 0; i < used; i++)
		ring_store_once(ring_entry(&hq->m.comp, hq->comp_prod + i), hq->batch[i]);
	batch_release(hq, 0, used);
	hq->tx_cons += used;
	hq->comp_prod += used;
	ring_store_release(&hq->m.tx.c->cons, hq->tx_cons);
	ring_store_release(&hq->m.comp.p->prod, hq->comp_prod);
	ring_fence();
	if (ring_load_once(&hq->m.comp.w->flags) & VMBUS_RING_NEED_WAKEUP)
		ring_doorbell(c, hq);
	c->stats.tx_frames += nf;
	c->stats.tx_bytes += bytes;
	return (int)nf;
}

/* ---- host -> guest ------------------------------------------------------------------------- */

/* Moves newly lent slots from the fill ring to the host's private stack. */
static enum vmbus_violation drain_fill(struct host_queue *hq)
{
	enum vmbus_violation v;
	__u32 avail;

	v = read_prod(&hq->m.fill, hq->fill_cons, &hq->fill_seen, &hq->work_seen);
	if (v)
		return v;
	avail = hq->fill_seen - hq->fill_cons;
	for (__u32 i = 0; i < avail; i++) {
		__u32 s = ring_load_once(ring_entry(&hq->m.fill, hq->fill_cons + i));

		if (s >= hq->m.nslots)
			return VMBUS_V_SLOT_RANGE;
		if (hq->owner[s] != SLOT_GUEST)
			return VMBUS_V_SLOT_DUPLICATE;
		hq->owner[s] = SLOT_LENT;
		hq->lent[hq->nlent++] = (__u16)s;
	}
	if (avail) {
		hq->fill_cons += avail;
		ring_store_release(&hq->m.fill.c->cons, hq->fill_cons);
	}
	return VMBUS_V_NONE;
}

static void post_frame(struct host_queue *hq, const struct vmbus_frame *f)
{
	__u32 off = 0, size = hq->m.slot_size;

	while (off < f->len) {
		__u32 n = f->len - off < size ? f->len - off : size;
		__u16 s = hq->lent[--hq->nlent];
		struct vmbus_desc d = { .slot = s, .len = (__u16)n };

		hq->owner[s] = SLOT_GUEST;
		memcpy(hq->m.slots + (size_t)s * size, (const __u8 *)f->data + off, n);
		if (off == 0)
			offload_to_desc(&d, &f->off);
		off += n;
		if (off < f->len)
			d.flags |= VMBUS_DESC_NEXT;
		desc_write(ring_desc(&hq->m.rx, hq->rx_prod++), &d);
	}
}

int vmbus_host_give_rx(struct vmbus_host_chan *c, unsigned q, const struct vmbus_frame *frames,
		       unsigned n)
{
	struct host_queue *hq;
	enum vmbus_violation v;
	unsigned i;
	__u64 bytes = 0;
	int err = queue_ready(c, q);

	if (err)
		return err;
	/* The caller's frames are checked with the guest's rules before anything is touched. */
	for (i = 0; i < n; i++)
		if (!frames[i].data || check_frame(&c->cx, &frames[i].off, frames[i].len))
			return -EINVAL;
	hq = &c->q[q];
	v = drain_fill(hq);
	if (v)
		return chan_break(c, v);
	for (i = 0; i < n; i++) {
		__u32 need = (frames[i].len + c->lim.slot_size - 1) / c->lim.slot_size;

		if (need > hq->nlent)
			break;
		if (c->lim.ring_size - (hq->rx_prod - hq->rx_seen) < need) {
			v = read_cons(&hq->m.rx, hq->rx_prod, &hq->rx_seen);
			if (v)
				return chan_break(c, v);
			if (c->lim.ring_size - (hq->rx_prod - hq->rx_seen) < need)
				break;
		}
		post_frame(hq, &frames[i]);
		bytes += frames[i].len;
	}
	c->stats.rx_refused += n - i;
	if (!i)
		return 0;
	ring_store_release(&hq->m.rx.p->prod, hq->rx_prod);
	ring_fence();
	if (ring_load_once(&hq->m.rx.w->flags) & VMBUS_RING_NEED_WAKEUP)
		ring_doorbell(c, hq);
	c->stats.rx_frames += i;
	c->stats.rx_bytes += bytes;
	return (int)i;
}

/* ---- sleeping and waking --------------------------------------------------------------------- */

static void set_need_wakeup(struct host_queue *hq, unsigned what, bool on)
{
	__u32 f = on ? VMBUS_RING_NEED_WAKEUP : 0;

	if (what & VMBUS_ARM_TX)
		ring_store_once(&hq->m.tx.w->flags, f);
	if (what & VMBUS_ARM_FILL)
		ring_store_once(&hq->m.fill.w->flags, f);
}

/* Is there TX work the host could do now? Only a hint: nothing read here is trusted, the
 * next take_tx() reads and validates again. */
static bool tx_work_visible(const struct vmbus_host_chan *c, const struct host_queue *hq)
{
	__u32 comp_cons;

	if (ring_load_once(&hq->m.tx.p->prod) != hq->tx_seen)
		return true;
	if (hq->tx_seen == hq->tx_cons)
		return false;
	/* Published but not taken: takeable if the guest has made completion room. */
	comp_cons = ring_load_once(&hq->m.comp.c->cons);
	return c->lim.ring_size - (hq->comp_prod - comp_cons) >= c->lim.max_chain;
}

bool vmbus_host_arm(struct vmbus_host_chan *c, unsigned q, unsigned what)
{
	struct host_queue *hq;
	enum vmbus_violation v;

	if (queue_ready(c, q))
		return true;
	hq = &c->q[q];
	/* Going idle is when the host looks at the guest's consumer indices even if it needs no
	 * room: a bad one is found here, not only when a ring fills up. */
	v = read_cons(&hq->m.comp, hq->comp_prod, &hq->comp_seen);
	if (!v)
		v = read_cons(&hq->m.rx, hq->rx_prod, &hq->rx_seen);
	if (v) {
		chan_break(c, v);
		return false;          /* the next call on the queue reports -EPIPE */
	}
	set_need_wakeup(hq, what, true);
	/* Store flag, fence, load index; the guest does store index, fence, load flag. */
	ring_fence();
	if (((what & VMBUS_ARM_TX) && tx_work_visible(c, hq)) ||
	    ((what & VMBUS_ARM_FILL) && ring_load_once(&hq->m.fill.p->prod) != hq->fill_seen)) {
		set_need_wakeup(hq, what, false);
		return false;
	}
	return true;
}

int vmbus_host_kick(struct vmbus_host_chan *c, unsigned q)
{
	struct host_queue *hq;
	enum vmbus_violation v;
	struct iovec iov;
	__u64 count;
	int err;

	if (!c->q || q >= c->nq)
		return -EINVAL;
	hq = &c->q[q];
	iov = (struct iovec){ .iov_base = &count, .iov_len = sizeof(count) };
	/* RWF_NOWAIT, not O_NONBLOCK: the guest shares this file description and could clear
	 * O_NONBLOCK on it to make a plain read() block once it has drained the counter. */
	if (preadv2(hq->bell_in, &iov, 1, -1, RWF_NOWAIT) != sizeof(count))
		return 0;
	err = queue_ready(c, q);
	if (err)
		return err == -ENOTCONN ? 0 : err;
	c->stats.doorbells_in++;
	/* The host is awake: doorbells are not wanted until it arms again. */
	set_need_wakeup(hq, VMBUS_ARM_TX | VMBUS_ARM_FILL, false);
	/* A guest rings only after publishing, so every legitimate doorbell finds either an index
	 * that moved since the previous one or work still visible (PROTOCOL.md). */
	v = drain_fill(hq);
	if (v)
		return chan_break(c, v);
	if (!hq->work_seen && !tx_work_visible(c, hq)) {
		c->stats.doorbells_spurious++;
		if (++hq->spurious >= c->cfg.storm_limit)
			return chan_break(c, VMBUS_V_DOORBELL_STORM);
	} else {
		hq->spurious = 0;
	}
	hq->work_seen = false;
	return 0;
}
