#!/usr/bin/env python3
"""Indicator semantics restated over an edi-pcapgen manifest (docs/MANIFEST.md).

An independent, plain statement of what edisensor's matcher does
(userspace/match.h), for tests that compare the sensor's hits with the
traffic generator's ground truth:

  feedsem.py check-example FEED MANIFEST
      every indicator whose meta.source starts with "demo" occurs in the
      manifest's messages, no other (unexpired) one does. Exit 1 otherwise.
  feedsem.py expect FEED MANIFEST EXPECTED_OUT
      the expected hits of any Zeek feed (meta.fields honoured; indicators
      with meta.expires in the past expect none), same format as plant's.
  feedsem.py compare EXPECTED HITS [--skip FIELDKIND@SYNTAX]...
      HITS is edisensord's JSON lines output (Record with a hit). Every
      expected (message, indicator, field kind) of a clean message must be
      there, and no other; messages are identified by flow and streamOffset.
      Compared as sets: the extractor merges repeated identical items (two
      LOC+11 with one code) which the manifest lists twice. --skip leaves a
      field kind of one syntax out of the comparison (a known disagreement
      between generator and extractor), e.g. parties.name@SYNTAX_EDIFACT.
      Prints the differences; exit 1 when there are any.
  feedsem.py plant MANIFEST FEED_OUT EXPECTED_OUT [--per-type N] [--seed S]
      writes a Zeek intel feed with N values of every type taken from clean
      messages of the manifest, plus decoys that occur nowhere, and the
      expected hits as JSON lines: one per (message, indicator, field kind),
      {"flow":..., "streamOffset":..., "indicator":..., "indicatorType":...,
       "fieldKind":..., "clean": bool}. Messages with pathologies (gap...)
      may lack values, so a comparison should only require the clean ones.
"""
import ipaddress
import json
import random
import re
import sys
import time

PUNCT = re.compile(r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]")


def text(s):
    """Names, keywords, vessel names: lower case, punctuation and spaces one space."""
    return " ".join(PUNCT.sub(" ", s.lower()).split())


def exact(s):
    """IDs, references, LOCODEs: upper case, no white space."""
    return re.sub(r"\s", "", s).upper()


def allowed(spec, coll, key):
    if spec in ("-", "", None):
        return True
    for item in spec.split(","):
        m = re.match(r"(\w+)(?:\[([^\]]+)\])?", item.strip())
        if m.group(1) == coll and (m.group(2) is None or m.group(2) == key):
            return True
    return False


def field_hits(ind, typ, spec, m):
    """Field kinds of message m that indicator ind of type typ matches."""
    f = m.get("flow", {})
    out = []
    if typ in ("Intel::ADDR", "Intel::SUBNET"):
        net = ipaddress.ip_network(ind, strict=False)
        for k in ("srcIp", "dstIp"):
            a = f.get(k)
            if a and ipaddress.ip_address(a).version == net.version and ipaddress.ip_address(a) in net:
                out.append("flow." + k)
    elif typ == "EDI::PARTY_ID":
        out += ["parties.id" for p in m.get("parties", [])
                if exact(p.get("id", "")) == exact(ind) and allowed(spec, "parties", p.get("role"))]
        env = m.get("envelope", {})
        out += ["envelope." + k for k in ("senderId", "recipientId") if exact(env.get(k, "")) == exact(ind)]
    elif typ == "EDI::PARTY_NAME":
        out += ["parties.name" for p in m.get("parties", [])
                if text(ind) in text(p.get("name", "")) and allowed(spec, "parties", p.get("role"))]
    elif typ == "EDI::HS_CODE":
        d = re.sub(r"\D", "", ind)
        out += ["goods.hs_code" for g in m.get("goods", []) if re.sub(r"\D", "", g.get("hsCode", "")).startswith(d)]
    elif typ == "EDI::KEYWORD":
        out += ["goods.description" for g in m.get("goods", []) if text(ind) in text(g.get("description", ""))]
    elif typ == "EDI::CONTAINER":
        c = re.sub(r"[ \-./]", "", ind).upper()
        out += ["equipment.number" for e in m.get("equipment", []) if re.sub(r"[ \-./]", "", e.get("number", "")).upper() == c]
    elif typ == "EDI::REFERENCE":
        out += ["references.value" for r in m.get("references", [])
                if exact(r.get("value", "")) == exact(ind) and allowed(spec, "references", r.get("qualifier"))]
    elif typ == "EDI::VESSEL":
        imo = re.sub(r"^\s*IMO:?\s*", "", ind, flags=re.I).replace(" ", "")
        is_imo = re.fullmatch(r"\d{7}", imo) is not None
        for t in m.get("transport", []):
            if is_imo and t.get("imo") == imo:
                out.append("transport.imo")
            if not is_imo and text(t.get("vesselName", "")) == text(ind):
                out.append("transport.vessel_name")
    elif typ == "EDI::LOCODE":
        out += ["locations.locode" for l in m.get("locations", [])
                if exact(l.get("locode", "")) == exact(ind) and allowed(spec, "locations", l.get("qualifier"))]
    else:
        raise SystemExit("unknown type " + typ)
    return out


def read_manifest(path):
    with open(path, encoding="utf-8") as f:
        return [m for m in map(json.loads, f) if m.get("kind") == "message"]


def read_feed(path):
    cols, rows = None, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#fields"):
                cols = line.split("\t")[1:]
            elif line and not line.startswith("#") and cols:
                rows.append(dict(zip(cols, line.split("\t"))))
    return rows


def check_example(feed, manifest):
    msgs, bad = read_manifest(manifest), 0
    for row in read_feed(feed):
        ind, typ = row["indicator"], row["indicator_type"]
        planted = row.get("meta.source", "").startswith("demo")
        expired = row.get("meta.expires", "-") != "-"
        n = sum(1 for m in msgs if field_hits(ind, typ, row.get("meta.fields", "-"), m))
        print(f"{'planted' if planted else 'other':8} {n:4} messages  {typ:16} {ind}")
        if planted and n == 0:
            print(f"FAIL: planted indicator {ind} ({typ}) is not in the generated traffic")
            bad += 1
        if not planted and n and not expired:
            print(f"FAIL: indicator {ind} ({typ}) is not marked demo but occurs in the traffic")
            bad += 1
    return 1 if bad else 0


def candidates(m):
    """(type, value) pairs a message offers for planting."""
    f = m.get("flow", {})
    yield "Intel::ADDR", f.get("srcIp", "")
    for p in m.get("parties", []):
        yield "EDI::PARTY_ID", p.get("id", "")
        yield "EDI::PARTY_NAME", p.get("name", "")
    for g in m.get("goods", []):
        yield "EDI::HS_CODE", g.get("hsCode", "")
        yield "EDI::KEYWORD", g.get("description", "")
    for e in m.get("equipment", []):
        yield "EDI::CONTAINER", e.get("number", "")
    for r in m.get("references", []):
        yield "EDI::REFERENCE", r.get("value", "")
    for t in m.get("transport", []):
        yield "EDI::VESSEL", t.get("imo", "")
    for l in m.get("locations", []):
        yield "EDI::LOCODE", l.get("locode", "")


DECOYS = [
    ("203.0.113.77", "Intel::ADDR"), ("203.0.113.0/28", "Intel::SUBNET"),
    ("2001:db8:dead::/64", "Intel::SUBNET"), ("ZZ000000000000001", "EDI::PARTY_ID"),
    ("Nowhere Imaginary Holdings", "EDI::PARTY_NAME"), ("7113", "EDI::HS_CODE"),
    ("counterfeitium", "EDI::KEYWORD"), ("ZZZU0000001", "EDI::CONTAINER"),
    ("NOSUCHREF0001", "EDI::REFERENCE"), ("IMO 1000007", "EDI::VESSEL"),
    ("Phantom Of The Seas", "EDI::VESSEL"), ("ZZZZZ", "EDI::LOCODE"),
]


def plant(manifest, feed_out, expected_out, per_type, seed):
    msgs = read_manifest(manifest)
    rng = random.Random(seed)
    clean = [m for m in msgs if not m.get("pathologies")]
    rng.shuffle(clean)
    chosen, per = [], {}
    for m in clean:
        for typ, v in candidates(m):
            if not v or per.get(typ, 0) >= per_type or (v, typ) in chosen:
                continue
            if typ in ("EDI::PARTY_NAME", "EDI::KEYWORD") and len(text(v)) < 3:
                continue
            chosen.append((v, typ))
            per[typ] = per.get(typ, 0) + 1
    rows = [(v, t, "planted") for v, t in chosen] + [(v, t, "decoy") for v, t in DECOYS]
    with open(feed_out, "w", encoding="utf-8") as f:
        f.write("#separator \\x09\n#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n")
        for v, t, src in rows:
            f.write(f"{v}\t{t}\t{src}\tfrom {manifest.split('/')[-1]}\n")
    return expect(feed_out, manifest, expected_out)


def expired(row):
    e = row.get("meta.expires", "-")
    if e in ("-", ""):
        return False
    if e.isdigit():
        return int(e) <= time.time()
    return e[:10] <= time.strftime("%Y-%m-%d", time.gmtime())


def expect(feed, manifest, expected_out):
    msgs, rows = read_manifest(manifest), [r for r in read_feed(feed) if not expired(r)]
    with open(expected_out, "w", encoding="utf-8") as f:
        for m in msgs:
            for r in rows:
                for kind in field_hits(r["indicator"], r["indicator_type"], r.get("meta.fields", "-"), m):
                    f.write(json.dumps({"flow": m.get("flow"), "streamOffset": m.get("streamOffset"),
                                        "indicator": r["indicator"], "indicatorType": r["indicator_type"],
                                        "fieldKind": kind, "syntax": m.get("syntax"),
                                        "clean": not m.get("pathologies")}) + "\n")
    return 0


def field_kind(path):
    """parties[CN].name -> parties.name, flow.src_ip -> flow.srcIp."""
    coll, _, member = re.sub(r"\[[^\]]*\]", "", path).partition(".")
    if coll in ("flow", "envelope"):
        member = re.sub(r"_(\w)", lambda m: m.group(1).upper(), member)
    return coll + "." + member


def message_key(flow, offset):
    flow = flow or {}
    return (flow.get("srcIp"), flow.get("srcPort"), flow.get("dstIp"), flow.get("dstPort"), int(offset or 0))


def compare(expected_path, hits_path, skip=()):
    want, got, dirty = set(), set(), set()
    with open(expected_path, encoding="utf-8") as f:
        for e in map(json.loads, f):
            key = message_key(e["flow"], e["streamOffset"])
            if not e["clean"]:
                dirty.add(key)
            elif f'{e["fieldKind"]}@{e.get("syntax")}' not in skip:
                want.add((key, e["indicator"], e["fieldKind"]))
    with open(hits_path, encoding="utf-8") as f:
        for rec in map(json.loads, f):
            hit = rec.get("hit")
            if not hit:
                continue
            m = hit.get("message", {})
            key = message_key(m.get("flow"), m.get("streamOffset"))
            if key not in dirty:
                got.update((key, x["indicator"], field_kind(x["field"])) for x in hit.get("matches", [])
                           if f'{field_kind(x["field"])}@{m.get("syntax")}' not in skip)
    missing, extra = want - got, got - want
    for k in sorted(missing, key=str):
        print(f"MISSING {k}")
    for k in sorted(extra, key=str):
        print(f"EXTRA   {k}")
    print(f"{len(want)} expected matches in clean messages, {len(got)} seen, "
          f"{len(missing)} missing, {len(extra)} extra")
    return 1 if missing or extra else 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "check-example":
        return check_example(argv[1], argv[2])
    if len(argv) >= 4 and argv[0] == "expect":
        return expect(argv[1], argv[2], argv[3])
    if len(argv) >= 3 and argv[0] == "compare":
        skip = [argv[i + 1] for i in range(3, len(argv) - 1) if argv[i] == "--skip"]
        return compare(argv[1], argv[2], skip)
    if len(argv) >= 4 and argv[0] == "plant":
        per_type, seed, rest = 2, 1, argv[4:]
        while rest:
            if rest[0] == "--per-type" and len(rest) > 1:
                per_type = int(rest[1])
            elif rest[0] == "--seed" and len(rest) > 1:
                seed = int(rest[1])
            else:
                break
            rest = rest[2:]
        return plant(argv[1], argv[2], argv[3], per_type, seed)
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
