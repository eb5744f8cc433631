// SPDX-License-Identifier: MIT
/*
 * The running state of this host's switches in the model of loader/config.h: what `xvs save`
 * prints and what `xvs apply` compares a file with, synthetic ports included (their queue
 * count is their device's). Learned MACs, counters and derived state (capture, mirror
 * bookkeeping) are not configuration and are left out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "netdev.h"

/*
 * A synthetic port's queue pairs: `xvs port add --synthetic --queues N` made its device (the
 * switch end, the port's netdev) with N rx queues, and xvs never changes them afterwards;
 * xvsd reads them the same way to decide how many queues it serves. 0 if the device is gone.
 */
static unsigned synthetic_queues(const struct xvs_port *p)
{
	char dev[IF_NAMESIZE], msg[512];
	unsigned nq = 0;

	if (!if_indextoname(p->ifindex, dev))
		return 0;
	snprintf(msg, sizeof(msg), "%s", xvs_errmsg());
	if (xvs_netdev_rx_queues(dev, &nq))
		nq = 0;
	xvs_fail(0, "%s", msg); /* an unreadable device is a port to add again, not an error */
	return nq > XVS_SYNTHETIC_QUEUES_MAX ? XVS_SYNTHETIC_QUEUES_MAX : nq;
}

/* A synthetic port's MTU: its device's (both ends, as `xvs port set ... mtu` sets them). */
static __u16 synthetic_mtu(const struct xvs_switch *h, const struct xvs_port *p)
{
	char msg[512];
	unsigned mtu = 0;

	snprintf(msg, sizeof(msg), "%s", xvs_errmsg());
	if (xvs_port_mtu(h, p, &mtu))
		mtu = 0;
	xvs_fail(0, "%s", msg);
	return (__u16)(mtu > 0xffff ? 0xffff : mtu);
}

static int read_switch(struct xvs_switch *h, struct cfg_switch *sw)
{
	struct xvs_fdb_row *rows = NULL;
	struct xvs_port *ports = NULL;
	int np = 0, nr = 0, err;

	err = xvs_switch_config(h, &sw->c);
	if (!err)
		err = xvs_port_list(h, &ports, &np);
	if (!err)
		err = xvs_fdb_dump(h, &rows, &nr);
	if (err)
		goto out;
	snprintf(sw->c.name, sizeof(sw->c.name), "%s", h->name);
	/* The flavour as the switch runs it (its programs' type), whatever the map says. */
	sw->c.flags = h->datapath == XVS_DATAPATH_TC ? sw->c.flags | XVS_SWITCH_TC :
						       sw->c.flags & ~(__u32)XVS_SWITCH_TC;
	for (int i = 0; i < np; i++) {
		struct cfg_port *p;

		p = cfg_grow((void **)&sw->ports, &sw->nports, sizeof(*p));
		if (!p)
			goto oom;
		p->p = ports[i];
		/* The host and uplink ports' netdevs are implied by the switch. A VM port whose
		 * netdev is gone keeps an empty dev: a file can only name one that exists. */
		if (p->p.kind == XVS_PORT_VM && !if_indextoname(p->p.ifindex, p->dev))
			p->dev[0] = '\0';
		p->p.mtu = 0;
		if (p->p.kind == XVS_PORT_SYNTHETIC) {
			p->queues = synthetic_queues(&p->p);
			p->p.mtu = synthetic_mtu(h, &p->p);
		}
	}
	for (int i = 0; i < nr; i++) {
		const struct xvs_fdb_row *r = &rows[i];
		struct cfg_fdb *e;
		int owner = -1;

		if (!(r->entry.flags & XVS_FDB_STATIC))
			continue;
		for (int j = 0; j < np; j++)
			if (ports[j].ifindex == r->entry.ifindex)
				owner = j;
		if (owner < 0)
			continue; /* its port is being removed */
		e = cfg_grow((void **)&sw->fdb, &sw->nfdb, sizeof(*e));
		if (!e)
			goto oom;
		memcpy(e->mac, r->key.mac, 6);
		e->vlan = r->key.vlan;
		memcpy(e->port, ports[owner].name, sizeof(e->port));
	}
	goto out;
oom:
	err = xvs_fail(-ENOMEM, "out of memory");
out:
	free(ports);
	free(rows);
	return err;
}

/* Static entries in a stable order (the map's is a hash order), so that save is repeatable. */
static int cmp_fdb(const void *a, const void *b)
{
	const struct cfg_fdb *x = a, *y = b;
	int c = strcmp(x->port, y->port);

	if (c)
		return c;
	if (x->vlan != y->vlan)
		return (int)x->vlan - (int)y->vlan;
	return memcmp(x->mac, y->mac, 6);
}

int xvs_cfg_running(struct xvs_cfg **out)
{
	char (*names)[XVS_NAME_LEN] = NULL;
	struct xvs_cfg *cfg;
	int n = 0, err;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return xvs_fail(-ENOMEM, "out of memory");
	snprintf(cfg->file, sizeof(cfg->file), "the running state");
	err = xvs_switch_list(&names, &n);
	for (int i = 0; i < n && !err; i++) {
		struct cfg_switch *sw = cfg_grow((void **)&cfg->sw, &cfg->nsw, sizeof(*sw));
		struct xvs_switch *h;

		if (!sw) {
			err = xvs_fail(-ENOMEM, "out of memory");
			break;
		}
		err = xvs_switch_open(names[i], &h);
		if (err)
			break;
		err = read_switch(h, sw);
		xvs_switch_close(h);
		if (!err && sw->nfdb > 1)
			qsort(sw->fdb, (size_t)sw->nfdb, sizeof(*sw->fdb), cmp_fdb);
	}
	free(names);
	if (err) {
		xvs_cfg_free(cfg);
		return err;
	}
	*out = cfg;
	return 0;
}
