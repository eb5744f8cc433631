#!/usr/bin/env bash
# Private switch: VMs reach each other; no host NIC is created; no frame appears on any other
# netdev — not on an unrelated veth of the same host namespace (captured from its far end), not
# in the host namespace's own stack (tcpdump -i any there), not on a VM of another VLAN.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add h
setup xvs_h h switch add psw --type private
setup vm_add h p1 02:00:00:00:02:01 10.0.2.1/24
setup vm_add h p2 02:00:00:00:02:02 10.0.2.2/24
setup vm_add h p3 02:00:00:00:02:03 10.0.2.3/24
for vm in p1 p2 p3; do setup xvs_h h port add psw "$vm" --dev "$vm"; done
setup xvs_h h port set psw p3 vlan access 30
# A bystander: a netdev in the host namespace that is not a port ("by"), its far end in its
# own namespace, and an address in the VMs' subnet on the host so the host stack would answer
# if anything leaked into it.
setup ns_add bystander
setup link_add h by bystander eth0
setup nsx h ip addr add 10.0.2.100/24 dev by
setup nsx bystander ip addr add 10.0.2.200/24 dev eth0

expect_fail "no host NIC 'psw' in the host namespace" dev_exists h psw
expect_fail "no netdev psw-sw in the host namespace" dev_exists h psw-sw
expect_eq "switch show: private, no management OS, 3 ports" "private False 3" \
	"$(xvs_h h -j switch show psw | jfield 'j[0]["type"]+" "+str(j[0]["management_os"])+" "+str(j[0]["ports"])')"
expect_eq "port show lists only the VM ports" "p1 p2 p3" \
	"$(xvs_h h -j port show psw | jfield '" ".join(sorted(p["name"] for p in j))')"
expect_ok "VM port p1 has the dataplane" has_dp h p1
expect_fail "bystander netdev has no dataplane" has_dp h by

setup cap_start by bystander eth0
setup cap_start any h any
setup cap_start p3 p3 eth0
setup cap_start p2 p2 eth0
while read -r s d e seen; do
	expect_eq "ping: $s -> $d ($e)" "$e" "$seen"
done < <(ping_matrix p1 10.0.2.2 ok p2 10.0.2.1 ok p1 10.0.2.3 fail p3 10.0.2.1 fail \
	p1 10.0.2.100 fail p2 10.0.2.200 fail)
# Broadcast and unknown unicast are flooded: still only to the switch's own ports.
setup send_frames p1 eth0 "Ether(dst='ff:ff:ff:ff:ff:ff', src='${VM_MAC[p1]}')/IP(dst='10.0.2.255')/UDP(dport=7777)"
setup send_frames p1 eth0 "Ether(dst='02:00:00:00:02:99', src='${VM_MAC[p1]}')/IP(dst='10.0.2.99')/UDP(dport=7777)"
# Link-local group addresses (STP, pause, LACP) are never forwarded.
setup send_frames p1 eth0 "Ether(dst='01:80:c2:00:00:00', src='${VM_MAC[p1]}')/IP(dst='10.0.2.255')/UDP(dport=7778)"
setup send_frames p1 eth0 "Ether(dst='01:80:c2:00:00:02', src='${VM_MAC[p1]}')/IP(dst='10.0.2.255')/UDP(dport=7778)"
cap_stop by any p3 p2
expect_eq "bystander netdev saw no frame from the VMs" 0 "$(cap_count by "$(src_of p1 p2 p3)")"
expect_eq "bystander netdev saw nothing at all" 0 "$(cap_count by)"
# On the TC flavour the frames pass the port netdevs' packet taps (tcpdump on a port sees what
# the switch sends and receives there): only frames on any other netdev count.
ports_filter=""
if [[ $(it_datapath) == tc ]]; then
	for vm in p1 p2 p3; do
		ports_filter+="${ports_filter:+ or }ifindex $(nsx h ip -o link show dev "$vm" | cut -d: -f1)"
	done
	ports_filter="not ($ports_filter)"
fi
# shellcheck disable=SC2086 # the filter is several words, or none
expect_ok "the -i any capture can be read with that filter" \
	tcpdump -r "$IT_TMP/any.pcap" -nn $ports_filter
# shellcheck disable=SC2086
expect_eq "host namespace stack (-i any) saw no frame" 0 "$(cap_count any $ports_filter)"
expect_eq "p3 (VLAN 30) saw no frame from p1/p2" 0 "$(cap_count p3 "$(src_of p1 p2)")"
expect_eq "p2 received no frame for 01:80:c2:00:00:0x" 0 "$(cap_count p2 "udp port 7778")"
expect_ge "stats p1: link-local frames counted as reserved-mac drops" 2 "$(drop_count h psw p1 reserved-mac)"
expect_eq "host did not learn the VMs' addresses" "" "$(nsx h ip neigh show 10.0.2.1; nsx h ip neigh show 10.0.2.2)"

it_end
