// SPDX-License-Identifier: MIT
/*
 * The model as a configuration file (`xvs save`), written by libyaml's emitter so that any
 * netdev name comes out correctly quoted; and the atomic file write of `xvs save --write`.
 *
 * Only what differs from the defaults is written (plus each switch's type, each VM port's
 * dev, each synthetic port's `synthetic: true` and MAC), so a saved file reads like one
 * written by hand; applying it gives back the same state because the parser fills in the same
 * defaults.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"

#define HEADER "# xvs configuration: `xvs apply FILE` makes this host's switches match it.\n" \
	       "# Written by `xvs save`; the format is described in xvs(8) and docs/CONFIG.md.\n"

const char *xvs_config_path(void)
{
	const char *v = getenv("XVS_CONFIG");

	return v && *v ? v : XVS_CONFIG_DEFAULT;
}

static int emit(yaml_emitter_t *em, yaml_event_t *ev, int ok)
{
	if (!ok || !yaml_emitter_emit(em, ev))
		return xvs_fail(-EINVAL, "cannot write YAML: %s",
				em->problem ? em->problem : "cannot build the event");
	return 0;
}

static int scalar(yaml_emitter_t *em, const char *s, bool quote)
{
	yaml_event_t ev;

	return emit(em, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s,
							  (int)strlen(s), 1, 1,
							  quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE :
								  YAML_ANY_SCALAR_STYLE));
}

static int pair(yaml_emitter_t *em, const char *key, const char *val, bool quote)
{
	return scalar(em, key, false) ?: scalar(em, val, quote);
}

static int map_start(yaml_emitter_t *em, bool empty)
{
	yaml_event_t ev;

	return emit(em, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
								 empty ? YAML_FLOW_MAPPING_STYLE :
									 YAML_BLOCK_MAPPING_STYLE));
}

static int map_end(yaml_emitter_t *em)
{
	yaml_event_t ev;

	return emit(em, &ev, yaml_mapping_end_event_initialize(&ev));
}

/* The port keys that differ from what the port had when it was added. */
static bool port_key_set(const struct cfg_port *p, int k)
{
	struct xvs_port dflt = p->p;

	cfg_port_defaults(&dflt, p->p.kind);
	return cfg_port_keys[k].differs(&dflt, &p->p);
}

static int emit_port(yaml_emitter_t *em, const struct cfg_switch *sw, const struct cfg_port *p)
{
	char v[1100];
	bool any = false;
	int err;

	for (int k = 0; k < cfg_nport_keys; k++)
		any |= port_key_set(p, k);
	if ((p->p.kind == XVS_PORT_HOST || p->p.kind == XVS_PORT_UPLINK) && !any)
		return 0; /* the host or uplink port as the switch made it */
	if (p->p.kind == XVS_PORT_VM && !p->dev[0]) {
		xvs_warn("port %s/%s is left out: its netdev (ifindex %u) is gone", sw->c.name,
			 p->p.name, p->p.ifindex);
		return 0;
	}
	if (p->p.kind == XVS_PORT_SYNTHETIC && !p->queues) {
		xvs_warn("port %s/%s is left out: its port device (ifindex %u) is gone", sw->c.name,
			 p->p.name, p->p.ifindex);
		return 0;
	}
	err = scalar(em, p->p.name, false) ?: map_start(em, false);
	if (!err && p->p.kind == XVS_PORT_VM)
		err = pair(em, "dev", p->dev, false);
	if (!err && p->p.kind == XVS_PORT_SYNTHETIC)
		err = pair(em, "synthetic", "true", false);
	for (int k = 0; k < cfg_nport_keys && !err; k++) {
		if (!port_key_set(p, k))
			continue;
		cfg_port_keys[k].format(&p->p, v, sizeof(v));
		err = pair(em, cfg_port_keys[k].key, v, cfg_port_keys[k].quote);
		/* As `xvs port add --synthetic --mac MAC --queues N` reads. */
		if (!err && !strcmp(cfg_port_keys[k].key, "mac") && p->p.kind == XVS_PORT_SYNTHETIC &&
		    p->queues != 1) {
			snprintf(v, sizeof(v), "%u", p->queues);
			err = pair(em, "queues", v, false);
		}
	}
	return err ?: map_end(em);
}

static int emit_fdb(yaml_emitter_t *em, const struct cfg_switch *sw)
{
	yaml_event_t ev;
	int err;

	err = scalar(em, "fdb", false) ?:
	      emit(em, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
								 YAML_BLOCK_SEQUENCE_STYLE));
	for (int i = 0; i < sw->nfdb && !err; i++) {
		const struct cfg_fdb *e = &sw->fdb[i];
		char m[18], vlan[8];

		xvs_format_mac(e->mac, m);
		snprintf(vlan, sizeof(vlan), "%u", e->vlan);
		err = map_start(em, false) ?: pair(em, "mac", m, true) ?:
		      pair(em, "port", e->port, false);
		if (!err && e->vlan)
			err = pair(em, "vlan", vlan, false);
		err = err ?: map_end(em);
	}
	return err ?: emit(em, &ev, yaml_sequence_end_event_initialize(&ev));
}

static int emit_switch(yaml_emitter_t *em, const struct cfg_switch *sw)
{
	struct xvs_config dflt = sw->c;
	bool ports = false;
	char v[1100];
	int err;

	cfg_switch_defaults(&dflt);
	err = scalar(em, sw->c.name, false) ?: map_start(em, false);
	for (int k = 0; k < cfg_nswitch_keys && !err; k++) {
		const struct cfg_switch_key *r = &cfg_switch_keys[k];

		if (!r->always && !r->differs(&dflt, &sw->c))
			continue;
		r->format(&sw->c, v, sizeof(v));
		err = pair(em, r->key, v, false);
	}
	for (int i = 0; i < sw->nports && !ports; i++) {
		ports = sw->ports[i].p.kind == XVS_PORT_VM ||
			sw->ports[i].p.kind == XVS_PORT_SYNTHETIC;
		for (int k = 0; k < cfg_nport_keys && !ports; k++)
			ports = port_key_set(&sw->ports[i], k);
	}
	if (!err && ports) {
		err = scalar(em, "ports", false) ?: map_start(em, false);
		for (int i = 0; i < sw->nports && !err; i++)
			err = emit_port(em, sw, &sw->ports[i]);
		err = err ?: map_end(em);
	}
	if (!err && sw->nfdb)
		err = emit_fdb(em, sw);
	return err ?: map_end(em);
}

int xvs_cfg_emit(const struct xvs_cfg *cfg, const char *only, char **text, size_t *len)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	FILE *f;
	int err, n = 0;

	*text = NULL;
	*len = 0;
	xvs_warn(NULL);
	if (only && !cfg_find_switch(cfg, only))
		return xvs_fail(-ENOENT, "no switch named '%s'", only);
	for (int i = 0; i < cfg->nsw; i++)
		n += !only || !strcmp(cfg->sw[i].c.name, only);
	f = open_memstream(text, len);
	if (!f)
		return xvs_fail(-ENOMEM, "out of memory");
	if (!yaml_emitter_initialize(&em)) {
		fclose(f);
		free(*text);
		*text = NULL;
		return xvs_fail(-ENOMEM, "out of memory");
	}
	fputs(HEADER, f);
	yaml_emitter_set_output_file(&em, f);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1); /* never fold a long VLAN list */
	err = emit(&em, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING)) ?:
	      emit(&em, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1)) ?:
	      map_start(&em, false) ?: pair(&em, "version", "1", false) ?:
	      scalar(&em, "switches", false) ?: map_start(&em, n == 0);
	for (int i = 0; i < cfg->nsw && !err; i++)
		if (!only || !strcmp(cfg->sw[i].c.name, only))
			err = emit_switch(&em, &cfg->sw[i]);
	err = err ?: map_end(&em) ?: map_end(&em) ?:
	      emit(&em, &ev, yaml_document_end_event_initialize(&ev, 1)) ?:
	      emit(&em, &ev, yaml_stream_end_event_initialize(&ev));
	yaml_emitter_delete(&em);
	if (fclose(f) && !err)
		err = xvs_fail(-ENOMEM, "out of memory");
	if (err) {
		free(*text);
		*text = NULL;
		*len = 0;
	}
	return err;
}

int xvs_write_file_atomic(const char *path, const char *text, size_t len)
{
	char *copy = strdup(path), *dir, tmp[PATH_MAX];
	int fd = -1, dfd, err = 0;
	size_t done = 0;

	tmp[0] = '\0'; /* no temporary file yet */
	if (!copy)
		return xvs_fail(-ENOMEM, "out of memory");
	dir = dirname(copy);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		err = xvs_fail(-errno, "cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	/* The temporary file is in the same directory, so that rename() replaces the file in
	 * one step: a reader (or a crash) sees the old file or the new one, never a part. */
	if (snprintf(tmp, sizeof(tmp), "%s/.xvs-save.XXXXXX", dir) >= (int)sizeof(tmp)) {
		err = xvs_fail(-ENAMETOOLONG, "path too long: %s", path);
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = xvs_fail(-errno, "cannot create a file in %s: %s", dir, strerror(errno));
		goto out;
	}
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = xvs_fail(-errno, "cannot write %s: %s", tmp, strerror(errno));
			goto out;
		}
		done += (size_t)w;
	}
	if (fchmod(fd, 0644) || fsync(fd)) {
		err = xvs_fail(-errno, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd)) {
		fd = -1;
		err = xvs_fail(-errno, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path)) {
		err = xvs_fail(-errno, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	/* The rename itself is durable once the directory is. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd))
		err = xvs_fail(-errno, "cannot sync %s: %s", dir, strerror(errno));
	if (dfd >= 0)
		close(dfd);
out:
	if (fd >= 0)
		close(fd);
	if (err && tmp[0])
		unlink(tmp);
	free(copy);
	return err;
}
