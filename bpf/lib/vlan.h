/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * VLAN classification at ingress and tagging at egress: the frame-semantics table of
 * DESIGN.md, in one place for the unicast fast path and the flood egress program.
 */
#ifndef XVS_LIB_VLAN_H
#define XVS_LIB_VLAN_H

/* The flavour's shim (lib/ctx.h or lib/ctx_tc.h) is included by the program file first. */
#ifndef XVS_LIB_CTX_H
#error "include a context shim first: lib/ctx.h (XDP) or lib/ctx_tc.h (TC)"
#endif

#include "eth.h"
#include "stats.h"

/* Tags are pushed, popped and rewritten by the flavour's primitives (lib/tag.h for XDP,
 * lib/tag_tc.h for TC), which the program file includes before this header. */

/* What the pipeline knows about the frame in hand. */
struct xvs_frame {
	__u16 vlan;     /* internal VLAN: 0 = the untagged network, else 1..4094 */
	__u16 pcp_dei;  /* PCP and DEI bits of the frame's tag (0 if it came untagged) */
	__u16 fdb_vlan; /* the VLAN its MACs are learned and looked up in (lib/fdb.h) */
	__u8  tagged;   /* the frame carries an outer 802.1Q tag right now (in the bytes after
			 * the MACs for XDP; in the bytes or out of band for TC, lib/tag_tc.h) */
	__u8  pad;
	__u32 len;      /* bytes on the wire, tracks pushes and pops */
};

static __always_inline int xvs_vid_in(const __u64 *bitmap, __u16 vid)
{
	return (bitmap[(vid >> 6) & (XVS_VLAN_WORDS - 1)] >> (vid & 63)) & 1;
}

/* The VLAN an untagged (or priority-tagged) frame joins on this port. */
static __always_inline __u16 xvs_port_untagged_vlan(const struct xvs_port *p)
{
	switch (p->mode) {
	case XVS_VLAN_ACCESS:
		return p->access_vid;
	case XVS_VLAN_TRUNK:
		return p->native_vid;
	case XVS_VLAN_ISOLATED:
	case XVS_VLAN_COMMUNITY:
		return p->pvlan_secondary;
	case XVS_VLAN_PROMISCUOUS:
		return p->pvlan_primary;
	}
	return 0;
}

/*
 * Whether port p sends frames of this VLAN. Private VLANs are membership rules: an isolated
 * port hears only its primary (so never another isolated port), a community port its primary
 * and its own community, a promiscuous port its primary and all its secondaries.
 */
static __always_inline int xvs_port_is_member(const struct xvs_port *p, __u16 vlan)
{
	switch (p->mode) {
	case XVS_VLAN_TRUNK:
		return vlan == p->native_vid || (vlan && xvs_vid_in(p->trunk_vids, vlan));
	case XVS_VLAN_ISOLATED:
		return vlan == p->pvlan_primary;
	case XVS_VLAN_COMMUNITY:
		return vlan == p->pvlan_primary || vlan == p->pvlan_secondary;
	case XVS_VLAN_PROMISCUOUS:
		return vlan == p->pvlan_primary || (vlan && xvs_vid_in(p->trunk_vids, vlan));
	}
	return vlan == xvs_port_untagged_vlan(p);
}

/*
 * Classify a frame arriving on port p. Fills f; returns XVS_CONTINUE or a drop reason.
 * Rules, in order: outer 0x88a8/0x9100 dropped; ethertype 0x88b5/0x88b6 (the switch's own, in
 * front of or right behind the tag) dropped; VID 4095 dropped; VID 0 followed by another
 * tag dropped; VID 0 = priority tag = untagged; VID != 0 only on a trunk and only if allowed.
 * The outer tag comes from the shim (in the bytes for XDP, possibly out of band for TC).
 */
static __always_inline int xvs_vlan_ingress(xvs_ctx_t *ctx, const struct xvs_port *p,
					    struct xvs_frame *f)
{
	struct xvs_outer_tag t = {};
	__u16 vid;

	if (xvs_read_outer_tag(ctx, &t) != XVS_SHIM_OK)
		return XVS_DROP_MALFORMED;

	if (t.tpid == bpf_htons(XVS_TPID_8021AD) || t.tpid == bpf_htons(XVS_TPID_QINQ))
		return XVS_DROP_BAD_TPID;

	if (xvs_is_canonical_tpid(t.tpid))
		return XVS_DROP_RESERVED_ETHERTYPE;
	if (t.tpid != bpf_htons(XVS_TPID_8021Q)) {
		f->vlan = xvs_port_untagged_vlan(p);
		f->pcp_dei = 0;
		f->tagged = 0;
		return XVS_CONTINUE;
	}

	vid = t.tci & XVS_VID_MASK;
	/* What follows the tag is at offset 12 once the tag is removed: it must not look like a
	 * frame in canonical form either (lib/output.h). */
	if (xvs_is_canonical_tpid(t.inner))
		return XVS_DROP_RESERVED_ETHERTYPE;

	if (vid == XVS_VID_RESERVED)
		return XVS_DROP_VID_4095;
	if (vid == 0) {
		if (xvs_is_tag_tpid(t.inner))
			return XVS_DROP_VLAN0_STACKING;
		f->vlan = xvs_port_untagged_vlan(p);
	} else {
		if (p->mode != XVS_VLAN_TRUNK || !xvs_vid_in(p->trunk_vids, vid))
			return XVS_DROP_FILTERED_VLAN;
		f->vlan = vid;
	}
	f->pcp_dei = t.tci & XVS_PCP_DEI_MASK;
	f->tagged = 1;
	return XVS_CONTINUE;
}

/*
 * Whether port p may send a frame of f's VLAN now (link up, member), and then:
 * make the frame what port p must send: check link and membership, then tag it when it leaves
 * a trunk in a non-native VLAN, untag it otherwise. PCP/DEI of a tagged frame are kept; an
 * untagged frame leaves a trunk with PCP 0. Returns XVS_CONTINUE or a drop reason.
 */
static __always_inline int xvs_vlan_egress_allowed(const struct xvs_port *p,
						   const struct xvs_frame *f)
{
	if (!(p->flags & XVS_PORT_LINK_UP))
		return XVS_DROP_EGRESS_LINK_DOWN;
	if (!xvs_port_is_member(p, f->vlan))
		return XVS_DROP_EGRESS_VLAN;
	return XVS_CONTINUE;
}

/* Whether port p sends frames of f's VLAN tagged. */
static __always_inline int xvs_port_tags(const struct xvs_port *p, const struct xvs_frame *f)
{
	return p->mode == XVS_VLAN_TRUNK && f->vlan != p->native_vid;
}

static __always_inline int xvs_vlan_egress(xvs_ctx_t *ctx, const struct xvs_port *p,
					   struct xvs_frame *f)
{
	int want_tag, ret = xvs_vlan_egress_allowed(p, f);
	__u16 tci = f->pcp_dei | f->vlan;

	if (ret != XVS_CONTINUE)
		return ret;

	want_tag = xvs_port_tags(p, f);
	if (want_tag && f->tagged) {
		ret = xvs_tag_rewrite(ctx, tci);
	} else if (want_tag) {
		ret = xvs_tag_push(ctx, tci);
		f->len += XVS_VLAN_HLEN;
	} else if (f->tagged) {
		ret = xvs_tag_pop(ctx);
		f->len -= XVS_VLAN_HLEN;
	}
	f->tagged = want_tag;
	return ret;
}

/*
 * A frame larger than the egress port's MTU is dropped (mtu-exceeded), never truncated. The
 * device MTU is read when the frame is sent, so `ip link set ... mtu` takes effect at once;
 * frames that fit the IPv6 minimum link MTU are never checked (every link carries them), so
 * ordinary traffic pays nothing.
 */
#define XVS_MTU_CHECK_ABOVE 1280

static __always_inline int xvs_mtu_check(xvs_ctx_t *ctx, __u32 ifindex, const struct xvs_frame *f)
{
	__u32 l3 = f->len - XVS_ETH_HLEN - (f->tagged ? XVS_VLAN_HLEN : 0), mtu;

	if (f->len < XVS_ETH_HLEN + XVS_VLAN_HLEN || l3 <= XVS_MTU_CHECK_ABOVE)
		return XVS_CONTINUE;
	/* A GSO superframe (TC) is many frames on the wire: each segment must fit, not the sum. */
	if (xvs_is_superframe(ctx))
		return xvs_segments_fit(ctx, ifindex) ? XVS_CONTINUE : XVS_DROP_MTU_EXCEEDED;
	mtu = xvs_dev_mtu(ctx, ifindex);
	return mtu && l3 > mtu ? XVS_DROP_MTU_EXCEEDED : XVS_CONTINUE;
}

#endif
