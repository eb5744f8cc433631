// SPDX-License-Identifier: MIT
/*
 * The configuration file (docs/CONFIG.md) into the model of loader/config.h, with every check
 * that needs only the file: syntax, unknown and duplicate keys, values, names, netdevs used
 * twice, private VLAN domains, static FDB entries, what synthetic ports and VMQ need. The
 * first error is reported as "FILE:LINE: reason" (libyaml gives every node its line); checks
 * that need the host (does a netdev exist, who owns it, is xvsd running) are the planner's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

#define CFG_FILE_MAX (16u << 20)

/* ---- helpers for the key rows ---- */

int cfg_line(const yaml_node_t *node)
{
	return node ? (int)node->start_mark.line + 1 : 1;
}

static int verror(const struct cfg_ctx *ctx, int line, const char *fmt, va_list ap)
{
	char msg[400];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return xvs_fail(-EINVAL, "%s:%d: %s", ctx->file, line > 0 ? line : 1, msg);
}

int cfg_error(const struct cfg_ctx *ctx, const yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = verror(ctx, cfg_line(node), fmt, ap);
	va_end(ap);
	return err;
}

/* The same at a line the model remembers (the node is gone by then, or never existed). */
static int __attribute__((format(printf, 3, 4)))
line_error(const struct cfg_ctx *ctx, int line, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = verror(ctx, line, fmt, ap);
	va_end(ap);
	return err;
}

static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null");
}

int cfg_scalar(const struct cfg_ctx *ctx, const yaml_node_t *node, const char *what,
	       const char **out)
{
	if (node->type != YAML_SCALAR_NODE)
		return cfg_error(ctx, node, "%s: expected a single value, not a %s", what,
				 node->type == YAML_MAPPING_NODE ? "mapping" : "list");
	if (strlen((const char *)node->data.scalar.value) != node->data.scalar.length)
		return cfg_error(ctx, node, "%s: the value holds a NUL character", what);
	if (is_null(node))
		return cfg_error(ctx, node, "%s: the value is missing", what);
	*out = (const char *)node->data.scalar.value;
	return 0;
}

int cfg_on_off(const struct cfg_ctx *ctx, const yaml_node_t *node, const char *what, bool *on)
{
	const char *s;

	if (cfg_scalar(ctx, node, what, &s))
		return -EINVAL;
	if (!strcmp(s, "on") || !strcmp(s, "true"))
		*on = true;
	else if (!strcmp(s, "off") || !strcmp(s, "false"))
		*on = false;
	else
		return cfg_error(ctx, node, "invalid %s '%s': expected on or off", what, s);
	return 0;
}

int cfg_u32(const struct cfg_ctx *ctx, const yaml_node_t *node, const char *what, __u32 lo,
	    __u32 hi, __u32 *out)
{
	unsigned long long v = 0;
	const char *s;

	if (cfg_scalar(ctx, node, what, &s))
		return -EINVAL;
	for (const char *c = s; *c && v <= hi; c++) {
		if (*c < '0' || *c > '9')
			return cfg_error(ctx, node, "invalid %s '%s': expected a number %u-%u", what, s,
					 lo, hi);
		v = v * 10 + (unsigned)(*c - '0');
	}
	if (v < lo || v > hi)
		return cfg_error(ctx, node, "invalid %s '%s': expected a number %u-%u", what, s, lo,
				 hi);
	*out = (__u32)v;
	return 0;
}

bool cfg_valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s == ' ' || (*s >= '\t' && *s <= '\r'))
			return false;
	return true;
}

void *cfg_grow(void **arr, int *n, size_t size)
{
	char *v = realloc(*arr, (size_t)(*n + 1) * size);

	if (!v)
		return NULL;
	*arr = v;
	memset(v + (size_t)*n * size, 0, size);
	return v + (size_t)(*n)++ * size;
}

struct cfg_switch *cfg_find_switch(const struct xvs_cfg *cfg, const char *name)
{
	for (int i = 0; i < cfg->nsw; i++)
		if (!strcmp(cfg->sw[i].c.name, name))
			return &cfg->sw[i];
	return NULL;
}

struct cfg_port *cfg_find_port(const struct cfg_switch *sw, const char *name)
{
	for (int i = 0; i < sw->nports; i++)
		if (!strcmp(sw->ports[i].p.name, name))
			return &sw->ports[i];
	return NULL;
}

void xvs_cfg_free(struct xvs_cfg *cfg)
{
	if (!cfg)
		return;
	for (int i = 0; i < cfg->nsw; i++) {
		free(cfg->sw[i].ports);
		free(cfg->sw[i].fdb);
	}
	free(cfg->sw);
	free(cfg);
}

bool xvs_cfg_has_switch(const struct xvs_cfg *cfg, const char *name)
{
	return cfg_find_switch(cfg, name) != NULL;
}

/* ---- walking the document ---- */

static yaml_node_t *node(const struct cfg_ctx *ctx, int id)
{
	return yaml_document_get_node(ctx->doc, id);
}

#define FOR_PAIRS(map, pair) \
	for (yaml_node_pair_t *pair = (map)->data.mapping.pairs.start; \
	     pair < (map)->data.mapping.pairs.top; pair++)

/* A mapping (or nothing, with `null_ok`) whose keys are distinct scalars; `noun` names a key
 * in the duplicate message ("switch", "port", "key"). */
static int check_mapping(const struct cfg_ctx *ctx, const yaml_node_t *map, const char *what,
			 const char *noun, bool null_ok)
{
	if (null_ok && is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return cfg_error(ctx, map, "%s: expected a mapping (key: value lines)", what);
	FOR_PAIRS(map, a) {
		const yaml_node_t *ka = node(ctx, a->key);
		const char *s;

		if (cfg_scalar(ctx, ka, "key", &s))
			return -EINVAL;
		for (yaml_node_pair_t *b = map->data.mapping.pairs.start; b < a; b++)
			if (!strcmp((const char *)node(ctx, b->key)->data.scalar.value, s))
				return cfg_error(ctx, ka, "duplicate %s '%s' (first at line %d)", noun,
						 s, cfg_line(node(ctx, b->key)));
	}
	return 0;
}

static const char *key_of(const struct cfg_ctx *ctx, const yaml_node_pair_t *pair)
{
	return (const char *)node(ctx, pair->key)->data.scalar.value;
}

/* "a, b or c" of a key table, for unknown-key messages. */
static void port_key_names(char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "dev, synthetic, queues");

	for (int i = 0; i < cfg_nport_keys && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i == cfg_nport_keys - 1 ? " or " : ", ",
				      cfg_port_keys[i].key);
}

static void switch_key_names(char *buf, size_t len)
{
	size_t n = 0;

	for (int i = 0; i < cfg_nswitch_keys && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s, ", cfg_switch_keys[i].key);
	if (n < len)
		snprintf(buf + n, len - n, "ports or fdb");
}

/*
 * What kind of port the keys make, and what only that kind takes: a VM port has a dev; a
 * synthetic one (`synthetic: true`) has a MAC and queues instead, its device being created
 * with it; VMQ is for synthetic ports of external XDP switches (the same refusals as
 * xvs_port_set_vmq(), here so that a file is refused before anything changes).
 */
static int check_port_kind(const struct cfg_ctx *ctx, const struct cfg_switch *sw,
			   struct cfg_port *port, const yaml_node_t *kn, bool synthetic)
{
	int vmq_k = cfg_port_key_index("vmq"), mtu_k = cfg_port_key_index("mtu");
	const char *name = port->p.name;

	if (synthetic) {
		if (port->dev[0])
			return line_error(ctx, port->dev_line > port->synthetic_line ? port->dev_line :
					  port->synthetic_line, "port %s: synthetic: true and dev "
					  "exclude each other (xvs creates a synthetic port's device)",
					  name);
		if (!(port->p.flags & XVS_PORT_HAS_MAC))
			return line_error(ctx, port->key_line[cfg_port_key_index("mac")] ?:
					  port->line, "port %s is synthetic and needs mac: (the "
					  "guest's MAC)", name);
		port->p.kind = XVS_PORT_SYNTHETIC;
		if (!port->queues)
			port->queues = 1; /* as `xvs port add --synthetic` without --queues */
		if (!port->key_line[mtu_k])
			port->p.mtu = XVS_SYNTHETIC_MTU_DEFAULT;
	} else if (port->queues_line) {
		return line_error(ctx, port->queues_line, "port %s: queues is for synthetic ports "
				  "(synthetic: true)", name);
	} else if (port->key_line[mtu_k]) {
		return line_error(ctx, port->key_line[mtu_k], "port %s: mtu is for synthetic ports "
				  "(synthetic: true); an emulated port's MTU is its netdev's", name);
	}
	if (port->p.kind == XVS_PORT_VM && !port->dev[0])
		return cfg_error(ctx, kn, "port %s needs dev: the netdev to attach (or synthetic: "
				 "true)", name);
	if (!port->key_line[vmq_k])
		return 0;
	if (port->p.kind != XVS_PORT_SYNTHETIC)
		return line_error(ctx, port->key_line[vmq_k], "port %s: vmq is for synthetic ports "
				  "(synthetic: true)", name);
	if (!(port->p.flags & XVS_PORT_VMQ))
		return 0;
	if (sw->c.type != XVS_SWITCH_EXTERNAL)
		return line_error(ctx, port->key_line[vmq_k], "port %s: vmq needs an external "
				  "switch: it delivers frames from the uplink, and switch %s has none",
				  name, sw->c.name);
	if (sw->c.flags & XVS_SWITCH_TC)
		return line_error(ctx, port->key_line[vmq_k], "port %s: vmq needs the xdp datapath: "
				  "switch %s runs tc, and only XDP can hand frames to an AF_XDP socket "
				  "(datapath: xdp)", name, sw->c.name);
	return 0;
}

static int parse_port(const struct cfg_ctx *ctx, struct cfg_switch *sw, const yaml_node_t *kn,
		      const yaml_node_t *body)
{
	const char *name = (const char *)kn->data.scalar.value;
	struct cfg_port *port = cfg_find_port(sw, name);
	bool synthetic = false;
	char keys[300];

	if (!xvs_valid_name(name, XVS_NAME_LEN - 1))
		return cfg_error(ctx, kn, "invalid port name '%s': 1-15 letters, digits, '-' or '_'",
				 name);
	if (!port) { /* not the implied host or uplink port: a VM's */
		if (sw->nports >= XVS_MAX_PORTS - 1)
			return cfg_error(ctx, kn, "switch %s has more than %d ports", sw->c.name,
					 XVS_MAX_PORTS - 1);
		port = cfg_grow((void **)&sw->ports, &sw->nports, sizeof(*port));
		if (!port)
			return xvs_fail(-ENOMEM, "out of memory");
		snprintf(port->p.name, sizeof(port->p.name), "%s", name);
		cfg_port_defaults(&port->p, XVS_PORT_VM);
	}
	port->line = cfg_line(kn);
	if (check_mapping(ctx, body, "port", "key", true))
		return -EINVAL;
	if (body->type == YAML_MAPPING_NODE) {
		FOR_PAIRS(body, pair) {
			const char *key = key_of(ctx, pair), *dev;
			const yaml_node_t *val = node(ctx, pair->value);
			int k = cfg_port_key_index(key);

			if (!strcmp(key, "dev")) {
				if (port->p.kind != XVS_PORT_VM)
					return cfg_error(ctx, node(ctx, pair->key),
							 "port %s is the switch's %s: its netdev is "
							 "implied, leave out dev", name,
							 port->p.kind == XVS_PORT_HOST ?
							 "host adapter" : "uplink");
				if (cfg_scalar(ctx, val, "dev", &dev))
					return -EINVAL;
				if (!cfg_valid_ifname(dev))
					return cfg_error(ctx, val, "invalid dev '%s': not a netdev name",
							 dev);
				snprintf(port->dev, sizeof(port->dev), "%s", dev);
				port->dev_line = cfg_line(val);
				continue;
			}
			if (!strcmp(key, "synthetic")) {
				if (port->p.kind != XVS_PORT_VM)
					return cfg_error(ctx, node(ctx, pair->key),
							 "port %s is the switch's %s: it cannot be "
							 "synthetic", name,
							 port->p.kind == XVS_PORT_HOST ?
							 "host adapter" : "uplink");
				if (cfg_on_off(ctx, val, "synthetic", &synthetic))
					return -EINVAL;
				port->synthetic_line = cfg_line(node(ctx, pair->key));
				continue;
			}
			if (!strcmp(key, "queues")) {
				if (cfg_u32(ctx, val, "queues", 1, XVS_SYNTHETIC_QUEUES_MAX,
					    &port->queues))
					return -EINVAL;
				port->queues_line = cfg_line(node(ctx, pair->key));
				continue;
			}
			if (k < 0) {
				port_key_names(keys, sizeof(keys));
				return cfg_error(ctx, node(ctx, pair->key),
						 "unknown port key '%s' (expected %s)", key, keys);
			}
			if (cfg_port_keys[k].parse(ctx, val, &port->p))
				return -EINVAL;
			port->key_line[k] = cfg_line(node(ctx, pair->key));
		}
	}
	return check_port_kind(ctx, sw, port, kn, synthetic);
}

/* The VLAN a static entry for `vlan` is filed under: a secondary's primary (the ports of the
 * file decide, as the switch's private VLAN map will once they are applied). */
static __u16 learning_vlan(const struct cfg_switch *sw, __u16 vlan)
{
	for (int i = 0; i < sw->nports; i++) {
		const struct xvs_port *p = &sw->ports[i].p;

		if (((p->mode == XVS_VLAN_ISOLATED || p->mode == XVS_VLAN_COMMUNITY) &&
		     p->pvlan_secondary == vlan) ||
		    (p->mode == XVS_VLAN_PROMISCUOUS && vlan &&
		     ((p->trunk_vids[vlan / 64] >> (vlan % 64)) & 1)))
			return p->pvlan_primary;
	}
	return vlan;
}

static int parse_fdb_entry(const struct cfg_ctx *ctx, struct cfg_switch *sw,
			   const yaml_node_t *item)
{
	const yaml_node_t *mac_n = NULL, *port_n = NULL;
	struct cfg_fdb *e;
	const char *s;
	__u32 vlan = 0;

	if (check_mapping(ctx, item, "fdb entry", "key", false))
		return -EINVAL;
	e = cfg_grow((void **)&sw->fdb, &sw->nfdb, sizeof(*e));
	if (!e)
		return xvs_fail(-ENOMEM, "out of memory");
	e->line = cfg_line(item);
	FOR_PAIRS(item, pair) {
		const char *key = key_of(ctx, pair);
		const yaml_node_t *val = node(ctx, pair->value);

		if (!strcmp(key, "mac"))
			mac_n = val;
		else if (!strcmp(key, "port"))
			port_n = val;
		else if (!strcmp(key, "vlan")) {
			if (cfg_u32(ctx, val, "vlan", 0, XVS_VID_MAX, &vlan))
				return -EINVAL;
		} else
			return cfg_error(ctx, node(ctx, pair->key),
					 "unknown fdb key '%s' (expected mac, port or vlan)", key);
	}
	if (!mac_n || !port_n)
		return cfg_error(ctx, item, "an fdb entry needs mac: and port:");
	if (cfg_scalar(ctx, mac_n, "mac", &s))
		return -EINVAL;
	if (xvs_parse_mac(s, e->mac))
		return cfg_error(ctx, mac_n, "invalid MAC '%s': expected xx:xx:xx:xx:xx:xx", s);
	if (e->mac[0] & 1)
		return cfg_error(ctx, mac_n, "invalid MAC '%s': a static FDB entry needs a unicast MAC",
				 s);
	if (cfg_scalar(ctx, port_n, "port", &s))
		return -EINVAL;
	if (!cfg_find_port(sw, s))
		return cfg_error(ctx, port_n, "switch %s has no port '%s'", sw->c.name, s);
	snprintf(e->port, sizeof(e->port), "%s", s);
	e->vlan = learning_vlan(sw, (__u16)vlan);
	for (int i = 0; i < sw->nfdb - 1; i++) {
		char m[18];

		if (memcmp(sw->fdb[i].mac, e->mac, 6) || sw->fdb[i].vlan != e->vlan)
			continue;
		xvs_format_mac(e->mac, m);
		return cfg_error(ctx, item, "duplicate fdb entry %s in VLAN %u (first at line %d)", m,
				 e->vlan, sw->fdb[i].line);
	}
	return 0;
}

static int add_implied_port(struct cfg_switch *sw, const char *name, __u8 kind)
{
	struct cfg_port *p = cfg_grow((void **)&sw->ports, &sw->nports, sizeof(*p));

	if (!p)
		return xvs_fail(-ENOMEM, "out of memory");
	snprintf(p->p.name, sizeof(p->p.name), "%s", name);
	cfg_port_defaults(&p->p, kind);
	return 0;
}

/* Settings that depend on each other: type, uplink, management-os. */
static int check_switch_keys(const struct cfg_ctx *ctx, struct cfg_switch *sw,
			     const yaml_node_t *kn)
{
	int type_k = cfg_switch_key_index("type"), up_k = cfg_switch_key_index("uplink");
	int mgmt_k = cfg_switch_key_index("management-os");
	struct xvs_config *c = &sw->c;

	if (!sw->key_line[type_k] && sw->key_line[up_k])
		c->type = XVS_SWITCH_EXTERNAL; /* as `xvs switch add --uplink` */
	if (c->type == XVS_SWITCH_EXTERNAL && !c->uplink[0])
		return cfg_error(ctx, kn, "switch %s: an external switch needs uplink: IFNAME",
				 c->name);
	if (c->type != XVS_SWITCH_EXTERNAL && c->uplink[0])
		return line_error(ctx, sw->key_line[up_k], "switch %s: uplink is only for external "
				  "switches", c->name);
	if (sw->key_line[mgmt_k] && c->type == XVS_SWITCH_PRIVATE)
		return line_error(ctx, sw->key_line[mgmt_k], "switch %s: a private switch has no management OS adapter; "
				 "leave out management-os", c->name);
	if (sw->key_line[mgmt_k] && c->type == XVS_SWITCH_INTERNAL &&
	    (c->flags & XVS_SWITCH_NO_MGMT_OS))
		return line_error(ctx, sw->key_line[mgmt_k], "switch %s: management-os: off is only for external "
				 "switches (an internal switch is the host's network)", c->name);
	if (!xvs_valid_name(c->name, XVS_SWITCH_NAME_MAX))
		return cfg_error(ctx, kn, "invalid switch name '%s': 1-%d letters, digits, '-' or '_'",
				 c->name, XVS_SWITCH_NAME_MAX);
	return 0;
}

static int check_pvlan(const struct cfg_ctx *ctx, const struct cfg_switch *sw)
{
	struct xvs_port *v = calloc((size_t)sw->nports + 1, sizeof(*v));
	int bad = 0, err, k = cfg_port_key_index("vlan");

	if (!v)
		return xvs_fail(-ENOMEM, "out of memory");
	for (int i = 0; i < sw->nports; i++)
		v[i] = sw->ports[i].p;
	err = xvs_pvlan_check_ports(v, sw->nports, &bad);
	free(v);
	if (!err)
		return 0;
	return line_error(ctx, sw->ports[bad].key_line[k] ?: sw->ports[bad].line, "port %s: %s", sw->ports[bad].p.name, xvs_errmsg());
}

static int parse_switch(const struct cfg_ctx *ctx, struct xvs_cfg *cfg, const yaml_node_t *kn,
			const yaml_node_t *body)
{
	const yaml_node_t *ports = NULL, *fdb = NULL;
	struct cfg_switch *sw;
	char keys[200];

	sw = cfg_grow((void **)&cfg->sw, &cfg->nsw, sizeof(*sw));
	if (!sw)
		return xvs_fail(-ENOMEM, "out of memory");
	snprintf(sw->c.name, sizeof(sw->c.name), "%s", (const char *)kn->data.scalar.value);
	cfg_switch_defaults(&sw->c);
	sw->line = cfg_line(kn);
	if (strlen((const char *)kn->data.scalar.value) >= XVS_NAME_LEN)
		return cfg_error(ctx, kn, "invalid switch name '%s': 1-%d letters, digits, '-' or '_'",
				 (const char *)kn->data.scalar.value, XVS_SWITCH_NAME_MAX);
	if (check_mapping(ctx, body, "switch", "key", true))
		return -EINVAL;
	/* The switch's own keys first: they decide which ports are implied. */
	if (body->type == YAML_MAPPING_NODE) {
		FOR_PAIRS(body, pair) {
			const char *key = key_of(ctx, pair);
			int k = cfg_switch_key_index(key);

			if (!strcmp(key, "ports")) {
				ports = node(ctx, pair->value);
				continue;
			}
			if (!strcmp(key, "fdb")) {
				fdb = node(ctx, pair->value);
				continue;
			}
			if (k < 0) {
				switch_key_names(keys, sizeof(keys));
				return cfg_error(ctx, node(ctx, pair->key),
						 "unknown switch key '%s' (expected %s)", key, keys);
			}
			if (cfg_switch_keys[k].parse(ctx, node(ctx, pair->value), &sw->c))
				return -EINVAL;
			sw->key_line[k] = cfg_line(node(ctx, pair->key));
		}
	}
	if (check_switch_keys(ctx, sw, kn))
		return -EINVAL;
	if ((cfg_has_host_port(&sw->c) && add_implied_port(sw, XVS_HOST_PORT, XVS_PORT_HOST)) ||
	    (sw->c.type == XVS_SWITCH_EXTERNAL &&
	     add_implied_port(sw, XVS_UPLINK_PORT, XVS_PORT_UPLINK)))
		return -ENOMEM;
	if (ports) {
		if (check_mapping(ctx, ports, "ports", "port", true))
			return -EINVAL;
		if (ports->type == YAML_MAPPING_NODE)
			FOR_PAIRS(ports, pair)
				if (parse_port(ctx, sw, node(ctx, pair->key), node(ctx, pair->value)))
					return -EINVAL;
	}
	if (check_pvlan(ctx, sw))
		return -EINVAL;
	if (fdb && !is_null(fdb)) {
		if (fdb->type != YAML_SEQUENCE_NODE)
			return cfg_error(ctx, fdb, "fdb: expected a list of entries (- mac: ...)");
		for (yaml_node_item_t *it = fdb->data.sequence.items.start;
		     it < fdb->data.sequence.items.top; it++)
			if (parse_fdb_entry(ctx, sw, node(ctx, *it)))
				return -EINVAL;
	}
	return 0;
}

/* Who uses a netdev, for the netdev-used-twice check. */
struct dev_use {
	const char *dev;
	const char *sw, *port;         /* port NULL: the switch's host adapter */
	int line;
};

static int check_devs(const struct cfg_ctx *ctx, const struct xvs_cfg *cfg)
{
	struct dev_use *uses = NULL;
	int n = 0, err = 0;

	/* Netdevs the switches create themselves: the host adapter and its peer. */
	for (int s = 0; s < cfg->nsw; s++) {
		const struct cfg_switch *sw = &cfg->sw[s];
		struct dev_use *u;

		if (!cfg_has_host_port(&sw->c))
			continue;
		u = cfg_grow((void **)&uses, &n, sizeof(*u));
		if (!u)
			goto oom;
		u->dev = sw->c.name;
		u->sw = sw->c.name;
		u->port = NULL; /* the host adapter, not a port */
		u->line = sw->line;
	}
	for (int s = 0; s < cfg->nsw && !err; s++) {
		const struct cfg_switch *sw = &cfg->sw[s];

		for (int i = -1; i < sw->nports && !err; i++) {
			const char *dev = i < 0 ? sw->c.uplink : sw->ports[i].dev;
			int line = i < 0 ? sw->key_line[cfg_switch_key_index("uplink")] :
					   sw->ports[i].dev_line;
			struct dev_use *u;
			char peer[IF_NAMESIZE + 4];

			if (!dev[0])
				continue;
			for (int j = 0; j < n && !err; j++) {
				if (strcmp(uses[j].dev, dev))
					continue;
				if (!uses[j].port)
					err = line_error(ctx, line, "netdev %s is the host adapter of switch "
							 "%s (line %d)", dev, uses[j].sw, uses[j].line);
				else
					err = line_error(ctx, line, "netdev %s is already used by port %s/%s "
							 "(line %d)", dev, uses[j].sw, uses[j].port,
							 uses[j].line);
			}
			for (int j = 0; j < cfg->nsw && !err; j++) {
				snprintf(peer, sizeof(peer), "%s-sw", cfg->sw[j].c.name);
				if (cfg_has_host_port(&cfg->sw[j].c) && !strcmp(peer, dev))
					err = line_error(ctx, line, "netdev %s is the host port of switch %s",
							dev, cfg->sw[j].c.name);
			}
			u = err ? NULL : cfg_grow((void **)&uses, &n, sizeof(*u));
			if (!err && !u)
				goto oom;
			if (u) {
				u->dev = dev;
				u->sw = sw->c.name;
				u->port = i < 0 ? XVS_UPLINK_PORT : sw->ports[i].p.name;
				u->line = line;
			}
		}
	}
	free(uses);
	return err;
oom:
	free(uses);
	return xvs_fail(-ENOMEM, "out of memory");
}

static int parse_root(const struct cfg_ctx *ctx, struct xvs_cfg *cfg)
{
	const yaml_node_t *root = yaml_document_get_root_node(ctx->doc), *switches = NULL;
	__u32 version;

	if (!root)
		return xvs_fail(-EINVAL, "%s:1: the file is empty: expected 'switches:' (write "
				"'switches: {}' for a host without switches)", ctx->file);
	if (check_mapping(ctx, root, "the file", "key", false))
		return -EINVAL;
	FOR_PAIRS(root, pair) {
		const char *key = key_of(ctx, pair);
		const yaml_node_t *val = node(ctx, pair->value);

		if (!strcmp(key, "version")) {
			if (cfg_u32(ctx, val, "version", 0, 1000, &version))
				return -EINVAL;
			if (version != 1)
				return cfg_error(ctx, val, "unsupported version %u: this xvs reads version 1",
						 version);
		} else if (!strcmp(key, "switches")) {
			switches = val;
		} else {
			return cfg_error(ctx, node(ctx, pair->key),
					 "unknown key '%s' (expected version or switches)", key);
		}
	}
	if (!switches)
		return cfg_error(ctx, root, "missing 'switches:' (write 'switches: {}' for a host "
				 "without switches)");
	if (check_mapping(ctx, switches, "switches", "switch", true))
		return -EINVAL;
	if (switches->type == YAML_MAPPING_NODE)
		FOR_PAIRS(switches, pair)
			if (parse_switch(ctx, cfg, node(ctx, pair->key), node(ctx, pair->value)))
				return -EINVAL;
	return check_devs(ctx, cfg);
}

int xvs_cfg_parse(const char *name, const char *text, size_t len, struct xvs_cfg **out)
{
	yaml_document_t doc, extra;
	struct xvs_cfg *cfg;
	yaml_parser_t parser;
	struct cfg_ctx ctx = { .file = name, .doc = &doc };
	int err = 0;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg || !yaml_parser_initialize(&parser)) {
		free(cfg);
		return xvs_fail(-ENOMEM, "out of memory");
	}
	snprintf(cfg->file, sizeof(cfg->file), "%s", name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		err = xvs_fail(-EINVAL, "%s:%zu: YAML syntax error: %s%s%s", name,
			       parser.problem_mark.line + 1, parser.problem ?: "unreadable",
			       parser.context ? " " : "", parser.context ?: "");
		goto out_parser;
	}
	err = parse_root(&ctx, cfg);
	if (!err) {
		/* One document per file: a second one would be ignored silently otherwise. */
		if (!yaml_parser_load(&parser, &extra)) {
			err = xvs_fail(-EINVAL, "%s:%zu: YAML syntax error: %s", name,
				       parser.problem_mark.line + 1, parser.problem ?: "unreadable");
		} else {
			if (yaml_document_get_root_node(&extra))
				err = xvs_fail(-EINVAL, "%s:%zu: a second YAML document: a configuration "
					       "is one document", name,
					       extra.start_mark.line + 1);
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	if (err) {
		xvs_cfg_free(cfg);
		return err;
	}
	*out = cfg;
	return 0;
}

int xvs_cfg_load(const char *path, struct xvs_cfg **out)
{
	bool is_stdin = !strcmp(path, "-");
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int err;

	*out = NULL;
	if (!f)
		return xvs_fail(-errno, "cannot open %s: %s", path, strerror(errno));
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb = cap >= CFG_FILE_MAX ? NULL : realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!nb) {
				err = cap >= CFG_FILE_MAX ?
				      xvs_fail(-EFBIG, "%s is larger than %u bytes", path, CFG_FILE_MAX) :
				      xvs_fail(-ENOMEM, "out of memory");
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		err = xvs_fail(-EIO, "cannot read %s", path);
		goto out;
	}
	err = xvs_cfg_parse(is_stdin ? "<stdin>" : path, buf, len, out);
out:
	free(buf);
	if (!is_stdin)
		fclose(f);
	return err;
}
