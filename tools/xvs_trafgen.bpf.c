// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Benchmark helpers for xvs (build/xvs-trafgen loads them from the xvs_trafgen skeleton).
 *
 *   xvs_bench_gen   traffic generator for BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES:
 *                   rewrites the Ethernet header (optionally rotating the destination MAC over
 *                   N addresses) and redirects every frame out of gen_ifindex.
 *   xvs_bench_sink  counts frames in a per-CPU array and drops them: the far end of the
 *                   topology, where throughput is measured.
 *   xvs_bench_bare  the baseline forwarder: one bpf_redirect_map into a DEVMAP (unicast to
 *                   slot 0, or broadcast to every slot).
 *   xvs_bench_pass  returns XDP_PASS: the floor for per-packet cost under BPF_PROG_TEST_RUN.
 *   xvs_bench_rot   for per-packet cost with many destinations: rotates the destination MAC
 *                   like the generator, then tail-calls the program under test.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define BENCH_HDR_MAX 18 /* Ethernet header with one 802.1Q tag */

/* Generator settings. The header template is ordinary (mutable) global data on purpose:
 * from a const volatile array clang would fold the copy into stores of the zero initialiser. */
const volatile __u32 gen_ifindex;
__u32 gen_hdr_len;                      /* 14 or 18 */
__u8 gen_hdr[BENCH_HDR_MAX];            /* header every generated frame carries */

/* Bare forwarder: broadcast to every devmap slot instead of unicast to slot 0. */
const volatile __u32 bare_broadcast;
/* Bare forwarder with egress (trafgen bare attach --egress): the devmap entries get
 * xvs_bench_egress, which checks each frame for the switch's canonical tag and lets it go, as
 * xvs_egress does with a finished frame (what the one-devmap output path costs per frame,
 * bpf/lib/output.h). */

#define BENCH_TPID_CANONICAL 0x88b5

/* Destination rotation (generator and xvs_bench_rot): when rot_count > 1, destination MAC
 * bytes 3..5 become a pseudo-random index below rot_count, so consecutive frames hit
 * different FDB entries (and different cache lines) the way real traffic does. */
__u32 rot_count;
__u32 rot_seq;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} bench_devmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_jmp SEC(".maps");

/* Knuth's multiplicative hash: a cheap permutation-like scatter of the sequence number. */
static __always_inline void rotate_dst(__u8 *dst)
{
	__u32 n = rot_count, idx;

	if (n <= 1)
		return;
	idx = (rot_seq++ * 2654435761u) % n;
	dst[3] = (__u8)(idx >> 16);
	dst[4] = (__u8)(idx >> 8);
	dst[5] = (__u8)idx;
}

SEC("xdp")
int xvs_bench_gen(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *data_end = (void *)(long)ctx->data_end;

	if (data + BENCH_HDR_MAX > data_end)
		return XDP_ABORTED;
	/* Live-frames pages are recycled with whatever the path wrote into them (a pushed tag
	 * overwrites part of the source MAC): restore the header on every frame. */
	if (gen_hdr_len == BENCH_HDR_MAX)
		__builtin_memcpy(data, gen_hdr, BENCH_HDR_MAX);
	else
		__builtin_memcpy(data, gen_hdr, 14);
	rotate_dst(data);
	return bpf_redirect(gen_ifindex, 0);
}

SEC("xdp")
int xvs_bench_sink(struct xdp_md *ctx __attribute__((unused)))
{
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&bench_count, &zero);

	if (c)
		*c += 1;
	return XDP_DROP;
}

SEC("xdp")
int xvs_bench_bare(struct xdp_md *ctx __attribute__((unused)))
{
	if (bare_broadcast)
		return bpf_redirect_map(&bench_devmap, 0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
	return bpf_redirect_map(&bench_devmap, 0, 0);
}

SEC("xdp/devmap")
int xvs_bench_egress(struct xdp_md *ctx)
{
	__u16 *proto = (void *)(long)ctx->data + 12;

	if ((void *)(proto + 1) > (void *)(long)ctx->data_end ||
	    *proto == __builtin_bswap16(BENCH_TPID_CANONICAL))
		return XDP_DROP;
	return XDP_PASS;
}

/* xdp.frags: the pass baseline and the rotating wrapper share a prog array with the switch's
 * ingress program, and the kernel only tail-calls between programs of the same frags mode. */
SEC("xdp.frags")
int xvs_bench_pass(struct xdp_md *ctx __attribute__((unused)))
{
	return XDP_PASS;
}

SEC("xdp.frags")
int xvs_bench_rot(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *data_end = (void *)(long)ctx->data_end;

	if (data + 14 > data_end)
		return XDP_ABORTED;
	rotate_dst(data);
	bpf_tail_call(ctx, &bench_jmp, 0);
	return XDP_ABORTED;
}
