// SPDX-License-Identifier: MIT
/*
 * One synthetic port served by xvsd: the AF_XDP sockets on xvsd's end of the port's veth (one
 * socket and one umem per queue: libxdp 1.3.1 cannot share a umem across queues), the
 * listening socket at $XVS_RUN/<switch>/<port>.sock, at most one guest channel, and the two
 * loops that move frames:
 *
 *   guest -> switch:  vmbus_host_take_tx() copies and validates each frame straight into a
 *                     free TX slot of the umem (the one copy), which goes on the AF_XDP TX
 *                     ring as one descriptor per umem frame it covers (XDP_PKT_CONTD)
 *   switch -> guest:  AF_XDP RX -> vmbus_host_give_rx() copies it into slots the guest lent;
 *                     a jumbo frame arrives as a chain of umem frames and is gathered first
 *
 * Frames up to VMBUS_FRAME_MAX (MTU 9000) need multi-buffer AF_XDP (XDP_USE_SG, Linux 6.6);
 * on a kernel without it the sockets carry one umem frame per Ethernet frame, XQ_RX_FRAME_MAX
 * bytes at most, and the guest is told so (max_frame in INIT).
 *
 * Guest queue pair q is socket q. The guest never sees an address of ours; a guest that
 * breaks the protocol loses its channel (the library already refused the batch) and nothing
 * else here changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "netdev.h"
#include "xvsd.h"
#include "xvs_xsk.skel.h"

static void ep_add(struct sport *sp, int fd, struct ev *ev)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = ev };

	epoll_ctl(sp->epfd, EPOLL_CTL_ADD, fd, &e);
}

static void ep_del(struct sport *sp, int fd)
{
	if (fd >= 0)
		epoll_ctl(sp->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static int dev_ioctl(const char *dev, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", dev);
	if (ioctl(fd, req, ifr))
		err = -errno;
	close(fd);
	return err;
}

/* The device's rx queues (the veth was made with one per guest queue pair). */
static int dev_queues(const char *dev, unsigned *nq)
{
	int err = xvs_netdev_rx_queues(dev, nq);

	if (!err && *nq > XVS_SYNTHETIC_QUEUES_MAX)
		*nq = XVS_SYNTHETIC_QUEUES_MAX;
	return err;
}

/* The port's MTU: the smaller of the veth's two ends. xvsd's end limits what the switch can
 * send towards the guest (a veth refuses a redirected frame longer than its peer's MTU + 18),
 * the switch's end what the guest can send (the veth forwards no skb longer than that). */
static int port_mtu(const struct sport *sp, __u16 *mtu)
{
	struct ifreq ifr = {};
	int err, m;

	err = dev_ioctl(sp->dev, SIOCGIFMTU, &ifr);
	if (err)
		return err;
	m = ifr.ifr_mtu;
	memset(&ifr, 0, sizeof(ifr));
	if (dev_ioctl(sp->sw_dev, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu < m)
		m = ifr.ifr_mtu;
	*mtu = (__u16)(m > 0xffff ? 0xffff : m);
	return 0;
}

/* The largest frame this port can carry between guest and switch (max_frame in INIT). */
static __u32 port_max_frame(const struct sport *sp)
{
	__u32 max = (__u32)sp->mtu + 18; /* Ethernet header and one 802.1Q tag */

	if (max > VMBUS_FRAME_MAX)
		max = VMBUS_FRAME_MAX;
	for (unsigned q = 0; q < sp->nq; q++)
		if (!sp->q[q].sg && max > XQ_RX_FRAME_MAX)
			max = XQ_RX_FRAME_MAX;
	return max;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int xq_open(struct sport *sp, unsigned q)
{
	struct xq *x = &sp->q[q];
	struct xsk_umem_config ucfg = {
		.fill_size = XQ_RING, .comp_size = XQ_COMP_RING, .frame_size = XQ_FRAME_SIZE,
		.frame_headroom = 0, .flags = 0,
	};
	struct xsk_socket_config scfg = {
		.rx_size = XQ_RING, .tx_size = XQ_RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		/* veth: copy mode only; multi-buffer for jumbo frames */
		.bind_flags = XDP_COPY | XDP_USE_SG,
	};
	__u32 idx, key = q;
	int err;

	/* PLATFORM.md gotcha 7: the ring structs must start zeroed. */
	memset(x, 0, sizeof(*x));
	x->fd = -1;
	x->area = mmap(NULL, (size_t)XQ_FRAMES * XQ_FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED) {
		x->area = NULL;
		return -errno;
	}
	err = xsk_umem__create(&x->umem, x->area, (__u64)XQ_FRAMES * XQ_FRAME_SIZE, &x->fill,
			       &x->comp, &ucfg);
	if (err)
		return err;
	/* Rebinding a queue right after the previous owner closed it (xvsd restarted) fails
	 * with EBUSY for up to a second. */
	for (int i = 0; i < 30; i++) {
		err = xsk_socket__create(&x->xsk, sp->dev, q, x->umem, &x->rx, &x->tx, &scfg);
		if (err == -EINVAL && (scfg.bind_flags & XDP_USE_SG)) {
			/* A kernel before 6.6 knows no XDP_USE_SG: one umem frame per frame. */
			scfg.bind_flags &= (__u16)~XDP_USE_SG;
			i--;
			continue;
		}
		if (err != -EBUSY)
			break;
		sleep_ms(100);
	}
	if (err)
		return err;
	x->sg = scfg.bind_flags & XDP_USE_SG;
	x->fd = xsk_socket__fd(x->xsk);
	if (bpf_map_update_elem(bpf_map__fd(sp->skel->maps.xvs_xsks), &key, &x->fd, 0))
		return -errno;
	/* The RX part of the umem is lent to the kernel, the TX slots are ours. */
	if (xsk_ring_prod__reserve(&x->fill, XQ_RX_FRAMES, &idx) != XQ_RX_FRAMES)
		return -ENOSPC;
	for (unsigned i = 0; i < XQ_RX_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&x->fill, idx + i) = (__u64)i * XQ_FRAME_SIZE;
	xsk_ring_prod__submit(&x->fill, XQ_RX_FRAMES);
	for (unsigned i = 0; i < XQ_TX_SLOTS; i++)
		x->free_tx[x->nfree++] = XQ_TX_BASE + (__u64)i * XQ_TX_UNIT * XQ_FRAME_SIZE;
	x->ev_xsk = (struct ev){ .kind = EV_XSK, .sp = sp, .q = q };
	x->ev_bell = (struct ev){ .kind = EV_BELL, .sp = sp, .q = q };
	ep_add(sp, x->fd, &x->ev_xsk);
	return 0;
}

static void xq_close(struct sport *sp, unsigned q)
{
	struct xq *x = &sp->q[q];

	if (x->xsk) {
		ep_del(sp, x->fd);
		xsk_socket__delete(x->xsk);
	}
	if (x->umem)
		xsk_umem__delete(x->umem);
	if (x->area)
		munmap(x->area, (size_t)XQ_FRAMES * XQ_FRAME_SIZE);
	memset(x, 0, sizeof(*x));
	x->fd = -1;
}

static int listen_open(struct sport *sp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[600];

	snprintf(dir, sizeof(dir), "%s/%s", xvs_run_dir(), sp->sw);
	mkdir(xvs_run_dir(), 0755);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	xvs_synthetic_path(sp->sw, sp->port, "sock", sp->sock_path, sizeof(sp->sock_path));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sp->sock_path);
	sp->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sp->listen_fd < 0)
		return -errno;
	unlink(sa.sun_path); /* left behind by an xvsd that did not stop cleanly */
	if (bind(sp->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(sp->listen_fd, 4))
		return -errno;
	sp->ev_listen = (struct ev){ .kind = EV_LISTEN, .sp = sp };
	ep_add(sp, sp->listen_fd, &sp->ev_listen);
	return 0;
}

static void fail_open(struct sport *sp, const char *what, int err)
{
	snprintf(sp->err, sizeof(sp->err), "%s: %s", what, strerror(-err));
	sport_close(sp);
	sp->ok = false;
}

void sport_open(struct sport *sp, int epfd)
{
	int err;

	sp->epfd = epfd;
	sp->listen_fd = -1;
	for (unsigned q = 0; q < XVS_SYNTHETIC_QUEUES_MAX; q++)
		sp->q[q].fd = -1;
	memset(&sp->st, 0, sizeof(sp->st));
	sp->vmq_ring_full_closed = 0;
	snprintf(sp->st.last_violation, sizeof(sp->st.last_violation), "-");
	xvs_synthetic_devs(sp->sw, sp->port, sp->sw_dev, sp->dev);
	sp->ifindex = (int)if_nametoindex(sp->dev);
	if (!sp->ifindex)
		return fail_open(sp, sp->dev, -ENODEV);
	err = dev_queues(sp->dev, &sp->nq);
	if (!err)
		err = port_mtu(sp, &sp->mtu);
	if (err)
		return fail_open(sp, "cannot read the device's queues and MTU", err);
	sp->st.queues = sp->nq;
	sp->skel = xvs_xsk__open_and_load();
	if (!sp->skel)
		return fail_open(sp, "cannot load the AF_XDP redirect program", -errno);
	/* A link, not a netlink attachment: if xvsd dies, the program goes with it. */
	sp->link = bpf_program__attach_xdp(sp->skel->progs.xvs_xsk_rx, sp->ifindex);
	if (!sp->link) {
		err = -errno;
		sp->skel = (xvs_xsk__destroy(sp->skel), NULL);
		return fail_open(sp, "cannot attach XDP to the port device", err);
	}
	for (unsigned q = 0; q < sp->nq; q++) {
		err = xq_open(sp, q);
		if (err) {
			char what[64];

			snprintf(what, sizeof(what), "cannot bind AF_XDP on %s queue %u", sp->dev, q);
			return fail_open(sp, what, err);
		}
	}
	err = listen_open(sp);
	if (err)
		return fail_open(sp, "cannot listen on the guest socket", err);
	sp->ok = true;
	sp->err[0] = 0;
	sp->dirty = true;
	sport_write_stats(sp);
	xvsd_log("serving %s/%s at %s (%s, %u queue%s, MTU %u, frames up to %u bytes)", sp->sw,
		 sp->port, sp->sock_path, sp->dev, sp->nq, sp->nq == 1 ? "" : "s", sp->mtu,
		 port_max_frame(sp));
}

/* ---- the guest's channel ---- */

static void chan_drop(struct sport *sp)
{
	struct vmbus_host_chan *c = sp->chan;
	const struct vmbus_chan_stats *cs;
	__u64 v = 0;

	if (!c)
		return;
	cs = vmbus_host_stats(c);
	for (unsigned i = 1; i < VMBUS_V_COUNT; i++)
		v += cs->violations[i];
	if (vmbus_host_state(c) == VMBUS_CHAN_BROKEN) {
		sp->st.broken++;
		snprintf(sp->st.last_violation, sizeof(sp->st.last_violation), "%s",
			 vmbus_violation_name(vmbus_host_broken_by(c)));
		xvsd_log("%s/%s: guest broke the protocol (%s): channel closed", sp->sw, sp->port,
			 sp->st.last_violation);
	} else {
		xvsd_log("%s/%s: guest gone", sp->sw, sp->port);
	}
	sp->st.q[sp->bad_q < sp->nq ? sp->bad_q : 0].violations += v;
	if (sp->st.guest)
		sp->st.disconnects++;
	sp->st.guest = false;
	if (sp->bells)
		for (unsigned q = 0; q < vmbus_host_limits(c)->queues; q++)
			ep_del(sp, vmbus_host_doorbell_fd(c, q));
	ep_del(sp, vmbus_host_sock_fd(c));
	vmbus_host_chan_free(c);
	sp->chan = NULL;
	sp->bells = false;
	sp->bad_q = 0;
	sp->dirty = true;
}

static void chan_accept(struct sport *sp)
{
	struct vmbus_host_config cfg;
	int fd, err;

	fd = accept4(sp->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (sp->chan) {
		/* One guest per port: a second one is hung up on at once. */
		close(fd);
		return;
	}
	vmbus_host_config_default(&cfg);
	cfg.limits.queues = (__u16)sp->nq;
	/* The MTU as it is now: a change since the last rescan counts from this guest on. */
	port_mtu(sp, &sp->mtu);
	cfg.limits.max_frame = port_max_frame(sp);
	/* No offloads: AF_XDP on a veth cannot carry a partial checksum or a GSO superframe
	 * into the switch, so the guest hands over finished frames. */
	cfg.features = 0;
	memcpy(cfg.mac, sp->mac, 6);
	/* The MTU the guest's frames fit (less than the device's if the frame size is the
	 * limit: a device set above 9000, or a kernel without multi-buffer AF_XDP). */
	cfg.mtu = (__u16)(cfg.limits.max_frame - 18 < sp->mtu ? cfg.limits.max_frame - 18 : sp->mtu);
	err = vmbus_host_chan_new(fd, &cfg, &sp->chan);
	if (err) {
		close(fd);
		return;
	}
	sp->ev_sock = (struct ev){ .kind = EV_CHAN_SOCK, .sp = sp };
	ep_add(sp, vmbus_host_sock_fd(sp->chan), &sp->ev_sock);
}

static void chan_on_sock(struct sport *sp)
{
	int st = vmbus_host_on_sock(sp->chan);

	if (st < 0 || st == VMBUS_CHAN_BROKEN || st == VMBUS_CHAN_CLOSED)
		return chan_drop(sp);
	if (st == VMBUS_CHAN_CONNECTED && !sp->bells) {
		unsigned gq = vmbus_host_limits(sp->chan)->queues;

		for (unsigned q = 0; q < gq; q++)
			ep_add(sp, vmbus_host_doorbell_fd(sp->chan, q), &sp->q[q].ev_bell);
		sp->bells = true;
		sp->st.guest = true;
		sp->st.connects++;
		sp->dirty = true;
		xvsd_log("%s/%s: guest connected (%u queue%s)", sp->sw, sp->port, gq,
			 gq == 1 ? "" : "s");
	}
}

void sport_check_mtu(struct sport *sp)
{
	__u16 mtu;

	if (!sp->ok || port_mtu(sp, &mtu) || mtu == sp->mtu)
		return;
	sp->mtu = mtu;
	xvsd_log("%s/%s: MTU now %u (frames up to %u bytes)%s", sp->sw, sp->port, mtu,
		 port_max_frame(sp), sp->chan ? ": the guest's channel starts over" : "");
	/* INIT told the guest the old MTU and frame size: it reconnects and learns the new. */
	chan_drop(sp);
}

void sport_event(struct sport *sp, struct ev *ev, __u32 events)
{
	switch (ev->kind) {
	case EV_LISTEN:
		chan_accept(sp);
		break;
	case EV_CHAN_SOCK:
		if (sp->chan)
			chan_on_sock(sp);
		break;
	case EV_BELL:
		if (sp->chan && vmbus_host_kick(sp->chan, ev->q) < 0) {
			sp->bad_q = ev->q;
			chan_drop(sp);
		}
		break;
	case EV_VMQ:
		if (events & EPOLLERR) {
			/* The uplink went away under us: VMQ stops; the normal path remains. */
			xvsd_log("%s/%s: VMQ socket on the uplink failed: VMQ closed", sp->sw, sp->port);
			snprintf(sp->vmq_err, sizeof(sp->vmq_err), "the uplink's socket failed");
			vmq_close(sp);
		}
		break;
	case EV_XSK:
		if (events & EPOLLERR) {
			/* The device went away under us (port or switch deleted): stop serving; the
			 * next rescan decides whether the port still exists. */
			xvsd_log("%s/%s: %s went away", sp->sw, sp->port, sp->dev);
			snprintf(sp->err, sizeof(sp->err), "%s went away", sp->dev);
			sport_close(sp);
			sp->ok = false;
		}
		break;
	default:
		break;
	}
}

/* ---- moving frames ---- */

/* TX slots whose frames the kernel is done with. A frame sent as a chain completes as every
 * one of its descriptors, together; the slot goes back once, with its first. */
static void reap_completions(struct xq *x)
{
	__u32 idx, n = xsk_ring_cons__peek(&x->comp, XQ_COMP_RING, &idx);

	for (__u32 i = 0; i < n; i++) {
		__u64 a = *xsk_ring_cons__comp_addr(&x->comp, idx + i);

		if (a >= XQ_TX_BASE && (a - XQ_TX_BASE) % (XQ_TX_UNIT * XQ_FRAME_SIZE) == 0 &&
		    x->nfree < XQ_TX_SLOTS)
			x->free_tx[x->nfree++] = a;
	}
	if (n)
		xsk_ring_cons__release(&x->comp, n);
}

/* Chains of umem frames from the switch, gathered into one piece for vmbus_host_give_rx()
 * (which copies them once more, into the guest's slots). Single umem frames need no gathering.
 * One xvsd thread, one batch at a time. */
static __u8 gather_buf[XVSD_BUDGET][VMBUS_FRAME_MAX];

/* Switch -> guest, from any AF_XDP RX ring of the port (its device's, or a VMQ socket's on the
 * uplink). Frames that find no guest or no guest slot are dropped and counted, and so are
 * frames the channel cannot carry (longer than its max_frame: the MTU went up under a
 * connected guest, which is about to be told; shorter than an Ethernet header): the host never
 * waits for a guest. Returns how many descriptors it took. */
unsigned sport_deliver(struct sport *sp, unsigned q, struct xsk_ring_cons *rx,
		       struct xsk_ring_prod *fill, void *area, __u64 *packets, __u64 *bytes,
		       __u64 *drops)
{
	struct vmbus_frame frames[XVSD_BUDGET];
	bool chan = sp->chan && sp->bells;
	__u32 max_frame = chan ? vmbus_host_limits(sp->chan)->max_frame : 0;
	__u32 idx, fidx, n, nd, nf = 0, nframes = 0;
	int placed = 0;

	n = xsk_ring_cons__peek(rx, XVSD_BUDGET, &idx);
	if (!n)
		return 0;
	/* The kernel publishes a chain whole, but the budget may end inside one: that one waits
	 * for the next round. (A chain is at most 18 descriptors long, so one always fits.) */
	nd = n;
	while (nd && (xsk_ring_cons__rx_desc(rx, idx + nd - 1)->options & XDP_PKT_CONTD))
		nd--;
	if (!nd && n < XVSD_BUDGET)
		return 0; /* the rest of the chain is not published yet */
	if (!nd)
		nd = n; /* a chain longer than the budget: dropped below as one overlong frame */
	for (__u32 i = 0; i < nd;) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(rx, idx + i);
		__u32 j = i, len = d->len;

		while (j + 1 < nd && (xsk_ring_cons__rx_desc(rx, idx + j)->options & XDP_PKT_CONTD))
			len += xsk_ring_cons__rx_desc(rx, idx + ++j)->len;
		nframes++;
		if (!chan || len < 14 || len > max_frame) {
			i = j + 1;
			continue;
		}
		if (j == i) {
			frames[nf] = (struct vmbus_frame){ .data = xsk_umem__get_data(area, d->addr),
							   .len = len, .cap = len };
		} else {
			__u8 *p = gather_buf[nf];

			for (__u32 k = i; k <= j; k++) {
				d = xsk_ring_cons__rx_desc(rx, idx + k);
				memcpy(p, xsk_umem__get_data(area, d->addr), d->len);
				p += d->len;
			}
			frames[nf] = (struct vmbus_frame){ .data = gather_buf[nf], .len = len,
							   .cap = len };
		}
		nf++;
		i = j + 1;
	}
	if (nf) {
		unsigned gq = vmbus_host_limits(sp->chan)->queues;

		placed = vmbus_host_give_rx(sp->chan, q % gq, frames, nf);
		if (placed < 0) {
			sp->bad_q = q % gq;
			chan_drop(sp);
			placed = 0;
		}
	}
	for (int i = 0; i < placed; i++)
		*bytes += frames[i].len;
	*packets += (__u64)placed;
	*drops += nframes - (__u32)placed;
	/* Every frame was copied or dropped: its umem frames go straight back to the fill ring,
	 * which has room for all the frames lent to it. */
	if (xsk_ring_prod__reserve(fill, nd, &fidx) == nd) {
		for (__u32 i = 0; i < nd; i++) {
			__u64 a = xsk_ring_cons__rx_desc(rx, idx + i)->addr;

			*xsk_ring_prod__fill_addr(fill, fidx + i) = a & ~(__u64)(XQ_FRAME_SIZE - 1);
		}
		xsk_ring_prod__submit(fill, nd);
	}
	xsk_ring_cons__release(rx, nd);
	sp->dirty = true;
	return nd;
}

static unsigned rx_to_guest(struct sport *sp, unsigned q)
{
	struct xvs_synthetic_queue_stats *s = &sp->st.q[q];
	struct xq *x = &sp->q[q];

	return sport_deliver(sp, q, &x->rx, &x->fill, x->area, &s->rx_packets, &s->rx_bytes,
			     &s->rx_drops);
}

/* Copy mode sends only from a syscall (PLATFORM.md gotcha 7), and one sendto() sends at most
 * the kernel's TX budget of descriptors (32 by default) and answers EAGAIN while more wait:
 * kick until the ring is empty. EBUSY: one frame was dropped on the way, the rest still wait. */
static void tx_kick(struct xq *x, struct xvs_synthetic_queue_stats *s, unsigned frames)
{
	/* Enough kicks for a full ring at the default budget; a kernel that makes no progress
	 * (EAGAIN for another reason) costs a bounded number of syscalls. */
	for (unsigned i = 0; i < XQ_RING / 32 + 2; i++) {
		if (sendto(x->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
			return;
		if (errno == EBUSY) {
			s->tx_drops++;
			continue;
		}
		if (errno != EAGAIN) {
			if (errno != ENOBUFS)
				s->tx_drops += frames;
			return;
		}
	}
}

/* Guest -> switch: the one copy out of the guest's memory lands in a TX slot of the umem, which
 * goes on the TX ring as one descriptor per umem frame it covers. */
static unsigned tx_from_guest(struct sport *sp, unsigned q)
{
	struct vmbus_frame frames[XVSD_BUDGET];
	struct xvs_synthetic_queue_stats *s = &sp->st.q[q];
	struct xq *x = &sp->q[q];
	__u32 n, room, per, ndesc = 0, idx = 0;
	int got;

	reap_completions(x);
	/* Ring room for the worst case: every frame as long as the channel allows. */
	per = (vmbus_host_limits(sp->chan)->max_frame + XQ_FRAME_SIZE - 1) / XQ_FRAME_SIZE;
	n = x->nfree < XVSD_BUDGET ? x->nfree : XVSD_BUDGET;
	room = xsk_prod_nb_free(&x->tx, n * per);
	if (room < n * per)
		n = room / per;
	if (!n)
		return 0;
	for (__u32 i = 0; i < n; i++)
		frames[i] = (struct vmbus_frame){
			.data = xsk_umem__get_data(x->area, x->free_tx[x->nfree - 1 - i]),
			.cap = XQ_TX_UNIT * XQ_FRAME_SIZE,
		};
	got = vmbus_host_take_tx(sp->chan, q, frames, n);
	if (got < 0) {
		sp->bad_q = q;
		chan_drop(sp);
		return 0;
	}
	if (!got)
		return 0;
	for (int i = 0; i < got; i++)
		ndesc += (frames[i].len + XQ_FRAME_SIZE - 1) / XQ_FRAME_SIZE;
	/* Room was checked above, so the reservation cannot fall short. */
	xsk_ring_prod__reserve(&x->tx, ndesc, &idx);
	for (int i = 0; i < got; i++) {
		__u64 a = x->free_tx[--x->nfree];
		__u32 left = frames[i].len;

		s->tx_bytes += frames[i].len;
		do {
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&x->tx, idx++);
			__u32 len = left < XQ_FRAME_SIZE ? left : XQ_FRAME_SIZE;

			d->addr = a;
			d->len = len;
			left -= len;
			d->options = left ? XDP_PKT_CONTD : 0;
			a += len;
		} while (left);
	}
	xsk_ring_prod__submit(&x->tx, ndesc);
	s->tx_packets += (__u64)got;
	tx_kick(x, s, (unsigned)got);
	reap_completions(x);
	sp->dirty = true;
	return (unsigned)got;
}

unsigned sport_poll(struct sport *sp)
{
	unsigned work = 0;

	if (!sp->ok)
		return 0;
	/* VMQ first: after `vmq off` its frames were switched before any now arriving through the
	 * port device. (Right after `vmq on` it is the other way round: a flow may see a frame or
	 * two reordered at the switch-over, never lost.) */
	work += vmq_poll(sp);
	for (unsigned q = 0; q < sp->nq; q++) {
		work += rx_to_guest(sp, q);
		if (sp->chan && sp->bells && q < vmbus_host_limits(sp->chan)->queues)
			work += tx_from_guest(sp, q);
	}
	return work;
}

bool sport_arm(struct sport *sp)
{
	if (!sp->ok || !sp->chan || !sp->bells)
		return true;
	for (unsigned q = 0; q < vmbus_host_limits(sp->chan)->queues; q++) {
		reap_completions(&sp->q[q]);
		if (!vmbus_host_arm(sp->chan, q, VMBUS_ARM_TX))
			return false;
	}
	return true;
}

__u64 xvsd_xsk_ring_full(int fd)
{
	struct xdp_statistics xs = {};
	socklen_t len = sizeof(xs);

	if (fd < 0 || getsockopt(fd, SOL_XDP, XDP_STATISTICS, &xs, &len))
		return 0;
	return xs.rx_dropped + xs.rx_ring_full;
}

void sport_write_stats(struct sport *sp)
{
	if (!sp->ok || !sp->dirty)
		return;
	for (unsigned q = 0; q < sp->nq; q++)
		sp->st.q[q].rx_ring_full = xvsd_xsk_ring_full(sp->q[q].fd);
	sp->st.vmq_rx_ring_full = sp->vmq_ring_full_closed;
	for (unsigned q = 0; sp->up && q < sp->up->nq; q++)
		sp->st.vmq_rx_ring_full += xvsd_xsk_ring_full(sp->vq[q].fd);
	if (xvs_synthetic_stats_write(sp->sw, sp->port, &sp->st) == 0)
		sp->dirty = false;
}

void sport_close(struct sport *sp)
{
	char path[600];

	vmq_close(sp);
	chan_drop(sp);
	if (sp->listen_fd >= 0) {
		ep_del(sp, sp->listen_fd);
		close(sp->listen_fd);
		unlink(sp->sock_path);
		sp->listen_fd = -1;
	}
	for (unsigned q = 0; q < XVS_SYNTHETIC_QUEUES_MAX; q++)
		xq_close(sp, q);
	if (sp->link)
		bpf_link__destroy(sp->link);
	sp->link = NULL;
	if (sp->skel)
		xvs_xsk__destroy(sp->skel);
	sp->skel = NULL;
	if (sp->ok) {
		xvs_synthetic_path(sp->sw, sp->port, "stats", path, sizeof(path));
		unlink(path);
		xvsd_log("stopped serving %s/%s", sp->sw, sp->port);
	}
	sp->ok = false;
}
