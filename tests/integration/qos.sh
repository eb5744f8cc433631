#!/usr/bin/env bash
# QoS through the dataplane, measured with real traffic:
#   max-rate 20mbit on qa, both directions (out of the VM and into it), UDP at twice the rate
#   and TCP, each 10 s with iperf3: the rate the receiver saw is the limit within ±10%
#   (max-rate counts Ethernet frame bytes, iperf3 payload bytes: the expectation is scaled by
#   payload / frame size);
#   storm-limit 100 on qc: broadcasts paced at 400/s for 5 s, what arrives is 100/s + burst
#   within ±10%, the rest counted as storm-limit drops, known unicast untouched;
#   min-weight 1 (qa) and 3 (qc) sharing uplink-rate 40mbit: both offer 40 Mbit/s of UDP to sk
#   (standing in for the uplink) for 10 s and get 10 and 30 Mbit/s within ±10%.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

command -v iperf3 >/dev/null || { fail "setup: iperf3 is not installed (make setup)"; exit 1; }

setup host_add h
setup xvs_h h switch add qsw --type private
setup vm_add h qa 02:00:00:00:06:01 10.0.6.1/24
setup vm_add h qb 02:00:00:00:06:02 10.0.6.2/24
setup vm_add h qc 02:00:00:00:06:03 10.0.6.3/24
setup vm_add h sk 02:00:00:00:06:04 10.0.6.4/24
for vm in qa qb qc sk; do setup xvs_h h port add qsw "$vm" --dev "$vm" --mac "${VM_MAC[$vm]}"; done
setup ping_ok qa 10.0.6.2
setup ping_ok qc 10.0.6.4
setup ping_ok qa 10.0.6.4

RATE=20000000
setup xvs_h h port set qsw qa max-rate 20mbit
expect_eq "port show: max_rate_bps" $RATE "$(port_field h qsw qa max_rate_bps)"

# iperf_server VM PORT: a one-off iperf3 server in VM, listening when this returns.
iperf_server() {
	local i
	nsx "$1" iperf3 -s -1 -p "$2" >/dev/null 2>&1 &
	IT_PIDS+=($!)
	for ((i = 0; i < 50; i++)); do
		nsx "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	log "iperf3 server in $1 on port $2 did not start"
}
# iperf VM_SERVER PORT VM_CLIENT ARGS...: one iperf3 run; prints the receiver's bit/s.
iperf() {
	local srv=$1 port=$2 cli=$3 out
	shift 3
	iperf_server "$srv" "$port"
	out=$(nsx "$cli" iperf3 -c "${VM_IP[$srv]}" -p "$port" -J "$@" 2>&1)
	"$PY" -c 'import json,sys; print(int(json.loads(sys.argv[1])["end"]["sum_received"]["bits_per_second"]))' "$out" 2>/dev/null ||
		log "iperf3 $cli -> $srv failed: $(head -c 300 <<<"$out")"
}
# within DESC EXPECTED SEEN PERCENT: SEEN is EXPECTED ± PERCENT %.
within() {
	if [[ $3 =~ ^[0-9]+$ ]] && (($3 * 100 >= $2 * (100 - $4) && $3 * 100 <= $2 * (100 + $4))); then
		pass "$1 (expected $2, measured $3)"
	else
		fail "$1" "expected $2 ± $4%, measured '$3'"
	fi
}
# Goodput of a rate limit in frame bytes: UDP datagrams of 1400 bytes are 1442-byte frames,
# TCP segments of 1448 bytes (timestamps on) 1514-byte frames.
UDP_EXP=$((RATE * 1400 / 1442))
TCP_EXP=$((RATE * 1448 / 1514))

q0=$(drop_count h qsw qa qos)
within "max-rate out, UDP at 2x the rate for 10 s" $UDP_EXP \
	"$(iperf qb 5201 qa -u -b 40M -l 1400 -t 10)" 10
expect_ge "max-rate out: the excess is counted as qos drops on qa" 10000 \
	"$(($(drop_count h qsw qa qos) - q0))"
within "max-rate in, UDP at 2x the rate for 10 s" $UDP_EXP \
	"$(iperf qa 5202 qb -u -b 40M -l 1400 -t 10)" 10
within "max-rate out, TCP for 10 s" $TCP_EXP "$(iperf qb 5203 qa -t 10)" 10
within "max-rate in, TCP for 10 s" $TCP_EXP "$(iperf qa 5204 qb -t 10)" 10
# The control: without the limit the same UDP load gets through.
setup xvs_h h port set qsw qa max-rate none
expect_ge "max-rate none: UDP offered at 40 Mbit/s gets well past the old 20 Mbit/s" 30000000 \
	"$(iperf qb 5205 qa -u -b 40M -l 1400 -t 3)"

# ---- storm-limit -----------------------------------------------------------------------------

setup xvs_h h port set qsw qc storm-limit 100
expect_eq "port show: storm_limit_pps" 100 "$(port_field h qsw qc storm_limit_pps)"
s0=$(drop_count h qsw qc storm-limit)
setup cap_start storm qb eth0
# 2000 broadcasts paced at 400/s (4x the limit) for 5 s, from an AF_PACKET socket.
sent=$(nsx qc "$PY" - <<'EOF'
import logging, socket, time
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, raw
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
frame = raw(Ether(src="02:00:00:00:06:03", dst="ff:ff:ff:ff:ff:ff") /
            IP(src="10.0.6.3", dst="10.0.6.255") / UDP(sport=7777, dport=7777) / b"storm-test")
t0 = time.monotonic()
for i in range(2000):
    while time.monotonic() < t0 + i / 400:
        pass
    s.send(frame)
print(2000)
EOF
)
cap_stop storm
got=$(cap_count storm "udp port 7777")
# 5 s at 100/s plus the burst of a tenth of a second (10).
within "storm-limit 100: broadcasts at 400/s for 5 s arrive at 100/s + burst" 510 "$got" 10
expect_eq "storm-limit: the rest counted as storm-limit drops" $((sent - got)) \
	"$(($(drop_count h qsw qc storm-limit) - s0))"
expect_ok "storm-limit: known unicast (ping) from qc is not limited" \
	nsx qc ping -c 20 -i 0.01 -W 1 -q 10.0.6.4

# ---- min-weight --------------------------------------------------------------------------------

CAP=40000000
setup xvs_h h port set qsw qc storm-limit 0
setup xvs_h h switch set qsw uplink-rate 40mbit
setup xvs_h h port set qsw qa min-weight 1
setup xvs_h h port set qsw qc min-weight 3
expect_eq "switch show: uplink_rate_bps" $CAP "$(xvs_h h -j switch show qsw | jfield 'j[0]["uplink_rate_bps"]')"
iperf_server sk 5301
iperf_server sk 5302
nsx qa iperf3 -c 10.0.6.4 -p 5301 -u -b 40M -l 1400 -t 10 -J >"$IT_TMP/mw-a.json" 2>&1 &
pa=$!
nsx qc iperf3 -c 10.0.6.4 -p 5302 -u -b 40M -l 1400 -t 10 -J >"$IT_TMP/mw-c.json" 2>&1 &
pc=$!
sleep 5
shares=$(xvs_h h -j port show qsw | jfield '" ".join(str(p.get("share_out_bps", 0)) for p in j if p["name"] in ("qa", "qc"))')
wait "$pa" "$pc"
rate_of() { "$PY" -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$1" 2>/dev/null; }
ra=$(rate_of "$IT_TMP/mw-a.json")
rc=$(rate_of "$IT_TMP/mw-c.json")
expect_eq "min-weight: shares in force while both send (qa, qc)" "$((CAP / 4)) $((CAP * 3 / 4))" "$shares"
within "min-weight 1 of 4: qa gets a quarter of the uplink rate" $((CAP * 1400 / 1442 / 4)) "$ra" 10
within "min-weight 3 of 4: qc gets three quarters" $((CAP * 3 * 1400 / 1442 / 4)) "$rc" 10

it_end
