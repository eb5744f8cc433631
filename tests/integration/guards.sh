#!/usr/bin/env bash
# DHCP guard and router guard: VM rg (a guarded port) crafts every kind of guarded frame with
# scapy — DHCPv4/DHCPv6 server messages, ICMPv4/ICMPv6 router messages, behind IPv6 extension
# headers, priority-tagged and in LLC/SNAP — and none reaches VM wt (tcpdump there), each is
# counted under its reason; with the guards off the same frames arrive (so the capture works).
# Benign frames from the guarded port pass. Then real services: a DHCP server (dnsmasq) on an
# unguarded port gives client cl a lease while a rogue dnsmasq on the guarded port is not
# heard; a router (dnsmasq RAs) on the unguarded port lets cl autoconfigure (SLAAC) while a
# rogue RA from the guarded port changes nothing.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

for tool in dnsmasq busybox; do
	command -v "$tool" >/dev/null || { fail "setup: $tool is not installed (make setup)"; exit 1; }
done

RG=02:00:00:00:05:66
setup host_add h
setup xvs_h h switch add gsw --type private
setup vm_add h rg $RG 10.0.5.66/24
setup vm_add h rt 02:00:00:00:05:01 10.0.5.1/24
setup vm_add h cl 02:00:00:00:05:02
setup vm_add h wt 02:00:00:00:05:03 10.0.5.3/24
setup xvs_h h port add gsw rg --dev rg --mac $RG
for vm in rt cl wt; do setup xvs_h h port add gsw "$vm" --dev "$vm" --mac "${VM_MAC[$vm]}"; done
setup xvs_h h port set gsw rg dhcp-guard on
setup xvs_h h port set gsw rg router-guard on

expect_eq "port show: guards on for rg" "True True" \
	"$(xvs_h h -j port show gsw rg | jfield 'str(j[0]["dhcp_guard"])+" "+str(j[0]["router_guard"])')"
expect_eq "port show: guards off by default" "False False" \
	"$(xvs_h h -j port show gsw cl | jfield 'str(j[0]["dhcp_guard"])+" "+str(j[0]["router_guard"])')"
expect_ok "port show table: POLICY lists the guards" \
	grep -q "dhcp-guard router-guard" <<<"$(xvs_h h port show gsw rg)"

# ---- crafted frames ----------------------------------------------------------------------

E="Ether(src='$RG', dst='ff:ff:ff:ff:ff:ff')"
E6="Ether(src='$RG', dst='33:33:00:00:00:01')"
I6="IPv6(src='fe80::66', dst='ff02::1')"
DHCP_FRAMES=(
	"$E/IP(src='10.0.5.66', dst='255.255.255.255')/UDP(sport=67, dport=68)/BOOTP(op=2, yiaddr='10.0.5.200')/DHCP(options=[('message-type', 'offer'), 'end'])"
	"$E/IP(src='10.0.5.66', dst='255.255.255.255')/UDP(sport=67, dport=68)/BOOTP(op=2, yiaddr='10.0.5.200')/DHCP(options=[('message-type', 'ack'), 'end'])"
	"Ether(src='$RG', dst='33:33:00:01:00:02')/IPv6(src='fe80::66', dst='ff02::1:2')/UDP(sport=547, dport=546)/DHCP6_Advertise()"
	"Ether(src='$RG', dst='33:33:00:01:00:02')/IPv6(src='fe80::66', dst='ff02::1:2')/UDP(sport=547, dport=546)/DHCP6_Reply()"
	"Ether(src='$RG', dst='ff:ff:ff:ff:ff:ff')/Dot1Q(vlan=0)/IP(src='10.0.5.66', dst='255.255.255.255')/UDP(sport=67, dport=68)/BOOTP(op=2)/DHCP(options=[('message-type', 'offer'), 'end'])"
)
ROUTER_FRAMES=(
	"$E/IP(src='10.0.5.66', dst='10.0.5.255')/ICMP(type=5, code=1, gw='10.0.5.66')/IP(src='10.0.5.3', dst='10.9.9.9')/UDP()"
	"$E/IP(src='10.0.5.66', dst='224.0.0.1')/ICMP(type=9)"
	"$E6/$I6/ICMPv6ND_RA()"
	"$E6/$I6/ICMPv6ND_Redirect(tgt='fe80::66', dst='fd00::1')"
	"$E6/$I6/IPv6ExtHdrHopByHop()/ICMPv6ND_RA()"
	"$E6/$I6/IPv6ExtHdrDestOpt()/ICMPv6ND_RA()"
	"$E6/$I6/IPv6ExtHdrRouting()/ICMPv6ND_RA()"
	"$E6/$I6/IPv6ExtHdrFragment(offset=0, m=1, id=7)/ICMPv6ND_RA()"
	"$E6/$I6/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt()/IPv6ExtHdrFragment(offset=0, m=0, id=8)/ICMPv6ND_Redirect(tgt='fe80::66', dst='fd00::1')"
	"Ether(src='$RG', dst='33:33:00:00:00:01')/Dot1Q(vlan=0, prio=5)/$I6/ICMPv6ND_RA()"
	"Dot3(src='$RG', dst='33:33:00:00:00:01')/LLC(dsap=0xaa, ssap=0xaa, ctrl=3)/SNAP(OUI=0, code=0x86dd)/$I6/ICMPv6ND_RA()"
	"Dot3(src='$RG', dst='ff:ff:ff:ff:ff:ff')/LLC(dsap=0xaa, ssap=0xaa, ctrl=3)/SNAP(OUI=0, code=0x0800)/IP(src='10.0.5.66', dst='224.0.0.1')/ICMP(type=9)"
)
BENIGN_FRAMES=(
	"$E/ARP(op=1, hwsrc='$RG', psrc='10.0.5.66', pdst='10.0.5.3')"
	"Ether(src='$RG', dst='33:33:ff:00:00:03')/IPv6(src='fe80::66', dst='ff02::1:ff00:3')/ICMPv6ND_NS(tgt='fe80::3')/ICMPv6NDOptSrcLLAddr(lladdr='$RG')"
	"$E6/$I6/ICMPv6ND_NA(tgt='fe80::66', R=0)"
	"Ether(src='$RG', dst='33:33:00:00:00:02')/IPv6(src='fe80::66', dst='ff02::2')/ICMPv6ND_RS()"
	"$E/IP(src='0.0.0.0', dst='255.255.255.255')/UDP(sport=68, dport=67)/BOOTP(op=1, chaddr=bytes.fromhex('020000000566'))/DHCP(options=[('message-type', 'discover'), 'end'])"
	"Ether(src='$RG', dst='33:33:00:01:00:02')/IPv6(src='fe80::66', dst='ff02::1:2')/UDP(sport=546, dport=547)/DHCP6_Solicit()"
)
list_of() { local IFS=,; printf '[%s]' "$*"; }

# send_batch TAG FRAMES...: send the frames from rg, return what reached wt from rg's MAC.
send_batch() {
	local tag=$1
	shift
	setup cap_start "$tag" wt eth0
	setup send_frames rg eth0 "$(list_of "$@")"
	cap_stop "$tag"
	cap_count "$tag" "ether src $RG"
}

d0=$(drop_count h gsw rg dhcp-guard)
r0=$(drop_count h gsw rg router-guard)
expect_eq "guards on: no DHCP server message from rg reaches wt" 0 \
	"$(send_batch dhcp-on "${DHCP_FRAMES[@]}")"
expect_eq "guards on: no router message from rg reaches wt (plain, extension headers, fragment, VID 0, LLC/SNAP)" 0 \
	"$(send_batch router-on "${ROUTER_FRAMES[@]}")"
expect_eq "guards on: counted as dhcp-guard drops" $((d0 + ${#DHCP_FRAMES[@]})) \
	"$(drop_count h gsw rg dhcp-guard)"
expect_eq "guards on: counted as router-guard drops" $((r0 + ${#ROUTER_FRAMES[@]})) \
	"$(drop_count h gsw rg router-guard)"
expect_eq "guards on: ARP, NS, NA, RS, DHCP discover and solicit from rg reach wt" \
	"${#BENIGN_FRAMES[@]}" "$(send_batch benign-on "${BENIGN_FRAMES[@]}")"

setup xvs_h h port set gsw rg dhcp-guard off
setup xvs_h h port set gsw rg router-guard off
expect_eq "guards off: the same DHCP server messages reach wt" "${#DHCP_FRAMES[@]}" \
	"$(send_batch dhcp-off "${DHCP_FRAMES[@]}")"
expect_eq "guards off: the same router messages reach wt" "${#ROUTER_FRAMES[@]}" \
	"$(send_batch router-off "${ROUTER_FRAMES[@]}")"
setup xvs_h h port set gsw rg dhcp-guard on
setup xvs_h h port set gsw rg router-guard on

# ---- DHCP: a real server on an unguarded port, a rogue one on the guarded port --------------

# dnsmasq_start VM NAME ARGS...: a DHCP (or RA) server in VM, killed at cleanup (it runs in the
# VM's namespace, whose processes lib.sh kills).
dnsmasq_start() {
	local vm=$1 name=$2
	shift 2
	nsx "$vm" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --port=0 \
		--interface=eth0 --bind-interfaces --user=root --group=root \
		--dhcp-leasefile="$IT_TMP/$name.leases" --pid-file="$IT_TMP/$name.pid" \
		--log-facility="$IT_TMP/$name.log" "$@" &
	IT_PIDS+=($!)
}
cat >"$IT_TMP/udhcpc.sh" <<'EOF'
#!/bin/sh
# udhcpc calls this on each event; record the lease and who gave it.
[ "$1" = bound ] && echo "$ip $serverid" >>"$LEASE_FILE"
exit 0
EOF
chmod +x "$IT_TMP/udhcpc.sh"
# lease_of: run a DHCP client in cl (4 discovers, 1 s apart); print "IP SERVER" or nothing.
lease_of() {
	rm -f "$IT_TMP/lease"
	nsx cl env LEASE_FILE="$IT_TMP/lease" busybox udhcpc -i eth0 -n -q -t 4 -T 1 \
		-s "$IT_TMP/udhcpc.sh" >/dev/null 2>&1
	cat "$IT_TMP/lease" 2>/dev/null
}

dnsmasq_start rg rogue --dhcp-range=10.0.5.200,10.0.5.210,1h --dhcp-authoritative
sleep 0.5
expect_eq "rogue DHCP server behind dhcp-guard: the client gets no lease" "" "$(lease_of)"
dnsmasq_start rt real --dhcp-range=10.0.5.100,10.0.5.150,1h
sleep 0.5
lease=$(lease_of)
expect_eq "real DHCP server on an unguarded port: the client's lease comes from it" "10.0.5.1" \
	"${lease#* }"
expect_ok "the lease is in the real server's range" grep -Eq '^10\.0\.5\.1[0-4][0-9] ' <<<"$lease"
expect_ge "the rogue server's offers were dropped by dhcp-guard" 1 \
	"$(($(drop_count h gsw rg dhcp-guard) - d0 - ${#DHCP_FRAMES[@]}))"

# ---- SLAAC: a router on an unguarded port, a rogue RA from the guarded port -------------------

for vm in rt cl rg; do
	setup nsx "$vm" sysctl -q -w net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
		net.ipv6.conf.eth0.disable_ipv6=0 net.ipv6.conf.eth0.accept_ra=1 net.ipv6.conf.eth0.autoconf=1 \
		net.ipv6.conf.eth0.accept_dad=0 # no DAD wait before the router solicitation
done
setup nsx rt ip -6 addr add fd00:5::1/64 dev eth0 nodad
dnsmasq_start rt ra --dhcp-range=fd00:5::,ra-only,64,1h --enable-ra --ra-param=eth0,3
# The rogue router advertises another prefix, many times, while cl configures itself.
setup send_frames rg eth0 "$E6/$I6/ICMPv6ND_RA(routerlifetime=1800)/ICMPv6NDOptPrefixInfo(prefix='fd66::', prefixlen=64, L=1, A=1, validlifetime=3600, preferredlifetime=3600)" 5
slaac_addr() { nsx cl ip -6 -o addr show dev eth0 scope global | awk '{ print $4 }' | grep "^$1" | head -1; }
# Up to 30 s (a busy machine delays dnsmasq's first RA); a new router solicitation every 4 s
# (toggling the link more often would restart the kernel's solicitation before it is sent).
for ((i = 0; i < 60; i++)); do
	[[ -n $(slaac_addr fd00:5:) ]] && break
	((i % 8 == 7)) && { nsx cl ip link set eth0 down && nsx cl ip link set eth0 up; }
	sleep 0.5
done
expect_ok "SLAAC: cl autoconfigured an address from the real router's prefix" \
	test -n "$(slaac_addr fd00:5:)"
setup send_frames rg eth0 "$E6/$I6/ICMPv6ND_RA(routerlifetime=1800)/ICMPv6NDOptPrefixInfo(prefix='fd66::', prefixlen=64, L=1, A=1, validlifetime=3600, preferredlifetime=3600)" 5
sleep 0.5
expect_eq "SLAAC: no address from the rogue router's prefix" "" "$(slaac_addr fd66:)"
expect_eq "SLAAC: the rogue router is not cl's default route" "" \
	"$(nsx cl ip -6 route show default | grep -i 'fe80::66')"
# The control: without router-guard the same RA is heard.
setup xvs_h h port set gsw rg router-guard off
setup send_frames rg eth0 "$E6/$I6/ICMPv6ND_RA(routerlifetime=1800)/ICMPv6NDOptPrefixInfo(prefix='fd66::', prefixlen=64, L=1, A=1, validlifetime=3600, preferredlifetime=3600)" 2
for ((i = 0; i < 20; i++)); do
	[[ -n $(slaac_addr fd66:) ]] && break
	sleep 0.2
done
expect_ok "router-guard off: the same rogue RA gives cl an fd66:: address (the check above can fail)" \
	test -n "$(slaac_addr fd66:)"

it_end
