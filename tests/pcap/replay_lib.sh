# Sourced by the replay tests of this folder: paths, and the checks every one
# of them makes before replaying (root for BPF_PROG_TEST_RUN, python3, the
# binaries it runs), then a scratch folder $tmp removed on exit.
BUILD=${BUILD:-build}
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
GEN=$BUILD/edi-pcapgen
DAEMON=$BUILD/edisensord

# replay_require BIN...: exits 77 (skipped, said loudly) without root or
# python3, 1 when a binary is not built.
replay_require() {
	local bin
	if [[ $(id -u) -ne 0 ]]; then
		echo "SKIPPED: replay runs the XDP program with BPF_PROG_TEST_RUN and needs root"
		exit 77
	fi
	if ! command -v python3 >/dev/null; then
		echo "SKIPPED: python3 missing (tools/install-deps.sh installs it)"
		exit 77
	fi
	for bin in "$@"; do
		[[ -x $bin ]] || { echo "FAIL: $bin not built"; exit 1; }
	done
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
}
