// SPDX-License-Identifier: MIT
/*
 * The output path under a real batch: known-unicast frames and flood copies to the SAME port
 * in one flush. The kernel runs the devmap egress program of the first frame it queued for a
 * device on the whole batch, so a switch that sent unicast and floods through two devmaps
 * with different programs would leak canonical (tagged) flood copies onto access ports or
 * drop unicast frames. Each frame must arrive exactly as the VLAN table says.
 *
 * The batch comes from the benchmark helper xvs_bench_rot: it alternates the destination MAC
 * between a known station (idx 0, static on p2) and an unknown one (idx 1), then tail-calls the
 * switch's ingress program.
 *
 * Topology: p1 trunk 10 (the frames arrive tagged VID 10) | p2 access 10 | p3 trunk 10.
 *
 * XDP flavour only (TC has no devmap and no batch), and only where the kernel runs
 * BPF_PROG_TEST_RUN live frames.
 */
#include <errno.h>
#include <string.h>
#include "cases.h"
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xvs_trafgen.skel.h"

#define BATCH   48
#define WAIT_MS 300
#define DST_KNOWN   "02:00:00:00:00:00" /* what xvs_bench_rot writes for idx 0 */

static struct xvs_trafgen *rot;

static void setup_mixed(void)
{
	__u64 vids[XVS_VLAN_WORDS];
	__u32 zero = 0;
	int fd;

	xt_setup(3);
	if (xt_datapath != XVS_DATAPATH_XDP)
		return; /* the test skips itself */
	cr_assert(xvs_parse_vid_list("10", vids) == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p1", vids, 0) == 0);
	cr_assert(xvs_port_set_access(xt_sw, "p2", 10) == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p3", vids, 0) == 0);

	rot = xvs_trafgen__open();
	cr_assert(rot);
	for (struct bpf_program *p = bpf_object__next_program(rot->obj, NULL); p;
	     p = bpf_object__next_program(rot->obj, p))
		bpf_program__set_autoload(p, p == rot->progs.xvs_bench_rot);
	cr_assert(xvs_trafgen__load(rot) == 0);
	rot->bss->rot_count = 2;
	fd = xt_sw->ingress_fd;
	cr_assert(bpf_map_update_elem(bpf_map__fd(rot->maps.bench_jmp), &zero, &fd, 0) == 0);
}

static void teardown_mixed(void)
{
	if (rot)
		xvs_trafgen__destroy(rot);
	xt_teardown();
}

TestSuite(output, .init = setup_mixed, .fini = teardown_mixed);

static struct xt_rx rx[XT_MAX_PORTS + 1];

Test(output, unicast_and_flood_copies_to_one_port_in_one_batch_are_each_tagged_right)
{
	unsigned char in[128], want_untagged[2][128], want_tagged[128];
	__u8 mac[6];
	size_t len, lu, lt;
	int seen[2] = { 0, 0 }, err;

	if (xt_datapath != XVS_DATAPATH_XDP)
		cr_skip_test("the devmap batch is part of the XDP flavour only");
	cr_assert(xvs_parse_mac(DST_KNOWN, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 10, "p2") == 0, "%s", xvs_errmsg());

	len = xt_frame(in, DST_KNOWN, MAC_A, &TAG(TPID_Q, 3, 10), 1, ET_IP, 46);
	lu = xt_frame(want_untagged[0], DST_KNOWN, MAC_A, NULL, 0, ET_IP, 46);
	xt_frame(want_untagged[1], "02:00:00:00:00:01", MAC_A, NULL, 0, ET_IP, 46);
	lt = xt_frame(want_tagged, "02:00:00:00:00:01", MAC_A, &TAG(TPID_Q, 3, 10), 1, ET_IP, 46);

	err = xt_deliver_batch(bpf_program__fd(rot->progs.xvs_bench_rot), 1, in, len, BATCH);
	if (err == -EPERM)
		cr_skip_test("this kernel refuses BPF_PROG_TEST_RUN live frames (EPERM)");
	cr_assert_eq(err, 0, "live frames: %s", strerror(-err));
	xt_collect(rx, WAIT_MS);

	/* p2 gets every frame (half known unicast, half flood copies), all untagged. */
	cr_assert_eq(rx[2].count, BATCH, "p2 received %d frames, expected %d", rx[2].count, BATCH);
	for (int i = 0; i < rx[2].count; i++) {
		int idx = rx[2].data[i][5];

		cr_assert(idx == 0 || idx == 1, "frame %d to p2 has destination idx %d", i, idx);
		assert_frame(rx[2].data[i], rx[2].len[i], want_untagged[idx], lu);
		seen[idx]++;
	}
	cr_assert_eq(seen[0], BATCH / 2, "known unicast frames at p2: %d", seen[0]);
	cr_assert_eq(seen[1], BATCH / 2, "flood copies at p2: %d", seen[1]);
	/* p3 gets only the flood copies, still tagged VID 10 with their PCP. */
	cr_assert_eq(rx[3].count, BATCH / 2, "p3 received %d frames", rx[3].count);
	for (int i = 0; i < rx[3].count; i++)
		assert_frame(rx[3].data[i], rx[3].len[i], want_tagged, lt);
	cr_assert_eq(rx[1].count, 0, "a frame went back out of the ingress port");

	cr_assert_eq(xt_stats(2).tx_packets, BATCH);
	cr_assert_eq(xt_stats(3).tx_packets, BATCH / 2);
	cr_assert_eq(xt_stats(1).flooded, BATCH / 2);
	for (int p = 1; p <= 3; p++) {
		struct xvs_port_stats st = xt_stats(p);

		cr_assert_eq(total_drops(&st), 0, "p%d counted drops", p);
	}
}
