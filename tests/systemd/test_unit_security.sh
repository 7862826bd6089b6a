#!/usr/bin/env bash
# The shipped unit's hardening: `systemd-analyze security --offline=true`
# must rate its exposure 2.0 or lower, and the unit must name exactly the
# capabilities the unprivileged end-to-end test proves necessary.
set -u
cd "$ROOT"
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIPPED: systemd-analyze not installed"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|@SBINDIR@|/usr/sbin|g" systemd/edisensord.service >"$tmp/edisensord.service"
if ! systemd-analyze security --offline=true "$tmp/edisensord.service" >"$tmp/out" 2>&1; then
	# exit status is non-zero above the default threshold too: read the number
	:
fi
level=$(sed -n 's/.*Overall exposure level for edisensord.service: \([0-9.]*\).*/\1/p' "$tmp/out")
if [[ -z $level ]]; then
	echo "FAIL: no exposure level in:"
	tail -5 "$tmp/out"
	exit 1
fi
echo "exposure level $level"
awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }' || {
	echo "FAIL: exposure $level above 2.0; what counts:"
	grep "✗" "$tmp/out" | head -20
	exit 1
}
bounding=$(sed -n 's/^CapabilityBoundingSet=//p' systemd/edisensord.service)
ambient=$(sed -n 's/^AmbientCapabilities=//p' systemd/edisensord.service)
[[ $bounding == "$ambient" ]] || { echo "FAIL: bounding set '$bounding' != ambient '$ambient'"; exit 1; }
for need in Type=notify WatchdogSec= "ExecReload=/bin/kill -HUP" ProtectSystem=strict \
	ProtectHome=yes PrivateTmp=yes NoNewPrivileges=yes SystemCallFilter= RestrictAddressFamilies=; do
	grep -q "^$need" systemd/edisensord.service || { echo "FAIL: unit lacks $need"; exit 1; }
done
echo "PASS: exposure $level <= 2.0; capabilities: $ambient"
