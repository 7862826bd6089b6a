#!/usr/bin/env bash
# TCP goodput through a veth pair between two network namespaces, with
# edisensord attached (inline) on the receiving end versus the same pair
# without any program, in the same run:
#   non-EDI: iperf3 on monitored port 9000 (every packet parsed, flow
#            tracked, payload scanned for an interchange start)
#   EDI:     a stream of EDIFACT and X12 interchanges to monitored port 4080
#            (every segment found, the forwarded ones sent up to the daemon)
# The pair is set up like a NIC link: the sender puts MTU-sized frames on
# the "wire" (TSO/GSO off), the receiver aggregates after XDP (GRO on).
#
# Noise (other work on the host) is handled by pairing: every round
# measures "none" and each variant back to back (order reversed on odd
# rounds, so a drift hits both sides alike); a variant's ratio is the
# median over the rounds of variant/none of that round.
#
# Main lines (native XDP, what `xdp_mode = auto` picks on veth):
#   veth_goodput_{non_edi,edi}_ratio      targets >= 0.95 and >= 0.75
# Context lines:
#   veth_goodput_{non_edi,edi}_tc_ratio   edisensor at tc ingress on es0
#       (hook = tc-ingress): the skb as the stack has it, no copy
#   veth_goodput_xdp_pass_ratio           a trivial XDP_PASS program: the
#       veth driver's own native-XDP cost. With a native XDP program the
#       driver copies every cloned or non-linear skb (TCP's are cloned)
#       into a fresh page with XDP headroom (veth_convert_skb_to_xdp_buff),
#       whatever the program does; edisensor cannot go below this line.
#   veth_goodput_non_edi_vs_xdp_pass_ratio  edisensor's own share
#   veth_edi_daemon_cpu_s_per_gb          edisensord CPU seconds (user +
#       system, all threads, from /proc) per GB of EDI stream received,
#       native runs
#   veth_edi_events_lost_share            events the kernel found that never
#       reached the pipeline (ring full + queue full), native runs
# BENCH_VETH_GENERIC=1 adds edisensor in generic (skb) mode;
# BENCH_VETH_SENSOR_ARGS adds edisensord flags (e.g. --cpu-priority normal).
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-2}
ROUNDS=${ROUNDS:-3}
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

attach() {   # attach VARIANT: none, pass (trivial XDP program), native, generic, tc (edisensor)
	case $1 in
	none) ;;
	pass) in_s ip link set dev es0 xdpdrv obj "$BUILD/bpf/foreign_pass.bpf.o" sec xdp ||
		fail "attaching the pass program" ;;
	tcpass) { in_s tc qdisc add dev es0 clsact &&
		in_s tc filter add dev es0 ingress bpf da obj "$BUILD/bpf/foreign_tc.bpf.o" sec tc; } ||
		fail "attaching the tc pass program" ;;
	lo)   # the daemon running, watching another interface: its mere presence
		start_sensor -i lo --hook tc-ingress --port 9000 --port 4080 --user root \
			--output "file:$E2E_TMP/hits.pb" --metrics-addr "$METRICS_ADDR"
		wait_for sensor_ready || fail "edisensord not ready" ;;
	*)
		local how=(--xdp-mode "$1")
		[[ $1 == tc ]] && how=(--hook tc-ingress)
		start_sensor -i es0 "${how[@]}" --port 9000 --port 4080 --user root \
			--feed "$FEED" --output "file:$E2E_TMP/hits.pb" --metrics-addr "$METRICS_ADDR" \
			${BENCH_VETH_SENSOR_ARGS:-}
		wait_for sensor_ready || fail "edisensord not ready"
		;;
	esac
}
detach() {
	case $1 in
	none) ;;
	pass) in_s ip link set dev es0 xdpdrv off ;;
	tcpass) in_s tc qdisc del dev es0 clsact ;;
	*) stop_sensor TERM ;;
	esac
}

# Per kind and variant: the ratio to "none" of each round, space separated.
declare -A ratios bases
cpu_ticks=0 edi_bytes=0 seg_total=0 lost_total=0

sensor_ticks() { awk '{ print $14 + $15 }' "/proc/$SENSOR_PID/stat" 2>/dev/null || echo 0; }

edi_stats() {   # what the sensor did with the EDI stream (proof it was not idle)
	local seg lost
	seg=$(metric edisensor_xdp_segments_total)
	lost=$(scrape | awk '$1 ~ /^edisensor_events_lost_total/ {s += $2} END {print s + 0}')
	say "EDI run: kernel forwarded ${seg:-?} segments, $(metric edisensor_pipeline_messages_total) messages assembled, $lost events lost"
	[[ ${seg:-0} -gt 0 ]] || fail "the EDI stream produced no segment events"
	seg_total=$((seg_total + seg))
	lost_total=$((lost_total + lost))
}

GOT=
one_run() {   # one_run KIND VARIANT: bit/s in GOT
	local kind=$1 variant=$2 t0=0
	attach "$variant"
	[[ -n $SENSOR_PID ]] && t0=$(sensor_ticks)
	GOT=$(${kind}_run) && [[ -n $GOT && $GOT != 0 ]] || fail "$kind run ($variant)"
	if [[ $kind == edi && $variant == native ]]; then
		cpu_ticks=$((cpu_ticks + $(sensor_ticks) - t0))
		edi_bytes=$((edi_bytes + $(awk 'NR == 2 { print $1 }' "$E2E_TMP/recv.out")))
		edi_stats
	fi
	detach "$variant"
}

measure() {   # measure KIND VARIANTS...: per round "none" and each variant
	local kind=$1 i variant
	local -a order
	local -A got
	shift
	for ((i = 0; i < ROUNDS; i++)); do
		order=(none "$@")
		((i % 2)) && order=($(printf '%s\n' none "$@" | tac))
		for variant in "${order[@]}"; do
			one_run "$kind" "$variant"
			got[$variant]=$GOT
		done
		bases[$kind]+=" ${got[none]}"
		for variant in "$@"; do
			ratios[${kind}_$variant]+=" $(awk -v a="${got[$variant]}" -v b="${got[none]}" \
				'BEGIN { printf "%.4f", a / b }')"
		done
	done
}

median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END {
	if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { median <<<"${ratios[$1]}"; }

in_s ethtool -K es0 gro on >/dev/null 2>&1 || say "note: cannot enable GRO on es0 (no ethtool?)"
in_p ethtool -K es1 tso off gso off >/dev/null 2>&1 || say "note: cannot turn TSO off on es1"
generic=()
[[ -n ${BENCH_VETH_GENERIC:-} ]] && generic=(generic)
measure non_edi native tc pass tcpass ${BENCH_VETH_EXTRA:-} "${generic[@]}"
measure edi native tc "${generic[@]}"
for kind in non_edi edi; do
	say "$kind rounds: none bit/s${bases[$kind]}; native/none${ratios[${kind}_native]}; tc/none${ratios[${kind}_tc]}"
	echo "bench: veth_goodput_${kind}_base $(median <<<"${bases[$kind]}" | awk '{ printf "%.0f", $1 }') bit/s"
	echo "bench: veth_goodput_${kind}_ratio $(ratio "${kind}_native")"
	echo "bench: veth_goodput_${kind}_tc_ratio $(ratio "${kind}_tc")"
	[[ -n ${generic[*]} ]] && echo "bench: veth_goodput_${kind}_generic_ratio $(ratio "${kind}_generic")"
done
say "xdp_pass/none${ratios[non_edi_pass]}"
echo "bench: veth_goodput_xdp_pass_ratio $(ratio non_edi_pass)"
say "tc_pass/none${ratios[non_edi_tcpass]}"
echo "bench: veth_goodput_tc_pass_ratio $(ratio non_edi_tcpass)"
for v in ${BENCH_VETH_EXTRA:-}; do
	say "$v/none${ratios[non_edi_$v]}"
	echo "bench: veth_goodput_non_edi_${v}_ratio $(ratio "non_edi_$v")"
done
echo "bench: veth_goodput_non_edi_vs_xdp_pass_ratio $(awk -v a="$(ratio non_edi_native)" \
	-v b="$(ratio non_edi_pass)" 'BEGIN { printf "%.3f", a / b }')"
echo "bench: veth_edi_daemon_cpu_s_per_gb $(awk -v t="$cpu_ticks" -v hz="$(getconf CLK_TCK)" \
	-v b="$edi_bytes" 'BEGIN { printf "%.3f", b ? t / hz / (b / 1e9) : 0 }') s/GB"
echo "bench: veth_edi_events_lost_share $(awk -v l="$lost_total" -v s="$seg_total" \
	'BEGIN { printf "%.3f", s ? l / s : 0 }')"
