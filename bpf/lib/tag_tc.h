/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * VLAN tag primitives, TC flavour: the outer tag travels out of band (skb->vlan_tci), where
 * the kernel puts it on receive and where bpf_skb_vlan_push puts it; the device or the stack
 * writes it into the bytes when the frame leaves (txvlan offload or software). Out of band,
 * a push or pop is a field write: no bytes move, and a GSO superframe stays one superframe
 * whose every segment gets the tag.
 *
 * Same contract as lib/tag.h: XVS_CONTINUE or a drop reason; pop refuses to uncover a second
 * tag (the kernel would otherwise move an inner tag out of band and keep it as the outer one).
 */
#ifndef XVS_LIB_TAG_H
#define XVS_LIB_TAG_H

#include "eth.h"
#include "stats.h"

static __always_inline int xvs_tag_push(xvs_ctx_t *ctx, __u16 tci)
{
	if (bpf_skb_vlan_push(ctx, bpf_htons(XVS_TPID_8021Q), tci))
		return XVS_DROP_INTERNAL;
	return XVS_CONTINUE;
}

static __always_inline int xvs_tag_pop(xvs_ctx_t *ctx)
{
	struct xvs_outer_tag t = {};

	if (xvs_read_outer_tag(ctx, &t) != XVS_SHIM_OK)
		return XVS_DROP_INTERNAL;
	if (xvs_is_tag_tpid(t.inner))
		return XVS_DROP_SECOND_TAG;
	if (bpf_skb_vlan_pop(ctx))
		return XVS_DROP_INTERNAL;
	return XVS_CONTINUE;
}

/* A new TCI for the outer tag: nothing to do if it already has it; else pop and push (with an
 * inner tag, the pop moves it out of band and the push puts it back in the bytes). */
static __always_inline int xvs_tag_rewrite(xvs_ctx_t *ctx, __u16 tci)
{
	if (ctx->vlan_present && ctx->vlan_proto == bpf_htons(XVS_TPID_8021Q) &&
	    ctx->vlan_tci == tci)
		return XVS_CONTINUE;
	if (bpf_skb_vlan_pop(ctx) || bpf_skb_vlan_push(ctx, bpf_htons(XVS_TPID_8021Q), tci))
		return XVS_DROP_INTERNAL;
	return XVS_CONTINUE;
}

#endif
