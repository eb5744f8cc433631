/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * How a frame leaves the switch (XDP flavour): through ONE devmap, xvs_tx, whose every entry
 * carries the egress program xvs_egress.
 *
 * Why one devmap: the kernel queues redirected frames per egress device and CPU, and runs the
 * egress program of the FIRST frame queued on the whole batch. Two devmaps with different
 * programs for the same device would mix (a flood copy leaving untouched, or a finished
 * unicast frame processed twice). So every frame goes through the same program, and the
 * program learns from the frame itself what is left to do:
 *
 *   done       known unicast, whose egress work was already done inline at ingress (the
 *              egress port is known there, and doing it there is cheaper). Ingress marks it
 *              with XVS_META_DONE in the XDP metadata area; the egress program removes the
 *              mark and lets it go.
 *   canonical  everything else (flood copies, and unicast when the driver has no metadata
 *              area): the frame carries an 802.1Q tag with its internal VLAN and PCP, and the
 *              egress program does the port's membership check and tagging.
 *
 *   mirror     a canonical frame broadcast to every port because a mirror destination must get
 *              a copy too (lib/mirror.h). The mark carries the one port that gets the frame
 *              itself (known unicast), or 0 for a flood (the members get it); ports with
 *              mirror destination get a mirror copy, every other port drops it silently.
 *
 * Metadata a sender put in front of a frame (a VM's own XDP program can redirect frames with
 * metadata into its veth) is removed at ingress, so only xvs can write the mark.
 *
 * The output primitives at the end of this file are what the shared pipeline (lib/pipeline.h)
 * calls; lib/output_tc.h provides the same names for TC.
 */
#ifndef XVS_LIB_OUTPUT_H
#define XVS_LIB_OUTPUT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps.h"
#include "stats.h"
#include "vlan.h"

/*
 * Whether this kernel lets XDP programs use the metadata area (bpf_xdp_adjust_meta). Set by
 * the loader before load (loader/probe.c): some kernels refuse the helper to every XDP
 * program, and a program that calls it would not load at all. The verifier knows this
 * read-only value, so with 0 the metadata calls are never reached, never checked, and
 * removed: unicast then leaves canonical (the egress program does its egress work) and
 * mirroring has no way to mark its frames (loader/mirror.c refuses it).
 */
const volatile __u32 xvs_have_meta = 1;

#define XVS_META_DONE   0x78767331u /* "xvs1" */
#define XVS_META_MIRROR 0x78767332u /* "xvs2", followed by the target ifindex (0: a flood) */
#define XVS_META_MAX  32          /* the kernel's limit on the metadata area */

static __always_inline void *xvs_meta(struct xdp_md *ctx)
{
	return (void *)(long)ctx->data_meta;
}

/* Remove whatever metadata the frame arrived with. The area grows in 4-byte steps, so at most
 * XVS_META_MAX / 4 steps; the usual case is one comparison. */
static __always_inline void xvs_meta_reset(struct xdp_md *ctx)
{
	if (!xvs_have_meta)
		return;
	for (int i = 0; i < XVS_META_MAX / 4; i++) {
		if (xvs_meta(ctx) >= (void *)(long)ctx->data)
			return;
		if (bpf_xdp_adjust_meta(ctx, 4))
			return;
	}
}

/* Mark the frame as finished for the egress program. 0, or -1 when the driver gives XDP no
 * metadata area (the caller then sends the frame in canonical form instead). */
static __always_inline int xvs_meta_mark_done(struct xdp_md *ctx)
{
	__u32 *meta;

	if (!xvs_have_meta || bpf_xdp_adjust_meta(ctx, -(int)sizeof(__u32)))
		return -1;
	meta = xvs_meta(ctx);
	if ((void *)(meta + 1) > (void *)(long)ctx->data)
		return -1;
	*meta = XVS_META_DONE;
	return 0;
}

/* Mark a canonical frame for mirroring: `target` gets the frame, destinations a copy. */
static __always_inline int xvs_meta_mark_mirror(struct xdp_md *ctx, __u32 target)
{
	__u32 *meta;

	if (!xvs_have_meta || bpf_xdp_adjust_meta(ctx, -(int)(2 * sizeof(__u32))))
		return -1;
	meta = xvs_meta(ctx);
	if ((void *)(meta + 2) > (void *)(long)ctx->data)
		return -1;
	meta[0] = XVS_META_MIRROR;
	meta[1] = target;
	return 0;
}

/* In the egress program: if the frame carries the mirror mark, remove it and return 1 with
 * the target in *target; else 0. */
static __always_inline int xvs_meta_take_mirror(struct xdp_md *ctx, __u32 *target)
{
	__u32 *meta = xvs_meta(ctx);

	if (!xvs_have_meta)
		return 0;
	if ((void *)(meta + 2) > (void *)(long)ctx->data || meta[0] != XVS_META_MIRROR)
		return 0;
	*target = meta[1];
	bpf_xdp_adjust_meta(ctx, (int)(2 * sizeof(__u32)));
	return 1;
}

/* In the egress program: true if ingress finished this frame. Removes the mark, so the
 * receiving device never sees it. */
static __always_inline int xvs_meta_take_done(struct xdp_md *ctx)
{
	__u32 *meta = xvs_meta(ctx);

	if (!xvs_have_meta)
		return 0;
	if ((void *)(meta + 1) > (void *)(long)ctx->data || *meta != XVS_META_DONE)
		return 0;
	bpf_xdp_adjust_meta(ctx, (int)sizeof(__u32));
	return 1;
}

/* ---- output primitives of the XDP flavour (called by lib/pipeline.h) ---- */

/* Before the output decisions: remove whatever the frame arrived with in front of it. */
static __always_inline void xvs_marks_clear(struct xdp_md *ctx)
{
	xvs_meta_reset(ctx);
}

/* Known unicast: mark the frame finished, so the egress program lets it go. 0, or -1 when
 * there is no metadata area (the pipeline then sends the frame canonical). */
static __always_inline int xvs_out_mark_done(struct xdp_md *ctx)
{
	return xvs_meta_mark_done(ctx);
}

/* Send the frame to one port. XDP_REDIRECT, or XDP_DROP if the port has no output entry. */
static __always_inline int xvs_out_redirect(struct xdp_md *ctx __attribute__((unused)),
					    __u32 ifindex)
{
	return bpf_redirect_map(&xvs_tx, ifindex, XDP_DROP);
}

/*
 * Offer a canonical frame to every port but the ingress one: the devmap copies it and each
 * copy's egress program does its port's work (xvs_port_output). mirror: destinations get a
 * mirror copy; target: the one port the frame is for (0: a flood, for every member).
 * Without a metadata area a flood still goes, only without mirror copies, and a mirrored
 * unicast goes to its port alone.
 */
static __always_inline int xvs_out_copies(struct xdp_md *ctx,
					  const struct xvs_port *in __attribute__((unused)),
					  struct xvs_frame *f __attribute__((unused)), int mirror,
					  __u32 target)
{
	if (mirror && xvs_meta_mark_mirror(ctx, target) && target)
		return bpf_redirect_map(&xvs_tx, target, XDP_DROP); /* no copies, but sent */
	return bpf_redirect_map(&xvs_tx, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
}

/* In the egress program: read a canonical frame's VLAN and PCP back from its tag. */
static __always_inline int xvs_canonical_frame(struct xdp_md *ctx, struct xvs_frame *f)
{
	struct xvs_vlan_ethhdr *veth = (void *)(long)ctx->data;
	__u16 tci;

	if ((void *)(veth + 1) > (void *)(long)ctx->data_end ||
	    veth->tpid != bpf_htons(XVS_TPID_8021Q))
		return XVS_DROP_INTERNAL;
	tci = bpf_ntohs(veth->tci);
	f->vlan = tci & XVS_VID_MASK;
	f->pcp_dei = tci & XVS_PCP_DEI_MASK;
	f->tagged = 1;
	f->len = xvs_frame_len(ctx);
	return XVS_CONTINUE;
}

#endif
