#!/usr/bin/env bash
# cpu_priority: the reader and pipeline threads run at SCHED_IDLE by
# default (they yield the CPU to the traffic), the main thread (signals,
# watchdog) keeps the daemon's policy; `batch` is SCHED_BATCH at nice 19;
# `normal` leaves every thread as started. Traffic still reaches the
# pipeline at idle priority on an otherwise quiet host.
set -u
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_setup || fail "namespace setup"

# policy and nice of a thread by name: /proc/PID/task/TID/stat fields 19 and 41
thread_sched() {
	local t
	for t in /proc/"$SENSOR_PID"/task/*; do
		[[ $(cat "$t/comm") == "$1" ]] || continue
		awk '{ sub(/^.*\) /, ""); print $(41 - 2), $(19 - 2) }' "$t/stat"
		return 0
	done
	echo "none"
}

check() {   # check PRIORITY READER/PIPELINE "POLICY NICE" MAIN "POLICY NICE"
	local prio=$1 want_worker=$2 want_main=$3 got
	start_sensor -i es0 --port 9000 --user root --cpu-priority "$prio" \
		--output "file:$E2E_TMP/hits-$prio.pb" --metrics-addr "$METRICS_ADDR"
	wait_for sensor_ready || fail "$prio: not ready"
	# each worker sets its own priority when it starts; "ready" waits for
	# that only so long (a loaded machine may start a thread later)
	for th in es-reader es-pipeline; do
		thread_at() { [[ $(thread_sched "$1") == "$2" ]]; }
		wait_for thread_at $th "$want_worker" ||
			fail "$prio: thread $th at '$(thread_sched $th)', want '$want_worker'"
	done
	got=$(thread_sched edisensord)
	[[ $got == "$want_main" ]] || fail "$prio: main thread at '$got', want '$want_main'"
	tcp_exchange "PRIO$prio" || fail "$prio: TCP exchange through the veth failed"
	wait_for metric_ge edisensor_pipeline_segments_total 1 ||
		fail "$prio: the segment never reached the pipeline"
	stop_sensor TERM
	[[ $SENSOR_RC -eq 0 ]] || fail "$prio: exit $SENSOR_RC"
	pass "cpu_priority $prio: reader and pipeline at '$want_worker' (policy nice), main at '$want_main'; traffic reached the pipeline"
}

# What the daemon starts with: this shell's own policy and nice value.
own=$(awk '{ sub(/^.*\) /, ""); print $(41 - 2), $(19 - 2) }' /proc/$$/stat)
check idle "5 ${own#* }" "$own"
check batch "3 19" "$own"
check normal "$own" "$own"
