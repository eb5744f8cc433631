// SPDX-License-Identifier: MIT
/*
 * Port mirroring (bpf/lib/mirror.h): the per-port role and the state the fast path reads.
 *
 * The dataplane must decide cheaply whether a frame needs mirror copies, so it reads two
 * things derived here from all ports: XVS_PORT_MIRRORED on source ports (only while the switch
 * has at least one destination — otherwise there is nothing to copy to), and xvs_mirror_vlan,
 * per VLAN the number of mirrored sources that are members of it. xvs_mirror_sync() recomputes
 * both after any change that can affect them (a role, a VLAN mode, a port added or removed).
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "libxvs.h"

#define NVID (XVS_VID_RESERVED + 1)

static bool vid_in(const __u64 *vids, unsigned v)
{
	return (vids[v / 64] >> (v % 64)) & 1;
}

/* The VLANs whose frames port p sends: the same rules as xvs_port_is_member(). */
static void add_membership(const struct xvs_port *p, __u32 *count)
{
	switch (p->mode) {
	case XVS_VLAN_ACCESS:
		count[p->access_vid]++;
		break;
	case XVS_VLAN_TRUNK:
		count[p->native_vid]++;
		for (unsigned v = 1; v <= XVS_VID_MAX; v++)
			if (v != p->native_vid && vid_in(p->trunk_vids, v))
				count[v]++;
		break;
	case XVS_VLAN_ISOLATED:
		count[p->pvlan_primary]++;
		break;
	case XVS_VLAN_COMMUNITY:
		count[p->pvlan_primary]++;
		count[p->pvlan_secondary]++;
		break;
	case XVS_VLAN_PROMISCUOUS:
		count[p->pvlan_primary]++;
		for (unsigned v = 1; v <= XVS_VID_MAX; v++)
			if (vid_in(p->trunk_vids, v))
				count[v]++;
		break;
	default:
		count[0]++;
	}
}

int xvs_mirror_sync(struct xvs_switch *sw)
{
	__u32 *count = calloc(NVID, sizeof(*count));
	bool have_destination = false;
	struct xvs_port *v = NULL;
	int n, err;

	if (!count)
		return xvs_fail(-ENOMEM, "out of memory");
	err = xvs_port_list(sw, &v, &n);
	if (err)
		goto out;
	for (int i = 0; i < n; i++)
		have_destination |= v[i].mirror == XVS_MIRROR_DESTINATION;
	for (int i = 0; i < n && !err; i++) {
		bool mirrored = have_destination && v[i].mirror == XVS_MIRROR_SOURCE;

		if (mirrored)
			add_membership(&v[i], count);
		if (mirrored == !!(v[i].flags & XVS_PORT_MIRRORED))
			continue;
		if (mirrored)
			v[i].flags |= XVS_PORT_MIRRORED;
		else
			v[i].flags &= ~(__u32)XVS_PORT_MIRRORED;
		err = xvs_port_write(sw, &v[i]);
	}
	for (__u32 vid = 0; vid < NVID && !err; vid++) {
		__u32 cur = 0;

		if (bpf_map_lookup_elem(sw->mirror_vlan_fd, &vid, &cur)) {
			err = xvs_fail(-errno, "cannot read the mirror map: %s", strerror(errno));
			break;
		}
		if (cur != count[vid] &&
		    bpf_map_update_elem(sw->mirror_vlan_fd, &vid, &count[vid], BPF_ANY))
			err = xvs_fail(-errno, "cannot write the mirror map: %s", strerror(errno));
	}
out:
	free(v);
	free(count);
	return err;
}

int xvs_port_set_mirror(struct xvs_switch *sw, const char *port, enum xvs_mirror_mode mode)
{
	struct xvs_port p, before;
	int err;

	if (mode != XVS_MIRROR_NONE && mode != XVS_MIRROR_SOURCE &&
	    mode != XVS_MIRROR_DESTINATION)
		return xvs_fail(-EINVAL, "invalid mirror mode");
	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	before = p;
	p.mirror = (__u8)mode;
	err = xvs_port_write(sw, &p);
	if (!err)
		err = xvs_mirror_sync(sw);
	if (err) {
		/* Put the role back and the derived state with it. */
		xvs_port_get(sw, port, &p);
		p.mirror = before.mirror;
		xvs_port_write(sw, &p);
		xvs_mirror_sync(sw);
	}
	return err;
}

const char *xvs_mirror_name(__u8 mode)
{
	switch (mode) {
	case XVS_MIRROR_SOURCE:
		return "source";
	case XVS_MIRROR_DESTINATION:
		return "destination";
	default:
		return "none";
	}
}

int xvs_mirror_parse(const char *s, enum xvs_mirror_mode *mode)
{
	if (!strcmp(s, "source"))
		*mode = XVS_MIRROR_SOURCE;
	else if (!strcmp(s, "destination"))
		*mode = XVS_MIRROR_DESTINATION;
	else if (!strcmp(s, "none"))
		*mode = XVS_MIRROR_NONE;
	else
		return xvs_fail(-EINVAL, "invalid mirror role '%s': expected source, destination or "
				"none", s);
	return 0;
}
