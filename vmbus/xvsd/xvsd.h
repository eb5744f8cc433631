/* SPDX-License-Identifier: MIT */
/*
 * xvsd, the host service of synthetic NICs (docs/SYNTHETIC.md).
 *
 * main.c   the event loop: signals, the request socket $XVS_RUN/xvsd.sock, rescans of the
 *          port tables, the poll budget and when to sleep
 * port.c   one served port: its device's AF_XDP sockets (one umem per queue), the guest's
 *          listening socket and channel, moving frames between them, its counters
 */
#ifndef XVSD_H
#define XVSD_H

#include <stdbool.h>
#include <linux/types.h>
#include <xdp/xsk.h>
#include "libxvs.h"
#include "vmbus.h"

#define XQ_FRAME_SIZE 4096             /* AF_XDP frame: the largest frame is this - headroom */
#define XQ_RX_FRAMES  512              /* umem frames lent to the fill ring */
#define XQ_TX_FRAMES  512              /* umem frames for frames the guest sends */
#define XQ_FRAMES     (XQ_RX_FRAMES + XQ_TX_FRAMES)
#define XQ_RING       512
#define XVSD_BUDGET   64               /* frames per queue per direction per poll */

enum ev_kind { EV_CTL, EV_SIGNAL, EV_LISTEN, EV_CHAN_SOCK, EV_BELL, EV_XSK };

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
	__u64 free_tx[XQ_TX_FRAMES];   /* umem addresses of TX frames not in flight */
	unsigned nfree;
	struct ev ev_xsk, ev_bell;
};

struct sport {
	struct sport *next;
	char sw[XVS_NAME_LEN], port[XVS_NAME_LEN];
	char dev[16];                  /* xvsd's end of the veth */
	__u32 sw_ifindex;              /* the switch end: the port's key in the port table */
	int ifindex;
	unsigned nq;
	__u16 mtu;
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

#endif
