// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The xvs dataplane, XDP flavour: one loaded instance per switch. The pipeline itself is
 * shared with the TC flavour (bpf/xvs_tc.bpf.c) and lives in lib/pipeline.h; this file
 * selects the XDP shim (lib/ctx.h, lib/tag.h, lib/output.h) and holds the entry points.
 *
 *   xvs_ingress       attached to every port netdev: parse -> VLAN classify -> guards ->
 *                     ACL out -> QoS out -> learn -> lookup (storm-limit on floods); known
 *                     unicast gets its egress work (ACL in, tagging, QoS in) inline and
 *                     leaves through xvs_tx done; everything else is broadcast through xvs_tx
 *                     in canonical form (lib/output.h).
 *   xvs_egress        devmap egress program of every xvs_tx entry: lets finished frames go;
 *                     for a canonical frame (a flood copy, mirrored unicast), the port's
 *                     membership check, ACL in, tagging and QoS in (lib/egress.h); mirror
 *                     copies (lib/mirror.h).
 *   xvs_housekeeping  run once by the loader: starts the timer that keeps the coarse clock,
 *                     ages the FDB and expires ACL flows, and the min-weight share timer
 *                     (lib/qos.h), so the switch needs no userspace process.
 *
 * The program order matters: xvs_ingress is first so that `xdp-loader load` picks it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "lib/ctx.h"
#include "lib/eth.h"
#include "lib/maps.h"
#include "lib/stats.h"
#include "lib/tag.h"
#include "lib/vlan.h"
#include "lib/fdb.h"
#include "lib/capture.h"
#include "lib/mirror.h"
#include "lib/acl.h"
#include "lib/guard.h"
#include "lib/qos.h"
#include "lib/egress.h"
#include "lib/output.h"
#include "lib/pipeline.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* xdp.frags: jumbo frames arrive as several buffers; every header xvs reads or rewrites is
 * in the first one. */
SEC("xdp.frags")
int xvs_ingress(struct xdp_md *ctx)
{
	return xvs_ingress_pipeline(ctx);
}

/* Egress program of every xvs_tx entry: a finished frame goes as it is; a canonical one gets
 * its port's egress work here, or is a mirror copy, or is not for this port. */
SEC("xdp.frags/devmap")
int xvs_egress(struct xdp_md *ctx)
{
	__u32 ifindex = xvs_egress_ifindex(ctx);
	struct xvs_frame f = {};
	const struct xvs_port *p;
	int state;

	state = xvs_tx_state(ctx, &f);
	if (state == XVS_TX_DONE)
		return XDP_PASS;
	p = bpf_map_lookup_elem(&xvs_ports, &ifindex);
	if (!p)
		return XDP_DROP;
	if (state < 0)
		return xvs_drop(xvs_stats_of(p->id), XVS_DROP_INTERNAL);
	return xvs_port_output(ctx, p, &f, state == XVS_TX_MIRROR, 0);
}

#include "lib/housekeeping.h"
