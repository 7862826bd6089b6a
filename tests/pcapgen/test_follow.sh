#!/usr/bin/env bash
# edi-pcapgen, clean capture (no pathologies): for every TCP direction, the
# payload tshark reassembles equals what the manifest says was sent (byte
# count + FNV-1a 64), and every message/interchange streamOffset points at
# its UNH/ST or UNA/UNB/ISA. Covers raw, HTTP and FTP-like transports, IPv4
# and IPv6, VLAN tags, background traffic, FIN and RST closes.
set -eu
BUILD=${BUILD:-build}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
GEN=$ROOT/$BUILD/edi-pcapgen
[[ $BUILD == /* ]] && GEN=$BUILD/edi-pcapgen
if ! command -v tshark >/dev/null || ! command -v python3 >/dev/null; then
	echo "SKIPPED: tshark or python3 missing (tools/install-deps.sh installs them)"
	exit 77
fi
[[ -x $GEN ]] || { echo "FAIL: $GEN not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for seed in 1 2 3; do
	"$GEN" -o "$tmp/c$seed.pcap" -s $seed -n 600 --concurrency 6 --ipv6-share 0.3 \
		--vlan-share 0.3 --background 0.15
	python3 "$ROOT/tests/pcapgen/pcapgen_check.py" follow "$tmp/c$seed.pcap" "$tmp/c$seed.jsonl"
	python3 "$ROOT/tests/pcapgen/pcapgen_check.py" offsets "$tmp/c$seed.pcap" "$tmp/c$seed.jsonl"
done
# Small MSS and every segment cut at random: many packets per segment.
"$GEN" -o "$tmp/small.pcap" -s 9 -n 800 --mss 64 --cut-share 1
python3 "$ROOT/tests/pcapgen/pcapgen_check.py" follow "$tmp/small.pcap" "$tmp/small.jsonl"
python3 "$ROOT/tests/pcapgen/pcapgen_check.py" offsets "$tmp/small.pcap" "$tmp/small.jsonl"
echo "PASS"
