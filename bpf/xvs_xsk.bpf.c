// SPDX-License-Identifier: MIT
/*
 * xvsd's program on the far end of a synthetic port's veth: every frame the switch sends to
 * the port arrives here and goes to the AF_XDP socket of the queue it arrived on (a veth
 * puts frames redirected into it on rx queue "sending CPU % queues"). A queue without a
 * socket passes the frame to the stack of this end, which has no address: it is dropped there.
 * One instance per port; xvsd fills xvs_xsks with one socket per queue.
 *
 * xdp.frags: a jumbo frame arrives as several buffers and goes to the socket whole (xvsd binds
 * with XDP_USE_SG and gets it as a chain of umem frames). A program without frags would also
 * keep the switch's end of the veth at MTU 3506 or less (docs/PLATFORM-NOTES.md).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define XVS_XSK_QUEUES 16

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XVS_XSK_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xvs_xsks SEC(".maps");

SEC("xdp.frags")
int xvs_xsk_rx(struct xdp_md *ctx)
{
	return bpf_redirect_map(&xvs_xsks, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
