// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "libxvs.h"
#include "netdev.h"

static struct nl_sock *route_socket(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk)
		return NULL;
	if (nl_connect(sk, NETLINK_ROUTE)) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

int xvs_netdev_veth_add(const char *name, const char *peer)
{
	struct nl_sock *sk = route_socket();
	int err;

	if (!sk)
		return xvs_fail(-ENOMEM, "cannot open a netlink socket");
	err = rtnl_link_veth_add(sk, name, peer, getpid());
	nl_socket_free(sk);
	if (err)
		return xvs_fail(-EINVAL, "cannot create veth pair %s/%s: %s", name, peer,
				nl_geterror(err));
	return 0;
}

int xvs_netdev_del(const char *name)
{
	struct nl_sock *sk = route_socket();
	struct rtnl_link *link;
	int err;

	if (!sk)
		return xvs_fail(-ENOMEM, "cannot open a netlink socket");
	link = rtnl_link_alloc();
	if (!link) {
		nl_socket_free(sk);
		return xvs_fail(-ENOMEM, "out of memory");
	}
	rtnl_link_set_name(link, name);
	err = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	nl_socket_free(sk);
	if (err)
		return xvs_fail(-ENODEV, "cannot delete netdev %s: %s", name, nl_geterror(err));
	return 0;
}

int xvs_netdev_up(const char *name)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return xvs_fail(-errno, "socket: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			err = -errno;
	} else {
		err = -errno;
	}
	close(fd);
	if (err)
		return xvs_fail(err, "cannot bring %s up: %s", name, strerror(-err));
	return 0;
}

int xvs_netdev_set_gro(const char *name, bool on)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_SGRO, .data = on };
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return xvs_fail(-errno, "socket: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		err = -errno;
	close(fd);
	if (err)
		return xvs_fail(err, "cannot set GRO on %s: %s", name, strerror(-err));
	return 0;
}
