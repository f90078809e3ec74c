#!/usr/bin/python3
"""pacegen: the capture pace.t replays with --pace (issue 17).

    pacegen.py OUT     write it to OUT (pcap, Ethernet)

Two SMTP sessions, built with pcapgen.py's TCP helpers and given real
timing: A starts at 0 s, greets, the client sends EHLO 40 ms later and
QUIT 1.94 s after EHLO's reply; B starts 1.5 s in, while A is still open,
and is done by 1.62 s.  No third-party modules.
"""
import sys

import pcapgen as g


def session(cport, name, t0, quit_at):
    """One SMTP session from T0 (seconds): greeting, EHLO, QUIT."""
    c = g.Conv(cport=cport)
    out = [(t0 + i * 0.0002, p) for i, p in enumerate(c.open())]
    steps = [(t0 + 0.010, 1, b"220 mx.test ESMTP\r\n"),
             (t0 + 0.050, 0, b"EHLO " + name + b"\r\n"),
             (t0 + 0.060, 1, b"250 mx.test\r\n"),
             (quit_at, 0, b"QUIT\r\n"),
             (quit_at + 0.010, 1, b"221 bye\r\n")]
    for t, d, data in steps:
        out += [(t + i * 0.0002, p) for i, p in enumerate(c.send(d, data))]
    out += [(quit_at + 0.020 + i * 0.0002, p)
            for i, p in enumerate(c.close())]
    return out


def main(argv):
    if len(argv) != 1:
        sys.stderr.write("usage: pacegen.py OUT\n")
        return 2
    pk = session(40001, b"a.test", 0.0, 2.0) + \
        session(40002, b"b.test", 1.5, 1.6)
    pk.sort(key=lambda x: x[0])
    frames = []
    for t, p in pk:
        b = g.link_bytes(1, p)
        frames.append((1700000000.0 + t, b, len(b)))
    g.write_pcap(argv[0], 1, frames)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
