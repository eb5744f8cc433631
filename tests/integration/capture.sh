#!/usr/bin/env bash
# Capture and mirroring. `xvs capture` writes what a port receives and sends to a pcap file
# that tcpdump reads (XDP takes frames before tcpdump on the host-side netdev could see them),
# stops cleanly on Ctrl-C or after -c frames, writes to a pipe with -w -, and refuses a second
# capture on the same switch. A mirror destination VM sees, tagged with their VLAN, the frames
# of a mirror source VM that it could not otherwise see.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add h
setup xvs_h h switch add csw --type private
setup vm_add h v1 02:00:00:00:0c:01 10.0.12.1/24
setup vm_add h v2 02:00:00:00:0c:02 10.0.12.2/24
setup vm_add h mon 02:00:00:00:0c:99
for vm in v1 v2 mon; do setup xvs_h h port add csw "$vm" --dev "$vm"; done
setup xvs_h h port set csw v1 vlan access 12
setup xvs_h h port set csw v2 vlan access 12
setup nsx mon ip link set eth0 promisc on

# ---- capture to a file, stopped by Ctrl-C ----
PCAP=$IT_TMP/v1.pcap
# Started directly (not through a shell function) so that $! is xvs itself and gets the signal.
nsenter --net="/run/netns/${P}h" env XVS_ROOT="$(host_root h)" XVS_RUN="$(host_run h)" \
	"$XVS_BIN" capture csw v1 -w "$PCAP" 2>"$IT_TMP/cap.err" &
CAP=$!
IT_PIDS+=("$CAP")
for ((i = 0; i < 50; i++)); do grep -qs capturing "$IT_TMP/cap.err" && break; sleep 0.1; done
expect_eq "capture: port show says capture on" True "$(port_field h csw v1 capture)"
expect_fail "a second capture on the same switch is refused" xvs_h h capture csw v2 -w "$IT_TMP/x.pcap" -c 1
expect_ok "v1 pings v2 while captured" ping_ok v1 10.0.12.2
sleep 0.3
kill -INT "$CAP"
wait "$CAP"
expect_eq "capture: exits 0 on Ctrl-C" 0 "$?"
expect_eq "capture: summary line on stderr" 1 "$(grep -c 'frames captured' "$IT_TMP/cap.err")"
expect_eq "capture: flag cleared after Ctrl-C" False "$(port_field h csw v1 capture)"
expect_ge "pcap: v1's echo requests (received by the port)" 2 \
	"$(tcpdump -r "$PCAP" -nn 'icmp[icmptype] = icmp-echo and ether src 02:00:00:00:0c:01' 2>/dev/null | wc -l)"
expect_ge "pcap: v2's echo replies (sent by the port)" 2 \
	"$(tcpdump -r "$PCAP" -nn 'icmp[icmptype] = icmp-echoreply and ether dst 02:00:00:00:0c:01' 2>/dev/null | wc -l)"
expect_eq "pcap: frames as on v1's wire, untagged" 0 "$(tcpdump -r "$PCAP" -nn vlan 2>/dev/null | wc -l)"
expect_eq "pcap: nothing that is not v1's" 0 \
	"$(tcpdump -r "$PCAP" -nn 'not ether host 02:00:00:00:0c:01 and not ether broadcast' 2>/dev/null | wc -l)"

# ---- -c COUNT and -w - into tcpdump ----
( xvs_h h capture csw v2 -w - -c 3 2>/dev/null | tcpdump -r - -nn 2>/dev/null >"$IT_TMP/pipe.txt" ) &
PIPE=$!
IT_PIDS+=("$PIPE")
sleep 0.5
ping_ok v1 10.0.12.2
wait "$PIPE"
expect_eq "capture -w - -c 3: tcpdump read exactly 3 frames from the pipe" 3 "$(wc -l <"$IT_TMP/pipe.txt")"

# ---- bad input ----
expect_fail "capture: unknown port" xvs_h h capture csw nope -w "$IT_TMP/n.pcap"
expect_fail "capture: no -w" xvs_h h capture csw v1
expect_fail "capture: bad count" xvs_h h capture csw v1 -w "$IT_TMP/n.pcap" -c x
expect_fail "capture: unwritable file" xvs_h h capture csw v1 -w /nonexistent/dir/f.pcap -c 1
expect_eq "capture: no flag left behind by failures" False "$(port_field h csw v1 capture)"

# ---- mirroring ----
expect_fail "mirror: bad role" xvs_h h port set csw v1 mirror sideways
setup xvs_h h port set csw v1 mirror source
setup xvs_h h port set csw mon mirror destination
expect_eq "port show: mirror roles" "source destination" \
	"$(xvs_h h -j port show csw | jfield '" ".join(p["mirror"] for p in j if p["name"] in ("v1","mon"))')"
setup cap_start mon mon eth0
expect_ok "v1 pings v2 while mirrored" ping_ok v1 10.0.12.2
cap_stop mon
expect_ge "mon: v1's echo requests, tagged 12" 2 \
	"$(cap_count mon 'vlan 12 and icmp[icmptype] = icmp-echo and ether src 02:00:00:00:0c:01')"
expect_ge "mon: v2's replies to v1, tagged 12" 2 \
	"$(cap_count mon 'vlan 12 and icmp[icmptype] = icmp-echoreply and ether dst 02:00:00:00:0c:01')"
expect_ge "stats mon: mirrored counted" 4 "$(stat_field h csw mon mirrored)"
setup xvs_h h port set csw v1 mirror none
setup cap_start mon2 mon eth0
expect_ok "v1 pings v2, mirroring off" ping_ok v1 10.0.12.2
cap_stop mon2
expect_eq "mon: nothing of v1's once mirroring is off" 0 "$(cap_count mon2 'ether host 02:00:00:00:0c:01')"

it_end
