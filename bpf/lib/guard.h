/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Guards, VM -> switch (Hyper-V's DhcpGuard and RouterGuard): frames a VM must not send.
 *
 *   dhcp-guard    DHCPv4 server messages (UDP 67 -> 68) and DHCPv6 server messages (from UDP
 *                 547: Advertise, Reply, Reconfigure, Relay-Reply)
 *   router-guard  ICMPv4 redirect (5) and router advertisement (9), ICMPv6 router
 *                 advertisement (134) and redirect (137)
 *
 * Runs after VLAN classification, so the frame's tags are already vetted (VLAN-0 stacking,
 * bad TPIDs dropped). What the guards see through, so that a guarded message cannot hide:
 *   - one 802.1Q tag (a priority tag included) and, on a trunk, one more inside it;
 *   - LLC/SNAP framing: an 802.3 length field, AA-AA-03, OUI 00-00-00 or 00-00-F8, then the
 *     ethertype (RFC 1042 / 802.1H);
 *   - IPv4 options; IPv6 extension headers (hop-by-hop, routing, fragment, destination
 *     options, AH, mobility, HIP, shim6, experimental), up to XVS_GUARD_MAX_EXT of them.
 * Fragments (RFC 7113's rules for RA-Guard): a first fragment is judged by the headers it
 * carries; a non-first fragment passes, because it cannot be reassembled into anything
 * without its first fragment, which the guard judged. When a guard is on and a header the
 * decision needs cannot be read — the chain is longer than XVS_GUARD_MAX_EXT headers, runs past
 * XVS_GUARD_MAX_OFF bytes or the end of the frame's first buffer, a third tag, a truncated IP,
 * ICMP or UDP header — the frame is dropped (counted under the guard that was asked): a header
 * chain that cannot be followed to its end is not given the benefit of the doubt.
 *
 * Unguarded ports pay one flag test.
 */
#ifndef XVS_LIB_GUARD_H
#define XVS_LIB_GUARD_H

/* The flavour's shim (lib/ctx.h or lib/ctx_tc.h) is included by the program file first. */
#ifndef XVS_LIB_CTX_H
#error "include a context shim first: lib/ctx.h (XDP) or lib/ctx_tc.h (TC)"
#endif

#include "eth.h"
#include "stats.h"
#include "vlan.h"

#define XVS_GUARD_MAX_OFF 1024 /* the whole header chain must be within the first KiB */
#define XVS_GUARD_MAX_EXT 8    /* IPv6 extension headers followed */

#define XVS_ETHERTYPE_MIN 0x0600 /* below: an 802.3 length field */

#define XVS_IPPROTO_ICMP   1
#define XVS_IPPROTO_UDP    17
#define XVS_IPPROTO_ICMPV6 58

#define XVS_DHCP_SERVER_PORT   67
#define XVS_DHCP_CLIENT_PORT   68
#define XVS_DHCP6_SERVER_PORT  547

/* Where a guard is deciding: the frame's bytes and which guards are on. */
struct xvs_guard_pkt {
	void *data, *data_end;
	__u32 flags; /* XVS_PORT_DHCP_GUARD | XVS_PORT_ROUTER_GUARD */
};

/* `len` bytes at `off`, or NULL if they are not all in the frame's first buffer. */
static __always_inline __u8 *xvs_guard_at(const struct xvs_guard_pkt *g, __u32 off, __u32 len)
{
	__u8 *p;

	if (off > XVS_GUARD_MAX_OFF)
		return NULL;
	p = (__u8 *)g->data + off;
	if ((void *)(p + len) > g->data_end)
		return NULL;
	return p;
}

/* The verdict on a frame whose headers cannot be followed: drop, under the guard asked. */
static __always_inline int xvs_guard_unreadable(const struct xvs_guard_pkt *g)
{
	return g->flags & XVS_PORT_ROUTER_GUARD ? XVS_DROP_ROUTER_GUARD : XVS_DROP_DHCP_GUARD;
}

static __always_inline __u16 xvs_get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __always_inline int xvs_guard_is_tpid(__u16 proto)
{
	return proto == XVS_TPID_8021Q || proto == XVS_TPID_8021AD || proto == XVS_TPID_QINQ;
}

/* An ICMPv4 (v6 = 0) or ICMPv6 message at `off`: a router message? */
static __always_inline int xvs_guard_icmp(const struct xvs_guard_pkt *g, __u32 off, int v6)
{
	__u8 *type;

	if (!(g->flags & XVS_PORT_ROUTER_GUARD))
		return XVS_CONTINUE;
	type = xvs_guard_at(g, off, 1);
	if (!type)
		return XVS_DROP_ROUTER_GUARD;
	if (v6 ? (*type == 134 || *type == 137) : (*type == 5 || *type == 9))
		return XVS_DROP_ROUTER_GUARD;
	return XVS_CONTINUE;
}

/* UDP datagram at `off`: a DHCPv4 or DHCPv6 server message? */
static __always_inline int xvs_guard_udp(const struct xvs_guard_pkt *g, __u32 off, int v6)
{
	__u8 *udp, *msg;

	if (!(g->flags & XVS_PORT_DHCP_GUARD))
		return XVS_CONTINUE;
	udp = xvs_guard_at(g, off, 4);
	if (!udp)
		return XVS_DROP_DHCP_GUARD;
	if (!v6)
		return xvs_get16(udp) == XVS_DHCP_SERVER_PORT &&
			       xvs_get16(udp + 2) == XVS_DHCP_CLIENT_PORT ?
		       XVS_DROP_DHCP_GUARD : XVS_CONTINUE;
	if (xvs_get16(udp) != XVS_DHCP6_SERVER_PORT)
		return XVS_CONTINUE;
	msg = xvs_guard_at(g, off + 8, 1); /* msg-type, right after the UDP header */
	if (!msg)
		return XVS_DROP_DHCP_GUARD;
	switch (*msg) {
	case 2:  /* Advertise */
	case 7:  /* Reply */
	case 10: /* Reconfigure */
	case 13: /* Relay-Reply */
		return XVS_DROP_DHCP_GUARD;
	}
	return XVS_CONTINUE;
}

static __always_inline int xvs_guard_ipv4(const struct xvs_guard_pkt *g, __u32 off)
{
	__u8 *ip = xvs_guard_at(g, off, 20);
	__u32 ihl;

	if (!ip)
		return xvs_guard_unreadable(g);
	ihl = (__u32)(ip[0] & 0x0f) * 4;
	if (ihl < 20)
		return xvs_guard_unreadable(g);
	if (xvs_get16(ip + 6) & 0x1fff)
		return XVS_CONTINUE; /* a non-first fragment: no transport header here */
	if (ip[9] == XVS_IPPROTO_ICMP)
		return xvs_guard_icmp(g, off + ihl, 0);
	if (ip[9] == XVS_IPPROTO_UDP)
		return xvs_guard_udp(g, off + ihl, 0);
	return XVS_CONTINUE;
}

static __always_inline int xvs_guard_ipv6(const struct xvs_guard_pkt *g, __u32 off)
{
	__u8 *ip = xvs_guard_at(g, off, 40), *h;
	__u8 next;

	if (!ip)
		return xvs_guard_unreadable(g);
	next = ip[6];
	off += 40;
	for (int i = 0; i < XVS_GUARD_MAX_EXT; i++) {
		switch (next) {
		case 0:   /* hop-by-hop options */
		case 43:  /* routing */
		case 60:  /* destination options */
		case 135: /* mobility */
		case 139: /* HIP */
		case 140: /* shim6 */
		case 253: /* experimental */
		case 254:
			h = xvs_guard_at(g, off, 2);
			if (!h)
				return xvs_guard_unreadable(g);
			next = h[0];
			off += ((__u32)h[1] + 1) * 8;
			break;
		case 51:  /* AH: length in 4-byte units, minus 2 */
			h = xvs_guard_at(g, off, 2);
			if (!h)
				return xvs_guard_unreadable(g);
			next = h[0];
			off += ((__u32)h[1] + 2) * 4;
			break;
		case 44:  /* fragment */
			h = xvs_guard_at(g, off, 8);
			if (!h)
				return xvs_guard_unreadable(g);
			if (xvs_get16(h + 2) & 0xfff8)
				return XVS_CONTINUE; /* a non-first fragment */
			next = h[0];
			off += 8;
			break;
		case XVS_IPPROTO_ICMPV6:
			return xvs_guard_icmp(g, off, 1);
		case XVS_IPPROTO_UDP:
			return xvs_guard_udp(g, off, 1);
		default:
			return XVS_CONTINUE; /* another upper layer (or ESP, or no next header) */
		}
	}
	return xvs_guard_unreadable(g); /* longer than we follow */
}

/*
 * The guards `flags` on a frame whose ethertype (after the outer tag, if it has one: `tagged`)
 * is at `off`: not inlined, so its locals do not add to the stack of the
 * ingress program's other call chains (the ACL's, which is deep) — the verifier caps the
 * combined stack of a call chain at 512 bytes.
 */
static __noinline int xvs_guard_check(void *data, void *data_end, __u32 flags, __u32 tagged,
					__u32 off)
{
	struct xvs_guard_pkt g = { data, data_end, flags };
	__u16 proto;
	__u8 *h;

	h = xvs_guard_at(&g, off, 2);
	if (!h)
		return xvs_guard_unreadable(&g);
	proto = xvs_get16(h);
	if (tagged && xvs_guard_is_tpid(proto)) { /* a tag inside the tag, on a trunk */
		off += XVS_VLAN_HLEN;
		h = xvs_guard_at(&g, off, 2);
		if (!h)
			return xvs_guard_unreadable(&g);
		proto = xvs_get16(h);
		if (xvs_guard_is_tpid(proto))
			return xvs_guard_unreadable(&g);
	}
	off += 2;
	if (proto < XVS_ETHERTYPE_MIN) {
		/* 802.3 length: only LLC/SNAP with an Ethernet OUI carries an ethertype. */
		h = xvs_guard_at(&g, off, 8);
		if (!h || h[0] != 0xaa || h[1] != 0xaa || h[2] != 0x03 || h[3] || h[4] ||
		    (h[5] != 0x00 && h[5] != 0xf8))
			return XVS_CONTINUE;
		proto = xvs_get16(h + 6);
		off += 8;
	}
	if (proto == XVS_ETH_P_IPV4)
		return xvs_guard_ipv4(&g, off);
	if (proto == XVS_ETH_P_IPV6)
		return xvs_guard_ipv6(&g, off);
	return XVS_CONTINUE;
}

/*
 * The guards of port p on a frame that passed VLAN classification (f). XVS_CONTINUE, or
 * XVS_DROP_DHCP_GUARD / XVS_DROP_ROUTER_GUARD. Unguarded ports pay the flag test only.
 */
#define XVS_GUARD_HDR_BYTES 128 /* made directly readable first (TC: the skb's linear part) */

static __always_inline int xvs_guards(xvs_ctx_t *ctx, const struct xvs_port *p,
				      const struct xvs_frame *f)
{
	__u32 flags = p->flags & (XVS_PORT_DHCP_GUARD | XVS_PORT_ROUTER_GUARD);
	__u32 l3off;

	if (!flags)
		return XVS_CONTINUE;
	/* Where the ethertype after the outer tag is: the shim knows whether that tag is in the
	 * bytes (on TC it is usually out of band). */
	l3off = xvs_l3_offset(ctx, f->tagged);
	xvs_make_readable(ctx, l3off + XVS_GUARD_HDR_BYTES);
	return xvs_guard_check(xvs_data(ctx), xvs_data_end(ctx), flags, f->tagged, l3off - 2);
}

#endif
