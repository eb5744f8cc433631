// SPDX-License-Identifier: MIT
/* xvs tool: `xvs capture SWITCH PORT -w FILE [-c COUNT]`, the tcpdump of an xvs port. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static volatile int stop_capture;

static void on_signal(int sig)
{
	(void)sig;
	stop_capture = 1;
}

static void announce(void *ctx)
{
	const char **what = ctx;

	fprintf(stderr, "xvs: capturing %s port %s to %s (Ctrl-C to stop)\n", what[0], what[1],
		what[2]);
}

int cmd_capture(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "write", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'c' },
		{}
	};
	struct xvs_capture_opts o = { .stop = &stop_capture };
	struct xvs_capture_result res;
	struct sigaction sa = {};
	const char *what[3];
	struct session s;
	__u32 count = 0;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "w:c:", opts, NULL)) != -1) {
		if (c == 'w')
			o.path = optarg;
		else if (c == 'c' && !parse_u32(optarg, &count) && count)
			o.max_frames = count;
		else if (c == 'c')
			return die("invalid count '%s': a number of frames, at least 1", optarg);
		else
			return die("usage: xvs capture SWITCH PORT -w FILE|- [-c COUNT]");
	}
	if (argc - optind != 2 || !o.path)
		return die("usage: xvs capture SWITCH PORT -w FILE|- [-c COUNT]");
	if (json_out)
		return die("capture writes a pcap file; -j does not apply");
	o.port = argv[optind + 1];
	o.stdout_flush = !strcmp(o.path, "-");
	what[0] = argv[optind];
	what[1] = o.port;
	what[2] = o.stdout_flush ? "standard output" : o.path;
	o.started = announce;
	o.started_ctx = what;

	sa.sa_handler = on_signal; /* no SA_RESTART: the poll returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (session_open(&s, argv[optind], false))
		return 1;
	ret = xvs_capture_run(s.sw, &o, &res) ? lib_fail() : 0;
	if (!ret)
		fprintf(stderr, "xvs: %llu frames captured (%llu received, %llu sent), %llu lost%s\n",
			(unsigned long long)res.frames, (unsigned long long)res.rx,
			(unsigned long long)res.tx, (unsigned long long)res.lost,
			res.port_gone ? "; the port was deleted" : "");
	return session_close(&s, ret);
}
