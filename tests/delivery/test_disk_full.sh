#!/usr/bin/env bash
# Disk full under the file output (a small tmpfs): the records it could not
# write are counted, and once space is back a Loss record (stage
# "output:file", count, sequence range) is written to every output, that
# file included. Nothing is missing without being reported.
set -u
. "$ROOT/tests/lib/wait.sh"
for b in edisensor-emit edisensor-cat; do
	[[ -x $BUILD/$b ]] || { echo "SKIPPED: $BUILD/$b not built"; exit 77; }
done
if [[ $(id -u) -ne 0 ]]; then
	echo "SKIPPED: mounting a small tmpfs needs root"
	exit 77
fi
T=$(mktemp -d /tmp/edisensor-full.XXXXXX)
mnt=$T/mnt
mkdir -p "$mnt"
cleanup() {
	mountpoint -q "$mnt" && umount "$mnt"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM   # killed: still through the EXIT trap (the mount)
mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null || { echo "SKIPPED: cannot mount tmpfs here"; exit 77; }
# Leave room for a few dozen records only (~160 bytes each in the file).
dd if=/dev/zero of="$mnt/filler" bs=1k count=248 status=none 2>/dev/null
# The order is made, not timed: the json: output goes into a pipe nobody
# reads yet, so the writer stops once the pipe (64 KiB, ~440 bytes a
# record) is full, long after the small disk filled. Then the space comes
# back and the pipe is read: the rest of the run writes to the disk again.
mkfifo "$T/all.fifo"
exec 7<>"$T/all.fifo"
"$BUILD/edisensor-emit" -o "file:$mnt/out.pb" -o "json:$T/all.fifo" --state-dir "$T/state" \
	-n 600 --rotate 0 --stats >"$T/emit.out" 2>"$T/emit.err" 7<&- &
emit=$!
blocked_on_pipe() { [[ $(cat "/proc/$emit/wchan" 2>/dev/null) == *pipe_write ]]; }   # (anon_)pipe_write
wait_for blocked_on_pipe || { echo "the writer never blocked on the pipe"; cat "$T/emit.err"; exit 1; }
rm -f "$mnt/filler"
cat <"$T/all.fifo" >"$T/all.json" 7<&- &
reader=$!
# our end closes once cat holds the FIFO, so cat sees the writer's end
reader_open() { [[ $(readlink "/proc/$reader/fd/0") == "$T/all.fifo" ]]; }
wait_for reader_open || { echo "cat did not open the FIFO"; exit 1; }
exec 7<&-
wait "$emit" || { echo "edisensor-emit failed"; cat "$T/emit.err"; exit 1; }
wait "$reader"
grep '^stats:' "$T/emit.out"
errors=$(grep -o "^stats: file.* errors=[0-9]*" "$T/emit.out" | grep -o '[0-9]*$')
((errors > 0)) || { echo "the disk never filled up"; exit 1; }

"$BUILD/edisensor-cat" "$mnt/out.pb" >"$T/file.json" || exit 1
jq -r .sequence "$T/file.json" | sort >"$T/in_file"   # comm needs sort(1) order
jq -r .sequence "$T/all.json" | sort >"$T/all"
comm -23 "$T/all" "$T/in_file" >"$T/missing"
jq -r 'select(.loss.stage == "output:file") | "\(.loss.count) \(.loss.firstSequence) \(.loss.lastSequence)"' \
	"$T/all.json" >"$T/losses"
echo "failed writes $errors; missing from the file $(wc -l <"$T/missing"); loss records: $(tr '\n' ';' <"$T/losses")"
reported=$(awk '{s += $1} END {print s + 0}' "$T/losses")
[[ $reported -eq $errors && $(wc -l <"$T/missing") -eq $errors ]] ||
	{ echo "reported $reported, failed $errors, missing $(wc -l <"$T/missing")"; exit 1; }
uncovered=$(awk 'NR == FNR { lo[NR] = $2; hi[NR] = $3; n = NR; next }
	{ c = 0; for (i = 1; i <= n; i++) if ($1 >= lo[i] && $1 <= hi[i]) c = 1; if (!c) print }' \
	"$T/losses" "$T/missing" | wc -l)
[[ $uncovered -eq 0 ]] || { echo "$uncovered missing records outside the reported ranges"; exit 1; }
grep -q "\"stage\":\"output:file\"" "$T/file.json" ||
	{ echo "the file itself does not carry the Loss record"; exit 1; }
echo "PASS: disk-full losses counted and reported"
