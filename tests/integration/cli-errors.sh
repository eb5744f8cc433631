#!/usr/bin/env bash
# The CLI's bad-input contract: every bad command exits non-zero, prints exactly one line on
# stderr (and nothing on stdout), and changes nothing — compared on the JSON of switch show,
# port show and fdb show of every switch, the pins under $XVS_ROOT and `ip link` of the host.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add h
setup ns_add ext
setup link_add h up0 ext eth0
setup nsx h ip link add free type veth peer name free-p
setup nsx h ip link add taken type veth peer name taken-p
setup xvs_h h switch add csw --uplink up0
setup xvs_h h switch add other --type private
setup vm_add h c1 02:00:00:00:09:01
setup vm_add h c2 02:00:00:00:09:02
setup xvs_h h port add csw c1 --dev c1 --mac 02:00:00:00:09:01
setup xvs_h h port add other c2 --dev c2
setup xvs_h h port set csw c1 vlan access 10
setup xvs_h h fdb add csw 02:00:00:00:09:99 c1 --vlan 10
ROOT=$(host_root h)

snapshot() {
	local sw
	xvs_h h -j switch show | grep -v '"aging_sweeps"'
	for sw in csw other; do
		xvs_h h -j port show "$sw"
		xvs_h h -j fdb show "$sw" | grep -v '"age_sec"'
	done
	(cd "$ROOT" && find . | sort)
	nsx h ip -o link show
}

OUT="$IT_TMP/cli"
# bad DESC ARGS...: xvs ARGS must fail cleanly and change nothing.
bad() {
	local desc=$1 rc lines before after why=()
	shift
	before=$(snapshot)
	xvs_h h "$@" >"$OUT.stdout" 2>"$OUT.stderr"
	rc=$?
	after=$(snapshot)
	lines=$(wc -l <"$OUT.stderr")
	((rc != 0)) || why+=("exit status 0")
	[[ $lines == 1 && -s $OUT.stderr ]] || why+=("$lines lines on stderr: $(head -c 300 "$OUT.stderr")")
	[[ ! -s $OUT.stdout ]] || why+=("output on stdout: $(head -c 200 "$OUT.stdout")")
	[[ $before == "$after" ]] || why+=("state changed:" "$(diff <(echo "$before") <(echo "$after") | head -20)")
	if ((${#why[@]} == 0)); then
		pass "$desc: xvs $* -> $(cat "$OUT.stderr")"
	else
		fail "$desc: xvs $*" "${why[@]}"
	fi
}

# Sanity: the snapshot notices a change.
s0=$(snapshot)
setup xvs_h h port set other c2 link down
s1=$(snapshot)
setup xvs_h h port set other c2 link up
expect_ok "snapshot detects a change (link down)" test "$s0" != "$s1"
expect_eq "snapshot is stable when nothing changes" "$s0" "$(snapshot)"

# Unknown switch.
bad "unknown switch" port show nosuch
bad "unknown switch" port add nosuch p9 --dev free
bad "unknown switch" port set nosuch c1 link down
bad "unknown switch" port set nosuch c1 vlan access 10
bad "unknown switch" port del nosuch c1
bad "unknown switch" switch del nosuch
bad "unknown switch" switch show nosuch
bad "unknown switch" fdb show nosuch
bad "unknown switch" fdb add nosuch 02:00:00:00:00:01 c1
bad "unknown switch" fdb flush nosuch
bad "unknown switch" stats nosuch
bad "unknown switch (bad name)" port show ../csw
# Unknown port.
bad "unknown port" port show csw nope
bad "unknown port" port set csw nope link down
bad "unknown port" port set csw nope vlan access 10
bad "unknown port" port set csw nope mac-limit 5
bad "unknown port" port del csw nope
bad "unknown port" stats csw nope
bad "unknown port" fdb add csw 02:00:00:00:00:01 nope
bad "port of another switch" port set csw c2 link down
bad "port of another switch" port del csw c2
# VID outside 1-4094.
for v in 0 4095 abc -1 10x 99999 ""; do
	bad "bad VID" port set csw c1 vlan access "$v"
done
for v in 0 4095 abc; do
	bad "bad VID in trunk list" port set csw c1 vlan trunk "$v"
	bad "bad VID" fdb add csw 02:00:00:00:00:01 c1 --vlan "$v"
done
for v in 4095 abc -1; do  # native 0 is valid: the untagged network
	bad "bad native VID" port set csw c1 vlan trunk 10 native "$v"
done
bad "bad VID filter" fdb show csw --vlan 4095
bad "bad VID filter" fdb show csw --vlan abc
# Malformed VID lists.
for l in 2- 5-3 2,,3 ,2 "2," -3 2--3 2-3-4 1-4095 0-5 "" " " "2 3" 10,abc; do
	bad "malformed VID list" port set csw c1 vlan trunk "$l"
done
bad "missing 'native' value" port set csw c1 vlan trunk 10 native
bad "junk instead of 'native'" port set csw c1 vlan trunk 10 nativ 3
# Malformed MACs.
for m in 02:00:00:00:00 02:00:00:00:00:0g 02-00-00-00-00-01 02:00:00:00:00:01:02 2:0:0:0:0:1 \
	02:00:00:00:00:001 "" 01:00:5e:00:00:01; do
	bad "malformed MAC" port add csw p9 --dev free --mac "$m"
done
for m in zz 02:00:00:00:00:1 ff:ff:ff:ff:ff:ff 01:00:5e:00:00:01; do
	bad "bad MAC for a static entry" fdb add csw "$m" c1
done
# Netdevs that do not exist or are already taken.
bad "netdev does not exist" port add csw p9 --dev nosuchdev
bad "netdev does not exist" switch add new1 --uplink nosuchdev
bad "netdev of a port of another switch" port add csw p9 --dev c2
bad "netdev of a port of this switch" port add csw p9 --dev c1
bad "netdev is another switch's uplink" port add other p9 --dev up0
bad "netdev is a host port" port add other p9 --dev csw-sw
bad "netdev is a host NIC's name" switch add taken --type internal
bad "uplink already belongs to a switch" switch add new1 --uplink c1
bad "uplink already belongs to a switch" switch add new1 --uplink up0
# Duplicate names.
bad "duplicate switch" switch add csw --uplink free
bad "duplicate switch" switch add other --type private
bad "duplicate port" port add csw c1 --dev free
bad "duplicate port (host)" port add csw host --dev free
bad "duplicate port (uplink)" port add csw uplink --dev free
# Other bad input.
bad "switch name too long" switch add abcdefghijklm --type private
bad "bad switch name" switch add 'a/b' --type private
bad "bad switch type" switch add new1 --type bogus
bad "--uplink on a private switch" switch add new1 --type private --uplink free
bad "external switch without uplink" switch add new1 --type external
bad "unknown datapath" switch add new1 --datapath ebpf
bad "bad port name" port add csw 'p/9' --dev free
bad "bad link state" port set csw c1 link sideways
bad "bad mac-limit" port set csw c1 mac-limit -1
bad "bad mac-limit" port set csw c1 mac-limit abc
bad "bad mac-spoofing" port set csw c1 mac-spoofing maybe
bad "unknown port setting" port set csw c1 colour blue
bad "bad dhcp-guard" port set csw c1 dhcp-guard yes
bad "bad router-guard" port set csw c1 router-guard
bad "bad max-rate" port set csw c1 max-rate fast
bad "max-rate with a fraction" port set csw c1 max-rate 1.5mbit
bad "max-rate too high" port set csw c1 max-rate 101gbit
bad "max-rate too low" port set csw c1 max-rate 100bit
bad "max-rate on an unknown port" port set csw nope max-rate 10mbit
bad "bad storm-limit" port set csw c1 storm-limit -5
bad "bad min-weight" port set csw c1 min-weight 101
bad "bad uplink-rate" switch set csw uplink-rate 10mbps
bad "uplink-rate of an unknown switch" switch set nosuch uplink-rate 1gbit
bad "vmq on an emulated port" port set csw c1 vmq on
bad "bad vmq value" port set csw c1 vmq maybe
bad "unknown command" frobnicate
bad "unknown subcommand" switch frob
# A netdev that already carries someone else's XDP program: the failure comes late (at
# attach time), after the switch was loaded and its host NIC created: all of it must go.
# (The XDP flavour: a TC switch shares a netdev with an XDP program.)
if [[ $(it_datapath) == xdp ]]; then
	setup nsx h ip link set dev free xdpdrv pinned "$ROOT/other/xvs_ingress"
	bad "netdev has a foreign XDP program" switch add new1 --uplink free
	bad "netdev has a foreign XDP program" port add csw p9 --dev free
	setup nsx h ip link set dev free xdpdrv off
fi

# Good input still works afterwards.
expect_ok "valid: trunk 2-4,10 native 3" xvs_h h port set csw c1 vlan trunk 2-4,10 native 3
expect_eq "port show reflects it" "trunk 2-4,10 3" \
	"$(xvs_h h -j port show csw c1 | jfield 'j[0]["vlan_mode"]+" "+j[0]["trunk_vlans"]+" "+str(j[0]["native_vlan"])')"
expect_ok "valid: port add with a free netdev" xvs_h h port add csw p9 --dev free

it_end
