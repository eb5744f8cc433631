// SPDX-License-Identifier: MIT
/*
 * Jumbo frames (multi-buffer XDP) and the egress MTU: a 9000-byte frame is forwarded whole and
 * tagged correctly; a frame larger than the egress port's MTU is dropped and counted as
 * mtu-exceeded, never truncated; a frame that exactly fits passes, tag or no tag.
 *
 * Topology: p1 access 10 | p2 trunk 10 (its netdev's MTU set per test). The frames enter
 * at p1, whose veth (both ends) has MTU 9000, so they reach the switch whole.
 */
#include <stdlib.h>
#include "cases.h"

static void set_mtu(const char *dev, int mtu)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "ip link set dev %s mtu %d", dev, mtu);
	cr_assert(system(cmd) == 0, "%s failed", cmd);
}

static void setup2(void)
{
	__u64 vids[XVS_VLAN_WORDS];

	xt_setup(2);
	set_mtu("q1", 9000);
	set_mtu("p1", 9000);
	cr_assert(xvs_port_set_access(xt_sw, "p1", 10) == 0);
	cr_assert(xvs_parse_vid_list("10", vids) == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p2", vids, 0) == 0);
}

TestSuite(jumbo, .init = setup2, .fini = xt_teardown);


static void known_b_on_p2(void)
{
	__u8 mac[6];

	cr_assert(xvs_parse_mac(MAC_B, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 10, "p2") == 0);
}

static unsigned char in[XT_MAX_FRAME], out[XT_MAX_FRAME], want[XT_MAX_FRAME];

Test(jumbo, a_9000_byte_frame_is_forwarded_whole_and_tagged)
{
	size_t len, lw, olen = 0;

	set_mtu("p2", 9000);
	set_mtu("q2", 9000);
	known_b_on_p2();
	len = xt_frame(in, MAC_B, MAC_A, NULL, 0, ET_IP, 9000);
	lw = xt_frame(want, MAC_B, MAC_A, &TAG(TPID_Q, 0, 10), 1, ET_IP, 9000);
	cr_assert_eq(xt_run(1, in, len, out, &olen), XT_FWD);
	assert_frame(out, olen, want, lw);
	cr_assert_eq(xt_stats(2).tx_bytes, lw);
}

Test(jumbo, larger_than_the_egress_mtu_is_dropped_and_counted)
{
	size_t len;

	known_b_on_p2(); /* p2 keeps the default MTU of 1500 */
	len = xt_frame(in, MAC_B, MAC_A, NULL, 0, ET_IP, 1501);
	cr_assert_eq(xt_run(1, in, len, NULL, NULL), XT_DROP);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_MTU_EXCEEDED], 1);
	cr_assert_eq(xt_stats(2).tx_packets, 0);
	/* The MTU is read when the frame is sent: raising it lets the same frame through. */
	set_mtu("p2", 2000);
	set_mtu("q2", 2000);
	cr_assert_eq(xt_run(1, in, len, NULL, NULL), XT_FWD);
}

Test(jumbo, a_frame_that_exactly_fits_passes_with_its_tag)
{
	size_t len, olen = 0;

	known_b_on_p2();
	/* 1500 bytes of L3 payload: 1514 untagged, 1518 once tagged for the trunk. */
	len = xt_frame(in, MAC_B, MAC_A, NULL, 0, ET_IP, 1500);
	cr_assert_eq(xt_run(1, in, len, out, &olen), XT_FWD);
	cr_assert_eq(olen, 1518);
}

/*
 * A jumbo flood: three ports, p1 sends a 9000-byte broadcast. TC floods it to p2 and p3. On
 * XDP the frame arrives in several buffers, which the devmap cannot copy for a broadcast: it
 * is dropped and counted as jumbo-flood (never silently lost), and a small broadcast still
 * floods.
 */
static void setup3(void)
{
	xt_setup(3);
	for (int p = 1; p <= 3; p++) {
		char q[8];

		snprintf(q, sizeof(q), "q%d", p);
		set_mtu(q, 9000);
		set_mtu(xt_port(p), 9000);
	}
}

TestSuite(jumbo_flood, .init = setup3, .fini = xt_teardown);

Test(jumbo_flood, a_jumbo_broadcast_floods_on_tc_and_is_counted_on_xdp)
{
	static struct xt_rx rx[XT_MAX_PORTS + 1];
	size_t len = xt_frame(in, BCAST, MAC_A, NULL, 0, ET_IP, 9000);
	size_t small = xt_frame(want, BCAST, MAC_A, NULL, 0, ET_IP, 100);

	xt_deliver(1, in, len);
	xt_collect(rx, 300);
	if (xt_datapath == XVS_DATAPATH_TC) {
		expect_only_in(rx, (int[]){ 2, 3 }, 2);
		assert_frame(rx[2].data[0], rx[2].len[0], in, len);
		cr_assert_eq(xt_stats(1).drops[XVS_DROP_JUMBO_FLOOD], 0);
	} else {
		expect_only_in(rx, NULL, 0);
		cr_assert_eq(xt_stats(1).drops[XVS_DROP_JUMBO_FLOOD], 1, "counted as jumbo-flood");
	}
	xt_deliver(1, want, small);
	xt_collect(rx, 300);
	expect_only_in(rx, (int[]){ 2, 3 }, 2);
}
