#!/usr/bin/env python3
"""Classifies, for every manifest message the sensor found, how its record
differs from an edi-pcapgen manifest (docs/MANIFEST.md) of a capture with
pathologies, and fails on the classes that are wrong rather than unknowable.

usage: pathology_fields.py MANIFEST.jsonl OUTPUT.jsonl [--max-report N]
                           [--allow CLASS]...

A sensor that loses bytes (gap, reorder) cannot know some values; it must
then leave them empty and say why, never fill them from elsewhere. Classes
(each a count of fields or findings; a message may be in several):

wrong (the record says something false; always fail):
  foreign-envelope      an envelope value that differs from the manifest's
                        (another interchange's or group's envelope)
  foreign-data          a party, reference, ... of ANOTHER message of the
                        flow and not of this one (values the manifest does
                        not list, e.g. the CUSDEC BGM number as an ABT
                        reference, are not judged)
  spurious-count        messageCountMismatch, segmentCountMismatch or
                        referenceMismatch set: the generator always writes
                        correct counts and references, so only lost bytes
                        can have caused it, and loss is not a finding
                        about the sender's data
  spurious-finding      missingEnvelope on a message whose interchange
                        the sensor saw whole, or truncated on a message
                        whose trailer was sent and not lost
incomplete where nothing was lost (fail):
  lost-envelope-intact  an envelope value missing although neither the
                        message nor its interchange lost bytes
  lost-data-intact      a manifest value (list item, segment count) missing
                        although the message lost no bytes
  tail-uncounted        a truncated message counted short: segments the
                        kernel did not forward after its last forwarded one
                        went uncounted (the kernel reports them with the
                        next forwarded segment, or with the GAP/FLOW_END
                        that comes first)
missing findings (fail):
  unflagged-envelope    interchange values (sender, control reference)
                        missing without integrity.missingEnvelope
  unflagged-group       group values missing (UNG/GS lost) without a finding
                        that names the group header
  unflagged-truncation  a truncated message without integrity.truncated
  unflagged-loss        a message marked reorder (its own bytes were sent
                        out of order, lost to the sensor) that misses values
                        without integrity.gap
unknowable (reported, never fail):
  lost-envelope         an envelope value missing, flagged, and the message
                        or its interchange lost bytes (gap / reorder)
  lost-data             values of a message that lost bytes, flagged
  lost-release          a value missing from a message whose interchange's
                        UNA was lost (gap / reorder) and named a release
                        character other than the default '?': the value
                        holds a separator, the release or '?' (sent as
                        released bytes the sensor cannot read without the
                        UNA), or the record says the message was cut (a
                        released terminator taken for the segment's end);
                        anything else must still be found. The same for a
                        bare message right after a truncated interchange
                        whose UNA named such a release (docs/MANIFEST.md:
                        a sensor cannot tell the two apart)

--allow CLASS accepts a failing class (prints it as allowed).
Exit 0 when no failing class has a count.
"""
import bisect
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import manifest_lib as ml  # noqa: E402

FAILING = ("foreign-envelope", "foreign-data", "spurious-count", "spurious-finding",
           "lost-envelope-intact", "lost-data-intact", "tail-uncounted", "unflagged-envelope",
           "unflagged-group", "unflagged-truncation", "unflagged-loss")
UNKNOWABLE = ("lost-envelope", "lost-data", "lost-release")
LOSS = {"gap", "reorder"}
INTERCHANGE_KEYS = ("senderId", "senderQualifier", "recipientId", "recipientQualifier",
                    "date", "time", "controlRef", "syntaxId", "syntaxVersion", "test")
GROUP_KEYS = ("groupId", "groupSender", "groupRecipient", "groupControlRef")
# X12 takes these from GS; EDIFACT from UNH (never lost with the message).
X12_GROUP_KEYS = GROUP_KEYS + ("messageVersion", "agency")


def flow_of(m):
    return ml.key_of(m)[:4]


class Interchanges:
    """The manifest interchange that contains a message: same flow, the
    last interchange starting at or before the message's offset."""

    def __init__(self, lines):
        self.by_flow = {}
        for line in lines:
            self.by_flow.setdefault(flow_of(line), []).append(line)
        for lst in self.by_flow.values():
            lst.sort(key=lambda i: ml.num(i.get("streamOffset")))
        self.offsets = {k: [ml.num(i.get("streamOffset")) for i in v]
                        for k, v in self.by_flow.items()}

    def of(self, msg, before=0):
        """before=1: the interchange before that one on the flow."""
        k = flow_of(msg)
        offs = self.offsets.get(k, [])
        i = bisect.bisect_right(offs, ml.num(msg.get("streamOffset"))) - 1 - before
        return self.by_flow[k][i] if i >= 0 else None


def empty(v):
    return v in (None, "", False, 0, [])


def release_unknowable(ichg, prev):
    """The characters whose reading depends on the release character, when
    the interchange's UNA (with a release other than '?') was lost, or when
    the message is bare right after a truncated interchange whose UNA named
    one (a sensor cannot tell a bare message from a next message of the
    cut interchange, docs/MANIFEST.md); else an empty set."""
    if ichg and ichg.get("bare") and prev and prev.get("truncated"):
        ichg = dict(prev, pathologies=["gap"])
    if not ichg or not ichg.get("una") or not set(ichg.get("pathologies", [])) & LOSS:
        return set()
    seps = ichg.get("separators", {})
    if seps.get("release", "?") == "?":
        return set()
    return {seps.get(k) for k in ("component", "element", "release", "terminator")} | {"?"}


def classify(want, ichg, got, others, prev=None):
    """Returns a list of (class, detail) for one found message; others are
    the manifest's other messages of the same flow; prev the interchange
    before the message's on the flow."""
    out = []
    path = set(want.get("pathologies", []))
    ipath = set(ichg.get("pathologies", [])) if ichg else set()
    own_loss = bool(path & LOSS)
    envelope_loss = own_loss or bool(ipath & LOSS)
    integ = got.get("integrity", {})
    released = release_unknowable(ichg, prev)
    findings = " | ".join(integ.get("findings", []))
    wenv, genv = want.get("envelope", {}), got.get("envelope", {})
    x12 = want.get("syntax") == "SYNTAX_X12"
    group_keys = X12_GROUP_KEYS if x12 else GROUP_KEYS
    lost_ichg = lost_group = False
    for k in sorted(set(wenv) | set(genv)):
        if k == "charset":
            continue
        wv, gv = wenv.get(k), genv.get(k)
        if not empty(gv) and not ml.same(wv, gv) if wv is not None else not empty(gv):
            out.append(("foreign-envelope", "%s: want %r got %r" % (k, wv, gv)))
        elif not empty(wv) and empty(gv):
            if k in INTERCHANGE_KEYS:
                lost_ichg = True
            elif k in group_keys:
                lost_group = True
            cls = "lost-envelope" if envelope_loss else "lost-envelope-intact"
            out.append((cls, "%s: want %r, empty" % (k, wv)))
    if (lost_ichg or "bare" in path) and not integ.get("missingEnvelope", False):
        out.append(("unflagged-envelope", "no missingEnvelope"))
    if (lost_group and not lost_ichg and "UNG" not in findings and "GS" not in findings):
        out.append(("unflagged-group", "group values empty, no finding names UNG/GS"))
    if integ.get("missingEnvelope", False) and not envelope_loss and "bare" not in path:
        out.append(("spurious-finding", "missingEnvelope on an intact interchange"))
    if "truncated" in path and not integ.get("truncated", False):
        out.append(("unflagged-truncation", "no integrity.truncated"))
    if integ.get("truncated", False) and "truncated" not in path and not envelope_loss:
        out.append(("lost-release" if released else "spurious-finding",
                    "truncated, but the trailer was sent"))
    for k in ("messageCountMismatch", "segmentCountMismatch", "referenceMismatch"):
        if integ.get(k, False):
            out.append(("spurious-count", "%s (%s)" % (k, findings[:200])))
    lost_values = []
    if "segmentCount" in want and "gap" not in path:
        counted = ml.num(integ.get("countedSegments"))
        detail = "segmentCount: want %d got %d" % (want["segmentCount"], counted)
        if counted < want["segmentCount"] and "truncated" in path and not own_loss:
            out.append(("tail-uncounted", detail + " (%s)" % findings[:120]))
        elif counted != want["segmentCount"] and released and integ.get("truncated", False):
            out.append(("lost-release", detail))
        elif counted != want["segmentCount"]:
            lost_values.append(detail)
    for lst in ml.LISTS:
        have, items = got.get(lst, []), want.get(lst)
        if items is None:
            continue
        for g in have:
            if any(ml.item_matches(w, g) for w in items):
                continue
            if any(ml.item_matches(w, g) for o in others for w in o.get(lst, [])):
                out.append(("foreign-data", "%s: %s not in the message" % (
                    lst, json.dumps({k: v for k, v in g.items() if k != "evidence"})[:200])))
        if "gap" in path:   # values carried by missing bytes: not claimed
            continue
        for w in items:
            if not any(ml.item_matches(w, g) for g in have):
                text = json.dumps(w, ensure_ascii=False)
                detail = "%s: %s missing" % (lst, json.dumps(w)[:160])
                if released and (integ.get("truncated", False) or
                                 any(c in text for c in released)):
                    out.append(("lost-release", detail))
                else:
                    lost_values.append(detail)
    for detail in lost_values:
        if not own_loss:
            out.append(("lost-data-intact", detail))
        elif not integ.get("gap", False):
            out.append(("unflagged-loss", detail))
        else:
            out.append(("lost-data", detail))
    return out


def main():
    args = sys.argv[1:]
    allowed = set(ml.pop_options(args, "--allow"))
    max_report = ml.pop_option(args, "--max-report", int)
    if max_report is None:
        max_report = 5
    if len(args) != 2:
        sys.exit(__doc__)
    lines = ml.read_jsonl(args[0])
    want = [w for w in lines if w.get("kind") == "message"]
    ichgs = Interchanges([w for w in lines if w.get("kind") == "interchange"])
    by_flow = {}
    for w in want:
        by_flow.setdefault(flow_of(w), []).append(w)
    got, _ = ml.output_messages(args[1])
    counts = {c: 0 for c in FAILING + UNKNOWABLE}
    messages = {c: 0 for c in counts}
    reported = {c: 0 for c in counts}
    found = 0
    for w in want:
        g = got.get(ml.key_of(w))
        if g is None:
            continue
        found += 1
        others = [o for o in by_flow[flow_of(w)] if o is not w]
        classes = classify(w, ichgs.of(w), g, others, ichgs.of(w, before=1))
        for cls in {c for c, _ in classes}:
            messages[cls] += 1
        for cls, detail in classes:
            counts[cls] += 1
            if cls in FAILING and reported[cls] < max_report:
                reported[cls] += 1
                print("%s: %s: %s" % (cls, ml.describe(w), detail))
    failed = 0
    print("found %d of %d manifest messages; by class (fields/findings, messages):" % (
        found, len(want)))
    for cls in FAILING + UNKNOWABLE:
        tag = ("allowed" if cls in allowed else "FAIL") if cls in FAILING else "unknowable"
        if counts[cls]:
            print("  %-22s %5d %5d  %s" % (cls, counts[cls], messages[cls], tag))
        if cls in FAILING and cls not in allowed:
            failed += counts[cls]
    wrong = sum(messages[c] for c in FAILING if c not in allowed)
    print("classes that fail: %d findings in %d message-class pairs" % (failed, wrong))
    sys.exit(1 if failed or not found else 0)


if __name__ == "__main__":
    main()
