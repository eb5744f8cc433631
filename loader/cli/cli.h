/* SPDX-License-Identifier: MIT */
/*
 * The xvs command-line tool: one file per command group (switch.c, port.c, fdb.c, stats.c,
 * capture.c, config.c, acl.c),
 * helpers in common.c, main() and usage in xvs.c. Commands only parse, call libxvs and print.
 */
#ifndef XVS_CLI_H
#define XVS_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include <net/if.h>
#include "libxvs.h"

extern bool json_out;                  /* -j / --json: print JSON instead of tables */

/* Print "xvs: <message>" as one line on stderr; returns 1 (the exit status). */
int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* die() with libxvs's last error message. */
int lib_fail(void);
/* Print and release a JSON object. */
void print_json(struct json_object *o);
int parse_u32(const char *s, __u32 *out);
int parse_on_off(const char *s, bool *on);

/* Open a switch for one command; with `lock`, hold the xvs lock for the command's life. */
struct session {
	struct xvs_switch *sw;
	int lock_fd;
};
int session_open(struct session *s, const char *name, bool lock);
/* Close the session and pass `ret` through, for `return session_close(&s, ret);`. */
int session_close(struct session *s, int ret);

const char *ifname_of(__u32 ifindex, char buf[IF_NAMESIZE]);
const char *kind_name(__u8 kind);
/* "access 10", "trunk 2-4,10 native 1", "untagged", ... */
void vlan_desc(const struct xvs_port *p, char *buf, size_t len);
/* Non-default policy settings of a port, space separated; "-" if none. */
void policy_desc(const struct xvs_port *p, char *buf, size_t len);

/* Command groups: argv[0] is the group name. */
int cmd_switch(int argc, char **argv);
int cmd_port(int argc, char **argv);
int cmd_fdb(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_acl(int argc, char **argv);

#endif
