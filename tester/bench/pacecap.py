#!/usr/bin/python3
"""pacecap: the paced-replay benchmark's synthetic capture (issue 17,
tester/bench/pace.sh).

    pacecap.py OUT [SESSIONS [GAP]]

SESSIONS (default 5) SMTP sessions on port 25, starting GAP (default 2)
seconds apart, each greeting, HELO, QUIT with a client think time of
50 ms before each command.  The capture lasts (SESSIONS - 1) * GAP +
0.25 s, printed on standard output (seconds, first packet to last).  The TCP and
pcap encoding is tester/tests/pcapgen.py's.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests"))
import pcapgen  # noqa: E402

T0 = 1700000000.0
# (seconds after the session's SYN, direction 0 client / 1 server, bytes)
STEPS = [
    (0.010, 1, b"220 mx.example.test ESMTP\r\n"),
    (0.060, 0, b"HELO client.example.test\r\n"),
    (0.070, 1, b"250 mx.example.test\r\n"),
    (0.120, 0, b"QUIT\r\n"),
    (0.130, 1, b"221 2.0.0 Bye\r\n"),
]
CLOSE = 0.250


def session(k, start):
    """The frames of session K starting at START (seconds after T0)."""
    c = pcapgen.Conv(cport=41000 + k, sport=25, cisn=1000 + 7919 * k,
                     sisn=5000 + 104729 * k)
    out = [(start, p) for p in c.open()]
    for at, d, data in STEPS:
        out += [(start + at, p) for p in c.send(d, data)]
    out += [(start + CLOSE, p) for p in c.close()]
    return out


def main(argv):
    if not 1 <= len(argv) <= 3:
        sys.stderr.write(__doc__)
        return 2
    n = int(argv[1]) if len(argv) > 1 else 5
    gap = float(argv[2]) if len(argv) > 2 else 2.0
    pkts = []
    for k in range(n):
        pkts += session(k, k * gap)
    pkts.sort(key=lambda tp: tp[0])  # stable: a session's order is kept
    frames = []
    for i, (t, p) in enumerate(pkts):
        data = pcapgen.link_bytes(1, p)
        frames.append((T0 + t + i * 1e-6, data, len(data)))
    pcapgen.write_pcap(argv[0], 1, frames)
    print("%.3f" % (frames[-1][0] - frames[0][0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
