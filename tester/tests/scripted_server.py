"""scripted_server.py: a small scripted, deliberately misbehaving server.

For the reply-syntax violations no real server commits on demand (bare LF,
mixed continuation codes, 4-digit codes, over-long lines, bytes after the
final line, closing early, never greeting, trickling bytes).  Each test
states exactly what the server does, in a tiny script run from the top for
every connection:

    # comment                 (blank lines too)
    send BYTES                send BYTES, C escapes decoded (\\r \\n \\t \\0
                              \\\\ \\xHH); nothing appended
    sendn N BYTES             send BYTES N times in one write
    trickle MS BYTES          send BYTES one octet at a time, MS ms apart
    expect-line [PREFIX]      read one line (to LF) from the client; with
                              PREFIX, a line not starting with it (case-
                              insensitive) is logged as "MISMATCH" and the
                              connection is closed
    expect-data               read mail data up to the line "."
    sleep MS                  pause
    wait-close                read until the client closes (60 s at most)
    close                     close the connection now

At the end of the script the connection is closed.  Every line received is
appended to the --log file, C-escaped, one per line ("C: ..."), so a test
can check the exact bytes mailspec sent.

usage: scripted_server.py --port PORT [--log FILE] [--ready FILE] SCRIPT
Listens on 127.0.0.1:PORT until SIGTERM; one thread per connection.
"""
import argparse
import signal
import socket
import socketserver
import sys
import threading
import time

READ_TIMEOUT = 30.0  # bound every wait for the client
MAX_LINE = 65536


def unescape(text):
    """Decode the C escapes of a script argument into bytes."""
    out = bytearray()
    i = 0
    simple = {"r": 13, "n": 10, "t": 9, "0": 0, "\\": 92, "e": 27}
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n in simple:
                out.append(simple[n])
                i += 2
                continue
            if n == "x" and i + 3 < len(text) + 1:
                out.append(int(text[i + 2:i + 4], 16))
                i += 4
                continue
        out.extend(c.encode("utf-8"))
        i += 1
    return bytes(out)


def escape(data):
    """Bytes to a readable one-line form (the inverse of unescape)."""
    out = []
    for b in data:
        if b == 13:
            out.append("\\r")
        elif b == 10:
            out.append("\\n")
        elif b == 92:
            out.append("\\\\")
        elif 32 <= b < 127:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def parse_script(path):
    """Script file -> list of (lineno, op, arg); errors name path:line."""
    ops = []
    with open(path, encoding="utf-8") as f:
        for no, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            op, _, arg = line.partition(" ")
            if op in ("send",):
                ops.append((no, op, unescape(arg)))
            elif op in ("sendn", "trickle"):
                n, _, rest = arg.partition(" ")
                if not n.isdigit():
                    sys.exit("%s:%d: %s needs a number" % (path, no, op))
                ops.append((no, op, (int(n), unescape(rest))))
            elif op == "sleep":
                if not arg.isdigit():
                    sys.exit("%s:%d: sleep needs milliseconds" % (path, no))
                ops.append((no, op, int(arg)))
            elif op in ("expect-line", "expect-data", "wait-close", "close"):
                ops.append((no, op, arg))
            else:
                sys.exit("%s:%d: unknown operation %r" % (path, no, op))
    return ops


class Conn:
    """One client connection running the script."""

    def __init__(self, sock, log, lock):
        self.sock = sock
        self.buf = b""
        self.log = log
        self.lock = lock
        sock.settimeout(READ_TIMEOUT)

    def note(self, text):
        if self.log:
            with self.lock:
                with open(self.log, "a", encoding="utf-8") as f:
                    f.write(text + "\n")

    def readline(self):
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE:
                break
            d = self.sock.recv(4096)
            if not d:
                return None
            self.buf += d
        i = self.buf.find(b"\n")
        i = len(self.buf) - 1 if i < 0 else i
        line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
        self.note("C: " + escape(line))
        return line

    def run(self, ops):
        for _no, op, arg in ops:
            if op == "send":
                self.sock.sendall(arg)
            elif op == "sendn":
                self.sock.sendall(arg[1] * arg[0])
            elif op == "trickle":
                for b in arg[1]:
                    self.sock.sendall(bytes([b]))
                    time.sleep(arg[0] / 1000.0)
            elif op == "expect-line":
                line = self.readline()
                if line is None:
                    self.note("EOF")
                    return
                if arg and not line.upper().startswith(arg.upper().encode()):
                    self.note("MISMATCH: wanted %s" % arg)
                    return
            elif op == "expect-data":
                while True:
                    line = self.readline()
                    if line is None:
                        self.note("EOF")
                        return
                    if line in (b".\r\n", b".\n"):
                        break
            elif op == "sleep":
                time.sleep(arg / 1000.0)
            elif op == "wait-close":
                self.sock.settimeout(60)
                while self.sock.recv(4096):
                    pass
                self.note("EOF")
            elif op == "close":
                return


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log")
    ap.add_argument("--ready")
    ap.add_argument("script")
    a = ap.parse_args()
    ops = parse_script(a.script)
    lock = threading.Lock()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            c = Conn(self.request, a.log, lock)
            c.note("-- connection")
            try:
                c.run(ops)
            except (OSError, socket.timeout) as e:
                c.note("ERROR: %s" % e)
            finally:
                try:
                    self.request.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 64

    srv = Server(("127.0.0.1", a.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(
        target=srv.shutdown, daemon=True).start())
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("%d\n" % a.port)
    srv.serve_forever(poll_interval=0.1)
    srv.server_close()


if __name__ == "__main__":
    main()
