# shellcheck shell=bash
# Shared helpers for the xvs integration scenarios. Source it from a scenario script:
#
#   . "$(dirname "$0")/lib.sh"
#   it_begin                       # names, temp dir, cleanup trap
#   host_add hA; vm_add hA a10 02:00:00:00:0a:01 10.0.0.1/24 ...
#   expect_ok "a10 reaches b10" ping_ok a10 10.0.0.2
#   it_end                         # exit status: 0 if every check passed
#
# Everything a scenario creates carries the prefix $P ("<run prefix>-<scenario>-"): network
# namespaces, the per-"host" XVS_ROOT directories under /sys/fs/bpf and the runtime/capture
# directory under /tmp. The EXIT trap removes all of it, whether the scenario passed, failed
# or died half-way. Test traffic never leaves the namespaces created here.
#
# Each "host" namespace gets its own XVS_ROOT, because xvs resolves ifindexes in the namespace
# of the process that writes them. xvs runs through nsenter --net (not `ip netns exec`, which
# remounts /sys and hides the bpffs pins).
#
# XVSIT_DATAPATH=xdp|tc runs the scenario against that flavour of the dataplane: every
# `switch add` without its own --datapath gets --datapath $XVSIT_DATAPATH (empty: the default).

set -u

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$IT_DIR/../.." && pwd)
XVS_BIN=${XVS_BIN:-$REPO_DIR/build/xvs}
PY=/usr/bin/python3
BPFFS=${XVSIT_BPFFS:-/sys/fs/bpf}
IT_DATAPATH=${XVSIT_DATAPATH:-}

IT_SCEN=${IT_SCEN:-$(basename "$0" .sh)}
IT_PREFIX=${XVSIT_PREFIX:-xvsit-$$}
P="$IT_PREFIX-$IT_SCEN-"
IT_TMP="/tmp/${P}tmp"

IT_PASS=0
IT_FAIL=0
IT_NS=()      # namespaces we created (short names)
IT_HOSTS=()   # of which "hosts" (have an XVS_ROOT)
IT_PIDS=()    # background processes we started (tcpdump)
declare -A IT_CAP_PID=()

PING_OPTS=(-c 2 -W 1 -i 0.2 -q)

log() { printf '  # %s\n' "$*" >&2; }

# ---- checks ----------------------------------------------------------------------------

pass() { IT_PASS=$((IT_PASS + 1)); printf 'PASS %s: %s\n' "$IT_SCEN" "$1"; }
fail() {
	IT_FAIL=$((IT_FAIL + 1))
	printf 'FAIL %s: %s\n' "$IT_SCEN" "$1"
	shift
	# Details indented (every line), so no detail line can pass for a check line.
	[[ $# -gt 0 ]] && printf '%s\n' "$@" | sed 's/^/    /' >&2
	return 0
}

# expect_ok DESC CMD...: pass when CMD succeeds. Output of a failing CMD goes to stderr.
expect_ok() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$desc"
	else
		fail "$desc" "command failed: $*" "$out"
	fi
}

# expect_fail DESC CMD...: pass when CMD fails.
expect_fail() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "$desc" "command unexpectedly succeeded: $*" "$out"
	else
		pass "$desc"
	fi
}

# expect_eq DESC EXPECTED SEEN
expect_eq() {
	if [[ "$2" == "$3" ]]; then
		pass "$1"
	else
		fail "$1" "expected '$2', seen '$3'"
	fi
}

# expect_ge DESC MIN SEEN (integers)
expect_ge() {
	if [[ "$3" =~ ^[0-9]+$ ]] && (($3 >= $2)); then
		pass "$1"
	else
		fail "$1" "expected >= $2, seen '$3'"
	fi
}

# ---- namespaces, hosts, VMs --------------------------------------------------------------

nsname() { printf '%s%s' "$P" "$1"; }
nsx() { local n=$1; shift; nsenter --net="/run/netns/$P$n" "$@"; }

ns_add() {
	local n=$1
	ip netns add "$P$n" || return 1
	IT_NS+=("$n")
	nsx "$n" ip link set lo up
	# No IPv6: no router solicitations, DAD or MLD chatter to confuse captures and counters.
	nsx "$n" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;
		echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null || true
}

host_root() { printf '%s/%s%s' "$BPFFS" "$P" "$1"; }
host_run() { printf '%s/run-%s' "$IT_TMP" "$1"; }

# host_add NAME: a namespace standing in for a hypervisor host, with its own XVS_ROOT.
host_add() {
	ns_add "$1" || return 1
	IT_HOSTS+=("$1")
}

# xvs_h HOST ARGS...: run build/xvs inside HOST's network namespace with HOST's state dirs.
xvs_h() {
	local h=$1
	shift
	local -a args=("$@")
	if [[ -n $IT_DATAPATH && ${args[0]:-} == switch && ${args[1]:-} == add &&
		" ${args[*]} " != *" --datapath "* ]]; then
		args+=(--datapath "$IT_DATAPATH")
	fi
	nsenter --net="/run/netns/$P$h" env XVS_ROOT="$(host_root "$h")" XVS_RUN="$(host_run "$h")" \
		"$XVS_BIN" "${args[@]}"
}

# Offloads that would hide VLAN tags or leave checksums unfinished.
veth_prep() { nsx "$1" ethtool -K "$2" rxvlan off txvlan off tx off >/dev/null 2>&1 || true; }

# link_add NS_A IF_A NS_B IF_B: a veth pair between two namespaces, both ends up. The B end
# gets GRO on so frames that XDP redirects into the A end are not dropped.
link_add() {
	ip link add name "$2" netns "$P$1" type veth peer name "$4" netns "$P$3" || return 1
	veth_prep "$1" "$2"
	veth_prep "$3" "$4"
	nsx "$3" ethtool -K "$4" gro on >/dev/null
	nsx "$1" ip link set "$2" up
	nsx "$3" ip link set "$4" up
}

declare -A VM_MAC=() VM_IP=()

# vm_add HOST VM MAC [IP/PREFIX]: a namespace VM with eth0 (MAC); its host-side end is named
# VM inside HOST (that is the netdev to attach as a port).
vm_add() {
	local h=$1 vm=$2 mac=$3 ip=${4:-}
	ns_add "$vm" || return 1
	link_add "$h" "$vm" "$vm" eth0 || return 1
	nsx "$vm" ip link set eth0 address "$mac"
	VM_MAC[$vm]=$mac
	if [[ -n $ip ]]; then
		nsx "$vm" ip addr add "$ip" dev eth0
		# shellcheck disable=SC2034 # read by the scenarios
		VM_IP[$vm]=${ip%/*}
	fi
}

# ---- traffic ------------------------------------------------------------------------------

# ping_ok NS IP: NS can ping IP.
ping_ok() { nsx "$1" ping "${PING_OPTS[@]}" "$2" >/dev/null 2>&1; }

# ping_matrix: run many pings in parallel. Arguments: "SRC DST_IP EXPECT" triples, EXPECT is
# ok or fail. Prints "SRC DST_IP EXPECT SEEN" lines.
ping_matrix() {
	local -a pids=() keys=()
	local d="$IT_TMP/pm.$RANDOM" i=0
	mkdir -p "$d"
	while (($# >= 3)); do
		( if ping_ok "$1" "$2"; then echo ok; else echo fail; fi >"$d/$i" ) &
		pids+=($!)
		keys+=("$1 $2 $3")
		i=$((i + 1))
		shift 3
	done
	wait "${pids[@]}" 2>/dev/null
	for ((i = 0; i < ${#keys[@]}; i++)); do
		echo "${keys[$i]} $(cat "$d/$i" 2>/dev/null || echo fail)"
	done
	rm -rf "$d"
}

# send_frames NS IF PYTHON-EXPR [COUNT]: send scapy frames from NS out of IF.
send_frames() {
	nsx "$1" "$PY" - "$2" "$3" "${4:-1}" <<'EOF' 2>&1
import sys, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import *  # noqa
iface, expr, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
frame = eval(expr)
sendp(frame, iface=iface, count=count, verbose=False)
EOF
}

# ---- captures ------------------------------------------------------------------------------

# cap_start TAG NS IF [DIR]: tcpdump what IF receives (DIR in, the default: what the switch
# delivered), or sends (out), or both (inout), until cap_stop TAG.
cap_start() {
	local tag=$1 ns=$2 ifc=$3 dir=${4:-in} i
	mkdir -p "$IT_TMP"
	# nsenter execs tcpdump: $! is tcpdump itself, so cap_stop's signal reaches it.
	nsenter --net="/run/netns/$P$ns" tcpdump -i "$ifc" -Q "$dir" -nn -U --immediate-mode -Z root \
		-w "$IT_TMP/$tag.pcap" >/dev/null 2>"$IT_TMP/$tag.err" &
	IT_CAP_PID[$tag]=$!
	IT_PIDS+=($!)
	for ((i = 0; i < 50; i++)); do
		grep -q "listening on" "$IT_TMP/$tag.err" 2>/dev/null && return 0
		sleep 0.1
	done
	log "tcpdump $tag did not start: $(cat "$IT_TMP/$tag.err")"
	return 1
}

cap_stop() {
	local tag pid
	sleep 0.3
	for tag in "$@"; do
		pid=${IT_CAP_PID[$tag]:-}
		[[ -n $pid ]] || continue
		kill -INT "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		unset "IT_CAP_PID[$tag]"
	done
}

# cap_count TAG [FILTER...]: frames in capture TAG that match a pcap filter.
cap_count() {
	local tag=$1
	shift
	tcpdump -r "$IT_TMP/$tag.pcap" -nn "$@" 2>/dev/null | wc -l
}

cap_show() { tcpdump -r "$IT_TMP/$1.pcap" -nn -e 2>/dev/null | head -"${2:-20}"; }

# "ether src A or ether src B ..." for VMs.
src_of() {
	local f="" vm
	for vm in "$@"; do f+="${f:+ or }ether src ${VM_MAC[$vm]}"; done
	printf '(%s)' "$f"
}

# ---- JSON --------------------------------------------------------------------------------

# jfield EXPR: read JSON on stdin, print the python expression EXPR over it (as `j`).
jfield() { "$PY" -c 'import json,sys; j=json.load(sys.stdin); v='"$1"'; print(v)'; }

# port_field HOST SW PORT KEY
port_field() { xvs_h "$1" -j port show "$2" "$3" | jfield "j[0][\"$4\"]"; }
stat_field() { xvs_h "$1" -j stats "$2" "$3" | jfield "j[0][\"$4\"]"; }
drop_count() { xvs_h "$1" -j stats "$2" "$3" | jfield "j[0][\"drops\"][\"$4\"]"; }

# has_xdp NS DEV: DEV in NS has an XDP program attached.
has_xdp() { nsx "$1" ip link show dev "$2" 2>/dev/null | grep -q xdp; }
# has_tc NS DEV: DEV in NS has a TC filter running an xvs program (ingress or egress).
has_tc() {
	nsx "$1" tc filter show dev "$2" ingress 2>/dev/null | grep -q 'xvs_' ||
		nsx "$1" tc filter show dev "$2" egress 2>/dev/null | grep -q 'xvs_'
}
# has_dp NS DEV: the switch's dataplane runs on DEV (XDP or TC, whichever the flavour).
has_dp() { has_xdp "$1" "$2" || has_tc "$1" "$2"; }
# dp_leftovers NS: netdevs in NS that still carry an XDP program, a clsact qdisc or a filter.
dp_leftovers() {
	local d
	for d in $(nsx "$1" ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
		if has_xdp "$1" "$d" || nsx "$1" tc qdisc show dev "$d" 2>/dev/null | grep -q clsact; then
			echo "$d"
		fi
	done
}
# The flavour scenarios run against (what `switch show` reports for a new switch; unset: the
# default, XVS_DATAPATH_DEFAULT in loader/libxvs.h).
it_datapath() { echo "${IT_DATAPATH:-tc}"; }
dev_exists() { nsx "$1" ip link show dev "$2" >/dev/null 2>&1; }

# ---- lifecycle ----------------------------------------------------------------------------

it_cleanup() {
	local pid n h sw
	trap - EXIT INT TERM
	for pid in "${IT_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${IT_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	for h in "${IT_HOSTS[@]}"; do
		if [[ -d $(host_root "$h") && -e /run/netns/$P$h ]]; then
			for sw in "$(host_root "$h")"/*; do
				[[ -d $sw ]] && xvs_h "$h" switch del "${sw##*/}" >/dev/null 2>&1
			done
		fi
		rm -rf "$(host_root "$h")"
	done
	for n in "${IT_NS[@]}"; do
		for pid in $(ip netns pids "$P$n" 2>/dev/null); do kill "$pid" 2>/dev/null; done
		ip netns del "$P$n" 2>/dev/null
	done
	rm -rf "$IT_TMP"
}

it_begin() {
	if [[ ! -x $XVS_BIN ]]; then
		echo "FAIL $IT_SCEN: $XVS_BIN is missing (run make)"
		exit 1
	fi
	mountpoint -q "$BPFFS" || mount -t bpf bpf "$BPFFS"
	mkdir -p "$IT_TMP"
	trap it_cleanup EXIT
	trap 'exit 130' INT TERM
}

it_end() {
	[[ $IT_FAIL -eq 0 ]]
	exit $?
}

# setup STEP CMD...: a set-up step that must work; when it does not, the scenario cannot
# run: report one failure and stop (the trap cleans up).
# Runs in this shell (the helpers record what they create), output kept aside.
setup() {
	if ! "$@" >"$IT_TMP/setup.out" 2>&1; then
		fail "setup: $*" "$(cat "$IT_TMP/setup.out")"
		exit 1
	fi
}
