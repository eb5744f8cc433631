#!/usr/bin/env bash
# Private VLANs across two hosts joined by a trunk: primary 100, isolated secondary 101,
# community secondary 102. A router (promiscuous) on host A; isolated and community VMs on
# both hosts, all in ONE IP subnet. Isolated VMs reach only the router, community VMs reach
# their community and the router, the router reaches everyone; what the trunk carries is
# tagged with the VID each frame was sent on. Then the CLI: a configuration that would break a
# domain is refused with one line and changes nothing.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add hA
setup host_add hB
setup link_add hA trunk hB trunk
setup xvs_h hA switch add sw --type external --uplink trunk --no-management-os
setup xvs_h hB switch add sw --type external --uplink trunk --no-management-os

# VM    host  MAC                mode                   IP
VMS="
rtr   hA    02:00:00:00:64:01  promiscuous:100:101,102  10.0.9.1
ia    hA    02:00:00:00:65:0a  isolated:100:101         10.0.9.2
ib    hB    02:00:00:00:65:0b  isolated:100:101         10.0.9.3
ca    hA    02:00:00:00:66:0a  community:100:102        10.0.9.4
cb    hB    02:00:00:00:66:0b  community:100:102        10.0.9.5
ia2   hA    02:00:00:00:65:1a  isolated:100:101         10.0.9.6
"
# A trunk-mode sniffer on host B: it receives every flooded frame of the domain, tagged.
setup vm_add hB snif 02:00:00:00:ff:0b
setup xvs_h hB port add sw snif --dev snif
setup xvs_h hB port set sw snif vlan trunk 100-102
while read -r vm h mac mode ip; do
	[[ -n $vm ]] || continue
	setup vm_add "$h" "$vm" "$mac" "$ip/24"
	setup xvs_h "$h" port add sw "$vm" --dev "$vm"
	IFS=: read -r m p s <<<"$mode"
	setup xvs_h "$h" port set sw "$vm" vlan "$m" "$p" "$s"
done <<<"$VMS"

expect_eq "port show: isolated 100/101" "isolated 100 101" \
	"$(xvs_h hA -j port show sw ia | jfield 'j[0]["vlan_mode"]+" "+str(j[0]["primary_vlan"])+" "+str(j[0]["secondary_vlan"])')"
expect_eq "port show: promiscuous 100 {101,102}" "promiscuous 100 101-102" \
	"$(xvs_h hA -j port show sw rtr | jfield 'j[0]["vlan_mode"]+" "+str(j[0]["primary_vlan"])+" "+j[0]["secondary_vlans"]')"

setup cap_start snif snif eth0
for vm in ia ib ca cb; do setup cap_start "$vm" "$vm" eth0; done
while read -r s d e seen; do
	expect_eq "ping: $s -> $d ($e)" "$e" "$seen"
done < <(ping_matrix \
	ia 10.0.9.1 ok ib 10.0.9.1 ok ca 10.0.9.1 ok cb 10.0.9.1 ok \
	ca 10.0.9.5 ok cb 10.0.9.4 ok rtr 10.0.9.3 ok rtr 10.0.9.5 ok \
	ia 10.0.9.3 fail ib 10.0.9.2 fail ia 10.0.9.6 fail ia2 10.0.9.2 fail \
	ia 10.0.9.4 fail ca 10.0.9.2 fail ib 10.0.9.5 fail cb 10.0.9.3 fail)
# One broadcast from each of host A's VMs, so the sniffer check does not depend on who ARPed.
for vm in rtr ia ca; do
	setup send_frames "$vm" eth0 "Ether(dst='ff:ff:ff:ff:ff:ff', src='${VM_MAC[$vm]}')/IP(dst='10.0.9.255')/UDP(dport=7900)"
done
cap_stop snif ia ib ca cb

# Across the trunk, at host B's trunk-mode sniffer: host A's broadcasts arrive tagged with the
# VID each was sent on — the router's with the primary, ia's with 101, ca's with 102.
expect_ge "sniffer: router's broadcasts tagged 100" 1 "$(cap_count snif "vlan 100 and $(src_of rtr)")"
expect_ge "sniffer: ia's broadcasts tagged 101" 1 "$(cap_count snif "vlan 101 and $(src_of ia)")"
expect_ge "sniffer: ca's broadcasts tagged 102" 1 "$(cap_count snif "vlan 102 and $(src_of ca)")"
expect_eq "sniffer: no untagged frame" 0 "$(cap_count snif "not vlan")"
# Isolated VMs never heard each other, not even their ARP broadcasts.
expect_eq "ib heard nothing from ia" 0 "$(cap_count ib "$(src_of ia)")"
expect_eq "ia heard nothing from ia2 (same host)" 0 "$(cap_count ia "$(src_of ia2)")"
expect_eq "ia heard nothing from ib" 0 "$(cap_count ia "$(src_of ib)")"
expect_eq "ia heard nothing from the community" 0 "$(cap_count ia "$(src_of ca) or $(src_of cb)")"
expect_ge "cb heard ca" 1 "$(cap_count cb "$(src_of ca)")"
for vm in ia ib ca cb; do expect_eq "$vm: no tagged frame" 0 "$(cap_count "$vm" vlan)"; done
# Shared learning: host A knows ia under the primary VID.
# shellcheck disable=SC2317 # called through expect_ok
ia_in_primary() { xvs_h hA fdb show sw --vlan 100 | grep -qi 02:00:00:00:65:0a; }
expect_ok "fdb: ia learned in primary VLAN 100" ia_in_primary

# Refused configurations: one line on stderr, exit 1, the port unchanged.
refused() { # DESC EXPECTED-WORDS ARGS...
	local desc=$1 words=$2 before after out rc
	shift 2
	before=$(xvs_h hA -j port show sw ia)
	out=$(xvs_h hA port set sw ia vlan "$@" 2>&1 >/dev/null)
	rc=$?
	after=$(xvs_h hA -j port show sw ia)
	if ((rc != 0)) && [[ $(wc -l <<<"$out") == 1 && $out == *"$words"* && $before == "$after" ]]; then
		pass "refused: $desc"
	else
		fail "refused: $desc" "rc=$rc" "stderr: $out"
	fi
}
refused "isolated VLAN reused as community" "is an isolated VLAN (port ia2)" community 100 101
refused "secondary of another primary" "already a secondary of primary VLAN 100" isolated 200 101
refused "secondary used as primary" "cannot also be a primary" isolated 101 300
refused "primary used as secondary" "is a primary VLAN" isolated 300 100
refused "secondary equal to primary" "must differ" isolated 100 100
refused "VID out of range" "4095" isolated 100 4095
refused "missing secondary" "usage" isolated 100
refused "promiscuous with an empty list" "VLAN list" promiscuous 100 ""

it_end
