// SPDX-License-Identifier: MIT
/*
 * Port capture (bpf/lib/capture.h): turn the port's capture flag on, read the switch's
 * xvs_capture perf buffer, write the port's frames to a pcap file with libpcap, and turn the
 * flag off again however the capture ends.
 *
 * One capture per switch at a time: the perf buffer's per-CPU slots belong to one reader, so a
 * second reader would silently steal the first one's frames. $XVS_RUN/<switch>.capture is
 * flock()ed for the duration and the second capture is refused.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "libxvs.h"
#include "pcapfile.h"

#define CAPTURE_SNAPLEN   262144
#define CAPTURE_PAGES     64      /* per CPU, a power of two */
#define CAPTURE_POLL_MS   100

struct capture {
	struct xvs_pcap *dump;
	__u16 port_id;
	__u64 max_frames;             /* 0: no limit */
	__s64 mono_to_real_ns;        /* realtime = monotonic + this */
	struct xvs_capture_result *res;
};

static __s64 ts_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__s64)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Write one captured frame. A tag the TC dataplane kept out of band (XVS_CAPTURE_TAG_OOB) is
 * put back after the MACs, so the file shows the frame as it is on the wire. */
static void write_frame(struct capture *c, const struct xvs_capture_hdr *h,
			const unsigned char *bytes)
{
	static unsigned char frame[CAPTURE_SNAPLEN + 4];
	long long ts = (long long)h->ts_ns + c->mono_to_real_ns;
	__u32 n = h->caplen;

	if (!(h->flags & XVS_CAPTURE_TAG_OOB) || n < 12 || n > CAPTURE_SNAPLEN) {
		xvs_pcap_write(c->dump, ts, (const char *)bytes, n);
		return;
	}
	memcpy(frame, bytes, 12);
	frame[12] = (unsigned char)(h->tpid >> 8);
	frame[13] = (unsigned char)h->tpid;
	frame[14] = (unsigned char)(h->tci >> 8);
	frame[15] = (unsigned char)h->tci;
	memcpy(frame + 16, bytes + 12, n - 12);
	xvs_pcap_write(c->dump, ts, (const char *)frame, n + 4);
}

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct capture *c = ctx;
	struct xvs_capture_hdr h;

	(void)cpu;
	if (size < sizeof(h))
		return;
	memcpy(&h, data, sizeof(h));
	if (h.port_id != c->port_id)
		return;
	if (c->max_frames && c->res->frames >= c->max_frames)
		return; /* one poll can bring more than were asked for */
	/* The sample is padded to 8 bytes: the header says how many bytes are the frame's. */
	if (h.caplen > size - sizeof(h))
		h.caplen = size - (__u32)sizeof(h);
	write_frame(c, &h, (const unsigned char *)data + sizeof(h));
	c->res->frames++;
	if (h.dir == XVS_CAPTURE_RX)
		c->res->rx++;
	else
		c->res->tx++;
}

static void on_lost(void *ctx, int cpu, __u64 count)
{
	struct capture *c = ctx;

	(void)cpu;
	c->res->lost += count;
}

static int set_capture_flag(struct xvs_switch *sw, const char *port, bool on)
{
	struct xvs_port p;
	int lock = xvs_lock(), err;

	if (lock < 0)
		return lock;
	err = xvs_port_get(sw, port, &p);
	if (!err) {
		if (on)
			p.flags |= XVS_PORT_CAPTURE;
		else
			p.flags &= ~(__u32)XVS_PORT_CAPTURE;
		err = xvs_port_write(sw, &p);
	}
	xvs_unlock(lock);
	return err;
}

static int lock_capture(struct xvs_switch *sw)
{
	char path[600];
	int fd;

	if (mkdir(xvs_run_dir(), 0755) && errno != EEXIST)
		return xvs_fail(-errno, "cannot create %s: %s", xvs_run_dir(), strerror(errno));
	snprintf(path, sizeof(path), "%s/%s.capture", xvs_run_dir(), sw->name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return xvs_fail(-errno, "cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return xvs_fail(-EBUSY, "a capture is already running on switch %s (one at a time)",
				sw->name);
	}
	return fd;
}

int xvs_capture_run(struct xvs_switch *sw, const struct xvs_capture_opts *o,
		    struct xvs_capture_result *res)
{
	struct capture c = { .res = res };
	struct perf_buffer *pb = NULL;
	char errbuf[256];
	struct xvs_port p;
	int lock_fd, err, poll_err = 0;

	memset(res, 0, sizeof(*res));
	err = xvs_port_get(sw, o->port, &p);
	if (err)
		return err;
	c.port_id = p.id;
	c.max_frames = o->max_frames;
	lock_fd = lock_capture(sw);
	if (lock_fd < 0)
		return lock_fd;

	c.dump = xvs_pcap_open(o->path, CAPTURE_SNAPLEN, errbuf, sizeof(errbuf));
	if (!c.dump) {
		err = xvs_fail(-EIO, "cannot write %s: %s", o->path, errbuf);
		goto out;
	}
	pb = perf_buffer__new(sw->capture_fd, CAPTURE_PAGES, on_sample, on_lost, &c, NULL);
	if (!pb) {
		err = xvs_fail(-errno, "cannot open the capture buffer: %s", strerror(errno));
		goto out;
	}
	c.mono_to_real_ns = ts_ns(CLOCK_REALTIME) - ts_ns(CLOCK_MONOTONIC);
	err = set_capture_flag(sw, o->port, true);
	if (err)
		goto out;
	if (o->started)
		o->started(o->started_ctx);
	while (!(o->stop && *o->stop) && (!o->max_frames || res->frames < o->max_frames)) {
		poll_err = perf_buffer__poll(pb, CAPTURE_POLL_MS);
		if (poll_err < 0 && poll_err != -EINTR)
			break;
		poll_err = 0;
		if (o->stdout_flush)
			xvs_pcap_flush(c.dump);
		/* Stop when the port goes away (deleted, or the switch with it). */
		if (xvs_port_get(sw, o->port, &p) || p.id != c.port_id) {
			res->port_gone = true;
			break;
		}
	}
	set_capture_flag(sw, o->port, false);
	/* Frames already in the buffer belong to the capture. */
	perf_buffer__consume(pb);
	if (poll_err)
		err = xvs_fail(poll_err, "reading the capture buffer failed: %s",
			       strerror(-poll_err));
out:
	perf_buffer__free(pb);
	if (xvs_pcap_close(c.dump) && !err)
		err = xvs_fail(-EIO, "cannot write %s", o->path);
	close(lock_fd);
	return err;
}
