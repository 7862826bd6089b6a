#!/usr/bin/env bash
# The XDP program with BPF_PROG_TEST_RUN (build/bench-xdp): a non-EDI TCP
# frame against an empty XDP_PASS program, and a CUSCAR stream in 1448-byte
# frames (default forwarded tags) against a naive one-byte-per-iteration
# scanner doing the same job and a bare terminator-counting loop, all in
# the same run. Targets (docs/ARCHITECTURE.md): non-EDI ratio <= 1.5,
# EDI vs naive <= 0.3; reported on stderr, never asserted.
set -eu
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.."
bin=$BUILD/bench-xdp
if [[ ! -x $bin ]]; then
	echo "bench_scanner: $bin missing (make first)" >&2
	exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "bench_scanner: SKIPPED: BPF_PROG_TEST_RUN needs root" >&2
	exit 0
fi
out=$("$bin" --repeat "${BENCH_REPEAT:-1000000}" --passes "${BENCH_PASSES:-5}")
echo "$out"
awk '
	$2 == "xdp_non_edi_vs_pass_ratio" { n = $3 }
	$2 == "xdp_edi_vs_naive_ratio" { e = $3 }
	END {
		printf "bench_scanner: non-EDI vs pass %s (target <= 1.5: %s), EDI vs naive %s (target <= 0.3: %s)\n",
			n, (n <= 1.5 ? "met" : "missed"), e, (e <= 0.3 ? "met" : "missed") > "/dev/stderr"
	}' <<<"$out"
