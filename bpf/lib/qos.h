/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * QoS: max-rate per port and direction, storm-limit, and min-weight shares of the uplink
 * (Hyper-V's MaximumBandwidth, StormLimit, MinimumBandwidthWeight). docs/DATAPLANE.md, "QoS",
 * says how they work and why; in short:
 *
 *   max-rate     a token-bucket policer in bytes, one bucket per direction: `out` (from the
 *                VM) at ingress, `in` (to the VM) where the frame's egress work is done.
 *                Bytes are Ethernet frame bytes as the switch sees them (header and tag, no
 *                FCS). Burst: XVS_RATE_BURST_NS of the rate, at least XVS_RATE_BURST_MIN bytes
 *                — a policer cannot queue, so the burst must outlast a TCP retransmission
 *                timeout (200 ms) or TCP gets a fraction of the rate (docs/DATAPLANE.md).
 *   storm-limit  a token bucket in packets for the frames a port floods (broadcast,
 *                multicast, unknown unicast), checked where the flood decision is made.
 *                Burst: a tenth of a second of the limit, at least one packet.
 *   min-weight   the share timer (every XVS_SHARE_PERIOD_MS) measures what each weighted
 *                port offered, water-fills the switch's uplink-rate among them by weight and
 *                writes each port's share; the `out` bucket then uses min(max-rate, share).
 *
 * Only ports with an effective rate read the clock and touch a bucket (lock-free: see
 * xvs_bucket_take); every other port pays a test of its policy fields. The clock is
 * bpf_ktime_get_coarse_ns(): CLOCK_MONOTONIC
 * as of the last timer tick, which costs about half of bpf_ktime_get_ns() here (measured with
 * tools/bench.sh: about 20 against 39 ns per bucket check) and whose resolution
 * (one jiffy, a few ms) is nothing against a 250 ms burst: the bucket refills in steps, its
 * long-run rate is exact.
 */
#ifndef XVS_LIB_QOS_H
#define XVS_LIB_QOS_H

/* The flavour's shim (lib/ctx.h or lib/ctx_tc.h) is included by the program file first. */
#ifndef XVS_LIB_CTX_H
#error "include a context shim first: lib/ctx.h (XDP) or lib/ctx_tc.h (TC)"
#endif

#include "maps.h"
#include "stats.h"
#include "vlan.h"

#define XVS_QOS_UNIT        1000000000ULL /* tokens per byte (or packet): 1 per ns x rate/s */
#define XVS_QOS_NSEC        1000000000ULL
#define XVS_RATE_BURST_NS   250000000ULL /* max-rate burst: 250 ms of the rate ... */
#define XVS_RATE_BURST_MIN  18432ULL     /* ... and at least two 9 KiB jumbo frames */

/* The max-rate burst for a rate of rate_Bps bytes/s, in bytes. */
static __always_inline __u64 xvs_rate_burst(__u64 rate_Bps)
{
	__u64 b = rate_Bps / (XVS_QOS_NSEC / XVS_RATE_BURST_NS);

	return b < XVS_RATE_BURST_MIN ? XVS_RATE_BURST_MIN : b;
}

/* The storm-limit burst for pps packets/s, in packets. */
static __always_inline __u64 xvs_storm_burst(__u64 pps)
{
	return pps >= 10 ? pps / 10 : 1;
}

/*
 * Take `cost` (bytes or packets) from bucket b, which refills at `rate` per second up to
 * `burst`. 1 if the frame conforms, 0 if it is over the rate. A refill that would reach the
 * cap is not multiplied out, so elapsed x rate stays below the cap (at most 3.2e18 tokens:
 * 250 ms of 100 gbit) and cannot overflow; tokens stay below 2^63, so they can be compared as
 * signed numbers while a racing take has them briefly below zero.
 *
 * Lock-free: a bpf_spin_lock disables interrupts, and the lock and unlock cost ~14 ns per
 * bucket here (docs/BENCHMARKS.md), more than the rest of the check. The coarse clock moves
 * once a tick, so a refill is rare: the CPU whose compare-and-swap moves the stamp to `now`
 * adds what the elapsed time earned and cuts the excess over the cap; a take is one atomic
 * subtraction, undone if it overdrew. On one CPU this is exactly the arithmetic of a locked
 * bucket; CPUs racing at a refill or for the last tokens may drop a frame a locked bucket
 * would have let through (never the other way round), which a policer may do.
 */
static __always_inline int xvs_bucket_take(struct xvs_bucket *b, __u64 now, __u64 rate,
					   __u64 burst, __u64 cost)
{
	__u64 cap = burst * XVS_QOS_UNIT, stamp = b->stamp_ns, add;
	__s64 tokens;

	if (now > stamp && __sync_val_compare_and_swap(&b->stamp_ns, stamp, now) == stamp) {
		add = now - stamp >= cap / rate ? cap : (now - stamp) * rate;
		tokens = (__s64)(__sync_fetch_and_add(&b->tokens, add) + add);
		if (tokens > (__s64)cap)
			__sync_fetch_and_sub(&b->tokens, (__u64)tokens - cap);
	} else {
		/* The cap may have shrunk (a lower rate) since the last refill. */
		tokens = (__s64)b->tokens;
		if (tokens > (__s64)cap)
			__sync_val_compare_and_swap(&b->tokens, (__u64)tokens, cap);
	}
	cost *= XVS_QOS_UNIT;
	if ((__s64)b->tokens < (__s64)cost)
		return 0;
	if ((__s64)__sync_fetch_and_sub(&b->tokens, cost) >= (__s64)cost)
		return 1;
	__sync_fetch_and_add(&b->tokens, cost); /* another CPU took them first */
	return 0;
}

static __always_inline struct xvs_qos_state *xvs_qos_of(__u32 port_id)
{
	return bpf_map_lookup_elem(&xvs_qos, &port_id);
}

enum xvs_bucket_kind {
	XVS_BUCKET_OUT,   /* max-rate and share, from the VM: bytes */
	XVS_BUCKET_IN,    /* max-rate, to the VM: bytes */
	XVS_BUCKET_STORM, /* storm-limit: packets */
};

/*
 * Police `cost` bytes (or one packet) against one bucket of qos at `rate` per second;
 * XVS_CONTINUE, XVS_DROP_QOS or XVS_DROP_STORM_LIMIT. Not inlined: its locals stay off the
 * stack of the ingress program's other call chains (the verifier caps a chain at 512 bytes).
 */
static __noinline int xvs_police(struct xvs_qos_state *qos, __u32 kind, __u64 rate, __u64 cost)
{
	__u64 now = bpf_ktime_get_coarse_ns(), burst;
	struct xvs_bucket *b;
	int ok;

	if (!qos)
		return XVS_CONTINUE;
	if (kind == XVS_BUCKET_STORM) {
		b = &qos->storm;
		burst = xvs_storm_burst(rate);
	} else {
		b = kind == XVS_BUCKET_IN ? &qos->in : &qos->out;
		burst = xvs_rate_burst(rate);
	}
	ok = xvs_bucket_take(b, now, rate, burst, cost);
	if (ok)
		return XVS_CONTINUE;
	return kind == XVS_BUCKET_STORM ? XVS_DROP_STORM_LIMIT : XVS_DROP_QOS;
}

/*
 * Frames from the VM (switch ingress on port p): max-rate and the min-weight share. Ports
 * without either pay the test of two fields. Not inlined, though that costs a call per frame:
 * inlined, even as a test around a call, it made the ingress program spill 16 more bytes, and
 * the deepest call chain (ingress -> ACL verdict -> extended ACL search) is at the verifier's
 * 512-byte stack limit.
 */
static __noinline int xvs_qos_out(const struct xvs_port *p, const struct xvs_frame *f)
{
	struct xvs_qos_state *qos;
	__u64 rate, share;

	if (!(p->max_rate_bps | p->min_bw_weight))
		return XVS_CONTINUE;
	qos = xvs_qos_of(p->id);
	if (!qos)
		return XVS_CONTINUE;
	rate = p->max_rate_bps >> 3;
	if (p->min_bw_weight) {
		/* What the VM offers, before policing: the share timer's measure of demand. */
		__sync_fetch_and_add(&qos->offered_out, f->len);
		share = qos->share_out_Bps;
		if (share && (!rate || share < rate))
			rate = share;
	}
	if (!rate)
		return XVS_CONTINUE;
	return xvs_police(qos, XVS_BUCKET_OUT, rate, f->len);
}

/* Frames to the VM (egress on port p, after its egress work: f->len as sent): max-rate. */
static __always_inline int xvs_qos_in(const struct xvs_port *p, const struct xvs_frame *f)
{
	__u64 rate = p->max_rate_bps >> 3;

	if (!rate)
		return XVS_CONTINUE;
	return xvs_police(xvs_qos_of(p->id), XVS_BUCKET_IN, rate, f->len);
}

/* A frame port p is about to flood (broadcast, multicast, unknown unicast): storm-limit. */
static __always_inline int xvs_storm_check(const struct xvs_port *p)
{
	__u64 pps = p->storm_limit_pps;

	if (!pps)
		return XVS_CONTINUE;
	return xvs_police(xvs_qos_of(p->id), XVS_BUCKET_STORM, pps, 1);
}

/* ---- min-weight: the share timer -------------------------------------------------------- */

#define XVS_SHARE_PERIOD_NS ((__u64)XVS_SHARE_PERIOD_MS * 1000000ULL)
#define XVS_SHARE_SEARCH    40 /* binary search steps: 2^40 > any level in bytes/s */

struct xvs_share_walk {
	struct xvs_share_slot *s; /* the sums and the search live there */
	__u64 elapsed_ns;         /* since the last tick */
	__u64 capacity;           /* uplink-rate, bytes/s; 0: no sharing */
	__u32 tick;
	__u32 pad;
};

/* Tick, pass 1 (for each port): measure what it offered; mark it if it takes part. */
static long xvs_share_measure(void *map __attribute__((unused)), __u32 *key __attribute__((unused)),
			      struct xvs_port *p, struct xvs_share_walk *w)
{
	struct xvs_qos_state *qos = xvs_qos_of(p->id);
	__u64 offered;

	if (!qos)
		return 0;
	offered = __sync_lock_test_and_set(&qos->offered_out, 0);
	/* In microseconds, so that offered x 1e6 cannot overflow. */
	qos->demand_out_Bps = offered * 1000000 / (w->elapsed_ns / 1000 ?: 1);
	if (!w->capacity || !p->min_bw_weight)
		return 0;
	qos->share_tick = w->tick;
	qos->share_weight = p->min_bw_weight;
	w->s->demand += qos->demand_out_Bps;
	w->s->weight += p->min_bw_weight;
	return 0;
}

static __always_inline struct xvs_qos_state *xvs_share_member(__u32 id, __u32 tick)
{
	struct xvs_qos_state *qos = xvs_qos_of(id);

	return qos && qos->share_tick == tick && qos->share_weight ? qos : NULL;
}

/* Binary search step: is sum(min(demand_i, weight_i x level)) within the capacity? */
static long xvs_share_search(__u64 step __attribute__((unused)), struct xvs_share_walk *w)
{
	struct xvs_share_slot *s = w->s;
	__u64 level, sum = 0, want;
	struct xvs_qos_state *qos;

	if (s->lo >= s->hi)
		return 1;
	level = s->lo + (s->hi - s->lo + 1) / 2;
	for (__u32 id = 1; id < XVS_MAX_PORTS; id++) {
		qos = xvs_share_member(id, w->tick);
		if (!qos)
			continue;
		want = (__u64)qos->share_weight * level;
		sum += qos->demand_out_Bps < want ? qos->demand_out_Bps : want;
	}
	if (sum <= w->capacity)
		s->lo = level;
	else
		s->hi = level - 1;
	return 0;
}

/*
 * Tick, pass 3: write every port's share. Congested (the weighted ports offer more than the
 * capacity): weight x level, the water level found by the search — a port that wants less
 * than that keeps room to grow, one that wants more gets exactly its fair part. Not congested:
 * its demand plus a weighted part of what is left, so the shares add up to the capacity.
 * Ports that do not take part (no weight, or no uplink-rate) get no share limit.
 */
static __always_inline void xvs_share_write(const struct xvs_share_walk *w)
{
	struct xvs_share_slot *s = w->s;
	int congested = s->demand > w->capacity;
	struct xvs_qos_state *qos;
	__u64 share;

	for (__u32 id = 1; id < XVS_MAX_PORTS; id++) {
		qos = xvs_qos_of(id);
		if (!qos)
			continue;
		if (!xvs_share_member(id, w->tick)) {
			if (qos->share_out_Bps)
				qos->share_out_Bps = 0;
			continue;
		}
		if (congested)
			share = (__u64)qos->share_weight * s->lo;
		else
			share = qos->demand_out_Bps +
				(w->capacity - s->demand) * qos->share_weight / (s->weight ?: 1);
		if (share > w->capacity)
			share = w->capacity;
		qos->share_out_Bps = share ?: 1; /* 0 would mean "no limit" */
	}
}

static int xvs_share_fired(void *map __attribute__((unused)), __u32 *key __attribute__((unused)),
			   struct xvs_share_slot *slot)
{
	struct xvs_share_walk w = { .s = slot };
	struct xvs_config *cfg;
	__u64 now = bpf_ktime_get_ns();
	__u32 zero = 0;

	w.elapsed_ns = slot->last_ns ? now - slot->last_ns : XVS_SHARE_PERIOD_NS;
	slot->last_ns = now;
	w.tick = ++slot->tick;
	slot->demand = 0;
	slot->weight = 0;
	cfg = bpf_map_lookup_elem(&xvs_config, &zero);
	if (cfg)
		w.capacity = cfg->uplink_rate_bps >> 3;
	bpf_for_each_map_elem(&xvs_ports, xvs_share_measure, &w, 0);
	if (w.capacity && slot->demand > w.capacity) {
		slot->lo = 0;
		slot->hi = w.capacity;
		bpf_loop(XVS_SHARE_SEARCH, xvs_share_search, &w, 0);
	}
	xvs_share_write(&w);
	bpf_timer_start(&slot->timer, XVS_SHARE_PERIOD_NS, 0);
	return 0;
}

#define XVS_SHARE_CLOCK 1 /* CLOCK_MONOTONIC */
#define XVS_SHARE_EBUSY 16

/* Start the share timer (from the housekeeping program, once per switch). 0 or a step. */
static __always_inline int xvs_share_start(void)
{
	struct xvs_share_slot *slot;
	__u32 zero = 0;
	long err;

	slot = bpf_map_lookup_elem(&xvs_qos_timer, &zero);
	if (!slot)
		return 1;
	err = bpf_timer_init(&slot->timer, &xvs_qos_timer, XVS_SHARE_CLOCK);
	if (err && err != -XVS_SHARE_EBUSY)
		return 2;
	if (bpf_timer_set_callback(&slot->timer, xvs_share_fired))
		return 3;
	if (bpf_timer_start(&slot->timer, XVS_SHARE_PERIOD_NS, 0))
		return 4;
	return 0;
}

#endif
