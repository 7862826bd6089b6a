#!/usr/bin/env bash
# (1) Every record written to the NATS output arrives exactly once in the
# JetStream stream, which the output creates (EDISENSOR, edisensor.>), on
# the subject edisensor.<sensor id>.<kind>, with Nats-Msg-Id <sensor>-<seq>.
set -u
. "$ROOT/tests/lib/nats.sh"
nats_require
nats_start s1 || exit 1
state=$NATS_TMP/state
out=$(nats_url s1)

"$BUILD/edisensor-emit" -o "$out" -o "file:$NATS_TMP/local.pb" --sensor gw-1 \
	--state-dir "$state" -n 2000 --run a --stats || { echo "emit failed"; exit 1; }
nats_dump "$out" >"$NATS_TMP/dump" 2>"$NATS_TMP/dump.err" || { cat "$NATS_TMP/dump.err"; exit 1; }
check_exactly_once "$NATS_TMP/dump" a 0 2000 || exit 1

# Subject and message id naming, and the ids match the local file's records.
bad_subject=$(awk '$2 != "edisensor.gw-1.hit"' "$NATS_TMP/dump" | wc -l)
[[ $bad_subject -eq 0 ]] || { echo "unexpected subjects: $(awk '{print $2}' "$NATS_TMP/dump" | sort -u | head)"; exit 1; }
diff <(awk '{print $1}' "$NATS_TMP/dump" | sort) \
	<("$BUILD/edisensor-cat" "$NATS_TMP/local.pb" | jq -r '"\(.sensorId)-\(.sequence)"' | sort) ||
	{ echo "stream ids differ from the local file's records"; exit 1; }

# A second run continues the sequence (persisted) and does not resend.
"$BUILD/edisensor-emit" -o "$out" --sensor gw-1 --state-dir "$state" -n 100 --run b || exit 1
nats_dump "$out" >"$NATS_TMP/dump2" 2>/dev/null || exit 1
check_exactly_once "$NATS_TMP/dump2" a 0 2000 || exit 1
check_exactly_once "$NATS_TMP/dump2" b 0 100 || exit 1
seqs=$(cut -d' ' -f3- "$NATS_TMP/dump2" | jq -r .sequence | sort -n | uniq -d | wc -l)
[[ $seqs -eq 0 ]] || { echo "a sequence number was used twice across runs"; exit 1; }
echo "PASS: 2100 records, each once in the stream"
