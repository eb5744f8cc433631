#!/usr/bin/env bash
# mac-limit: a VM that sends from many source MACs fills only its own quota; the rest are
# refused and counted (xvs -j stats: learn_refused_port_limit) while other hosts keep
# forwarding.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

LIMIT=4
NMACS=24
setup host_add h
setup xvs_h h switch add msw --type private
setup vm_add h m1 02:00:00:00:06:01 10.0.6.1/24
setup vm_add h m2 02:00:00:00:06:02 10.0.6.2/24
setup vm_add h m3 02:00:00:00:06:03 10.0.6.3/24
for vm in m1 m2 m3; do setup xvs_h h port add msw "$vm" --dev "$vm"; done
setup xvs_h h port set msw m1 mac-limit $LIMIT
expect_eq "port show: m1 mac_limit $LIMIT" $LIMIT "$(port_field h msw m1 mac_limit)"

while read -r s d e seen; do
	expect_eq "before: ping $s -> $d ($e)" "$e" "$seen"
done < <(ping_matrix m2 10.0.6.3 ok m3 10.0.6.2 ok)
refused0=$(stat_field h msw m1 learn_refused_port_limit)
expect_eq "stats m1: no refusal yet" 0 "$refused0"

# m1 sends NMACS frames, each from a different source MAC.
setup nsx m1 "$PY" - "$NMACS" <<'PYEOF'
import sys, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, sendp
n = int(sys.argv[1])
frames = [Ether(src="02:66:00:00:%02x:%02x" % (i >> 8, i & 255), dst="ff:ff:ff:ff:ff:ff") /
          IP(dst="10.0.6.255") / UDP(dport=7777) for i in range(n)]
sendp(frames, iface="eth0", verbose=False)
PYEOF
sleep 0.2
refused=$(stat_field h msw m1 learn_refused_port_limit)
expect_eq "stats m1: learn_refused_port_limit counts the $((NMACS - LIMIT)) MACs over the limit" \
	$((NMACS - LIMIT)) "$((refused - refused0))"
expect_eq "port show: m1 learned exactly $LIMIT MACs" $LIMIT "$(port_field h msw m1 learned_macs)"
expect_eq "fdb show: $LIMIT entries on port m1" $LIMIT \
	"$(xvs_h h -j fdb show msw | jfield 'len([e for e in j if e["port"]=="m1"])')"
expect_eq "stats m2: no refusal on other ports" 0 "$(stat_field h msw m2 learn_refused_port_limit)"
while read -r s d e seen; do
	expect_eq "after: ping $s -> $d ($e)" "$e" "$seen"
done < <(ping_matrix m2 10.0.6.3 ok m3 10.0.6.2 ok)
expect_eq "m2 and m3 still learned" "m2 m3" \
	"$(xvs_h h -j fdb show msw | jfield '" ".join(sorted(e["port"] for e in j if e["mac"] in ("02:00:00:00:06:02","02:00:00:00:06:03")))')"
# Lifting the limit lets new MACs in again.
setup xvs_h h port set msw m1 mac-limit 0
setup send_frames m1 eth0 "Ether(src='02:66:00:00:ff:01', dst='ff:ff:ff:ff:ff:ff')/IP(dst='10.0.6.255')/UDP(dport=7777)"
expect_eq "mac-limit 0 (no limit): a new MAC is learned" $((LIMIT + 1)) "$(port_field h msw m1 learned_macs)"

it_end
