#!/usr/bin/env bash
# TCP goodput through a veth pair between two network namespaces, with
# edisensord attached (inline) on the receiving end versus the same pair
# without any XDP program, measured alternately in the same run:
#   non-EDI: iperf3 on monitored port 9000 (every packet parsed, flow
#            tracked, payload scanned for an interchange start)
#   EDI:     a stream of EDIFACT and X12 interchanges to monitored port 4080
#            (every segment found, the forwarded ones sent up to the daemon)
# The pair is set up like a NIC link: the sender puts MTU-sized frames on
# the "wire" (TSO/GSO off), the receiver aggregates after XDP (GRO on).
# Main lines (native XDP, what `xdp_mode = auto` picks on veth):
#   veth_goodput_{non_edi,edi}_ratio      targets >= 0.95 and >= 0.75
# Context lines: the same with a trivial XDP_PASS program instead of
# edisensor (the veth driver's own native-XDP cost: it copies every frame
# into a page with XDP headroom) and with edisensor in generic mode.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-3}
ROUNDS=${ROUNDS:-2}
say() { echo "bench_veth: $*" >&2; }
if [[ $(id -u) -ne 0 ]]; then
	say "SKIPPED: needs root (network namespaces, XDP)"
	exit 0
fi
for t in iperf3 python3 ip; do
	command -v $t >/dev/null || { say "SKIPPED: $t not installed"; exit 0; }
done
[[ -x $BUILD/edisensord ]] || { say "$BUILD/edisensord not built"; exit 1; }
# The namespace helpers of the end-to-end tests (trap removes them on exit).
. "$ROOT/tests/e2e/lib.sh"
skip() { say "SKIPPED: $*"; exit 0; }
fail() { say "FAILED: $*"; tail -20 "$E2E_TMP/sensor.log" >&2 2>/dev/null; exit 1; }
e2e_setup || fail "namespace setup"
in_s ip link set es0 mtu 1500
in_p ip link set es1 mtu 1500
STREAM=$ROOT/tools/bench/veth_stream.py
FEED=$ROOT/systemd/feeds/example.intel
[[ -f $FEED ]] || FEED=$ROOT/tests/feeds/basic.intel

# The EDI stream's unit: one EDIFACT CUSCAR and one X12 309 interchange.
cat >"$E2E_TMP/edi.txt" <<'EDI'
UNA:+.? 'UNB+UNOC:3+SENDERID:ZZZ+CUSTOMS:ZZZ+260101:1200+REF0001'UNH+1+CUSCAR:D:95B:UN'BGM+85+MANIFEST001+9'DTM+137:202601011200:203'RFF+AFB:MAN0001'TDT+20+VOY123+1++CARRIER:172:20+++9321483:146:11:EVER GIVEN'LOC+5+CNSHA'LOC+60+NLRTM'DTM+132:202601151200:203'NAD+CZ+SHIPPER01::ZZZ++SHENZHEN TRADING CO+1 HARBOUR ROAD+SHENZHEN++518000+CN'NAD+CN+CONSIGNEE01::ZZZ++ROTTERDAM IMPORT BV+KADE 7+ROTTERDAM++3011+NL'GID+1+120:CT'FTX+AAA+++COTTON T-SHIRTS PRINTED'MEA+WT+AAE+KGM:1200'CST++610910:HS'EQD+CN+MSKU9070323+45G1:102:5'SEL+SEAL12345'UNT+18+1'UNZ+1+REF0001'
ISA*00*          *00*          *ZZ*SENDERID       *ZZ*CBPACE         *260101*1200*U*00401*000000001*0*P*>~GS*SO*SENDERID*CBPACE*20260101*1200*1*X*004010~ST*309*0001~M10*SCAC*O*US*9321483*EVER GIVEN*VOY123*1~P4*2704*20260115*1~M11*MAEU123456789*CNSHA*10*1200*K~N1*SH*SHENZHEN TRADING CO~N1*CN*ROTTERDAM IMPORT BV~N10*10*COTTON T-SHIRTS*6109100000*J~VID*MSKU*9070323*SEAL1~SE*10*0001~GE*1*1~IEA*1*000000001~
EDI

in_s iperf3 -s -B 10.77.0.1 -p 9000 >"$E2E_TMP/iperf3-server.log" 2>&1 &
E2E_PIDS+=($!)
sleep 0.5

non_edi_run() {
	in_p iperf3 -c 10.77.0.1 -p 9000 -t "$SECONDS_PER_RUN" -J 2>/dev/null |
		python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))'
}

edi_run() {
	local out=$E2E_TMP/recv.out
	rm -f "$out"
	in_s python3 "$STREAM" recv 10.77.0.1 4080 >"$out" 2>&1 &
	local r=$!
	wait_for grep -qs listening "$out" || return 1
	in_p python3 "$STREAM" send 10.77.0.1 4080 "$SECONDS_PER_RUN" "$E2E_TMP/edi.txt" || return 1
	wait $r
	awk 'NR == 2 && $2 > 0 { printf "%.0f\n", $1 * 8 / $2 }' "$out"
}

attach() {   # attach VARIANT: none, pass (trivial XDP program), native, generic (edisensor)
	case $1 in
	none) ;;
	pass) in_s ip link set dev es0 xdpdrv obj "$BUILD/bpf/foreign_pass.bpf.o" sec xdp ||
		fail "attaching the pass program" ;;
	*)
		start_sensor -i es0 --xdp-mode "$1" --port 9000 --port 4080 --user root \
			--feed "$FEED" --output "file:$E2E_TMP/hits.pb" --metrics-addr "$METRICS_ADDR"
		wait_for sensor_ready || fail "edisensord not ready"
		;;
	esac
}
detach() {
	case $1 in
	none) ;;
	pass) in_s ip link set dev es0 xdpdrv off ;;
	*) stop_sensor TERM ;;
	esac
}

declare -A sum
add() { sum[$1]=$(awk -v a="${sum[$1]:-0}" -v b="$2" 'BEGIN { printf "%.0f", a + b }'); }

measure() {   # measure KIND VARIANTS...: one run of each variant per round, alternating
	local kind=$1 i v variant
	shift
	for ((i = 0; i < ROUNDS; i++)); do
		for variant in "$@"; do
			attach "$variant"
			v=$(${kind}_run) && [[ -n $v ]] || fail "$kind run ($variant)"
			add "${kind}_$variant" "$v"
			[[ $kind == edi && $variant == native ]] && edi_stats
			detach "$variant"
		done
	done
}

edi_stats() {   # what the sensor did with the EDI stream (proof it was not idle)
	local seg lost
	seg=$(metric edisensor_xdp_segments_total)
	lost=$(scrape | awk '$1 ~ /^edisensor_events_lost_total/ {s += $2} END {print s + 0}')
	say "EDI run: kernel forwarded ${seg:-?} segments, $(metric edisensor_pipeline_messages_total) messages assembled, $lost events lost"
	[[ ${seg:-0} -gt 0 ]] || fail "the EDI stream produced no segment events"
}

avg() { awk -v s="${sum[$1]}" -v n="$ROUNDS" 'BEGIN { printf "%.0f", s / n }'; }
ratio() { awk -v a="$(avg "$1")" -v b="$(avg "$2")" 'BEGIN { printf "%.3f", a / b }'; }

in_s ethtool -K es0 gro on >/dev/null 2>&1 || say "note: cannot enable GRO on es0 (no ethtool?)"
in_p ethtool -K es1 tso off gso off >/dev/null 2>&1 || say "note: cannot turn TSO off on es1"
measure non_edi none native pass generic
measure edi none native generic
for kind in non_edi edi; do
	echo "bench: veth_goodput_${kind}_base $(avg "${kind}_none") bit/s"
	echo "bench: veth_goodput_${kind}_edisensor $(avg "${kind}_native") bit/s"
	echo "bench: veth_goodput_${kind}_ratio $(ratio "${kind}_native" "${kind}_none")"
	echo "bench: veth_goodput_${kind}_generic_ratio $(ratio "${kind}_generic" "${kind}_none")"
done
echo "bench: veth_goodput_xdp_pass_ratio $(ratio non_edi_pass non_edi_none)"
echo "bench: veth_goodput_non_edi_vs_xdp_pass_ratio $(ratio non_edi_native non_edi_pass)"
