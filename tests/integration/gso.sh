#!/usr/bin/env bash
# TSO/GSO superframes through the TC datapath (docs/DATAPLANE.md): a VM's TCP stream crosses
# the switch as superframes larger than the MTU — tagged on a trunk — and arrives whole (the
# switch does not segment, GRO is off at the receiver so nothing merges them again); a
# superframe is checked segment by segment against the egress MTU: segments that fit pass,
# segments that do not are dropped as mtu-exceeded, never truncated.
# The XDP datapath turns GSO off at the VM end of a veth, so there is nothing to check there.
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC2317 # helpers called through setup
. "$(dirname "$0")/lib.sh"
it_begin

if [[ $(it_datapath) != tc ]]; then
	log "superframes: TC datapath only (XDP turns GSO off at the VM end of a veth)"
	it_end
fi

setup host_add h
setup xvs_h h switch add gsw --type private
# Plain veths with the kernel's default offloads (TSO, checksum): what a VM has.
vm_plain() { # VM MAC IP
	ns_add "$1" || return 1
	ip link add name "$1" netns "$P"h type veth peer name eth0 netns "$P$1" || return 1
	nsx "$1" ip link set eth0 address "$2"
	nsx "$1" ip addr add "$3" dev eth0
	nsx "$1" ip link set eth0 up
	nsx h ip link set "$1" up
	nsx "$1" ethtool -K eth0 gro off >/dev/null
}
setup vm_plain g1 02:00:00:00:1f:01 10.0.31.1/24
setup vm_plain g2 02:00:00:00:1f:02 10.0.31.2/24
setup vm_plain g3 02:00:00:00:1f:03 10.0.31.3/24
for vm in g1 g2 g3; do setup xvs_h h port add gsw "$vm" --dev "$vm"; done
# g3 sits behind a trunk: its frames are tagged VLAN 0 -> native, so make it a real tag.
setup xvs_h h port set gsw g1 vlan access 31
setup xvs_h h port set gsw g2 vlan access 31
setup xvs_h h port set gsw g3 vlan trunk 31

expect_ok "g1 reaches g2" ping_ok g1 10.0.31.2

# ---- a TCP stream arrives as superframes ----
setup nsx g2 sh -c 'iperf3 -s -1 -D -p 5301'
setup cap_start big g2 eth0
expect_ok "iperf3 g1 -> g2 through the switch" nsx g1 iperf3 -c 10.0.31.2 -p 5301 -n 4M
cap_stop big
expect_ge "g2 received TCP superframes larger than the MTU (switched whole)" 1 \
	"$(cap_count big 'tcp and greater 3000')"
expect_eq "no drops counted at g1 (every segment fits)" 0 "$(drop_count h gsw g1 mtu-exceeded)"

# ---- superframes of exactly known segment size, from a packet socket with virtio-net GSO ----
# gso_frame VM DST_MAC DST_IP GSO_SIZE: one 9000-byte TCP superframe to be cut in GSO_SIZE
# segments. Returns nothing; what happened is in the counters and at the receiver.
gso_frame() {
	nsx "$1" "$PY" - "$2" "$3" "$4" "${VM_MACS[$1]}" <<'PYEOF'
import socket, struct, sys
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, TCP, raw  # noqa
dst_mac, dst_ip, gso_size, src_mac = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
pkt = Ether(src=src_mac, dst=dst_mac) / IP(src="10.0.31.1", dst=dst_ip) / \
    TCP(sport=40000, dport=5399, flags="A", seq=1) / (b"x" * 9000)
frame = bytearray(raw(pkt))
frame[50:52] = b"\0\0"          # TCP checksum: finished by segmentation (NEEDS_CSUM below)
# struct virtio_net_hdr: flags NEEDS_CSUM, gso_type TCPV4, hdr_len, gso_size, csum_start, off
vnet = struct.pack("<BBHHHH", 1, 1, 54, gso_size, 34, 16)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.setsockopt(263, 15, 1)        # SOL_PACKET, PACKET_VNET_HDR
s.bind(("eth0", 0))
s.send(vnet + bytes(frame))
PYEOF
}
declare -A VM_MACS=([g1]=02:00:00:00:1f:01)
setup xvs_h h fdb add gsw 02:00:00:00:1f:02 g2 --vlan 31
setup xvs_h h fdb add gsw 02:00:00:00:1f:03 g3 --vlan 31
tx0=$(stat_field h gsw g2 tx_packets)
setup cap_start fit g2 eth0
setup gso_frame g1 02:00:00:00:1f:02 10.0.31.2 1400
cap_stop fit
expect_eq "9000 bytes in 1400-byte segments: forwarded to g2" $((tx0 + 1)) "$(stat_field h gsw g2 tx_packets)"
expect_ge "g2 received it (as one superframe or as segments)" 1 "$(cap_count fit 'tcp port 5399')"

d0=$(drop_count h gsw g1 mtu-exceeded)
tx0=$(stat_field h gsw g2 tx_packets)
setup cap_start nofit g2 eth0
setup gso_frame g1 02:00:00:00:1f:02 10.0.31.2 3000
cap_stop nofit
expect_eq "9000 bytes in 3000-byte segments (MTU 1500): counted as mtu-exceeded" $((d0 + 1)) \
	"$(drop_count h gsw g1 mtu-exceeded)"
expect_eq "... and nothing of it reached g2" 0 "$(cap_count nofit 'tcp port 5399')"
expect_eq "... nor was it counted as sent" "$tx0" "$(stat_field h gsw g2 tx_packets)"

# ---- through a trunk: the superframe is tagged, not segmented, and still checked ----
setup nsx h ip link set g3 mtu 9000
setup nsx g3 ip link set eth0 mtu 9000
setup cap_start trunk g3 eth0
setup gso_frame g1 02:00:00:00:1f:03 10.0.31.3 3000
cap_stop trunk
expect_ge "to the trunk g3 (MTU 9000): 3000-byte segments fit, arrive tagged 31" 1 \
	"$(cap_count trunk 'vlan 31 and tcp port 5399')"
expect_eq "... and none untagged" 0 "$(cap_count trunk 'tcp port 5399 and not vlan')"

it_end
