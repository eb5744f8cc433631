/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The switch pipeline, written once for both flavours against the shim (lib/ctx*.h), the tag
 * primitives (lib/tag*.h) and the output primitives (lib/output*.h):
 *
 *   xvs_ingress_checks   port lookup, rx count, link, Ethernet checks, VLAN classification,
 *                        guards
 *   xvs_ingress_policy   ACL out (lib/acl.h), QoS out (lib/qos.h)
 *   xvs_ingress_pipeline the above, learning, destination lookup, output
 *   xvs_unicast          known unicast: the egress port's work (ACL in, tagging, MTU, QoS in)
 *                        inline, out (for a VMQ port, from the uplink: into its AF_XDP socket)
 *   xvs_send_flood       broadcast, multicast, unknown unicast (after the storm limit):
 *                        canonical, one copy per port
 *   xvs_send_mirrored    known unicast that a mirror destination must see too
 *
 * The program files (bpf/xvs_dp.bpf.c for XDP, bpf/xvs_tc.bpf.c for TC) are thin entry points.
 */
#ifndef XVS_LIB_PIPELINE_H
#define XVS_LIB_PIPELINE_H

/* The flavour's shim (lib/ctx.h or lib/ctx_tc.h) is included by the program file first. */
#ifndef XVS_LIB_CTX_H
#error "include a context shim first: lib/ctx.h (XDP) or lib/ctx_tc.h (TC)"
#endif

#include "eth.h"
#include "maps.h"
#include "stats.h"
#include "vlan.h"
#include "fdb.h"
#include "capture.h"
#include "mirror.h"
#include "acl.h"
#include "guard.h"
#include "qos.h"
#include "egress.h"

/* Flood: the canonical frame goes to every port but the ingress one; each copy's egress work
 * decides whether its port is a member and how to tag it (lib/egress.h: xvs_port_output). */
static __always_inline int xvs_send_flood(xvs_ctx_t *ctx, const struct xvs_port *in,
					  struct xvs_frame *f, struct xvs_port_stats *st)
{
	int mirror = xvs_flood_mirrored(in, f->vlan);
	int ret = xvs_storm_check(in);

	if (ret != XVS_CONTINUE)
		return xvs_drop(st, ret);
	if (!xvs_can_copy(ctx))
		return xvs_drop(st, XVS_DROP_JUMBO_FLOOD);
	if (st)
		st->flooded++;
	ret = xvs_make_canonical(ctx, f, mirror);
	if (ret != XVS_CONTINUE)
		return xvs_drop(st, ret);
	return xvs_out_copies(ctx, in, f, mirror, 0);
}

/* Known unicast from or to a mirrored port: canonical and mirrored, offered to every port;
 * the one port the frame is for sends it, mirror destinations send a copy (lib/mirror.h). */
static __always_inline int xvs_send_mirrored(xvs_ctx_t *ctx, const struct xvs_port *in,
					     const struct xvs_port *out, struct xvs_frame *f,
					     struct xvs_port_stats *st)
{
	int ret = xvs_vlan_egress_allowed(out, f);

	if (ret == XVS_CONTINUE && !xvs_can_copy(ctx))
		ret = XVS_DROP_JUMBO_FLOOD;
	if (ret == XVS_CONTINUE)
		ret = xvs_make_canonical(ctx, f, 1);
	if (ret != XVS_CONTINUE)
		return xvs_drop(st, ret);
	return xvs_out_copies(ctx, in, f, 1, out->ifindex);
}

/* Known unicast: the egress port is known, so its egress work (ACL in, tagging, MTU) is done
 * here and the frame leaves finished — an ordinary frame on both flavours (lib/output.h). */
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
		return xvs_send_mirrored(ctx, in, out, f, st);
	ret = xvs_egress_work(ctx, out, f, st);
	if (ret != XVS_CONTINUE)
		return ret;
	/* VMQ: a finished frame from the uplink for a VMQ port may skip the port device. */
	if ((out->flags & XVS_PORT_VMQ) && in->kind == XVS_PORT_UPLINK &&
	    xvs_out_vmq(ctx, out) == XVS_VERDICT_REDIRECT) {
		xvs_count_tx(out->id, f->len);
		return XVS_VERDICT_REDIRECT;
	}
	ret = xvs_out_redirect(ctx, out_ifindex);
	if (ret != XVS_VERDICT_REDIRECT)
		return xvs_drop(st, XVS_DROP_NO_EGRESS);
	xvs_count_tx(out->id, f->len);
	return ret;
}

/*
 * Steps 1-3 of the pipeline for a frame entering the switch through port p: rx count, link,
 * Ethernet checks, MAC spoofing, VLAN classification into f, guards (lib/guard.h). XVS_CONTINUE, or a drop reason
 * (not yet counted). Shared by the ingress pipeline and the TC uplink hook (host traffic
 * enters through the host port, lib/host.h).
 */
static __always_inline int xvs_ingress_checks(xvs_ctx_t *ctx, const struct xvs_port *p,
					      struct xvs_frame *f, struct xvs_port_stats *st)
{
	struct xvs_ethhdr *eth;
	int ret;

	f->len = xvs_frame_len(ctx);
	if (st) {
		st->rx_packets++;
		st->rx_bytes += f->len;
	}
	if (!(p->flags & XVS_PORT_LINK_UP))
		return XVS_DROP_LINK_DOWN;
	xvs_capture_frame(ctx, p, XVS_CAPTURE_RX);

	eth = xvs_data(ctx);
	if ((void *)(eth + 1) > xvs_data_end(ctx))
		return XVS_DROP_MALFORMED;
	if (xvs_mac_is_link_local(eth->dst))
		return XVS_DROP_RESERVED_MAC;
	if (xvs_mac_is_multicast(eth->src))
		return XVS_DROP_INVALID_SRC_MAC;
	if ((p->flags & XVS_PORT_HAS_MAC) && !(p->flags & XVS_PORT_ALLOW_SPOOF) &&
	    !xvs_mac_equal(eth->src, p->mac))
		return XVS_DROP_MAC_SPOOFING;

	ret = xvs_vlan_ingress(ctx, p, f);
	return ret == XVS_CONTINUE ? xvs_guards(ctx, p, f) : ret;
}

/* The port's policy on a frame it sends into the switch (VM -> switch): ACL out, then QoS out
 * (its max-rate and min-weight share). XVS_CONTINUE or a drop reason (not yet counted). Shared
 * by the ingress pipeline and the TC uplink hook. */
static __always_inline int xvs_ingress_policy(xvs_ctx_t *ctx, const struct xvs_port *p,
					      const struct xvs_frame *f)
{
	int ret = xvs_acl_check(ctx, p, f, XVS_ACL_OUT);

	return ret == XVS_CONTINUE ? xvs_qos_out(p, f) : ret;
}

/* The whole pipeline for a frame that arrived on a port's netdev. */
static __always_inline int xvs_ingress_pipeline(xvs_ctx_t *ctx)
{
	__u32 ifindex = xvs_ingress_ifindex(ctx);
	struct xvs_frame f = {};
	struct xvs_port_stats *st;
	struct xvs_fdb_entry *e;
	struct xvs_ethhdr *eth;
	const struct xvs_port *p;
	int ret;

	p = bpf_map_lookup_elem(&xvs_ports, &ifindex);
	if (!p)
		return XVS_VERDICT_DROP; /* not (or no longer) a port of this switch */
	st = xvs_stats_of(p->id);
	ret = xvs_ingress_checks(ctx, p, &f, st);
	if (ret != XVS_CONTINUE)
		return xvs_drop(st, ret);
	f.fdb_vlan = xvs_fdb_vlan(f.vlan);
	/* ACL and QoS out (from the VM): after VLAN classification and guards, before learning,
	 * so a denied frame teaches the FDB nothing. */
	ret = xvs_ingress_policy(ctx, p, &f);
	if (ret != XVS_CONTINUE)
		return xvs_drop(st, ret);

	eth = xvs_data(ctx);
	if ((void *)(eth + 1) > xvs_data_end(ctx))
		return xvs_drop(st, XVS_DROP_MALFORMED);
	xvs_fdb_learn(p, &f, eth->src, xvs_now(), st);

	/* dst is read before the output below moves the packet head. */
	if (xvs_mac_is_multicast(eth->dst))
		return xvs_send_flood(ctx, p, &f, st);
	e = xvs_fdb_lookup(eth->dst, f.fdb_vlan);
	if (!e)
		return xvs_send_flood(ctx, p, &f, st);
	return xvs_unicast(ctx, p, e, &f, st);
}

#endif
