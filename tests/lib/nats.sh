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
#                                free random one; ARGS go to nats-server)
#   nats_cluster_start N         a 3-node (N) JetStream cluster named n1..nN;
#                                sets NATS_CLUSTER_URLS (host:port,...)
#   nats_stop NAME / nats_kill NAME / nats_restart NAME
#   nats_url NAME                nats://127.0.0.1:PORT of that server
#   nats_dump [URL] [STREAM]     the stream's messages (nats-stream-dump)
#   wait_for CMD...              retry CMD for up to WAIT_S seconds (20)

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

# A TCP port nobody listens on (random, loopback; checked against ss).
nats_free_port() {
	local port
	while :; do
		port=$((20000 + RANDOM % 30000))
		if ! ss -Htln "sport = :$port" 2>/dev/null | grep -q .; then
			echo "$port"
			return
		fi
	done
}

port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_for() {
	local deadline=$((SECONDS + ${WAIT_S:-20}))
	until "$@"; do
		((SECONDS >= deadline)) && return 1
		sleep 0.1
	done
}

nats_url() {
	echo "nats://127.0.0.1:${NATS_PORT[$1]}"
}

# Starts (or restarts, with the same arguments) server NAME.
_nats_launch() {
	local name=$1
	# shellcheck disable=SC2086
	"$NATS_SERVER" ${NATS_ARGS[$name]} >>"$NATS_TMP/$name.log" 2>&1 &
	NATS_PID[$name]=$!
	if ! wait_for port_open "${NATS_PORT[$name]}"; then
		echo "nats-server $name did not start; log:" >&2
		tail -20 "$NATS_TMP/$name.log" >&2
		return 1
	fi
}

nats_start() {
	local name=$1
	NATS_PORT[$name]=${2:-$(nats_free_port)}
	mkdir -p "$NATS_TMP/$name"
	NATS_ARGS[$name]="-a 127.0.0.1 -p ${NATS_PORT[$name]} -n $name -js -sd $NATS_TMP/$name ${*:3}"
	_nats_launch "$name"
}

nats_cluster_start() {
	local n=${1:-3} i routes="" cports=()
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
		_nats_launch "n$i" || return 1
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
