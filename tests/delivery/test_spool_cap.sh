#!/usr/bin/env bash
# (5) No server while records keep coming: the spool reaches its cap, the
# oldest records are dropped, counted (stats) and reported by Loss records
# (stage "spool", count, sequence range) in every output. When a server
# comes, everything not dropped arrives once, Loss records included.
set -u
. "$ROOT/tests/lib/nats.sh"
nats_require
port=$(nats_free_port)
out="nats://127.0.0.1:$port?ack_timeout_ms=1000"
state=$NATS_TMP/state

"$BUILD/edisensor-emit" -o "$out" -o "file:$NATS_TMP/local.pb" --sensor gw-5 --state-dir "$state" \
	--spool-max 65536 -n 2000 --run p --flush-timeout-ms 0 --stats >"$NATS_TMP/emit.out" || exit 1
cat "$NATS_TMP/emit.out"
dropped=$(grep -o "^stats: nats.* dropped=[0-9]*" "$NATS_TMP/emit.out" | grep -o '[0-9]*$')
pending=$(grep -o "^stats: nats.* pending=[0-9]*" "$NATS_TMP/emit.out" | grep -o '[0-9]*$')
spool_bytes=$(grep -o "^stats: nats.* spool_bytes=[0-9]*" "$NATS_TMP/emit.out" | grep -o '[0-9]*$')
"$BUILD/edisensor-cat" "$NATS_TMP/local.pb" >"$NATS_TMP/local.json" || exit 1
records=$(wc -l <"$NATS_TMP/local.json")
reported=$(jq -s '[.[] | select(.loss.stage == "spool") | .loss.count | tonumber] | add // 0' "$NATS_TMP/local.json")
losses=$(jq -s '[.[] | select(.loss)] | length' "$NATS_TMP/local.json")
echo "records $records (loss records $losses), dropped $dropped, reported $reported, pending $pending, spool bytes $spool_bytes"
((dropped > 0)) || { echo "cap never reached"; exit 1; }
[[ $reported -eq $dropped ]] || { echo "Loss records report $reported, stats say $dropped"; exit 1; }
((spool_bytes <= 65536)) || { echo "spool over its cap"; exit 1; }
[[ $((dropped + pending)) -eq $records ]] || { echo "dropped + pending != records written"; exit 1; }

# Server arrives: the spool drains into the stream.
nats_start s1 "$port" || exit 1
"$BUILD/edisensor-emit" -o "$out" --sensor gw-5 --state-dir "$state" --spool-max 65536 -n 0 \
	--flush-timeout-ms 60000 || { echo "spool did not drain"; exit 1; }
nats_dump "$(nats_url s1)" >"$NATS_TMP/dump" 2>/dev/null || exit 1

# Each written record is either inside a reported loss range or in the
# stream exactly once.
jq -r '[.loss.firstSequence, .loss.lastSequence] | select(.[0]) | map(tonumber) | "\(.[0]) \(.[1])"' \
	"$NATS_TMP/local.json" >"$NATS_TMP/ranges"
cut -d' ' -f3- "$NATS_TMP/dump" | jq -r '.sequence' | sort -n >"$NATS_TMP/streamed"
jq -r .sequence "$NATS_TMP/local.json" | sort -n >"$NATS_TMP/written"
bad=$(awk 'NR == FNR { lo[NR] = $1; hi[NR] = $2; n = NR; next }
	FILENAME == ARGV[2] { seen[$1]++; next }
	{ in_range = 0; for (i = 1; i <= n; i++) if ($1 >= lo[i] && $1 <= hi[i]) in_range = 1;
	  if (in_range == (seen[$1] > 0) || seen[$1] > 1) print $1 }' \
	"$NATS_TMP/ranges" "$NATS_TMP/streamed" "$NATS_TMP/written" | wc -l)
stream_losses=$(grep -c '^[^ ]* edisensor.gw-5.loss ' "$NATS_TMP/dump")
echo "streamed $(wc -l <"$NATS_TMP/streamed"), loss records in stream $stream_losses, inconsistent $bad"
[[ $bad -eq 0 ]] || exit 1
((stream_losses > 0)) || { echo "no Loss record reached the stream"; exit 1; }
[[ -z $(uniq -d "$NATS_TMP/streamed") ]] || { echo "duplicates in the stream"; exit 1; }
echo "PASS: spool cap loss counted and reported"
