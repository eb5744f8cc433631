// SPDX-License-Identifier: MIT
/*
 * The frame-semantics table of DESIGN.md, cell by cell: a frame enters port p1 with a given
 * VLAN mode, its destination is a static FDB entry on p2, and the test checks the verdict, the
 * exact bytes that leave p2 (tags pushed, popped, rewritten, PCP kept) and the counters.
 */
#include "cases.h"

enum { UNTAGGED, ACCESS, TRUNK };

struct mode {
	int kind;
	__u16 vid;          /* access */
	char list[16];      /* trunk (arrays, not pointers: Criterion runs each parameter in a
	                     * new process where this binary's addresses may differ) */
	__u16 native;       /* trunk */
};

struct vlan_case {
	char name[96];
	struct mode in, out;
	int nin;
	struct xt_tag in_tags[2];
	__u16 fdb_vlan;     /* VLAN of the static entry for MAC_B on p2 */
	int drop;           /* -1: forwarded; else the drop reason counted on p1 */
	int nout;
	struct xt_tag out_tags[2];
};

#define U      { UNTAGGED, 0, "", 0 }
#define A(v)   { ACCESS, v, "", 0 }
#define T(l, n) { TRUNK, 0, l, n }
#define PASS   (-1)

static struct vlan_case cases[] = {
	/* untagged port */
	{ "untagged: untagged frame joins VLAN 0, leaves untagged", U, U, 0, {}, 0, PASS, 0, {} },
	{ "untagged: priority tag joins VLAN 0, leaves untagged", U, U, 1, { TAG(TPID_Q, 5, 0) }, 0, PASS, 0, {} },
	{ "untagged: tagged VID 10 dropped", U, U, 1, { TAG(TPID_Q, 0, 10) }, 0, XVS_DROP_FILTERED_VLAN, 0, {} },
	/* access port */
	{ "access: untagged frame joins V", A(10), A(10), 0, {}, 10, PASS, 0, {} },
	{ "access: priority tag joins V", A(10), A(10), 1, { TAG(TPID_Q, 3, 0) }, 10, PASS, 0, {} },
	{ "access: tagged VID V dropped", A(10), A(10), 1, { TAG(TPID_Q, 0, 10) }, 10, XVS_DROP_FILTERED_VLAN, 0, {} },
	{ "access: tagged other VID dropped", A(10), A(10), 1, { TAG(TPID_Q, 0, 20) }, 10, XVS_DROP_FILTERED_VLAN, 0, {} },
	{ "access to trunk: tag pushed with PCP 0", A(10), T("10", 0), 0, {}, 10, PASS, 1, { TAG(TPID_Q, 0, 10) } },
	{ "access to trunk: priority-tagged keeps its PCP", A(10), T("10", 0), 1, { TAG(TPID_Q, 5, 0) }, 10, PASS, 1, { TAG(TPID_Q, 5, 10) } },
	/* trunk port */
	{ "trunk: tagged VID in list keeps VID and PCP", T("2-4,10", 0), T("2-4,10", 0), 1, { TAG(TPID_Q, 3, 10) }, 10, PASS, 1, { TAG(TPID_Q, 3, 10) } },
	{ "trunk: tagged VID not in list dropped", T("2-4,10", 0), T("2-4,10,20", 0), 1, { TAG(TPID_Q, 0, 20) }, 20, XVS_DROP_FILTERED_VLAN, 0, {} },
	{ "trunk: untagged joins native 0", T("2-4", 0), U, 0, {}, 0, PASS, 0, {} },
	{ "trunk: untagged joins native N, leaves native trunk untagged", T("2-4", 3), T("3", 3), 0, {}, 3, PASS, 0, {} },
	{ "trunk: native N leaves a non-native trunk tagged, PCP 0", T("2-4", 3), T("2-4", 0), 0, {}, 3, PASS, 1, { TAG(TPID_Q, 0, 3) } },
	{ "trunk: priority tag joins native N", T("2-4", 3), T("2-4", 0), 1, { TAG(TPID_Q, 6, 0) }, 3, PASS, 1, { TAG(TPID_Q, 6, 3) } },
	{ "trunk to access: tag popped", T("10", 0), A(10), 1, { TAG(TPID_Q, 2, 10) }, 10, PASS, 0, {} },
	{ "trunk to native of another trunk: tag popped", T("10", 0), T("20", 10), 1, { TAG(TPID_Q, 2, 10) }, 10, PASS, 0, {} },
	{ "trunk to untagged port: VLAN 0 leaves untagged", T("10", 0), U, 1, { TAG(TPID_Q, 4, 0) }, 0, PASS, 0, {} },
	{ "known unicast to a non-member port dropped", T("4,10", 0), A(10), 1, { TAG(TPID_Q, 0, 4) }, 4, XVS_DROP_EGRESS_VLAN, 0, {} },
	{ "trunk: inner tag kept between trunks", T("10", 0), T("10", 0), 2, { TAG(TPID_Q, 1, 10), TAG(TPID_Q, 0, 99) }, 10, PASS, 2, { TAG(TPID_Q, 1, 10), TAG(TPID_Q, 0, 99) } },
	/* always-drop rules */
	{ "VID 4095 dropped on a trunk", T("all", 0), T("all", 0), 1, { TAG(TPID_Q, 0, 4095) }, 10, XVS_DROP_VID_4095, 0, {} },
	{ "VID 4095 dropped on an access port", A(10), A(10), 1, { TAG(TPID_Q, 0, 4095) }, 10, XVS_DROP_VID_4095, 0, {} },
	{ "0x88a8 outer tag dropped on a trunk", T("all", 0), T("all", 0), 1, { TAG(TPID_AD, 0, 10) }, 10, XVS_DROP_BAD_TPID, 0, {} },
	{ "0x9100 outer tag dropped on a trunk", T("all", 0), T("all", 0), 1, { TAG(TPID_QQ, 0, 10) }, 10, XVS_DROP_BAD_TPID, 0, {} },
	{ "0x88a8 outer tag dropped on an untagged port", U, U, 1, { TAG(TPID_AD, 0, 0) }, 0, XVS_DROP_BAD_TPID, 0, {} },
	{ "VLAN-0 stacking dropped on an untagged port", U, U, 2, { TAG(TPID_Q, 0, 0), TAG(TPID_Q, 0, 10) }, 0, XVS_DROP_VLAN0_STACKING, 0, {} },
	{ "VLAN-0 stacking (0x88a8 inside) dropped on a trunk", T("all", 0), T("all", 0), 2, { TAG(TPID_Q, 0, 0), TAG(TPID_AD, 0, 10) }, 0, XVS_DROP_VLAN0_STACKING, 0, {} },
	{ "VLAN-0 stacking dropped on an access port", A(10), A(10), 2, { TAG(TPID_Q, 0, 0), TAG(TPID_Q, 0, 10) }, 10, XVS_DROP_VLAN0_STACKING, 0, {} },
	{ "second tag never leaves an access port", T("10", 0), A(10), 2, { TAG(TPID_Q, 0, 10), TAG(TPID_Q, 0, 99) }, 10, XVS_DROP_SECOND_TAG, 0, {} },
	{ "second tag never leaves a trunk's native VLAN untagged", T("10", 0), T("20", 10), 2, { TAG(TPID_Q, 0, 10), TAG(TPID_Q, 0, 99) }, 10, XVS_DROP_SECOND_TAG, 0, {} },
};

ParameterizedTestParameters(vlan, table)
{
	return cr_make_param_array(struct vlan_case, cases, sizeof(cases) / sizeof(cases[0]));
}

static void apply_mode(int port, const struct mode *m)
{
	__u64 vids[XVS_VLAN_WORDS];

	switch (m->kind) {
	case ACCESS:
		cr_assert(xvs_port_set_access(xt_sw, xt_port(port), m->vid) == 0, "%s", xvs_errmsg());
		break;
	case TRUNK:
		cr_assert(xvs_parse_vid_list(m->list, vids) == 0, "%s", xvs_errmsg());
		cr_assert(xvs_port_set_trunk(xt_sw, xt_port(port), vids, m->native) == 0, "%s",
			  xvs_errmsg());
		break;
	default:
		break;
	}
}

static void setup2(void)
{
	xt_setup(2);
}

ParameterizedTest(struct vlan_case *c, vlan, table, .init = setup2, .fini = xt_teardown)
{
	unsigned char in[XT_MAX_FRAME], want[XT_MAX_FRAME], out[XT_MAX_FRAME + 64];
	size_t in_len, want_len, out_len;
	struct xvs_port_stats s1, s2;
	__u8 mac_b[6];
	int verdict;

	cr_log_info("case: %s", c->name);
	apply_mode(1, &c->in);
	apply_mode(2, &c->out);
	cr_assert(xvs_parse_mac(MAC_B, mac_b) == 0);
	cr_assert(xvs_fdb_add_static(xt_sw, mac_b, c->fdb_vlan, xt_port(2)) == 0, "%s", xvs_errmsg());

	in_len = xt_frame(in, MAC_B, MAC_A, c->in_tags, c->nin, ET_IP, 46);
	verdict = xt_run(1, in, in_len, out, &out_len);
	s1 = xt_stats(1);
	s2 = xt_stats(2);
	cr_expect_eq(s1.rx_packets, 1, "%s: rx_packets", c->name);
	cr_expect_eq(s1.rx_bytes, in_len, "%s: rx_bytes", c->name);

	if (c->drop != PASS) {
		cr_assert_eq(verdict, XT_DROP, "%s: verdict %d, expected XT_DROP (a drop)", c->name, verdict);
		cr_assert_eq(s1.drops[c->drop], 1, "%s: drop reason %s not counted", c->name,
			     xvs_drop_name(c->drop));
		cr_assert_eq(total_drops(&s1), 1, "%s: other drop reasons counted", c->name);
		cr_assert_eq(s2.tx_packets, 0, "%s: counted as sent", c->name);
		return;
	}
	cr_assert_eq(verdict, XT_FWD, "%s: verdict %d, expected XT_FWD (forwarded)", c->name, verdict);
	want_len = xt_frame(want, MAC_B, MAC_A, c->out_tags, c->nout, ET_IP, 46);
	assert_frame(out, out_len, want, want_len);
	cr_assert_eq(total_drops(&s1), 0, "%s: drop counted", c->name);
	cr_assert_eq(s2.tx_packets, 1, "%s: tx_packets on p2", c->name);
	cr_assert_eq(s2.tx_bytes, want_len, "%s: tx_bytes on p2", c->name);
}
