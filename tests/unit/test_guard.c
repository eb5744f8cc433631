// SPDX-License-Identifier: MIT
/*
 * DHCP guard and router guard: a table of crafted frames, each sent from p1 with the guards
 * off, with each one on, and with both on; the verdict and the drop counter of every run are
 * checked.
 */
#include "cases.h"

/* ---- a small frame builder ---------------------------------------------------------------- */

struct pkt {
	unsigned char b[512];
	size_t n;
};

static void put(struct pkt *p, const void *d, size_t n)
{
	cr_assert(p->n + n <= sizeof(p->b));
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void put8(struct pkt *p, unsigned v)
{
	unsigned char c = (unsigned char)v;

	put(p, &c, 1);
}

static void put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8);
	put8(p, v);
}

static void zeros(struct pkt *p, size_t n)
{
	cr_assert(p->n + n <= sizeof(p->b));
	memset(p->b + p->n, 0, n);
	p->n += n;
}

/* Ethernet header: dst, source MAC_A, then 802.1Q tags (tci values), then the ethertype. */
static void eth(struct pkt *p, const char *dst, const int *tcis, int ntags, unsigned type)
{
	p->n = 0;
	cr_assert(xvs_parse_mac(dst, p->b) == 0 && xvs_parse_mac(MAC_A, p->b + 6) == 0);
	p->n = 12;
	for (int i = 0; i < ntags; i++) {
		put16(p, TPID_Q);
		put16(p, (unsigned)tcis[i]);
	}
	put16(p, type);
}

/* 802.3 length field + LLC/SNAP (AA-AA-03, OUI 00-00-00) carrying `type`. */
static void eth_snap(struct pkt *p, const char *dst, unsigned type)
{
	eth(p, dst, NULL, 0, 0x0064);
	put8(p, 0xaa);
	put8(p, 0xaa);
	put8(p, 0x03);
	zeros(p, 3);
	put16(p, type);
}

/* IPv4 header with `opt_words` words of options (NOPs) and the fragment field as given. */
static void ipv4(struct pkt *p, unsigned proto, unsigned frag, int opt_words)
{
	put8(p, 0x45 + (unsigned)opt_words);
	put8(p, 0);
	put16(p, 0);      /* total length: not looked at */
	put16(p, 1);      /* id */
	put16(p, frag);
	put8(p, 64);
	put8(p, proto);
	put16(p, 0);
	put8(p, 10); put8(p, 0); put8(p, 0); put8(p, 1);
	put8(p, 255); put8(p, 255); put8(p, 255); put8(p, 255);
	for (int i = 0; i < opt_words * 4; i++)
		put8(p, 1);
}

static void ipv6(struct pkt *p, unsigned next)
{
	put8(p, 0x60);
	zeros(p, 3);
	put16(p, 0);
	put8(p, next);
	put8(p, 255);
	put8(p, 0xfe); put8(p, 0x80); zeros(p, 13); put8(p, 1);   /* fe80::1 */
	put8(p, 0xff); put8(p, 0x02); zeros(p, 13); put8(p, 1);   /* ff02::1 */
}

/* An options-style extension header (hop-by-hop, destination options, routing): 8 bytes. */
static void ext(struct pkt *p, unsigned next)
{
	put8(p, next);
	put8(p, 0);
	zeros(p, 6);
}

static void frag6(struct pkt *p, unsigned next, unsigned offset8, int more)
{
	put8(p, next);
	put8(p, 0);
	put16(p, offset8 << 3 | (more ? 1 : 0));
	put16(p, 0);
	put16(p, 7);
}

static void udp(struct pkt *p, unsigned sport, unsigned dport)
{
	put16(p, sport);
	put16(p, dport);
	put16(p, 0);
	put16(p, 0);
}

/* A BOOTP/DHCPv4 message of DHCP message type `type` (op from it: 2, 5 are replies). */
static void dhcp4(struct pkt *p, unsigned type)
{
	static const unsigned char cookie[] = { 99, 130, 83, 99 };

	put8(p, type == 2 || type == 5 ? 2 : 1);
	put8(p, 1);
	put8(p, 6);
	zeros(p, 233);
	put(p, cookie, sizeof(cookie));
	put8(p, 53);
	put8(p, 1);
	put8(p, type);
	put8(p, 255);
}

static void icmp(struct pkt *p, unsigned type)
{
	put8(p, type);
	put8(p, 0);
	zeros(p, 14);
}

/* ---- the table ---------------------------------------------------------------------------- */

#define V6_ALL "33:33:00:00:00:01"

enum kind {
	BENIGN,     /* passes every guard */
	DHCP,       /* a DHCP server message: dhcp-guard drops it */
	ROUTER,     /* a router message: router-guard drops it */
	UNREADABLE, /* the headers cannot be followed: any guard that is on drops it */
};

struct gcase {
	const char *name;
	enum kind kind;
	bool trunk; /* p1 is a trunk for VLANs 10, 20 */
	void (*build)(struct pkt *p);
};

static const int VID0 = 0, PRIO5 = 5 << 13, VID10 = 10;

static void dhcp4_offer(struct pkt *p) { eth(p, BCAST, NULL, 0, 0x0800); ipv4(p, 17, 0, 0); udp(p, 67, 68); dhcp4(p, 2); }
static void dhcp4_ack(struct pkt *p) { eth(p, BCAST, NULL, 0, 0x0800); ipv4(p, 17, 0, 0); udp(p, 67, 68); dhcp4(p, 5); }
static void dhcp4_discover(struct pkt *p) { eth(p, BCAST, NULL, 0, 0x0800); ipv4(p, 17, 0, 0); udp(p, 68, 67); dhcp4(p, 1); }
static void dhcp4_request(struct pkt *p) { eth(p, BCAST, NULL, 0, 0x0800); ipv4(p, 17, 0, 0); udp(p, 68, 67); dhcp4(p, 3); }
static void dhcp4_offer_prio(struct pkt *p) { eth(p, BCAST, &PRIO5, 1, 0x0800); ipv4(p, 17, 0, 0); udp(p, 67, 68); dhcp4(p, 2); }
static void dhcp4_offer_snap(struct pkt *p) { eth_snap(p, BCAST, 0x0800); ipv4(p, 17, 0, 0); udp(p, 67, 68); dhcp4(p, 2); }
static void dhcp4_offer_options(struct pkt *p) { eth(p, BCAST, NULL, 0, 0x0800); ipv4(p, 17, 0, 3); udp(p, 67, 68); dhcp4(p, 2); }
static void udp4_other(struct pkt *p) { eth(p, BCAST, NULL, 0, 0x0800); ipv4(p, 17, 0, 0); udp(p, 5000, 68); icmp(p, 0); }

static void dhcp6(struct pkt *p, unsigned sport, unsigned dport, unsigned type) { udp(p, sport, dport); put8(p, type); zeros(p, 3); }
static void dhcp6_advertise(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 17); dhcp6(p, 547, 546, 2); }
static void dhcp6_reply(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 17); dhcp6(p, 547, 546, 7); }
static void dhcp6_reconfigure(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 17); dhcp6(p, 547, 546, 10); }
static void dhcp6_relay_reply(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 17); dhcp6(p, 547, 547, 13); }
static void dhcp6_solicit(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 17); dhcp6(p, 546, 547, 1); }
static void dhcp6_request(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 17); dhcp6(p, 546, 547, 3); }
static void dhcp6_advertise_dstopts(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 60); ext(p, 17); dhcp6(p, 547, 546, 2); }
static void dhcp6_no_type(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 17); udp(p, 547, 546); }

static void icmp4(struct pkt *p, unsigned type) { eth(p, BCAST, NULL, 0, 0x0800); ipv4(p, 1, 0, 0); icmp(p, type); }
static void icmp4_redirect(struct pkt *p) { icmp4(p, 5); }
static void icmp4_router_adv(struct pkt *p) { icmp4(p, 9); }
static void icmp4_echo(struct pkt *p) { icmp4(p, 8); }
static void icmp4_router_sol(struct pkt *p) { icmp4(p, 10); }
static void icmp4_redirect_options(struct pkt *p) { eth(p, BCAST, NULL, 0, 0x0800); ipv4(p, 1, 0, 10); icmp(p, 5); }
static void icmp4_redirect_first_frag(struct pkt *p) { eth(p, BCAST, NULL, 0, 0x0800); ipv4(p, 1, 0x2000, 0); icmp(p, 5); }
static void icmp4_non_first_frag(struct pkt *p) { eth(p, BCAST, NULL, 0, 0x0800); ipv4(p, 1, 0x0001, 0); icmp(p, 5); }
static void icmp4_redirect_snap(struct pkt *p) { eth_snap(p, BCAST, 0x0800); ipv4(p, 1, 0, 0); icmp(p, 5); }
static void ipv4_truncated(struct pkt *p) { eth(p, BCAST, NULL, 0, 0x0800); zeros(p, 10); }

static void icmp6_at(struct pkt *p, unsigned type) { icmp(p, type); }
static void ra(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 58); icmp6_at(p, 134); }
static void redirect6(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 58); icmp6_at(p, 137); }
static void ra_hbh(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 0); ext(p, 58); icmp6_at(p, 134); }
static void ra_dstopts(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 60); ext(p, 58); icmp6_at(p, 134); }
static void ra_routing(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 43); ext(p, 58); icmp6_at(p, 134); }
static void ra_first_frag(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 44); frag6(p, 58, 0, 1); icmp6_at(p, 134); }
static void redirect6_chain(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 0); ext(p, 60); ext(p, 43); ext(p, 44); frag6(p, 58, 0, 1); icmp6_at(p, 137); }
static void ra_non_first_frag(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 44); frag6(p, 58, 8, 0); icmp6_at(p, 134); }
static void ra_prio(struct pkt *p) { eth(p, V6_ALL, &VID0, 1, 0x86dd); ipv6(p, 58); icmp6_at(p, 134); }
static void ra_snap(struct pkt *p) { eth_snap(p, V6_ALL, 0x86dd); ipv6(p, 58); icmp6_at(p, 134); }
static void ra_trunk(struct pkt *p) { eth(p, V6_ALL, &VID10, 1, 0x86dd); ipv6(p, 58); icmp6_at(p, 134); }
static void ra_trunk_inner_tag(struct pkt *p) { const int t[2] = { 10, 20 }; eth(p, V6_ALL, t, 2, 0x86dd); ipv6(p, 58); icmp6_at(p, 134); }
static void ra_trunk_three_tags(struct pkt *p) { const int t[3] = { 10, 20, 30 }; eth(p, V6_ALL, t, 3, 0x86dd); ipv6(p, 58); icmp6_at(p, 134); }
static void ra_chain_too_long(struct pkt *p)
{
	eth(p, V6_ALL, NULL, 0, 0x86dd);
	ipv6(p, 60);
	for (int i = 0; i < 8; i++)
		ext(p, 60);
	ext(p, 58);
	icmp6_at(p, 134);
}
static void ext_past_end(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 60); put8(p, 60); put8(p, 20); zeros(p, 6); }
static void icmp6_missing(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 60); ext(p, 58); }
static void rs(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 58); icmp6_at(p, 133); }
static void ns(struct pkt *p) { eth(p, "33:33:ff:00:00:01", NULL, 0, 0x86dd); ipv6(p, 58); icmp6_at(p, 135); zeros(p, 8); }
static void na(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 58); icmp6_at(p, 136); zeros(p, 8); }
static void echo6(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 58); icmp6_at(p, 128); }
static void tcp6_hbh(struct pkt *p) { eth(p, V6_ALL, NULL, 0, 0x86dd); ipv6(p, 0); ext(p, 6); zeros(p, 20); }
static void arp(struct pkt *p) { eth(p, BCAST, NULL, 0, 0x0806); put16(p, 1); put16(p, 0x0800); put8(p, 6); put8(p, 4); put16(p, 1); zeros(p, 20); }
static void llc_other(struct pkt *p) { eth(p, BCAST, NULL, 0, 0x0026); put8(p, 0x42); put8(p, 0x42); put8(p, 0x03); zeros(p, 40); }

static const struct gcase cases[] = {
	{ "DHCPv4 offer", DHCP, false, dhcp4_offer },
	{ "DHCPv4 ack", DHCP, false, dhcp4_ack },
	{ "DHCPv4 offer, priority-tagged", DHCP, false, dhcp4_offer_prio },
	{ "DHCPv4 offer in LLC/SNAP", DHCP, false, dhcp4_offer_snap },
	{ "DHCPv4 offer, IPv4 options", DHCP, false, dhcp4_offer_options },
	{ "DHCPv4 discover", BENIGN, false, dhcp4_discover },
	{ "DHCPv4 request", BENIGN, false, dhcp4_request },
	{ "UDP to port 68 not from 67", BENIGN, false, udp4_other },
	{ "DHCPv6 advertise", DHCP, false, dhcp6_advertise },
	{ "DHCPv6 reply", DHCP, false, dhcp6_reply },
	{ "DHCPv6 reconfigure", DHCP, false, dhcp6_reconfigure },
	{ "DHCPv6 relay-reply", DHCP, false, dhcp6_relay_reply },
	{ "DHCPv6 advertise behind destination options", DHCP, false, dhcp6_advertise_dstopts },
	{ "DHCPv6 from 547 without a message type", DHCP, false, dhcp6_no_type },
	{ "DHCPv6 solicit", BENIGN, false, dhcp6_solicit },
	{ "DHCPv6 request", BENIGN, false, dhcp6_request },
	{ "ICMPv4 redirect", ROUTER, false, icmp4_redirect },
	{ "ICMPv4 router advertisement", ROUTER, false, icmp4_router_adv },
	{ "ICMPv4 redirect, IPv4 options", ROUTER, false, icmp4_redirect_options },
	{ "ICMPv4 redirect, first fragment", ROUTER, false, icmp4_redirect_first_frag },
	{ "ICMPv4 redirect in LLC/SNAP", ROUTER, false, icmp4_redirect_snap },
	{ "ICMPv4 non-first fragment", BENIGN, false, icmp4_non_first_frag },
	{ "ICMPv4 echo", BENIGN, false, icmp4_echo },
	{ "ICMPv4 router solicitation", BENIGN, false, icmp4_router_sol },
	{ "IPv4 header cut short", UNREADABLE, false, ipv4_truncated },
	{ "ICMPv6 RA", ROUTER, false, ra },
	{ "ICMPv6 redirect", ROUTER, false, redirect6 },
	{ "RA behind hop-by-hop", ROUTER, false, ra_hbh },
	{ "RA behind destination options", ROUTER, false, ra_dstopts },
	{ "RA behind routing header", ROUTER, false, ra_routing },
	{ "RA in a first fragment", ROUTER, false, ra_first_frag },
	{ "redirect behind hbh, dstopts, routing, fragment", ROUTER, false, redirect6_chain },
	{ "RA, priority-tagged (VID 0)", ROUTER, false, ra_prio },
	{ "RA in LLC/SNAP", ROUTER, false, ra_snap },
	{ "RA tagged on a trunk", ROUTER, true, ra_trunk },
	{ "RA behind a tag inside the tag, on a trunk", ROUTER, true, ra_trunk_inner_tag },
	{ "three tags on a trunk", UNREADABLE, true, ra_trunk_three_tags },
	{ "RA behind 9 extension headers", UNREADABLE, false, ra_chain_too_long },
	{ "extension header running past the frame", UNREADABLE, false, ext_past_end },
	/* The chain ends in ICMPv6, but its type cannot be read: only router-guard cares. */
	{ "ICMPv6 header missing after the chain", ROUTER, false, icmp6_missing },
	{ "non-first fragment of ICMPv6", BENIGN, false, ra_non_first_frag },
	{ "router solicitation", BENIGN, false, rs },
	{ "neighbour solicitation", BENIGN, false, ns },
	{ "neighbour advertisement", BENIGN, false, na },
	{ "ICMPv6 echo request", BENIGN, false, echo6 },
	{ "TCP behind hop-by-hop", BENIGN, false, tcp6_hbh },
	{ "ARP request", BENIGN, false, arp },
	{ "802.3 frame with another LLC", BENIGN, false, llc_other },
};

static void setup2(void)
{
	xt_setup(2);
}

TestSuite(guard, .init = setup2, .fini = xt_teardown);

/* The reason a frame of this kind is dropped for with these guards on, or -1 (it passes). */
static int expected_reason(enum kind k, bool dhcp, bool router)
{
	switch (k) {
	case DHCP:
		return dhcp ? XVS_DROP_DHCP_GUARD : -1;
	case ROUTER:
		return router ? XVS_DROP_ROUTER_GUARD : -1;
	case UNREADABLE:
		return router ? XVS_DROP_ROUTER_GUARD : dhcp ? XVS_DROP_DHCP_GUARD : -1;
	default:
		return -1;
	}
}

Test(guard, every_frame_kind_with_every_guard_setting)
{
	__u64 vids[XVS_VLAN_WORDS];
	struct pkt p;

	cr_assert(xvs_parse_vid_list("10,20", vids) == 0);
	for (int mode = 0; mode < 4; mode++) {
		bool dhcp = mode & 1, router = mode & 2;

		cr_assert(xvs_port_set_dhcp_guard(xt_sw, "p1", dhcp) == 0, "%s", xvs_errmsg());
		cr_assert(xvs_port_set_router_guard(xt_sw, "p1", router) == 0, "%s", xvs_errmsg());
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const struct gcase *c = &cases[i];
			int want = expected_reason(c->kind, dhcp, router), got;
			struct xvs_port_stats before, after;

			if (c->trunk)
				cr_assert(xvs_port_set_trunk(xt_sw, "p1", vids, 0) == 0);
			c->build(&p);
			before = xt_stats(1);
			got = xt_run(1, p.b, p.n, NULL, NULL);
			after = xt_stats(1);
			if (c->trunk)
				cr_assert(xvs_port_set_untagged(xt_sw, "p1") == 0);
			cr_assert_eq(got, want < 0 ? XT_FWD : XT_DROP,
				     "%s (dhcp-guard %s, router-guard %s): verdict %d", c->name,
				     dhcp ? "on" : "off", router ? "on" : "off", got);
			cr_assert_eq(total_drops(&after) - total_drops(&before), want < 0 ? 0u : 1u,
				     "%s: drop counters moved by %llu", c->name,
				     (unsigned long long)(total_drops(&after) - total_drops(&before)));
			if (want >= 0)
				cr_assert_eq(after.drops[want], before.drops[want] + 1,
					     "%s: not counted as %s", c->name, xvs_drop_name(want));
		}
	}
}

Test(guard, counted_by_reason_on_the_sending_port_only)
{
	struct xvs_port_stats st;
	struct pkt p;

	cr_assert(xvs_port_set_dhcp_guard(xt_sw, "p1", true) == 0);
	cr_assert(xvs_port_set_router_guard(xt_sw, "p1", true) == 0);
	dhcp4_offer(&p);
	cr_assert_eq(xt_run(1, p.b, p.n, NULL, NULL), XT_DROP);
	cr_assert_eq(xt_run(1, p.b, p.n, NULL, NULL), XT_DROP);
	ra_hbh(&p);
	cr_assert_eq(xt_run(1, p.b, p.n, NULL, NULL), XT_DROP);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_DHCP_GUARD], 2);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_ROUTER_GUARD], 1);
	cr_assert_eq(xt_stats(1).rx_packets, 3);
	cr_assert_eq(xt_stats(1).flooded, 0, "a guarded frame was flooded");
	/* p2 is unguarded: the same frames from it are forwarded. */
	cr_assert_eq(xt_run(2, p.b, p.n, NULL, NULL), XT_FWD);
	dhcp4_offer(&p);
	cr_assert_eq(xt_run(2, p.b, p.n, NULL, NULL), XT_FWD);
	st = xt_stats(2);
	cr_assert_eq(total_drops(&st), 0);
}

Test(guard, vlan0_stacking_is_dropped_before_the_guards)
{
	const int t[2] = { 0, 10 };
	struct pkt p;

	cr_assert(xvs_port_set_router_guard(xt_sw, "p1", true) == 0);
	eth(&p, V6_ALL, t, 2, 0x86dd);
	ipv6(&p, 58);
	icmp6_at(&p, 134);
	cr_assert_eq(xt_run(1, p.b, p.n, NULL, NULL), XT_DROP);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_VLAN0_STACKING], 1);
	cr_assert_eq(xt_stats(1).drops[XVS_DROP_ROUTER_GUARD], 0);
}

Test(guard, guarded_port_still_forwards_ordinary_unicast_unchanged)
{
	unsigned char out[512];
	size_t out_len;
	struct pkt p;
	__u8 mac[6];

	cr_assert(xvs_parse_mac(MAC_B, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 0, "p2") == 0);
	cr_assert(xvs_port_set_dhcp_guard(xt_sw, "p1", true) == 0);
	cr_assert(xvs_port_set_router_guard(xt_sw, "p1", true) == 0);
	eth(&p, MAC_B, NULL, 0, 0x0800);
	ipv4(&p, 17, 0, 0);
	udp(&p, 4000, 4001);
	zeros(&p, 18);
	cr_assert_eq(xt_run(1, p.b, p.n, out, &out_len), XT_FWD);
	/* Known unicast leaves finished at ingress: exactly as it came. */
	assert_frame(out, out_len, p.b, p.n);
	cr_assert_eq(xt_stats(2).tx_packets, 1);
}
