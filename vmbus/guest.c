// SPDX-License-Identifier: MIT
/*
 * The guest side of a channel (VSC library). The guest trusts the host with its memory, but
 * checks what it is handed before it maps or uses it: the region must be a sealed memfd of the
 * announced size, the doorbells an eventfd and a pipe read end, INIT within what HELLO asked,
 * RX descriptors and completions within the region. Anything else is refused with a reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "check.h"
#include "ring.h"
#include "region.h"
#include "wire.h"

struct guest_queue {
	struct vmbus_queue_map m;
	__u32 tx_prod, tx_cons_seen;
	__u32 comp_cons;
	__u32 rx_cons;
	__u32 fill_prod;
	__u16 *free;                   /* slots the guest may fill for TX */
	__u32 nfree;
	__u32 tx_out;                  /* TX slots not yet completed */
	int bell_out;                  /* eventfd, guest -> host */
	int bell_in;                   /* pipe read end, host -> guest */
};

struct vmbus_guest {
	int sock;
	bool connected;                /* CONNECTED arrived */
	enum vmbus_violation broken_by;
	int hung_up;
	struct vmbus_guest_params want;
	struct vmbus_limits lim;
	struct vmbus_check_ctx cx;
	__u32 features;
	__u8 mac[6];
	__u16 mtu;
	int memfd;
	void *region;
	__u64 region_size;
	struct guest_queue *q;
	unsigned nq;
	struct vmbus_guest_stats stats;
};

void vmbus_guest_params_default(struct vmbus_guest_params *p)
{
	memset(p, 0, sizeof(*p));
	p->version_min = VMBUS_VERSION_MIN;
	p->version_max = VMBUS_VERSION_MAX;
	p->features = VMBUS_F_ALL;
	p->limits = (struct vmbus_limits){
		.queues = 1, .max_chain = 8, .ring_size = 256, .slots = 1024,
		.slot_size = VMBUS_SLOT_SIZE_MIN, .max_frame = VMBUS_FRAME_MAX,
	};
}

static int fail(struct vmbus_guest_error *err, enum vmbus_violation kind, int ret,
		const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->kind = kind;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return ret;
}

int vmbus_guest_begin(int sock, const struct vmbus_guest_params *p, struct vmbus_guest **out)
{
	struct vmbus_msg_hello h = {
		.version_min = p->version_min, .version_max = p->version_max,
		.features = p->features, .limits = p->limits,
	};
	struct vmbus_guest *g;
	int err;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->sock = sock;
	g->memfd = -1;
	g->want = *p;
	err = wire_send(sock, &h, VMBUS_MSG_HELLO, sizeof(h), NULL, 0, false);
	if (err) {
		free(g);
		return err;
	}
	*out = g;
	return 0;
}

static int recv_timed(struct vmbus_guest *g, struct wire_in *in, int timeout_ms)
{
	struct pollfd p = { .fd = g->sock, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	return wire_recv(g->sock, in, true);
}

/* Receives the next handshake message, which must be of type `type` (or an ERROR). */
static int expect(struct vmbus_guest *g, struct wire_in *in, __u16 type, int timeout_ms,
		  struct vmbus_guest_error *err)
{
	enum vmbus_violation v;
	int ret = recv_timed(g, in, timeout_ms);

	if (ret)
		return fail(err, VMBUS_V_NONE, ret, "no answer from the host: %s", strerror(-ret));
	if (in->len == 0 && !in->nfds)
		return fail(err, VMBUS_V_NONE, -ECONNRESET, "the host closed the connection");
	v = wire_check(in);
	if (!v && in->m.hdr.type == VMBUS_MSG_ERROR) {
		g->broken_by = in->m.error.violation < VMBUS_V_COUNT ? in->m.error.violation
								      : VMBUS_V_COUNT - 1;
		return fail(err, VMBUS_V_NONE, -EPROTO, "the host refused: %s",
			    vmbus_violation_name(in->m.error.violation));
	}
	if (!v && in->m.hdr.type != type)
		v = VMBUS_V_MSG_ORDER;
	if (!v && type != VMBUS_MSG_REGION && in->nfds)
		v = VMBUS_V_MSG_FDS;
	if (v)
		return fail(err, v, -EPROTO, "bad handshake message from the host: %s",
			    vmbus_violation_name(v));
	return 0;
}

/* INIT must choose within what HELLO offered. */
static enum vmbus_violation check_init(const struct vmbus_guest *g, const struct vmbus_msg_init *m)
{
	const struct vmbus_limits *w = &g->want.limits, *l = &m->limits;

	if (m->version < g->want.version_min || m->version > g->want.version_max)
		return VMBUS_V_INIT;
	if (m->features & ~g->want.features)
		return VMBUS_V_INIT;
	if (vmbus_limits_check(l) || l->queues > w->queues || l->ring_size > w->ring_size ||
	    l->slots > w->slots || l->slot_size > w->slot_size || l->max_chain > w->max_chain ||
	    l->max_frame > w->max_frame)
		return VMBUS_V_INIT;
	if (m->region_size != vmbus_region_size(l))
		return VMBUS_V_REGION_SIZE;
	return VMBUS_V_NONE;
}

static int queue_init(struct vmbus_guest *g, unsigned i, int bell_out, int bell_in)
{
	struct guest_queue *gq = &g->q[i];
	__u32 nfill;

	vmbus_queue_map(g->region, &g->lim, i, &gq->m);
	gq->bell_out = bell_out;
	gq->bell_in = bell_in;
	gq->free = calloc(g->lim.slots, sizeof(*gq->free));
	if (!gq->free)
		return -ENOMEM;
	/* Lend up to half the slots (at most a ring's worth) for RX, keep the rest for TX. */
	nfill = g->lim.slots / 2 < g->lim.ring_size ? g->lim.slots / 2 : g->lim.ring_size;
	for (__u32 s = 0; s < nfill; s++)
		ring_store_once(ring_entry(&gq->m.fill, s), s);
	gq->fill_prod = nfill;
	ring_store_release(&gq->m.fill.p->prod, nfill);
	for (__u32 s = g->lim.slots; s-- > nfill;)
		gq->free[gq->nfree++] = (__u16)s;
	return 0;
}

static int take_region(struct vmbus_guest *g, struct wire_in *in, struct vmbus_guest_error *err)
{
	const struct vmbus_msg_region *r = &in->m.region;
	const struct vmbus_region_hdr *h;
	unsigned nfds = 1 + 2u * g->lim.queues;
	enum vmbus_violation v;
	int ret;

	if (r->region_size != g->region_size || r->queues != g->lim.queues || r->nfds != nfds ||
	    in->nfds != nfds)
		return fail(err, VMBUS_V_INIT, -EPROTO,
			    "REGION does not match INIT (%u fds, %u queues)", in->nfds, r->queues);
	v = region_verify(in->fds[0], g->region_size);
	if (v)
		return fail(err, v, -EPROTO, "the region fd is unusable: %s", vmbus_violation_name(v));
	for (unsigned i = 0; i < g->lim.queues; i++) {
		if (!doorbell_is_eventfd(in->fds[1 + 2 * i]) ||
		    !doorbell_is_pipe_reader(in->fds[2 + 2 * i]))
			return fail(err, VMBUS_V_DOORBELL_TYPE, -EPROTO,
				    "queue %u: doorbells are not an eventfd and a pipe", i);
		/* Draining the doorbell must never block. */
		fcntl(in->fds[2 + 2 * i], F_SETFL, O_NONBLOCK);
	}
	ret = region_map(in->fds[0], g->region_size, &g->region);
	if (ret)
		return fail(err, VMBUS_V_NONE, ret, "mmap of the region: %s", strerror(-ret));
	h = g->region;
	if (h->magic != VMBUS_REGION_MAGIC || h->size != g->region_size ||
	    h->queues != g->lim.queues || h->ring_size != g->lim.ring_size ||
	    h->slots != g->lim.slots || h->slot_size != g->lim.slot_size)
		return fail(err, VMBUS_V_INIT, -EPROTO, "the region header does not match INIT");
	g->memfd = in->fds[0];
	g->q = calloc(g->lim.queues, sizeof(*g->q));
	if (!g->q)
		return fail(err, VMBUS_V_NONE, -ENOMEM, "out of memory");
	for (g->nq = 0; g->nq < g->lim.queues; g->nq++) {
		ret = queue_init(g, g->nq, in->fds[1 + 2 * g->nq], in->fds[2 + 2 * g->nq]);
		if (ret) {
			g->nq++;
			return fail(err, VMBUS_V_NONE, ret, "out of memory");
		}
	}
	in->nfds = 0;                  /* all owned by g now */
	return 0;
}

int vmbus_guest_complete(struct vmbus_guest *g, int timeout_ms, struct vmbus_guest_error *err)
{
	struct vmbus_msg_hdr ready;
	struct wire_in in;
	enum vmbus_violation v;
	int ret;

	if (err)
		memset(err, 0, sizeof(*err));
	in.nfds = 0;                   /* nothing to close if no message arrives */
	ret = expect(g, &in, VMBUS_MSG_INIT, timeout_ms, err);
	if (ret)
		goto out;
	v = check_init(g, &in.m.init);
	if (v) {
		ret = fail(err, v, -EPROTO, "INIT is outside what HELLO offered");
		goto out;
	}
	g->lim = in.m.init.limits;
	g->features = in.m.init.features;
	g->region_size = in.m.init.region_size;
	memcpy(g->mac, in.m.init.mac, sizeof(g->mac));
	g->mtu = in.m.init.mtu;
	g->cx = (struct vmbus_check_ctx){
		.nslots = g->lim.slots, .slot_size = g->lim.slot_size,
		.max_frame = g->lim.max_frame, .max_chain = g->lim.max_chain,
		.features = g->features,
	};
	ret = expect(g, &in, VMBUS_MSG_REGION, timeout_ms, err);
	if (ret)
		goto out;
	ret = take_region(g, &in, err);
	if (ret)
		goto out;
	ret = wire_send(g->sock, &ready, VMBUS_MSG_READY, sizeof(ready), NULL, 0, false);
	if (ret)
		ret = fail(err, VMBUS_V_NONE, ret, "sending READY: %s", strerror(-ret));
out:
	wire_close_fds(&in);
	return ret;
}

int vmbus_guest_connect(const char *path, const struct vmbus_guest_params *p, int timeout_ms,
			struct vmbus_guest **out, struct vmbus_guest_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vmbus_guest *g;
	int sock, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(err, VMBUS_V_NONE, -ENAMETOOLONG, "socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return fail(err, VMBUS_V_NONE, -errno, "socket: %s", strerror(errno));
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		close(sock);
		return fail(err, VMBUS_V_NONE, ret, "connect %s: %s", path, strerror(-ret));
	}
	ret = vmbus_guest_begin(sock, p, &g);
	if (ret) {
		close(sock);
		return fail(err, VMBUS_V_NONE, ret, "sending HELLO: %s", strerror(-ret));
	}
	ret = vmbus_guest_complete(g, timeout_ms, err);
	if (ret) {
		vmbus_guest_free(g);
		return ret;
	}
	*out = g;
	return 0;
}

void vmbus_guest_free(struct vmbus_guest *g)
{
	if (!g)
		return;
	for (unsigned i = 0; g->q && i < g->nq; i++) {
		free(g->q[i].free);
		close(g->q[i].bell_out);
		close(g->q[i].bell_in);
	}
	free(g->q);
	if (g->region)
		munmap(g->region, g->region_size);
	if (g->memfd >= 0)
		close(g->memfd);
	close(g->sock);
	free(g);
}

unsigned vmbus_guest_queues(const struct vmbus_guest *g)
{
	return g->nq;
}

const struct vmbus_limits *vmbus_guest_limits(const struct vmbus_guest *g)
{
	return &g->lim;
}

__u32 vmbus_guest_features(const struct vmbus_guest *g)
{
	return g->features;
}

void vmbus_guest_mac(const struct vmbus_guest *g, __u8 mac[6], __u16 *mtu)
{
	memcpy(mac, g->mac, 6);
	*mtu = g->mtu;
}

const struct vmbus_guest_stats *vmbus_guest_stats(const struct vmbus_guest *g)
{
	return &g->stats;
}

const struct vmbus_queue_map *vmbus_guest_map(const struct vmbus_guest *g, unsigned q)
{
	return q < g->nq ? &g->q[q].m : NULL;
}

int vmbus_guest_bell_fd(const struct vmbus_guest *g, unsigned q)
{
	return q < g->nq ? g->q[q].bell_out : -1;
}

int vmbus_guest_doorbell_fd(const struct vmbus_guest *g, unsigned q)
{
	return q < g->nq ? g->q[q].bell_in : -1;
}

int vmbus_guest_sock_fd(const struct vmbus_guest *g)
{
	return g->sock;
}

enum vmbus_violation vmbus_guest_broken_by(const struct vmbus_guest *g)
{
	return g->broken_by;
}

static void ring_host(struct vmbus_guest *g, struct guest_queue *gq)
{
	__u64 one = 1;

	if (write(gq->bell_out, &one, sizeof(one)) == sizeof(one))
		g->stats.doorbells_out++;
}

static int queue_usable(struct vmbus_guest *g, unsigned q)
{
	if (g->broken_by)
		return -EPIPE;
	if (q >= g->nq)
		return -EINVAL;
	return 0;
}

/* ---- transmit ------------------------------------------------------------------------------ */

/* Takes back the slots the host has completed. */
static int reap_completions(struct vmbus_guest *g, struct guest_queue *gq)
{
	__u32 p = ring_load_acquire(&gq->m.comp.p->prod), n = p - gq->comp_cons;

	if (n > gq->tx_out)
		return -EPROTO;
	for (__u32 i = 0; i < n; i++) {
		__u32 s = ring_load_once(ring_entry(&gq->m.comp, gq->comp_cons + i));

		if (s >= gq->m.nslots)
			return -EPROTO;
		gq->free[gq->nfree++] = (__u16)s;
	}
	if (!n)
		return 0;
	gq->tx_out -= n;
	gq->comp_cons = p;
	ring_store_release(&gq->m.comp.c->cons, p);
	/* A host that stopped taking TX for want of completion room (fewer than max_chain
	 * entries free, so more than ring_size - max_chain were waiting here) may sleep until we
	 * make room: ring if it asked and TX entries are still waiting (PROTOCOL.md
	 * "Signalling"). Otherwise skip the fence: this runs on every send. */
	if (n <= g->lim.ring_size - g->lim.max_chain)
		return 0;
	ring_fence();
	if ((ring_load_once(&gq->m.tx.w->flags) & VMBUS_RING_NEED_WAKEUP) &&
	    ring_load_acquire(&gq->m.tx.c->cons) != gq->tx_prod)
		ring_host(g, gq);
	return 0;
}

static bool frame_fits(const struct vmbus_guest *g, const struct vmbus_frame *f)
{
	return f->data && !check_frame(&g->cx, &f->off, f->len);
}

int vmbus_guest_send(struct vmbus_guest *g, unsigned q, const struct vmbus_frame *frames,
		     unsigned n)
{
	struct guest_queue *gq;
	unsigned i;
	__u64 bytes = 0;
	int err = queue_usable(g, q);

	if (err)
		return err;
	for (i = 0; i < n; i++)
		if (!frame_fits(g, &frames[i]))
			return -EINVAL;
	gq = &g->q[q];
	if (reap_completions(g, gq)) {
		g->broken_by = VMBUS_V_RX_DESC;
		return -EPROTO;
	}
	for (i = 0; i < n; i++) {
		const struct vmbus_frame *f = &frames[i];
		__u32 size = g->lim.slot_size, need = (f->len + size - 1) / size, off = 0;

		if (need > gq->nfree)
			break;
		if (g->lim.ring_size - (gq->tx_prod - gq->tx_cons_seen) < need) {
			gq->tx_cons_seen = ring_load_acquire(&gq->m.tx.c->cons);
			if (g->lim.ring_size - (gq->tx_prod - gq->tx_cons_seen) < need)
				break;
		}
		while (off < f->len) {
			__u32 len = f->len - off < size ? f->len - off : size;
			__u16 s = gq->free[--gq->nfree];
			struct vmbus_desc d = { .slot = s, .len = (__u16)len };

			memcpy(gq->m.slots + (size_t)s * size, (const __u8 *)f->data + off, len);
			if (off == 0)
				offload_to_desc(&d, &f->off);
			off += len;
			if (off < f->len)
				d.flags |= VMBUS_DESC_NEXT;
			desc_write(ring_desc(&gq->m.tx, gq->tx_prod++), &d);
			gq->tx_out++;
		}
		bytes += f->len;
	}
	if (!i)
		return 0;
	ring_store_release(&gq->m.tx.p->prod, gq->tx_prod);
	ring_fence();
	if (ring_load_once(&gq->m.tx.w->flags) & VMBUS_RING_NEED_WAKEUP)
		ring_host(g, gq);
	g->stats.tx_frames += i;
	g->stats.tx_bytes += bytes;
	return (int)i;
}

unsigned vmbus_guest_tx_pending(struct vmbus_guest *g, unsigned q)
{
	if (q >= g->nq)
		return 0;
	if (reap_completions(g, &g->q[q]))
		g->broken_by = VMBUS_V_RX_DESC;
	return g->q[q].tx_out;
}

/* ---- receive ------------------------------------------------------------------------------- */

/* Reads one RX chain at ring index `at` (`avail` published) into f; the number of descriptors,
 * or -EPROTO for a chain the host should never have written. */
static int read_rx_chain(struct vmbus_guest *g, struct guest_queue *gq, __u32 at, __u32 avail,
			 struct vmbus_frame *f)
{
	struct vmbus_desc d, first = { 0 };
	__u32 len = 0, k = 0;

	do {
		if (k == avail)
			return -EPROTO;
		desc_read_once(ring_desc(&gq->m.rx, at + k), &d);
		if (check_desc(&g->cx, &d, k) || len + d.len > g->lim.max_frame)
			return -EPROTO;
		memcpy((__u8 *)f->data + len, gq->m.slots + (size_t)d.slot * gq->m.slot_size + d.offset,
		       d.len);
		len += d.len;
		ring_store_once(ring_entry(&gq->m.fill, gq->fill_prod++), d.slot);
		if (k++ == 0)
			first = d;
	} while (d.flags & VMBUS_DESC_NEXT);
	offload_from_desc(&f->off, &first);
	if (check_frame(&g->cx, &f->off, len))
		return -EPROTO;
	f->len = len;
	return (int)k;
}

int vmbus_guest_recv(struct vmbus_guest *g, unsigned q, struct vmbus_frame *frames, unsigned n)
{
	struct guest_queue *gq;
	__u32 avail, used = 0;
	unsigned nf = 0;
	__u64 bytes = 0;
	int err = queue_usable(g, q);

	if (err)
		return err;
	for (unsigned i = 0; i < n; i++)
		if (!frames[i].data || frames[i].cap < g->lim.max_frame)
			return -EINVAL;
	gq = &g->q[q];
	avail = ring_load_acquire(&gq->m.rx.p->prod) - gq->rx_cons;
	if (avail > g->lim.ring_size) {
		g->broken_by = VMBUS_V_RX_DESC;
		return -EPROTO;
	}
	while (nf < n && used < avail) {
		int k = read_rx_chain(g, gq, gq->rx_cons + used, avail - used, &frames[nf]);

		if (k < 0) {
			g->broken_by = VMBUS_V_RX_DESC;
			return k;
		}
		bytes += frames[nf++].len;
		used += (__u32)k;
	}
	if (!used)
		return 0;
	/* The slots go straight back to the host: one publish each for RX and fill. */
	gq->rx_cons += used;
	ring_store_release(&gq->m.rx.c->cons, gq->rx_cons);
	ring_store_release(&gq->m.fill.p->prod, gq->fill_prod);
	ring_fence();
	if (ring_load_once(&gq->m.fill.w->flags) & VMBUS_RING_NEED_WAKEUP)
		ring_host(g, gq);
	g->stats.rx_frames += nf;
	g->stats.rx_bytes += bytes;
	return (int)nf;
}

/* ---- sleeping ------------------------------------------------------------------------------ */

static void set_need_wakeup(struct guest_queue *gq, bool on)
{
	__u32 f = on ? VMBUS_RING_NEED_WAKEUP : 0;

	ring_store_once(&gq->m.rx.w->flags, f);
	ring_store_once(&gq->m.comp.w->flags, f);
}

bool vmbus_guest_arm(struct vmbus_guest *g, unsigned q)
{
	struct guest_queue *gq;

	if (queue_usable(g, q))
		return true;
	gq = &g->q[q];
	set_need_wakeup(gq, true);
	ring_fence();
	if (ring_load_acquire(&gq->m.rx.p->prod) != gq->rx_cons ||
	    ring_load_acquire(&gq->m.comp.p->prod) != gq->comp_cons) {
		set_need_wakeup(gq, false);
		return false;
	}
	return true;
}

/* Handles what arrived on the socket after READY: CONNECTED, ERROR or the hang-up. */
static int on_sock(struct vmbus_guest *g)
{
	struct wire_in in;
	int ret;

	for (;;) {
		ret = wire_recv(g->sock, &in, true);
		if (ret == -EAGAIN)
			return 0;
		if (ret)
			return ret;
		wire_close_fds(&in);
		if (in.len == 0) {
			g->hung_up = 1;
			return -ECONNRESET;
		}
		if (wire_check(&in))
			continue;
		if (in.m.hdr.type == VMBUS_MSG_CONNECTED)
			g->connected = true;
		if (in.m.hdr.type == VMBUS_MSG_ERROR) {
			g->broken_by = in.m.error.violation && in.m.error.violation < VMBUS_V_COUNT
					       ? in.m.error.violation : VMBUS_V_COUNT - 1;
			return -EPIPE;
		}
	}
}

int vmbus_guest_wait(struct vmbus_guest *g, unsigned q, int timeout_ms)
{
	struct pollfd p[2];
	char buf[64];
	int n, err = queue_usable(g, q);

	if (err)
		return err;
	if (g->hung_up)
		return -ECONNRESET;
	if (!vmbus_guest_arm(g, q))
		return 1;
	p[0] = (struct pollfd){ .fd = g->q[q].bell_in, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = g->sock, .events = POLLIN };
	do
		n = poll(p, 2, timeout_ms);
	while (n < 0 && errno == EINTR);
	set_need_wakeup(&g->q[q], false);
	if (n < 0)
		return -errno;
	if (p[1].revents) {
		err = on_sock(g);
		if (err)
			return err;
	}
	if (p[0].revents & POLLIN) {
		while (read(g->q[q].bell_in, buf, sizeof(buf)) > 0)
			;
		g->stats.doorbells_in++;
		return 1;
	}
	return n > 0;
}
