#!/usr/bin/env bash
# Fail-open on SIGKILL: the daemon cannot detach, the XDP program stays
# attached and keeps returning XDP_PASS, so TCP on a monitored port keeps
# flowing. The next start replaces the stale program (it is edisensor's)
# with a warning, and `edisensord --detach` removes one left behind.
set -u
. "$(dirname "$0")/lib.sh"
e2e_require python3
e2e_setup || fail "namespace setup"


start_sensor -i es0 --port 9000 --user root --metrics-addr off --output "json:$E2E_TMP/out.jsonl"
wait_for sensor_ready || fail "not ready"
prog=$(xdp_prog_id "$NS_S" es0)
tcp_exchange LIVE || fail "TCP exchange with the daemon running"
stop_sensor KILL
[[ $(xdp_prog_id "$NS_S" es0) == "$prog" ]] || fail "program $prog gone after SIGKILL (expected to stay)"
tcp_exchange AFTERKILL || fail "TCP on the monitored port does not flow after SIGKILL"
pass "SIGKILL: program $prog stays attached, TCP on the monitored port still flows (fail-open)"

start_sensor -i es0 --port 9000 --user root --metrics-addr off --output "json:$E2E_TMP/out.jsonl"
wait_for sensor_ready || fail "restart after SIGKILL did not become ready"
grep -q "es0: replaced edisensor program id $prog left by an earlier run" "$E2E_TMP/sensor.log" ||
	fail "stale program not reported"
new=$(xdp_prog_id "$NS_S" es0)
[[ -n $new && $new != "$prog" ]] || fail "program not replaced ($new)"
tcp_exchange RESTARTED || fail "TCP after restart"
stop_sensor KILL
pass "restart replaced the stale program $prog with $new"

in_s "$BUILD/edisensord" --detach -i es0 >"$E2E_TMP/detach.log" 2>&1 || fail "--detach failed: $(cat "$E2E_TMP/detach.log")"
[[ -z $(xdp_prog_id "$NS_S" es0) ]] || fail "--detach left the program"
grep -q "removed a stale edisensor program" "$E2E_TMP/detach.log" || fail "--detach said nothing"
tcp_exchange DETACHED || fail "TCP after --detach"
pass "edisensord --detach removed the program left by a killed daemon"
