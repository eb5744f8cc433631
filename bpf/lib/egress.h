/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The egress work of one port, shared by every way a frame leaves the switch: known unicast
 * (done inline at ingress, both flavours), flood and mirror copies (XDP: in the devmap egress
 * program; TC: in the copy loop of lib/output_tc.h), and host traffic leaving the uplink
 * (TC egress hook). One set of egress functions, every caller.
 */
#ifndef XVS_LIB_EGRESS_H
#define XVS_LIB_EGRESS_H

/* The flavour's shim (lib/ctx.h or lib/ctx_tc.h) is included by the program file first. */
#ifndef XVS_LIB_CTX_H
#error "include a context shim first: lib/ctx.h (XDP) or lib/ctx_tc.h (TC)"
#endif

#include "maps.h"
#include "stats.h"
#include "vlan.h"
#include "capture.h"
#include "mirror.h"
#include "acl.h"
#include "qos.h"

/*
 * Make the frame what port p must send: the port's ACL in (lib/acl.h), link and VLAN
 * membership, tagging (lib/vlan.h), the port's MTU, its max-rate (lib/qos.h); then capture it
 * as sent. Every output path
 * of both flavours calls this once per frame and port, so every frame a port sends is checked
 * against its ACL in exactly once (mirror copies are not: they are a copy for the monitor).
 * XVS_CONTINUE, or XVS_VERDICT_DROP with the drop counted: an ACL or QoS drop on p, the port
 * whose policy it is; any other on st (the caller knows whose counter it is: where the frame entered
 * for known unicast, the egress port for copies).
 */
static __always_inline int xvs_egress_work(xvs_ctx_t *ctx, const struct xvs_port *p,
					   struct xvs_frame *f, struct xvs_port_stats *st)
{
	int ret = xvs_acl_check(ctx, p, f, XVS_ACL_IN);

	if (ret != XVS_CONTINUE)
		return xvs_drop(xvs_stats_of(p->id), ret);
	ret = xvs_vlan_egress(ctx, p, f);
	if (ret == XVS_CONTINUE)
		ret = xvs_mtu_check(ctx, p->ifindex, f);
	if (ret != XVS_CONTINUE)
		return xvs_drop(st, ret);
	/* Over the port's max-rate (f->len as sent): counted on p, whose limit it is. */
	if (xvs_qos_in(p, f) != XVS_CONTINUE)
		return xvs_drop(xvs_stats_of(p->id), XVS_DROP_QOS);
	xvs_capture_frame(ctx, p, XVS_CAPTURE_TX);
	return XVS_CONTINUE;
}

/*
 * Port p's share of a canonical frame offered to many ports (a flood, or a mirrored frame).
 * Is the frame itself for this port? A flood copy is for every member whose link is up; a
 * mirrored frame may be known unicast for one port only: `target` names it where the flavour
 * knows it (TC's copy loop), else (0) each copy finds it in the FDB (lib/mirror.h). Otherwise
 * the copy is simply not for this port — unless the frame is mirrored and p is a mirror
 * destination. XVS_VERDICT_PASS when p sends the (now finished) frame, else XVS_VERDICT_DROP.
 */
static __always_inline int xvs_port_output(xvs_ctx_t *ctx, const struct xvs_port *p,
					   struct xvs_frame *f, int mirror, __u32 target)
{
	int mine;

	if (mirror && target)
		mine = p->ifindex == target;
	else if (mirror)
		mine = xvs_mirror_is_mine(ctx, p, f);
	else
		mine = (p->flags & XVS_PORT_LINK_UP) && xvs_port_is_member(p, f->vlan);
	if (!mine)
		return mirror && p->mirror == XVS_MIRROR_DESTINATION ? xvs_mirror_copy(ctx, p, f) :
								      XVS_VERDICT_DROP;
	if (xvs_egress_work(ctx, p, f, xvs_stats_of(p->id)) != XVS_CONTINUE)
		return XVS_VERDICT_DROP;
	xvs_count_tx(p->id, f->len);
	return XVS_VERDICT_PASS;
}

#endif
