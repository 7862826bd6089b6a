#!/usr/bin/env bash
# edi-pcapgen: the same seed and flags give byte-identical capture and
# manifest; another seed gives other output; each flag changes the output the
# way it says.
set -eu
. "$(dirname "$0")/lib.sh"

"$GEN" -o "$tmp/a.pcap" -s 7 -n 800 --pathologies
"$GEN" -o "$tmp/b.pcap" -s 7 -n 800 --pathologies
cmp "$tmp/a.pcap" "$tmp/b.pcap" || fail "same seed, different pcap"
cmp "$tmp/a.jsonl" "$tmp/b.jsonl" || fail "same seed, different manifest"
"$GEN" -o "$tmp/c.pcap" -s 8 -n 800 --pathologies
! cmp -s "$tmp/a.pcap" "$tmp/c.pcap" || fail "another seed, same pcap"
# stdout output is the same bytes
"$GEN" -o - -m "$tmp/d.jsonl" -s 7 -n 800 --pathologies >"$tmp/d.pcap"
cmp "$tmp/a.pcap" "$tmp/d.pcap" || fail "-o - differs"
echo "ok: deterministic"

run() { "$GEN" -o "$tmp/f.pcap" -s 3 -n 400 "$@"; }
F=$tmp/f.pcap
J=$tmp/f.jsonl
types() { jq -r 'select(.kind == "message") | .envelope.messageType' "$J" | sort -u | tr '\n' ' '; }

run --background 0 --ipv6-share 1
[[ $(count "$F" ip) == 0 && $(count "$F" ipv6) -gt 0 ]] || fail "--ipv6-share 1"
run --background 0 --vlan-share 1 --qinq-share 0
[[ $(count "$F" '!vlan') == 0 && $(count "$F" ieee8021ad) == 0 ]] || fail "--vlan-share 1"
run --vlan-share 0
[[ $(count "$F" vlan) == 0 ]] || fail "--vlan-share 0"
run --mss 100
max=$(ts -r "$F" -T fields -e tcp.len | sort -n | tail -1)
[[ $max -le 100 && $max -gt 50 ]] || fail "--mss 100: largest payload $max"
run --types CUSCAR
[[ $(types) == "CUSCAR " ]] || fail "--types CUSCAR: $(types)"
run --types 309,IFTMIN --x12-share 1
[[ $(types) == "309 " ]] || fail "--x12-share 1: $(types)"
run --x12-share 0
[[ $(jq -s '[.[] | select(.syntax == "SYNTAX_X12")] | length' "$J") == 0 ]] || fail "--x12-share 0"
run --transport http --background 0 --ports 80,8080   # ports tshark decodes as HTTP
posts=$(ts -r "$F" -T fields -e http.request.method | tr ',' '\n' | grep -c POST)
[[ $posts -gt 0 && $posts == $(jq -s '[.[] | select(.kind == "interchange")] | length' "$J") ]] ||
	fail "--transport http: $posts POSTs"
run --rst-share 1 --background 0
[[ $(count "$F" tcp.flags.fin==1) == 0 && $(count "$F" tcp.flags.reset==1) -gt 0 ]] || fail "--rst-share 1"
run --ports 5555 --background 0
[[ $(count "$F" 'tcp.port != 5555') == 0 ]] || fail "--ports 5555"
run --bad-check-digit-share 1 --types CUSCAR,COPRAR
[[ $(jq -s '[.[] | select(.kind == "message") | .equipment[] | select(.checkDigitValid)] | length' "$J") == 0 ]] ||
	fail "--bad-check-digit-share 1"
python3 "$CHECK" values "$F" "$J"
run --messages 3-3 --interchanges 2-2 --transport raw --server-edi-share 0 --truncate 0
[[ $(jq -s '[.[] | select(.kind == "interchange" and .messages != 3)] | length' "$J") == 0 ]] ||
	fail "--messages 3-3"
run --isa-nonfixed-share 1 --x12-share 1
[[ $(jq -s '[.[] | select(.kind == "interchange" and .isaFixed)] | length' "$J") == 0 ]] ||
	fail "--isa-nonfixed-share 1"
python3 "$CHECK" values "$F" "$J"
run --oneline-share 1 --x12-share 0
[[ $(jq -s '[.[] | select(.kind == "interchange" and .layout != "oneline")] | length' "$J") == 0 ]] ||
	fail "--oneline-share 1"
run --background 0.5
jq -e 'select(.kind == "summary") | .backgroundPackets / .packets | . > 0.4 and . < 0.6' "$J" >/dev/null ||
	fail "--background 0.5"
"$GEN" -o "$F" -n 5000 --concurrency 16
frames=$(jq 'select(.kind == "summary") | .packets' "$J")
[[ $frames -ge 5000 && $frames -lt 7000 ]] || fail "-n 5000 wrote $frames frames"
# --help explains every long option the program accepts.
opts=$(grep -oP '^\t\{ "\K[a-z0-9-]+' "$ROOT/tools/edi-pcapgen/main.c")
[[ $(wc -w <<<"$opts") -gt 30 ]] || fail "option table not found in main.c"
for o in $opts; do
	"$GEN" --help | grep -q -- "--$o" || fail "--help does not explain --$o"
done
! "$GEN" -o "$F" --mss 0 2>/dev/null || fail "--mss 0 accepted"
! "$GEN" -o "$F" --types NOPE 2>/dev/null || fail "--types NOPE accepted"
! "$GEN" -o "$F" -n 0 2>/dev/null || fail "-n 0 without --connections accepted"
echo "ok: flags"
echo "PASS"
