#!/usr/bin/env bash
# Two hosts, each with an external switch whose uplinks are joined by a trunk veth. VMs on
# access VLAN 10, access VLAN 20 and the untagged network on both hosts (all in ONE IP subnet,
# so only the switch can keep them apart), the host NIC of host A on the untagged network, and
# a trunk-mode "sniffer" VM on each host. Checks the full ping matrix, what every VM's
# interface captured (no frame of another VLAN, tags only on trunk ports), tagged frames sent
# into access and trunk ports, and what the switches learned.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add hA
setup host_add hB
setup link_add hA trunk hB trunk
setup xvs_h hA switch add sw --type external --uplink trunk
setup xvs_h hB switch add sw --type external --uplink trunk --no-management-os

# VM    host  MAC                VLAN      IP
VMS="
a10   hA    02:00:00:00:10:0a  access:10  10.0.0.1
b10   hB    02:00:00:00:10:0b  access:10  10.0.0.2
a20   hA    02:00:00:00:20:0a  access:20  10.0.0.3
b20   hB    02:00:00:00:20:0b  access:20  10.0.0.4
a0    hA    02:00:00:00:00:0a  untagged   10.0.0.5
b0    hB    02:00:00:00:00:0b  untagged   10.0.0.6
at    hA    02:00:00:00:ff:0a  trunk:10   -
bt    hB    02:00:00:00:ff:0b  trunk:20   -
"
while read -r vm h mac vlan ip; do
	[[ -n $vm ]] || continue
	if [[ $ip == - ]]; then setup vm_add "$h" "$vm" "$mac"; else setup vm_add "$h" "$vm" "$mac" "$ip/24"; fi
	setup xvs_h "$h" port add sw "$vm" --dev "$vm"
	case $vlan in
	access:*) setup xvs_h "$h" port set sw "$vm" vlan access "${vlan#access:}" ;;
	trunk:*) setup xvs_h "$h" port set sw "$vm" vlan trunk "${vlan#trunk:}" ;;
	esac
done <<<"$VMS"

# The host NIC of host A, on the untagged network.
setup nsx hA ip addr add 10.0.0.100/24 dev sw
HOSTA_MAC=$(nsx hA ip -br link show dev sw | awk '{print $3}')
VM_MAC["hA"]=$HOSTA_MAC
VM_IP["hA"]=10.0.0.100

# ---- configuration as the CLI reports it ----
expect_eq "uplink defaults to trunk 1-4094 native 0" "trunk 1-4094 0" \
	"$(xvs_h hA -j port show sw uplink | jfield 'j[0]["vlan_mode"]+" "+j[0]["trunk_vlans"]+" "+str(j[0]["native_vlan"])')"
expect_eq "host NIC is port 'host' of kind host on sw-sw" "host sw-sw" \
	"$(xvs_h hA -j port show sw host | jfield 'j[0]["kind"]+" "+j[0]["dev"]')"
expect_ok "host A has the host NIC 'sw'" dev_exists hA sw
expect_fail "host B (--no-management-os) has no host NIC" dev_exists hB sw
expect_fail "host B (--no-management-os) has no port 'host'" xvs_h hB port show sw host
expect_ok "dataplane attached on the trunk end of host A" has_dp hA trunk
expect_ok "dataplane attached on VM port a10" has_dp hA a10

# ---- traffic, captured on every VM's interface ----
ALL="a10 b10 a20 b20 a0 b0 at bt"
for vm in $ALL; do setup cap_start "$vm" "$vm" eth0; done

group() { case $1 in a10 | b10) echo 10 ;; a20 | b20) echo 20 ;; *) echo 0 ;; esac; }
ENDPOINTS="a10 b10 a20 b20 a0 b0 hA"
args=()
for s in $ENDPOINTS; do
	for d in $ENDPOINTS; do
		[[ $s == "$d" ]] && continue
		if [[ $(group "$s") == "$(group "$d")" ]]; then e=ok; else e=fail; fi
		args+=("$s" "${VM_IP[$d]}" "$e")
	done
done
declare -A NAME_OF_IP=()
for d in $ENDPOINTS; do NAME_OF_IP[${VM_IP[$d]}]=$d; done
while read -r s ip e seen; do
	d=${NAME_OF_IP[$ip]}
	if [[ $e == ok ]]; then what="reaches"; else what="cannot reach"; fi
	expect_eq "ping: $s (vlan $(group "$s")) $what $d (vlan $(group "$d"))" "$e" "$seen"
done < <(ping_matrix "${args[@]}")

# Tagged frames into an access port are dropped, even when tagged with the port's own VLAN.
a10_filtered0=$(drop_count hA sw a10 filtered-vlan)
BC="Ether(dst='ff:ff:ff:ff:ff:ff', src='${VM_MAC[a10]}')"
setup send_frames a10 eth0 "$BC/Dot1Q(vlan=20)/IP(dst='10.0.0.255')/UDP(dport=7777)/Raw(b'xvsit')"
setup send_frames a10 eth0 "$BC/Dot1Q(vlan=10)/IP(dst='10.0.0.255')/UDP(dport=7777)/Raw(b'xvsit')"
# A trunk port accepts its VLANs tagged, and drops the others.
BC="Ether(dst='ff:ff:ff:ff:ff:ff', src='${VM_MAC[at]}')"
setup send_frames at eth0 "$BC/Dot1Q(vlan=10)/IP(dst='10.0.0.255')/UDP(dport=7778)/Raw(b'xvsit')"
setup send_frames at eth0 "$BC/Dot1Q(vlan=20)/IP(dst='10.0.0.255')/UDP(dport=7779)/Raw(b'xvsit')"
setup send_frames at eth0 "$BC/Dot1Q(vlan=4095)/IP(dst='10.0.0.255')/UDP(dport=7779)/Raw(b'xvsit')"
setup send_frames at eth0 "Ether(dst='ff:ff:ff:ff:ff:ff', src='${VM_MAC[at]}', type=0x88a8)/Dot1Q(vlan=10)/IP(dst='10.0.0.255')/UDP(dport=7779)/Raw(b'xvsit')"
# VLAN-0 stacking (priority tag followed by another tag) is dropped; a frame tagged 10 with a
# second tag inside may cross trunks but never leaves an access port still carrying a tag.
setup send_frames at eth0 "$BC/Dot1Q(vlan=0)/Dot1Q(vlan=10)/IP(dst='10.0.0.255')/UDP(dport=7780)/Raw(b'xvsit')"
setup send_frames at eth0 "$BC/Dot1Q(vlan=10)/Dot1Q(vlan=20)/IP(dst='10.0.0.255')/UDP(dport=7781)/Raw(b'xvsit')"
# shellcheck disable=SC2086 # a list of names
cap_stop $ALL

# ---- what each VM's interface saw ----
V10="a10 b10"
V20="a20 b20"
V0="a0 b0 hA"
others() {
	local g=$1 vm out=""
	for vm in a10 b10 a20 b20 a0 b0 hA; do [[ $(group "$vm") == "$g" ]] || out+=" $vm"; done
	echo "$out"
}
for vm in a10 b10 a20 b20 a0 b0; do
	g=$(group "$vm")
	peer=$(for x in a10 b10 a20 b20 a0 b0; do [[ $x != "$vm" && $(group "$x") == "$g" ]] && echo "$x"; done)
	expect_ge "capture $vm: frames from its VLAN peer $peer arrived" 1 "$(cap_count "$vm" "$(src_of "$peer")")"
	# shellcheck disable=SC2046
	n=$(cap_count "$vm" "$(src_of $(others "$g"))")
	expect_eq "capture $vm: no frame from a VM of another VLAN" 0 "$n"
	expect_eq "capture $vm: no tagged frame on an access/untagged port" 0 "$(cap_count "$vm" vlan)"
	expect_eq "capture $vm: no frame from the tagged injections" 0 \
		"$(cap_count "$vm" "udp port 7777 or udp port 7779")"
	[[ $n == 0 ]] || cap_show "$vm" >&2
done
for vm in a10 b10; do
	expect_eq "capture $vm: trunk VM's frame tagged 10 arrived untagged" 1 "$(cap_count "$vm" "udp port 7778")"
done
for vm in a20 b20 a0 b0; do
	expect_eq "capture $vm: trunk VM's frame tagged 10 did not arrive" 0 "$(cap_count "$vm" "udp port 7778")"
done
for vm in a10 b10 a20 b20 a0 b0; do
	expect_eq "capture $vm: no VLAN-0-stacked or double-tagged frame" 0 \
		"$(cap_count "$vm" "ether src ${VM_MAC[at]} and vlan")"
done
expect_ge "stats at: VLAN-0 stacking counted" 1 "$(drop_count hA sw at vlan0-stacking)"

# Sniffer at: trunk 10 (native 0). bt: trunk 20 (native 0).
check_sniffer() {
	local vm=$1 vid=$2 in_vlan=$3 not_vlan=$4 all tagged
	# shellcheck disable=SC2086
	all=$(cap_count "$vm" "$(src_of $in_vlan)")
	# shellcheck disable=SC2086
	tagged=$(cap_count "$vm" "$(src_of $in_vlan) and vlan $vid")
	expect_ge "capture $vm (trunk $vid): frames of VLAN $vid arrived" 1 "$all"
	expect_eq "capture $vm (trunk $vid): every VLAN $vid frame tagged $vid" "$all" "$tagged"
	# shellcheck disable=SC2086
	expect_eq "capture $vm (trunk $vid): no frame of VLAN $(group "${not_vlan%% *}")" 0 \
		"$(cap_count "$vm" "$(src_of $not_vlan)")"
	# shellcheck disable=SC2086
	all=$(cap_count "$vm" "$(src_of $V0)")
	expect_ge "capture $vm (trunk $vid): native (untagged network) frames arrived" 1 "$all"
	# shellcheck disable=SC2086
	expect_eq "capture $vm (trunk $vid): native frames untagged" "$all" \
		"$(cap_count "$vm" "$(src_of $V0) and not vlan")"
}
check_sniffer at 10 "$V10" "$V20"
check_sniffer bt 20 "$V20" "$V10"
expect_eq "capture bt: trunk VM frames tagged 10/20/4095/QinQ not received" 0 \
	"$(cap_count bt "udp port 7778 or udp port 7779 or (vlan and (udp port 7778 or udp port 7779))")"

# ---- counters and learning ----
expect_ge "stats a10: tagged frames counted as filtered-vlan drops" $((a10_filtered0 + 2)) \
	"$(drop_count hA sw a10 filtered-vlan)"
expect_ge "stats at: VLAN 20 frame counted as filtered-vlan drop" 1 "$(drop_count hA sw at filtered-vlan)"
expect_ge "stats at: VID 4095 frame counted" 1 "$(drop_count hA sw at vlan-4095)"
expect_ge "stats at: 802.1ad frame counted as bad-tpid" 1 "$(drop_count hA sw at bad-tpid)"
fdb_port() { xvs_h "$1" -j fdb show sw --vlan "$2" | jfield "[e['port'] for e in j if e['mac']=='$3'] or ['none']" | tr -d "[]'"; }
expect_eq "fdb hA: b10 learned on uplink in VLAN 10" uplink "$(fdb_port hA 10 "${VM_MAC[b10]}")"
expect_eq "fdb hA: a10 learned on port a10 in VLAN 10" a10 "$(fdb_port hA 10 "${VM_MAC[a10]}")"
expect_eq "fdb hB: a20 learned on uplink in VLAN 20" uplink "$(fdb_port hB 20 "${VM_MAC[a20]}")"
expect_eq "fdb hB: host A's NIC learned on uplink in VLAN 0" uplink "$(fdb_port hB 0 "$HOSTA_MAC")"
expect_eq "fdb hB: a10 not learned in VLAN 20" none "$(fdb_port hB 20 "${VM_MAC[a10]}")"

it_end
