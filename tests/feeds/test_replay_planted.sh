#!/usr/bin/env bash
# End to end: edi-pcapgen writes a capture and its manifest; feedsem.py plants
# indicators of every type taken from the manifest (plus decoys found nowhere)
# and states which (message, indicator, field) pairs must match;
# `edisensord --replay` runs the capture through the XDP program, the
# extractor and the matcher. Every expected match of a clean message must be
# in the hits and nothing else. Then the same for the shipped example feed.
# A second capture with all pathologies checks the clean messages again.
set -u
. "$(dirname "$0")/../pcap/replay_lib.sh"
replay_require "$DAEMON" "$GEN"
cd "$ROOT"
sem=tests/feeds/feedsem.py
skip=()

status=0
run() {   # name, pcapgen args...
	local name=$1
	shift
	"$BUILD/edi-pcapgen" "$@" -o "$tmp/$name.pcap" -m "$tmp/$name.jsonl" >/dev/null ||
		{ echo "FAIL: edi-pcapgen $*"; return 1; }
	python3 "$sem" plant "$tmp/$name.jsonl" "$tmp/$name.intel" "$tmp/$name.expected" --per-type 3 ||
		return 1
	"$BUILD/edisensord" --replay "$tmp/$name.pcap" --feed "$tmp/$name.intel" --output json:- \
		>"$tmp/$name.hits" 2>"$tmp/$name.log" || { echo "FAIL: replay"; tail "$tmp/$name.log"; return 1; }
	echo "--- $name: planted feed"
	python3 "$sem" compare "$tmp/$name.expected" "$tmp/$name.hits" "${skip[@]}" || return 1
	python3 "$sem" expect systemd/feeds/example.intel "$tmp/$name.jsonl" "$tmp/$name.example.expected" ||
		return 1
	"$BUILD/edisensord" --replay "$tmp/$name.pcap" --feed systemd/feeds/example.intel \
		--output json:- >"$tmp/$name.example.hits" 2>"$tmp/$name.log" ||
		{ echo "FAIL: replay"; tail "$tmp/$name.log"; return 1; }
	echo "--- $name: example feed"
	python3 "$sem" compare "$tmp/$name.example.expected" "$tmp/$name.example.hits" "${skip[@]}"
}
run clean -s 1 || status=1
run pathologies -s 5 --pathologies || status=1
exit $status
