#!/usr/bin/env bash
# edi-pcapgen, capture without transport pathologies: for every TCP
# direction the payload tshark reassembles equals what the manifest says was
# sent (byte count + FNV-1a 64); every message/interchange streamOffset points
# at UNH/ST or UNA/UNB/ISA; every manifest value is on the wire as its
# interchange encodes it (charset, release characters) and check digits are
# as claimed. Covers raw, HTTP and FTP-like transports, IPv4/IPv6, VLAN tags,
# background traffic, FIN/RST, and truncated/garbage/mid-stream interchanges
# (which do not change TCP reassembly).
set -eu
. "$(dirname "$0")/lib.sh"

for seed in 1 2; do
	"$GEN" -o "$tmp/c$seed.pcap" -s $seed -n 600 --concurrency 6 --ipv6-share 0.3 \
		--vlan-share 0.3 --background 0.15
	for mode in follow offsets values; do
		python3 "$CHECK" $mode "$tmp/c$seed.pcap" "$tmp/c$seed.jsonl"
	done
done
# Small MSS, every segment cut at random: elements and release sequences
# straddle frames.
"$GEN" -o "$tmp/small.pcap" -s 9 -n 800 --mss 64 --cut-share 1 --odd-separators-share 0.8
for mode in follow offsets values; do
	python3 "$CHECK" $mode "$tmp/small.pcap" "$tmp/small.jsonl"
done
# Some frame ends in a release character ('?'), its released character in the next.
n=$(ts -r "$tmp/small.pcap" -Y 'tcp.port != 80 && tcp.port != 8080' -T fields -e tcp.payload | grep -c '3f$' || true)
[[ $n -gt 0 ]] || fail "no frame ends in a release character"
echo "ok: $n frames end in '?'"
# Stream-level pathologies keep TCP intact.
"$GEN" -o "$tmp/t.pcap" -s 4 -n 800 --truncate 0.3 --garbage 0.3 --midstream 0.3
for mode in follow offsets values truncated; do
	python3 "$CHECK" $mode "$tmp/t.pcap" "$tmp/t.jsonl"
done
echo "PASS"
