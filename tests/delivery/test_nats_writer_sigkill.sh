#!/usr/bin/env bash
# (3) The writer is killed with SIGKILL during a run (while the server is
# down, so its spool holds unacknowledged records) and started again: every
# record it had spooled arrives, none twice.
set -u
. "$ROOT/tests/lib/nats.sh"
nats_require
nats_start s1 || exit 1
out="$(nats_url s1)?ack_timeout_ms=1000"
state=$NATS_TMP/state

"$BUILD/edisensor-emit" -o "$out" -o "file:$NATS_TMP/local.pb" --sensor gw-3 \
	--state-dir "$state" -n 100000 --rate 2000 --run k1 >"$NATS_TMP/emit1.out" 2>&1 &
emit=$!
in_file() { "$BUILD/edisensor-cat" "$NATS_TMP/local.pb" 2>/dev/null | wc -l; }
file_has() { (($(in_file) >= $1)); }
# Points of the run by what it wrote, not by time: some records first, the
# server goes, the writer goes on spooling, then it is killed.
wait_for file_has 200 || { echo "the writer wrote nothing"; cat "$NATS_TMP/emit1.out"; exit 1; }
nats_stop s1
down_at=$(in_file)
wait_for file_has $((down_at + 200)) || { echo "the writer stopped writing with the server down"; exit 1; }
kill -9 "$emit"
wait "$emit" 2>/dev/null
echo "writer killed ($down_at records written when the server went)"

written=$("$BUILD/edisensor-cat" "$NATS_TMP/local.pb" | wc -l)
spooled=$(cat "$state"/spool-*/*.seg | "$BUILD/edisensor-cat" - 2>/dev/null | wc -l)
echo "records written before the kill: $written; in the spool: $spooled"
((written > 100)) || { echo "too few records before the kill"; exit 1; }

nats_restart s1 || exit 1
"$BUILD/edisensor-emit" -o "$out" --sensor gw-3 --state-dir "$state" -n 200 --run k2 \
	--flush-timeout-ms 60000 --stats || { echo "second run failed"; exit 1; }
nats_dump "$(nats_url s1)" >"$NATS_TMP/dump" 2>/dev/null || exit 1

# Every record of the killed run that reached its local file (written after
# the spool) is in the stream exactly once; at most one more (spooled, not
# yet in the file) may be there.
"$BUILD/edisensor-cat" "$NATS_TMP/local.pb" | jq -r .hit.message.envelope.controlRef | sort >"$NATS_TMP/want"
grep -o '"controlRef":"k1-[0-9]*"' "$NATS_TMP/dump" | cut -d'"' -f4 | sort >"$NATS_TMP/got"
missing=$(comm -23 "$NATS_TMP/want" "$NATS_TMP/got" | wc -l)
dups=$(uniq -d "$NATS_TMP/got" | wc -l)
got=$(wc -l <"$NATS_TMP/got")
echo "k1: in local file $written, in stream $got, missing $missing, duplicated $dups"
[[ $missing -eq 0 && $dups -eq 0 && $got -ge $written && $got -le $((written + 1)) ]] || exit 1
check_exactly_once "$NATS_TMP/dump" k2 0 200 || exit 1
ids=$(awk '{print $1}' "$NATS_TMP/dump" | sort | uniq -d | wc -l)
[[ $ids -eq 0 ]] || { echo "$ids message ids twice"; exit 1; }
echo "PASS: SIGKILLed writer's spooled records all delivered once"
