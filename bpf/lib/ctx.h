/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The context shim: the only place that knows the dataplane runs as XDP.
 *
 * Every module in bpf/lib reaches packet bytes and resizes headers through these functions,
 * so the same logic can compile against another context (TC's __sk_buff) by providing a
 * second shim with the same names — never with #ifdefs inside the logic.
 */
#ifndef XVS_LIB_CTX_H
#define XVS_LIB_CTX_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

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

/* The MTU (L3 bytes) of netdev ifindex, as configured now; 0 if it cannot be read. */
static __always_inline __u32 xvs_dev_mtu(xvs_ctx_t *ctx, __u32 ifindex)
{
	__u32 mtu = 0;

	/* Whatever the verdict, the helper writes the device's MTU into mtu. */
	bpf_check_mtu(ctx, ifindex, &mtu, 0, 0);
	return mtu;
}

/* Copy the frame (its first `len` bytes) after `hdr` into a perf event array. */
static __always_inline long xvs_perf_output(xvs_ctx_t *ctx, void *map, __u32 len, void *hdr,
					    __u32 hdr_len)
{
	return bpf_perf_event_output(ctx, map, ((__u64)len << 32) | BPF_F_CURRENT_CPU, hdr, hdr_len);
}

#define XVS_VERDICT_DROP XDP_DROP
#define XVS_VERDICT_PASS XDP_PASS

#endif
