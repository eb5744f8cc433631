// SPDX-License-Identifier: MIT
/*
 * The keys of the configuration file: one row per key of a switch and of a port (see
 * loader/config.h for what each function of a row does, and docs/CONFIG.md, "Adding a key").
 *
 * A row reads its value from the file into the same struct the running switch holds
 * (struct xvs_config, struct xvs_port), so the running state needs no reader of its own:
 * planning compares the two structs row by row, `xvs save` formats the running struct row by
 * row. A row must parse everything its setter would refuse, because a file is checked whole
 * before the first change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

/* ---- defaults: what switch and port creation give ---- */

static void set_all_vids(__u64 *vids)
{
	memset(vids, 0, XVS_VLAN_WORDS * sizeof(__u64));
	for (unsigned v = 1; v <= XVS_VID_MAX; v++)
		vids[v / 64] |= 1ULL << (v % 64);
}

void cfg_port_defaults(struct xvs_port *p, __u8 kind)
{
	char name[XVS_NAME_LEN];

	memcpy(name, p->name, sizeof(name));
	memset(p, 0, sizeof(*p));
	memcpy(p->name, name, sizeof(name));
	p->kind = kind;
	p->flags = XVS_PORT_LINK_UP;
	if (kind == XVS_PORT_UPLINK) { /* as xvs_port_add() makes it */
		p->mode = XVS_VLAN_TRUNK;
		set_all_vids(p->trunk_vids);
	}
	if (kind == XVS_PORT_SYNTHETIC) /* as xvs_port_add_synthetic() makes its device */
		p->mtu = XVS_SYNTHETIC_MTU_DEFAULT;
}

void cfg_switch_defaults(struct xvs_config *c)
{
	char name[XVS_NAME_LEN];

	memcpy(name, c->name, sizeof(name));
	memset(c, 0, sizeof(*c));
	memcpy(c->name, name, sizeof(name));
	c->type = XVS_SWITCH_INTERNAL;
	c->aging_sec = XVS_AGING_DEFAULT_SEC;
	c->fdb_max = XVS_FDB_DEFAULT_MAX;
	if (XVS_DATAPATH_DEFAULT == XVS_DATAPATH_TC)
		c->flags |= XVS_SWITCH_TC;
}

bool cfg_has_host_port(const struct xvs_config *c)
{
	return c->type != XVS_SWITCH_PRIVATE && !(c->flags & XVS_SWITCH_NO_MGMT_OS);
}

/* ---- port: vlan ---- */

static bool vid_in(const __u64 *vids, unsigned v)
{
	return (vids[v / 64] >> (v % 64)) & 1;
}

static int vid_word(const struct cfg_ctx *ctx, const yaml_node_t *val, const char *w,
		    const char *what, __u16 *vid)
{
	if (xvs_parse_vid(w, vid))
		return cfg_error(ctx, val, "invalid %s '%s': must be 1-4094", what, w);
	return 0;
}

static int vid_list_word(const struct cfg_ctx *ctx, const yaml_node_t *val, const char *w,
			 __u64 *vids)
{
	if (xvs_parse_vid_list(w, vids))
		return cfg_error(ctx, val, "%s", xvs_errmsg());
	return 0;
}

#define VLAN_SYNTAX "untagged, access VID, trunk VIDLIST [native VID], isolated|community " \
		    "PRIMARY SECONDARY or promiscuous PRIMARY SECONDARYLIST"

/* The words of `xvs port set SW PORT vlan ...`, with the checks its setters make. */
static int vlan_words(const struct cfg_ctx *ctx, const yaml_node_t *val, int n, char **w,
		      struct xvs_port *p)
{
	p->access_vid = p->native_vid = p->pvlan_primary = p->pvlan_secondary = 0;
	memset(p->trunk_vids, 0, sizeof(p->trunk_vids));
	if (n == 1 && !strcmp(w[0], "untagged")) {
		p->mode = XVS_VLAN_UNTAGGED;
		return 0;
	}
	if (n == 2 && !strcmp(w[0], "access")) {
		p->mode = XVS_VLAN_ACCESS;
		return vid_word(ctx, val, w[1], "VLAN id", &p->access_vid);
	}
	if ((n == 2 || n == 4) && !strcmp(w[0], "trunk")) {
		p->mode = XVS_VLAN_TRUNK;
		if (vid_list_word(ctx, val, w[1], p->trunk_vids))
			return -EINVAL;
		if (n == 2)
			return 0;
		if (strcmp(w[2], "native"))
			return cfg_error(ctx, val, "expected 'native VID' after the VLAN list, got '%s'",
					 w[2]);
		return strcmp(w[3], "0") ? vid_word(ctx, val, w[3], "native VLAN", &p->native_vid) : 0;
	}
	if (n == 3 && (!strcmp(w[0], "isolated") || !strcmp(w[0], "community"))) {
		p->mode = !strcmp(w[0], "isolated") ? XVS_VLAN_ISOLATED : XVS_VLAN_COMMUNITY;
		if (vid_word(ctx, val, w[1], "primary VLAN", &p->pvlan_primary) ||
		    vid_word(ctx, val, w[2], "secondary VLAN", &p->pvlan_secondary))
			return -EINVAL;
		if (p->pvlan_primary == p->pvlan_secondary)
			return cfg_error(ctx, val, "the secondary VLAN must differ from the primary (%u)",
					 p->pvlan_primary);
		return 0;
	}
	if (n == 3 && !strcmp(w[0], "promiscuous")) {
		p->mode = XVS_VLAN_PROMISCUOUS;
		if (vid_word(ctx, val, w[1], "primary VLAN", &p->pvlan_primary) ||
		    vid_list_word(ctx, val, w[2], p->trunk_vids))
			return -EINVAL;
		/* The list is not empty (parsed), so it has a secondary unless it is the primary. */
		if (vid_in(p->trunk_vids, p->pvlan_primary))
			return cfg_error(ctx, val, "primary VLAN %u cannot also be a secondary",
					 p->pvlan_primary);
		return 0;
	}
	return cfg_error(ctx, val, "invalid vlan '%s': expected " VLAN_SYNTAX,
			 (const char *)val->data.scalar.value);
}

static int parse_vlan(const struct cfg_ctx *ctx, const yaml_node_t *val, struct xvs_port *want)
{
	char *copy, *w[8], *save = NULL;
	const char *s;
	int n = 0, err;

	if (cfg_scalar(ctx, val, "vlan", &s))
		return -EINVAL;
	copy = strdup(s);
	if (!copy)
		return xvs_fail(-ENOMEM, "out of memory");
	for (char *t = strtok_r(copy, " \t", &save); t && n < 8; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	err = vlan_words(ctx, val, n, w, want);
	free(copy);
	return err;
}

static bool vlan_differs(const struct xvs_port *h, const struct xvs_port *w)
{
	if (h->mode != w->mode)
		return true;
	switch (w->mode) {
	case XVS_VLAN_ACCESS:
		return h->access_vid != w->access_vid;
	case XVS_VLAN_TRUNK:
		return h->native_vid != w->native_vid ||
		       memcmp(h->trunk_vids, w->trunk_vids, sizeof(w->trunk_vids));
	case XVS_VLAN_ISOLATED:
	case XVS_VLAN_COMMUNITY:
		return h->pvlan_primary != w->pvlan_primary ||
		       h->pvlan_secondary != w->pvlan_secondary;
	case XVS_VLAN_PROMISCUOUS:
		return h->pvlan_primary != w->pvlan_primary ||
		       memcmp(h->trunk_vids, w->trunk_vids, sizeof(w->trunk_vids));
	default:
		return false;
	}
}

static void format_vlan(const struct xvs_port *p, char *buf, size_t len)
{
	xvs_vlan_format(p, true, buf, len);
}

static int apply_vlan(struct xvs_switch *sw, const struct xvs_port *w)
{
	switch (w->mode) {
	case XVS_VLAN_UNTAGGED:
		return xvs_port_set_untagged(sw, w->name);
	case XVS_VLAN_ACCESS:
		return xvs_port_set_access(sw, w->name, w->access_vid);
	case XVS_VLAN_TRUNK:
		return xvs_port_set_trunk(sw, w->name, w->trunk_vids, w->native_vid);
	default:
		return xvs_port_set_pvlan(sw, w->name, (enum xvs_vlan_mode)w->mode, w->pvlan_primary,
					  w->pvlan_secondary, w->trunk_vids);
	}
}

/* ---- port: one flag bit, on|off or up|down ---- */

static int parse_flag(const struct cfg_ctx *ctx, const yaml_node_t *val, const char *key,
		      __u32 bit, struct xvs_port *want)
{
	bool on;

	if (cfg_on_off(ctx, val, key, &on))
		return -EINVAL;
	want->flags = on ? want->flags | bit : want->flags & ~bit;
	return 0;
}

static int parse_link(const struct cfg_ctx *ctx, const yaml_node_t *val, struct xvs_port *want)
{
	const char *s;

	if (cfg_scalar(ctx, val, "link", &s))
		return -EINVAL;
	if (strcmp(s, "up") && strcmp(s, "down"))
		return cfg_error(ctx, val, "invalid link '%s': expected up or down", s);
	want->flags = !strcmp(s, "up") ? want->flags | XVS_PORT_LINK_UP :
					 want->flags & ~(__u32)XVS_PORT_LINK_UP;
	return 0;
}

static bool link_differs(const struct xvs_port *h, const struct xvs_port *w)
{
	return (h->flags ^ w->flags) & XVS_PORT_LINK_UP;
}

static void format_link(const struct xvs_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s", p->flags & XVS_PORT_LINK_UP ? "up" : "down");
}

static int apply_link(struct xvs_switch *sw, const struct xvs_port *w)
{
	return xvs_port_set_link(sw, w->name, w->flags & XVS_PORT_LINK_UP);
}

static int parse_spoofing(const struct cfg_ctx *ctx, const yaml_node_t *val,
			  struct xvs_port *want)
{
	return parse_flag(ctx, val, "mac-spoofing", XVS_PORT_ALLOW_SPOOF, want);
}

static bool spoofing_differs(const struct xvs_port *h, const struct xvs_port *w)
{
	return (h->flags ^ w->flags) & XVS_PORT_ALLOW_SPOOF;
}

static void format_spoofing(const struct xvs_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s", p->flags & XVS_PORT_ALLOW_SPOOF ? "on" : "off");
}

static int apply_spoofing(struct xvs_switch *sw, const struct xvs_port *w)
{
	return xvs_port_set_mac_spoofing(sw, w->name, w->flags & XVS_PORT_ALLOW_SPOOF);
}

/* ---- port: mac ---- */

static int parse_mac(const struct cfg_ctx *ctx, const yaml_node_t *val, struct xvs_port *want)
{
	const char *s;

	if (cfg_scalar(ctx, val, "mac", &s))
		return -EINVAL;
	if (!strcmp(s, "none")) {
		memset(want->mac, 0, 6);
		want->flags &= ~(__u32)XVS_PORT_HAS_MAC;
		return 0;
	}
	if (xvs_parse_mac(s, want->mac))
		return cfg_error(ctx, val, "invalid MAC '%s': expected xx:xx:xx:xx:xx:xx or none", s);
	if (want->mac[0] & 1)
		return cfg_error(ctx, val, "invalid MAC '%s': a port MAC must be unicast", s);
	want->flags |= XVS_PORT_HAS_MAC;
	return 0;
}

static bool mac_differs(const struct xvs_port *h, const struct xvs_port *w)
{
	if ((h->flags ^ w->flags) & XVS_PORT_HAS_MAC)
		return true;
	return (w->flags & XVS_PORT_HAS_MAC) && memcmp(h->mac, w->mac, 6);
}

static void format_mac(const struct xvs_port *p, char *buf, size_t len)
{
	char m[18];

	xvs_format_mac(p->mac, m);
	snprintf(buf, len, "%s", p->flags & XVS_PORT_HAS_MAC ? m : "none");
}

static int apply_mac(struct xvs_switch *sw, const struct xvs_port *w)
{
	return xvs_port_set_mac(sw, w->name, w->flags & XVS_PORT_HAS_MAC ? w->mac : NULL);
}

/* ---- port: mac-limit ---- */

static int parse_mac_limit(const struct cfg_ctx *ctx, const yaml_node_t *val,
			   struct xvs_port *want)
{
	return cfg_u32(ctx, val, "mac-limit", 0, XVS_FDB_DEFAULT_MAX * 128u, &want->mac_limit);
}

static bool mac_limit_differs(const struct xvs_port *h, const struct xvs_port *w)
{
	return h->mac_limit != w->mac_limit;
}

static void format_mac_limit(const struct xvs_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "%u", p->mac_limit);
}

static int apply_mac_limit(struct xvs_switch *sw, const struct xvs_port *w)
{
	return xvs_port_set_mac_limit(sw, w->name, w->mac_limit);
}

/* ---- port: mirror ---- */

static int parse_mirror(const struct cfg_ctx *ctx, const yaml_node_t *val, struct xvs_port *want)
{
	enum xvs_mirror_mode mode;
	const char *s;

	if (cfg_scalar(ctx, val, "mirror", &s))
		return -EINVAL;
	if (xvs_mirror_parse(s, &mode))
		return cfg_error(ctx, val, "%s", xvs_errmsg());
	want->mirror = (__u8)mode;
	return 0;
}

static bool mirror_differs(const struct xvs_port *h, const struct xvs_port *w)
{
	return h->mirror != w->mirror;
}

static void format_mirror(const struct xvs_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s", xvs_mirror_name(p->mirror));
}

static int apply_mirror(struct xvs_switch *sw, const struct xvs_port *w)
{
	return xvs_port_set_mirror(sw, w->name, (enum xvs_mirror_mode)w->mirror);
}

/* ---- port: guards (loader/guard.c) ---- */

static int parse_dhcp_guard(const struct cfg_ctx *ctx, const yaml_node_t *val,
			    struct xvs_port *want)
{
	return parse_flag(ctx, val, "dhcp-guard", XVS_PORT_DHCP_GUARD, want);
}

static bool dhcp_guard_differs(const struct xvs_port *h, const struct xvs_port *w)
{
	return (h->flags ^ w->flags) & XVS_PORT_DHCP_GUARD;
}

static void format_dhcp_guard(const struct xvs_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s", p->flags & XVS_PORT_DHCP_GUARD ? "on" : "off");
}

static int apply_dhcp_guard(struct xvs_switch *sw, const struct xvs_port *w)
{
	return xvs_port_set_dhcp_guard(sw, w->name, w->flags & XVS_PORT_DHCP_GUARD);
}

static int parse_router_guard(const struct cfg_ctx *ctx, const yaml_node_t *val,
			      struct xvs_port *want)
{
	return parse_flag(ctx, val, "router-guard", XVS_PORT_ROUTER_GUARD, want);
}

static bool router_guard_differs(const struct xvs_port *h, const struct xvs_port *w)
{
	return (h->flags ^ w->flags) & XVS_PORT_ROUTER_GUARD;
}

static void format_router_guard(const struct xvs_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s", p->flags & XVS_PORT_ROUTER_GUARD ? "on" : "off");
}

static int apply_router_guard(struct xvs_switch *sw, const struct xvs_port *w)
{
	return xvs_port_set_router_guard(sw, w->name, w->flags & XVS_PORT_ROUTER_GUARD);
}

/* ---- port: QoS (loader/qos.c) ---- */

/* A rate as `xvs port set ... max-rate` takes it ("100mbit", "none", ...). */
static int parse_rate(const struct cfg_ctx *ctx, const yaml_node_t *val, const char *what,
		      __u64 *bps)
{
	const char *s;

	if (cfg_scalar(ctx, val, what, &s))
		return -EINVAL;
	if (xvs_parse_rate(s, bps))
		return cfg_error(ctx, val, "%s: %s", what, xvs_errmsg());
	return 0;
}

static void format_rate(__u64 bps, char *buf, size_t len)
{
	if (bps)
		xvs_format_rate(bps, buf, len);
	else
		snprintf(buf, len, "none");
}

static int parse_max_rate(const struct cfg_ctx *ctx, const yaml_node_t *val,
			  struct xvs_port *want)
{
	return parse_rate(ctx, val, "max-rate", &want->max_rate_bps);
}

static bool max_rate_differs(const struct xvs_port *h, const struct xvs_port *w)
{
	return h->max_rate_bps != w->max_rate_bps;
}

static void format_max_rate(const struct xvs_port *p, char *buf, size_t len)
{
	format_rate(p->max_rate_bps, buf, len);
}

static int apply_max_rate(struct xvs_switch *sw, const struct xvs_port *w)
{
	return xvs_port_set_max_rate(sw, w->name, w->max_rate_bps);
}

static int parse_storm_limit(const struct cfg_ctx *ctx, const yaml_node_t *val,
			     struct xvs_port *want)
{
	return cfg_u32(ctx, val, "storm-limit", 0, XVS_STORM_MAX_PPS, &want->storm_limit_pps);
}

static bool storm_limit_differs(const struct xvs_port *h, const struct xvs_port *w)
{
	return h->storm_limit_pps != w->storm_limit_pps;
}

static void format_storm_limit(const struct xvs_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "%u", p->storm_limit_pps);
}

static int apply_storm_limit(struct xvs_switch *sw, const struct xvs_port *w)
{
	return xvs_port_set_storm_limit(sw, w->name, w->storm_limit_pps);
}

static int parse_min_weight(const struct cfg_ctx *ctx, const yaml_node_t *val,
			    struct xvs_port *want)
{
	return cfg_u32(ctx, val, "min-weight", 0, XVS_MIN_WEIGHT_MAX, &want->min_bw_weight);
}

static bool min_weight_differs(const struct xvs_port *h, const struct xvs_port *w)
{
	return h->min_bw_weight != w->min_bw_weight;
}

static void format_min_weight(const struct xvs_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "%u", p->min_bw_weight);
}

static int apply_min_weight(struct xvs_switch *sw, const struct xvs_port *w)
{
	return xvs_port_set_min_weight(sw, w->name, w->min_bw_weight);
}

/* ---- port: vmq (loader/synthetic.c) ---- */

/* Only synthetic ports of external XDP switches have VMQ: loader/config_parse.c checks that
 * with the whole port and switch in hand, so that a file is refused before the first change. */
static int parse_vmq(const struct cfg_ctx *ctx, const yaml_node_t *val, struct xvs_port *want)
{
	return parse_flag(ctx, val, "vmq", XVS_PORT_VMQ, want);
}

static bool vmq_differs(const struct xvs_port *h, const struct xvs_port *w)
{
	return (h->flags ^ w->flags) & XVS_PORT_VMQ;
}

static void format_vmq(const struct xvs_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s", p->flags & XVS_PORT_VMQ ? "on" : "off");
}

static int apply_vmq(struct xvs_switch *sw, const struct xvs_port *w)
{
	return xvs_port_set_vmq(sw, w->name, w->flags & XVS_PORT_VMQ);
}

/* ---- port: mtu (loader/synthetic.c) ---- */

/* A synthetic port's device MTU, carried in struct xvs_port's mtu (0 for every other kind: an
 * emulated port's MTU is its netdev's, which xvs does not own); loader/config_parse.c refuses
 * the key elsewhere and loader/config_state.c reads the device. */
static int parse_mtu(const struct cfg_ctx *ctx, const yaml_node_t *val, struct xvs_port *want)
{
	__u32 mtu;

	if (cfg_u32(ctx, val, "mtu", XVS_SYNTHETIC_MTU_MIN, XVS_SYNTHETIC_MTU_MAX, &mtu))
		return -EINVAL;
	want->mtu = (__u16)mtu;
	return 0;
}

static bool mtu_differs(const struct xvs_port *h, const struct xvs_port *w)
{
	return h->mtu != w->mtu;
}

static void format_mtu(const struct xvs_port *p, char *buf, size_t len)
{
	snprintf(buf, len, "%u", p->mtu);
}

static int apply_mtu(struct xvs_switch *sw, const struct xvs_port *w)
{
	return xvs_port_set_mtu(sw, w->name, w->mtu);
}

/*
 * Port keys, in the order a plan applies them and `xvs save` writes them: the MAC before
 * mac-spoofing (so that turning spoofing off checks the right MAC), the VLAN before the link
 * (a port joins its new VLANs before its link comes up; a link going down goes first, see
 * loader/config_plan.c), policy last, VMQ after it (the port's VLAN and policy are in place
 * before frames take the fast path). `dev`, `synthetic` and `queues` are not rows: they are
 * what adding a port takes, its identity (loader/config_parse.c).
 */
const struct cfg_port_key cfg_port_keys[] = {
	{ "mac", parse_mac, mac_differs, format_mac, apply_mac, true },
	{ "mac-spoofing", parse_spoofing, spoofing_differs, format_spoofing, apply_spoofing, false },
	{ "vlan", parse_vlan, vlan_differs, format_vlan, apply_vlan, false },
	{ "link", parse_link, link_differs, format_link, apply_link, false },
	{ "mac-limit", parse_mac_limit, mac_limit_differs, format_mac_limit, apply_mac_limit, false },
	{ "mirror", parse_mirror, mirror_differs, format_mirror, apply_mirror, false },
	{ "dhcp-guard", parse_dhcp_guard, dhcp_guard_differs, format_dhcp_guard, apply_dhcp_guard,
	  false },
	{ "router-guard", parse_router_guard, router_guard_differs, format_router_guard,
	  apply_router_guard, false },
	{ "max-rate", parse_max_rate, max_rate_differs, format_max_rate, apply_max_rate, false },
	{ "storm-limit", parse_storm_limit, storm_limit_differs, format_storm_limit,
	  apply_storm_limit, false },
	{ "min-weight", parse_min_weight, min_weight_differs, format_min_weight, apply_min_weight,
	  false },
	{ "mtu", parse_mtu, mtu_differs, format_mtu, apply_mtu, false },
	{ "vmq", parse_vmq, vmq_differs, format_vmq, apply_vmq, false },
};
const int cfg_nport_keys = sizeof(cfg_port_keys) / sizeof(cfg_port_keys[0]);
_Static_assert(sizeof(cfg_port_keys) / sizeof(cfg_port_keys[0]) <= CFG_MAX_KEYS,
	       "raise CFG_MAX_KEYS");

/* ---- switch keys ---- */

static int parse_type(const struct cfg_ctx *ctx, const yaml_node_t *val, struct xvs_config *want)
{
	enum xvs_switch_type t;
	const char *s;

	if (cfg_scalar(ctx, val, "type", &s))
		return -EINVAL;
	if (xvs_switch_type_parse(s, &t))
		return cfg_error(ctx, val, "%s", xvs_errmsg());
	want->type = t;
	return 0;
}

static bool type_differs(const struct xvs_config *h, const struct xvs_config *w)
{
	return h->type != w->type;
}

static void format_type(const struct xvs_config *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s", xvs_switch_type_name(c->type));
}

static int parse_uplink(const struct cfg_ctx *ctx, const yaml_node_t *val,
			struct xvs_config *want)
{
	const char *s;

	if (cfg_scalar(ctx, val, "uplink", &s))
		return -EINVAL;
	if (!cfg_valid_ifname(s))
		return cfg_error(ctx, val, "invalid uplink '%s': not a netdev name", s);
	snprintf(want->uplink, sizeof(want->uplink), "%s", s);
	return 0;
}

static bool uplink_differs(const struct xvs_config *h, const struct xvs_config *w)
{
	return strncmp(h->uplink, w->uplink, sizeof(w->uplink));
}

static void format_uplink(const struct xvs_config *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s", c->uplink[0] ? c->uplink : "none");
}

static int parse_mgmt(const struct cfg_ctx *ctx, const yaml_node_t *val, struct xvs_config *want)
{
	bool on;

	if (cfg_on_off(ctx, val, "management-os", &on))
		return -EINVAL;
	want->flags = on ? want->flags & ~(__u32)XVS_SWITCH_NO_MGMT_OS :
			   want->flags | XVS_SWITCH_NO_MGMT_OS;
	return 0;
}

static bool mgmt_differs(const struct xvs_config *h, const struct xvs_config *w)
{
	return (h->flags ^ w->flags) & XVS_SWITCH_NO_MGMT_OS;
}

static void format_mgmt(const struct xvs_config *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s", c->flags & XVS_SWITCH_NO_MGMT_OS ? "off" : "on");
}

/* The flavour lives in the model as the XVS_SWITCH_TC flag of struct xvs_config. */
static int parse_datapath(const struct cfg_ctx *ctx, const yaml_node_t *val,
			  struct xvs_config *want)
{
	enum xvs_datapath dp;
	const char *s;

	if (cfg_scalar(ctx, val, "datapath", &s))
		return -EINVAL;
	if (xvs_datapath_parse(s, &dp))
		return cfg_error(ctx, val, "%s", xvs_errmsg());
	want->flags = dp == XVS_DATAPATH_TC ? want->flags | XVS_SWITCH_TC :
					      want->flags & ~(__u32)XVS_SWITCH_TC;
	return 0;
}

static bool datapath_differs(const struct xvs_config *h, const struct xvs_config *w)
{
	return (h->flags ^ w->flags) & XVS_SWITCH_TC;
}

static void format_datapath(const struct xvs_config *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s", xvs_datapath_name(c->flags & XVS_SWITCH_TC ? XVS_DATAPATH_TC :
									    XVS_DATAPATH_XDP));
}

static int parse_fdb_size(const struct cfg_ctx *ctx, const yaml_node_t *val,
			  struct xvs_config *want)
{
	return cfg_u32(ctx, val, "fdb-size", 16, 1u << 24, &want->fdb_max);
}

static bool fdb_size_differs(const struct xvs_config *h, const struct xvs_config *w)
{
	return h->fdb_max != w->fdb_max;
}

static void format_fdb_size(const struct xvs_config *c, char *buf, size_t len)
{
	snprintf(buf, len, "%u", c->fdb_max);
}

static int parse_aging(const struct cfg_ctx *ctx, const yaml_node_t *val,
		       struct xvs_config *want)
{
	return cfg_u32(ctx, val, "aging", 1, 1000000, &want->aging_sec);
}

static bool aging_differs(const struct xvs_config *h, const struct xvs_config *w)
{
	return h->aging_sec != w->aging_sec;
}

static void format_aging(const struct xvs_config *c, char *buf, size_t len)
{
	snprintf(buf, len, "%u", c->aging_sec);
}

static int apply_aging(struct xvs_switch *sw, const struct xvs_config *w)
{
	return xvs_switch_set_aging(sw, w->aging_sec);
}

static int parse_uplink_rate(const struct cfg_ctx *ctx, const yaml_node_t *val,
			     struct xvs_config *want)
{
	return parse_rate(ctx, val, "uplink-rate", &want->uplink_rate_bps);
}

static bool uplink_rate_differs(const struct xvs_config *h, const struct xvs_config *w)
{
	return h->uplink_rate_bps != w->uplink_rate_bps;
}

static void format_uplink_rate(const struct xvs_config *c, char *buf, size_t len)
{
	format_rate(c->uplink_rate_bps, buf, len);
}

static int apply_uplink_rate(struct xvs_switch *sw, const struct xvs_config *w)
{
	return xvs_switch_set_uplink_rate(sw, w->uplink_rate_bps);
}

/* Switch keys. type, datapath, uplink, management-os and fdb-size are what the dataplane
 * instance is loaded with (its programs, the FDB map's size, the uplink and host ports): only
 * creation sets them. */
const struct cfg_switch_key cfg_switch_keys[] = {
	{ "type", parse_type, type_differs, format_type, NULL, true },
	{ "datapath", parse_datapath, datapath_differs, format_datapath, NULL, true },
	{ "uplink", parse_uplink, uplink_differs, format_uplink, NULL, false },
	{ "management-os", parse_mgmt, mgmt_differs, format_mgmt, NULL, false },
	{ "fdb-size", parse_fdb_size, fdb_size_differs, format_fdb_size, NULL, false },
	{ "aging", parse_aging, aging_differs, format_aging, apply_aging, false },
	{ "uplink-rate", parse_uplink_rate, uplink_rate_differs, format_uplink_rate,
	  apply_uplink_rate, false },
};
const int cfg_nswitch_keys = sizeof(cfg_switch_keys) / sizeof(cfg_switch_keys[0]);
_Static_assert(sizeof(cfg_switch_keys) / sizeof(cfg_switch_keys[0]) <= CFG_MAX_KEYS,
	       "raise CFG_MAX_KEYS");

int cfg_port_key_index(const char *key)
{
	for (int i = 0; i < cfg_nport_keys; i++)
		if (!strcmp(cfg_port_keys[i].key, key))
			return i;
	return -1;
}

int cfg_switch_key_index(const char *key)
{
	for (int i = 0; i < cfg_nswitch_keys; i++)
		if (!strcmp(cfg_switch_keys[i].key, key))
			return i;
	return -1;
}
