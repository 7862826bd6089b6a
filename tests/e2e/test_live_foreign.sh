#!/usr/bin/env bash
# A foreign XDP program already on the interface (loaded with ip link, not
# through libxdp): edisensord must refuse to start, name the program in its
# message, and leave it attached and working. Also with a second interface
# listed first: what it attached there is removed again on the way out.
set -u
. "$(dirname "$0")/lib.sh"
e2e_require python3
[[ -f $BUILD/bpf/foreign_pass.bpf.o ]] || skip "$BUILD/bpf/foreign_pass.bpf.o not built"
e2e_setup || fail "namespace setup"
in_s ip link add es9 type veth peer name es9p || fail "second veth"
in_s ip link set es9 up
in_s ip link set es9p up

in_s ip link set dev es0 xdpdrv obj "$BUILD/bpf/foreign_pass.bpf.o" sec xdp ||
	fail "loading the foreign program"
before=$(xdp_prog_id "$NS_S" es0)
[[ -n $before ]] || fail "foreign program not attached"

start_sensor -i es9 -i es0 --port 9000 --user root --metrics-addr off --output "json:$E2E_TMP/out.jsonl"
wait_for sensor_exited || fail "edisensord kept running next to a foreign program"
wait "$SENSOR_PID"
rc=$?
SENSOR_PID=
[[ $rc -ne 0 ]] || fail "edisensord exited 0"
grep -q "es0 already has an XDP program edisensor did not load: 'foreign_pass' (id $before" \
	"$E2E_TMP/sensor.log" || fail "message does not name the foreign program"
grep -q "it stays attached" "$E2E_TMP/sensor.log" || fail "message does not say it stays"
pass "start-up refused (exit $rc): $(grep -o "interface es0 already.*mode)" "$E2E_TMP/sensor.log")"

[[ $(xdp_prog_id "$NS_S" es0) == "$before" ]] || fail "the foreign program was replaced or removed"
[[ -z $(xdp_prog_id "$NS_S" es9) ]] || fail "edisensor's program left on es9 after failing"
tcp_exchange FOREIGN || fail "traffic does not flow through the foreign program"
pass "foreign program id $before still attached and passing traffic; es9 cleaned up"
