/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Port mirroring: every frame a mirror-source port receives or sends is copied to every
 * mirror-destination port of the switch.
 *
 * XDP sends a frame once, so a mirrored frame is broadcast in canonical form through xvs_tx
 * with the mirror mark (lib/output.h): the port the frame is for does its usual egress work,
 * destination ports send a mirror copy, all others drop their copy without counting it. For
 * known unicast, "the port the frame is for" is what the FDB says, looked up again by each
 * copy (only mirrored traffic pays for it); if the entry changed in between, the copy follows
 * the FDB as it is now, as a frame arriving a moment later would.
 * A mirror copy carries the 802.1Q tag of the frame's VLAN (none for the untagged network),
 * so a monitor sees which VLAN every frame belonged to.
 *
 * Userspace (loader/mirror.c) keeps the decisions cheap: XVS_PORT_MIRRORED on source ports
 * only while the switch has a destination, and xvs_mirror_vlan[vid] = how many mirrored
 * sources are members of vid (for floods, which may reach a source port).
 */
#ifndef XVS_LIB_MIRROR_H
#define XVS_LIB_MIRROR_H

/* The flavour's shim (lib/ctx.h or lib/ctx_tc.h) is included by the program file first. */
#ifndef XVS_LIB_CTX_H
#error "include a context shim first: lib/ctx.h (XDP) or lib/ctx_tc.h (TC)"
#endif

#include "maps.h"
#include "stats.h"
#include "vlan.h"
#include "capture.h"
#include "fdb.h"

static __always_inline int xvs_port_mirrored(const struct xvs_port *p)
{
	return p->flags & XVS_PORT_MIRRORED;
}

/* A flood needs mirror copies if a mirrored source sent it, or one may receive it. */
static __always_inline int xvs_flood_mirrored(const struct xvs_port *in, __u16 vlan)
{
	__u32 key = vlan, *sources;

	if (xvs_port_mirrored(in))
		return 1;
	sources = bpf_map_lookup_elem(&xvs_mirror_vlan, &key);
	return sources && *sources;
}

/* In the egress program, for a frame with the mirror mark: is the frame itself for port p?
 * Known unicast is for the port the FDB names; a flood (multicast, unknown) for every member
 * whose link is up. */
static __always_inline int xvs_mirror_is_mine(xvs_ctx_t *ctx, const struct xvs_port *p,
					      const struct xvs_frame *f)
{
	struct xvs_ethhdr *eth = xvs_data(ctx);
	struct xvs_fdb_entry *e;

	if ((void *)(eth + 1) > xvs_data_end(ctx))
		return 0;
	if (!xvs_mac_is_multicast(eth->dst)) {
		e = xvs_fdb_lookup(eth->dst, xvs_fdb_vlan(f->vlan));
		if (e)
			return e->ifindex == p->ifindex;
	}
	return (p->flags & XVS_PORT_LINK_UP) && xvs_port_is_member(p, f->vlan);
}

/* In the egress program, on a destination port: send the mirror copy. */
static __always_inline int xvs_mirror_copy(xvs_ctx_t *ctx, const struct xvs_port *p,
					   struct xvs_frame *f)
{
	struct xvs_port_stats *st;

	if (!(p->flags & XVS_PORT_LINK_UP))
		return XVS_VERDICT_DROP;
	if (f->vlan == 0) {
		/* The untagged network: no tag to show. A frame with a tag inside is not sent
		 * untagged anywhere (lib/vlan.h), a mirror copy included. */
		if (xvs_tag_pop(ctx) != XVS_CONTINUE)
			return XVS_VERDICT_DROP;
		f->len -= XVS_VLAN_HLEN;
		f->tagged = 0;
	} else if (xvs_tag_rewrite(ctx, f->pcp_dei | f->vlan) != XVS_CONTINUE) {
		return XVS_VERDICT_DROP; /* the canonical tag becomes the 802.1Q tag it stands for */
	}
	if (xvs_mtu_check(ctx, p->ifindex, f) != XVS_CONTINUE)
		return xvs_drop(xvs_stats_of(p->id), XVS_DROP_MTU_EXCEEDED);
	xvs_capture_frame(ctx, p, XVS_CAPTURE_TX);
	st = xvs_stats_of(p->id);
	if (st) {
		st->tx_packets++;
		st->tx_bytes += f->len;
		st->mirrored++;
	}
	return XVS_VERDICT_PASS;
}

#endif
