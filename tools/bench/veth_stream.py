#!/usr/bin/env python3
"""TCP goodput helper for bench_veth.sh (iperf3 cannot loop a file).

  veth_stream.py recv HOST PORT            accept one connection, read to EOF,
                                           print "BYTES SECONDS" (goodput as received)
  veth_stream.py send HOST PORT SECONDS FILE
                                           send FILE's bytes over and over for SECONDS
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


def send(host, port, seconds, path):
    with open(path, "rb") as f:
        unit = f.read()
    if not unit:
        sys.exit("empty file")
    block = unit * max(1, (1 << 20) // len(unit))   # about 1 MiB, whole interchanges
    s = socket.create_connection((host, port))
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        s.sendall(block)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()


if __name__ == "__main__":
    if sys.argv[1] == "recv":
        recv(sys.argv[2], int(sys.argv[3]))
    else:
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
