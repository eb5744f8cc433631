// SPDX-License-Identifier: MIT
/* Malformed frames, MAC spoofing, and exact rx/tx counters. */
#include "cases.h"

static void setup2(void)
{
	xt_setup(2);
}

TestSuite(input, .init = setup2, .fini = xt_teardown);

Test(input, runt_frames_are_dropped_as_malformed)
{
	unsigned char f[64] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x0a, 0x81, 0x00, 0x00, 0x0a };
	__u64 vids[XVS_VLAN_WORDS];

	/* The kernel does not hand XDP anything shorter than an Ethernet header; a frame that
	 * announces a tag and ends before it, or in the middle of it, is malformed. On the skb
	 * path the kernel drops such a frame itself (skb_vlan_untag) before TC runs. */
	if (xt_datapath == XVS_DATAPATH_TC)
		cr_skip_test("the kernel drops a frame with a truncated tag before TC sees it");
	cr_assert(xvs_parse_vid_list("10", vids) == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p1", vids, 0) == 0);
	cr_assert_eq(xt_run(1, f, 14, NULL, NULL), XT_DROP, "tag missing");
	cr_assert_eq(xt_run(1, f, 16, NULL, NULL), XT_DROP, "tag cut short");
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_MALFORMED], 2);
	cr_assert_eq(xt_stats(1).rx_packets, 2);
}

Test(input, mac_spoofing_protection_on_a_port_with_a_mac)
{
	unsigned char f[128];
	__u8 mac[6];
	size_t len;

	/* Re-add p1 with a configured MAC: spoofing protection is on by default. */
	cr_assert(xvs_port_del(xt_sw, "p1") == 0);
	cr_assert(xvs_parse_mac(MAC_A, mac) == 0);
	cr_assert(xvs_port_add(xt_sw, "p1", "p1", mac, XVS_PORT_VM) == 0, "%s", xvs_errmsg());
	len = xt_frame(f, BCAST, MAC_C, NULL, 0, ET_IP, 46);
	cr_assert_eq(xt_run(1, f, len, NULL, NULL), XT_DROP);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_MAC_SPOOFING], 1);
	cr_assert(!xt_fdb_has(MAC_C, 0, NULL), "spoofed MAC was learned");
	len = xt_frame(f, BCAST, MAC_A, NULL, 0, ET_IP, 46);
	cr_assert_eq(xt_run(1, f, len, NULL, NULL), XT_FWD);
	cr_assert(xt_fdb_has(MAC_A, 0, NULL));
	/* Allowed: any source goes. */
	cr_assert(xvs_port_set_mac_spoofing(xt_sw, "p1", true) == 0);
	len = xt_frame(f, BCAST, MAC_C, NULL, 0, ET_IP, 46);
	cr_assert_eq(xt_run(1, f, len, NULL, NULL), XT_FWD);
}

Test(input, counters_count_frames_and_bytes_exactly)
{
	unsigned char f[1600];
	size_t total = 0, len;
	__u8 mac[6];

	cr_assert(xvs_parse_mac(MAC_B, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 0, "p2") == 0);
	for (int i = 0; i < 10; i++) {
		len = xt_frame(f, MAC_B, MAC_A, NULL, 0, ET_IP, (size_t)(46 + 100 * i));
		total += len;
		cr_assert_eq(xt_run(1, f, len, NULL, NULL), XT_FWD);
	}
	cr_assert_eq(xt_stats(1).rx_packets, 10);
	cr_assert_eq(xt_stats(1).rx_bytes, total);
	cr_assert_eq(xt_stats(2).tx_packets, 10);
	cr_assert_eq(xt_stats(2).tx_bytes, total);
	cr_assert_eq(xt_stats(2).rx_packets, 0);
}

Test(input, a_removed_port_gets_nothing_and_its_entries_go)
{
	unsigned char f[128];
	size_t len;

	len = xt_frame(f, BCAST, MAC_B, NULL, 0, ET_IP, 46);
	cr_assert_eq(xt_run(2, f, len, NULL, NULL), XT_FWD);
	cr_assert(xt_fdb_has(MAC_B, 0, NULL));
	cr_assert(xvs_port_del(xt_sw, "p2") == 0);
	cr_assert(!xt_fdb_has(MAC_B, 0, NULL), "entry of a deleted port survived");
	/* The program no longer knows p2: frames arriving there are not forwarded. */
	cr_assert_eq(xt_run(2, f, len, NULL, NULL), XT_DROP);
}

/* 0x88b5/0x88b6 mark frames in canonical form inside the switch (bpf/lib/output.h). A frame
 * that would carry them at offset 12 on its way out — untagged, or right behind the tag the
 * switch removes — is dropped as reserved-ethertype, so no frame from outside can pass for a
 * flood copy and choose its own VLAN at the egress program. */
Test(input, the_switchs_own_ethertypes_are_refused)
{
	unsigned char f[128];
	__u64 vids[XVS_VLAN_WORDS];
	__u8 mac[6];
	size_t len;

	cr_assert(xvs_parse_vid_list("10,20", vids) == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p1", vids, 10) == 0);
	cr_assert(xvs_parse_mac(MAC_B, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 10, "p2") == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p2", vids, 0) == 0);
	len = xt_frame(f, MAC_B, MAC_A, NULL, 0, 0x88b5, 46);
	cr_assert_eq(xt_run(1, f, len, NULL, NULL), XT_DROP, "untagged 0x88b5");
	len = xt_frame(f, MAC_B, MAC_A, NULL, 0, 0x88b6, 46);
	cr_assert_eq(xt_run(1, f, len, NULL, NULL), XT_DROP, "untagged 0x88b6");
	len = xt_frame(f, MAC_B, MAC_A, &TAG(TPID_Q, 0, 20), 1, 0x88b5, 46);
	cr_assert_eq(xt_run(1, f, len, NULL, NULL), XT_DROP, "0x88b5 behind a tag");
	len = xt_frame(f, BCAST, MAC_A, &TAG(TPID_Q, 0, 0), 1, 0x88b6, 46);
	cr_assert_eq(xt_run(1, f, len, NULL, NULL), XT_DROP, "0x88b6 behind a priority tag");
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_RESERVED_ETHERTYPE], 4);
	cr_assert_eq(xt_stats(2).tx_packets, 0);
	/* Neighbours of the reserved values pass. */
	len = xt_frame(f, MAC_B, MAC_A, NULL, 0, 0x88b7, 46);
	cr_assert_eq(xt_run(1, f, len, NULL, NULL), XT_FWD);
}
