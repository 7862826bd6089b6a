#!/usr/bin/env python3
"""TCP goodput helper for bench_veth.sh (iperf3 cannot loop a file).

  veth_stream.py recv HOST PORT            accept one connection, read to EOF,
                                           print "BYTES SECONDS" (goodput as received)
  veth_stream.py send HOST PORT SECONDS FILE [BYTES_PER_S]
                                           send FILE's bytes over and over for SECONDS
                                           (as fast as TCP goes, or paced)
"""
import socket
import sys
import time


def recv(host, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(1)
    print("listening", flush=True)
    c, _ = s.accept()
    buf = bytearray(1 << 20)
    total, start = 0, None
    while True:
        n = c.recv_into(buf)
        if not n:
            break
        if start is None:
            start = time.monotonic()
        total += n
    elapsed = time.monotonic() - start if start else 0.0
    print(total, f"{elapsed:.6f}", flush=True)


def send(host, port, seconds, path, rate=0.0):
    with open(path, "rb") as f:
        unit = f.read()
    if not unit:
        sys.exit("empty file")
    # about 1 MiB of whole interchanges, or 1/100 s worth when paced
    size = (1 << 20) if rate <= 0 else max(len(unit), int(rate / 100))
    block = unit * max(1, size // len(unit))
    s = socket.create_connection((host, port))
    start = time.monotonic()
    end = start + seconds
    sent = 0
    while time.monotonic() < end:
        if rate > 0:
            ahead = sent / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
        s.sendall(block)
        sent += len(block)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()


if __name__ == "__main__":
    if sys.argv[1] == "recv":
        recv(sys.argv[2], int(sys.argv[3]))
    else:
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5],
             float(sys.argv[6]) if len(sys.argv) > 6 else 0.0)
