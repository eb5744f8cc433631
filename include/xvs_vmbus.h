/* SPDX-License-Identifier: MIT */
/*
 * xvs ring channel ("vmbus") wire format: what the host (VSP, in xvsd) and the guest (VSC,
 * xvs-vsc or any poll-mode program) share. vmbus/PROTOCOL.md explains every field, who
 * writes it and what the host does when the guest gets it wrong.
 *
 * This lives beside include/xvs_abi.h rather than inside it because no BPF program includes
 * it: xvs_abi.h is the BPF <-> userspace ABI, this is the host <-> guest ABI. The same rules
 * hold: fixed-width types, explicit padding, a size assert on every struct. Everything is
 * little-endian (host and guest are the same machine).
 */
#ifndef XVS_VMBUS_H
#define XVS_VMBUS_H

#include <linux/types.h>

#define VMBUS_VERSION_MIN 1            /* protocol versions this tree implements */
#define VMBUS_VERSION_MAX 1

/* ---- limits ------------------------------------------------------------------------------ */

#define VMBUS_MAX_QUEUES     16        /* queue pairs per channel */
#define VMBUS_RING_MIN       64        /* entries per ring: a power of two in [MIN, MAX] */
#define VMBUS_RING_MAX       4096
#define VMBUS_SLOTS_MAX      32768     /* slot ids are __u16; per queue pair */
#define VMBUS_SLOT_SIZE_MIN  2048      /* bytes per slot: a power of two in [MIN, MAX] */
#define VMBUS_SLOT_SIZE_MAX  16384
#define VMBUS_ETH_HLEN       14
#define VMBUS_FRAME_MIN      VMBUS_ETH_HLEN
#define VMBUS_FRAME_MAX      9018      /* MTU 9000 + Ethernet header + one 802.1Q tag */
#define VMBUS_CHAIN_MAX      16        /* descriptors per frame */
#define VMBUS_GSO_SIZE_MIN   64        /* smallest MSS the host accepts */

/* ---- feature bits (HELLO: what the guest can do; INIT: what both will use) --------------- */

enum vmbus_feature {
	VMBUS_F_CSUM = 1u << 0,        /* partial checksums: csum_start/csum_offset are valid */
	VMBUS_F_GSO  = 1u << 1,        /* GSO superframes: gso_type/gso_size; needs VMBUS_F_CSUM */
	VMBUS_F_VLAN = 1u << 2,        /* 802.1Q tag out of band in vlan_tci */
};
#define VMBUS_F_ALL (VMBUS_F_CSUM | VMBUS_F_GSO | VMBUS_F_VLAN)

/* ---- shared memory: rings ----------------------------------------------------------------- */

/*
 * Each ring has a producer line, a consumer line and a wakeup line, 128 bytes each so that each
 * line has one writer (the adjacent-line prefetcher pulls pairs of 64-byte lines). Indices are
 * free-running __u32: entry i lives at i & (ring_size - 1); prod - cons is the number of
 * entries ready.
 */
#define VMBUS_LINE 128

struct vmbus_ring_prod {               /* written only by the ring's producer */
	__u32 prod;                    /* next entry the producer will write */
	__u32 reserved;                /* 0; never read by the host */
	__u8  pad[VMBUS_LINE - 8];
};
_Static_assert(sizeof(struct vmbus_ring_prod) == VMBUS_LINE, "vmbus_ring_prod ABI");

struct vmbus_ring_cons {               /* written only by the ring's consumer */
	__u32 cons;                    /* next entry the consumer will read */
	__u32 reserved;                /* 0; never read by the host */
	__u8  pad[VMBUS_LINE - 8];
};
_Static_assert(sizeof(struct vmbus_ring_cons) == VMBUS_LINE, "vmbus_ring_cons ABI");

/* Also written only by the consumer, but rarely (when it arms or disarms), while the producer
 * reads it after every batch: on its own line it stays in the producer's cache instead of
 * missing on a line the consumer dirties every batch. */
struct vmbus_ring_wakeup {
	__u32 flags;                   /* enum vmbus_ring_flags */
	__u32 reserved;
	__u8  pad[VMBUS_LINE - 8];
};
_Static_assert(sizeof(struct vmbus_ring_wakeup) == VMBUS_LINE, "vmbus_ring_wakeup ABI");

enum vmbus_ring_flags {
	/* The consumer is about to sleep (or sleeps) on its doorbell: a producer that publishes
	 * entries must ring it. See PROTOCOL.md "Signalling" for the race and the re-check. */
	VMBUS_RING_NEED_WAKEUP = 1u << 0,
};

/* TX and RX descriptor: one slot's worth of a frame. A frame is a chain of descriptors linked
 * by VMBUS_DESC_NEXT; the offload fields are valid on the first descriptor only and must be
 * zero on the others. */
struct vmbus_desc {
	__u16 slot;                    /* slot id within the queue pair: never an address */
	__u16 offset;                  /* first byte within the slot */
	__u16 len;                     /* bytes in this slot, >= 1, offset + len <= slot_size */
	__u16 flags;                   /* enum vmbus_desc_flags */
	__u16 vlan_tci;                /* VMBUS_DESC_VLAN: the 802.1Q TCI (PCP, DEI, VID) */
	__u16 csum_start;              /* VMBUS_DESC_CSUM: checksum from here to the end ... */
	__u8  csum_offset;             /* ... stored at csum_start + csum_offset (6 UDP, 16 TCP) */
	__u8  gso_type;                /* VMBUS_DESC_GSO: enum vmbus_gso_type */
	__u16 gso_size;                /* VMBUS_DESC_GSO: payload bytes per segment (MSS) */
};
_Static_assert(sizeof(struct vmbus_desc) == 16, "vmbus_desc ABI");

enum vmbus_desc_flags {
	VMBUS_DESC_NEXT = 1u << 0,     /* the frame continues in the next descriptor */
	VMBUS_DESC_CSUM = 1u << 1,     /* checksum not yet computed (partial), see csum_* */
	VMBUS_DESC_GSO  = 1u << 2,     /* a superframe to be segmented at gso_size */
	VMBUS_DESC_VLAN = 1u << 3,     /* vlan_tci holds a tag that is not in the bytes */
};
#define VMBUS_DESC_OFFLOADS (VMBUS_DESC_CSUM | VMBUS_DESC_GSO | VMBUS_DESC_VLAN)
#define VMBUS_DESC_KNOWN    (VMBUS_DESC_NEXT | VMBUS_DESC_OFFLOADS)

enum vmbus_gso_type {
	VMBUS_GSO_NONE  = 0,
	VMBUS_GSO_TCPV4 = 1,
	VMBUS_GSO_TCPV6 = 2,
	VMBUS_GSO_UDP_L4 = 3,
};

/* Completion and fill rings carry bare slot ids: one __u32 per entry, upper 16 bits zero. */
typedef __u32 vmbus_slot_entry;

/* Start of the region: written by the host once, before the guest sees the region, and never
 * read back by the host (the guest could have changed it). The guest cross-checks it against
 * INIT. */
#define VMBUS_REGION_MAGIC 0x4e474552534d5658ULL /* "XVMSREGN" */
struct vmbus_region_hdr {
	__u64 magic;
	__u64 size;                    /* bytes of the whole region */
	__u16 version;
	__u16 queues;
	__u32 ring_size;
	__u32 slots;
	__u32 slot_size;
	__u8  pad[VMBUS_LINE - 32];
};
_Static_assert(sizeof(struct vmbus_region_hdr) == VMBUS_LINE, "vmbus_region_hdr ABI");

/* ---- handshake messages (SOCK_SEQPACKET, one message per datagram) ------------------------ */

#define VMBUS_MSG_MAGIC 0x42564d58u    /* "XMVB" */
#define VMBUS_MSG_MAX   64             /* no message is larger */

enum vmbus_msg_type {
	VMBUS_MSG_HELLO     = 1,       /* guest -> host */
	VMBUS_MSG_INIT      = 2,       /* host -> guest */
	VMBUS_MSG_REGION    = 3,       /* host -> guest, with fds (SCM_RIGHTS) */
	VMBUS_MSG_READY     = 4,       /* guest -> host */
	VMBUS_MSG_CONNECTED = 5,       /* host -> guest */
	VMBUS_MSG_ERROR     = 6,       /* host -> guest; the channel is broken */
};

struct vmbus_msg_hdr {
	__u32 magic;                   /* VMBUS_MSG_MAGIC */
	__u16 type;                    /* enum vmbus_msg_type */
	__u16 length;                  /* bytes of the whole message, header included */
};
_Static_assert(sizeof(struct vmbus_msg_hdr) == 8, "vmbus_msg_hdr ABI");

/* Sizes of everything in the region and of frames; see PROTOCOL.md for the valid ranges. */
struct vmbus_limits {
	__u16 queues;                  /* queue pairs */
	__u16 max_chain;               /* descriptors per frame */
	__u32 ring_size;               /* entries per ring (all four rings of a queue pair) */
	__u32 slots;                   /* slots per queue pair */
	__u32 slot_size;               /* bytes per slot */
	__u32 max_frame;               /* bytes per frame (sum of a chain's lengths) */
};
_Static_assert(sizeof(struct vmbus_limits) == 20, "vmbus_limits ABI");

struct vmbus_msg_hello {
	struct vmbus_msg_hdr hdr;
	__u16 version_min;             /* the guest speaks every version in [min, max] */
	__u16 version_max;
	__u32 features;                /* enum vmbus_feature: what the guest can use */
	struct vmbus_limits limits;    /* what the guest asks for (upper bounds) */
	__u32 pad;
};
_Static_assert(sizeof(struct vmbus_msg_hello) == 40, "vmbus_msg_hello ABI");

struct vmbus_msg_init {
	struct vmbus_msg_hdr hdr;
	__u16 version;                 /* chosen: the highest both speak */
	__u16 mtu;                     /* the port's MTU (L3 bytes) */
	__u32 features;                /* chosen: guest's & host's */
	__u64 region_size;             /* bytes of the memfd that follows */
	struct vmbus_limits limits;    /* chosen: each <= the guest's and the host's */
	__u8  mac[6];                  /* the port's MAC */
	__u8  pad[6];
};
_Static_assert(sizeof(struct vmbus_msg_init) == 56, "vmbus_msg_init ABI");

/* Carries 1 + 2 * queues fds: the region memfd, then per queue pair the guest -> host doorbell
 * (an eventfd) and the host -> guest doorbell (the read end of a pipe). */
struct vmbus_msg_region {
	struct vmbus_msg_hdr hdr;
	__u64 region_size;
	__u16 queues;
	__u16 nfds;
	__u32 pad;
};
_Static_assert(sizeof(struct vmbus_msg_region) == 24, "vmbus_msg_region ABI");

struct vmbus_msg_error {
	struct vmbus_msg_hdr hdr;
	__u32 violation;               /* enum vmbus_violation: why the host broke the channel */
	__u32 pad;
};
_Static_assert(sizeof(struct vmbus_msg_error) == 16, "vmbus_msg_error ABI");

/* READY and CONNECTED are a bare header. */

/* ---- violations ------------------------------------------------------------------------- */

/*
 * What a peer did wrong. The host counts each kind per channel and breaks the channel on the
 * first one; the guest library reports the host-side kinds (REGION_*, DOORBELL_TYPE, INIT,
 * RX_DESC) from its own checks. Append only: the numbers are on the wire (ERROR) and index
 * counters.
 */
enum vmbus_violation {
	VMBUS_V_NONE = 0,
	/* indices */
	VMBUS_V_PROD_JUMP,             /* producer index more than ring_size ahead of the consumer */
	VMBUS_V_PROD_REVERSE,          /* producer index moved backwards */
	VMBUS_V_CONS_INVALID,          /* consumer index behind its last value or beyond prod */
	/* descriptors and slot entries */
	VMBUS_V_SLOT_RANGE,            /* slot id >= slots, or upper bits set in a slot entry */
	VMBUS_V_SLOT_NOT_OWNED,        /* TX names a slot the guest lent to the host (fill) */
	VMBUS_V_SLOT_DUPLICATE,        /* a slot id twice in flight */
	VMBUS_V_DESC_FLAGS,            /* unknown flag bits */
	VMBUS_V_DESC_RESERVED,         /* offload field set without its flag or past the first desc */
	VMBUS_V_DESC_OFFSET,           /* offset >= slot_size */
	VMBUS_V_DESC_LEN_ZERO,         /* len == 0 */
	VMBUS_V_DESC_BOUNDS,           /* offset + len > slot_size */
	/* frames */
	VMBUS_V_CHAIN_UNTERMINATED,    /* the last published descriptor has VMBUS_DESC_NEXT */
	VMBUS_V_CHAIN_TOO_LONG,        /* more than max_chain descriptors */
	VMBUS_V_FRAME_SHORT,           /* fewer than 14 bytes */
	VMBUS_V_FRAME_LONG,            /* more than max_frame bytes */
	VMBUS_V_OFFLOAD_FEATURE,       /* offload flag for a feature that was not negotiated */
	VMBUS_V_CSUM,                  /* checksum start/offset outside the frame or not 6/16 */
	VMBUS_V_GSO,                   /* bad GSO type or size, or GSO without CSUM */
	/* doorbells */
	VMBUS_V_DOORBELL_STORM,        /* too many doorbells the host did not ask for, in a row */
	/* handshake */
	VMBUS_V_MSG_MAGIC,             /* wrong magic or unknown type */
	VMBUS_V_MSG_SIZE,              /* truncated, oversized or length field wrong */
	VMBUS_V_MSG_ORDER,             /* a message the state does not expect */
	VMBUS_V_MSG_FDS,               /* the guest sent file descriptors */
	VMBUS_V_VERSION,               /* no common protocol version */
	VMBUS_V_LIMITS,                /* a limit that cannot be clamped into range (e.g. 0) */
	/* found by the guest, about the host */
	VMBUS_V_REGION_TYPE,           /* the region fd is not a memfd */
	VMBUS_V_REGION_SEALS,          /* the region lacks F_SEAL_SHRINK|GROW|SEAL */
	VMBUS_V_REGION_SIZE,           /* the region's size is not what INIT announced */
	VMBUS_V_DOORBELL_TYPE,         /* a doorbell fd is not an eventfd / pipe read end */
	VMBUS_V_INIT,                  /* INIT chose what the guest did not offer */
	VMBUS_V_RX_DESC,               /* the host wrote a bad RX descriptor or completion */
	VMBUS_V_COUNT,
};

#endif
