#!/usr/bin/env bash
# (4) A 3-node JetStream cluster, stream with 3 replicas: the node leading
# the stream is killed (SIGKILL) during a run. Delivery continues through
# the other two; every record arrives, none twice.
set -u
. "$ROOT/tests/lib/nats.sh"
nats_require
nats_cluster_start 3 || exit 1
out="nats://$NATS_CLUSTER_URLS?replicas=3&ack_timeout_ms=1000"
state=$NATS_TMP/state

# The first record creates the stream once the cluster has elected its
# meta leader (the output retries until then).
"$BUILD/edisensor-emit" -o "$out" --sensor gw-4 --state-dir "$state" -n 1 --run warm \
	--flush-timeout-ms 120000 || { echo "cluster never accepted the stream"; exit 1; }
# A leader election takes seconds, longer on a loaded machine: ask until one
# is reported (each query itself times out after 5 s).
leader_other_than() {
	reported=$("$BUILD/nats-stream-dump" --leader "$(nats_url "$1")" 2>/dev/null)
	[[ -n $reported && $reported != "$2" ]]
}
WAIT_S=60 wait_for leader_other_than n1 "" || { echo "no stream leader reported"; exit 1; }
leader=$reported
echo "stream leader: $leader"

"$BUILD/edisensor-emit" -o "$out" -o "file:$NATS_TMP/local.pb" --sensor gw-4 --state-dir "$state" \
	-n 3000 --rate 1500 --run c --flush-timeout-ms 120000 --stats >"$NATS_TMP/emit.out" 2>&1 &
emit=$!
# The kill during the run by what the writer wrote (its file output), not
# after a fixed time.
file_has() { (($("$BUILD/edisensor-cat" "$NATS_TMP/local.pb" 2>/dev/null | wc -l) >= $1)); }
wait_for file_has 1000 || { echo "the writer wrote nothing"; cat "$NATS_TMP/emit.out"; exit 1; }
nats_kill "$leader"
echo "killed $leader"
wait "$emit" || { cat "$NATS_TMP/emit.out"; echo "emit failed"; exit 1; }
cat "$NATS_TMP/emit.out"

survivor=n1
[[ $leader == n1 ]] && survivor=n2
WAIT_S=60 wait_for leader_other_than "$survivor" "$leader" || { echo "no new leader"; exit 1; }
echo "new stream leader: $reported"
dump_from() { nats_dump "$(nats_url "$1")" >"$NATS_TMP/dump" 2>"$NATS_TMP/dump.err"; }
WAIT_S=60 wait_for dump_from "$survivor" || { cat "$NATS_TMP/dump.err"; exit 1; }
check_exactly_once "$NATS_TMP/dump" c 0 3000 || exit 1
check_exactly_once "$NATS_TMP/dump" warm 0 1 || exit 1
echo "PASS: node loss survived without loss or duplicates"
