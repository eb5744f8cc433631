# shellcheck shell=bash
# Bash completion for xvs(8): commands, subcommands, options and their fixed values, and the
# names of live switches and ports, read from `xvs -j switch show` and `xvs -j port show SW`
# (so it sees what the same xvs, with the same XVS_ROOT, would act on). When xvs fails (not
# root, no bpffs, no such switch) it offers no names rather than an error.
#
# Installed as $(PREFIX)/share/bash-completion/completions/xvs; to try it from the source tree:
#   . completions/xvs.bash

# _xvs_names XVS ARGS...: the "name" of every object that `XVS -j ARGS` prints.
_xvs_names()
{
	local xvs=$1
	shift
	"$xvs" -j "$@" </dev/null 2>/dev/null |
		sed -n 's/^[[:space:]]*"name"[[:space:]]*:[[:space:]]*"\([^"\\]*\)".*$/\1/p'
}

# File names (for apply FILE and save --write PATH), offered as file names (quoted, with a
# slash after a directory).
_xvs_files()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

# Netdevs of the current network namespace (for --dev and --uplink).
_xvs_netdevs()
{
	ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'
}

_xvs()
{
	local xvs=${1:-xvs} cur=${COMP_WORDS[COMP_CWORD]:-} prev w cmd sub key
	local -a line=() pos=()
	local i j=-1 cword=0 glue=0 json=0 npos

	COMPREPLY=()
	# Bash splits words at ':' (COMP_WORDBREAKS), which cuts a MAC address into pieces: glue
	# them back, so that positions count whole arguments (fdb add SWITCH MAC PORT).
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == : ]] || ((glue)); then
			line[j]+=$w
		else
			j=$((j + 1))
			line[j]=$w
		fi
		[[ $w == : ]] && glue=1 || glue=0
		((i == COMP_CWORD)) && cword=$j
	done
	((cword > 0)) || return 0
	prev=${line[cword - 1]}

	# Values of options that take one.
	case $prev in
	--type)
		mapfile -t COMPREPLY < <(compgen -W "external internal private" -- "$cur")
		return 0
		;;
	--datapath)
		mapfile -t COMPREPLY < <(compgen -W "tc xdp" -- "$cur")
		return 0
		;;
	--uplink | --dev)
		# Not compgen -W: it would expand the names, and netdev names may hold quotes or
		# backslashes. Matched literally, offered quoted.
		while IFS= read -r w; do
			[[ $w == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$w")")
		done < <(_xvs_netdevs)
		return 0
		;;
	--fdb-size | --aging | --mac | --vlan | --queues | --mtu | --flow-table-size | --weight | \
		--remote-mac | --local-mac | --remote-ip | --local-ip | --remote-port | --local-port | \
		--idle-timeout)
		return 0
		;;
	--dir)
		mapfile -t COMPREPLY < <(compgen -W "in out both" -- "$cur")
		return 0
		;;
	--action)
		mapfile -t COMPREPLY < <(compgen -W "allow deny meter" -- "$cur")
		return 0
		;;
	--proto)
		mapfile -t COMPREPLY < <(compgen -W "tcp udp icmp" -- "$cur")
		return 0
		;;
	--write)
		_xvs_files "$cur"
		return 0
		;;
	esac

	# The positional words before the cursor: the command, its subcommand and arguments.
	for ((i = 1; i < cword; i++)); do
		w=${line[i]}
		case $w in
		-j | --json) json=1 ;;
		--fdb-size | --aging | --mac | --vlan | --type | --uplink | --datapath | --dev | --queues | \
			--mtu | --write | --flow-table-size | --dir | --action | --weight | --proto | --remote-mac | \
			--local-mac | --remote-ip | --local-ip | --remote-port | --local-port | --idle-timeout)
			i=$((i + 1)) ;;
		-*) ;;
		*) pos+=("$w") ;;
		esac
	done
	npos=${#pos[@]}
	cmd=${pos[0]:-}
	sub=${pos[1]:-}

	if ((npos == 0)); then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "-j --json -h --help" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "switch port fdb stats capture acl apply save help" -- "$cur")
		fi
		return 0
	fi

	local words="" opts=""
	case $cmd in
	switch)
		case $npos/$sub in
		1/*) words="add del show set" ;;
		2/add) opts="--type --uplink --no-management-os --datapath --fdb-size --aging --flow-table-size" ;;
		2/del | 2/show | 2/set) words=$(_xvs_names "$xvs" switch show) ;;
		3/set) words="aging uplink-rate" ;;
		4/set) [[ ${pos[3]} == uplink-rate ]] && words="none 1gbit 10gbit" ;;
		*/add) opts="--type --uplink --no-management-os --datapath --fdb-size --aging --flow-table-size" ;;
		esac
		;;
	port)
		case $npos/$sub in
		1/*) words="add del show set" ;;
		2/add | 2/del | 2/show | 2/set) words=$(_xvs_names "$xvs" switch show) ;;
		3/del | 3/show | 3/set) words=$(_xvs_names "$xvs" port show "${pos[2]}") ;;
		4/set) words="vlan link mac-limit mac-spoofing mirror dhcp-guard router-guard max-rate storm-limit min-weight vmq mtu" ;;
		5/set)
			key=${pos[4]}
			case $key in
			vlan) words="untagged access trunk isolated community promiscuous" ;;
			link) words="up down" ;;
			mac-spoofing | dhcp-guard | router-guard | vmq) words="on off" ;;
			max-rate) words="none" ;;
			mirror) words="source destination none" ;;
			esac
			;;
		7/set) [[ ${pos[4]}/${pos[5]} == vlan/trunk ]] && words="native" ;;
		esac
		[[ $sub == add ]] && ((npos >= 3)) && opts="--dev --mac --synthetic --queues --mtu"
		;;
	fdb)
		case $npos/$sub in
		1/*) words="show add flush" ;;
		2/show | 2/add | 2/flush) words=$(_xvs_names "$xvs" switch show) ;;
		4/add) words=$(_xvs_names "$xvs" port show "${pos[2]}") ;;
		esac
		[[ $sub == show || $sub == add ]] && ((npos >= 3)) && opts="--vlan"
		;;
	stats)
		case $npos in
		1) words=$(_xvs_names "$xvs" switch show) ;;
		2) words=$(_xvs_names "$xvs" port show "${pos[1]}") ;;
		esac
		# --prometheus is another output format than -j: offer it only without -j.
		((npos >= 2 && !json)) && opts="--prometheus"
		;;
	apply)
		# The file, then the switches to limit the apply to (those running are offered).
		if ((npos == 1)) && [[ $cur != -* ]]; then
			_xvs_files "$cur"
			return 0
		fi
		((npos >= 2)) && words=$(_xvs_names "$xvs" switch show)
		opts="--dry-run"
		;;
	save)
		((npos == 1)) && words=$(_xvs_names "$xvs" switch show)
		opts="--write"
		;;
	acl)
		case $npos/$sub in
		1/*) words="add show del" ;;
		2/add | 2/show | 2/del) words=$(_xvs_names "$xvs" switch show) ;;
		3/add | 3/show | 3/del) words=$(_xvs_names "$xvs" port show "${pos[2]}") ;;
		esac
		[[ $sub == add ]] && ((npos >= 4)) &&
			opts="--dir --action --remote-mac --local-mac --remote-ip --local-ip --extended --weight --proto --remote-port --local-port --stateful --idle-timeout"
		;;
	capture)
		case $npos in
		1) words=$(_xvs_names "$xvs" switch show) ;;
		2) words=$(_xvs_names "$xvs" port show "${pos[1]}") ;;
		esac
		((npos >= 3)) && opts="-w -c --write --count"
		;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
	fi
	return 0
}

complete -F _xvs xvs
