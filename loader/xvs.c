// SPDX-License-Identifier: MIT
/*
 * xvs: the command-line tool. It parses, calls libxvs, and prints (tables, or JSON with -j).
 * Every failure prints one line on stderr and exits non-zero; libxvs guarantees that a failed
 * command changed nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <net/if.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libxvs.h"

static bool json_out;

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die(const char *fmt, ...)
{
	va_list ap;

	fputs("xvs: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int lib_fail(void)
{
	return die("%s", xvs_errmsg());
}

static void print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int parse_u32(const char *s, __u32 *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 0xffffffffUL)
		return -EINVAL;
	*out = (__u32)v;
	return 0;
}

static int parse_on_off(const char *s, bool *on)
{
	if (s && !strcmp(s, "on"))
		*on = true;
	else if (s && !strcmp(s, "off"))
		*on = false;
	else
		return -EINVAL;
	return 0;
}

/* Open a switch for one command; with `lock`, hold the xvs lock for the command's life. */
struct session {
	struct xvs_switch *sw;
	int lock_fd;
};

static int session_open(struct session *s, const char *name, bool lock)
{
	s->sw = NULL;
	s->lock_fd = -1;
	if (lock) {
		s->lock_fd = xvs_lock();
		if (s->lock_fd < 0)
			return lib_fail();
	}
	if (xvs_switch_open(name, &s->sw)) {
		xvs_unlock(s->lock_fd);
		return lib_fail();
	}
	return 0;
}

static int session_close(struct session *s, int ret)
{
	xvs_switch_close(s->sw);
	xvs_unlock(s->lock_fd);
	return ret;
}

static const char *ifname_of(__u32 ifindex, char buf[IF_NAMESIZE])
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "(gone:%u)", ifindex);
	return buf;
}

static const char *kind_name(__u8 kind)
{
	switch (kind) {
	case XVS_PORT_HOST:
		return "host";
	case XVS_PORT_UPLINK:
		return "uplink";
	default:
		return "vm";
	}
}

/* "access 10", "trunk 2-4,10 native 1", "untagged". */
static void vlan_desc(const struct xvs_port *p, char *buf, size_t len)
{
	char list[1024];

	switch (p->mode) {
	case XVS_VLAN_ACCESS:
		snprintf(buf, len, "access %u", p->access_vid);
		break;
	case XVS_VLAN_TRUNK:
		xvs_format_vid_list(p->trunk_vids, list, sizeof(list));
		snprintf(buf, len, "trunk %s native %u", list[0] ? list : "(none)", p->native_vid);
		break;
	default:
		snprintf(buf, len, "untagged");
	}
}

/* ---- switch ---- */

static int cmd_switch_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "uplink", required_argument, NULL, 'u' },
		{ "no-management-os", no_argument, NULL, 'n' },
		{ "datapath", required_argument, NULL, 'd' },
		{ "fdb-size", required_argument, NULL, 'f' },
		{ "aging", required_argument, NULL, 'a' },
		{}
	};
	struct xvs_switch_opts o = {};
	bool type_given = false;
	int c, lock, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (xvs_switch_type_parse(optarg, &o.type))
				return lib_fail();
			type_given = true;
			break;
		case 'u':
			o.uplink = optarg;
			break;
		case 'n':
			o.no_management_os = true;
			break;
		case 'd':
			if (!strcmp(optarg, "tc"))
				return die("--datapath tc is not available yet: only the xdp datapath is built");
			if (strcmp(optarg, "xdp"))
				return die("invalid datapath '%s': expected xdp or tc", optarg);
			break;
		case 'f':
			if (parse_u32(optarg, &o.fdb_max) || o.fdb_max < 16)
				return die("invalid --fdb-size '%s': a number of entries, at least 16", optarg);
			break;
		case 'a':
			if (parse_u32(optarg, &o.aging_sec) || o.aging_sec < 1 || o.aging_sec > 1000000)
				return die("invalid --aging '%s': 1-1000000 seconds", optarg);
			break;
		default:
			return die("usage: xvs switch add NAME [--type external|internal|private] [--uplink IFNAME] [--no-management-os] [--datapath xdp] [--fdb-size N] [--aging SECONDS]");
		}
	}
	if (optind != argc - 1)
		return die("usage: xvs switch add NAME [--type external|internal|private] [--uplink IFNAME] ...");
	o.name = argv[optind];
	if (!type_given)
		o.type = o.uplink ? XVS_SWITCH_EXTERNAL : XVS_SWITCH_INTERNAL;
	lock = xvs_lock();
	if (lock < 0)
		return lib_fail();
	err = xvs_switch_create(&o);
	xvs_unlock(lock);
	return err ? lib_fail() : 0;
}

static int cmd_switch_del(int argc, char **argv)
{
	int lock, err;

	if (argc != 2)
		return die("usage: xvs switch del NAME");
	lock = xvs_lock();
	if (lock < 0)
		return lib_fail();
	err = xvs_switch_destroy(argv[1]);
	xvs_unlock(lock);
	return err ? lib_fail() : 0;
}

static struct json_object *switch_json(struct xvs_switch *sw)
{
	struct json_object *o = json_object_new_object();
	struct xvs_clock_state clk = {};
	struct xvs_port *ports;
	struct xvs_config cfg;
	int n = 0;

	if (xvs_switch_config(sw, &cfg))
		return NULL;
	xvs_switch_clock(sw, &clk);
	if (xvs_port_list(sw, &ports, &n))
		return NULL;
	json_object_object_add(o, "name", json_object_new_string(sw->name));
	json_object_object_add(o, "type", json_object_new_string(xvs_switch_type_name(cfg.type)));
	json_object_object_add(o, "datapath", json_object_new_string("xdp"));
	json_object_object_add(o, "uplink", cfg.uplink[0] ? json_object_new_string(cfg.uplink) : NULL);
	json_object_object_add(o, "management_os",
			       json_object_new_boolean(cfg.type != XVS_SWITCH_PRIVATE &&
						       !(cfg.flags & XVS_SWITCH_NO_MGMT_OS)));
	json_object_object_add(o, "ports", json_object_new_int(n));
	json_object_object_add(o, "aging_sec", json_object_new_int64(cfg.aging_sec));
	json_object_object_add(o, "fdb_max", json_object_new_int64(cfg.fdb_max));
	json_object_object_add(o, "aging_sweeps", json_object_new_int64((int64_t)clk.sweeps));
	free(ports);
	return o;
}

static int cmd_switch_show(int argc, char **argv)
{
	char (*names)[XVS_NAME_LEN] = NULL;
	struct json_object *arr;
	int n = 0, ret = 0;

	if (argc > 2)
		return die("usage: xvs switch show [NAME]");
	if (argc == 2) {
		names = malloc(XVS_NAME_LEN);
		if (!names)
			return die("out of memory");
		snprintf(names[0], XVS_NAME_LEN, "%s", argv[1]);
		n = 1;
	} else if (xvs_switch_list(&names, &n)) {
		return lib_fail();
	}
	arr = json_object_new_array();
	for (int i = 0; i < n; i++) {
		struct xvs_switch *sw;
		struct json_object *o;

		if (xvs_switch_open(names[i], &sw)) {
			ret = lib_fail();
			break;
		}
		o = switch_json(sw);
		xvs_switch_close(sw);
		if (!o) {
			ret = lib_fail();
			break;
		}
		json_object_array_add(arr, o);
	}
	free(names);
	if (ret) {
		json_object_put(arr);
		return ret;
	}
	if (json_out) {
		print_json(arr);
		return 0;
	}
	printf("%-13s %-9s %-8s %-12s %-6s %-6s %-9s\n", "SWITCH", "TYPE", "DATAPATH", "UPLINK",
	       "MGMT", "PORTS", "AGING");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *v;
		const char *up = json_object_object_get_ex(o, "uplink", &v) && v ?
					 json_object_get_string(v) : "-";

		printf("%-13s %-9s %-8s %-12s %-6s %-6d %lds\n",
		       json_object_get_string(json_object_object_get(o, "name")),
		       json_object_get_string(json_object_object_get(o, "type")), "xdp", up,
		       json_object_get_boolean(json_object_object_get(o, "management_os")) ? "yes" : "no",
		       json_object_get_int(json_object_object_get(o, "ports")),
		       (long)json_object_get_int64(json_object_object_get(o, "aging_sec")));
	}
	json_object_put(arr);
	return 0;
}

static int cmd_switch_set(int argc, char **argv)
{
	struct session s;
	__u32 v;

	if (argc != 4 || strcmp(argv[2], "aging"))
		return die("usage: xvs switch set NAME aging SECONDS");
	if (parse_u32(argv[3], &v))
		return die("invalid aging time '%s': 1-1000000 seconds", argv[3]);
	if (session_open(&s, argv[1], true))
		return 1;
	return session_close(&s, xvs_switch_set_aging(s.sw, v) ? lib_fail() : 0);
}

static int cmd_switch(int argc, char **argv)
{
	if (argc < 2)
		return die("usage: xvs switch add|del|show|set ...");
	if (!strcmp(argv[1], "add"))
		return cmd_switch_add(argc - 1, argv + 1);
	if (!strcmp(argv[1], "del"))
		return cmd_switch_del(argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return cmd_switch_show(argc - 1, argv + 1);
	if (!strcmp(argv[1], "set"))
		return cmd_switch_set(argc - 1, argv + 1);
	return die("unknown switch command '%s': expected add, del, show or set", argv[1]);
}

/* ---- port ---- */

static int cmd_port_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "mac", required_argument, NULL, 'm' },
		{ "synthetic", no_argument, NULL, 's' },
		{ "queues", required_argument, NULL, 'q' },
		{}
	};
	const char *dev = NULL, *mac_s = NULL;
	bool synthetic = false;
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
			break;
		default:
			return die("usage: xvs port add SWITCH PORT --dev IFNAME [--mac MAC]");
		}
	}
	if (optind != argc - 2)
		return die("usage: xvs port add SWITCH PORT --dev IFNAME [--mac MAC]");
	if (synthetic)
		return die("synthetic NICs are not available yet: xvsd is not built; use --dev IFNAME");
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
	static const char *const modes[] = { "untagged", "access", "trunk" };

	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "id", json_object_new_int(p->id));
	json_object_object_add(o, "dev", json_object_new_string(ifname_of(p->ifindex, ifn)));
	json_object_object_add(o, "ifindex", json_object_new_int64(p->ifindex));
	json_object_object_add(o, "kind", json_object_new_string(kind_name(p->kind)));
	json_object_object_add(o, "link", json_object_new_string(p->flags & XVS_PORT_LINK_UP ? "up" : "down"));
	json_object_object_add(o, "vlan_mode", json_object_new_string(p->mode < 3 ? modes[p->mode] : "?"));
	if (p->mode == XVS_VLAN_ACCESS)
		json_object_object_add(o, "access_vlan", json_object_new_int(p->access_vid));
	if (p->mode == XVS_VLAN_TRUNK) {
		xvs_format_vid_list(p->trunk_vids, list, sizeof(list));
		json_object_object_add(o, "trunk_vlans", json_object_new_string(list));
		json_object_object_add(o, "native_vlan", json_object_new_int(p->native_vid));
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
		printf("%-15s %-3s %-15s %-6s %-5s %-17s %-8s %-30s\n", "PORT", "ID", "DEV", "KIND",
		       "LINK", "MAC", "LEARNED", "VLAN");
		for (int i = 0; i < n; i++) {
			const struct xvs_port *p = &ports[i];
			char ifn[IF_NAMESIZE], mac[18] = "-", vlan[1100], learned[32];

			if (p->flags & XVS_PORT_HAS_MAC)
				xvs_format_mac(p->mac, mac);
			vlan_desc(p, vlan, sizeof(vlan));
			snprintf(learned, sizeof(learned), "%u", xvs_fdb_learned_count(s.sw, p->id));
			if (p->mac_limit)
				snprintf(learned + strlen(learned), sizeof(learned) - strlen(learned),
					 "/%u", p->mac_limit);
			printf("%-15s %-3u %-15s %-6s %-5s %-17s %-8s %s\n", p->name, p->id,
			       ifname_of(p->ifindex, ifn), kind_name(p->kind),
			       p->flags & XVS_PORT_LINK_UP ? "up" : "down", mac, learned, vlan);
		}
	}
	free(ports);
	return session_close(&s, 0);
}

static int port_set_vlan(struct xvs_switch *sw, const char *port, int argc, char **argv)
{
	__u64 vids[XVS_VLAN_WORDS];
	__u16 vid, native = 0;

	if (argc == 1 && !strcmp(argv[0], "untagged"))
		return xvs_port_set_untagged(sw, port) ? lib_fail() : 0;
	if (argc == 2 && !strcmp(argv[0], "access")) {
		if (xvs_parse_vid(argv[1], &vid))
			return lib_fail();
		return xvs_port_set_access(sw, port, vid) ? lib_fail() : 0;
	}
	if ((argc == 2 || argc == 4) && !strcmp(argv[0], "trunk")) {
		if (xvs_parse_vid_list(argv[1], vids))
			return lib_fail();
		if (argc == 4) {
			if (strcmp(argv[2], "native"))
				return die("expected 'native VID' after the VLAN list, got '%s'", argv[2]);
			if (strcmp(argv[3], "0") && xvs_parse_vid(argv[3], &native))
				return lib_fail();
		}
		return xvs_port_set_trunk(sw, port, vids, native) ? lib_fail() : 0;
	}
	if (argc >= 1 && (!strcmp(argv[0], "isolated") || !strcmp(argv[0], "community") ||
			  !strcmp(argv[0], "promiscuous")))
		return die("private VLAN modes are not available yet");
	return die("usage: xvs port set SWITCH PORT vlan untagged | access VID | trunk VIDLIST [native VID]");
}

static int cmd_port_set(int argc, char **argv)
{
	static const char *const later[] = { "dhcp-guard", "router-guard", "max-rate", "storm-limit",
					     "mirror", "vmq" };
	const char *key;
	struct session s;
	int ret;
	bool on = false;
	__u32 n = 0;

	if (argc < 5)
		return die("usage: xvs port set SWITCH PORT KEY VALUE...");
	key = argv[3];
	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++)
		if (!strcmp(key, later[i]))
			return die("port setting '%s' is not available yet in this version", key);
	/* Validate the value before touching the switch. */
	if (!strcmp(key, "link") || !strcmp(key, "mac-spoofing")) {
		if (argc != 5)
			return die("usage: xvs port set SWITCH PORT %s %s", key,
				   !strcmp(key, "link") ? "up|down" : "on|off");
		if (!strcmp(key, "link")) {
			if (strcmp(argv[4], "up") && strcmp(argv[4], "down"))
				return die("invalid link state '%s': expected up or down", argv[4]);
		} else if (parse_on_off(argv[4], &on)) {
			return die("invalid mac-spoofing value '%s': expected on or off", argv[4]);
		}
	} else if (!strcmp(key, "mac-limit")) {
		if (argc != 5 || parse_u32(argv[4], &n) || n > XVS_FDB_DEFAULT_MAX * 128u)
			return die("invalid mac-limit '%s': a number of MACs, 0 for no limit",
				   argc > 4 ? argv[4] : "");
	} else if (strcmp(key, "vlan")) {
		return die("unknown port setting '%s'", key);
	}
	if (session_open(&s, argv[1], true))
		return 1;
	if (!strcmp(key, "vlan"))
		ret = port_set_vlan(s.sw, argv[2], argc - 4, argv + 4);
	else if (!strcmp(key, "link"))
		ret = xvs_port_set_link(s.sw, argv[2], !strcmp(argv[4], "up")) ? lib_fail() : 0;
	else if (!strcmp(key, "mac-spoofing"))
		ret = xvs_port_set_mac_spoofing(s.sw, argv[2], on) ? lib_fail() : 0;
	else
		ret = xvs_port_set_mac_limit(s.sw, argv[2], n) ? lib_fail() : 0;
	return session_close(&s, ret);
}

static int cmd_port(int argc, char **argv)
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

/* ---- fdb ---- */

static int cmp_fdb(const void *a, const void *b)
{
	const struct xvs_fdb_row *x = a, *y = b;

	if (x->key.vlan != y->key.vlan)
		return (int)x->key.vlan - (int)y->key.vlan;
	return memcmp(x->key.mac, y->key.mac, 6);
}

static int cmd_fdb_show(int argc, char **argv)
{
	static const struct option opts[] = { { "vlan", required_argument, NULL, 'v' }, {} };
	struct xvs_clock_state clk = {};
	struct xvs_port *ports;
	struct xvs_fdb_row *rows;
	int filter = -1, n, np, c;
	struct session s;
	__u16 vid;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'v')
			return die("usage: xvs fdb show SWITCH [--vlan VID]");
		if (strcmp(optarg, "0") && xvs_parse_vid(optarg, &vid))
			return lib_fail();
		filter = strcmp(optarg, "0") ? vid : 0;
	}
	if (optind != argc - 1)
		return die("usage: xvs fdb show SWITCH [--vlan VID]");
	if (session_open(&s, argv[optind], false))
		return 1;
	if (xvs_fdb_dump(s.sw, &rows, &n) || xvs_port_list(s.sw, &ports, &np))
		return session_close(&s, lib_fail());
	xvs_switch_clock(s.sw, &clk);
	qsort(rows, (size_t)n, sizeof(*rows), cmp_fdb);

	struct json_object *arr = json_object_new_array();
	for (int i = 0; i < n; i++) {
		const struct xvs_fdb_row *r = &rows[i];
		const char *port = "?";
		char mac[18];

		if (filter >= 0 && r->key.vlan != filter)
			continue;
		for (int j = 0; j < np; j++)
			if (ports[j].ifindex == r->entry.ifindex)
				port = ports[j].name;
		xvs_format_mac(r->key.mac, mac);
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "mac", json_object_new_string(mac));
		json_object_object_add(o, "vlan", json_object_new_int(r->key.vlan));
		json_object_object_add(o, "port", json_object_new_string(port));
		json_object_object_add(o, "static", json_object_new_boolean(r->entry.flags & XVS_FDB_STATIC));
		json_object_object_add(o, "age_sec",
				       r->entry.flags & XVS_FDB_STATIC ? NULL :
				       json_object_new_int64(clk.now_sec >= r->entry.last_seen ?
							     (int64_t)(clk.now_sec - r->entry.last_seen) : 0));
		json_object_array_add(arr, o);
	}
	if (json_out) {
		print_json(arr);
	} else {
		printf("%-17s %-5s %-15s %-7s %s\n", "MAC", "VLAN", "PORT", "TYPE", "AGE");
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *o = json_object_array_get_idx(arr, i);
			bool st = json_object_get_boolean(json_object_object_get(o, "static"));

			printf("%-17s %-5d %-15s %-7s ", json_object_get_string(json_object_object_get(o, "mac")),
			       json_object_get_int(json_object_object_get(o, "vlan")),
			       json_object_get_string(json_object_object_get(o, "port")),
			       st ? "static" : "learned");
			if (st)
				printf("-\n");
			else
				printf("%llds\n", (long long)json_object_get_int64(json_object_object_get(o, "age_sec")));
		}
		json_object_put(arr);
	}
	free(rows);
	free(ports);
	return session_close(&s, 0);
}

static int cmd_fdb_add(int argc, char **argv)
{
	static const struct option opts[] = { { "vlan", required_argument, NULL, 'v' }, {} };
	struct session s;
	__u16 vid = 0;
	__u8 mac[6];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'v')
			return die("usage: xvs fdb add SWITCH MAC PORT [--vlan VID]");
		if (xvs_parse_vid(optarg, &vid))
			return lib_fail();
	}
	if (optind != argc - 3)
		return die("usage: xvs fdb add SWITCH MAC PORT [--vlan VID]");
	if (xvs_parse_mac(argv[optind + 1], mac))
		return lib_fail();
	if (session_open(&s, argv[optind], true))
		return 1;
	return session_close(&s, xvs_fdb_add_static(s.sw, mac, vid, argv[optind + 2]) ? lib_fail() : 0);
}

static int cmd_fdb(int argc, char **argv)
{
	struct session s;

	if (argc < 2)
		return die("usage: xvs fdb show|add|flush SWITCH ...");
	if (!strcmp(argv[1], "show"))
		return cmd_fdb_show(argc - 1, argv + 1);
	if (!strcmp(argv[1], "add"))
		return cmd_fdb_add(argc - 1, argv + 1);
	if (!strcmp(argv[1], "flush")) {
		if (argc != 3)
			return die("usage: xvs fdb flush SWITCH");
		if (session_open(&s, argv[2], true))
			return 1;
		return session_close(&s, xvs_fdb_flush(s.sw) ? lib_fail() : 0);
	}
	return die("unknown fdb command '%s': expected show, add or flush", argv[1]);
}

/* ---- stats ---- */

/*
 * Prometheus text exposition format 0.0.4, for node_exporter's textfile collector or any
 * scraper that runs a command. Every family is printed whole (HELP, TYPE, then all its
 * samples), as the format requires, and every series is printed even when it is zero, so a
 * series does not appear out of nowhere on its first drop.
 */

/* name="value" with the three escapes the format defines. Switch and port names cannot hold
 * any of these characters, but netdev names (the dev label) can hold '"' and '\'. */
static void prom_label(const char *name, const char *value, bool first)
{
	printf("%s%s=\"", first ? "" : ",", name);
	for (const char *c = value; *c; c++) {
		if (*c == '\\')
			fputs("\\\\", stdout);
		else if (*c == '"')
			fputs("\\\"", stdout);
		else if (*c == '\n')
			fputs("\\n", stdout);
		else
			putchar(*c);
	}
	putchar('"');
}

static void prom_family(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample labelled switch, port and, when key is set, key=val. */
static void prom_sample(const char *metric, const char *sw, const char *port, const char *key,
			const char *val, unsigned long long v)
{
	printf("%s{", metric);
	prom_label("switch", sw, true);
	prom_label("port", port, false);
	if (key)
		prom_label(key, val, false);
	printf("} %llu\n", v);
}

static const struct {
	const char *name, *help;
	size_t off;
} prom_counters[] = {
	{ "xvs_port_rx_packets_total", "Frames received by the switch on this port.",
	  offsetof(struct xvs_port_stats, rx_packets) },
	{ "xvs_port_rx_bytes_total", "Bytes received by the switch on this port.",
	  offsetof(struct xvs_port_stats, rx_bytes) },
	{ "xvs_port_tx_packets_total", "Frames sent by the switch out of this port.",
	  offsetof(struct xvs_port_stats, tx_packets) },
	{ "xvs_port_tx_bytes_total", "Bytes sent by the switch out of this port.",
	  offsetof(struct xvs_port_stats, tx_bytes) },
	{ "xvs_port_flooded_total",
	  "Frames received on this port that were flooded (broadcast, multicast, unknown unicast).",
	  offsetof(struct xvs_port_stats, flooded) },
	{ "xvs_port_mac_moves_total", "Learned MAC addresses that moved to this port.",
	  offsetof(struct xvs_port_stats, learn_moves) },
};

static __u64 stat_at(const struct xvs_port_stats *st, size_t off)
{
	return *(const __u64 *)((const char *)st + off);
}

static void print_prometheus(const char *sw, const struct xvs_port *ports,
			     const struct xvs_port_stats *st, int n)
{
	char ifn[IF_NAMESIZE], id[8];

	/* The netdev behind each port rides on an info series, not on every counter, so a
	 * renamed or re-attached netdev does not split the counters' history. */
	prom_family("xvs_port_info", "gauge",
		    "Always 1; labels name the port's netdev, kind (vm, host, uplink) and id.");
	for (int i = 0; i < n; i++) {
		printf("xvs_port_info{");
		prom_label("switch", sw, true);
		prom_label("port", ports[i].name, false);
		prom_label("dev", ifname_of(ports[i].ifindex, ifn), false);
		prom_label("kind", kind_name(ports[i].kind), false);
		snprintf(id, sizeof(id), "%u", ports[i].id);
		prom_label("id", id, false);
		printf("} 1\n");
	}
	for (size_t f = 0; f < sizeof(prom_counters) / sizeof(prom_counters[0]); f++) {
		prom_family(prom_counters[f].name, "counter", prom_counters[f].help);
		for (int i = 0; i < n; i++)
			prom_sample(prom_counters[f].name, sw, ports[i].name, NULL, NULL,
				    stat_at(&st[i], prom_counters[f].off));
	}
	prom_family("xvs_port_learn_refused_total", "counter",
		    "New source MACs not learned on this port, by reason: the port's mac-limit "
		    "(port-limit) or the switch's FDB size (table-full).");
	for (int i = 0; i < n; i++) {
		prom_sample("xvs_port_learn_refused_total", sw, ports[i].name, "reason", "port-limit",
			    st[i].learn_refused_port);
		prom_sample("xvs_port_learn_refused_total", sw, ports[i].name, "reason", "table-full",
			    st[i].learn_refused_table);
	}
	prom_family("xvs_port_drops_total", "counter", "Frames dropped on this port, by reason.");
	for (int i = 0; i < n; i++) {
		for (int r = 0; r < XVS_DROP__MAX; r++) {
			const char *reason = xvs_drop_name(r);

			if (reason) /* a reason without a name yet is not worth a crash */
				prom_sample("xvs_port_drops_total", sw, ports[i].name, "reason",
					    reason, st[i].drops[r]);
		}
	}
}

static int cmd_stats(int argc, char **argv)
{
	static const char usage_line[] = "usage: xvs stats SWITCH [PORT] [--prometheus]";
	static const struct option opts[] = { { "prometheus", no_argument, NULL, 'p' }, {} };
	struct xvs_port_stats *stats;
	struct json_object *arr;
	struct xvs_port *ports;
	bool prometheus = false;
	struct session s;
	int n, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'p')
			return die("%s", usage_line);
		prometheus = true;
	}
	if (argc - optind < 1 || argc - optind > 2)
		return die("%s", usage_line);
	if (prometheus && json_out)
		return die("--prometheus and -j are two output formats: choose one");
	argc -= optind - 1;
	argv += optind - 1;
	if (session_open(&s, argv[1], false))
		return 1;
	if (argc == 3) {
		ports = malloc(sizeof(*ports));
		n = 1;
		if (!ports || xvs_port_get(s.sw, argv[2], ports)) {
			free(ports);
			return session_close(&s, lib_fail());
		}
	} else if (xvs_port_list(s.sw, &ports, &n)) {
		return session_close(&s, lib_fail());
	}
	/* Read every port first: a failure then prints nothing rather than half a report. */
	stats = calloc((size_t)n + 1, sizeof(*stats)); /* + 1: a switch may have no port */
	if (!stats) {
		free(ports);
		return session_close(&s, die("out of memory"));
	}
	for (int i = 0; i < n; i++) {
		if (xvs_stats_read(s.sw, ports[i].id, &stats[i])) {
			free(stats);
			free(ports);
			return session_close(&s, lib_fail());
		}
	}
	if (prometheus) {
		int ret = 0;

		print_prometheus(s.sw->name, ports, stats, n);
		/* A scraper's file written as `xvs ... > f.tmp && mv f.tmp f` must not be renamed
		 * into place half-written (disk full): fail instead. */
		if (fflush(stdout) || ferror(stdout))
			ret = die("cannot write the metrics: %s", strerror(errno));
		free(stats);
		free(ports);
		return session_close(&s, ret);
	}
	arr = json_object_new_array();
	for (int i = 0; i < n; i++) {
		const struct xvs_port_stats *st = &stats[i];
		struct json_object *o, *drops;

		o = json_object_new_object();
		drops = json_object_new_object();
		json_object_object_add(o, "port", json_object_new_string(ports[i].name));
		json_object_object_add(o, "rx_packets", json_object_new_int64((int64_t)st->rx_packets));
		json_object_object_add(o, "rx_bytes", json_object_new_int64((int64_t)st->rx_bytes));
		json_object_object_add(o, "tx_packets", json_object_new_int64((int64_t)st->tx_packets));
		json_object_object_add(o, "tx_bytes", json_object_new_int64((int64_t)st->tx_bytes));
		json_object_object_add(o, "flooded", json_object_new_int64((int64_t)st->flooded));
		json_object_object_add(o, "learn_refused_port_limit", json_object_new_int64((int64_t)st->learn_refused_port));
		json_object_object_add(o, "learn_refused_table_full", json_object_new_int64((int64_t)st->learn_refused_table));
		json_object_object_add(o, "mac_moves", json_object_new_int64((int64_t)st->learn_moves));
		for (int r = 0; r < XVS_DROP__MAX; r++)
			json_object_object_add(drops, xvs_drop_name(r), json_object_new_int64((int64_t)st->drops[r]));
		json_object_object_add(o, "drops", drops);
		json_object_array_add(arr, o);
	}
	free(stats);
	free(ports);
	if (json_out) {
		print_json(arr);
		return session_close(&s, 0);
	}
	printf("%-15s %12s %14s %12s %14s %10s  %s\n", "PORT", "RX-PKTS", "RX-BYTES", "TX-PKTS",
	       "TX-BYTES", "DROPPED", "DROPS BY REASON");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *drops;
		char reasons[1024] = "";
		long long total = 0;

		drops = json_object_object_get(o, "drops");
		json_object_object_foreach(drops, k, v) {
			long long c = (long long)json_object_get_int64(v);

			if (!c)
				continue;
			total += c;
			snprintf(reasons + strlen(reasons), sizeof(reasons) - strlen(reasons), "%s%s=%lld",
				 reasons[0] ? " " : "", k, c);
		}
		printf("%-15s %12lld %14lld %12lld %14lld %10lld  %s\n",
		       json_object_get_string(json_object_object_get(o, "port")),
		       (long long)json_object_get_int64(json_object_object_get(o, "rx_packets")),
		       (long long)json_object_get_int64(json_object_object_get(o, "rx_bytes")),
		       (long long)json_object_get_int64(json_object_object_get(o, "tx_packets")),
		       (long long)json_object_get_int64(json_object_object_get(o, "tx_bytes")), total,
		       reasons[0] ? reasons : "-");
	}
	json_object_put(arr);
	return session_close(&s, 0);
}

static void usage(FILE *f)
{
	fputs("usage: xvs [-j|--json] COMMAND ...\n"
	      "  switch add NAME [--type external|internal|private] [--uplink IFNAME]\n"
	      "             [--no-management-os] [--datapath xdp] [--fdb-size N] [--aging SECONDS]\n"
	      "  switch del NAME | switch show [NAME] | switch set NAME aging SECONDS\n"
	      "  port add SWITCH PORT --dev IFNAME [--mac MAC]\n"
	      "  port del SWITCH PORT | port show SWITCH [PORT]\n"
	      "  port set SWITCH PORT vlan untagged | access VID | trunk VIDLIST [native VID]\n"
	      "  port set SWITCH PORT link up|down | mac-limit N | mac-spoofing on|off\n"
	      "  fdb show SWITCH [--vlan VID] | fdb add SWITCH MAC PORT [--vlan VID] | fdb flush SWITCH\n"
	      "  stats SWITCH [PORT] [--prometheus]\n"
	      "State lives under $XVS_ROOT (default " XVS_ROOT_DEFAULT "), runtime files under\n"
	      "$XVS_RUN (default " XVS_RUN_DEFAULT ").\n", f);
}

int main(int argc, char **argv)
{
	static const char *const later[] = { "acl", "capture", "apply", "save" };
	int i = 1;

	/* Bad options are reported by each command's usage line: one line on stderr, not two. */
	opterr = 0;
	if (i < argc && (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))) {
		json_out = true;
		i++;
	}
	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") || !strcmp(argv[i], "help")) {
		usage(stdout);
		return 0;
	}
	argc -= i;
	argv += i;
	if (!strcmp(argv[0], "switch"))
		return cmd_switch(argc, argv);
	if (!strcmp(argv[0], "port"))
		return cmd_port(argc, argv);
	if (!strcmp(argv[0], "fdb"))
		return cmd_fdb(argc, argv);
	if (!strcmp(argv[0], "stats"))
		return cmd_stats(argc, argv);
	for (size_t k = 0; k < sizeof(later) / sizeof(later[0]); k++)
		if (!strcmp(argv[0], later[k]))
			return die("'%s' is not available yet in this version", argv[0]);
	return die("unknown command '%s' (try xvs --help)", argv[0]);
}
