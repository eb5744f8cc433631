/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Host traffic on the uplink: frames the host's own stack sends directly out of an external
 * switch's uplink netdev (an address or a route on the physical NIC itself, a packet socket,
 * a routed frame) never pass a port's ingress, so neither flavour's ingress program sees them.
 * The uplink's TC egress hook (xvs_uplink, attached for both flavours) gives them the
 * treatment of the management OS's own port: they enter the switch through the host port —
 * its link state, Ethernet checks, MAC spoofing, VLAN classification, guards, ACL and QoS
 * out — and leave through the uplink with the uplink's egress work (ACL in, membership, tag,
 * MTU, QoS in, capture, counters). They are not learned (the host port's netdev
 * never sent them) and not delivered to VMs (the host chose the wire).
 *
 * A switch without a management OS adapter (--no-management-os) gives the host no access to
 * its uplink: such frames are dropped, counted on the uplink as no-management-os.
 *
 * Frames the switch itself sends out of the uplink pass the same hook (TC redirects go
 * through the uplink's egress) and are let go untouched: they entered the switch through a
 * port, and the kernel remembers that port as the skb's ingress device.
 */
#ifndef XVS_LIB_HOST_H
#define XVS_LIB_HOST_H

/* The flavour's shim (lib/ctx_tc.h) is included by the program file first. */
#ifndef XVS_LIB_CTX_H
#error "include a context shim first: lib/ctx.h (XDP) or lib/ctx_tc.h (TC)"
#endif

#include "maps.h"
#include "stats.h"
#include "egress.h"
#include "pipeline.h"

struct xvs_host_find {
	__u32 ifindex;          /* the host port's netdev, 0 while not found */
};

static long xvs_host_find_one(__u32 index, struct xvs_host_find *h)
{
	__u32 id = index + 1, *ifindex = bpf_map_lookup_elem(&xvs_port_ids, &id);
	const struct xvs_port *p;

	if (!ifindex || !*ifindex)
		return 0;
	p = bpf_map_lookup_elem(&xvs_ports, ifindex);
	if (!p || p->kind != XVS_PORT_HOST)
		return 0;
	h->ifindex = *ifindex;
	return 1;
}

/* The management OS's port, or NULL if the switch has none. */
static __always_inline const struct xvs_port *xvs_host_port(void)
{
	struct xvs_host_find h = {};
	__u32 zero = 0, *last = bpf_map_lookup_elem(&xvs_port_ids, &zero);

	if (!last || !*last)
		return NULL;
	bpf_loop(*last < XVS_MAX_PORTS ? *last : XVS_MAX_PORTS - 1, xvs_host_find_one, &h, 0);
	return h.ifindex ? bpf_map_lookup_elem(&xvs_ports, &h.ifindex) : NULL;
}

/* A frame about to leave the uplink: switched (let go) or the host's own (treated). */
static __always_inline int xvs_uplink_pipeline(xvs_ctx_t *ctx, __u32 from_ifindex)
{
	__u32 ifindex = xvs_egress_ifindex(ctx);
	const struct xvs_port *uplink, *host;
	struct xvs_port_stats *st;
	struct xvs_frame f = {};
	int ret;

	if (from_ifindex && bpf_map_lookup_elem(&xvs_ports, &from_ifindex))
		return XVS_VERDICT_PASS; /* switched: it entered through a port */
	uplink = bpf_map_lookup_elem(&xvs_ports, &ifindex);
	if (!uplink)
		return XVS_VERDICT_PASS; /* not (or no longer) a port of this switch */
	host = xvs_host_port();
	if (!host)
		return xvs_drop(xvs_stats_of(uplink->id), XVS_DROP_NO_MGMT_OS);
	st = xvs_stats_of(host->id);
	ret = xvs_ingress_checks(ctx, host, &f, st);
	if (ret == XVS_CONTINUE)
		ret = xvs_ingress_policy(ctx, host, &f);
	if (ret != XVS_CONTINUE)
		return xvs_drop(st, ret);
	ret = xvs_egress_work(ctx, uplink, &f, st);
	if (ret != XVS_CONTINUE)
		return ret;
	xvs_count_tx(uplink->id, f.len);
	return XVS_VERDICT_PASS;
}

#endif
