#!/usr/bin/env bash
# xvs forwarding benchmark: Mpps through xvs against a bare XDP devmap redirect and the Linux
# bridge on the same veth topology, in the same run, contenders taking turns; then the
# per-packet cost of the xvs ingress program under BPF_PROG_TEST_RUN for 10 .. 100,000 MACs,
# with the ACL policy of `xvs-trafgen acl-fill` for 10 .. 10,000 rules per kind, and with
# guards and QoS (the policy of the xvs-policy contender), variant by variant.
# Method and results: docs/BENCHMARKS.md (this script rewrites its marked results section).
# The switches are XDP (`--datapath xdp`): this is the frames-per-second benchmark of the XDP
# flavour, and the cost runs drive xvs_ingress as an XDP program; TCP through both flavours is
# tools/bench-tcp.sh.
#
#   bash tools/bench.sh            (or `make bench`; needs root and a built tree)
#
# Environment:
#   BENCH_FRAMES=256         frames injected once per run, then circulating (unicast)
#   BENCH_FLOOD_FRAMES=64    the same for the flood contenders (each frame makes 2 copies per
#                            sink port per round trip: more would overflow the sinks' rings)
#   BENCH_TIME_MS=2000       measuring window per run (after BENCH_WARMUP_MS=500 of warm-up)
#   BENCH_ROUNDS=5           rounds; every round runs every contender once, in turn
#   BENCH_CPU=0              CPU the injection, and so the whole softirq loop, runs on
#   BENCH_CONTENDERS="..."   subset/order of: gen-only bare bare-egress xvs bridge xvs-100k
#                            xvs-trunk xvs-acl xvs-policy bare-flood xvs-flood bridge-flood
#   BENCH_COST_SIZES="10 1000 100000"   FDB sizes for the per-packet cost
#   BENCH_ACL_SIZES="10 1000 10000"     ACL rules (of each kind) for the per-packet cost
#   BENCH_ACL_RULES=1000                ACL rules (of each kind) of the xvs-acl contender
#   BENCH_DOC=docs/BENCHMARKS.md        results section to rewrite; empty: do not write
#
# Topology (all inside namespaces this script creates and always removes):
#
#   [gen ns] g0 ==veth== s0 [sw ns: device under test] s1..s4 ==veth== k1..k4 [sink ns]
#
# The generator circulates frames: `xvs-trafgen circulate` injects BENCH_FRAMES frames once out
# of g0 with AF_PACKET; XDP reflectors on g0 and k1 count every frame and send it back (XDP_TX),
# so the frames cross the device under test again and again, in both directions, entirely in
# softirq on BENCH_CPU with no userspace in the loop. Frames are counted where they arrive
# (the reflectors, and for floods the count-and-drop sinks on k2..k4), never at a sender.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
XVS_BIN=$BUILD/xvs
TG_BIN=$BUILD/xvs-trafgen
FRAMES=${BENCH_FRAMES:-256}
FLOOD_FRAMES=${BENCH_FLOOD_FRAMES:-64}
TIME_MS=${BENCH_TIME_MS:-2000}
WARMUP_MS=${BENCH_WARMUP_MS:-500}
ROUNDS=${BENCH_ROUNDS:-5}
CPU=${BENCH_CPU:-0}
CONTENDERS=${BENCH_CONTENDERS-"gen-only bare bare-egress xvs bridge xvs-100k xvs-trunk xvs-acl xvs-policy bare-flood xvs-flood bridge-flood"}
COST_SIZES=${BENCH_COST_SIZES-"10 1000 100000"}
ACL_SIZES=${BENCH_ACL_SIZES-"10 1000 10000"}
ACL_RULES=${BENCH_ACL_RULES:-1000}
DOC=${BENCH_DOC-$ROOT/docs/BENCHMARKS.md}
ROT_BIG=100000                      # destinations of the xvs-100k contender
DST=02:be:00:00:00:00               # known unicast destination (index 0 of fdb-fill)
GEN_MAC=02:00:00:00:00:01           # source of the injected frames (the reflector on g0)
K1_MAC=02:00:00:00:00:0b            # source the reflector on k1 writes into flood frames
BCAST=ff:ff:ff:ff:ff:ff

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

[[ $EUID -eq 0 ]] || die "needs root (network namespaces, XDP, bpffs)"
[[ -x $XVS_BIN && -x $TG_BIN ]] || die "build first: make all (missing $XVS_BIN or $TG_BIN)"
for t in ip ethtool nsenter taskset bridge mount umount awk sort; do
	command -v "$t" >/dev/null || die "missing tool: $t"
done
for v in ROUNDS FRAMES FLOOD_FRAMES TIME_MS WARMUP_MS CPU; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "BENCH_$v must be a non-negative integer"
done
((ROUNDS > 0 && FRAMES > 0 && FLOOD_FRAMES > 0 && TIME_MS > 0)) ||
	die "BENCH_ROUNDS, BENCH_FRAMES, BENCH_FLOOD_FRAMES and BENCH_TIME_MS must be > 0"

TAG=xvsb$$
NS_GEN=$TAG-gen NS_SW=$TAG-sw NS_SINK=$TAG-sink
TMP=$(mktemp -d /tmp/xvs-bench.XXXXXX)
BPFFS=$TMP/bpf
RES=$TMP/results
COSTRES=$TMP/cost
ACLRES=$TMP/aclcost
POLICYRES=$TMP/policycost
mkdir -p "$BPFFS" "$TMP/run"
: >"$RES"
: >"$COSTRES"
: >"$ACLRES"
: >"$POLICYRES"

in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" -- "$@"; }
# xvs with a private state root; nsenter (not `ip netns exec`) keeps the bpffs pins visible.
xvsc() { in_ns "$NS_SW" env XVS_ROOT="$BPFFS/xvs" XVS_RUN="$TMP/run" "$XVS_BIN" "$@"; }
tg_sw() { in_ns "$NS_SW" "$TG_BIN" "$@"; }
tg_sink() { in_ns "$NS_SINK" "$TG_BIN" "$@"; }
# acl-fill goes through libxvs: it needs the same state root as xvsc.
acl_fill() { in_ns "$NS_SW" env XVS_ROOT="$BPFFS/xvs" XVS_RUN="$TMP/run" "$TG_BIN" acl-fill "$@" >/dev/null; }

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	if [[ -d $BPFFS/xvs ]]; then
		for d in "$BPFFS"/xvs/*/; do
			[[ -d $d ]] && xvsc switch del "$(basename "$d")" 2>/dev/null
		done
	fi
	for d in "$BPFFS"/bare*; do
		[[ -d $d ]] && "$TG_BIN" bare detach --pin "$d" 2>/dev/null
	done
	for d in "$BPFFS"/sink-*; do
		[[ -d $d ]] && "$TG_BIN" sink detach --pin "$d" 2>/dev/null
	done
	for d in "$BPFFS"/refl-*; do
		[[ -d $d ]] && "$TG_BIN" refl detach --pin "$d" 2>/dev/null
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
	# NAPI on the switch side for redirected frames (xvs turns GRO on at port add anyway).
	# The reflectors' XDP_TX frames also need an XDP program on s0/s1, which every contender
	# has: the bridge gets an XDP_PASS one (br_make).
	in_ns "$NS_SW" ethtool -K "s$i" gro on >/dev/null
	in_ns "$NS_SW" ip link set "s$i" up
done
in_ns "$NS_GEN" ip link set g0 up
for i in 1 2 3 4; do
	offloads_off "$NS_SINK" "k$i"
	in_ns "$NS_SINK" ip link set "k$i" up
done
# k2..k4 only count and drop (they receive flood copies); k1 and g0 get a reflector per run.
SINKS=()
for i in 2 3 4; do
	tg_sink sink attach --dev "k$i" --pin "$BPFFS/sink-k$i"
	SINKS+=("$BPFFS/sink-k$i")
done
SINKS=$(IFS=,; echo "${SINKS[*]}")
# The Linux bridge gets its best case: no br_netfilter hooks in the switch namespace
# (the module may be loaded on the host; these sysctls are per namespace).
in_ns "$NS_SW" sysctl -q -w net.bridge.bridge-nf-call-iptables=0 \
	net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0 2>/dev/null ||
	true

# ---- contenders ----

xvs_make() { # NPORTS
	xvsc switch add bsw --type private --datapath xdp --fdb-size 131072
	for ((i = 0; i <= $1; i++)); do
		xvsc port add bsw "p$i" --dev "s$i"
	done
}

# The policy of the xvs-policy contender and the policy cost: both guards, a storm limit and a
# max-rate far above what one core forwards, so every frame pays for the checks, the clock and
# the buckets but none is dropped.
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
	# The reflectors send back with XDP_TX, and a veth kicks its peer's NAPI after XDP_TX only
	# when the peer has an XDP program (GRO is not enough): give s0..sN an XDP_PASS program.
	for ((i = 0; i <= $1; i++)); do
		in_ns "$NS_SW" ip link set "s$i" xdp obj "$BUILD/xvs_trafgen.bpf.o" sec xdp.frags
	done
}

# The baseline in both directions: s0 -> s1 and s1 -> s0 (floods: each to the other four).
bare_make() { # EXTRA-ARGS...
	if ((FLOOD)); then
		tg_sw bare attach --in s0 --out s1,s2,s3,s4 --pin "$BPFFS/bare-fwd" "$@"
		tg_sw bare attach --in s1 --out s0,s2,s3,s4 --pin "$BPFFS/bare-rev" "$@"
	else
		tg_sw bare attach --in s0 --out s1 --pin "$BPFFS/bare-fwd" "$@"
		tg_sw bare attach --in s1 --out s0 --pin "$BPFFS/bare-rev" "$@"
	fi
}

# Reflectors: unicast ones swap the MACs (the one on g0 may rotate the destination); flood
# ones write their own source and keep the broadcast destination.
refl_make() { # ROTATE
	local g=(--rotate "$1") k=() kns=$NS_SINK kdev=k1
	if ((FLOOD)); then
		g=(--own-src "$GEN_MAC") k=(--own-src "$K1_MAC")
	fi
	# Generator only: the two reflectors face each other across g0 == s0.
	[[ $CUR == gen-only ]] && kns=$NS_SW kdev=s0
	in_ns "$NS_GEN" "$TG_BIN" refl attach --dev g0 --pin "$BPFFS/refl-g0" "${g[@]}"
	in_ns "$kns" "$TG_BIN" refl attach --dev "$kdev" --pin "$BPFFS/refl-far" "${k[@]}"
}

setup() { # CONTENDER -> sets CUR, FLOOD, INJ_DST
	local rot=0
	CUR=$1 FLOOD=0 INJ_DST=$DST
	[[ $1 == *flood ]] && FLOOD=1 INJ_DST=$BCAST
	case $1 in
	gen-only) ;;
	bare | bare-flood)
		bare_make ;;
	bare-egress)
		bare_make --egress ;;
	xvs)
		xvs_make 1
		xvsc fdb add bsw "$DST" p1 ;;
	xvs-100k)
		xvs_make 1
		tg_sw fdb-fill --switch-dir "$BPFFS/xvs/bsw" --dev s1 --count "$ROT_BIG"
		rot=$ROT_BIG ;;
	xvs-acl)
		xvs_make 1
		xvsc fdb add bsw "$DST" p1
		acl_fill --switch bsw --port p0 --count "$ACL_RULES" ;;
	xvs-policy)
		xvs_make 1
		xvsc fdb add bsw "$DST" p1
		policy_on bsw p0 p1 ;;
	xvs-trunk)
		xvs_make 1
		xvsc port set bsw p0 vlan access 10
		xvsc port set bsw p1 vlan trunk 1-4094 native 0
		xvsc fdb add bsw "$DST" p1 --vlan 10 ;;
	xvs-flood)
		xvs_make 4 ;;
	bridge)
		br_make 1
		in_ns "$NS_SW" bridge fdb add "$DST" dev s1 master static ;;
	bridge-flood)
		br_make 4 ;;
	*)
		die "unknown contender '$1'" ;;
	esac
	refl_make "$rot"
}

teardown() { # CONTENDER
	"$TG_BIN" refl detach --pin "$BPFFS/refl-g0"
	"$TG_BIN" refl detach --pin "$BPFFS/refl-far"
	case $1 in
	bare*)
		"$TG_BIN" bare detach --pin "$BPFFS/bare-fwd"
		"$TG_BIN" bare detach --pin "$BPFFS/bare-rev" ;;
	xvs*) xvsc switch del bsw ;;
	bridge*)
		in_ns "$NS_SW" ip link del br0
		for i in 0 1 2 3 4; do
			in_ns "$NS_SW" ip link set "s$i" xdp off
		done ;;
	esac
}

kv() { # KEY LINE -> value of KEY=value in LINE
	tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2 }'
}

circulate() { # TIME_MS -> key=value line of xvs-trafgen circulate
	local sinks=() k=$FRAMES
	((FLOOD)) && sinks=(--sink "$SINKS") k=$FLOOD_FRAMES
	in_ns "$NS_GEN" taskset -c "$CPU" "$TG_BIN" circulate --dev g0 --frames "$k" \
		--src "$GEN_MAC" --dst "$INJ_DST" --refl "$BPFFS/refl-g0,$BPFFS/refl-far" \
		--warmup-ms "$WARMUP_MS" --time-ms "$1" "${sinks[@]}"
}

run_one() { # CONTENDER ROUND
	local c=$1 r=$2 out
	setup "$c"
	sleep 0.2 # bridge ports become forwarding, xvs GRO settings apply
	if ! out=$(circulate "$TIME_MS"); then
		teardown "$c"
		die "generator failed for $c"
	fi
	teardown "$c"
	# contender round out_mpps in_mpps copies_per_frame_in lost
	awk -v c="$c" -v r="$r" -v e="$(kv elapsed_ns "$out")" -v rf="$(kv reflected "$out")" \
		-v sk="$(kv sunk "$out")" -v l="$(kv lost "$out")" 'BEGIN {
		printf "%s %d %.4f %.4f %.4f %d\n", c, r, (rf + sk) / e * 1e3, rf / e * 1e3,
			(rf > 0 ? (rf + sk) / rf : 0), l }' | tee -a "$RES" >&2
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

log "topology up; $ROUNDS rounds of: $CONTENDERS ($FRAMES frames circulating, floods $FLOOD_FRAMES, ${TIME_MS} ms window after ${WARMUP_MS} ms warm-up, CPU $CPU)"
# Warm-up (not recorded): page pools, caches, lazily allocated veth rings.
setup bare
circulate 500 >/dev/null
teardown bare

for ((round = 1; round <= ROUNDS; round++)); do
	for c in $CONTENDERS; do
		run_one "$c" "$round"
	done
done

# ---- per-packet cost under BPF_PROG_TEST_RUN ----

log "per-packet cost of xvs_ingress (test run, ns over an XDP_PASS program)"
xvsc switch add bcost --type private --datapath xdp --fdb-size 131072
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
xvsc switch del bcost
# ACL policy on the ingress port (direction out), 0 then ACL_SIZES rules of each kind. Trunk
# ports and a tagged frame: the frame is forwarded with its tag rewritten in place, never
# grown, so repeat > 1 measures the same work every time (PLATFORM.md gotcha 5).
log "per-packet cost of xvs_ingress with ACL policy on the ingress port"
for n in 0 $ACL_SIZES; do
	xvsc switch add bacl --type private --datapath xdp
	xvsc port add bacl p0 --dev s0
	xvsc port add bacl p1 --dev s1
	xvsc port set bacl p0 vlan trunk 10
	xvsc port set bacl p1 vlan trunk 10
	xvsc fdb add bacl "$DST" p1 --vlan 10
	((n == 0)) || acl_fill --switch bacl --port p0 --count "$n"
	out=$(in_ns "$NS_SW" taskset -c "$CPU" "$TG_BIN" cost --prog "$BPFFS/xvs/bacl/xvs_ingress" \
		--in-dev s0 --dst "$DST" --vlan 10)
	[[ $(kv retval "$out") == 4 ]] || die "xvs_ingress with $n ACL rules did not redirect ($out)"
	echo "$n $(kv delta_ns "$out") $(kv prog_ns "$out") $(kv pass_ns "$out")" | tee -a "$ACLRES" >&2
	xvsc switch del bacl
done
# Guards and QoS on both ports, variant by variant, on the same switch and frame (IPv4/UDP known
# unicast, 10 FDB entries, one destination): none, both guards (they parse to the UDP ports),
# max-rate only (the out bucket of p0 and the in bucket of p1: clock, spin lock), everything of
# xvs-policy (storm-limit charges floods only, so it adds nothing here).
log "per-packet cost of xvs_ingress with guards and QoS on both ports"
xvsc switch add bpol --type private --datapath xdp
xvsc port add bpol p0 --dev s0
xvsc port add bpol p1 --dev s1
tg_sw fdb-fill --switch-dir "$BPFFS/xvs/bpol" --dev s1 --count 10
policy_cost() { # LABEL: one cost line for the policy now set
	local out
	out=$(in_ns "$NS_SW" taskset -c "$CPU" "$TG_BIN" cost --prog "$BPFFS/xvs/bpol/xvs_ingress" \
		--in-dev s0 --dst "$DST")
	[[ $(kv retval "$out") == 4 ]] || die "xvs_ingress ($1) did not redirect under test run ($out)"
	echo "$1 $(kv delta_ns "$out") $(kv prog_ns "$out") $(kv pass_ns "$out")" | tee -a "$POLICYRES" >&2
}
policy_cost none
for p in p0 p1; do
	xvsc port set bpol "$p" dhcp-guard on
	xvsc port set bpol "$p" router-guard on
done
policy_cost guards
for p in p0 p1; do
	xvsc port set bpol "$p" dhcp-guard off
	xvsc port set bpol "$p" router-guard off
	xvsc port set bpol "$p" max-rate 100gbit
done
policy_cost max-rate
policy_on bpol p0 p1
policy_cost all
xvsc switch del bpol
bare=$(in_ns "$NS_SW" taskset -c "$CPU" "$TG_BIN" cost --bare-out s1 --in-dev s0 --dst "$DST")
[[ $(kv retval "$bare") == 4 ]] || die "the bare forwarder did not redirect under test run ($bare)"
BARE_COST="$(kv delta_ns "$bare") $(kv prog_ns "$bare") $(kv pass_ns "$bare")"
log "bare redirect: $BARE_COST"

# ---- report ----

# per-round ns per frame in of contender A minus that of contender B
ns_over() {
	awk -v a="$1" -v b="$2" '$1 == a { x[$2] = $4 } $1 == b { y[$2] = $4 }
		END { for (r in x) if ((r in y) && x[r] > 0 && y[r] > 0) print 1e3 / x[r] - 1e3 / y[r] }' "$RES"
}

report() {
	local c s med lo hi imed ilo ihi cmin lmax ns over base
	echo "Run: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)'),"
	echo "kernel $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)),"
	echo "60-byte frames circulating ($FRAMES per run, floods $FLOOD_FRAMES), ${TIME_MS} ms window after ${WARMUP_MS} ms warm-up, all on CPU $CPU,"
	echo "$ROUNDS rounds, contenders in turn: $CONTENDERS."
	echo
	echo "| contender | what | Mpps through, median | min–max | ns per frame | ns over bare | floods: Mpps out | copies per frame | lost |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for c in $CONTENDERS; do
		case $c in
		gen-only) s="no device under test: the two reflectors face each other across g0 = s0" ;;
		bare) s="XDP devmap redirect s0 ⇄ s1 (one \`bpf_redirect_map\` each way)" ;;
		bare-egress) s="bare, plus a devmap egress program that checks each frame for the canonical tag (the one-devmap output path)" ;;
		xvs) s="xvs, known unicast, untagged ⇄ untagged" ;;
		bridge) s="Linux bridge, known unicast (static fdb entry one way, learned the other)" ;;
		xvs-100k) s="xvs, known unicast, destinations rotating over 100,000 FDB entries (sources too, on the way back)" ;;
		xvs-trunk) s="xvs, access 10 ⇄ trunk: tag pushed one way, popped the other" ;;
		xvs-acl) s="xvs, known unicast, ACL policy on p0: $ACL_RULES port ACL + $ACL_RULES extended rules and the fixed set of \`acl-fill\`" ;;
		xvs-policy) s="xvs, known unicast, dhcp-guard, router-guard, storm-limit 1000000 and max-rate 100gbit on p0 and p1" ;;
		bare-flood) s="XDP devmap broadcast to the 4 other ports (no egress program)" ;;
		xvs-flood) s="xvs, broadcast flooded to the 4 other ports" ;;
		bridge-flood) s="Linux bridge, broadcast to the 4 other ports" ;;
		esac
		read -r imed ilo ihi < <(col "$c" 4 | stats)
		read -r med lo hi < <(col "$c" 3 | stats)
		read -r ns _ _ < <(col "$c" 4 | awk '$1 > 0 { print 1e3 / $1 }' | stats)
		cmin=$(col "$c" 5 | sort -g | head -1)
		lmax=$(col "$c" 6 | sort -g | tail -1)
		base=bare
		[[ $c == *flood ]] && base=bare-flood
		over=
		if [[ $c != gen-only && $c != "$base" ]] && has "$base"; then
			read -r over _ _ < <(ns_over "$c" "$base" | stats)
			over=$(printf '%+.0f' "$over")
		fi
		if [[ $c == *flood ]]; then
			printf '| %s | %s | %s | %s–%s | %.0f | %s | %s (%s–%s) | %.2f | %s |\n' "$c" "$s" \
				"$imed" "$ilo" "$ihi" "$ns" "$over" "$med" "$lo" "$hi" "$cmin" "$lmax"
		else
			printf '| %s | %s | %s | %s–%s | %.0f | %s | | | %s |\n' "$c" "$s" \
				"$imed" "$ilo" "$ihi" "$ns" "$over" "$lmax"
		fi
	done
	echo
	echo "Median of the per-round ratios of Mpps through (floods: frames in; min–max over rounds):"
	echo
	echo "| ratio | median | min–max | target |"
	echo "| --- | ---: | ---: | --- |"
	ratio_row() { # A B COLUMN LABEL TARGET
		local m l h
		has "$1" && has "$2" || return 0
		read -r m l h < <(ratios "$1" "$2" "$3" | stats)
		printf '| %s | %s | %s–%s | %s |\n' "$4" "$m" "$l" "$h" "$5"
	}
	ratio_row gen-only bare 4 "generator only / bare redirect (the generator's headroom)" ""
	ratio_row xvs bare 4 "xvs / bare redirect (known unicast)" "≥ 0.8"
	ratio_row bare-egress bare 4 "bare with egress program / bare (the cost of a correct output path)" ""
	ratio_row xvs bare-egress 4 "xvs / bare with egress program (the pipeline's own cost)" ""
	ratio_row bare bridge 4 "bare redirect / Linux bridge (the ceiling for any XDP switch)" ""
	ratio_row xvs bridge 4 "xvs / Linux bridge (known unicast)" "≥ 4"
	ratio_row xvs-100k xvs 4 "xvs 100k rotating destinations / xvs one destination" ""
	ratio_row xvs-trunk xvs 4 "xvs access ⇄ trunk / xvs untagged" ""
	ratio_row xvs-acl bare 4 "xvs with ACL policy / bare redirect (known unicast)" "≥ 0.6"
	ratio_row xvs-acl xvs 4 "xvs with ACL policy / xvs without" ""
	ratio_row xvs-policy bare 4 "xvs with guards + storm-limit + max-rate / bare redirect (known unicast)" ""
	ratio_row xvs-policy xvs 4 "xvs with guards + storm-limit + max-rate / xvs without" ""
	ratio_row bare-flood bare 4 "bare broadcast / bare redirect (frames in)" ""
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
	read -r bd bp bq <<<"$BARE_COST"
	echo "For scale: the bare devmap redirect program costs $bd ns over XDP_PASS ($bp / $bq ns) under the same test."
	echo
	awk 'NR == 1 { f0 = $2; r0 = $5; n0 = $1 } { f = $2; r = $5; n = $1 }
		END { if (NR > 1 && f0 > 0 && r0 > 0)
			printf "Cost ratio %d / %d entries: %.2f× with one destination, %.2f× with rotating destinations (target ≤ 1.2×).\n",
				n, n0, f / f0, r / r0 }' "$COSTRES"
	if [[ -s $ACLRES ]]; then
		echo
		echo "Per-packet cost of \`xvs_ingress\` with the ACL policy of \`xvs-trafgen acl-fill\` on the ingress port"
		echo "(N port ACL + N extended rules + 5 fixed; trunk → trunk, tagged 60-byte UDP frame allowed by the"
		echo "lowest-weight rule; same method as above):"
		echo
		echo "| rules of each kind | ns over PASS | (xvs / pass ns) |"
		echo "| ---: | ---: | ---: |"
		awk '{ printf "| %d | %d | (%d / %d) |\n", $1, $2, $3, $4 }' "$ACLRES"
		echo
		awk '$1 > 0 && !f0 { f0 = $2; n0 = $1 } $1 > 0 { f = $2; n = $1 } $1 == 0 { z = $2 }
			END { if (f0 > 0)
				printf "ACL cost ratio %d / %d rules: %.2f× (target ≤ 1.3×); ACL policy adds %d ns at %d rules over none.\n",
					n, n0, f / f0, f - z, n }' "$ACLRES"
	fi
	if [[ -s $POLICYRES ]]; then
		echo
		echo "Per-packet cost of \`xvs_ingress\` with guards and QoS on both ports, one variant after the other"
		echo "(IPv4/UDP known unicast, 10 FDB entries, one destination; same method as above):"
		echo
		echo "| policy on p0 and p1 | ns over PASS | (xvs / pass ns) |"
		echo "| --- | ---: | ---: |"
		awk '{ printf "| %s | %d | (%d / %d) |\n", $1 == "all" ? "guards + storm-limit + max-rate (as xvs-policy)" : $1 == "max-rate" ? "max-rate 100gbit (clock + buckets)" : $1 == "guards" ? "dhcp-guard + router-guard" : "none", $2, $3, $4 }' "$POLICYRES"
	fi
}

REPORT=$(report)
echo
echo "$REPORT"
mkdir -p "$BUILD"
printf '%s\n\nraw rounds (contender round out_mpps in_mpps copies_per_frame_in lost):\n%s\n\nraw cost (entries fixed_delta fixed_prog fixed_pass rot_delta rot_prog rot_pass):\n%s\n\nraw policy cost (policy delta prog pass):\n%s\n' \
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
