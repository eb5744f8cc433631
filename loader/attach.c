// SPDX-License-Identifier: MIT
/*
 * Attaching a switch's ingress program to a port's netdev, for both flavours.
 *
 * XDP: a BPF link (bpf_link_create), pinned at links/<port>; `port del` detaches it through the
 * pin with BPF_LINK_DETACH.
 *
 * TC: a cls_bpf direct-action filter on the netdev's clsact ingress hook. The uplink of an
 * external switch also gets xvs_uplink on its clsact egress hook, for both flavours (host
 * traffic, bpf/lib/host.h). libbpf 1.1 has no
 * tcx links and bpf_tc_attach filters cannot be pinned, so xvs finds its filter again by a
 * fixed handle and priority (XVS_TC_HANDLE, XVS_TC_PRIO) and, before removing anything, checks
 * that the filter there still runs this switch's program. links/<port> is a pin of the
 * program (so every port has a pin, whichever the flavour), and clsact/<port>, an empty
 * directory (bpffs holds no plain files, and no names with dots), records that xvs created
 * the netdev's clsact qdisc and must remove it again; a clsact that was already there
 * (someone else's filters) is left alone.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "attach.h"

#define XVS_TC_HANDLE 0x7876 /* "xv" */
#define XVS_TC_PRIO   0x7873 /* "xs": out of the way of hand-made filters (prio 1, 2, ...) */

static void pin_path(struct xvs_switch *sw, const char *kind, const char *port, char *buf,
		     size_t len)
{
	snprintf(buf, len, "%s/%s/%s", sw->dir, kind, port);
}

static int attach_xdp(struct xvs_switch *sw, const char *pin, int ifindex, const char *ifname)
{
	int link_fd = bpf_link_create(sw->ingress_fd, ifindex, BPF_XDP, NULL), err;

	if (link_fd < 0) {
		err = -errno;
		if (err == -EBUSY || err == -EEXIST)
			return xvs_fail(err, "netdev %s already has an XDP program attached", ifname);
		return xvs_fail(err, "cannot attach XDP to %s: %s", ifname, strerror(-err));
	}
	err = bpf_obj_pin(link_fd, pin) ? -errno : 0;
	if (err)
		xvs_fail(err, "cannot pin %s: %s", pin, strerror(-err));
	close(link_fd); /* detaches if it was not pinned */
	return err;
}

static int prog_id(int fd, __u32 *id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

static void tc_hook(int ifindex, enum bpf_tc_attach_point point, struct bpf_tc_hook *hook)
{
	memset(hook, 0, sizeof(*hook));
	hook->sz = sizeof(*hook);
	hook->ifindex = ifindex;
	hook->attach_point = point;
}

/* Create the directory that will hold path (its parent), if missing. */
static int mkdir_in(const char *path)
{
	char dir[720];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return mkdir(dir, 0755) && errno != EEXIST ? -1 : 0;
}

/* Give ifindex a clsact qdisc if it has none, and record that xvs made it (marker). */
static int ensure_clsact(int ifindex, const char *ifname, const char *marker)
{
	struct bpf_tc_hook hook;
	int err;

	tc_hook(ifindex, BPF_TC_INGRESS, &hook);
	err = bpf_tc_hook_create(&hook);
	if (err == -EEXIST)
		return 0;
	if (err)
		return xvs_fail(err, "cannot add a clsact qdisc to %s: %s", ifname, strerror(-err));
	if (mkdir_in(marker) || mkdir(marker, 0755)) {
		err = xvs_fail(-errno, "cannot create %s: %s", marker, strerror(errno));
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	return err;
}

/* Remove the clsact qdisc of ifindex if xvs made it. */
static void drop_clsact(int ifindex, const char *marker)
{
	struct bpf_tc_hook hook;
	struct stat st;

	if (stat(marker, &st))
		return;
	tc_hook(ifindex, BPF_TC_INGRESS | BPF_TC_EGRESS, &hook); /* the whole qdisc */
	bpf_tc_hook_destroy(&hook);
	rmdir(marker);
}

/* Remove the filter at xvs's handle and priority on one hook, if it runs prog_fd's program. */
static void detach_filter(int prog_fd, int ifindex, enum bpf_tc_attach_point point)
{
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = XVS_TC_HANDLE, .priority = XVS_TC_PRIO);
	struct bpf_tc_hook hook;
	__u32 ours = 0;

	tc_hook(ifindex, point, &hook);
	if (prog_fd >= 0 && prog_id(prog_fd, &ours) == 0 && bpf_tc_query(&hook, &q) == 0 &&
	    q.prog_id == ours) {
		LIBBPF_OPTS(bpf_tc_opts, d, .handle = XVS_TC_HANDLE, .priority = XVS_TC_PRIO);

		bpf_tc_detach(&hook, &d);
	}
}

static int attach_filter(int prog_fd, int ifindex, enum bpf_tc_attach_point point,
			 const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XVS_TC_HANDLE, .priority = XVS_TC_PRIO,
		    .prog_fd = prog_fd);
	const char *where = point == BPF_TC_INGRESS ? "ingress" : "egress";
	struct bpf_tc_hook hook;
	int err;

	tc_hook(ifindex, point, &hook);
	err = bpf_tc_attach(&hook, &opts);
	if (err == -EEXIST)
		return xvs_fail(err, "netdev %s already has a TC %s filter at xvs's priority %#x",
				ifname, where, XVS_TC_PRIO);
	if (err)
		return xvs_fail(err, "cannot attach TC %s to %s: %s", where, ifname, strerror(-err));
	return 0;
}

int xvs_attach_port(struct xvs_switch *sw, const char *port, int ifindex, const char *ifname,
		    bool uplink)
{
	char pin[700], marker[720];
	bool tc_in = sw->datapath == XVS_DATAPATH_TC;
	int err = 0;

	pin_path(sw, "links", port, pin, sizeof(pin));
	pin_path(sw, "clsact", port, marker, sizeof(marker));
	if (tc_in || uplink)
		err = ensure_clsact(ifindex, ifname, marker);
	if (!err && tc_in)
		err = attach_filter(sw->ingress_fd, ifindex, BPF_TC_INGRESS, ifname);
	if (!err && uplink)
		err = attach_filter(sw->uplink_fd, ifindex, BPF_TC_EGRESS, ifname);
	if (!err && !tc_in)
		err = attach_xdp(sw, pin, ifindex, ifname);
	else if (!err && bpf_obj_pin(sw->ingress_fd, pin))
		err = xvs_fail(-errno, "cannot pin %s: %s", pin, strerror(errno));
	if (err)
		xvs_detach_port(sw, port, ifindex, uplink);
	return err;
}

int xvs_detach_port(struct xvs_switch *sw, const char *port, int ifindex, bool uplink)
{
	char pin[700], marker[720];
	int link_fd;

	pin_path(sw, "links", port, pin, sizeof(pin));
	pin_path(sw, "clsact", port, marker, sizeof(marker));
	if (sw->datapath == XVS_DATAPATH_XDP) {
		link_fd = bpf_obj_get(pin);
		if (link_fd >= 0) {
			/* Detach now: dropping the last reference would detach too, but from a
			 * deferred work item, and a quick re-attach would then find it busy. */
			bpf_link_detach(link_fd);
			close(link_fd);
		}
	} else {
		detach_filter(sw->ingress_fd, ifindex, BPF_TC_INGRESS);
	}
	if (uplink)
		detach_filter(sw->uplink_fd, ifindex, BPF_TC_EGRESS);
	drop_clsact(ifindex, marker);
	if (unlink(pin) && errno != ENOENT)
		return xvs_fail(-errno, "cannot remove %s: %s", pin, strerror(errno));
	return 0;
}
