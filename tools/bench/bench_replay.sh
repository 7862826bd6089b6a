#!/usr/bin/env bash
# Replay throughput of the whole production path on a large generated
# capture: XDP program under BPF_PROG_TEST_RUN, ring buffer, assembler,
# extraction, JSON output. Prints
#   bench: replay_packets_per_s VALUE pkt/s
#   bench: replay_messages_per_s VALUE msg/s   (message records written / s)
# and, as a baseline from the same run, the same capture replayed without
# --all-messages (no message records to build and write):
#   bench: replay_messages_all_vs_hits_ratio VALUE
# BENCH_PACKETS sets the capture size (default 200000 frames).
set -u
BUILD=${BUILD:-build}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
GEN=$BUILD/edi-pcapgen
DAEMON=$BUILD/edisensord
packets=${BENCH_PACKETS:-200000}

if [[ $(id -u) -ne 0 ]]; then
	echo "bench_replay: skipped, replay needs root (BPF_PROG_TEST_RUN)" >&2
	exit 0
fi
for bin in "$GEN" "$DAEMON"; do
	[[ -x $bin ]] || { echo "bench_replay: $bin missing (make first)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$GEN" -o "$tmp/big.pcap" -m "$tmp/big.jsonl" -s 5 -n "$packets" --concurrency 16 \
	>/dev/null || { echo "bench_replay: edi-pcapgen failed" >&2; exit 1; }
frames=$(tail -n 1 "$tmp/big.jsonl" | sed -n 's/.*"packets":\([0-9]*\).*/\1/p')
[[ -n $frames ]] || { echo "bench_replay: no summary line in the manifest" >&2; exit 1; }

# seconds ARGS...: wall time of one replay, in seconds with nanoseconds.
seconds() {
	local t0 t1
	t0=$(date +%s%N)
	"$DAEMON" --replay "$tmp/big.pcap" "$@" >"$tmp/log" 2>&1 ||
		{ echo "bench_replay: edisensord failed:" >&2; tail -5 "$tmp/log" >&2; exit 1; }
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000000 ))"   # milliseconds
}

ms_all=$(seconds --all-messages --output "json:$tmp/out.jsonl")
records=$(grep -c '"envelope"' "$tmp/out.jsonl" 2>/dev/null || true)
records=${records:-0}
ms_hits=$(seconds --output "json:$tmp/hits.jsonl")
((ms_all > 0)) || ms_all=1
((ms_hits > 0)) || ms_hits=1

awk -v f="$frames" -v r="$records" -v a="$ms_all" -v h="$ms_hits" 'BEGIN {
	printf "bench: replay_packets_per_s %.0f pkt/s\n", f * 1000 / a
	printf "bench: replay_messages_per_s %.0f msg/s\n", r * 1000 / a
	printf "bench: replay_messages_all_vs_hits_ratio %.3f\n", h / a
}'
if ((records == 0)); then
	echo "bench_replay: the replay wrote no message records (pipeline not wired to the assembler)" >&2
fi
