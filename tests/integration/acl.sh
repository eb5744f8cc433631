#!/usr/bin/env bash
# ACLs: port ACLs (IP prefix and MAC, in/out/both, longest prefix, MAC over IP, meters) and
# extended ACLs (protocol/port rules by weight, stateful allow admitting the return traffic
# until the flow is idle for its timeout) on real traffic between namespace VMs: ping, TCP and
# UDP with python sockets. Also acl show/del, drops by reason, port del, and bad input.
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC2317 # helpers called through expect_ok
. "$(dirname "$0")/lib.sh"
it_begin

setup host_add h
setup xvs_h h switch add asw --type private --flow-table-size 64
setup vm_add h va 02:00:00:00:14:01 10.0.20.1/24
setup vm_add h vb 02:00:00:00:14:02 10.0.20.2/24
setup vm_add h vc 02:00:00:00:14:03 10.0.20.3/24
for vm in va vb vc; do setup xvs_h h port add asw "$vm" --dev "$vm"; done

# tcp_ok NS IP PORT: a TCP connection from NS to IP:PORT is accepted.
tcp_ok() {
	nsx "$1" "$PY" -c 'import socket,sys
s=socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1); s.close()' "$2" "$3" 2>/dev/null
}
# udp_ok NS IP PORT [SPORT]: NS sends a datagram to IP:PORT and gets the echo back.
udp_ok() {
	nsx "$1" "$PY" -c 'import socket,sys
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
s.bind(("", int(sys.argv[3])))
s.sendto(b"x", (sys.argv[1], int(sys.argv[2]))); s.recvfrom(64)' "$2" "$3" "${4:-0}" 2>/dev/null
}
# udp_send NS IP PORT SPORT: one datagram, no answer expected.
udp_send() {
	nsx "$1" "$PY" -c 'import socket,sys
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("", int(sys.argv[3])))
s.sendto(b"x", (sys.argv[1], int(sys.argv[2])))' "$2" "$3" "$4"
}
# Servers in b: TCP listeners on 8080 and 8081, a UDP echo on 5353.
serve() {
	nsx vb "$PY" -c 'import socket,threading
def tcp(p):
    l=socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("", p)); l.listen(16)
    while True: l.accept()[0].close()
for p in (8080, 8081): threading.Thread(target=tcp, args=(p,), daemon=True).start()
u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("", 5353))
while True:
    d, a = u.recvfrom(64); u.sendto(d, a)' &
	IT_PIDS+=($!)
}
serve
ready() { local i; for ((i = 0; i < 30; i++)); do tcp_ok va 10.0.20.2 8080 && return 0; sleep 0.1; done; return 1; }
setup ready

hits() { xvs_h h -j acl show asw | jfield "[r['hits']['packets'] for r in j if r['id']==$1][0]"; }
count_rules() { xvs_h h -j acl show asw | jfield 'len(j)'; }
add() { xvs_h h acl add asw "$@"; }

# ---- port ACLs ----
expect_ok "no ACL: a pings b" ping_ok va 10.0.20.2
R1=$(add va --dir out --action deny --remote-ip 10.0.20.2)
expect_ok "acl add prints the new rule's id" test -n "$R1"
expect_fail "out deny remote 10.0.20.2 on a: a cannot ping b" ping_ok va 10.0.20.2
expect_ok "a still pings c" ping_ok va 10.0.20.3
expect_ok "b is not limited by a's ACL: b pings c" ping_ok vb 10.0.20.3
expect_ge "acl show: the deny rule counted hits" 1 "$(hits "$R1")"
expect_ge "stats: drops counted as 'acl' on a" 1 "$(drop_count h asw va acl)"
R2=$(add va --dir out --action allow --remote-ip 10.0.20.0/30)
expect_fail "a /30 allow does not beat the /32 deny" ping_ok va 10.0.20.2
R3=$(add va --dir out --action allow --remote-mac "${VM_MAC[vb]}")
expect_ok "an exact MAC allow beats the IP deny" ping_ok va 10.0.20.2
setup xvs_h h acl del asw va "$R3"
setup xvs_h h acl del asw va "$R1"
expect_ok "acl del: a pings b again" ping_ok va 10.0.20.2
expect_eq "acl show lists the remaining rule" "[$R2]" "$(xvs_h h -j acl show asw va | jfield '[r["id"] for r in j]')"
setup xvs_h h acl del asw va "$R2"

R4=$(add vb --dir in --action deny --remote-ip 10.0.20.1/32)
expect_fail "in deny on b: a cannot ping b" ping_ok va 10.0.20.2
expect_ok "c still pings b" ping_ok vc 10.0.20.2
expect_ge "the in drop counts on b, the port whose ACL it is" 1 "$(drop_count h asw vb acl)"
setup xvs_h h acl del asw vb "$R4"
R5=$(add vc --dir both --action meter --remote-ip 10.0.20.0/24)
setup ping_ok vc 10.0.20.2
expect_ge "a meter counts both ways (2 requests out, 2 replies in)" 4 "$(hits "$R5")"
expect_ok "a meter decides nothing" ping_ok vc 10.0.20.1
setup xvs_h h acl del asw vc "$R5"

# ---- extended ACLs ----
expect_ok "TCP a -> b:8080 before any extended rule" tcp_ok va 10.0.20.2 8080
R6=$(add vb --extended --dir in --action deny --weight 10 --proto tcp --local-port 8080)
expect_fail "extended deny tcp local-port 8080 on b" tcp_ok va 10.0.20.2 8080
expect_ok "tcp 8081 still accepted" tcp_ok va 10.0.20.2 8081
R7=$(add vb --extended --dir in --action allow --weight 20 --proto tcp --remote-ip 10.0.20.3/32)
expect_ok "a heavier allow for c: c reaches b:8080" tcp_ok vc 10.0.20.2 8080
expect_fail "a still does not" tcp_ok va 10.0.20.2 8080
expect_ge "stats: drops counted as 'extended-acl' on b" 1 "$(drop_count h asw vb extended-acl)"
setup xvs_h h acl del asw vb "$R6"
setup xvs_h h acl del asw vb "$R7"

# Stateful: a denies everything IP coming in, but admits the answers to what it starts.
setup add va --extended --dir in --action deny --weight 1
expect_fail "a denies all IP in: no UDP answer" udp_ok va 10.0.20.2 5353 40001
R9=$(add va --extended --dir out --action allow --weight 10 --proto udp --remote-port 5353 --stateful --idle-timeout 2)
expect_ok "stateful allow out: the UDP echo comes back" udp_ok va 10.0.20.2 5353 40002
expect_eq "one flow in the table" 1 "$(xvs_h h -j switch show asw | jfield 'j[0]["flows"]')"
setup udp_send vb 10.0.20.1 40009 5354
expect_ge "a datagram b starts is counted as an extended-acl drop on a" 2 "$(drop_count h asw va extended-acl)"
setup add va --extended --dir out --action allow --weight 11 --proto icmp --stateful
expect_ok "stateful icmp: a pings b" ping_ok va 10.0.20.2
expect_fail "b cannot ping a" ping_ok vb 10.0.20.1
swept() { local i; for ((i = 0; i < 80; i++)); do
	[[ $(xvs_h h -j switch show asw | jfield '[f["flows"] for f in j][0]') == 1 ]] && return 0
	sleep 0.1; done; return 1; }
expect_ok "the 2 s UDP flow is swept once idle (only the 60 s ICMP flow is left)" swept
expect_ge "switch show counts expired flows" 1 "$(xvs_h h -j switch show asw | jfield 'j[0]["flows_expired"]')"
expect_ok "a new request opens a new flow" udp_ok va 10.0.20.2 5353 40003

# ---- show, errors, port del ----
expect_eq "acl show -j: the stateful rule as written" "extended out allow 10 udp 5353 True 2" \
	"$(xvs_h h -j acl show asw va | jfield "' '.join(str(x) for r in j if r['id']==$R9 for x in (r['kind'], r['direction'], r['action'], r['weight'], r['proto'], r['remote_port'], r['stateful'], r['idle_timeout']))")"
before=$(xvs_h h -j acl show asw | jfield 'len(j)')
err_case() { # DESC ARGS...: exit 1, one line on stderr, nothing added
	local desc=$1 out rc
	shift
	out=$(xvs_h h acl "$@" 2>&1 >/dev/null)
	rc=$?
	expect_eq "$desc: exit 1, one line" "1 1" "$rc $(printf '%s\n' "$out" | wc -l)"
	log "$out"
}
err_case "duplicate" add asw va --extended --dir out --action deny --weight 12 --proto udp --remote-port 5353
err_case "weight in use" add asw va --extended --dir out --action deny --weight 10 --proto tcp
err_case "bad prefix" add asw va --dir out --action deny --remote-ip 10.0.0.300/8
err_case "prefix too long" add asw va --dir out --action deny --remote-ip 10.0.0.0/40
err_case "reversed port range" add asw va --extended --dir out --action deny --weight 12 --proto tcp --remote-port 90-80
err_case "weight out of range" add asw va --extended --dir out --action deny --weight 0
err_case "--idle-timeout without --stateful" add asw va --extended --dir out --action allow --weight 12 --idle-timeout 5
err_case "--stateful deny" add asw va --extended --dir out --action deny --weight 12 --stateful
err_case "extended both directions" add asw va --extended --dir both --action deny --weight 12
err_case "port ACL with two matches" add asw va --dir out --action deny --remote-ip 10.0.0.1 --local-ip 10.0.0.2
err_case "unknown port" add asw nope --dir out --action deny --remote-ip 10.0.0.1
err_case "unknown rule" del asw va 9999
err_case "rule of another port" del asw vb "$R9"
expect_eq "nothing was added by the failed commands" "$before" "$(xvs_h h -j acl show asw | jfield 'len(j)')"
setup xvs_h h port del asw va
expect_eq "port del removes the port's rules" 0 "$(count_rules)"
expect_eq "port del removes the port's flows" 0 "$(xvs_h h -j switch show asw | jfield 'j[0]["flows"]')"

it_end
