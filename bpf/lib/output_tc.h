/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * How a frame leaves the switch, TC flavour: the output primitives lib/pipeline.h calls, with
 * the same names as lib/output.h.
 *
 * Known unicast: the pipeline does the egress port's work inline and bpf_redirect()s the skb
 * to that port's netdev (its egress queue). No mark is needed: TC has no second stage, and
 * none of the XDP flavour's canonical TPIDs (lib/output.h) is ever written.
 *
 * Flood and mirror: there is no devmap broadcast for skbs, so the copies are made here, one
 * port at a time, in the port-id order of xvs_port_ids (a bpf_loop, so the verifier checks the
 * per-port work once). For each port the canonical frame gets that port's share of the work
 * (lib/egress.h: xvs_port_output — membership, tagging, MTU, capture, counters, or a mirror
 * copy), a clone goes out with bpf_clone_redirect, and the canonical tag is put back for the
 * next port. With the tag out of band (lib/tag_tc.h), putting it back is a field write, even
 * for a 64 KB superframe. The original is then consumed (TC_ACT_STOLEN): it was not dropped.
 */
#ifndef XVS_LIB_OUTPUT_TC_H
#define XVS_LIB_OUTPUT_TC_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "maps.h"
#include "stats.h"
#include "vlan.h"
#include "egress.h"

/*
 * Canonical form on TC: an out-of-band 802.1Q tag with the frame's internal VLAN and PCP. No
 * mark is needed (the copy loop knows whether the frame is mirrored), so `mirror` is unused;
 * the name and contract are those of lib/output.h. XVS_CONTINUE or a drop reason.
 */
static __always_inline int xvs_make_canonical(xvs_ctx_t *ctx, struct xvs_frame *f,
					      int mirror __attribute__((unused)))
{
	__u16 tci = f->pcp_dei | f->vlan;

	if (f->tagged)
		return xvs_tag_rewrite(ctx, tci);
	f->len += XVS_VLAN_HLEN;
	f->tagged = 1;
	return xvs_tag_push(ctx, tci);
}

/* Send the skb out of netdev ifindex (TC_ACT_REDIRECT). */
static __always_inline int xvs_out_redirect(xvs_ctx_t *ctx __attribute__((unused)), __u32 ifindex)
{
	return (int)bpf_redirect(ifindex, 0);
}

/* VMQ needs XDP (only an XDP program can hand a frame to an AF_XDP socket): on TC the port
 * device path is the only one, and `xvs port set ... vmq on` refuses a TC switch. */
#define XVS_VMQ_MISS (-1)
static __always_inline int xvs_out_vmq(xvs_ctx_t *ctx __attribute__((unused)),
				       const struct xvs_port *out __attribute__((unused)))
{
	return XVS_VMQ_MISS;
}

/* TC copies skbs of any size (bpf_clone_redirect). */
static __always_inline int xvs_can_copy(xvs_ctx_t *ctx __attribute__((unused)))
{
	return 1;
}

/* What the copy loop needs, on the caller's stack. */
struct xvs_copies {
	xvs_ctx_t *ctx;
	struct xvs_frame f;     /* the canonical frame */
	__u32 in_ifindex;
	__u32 target;
	__u32 mirror;
	__u16 tci;              /* its canonical tag */
	__u16 pad;
};

/* Make the skb carry the canonical tag again after a port's egress work changed it. */
static __always_inline int xvs_restore_canonical(xvs_ctx_t *ctx, __u16 tci)
{
	return ctx->vlan_present ? xvs_tag_rewrite(ctx, tci) : xvs_tag_push(ctx, tci);
}

static long xvs_copy_to_port(__u32 index, struct xvs_copies *c)
{
	__u32 id = index + 1, *ifindex;
	const struct xvs_port *p;
	struct xvs_frame f;

	ifindex = bpf_map_lookup_elem(&xvs_port_ids, &id);
	if (!ifindex || !*ifindex || *ifindex == c->in_ifindex)
		return 0;
	p = bpf_map_lookup_elem(&xvs_ports, ifindex);
	if (!p)
		return 0;
	f = c->f;
	if (xvs_port_output(c->ctx, p, &f, c->mirror, c->target) == XVS_VERDICT_PASS)
		bpf_clone_redirect(c->ctx, p->ifindex, 0);
	/* A frame that cannot be put back cannot be offered to the next ports. */
	return xvs_restore_canonical(c->ctx, c->tci) == XVS_CONTINUE ? 0 : 1;
}

/* Offer the canonical frame to every port but the ingress one (see the top of this file). */
static __always_inline int xvs_out_copies(xvs_ctx_t *ctx, const struct xvs_port *in,
					  struct xvs_frame *f, int mirror, __u32 target)
{
	struct xvs_copies c = {
		.ctx = ctx,
		.f = *f,
		.in_ifindex = in->ifindex,
		.target = target,
		.mirror = mirror,
		.tci = f->pcp_dei | f->vlan,
	};
	__u32 zero = 0, *last = bpf_map_lookup_elem(&xvs_port_ids, &zero);

	/* The frame is canonical now: what the XDP egress program reads back from the bytes. */
	c.f.tagged = 1;
	c.f.len = xvs_frame_len(ctx);
	if (last && *last)
		bpf_loop(*last < XVS_MAX_PORTS ? *last : XVS_MAX_PORTS - 1, xvs_copy_to_port, &c, 0);
	return TC_ACT_STOLEN;
}

#endif
