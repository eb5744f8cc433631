#!/usr/bin/env bash
# Host traffic on the uplink (docs/DATAPLANE.md): frames the host's own stack sends directly out
# of an external switch's uplink netdev — which no port's ingress program sees — get the
# management OS port's treatment from the uplink's TC egress hook, in both flavours: the host
# port's VLAN (here access 20: they leave the trunk tagged 20), its link state, its counters.
# Frames the switch forwards to the uplink are not treated twice. A switch without a
# management OS drops the host's frames on its uplink (counted as no-management-os). Switch
# del leaves no filter or qdisc behind.
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC2317 # helpers called through setup
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add h
setup ns_add ext
setup link_add h up0 ext eth0
setup xvs_h h switch add hsw --uplink up0
setup xvs_h h port set hsw host vlan access 20
setup vm_add h v1 02:00:00:00:1e:01
setup xvs_h h port add hsw v1 --dev v1
UP0_MAC=$(nsx h ip -o link show dev up0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)

expect_ok "the uplink carries the host-traffic filter on its TC egress" \
	sh -c "nsenter --net=/run/netns/${P}h tc filter show dev up0 egress | grep -q xvs_uplink"

# host_frames NS IF COUNT PORT: UDP broadcasts from the host stack straight out of IF. A frame
# the egress hook drops makes the send fail with ENOBUFS (as for any qdisc drop): not an error
# here, the counters and the far end say what happened.
host_frames() {
	nsx "$1" "$PY" - "$2" "$3" "$4" "$UP0_MAC" <<'PYEOF' 2>&1
import errno, socket, sys
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, raw  # noqa
iface, count, port, src = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
frame = raw(Ether(src=src, dst="ff:ff:ff:ff:ff:ff") / IP(src="10.0.30.1", dst="10.0.30.255") /
            UDP(dport=port))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
for _ in range(count):
    try:
        s.send(frame)
    except OSError as e:
        if e.errno != errno.ENOBUFS:
            raise
PYEOF
}

# ---- the host sends on the uplink: tagged with the host port's VLAN ----
rx0=$(stat_field h hsw host rx_packets)
tx0=$(stat_field h hsw uplink tx_packets)
setup cap_start ext1 ext eth0
setup host_frames h up0 3 7001
cap_stop ext1
expect_eq "wire: the host's 3 frames arrive tagged with VLAN 20" 3 "$(cap_count ext1 'vlan 20 and udp port 7001')"
expect_eq "wire: none arrives untagged" 0 "$(cap_count ext1 'udp port 7001 and not vlan')"
expect_eq "stats host: 3 frames received from the host stack" $((rx0 + 3)) "$(stat_field h hsw host rx_packets)"
expect_eq "stats uplink: 3 frames sent" $((tx0 + 3)) "$(stat_field h hsw uplink tx_packets)"

# ---- frames the switch forwards to the uplink are not treated again ----
setup cap_start ext2 ext eth0
setup send_frames v1 eth0 "Ether(src='02:00:00:00:1e:01', dst='ff:ff:ff:ff:ff:ff')/IP(src='10.0.30.5', dst='10.0.30.255')/UDP(dport=7002)" 2
cap_stop ext2
expect_eq "wire: v1's broadcasts (VLAN 0) leave the uplink untagged" 2 "$(cap_count ext2 'udp port 7002 and not vlan')"
expect_eq "wire: and not tagged" 0 "$(cap_count ext2 'vlan and udp port 7002')"

# ---- the host port's link state applies ----
setup xvs_h h port set hsw host link down
d0=$(drop_count h hsw host link-down)
setup cap_start ext3 ext eth0
setup host_frames h up0 3 7003
cap_stop ext3
expect_eq "host port down: nothing of the host's leaves the uplink" 0 "$(cap_count ext3 'udp port 7003')"
expect_eq "host port down: counted as link-down on the host port" $((d0 + 3)) "$(drop_count h hsw host link-down)"
setup xvs_h h port set hsw host link up

# ---- no management OS: the host has no access to the uplink ----
setup host_add h2
setup ns_add ext2
setup link_add h2 up1 ext2 eth0
setup xvs_h h2 switch add nsw --uplink up1 --no-management-os
UP0_MAC=$(nsx h2 ip -o link show dev up1 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
setup cap_start ext4 ext2 eth0
setup host_frames h2 up1 3 7004
cap_stop ext4
expect_eq "no management OS: nothing of the host's leaves the uplink" 0 "$(cap_count ext4 'udp port 7004')"
expect_eq "no management OS: counted on the uplink as no-management-os" 3 \
	"$(drop_count h2 nsw uplink no-management-os)"

# ---- removal ----
expect_ok "switch del hsw" xvs_h h switch del hsw
expect_ok "switch del nsw" xvs_h h2 switch del nsw
expect_eq "after: no XDP program, clsact qdisc or filter left on h" "" "$(dp_leftovers h | tr '\n' ' ')"
expect_eq "after: none left on h2" "" "$(dp_leftovers h2 | tr '\n' ' ')"
setup cap_start ext5 ext eth0
setup host_frames h up0 2 7005
cap_stop ext5
expect_eq "after: the host's frames leave up0 as they are (untagged)" 2 "$(cap_count ext5 'udp port 7005 and not vlan')"

it_end
