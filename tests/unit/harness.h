/* SPDX-License-Identifier: MIT */
/*
 * Unit-test harness: each Criterion test runs in its own forked process; the fixture puts that
 * process in a fresh network and mount namespace with a private bpffs, creates veth pairs
 * pN <-> qN (pN is the switch port, qN is where the "VM" listens and sends), and a private
 * switch running the flavour named by $XVS_TEST_DATAPATH ("xdp" or "tc"; unset: xvs's default), so the
 * same tables and assertions run against both flavours (`make unit` runs them twice).
 *
 * Frames really travel: they are sent from qN with AF_PACKET, cross the veth, go through the
 * switch's program attached to pN (XDP, or TC clsact ingress) and whatever leaves a port is read
 * at the qN's with AF_PACKET (tags the stack moved out of band are put back):
 *   xt_run()      one frame; returns XT_FWD or XT_DROP (below) and the frame that came out
 *   xt_deliver()  one frame (xt_deliver_frames(): a batch), then xt_collect() reads what
 *                 reached each qN
 * Counters and FDB change as for real traffic. Everything disappears with the test process,
 * even when a test fails. (BPF_PROG_TEST_RUN's live-frames mode would be the direct way, but
 * some kernels refuse it with EPERM, as 6.18.44-fc-v1300 does.)
 *
 * The verdict is read from the switch's own counters, the same way for both flavours: every
 * frame the pipeline drops goes through one drop helper that counts a reason on the port it
 * entered (bpf/lib/stats.h), so "the ingress port's drop count rose" is XDP_DROP / TC_ACT_SHOT
 * from the program. A frame sent on a netdev that is not (or no longer) a port is XT_DROP.
 */
#ifndef XVS_TEST_HARNESS_H
#define XVS_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include "libxvs.h"

#define XT_MAX_PORTS  8
#define XT_MAX_FRAME  9300
#define XT_MAX_RX     64
#define XT_MAX_BATCH  64

struct xt_rx {
	int count;
	size_t len[XT_MAX_RX];
	unsigned char data[XT_MAX_RX][XT_MAX_FRAME];
};

extern struct xvs_switch *xt_sw;
extern int xt_nports;
extern enum xvs_datapath xt_datapath;   /* from $XVS_TEST_DATAPATH */

/* xt_run verdicts. */
#define XT_DROP 0   /* the switch dropped the frame (a drop reason was counted at ingress) */
#define XT_FWD  1   /* the switch forwarded it (unicast, flood, or mirror copies) */

/* Fixture: namespace + bpffs + `n` veth pairs + private switch "t" with ports p1..pn. */
void xt_setup(int nports);
void xt_setup_opts(int nports, __u32 fdb_max);
void xt_setup_flows(int nports, __u32 flow_max);
void xt_teardown(void);

int xt_ifindex(int port);               /* ifindex of pN (1-based) */
const char *xt_port(int port);          /* "p1".. */

/* Frame building: dst, src, up to two tags given as (tpid, tci), then an ethertype and
 * `payload` bytes of a counting pattern. Returns the length. */
struct xt_tag {
	unsigned short tpid, tci;
};
size_t xt_frame(unsigned char *buf, const char *dst, const char *src, const struct xt_tag *tags,
		int ntags, unsigned short ethertype, size_t payload);

/* Send a frame into the switch at port `port` (from qN) and wait until the switch has dealt
 * with it. XT_FWD or XT_DROP; `out` (if not NULL) gets the frame that left the switch when
 * exactly one port sent exactly one frame (*out_len = 0 otherwise). */
int xt_run(int port, const void *frame, size_t len, void *out, size_t *out_len);
/* The same, leaving whatever arrives at the qN's for xt_collect(). */
void xt_deliver(int port, const void *frame, size_t len);
/* The same for `count` frames (<= XT_MAX_BATCH) sent together, so that one NAPI poll takes
 * them and (XDP) the devmap flushes them as one batch. */
void xt_deliver_frames(int port, const void *const *frames, const size_t *lens, int count);
void xt_collect(struct xt_rx rx[XT_MAX_PORTS + 1], int ms);

struct xvs_port_stats xt_stats(int port);
bool xt_fdb_has(const char *mac, __u16 vlan, int *port_out);
int xt_fdb_count(void);

#endif
