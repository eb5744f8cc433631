/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Housekeeping without userspace: xvs_housekeeping, run once by the loader through
 * BPF_PROG_TEST_RUN, arms a bpf_timer in the pinned xvs_timer map. Every second the callback
 * writes the monotonic second into xvs_clock (the coarse clock the fast path reads), sweeps
 * the FDB, deleting learned entries idle for at least the aging time, and expires idle ACL
 * flows (lib/flow.h); it also starts the min-weight share timer (lib/qos.h). The timers live
 * as long as the pinned maps. Both flavours' objects include this file; it has no packet
 * context.
 */
#ifndef XVS_LIB_HOUSEKEEPING_H
#define XVS_LIB_HOUSEKEEPING_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps.h"
#include "fdb.h"
#include "flow.h"
#include "qos.h"

#define XVS_NSEC_PER_SEC 1000000000ULL

struct bpf_map;

struct xvs_sweep {
	__u64 now;
	__u64 aging;
	__u64 aged;
};

static long xvs_age_one(struct bpf_map *map, struct xvs_fdb_key *key, struct xvs_fdb_entry *e,
			struct xvs_sweep *s)
{
	if (e->flags & XVS_FDB_STATIC)
		return 0;
	if (s->now - e->last_seen < s->aging)
		return 0;
	if (bpf_map_delete_elem(map, key) == 0) {
		xvs_fdb_release(e->port_id);
		s->aged++;
	}
	return 0;
}

static __u64 xvs_clock_tick(void)
{
	__u32 zero = 0;
	struct xvs_clock_state *c = bpf_map_lookup_elem(&xvs_clock, &zero);
	__u64 now = bpf_ktime_get_ns() / XVS_NSEC_PER_SEC;

	if (c)
		c->now_sec = now;
	return now;
}

static int xvs_timer_fired(void *map __attribute__((unused)), __u32 *key __attribute__((unused)),
			   struct xvs_timer_slot *slot)
{
	struct xvs_sweep s = { .now = xvs_clock_tick(), .aging = XVS_AGING_DEFAULT_SEC };
	struct xvs_clock_state *c;
	struct xvs_config *cfg;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&xvs_config, &zero);
	if (cfg && cfg->aging_sec)
		s.aging = cfg->aging_sec;
	bpf_for_each_map_elem(&xvs_fdb, xvs_age_one, &s, 0);
	xvs_flow_sweep(s.now);
	c = bpf_map_lookup_elem(&xvs_clock, &zero);
	if (c) {
		c->sweeps++;
		c->aged += s.aged;
	}
	bpf_timer_start(&slot->timer, XVS_NSEC_PER_SEC, 0);
	return 0;
}

#define XVS_CLOCK_MONOTONIC 1

SEC("tc")
int xvs_housekeeping(struct __sk_buff *skb __attribute__((unused)))
{
	struct xvs_timer_slot *slot;
	__u32 zero = 0;
	long err;

	xvs_clock_tick();
	slot = bpf_map_lookup_elem(&xvs_timer, &zero);
	if (!slot)
		return 1;
	err = bpf_timer_init(&slot->timer, &xvs_timer, XVS_CLOCK_MONOTONIC);
	if (err && err != -16 /* -EBUSY: already running */)
		return 2;
	if (bpf_timer_set_callback(&slot->timer, xvs_timer_fired))
		return 3;
	if (bpf_timer_start(&slot->timer, XVS_NSEC_PER_SEC, 0))
		return 4;
	err = xvs_share_start();
	return err ? 10 + err : 0;
}

#endif
