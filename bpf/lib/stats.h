/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* Per-port counters and the one drop helper every non-pass verdict goes through. */
#ifndef XVS_LIB_STATS_H
#define XVS_LIB_STATS_H

/* The flavour's shim (lib/ctx.h or lib/ctx_tc.h) is included by the program file first. */
#ifndef XVS_LIB_CTX_H
#error "include a context shim first: lib/ctx.h (XDP) or lib/ctx_tc.h (TC)"
#endif

#include "maps.h"

/* A pipeline stage returns XVS_CONTINUE to go on, or an enum xvs_drop_reason. */
#define XVS_CONTINUE (-1)

static __always_inline struct xvs_port_stats *xvs_stats_of(__u32 port_id)
{
	return bpf_map_lookup_elem(&xvs_stats, &port_id);
}

/* The mask keeps the index bounded for the verifier even where the compiler reloads `reason`
 * after the range check (a reason returned by a global function, spilled across a call). */
_Static_assert((XVS_DROP_SLOTS & (XVS_DROP_SLOTS - 1)) == 0, "XVS_DROP_SLOTS: a power of two");

static __always_inline int xvs_drop(struct xvs_port_stats *st, int reason)
{
	__u32 r = (__u32)reason;

	if (st && r < XVS_DROP_SLOTS) {
		barrier_var(r); /* so the compiler keeps the mask */
		st->drops[r & (XVS_DROP_SLOTS - 1)]++;
	}
	return XVS_VERDICT_DROP;
}

static __always_inline void xvs_count_tx(__u32 port_id, __u32 bytes)
{
	struct xvs_port_stats *st = xvs_stats_of(port_id);

	if (st) {
		st->tx_packets++;
		st->tx_bytes += bytes;
	}
}

#endif
