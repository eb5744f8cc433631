// SPDX-License-Identifier: MIT
/* Switch lifecycle: load one dataplane instance, pin it, create the host adapter and uplink. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "libxvs.h"
#include "netdev.h"
#include "xvs_dp.skel.h"
#include "xvs_tc.skel.h"

/* The maps of one switch, pinned under $XVS_ROOT/<switch>/ by these names. */
#define XVS_PIN_INGRESS "xvs_ingress"
#define XVS_PIN_EGRESS  "xvs_egress"
#define XVS_PIN_UPLINK  "xvs_uplink"

static const char *const type_names[] = {
	[XVS_SWITCH_EXTERNAL] = "external",
	[XVS_SWITCH_INTERNAL] = "internal",
	[XVS_SWITCH_PRIVATE]  = "private",
};

const char *xvs_switch_type_name(__u32 type)
{
	return type < 3 ? type_names[type] : "unknown";
}

const char *xvs_datapath_name(enum xvs_datapath dp)
{
	return dp == XVS_DATAPATH_TC ? "tc" : "xdp";
}

int xvs_datapath_parse(const char *s, enum xvs_datapath *dp)
{
	if (!strcmp(s, "xdp"))
		*dp = XVS_DATAPATH_XDP;
	else if (!strcmp(s, "tc"))
		*dp = XVS_DATAPATH_TC;
	else
		return xvs_fail(-EINVAL, "invalid datapath '%s': expected xdp or tc", s);
	return 0;
}

int xvs_switch_type_parse(const char *s, enum xvs_switch_type *type)
{
	for (unsigned i = 0; i < 3; i++) {
		if (!strcmp(s, type_names[i])) {
			*type = (enum xvs_switch_type)i;
			return 0;
		}
	}
	return xvs_fail(-EINVAL, "invalid switch type '%s': expected external, internal or private",
			s);
}

static void switch_dir(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", xvs_root_dir(), name);
}

static int mkdir_p(const char *path)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static void host_port_dev(const char *sw, char buf[IFNAMSIZ])
{
	snprintf(buf, IFNAMSIZ, "%s-sw", sw);
}

/* Remove every pin under dir (maps, programs, links), then dir itself. */
static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[1024];

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* Pin every map of obj and its programs ingress and (XDP only) egress under dir. Both
 * flavours' objects declare the same maps (bpf/lib/maps.h), so the pins are the same. */
static int pin_all(struct bpf_object *obj, struct bpf_program *ingress,
		   struct bpf_program *egress, struct bpf_program *uplink, const char *dir)
{
	struct bpf_map *map;
	char path[600];
	int err;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		err = bpf_map__pin(map, path);
		if (err)
			return xvs_fail(err, "cannot pin map %s: %s", path, strerror(-err));
	}
	snprintf(path, sizeof(path), "%s/%s", dir, XVS_PIN_INGRESS);
	err = bpf_program__pin(ingress, path);
	if (!err && egress) {
		snprintf(path, sizeof(path), "%s/%s", dir, XVS_PIN_EGRESS);
		err = bpf_program__pin(egress, path);
	}
	if (!err) {
		snprintf(path, sizeof(path), "%s/%s", dir, XVS_PIN_UPLINK);
		err = bpf_program__pin(uplink, path);
	}
	if (err)
		return xvs_fail(err, "cannot pin program %s: %s", path, strerror(-err));
	snprintf(path, sizeof(path), "%s/links", dir);
	if (mkdir(path, 0755))
		return xvs_fail(-errno, "cannot create %s: %s", path, strerror(errno));
	return 0;
}

/* Run the housekeeping program once: it starts the timer that keeps the clock and ages. */
static int start_housekeeping(struct bpf_program *prog)
{
	__u8 pkt[64] = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	if (err)
		return xvs_fail(err, "cannot start the housekeeping timer: %s", strerror(-err));
	if (opts.retval)
		return xvs_fail(-EINVAL, "cannot start the housekeeping timer (step %u)",
				opts.retval);
	return 0;
}

/* Write the switch-wide settings, pin everything and start housekeeping: the same steps for
 * both flavours once their object is loaded. */
static int finish_instance(const struct xvs_switch_opts *o, const char *dir,
			   struct bpf_object *obj, struct bpf_map *config, struct bpf_map *fdb,
			   struct bpf_program *ingress, struct bpf_program *egress,
			   struct bpf_program *uplink, struct bpf_program *housekeeping)
{
	struct xvs_config cfg = {};
	__u32 zero = 0;
	int err;

	cfg.aging_sec = o->aging_sec ? o->aging_sec : XVS_AGING_DEFAULT_SEC;
	cfg.type = o->type;
	cfg.flags = (o->no_management_os ? XVS_SWITCH_NO_MGMT_OS : 0) |
		    (o->datapath == XVS_DATAPATH_TC ? XVS_SWITCH_TC : 0);
	cfg.fdb_max = bpf_map__max_entries(fdb);
	snprintf(cfg.name, sizeof(cfg.name), "%s", o->name);
	if (o->uplink)
		snprintf(cfg.uplink, sizeof(cfg.uplink), "%s", o->uplink);
	if (bpf_map_update_elem(bpf_map__fd(config), &zero, &cfg, 0))
		return xvs_fail(-errno, "cannot write the switch config: %s", strerror(errno));
	err = pin_all(obj, ingress, egress, uplink, dir);
	return err ?: start_housekeeping(housekeeping);
}

/* The tables whose size the switch's options set, in either flavour's object. */
static void set_table_sizes(const struct xvs_switch_opts *o, struct bpf_map *fdb,
			    struct bpf_map *flows)
{
	bpf_map__set_max_entries(fdb, o->fdb_max ? o->fdb_max : XVS_FDB_DEFAULT_MAX);
	bpf_map__set_max_entries(flows, o->flow_max ? o->flow_max : XVS_FLOW_DEFAULT_MAX);
}

/*
 * The uplink's host-traffic program is TC whatever the flavour (bpf/lib/host.h): an XDP switch
 * loads just that program from the TC object, on the XDP instance's own maps.
 */
static struct xvs_tc *load_uplink_program(struct xvs_dp *dp)
{
	struct xvs_tc *tc = xvs_tc__open();
	struct bpf_program *prog;
	struct bpf_map *map;
	int err = 0;

	if (!tc) {
		xvs_fail(-errno, "cannot open the TC dataplane object: %s", strerror(errno));
		return NULL;
	}
	bpf_object__for_each_program(prog, tc->obj)
		bpf_program__set_autoload(prog, prog == tc->progs.xvs_uplink);
	bpf_object__for_each_map(map, tc->obj) {
		struct bpf_map *same;

		if (bpf_map__is_internal(map))
			continue;
		same = bpf_object__find_map_by_name(dp->obj, bpf_map__name(map));
		err = same ? bpf_map__reuse_fd(map, bpf_map__fd(same)) : -ENOENT;
		if (err)
			break;
	}
	if (!err)
		err = xvs_tc__load(tc);
	if (err) {
		xvs_fail(err, "cannot load the uplink program: %s", strerror(-err));
		xvs_tc__destroy(tc);
		return NULL;
	}
	return tc;
}

static int load_xdp(const struct xvs_switch_opts *o, const char *dir)
{
	struct xvs_dp *skel = xvs_dp__open();
	struct xvs_tc *tc = NULL;
	int err;

	if (!skel)
		return xvs_fail(-errno, "cannot open the dataplane object: %s", strerror(errno));
	set_table_sizes(o, skel->maps.xvs_fdb, skel->maps.xvs_flows);
	err = xvs_dp__load(skel);
	if (err)
		xvs_fail(err, "cannot load the dataplane: %s", strerror(-err));
	if (!err) {
		tc = load_uplink_program(skel);
		err = tc ? 0 : -EINVAL;
	}
	if (!err)
		err = finish_instance(o, dir, skel->obj, skel->maps.xvs_config, skel->maps.xvs_fdb,
				      skel->progs.xvs_ingress, skel->progs.xvs_egress,
				      tc->progs.xvs_uplink, skel->progs.xvs_housekeeping);
	xvs_tc__destroy(tc);
	xvs_dp__destroy(skel); /* the pins keep the instance alive */
	return err;
}

static int load_tc(const struct xvs_switch_opts *o, const char *dir)
{
	struct xvs_tc *skel = xvs_tc__open();
	int err;

	if (!skel)
		return xvs_fail(-errno, "cannot open the TC dataplane object: %s", strerror(errno));
	set_table_sizes(o, skel->maps.xvs_fdb, skel->maps.xvs_flows);
	err = xvs_tc__load(skel);
	if (err)
		xvs_fail(err, "cannot load the TC dataplane: %s", strerror(-err));
	else
		err = finish_instance(o, dir, skel->obj, skel->maps.xvs_config, skel->maps.xvs_fdb,
				      skel->progs.xvs_ingress, NULL, skel->progs.xvs_uplink,
				      skel->progs.xvs_housekeeping);
	xvs_tc__destroy(skel);
	return err;
}

static int load_instance(const struct xvs_switch_opts *o, const char *dir)
{
	return o->datapath == XVS_DATAPATH_TC ? load_tc(o, dir) : load_xdp(o, dir);
}

static int validate_create(const struct xvs_switch_opts *o, char *dir, size_t dirlen)
{
	char owner[XVS_NAME_LEN], peer[IFNAMSIZ];
	struct stat st;
	int ifindex;

	if (!o->name || !xvs_valid_name(o->name, XVS_SWITCH_NAME_MAX))
		return xvs_fail(-EINVAL,
				"invalid switch name '%s': 1-%d letters, digits, '-' or '_'",
				o->name ? o->name : "", XVS_SWITCH_NAME_MAX);
	switch_dir(o->name, dir, dirlen);
	if (stat(dir, &st) == 0)
		return xvs_fail(-EEXIST, "switch %s already exists", o->name);
	if (o->type == XVS_SWITCH_EXTERNAL) {
		if (!o->uplink)
			return xvs_fail(-EINVAL, "an external switch needs --uplink IFNAME");
		ifindex = (int)if_nametoindex(o->uplink);
		if (!ifindex)
			return xvs_fail(-ENODEV, "netdev %s does not exist", o->uplink);
		if (xvs_ifindex_owner(ifindex, owner) == 1)
			return xvs_fail(-EBUSY, "netdev %s already belongs to switch %s", o->uplink,
					owner);
	} else {
		if (o->uplink)
			return xvs_fail(-EINVAL, "--uplink is only for external switches");
		if (o->no_management_os)
			return xvs_fail(-EINVAL, "--no-management-os is only for external switches");
	}
	if (o->type != XVS_SWITCH_PRIVATE && !o->no_management_os) {
		host_port_dev(o->name, peer);
		if (if_nametoindex(o->name))
			return xvs_fail(-EEXIST, "netdev %s already exists (the host adapter of switch %s)",
					o->name, o->name);
		if (if_nametoindex(peer))
			return xvs_fail(-EEXIST, "netdev %s already exists (the host port of switch %s)",
					peer, o->name);
	}
	if (o->datapath != XVS_DATAPATH_XDP && o->datapath != XVS_DATAPATH_TC)
		return xvs_fail(-EINVAL, "invalid datapath %d", (int)o->datapath);
	if (o->fdb_max && o->fdb_max > (1u << 24))
		return xvs_fail(-EINVAL, "FDB size %u is too large (max %u)", o->fdb_max, 1u << 24);
	if (o->flow_max && o->flow_max > (1u << 24))
		return xvs_fail(-EINVAL, "flow table size %u is too large (max %u)", o->flow_max,
				1u << 24);
	return 0;
}

int xvs_switch_create(const struct xvs_switch_opts *o)
{
	char dir[512], peer[IFNAMSIZ], msg[512];
	struct xvs_switch *sw = NULL;
	bool veth_made = false;
	int err;

	err = validate_create(o, dir, sizeof(dir));
	if (err)
		return err;
	err = mkdir_p(xvs_root_dir());
	if (err)
		return xvs_fail(err, "cannot create %s: %s (is bpffs mounted?)", xvs_root_dir(),
				strerror(-err));
	if (mkdir(dir, 0755))
		return xvs_fail(-errno, "cannot create %s: %s", dir, strerror(errno));

	err = load_instance(o, dir);
	if (err)
		goto fail;
	err = xvs_switch_open(o->name, &sw);
	if (err)
		goto fail;
	if (o->type != XVS_SWITCH_PRIVATE && !o->no_management_os) {
		host_port_dev(o->name, peer);
		err = xvs_netdev_veth_add(o->name, peer);
		if (err)
			goto fail;
		veth_made = true;
		err = xvs_netdev_set_gro(o->name, true);
		if (!err)
			err = xvs_netdev_up(peer);
		if (!err)
			err = xvs_netdev_up(o->name);
		if (!err)
			err = xvs_port_add(sw, XVS_HOST_PORT, peer, NULL, XVS_PORT_HOST);
		if (err)
			goto fail;
	}
	if (o->type == XVS_SWITCH_EXTERNAL) {
		/* Attach first: bring the uplink up only once nothing can fail before it. */
		err = xvs_port_add(sw, XVS_UPLINK_PORT, o->uplink, NULL, XVS_PORT_UPLINK);
		if (!err)
			err = xvs_netdev_up(o->uplink);
		if (err)
			goto fail;
	}
	xvs_switch_close(sw);
	return 0;

fail:
	snprintf(msg, sizeof(msg), "%s", xvs_errmsg());
	xvs_switch_close(sw);
	xvs_switch_destroy(o->name);
	if (veth_made && if_nametoindex(o->name))
		xvs_netdev_del(o->name);
	return xvs_fail(err, "%s", msg);
}

int xvs_switch_destroy(const char *name)
{
	struct xvs_switch *sw = NULL;
	struct xvs_port *ports = NULL;
	char dir[512];
	struct stat st;
	int n = 0;

	if (!xvs_valid_name(name, XVS_SWITCH_NAME_MAX))
		return xvs_fail(-ENOENT, "no switch named '%s'", name);
	switch_dir(name, dir, sizeof(dir));
	if (stat(dir, &st))
		return xvs_fail(-ENOENT, "no switch named '%s'", name);

	/* Detach from every netdev first, so no frame enters a half-removed switch. */
	if (xvs_switch_open(name, &sw) == 0 && xvs_port_list(sw, &ports, &n) == 0) {
		for (int i = 0; i < n; i++) {
			xvs_port_del(sw, ports[i].name);
			if (ports[i].kind == XVS_PORT_HOST && if_nametoindex(name))
				xvs_netdev_del(name);
		}
	}
	free(ports);
	xvs_switch_close(sw);
	remove_tree(dir);
	if (stat(dir, &st) == 0)
		return xvs_fail(-EBUSY, "cannot remove %s", dir);
	return 0;
}

static int get_pinned(const char *dir, const char *name, int *fd)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*fd = bpf_obj_get(path);
	if (*fd < 0)
		return xvs_fail(-errno, "cannot open %s: %s", path, strerror(errno));
	return 0;
}

/* The flavour a switch runs is the type of its pinned ingress program. */
static int datapath_of(struct xvs_switch *sw)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(sw->ingress_fd, &info, &len))
		return xvs_fail(-errno, "cannot inspect the dataplane of %s: %s", sw->name,
				strerror(errno));
	if (info.type == BPF_PROG_TYPE_XDP)
		sw->datapath = XVS_DATAPATH_XDP;
	else if (info.type == BPF_PROG_TYPE_SCHED_CLS)
		sw->datapath = XVS_DATAPATH_TC;
	else
		return xvs_fail(-EINVAL, "switch %s has a dataplane of unknown type %u", sw->name,
				info.type);
	return 0;
}

void xvs_switch_close(struct xvs_switch *sw)
{
	int *fds[] = { &sw->ports_fd, &sw->fdb_fd, &sw->fdb_count_fd, &sw->stats_fd, &sw->tx_fd,
		       &sw->pvlan_fd, &sw->mirror_vlan_fd, &sw->capture_fd, &sw->port_ids_fd,
		       &sw->config_fd, &sw->clock_fd, &sw->qos_fd, &sw->vmq_fd, &sw->fdb_gen_fd,
		       &sw->ingress_fd, &sw->egress_fd, &sw->uplink_fd };

	if (!sw)
		return;
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	free(sw);
}

int xvs_switch_open(const char *name, struct xvs_switch **out)
{
	struct xvs_switch *sw;
	struct stat st;
	int err = 0;

	*out = NULL;
	if (!xvs_valid_name(name, XVS_SWITCH_NAME_MAX))
		return xvs_fail(-ENOENT, "no switch named '%s'", name);
	sw = calloc(1, sizeof(*sw));
	if (!sw)
		return xvs_fail(-ENOMEM, "out of memory");
	sw->ports_fd = sw->fdb_fd = sw->fdb_count_fd = sw->stats_fd = sw->tx_fd = sw->pvlan_fd =
		sw->mirror_vlan_fd = sw->capture_fd = sw->port_ids_fd = sw->config_fd = sw->clock_fd =
		sw->qos_fd = sw->vmq_fd = sw->fdb_gen_fd = sw->ingress_fd = sw->egress_fd =
		sw->uplink_fd = -1;
	snprintf(sw->name, sizeof(sw->name), "%s", name);
	switch_dir(name, sw->dir, sizeof(sw->dir));
	if (stat(sw->dir, &st)) {
		free(sw);
		return xvs_fail(-ENOENT, "no switch named '%s'", name);
	}
	err = err ?: get_pinned(sw->dir, "xvs_ports", &sw->ports_fd);
	err = err ?: get_pinned(sw->dir, "xvs_fdb", &sw->fdb_fd);
	err = err ?: get_pinned(sw->dir, "xvs_fdb_count", &sw->fdb_count_fd);
	err = err ?: get_pinned(sw->dir, "xvs_stats", &sw->stats_fd);
	err = err ?: get_pinned(sw->dir, "xvs_tx", &sw->tx_fd);
	err = err ?: get_pinned(sw->dir, "xvs_pvlan", &sw->pvlan_fd);
	err = err ?: get_pinned(sw->dir, "xvs_mirror_vlan", &sw->mirror_vlan_fd);
	err = err ?: get_pinned(sw->dir, "xvs_capture", &sw->capture_fd);
	err = err ?: get_pinned(sw->dir, "xvs_port_ids", &sw->port_ids_fd);
	err = err ?: get_pinned(sw->dir, "xvs_config", &sw->config_fd);
	err = err ?: get_pinned(sw->dir, "xvs_clock", &sw->clock_fd);
	err = err ?: get_pinned(sw->dir, "xvs_qos", &sw->qos_fd);
	err = err ?: get_pinned(sw->dir, XVS_PIN_INGRESS, &sw->ingress_fd);
	err = err ?: datapath_of(sw);
	if (!err) {
		/* Optional: a switch created before VMQ existed has no xvs_vmq; it works without. */
		char path[600];

		snprintf(path, sizeof(path), "%s/xvs_vmq", sw->dir);
		sw->vmq_fd = bpf_obj_get(path);
		/* Optional too: a switch from before the learn memo has no xvs_fdb_gen. */
		snprintf(path, sizeof(path), "%s/xvs_fdb_gen", sw->dir);
		sw->fdb_gen_fd = bpf_obj_get(path);
	}
	if (!err && sw->datapath == XVS_DATAPATH_XDP)
		err = get_pinned(sw->dir, XVS_PIN_EGRESS, &sw->egress_fd);
	err = err ?: get_pinned(sw->dir, XVS_PIN_UPLINK, &sw->uplink_fd);
	if (err) {
		xvs_switch_close(sw);
		return err;
	}
	sw->ncpus = libbpf_num_possible_cpus();
	*out = sw;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int xvs_switch_list(char (**names)[XVS_NAME_LEN], int *count)
{
	DIR *d = opendir(xvs_root_dir());
	char (*v)[XVS_NAME_LEN] = NULL;
	struct dirent *de;
	int n = 0, cap = 0;

	*names = NULL;
	*count = 0;
	if (!d)
		return 0; /* no root yet: no switches */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !xvs_valid_name(de->d_name, XVS_SWITCH_NAME_MAX))
			continue;
		if (n == cap) {
			void *nv = realloc(v, (size_t)(cap = cap ? cap * 2 : 8) * XVS_NAME_LEN);

			if (!nv) {
				free(v);
				closedir(d);
				return xvs_fail(-ENOMEM, "out of memory");
			}
			v = nv;
		}
		memcpy(v[n++], de->d_name, strlen(de->d_name) + 1); /* valid_name: < 16 */
	}
	closedir(d);
	if (n)
		qsort(v, (size_t)n, XVS_NAME_LEN, cmp_names);
	*names = v;
	*count = n;
	return 0;
}

int xvs_switch_config(struct xvs_switch *sw, struct xvs_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(sw->config_fd, &zero, cfg))
		return xvs_fail(-errno, "cannot read the config of %s: %s", sw->name,
				strerror(errno));
	return 0;
}

int xvs_switch_set_aging(struct xvs_switch *sw, __u32 seconds)
{
	struct xvs_config cfg;
	__u32 zero = 0;
	int err;

	if (seconds < 1 || seconds > 1000000)
		return xvs_fail(-EINVAL, "invalid aging time %u: must be 1-1000000 seconds", seconds);
	err = xvs_switch_config(sw, &cfg);
	if (err)
		return err;
	cfg.aging_sec = seconds;
	if (bpf_map_update_elem(sw->config_fd, &zero, &cfg, BPF_EXIST))
		return xvs_fail(-errno, "cannot write the config of %s: %s", sw->name,
				strerror(errno));
	return 0;
}

int xvs_switch_clock(struct xvs_switch *sw, struct xvs_clock_state *clk)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(sw->clock_fd, &zero, clk))
		return xvs_fail(-errno, "cannot read the clock of %s: %s", sw->name, strerror(errno));
	return 0;
}
