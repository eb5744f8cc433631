// SPDX-License-Identifier: MIT
/* Guards: the port flags that make the dataplane drop DHCP server messages and router
 * advertisements/redirects a VM sends (bpf/lib/guard.h). */
#include "libxvs.h"

static int set_flag(struct xvs_switch *sw, const char *port, __u32 flag, bool on)
{
	struct xvs_port p;
	int err = xvs_port_get(sw, port, &p);

	if (err)
		return err;
	if (on)
		p.flags |= flag;
	else
		p.flags &= ~flag;
	return xvs_port_write(sw, &p);
}

int xvs_port_set_dhcp_guard(struct xvs_switch *sw, const char *port, bool on)
{
	return set_flag(sw, port, XVS_PORT_DHCP_GUARD, on);
}

int xvs_port_set_router_guard(struct xvs_switch *sw, const char *port, bool on)
{
	return set_flag(sw, port, XVS_PORT_ROUTER_GUARD, on);
}
