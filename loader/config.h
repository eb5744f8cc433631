/* SPDX-License-Identifier: MIT */
/*
 * Declarative configuration (xvs apply / xvs save), shared by loader/config*.c:
 *
 *   config_parse.c  YAML file -> model, every check that needs only the file
 *   config_keys.c   the keys of a switch and of a port: one table row per key
 *   config_state.c  running state -> model (what `xvs save` prints)
 *   config_plan.c   model + running state -> ordered steps; executing them, undo on failure
 *   config_save.c   model -> YAML text; atomic file write
 *
 * The model is the same for a file and for the running state: a file is parsed into the
 * values the switch would hold (defaults filled in, the implied host and uplink ports
 * added), so planning is a comparison of two models, key by key.
 */
#ifndef XVS_CONFIG_H
#define XVS_CONFIG_H

#include <net/if.h>
#include <yaml.h>
#include "libxvs.h"

#define CFG_MAX_KEYS 32 /* rows per key table (switch, port) */

/* Where the file being parsed is, for "FILE:LINE: reason" messages. */
struct cfg_ctx {
	const char *file;
	yaml_document_t *doc;
};

struct cfg_port {
	struct xvs_port p;             /* name, kind and every setting of the port */
	char dev[IF_NAMESIZE];         /* VM ports; "" for the host, uplink and synthetic ports
					* (implied, or created with the port) */
	unsigned queues;               /* synthetic ports: queue pairs (its device's rx queues);
					* 0 in the running state when the device is gone */
	int line;                      /* of the port's name in the file; 0: running state */
	int dev_line;
	int synthetic_line, queues_line;
	int key_line[CFG_MAX_KEYS];    /* where each cfg_port_keys row was given; 0: default */
};

/* A static FDB entry. vlan is as the switch files it (a private VLAN secondary's primary). */
struct cfg_fdb {
	__u8 mac[6];
	__u16 vlan;
	char port[XVS_NAME_LEN];
	int line;
};

struct cfg_switch {
	struct xvs_config c;           /* name, type, flags, fdb_max, aging_sec, uplink */
	int line;
	int key_line[CFG_MAX_KEYS];    /* where each cfg_switch_keys row was given */
	struct cfg_port *ports;        /* the host and uplink ports first, then file order */
	int nports;
	struct cfg_fdb *fdb;
	int nfdb;
};

struct xvs_cfg {
	char file[256];                /* the file's name, or "running state" */
	struct cfg_switch *sw;
	int nsw;
};

/*
 * A port key. parse() reads the value node into *want (which holds the defaults for the
 * port's kind); differs() compares only the fields the key owns; format() writes the value
 * as it appears in a file (for `xvs save` and the plan); apply() changes a running port to
 * want's value of the key through libxvs.
 */
struct cfg_port_key {
	const char *key;
	int (*parse)(const struct cfg_ctx *ctx, const yaml_node_t *val, struct xvs_port *want);
	bool (*differs)(const struct xvs_port *have, const struct xvs_port *want);
	void (*format)(const struct xvs_port *p, char *buf, size_t len);
	int (*apply)(struct xvs_switch *sw, const struct xvs_port *want);
	bool quote;                    /* save writes the value double-quoted (MACs) */
};

/*
 * A switch key, the same way. apply is NULL for a setting that only switch creation takes:
 * changing it recreates the switch (the plan says so). always: `xvs save` writes it even
 * when it has its default value.
 */
struct cfg_switch_key {
	const char *key;
	int (*parse)(const struct cfg_ctx *ctx, const yaml_node_t *val, struct xvs_config *want);
	bool (*differs)(const struct xvs_config *have, const struct xvs_config *want);
	void (*format)(const struct xvs_config *c, char *buf, size_t len);
	int (*apply)(struct xvs_switch *sw, const struct xvs_config *want);
	bool always;
};

extern const struct cfg_port_key cfg_port_keys[];
extern const int cfg_nport_keys;
extern const struct cfg_switch_key cfg_switch_keys[];
extern const int cfg_nswitch_keys;

/* Row index of a key, -1 if none. */
int cfg_port_key_index(const char *key);
int cfg_switch_key_index(const char *key);

/* The settings a port or switch has before any key is applied (what creation gives). */
void cfg_port_defaults(struct xvs_port *p, __u8 kind);
void cfg_switch_defaults(struct xvs_config *c);
bool cfg_has_host_port(const struct xvs_config *c);

/* Helpers for parse functions. All return 0 or -EINVAL with "FILE:LINE: ..." recorded. */
int cfg_error(const struct cfg_ctx *ctx, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cfg_line(const yaml_node_t *node);
int cfg_scalar(const struct cfg_ctx *ctx, const yaml_node_t *node, const char *what,
	       const char **out);
int cfg_on_off(const struct cfg_ctx *ctx, const yaml_node_t *node, const char *what, bool *on);
int cfg_u32(const struct cfg_ctx *ctx, const yaml_node_t *node, const char *what, __u32 lo,
	    __u32 hi, __u32 *out);
/* A netdev name the kernel would accept (dev_valid_name). */
bool cfg_valid_ifname(const char *s);

struct cfg_switch *cfg_find_switch(const struct xvs_cfg *cfg, const char *name);
struct cfg_port *cfg_find_port(const struct cfg_switch *sw, const char *name);
/* Append a zeroed element to a growing array; NULL when out of memory. */
void *cfg_grow(void **arr, int *n, size_t size);

#endif
