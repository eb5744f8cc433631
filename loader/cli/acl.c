// SPDX-License-Identifier: MIT
/* xvs tool: the acl commands (port ACLs and extended ACLs, loader/acl.c). */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* One line, like every error: the full syntax is in xvs --help and xvs(8). */
#define ACL_ADD_USAGE \
	"usage: xvs acl add SWITCH PORT [--extended] --dir DIR --action ACTION MATCH... " \
	"(see xvs --help)"

enum {
	OPT_DIR = 1000, OPT_ACTION, OPT_REMOTE_MAC, OPT_LOCAL_MAC, OPT_REMOTE_IP, OPT_LOCAL_IP,
	OPT_EXTENDED, OPT_WEIGHT, OPT_PROTO, OPT_REMOTE_PORT, OPT_LOCAL_PORT, OPT_STATEFUL,
	OPT_IDLE,
};

/* One address option into the rule; both addresses of an extended rule share a family. */
static int set_ip(struct xvs_acl_rule *r, const char *s, bool local)
{
	__u8 family;

	if (xvs_acl_parse_prefix(s, local ? r->local_ip : r->remote_ip,
				 local ? &r->local_plen : &r->remote_plen, &family))
		return lib_fail();
	if (r->family && r->family != family)
		return die("--remote-ip and --local-ip must both be IPv4 or both IPv6");
	r->family = family;
	return 0;
}

static int cmd_acl_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "action", required_argument, NULL, OPT_ACTION },
		{ "remote-mac", required_argument, NULL, OPT_REMOTE_MAC },
		{ "local-mac", required_argument, NULL, OPT_LOCAL_MAC },
		{ "remote-ip", required_argument, NULL, OPT_REMOTE_IP },
		{ "local-ip", required_argument, NULL, OPT_LOCAL_IP },
		{ "extended", no_argument, NULL, OPT_EXTENDED },
		{ "weight", required_argument, NULL, OPT_WEIGHT },
		{ "proto", required_argument, NULL, OPT_PROTO },
		{ "remote-port", required_argument, NULL, OPT_REMOTE_PORT },
		{ "local-port", required_argument, NULL, OPT_LOCAL_PORT },
		{ "stateful", no_argument, NULL, OPT_STATEFUL },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{}
	};
	struct xvs_acl_rule r = { .local_port_hi = 65535, .remote_port_hi = 65535 };
	bool extended = false, stateful = false, have_dir = false, have_action = false;
	bool have_weight = false, have_idle = false, port_opts = false;
	int c, matches = 0, ret;
	__u32 v, idle = 0;
	struct session s;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DIR:
			if (xvs_acl_parse_dir(optarg, &r.dirs))
				return lib_fail();
			have_dir = true;
			break;
		case OPT_ACTION:
			if (xvs_acl_parse_action(optarg, &r.action))
				return lib_fail();
			have_action = true;
			break;
		case OPT_REMOTE_MAC:
		case OPT_LOCAL_MAC:
			if (xvs_parse_mac(optarg, r.mac))
				return lib_fail();
			r.match = c == OPT_LOCAL_MAC ? XVS_ACL_LOCAL_MAC : XVS_ACL_REMOTE_MAC;
			matches++;
			break;
		case OPT_REMOTE_IP:
		case OPT_LOCAL_IP:
			if (set_ip(&r, optarg, c == OPT_LOCAL_IP))
				return 1;
			r.match = c == OPT_LOCAL_IP ? XVS_ACL_LOCAL_IP : XVS_ACL_REMOTE_IP;
			matches++;
			break;
		case OPT_EXTENDED:
			extended = true;
			break;
		case OPT_WEIGHT:
			if (parse_u32(optarg, &v) || v < 1 || v > XVS_XACL_WEIGHT_MAX)
				return die("invalid --weight '%s': 1-%d", optarg, XVS_XACL_WEIGHT_MAX);
			r.weight = (__u16)v;
			have_weight = true;
			break;
		case OPT_PROTO:
			if (xvs_acl_parse_proto(optarg, &r.proto, &r.flags))
				return lib_fail();
			port_opts = true;
			break;
		case OPT_REMOTE_PORT:
			if (xvs_acl_parse_port_range(optarg, &r.remote_port_lo, &r.remote_port_hi))
				return lib_fail();
			port_opts = true;
			break;
		case OPT_LOCAL_PORT:
			if (xvs_acl_parse_port_range(optarg, &r.local_port_lo, &r.local_port_hi))
				return lib_fail();
			port_opts = true;
			break;
		case OPT_STATEFUL:
			stateful = true;
			break;
		case OPT_IDLE:
			if (parse_u32(optarg, &idle) || idle < 1 || idle > XVS_FLOW_IDLE_MAX)
				return die("invalid --idle-timeout '%s': 1-%d seconds", optarg,
					   XVS_FLOW_IDLE_MAX);
			have_idle = true;
			break;
		default:
			return die("%s", ACL_ADD_USAGE);
		}
	}
	if (optind != argc - 2)
		return die("%s", ACL_ADD_USAGE);
	if (!have_dir || !have_action)
		return die("acl add needs --dir and --action");
	if (have_idle && !stateful)
		return die("--idle-timeout is only for --stateful rules");
	if (extended) {
		r.kind = XVS_ACL_KIND_EXTENDED;
		r.match = 0;
		if (r.mac[0] || r.mac[1] || r.mac[2] || r.mac[3] || r.mac[4] || r.mac[5])
			return die("extended ACLs match IP fields, not MACs: use a port ACL");
		if (r.dirs == 3)
			return die("an extended ACL has one direction: --dir in or --dir out");
		if (r.action == XVS_ACL_METER)
			return die("an extended ACL action is allow or deny");
		if (!have_weight)
			return die("an extended ACL needs --weight N (1-%d, highest first)",
				   XVS_XACL_WEIGHT_MAX);
		if (stateful && r.action != XVS_ACL_ALLOW)
			return die("--stateful is for allow rules");
		if (stateful) {
			r.flags |= XVS_ACL_STATEFUL;
			r.idle_timeout = have_idle ? idle : XVS_FLOW_IDLE_DEFAULT;
		}
	} else {
		if (stateful || have_weight || port_opts)
			return die("--weight, --proto, ports and --stateful need --extended");
		if (matches != 1)
			return die("a port ACL matches exactly one of --remote-mac, --local-mac, "
				   "--remote-ip or --local-ip");
	}
	if (session_open(&s, argv[optind], true))
		return 1;
	ret = xvs_acl_add(s.sw, argv[optind + 1], &r) ? lib_fail() : 0;
	if (!ret) {
		if (json_out) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "id", json_object_new_int64(r.id));
			print_json(o);
		} else {
			printf("%u\n", r.id);
		}
	}
	return session_close(&s, ret);
}

static struct json_object *ip_json(__u8 family, const __u8 *addr, __u8 plen)
{
	struct xvs_acl_rule tmp = { .kind = XVS_ACL_KIND_PORT, .match = XVS_ACL_REMOTE_IP,
				    .family = family, .remote_plen = plen };
	char buf[80];

	memcpy(tmp.remote_ip, addr, 16);
	xvs_acl_format_match(&tmp, buf, sizeof(buf));
	return json_object_new_string(buf + strlen("remote-ip "));
}

static struct json_object *range_json(__u16 lo, __u16 hi)
{
	char buf[16];

	if (lo == 0 && hi == 65535)
		return NULL;
	if (lo == hi)
		snprintf(buf, sizeof(buf), "%u", lo);
	else
		snprintf(buf, sizeof(buf), "%u-%u", lo, hi);
	return json_object_new_string(buf);
}

static struct json_object *row_json(const struct xvs_acl_row *row)
{
	const struct xvs_acl_rule *r = &row->rule;
	struct json_object *o = json_object_new_object(), *h = json_object_new_object();
	char mac[18], text[256], num[8];
	bool ext = r->kind == XVS_ACL_KIND_EXTENDED;

	xvs_acl_format_match(r, text, sizeof(text));
	json_object_object_add(o, "port", json_object_new_string(row->port));
	json_object_object_add(o, "id", json_object_new_int64(r->id));
	json_object_object_add(o, "kind", json_object_new_string(ext ? "extended" : "port"));
	json_object_object_add(o, "direction", json_object_new_string(xvs_acl_dir_name(r->dirs)));
	json_object_object_add(o, "action", json_object_new_string(xvs_acl_action_name(r->action)));
	json_object_object_add(o, "weight", ext ? json_object_new_int(r->weight) : NULL);
	json_object_object_add(o, "match", json_object_new_string(text));
	if (!ext && (r->match == XVS_ACL_REMOTE_MAC || r->match == XVS_ACL_LOCAL_MAC)) {
		xvs_format_mac(r->mac, mac);
		json_object_object_add(o, r->match == XVS_ACL_LOCAL_MAC ? "local_mac" : "remote_mac",
				       json_object_new_string(mac));
	} else if (!ext) {
		bool local = r->match == XVS_ACL_LOCAL_IP;

		json_object_object_add(o, local ? "local_ip" : "remote_ip",
				       ip_json(r->family, local ? r->local_ip : r->remote_ip,
					       local ? r->local_plen : r->remote_plen));
	} else {
		const char *p = "any";

		if (r->flags & XVS_ACL_PROTO_SET) {
			p = r->flags & XVS_ACL_ICMP_ANY ? "icmp" : r->proto == 6 ? "tcp" :
			    r->proto == 17 ? "udp" : (snprintf(num, sizeof(num), "%u", r->proto), num);
		}
		json_object_object_add(o, "proto", json_object_new_string(p));
		bool remote = r->family && (r->remote_plen || !r->local_plen);

		json_object_object_add(o, "remote_ip", remote ? ip_json(r->family, r->remote_ip,
									r->remote_plen) : NULL);
		json_object_object_add(o, "local_ip", r->family && r->local_plen ?
				       ip_json(r->family, r->local_ip, r->local_plen) : NULL);
		json_object_object_add(o, "remote_port", range_json(r->remote_port_lo,
								    r->remote_port_hi));
		json_object_object_add(o, "local_port", range_json(r->local_port_lo,
								   r->local_port_hi));
		json_object_object_add(o, "stateful", json_object_new_boolean(r->flags &
									      XVS_ACL_STATEFUL));
		json_object_object_add(o, "idle_timeout", r->flags & XVS_ACL_STATEFUL ?
				       json_object_new_int64(r->idle_timeout) : NULL);
	}
	json_object_object_add(h, "packets", json_object_new_int64((int64_t)row->hits.packets));
	json_object_object_add(h, "bytes", json_object_new_int64((int64_t)row->hits.bytes));
	json_object_object_add(o, "hits", h);
	return o;
}

static int cmd_acl_show(int argc, char **argv)
{
	struct xvs_acl_row *rows;
	struct session s;
	int n;

	if (argc < 2 || argc > 3)
		return die("usage: xvs acl show SWITCH [PORT]");
	if (session_open(&s, argv[1], false))
		return 1;
	if (xvs_acl_list(s.sw, argc == 3 ? argv[2] : NULL, &rows, &n))
		return session_close(&s, lib_fail());
	if (json_out) {
		struct json_object *arr = json_object_new_array();

		for (int i = 0; i < n; i++)
			json_object_array_add(arr, row_json(&rows[i]));
		print_json(arr);
	} else {
		printf("%-15s %-6s %-8s %-4s %-6s %-6s %12s %14s  %s\n", "PORT", "ID", "KIND", "DIR",
		       "ACTION", "WEIGHT", "PACKETS", "BYTES", "MATCH");
		for (int i = 0; i < n; i++) {
			const struct xvs_acl_rule *r = &rows[i].rule;
			char text[256], w[8] = "-";

			xvs_acl_format_match(r, text, sizeof(text));
			if (r->kind == XVS_ACL_KIND_EXTENDED)
				snprintf(w, sizeof(w), "%u", r->weight);
			printf("%-15s %-6u %-8s %-4s %-6s %-6s %12llu %14llu  %s\n", rows[i].port, r->id,
			       r->kind == XVS_ACL_KIND_EXTENDED ? "extended" : "port",
			       xvs_acl_dir_name(r->dirs), xvs_acl_action_name(r->action), w,
			       (unsigned long long)rows[i].hits.packets,
			       (unsigned long long)rows[i].hits.bytes, text);
		}
	}
	free(rows);
	return session_close(&s, 0);
}

static int cmd_acl_del(int argc, char **argv)
{
	struct session s;
	__u32 id;

	if (argc != 4)
		return die("usage: xvs acl del SWITCH PORT RULE-ID");
	if (parse_u32(argv[3], &id) || !id)
		return die("invalid rule id '%s': a number that xvs acl show lists", argv[3]);
	if (session_open(&s, argv[1], true))
		return 1;
	return session_close(&s, xvs_acl_del(s.sw, argv[2], id) ? lib_fail() : 0);
}

int cmd_acl(int argc, char **argv)
{
	if (argc < 2)
		return die("usage: xvs acl add|show|del SWITCH ...");
	if (!strcmp(argv[1], "add"))
		return cmd_acl_add(argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return cmd_acl_show(argc - 1, argv + 1);
	if (!strcmp(argv[1], "del"))
		return cmd_acl_del(argc - 1, argv + 1);
	return die("unknown acl command '%s': expected add, show or del", argv[1]);
}
