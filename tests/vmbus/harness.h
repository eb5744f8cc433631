/* SPDX-License-Identifier: MIT */
/*
 * Ring-channel test harness.
 *
 * th_pair_*(): a host channel and a guest connected over a socketpair in this one thread (the
 *   handshake steps interleaved by hand), for tests that drive both sides step by step.
 * th_loop_*(): a host poll loop in its own thread, written the way xvsd will drive channels
 *   (epoll on sockets and doorbells, take_tx with a budget, arm before sleeping). Each channel
 *   records every frame it takes (its "sink") and, if asked, echoes it back to the guest.
 * th_round(): a well-behaved guest sends a round of distinct frames (small, chained jumbo, with
 *   offloads), waits until the host has taken them all, and receives the echoes.
 * raw_*(): a hostile guest writing the shared rings directly.
 */
#ifndef XVS_VMBUS_TEST_HARNESS_H
#define XVS_VMBUS_TEST_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include "vmbus.h"

#define TH_MAX_CHANS  4
#define TH_SINK_MAX   256
#define TH_BUDGET     32
#define TH_ROUND      24              /* frames per th_round() */
#define TH_WAIT_MS    5000            /* a hang guard, never a measurement */

struct th_sink {
	unsigned n;
	__u32 len[TH_SINK_MAX];
	struct vmbus_offload off[TH_SINK_MAX];
	__u8 (*data)[VMBUS_FRAME_MAX];
	__u64 refused;                 /* echoes give_rx could not place */
};

struct th_chan {
	struct vmbus_host_chan *c;
	bool echo;
	bool watched;                  /* doorbells in the epoll set */
	bool gone;                     /* broken or closed: out of the loop */
	struct th_sink sink;
};

struct th_loop {
	pthread_t thread;
	bool running;
	int epfd;
	int stop;                      /* eventfd: stop the loop */
	int nch;
	struct th_chan ch[TH_MAX_CHANS];
};

/* Both ends of a socketpair: [0] for the host, [1] for the guest. */
void th_socketpair(int sv[2]);

/* Host channel on sv[0] with the default config (or cfg), guest on sv[1] with params (or the
 * defaults), handshake completed in this thread. Asserts success. */
void th_pair(const struct vmbus_host_config *cfg, const struct vmbus_guest_params *params,
	     struct vmbus_host_chan **host, struct vmbus_guest **guest);

void th_loop_init(struct th_loop *l);
/* Adds a host channel on `sock` (the host end) before the loop starts; returns its index. */
int th_loop_add(struct th_loop *l, int sock, const struct vmbus_host_config *cfg, bool echo);
void th_loop_start(struct th_loop *l);
void th_loop_stop(struct th_loop *l);   /* joins the thread; the channels stay for asserts */
void th_loop_free(struct th_loop *l);

/* A guest for a loop channel: begin + complete while the loop runs. */
struct vmbus_guest *th_guest_connect(int sock, const struct vmbus_guest_params *params);

/* The well-behaved guest. */
struct th_sent {
	unsigned n;
	__u32 len[TH_SINK_MAX];
	struct vmbus_offload off[TH_SINK_MAX];
	__u8 (*data)[VMBUS_FRAME_MAX];
};
void th_sent_init(struct th_sent *s);
void th_sent_free(struct th_sent *s);
/* Sends TH_ROUND frames (appended to s), waits until all are completed and, if echo, receives
 * and checks every echo byte for byte. */
void th_round(struct vmbus_guest *g, struct th_sent *s, bool echo);
/* Asserts the sink holds exactly what was sent, in order, byte for byte. */
void th_assert_sink(const struct th_sink *sink, const struct th_sent *s);
void th_assert_no_violations(const struct vmbus_host_chan *c);
__u64 th_violations(const struct vmbus_host_chan *c);

/* Waits for an ERROR message on a guest's socket (hang guard TH_WAIT_MS); its violation. */
enum vmbus_violation th_wait_error(int sock);

/* The hostile guest's tools. */
__u32 raw_tx_prod(struct vmbus_guest *g);
void raw_tx(struct vmbus_guest *g, const struct vmbus_desc *d, unsigned n);  /* write, publish */
void raw_set_prod(struct vmbus_ring *r, __u32 prod);
void raw_bell(struct vmbus_guest *g);
/* A valid one-slot frame descriptor for TX slot `slot` (>= the fill half), 64 bytes. */
struct vmbus_desc raw_desc(struct vmbus_guest *g, __u16 slot, __u16 len);
/* Waits until the host has completed `n` TX descriptors in total. */
void raw_wait_completed(struct vmbus_guest *g, __u32 n);

#endif
