#!/usr/bin/env bash
# xvs forwarding benchmark: Mpps through xvs against a bare XDP devmap redirect and the Linux
# bridge on the same veth topology, in the same run, contenders taking turns; then the
# per-packet cost of the xvs ingress program under BPF_PROG_TEST_RUN for 10 .. 100,000 MACs.
# Method and results: docs/BENCHMARKS.md (this script rewrites its marked results section).
#
#   bash tools/bench.sh            (or `make bench`; needs root and a built tree)
#
# Environment:
#   BENCH_COUNT=3000000      frames per run
#   BENCH_ROUNDS=5           rounds; every round runs every contender once, in turn
#   BENCH_CPU=0              CPU the generator (and so the whole softirq path) runs on
#   BENCH_CONTENDERS="..."   subset/order of: bare bare-egress xvs xvs-policy bridge xvs-100k
#                            xvs-trunk bare-flood xvs-flood bridge-flood
#   BENCH_COST_SIZES="10 1000 100000"   FDB sizes for the per-packet cost
#   BENCH_DOC=docs/BENCHMARKS.md        results section to rewrite; empty: do not write
#
# Topology (all inside namespaces this script creates and always removes):
#
#   [gen ns] g0 ==veth== s0 [sw ns: device under test] s1..s4 ==veth== k1..k4 [sink ns]
#
# The generator is an XDP program run with BPF_PROG_TEST_RUN live frames that redirects every
# frame out of g0; the whole path (s0's XDP or stack, the switch, k*'s XDP sink) runs in
# softirq on the generator's CPU. Frames are counted by an XDP count-and-drop program on
# k1..k4, never at the sender.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
XVS_BIN=$BUILD/xvs
TG_BIN=$BUILD/xvs-trafgen
COUNT=${BENCH_COUNT:-3000000}
ROUNDS=${BENCH_ROUNDS:-5}
CPU=${BENCH_CPU:-0}
CONTENDERS=${BENCH_CONTENDERS-"bare bare-egress xvs xvs-policy bridge xvs-100k xvs-trunk bare-flood xvs-flood bridge-flood"}
COST_SIZES=${BENCH_COST_SIZES-"10 1000 100000"}
DOC=${BENCH_DOC-$ROOT/docs/BENCHMARKS.md}
ROT_BIG=100000                      # destinations of the xvs-100k contender
DST=02:be:00:00:00:00               # known unicast destination (index 0 of fdb-fill)
BCAST=ff:ff:ff:ff:ff:ff

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

[[ $EUID -eq 0 ]] || die "needs root (network namespaces, XDP, bpffs)"
[[ -x $XVS_BIN && -x $TG_BIN ]] || die "build first: make all (missing $XVS_BIN or $TG_BIN)"
for t in ip ethtool nsenter taskset bridge mount umount awk sort; do
	command -v "$t" >/dev/null || die "missing tool: $t"
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer"

TAG=xvsb$$
NS_GEN=$TAG-gen NS_SW=$TAG-sw NS_SINK=$TAG-sink
TMP=$(mktemp -d /tmp/xvs-bench.XXXXXX)
BPFFS=$TMP/bpf
RES=$TMP/results
COSTRES=$TMP/cost
POLICYRES=$TMP/policy
mkdir -p "$BPFFS" "$TMP/run"
: >"$RES"
: >"$COSTRES"
: >"$POLICYRES"

in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" -- "$@"; }
# xvs with a private state root; nsenter (not `ip netns exec`) keeps the bpffs pins visible.
xvsc() { in_ns "$NS_SW" env XVS_ROOT="$BPFFS/xvs" XVS_RUN="$TMP/run" "$XVS_BIN" "$@"; }
tg_sw() { in_ns "$NS_SW" "$TG_BIN" "$@"; }

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	if [[ -d $BPFFS/xvs ]]; then
		for d in "$BPFFS"/xvs/*/; do
			[[ -d $d ]] && xvsc switch del "$(basename "$d")" 2>/dev/null
		done
	fi
	[[ -d $BPFFS/bare ]] && "$TG_BIN" bare detach --pin "$BPFFS/bare" 2>/dev/null
	for d in "$BPFFS"/sink-*; do
		[[ -d $d ]] && "$TG_BIN" sink detach --pin "$d" 2>/dev/null
	done
	for ns in "$NS_GEN" "$NS_SW" "$NS_SINK"; do
		[[ -e /run/netns/$ns ]] && ip netns del "$ns"
	done
	if mountpoint -q "$BPFFS"; then
		umount "$BPFFS" 2>/dev/null || umount -l "$BPFFS"
	fi
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- topology ----

mount -t bpf bpf "$BPFFS"
for ns in "$NS_GEN" "$NS_SW" "$NS_SINK"; do
	ip netns add "$ns"
	# No IPv6: router solicitations and MLD reports would reach the sinks.
	in_ns "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	in_ns "$ns" ip link set lo up
done
ip link add g0 netns "$NS_GEN" type veth peer name s0 netns "$NS_SW"
for i in 1 2 3 4; do
	ip link add "s$i" netns "$NS_SW" type veth peer name "k$i" netns "$NS_SINK"
done
offloads_off() {
	local ns=$1 dev=$2
	in_ns "$ns" ethtool -K "$dev" tx off >/dev/null 2>&1 || true
	in_ns "$ns" ethtool -K "$dev" rxvlan off txvlan off >/dev/null 2>&1 || true
	in_ns "$ns" ethtool -K "$dev" rx-vlan-stag-hw-parse off tx-vlan-stag-hw-insert off \
		>/dev/null 2>&1 || true
}
offloads_off "$NS_GEN" g0
for i in 0 1 2 3 4; do
	offloads_off "$NS_SW" "s$i"
	# NAPI on the switch side: the generator redirects into g0, whose peer s0 must have XDP or
	# GRO on to take xdp_frames (the bridge contender has no XDP on s0).
	in_ns "$NS_SW" ethtool -K "s$i" gro on >/dev/null
	in_ns "$NS_SW" ip link set "s$i" up
done
in_ns "$NS_GEN" ip link set g0 up
SINK_DIRS=()
for i in 1 2 3 4; do
	offloads_off "$NS_SINK" "k$i"
	in_ns "$NS_SINK" ip link set "k$i" up
	in_ns "$NS_SINK" "$TG_BIN" sink attach --dev "k$i" --pin "$BPFFS/sink-k$i"
	SINK_DIRS+=("$BPFFS/sink-k$i")
done
SINK1=${SINK_DIRS[0]}
SINK4=$(IFS=,; echo "${SINK_DIRS[*]}")
# The Linux bridge gets its best case: no br_netfilter hooks in the switch namespace
# (the module may be loaded on the host; these sysctls are per namespace).
in_ns "$NS_SW" sysctl -q -w net.bridge.bridge-nf-call-iptables=0 \
	net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0 2>/dev/null ||
	true

# ---- contenders ----

# Frames that entered the switch: XDP/NAPI receive count of s0 (all rx queues).
in_count() {
	in_ns "$NS_SW" ethtool -S s0 | awk '/rx_queue_[0-9]+_xdp_packets:/ { n += $2 } END { print n + 0 }'
}

xvs_make() { # NPORTS
	xvsc switch add bsw --type private --fdb-size 131072
	for ((i = 0; i <= $1; i++)); do
		xvsc port add bsw "p$i" --dev "s$i"
	done
}

# The policy of the xvs-policy contender and the policy cost: both guards, a storm limit and a
# max-rate far above what one core forwards, so every frame pays for the checks, the clock and
# the bucket but none is dropped.
POLICY=(dhcp-guard on router-guard on storm-limit 1000000 max-rate 100gbit)
policy_on() { # SWITCH PORT...
	local sw=$1 p k
	shift
	for p in "$@"; do
		for ((k = 0; k < ${#POLICY[@]}; k += 2)); do
			xvsc port set "$sw" "$p" "${POLICY[k]}" "${POLICY[k + 1]}"
		done
	done
}

br_make() { # NPORTS
	in_ns "$NS_SW" ip link add br0 type bridge
	for ((i = 0; i <= $1; i++)); do
		in_ns "$NS_SW" ip link set "s$i" master br0
	done
	in_ns "$NS_SW" ip link set br0 up
}

setup() { # CONTENDER -> sets GEN_ARGS, SINKS, FANOUT
	GEN_ARGS=(--dst "$DST")
	SINKS=$SINK1
	FANOUT=1
	case $1 in
	bare)
		tg_sw bare attach --in s0 --out s1 --pin "$BPFFS/bare" ;;
	bare-egress)
		tg_sw bare attach --in s0 --out s1 --egress --pin "$BPFFS/bare" ;;
	bare-flood)
		tg_sw bare attach --in s0 --out s1,s2,s3,s4 --pin "$BPFFS/bare"
		GEN_ARGS=(--dst "$BCAST") SINKS=$SINK4 FANOUT=4 ;;
	xvs)
		xvs_make 1
		xvsc fdb add bsw "$DST" p1 ;;
	xvs-policy)
		xvs_make 1
		xvsc fdb add bsw "$DST" p1
		policy_on bsw p0 p1 ;;
	xvs-100k)
		xvs_make 1
		tg_sw fdb-fill --switch-dir "$BPFFS/xvs/bsw" --dev s1 --count "$ROT_BIG"
		GEN_ARGS=(--dst "$DST" --rotate "$ROT_BIG") ;;
	xvs-trunk)
		xvs_make 1
		xvsc port set bsw p0 vlan access 10
		xvsc port set bsw p1 vlan trunk 1-4094 native 0
		xvsc fdb add bsw "$DST" p1 --vlan 10 ;;
	xvs-flood)
		xvs_make 4
		GEN_ARGS=(--dst "$BCAST") SINKS=$SINK4 FANOUT=4 ;;
	bridge)
		br_make 1
		in_ns "$NS_SW" bridge fdb add "$DST" dev s1 master static ;;
	bridge-flood)
		br_make 4
		GEN_ARGS=(--dst "$BCAST") SINKS=$SINK4 FANOUT=4 ;;
	*)
		die "unknown contender '$1'" ;;
	esac
}

teardown() { # CONTENDER
	case $1 in
	bare | bare-egress | bare-flood) tg_sw bare detach --pin "$BPFFS/bare" ;;
	xvs*) xvsc switch del bsw ;;
	bridge*) in_ns "$NS_SW" ip link del br0 ;;
	esac
}

kv() { # KEY LINE -> value of KEY=value in LINE
	tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2 }'
}

run_one() { # CONTENDER ROUND
	local c=$1 r=$2 out before after elapsed recv sent
	setup "$c"
	sleep 0.2
	before=$(in_count)
	if ! out=$(in_ns "$NS_GEN" taskset -c "$CPU" "$TG_BIN" gen --dev g0 --count "$COUNT" \
		"${GEN_ARGS[@]}" --sink "$SINKS"); then
		teardown "$c"
		die "generator failed for $c"
	fi
	after=$(in_count)
	teardown "$c"
	elapsed=$(kv elapsed_ns "$out")
	recv=$(kv received "$out")
	sent=$(kv sent "$out")
	# contender round out_mpps in_mpps delivered_fraction
	awk -v c="$c" -v r="$r" -v e="$elapsed" -v rc="$recv" -v s="$sent" -v f="$FANOUT" \
		-v i="$((after - before))" 'BEGIN {
		printf "%s %d %.4f %.4f %.4f\n", c, r, rc / e * 1e3, i / e * 1e3, rc / (s * f) }' \
		| tee -a "$RES" >&2
}

# median min max of the numbers on stdin
stats() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (!NR) { print "nan nan nan"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f %.2f %.2f\n", m, v[1], v[NR] }'
}
col() { awk -v c="$1" -v k="$2" '$1 == c { print $k }' "$RES"; }
# per-round ratio of column K of contender A over contender B
ratios() {
	awk -v a="$1" -v b="$2" -v k="$3" '$1 == a { x[$2] = $k } $1 == b { y[$2] = $k }
		END { for (r in x) if ((r in y) && y[r] > 0) print x[r] / y[r] }' "$RES"
}
has() { [[ " $CONTENDERS " == *" $1 "* ]]; }

log "topology up; $ROUNDS rounds of: $CONTENDERS ($COUNT frames each, generator on CPU $CPU)"
# Warm-up (not recorded): page pool, caches, lazily allocated veth rings.
if [[ -n $CONTENDERS ]]; then
	setup bare
	in_ns "$NS_GEN" taskset -c "$CPU" "$TG_BIN" gen --dev g0 --count 500000 --dst "$DST" >/dev/null
	teardown bare
fi

for ((round = 1; round <= ROUNDS; round++)); do
	for c in $CONTENDERS; do
		run_one "$c" "$round"
	done
done

# ---- per-packet cost under BPF_PROG_TEST_RUN ----

log "per-packet cost of xvs_ingress (test run, ns over an XDP_PASS program)"
xvsc switch add bcost --type private --fdb-size 131072
xvsc port add bcost p0 --dev s0
xvsc port add bcost p1 --dev s1
for n in $COST_SIZES; do
	tg_sw fdb-fill --switch-dir "$BPFFS/xvs/bcost" --dev s1 --count "$n"
	fixed=$(in_ns "$NS_SW" taskset -c "$CPU" "$TG_BIN" cost --prog "$BPFFS/xvs/bcost/xvs_ingress" \
		--in-dev s0 --dst "$DST")
	rot=$(in_ns "$NS_SW" taskset -c "$CPU" "$TG_BIN" cost --prog "$BPFFS/xvs/bcost/xvs_ingress" \
		--in-dev s0 --dst "$DST" --rotate "$n")
	[[ $(kv retval "$fixed") == 4 && $(kv retval "$rot") == 4 ]] ||
		die "xvs_ingress did not redirect under test run ($fixed / $rot)"
	echo "$n $(kv delta_ns "$fixed") $(kv prog_ns "$fixed") $(kv pass_ns "$fixed") $(kv delta_ns "$rot") $(kv prog_ns "$rot") $(kv pass_ns "$rot")" |
		tee -a "$COSTRES" >&2
done
# The same frame with policy on both ports, variant by variant: guards only (they parse the
# IPv4/UDP headers), max-rate only (the out bucket reads the clock and takes its spin lock), and
# everything of xvs-policy (storm-limit adds nothing to known unicast). The in bucket runs with
# the egress work: inline where the kernel gives XDP a metadata area, else in xvs_egress, which
# a test run does not reach.
tg_sw fdb-fill --switch-dir "$BPFFS/xvs/bcost" --dev s1 --count 10
policy_cost() { # LABEL: one cost line for the policy now set
	local out
	out=$(in_ns "$NS_SW" taskset -c "$CPU" "$TG_BIN" cost --prog "$BPFFS/xvs/bcost/xvs_ingress" \
		--in-dev s0 --dst "$DST")
	[[ $(kv retval "$out") == 4 ]] || die "xvs_ingress ($1) did not redirect under test run ($out)"
	echo "$1 $(kv delta_ns "$out") $(kv prog_ns "$out") $(kv pass_ns "$out")" | tee -a "$POLICYRES" >&2
}
policy_cost none
for p in p0 p1; do
	xvsc port set bcost "$p" dhcp-guard on
	xvsc port set bcost "$p" router-guard on
done
policy_cost guards
for p in p0 p1; do
	xvsc port set bcost "$p" dhcp-guard off
	xvsc port set bcost "$p" router-guard off
	xvsc port set bcost "$p" max-rate 100gbit
done
policy_cost max-rate
policy_on bcost p0 p1
policy_cost all
xvsc switch del bcost
bare=$(in_ns "$NS_SW" taskset -c "$CPU" "$TG_BIN" cost --bare-out s1 --in-dev s0 --dst "$DST")
[[ $(kv retval "$bare") == 4 ]] || die "the bare forwarder did not redirect under test run ($bare)"
BARE_COST="$(kv delta_ns "$bare") $(kv prog_ns "$bare") $(kv pass_ns "$bare")"
log "bare redirect: $BARE_COST"

# ---- report ----

report() {
	local c s med lo hi imed ilo ihi dmin bd bp bq
	echo "Run: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)'),"
	echo "kernel $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)),"
	echo "$COUNT frames of 60 bytes per run, $ROUNDS rounds, contenders in turn: $CONTENDERS."
	echo
	echo "| contender | what | Mpps out, median | min–max | Mpps in (floods) | delivered |"
	echo "| --- | --- | ---: | ---: | ---: | ---: |"
	for c in $CONTENDERS; do
		case $c in
		bare) s="XDP devmap redirect s0 → s1 (one \`bpf_redirect_map\`)" ;;
		bare-egress) s="bare, plus a done mark in XDP metadata and a devmap egress program that strips it" ;;
		xvs) s="xvs, known unicast, untagged → untagged" ;;
		xvs-policy) s="as xvs, with dhcp-guard, router-guard, storm-limit 1000000 and max-rate 100gbit on both ports" ;;
		bridge) s="Linux bridge, known unicast (static fdb)" ;;
		xvs-100k) s="xvs, known unicast, destinations rotating over 100,000 FDB entries" ;;
		xvs-trunk) s="xvs, access 10 → trunk (tag push), known unicast" ;;
		bare-flood) s="XDP devmap broadcast to 4 ports (no egress program)" ;;
		xvs-flood) s="xvs, broadcast flooded to 4 ports" ;;
		bridge-flood) s="Linux bridge, broadcast to 4 ports" ;;
		esac
		read -r med lo hi < <(col "$c" 3 | stats)
		read -r imed ilo ihi < <(col "$c" 4 | stats)
		dmin=$(col "$c" 5 | sort -g | head -1)
		if [[ $c == *flood ]]; then
			printf '| %s | %s | %s | %s–%s | %s (%s–%s) | ≥ %.1f%% |\n' "$c" "$s" "$med" "$lo" "$hi" \
				"$imed" "$ilo" "$ihi" "$(awk -v d="$dmin" 'BEGIN { print d * 100 }')"
		else
			printf '| %s | %s | %s | %s–%s | | ≥ %.1f%% |\n' "$c" "$s" "$med" "$lo" "$hi" \
				"$(awk -v d="$dmin" 'BEGIN { print d * 100 }')"
		fi
	done
	echo
	echo "Median of the per-round ratios (min–max over rounds):"
	echo
	echo "| ratio | median | min–max | target |"
	echo "| --- | ---: | ---: | --- |"
	ratio_row() { # A B COLUMN LABEL TARGET
		local m l h
		has "$1" && has "$2" || return 0
		read -r m l h < <(ratios "$1" "$2" "$3" | stats)
		printf '| %s | %s | %s–%s | %s |\n' "$4" "$m" "$l" "$h" "$5"
	}
	ratio_row xvs bare 3 "xvs / bare redirect (known unicast)" "≥ 0.8"
	ratio_row bare-egress bare 3 "bare with egress program / bare (the cost of a correct output path)" ""
	ratio_row xvs bare-egress 3 "xvs / bare with egress program (the pipeline's own cost)" ""
	ratio_row bare bridge 3 "bare redirect / Linux bridge (the ceiling for any XDP switch)" ""
	ratio_row xvs bridge 3 "xvs / Linux bridge (known unicast)" "≥ 4"
	ratio_row xvs-policy xvs 3 "xvs with guards + storm-limit + max-rate / xvs (the cost of policy)" ""
	ratio_row xvs-policy bare 3 "xvs with policy / bare redirect" ""
	ratio_row xvs-100k xvs 3 "xvs 100k rotating destinations / xvs one destination" ""
	ratio_row xvs-trunk xvs 3 "xvs access→trunk / xvs untagged" ""
	ratio_row xvs-flood bare-flood 4 "xvs flood / bare broadcast (frames in)" ""
	ratio_row xvs-flood bridge-flood 4 "xvs flood / Linux bridge flood (frames in)" ""
	echo
	echo "Per-packet cost of \`xvs_ingress\` under BPF_PROG_TEST_RUN (known unicast, untagged → untagged,"
	echo "60-byte frame, repeat 2,000,000, median of 7 runs alternating with an XDP_PASS program on the same"
	echo "frame and ctx; ns over XDP_PASS, then the raw xvs / XDP_PASS ns):"
	echo
	echo "| FDB entries | one destination: ns over PASS | (xvs / pass ns) | rotating over all entries: ns over PASS | (xvs / pass ns) |"
	echo "| ---: | ---: | ---: | ---: | ---: |"
	awk '{ printf "| %d | %d | (%d / %d) | %d | (%d / %d) |\n", $1, $2, $3, $4, $5, $6, $7 }' "$COSTRES"
	echo
	echo "The same test with policy on both ports (10 FDB entries, one destination), one variant after"
	echo "the other:"
	echo
	echo "| policy | ns over PASS | (xvs / pass ns) |"
	echo "| --- | ---: | ---: |"
	awk '{ printf "| %s | %d | (%d / %d) |\n", $1 == "all" ? "guards + storm-limit + max-rate (as xvs-policy)" : $1 == "max-rate" ? "max-rate 100gbit (clock + bucket)" : $1 == "guards" ? "dhcp-guard + router-guard" : "none", $2, $3, $4 }' "$POLICYRES"
	echo
	read -r bd bp bq <<<"$BARE_COST"
	echo "For scale: the bare devmap redirect program costs $bd ns over XDP_PASS ($bp / $bq ns) under the same test."
	echo
	awk 'NR == 1 { f0 = $2; r0 = $5; n0 = $1 } { f = $2; r = $5; n = $1 }
		END { if (NR > 1 && f0 > 0 && r0 > 0)
			printf "Cost ratio %d / %d entries: %.2f× with one destination, %.2f× with rotating destinations (target ≤ 1.2×).\n",
				n, n0, f / f0, r / r0 }' "$COSTRES"
}

REPORT=$(report)
echo
echo "$REPORT"
mkdir -p "$BUILD"
printf '%s\n\nraw rounds (contender round out_mpps in_mpps delivered):\n%s\n\nraw cost (entries fixed_delta fixed_prog fixed_pass rot_delta rot_prog rot_pass):\n%s\n\nraw policy cost (policy delta prog pass):\n%s\n' \
	"$REPORT" "$(cat "$RES")" "$(cat "$COSTRES")" "$(cat "$POLICYRES")" >"$BUILD/bench-last.txt"
log "raw results in $BUILD/bench-last.txt"

if [[ -n $DOC ]]; then
	BEGIN_MARK='<!-- bench:results:begin (written by tools/bench.sh) -->'
	END_MARK='<!-- bench:results:end -->'
	if [[ -f $DOC ]] && grep -qF "$BEGIN_MARK" "$DOC" && grep -qF "$END_MARK" "$DOC"; then
		printf '%s\n' "$REPORT" >"$TMP/report.md"
		awk -v b="$BEGIN_MARK" -v e="$END_MARK" -v f="$TMP/report.md" '
			$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
			$0 == e { skip = 0 }
			!skip { print }' "$DOC" >"$TMP/doc.md"
		cat "$TMP/doc.md" >"$DOC"
		log "results written to $DOC"
	else
		log "no results markers in $DOC: not written"
	fi
fi
