#!/usr/bin/env bash
# Replays a small capture with every pathology (fixed seed) through the
# production path (edisensord --replay) and classifies, for every manifest
# message that was found, how its record differs from the manifest
# (tests/pcap/pathology_fields.py): a value taken from another interchange
# or message, a count finding blamed on the sender for bytes the sensor
# lost, a message without envelope not saying so, values missing although
# nothing was lost... fail; values a lossy capture cannot carry (left empty,
# and said so) are only counted. Two seeds: together they have gaps that
# take a trailer and the next header, bare messages after truncated
# interchanges, X12 after a lost ISA, and groups cut by gaps.
set -u
. "$(dirname "$0")/replay_lib.sh"
replay_require "$GEN" "$DAEMON"

rc=0
for seed in 12 14; do
	"$GEN" -o "$tmp/p$seed.pcap" -m "$tmp/p$seed.jsonl" -s $seed -n 1500 \
		--concurrency 6 --pathologies >/dev/null ||
		{ echo "FAIL: edi-pcapgen --pathologies -s $seed"; exit 1; }
	if ! "$DAEMON" --replay "$tmp/p$seed.pcap" --all-messages \
		--output "json:$tmp/p$seed.out" >"$tmp/p$seed.log" 2>&1; then
		echo "FAIL: edisensord --replay (seed $seed):"
		tail -20 "$tmp/p$seed.log"
		exit 1
	fi
	echo "seed $seed:"
	# every failing class fails (tail-uncounted too: FLOW_END and GAP carry
	# the kernel's pending skipped count, edisensor.h)
	python3 "$ROOT/tests/pcap/pathology_fields.py" "$tmp/p$seed.jsonl" "$tmp/p$seed.out" \
		--max-report 3 || rc=1
done
[[ $rc -eq 0 ]] && echo "PASS" || echo "FAIL: wrong or unflagged values (classes above)"
exit $rc
