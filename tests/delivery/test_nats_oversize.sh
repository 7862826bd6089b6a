#!/usr/bin/env bash
# A record larger than the server's max_payload can never be delivered: it
# must not block the records behind it for ever, and its loss is counted
# and reported (Loss record, stage "output:nats") instead of silent.
set -u
. "$ROOT/tests/lib/nats.sh"
nats_require
echo "max_payload: 8192" >"$NATS_TMP/small.conf"
nats_start s1 "$(nats_free_port)" -c "$NATS_TMP/small.conf" || exit 1
out="$(nats_url s1)?ack_timeout_ms=1000"
state=$NATS_TMP/state
emit() { "$BUILD/edisensor-emit" -o "$out" -o "file:$NATS_TMP/local.pb" --sensor gw-6 \
	--state-dir "$state" --flush-timeout-ms 60000 "$@"; }

emit -n 5 --run small1 || exit 1
emit -n 3 --run big --pad 20000 --stats >"$NATS_TMP/big.out" || { cat "$NATS_TMP/big.out"; exit 1; }
emit -n 5 --run small2 || exit 1
cat "$NATS_TMP/big.out"
grep -q "^stats: nats.* dropped=3 " "$NATS_TMP/big.out" || { echo "3 refused records not counted"; exit 1; }

nats_dump "$(nats_url s1)" >"$NATS_TMP/dump" 2>/dev/null || exit 1
check_exactly_once "$NATS_TMP/dump" small1 0 5 || exit 1
check_exactly_once "$NATS_TMP/dump" small2 0 5 || exit 1
grep -q '"controlRef":"big-' "$NATS_TMP/dump" && { echo "an oversize record reached the stream"; exit 1; }
# The loss is reported (Loss records, stage output:nats) with ranges that
# cover exactly the refused records.
"$BUILD/edisensor-cat" "$NATS_TMP/local.pb" |
	jq -r 'select(.hit.message.envelope.controlRef // "" | startswith("big-")) | .sequence' >"$NATS_TMP/big"
grep ' edisensor.gw-6.loss ' "$NATS_TMP/dump" | cut -d' ' -f3- |
	jq -r 'select(.loss.stage == "output:nats") | "\(.loss.count) \(.loss.firstSequence) \(.loss.lastSequence)"' \
	>"$NATS_TMP/losses"
echo "refused: $(tr '\n' ' ' <"$NATS_TMP/big"); loss records (count first last): $(tr '\n' ';' <"$NATS_TMP/losses")"
total=$(awk '{s += $1} END {print s + 0}' "$NATS_TMP/losses")
[[ $total -eq 3 ]] || { echo "losses report $total records, 3 refused"; exit 1; }
uncovered=$(awk 'NR == FNR { lo[NR] = $2; hi[NR] = $3; n = NR; next }
	{ c = 0; for (i = 1; i <= n; i++) if ($1 >= lo[i] && $1 <= hi[i]) c = 1; if (!c) print }' \
	"$NATS_TMP/losses" "$NATS_TMP/big" | wc -l)
[[ $uncovered -eq 0 ]] || { echo "$uncovered refused records outside the reported ranges"; exit 1; }
echo "PASS: oversize records counted and reported, the rest delivered"
