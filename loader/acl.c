// SPDX-License-Identifier: MIT
/*
 * Port ACLs and extended ACLs (bpf/lib/acl.h, bpf/lib/flow.h): the rules as written, and the
 * lookup tables the dataplane reads, derived from them here.
 *
 *   xvs_acl_rules    every rule (id -> struct xvs_acl_rule); the source of truth
 *   xvs_acl_mac      port ACL MAC rules, one entry per direction
 *   xvs_acl_lpm      port ACL IP rules, one LPM entry per direction
 *   xvs_xacl         extended rules: one entry per direction, protocol and port-range block,
 *                    holding the highest-weight rule among those that share the entry
 *   xvs_xacl_shapes  per port and direction, the shapes in use, by highest weight
 *   xvs_flows        stateful flows (the dataplane opens them; removed here with their rule)
 *
 * Adding validates every rule of the batch against the stored rules and each other (fields,
 * duplicates, weights, shapes, sizes) before writing anything; writes are logged and undone
 * in reverse if one fails. The port's XVS_PORT_ACL_* flags are written last on add (the
 * tables are complete before the fast path looks) and first on delete.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "libxvs.h"

#define MAX_ENTRIES_PER_RULE 1024 /* protocols x local blocks x remote blocks */

struct acl_maps {
	int rules, hits, mac, lpm, xacl, shapes, flows, state;
};

static void maps_close(struct acl_maps *m)
{
	int *fds[] = { &m->rules, &m->hits, &m->mac, &m->lpm, &m->xacl, &m->shapes, &m->flows,
		       &m->state };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
}

static int maps_open(struct xvs_switch *sw, struct acl_maps *m)
{
	static const char *const names[] = { "xvs_acl_rules", "xvs_acl_hits", "xvs_acl_mac",
					     "xvs_acl_lpm", "xvs_xacl", "xvs_xacl_shapes",
					     "xvs_flows", "xvs_acl_state" };
	int *fds[] = { &m->rules, &m->hits, &m->mac, &m->lpm, &m->xacl, &m->shapes, &m->flows,
		       &m->state };
	char path[700];

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		*fds[i] = -1;
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", sw->dir, names[i]);
		*fds[i] = bpf_obj_get(path);
		if (*fds[i] < 0) {
			int err = -errno;

			maps_close(m);
			return xvs_fail(err, "cannot open %s: %s (a switch created before ACLs "
					"existed? recreate it)", path, strerror(-err));
		}
	}
	return 0;
}

/* ---- names and parsing ---- */

const char *xvs_acl_action_name(__u8 action)
{
	return action == XVS_ACL_DENY ? "deny" : action == XVS_ACL_METER ? "meter" : "allow";
}

const char *xvs_acl_dir_name(__u8 dirs)
{
	return dirs == XVS_ACL_DIR_BIT(XVS_ACL_IN) ? "in" :
	       dirs == XVS_ACL_DIR_BIT(XVS_ACL_OUT) ? "out" : "both";
}

int xvs_acl_parse_dir(const char *s, __u8 *dirs)
{
	if (!strcmp(s, "in"))
		*dirs = XVS_ACL_DIR_BIT(XVS_ACL_IN);
	else if (!strcmp(s, "out"))
		*dirs = XVS_ACL_DIR_BIT(XVS_ACL_OUT);
	else if (!strcmp(s, "both"))
		*dirs = XVS_ACL_DIR_BIT(XVS_ACL_IN) | XVS_ACL_DIR_BIT(XVS_ACL_OUT);
	else
		return xvs_fail(-EINVAL, "invalid direction '%s': expected in, out or both", s);
	return 0;
}

int xvs_acl_parse_action(const char *s, __u8 *action)
{
	if (!strcmp(s, "allow"))
		*action = XVS_ACL_ALLOW;
	else if (!strcmp(s, "deny"))
		*action = XVS_ACL_DENY;
	else if (!strcmp(s, "meter"))
		*action = XVS_ACL_METER;
	else
		return xvs_fail(-EINVAL, "invalid action '%s': expected allow, deny or meter", s);
	return 0;
}

static void mask_addr(__u8 *addr, unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = plen > 8 * i ? plen - 8 * i : 0;

		if (bits < 8)
			addr[i] &= (__u8)(0xff00u >> bits);
	}
}

int xvs_acl_parse_prefix(const char *s, __u8 addr[16], __u8 *plen, __u8 *family)
{
	char buf[64], *slash;
	unsigned long len;
	int fam, max;

	if (!s || strlen(s) >= sizeof(buf))
		return xvs_fail(-EINVAL, "invalid address '%s': expected an IPv4 or IPv6 address or "
				"prefix, like 10.0.0.0/8 or 2001:db8::/32", s ? s : "");
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		fam = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		fam = 6;
		max = 128;
	} else {
		return xvs_fail(-EINVAL, "invalid address '%s': expected an IPv4 or IPv6 address or "
				"prefix, like 10.0.0.0/8 or 2001:db8::/32", s);
	}
	len = (unsigned long)max;
	if (slash) {
		char *end;

		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end || errno || len > (unsigned long)max)
			return xvs_fail(-EINVAL, "invalid prefix length in '%s': 0-%d", s, max);
	}
	mask_addr(addr, (unsigned)len); /* 10.0.0.1/24 means 10.0.0.0/24 */
	*plen = (__u8)len;
	*family = (__u8)fam;
	return 0;
}

int xvs_acl_parse_port_range(const char *s, __u16 *lo, __u16 *hi)
{
	unsigned long a, b;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		goto bad;
	errno = 0;
	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			goto bad;
		b = strtoul(end + 1, &end, 10);
	}
	if (*end || errno || a > 65535 || b > 65535)
		goto bad;
	if (a > b)
		return xvs_fail(-EINVAL, "invalid port range '%s': the first port is above the last",
				s);
	*lo = (__u16)a;
	*hi = (__u16)b;
	return 0;
bad:
	return xvs_fail(-EINVAL, "invalid port '%s': expected PORT or FIRST-LAST, 0-65535",
			s ? s : "");
}

int xvs_acl_parse_proto(const char *s, __u8 *proto, __u8 *flags)
{
	unsigned long v;
	char *end;

	*flags = (__u8)((*flags & ~XVS_ACL_ICMP_ANY) | XVS_ACL_PROTO_SET);
	if (!strcmp(s, "tcp")) {
		*proto = 6;
	} else if (!strcmp(s, "udp")) {
		*proto = 17;
	} else if (!strcmp(s, "icmp")) {
		*proto = 1;
		*flags |= XVS_ACL_ICMP_ANY;
	} else {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (!isdigit((unsigned char)*s) || *end || errno || v > 255)
			return xvs_fail(-EINVAL, "invalid protocol '%s': expected tcp, udp, icmp or "
					"a number 0-255", s);
		*proto = (__u8)v;
	}
	return 0;
}

static void format_prefix(__u8 family, const __u8 *addr, __u8 plen, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, plen);
}

static const char *proto_name(const struct xvs_acl_rule *r, char *buf, size_t len)
{
	if (!(r->flags & XVS_ACL_PROTO_SET))
		return "any";
	if (r->flags & XVS_ACL_ICMP_ANY)
		return "icmp";
	if (r->proto == 6)
		return "tcp";
	if (r->proto == 17)
		return "udp";
	snprintf(buf, len, "%u", r->proto);
	return buf;
}

static bool full_range(__u16 lo, __u16 hi)
{
	return lo == 0 && hi == 65535;
}

void xvs_acl_format_match(const struct xvs_acl_rule *r, char *buf, size_t len)
{
	char a[64], p[8];
	size_t n = 0;

	buf[0] = '\0';
	if (r->kind == XVS_ACL_KIND_PORT) {
		if (r->match == XVS_ACL_REMOTE_MAC || r->match == XVS_ACL_LOCAL_MAC) {
			xvs_format_mac(r->mac, a);
			snprintf(buf, len, "%s-mac %s", r->match == XVS_ACL_LOCAL_MAC ? "local" :
				 "remote", a);
		} else {
			bool local = r->match == XVS_ACL_LOCAL_IP;

			format_prefix(r->family, local ? r->local_ip : r->remote_ip,
				      local ? r->local_plen : r->remote_plen, a, sizeof(a));
			snprintf(buf, len, "%s-ip %s", local ? "local" : "remote", a);
		}
		return;
	}
#define ADD(...) (n += (size_t)snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__))
	ADD("proto %s", proto_name(r, p, sizeof(p)));
	/* The addresses given: a /0 one only if it is all that says which family. */
	if (r->family && (r->remote_plen || !r->local_plen)) {
		format_prefix(r->family, r->remote_ip, r->remote_plen, a, sizeof(a));
		ADD(" remote-ip %s", a);
	}
	if (r->family && r->local_plen) {
		format_prefix(r->family, r->local_ip, r->local_plen, a, sizeof(a));
		ADD(" local-ip %s", a);
	}
	if (!full_range(r->remote_port_lo, r->remote_port_hi))
		ADD(r->remote_port_lo == r->remote_port_hi ? " remote-port %u" : " remote-port %u-%u",
		    r->remote_port_lo, r->remote_port_hi);
	if (!full_range(r->local_port_lo, r->local_port_hi))
		ADD(r->local_port_lo == r->local_port_hi ? " local-port %u" : " local-port %u-%u",
		    r->local_port_lo, r->local_port_hi);
	if (r->flags & XVS_ACL_STATEFUL)
		ADD(" stateful idle-timeout %us", r->idle_timeout);
#undef ADD
}

/* ---- the stored rules ---- */

static int rules_dump(const struct acl_maps *m, struct xvs_acl_rule **out, int *count)
{
	struct xvs_acl_rule *v = NULL;
	__u32 key, next, *prev = NULL;
	int n = 0, cap = 0;

	while (bpf_map_get_next_key(m->rules, prev, &next) == 0) {
		if (n == cap) {
			void *nv = realloc(v, (size_t)(cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!nv) {
				free(v);
				return xvs_fail(-ENOMEM, "out of memory");
			}
			v = nv;
		}
		if (bpf_map_lookup_elem(m->rules, &next, &v[n]) == 0)
			n++;
		key = next;
		prev = &key;
	}
	*out = v;
	*count = n;
	return 0;
}

/* ---- derived entries ---- */

/* Port ACL: the table key of a rule in one direction. */
static bool port_acl_is_mac(const struct xvs_acl_rule *r)
{
	return r->match == XVS_ACL_REMOTE_MAC || r->match == XVS_ACL_LOCAL_MAC;
}

static __u8 port_acl_scope(const struct xvs_acl_rule *r)
{
	__u8 scope = 0;

	if (r->match == XVS_ACL_REMOTE_MAC || r->match == XVS_ACL_REMOTE_IP)
		scope |= XVS_ACL_SCOPE_REMOTE;
	if (r->action == XVS_ACL_METER)
		scope |= XVS_ACL_SCOPE_METER;
	if (!port_acl_is_mac(r) && r->family == 6)
		scope |= XVS_ACL_SCOPE_V6;
	return scope;
}

static void port_acl_mac_key(const struct xvs_acl_rule *r, int dir, struct xvs_acl_mac_key *k)
{
	memset(k, 0, sizeof(*k));
	k->port_id = r->port_id;
	k->dir = (__u8)dir;
	k->scope = port_acl_scope(r);
	memcpy(k->mac, r->mac, 6);
}

static void port_acl_lpm_key(const struct xvs_acl_rule *r, int dir, struct xvs_acl_lpm_key *k)
{
	bool local = r->match == XVS_ACL_LOCAL_IP;

	memset(k, 0, sizeof(*k));
	k->port_id = r->port_id;
	k->dir = (__u8)dir;
	k->scope = port_acl_scope(r);
	k->prefixlen = XVS_ACL_LPM_HDR_BITS + (local ? r->local_plen : r->remote_plen);
	memcpy(k->addr, local ? r->local_ip : r->remote_ip, 16);
}

static void port_acl_val(const struct xvs_acl_rule *r, struct xvs_acl_val *v)
{
	memset(v, 0, sizeof(*v));
	v->rule_id = r->id;
	v->slot = r->slot;
	v->action = r->action;
	v->plen = port_acl_is_mac(r) ? 128 :
		  r->match == XVS_ACL_LOCAL_IP ? r->local_plen : r->remote_plen;
}

/* A port range as prefix blocks: (first port, leading bits that must match). */
struct port_block {
	__u16 port;
	__u8 bits;
};

static int port_blocks(__u16 lo, __u16 hi, struct port_block *b, int max)
{
	__u32 p = lo;
	int n = 0;

	while (p <= hi) {
		__u32 size = p ? (p & -p) : 65536u;
		__u8 bits = 16;

		while (p + size - 1 > hi)
			size >>= 1;
		for (__u32 s = size; s > 1; s >>= 1)
			bits--;
		if (n == max)
			return -1;
		b[n].port = (__u16)p;
		b[n].bits = bits;
		n++;
		p += size;
	}
	return n;
}

/* Extended ACL: every table key of a rule in one direction. Returns the count or -1. */
static int xacl_keys(const struct xvs_acl_rule *r, int dir, struct xvs_xacl_key *keys, int max)
{
	struct port_block lb[32], rb[32];
	__u8 protos[2] = { r->proto, 58 };
	int nl = port_blocks(r->local_port_lo, r->local_port_hi, lb, 32);
	int nr = port_blocks(r->remote_port_lo, r->remote_port_hi, rb, 32);
	int np = (r->flags & XVS_ACL_ICMP_ANY) && r->family != 4 ? 2 : 1, n = 0;

	if ((r->flags & XVS_ACL_ICMP_ANY) && r->family == 6)
		protos[0] = 58, np = 1;
	if (nl < 0 || nr < 0)
		return -1;
	for (int p = 0; p < np; p++) {
		for (int i = 0; i < nl; i++) {
			for (int j = 0; j < nr; j++) {
				struct xvs_xacl_key *k = &keys[n];

				if (n == max)
					return -1;
				memset(k, 0, sizeof(*k));
				k->port_id = r->port_id;
				k->dir = (__u8)dir;
				k->proto = (r->flags & XVS_ACL_PROTO_SET) ? protos[p] : 0;
				k->shape.family = r->family;
				k->shape.proto_set = !!(r->flags & XVS_ACL_PROTO_SET);
				k->shape.local_plen = r->family ? r->local_plen : 0;
				k->shape.remote_plen = r->family ? r->remote_plen : 0;
				k->shape.local_port_bits = lb[i].bits;
				k->shape.remote_port_bits = rb[j].bits;
				memcpy(k->local_ip, r->local_ip, 16);
				memcpy(k->remote_ip, r->remote_ip, 16);
				k->local_port = lb[i].port;
				k->remote_port = rb[j].port;
				n++;
			}
		}
	}
	return n;
}

static void xacl_val(const struct xvs_acl_rule *r, struct xvs_xacl_val *v)
{
	memset(v, 0, sizeof(*v));
	v->rule_id = r->id;
	v->slot = r->slot;
	v->weight = r->weight;
	v->action = r->action;
	v->flags = r->flags & XVS_ACL_STATEFUL;
	v->idle_timeout = r->idle_timeout;
}

/* The shapes of one port and direction, from a set of rules (optionally skipping one id). */
static int shapes_of(const struct xvs_acl_rule *rules, int n, __u16 port_id, int dir,
		     __u32 skip_id, struct xvs_xacl_shapes *out, int *needed)
{
	struct xvs_xacl_key *keys = malloc(MAX_ENTRIES_PER_RULE * sizeof(*keys));
	struct xvs_xacl_shape_slot all[XVS_XACL_MAX_SHAPES * 8];
	int count = 0;

	if (!keys)
		return xvs_fail(-ENOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		const struct xvs_acl_rule *r = &rules[i];
		int nk;

		if (r->kind != XVS_ACL_KIND_EXTENDED || r->port_id != port_id || r->id == skip_id ||
		    !(r->dirs & XVS_ACL_DIR_BIT(dir)))
			continue;
		nk = xacl_keys(r, dir, keys, MAX_ENTRIES_PER_RULE);
		for (int k = 0; k < nk; k++) {
			int s;

			for (s = 0; s < count; s++)
				if (!memcmp(&all[s].shape, &keys[k].shape, sizeof(keys[k].shape)))
					break;
			if (s == count) {
				if (count == (int)(sizeof(all) / sizeof(all[0])))
					continue; /* already far over the limit */
				memset(&all[s], 0, sizeof(all[s]));
				all[s].shape = keys[k].shape;
				count++;
			}
			if (r->weight > all[s].max_weight)
				all[s].max_weight = r->weight;
		}
	}
	free(keys);
	*needed = count;
	if (count > XVS_XACL_MAX_SHAPES)
		return 0;
	/* By max_weight descending: the dataplane stops at the first shape that cannot win. */
	for (int i = 1; i < count; i++)
		for (int j = i; j > 0 && all[j].max_weight > all[j - 1].max_weight; j--) {
			struct xvs_xacl_shape_slot t = all[j];

			all[j] = all[j - 1];
			all[j - 1] = t;
		}
	memset(out, 0, sizeof(*out));
	out->count = (__u32)count;
	memcpy(out->s, all, (size_t)count * sizeof(all[0]));
	return 0;
}

/* ---- the undo log ---- */

struct undo {
	int fd;
	bool had;                  /* the key existed: put old back; else delete */
	__u8 key[64];
	__u8 val[sizeof(struct xvs_port)];
};

struct undo_log {
	struct undo *v;
	int n, cap;
};

/* Write (key, val) into fd, remembering what was there. val NULL: delete. */
static int logged_write(struct undo_log *log, int fd, const void *key, size_t klen,
			const void *val, size_t vlen)
{
	struct undo *u;

	if (log->n == log->cap) {
		void *nv = realloc(log->v, (size_t)(log->cap = log->cap ? log->cap * 2 : 64) *
				   sizeof(*log->v));

		if (!nv)
			return xvs_fail(-ENOMEM, "out of memory");
		log->v = nv;
	}
	u = &log->v[log->n];
	u->fd = fd;
	memcpy(u->key, key, klen);
	u->had = bpf_map_lookup_elem(fd, key, u->val) == 0;
	if (val ? bpf_map_update_elem(fd, key, val, BPF_ANY) :
		  (u->had && bpf_map_delete_elem(fd, key)))
		return xvs_fail(-errno, "cannot write the ACL tables: %s%s", strerror(errno),
				errno == E2BIG || errno == ENOMEM ? " (table full)" : "");
	(void)vlen;
	log->n++;
	return 0;
}

static void undo_all(struct undo_log *log)
{
	for (int i = log->n - 1; i >= 0; i--) {
		struct undo *u = &log->v[i];

		if (u->had)
			bpf_map_update_elem(u->fd, u->key, u->val, BPF_ANY);
		else
			bpf_map_delete_elem(u->fd, u->key);
	}
	log->n = 0;
}

/* ---- validation ---- */

static int validate_rule(const struct xvs_acl_rule *r)
{
	bool ports = !full_range(r->local_port_lo, r->local_port_hi) ||
		     !full_range(r->remote_port_lo, r->remote_port_hi);

	if (!r->dirs || r->dirs > 3)
		return xvs_fail(-EINVAL, "an ACL needs a direction: in, out or both");
	if (r->local_port_lo > r->local_port_hi || r->remote_port_lo > r->remote_port_hi)
		return xvs_fail(-EINVAL, "invalid port range: the first port is above the last");
	if (r->kind == XVS_ACL_KIND_PORT) {
		if (r->action > XVS_ACL_METER)
			return xvs_fail(-EINVAL, "invalid action: expected allow, deny or meter");
		if (r->match > XVS_ACL_LOCAL_IP)
			return xvs_fail(-EINVAL, "a port ACL matches one of --remote-mac, --local-mac, "
					"--remote-ip or --local-ip");
		if (port_acl_is_mac(r) && (r->mac[0] & 1) && r->match == XVS_ACL_LOCAL_MAC)
			return xvs_fail(-EINVAL, "a local MAC must be unicast");
		if (!port_acl_is_mac(r) && r->family != 4 && r->family != 6)
			return xvs_fail(-EINVAL, "a port ACL IP rule needs an IPv4 or IPv6 prefix");
		if (r->flags || r->weight || ports || r->idle_timeout)
			return xvs_fail(-EINVAL, "protocol, ports, weight and --stateful are for "
					"extended ACLs (--extended)");
		return 0;
	}
	if (r->kind != XVS_ACL_KIND_EXTENDED)
		return xvs_fail(-EINVAL, "unknown ACL kind");
	if (r->dirs == 3)
		return xvs_fail(-EINVAL, "an extended ACL has one direction: in or out");
	if (r->action > XVS_ACL_DENY)
		return xvs_fail(-EINVAL, "an extended ACL action is allow or deny");
	if (r->weight < 1)
		return xvs_fail(-EINVAL, "an extended ACL needs --weight 1-%d", XVS_XACL_WEIGHT_MAX);
	if (r->family != 0 && r->family != 4 && r->family != 6)
		return xvs_fail(-EINVAL, "invalid address family");
	if (ports && (!(r->flags & XVS_ACL_PROTO_SET) || !(r->proto == 6 || r->proto == 17 ||
							     r->proto == 132 || r->proto == 136)))
		return xvs_fail(-EINVAL, "ports need --proto tcp or udp (or 132 sctp, 136 udplite)");
	if ((r->flags & XVS_ACL_ICMP_ANY) && r->proto != 1)
		return xvs_fail(-EINVAL, "invalid protocol");
	if (r->flags & XVS_ACL_STATEFUL) {
		if (r->action != XVS_ACL_ALLOW)
			return xvs_fail(-EINVAL, "--stateful is for allow rules");
		if (r->idle_timeout < 1 || r->idle_timeout > XVS_FLOW_IDLE_MAX)
			return xvs_fail(-EINVAL, "invalid idle timeout %u: 1-%d seconds",
					r->idle_timeout, XVS_FLOW_IDLE_MAX);
	} else if (r->idle_timeout) {
		return xvs_fail(-EINVAL, "--idle-timeout is only for --stateful rules");
	}
	return 0;
}

/* What makes two rules the same rule (for duplicates): everything but id, slot, action,
 * weight and the stateful settings — except that meters live in their own table. */
static bool same_match(const struct xvs_acl_rule *a, const struct xvs_acl_rule *b)
{
	if (a->port_id != b->port_id || a->kind != b->kind || !(a->dirs & b->dirs))
		return false;
	if (a->kind == XVS_ACL_KIND_PORT) {
		if (a->match != b->match || (a->action == XVS_ACL_METER) != (b->action == XVS_ACL_METER))
			return false;
		if (port_acl_is_mac(a))
			return !memcmp(a->mac, b->mac, 6);
		return a->family == b->family && a->local_plen == b->local_plen &&
		       a->remote_plen == b->remote_plen && !memcmp(a->local_ip, b->local_ip, 16) &&
		       !memcmp(a->remote_ip, b->remote_ip, 16);
	}
	return a->family == b->family && a->local_plen == b->local_plen &&
	       a->remote_plen == b->remote_plen && !memcmp(a->local_ip, b->local_ip, 16) &&
	       !memcmp(a->remote_ip, b->remote_ip, 16) &&
	       (a->flags & (XVS_ACL_PROTO_SET | XVS_ACL_ICMP_ANY)) ==
	       (b->flags & (XVS_ACL_PROTO_SET | XVS_ACL_ICMP_ANY)) && a->proto == b->proto &&
	       a->local_port_lo == b->local_port_lo && a->local_port_hi == b->local_port_hi &&
	       a->remote_port_lo == b->remote_port_lo && a->remote_port_hi == b->remote_port_hi;
}

/* Sort key for finding duplicates and equal weights in O(n log n). */
static int cmp_match(const void *x, const void *y)
{
	const struct xvs_acl_rule *a = *(const struct xvs_acl_rule *const *)x;
	const struct xvs_acl_rule *b = *(const struct xvs_acl_rule *const *)y;

	if (a->port_id != b->port_id)
		return a->port_id < b->port_id ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	/* Compare from `action` on, with action reduced to meter or not, and dirs ignored
	 * (overlap is checked on neighbours). */
	{
		struct xvs_acl_rule ca = *a, cb = *b;

		ca.id = cb.id = ca.slot = cb.slot = 0;
		ca.dirs = cb.dirs = 0;
		ca.weight = cb.weight = 0;
		ca.idle_timeout = cb.idle_timeout = 0;
		ca.flags &= (__u8)~XVS_ACL_STATEFUL;
		cb.flags &= (__u8)~XVS_ACL_STATEFUL;
		if (a->kind == XVS_ACL_KIND_PORT) {
			ca.action = ca.action == XVS_ACL_METER;
			cb.action = cb.action == XVS_ACL_METER;
		} else {
			ca.action = cb.action = 0;
		}
		return memcmp(&ca, &cb, sizeof(ca));
	}
}

static int cmp_weight(const void *x, const void *y)
{
	const struct xvs_acl_rule *a = *(const struct xvs_acl_rule *const *)x;
	const struct xvs_acl_rule *b = *(const struct xvs_acl_rule *const *)y;

	if (a->dirs != b->dirs)
		return a->dirs < b->dirs ? -1 : 1;
	return (int)a->weight - (int)b->weight;
}

static const char *rule_ref(const struct xvs_acl_rule *r, char *buf, size_t len)
{
	if (r->id)
		snprintf(buf, len, "rule %u", r->id);
	else
		snprintf(buf, len, "another rule of this batch");
	return buf;
}

/* Rules of one port (stored and new) must be pairwise distinct, extended weights unique per
 * direction, and the shapes of each direction within the limit. */
static int validate_set(const struct xvs_acl_rule *stored, int ns, const struct xvs_acl_rule *add,
			int na, __u16 port_id, const char *port)
{
	const struct xvs_acl_rule **v = malloc((size_t)(ns + na) * sizeof(*v));
	int n = 0, nx = 0, err = 0;
	char ref[48];

	if (!v)
		return xvs_fail(-ENOMEM, "out of memory");
	for (int i = 0; i < ns; i++)
		if (stored[i].port_id == port_id)
			v[n++] = &stored[i];
	for (int i = 0; i < na; i++)
		v[n++] = &add[i];
	qsort(v, (size_t)n, sizeof(*v), cmp_match);
	for (int i = 0; i < n && !err; i++)
		for (int j = i + 1; j < n && !cmp_match(&v[i], &v[j]); j++)
			if (same_match(v[i], v[j]))
				err = xvs_fail(-EEXIST, "port %s already has this %s ACL (%s)", port,
					       v[i]->kind == XVS_ACL_KIND_PORT ? "port" : "extended",
					       rule_ref(v[i]->id ? v[i] : v[j], ref, sizeof(ref)));
	for (int i = 0; i < n; i++)
		if (v[i]->kind == XVS_ACL_KIND_EXTENDED)
			v[nx++] = v[i];
	qsort(v, (size_t)nx, sizeof(*v), cmp_weight);
	for (int i = 1; i < nx && !err; i++)
		if (v[i]->dirs == v[i - 1]->dirs && v[i]->weight == v[i - 1]->weight)
			err = xvs_fail(-EEXIST, "weight %u is already used on port %s direction %s (%s); "
				       "weights order the rules, so each is unique",
				       v[i]->weight, port, xvs_acl_dir_name(v[i]->dirs),
				       rule_ref(v[i - 1]->id ? v[i - 1] : v[i], ref, sizeof(ref)));
	free(v);
	return err;
}

/* ---- add ---- */

struct add_ctx {
	struct xvs_switch *sw;
	struct acl_maps m;
	struct undo_log log;
	struct xvs_xacl_key *keys;
};

static int write_rule_entries(struct add_ctx *c, const struct xvs_acl_rule *r)
{
	int err = 0;

	for (int dir = 0; dir < 2 && !err; dir++) {
		if (!(r->dirs & XVS_ACL_DIR_BIT(dir)))
			continue;
		if (r->kind == XVS_ACL_KIND_PORT) {
			struct xvs_acl_val v;

			port_acl_val(r, &v);
			if (port_acl_is_mac(r)) {
				struct xvs_acl_mac_key k;

				port_acl_mac_key(r, dir, &k);
				err = logged_write(&c->log, c->m.mac, &k, sizeof(k), &v, sizeof(v));
			} else {
				struct xvs_acl_lpm_key k;

				port_acl_lpm_key(r, dir, &k);
				err = logged_write(&c->log, c->m.lpm, &k, sizeof(k), &v, sizeof(v));
			}
			continue;
		}
		int nk = xacl_keys(r, dir, c->keys, MAX_ENTRIES_PER_RULE);

		for (int i = 0; i < nk && !err; i++) {
			struct xvs_xacl_val cur, v;

			/* An entry holds the highest weight among the rules sharing it. */
			if (bpf_map_lookup_elem(c->m.xacl, &c->keys[i], &cur) == 0 &&
			    cur.weight > r->weight)
				continue;
			xacl_val(r, &v);
			err = logged_write(&c->log, c->m.xacl, &c->keys[i], sizeof(c->keys[i]), &v,
					   sizeof(v));
		}
	}
	return err;
}

/* The port's ACL presence from its rules: the XVS_PORT_ACL_* flags, and in *mask which
 * lookups can match per direction (XVS_ACLM_*, what the fast path tests). */
static __u32 acl_flags_of(const struct xvs_acl_rule *rules, int n, __u16 port_id, __u32 skip_id,
			  __u32 *mask)
{
	__u32 f = 0, bits;

	*mask = 0;
	for (int i = 0; i < n; i++) {
		const struct xvs_acl_rule *r = &rules[i];

		if (r->port_id != port_id || r->id == skip_id)
			continue;
		if (r->kind == XVS_ACL_KIND_EXTENDED) {
			f |= XVS_PORT_XACL | (r->flags & XVS_ACL_STATEFUL ? XVS_PORT_STATEFUL : 0);
			for (int dir = 0; dir < 2; dir++)
				if (r->dirs & XVS_ACL_DIR_BIT(dir))
					*mask |= XVS_ACLM_XACL(dir);
			continue;
		}
		if (r->action == XVS_ACL_METER)
			f |= XVS_PORT_ACL_METER;
		else
			f |= port_acl_is_mac(r) ? XVS_PORT_ACL_MAC : XVS_PORT_ACL_IP;
		switch (r->match) {
		case XVS_ACL_LOCAL_MAC:
			bits = XVS_ACLM_MAC_LOCAL;
			break;
		case XVS_ACL_REMOTE_MAC:
			bits = XVS_ACLM_MAC_REMOTE;
			break;
		case XVS_ACL_LOCAL_IP:
			bits = XVS_ACLM_IP_LOCAL;
			break;
		default:
			bits = XVS_ACLM_IP_REMOTE;
			break;
		}
		if (r->action == XVS_ACL_METER)
			bits <<= 4; /* the meter bits are the same four, one nibble up */
		for (int dir = 0; dir < 2; dir++)
			if (r->dirs & XVS_ACL_DIR_BIT(dir))
				*mask |= XVS_ACLM_PORT(dir, bits);
	}
	return f;
}

_Static_assert(XVS_ACLM_METER_MAC_LOCAL == XVS_ACLM_MAC_LOCAL << 4 &&
	       XVS_ACLM_METER_IP_REMOTE == XVS_ACLM_IP_REMOTE << 4 &&
	       XVS_ACLM_METER == (XVS_ACLM_MAC | XVS_ACLM_IP) << 4,
	       "acl_flags_of: meter bits are the port ACL bits one nibble up");

#define ACL_FLAG_MASK (XVS_PORT_ACL_ANY | XVS_PORT_STATEFUL)

static int write_port_flags(struct add_ctx *c, struct xvs_port *p, __u32 flags, __u32 mask)
{
	struct xvs_port np = *p;

	np.flags = (np.flags & ~(__u32)ACL_FLAG_MASK) | flags;
	np.acl_mask = mask;
	if (np.flags == p->flags && np.acl_mask == p->acl_mask)
		return 0;
	return logged_write(&c->log, c->sw->ports_fd, &np.ifindex, sizeof(np.ifindex), &np,
			    sizeof(np));
}

static int reset_hits(struct add_ctx *c, __u32 slot)
{
	struct xvs_acl_hits *zero = calloc((size_t)c->sw->ncpus, sizeof(*zero));
	int err = 0;

	if (!zero)
		return xvs_fail(-ENOMEM, "out of memory");
	if (bpf_map_update_elem(c->m.hits, &slot, zero, BPF_ANY))
		err = xvs_fail(-errno, "cannot reset a hit counter: %s", strerror(errno));
	free(zero);
	return err;
}

int xvs_acl_add_many(struct xvs_switch *sw, const char *port, struct xvs_acl_rule *rules, int n)
{
	struct add_ctx c = { .sw = sw };
	struct xvs_acl_rule *stored = NULL;
	struct xvs_acl_state state;
	struct xvs_port p;
	__u8 *used = NULL;
	__u32 zero = 0, slot = 0;
	int ns = 0, err;

	if (n < 1)
		return xvs_fail(-EINVAL, "no rule to add");
	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	for (int i = 0; i < n; i++) {
		err = validate_rule(&rules[i]);
		if (err)
			return err;
		rules[i].id = 0;
		rules[i].port_id = p.id;
	}
	err = maps_open(sw, &c.m);
	if (err)
		return err;
	c.keys = malloc(MAX_ENTRIES_PER_RULE * sizeof(*c.keys));
	used = calloc(XVS_ACL_MAX_RULES, 1);
	if (!c.keys || !used) {
		err = xvs_fail(-ENOMEM, "out of memory");
		goto out;
	}
	err = rules_dump(&c.m, &stored, &ns);
	if (err)
		goto out;
	if (ns + n > XVS_ACL_MAX_RULES) {
		err = xvs_fail(-ENOSPC, "switch %s would have %d ACL rules (max %d)", sw->name,
			       ns + n, XVS_ACL_MAX_RULES);
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (rules[i].kind == XVS_ACL_KIND_EXTENDED &&
		    xacl_keys(&rules[i], rules[i].dirs == 2 ? XVS_ACL_OUT : XVS_ACL_IN, c.keys,
			      MAX_ENTRIES_PER_RULE) < 0) {
			err = xvs_fail(-E2BIG, "the port ranges of this rule expand to more than %d "
				       "entries: use fewer or more aligned ranges",
				       MAX_ENTRIES_PER_RULE);
			goto out;
		}
	err = validate_set(stored, ns, rules, n, p.id, port);
	if (err)
		goto out;

	/* Shapes with the new rules in place, per direction. */
	{
		struct xvs_acl_rule *all = realloc(stored, (size_t)(ns + n) * sizeof(*all));

		if (!all) {
			err = xvs_fail(-ENOMEM, "out of memory");
			goto out;
		}
		stored = all;
		memcpy(stored + ns, rules, (size_t)n * sizeof(*rules));
	}
	if (bpf_map_lookup_elem(c.m.state, &zero, &state)) {
		err = xvs_fail(-errno, "cannot read the ACL state: %s", strerror(errno));
		goto out;
	}
	for (int i = 0; i < ns; i++)
		used[stored[i].slot] = 1;
	for (int i = 0; i < n; i++) {
		while (slot < XVS_ACL_MAX_RULES && used[slot])
			slot++;
		used[slot] = 1;
		rules[i].slot = stored[ns + i].slot = slot;
		rules[i].id = stored[ns + i].id = (state.next_id ? state.next_id : 1) + (__u32)i;
		/* Weights settle ties between shapes; give them the final ids first. */
	}
	for (int dir = 0; dir < 2; dir++) {
		struct xvs_xacl_shapes sh;
		int needed;

		err = shapes_of(stored, ns + n, p.id, dir, 0, &sh, &needed);
		if (err)
			goto out;
		if (needed > XVS_XACL_MAX_SHAPES) {
			err = xvs_fail(-E2BIG, "port %s direction %s would need %d extended ACL match "
				       "shapes (max %d): use fewer distinct prefix lengths, "
				       "protocol/port combinations or port ranges",
				       port, dir == XVS_ACL_IN ? "in" : "out", needed,
				       XVS_XACL_MAX_SHAPES);
			goto out;
		}
	}

	/* Write: counters, rules, entries, shapes, the port's flags, the next id. */
	for (int i = 0; i < n && !err; i++) {
		err = reset_hits(&c, rules[i].slot);
		if (!err)
			err = logged_write(&c.log, c.m.rules, &rules[i].id, sizeof(rules[i].id),
					   &rules[i], sizeof(rules[i]));
		if (!err)
			err = write_rule_entries(&c, &rules[i]);
	}
	for (int dir = 0; dir < 2 && !err; dir++) {
		struct xvs_xacl_shapes sh;
		__u32 key = (__u32)p.id * 2 + (__u32)dir;
		int needed;

		err = shapes_of(stored, ns + n, p.id, dir, 0, &sh, &needed);
		if (!err && sh.count)
			err = logged_write(&c.log, c.m.shapes, &key, sizeof(key), &sh, sizeof(sh));
	}
	if (!err) {
		__u32 flags, mask;

		flags = acl_flags_of(stored, ns + n, p.id, 0, &mask);
		err = write_port_flags(&c, &p, flags, mask);
	}
	if (!err) {
		state.next_id = (state.next_id ? state.next_id : 1) + (__u32)n;
		err = logged_write(&c.log, c.m.state, &zero, sizeof(zero), &state, sizeof(state));
	}
	if (err)
		undo_all(&c.log);
out:
	free(c.log.v);
	free(c.keys);
	free(used);
	free(stored);
	maps_close(&c.m);
	return err;
}

int xvs_acl_add(struct xvs_switch *sw, const char *port, struct xvs_acl_rule *rule)
{
	return xvs_acl_add_many(sw, port, rule, 1);
}

/* ---- delete ---- */

/* Flows opened by a rule (rule_id) or on a port (port_id), whichever is not 0. */
static void flows_forget(const struct acl_maps *m, __u32 rule_id, __u16 port_id)
{
	struct xvs_flow_key key, next, *prev = NULL;
	struct xvs_flow fl;

	while (bpf_map_get_next_key(m->flows, prev, &next) == 0) {
		bool gone = bpf_map_lookup_elem(m->flows, &next, &fl) == 0 &&
			    ((rule_id && fl.rule_id == rule_id) || (port_id && next.port_id == port_id));

		if (gone && bpf_map_delete_elem(m->flows, &next) == 0)
			continue; /* the successor of a deleted key: ask again from prev */
		key = next;
		prev = &key;
	}
}

/* Remove rule r's entries; where an extended entry is shared, the next best rule (among
 * `others`) takes it over. */
static int remove_rule_entries(struct add_ctx *c, const struct xvs_acl_rule *r,
			       const struct xvs_acl_rule *others, int no)
{
	struct xvs_xacl_key *ok = malloc(MAX_ENTRIES_PER_RULE * sizeof(*ok));
	int err = 0;

	if (!ok)
		return xvs_fail(-ENOMEM, "out of memory");
	for (int dir = 0; dir < 2 && !err; dir++) {
		if (!(r->dirs & XVS_ACL_DIR_BIT(dir)))
			continue;
		if (r->kind == XVS_ACL_KIND_PORT) {
			if (port_acl_is_mac(r)) {
				struct xvs_acl_mac_key k;

				port_acl_mac_key(r, dir, &k);
				err = logged_write(&c->log, c->m.mac, &k, sizeof(k), NULL, 0);
			} else {
				struct xvs_acl_lpm_key k;

				port_acl_lpm_key(r, dir, &k);
				err = logged_write(&c->log, c->m.lpm, &k, sizeof(k), NULL, 0);
			}
			continue;
		}
		int nk = xacl_keys(r, dir, c->keys, MAX_ENTRIES_PER_RULE);

		for (int i = 0; i < nk && !err; i++) {
			const struct xvs_acl_rule *best = NULL;
			struct xvs_xacl_val cur, v;

			if (bpf_map_lookup_elem(c->m.xacl, &c->keys[i], &cur) ||
			    cur.rule_id != r->id)
				continue;
			for (int j = 0; j < no; j++) {
				const struct xvs_acl_rule *o = &others[j];
				int n2;

				if (o->id == r->id || o->kind != XVS_ACL_KIND_EXTENDED ||
				    o->port_id != r->port_id || !(o->dirs & XVS_ACL_DIR_BIT(dir)) ||
				    (best && o->weight < best->weight))
					continue;
				n2 = xacl_keys(o, dir, ok, MAX_ENTRIES_PER_RULE);
				for (int k = 0; k < n2; k++)
					if (!memcmp(&ok[k], &c->keys[i], sizeof(ok[k]))) {
						best = o;
						break;
					}
			}
			if (best)
				xacl_val(best, &v);
			err = logged_write(&c->log, c->m.xacl, &c->keys[i], sizeof(c->keys[i]),
					   best ? &v : NULL, sizeof(v));
		}
	}
	free(ok);
	return err;
}

int xvs_acl_del(struct xvs_switch *sw, const char *port, __u32 id)
{
	struct add_ctx c = { .sw = sw };
	struct xvs_acl_rule *stored = NULL, r;
	struct xvs_port p;
	int ns = 0, err;

	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	err = maps_open(sw, &c.m);
	if (err)
		return err;
	if (bpf_map_lookup_elem(c.m.rules, &id, &r)) {
		err = xvs_fail(-ENOENT, "switch %s has no ACL rule %u", sw->name, id);
		goto out;
	}
	if (r.port_id != p.id) {
		err = xvs_fail(-ENOENT, "ACL rule %u is not on port %s", id, port);
		goto out;
	}
	c.keys = malloc(MAX_ENTRIES_PER_RULE * sizeof(*c.keys));
	if (!c.keys) {
		err = xvs_fail(-ENOMEM, "out of memory");
		goto out;
	}
	err = rules_dump(&c.m, &stored, &ns);
	if (err)
		goto out;
	/* Flags first (the fast path stops looking), then shapes, entries, the rule. */
	{
		__u32 flags, mask;

		flags = acl_flags_of(stored, ns, p.id, id, &mask);
		err = write_port_flags(&c, &p, flags, mask);
	}
	for (int dir = 0; dir < 2 && !err && r.kind == XVS_ACL_KIND_EXTENDED; dir++) {
		struct xvs_xacl_shapes sh;
		__u32 key = (__u32)p.id * 2 + (__u32)dir;
		int needed;

		err = shapes_of(stored, ns, p.id, dir, id, &sh, &needed);
		if (!err)
			err = logged_write(&c.log, c.m.shapes, &key, sizeof(key),
					   sh.count ? &sh : NULL, sizeof(sh));
	}
	if (!err)
		err = remove_rule_entries(&c, &r, stored, ns);
	if (!err)
		err = logged_write(&c.log, c.m.rules, &id, sizeof(id), NULL, 0);
	if (err)
		undo_all(&c.log);
	else
		flows_forget(&c.m, id, 0);
out:
	free(c.log.v);
	free(c.keys);
	free(stored);
	maps_close(&c.m);
	return err;
}

/* On port del: every rule, entry, shape list and flow of the port (the port is gone from the
 * port table already, so nothing reads them). Best effort: the port is going regardless. */
int xvs_acl_forget_port(struct xvs_switch *sw, __u16 port_id)
{
	struct add_ctx c = { .sw = sw };
	struct xvs_acl_rule *stored = NULL;
	int ns = 0, err;

	err = maps_open(sw, &c.m);
	if (err)
		return err;
	c.keys = malloc(MAX_ENTRIES_PER_RULE * sizeof(*c.keys));
	err = c.keys ? rules_dump(&c.m, &stored, &ns) : xvs_fail(-ENOMEM, "out of memory");
	for (int i = 0; i < ns && !err; i++) {
		const struct xvs_acl_rule *r = &stored[i];

		if (r->port_id != port_id)
			continue;
		for (int dir = 0; dir < 2; dir++) {
			if (!(r->dirs & XVS_ACL_DIR_BIT(dir)))
				continue;
			if (r->kind == XVS_ACL_KIND_EXTENDED) {
				int nk = xacl_keys(r, dir, c.keys, MAX_ENTRIES_PER_RULE);

				for (int k = 0; k < nk; k++)
					bpf_map_delete_elem(c.m.xacl, &c.keys[k]);
			} else if (port_acl_is_mac(r)) {
				struct xvs_acl_mac_key k;

				port_acl_mac_key(r, dir, &k);
				bpf_map_delete_elem(c.m.mac, &k);
			} else {
				struct xvs_acl_lpm_key k;

				port_acl_lpm_key(r, dir, &k);
				bpf_map_delete_elem(c.m.lpm, &k);
			}
		}
		bpf_map_delete_elem(c.m.rules, &r->id);
	}
	for (__u32 dir = 0; dir < 2; dir++) {
		__u32 key = (__u32)port_id * 2 + dir;

		bpf_map_delete_elem(c.m.shapes, &key);
	}
	flows_forget(&c.m, 0, port_id);
	free(c.keys);
	free(stored);
	maps_close(&c.m);
	return err;
}

/* ---- show ---- */

static int cmp_row(const void *x, const void *y)
{
	const struct xvs_acl_row *a = x, *b = y;

	if (a->rule.port_id != b->rule.port_id)
		return a->rule.port_id < b->rule.port_id ? -1 : 1;
	return a->rule.id < b->rule.id ? -1 : a->rule.id > b->rule.id;
}

int xvs_acl_list(struct xvs_switch *sw, const char *port, struct xvs_acl_row **rows, int *count)
{
	struct xvs_acl_hits *per_cpu = NULL;
	struct xvs_acl_rule *stored = NULL;
	struct xvs_acl_row *v = NULL;
	struct xvs_port *ports = NULL, one;
	struct acl_maps m;
	int ns = 0, np = 0, n = 0, err;

	*rows = NULL;
	*count = 0;
	if (port) {
		err = xvs_port_get(sw, port, &one);
		if (err)
			return err;
	}
	err = maps_open(sw, &m);
	if (err)
		return err;
	err = rules_dump(&m, &stored, &ns);
	if (!err)
		err = xvs_port_list(sw, &ports, &np);
	per_cpu = calloc((size_t)sw->ncpus, sizeof(*per_cpu));
	v = calloc((size_t)ns + 1, sizeof(*v));
	if (!err && (!per_cpu || !v))
		err = xvs_fail(-ENOMEM, "out of memory");
	for (int i = 0; i < ns && !err; i++) {
		struct xvs_acl_row *row = &v[n];

		if (port && stored[i].port_id != one.id)
			continue;
		row->rule = stored[i];
		snprintf(row->port, sizeof(row->port), "?");
		for (int j = 0; j < np; j++)
			if (ports[j].id == stored[i].port_id)
				snprintf(row->port, sizeof(row->port), "%s", ports[j].name);
		if (bpf_map_lookup_elem(m.hits, &stored[i].slot, per_cpu) == 0)
			for (int c = 0; c < sw->ncpus; c++) {
				row->hits.packets += per_cpu[c].packets;
				row->hits.bytes += per_cpu[c].bytes;
			}
		n++;
	}
	if (err) {
		free(v);
	} else {
		qsort(v, (size_t)n, sizeof(*v), cmp_row);
		*rows = v;
		*count = n;
	}
	free(per_cpu);
	free(stored);
	free(ports);
	maps_close(&m);
	return err;
}

int xvs_acl_flows(struct xvs_switch *sw, __u16 port_id, __u32 *flows, __u32 *table_size,
		  __u64 *expired)
{
	struct xvs_flow_key key, next, *prev = NULL;
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info), zero = 0;
	struct xvs_acl_state st = {};
	struct acl_maps m;
	int err = maps_open(sw, &m);

	if (err)
		return err;
	*flows = 0;
	while (bpf_map_get_next_key(m.flows, prev, &next) == 0) {
		if (!port_id || next.port_id == port_id)
			(*flows)++;
		key = next;
		prev = &key;
	}
	if (bpf_obj_get_info_by_fd(m.flows, &info, &ilen) == 0)
		*table_size = info.max_entries;
	bpf_map_lookup_elem(m.state, &zero, &st);
	*expired = st.flows_expired;
	maps_close(&m);
	return 0;
}
