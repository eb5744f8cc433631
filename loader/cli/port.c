// SPDX-License-Identifier: MIT
/* xvs tool: the port commands. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* ---- port ---- */

static int port_add_synthetic(const char *swname, const char *port, const char *dev,
			      const char *mac_s, __u32 queues, __u32 mtu)
{
	struct session s;
	__u8 mac[6];

	if (dev)
		return die("--synthetic and --dev exclude each other: xvs creates the port device");
	if (!mac_s)
		return die("a synthetic port needs --mac MAC");
	if (xvs_parse_mac(mac_s, mac))
		return lib_fail();
	if (session_open(&s, swname, true))
		return 1;
	if (xvs_port_add_synthetic(s.sw, port, mac, queues, mtu))
		return session_close(&s, lib_fail());
	return session_close(&s, 0);
}

static int cmd_port_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "mac", required_argument, NULL, 'm' },
		{ "synthetic", no_argument, NULL, 's' },
		{ "queues", required_argument, NULL, 'q' },
		{ "mtu", required_argument, NULL, 'M' },
		{}
	};
	const char *dev = NULL, *mac_s = NULL;
	bool synthetic = false;
	__u32 queues = 1, mtu = 0;
	struct session s;
	__u8 mac[6];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 'm':
			mac_s = optarg;
			break;
		case 's':
			synthetic = true;
			break;
		case 'q':
			if (parse_u32(optarg, &queues) || queues < 1 ||
			    queues > XVS_SYNTHETIC_QUEUES_MAX)
				return die("invalid --queues '%s': must be 1-%d", optarg,
					   XVS_SYNTHETIC_QUEUES_MAX);
			break;
		case 'M':
			if (parse_u32(optarg, &mtu) || mtu < XVS_SYNTHETIC_MTU_MIN ||
			    mtu > XVS_SYNTHETIC_MTU_MAX)
				return die("invalid --mtu '%s': must be %d-%d", optarg,
					   XVS_SYNTHETIC_MTU_MIN, XVS_SYNTHETIC_MTU_MAX);
			break;
		default:
			return die("usage: xvs port add SWITCH PORT (--dev IFNAME [--mac MAC] | --synthetic --mac MAC [--queues N] [--mtu N])");
		}
	}
	if (optind != argc - 2)
		return die("usage: xvs port add SWITCH PORT (--dev IFNAME [--mac MAC] | --synthetic --mac MAC [--queues N] [--mtu N])");
	if (synthetic)
		return port_add_synthetic(argv[optind], argv[optind + 1], dev, mac_s, queues, mtu);
	if (mtu)
		return die("--mtu is for synthetic ports: an emulated port's MTU is its netdev's (ip link set %s mtu N, and the same on the VM's end)",
			   dev ? dev : "DEV");
	if (!dev)
		return die("port add needs --dev IFNAME");
	if (mac_s && xvs_parse_mac(mac_s, mac))
		return lib_fail();
	if (session_open(&s, argv[optind], true))
		return 1;
	if (xvs_port_add(s.sw, argv[optind + 1], dev, mac_s ? mac : NULL, XVS_PORT_VM))
		return session_close(&s, lib_fail());
	if (xvs_warning())
		fprintf(stderr, "xvs: warning: %s\n", xvs_warning());
	return session_close(&s, 0);
}

static int cmd_port_del(int argc, char **argv)
{
	struct session s;

	if (argc != 3)
		return die("usage: xvs port del SWITCH PORT");
	if (session_open(&s, argv[1], true))
		return 1;
	return session_close(&s, xvs_port_del(s.sw, argv[2]) ? lib_fail() : 0);
}

static struct json_object *port_json(struct xvs_switch *sw, const struct xvs_port *p)
{
	struct json_object *o = json_object_new_object();
	char ifn[IF_NAMESIZE], mac[18], list[1024];
	unsigned mtu;
	static const char *const modes[] = { "untagged", "access", "trunk", "isolated", "community",
					     "promiscuous" };

	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "id", json_object_new_int(p->id));
	json_object_object_add(o, "dev", json_object_new_string(ifname_of(p->ifindex, ifn)));
	json_object_object_add(o, "ifindex", json_object_new_int64(p->ifindex));
	json_object_object_add(o, "kind", json_object_new_string(kind_name(p->kind)));
	json_object_object_add(o, "link", json_object_new_string(p->flags & XVS_PORT_LINK_UP ? "up" : "down"));
	json_object_object_add(o, "vlan_mode", json_object_new_string(p->mode < 6 ? modes[p->mode] : "?"));
	if (p->mode == XVS_VLAN_ACCESS)
		json_object_object_add(o, "access_vlan", json_object_new_int(p->access_vid));
	if (p->mode == XVS_VLAN_TRUNK) {
		xvs_format_vid_list(p->trunk_vids, list, sizeof(list));
		json_object_object_add(o, "trunk_vlans", json_object_new_string(list));
		json_object_object_add(o, "native_vlan", json_object_new_int(p->native_vid));
	}
	if (xvs_vlan_mode_is_private(p->mode))
		json_object_object_add(o, "primary_vlan", json_object_new_int(p->pvlan_primary));
	if (p->mode == XVS_VLAN_ISOLATED || p->mode == XVS_VLAN_COMMUNITY)
		json_object_object_add(o, "secondary_vlan", json_object_new_int(p->pvlan_secondary));
	if (p->mode == XVS_VLAN_PROMISCUOUS) {
		xvs_format_vid_list(p->trunk_vids, list, sizeof(list));
		json_object_object_add(o, "secondary_vlans", json_object_new_string(list));
	}
	if (p->flags & XVS_PORT_HAS_MAC) {
		xvs_format_mac(p->mac, mac);
		json_object_object_add(o, "mac", json_object_new_string(mac));
	} else {
		json_object_object_add(o, "mac", NULL);
	}
	json_object_object_add(o, "mac_spoofing",
			       json_object_new_boolean(!(p->flags & XVS_PORT_HAS_MAC) ||
						       (p->flags & XVS_PORT_ALLOW_SPOOF)));
	json_object_object_add(o, "mac_limit", json_object_new_int64(p->mac_limit));
	json_object_object_add(o, "learned_macs", json_object_new_int64(xvs_fdb_learned_count(sw, p->id)));
	json_object_object_add(o, "mirror", json_object_new_string(xvs_mirror_name(p->mirror)));
	json_object_object_add(o, "capture", json_object_new_boolean(p->flags & XVS_PORT_CAPTURE));
	json_object_object_add(o, "dhcp_guard", json_object_new_boolean(p->flags & XVS_PORT_DHCP_GUARD));
	json_object_object_add(o, "router_guard",
			       json_object_new_boolean(p->flags & XVS_PORT_ROUTER_GUARD));
	json_object_object_add(o, "max_rate_bps", json_object_new_int64((int64_t)p->max_rate_bps));
	json_object_object_add(o, "storm_limit_pps", json_object_new_int64(p->storm_limit_pps));
	json_object_object_add(o, "min_weight", json_object_new_int64(p->min_bw_weight));
	json_object_object_add(o, "vmq", json_object_new_boolean(!!(p->flags & XVS_PORT_VMQ)));
	if (xvs_port_mtu(sw, p, &mtu) == 0)
		json_object_object_add(o, "mtu", json_object_new_int64(mtu));
	else
		json_object_object_add(o, "mtu", NULL);
	if (p->min_bw_weight) {
		struct xvs_qos_state q = {};

		/* What the share timer measured and gave the port (0: no share limit now). */
		if (xvs_qos_read(sw, p->id, &q) == 0) {
			json_object_object_add(o, "demand_out_bps",
					       json_object_new_int64((int64_t)q.demand_out_Bps * 8));
			json_object_object_add(o, "share_out_bps",
					       json_object_new_int64((int64_t)q.share_out_Bps * 8));
		}
	}
	return o;
}

static int cmd_port_show(int argc, char **argv)
{
	struct xvs_port *ports;
	struct session s;
	int n;

	if (argc < 2 || argc > 3)
		return die("usage: xvs port show SWITCH [PORT]");
	if (session_open(&s, argv[1], false))
		return 1;
	if (argc == 3) {
		ports = malloc(sizeof(*ports));
		if (!ports)
			return session_close(&s, die("out of memory"));
		n = 1;
		if (xvs_port_get(s.sw, argv[2], ports)) {
			free(ports);
			return session_close(&s, lib_fail());
		}
	} else if (xvs_port_list(s.sw, &ports, &n)) {
		return session_close(&s, lib_fail());
	}
	if (json_out) {
		struct json_object *arr = json_object_new_array();

		for (int i = 0; i < n; i++)
			json_object_array_add(arr, port_json(s.sw, &ports[i]));
		print_json(arr);
	} else {
		printf("%-15s %-3s %-15s %-6s %-5s %-17s %-8s %-30s %s\n", "PORT", "ID", "DEV", "KIND",
		       "LINK", "MAC", "LEARNED", "VLAN", "POLICY");
		for (int i = 0; i < n; i++) {
			const struct xvs_port *p = &ports[i];
			char ifn[IF_NAMESIZE], mac[18] = "-", vlan[1100], learned[32], policy[256];

			if (p->flags & XVS_PORT_HAS_MAC)
				xvs_format_mac(p->mac, mac);
			vlan_desc(p, vlan, sizeof(vlan));
			snprintf(learned, sizeof(learned), "%u", xvs_fdb_learned_count(s.sw, p->id));
			if (p->mac_limit)
				snprintf(learned + strlen(learned), sizeof(learned) - strlen(learned),
					 "/%u", p->mac_limit);
			policy_desc(p, policy, sizeof(policy));
			printf("%-15s %-3u %-15s %-6s %-5s %-17s %-8s %-30s %s\n", p->name, p->id,
			       ifname_of(p->ifindex, ifn), kind_name(p->kind),
			       p->flags & XVS_PORT_LINK_UP ? "up" : "down", mac, learned, vlan,
			       policy);
		}
	}
	free(ports);
	return session_close(&s, 0);
}

/*
 * `port set SWITCH PORT KEY VALUE...`: one row per key. parse() checks the value and fills a
 * setting_value before the switch is opened (bad input changes nothing); apply() makes the
 * change through libxvs under the lock.
 */
struct setting_value {
	bool on;
	__u32 n;
	__u64 u64;
	enum xvs_vlan_mode mode;
	__u16 vid, vid2;
	__u64 vids[XVS_VLAN_WORDS];
};

struct port_setting {
	const char *key;
	const char *syntax; /* of the value, for the usage line */
	int (*parse)(int argc, char **argv, struct setting_value *v); /* argv: the values */
	int (*apply)(struct xvs_switch *sw, const char *port, const struct setting_value *v);
};

#define VLAN_SYNTAX "untagged | access VID | trunk VIDLIST [native VID] | " \
		    "isolated|community PRIMARY SECONDARY | promiscuous PRIMARY SECONDARYLIST"

static int parse_vlan(int argc, char **argv, struct setting_value *v)
{
	memset(v->vids, 0, sizeof(v->vids));
	if (argc == 1 && !strcmp(argv[0], "untagged")) {
		v->mode = XVS_VLAN_UNTAGGED;
		return 0;
	}
	if (argc == 2 && !strcmp(argv[0], "access")) {
		v->mode = XVS_VLAN_ACCESS;
		return xvs_parse_vid(argv[1], &v->vid) ? lib_fail() : 0;
	}
	if ((argc == 2 || argc == 4) && !strcmp(argv[0], "trunk")) {
		v->mode = XVS_VLAN_TRUNK;
		v->vid = 0;
		if (xvs_parse_vid_list(argv[1], v->vids))
			return lib_fail();
		if (argc == 4) {
			if (strcmp(argv[2], "native"))
				return die("expected 'native VID' after the VLAN list, got '%s'", argv[2]);
			if (strcmp(argv[3], "0") && xvs_parse_vid(argv[3], &v->vid))
				return lib_fail();
		}
		return 0;
	}
	if (argc == 3 && (!strcmp(argv[0], "isolated") || !strcmp(argv[0], "community"))) {
		v->mode = !strcmp(argv[0], "isolated") ? XVS_VLAN_ISOLATED : XVS_VLAN_COMMUNITY;
		if (xvs_parse_vid(argv[1], &v->vid) || xvs_parse_vid(argv[2], &v->vid2))
			return lib_fail();
		return 0;
	}
	if (argc == 3 && !strcmp(argv[0], "promiscuous")) {
		v->mode = XVS_VLAN_PROMISCUOUS;
		if (xvs_parse_vid(argv[1], &v->vid) || xvs_parse_vid_list(argv[2], v->vids))
			return lib_fail();
		return 0;
	}
	return die("usage: xvs port set SWITCH PORT vlan " VLAN_SYNTAX);
}

static int apply_vlan(struct xvs_switch *sw, const char *port, const struct setting_value *v)
{
	switch (v->mode) {
	case XVS_VLAN_UNTAGGED:
		return xvs_port_set_untagged(sw, port);
	case XVS_VLAN_ACCESS:
		return xvs_port_set_access(sw, port, v->vid);
	case XVS_VLAN_TRUNK:
		return xvs_port_set_trunk(sw, port, v->vids, v->vid);
	default:
		return xvs_port_set_pvlan(sw, port, v->mode, v->vid, v->vid2, v->vids);
	}
}

static int parse_link(int argc, char **argv, struct setting_value *v)
{
	if (argc != 1 || (strcmp(argv[0], "up") && strcmp(argv[0], "down")))
		return die("invalid link state '%s': expected up or down", argc ? argv[0] : "");
	v->on = !strcmp(argv[0], "up");
	return 0;
}

static int apply_link(struct xvs_switch *sw, const char *port, const struct setting_value *v)
{
	return xvs_port_set_link(sw, port, v->on);
}

static int parse_mac_spoofing(int argc, char **argv, struct setting_value *v)
{
	if (argc != 1 || parse_on_off(argv[0], &v->on))
		return die("invalid mac-spoofing value '%s': expected on or off", argc ? argv[0] : "");
	return 0;
}

static int apply_mac_spoofing(struct xvs_switch *sw, const char *port,
			      const struct setting_value *v)
{
	return xvs_port_set_mac_spoofing(sw, port, v->on);
}

static int parse_mac_limit(int argc, char **argv, struct setting_value *v)
{
	if (argc != 1 || parse_u32(argv[0], &v->n) || v->n > XVS_FDB_DEFAULT_MAX * 128u)
		return die("invalid mac-limit '%s': a number of MACs, 0 for no limit",
			   argc ? argv[0] : "");
	return 0;
}

static int apply_mac_limit(struct xvs_switch *sw, const char *port, const struct setting_value *v)
{
	return xvs_port_set_mac_limit(sw, port, v->n);
}

static int parse_mirror(int argc, char **argv, struct setting_value *v)
{
	enum xvs_mirror_mode mode;

	if (argc != 1)
		return die("usage: xvs port set SWITCH PORT mirror source|destination|none");
	if (xvs_mirror_parse(argv[0], &mode))
		return lib_fail();
	v->n = mode;
	return 0;
}

static int apply_mirror(struct xvs_switch *sw, const char *port, const struct setting_value *v)
{
	return xvs_port_set_mirror(sw, port, (enum xvs_mirror_mode)v->n);
}

/* dhcp-guard and router-guard: on|off. */
static int parse_guard(int argc, char **argv, struct setting_value *v)
{
	if (argc != 1 || parse_on_off(argv[0], &v->on))
		return die("invalid guard value '%s': expected on or off", argc ? argv[0] : "");
	return 0;
}

static int apply_dhcp_guard(struct xvs_switch *sw, const char *port, const struct setting_value *v)
{
	return xvs_port_set_dhcp_guard(sw, port, v->on);
}

static int apply_router_guard(struct xvs_switch *sw, const char *port,
			      const struct setting_value *v)
{
	return xvs_port_set_router_guard(sw, port, v->on);
}

static int parse_max_rate(int argc, char **argv, struct setting_value *v)
{
	if (argc != 1)
		return die("usage: xvs port set SWITCH PORT max-rate RATE[bit|kbit|mbit|gbit]|none");
	return xvs_parse_rate(argv[0], &v->u64) ? lib_fail() : 0;
}

static int apply_max_rate(struct xvs_switch *sw, const char *port, const struct setting_value *v)
{
	return xvs_port_set_max_rate(sw, port, v->u64);
}

static int parse_storm_limit(int argc, char **argv, struct setting_value *v)
{
	if (argc != 1 || parse_u32(argv[0], &v->n) || v->n > XVS_STORM_MAX_PPS)
		return die("invalid storm-limit '%s': packets per second, 0 to %u (0: off)",
			   argc ? argv[0] : "", XVS_STORM_MAX_PPS);
	return 0;
}

static int apply_storm_limit(struct xvs_switch *sw, const char *port,
			     const struct setting_value *v)
{
	return xvs_port_set_storm_limit(sw, port, v->n);
}

static int parse_min_weight(int argc, char **argv, struct setting_value *v)
{
	if (argc != 1 || parse_u32(argv[0], &v->n) || v->n > XVS_MIN_WEIGHT_MAX)
		return die("invalid min-weight '%s': 0 to %u (0: none)", argc ? argv[0] : "",
			   XVS_MIN_WEIGHT_MAX);
	return 0;
}

static int apply_min_weight(struct xvs_switch *sw, const char *port, const struct setting_value *v)
{
	return xvs_port_set_min_weight(sw, port, v->n);
}

static int parse_vmq(int argc, char **argv, struct setting_value *v)
{
	if (argc != 1 || parse_on_off(argv[0], &v->on))
		return die("invalid vmq value '%s': expected on or off", argc ? argv[0] : "");
	return 0;
}

static int apply_vmq(struct xvs_switch *sw, const char *port, const struct setting_value *v)
{
	return xvs_port_set_vmq(sw, port, v->on);
}

static int parse_mtu(int argc, char **argv, struct setting_value *v)
{
	if (argc != 1 || parse_u32(argv[0], &v->n) || v->n < XVS_SYNTHETIC_MTU_MIN ||
	    v->n > XVS_SYNTHETIC_MTU_MAX)
		return die("invalid mtu '%s': must be %d-%d", argc ? argv[0] : "",
			   XVS_SYNTHETIC_MTU_MIN, XVS_SYNTHETIC_MTU_MAX);
	return 0;
}

static int apply_mtu(struct xvs_switch *sw, const char *port, const struct setting_value *v)
{
	return xvs_port_set_mtu(sw, port, v->n);
}

static const struct port_setting port_settings[] = {
	{ "vlan", VLAN_SYNTAX, parse_vlan, apply_vlan },
	{ "link", "up|down", parse_link, apply_link },
	{ "mac-spoofing", "on|off", parse_mac_spoofing, apply_mac_spoofing },
	{ "mac-limit", "N", parse_mac_limit, apply_mac_limit },
	{ "mirror", "source|destination|none", parse_mirror, apply_mirror },
	{ "dhcp-guard", "on|off", parse_guard, apply_dhcp_guard },
	{ "router-guard", "on|off", parse_guard, apply_router_guard },
	{ "max-rate", "RATE[bit|kbit|mbit|gbit]|none", parse_max_rate, apply_max_rate },
	{ "storm-limit", "PPS", parse_storm_limit, apply_storm_limit },
	{ "min-weight", "N", parse_min_weight, apply_min_weight },
	{ "vmq", "on|off", parse_vmq, apply_vmq },
	{ "mtu", "N", parse_mtu, apply_mtu },
};

static int cmd_port_set(int argc, char **argv)
{
	const struct port_setting *ps = NULL;
	struct setting_value v = {};
	struct session s;
	const char *key;
	int ret;

	if (argc < 5)
		return die("usage: xvs port set SWITCH PORT KEY VALUE...");
	key = argv[3];
	for (size_t i = 0; i < sizeof(port_settings) / sizeof(port_settings[0]); i++)
		if (!strcmp(key, port_settings[i].key))
			ps = &port_settings[i];
	if (!ps)
		return die("unknown port setting '%s'", key);
	if (ps->parse(argc - 4, argv + 4, &v))
		return 1;
	if (session_open(&s, argv[1], true))
		return 1;
	ret = ps->apply(s.sw, argv[2], &v) ? lib_fail() : 0;
	return session_close(&s, ret);
}

int cmd_port(int argc, char **argv)
{
	if (argc < 2)
		return die("usage: xvs port add|del|show|set ...");
	if (!strcmp(argv[1], "add"))
		return cmd_port_add(argc - 1, argv + 1);
	if (!strcmp(argv[1], "del"))
		return cmd_port_del(argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return cmd_port_show(argc - 1, argv + 1);
	if (!strcmp(argv[1], "set"))
		return cmd_port_set(argc - 1, argv + 1);
	return die("unknown port command '%s': expected add, del, show or set", argv[1]);
}
