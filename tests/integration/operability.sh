#!/usr/bin/env bash
# operability: what packagers and operators use besides the commands themselves.
# `make install` (DESTDIR, PREFIX) puts exactly the documented files in place and `make
# uninstall` takes exactly those away; the installed man page renders without warnings and
# covers every option of `xvs --help`; the installed bash completion completes commands and
# live switch and port names; `xvs stats --prometheus` is exposition format 0.0.4 (HELP and
# TYPE once per family, label values escaped) whose values equal `xvs -j stats`; and
# `-j --prometheus` is refused with one line.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

BUILD_DIR=$(dirname "$XVS_BIN")
DEST="$IT_TMP/dest"
WEIRD='o"w\x' # a netdev name the dev label must escape (netdev names may hold '"' and '\')

# ---- install / uninstall ------------------------------------------------------------------

# mk ARGS...: make in the repository with the tested build directory. -o: install what is
# built, never rebuild it half-way through a test run.
# shellcheck disable=SC2317 # called through expect_ok
mk() {
	make -s --no-print-directory -C "$REPO_DIR" BUILD="$BUILD_DIR" -o "$BUILD_DIR/xvs" \
		-o "$BUILD_DIR/xvsd" -o "$BUILD_DIR/xvs-vsc" "$@"
}
files_under() { (cd "$1" && find . -type f -o -type l | sed 's|^\./||' | sort | tr '\n' ' '); }

mkdir -p "$DEST"
expect_ok "make install DESTDIR PREFIX=/usr" mk install DESTDIR="$DEST" PREFIX=/usr
expect_eq "install: exactly the binaries, the man pages, the completion and the systemd units" \
	"usr/bin/xvs-vsc usr/lib/systemd/system/xvs.service usr/lib/systemd/system/xvsd.service usr/sbin/xvs usr/sbin/xvsd usr/share/bash-completion/completions/xvs usr/share/man/man8/xvs.8 usr/share/man/man8/xvsd.8 " \
	"$(files_under "$DEST")"
expect_eq "install: modes 755, 644, 644, 644" "755 644 644 644" \
	"$(stat -c %a "$DEST/usr/sbin/xvs" "$DEST/usr/share/man/man8/xvs.8" \
		"$DEST/usr/share/bash-completion/completions/xvs" "$DEST/usr/lib/systemd/system/xvs.service" |
		tr '\n' ' ' | sed 's/ $//')"
expect_ok "install: sbin/xvs is the built xvs" cmp "$XVS_BIN" "$DEST/usr/sbin/xvs"
expect_ok "install: man8/xvs.8 is docs/xvs.8" cmp "$REPO_DIR/docs/xvs.8" "$DEST/usr/share/man/man8/xvs.8"
expect_ok "install: completions/xvs is completions/xvs.bash" \
	cmp "$REPO_DIR/completions/xvs.bash" "$DEST/usr/share/bash-completion/completions/xvs"
UNIT="$DEST/usr/lib/systemd/system/xvs.service"
expect_eq "install: the unit applies the saved file with the installed binary" \
	"ExecStart=/usr/sbin/xvs apply /etc/xvs/xvs.yaml" "$(grep '^ExecStart=' "$UNIT")"
expect_eq "install: the unit is the template with only the binary's path filled in" "" \
	"$(sed 's|@SBINDIR@|/usr/sbin|g' "$REPO_DIR/contrib/systemd/xvs.service.in" | diff - "$UNIT")"
expect_eq "install: xvsd.service runs the installed xvsd" "ExecStart=/usr/sbin/xvsd" \
	"$(grep '^ExecStart=' "$DEST/usr/lib/systemd/system/xvsd.service")"
sed "s|/usr/sbin/xvsd|$DEST/usr/sbin/xvsd|" "$DEST/usr/lib/systemd/system/xvsd.service" >"$IT_TMP/xvsd.service"
expect_eq "systemd-analyze verify: xvsd.service is valid" "" \
	"$(systemd-analyze verify --man=no "$IT_TMP/xvsd.service" 2>&1)"
expect_eq "xvsd.8: groff -man -ww: no warning" "" \
	"$(groff -man -Tutf8 -ww -z "$DEST/usr/share/man/man8/xvsd.8" 2>&1)"
# systemd-analyze checks that ExecStart exists where it points: point it into DESTDIR.
sed "s|/usr/sbin/xvs|$DEST/usr/sbin/xvs|" "$UNIT" >"$IT_TMP/xvs.service"
expect_eq "systemd-analyze verify: the unit is valid" "" \
	"$(systemd-analyze verify --man=no "$IT_TMP/xvs.service" 2>&1)"

DEFDEST="$IT_TMP/dest-default"
mkdir -p "$DEFDEST"
expect_ok "make install DESTDIR (default PREFIX)" mk install DESTDIR="$DEFDEST"
expect_eq "default PREFIX is /usr/local" \
	"usr/local/bin/xvs-vsc usr/local/lib/systemd/system/xvs.service usr/local/lib/systemd/system/xvsd.service usr/local/sbin/xvs usr/local/sbin/xvsd usr/local/share/bash-completion/completions/xvs usr/local/share/man/man8/xvs.8 usr/local/share/man/man8/xvsd.8 " \
	"$(files_under "$DEFDEST")"
expect_eq "default PREFIX: the unit runs /usr/local/sbin/xvs" \
	"ExecStart=/usr/local/sbin/xvs apply /etc/xvs/xvs.yaml" \
	"$(grep '^ExecStart=' "$DEFDEST/usr/local/lib/systemd/system/xvs.service")"
expect_ok "make uninstall DESTDIR (default PREFIX)" mk uninstall DESTDIR="$DEFDEST"
expect_eq "uninstall (default PREFIX): no file left" "" "$(files_under "$DEFDEST")"

# ---- the man page -------------------------------------------------------------------------

MAN="$DEST/usr/share/man/man8/xvs.8"
expect_eq "groff -man -ww: no warning" "" "$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)"
expect_eq "man -l: no warning" "" "$(MANWIDTH=80 man -l "$MAN" 2>&1 >/dev/null)"
MANTEXT=$(MANWIDTH=80 man -l "$MAN" 2>/dev/null | col -b)
missing=()
for o in $("$XVS_BIN" --help | grep -o -- '--[a-z-]*' | sort -u); do
	grep -q -- "$o" <<<"$MANTEXT" || missing+=("$o")
done
expect_eq "man page: documents every option of xvs --help" "" "${missing[*]}"
missing=()
for c in "switch add" "switch del" "switch show" "switch set" "port add" "port del" "port show" \
	"port set" "fdb show" "fdb add" "fdb flush" "stats" "apply" "save" "acl add" "acl show" "acl del"; do
	# Tags are filled, so the words may be spread by several spaces.
	grep -Eq "^ +${c// / +} " <<<"$MANTEXT" || missing+=("$c")
done
expect_eq "man page: describes every command of xvs --help" "" "${missing[*]}"
expect_ok "man page: describes vmq" grep -q "vmq on" <<<"$MANTEXT"

# ---- a switch with traffic ------------------------------------------------------------------

setup host_add h
setup xvs_h h switch add osw --type private
setup vm_add h p1 02:00:00:00:0b:01 10.0.11.1/24
setup vm_add h p2 02:00:00:00:0b:02 10.0.11.2/24
for vm in p1 p2; do setup xvs_h h port add osw "$vm" --dev "$vm"; done
setup nsx h ip link add "$WEIRD" type veth peer name ow-peer
setup nsx h ip link set "$WEIRD" up
setup nsx h ip link set ow-peer up
setup xvs_h h port add osw weird --dev "$WEIRD"
setup xvs_h h port set osw p2 mac-limit 1
setup ping_ok p1 10.0.11.2
# Drops (a tag on an untagged port) and learning refusals (p2 holds one MAC at most).
setup send_frames p1 eth0 "Ether(dst='ff:ff:ff:ff:ff:ff')/Dot1Q(vlan=10)/IP(dst='10.0.11.255')/UDP(dport=9)" 3
setup send_frames p2 eth0 "[Ether(src='02:66:00:00:0b:%02x' % i, dst='ff:ff:ff:ff:ff:ff')/IP(dst='10.0.11.255')/UDP(dport=9) for i in range(4)]"
sleep 0.2

# ---- bash completion --------------------------------------------------------------------------

COMPLETION="$DEST/usr/share/bash-completion/completions/xvs"
# complete WORD...: what the installed completion offers for the last WORD (sorted, one line),
# with the installed xvs first in PATH, in host h with its XVS_ROOT. Its stderr is kept apart.
complete_words() {
	# shellcheck disable=SC2016 # the script's own arguments
	nsx h env XVS_ROOT="$(host_root h)" XVS_RUN="$(host_run h)" PATH="$DEST/usr/sbin:$PATH" \
		bash -c '. "$1" || exit 1
			shift
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_xvs xvs "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
			printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$@" 2>"$IT_TMP/comp.err" |
		sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}
expect_eq "completion: registers _xvs for xvs" "complete -F _xvs xvs" \
	"$(bash -c '. "$1" && complete -p xvs' _ "$COMPLETION" 2>&1)"
expect_eq "completion: 'xvs sw' -> switch" "switch" "$(complete_words xvs sw)"
expect_eq "completion: 'xvs ' -> the commands" "acl apply capture fdb help port save stats switch" "$(complete_words xvs "")"
expect_eq "completion: 'xvs -j switch ' -> subcommands" "add del set show" \
	"$(complete_words xvs -j switch "")"
expect_eq "completion: 'xvs switch show ' -> the live switch" "osw" "$(complete_words xvs switch show "")"
expect_eq "completion: 'xvs stats o' -> the live switch" "osw" "$(complete_words xvs stats o)"
expect_eq "completion: 'xvs port set osw ' -> the live ports" "p1 p2 weird" \
	"$(complete_words xvs port set osw "")"
expect_eq "completion: 'xvs port set osw p1 vlan ' -> VLAN modes" "access community isolated promiscuous trunk untagged" \
	"$(complete_words xvs port set osw p1 vlan "")"
expect_eq "completion: after a MAC (split at ':' by bash), 'fdb add osw MAC p' -> ports" "p1 p2" \
	"$(complete_words xvs fdb add osw 02 : 00 : 00 : 00 : 00 : 09 p)"
expect_eq "completion: 'xvs switch add x --type ' -> types" "external internal private" \
	"$(complete_words xvs switch add x --type "")"
expect_eq "completion: 'xvs stats osw p1 --' -> --prometheus" "--prometheus" \
	"$(complete_words xvs stats osw p1 --)"
expect_eq "completion: no --prometheus after -j" "" "$(complete_words xvs -j stats osw p1 --)"
expect_eq "completion: 'xvs save ' -> the live switch" "osw" "$(complete_words xvs save "")"
expect_eq "completion: 'xvs save osw --' -> --write" "--write" "$(complete_words xvs save osw --)"
expect_eq "completion: 'xvs apply FILE --' -> --dry-run" "--dry-run" "$(complete_words xvs apply f.yaml --)"
expect_eq "completion: 'xvs apply FILE ' -> the live switch" "osw" "$(complete_words xvs apply f.yaml "")"
mkdir -p "$IT_TMP/cdir" && : >"$IT_TMP/cdir/site.yaml"
expect_eq "completion: 'xvs apply PATH' -> files" "$IT_TMP/cdir/site.yaml" \
	"$(complete_words xvs apply "$IT_TMP/cdir/s")"
expect_eq "completion: 'xvs save --write PATH' -> files" "$IT_TMP/cdir/site.yaml" \
	"$(complete_words xvs save --write "$IT_TMP/cdir/s")"
expect_eq "completion: 'xvs acl add osw ' -> the live ports" "p1 p2 weird" \
	"$(complete_words xvs acl add osw "")"
expect_eq "completion: 'xvs acl add osw p1 --dir ' -> directions" "both in out" \
	"$(complete_words xvs acl add osw p1 --dir "")"
expect_eq "completion: unknown switch -> no names" "" "$(complete_words xvs port show nosuch "")"
expect_eq "completion: unknown switch -> nothing on stderr" "" "$(cat "$IT_TMP/comp.err")"

# ---- Prometheus output --------------------------------------------------------------------

PROM="$IT_TMP/stats.prom"
# A consistent pair: the JSON read before and after the Prometheus output must agree.
for try in 1 2 3; do
	xvs_h h -j stats osw >"$IT_TMP/stats1.json"
	xvs_h h stats osw --prometheus >"$PROM" 2>"$IT_TMP/prom.err"
	prom_rc=$?
	xvs_h h -j stats osw >"$IT_TMP/stats2.json"
	cmp -s "$IT_TMP/stats1.json" "$IT_TMP/stats2.json" && break
	log "counters moved while reading (try $try)"
done
expect_eq "stats --prometheus: exit status 0, nothing on stderr" "0 " "$prom_rc $(cat "$IT_TMP/prom.err")"
xvs_h h stats osw p1 --prometheus >"$IT_TMP/p1.prom" 2>&1
xvs_h h stats --prometheus osw p1 >"$IT_TMP/p1b.prom" 2>&1

# The checks of the text, in Python: one "PASS|FAIL<tab>check<tab>detail" line each.
cat >"$IT_TMP/check.py" <<'PYEOF'
import json, re, sys

prom_path, json_path, p1_path, p1b_path, weird = sys.argv[1:6]
text = open(prom_path).read()
stats = json.load(open(json_path))

def check(desc, ok, detail=""):
    print("%s\t%s\t%s" % ("PASS" if ok else "FAIL", desc, str(detail).replace("\n", " | ")[:400]))

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^(%s)\{(%s(?:,%s)*)\} ([0-9]+)$" % (NAME, LABEL, LABEL))
PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')

def unescape(v):
    return re.sub(r'\\(.)', lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), v)

# Strict reading of the text: each line is HELP, TYPE or a sample; each family has exactly
# one HELP then one TYPE, before its samples, and its samples are contiguous.
bad, helps, types, order, samples = [], {}, {}, [], []
current = None
for n, line in enumerate(text.split("\n")[:-1], 1):
    m = re.match(r"^# (HELP|TYPE) (%s) (.+)$" % NAME, line)
    if m:
        kind, fam, rest = m.groups()
        if kind == "HELP":
            if fam in helps or fam in order:
                bad.append("line %d: second HELP or HELP after samples: %s" % (n, line))
            helps[fam] = rest
            current = fam
        else:
            if fam in types or fam != current:
                bad.append("line %d: TYPE not right after its HELP: %s" % (n, line))
            types[fam] = rest
        continue
    m = SAMPLE.match(line)
    if not m:
        bad.append("line %d: not a HELP, TYPE or sample line: %r" % (n, line))
        continue
    fam = m.group(1)
    if fam != current or fam not in types:
        bad.append("line %d: sample outside its family's block: %s" % (n, line))
    if not order or order[-1] != fam:
        if fam in order:
            bad.append("line %d: family %s split in two blocks" % (n, fam))
        order.append(fam)
    labels = {k: unescape(v) for k, v in PAIR.findall(m.group(2))}
    samples.append((fam, labels, int(m.group(3)), line))
check("prometheus: every line is HELP, TYPE or a sample, in family blocks", not bad and text.endswith("\n"), bad[:5])

counters = ["xvs_port_rx_packets_total", "xvs_port_rx_bytes_total", "xvs_port_tx_packets_total",
            "xvs_port_tx_bytes_total", "xvs_port_flooded_total", "xvs_port_mac_moves_total",
            "xvs_port_mirrored_total",
            "xvs_port_learn_refused_total", "xvs_port_drops_total"]
want_types = dict({c: "counter" for c in counters}, xvs_port_info="gauge")
check("prometheus: HELP and TYPE once per family, with the expected families and types",
      types == want_types and set(helps) == set(want_types) and all(helps.values()),
      "types=%s helps=%s" % (types, sorted(helps)))
check("prometheus: every name has the xvs_ prefix, every counter ends in _total",
      all(f.startswith("xvs_") for f in types) and
      all(f.endswith("_total") for f, t in types.items() if t == "counter"), sorted(types))

# Label escaping: the netdev name holds a quote and a backslash.
esc = weird.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
raw = [l for l in text.split("\n") if l.startswith("xvs_port_info{") and 'port="weird"' in l]
check("prometheus: dev label escaped (%s -> %s)" % (weird, esc),
      len(raw) == 1 and ('dev="%s"' % esc) in raw[0], raw)
info = {s[1]["port"]: s[1] for s in samples if s[0] == "xvs_port_info"}
check("prometheus: xvs_port_info of each port (dev, kind), value 1",
      info.get("weird", {}).get("dev") == weird and info.get("p1", {}).get("dev") == "p1" and
      all(s[2] == 1 for s in samples if s[0] == "xvs_port_info") and
      all(i.get("kind") == "vm" and i.get("switch") == "osw" for i in info.values()), info)

try:
    from prometheus_client.parser import text_string_to_metric_families
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    parsed_dev = [s.labels["dev"] for s in fams["xvs_port_info"].samples if s.labels["port"] == "weird"]
    check("prometheus: the reference parser (prometheus_client) reads it, dev unescaped",
          parsed_dev == [weird] and len(fams) == len(want_types), "%s %s" % (parsed_dev, sorted(fams)))
except Exception as e:  # noqa: BLE001 - any failure to parse is the finding
    check("prometheus: the reference parser (prometheus_client) reads it", False, repr(e))

# Values: every counter of every port equals xvs -j stats; nothing more, nothing less.
want = {}
plain = {"rx_packets": "xvs_port_rx_packets_total", "rx_bytes": "xvs_port_rx_bytes_total",
         "tx_packets": "xvs_port_tx_packets_total", "tx_bytes": "xvs_port_tx_bytes_total",
         "flooded": "xvs_port_flooded_total", "mac_moves": "xvs_port_mac_moves_total",
         "mirrored": "xvs_port_mirrored_total"}
for p in stats:
    for k, fam in plain.items():
        want[(fam, p["port"], None)] = p[k]
    want[("xvs_port_learn_refused_total", p["port"], "port-limit")] = p["learn_refused_port_limit"]
    want[("xvs_port_learn_refused_total", p["port"], "table-full")] = p["learn_refused_table_full"]
    for r, v in p["drops"].items():
        want[("xvs_port_drops_total", p["port"], r)] = v
seen = {}
for fam, labels, v, line in samples:
    if fam == "xvs_port_info":
        continue
    if labels.get("switch") != "osw":
        seen[("bad switch label", line, None)] = v
    seen[(fam, labels.get("port"), labels.get("reason"))] = v
diff = sorted(set(want.items()) ^ set(seen.items()), key=str)
check("prometheus: %d counter values equal xvs -j stats" % len(want), not diff, diff[:6])
p1 = next(p for p in stats if p["port"] == "p1")
p2 = next(p for p in stats if p["port"] == "p2")
check("traffic was counted (rx, 3 filtered-vlan drops on p1, learning refused on p2)",
      p1["rx_packets"] > 0 and p1["drops"]["filtered-vlan"] >= 3 and p2["learn_refused_port_limit"] > 0,
      "p1 rx=%s filtered-vlan=%s p2 refused=%s" % (p1["rx_packets"], p1["drops"]["filtered-vlan"],
                                                    p2["learn_refused_port_limit"]))

# One port: only its series, the same lines as in the whole switch's output.
p1_text = open(p1_path).read()
p1_lines = [l for l in p1_text.split("\n") if l and not l.startswith("#")]
whole_p1 = [l for l in text.split("\n") if 'port="p1"' in l]
check("prometheus: stats osw p1 prints p1's series only, HELP/TYPE still once each",
      p1_lines == whole_p1 and p1_text.count("# TYPE ") == len(want_types) and
      p1_text.count("# HELP ") == len(want_types), p1_text[:300])
check("prometheus: --prometheus may come before the switch", open(p1b_path).read() == p1_text)
PYEOF
while IFS=$'\t' read -r verdict desc detail; do
	if [[ $verdict == PASS ]]; then
		pass "$desc"
	else
		fail "$desc" "$detail"
	fi
done < <("$PY" "$IT_TMP/check.py" "$PROM" "$IT_TMP/stats1.json" "$IT_TMP/p1.prom" "$IT_TMP/p1b.prom" \
	"$WEIRD" 2>&1)

# ---- -j and --prometheus together ---------------------------------------------------------

for args in "-j stats osw --prometheus" "--json stats osw p1 --prometheus" "-j stats --prometheus osw"; do
	# shellcheck disable=SC2086 # words on purpose
	xvs_h h $args >"$IT_TMP/both.out" 2>"$IT_TMP/both.err"
	rc=$?
	expect_eq "xvs $args: exit 1, one line on stderr, nothing on stdout" "1 1 0" \
		"$rc $(wc -l <"$IT_TMP/both.err") $(wc -c <"$IT_TMP/both.out")"
done
log "$(cat "$IT_TMP/both.err")"
xvs_h h stats osw nope --prometheus >"$IT_TMP/bad.out" 2>"$IT_TMP/bad.err"
rc=$?
expect_eq "stats --prometheus of an unknown port: exit 1, one line, nothing on stdout" "1 1 0" \
	"$rc $(wc -l <"$IT_TMP/bad.err") $(wc -c <"$IT_TMP/bad.out")"
xvs_h h stats osw --promethean >"$IT_TMP/bad.out" 2>"$IT_TMP/bad.err"
rc=$?
expect_eq "stats with an unknown option: exit 1, one line, nothing on stdout" "1 1 0" \
	"$rc $(wc -l <"$IT_TMP/bad.err") $(wc -c <"$IT_TMP/bad.out")"

# ---- uninstall ----------------------------------------------------------------------------

echo keep >"$DEST/usr/sbin/not-ours"
expect_ok "make uninstall DESTDIR PREFIX=/usr" mk uninstall DESTDIR="$DEST" PREFIX=/usr
expect_eq "uninstall: removes exactly what install put there" "usr/sbin/not-ours " "$(files_under "$DEST")"

it_end
