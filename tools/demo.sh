#!/usr/bin/env bash
# make demo: the main job on bundled data with the embedded defaults.
# Generates a customs EDI capture (tools/edi-pcapgen), replays it through
# the XDP program and the whole pipeline against the example feed
# (systemd/feeds/example.intel), prints every hit as a JSON line and a
# short summary.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SEED=${SEED:-42}
PACKETS=${PACKETS:-20000}
FEED=${FEED:-systemd/feeds/example.intel}

if [[ $(id -u) -ne 0 ]]; then
	echo "demo: the replay loads the XDP program (BPF_PROG_TEST_RUN): run as root," >&2
	echo "      or with CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN" >&2
	exit 1
fi
work=$(mktemp -d /tmp/edisensor-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "== generating $PACKETS packets of customs EDI traffic (seed $SEED)" >&2
"$BUILD/edi-pcapgen" -o "$work/demo.pcap" -m "$work/demo.jsonl" -s "$SEED" -n "$PACKETS" >&2

echo "== replaying through the XDP program against $FEED" >&2
"$BUILD/edisensord" --replay "$work/demo.pcap" --feed "$FEED" --all-messages \
	--output "json:$work/records.jsonl" 2>"$work/replay.log" || {
	cat "$work/replay.log" >&2
	exit 1
}

echo "== hits (JSON lines, proto3 JSON mapping of edisensor.v1.Record)" >&2
jq -c 'select(.hit)' "$work/records.jsonl"

{
	echo
	echo "== summary"
	grep -E '^(replay|events|pipeline):' "$work/replay.log"
	echo "messages by type:"
	jq -r 'select(.message) | .message.envelope.messageType // "?"' "$work/records.jsonl" |
		sort | uniq -c | sort -rn | sed 's/^/  /'
	echo "hits by indicator type:"
	jq -r 'select(.hit) | .hit.matches[]?.indicatorType' "$work/records.jsonl" |
		sort | uniq -c | sort -rn | sed 's/^/  /'
	echo "findings by kind:"
	jq -r 'select(.hit) | .hit.findings[]?.kind' "$work/records.jsonl" |
		sort | uniq -c | sort -rn | sed 's/^/  /'
	printf 'manifest messages: %s, hit records: %s\n' \
		"$(grep -c '"kind":"message"' "$work/demo.jsonl")" \
		"$(jq -c 'select(.hit)' "$work/records.jsonl" | wc -l)"
} >&2
