#!/usr/bin/env bash
# The NATS output logging in with a .creds file (user JWT + NKey seed) to a
# server in operator mode (decentralized auth, memory resolver, JetStream
# enabled for the account). Operator, accounts and users are generated here
# by tests/lib/nats_jwt.py (no nsc). With the right creds every record
# arrives in the stream; with a user of an account the server does not
# trust the server refuses the login, nothing is acknowledged, everything
# stays spooled, and a later run with the right creds delivers it all.
# A refused login makes libnats close the connection for good: the sink
# must build a new one itself (with back-off), so once the server trusts
# the account the same running sender delivers the spool, counting the
# rebuilds and the failed connections.
set -u
. "$ROOT/tests/lib/nats.sh"
nats_require
nats_require_keys

keys=$NATS_TMP/keys
mkdir -p "$keys"
python3 "$ROOT/tests/lib/nats_jwt.py" "$keys" --js || { echo "JWT generation failed"; exit 1; }
account=$(cat "$keys/account.pub") system=$(cat "$keys/system.pub")
write_conf() { # [trust]: with the account of user.creds preloaded
	{
		echo "operator: $keys/op.jwt"
		echo "system_account: $system"
		echo "resolver: MEMORY"
		echo "resolver_preload: {"
		[[ ${1:-} == trust ]] && echo "  $account: $(cat "$keys/account.jwt")"
		echo "  $system: $(cat "$keys/system.jwt")"
		echo "}"
	} >"$NATS_TMP/operator.conf"
}
write_conf trust
port=$(nats_free_port)
nats_start s1 "$port" -c "$NATS_TMP/operator.conf" || exit 1
url=$(nats_url s1)

emit() { # CREDS STATE COUNT FLUSH_MS -> stats line; stderr to $NATS_TMP/STATE.err
	# STATE is the sensor id and run marker too: distinct message ids per run.
	"$BUILD/edisensor-emit" -o "$url?creds=$keys/$1" --state-dir "$NATS_TMP/$2" -n "$3" \
		--sensor "$2" --run "$2" \
		--flush-timeout-ms "$4" --stats 2>"$NATS_TMP/$2.err" | grep '^stats: '
}
field() { # NAME STATS_LINE
	grep -o " $1=[0-9]*" <<<"$2" | cut -d= -f2
}
stream_count() { # and the records in $NATS_TMP/dump
	"$BUILD/nats-stream-dump" --creds "$keys/user.creds" "$url" 2>&1 >"$NATS_TMP/dump" |
		grep -o '^messages [0-9]*' | cut -d' ' -f2
}
fail() { echo "FAIL: $*"; tail -5 "$NATS_TMP/s1.log"; exit 1; }

# The server really enforces the operator's trust chain.
"$BUILD/nats-stream-dump" "$url" >/dev/null 2>"$NATS_TMP/anon.err" &&
	fail "an anonymous client was admitted"
grep -qi "authentication\|authorization" "$NATS_TMP/anon.err" ||
	fail "anonymous refusal not reported: $(cat "$NATS_TMP/anon.err")"

good=$(emit user.creds a 50 60000)
echo "right creds: $good"
[[ $(field acked "$good") == 50 && $(field pending "$good") == 0 ]] || fail "not all acknowledged"
n=$(stream_count)
echo "stream holds $n records"
[[ $n == 50 ]] || fail "stream holds ${n:-nothing}, want 50"

bad=$(emit rogue.creds b 50 2000)
echo "untrusted account's creds: $bad; stderr: $(tr '\n' ' ' <"$NATS_TMP/b.err")"
[[ $(field acked "$bad") == 0 && $(field pending "$bad") == 50 ]] ||
	fail "refused login: want 0 acknowledged and 50 spooled"
[[ -s $NATS_TMP/b.err ]] || fail "the refused login left no error on stderr"
grep -q 'authentication error' "$NATS_TMP/s1.log" || fail "server saw no authentication error"
[[ $(stream_count) == 50 ]] || fail "the refused user got records into the stream"

# Nothing was lost: the right creds deliver the spooled 50.
later=$(emit user.creds b 0 60000)
echo "right creds on the spool: $later"
[[ $(field acked "$later") == 50 && $(field pending "$later") == 0 ]] || fail "spooled records not delivered"
n=$(stream_count)
[[ $n == 100 ]] || fail "stream holds ${n:-nothing}, want 100"
check_exactly_once "$NATS_TMP/dump" a 0 50 || fail "records of the first run"
check_exactly_once "$NATS_TMP/dump" b 0 50 || fail "records of the refused run"

# The same creds refused (account unknown), then trusted after a server
# restart, all while one sender runs: the sink rebuilds its connection.
write_conf
nats_stop s1
nats_restart s1 || exit 1
refusals=$(grep -c 'authentication error' "$NATS_TMP/s1.log")
emit user.creds c 50 180000 >"$NATS_TMP/c.stats" &   # refused meanwhile: rebuild back-off up to 60 s
emit_pid=$!
refused_again() { (($(grep -c 'authentication error' "$NATS_TMP/s1.log") > refusals)); }
wait_for refused_again || fail "the server never refused the unknown account"
# libnats closes the connection; the sink builds a new one, is refused
# again and logs the server's words.
refusal_logged() { grep -qi 'authorization' "$NATS_TMP/c.err"; }
wait_for refusal_logged || fail "no rebuilt connection refused with the server's reason"
kill -0 "$emit_pid" 2>/dev/null || fail "the sender ended while refused"
write_conf trust
nats_stop s1
nats_restart s1 || exit 1
wait "$emit_pid"
rebuilt=$(cat "$NATS_TMP/c.stats")
echo "refused, then trusted, one sender: $rebuilt; stderr: $(tr '\n' ' ' <"$NATS_TMP/c.err")"
[[ $(field acked "$rebuilt") == 50 && $(field pending "$rebuilt") == 0 ]] ||
	fail "the running sender did not deliver after the server trusted it"
(($(field rebuilds "$rebuilt") >= 1)) || fail "no connection rebuild counted"
(($(field connect_failures "$rebuilt") >= 1)) || fail "no failed connection counted"
n=$(stream_count)
[[ $n == 150 ]] || fail "stream holds ${n:-nothing}, want 150"
check_exactly_once "$NATS_TMP/dump" c 0 50 || fail "records of the rebuilt connection"
echo "PASS: .creds login (operator mode, JetStream); refused login spools, nothing lost;"
echo "      a closed connection is rebuilt by the running sender"
