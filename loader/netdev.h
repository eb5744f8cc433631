/* SPDX-License-Identifier: MIT */
/* The few netdev operations libxvs needs: the host adapter's veth pair, link state, GRO. */
#ifndef XVS_NETDEV_H
#define XVS_NETDEV_H

#include <stdbool.h>

int xvs_netdev_veth_add(const char *name, const char *peer);
/* The same with `queues` rx and tx queues on both ends (a synthetic port's device), and MTU
 * `mtu` on both (0: the kernel's default, 1500). */
int xvs_netdev_veth_add_mq(const char *name, const char *peer, unsigned queues, unsigned mtu);
int xvs_netdev_del(const char *name);
int xvs_netdev_up(const char *name);
int xvs_netdev_mtu(const char *name, unsigned *mtu);
int xvs_netdev_set_mtu(const char *name, unsigned mtu);
/* XDP_REDIRECT into a veth is dropped unless its peer runs NAPI: GRO on (or an XDP program). */
int xvs_netdev_set_gro(const char *name, bool on);
/* The device's rx queues (ETHTOOL_GCHANNELS; 1 for a driver without channels). */
int xvs_netdev_rx_queues(const char *name, unsigned *nq);

/*
 * If ifindex is a veth, turn GRO on at its peer, wherever the peer lives (this namespace, a
 * named one, or a process's), so that XDP redirects into the port are delivered. 0 if done or
 * not a veth (*is_veth says which); -errno if the peer could not be reached.
 */
int xvs_netdev_prepare_peer(int ifindex, bool *is_veth);

#endif
