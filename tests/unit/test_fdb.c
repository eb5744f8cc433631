// SPDX-License-Identifier: MIT
/* MAC learning: what is learned where, station moves, static entries, aging, both caps. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include "cases.h"

static void setup3(void)
{
	xt_setup(3);
}

static int send_from(int port, const char *src, const char *dst)
{
	unsigned char f[128];
	size_t len = xt_frame(f, dst, src, NULL, 0, ET_IP, 46);

	return xt_run(port, f, len, NULL, NULL);
}

TestSuite(fdb, .init = setup3, .fini = xt_teardown);

Test(fdb, learns_source_then_forwards_to_exactly_that_port)
{
	int where;

	__u64 tx1, tx3;

	cr_assert_eq(send_from(1, MAC_A, BCAST), XT_FWD);
	cr_assert(xt_fdb_has(MAC_A, 0, &where), "MAC_A not learned");
	cr_assert_eq(where, 1);
	tx1 = xt_stats(1).tx_packets;
	tx3 = xt_stats(3).tx_packets;
	cr_assert_eq(send_from(2, MAC_B, MAC_A), XT_FWD);
	cr_assert_eq(xt_stats(1).tx_packets, tx1 + 1, "known unicast not sent to p1");
	cr_assert_eq(xt_stats(3).tx_packets, tx3, "known unicast leaked to p3");
	cr_assert_eq(xt_stats(2).flooded, 0, "known unicast was flooded");
	cr_assert_eq(xt_stats(1).flooded, 1, "the broadcast was not flooded");
}

Test(fdb, same_mac_in_two_vlans_is_two_entries)
{
	__u64 vids[XVS_VLAN_WORDS];
	unsigned char f[128];
	size_t len;
	int where;

	cr_assert(xvs_parse_vid_list("10,20", vids) == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p1", vids, 0) == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p2", vids, 0) == 0);
	len = xt_frame(f, BCAST, MAC_A, &TAG(TPID_Q, 0, 10), 1, ET_IP, 46);
	cr_assert_eq(xt_run(1, f, len, NULL, NULL), XT_FWD);
	len = xt_frame(f, BCAST, MAC_A, &TAG(TPID_Q, 0, 20), 1, ET_IP, 46);
	cr_assert_eq(xt_run(2, f, len, NULL, NULL), XT_FWD);
	cr_assert(xt_fdb_has(MAC_A, 10, &where) && where == 1);
	cr_assert(xt_fdb_has(MAC_A, 20, &where) && where == 2);
	cr_assert(!xt_fdb_has(MAC_A, 0, NULL));
	cr_assert_eq(xt_fdb_count(), 2);
}

Test(fdb, station_move_is_followed_and_counted)
{
	int where;

	send_from(1, MAC_A, BCAST);
	send_from(2, MAC_A, BCAST);
	cr_assert(xt_fdb_has(MAC_A, 0, &where));
	cr_assert_eq(where, 2, "entry did not move to p2");
	cr_assert_eq(xt_stats(2).learn_moves, 1);
	cr_assert_eq(xvs_fdb_learned_count(xt_sw, 1), 0, "p1 still charged for the moved MAC");
}

Test(fdb, static_entry_is_not_moved_by_learning)
{
	__u8 mac[6];
	__u64 tx1;
	int where;

	cr_assert(xvs_parse_mac(MAC_A, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 0, "p1") == 0, "%s", xvs_errmsg());
	send_from(2, MAC_A, BCAST);
	cr_assert(xt_fdb_has(MAC_A, 0, &where));
	cr_assert_eq(where, 1, "static entry moved");
	tx1 = xt_stats(1).tx_packets;
	cr_assert_eq(send_from(3, MAC_C, MAC_A), XT_FWD);
	cr_assert_eq(xt_stats(1).tx_packets, tx1 + 1);
}

Test(fdb, never_learns_zero_source_and_drops_multicast_source)
{
	cr_assert_eq(send_from(1, "00:00:00:00:00:00", BCAST), XT_FWD,
		     "zero source is forwarded, just not learned");
	cr_assert_eq(send_from(1, "01:00:5e:00:00:07", BCAST), XT_DROP);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_INVALID_SRC_MAC], 1);
	cr_assert_eq(xt_fdb_count(), 0, "something was learned");
}

Test(fdb, destination_on_the_ingress_port_is_dropped)
{
	send_from(1, MAC_A, BCAST);
	cr_assert_eq(send_from(1, MAC_B, MAC_A), XT_DROP);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_SAME_PORT], 1);
}

Test(fdb, per_port_cap_refuses_and_counts_but_keeps_forwarding)
{
	char mac[18];
	__u64 tx1;
	int where;

	cr_assert(xvs_port_set_mac_limit(xt_sw, "p1", 3) == 0);
	for (int i = 0; i < 5; i++) {
		snprintf(mac, sizeof(mac), "02:00:00:00:01:%02x", i);
		cr_assert_eq(send_from(1, mac, BCAST), XT_FWD, "frame %d not forwarded", i);
	}
	cr_assert_eq(xvs_fdb_learned_count(xt_sw, 1), 3);
	cr_assert_eq(xt_fdb_count(), 3);
	cr_assert_eq(xt_stats(1).learn_refused_port, 2);
	/* p2 is not limited. */
	send_from(2, MAC_B, BCAST);
	cr_assert(xt_fdb_has(MAC_B, 0, &where) && where == 2);
	/* A known host on the full port keeps receiving unicast. */
	tx1 = xt_stats(1).tx_packets;
	cr_assert_eq(send_from(2, MAC_B, "02:00:00:00:01:00"), XT_FWD);
	cr_assert_eq(xt_stats(1).tx_packets, tx1 + 1);
}

Test(fdb, flush_port_on_vlan_change_releases_its_cap)
{
	send_from(1, MAC_A, BCAST);
	cr_assert_eq(xvs_fdb_learned_count(xt_sw, 1), 1);
	cr_assert(xvs_port_set_access(xt_sw, "p1", 10) == 0);
	cr_assert(!xt_fdb_has(MAC_A, 0, NULL), "entry survived the VLAN change");
	cr_assert_eq(xvs_fdb_learned_count(xt_sw, 1), 0);
}

Test(fdb, aging_removes_idle_learned_entries_but_not_static_ones, .timeout = 20)
{
	__u8 mac[6];

	cr_assert(xvs_parse_mac(MAC_C, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 0, "p3") == 0);
	cr_assert(xvs_switch_set_aging(xt_sw, 2) == 0);
	send_from(1, MAC_A, BCAST);
	send_from(2, MAC_B, BCAST);
	cr_assert(xt_fdb_has(MAC_A, 0, NULL));
	/* Keep B active, leave A idle. */
	for (int i = 0; i < 10 && xt_fdb_has(MAC_A, 0, NULL); i++) {
		usleep(500 * 1000);
		send_from(2, MAC_B, BCAST);
	}
	cr_assert(!xt_fdb_has(MAC_A, 0, NULL), "idle entry not aged out");
	cr_assert(xt_fdb_has(MAC_B, 0, NULL), "active entry aged out");
	cr_assert(xt_fdb_has(MAC_C, 0, NULL), "static entry aged out");
	cr_assert_eq(xvs_fdb_learned_count(xt_sw, 1), 0, "aged entry still counted");
}

Test(fdb, default_aging_keeps_entries)
{
	struct xvs_config cfg;

	cr_assert(xvs_switch_config(xt_sw, &cfg) == 0);
	cr_assert_eq(cfg.aging_sec, 300);
	send_from(1, MAC_A, BCAST);
	sleep(2);
	cr_assert(xt_fdb_has(MAC_A, 0, NULL));
}

/*
 * The learn memo (bpf/lib/fdb.h) skips the FDB lookup for a source its CPU confirmed on its
 * port this second. Whatever changes the entry in between must be seen by the next frame all
 * the same. The test stays on one CPU, so that every frame meets the same memo.
 */
static void on_one_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	cr_assert(sched_setaffinity(0, sizeof(set), &set) == 0, "%s", strerror(errno));
}

Test(fdb, memo_a_station_moving_back_is_followed_at_once)
{
	int where;

	on_one_cpu();
	send_from(1, MAC_A, BCAST);
	send_from(1, MAC_A, BCAST);
	send_from(2, MAC_A, BCAST);
	cr_assert(xt_fdb_has(MAC_A, 0, &where) && where == 2);
	send_from(1, MAC_A, BCAST);
	cr_assert(xt_fdb_has(MAC_A, 0, &where));
	cr_assert_eq(where, 1, "the move back to p1 was not learned");
	cr_assert_eq(xt_stats(1).learn_moves, 1);
	cr_assert_eq(xvs_fdb_learned_count(xt_sw, 1), 1);
	cr_assert_eq(xvs_fdb_learned_count(xt_sw, 2), 0);
}

Test(fdb, memo_a_flushed_source_is_learned_again_at_once)
{
	int where;

	on_one_cpu();
	send_from(1, MAC_A, BCAST);
	send_from(1, MAC_A, BCAST);
	cr_assert(xvs_fdb_flush(xt_sw) == 0, "%s", xvs_errmsg());
	cr_assert(!xt_fdb_has(MAC_A, 0, NULL));
	send_from(1, MAC_A, BCAST);
	cr_assert(xt_fdb_has(MAC_A, 0, &where), "not learned again after the flush");
	cr_assert_eq(where, 1);
	cr_assert_eq(xvs_fdb_learned_count(xt_sw, 1), 1);
}

Test(fdb, memo_a_deleted_static_entry_gives_way_to_learning_at_once)
{
	__u8 mac[6];
	int where;

	on_one_cpu();
	cr_assert(xvs_parse_mac(MAC_A, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 0, "p1") == 0, "%s", xvs_errmsg());
	send_from(1, MAC_A, BCAST);
	send_from(1, MAC_A, BCAST);
	cr_assert(xvs_fdb_del_static(xt_sw, mac, 0) == 0, "%s", xvs_errmsg());
	send_from(1, MAC_A, BCAST);
	cr_assert(xt_fdb_has(MAC_A, 0, &where), "not learned after the static entry went");
	cr_assert_eq(where, 1);
	cr_assert_eq(xvs_fdb_learned_count(xt_sw, 1), 1);
}

static void setup_small_table(void)
{
	xt_setup_opts(3, 16);
}

Test(fdb_global, full_table_refuses_newcomers_and_keeps_known_hosts, .init = setup_small_table,
     .fini = xt_teardown)
{
	char mac[18];
	__u64 tx2;
	int where;

	send_from(2, MAC_B, BCAST); /* a known host, learned first */
	for (int i = 0; i < 40; i++) {
		snprintf(mac, sizeof(mac), "02:00:00:00:02:%02x", i);
		cr_assert_eq(send_from(1, mac, BCAST), XT_FWD);
	}
	cr_assert_eq(xt_fdb_count(), 16, "table holds %d entries, cap is 16", xt_fdb_count());
	cr_assert_eq(xt_stats(1).learn_refused_table, 40 - 15);
	cr_assert(xt_fdb_has(MAC_B, 0, &where) && where == 2, "known host was evicted");
	tx2 = xt_stats(2).tx_packets;
	cr_assert_eq(send_from(3, MAC_C, MAC_B), XT_FWD);
	cr_assert_eq(xt_stats(2).tx_packets, tx2 + 1, "known host no longer reached");
}
