// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <criterion/criterion.h>
#include "harness.h"

void th_socketpair(int sv[2])
{
	cr_assert(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
}

void th_pair(const struct vmbus_host_config *cfg, const struct vmbus_guest_params *params,
	     struct vmbus_host_chan **host, struct vmbus_guest **guest)
{
	struct vmbus_host_config dcfg;
	struct vmbus_guest_params dp;
	struct vmbus_guest_error err;
	int sv[2];

	vmbus_host_config_default(&dcfg);
	vmbus_guest_params_default(&dp);
	th_socketpair(sv);
	cr_assert(vmbus_host_chan_new(sv[0], cfg ? cfg : &dcfg, host) == 0);
	cr_assert(vmbus_guest_begin(sv[1], params ? params : &dp, guest) == 0);
	cr_assert_eq(vmbus_host_on_sock(*host), VMBUS_CHAN_HANDSHAKE);   /* HELLO -> INIT, REGION */
	cr_assert(vmbus_guest_complete(*guest, TH_WAIT_MS, &err) == 0, "%s", err.msg);
	cr_assert_eq(vmbus_host_on_sock(*host), VMBUS_CHAN_CONNECTED);   /* READY */
}

/* ---- the host loop --------------------------------------------------------------------- */

/* epoll data: channel index * 64 + slot; slot 0 = socket, 1 + q = doorbell of queue q,
 * 63 = the stop eventfd. */
#define EV_STOP 63u

static void ep_add(struct th_loop *l, int fd, __u64 tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	cr_assert(epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == 0);
}

void th_loop_init(struct th_loop *l)
{
	memset(l, 0, sizeof(*l));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->stop = eventfd(0, EFD_CLOEXEC);
	cr_assert(l->epfd >= 0 && l->stop >= 0);
	ep_add(l, l->stop, EV_STOP);
}

int th_loop_add(struct th_loop *l, int sock, const struct vmbus_host_config *cfg, bool echo)
{
	struct vmbus_host_config dcfg;
	struct th_chan *ch = &l->ch[l->nch];

	cr_assert(l->nch < TH_MAX_CHANS && !l->running);
	vmbus_host_config_default(&dcfg);
	cr_assert(vmbus_host_chan_new(sock, cfg ? cfg : &dcfg, &ch->c) == 0);
	ch->echo = echo;
	ch->sink.data = calloc(TH_SINK_MAX, VMBUS_FRAME_MAX);
	cr_assert(ch->sink.data);
	ep_add(l, sock, (__u64)l->nch * 64);
	return l->nch++;
}

static void chan_retire(struct th_loop *l, struct th_chan *ch)
{
	int nq = (int)vmbus_host_limits(ch->c)->queues;

	epoll_ctl(l->epfd, EPOLL_CTL_DEL, vmbus_host_sock_fd(ch->c), NULL);
	for (int q = 0; ch->watched && q < nq; q++)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, vmbus_host_doorbell_fd(ch->c, (unsigned)q), NULL);
	ch->gone = true;
}

/* Polls every queue of a channel once. Returns true if it is still busy (budget used up, or
 * work arrived while arming). */
static bool chan_poll(struct th_loop *l, struct th_chan *ch)
{
	static __thread __u8 bufs[TH_BUDGET][VMBUS_FRAME_MAX];
	struct vmbus_frame f[TH_BUDGET];
	unsigned nq = vmbus_host_limits(ch->c)->queues;
	bool busy = false;

	for (unsigned q = 0; q < nq; q++) {
		int n;

		for (int i = 0; i < TH_BUDGET; i++)
			f[i] = (struct vmbus_frame){ .data = bufs[i], .cap = VMBUS_FRAME_MAX };
		n = vmbus_host_take_tx(ch->c, q, f, TH_BUDGET);
		if (n < 0) {
			chan_retire(l, ch);
			return false;
		}
		for (int i = 0; i < n; i++) {
			struct th_sink *s = &ch->sink;

			if (s->n < TH_SINK_MAX) {
				memcpy(s->data[s->n], f[i].data, f[i].len);
				s->len[s->n] = f[i].len;
				s->off[s->n] = f[i].off;
				s->n++;
			}
		}
		if (ch->echo && n > 0) {
			int m = vmbus_host_give_rx(ch->c, q, f, (unsigned)n);

			if (m < 0) {
				chan_retire(l, ch);
				return false;
			}
			ch->sink.refused += (unsigned)(n - m);
		}
		if (n == TH_BUDGET || !vmbus_host_arm(ch->c, q, VMBUS_ARM_TX))
			busy = true;
	}
	if (vmbus_host_state(ch->c) == VMBUS_CHAN_BROKEN) {
		chan_retire(l, ch);
		return false;
	}
	return busy;
}

static void on_sock(struct th_loop *l, int i)
{
	struct th_chan *ch = &l->ch[i];
	int st = vmbus_host_on_sock(ch->c);

	if (st == VMBUS_CHAN_CONNECTED && !ch->watched) {
		unsigned nq = vmbus_host_limits(ch->c)->queues;

		for (unsigned q = 0; q < nq; q++)
			ep_add(l, vmbus_host_doorbell_fd(ch->c, q), (__u64)i * 64 + 1 + q);
		ch->watched = true;
	} else if (st != VMBUS_CHAN_HANDSHAKE && st != VMBUS_CHAN_CONNECTED) {
		chan_retire(l, ch);
	}
}

static void *loop_main(void *arg)
{
	struct th_loop *l = arg;
	bool busy[TH_MAX_CHANS] = { false };

	for (;;) {
		struct epoll_event ev[16];
		bool any = false;
		int n;

		for (int i = 0; i < l->nch; i++) {
			if (l->ch[i].gone || !l->ch[i].watched)
				busy[i] = false;
			else if (busy[i])
				busy[i] = chan_poll(l, &l->ch[i]);
			any |= busy[i];
		}
		n = epoll_wait(l->epfd, ev, 16, any ? 0 : -1);
		for (int k = 0; k < n; k++) {
			unsigned i = (unsigned)(ev[k].data.u64 / 64), slot = ev[k].data.u64 % 64;

			if (slot == EV_STOP)
				return NULL;
			if (l->ch[i].gone)
				continue;
			if (slot == 0) {
				bool was = l->ch[i].watched;

				on_sock(l, (int)i);
				if (!was && l->ch[i].watched)
					busy[i] = true;   /* poll every queue once after CONNECTED */
			} else if (vmbus_host_kick(l->ch[i].c, slot - 1) < 0) {
				chan_retire(l, &l->ch[i]);
			} else {
				busy[i] = true;
			}
		}
	}
}

void th_loop_start(struct th_loop *l)
{
	cr_assert(pthread_create(&l->thread, NULL, loop_main, l) == 0);
	l->running = true;
}

void th_loop_stop(struct th_loop *l)
{
	__u64 one = 1;

	if (!l->running)
		return;
	cr_assert(write(l->stop, &one, sizeof(one)) == sizeof(one));
	pthread_join(l->thread, NULL);
	l->running = false;
}

void th_loop_free(struct th_loop *l)
{
	th_loop_stop(l);
	for (int i = 0; i < l->nch; i++) {
		vmbus_host_chan_free(l->ch[i].c);
		free(l->ch[i].sink.data);
	}
	close(l->epfd);
	close(l->stop);
}

struct vmbus_guest *th_guest_connect(int sock, const struct vmbus_guest_params *params)
{
	struct vmbus_guest_params dp;
	struct vmbus_guest_error err;
	struct vmbus_guest *g;

	vmbus_guest_params_default(&dp);
	cr_assert(vmbus_guest_begin(sock, params ? params : &dp, &g) == 0);
	cr_assert(vmbus_guest_complete(g, TH_WAIT_MS, &err) == 0, "%s", err.msg);
	return g;
}

/* ---- the well-behaved guest ------------------------------------------------------------- */

void th_sent_init(struct th_sent *s)
{
	memset(s, 0, sizeof(*s));
	s->data = calloc(TH_SINK_MAX, VMBUS_FRAME_MAX);
	cr_assert(s->data);
}

void th_sent_free(struct th_sent *s)
{
	free(s->data);
}

/* Frame i of the whole conversation: lengths from a runt-sized 60 to a chained jumbo, content
 * unique per frame, offloads on some. */
static void make_frame(struct th_sent *s, unsigned i)
{
	static const __u32 lens[] = { 60, 64, 128, 1514, 2048, 2049, 4000, 9018 };
	__u32 len = lens[i % (sizeof(lens) / sizeof(lens[0]))];
	__u8 *d = s->data[s->n];
	struct vmbus_offload *o = &s->off[s->n];

	for (__u32 b = 0; b < len; b++)
		d[b] = (__u8)(i * 131 + b * 7 + (b >> 8));
	memset(o, 0, sizeof(*o));
	if (i % 3 == 1) {
		o->flags |= VMBUS_DESC_VLAN;
		o->vlan_tci = (__u16)(0x2000 | (i % 4094 + 1));
	}
	if (i % 4 == 2) {
		o->flags |= VMBUS_DESC_CSUM;
		o->csum_start = 34;
		o->csum_offset = 6;
	}
	s->len[s->n] = len;
	s->n++;
}

static bool offload_eq(const struct vmbus_offload *a, const struct vmbus_offload *b)
{
	return a->flags == b->flags && a->vlan_tci == b->vlan_tci &&
	       a->csum_start == b->csum_start && a->csum_offset == b->csum_offset &&
	       a->gso_type == b->gso_type && a->gso_size == b->gso_size;
}

static void wait_once(struct vmbus_guest *g)
{
	int r = vmbus_guest_wait(g, 0, TH_WAIT_MS);

	cr_assert(r == 1, "guest wait: %d (0 = nothing for %d ms)", r, TH_WAIT_MS);
}

void th_round(struct vmbus_guest *g, struct th_sent *s, bool echo)
{
	static __u8 rbuf[VMBUS_FRAME_MAX];
	unsigned first = s->n, got = 0;
	struct vmbus_frame f[TH_ROUND];

	cr_assert(s->n + TH_ROUND <= TH_SINK_MAX);
	for (unsigned i = 0; i < TH_ROUND; i++) {
		make_frame(s, first + i);
		f[i] = (struct vmbus_frame){ .data = s->data[first + i], .len = s->len[first + i],
					     .off = s->off[first + i] };
	}
	for (unsigned sent = 0; sent < TH_ROUND;) {
		int n = vmbus_guest_send(g, 0, f + sent, TH_ROUND - sent);

		cr_assert(n >= 0, "guest send: %d", n);
		sent += (unsigned)n;
		if (sent < TH_ROUND)
			wait_once(g);
	}
	while (vmbus_guest_tx_pending(g, 0))
		wait_once(g);
	while (echo && got < TH_ROUND) {
		struct vmbus_frame r = { .data = rbuf, .cap = sizeof(rbuf) };
		unsigned k = first + got;
		int n = vmbus_guest_recv(g, 0, &r, 1);

		cr_assert(n >= 0, "guest recv: %d", n);
		if (n == 0) {
			wait_once(g);
			continue;
		}
		cr_assert_eq(r.len, s->len[k], "echo %u: length %u, sent %u", k, r.len, s->len[k]);
		cr_assert(memcmp(r.data, s->data[k], r.len) == 0, "echo %u: bytes differ", k);
		cr_assert(offload_eq(&r.off, &s->off[k]), "echo %u: offloads differ", k);
		got++;
	}
}

void th_assert_sink(const struct th_sink *sink, const struct th_sent *s)
{
	cr_assert_eq(sink->n, s->n, "host took %u frames, the guest sent %u", sink->n, s->n);
	for (unsigned i = 0; i < s->n; i++) {
		cr_assert_eq(sink->len[i], s->len[i], "frame %u: length %u, sent %u", i,
			     sink->len[i], s->len[i]);
		cr_assert(memcmp(sink->data[i], s->data[i], s->len[i]) == 0, "frame %u: bytes", i);
		cr_assert(offload_eq(&sink->off[i], &s->off[i]), "frame %u: offloads", i);
	}
	cr_assert_eq(sink->refused, 0, "echoes refused: %llu", (unsigned long long)sink->refused);
}

__u64 th_violations(const struct vmbus_host_chan *c)
{
	const struct vmbus_chan_stats *st = vmbus_host_stats(c);
	__u64 sum = 0;

	for (int i = 0; i < VMBUS_V_COUNT; i++)
		sum += st->violations[i];
	return sum;
}

void th_assert_no_violations(const struct vmbus_host_chan *c)
{
	cr_assert_eq(th_violations(c), 0);
	cr_assert_eq(vmbus_host_state(c), VMBUS_CHAN_CONNECTED);
}

enum vmbus_violation th_wait_error(int sock)
{
	struct {
		struct vmbus_msg_error e;
		char more[64];
	} m;

	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		ssize_t n;

		cr_assert(poll(&p, 1, TH_WAIT_MS) == 1, "no ERROR from the host within %d ms",
			  TH_WAIT_MS);
		n = recv(sock, &m, sizeof(m), MSG_DONTWAIT);
		cr_assert(n > 0, "the host hung up without ERROR");
		if (m.e.hdr.type == VMBUS_MSG_ERROR && n == sizeof(m.e))
			return (enum vmbus_violation)m.e.violation;
		/* INIT, REGION, CONNECTED of a handshake the test started: skip (their fds, if
		 * any, were not requested with a control buffer and are discarded). */
	}
}

/* ---- the hostile guest ------------------------------------------------------------------ */

__u32 raw_tx_prod(struct vmbus_guest *g)
{
	return __atomic_load_n(&vmbus_guest_map(g, 0)->tx.p->prod, __ATOMIC_RELAXED);
}

void raw_set_prod(struct vmbus_ring *r, __u32 prod)
{
	__atomic_store_n(&r->p->prod, prod, __ATOMIC_RELEASE);
}

void raw_bell(struct vmbus_guest *g)
{
	__u64 one = 1;

	cr_assert(write(vmbus_guest_bell_fd(g, 0), &one, sizeof(one)) == sizeof(one));
}

void raw_tx(struct vmbus_guest *g, const struct vmbus_desc *d, unsigned n)
{
	const struct vmbus_queue_map *m = vmbus_guest_map(g, 0);
	__u32 p = raw_tx_prod(g);

	for (unsigned i = 0; i < n; i++)
		((struct vmbus_desc *)m->tx.entries)[(p + i) & (m->tx.size - 1)] = d[i];
	raw_set_prod((struct vmbus_ring *)&m->tx, p + n);
	raw_bell(g);
}

struct vmbus_desc raw_desc(struct vmbus_guest *g, __u16 slot, __u16 len)
{
	const struct vmbus_queue_map *m = vmbus_guest_map(g, 0);

	memset(m->slots + (size_t)slot * m->slot_size, 0xab, len);
	return (struct vmbus_desc){ .slot = slot, .len = len };
}

void raw_wait_completed(struct vmbus_guest *g, __u32 n)
{
	const struct vmbus_queue_map *m = vmbus_guest_map(g, 0);
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (__atomic_load_n(&m->comp.p->prod, __ATOMIC_ACQUIRE) < n) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		cr_assert((t.tv_sec - t0.tv_sec) * 1000 < TH_WAIT_MS, "host did not complete");
		sched_yield();
	}
}
