#!/usr/bin/env bash
# The demo site (tools/site.sh, the same code `make demo` runs): two hypervisor hosts with an
# external switch each (--no-management-os, trunk uplink carrying VLANs 2-4) and a management
# NIC of their own on a separate network, a top-of-rack xvs switch with trunk ports to both
# hosts and an access port per department server, VMs of Sales (VLAN 2), Finance (3) and
# HR (4) on both hosts and two R&D VMs on a private switch, all in ONE IP subnet.
# Asserts every cell of the ping matrix (every endpoint to every other one) and every capture
# check: on every VM's and server's interface, both management NICs and both trunks (at the
# patch bridges), frames from the capture's own network arrived, none from R&D or any other
# network, VLAN tags only on the trunks and only 2,3,4; rd-2 got rd-1's broadcast and unknown
# unicast. Then a few facts about the configuration and what the switches learned.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../../tools/site.sh
. "$REPO_DIR/tools/site.sh"
it_begin

setup site_build
setup site_measure

# ---- every cell of the reachability matrix ----
n=0
while read -r s d e seen; do
	n=$((n + 1))
	if [[ $e == ok ]]; then what="reaches"; else what="cannot reach"; fi
	expect_eq "ping: $s (${S_GROUP[$s]}) $what $d (${S_GROUP[$d]})" "$e" "$seen"
done <"$IT_TMP/site.matrix"
expect_eq "ping matrix: every ordered pair measured" \
	$((${#SITE_EPS[@]} * (${#SITE_EPS[@]} - 1))) "$n"

# ---- every capture check ----
n=0
while read -r check tag e seen; do
	n=$((n + 1))
	case $check in
	own) desc="frames from its own network arrived" ;;
	rd) desc="no frame from the R&D VMs" ;;
	other) desc="no frame from any other network or unknown MAC" ;;
	tags) desc="VLAN tags seen: $e" ;;
	rd-bcast) desc="rd-1's broadcast ping arrived" ;;
	rd-unknown) desc="rd-1's unknown unicast arrived" ;;
	*) desc=$check ;;
	esac
	if site_matches "$e" "$seen"; then
		pass "capture $tag: $desc"
	else
		fail "capture $tag: $desc" "expected $e, seen $seen"
		[[ -f $IT_TMP/$tag.pcap ]] && cap_show "$tag" >&2
	fi
done <"$IT_TMP/site.captures"
expect_eq "captures: all $(site_capture_points | wc -l) capture points checked" \
	"$(site_capture_points | wc -l)" "$(awk '$1 == "other"' "$IT_TMP/site.captures" | wc -l)"

# ---- configuration ----
for h in hostA hostB; do
	expect_fail "$h (--no-management-os) has no host NIC on ext" dev_exists "$h" ext
	expect_fail "$h: no port 'host' on ext" xvs_h "$h" port show ext host
	expect_ok "$h: dataplane on the uplink" has_dp "$h" trunk
	expect_fail "$h: no dataplane on the management NIC" has_dp "$h" mgmt0
	expect_eq "$h: uplink is trunk 2-4" "trunk 2-4" \
		"$(xvs_h "$h" -j port show ext uplink | jfield 'j[0]["vlan_mode"]+" "+j[0]["trunk_vlans"]')"
done
expect_eq "hostA: rnd is private with ports rd-1 rd-2" "private rd-1 rd-2" \
	"$(xvs_h hostA -j switch show rnd | jfield 'j[0]["type"]') $(xvs_h hostA -j port show rnd | jfield '" ".join(sorted(p["name"] for p in j))')"
expect_fail "patch: no dataplane where the trunks are captured" has_dp patch hostA

# ---- what the switches learned ----
fdb_port() { # fdb_port HOST SWITCH VLAN MAC
	xvs_h "$1" -j fdb show "$2" --vlan "$3" | jfield "([e['port'] for e in j if e['mac']=='$4'] or ['none'])[0]"
}
expect_eq "fdb tor: sales-a learned on trunk port hostA in VLAN 2" hostA "$(fdb_port tor tor 2 "${S_MAC[sales-a]}")"
expect_eq "fdb tor: fin-b learned on trunk port hostB in VLAN 3" hostB "$(fdb_port tor tor 3 "${S_MAC[fin-b]}")"
expect_eq "fdb tor: hr-srv learned on its access port in VLAN 4" hr-srv "$(fdb_port tor tor 4 "${S_MAC[hr-srv]}")"
expect_eq "fdb hostA ext: sales-b learned on the uplink in VLAN 2" uplink "$(fdb_port hostA ext 2 "${S_MAC[sales-b]}")"
expect_eq "fdb tor: only department MACs (9), none of R&D or management" \
	"${S_MAC[sales-a]} ${S_MAC[sales-b]} ${S_MAC[sales-srv]} ${S_MAC[fin-a]} ${S_MAC[fin-b]} ${S_MAC[fin-srv]} ${S_MAC[hr-a]} ${S_MAC[hr-b]} ${S_MAC[hr-srv]}" \
	"$(xvs_h tor -j fdb show tor | jfield '" ".join(sorted(e["mac"] for e in j))')"
expect_eq "fdb hostA rnd: only rd-1 and rd-2" "${S_MAC[rd-1]} ${S_MAC[rd-2]}" \
	"$(xvs_h hostA -j fdb show rnd | jfield '" ".join(sorted(e["mac"] for e in j))')"
expect_eq "stats hostA rnd: no drops" 0 \
	"$(xvs_h hostA -j stats rnd | jfield 'sum(sum(p["drops"].values()) for p in j)')"

it_end
