#!/usr/bin/env bash
# edisensor-cat: round trip of the file output as valid JSON lines (checked
# with jq), equal to the json: output; a torn last record skipped, not
# fatal; -f follows a file being written across rotations.
set -u
. "$ROOT/tests/lib/wait.sh"
for b in edisensor-cat edisensor-emit; do
	[[ -x $BUILD/$b ]] || { echo "SKIPPED: $BUILD/$b not built"; exit 77; }
done
command -v jq >/dev/null || { echo "SKIPPED: jq missing (tools/install-deps.sh)"; exit 77; }
T=$(mktemp -d /tmp/edisensor-cat.XXXXXX)
catpid=
cleanup() {
	[[ -n $catpid ]] && kill "$catpid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$BUILD/edisensor-cat" --help | grep -q "usage: edisensor-cat" || fail "--help"
"$BUILD/edisensor-emit" -o "file:$T/a.pb" -o "json:$T/a.json" -n 50 --state-dir "$T/s" || fail emit
"$BUILD/edisensor-cat" "$T/a.pb" >"$T/a.cat" || fail "cat exit status"
[[ $(wc -l <"$T/a.cat") -eq 50 ]] || fail "expected 50 lines"
jq -e -c . "$T/a.cat" >/dev/null || fail "not valid JSON"
cmp -s "$T/a.cat" "$T/a.json" || fail "cat output differs from the json: output"
[[ $(jq -r .sequence "$T/a.cat" | tr '\n' ' ') == "$(seq -s ' ' 1 50) " ]] || fail "sequences not 1..50"
[[ $(jq -r '.sequence | type' "$T/a.cat" | sort -u) == string ]] || fail "uint64 not a JSON string"
jq -e 'select(.hit.message.equipment[0].checkDigitValid != true)' "$T/a.cat" >/dev/null && fail "lowerCamelCase names"

# Torn tail: the last record cut short is skipped with a warning, exit 0.
size=$(stat -c %s "$T/a.pb")
truncate -s $((size - 5)) "$T/a.pb"
"$BUILD/edisensor-cat" "$T/a.pb" >"$T/torn.cat" 2>"$T/torn.err" || fail "torn tail is fatal"
[[ $(wc -l <"$T/torn.cat") -eq 49 ]] || fail "torn: expected 49 records"
grep -q "torn record" "$T/torn.err" || fail "no warning for the torn record"

# Several files in one call, and stdin.
"$BUILD/edisensor-cat" "$T/a.pb" - <"$T/a.pb" 2>/dev/null | jq -e -c . >/dev/null || fail "stdin"
[[ $("$BUILD/edisensor-cat" "$T/a.pb" - <"$T/a.pb" 2>/dev/null | wc -l) -eq 98 ]] || fail "two inputs"

# Garbage is reported, not printed: a length over the limit, and a record
# whose bytes are not a Record (wire type 7).
printf '\xff\xff\xff\xff\x0f' >"$T/garbage1"
printf '\x03\xff\xff\xff' >"$T/garbage2"
for g in garbage1 garbage2; do
	out=$("$BUILD/edisensor-cat" "$T/$g" 2>/dev/null) && fail "$g accepted"
	[[ -z $out ]] || fail "$g printed"
done

# -f follows the file while it is written and rotated.
"$BUILD/edisensor-emit" -o "file:$T/f.pb" -n 1 --run f --state-dir "$T/fs" --rotate 4000 || fail emit
"$BUILD/edisensor-cat" -f "$T/f.pb" >"$T/f.cat" 2>"$T/f.err" &
catpid=$!
# The writer starts once cat holds f.pb: a cat that opened the path only
# after a rotation would rightly start at the newest file.
cat_holds_file() { ls -l "/proc/$catpid/fd" 2>/dev/null | grep -q " -> $T/f.pb$"; }
wait_for cat_holds_file || fail "edisensor-cat -f never opened f.pb"
"$BUILD/edisensor-emit" -o "file:$T/f.pb" -n 199 --start 1 --run f --state-dir "$T/fs" \
	--rotate 4000 --rate 1000 || fail emit
rotations=$(ls "$T"/f.pb.* 2>/dev/null | wc -l)
((rotations >= 3)) || fail "expected rotations, got $rotations"
followed_all() { (($(wc -l <"$T/f.cat") >= 200)); }
wait_for followed_all   # a deadline only: the count is checked below
kill "$catpid"
wait "$catpid" 2>/dev/null
catpid=
got=$(jq -r .hit.message.envelope.controlRef "$T/f.cat" | sort -u | wc -l)
lines=$(wc -l <"$T/f.cat")
echo "followed: $lines lines, $got distinct records over $rotations rotations"
[[ $got -eq 200 && $lines -eq 200 ]] || { cat "$T/f.err"; fail "follow missed or repeated records"; }
echo "PASS: edisensor-cat"
