#!/usr/bin/env bash
# tc egress, live: a process inside the sensor's namespace sends EDI out
# through the veth. edisensord watches es0 at tc egress only. Its messages
# and hits must be those of a replay (XDP, BPF_PROG_TEST_RUN) of the frames
# captured on es0, every live record stamped hook "tc-egress"; the tc egress
# counters move, the XDP ones stay at zero; SIGTERM removes the tc program.
#
# Segmentation offloads are off on es0, so the capture (taken after software
# segmentation) holds MTU-sized frames. The tc hook sits before it and sees
# what TCP builds: GSO skbs (TCP is always GSO), so this is also a test that
# those scan like the segments on the wire.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tc_lib.sh"
tc_setup
in_s ethtool -K es0 tso off gso off >/dev/null 2>&1

make_edi "$T/edi.txt" 200
start_sink "$NS_P" 10.77.0.2 9000 || fail "sink in the peer namespace"

start_sensor -i es0 --hook tc-egress --port 9000 --feed "$TC_FEED" --all-messages \
	--user root --metrics-addr "$METRICS_ADDR" --output "json:$T/live.jsonl"
wait_for sensor_ready || fail "edisensord did not become ready"
grep -q "es0: attached at tc-egress through tcx" "$T/sensor.log" ||
	fail "not attached at tc egress through tcx: $(grep attached "$T/sensor.log")"
[[ -z $(xdp_prog_id "$NS_S" es0) ]] || fail "an XDP program was attached too"
[[ $(metric edisensor_tc_attached 'interface="es0",hook="tc-egress",backend="tcx"') == 1 ]] ||
	fail "/metrics: $(scrape | grep tc_attached)"
pass "attached at tc egress through tcx, no XDP program"

start_capture "$NS_S" es0 "$T/cap.pcapng"
send_file "$NS_S" 10.77.0.2 9000 "$T/edi.txt" || fail "sending the EDI file"
stop_capture
packets=$(tshark -r "$T/cap.pcapng" -Y "tcp.srcport == 9000 || tcp.dstport == 9000" 2>/dev/null | wc -l)
maxlen=$(tshark -r "$T/cap.pcapng" -T fields -e frame.len 2>/dev/null | sort -n | tail -1)
((packets > 30)) || fail "capture holds $packets frames"
((maxlen <= 1614)) || fail "frames of $maxlen bytes with segmentation offloads off"

egress() { metric edisensor_tc_"$1"_total 'hook="tc-egress"'; }
flow_done() { [[ $(egress flow_end) -ge 1 ]]; }
wait_for flow_done || fail "tc egress never saw the flow end"
[[ $(metric edisensor_xdp_packets_total) == 0 ]] || fail "XDP counters moved"
(($(egress segments) > 1000)) || fail "tc egress forwarded $(egress segments) segments"
[[ $(metric edisensor_tc_packets_total 'hook="tc-ingress"') == 0 ]] || fail "tc ingress counters moved"
pass "tc egress: $(egress packets) skbs (the wire: $packets frames), $(egress segments) segments, $(egress interchanges) interchange(s); XDP and tc ingress counters at zero"

stop_sensor TERM
[[ $SENSOR_RC -eq 0 ]] || fail "edisensord exited $SENSOR_RC"
grep -q "es0 tc-egress: detached" "$T/sensor.log" || fail "no detach logged"
send_file "$NS_S" 10.77.0.2 9000 "$T/edi.txt" || fail "traffic after the sensor stopped"
pass "SIGTERM: tc program detached, traffic flows"

"$BUILD/edisensord" --replay "$T/cap.pcapng" --port 9000 --feed "$TC_FEED" --all-messages \
	--output "json:$T/replay.jsonl" >"$T/replay.out" 2>&1 || fail "replay: $(tail -3 "$T/replay.out")"
same_records "$T/replay.jsonl" "$T/live.jsonl" tc-egress || fail "live records are not the replay's"
msgs=$(jq -s '[.[] | select(.message)] | length' "$T/live.jsonl")
hits=$(jq -s '[.[] | select(.hit)] | length' "$T/live.jsonl")
((msgs == 200)) || fail "$msgs messages, 200 sent; $(capture_anomalies "$T/cap.pcapng")"
((hits > 0)) || fail "no hits"
pass "tc egress records equal the replay's: $msgs messages, $hits hits, all hook tc-egress"
