#!/usr/bin/env python3
"""Writes a pcap of TCP connections (IPv4 over Ethernet), each carrying
given bytes from a client to a server port: handshake, the data in
segments cut where asked (or at most MSS bytes each), FIN both ways. For
replay tests of inputs that tools/edi-pcapgen does not make.

As a program: stream_pcap.py OUT.pcap IN.file [MSS] (one connection)."""
import struct
import sys

CLIENT = bytes([192, 0, 2, 1])
SERVER = bytes([198, 51, 100, 2])
FIRST_CLIENT_PORT = 40000


def _csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", _csum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0x4000, 64, 6,
                     0, src, dst)
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp + payload


def connection_frames(data, client_port, server_port=9000, cuts=None, mss=1460):
    """Frames of one connection; cuts: stream offsets where a segment ends."""
    c, s = CLIENT, SERVER
    bounds = sorted(set([0, len(data)] + [k for k in (cuts or []) if 0 < k < len(data)]))
    if cuts is None:
        bounds = list(range(0, len(data), mss)) + [len(data)]
    isn, sisn = 1000, 5000
    out = [_frame(c, s, client_port, server_port, isn, 0, 0x02),
           _frame(s, c, server_port, client_port, sisn, isn + 1, 0x12),
           _frame(c, s, client_port, server_port, isn + 1, sisn + 1, 0x10)]
    for a, b in zip(bounds, bounds[1:]):
        if b > a:
            out.append(_frame(c, s, client_port, server_port, isn + 1 + a, sisn + 1, 0x18,
                              data[a:b]))
    end = isn + 1 + len(data)
    out.append(_frame(c, s, client_port, server_port, end, sisn + 1, 0x11))
    out.append(_frame(s, c, server_port, client_port, sisn + 1, end + 1, 0x11))
    out.append(_frame(c, s, client_port, server_port, end + 1, sisn + 2, 0x10))
    return out


def write(path, connections, server_port=9000):
    """connections: list of (data, cuts or None); connection i uses client
    port FIRST_CLIENT_PORT + i. Connections follow each other."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        t = 0
        for i, (data, cuts) in enumerate(connections):
            for fr in connection_frames(data, FIRST_CLIENT_PORT + i, server_port, cuts):
                t += 1
                f.write(struct.pack("<IIII", 1767225600 + t // 1000000, t % 1000000,
                                    len(fr), len(fr)))
                f.write(fr)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[2], "rb") as fin:
        payload = fin.read()
    mss = int(sys.argv[3]) if len(sys.argv) > 3 else 1460
    write(sys.argv[1], [(payload, list(range(mss, len(payload), mss)))])
