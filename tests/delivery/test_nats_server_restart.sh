#!/usr/bin/env bash
# (2) The server is stopped in the middle of a run and started again: the
# writer keeps spooling meanwhile, then every record arrives, none twice.
set -u
. "$ROOT/tests/lib/nats.sh"
nats_require
nats_start s1 || exit 1
out="$(nats_url s1)?ack_timeout_ms=1000"

"$BUILD/edisensor-emit" -o "$out" --sensor gw-2 --state-dir "$NATS_TMP/state" \
	-n 3000 --rate 1500 --run r --flush-timeout-ms 60000 --stats >"$NATS_TMP/emit.out" 2>&1 &
emit=$!
sleep 0.6
nats_stop s1
echo "server stopped"
sleep 1.5
nats_restart s1 || exit 1
echo "server restarted"
wait "$emit" || { cat "$NATS_TMP/emit.out"; echo "emit failed"; exit 1; }
cat "$NATS_TMP/emit.out"
grep -q "retries=0 " "$NATS_TMP/emit.out" && echo "note: no retry was needed"
nats_dump "$(nats_url s1)" >"$NATS_TMP/dump" 2>/dev/null || exit 1
check_exactly_once "$NATS_TMP/dump" r 0 3000 || exit 1
echo "PASS: server outage survived without loss or duplicates"
