#!/usr/bin/env bash
# A foreign XDP program on es0 first (loaded with ip link, not through
# libxdp): edisensord at tc ingress runs beside it. The foreign program stays
# attached (same id), keeps seeing every frame (its counter grows by what
# arrives), and edisensor still finds the EDI behind it; after SIGTERM the
# foreign program is still there and traffic still flows.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tc_lib.sh"
FOREIGN=$BUILD/bpf/foreign_pass.bpf.o
[[ -f $FOREIGN ]] || skip "$FOREIGN not built"
tc_setup

in_s ip link set dev es0 xdpdrv obj "$FOREIGN" sec xdp || fail "loading the foreign program"
foreign=$(xdp_prog_id "$NS_S" es0)
[[ -n $foreign ]] || fail "foreign program not attached"
# Its "seen" counter: the per-CPU values of the one map it uses, summed.
seen() {
	local map
	map=$(bpftool -j prog show id "$foreign" | jq '.map_ids[0]')
	bpftool -j map dump id "$map" | jq '[.[0].formatted.values[].value] | add'
}
seen0=$(seen)

make_edi "$T/edi.txt" 200
start_sink "$NS_S" 10.77.0.1 9000 || fail "sink in the sensor namespace"
start_sensor -i es0 --hook tc-ingress --port 9000 --feed "$TC_FEED" --all-messages \
	--user root --metrics-addr "$METRICS_ADDR" --output "json:$T/live.jsonl"
wait_for sensor_ready || fail "edisensord did not start beside the foreign program: $(tail -3 "$T/sensor.log")"
grep -q "es0: attached at tc-ingress" "$T/sensor.log" || fail "not attached at tc ingress"
[[ $(xdp_prog_id "$NS_S" es0) == "$foreign" ]] || fail "the foreign program was replaced"
pass "edisensord at tc ingress beside foreign XDP program id $foreign"

send_file "$NS_P" 10.77.0.1 9000 "$T/edi.txt" || fail "sending through the foreign program"
ingress() { metric edisensor_tc_"$1"_total 'hook="tc-ingress"'; }
flow_done() { [[ $(ingress flow_end) -ge 1 ]]; }
wait_for flow_done || fail "tc ingress never saw the flow end"
# tc ingress first: a frame (the last ACK) arriving between the two reads
# is then counted by the foreign program only, never by tc ingress only
tcpk=$(ingress packets)
seen1=$(seen)
# Every frame tc ingress saw passed the foreign program first.
((seen1 - seen0 >= tcpk && tcpk > 0)) || fail "foreign program saw $((seen1 - seen0)) frames, tc ingress $tcpk"
[[ $(xdp_prog_id "$NS_S" es0) == "$foreign" ]] || fail "the foreign program went away"
pass "the foreign program saw $((seen1 - seen0)) frames, tc ingress $tcpk behind it"

stop_sensor TERM
[[ $SENSOR_RC -eq 0 ]] || fail "edisensord exited $SENSOR_RC"
msgs=$(jq -s '[.[] | select(.message)] | length' "$T/live.jsonl")
hits=$(jq -s '[.[] | select(.hit)] | length' "$T/live.jsonl")
((msgs == 200 && hits > 0)) || fail "$msgs messages (200 sent), $hits hits"
pass "edisensor found all $msgs messages ($hits hits) behind the foreign program"

[[ $(xdp_prog_id "$NS_S" es0) == "$foreign" ]] || fail "the foreign program left with edisensord"
send_file "$NS_P" 10.77.0.1 9000 "$T/edi.txt" || fail "traffic after edisensord stopped"
(($(seen) > seen1)) || fail "the foreign program stopped seeing traffic"
pass "after SIGTERM the foreign program (id $foreign) is still attached and passing traffic"
