#!/usr/bin/env bash
# libxdp's multi-program dispatcher, where this kernel allows it: a program
# loaded with xdp-loader (through the dispatcher) and edisensord share the
# interface; on SIGTERM only edisensor's program leaves. The dispatcher
# needs the kernel to accept freplace (BPF_PROG_TYPE_EXT) programs: the
# probe is xdp-loader itself, and the test says SKIPPED with its reason
# where libxdp falls back to a single program (as on the development
# machine, which refuses freplace with EPERM). The single-program path is
# tested by test_live_foreign.sh.
set -u
. "$(dirname "$0")/lib.sh"
e2e_require xdp-loader python3
[[ -f $BUILD/bpf/foreign_pass.bpf.o ]] || skip "$BUILD/bpf/foreign_pass.bpf.o not built"
e2e_setup || fail "namespace setup"
# One bpffs both libxdp users see (each `ip netns exec` has its own /sys).
mkdir "$E2E_TMP/bpffs"
mount -t bpf bpf "$E2E_TMP/bpffs" || skip "cannot mount bpffs"
export LIBXDP_BPFFS=$E2E_TMP/bpffs
trap 'umount "$E2E_TMP/bpffs" 2>/dev/null; e2e_cleanup' EXIT

in_s xdp-loader load -v -m native es0 "$BUILD/bpf/foreign_pass.bpf.o" >"$E2E_TMP/probe.log" 2>&1 ||
	fail "xdp-loader load: $(tail -3 "$E2E_TMP/probe.log")"
in_s xdp-loader status es0 >"$E2E_TMP/status.log" 2>&1
if ! grep -q xdp_dispatcher "$E2E_TMP/status.log"; then
	reason=$(grep -m1 -i "dispatcher.*failed\|falling back" "$E2E_TMP/probe.log")
	skip "libxdp's dispatcher is unavailable on this kernel (${reason:-single program attached}); the single-program path is covered by test_live_foreign.sh"
fi
foreign=$(xdp_prog_id "$NS_S" es0)
start_sensor -i es0 --port 9000 --user root --metrics-addr off --output "json:$E2E_TMP/out.jsonl"
wait_for sensor_ready || fail "edisensord did not join the dispatcher"
grep -q "es0: attached in native mode, through libxdp's dispatcher" "$E2E_TMP/sensor.log" ||
	fail "not attached through the dispatcher"
in_s xdp-loader status es0 >"$E2E_TMP/status.log" 2>&1
grep -q foreign_pass "$E2E_TMP/status.log" && grep -q edisensor_xdp "$E2E_TMP/status.log" ||
	fail "both programs not on the dispatcher: $(cat "$E2E_TMP/status.log")"
tcp_exchange SHARED || fail "traffic through the dispatcher"
stop_sensor TERM
[[ $SENSOR_RC -eq 0 ]] || fail "exit $SENSOR_RC"
in_s xdp-loader status es0 >"$E2E_TMP/status.log" 2>&1
grep -q foreign_pass "$E2E_TMP/status.log" || fail "the other program left with edisensor's"
grep -q edisensor_xdp "$E2E_TMP/status.log" && fail "edisensor's program still on the dispatcher"
pass "dispatcher: shared es0 with a foreign program (dispatcher id $foreign); SIGTERM removed only edisensor's"
