// SPDX-License-Identifier: MIT
/*
 * Descriptor validation: channel parameters and a stream of 16-byte descriptors from the
 * input, grouped into chains as the host groups them. Whatever the checks accept must be safe
 * to copy: inside its slot, inside the frame limit, offloads inside the frame.
 */
#include "fuzz_common.h"

static struct vmbus_check_ctx ctx_from(struct input *in)
{
	struct vmbus_check_ctx cx;

	cx.slot_size = VMBUS_SLOT_SIZE_MIN << (in_u8(in) % 4);
	cx.nslots = 1 + in_u16(in) % VMBUS_SLOTS_MAX;
	cx.max_chain = 1 + in_u8(in) % VMBUS_CHAIN_MAX;
	cx.max_frame = VMBUS_FRAME_MIN + in_u16(in) % (VMBUS_FRAME_MAX - VMBUS_FRAME_MIN + 1);
	cx.features = in_u8(in) & VMBUS_F_ALL;
	return cx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct vmbus_check_ctx cx = ctx_from(&in);
	struct vmbus_desc d, first;
	uint32_t len = 0;
	unsigned k = 0;

	while (in.n >= sizeof(d)) {
		struct vmbus_offload o;

		in_bytes(&in, &d, sizeof(d));
		if (vmbus_check_desc(&cx, &d, k)) {
			k = len = 0;            /* the host breaks the channel; start a new chain */
			continue;
		}
		FUZZ_REQUIRE(d.slot < cx.nslots && d.len > 0 && k < cx.max_chain);
		FUZZ_REQUIRE((uint32_t)d.offset + d.len <= cx.slot_size);
		FUZZ_REQUIRE(k == 0 || !(d.flags & VMBUS_DESC_OFFLOADS));
		if (k == 0)
			first = d;
		len += d.len;
		k++;
		if (d.flags & VMBUS_DESC_NEXT)
			continue;
		o = (struct vmbus_offload){ first.flags & VMBUS_DESC_OFFLOADS, first.vlan_tci,
					    first.csum_start, first.csum_offset, first.gso_type,
					    first.gso_size };
		if (!vmbus_check_frame(&cx, &o, len)) {
			FUZZ_REQUIRE(len >= VMBUS_FRAME_MIN && len <= cx.max_frame);
			if (o.flags & VMBUS_DESC_CSUM)
				FUZZ_REQUIRE((cx.features & VMBUS_F_CSUM) &&
					     (uint32_t)o.csum_start + o.csum_offset + 2 <= len);
			if (o.flags & VMBUS_DESC_GSO)
				FUZZ_REQUIRE((cx.features & VMBUS_F_GSO) &&
					     (o.flags & VMBUS_DESC_CSUM) && o.gso_size >= 1);
			if (o.flags & VMBUS_DESC_VLAN)
				FUZZ_REQUIRE(cx.features & VMBUS_F_VLAN);
			else
				FUZZ_REQUIRE(o.vlan_tci == 0);
		}
		k = len = 0;
	}
	return 0;
}
