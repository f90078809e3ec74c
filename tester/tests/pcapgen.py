#!/usr/bin/python3
"""pcapgen: synthetic SMTP/POP3 captures for the import tests and the
benchmark.  No third-party modules.

    pcapgen.py list                  the case names, one per line
    pcapgen.py case NAME OUT         write case NAME to OUT
    pcapgen.py all DIR               every case as DIR/NAME.pcap(ng)
    pcapgen.py data DIR              the committed test data set
                                     (tester/tests/data/pcaps/SOURCES.md)
    pcapgen.py bench OUT [--mb N] [--sessions N] [--interleave N]
                                     the large benchmark capture (>= N MB)
    pcapgen.py pace OUT [--sessions N] [--gap S]
                                     the paced-replay benchmark's capture:
                                     N sessions S seconds apart (prints
                                     its duration)

Every case is a real-looking TCP conversation (handshake, data with
piggybacked ACKs, FIN/ACK close) wrapped in the container, link and IP
variant the case is about, and mutated at the TCP level where the case
is about reassembly.  tester/tests/t/import.t says what each case must
produce.
"""
import os
import random
import struct
import sys

# ---------------------------------------------------------------------------
# Dialogues

SMTP_BODY = (b"Subject: hello\r\n"
             b"From: <a@x.test>\r\n"
             b"\r\n"
             b"line one\r\n"
             b"..a line that starts with a dot\r\n"
             b"\tfolded continuation\r\n"
             b"end\r\n")


def smtp_dialogue(body=SMTP_BODY, helo=b"EHLO client.test"):
    """(dir, bytes): 0 client->server, 1 server->client, in lock-step."""
    return [
        (1, b"220 mx.test ESMTP ready\r\n"),
        (0, helo + b"\r\n"),
        (1, b"250-mx.test hello\r\n250-PIPELINING\r\n250-CHUNKING\r\n"
            b"250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"),
        (0, b"MAIL FROM:<a@x.test>\r\n"),
        (1, b"250 2.1.0 Ok\r\n"),
        (0, b"RCPT TO:<b@y.test>\r\n"),
        (1, b"250 2.1.5 Ok\r\n"),
        (0, b"DATA\r\n"),
        (1, b"354 End data with <CR><LF>.<CR><LF>\r\n"),
        (0, body + b".\r\n"),
        (1, b"250 2.0.0 Ok: queued as ABC123\r\n"),
        (0, b"QUIT\r\n"),
        (1, b"221 2.0.0 Bye\r\n"),
    ]


def smtp_pipelined():
    return [
        (1, b"220 mx.test ESMTP\r\n"),
        (0, b"EHLO c.test\r\n"),
        (1, b"250-mx.test\r\n250 PIPELINING\r\n"),
        (0, b"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n"
            b"RCPT TO:<c@y.test>\r\nDATA\r\n"),
        (1, b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 no such user\r\n"
            b"354 go ahead\r\n"),
        (0, b"Subject: pipelined\r\n\r\nhello\r\n.\r\nQUIT\r\n"),
        (1, b"250 2.0.0 queued\r\n221 bye\r\n"),
    ]


def smtp_bdat():
    chunk1 = b"Subject: chunked\r\n\r\nfirst part, no line end"
    chunk2 = b" -- second part\r\n"
    return [
        (1, b"220 mx.test ESMTP\r\n"),
        (0, b"EHLO c.test\r\n"),
        (1, b"250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n"),
        (0, b"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n"),
        (1, b"250 Ok\r\n250 Ok\r\n"),
        (0, b"BDAT %d\r\n" % len(chunk1) + chunk1),
        (1, b"250 2.0.0 chunk ok\r\n"),
        (0, b"BDAT %d LAST\r\n" % len(chunk2) + chunk2),
        (1, b"250 2.0.0 queued\r\n"),
        (0, b"QUIT\r\n"),
        (1, b"221 bye\r\n"),
    ]


def smtp_auth():
    return [
        (1, b"220 mx.test ESMTP\r\n"),
        (0, b"EHLO c.test\r\n"),
        (1, b"250-mx.test\r\n250 AUTH PLAIN LOGIN\r\n"),
        (0, b"AUTH PLAIN AHVzZXIAc2VjcmV0\r\n"),
        (1, b"535 5.7.8 bad credentials\r\n"),
        (0, b"AUTH LOGIN\r\n"),
        (1, b"334 VXNlcm5hbWU6\r\n"),
        (0, b"dXNlcg==\r\n"),
        (1, b"334 UGFzc3dvcmQ6\r\n"),
        (0, b"c2VjcmV0\r\n"),
        (1, b"235 2.7.0 ok\r\n"),
        (0, b"QUIT\r\n"),
        (1, b"221 bye\r\n"),
    ]


def smtp_starttls():
    return [
        (1, b"220 mx.test ESMTP\r\n"),
        (0, b"EHLO c.test\r\n"),
        (1, b"250-mx.test\r\n250 STARTTLS\r\n"),
        (0, b"STARTTLS\r\n"),
        (1, b"220 2.0.0 Ready to start TLS\r\n"),
        (0, b"\x16\x03\x01\x00\x30" + bytes(range(48))),
        (1, b"\x16\x03\x03\x00\x20" + bytes(range(32))),
        (0, b"\x17\x03\x03\x00\x10" + b"\xAA" * 16),
    ]


def smtp_binary():
    body = (b"Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\n"
            b"caf\xc3\xa9 \xe2\x82\xac utf-8\r\n"
            b"latin-1 caf\xe9\r\n"
            b"a NUL \x00 here\r\n"
            b"bare LF line\nnext\r\n"
            b"trailing blanks  \r\n"
            b"<html lang=en>\r\n"
            b"price $5 and ${var} and $$\r\n")
    return smtp_dialogue(body=body)


def pop3_dialogue():
    msg = (b"From: a@x.test\r\nSubject: one\r\n\r\nbody line\r\n"
           b"..stuffed dot line\r\n+OK inside the body\r\n")
    return [
        (1, b"+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>\r\n"),
        (0, b"CAPA\r\n"),
        (1, b"+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\n"
            b"SASL PLAIN\r\n.\r\n"),
        (0, b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"),
        (1, b"-ERR permission denied\r\n"),
        (0, b"AUTH PLAIN\r\n"),
        (1, b"+ \r\n"),
        (0, b"AHVzZXIAc2VjcmV0\r\n"),
        (1, b"+OK logged in\r\n"),
        (0, b"STAT\r\n"),
        (1, b"+OK 2 320\r\n"),
        (0, b"LIST\r\n"),
        (1, b"+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n"),
        (0, b"LIST 2\r\n"),
        (1, b"+OK 2 200\r\n"),
        (0, b"UIDL 1\r\n"),
        (1, b"+OK 1 whqtswO00WBw418f9t5JxYwZ\r\n"),
        (0, b"RETR 1\r\n"),
        (1, b"+OK 120 octets\r\n" + msg + b".\r\n"),
        (0, b"TOP 1 0\r\n"),
        (1, b"+OK\r\nFrom: a@x.test\r\nSubject: one\r\n\r\n.\r\n"),
        (0, b"RETR 9\r\n"),
        (1, b"-ERR no such message\r\n"),
        (0, b"USER mrose\r\n"),
        (1, b"+OK\r\n"),
        (0, b"PASS tanstaaf\r\n"),
        (1, b"-ERR already authenticated\r\n"),
        (0, b"QUIT\r\n"),
        (1, b"+OK bye\r\n"),
    ]


def pop3_stls():
    return [
        (1, b"+OK POP3 ready\r\n"),
        (0, b"STLS\r\n"),
        (1, b"+OK Begin TLS negotiation\r\n"),
        (0, b"\x16\x03\x01\x00\x08" + b"\x01" * 8),
        (1, b"\x16\x03\x03\x00\x08" + b"\x02" * 8),
    ]


# ---------------------------------------------------------------------------
# TCP conversations: packets as dicts

class Conv:
    """One TCP connection between a client and a server."""

    def __init__(self, cport=40000, sport=25, v6=False, cisn=1000,
                 sisn=5000, caddr=None, saddr=None):
        self.v6 = v6
        self.addr = [caddr or (b"\x20\x01\x0d\xb8" + b"\x00" * 11 + b"\x01"
                               if v6 else bytes([10, 0, 0, 1])),
                     saddr or (b"\x20\x01\x0d\xb8" + b"\x00" * 11 + b"\x02"
                               if v6 else bytes([10, 0, 0, 2]))]
        self.port = [cport, sport]
        self.isn = [cisn & 0xFFFFFFFF, sisn & 0xFFFFFFFF]
        self.nxt = [(cisn + 1) & 0xFFFFFFFF, (sisn + 1) & 0xFFFFFFFF]

    def pkt(self, d, flags, payload=b"", seq=None, ack=None):
        return {"dir": d, "src": self.addr[d], "dst": self.addr[1 - d],
                "sport": self.port[d], "dport": self.port[1 - d],
                "seq": self.nxt[d] if seq is None else seq,
                "ack": (self.nxt[1 - d] if ack is None else ack)
                if flags & ACK else 0,
                "flags": flags, "payload": payload, "v6": self.v6}

    def open(self):
        return [self.pkt(0, SYN, seq=self.isn[0], ack=0),
                self.pkt(1, SYN | ACK, seq=self.isn[1]),
                self.pkt(0, ACK)]

    def send(self, d, data, mss=1400):
        out = []
        for i in range(0, len(data), mss):
            p = self.pkt(d, ACK | PSH, data[i:i + mss])
            self.nxt[d] = (self.nxt[d] + len(p["payload"])) & 0xFFFFFFFF
            out.append(p)
        out.append(self.pkt(1 - d, ACK))  # the peer acknowledges
        return out

    def close(self):
        out = [self.pkt(0, FIN | ACK)]
        self.nxt[0] = (self.nxt[0] + 1) & 0xFFFFFFFF
        out.append(self.pkt(1, FIN | ACK))
        self.nxt[1] = (self.nxt[1] + 1) & 0xFFFFFFFF
        out.append(self.pkt(0, ACK))
        return out

    def run(self, dialogue, mss=1400, handshake=True, close=True):
        out = self.open() if handshake else []
        for d, data in dialogue:
            out += self.send(d, data, mss)
        if close:
            out += self.close()
        return out


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

# ---------------------------------------------------------------------------
# Encoding: TCP, IP, link layers


def tcp_bytes(p):
    opts = p.get("tcpopts", b"")
    doff = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", p["sport"], p["dport"], p["seq"],
                       p["ack"], doff << 4, p["flags"], 65535, 0, 0) + opts


def ip_bytes(p):
    tcp = tcp_bytes(p) + p["payload"]
    if p["v6"]:
        ext = p.get("v6ext", b"")
        nh = 6
        if ext:
            nh = p["v6ext_first"]
        return struct.pack("!IHBB", 6 << 28, len(ext) + len(tcp), nh, 64) + \
            p["src"] + p["dst"] + ext + tcp
    opts = p.get("ipopts", b"")
    ihl = (20 + len(opts)) // 4
    total = ihl * 4 + len(tcp)
    frag = p.get("frag", 0x4000)  # DF
    return struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 1, frag, 64, 6,
                       0, p["src"], p["dst"]) + opts + tcp


def ethertype(p):
    return 0x86DD if p["v6"] else 0x0800


def link_bytes(lt, p, variant=None):
    ip = ip_bytes(p)
    if lt == 1:  # EN10MB
        tags = b""
        for t in (variant or {}).get("vlans", []):
            tags += struct.pack("!HH", t[0], t[1])
        frame = b"\x00\x11\x22\x33\x44\x55" + b"\x66\x77\x88\x99\xaa\xbb" + \
            tags + struct.pack("!H", ethertype(p)) + ip
        if (variant or {}).get("pad") and len(frame) < 60:
            frame += b"PAD!" * 16
            frame = frame[:max(60, len(frame) - 40)]
        return frame
    if lt == 113:  # LINUX_SLL
        return struct.pack("!HHH8sH", 0 if p["dir"] else 4, 1, 6,
                           b"\x00\x11\x22\x33\x44\x55\x00\x00",
                           ethertype(p)) + ip
    if lt == 276:  # LINUX_SLL2
        return struct.pack("!HHIHBB8s", ethertype(p), 0, 1, 1,
                           0 if p["dir"] else 4, 6,
                           b"\x00\x11\x22\x33\x44\x55\x00\x00") + ip
    if lt in (0, 108):  # NULL (host order) / LOOP (network order)
        af = (variant or {}).get("af", 30 if p["v6"] else 2)
        order = (variant or {}).get("order", "<" if lt == 0 else ">")
        return struct.pack(order + "I", af) + ip
    if lt in (101, 228, 229):
        return ip
    return ip  # unknown link types carry raw IP; the reader must refuse them


# ---------------------------------------------------------------------------
# Containers


def write_pcap(path, lt, frames, big=False, nano=False, snaplen=262144):
    e = ">" if big else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    with open(path, "wb") as f:
        f.write(struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, lt))
        for ts, data, wirelen in frames:
            sec = int(ts)
            frac = int(round((ts - sec) * (1e9 if nano else 1e6)))
            f.write(struct.pack(e + "IIII", sec, frac, len(data), wirelen))
            f.write(data)


def ng_block(e, btype, body):
    pad = (-len(body)) % 4
    n = 12 + len(body) + pad
    return struct.pack(e + "II", btype, n) + body + b"\0" * pad + \
        struct.pack(e + "I", n)


def ng_option(e, code, value):
    pad = (-len(value)) % 4
    return struct.pack(e + "HH", code, len(value)) + value + b"\0" * pad


def write_pcapng(path, sections):
    """sections: [(big, [(linktype, tsresol or None)], [(ifid, ts, data,
    wirelen)])]"""
    with open(path, "wb") as f:
        for big, ifaces, pkts in sections:
            e = ">" if big else "<"
            f.write(ng_block(e, 0x0A0D0D0A,
                             struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1)))
            for lt, res in ifaces:
                opts = b""
                if res is not None:
                    opts = ng_option(e, 9, bytes([res])) + ng_option(e, 0, b"")
                f.write(ng_block(e, 1, struct.pack(e + "HHI", lt, 0, 262144) +
                                 opts))
            for ifid, ts, data, wirelen in pkts:
                res = ifaces[ifid][1]
                units = 10 ** 6 if res is None else (
                    2 ** (res & 0x7F) if res & 0x80 else 10 ** res)
                t = int(round(ts * units))
                f.write(ng_block(e, 6, struct.pack(
                    e + "IIIII", ifid, t >> 32, t & 0xFFFFFFFF, len(data),
                    wirelen) + data))


def frames_of(lt, pkts, t0=1700000000.0, variant=None, snap=None):
    out = []
    for i, p in enumerate(pkts):
        data = link_bytes(lt, p, variant)
        wire = len(data)
        if snap and len(data) > snap:
            data = data[:snap]
        out.append((t0 + i * 0.001, data, wire))
    return out


# ---------------------------------------------------------------------------
# Cases: name -> function(out_path)

CASES = {}


def case(name, ext="pcap"):
    def reg(fn):
        CASES[name] = (fn, ext)
        return fn
    return reg


def simple(out, lt=1, pkts=None, **kw):
    pkts = pkts if pkts is not None else Conv().run(smtp_dialogue())
    write_pcap(out, lt, frames_of(lt, pkts, variant=kw.pop("variant", None),
                                  snap=kw.pop("snap", None)), **kw)


@case("pcap-le-usec")
def _(out): simple(out)


@case("pcap-be-usec")
def _(out): simple(out, big=True)


@case("pcap-le-nsec")
def _(out): simple(out, nano=True)


@case("pcap-be-nsec")
def _(out): simple(out, big=True, nano=True)


@case("pcapng-basic", "pcapng")
def _(out):
    pk = Conv().run(smtp_dialogue())
    write_pcapng(out, [(False, [(1, None)],
                        [(0, t, d, w) for t, d, w in frames_of(1, pk)])])


@case("pcapng-mixed-linktypes", "pcapng")
def _(out):
    """Two interfaces, EN10MB and LINUX_SLL (libpcap 1.10 refuses this),
    one session on each, interleaved; a third on an interface in ns."""
    a = Conv(cport=40001).run(smtp_dialogue())
    b = Conv(cport=40002, sport=110).run(pop3_dialogue())
    c = Conv(cport=40003).run(smtp_pipelined())
    fa, fb, fc = frames_of(1, a), frames_of(113, b, t0=1700000000.0005), \
        frames_of(276, c, t0=1700000000.0007)
    pk = sorted([(0,) + x for x in fa] + [(1,) + x for x in fb] +
                [(2,) + x for x in fc], key=lambda x: x[1])
    write_pcapng(out, [(False, [(1, None), (113, None), (276, 9)], pk)])


@case("pcapng-two-sections", "pcapng")
def _(out):
    """Two sections of different byte order, each with its own IDB."""
    a = Conv(cport=40001).run(smtp_dialogue())
    b = Conv(cport=40002).run(smtp_auth())
    write_pcapng(out, [
        (False, [(1, 6)], [(0, t, d, w) for t, d, w in frames_of(1, a)]),
        (True, [(101, 0x80 | 20)],
         [(0, t, d, w) for t, d, w in frames_of(101, b, t0=1700000100.0)])])


@case("truncated-file")
def _(out):
    simple(out)
    size = os.path.getsize(out)
    with open(out, "r+b") as f:
        f.truncate(size - 30)


@case("snaplen-short")
def _(out):
    """caplen < len: every frame cut at 80 bytes (data is lost)."""
    pk = Conv().run(smtp_dialogue(), mss=200)
    simple(out, pkts=pk, snap=80, snaplen=80)


@case("vlan-1")
def _(out): simple(out, variant={"vlans": [(0x8100, 100)]})


@case("vlan-2")
def _(out): simple(out, variant={"vlans": [(0x88A8, 10), (0x8100, 100)]})


@case("linux-sll")
def _(out): simple(out, lt=113)


@case("linux-sll2")
def _(out): simple(out, lt=276)


def null_case(lt, af, order, v6):
    def fn(out):
        simple(out, lt=lt, pkts=Conv(v6=v6).run(smtp_dialogue()),
               variant={"af": af, "order": order})
    return fn


for _lt, _name in ((0, "null"), (108, "loop")):
    for _order, _on in (("<", "le"), (">", "be")):
        case("%s-ipv4-%s" % (_name, _on))(null_case(_lt, 2, _order, False))
        for _af in (10, 23, 24, 28, 30):
            case("%s-ipv6-af%d-%s" % (_name, _af, _on))(
                null_case(_lt, _af, _order, True))


@case("raw-ipv4")
def _(out): simple(out, lt=101)


@case("raw-ipv6")
def _(out): simple(out, lt=101, pkts=Conv(v6=True).run(smtp_dialogue()))


@case("linktype-ipv4")
def _(out): simple(out, lt=228)


@case("linktype-ipv6")
def _(out): simple(out, lt=229, pkts=Conv(v6=True).run(smtp_dialogue()))


@case("unknown-linktype")
def _(out): simple(out, lt=147)  # LINKTYPE_USER0


@case("ipv4-options")
def _(out):
    pk = Conv().run(smtp_dialogue())
    for p in pk:  # record route (7), 12 option bytes incl. padding
        p["ipopts"] = bytes([7, 11, 4]) + b"\0" * 8 + b"\x01"
    simple(out, pkts=pk)


@case("ipv6-ext-headers")
def _(out):
    pk = Conv(v6=True).run(smtp_dialogue())
    # hop-by-hop (0) -> destination options (60) -> routing (43) -> TCP
    hbh = bytes([60, 0]) + b"\x01\x04\0\0\0\0"
    dst = bytes([43, 1]) + b"\x01\x0c" + b"\0" * 12
    rt = bytes([6, 0, 0, 0]) + b"\0" * 4
    for p in pk:
        p["v6ext"], p["v6ext_first"] = hbh + dst + rt, 0
    simple(out, pkts=pk)


@case("ethernet-padding")
def _(out):
    pk = Conv().run(smtp_dialogue(), mss=4)  # tiny segments: padded frames
    simple(out, pkts=pk, variant={"pad": True})


def tcp_case(mutate, dialogue=smtp_dialogue, mss=10, **conv):
    def fn(out):
        pk = Conv(**conv).run(dialogue(), mss=mss)
        simple(out, pkts=mutate(pk))
    return fn


def data_indexes(pk, d=None):
    return [i for i, p in enumerate(pk) if p["payload"] and
            (d is None or p["dir"] == d)]


def m_reorder(pk):
    """Swap neighbouring data segments of the client, everywhere."""
    pk = list(pk)
    idx = data_indexes(pk, 0)
    for a, b in zip(idx[0::2], idx[1::2]):
        pk[a], pk[b] = pk[b], pk[a]
    rnd = random.Random(7)
    sidx = data_indexes(pk, 1)
    chunk = sidx[3:9]  # and shuffle a run of server segments
    vals = [pk[i] for i in chunk]
    rnd.shuffle(vals)
    for i, v in zip(chunk, vals):
        pk[i] = v
    return pk


def m_rexmit_exact(pk):
    out = []
    for i, p in enumerate(pk):
        out.append(p)
        if p["payload"] and i % 3 == 0:
            out.append(dict(p))
    return out


def m_rexmit_partial(pk):
    """Every third client segment is resent merged with the next one."""
    out = []
    for i, p in enumerate(pk):
        out.append(p)
        if p["payload"] and p["dir"] == 0 and i % 3 == 0:
            nxt = next((q for q in pk[i + 1:] if q["dir"] == 0 and
                        q["payload"]), None)
            if nxt and (nxt["seq"] - p["seq"]) & 0xFFFFFFFF == len(p["payload"]):
                out.append(dict(p, payload=p["payload"] + nxt["payload"][:5]))
    return out


def m_conflict(pk):
    """A segment of the client arrives twice, the second copy with
    different bytes: the first copy wins."""
    out = []
    done = 0
    for p in pk:
        out.append(p)
        if p["payload"] and p["dir"] == 0 and b"MAIL" in p["payload"] and \
                not done:
            out.append(dict(p, payload=b"XXXX" + p["payload"][4:]))
            done = 1
    return out


def m_conflict_ooo(pk):
    """Out of order, then an overlapping copy with other bytes arrives
    while the first is still held: the first held copy wins."""
    pk = list(pk)
    idx = [i for i in data_indexes(pk, 0) if b"RCPT" in pk[i]["payload"]]
    i = idx[0]
    # move the segment after the next client segment, and add a bad copy
    p = pk.pop(i)
    j = data_indexes(pk, 0)
    j = next(k for k in j if k >= i)
    bad = dict(p, payload=p["payload"][:2] + b"??" + p["payload"][4:])
    pk[j + 1:j + 1] = [p, bad]
    return pk


def m_gap_acked(pk):
    """A client segment is missing; the server's ACK goes past it."""
    idx = [i for i in data_indexes(pk, 0)]
    drop = idx[len(idx) // 2]
    return pk[:drop] + pk[drop + 1:]


def m_gap_eof(pk):
    """The capture ends with the client's last segment missing, and no
    ACK for it (the hole is only known from the FIN)."""
    idx = data_indexes(pk, 0)
    last = idx[-1]
    keep = [p for i, p in enumerate(pk) if i != last]
    # the server never acknowledges the missing segment
    return [p for p in keep if not (p["dir"] == 1 and p["flags"] & ACK and
                                    p is not keep[0] and
                                    ((p["ack"] - pk[last]["seq"]) & 0xFFFFFFFF)
                                    < 0x80000000 and p["ack"] != pk[last]["seq"])]


def m_keepalive(pk):
    """Keep-alive probes (one old byte, seq = next - 1) in between."""
    out = []
    for p in pk:
        out.append(p)
        if p["payload"] and p["dir"] == 1 and b"250 2.1.0" in p["payload"]:
            ka = dict(p, dir=0, src=p["dst"], dst=p["src"], sport=p["dport"],
                      dport=p["sport"], flags=ACK, payload=b"\0",
                      seq=(p["ack"] - 1) & 0xFFFFFFFF,
                      ack=(p["seq"] + len(p["payload"])) & 0xFFFFFFFF)
            out += [ka, dict(ka, payload=b"")]
    return out


def m_half_close(pk):
    """The client sends FIN after QUIT; the server still sends its reply
    and data after that."""
    quit_i = next(i for i, p in enumerate(pk) if p["payload"] == b"QUIT\r\n" or
                  p["payload"].endswith(b"QUIT\r\n"))
    q = pk[quit_i]
    fin = dict(q, flags=FIN | ACK, payload=b"",
               seq=(q["seq"] + len(q["payload"])) & 0xFFFFFFFF)
    rest = pk[quit_i + 1:]
    out = pk[:quit_i + 1] + [fin]
    for p in rest:
        if p["dir"] == 1:
            p = dict(p, ack=(fin["seq"] + 1) & 0xFFFFFFFF)
            out.append(p)
        elif not p["flags"] & FIN:
            out.append(dict(p, seq=(fin["seq"] + 1) & 0xFFFFFFFF))
    return out


def m_rst(pk):
    """The server resets the connection after the 250 to MAIL; the rest
    never happens."""
    i = next(i for i, p in enumerate(pk) if b"250 2.1.0" in p["payload"])
    p = pk[i]
    rst = dict(p, flags=RST | ACK, payload=b"",
               seq=(p["seq"] + len(p["payload"])) & 0xFFFFFFFF)
    return pk[:i + 1] + [rst]


def m_midstream(pk):
    """The capture starts in the middle: no handshake, no greeting, and
    the first client segment seen is the RCPT command."""
    i = next(i for i, p in enumerate(pk) if p["payload"].startswith(b"RCPT"))
    return pk[i:]


def m_client_only(pk):
    return [p for p in pk if p["dir"] == 0]


def m_server_only(pk):
    return [p for p in pk if p["dir"] == 1]


case("tcp-out-of-order")(tcp_case(m_reorder))
case("tcp-rexmit-exact")(tcp_case(m_rexmit_exact))
case("tcp-rexmit-partial")(tcp_case(m_rexmit_partial))
case("tcp-overlap-conflict")(tcp_case(m_conflict, mss=1400))
case("tcp-overlap-conflict-held")(tcp_case(m_conflict_ooo, mss=1400))
case("tcp-gap-acked")(tcp_case(m_gap_acked))
case("tcp-gap-eof")(tcp_case(m_gap_eof, mss=1400))
case("tcp-seq-wrap")(tcp_case(lambda p: p, cisn=0xFFFFFF00, sisn=0xFFFFFFF0))
case("tcp-keepalive")(tcp_case(m_keepalive, mss=1400))
case("tcp-half-close")(tcp_case(m_half_close, mss=1400))
case("tcp-rst")(tcp_case(m_rst, mss=1400))
case("tcp-midstream")(tcp_case(m_midstream, mss=1400))
case("tcp-client-only")(tcp_case(m_client_only, mss=1400))
case("tcp-server-only")(tcp_case(m_server_only, mss=1400))


@case("tcp-port-reuse")
def _(out):
    """Two sessions one after the other on the same 4-tuple."""
    a = Conv(cisn=1000, sisn=5000).run(smtp_dialogue())
    b = Conv(cisn=900000, sisn=700000).run(smtp_auth())
    simple(out, pkts=a + b)


@case("tcp-interleaved")
def _(out):
    """200 sessions (SMTP and POP3) with their packets interleaved."""
    rnd = random.Random(42)
    streams = []
    for i in range(200):
        if i % 5 == 4:
            c = Conv(cport=30000 + i, sport=110)
            streams.append(c.run(pop3_dialogue(), mss=64))
        else:
            c = Conv(cport=30000 + i)
            streams.append(c.run(smtp_dialogue(), mss=64))
    out_pk = []
    pos = [0] * len(streams)
    live = list(range(len(streams)))
    while live:
        k = rnd.choice(live)
        out_pk.append(streams[k][pos[k]])
        pos[k] += 1
        if pos[k] == len(streams[k]):
            live.remove(k)
    simple(out, pkts=out_pk)


case("smtp-multiline")(tcp_case(lambda p: p, mss=1400))
case("smtp-pipelining")(tcp_case(lambda p: p, smtp_pipelined, mss=1400))
case("smtp-bdat")(tcp_case(lambda p: p, smtp_bdat, mss=1400))
case("smtp-auth")(tcp_case(lambda p: p, smtp_auth, mss=1400))
case("smtp-8bit-nul")(tcp_case(lambda p: p, smtp_binary, mss=1400))
case("smtp-starttls")(tcp_case(lambda p: p, smtp_starttls, mss=1400))
case("smtp-split-lines")(tcp_case(lambda p: p, mss=3))
case("smtp-other-port")(tcp_case(lambda p: p, mss=1400, sport=2626))
case("pop3-session")(tcp_case(lambda p: p, pop3_dialogue, mss=1400,
                              sport=110))
case("pop3-stls")(tcp_case(lambda p: p, pop3_stls, mss=1400, sport=110))


@case("not-mail")
def _(out):
    """HTTP on port 8080: nothing to import."""
    d = [(0, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
         (1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")]
    simple(out, pkts=Conv(sport=8080).run(d))


@case("smtp-huge-header")
def _(out):
    """A message whose header has 100,000 lines: `import --steps` once
    wrote one YAML node per line, over what the loader takes."""
    hdr = b"".join(b"X-Header-%d: value %d\r\n" % (i, i)
                   for i in range(100000))
    simple(out, pkts=Conv().run(smtp_dialogue(body=hdr + b"\r\nbody\r\n")))


@case("smtp-auth-testuser")
def _(out):
    """AUTH PLAIN with the reference server's own test credentials
    (testuser/testpass): replayed against it, 235 proves the captured
    secret was sent, while no output may show it."""
    d = [(1, b"220 mx.test ESMTP\r\n"),
         (0, b"EHLO c.test\r\n"),
         (1, b"250-mx.test\r\n250 AUTH PLAIN LOGIN\r\n"),
         (0, b"AUTH PLAIN AHRlc3R1c2VyAHRlc3RwYXNz\r\n"),
         (1, b"235 2.7.0 Authentication successful\r\n"),
         (0, b"QUIT\r\n"),
         (1, b"221 2.0.0 Bye\r\n")]
    simple(out, pkts=Conv().run(d))


@case("tcp-server-only-tls")
def _(out):
    """Only the server's side of a session, and it is TLS (the capture
    began after STARTTLS): nothing a transcript can say."""
    d = [(1, b"\x16\x03\x03\x00\x30" + bytes(range(48))),
         (1, b"\x17\x03\x03\x00\x20" + b"\xAB" * 32)]
    pk = [p for p in Conv().run(d, handshake=False) if p["dir"] == 1]
    simple(out, pkts=pk)


# ---------------------------------------------------------------------------
# The test data set: tester/tests/data/pcaps/, each file modelled on a
# public capture that import once misread (SOURCES.md names it).  They
# are committed; `pcapgen.py data DIR` writes them again, byte for byte.

DATA = {}


def data(name):
    def reg(fn):
        DATA[name] = fn
        return fn
    return reg


def timed(pkts, t0=1700000000.0):
    return frames_of(1, pkts, t0=t0)


@data("ftp-login-not-smtp")
def _(out):
    """FTP: a 220 greeting, USER, PASS.  Greeting-shaped bytes are not
    SMTP: the client speaks FTP (zeek ftp-password-pass-command.pcap)."""
    d = [(1, b"220-Example FTP Server 1.0\r\n220 Please sign in\r\n"),
         (0, b"USER Admin\r\n"),
         (1, b"331 Please, specify the password.\r\n"),
         (0, b"PASS qwerty\r\n"),
         (1, b"530 Login incorrect.\r\n"),
         (0, b"QUIT\r\n"),
         (1, b"221 Goodbye\r\n")]
    simple(out, pkts=Conv(sport=21).run(d))


@data("ftp-auth-tls-not-smtp")
def _(out):
    """Explicit FTPS: a 220 greeting, then AUTH TLS, a verb SMTP and POP3
    have too, and TLS.  Off the mail ports a verb of either protocol is
    not enough (nDPI ftp-start-tls.pcap)."""
    d = [(1, b"220 (Example FTPd 3.0)\r\n"),
         (0, b"AUTH TLS\r\n"),
         (1, b"234 Proceed with negotiation.\r\n"),
         (0, b"\x16\x03\x01\x00\x30" + bytes(range(48))),
         (1, b"\x16\x03\x03\x00\x30" + bytes(range(48)))]
    simple(out, pkts=Conv(sport=21).run(d))


@data("redis-not-pop3")
def _(out):
    """Redis answering +OK and +PONG, once on its own port and once on
    110: POP3-shaped replies, but the client speaks RESP, not POP3 (zeek
    pop3/redis-50-pings.pcap)."""
    d = [(0, b"*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n"),
         (1, b"+OK\r\n"),
         (0, b"*1\r\n$4\r\nPING\r\n"), (1, b"+PONG\r\n"),
         (0, b"*1\r\n$4\r\nPING\r\n"), (1, b"+PONG\r\n")]
    a = Conv(cport=40001, sport=6379).run(d)
    b = Conv(cport=40002, sport=110).run(d)
    write_pcap(out, 1, timed(a) + timed(b, 1700000001.0))


@data("pop3-pipelined-xoauth2")
def _(out):
    """A client that pipelines CAPA, AUTH XOAUTH2 with its token, STAT,
    LIST, UIDL and QUIT, to a server whose greeting is not in the
    capture: multi-line responses with their commands, the bearer token
    redacted (suricata-verify pop3-auth-01)."""
    d = [(0, b"CAPA\r\nAUTH XOAUTH2\r\n"
             b"dXNlcj1qb2VAZXhhbXBsZS5uZXQBYXV0aD1CZWFyZXIgeWEyOS5BQUFBAQE=\r\n"
             b"STAT\r\nLIST\r\nUIDL\r\nQUIT\r\n"),
         (1, b"+OK Capability list follows\r\nUSER\r\nRESP-CODES\r\n"
             b"EXPIRE 0\r\nLOGIN-DELAY 300\r\nTOP\r\nUIDL\r\n"
             b"SASL PLAIN XOAUTH2 OAUTHBEARER\r\n.\r\n+ \r\n"
             b"+OK Welcome.\r\n+OK 1 3086\r\n+OK 1 messages (3086 bytes)\r\n"
             b"1 3086\r\n.\r\n+OK\r\n1 UniqueId123456789\r\n.\r\n"
             b"+OK Farewell.\r\n")]
    simple(out, pkts=Conv(sport=110).run(d))


@data("smtp-auth-pipelined-bad-ehlo")
def _(out):
    """A greeting line without its line end, an EHLO reply without its
    final line, then AUTH LOGIN: a "250-" followed by "334" is a new
    reply, and both SASL lines are secrets however the replies fall
    (suricata-verify smtp-bug-6053)."""
    d = [(1, b"220 mx.example ESMTP " + b"A" * 1400),
         (0, b"EHLO client\r\n"),
         (1, b"250-mx.example\r\n"),
         (0, b"AUTH LOGIN\r\n"),
         (1, b"334 VXNlcm5hbWU6\r\n"),
         (0, b"dXNlcm5hbWU=\r\n"),
         (1, b"334 UGFzc3dvcmQ6\r\n"),
         (0, b"cGFzc3dvcmQ=\r\n"),
         (1, b"235 ok, go ahead\r\n"),
         (0, b"MAIL FROM:<a@x.example>\r\n"),
         (1, b"250 ok\r\n"),
         (0, b"QUIT\r\n"),
         (1, b"221 bye\r\n")]
    simple(out, pkts=Conv(sport=587).run(d, mss=1460))


@data("smtp-starttls-decrypted")
def _(out):
    """STARTTLS answered 220, then plaintext: a capture decrypted after
    the fact.  The transcript goes on; it does not stop for TLS (arkime
    tests/pcap/smtp-decrypted.pcap)."""
    d = [(1, b"220 mx.example ESMTP\r\n"),
         (0, b"EHLO relay\r\n"),
         (1, b"250-mx.example\r\n250 STARTTLS\r\n"),
         (0, b"STARTTLS\r\n"),
         (1, b"220 2.0.0 SMTP server ready\r\n"),
         (0, b"EHLO relay\r\n"),
         (1, b"250-mx.example\r\n250 SIZE 10240000\r\n"),
         (0, b"MAIL FROM:<a@x.example>\r\n"),
         (1, b"250 2.1.0 Sender OK\r\n"),
         (0, b"RCPT TO:<b@y.example>\r\n"),
         (1, b"250 2.1.5 Recipient OK\r\n"),
         (0, b"DATA\r\n"),
         (1, b"354 Start mail input\r\n"),
         (0, b"Subject: decrypted\r\n\r\nhello\r\n.\r\n"),
         (1, b"250 2.6.0 Queued\r\n"),
         (0, b"QUIT\r\n"),
         (1, b"221 2.0.0 Bye\r\n")]
    simple(out, pkts=Conv().run(d))


@data("smtp-client-junk-first")
def _(out):
    """The client sends binary junk before the greeting arrives; the
    server answers it as SMTP.  Deciding on the junk alone lost the
    session (suricata-verify smtp-errors/smtperr.pcap, session 0)."""
    junk = bytes((i * 73 + 11) % 256 for i in range(300))
    junk = junk.replace(b"\n", b"\x0b") + b"\n"
    d = [(0, junk),
         (1, b"220 mx.example ESMTP Sendmail\r\n"
             b"500 5.5.1 Command unrecognized\r\n"),
         (0, b"QUIT\r\n"),
         (1, b"221 2.0.0 closing connection\r\n")]
    simple(out, pkts=Conv().run(d))


@data("pop3-silent-client")
def _(out):
    """A client that connects, gets the greeting and closes without a
    word: a session of its own, replayable, not "only the server's side"
    (arkime tests/pcap/pop3-tag.pcap)."""
    simple(out, pkts=Conv(sport=110).run([(1, b"+OK POP3 ready\r\n")]))


@data("smtps-implicit-tls-only")
def _(out):
    """Implicit TLS on 465 and nothing else: no session to import or
    replay (nDPI smtps.pcapng, suricata-verify smtp-tls-protodetect)."""
    d = [(0, b"\x16\x03\x01\x00\x30" + bytes(range(48))),
         (1, b"\x16\x03\x03\x00\x30" + bytes(range(48))),
         (0, b"\x17\x03\x03\x00\x20" + b"\xAA" * 32)]
    simple(out, pkts=Conv(sport=465).run(d))


# ---------------------------------------------------------------------------
# The benchmark capture


def bench(out, mb=320, sessions=10000, interleave=8):
    """SMTP sessions with ~30 KB of mail data each, INTERLEAVE open at a
    time, Ethernet, 1448-byte segments; at least MB megabytes."""
    target = mb * 1000 * 1000
    body_line = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit 0123456789\r\n"
    per = max(1, target // sessions)
    lines = max(1, (per - 900) // len(body_line))
    body = b"Subject: bench\r\n\r\n" + body_line * lines
    rec = struct.Struct("<IIII")
    eth = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00"
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        written = 24
        t = 1700000000.0
        active = []
        n = 0
        rnd = random.Random(1)
        while n < sessions or active:
            while len(active) < interleave and n < sessions:
                c = Conv(cport=10000 + n % 50000,
                         caddr=bytes([10, 1, (n >> 8) & 255, n & 255]),
                         cisn=rnd.randrange(1 << 32),
                         sisn=rnd.randrange(1 << 32))
                active.append(iter(c.run(smtp_dialogue(body=body),
                                         mss=1448)))
                n += 1
            k = rnd.randrange(len(active))
            p = next(active[k], None)
            if p is None:
                active.pop(k)
                continue
            ip = ip_bytes(p)
            t += 0.00001
            sec = int(t)
            f.write(rec.pack(sec, int((t - sec) * 1e6), 14 + len(ip),
                             14 + len(ip)))
            f.write(eth)
            f.write(ip)
            written += 16 + 14 + len(ip)
    if written < target:
        sys.stderr.write("pcapgen: only %d bytes; raise --sessions\n" % written)


# The paced-replay benchmark's capture (tester/bench/pace.sh, issue 17):
# (seconds after the session's SYN, direction, bytes).
PACE_STEPS = [
    (0.010, 1, b"220 mx.example.test ESMTP\r\n"),
    (0.060, 0, b"HELO client.example.test\r\n"),
    (0.070, 1, b"250 mx.example.test\r\n"),
    (0.120, 0, b"QUIT\r\n"),
    (0.130, 1, b"221 2.0.0 Bye\r\n"),
]
PACE_CLOSE = 0.250


def pace(out, sessions=5, gap=2):
    """SESSIONS SMTP sessions on port 25 starting GAP seconds apart, each
    greeting, HELO, QUIT with 50 ms client think times, closed 0.25 s
    after its SYN.  Prints the capture's duration (first packet to last,
    seconds)."""
    pkts = []
    for k in range(sessions):
        c = Conv(cport=41000 + k, cisn=1000 + 7919 * k,
                 sisn=5000 + 104729 * k)
        start = k * gap
        pkts += [(start, p) for p in c.open()]
        for at, d, data in PACE_STEPS:
            pkts += [(start + at, p) for p in c.send(d, data)]
        pkts += [(start + PACE_CLOSE, p) for p in c.close()]
    pkts.sort(key=lambda tp: tp[0])  # stable: each session keeps its order
    frames = []
    for i, (t, p) in enumerate(pkts):
        data = link_bytes(1, p)
        frames.append((1700000000.0 + t + i * 1e-6, data, len(data)))
    write_pcap(out, 1, frames)
    print("%.3f" % (frames[-1][0] - frames[0][0]))


def main(argv):
    if len(argv) >= 1 and argv[0] == "list":
        for n in CASES:
            print(n + "." + CASES[n][1])
        return 0
    if len(argv) == 3 and argv[0] == "case":
        CASES[argv[1]][0](argv[2])
        return 0
    if len(argv) == 2 and argv[0] == "data":
        os.makedirs(argv[1], exist_ok=True)
        for n, fn in DATA.items():
            fn(os.path.join(argv[1], "%s.pcap" % n))
        return 0
    if len(argv) == 2 and argv[0] == "all":
        os.makedirs(argv[1], exist_ok=True)
        for n, (fn, ext) in CASES.items():
            fn(os.path.join(argv[1], "%s.%s" % (n, ext)))
        return 0
    if len(argv) >= 2 and argv[0] == "bench":
        opts = dict(mb=320, sessions=10000, interleave=8)
        i = 2
        while i < len(argv):
            opts[argv[i].lstrip("-")] = int(argv[i + 1])
            i += 2
        bench(argv[1], **opts)
        return 0
    if len(argv) >= 2 and argv[0] == "pace":
        opts = dict(sessions=5, gap=2)
        i = 2
        while i < len(argv):
            opts[argv[i].lstrip("-")] = int(argv[i + 1])
            i += 2
        pace(argv[1], **opts)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
