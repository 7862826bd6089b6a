#!/usr/bin/env bash
# Delivery throughput, each next to its baseline measured in the same run:
#   file output (outputs API: number, encode, write, fsync policy) versus the
#   same encoded records written with one plain write(2) each;
#   NATS output (spool + sender thread + JetStream acks, until all are
#   acknowledged) versus a minimal libnats loop publishing the same records
#   asynchronously and waiting for every acknowledgement.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
FILE_RECORDS=${FILE_RECORDS:-200000}
NATS_RECORDS=${NATS_RECORDS:-50000}
. "$ROOT/tests/lib/nats.sh"
emit=$BUILD/edisensor-emit
[[ -x $emit ]] || { echo "bench_delivery: $emit not built" >&2; exit 1; }

rate() { "$emit" "$@" --bench | sed -n 's/^records_per_s //p'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }

file_out=$(rate -o "file:$NATS_TMP/out.pb" --state-dir "$NATS_TMP/state-file" -n "$FILE_RECORDS" --rotate 0)
file_raw=$(rate --raw-file "$NATS_TMP/raw.pb" -n "$FILE_RECORDS")
[[ -n $file_out && -n $file_raw ]] || { echo "bench_delivery: file runs failed" >&2; exit 1; }
echo "bench: file_output_records_per_s $file_out records/s"
echo "bench: raw_write_records_per_s $file_raw records/s"
echo "bench: file_output_vs_raw_ratio $(ratio "$file_out" "$file_raw")"

if [[ ! -x $NATS_SERVER ]] || ! "$BUILD/nats-stream-dump" --help >/dev/null 2>&1; then
	echo "bench_delivery: SKIPPED nats benchmarks (no nats-server or libnats)" >&2
	exit 0
fi
nats_start bench || exit 1
url=$(nats_url bench)
# The output creates the stream the raw loop then publishes into.
nats_out=$(rate -o "$url" --state-dir "$NATS_TMP/state-nats" -n "$NATS_RECORDS" --flush-timeout-ms 120000)
nats_raw=$(rate --raw-nats "$url" -n "$NATS_RECORDS")
[[ -n $nats_out && -n $nats_raw ]] || { echo "bench_delivery: nats runs failed" >&2; exit 1; }
echo "bench: nats_output_records_per_s $nats_out records/s"
echo "bench: nats_raw_publish_records_per_s $nats_raw records/s"
echo "bench: nats_output_vs_raw_ratio $(ratio "$nats_out" "$nats_raw")"
