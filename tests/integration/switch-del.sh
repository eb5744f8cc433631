#!/usr/bin/env bash
# `xvs switch del` removes everything the switch created: its pins under $XVS_ROOT/<sw>, its
# host NIC (both veth ends), the programs on its ports and uplink (XDP links, or TC filters and
# the clsact qdiscs xvs added), its BPF programs and maps — and nothing that belongs to another switch. The same name can be used again.
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC2317 # helpers called through expect_ok
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add h
setup ns_add ext
setup link_add h up0 ext eth0
setup xvs_h h switch add dsw --uplink up0
setup xvs_h h switch add keep --type internal
setup xvs_h h switch add psw --type private
setup vm_add h d1 02:00:00:00:07:01 10.0.7.1/24
setup vm_add h d2 02:00:00:00:07:02 10.0.7.2/24
setup vm_add h k1 02:00:00:00:07:11 10.0.8.1/24
setup vm_add h q1 02:00:00:00:07:21
setup xvs_h h port add dsw d1 --dev d1
setup xvs_h h port add dsw d2 --dev d2
setup xvs_h h port add keep k1 --dev k1
setup xvs_h h port add psw q1 --dev q1
setup nsx h ip addr add 10.0.8.100/24 dev keep
ROOT=$(host_root h)

prog_id() { bpftool -j prog show pinned "$ROOT/$1/xvs_ingress" 2>/dev/null | jfield 'j["id"]'; }
map_id() { bpftool -j map show pinned "$ROOT/$1/$2" 2>/dev/null | jfield 'j["id"]'; }
gone() { # gone KIND ID: the kernel object is freed (allow a moment for RCU)
	local i
	for ((i = 0; i < 30; i++)); do
		bpftool "$1" show id "$2" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	return 1
}

# Before: everything is there.
expect_ok "before: pins under \$XVS_ROOT/dsw" test -e "$ROOT/dsw/xvs_ports"
expect_ok "before: link pins of dsw's ports" test -e "$ROOT/dsw/links/d1" -a -e "$ROOT/dsw/links/uplink" -a -e "$ROOT/dsw/links/host"
expect_ok "before: host NIC dsw exists" dev_exists h dsw
expect_ok "before: host port dsw-sw exists" dev_exists h dsw-sw
for d in up0 d1 d2 dsw-sw; do expect_ok "before: $d has the dataplane" has_dp h "$d"; done
expect_eq "before: switch show lists dsw keep psw" "dsw keep psw" \
	"$(xvs_h h -j switch show | jfield '" ".join(sorted(s["name"] for s in j))')"
expect_ok "before: d1 reaches d2" ping_ok d1 10.0.7.2
expect_eq "before: switch show says the datapath" "$(it_datapath)" \
	"$(xvs_h h -j switch show dsw | jfield 'j[0]["datapath"]')"
PROG=$(prog_id dsw)
FDB=$(map_id dsw xvs_fdb)
CLOCK=$(map_id dsw xvs_clock)
expect_ok "before: dsw's program and maps are loaded (ids $PROG $FDB $CLOCK)" test -n "$PROG" -a -n "$FDB" -a -n "$CLOCK"

# Port del detaches just that port.
expect_ok "port del dsw d2" xvs_h h port del dsw d2
expect_fail "port del: d2 has no dataplane" has_dp h d2
expect_fail "port del: its link pin is gone" test -e "$ROOT/dsw/links/d2"
expect_ok "port del: d1 keeps the dataplane" has_dp h d1
expect_fail "port del: port show dsw d2 fails" xvs_h h port show dsw d2
expect_ok "port add dsw d2 again" xvs_h h port add dsw d2 --dev d2

expect_ok "xvs switch del dsw succeeds" xvs_h h switch del dsw

expect_fail "after: \$XVS_ROOT/dsw is gone" test -e "$ROOT/dsw"
expect_fail "after: host NIC dsw is gone" dev_exists h dsw
expect_fail "after: host port dsw-sw is gone" dev_exists h dsw-sw
for d in up0 d1 d2; do
	expect_ok "after: $d still exists" dev_exists h "$d"
	expect_fail "after: $d has no dataplane" has_dp h "$d"
done
expect_eq "after: switch show lists keep psw" "keep psw" \
	"$(xvs_h h -j switch show | jfield '" ".join(sorted(s["name"] for s in j))')"
expect_fail "after: switch show dsw fails" xvs_h h switch show dsw
[[ -n $PROG ]] && expect_ok "after: ingress program $PROG unloaded" gone prog "$PROG"
[[ -n $FDB ]] && expect_ok "after: FDB map $FDB freed" gone map "$FDB"
[[ -n $CLOCK ]] && expect_ok "after: clock map $CLOCK freed (housekeeping timer stopped)" gone map "$CLOCK"
expect_fail "after: d1 no longer reaches d2" ping_ok d1 10.0.7.2

# The other switches are untouched.
expect_ok "other switch keep: pins intact" test -e "$ROOT/keep/links/k1" -a -e "$ROOT/psw/links/q1"
expect_ok "other switch keep: host NIC keep intact" dev_exists h keep
expect_ok "other switch keep: k1 still has the dataplane" has_dp h k1
expect_ok "other switch keep: host reaches k1" ping_ok h 10.0.8.1

# The name and the netdevs can be used again.
expect_ok "switch add dsw again" xvs_h h switch add dsw --uplink up0
expect_ok "port add dsw d1 again" xvs_h h port add dsw d1 --dev d1
expect_ok "port add dsw d2 again" xvs_h h port add dsw d2 --dev d2
expect_ok "again: d1 reaches d2" ping_ok d1 10.0.7.2

# Internal and private switches.
expect_ok "xvs switch del keep (internal)" xvs_h h switch del keep
expect_fail "after: host NIC keep is gone" dev_exists h keep
expect_fail "after: host port keep-sw is gone" dev_exists h keep-sw
expect_fail "after: k1 has no dataplane" has_dp h k1
expect_ok "xvs switch del psw (private)" xvs_h h switch del psw
expect_fail "after: q1 has no dataplane" has_dp h q1
expect_ok "xvs switch del dsw (second time)" xvs_h h switch del dsw
expect_eq "after all: \$XVS_ROOT holds no switch" "" "$(ls "$ROOT")"
expect_eq "after all: switch show is empty" "[]" "$(xvs_h h -j switch show | tr -d ' \n')"
expect_eq "after all: no XDP program, clsact qdisc or filter left in the host namespace" "" \
	"$(dp_leftovers h | tr '\n' ' ')"

it_end
