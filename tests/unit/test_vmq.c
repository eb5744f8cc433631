// SPDX-License-Identifier: MIT
/*
 * VMQ in the dataplane (bpf/lib/pipeline.h xvs_unicast, lib/output.h xvs_out_vmq): known
 * unicast that entered through the uplink, for a port with XVS_PORT_VMQ, goes to the AF_XDP
 * socket in xvs_vmq at (port id * XVS_VMQ_QUEUES + rx queue) after all its egress work;
 * everything else — no socket there, VMQ off, a frame from another port, a frame the port's
 * ACL denies, the TC flavour — takes the port device path or is dropped as usual.
 *
 * Topology: p1 plays the uplink (its port entry says kind uplink), p2 the VMQ port, p3 a VM.
 * The test binds the AF_XDP socket itself (on p1, queue 0, copy mode), as xvsd would.
 */
#include <errno.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>
#include <xdp/xsk.h>
#include "cases.h"

#define DST     "02:00:00:00:00:20"   /* the VMQ port's station (static on p2) */
#define WAIT_MS 300
#define FRAMES  64
#define FSIZE   4096

static struct {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp, rx;
	void *area;
} x;

static void set_port(const char *name, __u8 kind, __u32 add_flags)
{
	struct xvs_port p;

	cr_assert(xvs_port_get(xt_sw, name, &p) == 0, "%s", xvs_errmsg());
	p.kind = kind;
	p.flags |= add_flags;
	cr_assert(bpf_map_update_elem(xt_sw->ports_fd, &p.ifindex, &p, BPF_EXIST) == 0);
}

static __u32 vmq_key(const char *port)
{
	struct xvs_port p;

	cr_assert(xvs_port_get(xt_sw, port, &p) == 0, "%s", xvs_errmsg());
	return (__u32)p.id * XVS_VMQ_QUEUES;   /* queue 0: the veth has one */
}

static void setup_vmq(void)
{
	__u8 mac[6];

	xt_setup(3);
	set_port("p1", XVS_PORT_UPLINK, 0);
	set_port("p2", XVS_PORT_SYNTHETIC, XVS_PORT_VMQ);
	cr_assert(xvs_parse_mac(DST, mac) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac, 0, "p2") == 0, "%s", xvs_errmsg());
	cr_assert(xt_sw->vmq_fd >= 0, "the switch pins xvs_vmq");
}

static void teardown_vmq(void)
{
	if (x.xsk)
		xsk_socket__delete(x.xsk);
	if (x.umem)
		xsk_umem__delete(x.umem);
	if (x.area)
		munmap(x.area, FRAMES * FSIZE);
	memset(&x, 0, sizeof(x));
	xt_teardown();
}

/* An AF_XDP socket on p1 queue 0 (copy mode, the switch's program stays), optionally put into
 * xvs_vmq for p2. */
static void bind_socket(bool in_map)
{
	struct xsk_umem_config ucfg = { .fill_size = FRAMES, .comp_size = FRAMES,
					.frame_size = FSIZE };
	struct xsk_socket_config scfg = { .rx_size = FRAMES, .tx_size = 0,
					  .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
					  .bind_flags = XDP_COPY };
	__u32 idx, key = vmq_key("p2");
	int fd;

	x.area = mmap(NULL, FRAMES * FSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	cr_assert(x.area != MAP_FAILED);
	cr_assert(xsk_umem__create(&x.umem, x.area, FRAMES * FSIZE, &x.fill, &x.comp, &ucfg) == 0);
	cr_assert(xsk_socket__create(&x.xsk, xt_port(1), 0, x.umem, &x.rx, NULL, &scfg) == 0,
		  "AF_XDP bind on p1: %s", strerror(errno));
	cr_assert(xsk_ring_prod__reserve(&x.fill, FRAMES, &idx) == FRAMES);
	for (__u32 i = 0; i < FRAMES; i++)
		*xsk_ring_prod__fill_addr(&x.fill, idx + i) = (__u64)i * FSIZE;
	xsk_ring_prod__submit(&x.fill, FRAMES);
	if (in_map) {
		fd = xsk_socket__fd(x.xsk);
		cr_assert(bpf_map_update_elem(xt_sw->vmq_fd, &key, &fd, 0) == 0, "%s",
			  strerror(errno));
	}
}

/* Frames on the socket's RX ring after WAIT_MS; the first one's bytes in buf. */
static int socket_frames(void *buf, size_t *len)
{
	struct pollfd pfd = { .fd = xsk_socket__fd(x.xsk), .events = POLLIN };
	__u32 idx, n;

	poll(&pfd, 1, WAIT_MS);
	n = xsk_ring_cons__peek(&x.rx, FRAMES, &idx);
	if (n && buf) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x.rx, idx);

		*len = d->len;
		memcpy(buf, xsk_umem__get_data(x.area, d->addr), d->len);
	}
	if (n)
		xsk_ring_cons__release(&x.rx, n);
	return (int)n;
}

TestSuite(vmq, .init = setup_vmq, .fini = teardown_vmq);

static struct xt_rx rx[XT_MAX_PORTS + 1];

Test(vmq, uplink_unicast_for_a_vmq_port_lands_on_its_socket_not_the_port_device)
{
	unsigned char in[128], got[FSIZE];
	size_t len = xt_frame(in, DST, MAC_A, NULL, 0, ET_IP, 46), got_len = 0;
	__u64 tx0 = xt_stats(2).tx_packets;

	bind_socket(true);
	xt_deliver(1, in, len);
	xt_collect(rx, WAIT_MS);
	if (xt_datapath == XVS_DATAPATH_TC) {
		/* TC cannot hand frames to AF_XDP: the port device path, always. */
		expect_only_in(rx, (int[]){ 2 }, 1);
		cr_assert_eq(socket_frames(NULL, NULL), 0);
		return;
	}
	cr_assert_eq(socket_frames(got, &got_len), 1, "the frame is on the VMQ socket");
	assert_frame(got, got_len, in, len);
	expect_only_in(rx, NULL, 0);
	cr_assert_eq(xt_stats(2).tx_packets, tx0 + 1, "counted as sent by p2");
}

Test(vmq, without_a_socket_in_the_map_the_frame_takes_the_port_device)
{
	unsigned char in[128];
	size_t len = xt_frame(in, DST, MAC_A, NULL, 0, ET_IP, 46);

	bind_socket(false); /* bound, but not (yet) in xvs_vmq: what xvsd does not own */
	xt_deliver(1, in, len);
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, (int[]){ 2 }, 1);
	cr_assert_eq(socket_frames(NULL, NULL), 0);
}

Test(vmq, vmq_off_ignores_a_socket_left_in_the_map)
{
	unsigned char in[128];
	size_t len = xt_frame(in, DST, MAC_A, NULL, 0, ET_IP, 46);
	struct xvs_port p;

	bind_socket(true);
	cr_assert(xvs_port_get(xt_sw, "p2", &p) == 0);
	p.flags &= ~(__u32)XVS_PORT_VMQ;
	cr_assert(bpf_map_update_elem(xt_sw->ports_fd, &p.ifindex, &p, BPF_EXIST) == 0);
	xt_deliver(1, in, len);
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, (int[]){ 2 }, 1);
	cr_assert_eq(socket_frames(NULL, NULL), 0);
}

Test(vmq, frames_from_other_ports_and_floods_take_the_port_device)
{
	unsigned char uni[128], flood[128];
	size_t ul = xt_frame(uni, DST, MAC_B, NULL, 0, ET_IP, 46);
	size_t fl = xt_frame(flood, BCAST, MAC_A, NULL, 0, ET_IP, 46);

	bind_socket(true);
	xt_deliver(3, uni, ul);      /* a VM's frame: VMQ serves the uplink only */
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, (int[]){ 2 }, 1);
	xt_deliver(1, flood, fl);    /* a broadcast from the uplink: copies by the devmap */
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, (int[]){ 2, 3 }, 2);
	cr_assert_eq(socket_frames(NULL, NULL), 0);
}

Test(vmq, the_ports_acl_in_applies_before_vmq)
{
	struct xvs_acl_rule r = { .kind = XVS_ACL_KIND_PORT, .dirs = XVS_ACL_DIR_BIT(XVS_ACL_IN),
				  .action = XVS_ACL_DENY, .match = XVS_ACL_REMOTE_MAC,
				  .local_port_hi = 65535, .remote_port_hi = 65535 };
	unsigned char in[128];
	size_t len = xt_frame(in, DST, MAC_A, NULL, 0, ET_IP, 46);
	__u64 acl0 = xt_stats(2).drops[XVS_DROP_ACL];

	cr_assert(xvs_parse_mac(MAC_A, r.mac) == 0);
	cr_assert(xvs_acl_add(xt_sw, "p2", &r) == 0, "%s", xvs_errmsg());
	bind_socket(true);
	xt_deliver(1, in, len);
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, NULL, 0);
	cr_assert_eq(socket_frames(NULL, NULL), 0, "a denied frame never reaches the socket");
	cr_assert_eq(xt_stats(2).drops[XVS_DROP_ACL], acl0 + 1, "counted as an ACL drop on p2");
}

Test(vmq, a_jumbo_frame_takes_the_port_device_even_with_a_socket)
{
	static unsigned char big[XT_MAX_FRAME];
	const char *devs[] = { "q1", "p1", "p2", "q2" };
	size_t len = xt_frame(big, DST, MAC_A, NULL, 0, ET_IP, 5000);
	char cmd[64];

	/* Over XVS_VMQ_FRAME_MAX and, on a veth, in several buffers: an AF_XDP socket without
	 * multi-buffer could not take it, so it must not be offered one. */
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		snprintf(cmd, sizeof(cmd), "ip link set dev %s mtu 9000", devs[i]);
		cr_assert(system(cmd) == 0, "%s", cmd);
	}
	bind_socket(true);
	xt_deliver(1, big, len);
	xt_collect(rx, WAIT_MS);
	expect_only_in(rx, (int[]){ 2 }, 1);
	cr_assert_eq(rx[2].len[0], len, "whole");
	cr_assert_eq(socket_frames(NULL, NULL), 0);
}
