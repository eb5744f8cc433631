/* SPDX-License-Identifier: MIT */
/*
 * Descriptor and frame checks: pure functions over values already copied out of shared
 * memory (internal; inline because they run for every descriptor). The host runs every TX
 * descriptor through check_desc() and every frame through check_frame(); the guest runs RX
 * descriptors through the same checks (cheap insurance against a host bug). Exported as
 * vmbus_check_desc()/vmbus_check_frame() (check.c) and fuzzed by tests/fuzz/fuzz_desc.c.
 */
#ifndef XVS_VMBUS_CHECK_H
#define XVS_VMBUS_CHECK_H

#include "vmbus.h"

static inline enum vmbus_violation check_desc(const struct vmbus_check_ctx *cx,
						const struct vmbus_desc *d, unsigned index)
{
	if (index >= cx->max_chain)
		return VMBUS_V_CHAIN_TOO_LONG;
	if (d->slot >= cx->nslots)
		return VMBUS_V_SLOT_RANGE;
	if (d->flags & ~VMBUS_DESC_KNOWN)
		return VMBUS_V_DESC_FLAGS;
	/* Offloads describe the frame, so they sit on its first descriptor only. */
	if (index > 0 && ((d->flags & VMBUS_DESC_OFFLOADS) || d->vlan_tci || d->csum_start ||
			  d->csum_offset || d->gso_type || d->gso_size))
		return VMBUS_V_DESC_RESERVED;
	if (d->offset >= cx->slot_size)
		return VMBUS_V_DESC_OFFSET;
	if (d->len == 0)
		return VMBUS_V_DESC_LEN_ZERO;
	/* Both are < 2^16, so the sum cannot wrap in 32 bits. */
	if ((__u32)d->offset + d->len > cx->slot_size)
		return VMBUS_V_DESC_BOUNDS;
	return VMBUS_V_NONE;
}

static inline enum vmbus_violation check_csum(const struct vmbus_check_ctx *cx,
				       const struct vmbus_offload *o, __u32 len)
{
	if (!(o->flags & VMBUS_DESC_CSUM))
		return o->csum_start || o->csum_offset ? VMBUS_V_DESC_RESERVED : VMBUS_V_NONE;
	if (!(cx->features & VMBUS_F_CSUM))
		return VMBUS_V_OFFLOAD_FEATURE;
	/* The checksum field must lie inside the frame, after the Ethernet header; only the UDP
	 * (6) and TCP (16) checksum positions exist. */
	if (o->csum_start < VMBUS_ETH_HLEN || (o->csum_offset != 6 && o->csum_offset != 16))
		return VMBUS_V_CSUM;
	if ((__u32)o->csum_start + o->csum_offset + 2 > len)
		return VMBUS_V_CSUM;
	return VMBUS_V_NONE;
}

static inline enum vmbus_violation check_gso(const struct vmbus_check_ctx *cx,
				      const struct vmbus_offload *o)
{
	if (!(o->flags & VMBUS_DESC_GSO))
		return o->gso_type || o->gso_size ? VMBUS_V_DESC_RESERVED : VMBUS_V_NONE;
	if (!(cx->features & VMBUS_F_GSO))
		return VMBUS_V_OFFLOAD_FEATURE;
	/* Segmentation rewrites checksums, so a GSO frame is always a partial-checksum frame. */
	if (!(o->flags & VMBUS_DESC_CSUM))
		return VMBUS_V_GSO;
	if (o->gso_type != VMBUS_GSO_TCPV4 && o->gso_type != VMBUS_GSO_TCPV6 &&
	    o->gso_type != VMBUS_GSO_UDP_L4)
		return VMBUS_V_GSO;
	if (o->gso_size < VMBUS_GSO_SIZE_MIN || o->gso_size > cx->max_frame)
		return VMBUS_V_GSO;
	return VMBUS_V_NONE;
}

static inline enum vmbus_violation check_frame(const struct vmbus_check_ctx *cx,
						 const struct vmbus_offload *o, __u32 len)
{
	enum vmbus_violation v;

	if (len < VMBUS_FRAME_MIN)
		return VMBUS_V_FRAME_SHORT;
	if (len > cx->max_frame)
		return VMBUS_V_FRAME_LONG;
	/* The common case: no offloads at all. */
	if (!(o->flags | o->vlan_tci | o->csum_start | o->csum_offset | o->gso_type | o->gso_size))
		return VMBUS_V_NONE;
	if (o->flags & ~VMBUS_DESC_OFFLOADS)
		return VMBUS_V_DESC_FLAGS;
	if (o->flags & VMBUS_DESC_VLAN) {
		if (!(cx->features & VMBUS_F_VLAN))
			return VMBUS_V_OFFLOAD_FEATURE;
	} else if (o->vlan_tci) {
		return VMBUS_V_DESC_RESERVED;
	}
	v = check_csum(cx, o, len);
	if (v)
		return v;
	return check_gso(cx, o);
}

#endif
