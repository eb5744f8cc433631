#!/usr/bin/env bash
# Per-packet cost of xvs_ingress for two builds, taking turns: the same three cases as the
# cost parts of tools/bench.sh, each on its own switch and veths per build, run alternately
# (A B A B ...) so that drift of the shared machine hits both alike.
#
#   bash tools/cost-ab.sh BUILD_A BUILD_B      (as root; e.g. build-base build)
#
# Cases (ns over XDP_PASS from `xvs-trafgen cost`, IPv4/UDP 60-byte known unicast p0 -> p1):
#   plain   10 static FDB entries on p1, untagged -> untagged, no policy
#   policy  as plain, with dhcp-guard, router-guard, storm-limit 1000000 and max-rate 100gbit
#           on p0 and p1 (the xvs-policy contender)
#   acl     p0 and p1 trunks of VLAN 10, tagged frame, `xvs-trafgen acl-fill --count N` on p0
#           (N = COSTAB_ACL_RULES, default 1000): the frame is checked against all of it (out)
#   aclin   the same policy on p1, the egress port: its `in` direction, which has no rules (the
#           way back of the xvs-acl contender's loop)
#   src2    as plain, the source MAC alternating between two addresses (two senders behind p0:
#           every frame a different source than the one before)
#
# Environment: COSTAB_ROUNDS (5), COSTAB_RUNS (7 per cost call), COSTAB_REPEAT (2000000),
# COSTAB_CASES ("plain policy acl"), COSTAB_CPU (0). Prints one line per case and build with
# the per-round deltas and their median, and the median of the per-round differences B - A.
set -euo pipefail

A=$(cd "${1:?usage: cost-ab.sh BUILD_A BUILD_B}" && pwd)
B=$(cd "${2:?usage: cost-ab.sh BUILD_A BUILD_B}" && pwd)
ROUNDS=${COSTAB_ROUNDS:-5}
RUNS=${COSTAB_RUNS:-7}
REPEAT=${COSTAB_REPEAT:-2000000}
CASES=${COSTAB_CASES:-"plain policy acl aclin"}
CPU=${COSTAB_CPU:-0}
ACL_RULES=${COSTAB_ACL_RULES:-1000}
DST=02:be:00:00:00:00

die() { echo "cost-ab: $*" >&2; exit 1; }
[[ $EUID -eq 0 ]] || die "needs root"
for b in "$A" "$B"; do
	[[ -x $b/xvs && -x $b/xvs-trafgen ]] || die "not a built tree: $b"
done

NS=xvsab$$
TMP=$(mktemp -d /tmp/xvs-costab.XXXXXX)
BPFFS=$TMP/bpf
mkdir -p "$BPFFS" "$TMP/run-a" "$TMP/run-b"

in_ns() { nsenter --net="/run/netns/$NS" -- "$@"; }
# xvs of build $1 (a|b), with that build's own state root.
xvsc() { local w=$1; shift; in_ns env XVS_ROOT="$BPFFS/$w" XVS_RUN="$TMP/run-$w" "$(bin "$w")/xvs" "$@"; }
tgc() { local w=$1; shift; in_ns env XVS_ROOT="$BPFFS/$w" XVS_RUN="$TMP/run-$w" "$(bin "$w")/xvs-trafgen" "$@"; }
bin() { [[ $1 == a ]] && echo "$A" || echo "$B"; }

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	for w in a b; do
		for d in "$BPFFS/$w"/*/; do
			[[ -d $d ]] && xvsc "$w" switch del "$(basename "$d")" 2>/dev/null
		done
	done
	[[ -e /run/netns/$NS ]] && ip netns del "$NS"
	if mountpoint -q "$BPFFS"; then
		umount "$BPFFS" 2>/dev/null || umount -l "$BPFFS"
	fi
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount -t bpf bpf "$BPFFS"
mkdir -p "$BPFFS/a" "$BPFFS/b"
ip netns add "$NS"
in_ns sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
in_ns ip link set lo up

# One switch per case and build: ports on x<case><build>0 and ..1, peers y...
make_case() { # CASE BUILD
	local c=$1 w=$2 sw=c$1$2 i
	for i in 0 1; do
		in_ns ip link add "x$c$w$i" type veth peer name "y$c$w$i"
		in_ns ethtool -K "x$c$w$i" tx off rxvlan off txvlan off >/dev/null 2>&1 || true
		in_ns ip link set "x$c$w$i" up
		in_ns ip link set "y$c$w$i" up
	done
	xvsc "$w" switch add "$sw" --type private --datapath xdp >/dev/null
	xvsc "$w" port add "$sw" p0 --dev "x${c}${w}0" >/dev/null
	xvsc "$w" port add "$sw" p1 --dev "x${c}${w}1" >/dev/null
	case $c in
	plain | policy | src2)
		tgc "$w" fdb-fill --switch-dir "$BPFFS/$w/$sw" --dev "x${c}${w}1" --count 10 >/dev/null
		if [[ $c == policy ]]; then
			for p in p0 p1; do
				for kv in "dhcp-guard on" "router-guard on" "storm-limit 1000000" "max-rate 100gbit"; do
					# shellcheck disable=SC2086
					xvsc "$w" port set "$sw" "$p" $kv >/dev/null
				done
			done
		fi
		;;
	acl | aclin)
		xvsc "$w" port set "$sw" p0 vlan trunk 10 >/dev/null
		xvsc "$w" port set "$sw" p1 vlan trunk 10 >/dev/null
		xvsc "$w" fdb add "$sw" "$DST" p1 --vlan 10 >/dev/null
		tgc "$w" acl-fill --switch "$sw" --port "$([[ $c == acl ]] && echo p0 || echo p1)" \
			--count "$ACL_RULES" >/dev/null
		;;
	*) die "unknown case $c" ;;
	esac
}

cost_once() { # CASE BUILD -> delta ns
	local c=$1 w=$2 extra=() out
	[[ $c == acl* ]] && extra=(--vlan 10)
	[[ $c == src2 ]] && extra=(--rotate 2 --rotate-src)
	out=$(in_ns taskset -c "$CPU" "$B/xvs-trafgen" cost --prog "$BPFFS/$w/c$c$w/xvs_ingress" \
		--in-dev "x${c}${w}0" --dst "$DST" --runs "$RUNS" --repeat "$REPEAT" "${extra[@]}")
	[[ $out == *retval=4* ]] || die "case $c build $w did not redirect: $out"
	sed -n 's/.*delta_ns=\([0-9]*\).*/\1/p' <<<"$out"
}

for c in $CASES; do
	make_case "$c" a
	make_case "$c" b
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A ser
for ((r = 1; r <= ROUNDS; r++)); do
	for c in $CASES; do
		# Alternate which build goes first, so neither always runs right after the other.
		if ((r % 2)); then order="a b"; else order="b a"; fi
		for w in $order; do
			ser[$c$w]+="$(cost_once "$c" "$w") "
		done
	done
	echo "cost-ab: round $r done" >&2
done

printf '%-7s %-5s %-32s %s\n' case build "per-round ns over PASS" median
for c in $CASES; do
	for w in a b; do
		printf '%-7s %-5s %-32s %s\n' "$c" "$w" "${ser[$c$w]}" "$(median <<<"${ser[$c$w]}")"
	done
	read -ra xa <<<"${ser[${c}a]}"
	read -ra xb <<<"${ser[${c}b]}"
	d=""
	for ((i = 0; i < ${#xa[@]}; i++)); do d+="$((xb[i] - xa[i])) "; done
	printf '%-7s %-5s %-32s %s\n' "$c" "b-a" "$d" "$(median <<<"$d")"
done
