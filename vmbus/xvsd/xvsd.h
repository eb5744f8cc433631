/* SPDX-License-Identifier: MIT */
/*
 * xvsd, the host service of synthetic NICs (docs/SYNTHETIC.md).
 *
 * main.c   the event loop: signals, the request socket $XVS_RUN/xvsd.sock, rescans of the
 *          port tables, the poll budget and when to sleep
 * port.c   one served port: its device's AF_XDP sockets (one umem per queue), the guest's
 *          listening socket and channel, moving frames between them, its counters
 * vmq.c    VMQ: a port's AF_XDP sockets on the uplink's rx queues (one umem per uplink queue,
 *          shared by every VMQ port's socket on it), filled into the switch's xvs_vmq
 */
#ifndef XVSD_H
#define XVSD_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/types.h>
#include <xdp/xsk.h>
#include "if_xdp_compat.h"
#include "libxvs.h"
#include "vmbus.h"

/*
 * A queue's umem: XQ_RX_FRAMES umem frames lent to the fill ring, then XQ_TX_SLOTS TX slots of
 * XQ_TX_UNIT consecutive umem frames each. A frame from the switch fills umem frames of
 * XQ_RX_FRAME_MAX bytes (the XDP headroom comes off each), as a chain when it is longer
 * (XDP_USE_SG); a frame from the guest is copied into one TX slot whole and sent as a chain of
 * up to XQ_TX_UNIT descriptors, so the one copy out of guest memory stays the only one.
 */
#define XQ_FRAME_SIZE 4096             /* one umem frame (the kernel's chunk) */
#define XQ_RX_FRAME_MAX (XQ_FRAME_SIZE - XDP_PACKET_HEADROOM)
#define XQ_RX_FRAMES  512              /* umem frames lent to the fill ring */
#define XQ_TX_UNIT    3                /* umem frames per TX slot: 3 x 4096 >= VMBUS_FRAME_MAX */
#define XQ_TX_SLOTS   256              /* frames from the guest in flight on a queue */
#define XQ_TX_BASE    ((__u64)XQ_RX_FRAMES * XQ_FRAME_SIZE)
#define XQ_FRAMES     (XQ_RX_FRAMES + XQ_TX_SLOTS * XQ_TX_UNIT)
#define XQ_RING       512
#define XQ_COMP_RING  1024             /* >= XQ_TX_SLOTS * XQ_TX_UNIT: every descriptor fits */
#define XVSD_BUDGET   64               /* frames per queue per direction per poll */

/* EV_NONE (0) is what a cleared struct ev says: an event left from a socket closed in the
 * same epoll batch, ignored. */
enum ev_kind { EV_NONE, EV_CTL, EV_SIGNAL, EV_LISTEN, EV_CHAN_SOCK, EV_BELL, EV_XSK, EV_VMQ };

struct sport;
struct ev {                            /* epoll_event.data.ptr */
	enum ev_kind kind;
	struct sport *sp;
	unsigned q;
};

struct xq {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	void *area;
	int fd;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	bool sg;                       /* bound with XDP_USE_SG: frames may be chains */
	__u64 free_tx[XQ_TX_SLOTS];    /* umem addresses of TX slots not in flight */
	unsigned nfree;
	struct ev ev_xsk, ev_bell;
};

/* One rx queue of an uplink with VMQ ports. A device queue has one fill ring, so every VMQ
 * socket bound on it shares this umem: its frames are the queue's receive buffers. */
struct vmq_pool {
	struct xsk_umem *umem;
	void *area;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	unsigned users;                /* sockets bound on the queue */
};

/* The uplink of a switch that has VMQ ports. */
struct vmq_uplink {
	struct vmq_uplink *next;
	char sw[XVS_NAME_LEN];
	char dev[16];
	int ifindex;
	unsigned nq;                   /* rx queues served: min(device's, XVS_VMQ_QUEUES) */
	int map_fd;                    /* the switch's pinned xvs_vmq */
	unsigned users;                /* ports with sockets on it */
	struct vmq_pool q[XVS_VMQ_QUEUES];
};

/* A port's VMQ socket on one uplink queue (RX only: a VM sends through its port device). */
struct vmq_sock {
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx;
	int fd;
	struct ev ev;
};

struct sport {
	struct sport *next;
	char sw[XVS_NAME_LEN], port[XVS_NAME_LEN];
	char dev[16];                  /* xvsd's end of the veth */
	char sw_dev[16];               /* the switch's end */
	__u32 sw_ifindex;              /* the switch end: the port's key in the port table */
	int ifindex;
	unsigned nq;
	__u16 mtu;                     /* the smaller MTU of the veth's two ends, when last read */
	__u8 mac[6];
	bool ok;                       /* served; false: could not be (err says why) */
	char err[256];
	bool seen;                     /* found by the current rescan */
	int epfd;
	int listen_fd;
	char sock_path[108];
	struct xvs_xsk *skel;
	struct bpf_link *link;
	struct vmbus_host_chan *chan;
	bool bells;                    /* the channel's doorbells are in epoll */
	unsigned bad_q;                /* the queue whose call found the channel broken */
	struct xq q[XVS_SYNTHETIC_QUEUES_MAX];
	struct xvs_synthetic_stats st;
	bool dirty;
	struct ev ev_listen, ev_sock;
	/* VMQ (vmq.c) */
	__u16 id;                      /* port id: its keys in xvs_vmq */
	bool vmq_want;                 /* the port table says XVS_PORT_VMQ */
	char vmq_err[256];             /* why VMQ could not be set up (retried on sync) */
	struct vmq_uplink *up;         /* set while the port has VMQ sockets */
	long vmq_close_at;             /* VMQ turned off: map entries gone, sockets drain until */
	__u64 vmq_ring_full_closed;    /* kernel drops of VMQ sockets already closed */
	struct vmq_sock vq[XVS_VMQ_QUEUES];
};

extern bool xvsd_verbose;
void xvsd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Serve a port (sp->sw, sp->port, sw_ifindex, mac filled in); on failure sp->ok is false and
 * sp->err says why, with nothing left open. */
void sport_open(struct sport *sp, int epfd);
void sport_close(struct sport *sp);
void sport_event(struct sport *sp, struct ev *ev, __u32 events);
/* Move up to a budget of frames both ways on every queue; returns how many moved. */
unsigned sport_poll(struct sport *sp);
/* About to sleep: true if every queue may sleep (need-wakeup set, nothing pending). */
bool sport_arm(struct sport *sp);
void sport_write_stats(struct sport *sp);
/* Rescan: the port device's MTU changed (`xvs port set ... mtu`, or `ip link` on both ends):
 * the guest's channel starts over, so that its INIT carries the new MTU and frame size. */
void sport_check_mtu(struct sport *sp);
/* Frames from an AF_XDP RX ring to the guest's queue q % its queues; every umem frame goes
 * straight back to fill. Adds to the three counters; returns how many frames it took. */
unsigned sport_deliver(struct sport *sp, unsigned q, struct xsk_ring_cons *rx,
		       struct xsk_ring_prod *fill, void *area, __u64 *packets, __u64 *bytes,
		       __u64 *drops);

/* VMQ for a served port (vmq.c). vmq_sync makes the sockets match sp->vmq_want (uplink_ifindex:
 * the switch's uplink port); on failure sp->vmq_err says why and, if err, so does err. */
void vmq_sync(struct sport *sp, int uplink_ifindex, char *err, size_t errlen);
unsigned vmq_poll(struct sport *sp);
void vmq_close(struct sport *sp);
long xvsd_now_ms(void);
/* Frames the kernel dropped on AF_XDP socket fd before userspace saw them (its RX ring full,
 * or no buffer on the fill ring), since the socket was bound. */
__u64 xvsd_xsk_ring_full(int fd);

#endif
