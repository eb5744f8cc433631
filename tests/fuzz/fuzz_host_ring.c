// SPDX-License-Identifier: MIT
/*
 * The host consuming an adversarial ring: a connected channel (small limits), then the input
 * is a script of what a hostile guest does to the memory it shares with the host (descriptors,
 * producer and consumer indices, fill entries, need-wakeup flags, slot bytes, doorbells),
 * interleaved with the host's own calls (take_tx, give_rx, arm, kick) and with legitimate
 * guest-library traffic. The host must never crash, never read outside the region, never hand
 * out a frame that breaks the rules, and count exactly one violation once it breaks.
 */
#include <sys/eventfd.h>
#include "fuzz_common.h"

#define BUDGET 16

static uint8_t bufs[BUDGET][VMBUS_FRAME_MAX];

static void check_taken(struct vmbus_host_chan *h, struct vmbus_frame *f, int n)
{
	struct vmbus_check_ctx cx = {
		.nslots = vmbus_host_limits(h)->slots, .slot_size = vmbus_host_limits(h)->slot_size,
		.max_frame = vmbus_host_limits(h)->max_frame,
		.max_chain = vmbus_host_limits(h)->max_chain, .features = vmbus_host_features(h),
	};

	FUZZ_REQUIRE(n <= BUDGET);
	for (int i = 0; i < n; i++)
		FUZZ_REQUIRE(vmbus_check_frame(&cx, &f[i].off, f[i].len) == VMBUS_V_NONE);
}

static void frames_from(struct input *in, struct vmbus_frame *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint16_t l = in_u16(in);

		f[i] = (struct vmbus_frame){ .data = bufs[i], .cap = VMBUS_FRAME_MAX };
		/* Mostly small frames (cheap runs); with the top bit, up to a 2-slot chain. */
		f[i].len = VMBUS_FRAME_MIN + (l & 0x8000 ? l % 3000 : l % 256);
		memset(bufs[i], in_u8(in), f[i].len);
		if (in_u8(in) & 1)
			f[i].off = (struct vmbus_offload){ .flags = VMBUS_DESC_VLAN, .vlan_tci = 5 };
	}
}

static void step(struct input *in, struct vmbus_host_chan *h, struct vmbus_guest *g)
{
	const struct vmbus_queue_map *m = vmbus_guest_map(g, 0);
	struct vmbus_frame f[BUDGET];
	uint8_t op = in_u8(in);
	uint32_t v;
	int n;

	switch (op % 14) {
	case 0: {                           /* write a TX descriptor at prod + k */
		struct vmbus_desc d;
		uint8_t k = in_u8(in);

		in_bytes(in, &d, sizeof(d));
		((struct vmbus_desc *)m->tx.entries)[(m->tx.p->prod + k) & (m->tx.size - 1)] = d;
		break;
	}
	case 1:                             /* move TX prod by a small signed step */
		m->tx.p->prod += (uint32_t)(int32_t)(int8_t)in_u8(in);
		break;
	case 2:                             /* any TX prod at all */
		m->tx.p->prod = in_u32(in);
		break;
	case 3:                             /* a fill entry, published */
		((uint32_t *)m->fill.entries)[m->fill.p->prod & (m->fill.size - 1)] = in_u32(in);
		m->fill.p->prod++;
		break;
	case 4:                             /* guest consumer indices */
		v = in_u32(in);
		if (v & 1)
			m->comp.c->cons = v >> 1;
		else
			m->rx.c->cons += (uint32_t)(int32_t)(int8_t)(v >> 1);
		break;
	case 5:                             /* need-wakeup and other flag bits */
		m->rx.w->flags = in_u32(in);
		m->comp.w->flags = in_u32(in);
		break;
	case 6:                             /* slot bytes */
		memset(m->slots + (size_t)(in_u8(in) % m->nslots) * m->slot_size, in_u8(in), 256);
		break;
	case 7:                             /* the host takes TX */
		for (int i = 0; i < BUDGET; i++)
			f[i] = (struct vmbus_frame){ .data = bufs[i], .cap = VMBUS_FRAME_MAX };
		n = vmbus_host_take_tx(h, 0, f, 1 + in_u8(in) % BUDGET);
		if (n > 0)
			check_taken(h, f, n);
		break;
	case 8:                             /* the host gives RX */
		n = 1 + in_u8(in) % BUDGET;
		frames_from(in, f, (unsigned)n);
		vmbus_host_give_rx(h, 0, f, (unsigned)n);
		break;
	case 9:
		vmbus_host_arm(h, 0, in_u8(in) & 3);
		break;
	case 10: {                          /* doorbell, then the host wakes */
		uint64_t one = 1;

		if (write(vmbus_guest_bell_fd(g, 0), &one, sizeof(one)) < 0)
			break;
		vmbus_host_kick(h, 0);
		break;
	}
	case 11:                            /* legitimate traffic from the guest library */
		n = 1 + in_u8(in) % 4;
		frames_from(in, f, (unsigned)n);
		vmbus_guest_send(g, 0, f, (unsigned)n);
		break;
	case 12:
		for (int i = 0; i < BUDGET; i++)
			f[i] = (struct vmbus_frame){ .data = bufs[i], .cap = VMBUS_FRAME_MAX };
		vmbus_guest_recv(g, 0, f, BUDGET);
		break;
	case 13:                            /* a message on the socket after CONNECTED */
		if (in_u8(in) == 0x5a) {
			uint8_t junk[16];

			in_bytes(in, junk, sizeof(junk));
			if (send(vmbus_guest_sock_fd(g), junk, sizeof(junk), MSG_DONTWAIT) > 0)
				vmbus_host_on_sock(h);
		}
		break;
	}
	fuzz_check_chan(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbus_host_config cfg;
	struct vmbus_guest_params p;
	struct vmbus_host_chan *h;
	struct vmbus_guest *g;
	struct input in = { data, size };

	fuzz_small_params(&cfg, &p);
	if (fuzz_pair(&cfg, &p, &h, &g))
		__builtin_trap();           /* a legitimate handshake must work */
	for (int i = 0; i < 128 && in.n; i++)
		step(&in, h, g);
	vmbus_guest_free(g);
	vmbus_host_chan_free(h);
	return 0;
}
