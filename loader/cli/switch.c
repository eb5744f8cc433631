// SPDX-License-Identifier: MIT
/* xvs tool: the switch commands. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

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
		{ "flow-table-size", required_argument, NULL, 'F' },
		{}
	};
	struct xvs_switch_opts o = { .datapath = XVS_DATAPATH_DEFAULT };
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
			if (xvs_datapath_parse(optarg, &o.datapath))
				return lib_fail();
			break;
		case 'f':
			if (parse_u32(optarg, &o.fdb_max) || o.fdb_max < 16)
				return die("invalid --fdb-size '%s': a number of entries, at least 16", optarg);
			break;
		case 'a':
			if (parse_u32(optarg, &o.aging_sec) || o.aging_sec < 1 || o.aging_sec > 1000000)
				return die("invalid --aging '%s': 1-1000000 seconds", optarg);
			break;
		case 'F':
			if (parse_u32(optarg, &o.flow_max) || o.flow_max < 1 || o.flow_max > (1u << 24))
				return die("invalid --flow-table-size '%s': 1-%u flows", optarg, 1u << 24);
			break;
		default:
			return die("usage: xvs switch add NAME [--type external|internal|private] [--uplink IFNAME] [--no-management-os] [--datapath tc|xdp] [--fdb-size N] [--aging SECONDS] [--flow-table-size N]");
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
	__u32 flows = 0, flow_max = 0;
	struct xvs_config cfg;
	__u64 expired = 0;
	__u64 uplink_rate = 0;
	int n = 0;

	if (xvs_switch_config(sw, &cfg) || xvs_switch_uplink_rate(sw, &uplink_rate))
		return NULL;
	xvs_switch_clock(sw, &clk);
	if (xvs_port_list(sw, &ports, &n))
		return NULL;
	json_object_object_add(o, "name", json_object_new_string(sw->name));
	json_object_object_add(o, "type", json_object_new_string(xvs_switch_type_name(cfg.type)));
	json_object_object_add(o, "datapath", json_object_new_string(xvs_datapath_name(sw->datapath)));
	json_object_object_add(o, "uplink", cfg.uplink[0] ? json_object_new_string(cfg.uplink) : NULL);
	json_object_object_add(o, "management_os",
			       json_object_new_boolean(cfg.type != XVS_SWITCH_PRIVATE &&
						       !(cfg.flags & XVS_SWITCH_NO_MGMT_OS)));
	json_object_object_add(o, "ports", json_object_new_int(n));
	json_object_object_add(o, "aging_sec", json_object_new_int64(cfg.aging_sec));
	json_object_object_add(o, "fdb_max", json_object_new_int64(cfg.fdb_max));
	json_object_object_add(o, "aging_sweeps", json_object_new_int64((int64_t)clk.sweeps));
	if (xvs_acl_flows(sw, 0, &flows, &flow_max, &expired) == 0) {
		json_object_object_add(o, "flow_table_size", json_object_new_int64(flow_max));
		json_object_object_add(o, "flows", json_object_new_int64(flows));
		json_object_object_add(o, "flows_expired", json_object_new_int64((int64_t)expired));
	}
	json_object_object_add(o, "uplink_rate_bps", json_object_new_int64((int64_t)uplink_rate));
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
	printf("%-13s %-9s %-8s %-12s %-6s %-6s %-9s %s\n", "SWITCH", "TYPE", "DATAPATH", "UPLINK",
	       "MGMT", "PORTS", "AGING", "UPLINK-RATE");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *v;
		const char *up = json_object_object_get_ex(o, "uplink", &v) && v ?
					 json_object_get_string(v) : "-";
		__u64 rate = (__u64)json_object_get_int64(json_object_object_get(o, "uplink_rate_bps"));
		char rate_s[32] = "-", aging[24];

		if (rate)
			xvs_format_rate(rate, rate_s, sizeof(rate_s));
		snprintf(aging, sizeof(aging), "%lds",
			 (long)json_object_get_int64(json_object_object_get(o, "aging_sec")));
		printf("%-13s %-9s %-8s %-12s %-6s %-6d %-9s %s\n",
		       json_object_get_string(json_object_object_get(o, "name")),
		       json_object_get_string(json_object_object_get(o, "type")),
		       json_object_get_string(json_object_object_get(o, "datapath")), up,
		       json_object_get_boolean(json_object_object_get(o, "management_os")) ? "yes" : "no",
		       json_object_get_int(json_object_object_get(o, "ports")), aging, rate_s);
	}
	json_object_put(arr);
	return 0;
}

static int cmd_switch_set(int argc, char **argv)
{
	struct session s;
	__u64 rate;
	__u32 v;
	int err;

	if (argc != 4 || (strcmp(argv[2], "aging") && strcmp(argv[2], "uplink-rate")))
		return die("usage: xvs switch set NAME aging SECONDS | uplink-rate RATE");
	if (!strcmp(argv[2], "uplink-rate")) {
		if (xvs_parse_rate(argv[3], &rate))
			return lib_fail();
		if (session_open(&s, argv[1], true))
			return 1;
		err = xvs_switch_set_uplink_rate(s.sw, rate);
		return session_close(&s, err ? lib_fail() : 0);
	}
	if (parse_u32(argv[3], &v))
		return die("invalid aging time '%s': 1-1000000 seconds", argv[3]);
	if (session_open(&s, argv[1], true))
		return 1;
	return session_close(&s, xvs_switch_set_aging(s.sw, v) ? lib_fail() : 0);
}

int cmd_switch(int argc, char **argv)
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
