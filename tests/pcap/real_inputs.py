#!/usr/bin/env python3
"""Inputs real senders make and tools/edi-pcapgen does not, replayed
through the production path (one capture, one TCP connection per case,
tests/pcap/stream_pcap.py) and checked against values written here by
hand: the segments of every message (text as sent, terminator excluded)
and its metadata (envelope, parties, goods with HS code, container with
check digit, B/L, places, vessel), end to end through
`edisensord --replay`. Some cases are also cut at every byte (one
connection per cut): a release character, '??' or a separator on the
last byte of a packet must change nothing.

usage: real_inputs.py EDISENSORD SCRATCH_DIR"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stream_pcap  # noqa: E402

# ---- EDIFACT: one CUSCAR, separators and layout as the case says --------

EDI_NAME = "ACME+CO:LTD 'X' 50%?"        # holds every default separator
EDI_DESC = "PLASTICS:ARTICLES ??"


def edifact(seps=":+.? '", una=True, nl="\r\n", syntax="UNOC:3", date="260101:1200",
            name=EDI_NAME, desc=EDI_DESC, unb=True, unt_count=None, unz_count=1,
            cref="CREF1"):
    """Returns (bytes, segment texts UNH..UNT as sent without terminator)."""
    comp, elem, _, rel, _, term = seps

    def released(v):
        return "".join(rel + ch if ch in (comp, elem, rel, term) else ch for ch in v)

    def seg(*elements):
        # elements: lists of components (plain values, released here)
        return elem.join(comp.join(released(c) for c in e) for e in elements)

    body = [
        seg(["UNH"], ["M1"], ["CUSCAR", "D", "95B", "UN"]),
        seg(["BGM"], ["85"], ["DOC1"], ["9"]),
        seg(["RFF"], ["AFB", "MAN1"]),
        seg(["TDT"], ["20"], ["V01E"], ["1"], [""], ["MSC", "172", "20"], [""], [""],
            ["9283186", "146", "11", "MSC ANNA"]),
        seg(["LOC"], ["9"], ["NLRTM", "139", "6"]),
        seg(["CNI"], ["1"], ["BL0001"]),
        seg(["NAD"], ["CZ"], ["DE1234567890123", "", "9"], [""], [name], ["2 ST"],
            ["HAMBURG"], [""], ["20095"], ["DE"]),
        seg(["GID"], ["1"], ["12", "PK"]),
        seg(["FTX"], ["AAA"], [""], [""], [desc]),
        seg(["CST"], [""], ["850440"]),
        seg(["EQD"], ["CN"], ["MSCU1234566"], ["22G1"]),
        seg(["SEL"], ["SEAL1"], ["CA"]),
    ]
    body.append(seg(["UNT"], [str(unt_count if unt_count is not None else len(body) + 1)],
                    ["M1"]))
    text = ""
    if unb:
        if una:
            text += "UNA" + seps + nl
        text += seg(["UNB"], syntax.split(":"), ["SENDER1", "ZZ"], ["RECV1", "ZZ"],
                    date.split(":"), [cref]) + term + nl
    text += "".join(s + term + nl for s in body)
    if unb:
        text += seg(["UNZ"], [str(unz_count)], [cref]) + term + nl
    return text, body


def edifact_want(name=EDI_NAME, desc=EDI_DESC, envelope=True, syntax="UNOC:3",
                 date="260101:1200", segments=13, declared=None):
    env = {"messageType": "CUSCAR", "messageVersion": "D", "messageRelease": "95B",
           "agency": "UN", "messageRef": "M1"}
    if envelope:
        env.update({"senderId": "SENDER1", "senderQualifier": "ZZ", "recipientId": "RECV1",
                    "recipientQualifier": "ZZ", "controlRef": "CREF1",
                    "syntaxId": syntax.split(":")[0], "syntaxVersion": syntax.split(":")[1],
                    "date": date.split(":")[0], "time": date.split(":")[1]})
    return {
        "syntax": "SYNTAX_EDIFACT", "envelope": env,
        "parties": [{"role": "CZ", "id": "DE1234567890123", "name": name, "city": "HAMBURG",
                     "postcode": "20095", "country": "DE"}],
        "goods": [{"description": desc, "hsCode": "850440", "packages": "12"}],
        "equipment": [{"number": "MSCU1234566", "iso6346": True, "checkDigitValid": True,
                       "seals": ["SEAL1"]}],
        "references": [{"qualifier": "AFB", "value": "MAN1"},
                       {"qualifier": "BM", "value": "BL0001"}],
        "locations": [{"qualifier": "9", "locode": "NLRTM"}],
        "transport": [{"voyage": "V01E", "vesselName": "MSC ANNA", "imo": "9283186"}],
        "integrity": {"countedSegments": segments,
                      "declaredSegments": declared if declared is not None else segments},
    }


# ---- X12: one 309, separators and layout as the case says ---------------

def x12(elem="*", term="~", comp=">", rep="U", version="00401", nl="\n", padded=True,
        se_count=None, iea_count=1):
    def seg(*els):
        return elem.join(els)

    pad = (lambda v: v.ljust(15)) if padded else (lambda v: v)
    isa = seg("ISA", "00", " " * 10, "00", " " * 10, "ZZ", pad("SENDERID"), "ZZ",
              pad("RECVID"), "260101", "1200", rep, version, "000000042", "0", "T", comp)
    body = [
        seg("ST", "309", "0001"),
        seg("M10", "MAEU", "O", "DK", "9283186", "MSC ANNA", "V01E"),
        seg("P4", "1803", "20260101", "1"),
        seg("LX", "1"),
        seg("M11", "BL12345", "57035", "12", "PKG", "1000", "K"),
        seg("N1", "SH", "SHIPPER CO", "ZZ", "SH123"),
        seg("N3", "1 ST"),
        seg("N4", "HAMBURG", "", "20095", "DE"),
        seg("N1", "CN", "CONS CO", "ZZ", "CN456"),
        seg("N4", "LONDON", "", "E1", "GB"),
        seg("VID", "CN", "MSCU", "1234566", "SEAL1", "SEAL2"),
        seg("N10", "12", "WIDGETS", "MARKS", "J", "850440"),
    ]
    body.append(seg("SE", str(se_count if se_count is not None else len(body) + 1), "0001"))
    gs = seg("GS", "SO", "SENDERID", "RECVID", "20260101", "1200", "42", "X", "004010")
    trailer = [seg("GE", "1", "42"), seg("IEA", str(iea_count), "000000042")]
    text = "".join(s + term + nl for s in [isa, gs] + body + trailer)
    return text, body


def x12_want(version="00401", segments=13, declared=None):
    return {
        "syntax": "SYNTAX_X12",
        "envelope": {"senderId": "SENDERID", "senderQualifier": "ZZ", "recipientId": "RECVID",
                     "recipientQualifier": "ZZ", "date": "260101", "time": "1200",
                     "controlRef": "000000042", "test": True, "syntaxId": "ISA",
                     "syntaxVersion": version, "groupId": "SO", "groupSender": "SENDERID",
                     "groupRecipient": "RECVID", "groupControlRef": "42",
                     "messageType": "309", "messageVersion": "004010", "agency": "X",
                     "messageRef": "0001"},
        "parties": [{"role": "SH", "id": "SH123", "name": "SHIPPER CO", "country": "DE"},
                    {"role": "CN", "id": "CN456", "name": "CONS CO", "country": "GB"}],
        "goods": [{"description": "WIDGETS", "hsCode": "850440", "packages": "12"}],
        "equipment": [{"number": "MSCU1234566", "iso6346": True, "checkDigitValid": True,
                       "seals": ["SEAL1", "SEAL2"]}],
        "references": [{"qualifier": "BM", "value": "BL12345"}],
        "locations": [{"qualifier": "P4", "code": "1803", "codeList": "D"},
                      {"qualifier": "M11", "code": "57035", "codeList": "K"}],
        "transport": [{"voyage": "V01E", "vesselName": "MSC ANNA", "imo": "9283186"}],
        "integrity": {"countedSegments": segments,
                      "declaredSegments": declared if declared is not None else segments},
    }


BOM = "\ufeff".encode("utf-8").decode("latin-1")


def cases():
    """(name, bytes, [(want, segments or None)] per message, cut at every byte)"""
    out = []

    def add(name, text_body, wants, cut=False):
        text, body = text_body if isinstance(text_body, tuple) else (text_body, None)
        out.append((name, text.encode("latin-1"), [(w, body) for w in wants], cut))

    ew, xw = edifact_want(), x12_want()
    add("edifact_defaults_crlf", edifact(), [ew], cut=True)
    add("edifact_una_caret_dollar_oneline", edifact("^*.? $", nl=""), [ew], cut=True)
    add("edifact_una_decimal_comma_lf", edifact(":+,? '", nl="\n"), [ew])
    add("edifact_una_repetition_star", edifact(":+.?*'"), [ew])
    add("edifact_una_release_bang_tilde", edifact(">|.!#~", nl="\n"), [ew], cut=True)
    add("edifact_no_una_defaults", edifact(una=False), [ew])
    add("edifact_bom_before_una", BOM + edifact()[0], [(ew)])
    add("edifact_bom_before_unb", BOM + edifact(una=False)[0], [ew])
    add("edifact_bare_unh_first", edifact(unb=False), [edifact_want(envelope=False)])
    b2b = edifact(nl="")[0] + edifact(":|.\\ ~", nl="", cref="CREF1")[0]
    add("edifact_back_to_back_other_seps", b2b, [ew, ew])
    add("edifact_garbage_between", edifact()[0] + "\r\nJUNK 12 UN+X ?'~*\r\n" + edifact()[0],
        [ew, ew])
    add("edifact_syntax4_unow_utf8",
        edifact(syntax="UNOW:4", date="20260101:1200",
                name="M\u00dcLLER \u20ac", desc="\u65e5\u672c")[0].encode("utf-8")
        .decode("latin-1"),
        [edifact_want(syntax="UNOW:4", date="20260101:1200", name="M\u00dcLLER \u20ac",
                      desc="\u65e5\u672c")])
    add("edifact_syntax4_unoy", edifact(syntax="UNOY:4", date="20260101:1200"),
        [edifact_want(syntax="UNOY:4", date="20260101:1200")])
    add("edifact_unoc_latin1", edifact(name="FR\u00c8RES M\u00dcLLER", desc="CAF\u00c9")[0],
        [edifact_want(name="FR\u00c8RES M\u00dcLLER", desc="CAF\u00c9")])
    add("edifact_raw_newline_in_data", edifact(name="ACME\nLTD", desc="LINE1\r\nLINE2"),
        [edifact_want(name="ACME\nLTD", desc="LINE1\r\nLINE2")])
    add("edifact_wrong_counts", edifact(unt_count=7, unz_count=3),
        [edifact_want(declared=7)])

    add("x12_star_tilde_lf", x12(), [xw], cut=True)
    add("x12_7f_cr_lf", x12(elem="\x7f", term="\r"), [xw], cut=True)
    add("x12_pipe_tilde_none", x12(elem="|", nl=""), [xw])
    add("x12_plus_apostrophe_crlf", x12(elem="+", term="'", nl="\r\n"), [xw])
    add("x12_star_lf_terminator", x12(term="\n", nl=""), [xw])
    add("x12_star_cr_terminator", x12(term="\r", nl=""), [xw])
    add("x12_star_0x15_crlf", x12(term="\x15", nl="\r\n"), [xw], cut=True)
    add("x12_00501_repetition", x12(rep="^", version="00501"), [x12_want(version="00501")])
    unpadded = x12_want()
    unpadded["integrity"]["findings"] = [
        "ISA is 90 bytes, not 106: fields not padded to their fixed widths, separators found"
        " by counting elements"]
    add("x12_unpadded_isa", x12(padded=False), [unpadded], cut=True)
    add("x12_wrong_counts", x12(se_count=5, iea_count=3), [x12_want(declared=5)])
    add("x12_then_edifact_then_x12", x12()[0] + edifact(nl="")[0] + x12(elem="|", term="\x15")[0],
        [xw, ew, xw])
    return out


# ---- comparison ------------------------------------------------------------

def subset(want, got, path, problems):
    """Every key of want equals got's (lists: every wanted item is in got)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            problems.append("%s: want %r, got %r" % (path, want, got))
            return
        for k, v in want.items():
            subset(v, got.get(k, {bool: False, int: 0, str: "", list: []}.get(type(v))),
                   path + "." + k, problems)
    elif isinstance(want, list) and want and isinstance(want[0], dict):
        for i, w in enumerate(want):
            if not any(not _diff(w, g) for g in (got or [])):
                problems.append("%s: %s missing (have %s)" % (
                    path, json.dumps(w, ensure_ascii=False),
                    json.dumps([{k: v for k, v in g.items() if k != "evidence"}
                                for g in got or []], ensure_ascii=False)[:300]))
    elif isinstance(want, int) and not isinstance(want, bool):
        if int(got or 0) != want:
            problems.append("%s: want %r, got %r" % (path, want, got))
    elif want != got:
        problems.append("%s: want %r, got %r" % (path, want, got))


def _diff(want, got):
    p = []
    subset(want, got, "", p)
    return p


def check(name, wants, got, problems):
    if len(got) != len(wants):
        problems.append("%s: %d messages, want %d" % (name, len(got), len(wants)))
        return
    for i, ((want, segs), m) in enumerate(zip(wants, got)):
        p = []
        subset(want, m, "", p)
        if segs is not None:
            texts = [s.get("text", "") for s in m.get("segments", [])]
            if texts != segs:
                p.append("segments: want %r, got %r" % (segs, texts))
        problems.extend("%s message %d: %s" % (name, i, x) for x in p)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    daemon, scratch = sys.argv[1], sys.argv[2]
    conns, expect = [], []
    for name, data, wants, cut in cases():
        conns.append((data, None))
        expect.append((name, wants))
        if cut:
            for k in range(1, len(data)):
                conns.append((data, [k]))
                expect.append(("%s cut at %d" % (name, k), wants))
    pcap = os.path.join(scratch, "real_inputs.pcap")
    stream_pcap.write(pcap, conns)
    run = subprocess.run([daemon, "--replay", pcap, "--all-messages", "--output", "json:-"],
                         capture_output=True, check=False)
    if run.returncode:
        sys.exit("edisensord --replay failed: %s" % run.stderr.decode()[-2000:])
    by_conn = {}
    for line in run.stdout.decode().splitlines():
        m = json.loads(line).get("message")
        if m:
            port = m["flow"]["srcPort"] - stream_pcap.FIRST_CLIENT_PORT
            by_conn.setdefault(port, []).append(m)
    problems = []
    for i, (name, wants) in enumerate(expect):
        got = sorted(by_conn.get(i, []), key=lambda m: int(m.get("streamOffset", 0)))
        check(name, wants, got, problems)
    for p in problems[:20]:
        print("MISMATCH", p)
    cases_n = len(cases())
    print("%d cases, %d connections (every-byte cuts included), %d messages compared, "
          "%d mismatches" % (cases_n, len(conns), sum(len(w) for _, w in expect),
                             len(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
