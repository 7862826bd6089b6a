#!/usr/bin/env bash
# Assembler throughput on one core (decode, evidence, extraction, integrity;
# no kernel, no outputs) and its ratio to decoding the same segments only.
set -eu
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.."
bin=$BUILD/bench-assembler
if [[ ! -x $bin ]]; then
	echo "bench_assembler: $bin missing (make first)" >&2
	exit 1
fi
exec "$bin" -m "${BENCH_MESSAGES:-100000}"
