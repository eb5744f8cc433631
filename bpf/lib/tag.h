/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * VLAN tag primitives, XDP flavour: the tag lives in the frame's bytes, after the MACs, and is
 * pushed and popped by moving the head of the frame (lib/tag_tc.h is the TC flavour).
 *
 * Contract of both flavours (lib/vlan.h relies on it): each returns XVS_CONTINUE or a drop
 * reason; pop refuses (XVS_DROP_SECOND_TAG) to uncover a second tag, so a frame never leaves
 * untagged with a tag still inside it; push is only called on a frame without an outer tag.
 */
#ifndef XVS_LIB_TAG_H
#define XVS_LIB_TAG_H

#include "eth.h"
#include "stats.h"

/* Insert an 802.1Q tag after the MAC addresses. */
static __always_inline int xvs_tag_push(xvs_ctx_t *ctx, __u16 tci)
{
	struct xvs_vlan_ethhdr *veth;
	__u8 macs[2 * XVS_ETH_ALEN];
	void *data, *data_end;

	if (xvs_adjust_head(ctx, -XVS_VLAN_HLEN))
		return XVS_DROP_INTERNAL;
	data = xvs_data(ctx);
	data_end = xvs_data_end(ctx);
	veth = data;
	if ((void *)(veth + 1) > data_end)
		return XVS_DROP_INTERNAL;
	/* dst and src move 4 bytes towards the head; the old ethertype stays where it was and
	 * becomes the tag's inner protocol. The regions overlap: go through a local copy. */
	__builtin_memcpy(macs, data + XVS_VLAN_HLEN, sizeof(macs));
	__builtin_memcpy(veth->dst, macs, sizeof(macs));
	veth->tpid = bpf_htons(XVS_TPID_8021Q);
	veth->tci = bpf_htons(tci);
	return XVS_CONTINUE;
}

/* Remove the outer tag. Refuses to uncover a second tag. */
static __always_inline int xvs_tag_pop(xvs_ctx_t *ctx)
{
	struct xvs_vlan_ethhdr *veth = xvs_data(ctx);
	__u8 macs[2 * XVS_ETH_ALEN];
	struct xvs_ethhdr *eth;

	if ((void *)(veth + 1) > xvs_data_end(ctx))
		return XVS_DROP_INTERNAL;
	if (xvs_is_tag_tpid(veth->proto))
		return XVS_DROP_SECOND_TAG;
	__builtin_memcpy(macs, veth->dst, sizeof(macs));
	if (xvs_adjust_head(ctx, XVS_VLAN_HLEN))
		return XVS_DROP_INTERNAL;
	eth = xvs_data(ctx);
	if ((void *)(eth + 1) > xvs_data_end(ctx))
		return XVS_DROP_INTERNAL;
	__builtin_memcpy(eth->dst, macs, sizeof(macs));
	return XVS_CONTINUE;
}

/* Set TPID and TCI of the outer tag (the XDP output path also writes canonical TPIDs,
 * lib/output.h). */
static __always_inline int xvs_tag_write(xvs_ctx_t *ctx, __u16 tpid, __u16 tci)
{
	struct xvs_vlan_ethhdr *veth = xvs_data(ctx);

	if ((void *)(veth + 1) > xvs_data_end(ctx))
		return XVS_DROP_INTERNAL;
	veth->tpid = bpf_htons(tpid);
	veth->tci = bpf_htons(tci);
	return XVS_CONTINUE;
}

/* Make the outer tag the 802.1Q tag tci (it may be a canonical tag until now). */
static __always_inline int xvs_tag_rewrite(xvs_ctx_t *ctx, __u16 tci)
{
	return xvs_tag_write(ctx, XVS_TPID_8021Q, tci);
}

#endif
