#!/usr/bin/env bash
# The NATS output authenticating with an NKey (nkey=PUBLIC&nkey_seed=FILE)
# against a server that only admits that key: with the key every record is
# acknowledged, without it none is (they stay spooled).
set -u
. "$ROOT/tests/lib/nats.sh"
nats_require
nats_require_keys

# A user NKey (Ed25519): seed "SU...", public key "U...".
read -r public seed < <(python3 "$ROOT/tests/lib/nats_jwt.py" --nkey user)
[[ $public == U* && $seed == SU* ]] || { echo "nkey encoding failed"; exit 1; }
printf '%s\n' "$seed" >"$NATS_TMP/user.nk"
cat >"$NATS_TMP/auth.conf" <<CONF
authorization { users = [ { nkey: "$public" } ] }
CONF
port=$(nats_free_port)
nats_start s1 "$port" -c "$NATS_TMP/auth.conf" || exit 1

acked() { # SPEC STATE FLUSH_MS -> acknowledged count of 50 records
	"$BUILD/edisensor-emit" -o "$1" --state-dir "$NATS_TMP/$2" -n 50 --flush-timeout-ms "$3" \
		--stats 2>/dev/null | grep -o '^stats: .* acked=[0-9]*' | grep -o '[0-9]*$'
}
with=$(acked "nats://127.0.0.1:$port?nkey=$public&nkey_seed=$NATS_TMP/user.nk" a 60000)
without=$(acked "nats://127.0.0.1:$port" b 1000)
echo "acknowledged: with the nkey $with, without $without"
[[ $with == 50 && $without == 0 ]] || { tail -5 "$NATS_TMP/s1.log"; exit 1; }
echo "PASS: NKey authentication"
