// SPDX-License-Identifier: MIT
/* xvs tool: helpers shared by the commands (errors, JSON, parsing, sessions). */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#include <stdarg.h>

bool json_out;

int die(const char *fmt, ...)
{
	va_list ap;

	fputs("xvs: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int lib_fail(void)
{
	return die("%s", xvs_errmsg());
}

void print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int parse_u32(const char *s, __u32 *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 0xffffffffUL)
		return -EINVAL;
	*out = (__u32)v;
	return 0;
}

int parse_on_off(const char *s, bool *on)
{
	if (s && !strcmp(s, "on"))
		*on = true;
	else if (s && !strcmp(s, "off"))
		*on = false;
	else
		return -EINVAL;
	return 0;
}

int session_open(struct session *s, const char *name, bool lock)
{
	s->sw = NULL;
	s->lock_fd = -1;
	if (lock) {
		s->lock_fd = xvs_lock();
		if (s->lock_fd < 0)
			return lib_fail();
	}
	if (xvs_switch_open(name, &s->sw)) {
		xvs_unlock(s->lock_fd);
		return lib_fail();
	}
	return 0;
}

int session_close(struct session *s, int ret)
{
	xvs_switch_close(s->sw);
	xvs_unlock(s->lock_fd);
	return ret;
}

const char *ifname_of(__u32 ifindex, char buf[IF_NAMESIZE])
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "(gone:%u)", ifindex);
	return buf;
}

const char *kind_name(__u8 kind)
{
	switch (kind) {
	case XVS_PORT_HOST:
		return "host";
	case XVS_PORT_UPLINK:
		return "uplink";
	case XVS_PORT_SYNTHETIC:
		return "synth";
	default:
		return "vm";
	}
}

/* "access 10", "trunk 2-4,10 native 1", "untagged". */
void vlan_desc(const struct xvs_port *p, char *buf, size_t len)
{
	xvs_vlan_format(p, false, buf, len);
}

/* Non-default policy of a port, space separated ("-" for none): "mirror=source capture". */
void policy_desc(const struct xvs_port *p, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	if (p->mirror != XVS_MIRROR_NONE)
		n += (size_t)snprintf(buf + n, len - n, "%smirror=%s", n ? " " : "",
				      xvs_mirror_name(p->mirror));
	if (n < len && (p->flags & XVS_PORT_CAPTURE))
		n += (size_t)snprintf(buf + n, len - n, "%scapture", n ? " " : "");
	if (n < len && (p->flags & XVS_PORT_DHCP_GUARD))
		n += (size_t)snprintf(buf + n, len - n, "%sdhcp-guard", n ? " " : "");
	if (n < len && (p->flags & XVS_PORT_ROUTER_GUARD))
		n += (size_t)snprintf(buf + n, len - n, "%srouter-guard", n ? " " : "");
	if (n < len && p->max_rate_bps) {
		char rate[32];

		xvs_format_rate(p->max_rate_bps, rate, sizeof(rate));
		n += (size_t)snprintf(buf + n, len - n, "%smax-rate=%s", n ? " " : "", rate);
	}
	if (n < len && p->storm_limit_pps)
		n += (size_t)snprintf(buf + n, len - n, "%sstorm-limit=%u", n ? " " : "",
				      p->storm_limit_pps);
	if (n < len && p->min_bw_weight)
		n += (size_t)snprintf(buf + n, len - n, "%smin-weight=%u", n ? " " : "",
				      p->min_bw_weight);
	if (n < len && (p->flags & XVS_PORT_VMQ))
		n += (size_t)snprintf(buf + n, len - n, "%svmq", n ? " " : "");
	if (!n)
		snprintf(buf, len, "-");
}
