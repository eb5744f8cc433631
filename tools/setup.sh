#!/usr/bin/env bash
# One idempotent set-up step for building, testing and demoing xvs on Debian 12.
# Installs only Debian packages, and mounts bpffs where it is missing.
# Run by `make demo` and `make test` before anything else; safe to run any number of times.
set -euo pipefail

PACKAGES=(
	# build
	make gcc clang llvm pkg-config libbpf-dev libxdp-dev libelf-dev zlib1g-dev
	bpftool libjson-c-dev libcriterion-dev libnl-route-3-dev libpcap-dev libyaml-dev
	# libFuzzer runtime for the ring-channel fuzz targets (clang -fsanitize=fuzzer)
	libclang-rt-14-dev
	# run, inspect, test
	iproute2 ethtool xdp-tools tcpdump iperf3 python3-scapy iputils-ping procps util-linux
	# the config test reads a saved file with a second YAML reader
	python3-yaml
	# guards test: a real DHCP server and RA sender, a DHCP client (busybox udhcpc)
	dnsmasq-base busybox
	# operability test: the man page renders, the Prometheus output parses
	groff-base man-db python3-prometheus-client
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
	if [[ $EUID -ne 0 ]]; then
		echo "setup: need root to install: ${missing[*]}" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf
fi
