/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * MAC learning and lookup. Entries are keyed by (VLAN, MAC). New entries are admitted only
 * under two caps — the table size (global) and the port's mac-limit — and a full table refuses
 * newcomers instead of evicting anyone, so a flood of random source MACs cannot push known
 * hosts out. Aging runs in the housekeeping timer (xvs_dp.bpf.c), not here.
 */
#ifndef XVS_LIB_FDB_H
#define XVS_LIB_FDB_H

/* The flavour's shim (lib/ctx.h or lib/ctx_tc.h) is included by the program file first. */
#ifndef XVS_LIB_CTX_H
#error "include a context shim first: lib/ctx.h (XDP) or lib/ctx_tc.h (TC)"
#endif

#include "eth.h"
#include "maps.h"
#include "stats.h"
#include "vlan.h"

#ifndef E2BIG
#define E2BIG 7
#endif

static __always_inline __u64 xvs_now(void)
{
	__u32 zero = 0;
	struct xvs_clock_state *c = bpf_map_lookup_elem(&xvs_clock, &zero);

	return c ? c->now_sec : 0;
}

/* Take one slot of the port's mac-limit; false (and counted) when the port is full. */
static __always_inline int xvs_fdb_reserve(const struct xvs_port *p, struct xvs_port_stats *st)
{
	__u32 id = p->id;
	__u32 *count = bpf_map_lookup_elem(&xvs_fdb_count, &id);
	__u32 before;

	if (!count)
		return 0;
	before = __sync_fetch_and_add(count, 1);
	if (p->mac_limit && before >= p->mac_limit) {
		__sync_fetch_and_sub(count, 1);
		if (st)
			st->learn_refused_port++;
		return 0;
	}
	return 1;
}

static __always_inline void xvs_fdb_release(__u32 port_id)
{
	__u32 *count = bpf_map_lookup_elem(&xvs_fdb_count, &port_id);

	if (count)
		__sync_fetch_and_sub(count, 1);
}

/* The VLAN a frame of this VLAN learns and looks up MACs in: its primary if it is a private
 * VLAN secondary, else itself. */
static __always_inline __u16 xvs_fdb_vlan(__u16 vlan)
{
	__u32 key = vlan;
	__u32 *primary = bpf_map_lookup_elem(&xvs_pvlan, &key);

	return primary && *primary ? (__u16)*primary : vlan;
}

/*
 * The learn memo: a source that keeps sending from the port it is learned on (the common
 * case) costs an FDB lookup per frame just to find that nothing changed. So each CPU
 * remembers, per port, the source it last confirmed there (entry on this port, last_seen =
 * this second) and skips the lookup for the same source, port and second — as long as the
 * FDB generation (xvs_fdb_gen) is the one read before that lookup. Whatever could make the
 * skipped lookup find something else changes the generation first or the second: a station
 * move (this function), an entry deleted or written by libxvs (loader/fdb.c), aging (only
 * entries idle for >= 1 s, so never one confirmed this second; the sweep runs after the clock
 * has moved on). A memo slot holds one source: a port with many senders just misses.
 */
static __always_inline __u64 xvs_key64(const struct xvs_fdb_key *k)
{
	__u64 v;

	__builtin_memcpy(&v, k, sizeof(v));
	return v;
}

#define XVS_MEMO_NONE (~0ULL) /* memo.sec while a slot holds nothing confirmed */

/* Fill the memo slot m (its gen was set before the FDB lookup) with what was confirmed. */
static __always_inline void xvs_learn_remember(struct xvs_learn_memo *m,
					       const struct xvs_fdb_key *key, __u32 ifindex,
					       __u64 now)
{
	if (!m)
		return;
	m->key = *key;
	m->ifindex = ifindex;
	m->sec = now;
}

/*
 * Learn (f->fdb_vlan, src) on port p. Nothing to do when the learn memo says the source was
 * confirmed on p this second and nothing changed since; else the FDB, written only when
 * something changed (the entry is read on every frame by every CPU; a write per frame would
 * bounce its cache line). Not inlined: its locals stay off the ingress program's stack, which
 * is part of the TC flavour's longest call chain (docs/DATAPLANE.md, ACLs).
 */
static __noinline void xvs_fdb_learn(const struct xvs_port *p, const struct xvs_frame *f,
				     const __u8 *src, __u64 now, struct xvs_port_stats *st)
{
	struct xvs_fdb_key key = {};
	struct xvs_fdb_entry *e, fresh = {};
	struct xvs_learn_memo *memo;
	struct xvs_fdb_gen *g;
	__u32 id = p->id, zero = 0;
	__u64 gen = 0;
	__u16 old_port;
	long err;

	if (xvs_mac_is_zero(src))
		return;
	__builtin_memcpy(key.mac, src, XVS_ETH_ALEN);
	key.vlan = f->fdb_vlan;

	/* The generation before the FDB lookup: a change after it makes the memo stale. */
	g = bpf_map_lookup_elem(&xvs_fdb_gen, &zero);
	if (g)
		__builtin_memcpy(&gen, g, sizeof(gen));
	memo = bpf_map_lookup_elem(&xvs_learn_memo, &id);
	if (memo) {
		if (memo->sec == now && memo->gen == gen && memo->ifindex == p->ifindex &&
		    xvs_key64(&memo->key) == xvs_key64(&key))
			return;
		/* Empty until the source is confirmed below, under this generation. */
		memo->sec = XVS_MEMO_NONE;
		memo->gen = gen;
	}

	e = bpf_map_lookup_elem(&xvs_fdb, &key);
	if (e) {
		if (e->ifindex == p->ifindex) {
			if (e->last_seen != now)
				e->last_seen = now;
			xvs_learn_remember(memo, &key, p->ifindex, now);
			return;
		}
		if (e->flags & XVS_FDB_STATIC)
			return;
		/* The station moved to this port. */
		if (!xvs_fdb_reserve(p, st))
			return;
		old_port = e->port_id;
		e->ifindex = p->ifindex;
		e->port_id = p->id;
		e->last_seen = now;
		/* Every CPU's memo of the old port is stale now. */
		g = bpf_map_lookup_elem(&xvs_fdb_gen, &zero);
		if (g)
			__sync_fetch_and_add(&g->moves, 1);
		xvs_fdb_release(old_port);
		if (st)
			st->learn_moves++;
		return;
	}

	if (!xvs_fdb_reserve(p, st))
		return;
	fresh.ifindex = p->ifindex;
	fresh.port_id = p->id;
	fresh.last_seen = now;
	err = bpf_map_update_elem(&xvs_fdb, &key, &fresh, BPF_NOEXIST);
	if (err) {
		xvs_fdb_release(p->id);
		if (err == -E2BIG && st)
			st->learn_refused_table++;
		return;
	}
	xvs_learn_remember(memo, &key, p->ifindex, now);
}

static __always_inline struct xvs_fdb_entry *xvs_fdb_lookup(const __u8 *dst, __u16 vlan)
{
	struct xvs_fdb_key key = {};

	__builtin_memcpy(key.mac, dst, XVS_ETH_ALEN);
	key.vlan = vlan;
	return bpf_map_lookup_elem(&xvs_fdb, &key);
}

#endif
