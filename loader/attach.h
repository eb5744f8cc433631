/* SPDX-License-Identifier: MIT */
/* Attaching a switch's programs to a port's netdev, and taking them off again (loader/attach.c). */
#ifndef XVS_ATTACH_H
#define XVS_ATTACH_H

#include <stdbool.h>
#include "libxvs.h"

/* Attach the switch's ingress program to ifindex (XDP link, or TC clsact ingress filter), and
 * for an uplink the host-traffic program on its TC egress; pin what `port del` needs under
 * $XVS_ROOT/<switch>/links/<port>. On failure nothing stays attached. */
int xvs_attach_port(struct xvs_switch *sw, const char *port, int ifindex, const char *ifname,
		    bool uplink);
/* Undo xvs_attach_port; synchronous, so the netdev can be attached again at once. Tolerates a
 * netdev that is gone and a port that was never (fully) attached. */
int xvs_detach_port(struct xvs_switch *sw, const char *port, int ifindex, bool uplink);

#endif
