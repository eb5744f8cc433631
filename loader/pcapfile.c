// SPDX-License-Identifier: MIT
/*
 * Writing pcap files with libpcap (nanosecond timestamps, Ethernet). Kept apart from the BPF
 * code: <pcap/pcap.h> and <linux/bpf.h> both define struct bpf_insn.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include "pcapfile.h"

struct xvs_pcap {
	pcap_t *pcap;
	pcap_dumper_t *dump;
};

struct xvs_pcap *xvs_pcap_open(const char *path, int snaplen, char *err, size_t errlen)
{
	struct xvs_pcap *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->pcap = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, snaplen,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!w->pcap) {
		snprintf(err, errlen, "cannot set up libpcap");
		free(w);
		return NULL;
	}
	w->dump = pcap_dump_open(w->pcap, path); /* "-" is standard output */
	if (!w->dump) {
		snprintf(err, errlen, "%s", pcap_geterr(w->pcap));
		pcap_close(w->pcap);
		free(w);
		return NULL;
	}
	return w;
}

void xvs_pcap_write(struct xvs_pcap *w, long long real_ns, const void *frame, unsigned len)
{
	struct pcap_pkthdr ph = {};

	ph.ts.tv_sec = real_ns / 1000000000LL;
	ph.ts.tv_usec = real_ns % 1000000000LL; /* nanoseconds: the file is nano-precision */
	ph.caplen = len;
	ph.len = len;
	pcap_dump((u_char *)w->dump, &ph, frame);
}

int xvs_pcap_flush(struct xvs_pcap *w)
{
	return pcap_dump_flush(w->dump);
}

int xvs_pcap_close(struct xvs_pcap *w)
{
	int err;

	if (!w)
		return 0;
	err = pcap_dump_flush(w->dump);
	pcap_dump_close(w->dump);
	pcap_close(w->pcap);
	free(w);
	return err;
}
