# Shared helpers for the end-to-end tests: two network namespaces joined by
# a veth pair, made by the test and removed on exit.
#
#   sensor namespace $NS_S: interface es0 (10.77.0.1/24), where edisensord
#       attaches; loopback up (metrics on 127.0.0.1 inside it)
#   peer namespace   $NS_P: interface es1 (10.77.0.2/24), where traffic is
#       sent from (tcpreplay, TCP clients)
#
# Only addresses inside these namespaces are used. IPv6 is off on both so
# the kernel sends nothing of its own: the frames the sensor sees are
# exactly the frames a test sends.
#
#   e2e_require                 skip (exit 77) loudly without root, tools or netns
#   e2e_setup                   make the namespaces and the veth pair
#   in_s CMD... / in_p CMD...   run in the sensor / peer namespace
#   start_sensor ARGS...        edisensord in $NS_S (bpffs mounted), under "${SENSOR_WRAP[@]}";
#                               SENSOR_PID, log $E2E_TMP/sensor.log
#   stop_sensor [SIG]           signal it (TERM) and wait; SENSOR_RC
#   metric NAME [LABELS]        one sample from the sensor's /metrics
#   metric_is / metric_ge NAME V [LABELS]  conditions for wait_for
#   wait_for CMD...             retry for up to WAIT_S seconds (60; tests/lib/wait.sh)
#   tcp_exchange TAG [PORT]     one TCP request/answer through the veth (python3 server)
#   gen_capture SEED PACKETS    $E2E_TMP/cap.pcap (edi-pcapgen, EDI on port 9000)

. "$(dirname "${BASH_SOURCE[0]}")/../lib/wait.sh"
E2E_TMP=$(mktemp -d /tmp/edisensor-e2e.XXXXXX)
NS_S=es-s-$$
NS_P=es-p-$$
SENSOR_PID=
SENSOR_WRAP=()      # a command edisensord runs under (setpriv ...)
METRICS_ADDR=127.0.0.1:9477
E2E_PIDS=()

e2e_cleanup() {
	local pid ns
	for pid in $SENSOR_PID "${E2E_PIDS[@]}"; do
		[[ -n $pid ]] && kill -9 "$pid" 2>/dev/null
	done
	# whatever still runs in our namespaces (a server started through a
	# wrapper whose pid we hold, not its own) ends with them
	for ns in "$NS_S" "$NS_P"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_P" 2>/dev/null
	if [[ -n ${E2E_KEEP:-} ]]; then
		echo "kept $E2E_TMP"
	else
		rm -rf "$E2E_TMP"
	fi
}
trap e2e_cleanup EXIT
# killed (a CI timeout): still leave through the EXIT trap, which bash
# skips for a fatal signal
trap 'exit 143' TERM
trap 'exit 130' INT

skip() {
	echo "SKIPPED: $*"
	exit 77
}

e2e_require() {
	[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, XDP)"
	local t
	for t in ip tcpreplay curl "$@"; do
		command -v "$t" >/dev/null || skip "$t not installed (tools/install-deps.sh)"
	done
	[[ -x $BUILD/edisensord ]] || skip "$BUILD/edisensord not built (run make)"
	ip netns add "es-probe-$$" 2>/dev/null || skip "cannot create network namespaces here"
	ip netns del "es-probe-$$"
}

in_s() { ip netns exec "$NS_S" "$@"; }
in_p() { ip netns exec "$NS_P" "$@"; }

# Namespaces of an earlier run that was killed before its EXIT trap (its
# pid is gone, or is ours: names come round again with pids) are removed.
e2e_remove_stale() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		[[ $ns =~ ^es-(s|p|probe)-([0-9]+)$ ]] || continue
		pid=${BASH_REMATCH[2]}
		if [[ $pid == "$$" ]] || ! kill -0 "$pid" 2>/dev/null; then
			ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
			ip netns del "$ns" 2>/dev/null && echo "removed namespace $ns left by an earlier run"
		fi
	done
}

e2e_setup() {
	e2e_remove_stale
	ip netns add "$NS_S" && ip netns add "$NS_P" || return 1
	ip link add es0 netns "$NS_S" type veth peer name es1 netns "$NS_P" || return 1
	local ns
	for ns in "$NS_S" "$NS_P"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		ip netns exec "$ns" ip link set lo up
	done
	in_s ip addr add 10.77.0.1/24 dev es0
	in_p ip addr add 10.77.0.2/24 dev es1
	# Generated captures hold IPv6 frames with a full 1460-byte MSS (1534
	# bytes on the wire): room for them, still one page per frame.
	in_s ip link set es0 mtu 1600 up
	in_p ip link set es1 mtu 1600 up
	return 0
}

# edisensord inside the sensor namespace. `ip netns exec` gives every
# command its own /sys, so bpffs is mounted in the same shell that runs it.
start_sensor() {
	# One log per start (earlier ones kept as sensor.log.N).
	if [[ -f $E2E_TMP/sensor.log ]]; then
		local n=1
		while [[ -f $E2E_TMP/sensor.log.$n ]]; do n=$((n + 1)); done
		mv "$E2E_TMP/sensor.log" "$E2E_TMP/sensor.log.$n"
	fi
	ip netns exec "$NS_S" sh -c 'mount -t bpf bpf /sys/fs/bpf 2>/dev/null; exec "$@"' sh \
		"${SENSOR_WRAP[@]}" "$BUILD/edisensord" "$@" >"$E2E_TMP/sensor.log" 2>&1 &
	SENSOR_PID=$!
}

sensor_ready() {
	grep -q "ready: capturing" "$E2E_TMP/sensor.log" 2>/dev/null
}

sensor_exited() {
	! kill -0 "$SENSOR_PID" 2>/dev/null
}

stop_sensor() {
	kill -"${1:-TERM}" "$SENSOR_PID" 2>/dev/null
	wait "$SENSOR_PID"
	SENSOR_RC=$?
	SENSOR_PID=
}

scrape() {
	in_s curl -sf --max-time 30 "http://$METRICS_ADDR/metrics"   # a deadline only
}

# metric NAME [LABELS]: the value, or empty when absent.
metric() {
	local name=$1 labels=${2:-}
	if [[ -n $labels ]]; then
		scrape | awk -v k="$name{$labels}" '$1 == k {print $2; exit}'
	else
		scrape | awk -v k="$name" '$1 == k {print $2; exit}'
	fi
}

# metric_is NAME VALUE [LABELS] / metric_ge NAME VALUE [LABELS]: for
# wait_for (re-read each try).
metric_is() { [[ $(metric "$1" "${3:-}") == "$2" ]]; }
metric_ge() { local v; v=$(metric "$1" "${3:-}"); [[ -n $v ]] && ((v >= $2)); }

# The XDP program id on an interface in a namespace ("" when none).
xdp_prog_id() {
	ip netns exec "$1" ip -d link show dev "$2" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1
}

# gen_capture SEED PACKETS: $E2E_TMP/cap.pcap from edi-pcapgen, EDI on port
# 9000 (skips when the generator is not built). Call after e2e_setup.
gen_capture() {
	[[ -x $BUILD/edi-pcapgen ]] || skip "$BUILD/edi-pcapgen not built"
	"$BUILD/edi-pcapgen" -o "$E2E_TMP/cap.pcap" -s "$1" -n "$2" --ports 9000 >/dev/null 2>&1 ||
		fail "edi-pcapgen -s $1 -n $2"
}

# tcp_exchange TAG [PORT]: one TCP exchange through the veth pair, the
# client (bash /dev/tcp) in the peer namespace sends an EDIFACT UNB line,
# a one-shot server in the sensor namespace answers "ACK " + it. The client
# gets TCP_EXCHANGE_S seconds (30; a test that expects the exchange to fail
# may shorten it); the server goes when the exchange is over.
tcp_exchange() {
	local tag=$1 port=${2:-9000}
	local ready=$E2E_TMP/server.ready
	rm -f "$ready"
	# not through in_s: $! must be the process (ip execs timeout) to end it
	ip netns exec "$NS_S" timeout 120 python3 -c '
import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.1", int(sys.argv[1]))); s.listen(1); open(sys.argv[2], "w").close()
c,_=s.accept(); d=c.recv(4096); c.sendall(b"ACK "+d); c.close()' "$port" "$ready" &
	local srv=$!
	local got=
	if wait_for test -e "$ready"; then
		got=$(in_p timeout "${TCP_EXCHANGE_S:-30}" bash -c "exec 3<>/dev/tcp/10.77.0.1/$port; printf 'UNB+UNOC:3+$tag+RCV+260101:1200+1'\''\n' >&3; cat <&3")
	fi
	if [[ $got == "ACK UNB+UNOC:3+$tag+"* ]]; then
		wait $srv
		return 0
	fi
	kill "$srv" 2>/dev/null
	wait "$srv" 2>/dev/null
	return 1
}
fail() {
	echo "FAIL: $*"
	echo "--- sensor log"
	tail -40 "$E2E_TMP/sensor.log" 2>/dev/null
	exit 1
}

pass() {
	echo "PASS: $*"
}
