#!/usr/bin/env bash
# MAC spoofing protection: a port added with --mac drops frames whose source MAC differs
# (counted as mac-spoofing drops, never learned); `mac-spoofing on` lets them through.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add h
setup xvs_h h switch add ssw --type private
setup vm_add h g1 02:00:00:00:08:01 10.0.9.1/24
setup vm_add h g2 02:00:00:00:08:02 10.0.9.2/24
setup xvs_h h port add ssw g1 --dev g1 --mac 02:00:00:00:08:01
setup xvs_h h port add ssw g2 --dev g2
FAKE=02:00:00:00:08:66

expect_eq "port show: g1 has MAC, spoofing off" "02:00:00:00:08:01 False" \
	"$(xvs_h h -j port show ssw g1 | jfield 'j[0]["mac"]+" "+str(j[0]["mac_spoofing"])')"
expect_ok "g1 with its own MAC reaches g2" ping_ok g1 10.0.9.2

spoof() { setup send_frames g1 eth0 "Ether(dst='ff:ff:ff:ff:ff:ff', src='$FAKE')/IP(dst='10.0.9.255')/UDP(dport=$1)"; }
d0=$(drop_count h ssw g1 mac-spoofing)
setup cap_start off g2 eth0
spoof 7001
cap_stop off
expect_eq "spoofing off: frame from a foreign MAC not delivered" 0 "$(cap_count off "udp port 7001")"
expect_eq "spoofing off: counted as a mac-spoofing drop" $((d0 + 1)) "$(drop_count h ssw g1 mac-spoofing)"
expect_eq "spoofing off: foreign MAC not learned" "[]" \
	"$(xvs_h h -j fdb show ssw | jfield "[e['port'] for e in j if e['mac']=='$FAKE']")"

setup xvs_h h port set ssw g1 mac-spoofing on
expect_eq "port show: spoofing on" True "$(port_field h ssw g1 mac_spoofing)"
setup cap_start on g2 eth0
spoof 7002
cap_stop on
expect_eq "spoofing on: frame from a foreign MAC delivered" 1 "$(cap_count on "udp port 7002")"
expect_eq "spoofing on: foreign MAC learned on g1" "['g1']" \
	"$(xvs_h h -j fdb show ssw | jfield "[e['port'] for e in j if e['mac']=='$FAKE']")"

setup xvs_h h port set ssw g1 mac-spoofing off
expect_eq "spoofing off again: the foreign MAC is forgotten" "[]" \
	"$(xvs_h h -j fdb show ssw | jfield "[e['port'] for e in j if e['mac']=='$FAKE']")"
expect_ok "spoofing off again: g1 with its own MAC still reaches g2" ping_ok g1 10.0.9.2

it_end
