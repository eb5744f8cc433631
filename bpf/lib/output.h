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
 */
#ifndef XVS_LIB_OUTPUT_H
#define XVS_LIB_OUTPUT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define XVS_META_DONE   0x78767331u /* "xvs1" */
#define XVS_META_MIRROR 0x78767332u /* "xvs2", followed by the target ifindex (0: a flood) */
#define XVS_META_MAX  32          /* the kernel's limit on the metadata area */

/*
 * Whether this kernel lets XDP programs call bpf_xdp_adjust_meta. Set by the loader from a
 * probe before loading (loader/switch.c); some kernels refuse the helper (seen on
 * 6.18.44-fc-v1300: "program of this type cannot use helper bpf_xdp_adjust_meta"). When it is
 * 0 the verifier drops every branch that would call it and every frame takes the path of a
 * driver without a metadata area: canonical form, egress work in xvs_egress, no mirror marks.
 */
const volatile __u32 xvs_meta_helper = 1;

static __always_inline void *xvs_meta(struct xdp_md *ctx)
{
	return (void *)(long)ctx->data_meta;
}

/* Remove whatever metadata the frame arrived with. The area grows in 4-byte steps, so at most
 * XVS_META_MAX / 4 steps; the usual case is one comparison. */
static __always_inline void xvs_meta_reset(struct xdp_md *ctx)
{
	if (!xvs_meta_helper)
		return; /* nobody can have put metadata there either */
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

	if (!xvs_meta_helper || bpf_xdp_adjust_meta(ctx, -(int)sizeof(__u32)))
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

	if (!xvs_meta_helper || bpf_xdp_adjust_meta(ctx, -(int)(2 * sizeof(__u32))))
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

	if (!xvs_meta_helper || (void *)(meta + 2) > (void *)(long)ctx->data ||
	    meta[0] != XVS_META_MIRROR)
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

	if (!xvs_meta_helper || (void *)(meta + 1) > (void *)(long)ctx->data ||
	    *meta != XVS_META_DONE)
		return 0;
	bpf_xdp_adjust_meta(ctx, (int)sizeof(__u32));
	return 1;
}

#endif
