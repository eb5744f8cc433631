// SPDX-License-Identifier: MIT
/*
 * Planning and executing `xvs apply`: compare the wanted model (a file) with the running one,
 * switch by switch, port by port, key by key (loader/config_keys.c), into a list of steps
 * that libxvs calls carry out. The plan is complete before the first change; host checks
 * (netdevs exist, belong to nobody outside the plan; xvsd answers when the plan needs it) are
 * part of planning.
 *
 * Steps run in phases, so that every step finds what it needs and nothing it conflicts with:
 *
 *   1 remove static FDB entries      (of ports that stay)
 *   2 remove switches                (not wanted, or to be created again)
 *   3 remove ports                   (not wanted, or to be added again: another netdev, or
 *                                     a synthetic port's other MAC or queue count)
 *   4 create switches                (a netdev freed in 2-3 can be taken again)
 *   5 add ports
 *   6 quiet ports                    (link down; private VLAN ports left untagged, see below)
 *   7 change settings                (switch keys, then port keys in table order)
 *   8 add static FDB entries         (after the VLAN modes that decide where they are filed)
 *
 * Private VLAN settings are checked against every other port each time one changes, so
 * changing several ports' domains at once can pass through a state that is refused even
 * though the end state is consistent (a VID changing from secondary to primary). The planner
 * replays the VLAN changes in order; if one would be refused, it first takes the private
 * ports that change down and untagged (phase 6), and sets their new modes in phase 7, where
 * every intermediate state is part of the (checked) end state.
 *
 * If a step fails, the running state is planned back to the snapshot taken before the first
 * step and that plan is executed as far as it goes (an undo, best effort, reported).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include "config.h"

enum phase {
	PH_FDB_DEL, PH_SWITCH_DEL, PH_PORT_DEL, PH_SWITCH_ADD, PH_PORT_ADD, PH_QUIET, PH_SET,
	PH_FDB_ADD,
};

enum step_kind {
	ST_FDB_DEL, ST_SWITCH_DEL, ST_PORT_DEL, ST_SWITCH_ADD, ST_PORT_ADD, ST_SWITCH_KEY,
	ST_PORT_KEY, ST_FDB_ADD,
};

struct step {
	enum phase phase;
	int seq;                          /* order of planning, within a phase */
	enum step_kind kind;
	char sw[XVS_NAME_LEN];
	const struct cfg_switch *want_sw; /* ST_SWITCH_ADD, ST_SWITCH_KEY */
	const struct cfg_port *want_port; /* ST_PORT_ADD */
	const struct cfg_switch_key *skey;
	const struct cfg_port_key *pkey;
	struct xvs_port val;              /* ST_PORT_KEY: the port with the key's new value */
	char port[XVS_NAME_LEN];          /* ST_PORT_DEL */
	struct cfg_fdb fdb;               /* ST_FDB_ADD, ST_FDB_DEL */
	int line;                         /* ST_PORT_KEY: where the file gives the key */
	char *text;
};

struct xvs_plan {
	struct step *steps;
	int n;
	const struct xvs_cfg *have;       /* the snapshot an undo goes back to */
	char (*scope)[XVS_NAME_LEN];
	int nscope;
	bool all;                         /* every switch of the host is reconciled */
	const char *file;
};

/* ---- building steps ---- */

static struct step *add_step(struct xvs_plan *pl, enum phase ph, enum step_kind kind,
			     const char *sw, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static struct step *add_step(struct xvs_plan *pl, enum phase ph, enum step_kind kind,
			     const char *sw, const char *fmt, ...)
{
	struct step *s = cfg_grow((void **)&pl->steps, &pl->n, sizeof(*s));
	va_list ap;

	if (!s)
		return NULL;
	s->phase = ph;
	s->seq = pl->n;
	s->kind = kind;
	snprintf(s->sw, sizeof(s->sw), "%s", sw);
	va_start(ap, fmt);
	if (vasprintf(&s->text, fmt, ap) < 0)
		s->text = NULL;
	va_end(ap);
	if (!s->text) {
		pl->n--;
		return NULL;
	}
	return s;
}

#define VAL_LEN 1100 /* a formatted value: a VLAN list of every other VID is ~10 KB, but
		      * lists that long are not written by hand; longer is cut in the text only */

/* "type internal, aging 60": the keys a new switch is created with (non-default or always). */
static void switch_desc(const struct xvs_config *c, char *buf, size_t len)
{
	struct xvs_config dflt = *c;
	size_t n = 0;

	cfg_switch_defaults(&dflt);
	buf[0] = '\0';
	for (int k = 0; k < cfg_nswitch_keys && n < len; k++) {
		const struct cfg_switch_key *r = &cfg_switch_keys[k];
		char v[VAL_LEN];

		if (!r->always && !r->differs(&dflt, c))
			continue;
		r->format(c, v, sizeof(v));
		n += (size_t)snprintf(buf + n, len - n, "%s%s %s", n ? ", " : "", r->key, v);
	}
}

static const struct cfg_switch *find_in(const struct xvs_cfg *cfg, const char *name)
{
	return cfg ? cfg_find_switch(cfg, name) : NULL;
}

static bool in_scope(const struct xvs_plan *pl, const char *name)
{
	if (pl->all)
		return true;
	for (int i = 0; i < pl->nscope; i++)
		if (!strcmp(pl->scope[i], name))
			return true;
	return false;
}

/* Why a running switch must be created again to match: the keys only creation takes. */
static bool recreate_reason(const struct cfg_switch *w, const struct cfg_switch *h, char *buf,
			    size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int k = 0; k < cfg_nswitch_keys && n < len; k++) {
		const struct cfg_switch_key *r = &cfg_switch_keys[k];
		char a[VAL_LEN], b[VAL_LEN];

		if (r->apply || !r->differs(&h->c, &w->c))
			continue;
		r->format(&h->c, a, sizeof(a));
		r->format(&w->c, b, sizeof(b));
		n += (size_t)snprintf(buf + n, len - n, "%s%s %s -> %s", n ? ", " : "", r->key, a, b);
	}
	/* A host or uplink port removed by hand comes back only with the switch. */
	for (int i = 0; i < w->nports && n < len; i++)
		if ((w->ports[i].p.kind == XVS_PORT_HOST || w->ports[i].p.kind == XVS_PORT_UPLINK) &&
		    !cfg_find_port(h, w->ports[i].p.name))
			n += (size_t)snprintf(buf + n, len - n, "%sits %s port is missing",
					      n ? ", " : "", w->ports[i].p.name);
	return n > 0;
}

/* The port state after phases 1-5: what the switch holds when settings start. */
struct port_now {
	const struct cfg_port *want;
	struct xvs_port cur;
	bool fresh;                       /* added (or created with the switch) by this plan */
};

static bool private_mode(const struct xvs_port *p)
{
	return xvs_vlan_mode_is_private(p->mode);
}

/* Would setting the VLAN changes port by port, in plan order, be accepted every time? */
static bool vlan_order_safe(struct port_now *now, int n)
{
	struct xvs_port *v = calloc((size_t)n + 1, sizeof(*v));
	const struct cfg_port_key *vk = &cfg_port_keys[cfg_port_key_index("vlan")];
	bool safe = true;
	int bad;

	if (!v)
		return false;
	for (int i = 0; i < n; i++)
		v[i] = now[i].cur;
	for (int i = 0; i < n && safe; i++) {
		if (!vk->differs(&v[i], &now[i].want->p))
			continue;
		v[i] = now[i].want->p;
		safe = !private_mode(&v[i]) || xvs_pvlan_check_ports(v, n, &bad) == 0;
	}
	free(v);
	return safe;
}

static int plan_port_keys(struct xvs_plan *pl, const char *sw, struct port_now *pn)
{
	const struct cfg_port *w = pn->want;

	for (int k = 0; k < cfg_nport_keys; k++) {
		const struct cfg_port_key *r = &cfg_port_keys[k];
		char a[VAL_LEN], b[VAL_LEN];
		enum phase ph = PH_SET;
		struct step *s;

		if (!r->differs(&pn->cur, &w->p))
			continue;
		/* A port goes quiet before anything else changes, so it never carries traffic
		 * in a half-changed state. */
		if (!strcmp(r->key, "link") && !(w->p.flags & XVS_PORT_LINK_UP))
			ph = PH_QUIET;
		r->format(&pn->cur, a, sizeof(a));
		r->format(&w->p, b, sizeof(b));
		s = add_step(pl, ph, ST_PORT_KEY, sw, "set port %s/%s %s: %s -> %s", sw, w->p.name,
			     r->key, a, b);
		if (!s)
			return -ENOMEM;
		s->pkey = r;
		s->val = w->p;
		s->line = w->key_line[k] ?: w->line;
	}
	return 0;
}

/* Phase 6 for one port: link down, VLAN untagged, as steps and in pn->cur. */
static int quiet_port(struct xvs_plan *pl, const char *sw, struct port_now *pn)
{
	const struct cfg_port_key *lk = &cfg_port_keys[cfg_port_key_index("link")];
	const struct cfg_port_key *vk = &cfg_port_keys[cfg_port_key_index("vlan")];
	char a[VAL_LEN];
	struct step *s;

	if (pn->cur.flags & XVS_PORT_LINK_UP) {
		s = add_step(pl, PH_QUIET, ST_PORT_KEY, sw, "set port %s/%s link: up -> down (while "
			     "private VLAN domains change)", sw, pn->cur.name);
		if (!s)
			return -ENOMEM;
		s->pkey = lk;
		s->val = pn->cur;
		s->val.flags &= ~(__u32)XVS_PORT_LINK_UP;
		pn->cur.flags &= ~(__u32)XVS_PORT_LINK_UP;
	}
	vk->format(&pn->cur, a, sizeof(a));
	s = add_step(pl, PH_QUIET, ST_PORT_KEY, sw, "set port %s/%s vlan: %s -> untagged (while "
		     "private VLAN domains change)", sw, pn->cur.name, a);
	if (!s)
		return -ENOMEM;
	s->pkey = vk;
	s->val = pn->cur;
	s->val.mode = XVS_VLAN_UNTAGGED;
	s->val.access_vid = s->val.native_vid = s->val.pvlan_primary = s->val.pvlan_secondary = 0;
	memset(s->val.trunk_vids, 0, sizeof(s->val.trunk_vids));
	pn->cur = s->val;
	return 0;
}

static bool same_fdb(const struct cfg_fdb *a, const struct cfg_fdb *b)
{
	return !memcmp(a->mac, b->mac, 6) && a->vlan == b->vlan && !strcmp(a->port, b->port);
}

static int fdb_step(struct xvs_plan *pl, bool add, const char *sw, const struct cfg_fdb *e)
{
	struct step *s;
	char m[18];

	xvs_format_mac(e->mac, m);
	if (add)
		s = add_step(pl, PH_FDB_ADD, ST_FDB_ADD, sw, "add static MAC %s %s vlan %u -> port %s",
			     sw, m, e->vlan, e->port);
	else
		s = add_step(pl, PH_FDB_DEL, ST_FDB_DEL, sw, "remove static MAC %s %s vlan %u "
			     "(port %s)", sw, m, e->vlan, e->port);
	if (!s)
		return -ENOMEM;
	s->fdb = *e;
	return 0;
}

static int plan_fdb(struct xvs_plan *pl, const struct cfg_switch *w, const struct cfg_switch *h,
		    const struct port_now *now, int n)
{
	const char *name = w->c.name;

	/* Entries of ports that stay (a removed port takes its entries with it). */
	for (int i = 0; h && i < h->nfdb; i++) {
		const struct cfg_fdb *e = &h->fdb[i];
		bool kept = false, replaced = false;

		for (int j = 0; j < n; j++)
			if (!strcmp(now[j].want->p.name, e->port) && !now[j].fresh)
				kept = true;
		for (int j = 0; j < w->nfdb; j++)
			if (!memcmp(w->fdb[j].mac, e->mac, 6) && w->fdb[j].vlan == e->vlan)
				replaced = true; /* the add overwrites it */
		if (kept && !replaced && fdb_step(pl, false, name, e))
			return -ENOMEM;
	}
	for (int i = 0; i < w->nfdb; i++) {
		const struct cfg_fdb *e = &w->fdb[i];
		bool have = false, fresh = false;

		for (int j = 0; h && j < h->nfdb; j++)
			have |= same_fdb(&h->fdb[j], e);
		for (int j = 0; j < n; j++)
			if (!strcmp(now[j].want->p.name, e->port))
				fresh = now[j].fresh;
		if ((!have || fresh) && fdb_step(pl, true, name, e))
			return -ENOMEM;
	}
	return 0;
}

static const char *kind_word(const struct cfg_port *p)
{
	return p->p.kind == XVS_PORT_SYNTHETIC ? "synthetic" : p->p.kind == XVS_PORT_VM ? "dev" :
	       p->p.kind == XVS_PORT_HOST ? "host" : "uplink";
}

/*
 * Why a running port must be removed and added again to match the file: what only adding a
 * port sets (a VM port's netdev; a synthetic port's MAC and queues, which its device and the
 * guest's channel are made with; the kind). Empty: the port stays and only keys change.
 */
static bool readd_reason(const struct cfg_port *h, const struct cfg_port *w, char *buf,
			 size_t len)
{
	char a[18], b[18];
	size_t n = 0;

	buf[0] = '\0';
	if (h->p.kind != w->p.kind) {
		snprintf(buf, len, "%s%s%s -> %s%s%s: a port's kind is set when it is added; its "
			 "counters start over", kind_word(h), h->p.kind == XVS_PORT_VM ? " " : "",
			 h->p.kind == XVS_PORT_VM ? (h->dev[0] ? h->dev : "(gone)") : "",
			 kind_word(w), w->p.kind == XVS_PORT_VM ? " " : "",
			 w->p.kind == XVS_PORT_VM ? w->dev : "");
		return true;
	}
	if (w->p.kind == XVS_PORT_VM && strcmp(w->dev, h->dev)) {
		snprintf(buf, len, "dev %s -> %s: a port's netdev is set when it is added; its "
			 "counters start over", h->dev[0] ? h->dev : "(gone)", w->dev);
		return true;
	}
	if (w->p.kind != XVS_PORT_SYNTHETIC)
		return false;
	if (h->queues != w->queues) {
		if (h->queues)
			n += (size_t)snprintf(buf + n, len - n, "queues %u -> %u", h->queues, w->queues);
		else
			n += (size_t)snprintf(buf + n, len - n, "its port device is gone");
	}
	if (n < len && (((h->p.flags ^ w->p.flags) & XVS_PORT_HAS_MAC) ||
			memcmp(h->p.mac, w->p.mac, 6))) {
		xvs_format_mac(h->p.mac, a);
		xvs_format_mac(w->p.mac, b);
		n += (size_t)snprintf(buf + n, len - n, "%smac %s -> %s", n ? ", " : "",
				      h->p.flags & XVS_PORT_HAS_MAC ? a : "none", b);
	}
	if (n && n < len)
		snprintf(buf + n, len - n, ": a synthetic port's MAC and queues are set when it is "
			 "added; its guest's channel and counters start over");
	return n > 0;
}

/* One wanted switch against its running state (h, NULL if none). */
static int plan_switch(struct xvs_plan *pl, const struct cfg_switch *w, const struct cfg_switch *h)
{
	const char *name = w->c.name;
	struct port_now *now;
	char why[600], desc[VAL_LEN];
	struct step *s;
	int err = 0;

	switch_desc(&w->c, desc, sizeof(desc));
	if (h && recreate_reason(w, h, why, sizeof(why))) {
		if (!add_step(pl, PH_SWITCH_DEL, ST_SWITCH_DEL, name, "remove switch %s to create it "
			      "again (%s: only switch creation sets this; its ports are added again, "
			      "learned MACs and counters start over)", name, why))
			return -ENOMEM;
		h = NULL;
		s = add_step(pl, PH_SWITCH_ADD, ST_SWITCH_ADD, name, "create switch %s again (%s)",
			     name, desc);
	} else if (!h) {
		s = add_step(pl, PH_SWITCH_ADD, ST_SWITCH_ADD, name, "create switch %s (%s)", name,
			     desc);
	} else {
		s = NULL;
		for (int k = 0; k < cfg_nswitch_keys; k++) {
			const struct cfg_switch_key *r = &cfg_switch_keys[k];
			char a[VAL_LEN], b[VAL_LEN];
			struct step *ks;

			if (!r->apply || !r->differs(&h->c, &w->c))
				continue;
			r->format(&h->c, a, sizeof(a));
			r->format(&w->c, b, sizeof(b));
			ks = add_step(pl, PH_SET, ST_SWITCH_KEY, name, "set switch %s %s: %s -> %s",
				      name, r->key, a, b);
			if (!ks)
				return -ENOMEM;
			ks->skey = r;
			ks->want_sw = w;
		}
	}
	if (!h) {
		if (!s)
			return -ENOMEM;
		s->want_sw = w;
	}

	/* Ports that go: not wanted, or wanted with what only adding a port sets changed. */
	for (int i = 0; h && i < h->nports; i++) {
		const struct cfg_port *hp = &h->ports[i], *wp = cfg_find_port(w, hp->p.name);

		if (!wp) {
			s = add_step(pl, PH_PORT_DEL, ST_PORT_DEL, name, "remove port %s/%s (not in %s)",
				     name, hp->p.name, pl->file);
		} else if (readd_reason(hp, wp, why, sizeof(why))) {
			s = add_step(pl, PH_PORT_DEL, ST_PORT_DEL, name, "remove port %s/%s to add it "
				     "again (%s)", name, hp->p.name, why);
		} else {
			continue;
		}
		if (!s)
			return -ENOMEM;
		snprintf(s->port, sizeof(s->port), "%s", hp->p.name);
	}

	now = calloc((size_t)w->nports + 1, sizeof(*now));
	if (!now)
		return -ENOMEM;
	for (int i = 0; i < w->nports; i++) {
		const struct cfg_port *wp = &w->ports[i];
		const struct cfg_port *hp = h ? cfg_find_port(h, wp->p.name) : NULL;

		now[i].want = wp;
		if (hp && !readd_reason(hp, wp, why, sizeof(why))) {
			now[i].cur = hp->p;
			continue;
		}
		now[i].fresh = true;
		now[i].cur = wp->p;
		cfg_port_defaults(&now[i].cur, wp->p.kind);
		if (wp->p.kind != XVS_PORT_VM && wp->p.kind != XVS_PORT_SYNTHETIC)
			continue; /* created with the switch */
		/* xvs_port_add() and xvs_port_add_synthetic() take the MAC. */
		now[i].cur.flags |= wp->p.flags & XVS_PORT_HAS_MAC;
		memcpy(now[i].cur.mac, wp->p.mac, 6);
		desc[0] = '\0';
		if (wp->p.flags & XVS_PORT_HAS_MAC) {
			char m[18];

			xvs_format_mac(wp->p.mac, m);
			snprintf(desc, sizeof(desc), ", mac %s", m);
		}
		if (wp->p.kind == XVS_PORT_SYNTHETIC)
			s = add_step(pl, PH_PORT_ADD, ST_PORT_ADD, name, "add port %s/%s (synthetic%s, "
				     "queues %u)", name, wp->p.name, desc, wp->queues);
		else
			s = add_step(pl, PH_PORT_ADD, ST_PORT_ADD, name, "add port %s/%s (dev %s%s)",
				     name, wp->p.name, wp->dev, desc);
		if (!s) {
			err = -ENOMEM;
			goto out;
		}
		s->want_port = wp;
	}
	if (!vlan_order_safe(now, w->nports)) {
		const struct cfg_port_key *vk = &cfg_port_keys[cfg_port_key_index("vlan")];

		for (int i = 0; i < w->nports && !err; i++)
			if (private_mode(&now[i].cur) && vk->differs(&now[i].cur, &now[i].want->p))
				err = quiet_port(pl, name, &now[i]);
	}
	for (int i = 0; i < w->nports && !err; i++)
		err = plan_port_keys(pl, name, &now[i]);
	if (!err)
		err = plan_fdb(pl, w, h, now, w->nports);
out:
	free(now);
	return err;
}

/* ---- checks against the host ---- */

/* Who holds netdev `dev` in the running state: a port of some switch. */
static const struct cfg_port *running_owner(const struct xvs_cfg *have, const char *dev,
					    const struct cfg_switch **owner_sw)
{
	for (int s = 0; have && s < have->nsw; s++) {
		const struct cfg_switch *sw = &have->sw[s];

		for (int i = 0; i < sw->nports; i++) {
			const struct cfg_port *p = &sw->ports[i];
			const char *pdev = p->p.kind == XVS_PORT_UPLINK ? sw->c.uplink : p->dev;
			char host_dev[IF_NAMESIZE + 4], xvsd_end[16];

			if (p->p.kind == XVS_PORT_HOST) {
				snprintf(host_dev, sizeof(host_dev), "%s-sw", sw->c.name);
				pdev = host_dev;
			}
			if (p->p.kind == XVS_PORT_SYNTHETIC) {
				xvs_synthetic_devs(sw->c.name, p->p.name, host_dev, xvsd_end);
				pdev = host_dev;
			}
			if (!strcmp(pdev, dev)) {
				*owner_sw = sw;
				return p;
			}
		}
	}
	return NULL;
}

static int check_dev(const struct xvs_plan *pl, const struct xvs_cfg *have, const char *dev,
		     int line, const char *user)
{
	const struct cfg_switch *osw = NULL;
	const struct cfg_port *op = running_owner(have, dev, &osw);

	if (!if_nametoindex(dev))
		return xvs_fail(-ENODEV, "%s:%d: %s: netdev %s does not exist", pl->file, line, user,
				dev);
	for (int s = 0; have && s < have->nsw; s++)
		if (cfg_has_host_port(&have->sw[s].c) && !strcmp(have->sw[s].c.name, dev))
			return xvs_fail(-EBUSY, "%s:%d: %s: netdev %s is the host adapter of switch %s",
					pl->file, line, user, dev, dev);
	if (!op)
		return 0;
	if (op->p.kind == XVS_PORT_HOST)
		return xvs_fail(-EBUSY, "%s:%d: %s: netdev %s is the host port of switch %s",
				pl->file, line, user, dev, osw->c.name);
	if (!in_scope(pl, osw->c.name))
		return xvs_fail(-EBUSY, "%s:%d: %s: netdev %s belongs to switch %s, which this apply "
				"does not reconcile (name that switch too)", pl->file, line, user, dev,
				osw->c.name);
	return 0; /* its port goes before this one comes (the file uses each netdev once) */
}

/* A synthetic port to add needs its device names free (unless they are its own, which go
 * before it comes back) and a guest socket path that fits a Unix socket address. */
static int check_synthetic(const struct xvs_plan *pl, const char *sw,
			   const struct cfg_switch *h, const struct cfg_port *p, const char *user)
{
	const struct cfg_port *hp = h ? cfg_find_port(h, p->p.name) : NULL;
	char sw_end[16], xvsd_end[16], path[600];

	xvs_synthetic_path(sw, p->p.name, "sock", path, sizeof(path));
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return xvs_fail(-ENAMETOOLONG, "%s:%d: %s: its guest socket %s is too long for a "
				"Unix socket (a shorter XVS_RUN)", pl->file, p->line, user, path);
	if (hp && hp->p.kind == XVS_PORT_SYNTHETIC)
		return 0;
	xvs_synthetic_devs(sw, p->p.name, sw_end, xvsd_end);
	if (if_nametoindex(sw_end) || if_nametoindex(xvsd_end))
		return xvs_fail(-EEXIST, "%s:%d: %s: netdev %s already exists, and the synthetic "
				"port's device would take that name", pl->file, p->line, user,
				if_nametoindex(sw_end) ? sw_end : xvsd_end);
	return 0;
}

static int check_host(const struct xvs_plan *pl, const struct cfg_switch *w,
		      const struct xvs_cfg *have)
{
	const struct cfg_switch *h = find_in(have, w->c.name);
	char user[64], peer[IF_NAMESIZE + 4];
	int err = 0;

	if (w->c.type == XVS_SWITCH_EXTERNAL) {
		snprintf(user, sizeof(user), "switch %s uplink", w->c.name);
		err = check_dev(pl, have, w->c.uplink,
				w->key_line[cfg_switch_key_index("uplink")], user);
	}
	for (int i = 0; i < w->nports && !err; i++) {
		const struct cfg_port *p = &w->ports[i];

		snprintf(user, sizeof(user), "port %s/%s", w->c.name, p->p.name);
		if (p->p.kind == XVS_PORT_VM)
			err = check_dev(pl, have, p->dev, p->dev_line, user);
		else if (p->p.kind == XVS_PORT_SYNTHETIC)
			err = check_synthetic(pl, w->c.name, h, p, user);
	}
	if (err || !cfg_has_host_port(&w->c))
		return err;
	/* The host adapter is created with the switch: its names must be free, unless they
	 * are this switch's own, which go when it is created again. */
	if (h && cfg_has_host_port(&h->c))
		return 0;
	snprintf(peer, sizeof(peer), "%s-sw", w->c.name);
	if (if_nametoindex(w->c.name) || if_nametoindex(peer))
		return xvs_fail(-EEXIST, "%s:%d: switch %s: netdev %s already exists, and the switch's "
				"host adapter would take that name", pl->file, w->line, w->c.name,
				if_nametoindex(w->c.name) ? w->c.name : peer);
	return 0;
}

/*
 * Adding a synthetic port and turning VMQ on refuse unless xvsd answers, so a plan with such a
 * step checks for xvsd before the first change. At boot xvsd.service is started just before
 * xvs.service and may still be setting up its socket: wait for it, a bounded while.
 */
#define CFG_XVSD_WAIT_SEC 5

static int check_xvsd(const struct xvs_plan *pl)
{
	const struct step *need = NULL;
	const char *why = NULL;
	char path[600];
	int err, line;

	for (int i = 0; i < pl->n && !need; i++) {
		const struct step *s = &pl->steps[i];

		if (s->kind == ST_PORT_ADD && s->want_port->p.kind == XVS_PORT_SYNTHETIC)
			why = "is synthetic";
		else if (s->kind == ST_PORT_KEY && !strcmp(s->pkey->key, "vmq") &&
			 (s->val.flags & XVS_PORT_VMQ))
			why = "has vmq on";
		else
			continue;
		need = s;
	}
	if (!need)
		return 0;
	err = xvs_xvsd_wait(CFG_XVSD_WAIT_SEC * 1000);
	if (!err)
		return 0;
	line = need->kind == ST_PORT_ADD ? need->want_port->line : need->line;
	snprintf(path, sizeof(path), "%s/xvsd.sock", xvs_run_dir());
	if (err == -ENOTCONN)
		return xvs_fail(err, "%s:%d: port %s/%s %s, and xvsd is not running (no answer at %s "
				"for %d s): start xvsd first", pl->file, line, need->sw,
				need->kind == ST_PORT_ADD ? need->want_port->p.name : need->val.name,
				why, path, CFG_XVSD_WAIT_SEC);
	return xvs_fail(err, "%s:%d: port %s/%s %s, and xvsd does not answer: %.300s", pl->file,
			line, need->sw,
			need->kind == ST_PORT_ADD ? need->want_port->p.name : need->val.name, why,
			xvs_errmsg());
}

/* ---- the plan ---- */

static int cmp_step(const void *a, const void *b)
{
	const struct step *x = a, *y = b;

	if (x->phase != y->phase)
		return (int)x->phase - (int)y->phase;
	return x->seq - y->seq;
}

void xvs_plan_free(struct xvs_plan *pl)
{
	if (!pl)
		return;
	for (int i = 0; i < pl->n; i++)
		free(pl->steps[i].text);
	free(pl->steps);
	free(pl->scope);
	free(pl);
}

int xvs_cfg_plan(const struct xvs_cfg *want, const struct xvs_cfg *have,
		 const struct xvs_plan_opts *o, struct xvs_plan **out)
{
	struct xvs_plan *pl = calloc(1, sizeof(*pl));
	int err = 0;

	*out = NULL;
	if (!pl)
		return xvs_fail(-ENOMEM, "out of memory");
	pl->have = have;
	pl->file = want->file;
	pl->all = !o->nscope;
	if (o->nscope) {
		pl->scope = calloc((size_t)o->nscope, sizeof(*pl->scope));
		if (!pl->scope) {
			err = -ENOMEM;
			goto out;
		}
		for (int i = 0; i < o->nscope; i++)
			snprintf(pl->scope[i], XVS_NAME_LEN, "%s", o->scope[i]);
		pl->nscope = o->nscope;
	}
	for (int i = 0; o->check_host && !err && i < want->nsw; i++)
		if (in_scope(pl, want->sw[i].c.name))
			err = check_host(pl, &want->sw[i], have);
	if (err)
		goto out;
	/* Running switches that are not wanted. */
	for (int i = 0; have && i < have->nsw && !err; i++) {
		const char *name = have->sw[i].c.name;
		struct step *s;

		if (!in_scope(pl, name) || cfg_find_switch(want, name))
			continue;
		s = add_step(pl, PH_SWITCH_DEL, ST_SWITCH_DEL, name, "remove switch %s (not in %s%s)",
			     name, want->file, pl->all ? "; without SWITCH names, apply reconciles "
			     "every switch of this host" : "");
		if (!s)
			err = -ENOMEM;
	}
	for (int i = 0; i < want->nsw && !err; i++)
		if (in_scope(pl, want->sw[i].c.name))
			err = plan_switch(pl, &want->sw[i], find_in(have, want->sw[i].c.name));
	if (err == -ENOMEM)
		xvs_fail(err, "out of memory");
	if (!err && pl->n > 1)
		qsort(pl->steps, (size_t)pl->n, sizeof(*pl->steps), cmp_step);
	if (!err && o->check_host)
		err = check_xvsd(pl);
out:
	if (err) {
		xvs_plan_free(pl);
		return err;
	}
	*out = pl;
	return 0;
}

int xvs_plan_len(const struct xvs_plan *pl)
{
	return pl->n;
}

const char *xvs_plan_step_text(const struct xvs_plan *pl, int i)
{
	return i >= 0 && i < pl->n ? pl->steps[i].text : NULL;
}

/* ---- executing ---- */

static int run_step(const struct step *s, char *warning, size_t wlen)
{
	struct xvs_switch_opts o = {};
	struct xvs_switch *sw = NULL;
	const struct xvs_config *c;
	int err;

	warning[0] = '\0';
	switch (s->kind) {
	case ST_SWITCH_DEL:
		return xvs_switch_destroy(s->sw);
	case ST_SWITCH_ADD:
		c = &s->want_sw->c;
		o.name = c->name;
		o.type = (enum xvs_switch_type)c->type;
		o.uplink = c->type == XVS_SWITCH_EXTERNAL ? c->uplink : NULL;
		o.no_management_os = c->type == XVS_SWITCH_EXTERNAL &&
				     (c->flags & XVS_SWITCH_NO_MGMT_OS);
		o.fdb_max = c->fdb_max;
		o.aging_sec = c->aging_sec;
		o.datapath = c->flags & XVS_SWITCH_TC ? XVS_DATAPATH_TC : XVS_DATAPATH_XDP;
		return xvs_switch_create(&o);
	default:
		break;
	}
	err = xvs_switch_open(s->sw, &sw);
	if (err)
		return err;
	switch (s->kind) {
	case ST_PORT_DEL:
		err = xvs_port_del(sw, s->port);
		break;
	case ST_PORT_ADD:
		if (s->want_port->p.kind == XVS_PORT_SYNTHETIC) {
			/* An undo may put back a port whose device was gone: one queue then. */
			err = xvs_port_add_synthetic(sw, s->want_port->p.name, s->want_port->p.mac,
						     s->want_port->queues ?: 1, 0);
			break;
		}
		err = xvs_port_add(sw, s->want_port->p.name, s->want_port->dev,
				   s->want_port->p.flags & XVS_PORT_HAS_MAC ? s->want_port->p.mac : NULL,
				   XVS_PORT_VM);
		if (!err && xvs_warning())
			snprintf(warning, wlen, "%s", xvs_warning());
		break;
	case ST_SWITCH_KEY:
		err = s->skey->apply(sw, &s->want_sw->c);
		break;
	case ST_PORT_KEY:
		err = s->pkey->apply(sw, &s->val);
		break;
	case ST_FDB_ADD:
		err = xvs_fdb_add_static(sw, s->fdb.mac, s->fdb.vlan, s->fdb.port);
		break;
	case ST_FDB_DEL:
		err = xvs_fdb_del_static(sw, s->fdb.mac, s->fdb.vlan);
		break;
	default:
		err = xvs_fail(-EINVAL, "unknown step");
	}
	xvs_switch_close(sw);
	return err;
}

/* Go back to the snapshot: plan it against what runs now, run what can be run. Returns the
 * number of undo steps that failed (-1: the undo could not even be planned). */
static int undo(const struct xvs_plan *pl, xvs_plan_report_fn report, void *ctx, char *first,
		size_t flen)
{
	struct xvs_plan_opts o = { .nscope = pl->all ? 0 : pl->nscope };
	const char **scope = calloc((size_t)pl->nscope + 1, sizeof(*scope));
	struct xvs_cfg *now = NULL;
	struct xvs_plan *back = NULL;
	int failed = 0;

	if (!scope)
		return -1;
	for (int i = 0; i < pl->nscope; i++)
		scope[i] = pl->scope[i];
	o.scope = scope;
	if (xvs_cfg_running(&now) || xvs_cfg_plan(pl->have, now, &o, &back)) {
		snprintf(first, flen, "%s", xvs_errmsg());
		free(scope);
		xvs_cfg_free(now);
		return -1;
	}
	for (int i = 0; i < back->n; i++) {
		char warning[512], line[1400];

		if (run_step(&back->steps[i], warning, sizeof(warning))) {
			if (!failed++)
				snprintf(first, flen, "%s: %s", back->steps[i].text, xvs_errmsg());
			snprintf(line, sizeof(line), "undo failed: %s: %s", back->steps[i].text,
				 xvs_errmsg());
		} else {
			snprintf(line, sizeof(line), "undone: %s", back->steps[i].text);
		}
		report(ctx, line, XVS_REPORT_UNDO);
	}
	xvs_plan_free(back);
	xvs_cfg_free(now);
	free(scope);
	return failed;
}

int xvs_plan_execute(const struct xvs_plan *pl, xvs_plan_report_fn report, void *ctx)
{
	char warning[512], failed_step[1200], msg[600], first[700];
	int err = 0, failed, i;

	for (i = 0; i < pl->n; i++) {
		err = run_step(&pl->steps[i], warning, sizeof(warning));
		if (err) {
			snprintf(failed_step, sizeof(failed_step), "%s", pl->steps[i].text);
			snprintf(msg, sizeof(msg), "%s", xvs_errmsg());
			break;
		}
		report(ctx, pl->steps[i].text, XVS_REPORT_DONE);
		if (warning[0])
			report(ctx, warning, XVS_REPORT_WARNING);
	}
	if (!err)
		return 0;
	if (i == 0)
		return xvs_fail(err, "%.300s: %.300s; nothing was changed", failed_step, msg);
	first[0] = '\0';
	failed = undo(pl, report, ctx, first, sizeof(first));
	if (failed == 0)
		return xvs_fail(err, "%.300s: %.300s; the changes made before it were undone",
				failed_step, msg);
	if (failed < 0)
		return xvs_fail(err, "%.300s: %.300s; cannot undo the changes made before it: %.300s",
				failed_step, msg, first);
	return xvs_fail(err, "%.300s: %.300s; undo incomplete, %d step(s) failed, first: %.300s",
			failed_step, msg, failed, first);
}
