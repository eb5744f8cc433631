/* SPDX-License-Identifier: MIT */
/*
 * xvs ABI: every struct and enum shared by the BPF dataplane and userspace.
 *
 * This header is included by both sides (BPF with clang -target bpf, userspace with gcc), so it
 * uses only fixed-width kernel types. Every struct has explicit padding and a static size
 * assert: a map key or value that changes size is an ABI break and must fail the build.
 */
#ifndef XVS_ABI_H
#define XVS_ABI_H

#include <linux/types.h>
#include <linux/bpf.h>   /* struct bpf_spin_lock */

#define XVS_MAX_PORTS     256   /* port ids are 1..XVS_MAX_PORTS-1; 0 means "no port" */
#define XVS_NAME_LEN      16    /* port and switch names, like IFNAMSIZ */
#define XVS_VID_MAX       4094  /* usable VLAN ids are 1..4094; 0 = the untagged network */
#define XVS_VID_RESERVED  4095
#define XVS_VLAN_WORDS    64    /* 4096-bit VLAN membership bitmap as 64 x u64 */

#define XVS_FDB_DEFAULT_MAX    131072 /* global FDB cap (map size) */
#define XVS_AGING_DEFAULT_SEC  300
#define XVS_MAC_LIMIT_DEFAULT  0      /* 0: no per-port cap beyond the global one */

/*
 * VMQ (docs/SYNTHETIC.md, "VMQ"): map xvs_vmq is an XSKMAP keyed by
 * port id * XVS_VMQ_QUEUES + the uplink rx queue a frame arrived on; xvsd binds one AF_XDP
 * socket per VMQ port and uplink queue and fills it. Frames on queues >= XVS_VMQ_QUEUES, frames
 * larger than XVS_VMQ_FRAME_MAX (xvsd's umem frame less the XDP headroom) and multi-buffer
 * frames take the normal path through the port device.
 */
#define XVS_VMQ_QUEUES    64
#define XVS_VMQ_FRAME_MAX 3840

/* QoS limits (see docs/DATAPLANE.md, "QoS"). */
#define XVS_RATE_MAX_BPS       100000000000ULL /* max-rate and uplink-rate: at most 100 gbit */
#define XVS_RATE_MIN_BPS       8000ULL         /* and at least 8 kbit (1000 bytes/s) */
#define XVS_STORM_MAX_PPS      100000000u
#define XVS_MIN_WEIGHT_MAX     100             /* min-weight 1..100, like Hyper-V; 0 = none */
#define XVS_SHARE_PERIOD_MS    100             /* the min-weight share is recomputed this often */

/* Port VLAN mode, see the frame-semantics table in DESIGN.md. */
enum xvs_vlan_mode {
	XVS_VLAN_UNTAGGED    = 0,
	XVS_VLAN_ACCESS      = 1,
	XVS_VLAN_TRUNK       = 2,
	/* Private VLANs (pvlan_primary / pvlan_secondary; promiscuous: secondaries in
	 * trunk_vids). Untagged on the wire like access ports. */
	XVS_VLAN_ISOLATED    = 3, /* sends on its secondary, receives only from the primary */
	XVS_VLAN_COMMUNITY   = 4, /* sends on its secondary, receives from it and the primary */
	XVS_VLAN_PROMISCUOUS = 5, /* sends on the primary, receives from it and its secondaries */
};

/* Port flags (struct xvs_port.flags). */
enum xvs_port_flags {
	XVS_PORT_LINK_UP     = 1 << 0, /* administratively up: sends and receives */
	XVS_PORT_HAS_MAC     = 1 << 1, /* .mac is the VM adapter's configured MAC */
	XVS_PORT_ALLOW_SPOOF = 1 << 2, /* MAC spoofing allowed: any source MAC accepted */
	XVS_PORT_DHCP_GUARD  = 1 << 3, /* drop DHCP server messages sent by the VM */
	XVS_PORT_ROUTER_GUARD = 1 << 4,/* drop router advertisements and redirects sent by the VM */
	XVS_PORT_CAPTURE     = 1 << 5, /* copy what the port sends and receives to xvs_capture */
	XVS_PORT_MIRRORED    = 1 << 6, /* a mirror source while the switch has a destination:
					* set by userspace (loader/mirror.c), read by the fast path */
	XVS_PORT_VMQ         = 1 << 7, /* synthetic port with VMQ on: known unicast for it from
					* the uplink goes straight to its AF_XDP socket on the
					* uplink's rx queue (xvs_vmq), when xvsd has bound one */
	/* ACL presence (derived by loader/acl.c from the port's rules), so a port without a kind
	 * of rule pays one flag test for it. */
	XVS_PORT_ACL_MAC     = 1 << 12,/* has port ACL MAC rules (allow/deny) */
	XVS_PORT_ACL_IP      = 1 << 13,/* has port ACL IP prefix rules (allow/deny) */
	XVS_PORT_ACL_METER   = 1 << 14,/* has port ACL meter rules */
	XVS_PORT_XACL        = 1 << 15,/* has extended ACL rules */
	XVS_PORT_STATEFUL    = 1 << 16,/* has stateful extended rules (and so maybe flows) */
};
#define XVS_PORT_ACL_ANY (XVS_PORT_ACL_MAC | XVS_PORT_ACL_IP | XVS_PORT_ACL_METER | XVS_PORT_XACL)

/*
 * ACL presence per direction and lookup (struct xvs_port.acl_mask, derived by loader/acl.c
 * together with the XVS_PORT_ACL_* flags), so a frame pays only for the lookups that can match
 * on its port in its direction: a port with only `out` rules on remote addresses does no
 * local-address lookup, and nothing at all for `in` (bpf/lib/acl.h). One byte per direction
 * for the port ACL, XVS_ACLM_PORT(dir, bits) (IP: either family); extended ACL rules:
 * XVS_ACLM_XACL(dir). Stateful flows are looked up in both directions while the port has
 * XVS_PORT_STATEFUL.
 */
enum xvs_acl_mask_bits {
	XVS_ACLM_MAC_LOCAL        = 1 << 0,
	XVS_ACLM_MAC_REMOTE       = 1 << 1,
	XVS_ACLM_IP_LOCAL         = 1 << 2,
	XVS_ACLM_IP_REMOTE        = 1 << 3,
	XVS_ACLM_METER_MAC_LOCAL  = 1 << 4,
	XVS_ACLM_METER_MAC_REMOTE = 1 << 5,
	XVS_ACLM_METER_IP_LOCAL   = 1 << 6,
	XVS_ACLM_METER_IP_REMOTE  = 1 << 7,
};
#define XVS_ACLM_MAC    (XVS_ACLM_MAC_LOCAL | XVS_ACLM_MAC_REMOTE)
#define XVS_ACLM_IP     (XVS_ACLM_IP_LOCAL | XVS_ACLM_IP_REMOTE)
#define XVS_ACLM_METER  0xf0u
#define XVS_ACLM_PORT(dir, bits) ((__u32)(bits) << (8 * (dir)))
#define XVS_ACLM_XACL(dir)       (1u << (16 + (dir)))
/* Every bit of one direction. */
#define XVS_ACLM_DIR(dir)        (XVS_ACLM_PORT(dir, 0xffu) | XVS_ACLM_XACL(dir))

/* Port mirroring role (struct xvs_port.mirror). */
enum xvs_mirror_mode {
	XVS_MIRROR_NONE        = 0,
	XVS_MIRROR_SOURCE      = 1, /* every frame the port sends or receives is copied ... */
	XVS_MIRROR_DESTINATION = 2, /* ... to every destination port of the switch */
};

/* Port kind, for display and for what `switch del` must remove. */
enum xvs_port_kind {
	XVS_PORT_VM     = 0, /* emulated VM NIC: an existing netdev */
	XVS_PORT_HOST   = 1, /* the management OS adapter the switch created */
	XVS_PORT_UPLINK = 2, /* the external switch's physical NIC */
	XVS_PORT_SYNTHETIC = 3, /* paravirtual NIC: a veth whose far end xvsd serves */
};

/*
 * Why a frame was dropped. Each has a name in xvs_drop_names[] (loader) and is counted per
 * port. Append only: the numbers index xvs_port_stats.drops[].
 */
enum xvs_drop_reason {
	XVS_DROP_MALFORMED = 0,      /* shorter than its headers claim */
	XVS_DROP_LINK_DOWN,          /* ingress port is link down */
	XVS_DROP_RESERVED_MAC,       /* 01:80:c2:00:00:0x: STP, pause, LACP are never forwarded */
	XVS_DROP_INVALID_SRC_MAC,    /* multicast source MAC */
	XVS_DROP_VID_4095,           /* VID 4095 is reserved */
	XVS_DROP_BAD_TPID,           /* 0x88a8 / 0x9100 outer tag */
	XVS_DROP_VLAN0_STACKING,     /* VID 0 tag followed by another tag */
	XVS_DROP_FILTERED_VLAN,      /* tag not accepted by the port's VLAN mode */
	XVS_DROP_SECOND_TAG,         /* a second tag on a non-trunk port */
	XVS_DROP_MAC_SPOOFING,       /* source MAC is not the port's MAC */
	XVS_DROP_SAME_PORT,          /* destination was learned on the ingress port */
	XVS_DROP_EGRESS_LINK_DOWN,   /* known unicast to a port that is link down */
	XVS_DROP_EGRESS_VLAN,        /* known unicast to a port not in the frame's VLAN */
	XVS_DROP_NO_EGRESS,          /* egress port has no device entry (being removed) */
	XVS_DROP_INTERNAL,           /* a helper failed (adjust_head); should never happen */
	XVS_DROP_DHCP_GUARD,         /* DHCP server message from a VM with dhcp-guard on */
	XVS_DROP_ROUTER_GUARD,       /* RA / redirect from a VM with router-guard on */
	XVS_DROP_ACL,                /* denied by a port ACL */
	XVS_DROP_EXT_ACL,            /* denied by an extended ACL */
	XVS_DROP_FLOW_TABLE_FULL,    /* stateful ACL: no room for a new flow */
	XVS_DROP_QOS,                /* over the port's max-rate */
	XVS_DROP_STORM_LIMIT,        /* broadcast/multicast/unknown unicast over storm-limit */
	XVS_DROP_MTU_EXCEEDED,       /* larger than the egress port's MTU */
	XVS_DROP_RESERVED_ETHERTYPE, /* ethertype 0x88b5/0x88b6: xvs uses them inside the switch */
	XVS_DROP_NO_MGMT_OS,         /* the host stack sent on the uplink of a switch without a
				      * management OS adapter (--no-management-os) */
	XVS_DROP_JUMBO_FLOOD,        /* XDP: a multi-buffer (jumbo) frame to flood or mirror; the
				      * devmap cannot copy it (lib/output.h: xvs_can_copy) */
	XVS_DROP__MAX,
};
#define XVS_DROP_SLOTS 32
_Static_assert(XVS_DROP__MAX <= XVS_DROP_SLOTS, "drop reasons outgrew their counter slots");

/* Port table value. Map xvs_ports: key = ifindex (__u32) of the port's netdev. */
struct xvs_port {
	__u32 ifindex;
	__u16 id;                        /* 1..XVS_MAX_PORTS-1: index of counters */
	__u8  mode;                      /* enum xvs_vlan_mode */
	__u8  kind;                      /* enum xvs_port_kind */
	__u16 access_vid;                /* mode access */
	__u16 native_vid;                /* mode trunk: untagged frames join it (0 = untagged net) */
	__u32 flags;                     /* enum xvs_port_flags */
	__u32 mac_limit;                 /* max learned MACs on this port, 0 = only the global cap */
	__u8  mac[6];                    /* configured MAC if XVS_PORT_HAS_MAC */
	__u16 pad0;
	char  name[XVS_NAME_LEN];        /* port name within the switch */
	__u32 pad2;
	__u64 trunk_vids[XVS_VLAN_WORDS];/* mode trunk: allowed VIDs, bit v set = VID v allowed;
					  * mode promiscuous: its secondary VIDs */
	/* Private VLANs (modes isolated, community, promiscuous). */
	__u16 pvlan_primary;
	__u16 pvlan_secondary;           /* isolated, community: the port's secondary VID */
	/* Policy. */
	__u8  mirror;                    /* enum xvs_mirror_mode */
	__u8  pad1;
	__u16 mtu;                       /* unused by the dataplane (it reads device MTUs); the
					  * configuration code keeps a synthetic port's device MTU
					  * here (loader/config_keys.c), never the map */
	__u32 storm_limit_pps;           /* bcast/mcast/unknown unicast from the VM; 0 = off */
	__u32 min_bw_weight;             /* minimum-bandwidth share; 0 = none */
	__u64 max_rate_bps;              /* per direction, bits per second; 0 = unlimited */
	__u32 acl_mask;                  /* XVS_ACLM_* bits: which ACL lookups can match, per
					  * direction (derived by loader/acl.c from the rules) */
	__u32 pad3;
	__u64 reserved[3];               /* room for policy without an ABI break */
};
_Static_assert(sizeof(struct xvs_port) == 616, "struct xvs_port ABI");

/* FDB key: (VLAN, MAC). Map xvs_fdb. */
struct xvs_fdb_key {
	__u8  mac[6];
	__u16 vlan;                      /* internal VLAN: 0 = untagged network, else 1..4094 */
};
_Static_assert(sizeof(struct xvs_fdb_key) == 8, "struct xvs_fdb_key ABI");

enum xvs_fdb_flags {
	XVS_FDB_STATIC = 1 << 0,         /* added by the administrator: never aged, never moved */
};

struct xvs_fdb_entry {
	__u32 ifindex;                   /* the port's netdev, key of xvs_ports and the devmaps */
	__u16 port_id;
	__u16 flags;                     /* enum xvs_fdb_flags */
	__u64 last_seen;                 /* dataplane clock, seconds */
};
_Static_assert(sizeof(struct xvs_fdb_entry) == 16, "struct xvs_fdb_entry ABI");

/*
 * FDB generation. Map xvs_fdb_gen: ARRAY with one entry, key 0. The fast path remembers, per
 * CPU and port, the source it last confirmed in the FDB this second (bpf/lib/fdb.h: the learn
 * memo) and skips the lookup while the entry cannot have changed; anything that changes an
 * entry behind its back changes this value: the dataplane when a station moves (moves),
 * libxvs after it deletes or writes entries (admin, read-increment-write: a lost dataplane
 * increment still leaves a value never seen before).
 */
struct xvs_fdb_gen {
	__u32 moves;                     /* written by the dataplane (atomic add) */
	__u32 admin;                     /* written by libxvs */
};
_Static_assert(sizeof(struct xvs_fdb_gen) == 8, "struct xvs_fdb_gen ABI");

/* Per-port counters. Map xvs_stats: PERCPU_ARRAY indexed by port id; userspace sums CPUs. */
struct xvs_port_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 flooded;                   /* frames from this port flooded (bcast/mcast/unknown) */
	__u64 learn_refused_port;        /* new MAC not learned: port's mac-limit reached */
	__u64 learn_refused_table;       /* new MAC not learned: global FDB cap reached */
	__u64 learn_moves;               /* a learned MAC moved to this port */
	__u64 drops[XVS_DROP_SLOTS];
	__u64 mirrored;                  /* mirror copies this port sent (also in tx_*) */
	__u64 pad0;
};
_Static_assert(sizeof(struct xvs_port_stats) == 336, "struct xvs_port_stats ABI");

/* A captured frame: this header, then the frame's bytes, in the xvs_capture perf buffer. */
enum xvs_capture_dir {
	XVS_CAPTURE_RX = 0,              /* the port received it (from its NIC) */
	XVS_CAPTURE_TX = 1,              /* the port sent it (to its NIC) */
};

enum xvs_capture_flags {
	/* The frame's outer 802.1Q tag is not in the bytes that follow (TC keeps it out of band,
	 * in the skb): it is .tci, and belongs after the MAC addresses. */
	XVS_CAPTURE_TAG_OOB = 1 << 0,
};

struct xvs_capture_hdr {
	__u64 ts_ns;                     /* CLOCK_MONOTONIC */
	__u32 len;                       /* frame length on the wire, tag included */
	__u16 port_id;
	__u8  dir;                       /* enum xvs_capture_dir */
	__u8  flags;                     /* enum xvs_capture_flags */
	__u16 tci;                       /* XVS_CAPTURE_TAG_OOB: the outer tag's TCI ... */
	__u16 tpid;                      /* ... and TPID (host order) */
	__u32 caplen;                    /* bytes that follow (len, less an out-of-band tag) */
};
_Static_assert(sizeof(struct xvs_capture_hdr) == 24, "struct xvs_capture_hdr ABI");

enum xvs_switch_type {
	XVS_SWITCH_EXTERNAL = 0,
	XVS_SWITCH_INTERNAL = 1,
	XVS_SWITCH_PRIVATE  = 2,
};

enum xvs_switch_flags {
	XVS_SWITCH_NO_MGMT_OS = 1 << 0,  /* external switch without the host adapter */
	XVS_SWITCH_TC         = 1 << 1,  /* the TC flavour of the dataplane (set at creation;
					  * the dataplane does not read it) */
};

/* Switch-wide settings. Map xvs_config: ARRAY with one entry, key 0. */
struct xvs_config {
	__u32 aging_sec;                 /* learned entries idle this long are removed */
	__u32 type;                      /* enum xvs_switch_type */
	__u32 flags;                     /* enum xvs_switch_flags */
	__u32 fdb_max;                   /* the global cap (size of xvs_fdb), for display */
	char  name[XVS_NAME_LEN];
	char  uplink[XVS_NAME_LEN];      /* external: the uplink netdev name */
	__u64 uplink_rate_bps;           /* capacity min-weight shares out (lib/qos.h); 0: none */
};
_Static_assert(sizeof(struct xvs_config) == 56, "struct xvs_config ABI");

/* Dataplane-wide state the housekeeping timer maintains. Map xvs_clock: ARRAY, key 0. */
struct xvs_clock_state {
	__u64 now_sec;                   /* coarse clock read by the fast path */
	__u64 sweeps;                    /* aging sweeps done */
	__u64 aged;                      /* entries removed by aging */
	__u64 pad0;
};
_Static_assert(sizeof(struct xvs_clock_state) == 32, "struct xvs_clock_state ABI");

/* ---- ACLs (bpf/lib/acl.h, bpf/lib/flow.h, loader/acl.c) ----
 *
 * Directions are the VM's: `in` = to the VM = switch egress on the port, `out` = from the VM =
 * switch ingress. For `out`, local = the frame's source and remote = its destination; for `in`
 * the other way round.
 */
#define XVS_ACL_MAX_RULES        65536  /* rules per switch, port and extended ACLs together */
#define XVS_ACL_MAX_LPM          (2 * XVS_ACL_MAX_RULES) /* a `both` rule is two entries */
#define XVS_XACL_MAX_ENTRIES     262144 /* extended match entries (a port range may expand) */
#define XVS_XACL_MAX_SHAPES      16     /* distinct match shapes per port and direction */
#define XVS_XACL_WEIGHT_MAX      65535
#define XVS_FLOW_DEFAULT_MAX     65536  /* stateful flows per switch (--flow-table-size) */
#define XVS_FLOW_IDLE_DEFAULT    60     /* seconds a stateful flow lives without traffic */
#define XVS_FLOW_IDLE_MAX        86400

enum xvs_acl_dir {                      /* index of a direction */
	XVS_ACL_IN  = 0,
	XVS_ACL_OUT = 1,
};
#define XVS_ACL_DIR_BIT(d) (1u << (d))  /* rule direction mask: in = 1, out = 2, both = 3 */

enum xvs_acl_action {
	XVS_ACL_ALLOW = 0,
	XVS_ACL_DENY  = 1,
	XVS_ACL_METER = 2,                  /* port ACLs only: count, do not decide */
};

enum xvs_acl_kind {
	XVS_ACL_KIND_PORT     = 0,
	XVS_ACL_KIND_EXTENDED = 1,
};

/* Port ACL match (xvs_acl_rule.match for kind port). */
enum xvs_acl_match {
	XVS_ACL_REMOTE_MAC = 0,
	XVS_ACL_LOCAL_MAC  = 1,
	XVS_ACL_REMOTE_IP  = 2,
	XVS_ACL_LOCAL_IP   = 3,
};

/* Scope byte of the port ACL keys: which address, which family, which table. */
enum xvs_acl_scope {
	XVS_ACL_SCOPE_REMOTE = 1 << 0,      /* remote address (else local) */
	XVS_ACL_SCOPE_V6     = 1 << 1,      /* IPv6 (LPM keys only) */
	XVS_ACL_SCOPE_METER  = 1 << 2,      /* the meter table (else allow/deny) */
};

enum xvs_acl_rule_flags {
	XVS_ACL_STATEFUL  = 1 << 0,         /* extended allow: admit the flow's return traffic */
	XVS_ACL_PROTO_SET = 1 << 1,         /* extended: protocol given (else any) */
	XVS_ACL_ICMP_ANY  = 1 << 2,         /* extended: "icmp" = ICMPv4 or ICMPv6 */
};

/* One rule as the administrator wrote it. Map xvs_acl_rules: HASH, key = rule id (__u32).
 * Written and read by userspace only; the dataplane reads the entries derived from it. */
struct xvs_acl_rule {
	__u32 id;                        /* unique per switch, never reused */
	__u32 slot;                      /* index of its hit counter in xvs_acl_hits */
	__u16 port_id;
	__u8  kind;                      /* enum xvs_acl_kind */
	__u8  dirs;                      /* XVS_ACL_DIR_BIT mask */
	__u8  action;                    /* enum xvs_acl_action */
	__u8  match;                     /* port ACL: enum xvs_acl_match */
	__u8  family;                    /* 0 (a MAC, or extended without addresses), 4 or 6 */
	__u8  proto;                     /* extended: IP protocol if XVS_ACL_PROTO_SET */
	__u8  flags;                     /* enum xvs_acl_rule_flags */
	__u8  local_plen;                /* port ACL IP rules use the plen of their one address */
	__u8  remote_plen;
	__u8  pad0;
	__u16 weight;                    /* extended: 1..65535, highest first */
	__u16 pad1;
	__u16 local_port_lo, local_port_hi;   /* extended, inclusive; 0-65535 = any */
	__u16 remote_port_lo, remote_port_hi;
	__u32 idle_timeout;              /* stateful: seconds */
	__u8  mac[6];                    /* port ACL MAC rules */
	__u16 pad2;
	__u8  local_ip[16];              /* network byte order, IPv4 in the first 4 bytes */
	__u8  remote_ip[16];
};
_Static_assert(sizeof(struct xvs_acl_rule) == 76, "struct xvs_acl_rule ABI");

/* Hit counter of a rule. Map xvs_acl_hits: PERCPU_ARRAY indexed by xvs_acl_rule.slot. */
struct xvs_acl_hits {
	__u64 packets;
	__u64 bytes;
};
_Static_assert(sizeof(struct xvs_acl_hits) == 16, "struct xvs_acl_hits ABI");

/* What a port ACL entry decides. Value of xvs_acl_mac and xvs_acl_lpm. */
struct xvs_acl_val {
	__u32 rule_id;
	__u32 slot;
	__u8  action;                    /* enum xvs_acl_action */
	__u8  plen;                      /* prefix length of the address (128 for a MAC) */
	__u16 pad0;
};
_Static_assert(sizeof(struct xvs_acl_val) == 12, "struct xvs_acl_val ABI");

/* Port ACL MAC rules. Map xvs_acl_mac: HASH. */
struct xvs_acl_mac_key {
	__u16 port_id;
	__u8  dir;                       /* enum xvs_acl_dir */
	__u8  scope;                     /* XVS_ACL_SCOPE_REMOTE, _METER */
	__u8  mac[6];
	__u16 pad0;
};
_Static_assert(sizeof(struct xvs_acl_mac_key) == 12, "struct xvs_acl_mac_key ABI");

/* Port ACL IP prefix rules. Map xvs_acl_lpm: LPM_TRIE. prefixlen counts the bits after it:
 * 32 for port, direction and scope (always whole), then the address prefix. */
struct xvs_acl_lpm_key {
	__u32 prefixlen;
	__u16 port_id;
	__u8  dir;
	__u8  scope;                     /* enum xvs_acl_scope */
	__u8  addr[16];
};
_Static_assert(sizeof(struct xvs_acl_lpm_key) == 24, "struct xvs_acl_lpm_key ABI");
#define XVS_ACL_LPM_HDR_BITS 32

/* Extended ACLs: tuple-space search. A shape says which bits of a packet's fields a rule looks
 * at; every rule is stored under its shape (port ranges expand into prefix blocks, one shape
 * per block length), one hash lookup per shape finds the best rule of that shape. */
struct xvs_xacl_shape {
	__u8  family;                    /* 0 (any IP), 4 or 6 */
	__u8  proto_set;                 /* 1: protocol must match */
	__u8  local_plen, remote_plen;
	__u8  local_port_bits;           /* leading bits of the port that must match, 0..16 */
	__u8  remote_port_bits;
	__u16 pad0;
};
_Static_assert(sizeof(struct xvs_xacl_shape) == 8, "struct xvs_xacl_shape ABI");

/* Map xvs_xacl: HASH. Fields are the packet's fields masked by the shape. */
struct xvs_xacl_key {
	__u16 port_id;
	__u8  dir;
	__u8  proto;
	struct xvs_xacl_shape shape;
	__u8  local_ip[16];
	__u8  remote_ip[16];
	__u16 local_port;                /* host byte order */
	__u16 remote_port;
};
_Static_assert(sizeof(struct xvs_xacl_key) == 48, "struct xvs_xacl_key ABI");

/* The highest-weight rule among those stored under one key. */
struct xvs_xacl_val {
	__u32 rule_id;
	__u32 slot;
	__u16 weight;
	__u8  action;                    /* allow or deny */
	__u8  flags;                     /* XVS_ACL_STATEFUL */
	__u32 idle_timeout;
};
_Static_assert(sizeof(struct xvs_xacl_val) == 16, "struct xvs_xacl_val ABI");

struct xvs_xacl_shape_slot {
	struct xvs_xacl_shape shape;
	__u16 max_weight;                /* no rule of this shape weighs more: search may stop */
	__u16 pad0;
	__u32 pad1;
};
_Static_assert(sizeof(struct xvs_xacl_shape_slot) == 16, "struct xvs_xacl_shape_slot ABI");

/* Map xvs_xacl_shapes: HASH (no prealloc: replaced whole), key = port_id * 2 + dir. The
 * shapes in use, by max_weight descending. */
struct xvs_xacl_shapes {
	__u32 count;
	__u32 pad0;
	struct xvs_xacl_shape_slot s[XVS_XACL_MAX_SHAPES];
};
_Static_assert(sizeof(struct xvs_xacl_shapes) == 264, "struct xvs_xacl_shapes ABI");

/* Stateful flows. Map xvs_flows: HASH (not LRU), sized by --flow-table-size. The key is the
 * same in both directions (local/remote from the VM's view). ICMP echo flows carry the echo
 * identifier as both ports, other ICMP flows 0. */
struct xvs_flow_key {
	__u16 port_id;
	__u8  family;                    /* 4 or 6 */
	__u8  proto;
	__u16 local_port, remote_port;   /* host byte order */
	__u8  local_ip[16];
	__u8  remote_ip[16];
};
_Static_assert(sizeof(struct xvs_flow_key) == 40, "struct xvs_flow_key ABI");

struct xvs_flow {
	__u64 last_seen;                 /* dataplane clock, seconds */
	__u32 rule_id;                   /* the stateful rule that admitted it */
	__u32 slot;                      /* its hit counter */
	__u32 idle_timeout;              /* seconds */
	__u32 pad0;
};
_Static_assert(sizeof(struct xvs_flow) == 24, "struct xvs_flow ABI");

/* Switch-wide ACL state. Map xvs_acl_state: ARRAY, key 0. */
struct xvs_acl_state {
	__u32 next_id;                   /* the id the next rule gets (ids start at 1) */
	__u32 pad0;
	__u64 flows_expired;             /* flows removed for idleness (housekeeping) */
};
_Static_assert(sizeof(struct xvs_acl_state) == 16, "struct xvs_acl_state ABI");
/*
 * A token bucket. Tokens are counted in billionths of a byte (max-rate) or of a packet
 * (storm-limit), so a refill is exactly elapsed_ns x rate-per-second, with no division and no
 * rounding on the fast path (bpf/lib/qos.h).
 */
struct xvs_bucket {
	__u64 tokens;                    /* credit at stamp_ns, in 1e-9 bytes or packets */
	__u64 stamp_ns;                  /* bpf_ktime_get_ns() of the last refill; a stamp in the
					  * future freezes the refill until then (tests use it) */
};
_Static_assert(sizeof(struct xvs_bucket) == 16, "struct xvs_bucket ABI");

/* Per-port QoS state. Map xvs_qos: ARRAY indexed by port id; reset when a port is added. The
 * dataplane changes the buckets with atomic operations (bpf/lib/qos.h), not under `lock`,
 * which only userspace's BPF_F_LOCK reads and writes take; the min-weight fields are written
 * by the share timer. */
struct xvs_qos_state {
	struct bpf_spin_lock lock;
	__u32 share_tick;                /* share timer tick that last saw this port weighted */
	struct xvs_bucket out;           /* from the VM (switch ingress): max-rate and share */
	struct xvs_bucket in;            /* to the VM (switch egress): max-rate */
	struct xvs_bucket storm;         /* floods from the VM: storm-limit, in packets */
	__u64 offered_out;               /* bytes the VM offered since the last share tick */
	__u64 demand_out_Bps;            /* offered rate measured at the last tick, bytes/s */
	__u64 share_out_Bps;             /* min-weight share in force, bytes/s; 0 = no share limit */
	__u32 share_weight;              /* the weight the last tick used */
	__u32 pad0;
};
_Static_assert(sizeof(struct xvs_qos_state) == 88, "struct xvs_qos_state ABI");

#endif /* XVS_ABI_H */
