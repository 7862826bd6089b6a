#!/usr/bin/env python3
"""Decentralized NATS auth material for tests, without the nsc tool.

    nats_jwt.py DIR [--js]
    nats_jwt.py --nkey operator|account|user    prints "PUBLIC SEED"

writes into DIR: op.jwt (operator, self-signed), account.jwt (signed by the
operator; JetStream limits unlimited with --js), account.pub (its public
key), system.jwt / system.pub (the system account, which JetStream needs in
operator mode: "system account not setup" otherwise), user.creds (a user JWT signed by the account + the user's seed), and
rogue.creds (a well-formed user whose account the server does not know).

Formats (nats-io/nkeys, nats-io/jwt v2):
  NKey: base32 (no padding) of prefix + 32 key bytes + CRC-16/XMODEM (LE).
    Public key prefix: one byte, type << 3 (operator 14, account 0, user 20
    -> 'O', 'A', 'U'). Seed prefix: two bytes, (18 << 3 | type >> 5) and
    (type & 31) << 3 -> "SO", "SA", "SU", followed by the ed25519 seed.
  JWT: base64url(header).base64url(claims).base64url(ed25519 signature of
    the first two parts by the issuer), no padding; header
    {"typ":"JWT","alg":"ed25519-nkey"}; jti = base32 (no padding) of
    SHA-512/256 of the claims' standard fields with jti empty.
"""
import base64
import hashlib
import json
import os
import sys
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

TYPE = {"operator": 14, "account": 0, "user": 20}
SEED = 18


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def b32(raw):
    return base64.b32encode(raw).decode().rstrip("=")


def nkey_encode(prefix, key):
    raw = prefix + key
    return b32(raw + crc16(raw).to_bytes(2, "little"))


class NKey:
    def __init__(self, kind):
        t = TYPE[kind] << 3
        self.priv = Ed25519PrivateKey.generate()
        seed = self.priv.private_bytes(serialization.Encoding.Raw,
                                       serialization.PrivateFormat.Raw,
                                       serialization.NoEncryption())
        pub = self.priv.public_key().public_bytes(serialization.Encoding.Raw,
                                                  serialization.PublicFormat.Raw)
        self.public = nkey_encode(bytes([t]), pub)
        self.seed = nkey_encode(bytes([SEED << 3 | t >> 5, (t & 31) << 3]), seed)


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def jwt(issuer, subject, name, nats):
    # Standard fields in the Go struct's order, as jwt v2 hashes them for jti.
    claims = {"iat": int(time.time()), "iss": issuer.public, "name": name,
              "sub": subject.public}
    jti = b32(hashlib.new("sha512_256", compact(claims)).digest())
    claims = {"jti": jti, **claims, "nats": nats}
    head = b64url(compact({"typ": "JWT", "alg": "ed25519-nkey"}))
    body = b64url(compact(claims))
    sig = issuer.priv.sign(f"{head}.{body}".encode())
    return f"{head}.{body}.{b64url(sig)}"


def creds(user_jwt, user):
    return ("-----BEGIN NATS USER JWT-----\n" + user_jwt +
            "\n------END NATS USER JWT------\n\n"
            "-----BEGIN USER NKEY SEED-----\n" + user.seed +
            "\n------END USER NKEY SEED------\n")


def user_jwt(account, user):
    return jwt(account, user, "edisensor-test-user",
               {"pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1,
                "type": "user", "version": 2})


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--nkey" and sys.argv[2] in TYPE:
        key = NKey(sys.argv[2])
        print(key.public, key.seed)
        return
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["--js"]):
        sys.exit("usage: nats_jwt.py DIR [--js] | --nkey TYPE")
    out, js = sys.argv[1], sys.argv[2:] == ["--js"]
    op, acct, user = NKey("operator"), NKey("account"), NKey("user")
    system = NKey("account")
    rogue_acct, rogue = NKey("account"), NKey("user")

    limits = {"subs": -1, "data": -1, "payload": -1, "imports": -1,
              "exports": -1, "wildcards": True, "conn": -1, "leaf": -1}
    if js:  # non-zero storage limits are what enables JetStream for it
        limits.update({"mem_storage": -1, "disk_storage": -1,
                       "streams": -1, "consumer": -1})
    files = {
        "op.jwt": jwt(op, op, "edisensor-test-operator",
                      {"type": "operator", "version": 2}) + "\n",
        "account.jwt": jwt(op, acct, "edisensor-test-account",
                           {"limits": limits,
                            "default_permissions": {"pub": {}, "sub": {}},
                            "type": "account", "version": 2}) + "\n",
        "account.pub": acct.public + "\n",
        "system.jwt": jwt(op, system, "SYS",
                          {"limits": {"subs": -1, "data": -1, "payload": -1,
                                      "imports": -1, "exports": -1, "wildcards": True,
                                      "conn": -1, "leaf": -1},
                           "type": "account", "version": 2}) + "\n",
        "system.pub": system.public + "\n",
        "user.creds": creds(user_jwt(acct, user), user),
        "rogue.creds": creds(user_jwt(rogue_acct, rogue), rogue),
    }
    for name, text in files.items():
        fd = os.open(os.path.join(out, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
