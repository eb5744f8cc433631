// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
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

int xvs_netdev_veth_add_mq(const char *name, const char *peer, unsigned queues, unsigned mtu)
{
	struct nl_sock *sk = route_socket();
	struct rtnl_link *link, *pl;
	int err;

	if (!sk)
		return xvs_fail(-ENOMEM, "cannot open a netlink socket");
	link = rtnl_link_veth_alloc();
	if (!link) {
		nl_socket_free(sk);
		return xvs_fail(-ENOMEM, "out of memory");
	}
	pl = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, name);
	rtnl_link_set_name(pl, peer);
	rtnl_link_set_num_tx_queues(link, queues);
	rtnl_link_set_num_rx_queues(link, queues);
	rtnl_link_set_num_tx_queues(pl, queues);
	rtnl_link_set_num_rx_queues(pl, queues);
	if (mtu) {
		rtnl_link_set_mtu(link, mtu);
		rtnl_link_set_mtu(pl, mtu);
	}
	rtnl_link_put(pl);
	err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_veth_release(link);
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

int xvs_netdev_mtu(const char *name, unsigned *mtu)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return xvs_fail(-errno, "socket: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFMTU, &ifr))
		err = -errno;
	close(fd);
	if (err)
		return xvs_fail(err, "cannot read the MTU of %s: %s", name, strerror(-err));
	*mtu = (unsigned)ifr.ifr_mtu;
	return 0;
}

int xvs_netdev_set_mtu(const char *name, unsigned mtu)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return xvs_fail(-errno, "socket: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(fd, SIOCSIFMTU, &ifr))
		err = -errno;
	close(fd);
	if (err)
		return xvs_fail(err, "cannot set the MTU of %s to %u: %s", name, mtu, strerror(-err));
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

int xvs_netdev_rx_queues(const char *name, unsigned *nq)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return xvs_fail(-errno, "socket: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&ch;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		err = -errno;
	close(fd);
	if (err == -EOPNOTSUPP) {
		*nq = 1; /* a driver without channels has one queue */
		return 0;
	}
	if (err)
		return xvs_fail(err, "cannot read the queues of %s: %s", name, strerror(-err));
	/* Queues with an rx ring: rx-only channels plus combined ones (a veth reports rx). */
	*nq = ch.rx_count + ch.combined_count;
	if (*nq < 1)
		*nq = 1;
	return 0;
}

/* ---- NAPI on the far end of a veth port ---- */

struct nsid_reply {
	int nsid;
};

static int nsid_parse(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NETNSA_MAX + 1];
	struct nsid_reply *r = arg;

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) == 0 &&
	    tb[NETNSA_NSID])
		r->nsid = (int)nla_get_s32(tb[NETNSA_NSID]);
	return NL_OK;
}

/* The id our namespace gives the namespace open at fd, or -1. */
static int nsid_of(struct nl_sock *sk, int fd)
{
	struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
	struct nsid_reply r = { .nsid = -1 };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST);

	if (!msg)
		return -1;
	/* RTM_GETNSID answers with one message. With libnl's default auto-ACK the kernel would
	 * also send an ACK that nl_recvmsgs_default() leaves unread, and the next query on this
	 * socket would read that instead of its own answer. */
	nl_socket_disable_auto_ack(sk);
	if (nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) || nla_put_u32(msg, NETNSA_FD, (uint32_t)fd) ||
	    nl_send_auto(sk, msg) < 0) {
		nlmsg_free(msg);
		return -1;
	}
	nlmsg_free(msg);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, nsid_parse, &r);
	nl_recvmsgs_default(sk);
	return r.nsid;
}

/* In a child that enters the namespace at fd: GRO on for ifindex there. */
static int set_gro_in_netns(int fd, int ifindex)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char name[IF_NAMESIZE];

		if (setns(fd, CLONE_NEWNET) || !if_indextoname((unsigned)ifindex, name))
			_exit(1);
		_exit(xvs_netdev_set_gro(name, true) ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -EIO;
	return 0;
}

/* Try every named namespace (/run/netns) and every process's namespace for the one whose id
 * is nsid, and turn GRO on for the peer there. */
static int set_gro_in_nsid(struct nl_sock *sk, int nsid, int peer)
{
	static const char *const dirs[] = { "/run/netns", "/proc" };
	int err = -ENOENT;

	for (size_t d = 0; d < 2 && err; d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *de;

		if (!dir)
			continue;
		while (err && (de = readdir(dir))) {
			char path[300];
			int fd;

			if (de->d_name[0] == '.' || (d == 1 && !isdigit((unsigned char)de->d_name[0])))
				continue;
			snprintf(path, sizeof(path), d == 0 ? "%s/%s" : "%s/%s/ns/net", dirs[d],
				 de->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (nsid_of(sk, fd) == nsid)
				err = set_gro_in_netns(fd, peer);
			close(fd);
		}
		closedir(dir);
	}
	return err;
}

int xvs_netdev_prepare_peer(int ifindex, bool *is_veth)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk = route_socket();
	char peer_name[IF_NAMESIZE];
	int32_t nsid;
	int peer, err = 0;
	const char *type;

	*is_veth = false;
	if (!sk)
		return -ENOMEM;
	if (rtnl_link_get_kernel(sk, ifindex, NULL, &link)) {
		nl_socket_free(sk);
		return -ENODEV;
	}
	type = rtnl_link_get_type(link);
	peer = rtnl_link_get_link(link);
	if (!type || strcmp(type, "veth") || peer <= 0)
		goto out;
	*is_veth = true;
	if (rtnl_link_get_link_netnsid(link, &nsid) == 0 && nsid >= 0)
		err = set_gro_in_nsid(sk, nsid, peer);
	else if (if_indextoname((unsigned)peer, peer_name))
		err = xvs_netdev_set_gro(peer_name, true);
	else
		err = -ENOENT;
out:
	rtnl_link_put(link);
	nl_socket_free(sk);
	return err;
}
