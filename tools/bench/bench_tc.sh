#!/usr/bin/env bash
# The scanner at the tc hook against the XDP program: ns per EDI payload
# byte of the same CUSCAR frames through edisensor_tc_in and edisensor_xdp,
# both with BPF_PROG_TEST_RUN, passes interleaved in one run
# (build/bench-xdp --tc). Prints `bench: tc_edi_vs_xdp_ratio R`.
set -eu
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.."
bin=$BUILD/bench-xdp
if [[ ! -x $bin ]]; then
	echo "bench_tc: $bin missing (make first)" >&2
	exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "bench_tc: SKIPPED: BPF_PROG_TEST_RUN needs root" >&2
	exit 0
fi
"$bin" --tc --passes "${BENCH_PASSES:-7}"
