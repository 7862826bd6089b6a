#!/usr/bin/env bash
# The example feed (systemd/feeds/example.intel) loads without a rejected
# line and has every indicator type; and, against the manifest of
# `edi-pcapgen -s 1` (default options), every indicator marked demo/demo-seed1
# has a value in the generated traffic and no other indicator has one, so the
# demo's hits are the planted ones. (The matching here is a plain re-statement
# of the semantics over the manifest: the point is the feed and the generator
# staying in step; the matcher itself is tested in tests/unit.)
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
cd "$ROOT"
feed=systemd/feeds/example.intel
check=$BUILD/feed-check
if [[ ! -x $check ]]; then
	echo "FAIL: $check not built"
	exit 1
fi
out=$("$check" "$feed" 2>&1) || { echo "FAIL: feed-check $feed:"; echo "$out"; exit 1; }
for t in Intel::ADDR Intel::SUBNET EDI::PARTY_ID EDI::PARTY_NAME EDI::HS_CODE EDI::CONTAINER \
	EDI::REFERENCE EDI::VESSEL EDI::LOCODE EDI::KEYWORD; do
	grep -q "	$t	" <<<"$out" || { echo "FAIL: no $t indicator in $feed"; exit 1; }
done
echo "ok: $feed loads cleanly with every type"

gen=$BUILD/edi-pcapgen
if [[ ! -x $gen ]]; then
	echo "SKIPPED: $gen not built, cannot check the planted indicators"
	exit 77
fi
if ! command -v python3 >/dev/null; then
	echo "SKIPPED: python3 missing (tools/install-deps.sh installs it)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$gen" -s 1 -o "$tmp/demo.pcap" -m "$tmp/demo.jsonl" >/dev/null || { echo "FAIL: edi-pcapgen"; exit 1; }
python3 - "$feed" "$tmp/demo.jsonl" <<'PY'
import json, re, sys

feed, manifest = sys.argv[1], sys.argv[2]
msgs = [m for m in map(json.loads, open(manifest, encoding="utf-8")) if m.get("kind") == "message"]

def text(s):   # lower case, ASCII punctuation and spaces -> one space
    return " ".join(re.sub(r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]", " ", s.lower()).split())

def exact(s):
    return re.sub(r"\s", "", s).upper()

def allowed(spec, coll, key):
    if spec == "-":
        return True
    for item in spec.split(","):
        m = re.match(r"(\w+)(?:\[([^\]]+)\])?", item.strip())
        if m.group(1) == coll and (m.group(2) is None or m.group(2) == key):
            return True
    return False

def hits(ind, typ, spec, m):
    f = m.get("flow", {})
    if typ == "Intel::ADDR":
        return ind in (f.get("srcIp"), f.get("dstIp"))
    if typ == "Intel::SUBNET":
        import ipaddress
        net = ipaddress.ip_network(ind)
        return any(ipaddress.ip_address(a) in net for a in (f.get("srcIp"), f.get("dstIp")) if a)
    if typ == "EDI::PARTY_ID":
        return any(exact(p.get("id", "")) == exact(ind) and allowed(spec, "parties", p.get("role"))
                   for p in m.get("parties", []))
    if typ == "EDI::PARTY_NAME":
        return any(text(ind) in text(p.get("name", "")) and allowed(spec, "parties", p.get("role"))
                   for p in m.get("parties", []))
    if typ == "EDI::HS_CODE":
        d = re.sub(r"\D", "", ind)
        return any(re.sub(r"\D", "", g.get("hsCode", "")).startswith(d) for g in m.get("goods", []))
    if typ == "EDI::KEYWORD":
        return any(text(ind) in text(g.get("description", "")) for g in m.get("goods", []))
    if typ == "EDI::CONTAINER":
        return any(re.sub(r"[\s\-./]", "", ind).upper() == e.get("number") for e in m.get("equipment", []))
    if typ == "EDI::REFERENCE":
        return any(exact(r.get("value", "")) == exact(ind) and allowed(spec, "references", r.get("qualifier"))
                   for r in m.get("references", []))
    if typ == "EDI::VESSEL":
        imo = re.sub(r"^IMO\s*", "", ind.strip(), flags=re.I)
        return any(t.get("imo") == imo or text(t.get("vesselName", "")) == text(ind)
                   for t in m.get("transport", []))
    if typ == "EDI::LOCODE":
        return any(exact(l.get("locode", "")) == exact(ind) and allowed(spec, "locations", l.get("qualifier"))
                   for l in m.get("locations", []))
    raise SystemExit("unknown type " + typ)

cols, bad = None, 0
for line in open(feed, encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("#fields"):
        cols = line.split("\t")[1:]
        continue
    if not line or line.startswith("#"):
        continue
    row = dict(zip(cols, line.split("\t")))
    ind, typ, src = row["indicator"], row["indicator_type"], row["meta.source"]
    expired = row.get("meta.expires", "-") != "-"
    n = sum(hits(ind, typ, row.get("meta.fields", "-"), m) for m in msgs)
    planted = src.startswith("demo")
    print(f"{'planted' if planted else 'other':8} {n:4} messages  {typ:16} {ind}")
    if planted and n == 0:
        print(f"FAIL: planted indicator {ind} ({typ}) is not in the generated traffic")
        bad += 1
    if not planted and n and not expired:
        print(f"FAIL: indicator {ind} ({typ}) is not marked demo but occurs in the traffic")
        bad += 1
sys.exit(1 if bad else 0)
PY
