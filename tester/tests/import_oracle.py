#!/usr/bin/python3
"""import_oracle: check a transcript written by `mailspec import` against
tshark's "Follow TCP Stream" of the same capture, byte for byte per
direction.

    import_oracle.py [--trailing-gap-ok] CAPTURE TRANSCRIPT...
    import_oracle.py --secrets CAPTURE TRANSCRIPT...

For each transcript: rebuild the client's and the server's bytes from its
lines (the writer's layout: script: "  C: text", steps: one "- X: value"
per line, a message as one "- data: |" block), ask `tshark -r CAPTURE -q -z follow,tcp,yaml,N` (N: the TCP
session number in source:), and compare.  A <gap: N bytes ...> line must
sit where tshark prints "[N bytes missing in capture file]"; after a
<TLS ...> line the transcript may stop early, but only where what tshark
shows next on each side is a TLS record (or nothing).
Transcripts must have been imported with --keep-secrets.
--trailing-gap-ok: a gap at the very end that tshark cannot know about
(bytes missing when the capture ends) is accepted.
--secrets: the transcripts were imported without --keep-secrets; none
may hold, in a client line, a secret the client sent (found by position
in tshark's stream: AUTH's initial response and SASL lines, PASS, APOP).
Prints one line per transcript, "ok ...", "skip ... (why)" when tshark
cannot decode the link layer, or "not ok ... (why)"; exit 1 if any is not
ok.
"""
import re
import subprocess
import sys

import yaml

GAP_RE = re.compile(rb"^<gap: (\d+) bytes sent by the (client|server) ")
TLS_PREFIX = b"<TLS from here on"
TSHARK_GAP = re.compile(rb"^\[(\d+) bytes missing in capture file\]\x00?$")


def c_unescape(s):
    """The raw: step's C escapes (\\r \\n \\t \\0 \\\\ \\" \\xHH)."""
    out = bytearray()
    b = s.encode("utf-8")
    i = 0
    while i < len(b):
        c = b[i]
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        n = b[i + 1:i + 2]
        simple = {b"r": 13, b"n": 10, b"t": 9, b"0": 0, b"\\": 92, b'"': 34}
        if n in simple:
            out.append(simple[n])
            i += 2
        elif n == b"x":
            out.append(int(b[i + 2:i + 4], 16))
            i += 4
        else:
            raise ValueError("bad escape in raw: %r" % s)
    return bytes(out)


def data_wire(v):
    """The bytes a data: step sends (tester/vars.c): "$$" is "$", the
    block's last line break ends its last line, each line dot-stuffed
    (RFC 5321 §4.5.2) and CRLF-ended, then the "." line."""
    b = undollar(v.encode("utf-8"))
    if b.endswith(b"\n"):
        b = b[:-1]
    out = b""
    if b:
        for line in b.split(b"\n"):
            out += (b"." if line.startswith(b".") else b"") + line + b"\r\n"
    return out + b".\r\n"


def undollar(b):
    """"$$" is a literal "$" in client text (transcripts/README.md)."""
    return b.replace(b"$$", b"$")


class Streams:
    def __init__(self):
        self.parts = {"client": [], "server": []}
        self.tls = False

    def add(self, side, data):
        p = self.parts[side]
        if p and p[-1][0] == "data":
            p[-1] = ("data", p[-1][1] + data)
        else:
            p.append(("data", data))

    def gap(self, side, n):
        self.parts[side].append(("gap", n))

    def meta(self, text):
        m = GAP_RE.match(text)
        if m:
            self.gap(m.group(2).decode(), int(m.group(1)))
        elif text.startswith(TLS_PREFIX):
            self.tls = True


def is_meta(b):
    """tester/script.c's RFC 1939 meta line: <...> with a space inside, no
    "@", no inner angle brackets."""
    return (len(b) >= 3 and b[:1] == b"<" and b[-1:] == b">" and b" " in b
            and b"@" not in b and b"<" not in b[1:-1] and b">" not in b[1:-1])


def value(text):
    """One YAML scalar as written after "- X: "."""
    return yaml.safe_load("v: " + text)["v"]


def transcript_streams(path):
    lines = open(path, "rb").read().split(b"\n")
    doc = yaml.safe_load(open(path, "rb").read())
    rfc821 = doc.get("convention") == "rfc821"
    cli, srv = (b"S:", b"R:") if rfc821 else (b"C:", b"S:")
    st = Streams()
    if "script" in doc:
        body = doc["script"].encode("utf-8").split(b"\n")
        for ln in body:
            if not ln:
                continue
            role, text = ln[:2], ln[2:]
            if text.startswith(b" "):
                text = text[1:]
            if role == cli:
                if is_meta(text):
                    st.meta(text)
                else:
                    st.add("client", undollar(text) + b"\r\n")
            elif role == srv:
                st.add("server", text + b"\r\n")
            else:
                raise ValueError("%s: script line %r" % (path, ln))
        return doc, st
    in_steps = False
    block = None  # the lines of a "- data: |" block being read
    for ln in lines + [b"  -"]:
        if block is not None:
            if not ln.strip() or ln.startswith(b"    "):
                block.append(ln)
                continue
            st.add("client", data_wire(yaml.safe_load(
                b"\n".join(block + [b""]).decode("utf-8"))[0]["data"]))
            block = None
        if ln.startswith(b"steps:"):
            in_steps = True
            continue
        if not in_steps or not ln.strip() or ln == b"  -":
            continue
        if ln.startswith(b"  - data:"):
            block = [ln]
            continue
        s = ln.strip()
        if s.startswith(b"# reply as captured: "):
            # the reply's bytes; an expect: step may follow
            st.add("server", c_unescape(value(
                s[len(b"# reply as captured: "):].decode("utf-8"))))
            continue
        if s.startswith(b"#"):
            continue
        m = re.match(rb"- (\w+): (.*)$", s)
        if not m:
            raise ValueError("%s: steps line %r" % (path, ln))
        key, v = m.group(1) + b":", value(m.group(2).decode("utf-8"))
        if key == cli:
            vb = v.encode("utf-8")
            if is_meta(vb):
                st.meta(vb)
            else:
                st.add("client", undollar(vb) + b"\r\n")
        elif key == srv:
            st.add("server", str(v).encode("utf-8") + b"\r\n")
        elif key == b"raw:":
            st.add("client", undollar(c_unescape(v)))
        elif key == b"expect:":
            pass  # its bytes came with the comment above it
        else:
            raise ValueError("%s: unknown step %r" % (path, key))
    return doc, st


def tshark_streams(cap, index, client_ep):
    out = subprocess.run(
        ["tshark", "-r", cap, "-q", "-z", "follow,tcp,yaml,%d" % index],
        capture_output=True, check=True).stdout
    d = yaml.safe_load(out)
    peers = {p["peer"]: "%s:%s" % (p["host"], p["port"]) for p in d["peers"]}
    st = Streams()
    for p in d.get("packets") or []:
        ep = peers[p["peer"]]
        side = "client" if ep == client_ep else "server"
        data = p["data"]
        m = TSHARK_GAP.match(data)
        if m:
            st.gap(side, int(m.group(1)))
        else:
            st.add(side, data)
    return peers, st


def endpoints(source):
    m = re.search(r"TCP session (\d+): (\S+) -> (\S+),", source)
    if not m:
        raise ValueError("source: %r names no session" % source)
    strip = lambda e: re.sub(r"^\[(.*)\]:", r"\1:", e)
    return int(m.group(1)), strip(m.group(2)), strip(m.group(3))


def looks_tls(b):
    """A TLS record header (RFC 8446 §5.1): content type 20..24, version
    major 3 (SSL 3.0 to TLS 1.3 all write 3 there)."""
    return len(b) >= 2 and 20 <= b[0] <= 24 and b[1] == 3


def compare(mine, theirs, tls, trailing_gap_ok=False):
    """None when equal, else why."""
    for side in ("client", "server"):
        a, b = mine.parts[side], theirs.parts[side]
        if trailing_gap_ok and a and a[-1][0] == "gap" and \
                (not b or b[-1][0] != "gap"):
            a = a[:-1]
        if tls:  # the transcript stops at STARTTLS: a prefix
            flat_a = b"".join(x[1] for x in a if x[0] == "data")
            flat_b = b"".join(x[1] for x in b if x[0] == "data")
            if not flat_b.startswith(flat_a):
                return "%s bytes are not a prefix of tshark's" % side
            rest = flat_b[len(flat_a):]
            if rest and not looks_tls(rest):
                return ("%s: the transcript stops for TLS, but what follows "
                        "is not a TLS record: %r" % (side, rest[:30]))
            continue
        if [x[0] for x in a] != [x[0] for x in b]:
            return "%s: gaps differ: %s vs %s" % (
                side, [x[0] if x[0] == "data" else x for x in a],
                [x[0] if x[0] == "data" else x for x in b])
        for x, y in zip(a, b):
            if x != y:
                if x[0] == "gap":
                    return "%s: gap of %d vs %d" % (side, x[1], y[1])
                n = next((i for i in range(min(len(x[1]), len(y[1])))
                          if x[1][i] != y[1][i]), min(len(x[1]), len(y[1])))
                return "%s bytes differ at %d: %r vs %r (lengths %d, %d)" % (
                    side, n, x[1][n:n + 30], y[1][n:n + 30], len(x[1]),
                    len(y[1]))
    return None


SMTP_VERBS = {b"HELO", b"EHLO", b"MAIL", b"RCPT", b"DATA", b"RSET", b"SEND",
              b"SOML", b"SAML", b"VRFY", b"EXPN", b"HELP", b"NOOP", b"QUIT",
              b"TURN", b"STARTTLS", b"AUTH", b"BDAT", b"ETRN", b"ATRN",
              b"BURL", b"LHLO"}
POP3_VERBS = {b"USER", b"PASS", b"APOP", b"STAT", b"LIST", b"RETR", b"DELE",
              b"NOOP", b"RSET", b"QUIT", b"TOP", b"UIDL", b"CAPA", b"STLS",
              b"AUTH", b"UTF8", b"LANG"}


def client_secrets(c):
    """The secrets in a client stream, found by position without asking
    mailspec: AUTH's initial response and every line after AUTH that is no
    command (RFC 4954 §4, RFC 5034 §4), PASS's string, APOP's digest (RFC
    1939 §7); "*", "=" and empty lines carry nothing."""
    out, in_auth = [], False
    for ln in c.split(b"\n"):
        t = ln.rstrip(b"\r")
        w = t.split(b" ")
        verb = w[0].upper()
        if in_auth and verb not in SMTP_VERBS | POP3_VERBS:
            if t not in (b"*", b"=", b""):
                out.append(t)
            continue
        in_auth = verb == b"AUTH" and len(w) >= 2 and w[1] != b""
        if in_auth and len(w) >= 3 and w[2] != b"=":
            out.append(w[2])
        elif verb == b"PASS" and len(w) >= 2:
            out.append(t[5:])
        elif verb == b"APOP" and len(w) >= 3:
            out.append(w[2])
    return [x for x in out if x]


def secrets_check(cap, paths):
    """--secrets: transcripts imported WITHOUT --keep-secrets hold none of
    the secrets their sessions' clients sent, in any client line."""
    bad = 0
    for path in paths:
        doc, mine = transcript_streams(path)
        idx, cep, sep = endpoints(doc["source"])
        peers, theirs = tshark_streams(cap, idx, cep)
        sent = b"".join(x[1] for x in theirs.parts["client"]
                        if x[0] == "data")
        got = b"".join(x[1] for x in mine.parts["client"] if x[0] == "data")
        found = [x for x in client_secrets(sent)
                 if any(x in ln and (ln == x or ln.upper().startswith(
                     (b"PASS", b"APOP", b"AUTH")) or len(x) >= 8)
                        for ln in got.split(b"\r\n"))]
        if found:
            bad += 1
            print("not ok %s (in clear: %r)" % (path, found))
        else:
            print("ok %s (%d secrets redacted)" % (
                path, len(client_secrets(sent))))
    sys.exit(1 if bad else 0)


def main():
    args = sys.argv[1:]
    if args and args[0] == "--secrets":
        secrets_check(args[1], args[2:])
    tgo = bool(args) and args[0] == "--trailing-gap-ok"
    if tgo:
        args = args[1:]
    cap, paths = args[0], args[1:]
    bad = 0
    for path in paths:
        try:
            doc, mine = transcript_streams(path)
            idx, cep, sep = endpoints(doc["source"])
            peers, theirs = tshark_streams(cap, idx, cep)
            if any(v.startswith("None:") for v in peers.values()):
                print("skip %s (tshark cannot decode this link layer)" % path)
                continue
            if sorted(peers.values()) != sorted([cep, sep]):
                why = "tshark's stream %d is %s" % (idx, sorted(peers.values()))
            else:
                why = compare(mine, theirs, mine.tls, tgo)
        except Exception as e:  # report, do not stop
            why = "%s: %s" % (type(e).__name__, e)
        if why:
            bad += 1
            print("not ok %s (%s)" % (path, why))
        else:
            print("ok %s" % path)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
