// SPDX-License-Identifier: MIT
/*
 * Synthetic ports: the port device (a veth pair), the request channel to xvsd and the
 * counter file xvsd writes. The port table stays the one truth: xvsd serves exactly the
 * ports of kind XVS_PORT_SYNTHETIC it finds there, so a request only says "look now".
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "libxvs.h"
#include "netdev.h"

/* FNV-1a over "switch/port": netdev names have 15 characters, switch + port names up to 27. */
int xvs_synthetic_devs(const char *sw, const char *port, char sw_end[16], char xvsd_end[16])
{
	__u32 h = 2166136261u;

	for (const char *s = sw; *s; s++)
		h = (h ^ (__u8)*s) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *s = port; *s; s++)
		h = (h ^ (__u8)*s) * 16777619u;
	snprintf(sw_end, 16, "xvs%08xs", h);
	snprintf(xvsd_end, 16, "xvs%08xd", h);
	return 0;
}

void xvs_synthetic_path(const char *sw, const char *port, const char *ext, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s.%s", xvs_run_dir(), sw, port, ext);
}

int xvs_xvsd_request(const char *req, char *reply, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };
	ssize_t n;
	int fd, err;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/xvsd.sock", xvs_run_dir());
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return xvs_fail(-errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = errno;
		close(fd);
		return xvs_fail(-ENOTCONN, "xvsd is not running (cannot connect to %s: %s): "
				"start xvsd first", sa.sun_path, strerror(err));
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		err = errno;
		close(fd);
		return xvs_fail(-err, "cannot talk to xvsd: %s", strerror(err));
	}
	n = recv(fd, reply, len - 1, 0);
	err = errno;
	close(fd);
	if (n <= 0)
		return xvs_fail(n < 0 ? -err : -ECONNRESET, "xvsd did not answer: %s",
				n < 0 ? strerror(err) : "connection closed");
	reply[n] = 0;
	if (strncmp(reply, "ok", 2))
		return xvs_fail(-EIO, "xvsd: %s", reply);
	return 0;
}

int xvs_xvsd_wait(unsigned ms)
{
	struct timespec start, now;
	char reply[256];
	int err;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		err = xvs_xvsd_request("ping", reply, sizeof(reply));
		if (err != -ENOTCONN)
			return err;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    (long)ms)
			return err;
		usleep(100 * 1000);
	}
}

static int check_mtu(unsigned mtu)
{
	if (mtu < XVS_SYNTHETIC_MTU_MIN || mtu > XVS_SYNTHETIC_MTU_MAX)
		return xvs_fail(-EINVAL, "invalid MTU %u: a synthetic port's must be %d-%d", mtu,
				XVS_SYNTHETIC_MTU_MIN, XVS_SYNTHETIC_MTU_MAX);
	return 0;
}

/* Ask xvsd to rescan and to say whether this one port is served as its table entry asks
 * (other ports' troubles are not this command's). */
static int xvsd_sync_port(const char *sw, const char *port, char *reply, size_t len)
{
	char req[2 * XVS_NAME_LEN + 8];

	snprintf(req, sizeof(req), "sync %s/%s", sw, port);
	return xvs_xvsd_request(req, reply, len);
}

int xvs_port_add_synthetic(struct xvs_switch *sw, const char *port, const __u8 *mac,
			   unsigned queues, unsigned mtu)
{
	char sw_end[16], xvsd_end[16], reply[256], path[600];
	struct xvs_port existing;
	int err;

	xvs_warn(NULL);
	if (!xvs_valid_name(port, XVS_NAME_LEN - 1))
		return xvs_fail(-EINVAL, "invalid port name '%s': 1-15 letters, digits, '-' or '_'",
				port);
	if (!mac)
		return xvs_fail(-EINVAL, "a synthetic port needs --mac MAC");
	if (mac[0] & 1)
		return xvs_fail(-EINVAL, "a port MAC must be unicast");
	if (queues < 1 || queues > XVS_SYNTHETIC_QUEUES_MAX)
		return xvs_fail(-EINVAL, "invalid queue count %u: must be 1-%d", queues,
				XVS_SYNTHETIC_QUEUES_MAX);
	if (!mtu)
		mtu = XVS_SYNTHETIC_MTU_DEFAULT;
	if (check_mtu(mtu))
		return -EINVAL;
	if (xvs_port_get(sw, port, &existing) == 0)
		return xvs_fail(-EEXIST, "switch %s already has a port '%s'", sw->name, port);
	xvs_synthetic_path(sw->name, port, "sock", path, sizeof(path));
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return xvs_fail(-ENAMETOOLONG, "socket path %s is too long for a Unix socket", path);
	xvs_synthetic_devs(sw->name, port, sw_end, xvsd_end);
	if (if_nametoindex(sw_end) || if_nametoindex(xvsd_end))
		return xvs_fail(-EEXIST, "netdev %s or %s already exists", sw_end, xvsd_end);
	/* Before anything changes: without xvsd nobody would serve the port. */
	err = xvs_xvsd_request("ping", reply, sizeof(reply));
	if (err)
		return err;

	err = xvs_netdev_veth_add_mq(sw_end, xvsd_end, queues, mtu);
	if (err)
		return err;
	err = xvs_netdev_up(xvsd_end);
	if (!err)
		err = xvs_netdev_up(sw_end);
	if (!err)
		err = xvs_port_add(sw, port, sw_end, mac, XVS_PORT_SYNTHETIC);
	if (err)
		goto undo_veth;
	xvs_warn(NULL); /* the far end is xvsd's: its XDP program takes the frames, not GRO */
	err = xvsd_sync_port(sw->name, port, reply, sizeof(reply));
	if (err) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", xvs_errmsg());
		xvs_port_del(sw, port);
		return xvs_fail(err, "%s", msg);
	}
	return 0;

undo_veth:
	{
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", xvs_errmsg());
		xvs_netdev_del(sw_end);
		return xvs_fail(err, "%s", msg);
	}
}

/* ---- MTU ---- */

int xvs_port_mtu(const struct xvs_switch *sw, const struct xvs_port *p, unsigned *mtu)
{
	char sw_end[16], xvsd_end[16], ifn[IF_NAMESIZE];
	unsigned a, b;
	int err;

	if (p->kind != XVS_PORT_SYNTHETIC) {
		if (!if_indextoname(p->ifindex, ifn))
			return xvs_fail(-ENODEV, "port %s: its netdev (ifindex %u) is gone", p->name,
					p->ifindex);
		return xvs_netdev_mtu(ifn, mtu);
	}
	xvs_synthetic_devs(sw->name, p->name, sw_end, xvsd_end);
	err = xvs_netdev_mtu(sw_end, &a);
	if (!err)
		err = xvs_netdev_mtu(xvsd_end, &b);
	if (err)
		return err;
	*mtu = a < b ? a : b;
	return 0;
}

/* Both ends of the veth: the switch's end limits what the guest can send (a veth forwards no
 * frame longer than its peer's MTU + 18), xvsd's end what the switch can send to the guest. */
int xvs_port_set_mtu(struct xvs_switch *sw, const char *port, unsigned mtu)
{
	char sw_end[16], xvsd_end[16], reply[256], msg[512];
	struct xvs_port p;
	unsigned old;
	int err;

	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	if (p.kind != XVS_PORT_SYNTHETIC)
		return xvs_fail(-EINVAL, "mtu is for synthetic ports: %s's MTU is its netdev's (ip link "
				"set DEV mtu N, and the same on the VM's end)", port);
	if (check_mtu(mtu))
		return -EINVAL;
	xvs_synthetic_devs(sw->name, port, sw_end, xvsd_end);
	err = xvs_netdev_mtu(sw_end, &old);
	if (err)
		return err;
	err = xvs_netdev_set_mtu(sw_end, mtu);
	if (err)
		return err;
	err = xvs_netdev_set_mtu(xvsd_end, mtu);
	if (err) {
		snprintf(msg, sizeof(msg), "%s", xvs_errmsg());
		xvs_netdev_set_mtu(sw_end, old);
		return xvs_fail(err, "%s", msg);
	}
	/* xvsd restarts the guest's channel with the new MTU (it also notices within a second on
	 * its own; without xvsd the next guest learns it at connect). */
	xvsd_sync_port(sw->name, port, reply, sizeof(reply));
	xvs_fail(0, "%s", "");
	return 0;
}

/* ---- the counter file ---- */

int xvs_synthetic_stats_write(const char *sw, const char *port,
			      const struct xvs_synthetic_stats *st)
{
	char path[600], tmp[620], dir[560];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/%s", xvs_run_dir(), sw);
	mkdir(xvs_run_dir(), 0755);
	mkdir(dir, 0755);
	xvs_synthetic_path(sw, port, "stats", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "xvsd-stats 1\nguest %s\nconnects %llu\ndisconnects %llu\nbroken %llu\n"
		"last_violation %s\nqueues %u\n", st->guest ? "connected" : "none",
		(unsigned long long)st->connects, (unsigned long long)st->disconnects,
		(unsigned long long)st->broken, st->last_violation[0] ? st->last_violation : "-",
		st->queues);
	for (unsigned q = 0; q < st->queues && q < XVS_SYNTHETIC_QUEUES_MAX; q++) {
		const struct xvs_synthetic_queue_stats *s = &st->q[q];

		fprintf(f, "queue %u %llu %llu %llu %llu %llu %llu %llu\n", q,
			(unsigned long long)s->tx_packets, (unsigned long long)s->tx_bytes,
			(unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
			(unsigned long long)s->tx_drops, (unsigned long long)s->rx_drops,
			(unsigned long long)s->violations);
	}
	for (unsigned q = 0; q < st->queues && q < XVS_SYNTHETIC_QUEUES_MAX; q++)
		fprintf(f, "queue_ring_full %u %llu\n", q, (unsigned long long)st->q[q].rx_ring_full);
	fprintf(f, "vmq %s %u\nvmq_rx %llu %llu %llu %llu\n", st->vmq ? "on" : "off", st->vmq_queues,
		(unsigned long long)st->vmq_rx_packets, (unsigned long long)st->vmq_rx_bytes,
		(unsigned long long)st->vmq_rx_drops, (unsigned long long)st->vmq_rx_ring_full);
	if (fclose(f) || rename(tmp, path)) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

int xvs_synthetic_stats_read(const char *sw, const char *port, struct xvs_synthetic_stats *st)
{
	unsigned long long a[7];
	char path[600], line[256], word[40];
	unsigned q;
	FILE *f;

	memset(st, 0, sizeof(*st));
	xvs_synthetic_path(sw, port, "stats", path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return xvs_fail(-errno, "no counters from xvsd for port %s (%s): %s", port, path,
				strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "queue %u %llu %llu %llu %llu %llu %llu %llu", &q, &a[0], &a[1],
			   &a[2], &a[3], &a[4], &a[5], &a[6]) == 8) {
			if (q < XVS_SYNTHETIC_QUEUES_MAX)
				st->q[q] = (struct xvs_synthetic_queue_stats){
					.tx_packets = a[0], .tx_bytes = a[1], .rx_packets = a[2],
					.rx_bytes = a[3], .tx_drops = a[4], .rx_drops = a[5],
					.violations = a[6],
				};
		} else if (sscanf(line, "guest %39s", word) == 1) {
			st->guest = !strcmp(word, "connected");
		} else if (sscanf(line, "connects %llu", &a[0]) == 1) {
			st->connects = a[0];
		} else if (sscanf(line, "disconnects %llu", &a[0]) == 1) {
			st->disconnects = a[0];
		} else if (sscanf(line, "broken %llu", &a[0]) == 1) {
			st->broken = a[0];
		} else if (sscanf(line, "last_violation %31s", st->last_violation) == 1) {
			continue;
		} else if (sscanf(line, "queue_ring_full %u %llu", &q, &a[0]) == 2) {
			if (q < XVS_SYNTHETIC_QUEUES_MAX)
				st->q[q].rx_ring_full = a[0];
		} else if (sscanf(line, "vmq_rx %llu %llu %llu %llu", &a[0], &a[1], &a[2], &a[3]) == 4) {
			st->vmq_rx_packets = a[0];
			st->vmq_rx_bytes = a[1];
			st->vmq_rx_drops = a[2];
			st->vmq_rx_ring_full = a[3];
		} else if (sscanf(line, "vmq %39s %u", word, &q) == 2) {
			st->vmq = !strcmp(word, "on");
			st->vmq_queues = q;
		} else if (sscanf(line, "queues %u", &q) == 1) {
			st->queues = q < XVS_SYNTHETIC_QUEUES_MAX ? q : XVS_SYNTHETIC_QUEUES_MAX;
		}
	}
	fclose(f);
	return 0;
}

/* After a synthetic port left the port table: xvsd stops serving it (closing the guest's
 * channel), then its device and files go. Best effort: xvsd may not be running. */
void xvs_synthetic_forget(struct xvs_switch *sw, const struct xvs_port *p)
{
	char sw_end[16], xvsd_end[16], reply[256], path[600];
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", xvs_errmsg());
	xvsd_sync_port(sw->name, p->name, reply, sizeof(reply)); /* "not served" is the point */
	xvs_synthetic_devs(sw->name, p->name, sw_end, xvsd_end);
	if (if_nametoindex(sw_end))
		xvs_netdev_del(sw_end);
	xvs_synthetic_path(sw->name, p->name, "sock", path, sizeof(path));
	unlink(path);
	xvs_synthetic_path(sw->name, p->name, "stats", path, sizeof(path));
	unlink(path);
	xvs_fail(0, "%s", msg); /* what failed here is not the caller's error */
}

/* ---- VMQ ---- */

int xvs_port_set_vmq(struct xvs_switch *sw, const char *port, bool on)
{
	char reply[256], msg[512];
	struct xvs_config cfg;
	struct xvs_port p;
	int err;

	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	if (!on) {
		if (!(p.flags & XVS_PORT_VMQ))
			return 0;
		/* The fast path stops using the sockets now; xvsd drains them and lets go. Without
		 * xvsd there is nothing to drain. */
		p.flags &= ~(__u32)XVS_PORT_VMQ;
		err = xvs_port_write(sw, &p);
		if (!err) {
			xvsd_sync_port(sw->name, port, reply, sizeof(reply));
			xvs_fail(0, "%s", "");
		}
		return err;
	}
	if (p.kind != XVS_PORT_SYNTHETIC)
		return xvs_fail(-EINVAL, "vmq is for synthetic ports: %s is not one (add it with "
				"--synthetic)", port);
	err = xvs_switch_config(sw, &cfg);
	if (err)
		return err;
	if (cfg.type != XVS_SWITCH_EXTERNAL)
		return xvs_fail(-EINVAL, "vmq needs an external switch: it delivers frames from the "
				"uplink, and %s has none", sw->name);
	if (sw->datapath != XVS_DATAPATH_XDP)
		return xvs_fail(-EOPNOTSUPP, "vmq needs the xdp datapath: switch %s runs tc, and only "
				"XDP can hand frames to an AF_XDP socket (xvs switch add ... "
				"--datapath xdp)", sw->name);
	if (sw->vmq_fd < 0)
		return xvs_fail(-EOPNOTSUPP, "switch %s was created by an xvs without VMQ: delete "
				"and add it again to use vmq", sw->name);
	err = xvs_xvsd_request("ping", reply, sizeof(reply));
	if (err)
		return err;
	if (p.flags & XVS_PORT_VMQ) {
		/* Already on in the table: make sure xvsd really has the sockets (it may have been
		 * restarted and failed to bind them), and say so if it has not; the flag stays as
		 * it was. */
		return xvsd_sync_port(sw->name, port, reply, sizeof(reply));
	}
	/* Flag first: until xvsd has a socket on a queue the fast path finds no entry there and
	 * takes the normal path, so no frame is lost while the sockets come up. */
	p.flags |= XVS_PORT_VMQ;
	err = xvs_port_write(sw, &p);
	if (err)
		return err;
	err = xvsd_sync_port(sw->name, port, reply, sizeof(reply));
	if (err) {
		snprintf(msg, sizeof(msg), "%s", xvs_errmsg());
		p.flags &= ~(__u32)XVS_PORT_VMQ;
		xvs_port_write(sw, &p);
		xvsd_sync_port(sw->name, port, reply, sizeof(reply));
		return xvs_fail(err, "%s", msg);
	}
	return 0;
}
