// SPDX-License-Identifier: MIT
/*
 * Flooding and delivery, observed at the far end of every port's veth: frames really leave
 * through the devmaps (live-frames BPF_PROG_TEST_RUN), and each flood copy gets its port's
 * egress work from the devmap egress program.
 *
 * Topology for most tests:  p1 access 10 | p2 access 10 | p3 access 20 |
 *                           p4 trunk 10,20 native 0 | p5 untagged
 */
#include "cases.h"

#define WAIT_MS 150

static void setup5(void)
{
	__u64 vids[XVS_VLAN_WORDS];

	xt_setup(5);
	cr_assert(xvs_port_set_access(xt_sw, "p1", 10) == 0);
	cr_assert(xvs_port_set_access(xt_sw, "p2", 10) == 0);
	cr_assert(xvs_port_set_access(xt_sw, "p3", 20) == 0);
	cr_assert(xvs_parse_vid_list("10,20", vids) == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p4", vids, 0) == 0);
}

TestSuite(flood, .init = setup5, .fini = xt_teardown);

static struct xt_rx rx[XT_MAX_PORTS + 1];

static void expect_only(const int *ports_that_receive, int n)
{
	expect_only_in(rx, ports_that_receive, n);
}

Test(flood, broadcast_reaches_exactly_the_other_members_of_its_vlan)
{
	unsigned char f[128], want_untagged[128], want_tagged[128];
	size_t len = xt_frame(f, BCAST, MAC_A, NULL, 0, ET_IP, 46);
	size_t lu = xt_frame(want_untagged, BCAST, MAC_A, NULL, 0, ET_IP, 46);
	size_t lt = xt_frame(want_tagged, BCAST, MAC_A, &TAG(TPID_Q, 0, 10), 1, ET_IP, 46);

	xt_deliver(1, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only((int[]){ 2, 4 }, 2);
	assert_frame(rx[2].data[0], rx[2].len[0], want_untagged, lu);
	assert_frame(rx[4].data[0], rx[4].len[0], want_tagged, lt);
	cr_assert_eq(xt_stats(1).flooded, 1);
	cr_assert_eq(xt_stats(2).tx_packets, 1);
	cr_assert_eq(xt_stats(2).tx_bytes, lu);
	cr_assert_eq(xt_stats(4).tx_bytes, lt);
	cr_assert_eq(xt_stats(3).tx_packets, 0);
	cr_assert_eq(xt_stats(5).tx_packets, 0);
	cr_assert_eq(xt_stats(1).tx_packets, 0, "flooded back out of the ingress port");
}

Test(flood, tagged_broadcast_from_trunk_is_untagged_for_access_members)
{
	unsigned char f[128], want[128];
	size_t len = xt_frame(f, BCAST, MAC_A, &TAG(TPID_Q, 5, 20), 1, ET_IP, 46);
	size_t lw = xt_frame(want, BCAST, MAC_A, NULL, 0, ET_IP, 46);

	xt_deliver(4, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only((int[]){ 3 }, 1);
	assert_frame(rx[3].data[0], rx[3].len[0], want, lw);
}

Test(flood, untagged_network_floods_to_untagged_ports_and_native_trunks)
{
	unsigned char f[128], want[128];
	size_t len = xt_frame(f, MCAST, MAC_A, NULL, 0, ET_IP, 46);
	size_t lw = xt_frame(want, MCAST, MAC_A, NULL, 0, ET_IP, 46);

	xt_deliver(5, f, len);
	xt_collect(rx, WAIT_MS);
	/* p4's native VLAN is 0: it is a member and sends VLAN 0 untagged. */
	expect_only((int[]){ 4 }, 1);
	assert_frame(rx[4].data[0], rx[4].len[0], want, lw);
}

Test(flood, unknown_unicast_floods_known_unicast_does_not)
{
	unsigned char f[128];
	size_t len;

	len = xt_frame(f, MAC_B, MAC_A, NULL, 0, ET_IP, 46);
	xt_deliver(1, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only((int[]){ 2, 4 }, 2);

	/* B answers from p2: now both are known. */
	len = xt_frame(f, MAC_A, MAC_B, NULL, 0, ET_IP, 46);
	xt_deliver(2, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only((int[]){ 1 }, 1);

	len = xt_frame(f, MAC_B, MAC_A, NULL, 0, ET_IP, 46);
	xt_deliver(1, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only((int[]){ 2 }, 1);
}

Test(flood, known_unicast_access_to_trunk_is_delivered_tagged)
{
	unsigned char f[128], want[128];
	__u8 mac[6];
	size_t len, lw;

	cr_assert(xvs_parse_mac(MAC_B, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 10, "p4") == 0);
	len = xt_frame(f, MAC_B, MAC_A, NULL, 0, ET_IP, 46);
	lw = xt_frame(want, MAC_B, MAC_A, &TAG(TPID_Q, 0, 10), 1, ET_IP, 46);
	xt_deliver(1, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only((int[]){ 4 }, 1);
	assert_frame(rx[4].data[0], rx[4].len[0], want, lw);
}

Test(flood, link_down_port_neither_sends_nor_receives)
{
	unsigned char f[128];
	__u8 mac[6];
	size_t len = xt_frame(f, BCAST, MAC_A, NULL, 0, ET_IP, 46);

	cr_assert(xvs_port_set_link(xt_sw, "p2", false) == 0);
	xt_deliver(1, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only((int[]){ 4 }, 1);

	/* Receiving: a frame from the down port is dropped and counted. */
	len = xt_frame(f, BCAST, MAC_B, NULL, 0, ET_IP, 46);
	cr_assert_eq(xt_run(2, f, len, NULL, NULL), XT_DROP);
	cr_assert_eq(xt_stats(2).drops[XVS_DROP_LINK_DOWN], 1);
	cr_assert(!xt_fdb_has(MAC_B, 10, NULL), "learned from a link-down port");

	/* Known unicast to the down port is dropped and counted. */
	cr_assert(xvs_parse_mac(MAC_B, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 10, "p2") == 0);
	len = xt_frame(f, MAC_B, MAC_A, NULL, 0, ET_IP, 46);
	cr_assert_eq(xt_run(1, f, len, NULL, NULL), XT_DROP);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_EGRESS_LINK_DOWN], 1);

	/* Up again: delivered. */
	cr_assert(xvs_port_set_link(xt_sw, "p2", true) == 0);
	xt_deliver(1, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only((int[]){ 2 }, 1);
}

Test(flood, flood_copy_with_inner_tag_is_not_sent_untagged)
{
	unsigned char f[128], want[128];
	struct xt_tag tags[2] = { TAG(TPID_Q, 0, 10), TAG(TPID_Q, 0, 99) };
	size_t len = xt_frame(f, BCAST, MAC_A, tags, 2, ET_IP, 46);
	size_t lw;

	/* p5 becomes a second trunk on 10: it gets the frame with both tags. Access members get
	 * nothing, because uncovering the inner tag would hand them a tagged frame. */
	__u64 vids[XVS_VLAN_WORDS];
	cr_assert(xvs_parse_vid_list("10", vids) == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p5", vids, 0) == 0);
	lw = xt_frame(want, BCAST, MAC_A, tags, 2, ET_IP, 46);
	xt_deliver(4, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only((int[]){ 5 }, 1);
	assert_frame(rx[5].data[0], rx[5].len[0], want, lw);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_SECOND_TAG], 1);
	cr_assert_eq(xt_stats(2).drops[XVS_DROP_SECOND_TAG], 1);
}

Test(flood, link_local_destinations_are_never_forwarded)
{
	static const char *const reserved[] = { "01:80:c2:00:00:00", "01:80:c2:00:00:01",
						"01:80:c2:00:00:02", "01:80:c2:00:00:0e" };
	unsigned char f[128];
	size_t len;

	for (size_t i = 0; i < 4; i++) {
		len = xt_frame(f, reserved[i], MAC_A, NULL, 0, 0x8809, 46);
		cr_assert_eq(xt_run(1, f, len, NULL, NULL), XT_DROP, "%s forwarded", reserved[i]);
		xt_deliver(1, f, len);
	}
	xt_collect(rx, WAIT_MS);
	expect_only(NULL, 0);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_RESERVED_MAC], 8);
	/* 01:80:c2:00:00:10 is outside the reserved block: flooded like any multicast. */
	len = xt_frame(f, "01:80:c2:00:00:10", MAC_A, NULL, 0, ET_IP, 46);
	cr_assert_eq(xt_run(1, f, len, NULL, NULL), XT_FWD);
}
