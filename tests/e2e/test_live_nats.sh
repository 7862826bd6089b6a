#!/usr/bin/env bash
# Live capture into NATS JetStream: edisensord in the sensor namespace with
# a file output and a nats:// output (nats-server in the same namespace,
# on its loopback), a generated capture replayed into the veth pair with
# every message written. After SIGTERM (which waits for acknowledgements)
# the stream holds exactly the records of the file output, once each, with
# the same content.
set -u
. "$(dirname "$0")/lib.sh"
e2e_require jq nats-server
for b in edisensor-cat nats-stream-dump; do
	[[ -x $BUILD/$b ]] || skip "$BUILD/$b not built"
done
"$BUILD/nats-stream-dump" --help >/dev/null 2>&1 || skip "built without libnats"
e2e_setup || fail "namespace setup"
T=$E2E_TMP
gen_capture 21 500

in_s nats-server -a 127.0.0.1 -p 4222 -js -sd "$T/js" >"$T/nats.log" 2>&1 &
E2E_PIDS+=($!)
nats_up() { in_s bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222' 2>/dev/null; }
wait_for nats_up || fail "nats-server did not start: $(tail -3 "$T/nats.log")"

cat >"$T/edisensor.conf" <<CONF
[sensor]
id = e2e-nats
user = root
[capture]
interfaces = es0
ports = 9000
all_messages = yes
[feeds]
files = $ROOT/tests/feeds/basic.intel
[outputs]
output = file:$T/live.pb
output = nats://127.0.0.1:4222?ack_timeout_ms=1000
flush_timeout = 60
[spool]
dir = $T/spool
[metrics]
listen = $METRICS_ADDR
CONF
start_sensor -c "$T/edisensor.conf"
wait_for sensor_ready || fail "not ready"
in_p tcpreplay -q -i es1 "$T/cap.pcap" >"$T/tcpreplay.out" 2>&1 || fail "tcpreplay"
settled() { [[ $(metric edisensor_pipeline_events_total) == "$(metric edisensor_xdp_events_total)" ]]; }
wait_for settled || fail "events not delivered"
# (the metric has an output="SPEC" label: the unlabelled name never matched,
# and this wait used to run out silently)
acked_some() { metric_ge edisensor_output_acked_total 1 'output="nats://127.0.0.1:4222?ack_timeout_ms=1000"'; }
wait_for acked_some || fail "the NATS output got no acknowledgement: $(scrape | grep acked)"
stop_sensor TERM
[[ $SENSOR_RC -eq 0 ]] || fail "exit $SENSOR_RC"

in_s "$BUILD/nats-stream-dump" nats://127.0.0.1:4222 >"$T/stream.dump" 2>"$T/dump.err" || fail "dump: $(cat "$T/dump.err")"
"$BUILD/edisensor-cat" "$T/live.pb" | jq -r '"\(.sensorId)-\(.sequence)"' | sort >"$T/want"
awk '{print $1}' "$T/stream.dump" | sort >"$T/got"
want=$(wc -l <"$T/want")
((want > 50)) || fail "only $want records in the file output"
cmp -s "$T/want" "$T/got" || fail "stream ids differ from the file: missing $(comm -23 "$T/want" "$T/got" | wc -l), extra or repeated $(comm -13 "$T/want" "$T/got" | wc -l)"
cmp -s <("$BUILD/edisensor-cat" "$T/live.pb" | sort) <(cut -d' ' -f3- "$T/stream.dump" | sort) ||
	fail "stream contents differ from the file"
grep -q " edisensor.e2e-nats.hit " "$T/stream.dump" || fail "no hit in the stream"
pass "live capture: all $want records (messages and hits) in NATS JetStream once each, as in the file output, after SIGTERM"
