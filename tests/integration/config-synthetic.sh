#!/usr/bin/env bash
# Synthetic ports in configuration files: `xvs apply` creates synthetic ports (served by xvsd:
# the guest socket exists and a guest reaches an emulated VM), with their queues and `vmq: on`;
# applying the same file, or what `xvs save` printed (synthetic: true, mac, queues, vmq), changes
# nothing; another queue count adds the port again, another mtu changes it in place; a port
# left out of the file is removed; without xvsd an apply that adds a synthetic port is refused
# with one line and changes nothing (a no-op apply still works); apply waits a bounded while for
# an xvsd that is starting (boot); `vmq: on` on an emulated port is a FILE:LINE error.
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC2317 # helpers called through expect_ok
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib-synthetic.sh
. "$(dirname "$0")/lib-synthetic.sh"
it_begin

DP=$(it_datapath)
S1_MAC=02:00:00:00:51:01
S2_MAC=02:00:00:00:52:01

setup host_add h
setup ns_add far
setup link_add h up0 far up1
setup vm_add h v1 02:00:00:00:01:01 10.0.0.11/24
cd "$IT_TMP" || exit 1

# VMQ needs an external XDP switch; the internal one runs the flavour under test.
cat >site.yaml <<EOF
version: 1
switches:
  sw:
    type: external
    datapath: xdp
    uplink: up0
    management-os: off
    ports:
      s1:
        synthetic: true
        mac: "$S1_MAC"
        vlan: access 10
        vmq: on
      v1:
        dev: v1
        vlan: access 10
  isw:
    type: internal
    datapath: $DP
    ports:
      s2:
        synthetic: true
        mac: "$S2_MAC"
        queues: 2
EOF

out_of() { # out_of ARGS...: "rc|stdout|stderr" of xvs ARGS in host h
	xvs_h h "$@" >run.out 2>run.err
	echo "$?|$(cat run.out)|$(cat run.err)"
}
# state: what a refused apply must leave byte-identical.
state() {
	local sw
	xvs_h h save
	for sw in $(xvs_h h -j switch show | jfield '" ".join(s["name"] for s in j)'); do
		xvs_h h -j port show "$sw" | grep -v '"learned_macs"'
	done
	nsx h ip -o link show | sed 's/ state [A-Z]*//'
	(cd "$(host_run h)" 2>/dev/null && find . ! -name '*.stats' | sort)
}
rx_queues() { nsx h ethtool -l "$1" | awk '/Current/ {c=1} c && /^RX:/ {print $2; exit}'; }
yaml_port() { # yaml_port FILE SWITCH PORT: the port's keys as "key=value ..." (sorted)
	"$PY" -c 'import yaml,sys; p=yaml.safe_load(open(sys.argv[1]))["switches"][sys.argv[2]]["ports"][sys.argv[3]]; print(" ".join("%s=%s" % (k, p[k]) for k in sorted(p)))' "$@"
}

# ---- created from a file ------------------------------------------------------------------------

setup xvsd_start h
expect_eq "apply: creates the switches and the synthetic ports" "0|create switch sw (type external, datapath xdp, uplink up0, management-os off)
create switch isw (type internal, datapath $DP)
add port sw/s1 (synthetic, mac $S1_MAC, queues 1)
add port sw/v1 (dev v1)
add port isw/s2 (synthetic, mac $S2_MAC, queues 2)
set port sw/s1 vlan: untagged -> access 10
set port sw/s1 vmq: off -> on
set port sw/v1 vlan: untagged -> access 10
8 changes applied|" "$(out_of apply site.yaml)"
expect_eq "s1 and s2 are synthetic ports, s1 with vmq on" "synth True synth False" \
	"$(port_field h sw s1 kind) $(port_field h sw s1 vmq) $(port_field h isw s2 kind) $(port_field h isw s2 vmq)"
expect_ok "xvsd serves s1's guest socket" test -S "$(host_run h)/sw/s1.sock"
expect_ok "xvsd serves s2's guest socket" test -S "$(host_run h)/isw/s2.sock"
expect_eq "s2's port device has 2 rx queues" 2 "$(rx_queues "$(port_field h isw s2 dev)")"
expect_ok "xvsd bound s1's VMQ sockets on the uplink" wait_for grep -q "s1: VMQ on (up0" "$IT_TMP/xvsd-h.log"
setup vsc_start s1 h s1 10.0.0.1/24
expect_ok "a guest on s1 reaches v1 (same VLAN)" ping_ok s1 10.0.0.11

# ---- save, and applying it ------------------------------------------------------------------------

expect_eq "apply the same file again: no changes" "0|no changes|" "$(out_of apply site.yaml)"
xvs_h h save >saved.yaml
expect_eq "save: s1 with synthetic, mac, vlan and vmq" "mac=$S1_MAC synthetic=True vlan=access 10 vmq=True" \
	"$(yaml_port saved.yaml sw s1)"
expect_eq "save: s2 with synthetic, mac and its 2 queues" "mac=$S2_MAC queues=2 synthetic=True" \
	"$(yaml_port saved.yaml isw s2)"
expect_eq "save: the keys in the order of port add --synthetic --mac --queues" \
	"synthetic: true|mac: \"$S2_MAC\"|queues: 2" \
	"$(sed -n '/^      s2:/,/queues/p' saved.yaml | sed 1d | sed 's/^ *//' | paste -sd'|')"
expect_eq "apply what save printed: no changes" "0|no changes|" "$(out_of apply saved.yaml)"
expect_eq "save is stable" "" "$(xvs_h h save | diff - saved.yaml)"

# ---- changes ------------------------------------------------------------------------------------

sed 's/queues: 2/queues: 3/' site.yaml >queues3.yaml
expect_eq "another queue count: the port is added again" "0|remove port isw/s2 to add it again (queues 2 -> 3: a synthetic port's MAC and queues are set when it is added; its guest's channel and counters start over)
add port isw/s2 (synthetic, mac $S2_MAC, queues 3)
2 changes applied|" "$(out_of apply queues3.yaml)"
expect_eq "... with a 3-queue device" 3 "$(rx_queues "$(port_field h isw s2 dev)")"
expect_ok "... served again" test -S "$(host_run h)/isw/s2.sock"
sed '/queues: 3/a\        mtu: 9000' queues3.yaml >mtu.yaml
expect_eq "mtu: 9000 for s2: changed in place" "0|set port isw/s2 mtu: 1500 -> 9000
1 change applied|" "$(out_of apply mtu.yaml)"
expect_eq "... on its port device" 9000 "$(port_field h isw s2 mtu)"
xvs_h h save >mtu-saved.yaml
expect_eq "save: s2 with its mtu" "mac=$S2_MAC mtu=9000 queues=3 synthetic=True" \
	"$(yaml_port mtu-saved.yaml isw s2)"
expect_eq "apply what save printed: no changes" "0|no changes|" "$(out_of apply mtu-saved.yaml)"
expect_eq "mtu left out again: back to 1500" "0|set port isw/s2 mtu: 9000 -> 1500
1 change applied|" "$(out_of apply queues3.yaml)"

S1_DEV=$(port_field h sw s1 dev)
sed '/^      s1:/,/vmq: on/d' queues3.yaml >no-s1.yaml
expect_eq "s1 left out of the file: removed" "0|remove port sw/s1 (not in no-s1.yaml)
1 change applied|" "$(out_of apply no-s1.yaml)"
expect_fail "... port s1 is gone" xvs_h h port show sw s1
expect_ok "... xvsd stopped serving it" wait_for grep -q "stopped serving sw/s1" "$IT_TMP/xvsd-h.log"
expect_fail "... its guest socket is gone" test -e "$(host_run h)/sw/s1.sock"
expect_fail "... and its port device" dev_exists h "$S1_DEV"
expect_ok "v1 stays" xvs_h h port show sw v1

# ---- without xvsd ---------------------------------------------------------------------------------

xvsd_stop h
expect_eq "without xvsd, a file that adds nothing synthetic: no changes" "0|no changes|" \
	"$(out_of apply no-s1.yaml)"
# s1 back, and a switch change, which must not happen either.
sed '/management-os: off/a\    aging: 60' queues3.yaml >with-s1.yaml
before=$(state)
SECONDS=0
r=$(out_of apply with-s1.yaml)
took=$SECONDS
S1_LINE=$(grep -n '^      s1:' with-s1.yaml | cut -d: -f1)
expect_eq "without xvsd: refused with one line naming the port" \
	"1||xvs: with-s1.yaml:$S1_LINE: port sw/s1 is synthetic, and xvsd is not running (no answer at $(host_run h)/xvsd.sock for 5 s): start xvsd first" "$r"
expect_eq "... nothing changed (save, port show, links, runtime files)" "$before" "$(state)"
expect_ge "... after waiting a bounded while for xvsd (5 s)" 4 "$took"
expect_ok "... not longer" test "$took" -le 8
r=$(out_of apply with-s1.yaml --dry-run)
expect_eq "without xvsd: a dry run is refused too" 1 "${r%%|*}"
expect_ok "... with the same line" grep -qF "xvs: with-s1.yaml:$S1_LINE: port sw/s1 is synthetic, and xvsd is not running" run.err

# ---- an xvsd that is starting (boot: xvsd.service just before xvs.service) -----------------------

# xvsd comes up 1.5 s after apply starts; apply waits for it.
# shellcheck disable=SC2016 # $0 is for the inner shell
nsenter --net="/run/netns/${P}h" env XVS_ROOT="$(host_root h)" XVS_RUN="$(host_run h)" \
	sh -c 'sleep 1.5; exec "$0"' "$XVSD_BIN" >>"$IT_TMP/xvsd-h.log" 2>&1 &
XVSD_PID[h]=$!
IT_PIDS+=($!)
SECONDS=0
r=$(out_of apply with-s1.yaml)
took=$SECONDS
expect_eq "xvsd still starting: apply waits for it, then adds s1" "0|set switch sw aging: 300 -> 60" \
	"${r%%|*}|$(grep aging run.out)"
expect_ok "... it did wait (${took}s), less than the 5 s bound" test "$took" -ge 1 -a "$took" -le 5
expect_ok "... s1 is served" test -S "$(host_run h)/sw/s1.sock"
expect_eq "... with vmq on" True "$(port_field h sw s1 vmq)"
expect_eq "and again: no changes" "0|no changes|" "$(out_of apply with-s1.yaml)"

# ---- vmq on an emulated port: FILE:LINE, nothing changes ------------------------------------------

sed '/^      v1:/a\        vmq: on' with-s1.yaml >bad-vmq.yaml
V1_LINE=$(($(grep -n '^      v1:' bad-vmq.yaml | cut -d: -f1) + 1))
before=$(state)
expect_eq "vmq: on on an emulated port: refused" \
	"1||xvs: bad-vmq.yaml:$V1_LINE: port v1: vmq is for synthetic ports (synthetic: true)" \
	"$(out_of apply bad-vmq.yaml)"
expect_eq "... nothing changed" "$before" "$(state)"
sed 's/datapath: xdp/datapath: tc/' with-s1.yaml >tc-vmq.yaml
VMQ_LINE=$(grep -n 'vmq: on' tc-vmq.yaml | cut -d: -f1)
expect_eq "vmq: on on a TC switch: refused" \
	"1||xvs: tc-vmq.yaml:$VMQ_LINE: port s1: vmq needs the xdp datapath: switch sw runs tc, and only XDP can hand frames to an AF_XDP socket (datapath: xdp)" \
	"$(out_of apply tc-vmq.yaml)"
expect_eq "... nothing changed" "$before" "$(state)"

it_end
