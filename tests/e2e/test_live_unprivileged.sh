#!/usr/bin/env bash
# Privileges. (1) Started the way the systemd unit starts it, as an
# unprivileged user with only the unit's ambient capabilities, edisensord
# attaches, captures and detaches. (2) Each of those capabilities is
# necessary: without any one of them start-up fails and leaves nothing
# attached. (3) Started as root with a user configured, it drops to that
# user after attaching, keeps only CAP_NET_ADMIN and CAP_BPF, and still
# detaches cleanly on SIGTERM.
set -u
. "$(dirname "$0")/lib.sh"
e2e_require setpriv python3
id nobody >/dev/null 2>&1 || skip "no user 'nobody'"
e2e_setup || fail "namespace setup"
chmod 755 "$E2E_TMP"
mkdir -m 1777 "$E2E_TMP/pub"
unit=$ROOT/systemd/edisensord.service
caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit")
[[ -n $caps ]] || fail "no AmbientCapabilities in $unit"
setpriv_caps() {   # "CAP_BPF CAP_X" -> "+bpf,+x"
	local c out=""
	for c in $1; do
		c=${c#CAP_}
		out+="${out:+,}+${c,,}"
	done
	echo "$out"
}
as_unit() {        # SENSOR_WRAP for user nobody with capabilities $1
	local set
	set="-all${1:+,$(setpriv_caps "$1")}"
	SENSOR_WRAP=(setpriv --reuid=nobody --regid=nogroup --clear-groups
		--inh-caps="$set" --ambient-caps="$set" --bounding-set="$set")
}
ARGS=(-i es0 --port 9000 --metrics-addr "$METRICS_ADDR" --output "json:$E2E_TMP/pub/out.jsonl")

# (1) the unit's capabilities suffice
as_unit "$caps"
start_sensor "${ARGS[@]}"
wait_for sensor_ready || fail "not ready as nobody with $caps"
uid=$(awk '/^Uid:/ {print $2}' "/proc/$SENSOR_PID/status")
[[ $uid == "$(id -u nobody)" ]] || fail "runs as uid $uid"
[[ -n $(xdp_prog_id "$NS_S" es0) ]] || fail "not attached"
tcp_exchange UNPRIV || fail "traffic"
wait_for metric_ge edisensor_xdp_monitored_total 1 || fail "nothing monitored"
stop_sensor TERM
[[ $SENSOR_RC -eq 0 ]] || fail "exit $SENSOR_RC"
[[ -z $(xdp_prog_id "$NS_S" es0) ]] || fail "not detached"
pass "as nobody with only $caps: attached, monitored traffic, detached on SIGTERM"

# (2) each one is necessary
for drop in $caps; do
	as_unit "$(tr ' ' '\n' <<<"$caps" | grep -vx "$drop" | tr '\n' ' ')"
	start_sensor "${ARGS[@]}"
	wait_for sensor_exited || fail "runs without $drop"
	wait "$SENSOR_PID"
	rc=$?
	SENSOR_PID=
	[[ $rc -ne 0 ]] || fail "exit 0 without $drop"
	[[ -z $(xdp_prog_id "$NS_S" es0) ]] || fail "program left attached after failing without $drop"
	pass "without $drop start-up fails: $(grep -m1 -o 'error: .*' "$E2E_TMP/sensor.log" | cut -c1-110)"
done

# (3) root drops to a user after attaching
SENSOR_WRAP=()
start_sensor "${ARGS[@]}" --user nobody
wait_for sensor_ready || fail "not ready (root, --user nobody)"
st=/proc/$SENSOR_PID/status
uid=$(awk '/^Uid:/ {print $2 $3 $4 $5}' "$st")
[[ $uid == "$(id -u nobody)$(id -u nobody)$(id -u nobody)$(id -u nobody)" ]] || fail "uids $uid"
capeff=$(awk '/^CapEff:/ {print $2}' "$st")
capbnd=$(awk '/^CapBnd:/ {print $2}' "$st")
# CAP_NET_ADMIN (12) and CAP_BPF (39): 1<<12 | 1<<39
[[ $((16#$capeff)) -eq $(((1 << 12) | (1 << 39))) ]] || fail "CapEff $capeff"
[[ $((16#$capbnd)) -eq $(((1 << 12) | (1 << 39))) ]] || fail "CapBnd $capbnd"
grep -q "running as nobody with cap_net_admin,cap_bpf" "$E2E_TMP/sensor.log" || fail "drop not logged"
tcp_exchange DROPPED || fail "traffic after the drop"
stop_sensor TERM
[[ $SENSOR_RC -eq 0 ]] || fail "exit $SENSOR_RC after SIGTERM"
[[ -z $(xdp_prog_id "$NS_S" es0) ]] || fail "not detached after the drop"
pass "root dropped to nobody (CapEff=CapBnd=cap_net_admin,cap_bpf) and still detached on SIGTERM"

# (4) the default user: dropped to when it exists, else a warning and root
# (quick start before installation); a user named explicitly must exist.
start_sensor "${ARGS[@]}"
wait_for sensor_ready || fail "not ready with the default user"
if id edisensor >/dev/null 2>&1; then
	grep -q "running as edisensor" "$E2E_TMP/sensor.log" || fail "did not drop to edisensor"
else
	grep -q "user edisensor does not exist.*staying root" "$E2E_TMP/sensor.log" ||
		fail "no warning about the missing default user"
fi
stop_sensor TERM
[[ $SENSOR_RC -eq 0 ]] || fail "exit $SENSOR_RC (default user)"
start_sensor "${ARGS[@]}" --user no-such-user-e2e
wait_for sensor_exited || fail "runs with a user that does not exist"
wait "$SENSOR_PID"; rc=$?; SENSOR_PID=
[[ $rc -ne 0 ]] || fail "exit 0 with a missing explicit user"
grep -q "user 'no-such-user-e2e' does not exist" "$E2E_TMP/sensor.log" || fail "no message"
[[ -z $(xdp_prog_id "$NS_S" es0) ]] || fail "program left after the refused drop"
pass "default user: $(id edisensor >/dev/null 2>&1 && echo dropped to edisensor || echo absent, warned and stayed root); a missing explicit user stops start-up and detaches"
