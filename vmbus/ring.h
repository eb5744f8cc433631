/* SPDX-License-Identifier: MIT */
/*
 * The memory-ordering primitives both sides use on the shared rings (internal).
 *
 * Producer: write entries, then store_release(prod) once per batch.
 * Consumer: load_acquire(prod), read entries, then store_release(cons) once per batch.
 * Need-wakeup (PROTOCOL.md "Signalling"): both the consumer going to sleep (store flag, FENCE,
 * load prod) and the producer after publishing (store prod, FENCE, load flag) use a full
 * fence between their store and their load, so at least one of them sees the other's store.
 *
 * Everything the host reads from shared memory goes through a *_once() helper into a local:
 * an atomic load cannot be split, repeated or merged by the compiler, so a value is validated
 * and used from the same single read (the double-fetch bug class).
 */
#ifndef XVS_VMBUS_RING_H
#define XVS_VMBUS_RING_H

#include <string.h>
#include "vmbus.h"

static inline __u32 ring_load_acquire(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline __u32 ring_load_once(const __u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void ring_store_release(__u32 *p, __u32 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline void ring_store_once(__u32 *p, __u32 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline void ring_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline struct vmbus_desc *ring_desc(const struct vmbus_ring *r, __u32 idx)
{
	return (struct vmbus_desc *)r->entries + (idx & (r->size - 1));
}

static inline __u32 *ring_entry(const struct vmbus_ring *r, __u32 idx)
{
	return (__u32 *)r->entries + (idx & (r->size - 1));
}

/* One 16-byte descriptor, read exactly once (two 8-byte atomic loads) into private memory. */
static inline void desc_read_once(const struct vmbus_desc *src, struct vmbus_desc *dst)
{
	__u64 w[2];

	w[0] = __atomic_load_n((const __u64 *)src, __ATOMIC_RELAXED);
	w[1] = __atomic_load_n((const __u64 *)src + 1, __ATOMIC_RELAXED);
	memcpy(dst, w, sizeof(w));
}

static inline void desc_write(struct vmbus_desc *dst, const struct vmbus_desc *src)
{
	memcpy(dst, src, sizeof(*dst));
}

static inline void offload_from_desc(struct vmbus_offload *o, const struct vmbus_desc *d)
{
	o->flags = d->flags & VMBUS_DESC_OFFLOADS;
	o->vlan_tci = d->vlan_tci;
	o->csum_start = d->csum_start;
	o->csum_offset = d->csum_offset;
	o->gso_type = d->gso_type;
	o->gso_size = d->gso_size;
}

static inline void offload_to_desc(struct vmbus_desc *d, const struct vmbus_offload *o)
{
	d->flags |= o->flags & VMBUS_DESC_OFFLOADS;
	d->vlan_tci = o->vlan_tci;
	d->csum_start = o->csum_start;
	d->csum_offset = o->csum_offset;
	d->gso_type = o->gso_type;
	d->gso_size = o->gso_size;
}

#endif
