// SPDX-License-Identifier: MIT
/* Handshake message framing and fd passing; used by both sides. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "wire.h"

int wire_send(int sock, void *msg, __u16 type, __u16 len, const int *fds, unsigned nfds,
	      bool nonblock)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS)];
	} ctl;
	struct vmbus_msg_hdr *hdr = msg;
	struct iovec iov = { .iov_base = msg, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (nfds > WIRE_MAX_FDS)
		return -EINVAL;
	hdr->magic = VMBUS_MSG_MAGIC;
	hdr->type = type;
	hdr->length = len;
	if (nfds) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | (nonblock ? MSG_DONTWAIT : 0));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == len ? 0 : -EMSGSIZE;
}

static void take_fds(struct wire_in *in, struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;
		int fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (in->nfds < WIRE_MAX_FDS)
				in->fds[in->nfds++] = fd;
			else
				close(fd);     /* more than any message carries: not ours to keep */
		}
	}
}

int wire_recv(int sock, struct wire_in *in, bool nonblock)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS)];
	} ctl;
	struct iovec iov = { .iov_base = in->m.bytes, .iov_len = sizeof(in->m.bytes) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t n;

	in->nfds = 0;
	in->truncated = false;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | (nonblock ? MSG_DONTWAIT : 0));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	take_fds(in, &mh);
	in->len = n;
	/* MSG_TRUNC: the datagram was longer than any message; MSG_CTRUNC: more fds than fit
	 * (the kernel closed the rest). */
	in->truncated = (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
	return 0;
}

void wire_close_fds(struct wire_in *in)
{
	for (unsigned i = 0; i < in->nfds; i++)
		close(in->fds[i]);
	in->nfds = 0;
}

static size_t msg_size(__u16 type)
{
	switch (type) {
	case VMBUS_MSG_HELLO:
		return sizeof(struct vmbus_msg_hello);
	case VMBUS_MSG_INIT:
		return sizeof(struct vmbus_msg_init);
	case VMBUS_MSG_REGION:
		return sizeof(struct vmbus_msg_region);
	case VMBUS_MSG_READY:
	case VMBUS_MSG_CONNECTED:
		return sizeof(struct vmbus_msg_hdr);
	case VMBUS_MSG_ERROR:
		return sizeof(struct vmbus_msg_error);
	default:
		return 0;
	}
}

enum vmbus_violation wire_check(const struct wire_in *in)
{
	size_t want;

	if (in->truncated || in->len > VMBUS_MSG_MAX || in->len < (ssize_t)sizeof(in->m.hdr))
		return VMBUS_V_MSG_SIZE;
	if (in->m.hdr.magic != VMBUS_MSG_MAGIC)
		return VMBUS_V_MSG_MAGIC;
	want = msg_size(in->m.hdr.type);
	if (!want)
		return VMBUS_V_MSG_MAGIC;
	if (in->m.hdr.length != in->len || (size_t)in->len != want)
		return VMBUS_V_MSG_SIZE;
	return VMBUS_V_NONE;
}
