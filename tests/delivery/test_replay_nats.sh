#!/usr/bin/env bash
# The daemon's replay path into NATS JetStream (edisensord --replay FILE
# --feed F --output nats://...), next to a local file output of the same
# records:
#   (1) every record of the replay is once in the stream;
#   (2) the server is down while the replay runs and comes back while the
#       daemon waits for its acknowledgements: all arrive, none twice;
#   (3) the daemon is SIGKILLed while its spool still holds everything, and
#       started again (an empty replay): every spooled record arrives once.
set -u
. "$ROOT/tests/lib/nats.sh"
nats_require
if [[ $(id -u) -ne 0 ]]; then
	echo "SKIPPED: the replay loads the XDP program (BPF_PROG_TEST_RUN): needs root"
	exit 77
fi
for b in edisensord edi-pcapgen; do
	[[ -x $BUILD/$b ]] || { echo "SKIPPED: $BUILD/$b not built"; exit 77; }
done
feed=$ROOT/systemd/feeds/example.intel
[[ -f $feed ]] || { echo "SKIPPED: $feed missing"; exit 77; }
"$BUILD/edi-pcapgen" -o "$NATS_TMP/c.pcap" -m "$NATS_TMP/c.jsonl" -s 7 -n 1500 >/dev/null 2>&1 ||
	{ echo "edi-pcapgen failed"; exit 1; }
# A capture with no packets: starting the daemon again without new records.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' \
	>"$NATS_TMP/empty.pcap"

# On failure, what the daemons and servers said.
show_logs() {
	local f
	for f in "$NATS_TMP"/*.log; do
		[[ -f $f ]] || continue
		echo "--- $f"
		grep -v '^[a-z_]* *[0-9]*$' "$f" | tail -8
	done
}
trap 'rc=$?; ((rc != 0 && rc != 77)) && show_logs; nats_cleanup; exit $rc' EXIT

replay_args() { # NAME PCAP URL: sets ARGS for edisensord
	ARGS=(--replay "$2" --feed "$feed" --all-messages --metrics-addr off
		--sensor-id "gw-$1" --spool "$NATS_TMP/spool-$1"
		--output "$3?ack_timeout_ms=1000" --output "file:$NATS_TMP/$1.pb")
}
replay() { # NAME PCAP URL
	local ARGS
	replay_args "$@"
	"$BUILD/edisensord" "${ARGS[@]}"
}

# Stream ids and contents against the local file: each record once.
check_against_file() { # NAME SERVER
	local name=$1 server=$2 want got
	nats_dump "$(nats_url "$server")" >"$NATS_TMP/$name.dump" 2>/dev/null || return 1
	"$BUILD/edisensor-cat" "$NATS_TMP/$name.pb" | jq -r '"\(.sensorId)-\(.sequence)"' | sort >"$NATS_TMP/$name.want"
	awk '{print $1}' "$NATS_TMP/$name.dump" | sort >"$NATS_TMP/$name.got"
	want=$(wc -l <"$NATS_TMP/$name.want")
	got=$(wc -l <"$NATS_TMP/$name.got")
	echo "$name: $want records in the file, $got in the stream"
	((want > 100)) || { echo "$name: too few records ($want)"; return 1; }
	cmp -s "$NATS_TMP/$name.want" "$NATS_TMP/$name.got" || {
		echo "$name: missing $(comm -23 "$NATS_TMP/$name.want" "$NATS_TMP/$name.got" | wc -l)," \
			"unexpected or repeated $(comm -13 "$NATS_TMP/$name.want" "$NATS_TMP/$name.got" | wc -l)"
		return 1
	}
	# Same content too: the records' JSON in the stream equals the file's.
	cmp -s <("$BUILD/edisensor-cat" "$NATS_TMP/$name.pb" | sort) \
		<(cut -d' ' -f3- "$NATS_TMP/$name.dump" | sort) || { echo "$name: contents differ"; return 1; }
	grep -q " edisensor.gw-$name.hit " "$NATS_TMP/$name.dump" || { echo "$name: no hit subject"; return 1; }
}

# (1)
nats_start s1 || exit 1
replay one "$NATS_TMP/c.pcap" "$(nats_url s1)" 2>"$NATS_TMP/one.log" || { tail "$NATS_TMP/one.log"; exit 1; }
check_against_file one s1 || exit 1
records=$(wc -l <"$NATS_TMP/one.want")

# (2)
nats_start s2 || exit 1
nats_stop s2
replay_args two "$NATS_TMP/c.pcap" "$(nats_url s2)"
"$BUILD/edisensord" "${ARGS[@]}" 2>"$NATS_TMP/two.log" &
daemon=$!
# back once the replay wrote its records (the daemon then waits for the
# acknowledgements, up to its flush_timeout, 30 s)
written() { [[ $("$BUILD/edisensor-cat" "$NATS_TMP/$1.pb" 2>/dev/null | wc -l) -ge $records ]]; }
wait_for written two || { echo "replay did not write its records"; exit 1; }
nats_restart s2 || exit 1
wait "$daemon" || { tail "$NATS_TMP/two.log"; echo "replay during the outage failed"; exit 1; }
check_against_file two s2 || exit 1

# (3)
nats_start s3 || exit 1
nats_stop s3
# Started directly (not through a function, which would run in a subshell)
# so that SIGKILL reaches the daemon itself.
replay_args three "$NATS_TMP/c.pcap" "$(nats_url s3)"
"$BUILD/edisensord" "${ARGS[@]}" 2>"$NATS_TMP/three.log" &
daemon=$!
wait_for written three || { echo "replay did not write its records"; exit 1; }
kill -9 "$daemon"
wait "$daemon" 2>/dev/null
echo "daemon killed with $records records spooled, none delivered"
nats_restart s3 || exit 1
replay three "$NATS_TMP/empty.pcap" "$(nats_url s3)" 2>>"$NATS_TMP/three.log" ||
	{ tail "$NATS_TMP/three.log"; echo "restarted daemon failed"; exit 1; }
check_against_file three s3 || exit 1
echo "PASS: replay hits delivered exactly once through outage and SIGKILL"
