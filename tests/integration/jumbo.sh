#!/usr/bin/env bash
# Jumbo frames: with MTU 9000 on both ends of every veth, VMs on one access VLAN ping each
# other with 8972-byte ICMP payloads and don't-fragment (multi-buffer XDP through the switch,
# tag pushed and popped across a trunk to a second host); a VM whose link has MTU 1500 does not
# get those frames: they are dropped and counted as mtu-exceeded, never truncated.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

mtu() { nsx "$1" ip link set dev "$2" mtu "$3"; }
setup host_add hA
setup host_add hB
setup link_add hA trunk hB trunk
setup mtu hA trunk 9000
setup mtu hB trunk 9000
setup xvs_h hA switch add jsw --type external --uplink trunk --no-management-os
setup xvs_h hB switch add jsw --type external --uplink trunk --no-management-os
setup vm_add hA j1 02:00:00:00:0e:01 10.0.14.1/24
setup vm_add hA j2 02:00:00:00:0e:02 10.0.14.2/24
setup vm_add hB j3 02:00:00:00:0e:03 10.0.14.3/24
setup vm_add hA s1 02:00:00:00:0e:11 10.0.14.11/24
for vm in j1 j2 j3; do
	h=hA; [[ $vm == j3 ]] && h=hB
	setup mtu "$h" "$vm" 9000
	setup mtu "$vm" eth0 9000
done
for vm in j1 j2 s1; do setup xvs_h hA port add jsw "$vm" --dev "$vm"; setup xvs_h hA port set jsw "$vm" vlan access 14; done
setup xvs_h hB port add jsw j3 --dev j3
setup xvs_h hB port set jsw j3 vlan access 14

big() { nsx "$1" ping -c 2 -W 2 -i 0.2 -q -M do -s 8972 "$2" >/dev/null 2>&1; }
expect_ok "j1 -> j2: 9000-byte packets through one switch" big j1 10.0.14.2
expect_ok "j1 -> j3: 9000-byte packets across the trunk (tagged)" big j1 10.0.14.3
expect_ok "j3 -> j2: and back" big j3 10.0.14.2
expect_ok "s1 (MTU 1500) still talks with small packets" ping_ok s1 10.0.14.1

# j1's own link has MTU 9000 and it knows s1's MAC (s1 pinged it), so its 4028-byte frames to
# s1 reach the switch as known unicast; s1's port has MTU 1500: dropped and counted at j1's
# port, and nothing truncated arrives at s1.
setup cap_start s1 s1 eth0
before=$(stat_field hA jsw s1 tx_packets)
d0=$(drop_count hA jsw j1 mtu-exceeded)
nsx j1 ping -c 2 -W 1 -i 0.2 -q -M do -s 4000 10.0.14.11 >/dev/null 2>&1
cap_stop s1
expect_eq "j1 -> s1 (MTU 1500): 4000-byte frames counted as mtu-exceeded" $((d0 + 2)) "$(drop_count hA jsw j1 mtu-exceeded)"
expect_eq "s1: no truncated or oversized frame arrived" 0 "$(cap_count s1 'greater 1515')"
expect_eq "s1: port sent nothing more" "$before" "$(stat_field hA jsw s1 tx_packets)"

it_end
