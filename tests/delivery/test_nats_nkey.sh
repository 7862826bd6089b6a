#!/usr/bin/env bash
# The NATS output authenticating with an NKey (nkey=PUBLIC&nkey_seed=FILE)
# against a server that only admits that key: with the key every record is
# acknowledged, without it none is (they stay spooled).
set -u
. "$ROOT/tests/lib/nats.sh"
nats_require
command -v openssl >/dev/null || { echo "SKIPPED: openssl missing (tools/install-deps.sh)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 missing (tools/install-deps.sh)"; exit 77; }

# An Ed25519 key pair from openssl, written in the NKey encoding (base32 of
# prefix byte(s) + key + CRC-16/XMODEM, little endian): user seed "SU...",
# public key "U...".
openssl genpkey -algorithm ed25519 -out "$NATS_TMP/ed.pem" 2>/dev/null || { echo "openssl ed25519 failed"; exit 1; }
openssl pkey -in "$NATS_TMP/ed.pem" -text -noout >"$NATS_TMP/ed.txt" 2>/dev/null || exit 1
read -r public seed < <(python3 - "$NATS_TMP/ed.txt" <<'PY'
import base64, re, sys
text = open(sys.argv[1]).read()
def field(name):
    block = re.search(name + r":\s*\n((?:\s+[0-9a-f:]+\n)+)", text).group(1)
    return bytes.fromhex(re.sub(r"[^0-9a-f]", "", block))
def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc
def encode(raw):
    raw += crc16(raw).to_bytes(2, "little")
    return base64.b32encode(raw).decode().rstrip("=")
priv, pub = field("priv"), field("pub")
USER, SEED = 20 << 3, 18 << 3
print(encode(bytes([USER]) + pub),
      encode(bytes([SEED | (USER >> 5), (USER & 31) << 3]) + priv))
PY
)
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
with=$(acked "nats://127.0.0.1:$port?nkey=$public&nkey_seed=$NATS_TMP/user.nk" a 20000)
without=$(acked "nats://127.0.0.1:$port" b 1000)
echo "acknowledged: with the nkey $with, without $without"
[[ $with == 50 && $without == 0 ]] || { tail -5 "$NATS_TMP/s1.log"; exit 1; }
echo "PASS: NKey authentication"
