#!/usr/bin/env bash
# The golden set tests/pcap/golden/ (see GOLDEN.txt there) is exactly what
# the generator writes for the listed flags: this both proves determinism
# across builds and keeps the committed captures current. The clean ones are
# also checked against tshark's reassembly. --update rewrites them.
set -eu
. "$(dirname "$0")/lib.sh"
dir=$ROOT/tests/pcap/golden
update=${1:-}

n=0
while read -r name flags; do
	[[ -z $name || $name == \#* ]] && continue
	# shellcheck disable=SC2086  # flags are words
	"$GEN" -o "$tmp/$name.pcap" $flags
	if [[ $update == --update ]]; then
		cp "$tmp/$name.pcap" "$tmp/$name.jsonl" "$dir/"
		echo "updated $name"
		continue
	fi
	cmp "$tmp/$name.pcap" "$dir/$name.pcap" || fail "$name.pcap differs from the generator's output"
	cmp "$tmp/$name.jsonl" "$dir/$name.jsonl" || fail "$name.jsonl differs from the generator's output"
	if [[ $name != pathologies ]]; then
		python3 "$CHECK" follow "$dir/$name.pcap" "$dir/$name.jsonl" >/dev/null ||
			fail "$name: tshark reassembly differs from the manifest"
	fi
	n=$((n + 1))
done <"$dir/GOLDEN.txt"
[[ $update == --update ]] && exit 0
[[ $n -ge 5 ]] || fail "only $n golden captures"
echo "PASS: $n golden captures"
