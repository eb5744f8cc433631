/* SPDX-License-Identifier: MIT */
/*
 * Unit-test harness: each Criterion test runs in its own forked process; the fixture puts that
 * process in a fresh network and mount namespace with a private bpffs, creates veth pairs
 * pN <-> qN (pN is the switch port, qN is where the "VM" listens), and a private switch.
 *
 * Frames are driven through the real ingress program:
 *   xt_run()      BPF_PROG_TEST_RUN: verdict, output bytes; counters and FDB change as for real.
 *   xt_deliver()  sent into pN from qN: redirects really happen (flood copies run the devmap
 *                 egress program), and xt_collect() reads what reached each qN with AF_PACKET.
 * Everything disappears with the test process, even when a test fails.
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

/* Run the ingress program on a frame arriving at port `port`. Returns the XDP verdict. */
int xt_run(int port, const void *frame, size_t len, void *out, size_t *out_len);
/* Real delivery: the frame is sent into pN from its peer qN (AF_PACKET), so the switch
 * really forwards it (flood copies run the devmap egress program). Returns once the ingress
 * program has counted it. Then xt_collect() for `ms` what arrives at every qN.
 * (BPF_PROG_TEST_RUN's live-frames mode would be the direct way, but some kernels refuse it
 * with EPERM, as 6.18.44-fc-v1300 does.) */
void xt_deliver(int port, const void *frame, size_t len);
/* The same for `count` frames (<= XT_MAX_BATCH) sent together, so that one NAPI poll takes
 * them and the devmap flushes them as one batch. */
void xt_deliver_frames(int port, const void *const *frames, const size_t *lens, int count);
void xt_collect(struct xt_rx rx[XT_MAX_PORTS + 1], int ms);

struct xvs_port_stats xt_stats(int port);
bool xt_fdb_has(const char *mac, __u16 vlan, int *port_out);
int xt_fdb_count(void);

#endif
