// SPDX-License-Identifier: MIT
/*
 * Private VLANs: reachability between isolated, community and promiscuous ports and a trunk,
 * shared VLAN learning across a domain, and the consistency rules for configuring them.
 *
 * Topology (primary 100; isolated secondary 101; community secondary 102):
 *   p1 promiscuous 100 {101,102} | p2, p3 isolated 100/101 | p4, p5 community 100/102 |
 *   p6 trunk 100-102
 */
#include "cases.h"

#define WAIT_MS 150

static void setup6(void)
{
	__u64 vids[XVS_VLAN_WORDS];

	xt_setup(6);
	cr_assert(xvs_parse_vid_list("101,102", vids) == 0);
	cr_assert(xvs_port_set_pvlan(xt_sw, "p1", XVS_VLAN_PROMISCUOUS, 100, 0, vids) == 0, "%s",
		  xvs_errmsg());
	cr_assert(xvs_port_set_pvlan(xt_sw, "p2", XVS_VLAN_ISOLATED, 100, 101, NULL) == 0, "%s",
		  xvs_errmsg());
	cr_assert(xvs_port_set_pvlan(xt_sw, "p3", XVS_VLAN_ISOLATED, 100, 101, NULL) == 0);
	cr_assert(xvs_port_set_pvlan(xt_sw, "p4", XVS_VLAN_COMMUNITY, 100, 102, NULL) == 0);
	cr_assert(xvs_port_set_pvlan(xt_sw, "p5", XVS_VLAN_COMMUNITY, 100, 102, NULL) == 0);
	cr_assert(xvs_parse_vid_list("100-102", vids) == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p6", vids, 0) == 0);
}

TestSuite(pvlan, .init = setup6, .fini = xt_teardown);

static struct xt_rx rx[XT_MAX_PORTS + 1];

static void send_and_expect(int from, const unsigned char *f, size_t len, const int *to, int n)
{
	xt_deliver(from, f, len);
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, to, n);
}

Test(pvlan, isolated_broadcast_reaches_only_promiscuous_and_trunk)
{
	unsigned char f[128], untagged[128], tagged[128];
	size_t len = xt_frame(f, BCAST, MAC_A, NULL, 0, ET_IP, 46);
	size_t lu = xt_frame(untagged, BCAST, MAC_A, NULL, 0, ET_IP, 46);
	size_t lt = xt_frame(tagged, BCAST, MAC_A, &TAG(TPID_Q, 0, 101), 1, ET_IP, 46);

	send_and_expect(2, f, len, (int[]){ 1, 6 }, 2);
	assert_frame(rx[1].data[0], rx[1].len[0], untagged, lu);
	assert_frame(rx[6].data[0], rx[6].len[0], tagged, lt);
}

Test(pvlan, community_broadcast_reaches_its_community_promiscuous_and_trunk)
{
	unsigned char f[128], tagged[128];
	size_t len = xt_frame(f, BCAST, MAC_A, NULL, 0, ET_IP, 46);
	size_t lt = xt_frame(tagged, BCAST, MAC_A, &TAG(TPID_Q, 0, 102), 1, ET_IP, 46);

	send_and_expect(4, f, len, (int[]){ 1, 5, 6 }, 3);
	assert_frame(rx[6].data[0], rx[6].len[0], tagged, lt);
}

Test(pvlan, promiscuous_broadcast_reaches_everyone)
{
	unsigned char f[128], tagged[128];
	size_t len = xt_frame(f, BCAST, MAC_A, NULL, 0, ET_IP, 46);
	size_t lt = xt_frame(tagged, BCAST, MAC_A, &TAG(TPID_Q, 0, 100), 1, ET_IP, 46);

	send_and_expect(1, f, len, (int[]){ 2, 3, 4, 5, 6 }, 5);
	assert_frame(rx[6].data[0], rx[6].len[0], tagged, lt);
}

Test(pvlan, tagged_secondary_from_trunk_follows_the_same_rules)
{
	unsigned char f[128];
	size_t len = xt_frame(f, BCAST, MAC_A, &TAG(TPID_Q, 0, 101), 1, ET_IP, 46);

	send_and_expect(6, f, len, (int[]){ 1 }, 1);
	len = xt_frame(f, BCAST, MAC_A, &TAG(TPID_Q, 0, 102), 1, ET_IP, 46);
	send_and_expect(6, f, len, (int[]){ 1, 4, 5 }, 3);
	len = xt_frame(f, BCAST, MAC_A, &TAG(TPID_Q, 0, 100), 1, ET_IP, 46);
	send_and_expect(6, f, len, (int[]){ 1, 2, 3, 4, 5 }, 5);
}

Test(pvlan, macs_are_learned_in_the_primary_so_replies_are_unicast)
{
	unsigned char f[128];
	size_t len;
	int port = 0;

	/* A on isolated p2 speaks: learned in primary 100, not in 101. */
	len = xt_frame(f, BCAST, MAC_A, NULL, 0, ET_IP, 46);
	send_and_expect(2, f, len, (int[]){ 1, 6 }, 2);
	cr_assert(xt_fdb_has(MAC_A, 100, &port) && port == 2);
	cr_assert(!xt_fdb_has(MAC_A, 101, NULL));
	/* The promiscuous router answers: known unicast to p2 only, not flooded to p3..p5. */
	len = xt_frame(f, MAC_A, MAC_B, NULL, 0, ET_IP, 46);
	send_and_expect(1, f, len, (int[]){ 2 }, 1);
	cr_assert_eq(xt_stats(1).flooded, 0);
}

Test(pvlan, isolated_ports_cannot_reach_each_other_even_when_known)
{
	unsigned char f[128];
	size_t len;

	/* C on isolated p3 is known (learned from a frame it sent). */
	len = xt_frame(f, BCAST, MAC_C, NULL, 0, ET_IP, 46);
	send_and_expect(3, f, len, (int[]){ 1, 6 }, 2);
	/* A on isolated p2 sends to C: dropped, counted, nothing arrives anywhere. */
	len = xt_frame(f, MAC_C, MAC_A, NULL, 0, ET_IP, 46);
	cr_assert_eq(xt_run(2, f, len, NULL, NULL), XT_DROP);
	cr_assert_eq(xt_stats(2).drops[XVS_DROP_EGRESS_VLAN], 1);
	send_and_expect(2, f, len, NULL, 0);
	/* The same between two community ports works. */
	len = xt_frame(f, BCAST, MAC_C, NULL, 0, ET_IP, 46);
	send_and_expect(5, f, len, (int[]){ 1, 4, 6 }, 3);
	len = xt_frame(f, MAC_C, MAC_A, NULL, 0, ET_IP, 46);
	send_and_expect(4, f, len, (int[]){ 5 }, 1);
}

/* A configuration that would make the domains inconsistent is refused and changes nothing. */
static void expect_refused(const char *port, enum xvs_vlan_mode mode, __u16 primary,
			   __u16 secondary, const char *list, const char *why)
{
	struct xvs_port before, after;
	__u64 vids[XVS_VLAN_WORDS] = {};

	if (list)
		cr_assert(xvs_parse_vid_list(list, vids) == 0);
	cr_assert(xvs_port_get(xt_sw, port, &before) == 0);
	cr_assert_neq(xvs_port_set_pvlan(xt_sw, port, mode, primary, secondary, vids), 0,
		      "accepted: %s", why);
	cr_assert(strstr(xvs_errmsg(), why), "error '%s' does not say '%s'", xvs_errmsg(), why);
	cr_assert(xvs_port_get(xt_sw, port, &after) == 0);
	cr_assert(memcmp(&before, &after, sizeof(before)) == 0, "port changed: %s", why);
}

Test(pvlan, inconsistent_domains_are_refused)
{
	expect_refused("p3", XVS_VLAN_COMMUNITY, 100, 101, NULL, "is an isolated VLAN");
	expect_refused("p4", XVS_VLAN_ISOLATED, 100, 102, NULL, "is a community VLAN");
	expect_refused("p3", XVS_VLAN_ISOLATED, 200, 101, NULL, "already a secondary of primary");
	expect_refused("p3", XVS_VLAN_ISOLATED, 101, 300, NULL, "cannot also be a primary");
	expect_refused("p3", XVS_VLAN_ISOLATED, 300, 100, NULL, "is a primary VLAN");
	expect_refused("p3", XVS_VLAN_ISOLATED, 100, 100, NULL, "must differ");
	expect_refused("p3", XVS_VLAN_PROMISCUOUS, 100, 0, "100,101", "cannot also be a secondary");
	expect_refused("p3", XVS_VLAN_ISOLATED, 0, 5, NULL, "invalid primary");
	expect_refused("p3", XVS_VLAN_ISOLATED, 100, 4095, NULL, "invalid secondary");
}

Test(pvlan, leaving_private_mode_frees_the_secondary)
{
	__u64 vids[XVS_VLAN_WORDS];

	/* Once nobody uses 101 as a secondary, it is an ordinary VLAN again. */
	cr_assert(xvs_port_set_access(xt_sw, "p2", 5) == 0);
	cr_assert(xvs_port_set_access(xt_sw, "p3", 5) == 0);
	cr_assert(xvs_parse_vid_list("102", vids) == 0);
	cr_assert(xvs_port_set_pvlan(xt_sw, "p1", XVS_VLAN_PROMISCUOUS, 100, 0, vids) == 0);
	cr_assert_eq(xvs_pvlan_learning_vlan(xt_sw, 101), 101);
	cr_assert_eq(xvs_pvlan_learning_vlan(xt_sw, 102), 100);
	cr_assert(xvs_port_set_pvlan(xt_sw, "p2", XVS_VLAN_ISOLATED, 101, 7, NULL) == 0, "%s",
		  xvs_errmsg());
}
