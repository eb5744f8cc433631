// SPDX-License-Identifier: MIT
/*
 * The output path under a real batch: known-unicast frames and flood copies to the SAME port
 * in one flush. The kernel runs the devmap egress program of the first frame it queued for a
 * device on the whole batch, so a switch that sent unicast and floods through two devmaps
 * with different programs would leak canonical (tagged) flood copies onto access ports or
 * drop unicast frames. Each frame must arrive exactly as the VLAN table says.
 *
 * The batch: BATCH frames sent into p1 together (one sendmmsg, so one NAPI poll of p1 and one
 * devmap flush), alternating between a known station (static on p2) and an unknown one.
 *
 * Topology: p1 trunk 10 (the frames arrive tagged VID 10) | p2 access 10 | p3 trunk 10.
 */
#include "cases.h"

#define BATCH   48
#define WAIT_MS 300
#define DST_KNOWN   "02:00:00:00:00:00"
#define DST_UNKNOWN "02:00:00:00:00:01"

static void setup_mixed(void)
{
	__u64 vids[XVS_VLAN_WORDS];

	xt_setup(3);
	cr_assert(xvs_parse_vid_list("10", vids) == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p1", vids, 0) == 0);
	cr_assert(xvs_port_set_access(xt_sw, "p2", 10) == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p3", vids, 0) == 0);
}

TestSuite(output, .init = setup_mixed, .fini = xt_teardown);

static struct xt_rx rx[XT_MAX_PORTS + 1];

Test(output, unicast_and_flood_copies_to_one_port_in_one_batch_are_each_tagged_right)
{
	unsigned char in[2][128], want_untagged[2][128], want_tagged[128];
	const void *frames[BATCH];
	size_t lens[BATCH];
	__u8 mac[6];
	size_t len, lu, lt;
	int seen[2] = { 0, 0 };

	cr_assert(xvs_parse_mac(DST_KNOWN, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 10, "p2") == 0, "%s", xvs_errmsg());

	len = xt_frame(in[0], DST_KNOWN, MAC_A, &TAG(TPID_Q, 3, 10), 1, ET_IP, 46);
	xt_frame(in[1], DST_UNKNOWN, MAC_A, &TAG(TPID_Q, 3, 10), 1, ET_IP, 46);
	lu = xt_frame(want_untagged[0], DST_KNOWN, MAC_A, NULL, 0, ET_IP, 46);
	xt_frame(want_untagged[1], DST_UNKNOWN, MAC_A, NULL, 0, ET_IP, 46);
	lt = xt_frame(want_tagged, DST_UNKNOWN, MAC_A, &TAG(TPID_Q, 3, 10), 1, ET_IP, 46);
	for (int i = 0; i < BATCH; i++) {
		frames[i] = in[i % 2];
		lens[i] = len;
	}

	xt_deliver_frames(1, frames, lens, BATCH);
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
