#!/usr/bin/env bash
# Installs every Debian package that building, testing, benchmarking and the
# demo need. Idempotent: only missing packages are installed, apt-get update
# runs once and only when something is missing.
#   tools/install-deps.sh          install what is missing
#   tools/install-deps.sh --check  exit 1 when something is missing
set -euo pipefail

PACKAGES=(
	make gcc clang llvm pkg-config
	libbpf-dev bpftool libxdp-dev xdp-tools libelf-dev zlib1g-dev
	libpcap-dev libprotobuf-c-dev protobuf-c-compiler
	libcmocka-dev libclang-rt-14-dev
	libnats-dev nats-server openssl
	libsystemd-dev libinih-dev systemd
	tcpreplay tshark iproute2 iperf3 jq ethtool python3 python3-cryptography
)

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$p")
done

if [[ ${1:-} == --check ]]; then
	if ((${#missing[@]})); then
		echo "missing packages: ${missing[*]}" >&2
		exit 1
	fi
	exit 0
fi

if ((${#missing[@]} == 0)); then
	echo "install-deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
	SUDO=sudo
else
	SUDO=
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
