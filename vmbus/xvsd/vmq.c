// SPDX-License-Identifier: MIT
/*
 * VMQ (docs/SYNTHETIC.md, "VMQ"): for a synthetic port with `vmq on`, one AF_XDP socket per
 * rx queue of the switch's uplink, each put into the switch's xvs_vmq at
 * port id * XVS_VMQ_QUEUES + queue. The uplink's XDP program (bpf/lib/pipeline.h) hands known
 * unicast for the port, after all its VLAN, ACL, QoS and counting work, straight to the socket
 * of the queue the frame arrived on, skipping the hop through the port device; xvsd copies it
 * into the guest's ring like any other frame.
 *
 * A device queue has one fill ring, so all VMQ sockets on one uplink queue share one umem (a
 * vmq_pool); libxdp binds the second and later ones with XDP_SHARED_UMEM. The pool lives while
 * a socket is bound on it, the uplink record while a port has sockets.
 *
 * Order keeps every frame: `vmq on` sets the port flag first (no socket yet: the fast path
 * finds no entry and takes the normal path), then xvsd binds the sockets and fills the map.
 * `vmq off` clears the flag (the fast path stops at once); xvsd deletes the map entries, keeps
 * draining the sockets for VMQ_DRAIN_MS (frames already on their rings, or being put there by
 * a CPU that read the old flag), and only then closes them.
 */
#include <errno.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "netdev.h"
#include "xvsd.h"

/* A queue's receive buffers, all lent to the fill ring: as many as a port device queue has, so
 * the two paths buffer the same (frames go back to the fill ring as soon as they are copied). */
#define VMQ_POOL_FRAMES XQ_RX_FRAMES
#define VMQ_DRAIN_MS    200
#define VMQ_GRACE_US    10000          /* longer than any NAPI poll that read the map */
#define VMQ_BIND_TRIES  30             /* EBUSY retries (100 ms) for all of a port's queues */

static struct vmq_uplink *uplinks;

long xvsd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void uplink_put(struct vmq_uplink *up)
{
	struct vmq_uplink **pp;

	if (--up->users)
		return;
	for (pp = &uplinks; *pp != up; pp = &(*pp)->next)
		;
	*pp = up->next;
	if (up->map_fd >= 0)
		close(up->map_fd);
	free(up);
}

static int uplink_get(const char *sw, int ifindex, struct vmq_uplink **out)
{
	struct vmq_uplink *up;
	char path[600];
	int err;

	for (up = uplinks; up; up = up->next)
		if (!strcmp(up->sw, sw) && up->ifindex == ifindex)
			break;
	if (up) {
		up->users++;
		*out = up;
		return 0;
	}
	up = calloc(1, sizeof(*up));
	if (!up)
		return -ENOMEM;
	snprintf(up->sw, sizeof(up->sw), "%s", sw);
	up->ifindex = ifindex;
	if (!if_indextoname((unsigned)ifindex, up->dev)) {
		free(up);
		return -ENODEV;
	}
	err = xvs_netdev_rx_queues(up->dev, &up->nq);
	if (err) {
		free(up);
		return err;
	}
	if (up->nq > XVS_VMQ_QUEUES)
		up->nq = XVS_VMQ_QUEUES; /* frames on later queues take the normal path */
	snprintf(path, sizeof(path), "%s/%s/xvs_vmq", xvs_root_dir(), sw);
	up->map_fd = bpf_obj_get(path);
	if (up->map_fd < 0) {
		err = -errno;
		free(up);
		return err;
	}
	up->users = 1;
	up->next = uplinks;
	uplinks = up;
	*out = up;
	return 0;
}

static void pool_put(struct vmq_pool *pool)
{
	if (--pool->users)
		return;
	if (pool->umem)
		xsk_umem__delete(pool->umem);
	if (pool->area)
		munmap(pool->area, (size_t)VMQ_POOL_FRAMES * XQ_FRAME_SIZE);
	memset(pool, 0, sizeof(*pool));
}

/* A reference to the pool of one uplink queue, created with all its frames on the fill ring. */
static int pool_get(struct vmq_pool *pool)
{
	struct xsk_umem_config ucfg = {
		.fill_size = XQ_RING, .comp_size = XQ_RING, .frame_size = XQ_FRAME_SIZE,
	};
	__u32 idx;
	int err;

	if (pool->users++)
		return 0;
	/* PLATFORM.md gotcha 7: the ring structs must start zeroed. */
	memset(&pool->fill, 0, sizeof(pool->fill));
	memset(&pool->comp, 0, sizeof(pool->comp));
	pool->area = mmap(NULL, (size_t)VMQ_POOL_FRAMES * XQ_FRAME_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pool->area == MAP_FAILED) {
		err = -errno;
		pool->area = NULL;
		goto fail;
	}
	err = xsk_umem__create(&pool->umem, pool->area, (__u64)VMQ_POOL_FRAMES * XQ_FRAME_SIZE,
			       &pool->fill, &pool->comp, &ucfg);
	if (err) {
		pool->umem = NULL;
		goto fail;
	}
	if (xsk_ring_prod__reserve(&pool->fill, VMQ_POOL_FRAMES, &idx) != VMQ_POOL_FRAMES) {
		err = -ENOSPC;
		goto fail;
	}
	for (unsigned i = 0; i < VMQ_POOL_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&pool->fill, idx + i) = (__u64)i * XQ_FRAME_SIZE;
	xsk_ring_prod__submit(&pool->fill, VMQ_POOL_FRAMES);
	return 0;
fail:
	pool_put(pool);
	return err;
}

static void sock_close(struct sport *sp, unsigned q)
{
	struct vmq_sock *vs = &sp->vq[q];

	if (vs->xsk) {
		sp->vmq_ring_full_closed += xvsd_xsk_ring_full(vs->fd);
		epoll_ctl(sp->epfd, EPOLL_CTL_DEL, vs->fd, NULL);
		xsk_socket__delete(vs->xsk);
		pool_put(&sp->up->q[q]);
	}
	memset(vs, 0, sizeof(*vs));
	vs->fd = -1;
}

static int sock_open(struct sport *sp, unsigned q, int *tries)
{
	struct vmq_uplink *up = sp->up;
	struct vmq_pool *pool = &up->q[q];
	struct vmq_sock *vs = &sp->vq[q];
	struct xsk_socket_config scfg = {
		.rx_size = XQ_RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD, /* the switch's program runs */
		.bind_flags = XDP_COPY,
	};
	struct epoll_event e;
	int err;

	memset(vs, 0, sizeof(*vs));
	vs->fd = -1;
	err = pool_get(pool);
	if (err)
		return err;
	/* The queue's previous socket may have closed a moment ago (EBUSY for up to a second):
	 * retry, within one budget for all queues, since xvsd serves nothing else meanwhile. */
	for (;;) {
		err = xsk_socket__create_shared(&vs->xsk, up->dev, q, pool->umem, &vs->rx, NULL,
						&pool->fill, &pool->comp, &scfg);
		if (err != -EBUSY || --*tries <= 0)
			break;
		usleep(100000);
	}
	if (err) {
		vs->xsk = NULL;
		pool_put(pool);
		return err;
	}
	vs->fd = xsk_socket__fd(vs->xsk);
	vs->ev = (struct ev){ .kind = EV_VMQ, .sp = sp, .q = q };
	e = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &vs->ev };
	epoll_ctl(sp->epfd, EPOLL_CTL_ADD, vs->fd, &e);
	return 0;
}

/* Put the port's sockets into xvs_vmq (on) or take them out (off). */
static int map_sockets(struct sport *sp, bool on)
{
	for (unsigned q = 0; q < sp->up->nq; q++) {
		__u32 key = (__u32)sp->id * XVS_VMQ_QUEUES + q;

		if (!on) {
			bpf_map_delete_elem(sp->up->map_fd, &key);
			continue;
		}
		if (bpf_map_update_elem(sp->up->map_fd, &key, &sp->vq[q].fd, 0))
			return -errno;
	}
	return 0;
}

/* One budget of frames from every VMQ socket of the port to its guest. */
static unsigned drain(struct sport *sp)
{
	unsigned work = 0;

	for (unsigned q = 0; q < sp->up->nq; q++)
		if (sp->vq[q].xsk)
			work += sport_deliver(sp, q, &sp->vq[q].rx, &sp->up->q[q].fill,
					      sp->up->q[q].area, &sp->st.vmq_rx_packets,
					      &sp->st.vmq_rx_bytes, &sp->st.vmq_rx_drops);
	return work;
}

void vmq_close(struct sport *sp)
{
	if (!sp->up)
		return;
	/* Unless `vmq off` already took the sockets out of the map and drained them for long
	 * enough (the port or xvsd is going, or the uplink changed): out of the map, then a grace
	 * period for a CPU that found a socket just before, so that every frame that can still
	 * arrive is on the rings when they are drained (a frame left on a closed socket's ring
	 * would never give its buffer back to the queue's shared pool). */
	if (!sp->vmq_close_at)
		map_sockets(sp, false);
	if (!sp->vmq_close_at || xvsd_now_ms() < sp->vmq_close_at)
		usleep(VMQ_GRACE_US);
	/* What is still on the rings goes to the guest (if the channel is up) before they close;
	 * bounded: nothing new arrives now. */
	for (int i = 0; i < 64 && drain(sp); i++)
		;
	for (unsigned q = 0; q < sp->up->nq; q++)
		sock_close(sp, q);
	uplink_put(sp->up);
	sp->up = NULL;
	sp->vmq_close_at = 0;
	sp->st.vmq = false;
	sp->st.vmq_queues = 0;
	sp->dirty = true;
	xvsd_log("%s/%s: VMQ off", sp->sw, sp->port);
}

static int vmq_open(struct sport *sp, int uplink_ifindex, const char **what)
{
	static char bind_what[64];
	int tries = VMQ_BIND_TRIES;
	int err;

	*what = "cannot use the uplink";
	err = uplink_get(sp->sw, uplink_ifindex, &sp->up);
	if (err) {
		sp->up = NULL;
		return err;
	}
	/* The name was read when the uplink was first used: still the same device? */
	if (if_nametoindex(sp->up->dev) != (unsigned)sp->up->ifindex) {
		err = -ENODEV;
		goto fail;
	}
	*what = "cannot bind AF_XDP on the uplink";
	for (unsigned q = 0; q < sp->up->nq; q++) {
		err = sock_open(sp, q, &tries);
		if (err) {
			snprintf(bind_what, sizeof(bind_what), "cannot bind AF_XDP on %s queue %u",
				 sp->up->dev, q);
			*what = bind_what;
			goto fail;
		}
	}
	*what = "cannot fill xvs_vmq";
	err = map_sockets(sp, true);
	if (err)
		goto fail;
	sp->st.vmq = true;
	sp->st.vmq_queues = sp->up->nq;
	sp->dirty = true;
	xvsd_log("%s/%s: VMQ on (%s, %u queue%s)", sp->sw, sp->port, sp->up->dev, sp->up->nq,
		 sp->up->nq == 1 ? "" : "s");
	return 0;
fail:
	map_sockets(sp, false);
	for (unsigned q = 0; q < sp->up->nq; q++)
		sock_close(sp, q);
	uplink_put(sp->up);
	sp->up = NULL;
	return err;
}

void vmq_sync(struct sport *sp, int uplink_ifindex, char *err, size_t errlen)
{
	const char *what;
	int ret;

	if (!sp->ok)
		return;
	if (!sp->vmq_want) {
		sp->vmq_err[0] = 0;
		if (sp->up && !sp->vmq_close_at) {
			/* Off: the fast path no longer picks the sockets; drain, then close. */
			map_sockets(sp, false);
			sp->vmq_close_at = xvsd_now_ms() + VMQ_DRAIN_MS;
		}
		return;
	}
	if (sp->up && sp->up->ifindex != uplink_ifindex)
		vmq_close(sp); /* the switch has another uplink now */
	if (sp->up && !if_indextoname((unsigned)sp->up->ifindex, (char[IF_NAMESIZE]){ 0 })) {
		/* The uplink device is gone: its sockets are unbound (an AF_XDP socket reports no
		 * error through poll, so this is where it is noticed). */
		vmq_close(sp);
		snprintf(sp->vmq_err, sizeof(sp->vmq_err), "the uplink device is gone");
		return;
	}
	if (sp->up) {
		if (sp->vmq_close_at && map_sockets(sp, true) == 0)
			sp->vmq_close_at = 0; /* on again while draining */
		return;
	}
	/* A failure is retried when asked (sync), not every tick. */
	if (!err && sp->vmq_err[0])
		return;
	if (uplink_ifindex <= 0) {
		snprintf(sp->vmq_err, sizeof(sp->vmq_err), "the switch has no uplink");
		ret = -ENODEV;
	} else {
		ret = vmq_open(sp, uplink_ifindex, &what);
		if (ret)
			snprintf(sp->vmq_err, sizeof(sp->vmq_err), "%s: %s", what, strerror(-ret));
		else
			sp->vmq_err[0] = 0;
	}
	if (ret) {
		xvsd_log("cannot turn VMQ on for %s/%s: %s", sp->sw, sp->port, sp->vmq_err);
		if (err && !err[0])
			snprintf(err, errlen, "cannot turn VMQ on for %s/%s: %s", sp->sw, sp->port,
				 sp->vmq_err);
	}
}

unsigned vmq_poll(struct sport *sp)
{
	unsigned work;

	if (!sp->up)
		return 0;
	work = drain(sp);
	if (sp->vmq_close_at && xvsd_now_ms() >= sp->vmq_close_at && !work)
		vmq_close(sp);
	return work;
}
