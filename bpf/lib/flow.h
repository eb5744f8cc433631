/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The flow table of stateful extended ACLs: a flow admitted by a stateful allow rule lets its
 * return traffic in (and keeps itself alive) until it has been idle for the rule's timeout.
 *
 * The table is a plain hash of fixed size, never LRU: when it is full a NEW flow is refused
 * (the frame is dropped as flow-table-full) and established flows keep working — a flood of
 * new connections cannot push out the ones in use. Idle flows are removed by the housekeeping
 * sweep (xvs_dp.bpf.c, once a second) and, lazily, by the first frame that finds one expired.
 */
#ifndef XVS_LIB_FLOW_H
#define XVS_LIB_FLOW_H

#include "maps.h"
#include "stats.h"
#include "fdb.h"

#ifndef EEXIST
#define EEXIST 17
#endif

/* Sized at load time by --flow-table-size. No prealloc: memory follows the flows in use; the
 * size is still a hard cap (-E2BIG when full). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XVS_FLOW_DEFAULT_MAX);
	__type(key, struct xvs_flow_key);
	__type(value, struct xvs_flow);
} xvs_flows SEC(".maps");

/* Switch-wide ACL state: the next rule id (userspace) and the expiry count (housekeeping). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_acl_state);
} xvs_acl_state SEC(".maps");

/* A clock that went backwards (it never does, but tests set it) does not expire anything. */
static __always_inline int xvs_flow_expired(const struct xvs_flow *fl, __u64 now)
{
	return now > fl->last_seen && now - fl->last_seen >= fl->idle_timeout;
}

/* The live flow with this key, refreshed; NULL if there is none (an expired one is removed). */
static __always_inline struct xvs_flow *xvs_flow_find(const struct xvs_flow_key *k, __u64 now)
{
	struct xvs_flow *fl = bpf_map_lookup_elem(&xvs_flows, k);

	if (!fl)
		return NULL;
	if (xvs_flow_expired(fl, now)) {
		bpf_map_delete_elem(&xvs_flows, k);
		return NULL;
	}
	if (fl->last_seen != now) /* written once a second at most: no cache-line bouncing */
		fl->last_seen = now;
	return fl;
}

/* Open a flow for a frame a stateful rule allowed. XVS_CONTINUE, or flow-table-full. */
static __always_inline int xvs_flow_open(const struct xvs_flow_key *k, __u32 rule_id, __u32 slot,
					 __u32 idle_timeout, __u64 now)
{
	struct xvs_flow fl = { .last_seen = now, .rule_id = rule_id, .slot = slot,
			       .idle_timeout = idle_timeout };
	long err = bpf_map_update_elem(&xvs_flows, k, &fl, BPF_NOEXIST);

	/* -EEXIST: another CPU opened it meanwhile. Anything else (-E2BIG, -ENOMEM): no room. */
	return err && err != -EEXIST ? XVS_DROP_FLOW_TABLE_FULL : XVS_CONTINUE;
}

/* ---- housekeeping ---- */

struct bpf_map;

struct xvs_flow_sweep {
	__u64 now;
};

/* The expiry count goes straight to the map: a count carried in the callback's context would
 * differ on every iteration, and the verifier would never see the callback's loop converge. */
static long xvs_flow_age_one(struct bpf_map *map, struct xvs_flow_key *key, struct xvs_flow *fl,
			     struct xvs_flow_sweep *s)
{
	struct xvs_acl_state *st;
	__u32 zero = 0;

	if (!xvs_flow_expired(fl, s->now) || bpf_map_delete_elem(map, key))
		return 0;
	st = bpf_map_lookup_elem(&xvs_acl_state, &zero);
	if (st)
		st->flows_expired++;
	return 0;
}

/* Remove every flow idle for its timeout. Called from the housekeeping timer. */
static __always_inline void xvs_flow_sweep(__u64 now)
{
	struct xvs_flow_sweep s = { .now = now };

	bpf_for_each_map_elem(&xvs_flows, xvs_flow_age_one, &s, 0);
}

#endif
