// SPDX-License-Identifier: MIT
/* The ring channel working as specified: negotiation, frames both ways, queue pairs, doorbell
 * suppression, back-pressure, hang-up, and a host that cannot be made to block. Both sides run
 * in the test's one thread (th_pair), so every step is deterministic. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <criterion/criterion.h>
#include "harness.h"

static __u8 bufs[40][VMBUS_FRAME_MAX];

static struct vmbus_frame rxf(int i)
{
	return (struct vmbus_frame){ .data = bufs[i], .cap = VMBUS_FRAME_MAX };
}

static struct vmbus_frame txf(__u8 *data, __u32 len, __u8 seed)
{
	for (__u32 i = 0; i < len; i++)
		data[i] = (__u8)(seed + i * 13);
	return (struct vmbus_frame){ .data = data, .len = len };
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

Test(channel, handshake_clamps_limits_and_features_to_the_host)
{
	struct vmbus_host_config cfg;
	struct vmbus_guest_params p;
	struct vmbus_host_chan *h;
	struct vmbus_guest *g;
	const struct vmbus_limits *l;
	__u8 mac[6];
	__u16 mtu;

	vmbus_host_config_default(&cfg);
	cfg.limits.queues = 2;
	cfg.limits.ring_size = 512;
	cfg.limits.slot_size = 2048;
	cfg.features = VMBUS_F_VLAN | VMBUS_F_GSO;   /* GSO without CSUM cannot be offered */
	memcpy(cfg.mac, "\x02\x00\x00\xaa\xbb\xcc", 6);
	cfg.mtu = 9000;
	vmbus_guest_params_default(&p);
	p.limits.queues = 8;
	p.limits.ring_size = 3000;                   /* not a power of two: rounded down */
	p.limits.slot_size = 16384;
	p.limits.max_chain = 2;                      /* 2 x 2048 bytes: max_frame lowered */
	p.features = VMBUS_F_ALL | (1u << 30);       /* an unknown future bit: ignored */
	th_pair(&cfg, &p, &h, &g);
	l = vmbus_guest_limits(g);
	cr_assert_eq(l->queues, 2);
	cr_assert_eq(l->ring_size, 512);
	cr_assert_eq(l->slot_size, 2048);
	cr_assert_eq(l->max_chain, 2);
	cr_assert_eq(l->max_frame, 4096);
	cr_assert_eq(vmbus_guest_features(g), VMBUS_F_VLAN);
	cr_assert(memcmp(vmbus_host_limits(h), l, sizeof(*l)) == 0, "both sides agree");
	cr_assert_eq(vmbus_host_features(h), VMBUS_F_VLAN);
	vmbus_guest_mac(g, mac, &mtu);
	cr_assert(memcmp(mac, cfg.mac, 6) == 0);
	cr_assert_eq(mtu, 4096 - 18, "the MTU the lowered max_frame holds, not cfg's 9000");
	cr_assert_eq(vmbus_guest_queues(g), 2);
	vmbus_guest_free(g);
	vmbus_host_chan_free(h);
}

Test(channel, frames_cross_both_ways_byte_exact_from_runt_to_chained_jumbo)
{
	static const __u32 lens[] = { 14, 60, 1514, 2048, 2049, 6000, 9018 };
	static __u8 src[7][VMBUS_FRAME_MAX];
	struct vmbus_frame out[7], in[7];
	struct vmbus_host_chan *h;
	struct vmbus_guest *g;

	th_pair(NULL, NULL, &h, &g);
	for (int i = 0; i < 7; i++) {
		out[i] = txf(src[i], lens[i], (__u8)i);
		in[i] = rxf(i);
	}
	out[3].off = (struct vmbus_offload){ .flags = VMBUS_DESC_VLAN, .vlan_tci = 0x6064 };
	out[5].off = (struct vmbus_offload){ .flags = VMBUS_DESC_CSUM | VMBUS_DESC_GSO,
					     .csum_start = 34, .csum_offset = 16,
					     .gso_type = VMBUS_GSO_TCPV4, .gso_size = 1448 };
	cr_assert_eq(vmbus_guest_send(g, 0, out, 7), 7);
	cr_assert_eq(vmbus_host_take_tx(h, 0, in, 7), 7);
	for (int i = 0; i < 7; i++) {
		cr_assert_eq(in[i].len, lens[i]);
		cr_assert(memcmp(in[i].data, src[i], lens[i]) == 0, "guest -> host frame %d", i);
		cr_assert(memcmp(&in[i].off, &out[i].off, sizeof(in[i].off)) == 0);
	}
	cr_assert_eq(vmbus_guest_tx_pending(g, 0), 0, "every slot completed");
	/* And back. */
	cr_assert_eq(vmbus_host_give_rx(h, 0, out, 7), 7);
	for (int i = 0; i < 7; i++)
		in[i] = rxf(i + 7);
	cr_assert_eq(vmbus_guest_recv(g, 0, in, 7), 7);
	for (int i = 0; i < 7; i++) {
		cr_assert_eq(in[i].len, lens[i]);
		cr_assert(memcmp(in[i].data, src[i], lens[i]) == 0, "host -> guest frame %d", i);
		cr_assert(memcmp(&in[i].off, &out[i].off, sizeof(in[i].off)) == 0);
	}
	cr_assert_eq(vmbus_host_stats(h)->tx_frames, 7);
	cr_assert_eq(vmbus_host_stats(h)->rx_frames, 7);
	cr_assert_eq(vmbus_guest_stats(g)->rx_frames, 7);
	th_assert_no_violations(h);
	vmbus_guest_free(g);
	vmbus_host_chan_free(h);
}

Test(channel, queue_pairs_are_independent)
{
	struct vmbus_guest_params p;
	struct vmbus_host_chan *h;
	struct vmbus_guest *g;
	static __u8 a[100], b[200];
	struct vmbus_frame fa = txf(a, sizeof(a), 1), fb = txf(b, sizeof(b), 2), in = rxf(0);

	vmbus_guest_params_default(&p);
	p.limits.queues = 3;
	th_pair(NULL, &p, &h, &g);
	cr_assert_eq(vmbus_guest_send(g, 2, &fb, 1), 1);
	cr_assert_eq(vmbus_guest_send(g, 0, &fa, 1), 1);
	cr_assert_eq(vmbus_host_take_tx(h, 1, &in, 1), 0, "queue 1 saw nothing");
	cr_assert_eq(vmbus_host_take_tx(h, 2, &in, 1), 1);
	cr_assert_eq(in.len, sizeof(b));
	cr_assert_eq(vmbus_host_take_tx(h, 0, &in, 1), 1);
	cr_assert_eq(in.len, sizeof(a));
	cr_assert_eq(vmbus_host_give_rx(h, 1, &fa, 1), 1);
	in = rxf(1);
	cr_assert_eq(vmbus_guest_recv(g, 0, &in, 1), 0);
	cr_assert_eq(vmbus_guest_recv(g, 1, &in, 1), 1);
	cr_assert(memcmp(in.data, a, sizeof(a)) == 0);
	vmbus_guest_free(g);
	vmbus_host_chan_free(h);
}

Test(channel, doorbells_ring_only_when_the_peer_asked)
{
	static __u8 a[64];
	struct vmbus_frame f = txf(a, sizeof(a), 3), in = rxf(0);
	struct vmbus_host_chan *h;
	struct vmbus_guest *g;
	int host_bell, guest_bell;

	th_pair(NULL, NULL, &h, &g);
	host_bell = vmbus_host_doorbell_fd(h, 0);
	guest_bell = vmbus_guest_doorbell_fd(g, 0);

	/* Guest -> host: the host is polling (not armed): no doorbell. */
	cr_assert_eq(vmbus_guest_send(g, 0, &f, 1), 1);
	cr_assert_eq(vmbus_guest_stats(g)->doorbells_out, 0);
	cr_assert(!readable(host_bell));
	cr_assert_eq(vmbus_host_take_tx(h, 0, &in, 1), 1);
	/* The host goes idle: arm says sleep; the next send rings exactly once. */
	cr_assert(vmbus_host_arm(h, 0, VMBUS_ARM_TX));
	cr_assert_eq(vmbus_guest_send(g, 0, &f, 1), 1);
	cr_assert_eq(vmbus_guest_stats(g)->doorbells_out, 1);
	cr_assert(readable(host_bell));
	cr_assert_eq(vmbus_host_kick(h, 0), 0);
	cr_assert_eq(vmbus_host_stats(h)->doorbells_in, 1);
	cr_assert_eq(vmbus_host_stats(h)->doorbells_spurious, 0);
	/* Awake again (the kick cleared need-wakeup): more sends ring nothing. */
	cr_assert_eq(vmbus_guest_send(g, 0, &f, 1), 1);
	cr_assert_eq(vmbus_guest_stats(g)->doorbells_out, 1);
	cr_assert_eq(vmbus_host_take_tx(h, 0, &in, 1), 1);
	cr_assert_eq(vmbus_host_take_tx(h, 0, &in, 1), 1);

	/* Host -> guest: only an armed guest is signalled. */
	cr_assert_eq(vmbus_host_give_rx(h, 0, &f, 1), 1);
	cr_assert_eq(vmbus_host_stats(h)->doorbells_out, 0);
	cr_assert(!vmbus_guest_arm(g, 0), "an RX frame is waiting: do not sleep");
	cr_assert_eq(vmbus_guest_recv(g, 0, &in, 1), 1);
	cr_assert_eq(vmbus_guest_tx_pending(g, 0), 0);     /* takes the completions */
	cr_assert(vmbus_guest_arm(g, 0));
	cr_assert_eq(vmbus_host_give_rx(h, 0, &f, 1), 1);
	cr_assert_eq(vmbus_host_stats(h)->doorbells_out, 1);
	cr_assert(readable(guest_bell));
	cr_assert_eq(vmbus_guest_recv(g, 0, &in, 1), 1);
	cr_assert_eq(vmbus_guest_wait(g, 0, 0), 1, "woken by the doorbell");
	cr_assert(!readable(guest_bell), "wait drained the doorbell");
	cr_assert_eq(vmbus_guest_wait(g, 0, 0), 0, "nothing more");
	th_assert_no_violations(h);
	vmbus_guest_free(g);
	vmbus_host_chan_free(h);
}

Test(channel, arming_rechecks_so_a_publish_racing_the_flag_is_not_lost)
{
	static __u8 a[64];
	struct vmbus_frame f = txf(a, sizeof(a), 4), in = rxf(0);
	struct vmbus_host_chan *h;
	struct vmbus_guest *g;

	th_pair(NULL, NULL, &h, &g);
	/* The guest publishes while the host is not armed (so it rings nothing), as if it read
	 * the flag just before the host set it. The host's re-check after setting the flag must
	 * see the frame and refuse to sleep. */
	cr_assert_eq(vmbus_guest_send(g, 0, &f, 1), 1);
	cr_assert_eq(vmbus_guest_stats(g)->doorbells_out, 0);
	cr_assert(!vmbus_host_arm(h, 0, VMBUS_ARM_TX), "work published: do not sleep");
	cr_assert_eq(vmbus_host_take_tx(h, 0, &in, 1), 1);
	cr_assert(vmbus_host_arm(h, 0, VMBUS_ARM_TX), "nothing left: sleep");
	/* Same on the guest side for completions. */
	cr_assert_eq(vmbus_guest_send(g, 0, &f, 1), 1);
	cr_assert_eq(vmbus_host_take_tx(h, 0, &in, 1), 1);
	cr_assert(!vmbus_guest_arm(g, 0), "a completion is waiting: do not sleep");
	vmbus_guest_free(g);
	vmbus_host_chan_free(h);
}

Test(channel, rx_without_fill_slots_is_refused_not_blocked)
{
	struct vmbus_guest_params p;
	struct vmbus_host_chan *h;
	struct vmbus_guest *g;
	static __u8 a[64];
	struct vmbus_frame f[40], in[40];
	unsigned lent;

	vmbus_guest_params_default(&p);
	p.limits.ring_size = 64;
	p.limits.slots = 64;            /* 32 lent for RX */
	th_pair(NULL, &p, &h, &g);
	lent = 32;
	for (int i = 0; i < 40; i++) {
		f[i] = txf(a, sizeof(a), 5);
		in[i] = rxf(i);
	}
	cr_assert_eq(vmbus_host_give_rx(h, 0, f, 40), (int)lent);
	cr_assert_eq(vmbus_host_stats(h)->rx_refused, 40 - lent);
	cr_assert_eq(vmbus_guest_recv(g, 0, in, 40), (int)lent);
	/* The guest handed the slots back: room again. */
	cr_assert_eq(vmbus_host_give_rx(h, 0, f, 8), 8);
	th_assert_no_violations(h);
	vmbus_guest_free(g);
	vmbus_host_chan_free(h);
}

Test(channel, guest_hang_up_closes_the_channel)
{
	struct vmbus_host_chan *h;
	struct vmbus_guest *g;

	th_pair(NULL, NULL, &h, &g);
	vmbus_guest_free(g);
	cr_assert_eq(vmbus_host_on_sock(h), VMBUS_CHAN_CLOSED);
	cr_assert_eq(th_violations(h), 0);
	cr_assert_eq(vmbus_host_take_tx(h, 0, NULL, 0), -ENOTCONN);
	vmbus_host_chan_free(h);
}

Test(channel, host_never_blocks_on_a_doorbell_the_guest_made_blocking, .timeout = 10)
{
	struct vmbus_host_chan *h;
	struct vmbus_guest *g;
	__u64 count;
	int fd;

	th_pair(NULL, NULL, &h, &g);
	/* The guest shares the eventfd's file description: it clears O_NONBLOCK on it, rings,
	 * and steals the count back, so a plain read() by the host would block forever. */
	fd = vmbus_guest_bell_fd(g, 0);
	cr_assert(fcntl(fd, F_SETFL, 0) == 0);
	raw_bell(g);
	cr_assert(read(fd, &count, sizeof(count)) == sizeof(count));
	cr_assert(!(fcntl(vmbus_host_doorbell_fd(h, 0), F_GETFL) & O_NONBLOCK));
	cr_assert_eq(vmbus_host_kick(h, 0), 0, "returned instead of blocking");
	cr_assert_eq(vmbus_host_stats(h)->doorbells_in, 0);
	vmbus_guest_free(g);
	vmbus_host_chan_free(h);
}

Test(channel, host_survives_a_guest_that_closed_its_doorbell)
{
	static __u8 a[64];
	struct vmbus_frame f = txf(a, sizeof(a), 7);
	struct vmbus_host_chan *h;
	struct vmbus_guest *g;

	th_pair(NULL, NULL, &h, &g);
	/* Armed, then the guest closes the read end it would be woken on: the host's doorbell
	 * write must neither raise SIGPIPE (this test would crash) nor fail the channel. */
	cr_assert(vmbus_guest_arm(g, 0));
	close(vmbus_guest_doorbell_fd(g, 0));
	cr_assert_eq(vmbus_host_give_rx(h, 0, &f, 1), 1);
	cr_assert_eq(vmbus_host_stats(h)->doorbells_out, 1);
	th_assert_no_violations(h);
	vmbus_guest_free(g);
	vmbus_host_chan_free(h);
}

Test(channel, caller_mistakes_are_einval_and_change_nothing)
{
	static __u8 a[VMBUS_FRAME_MAX + 1];
	struct vmbus_frame small = { .data = bufs[0], .cap = 100 };
	struct vmbus_frame big = txf(a, VMBUS_FRAME_MAX + 1, 6);
	struct vmbus_frame csum = txf(a, 60, 6);
	struct vmbus_host_chan *h;
	struct vmbus_guest *g;

	th_pair(NULL, NULL, &h, &g);
	cr_assert_eq(vmbus_host_take_tx(h, 0, &small, 1), -EINVAL, "buffer below max_frame");
	cr_assert_eq(vmbus_host_take_tx(h, 9, &small, 1), -EINVAL, "no queue 9");
	cr_assert_eq(vmbus_host_give_rx(h, 0, &big, 1), -EINVAL);
	cr_assert_eq(vmbus_guest_send(g, 0, &big, 1), -EINVAL);
	csum.off = (struct vmbus_offload){ .flags = VMBUS_DESC_CSUM, .csum_start = 58,
					   .csum_offset = 6 };
	cr_assert_eq(vmbus_guest_send(g, 0, &csum, 1), -EINVAL, "checksum field past the end");
	cr_assert_eq(vmbus_host_give_rx(h, 0, &csum, 1), -EINVAL);
	cr_assert_eq(vmbus_host_stats(h)->rx_frames, 0);
	cr_assert_eq(vmbus_guest_stats(g)->tx_frames, 0);
	th_assert_no_violations(h);
	vmbus_guest_free(g);
	vmbus_host_chan_free(h);
}

Test(channel, host_refuses_a_socket_that_is_not_seqpacket)
{
	struct vmbus_host_config cfg;
	struct vmbus_host_chan *h;
	int sv[2];

	vmbus_host_config_default(&cfg);
	cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	cr_assert_eq(vmbus_host_chan_new(sv[0], &cfg, &h), -EINVAL);
	cfg.limits.ring_size = 100;
	close(sv[1]);
	close(sv[0]);
	th_socketpair(sv);
	cr_assert_eq(vmbus_host_chan_new(sv[0], &cfg, &h), -EINVAL, "invalid host limits");
	close(sv[0]);
	close(sv[1]);
}
