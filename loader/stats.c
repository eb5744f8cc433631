// SPDX-License-Identifier: MIT
/* Per-port counters: per-CPU in the dataplane, summed here. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "libxvs.h"

int xvs_stats_read(struct xvs_switch *sw, __u16 port_id, struct xvs_port_stats *out)
{
	struct xvs_port_stats *percpu = calloc((size_t)sw->ncpus, sizeof(*percpu));
	__u32 key = port_id;

	memset(out, 0, sizeof(*out));
	if (!percpu)
		return xvs_fail(-ENOMEM, "out of memory");
	if (bpf_map_lookup_elem(sw->stats_fd, &key, percpu)) {
		int err = -errno;

		free(percpu);
		return xvs_fail(err, "cannot read counters of port %u: %s", port_id, strerror(-err));
	}
	for (int c = 0; c < sw->ncpus; c++) {
		const __u64 *src = (const __u64 *)&percpu[c];
		__u64 *dst = (__u64 *)out;

		for (size_t i = 0; i < sizeof(*out) / sizeof(__u64); i++)
			dst[i] += src[i];
	}
	free(percpu);
	return 0;
}

int xvs_stats_reset(struct xvs_switch *sw, __u16 port_id)
{
	struct xvs_port_stats *zeros = calloc((size_t)sw->ncpus, sizeof(*zeros));
	__u32 key = port_id, zero_count = 0;
	int err = 0;

	if (!zeros)
		return xvs_fail(-ENOMEM, "out of memory");
	if (bpf_map_update_elem(sw->stats_fd, &key, zeros, 0) ||
	    bpf_map_update_elem(sw->fdb_count_fd, &key, &zero_count, 0))
		err = xvs_fail(-errno, "cannot reset counters of port %u: %s", port_id,
			       strerror(errno));
	free(zeros);
	return err;
}
