#!/usr/bin/env bash
# Declarative configuration: `xvs apply FILE` builds two switches with ports, VLANs and a
# static MAC (checked with xvs -j and pings); applying it again changes nothing; a modified
# file changes exactly the difference; broken files are refused with FILE:LINE and leave the
# state byte-identical; a kernel failure half-way is undone; `xvs save` reads back to a no-op
# apply; `save --write` replaces the file atomically; switches not in the file are removed
# unless SWITCH names limit the apply.
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC2317 # helpers called through expect_ok
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add h
setup vm_add h a1 02:00:00:00:0c:01 10.0.12.1/24
setup vm_add h a2 02:00:00:00:0c:02 10.0.12.2/24
setup vm_add h a3 02:00:00:00:0c:03 10.0.12.3/24
setup vm_add h b1 02:00:00:00:0d:01 10.0.13.1/24
setup vm_add h b2 02:00:00:00:0d:02 10.0.13.2/24
setup vm_add h c1 02:00:00:00:0d:03 10.0.13.3/24
cd "$IT_TMP" || exit 1

# sw1 runs the flavour under test; sw2 is always XDP, whose attach the half-way failure below
# relies on (a netdev with a foreign XDP program refuses it).
DP=$(it_datapath)
OTHER_DP=$([[ $DP == tc ]] && echo xdp || echo tc)
cat >site.yaml <<EOF
version: 1
switches:
  sw1:
    type: internal
    datapath: $DP
    aging: 120
    ports:
      a1:
        dev: a1
        mac: "02:00:00:00:0c:01"
        vlan: access 10
      a2:
        dev: a2
        vlan: access 10
      a3:
        dev: a3
        vlan: access 20
    fdb:
      - mac: "02:00:00:00:0c:99"
        port: a2
        vlan: 10
  sw2:
    type: private
    datapath: xdp
    ports:
      b1: {dev: b1}
      b2: {dev: b2, mac-limit: 4}
EOF

# out_of ARGS...: "rc|stdout|stderr" of xvs ARGS in host h.
out_of() {
	xvs_h h "$@" >run.out 2>run.err
	echo "$?|$(cat run.out)|$(cat run.err)"
}

# ---- create from a file ----------------------------------------------------------------------

expect_eq "dry run: prints the plan, creates nothing" \
	"dry run: 12 changes planned, nothing changed|0" \
	"$(xvs_h h apply site.yaml --dry-run 2>&1 | tail -1)|$(xvs_h h -j switch show | jfield 'len(j)')"
r=$(out_of apply site.yaml)
expect_eq "apply: creates both switches, 12 changes" "0|12 changes applied|" \
	"${r%%|*}|$(tail -1 run.out)|$(cat run.err)"
expect_eq "apply: the steps, in order" \
	"create switch sw1 (type internal, datapath $DP, aging 120)
create switch sw2 (type private, datapath xdp)
add port sw1/a1 (dev a1, mac 02:00:00:00:0c:01)
add port sw1/a2 (dev a2)
add port sw1/a3 (dev a3)
add port sw2/b1 (dev b1)
add port sw2/b2 (dev b2)
set port sw1/a1 vlan: untagged -> access 10
set port sw1/a2 vlan: untagged -> access 10
set port sw1/a3 vlan: untagged -> access 20
set port sw2/b2 mac-limit: 0 -> 4
add static MAC sw1 02:00:00:00:0c:99 vlan 10 -> port a2
12 changes applied" "$(cat run.out)"
expect_eq "switch show: sw1 internal $DP aging 120, sw2 private xdp" "sw1 internal $DP 120 4 sw2 private xdp 300 2" \
	"$(xvs_h h -j switch show | jfield '" ".join("%s %s %s %s %s" % (s["name"], s["type"], s["datapath"], s["aging_sec"], s["ports"]) for s in j)')"
expect_eq "port show sw1: modes, MAC" "host untagged None a1 access 10 02:00:00:00:0c:01 a2 access 10 None a3 access 20 None" \
	"$(xvs_h h -j port show sw1 | jfield '" ".join("%s %s%s %s" % (p["name"], p["vlan_mode"], " %d" % p["access_vlan"] if "access_vlan" in p else "", p["mac"]) for p in j)')"
expect_eq "port show sw2: b2 mac-limit 4" "b1 0 b2 4" \
	"$(xvs_h h -j port show sw2 | jfield '" ".join("%s %s" % (p["name"], p["mac_limit"]) for p in j)')"
expect_eq "fdb: the static entry" "02:00:00:00:0c:99 10 a2" \
	"$(xvs_h h -j fdb show sw1 | jfield '" ".join("%s %s %s" % (e["mac"], e["vlan"], e["port"]) for e in j if e["static"])')"
expect_eq "pings: VLAN 10 a1-a2 ok, a1-a3 (VLAN 20) not, private b1-b2 ok" "ok fail ok" \
	"$(ping_matrix a1 10.0.12.2 ok a1 10.0.12.3 fail b1 10.0.13.2 ok | awk '{printf "%s%s", s, $4; s=" "}')"

expect_eq "apply the same file again: no changes" "0|no changes|" "$(out_of apply site.yaml)"
xvs_h h save >saved.yaml
expect_eq "apply what save printed: no changes" "0|no changes|" "$(out_of apply saved.yaml)"
expect_eq "save is stable" "" "$(xvs_h h save | diff - saved.yaml)"
expect_eq "save: each switch's datapath" "$DP xdp" \
	"$("$PY" -c 'import yaml,sys; s=yaml.safe_load(open(sys.argv[1]))["switches"]; print(s["sw1"]["datapath"], s["sw2"]["datapath"])' saved.yaml)"
sed "s/datapath: $DP/datapath: $OTHER_DP/" site.yaml >other-dp.yaml
expect_eq "another datapath: the switch is created again (dry run)" \
	"remove switch sw1 to create it again (datapath $DP -> $OTHER_DP: only switch creation sets this; its ports are added again, learned MACs and counters start over)" \
	"$(xvs_h h apply other-dp.yaml --dry-run 2>&1 | head -1)"

# ---- a modified file: exactly the difference -----------------------------------------------------

sed -e 's/aging: 120/aging: 60/' -e '/a3:/,/vlan: access 20/d' -e 's/mac-limit: 4/mac-limit: 8/' \
	-e '/a2:/,/vlan/s/access 10/access 20/' site.yaml >site2.yaml
echo "      c1: {dev: c1}" >>site2.yaml
expect_eq "modified file: exactly the difference" "0|remove port sw1/a3 (not in site2.yaml)
add port sw2/c1 (dev c1)
set switch sw1 aging: 120 -> 60
set port sw1/a2 vlan: access 10 -> access 20
set port sw2/b2 mac-limit: 4 -> 8
5 changes applied|" "$(out_of apply site2.yaml)"
expect_eq "after it: a1-a2 apart (a2 now VLAN 20), c1 reaches b1" "fail ok" \
	"$(ping_matrix a1 10.0.12.2 fail c1 10.0.13.1 ok | awk '{printf "%s%s", s, $4; s=" "}')"
expect_eq "and again: no changes" "0|no changes|" "$(out_of apply site2.yaml)"

# ---- broken files: refused whole, nothing changes ----------------------------------------------

state() {
	local sw
	xvs_h h save
	xvs_h h -j switch show | grep -v '"aging_sweeps"'
	for sw in $(xvs_h h -j switch show | jfield '" ".join(s["name"] for s in j)'); do
		xvs_h h -j port show "$sw" | grep -v '"learned_macs"'
		xvs_h h -j fdb show "$sw" | jfield '[e for e in j if e["static"]]'
	done
	nsx h ip -o link show | sed 's/ state [A-Z]*//'
}
# broken NAME EXPECTED-STDERR SED-SCRIPT: site2.yaml with the aging changed (so a partial
# apply would show) and SED-SCRIPT applied must be refused with that one line.
broken() {
	local name=$1 want=$2 before after rc
	sed -e 's/aging: 60/aging: 61/' -e "$3" site2.yaml >"$name.yaml"
	before=$(state)
	xvs_h h apply "$name.yaml" >run.out 2>run.err
	rc=$?
	after=$(state)
	expect_eq "broken file ($name): exit 1, '$want', nothing on stdout" "1|xvs: $want|" \
		"$rc|$(cat run.err)|$(cat run.out)"
	expect_eq "broken file ($name): state byte-identical (save, -j show, links)" "$before" "$after"
}
broken unknown-key "unknown-key.yaml:14: unknown port key 'vlna' (expected dev, synthetic, queues, mac, mac-spoofing, vlan, link, mac-limit, mirror, dhcp-guard, router-guard, max-rate, storm-limit, min-weight, mtu or vmq)" \
	's/        vlan: access 20/        vlna: access 20/'
broken bad-vid "bad-vid.yaml:11: invalid VLAN id '4095': must be 1-4094" 's/access 10/access 4095/'
broken bad-mac "bad-mac.yaml:10: invalid MAC '02:00:00:00:0c': expected xx:xx:xx:xx:xx:xx or none" \
	's/"02:00:00:00:0c:01"/"02:00:00:00:0c"/'
broken no-netdev "no-netdev.yaml:25: port sw2/c1: netdev c9 does not exist" 's/dev: c1/dev: c9/'
broken dup-switch "dup-switch.yaml:19: duplicate switch 'sw1' (first at line 3)" 's/^  sw2:/  sw1:/'
broken dup-dev "dup-dev.yaml:25: netdev b1 is already used by port sw2/b1 (line 23)" 's/dev: c1/dev: b1/'
broken syntax "syntax.yaml:19: YAML syntax error: mapping values are not allowed in this context" \
	's/^  sw2:/  sw2: x:/'
expect_eq "after the broken files: still no changes to make" "0|no changes|" "$(out_of apply site2.yaml)"

# ---- a kernel failure half-way: undone ----------------------------------------------------------

setup nsx h ip link add z1 type veth peer name z1p
setup nsx h ip link set z1 xdp obj "$(dirname "$XVS_BIN")/xvs_trafgen.bpf.o" sec xdp
# Remove a1 (done first), then add a port on z1, whose foreign XDP program makes it fail.
sed -e '/a1:/,/vlan: access 10/d' -e 's/aging: 60/aging: 33/' site2.yaml >fails.yaml
echo "      z: {dev: z1}" >>fails.yaml
before=$(xvs_h h save)
xvs_h h apply fails.yaml >run.out 2>run.err
expect_eq "half-way failure: exit 1, one line naming the step and the undo" \
	"1|xvs: add port sw2/z (dev z1): netdev z1 already has an XDP program attached; the changes made before it were undone" \
	"$?|$(cat run.err)"
expect_eq "half-way failure: what was done, then what was undone" "remove port sw1/a1 (not in fails.yaml)
undone: add port sw1/a1 (dev a1, mac 02:00:00:00:0c:01)
undone: set port sw1/a1 vlan: untagged -> access 10" "$(cat run.out)"
expect_eq "half-way failure: the saved state is the same as before" "$before" "$(xvs_h h save)"
expect_eq "half-way failure: a1 is back, in VLAN 10, and the aging unchanged" "10 60" \
	"$(port_field h sw1 a1 access_vlan) $(xvs_h h -j switch show sw1 | jfield 'j[0]["aging_sec"]')"
setup nsx h ip link set z1 xdp off

# ---- save --write --------------------------------------------------------------------------------

export XVS_CONFIG="$IT_TMP/etc-xvs/xvs.yaml"
expect_eq "save --write: to \$XVS_CONFIG (its directory created)" "0|saved to $XVS_CONFIG|" "$(out_of save --write)"
expect_eq "save --write: the file is what save prints" "" "$(xvs_h h save | diff - "$XVS_CONFIG")"
expect_eq "save --write: mode 644, no temporary file left" "644 xvs.yaml" \
	"$(stat -c %a "$XVS_CONFIG") $(ls -A "$IT_TMP/etc-xvs" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "apply of the written file: no changes" "0|no changes|" "$(out_of apply "$XVS_CONFIG")"
setup xvs_h h switch set sw1 aging 77
expect_eq "save --write again replaces the file" "0|saved to $XVS_CONFIG||aging: 77" \
	"$(out_of save --write)|$(grep -o 'aging: 77' "$XVS_CONFIG")"
expect_eq "save SWITCH --write PATH: only that switch" "sw2" \
	"$(xvs_h h save sw2 --write only-sw2.yaml >/dev/null && "$PY" -c 'import yaml,sys; print(" ".join(yaml.safe_load(open(sys.argv[1]))["switches"]))' only-sw2.yaml)"
r=$(out_of save sw1 --write)
expect_eq "save SWITCH --write without PATH: refused (it would drop the other switches at boot)" "1" "${r%%|*}"
unset XVS_CONFIG

# ---- switches not in the file, and SWITCH names ----------------------------------------------------

setup xvs_h h switch add extra --type private
r=$(out_of apply site2.yaml)
expect_eq "switch not in the file: removed, and the output says why" \
	"0|remove switch extra (not in site2.yaml; without SWITCH names, apply reconciles every switch of this host)
set switch sw1 aging: 77 -> 60
2 changes applied|" "$r"
expect_eq "switch extra is gone" "sw1 sw2" "$(xvs_h h -j switch show | jfield '" ".join(s["name"] for s in j)')"
setup xvs_h h switch add extra --type private
sed -e 's/aging: 60/aging: 30/' -e 's/mac-limit: 8/mac-limit: 2/' site2.yaml >site3.yaml
expect_eq "apply FILE sw1: only sw1 changes" "0|set switch sw1 aging: 60 -> 30
1 change applied|" "$(out_of apply site3.yaml sw1)"
expect_eq "apply FILE sw1: sw2 and extra untouched" "8 extra sw1 sw2" \
	"$(port_field h sw2 b2 mac_limit) $(xvs_h h -j switch show | jfield '" ".join(s["name"] for s in j)' | tr '\n' ' ' | sed 's/ $//')"
r=$(out_of apply site3.yaml nosuch)
expect_eq "apply FILE with a switch not in it: refused" "1||xvs: switch 'nosuch' is not in site3.yaml (to remove a switch, use xvs switch del)" "$r"
expect_eq "apply FILE sw2: sw2 changes, extra still untouched" "0|set port sw2/b2 mac-limit: 8 -> 2
1 change applied||extra" "$(out_of apply site3.yaml sw2)|$(xvs_h h switch show extra | awk 'NR == 2 {print $1}')"
expect_eq "apply FILE: then extra goes" "0|remove switch extra (not in site3.yaml; without SWITCH names, apply reconciles every switch of this host)
1 change applied|" "$(out_of apply site3.yaml)"

it_end
