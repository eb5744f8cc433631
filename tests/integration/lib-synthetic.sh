# shellcheck shell=bash
# Helpers for scenarios with synthetic NICs (sourced after lib.sh): xvsd in a "host" namespace,
# xvs-vsc in "VM" namespaces, their counters, iperf3 runs.
# shellcheck disable=SC2317 # helpers called through expect_ok

XVSD_BIN=${XVSD_BIN:-$REPO_DIR/build/xvsd}
VSC_BIN=${VSC_BIN:-$REPO_DIR/build/xvs-vsc}
HOSTILE_BIN=${HOSTILE_BIN:-$REPO_DIR/build/vmbus-hostile-guest}
declare -A XVSD_PID=() VSC_PID=()

# xvsd_start HOST: xvsd in HOST's namespace with HOST's state dirs, until the request socket
# answers. Its log: $IT_TMP/xvsd-HOST.log.
xvsd_start() {
	local h=$1 i before
	before=$(log_lines "$IT_TMP/xvsd-$h.log")
	nsenter --net="/run/netns/$P$h" env XVS_ROOT="$(host_root "$h")" XVS_RUN="$(host_run "$h")" \
		"$XVSD_BIN" >>"$IT_TMP/xvsd-$h.log" 2>&1 &
	XVSD_PID[$h]=$!
	IT_PIDS+=($!)
	for ((i = 0; i < 50; i++)); do
		[[ -S $(host_run "$h")/xvsd.sock ]] && log_since "$IT_TMP/xvsd-$h.log" "$before" |
			grep -q "listening at" && return 0
		sleep 0.1
	done
	echo "xvsd did not start: $(cat "$IT_TMP/xvsd-$h.log")"
	return 1
}

# log_lines FILE: its line count now (0 if missing); log_since FILE N: its lines after the
# first N (what a restarted process logged, in a log that is appended to).
log_lines() { if [[ -e $1 ]]; then wc -l <"$1"; else echo 0; fi; }
log_since() { tail -n +$(($2 + 1)) "$1"; }

xvsd_stop() {
	local h=$1
	kill -TERM "${XVSD_PID[$h]}" 2>/dev/null
	wait "${XVSD_PID[$h]}" 2>/dev/null
}

# vsc_start VM HOST PORT [IP/PREFIX]: a VM namespace running xvs-vsc for port PORT of switch sw
# on HOST; eth0 is its TAP.
vsc_start() {
	local vm=$1 h=$2 port=$3 ip=${4:-} i
	[[ -e /run/netns/$P$vm ]] || { ns_add "$vm" || return 1; }
	nsenter --net="/run/netns/$P$vm" "$VSC_BIN" --connect "$(host_run "$h")/sw/$port.sock" \
		--tap eth0 >>"$IT_TMP/vsc-$vm.log" 2>&1 &
	VSC_PID[$vm]=$!
	IT_PIDS+=($!)
	for ((i = 0; i < 50; i++)); do
		grep -q "connected to" "$IT_TMP/vsc-$vm.log" 2>/dev/null && dev_exists "$vm" eth0 && break
		sleep 0.1
	done
	dev_exists "$vm" eth0 || { cat "$IT_TMP/vsc-$vm.log"; return 1; }
	if [[ -n $ip ]] && ! nsx "$vm" ip -br addr show dev eth0 | grep -q "${ip%/*}"; then
		nsx "$vm" ip addr add "$ip" dev eth0
	fi
}

# synth_field PORT PATH: a field of the synthetic counters of port PORT of switch sw on host hA
# (PATH like '["guest"]', from `xvs -j stats`).
synth_field() { xvs_h hA -j stats sw "$1" | jfield "j[0][\"synthetic\"]$2"; }

# refused DESC WANT CMD...: the command fails with one line on stderr containing WANT.
refused() {
	local desc=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	expect_eq "$desc: exits 1" 1 "$rc"
	expect_eq "$desc: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
	expect_ok "$desc: says '$want'" grep -qF -- "$want" <<<"$out"
}

# wait_for CMD...: retry CMD until it succeeds, for up to 5 s.
wait_for() {
	local i
	for ((i = 0; i < 50; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# iperf3_ok CLIENT SERVER SERVER_IP [ARGS...]: one 2-second run; prints bytes received.
iperf3_ok() {
	local c=$1 sv=$2 ip=$3 out
	shift 3
	nsx "$sv" iperf3 -s -1 -D -I "$IT_TMP/iperf-$sv.pid" >/dev/null 2>&1 || return 1
	sleep 0.3
	out=$(nsx "$c" timeout 20 iperf3 -c "$ip" -t 2 -J "$@" 2>&1)
	nsx "$sv" sh -c "kill \$(cat $IT_TMP/iperf-$sv.pid) 2>/dev/null"
	"$PY" -c '
import json, sys
try:
    j = json.loads(sys.argv[1])
except ValueError:
    print("iperf3 printed no JSON: " + sys.argv[1][:300]); sys.exit(1)
e = j.get("end", {}); r = e.get("sum_received") or e.get("sum") or {}; b = int(r.get("bytes", 0))
print(b, j.get("error", ""))
sys.exit(0 if b > 100000 and "error" not in j else 1)' "$out"
}
