#!/usr/bin/env bash
# Internal switch: the host NIC, named after the switch and attached as port `host`, reaches
# a VM on the untagged network once it has an address in the host namespace, and never a VM
# on a VLAN; moving the host port to that VLAN swaps which VM it reaches.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add h
setup xvs_h h switch add isw --type internal
setup vm_add h v0 02:00:00:00:01:00 10.0.1.1/24
setup vm_add h v10 02:00:00:00:01:10 10.0.1.2/24
setup xvs_h h port add isw v0 --dev v0
setup xvs_h h port add isw v10 --dev v10
setup xvs_h h port set isw v10 vlan access 10

expect_ok "host NIC 'isw' exists in the host namespace" dev_exists h isw
expect_eq "port 'host' is the host NIC's peer isw-sw, kind host, untagged" "host isw-sw untagged" \
	"$(xvs_h h -j port show isw host | jfield 'j[0]["kind"]+" "+j[0]["dev"]+" "+j[0]["vlan_mode"]')"
expect_eq "switch show: internal, management OS, no uplink" "internal True None" \
	"$(xvs_h h -j switch show isw | jfield 'j[0]["type"]+" "+str(j[0]["management_os"])+" "+str(j[0]["uplink"])')"
expect_fail "internal switch has no port 'uplink'" xvs_h h port show isw uplink
expect_ok "dataplane attached on the host port isw-sw" has_dp h isw-sw

setup nsx h ip addr add 10.0.1.100/24 dev isw
HOST_MAC=$(nsx h ip -br link show dev isw | awk '{print $3}')
VM_MAC["host"]=$HOST_MAC

setup cap_start v0 v0 eth0
setup cap_start v10 v10 eth0
while read -r s d e seen; do
	expect_eq "ping: $s -> $d ($e)" "$e" "$seen"
done < <(ping_matrix h 10.0.1.1 ok v0 10.0.1.100 ok h 10.0.1.2 fail v10 10.0.1.100 fail)
cap_stop v0 v10
expect_ge "capture v0: frames from the host NIC arrived" 1 "$(cap_count v0 "$(src_of host)")"
expect_eq "capture v10: no frame from the host NIC (untagged network)" 0 "$(cap_count v10 "$(src_of host)")"
expect_eq "capture v10: no frame from v0" 0 "$(cap_count v10 "$(src_of v0)")"

# The host port follows its VLAN setting like any other port.
setup xvs_h h port set isw host vlan access 10
nsx h ip neigh flush dev isw
setup cap_start v0b v0 eth0
while read -r s d e seen; do
	expect_eq "host port on VLAN 10: ping $s -> $d ($e)" "$e" "$seen"
done < <(ping_matrix h 10.0.1.2 ok v10 10.0.1.100 ok h 10.0.1.1 fail v0 10.0.1.100 fail)
cap_stop v0b
expect_eq "host port on VLAN 10: capture v0: no frame from the host NIC" 0 "$(cap_count v0b "$(src_of host)")"

it_end
