// SPDX-License-Identifier: MIT
/*
 * xvs-vsc: the guest driver of a synthetic NIC. Run inside the VM's network namespace:
 *
 *     xvs-vsc --connect $XVS_RUN/<switch>/<port>.sock --tap eth0
 *
 * It connects to xvsd, creates the TAP netdev with the port's MAC and MTU (from INIT), and
 * moves frames between the TAP and the rings: TAP -> queue pair 0's TX ring, every queue
 * pair's RX ring -> TAP. The TAP has no offloads (no IFF_VNET_HDR), so the guest's kernel
 * finishes checksums and segments before a frame reaches us, as xvsd negotiates no offloads.
 * When the channel ends (xvsd stopped or restarted, or it broke the channel) the TAP stays and
 * xvs-vsc reconnects with a backoff of 50 ms doubling to 2 s; frames the TAP sends meanwhile
 * are dropped (counted). SIGTERM or SIGINT ends it; the TAP goes with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "vsc.h"

#define BATCH 32
#define SPIN 64                        /* empty rounds before sleeping */
#define FRAME_BUF 9216                 /* >= any max_frame (VMBUS_FRAME_MAX) */

enum { EV_TAP = 1, EV_SIG, EV_SOCK, EV_BELL0 };

static const char *sock_path, *tap_name;
static int tap_fd = -1, sig_fd = -1, epfd = -1;
static bool quiet;
static unsigned long long dropped_offline;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	fputs("xvs-vsc: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int tap_ioctl(unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", tap_name);
	if (ioctl(fd, req, ifr))
		err = -errno;
	close(fd);
	return err;
}

static int tap_create(void)
{
	struct ifreq ifr = {};

	tap_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tap_fd < 0)
		return -errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap_name);
	if (ioctl(tap_fd, TUNSETIFF, &ifr))
		return -errno;
	return 0;
}

/* The port's MAC and MTU, then up. Done on every connect: the port may have changed. */
static int tap_configure(const __u8 mac[6], __u16 mtu)
{
	struct ifreq ifr = {};
	int err;

	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	err = tap_ioctl(SIOCSIFHWADDR, &ifr);
	if (err)
		return err;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_mtu = mtu;
	err = tap_ioctl(SIOCSIFMTU, &ifr);
	if (err)
		return err;
	memset(&ifr, 0, sizeof(ifr));
	err = tap_ioctl(SIOCGIFFLAGS, &ifr);
	if (err)
		return err;
	ifr.ifr_flags |= IFF_UP;
	return tap_ioctl(SIOCSIFFLAGS, &ifr);
}

static void ep_set(int fd, int tag, __u32 events, int op)
{
	struct epoll_event e = { .events = events, .data.u32 = (__u32)tag };

	epoll_ctl(epfd, op, fd, &e);
}

static bool stop_requested(void)
{
	struct signalfd_siginfo si;

	return read(sig_fd, &si, sizeof(si)) == sizeof(si);
}

/* Frames read from the TAP that found no room in the ring yet. */
static __u8 pend_buf[BATCH][FRAME_BUF];
static struct vmbus_frame pend[BATCH];
static unsigned npend, pend_first;

static int tap_to_ring(struct vmbus_guest *g, unsigned *work)
{
	int sent;

	if (!npend) {
		pend_first = 0;
		while (npend < BATCH) {
			ssize_t n = read(tap_fd, pend_buf[npend], FRAME_BUF);

			if (n <= 0)
				break;
			pend[npend] = (struct vmbus_frame){ .data = pend_buf[npend], .len = (__u32)n,
							    .cap = FRAME_BUF };
			npend++;
		}
	}
	if (!npend)
		return 0;
	sent = vmbus_guest_send(g, 0, pend + pend_first, npend);
	if (sent == -EINVAL) {
		/* A frame the channel cannot carry (longer than max_frame): drop it alone. */
		pend_first++;
		npend--;
		return 0;
	}
	if (sent < 0)
		return sent;
	pend_first += (unsigned)sent;
	npend -= (unsigned)sent;
	*work += (unsigned)sent;
	return 0;
}

static int ring_to_tap(struct vmbus_guest *g, unsigned q, unsigned *work)
{
	static __u8 buf[BATCH][FRAME_BUF];
	struct vmbus_frame f[BATCH];
	int n;

	for (unsigned i = 0; i < BATCH; i++)
		f[i] = (struct vmbus_frame){ .data = buf[i], .cap = FRAME_BUF };
	n = vmbus_guest_recv(g, q, f, BATCH);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (write(tap_fd, f[i].data, f[i].len) < 0 && errno != EAGAIN)
			break;
	*work += (unsigned)n;
	return 0;
}

/* The socket is readable: after CONNECTED that is xvsd's ERROR or its hang-up. */
static int sock_event(struct vmbus_guest *g)
{
	char b;
	ssize_t n = recv(vmbus_guest_sock_fd(g), &b, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return -ECONNRESET;
	if (n < 0)
		return 0;
	n = vmbus_guest_wait(g, 0, 0); /* reads the ERROR (and the hang-up behind it) */
	return n < 0 ? (int)n : 0;
}

/* Runs one connection until it ends (returns 0) or a signal asks to stop (returns 1). */
static int run_connected(struct vmbus_guest *g)
{
	unsigned nq = vmbus_guest_queues(g), idle = 0;
	bool tap_armed = true;
	int ret = 0;

	ep_set(vmbus_guest_sock_fd(g), EV_SOCK, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_ADD);
	for (unsigned q = 0; q < nq; q++)
		ep_set(vmbus_guest_doorbell_fd(g, q), EV_BELL0 + (int)q, EPOLLIN, EPOLL_CTL_ADD);
	for (;;) {
		struct epoll_event evs[8];
		unsigned work = 0;
		int timeout = 0, n, err = 0;

		err = tap_to_ring(g, &work);
		for (unsigned q = 0; q < nq && !err; q++)
			err = ring_to_tap(g, q, &work);
		if (err)
			break;
		/* While frames wait for slots, the TAP is not read: the doorbell (completions)
		 * says when to try again. */
		if (tap_armed != !npend) {
			tap_armed = !npend;
			ep_set(tap_fd, EV_TAP, tap_armed ? EPOLLIN : 0, EPOLL_CTL_MOD);
		}
		if (work) {
			idle = 0;
		} else if (++idle >= SPIN) {
			bool sleep = true;

			/* Completions left unreaped would make every arm see work. */
			for (unsigned q = 0; q < nq && sleep; q++) {
				vmbus_guest_tx_pending(g, q);
				sleep = vmbus_guest_arm(g, q);
			}
			timeout = sleep ? -1 : 0;
		}
		n = epoll_wait(epfd, evs, 8, timeout);
		for (int i = 0; i < n; i++) {
			int tag = (int)evs[i].data.u32;

			if (tag == EV_SIG && stop_requested())
				ret = 1;
			else if (tag == EV_SOCK)
				err = sock_event(g);
			else if (tag >= EV_BELL0) {
				char b[64];

				while (read(vmbus_guest_doorbell_fd(g, (unsigned)(tag - EV_BELL0)), b,
					    sizeof(b)) > 0)
					;
			}
			if (tag != EV_TAP)
				idle = 0;
		}
		if (ret || (err < 0 && err != -EAGAIN))
			break;
	}
	if (vmbus_guest_broken_by(g))
		say("channel ended: xvsd reported %s", vmbus_violation_name(vmbus_guest_broken_by(g)));
	else if (!ret)
		say("channel ended (xvsd went away)");
	if (!tap_armed)
		ep_set(tap_fd, EV_TAP, EPOLLIN, EPOLL_CTL_MOD);
	epoll_ctl(epfd, EPOLL_CTL_DEL, vmbus_guest_sock_fd(g), NULL);
	for (unsigned q = 0; q < nq; q++)
		epoll_ctl(epfd, EPOLL_CTL_DEL, vmbus_guest_doorbell_fd(g, q), NULL);
	npend = 0;
	return ret;
}

/* Waits ms while dropping what the TAP sends; 1 if a signal asks to stop. */
static int offline_wait(int ms)
{
	struct epoll_event evs[4];
	int n = epoll_wait(epfd, evs, 4, ms);
	__u8 buf[FRAME_BUF];

	for (int i = 0; i < n; i++) {
		if (evs[i].data.u32 == EV_SIG && stop_requested())
			return 1;
		if (evs[i].data.u32 == EV_TAP)
			while (read(tap_fd, buf, sizeof(buf)) > 0)
				dropped_offline++;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xvs-vsc --connect SOCKET --tap IFNAME [--queues N] [--quiet]\n"
		"Guest driver of a synthetic NIC: connects to xvsd at SOCKET\n"
		"($XVS_RUN/<switch>/<port>.sock), creates the TAP IFNAME with the port's MAC and MTU\n"
		"and moves frames until SIGTERM; reconnects (keeping IFNAME) if the channel ends.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "tap", required_argument, NULL, 't' },
		{ "queues", required_argument, NULL, 'q' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct vmbus_guest_params params;
	unsigned queues = VMBUS_MAX_QUEUES;
	int backoff = 50, c, err;
	sigset_t mask;

	while ((c = getopt_long(argc, argv, "c:t:q:Qh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			sock_path = optarg;
			break;
		case 't':
			tap_name = optarg;
			break;
		case 'q':
			queues = (unsigned)atoi(optarg);
			if (queues < 1 || queues > VMBUS_MAX_QUEUES) {
				fprintf(stderr, "xvs-vsc: invalid --queues '%s': must be 1-%d\n",
					optarg, VMBUS_MAX_QUEUES);
				return 2;
			}
			break;
		case 'Q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!sock_path || !tap_name || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (strlen(tap_name) >= IFNAMSIZ) {
		fprintf(stderr, "xvs-vsc: interface name '%s' is too long (max %d)\n", tap_name,
			IFNAMSIZ - 1);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sig_fd < 0 || epfd < 0) {
		fprintf(stderr, "xvs-vsc: %s\n", strerror(errno));
		return 1;
	}
	ep_set(sig_fd, EV_SIG, EPOLLIN, EPOLL_CTL_ADD);
	vmbus_guest_params_default(&params);
	params.limits.queues = (__u16)queues;

	for (;;) {
		struct vmbus_guest_error gerr = {};
		struct vmbus_guest *g = NULL;
		__u8 mac[6];
		__u16 mtu;

		err = vmbus_guest_connect(sock_path, &params, 2000, &g, &gerr);
		if (err) {
			if (backoff == 50 || backoff >= 2000)
				say("cannot connect to %s: %s; retrying", sock_path, gerr.msg);
			if (offline_wait(backoff))
				break;
			backoff = backoff < 1000 ? backoff * 2 : 2000;
			continue;
		}
		vmbus_guest_mac(g, mac, &mtu);
		if (tap_fd < 0) {
			err = tap_create();
			if (!err)
				ep_set(tap_fd, EV_TAP, EPOLLIN, EPOLL_CTL_ADD);
		} else {
			err = 0;
		}
		if (!err)
			err = tap_configure(mac, mtu);
		if (err) {
			fprintf(stderr, "xvs-vsc: cannot set up TAP %s: %s\n", tap_name, strerror(-err));
			vmbus_guest_free(g);
			return 1;
		}
		say("connected to %s: %s %02x:%02x:%02x:%02x:%02x:%02x mtu %u, %u queue pair%s",
		    sock_path, tap_name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], mtu,
		    vmbus_guest_queues(g), vmbus_guest_queues(g) == 1 ? "" : "s");
		backoff = 50;
		err = run_connected(g);
		vmbus_guest_free(g);
		if (err)
			break;
		if (offline_wait(backoff))
			break;
	}
	if (dropped_offline)
		say("dropped %llu frames from %s while not connected", dropped_offline, tap_name);
	if (tap_fd >= 0)
		close(tap_fd);
	return 0;
}
