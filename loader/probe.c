// SPDX-License-Identifier: MIT
/* What the running kernel lets the dataplane do, found out by loading tiny programs. */
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <unistd.h>
#include "libxvs.h"

/*
 * Whether XDP programs may call bpf_xdp_adjust_meta. Some kernels refuse the helper to XDP
 * altogether ("program of this type cannot use helper"), and a program that calls it does not
 * load; the XDP object then leaves the metadata calls out (bpf/lib/output.h: xvs_have_meta).
 */
bool xvs_probe_xdp_meta(void)
{
	static int cached = -1;
	const struct bpf_insn insns[] = {
		/* r2 = -4; call bpf_xdp_adjust_meta (r1 = ctx); r0 = XDP_PASS; exit */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = -4 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_xdp_adjust_meta },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_XDP);
	int fd;

	if (cached >= 0)
		return cached;
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xvs_probe_meta", "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), &opts);
	cached = fd >= 0;
	if (fd >= 0)
		close(fd);
	return cached;
}
