# Shared by tests/pcapgen/test_*.sh: locate the generator, skip loudly
# without tshark/python3, a temp folder removed on exit.
BUILD=${BUILD:-build}
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
GEN=$ROOT/$BUILD/edi-pcapgen
[[ $BUILD == /* ]] && GEN=$BUILD/edi-pcapgen
CHECK=$ROOT/tests/pcapgen/pcapgen_check.py
for tool in tshark python3 jq; do
	if ! command -v $tool >/dev/null; then
		echo "SKIPPED: $tool missing (tools/install-deps.sh installs it)"
		exit 77
	fi
done
[[ -x $GEN ]] || { echo "FAIL: $GEN not built (make)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; exit 1; }
# tshark, without its "running as root" note on stderr.
ts() { tshark "$@" 2> >(grep -v -e 'Running as user "root"' -e 'could be dangerous' >&2); }
# Number of frames matching a display filter.
count() { ts -r "$1" -Y "$2" -T fields -e frame.number | wc -l; }
# Sum of a numeric field over manifest lines of one kind.
msum() { jq -s "[.[] | select(.kind == \"$2\") | .$3] | add // 0" "$1"; }
