/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * How a frame leaves the switch (XDP flavour): through ONE devmap, xvs_tx, whose every entry
 * carries the egress program xvs_egress.
 *
 * Why one devmap: the kernel queues redirected frames per egress device and CPU, and runs the
 * egress program of the FIRST frame queued on the whole batch. Two devmaps with different
 * programs for the same device would mix (a flood copy leaving untouched, or a finished
 * unicast frame processed twice). So every frame goes through the same program, and the
 * program tells from the frame itself what is left to do:
 *
 *   done       known unicast, whose egress work was already done inline at ingress (the
 *              egress port is known there, and doing it there is cheaper): an ordinary
 *              Ethernet frame, exactly as the port must send it. The egress program lets it go.
 *   canonical  flood copies and mirrored unicast: the frame carries one tag with its internal
 *              VLAN and PCP whose TPID is XVS_TPID_CANONICAL (0x88b5), or
 *              XVS_TPID_CANONICAL_MIRROR (0x88b6) when mirror destinations take a copy
 *              (lib/mirror.h). The egress program does the port's membership check and tagging,
 *              which turns the tag into an 802.1Q tag or removes it.
 *
 * The two cannot be confused: ingress drops every frame that would show 0x88b5/0x88b6 at
 * offset 12 once finished (reserved-ethertype, lib/vlan.h), and only xvs_ingress sends into
 * xvs_tx. The mark is in the frame's own bytes, and adds nothing to its length beyond the tag,
 * because (a) some kernels refuse bpf_xdp_adjust_meta to XDP programs ("program of this type
 * cannot use helper", seen on 6.18.44-fc-v1300), so the metadata area is not available, and
 * (b) the devmap refuses a frame longer than the device's MTU + Ethernet header + one tag, so
 * a header in front of a full-size frame would not fit.
 *
 * The output primitives below are what the shared pipeline (lib/pipeline.h) calls;
 * lib/output_tc.h provides the same names for TC, which needs no marks at all.
 */
#ifndef XVS_LIB_OUTPUT_H
#define XVS_LIB_OUTPUT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "eth.h"
#include "maps.h"
#include "stats.h"
#include "vlan.h"

/* Put the frame in canonical form: one tag, TPID canonical (or canonical-mirror), TCI the
 * frame's internal VLAN and PCP. XVS_CONTINUE or a drop reason. */
static __always_inline int xvs_make_canonical(xvs_ctx_t *ctx, struct xvs_frame *f, int mirror)
{
	__u16 tci = f->pcp_dei | f->vlan;
	int ret = XVS_CONTINUE;

	if (!f->tagged) {
		ret = xvs_tag_push(ctx, tci);
		f->len += XVS_VLAN_HLEN;
		f->tagged = 1;
	}
	if (ret != XVS_CONTINUE)
		return ret;
	return xvs_tag_write(ctx, mirror ? XVS_TPID_CANONICAL_MIRROR : XVS_TPID_CANONICAL, tci);
}

enum xvs_tx_state {
	XVS_TX_DONE      = 0, /* an ordinary frame: send as it is */
	XVS_TX_CANONICAL = 1, /* canonical: f filled in, egress work to do */
	XVS_TX_MIRROR    = 2, /* canonical, and mirror destinations take a copy */
};

/* In the egress program: which of the two the frame is; for a canonical one, fill f. */
static __always_inline int xvs_tx_state(xvs_ctx_t *ctx, struct xvs_frame *f)
{
	struct xvs_vlan_ethhdr *veth = xvs_data(ctx);
	struct xvs_ethhdr *eth = xvs_data(ctx);
	__u16 tci;

	if ((void *)(eth + 1) > xvs_data_end(ctx) || !xvs_is_canonical_tpid(eth->proto))
		return XVS_TX_DONE;
	if ((void *)(veth + 1) > xvs_data_end(ctx))
		return -1;
	tci = bpf_ntohs(veth->tci);
	f->vlan = tci & XVS_VID_MASK;
	f->pcp_dei = tci & XVS_PCP_DEI_MASK;
	f->tagged = 1;
	f->len = xvs_frame_len(ctx);
	return veth->tpid == bpf_htons(XVS_TPID_CANONICAL_MIRROR) ? XVS_TX_MIRROR : XVS_TX_CANONICAL;
}

/* ---- output primitives of the XDP flavour (called by lib/pipeline.h) ---- */

/* Send a finished frame to one port. XDP_REDIRECT, or XDP_DROP if the port has no entry. */
static __always_inline int xvs_out_redirect(struct xdp_md *ctx __attribute__((unused)),
					    __u32 ifindex)
{
	return bpf_redirect_map(&xvs_tx, ifindex, XDP_DROP);
}

/*
 * Is the whole frame (len bytes, from xvs_frame_len) in the first buffer? Written as packet
 * pointer comparisons, which the verifier allows every loader (a pointer subtraction needs
 * CAP_PERFMON). A first buffer is never larger than a page.
 */
static __always_inline int xvs_is_linear(struct xdp_md *ctx, __u32 len)
{
	void *data = xvs_data(ctx), *end = xvs_data_end(ctx);

	if (len > 4096)
		return 0;
	return !(data + len > end) && !(data + len < end);
}

/*
 * VMQ: hand a finished frame for port `out`, which arrived on the uplink, straight to out's
 * AF_XDP socket bound on the uplink rx queue it arrived on (map xvs_vmq, filled by xvsd), so it
 * skips the hop through the port device. XDP_REDIRECT, or XVS_VMQ_MISS when there is no socket
 * for this queue (xvsd has not bound it yet, or is letting go) or the frame is one the socket
 * cannot take (multi-buffer, or larger than a umem frame): the caller takes the normal path,
 * so turning VMQ on or off never loses a frame here. A failed lookup leaves no redirect
 * pending; the caller's next bpf_redirect_map sets its own.
 */
#define XVS_VMQ_MISS XDP_PASS
static __always_inline int xvs_out_vmq(struct xdp_md *ctx, const struct xvs_port *out)
{
	__u32 q = ctx->rx_queue_index, len = xvs_frame_len(ctx);

	if (q >= XVS_VMQ_QUEUES || len > XVS_VMQ_FRAME_MAX || !xvs_is_linear(ctx, len))
		return XVS_VMQ_MISS;
	return bpf_redirect_map(&xvs_vmq, (__u32)out->id * XVS_VMQ_QUEUES + q, XVS_VMQ_MISS);
}

/*
 * Can the devmap make copies of this frame (a flood, or a mirrored unicast)? Not when it is
 * multi-buffer: the kernel copies each broadcast copy but the last with xdpf_clone(), which
 * takes one page and no fragments, and one failed copy fails the whole redirect — every port
 * would miss the frame and nothing would count it. So such a frame is dropped as jumbo-flood
 * before it is offered (a jumbo known unicast, one destination, is not copied and is fine).
 */
static __always_inline int xvs_can_copy(struct xdp_md *ctx)
{
	return xvs_is_linear(ctx, xvs_frame_len(ctx));
}

/*
 * Offer a canonical frame to every port but the ingress one: the devmap copies it and each
 * copy's egress program does its port's work (lib/egress.h: xvs_port_output). The mark in the
 * TPID says whether mirror destinations take a copy; a mirrored unicast's port is found again
 * in the FDB by each copy (lib/mirror.h), so `target` is not needed here.
 */
static __always_inline int xvs_out_copies(struct xdp_md *ctx __attribute__((unused)),
					  const struct xvs_port *in __attribute__((unused)),
					  struct xvs_frame *f __attribute__((unused)),
					  int mirror __attribute__((unused)),
					  __u32 target __attribute__((unused)))
{
	return bpf_redirect_map(&xvs_tx, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
}

#endif
