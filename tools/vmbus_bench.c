// SPDX-License-Identifier: MIT
/*
 * xvs-vmbus-bench: throughput of the ring channel, one thread per side, through the real
 * library (copies, validation, need-wakeup, doorbells), against two baselines measured in the
 * same run:
 *   socketpair  the same frames over an AF_UNIX SOCK_SEQPACKET socketpair, sendmmsg/recvmmsg
 *               in batches of the same size (what a control-socket design would cost);
 *   memcpy      one thread copying each frame once (the copy alone, no second core involved).
 * Contenders take turns (A B C D A B C D ...), each run lasts --secs seconds; reported are the
 * median Mpps over the rounds with min-max, and the median of the per-round ratio of the ring
 * to the socketpair. Every consumed frame carries a sequence number that is checked, so a
 * result also says that nothing was lost or reordered.
 *
 *   xvs-vmbus-bench [--secs S] [--rounds N] [--batch B] [--sizes 64,1500] [--spin POLLS]
 *                   [--ring ENTRIES] [--doc FILE]
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include "vmbus.h"

#define MAX_BATCH  64
#define MAX_SIZES  4
#define MAX_ROUNDS 31
#define SLEEP_MS   10          /* sleepers wake this often to see the stop flag */

/* Empty polls before a side arms need-wakeup and sleeps, as a poll loop does (NAPI-style busy
 * polling): sleeping on every empty poll would measure wake-up latency, not the ring. */
static unsigned spin = 256;
static unsigned ring_size = 256;       /* entries per ring; slots = 4 x ring_size */

enum contender { C_G2H, C_H2G, C_SOCK, C_MEMCPY, C_N };

static const char *const cname[C_N] = {
	[C_G2H] = "ring guest->host", [C_H2G] = "ring host->guest",
	[C_SOCK] = "socketpair", [C_MEMCPY] = "memcpy",
};

struct run {
	enum contender what;
	unsigned size, batch;
	atomic_bool stop;
	pthread_barrier_t go;
	/* results, written by the consumer */
	unsigned long long frames, bad_seq;
	double secs;
	unsigned long long doorbells;   /* rung in both directions (ring only) */
	/* the channel (ring) */
	struct vmbus_host_chan *h;
	struct vmbus_guest *g;
	int sv[2];                      /* socketpair */
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "xvs-vmbus-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* Frame buffers: each side's own private memory. */
struct frames {
	struct vmbus_frame f[MAX_BATCH];
	unsigned char *mem;
};

static void frames_init(struct frames *fr, unsigned batch, unsigned size)
{
	fr->mem = calloc(batch, VMBUS_FRAME_MAX);
	if (!fr->mem)
		die("calloc", ENOMEM);
	for (unsigned i = 0; i < batch; i++) {
		fr->f[i] = (struct vmbus_frame){ .data = fr->mem + (size_t)i * VMBUS_FRAME_MAX,
						 .len = size, .cap = VMBUS_FRAME_MAX };
		memset(fr->f[i].data, 0x5a, size);
	}
}

static void stamp(struct frames *fr, unsigned n, unsigned long long *seq)
{
	for (unsigned i = 0; i < n; i++, (*seq)++)   /* right after the Ethernet header */
		memcpy((unsigned char *)fr->f[i].data + 14, seq, sizeof(*seq));
}

static void check(struct run *r, const unsigned char *data, unsigned long long *seq)
{
	unsigned long long s;

	memcpy(&s, data + 14, sizeof(s));
	if (s != (*seq)++) {
		r->bad_seq++;
		*seq = s + 1;
	}
}

/* ---- ring: the host side ---------------------------------------------------------------- */

/* Sleeps on the host's doorbell the way a poll loop does: arm, re-check, poll, kick. */
static void host_idle(struct run *r, unsigned what)
{
	struct pollfd p = { .fd = vmbus_host_doorbell_fd(r->h, 0), .events = POLLIN };

	if (!vmbus_host_arm(r->h, 0, what))
		return;
	if (poll(&p, 1, SLEEP_MS) == 1)
		vmbus_host_kick(r->h, 0);
}

static void *host_g2h(void *arg)
{
	struct run *r = arg;
	struct frames fr;
	unsigned long long seq = 0, n = 0;
	unsigned idle = 0;
	double t0;

	pin(1);
	frames_init(&fr, r->batch, r->size);
	pthread_barrier_wait(&r->go);
	t0 = now();
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		int k = vmbus_host_take_tx(r->h, 0, fr.f, r->batch);

		if (k < 0)
			die("host take_tx", k);
		for (int i = 0; i < k; i++)
			check(r, fr.f[i].data, &seq);
		n += (unsigned)k;
		if (k == 0 && ++idle >= spin) {
			host_idle(r, VMBUS_ARM_TX);
			idle = 0;
		} else if (k) {
			idle = 0;
		}
	}
	r->secs = now() - t0;
	r->frames = n;
	free(fr.mem);
	return NULL;
}

static void *guest_g2h(void *arg)
{
	struct run *r = arg;
	struct frames fr;
	unsigned long long seq = 0;
	unsigned idle = 0;

	pin(0);
	frames_init(&fr, r->batch, r->size);
	pthread_barrier_wait(&r->go);
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		unsigned sent = 0;
		int k;

		stamp(&fr, r->batch, &seq);
		while (sent < r->batch && !atomic_load_explicit(&r->stop, memory_order_relaxed)) {
			k = vmbus_guest_send(r->g, 0, fr.f + sent, r->batch - sent);
			if (k < 0)
				die("guest send", k);
			sent += (unsigned)k;
			if (k == 0 && ++idle >= spin) {
				vmbus_guest_wait(r->g, 0, SLEEP_MS);
				idle = 0;
			} else if (k) {
				idle = 0;
			}
		}
	}
	free(fr.mem);
	return NULL;
}

static void *host_h2g(void *arg)
{
	struct run *r = arg;
	struct frames fr;
	unsigned long long seq = 0;
	unsigned idle = 0;

	pin(1);
	frames_init(&fr, r->batch, r->size);
	pthread_barrier_wait(&r->go);
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		unsigned sent = 0;
		int k;

		stamp(&fr, r->batch, &seq);
		while (sent < r->batch && !atomic_load_explicit(&r->stop, memory_order_relaxed)) {
			k = vmbus_host_give_rx(r->h, 0, fr.f + sent, r->batch - sent);
			if (k < 0)
				die("host give_rx", k);
			sent += (unsigned)k;
			if (k == 0 && ++idle >= spin) {
				host_idle(r, VMBUS_ARM_FILL); /* wait for slots to come back */
				idle = 0;
			} else if (k) {
				idle = 0;
			}
		}
	}
	free(fr.mem);
	return NULL;
}

static void *guest_h2g(void *arg)
{
	struct run *r = arg;
	struct frames fr;
	unsigned long long seq = 0, n = 0;
	unsigned idle = 0;
	double t0;

	pin(0);
	frames_init(&fr, r->batch, r->size);
	pthread_barrier_wait(&r->go);
	t0 = now();
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		int k = vmbus_guest_recv(r->g, 0, fr.f, r->batch);

		if (k < 0)
			die("guest recv", k);
		for (int i = 0; i < k; i++)
			check(r, fr.f[i].data, &seq);
		n += (unsigned)k;
		if (k == 0 && ++idle >= spin) {
			vmbus_guest_wait(r->g, 0, SLEEP_MS);
			idle = 0;
		} else if (k) {
			idle = 0;
		}
	}
	r->secs = now() - t0;
	r->frames = n;
	free(fr.mem);
	return NULL;
}

static void ring_open(struct run *r)
{
	struct vmbus_host_config cfg;
	struct vmbus_guest_params p;
	struct vmbus_guest_error err;
	int sv[2], ret;

	vmbus_host_config_default(&cfg);
	vmbus_guest_params_default(&p);
	cfg.limits.ring_size = VMBUS_RING_MAX;
	cfg.limits.slots = VMBUS_SLOTS_MAX;
	p.limits.ring_size = ring_size;
	p.limits.slots = 4 * ring_size;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		die("socketpair", errno);
	ret = vmbus_host_chan_new(sv[0], &cfg, &r->h);
	if (ret)
		die("host channel", ret);
	ret = vmbus_guest_begin(sv[1], &p, &r->g);
	if (ret)
		die("guest begin", ret);
	vmbus_host_on_sock(r->h);
	ret = vmbus_guest_complete(r->g, 5000, &err);
	if (ret) {
		fprintf(stderr, "xvs-vmbus-bench: handshake: %s\n", err.msg);
		exit(1);
	}
	if (vmbus_host_on_sock(r->h) != VMBUS_CHAN_CONNECTED)
		die("handshake", EPROTO);
}

static void ring_close(struct run *r)
{
	r->doorbells = vmbus_host_stats(r->h)->doorbells_out + vmbus_guest_stats(r->g)->doorbells_out;
	if (vmbus_host_state(r->h) != VMBUS_CHAN_CONNECTED)
		die("the channel broke during the run", EPROTO);
	vmbus_guest_free(r->g);
	vmbus_host_chan_free(r->h);
}

/* ---- socketpair baseline ------------------------------------------------------------------ */

static void sock_timeouts(int fd)
{
	struct timeval tv = { .tv_usec = SLEEP_MS * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void *sock_tx(void *arg)
{
	struct run *r = arg;
	struct frames fr;
	struct mmsghdr m[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	unsigned long long seq = 0;

	pin(0);
	frames_init(&fr, r->batch, r->size);
	for (unsigned i = 0; i < r->batch; i++) {
		iov[i] = (struct iovec){ fr.f[i].data, r->size };
		m[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	pthread_barrier_wait(&r->go);
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		unsigned sent = 0;

		stamp(&fr, r->batch, &seq);
		while (sent < r->batch && !atomic_load_explicit(&r->stop, memory_order_relaxed)) {
			int k = sendmmsg(r->sv[0], m + sent, r->batch - sent, 0);

			if (k > 0)
				sent += (unsigned)k;
			else if (errno != EAGAIN && errno != EINTR)
				die("sendmmsg", errno);
		}
	}
	free(fr.mem);
	return NULL;
}

static void *sock_rx(void *arg)
{
	struct run *r = arg;
	struct frames fr;
	struct mmsghdr m[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	unsigned long long seq = 0, n = 0;
	double t0;

	pin(1);
	frames_init(&fr, r->batch, r->size);
	for (unsigned i = 0; i < r->batch; i++)
		iov[i] = (struct iovec){ fr.f[i].data, VMBUS_FRAME_MAX };
	pthread_barrier_wait(&r->go);
	t0 = now();
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		int k;

		for (unsigned i = 0; i < r->batch; i++)
			m[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
		k = recvmmsg(r->sv[1], m, r->batch, 0, NULL);
		if (k < 0 && errno != EAGAIN && errno != EINTR)
			die("recvmmsg", errno);
		for (int i = 0; i < k; i++)
			check(r, fr.f[i].data, &seq);
		if (k > 0)
			n += (unsigned)k;
	}
	r->secs = now() - t0;
	r->frames = n;
	free(fr.mem);
	return NULL;
}

/* ---- memcpy baseline -------------------------------------------------------------------- */

static void *copy_only(void *arg)
{
	struct run *r = arg;
	struct frames src, dst;
	unsigned long long seq = 0, cseq = 0, n = 0;
	double t0;

	pin(1);
	frames_init(&src, r->batch, r->size);
	frames_init(&dst, r->batch, r->size);
	pthread_barrier_wait(&r->go);
	t0 = now();
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		stamp(&src, r->batch, &seq);
		for (unsigned i = 0; i < r->batch; i++)
			memcpy(dst.f[i].data, src.f[i].data, r->size);
		for (unsigned i = 0; i < r->batch; i++)
			check(r, dst.f[i].data, &cseq);
		n += r->batch;
	}
	r->secs = now() - t0;
	r->frames = n;
	free(src.mem);
	free(dst.mem);
	return NULL;
}

static void *idle_thread(void *arg)
{
	struct run *r = arg;

	pthread_barrier_wait(&r->go);
	return NULL;
}

/* ---- driver ------------------------------------------------------------------------------- */

static void run_once(struct run *r, double secs)
{
	void *(*prod)(void *) = idle_thread, *(*cons)(void *) = copy_only;
	pthread_t a, b;

	atomic_store(&r->stop, false);
	r->frames = r->bad_seq = r->doorbells = 0;
	switch (r->what) {
	case C_G2H:
		ring_open(r);
		prod = guest_g2h;
		cons = host_g2h;
		break;
	case C_H2G:
		ring_open(r);
		prod = host_h2g;
		cons = guest_h2g;
		break;
	case C_SOCK:
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, r->sv))
			die("socketpair", errno);
		sock_timeouts(r->sv[0]);
		sock_timeouts(r->sv[1]);
		prod = sock_tx;
		cons = sock_rx;
		break;
	default:
		break;
	}
	pthread_barrier_init(&r->go, NULL, 3);
	if (pthread_create(&a, NULL, prod, r) || pthread_create(&b, NULL, cons, r))
		die("pthread_create", errno);
	pthread_barrier_wait(&r->go);
	usleep((useconds_t)(secs * 1e6));
	atomic_store(&r->stop, true);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_barrier_destroy(&r->go);
	if (r->what == C_G2H || r->what == C_H2G)
		ring_close(r);
	if (r->what == C_SOCK) {
		close(r->sv[0]);
		close(r->sv[1]);
	}
	if (r->bad_seq)
		die("frames lost or reordered", EPROTO);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	double t[MAX_ROUNDS];

	memcpy(t, v, sizeof(double) * (size_t)n);
	qsort(t, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static void minmax(const double *v, int n, double *lo, double *hi)
{
	*lo = *hi = v[0];
	for (int i = 1; i < n; i++) {
		if (v[i] < *lo)
			*lo = v[i];
		if (v[i] > *hi)
			*hi = v[i];
	}
}

struct results {
	unsigned sizes[MAX_SIZES];
	int nsizes, rounds;
	unsigned batch;
	double secs;
	double mpps[MAX_SIZES][C_N][MAX_ROUNDS];
	double bells[MAX_SIZES][C_N][MAX_ROUNDS];   /* doorbells per 1000 frames */
};

static void report(FILE *out, const struct results *res)
{
	struct utsname u;
	time_t t = time(NULL);
	char when[32];
	double lo, hi;

	uname(&u);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&t));
	fprintf(out, "Run: %s, kernel %s, %ld CPUs; batch %u, %d rounds of %.1f s per contender, "
		"rings of %u; %u empty polls before sleeping; contenders in turn: ring guest->host, ring host->guest, "
		"socketpair, memcpy.\n\n",
		when, u.release, sysconf(_SC_NPROCESSORS_ONLN), res->batch, res->rounds, res->secs,
		ring_size, spin);
	fprintf(out, "| frame | contender | Mpps, median | min–max | doorbells per 1000 frames |\n");
	fprintf(out, "| ---: | --- | ---: | ---: | ---: |\n");
	for (int s = 0; s < res->nsizes; s++)
		for (int c = 0; c < C_N; c++) {
			double m = median((double *)res->mpps[s][c], res->rounds);

			minmax(res->mpps[s][c], res->rounds, &lo, &hi);
			fprintf(out, "| %u B | %s | %.2f | %.2f–%.2f | ", res->sizes[s], cname[c], m, lo,
				hi);
			if (c == C_G2H || c == C_H2G)
				fprintf(out, "%.3f |\n", median((double *)res->bells[s][c], res->rounds));
			else
				fprintf(out, " |\n");
		}
	fprintf(out, "\nMedian of the per-round ratios (min–max over rounds):\n\n");
	fprintf(out, "| frame | ratio | median | min–max |\n| ---: | --- | ---: | ---: |\n");
	for (int s = 0; s < res->nsizes; s++) {
		static const struct { int a, b; const char *name; } rat[] = {
			{ C_G2H, C_SOCK, "ring guest->host / socketpair" },
			{ C_H2G, C_SOCK, "ring host->guest / socketpair" },
			{ C_G2H, C_MEMCPY, "ring guest->host / memcpy" },
		};
		for (unsigned k = 0; k < sizeof(rat) / sizeof(rat[0]); k++) {
			double v[MAX_ROUNDS];

			for (int i = 0; i < res->rounds; i++)
				v[i] = res->mpps[s][rat[k].a][i] / res->mpps[s][rat[k].b][i];
			minmax(v, res->rounds, &lo, &hi);
			fprintf(out, "| %u B | %s | %.2f | %.2f–%.2f |\n", res->sizes[s], rat[k].name,
				median(v, res->rounds), lo, hi);
		}
	}
}

#define DOC_BEGIN "<!-- vmbus-bench:results:begin (written by xvs-vmbus-bench --doc) -->"
#define DOC_END   "<!-- vmbus-bench:results:end -->"

/* Replaces what lies between the markers in `path` with the report. */
static void write_doc(const char *path, const struct results *res)
{
	FILE *f = fopen(path, "r"), *out;
	char *doc, *b, *e, *mid = NULL;
	size_t len = 0, midlen = 0;
	long n;

	if (!f)
		die(path, errno);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	doc = calloc(1, (size_t)n + 1);
	if (!doc || fread(doc, 1, (size_t)n, f) != (size_t)n)
		die(path, EIO);
	fclose(f);
	b = strstr(doc, DOC_BEGIN);
	e = b ? strstr(b, DOC_END) : NULL;
	if (!b || !e) {
		fprintf(stderr, "xvs-vmbus-bench: %s has no results markers\n", path);
		exit(1);
	}
	out = open_memstream(&mid, &midlen);
	report(out, res);
	fclose(out);
	f = fopen(path, "w");
	if (!f)
		die(path, errno);
	len = (size_t)(b - doc) + strlen(DOC_BEGIN);
	fwrite(doc, 1, len, f);
	fprintf(f, "\n%s", mid);
	fputs(e, f);
	fclose(f);
	free(mid);
	free(doc);
}

static void usage(void)
{
	fprintf(stderr, "usage: xvs-vmbus-bench [--secs S] [--rounds N] [--batch B] "
			"[--sizes 64,1500] [--spin POLLS] [--ring ENTRIES] [--doc FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct results res = { .sizes = { 64, 1500 }, .nsizes = 2, .rounds = 7,
				      .batch = 32, .secs = 1.0 };
	const char *doc = NULL;
	struct run r;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(argv[i], "--secs"))
			res.secs = atof(v);
		else if (!strcmp(argv[i], "--rounds"))
			res.rounds = atoi(v);
		else if (!strcmp(argv[i], "--batch"))
			res.batch = (unsigned)atoi(v);
		else if (!strcmp(argv[i], "--ring"))
			ring_size = (unsigned)atoi(v);
		else if (!strcmp(argv[i], "--spin"))
			spin = (unsigned)atoi(v);
		else if (!strcmp(argv[i], "--doc"))
			doc = v;
		else if (!strcmp(argv[i], "--sizes")) {
			char *s = strdup(v), *tok, *save;

			res.nsizes = 0;
			for (tok = strtok_r(s, ",", &save); tok && res.nsizes < MAX_SIZES;
			     tok = strtok_r(NULL, ",", &save))
				res.sizes[res.nsizes++] = (unsigned)atoi(tok);
			free(s);
		} else
			usage();
		i++;
	}
	if (res.secs <= 0 || res.rounds < 1 || res.rounds > MAX_ROUNDS || res.batch < 1 ||
	    res.batch > MAX_BATCH || res.nsizes < 1 || ring_size < VMBUS_RING_MIN ||
	    ring_size > VMBUS_RING_MAX || (ring_size & (ring_size - 1)))
		usage();
	for (int s = 0; s < res.nsizes; s++)
		if (res.sizes[s] < 22 || res.sizes[s] > VMBUS_FRAME_MAX) {
			fprintf(stderr, "xvs-vmbus-bench: frame size %u not in 22..%u\n", res.sizes[s],
				VMBUS_FRAME_MAX);
			return 2;
		}
	for (int round = 0; round < res.rounds; round++)
		for (int s = 0; s < res.nsizes; s++)
			for (int c = 0; c < C_N; c++) {
				memset(&r, 0, sizeof(r));
				r.what = (enum contender)c;
				r.size = res.sizes[s];
				r.batch = res.batch;
				run_once(&r, res.secs);
				res.mpps[s][c][round] = (double)r.frames / r.secs / 1e6;
				res.bells[s][c][round] = r.frames ? 1000.0 * (double)r.doorbells /
								    (double)r.frames : 0;
				fprintf(stderr, "round %d: %5u B %-18s %7.2f Mpps\n", round + 1,
					r.size, cname[c], res.mpps[s][c][round]);
			}
	report(stdout, &res);
	if (doc)
		write_doc(doc, &res);
	return 0;
}
