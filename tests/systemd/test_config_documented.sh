#!/usr/bin/env bash
# Every key the configuration parser accepts is documented in the example
# file and in edisensor.conf(5), and the example passes --check-config's
# parser (interfaces aside, which depend on the machine).
set -u
cd "$ROOT"
# the rows of config_file.c's file_keys[] table: { "section", "key", ... },
keys=$(sed -n '/file_keys\[\] = {/,/^};/p' userspace/config_file.c |
	sed -n 's/^[[:space:]]*{ "\([a-z]*\)", "\([a-z_]*\)",.*/\1.\2/p' | sort -u)
[[ -n $keys ]] || { echo "FAIL: no keys found in userspace/config_file.c"; exit 1; }
bad=0
for k in $keys; do
	sec=${k%%.*} key=${k#*.}
	# in the example: the key inside its section
	if ! awk -v s="[$sec]" -v k="$key" '
		/^\[/ { in_s = ($0 == s) }
		in_s && $0 ~ "^" k " *=" { found = 1 }
		END { exit !found }' systemd/edisensor.conf; then
		[[ $sec.$key == feeds.file ]] || { echo "missing in systemd/edisensor.conf: [$sec] $key"; bad=1; }
	fi
	# in the man page: the key in its section's text
	if ! awk -v s=".SH [$sec]" -v k="$key" '
		/^\.SH / { in_s = ($0 == s) }
		in_s && index($0, k) { found = 1 }
		END { exit !found }' man/edisensor.conf.5; then
		echo "missing in man/edisensor.conf.5: [$sec] $key"
		bad=1
	fi
done
((bad == 0)) || { echo "FAIL: undocumented keys"; exit 1; }
echo "PASS: $(wc -w <<<"$keys") keys documented in the example and the man page"
