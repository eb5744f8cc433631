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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: xvs [-j|--json] COMMAND ...\n"
	      "  switch add NAME [--type external|internal|private] [--uplink IFNAME]\n"
	      "             [--no-management-os] [--datapath tc|xdp] [--fdb-size N] [--aging SECONDS]\n"
	      "             [--flow-table-size N]\n"
	      "  switch del NAME | switch show [NAME]\n"
	      "  switch set NAME aging SECONDS | uplink-rate RATE\n"
	      "  port add SWITCH PORT --dev IFNAME [--mac MAC]\n"
	      "  port add SWITCH PORT --synthetic --mac MAC [--queues N] [--mtu N]   (needs xvsd)\n"
	      "  port del SWITCH PORT | port show SWITCH [PORT]\n"
	      "  port set SWITCH PORT vlan untagged | access VID | trunk VIDLIST [native VID]\n"
	      "                           | isolated|community PRIMARY SECONDARY\n"
	      "                           | promiscuous PRIMARY SECONDARYLIST\n"
	      "  port set SWITCH PORT link up|down | mac-limit N | mac-spoofing on|off\n"
	      "  port set SWITCH PORT mirror source|destination|none\n"
	      "  port set SWITCH PORT dhcp-guard on|off | router-guard on|off\n"
	      "  port set SWITCH PORT max-rate RATE[bit|kbit|mbit|gbit]|none | storm-limit PPS\n"
	      "                       | min-weight N\n"
	      "  port set SWITCH PORT vmq on|off | mtu N   (synthetic ports)\n"
	      "  fdb show SWITCH [--vlan VID] | fdb add SWITCH MAC PORT [--vlan VID] | fdb flush SWITCH\n"
	      "  stats SWITCH [PORT] [--prometheus]\n"
	      "  capture SWITCH PORT -w FILE|- [-c COUNT]\n"
	      "  acl add SWITCH PORT --dir in|out|both --action allow|deny|meter\n"
	      "          (--remote-mac MAC | --local-mac MAC | --remote-ip PREFIX | --local-ip PREFIX)\n"
	      "  acl add SWITCH PORT --extended --dir in|out --action allow|deny --weight N\n"
	      "          [--proto tcp|udp|icmp|NUM] [--remote-ip PREFIX] [--local-ip PREFIX]\n"
	      "          [--remote-port A[-B]] [--local-port A[-B]] [--stateful [--idle-timeout SECONDS]]\n"
	      "  acl show SWITCH [PORT] | acl del SWITCH PORT RULE-ID\n"
	      "  apply FILE [--dry-run] [SWITCH...]   make the switches match FILE (YAML)\n"
	      "  save [SWITCH] [--write [PATH]]      print the running switches as such a file\n"
	      "State lives under $XVS_ROOT (default " XVS_ROOT_DEFAULT "), runtime files under\n"
	      "$XVS_RUN (default " XVS_RUN_DEFAULT "); save --write goes to $XVS_CONFIG\n"
	      "(default " XVS_CONFIG_DEFAULT ").\n", f);
}

int main(int argc, char **argv)
{
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
	if (!strcmp(argv[0], "capture"))
		return cmd_capture(argc, argv);
	if (!strcmp(argv[0], "apply"))
		return cmd_apply(argc, argv);
	if (!strcmp(argv[0], "save"))
		return cmd_save(argc, argv);
	if (!strcmp(argv[0], "acl"))
		return cmd_acl(argc, argv);
	return die("unknown command '%s' (try xvs --help)", argv[0]);
}
