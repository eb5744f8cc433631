#!/usr/bin/env bash
# VMQ end to end: `xvs port set SW PORT vmq on|off` for a synthetic port of an external XDP
# switch makes the uplink's XDP program hand known unicast for the port straight to the port's
# AF_XDP sockets on the uplink's rx queues (xvsd binds one per queue), skipping the port device.
#
# Host A: external switch sw (XDP) with a 2-queue trunk uplink to host B, synthetic VM s1 and
# emulated VM v1 on access VLAN 10; host B: emulated v2 on VLAN 10 behind its own switch.
# Checks: the refusals (emulated port, internal switch, TC switch, no xvsd, bad value) change
# nothing; with vmq on, frames from the uplink reach s1 through VMQ (its counters), frames from
# v1 on the same switch still through the port device; the frame s1 receives is byte for byte
# the same with VMQ on and off; VLAN and ACL work still apply on the VMQ path; UDP and TCP
# across the trunk; vmq on/off toggled under a UDP stream loses nothing; two VMQ ports sharing
# the uplink queues' buffers, the first one leaving and coming back; xvsd restarted with vmq on
# binds again; port del with vmq on leaves nothing.
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC2317 # helpers called through expect_ok
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib-synthetic.sh
. "$(dirname "$0")/lib-synthetic.sh"
it_begin

S1_MAC=02:00:00:00:51:01
V2_MAC=02:00:00:00:02:01

# trunk_add: the uplink, a veth with 2 queues each way (frames spread over both rx queues).
trunk_add() {
	ip link add name trunk netns "${P}hA" numtxqueues 2 numrxqueues 2 type veth peer name trunk \
		netns "${P}hB" numtxqueues 2 numrxqueues 2 || return 1
	veth_prep hA trunk
	veth_prep hB trunk
	nsx hA ip link set trunk up
	nsx hB ip link set trunk up
}

vmq_field() { synth_field s1 "[\"vmq\"]$1"; }
vmq_rx() { vmq_field '["rx_packets"]'; }
# dev_rx: frames s1's guest got through the port device (all queues).
dev_rx() { synth_field s1 '["queues"][0]["rx_packets"]'; }
# fresh_stats: xvsd writes its counter file once a second.
fresh_stats() { sleep 1.2; }

setup host_add hA
setup host_add hB
setup trunk_add
setup xvs_h hA switch add sw --type external --uplink trunk --no-management-os --datapath xdp
setup xvs_h hB switch add sw --type external --uplink trunk --no-management-os --datapath xdp
setup vm_add hA v1 02:00:00:00:01:01 10.0.0.11/24
setup xvs_h hA port add sw v1 --dev v1
setup xvs_h hA port set sw v1 vlan access 10
setup vm_add hB v2 "$V2_MAC" 10.0.0.12/24
setup xvs_h hB port add sw v2 --dev v2
setup xvs_h hB port set sw v2 vlan access 10

# ---- refusals: one line, non-zero, nothing changed ----
refused "vmq on an emulated port" "vmq is for synthetic ports" xvs_h hA port set sw v1 vmq on
expect_eq "... v1 keeps vmq off" False "$(port_field hA sw v1 vmq)"
refused "vmq with a bad value" "expected on or off" xvs_h hA port set sw v1 vmq yes

setup xvsd_start hA
setup xvs_h hA port add sw s1 --synthetic --mac "$S1_MAC"
setup xvs_h hA port set sw s1 vlan access 10
xvsd_stop hA
refused "vmq on without xvsd" "xvsd is not running" xvs_h hA port set sw s1 vmq on
expect_eq "... s1 keeps vmq off" False "$(port_field hA sw s1 vmq)"
setup xvsd_start hA

setup xvs_h hA switch add isw --type internal --datapath xdp
setup xvs_h hA port add isw i1 --synthetic --mac 02:00:00:00:61:01
refused "vmq on a switch without uplink" "needs an external switch" xvs_h hA port set isw i1 vmq on
expect_eq "... i1 keeps vmq off" False "$(port_field hA isw i1 vmq)"
setup xvs_h hA switch del isw
setup link_add hA up0 hA up1
setup xvs_h hA switch add tsw --type external --uplink up0 --no-management-os --datapath tc
setup xvs_h hA port add tsw t1 --synthetic --mac 02:00:00:00:71:01
refused "vmq on a TC switch" "vmq needs the xdp datapath" xvs_h hA port set tsw t1 vmq on
expect_eq "... t1 keeps vmq off" False "$(port_field hA tsw t1 vmq)"
setup xvs_h hA switch del tsw

# ---- vmq on ----
setup vsc_start s1 hA s1 10.0.0.1/24
expect_ok "s1 reaches v2 across the trunk before VMQ" ping_ok s1 10.0.0.12
expect_ok "vmq on" xvs_h hA port set sw s1 vmq on
expect_eq "port show: vmq true" True "$(port_field hA sw s1 vmq)"
expect_ok "port show (table) lists vmq under policy" grep -q "vmq" <<<"$(xvs_h hA port show sw s1)"
expect_ok "xvsd bound VMQ sockets on the uplink" grep -q "s1: VMQ on (trunk, 2 queues)" \
	"$IT_TMP/xvsd-hA.log"
fresh_stats
expect_eq "stats: vmq on" True "$(vmq_field '["on"]')"
expect_eq "stats: on 2 uplink queues" 2 "$(vmq_field '["uplink_queues"]')"
expect_ok "vmq on again is a no-op" xvs_h hA port set sw s1 vmq on

vmq0=$(vmq_rx)
dev0=$(dev_rx)
expect_ok "v2 pings s1 across the trunk with VMQ on" nsx v2 ping -c 20 -i 0.05 -W 1 10.0.0.1
fresh_stats
expect_ge "the 20 echo requests from the uplink came through VMQ" $((vmq0 + 20)) "$(vmq_rx)"
vmq1=$(vmq_rx)
dev1=$(dev_rx)
expect_ok "v1 (same switch) pings s1" nsx v1 ping -c 10 -i 0.05 -W 1 10.0.0.1
fresh_stats
# (v2's ARP entry for s1 may be refreshed meanwhile: a unicast probe from the uplink is VMQ's.)
vmq_v1=$(vmq_rx)
expect_ok "frames from v1 do not use VMQ (it serves the uplink only): $vmq1 -> $vmq_v1" \
	test "$vmq_v1" -le $((vmq1 + 2))
expect_ge "frames from v1 came through the port device" $((dev1 + 10)) "$(dev_rx)"
expect_eq "no VMQ drops" 0 "$(vmq_field '["rx_drops"]')"

# ---- the same bytes either way ----
# A fixed frame from v2 to s1 (UDP, known unicast); what s1's TAP receives must not depend
# on the path.
FRAME="Ether(src='$V2_MAC',dst='$S1_MAC')/IP(src='10.0.0.12',dst='10.0.0.1',id=7)/UDP(sport=4000,dport=4001)/Raw(b'vmq-bytes'*20)"
capture_frame() { # capture_frame TAG: s1's TAP receives the fixed frame
	cap_start "$1" s1 eth0 in || return 1
	send_frames v2 eth0 "$FRAME" >/dev/null
	cap_stop "$1"
}
frame_hex() { tcpdump -r "$IT_TMP/$1.pcap" -nn -xx udp port 4001 2>/dev/null; }
vmq2=$(vmq_rx)
capture_frame with-vmq
fresh_stats
expect_ge "the fixed frame came through VMQ" $((vmq2 + 1)) "$(vmq_rx)"
expect_ok "vmq off" xvs_h hA port set sw s1 vmq off
expect_eq "port show: vmq false" False "$(port_field hA sw s1 vmq)"
dev2=$(dev_rx)
capture_frame without-vmq
fresh_stats
expect_ge "... and with vmq off through the port device" $((dev2 + 1)) "$(dev_rx)"
expect_eq "s1 received the fixed frame once each way" "1 1" \
	"$(cap_count with-vmq udp port 4001) $(cap_count without-vmq udp port 4001)"
expect_eq "byte for byte the same frame with VMQ on and off" "$(frame_hex with-vmq | tail -n +2)" \
	"$(frame_hex without-vmq | tail -n +2)"
closed() { [[ $(vmq_field '["on"]') == False ]]; }
expect_ok "xvsd let go of the VMQ sockets after vmq off" wait_for closed

# ---- the port's policy applies on the VMQ path too ----
setup xvs_h hA port set sw s1 vmq on
vmq3=$(vmq_rx)
RULE=$(xvs_h hA acl add sw s1 --dir in --action deny --remote-ip 10.0.0.12/32)
expect_ok "deny ACL in on s1 for v2" test -n "$RULE"
expect_fail "v2 no longer reaches s1" nsx v2 ping -c 3 -i 0.1 -W 1 10.0.0.1
fresh_stats
expect_eq "denied frames never reached the VMQ sockets" "$vmq3" "$(vmq_rx)"
expect_ge "they were counted as ACL drops" 3 "$(drop_count hA sw s1 acl)"
setup xvs_h hA acl del sw s1 "$RULE"
expect_ok "after the ACL is gone v2 reaches s1 again" ping_ok v2 10.0.0.1
setup xvs_h hA port set sw s1 vlan access 20
expect_fail "s1 on VLAN 20: v2 (VLAN 10) does not reach it" nsx v2 ping -c 2 -i 0.1 -W 1 10.0.0.1
setup xvs_h hA port set sw s1 vlan access 10
nsx v2 ip neigh flush dev eth0

# ---- throughput across the trunk with VMQ on ----
expect_ok "iperf3 TCP v2 -> s1 with VMQ on" iperf3_ok v2 s1 10.0.0.1
expect_ok "iperf3 TCP s1 -> v2 with VMQ on" iperf3_ok s1 v2 10.0.0.12

# ---- vmq on/off mid-stream: nothing lost ----
# A UDP stream from v2 to s1 while VMQ is turned off and on six times. Every datagram must be
# accounted for: received by s1's UDP stack (given to iperf3, or dropped by its full socket
# buffer), or dropped by xvsd for a reason it counts — no guest slot free (rx_drops), a full
# AF_XDP ring (rx_ring_full) — on either path. On a quiet machine those drops are 0; on a busy
# one the guest can fall behind, which is backpressure, not the switch-over. What the
# switch-over must never do is lose a frame uncounted.
# udp_in: datagrams s1's stack received (InDatagrams + RcvbufErrors).
udp_in() { nsx s1 awk '/^Udp:/ {n++} /^Udp:/ && n == 2 {print $2 + $6}' /proc/net/snmp; }
rcvbuf_errors() { nsx s1 awk '/^Udp:/ {n++} /^Udp:/ && n == 2 {print $6}' /proc/net/snmp; }
# xvsd_drops: everything xvsd counted as dropped towards s1, both paths.
xvsd_drops() {
	xvs_h hA -j stats sw s1 | jfield '(lambda s: s["vmq"]["rx_drops"] + s["vmq"]["rx_ring_full"] + sum(q["rx_drops"] + q["rx_ring_full"] for q in s["queues"]))(j[0]["synthetic"])'
}
nsx s1 iperf3 -s -1 -D -I "$IT_TMP/iperf-toggle.pid" >/dev/null 2>&1
sleep 0.3
fresh_stats
drops0=$(xvsd_drops)
udp0=$(udp_in)
rcv0=$(rcvbuf_errors)
nsx v2 timeout 30 iperf3 -c 10.0.0.1 -u -b 10M -l 1200 -t 6 -J >"$IT_TMP/toggle.json" 2>&1 &
IPERF_PID=$!
sleep 0.5
toggles=0
for state in off on off on off on; do
	xvs_h hA port set sw s1 vmq "$state" && toggles=$((toggles + 1))
	sleep 0.6
done
wait "$IPERF_PID"
nsx s1 sh -c "kill \$(cat $IT_TMP/iperf-toggle.pid 2>/dev/null) 2>/dev/null"
expect_eq "six vmq toggles under traffic succeeded" 6 "$toggles"
toggle_result() {
	"$PY" -c 'import json,sys; e=json.load(open(sys.argv[1]))["end"]["sum"]; print(e["packets"], e["lost_packets"])' \
		"$IT_TMP/toggle.json"
}
read -r sent lost <<<"$(toggle_result)"
udp1=$(udp_in)
fresh_stats
drops1=$(xvsd_drops)
got=$((udp1 - udp0))
counted=$((drops1 - drops0))
expect_ge "the UDP stream ran (datagrams sent)" 5000 "${sent:-0}"
# (iperf3 also sends one greeting datagram before the stream: received can be sent + 1.)
expect_ge "every datagram across six vmq toggles reached s1's stack or was counted as dropped" \
	"${sent:-1}" $((got + counted))
log "iperf3: $sent sent, $lost lost; s1's stack received $got (RcvbufErrors +$(($(rcvbuf_errors) - rcv0))); xvsd counted $counted dropped"

# ---- two VMQ ports share each uplink queue's buffers ----
# The second socket bound on a queue shares the first one's umem (XDP_SHARED_UMEM); the first
# one (whose socket owns the umem) may go first while the second keeps receiving.
setup xvs_h hA port add sw s2 --synthetic --mac 02:00:00:00:52:01
setup xvs_h hA port set sw s2 vlan access 10
setup vsc_start s2 hA s2 10.0.0.2/24
expect_ok "vmq on for s2 as well" xvs_h hA port set sw s2 vmq on
s2_vmq() { synth_field s2 '["vmq"]["rx_packets"]'; }
fresh_stats
a1=$(vmq_rx)
a2=$(s2_vmq)
expect_ok "v2 pings s1 (VMQ)" nsx v2 ping -c 10 -i 0.05 -W 1 10.0.0.1
expect_ok "v2 pings s2 (VMQ)" nsx v2 ping -c 10 -i 0.05 -W 1 10.0.0.2
fresh_stats
expect_ge "s1's frames came through its VMQ sockets" $((a1 + 10)) "$(vmq_rx)"
expect_ge "s2's frames came through its VMQ sockets" $((a2 + 10)) "$(s2_vmq)"
expect_ok "vmq off for s1, whose sockets were bound first" xvs_h hA port set sw s1 vmq off
closed1() { [[ $(vmq_field '["on"]') == False ]]; }
setup wait_for closed1
a2=$(s2_vmq)
expect_ok "v2 still pings s2" nsx v2 ping -c 10 -i 0.05 -W 1 10.0.0.2
fresh_stats
expect_ge "... through VMQ, on the shared buffers" $((a2 + 10)) "$(s2_vmq)"
expect_ok "vmq on for s1 again (joins the buffers s2 kept)" xvs_h hA port set sw s1 vmq on
a1=$(vmq_rx)
expect_ok "v2 pings s1 again" nsx v2 ping -c 10 -i 0.05 -W 1 10.0.0.1
fresh_stats
expect_ge "... through VMQ" $((a1 + 10)) "$(vmq_rx)"
expect_ok "port del s2 (vmq on)" xvs_h hA port del sw s2

# ---- xvsd restarted with vmq on ----
xvsd_stop hA
refused "vmq on (already on) while xvsd is down" "xvsd is not running" xvs_h hA port set sw s1 vmq on
expect_eq "... the flag stays on" True "$(port_field hA sw s1 vmq)"
log0=$(log_lines "$IT_TMP/xvsd-hA.log")
setup xvsd_start hA
rebound() { log_since "$IT_TMP/xvsd-hA.log" "$log0" | grep -q "s1: VMQ on"; }
expect_ok "the new xvsd binds the VMQ sockets again" wait_for rebound
setup wait_for grep -q "connected to" "$IT_TMP/vsc-s1.log"
expect_ok "vmq on (already on) confirms the new xvsd has the sockets" xvs_h hA port set sw s1 vmq on
vmq4=$(vmq_rx)
expect_ok "v2 reaches s1 after the restart" wait_for ping_ok v2 10.0.0.1
fresh_stats
expect_ge "... through VMQ" $((vmq4 + 1)) "$(vmq_rx)"

# ---- port del with vmq on ----
log0=$(log_lines "$IT_TMP/xvsd-hA.log")
expect_ok "port del s1 (vmq on)" xvs_h hA port del sw s1
deleted() { log_since "$IT_TMP/xvsd-hA.log" "$log0" | grep -q "stopped serving sw/s1"; }
expect_ok "xvsd let go of the port" wait_for deleted
expect_eq "... turning VMQ off first" "s1: VMQ off|stopped serving sw/s1" \
	"$(log_since "$IT_TMP/xvsd-hA.log" "$log0" | grep -oE 's1: VMQ o[nf]+|stopped serving sw/s1' | paste -sd'|')"
expect_ok "v2 still reaches v1" ping_ok v2 10.0.0.11
expect_ok "xvsd is still running" kill -0 "${XVSD_PID[hA]}"

it_end
