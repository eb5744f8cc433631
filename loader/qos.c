// SPDX-License-Identifier: MIT
/*
 * QoS settings: max-rate, storm-limit and min-weight of a port, the uplink-rate of a switch
 * (shared out by min-weight), and the parsing and printing of rates. The dataplane side and
 * the reasons for its design are in bpf/lib/qos.h and docs/DATAPLANE.md.
 */
#include <bpf/bpf.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "libxvs.h"

static const struct {
	const char *name;
	__u64 mult;
} rate_units[] = { { "gbit", 1000000000ULL }, { "mbit", 1000000ULL }, { "kbit", 1000ULL },
		   { "bit", 1ULL } };

int xvs_parse_rate(const char *s, __u64 *bps)
{
	unsigned long long v, mult = 1;
	const char *unit;
	char *end;

	if (!s || !*s)
		return xvs_fail(-EINVAL, "empty rate");
	if (!strcasecmp(s, "none") || !strcasecmp(s, "unlimited")) {
		*bps = 0;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		goto range;
	unit = end;
	if (*unit) {
		size_t i;

		for (i = 0; i < sizeof(rate_units) / sizeof(rate_units[0]); i++)
			if (!strcasecmp(unit, rate_units[i].name))
				break;
		if (i == sizeof(rate_units) / sizeof(rate_units[0]))
			goto bad;
		mult = rate_units[i].mult;
	}
	if (v > XVS_RATE_MAX_BPS / mult)
		goto range;
	v *= mult;
	if (v && v < XVS_RATE_MIN_BPS)
		goto range;
	*bps = v;
	return 0;
bad:
	return xvs_fail(-EINVAL, "invalid rate '%s': expected a number with bit, kbit, mbit or gbit "
			"(like 100mbit), or 0 / none / unlimited", s);
range:
	return xvs_fail(-ERANGE, "rate '%s' out of range: 0 (no limit) or 8kbit-100gbit", s);
}

void xvs_format_rate(__u64 bps, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(rate_units) / sizeof(rate_units[0]); i++) {
		if (bps && bps % rate_units[i].mult == 0) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(bps / rate_units[i].mult),
				 rate_units[i].name);
			return;
		}
	}
	snprintf(buf, len, "%s", bps ? "?" : "0");
}

int xvs_qos_reset(struct xvs_switch *sw, __u16 port_id)
{
	struct xvs_qos_state zero = {};
	__u32 key = port_id;

	/* The spin lock inside is left to the kernel: an update skips it. */
	if (bpf_map_update_elem(sw->qos_fd, &key, &zero, 0))
		return xvs_fail(-errno, "cannot reset the QoS state of port id %u: %s", port_id,
				strerror(errno));
	return 0;
}

int xvs_qos_read(struct xvs_switch *sw, __u16 port_id, struct xvs_qos_state *out)
{
	__u32 key = port_id;

	if (bpf_map_lookup_elem_flags(sw->qos_fd, &key, out, BPF_F_LOCK))
		return xvs_fail(-errno, "cannot read the QoS state of port id %u: %s", port_id,
				strerror(errno));
	return 0;
}

int xvs_port_set_max_rate(struct xvs_switch *sw, const char *port, __u64 bps)
{
	struct xvs_port p;
	int err;

	if (bps && (bps < XVS_RATE_MIN_BPS || bps > XVS_RATE_MAX_BPS))
		return xvs_fail(-ERANGE, "max-rate %llu bit/s out of range: 0 (no limit) or "
				"8kbit-100gbit", (unsigned long long)bps);
	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	p.max_rate_bps = bps;
	return xvs_port_write(sw, &p);
}

int xvs_port_set_storm_limit(struct xvs_switch *sw, const char *port, __u32 pps)
{
	struct xvs_port p;
	int err;

	if (pps > XVS_STORM_MAX_PPS)
		return xvs_fail(-ERANGE, "storm-limit %u out of range: 0 (off) to %u packets/s", pps,
				XVS_STORM_MAX_PPS);
	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	p.storm_limit_pps = pps;
	return xvs_port_write(sw, &p);
}

int xvs_port_set_min_weight(struct xvs_switch *sw, const char *port, __u32 weight)
{
	struct xvs_port p;
	int err;

	if (weight > XVS_MIN_WEIGHT_MAX)
		return xvs_fail(-ERANGE, "min-weight %u out of range: 0 (none) to %u", weight,
				XVS_MIN_WEIGHT_MAX);
	err = xvs_port_get(sw, port, &p);
	if (err)
		return err;
	p.min_bw_weight = weight;
	return xvs_port_write(sw, &p);
}

int xvs_switch_uplink_rate(struct xvs_switch *sw, __u64 *bps)
{
	struct xvs_config cfg;
	int err = xvs_switch_config(sw, &cfg);

	if (!err)
		*bps = cfg.uplink_rate_bps;
	return err;
}

int xvs_switch_set_uplink_rate(struct xvs_switch *sw, __u64 bps)
{
	struct xvs_config cfg;
	__u32 zero = 0;
	int err;

	if (bps && (bps < XVS_RATE_MIN_BPS || bps > XVS_RATE_MAX_BPS))
		return xvs_fail(-ERANGE, "uplink-rate %llu bit/s out of range: 0 (no sharing) or "
				"8kbit-100gbit", (unsigned long long)bps);
	err = xvs_switch_config(sw, &cfg);
	if (err)
		return err;
	cfg.uplink_rate_bps = bps;
	if (bpf_map_update_elem(sw->config_fd, &zero, &cfg, BPF_EXIST))
		return xvs_fail(-errno, "cannot write the config of %s: %s", sw->name,
				strerror(errno));
	return 0;
}
