/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The maps of one switch instance. Userspace pins each under $XVS_ROOT/<switch>/<name>.
 * Layouts come from include/xvs_abi.h; names are the pin names and say what a map holds.
 */
#ifndef XVS_LIB_MAPS_H
#define XVS_LIB_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xvs_abi.h"

/* Port table, keyed by the port netdev's ifindex. No prealloc, so an update replaces the
 * element under RCU and the fast path never sees a half-written port. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XVS_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct xvs_port);
} xvs_ports SEC(".maps");

/* Learned and static MAC entries. Sized at load time (the global cap). A plain hash, never
 * LRU: when it is full new MACs are refused, existing hosts are never evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XVS_FDB_DEFAULT_MAX);
	__type(key, struct xvs_fdb_key);
	__type(value, struct xvs_fdb_entry);
} xvs_fdb SEC(".maps");

/* FDB generation (struct xvs_fdb_gen): changes whenever an entry changes where the learn memo
 * (lib/fdb.h) cannot see it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_fdb_gen);
} xvs_fdb_gen SEC(".maps");

/* The learn memo: per CPU and port id, the source last confirmed learned on that port, and
 * when (lib/fdb.h). Internal to the dataplane. */
struct xvs_learn_memo {
	struct xvs_fdb_key key;   /* (MAC, VLAN) */
	__u32 ifindex;            /* the port's netdev when it was confirmed */
	__u32 pad;
	__u64 sec;                /* xvs_clock second: the entry's last_seen then */
	__u64 gen;                /* xvs_fdb_gen then, read before the FDB lookup */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XVS_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct xvs_learn_memo);
} xvs_learn_memo SEC(".maps");

/* Private VLANs: secondary VID -> its primary VID (0: not a secondary). MACs of a private
 * VLAN domain are learned in its primary (shared VLAN learning), so a promiscuous port's reply
 * to an isolated host is known unicast; isolation comes from membership, not from the FDB.
 * Written by userspace from the ports' private VLAN settings. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XVS_VID_RESERVED + 1);
	__type(key, __u32);
	__type(value, __u32);
} xvs_pvlan SEC(".maps");

/* Mirroring: per VLAN, the number of mirror-source ports that are members of it (while the
 * switch has a destination). A flood in such a VLAN is copied to the destination ports.
 * Written by userspace (loader/mirror.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XVS_VID_RESERVED + 1);
	__type(key, __u32);
	__type(value, __u32);
} xvs_mirror_vlan SEC(".maps");

/* Capture: frames of ports with XVS_PORT_CAPTURE, each as struct xvs_capture_hdr + bytes.
 * One entry per CPU (libbpf sizes it), read by `xvs capture`. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
} xvs_capture SEC(".maps");

/* Port id -> the port's ifindex (0: no such port), for walking the ports in id order (the TC
 * flavour's flood loop, lib/output_tc.h). Slot 0 (no port has id 0) holds the highest port id
 * in use, the length of the walk. Written by userspace (loader/port.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XVS_MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} xvs_port_ids SEC(".maps");

/* Learned (dynamic) FDB entries per port id, for the per-port cap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XVS_MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} xvs_fdb_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XVS_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct xvs_port_stats);
} xvs_stats SEC(".maps");

/* Output (XDP flavour): port ifindex -> netdev, every entry with the egress program
 * xvs_egress. Known unicast and flood copies both leave through here (lib/output.h says why
 * it must be one). The TC flavour redirects by ifindex and leaves it empty. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, XVS_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} xvs_tx SEC(".maps");

/* VMQ (XDP flavour): port id * XVS_VMQ_QUEUES + uplink rx queue -> the port's AF_XDP socket
 * bound on that uplink queue. Filled by xvsd for ports with XVS_PORT_VMQ (lib/output.h:
 * xvs_out_vmq). The TC flavour declares it too (same pins) but cannot use it. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XVS_MAX_PORTS * XVS_VMQ_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xvs_vmq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_config);
} xvs_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_clock_state);
} xvs_clock SEC(".maps");

struct xvs_timer_slot {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_timer_slot);
} xvs_timer SEC(".maps");

/* QoS (lib/qos.h): per-port token buckets and min-weight shares, indexed by port id. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XVS_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct xvs_qos_state);
} xvs_qos SEC(".maps");

/* The timer that recomputes the min-weight shares, what it remembers between ticks, and its
 * working sums (kept here, not on the stack, so the verifier does not try to track them through
 * every iteration of the callbacks that add to them). */
struct xvs_share_slot {
	struct bpf_timer timer;
	__u64 last_ns;
	__u32 tick;
	__u32 pad;
	__u64 demand;       /* sum of the weighted ports' demand, bytes/s */
	__u64 weight;       /* sum of their weights */
	__u64 lo, hi;       /* binary search for the water level */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xvs_share_slot);
} xvs_qos_timer SEC(".maps");

#endif
