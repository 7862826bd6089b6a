#!/usr/bin/env bash
# SIGHUP and systemd notification, live in network namespaces.
#  1. Monitored port 9001 and a feed that matches nothing: the capture
#     (EDI on port 9000) gives no hit.
#  2. Configuration changed to port 9000 and the feed replaced by one that
#     matches, SIGHUP: the same capture now gives exactly the hits the
#     replay gives with that feed.
#  3. SIGHUP with an invalid configuration, then with a missing feed: both
#     refused and counted, capture and the loaded indicators go on.
#  4. SIGHUP in the middle of traffic: nothing lost.
#  sd_notify: READY, RELOADING, READY, WATCHDOG, STOPPING in that order.
set -u
. "$(dirname "$0")/lib.sh"
e2e_require python3
e2e_setup || fail "namespace setup"
T=$E2E_TMP
gen_capture 5 400

intel_header=$'#separator \\x09\n#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc'
printf '%s\nNOSUCHPARTY0001\tEDI::PARTY_ID\ttest\tmatches nothing\n' "$intel_header" >"$T/v1.intel"
printf '%s\n198.51.100.7\tIntel::ADDR\ttest\tthe generator'"'"'s server\n' "$intel_header" >"$T/v2.intel"
cp "$T/v1.intel" "$T/feed.intel"

# Reference: hits of the capture with feed v2.
"$BUILD/edisensord" --replay "$T/cap.pcap" --port 9000 --feed "$T/v2.intel" \
	--output "json:$T/ref.jsonl" >"$T/ref.out" 2>&1 || fail "replay: $(tail -3 "$T/ref.out")"
want=$(jq -c 'select(.hit)' "$T/ref.jsonl" | wc -l)
((want > 0)) || fail "the reference replay has no hit"

conf() {   # conf PORT [extra line]
	cat >"$T/edisensor.conf.new" <<CONF
[sensor]
user = root
[capture]
interfaces = es0
ports = $1
${2:-}
[feeds]
files = $T/feed.intel
[outputs]
output = json:$T/live.jsonl
[metrics]
listen = $METRICS_ADDR
CONF
	mv "$T/edisensor.conf.new" "$T/edisensor.conf"
}
conf 9001

# A notification socket standing in for systemd.
python3 -c '
import socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        m = s.recv(4096).decode()
        f.write(m.replace("\n", " ") + "\n")
' "$T/notify.sock" "$T/notify.log" &
E2E_PIDS+=($!)
wait_for test -S "$T/notify.sock" || fail "notify listener"
export NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=300000

hits() { metric edisensor_pipeline_hits_total; }
sent=0   # frames tcpreplay sent so far (the only frames es0 receives)
replay_in() {
	in_p tcpreplay -q "$@" -i es1 "$T/cap.pcap" >"$T/tcpreplay.out" 2>&1 || fail "tcpreplay: $(tail -3 "$T/tcpreplay.out")"
}
count_sent() {   # after each replay_in
	local n
	n=$(awk '/^Actual:/ {print $2}' "$T/tcpreplay.out")
	[[ -n $n ]] || fail "no packet count in the tcpreplay output: $(cat "$T/tcpreplay.out")"
	sent=$((sent + n))
}
settled() {   # every frame sent went through XDP, every kernel event reached the pipeline
	[[ $(metric edisensor_xdp_packets_total) == "$sent" &&
		$(metric edisensor_pipeline_events_total) == "$(metric edisensor_xdp_events_total)" &&
		$(metric edisensor_queue_depth_bytes) == 0 ]]
}
failures() { metric edisensor_reload_failures_total; }

start_sensor -c "$T/edisensor.conf"
wait_for sensor_ready || fail "not ready"
replay_in
count_sent
wait_for settled || fail "events not delivered: XDP saw $(metric edisensor_xdp_packets_total) of $sent frames"
[[ $(metric edisensor_xdp_monitored_total) == 0 && $(hits) == 0 ]] ||
	fail "port 9001: monitored $(metric edisensor_xdp_monitored_total), hits $(hits)"
pass "1: port 9001, feed v1: nothing monitored, no hit"

cp "$T/v2.intel" "$T/feed.intel.new" && mv "$T/feed.intel.new" "$T/feed.intel"
conf 9000
kill -HUP "$SENSOR_PID"
wait_for metric_is edisensor_reloads_total 1 || fail "reload not applied: $(grep reload "$T/sensor.log")"
replay_in
count_sent
wait_for settled || fail "events not delivered after reload"
wait_for metric_is edisensor_pipeline_hits_total "$want" || fail "hits after reload: $(hits), the replay with v2 gives $want"
pass "2: SIGHUP applied port 9000 and feed v2: $want hits, as the replay"

printf '[capture]\nportz = 1\n' >>"$T/edisensor.conf"
kill -HUP "$SENSOR_PID"
wait_for metric_is edisensor_reload_failures_total 1 || fail "bad configuration not refused"
grep -q "edisensor.conf:[0-9]*: unknown key 'portz'" "$T/sensor.log" || fail "no file:line in the refusal"
conf 9000
rm "$T/feed.intel"
kill -HUP "$SENSOR_PID"
wait_for metric_is edisensor_reload_failures_total 2 || fail "missing feed not refused"
grep -q "the loaded indicators stay active" "$T/sensor.log" || fail "missing feed: no message"
replay_in
count_sent
wait_for settled || fail "events not delivered after refused reloads"
wait_for metric_is edisensor_pipeline_hits_total $((2 * want)) || fail "after refused reloads: $(hits) hits, want $((2 * want))"
pass "3: invalid configuration and missing feed refused ($(failures)), v2 indicators still match"

cp "$T/v2.intel" "$T/feed.intel"
replay_in --pps=1500 &
tr=$!
# the reload once the traffic is under way (not after a fixed time)
wait_for metric_ge edisensor_xdp_packets_total $((sent + 1)) || fail "the replay did not start"
kill -HUP "$SENSOR_PID"
wait $tr || fail "tcpreplay during reload"
count_sent
wait_for metric_is edisensor_reloads_total 2 || fail "reload during traffic not applied"
wait_for settled || fail "events not delivered (reload during traffic)"
lost=$(scrape | awk '$1 ~ /^edisensor_events_lost_total/ {s += $2} END {print s + 0}')
[[ $lost == 0 ]] || fail "$lost lost during a reload under traffic"
wait_for metric_is edisensor_pipeline_hits_total $((3 * want)) || fail "reload during traffic: $(hits) hits, want $((3 * want))"
pass "4: SIGHUP during traffic: reloaded, nothing lost, every hit written"

stop_sensor TERM
[[ $SENSOR_RC -eq 0 ]] || fail "exit $SENSOR_RC"
got=$(jq -c 'select(.hit)' "$T/live.jsonl" | wc -l)
[[ $got == $((3 * want)) ]] || fail "file output has $got hits, want $((3 * want))"
pass "SIGTERM: the file output holds all $got hits"

seq=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^(READY|RELOADING|STOPPING)=1$/) print $i}' "$T/notify.log" | uniq | tr '\n' ' ')
[[ $seq == "READY=1 RELOADING=1 READY=1 RELOADING=1 READY=1 RELOADING=1 READY=1 RELOADING=1 READY=1 STOPPING=1 " ]] ||
	fail "notification order: $seq"
grep -q "^WATCHDOG=1" "$T/notify.log" || fail "no WATCHDOG=1 with WATCHDOG_USEC set"
grep -q "RELOADING=1 MONOTONIC_USEC=[0-9]" "$T/notify.log" || fail "RELOADING without MONOTONIC_USEC"
pass "sd_notify: $seq+ WATCHDOG=1 x$(grep -c '^WATCHDOG=1' "$T/notify.log")"
