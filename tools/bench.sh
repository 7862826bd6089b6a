#!/usr/bin/env bash
# make bench: runs every tools/bench/bench_*.sh in name order. Each prints
# `bench: NAME VALUE UNIT` lines and, for comparisons, `bench: NAME_ratio
# VALUE` against a baseline measured in the same run. Exits non-zero when
# any benchmark failed (the others still run).
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
export ROOT=$PWD
status=0
for b in tools/bench/bench_*.sh; do
	[[ -f $b ]] || continue
	echo "# $b" >&2
	if ! bash "$b"; then
		echo "bench: FAILED $b" >&2
		status=1
	fi
done
exit $status
