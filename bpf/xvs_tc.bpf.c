// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The xvs dataplane, TC flavour (clsact, cls_bpf direct-action): the same pipeline as the XDP
 * flavour (lib/pipeline.h), on skbs. It keeps what XDP on veth gives up: GSO/TSO superframes
 * and checksum offload pass through whole, so bulk TCP between VMs runs at the speed of the
 * kernel's own paths (docs/DATAPLANE.md: when to choose which). This file selects the TC shim
 * (lib/ctx_tc.h, lib/tag_tc.h, lib/output_tc.h) and holds the entry points.
 *
 *   xvs_ingress       clsact ingress of every port netdev: the whole pipeline (ACLs
 *                     included); known unicast leaves with bpf_redirect, floods and mirrored
 *                     frames as one clone per port
 *   xvs_uplink        clsact egress of an external switch's uplink, for BOTH flavours (an XDP
 *                     switch loads just this program from this object, on its own maps): the
 *                     host stack's own frames get the management OS port's treatment
 *                     (lib/host.h)
 *   xvs_housekeeping  as in the XDP flavour (lib/housekeeping.h)
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "lib/ctx_tc.h"
#include "lib/eth.h"
#include "lib/maps.h"
#include "lib/stats.h"
#include "lib/tag_tc.h"
#include "lib/vlan.h"
#include "lib/fdb.h"
#include "lib/capture.h"
#include "lib/mirror.h"
#include "lib/acl.h"
#include "lib/guard.h"
#include "lib/qos.h"
#include "lib/egress.h"
#include "lib/output_tc.h"
#include "lib/pipeline.h"
#include "lib/host.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("tc")
int xvs_ingress(struct __sk_buff *ctx)
{
	xvs_tc_pull_headers(ctx);
	return xvs_ingress_pipeline(ctx);
}

SEC("tc")
int xvs_uplink(struct __sk_buff *ctx)
{
	xvs_tc_pull_headers(ctx);
	return xvs_uplink_pipeline(ctx, ctx->ingress_ifindex);
}

#include "lib/housekeeping.h"
