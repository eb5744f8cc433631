// SPDX-License-Identifier: MIT
/*
 * A hostile guest for tests/integration/synthetic.sh: connects to a synthetic port like any
 * guest, then breaks one rule of the protocol (the same cases as tests/vmbus/test_hostile.c)
 * and waits for xvsd's verdict. Prints the violation xvsd reported ("slot-range", ...) and
 * exits 0 if it is the expected one, 1 otherwise (also when xvsd says nothing in 5 s).
 *
 *   vmbus-hostile-guest SOCKET slot-range|desc-bounds|prod-jump|chain-unterminated
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "vmbus.h"

static void publish(const struct vmbus_queue_map *m, __u32 prod, int bell)
{
	__atomic_store_n(&m->tx.p->prod, prod, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__u64 one = 1;

	if (write(bell, &one, sizeof(one)) != sizeof(one))
		perror("doorbell");
}

int main(int argc, char **argv)
{
	struct vmbus_guest_params p;
	struct vmbus_guest_error err = {};
	struct vmbus_guest *g;
	const struct vmbus_queue_map *m;
	struct vmbus_desc d = { .slot = 1, .len = 64 };
	const char *want;
	__u32 prod;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: vmbus-hostile-guest SOCKET "
				"slot-range|desc-bounds|prod-jump|chain-unterminated\n");
		return 2;
	}
	want = argv[2];
	vmbus_guest_params_default(&p);
	if (vmbus_guest_connect(argv[1], &p, 3000, &g, &err)) {
		fprintf(stderr, "vmbus-hostile-guest: cannot connect: %s\n", err.msg);
		return 1;
	}
	m = vmbus_guest_map(g, 0);
	/* Slots at the top of the range are the guest's own (not lent for RX): a valid frame
	 * there would pass; each case breaks exactly one rule. */
	d.slot = (__u16)(m->nslots - 1);
	memset(m->slots + (size_t)d.slot * m->slot_size, 0xff, 64);
	prod = __atomic_load_n(&m->tx.p->prod, __ATOMIC_ACQUIRE);
	if (!strcmp(want, "slot-range")) {
		d.slot = (__u16)m->nslots;
	} else if (!strcmp(want, "desc-bounds")) {
		d.offset = (__u16)(m->slot_size - 8);
	} else if (!strcmp(want, "chain-unterminated")) {
		d.flags = VMBUS_DESC_NEXT;
	} else if (!strcmp(want, "prod-jump")) {
		publish(m, prod + m->tx.size + 1, vmbus_guest_bell_fd(g, 0));
		goto wait;
	} else {
		fprintf(stderr, "vmbus-hostile-guest: unknown case '%s'\n", want);
		return 2;
	}
	((struct vmbus_desc *)m->tx.entries)[prod & (m->tx.size - 1)] = d;
	publish(m, prod + 1, vmbus_guest_bell_fd(g, 0));
wait:
	for (int i = 0; i < 50; i++) {
		ret = vmbus_guest_wait(g, 0, 100);
		if (ret == -EPIPE || ret == -ECONNRESET)
			break;
	}
	printf("%s\n", vmbus_guest_broken_by(g) ? vmbus_violation_name(vmbus_guest_broken_by(g))
						 : "none");
	ret = vmbus_guest_broken_by(g) &&
	      !strcmp(vmbus_violation_name(vmbus_guest_broken_by(g)), want) ? 0 : 1;
	vmbus_guest_free(g);
	return ret;
}
