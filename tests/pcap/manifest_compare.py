#!/usr/bin/env python3
"""Compares edisensor message records (JSON lines) with an edi-pcapgen
manifest (docs/MANIFEST.md): every manifest message must be found, by flow
and stream offset, with every field the manifest states.

usage: manifest_compare.py MANIFEST.jsonl OUTPUT.jsonl [--max-report N] [--require-found]
                           [--require-found-unless P1,P2] [--ignore-key KEY]...
--ignore-key drops a manifest key before comparing (e.g. segmentCount,
parties.name): for a discrepancy known to be outside the code under test;
the keys ignored are printed.
Output lines may be Records ({"message":...} or {"hit":{"message":...}}) or
bare Messages. Prints the match rate; exit 0 only when all messages match,
or with --require-found when every message is at least found, or with
--require-found-unless P1,P2 when every message whose manifest
`pathologies` name none of P1, P2 is found at its own flow and stream
offset (e.g. gap: the pathology that takes bytes away from a sensor that
holds out-of-order data; gap,reorder for one that does not). A message at a
negative streamOffset (it began before the first frame of a mid-stream
direction, docs/MANIFEST.md) is never required: no sensor can report it at
that offset. Prints, per pathology, how many of the messages it marks were
found at their offset.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from manifest_lib import (DEFAULTS, LISTS, describe, item_matches, key_of,  # noqa: E402
                          output_messages, pop_option, pop_options, read_jsonl, ref_key_of,
                          same)

def compare(want, got, problems):
    """Returns (fields compared, fields equal) for one message."""
    n = ok = 0
    checks = [("syntax", want.get("syntax"), got.get("syntax", "SYNTAX_UNSPECIFIED"))]
    wf, gf = want.get("flow", {}), got.get("flow", {})
    for k in ("direction", "ipVersion"):
        if k in wf:
            checks.append(("flow." + k, wf[k], gf.get(k, DEFAULTS[type(wf[k])])))
    for k, v in want.get("envelope", {}).items():
        checks.append(("envelope." + k, v, got.get("envelope", {}).get(k, DEFAULTS[type(v)])))
    path = set(want.get("pathologies", []))
    lost = "gap" in path
    if "segmentCount" in want and not lost:
        checks.append(("segmentCount", want["segmentCount"],
                       got.get("integrity", {}).get("countedSegments", 0)))
    integ = got.get("integrity", {})
    if "truncated" in path:
        checks.append(("integrity.truncated", True, integ.get("truncated", False)))
    if "bare" in path:
        checks.append(("integrity.missingEnvelope", True, integ.get("missingEnvelope", False)))
    if not path:
        # The generator writes correct envelopes and counts: a clean message
        # must carry no integrity finding of these kinds.
        for k in ("truncated", "gap", "missingEnvelope", "referenceMismatch",
                  "messageCountMismatch", "segmentCountMismatch"):
            checks.append(("integrity." + k, False, integ.get(k, False)))
    for name, wv, gv in checks:
        n += 1
        if same(wv, gv):
            ok += 1
        else:
            problems.append("%s: want %r got %r" % (name, wv, gv))
    if lost:   # values carried by missing bytes cannot be extracted
        return n, ok
    for lst in LISTS:
        have = got.get(lst, [])
        for item in want.get(lst, []):
            n += 1
            if any(item_matches(item, g) for g in have):
                ok += 1
            else:
                problems.append("%s: %s not in %s" % (lst, json.dumps(item),
                                                      json.dumps(have)[:400]))
    return n, ok


def main():
    args = sys.argv[1:]
    ignored = pop_options(args, "--ignore-key")
    require_found = "--require-found" in args
    if require_found:
        args.remove("--require-found")
    unless = pop_option(args, "--require-found-unless", lambda v: set(v.split(",")))
    max_report = pop_option(args, "--max-report", int)
    if max_report is None:
        max_report = 10
    if len(args) != 2:
        sys.exit(__doc__)
    want = [w for w in read_jsonl(args[0]) if w.get("kind") == "message"]
    for w in want:
        for key in ignored:
            top, _, sub = key.partition(".")
            if not sub:
                w.pop(top, None)
            else:
                for item in w.get(top, []):
                    item.pop(sub, None)
    if ignored:
        print("IGNORED manifest keys (not compared): " + ", ".join(ignored))
    got, by_ref = output_messages(args[1])
    msgs = msgs_ok = fields = fields_ok = missing = 0
    required = required_missing = 0
    reported = 0
    by_field = {}
    by_pathology = {}
    for w in want:
        msgs += 1
        g = got.get(key_of(w))
        problems = []
        for p in w.get("pathologies", []):
            n_found = by_pathology.setdefault(p, [0, 0])
            n_found[1] += 1
            n_found[0] += g is not None
        if (unless is not None and not unless & set(w.get("pathologies", []))
                and w.get("streamOffset", 0) >= 0):
            required += 1
            if g is None:
                required_missing += 1
                print("REQUIRED MISSING " + describe(w))
        if g is None:
            # Same flow, type and reference at another offset: found, but
            # the stream offsets disagree (e.g. where a capture starts).
            for cand in by_ref.get(ref_key_of(w), []):
                g = cand
                problems.append("streamOffset: want %s got %s" % (
                    w.get("streamOffset"), cand.get("streamOffset", 0)))
                break
        if g is None:
            missing += 1
            problems.append("not in the output")
        else:
            n, ok = compare(w, g, problems)
            fields += n
            fields_ok += ok
        for p in problems:
            name = p.split(":", 1)[0]
            by_field[name] = by_field.get(name, 0) + 1
        if problems:
            if reported < max_report:
                env = w.get("envelope", {})
                print("MISMATCH %s %s ref %s at %s: %s" % (
                    env.get("messageType"), w.get("flow", {}).get("srcIp"),
                    env.get("messageRef"), w.get("streamOffset"), "; ".join(problems)))
                reported += 1
        else:
            msgs_ok += 1
    if by_field:
        print("mismatches by field: " + ", ".join(
            "%s %d" % kv for kv in sorted(by_field.items(), key=lambda kv: -kv[1])))
    rate = 100.0 * msgs_ok / msgs if msgs else 0.0
    frate = 100.0 * fields_ok / fields if fields else 0.0
    print("match rate: messages %d/%d (%.2f%%), fields %d/%d (%.2f%%), missing %d, "
          "output records %d" % (msgs_ok, msgs, rate, fields_ok, fields, frate, missing, len(got)))
    if by_pathology:
        print("found at their offset, by pathology: " + ", ".join(
            "%s %d/%d" % (p, v[0], v[1]) for p, v in sorted(by_pathology.items())))
    if unless is not None:
        print("required (no %s): %d, found at their offset %d" % (
            "/".join(sorted(unless)), required, required - required_missing))
        sys.exit(0 if required and required_missing == 0 else 1)
    if require_found:
        sys.exit(0 if msgs and missing == 0 else 1)
    sys.exit(0 if msgs and msgs_ok == msgs else 1)


if __name__ == "__main__":
    main()
