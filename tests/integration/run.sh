#!/usr/bin/env bash
# Run the xvs integration scenarios: bash tests/integration/run.sh [SCENARIO...]
#
# Each scenario (tests/integration/<name>.sh) builds its own namespaces, prints one line per
# check ("PASS scenario: check" / "FAIL scenario: check", details of a failure indented on the
# lines after it) and removes everything it created when it exits. After each scenario this
# runner also checks that nothing with the scenario's prefix is left (namespaces, bpffs pins,
# /tmp files) and removes any leftovers. The last line is "N passed, N failed"; the exit status
# is non-zero if any check failed.
set -u

DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export XVSIT_PREFIX="xvsit-$$"
export XVS_BIN=${XVS_BIN:-$(cd "$DIR/../.." && pwd)/build/xvs}
TIMEOUT=${XVSIT_TIMEOUT:-240}
BPFFS=${XVSIT_BPFFS:-/sys/fs/bpf}

# Scenarios in a sensible order (cheap CLI checks first); any other *.sh here runs after them.
ORDER=(cli-errors operability switch-del internal private link-down static-fdb config mac-limit mac-spoofing guards qos trunk-native vlan-trunk site host-traffic gso)

passed=0
failed=0
say() {
	echo "$1"
	case $1 in
	PASS\ *) passed=$((passed + 1)) ;;
	FAIL\ *) failed=$((failed + 1)) ;;
	esac
}

finish() {
	echo "$passed passed, $failed failed"
	((failed == 0))
	exit $?
}

if [[ $EUID -ne 0 ]]; then
	say "FAIL integration: must run as root (namespaces, XDP, bpffs)"
	finish
fi
if [[ ! -x $XVS_BIN ]]; then
	say "FAIL integration: $XVS_BIN is missing (run make)"
	finish
fi
for tool in ip nsenter tcpdump ethtool ping bpftool; do
	command -v "$tool" >/dev/null || say "FAIL integration: $tool is not installed (make setup)"
done
/usr/bin/python3 -c 'import scapy.all' 2>/dev/null || say "FAIL integration: python3-scapy is not installed (make setup)"
((failed == 0)) || finish

if (($# > 0)); then
	scenarios=("$@")
else
	scenarios=("${ORDER[@]}")
	for f in "$DIR"/*.sh; do
		n=$(basename "$f" .sh)
		[[ $n == run || $n == lib || $n == lib-* ]] && continue
		[[ " ${ORDER[*]} " == *" $n "* ]] || scenarios+=("$n")
	done
fi

leftovers() { # leftovers PREFIX: what a scenario left behind, one item a line
	local p=$1
	ip netns list 2>/dev/null | awk '{print $1}' | grep -F -- "$p" | sed 's/^/netns /'
	compgen -G "$BPFFS/$p*" | sed 's/^/pins /'
	compgen -G "/tmp/$p*" | sed 's/^/file /'
}

remove_leftovers() {
	local p=$1 ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -F -- "$p"); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
	done
	rm -rf "${BPFFS:?}/${p:?}"* "/tmp/${p:?}"*
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -F -- "$p"); do
		ip netns del "$ns"
	done
}

start=$SECONDS
for scen in "${scenarios[@]}"; do
	f="$DIR/$scen.sh"
	if [[ ! -f $f ]]; then
		say "FAIL $scen: no such scenario ($f)"
		continue
	fi
	t0=$SECONDS
	fails_before=$failed
	rc=
	while IFS= read -r line; do
		if [[ $line == __xvsit_rc=* ]]; then
			rc=${line#__xvsit_rc=}
			continue
		fi
		say "$line"
	done < <(IT_SCEN=$scen timeout -k 10 "$TIMEOUT" bash "$f" 2>&1; echo "__xvsit_rc=$?")
	if [[ $rc == 124 ]] || [[ $rc == 137 && $((SECONDS - t0)) -ge $TIMEOUT ]]; then
		say "FAIL $scen: timed out after ${TIMEOUT}s"
	elif [[ $rc != 0 && $failed == "$fails_before" ]]; then
		say "FAIL $scen: exited with status $rc without reporting a failed check"
	fi
	left=$(leftovers "$XVSIT_PREFIX-$scen-")
	if [[ -z $left ]]; then
		say "PASS $scen: cleaned up after itself"
	else
		say "FAIL $scen: cleaned up after itself"
		while IFS= read -r l; do echo "    left behind: $l"; done <<<"$left"
		remove_leftovers "$XVSIT_PREFIX-$scen-"
	fi
	echo "  # $scen: $((SECONDS - t0))s"
done
echo "  # total: $((SECONDS - start))s"
finish
