// SPDX-License-Identifier: MIT
/* Ports: the port table entry, the output entry (XDP), the port-id list and the attachment
 * (loader/attach.c) of each port. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "attach.h"
#include "libxvs.h"
#include "netdev.h"

static int cmp_port_id(const void *a, const void *b)
{
	const struct xvs_port *x = a, *y = b;

	return (int)x->id - (int)y->id;
}

int xvs_port_list(struct xvs_switch *sw, struct xvs_port **ports, int *count)
{
	struct xvs_port *v = calloc(XVS_MAX_PORTS, sizeof(*v));
	__u32 key, next, *prev = NULL;
	int n = 0;

	*ports = NULL;
	*count = 0;
	if (!v)
		return xvs_fail(-ENOMEM, "out of memory");
	while (n < XVS_MAX_PORTS && bpf_map_get_next_key(sw->ports_fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(sw->ports_fd, &next, &v[n]) == 0)
			n++;
		key = next;
		prev = &key;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_port_id);
	*ports = v;
	*count = n;
	return 0;
}

int xvs_port_get(struct xvs_switch *sw, const char *port, struct xvs_port *out)
{
	struct xvs_port *v;
	int n, err;

	err = xvs_port_list(sw, &v, &n);
	if (err)
		return err;
	for (int i = 0; i < n; i++) {
		if (!strncmp(v[i].name, port, XVS_NAME_LEN)) {
			*out = v[i];
			free(v);
			return 0;
		}
	}
	free(v);
	return xvs_fail(-ENOENT, "switch %s has no port '%s'", sw->name, port);
}

int xvs_ifindex_owner(int ifindex, char owner[XVS_NAME_LEN])
{
	char (*names)[XVS_NAME_LEN];
	int n, found = 0;
	__u32 key = (__u32)ifindex;

	if (xvs_switch_list(&names, &n))
		return 0;
	for (int i = 0; i < n && !found; i++) {
		struct xvs_switch *sw;
		struct xvs_port p;

		if (xvs_switch_open(names[i], &sw))
			continue;
		if (bpf_map_lookup_elem(sw->ports_fd, &key, &p) == 0) {
			snprintf(owner, XVS_NAME_LEN, "%s", names[i]);
			found = 1;
		}
		xvs_switch_close(sw);
	}
	free(names);
	return found;
}

static int alloc_port_id(struct xvs_switch *sw, __u16 *id)
{
	bool used[XVS_MAX_PORTS] = { true }; /* id 0 is never used */
	struct xvs_port *v;
	int n, err;

	err = xvs_port_list(sw, &v, &n);
	if (err)
		return err;
	for (int i = 0; i < n; i++)
		if (v[i].id < XVS_MAX_PORTS)
			used[v[i].id] = true;
	free(v);
	for (__u16 i = 1; i < XVS_MAX_PORTS; i++) {
		if (!used[i]) {
			*id = i;
			return 0;
		}
	}
	return xvs_fail(-ENOSPC, "switch %s has no free port (max %d)", sw->name,
			XVS_MAX_PORTS - 1);
}

static int write_port(struct xvs_switch *sw, const struct xvs_port *p, __u64 flags)
{
	if (bpf_map_update_elem(sw->ports_fd, &p->ifindex, p, flags))
		return xvs_fail(-errno, "cannot write port %s: %s", p->name, strerror(errno));
	return 0;
}

int xvs_port_write(struct xvs_switch *sw, const struct xvs_port *p)
{
	return write_port(sw, p, BPF_EXIST);
}

/* xvs_port_ids (bpf/lib/maps.h): id -> ifindex of every port, and in slot 0 the highest id in
 * use. An id is listed before its port is attached and unlisted after it is detached. */
static int list_port_id(struct xvs_switch *sw, __u16 id, __u32 ifindex)
{
	__u32 key = id, zero = 0, last = 0;
	struct xvs_port *v;
	int n, err;

	if (bpf_map_update_elem(sw->port_ids_fd, &key, &ifindex, 0))
		return xvs_fail(-errno, "cannot write the port list: %s", strerror(errno));
	err = xvs_port_list(sw, &v, &n);
	if (err)
		return err;
	for (int i = 0; i < n; i++)
		if (v[i].id > last)
			last = v[i].id;
	free(v);
	if (ifindex && id > last)
		last = id;
	if (bpf_map_update_elem(sw->port_ids_fd, &zero, &last, 0))
		return xvs_fail(-errno, "cannot write the port list: %s", strerror(errno));
	return 0;
}

static void set_all_vids(__u64 *vids)
{
	memset(vids, 0, XVS_VLAN_WORDS * sizeof(__u64));
	for (unsigned v = 1; v <= XVS_VID_MAX; v++)
		vids[v / 64] |= 1ULL << (v % 64);
}

int xvs_port_add(struct xvs_switch *sw, const char *port, const char *ifname, const __u8 *mac,
		 enum xvs_port_kind kind)
{
	struct bpf_devmap_val tx = {};
	char owner[XVS_NAME_LEN];
	struct xvs_port p = {}, existing;
	int ifindex, err;
	__u16 id = 0;

	xvs_warn(NULL);
	if (!xvs_valid_name(port, XVS_NAME_LEN - 1))
		return xvs_fail(-EINVAL, "invalid port name '%s': 1-15 letters, digits, '-' or '_'",
				port);
	if (xvs_port_get(sw, port, &existing) == 0)
		return xvs_fail(-EEXIST, "switch %s already has a port '%s'", sw->name, port);
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		return xvs_fail(-ENODEV, "netdev %s does not exist", ifname);
	if (xvs_ifindex_owner(ifindex, owner) == 1)
		return xvs_fail(-EBUSY, "netdev %s already belongs to switch %s", ifname, owner);
	if (mac && (mac[0] & 1))
		return xvs_fail(-EINVAL, "a port MAC must be unicast");
	err = alloc_port_id(sw, &id);
	if (err)
		return err;

	p.ifindex = (__u32)ifindex;
	p.id = id;
	p.kind = (__u8)kind;
	p.flags = XVS_PORT_LINK_UP;
	if (mac) {
		memcpy(p.mac, mac, 6);
		p.flags |= XVS_PORT_HAS_MAC;
	}
	if (kind == XVS_PORT_UPLINK) {
		p.mode = XVS_VLAN_TRUNK;
		set_all_vids(p.trunk_vids);
	}
	snprintf(p.name, sizeof(p.name), "%s", port);

	/* Order: counters, port entry, output entry, port list, and only then the attachment, so
	 * the first frame finds a complete port. Undo in reverse on failure. */
	err = xvs_stats_reset(sw, id);
	if (!err)
		err = xvs_qos_reset(sw, id);
	if (err)
		return err;
	err = write_port(sw, &p, BPF_NOEXIST);
	if (err)
		return err;
	if (sw->datapath == XVS_DATAPATH_XDP) {
		tx.ifindex = (__u32)ifindex;
		tx.bpf_prog.fd = sw->egress_fd;
		if (bpf_map_update_elem(sw->tx_fd, &p.ifindex, &tx, 0)) {
			err = xvs_fail(-errno, "cannot add %s to the output map: %s", ifname,
				       strerror(errno));
			goto undo_maps;
		}
	}
	err = list_port_id(sw, id, p.ifindex);
	if (!err)
		err = xvs_attach_port(sw, port, ifindex, ifname, kind == XVS_PORT_UPLINK);
	if (err)
		goto undo_maps;
	/* XDP frames redirected into a veth reach its far end only if that end runs NAPI. */
	if (kind != XVS_PORT_HOST && sw->datapath == XVS_DATAPATH_XDP) {
		bool is_veth;

		if (xvs_netdev_prepare_peer(ifindex, &is_veth) && is_veth)
			xvs_warn("could not turn GRO on at the far end of veth %s: frames to it "
				 "will be dropped until it has GRO on or an XDP program", ifname);
	}
	return 0;

undo_maps:
	bpf_map_delete_elem(sw->tx_fd, &p.ifindex);
	bpf_map_delete_elem(sw->ports_fd, &p.ifindex);
	list_port_id(sw, id, 0);
	return err;
}

int xvs_port_del(struct xvs_switch *sw, const char *port)
{
	struct xvs_port p;
	int err;

	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	/* Detach first, so frames stop entering through this port before it is dismantled. */
	err = xvs_detach_port(sw, port, (int)p.ifindex, p.kind == XVS_PORT_UPLINK);
	if (err)
		return err;
	bpf_map_delete_elem(sw->tx_fd, &p.ifindex);
	bpf_map_delete_elem(sw->ports_fd, &p.ifindex);
	list_port_id(sw, p.id, 0);
	xvs_fdb_forget_port(sw, p.ifindex);
	xvs_acl_forget_port(sw, p.id);
	if (p.kind == XVS_PORT_SYNTHETIC)
		xvs_synthetic_forget(sw, &p);
	/* State derived from all ports: the port is gone, derive it again. */
	err = 0;
	if (xvs_vlan_mode_is_private(p.mode))
		err = xvs_pvlan_apply(sw, NULL, false);
	if (p.mirror != XVS_MIRROR_NONE)
		err = xvs_mirror_sync(sw) ?: err;
	return err;
}

/* Read-modify-write of one port; flush its learned MACs when `flush` (a physical switch
 * forgets what it learned on a port whose VLANs or link change). */
static int update_port(struct xvs_switch *sw, const struct xvs_port *p, bool flush)
{
	int err = write_port(sw, p, BPF_EXIST);

	if (!err && flush)
		xvs_fdb_flush_port(sw, p->ifindex);
	return err;
}

/* A VLAN mode change: the private VLAN map may change with it (loader/pvlan.c). Entries the
 * new mode needs go in first, the port next, entries nothing needs any more last; if the port
 * cannot be written, the map is put back as the stored ports need it. */
static int set_vlan(struct xvs_switch *sw, struct xvs_port *p)
{
	int err;

	if (!xvs_vlan_mode_is_private(p->mode)) {
		p->pvlan_primary = 0;
		p->pvlan_secondary = 0;
	}
	err = xvs_pvlan_apply(sw, p, true);
	if (err)
		return err;
	err = update_port(sw, p, true);
	if (err) {
		xvs_pvlan_apply(sw, NULL, false);
		return err;
	}
	err = xvs_pvlan_apply(sw, p, false);
	/* A mirrored source's VLANs decide which floods are copied. */
	if (!err && p->mirror == XVS_MIRROR_SOURCE)
		err = xvs_mirror_sync(sw);
	return err;
}

int xvs_port_set_untagged(struct xvs_switch *sw, const char *port)
{
	struct xvs_port p;
	int err = xvs_port_get(sw, port, &p);

	if (err)
		return err;
	p.mode = XVS_VLAN_UNTAGGED;
	p.access_vid = 0;
	p.native_vid = 0;
	memset(p.trunk_vids, 0, sizeof(p.trunk_vids));
	return set_vlan(sw, &p);
}

int xvs_port_set_access(struct xvs_switch *sw, const char *port, __u16 vid)
{
	struct xvs_port p;
	int err;

	if (vid < 1 || vid > XVS_VID_MAX)
		return xvs_fail(-EINVAL, "invalid VLAN id %u: must be 1-4094", vid);
	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	p.mode = XVS_VLAN_ACCESS;
	p.access_vid = vid;
	p.native_vid = 0;
	memset(p.trunk_vids, 0, sizeof(p.trunk_vids));
	return set_vlan(sw, &p);
}

int xvs_port_set_trunk(struct xvs_switch *sw, const char *port, const __u64 *vids, __u16 native)
{
	struct xvs_port p;
	int err;

	if (native > XVS_VID_MAX)
		return xvs_fail(-EINVAL, "invalid native VLAN %u: must be 0-4094", native);
	if (vids[0] & 1 || vids[XVS_VLAN_WORDS - 1] >> 63) /* VID 0 or 4095 */
		return xvs_fail(-EINVAL, "VLAN list may hold only VIDs 1-4094");
	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	p.mode = XVS_VLAN_TRUNK;
	p.access_vid = 0;
	p.native_vid = native;
	memcpy(p.trunk_vids, vids, sizeof(p.trunk_vids));
	return set_vlan(sw, &p);
}

static bool vid_listed(const __u64 *vids, unsigned v)
{
	return (vids[v / 64] >> (v % 64)) & 1;
}

int xvs_port_set_pvlan(struct xvs_switch *sw, const char *port, enum xvs_vlan_mode mode,
		       __u16 primary, __u16 secondary, const __u64 *secondaries)
{
	struct xvs_port p;
	bool any = false;
	int err;

	if (!xvs_vlan_mode_is_private((__u8)mode))
		return xvs_fail(-EINVAL, "not a private VLAN mode");
	if (primary < 1 || primary > XVS_VID_MAX)
		return xvs_fail(-EINVAL, "invalid primary VLAN %u: must be 1-4094", primary);
	if (mode == XVS_VLAN_PROMISCUOUS) {
		if (vid_listed(secondaries, 0) || vid_listed(secondaries, XVS_VID_RESERVED))
			return xvs_fail(-EINVAL, "VLAN list may hold only VIDs 1-4094");
		if (vid_listed(secondaries, primary))
			return xvs_fail(-EINVAL, "primary VLAN %u cannot also be a secondary", primary);
		for (unsigned v = 1; v <= XVS_VID_MAX && !any; v++)
			any = vid_listed(secondaries, v);
		if (!any)
			return xvs_fail(-EINVAL, "a promiscuous port needs at least one secondary VLAN");
	} else {
		if (secondary < 1 || secondary > XVS_VID_MAX)
			return xvs_fail(-EINVAL, "invalid secondary VLAN %u: must be 1-4094", secondary);
		if (secondary == primary)
			return xvs_fail(-EINVAL, "the secondary VLAN must differ from the primary (%u)",
					primary);
	}
	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	p.mode = (__u8)mode;
	p.access_vid = 0;
	p.native_vid = 0;
	p.pvlan_primary = primary;
	p.pvlan_secondary = mode == XVS_VLAN_PROMISCUOUS ? 0 : secondary;
	if (mode == XVS_VLAN_PROMISCUOUS)
		memcpy(p.trunk_vids, secondaries, sizeof(p.trunk_vids));
	else
		memset(p.trunk_vids, 0, sizeof(p.trunk_vids));
	return set_vlan(sw, &p);
}

int xvs_port_set_link(struct xvs_switch *sw, const char *port, bool up)
{
	struct xvs_port p;
	int err = xvs_port_get(sw, port, &p);

	if (err)
		return err;
	if (up)
		p.flags |= XVS_PORT_LINK_UP;
	else
		p.flags &= ~(__u32)XVS_PORT_LINK_UP;
	return update_port(sw, &p, !up);
}

int xvs_port_set_mac_limit(struct xvs_switch *sw, const char *port, __u32 limit)
{
	struct xvs_port p;
	int err = xvs_port_get(sw, port, &p);

	if (err)
		return err;
	p.mac_limit = limit;
	return update_port(sw, &p, false);
}

int xvs_port_set_mac_spoofing(struct xvs_switch *sw, const char *port, bool allow)
{
	struct xvs_port p;
	int err = xvs_port_get(sw, port, &p);

	if (err)
		return err;
	if (allow)
		p.flags |= XVS_PORT_ALLOW_SPOOF;
	else
		p.flags &= ~(__u32)XVS_PORT_ALLOW_SPOOF;
	return update_port(sw, &p, !allow);
}

int xvs_port_set_mac(struct xvs_switch *sw, const char *port, const __u8 *mac)
{
	struct xvs_port p;
	int err;

	if (mac && (mac[0] & 1))
		return xvs_fail(-EINVAL, "a port MAC must be unicast");
	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	if (mac) {
		memcpy(p.mac, mac, 6);
		p.flags |= XVS_PORT_HAS_MAC;
	} else {
		memset(p.mac, 0, 6);
		p.flags &= ~(__u32)XVS_PORT_HAS_MAC;
	}
	/* What was learned under the old MAC rule may not hold under the new one. */
	return update_port(sw, &p, true);
}
