#!/usr/bin/env bash
# Synthetic NICs end to end: xvsd in each "host" namespace, xvs-vsc in "VM" namespaces.
#
# Host A: external switch (XDP datapath) with a trunk uplink to host B, synthetic VMs s1 and
# s2, emulated (veth) VM v1; host B: v2. s1, v1, v2 on access VLAN 10; s2 on access VLAN 20
# (same subnet: only the switch keeps it apart). Checks: `port add --synthetic` without xvsd
# (one line, nothing changed), ping and iperf3 between synthetic and emulated VMs on the same
# switch and across the trunk, VLAN separation, per-queue counters in `xvs stats`, a guest
# killed with SIGKILL mid-transfer, xvsd restarted under traffic, hostile guests that break only
# their own channel, and port del / switch del ending the guest's channel.
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC2317 # helpers called through expect_ok
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib-synthetic.sh
. "$(dirname "$0")/lib-synthetic.sh"
it_begin

setup host_add hA
setup host_add hB
setup link_add hA trunk hB trunk
setup xvs_h hA switch add sw --type external --uplink trunk --no-management-os --datapath xdp
setup xvs_h hB switch add sw --type external --uplink trunk --no-management-os --datapath xdp

# ---- without xvsd: one clear line, nothing changed ----
out=$(xvs_h hA port add sw s1 --synthetic --mac 02:00:00:00:51:01 2>&1)
rc=$?
expect_eq "port add --synthetic without xvsd fails" 1 "$rc"
expect_eq "... with one line on stderr" 1 "$(printf '%s\n' "$out" | wc -l)"
expect_ok "... that says xvsd is not running" grep -q "xvsd is not running" <<<"$out"
expect_fail "... and adds no port" xvs_h hA port show sw s1
expect_eq "... and creates no netdev" 0 "$(nsx hA ip -o link show | grep -c 'xvs[0-9a-f]\{8\}[sd]')"

# ---- xvsd, two synthetic ports, emulated VMs ----
setup xvsd_start hA
setup xvs_h hA port add sw s1 --synthetic --mac 02:00:00:00:51:01
setup xvs_h hA port add sw s2 --synthetic --mac 02:00:00:00:52:01 --queues 2
setup xvs_h hA port set sw s1 vlan access 10
setup xvs_h hA port set sw s2 vlan access 20
setup vm_add hA v1 02:00:00:00:01:01 10.0.0.11/24
setup xvs_h hA port add sw v1 --dev v1
setup xvs_h hA port set sw v1 vlan access 10
setup vm_add hB v2 02:00:00:00:02:01 10.0.0.12/24
setup xvs_h hB port add sw v2 --dev v2
setup xvs_h hB port set sw v2 vlan access 10

expect_eq "synthetic port shows kind synth" "synth" "$(port_field hA sw s1 kind)"
expect_ok "guest socket is served" test -S "$(host_run hA)/sw/s1.sock"
S2_DEV=$(port_field hA sw s2 dev)
expect_eq "s2's port device has 2 rx queues" 2 \
	"$(nsx hA ethtool -l "$S2_DEV" | awk '/Current/ {c=1} c && /^RX:/ {print $2; exit}')"
setup vsc_start s1 hA s1 10.0.0.1/24
setup vsc_start s2 hA s2 10.0.0.2/24

expect_eq "s1's TAP has the port's MAC" "02:00:00:00:51:01" \
	"$(nsx s1 ip -br link show dev eth0 | awk '{print $3}')"
expect_eq "s1's guest negotiated 1 queue pair" 1 "$(grep -c '1 queue pair$' "$IT_TMP/vsc-s1.log")"
expect_eq "s2's guest negotiated 2 queue pairs" 1 "$(grep -c '2 queue pairs' "$IT_TMP/vsc-s2.log")"

# ---- ping: same switch, across the trunk, and VLAN separation ----
while read -r src dst want; do
	[[ -n $src ]] || continue
	if ping_ok "$src" "$dst"; then seen=ok; else seen=fail; fi
	expect_eq "ping $src -> $dst ($want)" "$want" "$seen"
done <<<"
s1 10.0.0.11 ok
v1 10.0.0.1 ok
s1 10.0.0.12 ok
v2 10.0.0.1 ok
s2 10.0.0.1 fail
s2 10.0.0.11 fail
v2 10.0.0.2 fail
"

# ---- counters ----
xvs_h hA port set sw s2 vlan access 10
nsx s2 ip neigh flush dev eth0 # the failed lookups of VLAN 20 would delay the next ARP
expect_ok "s2 reaches v1 once on VLAN 10" ping_ok s2 10.0.0.11
sleep 1.2 # xvsd writes its counter file once a second
expect_eq "stats: s1 guest connected" True "$(synth_field s1 '["guest"]')"
expect_ge "stats: s1 queue 0 tx_packets (guest -> switch)" 4 "$(synth_field s1 '["queues"][0]["tx_packets"]')"
expect_ge "stats: s1 queue 0 rx_packets (switch -> guest)" 4 "$(synth_field s1 '["queues"][0]["rx_packets"]')"
expect_ge "stats: s1 queue 0 tx_bytes" 256 "$(synth_field s1 '["queues"][0]["tx_bytes"]')"
expect_eq "stats: s1 no violations" 0 "$(synth_field s1 '["queues"][0]["violations"]')"
expect_eq "stats: s2 has 2 queues" 2 "$(synth_field s2 '["queues"].__len__()')"
expect_ge "stats: switch counted s1's frames (port rx_packets)" 4 "$(stat_field hA sw s1 rx_packets)"
stats_has() { xvs_h hA stats sw "$1" | grep -q "$2"; }
expect_ok "xvs stats table shows the synthetic queue" stats_has s1 "^ *queue 0"

# ---- iperf3: TCP both ways and UDP, same switch and across the trunk ----
expect_ok "iperf3 TCP synthetic s1 -> emulated v1" iperf3_ok s1 v1 10.0.0.11
expect_ok "iperf3 TCP emulated v1 -> synthetic s1" iperf3_ok v1 s1 10.0.0.1
expect_ok "iperf3 TCP synthetic s1 -> v2 across the trunk" iperf3_ok s1 v2 10.0.0.12
expect_ok "iperf3 TCP v2 -> synthetic s1 across the trunk" iperf3_ok v2 s1 10.0.0.1
expect_ok "iperf3 UDP synthetic s2 (2 queues) -> v1" iperf3_ok s2 v1 10.0.0.11 -u -b 50M

# ---- a guest killed with SIGKILL mid-transfer ----
nsx v1 iperf3 -s -1 -D -I "$IT_TMP/iperf-kill.pid" >/dev/null 2>&1
sleep 0.3
nsx s1 timeout 20 iperf3 -c 10.0.0.11 -t 4 >/dev/null 2>&1 &
IPERF_PID=$!
sleep 1
kill -KILL "${VSC_PID[s1]}"
wait "${VSC_PID[s1]}" 2>/dev/null
expect_ok "another VM (s2) keeps reaching v1 after s1's guest died" ping_ok s2 10.0.0.11
wait "$IPERF_PID" 2>/dev/null
nsx v1 sh -c "kill \$(cat $IT_TMP/iperf-kill.pid) 2>/dev/null"
gone() { [[ $(synth_field s1 '["guest"]') == False ]]; }
expect_ok "stats: s1 shows no guest" wait_for gone
expect_eq "stats: s1 counted one disconnect" 1 "$(synth_field s1 '["disconnects"]')"
expect_eq "stats: a vanished guest is no violation" 0 "$(synth_field s1 '["broken"]')"
setup vsc_start s1 hA s1 10.0.0.1/24
expect_ok "the guest reconnects and s1 reaches v1 again" ping_ok s1 10.0.0.11
twice() { [[ $(synth_field s1 '["connects"]') == 2 ]]; }
expect_ok "stats: s1 connected twice" wait_for twice

# ---- xvsd killed and restarted under traffic ----
nsx s1 ping -c 40 -i 0.1 -W 1 10.0.0.11 >"$IT_TMP/ping-restart.out" 2>&1 &
PING_PID=$!
sleep 0.5
kill -KILL "${XVSD_PID[hA]}"
wait "${XVSD_PID[hA]}" 2>/dev/null
sleep 0.5
setup xvsd_start hA
wait "$PING_PID"
reconnected() { [[ $(grep -c "connected to" "$IT_TMP/vsc-s1.log") -ge 3 ]]; }
expect_ok "s1's guest noticed and reconnected to the new xvsd" wait_for reconnected
expect_ok "s2's guest reconnected too" wait_for grep -q "channel ended" "$IT_TMP/vsc-s2.log"
expect_eq "s1's TAP survived (same ifindex, address kept)" "10.0.0.1" \
	"$(nsx s1 ip -4 -br addr show dev eth0 | awk '{print $3}' | cut -d/ -f1)"
replies=$(grep -o '[0-9]* received' "$IT_TMP/ping-restart.out" | cut -d' ' -f1)
expect_ge "traffic resumed during the ping across the restart (replies of 40)" 20 "$replies"
expect_ok "s1 reaches v1 after the restart" ping_ok s1 10.0.0.11
expect_ok "s2 reaches v1 after the restart" ping_ok s2 10.0.0.11
expect_ok "the restarted xvsd serves the existing ports" test -S "$(host_run hA)/sw/s2.sock"

# ---- hostile guests break only their own channel ----
setup xvs_h hA port add sw h1 --synthetic --mac 02:00:00:00:66:01
setup ns_add x1
nsx s1 ping -c 30 -i 0.1 -W 1 10.0.0.11 >"$IT_TMP/ping-hostile.out" 2>&1 &
PING_PID=$!
for c in slot-range desc-bounds prod-jump chain-unterminated; do
	expect_eq "hostile guest ($c): xvsd breaks its channel with $c" "$c" \
		"$(nsx x1 "$HOSTILE_BIN" "$(host_run hA)/sw/h1.sock" "$c" 2>&1)"
done
wait "$PING_PID"
expect_eq "s1's ping during the hostile guests lost nothing" "30" \
	"$(grep -o '[0-9]* received' "$IT_TMP/ping-hostile.out" | cut -d' ' -f1)"
broken4() { [[ $(synth_field h1 '["broken"]') == 4 ]]; }
expect_ok "stats: h1 counted 4 broken channels" wait_for broken4
expect_eq "stats: h1's last violation" "chain-unterminated" "$(synth_field h1 '["last_violation"]')"
expect_ge "stats: h1 queue 0 violations" 4 "$(synth_field h1 '["queues"][0]["violations"]')"
expect_eq "stats: s1 unaffected (no violations)" 0 "$(synth_field s1 '["broken"]')"
expect_ok "s2 still reaches v1" ping_ok s2 10.0.0.11

# ---- port del and switch del end the guest's channel ----
S2_DEV=$(port_field hA sw s2 dev)
expect_ok "port del s2" xvs_h hA port del sw s2
expect_fail "s2's socket is gone" test -e "$(host_run hA)/sw/s2.sock"
expect_fail "s2's port device is gone" dev_exists hA "$S2_DEV"
ended2() { [[ $(grep -c "channel ended" "$IT_TMP/vsc-s2.log") -ge 2 ]]; }
expect_ok "s2's guest saw its channel end" wait_for ended2
expect_ok "s2's guest keeps running (retrying)" kill -0 "${VSC_PID[s2]}"
expect_ok "s1 still reaches v1" ping_ok s1 10.0.0.11
expect_ok "switch del" xvs_h hA switch del sw
ended1() { [[ $(grep -c "channel ended" "$IT_TMP/vsc-s1.log") -ge 2 ]]; }
expect_ok "s1's guest saw its channel end" wait_for ended1
expect_eq "no synthetic port device left" 0 "$(nsx hA ip -o link show | grep -c 'xvs[0-9a-f]\{8\}[sd]')"
expect_ok "xvsd is still running" kill -0 "${XVSD_PID[hA]}"
kill -TERM "${XVSD_PID[hA]}"
wait "${XVSD_PID[hA]}"
expect_eq "xvsd exits 0 on SIGTERM" 0 "$?"
expect_fail "xvsd removed its request socket" test -e "$(host_run hA)/xvsd.sock"

it_end
