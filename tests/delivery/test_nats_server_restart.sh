#!/usr/bin/env bash
# (2) The server is stopped in the middle of a run and started again: the
# writer keeps spooling meanwhile, then every record arrives, none twice.
set -u
. "$ROOT/tests/lib/nats.sh"
nats_require
nats_start s1 || exit 1
out="$(nats_url s1)?ack_timeout_ms=1000"

"$BUILD/edisensor-emit" -o "$out" -o "file:$NATS_TMP/local.pb" --sensor gw-2 --state-dir "$NATS_TMP/state" \
	-n 3000 --rate 1500 --run r --flush-timeout-ms 120000 --stats >"$NATS_TMP/emit.out" 2>&1 &
emit=$!
# The outage in the middle of the run by what the writer wrote (its file
# output), not by time: down after 500 records, up 500 records later.
in_file() { "$BUILD/edisensor-cat" "$NATS_TMP/local.pb" 2>/dev/null | wc -l; }
file_has() { (($(in_file) >= $1)); }
wait_for file_has 500 || { echo "the writer wrote nothing"; cat "$NATS_TMP/emit.out"; exit 1; }
nats_stop s1
down_at=$(in_file)
echo "server stopped after $down_at records"
up_at=$((down_at + 500 > 3000 ? 3000 : down_at + 500))
wait_for file_has "$up_at" || { echo "the writer stopped writing with the server down"; exit 1; }
nats_restart s1 || exit 1
echo "server restarted after $(in_file) records"
wait "$emit" || { cat "$NATS_TMP/emit.out"; echo "emit failed"; exit 1; }
cat "$NATS_TMP/emit.out"
grep -q "retries=0 " "$NATS_TMP/emit.out" && echo "note: no retry was needed"
nats_dump "$(nats_url s1)" >"$NATS_TMP/dump" 2>/dev/null || exit 1
check_exactly_once "$NATS_TMP/dump" r 0 3000 || exit 1
echo "PASS: server outage survived without loss or duplicates"
