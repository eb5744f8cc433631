// SPDX-License-Identifier: MIT
/* xvs tool: the fdb commands. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

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

int cmd_fdb(int argc, char **argv)
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
