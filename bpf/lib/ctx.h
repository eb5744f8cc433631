/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The context shim, XDP flavour: the only place that knows the dataplane runs as XDP.
 *
 * Every module in bpf/lib reaches packet bytes and resizes headers through these functions,
 * so the same logic compiles against TC's __sk_buff too: bpf/lib/ctx_tc.h provides the same
 * names. A program file includes exactly one of the two shims, first; both use the include
 * guard XVS_LIB_CTX_H, so the lib headers compile against whichever was included. Never
 * #ifdefs inside the logic.
 *
 * The other flavour-specific layers sit on top of this one: lib/tag.h (how a VLAN tag is
 * pushed, popped and rewritten) and lib/output.h (how a frame leaves the switch).
 */
#ifndef XVS_LIB_CTX_H
#define XVS_LIB_CTX_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "eth.h"
#include "xvs_abi.h"

typedef struct xdp_md xvs_ctx_t;

static __always_inline void *xvs_data(xvs_ctx_t *ctx)
{
	return (void *)(long)ctx->data;
}

static __always_inline void *xvs_data_end(xvs_ctx_t *ctx)
{
	return (void *)(long)ctx->data_end;
}

/* Bytes of the whole frame, including any fragments. */
static __always_inline __u32 xvs_frame_len(xvs_ctx_t *ctx)
{
	return bpf_xdp_get_buff_len(ctx);
}

/* Grow (delta < 0) or shrink (delta > 0) the frame at its head. 0 or -errno. */
static __always_inline int xvs_adjust_head(xvs_ctx_t *ctx, int delta)
{
	return bpf_xdp_adjust_head(ctx, delta);
}

static __always_inline __u32 xvs_ingress_ifindex(xvs_ctx_t *ctx)
{
	return ctx->ingress_ifindex;
}

static __always_inline __u32 xvs_egress_ifindex(xvs_ctx_t *ctx)
{
	return ctx->egress_ifindex;
}

/*
 * The outer VLAN tag as the switch sees it. XDP sees every tag in the bytes: tpid is the
 * ethertype after the MACs; if it is 802.1Q, tci and inner (the ethertype after the tag) are
 * read too. XVS_SHIM_OK, or XVS_SHIM_MALFORMED when the frame ends inside these headers.
 */
#define XVS_SHIM_OK        0
#define XVS_SHIM_MALFORMED 1

struct xvs_outer_tag {
	__be16 tpid;
	__u16  tci;
	__be16 inner;
};

static __always_inline int xvs_read_outer_tag(xvs_ctx_t *ctx, struct xvs_outer_tag *t)
{
	struct xvs_ethhdr *eth = xvs_data(ctx);
	void *data_end = xvs_data_end(ctx);
	struct xvs_vlanhdr *vh;

	if ((void *)(eth + 1) > data_end)
		return XVS_SHIM_MALFORMED;
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
 * struct xvs_frame's field): after the MACs, an outer tag if it is in the bytes, and the
 * ethertype. Code that parses past Ethernet (guards, ACLs) uses this, never a fixed offset:
 * on TC the outer tag is usually not in the bytes.
 */
static __always_inline __u32 xvs_l3_offset(xvs_ctx_t *ctx __attribute__((unused)), int tagged)
{
	return XVS_ETH_HLEN + (tagged ? XVS_VLAN_HLEN : 0);
}

/* Make the first `len` bytes directly readable (up to the frame's end). XDP: every header
 * xvs reads is in the first buffer already. */
static __always_inline void xvs_make_readable(xvs_ctx_t *ctx __attribute__((unused)),
					      __u32 len __attribute__((unused)))
{
}

/* The MTU (L3 bytes) of netdev ifindex, as configured now; 0 if it cannot be read. */
static __always_inline __u32 xvs_dev_mtu(xvs_ctx_t *ctx, __u32 ifindex)
{
	__u32 mtu = 0;

	/* Whatever the verdict, the helper writes the device's MTU into mtu. */
	bpf_check_mtu(ctx, ifindex, &mtu, 0, 0);
	return mtu;
}

/* An XDP frame is always one frame on the wire (a multi-buffer frame is still one frame). */
static __always_inline int xvs_is_superframe(xvs_ctx_t *ctx __attribute__((unused)))
{
	return 0;
}

static __always_inline int xvs_segments_fit(xvs_ctx_t *ctx __attribute__((unused)),
					    __u32 ifindex __attribute__((unused)))
{
	return 1;
}

/* Copy the frame (its first `len` bytes) after `hdr` into a perf event array. */
static __always_inline long xvs_perf_output(xvs_ctx_t *ctx, void *map, __u32 len, void *hdr,
					    __u32 hdr_len)
{
	return bpf_perf_event_output(ctx, map, ((__u64)len << 32) | BPF_F_CURRENT_CPU, hdr, hdr_len);
}

/* Fill in the length of a captured frame; return how many bytes to copy. XDP carries every
 * tag in the bytes, so the copy is the frame as it is. */
static __always_inline __u32 xvs_capture_fill(xvs_ctx_t *ctx, struct xvs_capture_hdr *h)
{
	h->len = xvs_frame_len(ctx);
	h->caplen = h->len;
	return h->caplen;
}

#define XVS_VERDICT_DROP     XDP_DROP
#define XVS_VERDICT_PASS     XDP_PASS
#define XVS_VERDICT_REDIRECT XDP_REDIRECT

#endif
