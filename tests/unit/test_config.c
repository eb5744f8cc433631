// SPDX-License-Identifier: MIT
/*
 * Declarative configuration without a kernel: every file error is reported with its line and
 * reason; plans between two models (a "running" one parsed from YAML too) are exactly the
 * expected steps, in order; `save` output parses back to the same model and plans to nothing.
 * Host checks use "lo", the one netdev every namespace has.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libxvs.h"

static struct xvs_cfg *parse_ok(const char *name, const char *yaml)
{
	struct xvs_cfg *cfg = NULL;
	int err = xvs_cfg_parse(name, yaml, strlen(yaml), &cfg);

	cr_assert_eq(err, 0, "%s should parse: %s", name, xvs_errmsg());
	return cfg;
}

struct bad_case {
	const char *yaml;
	int line;
	const char *reason; /* a part of the message after "t.yaml:LINE: " */
};

static const struct bad_case bad_cases[] = {
	{ "", 1, "the file is empty" },
	{ "# only a comment\n", 1, "the file is empty" },
	{ "switchs: {}\n", 1, "unknown key 'switchs' (expected version or switches)" },
	{ "version: 1\n", 1, "missing 'switches:'" },
	{ "version: 2\nswitches: {}\n", 1, "unsupported version 2" },
	{ "switches: {}\n---\nswitches: {}\n", 2, "a second YAML document" },
	{ "switches:\n  a: [\n", 3, "YAML syntax error" },
	{ "switches:\n  a:\n    type: private\n   ports: {}\n", 4, "YAML syntax error" },
	{ "- a\n- b\n", 1, "the file: expected a mapping" },
	{ "switches:\n  - a\n", 2, "switches: expected a mapping" },
	{ "switches:\n  a:\n    type: internal\n    agin: 5\n", 4,
	  "unknown switch key 'agin' (expected type, datapath, uplink, management-os, fdb-size, aging, uplink-rate, ports or fdb)" },
	{ "switches:\n  a:\n    datapath: ebpf\n", 3, "invalid datapath 'ebpf'" },
	{ "switches:\n  a: {}\n  b: {}\n  a: {}\n", 4, "duplicate switch 'a' (first at line 2)" },
	{ "switches:\n  a:\n    type: private\n    type: internal\n", 4, "duplicate key 'type' (first at line 3)" },
	{ "switches:\n  abcdefghijklm: {}\n", 2, "invalid switch name 'abcdefghijklm'" },
	{ "switches:\n  a/b: {}\n", 2, "invalid switch name 'a/b'" },
	{ "switches:\n  a:\n    type: bridge\n", 3, "invalid switch type 'bridge'" },
	{ "switches:\n  a:\n    type: external\n", 2, "an external switch needs uplink: IFNAME" },
	{ "switches:\n  a:\n    type: internal\n    uplink: eth9\n", 4, "uplink is only for external switches" },
	{ "switches:\n  a:\n    type: private\n    management-os: on\n", 4, "a private switch has no management OS adapter" },
	{ "switches:\n  a:\n    management-os: off\n", 3, "management-os: off is only for external switches" },
	{ "switches:\n  a:\n    type: external\n    uplink: e0\n    management-os: maybe\n", 5,
	  "invalid management-os 'maybe': expected on or off" },
	{ "switches:\n  a:\n    aging: 0\n", 3, "invalid aging '0': expected a number 1-1000000" },
	{ "switches:\n  a:\n    aging: 5s\n", 3, "invalid aging '5s'" },
	{ "switches:\n  a:\n    fdb-size: 8\n", 3, "invalid fdb-size '8': expected a number 16-16777216" },
	{ "switches:\n  a:\n    aging:\n", 3, "aging: the value is missing" },
	{ "switches:\n  a:\n    ports:\n      p1:\n        vlan: access 10\n", 4, "port p1 needs dev" },
	{ "switches:\n  a:\n    ports:\n      p-1/x: {dev: d1}\n", 4, "invalid port name 'p-1/x'" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1}\n      p1: {dev: d2}\n", 5, "duplicate port 'p1' (first at line 4)" },
	{ "switches:\n  a:\n    ports:\n      p1:\n        dev: d1\n        vlna: access 3\n", 6,
	  "unknown port key 'vlna' (expected dev, synthetic, queues, mac, mac-spoofing, vlan, link, mac-limit, mirror, dhcp-guard, router-guard, max-rate, storm-limit, min-weight, mtu or vmq)" },
	{ "switches:\n  a:\n    ports:\n      host:\n        dev: d1\n", 5, "port host is the switch's host adapter" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: \"a b\"}\n", 4, "invalid dev 'a b'" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, vlan: access 4095}\n", 4, "invalid VLAN id '4095': must be 1-4094" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, vlan: access 0}\n", 4, "invalid VLAN id '0'" },
	{ "switches:\n  a:\n    ports:\n      p1:\n        dev: d1\n        vlan: trunk 5-3\n", 6, "invalid VLAN list '5-3'" },
	{ "switches:\n  a:\n    ports:\n      p1:\n        dev: d1\n        vlan: trunk 10 nativ 3\n", 6,
	  "expected 'native VID' after the VLAN list, got 'nativ'" },
	{ "switches:\n  a:\n    ports:\n      p1:\n        dev: d1\n        vlan: trunk 10 native 4095\n", 6,
	  "invalid native VLAN '4095'" },
	{ "switches:\n  a:\n    ports:\n      p1:\n        dev: d1\n        vlan: acess 10\n", 6, "invalid vlan 'acess 10'" },
	{ "switches:\n  a:\n    ports:\n      p1:\n        dev: d1\n        vlan: isolated 100 100\n", 6,
	  "the secondary VLAN must differ from the primary (100)" },
	{ "switches:\n  a:\n    ports:\n      p1:\n        dev: d1\n        vlan: promiscuous 100 99-101\n", 6,
	  "primary VLAN 100 cannot also be a secondary" },
	{ "switches:\n  a:\n    ports:\n      p1:\n        dev: d1\n        vlan: {mode: access}\n", 6,
	  "vlan: expected a single value, not a mapping" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, mac: 02:00:00:00:00}\n", 4, "invalid MAC '02:00:00:00:00'" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, mac: \"02:00:00:00:00:0g\"}\n", 4, "invalid MAC" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, mac: \"01:00:5e:00:00:01\"}\n", 4, "a port MAC must be unicast" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, mac-spoofing: yes please}\n", 4, "invalid mac-spoofing 'yes please'" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, mac-limit: -1}\n", 4, "invalid mac-limit '-1'" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, link: sideways}\n", 4, "invalid link 'sideways': expected up or down" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, mirror: both}\n", 4, "invalid mirror role 'both'" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, dhcp-guard: yes}\n", 4, "invalid dhcp-guard 'yes'" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, router-guard: 1}\n", 4, "invalid router-guard '1'" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, max-rate: fast}\n", 4, "max-rate: invalid rate 'fast'" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, max-rate: 200gbit}\n", 4,
	  "max-rate: rate '200gbit' out of range" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, storm-limit: -5}\n", 4, "invalid storm-limit '-5'" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, min-weight: 101}\n", 4, "invalid min-weight '101'" },
	{ "switches:\n  a:\n    uplink-rate: 10mbps\n", 3, "uplink-rate: invalid rate '10mbps'" },
	/* Synthetic ports and VMQ. */
	{ "switches:\n  a:\n    ports:\n      s1:\n        dev: d1\n        synthetic: true\n"
	  "        mac: \"02:00:00:00:00:01\"\n", 6,
	  "port s1: synthetic: true and dev exclude each other" },
	{ "switches:\n  a:\n    ports:\n      s1: {synthetic: true}\n", 4,
	  "port s1 is synthetic and needs mac: (the guest's MAC)" },
	{ "switches:\n  a:\n    ports:\n      s1:\n        synthetic: on\n        mac: none\n", 6,
	  "port s1 is synthetic and needs mac:" },
	{ "switches:\n  a:\n    ports:\n      s1: {synthetic: maybe, mac: \"02:00:00:00:00:01\"}\n", 4,
	  "invalid synthetic 'maybe': expected on or off" },
	{ "switches:\n  a:\n    ports:\n      s1:\n        synthetic: true\n        mac: \"02:00:00:00:00:01\"\n"
	  "        queues: 17\n", 7, "invalid queues '17': expected a number 1-16" },
	{ "switches:\n  a:\n    ports:\n      s1: {synthetic: true, mac: \"02:00:00:00:00:01\", queues: 0}\n", 4,
	  "invalid queues '0'" },
	{ "switches:\n  a:\n    ports:\n      p1:\n        dev: d1\n        queues: 2\n", 6,
	  "port p1: queues is for synthetic ports (synthetic: true)" },
	{ "switches:\n  a:\n    ports:\n      host: {synthetic: true}\n", 4,
	  "port host is the switch's host adapter: it cannot be synthetic" },
	{ "switches:\n  a:\n    uplink: e0\n    datapath: xdp\n    ports:\n      p1:\n        dev: d1\n"
	  "        vmq: on\n", 8, "port p1: vmq is for synthetic ports (synthetic: true)" },
	{ "switches:\n  a:\n    uplink: e0\n    ports:\n      uplink: {vmq: off}\n", 5,
	  "port uplink: vmq is for synthetic ports" },
	{ "switches:\n  a:\n    datapath: xdp\n    ports:\n      s1:\n        synthetic: true\n"
	  "        mac: \"02:00:00:00:00:01\"\n        vmq: on\n", 8,
	  "port s1: vmq needs an external switch: it delivers frames from the uplink, and switch a has none" },
	{ "switches:\n  a:\n    uplink: e0\n    datapath: tc\n    ports:\n"
	  "      s1: {synthetic: true, mac: \"02:00:00:00:00:01\", vmq: on}\n", 6,
	  "port s1: vmq needs the xdp datapath: switch a runs tc" },
	{ "switches:\n  a:\n    uplink: e0\n    datapath: xdp\n    ports:\n"
	  "      s1: {synthetic: true, mac: \"02:00:00:00:00:01\", vmq: yes}\n", 6, "invalid vmq 'yes'" },
	{ "switches:\n  a:\n    ports:\n      p1:\n        dev: d1\n        mtu: 9000\n", 6,
	  "port p1: mtu is for synthetic ports (synthetic: true); an emulated port's MTU is its netdev's" },
	{ "switches:\n  a:\n    ports:\n      s1:\n        synthetic: true\n        mac: \"02:00:00:00:00:01\"\n"
	  "        mtu: 9001\n", 7, "invalid mtu '9001': expected a number 68-9000" },
	{ "switches:\n  a:\n    ports:\n      s1: {synthetic: true, mac: \"02:00:00:00:00:01\", mtu: 67}\n", 4,
	  "invalid mtu '67'" },
	/* A netdev used twice, in one switch, across switches, as an uplink, as a host adapter. */
	{ "switches:\n  a:\n    type: private\n    ports:\n      p1: {dev: d1}\n      p2:\n        dev: d1\n", 7,
	  "netdev d1 is already used by port a/p1 (line 5)" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1}\n  b:\n    ports:\n      q1: {dev: d1}\n", 7,
	  "netdev d1 is already used by port a/p1 (line 4)" },
	{ "switches:\n  a:\n    uplink: e0\n  b:\n    ports:\n      q1: {dev: e0}\n", 6,
	  "netdev e0 is already used by port a/uplink (line 3)" },
	{ "switches:\n  a: {}\n  b:\n    ports:\n      q1: {dev: a-sw}\n", 5, "netdev a-sw is the host port of switch a" },
	{ "switches:\n  a: {}\n  b:\n    ports:\n      q1: {dev: a}\n", 5, "netdev a is the host adapter of switch a (line 2)" },
	/* Private VLAN domains that contradict each other: reported at the port that breaks them. */
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, vlan: isolated 100 101}\n      p2: {dev: d2, vlan: isolated 101 102}\n",
	  4, "port p1: VLAN 101 is a primary VLAN (port p2), it cannot also be a secondary" },
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, vlan: isolated 100 101}\n      p2: {dev: d2, vlan: community 100 101}\n",
	  5, "port p2: VLAN 101 is an isolated VLAN (port p1), it cannot also be a community VLAN" },
	/* Static FDB entries. */
	{ "switches:\n  a:\n    fdb:\n      mac: 02:00:00:00:00:01\n", 4, "fdb: expected a list of entries" },
	{ "switches:\n  a:\n    fdb:\n      - {mac: \"02:00:00:00:00:01\", port: nope}\n", 4, "switch a has no port 'nope'" },
	{ "switches:\n  a:\n    fdb:\n      - {mac: \"02:00:00:00:00:01\"}\n", 4, "an fdb entry needs mac: and port:" },
	{ "switches:\n  a:\n    fdb:\n      - {mac: \"ff:ff:ff:ff:ff:ff\", port: host}\n", 4, "a static FDB entry needs a unicast MAC" },
	{ "switches:\n  a:\n    fdb:\n      - {mac: \"02:00:00:00:00:01\", port: host, vlan: 4095}\n", 4, "invalid vlan '4095'" },
	{ "switches:\n  a:\n    fdb:\n      - {mac: \"02:00:00:00:00:01\", port: host, age: 3}\n", 4, "unknown fdb key 'age'" },
	{ "switches:\n  a:\n    fdb:\n      - {mac: \"02:00:00:00:00:01\", port: host, vlan: 5}\n"
	  "      - {mac: \"02:00:00:00:00:01\", port: host, vlan: 5}\n", 5,
	  "duplicate fdb entry 02:00:00:00:00:01 in VLAN 5 (first at line 4)" },
	/* A secondary files under its primary, so these two are the same entry. */
	{ "switches:\n  a:\n    ports:\n      p1: {dev: d1, vlan: isolated 100 101}\n    fdb:\n"
	  "      - {mac: \"02:00:00:00:00:01\", port: p1, vlan: 101}\n"
	  "      - {mac: \"02:00:00:00:00:01\", port: p1, vlan: 100}\n", 7,
	  "duplicate fdb entry 02:00:00:00:00:01 in VLAN 100 (first at line 6)" },
};

Test(config, every_error_has_its_line_and_reason)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct xvs_cfg *cfg = NULL;
		char prefix[32];
		int err = xvs_cfg_parse("t.yaml", c->yaml, strlen(c->yaml), &cfg);
		const char *msg = xvs_errmsg();

		snprintf(prefix, sizeof(prefix), "t.yaml:%d: ", c->line);
		cr_expect_neq(err, 0, "case %zu accepted:\n%s", i, c->yaml);
		cr_expect_null(cfg, "case %zu: no model on error", i);
		if (!err)
			continue;
		cr_expect(!strncmp(msg, prefix, strlen(prefix)) && strstr(msg, c->reason),
			  "case %zu: expected '%s...%s', got '%s'", i, prefix, c->reason, msg);
		xvs_cfg_free(cfg);
	}
}

Test(config, more_ports_than_a_switch_has_is_an_error)
{
	char *yaml = malloc(64 * 1024), *p = yaml;
	struct xvs_cfg *cfg = NULL;

	cr_assert_not_null(yaml);
	p += sprintf(p, "switches:\n  a:\n    type: private\n    ports:\n");
	for (int i = 0; i < XVS_MAX_PORTS; i++) /* one more than the 255 port ids */
		p += sprintf(p, "      p%d: {dev: d%d}\n", i, i);
	cr_expect_neq(xvs_cfg_parse("t.yaml", yaml, strlen(yaml), &cfg), 0);
	cr_expect_str_eq(xvs_errmsg(), "t.yaml:260: switch a has more than 255 ports");
	free(yaml);
}

/* The steps from `have` to `want`, one per line. */
static char *plan_text(const char *want_yaml, const char *have_yaml, const char *const *scope,
		       int nscope)
{
	struct xvs_cfg *want = parse_ok("want.yaml", want_yaml);
	struct xvs_cfg *have = parse_ok("have.yaml", have_yaml);
	struct xvs_plan_opts o = { .scope = scope, .nscope = nscope };
	struct xvs_plan *plan = NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	cr_assert_eq(xvs_cfg_plan(want, have, &o, &plan), 0, "plan: %s", xvs_errmsg());
	for (int i = 0; i < xvs_plan_len(plan); i++)
		fprintf(f, "%s\n", xvs_plan_step_text(plan, i));
	fclose(f);
	xvs_plan_free(plan);
	xvs_cfg_free(want);
	xvs_cfg_free(have);
	return out;
}

static const char *site =
	"version: 1\n"
	"switches:\n"
	"  a:\n"
	"    type: internal\n"
	"    ports:\n"
	"      p1: {dev: d1, vlan: access 10}\n"
	"      p2: {dev: d2}\n"
	"      p3: {dev: d3, mac: \"02:00:00:00:00:03\"}\n"
	"    fdb:\n"
	"      - {mac: \"02:00:00:00:00:99\", port: p2}\n"
	"      - {mac: \"02:00:00:00:00:98\", port: p1, vlan: 10}\n"
	"  b:\n"
	"    type: private\n"
	"    fdb-size: 1024\n"
	"    ports:\n"
	"      q1: {dev: e1}\n"
	"  c:\n"
	"    type: private\n";

Test(config, same_file_plans_nothing)
{
	char *t = plan_text(site, site, NULL, 0);

	cr_expect_str_eq(t, "");
	free(t);
}

Test(config, plan_is_exactly_the_difference_in_order)
{
	static const char *want =
		"switches:\n"
		"  a:\n"
		"    type: internal\n"
		"    aging: 30\n"
		"    ports:\n"
		"      p1: {dev: d1, vlan: \"trunk 10,20 native 10\", link: down}\n"
		"      p2: {dev: d2x}\n"
		"      p4: {dev: d4, mac: \"02:00:00:00:00:04\", mac-spoofing: on}\n"
		"    fdb:\n"
		"      - {mac: \"02:00:00:00:00:99\", port: p2}\n"
		"  b:\n"
		"    type: private\n"
		"    fdb-size: 2048\n"
		"    ports:\n"
		"      q1: {dev: e1, mac-limit: 3}\n";
	char *t = plan_text(want, site, NULL, 0);

	cr_expect_str_eq(t,
		"remove static MAC a 02:00:00:00:00:98 vlan 10 (port p1)\n"
		"remove switch c (not in want.yaml; without SWITCH names, apply reconciles every switch of this host)\n"
		"remove switch b to create it again (fdb-size 1024 -> 2048: only switch creation sets this; its ports are added again, learned MACs and counters start over)\n"
		"remove port a/p2 to add it again (dev d2 -> d2x: a port's netdev is set when it is added; its counters start over)\n"
		"remove port a/p3 (not in want.yaml)\n"
		"create switch b again (type private, datapath tc, fdb-size 2048)\n"
		"add port a/p2 (dev d2x)\n"
		"add port a/p4 (dev d4, mac 02:00:00:00:00:04)\n"
		"add port b/q1 (dev e1)\n"
		"set port a/p1 link: up -> down\n"
		"set switch a aging: 300 -> 30\n"
		"set port a/p1 vlan: access 10 -> trunk 10,20 native 10\n"
		"set port a/p4 mac-spoofing: off -> on\n"
		"set port b/q1 mac-limit: 0 -> 3\n"
		"add static MAC a 02:00:00:00:00:99 vlan 0 -> port p2\n");
	free(t);
}

Test(config, named_switches_only)
{
	static const char *want =
		"switches:\n"
		"  a:\n"
		"    ports:\n"
		"      p1: {dev: d1, vlan: access 11}\n"
		"      p2: {dev: d2}\n"
		"      p3: {dev: d3, mac: \"02:00:00:00:00:03\"}\n"
		"    fdb:\n"
		"      - {mac: \"02:00:00:00:00:99\", port: p2}\n"
		"      - {mac: \"02:00:00:00:00:98\", port: p1, vlan: 10}\n"
		"  b:\n"
		"    type: private\n";
	static const char *const only_a[] = { "a" };
	char *t = plan_text(want, site, only_a, 1);

	/* b differs and c is not in the file: neither is touched. */
	cr_expect_str_eq(t, "set port a/p1 vlan: access 10 -> access 11\n");
	free(t);
}

Test(config, private_vlan_roles_swapped_go_through_untagged)
{
	static const char *have =
		"switches:\n  a:\n    type: private\n    ports:\n"
		"      x: {dev: d1, vlan: isolated 100 101}\n"
		"      y: {dev: d2, vlan: promiscuous 100 101}\n";
	static const char *want =
		"switches:\n  a:\n    type: private\n    ports:\n"
		"      x: {dev: d1, vlan: isolated 101 100}\n"
		"      y: {dev: d2, vlan: promiscuous 101 100}\n";
	static const char *want_compatible =
		"switches:\n  a:\n    type: private\n    ports:\n"
		"      x: {dev: d1, vlan: community 100 102}\n"
		"      y: {dev: d2, vlan: promiscuous 100 101-102}\n";
	char *t = plan_text(want, have, NULL, 0);

	cr_expect_str_eq(t,
		"set port a/x link: up -> down (while private VLAN domains change)\n"
		"set port a/x vlan: isolated 100 101 -> untagged (while private VLAN domains change)\n"
		"set port a/y link: up -> down (while private VLAN domains change)\n"
		"set port a/y vlan: promiscuous 100 101 -> untagged (while private VLAN domains change)\n"
		"set port a/x vlan: untagged -> isolated 101 100\n"
		"set port a/x link: down -> up\n"
		"set port a/y vlan: untagged -> promiscuous 101 100\n"
		"set port a/y link: down -> up\n");
	free(t);
	/* A change every intermediate state accepts is made directly. */
	t = plan_text(want_compatible, have, NULL, 0);
	cr_expect_str_eq(t,
		"set port a/x vlan: isolated 100 101 -> community 100 102\n"
		"set port a/y vlan: promiscuous 100 101 -> promiscuous 100 101-102\n");
	free(t);
}

Test(config, implied_ports_and_defaults)
{
	static const char *have = "switches:\n  e:\n    uplink: eth9\n";
	static const char *want =
		"switches:\n  e:\n    type: external\n    uplink: eth9\n    ports:\n"
		"      uplink: {vlan: trunk 2-4}\n      host: {vlan: access 2}\n";
	char *t = plan_text(want, have, NULL, 0);

	/* uplink implies type external; host and uplink ports exist without being listed. */
	cr_expect_str_eq(t, "set port e/host vlan: untagged -> access 2\n"
			    "set port e/uplink vlan: trunk all -> trunk 2-4\n");
	free(t);
	t = plan_text("switches:\n  e:\n    uplink: eth9\n    management-os: off\n", have, NULL, 0);
	cr_expect_str_eq(t,
		"remove switch e to create it again (management-os on -> off: only switch creation sets this; its ports are added again, learned MACs and counters start over)\n"
		"create switch e again (type external, datapath tc, uplink eth9, management-os off)\n");
	free(t);
	/* The datapath is chosen at creation: another one means creating the switch again. */
	t = plan_text("switches:\n  e:\n    uplink: eth9\n    datapath: xdp\n", have, NULL, 0);
	cr_expect_str_eq(t,
		"remove switch e to create it again (datapath tc -> xdp: only switch creation sets this; its ports are added again, learned MACs and counters start over)\n"
		"create switch e again (type external, datapath xdp, uplink eth9)\n");
	free(t);
}

Test(config, synthetic_ports_plan)
{
	static const char *have =
		"switches:\n  e:\n    uplink: eth9\n    datapath: xdp\n    ports:\n"
		"      s1: {synthetic: true, mac: \"02:00:00:00:51:01\", vlan: access 10}\n"
		"      s2: {synthetic: true, mac: \"02:00:00:00:52:01\", queues: 2, vmq: on}\n"
		"      v1: {dev: d1}\n"
		"    fdb:\n      - {mac: \"02:00:00:00:00:99\", port: s1, vlan: 10}\n";
	/* s1: queues and its MAC change; s2: vmq off; v1 becomes synthetic; s3 is new. */
	static const char *want =
		"switches:\n  e:\n    uplink: eth9\n    datapath: xdp\n    ports:\n"
		"      s1: {synthetic: true, mac: \"02:00:00:00:51:02\", queues: 4, vlan: access 10}\n"
		"      s2: {synthetic: true, mac: \"02:00:00:00:52:01\", queues: 2}\n"
		"      v1: {synthetic: true, mac: \"02:00:00:00:01:01\"}\n"
		"      s3: {synthetic: true, mac: \"02:00:00:00:53:01\", queues: 1, vmq: on}\n"
		"    fdb:\n      - {mac: \"02:00:00:00:00:99\", port: s1, vlan: 10}\n";
	char *t = plan_text(have, have, NULL, 0);

	cr_expect_str_eq(t, "");
	free(t);
	t = plan_text(want, have, NULL, 0);
	cr_expect_str_eq(t,
		"remove port e/s1 to add it again (queues 1 -> 4, mac 02:00:00:00:51:01 -> 02:00:00:00:51:02: a synthetic port's MAC and queues are set when it is added; its guest's channel and counters start over)\n"
		"remove port e/v1 to add it again (dev d1 -> synthetic: a port's kind is set when it is added; its counters start over)\n"
		"add port e/s1 (synthetic, mac 02:00:00:00:51:02, queues 4)\n"
		"add port e/v1 (synthetic, mac 02:00:00:00:01:01, queues 1)\n"
		"add port e/s3 (synthetic, mac 02:00:00:00:53:01, queues 1)\n"
		"set port e/s1 vlan: untagged -> access 10\n"
		"set port e/s2 vmq: on -> off\n"
		"set port e/s3 vmq: off -> on\n"
		"add static MAC e 02:00:00:00:00:99 vlan 10 -> port s1\n");
	free(t);
	/* And back: a synthetic port becomes an emulated one again. */
	t = plan_text(have, want, NULL, 0);
	cr_expect(strstr(t, "remove port e/v1 to add it again (synthetic -> dev d1: a port's kind is "
			    "set when it is added; its counters start over)\n") != NULL, "%s", t);
	cr_expect(strstr(t, "remove port e/s3 (not in want.yaml)\n") != NULL, "%s", t);
	free(t);
}

static char *emit(const struct xvs_cfg *cfg)
{
	char *text = NULL;
	size_t len = 0;

	cr_assert_eq(xvs_cfg_emit(cfg, NULL, &text, &len), 0, "emit: %s", xvs_errmsg());
	cr_assert_eq(strlen(text), len);
	return text;
}

Test(config, save_reads_back_to_the_same_state)
{
	static const char *rich =
		"switches:\n"
		"  e:\n"
		"    uplink: 'we\"ird\\'\n" /* netdev names may hold quotes and backslashes */
		"    datapath: xdp\n"
		"    management-os: off\n"
		"    aging: 45\n"
		"    uplink-rate: 10Gbit\n"
		"    ports:\n"
		"      uplink: {vlan: \"trunk 1-100,200 native 7\"}\n"
		"      v1: {dev: v1, mac: \"52:54:00:12:34:56\", vlan: access 3, link: down, mac-limit: 9}\n"
		"      v2: {dev: v2, mac: \"02:00:00:00:00:02\", mac-spoofing: on, mirror: destination,\n"
		"           dhcp-guard: on, router-guard: on, max-rate: 1500000, storm-limit: 100, min-weight: 3}\n"
		"      i1: {dev: i1, vlan: isolated 10 11, mirror: source}\n"
		"      c1: {dev: c1, vlan: community 10 12}\n"
		"      pr: {dev: pr, vlan: promiscuous 10 11-12}\n"
		"      s1: {synthetic: true, mac: \"02:00:00:00:51:01\", vlan: access 3}\n"
		"      s2: {vmq: on, queues: 4, mac: \"02:00:00:00:52:01\", synthetic: true}\n"
		"    fdb:\n"
		"      - {mac: \"02:00:00:00:00:aa\", port: i1, vlan: 11}\n"
		"      - {mac: \"02:00:00:00:00:bb\", port: uplink, vlan: 100}\n"
		"      - {mac: \"02:00:00:00:00:cc\", port: s2}\n"
		"  p:\n"
		"    type: private\n";
	struct xvs_cfg *a = parse_ok("rich.yaml", rich), *b;
	struct xvs_plan_opts o = {};
	struct xvs_plan *plan;
	char *t1 = emit(a), *t2;

	b = parse_ok("saved.yaml", t1);
	t2 = emit(b);
	cr_expect_str_eq(t2, t1, "save of the saved file differs");
	cr_assert_eq(xvs_cfg_plan(b, a, &o, &plan), 0);
	cr_expect_eq(xvs_plan_len(plan), 0, "apply(save()) would change: %s",
		     xvs_plan_len(plan) ? xvs_plan_step_text(plan, 0) : "");
	xvs_plan_free(plan);
	/* What save writes, to the byte: defaults left out, MACs quoted, the secondary's static
	 * entry filed under its primary. */
	cr_expect_str_eq(t1,
		"# xvs configuration: `xvs apply FILE` makes this host's switches match it.\n"
		"# Written by `xvs save`; the format is described in xvs(8) and docs/CONFIG.md.\n"
		"version: 1\n"
		"switches:\n"
		"  e:\n"
		"    type: external\n"
		"    datapath: xdp\n"
		"    uplink: we\"ird\\\n"
		"    management-os: off\n"
		"    aging: 45\n"
		"    uplink-rate: 10gbit\n"
		"    ports:\n"
		"      uplink:\n"
		"        vlan: trunk 1-100,200 native 7\n"
		"      v1:\n"
		"        dev: v1\n"
		"        mac: \"52:54:00:12:34:56\"\n"
		"        vlan: access 3\n"
		"        link: down\n"
		"        mac-limit: 9\n"
		"      v2:\n"
		"        dev: v2\n"
		"        mac: \"02:00:00:00:00:02\"\n"
		"        mac-spoofing: on\n"
		"        mirror: destination\n"
		"        dhcp-guard: on\n"
		"        router-guard: on\n"
		"        max-rate: 1500kbit\n"
		"        storm-limit: 100\n"
		"        min-weight: 3\n"
		"      i1:\n"
		"        dev: i1\n"
		"        vlan: isolated 10 11\n"
		"        mirror: source\n"
		"      c1:\n"
		"        dev: c1\n"
		"        vlan: community 10 12\n"
		"      pr:\n"
		"        dev: pr\n"
		"        vlan: promiscuous 10 11-12\n"
		"      s1:\n"
		"        synthetic: true\n"
		"        mac: \"02:00:00:00:51:01\"\n"
		"        vlan: access 3\n"
		"      s2:\n"
		"        synthetic: true\n"
		"        mac: \"02:00:00:00:52:01\"\n"
		"        queues: 4\n"
		"        vmq: on\n"
		"    fdb:\n"
		"    - mac: \"02:00:00:00:00:aa\"\n"
		"      port: i1\n"
		"      vlan: 10\n"
		"    - mac: \"02:00:00:00:00:bb\"\n"
		"      port: uplink\n"
		"      vlan: 100\n"
		"    - mac: \"02:00:00:00:00:cc\"\n"
		"      port: s2\n"
		"  p:\n"
		"    type: private\n"
		"    datapath: tc\n");
	free(t1);
	free(t2);
	xvs_cfg_free(a);
	xvs_cfg_free(b);
}

Test(config, save_of_nothing_is_an_empty_host)
{
	struct xvs_cfg *a = parse_ok("empty.yaml", "switches: {}\n");
	char *t = emit(a);

	cr_expect(strstr(t, "\nswitches: {}\n") != NULL, "%s", t);
	xvs_cfg_free(a);
	a = parse_ok("saved.yaml", t);
	xvs_cfg_free(a);
	free(t);
}

Test(config, host_checks_name_the_line)
{
	static const char *have = "switches:\n  a:\n    type: private\n    ports:\n      p1: {dev: lo}\n";
	static const char *want_b =
		"switches:\n  a:\n    type: private\n    ports:\n      p1: {dev: lo}\n"
		"  b:\n    type: private\n    ports:\n      q1: {dev: xvs-nosuch0}\n";
	static const char *want_move =
		"switches:\n  a:\n    type: private\n  b:\n    type: private\n    ports:\n"
		"      q1:\n        dev: lo\n";
	static const char *const only_b[] = { "b" };
	struct xvs_cfg *h = parse_ok("have.yaml", have), *w;
	struct xvs_plan_opts o = { .check_host = true };
	struct xvs_plan *plan = NULL;

	w = parse_ok("want.yaml", want_b);
	cr_expect_neq(xvs_cfg_plan(w, h, &o, &plan), 0);
	cr_expect_str_eq(xvs_errmsg(), "want.yaml:9: port b/q1: netdev xvs-nosuch0 does not exist");
	xvs_cfg_free(w);
	/* lo moves from a to b: fine when both are reconciled (a's port goes first) ... */
	w = parse_ok("want.yaml", want_move);
	cr_expect_eq(xvs_cfg_plan(w, h, &o, &plan), 0, "%s", xvs_errmsg());
	xvs_plan_free(plan);
	plan = NULL;
	/* ... refused when a is left alone. */
	o.scope = only_b;
	o.nscope = 1;
	cr_expect_neq(xvs_cfg_plan(w, h, &o, &plan), 0);
	cr_expect_str_eq(xvs_errmsg(), "want.yaml:8: port b/q1: netdev lo belongs to switch a, "
				       "which this apply does not reconcile (name that switch too)");
	cr_expect_null(plan);
	xvs_cfg_free(w);
	xvs_cfg_free(h);
}
