#!/usr/bin/env bash
# Link down: `xvs port set SW PORT link down` stops traffic through that port in both
# directions (and only through that port); `link up` restores it.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add h
setup xvs_h h switch add lsw --type private
setup vm_add h l1 02:00:00:00:03:01 10.0.3.1/24
setup vm_add h l2 02:00:00:00:03:02 10.0.3.2/24
setup vm_add h l3 02:00:00:00:03:03 10.0.3.3/24
for vm in l1 l2 l3; do setup xvs_h h port add lsw "$vm" --dev "$vm"; done

matrix() {
	local label=$1
	shift
	while read -r s d e seen; do
		expect_eq "$label: ping $s -> $d ($e)" "$e" "$seen"
	done < <(ping_matrix "$@")
}
flush_arp() { local vm; for vm in l1 l2 l3; do nsx "$vm" ip neigh flush dev eth0; done; }

matrix "all up" l1 10.0.3.2 ok l2 10.0.3.1 ok l1 10.0.3.3 ok
expect_eq "port show: l2 link up" up "$(port_field h lsw l2 link)"

setup xvs_h h port set lsw l2 link down
expect_eq "port show: l2 link down" down "$(port_field h lsw l2 link)"
expect_eq "link down forgets what l2 learned" 0 "$(port_field h lsw l2 learned_macs)"
rx0=$(drop_count h lsw l2 link-down)
setup cap_start l2 l2 eth0
# Known unicast first (ARP caches still warm), then with cold caches (broadcast ARP).
matrix "l2 down, warm ARP" l1 10.0.3.2 fail l2 10.0.3.1 fail l3 10.0.3.2 fail l1 10.0.3.3 ok
flush_arp
matrix "l2 down, cold ARP" l1 10.0.3.2 fail l2 10.0.3.1 fail l3 10.0.3.1 ok
cap_stop l2
expect_eq "l2 down: l2's interface received nothing from the switch" 0 "$(cap_count l2)"
expect_ge "stats l2: frames l2 sent while down counted as link-down drops" $((rx0 + 1)) \
	"$(drop_count h lsw l2 link-down)"
expect_eq "l2 down: nothing learned on l2" 0 "$(port_field h lsw l2 learned_macs)"

setup xvs_h h port set lsw l2 link up
expect_eq "port show: l2 link up again" up "$(port_field h lsw l2 link)"
matrix "l2 up again" l1 10.0.3.2 ok l2 10.0.3.1 ok l3 10.0.3.2 ok

# The same with the link of the pinging side's peer: l1 down stops l1 <-> l3 as well.
setup xvs_h h port set lsw l1 link down
matrix "l1 down" l1 10.0.3.3 fail l3 10.0.3.1 fail l2 10.0.3.3 ok
setup xvs_h h port set lsw l1 link up
matrix "l1 up again" l1 10.0.3.3 ok l3 10.0.3.1 ok

it_end
