#!/usr/bin/env bash
# Trunk with a native VLAN: the uplink of an external switch is `trunk 10,20 native 10`. Its
# far end is a plain netdev in an "ext" namespace (an upstream device with no VLAN support):
# VLAN 10 crosses the trunk untagged, VLAN 20 tagged, the untagged network not at all.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add h
setup ns_add ext
setup link_add h up0 ext eth0
setup nsx ext ip link set eth0 address 02:00:00:00:04:ee
setup nsx ext ip addr add 10.0.4.100/24 dev eth0
EXT_MAC=02:00:00:00:04:ee
VM_MAC["ext"]=$EXT_MAC
setup xvs_h h switch add tsw --uplink up0 --no-management-os
setup xvs_h h port set tsw uplink vlan trunk 10,20 native 10
setup vm_add h n10 02:00:00:00:04:10 10.0.4.1/24
setup vm_add h n20 02:00:00:00:04:20 10.0.4.2/24
setup vm_add h n0 02:00:00:00:04:00 10.0.4.3/24
for vm in n10 n20 n0; do setup xvs_h h port add tsw "$vm" --dev "$vm"; done
setup xvs_h h port set tsw n10 vlan access 10
setup xvs_h h port set tsw n20 vlan access 20

expect_eq "switch show: external, uplink up0, no management OS" "external up0 False" \
	"$(xvs_h h -j switch show tsw | jfield 'j[0]["type"]+" "+str(j[0]["uplink"])+" "+str(j[0]["management_os"])')"
expect_eq "port show: uplink trunk 10,20 native 10" "trunk 10,20 10" \
	"$(xvs_h h -j port show tsw uplink | jfield 'j[0]["vlan_mode"]+" "+j[0]["trunk_vlans"]+" "+str(j[0]["native_vlan"])')"

for vm in ext n10 n20 n0; do setup cap_start "$vm" "$vm" eth0; done
while read -r s d e seen; do
	expect_eq "ping: $s -> $d ($e)" "$e" "$seen"
done < <(ping_matrix ext 10.0.4.1 ok n10 10.0.4.100 ok ext 10.0.4.2 fail n20 10.0.4.100 fail \
	ext 10.0.4.3 fail n0 10.0.4.100 fail)
# Tagged frames from the upstream device, broadcast: VLAN 20 reaches n20 untagged, VLAN 10
# tagged (in the list, also the native VLAN) reaches n10, VLAN 30 (not in the list) nobody,
# and priority-tagged (VID 0) frames join the native VLAN.
BC="Ether(dst='ff:ff:ff:ff:ff:ff', src='$EXT_MAC')"
setup send_frames ext eth0 "$BC/Dot1Q(vlan=20)/IP(dst='10.0.4.255')/UDP(dport=7720)"
setup send_frames ext eth0 "$BC/Dot1Q(vlan=10)/IP(dst='10.0.4.255')/UDP(dport=7710)"
setup send_frames ext eth0 "$BC/Dot1Q(vlan=30)/IP(dst='10.0.4.255')/UDP(dport=7730)"
setup send_frames ext eth0 "$BC/Dot1Q(vlan=0)/IP(dst='10.0.4.255')/UDP(dport=7700)"
cap_stop ext n10 n20 n0

n=$(cap_count ext "$(src_of n10)")
expect_ge "capture ext: frames from n10 (native VLAN 10) arrived" 1 "$n"
expect_eq "capture ext: n10's frames untagged" "$n" "$(cap_count ext "$(src_of n10) and not vlan")"
n=$(cap_count ext "$(src_of n20)")
expect_ge "capture ext: frames from n20 (VLAN 20) arrived" 1 "$n"
expect_eq "capture ext: n20's frames tagged 20" "$n" "$(cap_count ext "$(src_of n20) and vlan 20")"
expect_eq "capture ext: no frame from n0 (untagged network, not on the trunk)" 0 "$(cap_count ext "$(src_of n0)")"

expect_eq "capture n20: ext's VLAN 20 frame arrived untagged" 1 "$(cap_count n20 "udp port 7720")"
expect_eq "capture n10: ext's tagged VLAN 10 frame arrived untagged" 1 "$(cap_count n10 "udp port 7710")"
expect_eq "capture n10: ext's priority-tagged frame joined native VLAN 10" 1 "$(cap_count n10 "udp port 7700")"
expect_ge "capture n10: ext's untagged frames (ARP) arrived" 1 "$(cap_count n10 "$(src_of ext)")"
for vm in n10 n20 n0; do
	expect_eq "capture $vm: no tagged frame" 0 "$(cap_count "$vm" vlan)"
	expect_eq "capture $vm: VLAN 30 frame not delivered" 0 "$(cap_count "$vm" "udp port 7730")"
done
expect_eq "capture n20: no VLAN 10 / priority-tagged frame" 0 "$(cap_count n20 "udp port 7710 or udp port 7700")"
expect_eq "capture n10: no VLAN 20 frame" 0 "$(cap_count n10 "udp port 7720")"
expect_eq "capture n0: nothing from ext" 0 "$(cap_count n0 "$(src_of ext)")"
expect_ge "stats uplink: VLAN 30 frame counted as filtered-vlan" 1 "$(drop_count h tsw uplink filtered-vlan)"

# Change the native VLAN to the untagged network (0): now n0 and ext talk, n10 only tagged.
setup xvs_h h port set tsw uplink vlan trunk 10,20 native 0
for vm in ext n10 n0; do nsx "$vm" ip neigh flush dev eth0; done
while read -r s d e seen; do
	expect_eq "native 0: ping $s -> $d ($e)" "$e" "$seen"
done < <(ping_matrix ext 10.0.4.3 ok n0 10.0.4.100 ok ext 10.0.4.1 fail)

it_end
