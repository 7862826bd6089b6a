#!/usr/bin/env python3
"""Checks the XDP scanner's forwarded service segments against an
edi-pcapgen manifest: `edisensord --replay --debug-events` output (stdin or
a file) versus the manifest's interchange, message and connection lines.

  every interchange: a UNA/UNB/ISA (bare: UNH) event at its streamOffset
      in its flow, with the manifest's terminator; X12: the ISA's
      non-fixed flag exactly when isaFixed is false;
  every message: a UNH/ST event at its streamOffset; unless truncated, the
      next UNT/SE event of that flow declares segmentCount;
  background connections: no event at all (no false interchange).

Exit 0 when everything matches, 1 otherwise (first mismatches printed)."""
import json
import re
import sys

EV = re.compile(r'^event: segment (\S+) > (\S+) dir=\d+ off=(\d+) syntax=(\d+) '
                r'flags=0x([0-9a-f]+) len=(\d+) "(.*)"$')
ISA_NONFIXED = 0x8


def endpoint(s):
    m = re.match(r'^\[(.*)\]:(\d+)$', s) or re.match(r'^(.*):(\d+)$', s)
    return m.group(1), int(m.group(2))


def unescape(s):
    return re.sub(r'\\x([0-9a-f]{2})', lambda m: chr(int(m.group(1), 16)), s)


def flow_key(f):
    return (f["srcIp"], f["srcPort"], f["dstIp"], f["dstPort"])


def main():
    manifest, events_path = sys.argv[1], sys.argv[2]
    by_flow = {}
    for line in open(events_path, encoding="utf-8", errors="replace"):
        m = EV.match(line.rstrip("\n"))
        if not m:
            continue
        (sip, sport), (dip, dport) = endpoint(m.group(1)), endpoint(m.group(2))
        by_flow.setdefault((sip, sport, dip, dport), []).append(
            (int(m.group(3)), int(m.group(5), 16), unescape(m.group(7))))
    for evs in by_flow.values():
        evs.sort(key=lambda e: e[0])
    at = {k: {e[0]: e for e in v} for k, v in by_flow.items()}
    bad, n_ic, n_msg, n_bg = [], 0, 0, 0
    for line in open(manifest, encoding="utf-8"):
        o = json.loads(line)
        if "flow" not in o:
            continue
        k = flow_key(o["flow"])
        if o["kind"] == "connection":
            if o.get("background"):
                n_bg += 1
                if by_flow.get(k):
                    bad.append(f"background {k}: {len(by_flow[k])} events, first {by_flow[k][0][2][:40]!r}")
            continue
        if o["kind"] == "interchange":
            n_ic += 1
            ev = at.get(k, {}).get(o["streamOffset"])
            want = ("UNH",) if o.get("bare") else ("UNA", "UNB", "ISA")
            if not ev or not ev[2].startswith(want):
                bad.append(f"interchange {k} @{o['streamOffset']}: no {'/'.join(want)} event")
                continue
            term = o["separators"]["terminator"]
            if not o.get("bare") and not ev[2].endswith(term):
                bad.append(f"interchange {k} @{o['streamOffset']}: terminator {ev[2][-1:]!r}, want {term!r}")
            if o["syntax"] == "SYNTAX_X12" and "isaFixed" in o and \
                    bool(ev[1] & ISA_NONFIXED) == bool(o["isaFixed"]):
                bad.append(f"interchange {k} @{o['streamOffset']}: ISA non-fixed flag {ev[1]:#x}, isaFixed {o['isaFixed']}")
        elif o["kind"] == "message":
            n_msg += 1
            off = o["streamOffset"]
            ev = at.get(k, {}).get(off)
            x12 = o["syntax"] == "SYNTAX_X12"
            if not ev or not ev[2].startswith("ST" if x12 else "UNH"):
                bad.append(f"message {k} @{off}: no {'ST' if x12 else 'UNH'} event")
                continue
            if "truncated" in o.get("pathologies", []):
                continue
            elem = ev[2][2] if x12 else ev[2][3]
            trailer = "SE" + elem if x12 else "UNT" + elem
            later = [e for e in by_flow[k] if e[0] > off and e[2].startswith(trailer)]
            if not later:
                bad.append(f"message {k} @{off}: no {trailer[:-1]} event")
                continue
            count = later[0][2][len(trailer):].split(elem)[0]
            if count != str(o["segmentCount"]):
                bad.append(f"message {k} @{off}: trailer says {count}, manifest {o['segmentCount']}")
    print(f"scanner vs manifest: {n_ic} interchanges, {n_msg} messages, "
          f"{n_bg} background connections; {len(bad)} mismatches")
    for b in bad[:20]:
        print("MISMATCH", b)
    return 1 if bad or not n_msg else 0


if __name__ == "__main__":
    sys.exit(main())
