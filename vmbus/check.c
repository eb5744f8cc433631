// SPDX-License-Identifier: MIT
/* The exported descriptor and frame checks (implemented in check.h) and violation names. */
#include "check.h"

enum vmbus_violation vmbus_check_desc(const struct vmbus_check_ctx *cx, const struct vmbus_desc *d,
				      unsigned index)
{
	return check_desc(cx, d, index);
}

enum vmbus_violation vmbus_check_frame(const struct vmbus_check_ctx *cx,
				       const struct vmbus_offload *o, __u32 len)
{
	return check_frame(cx, o, len);
}

static const char *const names[VMBUS_V_COUNT] = {
	[VMBUS_V_NONE] = "none",
	[VMBUS_V_PROD_JUMP] = "prod-jump",
	[VMBUS_V_PROD_REVERSE] = "prod-reverse",
	[VMBUS_V_CONS_INVALID] = "cons-invalid",
	[VMBUS_V_SLOT_RANGE] = "slot-range",
	[VMBUS_V_SLOT_NOT_OWNED] = "slot-not-owned",
	[VMBUS_V_SLOT_DUPLICATE] = "slot-duplicate",
	[VMBUS_V_DESC_FLAGS] = "desc-flags",
	[VMBUS_V_DESC_RESERVED] = "desc-reserved",
	[VMBUS_V_DESC_OFFSET] = "desc-offset",
	[VMBUS_V_DESC_LEN_ZERO] = "desc-len-zero",
	[VMBUS_V_DESC_BOUNDS] = "desc-bounds",
	[VMBUS_V_CHAIN_UNTERMINATED] = "chain-unterminated",
	[VMBUS_V_CHAIN_TOO_LONG] = "chain-too-long",
	[VMBUS_V_FRAME_SHORT] = "frame-short",
	[VMBUS_V_FRAME_LONG] = "frame-long",
	[VMBUS_V_OFFLOAD_FEATURE] = "offload-feature",
	[VMBUS_V_CSUM] = "csum",
	[VMBUS_V_GSO] = "gso",
	[VMBUS_V_DOORBELL_STORM] = "doorbell-storm",
	[VMBUS_V_MSG_MAGIC] = "msg-magic",
	[VMBUS_V_MSG_SIZE] = "msg-size",
	[VMBUS_V_MSG_ORDER] = "msg-order",
	[VMBUS_V_MSG_FDS] = "msg-fds",
	[VMBUS_V_VERSION] = "version",
	[VMBUS_V_LIMITS] = "limits",
	[VMBUS_V_REGION_TYPE] = "region-type",
	[VMBUS_V_REGION_SEALS] = "region-seals",
	[VMBUS_V_REGION_SIZE] = "region-size",
	[VMBUS_V_DOORBELL_TYPE] = "doorbell-type",
	[VMBUS_V_INIT] = "init",
	[VMBUS_V_RX_DESC] = "rx-desc",
};

const char *vmbus_violation_name(enum vmbus_violation v)
{
	if ((unsigned)v >= VMBUS_V_COUNT || !names[v])
		return "unknown";
	return names[v];
}
