#!/usr/bin/env bash
# edi-pcapgen pathologies, each on its own: what tshark's TCP analysis flags
# equals what the manifest records, and the messages they touched say so.
set -eu
. "$(dirname "$0")/lib.sh"

gen() { "$GEN" -o "$tmp/$1.pcap" -s 21 -n 1500 --background 0 "${@:2}"; }
m() { echo "$tmp/$1.jsonl"; }
touched() { jq -s "[.[] | select(.kind == \"message\" and (.pathologies | index(\"$2\")))] | length" "$(m "$1")"; }

# A clean run: no pathology anywhere.
gen clean
[[ $(jq -s '[.[] | select(.pathologies and (.pathologies | length) > 0)] | length' "$(m clean)") == 0 ]] ||
	fail "clean run has pathologies"
[[ $(count "$tmp/clean.pcap" 'tcp.analysis.flags && !tcp.analysis.window_update') == 0 ]] ||
	fail "clean run: tshark flags TCP anomalies"

gen retr --retransmit 0.05
n=$(msum "$(m retr)" connection retransmits)
t=$(count "$tmp/retr.pcap" tcp.analysis.retransmission)
[[ $n -gt 0 && $n == "$t" ]] || fail "retransmits: manifest $n, tshark $t"
[[ $(touched retr retransmit) -gt 0 ]] || fail "no message marked retransmit"
echo "ok: $n retransmissions"

gen dup --duplicate 0.05
n=$(msum "$(m dup)" connection duplicates)
t=$(count "$tmp/dup.pcap" tcp.analysis.retransmission)
[[ $n -gt 0 && $n == "$t" ]] || fail "duplicates: manifest $n, tshark $t"
[[ $(touched dup duplicate) -gt 0 ]] || fail "no message marked duplicate"
echo "ok: $n duplicated frames"

gen reo --reorder 0.05
n=$(msum "$(m reo)" connection reorders)
t=$(count "$tmp/reo.pcap" 'tcp.analysis.out_of_order || tcp.analysis.retransmission')
[[ $n -gt 0 && $n == "$t" ]] || fail "reorders: manifest $n, tshark $t"
[[ $(touched reo reorder) -gt 0 ]] || fail "no message marked reorder"
echo "ok: $n reordered segments"

# Resent, duplicated and reordered data is all in the capture: tshark still
# reassembles exactly the bytes sent.
gen mix --retransmit 0.05 --duplicate 0.05 --reorder 0.05
python3 "$CHECK" follow "$tmp/mix.pcap" "$(m mix)"

gen gap --gap 0.05
n=$(msum "$(m gap)" connection lostSegments)
t=$(count "$tmp/gap.pcap" tcp.analysis.lost_segment)
# tshark flags the frame after a hole; two holes in a row or a hole at the end
# of a direction give fewer flags than lost segments.
[[ $n -gt 0 && $t -gt 0 && $t -le $n ]] || fail "gaps: manifest $n, tshark $t"
[[ $(touched gap gap) -gt 0 ]] || fail "no message marked gap"
echo "ok: $n lost segments, tshark saw $t holes"

gen mid --midstream 0.3
n=$(jq -s '[.[] | select(.kind == "connection" and .syn == false)] | length' "$(m mid)")
syn=$(count "$tmp/mid.pcap" 'tcp.flags.syn == 1 && tcp.flags.ack == 0')
streams=$(ts -r "$tmp/mid.pcap" -T fields -e tcp.stream | sort -u | wc -l)
[[ $n -gt 0 && $((n / 2)) == $((streams - syn)) ]] ||
	fail "midstream: manifest $n directions, tshark $streams streams / $syn SYNs"
[[ $(touched mid midstream) -gt 0 ]] || fail "no message marked midstream"
echo "ok: $((n / 2)) connections without handshake"

gen trunc --truncate 0.3
[[ $(jq -s '[.[] | select(.kind == "interchange" and .truncated)] | length' "$(m trunc)") -gt 0 ]] ||
	fail "no truncated interchange"
python3 "$CHECK" truncated "$tmp/trunc.pcap" "$(m trunc)"

gen bare --bare 0.4 --x12-share 0
[[ $(touched bare bare) -gt 0 ]] || fail "no bare message"
[[ $(jq -s '[.[] | select(.kind == "message" and (.pathologies | index("bare")) and .envelope.senderId)] | length' "$(m bare)") == 0 ]] ||
	fail "bare message with an interchange sender"
python3 "$CHECK" offsets "$tmp/bare.pcap" "$(m bare)"
python3 "$CHECK" values "$tmp/bare.pcap" "$(m bare)"

gen garb --garbage 0.5 --transport raw
[[ $(msum "$(m garb)" interchange garbageBefore) -gt 0 ]] || fail "no garbage"
python3 "$CHECK" offsets "$tmp/garb.pcap" "$(m garb)"
python3 "$CHECK" follow "$tmp/garb.pcap" "$(m garb)"
echo "PASS"
