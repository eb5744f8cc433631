/* SPDX-License-Identifier: MIT */
/* Handshake messages on the SOCK_SEQPACKET socket, and the fds they carry (internal). */
#ifndef XVS_VMBUS_WIRE_H
#define XVS_VMBUS_WIRE_H

#include <stdbool.h>
#include <sys/types.h>
#include "vmbus.h"

#define WIRE_MAX_FDS (1 + 2 * VMBUS_MAX_QUEUES)

/* Fills in the header of msg (type, len) and sends it with nfds fds; never blocks when
 * nonblock. 0 or -errno. */
int wire_send(int sock, void *msg, __u16 type, __u16 len, const int *fds, unsigned nfds,
	      bool nonblock);

struct wire_in {
	union {
		struct vmbus_msg_hdr hdr;
		struct vmbus_msg_hello hello;
		struct vmbus_msg_init init;
		struct vmbus_msg_region region;
		struct vmbus_msg_error error;
		__u8 bytes[VMBUS_MSG_MAX + 1];
	} m;
	ssize_t len;                   /* bytes received (0: hang-up or an empty datagram) */
	bool truncated;                /* the datagram or its fds did not fit */
	int fds[WIRE_MAX_FDS];
	unsigned nfds;
};

/* Receives one datagram. 0 with in->len set, or -errno (-EAGAIN when nonblock and empty).
 * Received fds are O_CLOEXEC and owned by the caller (wire_close_fds). */
int wire_recv(int sock, struct wire_in *in, bool nonblock);
void wire_close_fds(struct wire_in *in);
/* Checks framing: magic, length field against the datagram, the exact size of its type.
 * VMBUS_V_NONE or the violation. */
enum vmbus_violation wire_check(const struct wire_in *in);

#endif
