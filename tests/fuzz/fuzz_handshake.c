// SPDX-License-Identifier: MIT
/*
 * The handshake, from both ends.
 *   mode 0 (host): the input is a sequence of datagrams a guest sends (any bytes, any length,
 *     sometimes with an fd attached), each followed by vmbus_host_on_sock(). Whatever happens,
 *     the host counts at most one violation, closes fds it was sent, and a channel that says
 *     CONNECTED went through HELLO and READY with valid limits.
 *   mode 1 (guest): the guest library sends HELLO to a fake host that answers with datagrams
 *     from the input, carrying a memfd (of fuzzed size, sealed or not), an eventfd and a pipe.
 *     The guest must refuse or accept without crashing, and accept only a region it checked.
 *     Shape bits: 0x40 fds on REGION, 0x20 write a region header, 0x02 send the pipe's write
 *     end, 0x01 seal; (shape >> 2) % 3 + 1 fds.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include "fuzz_common.h"
#include "wire.h"

static void send_datagram(int sock, struct input *in, bool with_fds, int nfds_wanted)
{
	uint8_t buf[96];
	size_t len = in_u8(in) % sizeof(buf);
	int fds[3], nfds = 0;

	in_bytes(in, buf, len);
	if (with_fds) {
		for (nfds = 0; nfds < nfds_wanted; nfds++)
			fds[nfds] = nfds == 0 ? memfd_create("fz", MFD_CLOEXEC | MFD_ALLOW_SEALING)
					      : eventfd(0, EFD_CLOEXEC);
	}
	if (nfds) {
		struct iovec iov = { buf, len };
		union {
			struct cmsghdr a;
			char b[CMSG_SPACE(sizeof(fds))];
		} ctl;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
				     .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

		memset(&ctl, 0, sizeof(ctl));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
		sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
	} else {
		send(sock, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
}

/* Reads (and closes the fds of) whatever the host sent back. */
static void drain(int sock)
{
	struct wire_in w;

	while (wire_recv(sock, &w, true) == 0 && (w.len > 0 || w.nfds))
		wire_close_fds(&w);
}

static void host_side(struct input *in)
{
	struct vmbus_host_config cfg;
	struct vmbus_guest_params p;
	struct vmbus_host_chan *h;
	int sv[2];

	fuzz_small_params(&cfg, &p);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return;
	if (vmbus_host_chan_new(sv[0], &cfg, &h)) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	for (int i = 0; i < 8 && in->n; i++) {
		uint8_t ctl = in_u8(in);
		int st;

		if (ctl & 0x80)
			shutdown(sv[1], SHUT_WR);
		send_datagram(sv[1], in, ctl & 1, 1 + (ctl >> 1) % 3);
		st = vmbus_host_on_sock(h);
		fuzz_check_chan(h);
		if (st == VMBUS_CHAN_CONNECTED) {
			const struct vmbus_limits *l = vmbus_host_limits(h);

			FUZZ_REQUIRE(vmbus_limits_check(l) == VMBUS_V_NONE);
			FUZZ_REQUIRE(l->queues <= cfg.limits.queues && l->slots <= cfg.limits.slots);
			FUZZ_REQUIRE(!(vmbus_host_features(h) & ~cfg.features));
		}
		drain(sv[1]);
	}
	vmbus_host_chan_free(h);
	close(sv[1]);
}

/* A fake host: INIT and REGION built from the input, with real fds of fuzzed properties. */
static void guest_side(struct input *in)
{
	struct vmbus_guest_params p;
	struct vmbus_host_config cfg;
	struct vmbus_guest *g;
	struct wire_in w;
	int sv[2], fds[3], pp[2];
	uint8_t shape = in_u8(in);
	uint32_t size = in_u32(in) % (4u << 20);

	fuzz_small_params(&cfg, &p);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return;
	if (vmbus_guest_begin(sv[1], &p, &g)) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	wire_recv(sv[0], &w, true);         /* HELLO */
	for (int i = 0; i < 3 && in->n; i++) {
		uint8_t buf[96];
		uint16_t len = (uint16_t)(in_u8(in) % sizeof(buf));
		uint16_t type = in_u8(in) % 8;

		in_bytes(in, buf, len);
		if (shape & 0x40 && type == VMBUS_MSG_REGION) {
			fds[0] = memfd_create("fz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
			if (ftruncate(fds[0], size) == 0 && (shape & 0x20)) {
				/* The header a real host writes, for the small limits. */
				struct vmbus_region_hdr hdr = {
					.magic = VMBUS_REGION_MAGIC, .size = size, .version = 1,
					.queues = p.limits.queues, .ring_size = p.limits.ring_size,
					.slots = p.limits.slots, .slot_size = p.limits.slot_size,
				};

				if (pwrite(fds[0], &hdr, sizeof(hdr), 0) < 0)
					size = 0;
			}
			if (shape & 1)
				fcntl(fds[0], F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
			fds[1] = eventfd(0, EFD_CLOEXEC);
			if (pipe2(pp, O_CLOEXEC)) {
				close(fds[0]);
				close(fds[1]);
				break;
			}
			fds[2] = (shape & 2) ? pp[1] : pp[0];
			wire_send(sv[0], buf, type, len < 8 ? 8 : len, fds, 1 + (shape >> 2) % 3, true);
			close(fds[0]);
			close(fds[1]);
			close(pp[0]);
			close(pp[1]);
		} else {
			wire_send(sv[0], buf, type, len < 8 ? 8 : len, NULL, 0, true);
		}
	}
	if (vmbus_guest_complete(g, 0, NULL) == 0) {
		/* Accepted: the region it maps is one it verified. */
		const struct vmbus_limits *l = vmbus_guest_limits(g);

		FUZZ_REQUIRE(vmbus_limits_check(l) == VMBUS_V_NONE);
		FUZZ_REQUIRE(l->queues <= p.limits.queues && l->slots <= p.limits.slots);
		FUZZ_REQUIRE(vmbus_region_size(l) == size);
	}
	vmbus_guest_free(g);
	drain(sv[0]);
	close(sv[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	if (in_u8(&in) & 1)
		guest_side(&in);
	else
		host_side(&in);
	return 0;
}
