// SPDX-License-Identifier: MIT
/*
 * Private VLANs: the port modes isolated, community and promiscuous, and the switch-wide map
 * xvs_pvlan (secondary VID -> primary VID) that the dataplane learns MACs through.
 *
 * The map is derived from the ports, never edited on its own: every VLAN mode change computes
 * it again from all ports (with the changed port in its new mode), checks that the private
 * VLAN domains are consistent, and only then writes anything.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libxvs.h"

#define NVID (XVS_VID_RESERVED + 1)

enum sec_kind { SEC_NONE, SEC_ISOLATED, SEC_COMMUNITY, SEC_LISTED };

struct pvlan_plan {
	__u32 primary_of[NVID];             /* the new xvs_pvlan contents */
	__u8 kind[NVID];                    /* how a secondary is used */
	char primary_owner[NVID][XVS_NAME_LEN];   /* a port using the VID as primary */
	char secondary_owner[NVID][XVS_NAME_LEN]; /* a port using the VID as secondary */
};

static bool vid_in(const __u64 *vids, unsigned v)
{
	return (vids[v / 64] >> (v % 64)) & 1;
}

bool xvs_vlan_mode_is_private(__u8 mode)
{
	return mode == XVS_VLAN_ISOLATED || mode == XVS_VLAN_COMMUNITY ||
	       mode == XVS_VLAN_PROMISCUOUS;
}

static const char *kind_name(__u8 kind)
{
	return kind == SEC_ISOLATED ? "an isolated VLAN" : "a community VLAN";
}

static int add_secondary(struct pvlan_plan *pl, const struct xvs_port *p, unsigned s,
			 enum sec_kind kind)
{
	unsigned primary = p->pvlan_primary;

	if (pl->primary_owner[s][0])
		return xvs_fail(-EINVAL, "VLAN %u is a primary VLAN (port %s), it cannot also be a "
				"secondary", s, pl->primary_owner[s]);
	if (pl->primary_of[s] && pl->primary_of[s] != primary)
		return xvs_fail(-EINVAL, "VLAN %u is already a secondary of primary VLAN %u (port %s)",
				s, pl->primary_of[s], pl->secondary_owner[s]);
	if (kind != SEC_LISTED && (pl->kind[s] == SEC_ISOLATED || pl->kind[s] == SEC_COMMUNITY) &&
	    pl->kind[s] != kind)
		return xvs_fail(-EINVAL, "VLAN %u is %s (port %s), it cannot also be %s", s,
				kind_name(pl->kind[s]), pl->secondary_owner[s], kind_name((__u8)kind));
	pl->primary_of[s] = primary;
	if (kind != SEC_LISTED || pl->kind[s] == SEC_NONE) {
		pl->kind[s] = (__u8)kind;
		snprintf(pl->secondary_owner[s], XVS_NAME_LEN, "%s", p->name);
	}
	return 0;
}

static int add_secondaries(struct pvlan_plan *pl, const struct xvs_port *p)
{
	int err = 0;

	if (p->mode == XVS_VLAN_ISOLATED)
		return add_secondary(pl, p, p->pvlan_secondary, SEC_ISOLATED);
	if (p->mode == XVS_VLAN_COMMUNITY)
		return add_secondary(pl, p, p->pvlan_secondary, SEC_COMMUNITY);
	for (unsigned v = 1; v <= XVS_VID_MAX && !err; v++)
		if (vid_in(p->trunk_vids, v))
			err = add_secondary(pl, p, v, SEC_LISTED);
	return err;
}

static void add_primary(struct pvlan_plan *pl, const struct xvs_port *p)
{
	if (xvs_vlan_mode_is_private(p->mode) && !pl->primary_owner[p->pvlan_primary][0])
		snprintf(pl->primary_owner[p->pvlan_primary], XVS_NAME_LEN, "%s", p->name);
}

/* The given ports (all but `changed`) first, their primaries before their secondaries, so a VID
 * used both ways is caught whichever port comes first; then the changed port, so that a
 * conflict is reported from its point of view. *bad (if not NULL) is the index of the port
 * whose secondaries conflict. */
static int plan_ports(const struct xvs_port *v, int n, const struct xvs_port *changed,
		      struct pvlan_plan *pl, int *bad)
{
	int err = 0;

	memset(pl, 0, sizeof(*pl));
	for (int i = 0; i < n; i++)
		if (!changed || v[i].ifindex != changed->ifindex)
			add_primary(pl, &v[i]);
	for (int i = 0; i < n && !err; i++) {
		if ((!changed || v[i].ifindex != changed->ifindex) &&
		    xvs_vlan_mode_is_private(v[i].mode))
			err = add_secondaries(pl, &v[i]);
		if (err && bad)
			*bad = i;
	}
	if (err || !changed || !xvs_vlan_mode_is_private(changed->mode))
		return err;
	if (pl->primary_of[changed->pvlan_primary])
		return xvs_fail(-EINVAL, "VLAN %u is a secondary of primary VLAN %u (port %s), it "
				"cannot also be a primary", changed->pvlan_primary,
				pl->primary_of[changed->pvlan_primary],
				pl->secondary_owner[changed->pvlan_primary]);
	add_primary(pl, changed);
	return add_secondaries(pl, changed);
}

/* The stored ports with `changed` in its new mode. */
static int plan(struct xvs_switch *sw, const struct xvs_port *changed, struct pvlan_plan *pl)
{
	struct xvs_port *v;
	int n, err;

	err = xvs_port_list(sw, &v, &n);
	if (err)
		return err;
	err = plan_ports(v, n, changed, pl, NULL);
	free(v);
	return err;
}

/* Write the planned map, changing only entries that differ. Additions go in before the port
 * that needs them is written, removals after (see xvs_pvlan_apply). */
static int write_entries(struct xvs_switch *sw, const struct pvlan_plan *pl, bool additions)
{
	for (__u32 vid = 0; vid < NVID; vid++) {
		__u32 cur = 0, want = pl->primary_of[vid];

		if (bpf_map_lookup_elem(sw->pvlan_fd, &vid, &cur))
			return xvs_fail(-errno, "cannot read the private VLAN map: %s", strerror(errno));
		if (cur == want || (additions ? !want : !!want))
			continue;
		if (bpf_map_update_elem(sw->pvlan_fd, &vid, &want, BPF_ANY))
			return xvs_fail(-errno, "cannot write the private VLAN map: %s",
					strerror(errno));
	}
	return 0;
}

int xvs_pvlan_check(struct xvs_switch *sw, const struct xvs_port *changed)
{
	struct pvlan_plan *pl = malloc(sizeof(*pl));
	int err;

	if (!pl)
		return xvs_fail(-ENOMEM, "out of memory");
	err = plan(sw, changed, pl);
	free(pl);
	return err;
}

int xvs_pvlan_check_ports(const struct xvs_port *ports, int n, int *bad)
{
	struct pvlan_plan *pl = malloc(sizeof(*pl));
	int err;

	if (!pl)
		return xvs_fail(-ENOMEM, "out of memory");
	err = plan_ports(ports, n, NULL, pl, bad);
	free(pl);
	return err;
}

int xvs_pvlan_apply(struct xvs_switch *sw, const struct xvs_port *changed, bool before)
{
	struct pvlan_plan *pl = malloc(sizeof(*pl));
	int err;

	if (!pl)
		return xvs_fail(-ENOMEM, "out of memory");
	err = plan(sw, changed, pl);
	if (!err)
		err = write_entries(sw, pl, before);
	free(pl);
	return err;
}

__u16 xvs_pvlan_learning_vlan(struct xvs_switch *sw, __u16 vlan)
{
	__u32 key = vlan, primary = 0;

	if (bpf_map_lookup_elem(sw->pvlan_fd, &key, &primary) || !primary)
		return vlan;
	return (__u16)primary;
}
