#!/usr/bin/env bash
# The example feed (systemd/feeds/example.intel) loads without a rejected
# line and has every indicator type; and, against the manifest of
# `edi-pcapgen -s 1` (default options), every indicator marked demo/demo-seed1
# has a value in the generated traffic and no other indicator has one, so the
# demo's hits are the planted ones. (The matching here is a plain re-statement
# of the semantics over the manifest, tests/feeds/feedsem.py: the point is the
# feed and the generator staying in step; the matcher is tested in tests/unit.)
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
cd "$ROOT"
feed=systemd/feeds/example.intel
check=$BUILD/feed-check
if [[ ! -x $check ]]; then
	echo "FAIL: $check not built"
	exit 1
fi
out=$("$check" "$feed" 2>&1) || { echo "FAIL: feed-check $feed:"; echo "$out"; exit 1; }
for t in Intel::ADDR Intel::SUBNET EDI::PARTY_ID EDI::PARTY_NAME EDI::HS_CODE EDI::CONTAINER \
	EDI::REFERENCE EDI::VESSEL EDI::LOCODE EDI::KEYWORD; do
	grep -q "	$t	" <<<"$out" || { echo "FAIL: no $t indicator in $feed"; exit 1; }
done
echo "ok: $feed loads cleanly with every type"

gen=$BUILD/edi-pcapgen
if [[ ! -x $gen ]]; then
	echo "SKIPPED: $gen not built, cannot check the planted indicators"
	exit 77
fi
if ! command -v python3 >/dev/null; then
	echo "SKIPPED: python3 missing (tools/install-deps.sh installs it)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$gen" -s "${EXAMPLE_SEED:-1}" -n 5000 -o "$tmp/demo.pcap" -m "$tmp/demo.jsonl" >/dev/null || { echo "FAIL: edi-pcapgen"; exit 1; }
python3 tests/feeds/feedsem.py check-example "$feed" "$tmp/demo.jsonl"
