/* SPDX-License-Identifier: MIT */
/*
 * libxvs: create, open and configure xvs switches.
 *
 * A switch is one loaded instance of the dataplane whose maps, programs and XDP links are
 * pinned under $XVS_ROOT/<switch>/. Every function returns 0 or -errno; on error,
 * xvs_errmsg() holds one line that says why, for the user. A function that fails changes
 * nothing (it validates first and rolls back what it did).
 */
#ifndef XVS_LIBXVS_H
#define XVS_LIBXVS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "xvs_abi.h"

#define XVS_ROOT_DEFAULT "/sys/fs/bpf/xvs"
#define XVS_RUN_DEFAULT  "/run/xvs"
#define XVS_SWITCH_NAME_MAX 12 /* leaves room for the "-sw" suffix of the host port device */
#define XVS_HOST_PORT   "host"
#define XVS_UPLINK_PORT "uplink"

/* The message of the last failed call in this thread. */
const char *xvs_errmsg(void);
/* Record a failure (used inside libxvs; returns err for `return xvs_fail(...)`). */
int xvs_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A warning left by the last successful call that has one (NULL if none), and the setter
 * (NULL clears). */
const char *xvs_warning(void);
void xvs_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

const char *xvs_root_dir(void);
const char *xvs_run_dir(void);

/* Serialise changes from concurrent xvs processes: an exclusive lock on $XVS_RUN/lock. */
int xvs_lock(void);
void xvs_unlock(int lock_fd);

/*
 * Which flavour of the dataplane a switch runs (docs/DATAPLANE.md: when to choose which).
 * Both run the same pipeline from the same sources; a switch runs one of them on all its ports.
 */
enum xvs_datapath {
	XVS_DATAPATH_XDP = 0, /* XDP on every port, output through a devmap: fastest per frame */
	XVS_DATAPATH_TC  = 1, /* TC (clsact) on every port: keeps GSO/TSO superframes, bulk TCP */
};
/* TC by default: it works with VMs' ordinary NIC settings and keeps TSO (measured: several
 * times XDP's bulk TCP throughput between VMs, on par with the Linux bridge; docs/DATAPLANE.md). */
#define XVS_DATAPATH_DEFAULT XVS_DATAPATH_TC
const char *xvs_datapath_name(enum xvs_datapath dp);
int xvs_datapath_parse(const char *s, enum xvs_datapath *dp);

struct xvs_switch_opts {
	const char *name;
	enum xvs_switch_type type;
	enum xvs_datapath datapath;
	const char *uplink;          /* external only */
	bool no_management_os;       /* external only */
	__u32 fdb_max;               /* 0: XVS_FDB_DEFAULT_MAX */
	__u32 aging_sec;             /* 0: XVS_AGING_DEFAULT_SEC */
	__u32 flow_max;              /* stateful ACL flows; 0: XVS_FLOW_DEFAULT_MAX */
};

struct xvs_switch {
	char name[XVS_NAME_LEN];
	char dir[512];
	int ports_fd, fdb_fd, fdb_count_fd, stats_fd, tx_fd, config_fd, clock_fd, pvlan_fd;
	int mirror_vlan_fd, capture_fd, port_ids_fd;
	int qos_fd;
	int vmq_fd;                  /* XSKMAP of VMQ sockets; -1 on a switch from before VMQ */
	int fdb_gen_fd;              /* FDB generation (xvs_fdb_gen); -1 on a switch from before it */
	int ingress_fd;              /* on every port: XDP, or TC clsact ingress */
	int egress_fd;               /* XDP: the devmap egress program; TC: -1 */
	int uplink_fd;               /* TC egress of the uplink: host traffic (bpf/lib/host.h) */
	enum xvs_datapath datapath;  /* from the type of the pinned ingress program */
	int ncpus;
};

int xvs_switch_create(const struct xvs_switch_opts *opts);
int xvs_switch_destroy(const char *name);
int xvs_switch_open(const char *name, struct xvs_switch **out);
void xvs_switch_close(struct xvs_switch *sw);
/* Names of all switches under $XVS_ROOT, sorted; *names is malloc'd (free it). */
int xvs_switch_list(char (**names)[XVS_NAME_LEN], int *count);
int xvs_switch_config(struct xvs_switch *sw, struct xvs_config *cfg);
int xvs_switch_set_aging(struct xvs_switch *sw, __u32 seconds);
int xvs_switch_clock(struct xvs_switch *sw, struct xvs_clock_state *clk);
const char *xvs_switch_type_name(__u32 type);
int xvs_switch_type_parse(const char *s, enum xvs_switch_type *type);

/* Ports. A port name is unique within its switch; a netdev belongs to at most one switch. */
int xvs_port_add(struct xvs_switch *sw, const char *port, const char *ifname, const __u8 *mac,
		 enum xvs_port_kind kind);
int xvs_port_del(struct xvs_switch *sw, const char *port);
int xvs_port_get(struct xvs_switch *sw, const char *port, struct xvs_port *out);
/* All ports, sorted by id; *ports is malloc'd. */
int xvs_port_list(struct xvs_switch *sw, struct xvs_port **ports, int *count);
int xvs_port_set_untagged(struct xvs_switch *sw, const char *port);
int xvs_port_set_access(struct xvs_switch *sw, const char *port, __u16 vid);
int xvs_port_set_trunk(struct xvs_switch *sw, const char *port, const __u64 *vids, __u16 native);
/* Private VLAN modes: isolated and community take one secondary, promiscuous a list. */
int xvs_port_set_pvlan(struct xvs_switch *sw, const char *port, enum xvs_vlan_mode mode,
		       __u16 primary, __u16 secondary, const __u64 *secondaries);
int xvs_port_set_link(struct xvs_switch *sw, const char *port, bool up);
int xvs_port_set_mac_limit(struct xvs_switch *sw, const char *port, __u32 limit);
int xvs_port_set_mac_spoofing(struct xvs_switch *sw, const char *port, bool allow);
/* The VM adapter's MAC (NULL: none, any source MAC is accepted); forgets the port's learned MACs. */
int xvs_port_set_mac(struct xvs_switch *sw, const char *port, const __u8 *mac);
/* Guards (loader/guard.c): drop DHCP server messages / router advertisements and redirects
 * the VM sends. */
int xvs_port_set_dhcp_guard(struct xvs_switch *sw, const char *port, bool on);
int xvs_port_set_router_guard(struct xvs_switch *sw, const char *port, bool on);
/* QoS (loader/qos.c). Rates in bits/s of Ethernet frame bytes; 0 removes the limit. */
int xvs_port_set_max_rate(struct xvs_switch *sw, const char *port, __u64 bps);
int xvs_port_set_storm_limit(struct xvs_switch *sw, const char *port, __u32 pps);
int xvs_port_set_min_weight(struct xvs_switch *sw, const char *port, __u32 weight);
int xvs_switch_set_uplink_rate(struct xvs_switch *sw, __u64 bps);
int xvs_switch_uplink_rate(struct xvs_switch *sw, __u64 *bps);
/* The port's QoS state (buckets, measured demand, min-weight share in force). */
int xvs_qos_read(struct xvs_switch *sw, __u16 port_id, struct xvs_qos_state *out);
/* Start a port's QoS state afresh (full buckets, no share): on port add. */
int xvs_qos_reset(struct xvs_switch *sw, __u16 port_id);
/* "100mbit", "1gbit", "64000" (bit/s), "0" / "none" / "unlimited" (0). Units: bit, kbit, mbit,
 * gbit (powers of 1000), any case. Checks the range of a limit: 0, or
 * XVS_RATE_MIN_BPS..XVS_RATE_MAX_BPS. */
int xvs_parse_rate(const char *s, __u64 *bps);
/* The inverse: the largest unit that divides exactly ("100mbit", "1500kbit", "8001bit"). */
void xvs_format_rate(__u64 bps, char *buf, size_t len);
/* Write a port entry as it is (it must exist). For derived state; setters use the above. */
int xvs_port_write(struct xvs_switch *sw, const struct xvs_port *p);
/* Mirroring (loader/mirror.c): a port's role, and the derived state the dataplane reads. */
int xvs_port_set_mirror(struct xvs_switch *sw, const char *port, enum xvs_mirror_mode mode);
int xvs_mirror_sync(struct xvs_switch *sw);
const char *xvs_mirror_name(__u8 mode);
int xvs_mirror_parse(const char *s, enum xvs_mirror_mode *mode);
/* Capture (loader/capture.c): write what a port sends and receives to a pcap file until
 * *stop becomes true, max_frames were written (0: no limit) or the port goes away. One capture
 * per switch at a time. */
struct xvs_capture_opts {
	const char *port;
	const char *path;              /* pcap file, "-" for standard output */
	__u64 max_frames;
	volatile int *stop;            /* set from a signal handler */
	bool stdout_flush;             /* flush after every poll (for a pipe) */
	void (*started)(void *ctx);    /* called once frames are being captured */
	void *started_ctx;
};
struct xvs_capture_result {
	__u64 frames, rx, tx, lost;
	bool port_gone;
};
int xvs_capture_run(struct xvs_switch *sw, const struct xvs_capture_opts *opts,
		    struct xvs_capture_result *res);

/* Which switch owns this ifindex, if any (name copied to owner). 1 = owned, 0 = free. */
int xvs_ifindex_owner(int ifindex, char owner[XVS_NAME_LEN]);

/*
 * Synthetic ports (loader/synthetic.c, docs/SYNTHETIC.md). The port device is a veth pair
 * named after a hash of switch and port: the switch end ("xvs<hash>s") is an ordinary port,
 * xvsd owns the other end ("xvs<hash>d") with one AF_XDP socket per queue and serves the
 * guest at $XVS_RUN/<switch>/<port>.sock. xvsd listens for requests at $XVS_RUN/xvsd.sock;
 * "sync" makes it serve exactly the synthetic ports in the port tables (it also rescans every
 * second) and answers "ok" once it has.
 */
#define XVS_SYNTHETIC_QUEUES_MAX 16
/* A synthetic port's MTU (L3 bytes, both ends of its device): frames are at most 9018 bytes
 * (VMBUS_FRAME_MAX: MTU 9000 + Ethernet header + one 802.1Q tag). */
#define XVS_SYNTHETIC_MTU_MIN     68
#define XVS_SYNTHETIC_MTU_MAX     9000
#define XVS_SYNTHETIC_MTU_DEFAULT 1500
int xvs_synthetic_devs(const char *sw, const char *port, char sw_end[16], char xvsd_end[16]);
/* $XVS_RUN/<switch>/<port>.<ext> ("sock", "stats"). */
void xvs_synthetic_path(const char *sw, const char *port, const char *ext, char *buf, size_t len);
/* One request to xvsd; -ENOTCONN with a message that says xvsd is not running. */
int xvs_xvsd_request(const char *req, char *reply, size_t len);
/* Ping xvsd until it answers or `ms` have passed (it may be starting): 0, or the last error
 * (-ENOTCONN: not running). */
int xvs_xvsd_wait(unsigned ms);
/* Refuses (changing nothing) unless xvsd is running; creates the veth (MTU mtu on both ends;
 * 0: XVS_SYNTHETIC_MTU_DEFAULT), attaches the switch end like any port, and returns once xvsd
 * serves the port's socket. */
int xvs_port_add_synthetic(struct xvs_switch *sw, const char *port, const __u8 *mac,
			   unsigned queues, unsigned mtu);
/* A synthetic port's MTU: both ends of its device. xvsd, if running, restarts the guest's
 * channel before this returns, and the guest reconnects with the new MTU and frame size. */
int xvs_port_set_mtu(struct xvs_switch *sw, const char *port, unsigned mtu);
/* A port's MTU: its netdev's; for a synthetic port the smaller of its device's two ends. */
int xvs_port_mtu(const struct xvs_switch *sw, const struct xvs_port *p, unsigned *mtu);
/* VMQ on or off for a synthetic port of an external XDP switch (docs/SYNTHETIC.md, "VMQ").
 * On: refuses (changing nothing) unless xvsd is running, and returns once xvsd has bound the
 * port's sockets on every uplink queue (or puts the flag back and says why it could not). Off:
 * the fast path stops at once; xvsd drains what the sockets hold, then lets go. */
int xvs_port_set_vmq(struct xvs_switch *sw, const char *port, bool on);
/* Called by xvs_port_del() for a synthetic port: xvsd lets go, the veth and files go. */
void xvs_synthetic_forget(struct xvs_switch *sw, const struct xvs_port *p);

/* Per-queue counters xvsd writes to $XVS_RUN/<switch>/<port>.stats (text, one "key value..."
 * per line, replaced atomically about once a second). */
struct xvs_synthetic_queue_stats {
	__u64 tx_packets, tx_bytes;    /* from the guest into the switch */
	__u64 rx_packets, rx_bytes;    /* from the switch into the guest */
	__u64 tx_drops, rx_drops;      /* no room in the socket / no guest, no guest slot */
	__u64 violations;              /* protocol violations of guests on this queue */
	__u64 rx_ring_full;            /* dropped by the kernel before xvsd saw them: the AF_XDP
					* socket's RX ring was full or had no free buffer */
};
struct xvs_synthetic_stats {
	bool guest;                    /* a guest is connected now */
	__u64 connects, disconnects, broken;
	char last_violation[32];       /* "-" if none */
	unsigned queues;
	struct xvs_synthetic_queue_stats q[XVS_SYNTHETIC_QUEUES_MAX];
	/* VMQ: frames the uplink handed straight to the port's sockets on its queues (the
	 * per-queue rx counters above count the port device path only). */
	bool vmq;                      /* xvsd has VMQ sockets bound for the port now */
	unsigned vmq_queues;           /* on this many uplink queues */
	__u64 vmq_rx_packets, vmq_rx_bytes, vmq_rx_drops;
	__u64 vmq_rx_ring_full;        /* as rx_ring_full, on the VMQ sockets */
};
/* -ENOENT if xvsd has not written the file (not running, or not serving the port). */
int xvs_synthetic_stats_read(const char *sw, const char *port, struct xvs_synthetic_stats *st);
int xvs_synthetic_stats_write(const char *sw, const char *port,
			      const struct xvs_synthetic_stats *st);

/* Private VLAN domains (loader/pvlan.c), derived from the ports' modes. `changed` is a port
 * in its new mode, or NULL. check: would the domains be consistent? apply: write the
 * secondary -> primary map; before = only additions (call before writing the port), else
 * only removals (after). */
bool xvs_vlan_mode_is_private(__u8 mode);
int xvs_pvlan_check(struct xvs_switch *sw, const struct xvs_port *changed);
/* The same check over a set of ports that need not exist (a configuration file's); *bad is
 * the index of the port whose secondaries conflict. */
int xvs_pvlan_check_ports(const struct xvs_port *ports, int n, int *bad);
int xvs_pvlan_apply(struct xvs_switch *sw, const struct xvs_port *changed, bool before);
/* The VLAN MACs of `vlan` are learned in: its primary if it is a secondary, else itself. */
__u16 xvs_pvlan_learning_vlan(struct xvs_switch *sw, __u16 vlan);

/* FDB. */
struct xvs_fdb_row {
	struct xvs_fdb_key key;
	struct xvs_fdb_entry entry;
};
int xvs_fdb_dump(struct xvs_switch *sw, struct xvs_fdb_row **rows, int *count);
int xvs_fdb_add_static(struct xvs_switch *sw, const __u8 *mac, __u16 vlan, const char *port);
/* Remove one static entry (in the VLAN it is filed under: a secondary's primary). */
int xvs_fdb_del_static(struct xvs_switch *sw, const __u8 *mac, __u16 vlan);
/* Remove all learned entries; static entries stay. */
int xvs_fdb_flush(struct xvs_switch *sw);
/* Remove the learned entries of one port (on port del, VLAN change, link down). */
int xvs_fdb_flush_port(struct xvs_switch *sw, __u32 ifindex);
/* Remove every entry of one port, static ones too (on port del). */
int xvs_fdb_forget_port(struct xvs_switch *sw, __u32 ifindex);
__u32 xvs_fdb_learned_count(struct xvs_switch *sw, __u16 port_id);

/*
 * Declarative configuration (loader/config*.c, docs/CONFIG.md): `xvs apply` and `xvs save`.
 * A file is parsed and checked whole into a model (errors: "FILE:LINE: reason"); the running
 * state reads into the same model; a plan is the ordered list of steps from one to the other,
 * complete before the first change; executing it undoes what it did if a step fails.
 */
#define XVS_CONFIG_DEFAULT "/etc/xvs/xvs.yaml"
struct xvs_cfg;
struct xvs_plan;
/* The host's saved configuration: $XVS_CONFIG, else XVS_CONFIG_DEFAULT. */
const char *xvs_config_path(void);
/* `name` is used in messages; xvs_cfg_load reads a file ("-": standard input). */
int xvs_cfg_parse(const char *name, const char *text, size_t len, struct xvs_cfg **out);
int xvs_cfg_load(const char *path, struct xvs_cfg **out);
/* Every switch of this host as it runs. */
int xvs_cfg_running(struct xvs_cfg **out);
void xvs_cfg_free(struct xvs_cfg *cfg);
bool xvs_cfg_has_switch(const struct xvs_cfg *cfg, const char *name);
/* The configuration as YAML (only switch `only`, if not NULL); *text is malloc'd. A port
 * that cannot be written (its netdev is gone) is left out with a warning (xvs_warning()). */
int xvs_cfg_emit(const struct xvs_cfg *cfg, const char *only, char **text, size_t *len);
/* Replace path with text: a temporary file in the same directory, fsync, rename, fsync of
 * the directory (created if missing, one level). */
int xvs_write_file_atomic(const char *path, const char *text, size_t len);

struct xvs_plan_opts {
	const char *const *scope;    /* switches to reconcile; nscope 0: every switch of the host */
	int nscope;                  /* (a switch in scope but not in `want` is removed) */
	bool check_host;             /* netdevs exist and belong to nobody outside the scope */
};
/* Steps from `have` (the running state) to `want`. Both must outlive the plan: executing
 * it goes back to `have` if a step fails. */
int xvs_cfg_plan(const struct xvs_cfg *want, const struct xvs_cfg *have,
		 const struct xvs_plan_opts *opts, struct xvs_plan **out);
int xvs_plan_len(const struct xvs_plan *plan);
const char *xvs_plan_step_text(const struct xvs_plan *plan, int i);
enum xvs_report { XVS_REPORT_DONE, XVS_REPORT_WARNING, XVS_REPORT_UNDO };
typedef void (*xvs_plan_report_fn)(void *ctx, const char *text, enum xvs_report kind);
/* Run the steps, reporting each; on a failure, undo (reported too) and return its error with
 * xvs_errmsg() naming the step and whether the undo was complete. Hold xvs_lock(). */
int xvs_plan_execute(const struct xvs_plan *plan, xvs_plan_report_fn report, void *ctx);
void xvs_plan_free(struct xvs_plan *plan);

/* ACLs (loader/acl.c). A rule is a struct xvs_acl_rule filled by the caller (kind, dirs,
 * action, match, family, addresses and prefix lengths, protocol, port ranges (0-65535 = any),
 * weight, flags, idle_timeout); libxvs fills id, slot and port_id. add_many adds all rules to
 * one port or none; ids are unique per switch and never reused. */
int xvs_acl_add(struct xvs_switch *sw, const char *port, struct xvs_acl_rule *rule);
int xvs_acl_add_many(struct xvs_switch *sw, const char *port, struct xvs_acl_rule *rules, int n);
int xvs_acl_del(struct xvs_switch *sw, const char *port, __u32 id);
struct xvs_acl_row {
	struct xvs_acl_rule rule;
	struct xvs_acl_hits hits;        /* summed over CPUs */
	char port[XVS_NAME_LEN];
};
/* The rules of one port (or all, port NULL), by port id and rule id; *rows is malloc'd. */
int xvs_acl_list(struct xvs_switch *sw, const char *port, struct xvs_acl_row **rows, int *count);
/* Rules, entries and flows of a port that is being deleted. */
int xvs_acl_forget_port(struct xvs_switch *sw, __u16 port_id);
/* Stateful flows of a port (0: all), the table's size and how many expired so far. */
int xvs_acl_flows(struct xvs_switch *sw, __u16 port_id, __u32 *flows, __u32 *table_size,
		  __u64 *expired);
int xvs_acl_parse_prefix(const char *s, __u8 addr[16], __u8 *plen, __u8 *family);
int xvs_acl_parse_port_range(const char *s, __u16 *lo, __u16 *hi);
/* tcp, udp, icmp (ICMPv4 or ICMPv6) or 0-255; sets XVS_ACL_PROTO_SET (and _ICMP_ANY). */
int xvs_acl_parse_proto(const char *s, __u8 *proto, __u8 *flags);
int xvs_acl_parse_dir(const char *s, __u8 *dirs);
int xvs_acl_parse_action(const char *s, __u8 *action);
const char *xvs_acl_action_name(__u8 action);
const char *xvs_acl_dir_name(__u8 dirs);
/* "remote-ip 10.0.0.0/8", "proto tcp remote-ip ... remote-port 80 stateful idle-timeout 60s" */
void xvs_acl_format_match(const struct xvs_acl_rule *r, char *buf, size_t len);

/* Counters, summed over CPUs. */
int xvs_stats_read(struct xvs_switch *sw, __u16 port_id, struct xvs_port_stats *out);
int xvs_stats_reset(struct xvs_switch *sw, __u16 port_id);
const char *xvs_drop_name(int reason);

/* Parsing helpers shared by the tool and the tests. */
/* Switch and port names: 1..max of [A-Za-z0-9_-], not starting with '-'. */
int xvs_valid_name(const char *s, size_t max);
int xvs_parse_mac(const char *s, __u8 mac[6]);
void xvs_format_mac(const __u8 mac[6], char buf[18]);
int xvs_parse_vid(const char *s, __u16 *vid);
/* "2-4,10" or "all" into a 4096-bit bitmap; VIDs 1..4094 only. */
int xvs_parse_vid_list(const char *s, __u64 vids[XVS_VLAN_WORDS]);
/* The inverse, compact ranges; returns the length written (truncated to len). */
int xvs_format_vid_list(const __u64 vids[XVS_VLAN_WORDS], char *buf, size_t len);
/* A port's VLAN mode in the words of `port set ... vlan`: "access 10", "trunk 2-4 native 1".
 * compact (configuration files): "all" for 1-4094 and no "native 0"; else as `port show`
 * prints it (always the native VLAN). */
void xvs_vlan_format(const struct xvs_port *p, bool compact, char *buf, size_t len);

#endif
