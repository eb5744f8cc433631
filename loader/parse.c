// SPDX-License-Identifier: MIT
/* Parsing and formatting of MACs, VIDs and VID lists; names of drop reasons. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libxvs.h"

static const char *const drop_names[XVS_DROP__MAX] = {
	[XVS_DROP_MALFORMED]         = "malformed",
	[XVS_DROP_LINK_DOWN]         = "link-down",
	[XVS_DROP_RESERVED_MAC]      = "reserved-mac",
	[XVS_DROP_INVALID_SRC_MAC]   = "invalid-source-mac",
	[XVS_DROP_VID_4095]          = "vlan-4095",
	[XVS_DROP_BAD_TPID]          = "bad-tpid",
	[XVS_DROP_VLAN0_STACKING]    = "vlan0-stacking",
	[XVS_DROP_FILTERED_VLAN]     = "filtered-vlan",
	[XVS_DROP_SECOND_TAG]        = "second-tag",
	[XVS_DROP_MAC_SPOOFING]      = "mac-spoofing",
	[XVS_DROP_SAME_PORT]         = "same-port",
	[XVS_DROP_EGRESS_LINK_DOWN]  = "egress-link-down",
	[XVS_DROP_EGRESS_VLAN]       = "egress-filtered-vlan",
	[XVS_DROP_NO_EGRESS]         = "no-egress",
	[XVS_DROP_INTERNAL]          = "internal",
	[XVS_DROP_DHCP_GUARD]        = "dhcp-guard",
	[XVS_DROP_ROUTER_GUARD]      = "router-guard",
	[XVS_DROP_ACL]               = "acl",
	[XVS_DROP_EXT_ACL]           = "extended-acl",
	[XVS_DROP_FLOW_TABLE_FULL]   = "flow-table-full",
	[XVS_DROP_QOS]               = "qos",
	[XVS_DROP_STORM_LIMIT]       = "storm-limit",
	[XVS_DROP_MTU_EXCEEDED]      = "mtu-exceeded",
	[XVS_DROP_RESERVED_ETHERTYPE] = "reserved-ethertype",
	[XVS_DROP_NO_MGMT_OS]        = "no-management-os",
	[XVS_DROP_JUMBO_FLOOD]       = "jumbo-flood",
};

const char *xvs_drop_name(int reason)
{
	if (reason < 0 || reason >= XVS_DROP__MAX || !drop_names[reason])
		return NULL;
	return drop_names[reason];
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int xvs_parse_mac(const char *s, __u8 mac[6])
{
	int i;

	if (!s || strlen(s) != 17)
		return xvs_fail(-EINVAL, "invalid MAC '%s': expected xx:xx:xx:xx:xx:xx", s ? s : "");
	for (i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return xvs_fail(-EINVAL, "invalid MAC '%s': expected xx:xx:xx:xx:xx:xx", s);
		mac[i] = (__u8)(hi << 4 | lo);
	}
	return 0;
}

void xvs_format_mac(const __u8 mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

/* A decimal number in [lo, hi], the whole string. */
static int parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int xvs_parse_vid(const char *s, __u16 *vid)
{
	unsigned long v;

	if (parse_uint(s, 1, XVS_VID_MAX, &v))
		return xvs_fail(-EINVAL, "invalid VLAN id '%s': must be 1-4094", s ? s : "");
	*vid = (__u16)v;
	return 0;
}

int xvs_parse_vid_list(const char *s, __u64 vids[XVS_VLAN_WORDS])
{
	char *copy, *tok, *save = NULL;
	int err = 0;

	memset(vids, 0, XVS_VLAN_WORDS * sizeof(__u64));
	if (!s || !*s)
		return xvs_fail(-EINVAL, "empty VLAN list");
	if (!strcmp(s, "all")) {
		for (unsigned v = 1; v <= XVS_VID_MAX; v++)
			vids[v / 64] |= 1ULL << (v % 64);
		return 0;
	}
	copy = strdup(s);
	if (!copy)
		return xvs_fail(-ENOMEM, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		unsigned long a, b;

		if (dash) {
			*dash = '\0';
			if (parse_uint(tok, 1, XVS_VID_MAX, &a) ||
			    parse_uint(dash + 1, 1, XVS_VID_MAX, &b) || a > b) {
				*dash = '-';
				err = -EINVAL;
				break;
			}
		} else if (parse_uint(tok, 1, XVS_VID_MAX, &a)) {
			err = -EINVAL;
			break;
		} else {
			b = a;
		}
		for (unsigned long v = a; v <= b; v++)
			vids[v / 64] |= 1ULL << (v % 64);
	}
	/* strtok_r skips empty fields: "2,,3" or ",2" are malformed too. */
	if (!err && (s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,")))
		err = -EINVAL;
	if (err) {
		xvs_fail(err, "invalid VLAN list '%s': expected VIDs or ranges of 1-4094, like 2-4,10",
			 s);
		memset(vids, 0, XVS_VLAN_WORDS * sizeof(__u64));
	}
	free(copy);
	return err;
}

static int vid_set(const __u64 *vids, unsigned v)
{
	return (vids[v / 64] >> (v % 64)) & 1;
}

int xvs_format_vid_list(const __u64 vids[XVS_VLAN_WORDS], char *buf, size_t len)
{
	size_t used = 0;
	unsigned v = 1;

	if (len)
		buf[0] = '\0';
	while (v <= XVS_VID_MAX) {
		unsigned start;
		int n;

		if (!vid_set(vids, v)) {
			v++;
			continue;
		}
		start = v;
		while (v + 1 <= XVS_VID_MAX && vid_set(vids, v + 1))
			v++;
		if (start == v)
			n = snprintf(buf + used, used < len ? len - used : 0, "%s%u", used ? "," : "", v);
		else
			n = snprintf(buf + used, used < len ? len - used : 0, "%s%u-%u", used ? "," : "",
				     start, v);
		used += (size_t)n;
		v++;
	}
	return (int)used;
}

/* "all" when the list is 1-4094, else compact ranges. */
static void format_vids_compact(const __u64 *vids, char *buf, size_t len)
{
	unsigned v = 1;

	while (v <= XVS_VID_MAX && vid_set(vids, v))
		v++;
	if (v > XVS_VID_MAX)
		snprintf(buf, len, "all");
	else
		xvs_format_vid_list(vids, buf, len);
}

void xvs_vlan_format(const struct xvs_port *p, bool compact, char *buf, size_t len)
{
	char list[1024];

	switch (p->mode) {
	case XVS_VLAN_ACCESS:
		snprintf(buf, len, "access %u", p->access_vid);
		break;
	case XVS_VLAN_TRUNK:
		if (!compact) {
			xvs_format_vid_list(p->trunk_vids, list, sizeof(list));
			snprintf(buf, len, "trunk %s native %u", list[0] ? list : "(none)",
				 p->native_vid);
			break;
		}
		format_vids_compact(p->trunk_vids, list, sizeof(list));
		if (p->native_vid)
			snprintf(buf, len, "trunk %s native %u", list, p->native_vid);
		else
			snprintf(buf, len, "trunk %s", list);
		break;
	case XVS_VLAN_ISOLATED:
	case XVS_VLAN_COMMUNITY:
		snprintf(buf, len, "%s %u %u", p->mode == XVS_VLAN_ISOLATED ? "isolated" : "community",
			 p->pvlan_primary, p->pvlan_secondary);
		break;
	case XVS_VLAN_PROMISCUOUS:
		if (compact)
			format_vids_compact(p->trunk_vids, list, sizeof(list));
		else
			xvs_format_vid_list(p->trunk_vids, list, sizeof(list));
		snprintf(buf, len, "promiscuous %u %s", p->pvlan_primary, list);
		break;
	default:
		snprintf(buf, len, "untagged");
	}
}

int xvs_valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return 0;
	}
	return 1;
}
