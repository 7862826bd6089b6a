#!/usr/bin/env bash
# The NATS output over TLS (tls:// or tls=1, tls_ca=): with the test CA every
# record is acknowledged; without TLS, or without trusting the CA, nothing
# is (the records stay spooled, nothing is lost).
set -u
. "$ROOT/tests/lib/nats.sh"
nats_require
command -v openssl >/dev/null || { echo "SKIPPED: openssl missing (tools/install-deps.sh)"; exit 77; }
( cd "$NATS_TMP" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 \
	-subj "/CN=edisensor test CA" >/dev/null 2>&1 &&
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
	-subj "/CN=127.0.0.1" >/dev/null 2>&1 &&
printf 'subjectAltName=IP:127.0.0.1\n' >san.ext &&
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
	-days 1 -extfile san.ext >/dev/null 2>&1 ) || { echo "certificate generation failed"; exit 1; }
port=$(nats_free_port)
nats_start s1 "$port" --tls --tlscert "$NATS_TMP/server.pem" --tlskey "$NATS_TMP/server.key" || exit 1

acked() { # SPEC STATE -> acknowledged count of 50 records
	"$BUILD/edisensor-emit" -o "$1" --state-dir "$NATS_TMP/$2" -n 50 --flush-timeout-ms "$3" \
		--stats 2>/dev/null | grep -o '^stats: .* acked=[0-9]*' | grep -o '[0-9]*$'
}
ok=$(acked "tls://127.0.0.1:$port?tls_ca=$NATS_TMP/ca.pem" a 60000)
also=$(acked "nats://127.0.0.1:$port?tls=1&tls_ca=$NATS_TMP/ca.pem" b 60000)
plain=$(acked "nats://127.0.0.1:$port" c 1000)
untrusted=$(acked "tls://127.0.0.1:$port" d 1000)
echo "acknowledged: tls:// $ok, tls=1 $also, plain $plain, untrusted CA $untrusted"
[[ $ok == 50 && $also == 50 && $plain == 0 && $untrusted == 0 ]] || exit 1
echo "PASS: TLS output"
