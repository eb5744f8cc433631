// SPDX-License-Identifier: MIT
/*
 * Port ACLs and extended ACLs: verdicts, precedence, directions, meters, IPv4/IPv6 parsing
 * (tags, options, extension headers, fragments), stateful flows and their idle timeout, a
 * full flow table, hit counters, and libxvs refusing bad rules without changing anything.
 *
 * Topology: p1 (VM A, 10.0.0.1 / 2001:db8::1) and p2 (VM B, 10.0.0.2 / 2001:db8::2) and p3,
 * untagged; static FDB entries make A <-> B known unicast. Direction `out` of p1 is checked
 * with BPF_PROG_TEST_RUN on p1's ingress (verdict DROP or REDIRECT); direction `in`, for flood
 * copies and known unicast alike, by sending real frames through the veths (xt_deliver) and
 * looking at what arrives. Time is the xvs_clock map's now_sec, with the housekeeping timer
 * stopped.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <unistd.h>
#include "cases.h"

#define IP_A  "10.0.0.1"
#define IP_B  "10.0.0.2"
#define IP6_A "2001:db8::1"
#define IP6_B "2001:db8::2"
#define WAIT_MS 150

static struct xt_rx rx[XT_MAX_PORTS + 1];

/* ---- frames ---- */

struct pkt {
	const char *dst_mac, *src_mac;
	int vid;                 /* -1 untagged */
	const char *src, *dst;   /* IPv4 or IPv6 (by the presence of ':') */
	__u8 proto;
	__u16 sport, dport;
	int ip_opts;             /* IPv4: 4-byte option words; IPv6: extension headers */
	bool later_fragment;
};

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static size_t build(const struct pkt *k, unsigned char *buf)
{
	bool v6 = strchr(k->src, ':') != NULL;
	size_t off = 12, l4;
	unsigned char *ip;

	memset(buf, 0, 256);
	cr_assert(xvs_parse_mac(k->dst_mac, buf) == 0 && xvs_parse_mac(k->src_mac, buf + 6) == 0);
	if (k->vid >= 0) {
		put16(buf + off, 0x8100);
		put16(buf + off + 2, (unsigned)k->vid);
		off += 4;
	}
	put16(buf + off, v6 ? 0x86dd : 0x0800);
	off += 2;
	ip = buf + off;
	if (!v6) {
		ip[0] = (unsigned char)(0x40 | (5 + k->ip_opts));
		ip[8] = 64;
		ip[9] = k->proto;
		if (k->later_fragment)
			put16(ip + 6, 100); /* fragment offset 800 bytes */
		cr_assert(inet_pton(AF_INET, k->src, ip + 12) == 1);
		cr_assert(inet_pton(AF_INET, k->dst, ip + 16) == 1);
		for (int i = 0; i < k->ip_opts * 4; i++)
			ip[20 + i] = 1; /* NOP options */
		l4 = off + 20 + (size_t)k->ip_opts * 4;
		put16(ip + 2, (unsigned)(l4 - off + 8 + 18));
	} else {
		unsigned char *h = ip + 40;

		ip[0] = 0x60;
		ip[7] = 64;
		cr_assert(inet_pton(AF_INET6, k->src, ip + 8) == 1);
		cr_assert(inet_pton(AF_INET6, k->dst, ip + 24) == 1);
		/* Extension headers: hop-by-hop, then destination options..., each 8 bytes. */
		ip[6] = k->ip_opts ? 0 : (k->later_fragment ? 44 : k->proto);
		for (int i = 0; i < k->ip_opts; i++, h += 8)
			h[0] = i + 1 < k->ip_opts ? 60 : (k->later_fragment ? 44 : k->proto);
		if (k->later_fragment) {
			h[0] = k->proto;
			put16(h + 2, 100 << 3);
			h += 8;
		}
		l4 = (size_t)(h - buf);
		put16(ip + 4, (unsigned)(l4 - off - 40 + 8 + 18));
	}
	put16(buf + l4, k->sport);
	put16(buf + l4 + 2, k->dport);
	return l4 + 8 + 18;
}

/* A UDP frame from A to B (out of p1), or from B to A. */
static struct pkt a_to_b(__u16 sport, __u16 dport)
{
	return (struct pkt){ MAC_B, MAC_A, -1, IP_A, IP_B, 17, sport, dport, 0, false };
}

static struct pkt b_to_a(__u16 sport, __u16 dport)
{
	return (struct pkt){ MAC_A, MAC_B, -1, IP_B, IP_A, 17, sport, dport, 0, false };
}

static int out_of_p1(const struct pkt *k)
{
	unsigned char f[256];
	size_t len = build(k, f);

	return xt_run(1, f, len, NULL, NULL);
}

/* Send from the VM on `from` and count what the VM on `to` received of it. */
static int delivered(int from, const struct pkt *k, int to)
{
	unsigned char f[256];
	size_t len = build(k, f);

	xt_deliver(from, f, len);
	xt_collect(rx, WAIT_MS);
	return rx[to].count;
}

/* ---- rules ---- */

static struct xvs_acl_rule port_ip(__u8 dirs, __u8 action, bool local, const char *prefix)
{
	struct xvs_acl_rule r = { .kind = XVS_ACL_KIND_PORT, .dirs = dirs, .action = action,
				  .match = local ? XVS_ACL_LOCAL_IP : XVS_ACL_REMOTE_IP,
				  .local_port_hi = 65535, .remote_port_hi = 65535 };

	cr_assert(xvs_acl_parse_prefix(prefix, local ? r.local_ip : r.remote_ip,
				       local ? &r.local_plen : &r.remote_plen, &r.family) == 0);
	return r;
}

static struct xvs_acl_rule port_mac(__u8 dirs, __u8 action, bool local, const char *mac)
{
	struct xvs_acl_rule r = { .kind = XVS_ACL_KIND_PORT, .dirs = dirs, .action = action,
				  .match = local ? XVS_ACL_LOCAL_MAC : XVS_ACL_REMOTE_MAC,
				  .local_port_hi = 65535, .remote_port_hi = 65535 };

	cr_assert(xvs_parse_mac(mac, r.mac) == 0);
	return r;
}

/* Extended: proto NULL = any; ports "A" or "A-B" or NULL. */
static struct xvs_acl_rule ext(__u8 dirs, __u8 action, __u16 weight, const char *proto,
			       const char *remote_port, const char *remote_ip)
{
	struct xvs_acl_rule r = { .kind = XVS_ACL_KIND_EXTENDED, .dirs = dirs, .action = action,
				  .weight = weight, .local_port_hi = 65535,
				  .remote_port_hi = 65535 };

	if (proto)
		cr_assert(xvs_acl_parse_proto(proto, &r.proto, &r.flags) == 0);
	if (remote_port)
		cr_assert(xvs_acl_parse_port_range(remote_port, &r.remote_port_lo,
						   &r.remote_port_hi) == 0);
	if (remote_ip)
		cr_assert(xvs_acl_parse_prefix(remote_ip, r.remote_ip, &r.remote_plen,
					       &r.family) == 0);
	return r;
}

static struct xvs_acl_rule stateful(struct xvs_acl_rule r, __u32 idle)
{
	r.flags |= XVS_ACL_STATEFUL;
	r.idle_timeout = idle;
	return r;
}

#define IN   XVS_ACL_DIR_BIT(XVS_ACL_IN)
#define OUT  XVS_ACL_DIR_BIT(XVS_ACL_OUT)
#define BOTH (IN | OUT)

static __u32 add(const char *port, struct xvs_acl_rule r)
{
	cr_assert(xvs_acl_add(xt_sw, port, &r) == 0, "acl add: %s", xvs_errmsg());
	return r.id;
}

static struct xvs_acl_hits hits(__u32 id)
{
	struct xvs_acl_row *rows;
	struct xvs_acl_hits h = {};
	int n;

	cr_assert(xvs_acl_list(xt_sw, NULL, &rows, &n) == 0, "%s", xvs_errmsg());
	for (int i = 0; i < n; i++)
		if (rows[i].rule.id == id)
			h = rows[i].hits;
	free(rows);
	return h;
}

static int rule_count(void)
{
	struct xvs_acl_row *rows;
	int n;

	cr_assert(xvs_acl_list(xt_sw, NULL, &rows, &n) == 0, "%s", xvs_errmsg());
	free(rows);
	return n;
}

static __u32 flows(void)
{
	__u32 n, size;
	__u64 expired;

	cr_assert(xvs_acl_flows(xt_sw, 0, &n, &size, &expired) == 0, "%s", xvs_errmsg());
	return n;
}

/* ---- time ---- */

/* Stop the housekeeping timer (writing its array slot frees the bpf_timer), so the clock
 * stays where the test puts it. */
static void stop_clock(void)
{
	struct xvs_timer_slot_raw {
		__u64 words[2];
	} zero = {};
	__u32 key = 0;
	int fd = bpf_obj_get("/tmp/bpf/xvs/t/xvs_timer");

	cr_assert(fd >= 0, "open xvs_timer: %s", strerror(errno));
	cr_assert(bpf_map_update_elem(fd, &key, &zero, BPF_ANY) == 0, "stop timer: %s",
		  strerror(errno));
	close(fd);
}

static void set_now(__u64 sec)
{
	struct xvs_clock_state c;
	__u32 key = 0;

	cr_assert(bpf_map_lookup_elem(xt_sw->clock_fd, &key, &c) == 0);
	c.now_sec = sec;
	cr_assert(bpf_map_update_elem(xt_sw->clock_fd, &key, &c, BPF_ANY) == 0);
}

/* ---- fixture ---- */

static void static_mac(const char *mac, const char *port)
{
	__u8 m[6];

	cr_assert(xvs_parse_mac(mac, m) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, m, 0, port) == 0, "%s", xvs_errmsg());
}

static void known(void)
{
	static_mac(MAC_A, "p1");
	static_mac(MAC_B, "p2");
}

static void setup3(void)
{
	xt_setup(3);
	known();
}

static void setup_small_flow_table(void)
{
	xt_setup_flows(3, 2);
	known();
}

TestSuite(acl, .init = setup3, .fini = xt_teardown);
TestSuite(acl_flows, .init = setup_small_flow_table, .fini = xt_teardown);

/* ---- port ACLs ---- */

Test(acl, no_rule_allows_and_costs_no_flag)
{
	struct pkt k = a_to_b(5000, 53);
	struct xvs_port p;

	cr_assert_eq(out_of_p1(&k), XT_FWD);
	cr_assert(xvs_port_get(xt_sw, "p1", &p) == 0);
	cr_assert_eq(p.flags & (XVS_PORT_ACL_ANY | XVS_PORT_STATEFUL), 0);
	cr_assert_eq(p.acl_mask, 0);
}

/* The port's acl_mask names exactly the lookups its rules can match, per direction; the fast
 * path skips every other one (lib/acl.h). */
Test(acl, the_mask_follows_kind_scope_and_direction_of_the_rules)
{
	struct xvs_port p;
	__u32 r, l, m, x;

	r = add("p1", port_ip(OUT, XVS_ACL_DENY, false, "10.9.0.0/16"));
	cr_assert(xvs_port_get(xt_sw, "p1", &p) == 0);
	cr_assert_eq(p.acl_mask, XVS_ACLM_PORT(XVS_ACL_OUT, XVS_ACLM_IP_REMOTE));
	l = add("p1", port_mac(IN, XVS_ACL_ALLOW, true, MAC_A));
	m = add("p1", port_ip(BOTH, XVS_ACL_METER, true, "10.0.0.0/8"));
	x = add("p1", ext(IN, XVS_ACL_DENY, 5, "tcp", NULL, NULL));
	cr_assert(xvs_port_get(xt_sw, "p1", &p) == 0);
	cr_assert_eq(p.acl_mask,
		     XVS_ACLM_PORT(XVS_ACL_OUT, XVS_ACLM_IP_REMOTE | XVS_ACLM_METER_IP_LOCAL) |
		     XVS_ACLM_PORT(XVS_ACL_IN, XVS_ACLM_MAC_LOCAL | XVS_ACLM_METER_IP_LOCAL) |
		     XVS_ACLM_XACL(XVS_ACL_IN));
	cr_assert(xvs_acl_del(xt_sw, "p1", m) == 0, "%s", xvs_errmsg());
	cr_assert(xvs_acl_del(xt_sw, "p1", l) == 0, "%s", xvs_errmsg());
	cr_assert(xvs_port_get(xt_sw, "p1", &p) == 0);
	cr_assert_eq(p.acl_mask, XVS_ACLM_PORT(XVS_ACL_OUT, XVS_ACLM_IP_REMOTE) |
				 XVS_ACLM_XACL(XVS_ACL_IN));
	cr_assert(xvs_acl_del(xt_sw, "p1", x) == 0, "%s", xvs_errmsg());
	cr_assert(xvs_acl_del(xt_sw, "p1", r) == 0, "%s", xvs_errmsg());
	cr_assert(xvs_port_get(xt_sw, "p1", &p) == 0);
	cr_assert_eq(p.acl_mask, 0);
	cr_assert_eq(p.flags & (XVS_PORT_ACL_ANY | XVS_PORT_STATEFUL), 0);
}

Test(acl, remote_ip_deny_drops_counts_reason_and_hits)
{
	struct pkt k = a_to_b(5000, 53), other = a_to_b(5000, 53);
	unsigned char f[256];
	__u32 id = add("p1", port_ip(OUT, XVS_ACL_DENY, false, "10.0.0.0/8"));
	size_t len = build(&k, f);

	cr_assert_eq(out_of_p1(&k), XT_DROP);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_ACL], 1);
	cr_assert_eq(hits(id).packets, 1);
	cr_assert_eq(hits(id).bytes, len);
	other.dst = "192.168.0.2";
	cr_assert_eq(out_of_p1(&other), XT_FWD, "a remote outside the prefix is allowed");
	cr_assert_eq(hits(id).packets, 1);
}

Test(acl, local_ip_is_the_source_going_out)
{
	struct pkt k = a_to_b(5000, 53);

	add("p1", port_ip(OUT, XVS_ACL_DENY, true, IP_A "/32"));
	cr_assert_eq(out_of_p1(&k), XT_DROP);
	k.src = "10.0.0.9";
	cr_assert_eq(out_of_p1(&k), XT_FWD);
}

Test(acl, longest_prefix_wins_whatever_the_order)
{
	struct pkt k = a_to_b(5000, 53);

	/* Allow the /24 first, deny the /8 after: 10.0.0.2 is in the /24. */
	add("p1", port_ip(OUT, XVS_ACL_ALLOW, false, "10.0.0.0/24"));
	add("p1", port_ip(OUT, XVS_ACL_DENY, false, "10.0.0.0/8"));
	cr_assert_eq(out_of_p1(&k), XT_FWD);
	k.dst = "10.9.0.2";
	cr_assert_eq(out_of_p1(&k), XT_DROP);
	/* The other order: deny /16 first, allow the host after. */
	add("p1", port_ip(OUT, XVS_ACL_DENY, false, "10.7.0.0/16"));
	add("p1", port_ip(OUT, XVS_ACL_ALLOW, false, "10.7.1.1/32"));
	k.dst = "10.7.1.1";
	cr_assert_eq(out_of_p1(&k), XT_FWD);
	k.dst = "10.7.1.2";
	cr_assert_eq(out_of_p1(&k), XT_DROP);
	/* Local and remote compared by length: a local /32 allow beats a remote /8 deny. */
	add("p1", port_ip(OUT, XVS_ACL_ALLOW, true, IP_A "/32"));
	k.dst = "10.9.0.2";
	cr_assert_eq(out_of_p1(&k), XT_FWD);
}

Test(acl, exact_mac_beats_ip_rules)
{
	struct pkt k = a_to_b(5000, 53);

	add("p1", port_ip(OUT, XVS_ACL_DENY, false, IP_B "/32"));
	cr_assert_eq(out_of_p1(&k), XT_DROP);
	add("p1", port_mac(OUT, XVS_ACL_ALLOW, false, MAC_B));
	cr_assert_eq(out_of_p1(&k), XT_FWD, "the MAC allow decides before the IP deny");
	add("p2", port_mac(OUT, XVS_ACL_DENY, true, MAC_B));
	add("p2", port_ip(OUT, XVS_ACL_ALLOW, true, IP_B "/32"));
	{
		struct pkt r = b_to_a(53, 5000);
		unsigned char f[256];
		size_t len = build(&r, f);

		cr_assert_eq(xt_run(2, f, len, NULL, NULL), XT_DROP,
			     "a local MAC deny beats an IP allow");
	}
}

Test(acl, meter_counts_and_decides_nothing)
{
	struct pkt k = a_to_b(5000, 53);
	unsigned char f[256];
	size_t len = build(&k, f);
	__u32 m = add("p1", port_ip(OUT, XVS_ACL_METER, false, "10.0.0.0/8"));
	__u32 mm = add("p1", port_mac(OUT, XVS_ACL_METER, false, MAC_B));
	__u32 d;

	cr_assert_eq(out_of_p1(&k), XT_FWD);
	cr_assert_eq(out_of_p1(&k), XT_FWD);
	cr_assert_eq(hits(m).packets, 2);
	cr_assert_eq(hits(m).bytes, 2 * len);
	cr_assert_eq(hits(mm).packets, 2);
	/* A meter and a deny on the same prefix: both exist, the deny decides. */
	d = add("p1", port_ip(OUT, XVS_ACL_DENY, false, "10.0.0.0/8"));
	cr_assert_eq(out_of_p1(&k), XT_DROP);
	cr_assert_eq(hits(m).packets, 3);
	cr_assert_eq(hits(d).packets, 1);
	k.dst = "192.168.1.1";
	cr_assert_eq(out_of_p1(&k), XT_FWD);
	cr_assert_eq(hits(m).packets, 3, "a frame outside the meter's prefix is not counted");
}

Test(acl, an_out_rule_does_not_apply_in_and_both_applies_both_ways)
{
	struct pkt r = b_to_a(53, 5000), k = a_to_b(5000, 53);

	add("p1", port_ip(OUT, XVS_ACL_DENY, false, IP_B "/32"));
	cr_assert_eq(delivered(2, &r, 1), 1, "B -> A enters p1's VM: `in`, not `out`");
	add("p1", port_ip(IN, XVS_ACL_DENY, false, IP_B "/32"));
	cr_assert_eq(delivered(2, &r, 1), 0, "`in` deny");
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_ACL], 1, "counted on the port whose ACL it is");
	cr_assert_eq(out_of_p1(&k), XT_DROP);
}

Test(acl, in_rules_apply_to_known_unicast_and_to_flood_copies)
{
	struct pkt bc = a_to_b(5000, 53);
	__u32 id = add("p2", port_ip(IN, XVS_ACL_DENY, false, IP_A "/32"));

	bc.dst_mac = BCAST;
	cr_assert_eq(delivered(1, &bc, 3), 1, "the flood reaches p3");
	cr_assert_eq(rx[2].count, 0, "p2's `in` ACL drops its copy");
	bc = a_to_b(5000, 53);
	cr_assert_eq(delivered(1, &bc, 2), 0, "known unicast to p2 dropped too");
	cr_assert_eq(hits(id).packets, 2);
	cr_assert_eq(xt_stats(2).drops[XVS_DROP_ACL], 2);
	bc.src = "10.0.0.77";
	cr_assert_eq(delivered(1, &bc, 2), 1);
}

Test(acl, ipv6_prefixes)
{
	struct pkt k = { MAC_B, MAC_A, -1, IP6_A, IP6_B, 17, 5000, 53, 0, false };

	add("p1", port_ip(OUT, XVS_ACL_DENY, false, "2001:db8::/32"));
	add("p1", port_ip(OUT, XVS_ACL_ALLOW, false, "2001:db8::2/128"));
	cr_assert_eq(out_of_p1(&k), XT_FWD);
	k.dst = "2001:db8::3";
	cr_assert_eq(out_of_p1(&k), XT_DROP);
	k.dst = "2001:db9::3";
	cr_assert_eq(out_of_p1(&k), XT_FWD);
	/* An IPv4 rule never matches IPv6 and the other way round. */
	k = a_to_b(5000, 53);
	cr_assert_eq(out_of_p1(&k), XT_FWD);
}

Test(acl, tagged_frames_are_parsed_after_the_tag)
{
	__u64 vids[XVS_VLAN_WORDS];
	struct pkt k = a_to_b(5000, 53);
	__u8 m[6];

	cr_assert(xvs_parse_vid_list("10", vids) == 0);
	cr_assert(xvs_port_set_trunk(xt_sw, "p1", vids, 0) == 0);
	cr_assert(xvs_port_set_access(xt_sw, "p2", 10) == 0);
	cr_assert(xvs_parse_mac(MAC_B, m) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, m, 10, "p2") == 0, "%s", xvs_errmsg());
	add("p1", port_ip(OUT, XVS_ACL_DENY, false, IP_B "/32"));
	add("p1", ext(OUT, XVS_ACL_DENY, 1, "udp", "53", NULL));
	k.vid = 10;
	cr_assert_eq(out_of_p1(&k), XT_DROP);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_ACL], 1);
	k.dst = "10.0.0.3";
	cr_assert_eq(out_of_p1(&k), XT_DROP, "the extended rule sees the UDP port behind the tag");
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_EXT_ACL], 1);
	k.dport = 54;
	cr_assert_eq(out_of_p1(&k), XT_FWD);
}

/* ---- extended ACLs ---- */

Test(acl, extended_highest_weight_decides)
{
	struct pkt k = a_to_b(5000, 53);
	__u32 deny = add("p1", ext(OUT, XVS_ACL_DENY, 5, "udp", NULL, NULL));
	__u32 allow = add("p1", ext(OUT, XVS_ACL_ALLOW, 10, "udp", "53", NULL));

	cr_assert_eq(out_of_p1(&k), XT_FWD);
	k.dport = 54;
	cr_assert_eq(out_of_p1(&k), XT_DROP);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_EXT_ACL], 1);
	cr_assert_eq(hits(allow).packets, 1);
	cr_assert_eq(hits(deny).packets, 1, "first match final: the deny was not counted twice");
	/* A heavier, broader deny beats the lighter, narrower allow. */
	add("p1", ext(OUT, XVS_ACL_DENY, 20, NULL, NULL, "10.0.0.0/8"));
	k.dport = 53;
	cr_assert_eq(out_of_p1(&k), XT_DROP);
	cr_assert_eq(hits(allow).packets, 1);
	/* Other protocols and addresses: no rule, allowed. */
	k.dst = "192.168.0.1";
	k.proto = 6;
	cr_assert_eq(out_of_p1(&k), XT_FWD);
}

Test(acl, extended_search_looks_past_a_shape_whose_heaviest_rule_does_not_match)
{
	struct pkt k = a_to_b(5000, 53);

	/* Shape (udp, remote /24) holds weights 30 and 3; shape (udp, port 53) weight 10. The
	 * /24 shape is searched first (its heaviest rule weighs 30) but only its weight-3 rule
	 * matches: the weight-10 allow of the other shape must still win. */
	add("p1", ext(OUT, XVS_ACL_DENY, 30, "udp", NULL, "192.168.9.0/24"));
	add("p1", ext(OUT, XVS_ACL_DENY, 3, "udp", NULL, "10.0.0.0/24"));
	add("p1", ext(OUT, XVS_ACL_ALLOW, 10, "udp", "53", NULL));
	cr_assert_eq(out_of_p1(&k), XT_FWD);
	k.dport = 54;
	cr_assert_eq(out_of_p1(&k), XT_DROP);
}

Test(acl, extended_port_ranges_match_their_bounds_only)
{
	struct pkt k = a_to_b(5000, 0);
	static const struct { __u16 port; int verdict; } table[] = {
		{ 999, XT_FWD }, { 1000, XT_DROP }, { 1024, XT_DROP }, { 1500, XT_DROP },
		{ 2047, XT_DROP }, { 2050, XT_DROP }, { 2051, XT_FWD }, { 65535, XT_FWD },
	};

	add("p1", ext(OUT, XVS_ACL_DENY, 3, "udp", "1000-2050", NULL));
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		k.dport = table[i].port;
		cr_assert_eq(out_of_p1(&k), table[i].verdict, "port %u", table[i].port);
	}
}

Test(acl, extended_ipv4_options_and_ipv6_extension_headers)
{
	struct pkt k = a_to_b(5000, 53);
	struct pkt k6 = { MAC_B, MAC_A, -1, IP6_A, IP6_B, 17, 5000, 53, 3, false };

	add("p1", ext(OUT, XVS_ACL_DENY, 1, "udp", "53", NULL));
	k.ip_opts = 3;
	cr_assert_eq(out_of_p1(&k), XT_DROP, "ports found after 12 bytes of IPv4 options");
	cr_assert_eq(out_of_p1(&k6), XT_DROP, "ports found after 3 IPv6 extension headers");
	k6.dport = 54;
	cr_assert_eq(out_of_p1(&k6), XT_FWD);
	k6.ip_opts = 9;
	cr_assert_eq(out_of_p1(&k6), XT_DROP, "too long a chain is refused, not guessed");
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_MALFORMED], 1);
}

Test(acl, later_fragments_have_no_ports)
{
	struct pkt k = a_to_b(5000, 53);
	struct pkt k6 = { MAC_B, MAC_A, -1, IP6_A, IP6_B, 17, 5000, 53, 1, true };

	add("p1", ext(OUT, XVS_ACL_DENY, 2, "udp", "53", NULL));
	k.later_fragment = true;
	cr_assert_eq(out_of_p1(&k), XT_FWD, "a port rule cannot match a later fragment");
	cr_assert_eq(out_of_p1(&k6), XT_FWD);
	add("p1", ext(OUT, XVS_ACL_DENY, 1, "udp", NULL, NULL));
	cr_assert_eq(out_of_p1(&k), XT_DROP, "a protocol rule does");
	cr_assert_eq(out_of_p1(&k6), XT_DROP);
}

Test(acl, icmp_means_icmpv4_and_icmpv6)
{
	struct pkt k = a_to_b(0, 0);
	struct pkt k6 = { MAC_B, MAC_A, -1, IP6_A, IP6_B, 58, 0, 0, 0, false };

	add("p1", ext(OUT, XVS_ACL_DENY, 1, "icmp", NULL, NULL));
	k.proto = 1;
	cr_assert_eq(out_of_p1(&k), XT_DROP);
	cr_assert_eq(out_of_p1(&k6), XT_DROP);
	k.proto = 17;
	cr_assert_eq(out_of_p1(&k), XT_FWD);
}

Test(acl, stateful_allow_admits_the_return_traffic)
{
	struct pkt req = a_to_b(5000, 53), reply = b_to_a(53, 5000), other = b_to_a(53, 5001);

	add("p1", ext(IN, XVS_ACL_DENY, 1, "udp", NULL, NULL));
	__u32 id = add("p1", stateful(ext(OUT, XVS_ACL_ALLOW, 10, "udp", "53", NULL), 60));

	cr_assert_eq(delivered(2, &reply, 1), 0, "no flow yet: the reply is denied");
	cr_assert_eq(delivered(1, &req, 2), 1);
	cr_assert_eq(flows(), 1);
	cr_assert_eq(delivered(2, &reply, 1), 1, "the flow admits the reply");
	cr_assert_eq(delivered(2, &other, 1), 0, "another flow's frame is still denied");
	cr_assert_eq(hits(id).packets, 2, "the flow's frames count on its rule");
	/* Deleting the rule ends its flows. */
	cr_assert(xvs_acl_del(xt_sw, "p1", id) == 0, "%s", xvs_errmsg());
	cr_assert_eq(flows(), 0);
	cr_assert_eq(delivered(2, &reply, 1), 0);
}

/* A port whose only rule is a stateful `out` allow still looks its flows up for `in` frames:
 * the return traffic counts on the rule (and keeps the flow alive). */
Test(acl, return_traffic_counts_on_the_flow_without_in_rules)
{
	struct pkt req = a_to_b(5000, 53), reply = b_to_a(53, 5000);
	__u32 id = add("p1", stateful(ext(OUT, XVS_ACL_ALLOW, 10, "udp", "53", NULL), 60));

	cr_assert_eq(delivered(1, &req, 2), 1);
	cr_assert_eq(flows(), 1);
	cr_assert_eq(hits(id).packets, 1);
	cr_assert_eq(delivered(2, &reply, 1), 1);
	cr_assert_eq(hits(id).packets, 2, "the reply counted on the flow's rule");
}

Test(acl, a_flow_lives_until_idle_for_its_timeout)
{
	struct pkt k = a_to_b(5000, 53);

	stop_clock();
	set_now(1000);
	add("p1", stateful(ext(OUT, XVS_ACL_ALLOW, 10, "udp", "53", NULL), 30));
	cr_assert_eq(out_of_p1(&k), XT_FWD);
	cr_assert_eq(flows(), 1);
	/* A heavier deny added now: the established flow still passes, a new one does not. */
	add("p1", ext(OUT, XVS_ACL_DENY, 20, "udp", NULL, NULL));
	set_now(1029);
	cr_assert_eq(out_of_p1(&k), XT_FWD, "29 s idle of 30: alive (and refreshed)");
	set_now(1058);
	cr_assert_eq(out_of_p1(&k), XT_FWD, "29 s after the last frame: alive");
	set_now(1088);
	cr_assert_eq(out_of_p1(&k), XT_DROP, "30 s idle: expired, the rules decide again");
	cr_assert_eq(flows(), 0);
	k.sport = 5001;
	cr_assert_eq(out_of_p1(&k), XT_DROP);
}

Test(acl_flows, a_full_table_refuses_new_flows_and_keeps_the_established)
{
	struct pkt k = a_to_b(5000, 53);

	add("p1", stateful(ext(OUT, XVS_ACL_ALLOW, 10, "udp", NULL, NULL), 60));
	cr_assert_eq(out_of_p1(&k), XT_FWD);
	k.sport = 5001;
	cr_assert_eq(out_of_p1(&k), XT_FWD);
	cr_assert_eq(flows(), 2);
	k.sport = 5002;
	cr_assert_eq(out_of_p1(&k), XT_DROP, "a third flow does not fit");
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_FLOW_TABLE_FULL], 1);
	k.sport = 5000;
	cr_assert_eq(out_of_p1(&k), XT_FWD, "an established flow keeps working");
	k.sport = 5001;
	cr_assert_eq(out_of_p1(&k), XT_FWD);
	cr_assert_eq(flows(), 2);
}

/* ---- the rule set ---- */

Test(acl, delete_and_port_del_remove_what_the_rules_put_in_place)
{
	struct pkt k = a_to_b(5000, 53);
	__u32 d = add("p1", port_ip(BOTH, XVS_ACL_DENY, false, "10.0.0.0/8"));
	/* 53-54 is two port blocks, 53 and 54; e2's 53 shares an entry with it. */
	__u32 e1 = add("p1", ext(OUT, XVS_ACL_DENY, 9, "udp", "53-54", NULL));
	__u32 e2 = add("p1", ext(OUT, XVS_ACL_ALLOW, 4, "udp", "53", NULL));
	struct xvs_port p;

	cr_assert(e2 > e1 && e1 > d, "ids grow");
	cr_assert(xvs_acl_del(xt_sw, "p1", d) == 0, "%s", xvs_errmsg());
	cr_assert_eq(out_of_p1(&k), XT_DROP, "now the extended deny (weight 9) decides");
	cr_assert(xvs_acl_del(xt_sw, "p1", e1) == 0, "%s", xvs_errmsg());
	cr_assert_eq(out_of_p1(&k), XT_FWD, "the shared entry went to the next rule");
	cr_assert_eq(hits(e2).packets, 1);
	k.dport = 54;
	cr_assert_eq(out_of_p1(&k), XT_FWD, "e1's own entry is gone");
	cr_assert(xvs_acl_del(xt_sw, "p1", e2) == 0, "%s", xvs_errmsg());
	cr_assert(xvs_port_get(xt_sw, "p1", &p) == 0);
	cr_assert_eq(p.flags & (XVS_PORT_ACL_ANY | XVS_PORT_STATEFUL), 0);
	cr_assert_eq(p.acl_mask, 0);
	/* A deleted id is not reused. */
	cr_assert(add("p1", port_ip(OUT, XVS_ACL_DENY, false, "10.0.0.0/8")) > e2);
	add("p2", port_ip(OUT, XVS_ACL_DENY, false, "10.0.0.0/8"));
	cr_assert(xvs_port_del(xt_sw, "p1") == 0);
	cr_assert_eq(rule_count(), 1, "only p2's rule is left");
}

Test(acl, bad_rules_are_refused_and_change_nothing)
{
	struct xvs_acl_rule r, batch[2];
	__u32 id = add("p1", ext(OUT, XVS_ACL_ALLOW, 10, "udp", "53", NULL));
	struct pkt k = a_to_b(5000, 53);

	add("p1", port_ip(OUT, XVS_ACL_ALLOW, false, "10.0.0.0/8"));
	r = port_ip(IN, XVS_ACL_DENY, false, "10.0.0.0/8");
	r.dirs = BOTH;
	cr_assert_eq(xvs_acl_add(xt_sw, "p1", &r), -EEXIST, "overlapping direction, same match");
	cr_assert(strstr(xvs_errmsg(), "already"), "%s", xvs_errmsg());
	r = ext(OUT, XVS_ACL_DENY, 10, "tcp", NULL, NULL);
	cr_assert_eq(xvs_acl_add(xt_sw, "p1", &r), -EEXIST, "weight 10 is taken");
	r = ext(OUT, XVS_ACL_DENY, 11, "udp", "53", NULL);
	cr_assert_eq(xvs_acl_add(xt_sw, "p1", &r), -EEXIST, "same match, other weight");
	r = ext(OUT, XVS_ACL_DENY, 12, NULL, NULL, NULL);
	r.remote_port_lo = 80;
	r.remote_port_hi = 80;
	cr_assert_eq(xvs_acl_add(xt_sw, "p1", &r), -EINVAL, "ports without a protocol");
	r = ext(OUT, XVS_ACL_DENY, 12, "udp", NULL, NULL);
	r.idle_timeout = 5;
	cr_assert_eq(xvs_acl_add(xt_sw, "p1", &r), -EINVAL, "idle timeout without stateful");
	r = ext(OUT, XVS_ACL_DENY, 12, "udp", NULL, NULL);
	cr_assert_eq(xvs_acl_add(xt_sw, "nope", &r), -ENOENT);
	r = ext(OUT, XVS_ACL_ALLOW, 12, "udp", "1-65534", NULL);
	r.local_port_lo = 1;
	r.local_port_hi = 65534;
	cr_assert_eq(xvs_acl_add(xt_sw, "p1", &r), -E2BIG, "too many shapes");
	/* A batch with one bad rule adds none. */
	batch[0] = ext(OUT, XVS_ACL_DENY, 30, "tcp", "22", NULL);
	batch[1] = ext(OUT, XVS_ACL_DENY, 30, "tcp", "23", NULL);
	cr_assert_eq(xvs_acl_add_many(xt_sw, "p1", batch, 2), -EEXIST);
	cr_assert_eq(xvs_acl_del(xt_sw, "p2", id), -ENOENT, "rule on another port");
	cr_assert_eq(rule_count(), 2);
	cr_assert_eq(out_of_p1(&k), XT_FWD);
	cr_assert_eq(hits(id).packets, 1);
}

Test(acl, many_rules_one_batch)
{
	static struct xvs_acl_rule v[2000];
	struct pkt k = a_to_b(5000, 53);
	char ip[32];

	for (int i = 0; i < 1000; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.0/24", i >> 8, i & 255);
		v[i] = port_ip(OUT, i ? XVS_ACL_DENY : XVS_ACL_ALLOW, false, ip);
		v[1000 + i] = ext(OUT, i ? XVS_ACL_DENY : XVS_ACL_ALLOW, (__u16)(i + 1), "udp", "53",
				  ip);
	}
	cr_assert(xvs_acl_add_many(xt_sw, "p1", v, 2000) == 0, "%s", xvs_errmsg());
	cr_assert_eq(rule_count(), 2000);
	cr_assert_eq(out_of_p1(&k), XT_FWD, "10.0.0.0/24 is the one allowed");
	k.dst = "10.3.200.9";
	cr_assert_eq(out_of_p1(&k), XT_DROP);
}
