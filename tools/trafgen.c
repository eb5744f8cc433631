// SPDX-License-Identifier: MIT
/*
 * xvs-trafgen: circulating traffic generator, reflectors, sink counter, baseline forwarder and
 * per-packet cost meter for the xvs benchmark (tools/bench.sh). The BPF side is
 * tools/xvs_trafgen.bpf.c.
 *
 *   xvs-trafgen refl attach --dev IF --pin DIR [--own-src MAC] [--rotate N] | refl detach --pin DIR
 *       XDP reflector on IF: counts each frame and sends it back out of IF (XDP_TX), swapping
 *       the MACs (rotating the destination over N addresses) or, with --own-src, writing MAC as
 *       the source and keeping the destination (floods). Starts stopped (drops, counts drained).
 *   xvs-trafgen circulate --dev IF --refl DIR[,DIR...] [--sink DIR[,DIR...]] [--frames K]
 *                         [--warmup-ms MS] [--time-ms MS] [--drain-ms MS] [frame options]
 *       The generator: starts the reflectors, injects K frames out of IF once with AF_PACKET
 *       (run it inside the network namespace of IF, pinned to one CPU: the whole loop then runs
 *       in softirq on that CPU), lets them circulate between the reflectors through the device
 *       under test, counts reflected (and sunk) frames over a window after a warm-up, stops the
 *       reflectors and reports how many frames were still in flight. One key=value line.
 *   xvs-trafgen sink attach --dev IF --pin DIR | sink detach --pin DIR | sink read --pin DIR[,..]
 *       XDP program on IF that counts and drops; link and counter pinned in DIR (a bpffs dir).
 *   xvs-trafgen bare attach --in IF --out IF[,IF...] --pin DIR | bare detach --pin DIR
 *       The baseline forwarder: XDP on --in, one bpf_redirect_map into a DEVMAP holding the
 *       --out devices (unicast to the first, or broadcast to all when several are given).
 *   xvs-trafgen cost --prog PIN|--bare-out IF [--in-dev IF] [--rotate N [--rotate-src]]
 *                    [--repeat N] [--runs N] [--size B] [--dst MAC] [--src MAC]
 *       Per-packet ns of a pinned XDP program (or of the bare forwarder redirecting to IF)
 *       under BPF_PROG_TEST_RUN, taking turns with an XDP_PASS program on the same frame and
 *       context; prints the medians and the difference. --rotate N: the destination (with
 *       --rotate-src: the source) MAC rotates over N addresses, bytes 3..5 = 0..N-1.
 *   xvs-trafgen fdb-fill --switch-dir DIR --dev IF --count N [--vlan VID] [--base MAC]
 *   xvs-trafgen acl-fill --switch NAME --port PORT --count N
 *       The ACL policy of the benchmark on PORT, direction out, through libxvs (XVS_ROOT):
 *       N port ACL rules (remote 10.x.y.0/24, the first allow, the rest deny), N extended rules
 *       (udp, remote 10.x.y.0/24 port 9, weights 1..N, the first allow), and a fixed set that
 *       turns every other stage on: a meter, a MAC rule, tcp/icmp denies, a stateful allow.
 *       Static FDB entries BASE[0..2]:idx (idx 0..N-1) pointing to the xvs port on IF.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <arpa/inet.h>
#include "xvs_abi.h"
#include "libxvs.h"
#include "xvs_trafgen.skel.h"

#define DEFAULT_DST  "02:be:00:00:00:00"
#define DEFAULT_SRC  "02:00:00:00:00:01"
#define MAX_FRAME    1500
#define MAX_SINKS    16

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die(const char *fmt, ...)
{
	va_list ap;

	fputs("xvs-trafgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static int parse_mac(const char *s, __u8 mac[6])
{
	unsigned v[6];
	char extra;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &extra) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -EINVAL;
		mac[i] = (__u8)v[i];
	}
	return 0;
}

static int parse_ul(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int ifindex_of(const char *ifname)
{
	int ifindex = (int)if_nametoindex(ifname);

	if (!ifindex)
		die("netdev %s does not exist in this network namespace", ifname);
	return ifindex;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- frames ---- */

struct frame_opts {
	__u8 dst[6], src[6];
	int vlan;        /* -1: untagged */
	unsigned size;   /* bytes without FCS */
};

static __u16 ip_csum(const void *hdr, size_t len)
{
	const __u16 *p = hdr;
	__u32 sum = 0;

	for (size_t i = 0; i < len / 2; i++)
		sum += p[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Ethernet (+ optional 802.1Q) + IPv4 + UDP 10.0.0.1:9 -> 10.0.0.2:9, zero payload. The
 * headers are built in aligned locals and copied in: they sit at odd offsets in the frame. */
static int build_frame(const struct frame_opts *o, __u8 *buf, unsigned *hdr_len)
{
	unsigned l2 = o->vlan >= 0 ? 18 : 14, off = 12;
	struct iphdr ip = {};
	struct udphdr udp = {};

	if (o->size < l2 + sizeof(ip) + sizeof(udp) || o->size > MAX_FRAME)
		return die("frame size %u out of range (%zu-%d)", o->size,
			   l2 + sizeof(ip) + sizeof(udp), MAX_FRAME);
	memset(buf, 0, o->size);
	memcpy(buf, o->dst, 6);
	memcpy(buf + 6, o->src, 6);
	if (o->vlan >= 0) {
		buf[off++] = 0x81;
		buf[off++] = 0x00;
		buf[off++] = (__u8)(o->vlan >> 8);
		buf[off++] = (__u8)o->vlan;
	}
	buf[off++] = 0x08;
	buf[off++] = 0x00;
	ip.version = 4;
	ip.ihl = 5;
	ip.ttl = 64;
	ip.protocol = IPPROTO_UDP;
	ip.tot_len = htons((__u16)(o->size - l2));
	ip.saddr = htonl(0x0a000001);
	ip.daddr = htonl(0x0a000002);
	ip.check = ip_csum(&ip, sizeof(ip));
	udp.source = htons(9);
	udp.dest = htons(9);
	udp.len = htons((__u16)(o->size - l2 - sizeof(ip)));
	memcpy(buf + l2, &ip, sizeof(ip));
	memcpy(buf + l2 + sizeof(ip), &udp, sizeof(udp));
	*hdr_len = l2;
	return 0;
}

/* Common frame options; returns 1 if the option was one of them, -1 on a bad value. */
enum { OPT_SIZE = 1000, OPT_DST, OPT_SRC, OPT_VLAN };

static int frame_opt(int c, const char *arg, struct frame_opts *fo)
{
	unsigned long v;

	switch (c) {
	case OPT_SIZE:
		if (parse_ul(arg, MAX_FRAME, &v))
			return die("invalid --size '%s'", arg), -1;
		fo->size = (unsigned)v;
		return 1;
	case OPT_DST:
		if (parse_mac(arg, fo->dst))
			return die("invalid --dst '%s'", arg), -1;
		return 1;
	case OPT_SRC:
		if (parse_mac(arg, fo->src) || (fo->src[0] & 1))
			return die("invalid --src '%s' (must be a unicast MAC)", arg), -1;
		return 1;
	case OPT_VLAN:
		if (parse_ul(arg, 4095, &v))
			return die("invalid --vlan '%s'", arg), -1;
		fo->vlan = (int)v;
		return 1;
	}
	return 0;
}

static void frame_defaults(struct frame_opts *fo)
{
	parse_mac(DEFAULT_DST, fo->dst);
	parse_mac(DEFAULT_SRC, fo->src);
	fo->vlan = -1;
	fo->size = 60;
}

/* ---- skeleton ---- */

/* Open the skeleton with only `keep` autoloaded (and xvs_bench_pass when `with_pass`). */
static struct xvs_trafgen *skel_open(struct bpf_program *(*pick)(struct xvs_trafgen *),
				     bool with_pass)
{
	struct xvs_trafgen *skel = xvs_trafgen__open();
	struct bpf_program *prog, *keep;

	if (!skel) {
		die("cannot open the BPF object: %s", strerror(errno));
		return NULL;
	}
	keep = pick(skel);
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, prog == keep ||
					  (with_pass && prog == skel->progs.xvs_bench_pass));
	return skel;
}

static struct bpf_program *pick_refl(struct xvs_trafgen *s) { return s->progs.xvs_bench_refl; }
static struct bpf_program *pick_sink(struct xvs_trafgen *s) { return s->progs.xvs_bench_sink; }
static struct bpf_program *pick_bare(struct xvs_trafgen *s) { return s->progs.xvs_bench_bare; }
static struct bpf_program *pick_rot(struct xvs_trafgen *s) { return s->progs.xvs_bench_rot; }

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len)
		return die("path too long: %s/%s", dir, name);
	return 0;
}

/* ---- sinks and reflectors ---- */

/* Slots of the per-CPU bench_count array (tools/xvs_trafgen.bpf.c). */
enum { SLOT_COUNTED, SLOT_DRAINED };

/* Sum over CPUs of one slot of the counter pinned in DIR. */
static int counter_read_one(const char *dir, __u32 slot, __u64 *total)
{
	int ncpu = libbpf_num_possible_cpus(), fd;
	__u64 *vals;
	char path[512];

	*total = 0;
	if (ncpu <= 0)
		return die("cannot count CPUs");
	if (pin_path(path, sizeof(path), dir, "count"))
		return 1;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return die("cannot open %s: %s", path, strerror(errno));
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals || bpf_map_lookup_elem(fd, &slot, vals)) {
		free(vals);
		close(fd);
		return die("cannot read %s: %s", path, strerror(errno));
	}
	for (int i = 0; i < ncpu; i++)
		*total += vals[i];
	free(vals);
	close(fd);
	return 0;
}

/* Sum of one slot over a comma-separated list of pin dirs (an empty or NULL list sums to 0). */
static int counter_read(const char *list, __u32 slot, __u64 *total)
{
	char buf[4096], *save = NULL, *tok;

	*total = 0;
	if (!list)
		return 0;
	if ((size_t)snprintf(buf, sizeof(buf), "%s", list) >= sizeof(buf))
		return die("list of pin directories too long");
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		__u64 v;

		if (counter_read_one(tok, slot, &v))
			return 1;
		*total += v;
	}
	return 0;
}

/* Set the stop flag of every reflector in a comma-separated list of pin dirs. */
static int refl_set_stop(const char *list, __u32 stop)
{
	char buf[4096], *save = NULL, *tok, path[512];
	__u32 zero = 0;
	int fd, err;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", list) >= sizeof(buf))
		return die("list of pin directories too long");
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (pin_path(path, sizeof(path), tok, "ctl"))
			return 1;
		fd = bpf_obj_get(path);
		if (fd < 0)
			return die("cannot open %s (not a reflector?): %s", path, strerror(errno));
		err = bpf_map_update_elem(fd, &zero, &stop, 0) ? -errno : 0;
		close(fd);
		if (err)
			return die("cannot write %s: %s", path, strerror(-err));
	}
	return 0;
}

/* `sink` (count and drop) and `refl` (count and send back, XDP_TX) share attach, detach and
 * read; a reflector also pins its stop flag and starts stopped (circulate starts it). */
static int cmd_endpoint(int argc, char **argv, bool reflect)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "pin", required_argument, NULL, 'p' },
		{ "own-src", required_argument, NULL, 'o' },
		{ "rotate", required_argument, NULL, 'r' },
		{}
	};
	const char *dev = NULL, *pin = NULL, *sub, *what = reflect ? "refl" : "sink";
	char link_path[512], count_path[512], ctl_path[512];
	unsigned long rotate = 0;
	struct xvs_trafgen *skel;
	struct bpf_program *prog;
	struct bpf_link *link;
	bool own_src = false;
	__u8 src[6];
	int c, ifindex, err;

	if (argc < 2)
		return die("usage: xvs-trafgen %s attach|detach|read ...", what);
	sub = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd') {
			dev = optarg;
		} else if (c == 'p') {
			pin = optarg;
		} else if (c == 'o' && reflect) {
			if (parse_mac(optarg, src) || (src[0] & 1))
				return die("invalid --own-src '%s' (must be a unicast MAC)", optarg);
			own_src = true;
		} else if (c == 'r' && reflect) {
			if (parse_ul(optarg, 1UL << 24, &rotate))
				return die("invalid --rotate '%s' (0-16777216)", optarg);
		} else if (reflect) {
			return die("usage: xvs-trafgen refl attach --dev IF --pin DIR [--own-src MAC] [--rotate N] | detach --pin DIR | read --pin DIR[,DIR...]");
		} else {
			return die("usage: xvs-trafgen sink attach --dev IF --pin DIR | detach --pin DIR | read --pin DIR[,DIR...]");
		}
	}
	if (!pin || optind != argc)
		return die("%s: --pin DIR is required", what);

	if (!strcmp(sub, "read")) {
		__u64 total;

		if (counter_read(pin, SLOT_COUNTED, &total))
			return 1;
		printf("%llu\n", (unsigned long long)total);
		return 0;
	}
	if (pin_path(link_path, sizeof(link_path), pin, "link") ||
	    pin_path(count_path, sizeof(count_path), pin, "count") ||
	    pin_path(ctl_path, sizeof(ctl_path), pin, "ctl"))
		return 1;
	if (!strcmp(sub, "detach")) {
		unlink(link_path);
		unlink(count_path);
		unlink(ctl_path);
		rmdir(pin);
		return 0;
	}
	if (strcmp(sub, "attach"))
		return die("unknown %s command '%s': expected attach, detach or read", what, sub);
	if (!dev)
		return die("%s attach: --dev IF is required", what);
	ifindex = ifindex_of(dev);
	if (!ifindex)
		return 1;
	if (mkdir(pin, 0755) && errno != EEXIST)
		return die("cannot create %s: %s", pin, strerror(errno));
	skel = skel_open(reflect ? pick_refl : pick_sink, false);
	if (!skel)
		return 1;
	prog = reflect ? skel->progs.xvs_bench_refl : skel->progs.xvs_bench_sink;
	skel->rodata->refl_own_src = own_src;
	err = xvs_trafgen__load(skel);
	if (err) {
		xvs_trafgen__destroy(skel);
		return die("cannot load the %s program: %s", what, strerror(-err));
	}
	if (own_src)
		memcpy(skel->bss->refl_src, src, 6);
	skel->bss->rot_count = (__u32)rotate;
	if (reflect) {
		__u32 zero = 0, stop = 1;

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.bench_ctl), &zero, &stop, 0)) {
			err = -errno;
			xvs_trafgen__destroy(skel);
			return die("cannot stop the reflector: %s", strerror(-err));
		}
	}
	link = bpf_program__attach_xdp(prog, ifindex);
	if (!link) {
		err = -errno;
		xvs_trafgen__destroy(skel);
		return die("cannot attach the %s to %s: %s", what, dev, strerror(-err));
	}
	err = bpf_link__pin(link, link_path);
	if (!err)
		err = bpf_map__pin(skel->maps.bench_count, count_path);
	if (!err && reflect)
		err = bpf_map__pin(skel->maps.bench_ctl, ctl_path);
	if (err) {
		unlink(link_path);
		unlink(count_path);
		bpf_link__destroy(link);
		xvs_trafgen__destroy(skel);
		return die("cannot pin the %s under %s: %s", what, pin, strerror(-err));
	}
	bpf_link__destroy(link); /* the pin keeps it attached */
	xvs_trafgen__destroy(skel);
	return 0;
}

/* ---- bare devmap redirect ---- */

static int cmd_bare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "pin", required_argument, NULL, 'p' },
		{ "egress", no_argument, NULL, 'e' },
		{}
	};
	const char *in = NULL, *out = NULL, *pin = NULL, *sub;
	bool egress = false;
	char link_path[512], map_path[512], outs[1024], *save = NULL, *tok;
	int c, ifindex, err, nout = 0, out_ifindex[8];
	struct xvs_trafgen *skel;
	struct bpf_link *link;

	if (argc < 2)
		return die("usage: xvs-trafgen bare attach|detach ...");
	sub = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'i')
			in = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == 'p')
			pin = optarg;
		else if (c == 'e')
			egress = true;
		else
			return die("usage: xvs-trafgen bare attach --in IF --out IF[,IF...] [--egress] --pin DIR | detach --pin DIR");
	}
	if (!pin || optind != argc)
		return die("bare: --pin DIR is required");
	if (pin_path(link_path, sizeof(link_path), pin, "link") ||
	    pin_path(map_path, sizeof(map_path), pin, "devmap"))
		return 1;
	if (!strcmp(sub, "detach")) {
		unlink(link_path);
		unlink(map_path);
		rmdir(pin);
		return 0;
	}
	if (strcmp(sub, "attach"))
		return die("unknown bare command '%s': expected attach or detach", sub);
	if (!in || !out)
		return die("bare attach: --in IF and --out IF[,IF...] are required");
	ifindex = ifindex_of(in);
	if (!ifindex)
		return 1;
	snprintf(outs, sizeof(outs), "%s", out);
	for (tok = strtok_r(outs, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (nout == 8)
			return die("bare: at most 8 --out devices");
		out_ifindex[nout] = ifindex_of(tok);
		if (!out_ifindex[nout])
			return 1;
		nout++;
	}
	if (mkdir(pin, 0755) && errno != EEXIST)
		return die("cannot create %s: %s", pin, strerror(errno));
	skel = skel_open(pick_bare, false);
	if (!skel)
		return 1;
	skel->rodata->bare_broadcast = nout > 1;
	if (egress)
		bpf_program__set_autoload(skel->progs.xvs_bench_egress, true);
	err = xvs_trafgen__load(skel);
	if (err) {
		xvs_trafgen__destroy(skel);
		return die("cannot load the bare forwarder: %s", strerror(-err));
	}
	/* Devmap entries resolve ifindexes in the caller's network namespace (PLATFORM.md). */
	for (int i = 0; i < nout; i++) {
		struct bpf_devmap_val v = { .ifindex = (__u32)out_ifindex[i] };
		__u32 key = (__u32)i;

		if (egress)
			v.bpf_prog.fd = bpf_program__fd(skel->progs.xvs_bench_egress);
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.bench_devmap), &key, &v, 0)) {
			err = -errno;
			xvs_trafgen__destroy(skel);
			return die("cannot write the devmap: %s", strerror(-err));
		}
	}
	link = bpf_program__attach_xdp(skel->progs.xvs_bench_bare, ifindex);
	if (!link) {
		err = -errno;
		xvs_trafgen__destroy(skel);
		return die("cannot attach the bare forwarder to %s: %s", in, strerror(-err));
	}
	err = bpf_link__pin(link, link_path);
	if (!err)
		err = bpf_map__pin(skel->maps.bench_devmap, map_path);
	if (err) {
		unlink(link_path);
		bpf_link__destroy(link);
		xvs_trafgen__destroy(skel);
		return die("cannot pin the forwarder under %s: %s", pin, strerror(-err));
	}
	bpf_link__destroy(link);
	xvs_trafgen__destroy(skel);
	return 0;
}

/* ---- circulation ---- */

/* Inject `frames` copies of the frame out of ifindex with AF_PACKET (qdisc bypassed). A full
 * veth ring answers ENOBUFS or EAGAIN: wait a little and retry, up to a second in all. */
static int inject(int ifindex, const __u8 *frame, unsigned size, unsigned long frames)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex };
	int fd = socket(AF_PACKET, SOCK_RAW, 0), one = 1, waits = 0;

	if (fd < 0)
		return die("cannot open an AF_PACKET socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
		close(fd);
		return die("cannot set PACKET_QDISC_BYPASS: %s", strerror(errno));
	}
	for (unsigned long i = 0; i < frames;) {
		if (sendto(fd, frame, size, 0, (struct sockaddr *)&sll, sizeof(sll)) == (ssize_t)size) {
			i++;
			continue;
		}
		if ((errno != ENOBUFS && errno != EAGAIN) || ++waits > 10000) {
			int err = errno;

			close(fd);
			return die("cannot inject frame %lu of %lu: %s", i + 1, frames, strerror(err));
		}
		usleep(100);
	}
	close(fd);
	return 0;
}

static void sleep_ms(unsigned long ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int cmd_circulate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "refl", required_argument, NULL, 'R' },
		{ "sink", required_argument, NULL, 'k' },
		{ "frames", required_argument, NULL, 'n' },
		{ "warmup-ms", required_argument, NULL, 'w' },
		{ "time-ms", required_argument, NULL, 't' },
		{ "drain-ms", required_argument, NULL, 'D' },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "dst", required_argument, NULL, OPT_DST },
		{ "src", required_argument, NULL, OPT_SRC },
		{ "vlan", required_argument, NULL, OPT_VLAN },
		{}
	};
	unsigned long frames = 256, warmup_ms = 500, time_ms = 2000, drain_ms = 200, *ms;
	const char *dev = NULL, *refls = NULL, *sinks = NULL;
	__u64 r0, r1, s0, s1, d0, d1;
	struct frame_opts fo;
	__u8 frame[MAX_FRAME];
	unsigned hdr_len;
	int c, r, ifindex;
	double t0, t1;

	frame_defaults(&fo);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		r = frame_opt(c, optarg, &fo);
		if (r < 0)
			return 1;
		if (r)
			continue;
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 'R':
			refls = optarg;
			break;
		case 'k':
			sinks = optarg;
			break;
		case 'n':
			if (parse_ul(optarg, 65536, &frames) || !frames)
				return die("invalid --frames '%s' (1-65536)", optarg);
			break;
		case 'w':
		case 't':
		case 'D':
			ms = c == 'w' ? &warmup_ms : c == 't' ? &time_ms : &drain_ms;
			if (parse_ul(optarg, 600000, ms) || (c == 't' && !*ms))
				return die("invalid --%s '%s' (milliseconds, at most 600000)",
					   c == 'w' ? "warmup-ms" : c == 't' ? "time-ms" : "drain-ms",
					   optarg);
			break;
		default:
			return die("usage: xvs-trafgen circulate --dev IF --refl DIR[,DIR...] [--sink DIR[,DIR...]] [--frames K] [--warmup-ms MS] [--time-ms MS] [--drain-ms MS] [--size B] [--dst MAC] [--src MAC] [--vlan VID]");
		}
	}
	if (!dev || !refls || optind != argc)
		return die("circulate: --dev IF and --refl DIR[,DIR...] are required");
	ifindex = ifindex_of(dev);
	if (!ifindex)
		return 1;
	if (build_frame(&fo, frame, &hdr_len))
		return 1;
	/* Every counter must be readable before anything starts. */
	if (counter_read(refls, SLOT_DRAINED, &d0) || counter_read(sinks, SLOT_COUNTED, &s0))
		return 1;

	if (refl_set_stop(refls, 0))
		return 1;
	if (inject(ifindex, frame, fo.size, frames))
		goto fail;
	sleep_ms(warmup_ms);
	t0 = now_ns();
	if (counter_read(refls, SLOT_COUNTED, &r0) || counter_read(sinks, SLOT_COUNTED, &s0))
		goto fail;
	sleep_ms(time_ms);
	t1 = now_ns();
	if (counter_read(refls, SLOT_COUNTED, &r1) || counter_read(sinks, SLOT_COUNTED, &s1))
		goto fail;
	/* Stop: every frame still circulating is dropped, and counted, at the next reflector. */
	if (refl_set_stop(refls, 1))
		return 1;
	sleep_ms(drain_ms);
	if (counter_read(refls, SLOT_DRAINED, &d1))
		return 1;
	printf("injected=%lu elapsed_ns=%.0f reflected=%llu sunk=%llu mpps=%.4f in_flight=%llu lost=%lld\n",
	       frames, t1 - t0, (unsigned long long)(r1 - r0), (unsigned long long)(s1 - s0),
	       (double)(r1 - r0) / (t1 - t0) * 1e3, (unsigned long long)(d1 - d0),
	       (long long)frames - (long long)(d1 - d0));
	if (r1 == r0)
		return die("no frame came back to a reflector: the loop is broken (XDP_TX into a peer without XDP or GRO?)");
	return 0;
fail:
	refl_set_stop(refls, 1);
	return 1;
}

/* ---- per-packet cost ---- */

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int run_cost(int prog_fd, const __u8 *frame, unsigned size, int ifindex, __u32 repeat,
		    __u32 *ns, __u32 *retval)
{
	struct xdp_md ctx = { .data = 0, .data_end = size, .ingress_ifindex = (__u32)ifindex };
	__u8 out[MAX_FRAME + 64];
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = size,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

	if (ifindex) {
		run.ctx_in = &ctx;
		run.ctx_size_in = sizeof(ctx);
	}
	if (bpf_prog_test_run_opts(prog_fd, &run))
		return -errno;
	*ns = run.duration;
	*retval = run.retval;
	return 0;
}

static int cmd_cost(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prog", required_argument, NULL, 'p' },
		{ "bare-out", required_argument, NULL, 'o' },
		{ "in-dev", required_argument, NULL, 'i' },
		{ "rotate", required_argument, NULL, 'r' },
		{ "rotate-src", no_argument, NULL, 'R' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "runs", required_argument, NULL, 'k' },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "dst", required_argument, NULL, OPT_DST },
		{ "src", required_argument, NULL, OPT_SRC },
		{ "vlan", required_argument, NULL, OPT_VLAN },
		{}
	};
	unsigned long rotate = 0, repeat = 2000000, runs = 7;
	bool rotate_src = false;
	const char *prog_pin = NULL, *in_dev = NULL, *bare_out = NULL;
	__u32 prog_ns[64], pass_ns[64], delta_med, prog_ret = 0, pass_ret = 0;
	int c, r, ifindex = 0, out_ifindex = 0, target_fd = -1, pass_fd, run_fd_prog, run_fd_pass;
	int jmp_fd, err;
	struct xvs_trafgen *skel;
	struct frame_opts fo;
	__u8 frame[MAX_FRAME];
	unsigned hdr_len;
	__u32 zero = 0;

	frame_defaults(&fo);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		r = frame_opt(c, optarg, &fo);
		if (r < 0)
			return 1;
		if (r)
			continue;
		switch (c) {
		case 'p':
			prog_pin = optarg;
			break;
		case 'i':
			in_dev = optarg;
			break;
		case 'o':
			bare_out = optarg;
			break;
		case 'r':
			if (parse_ul(optarg, 1UL << 24, &rotate))
				return die("invalid --rotate '%s'", optarg);
			break;
		case 'R':
			rotate_src = true;
			break;
		case 'n':
			if (parse_ul(optarg, 0xffffffffUL, &repeat) || !repeat)
				return die("invalid --repeat '%s'", optarg);
			break;
		case 'k':
			if (parse_ul(optarg, 64, &runs) || !runs)
				return die("invalid --runs '%s' (1-64)", optarg);
			break;
		default:
			return die("usage: xvs-trafgen cost --prog PIN|--bare-out IF [--in-dev IF] [--rotate N [--rotate-src]] [--repeat N] [--runs N] [--size B] [--dst MAC] [--src MAC] [--vlan VID]");
		}
	}
	if (!!prog_pin == !!bare_out || optind != argc)
		return die("cost: one of --prog PIN or --bare-out IF is required");
	if (rotate_src && !rotate)
		return die("cost: --rotate-src needs --rotate N");
	if (in_dev) {
		ifindex = ifindex_of(in_dev);
		if (!ifindex)
			return 1;
	}
	if (bare_out) {
		out_ifindex = ifindex_of(bare_out);
		if (!out_ifindex)
			return 1;
	}
	if (build_frame(&fo, frame, &hdr_len))
		return 1;
	if (prog_pin) {
		target_fd = bpf_obj_get(prog_pin);
		if (target_fd < 0)
			return die("cannot open %s: %s", prog_pin, strerror(errno));
	}

	skel = skel_open(pick_rot, true);
	if (!skel) {
		if (target_fd >= 0)
			close(target_fd);
		return 1;
	}
	if (!rotate)
		bpf_program__set_autoload(skel->progs.xvs_bench_rot, false);
	if (bare_out)
		bpf_program__set_autoload(skel->progs.xvs_bench_bare, true);
	err = xvs_trafgen__load(skel);
	if (err) {
		die("cannot load the cost helpers: %s", strerror(-err));
		goto out;
	}
	if (bare_out) {
		/* The baseline forwarder itself, redirecting to --bare-out. */
		struct bpf_devmap_val v = { .ifindex = (__u32)out_ifindex };

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.bench_devmap), &zero, &v, 0)) {
			err = -errno;
			die("cannot write the devmap: %s", strerror(errno));
			goto out;
		}
		target_fd = dup(bpf_program__fd(skel->progs.xvs_bench_bare));
		if (target_fd < 0) {
			err = -errno;
			goto out;
		}
	}
	pass_fd = bpf_program__fd(skel->progs.xvs_bench_pass);
	run_fd_prog = target_fd;
	run_fd_pass = pass_fd;
	if (rotate) {
		/* Both contenders go through the same rotating wrapper and one tail call; only
		 * the program at the end differs. */
		run_fd_prog = run_fd_pass = bpf_program__fd(skel->progs.xvs_bench_rot);
		skel->bss->rot_count = (__u32)rotate;
		skel->bss->rot_src = rotate_src;
	}
	jmp_fd = bpf_map__fd(skel->maps.bench_jmp);

	for (unsigned long i = 0; i < runs; i++) {
		if (rotate && bpf_map_update_elem(jmp_fd, &zero, &target_fd, 0)) {
			err = -errno;
			die("cannot install the program in the tail-call map: %s", strerror(errno));
			goto out;
		}
		err = run_cost(run_fd_prog, frame, fo.size, ifindex, (__u32)repeat, &prog_ns[i],
			       &prog_ret);
		if (!err && rotate && bpf_map_update_elem(jmp_fd, &zero, &pass_fd, 0))
			err = -errno;
		if (!err)
			err = run_cost(run_fd_pass, frame, fo.size, ifindex, (__u32)repeat,
				       &pass_ns[i], &pass_ret);
		if (err) {
			die("test run failed: %s", strerror(-err));
			goto out;
		}
	}
	{
		__u32 d[64];

		for (unsigned long i = 0; i < runs; i++)
			d[i] = prog_ns[i] > pass_ns[i] ? prog_ns[i] - pass_ns[i] : 0;
		qsort(d, runs, sizeof(d[0]), cmp_u32);
		delta_med = d[runs / 2];
	}
	qsort(prog_ns, runs, sizeof(prog_ns[0]), cmp_u32);
	qsort(pass_ns, runs, sizeof(pass_ns[0]), cmp_u32);
	printf("prog_ns=%u prog_min=%u prog_max=%u pass_ns=%u pass_min=%u pass_max=%u "
	       "delta_ns=%u retval=%u rotate=%lu\n",
	       prog_ns[runs / 2], prog_ns[0], prog_ns[runs - 1], pass_ns[runs / 2], pass_ns[0],
	       pass_ns[runs - 1], delta_med, prog_ret, rotate);
	err = 0;
out:
	xvs_trafgen__destroy(skel);
	if (target_fd >= 0)
		close(target_fd);
	return err ? 1 : 0;
}

/* ---- FDB fill ---- */

static int cmd_fdb_fill(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "switch-dir", required_argument, NULL, 's' },
		{ "dev", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "vlan", required_argument, NULL, 'v' },
		{ "base", required_argument, NULL, 'b' },
		{}
	};
	const char *dir = NULL, *dev = NULL;
	unsigned long count = 0, vlan = 0;
	__u8 base[6];
	char path[512];
	struct xvs_port port;
	__u32 ifindex;
	int c, ports_fd, fdb_fd, ret = 1;

	parse_mac(DEFAULT_DST, base);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			dir = optarg;
			break;
		case 'd':
			dev = optarg;
			break;
		case 'n':
			if (parse_ul(optarg, 1UL << 24, &count))
				return die("invalid --count '%s'", optarg);
			break;
		case 'v':
			if (parse_ul(optarg, XVS_VID_MAX, &vlan))
				return die("invalid --vlan '%s'", optarg);
			break;
		case 'b':
			if (parse_mac(optarg, base) || (base[0] & 1))
				return die("invalid --base '%s' (must be a unicast MAC)", optarg);
			break;
		default:
			return die("usage: xvs-trafgen fdb-fill --switch-dir DIR --dev IF --count N [--vlan VID] [--base MAC]");
		}
	}
	if (!dir || !dev || optind != argc)
		return die("fdb-fill: --switch-dir DIR and --dev IF are required");
	ifindex = (__u32)ifindex_of(dev);
	if (!ifindex)
		return 1;
	if (pin_path(path, sizeof(path), dir, "xvs_ports"))
		return 1;
	ports_fd = bpf_obj_get(path);
	if (ports_fd < 0)
		return die("cannot open %s: %s", path, strerror(errno));
	if (pin_path(path, sizeof(path), dir, "xvs_fdb"))
		goto out_ports;
	fdb_fd = bpf_obj_get(path);
	if (fdb_fd < 0) {
		die("cannot open %s: %s", path, strerror(errno));
		goto out_ports;
	}
	if (bpf_map_lookup_elem(ports_fd, &ifindex, &port)) {
		die("%s is not a port of the switch in %s", dev, dir);
		goto out;
	}
	for (unsigned long i = 0; i < count; i++) {
		struct xvs_fdb_key key = {};
		struct xvs_fdb_entry e = {};

		memcpy(key.mac, base, 3);
		key.mac[3] = (__u8)(i >> 16);
		key.mac[4] = (__u8)(i >> 8);
		key.mac[5] = (__u8)i;
		key.vlan = (__u16)vlan;
		e.ifindex = ifindex;
		e.port_id = port.id;
		e.flags = XVS_FDB_STATIC;
		if (bpf_map_update_elem(fdb_fd, &key, &e, 0)) {
			die("cannot add FDB entry %lu: %s%s", i, strerror(errno),
			    errno == E2BIG ? " (FDB full: create the switch with a larger --fdb-size)" : "");
			goto out;
		}
	}
	ret = 0;
out:
	close(fdb_fd);
out_ports:
	close(ports_fd);
	return ret;
}

/* ---- ACL fill ---- */

static struct xvs_acl_rule acl_rule(__u8 kind, __u8 action, const char *remote_ip)
{
	struct xvs_acl_rule r = { .kind = kind, .dirs = XVS_ACL_DIR_BIT(XVS_ACL_OUT),
				  .action = action, .match = XVS_ACL_REMOTE_IP,
				  .local_port_hi = 65535, .remote_port_hi = 65535 };

	if (remote_ip)
		xvs_acl_parse_prefix(remote_ip, r.remote_ip, &r.remote_plen, &r.family);
	return r;
}

static int cmd_acl_fill(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "switch", required_argument, NULL, 's' },
		{ "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{}
	};
	const char *sw_name = NULL, *port = NULL;
	struct xvs_acl_rule *v, r;
	unsigned long count = 0;
	struct xvs_switch *sw;
	char ip[32];
	int c, n = 0, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			sw_name = optarg;
		else if (c == 'p')
			port = optarg;
		else if (c == 'n' && !parse_ul(optarg, 60000, &count))
			continue;
		else
			return die("usage: xvs-trafgen acl-fill --switch NAME --port PORT --count N (N <= 60000)");
	}
	if (!sw_name || !port || optind != argc)
		return die("acl-fill: --switch NAME and --port PORT are required");
	v = calloc(2 * count + 5, sizeof(*v));
	if (!v)
		return die("out of memory");
	for (unsigned long i = 0; i < count; i++) {
		snprintf(ip, sizeof(ip), "10.%lu.%lu.0/24", (i >> 8) & 255, i & 255);
		v[n++] = acl_rule(XVS_ACL_KIND_PORT, i ? XVS_ACL_DENY : XVS_ACL_ALLOW, ip);
		r = acl_rule(XVS_ACL_KIND_EXTENDED, i ? XVS_ACL_DENY : XVS_ACL_ALLOW, ip);
		r.flags = XVS_ACL_PROTO_SET;
		r.proto = 17;
		r.remote_port_lo = r.remote_port_hi = 9;
		r.weight = (__u16)(i + 1);
		v[n++] = r;
	}
	v[n++] = acl_rule(XVS_ACL_KIND_PORT, XVS_ACL_METER, "10.0.0.0/8");
	r = acl_rule(XVS_ACL_KIND_PORT, XVS_ACL_DENY, NULL);
	r.match = XVS_ACL_REMOTE_MAC;
	parse_mac("02:00:00:00:99:99", r.mac);
	v[n++] = r;
	r = acl_rule(XVS_ACL_KIND_EXTENDED, XVS_ACL_DENY, NULL);
	r.flags = XVS_ACL_PROTO_SET;
	r.proto = 6;
	r.weight = 60001;
	v[n++] = r;
	r.flags = XVS_ACL_PROTO_SET | XVS_ACL_ICMP_ANY;
	r.proto = 1;
	r.weight = 60002;
	v[n++] = r;
	r = acl_rule(XVS_ACL_KIND_EXTENDED, XVS_ACL_ALLOW, NULL);
	r.flags = XVS_ACL_PROTO_SET | XVS_ACL_STATEFUL;
	r.proto = 17;
	r.remote_port_lo = r.remote_port_hi = 53;
	r.weight = 60003;
	r.idle_timeout = XVS_FLOW_IDLE_DEFAULT;
	v[n++] = r;
	err = xvs_switch_open(sw_name, &sw);
	if (!err) {
		err = xvs_acl_add_many(sw, port, v, n);
		xvs_switch_close(sw);
	}
	free(v);
	if (err)
		return die("%s", xvs_errmsg());
	printf("rules=%d\n", n);
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: xvs-trafgen COMMAND ...\n"
	      "  circulate --dev IF --refl DIR[,DIR...] [--sink DIR[,DIR...]] [--frames K] [--warmup-ms MS]\n"
	      "      [--time-ms MS] [--drain-ms MS] [--size B] [--dst MAC] [--src MAC] [--vlan VID]\n"
	      "  refl attach --dev IF --pin DIR [--own-src MAC] [--rotate N] | refl detach --pin DIR\n"
	      "  sink attach --dev IF --pin DIR | sink detach --pin DIR | sink read --pin DIR[,DIR...]\n"
	      "  bare attach --in IF --out IF[,IF...] [--egress] --pin DIR | bare detach --pin DIR\n"
	      "  cost --prog PIN|--bare-out IF [--in-dev IF] [--rotate N [--rotate-src]] [--repeat N] [--runs N] [--size B]\n"
	      "       [--dst MAC] [--src MAC] [--vlan VID]\n"
	      "  fdb-fill --switch-dir DIR --dev IF --count N [--vlan VID] [--base MAC]\n"
	      "  acl-fill --switch NAME --port PORT --count N\n",
	      f);
}

int main(int argc, char **argv)
{
	libbpf_set_print(silent_print);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "circulate"))
		return cmd_circulate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "sink"))
		return cmd_endpoint(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "refl"))
		return cmd_endpoint(argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "bare"))
		return cmd_bare(argc - 1, argv + 1);
	if (!strcmp(argv[1], "cost"))
		return cmd_cost(argc - 1, argv + 1);
	if (!strcmp(argv[1], "fdb-fill"))
		return cmd_fdb_fill(argc - 1, argv + 1);
	if (!strcmp(argv[1], "acl-fill"))
		return cmd_acl_fill(argc - 1, argv + 1);
	usage(stderr);
	return 2;
}
