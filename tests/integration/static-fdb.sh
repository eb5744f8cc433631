#!/usr/bin/env bash
# Static FDB entries: `xvs fdb add SW MAC PORT [--vlan VID]` sends unicast for MAC to exactly
# that port (no flooding), in that VLAN only; learning cannot move it; `fdb flush` keeps it.
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC2317 # helpers called through expect_ok
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add h
setup xvs_h h switch add fsw --type private
for i in 1 2 3; do
	setup vm_add h "s$i" "02:00:00:00:05:0$i"
	setup xvs_h h port add fsw "s$i" --dev "s$i"
	setup xvs_h h port set fsw "s$i" vlan access 10
done
PH=02:00:00:00:05:99    # a station nobody has
PH2=02:00:00:00:05:98

# send_to MAC PORTNUM: s1 sends one unicast UDP frame to MAC, marked by its UDP port.
send_to() {
	setup send_frames s1 eth0 "Ether(dst='$1', src='${VM_MAC[s1]}')/IP(src='10.0.5.1', dst='10.0.5.99')/UDP(dport=$2)"
}
caps() { local t=$1 vm; for vm in s2 s3; do setup cap_start "$t-$vm" "$vm" eth0; done; }

# Before: unknown unicast floods to both other ports.
caps flood
send_to $PH 7001
cap_stop flood-s2 flood-s3
expect_eq "no entry: unknown unicast reaches s2" 1 "$(cap_count flood-s2 "udp port 7001")"
expect_eq "no entry: unknown unicast reaches s3" 1 "$(cap_count flood-s3 "udp port 7001")"

setup xvs_h h fdb add fsw $PH s2 --vlan 10
setup xvs_h h fdb add fsw $PH2 s3          # VLAN 0: the untagged network, not VLAN 10
fdb_row() { xvs_h h -j fdb show fsw | jfield "' '.join('%s %s %s' % (e['port'], e['vlan'], e['static']) for e in j if e['mac']=='$1') or 'none'"; }
expect_eq "fdb show: $PH static on s2 in VLAN 10" "s2 10 True" "$(fdb_row $PH)"
expect_eq "fdb show: $PH2 static on s3 in VLAN 0" "s3 0 True" "$(fdb_row $PH2)"
expect_eq "fdb show --vlan 10 lists only VLAN 10 entries" "[10]" \
	"$(xvs_h h -j fdb show fsw --vlan 10 | jfield 'sorted(set(e["vlan"] for e in j))')"

caps static
send_to $PH 7002
send_to $PH2 7003
cap_stop static-s2 static-s3
expect_eq "static entry: frame for $PH reaches s2" 1 "$(cap_count static-s2 "udp port 7002")"
expect_eq "static entry: frame for $PH not flooded to s3" 0 "$(cap_count static-s3 "udp port 7002")"
expect_eq "entry in another VLAN does not apply: frame for $PH2 still flooded to s2" 1 \
	"$(cap_count static-s2 "udp port 7003")"
expect_eq "entry in another VLAN does not apply: frame for $PH2 still flooded to s3" 1 \
	"$(cap_count static-s3 "udp port 7003")"

# s3 claims the static MAC as its source: the entry must not move.
setup send_frames s3 eth0 "Ether(dst='ff:ff:ff:ff:ff:ff', src='$PH')/IP(dst='10.0.5.255')/UDP(dport=7004)"
expect_eq "learning does not move a static entry" "s2 10 True" "$(fdb_row $PH)"
# Learned entries go on flush, static ones stay.
setup send_frames s3 eth0 "Ether(dst='ff:ff:ff:ff:ff:ff', src='${VM_MAC[s3]}')/IP(dst='10.0.5.255')/UDP(dport=7005)"
expect_eq "s3's MAC learned (learned, VLAN 10)" "s3 10 False" "$(fdb_row "${VM_MAC[s3]}")"
setup xvs_h h fdb flush fsw
expect_eq "fdb flush: learned entry gone" none "$(fdb_row "${VM_MAC[s3]}")"
expect_eq "fdb flush: static entry kept" "s2 10 True" "$(fdb_row $PH)"
caps flushed
send_to $PH 7006
cap_stop flushed-s2 flushed-s3
expect_eq "after flush: frame for $PH still only to s2" "1 0" \
	"$(cap_count flushed-s2 "udp port 7006") $(cap_count flushed-s3 "udp port 7006")"
# Aging: learned entries go after the aging time, static ones never.
setup send_frames s3 eth0 "Ether(dst='ff:ff:ff:ff:ff:ff', src='${VM_MAC[s3]}')/IP(dst='10.0.5.255')/UDP(dport=7007)"
expect_eq "s3's MAC learned again" "s3 10 False" "$(fdb_row "${VM_MAC[s3]}")"
setup xvs_h h switch set fsw aging 1
expect_eq "switch show: aging 1 s" 1 "$(xvs_h h -j switch show fsw | jfield 'j[0]["aging_sec"]')"
aged() { local i; for ((i = 0; i < 40; i++)); do [[ $(fdb_row "$1") == none ]] && return 0; sleep 0.1; done; return 1; }
expect_ok "aging 1 s: learned entry aged out within 4 s" aged "${VM_MAC[s3]}"
expect_eq "aging: static entry stays" "s2 10 True" "$(fdb_row $PH)"
setup xvs_h h switch set fsw aging 300
# Re-adding the MAC on another port replaces the entry.
setup xvs_h h fdb add fsw $PH s3 --vlan 10
expect_eq "fdb add again: entry now on s3" "s3 10 True" "$(fdb_row $PH)"
# Deleting the port removes its static entries.
setup xvs_h h port del fsw s3
expect_eq "port del: its static entries are gone" "none none" "$(fdb_row $PH) $(fdb_row $PH2)"

it_end
