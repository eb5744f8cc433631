// SPDX-License-Identifier: MIT
/*
 * xvs-vsc-pps: a poll-mode guest program on the synthetic NIC C API (vmbus/vsc.h), and the
 * same sender on an emulated NIC, for tools/synthetic-bench.sh.
 *
 *   xvs-vsc-pps --connect SOCKET    --dst MAC --src-ip A --dst-ip B [--secs S] [--size N]
 *   xvs-vsc-pps --packet IFNAME     --dst MAC --src-ip A --dst-ip B [--secs S] [--size N]
 *   xvs-vsc-pps --connect SOCKET --recv [--secs S] [--ready FILE]
 *
 * Sends the same UDP frames (to port 9, checksums complete) for S seconds as fast as it can:
 * through the rings in batches of 32 (spinning when the ring is full, never sleeping), or
 * through AF_PACKET sendmmsg in batches of 32. Prints "sent N frames in T s: X Mpps" on
 * stdout; what arrived is counted at the receiver by the caller.
 *
 * --recv: the receiving guest (tools/vmq-bench.sh): counts the frames arriving on every queue
 * for S seconds from the first one, polling in batches of 32 and sleeping on the doorbells only
 * when every queue is empty (so it leaves the CPU to xvsd when there is nothing to do). Creates
 * FILE once connected. Prints "received N frames in T s: X Mpps".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "vsc.h"

#define BATCH 32

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static __u16 csum16(const void *p, size_t len)
{
	const __u8 *b = p;
	__u32 s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (__u32)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (__u32)(b[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* Ethernet + IPv4 + UDP to port 9, zero payload; UDP checksum 0 (none), IP checksum set. */
static void build_frame(__u8 *f, unsigned size, const __u8 dst[6], const __u8 src[6],
			struct in_addr sip, struct in_addr dip)
{
	unsigned ip_len = size - 14;

	memset(f, 0, size);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (__u8)(ip_len >> 8);
	f[17] = (__u8)ip_len;
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, &sip, 4);
	memcpy(f + 30, &dip, 4);
	__u16 c = csum16(f + 14, 20);
	f[24] = (__u8)(c >> 8);
	f[25] = (__u8)c;
	f[34] = 0x30;                  /* source port 12345 */
	f[35] = 0x39;
	f[37] = 9;                     /* discard */
	f[38] = (__u8)((ip_len - 20) >> 8);
	f[39] = (__u8)(ip_len - 20);
}

/* The receiving guest: every queue, until S seconds after the first frame (or 3 S of none). */
static int recv_main(const char *sock, double secs, const char *ready)
{
	static __u8 buf[32][4096];
	struct vmbus_guest_params p;
	struct vmbus_guest_error err = {};
	struct vmbus_frame f[32];
	struct vmbus_guest *g;
	unsigned long long got = 0;
	double t0 = 0, start = now_s(), t = start;
	unsigned nq;

	vmbus_guest_params_default(&p);
	p.limits.queues = 16;
	/* The largest rings xvsd grants: the guest shares a CPU with xvsd here, so the ring must
	 * hold what arrives while the other one runs. */
	p.limits.ring_size = 1024;
	p.limits.slots = 4096;
	if (vmbus_guest_connect(sock, &p, 3000, &g, &err)) {
		fprintf(stderr, "xvs-vsc-pps: %s\n", err.msg);
		return 1;
	}
	nq = vmbus_guest_queues(g);
	if (ready) {
		FILE *rf = fopen(ready, "w");

		if (rf)
			fclose(rf);
	}
	for (;;) {
		unsigned n = 0;

		for (unsigned q = 0; q < nq; q++) {
			for (int i = 0; i < 32; i++)
				f[i] = (struct vmbus_frame){ .data = buf[i], .cap = sizeof(buf[i]) };
			int r = vmbus_guest_recv(g, q, f, 32);

			if (r < 0) {
				fprintf(stderr, "xvs-vsc-pps: recv: %s\n", strerror(-r));
				return 1;
			}
			n += (unsigned)r;
		}
		t = now_s();
		if (n && !t0)
			t0 = t;
		if (t0 && t - t0 >= secs)
			break;
		if (!t0 && t - start >= 3 * secs)
			break;
		if (t0)
			got += n;
		if (!n) {
			/* Sleep on every queue's doorbell until one rings (or 10 ms). */
			struct pollfd pf[16];
			bool sleep = true;

			for (unsigned q = 0; q < nq && sleep; q++) {
				sleep = vmbus_guest_arm(g, q);
				pf[q] = (struct pollfd){ .fd = vmbus_guest_doorbell_fd(g, q), .events = POLLIN };
			}
			if (sleep)
				poll(pf, nq, 10);
			/* A rung doorbell (a pipe) is drained by reading it. */
			for (unsigned q = 0; q < nq && sleep; q++) {
				char drain[64];

				if ((pf[q].revents & POLLIN) && read(pf[q].fd, drain, sizeof(drain)) < 0)
					break;
			}
		}
	}
	vmbus_guest_free(g);
	if (!t0)
		t0 = t;
	printf("received %llu frames in %.2f s: %.3f Mpps\n", got, t - t0,
	       t > t0 ? (double)got / (t - t0) / 1e6 : 0.0);
	return 0;
}

static int parse_mac(const char *s, __u8 m[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4],
		      &m[5]) == 6 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' }, { "packet", required_argument, NULL, 'p' },
		{ "dst", required_argument, NULL, 'd' },     { "src-ip", required_argument, NULL, 's' },
		{ "dst-ip", required_argument, NULL, 'D' },  { "secs", required_argument, NULL, 'S' },
		{ "size", required_argument, NULL, 'z' },    { "recv", no_argument, NULL, 'r' },
		{ "ready", required_argument, NULL, 'R' },   {}
	};
	const char *sock = NULL, *ifname = NULL, *ready = NULL;
	bool recv = false;
	__u8 dst[6] = { 0 }, src[6] = { 0 }, frame[1514];
	struct in_addr sip = { 0 }, dip = { 0 };
	unsigned size = 64;
	double secs = 2, t0, t;
	unsigned long long sent = 0;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': sock = optarg; break;
		case 'p': ifname = optarg; break;
		case 'd': if (parse_mac(optarg, dst)) goto usage; break;
		case 's': if (!inet_aton(optarg, &sip)) goto usage; break;
		case 'D': if (!inet_aton(optarg, &dip)) goto usage; break;
		case 'S': secs = atof(optarg); break;
		case 'z': size = (unsigned)atoi(optarg); break;
		case 'r': recv = true; break;
		case 'R': ready = optarg; break;
		default: goto usage;
		}
	}
	if (recv && sock && secs > 0)
		return recv_main(sock, secs, ready);
	if (!sock == !ifname || !dip.s_addr || size < 60 || size > sizeof(frame) || secs <= 0)
		goto usage;

	if (sock) {
		struct vmbus_guest_params p;
		struct vmbus_guest_error err = {};
		struct vmbus_frame f[BATCH];
		struct vmbus_guest *g;
		__u16 mtu;

		vmbus_guest_params_default(&p);
		if (vmbus_guest_connect(sock, &p, 3000, &g, &err)) {
			fprintf(stderr, "xvs-vsc-pps: %s\n", err.msg);
			return 1;
		}
		vmbus_guest_mac(g, src, &mtu);
		build_frame(frame, size, dst, src, sip, dip);
		for (int i = 0; i < BATCH; i++)
			f[i] = (struct vmbus_frame){ .data = frame, .len = size, .cap = size };
		t0 = now_s();
		do {
			for (int k = 0; k < 64; k++) {
				int n = vmbus_guest_send(g, 0, f, BATCH);

				if (n < 0) {
					fprintf(stderr, "xvs-vsc-pps: send: %s\n", strerror(-n));
					return 1;
				}
				sent += (unsigned)n;
			}
			t = now_s();
		} while (t - t0 < secs);
		vmbus_guest_free(g);
	} else {
		struct sockaddr_ll sll = { .sll_family = AF_PACKET };
		struct mmsghdr msgs[BATCH];
		struct iovec iov = { .iov_base = frame, .iov_len = size };
		int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

		sll.sll_ifindex = (int)if_nametoindex(ifname);
		if (fd < 0 || !sll.sll_ifindex) {
			fprintf(stderr, "xvs-vsc-pps: %s: %s\n", ifname, strerror(errno ? errno : ENODEV));
			return 1;
		}
		struct ifreq ifr = {};

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
			memcpy(src, ifr.ifr_hwaddr.sa_data, 6);
		build_frame(frame, size, dst, src, sip, dip);
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < BATCH; i++) {
			msgs[i].msg_hdr.msg_name = &sll;
			msgs[i].msg_hdr.msg_namelen = sizeof(sll);
			msgs[i].msg_hdr.msg_iov = &iov;
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		t0 = now_s();
		do {
			for (int k = 0; k < 64; k++) {
				int n = sendmmsg(fd, msgs, BATCH, 0);

				if (n > 0)
					sent += (unsigned)n;
			}
			t = now_s();
		} while (t - t0 < secs);
		close(fd);
	}
	printf("sent %llu frames in %.2f s: %.3f Mpps\n", sent, t - t0, (double)sent / (t - t0) / 1e6);
	return 0;
usage:
	fprintf(stderr, "usage: xvs-vsc-pps (--connect SOCKET | --packet IFNAME) --dst MAC "
			"--src-ip A --dst-ip B [--secs S] [--size N]\n"
			"       xvs-vsc-pps --connect SOCKET --recv [--secs S] [--ready FILE]\n");
	return 2;
}
