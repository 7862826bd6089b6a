#!/usr/bin/env bash
# XDP modes and several interfaces. auto on a veth (native XDP) and a device
# without native XDP (dummy, bridge or ifb): native on one, generic with a warning on the
# other, both on /metrics, both detached on SIGTERM. native forced on
# that device fails and leaves nothing. generic forced on the veth captures.
# tap mode (mirror ports) drops frames after inspection.
set -u
. "$(dirname "$0")/lib.sh"
e2e_require python3
e2e_setup || fail "namespace setup"
# d0: a device without native XDP (dummy, else a bridge or ifb: whatever
# this kernel has).
for kind in dummy bridge ifb; do
	in_s ip link add d0 type $kind 2>/dev/null && break
done
in_s ip link show d0 >/dev/null 2>&1 || skip "no dummy, bridge or ifb devices here"
in_s ip link set d0 up
OUT=(--output "json:$E2E_TMP/out.jsonl" --user root)

start_sensor -i es0 -i d0 --port 9000 "${OUT[@]}"
wait_for sensor_ready || fail "not ready"
grep -q "es0: attached in native mode" "$E2E_TMP/sensor.log" || fail "es0 not native"
grep -q "d0: native XDP not supported by the driver: attached in generic" "$E2E_TMP/sensor.log" ||
	fail "no fallback warning for d0"
grep -q "d0: attached in generic mode" "$E2E_TMP/sensor.log" || fail "d0 not generic"
# veth copies every cloned (TCP) skb for a native XDP program: the operator
# is told, with the alternative; no such note for a device that is no veth
grep -q "es0: veth: native XDP makes the driver copy every TCP frame; hook = tc-ingress" \
	"$E2E_TMP/sensor.log" || fail "no veth note for es0"
! grep -q "d0: veth" "$E2E_TMP/sensor.log" || fail "veth note for d0, which is no veth"
in_s ip -d link show d0 | grep -q xdpgeneric || fail "d0 has no generic XDP program"
[[ $(metric edisensor_interface_attached 'interface="d0",mode="generic",dispatcher="no"') == 1 &&
	$(metric edisensor_interface_attached 'interface="es0",mode="native",dispatcher="no"') == 1 ]] ||
	fail "interfaces on /metrics: $(scrape | grep interface_attached)"
tcp_exchange TWO || fail "traffic"
stop_sensor TERM
[[ $SENSOR_RC -eq 0 && -z $(xdp_prog_id "$NS_S" es0) && -z $(xdp_prog_id "$NS_S" d0) ]] ||
	fail "exit $SENSOR_RC, left: es0 $(xdp_prog_id "$NS_S" es0) d0 $(xdp_prog_id "$NS_S" d0)"
pass "auto: es0 native, d0 generic with a warning; both on /metrics; both detached"

start_sensor -i es0 -i d0 --xdp-mode native --port 9000 "${OUT[@]}"
wait_for sensor_exited || fail "native forced on a dummy device did not fail"
wait "$SENSOR_PID"; rc=$?; SENSOR_PID=
[[ $rc -ne 0 ]] || fail "exit 0"
grep -q "interface d0: attaching in native mode" "$E2E_TMP/sensor.log" || fail "no reason given"
[[ -z $(xdp_prog_id "$NS_S" es0) && -z $(xdp_prog_id "$NS_S" d0) ]] || fail "program left behind"
pass "native forced: refused on d0 ($(grep -o 'interface d0: attaching.*' "$E2E_TMP/sensor.log")), nothing left"

start_sensor -i es0 --xdp-mode generic --port 9000 "${OUT[@]}"
wait_for sensor_ready || fail "generic forced not ready"
in_s ip -d link show es0 | grep -q xdpgeneric || fail "es0 not in generic mode"
tcp_exchange GENERIC || fail "traffic in generic mode"
wait_for metric_ge edisensor_xdp_monitored_total 1 || fail "nothing monitored in generic mode"
stop_sensor TERM
[[ $SENSOR_RC -eq 0 && -z $(xdp_prog_id "$NS_S" es0) ]] || fail "generic: exit $SENSOR_RC or not detached"
pass "generic forced on es0: monitored traffic captured, detached"

start_sensor -i es0 --tap --port 9000 "${OUT[@]}"
wait_for sensor_ready || fail "tap mode not ready"
grep -q "(tap mode)" "$E2E_TMP/sensor.log" || fail "tap mode not logged"
if TCP_EXCHANGE_S=5 tcp_exchange TAP 2>/dev/null; then   # expected to fail: a short wait
	fail "tap mode let traffic through"
fi
wait_for metric_ge edisensor_xdp_monitored_total 1 || fail "tap mode inspected nothing"
stop_sensor TERM
tcp_exchange AFTERTAP || fail "traffic after tap mode stopped"
pass "tap mode: frames inspected, then dropped; traffic back after stop"
