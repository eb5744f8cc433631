// SPDX-License-Identifier: MIT
/* xvs tool: declarative configuration, `apply` and `save` (docs/CONFIG.md). */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#define APPLY_USAGE "usage: xvs apply FILE [--dry-run] [SWITCH...]"
#define SAVE_USAGE  "usage: xvs save [SWITCH] [--write [PATH]]"

struct apply_out {
	struct json_object *done;      /* -j: the steps done, in order */
	struct json_object *undone;    /* -j: the undo steps after a failure */
	int changes;
};

static void report(void *ctx, const char *text, enum xvs_report kind)
{
	struct apply_out *out = ctx;

	if (kind == XVS_REPORT_WARNING) {
		fprintf(stderr, "xvs: warning: %s\n", text);
		return;
	}
	if (kind == XVS_REPORT_DONE)
		out->changes++;
	if (json_out)
		json_object_array_add(kind == XVS_REPORT_DONE ? out->done : out->undone,
				      json_object_new_string(text));
	else
		printf("%s\n", text);
	fflush(stdout);
}

static void print_result(struct apply_out *out, const struct xvs_plan *plan, bool dry_run,
			 int err)
{
	struct json_object *o;

	if (!json_out) {
		if (dry_run)
			printf("dry run: %d change%s planned, nothing changed\n", xvs_plan_len(plan),
			       xvs_plan_len(plan) == 1 ? "" : "s");
		else if (!err)
			printf("%d change%s applied\n", out->changes, out->changes == 1 ? "" : "s");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	json_object_object_add(o, "applied", json_object_new_boolean(!dry_run && !err));
	json_object_object_add(o, "changes", out->done);
	json_object_object_add(o, "undone", out->undone);
	out->done = out->undone = NULL;
	print_json(o);
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = { { "dry-run", no_argument, NULL, 'n' }, {} };
	struct xvs_cfg *want = NULL, *have = NULL;
	struct apply_out out = {};
	struct xvs_plan_opts po = { .check_host = true };
	struct xvs_plan *plan = NULL;
	bool dry_run = false;
	int c, lock = -1, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'n')
			return die(APPLY_USAGE);
		dry_run = true;
	}
	if (optind >= argc)
		return die(APPLY_USAGE);
	if (xvs_cfg_load(argv[optind], &want))
		return lib_fail();
	po.scope = (const char *const *)argv + optind + 1;
	po.nscope = argc - optind - 1;
	for (int i = 0; i < po.nscope; i++) {
		if (!xvs_cfg_has_switch(want, po.scope[i])) {
			die("switch '%s' is not in %s (to remove a switch, use xvs switch del)",
			    po.scope[i], argv[optind]);
			goto out;
		}
	}
	lock = xvs_lock();
	if (lock < 0 || xvs_cfg_running(&have) || xvs_cfg_plan(want, have, &po, &plan)) {
		lib_fail();
		goto out;
	}
	if (json_out) {
		out.done = json_object_new_array();
		out.undone = json_object_new_array();
	}
	if (xvs_plan_len(plan) == 0) {
		if (json_out)
			print_result(&out, plan, dry_run, 0);
		else
			printf("no changes\n");
		ret = 0;
		goto out;
	}
	if (dry_run) {
		for (int i = 0; i < xvs_plan_len(plan); i++)
			report(&out, xvs_plan_step_text(plan, i), XVS_REPORT_DONE);
		print_result(&out, plan, true, 0);
		ret = 0;
		goto out;
	}
	ret = xvs_plan_execute(plan, report, &out) ? lib_fail() : 0;
	print_result(&out, plan, false, ret);
out:
	json_object_put(out.done);
	json_object_put(out.undone);
	xvs_plan_free(plan);
	xvs_cfg_free(have);
	xvs_cfg_free(want);
	xvs_unlock(lock);
	return ret;
}

int cmd_save(int argc, char **argv)
{
	const char *sw = NULL, *path = NULL;
	struct xvs_cfg *have = NULL;
	bool write = false;
	char *text = NULL;
	size_t len = 0;
	int i = 1, lock, ret = 1;

	if (json_out)
		return die("save prints YAML: -j does not apply to it");
	if (i < argc && argv[i][0] != '-')
		sw = argv[i++];
	if (i < argc && !strncmp(argv[i], "--write=", 8)) {
		write = true;
		path = argv[i++] + 8;
	} else if (i < argc && !strcmp(argv[i], "--write")) {
		write = true;
		i++;
		if (i < argc)
			path = argv[i++];
	}
	if (i != argc || (path && !*path))
		return die(SAVE_USAGE);
	if (write && sw && !path)
		return die("saving one switch to the host's configuration (%s) would drop the others "
			   "at the next boot: give a PATH, or save every switch", xvs_config_path());
	lock = xvs_lock();
	if (lock < 0)
		return lib_fail();
	if (xvs_cfg_running(&have) || xvs_cfg_emit(have, sw, &text, &len)) {
		lib_fail();
		goto out;
	}
	if (xvs_warning())
		fprintf(stderr, "xvs: warning: %s\n", xvs_warning());
	if (!write) {
		ret = fwrite(text, 1, len, stdout) == len ? 0 : die("cannot write the output");
		goto out;
	}
	if (!path)
		path = xvs_config_path();
	if (xvs_write_file_atomic(path, text, len)) {
		lib_fail();
		goto out;
	}
	printf("saved to %s\n", path);
	ret = 0;
out:
	free(text);
	xvs_cfg_free(have);
	xvs_unlock(lock);
	return ret;
}
