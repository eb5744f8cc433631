// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Benchmark helpers for xvs (build/xvs-trafgen loads them from the xvs_trafgen skeleton).
 *
 *   xvs_bench_refl  the traffic source of the benchmark: a reflector at each end of the device
 *                   under test. It counts every frame and sends it back out of the port it
 *                   came in on (XDP_TX), so a few hundred frames injected once circulate
 *                   through the device under test in both directions, entirely in softirq.
 *                   Unicast: swaps the MAC addresses (optionally rotating the destination over
 *                   N addresses); floods: writes its own source MAC and keeps the broadcast
 *                   destination. When its stop flag is set it counts the frame as drained and
 *                   drops it, which ends the loop.
 *   xvs_bench_sink  counts frames in a per-CPU array and drops them (the ports of a flood that
 *                   do not reflect).
 *   xvs_bench_bare  the baseline forwarder: one bpf_redirect_map into a DEVMAP (unicast to
 *                   slot 0, or broadcast to every slot).
 *   xvs_bench_pass  returns XDP_PASS: the floor for per-packet cost under BPF_PROG_TEST_RUN.
 *   xvs_bench_rot   for per-packet cost with many destinations: rotates the destination MAC
 *                   like the reflector (or the source MAC: many senders), then tail-calls the
 *                   program under test.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <stdbool.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Reflector settings: refl_own_src set = flood mode (write refl_src as the source MAC and keep
 * the destination); otherwise swap source and destination. Ordinary global data: the MAC is
 * copied byte by byte from a const volatile array clang would fold to the zero initialiser. */
const volatile __u32 refl_own_src;
__u8 refl_src[6];

/* Bare forwarder: broadcast to every devmap slot instead of unicast to slot 0. */
const volatile __u32 bare_broadcast;
/* Bare forwarder with egress (trafgen bare attach --egress): the devmap entries get
 * xvs_bench_egress, which checks each frame for the switch's canonical tag and lets it go, as
 * xvs_egress does with a finished frame (what the one-devmap output path costs per frame,
 * bpf/lib/output.h). */

#define BENCH_TPID_CANONICAL 0x88b5

/* Destination rotation (reflector and xvs_bench_rot): when rot_count > 1, destination MAC
 * bytes 3..5 become a pseudo-random index below rot_count, so consecutive frames hit
 * different FDB entries (and different cache lines) the way real traffic does. */
__u32 rot_count;
__u32 rot_seq;
/* xvs_bench_rot only: rotate the source MAC instead (many senders behind one port). */
__u32 rot_src;

/* Per-CPU frame counters of a sink or reflector: BENCH_COUNTED frames counted while running,
 * BENCH_DRAINED frames a stopped reflector dropped (the frames still in flight at the end). */
enum { BENCH_COUNTED, BENCH_DRAINED, BENCH_NCOUNT };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BENCH_NCOUNT);
	__type(key, __u32);
	__type(value, __u64);
} bench_count SEC(".maps");

/* Reflector control, written by xvs-trafgen circulate: slot 0 non-zero = stop (drop, count as
 * drained). An ARRAY lookup is inlined by the verifier: no helper call per frame. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_ctl SEC(".maps");

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

static __always_inline void count(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&bench_count, &slot);

	if (c)
		*c += 1;
}

/* The benchmark's own frames: IPv4 UDP 10.0.0.1 -> 10.0.0.2 (trafgen.c build_frame), behind at
 * most one 802.1Q tag. A reflector sends back nothing else: anything the device under test
 * emits by itself (a bridge's IGMP report, say) would otherwise join the loop for good. */
static __always_inline bool bench_frame(__u8 *data, __u8 *data_end)
{
	__u8 *ip = data + 14;

	if (data + 18 <= data_end && data[12] == 0x81 && data[13] == 0x00)
		ip += 4;
	else if (data + 14 > data_end)
		return false;
	if (ip + 20 > data_end || ip[-2] != 0x08 || ip[-1] != 0x00)
		return false;
	return ip[9] == 17 /* UDP */ && *(__u32 *)(ip + 12) == __builtin_bswap32(0x0a000001) &&
	       *(__u32 *)(ip + 16) == __builtin_bswap32(0x0a000002);
}

SEC("xdp")
int xvs_bench_refl(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, *stop = bpf_map_lookup_elem(&bench_ctl, &zero);
	__u8 mac[6];

	if (!bench_frame(data, data_end))
		return XDP_DROP;
	if (!stop || *stop) {
		count(BENCH_DRAINED);
		return XDP_DROP;
	}
	count(BENCH_COUNTED);
	if (refl_own_src) {
		__builtin_memcpy(data + 6, refl_src, 6);
	} else {
		__builtin_memcpy(mac, data, 6);
		__builtin_memcpy(data, data + 6, 6);
		__builtin_memcpy(data + 6, mac, 6);
		rotate_dst(data);
	}
	/* Back out of the port it came in on. A veth kicks its peer's NAPI after XDP_TX only if
	 * the peer has an XDP program (bench.sh gives the bridge's ports an XDP_PASS one). */
	return XDP_TX;
}

SEC("xdp")
int xvs_bench_sink(struct xdp_md *ctx __attribute__((unused)))
{
	count(BENCH_COUNTED);
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
	if (data + 12 > data_end)
		return XDP_ABORTED;
	rotate_dst(rot_src ? data + 6 : data);
	bpf_tail_call(ctx, &bench_jmp, 0);
	return XDP_ABORTED;
}
