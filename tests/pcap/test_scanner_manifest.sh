#!/usr/bin/env bash
# The XDP scanner against edi-pcapgen's ground truth: a generated capture
# (EDIFACT and X12, odd separators, UNA, UNG groups, bare messages,
# non-fixed ISAs, IPv6, VLANs, HTTP/FTP transports, background traffic) is
# replayed with `edisensord --replay --debug-events`; every interchange and
# message header must be forwarded at its stream offset with the right
# separators and trailer count, and background connections must yield no
# event (tests/pcap/scanner_manifest_check.py).
set -u
. "$(dirname "$0")/replay_lib.sh"
replay_require "$GEN" "$DAEMON"

"$GEN" -o "$tmp/c.pcap" -m "$tmp/c.jsonl" -s 21 -n 4000 --concurrency 6 \
	--ipv6-share 0.3 --vlan-share 0.3 --ung-share 0.4 --odd-separators-share 0.5 \
	--isa-nonfixed-share 0.3 --bare 0.1 --background 0.3 >/dev/null || { echo "FAIL: edi-pcapgen"; exit 1; }
if ! "$DAEMON" --replay "$tmp/c.pcap" --debug-events >"$tmp/out" 2>"$tmp/events"; then
	echo "FAIL: edisensord --replay failed:"
	tail -20 "$tmp/events"
	exit 1
fi
python3 "$ROOT/tests/pcap/scanner_manifest_check.py" "$tmp/c.jsonl" "$tmp/events" || exit 1
echo "PASS"
