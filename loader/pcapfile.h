/* SPDX-License-Identifier: MIT */
/* A pcap file being written (loader/pcapfile.c). */
#ifndef XVS_PCAPFILE_H
#define XVS_PCAPFILE_H

#include <stddef.h>

struct xvs_pcap;

/* Open PATH ("-": standard output) for Ethernet frames; NULL with a message in err. */
struct xvs_pcap *xvs_pcap_open(const char *path, int snaplen, char *err, size_t errlen);
void xvs_pcap_write(struct xvs_pcap *w, long long real_ns, const void *frame, unsigned len);
/* 0, or -1 if the data could not be written. */
int xvs_pcap_flush(struct xvs_pcap *w);
int xvs_pcap_close(struct xvs_pcap *w);

#endif
