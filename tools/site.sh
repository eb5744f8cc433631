# shellcheck shell=bash
# The demo site, built in network namespaces: two hypervisor hosts, a top-of-rack switch,
# four departments and a management network, all in ONE IP subnet (10.20.0.0/24), so that only
# the switches (and the cabling) keep them apart.
#
# Sourced, after tests/integration/lib.sh (namespaces, veths, xvs per "host", captures,
# cleanup), by tools/demo.sh (`make demo`, SITE_SHOW=1: prints what it does and a report) and
# by tests/integration/site.sh (SITE_SHOW=0: asserts every result). Both build and measure
# the site with the same functions:
#
#   site_build      create everything (returns non-zero on the first failure)
#   site_measure    tcpdump on every interface worth watching, ping every ordered pair of
#                   endpoints in parallel, send R&D broadcast and unknown-unicast floods, stop
#                   the captures, and write the results (below)
#   site_report     print the reachability matrix and the capture table (SITE_SHOW=1);
#                   returns the number of results that differ from the expected ones
#
# Results, one line each, every "seen" value measured (a ping's exit status, a tcpdump count):
#   $IT_TMP/site.matrix    SRC DST EXPECTED SEEN               (ok | fail)
#   $IT_TMP/site.captures  CHECK CAPTURE EXPECTED SEEN         (see site_capture_checks)
#
# The site (SITE_DIAGRAM is the lines starting "#|": the demo prints it; README.md has a copy):
#|              management network: Linux bridge br0 in namespace "mgmt" (admin station .200)
#|           +-------------------------------------+-------------------------------------+
#|           | mgmt0 .201 (plain veth, no switch)  | mgmt0 .202 (plain veth, no switch)
#|   +-------+---------------------------+   +-----+--------------------------------+
#|   | hostA                             |   | hostB                                |
#|   |  sales-a .21 VLAN 2 --+           |   |          +-- sales-b .22 VLAN 2      |
#|   |  fin-a   .31 VLAN 3 --+-- [ext]   |   |  [ext] --+-- fin-b   .32 VLAN 3      |
#|   |  hr-a    .41 VLAN 4 --+     |     |   |    |     +-- hr-b    .42 VLAN 4      |
#|   |                             |     |   |    |                                 |
#|   |  rd-1 .51 -[rnd]- rd-2 .52  |     |   |    |                                 |
#|   +-----------------------------+-----+   +----+---------------------------------+
#|                  uplink "trunk" |              | uplink "trunk"
#|               VLANs 2-4, tagged |              | VLANs 2-4, tagged
#|            patch: bridge cableA |              | patch: bridge cableB   <- tcpdump watches the trunks here
#|                                 |              |
#|             +-------------------+--------------+-------------------+
#|             | [tor]  ports hostA, hostB: trunk 2-4                 |
#|             |        sales-srv: access 2, fin-srv: 3, hr-srv: 4    |
#|             +------+--------------------+--------------------+-----+
#|                    |                    |                    |
#|              sales-srv .29         fin-srv .39          hr-srv .49
#|
#|   All addresses are in 10.20.0.0/24. [ext]: external switch with --no-management-os (the
#|   host's own NIC is mgmt0, on no switch). [rnd]: private switch. [tor]: the top-of-rack
#|   switch, xvs in its own namespace. patch: each host-ToR cable passes a Linux bridge, where
#|   tcpdump sees the trunk (it sees nothing on a netdev where xvs's XDP program runs).
#
# tor is a private switch (ports only: no uplink, no host NIC) with trunk ports to both hosts
# and access ports to the servers. The patch bridges have multicast snooping off: a snooping
# bridge joins 224.0.0.106 and says so on the trunk.

SITE_SHOW=${SITE_SHOW:-0}
# shellcheck disable=SC2034 # printed by tools/demo.sh
SITE_DIAGRAM=$(sed -n 's/^#| \{0,1\}//p' "${BASH_SOURCE[0]}")
SITE_NET=10.20.0
SITE_TRUNK_VLANS=2-4
SITE_TRUNK_TAGS=2,3,4 # what a trunk capture must show: these tags, no untagged frame

# Every endpoint of the site.
#   name       group    kind     where  switch  VLAN  address  column label
SITE_NODES="
sales-a    Sales    vm       hostA  ext     2     21       a
sales-b    Sales    vm       hostB  ext     2     22       b
sales-srv  Sales    server   tor    tor     2     29       srv
fin-a      Finance  vm       hostA  ext     3     31       a
fin-b      Finance  vm       hostB  ext     3     32       b
fin-srv    Finance  server   tor    tor     3     39       srv
hr-a       HR       vm       hostA  ext     4     41       a
hr-b       HR       vm       hostB  ext     4     42       b
hr-srv     HR       server   tor    tor     4     49       srv
rd-1       R&D      vm       hostA  rnd     -     51       1
rd-2       R&D      vm       hostA  rnd     -     52       2
hostA      mgmt     host     hostA  -       -     201      hA
hostB      mgmt     host     hostB  -       -     202      hB
mgmt       mgmt     station  mgmt   -       -     200      stn
"
SITE_EPS=()
declare -A S_GROUP=() S_KIND=() S_WHERE=() S_SW=() S_VLAN=() S_IP=() S_MAC=() S_COL=() S_NS=() S_IF=()
declare -A S_NAME_OF_IP=()
while read -r _n _g _k _w _s _v _a _c; do
	[[ -n $_n ]] || continue
	SITE_EPS+=("$_n")
	S_GROUP[$_n]=$_g S_KIND[$_n]=$_k S_WHERE[$_n]=$_w S_SW[$_n]=$_s S_VLAN[$_n]=$_v S_COL[$_n]=$_c
	S_IP[$_n]=$SITE_NET.$_a
	S_NAME_OF_IP[$SITE_NET.$_a]=$_n
	# MAC from the address: .21 -> 02:00:00:00:00:21, .201 -> 02:00:00:00:02:01
	S_MAC[$_n]=$(printf '02:00:00:00:%02d:%02d' $((_a / 100)) $((_a % 100)))
	case $_k in
	vm | server) S_NS[$_n]=$_n S_IF[$_n]=eth0 ;;
	host) S_NS[$_n]=$_n S_IF[$_n]=mgmt0 ;;
	station) S_NS[$_n]=$_n S_IF[$_n]=br0 ;;
	esac
done <<<"$SITE_NODES"
unset _n _g _k _w _s _v _a _c
SITE_GROUPS=(Sales Finance HR "R&D" mgmt)
# Where an R&D VM sends an unknown-unicast frame (a static neighbour nobody answers for).
SITE_UNKNOWN_IP=$SITE_NET.59
SITE_UNKNOWN_MAC=02:00:00:00:00:59

# ---- output --------------------------------------------------------------------------------

site_tty() { [[ -t 1 ]]; }
site_step() {
	((SITE_SHOW)) || return 0
	if site_tty; then printf '\n\033[1m%s\033[0m\n' "$*"; else printf '\n== %s\n' "$*"; fi
}
site_say() { ((SITE_SHOW)) && printf '%s\n' "$*"; return 0; }
site_red() { if site_tty; then printf '\033[1;31m%s\033[0m' "$*"; else printf '%s' "$*"; fi; }

# site_xvs HOST ARGS...: xvs on HOST, shown as the user would type it there.
site_xvs() {
	local h=$1
	shift
	site_say "  [$h]# xvs $*"
	xvs_h "$h" "$@"
}

# site_ip NS ARGS...: ip(8) in NS, shown the same way.
site_ip() {
	local n=$1
	shift
	site_say "  [$n]# ip $*"
	nsx "$n" ip "$@"
}

# ---- build ---------------------------------------------------------------------------------

site_gro_on() { nsx "$1" ethtool -K "$2" gro on >/dev/null 2>&1 || true; }

# site_endpoint NAME: the namespace, veth, MAC and address of a VM or server, and its port.
site_endpoint() {
	local n=$1 h=${S_WHERE[$1]} sw=${S_SW[$1]} vid=${S_VLAN[$1]}
	vm_add "$h" "$n" "${S_MAC[$n]}" "${S_IP[$n]}/24" || return 1
	if [[ ${S_KIND[$n]} == vm ]]; then
		# A VM's adapter has a known MAC: the port only accepts (and learns) that source.
		site_xvs "$h" port add "$sw" "$n" --dev "$n" --mac "${S_MAC[$n]}" || return 1
	else
		site_xvs "$h" port add "$sw" "$n" --dev "$n" || return 1
	fi
	if [[ $vid != - ]]; then
		site_xvs "$h" port set "$sw" "$n" vlan access "$vid" || return 1
	fi
}

site_build() {
	local h n

	site_step "1. Management network: each host's own NIC (mgmt0, a plain veth on no switch)"
	ns_add mgmt || return 1
	site_ip mgmt link add br0 type bridge mcast_snooping 0 || return 1
	for h in hostA hostB; do
		host_add "$h" || return 1
		link_add "$h" mgmt0 mgmt "$h" || return 1
		nsx mgmt ip link set "$h" master br0 || return 1
		nsx "$h" ip link set mgmt0 address "${S_MAC[$h]}" || return 1
		site_ip "$h" addr add "${S_IP[$h]}/24" dev mgmt0 || return 1
	done
	nsx mgmt ip link set br0 address "${S_MAC[mgmt]}" || return 1
	site_ip mgmt addr add "${S_IP[mgmt]}/24" dev br0 || return 1
	nsx mgmt ip link set br0 up || return 1
	site_say "  (mgmt's bridge br0 joins hostA's and hostB's mgmt0; it is the admin station, ${S_IP[mgmt]})"

	site_step "2. Top-of-rack switch: xvs in namespace tor; trunks to the hosts through a patch panel"
	host_add tor || return 1
	ns_add patch || return 1
	for h in hostA hostB; do
		# host uplink "trunk" <-> patch:hostX [bridge cableX] patch:torX <-> tor:hostX
		link_add "$h" trunk patch "$h" || return 1
		link_add patch "tor${h#host}" tor "$h" || return 1
		site_gro_on patch "tor${h#host}"
		# No multicast snooping: a snooping bridge joins 224.0.0.106 and says so on the trunk.
		nsx patch ip link add "cable${h#host}" type bridge mcast_snooping 0 || return 1
		nsx patch ip link set "$h" master "cable${h#host}" || return 1
		nsx patch ip link set "tor${h#host}" master "cable${h#host}" || return 1
		nsx patch ip link set "cable${h#host}" up || return 1
	done
	site_say "  (patch: bridges cableA and cableB, where tcpdump watches the trunks)"
	site_xvs tor switch add tor --type private || return 1
	for h in hostA hostB; do
		site_xvs tor port add tor "$h" --dev "$h" || return 1
		site_xvs tor port set tor "$h" vlan trunk "$SITE_TRUNK_VLANS" || return 1
	done
	for n in "${SITE_EPS[@]}"; do
		[[ ${S_KIND[$n]} == server ]] || continue
		site_endpoint "$n" || return 1
	done

	site_step "3. Hypervisors hostA and hostB: an external switch with a trunk uplink and no host NIC"
	for h in hostA hostB; do
		site_xvs "$h" switch add ext --type external --uplink trunk --no-management-os || return 1
		site_xvs "$h" port set ext uplink vlan trunk "$SITE_TRUNK_VLANS" || return 1
		for n in "${SITE_EPS[@]}"; do
			[[ ${S_KIND[$n]} == vm && ${S_WHERE[$n]} == "$h" && ${S_SW[$n]} == ext ]] || continue
			site_endpoint "$n" || return 1
		done
	done

	site_step "4. R&D: a private switch on hostA, two VMs that must reach only each other"
	site_xvs hostA switch add rnd --type private || return 1
	for n in "${SITE_EPS[@]}"; do
		[[ ${S_SW[$n]} == rnd ]] || continue
		site_endpoint "$n" || return 1
	done
	# An address nobody has, with a MAC nobody has: rd-1's frames to it are unknown unicast.
	nsx rd-1 ip neigh replace "$SITE_UNKNOWN_IP" lladdr "$SITE_UNKNOWN_MAC" dev eth0 nud permanent || return 1
}

# ---- measure -------------------------------------------------------------------------------

# Where tcpdump listens: every VM's and server's interface (what the switch delivered to it),
# both hosts' management NICs and the trunks at the patch panel (both directions).
#   tag      namespace  interface  direction  networks it belongs to
site_capture_points() {
	local n
	for n in "${SITE_EPS[@]}"; do
		case ${S_KIND[$n]} in
		vm | server) echo "$n ${S_NS[$n]} ${S_IF[$n]} in ${S_GROUP[$n]}" ;;
		host) echo "$n-mgmt0 ${S_NS[$n]} ${S_IF[$n]} inout mgmt" ;;
		esac
	done
	echo "trunkA patch hostA inout Sales,Finance,HR"
	echo "trunkB patch hostB inout Sales,Finance,HR"
}

# Start every capture at once, then wait until all of them listen.
site_cap_start_all() {
	local tag ns ifc dir _ i missing
	while read -r tag ns ifc dir _; do
		nsenter --net="/run/netns/$P$ns" tcpdump -i "$ifc" -Q "$dir" -nn -U --immediate-mode \
			-Z root -w "$IT_TMP/$tag.pcap" >/dev/null 2>"$IT_TMP/$tag.err" &
		# shellcheck disable=SC2034,SC2004 # an associative array of lib.sh, read by cap_stop
		IT_CAP_PID[$tag]=$!
		IT_PIDS+=($!)
	done < <(site_capture_points)
	for ((i = 0; i < 100; i++)); do
		missing=0
		while read -r tag _; do
			grep -q "listening on" "$IT_TMP/$tag.err" 2>/dev/null || missing=1
		done < <(site_capture_points)
		((missing)) || return 0
		sleep 0.1
	done
	echo "site: a tcpdump did not start" >&2
	return 1
}

# R&D floods besides the pings' ARP requests: a broadcast ping and unknown unicast.
site_rd_floods() {
	nsx rd-1 ping -b -c 2 -i 0.2 -W 1 -q "$SITE_NET.255" >/dev/null 2>&1
	nsx rd-1 ping -c 2 -i 0.2 -W 1 -q "$SITE_UNKNOWN_IP" >/dev/null 2>&1
	return 0
}

site_expect() { # site_expect SRC DST: ok when both are in the same network
	if [[ ${S_GROUP[$1]} == "${S_GROUP[$2]}" ]]; then echo ok; else echo fail; fi
}

# "(ether src M or ...)" for the endpoints given.
site_src() {
	local f="" n
	for n in "$@"; do f+="${f:+ or }ether src ${S_MAC[$n]}"; done
	printf '(%s)' "${f:-ether src 00:00:00:00:00:00}"
}

# site_capture_checks: for each capture, lines "CHECK TAG EXPECTED SEEN":
#   own     frames from the capture's own networks (other than itself): seen must be >= 1,
#           i.e. the capture works and its network talks (EXPECTED ">0")
#   rd      frames from the R&D VMs (0; for the R&D VMs themselves: ">0", from the peer)
#   other   any other frame: from another network's endpoints or from a MAC that belongs to
#           no endpoint (0)
#   tags    VLAN tags seen, sorted: "2,3,4" on the trunks ("untagged" first if any frame
#           there was untagged), "none" elsewhere
# and for rd-2: "rd-bcast" (rd-1's broadcast ping) and "rd-unknown" (rd-1's unknown
# unicast), both ">0"; every other capture counts them under "rd".
site_capture_checks() {
	local tag ns ifc dir nets n self own rd known tags
	while read -r tag ns ifc dir nets; do
		self=${tag%-mgmt0}
		own=() rd=() known=()
		for n in "${SITE_EPS[@]}"; do
			if [[ $n == "$self" ]]; then
				known+=("$n")
			elif [[ ,$nets, == *",${S_GROUP[$n]},"* ]]; then
				own+=("$n")
				known+=("$n")
			elif [[ ${S_GROUP[$n]} == "R&D" ]]; then
				rd+=("$n")
				known+=("$n")
			fi
		done
		echo "own $tag >0 $(cap_count "$tag" "$(site_src "${own[@]}")")"
		if [[ $nets != "R&D" ]]; then
			echo "rd $tag 0 $(cap_count "$tag" "$(site_src "${rd[@]}")")"
		fi
		# Anything else: another network's endpoints, or any MAC that is no endpoint at all.
		echo "other $tag 0 $(cap_count "$tag" "not $(site_src "${known[@]}")")"
		tags=$(tcpdump -r "$IT_TMP/$tag.pcap" -nn -e 2>/dev/null | grep -o 'vlan [0-9]*' |
			awk '{print $2}' | sort -n -u | paste -sd, -)
		if [[ $tag == trunk* ]]; then
			(($(cap_count "$tag" "not vlan") == 0)) || tags="untagged${tags:+,$tags}"
			echo "tags $tag $SITE_TRUNK_TAGS ${tags:-none}"
		else
			echo "tags $tag none ${tags:-none}"
		fi
	done < <(site_capture_points)
	echo "rd-bcast rd-2 >0 $(cap_count rd-2 "ether src ${S_MAC[rd-1]} and ether broadcast and icmp")"
	echo "rd-unknown rd-2 >0 $(cap_count rd-2 "ether src ${S_MAC[rd-1]} and ether dst $SITE_UNKNOWN_MAC")"
}

site_measure() {
	local s d ip e seen args=() rdpid tag
	# 182 pings at once on a small, busy machine: give answers 2 s rather than lib.sh's 1 s.
	# shellcheck disable=SC2034 # read by lib.sh's ping_ok (dynamic scope)
	local PING_OPTS=(-c 2 -W 2 -i 0.2 -q)
	site_cap_start_all || return 1
	site_rd_floods &
	rdpid=$!
	for s in "${SITE_EPS[@]}"; do
		for d in "${SITE_EPS[@]}"; do
			[[ $s == "$d" ]] && continue
			args+=("${S_NS[$s]}" "${S_IP[$d]}" "$(site_expect "$s" "$d")")
		done
	done
	# ping_matrix names the source by its namespace: the same as the endpoint's name here.
	ping_matrix "${args[@]}" | while read -r s ip e seen; do
		echo "$s ${S_NAME_OF_IP[$ip]} $e $seen"
	done >"$IT_TMP/site.matrix"
	wait "$rdpid"
	local tags=()
	while read -r tag _; do tags+=("$tag"); done < <(site_capture_points)
	cap_stop "${tags[@]}"
	site_capture_checks >"$IT_TMP/site.captures"
}

# site_matches EXPECTED SEEN
site_matches() {
	if [[ $1 == ">0" ]]; then [[ $2 =~ ^[0-9]+$ ]] && (($2 > 0)); else [[ $1 == "$2" ]]; fi
}

# ---- report --------------------------------------------------------------------------------

site_report_matrix() {
	local s d e seen cell bad=0 total=0 g n w=5 line
	declare -A M=()
	while read -r s d e seen; do M[$s,$d]="$e $seen"; done <"$IT_TMP/site.matrix"
	# Header: the networks, then each column's label.
	line=$(printf '%-18s' "")
	for g in "${SITE_GROUPS[@]}"; do
		n=0
		for d in "${SITE_EPS[@]}"; do [[ ${S_GROUP[$d]} == "$g" ]] && n=$((n + 1)); done
		line+=$(printf "%-$((n * w))s" "$g")
	done
	site_say "$line"
	line=$(printf '%-18s' "from \\ to")
	for d in "${SITE_EPS[@]}"; do line+=$(printf "%-${w}s" "${S_COL[$d]}"); done
	site_say "$line"
	for s in "${SITE_EPS[@]}"; do
		line=$(printf '%-10s%-8s' "$s" "${S_WHERE[$s]}")
		for d in "${SITE_EPS[@]}"; do
			if [[ $s == "$d" ]]; then
				line+=$(printf "%-${w}s" ".")
				continue
			fi
			total=$((total + 1))
			read -r e seen <<<"${M[$s,$d]:-? missing}"
			if [[ $seen == ok ]]; then cell=ok; else cell=--; fi
			if [[ $e == "$seen" ]]; then
				line+=$(printf "%-${w}s" "$cell")
			else
				bad=$((bad + 1))
				line+="$(site_red "$cell!")$(printf "%-$((w - ${#cell} - 1))s" "")"
			fi
		done
		site_say "$line"
	done
	site_say "  ok = the row's ping to the column answered; -- = no answer; ! = not what was expected"
	site_say "  expected: ok inside a department (VMs and its server), inside R&D and inside the"
	site_say "  management network; -- everywhere else"
	if ((bad == 0)); then
		site_say "  all $total pings as expected"
	else
		site_say "  $(site_red "$bad of $total pings NOT as expected:")"
		while read -r s d e seen; do
			[[ $e == "$seen" ]] && continue
			if [[ $e == ok ]]; then
				site_say "    $s -> $d: expected an answer, got none"
			else
				site_say "    $s -> $d: expected no answer, got one"
			fi
		done <"$IT_TMP/site.matrix"
	fi
	return "$bad"
}

# site_capture_cell CHECK TAG: a count from site.captures, marked when not as expected.
site_capture_cell() {
	local e s
	read -r e s < <(awk -v c="$1" -v t="$2" '$1 == c && $2 == t {print $3, $4}' "$IT_TMP/site.captures")
	if [[ -z ${e:-} ]]; then
		printf '%-9s' "-"
	elif site_matches "$e" "$s"; then
		printf '%-9s' "$s"
	else
		site_red "$s!"
		printf "%-$((8 - ${#s}))s" ""
	fi
}

site_report_captures() {
	local check tag e seen bad=0 total=0 ifc label line
	site_say "$(printf '%-32s%-9s%-9s%-9s%s' "tcpdump on" "own-net" "R&D" "others" "VLAN tags")"
	while read -r tag _ ifc _ _; do
		case $tag in
		trunk?) label="trunk host${tag#trunk}-tor (at patch)" ;;
		*-mgmt0) label="${tag%-mgmt0} mgmt0 (management)" ;;
		*) label="$tag $ifc (${S_GROUP[$tag]})" ;;
		esac
		line=$(printf '%-32s' "$label")
		line+=$(site_capture_cell own "$tag")
		if [[ ${S_GROUP[$tag]:-} == "R&D" ]]; then line+=$(printf '%-9s' "(own)"); else line+=$(site_capture_cell rd "$tag"); fi
		line+=$(site_capture_cell other "$tag")
		line+=$(site_capture_cell tags "$tag")
		site_say "$line"
	done < <(site_capture_points)
	site_say "  own-net: frames from the capture's own network (> 0: the capture works, its network talks)"
	site_say "  R&D: frames from rd-1 or rd-2 (must be 0); others: any other frame, from another network"
	site_say "  or from a MAC that is no endpoint (must be 0)"
	site_say "  VLAN tags: tagged frames only on the trunks, VLANs 2,3,4 only; ! = not as expected"
	site_say "  rd-2 received rd-1's broadcast ping: $(site_capture_cell rd-bcast rd-2 | sed 's/ *$//') frames, and its unknown" \
		"unicast: $(site_capture_cell rd-unknown rd-2 | sed 's/ *$//') (flooded; the R&D column counts them everywhere else)"
	while read -r check tag e seen; do
		total=$((total + 1))
		site_matches "$e" "$seen" || bad=$((bad + 1))
	done <"$IT_TMP/site.captures"
	if ((bad == 0)); then
		site_say "  all $total capture checks as expected"
	else
		site_say "  $(site_red "$bad of $total capture checks NOT as expected:")"
		while read -r check tag e seen; do
			site_matches "$e" "$seen" || site_say "    $check on $tag: expected $e, seen $seen"
		done <"$IT_TMP/site.captures"
	fi
	return "$bad"
}

# site_report: the matrix and the captures; returns the number of unexpected results
# (capped at 255 by the shell, so callers test for non-zero).
site_report() {
	local b1=0 b2=0
	site_step "6. Reachability: every endpoint pinged every other one (all in $SITE_NET.0/24)"
	site_report_matrix || b1=$?
	site_step "7. Captures: tcpdump on every VM's and server's interface, the mgmt NICs and the trunks"
	site_report_captures || b2=$?
	return $(((b1 + b2) > 255 ? 255 : b1 + b2))
}
