// SPDX-License-Identifier: MIT
/*
 * The hostile-guest table. Every case runs on one host loop serving two channels: a
 * well-behaved guest (A) that echoes rounds of frames before and after, and the hostile one
 * (B). Each case asserts that
 *   - B's misdeed is refused with exactly the expected kind: the host sends ERROR with it,
 *     counts it once, and B's channel is BROKEN (for the cases where the guest checks the
 *     host, the guest library refuses with that kind instead);
 *   - A loses nothing: the host took every frame A sent, in order, byte for byte with its
 *     offload metadata, every echo came back intact, and A's channel counted no violation.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include "harness.h"
#include "../../vmbus/wire.h"

enum mode {
	BAD_GUEST,      /* B completes the handshake with the library, then writes the rings */
	BAD_HANDSHAKE,  /* B is a raw socket speaking (broken) handshake messages */
	BAD_HOST,       /* B is the guest library; the test plays a broken host for it */
};

struct env {
	struct vmbus_guest *g;          /* B, BAD_GUEST */
	int sock;                       /* B's socket end */
	struct vmbus_guest_error err;   /* BAD_HOST: what the guest library reported */
};

struct hostile_case {
	const char *name;
	enum mode mode;
	enum vmbus_violation expect;
	void (*act)(struct env *e);
	__u32 features;                 /* B's HELLO features (BAD_GUEST); 0 = all */
};

/* Slots >= 512 are the TX half with the default guest parameters (slots 1024, fill 256). */
#define TX_SLOT 600

static const struct vmbus_queue_map *qmap(struct env *e)
{
	return vmbus_guest_map(e->g, 0);
}

static void tx1(struct env *e, struct vmbus_desc d)
{
	raw_tx(e->g, &d, 1);
}

static struct vmbus_desc good(struct env *e)
{
	return raw_desc(e->g, TX_SLOT, 64);
}

/* ---- indices ---- */

static void act_prod_jump(struct env *e)
{
	raw_set_prod((struct vmbus_ring *)&qmap(e)->tx, raw_tx_prod(e->g) + qmap(e)->tx.size + 1);
	raw_bell(e->g);
}

static void act_prod_reverse(struct env *e)
{
	struct vmbus_desc d[2] = { good(e), raw_desc(e->g, TX_SLOT + 1, 80) };

	raw_tx(e->g, d, 2);
	raw_wait_completed(e->g, 2);
	raw_set_prod((struct vmbus_ring *)&qmap(e)->tx, raw_tx_prod(e->g) - 1);
	raw_bell(e->g);
}

static void act_fill_prod_jump(struct env *e)
{
	struct vmbus_ring *r = (struct vmbus_ring *)&qmap(e)->fill;

	raw_set_prod(r, r->p->prod + r->size + 1);
	raw_bell(e->g);
}

static void act_comp_cons_ahead(struct env *e)
{
	__atomic_store_n(&qmap(e)->comp.c->cons, 7, __ATOMIC_RELEASE); /* nothing completed */
	raw_bell(e->g);
}

static void act_comp_cons_reverse(struct env *e)
{
	struct vmbus_desc d[2] = { good(e), raw_desc(e->g, TX_SLOT + 1, 80) };

	raw_tx(e->g, d, 2);
	raw_wait_completed(e->g, 2);
	__atomic_store_n(&qmap(e)->comp.c->cons, 2, __ATOMIC_RELEASE);
	tx1(e, raw_desc(e->g, TX_SLOT + 2, 90));        /* host arms again: reads 2, fine */
	raw_wait_completed(e->g, 3);
	__atomic_store_n(&qmap(e)->comp.c->cons, 1, __ATOMIC_RELEASE);   /* backwards */
	raw_bell(e->g);
}

static void act_rx_cons_ahead(struct env *e)
{
	__atomic_store_n(&qmap(e)->rx.c->cons, 3, __ATOMIC_RELEASE);    /* host produced none */
	raw_bell(e->g);
}

/* ---- descriptors ---- */

static void act_slot_range(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.slot = (__u16)qmap(e)->nslots;
	tx1(e, d);
}

static void act_slot_ffff(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.slot = 0xffff;
	tx1(e, d);
}

static void act_offset_range(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.offset = (__u16)qmap(e)->slot_size;
	tx1(e, d);
}

static void act_len_zero(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.len = 0;
	tx1(e, d);
}

static void act_len_over_slot(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.len = (__u16)(qmap(e)->slot_size + 1);
	tx1(e, d);
}

static void act_offset_len_overflow(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.offset = 100;
	d.len = 0xffff;          /* offset + len wraps to 99 in 16 bits */
	tx1(e, d);
}

static void act_offset_len_past_end(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.offset = (__u16)(qmap(e)->slot_size - 10);
	d.len = 64;
	tx1(e, d);
}

static void act_frame_short(struct env *e)
{
	tx1(e, raw_desc(e->g, TX_SLOT, 13));
}

static void act_unknown_flags(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.flags = 0x100;
	tx1(e, d);
}

static void act_chain_unterminated(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.flags = VMBUS_DESC_NEXT;     /* ... and nothing follows in what was published */
	tx1(e, d);
}

static void act_chain_too_long(struct env *e)
{
	struct vmbus_desc d[9];

	for (int i = 0; i < 9; i++) {  /* the guest asked for max_chain 8 */
		d[i] = raw_desc(e->g, (__u16)(TX_SLOT + i), 100);
		d[i].flags = i < 8 ? VMBUS_DESC_NEXT : 0;
	}
	raw_tx(e->g, d, 9);
}

static void act_frame_too_long(struct env *e)
{
	struct vmbus_desc d[5];

	for (int i = 0; i < 5; i++) {  /* 5 x 2048 = 10240 > 9018 */
		d[i] = raw_desc(e->g, (__u16)(TX_SLOT + i), 2048);
		d[i].flags = i < 4 ? VMBUS_DESC_NEXT : 0;
	}
	raw_tx(e->g, d, 5);
}

static void act_offload_on_continuation(struct env *e)
{
	struct vmbus_desc d[2] = { raw_desc(e->g, TX_SLOT, 100), raw_desc(e->g, TX_SLOT + 1, 100) };

	d[0].flags = VMBUS_DESC_NEXT;
	d[1].flags = VMBUS_DESC_VLAN;
	d[1].vlan_tci = 10;
	raw_tx(e->g, d, 2);
}

static void act_vlan_without_flag(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.vlan_tci = 10;
	tx1(e, d);
}

static void act_csum_not_negotiated(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.flags = VMBUS_DESC_CSUM;
	d.csum_start = 34;
	d.csum_offset = 6;
	tx1(e, d);
}

static void act_csum_past_end(struct env *e)
{
	struct vmbus_desc d = good(e);  /* 64 bytes */

	d.flags = VMBUS_DESC_CSUM;
	d.csum_start = 60;
	d.csum_offset = 6;
	tx1(e, d);
}

static void act_csum_bad_offset(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.flags = VMBUS_DESC_CSUM;
	d.csum_start = 34;
	d.csum_offset = 7;
	tx1(e, d);
}

static void act_csum_in_eth_header(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.flags = VMBUS_DESC_CSUM;
	d.csum_start = 4;
	d.csum_offset = 6;
	tx1(e, d);
}

static void act_gso_bad_type(struct env *e)
{
	struct vmbus_desc d = raw_desc(e->g, TX_SLOT, 1500);

	d.flags = VMBUS_DESC_CSUM | VMBUS_DESC_GSO;
	d.csum_start = 34;
	d.csum_offset = 16;
	d.gso_type = 9;
	d.gso_size = 1448;
	tx1(e, d);
}

static void act_gso_size_zero(struct env *e)
{
	struct vmbus_desc d = raw_desc(e->g, TX_SLOT, 1500);

	d.flags = VMBUS_DESC_CSUM | VMBUS_DESC_GSO;
	d.csum_start = 34;
	d.csum_offset = 16;
	d.gso_type = VMBUS_GSO_TCPV4;
	tx1(e, d);
}

static void act_gso_without_csum(struct env *e)
{
	struct vmbus_desc d = raw_desc(e->g, TX_SLOT, 1500);

	d.flags = VMBUS_DESC_GSO;
	d.gso_type = VMBUS_GSO_TCPV4;
	d.gso_size = 1448;
	tx1(e, d);
}

static void act_gso_fields_without_flag(struct env *e)
{
	struct vmbus_desc d = good(e);

	d.gso_size = 1448;
	tx1(e, d);
}

static void act_slot_twice_in_batch(struct env *e)
{
	struct vmbus_desc d[2] = { good(e), good(e) };

	raw_tx(e->g, d, 2);
}

static void act_slot_twice_in_chain(struct env *e)
{
	struct vmbus_desc d[2] = { good(e), good(e) };

	d[0].flags = VMBUS_DESC_NEXT;
	raw_tx(e->g, d, 2);
}

static void act_slot_lent_for_rx(struct env *e)
{
	tx1(e, raw_desc(e->g, 3, 64));  /* slot 3 sits in the fill ring */
}

/* ---- fill ring ---- */

static void fill1(struct env *e, __u32 slot)
{
	struct vmbus_ring *r = (struct vmbus_ring *)&qmap(e)->fill;
	__u32 p = r->p->prod;

	((__u32 *)r->entries)[p & (r->size - 1)] = slot;
	raw_set_prod(r, p + 1);
	raw_bell(e->g);
}

static void act_fill_slot_range(struct env *e)
{
	fill1(e, 5000);
}

static void act_fill_upper_bits(struct env *e)
{
	fill1(e, 0x10000 | TX_SLOT);
}

static void act_fill_duplicate(struct env *e)
{
	fill1(e, 0);                    /* lent at connect already */
}

/* ---- doorbells ---- */

/* Is there an ERROR waiting on B's socket? Consumes anything else (CONNECTED). */
static bool error_pending(int sock)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	struct vmbus_msg_hdr h;

	while (poll(&p, 1, 0) == 1) {
		if (recv(sock, &h, sizeof(h), MSG_PEEK) < (ssize_t)sizeof(h))
			return true;           /* hang-up: let th_wait_error report it */
		if (h.type == VMBUS_MSG_ERROR)
			return true;
		recv(sock, &h, sizeof(h), 0);
	}
	return false;
}

static void act_doorbell_storm(struct env *e)
{
	/* Ring without publishing anything until the host has had enough. */
	for (int i = 0; i < 1000000 && !error_pending(e->sock); i++) {
		raw_bell(e->g);
		usleep(50);
	}
}

/* ---- handshake (B is a raw socket) ---- */

static void send_raw(struct env *e, const void *m, size_t len)
{
	cr_assert(send(e->sock, m, len, 0) == (ssize_t)len);
}

static struct vmbus_msg_hello hello(void)
{
	struct vmbus_guest_params p;
	struct vmbus_msg_hello h = { .hdr = { VMBUS_MSG_MAGIC, VMBUS_MSG_HELLO, sizeof(h) } };

	vmbus_guest_params_default(&p);
	h.version_min = p.version_min;
	h.version_max = p.version_max;
	h.features = p.features;
	h.limits = p.limits;
	return h;
}

static void act_ready_first(struct env *e)
{
	struct vmbus_msg_hdr m = { VMBUS_MSG_MAGIC, VMBUS_MSG_READY, sizeof(m) };

	send_raw(e, &m, sizeof(m));
}

static void act_hello_twice(struct env *e)
{
	struct vmbus_msg_hello h = hello();

	send_raw(e, &h, sizeof(h));
	send_raw(e, &h, sizeof(h));
}

static void act_oversized(struct env *e)
{
	__u8 big[200] = { 0 };
	struct vmbus_msg_hello h = hello();

	memcpy(big, &h, sizeof(h));
	((struct vmbus_msg_hdr *)big)->length = sizeof(big);
	send_raw(e, big, sizeof(big));
}

static void act_truncated(struct env *e)
{
	struct vmbus_msg_hello h = hello();

	h.hdr.length = 20;
	send_raw(e, &h, 20);
}

static void act_length_lies(struct env *e)
{
	struct vmbus_msg_hello h = hello();

	h.hdr.length = sizeof(h) + 8;
	send_raw(e, &h, sizeof(h));
}

static void act_empty_datagram(struct env *e)
{
	send_raw(e, "", 0);
}

static void act_wrong_version(struct env *e)
{
	struct vmbus_msg_hello h = hello();

	h.version_min = 7;
	h.version_max = 9;
	send_raw(e, &h, sizeof(h));
}

static void act_version_inverted(struct env *e)
{
	struct vmbus_msg_hello h = hello();

	h.version_min = 1;
	h.version_max = 0;
	send_raw(e, &h, sizeof(h));
}

static void act_bad_magic(struct env *e)
{
	struct vmbus_msg_hello h = hello();

	h.hdr.magic = 0x12345678;
	send_raw(e, &h, sizeof(h));
}

static void act_unknown_type(struct env *e)
{
	struct vmbus_msg_hdr m = { VMBUS_MSG_MAGIC, 99, sizeof(m) };

	send_raw(e, &m, sizeof(m));
}

static void act_host_message_from_guest(struct env *e)
{
	struct vmbus_msg_hdr m = { VMBUS_MSG_MAGIC, VMBUS_MSG_CONNECTED, sizeof(m) };

	send_raw(e, &m, sizeof(m));
}

static void act_fds_attached(struct env *e)
{
	struct vmbus_msg_hello h = hello();
	int fd = memfd_create("evil", MFD_CLOEXEC);

	cr_assert(wire_send(e->sock, &h, VMBUS_MSG_HELLO, sizeof(h), &fd, 1, false) == 0);
	close(fd);
}

static void act_limits_zero(struct env *e)
{
	struct vmbus_msg_hello h = hello();

	h.limits.ring_size = 0;
	send_raw(e, &h, sizeof(h));
}

static void act_limits_queues_zero(struct env *e)
{
	struct vmbus_msg_hello h = hello();

	h.limits.queues = 0;
	send_raw(e, &h, sizeof(h));
}

static void act_message_after_connected(struct env *e)
{
	struct vmbus_msg_hdr m = { VMBUS_MSG_MAGIC, VMBUS_MSG_READY, sizeof(m) };

	send_raw(e, &m, sizeof(m));   /* e->g is connected: READY again */
}

/* ---- B is the guest library; the test is a broken host ---- */

enum region_fault { RF_SMALL, RF_TMPFILE, RF_NO_SEALS, RF_BELL_PIPE, RF_QUEUES, RF_VERSION };

static void fake_host(struct env *e, enum region_fault fault)
{
	struct vmbus_guest_params p;
	struct vmbus_host_config cfg;
	struct vmbus_msg_init init = { 0 };
	struct vmbus_msg_region reg = { 0 };
	struct vmbus_guest *g;
	struct wire_in in;
	int fds[3], pp[2], sv[2], ret;
	__u64 size;

	th_socketpair(sv);
	vmbus_guest_params_default(&p);
	vmbus_host_config_default(&cfg);
	cr_assert(vmbus_guest_begin(sv[1], &p, &g) == 0);
	cr_assert(wire_recv(sv[0], &in, false) == 0 && in.m.hdr.type == VMBUS_MSG_HELLO);
	init.version = VMBUS_VERSION_MAX;
	init.features = p.features;
	cr_assert(vmbus_limits_clamp(&in.m.hello.limits, &cfg.limits, &init.limits) == 0);
	if (fault == RF_QUEUES)
		init.limits.queues = 2;         /* the guest asked for 1 */
	if (fault == RF_VERSION)
		init.version = VMBUS_VERSION_MAX + 1;
	size = vmbus_region_size(&init.limits);
	init.region_size = size;
	if (fault == RF_TMPFILE)
		fds[0] = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	else
		fds[0] = memfd_create("fake", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	cr_assert(fds[0] >= 0);
	cr_assert(ftruncate(fds[0], (off_t)(fault == RF_SMALL ? size - 4096 : size)) == 0);
	if (fault != RF_NO_SEALS && fault != RF_TMPFILE)
		cr_assert(fcntl(fds[0], F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0);
	cr_assert(pipe2(pp, O_CLOEXEC | O_NONBLOCK) == 0);
	fds[1] = fault == RF_BELL_PIPE ? pp[1] : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fds[2] = pp[0];
	reg.region_size = size;
	reg.queues = init.limits.queues;
	reg.nfds = 3;
	cr_assert(wire_send(sv[0], &init, VMBUS_MSG_INIT, sizeof(init), NULL, 0, false) == 0);
	cr_assert(wire_send(sv[0], &reg, VMBUS_MSG_REGION, sizeof(reg), fds, 3, false) == 0);
	ret = vmbus_guest_complete(g, TH_WAIT_MS, &e->err);
	cr_assert(ret < 0, "the guest accepted a broken host");
	vmbus_guest_free(g);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	if (fault == RF_BELL_PIPE)
		close(pp[0] == fds[2] ? -1 : pp[0]);
	else
		close(pp[1]);
	close(sv[0]);
}

static void act_region_small(struct env *e)
{
	fake_host(e, RF_SMALL);
}

static void act_region_tmpfile(struct env *e)
{
	fake_host(e, RF_TMPFILE);
}

static void act_region_no_seals(struct env *e)
{
	fake_host(e, RF_NO_SEALS);
}

static void act_bell_not_eventfd(struct env *e)
{
	fake_host(e, RF_BELL_PIPE);
}

static void act_init_more_queues(struct env *e)
{
	fake_host(e, RF_QUEUES);
}

static void act_init_version(struct env *e)
{
	fake_host(e, RF_VERSION);
}

/* ---- the table ---- */

#define C(n, m, v, ...) { .name = n, .mode = m, .expect = v, .act = act_##__VA_ARGS__ }

static struct hostile_case cases[] = {
	C("tx prod jumps past the ring", BAD_GUEST, VMBUS_V_PROD_JUMP, prod_jump),
	C("tx prod moves backwards", BAD_GUEST, VMBUS_V_PROD_REVERSE, prod_reverse),
	C("fill prod jumps past the ring", BAD_GUEST, VMBUS_V_PROD_JUMP, fill_prod_jump),
	C("completion cons beyond prod", BAD_GUEST, VMBUS_V_CONS_INVALID, comp_cons_ahead),
	C("completion cons moves backwards", BAD_GUEST, VMBUS_V_CONS_INVALID, comp_cons_reverse),
	C("rx cons beyond prod", BAD_GUEST, VMBUS_V_CONS_INVALID, rx_cons_ahead),
	C("slot id = slots", BAD_GUEST, VMBUS_V_SLOT_RANGE, slot_range),
	C("slot id 0xffff", BAD_GUEST, VMBUS_V_SLOT_RANGE, slot_ffff),
	C("offset = slot size", BAD_GUEST, VMBUS_V_DESC_OFFSET, offset_range),
	C("length 0", BAD_GUEST, VMBUS_V_DESC_LEN_ZERO, len_zero),
	C("length > slot size", BAD_GUEST, VMBUS_V_DESC_BOUNDS, len_over_slot),
	C("offset + length wraps 16 bits", BAD_GUEST, VMBUS_V_DESC_BOUNDS, offset_len_overflow),
	C("offset + length past the slot", BAD_GUEST, VMBUS_V_DESC_BOUNDS, offset_len_past_end),
	C("frame shorter than an Ethernet header", BAD_GUEST, VMBUS_V_FRAME_SHORT, frame_short),
	C("unknown descriptor flags", BAD_GUEST, VMBUS_V_DESC_FLAGS, unknown_flags),
	C("chain unterminated", BAD_GUEST, VMBUS_V_CHAIN_UNTERMINATED, chain_unterminated),
	C("chain longer than max_chain", BAD_GUEST, VMBUS_V_CHAIN_TOO_LONG, chain_too_long),
	C("chain longer than max_frame", BAD_GUEST, VMBUS_V_FRAME_LONG, frame_too_long),
	C("offload on a continuation", BAD_GUEST, VMBUS_V_DESC_RESERVED, offload_on_continuation),
	C("vlan_tci without VLAN flag", BAD_GUEST, VMBUS_V_DESC_RESERVED, vlan_without_flag),
	{ .name = "CSUM not negotiated", .mode = BAD_GUEST, .expect = VMBUS_V_OFFLOAD_FEATURE,
	  .act = act_csum_not_negotiated, .features = VMBUS_F_VLAN },
	C("checksum field past the frame", BAD_GUEST, VMBUS_V_CSUM, csum_past_end),
	C("checksum offset 7", BAD_GUEST, VMBUS_V_CSUM, csum_bad_offset),
	C("checksum start in the Ethernet header", BAD_GUEST, VMBUS_V_CSUM, csum_in_eth_header),
	C("GSO type 9", BAD_GUEST, VMBUS_V_GSO, gso_bad_type),
	C("GSO size 0", BAD_GUEST, VMBUS_V_GSO, gso_size_zero),
	C("GSO without CSUM", BAD_GUEST, VMBUS_V_GSO, gso_without_csum),
	C("GSO fields without GSO flag", BAD_GUEST, VMBUS_V_DESC_RESERVED, gso_fields_without_flag),
	C("same slot twice in a batch", BAD_GUEST, VMBUS_V_SLOT_DUPLICATE, slot_twice_in_batch),
	C("same slot twice in a chain", BAD_GUEST, VMBUS_V_SLOT_DUPLICATE, slot_twice_in_chain),
	C("TX names a slot lent for RX", BAD_GUEST, VMBUS_V_SLOT_NOT_OWNED, slot_lent_for_rx),
	C("fill slot out of range", BAD_GUEST, VMBUS_V_SLOT_RANGE, fill_slot_range),
	C("fill entry with upper bits", BAD_GUEST, VMBUS_V_SLOT_RANGE, fill_upper_bits),
	C("fill slot lent twice", BAD_GUEST, VMBUS_V_SLOT_DUPLICATE, fill_duplicate),
	C("doorbell storm", BAD_GUEST, VMBUS_V_DOORBELL_STORM, doorbell_storm),
	C("READY before HELLO", BAD_HANDSHAKE, VMBUS_V_MSG_ORDER, ready_first),
	C("HELLO twice", BAD_HANDSHAKE, VMBUS_V_MSG_ORDER, hello_twice),
	C("oversized message", BAD_HANDSHAKE, VMBUS_V_MSG_SIZE, oversized),
	C("truncated HELLO", BAD_HANDSHAKE, VMBUS_V_MSG_SIZE, truncated),
	C("length field lies", BAD_HANDSHAKE, VMBUS_V_MSG_SIZE, length_lies),
	C("empty datagram", BAD_HANDSHAKE, VMBUS_V_MSG_SIZE, empty_datagram),
	C("no common version", BAD_HANDSHAKE, VMBUS_V_VERSION, wrong_version),
	C("version range inverted", BAD_HANDSHAKE, VMBUS_V_VERSION, version_inverted),
	C("bad magic", BAD_HANDSHAKE, VMBUS_V_MSG_MAGIC, bad_magic),
	C("unknown message type", BAD_HANDSHAKE, VMBUS_V_MSG_MAGIC, unknown_type),
	C("host message sent by the guest", BAD_HANDSHAKE, VMBUS_V_MSG_ORDER, host_message_from_guest),
	C("fds attached by the guest", BAD_HANDSHAKE, VMBUS_V_MSG_FDS, fds_attached),
	C("ring size 0", BAD_HANDSHAKE, VMBUS_V_LIMITS, limits_zero),
	C("zero queues", BAD_HANDSHAKE, VMBUS_V_LIMITS, limits_queues_zero),
	C("message after CONNECTED", BAD_GUEST, VMBUS_V_MSG_ORDER, message_after_connected),
	C("region memfd too small", BAD_HOST, VMBUS_V_REGION_SIZE, region_small),
	C("region not a memfd", BAD_HOST, VMBUS_V_REGION_TYPE, region_tmpfile),
	C("region without seals", BAD_HOST, VMBUS_V_REGION_SEALS, region_no_seals),
	C("doorbell not an eventfd", BAD_HOST, VMBUS_V_DOORBELL_TYPE, bell_not_eventfd),
	C("INIT with more queues than asked", BAD_HOST, VMBUS_V_INIT, init_more_queues),
	C("INIT with a version not offered", BAD_HOST, VMBUS_V_INIT, init_version),
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* Criterion runs each parameter in a fresh process of the same binary, so the parameter is an
 * index into the table (a pointer would not survive the trip). */
ParameterizedTestParameters(hostile, refused_and_counted_while_a_good_guest_loses_nothing)
{
	static unsigned idx[NCASES];

	for (unsigned i = 0; i < NCASES; i++)
		idx[i] = i;
	return cr_make_param_array(unsigned, idx, NCASES);
}

ParameterizedTest(unsigned *index, hostile, refused_and_counted_while_a_good_guest_loses_nothing,
		  .timeout = 60)
{
	const struct hostile_case *hc = &cases[*index];
	struct th_loop loop;
	struct th_sent sent;
	struct env e = { 0 };
	struct vmbus_guest *good;
	int sa[2], sb[2], ia, ib = -1;

	cr_log_info("case: %s", hc->name);
	th_loop_init(&loop);
	th_sent_init(&sent);
	th_socketpair(sa);
	ia = th_loop_add(&loop, sa[0], NULL, true);
	if (hc->mode != BAD_HOST) {
		th_socketpair(sb);
		ib = th_loop_add(&loop, sb[0], NULL, false);
		e.sock = sb[1];
	}
	th_loop_start(&loop);
	good = th_guest_connect(sa[1], NULL);
	if (hc->mode == BAD_GUEST) {
		struct vmbus_guest_params p;

		vmbus_guest_params_default(&p);
		if (hc->features)
			p.features = hc->features;
		e.g = th_guest_connect(sb[1], &p);
	}

	th_round(good, &sent, true);
	hc->act(&e);
	if (hc->mode == BAD_HOST) {
		cr_assert_eq(e.err.kind, hc->expect, "%s: guest refused with %s (%s), expected %s",
			     hc->name, vmbus_violation_name(e.err.kind), e.err.msg,
			     vmbus_violation_name(hc->expect));
	} else {
		enum vmbus_violation v = th_wait_error(e.sock);

		cr_assert_eq(v, hc->expect, "%s: host sent ERROR %s, expected %s", hc->name,
			     vmbus_violation_name(v), vmbus_violation_name(hc->expect));
	}
	th_round(good, &sent, true);
	th_loop_stop(&loop);

	th_assert_sink(&loop.ch[ia].sink, &sent);
	th_assert_no_violations(loop.ch[ia].c);
	if (ib >= 0) {
		struct vmbus_host_chan *bad = loop.ch[ib].c;

		cr_assert_eq(vmbus_host_state(bad), VMBUS_CHAN_BROKEN);
		cr_assert_eq(vmbus_host_broken_by(bad), hc->expect);
		cr_assert_eq(vmbus_host_stats(bad)->violations[hc->expect], 1);
		cr_assert_eq(th_violations(bad), 1);
		/* Broken means broken: the library refuses to touch the rings again. */
		cr_assert_eq(vmbus_host_take_tx(bad, 0, NULL, 0), -EPIPE);
	}
	if (e.g)
		vmbus_guest_free(e.g);
	else if (hc->mode != BAD_HOST)
		close(e.sock);
	vmbus_guest_free(good);
	th_loop_free(&loop);
	th_sent_free(&sent);
}
