#!/usr/bin/env bash
# A slow output never stalls the ring-buffer reader: the JSON output goes
# into a FIFO nobody reads, so the pipeline thread blocks in write(). The
# reader keeps emptying the kernel ring buffer (no kernel loss), the small
# queue fills and drops records, counted; /metrics still answers and says
# the pipeline is stalled. Once the FIFO is read again, the pipeline goes
# on, SIGTERM exits cleanly, and the output holds a Loss record with
# exactly the number of records the queue dropped.
set -u
. "$(dirname "$0")/lib.sh"
e2e_require jq
e2e_setup || fail "namespace setup"
T=$E2E_TMP
gen_capture 3 1500
mkfifo "$T/out.fifo"
exec 7<>"$T/out.fifo"     # a reader that never reads: the writer fills the pipe and blocks

# (7<&-: children must not hold the FIFO's other end, or the reader below never sees EOF)
start_sensor -i es0 --port 9000 --user root --all-messages --queue-bytes 65536 \
	--feed "$ROOT/tests/feeds/basic.intel" --output "json:$T/out.fifo" --metrics-addr "$METRICS_ADDR" 7<&-
wait_for sensor_ready || fail "not ready"
in_p tcpreplay -q -i es1 "$T/cap.pcap" >"$T/tcpreplay.out" 2>&1 7<&- || fail "tcpreplay"
frames=$(awk '/^Actual:/ {print $2}' "$T/tcpreplay.out")
queue_drops() { metric edisensor_events_lost_total 'stage="queue_full"'; }
wait_for metric_is edisensor_xdp_packets_total "$frames" || fail "kernel saw $(metric edisensor_xdp_packets_total) of $frames"
dropping() { local d; d=$(queue_drops); [[ -n $d && $d -gt 0 ]]; }
wait_for dropping || fail "the queue never filled: $(scrape | grep -E 'queue|stalled')"
wait_for metric_is edisensor_pipeline_stalled 1 || fail "stall not reported"
[[ $(metric edisensor_events_lost_total 'stage="ringbuf"') == 0 ]] ||
	fail "the kernel ring buffer lost events: the reader was stalled"
drops=$(queue_drops)
pass "pipeline blocked on its output: reader went on (ringbuf losses 0), queue dropped $drops events (counted), /metrics answers with pipeline_stalled 1"
logged() { grep -q "events lost: 0 kernel ring buffer full, [1-9][0-9]* reader queue full" "$E2E_TMP/sensor.log"; }
wait_for logged || fail "the queue losses were not logged"
pass "the losses are in the log: $(grep -m1 'events lost' "$E2E_TMP/sensor.log")"

sensor_reader_done() { ! kill -0 "$reader" 2>/dev/null; }
cat <"$T/out.fifo" >"$T/out.jsonl" 7<&- &
reader=$!
E2E_PIDS+=($reader)
# Close our end only once cat holds the FIFO: with no reader at all the
# daemon's write would fail with EPIPE instead of waiting. Its stdin is
# the FIFO only once opened (right after the fork the child still holds a
# copy of our fd 7, which is no reader once it closes it).
reader_open() { [[ $(readlink "/proc/$reader/fd/0" 2>/dev/null) == "$T/out.fifo" ]]; }
wait_for reader_open || fail "cat did not open the FIFO"
exec 7<&-
wait_for metric_is edisensor_pipeline_stalled 0 || fail "pipeline did not resume"
wait_for metric_is edisensor_queue_depth_bytes 0 || fail "queue not drained"
[[ $(queue_drops) == "$drops" ]] || fail "drops went on after the output resumed"
stop_sensor TERM
[[ $SENSOR_RC -eq 0 ]] || fail "exit $SENSOR_RC"
wait_for sensor_reader_done || fail "the output reader did not see the end"
lost=$(jq -r 'select(.loss.stage == "queue_full") | .loss.count' "$T/out.jsonl" | awk '{s += $1} END {print s + 0}')
[[ $lost == "$drops" ]] || fail "Loss records count $lost queue drops, metrics $drops"
pass "output resumed; SIGTERM clean; Loss records account for all $drops dropped records"
