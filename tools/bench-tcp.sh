#!/usr/bin/env bash
# xvs TCP benchmark: bulk TCP throughput (iperf3) between two "VMs" (namespaces with veths)
# through xvs with the TC datapath, xvs with the XDP datapath and the Linux bridge, on the same
# veths, in the same run, contenders taking turns. Method and results: docs/BENCHMARKS.md
# (this script rewrites its marked "TCP" results section).
#
#   bash tools/bench-tcp.sh        (or `make bench-tcp`; needs root and a built tree)
#
# Environment:
#   BENCH_TCP_ROUNDS=5                 rounds; every round runs every contender once, in turn
#   BENCH_TCP_SECONDS=5                seconds per iperf3 run
#   BENCH_TCP_MTUS="1500 9000"         MTUs of every link; each is a separate set of rounds
#   BENCH_TCP_CONTENDERS="xvs-tc xvs-xdp bridge"
#   BENCH_TCP_DOC=docs/BENCHMARKS.md   file whose TCP results section is rewritten; empty: none
#
# Topology (namespaces this script creates and always removes):
#
#   [vm-a ns] a0 ==veth== sa [switch ns: device under test] sb ==veth== b0 [vm-b ns]
#   10.77.0.1/24                                                          10.77.0.2/24
#
# The veths keep the kernel's defaults: TSO/GSO and checksum offload on, so the VMs' TCP
# stacks hand 64 KB superframes to their veth the way a virtio VM does — except for the XDP
# datapath, which needs tx checksum offload off at the VMs (see vm_offloads). GRO is on at a0
# and b0 for every contender (the XDP datapath needs it there to receive redirected frames).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
XVS_BIN=$BUILD/xvs
ROUNDS=${BENCH_TCP_ROUNDS:-5}
SECS=${BENCH_TCP_SECONDS:-5}
MTUS=${BENCH_TCP_MTUS-"1500 9000"}
CONTENDERS=${BENCH_TCP_CONTENDERS-"xvs-tc xvs-xdp bridge"}
DOC=${BENCH_TCP_DOC-$ROOT/docs/BENCHMARKS.md}

die() { echo "bench-tcp: $*" >&2; exit 1; }
log() { echo "bench-tcp: $*" >&2; }

[[ $EUID -eq 0 ]] || die "needs root (network namespaces, XDP, TC, bpffs)"
[[ -x $XVS_BIN ]] || die "build first: make all (missing $XVS_BIN)"
for t in ip ethtool nsenter iperf3 python3 mount umount; do
	command -v "$t" >/dev/null || die "missing tool: $t"
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_TCP_ROUNDS must be a positive integer"
[[ $SECS =~ ^[1-9][0-9]*$ ]] || die "BENCH_TCP_SECONDS must be a positive integer"
for c in $CONTENDERS; do
	[[ $c == xvs-tc || $c == xvs-xdp || $c == bridge ]] || die "unknown contender '$c'"
done

TAG=xvst$$
NS_A=$TAG-a NS_B=$TAG-b NS_SW=$TAG-sw
TMP=$(mktemp -d /tmp/xvs-bench-tcp.XXXXXX)
BPFFS=$TMP/bpf
RES=$TMP/results     # lines: MTU CONTENDER ROUND GBITS
mkdir -p "$BPFFS" "$TMP/run"
: >"$RES"

in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" -- "$@"; }
xvsc() { in_ns "$NS_SW" env XVS_ROOT="$BPFFS/xvs" XVS_RUN="$TMP/run" "$XVS_BIN" "$@"; }

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	if [[ -d $BPFFS/xvs ]]; then
		for d in "$BPFFS"/xvs/*/; do
			[[ -d $d ]] && xvsc switch del "$(basename "$d")" 2>/dev/null
		done
	fi
	for ns in "$NS_A" "$NS_B" "$NS_SW"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
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
for ns in "$NS_A" "$NS_B" "$NS_SW"; do
	ip netns add "$ns"
	in_ns "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	in_ns "$ns" ip link set lo up
done
ip link add a0 netns "$NS_A" type veth peer name sa netns "$NS_SW"
ip link add b0 netns "$NS_B" type veth peer name sb netns "$NS_SW"
in_ns "$NS_A" ip addr add 10.77.0.1/24 dev a0
in_ns "$NS_B" ip addr add 10.77.0.2/24 dev b0
in_ns "$NS_A" ethtool -K a0 gro on >/dev/null
in_ns "$NS_B" ethtool -K b0 gro on >/dev/null
in_ns "$NS_SW" sysctl -q -w net.bridge.bridge-nf-call-iptables=0 \
	net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0 2>/dev/null ||
	true
set_mtu() {
	in_ns "$NS_A" ip link set a0 mtu "$1"
	in_ns "$NS_B" ip link set b0 mtu "$1"
	in_ns "$NS_SW" ip link set sa mtu "$1"
	in_ns "$NS_SW" ip link set sb mtu "$1"
}
links_up() {
	in_ns "$NS_A" ip link set a0 up
	in_ns "$NS_B" ip link set b0 up
	in_ns "$NS_SW" ip link set sa up
	in_ns "$NS_SW" ip link set sb up
}

# ---- contenders ----

# Offloads of the VMs' veth ends. XDP on a veth turns GSO off on its peer, and the frames it
# redirects lose their checksum state, so the XDP datapath needs tx checksum offload off at the
# VMs (which takes TSO with it): the configuration it runs in. TC and the bridge keep them on.
vm_offloads() { # on|off
	in_ns "$NS_A" ethtool -K a0 tx "$1" >/dev/null 2>&1 || true
	in_ns "$NS_B" ethtool -K b0 tx "$1" >/dev/null 2>&1 || true
}

setup() { # CONTENDER
	if [[ $1 == xvs-xdp ]]; then vm_offloads off; else vm_offloads on; fi
	case $1 in
	xvs-tc | xvs-xdp)
		xvsc switch add bt --type private --datapath "${1#xvs-}"
		xvsc port add bt pa --dev sa
		xvsc port add bt pb --dev sb ;;
	bridge)
		in_ns "$NS_SW" ip link add br0 type bridge
		in_ns "$NS_SW" ip link set sa master br0
		in_ns "$NS_SW" ip link set sb master br0
		in_ns "$NS_SW" ip link set br0 up ;;
	esac
	links_up
}

teardown() { # CONTENDER
	case $1 in
	xvs-tc | xvs-xdp) xvsc switch del bt ;;
	bridge) in_ns "$NS_SW" ip link del br0 ;;
	esac
}

# Gbit/s received by the server in one iperf3 run from vm-a to vm-b (0 if the run failed).
iperf_once() {
	local out i pidfile=$TMP/iperf3.pid
	rm -f "$pidfile"
	in_ns "$NS_B" iperf3 -s -1 -D -p 5201 -I "$pidfile" >/dev/null 2>&1
	for ((i = 0; i < 50; i++)); do
		in_ns "$NS_A" ping -c 1 -W 1 -q 10.77.0.2 >/dev/null 2>&1 && break
		sleep 0.1
	done
	out=$(in_ns "$NS_A" iperf3 -c 10.77.0.2 -p 5201 -t "$SECS" -J 2>/dev/null) || true
	# A failed run (iperf3's JSON then has an "error" and no result) counts as 0 Gbit/s.
	python3 -c '
import json, sys
try:
    j = json.loads(sys.stdin.read())
    print("%.3f" % (j["end"]["sum_received"]["bits_per_second"] / 1e9))
except (ValueError, KeyError, TypeError):
    err = j.get("error", "no result") if isinstance(locals().get("j"), dict) else "no output"
    print("bench-tcp: iperf3 failed: %s" % err, file=sys.stderr)
    print("0")
' <<<"$out"
	[[ -s $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null
	return 0
}

for mtu in $MTUS; do
	set_mtu "$mtu"
	for ((r = 1; r <= ROUNDS; r++)); do
		for c in $CONTENDERS; do
			setup "$c"
			g=$(iperf_once)
			teardown "$c"
			echo "$mtu $c $r $g" >>"$RES"
			log "MTU $mtu round $r $c: $g Gbit/s"
		done
	done
done
mkdir -p "$BUILD"
cp "$RES" "$BUILD/bench-tcp-last.txt"

# ---- report ----

report() {
	python3 - "$RES" "$ROUNDS" "$SECS" "$CONTENDERS" <<'EOF'
import statistics, sys, collections
res, rounds, secs, contenders = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split()
data = collections.defaultdict(dict)   # (mtu, contender) -> {round: gbit}
mtus = []
for line in open(res):
    mtu, c, r, g = line.split()
    if mtu not in mtus:
        mtus.append(mtu)
    data[(mtu, c)][r] = float(g)
what = {"xvs-tc": "xvs, `--datapath tc`", "xvs-xdp": "xvs, `--datapath xdp`",
        "bridge": "Linux bridge"}
print("| MTU | contender | Gbit/s, median | min–max |")
print("| ---: | --- | ---: | ---: |")
for mtu in mtus:
    for c in contenders:
        v = list(data[(mtu, c)].values())
        if v:
            print(f"| {mtu} | {what[c]} | {statistics.median(v):.2f} | {min(v):.2f}–{max(v):.2f} |")
print()
print("Median of the per-round ratios (min–max over rounds):")
print()
print("| MTU | ratio | median | min–max | target |")
print("| ---: | --- | ---: | ---: | --- |")
pairs = [("xvs-tc", "bridge", "≥ 1"), ("xvs-xdp", "bridge", ""), ("xvs-tc", "xvs-xdp", "")]
for mtu in mtus:
    for a, b, target in pairs:
        x, y = data[(mtu, a)], data[(mtu, b)]
        q = [x[r] / y[r] for r in x if r in y and y[r] > 0]
        if q:
            print(f"| {mtu} | {a} / {b} | {statistics.median(q):.2f} | {min(q):.2f}–{max(q):.2f} | {target} |")
EOF
}

TABLE=$(report)
echo "$TABLE"
if [[ -n $DOC ]]; then
	[[ -f $DOC ]] || die "no such file: $DOC"
	HEAD="Run: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown),
kernel $(uname -r), $(nproc) CPUs, iperf3 $(iperf3 --version | head -1 | awk '{print $2}'),
one TCP stream vm-a → vm-b for ${SECS} s per run, $ROUNDS rounds, contenders in turn: $CONTENDERS."
	python3 - "$DOC" "$HEAD" "$TABLE" <<'EOF'
import sys
path, head, table = sys.argv[1], sys.argv[2], sys.argv[3]
begin = "<!-- bench-tcp:results:begin (written by tools/bench-tcp.sh) -->"
end = "<!-- bench-tcp:results:end -->"
doc = open(path).read()
block = f"{begin}\n{head}\n\n{table}\n{end}"
if begin in doc and end in doc:
    doc = doc[:doc.index(begin)] + block + doc[doc.index(end) + len(end):]
else:
    doc = doc.rstrip("\n") + "\n\n## TCP results\n\n" + block + "\n"
open(path, "w").write(doc)
EOF
	log "results written to $DOC"
fi
