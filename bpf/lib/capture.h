/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Capture: a port with XVS_PORT_CAPTURE has every frame it receives (as it arrived, before the
 * switch touches it) and every frame it sends (as it leaves, after its egress work) copied to
 * the xvs_capture perf buffer, where `xvs capture` writes them to a pcap file. This is the
 * tcpdump of an xvs port: XDP takes frames before the kernel's taps see them.
 *
 * Only capturing ports pay for it (a flag test otherwise); the clock is read per captured frame.
 */
#ifndef XVS_LIB_CAPTURE_H
#define XVS_LIB_CAPTURE_H

/* The flavour's shim (lib/ctx.h or lib/ctx_tc.h) is included by the program file first. */
#ifndef XVS_LIB_CTX_H
#error "include a context shim first: lib/ctx.h (XDP) or lib/ctx_tc.h (TC)"
#endif

#include "maps.h"

static __always_inline void xvs_capture_frame(xvs_ctx_t *ctx, const struct xvs_port *p,
					      __u8 dir)
{
	struct xvs_capture_hdr h = {};

	if (!(p->flags & XVS_PORT_CAPTURE))
		return;
	h.ts_ns = bpf_ktime_get_ns();
	h.port_id = p->id;
	h.dir = dir;
	/* A full perf buffer loses the sample; `xvs capture` reports lost samples. */
	xvs_perf_output(ctx, &xvs_capture, xvs_capture_fill(ctx, &h), &h, sizeof(h));
}

#endif
