#!/usr/bin/env bash
# xvs demo (`make demo`): a small site in network namespaces — two hypervisor hosts with an
# external switch each (trunk uplink, no management OS) and a separate management NIC, a
# top-of-rack switch (xvs too) with a physical server per department, VMs of Sales (VLAN 2),
# Finance (VLAN 3) and HR (VLAN 4) on both hosts, and two R&D VMs on a private switch. Every
# endpoint, management included, is in ONE IP subnet, so only the switches keep them apart.
# The site itself (and its diagram) is in tools/site.sh, shared with the integration test
# tests/integration/site.sh.
#
# The demo pings every ordered pair of endpoints in parallel while tcpdump listens on every
# VM's and server's interface, on the management NICs and on the trunks; it prints the
# reachability matrix it measured against the expected one, what each capture saw, the ToR's
# and R&D switch's FDB and every switch's counters, then removes everything it created (also
# on failure or ^C). Exit status: 0 when every result is as expected. Needs root; run
# `make` first (`make demo` does both).
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export XVS_BIN=${XVS_BIN:-$TOP/build/xvs}
# Names of everything the demo creates start with xvsdemo-<pid>-site- (see lib.sh).
# shellcheck disable=SC2034 # read by lib.sh
XVSIT_PREFIX="xvsdemo-$$"
# shellcheck disable=SC2034
IT_SCEN=site
if [[ $EUID -ne 0 ]]; then
	echo "demo: needs root (network namespaces, XDP, bpffs)" >&2
	exit 1
fi
if [[ ! -x $XVS_BIN ]]; then
	echo "demo: $XVS_BIN is missing: run make first" >&2
	exit 1
fi
for tool in ip nsenter tcpdump ethtool ping; do
	command -v "$tool" >/dev/null || { echo "demo: $tool is missing: run make setup" >&2; exit 1; }
done

# shellcheck source-path=SCRIPTDIR source=../tests/integration/lib.sh
. "$TOP/tests/integration/lib.sh"
# shellcheck source-path=SCRIPTDIR source=site.sh
. "$TOP/tools/site.sh"
SITE_SHOW=1

it_begin # temp dir, bpffs, cleanup trap on exit, ^C and TERM
t0=$SECONDS

site_step "xvs demo: two hypervisor hosts, a top-of-rack switch, four departments, one subnet"
echo "$SITE_DIAGRAM"
echo
echo "  Expected: the VMs and the server of each department (Sales, Finance, HR) reach each"
echo "  other and nothing else; rd-1 and rd-2 reach only each other; the hosts and the admin"
echo "  station reach each other over the management network, which no VM or server reaches."

if ! site_build; then
	echo "demo: building the site failed (see above)" >&2
	exit 1
fi

site_step "5. What hostA and the ToR look like"
for h in hostA tor; do
	sw=ext
	[[ $h == tor ]] && sw=tor
	printf '  [%s]# xvs switch show\n' "$h"
	xvs_h "$h" switch show
	printf '  [%s]# xvs port show %s\n' "$h" "$sw"
	xvs_h "$h" port show "$sw"
	echo
done

npairs=$((${#SITE_EPS[@]} * (${#SITE_EPS[@]} - 1)))
printf '\n  pinging %d pairs in parallel, tcpdump on %d interfaces...\n' "$npairs" \
	"$(site_capture_points | wc -l)"
tm=$SECONDS
if ! site_measure; then
	echo "demo: measuring failed" >&2
	exit 1
fi
echo "  done in $((SECONDS - tm))s"

bad=0
site_report || bad=$?

site_step "8. What the switches learned"
printf '  [tor]# xvs fdb show tor\n'
xvs_h tor fdb show tor
printf '\n  [hostA]# xvs fdb show rnd\n'
xvs_h hostA fdb show rnd

site_step "9. Counters"
for hs in "tor tor" "hostA ext" "hostB ext" "hostA rnd"; do
	read -r h sw <<<"$hs"
	printf '  [%s]# xvs stats %s\n' "$h" "$sw"
	xvs_h "$h" stats "$sw"
	echo
done

if [[ -n ${XVS_DEMO_PAUSE:-} ]]; then
	site_step "The site is up: look around"
	echo "  e.g.  nsenter --net=/run/netns/${P}hostA env XVS_ROOT=$(host_root hostA) $XVS_BIN port show ext"
	echo "        nsenter --net=/run/netns/${P}sales-a ping ${S_IP[sales-b]}"
	read -r -p "  press Enter to clean up " _ || true
fi
site_step "10. Clean up"
for hs in "hostA rnd" "hostA ext" "hostB ext" "tor tor"; do
	read -r h sw <<<"$hs"
	site_xvs "$h" switch del "$sw" || bad=$((bad + 1))
done
it_cleanup # the namespaces, with their VMs, bridges and captures
echo "  removed the site's namespaces and state; the demo took $((SECONDS - t0))s"
if ((bad)); then
	echo "demo: FAILED: results not as expected (marked ! above)" >&2
	exit 1
fi
echo "demo: OK — every ping and every capture as expected"
