#!/usr/bin/env bash
# Jumbo frames on synthetic NICs: MTU 9000 end to end through xvsd's multi-buffer AF_XDP
# sockets (XDP_USE_SG, chains of umem frames) and the ring channel's chains of slots.
#
# Host A: external XDP switch sw with a trunk uplink (MTU 9000) to host B; synthetic VM s1
# (`port add --synthetic --mtu 9000`), synthetic VM s2 (default MTU 1500) and emulated VM v1
# (veth, MTU 9000) on access VLAN 10; host B: emulated v2 (MTU 9000). Checks: --mtu and
# `port set ... mtu` refusals change nothing; the guest's TAP gets the port's MTU; 8972-byte
# pings with don't-fragment both ways (same switch and across the trunk); TCP with MTU 9000
# both ways carries ~9000-byte frames; the largest frames (9014 bytes untagged, 9018 tagged
# on a trunk) arrive byte for byte, both ways; a frame one byte too long is dropped and counted,
# never truncated; a 1500-byte port gets no jumbo frame; `port set ... mtu` and `ip link set
# ... mtu` restart the guest's channel with the new MTU; with VMQ on, jumbo frames from the
# uplink take the port device (small ones VMQ); `xvs save` writes the MTU.
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC2317 # helpers called through expect_ok
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib-synthetic.sh
. "$(dirname "$0")/lib-synthetic.sh"
it_begin

S1_MAC=02:00:00:00:91:01
S2_MAC=02:00:00:00:92:01
V1_MAC=02:00:00:00:91:11

mtu() { nsx "$1" ip link set dev "$2" mtu "$3"; }
# (Not /sys/class/net: nsenter --net keeps the sysfs of the namespace it came from.)
dev_mtu() { nsx "$1" ip -o link show dev "$2" | grep -o ' mtu [0-9]*' | cut -d' ' -f3; }
tap_mtu() { dev_mtu "$1" eth0; }
big() { nsx "$1" ping -c 3 -W 2 -i 0.2 -q -M "do" -s 8972 "$2" >/dev/null 2>&1; }

setup host_add hA
setup host_add hB
setup link_add hA trunk hB trunk
setup mtu hA trunk 9000
setup mtu hB trunk 9000
setup xvs_h hA switch add sw --type external --uplink trunk --no-management-os --datapath xdp
setup xvs_h hB switch add sw --type external --uplink trunk --no-management-os --datapath xdp
setup vm_add hA v1 "$V1_MAC" 10.0.9.11/24
setup vm_add hB v2 02:00:00:00:91:12 10.0.9.12/24
for vm in v1 v2; do
	h=hA; [[ $vm == v2 ]] && h=hB
	setup mtu "$h" "$vm" 9000
	setup mtu "$vm" eth0 9000
	setup xvs_h "$h" port add sw "$vm" --dev "$vm"
	setup xvs_h "$h" port set sw "$vm" vlan access 10
done
setup xvsd_start hA

# ---- refusals: one line, nothing changed ----
refused "--mtu 9001" "invalid --mtu '9001': must be 68-9000" \
	xvs_h hA port add sw s1 --synthetic --mac "$S1_MAC" --mtu 9001
expect_fail "... adds no port" xvs_h hA port show sw s1
refused "--mtu on an emulated port" "--mtu is for synthetic ports" \
	xvs_h hA port add sw v9 --dev v1 --mtu 9000
refused "port set mtu on an emulated port" "mtu is for synthetic ports" \
	xvs_h hA port set sw v1 mtu 1500
expect_eq "... v1 keeps MTU 9000" 9000 "$(port_field hA sw v1 mtu)"

# ---- the ports ----
setup xvs_h hA port add sw s1 --synthetic --mac "$S1_MAC" --mtu 9000
setup xvs_h hA port add sw s2 --synthetic --mac "$S2_MAC"
setup xvs_h hA port set sw s1 vlan access 10
setup xvs_h hA port set sw s2 vlan access 10
setup vsc_start s1 hA s1 10.0.9.1/24
setup vsc_start s2 hA s2 10.0.9.2/24
S1_DEV=$(port_field hA sw s1 dev)
expect_eq "port show: s1 has MTU 9000" 9000 "$(port_field hA sw s1 mtu)"
expect_eq "... on both ends of its device" "9000 9000" \
	"$(dev_mtu hA "$S1_DEV") $(dev_mtu hA "${S1_DEV%s}d")"
expect_eq "port show: s2 has MTU 1500 (the default)" 1500 "$(port_field hA sw s2 mtu)"
expect_ok "xvsd offers s1 frames up to 9018 bytes" \
	grep -q "serving sw/s1 .*MTU 9000, frames up to 9018 bytes" "$IT_TMP/xvsd-hA.log"
expect_eq "s1's TAP has MTU 9000 (from INIT)" 9000 "$(tap_mtu s1)"
expect_eq "s2's TAP has MTU 1500" 1500 "$(tap_mtu s2)"

# ---- small and 9000-byte packets, both ways ----
expect_ok "s1 -> v1: small packets" ping_ok s1 10.0.9.11
expect_ok "s1 -> v1: 8972-byte pings, don't fragment" big s1 10.0.9.11
expect_ok "v1 -> s1: 8972-byte pings, don't fragment" big v1 10.0.9.1
expect_ok "s1 -> v2 across the trunk: 8972-byte pings" big s1 10.0.9.12
expect_ok "v2 -> s1 across the trunk: 8972-byte pings" big v2 10.0.9.1
expect_ok "s2 (MTU 1500) still talks with small packets" ping_ok s2 10.0.9.11

# ---- TCP with MTU 9000: the frames are jumbo ----
# avg_frame VM rx|tx CMD...: the average size of the frames VM's TAP received or sent while
# CMD ran (TCP data dominates one direction).
tap_counters() { # VM rx|tx: "bytes packets" of eth0 (/proc/net is the reader's namespace's)
	# shellcheck disable=SC2016 # awk's fields
	nsx "$1" awk -v tx="$([[ $2 == tx ]] && echo 1)" \
		'$1 == "eth0:" { print tx ? $10 " " $11 : $2 " " $3 }' /proc/net/dev
}
avg_frame() {
	local vm=$1 dir=$2 b0 p0 b1 p1
	shift 2
	read -r b0 p0 <<<"$(tap_counters "$vm" "$dir")"
	"$@" >/dev/null 2>&1 || return 1
	read -r b1 p1 <<<"$(tap_counters "$vm" "$dir")"
	echo $(((b1 - b0) / (p1 - p0 + (p1 == p0))))
}
expect_ge "iperf3 TCP s1 -> v1: frames of ~9000 bytes" 8000 "$(avg_frame s1 tx iperf3_ok s1 v1 10.0.9.11)"
expect_ge "iperf3 TCP v1 -> s1: frames of ~9000 bytes" 8000 "$(avg_frame s1 rx iperf3_ok v1 s1 10.0.9.1)"
expect_ge "iperf3 TCP v2 -> s1 across the trunk: frames of ~9000 bytes" 8000 \
	"$(avg_frame s1 rx iperf3_ok v2 s1 10.0.9.1)"
sleep 1.2 # xvsd writes its counter file once a second
expect_eq "stats: s1 no violations" 0 "$(synth_field s1 '["queues"][0]["violations"]')"
expect_eq "stats: s1's guest never reconnected" 1 "$(synth_field s1 '["connects"]')"

# ---- the largest frames arrive byte for byte ----
# frame LEN SRC DST [VID]: a LEN-byte frame (EtherType 0x88b7, a fixed byte pattern), 802.1Q
# tagged with VID if given.
frame() {
	local len=$1 src=$2 dst=$3 vid=${4:-} pat='bytes((i * 7 + i // 251) & 255 for i in range(%d))'
	if [[ -n $vid ]]; then
		# shellcheck disable=SC2059 # the pattern is the format
		printf "Ether(src='%s',dst='%s')/Dot1Q(vlan=%s,type=0x88b7)/Raw($pat)" "$src" "$dst" \
			"$vid" $((len - 18))
	else
		# shellcheck disable=SC2059
		printf "Ether(src='%s',dst='%s',type=0x88b7)/Raw($pat)" "$src" "$dst" $((len - 14))
	fi
}
# same_frame TAG EXPR: capture TAG holds exactly one 0x88b7 frame, and it is EXPR's bytes.
same_frame() {
	"$PY" - "$IT_TMP/$1.pcap" "$2" <<'EOF'
import sys, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import *  # noqa
want = bytes(eval(sys.argv[2]))
got = [bytes(p) for p in rdpcap(sys.argv[1]) if b"\x88\xb7" in bytes(p)[12:18]]
print(len(got), len(want), "same" if got == [want] else "different")
EOF
}
# send_one TAG FROM FROM_IF TO EXPR: capture what TO's eth0 receives while FROM sends EXPR.
send_one() {
	cap_start "$1" "$4" eth0 in || return 1
	send_frames "$2" "$3" "$5" >/dev/null
	cap_stop "$1"
}
F=$(frame 9014 "$V1_MAC" "$S1_MAC")
send_one j1 v1 eth0 s1 "$F"
expect_eq "v1 -> s1: a 9014-byte frame (MTU 9000, untagged) arrives on s1's TAP unchanged" \
	"1 9014 same" "$(same_frame j1 "$F")"
F=$(frame 9014 "$S1_MAC" "$V1_MAC")
send_one j2 s1 eth0 v1 "$F"
expect_eq "s1 -> v1: a 9014-byte frame from s1's TAP arrives on v1 unchanged" \
	"1 9014 same" "$(same_frame j2 "$F")"

# On a trunk the port sends VLAN 30 tagged: 9018 bytes, the most a synthetic port carries.
# A small frame from each first teaches the switch their MACs on VLAN 30: a flooded frame of
# several buffers does not leave an XDP switch (the kernel's devmap broadcast clones only
# single-buffer frames), so the big ones must be known unicast.
setup xvs_h hA port set sw s1 vlan trunk 10,30 native 10
setup xvs_h hA port set sw v1 vlan trunk 10,30 native 10
send_frames v1 eth0 "$(frame 60 "$V1_MAC" ff:ff:ff:ff:ff:ff 30)" >/dev/null
send_frames s1 eth0 "$(frame 60 "$S1_MAC" ff:ff:ff:ff:ff:ff 30)" >/dev/null
F=$(frame 9018 "$V1_MAC" "$S1_MAC" 30)
send_one j3 v1 eth0 s1 "$F"
expect_eq "v1 -> s1: a 9018-byte tagged frame arrives on s1's TAP unchanged" \
	"1 9018 same" "$(same_frame j3 "$F")"
F=$(frame 9018 "$S1_MAC" "$V1_MAC" 30)
send_one j4 s1 eth0 v1 "$F"
expect_eq "s1 -> v1: a 9018-byte tagged frame from s1's TAP arrives on v1 unchanged" \
	"1 9018 same" "$(same_frame j4 "$F")"
# (Port set vlan forgets the port's MACs; small frames teach them again before big ones.)
expect_ok "untagged traffic keeps the native VLAN" ping_ok s1 10.0.9.11
expect_ok "... with 8972-byte pings too" big s1 10.0.9.11

# One byte more than s1's MTU allows (v1's own link allows it): dropped at the switch and
# counted, nothing cut short reaches s1.
setup mtu hA v1 9100
setup mtu v1 eth0 9100
d0=$(drop_count hA sw v1 mtu-exceeded)
F=$(frame 9019 "$V1_MAC" "$S1_MAC" 30)
send_one j5 v1 eth0 s1 "$F"
expect_eq "v1 -> s1: a 9019-byte tagged frame does not arrive" "0 9019 different" "$(same_frame j5 "$F")"
expect_eq "... it is counted as mtu-exceeded at v1's port" $((d0 + 1)) "$(drop_count hA sw v1 mtu-exceeded)"
setup mtu v1 eth0 9000
setup mtu hA v1 9000
setup xvs_h hA port set sw s1 vlan access 10
setup xvs_h hA port set sw v1 vlan access 10
setup ping_ok s1 10.0.9.11

# ---- a 1500-byte port gets no jumbo frame ----
setup cap_start s2big s2 eth0
d0=$(drop_count hA sw v1 mtu-exceeded)
nsx v1 ping -c 2 -W 1 -i 0.2 -q -M "do" -s 4000 10.0.9.2 >/dev/null 2>&1
cap_stop s2big
expect_eq "v1 -> s2 (MTU 1500): 4000-byte frames counted as mtu-exceeded" $((d0 + 2)) \
	"$(drop_count hA sw v1 mtu-exceeded)"
expect_eq "s2: no frame over 1514 bytes arrived" 0 "$(cap_count s2big 'greater 1515')"

# ---- the MTU changes under a connected guest ----
expect_ok "port set s2 mtu 9000" xvs_h hA port set sw s2 mtu 9000
expect_eq "port show: s2 has MTU 9000" 9000 "$(port_field hA sw s2 mtu)"
s2_at() { [[ $(tap_mtu s2) == "$1" ]]; }
expect_ok "s2's guest reconnected and its TAP has MTU 9000" wait_for s2_at 9000
expect_ok "s2 -> v1: 8972-byte pings" wait_for big s2 10.0.9.11
expect_ok "xvsd said why the channel started over" \
	grep -q "sw/s2: MTU now 9000 (frames up to 9018 bytes): the guest's channel starts over" \
	"$IT_TMP/xvsd-hA.log"
refused "port set mtu 9001" "invalid mtu '9001': must be 68-9000" xvs_h hA port set sw s2 mtu 9001
expect_eq "... s2 keeps MTU 9000" 9000 "$(port_field hA sw s2 mtu)"
# By hand, both ends: xvsd notices within a second.
S2_DEV=$(port_field hA sw s2 dev)
setup mtu hA "$S2_DEV" 1500
setup mtu hA "${S2_DEV%s}d" 1500
expect_ok "ip link set mtu 1500 on s2's device: its TAP follows" wait_for s2_at 1500
expect_fail "s2 -> v1: 8972-byte pings no longer go out" big s2 10.0.9.11
expect_ok "s2 -> v1: small packets do" wait_for ping_ok s2 10.0.9.11
expect_ok "s1 was not disturbed" ping_ok s1 10.0.9.11

# ---- configuration ----
xvs_h hA save sw >"$IT_TMP/saved.yaml"
saved_mtu() { "$PY" -c 'import sys,yaml; c=yaml.safe_load(open(sys.argv[1])); print(c["switches"]["sw"]["ports"][sys.argv[2]].get("mtu"))' "$IT_TMP/saved.yaml" "$1"; }
expect_eq "xvs save: s1 has mtu 9000" 9000 "$(saved_mtu s1)"
expect_eq "xvs save: s2 (the default MTU) has none" None "$(saved_mtu s2)"

# ---- VMQ: jumbo frames from the uplink take the port device, small ones VMQ ----
setup xvs_h hA port set sw s1 vmq on
sleep 1.2
vmq0=$(synth_field s1 '["vmq"]["rx_bytes"]')
dev0=$(synth_field s1 '["queues"][0]["rx_bytes"]')
expect_ok "v2 -> s1 with VMQ on: 8972-byte pings" big v2 10.0.9.1
expect_ok "v2 -> s1 with VMQ on: small pings" nsx v2 ping -c 3 -i 0.2 -W 1 -q 10.0.9.1
sleep 1.2
expect_ge "the 3 jumbo echo requests came through the port device" $((dev0 + 3 * 9014)) \
	"$(synth_field s1 '["queues"][0]["rx_bytes"]')"
vmq1=$(synth_field s1 '["vmq"]["rx_bytes"]')
expect_ok "the small ones through VMQ, no jumbo frame ($vmq0 -> $vmq1 bytes)" \
	test "$vmq1" -gt "$vmq0" -a "$vmq1" -lt $((vmq0 + 9014))
setup xvs_h hA port set sw s1 vmq off

it_end
