#!/usr/bin/env bash
# edi-pcapgen: tshark reads a capture with every feature and pathology on
# without errors, every IP/TCP/UDP checksum verifies, and the frames are what
# the flags asked for. Without pathologies no frame is malformed (the FTP
# dissector is off: it parses arbitrary cuts of EDI on port 21 as commands;
# with gaps, HTTP is legitimately confused, so that check uses a clean run).
set -eu
. "$(dirname "$0")/lib.sh"

f=$tmp/all.pcap
"$GEN" -o "$f" -s 11 -n 3000 --pathologies --ipv6-share 0.3 --vlan-share 0.4 \
	--background 0.2
ts -r "$f" >/dev/null 2>"$tmp/err" || fail "tshark exit status"
[[ ! -s $tmp/err ]] || { cat "$tmp/err"; fail "tshark wrote errors"; }
frames=$(ts -r "$f" -T fields -e frame.number | wc -l)
summary=$(jq -s '.[] | select(.kind == "summary") | .packets' "${f%.pcap}.jsonl")
[[ $frames == "$summary" ]] || fail "tshark frames $frames, manifest $summary"
opts=(-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE)
bad=$(ts -r "$f" "${opts[@]}" -Y 'tcp.checksum.status == 0 || ip.checksum.status == 0 || udp.checksum.status == 0' -T fields -e frame.number | wc -l)
good=$(ts -r "$f" "${opts[@]}" -Y 'tcp.checksum.status == 1' -T fields -e frame.number | wc -l)
[[ $bad == 0 && $good -gt 1000 ]] || fail "checksums: $bad bad, $good good"
"$GEN" -o "$tmp/clean.pcap" -s 11 -n 3000 --ipv6-share 0.3 --vlan-share 0.4 --background 0.2
malformed=$(ts -r "$tmp/clean.pcap" --disable-protocol ftp -Y '_ws.malformed || _ws.expert.severity == error' -T fields -e frame.number | wc -l)
[[ $malformed == 0 ]] || fail "$malformed malformed frames"
for filter in ipv6 ip vlan 'ieee8021ad && vlan' udp.port==53 \
	'tcp.flags.reset == 1' 'tcp.flags.fin == 1' 'http.request.method == "POST"' \
	'tcp.payload contains "220 edi.example.test FTP"'; do
	n=$(count "$f" "$filter")
	[[ $n -gt 0 ]] || fail "no frame matches $filter"
	echo "ok: $n frames match $filter"
done
echo "PASS"
