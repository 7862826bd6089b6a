"""What the manifest checkers (manifest_compare.py, pathology_fields.py)
share: reading an edi-pcapgen manifest (docs/MANIFEST.md) and edisensor's
JSON-lines output, the keys that pair a manifest message with a record,
value comparison under proto3 JSON defaults, a message's one-line
description, and their command-line options."""
import json

# A message's lists of items (parties, references, ...).
LISTS = ("parties", "references", "equipment", "goods", "locations", "transport")
# proto3 JSON omits defaults: what an absent field means.
DEFAULTS = {bool: False, int: 0, str: "", list: []}


def read_jsonl(path):
    """Every non-blank line of a JSON-lines file, parsed."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def message_of(obj):
    """The Message of an output line: a Record ({"message":...} or
    {"hit":{"message":...}}) or a bare Message; None for other records."""
    if "message" in obj and isinstance(obj["message"], dict):
        return obj["message"]
    if "hit" in obj and isinstance(obj["hit"], dict):
        return obj["hit"].get("message")
    if "envelope" in obj or "flow" in obj:
        return obj
    return None


def num(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def key_of(m):
    """Flow and stream offset: where a message starts."""
    f = m.get("flow", {})
    return (f.get("srcIp", ""), num(f.get("srcPort")), f.get("dstIp", ""),
            num(f.get("dstPort")), num(m.get("streamOffset")))


def ref_key_of(m):
    """Flow, message type and reference: a message wherever it starts."""
    f, e = m.get("flow", {}), m.get("envelope", {})
    return (f.get("srcIp", ""), num(f.get("srcPort")), f.get("dstIp", ""),
            num(f.get("dstPort")), e.get("messageType", ""), e.get("messageRef", ""))


def same(want, got):
    """A manifest value equals a record's (JSON numbers may come as strings)."""
    if isinstance(want, int) and not isinstance(want, bool):
        return num(got) == want
    return got == want


def item_matches(want, got):
    """Every key of a manifest list item has the same value in a record's
    item (an absent key: the proto3 default)."""
    for k, v in want.items():
        if not same(v, got.get(k, DEFAULTS.get(type(v), None))):
            return False
    return True


def output_messages(path):
    """The output's messages: (first per key_of, all per ref_key_of)."""
    got, by_ref = {}, {}
    for obj in read_jsonl(path):
        m = message_of(obj)
        if m is not None:
            got.setdefault(key_of(m), m)
            by_ref.setdefault(ref_key_of(m), []).append(m)
    return got, by_ref


def describe(w):
    """A manifest message as TYPE SRC:PORT ref REF at OFFSET (pathologies ...)."""
    env, flow = w.get("envelope", {}), w.get("flow", {})
    return "%s %s:%s ref %s at %s (pathologies %s)" % (
        env.get("messageType"), flow.get("srcIp"), flow.get("srcPort"),
        env.get("messageRef"), w.get("streamOffset"),
        ",".join(w.get("pathologies", [])) or "none")


def pop_option(args, name, convert=str):
    """Removes `name VALUE` from args; the converted value, or None."""
    if name not in args:
        return None
    i = args.index(name)
    value = convert(args[i + 1])
    del args[i:i + 2]
    return value


def pop_options(args, name):
    """Removes every `name VALUE` from args; the values in order."""
    values = []
    while name in args:
        values.append(pop_option(args, name))
    return values
