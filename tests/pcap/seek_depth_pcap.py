#!/usr/bin/env python3
"""Writes a capture for test_replay_seek_depth.sh: one TCP connection to
port 4080 (SYN, FILLER bytes of lower-case non-EDI text in 1000-byte
segments, one EDIFACT interchange, FIN).

usage: seek_depth_pcap.py OUT.pcap FILLER_BYTES
"""
import struct
import sys

INTERCHANGE = (b"UNA:+.? 'UNB+UNOC:3+SENDER:ZZ+CUSTOMS:ZZ+260101:1200+42'"
               b"UNH+1+CUSCAR:D:95B:UN'BGM+85+SEEKDEPTH1+9'"
               b"NAD+CZ+++ACME EXPORTS LTD+1 HARBOUR RD+ROTTERDAM++3011+NL'"
               b"EQD+CN+MSKU9070323+22G1:102:5'UNT+5+1'UNZ+1+42'")
WORDS = b"the quick brown fox jumps over the lazy dog; "


def frame(seq, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", 40001, 4080, seq, 1, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000,
                     64, 6, 0, bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
    eth = bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00"
    return eth + ip + tcp + payload


def main():
    out, filler = sys.argv[1], int(sys.argv[2])
    body = (WORDS * (filler // len(WORDS) + 1))[:filler]
    frames = [frame(999, 0x02, b"")]
    seq = 1000
    for at in range(0, filler, 1000):
        chunk = body[at:at + 1000]
        frames.append(frame(seq, 0x18, chunk))
        seq += len(chunk)
    frames.append(frame(seq, 0x18, INTERCHANGE))
    seq += len(INTERCHANGE)
    frames.append(frame(seq, 0x11, b""))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1767225600 + i, 0, len(fr), len(fr)))
            f.write(fr)


if __name__ == "__main__":
    main()
