/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Port ACLs and extended ACLs (Hyper-V's Add-VMNetworkAdapterAcl and -ExtendedAcl), checked
 * once per frame and direction by xvs_acl_check(): at ingress for `out` (from the VM), in the
 * egress work for `in` (to the VM).
 *
 *   port ACL      MAC (exact, hash) or IPv4/IPv6 prefix (LPM trie), local or remote, allow or
 *                 deny: an exact MAC match decides before any IP rule; among IP rules the
 *                 longest prefix wins (local and remote compared by length; on a tie deny
 *                 wins). No matching rule: allowed. Meter rules (their own table) count the
 *                 frames they match and decide nothing.
 *   extended ACL  protocol, local/remote prefix, local/remote port range, allow or deny,
 *                 weight: the matching rule with the highest weight decides; none: allowed.
 *                 Found by tuple-space search (see xvs_xacl_match). A stateful allow opens a
 *                 flow (lib/flow.h) whose frames, both ways, pass without the rules.
 *
 * A frame must pass both: the port ACL first, then the extended ACL. The tables are derived
 * from the rules by userspace (loader/acl.c), which also sets the port's acl_mask (which
 * lookups can match, per direction: XVS_ACLM_*), so a frame pays only for the lookups that can
 * match — none at all on a port without rules for its direction.
 */
#ifndef XVS_LIB_ACL_H
#define XVS_LIB_ACL_H

/* The flavour's shim (lib/ctx.h or lib/ctx_tc.h) is included by the program file first. */
#ifndef XVS_LIB_CTX_H
#error "include a context shim first: lib/ctx.h (XDP) or lib/ctx_tc.h (TC)"
#endif

#include "eth.h"
#include "maps.h"
#include "stats.h"
#include "vlan.h"
#include "fdb.h"
#include "flow.h"

/* Every rule as written (userspace only: show, delete, duplicate checks). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XVS_ACL_MAX_RULES);
	__type(key, __u32);
	__type(value, struct xvs_acl_rule);
} xvs_acl_rules SEC(".maps");

/* Hit counters, per rule slot. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XVS_ACL_MAX_RULES);
	__type(key, __u32);
	__type(value, struct xvs_acl_hits);
} xvs_acl_hits SEC(".maps");

/* Port ACL MAC rules, exact. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XVS_ACL_MAX_LPM);
	__type(key, struct xvs_acl_mac_key);
	__type(value, struct xvs_acl_val);
} xvs_acl_mac SEC(".maps");

/* Port ACL IP rules: one trie for every port, direction, scope and family (the key starts
 * with them, always whole, so the longest match never crosses into another port's rules). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XVS_ACL_MAX_LPM);
	__type(key, struct xvs_acl_lpm_key);
	__type(value, struct xvs_acl_val);
} xvs_acl_lpm SEC(".maps");

/* Extended ACL entries under their shape, and the shapes of each port and direction. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XVS_XACL_MAX_ENTRIES);
	__type(key, struct xvs_xacl_key);
	__type(value, struct xvs_xacl_val);
} xvs_xacl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* replaced whole under RCU, like xvs_ports */
	__uint(max_entries, 2 * XVS_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct xvs_xacl_shapes);
} xvs_xacl_shapes SEC(".maps");

/* ---- L3/L4 parsing ---- */

#define XVS_IPV6_EXT_MAX 8   /* extension headers skipped before giving up (malformed) */
#define XVS_L4_OFF_MAX   512 /* no sane header chain is longer */

/* What the ACLs read of a frame, copied out once and seen from the VM in one direction:
 * for `out` local = source, for `in` local = destination. The parsers below fill it as for
 * `out`; xvs_acl_verdict swaps the sides for `in` (one struct on the stack, not two: the
 * verifier's 512-byte limit covers the whole call chain, the TC copy loop's included). */
struct xvs_acl_pkt {
	__u8  family;      /* 0: not IP */
	__u8  proto;
	__u8  has_ports;
	__u8  pad0;
	__u16 local_port, remote_port;
	__u8  local_mac[6], remote_mac[6];
	__u32 local_ip[4], remote_ip[4];
};

struct xvs_ipv4hdr {
	__u8   ver_ihl;
	__u8   tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8   ttl;
	__u8   proto;
	__be16 check;
	__be32 saddr;
	__be32 daddr;
};

struct xvs_ipv6hdr {
	__be32 vtc_flow;
	__be16 payload_len;
	__u8   nexthdr;
	__u8   hop_limit;
	__u32  saddr[4];
	__u32  daddr[4];
};

struct xvs_ipv6_ext {
	__u8   nexthdr;
	__u8   len;
	__be16 frag_off;   /* fragment header only */
};

static __always_inline int xvs_proto_has_ports(__u8 proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

/* Ports of the L4 header at data + off (a truncated header has none). ICMP echo requests and
 * replies put their identifier in both port fields, without has_ports: port rules never match
 * ICMP, but a stateful echo flow is one ping, not every ICMP between two hosts. */
static __always_inline void xvs_parse_ports(void *data, void *end, __u32 off, struct xvs_acl_pkt *l)
{
	__u8 *icmp;
	__be16 *ports;

	if (off > XVS_L4_OFF_MAX)
		return;
	if (l->proto == 1 || l->proto == 58) {
		icmp = data + off;
		if ((void *)(icmp + 6) > end)
			return;
		if (l->proto == 1 ? icmp[0] == 0 || icmp[0] == 8 : icmp[0] == 128 || icmp[0] == 129)
			l->local_port = l->remote_port = (__u16)(icmp[4] << 8 | icmp[5]);
		return;
	}
	if (!xvs_proto_has_ports(l->proto))
		return;
	ports = data + off;
	if ((void *)(ports + 2) > end)
		return;
	l->local_port = bpf_ntohs(ports[0]);
	l->remote_port = bpf_ntohs(ports[1]);
	l->has_ports = 1;
}

/* IPv4 at data + off, options (IHL) skipped. 0, or -1 if the header is broken. */
static __always_inline int xvs_parse_ipv4(void *data, void *end, __u32 off, struct xvs_acl_pkt *l)
{
	struct xvs_ipv4hdr *ip = data + off;
	__u32 hl;

	if ((void *)(ip + 1) > end || (ip->ver_ihl >> 4) != 4)
		return -1;
	hl = (ip->ver_ihl & 0xf) * 4;
	if (hl < sizeof(*ip))
		return -1;
	l->family = 4;
	l->proto = ip->proto;
	l->local_ip[0] = ip->saddr;
	l->remote_ip[0] = ip->daddr;
	if (ip->frag_off & bpf_htons(0x1fff))
		return 0; /* a later fragment: no L4 header */
	xvs_parse_ports(data, end, off + hl, l);
	return 0;
}

/* IPv6 at data + off; extension headers skipped (a bounded number). 0 or -1. */
static __always_inline int xvs_parse_ipv6(void *data, void *end, __u32 off, struct xvs_acl_pkt *l)
{
	struct xvs_ipv6hdr *ip6 = data + off;
	struct xvs_ipv6_ext *ext;
	__u8 nh;

	if ((void *)(ip6 + 1) > end || (ip6->vtc_flow & bpf_htonl(0xf0000000)) != bpf_htonl(0x60000000))
		return -1;
	l->family = 6;
	__builtin_memcpy(l->local_ip, ip6->saddr, 16);
	__builtin_memcpy(l->remote_ip, ip6->daddr, 16);
	nh = ip6->nexthdr;
	off += sizeof(*ip6);
	for (int i = 0; i < XVS_IPV6_EXT_MAX; i++) {
		if (off > XVS_L4_OFF_MAX)
			return -1;
		ext = data + off;
		switch (nh) {
		case 0:   /* hop-by-hop options */
		case 43:  /* routing */
		case 60:  /* destination options */
			if ((void *)(ext + 1) > end)
				return -1;
			nh = ext->nexthdr;
			off += ((__u32)ext->len + 1) * 8;
			break;
		case 51:  /* authentication header */
			if ((void *)(ext + 1) > end)
				return -1;
			nh = ext->nexthdr;
			off += ((__u32)ext->len + 2) * 4;
			break;
		case 44:  /* fragment */
			if ((void *)(ext + 1) > end)
				return -1;
			nh = ext->nexthdr;
			if (ext->frag_off & bpf_htons(0xfff8)) {
				l->proto = nh; /* a later fragment: no L4 header */
				return 0;
			}
			off += 8;
			break;
		default:
			l->proto = nh;
			xvs_parse_ports(data, end, off, l);
			return 0;
		}
	}
	return -1; /* a chain this long hides its protocol: refused, not guessed */
}

/* The frame's L3/L4 fields; the L3 header starts at data + off. 0 (l->family = 0 when not
 * IP), or -1 for an IP header that cannot be read. */
static __always_inline int xvs_parse_l34(void *data, void *end, __u32 off, struct xvs_acl_pkt *l)
{
	__u32 eoff = off - 2;
	__be16 *etype;

	/* off is a variable (the shim's L3 offset): keep the compiler from reading the ethertype
	 * at a negative offset from data + off, which the verifier refuses. */
	barrier_var(eoff);
	etype = data + eoff;

	if ((void *)(etype + 1) > end)
		return 0;
	if (*etype == bpf_htons(XVS_ETH_P_IPV4))
		return xvs_parse_ipv4(data, end, off, l);
	if (*etype == bpf_htons(XVS_ETH_P_IPV6))
		return xvs_parse_ipv6(data, end, off, l);
	return 0;
}

/* ---- port ACLs ---- */

static __always_inline void xvs_acl_hit(__u32 slot, __u32 bytes)
{
	struct xvs_acl_hits *h = bpf_map_lookup_elem(&xvs_acl_hits, &slot);

	if (h) {
		h->packets++;
		h->bytes += bytes;
	}
}

static __always_inline struct xvs_acl_val *xvs_acl_mac_find(__u16 port, __u8 dir, __u8 scope,
							    const __u8 *mac)
{
	struct xvs_acl_mac_key k = { .port_id = port, .dir = dir, .scope = scope };

	__builtin_memcpy(k.mac, mac, XVS_ETH_ALEN);
	return bpf_map_lookup_elem(&xvs_acl_mac, &k);
}

static __always_inline struct xvs_acl_val *xvs_acl_ip_find(__u16 port, __u8 dir, __u8 scope,
							   __u8 family, const __u32 *addr)
{
	struct xvs_acl_lpm_key k = { .port_id = port, .dir = dir, .scope = scope };

	if (family == 6) {
		k.scope |= XVS_ACL_SCOPE_V6;
		k.prefixlen = XVS_ACL_LPM_HDR_BITS + 128;
	} else {
		k.prefixlen = XVS_ACL_LPM_HDR_BITS + 32;
	}
	__builtin_memcpy(k.addr, addr, 16);
	return bpf_map_lookup_elem(&xvs_acl_lpm, &k);
}

/* Of two matching rules: the longer prefix; on a tie the deny. */
static __always_inline struct xvs_acl_val *xvs_acl_better(struct xvs_acl_val *a,
							  struct xvs_acl_val *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (a->plen != b->plen)
		return a->plen > b->plen ? a : b;
	return a->action == XVS_ACL_DENY ? a : b;
}

/* Count the frame on every meter rule it matches (MAC local/remote, longest IP prefix
 * local/remote). Meters never decide. `m`: the direction's byte of the port's acl_mask, so
 * only tables that hold meter rules for this port and direction are looked up. */
static __always_inline void xvs_acl_meter(__u16 port, __u8 dir, __u32 m,
					  const struct xvs_acl_pkt *k, __u32 bytes)
{
	const __u8 scope = XVS_ACL_SCOPE_METER;
	struct xvs_acl_val *v;

	if (m & XVS_ACLM_METER_MAC_REMOTE) {
		v = xvs_acl_mac_find(port, dir, scope | XVS_ACL_SCOPE_REMOTE, k->remote_mac);
		if (v)
			xvs_acl_hit(v->slot, bytes);
	}
	if (m & XVS_ACLM_METER_MAC_LOCAL) {
		v = xvs_acl_mac_find(port, dir, scope, k->local_mac);
		if (v)
			xvs_acl_hit(v->slot, bytes);
	}
	if (!k->family)
		return;
	if (m & XVS_ACLM_METER_IP_REMOTE) {
		v = xvs_acl_ip_find(port, dir, scope | XVS_ACL_SCOPE_REMOTE, k->family, k->remote_ip);
		if (v)
			xvs_acl_hit(v->slot, bytes);
	}
	if (m & XVS_ACLM_METER_IP_LOCAL) {
		v = xvs_acl_ip_find(port, dir, scope, k->family, k->local_ip);
		if (v)
			xvs_acl_hit(v->slot, bytes);
	}
}

/* XVS_CONTINUE (allowed, or no rule matched) or XVS_DROP_ACL. `m` as for xvs_acl_meter. */
static __always_inline int xvs_port_acl(__u16 port, __u32 m, __u8 dir,
					const struct xvs_acl_pkt *k, __u32 bytes)
{
	struct xvs_acl_val *r = NULL, *l = NULL;

	if (m & XVS_ACLM_MAC_REMOTE)
		r = xvs_acl_mac_find(port, dir, XVS_ACL_SCOPE_REMOTE, k->remote_mac);
	if (m & XVS_ACLM_MAC_LOCAL)
		l = xvs_acl_mac_find(port, dir, 0, k->local_mac);
	r = xvs_acl_better(r, l);
	if (!r && (m & XVS_ACLM_IP) && k->family) {
		if (m & XVS_ACLM_IP_REMOTE)
			r = xvs_acl_ip_find(port, dir, XVS_ACL_SCOPE_REMOTE, k->family, k->remote_ip);
		if (m & XVS_ACLM_IP_LOCAL)
			l = xvs_acl_ip_find(port, dir, 0, k->family, k->local_ip);
		r = xvs_acl_better(r, l);
	}
	if (!r)
		return XVS_CONTINUE;
	xvs_acl_hit(r->slot, bytes);
	return r->action == XVS_ACL_DENY ? XVS_DROP_ACL : XVS_CONTINUE;
}

/* ---- extended ACLs ---- */

/* Written word by word straight into the key: no copy on the stack (see xvs_acl_pkt). */
static __always_inline void xvs_ip_masked(__u8 *dst, const __u32 *src, __u8 plen)
{
	for (int i = 0; i < 4; i++) {
		int bits = (int)plen - 32 * i;
		__u32 m = bits >= 32 ? 0xffffffffu : bits <= 0 ? 0 : ~0u << (32 - bits);
		__u32 w = src[i] & bpf_htonl(m);

		__builtin_memcpy(dst + 4 * i, &w, 4);
	}
}

static __always_inline __u16 xvs_port_masked(__u16 port, __u8 bits)
{
	return bits >= 16 ? port : bits == 0 ? 0 : port & (__u16)(0xffffu << (16 - bits));
}

/*
 * Tuple-space search: the port's rules for this direction are grouped by shape (which fields
 * they look at and how many leading bits of each). For each shape, the frame's fields masked
 * by it form one hash key, and the entry there holds the highest-weight rule of that shape
 * matching it. Shapes come sorted by the highest weight they hold, so the search stops as soon
 * as no remaining shape can beat the best match. Cost: at most XVS_XACL_MAX_SHAPES lookups,
 * however many rules there are.
 *
 * A global function: the verifier checks it once, not once per caller and path. The best rule
 * is copied to *best; returns 1 if there is one.
 */
__noinline int xvs_xacl_find(__u32 port, __u32 dir, const struct xvs_acl_pkt *k,
			     struct xvs_xacl_val *best)
{
	__u32 sk = port * 2 + dir, found = 0;
	struct xvs_xacl_shapes *shapes;
	struct xvs_xacl_val *hit;
	struct xvs_xacl_key key;

	if (!k || !best)
		return 0;
	shapes = bpf_map_lookup_elem(&xvs_xacl_shapes, &sk);
	if (!shapes)
		return 0;
	best->weight = 0;
	for (__u32 i = 0; i < XVS_XACL_MAX_SHAPES; i++) {
		const struct xvs_xacl_shape_slot *s;

		if (i >= shapes->count)
			break;
		s = &shapes->s[i];
		if (found && best->weight >= s->max_weight)
			break;
		if (s->shape.family && s->shape.family != k->family)
			continue;
		if ((s->shape.local_port_bits || s->shape.remote_port_bits) && !k->has_ports)
			continue;
		__builtin_memset(&key, 0, sizeof(key));
		key.port_id = (__u16)port;
		key.dir = (__u8)dir;
		key.shape = s->shape;
		key.proto = s->shape.proto_set ? k->proto : 0;
		if (s->shape.family) {
			xvs_ip_masked(key.local_ip, k->local_ip, s->shape.local_plen);
			xvs_ip_masked(key.remote_ip, k->remote_ip, s->shape.remote_plen);
		}
		key.local_port = xvs_port_masked(k->local_port, s->shape.local_port_bits);
		key.remote_port = xvs_port_masked(k->remote_port, s->shape.remote_port_bits);
		hit = bpf_map_lookup_elem(&xvs_xacl, &key);
		if (hit && (!found || hit->weight > best->weight)) {
			*best = *hit;
			found = 1;
		}
	}
	return found;
}

/* What xvs_acl_verdict looks up for a frame, in one word (one register across the calls,
 * not several stack slots; computed by the caller, xvs_acl_need): the direction's byte of the
 * port's acl_mask (port ACL and meter lookups, XVS_ACLM_*), and these. */
#define XVS_ACL_NEED_XACL  (1u << 8)  /* the port has extended rules for this direction */
#define XVS_ACL_NEED_FLOWS (1u << 9)  /* the port has stateful rules (flows admit return
				       * traffic in the other direction too) */
#define XVS_ACL_NEED_OUT   (1u << 10) /* the direction: out (else in) */
#define XVS_ACL_NEED_LOOKUPS (0xffu | XVS_ACL_NEED_XACL | XVS_ACL_NEED_FLOWS)

/* XVS_CONTINUE, extended-acl or flow-table-full. `need` as above. */
static __always_inline int xvs_ext_acl(__u16 port, __u32 need, __u8 dir,
				       const struct xvs_acl_pkt *k, __u32 bytes)
{
	struct xvs_flow_key fk = {};
	struct xvs_xacl_val r;
	struct xvs_flow *fl;
	__u64 now = 0;

	if (need & XVS_ACL_NEED_FLOWS) {
		now = xvs_now();
		fk.port_id = port;
		fk.family = k->family;
		fk.proto = k->proto;
		fk.local_port = k->local_port;
		fk.remote_port = k->remote_port;
		__builtin_memcpy(fk.local_ip, k->local_ip, 16);
		__builtin_memcpy(fk.remote_ip, k->remote_ip, 16);
		fl = xvs_flow_find(&fk, now);
		if (fl) {
			xvs_acl_hit(fl->slot, bytes);
			return XVS_CONTINUE;
		}
	}
	if (!(need & XVS_ACL_NEED_XACL) || !xvs_xacl_find(port, dir, k, &r))
		return XVS_CONTINUE;
	xvs_acl_hit(r.slot, bytes);
	if (r.action == XVS_ACL_DENY)
		return XVS_DROP_EXT_ACL;
	if ((r.flags & XVS_ACL_STATEFUL) && (need & XVS_ACL_NEED_FLOWS))
		return xvs_flow_open(&fk, r.rule_id, r.slot, r.idle_timeout, now);
	return XVS_CONTINUE;
}

/*
 * The ACL verdict for a frame on port p in the direction and with the lookups `need` says
 * (XVS_ACL_NEED_*, from xvs_acl_need): XVS_CONTINUE or a drop reason (acl, extended-acl,
 * flow-table-full, malformed). `l3off`: where the L3 header starts in the bytes (the shim's
 * xvs_l3_offset: on TC the outer tag is usually out of band); `len`: the frame's bytes, for
 * the counters. A global function, verified once for its callers.
 */
__noinline int xvs_acl_verdict(xvs_ctx_t *ctx, const struct xvs_port *p, __u32 l3off,
			       __u32 len, __u32 need)
{
	void *data, *end;
	struct xvs_ethhdr *eth;
	struct xvs_acl_pkt k = {};
	__u32 dir, t;
	__u16 port;
	int ret;

	if (!p)
		return XVS_CONTINUE;
	/* Bounded for the verifier: the MACs, at most one outer tag in the bytes. */
	if (l3off < XVS_ETH_HLEN || l3off > XVS_ETH_HLEN + XVS_VLAN_HLEN)
		return XVS_DROP_INTERNAL;
	dir = need & XVS_ACL_NEED_OUT ? XVS_ACL_OUT : XVS_ACL_IN;
	port = p->id;
	data = xvs_data(ctx);
	end = xvs_data_end(ctx);
	eth = data;
	if ((void *)(eth + 1) > end)
		return XVS_DROP_MALFORMED;
	if ((need & (XVS_ACLM_IP | XVS_ACLM_METER | XVS_ACL_NEED_XACL | XVS_ACL_NEED_FLOWS)) &&
	    xvs_parse_l34(data, end, l3off, &k) < 0)
		return XVS_DROP_MALFORMED;
	if (dir == XVS_ACL_OUT) {
		__builtin_memcpy(k.local_mac, eth->src, XVS_ETH_ALEN);
		__builtin_memcpy(k.remote_mac, eth->dst, XVS_ETH_ALEN);
	} else {
		__builtin_memcpy(k.local_mac, eth->dst, XVS_ETH_ALEN);
		__builtin_memcpy(k.remote_mac, eth->src, XVS_ETH_ALEN);
		for (int i = 0; i < 4; i++) {
			t = k.local_ip[i];
			k.local_ip[i] = k.remote_ip[i];
			k.remote_ip[i] = t;
		}
		t = k.local_port;
		k.local_port = k.remote_port;
		k.remote_port = (__u16)t;
	}
	if (need & XVS_ACLM_METER)
		xvs_acl_meter(port, (__u8)dir, need, &k, len);
	ret = xvs_port_acl(port, need, (__u8)dir, &k, len);
	if (ret != XVS_CONTINUE || !k.family || !(need & (XVS_ACL_NEED_XACL | XVS_ACL_NEED_FLOWS)))
		return ret;
	return xvs_ext_acl(port, need, (__u8)dir, &k, len);
}

/*
 * The hook the pipeline calls: free for a port without ACL rules for this direction (and
 * without stateful flows, which admit return traffic both ways). The L3/L4 headers the rules
 * look at are made directly readable first (TC: an skb's linear part may end before them;
 * XDP: they are always in the first buffer).
 */
#define XVS_ACL_HDR_BYTES (60 + 8) /* the longest IPv4 header and the L4 ports (ICMP: id) */

/* What port p's rules make the verdict look up in direction dir (XVS_ACL_NEED_*). */
static __always_inline __u32 xvs_acl_need(const struct xvs_port *p, __u8 dir)
{
	__u32 mask = p->acl_mask;
	__u32 need = (mask >> (8 * dir)) & 0xff;

	if (mask & XVS_ACLM_XACL(dir))
		need |= XVS_ACL_NEED_XACL;
	if (p->flags & XVS_PORT_STATEFUL)
		need |= XVS_ACL_NEED_FLOWS;
	return need;
}

static __always_inline int xvs_acl_check(xvs_ctx_t *ctx, const struct xvs_port *p,
					 const struct xvs_frame *f, __u8 dir)
{
	__u32 l3off;

	if (!xvs_acl_need(p, dir))
		return XVS_CONTINUE;
	l3off = xvs_l3_offset(ctx, f->tagged);
	xvs_make_readable(ctx, l3off + XVS_ACL_HDR_BYTES);
	/* Computed again rather than kept across the helper call above: one value less to
	 * spill in the TC copy loop, which is on the longest call chain (DATAPLANE.md). */
	return xvs_acl_verdict(ctx, p, l3off, f->len,
			       xvs_acl_need(p, dir) | (dir == XVS_ACL_OUT ? XVS_ACL_NEED_OUT : 0));
}

#endif
