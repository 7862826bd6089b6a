#!/usr/bin/env bash
# The seek depth on the production path: `edisensord --replay` loads the BPF
# object with the daemon's seek_depth (flag, configuration file, default
# 1M). A connection with non-EDI text before one interchange
# (seek_depth_pcap.py, 1000-byte segments): past the depth the interchange is
# not scanned and the replay summary counts seek_giveup and
# seek_skipped_bytes; below it, or with seek_depth = 0, the message is found.
set -u
. "$(dirname "$0")/replay_lib.sh"
replay_require "$DAEMON"
fail=0

# replay FILLER ARGS...: summary in $tmp/summary
replay() {
	local filler=$1
	shift
	python3 "$ROOT/tests/pcap/seek_depth_pcap.py" "$tmp/c.pcap" "$filler" ||
		{ echo "FAIL: writing the capture"; exit 1; }
	if ! "$DAEMON" --replay "$tmp/c.pcap" --all-messages --output json:- "$@" \
		>/dev/null 2>"$tmp/summary"; then
		echo "FAIL: edisensord --replay $*:"
		tail -5 "$tmp/summary"
		exit 1
	fi
}
counter() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/summary"; }
messages() { sed -n 's/^pipeline: messages \([0-9]*\).*/\1/p' "$tmp/summary"; }

# expect WHAT MESSAGES GIVEUP SCANNED: SCANNED = payload bytes scanned
# (payload_bytes - seek_skipped_bytes)
expect() {
	local what=$1 msgs=$2 giveup=$3 scanned=$4 got_scanned
	got_scanned=$(($(counter payload_bytes) - $(counter seek_skipped_bytes)))
	if [[ $(messages) == "$msgs" && $(counter seek_giveup) == "$giveup" &&
		$got_scanned == "$scanned" ]]; then
		echo "ok: $what: messages $msgs, seek_giveup $giveup, $scanned bytes scanned"
	else
		echo "FAIL: $what: messages $(messages) (want $msgs), seek_giveup" \
			"$(counter seek_giveup) (want $giveup), scanned $got_scanned (want $scanned)"
		fail=1
	fi
}

replay 8000 --seek-depth 4K
expect "flag 4K, 8000 bytes before the interchange" 0 1 5000
printf '[limits]\nseek_depth = 4096\n' >"$tmp/e.conf"
replay 8000 -c "$tmp/e.conf"
expect "file seek_depth = 4096" 0 1 5000
replay 8000 -c "$tmp/e.conf" --seek-depth 0
expect "flag 0 over the file: unlimited" 1 0 "$(counter payload_bytes)"
replay 3000 --seek-depth 4K
expect "flag 4K, 3000 bytes before" 1 0 "$(counter payload_bytes)"
# the default, 1 MiB: gives up after the 1049th segment (1,049,000 > 1,048,576)
replay 1000000
expect "default, 1,000,000 bytes before" 1 0 "$(counter payload_bytes)"
replay 1100000
expect "default, 1,100,000 bytes before" 0 1 1049000
((fail == 0)) || exit 1
echo "PASS"
