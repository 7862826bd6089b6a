#!/usr/bin/env python3
"""Checks an edi-pcapgen capture against its manifest, using tshark's own
TCP reassembly (follow,tcp,raw). Used by tests/pcapgen/test_*.sh.

  pcapgen_check.py follow PCAP MANIFEST   each direction's reassembled payload
                                          equals the manifest's bytes + FNV-1a
  pcapgen_check.py offsets PCAP MANIFEST  every message's streamOffset points at
                                          UNH / ST, every interchange's at
                                          UNA / UNB / ISA
Exit 0 when all hold, 1 with a reason otherwise."""
import json
import re
import subprocess
import sys

FNV_INIT = 0xcbf29ce484222325
FNV_PRIME = 0x100000001b3


def fnv1a64(data):
    h = FNV_INIT
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def norm_ip(s):
    return s.strip("[]")


def streams(pcap):
    """{(src, sport, dst, dport): bytes} for every TCP direction tshark sees."""
    ids = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "tcp.stream"],
                         capture_output=True, text=True, check=True).stdout.split()
    n = len(set(i for i in ids if i))
    out = {}
    batch = 50
    for first in range(0, n, batch):
        args = ["tshark", "-r", pcap, "-q"]
        for i in range(first, min(n, first + batch)):
            args += ["-z", "follow,tcp,raw,%d" % i]
        text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        for block in text.split("Follow: tcp,raw")[1:]:
            nodes = re.findall(r"^Node [01]: (.*):(\d+)$", block, re.M)
            if len(nodes) != 2:
                continue
            (a, ap), (b, bp) = nodes
            fwd, rev = bytearray(), bytearray()
            for line in block.splitlines():
                if not line.strip() or line.startswith(("Filter", "Node", "====")):
                    continue
                if line.startswith("\t"):
                    rev += bytes.fromhex(line.strip())
                else:
                    fwd += bytes.fromhex(line.strip())
            out[(norm_ip(a), int(ap), norm_ip(b), int(bp))] = bytes(fwd)
            out[(norm_ip(b), int(bp), norm_ip(a), int(ap))] = bytes(rev)
    return out


def key(flow):
    return (flow["srcIp"], flow["srcPort"], flow["dstIp"], flow["dstPort"])


def load(manifest):
    with open(manifest, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def check_follow(pcap, manifest):
    got = streams(pcap)
    conns = [o for o in load(manifest) if o["kind"] == "connection"]
    bad = 0
    for c in conns:
        k = key(c["flow"])
        data = got.get(k)
        if data is None:
            print("no tshark stream for", k)
            bad += 1
            continue
        h = "%016x" % fnv1a64(data)
        if len(data) != c["bytes"] or h != c["fnv1a64"]:
            print("mismatch", k, "tshark", len(data), h, "manifest", c["bytes"], c["fnv1a64"])
            bad += 1
    if len(got) != len(conns):
        print("tshark directions", len(got), "manifest connections", len(conns))
        bad += 1
    print("follow: %d directions compared, %d bad" % (len(conns), bad))
    return bad == 0 and len(conns) > 0


def check_offsets(pcap, manifest):
    got = streams(pcap)
    objs = load(manifest)
    bad = checked = 0
    for o in objs:
        if o["kind"] not in ("message", "interchange"):
            continue
        data = got.get(key(o["flow"]), b"")
        at = data[o["streamOffset"]:o["streamOffset"] + 3]
        if o["kind"] == "message":
            ok = at == b"UNH" if o["syntax"] == "SYNTAX_EDIFACT" else at[:2] == b"ST"
        else:
            ok = at in (b"UNA", b"UNB", b"ISA")
        checked += 1
        if not ok:
            print("bad offset", o["kind"], key(o["flow"]), o["streamOffset"], at)
            bad += 1
    print("offsets: %d checked, %d bad" % (checked, bad))
    return bad == 0 and checked > 0


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("follow", "offsets"):
        print(__doc__)
        return 2
    fn = check_follow if sys.argv[1] == "follow" else check_offsets
    return 0 if fn(sys.argv[2], sys.argv[3]) else 1


if __name__ == "__main__":
    sys.exit(main())
