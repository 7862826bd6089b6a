#!/usr/bin/env bash
# Reordered TCP segments on the production path (edisensord --replay): a
# capture whose only pathology is reordering (edi-pcapgen --reorder: a
# segment sent after its successor; fixed seeds, so the capture and the
# expectations are exact) must give every message of the manifest, field by
# field, with no GAP: the kernel holds the early segment and scans it after
# the late one. The counters must say so exactly: reorder_held = the
# reorders of the monitored connections in the manifest = reorder_released,
# nothing abandoned, no gap, no retransmission. The same capture with
# holding off (--reorder-slots 0) loses messages and counts a gap per
# reorder: the capture exercises what the test guards.
set -u
. "$(dirname "$0")/replay_lib.sh"
COMPARE=$ROOT/tests/pcap/manifest_compare.py
replay_require "$GEN" "$DAEMON"
PORTS=(3305 8080 9000)
fail=0

# replay NAME ARGS...: $tmp/NAME.out (JSON), $tmp/NAME.log (summary)
replay() {
	local name=$1 port_args=()
	shift
	for p in "${PORTS[@]}"; do port_args+=(--port "$p"); done
	if ! "$DAEMON" --replay "$tmp/r.pcap" "${port_args[@]}" --all-messages \
		--output "json:$tmp/$name.out" "$@" >"$tmp/$name.log" 2>&1; then
		echo "FAIL: edisensord --replay $*:"
		tail -20 "$tmp/$name.log"
		exit 1
	fi
}
counter() { awk -v k="$2" '$1 == k { print $2 }' "$tmp/$1.log"; }

# reorders of the connections on a monitored port (either end), from the manifest
manifest_reorders() {
	python3 - "$tmp/r.jsonl" "${PORTS[@]}" <<'EOF'
import json, sys
ports = {int(p) for p in sys.argv[2:]}
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    c = json.loads(line)
    if c.get("kind") == "connection":
        f = c["flow"]
        if f.get("srcPort") in ports or f.get("dstPort") in ports:
            n += c.get("reorders", 0)
print(n)
EOF
}

# expect NAME COUNTER VALUE
expect() {
	local got
	got=$(counter "$1" "$2")
	if [[ $got != "$3" ]]; then
		echo "FAIL: $1: $2 $got, want $3"
		fail=1
	fi
}

for seed in 31 32; do
	"$GEN" -o "$tmp/r.pcap" -m "$tmp/r.jsonl" -s $seed -n 3000 --concurrency 6 \
		--reorder 0.1 --ports "$(IFS=,; echo "${PORTS[*]}")" >/dev/null ||
		{ echo "FAIL: edi-pcapgen -s $seed"; exit 1; }
	reorders=$(manifest_reorders)
	if ((reorders < 20)); then
		echo "FAIL: seed $seed: only $reorders reorders on monitored connections"
		exit 1
	fi
	replay held
	echo "seed $seed, $reorders reorders, holding on:"
	python3 "$COMPARE" "$tmp/r.jsonl" "$tmp/held.out" --max-report 5 || fail=1
	expect held reorder_held "$reorders"
	expect held reorder_released "$reorders"
	expect held reorder_abandoned 0
	expect held gap 0
	expect held retransmitted 0

	replay off --reorder-slots 0
	echo "seed $seed, holding off (--reorder-slots 0):"
	python3 "$COMPARE" "$tmp/r.jsonl" "$tmp/off.out" --max-report 0 | tail -2
	if python3 "$COMPARE" "$tmp/r.jsonl" "$tmp/off.out" --max-report 0 >/dev/null; then
		echo "FAIL: seed $seed: every message found without holding: no reorder that matters"
		fail=1
	fi
	expect off reorder_held 0
	expect off gap "$reorders"
	expect off retransmitted "$reorders"
done
((fail == 0)) || exit 1
echo "PASS"
