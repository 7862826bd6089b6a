#!/usr/bin/env bash
# Indicator feeds: load time and memory of 1M indicators, messages matched
# per second against 1k, 100k and 1M indicators, and the store against a
# naive loop over the 1k indicators (same messages, same run).
set -eu
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.."
bin=$BUILD/bench-feeds
if [[ ! -x $bin ]]; then
	echo "bench_feeds: $bin missing (make first)" >&2
	exit 1
fi
exec "$bin" --indicators 1000000 --seconds "${BENCH_SECONDS:-1}"
