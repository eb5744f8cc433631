/* SPDX-License-Identifier: MIT */
/*
 * Unit-test harness: each Criterion test runs in its own forked process; the fixture puts that
 * process in a fresh network and mount namespace with a private bpffs, creates veth pairs
 * pN <-> qN (pN is the switch port, qN is where the "VM" listens), and a private switch.
 *
 * Frames are driven through the real ingress program with BPF_PROG_TEST_RUN:
 *   xt_run()      plain mode: verdict, output bytes; counters and FDB change as for real.
 *   xt_deliver()  live-frames mode: redirects really happen (flood copies run the devmap egress
 *                 program), and xt_collect() reads what reached each qN with AF_PACKET.
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
/* Metadata the last xt_run() left before the frame (copied to buf, up to 32 bytes); its length. */
__u32 xt_last_meta(void *buf);
/* Live mode: the frame is really forwarded. Then collect for `ms` what arrives at every qN. */
void xt_deliver(int port, const void *frame, size_t len);
/* Live mode, `count` frames in ONE batch (one NAPI-like flush), run by program prog_fd (which
 * may rewrite each frame and tail-call the ingress program). */
void xt_deliver_batch(int prog_fd, int port, const void *frame, size_t len, int count);
void xt_collect(struct xt_rx rx[XT_MAX_PORTS + 1], int ms);

struct xvs_port_stats xt_stats(int port);
bool xt_fdb_has(const char *mac, __u16 vlan, int *port_out);
int xt_fdb_count(void);

#endif
