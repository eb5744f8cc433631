// SPDX-License-Identifier: MIT
/*
 * QoS: the max-rate and storm-limit token buckets and the min-weight share timer.
 *
 * Time is controlled through the bucket state in xvs_qos rather than by sleeping: a stamp in
 * the future freezes the refill (the dataplane refills only when its clock is past the stamp),
 * so a test knows exactly how many bytes or packets a bucket holds; and after a frame the
 * stamp holds the dataplane's own clock reading, so the refill it made can be checked to the
 * byte.
 */
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cases.h"

#define UNIT 1000000000ULL /* tokens per byte or packet (include/xvs_abi.h) */
#define LONG_AGO 1         /* a stamp 1 ns after boot: the bucket is full at the next frame */

static void setup3(void)
{
	xt_setup(3);
}

TestSuite(qos, .init = setup3, .fini = xt_teardown);

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * UNIT + (__u64)ts.tv_nsec;
}

static __u16 port_id(int port)
{
	struct xvs_port p;

	cr_assert(xvs_port_get(xt_sw, xt_port(port), &p) == 0, "%s", xvs_errmsg());
	return p.id;
}

static struct xvs_qos_state qos_of(int port)
{
	struct xvs_qos_state q;

	cr_assert(xvs_qos_read(xt_sw, port_id(port), &q) == 0, "%s", xvs_errmsg());
	return q;
}

/* Which bucket of a port's state. */
enum which { OUT, IN, STORM };

static void set_bucket(int port, enum which w, __u64 tokens, __u64 stamp)
{
	struct xvs_qos_state q = qos_of(port);
	struct xvs_bucket *b = w == OUT ? &q.out : w == IN ? &q.in : &q.storm;
	__u32 key = port_id(port);

	b->tokens = tokens;
	b->stamp_ns = stamp;
	cr_assert(bpf_map_update_elem(xt_sw->qos_fd, &key, &q, BPF_F_LOCK) == 0);
}

/* A bucket holding exactly `units` bytes (or packets) that will not refill during the test. */
static void freeze_bucket(int port, enum which w, __u64 units)
{
	set_bucket(port, w, units * UNIT, mono_ns() + 3600 * UNIT);
}

static __u64 all_drops(void)
{
	__u64 t = 0;

	for (int port = 1; port <= xt_nports; port++) {
		struct xvs_port_stats st = xt_stats(port);

		for (int i = 0; i < XVS_DROP_SLOTS; i++)
			t += st.drops[i];
	}
	return t;
}

/*
 * How many of `count` frames of `len` bytes from port to dst the switch forwarded: sent from
 * the VM end in batches, and every frame the switch dropped is counted under a reason — at
 * the sending port, or (known unicast over the receiver's max-rate) at the receiving one.
 */
static int forwarded(int port, const char *dst, size_t len, int count)
{
	static unsigned char f[2048];
	const void *frames[XT_MAX_BATCH];
	size_t lens[XT_MAX_BATCH], n;
	__u64 before = all_drops();

	n = xt_frame(f, dst, port == 1 ? MAC_A : port == 2 ? MAC_B : MAC_C, NULL, 0, ET_IP, len - 14);
	cr_assert_eq(n, len);
	for (int i = 0; i < XT_MAX_BATCH; i++) {
		frames[i] = f;
		lens[i] = n;
	}
	for (int sent = 0; sent < count; sent += XT_MAX_BATCH)
		xt_deliver_frames(port, frames, lens,
				  count - sent < XT_MAX_BATCH ? count - sent : XT_MAX_BATCH);
	return count - (int)(all_drops() - before);
}

static int send(int port, const char *dst, size_t len)
{
	return forwarded(port, dst, len, 1) ? XT_FWD : XT_DROP;
}

Test(qos, max_rate_out_passes_exactly_what_the_bucket_holds)
{
	/* 8 mbit = 1,000,000 bytes/s. */
	cr_assert(xvs_port_set_max_rate(xt_sw, "p1", 8000000) == 0, "%s", xvs_errmsg());
	freeze_bucket(1, OUT, 10500);
	cr_assert_eq(forwarded(1, BCAST, 1000, 20), 10, "a bucket of 10,500 bytes is ten 1000-byte frames");
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_QOS], 10);
	cr_assert_eq(qos_of(1).out.tokens, 500 * UNIT, "the bucket was not charged frame bytes exactly");
	/* Smaller frames still fit in what is left. */
	cr_assert_eq(send(1, BCAST, 500), XT_FWD);
	cr_assert_eq(send(1, BCAST, 60), XT_DROP);
}

Test(qos, max_rate_in_polices_what_the_port_receives_and_counts_it_there)
{
	__u8 mac[6];

	cr_assert(xvs_parse_mac(MAC_B, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 0, "p2") == 0);
	cr_assert(xvs_port_set_max_rate(xt_sw, "p2", 8000000) == 0);
	freeze_bucket(2, IN, 3000);
	/* Known unicast to p2 is finished at ingress, its in bucket charged there. */
	cr_assert_eq(forwarded(1, MAC_B, 1000, 5), 3);
	cr_assert_eq(xt_stats(2).drops[XVS_DROP_QOS], 2, "the drop belongs to the limited port");
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_QOS], 0);
	cr_assert_eq(xt_stats(2).tx_packets, 3);
	cr_assert_eq(qos_of(2).in.tokens, 0);
	/* p2's own sending is its out bucket, untouched (still full from port add). */
	cr_assert_eq(forwarded(2, BCAST, 1000, 5), 5);
}

Test(qos, refill_is_elapsed_time_times_rate_capped_at_the_burst)
{
	struct xvs_qos_state q;
	__u64 stamp0;

	cr_assert(xvs_port_set_max_rate(xt_sw, "p1", 8000000) == 0);
	/* Empty, last refilled 10 ms ago. */
	stamp0 = mono_ns() - 10000000;
	set_bucket(1, OUT, 0, stamp0);
	cr_assert_eq(send(1, BCAST, 1000), XT_FWD);
	q = qos_of(1);
	cr_assert_gt(q.out.stamp_ns, stamp0, "the dataplane did not refill at its own clock");
	/* Exactly (now - stamp0) ns x 1,000,000 bytes/s, minus the frame. */
	cr_assert_eq(q.out.tokens, (q.out.stamp_ns - stamp0) * 1000000 - 1000 * UNIT);
	/* Idle for long: full, and no more than the burst (250 ms: 250,000 bytes). */
	set_bucket(1, OUT, 0, LONG_AGO);
	cr_assert_eq(send(1, BCAST, 1000), XT_FWD);
	cr_assert_eq(qos_of(1).out.tokens, (250000 - 1000) * UNIT);
}

Test(qos, burst_is_250ms_of_the_rate_and_at_least_two_jumbo_frames)
{
	/* 100 gbit = 12,500,000,000 bytes/s: 250 ms is 3,125,000,000 bytes (no overflow). */
	cr_assert(xvs_port_set_max_rate(xt_sw, "p1", 100000000000ULL) == 0);
	set_bucket(1, OUT, 0, LONG_AGO);
	cr_assert_eq(send(1, BCAST, 1000), XT_FWD);
	cr_assert_eq(qos_of(1).out.tokens, (3125000000ULL - 1000) * UNIT);
	/* 64 kbit = 8,000 bytes/s: 250 ms would be 2,000 bytes, less than a jumbo frame. */
	cr_assert(xvs_port_set_max_rate(xt_sw, "p1", 64000) == 0);
	set_bucket(1, OUT, 0, LONG_AGO);
	cr_assert_eq(send(1, BCAST, 1000), XT_FWD);
	cr_assert_eq(qos_of(1).out.tokens, (18432 - 1000) * UNIT);
}

Test(qos, unlimited_port_never_touches_its_buckets)
{
	__u8 mac[6];

	cr_assert(xvs_parse_mac(MAC_B, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 0, "p2") == 0);
	cr_assert_eq(forwarded(1, BCAST, 1000, 5), 5);
	cr_assert_eq(forwarded(1, MAC_B, 1000, 5), 5);
	/* No limit, so no clock read and no bucket: the state is as port add left it. */
	cr_assert_eq(qos_of(1).out.stamp_ns, 0);
	cr_assert_eq(qos_of(1).storm.stamp_ns, 0);
	cr_assert_eq(qos_of(2).in.stamp_ns, 0);
}

Test(qos, a_lower_rate_cuts_the_bucket_to_its_new_burst_at_once)
{
	/* 8 mbit: a burst of 250,000 bytes; 800 kbit (100,000 bytes/s): 25,000. */
	cr_assert(xvs_port_set_max_rate(xt_sw, "p1", 8000000) == 0, "%s", xvs_errmsg());
	freeze_bucket(1, OUT, 200000);
	cr_assert(xvs_port_set_max_rate(xt_sw, "p1", 800000) == 0, "%s", xvs_errmsg());
	cr_assert_eq(forwarded(1, BCAST, 1000, 40), 25, "the bucket kept more than the new burst");
	cr_assert_eq(qos_of(1).out.tokens, 0);
}

Test(qos, removing_the_limit_lets_everything_through)
{
	cr_assert(xvs_port_set_max_rate(xt_sw, "p1", 8000000) == 0);
	freeze_bucket(1, OUT, 0);
	cr_assert_eq(send(1, BCAST, 100), XT_DROP);
	cr_assert(xvs_port_set_max_rate(xt_sw, "p1", 0) == 0);
	cr_assert_eq(forwarded(1, BCAST, 1000, 10), 10);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_QOS], 1);
}

Test(qos, storm_limit_counts_floods_only)
{
	__u8 mac[6];

	cr_assert(xvs_parse_mac(MAC_B, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 0, "p2") == 0);
	cr_assert(xvs_port_set_storm_limit(xt_sw, "p1", 100) == 0, "%s", xvs_errmsg());
	freeze_bucket(1, STORM, 3);
	/* Known unicast is not a storm: never counted, never dropped. */
	cr_assert_eq(forwarded(1, MAC_B, 1000, 10), 10);
	/* Broadcast, multicast and unknown unicast share the bucket of three packets. */
	cr_assert_eq(send(1, BCAST, 60), XT_FWD);
	cr_assert_eq(send(1, MCAST, 60), XT_FWD);
	cr_assert_eq(send(1, "02:00:00:00:77:77", 1500), XT_FWD);
	cr_assert_eq(send(1, BCAST, 60), XT_DROP);
	cr_assert_eq(send(1, MCAST, 60), XT_DROP);
	cr_assert_eq(send(1, "02:00:00:00:77:77", 60), XT_DROP);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_STORM_LIMIT], 3);
	cr_assert_eq(xt_stats(1).flooded, 3);
	cr_assert_eq(forwarded(1, MAC_B, 1000, 3), 3, "known unicast dropped by the storm limit");
	/* Other ports are not limited. */
	cr_assert_eq(forwarded(2, BCAST, 60, 10), 10);
}

Test(qos, storm_limit_burst_is_a_tenth_of_a_second)
{
	cr_assert(xvs_port_set_storm_limit(xt_sw, "p1", 1000) == 0);
	set_bucket(1, STORM, 0, LONG_AGO);
	cr_assert_eq(send(1, BCAST, 60), XT_FWD);
	cr_assert_eq(qos_of(1).storm.tokens, 99 * UNIT, "burst of storm-limit 1000 is 100 packets");
	cr_assert(xvs_port_set_storm_limit(xt_sw, "p1", 5) == 0);
	set_bucket(1, STORM, 0, LONG_AGO);
	cr_assert_eq(forwarded(1, BCAST, 60, 3), 1, "a low limit still lets one packet through");
}

Test(qos, rates_parse_and_print)
{
	static const struct {
		const char *s;
		__u64 bps;
	} good[] = {
		{ "100mbit", 100000000 }, { "1gbit", 1000000000 }, { "64kbit", 64000 },
		{ "8000", 8000 }, { "12345bit", 12345 }, { "0", 0 }, { "none", 0 },
		{ "unlimited", 0 }, { "10GBit", 10000000000ULL }, { "100gbit", 100000000000ULL },
	};
	static const char *const bad[] = { "", "fast", "1.5mbit", "-1mbit", "10mbps", "7999",
					   "101gbit", "99999999999999999999", "5 mbit" };
	char buf[32];
	__u64 v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert(xvs_parse_rate(good[i].s, &v) == 0, "'%s': %s", good[i].s, xvs_errmsg());
		cr_assert_eq(v, good[i].bps, "'%s' parsed as %llu", good[i].s, (unsigned long long)v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(xvs_parse_rate(bad[i], &v) != 0, "'%s' accepted", bad[i]);
	xvs_format_rate(100000000, buf, sizeof(buf));
	cr_assert_str_eq(buf, "100mbit");
	xvs_format_rate(1500000, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1500kbit");
	xvs_format_rate(8001, buf, sizeof(buf));
	cr_assert_str_eq(buf, "8001bit");
	/* Out-of-range settings change nothing. */
	cr_assert(xvs_port_set_max_rate(xt_sw, "p1", 100) != 0);
	cr_assert(xvs_port_set_min_weight(xt_sw, "p1", 101) != 0);
	cr_assert(xvs_port_set_storm_limit(xt_sw, "p1", XVS_STORM_MAX_PPS + 1) != 0);
	cr_assert(xvs_switch_set_uplink_rate(xt_sw, 200000000000ULL) != 0);
	{
		struct xvs_port p;

		cr_assert(xvs_port_get(xt_sw, "p1", &p) == 0);
		cr_assert(p.max_rate_bps == 0 && p.min_bw_weight == 0 && p.storm_limit_pps == 0);
	}
}

/*
 * min-weight: the share timer runs in the dataplane every 100 ms. The ports offer traffic
 * (frames through the ingress program) until the shares it writes settle on the expected
 * values, or 5 s pass.
 */
static bool shares_settle(int light_port, bool (*settled)(void))
{
	for (int i = 0; i < 500; i++) {
		forwarded(1, BCAST, 1000, light_port == 1 ? 1 : 100);
		forwarded(2, BCAST, 1000, 100);
		usleep(5000);
		if (i % 10 == 9 && settled())
			return true;
	}
	return false;
}

static bool saturated_shares(void)
{
	return qos_of(1).share_out_Bps == 250000 && qos_of(2).share_out_Bps == 750000;
}

Test(qos, min_weight_shares_a_congested_uplink_by_weight, .timeout = 20)
{
	/* 8 mbit = 1,000,000 bytes/s shared 1:3 by two ports that both offer far more. */
	cr_assert(xvs_switch_set_uplink_rate(xt_sw, 8000000) == 0, "%s", xvs_errmsg());
	cr_assert(xvs_port_set_min_weight(xt_sw, "p1", 1) == 0);
	cr_assert(xvs_port_set_min_weight(xt_sw, "p2", 3) == 0);
	cr_assert(shares_settle(0, saturated_shares), "shares %llu / %llu, expected 250000 / 750000",
		  (unsigned long long)qos_of(1).share_out_Bps,
		  (unsigned long long)qos_of(2).share_out_Bps);
	cr_assert_gt(qos_of(1).demand_out_Bps, 250000);
	cr_assert_eq(qos_of(3).share_out_Bps, 0, "a port without a weight got a share");
	/* The out bucket now refills at 250,000 bytes/s from a 64 KiB burst: 200 KB in a burst
	 * cannot all pass. */
	cr_assert_lt(forwarded(1, BCAST, 1000, 200), 200, "the share was not enforced");
	cr_assert_gt(xt_stats(1).drops[XVS_DROP_QOS], 0);
}

static bool light_port_leaves_room(void)
{
	struct xvs_qos_state a = qos_of(1), b = qos_of(2);

	/* p1 wants less than its fair quarter: p2 gets the rest, more than its three quarters,
	 * and p1 keeps at least what it wants. */
	return a.demand_out_Bps > 0 && a.demand_out_Bps < 250000 && a.share_out_Bps >= a.demand_out_Bps &&
	       b.share_out_Bps > 750000 && b.share_out_Bps <= 1000000 - a.demand_out_Bps + 1000;
}

Test(qos, min_weight_gives_unused_share_to_the_others, .timeout = 20)
{
	cr_assert(xvs_switch_set_uplink_rate(xt_sw, 8000000) == 0);
	cr_assert(xvs_port_set_min_weight(xt_sw, "p1", 1) == 0);
	cr_assert(xvs_port_set_min_weight(xt_sw, "p2", 3) == 0);
	cr_assert(shares_settle(1, light_port_leaves_room), "shares %llu / %llu, demand of p1 %llu",
		  (unsigned long long)qos_of(1).share_out_Bps,
		  (unsigned long long)qos_of(2).share_out_Bps,
		  (unsigned long long)qos_of(1).demand_out_Bps);
}

static bool no_shares(void)
{
	return qos_of(1).share_out_Bps == 0 && qos_of(2).share_out_Bps == 0;
}

Test(qos, no_uplink_rate_means_no_share_limit, .timeout = 20)
{
	cr_assert(xvs_switch_set_uplink_rate(xt_sw, 8000000) == 0);
	cr_assert(xvs_port_set_min_weight(xt_sw, "p1", 1) == 0);
	cr_assert(xvs_port_set_min_weight(xt_sw, "p2", 3) == 0);
	cr_assert(shares_settle(0, saturated_shares));
	cr_assert(xvs_switch_set_uplink_rate(xt_sw, 0) == 0);
	cr_assert(shares_settle(0, no_shares), "shares stayed after uplink-rate was removed");
	cr_assert_eq(forwarded(1, BCAST, 1000, 50), 50);
}
