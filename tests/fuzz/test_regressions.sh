#!/usr/bin/env bash
# Replays every fuzz target's seed corpus and every crash it ever found
# (tests/fuzz/corpus/<target>, tests/fuzz/regressions/<target>) through
# the target built without libFuzzer, in this build (gcc or ASan/UBSan).
# A crash, a sanitizer report or a non-zero exit fails the test.
set -u
BUILD=${BUILD:-build}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$ROOT"
ran=0 fail=0
for bin in "$BUILD"/fuzz/fuzz_*; do
	[[ -x $bin && $bin != *.d && $bin != *.o ]] || continue
	name=$(basename "$bin")
	dirs=()
	for d in tests/fuzz/corpus/$name tests/fuzz/regressions/$name; do
		[[ -d $d ]] && dirs+=("$d")
	done
	((${#dirs[@]})) || { echo "FAIL: $name has neither a corpus nor regressions"; fail=$((fail + 1)); continue; }
	if "$bin" "${dirs[@]}"; then
		ran=$((ran + 1))
	else
		echo "FAIL: $name over ${dirs[*]}"
		fail=$((fail + 1))
	fi
done
if ((ran + fail == 0)); then
	echo "SKIPPED: no fuzz targets built in $BUILD/fuzz (make tests builds them)"
	exit 77
fi
echo "fuzz regressions: $ran targets clean, $fail failed"
((fail == 0))
