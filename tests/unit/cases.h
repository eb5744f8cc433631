/* SPDX-License-Identifier: MIT */
/* Shared names for the unit tests: MACs, tags, and byte-level assertions. */
#ifndef XVS_TEST_CASES_H
#define XVS_TEST_CASES_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <linux/bpf.h>
#include <string.h>
#include "harness.h"

#define MAC_A   "02:00:00:00:00:0a"
#define MAC_B   "02:00:00:00:00:0b"
#define MAC_C   "02:00:00:00:00:0c"
#define BCAST   "ff:ff:ff:ff:ff:ff"
#define MCAST   "01:00:5e:00:00:01"

#define TPID_Q   0x8100
#define TPID_AD  0x88a8
#define TPID_QQ  0x9100
#define ET_IP    0x0800

#define TAG(tpid, pcp, vid) ((struct xt_tag){ (tpid), (unsigned short)(((pcp) << 13) | (vid)) })

/* The frame must equal the expected bytes exactly. */
#define assert_frame(got, got_len, want, want_len)                                              \
	do {                                                                                     \
		cr_assert_eq((got_len), (want_len), "length %zu, expected %zu", (size_t)(got_len),  \
			     (size_t)(want_len));                                                \
		cr_assert(memcmp((got), (want), (want_len)) == 0, "frame bytes differ");         \
	} while (0)

/* Exactly the listed ports (1-based) received one frame each; every other port nothing. */
static inline void expect_only_in(const struct xt_rx *rx, const int *ports, int n)
{
	for (int p = 1; p <= xt_nports; p++) {
		int want = 0;

		for (int i = 0; i < n; i++)
			want |= ports[i] == p;
		cr_assert_eq(rx[p].count, want, "port p%d received %d frames, expected %d", p,
			     rx[p].count, want);
	}
}

/* Total of all drop counters of a port. */
static inline __u64 total_drops(const struct xvs_port_stats *st)
{
	__u64 t = 0;

	for (int i = 0; i < XVS_DROP_SLOTS; i++)
		t += st->drops[i];
	return t;
}

#endif
