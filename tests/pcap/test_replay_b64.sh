#!/usr/bin/env bash
# Base64 bodies end to end (AS2: Content-Transfer-Encoding: base64, in the
# POST itself or in a MIME part): edi-pcapgen --transport http-base64 writes
# each interchange as a base64 POST body (CRLF every 76 characters) and its
# manifest with the offsets a sensor reports for decoded data (MANIFEST.md:
# the first base64 character carrying bits of the UNH/ST). `edisensord
# --replay` must find every message exactly as the manifest says (the kernel
# finds and forwards the text, userspace decodes and scans it), say so in
# the record (contentEncoding "base64"), find each body once and lose
# nothing; small MSS values cut the text and the base64 header at many
# places. Every pathology (bare messages: bodies that start with UNH)
# leaves each message not hit by a gap or a mid-stream start found, its
# values right. A planted feed must hit inside the bodies as it does in
# plaintext.
# A capture without base64 must find no body.
set -u
. "$(dirname "$0")/replay_lib.sh"
COMPARE=$ROOT/tests/pcap/manifest_compare.py
SEM=$ROOT/tests/feeds/feedsem.py
replay_require "$GEN" "$DAEMON"

fail() { echo "FAIL: $*"; exit 1; }

# summary NAME KEY: the value after KEY on the replay summary's b64 line, or
# a kernel counter's line
b64_stat() { awk -v k="$2" '$1 == "b64:" { for (i = 2; i < NF; i++) if ($i == k) print $(i + 1) }' "$tmp/$1.log"; }
counter() { awk -v k="$2" '$1 == k { print $2 }' "$tmp/$1.log"; }

replay() {   # name, extra daemon args...
	local name=$1
	shift
	"$DAEMON" --replay "$tmp/$name.pcap" --all-messages --output "json:$tmp/$name.out" "$@" \
		>"$tmp/$name.log" 2>&1 || { tail -20 "$tmp/$name.log"; fail "edisensord --replay $name"; }
}

check_b64() {   # name: every message found, marked, each body once, nothing lost
	local name=$1 ichg msgs
	python3 "$COMPARE" "$tmp/$name.jsonl" "$tmp/$name.out" --max-report 3 ||
		fail "$name: messages of base64 bodies not found as in the manifest"
	ichg=$(grep -c '"kind":"interchange"' "$tmp/$name.jsonl")
	msgs=$(grep -c '"kind":"message"' "$tmp/$name.jsonl")
	[[ $(python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
msgs = [r["message"] for r in recs if "message" in r]
print(sum(m.get("contentEncoding") == "base64" for m in msgs), len(msgs))' "$tmp/$name.out") == \
		"$msgs $msgs" ]] || fail "$name: not every message record says contentEncoding base64"
	[[ $(counter "$name" b64_bodies) == "$ichg" && $(b64_stat "$name" bodies) == "$ichg" ]] ||
		fail "$name: $ichg interchanges, kernel found $(counter "$name" b64_bodies) bodies," \
			"userspace began $(b64_stat "$name" bodies)"
	for k in ended_lost ended_evicted orphan_items offset_misses nested; do
		[[ $(b64_stat "$name" $k) == 0 ]] || fail "$name: b64 $k $(b64_stat "$name" $k)"
	done
	[[ $(counter "$name" b64_bytes) == "$(b64_stat "$name" text_bytes)" ]] ||
		fail "$name: kernel forwarded $(counter "$name" b64_bytes) text bytes," \
			"userspace took $(b64_stat "$name" text_bytes)"
	echo "$name: $msgs messages in $ichg base64 bodies found as in the manifest"
}

i=0
for args in "-s 31 -n 3000 --concurrency 6 --ipv6-share 0.3 --vlan-share 0.3" \
	"-s 32 -n 2000 --mss 200 --odd-separators-share 0.5 --isa-nonfixed-share 0.3" \
	"-s 33 -n 1500 --mss 61 --concurrency 2 --oneline-share 1"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	"$GEN" -o "$tmp/b$i.pcap" -m "$tmp/b$i.jsonl" --transport http-base64 --ports 8080 $args \
		>/dev/null || fail "edi-pcapgen --transport http-base64 $args"
	replay "b$i"
	check_b64 "b$i"
done

# every pathology: each message untouched by a gap found at its offset
# (and by mid-stream starts: a body whose start the capture missed cannot
# be found), field by field nothing wrong or unflagged (pathology_fields.py)
"$GEN" -o "$tmp/p.pcap" -m "$tmp/p.jsonl" -s 12 -n 3000 --concurrency 6 --pathologies \
	--transport http-base64 --ports 8080 >/dev/null || fail "edi-pcapgen --pathologies"
replay p
python3 "$COMPARE" "$tmp/p.jsonl" "$tmp/p.out" --max-report 3 --require-found-unless gap,midstream ||
	fail "pathologies: a message untouched by gap and mid-stream starts not found at its offset"
python3 "$ROOT/tests/pcap/pathology_fields.py" "$tmp/p.jsonl" "$tmp/p.out" --max-report 3 ||
	fail "pathologies: found messages with wrong or unflagged values"

# hits inside base64 bodies: planted indicators of every type
python3 "$SEM" plant "$tmp/b1.jsonl" "$tmp/b1.intel" "$tmp/b1.expected" --per-type 3 ||
	fail "feedsem plant"
"$DAEMON" --replay "$tmp/b1.pcap" --feed "$tmp/b1.intel" --output json:- >"$tmp/b1.hits" \
	2>"$tmp/b1.hits.log" || { tail "$tmp/b1.hits.log"; fail "replay with the planted feed"; }
python3 "$SEM" compare "$tmp/b1.expected" "$tmp/b1.hits" || fail "planted hits in base64 bodies"
[[ $(grep -c '"hit"' "$tmp/b1.hits") -gt 0 ]] || fail "no hit record at all"

# no base64 transport: no body found, nothing decoded
"$GEN" -o "$tmp/plain.pcap" -m "$tmp/plain.jsonl" -s 34 -n 2000 --background 0.3 >/dev/null ||
	fail "edi-pcapgen (plaintext)"
replay plain
python3 "$COMPARE" "$tmp/plain.jsonl" "$tmp/plain.out" --max-report 3 >/dev/null ||
	fail "plaintext capture"
[[ $(counter plain b64_bodies) == 0 && $(b64_stat plain items) == 0 ]] ||
	fail "plaintext capture: $(counter plain b64_bodies) base64 bodies found"
echo "PASS"
