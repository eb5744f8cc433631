#!/usr/bin/env bash
# xvs demo: two "hypervisor hosts" (network namespaces), each with an external xvs switch.
# Their uplinks are joined by a veth that acts as an 802.1Q trunk. Each host runs a VM on
# VLAN 10 and a VM on VLAN 20 (namespaces with a veth), and host A's own NIC (the host adapter
# the switch creates, named after it) sits on VLAN 10 with an address. All addresses share ONE
# IP subnet, so only the switch's VLANs decide who can talk.
#
#          host A                                          host B
#   vm-a10 (10.0.0.11, VLAN 10) --+                 +-- vm-b10 (10.0.0.12, VLAN 10)
#   vm-a20 (10.0.0.21, VLAN 20) --+-- [vswitch] ====+== [vswitch] --+-- vm-b20 (10.0.0.22, VLAN 20)
#   host NIC "vswitch" (10.0.0.1, VLAN 10) --+   trunk (uplinks, 1-4094)
#
# It pings every pair, prints the expected and the observed reachability, then `xvs fdb show`
# and `xvs stats` of both switches, and removes everything it created (also on failure or ^C).
# Exit status: 0 when every ping behaved as expected. Needs root; run `make` first.
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XVS_BIN=${XVS_BIN:-$TOP/build/xvs}
P="xvsdemo-$$-"
TMP="/tmp/${P}tmp"
SW=vswitch
NSES=()

if [[ $EUID -ne 0 ]]; then
	echo "demo: needs root (network namespaces, XDP, bpffs)" >&2
	exit 1
fi
if [[ ! -x $XVS_BIN ]]; then
	echo "demo: $XVS_BIN is missing: run make first" >&2
	exit 1
fi
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

bold() { if [[ -t 1 ]]; then printf '\n\033[1m%s\033[0m\n' "$*"; else printf '\n== %s\n' "$*"; fi; }
nsx() { local n=$1; shift; nsenter --net="/run/netns/$P$n" "$@"; }
# xvs on a host: its own namespace (nsenter keeps bpffs visible) and its own state directories.
xvs_on() {
	local h=$1
	shift
	nsenter --net="/run/netns/$P$h" env XVS_ROOT="/sys/fs/bpf/$P$h" XVS_RUN="$TMP/run-$h" \
		"$XVS_BIN" "$@"
}
# Show the command as a user would type it on that host, then run it.
run() {
	local h=$1
	shift
	printf '  [%s]# xvs %s\n' "$h" "$*"
	xvs_on "$h" "$@" || { echo "demo: xvs $* failed on $h" >&2; exit 1; }
}

cleanup() {
	local h n pid
	trap - EXIT INT TERM
	for h in hostA hostB; do
		[[ -e /run/netns/$P$h && -d /sys/fs/bpf/$P$h ]] && xvs_on "$h" switch del "$SW" >/dev/null 2>&1
		rm -rf "/sys/fs/bpf/$P$h"
	done
	for n in "${NSES[@]}"; do
		for pid in $(ip netns pids "$P$n" 2>/dev/null); do kill "$pid" 2>/dev/null; done
		ip netns del "$P$n" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ns_add() {
	ip netns add "$P$1" || exit 1
	NSES+=("$1")
	nsx "$1" ip link set lo up
	# No IPv6: keeps the FDB and counters to what the demo's pings did.
	nsx "$1" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;
		echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null
}
# veth NS_A IF_A NS_B IF_B: a veth pair between two namespaces, VLAN offloads off, both up;
# GRO on the B end (frames XDP redirects into the A end are dropped unless B has XDP or GRO).
veth() {
	ip link add name "$2" netns "$P$1" type veth peer name "$4" netns "$P$3" || exit 1
	nsx "$1" ethtool -K "$2" rxvlan off txvlan off tx off >/dev/null 2>&1
	nsx "$3" ethtool -K "$4" rxvlan off txvlan off tx off gro on >/dev/null 2>&1
	nsx "$1" ip link set "$2" up
	nsx "$3" ip link set "$4" up
}

mkdir -p "$TMP"
t0=$SECONDS
bold "1. Two hosts joined by a trunk, an external switch on each"
ns_add hostA
ns_add hostB
veth hostA trunk hostB trunk
run hostA switch add $SW --type external --uplink trunk
run hostB switch add $SW --type external --uplink trunk --no-management-os

bold "2. VMs on VLAN 10 and VLAN 20 on both hosts; host A's NIC on VLAN 10"
#       VM      host   VLAN IP         MAC
VMS=("vm-a10 hostA 10 10.0.0.11 02:00:00:00:0a:10"
	"vm-a20 hostA 20 10.0.0.21 02:00:00:00:0a:20"
	"vm-b10 hostB 10 10.0.0.12 02:00:00:00:0b:10"
	"vm-b20 hostB 20 10.0.0.22 02:00:00:00:0b:20")
for v in "${VMS[@]}"; do
	read -r vm h vid ip mac <<<"$v"
	ns_add "$vm"
	veth "$h" "$vm" "$vm" eth0
	nsx "$vm" ip link set eth0 address "$mac"
	nsx "$vm" ip addr add "$ip/24" dev eth0
	run "$h" port add $SW "$vm" --dev "$vm" --mac "$mac"
	run "$h" port set $SW "$vm" vlan access "$vid"
done
run hostA port set $SW host vlan access 10
printf '  [hostA]# ip addr add 10.0.0.1/24 dev %s\n' "$SW"
nsx hostA ip addr add 10.0.0.1/24 dev $SW
echo
xvs_on hostA switch show
echo
xvs_on hostA port show $SW

bold "3. Ping every pair (same subnet everywhere: only VLANs separate them)"
# label  namespace  VLAN  address
EPS=("vm-a10 vm-a10 10 10.0.0.11"
	"vm-b10 vm-b10 10 10.0.0.12"
	"vm-a20 vm-a20 20 10.0.0.21"
	"vm-b20 vm-b20 20 10.0.0.22"
	"hostA hostA 10 10.0.0.1")
declare -A EXPECT=()
pids=()
for s in "${EPS[@]}"; do
	read -r sn sns svid _ <<<"$s"
	for d in "${EPS[@]}"; do
		read -r dn _ dvid dip <<<"$d"
		[[ $sn == "$dn" ]] && continue
		if [[ $svid == "$dvid" ]]; then EXPECT[$sn,$dn]=ok; else EXPECT[$sn,$dn]=--; fi
		( if nsx "$sns" ping -c 2 -W 1 -i 0.2 -q "$dip" >/dev/null 2>&1; then echo ok; else echo --; fi \
			>"$TMP/$sn,$dn" ) &
		pids+=($!)
	done
done
wait "${pids[@]}"
bad=0
total=0
W=8
cols() { local d; for d in "${EPS[@]}"; do printf "%-${W}s" "${d%% *}"; done; }
printf '%-18s%-*s  %s\n' "" $((W * ${#EPS[@]})) "expected" "seen"
printf '%-18s%s  %s\n' "from \\ to" "$(cols)" "$(cols)"
for s in "${EPS[@]}"; do
	read -r sn _ svid _ <<<"$s"
	exp="" seen=""
	for d in "${EPS[@]}"; do
		dn=${d%% *}
		if [[ $sn == "$dn" ]]; then
			exp+=$(printf "%-${W}s" " .")
			seen+=$(printf "%-${W}s" " .")
			continue
		fi
		cell=$(cat "$TMP/$sn,$dn")
		total=$((total + 1))
		if [[ $cell != "${EXPECT[$sn,$dn]}" ]]; then
			cell="$cell(!)"
			bad=$((bad + 1))
		fi
		exp+=$(printf "%-${W}s" " ${EXPECT[$sn,$dn]}")
		seen+=$(printf "%-${W}s" " $cell")
	done
	printf '%-18s%s  %s\n' "$sn (VLAN $svid)" "$exp" "$seen"
done
echo "  ok = ping answered; -- = no answer (other VLAN); (!) = not as expected"
if ((bad == 0)); then
	echo "  all $total pings as expected"
else
	echo "  $bad of $total pings NOT as expected"
fi

bold "4. What the switches learned"
for h in hostA hostB; do
	printf '  [%s]# xvs fdb show %s\n' "$h" "$SW"
	xvs_on "$h" fdb show $SW
	echo
done

bold "5. Counters"
for h in hostA hostB; do
	printf '  [%s]# xvs stats %s\n' "$h" "$SW"
	xvs_on "$h" stats $SW
	echo
done

bold "6. Clean up"
run hostA switch del $SW
run hostB switch del $SW
echo "  demo took $((SECONDS - t0))s"
if ((bad)); then
	echo "demo: FAILED: $bad ping(s) not as expected" >&2
	exit 1
fi
echo "demo: OK"
