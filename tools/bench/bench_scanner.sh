#!/usr/bin/env bash
# The XDP program with BPF_PROG_TEST_RUN (build/bench-xdp): a non-EDI TCP
# frame against an empty XDP_PASS program, and a CUSCAR stream in 1448-byte
# frames (default forwarded tags) against a naive one-byte-per-iteration
# scanner doing the same job and a bare terminator-counting loop, all in
# the same run. Targets (docs/ARCHITECTURE.md): non-EDI ratio <= 1.5,
# EDI vs naive <= 0.3; reported on stderr, never asserted.
# BENCH_LOADS runs of bench-xdp, each with the programs and maps loaded
# afresh: where a load's maps and code land moves the naive baseline by up
# to a third between loads (3.4-4.9 us per frame on this VM, ~1.1 us for
# the sensor), far more than between passes of one load. The lines printed
# are those of the load whose EDI ratio is the median; every load's ratio
# goes to stderr.
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
loads=${BENCH_LOADS:-5}
runs=()
ratios=()
for ((i = 0; i < loads; i++)); do
	o=$("$bin" --repeat "${BENCH_REPEAT:-1000000}" --passes "${BENCH_PASSES:-5}")
	runs+=("$o")
	ratios+=("$(awk '$2 == "xdp_edi_vs_naive_ratio" { print $3 }' <<<"$o")")
done
med=$(for i in "${!ratios[@]}"; do echo "${ratios[$i]} $i"; done | sort -g |
	awk -v n="$loads" 'NR == int((n + 1) / 2) { print $2 }')
out=${runs[$med]}
echo "bench_scanner: xdp_edi_vs_naive_ratio of $loads loads: ${ratios[*]}" \
	"(median: load $((med + 1)), its lines below)" >&2
echo "$out"
# Per packet on a monitored port (issue 2's second comparison): the stream
# benches measure ns per payload byte of 1448-byte frames; times 1448 is the
# ns per such frame, next to the empty program measured in the same run.
awk '
	$2 == "xdp_pass_ns" { pass = $3 }
	$2 == "xdp_seek_ns_per_byte" { seek = $3 }
	$2 == "xdp_edi_ns_per_byte" { edi = $3 }
	END {
		if (pass > 0 && seek > 0) {
			printf "bench: xdp_monitored_non_edi_ns_per_packet %.0f ns\n", seek * 1448
			printf "bench: xdp_monitored_non_edi_vs_pass_ratio %.1f\n", seek * 1448 / pass
		}
		if (pass > 0 && edi > 0) {
			printf "bench: xdp_edi_ns_per_packet %.0f ns\n", edi * 1448
			printf "bench: xdp_edi_packet_vs_pass_ratio %.1f\n", edi * 1448 / pass
		}
	}' <<<"$out"
awk '
	$2 == "xdp_non_edi_vs_pass_ratio" { n = $3 }
	$2 == "xdp_edi_vs_naive_ratio" { e = $3 }
	END {
		printf "bench_scanner: non-EDI vs pass %s (target <= 1.5: %s), EDI vs naive %s (target <= 0.3: %s)\n",
			n, (n <= 1.5 ? "met" : "missed"), e, (e <= 0.3 ? "met" : "missed") > "/dev/stderr"
	}' <<<"$out"
