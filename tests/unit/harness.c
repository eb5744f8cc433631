// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"
#include "netdev.h"

struct xvs_switch *xt_sw;
int xt_nports;
enum xvs_datapath xt_datapath = XVS_DATAPATH_DEFAULT;
static int sinks[XT_MAX_PORTS + 1];
static char names[XT_MAX_PORTS + 1][16];

static __u64 total_drops_of(const struct xvs_port_stats *st)
{
	__u64 t = 0;

	for (int i = 0; i < XVS_DROP_SLOTS; i++)
		t += st->drops[i];
	return t;
}

static void write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	cr_assert(f, "open %s: %s", path, strerror(errno));
	fputs(val, f);
	fclose(f);
}

static int open_sink(const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int one = 1, fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));

	cr_assert(fd >= 0, "AF_PACKET socket: %s", strerror(errno));
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	cr_assert(bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == 0, "bind %s", ifname);
	/* Tags of received frames are moved out of band by the stack: ask for them back. */
	cr_assert(setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) == 0);
	return fd;
}

static void setup(int nports, __u32 fdb_max, __u32 flow_max)
{
	struct xvs_switch_opts o = { .name = "t", .type = XVS_SWITCH_PRIVATE, .fdb_max = fdb_max,
				     .flow_max = flow_max };
	const char *dp = getenv("XVS_TEST_DATAPATH");
	char peer[16];

	cr_assert(nports <= XT_MAX_PORTS);
	cr_assert(!dp || !*dp || xvs_datapath_parse(dp, &xt_datapath) == 0,
		  "XVS_TEST_DATAPATH: %s", xvs_errmsg());
	o.datapath = xt_datapath;
	cr_assert(unshare(CLONE_NEWNET | CLONE_NEWNS) == 0, "unshare: %s", strerror(errno));
	cr_assert(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	cr_assert(mount("tmpfs", "/tmp", "tmpfs", 0, NULL) == 0, "tmpfs: %s", strerror(errno));
	cr_assert(mkdir("/tmp/bpf", 0755) == 0);
	cr_assert(mount("bpf", "/tmp/bpf", "bpf", 0, NULL) == 0, "bpffs: %s", strerror(errno));
	setenv("XVS_ROOT", "/tmp/bpf/xvs", 1);
	setenv("XVS_RUN", "/tmp/run", 1);
	/* No IPv6 autoconfiguration chatter on the test links. */
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");

	for (int i = 1; i <= nports; i++) {
		snprintf(names[i], sizeof(names[i]), "p%d", i);
		snprintf(peer, sizeof(peer), "q%d", i);
		cr_assert(xvs_netdev_veth_add(names[i], peer) == 0, "%s", xvs_errmsg());
		cr_assert(xvs_netdev_up(names[i]) == 0 && xvs_netdev_up(peer) == 0);
		/* XDP_REDIRECT into pN is delivered to qN only if qN runs NAPI. */
		cr_assert(xvs_netdev_set_gro(peer, true) == 0, "%s", xvs_errmsg());
	}
	cr_assert(xvs_switch_create(&o) == 0, "switch create: %s", xvs_errmsg());
	cr_assert(xvs_switch_open("t", &xt_sw) == 0, "%s", xvs_errmsg());
	for (int i = 1; i <= nports; i++)
		cr_assert(xvs_port_add(xt_sw, names[i], names[i], NULL, XVS_PORT_VM) == 0, "%s",
			  xvs_errmsg());
	for (int i = 1; i <= nports; i++) {
		snprintf(peer, sizeof(peer), "q%d", i);
		sinks[i] = open_sink(peer);
	}
	xt_nports = nports;
}

void xt_setup_opts(int nports, __u32 fdb_max)
{
	setup(nports, fdb_max, 0);
}

void xt_setup_flows(int nports, __u32 flow_max)
{
	setup(nports, 0, flow_max);
}

void xt_setup(int nports)
{
	setup(nports, 0, 0);
}

void xt_teardown(void)
{
	/* The namespaces die with the test process; close what we hold for tidiness. */
	for (int i = 1; i <= xt_nports; i++)
		close(sinks[i]);
	xvs_switch_close(xt_sw);
	xt_sw = NULL;
}

int xt_ifindex(int port)
{
	return (int)if_nametoindex(names[port]);
}

const char *xt_port(int port)
{
	return names[port];
}

size_t xt_frame(unsigned char *buf, const char *dst, const char *src, const struct xt_tag *tags,
		int ntags, unsigned short ethertype, size_t payload)
{
	size_t off = 12;

	cr_assert(xvs_parse_mac(dst, buf) == 0 && xvs_parse_mac(src, buf + 6) == 0);
	for (int i = 0; i < ntags; i++) {
		buf[off++] = (unsigned char)(tags[i].tpid >> 8);
		buf[off++] = (unsigned char)tags[i].tpid;
		buf[off++] = (unsigned char)(tags[i].tci >> 8);
		buf[off++] = (unsigned char)tags[i].tci;
	}
	buf[off++] = (unsigned char)(ethertype >> 8);
	buf[off++] = (unsigned char)ethertype;
	for (size_t i = 0; i < payload; i++)
		buf[off++] = (unsigned char)(i * 7 + 1);
	return off;
}

/* ---- sending frames into the switch ---- */

#define XT_SETTLE_MS   30   /* after the switch took the frames: time for its copies to arrive */
#define XT_PICKUP_MS 5000   /* longest wait for the switch to take the frames */

static void drain(struct xt_rx rx[XT_MAX_PORTS + 1], int ms);

static __u64 ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* The counters of pN, if pN is a port of the switch now. */
static bool port_stats(int port, struct xvs_port_stats *st)
{
	struct xvs_port p;

	memset(st, 0, sizeof(*st));
	if (xvs_port_get(xt_sw, names[port], &p))
		return false;
	cr_assert(xvs_stats_read(xt_sw, p.id, st) == 0, "%s", xvs_errmsg());
	return true;
}

/*
 * Send `count` frames from qN into pN and wait until the switch has counted them in (or, for
 * a netdev that is no port, a moment). One sendmmsg puts them into pN's queue together, so its
 * NAPI poll takes them as one batch and the XDP redirects are flushed together, as under real
 * load. *dropped: the switch counted a drop reason at pN meanwhile.
 * (BPF_PROG_TEST_RUN's live-frames mode would be the direct way, but some kernels refuse it
 * with EPERM, as 6.18.44-fc-v1300 does.)
 */
static void inject(int port, const void *const *frames, const size_t *lens, int count,
		   bool *dropped)
{
	struct xvs_port_stats before, after;
	bool is_port = port_stats(port, &before);
	struct mmsghdr msgs[XT_MAX_BATCH] = {};
	struct iovec iov[XT_MAX_BATCH];
	struct timespec t0;
	int sent = 0;

	cr_assert(count > 0 && count <= XT_MAX_BATCH);
	for (int i = 0; i < count; i++) {
		iov[i] = (struct iovec){ (void *)frames[i], lens[i] };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (sent < count) {
		int n = sendmmsg(sinks[port], msgs + sent, (unsigned int)(count - sent), 0);

		cr_assert(n > 0, "send on q%d: %s", port, strerror(errno));
		sent += n;
	}
	*dropped = true;
	if (!is_port) {
		usleep(XT_SETTLE_MS * 1000);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		cr_assert(port_stats(port, &after), "port p%d went away", port);
		if (after.rx_packets >= before.rx_packets + (__u64)count)
			break;
		usleep(200);
	} while (ms_since(&t0) < XT_PICKUP_MS);
	cr_assert(after.rx_packets >= before.rx_packets + (__u64)count,
		  "the switch took %llu of %d frames at p%d",
		  (unsigned long long)(after.rx_packets - before.rx_packets), count, port);
	*dropped = total_drops_of(&after) > total_drops_of(&before);
}

int xt_run(int port, const void *frame, size_t len, void *out, size_t *out_len)
{
	static struct xt_rx rx[XT_MAX_PORTS + 1];
	int from = 0, frames = 0;
	bool dropped;

	inject(port, &frame, &len, 1, &dropped);
	drain(rx, XT_SETTLE_MS);
	for (int i = 1; i <= xt_nports; i++) {
		frames += rx[i].count;
		if (rx[i].count)
			from = i;
	}
	if (out_len)
		*out_len = 0;
	if (frames == 1 && out && out_len) {
		memcpy(out, rx[from].data[0], rx[from].len[0]);
		*out_len = rx[from].len[0];
	}
	return dropped ? XT_DROP : XT_FWD;
}

void xt_deliver_frames(int port, const void *const *frames, const size_t *lens, int count)
{
	bool dropped;

	inject(port, frames, lens, count, &dropped);
}

void xt_deliver(int port, const void *frame, size_t len)
{
	xt_deliver_frames(port, &frame, &len, 1);
}

/* Read one frame from an AF_PACKET socket, putting back the VLAN tag the stack took out. */
static int read_frame(int fd, unsigned char *buf, size_t *len)
{
	unsigned char raw[XT_MAX_FRAME], cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	struct iovec iov = { raw, sizeof(raw) };
	struct sockaddr_ll from;
	struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			      .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct tpacket_auxdata *aux = NULL;
	ssize_t n = recvmsg(fd, &msg, 0);

	if (n < 0)
		return -1;
	if (from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA)
			aux = (struct tpacket_auxdata *)CMSG_DATA(c);
	if (aux && (aux->tp_status & TP_STATUS_VLAN_VALID) && n >= 12) {
		unsigned short tpid = (aux->tp_status & TP_STATUS_VLAN_TPID_VALID) ?
					      aux->tp_vlan_tpid : ETH_P_8021Q;

		memcpy(buf, raw, 12);
		buf[12] = (unsigned char)(tpid >> 8);
		buf[13] = (unsigned char)tpid;
		buf[14] = (unsigned char)(aux->tp_vlan_tci >> 8);
		buf[15] = (unsigned char)aux->tp_vlan_tci;
		memcpy(buf + 16, raw + 12, (size_t)n - 12);
		*len = (size_t)n + 4;
	} else {
		memcpy(buf, raw, (size_t)n);
		*len = (size_t)n;
	}
	return 1;
}

/* Read what arrives at every qN for `ms` milliseconds. */
static void drain(struct xt_rx rx[XT_MAX_PORTS + 1], int ms)
{
	struct timespec t0;

	memset(rx, 0, sizeof(*rx) * (XT_MAX_PORTS + 1));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd[XT_MAX_PORTS];
		__u64 elapsed;

		for (int i = 1; i <= xt_nports; i++) {
			while (rx[i].count < XT_MAX_RX) {
				size_t len = 0;
				int r = read_frame(sinks[i], rx[i].data[rx[i].count], &len);

				if (r < 0)
					break;
				if (r == 1)
					rx[i].len[rx[i].count++] = len;
			}
		}
		elapsed = ms_since(&t0);
		if (elapsed >= (__u64)ms)
			break;
		for (int i = 0; i < xt_nports; i++)
			pfd[i] = (struct pollfd){ .fd = sinks[i + 1], .events = POLLIN };
		poll(pfd, (nfds_t)xt_nports, (int)((__u64)ms - elapsed));
	}
}

void xt_collect(struct xt_rx rx[XT_MAX_PORTS + 1], int ms)
{
	drain(rx, ms);
}

struct xvs_port_stats xt_stats(int port)
{
	struct xvs_port p;
	struct xvs_port_stats st;

	cr_assert(xvs_port_get(xt_sw, names[port], &p) == 0, "%s", xvs_errmsg());
	cr_assert(xvs_stats_read(xt_sw, p.id, &st) == 0, "%s", xvs_errmsg());
	return st;
}

bool xt_fdb_has(const char *mac, __u16 vlan, int *port_out)
{
	struct xvs_fdb_key key = { .vlan = vlan };
	struct xvs_fdb_entry e;

	cr_assert(xvs_parse_mac(mac, key.mac) == 0);
	if (bpf_map_lookup_elem(xt_sw->fdb_fd, &key, &e))
		return false;
	if (port_out) {
		*port_out = 0;
		for (int i = 1; i <= xt_nports; i++)
			if ((int)e.ifindex == xt_ifindex(i))
				*port_out = i;
	}
	return true;
}

int xt_fdb_count(void)
{
	struct xvs_fdb_row *rows;
	int n;

	cr_assert(xvs_fdb_dump(xt_sw, &rows, &n) == 0);
	free(rows);
	return n;
}
