#!/usr/bin/env bash
# Runs every test: cmocka binaries (unit, bpf) and shell tests (pcap, e2e,
# tools). Prints each one's output, then its wall time ("--- 1.23 s NAME"),
# at the end the suite's wall time and the five slowest, and one closing tally:
#   N passed, N failed, N skipped
# A shell test exits 0 (pass), 77 (skipped: it says why) or anything else.
# TESTS='pattern' runs only the tests whose path matches the pattern;
# TESTS_EXCLUDE='p1 p2' leaves out the tests whose path matches any of them.
set -u
BUILD=${BUILD:-build}
export BUILD
cd "$(dirname "$0")/.."
ROOT=$PWD
export ROOT
pattern=${TESTS:-}
read -r -a excludes <<< "${TESTS_EXCLUDE:-}"

excluded() {
	local p
	for p in "${excludes[@]}"; do
		[[ $1 == *$p* ]] && return 0
	done
	return 1
}
pass=0 fail=0 skip=0
failed=()
times=()   # "MILLISECONDS NAME" per test, for the slowest five

now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# timed KIND NAME: runs run_KIND NAME and prints its wall time.
timed() {
	local t0 ms
	t0=$(now_ms)
	"run_$1" "$2"
	ms=$(($(now_ms) - t0))
	printf -- '--- %d.%02d s %s\n' $((ms / 1000)) $((ms % 1000 / 10)) "$2"
	times+=("$ms $2")
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
suite_t0=$(now_ms)

run_cmocka() {
	local bin=$1
	echo "=== $bin"
	"$bin" >"$log" 2>&1
	local rc=$?
	cat "$log"
	local p f s
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi   # crashed before its summary
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	((f)) && failed+=("$bin")
	((s)) && echo "*** SKIPPED: $s test(s) in $bin (see above why)"
}

run_shell() {
	local t=$1
	echo "=== $t"
	bash "$t"
	local rc=$?
	case $rc in
	0) pass=$((pass + 1)) ;;
	77) skip=$((skip + 1)); echo "*** SKIPPED: $t" ;;
	*) fail=$((fail + 1)); failed+=("$t"); echo "*** FAILED: $t (exit $rc)" ;;
	esac
}

for bin in "$BUILD"/tests/unit/test_* "$BUILD"/tests/bpf/test_*; do
	[[ -x $bin && ! $bin == *.d && ! $bin == *.o ]] || continue
	[[ -z $pattern || $bin == *$pattern* ]] || continue
	excluded "$bin" && continue
	timed cmocka "$bin"
done
for t in tests/*/test_*.sh; do
	[[ -f $t ]] || continue
	[[ -z $pattern || $t == *$pattern* ]] || continue
	excluded "$t" && continue
	timed shell "$t"
done

echo
if ((${#times[@]})); then
	ms=$(($(now_ms) - suite_t0))
	printf 'wall time: %d.%02d s; slowest:\n' $((ms / 1000)) $((ms % 1000 / 10))
	printf '%s\n' "${times[@]}" | sort -rn | head -5 | while read -r ms name; do
		printf '  %4d.%02d s %s\n' $((ms / 1000)) $((ms % 1000 / 10)) "$name"
	done
fi
if ((${#failed[@]})); then
	echo "failed: ${failed[*]}"
fi
if ((skip)) && [[ $(id -u) -eq 0 ]]; then
	echo "NOTE: $skip test(s) SKIPPED although running as root"
fi
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0))
