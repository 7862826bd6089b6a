#!/usr/bin/env bash
# edi-pcapgen throughput and memory: writes 100,000 and 1,000,000 frames
# (seed 1, default mix) to /dev/null and reports frames per second of the
# large run and the peak resident memory of both; flat memory means the
# ratio stays near 1.
#   bench: pcapgen_packets_per_s VALUE pkt/s
#   bench: pcapgen_maxrss_100k VALUE KiB
#   bench: pcapgen_maxrss_1m VALUE KiB
#   bench: pcapgen_maxrss_ratio VALUE        (1M run / 100k run)
set -eu
BUILD=${BUILD:-build}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
GEN=$ROOT/$BUILD/edi-pcapgen
[[ $BUILD == /* ]] && GEN=$BUILD/edi-pcapgen
[[ -x $GEN ]] || { echo "bench_pcapgen: $GEN not built" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench_pcapgen: python3 missing" >&2; exit 1; }

python3 - "$GEN" <<'PY'
import os, sys, time

gen = sys.argv[1]

def run(n):
    """(seconds, peak RSS KiB) of one generator run; wait4 gives the child's own rusage."""
    t = time.monotonic()
    pid = os.spawnv(os.P_NOWAIT, gen, [gen, "-o", "/dev/null", "-m", "/dev/null",
                                       "-n", str(n), "-s", "1"])
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        sys.exit("edi-pcapgen -n %d failed" % n)
    return time.monotonic() - t, usage.ru_maxrss

_, rss_small = run(100_000)
secs, rss_big = run(1_000_000)
print("bench: pcapgen_packets_per_s %.0f pkt/s" % (1_000_000 / secs))
print("bench: pcapgen_maxrss_100k %d KiB" % rss_small)
print("bench: pcapgen_maxrss_1m %d KiB" % rss_big)
print("bench: pcapgen_maxrss_ratio %.2f" % (rss_big / rss_small))
PY
