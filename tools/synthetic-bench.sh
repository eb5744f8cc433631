#!/usr/bin/env bash
# Synthetic NIC vs emulated (veth) NIC, VM to VM on one xvs switch (XDP datapath), in the same
# run: contenders take turns, ROUNDS rounds; medians and per-round ratios on stdout
# (docs/BENCHMARKS.md, "Synthetic NICs"). Needs root and a built tree (make).
#
#   bash tools/synthetic-bench.sh [ROUNDS] [SECONDS]      (defaults 3 rounds of 3 s)
#
# Contenders (each VM to VM through the switch):
#   tcp    iperf3 TCP, one stream: s1 -> s2 (xvs-vsc TAPs) vs e1 -> e2 (veth, tx csum off);
#          and the same with -R (the server sends)
#   poll   xvs-vsc-pps: 64-byte frames from a poll-mode program on the C API (vmbus/vsc.h) of
#          synthetic port p1 vs the same program with AF_PACKET sendmmsg from e1; counted at
#          e2 (rx_packets of its eth0)
set -u
ROUNDS=${1:-3}
SECS=${2:-3}
export IT_SCEN=synthbench
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"
it_begin
B=$REPO_DIR/build

setup host_add h
setup xvs_h h switch add sw --type private --datapath xdp
nsenter --net="/run/netns/${P}h" env XVS_ROOT="$(host_root h)" XVS_RUN="$(host_run h)" \
	"$B/xvsd" --quiet >"$IT_TMP/xvsd.log" 2>&1 &
IT_PIDS+=($!)
for ((i = 0; i < 50; i++)); do [[ -S $(host_run h)/xvsd.sock ]] && break; sleep 0.1; done
n=1
for vm in s1 s2 p1; do
	setup xvs_h h port add sw "$vm" --synthetic --mac "02:00:00:00:5$n:01"
	n=$((n + 1))
done
for vm in s1 s2; do
	setup ns_add "$vm"
	nsenter --net="/run/netns/$P$vm" "$B/xvs-vsc" --quiet --connect "$(host_run h)/sw/$vm.sock" \
		--tap eth0 &
	IT_PIDS+=($!)
done
setup vm_add h e1 02:00:00:00:e1:01 10.0.0.21/24
setup vm_add h e2 02:00:00:00:e2:01 10.0.0.22/24
setup xvs_h h port add sw e1 --dev e1
setup xvs_h h port add sw e2 --dev e2
sleep 1
setup nsx s1 ip addr add 10.0.0.11/24 dev eth0
setup nsx s2 ip addr add 10.0.0.12/24 dev eth0
for pair in "s1 10.0.0.12" "e1 10.0.0.22" "s2 10.0.0.11" "e2 10.0.0.21"; do
	setup ping_ok "${pair% *}" "${pair#* }"
done

# iperf3_run CLIENT SERVER IP ARGS...: bits per second at the receiver.
iperf3_run() {
	local c=$1 s=$2 ip=$3 out
	shift 3
	nsx "$s" iperf3 -s -1 -D -I "$IT_TMP/iperf.pid" >/dev/null 2>&1
	sleep 0.3
	out=$(nsx "$c" timeout $((SECS + 15)) iperf3 -c "$ip" -t "$SECS" -J "$@" 2>/dev/null)
	nsx "$s" sh -c "kill \$(cat $IT_TMP/iperf.pid 2>/dev/null) 2>/dev/null"
	"$PY" -c '
import json, sys
j = json.loads(sys.argv[1]); e = j["end"]
print(e["sum_received"]["bits_per_second"])' "$out" 2>/dev/null || echo 0
}

rxp() { nsx e2 cat /proc/net/dev | awk '/eth0:/ {print $3}'; }
poll_run() {
	local before after
	before=$(rxp)
	"$@" >/dev/null 2>&1
	sleep 0.5
	after=$(rxp)
	echo $(((after - before) / SECS))
}

declare -A R=()
for ((r = 1; r <= ROUNDS; r++)); do
	R[tcp_syn_$r]=$(iperf3_run s1 s2 10.0.0.12)
	R[tcp_emu_$r]=$(iperf3_run e1 e2 10.0.0.22)
	R[tcpr_syn_$r]=$(iperf3_run s1 s2 10.0.0.12 -R)
	R[tcpr_emu_$r]=$(iperf3_run e1 e2 10.0.0.22 -R)
	R[poll_syn_$r]=$(poll_run nsx h "$B/xvs-vsc-pps" --connect "$(host_run h)/sw/p1.sock" \
		--dst 02:00:00:00:e2:01 --src-ip 10.0.0.13 --dst-ip 10.0.0.22 --secs "$SECS")
	R[poll_emu_$r]=$(poll_run nsx e1 "$B/xvs-vsc-pps" --packet eth0 \
		--dst 02:00:00:00:e2:01 --src-ip 10.0.0.21 --dst-ip 10.0.0.22 --secs "$SECS")
	echo "round $r: tcp ${R[tcp_syn_$r]} / ${R[tcp_emu_$r]} bit/s, reverse ${R[tcpr_syn_$r]} / ${R[tcpr_emu_$r]} bit/s, poll ${R[poll_syn_$r]} / ${R[poll_emu_$r]} pps" >&2
done

"$PY" - "$ROUNDS" "$(uname -r)" "$(nproc)" "$SECS" "$(declare -p R)" <<'EOF'
import re, statistics, sys, time
rounds, kernel, cpus, secs = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
R = dict(re.findall(r'\[(\w+)\]="([^"]*)"', sys.argv[5]))
print(f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, kernel {kernel}, {cpus} CPUs; "
      f"{rounds} rounds of {secs} s per contender, taking turns\n")
print("| test | synthetic NIC, median (min-max) | emulated NIC, median (min-max) | synthetic / emulated, median of per-round ratios (min-max) |")
print("| --- | ---: | ---: | ---: |")
for t, unit, scale in (("tcp", "Gbit/s", 1e9), ("tcpr", "Gbit/s", 1e9), ("poll", "kpps", 1e3)):
    s = [float(R[f"{t}_syn_{r}"]) / scale for r in range(1, rounds + 1)]
    e = [float(R[f"{t}_emu_{r}"]) / scale for r in range(1, rounds + 1)]
    q = [a / b for a, b in zip(s, e) if b > 0]
    name = {"tcp": "iperf3 TCP", "tcpr": "iperf3 TCP -R", "poll": "64 B frames, sender program"}[t]
    print(f"| {name} ({unit}) | {statistics.median(s):.2f} ({min(s):.2f}-{max(s):.2f}) | "
          f"{statistics.median(e):.2f} ({min(e):.2f}-{max(e):.2f}) | "
          + (f"{statistics.median(q):.2f} ({min(q):.2f}-{max(q):.2f})" if q else "-") + " |")
EOF
it_end
