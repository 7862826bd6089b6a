#!/usr/bin/env bash
# make fuzz: runs every libFuzzer target in $BUILD/fuzz for FUZZ_SECONDS
# each, from its seed corpus (tests/fuzz/corpus/<target>) and its past
# crashes (tests/fuzz/regressions/<target>). New corpus entries stay in
# $BUILD/fuzz-corpus; crashes go to $BUILD/fuzz-crashes/<target>/ and fail
# the run. Per-target libFuzzer flags: tests/fuzz/<target>.options (one
# line); dictionaries: tests/fuzz/<target>.dict.
# FUZZ_RUNS=N instead runs N inputs per target from a fixed seed
# (FUZZ_SEED, default 1): the same inputs every time, so a CI run is
# repeatable -- it finds what it found before, never a new thing by chance.
set -u
BUILD=${BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
cd "$(dirname "$0")/../.."

failed=() ran=0
for bin in "$BUILD"/fuzz/fuzz_*; do
	[[ -x $bin && $bin != *.d && $bin != *.o ]] || continue
	name=$(basename "$bin")
	work=$BUILD/fuzz-corpus/$name
	crashes=$BUILD/fuzz-crashes/$name
	log=$BUILD/fuzz-logs/$name.log
	mkdir -p "$work" "$crashes" "$(dirname "$log")"
	args=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$crashes/" -print_final_stats=1)
	if [[ -n ${FUZZ_RUNS:-} ]]; then
		args+=(-runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}")
		rm -rf "$work" && mkdir -p "$work"   # same start every time
	else
		args+=(-max_total_time="$FUZZ_SECONDS")
	fi
	[[ -f tests/fuzz/$name.dict ]] && args+=(-dict="tests/fuzz/$name.dict")
	if [[ -f tests/fuzz/$name.options ]]; then
		read -r -a extra < "tests/fuzz/$name.options"
		args+=("${extra[@]}")
	fi
	dirs=("$work")
	for d in tests/fuzz/corpus/$name tests/fuzz/regressions/$name; do
		[[ -d $d ]] && dirs+=("$d")
	done
	if [[ -n ${FUZZ_RUNS:-} ]]; then
		echo "=== $name: $FUZZ_RUNS runs, seed ${FUZZ_SEED:-1}"
	else
		echo "=== $name: ${FUZZ_SECONDS}s"
	fi
	"$bin" "${args[@]}" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	ran=$((ran + 1))
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb):' "$log" |
		sed "s/^stat::/  /" | tr '\n' ' '
	echo "  corpus $(find "$work" -type f | wc -l) files"
	if ((rc != 0)); then
		failed+=("$name")
		echo "*** $name FAILED (exit $rc); last lines of $log:"
		tail -n 40 "$log"
		echo "*** crash inputs in $crashes/: keep each as tests/fuzz/regressions/$name/<what-it-was>"
		echo "*** and fix the bug; tests/fuzz/test_regressions.sh then replays it in make test."
	fi
done
if ((ran == 0)); then
	echo "fuzz: no targets in $BUILD/fuzz"
	exit 1
fi
if ((${#failed[@]})); then
	echo "fuzz: ${#failed[@]} of $ran targets found a crash: ${failed[*]}"
	exit 1
fi
if [[ -n ${FUZZ_RUNS:-} ]]; then
	echo "fuzz: $ran targets, $FUZZ_RUNS runs each (seed ${FUZZ_SEED:-1}), nothing found"
else
	echo "fuzz: $ran targets, ${FUZZ_SECONDS}s each, nothing found"
fi
