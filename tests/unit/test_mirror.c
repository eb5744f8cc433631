// SPDX-License-Identifier: MIT
/*
 * Port mirroring: frames a source port receives or sends are copied to the destination ports,
 * tagged with their VLAN (untagged for the untagged network); the frame itself still goes
 * exactly where it would have; ports that are neither get nothing more.
 *
 * Topology: p1 access 10 (source) | p2 access 10 | p3 untagged (destination) | p4 access 20
 */
#include "cases.h"

#define WAIT_MS 150

static void setup4(void)
{
	xt_setup(4);
	cr_assert(xvs_port_set_access(xt_sw, "p1", 10) == 0);
	cr_assert(xvs_port_set_access(xt_sw, "p2", 10) == 0);
	cr_assert(xvs_port_set_access(xt_sw, "p4", 20) == 0);
	cr_assert(xvs_port_set_mirror(xt_sw, "p1", XVS_MIRROR_SOURCE) == 0, "%s", xvs_errmsg());
	cr_assert(xvs_port_set_mirror(xt_sw, "p3", XVS_MIRROR_DESTINATION) == 0, "%s",
		  xvs_errmsg());
}

TestSuite(mirror, .init = setup4, .fini = xt_teardown);

static struct xt_rx rx[XT_MAX_PORTS + 1];

static void static_mac(const char *mac, __u16 vlan, const char *port)
{
	__u8 m[6];

	cr_assert(xvs_parse_mac(mac, m) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, m, vlan, port) == 0, "%s", xvs_errmsg());
}

Test(mirror, unicast_received_by_a_source_is_copied_tagged_to_the_destination)
{
	unsigned char f[128], plain[128], tagged[128];
	size_t len = xt_frame(f, MAC_B, MAC_A, NULL, 0, ET_IP, 46);
	size_t lp = xt_frame(plain, MAC_B, MAC_A, NULL, 0, ET_IP, 46);
	size_t lt = xt_frame(tagged, MAC_B, MAC_A, &TAG(TPID_Q, 0, 10), 1, ET_IP, 46);

	static_mac(MAC_B, 10, "p2");
	xt_deliver(1, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, (int[]){ 2, 3 }, 2);
	assert_frame(rx[2].data[0], rx[2].len[0], plain, lp);
	assert_frame(rx[3].data[0], rx[3].len[0], tagged, lt);
	cr_assert_eq(xt_stats(2).tx_packets, 1);
	cr_assert_eq(xt_stats(3).mirrored, 1);
	cr_assert_eq(xt_stats(3).tx_packets, 1);
	cr_assert_eq(xt_stats(4).tx_packets, 0);
}

Test(mirror, unicast_sent_by_a_source_is_copied_too)
{
	unsigned char f[128];
	size_t len = xt_frame(f, MAC_A, MAC_B, NULL, 0, ET_IP, 46);

	static_mac(MAC_A, 10, "p1");
	xt_deliver(2, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, (int[]){ 1, 3 }, 2);
	cr_assert_eq(xt_stats(3).mirrored, 1);
}

Test(mirror, floods_from_or_to_a_source_are_copied_others_are_not)
{
	unsigned char f[128], tagged[128];
	size_t len = xt_frame(f, BCAST, MAC_A, NULL, 0, ET_IP, 46);
	size_t lt = xt_frame(tagged, BCAST, MAC_A, &TAG(TPID_Q, 0, 10), 1, ET_IP, 46);

	xt_deliver(1, f, len); /* from the source */
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, (int[]){ 2, 3 }, 2);
	assert_frame(rx[3].data[0], rx[3].len[0], tagged, lt);

	len = xt_frame(f, BCAST, MAC_B, NULL, 0, ET_IP, 46);
	xt_deliver(2, f, len); /* reaches the source p1 */
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, (int[]){ 1, 3 }, 2);

	len = xt_frame(f, BCAST, MAC_C, NULL, 0, ET_IP, 46);
	xt_deliver(4, f, len); /* VLAN 20: no source involved */
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, NULL, 0);
	cr_assert_eq(xt_stats(3).mirrored, 2);
}

Test(mirror, a_destination_in_the_vlan_gets_the_frame_once)
{
	unsigned char f[128], plain[128];
	size_t len = xt_frame(f, BCAST, MAC_A, NULL, 0, ET_IP, 46);
	size_t lp = xt_frame(plain, BCAST, MAC_A, NULL, 0, ET_IP, 46);

	/* p3 joins VLAN 10: it is a member, so it gets its ordinary copy, not a second one. */
	cr_assert(xvs_port_set_access(xt_sw, "p3", 10) == 0);
	xt_deliver(1, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, (int[]){ 2, 3 }, 2);
	assert_frame(rx[3].data[0], rx[3].len[0], plain, lp);
	cr_assert_eq(xt_stats(3).mirrored, 0);
}

Test(mirror, untagged_network_copies_are_untagged)
{
	unsigned char f[128], plain[128];
	size_t len = xt_frame(f, MAC_B, MAC_A, NULL, 0, ET_IP, 46);
	size_t lp = xt_frame(plain, MAC_B, MAC_A, NULL, 0, ET_IP, 46);

	cr_assert(xvs_port_set_untagged(xt_sw, "p1") == 0);
	cr_assert(xvs_port_set_untagged(xt_sw, "p2") == 0);
	cr_assert(xvs_port_set_access(xt_sw, "p3", 30) == 0);
	static_mac(MAC_B, 0, "p2");
	xt_deliver(1, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, (int[]){ 2, 3 }, 2);
	assert_frame(rx[3].data[0], rx[3].len[0], plain, lp);
}

Test(mirror, without_a_destination_sources_take_the_fast_path)
{
	unsigned char f[128], tagged[128];
	struct xvs_port p;
	size_t len = xt_frame(f, MAC_B, MAC_A, NULL, 0, ET_IP, 46);
	size_t lt = xt_frame(tagged, MAC_B, MAC_A, &TAG(TPID_Q, 0, 10), 1, ET_IP, 46);

	static_mac(MAC_B, 10, "p2");
	cr_assert(xvs_port_get(xt_sw, "p1", &p) == 0);
	cr_assert(p.flags & XVS_PORT_MIRRORED);
	cr_assert(xvs_port_set_mirror(xt_sw, "p3", XVS_MIRROR_NONE) == 0);
	cr_assert(xvs_port_get(xt_sw, "p1", &p) == 0);
	cr_assert(!(p.flags & XVS_PORT_MIRRORED), "source still marked with no destination");
	/* Known unicast is finished at ingress: only p2 gets it, exactly as sent (access 10). */
	xt_deliver(1, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, (int[]){ 2 }, 1);
	assert_frame(rx[2].data[0], rx[2].len[0], f, len);
	cr_assert(xvs_port_set_mirror(xt_sw, "p3", XVS_MIRROR_DESTINATION) == 0);
	xt_deliver(1, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, (int[]){ 2, 3 }, 2);
	assert_frame(rx[2].data[0], rx[2].len[0], f, len);
	assert_frame(rx[3].data[0], rx[3].len[0], tagged, lt);
	cr_assert_eq(xt_stats(3).mirrored, 1, "the destination is back: mirroring again");
}

Test(mirror, deleting_the_destination_stops_mirroring)
{
	struct xvs_port p;

	cr_assert(xvs_port_del(xt_sw, "p3") == 0, "%s", xvs_errmsg());
	cr_assert(xvs_port_get(xt_sw, "p1", &p) == 0);
	cr_assert(!(p.flags & XVS_PORT_MIRRORED));
}
