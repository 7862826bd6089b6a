# Shared helpers for tests that need a real nats-server (Debian's). Source
# it from a test: every server started here listens on 127.0.0.1 on random
# free ports, stores JetStream data under a temp folder, and is killed when
# the test exits (nats_cleanup runs from the EXIT trap this file installs).
#
#   nats_require                 skip (exit 77) loudly when nats-server or
#                                the helper programs are missing
#   nats_require_keys            also skip loudly when tests/lib/nats_jwt.py
#                                (NKeys, JWTs, .creds) cannot run
#   nats_start NAME [PORT [ARGS...]]  one JetStream server (on PORT, else a
#                                free random one, another one if that is
#                                taken when the server binds; ARGS go to
#                                nats-server)
#   nats_cluster_start N         a 3-node (N) JetStream cluster named n1..nN;
#                                sets NATS_CLUSTER_URLS (host:port,...)
#   nats_stop NAME / nats_kill NAME / nats_restart NAME
#   nats_url NAME                nats://127.0.0.1:PORT of that server
#   nats_dump [URL] [STREAM]     the stream's messages (nats-stream-dump)
#   wait_for CMD...              retry CMD for up to WAIT_S seconds (60: only
#                                a safety net, it returns as soon as CMD does)

. "$(dirname "${BASH_SOURCE[0]}")/wait.sh"
NATS_SERVER=${NATS_SERVER:-$(command -v nats-server || echo /usr/bin/nats-server)}
NATS_TMP=$(mktemp -d /tmp/edisensor-nats.XXXXXX)
declare -A NATS_PID NATS_PORT NATS_ARGS

nats_cleanup() {
	local name pid
	for name in "${!NATS_PID[@]}"; do
		pid=${NATS_PID[$name]}
		[[ -n $pid ]] && kill -9 "$pid" 2>/dev/null
	done
	for name in "${!NATS_PID[@]}"; do
		pid=${NATS_PID[$name]}
		[[ -n $pid ]] && wait "$pid" 2>/dev/null
	done
	[[ -n ${NATS_TMP:-} && -d $NATS_TMP ]] && rm -rf "$NATS_TMP"
}
trap nats_cleanup EXIT
trap 'exit 143' TERM   # killed: still through the EXIT trap (servers, folder)
trap 'exit 130' INT

nats_require() {
	if [[ ! -x $NATS_SERVER ]]; then
		echo "SKIPPED: nats-server not installed (tools/install-deps.sh installs it)"
		exit 77
	fi
	local b
	for b in edisensor-emit nats-stream-dump edisensor-cat; do
		if [[ ! -x $BUILD/$b ]]; then
			echo "SKIPPED: $BUILD/$b not built (run make)"
			exit 77
		fi
	done
	if ! "$BUILD/nats-stream-dump" --help >/dev/null 2>&1; then
		echo "SKIPPED: built without libnats"
		exit 77
	fi
}

nats_require_keys() {
	if ! python3 -c 'import cryptography.hazmat.primitives.asymmetric.ed25519' 2>/dev/null; then
		echo "SKIPPED: python3 with python3-cryptography missing (tools/install-deps.sh)"
		exit 77
	fi
}

# Ports nats_free_port handed out in this test (never twice: a cluster asks
# for six before any server binds one). A file, since callers run it in $().
NATS_PORTS_GIVEN=$NATS_TMP/ports.given
: >"$NATS_PORTS_GIVEN"

# A TCP port no socket uses (random, loopback; checked against ss), below
# the kernel's ephemeral range, where any process's outgoing connection may
# take a port between our choice and the server's bind.
nats_free_port() {
	local port low=32768 high
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	high=$((low - 1))
	((high >= 21000)) || high=50000
	while :; do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % (high - 20000)))
		grep -qx "$port" "$NATS_PORTS_GIVEN" && continue
		if ! ss -Htan "sport = :$port" 2>/dev/null | grep -q .; then
			echo "$port" >>"$NATS_PORTS_GIVEN"
			echo "$port"
			return
		fi
	done
}

nats_url() {
	echo "nats://127.0.0.1:${NATS_PORT[$1]}"
}

# The server NAME says it is ready (a "Server is ready" line more in its
# log than the $2 before this start), or it has exited.
_nats_up_or_gone() {
	local ready
	ready=$(grep -c 'Server is ready' "$NATS_TMP/$1.log" 2>/dev/null)
	((ready > $2)) || ! kill -0 "${NATS_PID[$1]}" 2>/dev/null
}

# Starts (or restarts, with the same arguments) server NAME and waits until
# it is ready: its own log says so, not a connection to the port, which
# another process may hold. Returns 2 when the server could not bind a port
# (another process took it), 1 on any other failure.
_nats_launch() {
	local name=$1 before lines
	before=$(grep -c 'Server is ready' "$NATS_TMP/$name.log" 2>/dev/null)
	lines=$(cat "$NATS_TMP/$name.log" 2>/dev/null | wc -l)
	# shellcheck disable=SC2086
	"$NATS_SERVER" ${NATS_ARGS[$name]} >>"$NATS_TMP/$name.log" 2>&1 &
	NATS_PID[$name]=$!
	wait_for _nats_up_or_gone "$name" "${before:-0}"
	if kill -0 "${NATS_PID[$name]}" 2>/dev/null &&
		(($(grep -c 'Server is ready' "$NATS_TMP/$name.log") > ${before:-0})); then
		return 0
	fi
	kill -9 "${NATS_PID[$name]}" 2>/dev/null
	wait "${NATS_PID[$name]}" 2>/dev/null
	NATS_PID[$name]=""
	if tail -n +$((lines + 1)) "$NATS_TMP/$name.log" | grep -q 'address already in use'; then
		echo "nats-server $name: a port was taken by another process: $(grep 'address already in use' "$NATS_TMP/$name.log" | tail -1)" >&2
		return 2
	fi
	echo "nats-server $name did not start; log:" >&2
	tail -20 "$NATS_TMP/$name.log" >&2
	return 1
}

# NATS_START_TRIES: how many fresh ports a start tries when another
# process takes the chosen one first.
nats_start() {
	local name=$1 try rc
	mkdir -p "$NATS_TMP/$name"
	for ((try = 1; try <= ${NATS_START_TRIES:-5}; try++)); do
		NATS_PORT[$name]=${2:-$(nats_free_port)}
		NATS_ARGS[$name]="-a 127.0.0.1 -p ${NATS_PORT[$name]} -n $name -js -sd $NATS_TMP/$name ${*:3}"
		_nats_launch "$name"
		rc=$?
		# a port the caller chose is its to retry (it may be in URLs already)
		((rc == 2)) && [[ -z ${2:-} ]] || return $rc
	done
	return 1
}

nats_cluster_start() {
	local n=${1:-3} i try rc
	for ((try = 1; try <= ${NATS_START_TRIES:-5}; try++)); do
		_nats_cluster_launch "$n"
		rc=$?
		((rc == 2)) || return $rc
		for ((i = 1; i <= n; i++)); do   # a port was taken: all anew
			[[ -n ${NATS_PID[n$i]:-} ]] && nats_kill "n$i"
			rm -rf "${NATS_TMP:?}/n$i"   # its store knows the old peers
		done
	done
	return 1
}

_nats_cluster_launch() {
	local n=$1 i routes="" cports=()
	for ((i = 1; i <= n; i++)); do
		NATS_PORT[n$i]=$(nats_free_port)
		cports[i]=$(nats_free_port)
		routes+="${routes:+,}nats://127.0.0.1:${cports[i]}"
	done
	NATS_CLUSTER_URLS=""
	for ((i = 1; i <= n; i++)); do
		mkdir -p "$NATS_TMP/n$i"
		NATS_ARGS[n$i]="-a 127.0.0.1 -p ${NATS_PORT[n$i]} -n n$i -js -sd $NATS_TMP/n$i --cluster_name edisensor-test --cluster nats://127.0.0.1:${cports[i]} --routes $routes"
		NATS_CLUSTER_URLS+="${NATS_CLUSTER_URLS:+,}127.0.0.1:${NATS_PORT[n$i]}"
	done
	for ((i = 1; i <= n; i++)); do
		_nats_launch "n$i" || return $?
	done
}

nats_stop() {
	local pid=${NATS_PID[$1]}
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	NATS_PID[$1]=""
}

nats_kill() {
	local pid=${NATS_PID[$1]}
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	NATS_PID[$1]=""
}

nats_restart() {
	_nats_launch "$1"
}

nats_dump() {
	"$BUILD/nats-stream-dump" --stream "${2:-EDISENSOR}" "$1"
}

# Checks a dump (file $1) holds exactly the markers run-START..run-END-1 of
# run $2 once each, and no Nats-Msg-Id twice. Prints what is wrong.
check_exactly_once() {
	local dump=$1 run=$2 start=$3 end=$4 want got dups missing
	want=$((end - start))
	got=$(grep -c " {.*\"controlRef\":\"$run-" "$dump")
	dups=$(awk '{print $1}' "$dump" | sort | uniq -d | wc -l)
	missing=$(comm -23 <(seq "$start" $((end - 1)) | sed "s/^/$run-/" | sort) \
		<(grep -o "\"controlRef\":\"$run-[0-9]*\"" "$dump" | cut -d'"' -f4 | sort -u) | wc -l)
	local content_dups
	content_dups=$(grep -o "\"controlRef\":\"$run-[0-9]*\"" "$dump" | sort | uniq -d | wc -l)
	echo "records of $run: want $want, got $got; missing $missing; duplicate ids $dups; duplicate contents $content_dups"
	[[ $got -eq $want && $missing -eq 0 && $dups -eq 0 && $content_dups -eq 0 ]]
}
