// SPDX-License-Identifier: MIT
/*
 * xvsd: serves every synthetic port of this host (docs/SYNTHETIC.md).
 *
 * The port tables under $XVS_ROOT are the truth: a rescan serves each port of kind
 * XVS_PORT_SYNTHETIC that is not served yet and stops serving the ones that are gone. It runs
 * at start (so a restarted xvsd picks up every existing port), once a second, and whenever
 * `xvs` asks through $XVS_RUN/xvsd.sock ("sync", answered "ok" after the rescan, so `xvs port
 * add --synthetic` returns with the guest socket ready; "ping" just answers).
 *
 * One thread, one epoll set. After a round that moved frames xvsd polls again at once; after
 * XVSD_SPIN empty rounds it arms every channel's need-wakeup and sleeps in epoll until a
 * doorbell, an AF_XDP socket with frames, a request, a signal or the next rescan tick.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "xvsd.h"

#define XVSD_SPIN 64                   /* empty poll rounds before sleeping */
#define XVSD_TICK_MS 1000              /* rescan and counter file period */

bool xvsd_verbose = true;
static struct sport *ports;
static int epfd = -1, ctl_fd = -1, sig_fd = -1;
static char ctl_path[108];

void xvsd_log(const char *fmt, ...)
{
	va_list ap;

	if (!xvsd_verbose)
		return;
	va_start(ap, fmt);
	fputs("xvsd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* "switch/port", as a sync request names a port. */
static const char *sp_name(const struct sport *sp)
{
	static char name[2 * XVS_NAME_LEN + 1];

	snprintf(name, sizeof(name), "%s/%s", sp->sw, sp->port);
	return name;
}

static struct sport *find_port(const char *sw, const char *port)
{
	for (struct sport *sp = ports; sp; sp = sp->next)
		if (!strcmp(sp->sw, sw) && !strcmp(sp->port, port))
			return sp;
	return NULL;
}

/* Serve what the port tables say, stop serving what they no longer list. The first port that
 * cannot be served is reported in err (for `xvs`), every one is logged once. */
static void rescan(const char *only, char *err, size_t errlen)
{
	char (*names)[XVS_NAME_LEN] = NULL;
	struct sport **pp;
	int n = 0;

	if (err)
		err[0] = 0;
	for (struct sport *sp = ports; sp; sp = sp->next)
		sp->seen = false;
	if (xvs_switch_list(&names, &n))
		n = 0;
	for (int i = 0; i < n; i++) {
		struct xvs_switch *sw;
		struct xvs_port *pv;
		int np;

		if (xvs_switch_open(names[i], &sw))
			continue;
		if (xvs_port_list(sw, &pv, &np)) {
			xvs_switch_close(sw);
			continue;
		}
		int uplink = 0;

		for (int j = 0; j < np; j++)
			if (pv[j].kind == XVS_PORT_UPLINK)
				uplink = (int)pv[j].ifindex;
		for (int j = 0; j < np; j++) {
			struct sport *sp;

			if (pv[j].kind != XVS_PORT_SYNTHETIC)
				continue;
			sp = find_port(names[i], pv[j].name);
			/* The same name on a new device (deleted and added again): start over. */
			if (sp && (sp->sw_ifindex != pv[j].ifindex || memcmp(sp->mac, pv[j].mac, 6))) {
				sport_close(sp);
				sp->sw_ifindex = pv[j].ifindex;
				memcpy(sp->mac, pv[j].mac, 6);
				sp->err[0] = 0;
			}
			if (!sp) {
				sp = calloc(1, sizeof(*sp));
				if (!sp)
					continue;
				snprintf(sp->sw, sizeof(sp->sw), "%s", names[i]);
				snprintf(sp->port, sizeof(sp->port), "%s", pv[j].name);
				sp->sw_ifindex = pv[j].ifindex;
				memcpy(sp->mac, pv[j].mac, 6);
				sp->listen_fd = -1;
				sp->next = ports;
				ports = sp;
			}
			sp->seen = true;
			sp->id = pv[j].id;
			sp->vmq_want = pv[j].flags & XVS_PORT_VMQ;
			/* A port that failed is retried when asked (sync), not every tick; a sync
			 * that names a port retries and reports that port only. */
			char *perr = err && (!only || !strcmp(only, sp_name(sp))) ? err : NULL;

			if (!sp->ok && (perr || !sp->err[0])) {
				sport_open(sp, epfd);
				if (!sp->ok) {
					xvsd_log("cannot serve %s/%s: %s", sp->sw, sp->port, sp->err);
					if (perr && !perr[0])
						snprintf(perr, errlen, "cannot serve %s/%s: %s", sp->sw,
							 sp->port, sp->err);
				}
			}
			sport_check_mtu(sp);
			vmq_sync(sp, uplink, perr, errlen);
		}
		free(pv);
		xvs_switch_close(sw);
	}
	free(names);
	for (pp = &ports; *pp;) {
		struct sport *sp = *pp;

		if (sp->seen) {
			pp = &sp->next;
			continue;
		}
		sport_close(sp);
		*pp = sp->next;
		free(sp);
	}
}

static bool port_served(const char *name)
{
	for (struct sport *sp = ports; sp; sp = sp->next)
		if (!strcmp(sp_name(sp), name))
			return sp->ok && (!sp->vmq_want || sp->up);
	return false;
}

static void on_request(void)
{
	char req[64], reply[700], err[600];
	struct timeval tv = { .tv_sec = 1 };
	ssize_t n;
	int fd = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(fd, req, sizeof(req) - 1, 0);
	if (n > 0) {
		req[n] = 0;
		if (!strcmp(req, "ping")) {
			snprintf(reply, sizeof(reply), "ok");
		} else if (!strcmp(req, "sync")) {
			rescan(NULL, err, sizeof(err));
			snprintf(reply, sizeof(reply), "%s", err[0] ? err : "ok");
		} else if (!strncmp(req, "sync ", 5)) {
			/* "sync SWITCH/PORT": rescan, then say whether that port is served as its
			 * table entry asks (with VMQ sockets if vmq is on), or why not. */
			rescan(req + 5, err, sizeof(err));
			snprintf(reply, sizeof(reply), "%s", err[0] ? err : "ok");
			if (!err[0] && !port_served(req + 5))
				snprintf(reply, sizeof(reply), "%s is not a synthetic port xvsd can see",
					 req + 5);
		} else {
			snprintf(reply, sizeof(reply), "unknown request '%.40s'", req);
		}
		send(fd, reply, strlen(reply), MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	close(fd);
}

static int ctl_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (mkdir(xvs_run_dir(), 0755) && errno != EEXIST) {
		fprintf(stderr, "xvsd: cannot create %s: %s\n", xvs_run_dir(), strerror(errno));
		return -1;
	}
	snprintf(ctl_path, sizeof(ctl_path), "%s/xvsd.sock", xvs_run_dir());
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ctl_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A socket that answers belongs to a running xvsd; one that does not is left over. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		fprintf(stderr, "xvsd: another xvsd is running (%s answers)\n", ctl_path);
		close(fd);
		ctl_path[0] = 0;
		return -1;
	}
	close(fd);
	unlink(ctl_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		fprintf(stderr, "xvsd: cannot listen on %s: %s\n", ctl_path, strerror(errno));
		ctl_path[0] = 0;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xvsd [--quiet]\n"
		"Serves the synthetic NICs of this host (xvs port add ... --synthetic) at\n"
		"$XVS_RUN/<switch>/<port>.sock, until SIGTERM or SIGINT. Counters: xvs stats.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static struct ev ev_ctl = { .kind = EV_CTL }, ev_sig = { .kind = EV_SIGNAL };
	struct epoll_event e;
	sigset_t mask;
	bool stop = false;
	unsigned idle = 0;
	long next_tick;
	int c;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			xvsd_verbose = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	libbpf_set_print(libbpf_quiet);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sig_fd < 0 || epfd < 0) {
		fprintf(stderr, "xvsd: %s\n", strerror(errno));
		return 1;
	}
	ctl_fd = ctl_open();
	if (ctl_fd < 0)
		return 1;
	e = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &ev_ctl };
	epoll_ctl(epfd, EPOLL_CTL_ADD, ctl_fd, &e);
	e = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &ev_sig };
	epoll_ctl(epfd, EPOLL_CTL_ADD, sig_fd, &e);
	xvsd_log("listening at %s", ctl_path);
	rescan(NULL, NULL, 0);
	next_tick = xvsd_now_ms() + XVSD_TICK_MS;

	while (!stop) {
		struct epoll_event evs[64];
		unsigned work = 0;
		int timeout = 0, n;
		long now;

		for (struct sport *sp = ports; sp; sp = sp->next)
			work += sport_poll(sp);
		if (work) {
			idle = 0;
		} else if (++idle >= XVSD_SPIN) {
			bool sleep = true;

			for (struct sport *sp = ports; sp && sleep; sp = sp->next)
				sleep = sport_arm(sp);
			if (sleep) {
				now = xvsd_now_ms();
				timeout = next_tick > now ? (int)(next_tick - now) : 0;
			}
		}
		n = epoll_wait(epfd, evs, 64, timeout);
		if (n > 0)
			idle = 0;
		for (int i = 0; i < n; i++) {
			struct ev *ev = evs[i].data.ptr;

			if (ev->kind == EV_NONE) {
				continue; /* a closed socket's event, cleared */
			} else if (ev->kind == EV_SIGNAL) {
				stop = true;
			} else if (ev->kind == EV_CTL) {
				/* A request may rescan and free ports that later events of this batch
				 * point into: start the next round afresh. */
				on_request();
				break;
			} else {
				struct sport *sp = ev->sp;
				bool had_vmq = sp->up != NULL;

				sport_event(sp, ev, evs[i].events);
				/* A port (or its VMQ sockets) closed by its event may have taken other
				 * queued events' targets with it: start the next round afresh. */
				if (!sp->ok || (had_vmq && !sp->up))
					break;
			}
		}
		now = xvsd_now_ms();
		if (now >= next_tick) {
			rescan(NULL, NULL, 0);
			for (struct sport *sp = ports; sp; sp = sp->next)
				sport_write_stats(sp);
			next_tick = now + XVSD_TICK_MS;
		}
	}

	xvsd_log("stopping");
	while (ports) {
		struct sport *sp = ports;

		ports = sp->next;
		sport_close(sp);
		free(sp);
	}
	close(ctl_fd);
	unlink(ctl_path);
	close(epfd);
	close(sig_fd);
	return 0;
}
