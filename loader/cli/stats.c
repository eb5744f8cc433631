// SPDX-License-Identifier: MIT
/* xvs tool: the stats command (table, JSON, Prometheus text format). */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

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
	{ "xvs_port_mirrored_total",
	  "Mirror copies sent out of this port (a mirror destination); also counted in tx.",
	  offsetof(struct xvs_port_stats, mirrored) },
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

/* What xvsd counts for a synthetic port (its counter file; see docs/SYNTHETIC.md), or JSON
 * null when xvsd is not serving the port. */
static struct json_object *synthetic_json(const char *sw, const char *port)
{
	struct xvs_synthetic_stats st;
	struct json_object *o, *qs;

	if (xvs_synthetic_stats_read(sw, port, &st))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "guest", json_object_new_boolean(st.guest));
	json_object_object_add(o, "connects", json_object_new_int64((int64_t)st.connects));
	json_object_object_add(o, "disconnects", json_object_new_int64((int64_t)st.disconnects));
	json_object_object_add(o, "broken", json_object_new_int64((int64_t)st.broken));
	json_object_object_add(o, "last_violation", json_object_new_string(st.last_violation));
	qs = json_object_new_array();
	for (unsigned q = 0; q < st.queues; q++) {
		const struct xvs_synthetic_queue_stats *x = &st.q[q];
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "tx_packets", json_object_new_int64((int64_t)x->tx_packets));
		json_object_object_add(j, "tx_bytes", json_object_new_int64((int64_t)x->tx_bytes));
		json_object_object_add(j, "rx_packets", json_object_new_int64((int64_t)x->rx_packets));
		json_object_object_add(j, "rx_bytes", json_object_new_int64((int64_t)x->rx_bytes));
		json_object_object_add(j, "tx_drops", json_object_new_int64((int64_t)x->tx_drops));
		json_object_object_add(j, "rx_drops", json_object_new_int64((int64_t)x->rx_drops));
		json_object_object_add(j, "rx_ring_full", json_object_new_int64((int64_t)x->rx_ring_full));
		json_object_object_add(j, "violations", json_object_new_int64((int64_t)x->violations));
		json_object_array_add(qs, j);
	}
	json_object_object_add(o, "queues", qs);
	qs = json_object_new_object();
	json_object_object_add(qs, "on", json_object_new_boolean(st.vmq));
	json_object_object_add(qs, "uplink_queues", json_object_new_int64(st.vmq_queues));
	json_object_object_add(qs, "rx_packets", json_object_new_int64((int64_t)st.vmq_rx_packets));
	json_object_object_add(qs, "rx_bytes", json_object_new_int64((int64_t)st.vmq_rx_bytes));
	json_object_object_add(qs, "rx_drops", json_object_new_int64((int64_t)st.vmq_rx_drops));
	json_object_object_add(qs, "rx_ring_full", json_object_new_int64((int64_t)st.vmq_rx_ring_full));
	json_object_object_add(o, "vmq", qs);
	return o;
}

static __u64 jget(struct json_object *o, const char *key)
{
	return (__u64)json_object_get_int64(json_object_object_get(o, key));
}

static void print_synthetic(struct json_object *o)
{
	struct json_object *qs;

	if (!o) {
		printf("  synthetic: xvsd is not serving this port\n");
		return;
	}
	printf("  synthetic: guest %s, connects %llu, disconnects %llu, broken %llu (last violation %s)\n",
	       json_object_get_boolean(json_object_object_get(o, "guest")) ? "connected" : "none",
	       (unsigned long long)jget(o, "connects"), (unsigned long long)jget(o, "disconnects"),
	       (unsigned long long)jget(o, "broken"),
	       json_object_get_string(json_object_object_get(o, "last_violation")));
	qs = json_object_object_get(o, "queues");
	for (size_t q = 0; q < json_object_array_length(qs); q++) {
		struct json_object *j = json_object_array_get_idx(qs, q);

		printf("  queue %zu: from guest %llu pkts %llu bytes, to guest %llu pkts %llu bytes, "
		       "drops %llu/%llu (from/to guest), ring full %llu, violations %llu\n", q,
		       (unsigned long long)jget(j, "tx_packets"), (unsigned long long)jget(j, "tx_bytes"),
		       (unsigned long long)jget(j, "rx_packets"), (unsigned long long)jget(j, "rx_bytes"),
		       (unsigned long long)jget(j, "tx_drops"), (unsigned long long)jget(j, "rx_drops"),
		       (unsigned long long)jget(j, "rx_ring_full"), (unsigned long long)jget(j, "violations"));
	}
	qs = json_object_object_get(o, "vmq");
	if (qs && json_object_get_boolean(json_object_object_get(qs, "on")))
		printf("  vmq: on, %llu uplink queue%s: to guest %llu pkts %llu bytes, drops %llu, "
		       "ring full %llu\n", (unsigned long long)jget(qs, "uplink_queues"),
		       jget(qs, "uplink_queues") == 1 ? "" : "s",
		       (unsigned long long)jget(qs, "rx_packets"), (unsigned long long)jget(qs, "rx_bytes"),
		       (unsigned long long)jget(qs, "rx_drops"), (unsigned long long)jget(qs, "rx_ring_full"));
	else if (qs && jget(qs, "rx_packets"))
		printf("  vmq: off (earlier: to guest %llu pkts %llu bytes, drops %llu, ring full %llu)\n",
		       (unsigned long long)jget(qs, "rx_packets"), (unsigned long long)jget(qs, "rx_bytes"),
		       (unsigned long long)jget(qs, "rx_drops"), (unsigned long long)jget(qs, "rx_ring_full"));
}

int cmd_stats(int argc, char **argv)
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
		json_object_object_add(o, "mirrored", json_object_new_int64((int64_t)st->mirrored));
		for (int r = 0; r < XVS_DROP__MAX; r++)
			json_object_object_add(drops, xvs_drop_name(r), json_object_new_int64((int64_t)st->drops[r]));
		json_object_object_add(o, "drops", drops);
		if (ports[i].kind == XVS_PORT_SYNTHETIC)
			json_object_object_add(o, "synthetic", synthetic_json(s.sw->name, ports[i].name));
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
		if (json_object_object_get_ex(o, "synthetic", NULL))
			print_synthetic(json_object_object_get(o, "synthetic"));
	}
	json_object_put(arr);
	return session_close(&s, 0);
}
