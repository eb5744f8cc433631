// SPDX-License-Identifier: MIT
/* FDB dump, static entries and flushes. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "libxvs.h"

int xvs_fdb_dump(struct xvs_switch *sw, struct xvs_fdb_row **rows, int *count)
{
	struct xvs_fdb_key key, next, *prev = NULL;
	struct xvs_fdb_row *v = NULL;
	int n = 0, cap = 0;

	*rows = NULL;
	*count = 0;
	while (bpf_map_get_next_key(sw->fdb_fd, prev, &next) == 0) {
		if (n == cap) {
			void *nv = realloc(v, (size_t)(cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!nv) {
				free(v);
				return xvs_fail(-ENOMEM, "out of memory");
			}
			v = nv;
		}
		if (bpf_map_lookup_elem(sw->fdb_fd, &next, &v[n].entry) == 0) {
			v[n].key = next;
			n++;
		}
		key = next;
		prev = &key;
	}
	*rows = v;
	*count = n;
	return 0;
}

static void release_count(struct xvs_switch *sw, const struct xvs_fdb_entry *e)
{
	__u32 id = e->port_id, count;

	if (e->flags & XVS_FDB_STATIC)
		return;
	if (bpf_map_lookup_elem(sw->fdb_count_fd, &id, &count) == 0 && count > 0) {
		count--;
		bpf_map_update_elem(sw->fdb_count_fd, &id, &count, 0);
	}
}

/*
 * Tell the dataplane's learn memo (bpf/lib/fdb.h) that entries changed behind its back: after
 * every delete or write of FDB entries, never before (a memo filled in between must see a
 * new value). Read, increment, write: racing with the dataplane's own increments can lose one
 * of them, but never writes back a value the memo could hold from before.
 */
static void fdb_gen_bump(struct xvs_switch *sw)
{
	struct xvs_fdb_gen g = {};
	__u32 zero = 0;

	if (sw->fdb_gen_fd < 0)
		return;
	bpf_map_lookup_elem(sw->fdb_gen_fd, &zero, &g);
	g.admin++;
	bpf_map_update_elem(sw->fdb_gen_fd, &zero, &g, BPF_ANY);
}

int xvs_fdb_add_static(struct xvs_switch *sw, const __u8 *mac, __u16 vlan, const char *port)
{
	struct xvs_fdb_entry e = {}, old;
	struct xvs_fdb_key key = {};
	struct xvs_port p;
	int err;

	if (mac[0] & 1)
		return xvs_fail(-EINVAL, "a static FDB entry needs a unicast MAC");
	if (vlan > XVS_VID_MAX)
		return xvs_fail(-EINVAL, "invalid VLAN id %u: must be 1-4094", vlan);
	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	memcpy(key.mac, mac, 6);
	/* A private VLAN secondary shares its primary's table (shared VLAN learning). */
	key.vlan = xvs_pvlan_learning_vlan(sw, vlan);
	e.ifindex = p.ifindex;
	e.port_id = p.id;
	e.flags = XVS_FDB_STATIC;
	if (bpf_map_lookup_elem(sw->fdb_fd, &key, &old) == 0)
		release_count(sw, &old);
	if (bpf_map_update_elem(sw->fdb_fd, &key, &e, 0))
		return xvs_fail(-errno, "cannot add the FDB entry: %s%s", strerror(errno),
				errno == E2BIG ? " (FDB full)" : "");
	fdb_gen_bump(sw);
	return 0;
}

int xvs_fdb_del_static(struct xvs_switch *sw, const __u8 *mac, __u16 vlan)
{
	struct xvs_fdb_key key = {};
	struct xvs_fdb_entry e;
	char m[18];

	memcpy(key.mac, mac, 6);
	key.vlan = xvs_pvlan_learning_vlan(sw, vlan);
	xvs_format_mac(mac, m);
	if (bpf_map_lookup_elem(sw->fdb_fd, &key, &e) || !(e.flags & XVS_FDB_STATIC))
		return xvs_fail(-ENOENT, "no static FDB entry %s in VLAN %u", m, key.vlan);
	if (bpf_map_delete_elem(sw->fdb_fd, &key))
		return xvs_fail(-errno, "cannot delete the FDB entry %s: %s", m, strerror(errno));
	fdb_gen_bump(sw);
	return 0;
}

/* Delete entries of one port (ifindex != 0) or of all ports; static ones only if asked. */
static int flush_matching(struct xvs_switch *sw, __u32 ifindex, bool with_static)
{
	struct xvs_fdb_row *rows;
	int n, err;

	err = xvs_fdb_dump(sw, &rows, &n);
	if (err)
		return err;
	for (int i = 0; i < n; i++) {
		const struct xvs_fdb_entry *e = &rows[i].entry;

		if ((ifindex && e->ifindex != ifindex) ||
		    (!with_static && (e->flags & XVS_FDB_STATIC)))
			continue;
		if (bpf_map_delete_elem(sw->fdb_fd, &rows[i].key) == 0)
			release_count(sw, e);
	}
	free(rows);
	fdb_gen_bump(sw);
	return 0;
}

int xvs_fdb_flush(struct xvs_switch *sw)
{
	return flush_matching(sw, 0, false);
}

int xvs_fdb_flush_port(struct xvs_switch *sw, __u32 ifindex)
{
	return flush_matching(sw, ifindex, false);
}

int xvs_fdb_forget_port(struct xvs_switch *sw, __u32 ifindex)
{
	return flush_matching(sw, ifindex, true);
}

__u32 xvs_fdb_learned_count(struct xvs_switch *sw, __u16 port_id)
{
	__u32 id = port_id, count = 0;

	bpf_map_lookup_elem(sw->fdb_count_fd, &id, &count);
	return count;
}
