// SPDX-License-Identifier: MIT
/*
 * Region layout and limits: a pure function of the negotiated limits, computed the same way by
 * the host (which creates the region) and the guest (which checks its size), so no offset is
 * ever read from shared memory.
 *
 *   0                    struct vmbus_region_hdr, then padding to a page
 *   per queue pair q:    TX ring, completion ring, RX ring, fill ring; each is a producer line,
 *                        a consumer line, a wakeup line and its entries, 128-byte aligned;
 *                        padded to a page;
 *                        then slots * slot_size bytes of slots, page-aligned
 */
#include "vmbus.h"

#define PAGE 4096u

static bool is_pow2(__u32 v)
{
	return v && !(v & (v - 1));
}

static __u32 round_down_pow2(__u32 v)
{
	while (v & (v - 1))
		v &= v - 1;
	return v;
}

static __u64 align_up(__u64 v, __u64 a)
{
	return (v + a - 1) / a * a;
}

enum vmbus_violation vmbus_limits_check(const struct vmbus_limits *l)
{
	if (l->queues < 1 || l->queues > VMBUS_MAX_QUEUES)
		return VMBUS_V_LIMITS;
	if (!is_pow2(l->ring_size) || l->ring_size < VMBUS_RING_MIN || l->ring_size > VMBUS_RING_MAX)
		return VMBUS_V_LIMITS;
	if (l->slots < VMBUS_RING_MIN || l->slots > VMBUS_SLOTS_MAX)
		return VMBUS_V_LIMITS;
	if (!is_pow2(l->slot_size) || l->slot_size < VMBUS_SLOT_SIZE_MIN ||
	    l->slot_size > VMBUS_SLOT_SIZE_MAX)
		return VMBUS_V_LIMITS;
	if (l->max_chain < 1 || l->max_chain > VMBUS_CHAIN_MAX)
		return VMBUS_V_LIMITS;
	if (l->max_frame < VMBUS_FRAME_MIN || l->max_frame > VMBUS_FRAME_MAX ||
	    l->max_frame > (__u32)l->max_chain * l->slot_size)
		return VMBUS_V_LIMITS;
	return VMBUS_V_NONE;
}

static __u32 min_u32(__u32 a, __u32 b)
{
	return a < b ? a : b;
}

enum vmbus_violation vmbus_limits_clamp(const struct vmbus_limits *want,
					const struct vmbus_limits *host, struct vmbus_limits *out)
{
	struct vmbus_limits l;

	/* A value below the protocol minimum cannot be clamped into range: refuse. Above the
	 * host's limit (or not a power of two) it is brought down. */
	if (want->queues < 1 || want->ring_size < VMBUS_RING_MIN || want->slots < VMBUS_RING_MIN ||
	    want->slot_size < VMBUS_SLOT_SIZE_MIN || want->max_chain < 1 ||
	    want->max_frame < VMBUS_FRAME_MIN)
		return VMBUS_V_LIMITS;
	l.queues = (__u16)min_u32(want->queues, host->queues);
	l.ring_size = round_down_pow2(min_u32(want->ring_size, host->ring_size));
	l.slots = min_u32(want->slots, host->slots);
	l.slot_size = round_down_pow2(min_u32(want->slot_size, host->slot_size));
	l.max_chain = (__u16)min_u32(want->max_chain, host->max_chain);
	l.max_frame = min_u32(min_u32(want->max_frame, host->max_frame),
			      (__u32)l.max_chain * l.slot_size);
	if (vmbus_limits_check(&l))
		return VMBUS_V_LIMITS;
	*out = l;
	return VMBUS_V_NONE;
}

static __u64 ring_bytes(__u32 ring_size, __u32 entry)
{
	return 3 * VMBUS_LINE + align_up((__u64)ring_size * entry, VMBUS_LINE);
}

static __u64 rings_bytes(const struct vmbus_limits *l)
{
	return align_up(2 * ring_bytes(l->ring_size, sizeof(struct vmbus_desc)) +
			2 * ring_bytes(l->ring_size, sizeof(vmbus_slot_entry)), PAGE);
}

static __u64 queue_bytes(const struct vmbus_limits *l)
{
	return rings_bytes(l) + align_up((__u64)l->slots * l->slot_size, PAGE);
}

__u64 vmbus_region_size(const struct vmbus_limits *l)
{
	return PAGE + (__u64)l->queues * queue_bytes(l);
}

static __u8 *map_ring(struct vmbus_ring *r, __u8 *at, __u32 ring_size, __u32 entry)
{
	r->p = (struct vmbus_ring_prod *)at;
	r->c = (struct vmbus_ring_cons *)(at + VMBUS_LINE);
	r->w = (struct vmbus_ring_wakeup *)(at + 2 * VMBUS_LINE);
	r->entries = at + 3 * VMBUS_LINE;
	r->size = ring_size;
	return at + ring_bytes(ring_size, entry);
}

void vmbus_queue_map(void *base, const struct vmbus_limits *l, unsigned q,
		     struct vmbus_queue_map *m)
{
	__u8 *at = (__u8 *)base + PAGE + (__u64)q * queue_bytes(l);
	__u8 *p = at;

	p = map_ring(&m->tx, p, l->ring_size, sizeof(struct vmbus_desc));
	p = map_ring(&m->comp, p, l->ring_size, sizeof(vmbus_slot_entry));
	p = map_ring(&m->rx, p, l->ring_size, sizeof(struct vmbus_desc));
	map_ring(&m->fill, p, l->ring_size, sizeof(vmbus_slot_entry));
	m->slots = at + rings_bytes(l);
	m->nslots = l->slots;
	m->slot_size = l->slot_size;
}
