#!/usr/bin/env python3
"""Checks an edi-pcapgen capture against its manifest, using tshark's own
TCP reassembly (follow,tcp,raw). Used by tests/pcapgen/test_*.sh.

  pcapgen_check.py follow PCAP MANIFEST   each direction's reassembled payload
                                          equals the manifest's bytes + FNV-1a
  pcapgen_check.py offsets PCAP MANIFEST  every message's streamOffset points at
                                          UNH / ST, every interchange's at
                                          UNA / UNB / ISA (UNH when bare)
  pcapgen_check.py values PCAP MANIFEST   every name, goods text, reference and
                                          container of every message is on the
                                          wire as its interchange encodes it
                                          (charset, release characters); check
                                          digits (ISO 6346, IMO) are as claimed
  pcapgen_check.py truncated PCAP MANIFEST  a truncated message has no trailer
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
            ok = at in (b"UNA", b"UNB", b"ISA") or (o.get("bare") and at == b"UNH")
        checked += 1
        if not ok:
            print("bad offset", o["kind"], key(o["flow"]), o["streamOffset"], at)
            bad += 1
    print("offsets: %d checked, %d bad" % (checked, bad))
    return bad == 0 and checked > 0


def iso6346_check(num):
    vals, v = {}, 10
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if v % 11 == 0:
            v += 1
        vals[ch] = v
        v += 1
    total = sum((vals[c] if c.isalpha() else int(c)) * (1 << i) for i, c in enumerate(num[:10]))
    return total % 11 % 10


def imo_valid(imo):
    return len(imo) == 7 and imo.isdigit() and \
        sum(int(imo[i]) * (7 - i) for i in range(6)) % 10 == int(imo[6])


def slices(got, objs):
    """(message, its interchange, its bytes up to the next message or
    interchange start in the same direction)."""
    by_flow = {}
    for o in objs:
        if o["kind"] in ("message", "interchange"):
            by_flow.setdefault(key(o["flow"]), []).append(o)
    for k, lst in by_flow.items():
        lst.sort(key=lambda o: (o["streamOffset"], o["kind"] != "interchange"))
        data = got.get(k, b"")
        ich = None
        for i, o in enumerate(lst):
            if o["kind"] == "interchange":
                ich = o
                continue
            end = lst[i + 1]["streamOffset"] if i + 1 < len(lst) else len(data)
            yield o, ich, data[o["streamOffset"]:end]


def wire_form(value, ich):
    seps = ich["separators"]
    syntax_id = ich["envelope"].get("syntaxId", "")
    if ich["syntax"] == "SYNTAX_X12":
        return value.encode("ascii")
    special = {seps["component"], seps["element"], seps["release"], seps["terminator"]}
    if seps["repetition"] != " ":
        special.add(seps["repetition"])
    out = "".join(seps["release"] + ch if ch in special else ch for ch in value)
    return out.encode("utf-8" if syntax_id == "UNOY" else "latin-1")


def segments(data, ich):
    """Split data into segment tags, honouring the release character and
    skipping CR/LF after terminators; stops after UNT/SE."""
    seps = ich["separators"]
    term = seps["terminator"].encode("latin-1")[0]
    rel = seps.get("release")
    rel = rel.encode("latin-1")[0] if rel else None
    tags, cur, i = [], bytearray(), 0
    while i < len(data):
        b = data[i]
        if rel is not None and b == rel and i + 1 < len(data):
            cur += data[i:i + 2]
            i += 2
            continue
        if b == term:
            seg = bytes(cur).lstrip(b"\r\n")
            el = seps["element"].encode("latin-1")
            tag = seg.split(el, 1)[0]
            tags.append((tag, seg))
            cur = bytearray()
            if tag in (b"UNT", b"SE"):
                break
        else:
            cur.append(b)
        i += 1
    return tags


def check_values(pcap, manifest):
    got = streams(pcap)
    bad = checked = latin = 0
    for m, ich, data in slices(got, load(manifest)):
        if ich is None:
            continue
        vals = [p.get("name", "") for p in m["parties"]] + [p.get("id", "") for p in m["parties"]]
        vals += [g.get("description", "") for g in m["goods"]] + [g.get("hsCode", "") for g in m["goods"]]
        vals += [r["value"] for r in m["references"]] + [t["vesselName"] for t in m["transport"]]
        for v in vals:
            if not v:
                continue
            w = wire_form(v, ich)
            latin += any(b >= 0x80 for b in w)
            checked += 1
            if w not in data:
                print("value not on the wire:", m["envelope"].get("messageType"), repr(v), w)
                bad += 1
        if "truncated" not in m["pathologies"]:
            segs = segments(data, ich)
            checked += 1
            el = ich["separators"]["element"].encode("latin-1")
            trailer = segs[-1][1].split(el) if segs else []
            if len(segs) != m["segmentCount"] or len(trailer) < 2 or \
                    int(trailer[1]) != m["segmentCount"]:
                print("segment count:", m["envelope"].get("messageType"), len(segs),
                      m["segmentCount"], trailer[:2])
                bad += 1
        for e in m["equipment"]:
            checked += 1
            valid = iso6346_check(e["number"]) == int(e["number"][10])
            if valid != e["checkDigitValid"]:
                print("check digit claim wrong:", e)
                bad += 1
            if e["number"][:4] not in data.decode("latin-1"):
                print("container not on the wire:", e["number"])
                bad += 1
        for t in m["transport"]:
            checked += 1
            if not imo_valid(t["imo"]):
                print("bad IMO:", t["imo"])
                bad += 1
        for g in m["goods"]:
            if g.get("hsCode") and len(g["hsCode"]) not in (4, 6, 8, 10):
                print("bad HS code length:", g["hsCode"])
                bad += 1
    print("values: %d checked, %d bad, %d with non-ASCII bytes" % (checked, bad, latin))
    return bad == 0 and checked > 0


def check_truncated(pcap, manifest):
    got = streams(pcap)
    objs = load(manifest)
    bad = n = 0
    for m, ich, data in slices(got, objs):
        if "truncated" not in m["pathologies"]:
            continue
        n += 1
        seps = ich["separators"]
        trailer = (b"UNT" if m["syntax"] == "SYNTAX_EDIFACT" else b"SE") + seps["element"].encode("latin-1")
        term = seps["terminator"].encode("latin-1")
        body = data.replace(b"\r", b"").replace(b"\n", b"") if term not in (b"\r", b"\n") else data
        if term + trailer in body:
            print("truncated message has a trailer:", m["envelope"].get("messageRef"))
            bad += 1
    print("truncated: %d checked, %d bad" % (n, bad))
    return bad == 0 and n > 0


def main():
    modes = {"follow": check_follow, "offsets": check_offsets, "values": check_values,
             "truncated": check_truncated}
    if len(sys.argv) != 4 or sys.argv[1] not in modes:
        print(__doc__)
        return 2
    return 0 if modes[sys.argv[1]](sys.argv[2], sys.argv[3]) else 1


if __name__ == "__main__":
    sys.exit(main())
