/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The context shim, TC flavour (clsact, cls_bpf direct-action): the same names as lib/ctx.h,
 * over struct __sk_buff. A program file includes exactly one of the two shims, first; both
 * use the include guard XVS_LIB_CTX_H.
 *
 * What differs from XDP, and is hidden here:
 * - The outer VLAN tag is usually not in the bytes: the kernel moves an 802.1Q/802.1ad tag of
 *   a received frame out of band (skb->vlan_tci) before TC ingress runs, and lib/tag_tc.h
 *   pushes tags out of band too. xvs_read_outer_tag and xvs_frame_len present the frame as it
 *   is on the wire: the out-of-band tag is the outer tag and counts 4 bytes. A tag still in
 *   the bytes (a frame from the host stack at TC egress, or BPF_PROG_TEST_RUN) is read there.
 * - A frame may be a GSO superframe (up to 64 KB, many frames on the wire): the MTU check
 *   asks whether each segment fits (xvs_is_superframe, xvs_segments_fit).
 * - Only the linear part of an skb is readable directly: the entry points call
 *   xvs_tc_pull_headers first so the headers xvs reads are in it.
 */
#ifndef XVS_LIB_CTX_H
#define XVS_LIB_CTX_H

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "eth.h"
#include "xvs_abi.h"

typedef struct __sk_buff xvs_ctx_t;

/* Ethernet, two tags and an ethertype: every header the pipeline reads directly. */
#define XVS_TC_HDR_BYTES (XVS_ETH_HLEN + 2 * XVS_VLAN_HLEN + 2)

static __always_inline void *xvs_data(xvs_ctx_t *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *xvs_data_end(xvs_ctx_t *ctx)
{
	return (void *)(long)ctx->data_end;
}

/* Make the first `len` bytes directly readable (up to the frame's end): pulled into the
 * linear part only when it is shorter, which for most frames it is not. */
static __always_inline void xvs_make_readable(xvs_ctx_t *ctx, __u32 len)
{
	if (len > ctx->len)
		len = ctx->len;
	if (xvs_data(ctx) + len > xvs_data_end(ctx))
		bpf_skb_pull_data(ctx, len);
}

/* Make the headers directly readable when the skb's linear part is shorter (rare). */
static __always_inline void xvs_tc_pull_headers(xvs_ctx_t *ctx)
{
	xvs_make_readable(ctx, XVS_TC_HDR_BYTES);
}

/* Bytes of the frame on the wire: the skb's bytes and an out-of-band tag. For a GSO
 * superframe, the bytes of all its segments' payloads and one set of headers. */
static __always_inline __u32 xvs_frame_len(xvs_ctx_t *ctx)
{
	return ctx->len + (ctx->vlan_present ? XVS_VLAN_HLEN : 0);
}

/* The netdev the program runs on: the port at ingress, the uplink at egress. */
static __always_inline __u32 xvs_ingress_ifindex(xvs_ctx_t *ctx)
{
	return ctx->ifindex;
}

static __always_inline __u32 xvs_egress_ifindex(xvs_ctx_t *ctx)
{
	return ctx->ifindex;
}

#define XVS_SHIM_OK        0
#define XVS_SHIM_MALFORMED 1

struct xvs_outer_tag {
	__be16 tpid;
	__u16  tci;
	__be16 inner;
};

/* The outer tag: out of band if the skb has one (then the ethertype in the bytes is what
 * follows it), else in the bytes as for XDP. */
static __always_inline int xvs_read_outer_tag(xvs_ctx_t *ctx, struct xvs_outer_tag *t)
{
	struct xvs_ethhdr *eth = xvs_data(ctx);
	void *data_end = xvs_data_end(ctx);
	struct xvs_vlanhdr *vh;

	if ((void *)(eth + 1) > data_end)
		return XVS_SHIM_MALFORMED;
	if (ctx->vlan_present) {
		t->tpid = (__be16)ctx->vlan_proto;
		t->tci = (__u16)ctx->vlan_tci;
		t->inner = eth->proto;
		return XVS_SHIM_OK;
	}
	t->tpid = eth->proto;
	if (eth->proto != bpf_htons(XVS_TPID_8021Q))
		return XVS_SHIM_OK;
	vh = (void *)(eth + 1);
	if ((void *)(vh + 1) > data_end)
		return XVS_SHIM_MALFORMED;
	t->tci = bpf_ntohs(vh->tci);
	t->inner = vh->proto;
	return XVS_SHIM_OK;
}

/*
 * Where the L3 header starts, for a frame whose outer tag the pipeline knows about (tagged:
 * struct xvs_frame's field): after the MACs, an outer tag if it is in the bytes (not out of
 * band), and the ethertype. Code that parses past Ethernet (guards, ACLs) uses this.
 */
static __always_inline __u32 xvs_l3_offset(xvs_ctx_t *ctx, int tagged)
{
	return XVS_ETH_HLEN + (tagged && !ctx->vlan_present ? XVS_VLAN_HLEN : 0);
}

/* The MTU (L3 bytes) of netdev ifindex, as configured now; 0 if it cannot be read. */
static __always_inline __u32 xvs_dev_mtu(xvs_ctx_t *ctx, __u32 ifindex)
{
	__u32 mtu = 0;

	bpf_check_mtu(ctx, ifindex, &mtu, 0, 0);
	return mtu;
}

/* A GSO superframe: the stack (or a VM's virtio/veth TSO) hands over up to 64 KB that the
 * device or the receiver cuts into segments of gso_size payload bytes. */
static __always_inline int xvs_is_superframe(xvs_ctx_t *ctx)
{
	return ctx->gso_size != 0;
}

/* Whether every segment of a superframe fits netdev ifindex's MTU. */
static __always_inline int xvs_segments_fit(xvs_ctx_t *ctx, __u32 ifindex)
{
	__u32 mtu = 0;

	return bpf_check_mtu(ctx, ifindex, &mtu, 0, BPF_MTU_CHK_SEGS) == BPF_MTU_CHK_RET_SUCCESS;
}

/* Copy the skb's first `len` bytes after `hdr` into a perf event array. */
static __always_inline long xvs_perf_output(xvs_ctx_t *ctx, void *map, __u32 len, void *hdr,
					    __u32 hdr_len)
{
	return bpf_perf_event_output(ctx, map, ((__u64)len << 32) | BPF_F_CURRENT_CPU, hdr, hdr_len);
}

/* Fill in the length of a captured frame; return how many bytes to copy. An out-of-band tag
 * travels in the header, and `xvs capture` puts it back after the MACs. */
static __always_inline __u32 xvs_capture_fill(xvs_ctx_t *ctx, struct xvs_capture_hdr *h)
{
	h->len = xvs_frame_len(ctx);
	h->caplen = ctx->len;
	if (ctx->vlan_present) {
		h->flags = XVS_CAPTURE_TAG_OOB;
		h->tci = (__u16)ctx->vlan_tci;
		h->tpid = bpf_ntohs((__be16)ctx->vlan_proto);
	}
	return h->caplen;
}

#define XVS_VERDICT_DROP     TC_ACT_SHOT
#define XVS_VERDICT_PASS     TC_ACT_OK
#define XVS_VERDICT_REDIRECT TC_ACT_REDIRECT

#endif
