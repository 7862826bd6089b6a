#!/usr/bin/env bash
# `make install` into a staging folder: binaries, BPF object, unit (with
# the real sbin path), sysusers/tmpfiles, man pages, configuration example;
# an existing configuration is kept.
set -u
cd "$ROOT"
command -v make >/dev/null || { echo "SKIPPED: make not installed"; exit 77; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/etc/edisensor"
echo "; mine" >"$stage/etc/edisensor/edisensor.conf"
if ! make --no-print-directory -s install BUILD="$BUILD" DESTDIR="$stage" PREFIX=/usr SYSCONFDIR=/etc \
	>"$stage/make.log" 2>&1; then
	echo "FAIL: make install"
	tail -20 "$stage/make.log"
	exit 1
fi
bad=0
for f in usr/sbin/edisensord usr/bin/edisensor-cat usr/lib/edisensor/edisensor.bpf.o \
	usr/lib/systemd/system/edisensord.service usr/lib/sysusers.d/edisensor.conf \
	usr/lib/tmpfiles.d/edisensor.conf usr/share/man/man8/edisensord.8 \
	usr/share/man/man5/edisensor.conf.5 usr/share/doc/edisensor/edisensor.conf.example; do
	[[ -s $stage/$f ]] || { echo "missing: /$f"; bad=1; }
done
[[ ! -e $stage/usr/lib/edisensor/foreign_pass.bpf.o ]] || { echo "test program installed"; bad=1; }
grep -q '^ExecStart=/usr/sbin/edisensord ' "$stage/usr/lib/systemd/system/edisensord.service" ||
	{ echo "unit: ExecStart path not substituted"; bad=1; }
grep -q '@SBINDIR@' "$stage/usr/lib/systemd/system/edisensord.service" && { echo "unit: @SBINDIR@ left"; bad=1; }
[[ $(cat "$stage/etc/edisensor/edisensor.conf") == "; mine" ]] || { echo "existing configuration overwritten"; bad=1; }
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify --man=no "$stage/usr/lib/systemd/system/edisensord.service" \
		>"$stage/verify.log" 2>&1
	# verify resolves ExecStart on this host's /usr/sbin; only unit syntax matters here
	if grep -v "not executable\|No such file\|Failed to prepare\|is not a valid\|Command .* is not" "$stage/verify.log" |
		grep -qi "unknown\|invalid\|failed to parse\|assignment"; then
		echo "unit does not verify:"
		cat "$stage/verify.log"
		bad=1
	fi
fi
((bad == 0)) || { echo "FAIL: make install"; exit 1; }
echo "PASS: make install staged every file; existing configuration kept"
