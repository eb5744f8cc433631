/* SPDX-License-Identifier: MIT */
/* Shared by the fuzz targets: reading the input as a little script, and an in-process channel
 * (host and guest over a socketpair, handshake interleaved in one thread). */
#ifndef XVS_FUZZ_COMMON_H
#define XVS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "vmbus.h"

/* An invariant of the library does not hold: crash so libFuzzer keeps the input. */
#define FUZZ_REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

struct input {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t in_u8(struct input *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static inline uint16_t in_u16(struct input *in)
{
	return (uint16_t)(in_u8(in) | in_u8(in) << 8);
}

static inline uint32_t in_u32(struct input *in)
{
	return in_u16(in) | (uint32_t)in_u16(in) << 16;
}

static inline void in_bytes(struct input *in, void *dst, size_t len)
{
	size_t k = len < in->n ? len : in->n;

	memset(dst, 0, len);
	memcpy(dst, in->p, k);
	in->p += k;
	in->n -= k;
}

/* Small limits keep each run cheap: one queue pair, 64-entry rings, 128 slots of 2048 bytes. */
static inline void fuzz_small_params(struct vmbus_host_config *cfg, struct vmbus_guest_params *p)
{
	vmbus_host_config_default(cfg);
	cfg->storm_limit = 4;
	vmbus_guest_params_default(p);
	p->limits = (struct vmbus_limits){ .queues = 1, .max_chain = 5, .ring_size = 64,
					   .slots = 128, .slot_size = 2048,
					   .max_frame = VMBUS_FRAME_MAX };
}

static inline int fuzz_pair(const struct vmbus_host_config *cfg,
			    const struct vmbus_guest_params *p, struct vmbus_host_chan **h,
			    struct vmbus_guest **g)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	if (vmbus_host_chan_new(sv[0], cfg, h)) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (vmbus_guest_begin(sv[1], p, g)) {
		close(sv[1]);
		vmbus_host_chan_free(*h);
		return -1;
	}
	if (vmbus_host_on_sock(*h) != VMBUS_CHAN_HANDSHAKE || vmbus_guest_complete(*g, 1000, NULL) ||
	    vmbus_host_on_sock(*h) != VMBUS_CHAN_CONNECTED) {
		vmbus_guest_free(*g);
		vmbus_host_chan_free(*h);
		return -1;
	}
	return 0;
}

static inline uint64_t fuzz_violations(const struct vmbus_host_chan *h)
{
	uint64_t sum = 0;

	for (int i = 0; i < VMBUS_V_COUNT; i++)
		sum += vmbus_host_stats(h)->violations[i];
	return sum;
}

/* What must hold after any sequence of guest actions. */
static inline void fuzz_check_chan(const struct vmbus_host_chan *h)
{
	uint64_t v = fuzz_violations(h);
	enum vmbus_chan_state st = vmbus_host_state(h);

	FUZZ_REQUIRE(v <= 1);                              /* broken on the first one */
	FUZZ_REQUIRE((v == 1) == (st == VMBUS_CHAN_BROKEN));
	FUZZ_REQUIRE(v == 0 || vmbus_host_stats(h)->violations[vmbus_host_broken_by(h)] == 1);
}

#endif
