// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The xvs dataplane, XDP flavour: one loaded instance per switch.
 *
 *   xvs_ingress       attached to every port netdev: parse -> VLAN classify -> guards ->
 *                     ACL out -> QoS out -> learn -> lookup (storm-limit on floods); known
 *                     unicast gets its egress work (ACL in, tagging, QoS in) inline and
 *                     leaves through xvs_tx done; everything else is broadcast through xvs_tx
 *                     in canonical form (lib/output.h).
 *   xvs_egress        devmap egress program of every xvs_tx entry: lets finished frames go;
 *                     for a canonical frame (a flood copy), the port's membership check,
 *                     ACL in (lib/acl.h), tagging (lib/output.h) and QoS in (lib/qos.h);
 *                     mirror copies (lib/mirror.h).
 *   xvs_housekeeping  run once by the loader: starts the timer that keeps the coarse clock
 *                     and ages the FDB, and the min-weight share timer (lib/qos.h), so the
 *                     switch needs no userspace process.
 *
 * The program order matters: xvs_ingress is first so that `xdp-loader load` picks it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "lib/ctx.h"
#include "lib/eth.h"
#include "lib/maps.h"
#include "lib/stats.h"
#include "lib/vlan.h"
#include "lib/fdb.h"
#include "lib/output.h"
#include "lib/capture.h"
#include "lib/mirror.h"
#include "lib/acl.h"
#include "lib/guard.h"
#include "lib/qos.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define XVS_NSEC_PER_SEC 1000000000ULL

/* Send a frame in canonical form to every port but the ingress one; each copy's egress program
 * decides what its port does with it (lib/output.h). */
static __always_inline int xvs_broadcast(xvs_ctx_t *ctx, struct xvs_frame *f, int mirror,
					 struct xvs_port_stats *st)
{
	int ret = xvs_make_canonical(ctx, f, mirror);

	if (ret != XVS_CONTINUE)
		return xvs_drop(st, ret);
	return bpf_redirect_map(&xvs_tx, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
}

/* Flood: every member port of the frame's VLAN but the ingress one gets a copy. */
static __always_inline int xvs_send_flood(xvs_ctx_t *ctx, const struct xvs_port *in,
					  struct xvs_frame *f, struct xvs_port_stats *st)
{
	int ret = xvs_storm_check(in);

	if (ret != XVS_CONTINUE)
		return xvs_drop(st, ret);
	if (st)
		st->flooded++;
	return xvs_broadcast(ctx, f, xvs_flood_mirrored(in, f->vlan), st);
}

/* Known unicast from or to a mirrored port: broadcast in canonical form with the mirror mark;
 * the egress programs find the one port the frame is for in the FDB, as here (lib/mirror.h). */
static __always_inline int xvs_send_mirrored(xvs_ctx_t *ctx, const struct xvs_port *out,
					     struct xvs_frame *f, struct xvs_port_stats *st)
{
	int ret = xvs_vlan_egress_allowed(out, f);

	if (ret != XVS_CONTINUE)
		return xvs_drop(st, ret);
	return xvs_broadcast(ctx, f, 1, st);
}

/* Known unicast: the egress port is known, so its egress work is done here and the frame
 * leaves finished (lib/output.h: "done"). */
static __always_inline int xvs_unicast(xvs_ctx_t *ctx, const struct xvs_port *in,
				       const struct xvs_fdb_entry *e, struct xvs_frame *f,
				       struct xvs_port_stats *st)
{
	__u32 out_ifindex = e->ifindex;
	const struct xvs_port *out;
	int ret;

	if (out_ifindex == in->ifindex)
		return xvs_drop(st, XVS_DROP_SAME_PORT);
	out = bpf_map_lookup_elem(&xvs_ports, &out_ifindex);
	if (!out)
		return xvs_drop(st, XVS_DROP_NO_EGRESS);
	if (xvs_port_mirrored(in) || xvs_port_mirrored(out))
		return xvs_send_mirrored(ctx, out, f, st);
	/* ACL in: here for known unicast, finished at ingress; in xvs_egress for canonical frames
	 * (floods, mirrored unicast). A drop counts on the port whose ACL it is. */
	ret = xvs_acl_check(ctx, out, f, XVS_ACL_IN);
	if (ret != XVS_CONTINUE)
		return xvs_drop(xvs_stats_of(out->id), ret);
	ret = xvs_vlan_egress(ctx, out, f);
	if (ret == XVS_CONTINUE)
		ret = xvs_mtu_check(ctx, out_ifindex, f);
	if (ret != XVS_CONTINUE)
		return xvs_drop(st, ret);
	/* Over the egress port's max-rate: counted on the port whose limit it is. */
	if (xvs_qos_in(out, f) != XVS_CONTINUE)
		return xvs_drop(xvs_stats_of(out->id), XVS_DROP_QOS);
	xvs_capture_frame(ctx, out, XVS_CAPTURE_TX);
	ret = bpf_redirect_map(&xvs_tx, out_ifindex, XDP_DROP);
	if (ret != XDP_REDIRECT)
		return xvs_drop(st, XVS_DROP_NO_EGRESS);
	xvs_count_tx(out->id, f->len);
	return ret;
}

/* xdp.frags: jumbo frames arrive as several buffers; every header xvs reads or rewrites is
 * in the first one. */
SEC("xdp.frags")
int xvs_ingress(struct xdp_md *ctx)
{
	__u32 ifindex = xvs_ingress_ifindex(ctx);
	struct xvs_frame f = {};
	struct xvs_port_stats *st;
	struct xvs_fdb_entry *e;
	struct xvs_ethhdr *eth;
	const struct xvs_port *p;
	void *data, *data_end;
	__u8 dst[XVS_ETH_ALEN];
	int ret;

	p = bpf_map_lookup_elem(&xvs_ports, &ifindex);
	if (!p)
		return XDP_DROP; /* not (or no longer) a port of this switch */
	st = xvs_stats_of(p->id);
	f.len = xvs_frame_len(ctx);
	if (st) {
		st->rx_packets++;
		st->rx_bytes += f.len;
	}
	if (!(p->flags & XVS_PORT_LINK_UP))
		return xvs_drop(st, XVS_DROP_LINK_DOWN);
	xvs_capture_frame(ctx, p, XVS_CAPTURE_RX);

	data = xvs_data(ctx);
	data_end = xvs_data_end(ctx);
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return xvs_drop(st, XVS_DROP_MALFORMED);
	if (xvs_mac_is_link_local(eth->dst))
		return xvs_drop(st, XVS_DROP_RESERVED_MAC);
	if (xvs_mac_is_multicast(eth->src))
		return xvs_drop(st, XVS_DROP_INVALID_SRC_MAC);
	if ((p->flags & XVS_PORT_HAS_MAC) && !(p->flags & XVS_PORT_ALLOW_SPOOF) &&
	    !xvs_mac_equal(eth->src, p->mac))
		return xvs_drop(st, XVS_DROP_MAC_SPOOFING);

	ret = xvs_vlan_ingress(p, data, data_end, &f);
	if (ret == XVS_CONTINUE)
		ret = xvs_guards(p, data, data_end, &f);
	if (ret != XVS_CONTINUE)
		return xvs_drop(st, ret);
	f.fdb_vlan = xvs_fdb_vlan(f.vlan);
	ret = xvs_acl_check(ctx, p, &f, XVS_ACL_OUT);
	if (ret == XVS_CONTINUE)
		ret = xvs_qos_out(p, &f);
	if (ret != XVS_CONTINUE)
		return xvs_drop(st, ret);

	xvs_fdb_learn(p, &f, eth->src, xvs_now(), st);

	/* Keep dst on the stack: the egress work below moves the packet head. */
	__builtin_memcpy(dst, eth->dst, XVS_ETH_ALEN);
	if (xvs_mac_is_multicast(dst))
		return xvs_send_flood(ctx, p, &f, st);
	e = xvs_fdb_lookup(dst, f.fdb_vlan);
	if (!e)
		return xvs_send_flood(ctx, p, &f, st);
	return xvs_unicast(ctx, p, e, &f, st);
}

/* Egress program of every xvs_tx entry: a finished frame goes as it is; a canonical one gets
 * its port's egress work here, or is a mirror copy, or is not for this port. */
SEC("xdp.frags/devmap")
int xvs_egress(struct xdp_md *ctx)
{
	__u32 ifindex = xvs_egress_ifindex(ctx);
	struct xvs_frame f = {};
	const struct xvs_port *p;
	int ret, state, mine;

	state = xvs_tx_state(ctx, &f);
	if (state == XVS_TX_DONE)
		return XDP_PASS;
	p = bpf_map_lookup_elem(&xvs_ports, &ifindex);
	if (!p)
		return XDP_DROP;
	if (state < 0)
		return xvs_drop(xvs_stats_of(p->id), XVS_DROP_INTERNAL);

	/* Is the frame itself for this port? A flood copy is for every member whose link is up;
	 * a mirrored frame may be known unicast for one port only. Otherwise this copy is simply
	 * not for this port — unless it is a mirror destination. */
	if (state == XVS_TX_MIRROR)
		mine = xvs_mirror_is_mine(ctx, p, &f);
	else
		mine = (p->flags & XVS_PORT_LINK_UP) && xvs_port_is_member(p, f.vlan);
	if (!mine)
		return state == XVS_TX_MIRROR && p->mirror == XVS_MIRROR_DESTINATION ?
			       xvs_mirror_copy(ctx, p, &f) : XDP_DROP;
	ret = xvs_acl_check(ctx, p, &f, XVS_ACL_IN);
	if (ret == XVS_CONTINUE)
		ret = xvs_vlan_egress(ctx, p, &f);
	if (ret == XVS_CONTINUE)
		ret = xvs_mtu_check(ctx, ifindex, &f);
	if (ret == XVS_CONTINUE)
		ret = xvs_qos_in(p, &f);
	if (ret != XVS_CONTINUE)
		return xvs_drop(xvs_stats_of(p->id), ret);
	xvs_capture_frame(ctx, p, XVS_CAPTURE_TX);
	xvs_count_tx(p->id, f.len);
	return XDP_PASS;
}

/* ---- housekeeping: coarse clock and FDB aging, driven by a bpf_timer ---- */

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
