# Helpers of the tc-hook tests (test_tc_*.sh), on top of lib.sh: EDI
# payloads with indicators of tests/feeds/basic.intel, a TCP sink and a
# sender (python3) in either namespace, a dumpcap capture of what passes an
# interface, and the comparison of live records with the replay's.
#
#   tc_setup                      lib.sh's e2e_require (plus python3, dumpcap, jq)
#                                 and e2e_setup; T is the test's folder
#   make_edi FILE N               one EDIFACT interchange of N CUSCAR messages
#   start_sink NS ADDR PORT       server: reads each connection to its end
#   send_file NS ADDR PORT FILE   client: sends FILE, closes, waits for the sink
#   start_capture NS IFACE FILE / stop_capture [FLOWS]  a dumpcap capture,
#                                 stopped once it holds both FINs of FLOWS (1)
#                                 connections
#   same_records REF LIVE HOOK    records equal but for time/sequence/interface/hook,
#                                 every live flow stamped with HOOK

TC_FEED=$ROOT/tests/feeds/basic.intel
CAP_PID=
CAP_FILE=
SINK_PID=

tc_setup() {
	e2e_require python3 dumpcap jq tshark
	[[ -f $TC_FEED ]] || skip "$TC_FEED missing"
	e2e_setup || fail "namespace setup"
	T=$E2E_TMP
}

make_edi() {
	local file=$1 n=$2
	python3 - "$file" "$n" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
out = ["UNA:+.? 'UNB+UNOC:3+SHIPPER:ZZ+CUSTOMS:ZZ+260101:1200+TC1'\n"]
for i in range(1, n + 1):
    seg = [
        "UNH+%d+CUSCAR:D:95B:UN" % i,
        "BGM+85+MAN%06d+9" % i,
        "NAD+CZ+++Shenzhen Fake-Goods Trading Co.+%d Harbour Rd+Shenzhen++518000+CN" % i,
        "NAD+CN+DE123456789012345" if i % 3 == 0 else "NAD+CN+++Plain Importer %d GmbH" % i,
        "LOC+9+CNSZX",
        "EQD+CN+MSKU9070323+22G1:102:5" if i % 2 else "EQD+CN+TGHU%07d+45G1" % i,
        "GID+1+10:CT",
        "FTX+AAA+++ROLEX STYLE WATCHES?: LOT %d" % i,
        "CST++610910:HS",
        "UNT+10+%d" % i,
    ]
    out.append("'".join(seg) + "'\n")
out.append("UNZ+%d+TC1'\n" % n)
open(path, "w").write("".join(out))
PY
}

start_sink() {
	local ns=$1 addr=$2 port=$3 ready=$E2E_TMP/sink.ready
	rm -f "$ready"
	ip netns exec "$ns" python3 -c '
import socket, sys, os
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8); open(sys.argv[3], "w").close()
while True:
    c, _ = s.accept()
    n = 0
    while True:
        d = c.recv(1 << 20)
        if not d: break
        n += len(d)
    c.sendall(b"%d" % n); c.close()' "$addr" "$port" "$ready" &
	SINK_PID=$!
	E2E_PIDS+=("$SINK_PID")
	wait_for test -e "$ready"
}

# The sink answers the byte count it read: the whole file went through.
send_file() {
	local ns=$1 addr=$2 port=$3 file=$4 got
	got=$(ip netns exec "$ns" timeout 120 python3 -c '
import socket, sys
d = open(sys.argv[3], "rb").read()
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
c.sendall(d); c.shutdown(socket.SHUT_WR)
print(c.recv(64).decode())' "$addr" "$port" "$file") || return 1
	[[ $got == "$(stat -c %s "$file")" ]]
}

start_capture() {
	local ns=$1 ifn=$2
	CAP_FILE=$3
	ip netns exec "$ns" dumpcap -q -i "$ifn" -f "tcp" -s 0 -P -w "$CAP_FILE" \
		>"$E2E_TMP/dumpcap.log" 2>&1 &
	CAP_PID=$!
	E2E_PIDS+=("$CAP_PID")
	wait_for grep -qs "Capturing on" "$E2E_TMP/dumpcap.log" ||
		fail "dumpcap did not start: $(cat "$E2E_TMP/dumpcap.log")"
}

# dumpcap loses the frames it has not read yet when it is stopped, and
# writes what it read to the file as it goes: the capture stops once the
# file holds both FINs of every connection (each one's data is before them).
stop_capture() {
	local fins=$((2 * ${1:-1}))
	capture_has_fins() {
		(($(tshark -r "$CAP_FILE" -Y "tcp.flags.fin == 1" 2>/dev/null | wc -l) >= fins))
	}
	wait_for capture_has_fins ||
		echo "capture: fewer than $fins FINs in $CAP_FILE after the wait (the comparison will say what is missing)"
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	CAP_PID=
}

# What TCP did on the wire of a capture that tshark flags (retransmissions,
# reordering, lost segments), for a failure message: a count that differs
# only on a loaded machine says there why.
capture_anomalies() {
	local f=$1 what n out=""
	for what in retransmission out_of_order lost_segment duplicate_ack; do
		n=$(tshark -r "$f" -Y "tcp.analysis.$what" 2>/dev/null | wc -l)
		out+="$what $n, "
	done
	echo "capture: $(tshark -r "$f" 2>/dev/null | wc -l) frames; ${out%, }"
	tshark -r "$f" -Y "tcp.analysis.flags && !tcp.analysis.window_update" 2>/dev/null | head -5
}

# Messages and hits of a live run against those of a replay of the same
# frames: equal up to what a live run changes (times, sequence, sensor id,
# interface) and the hook, which must be HOOK on every live flow.
same_records() {
	local ref=$1 live=$2 hook=$3
	local norm='walk(if type == "object" then with_entries(select(.key | test("Ns$|^sequence$|^sensorId$|^interface$|^hook$") | not)) else . end) | tostring'
	[[ -s $ref ]] || { echo "replay wrote no records"; return 1; }
	if jq -r '.. | objects | select(has("hook")) | .hook' "$live" | grep -qv "^$hook$"; then
		echo "live records with a hook other than $hook: $(jq -r '.. | objects | select(has("hook")) | .hook' "$live" | sort | uniq -c)"
		return 1
	fi
	diff <(jq -c "$norm" "$ref" | sort) <(jq -c "$norm" "$live" | sort) >"$E2E_TMP/rec.diff" || {
		echo "records differ: $(head -c 600 "$E2E_TMP/rec.diff")"
		return 1
	}
}
