/* SPDX-License-Identifier: MIT */
/*
 * libxvs-vmbus: the ring channel between a guest and the host, both sides.
 *
 * Host (VSP, xvsd): one struct vmbus_host_chan per accepted Unix socket. Nothing here blocks
 * and nothing here trusts the guest: the owner's poll loop drives each channel with a budget
 *
 *     socket readable          -> vmbus_host_on_sock()   (handshake; later: hang-up)
 *     doorbell fd readable     -> vmbus_host_kick()      (then poll that queue)
 *     poll a queue             -> vmbus_host_take_tx(..., budget)   guest -> host frames
 *                                 vmbus_host_give_rx(...)           host -> guest frames
 *     queue idle               -> vmbus_host_arm(): true = sleep on its doorbell fd,
 *                                 false = work arrived meanwhile, poll again
 *
 * and any violation puts the channel in VMBUS_CHAN_BROKEN: every call then returns -EPIPE and
 * the owner frees it; the guest reconnects. Other channels are untouched.
 *
 * Guest (VSC, xvs-vsc or any poll-mode program): vmbus_guest_connect() (blocking handshake),
 * then vmbus_guest_send()/vmbus_guest_recv() per queue pair, and vmbus_guest_wait() to sleep
 * until the host signals. A poll-mode program never calls wait; an event loop puts
 * vmbus_guest_doorbell_fd() into its epoll set and calls vmbus_guest_arm() before sleeping.
 *
 * Integer functions return 0 (or a count) or -errno. See vmbus/PROTOCOL.md for the protocol.
 */
#ifndef XVS_VMBUS_LIB_H
#define XVS_VMBUS_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include "xvs_vmbus.h"

/* ---- frames, as both sides hand them to the library ------------------------------------- */

/* Offload metadata (PROTOCOL.md "Offloads"); flags is a subset of VMBUS_DESC_OFFLOADS. */
struct vmbus_offload {
	__u16 flags;
	__u16 vlan_tci;
	__u16 csum_start;
	__u8  csum_offset;
	__u8  gso_type;
	__u16 gso_size;
};

/* A frame in the caller's memory. Receiving: data points to cap bytes (cap >= the channel's
 * max_frame), the library sets len and off. Sending: data/len/off are read. */
struct vmbus_frame {
	void *data;
	__u32 len;
	__u32 cap;
	struct vmbus_offload off;
};

/* ---- a ring as both sides see it in the mapped region ----------------------------------- */

struct vmbus_ring {
	struct vmbus_ring_prod *p;
	struct vmbus_ring_cons *c;
	struct vmbus_ring_wakeup *w;
	void *entries;                 /* struct vmbus_desc[] or vmbus_slot_entry[] */
	__u32 size;
};

/* One queue pair in the region (AF_XDP naming, from the guest's point of view). */
struct vmbus_queue_map {
	struct vmbus_ring tx;          /* guest -> host frames      (guest produces) */
	struct vmbus_ring comp;        /* TX slots handed back      (host produces)  */
	struct vmbus_ring rx;          /* host -> guest frames      (host produces)  */
	struct vmbus_ring fill;        /* empty slots lent for RX   (guest produces) */
	__u8 *slots;                   /* slot i at slots + i * slot_size */
	__u32 nslots;
	__u32 slot_size;
};

/* ---- layout and validation (shared; pure functions) ------------------------------------- */

/* 0 if every limit is in range (PROTOCOL.md "Limits"), else VMBUS_V_LIMITS. */
enum vmbus_violation vmbus_limits_check(const struct vmbus_limits *l);
/* The host's choice: each field clamped to [minimum, host's] and powers of two rounded down;
 * max_frame lowered to what max_chain slots hold. VMBUS_V_LIMITS if want is below a minimum. */
enum vmbus_violation vmbus_limits_clamp(const struct vmbus_limits *want,
					const struct vmbus_limits *host, struct vmbus_limits *out);
/* Bytes of the region for these (valid) limits. */
__u64 vmbus_region_size(const struct vmbus_limits *l);
/* Where queue pair q lives in a region mapped at base. */
void vmbus_queue_map(void *base, const struct vmbus_limits *l, unsigned q,
		     struct vmbus_queue_map *m);

/* What the descriptor checks need to know about the channel. */
struct vmbus_check_ctx {
	__u32 nslots;
	__u32 slot_size;
	__u32 max_frame;
	__u32 max_chain;
	__u32 features;                /* negotiated enum vmbus_feature */
};
/* One descriptor (already copied into private memory) as the index-th of its chain. */
enum vmbus_violation vmbus_check_desc(const struct vmbus_check_ctx *cx, const struct vmbus_desc *d,
				      unsigned index);
/* A whole frame: its length and the offload metadata of its first descriptor. */
enum vmbus_violation vmbus_check_frame(const struct vmbus_check_ctx *cx,
				       const struct vmbus_offload *off, __u32 len);

const char *vmbus_violation_name(enum vmbus_violation v);   /* "prod-jump", ...; never NULL */

/* ---- host ---------------------------------------------------------------------------------- */

enum vmbus_chan_state {
	VMBUS_CHAN_HANDSHAKE = 0,      /* waiting for HELLO or READY */
	VMBUS_CHAN_CONNECTED,          /* rings live */
	VMBUS_CHAN_BROKEN,             /* a violation (or an internal error): free it */
	VMBUS_CHAN_CLOSED,             /* the guest hung up */
};

struct vmbus_host_config {
	struct vmbus_limits limits;    /* the most a guest may get */
	__u32 features;                /* what the host offers */
	__u8  mac[6];                  /* sent in INIT */
	__u16 mtu;                     /* sent in INIT; lowered to max_frame - 18 if the guest's
					* limits lowered max_frame below mtu + 18 */
	__u32 storm_limit;             /* consecutive doorbells without work that break a channel */
};
void vmbus_host_config_default(struct vmbus_host_config *cfg);

struct vmbus_chan_stats {
	__u64 tx_frames, tx_bytes;     /* taken from the guest (vmbus_host_take_tx) */
	__u64 rx_frames, rx_bytes;     /* given to the guest (vmbus_host_give_rx) */
	__u64 rx_refused;              /* frames give_rx could not place (no fill slot, RX full) */
	__u64 doorbells_in;            /* guest doorbells read */
	__u64 doorbells_out;           /* doorbells rung for the guest */
	__u64 doorbells_spurious;      /* guest doorbells that brought no work */
	__u64 violations[VMBUS_V_COUNT];
};

struct vmbus_host_chan;

/* Takes ownership of sock (an accepted AF_UNIX SOCK_SEQPACKET socket; every call on it uses
 * MSG_DONTWAIT, whatever its flags).
 * -EINVAL for another socket type or an invalid cfg; -ENOMEM. */
int vmbus_host_chan_new(int sock, const struct vmbus_host_config *cfg,
			struct vmbus_host_chan **out);
void vmbus_host_chan_free(struct vmbus_host_chan *c);

int vmbus_host_sock_fd(const struct vmbus_host_chan *c);
/* The socket is readable: handle what arrived. Returns the new state, or -errno on a local
 * failure (then the state is BROKEN too). */
int vmbus_host_on_sock(struct vmbus_host_chan *c);

enum vmbus_chan_state vmbus_host_state(const struct vmbus_host_chan *c);
enum vmbus_violation vmbus_host_broken_by(const struct vmbus_host_chan *c); /* first violation */
const struct vmbus_chan_stats *vmbus_host_stats(const struct vmbus_host_chan *c);
/* Negotiated values; valid once CONNECTED (zeroes before). */
const struct vmbus_limits *vmbus_host_limits(const struct vmbus_host_chan *c);
__u32 vmbus_host_features(const struct vmbus_host_chan *c);

/* The guest -> host doorbell of queue pair q (an eventfd to put in epoll); -1 before INIT. */
int vmbus_host_doorbell_fd(const struct vmbus_host_chan *c, unsigned q);
/* Its doorbell fd is readable: consume it. Counts doorbells that bring no work; too many in a
 * row break the channel (-EPIPE). */
int vmbus_host_kick(struct vmbus_host_chan *c, unsigned q);

/* Up to n frames the guest sent on queue pair q, each copied into frames[i].data (private
 * memory: cap >= max_frame) and validated. Returns the count; -EPIPE if broken (now or
 * before: the whole batch is discarded), -ENOTCONN before CONNECTED, -EINVAL. */
int vmbus_host_take_tx(struct vmbus_host_chan *c, unsigned q, struct vmbus_frame *frames,
		       unsigned n);
/* Copies up to n frames into slots the guest lent (fill ring) and posts them on RX. Returns how
 * many were placed (the rest found no slot or no RX room: the caller drops or retries them). */
int vmbus_host_give_rx(struct vmbus_host_chan *c, unsigned q, const struct vmbus_frame *frames,
		       unsigned n);

enum vmbus_arm {
	VMBUS_ARM_TX   = 1u << 0,      /* wake me for new TX descriptors */
	VMBUS_ARM_FILL = 1u << 1,      /* wake me for new fill slots (frames waiting for room) */
};
/* About to sleep on queue pair q: sets need-wakeup, then re-checks. true = nothing pending,
 * sleep on the doorbell fd; false = work arrived, poll again (need-wakeup cleared). */
bool vmbus_host_arm(struct vmbus_host_chan *c, unsigned q, unsigned what);

/* ---- guest --------------------------------------------------------------------------------- */

struct vmbus_guest_params {
	__u16 version_min, version_max;
	__u32 features;                /* what this guest can use */
	struct vmbus_limits limits;    /* what it asks for */
};
void vmbus_guest_params_default(struct vmbus_guest_params *p);

/* Why a connect failed: the kind (VMBUS_V_* about the host, or VMBUS_V_NONE for a local or
 * socket error) and a one-line message. */
struct vmbus_guest_error {
	enum vmbus_violation kind;
	char msg[160];
};

struct vmbus_guest_stats {
	__u64 tx_frames, tx_bytes, rx_frames, rx_bytes;
	__u64 doorbells_out, doorbells_in;
};

struct vmbus_guest;

/* Connects to the host's socket and runs the handshake (blocking, up to timeout_ms). */
int vmbus_guest_connect(const char *path, const struct vmbus_guest_params *p, int timeout_ms,
			struct vmbus_guest **out, struct vmbus_guest_error *err);
/* The same on a connected SOCK_SEQPACKET socket (taken over), in two steps so that one thread
 * can play both sides (tests, benchmark): begin sends HELLO; complete waits for INIT and
 * REGION, verifies and maps the region, lends the fill slots and sends READY. */
int vmbus_guest_begin(int sock, const struct vmbus_guest_params *p, struct vmbus_guest **out);
int vmbus_guest_complete(struct vmbus_guest *g, int timeout_ms, struct vmbus_guest_error *err);
void vmbus_guest_free(struct vmbus_guest *g);

unsigned vmbus_guest_queues(const struct vmbus_guest *g);
const struct vmbus_limits *vmbus_guest_limits(const struct vmbus_guest *g);
__u32 vmbus_guest_features(const struct vmbus_guest *g);
void vmbus_guest_mac(const struct vmbus_guest *g, __u8 mac[6], __u16 *mtu);
const struct vmbus_guest_stats *vmbus_guest_stats(const struct vmbus_guest *g);

/* Queues up to n frames on TX (copying them into free slots; reaps completions first). Returns
 * how many were queued (fewer when slots or ring room ran out), -EINVAL for a frame the
 * channel cannot carry, -EPIPE after the host broke the channel, -EPROTO if the host wrote
 * garbage. */
int vmbus_guest_send(struct vmbus_guest *g, unsigned q, const struct vmbus_frame *frames,
		     unsigned n);
/* Up to n frames from RX, copied into frames[i].data (cap >= max_frame); the slots go straight
 * back to the fill ring. Returns the count. */
int vmbus_guest_recv(struct vmbus_guest *g, unsigned q, struct vmbus_frame *frames, unsigned n);
/* TX slots the host has not handed back yet. */
unsigned vmbus_guest_tx_pending(struct vmbus_guest *g, unsigned q);

/* The host -> guest doorbell of queue pair q (poll for POLLIN). */
int vmbus_guest_doorbell_fd(const struct vmbus_guest *g, unsigned q);
/* Sets need-wakeup on RX and completions, re-checks: true = sleep on the doorbell fd. */
bool vmbus_guest_arm(struct vmbus_guest *g, unsigned q);
/* Arm, sleep up to timeout_ms (-1: forever) on the doorbell and the socket, disarm. Returns 1
 * if woken by a doorbell or work, 0 on timeout, -EPIPE if the host broke the channel (its
 * ERROR message arrived; vmbus_guest_broken_by tells why), -ECONNRESET if it hung up. */
int vmbus_guest_wait(struct vmbus_guest *g, unsigned q, int timeout_ms);
enum vmbus_violation vmbus_guest_broken_by(const struct vmbus_guest *g);

/* The mapped queue pair, for zero-copy users and for tests that play a hostile guest. Writing
 * here bypasses the library's own indices. */
const struct vmbus_queue_map *vmbus_guest_map(const struct vmbus_guest *g, unsigned q);
/* The raw guest -> host doorbell (an eventfd), and the handshake socket. */
int vmbus_guest_bell_fd(const struct vmbus_guest *g, unsigned q);
int vmbus_guest_sock_fd(const struct vmbus_guest *g);

#endif
