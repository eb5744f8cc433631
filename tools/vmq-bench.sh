#!/usr/bin/env bash
# VMQ on against VMQ off: frames from the uplink to a synthetic VM, in the same run, taking
# turns (docs/BENCHMARKS.md, "VMQ"). Needs root and a built tree (make).
#
#   bash tools/vmq-bench.sh [ROUNDS] [SECONDS] [SIZE]     (defaults 5 rounds of 3 s, 64 bytes)
#
# Host namespace h: an external switch (XDP datapath) whose uplink `up` is one end of a veth;
# the other end, `gen`, is in namespace w (the wire). Synthetic port p1 (one queue), its MAC a
# static FDB entry, served by xvsd pinned to CPU 1; the guest is build/xvs-vsc-pps --recv (the
# poll-mode C API, pinned to CPU 1 too: it sleeps on its doorbell when its ring is empty). The
# generator, build/xvs-vsc-pps --packet gen, sends SIZE-byte UDP frames to p1's MAC with
# AF_PACKET sendmmsg, pinned to CPU 0 (the uplink's XDP program and, with VMQ off, the port
# device's run in softirq on that CPU too). Counted by the guest: frames it received per second.
# Each round runs a baseline (the uplink set link down: its XDP program drops every frame at the
# first check), VMQ off, then VMQ on (`xvs port set sw p1 vmq on|off`); from the generator's
# rates (CPU 0 is saturated in all three) the host kernel's cost per frame beyond the baseline.
set -u
ROUNDS=${1:-5}
SECS=${2:-3}
SIZE=${3:-64}
export IT_SCEN=vmqbench
# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$(dirname "$0")/../tests/integration/lib.sh"
it_begin
B=$REPO_DIR/build
P1_MAC=02:00:00:00:51:01

setup host_add h
setup ns_add w
setup ip link add name up netns "${P}h" type veth peer name gen netns "${P}w"
setup veth_prep h up
setup veth_prep w gen
setup nsx h ip link set dev up up
setup nsx w ip link set dev gen up
setup xvs_h h switch add sw --type external --uplink up --no-management-os --datapath xdp
nsenter --net="/run/netns/${P}h" env XVS_ROOT="$(host_root h)" XVS_RUN="$(host_run h)" \
	taskset -c "${XVSD_CPU:-1}" "$B/xvsd" >"$IT_TMP/xvsd.log" 2>&1 &
IT_PIDS+=($!)
for ((i = 0; i < 50; i++)); do [[ -S $(host_run h)/xvsd.sock ]] && break; sleep 0.1; done
setup xvs_h h port add sw p1 --synthetic --mac "$P1_MAC"
setup xvs_h h fdb add sw "$P1_MAC" p1

# one_run: the guest receives while the generator sends; prints "received-pps sent-pps".
one_run() {
	local ready="$IT_TMP/ready" got sent
	rm -f "$ready"
	nsx h taskset -c "${GUEST_CPU:-1}" "$B/xvs-vsc-pps" --connect "$(host_run h)/sw/p1.sock" --recv \
		--secs "$SECS" --ready "$ready" >"$IT_TMP/recv.out" 2>&1 &
	local rpid=$!
	for ((i = 0; i < 50; i++)); do [[ -e $ready ]] && break; sleep 0.1; done
	nsx w taskset -c "${GEN_CPU:-0}" "$B/xvs-vsc-pps" --packet gen --dst "$P1_MAC" --src-ip 10.0.0.99 \
		--dst-ip 10.0.0.1 --size "$SIZE" --qdisc-bypass --secs $((SECS + 1)) >"$IT_TMP/send.out" 2>&1
	wait "$rpid"
	got=$(awk '/^received/ {print $2 / $5}' "$IT_TMP/recv.out")
	sent=$(awk '/^sent/ {print $2 / $5}' "$IT_TMP/send.out")
	echo "${got:-0} ${sent:-0}"
}

# drop_run: the generator alone against the uplink's XDP program dropping every frame at its
# first check (the uplink port set link down): what CPU 0 can send when the switch does next to
# nothing, the baseline the host's per-frame cost is measured against. Prints sent pps.
drop_run() {
	local sent
	xvs_h h port set sw uplink link down >/dev/null || return 1
	nsx w taskset -c "${GEN_CPU:-0}" "$B/xvs-vsc-pps" --packet gen --dst "$P1_MAC" --src-ip 10.0.0.99 \
		--dst-ip 10.0.0.1 --size "$SIZE" --qdisc-bypass --secs "$SECS" >"$IT_TMP/send.out" 2>&1
	xvs_h h port set sw uplink link up >/dev/null || return 1
	sent=$(awk '/^sent/ {print $2 / $5}' "$IT_TMP/send.out")
	echo "${sent:-0}"
}

declare -A R=()
for ((r = 1; r <= ROUNDS; r++)); do
	R[drop_$r]=$(drop_run)
	setup xvs_h h port set sw p1 vmq off
	sleep 0.5
	read -r R[off_$r] R[offsent_$r] <<<"$(one_run)"
	setup xvs_h h port set sw p1 vmq on
	sleep 0.5
	read -r R[on_$r] R[onsent_$r] <<<"$(one_run)"
	echo "round $r: vmq off ${R[off_$r]} pps received (${R[offsent_$r]} sent), vmq on ${R[on_$r]} pps received (${R[onsent_$r]} sent), drop baseline ${R[drop_$r]} sent" >&2
done
sleep 1.2
xvs_h h stats sw p1 >&2

"$PY" - "$ROUNDS" "$(uname -r)" "$(nproc)" "$SECS" "$SIZE" "$(declare -p R)" <<'EOF'
import re, statistics, sys, time
rounds, kernel, cpus, secs, size = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
R = dict(re.findall(r'\[(\w+)\]="([^"]*)"', sys.argv[6]))
g = lambda k: [float(R[f"{k}_{r}"]) / 1e6 for r in range(1, rounds + 1)]
off, on, offs, ons = g("off"), g("on"), g("offsent"), g("onsent")
q = [a / b for a, b in zip(on, off) if b > 0]
print(f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, kernel {kernel}, {cpus} CPUs; "
      f"{rounds} rounds of {secs} s per contender, taking turns; {size}-byte frames\n")
print("| uplink -> synthetic VM | received by the guest, Mpps, median (min-max) | sent by the generator, Mpps, median |")
print("| --- | ---: | ---: |")
print(f"| VMQ off (port device path) | {statistics.median(off):.3f} ({min(off):.3f}-{max(off):.3f}) | {statistics.median(offs):.3f} |")
print(f"| VMQ on | {statistics.median(on):.3f} ({min(on):.3f}-{max(on):.3f}) | {statistics.median(ons):.3f} |")
drop = g("drop")
print(f"| baseline: uplink drops every frame | - | {statistics.median(drop):.3f} |")
print()
print(f"Received by the guest, VMQ on / off, median of per-round ratios: "
      + (f"**{statistics.median(q):.2f}x** ({min(q):.2f}-{max(q):.2f})" if q else "-"))
# CPU 0 runs the generator and the whole kernel receive path, and is saturated in all three
# runs (the generator never waits): 1/sent is CPU 0's time per frame. Less the baseline's
# (generator + reception + a drop), what is left is the host kernel's cost of switching a frame
# from the uplink into the AF_XDP socket that xvsd reads.
def cost(sent, base):
    return [(1 / a - 1 / b) * 1e3 for a, b in zip(sent, base) if a > 0 and b > 0]
coff, con = cost(offs, drop), cost(ons, drop)
cq = [a / b for a, b in zip(coff, con) if b > 0]
if coff and con:
    print(f"\nHost kernel cost per frame, uplink to the AF_XDP socket, beyond the drop baseline: "
          f"VMQ off {statistics.median(coff):.0f} ns ({min(coff):.0f}-{max(coff):.0f}), "
          f"VMQ on {statistics.median(con):.0f} ns ({min(con):.0f}-{max(con):.0f}); "
          f"off / on, median of per-round ratios: **{statistics.median(cq):.2f}x** "
          f"({min(cq):.2f}-{max(cq):.2f})")
EOF
it_end
