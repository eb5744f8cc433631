/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* Ethernet and 802.1Q header definitions and small MAC predicates. */
#ifndef XVS_LIB_ETH_H
#define XVS_LIB_ETH_H

#include <linux/types.h>
#include <bpf/bpf_endian.h>

#define XVS_ETH_ALEN    6
#define XVS_ETH_HLEN    14
#define XVS_VLAN_HLEN   4

#define XVS_TPID_8021Q  0x8100
#define XVS_TPID_8021AD 0x88a8
#define XVS_TPID_QINQ   0x9100
/* The tag of a frame in canonical form inside the switch (lib/output.h): the IEEE 802 local
 * experimental ethertypes, so no standard frame is mistaken for one. Frames arriving with
 * them are dropped (reserved-ethertype). */
#define XVS_TPID_CANONICAL        0x88b5
#define XVS_TPID_CANONICAL_MIRROR 0x88b6

#define XVS_ETH_P_IPV4  0x0800
#define XVS_ETH_P_IPV6  0x86dd

#define XVS_VID_MASK    0x0fff
#define XVS_PCP_DEI_MASK 0xf000

struct xvs_ethhdr {
	__u8   dst[XVS_ETH_ALEN];
	__u8   src[XVS_ETH_ALEN];
	__be16 proto;
} __attribute__((packed));

struct xvs_vlanhdr {
	__be16 tci;
	__be16 proto;                   /* the ethertype that follows the tag */
} __attribute__((packed));

/* Ethernet header with one 802.1Q tag, as a frame carries it. */
struct xvs_vlan_ethhdr {
	__u8   dst[XVS_ETH_ALEN];
	__u8   src[XVS_ETH_ALEN];
	__be16 tpid;
	__be16 tci;
	__be16 proto;
} __attribute__((packed));

static __always_inline int xvs_is_canonical_tpid(__be16 proto)
{
	return proto == bpf_htons(XVS_TPID_CANONICAL) || proto == bpf_htons(XVS_TPID_CANONICAL_MIRROR);
}

static __always_inline int xvs_is_tag_tpid(__be16 proto)
{
	return proto == bpf_htons(XVS_TPID_8021Q) || proto == bpf_htons(XVS_TPID_8021AD) ||
	       proto == bpf_htons(XVS_TPID_QINQ);
}

static __always_inline int xvs_mac_is_multicast(const __u8 *mac)
{
	return mac[0] & 1;
}

static __always_inline int xvs_mac_is_zero(const __u8 *mac)
{
	return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

/* 01:80:c2:00:00:00 to 01:80:c2:00:00:0f: bridge-filtered link-local (STP, pause, LACP). */
static __always_inline int xvs_mac_is_link_local(const __u8 *mac)
{
	return mac[0] == 0x01 && mac[1] == 0x80 && mac[2] == 0xc2 && mac[3] == 0 && mac[4] == 0 &&
	       (mac[5] & 0xf0) == 0;
}

static __always_inline int xvs_mac_equal(const __u8 *a, const __u8 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] && a[4] == b[4] &&
	       a[5] == b[5];
}

#endif
