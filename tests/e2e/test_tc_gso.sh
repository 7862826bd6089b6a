#!/usr/bin/env bash
# tc on both directions of es0 with skbs larger than the MTU: segmentation
# offloads on at both ends, GRO on at es0, so the peer's TSO packets reach
# es0's ingress whole and the sensor namespace's own sends leave by egress
# as GSO skbs. EDI flows both ways at once. The records must equal those of
# a replay of what the capture on es0 saw (the same large frames, read by
# the XDP program as multi-buffer frames), each flow stamped with its hook.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tc_lib.sh"
tc_setup
in_s ethtool -K es0 tso on gso on gro on >/dev/null 2>&1
in_p ethtool -K es1 tso on gso on >/dev/null 2>&1

make_edi "$T/edi.txt" 200
start_sink "$NS_P" 10.77.0.2 9000 || fail "sink in the peer namespace"
SINK_P=$SINK_PID
start_sink "$NS_S" 10.77.0.1 9000 || fail "sink in the sensor namespace"

start_sensor -i es0:tc --port 9000 --feed "$TC_FEED" --all-messages \
	--user root --metrics-addr "$METRICS_ADDR" --output "json:$T/live.jsonl"
wait_for sensor_ready || fail "edisensord did not become ready"
grep -q "es0: attached at tc-ingress" "$T/sensor.log" && grep -q "es0: attached at tc-egress" "$T/sensor.log" ||
	fail "not attached at both tc hooks: $(grep attached "$T/sensor.log")"

start_capture "$NS_S" es0 "$T/cap.pcapng"
send_file "$NS_S" 10.77.0.2 9000 "$T/edi.txt" & out=$!
send_file "$NS_P" 10.77.0.1 9000 "$T/edi.txt" || fail "sending from the peer"
wait $out || fail "sending from the sensor namespace"
stop_capture 2

big=$(tshark -r "$T/cap.pcapng" -T fields -e frame.len 2>/dev/null | awk '$1 > 1614' | wc -l)
maxlen=$(tshark -r "$T/cap.pcapng" -T fields -e frame.len 2>/dev/null | sort -n | tail -1)
((big > 0)) || fail "no frame larger than the MTU passed es0 (largest $maxlen)"
pass "$big frames larger than the MTU passed es0 (largest $maxlen bytes)"

tc_c() { metric edisensor_tc_"$1"_total "hook=\"tc-$2\""; }
both_done() { [[ $(tc_c flow_end ingress) -ge 1 && $(tc_c flow_end egress) -ge 1 ]]; }
wait_for both_done || fail "flow ends: ingress $(tc_c flow_end ingress), egress $(tc_c flow_end egress)"
for d in ingress egress; do
	(($(tc_c frags_read $d) > 0)) || fail "tc $d read no payload outside the linear part"
	(($(tc_c segments $d) > 1500)) || fail "tc $d forwarded $(tc_c segments $d) segments"
	echo "tc $d: $(tc_c packets $d) skbs, $(tc_c frags_read $d) non-linear, $(tc_c segments $d) segments"
done
stop_sensor TERM
[[ $SENSOR_RC -eq 0 ]] || fail "edisensord exited $SENSOR_RC"

"$BUILD/edisensord" --replay "$T/cap.pcapng" --port 9000 --feed "$TC_FEED" --all-messages \
	--output "json:$T/replay.jsonl" >"$T/replay.out" 2>&1 || fail "replay: $(tail -3 "$T/replay.out")"
grep -q "oversize 0 errors 0" "$T/replay.out" || fail "replay: $(grep '^replay:' "$T/replay.out")"
jq -c 'select((.. | objects | select(has("hook")) | .hook) == "tc-ingress")' "$T/live.jsonl" >"$T/live.in"
jq -c 'select((.. | objects | select(has("hook")) | .hook) == "tc-egress")' "$T/live.jsonl" >"$T/live.eg"
jq -c 'select((.. | objects | select(has("srcIp")) | .srcIp) == "10.77.0.2")' "$T/replay.jsonl" >"$T/replay.in"
jq -c 'select((.. | objects | select(has("srcIp")) | .srcIp) == "10.77.0.1")' "$T/replay.jsonl" >"$T/replay.eg"
same_records "$T/replay.in" "$T/live.in" tc-ingress || fail "ingress records are not the replay's"
same_records "$T/replay.eg" "$T/live.eg" tc-egress || fail "egress records are not the replay's"
for d in in eg; do
	m=$(jq -s '[.[] | select(.message)] | length' "$T/live.$d")
	((m == 200)) || fail "$d: $m messages, 200 sent; $(capture_anomalies "$T/cap.pcapng")"
done
pass "GSO/GRO-sized skbs at tc ingress and egress: 200 messages each way, records equal the replay's"
