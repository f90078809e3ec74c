#!/bin/sh
# tls-client.t: mailspec's client side of TLS and AUTH (issue 7) against
# small scripted TLS servers and `openssl s_server` on 127.0.0.1:28000-28499,
# with certificates made at test time (tester/tests/certs.sh): STARTTLS
# and implicit TLS that work (the report records version, cipher, the
# certificate's subject and expiry), and every bad case giving a clear,
# specific FAIL or ERROR, never a hang: a wrong password, a server that
# drops or stalls the handshake, an expired, misnamed or self-signed
# certificate, a TLS server on a plaintext port and the reverse, plaintext
# after the 220.  Secrets given with -D NAME=env:VAR / file:PATH never
# appear in any report, the live view or a message.  Then the real servers
# with TLS (aiosmtpd, Postfix submission, Dovecot) run the suites.
. "$(dirname "$0")/../lib.sh"

command -v openssl > /dev/null 2>&1 || skip_all "no openssl CLI (apt-get install openssl)"
CERTS=$WORK/certs
sh "$TESTS/certs.sh" "$CERTS" > "$WORK/certs.log" 2>&1 ||
  { diag_file "$WORK/certs.log"; bail_out "certs.sh failed"; }
pass "test certificates made with the openssl CLI"
CA=$CERTS/ca.pem

# ---- the scripted TLS server ----------------------------------------------

cat > "$WORK/tlsd.py" <<'PY'
# An SMTP server with STARTTLS / implicit TLS and AUTH PLAIN (testuser /
# testpass) that misbehaves on demand.  MODE: good, implicit, drop (close
# after STARTTLS's 220), stall (220, then silence), stallone (sessions at
# once, one thread each; only the one that says EHLO stall... stalls, and
# the log says when each QUIT and the stalled close came), plainjunk
# (plaintext after the 220), plain (no TLS at all).
import argparse, base64, socket, ssl, sys, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--cert")
ap.add_argument("--key")
ap.add_argument("--ready")
ap.add_argument("mode")
a = ap.parse_args()
ctx = None
if a.cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)

class Conn:
    def __init__(self, s):
        self.s, self.buf = s, b""
    def send(self, text):
        self.s.sendall(text.encode() + b"\r\n")
    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(4096)
            if not d:
                return None
            self.buf += d
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l.decode("latin-1")

LOG = threading.Lock()

def log(line):
    # One write per line under a lock: the sessions run on threads.
    with LOG:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

def stall(c):
    end = time.monotonic() + 60
    c.s.settimeout(1)
    while time.monotonic() < end:
        try:
            if not c.s.recv(4096):
                if a.mode == "stallone":
                    log("stall-closed")
                return
        except socket.timeout:
            pass

def auth(c, l):
    parts = l.split(" ")
    if len(parts) < 3:
        c.send("334 ")
        resp = c.line() or ""
    else:
        resp = parts[2]
    try:
        _, u, p = base64.b64decode(resp, validate=True).split(b"\0")
    except Exception:
        return c.send("501 5.5.2 cannot decode")
    if (u, p) == (b"testuser", b"testpass"):
        c.send("235 2.7.0 Authentication successful")
    else:
        c.send("535 5.7.8 Authentication credentials invalid")

def session(c, tls):
    c.send("220 tlsd.example.test ESMTP")
    mail = stall_me = False
    while True:
        l = c.line()
        if l is None:
            return
        verb = l.split(" ")[0].upper()
        if verb == "EHLO":
            stall_me = stall_me or "stall" in l
            ext = ["AUTH PLAIN"] if tls else ["STARTTLS"]
            if a.mode == "plain":
                ext = ["PIPELINING"]
            c.send("250-tlsd.example.test")
            for i, e in enumerate(ext):
                c.send(("250 " if i == len(ext) - 1 else "250-") + e)
        elif verb == "STARTTLS" and not tls and a.mode != "plain":
            if a.mode == "plainjunk":
                c.s.sendall(b"220 go ahead\r\n250 injected\r\n")
            else:
                c.send("220 2.0.0 go ahead")
            c.buf = b""  # RFC 3207 4.2: forget what came in plaintext
            if a.mode == "drop":
                return
            if a.mode == "stall" or (a.mode == "stallone" and stall_me):
                return stall(c)
            c.s = ctx.wrap_socket(c.s, server_side=True)
            tls, mail = True, False
        elif verb == "AUTH":
            auth(c, l)
        elif verb == "MAIL":
            mail = True
            c.send("250 2.1.0 Ok")
        elif verb == "RCPT":
            c.send("250 2.1.5 Ok" if mail else "503 5.5.1 need MAIL")
        elif verb == "QUIT":
            if a.mode == "stallone":
                log("quit")
            return c.send("221 2.0.0 bye")
        else:
            c.send("250 2.0.0 Ok")

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", a.port))
srv.listen(16)
open(a.ready, "w").write("ready\n")
def handle(s):
    try:
        if a.mode == "implicit":
            s.settimeout(10)
            s = ctx.wrap_socket(s, server_side=True)
            s.settimeout(None)
        session(Conn(s), a.mode == "implicit")
    except (OSError, ssl.SSLError):
        pass
    finally:
        try:
            s.close()
        except OSError:
            pass

while True:
    s, _ = srv.accept()
    if a.mode == "stallone":
        threading.Thread(target=handle, args=(s,), daemon=True).start()
    else:
        handle(s)
PY

# k_port: a free port of 28000-28499 (this test's range).
k_port() {
  "$PY" - "$$" <<'PY'
import random, socket, sys
rnd = random.Random(int(sys.argv[1]) * 7919 ^ random.getrandbits(32))
for _ in range(200):
    p = rnd.randrange(28000, 28500)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    sys.exit(0)
sys.exit("no free port in 28000-28499")
PY
}

# k_wait_port PORT PIDFILE: until PORT accepts (5 s at most).
k_wait_port() {
  "$PY" - "$1" <<'PY'
import socket, sys, time
end = time.monotonic() + 5
while time.monotonic() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

# tlsd NAME MODE [CERTNAME]: start tlsd.py; sets K_PORT.  Stopped at exit.
K_N=0
tlsd() {
  K_N=$((K_N + 1))
  _d=$WORK/tlsd-$1
  mkdir -p "$_d"
  K_PORT=$(k_port) || bail_out "no free port in 28000-28499"
  _c=${3:-server}
  "$PY" "$WORK/tlsd.py" --port "$K_PORT" --cert "$CERTS/$_c.pem" \
    --key "$CERTS/$_c.key" --ready "$_d/ready" "$2" > "$_d/log" 2>&1 &
  echo $! > "$_d/scripted.pid"
  T_SERVERS="scripted:$_d $T_SERVERS"
  _i=0
  while [ ! -f "$_d/ready" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
  [ -f "$_d/ready" ] || { diag_file "$_d/log"; bail_out "tlsd.py $2 did not start"; }
}

# s_server NAME CERTNAME: `openssl s_server` (TLS only, no SMTP); K_PORT.
s_server() {
  _d=$WORK/sserver-$1
  mkdir -p "$_d"
  K_PORT=$(k_port) || bail_out "no free port in 28000-28499"
  openssl s_server -quiet -accept "127.0.0.1:$K_PORT" -cert "$CERTS/$2.pem" \
    -key "$CERTS/$2.key" < /dev/null > "$_d/log" 2>&1 &
  echo $! > "$_d/scripted.pid"
  T_SERVERS="scripted:$_d $T_SERVERS"
  k_wait_port "$K_PORT" || { diag_file "$_d/log"; bail_out "openssl s_server did not start"; }
}

# ---- transcripts ------------------------------------------------------------

STARTTLS=$(yaml starttls.yaml <<'EOF'
title: STARTTLS, AUTH PLAIN, state reset
protocol: smtp
steps:
  - S: 220
  - C: EHLO client.example
  - expect: 250
    text: STARTTLS
  - starttls:
  - C: EHLO client.example
  - expect: 250
    not_text: STARTTLS
  - auth: {mechanism: PLAIN, user: testuser, pass: "${pass}"}
  - C: RCPT TO:<x@example.org>
  - S: 503
  - C: QUIT
  - S: 221
EOF
)
PLAIN=$(yaml plain.yaml <<'EOF'
title: a plaintext session
protocol: smtp
steps:
  - S: 220
  - C: EHLO client.example
  - S: 250
  - C: QUIT
  - S: 221
EOF
)
IMPLICIT=$(yaml implicit.yaml <<'EOF'
title: AUTH inside implicit TLS
protocol: smtp
steps:
  - S: 220
  - C: EHLO client.example
  - S: 250
  - auth: {mechanism: PLAIN, user: testuser, pass: "${pass}", initial_response: false}
  - C: QUIT
  - S: 221
EOF
)
SECRET=hunter2-$$-secret

# ---- what works ---------------------------------------------------------------

tlsd good good
GOOD=$K_PORT
SMTP_PASS=testpass
export SMTP_PASS
ms run -t "127.0.0.1:$GOOD" --cafile "$CA" -D pass=env:SMTP_PASS \
  -r "json:$WORK/good.json" -r "junit:$WORK/good.xml" "$STARTTLS"
exit_is 0 "STARTTLS, EHLO inside TLS, AUTH PLAIN and the reset after TLS pass, certificate verified against --cafile"
"$PY" - "$WORK/good.json" "$ROOT/reports/schema.json" > "$WORK/good.check" 2>&1 <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
t = r["transcripts"][0]["tls"]
assert re.match(r"TLSv1\.[23]$", t["version"]), t
assert t["cipher"].startswith("TLS_"), t
assert "CN=localhost" in t["subject"] and "mailspec test CA" in t["issuer"], t
assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", t["not_after"]), t
assert t["verified"] is True and t["verify_error"] is None, t
try:
    import jsonschema
    jsonschema.validate(r, json.load(open(sys.argv[2])))
    print("schema ok")
except ImportError:
    print("no jsonschema")
PY
like "@$WORK/good.check" "schema ok|no jsonschema" "JSON records TLS version, cipher, subject, issuer, expiry, verified (schema-valid)"
like "@$WORK/good.xml" 'name="[^"]*\.tls\.version" value="TLSv1\.[23]"' "JUnit carries the TLS version as a property"
ms merge "$WORK/good.json" -r "json:$WORK/merged.json"
like "@$WORK/merged.json" '"subject": "[^"]*CN=localhost' "the TLS record survives JSON -> model -> JSON (merge)"

ms -v run -t "localhost:$GOOD" --cafile "$CA" -D pass=env:SMTP_PASS "$STARTTLS"
exit_is 0 "by name: SNI and the certificate's DNS name localhost"
like "@$ERR" '-- TLS: <TLSv1' "-v shows the negotiated session live"
like "@$OUT" 'tls: TLSv1.* verified' "-v text report shows what TLS negotiated"

KEYLOG=$WORK/keys.log
cp "$STARTTLS" "$WORK/starttls2.yaml"
cp "$STARTTLS" "$WORK/starttls3.yaml"
ms run -t "127.0.0.1:$GOOD" --cafile "$CA" -D pass=env:SMTP_PASS --keylog "$KEYLOG" -j 3 "$STARTTLS" "$WORK/starttls2.yaml" "$WORK/starttls3.yaml"
exit_is 0 "three TLS sessions at once (-j 3) share one context"
like "@$KEYLOG" '^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|CLIENT_RANDOM) [0-9a-f]{64} [0-9a-f]+$' "--keylog writes SSLKEYLOGFILE lines"
is "$(stat -c %a "$KEYLOG")" 600 "the key log is readable by its owner only"
is "$(grep -Ec '^(CLIENT_TRAFFIC_SECRET_0|CLIENT_RANDOM) ' "$KEYLOG")" 3 "one traffic secret per session"

printf 'testpass\n' > "$WORK/pass.txt"
ms run -t "127.0.0.1:$GOOD" --cafile "$CA" -D "pass=file:$WORK/pass.txt" "$STARTTLS"
exit_is 0 "-D pass=file:PATH reads the password (its line end dropped)"

tlsd implicit implicit
ms run -t "smtps://127.0.0.1:$K_PORT" --cafile "$CA" -D pass=env:SMTP_PASS -r "json:$WORK/implicit.json" "$IMPLICIT"
exit_is 0 "smtps://HOST:PORT: implicit TLS from the first byte, AUTH PLAIN with a 334 challenge"
like "@$WORK/implicit.json" '"verified": true' "implicit TLS is recorded too"

TLSIMPL=$(yaml tls-implicit.yaml <<'EOF'
title: tls implicit in the transcript
protocol: smtp
tls: implicit
steps:
  - S: 220
  - C: QUIT
  - S: 221
EOF
)
ms run -t "127.0.0.1:$K_PORT" --cafile "$CA" "$TLSIMPL"
exit_is 0 "tls: implicit in a transcript on HOST:PORT"

# ---- bad credentials and secrets ----------------------------------------------

SMTP_PASS=$SECRET
ms -v run -t "127.0.0.1:$GOOD" --cafile "$CA" -D pass=env:SMTP_PASS \
  -r "json:$WORK/bad.json" -r "junit:$WORK/bad.xml" -r "tap:$WORK/bad.tap" \
  -r "md:$WORK/bad.md" -r "html:$WORK/bad.html" "$STARTTLS"
exit_is 1 "a wrong password is a FAIL"
like "@$OUT" 'expected 235, got 535: the credentials were rejected' "the reason names the code and what it means"
like "@$OUT" 'C: AUTH PLAIN <redacted>' "the AUTH line is shown as <redacted>"
leaks=
for f in "$OUT" "$ERR" "$WORK/bad.json" "$WORK/bad.xml" "$WORK/bad.tap" "$WORK/bad.md" "$WORK/bad.html"; do
  grep -q "$SECRET" "$f" && leaks="$leaks $(basename "$f")"
  b64=$(printf '\0testuser\0%s' "$SECRET" | base64 -w0)
  grep -qF "$b64" "$f" && leaks="$leaks $(basename "$f")(base64)"
done
is "$leaks" "" "the password (env:) is in no report, log or live line, plain or base64"

# A server that echoes the secret back: it is scrubbed from what it said.
ECHO=$(yaml echo.yaml <<'EOF'
title: the password in a command and in the reply
protocol: smtp
steps:
  - S: 220
  - C: NOOP ${pass}
  - S: 500
EOF
)
ms -v run -t "127.0.0.1:$GOOD" --cafile "$CA" -D pass=env:SMTP_PASS -r "json:$WORK/echo.json" "$ECHO"
exit_is 1 "NOOP with the secret gets 250, not 500: FAIL"
if grep -q "$SECRET" "$OUT" "$ERR" "$WORK/echo.json"; then
  fail "a secret used in any line is <redacted> everywhere"; else
  pass "a secret used in any line is <redacted> everywhere"; fi

ms run -D pass=env:MAILSPEC_SURELY_UNSET_VAR "$PLAIN"
exit_is 2 "-D pass=env:UNSET is a usage error"
like "@$ERR" 'MAILSPEC_SURELY_UNSET_VAR is not set' "... that names the variable"
ms run -D "pass=file:$WORK/no-such-file" "$PLAIN"
exit_is 2 "-D pass=file:MISSING is a usage error"
like "@$ERR" 'no-such-file: No such file' "... that names the file and the reason"
ms run -t "127.0.0.1:$GOOD" --cafile "$WORK/no-such-ca.pem" "$PLAIN"
exit_is 2 "--cafile MISSING is a usage error"
like "@$ERR" 'cafile .*no-such-ca.pem' "... that names the file"

# ---- certificates ---------------------------------------------------------------

SMTP_PASS=testpass
tlsd expired good expired
ms run -t "localhost:$K_PORT" --cafile "$CA" -D pass=env:SMTP_PASS -r "json:$WORK/expired.json" "$STARTTLS"
exit_is 1 "an expired certificate is a FAIL"
like "@$OUT" 'did not verify: certificate has expired' "... saying it expired"
like "@$OUT" 'expires 2020-01-31' "... and when"
like "@$WORK/expired.json" '"verify_error": "certificate has expired"' "the JSON tls record says why it did not verify"

tlsd wrongname good wrongname
ms run -t "localhost:$K_PORT" --cafile "$CA" -D pass=env:SMTP_PASS "$STARTTLS"
exit_is 1 "a certificate for another name is a FAIL"
like "@$OUT" 'hostname mismatch' "... naming the mismatch"
like "@$OUT" 'name checked: localhost' "... and the name checked"
ms run -t "127.0.0.1:$K_PORT" --cafile "$CA" -D pass=env:SMTP_PASS "$STARTTLS"
exit_is 1 "an address target is checked against the certificate's IP addresses"
like "@$OUT" 'IP address mismatch' "... naming the mismatch"

tlsd self good selfsigned
ms run -t "127.0.0.1:$K_PORT" -D pass=env:SMTP_PASS "$STARTTLS"
exit_is 1 "a self-signed certificate fails verification against the system store"
like "@$OUT" 'self.signed certificate' "... saying so"
ms -v run -t "127.0.0.1:$K_PORT" --insecure -D pass=env:SMTP_PASS -r "json:$WORK/insecure.json" "$STARTTLS"
exit_is 0 "--insecure goes on"
like "@$WORK/insecure.json" '"verified": false' "... and still records that it did not verify"
like "@$OUT" 'NOT verified: self.signed certificate' "... in the text report too"

s_server sexpired expired
ms run -t "smtps://localhost:$K_PORT" --cafile "$CA" --timeout 5 "$PLAIN"
exit_is 1 "implicit TLS (openssl s_server) with an expired certificate is a FAIL"
like "@$OUT" 'certificate has expired' "... saying it expired"

# ---- broken handshakes and wrong ports --------------------------------------------

tlsd drop drop
ms run -t "127.0.0.1:$K_PORT" --cafile "$CA" --timeout 5 -D pass=env:SMTP_PASS "$STARTTLS"
exit_is 1 "a server that closes after 220 instead of the handshake is a FAIL"
like "@$OUT" 'closed the connection (before|during) the TLS handshake' "... saying where it closed (before or during the handshake: a race with the server's close)"

tlsd stall stall
ms run -t "127.0.0.1:$K_PORT" --cafile "$CA" --timeout 2 -D pass=env:SMTP_PASS "$STARTTLS"
exit_is 3 "a server that never answers the ClientHello is an ERROR within the timeout, not a hang"
like "@$OUT" 'no TLS handshake within 2 s' "... saying so"

# A handshake that stalls holds only its own session: the others on the
# same event-loop worker (-j 4 on two workers puts two on each) go on and
# finish while it waits (issue 17: non-blocking TLS).
mkdir -p "$WORK/stallplan"
sed 's/EHLO client.example/EHLO stall.example/' "$STARTTLS" > "$WORK/stallplan/a-stall.yaml"
for i in 1 2 3; do cp "$STARTTLS" "$WORK/stallplan/b-good$i.yaml"; done
tlsd stallone stallone
ms run -j 4 -t "127.0.0.1:$K_PORT" --cafile "$CA" --timeout 4 -D pass=env:SMTP_PASS "$WORK/stallplan"
exit_is 3 "-j 4, one server stalling one handshake: that session is an ERROR"
like "@$OUT" 'no TLS handshake within 4 s' "... for want of a handshake"
like "@$OUT" '^3 passed, 0 failed' "... and the three others pass"
is "$(tr '\n' ' ' < "$WORK/tlsd-stallone/log")" "quit quit quit stall-closed " \
  "... all three finished (QUIT) while the stalled handshake still waited"

tlsd junk plainjunk
ms run -t "127.0.0.1:$K_PORT" --cafile "$CA" --timeout 5 -D pass=env:SMTP_PASS "$STARTTLS"
exit_is 1 "plaintext after the 220 to STARTTLS is a FAIL"
like "@$OUT" 'plaintext.*250 injected' "... named as such, quoting the bytes"

s_server tlsport server
ms run -t "127.0.0.1:$K_PORT" --timeout 2 "$PLAIN"
exit_is 3 "a plaintext session on a TLS port is an ERROR within the timeout"
like "@$OUT" 'no greeting within 2 s \(if the server expects TLS from the first byte, use smtps://' "... suggesting smtps://"

tlsd plain plain
ms run -t "smtps://127.0.0.1:$K_PORT" --cafile "$CA" --timeout 5 "$PLAIN"
exit_is 3 "smtps:// on a plaintext port is an ERROR"
like "@$OUT" "plaintext \('220 tlsd.*does not speak TLS on this port" "... quoting the plaintext greeting"
ms run -t "127.0.0.1:$K_PORT" --cafile "$CA" -D pass=env:SMTP_PASS "$STARTTLS"
exit_is 1 "STARTTLS where it is not offered is a FAIL (the EHLO check)"

# ---- real servers with TLS ---------------------------------------------------------

# Each is optional here (CI=true makes an unavailable one a failure).
real() { # NAME ARGS...: start tester/tests/servers/NAME.sh, sets $TARGET
  if start_server "$@"; then return 0; fi
  if [ "${CI:-}" = true ]; then
    fail "$1 starts (CI=true)"; diag_file "$WORK/$1.why" reason; return 1; fi
  skip "$1 with TLS" "$(head -n 1 "$WORK/$1.why" 2> /dev/null)"
  return 1
}
# cafile DIR: the CA the server script tells us to trust.
cafile_of() {
  for f in "$1/cafile.pem" "$1/certs/ca.pem"; do [ -f "$f" ] && { echo "$f"; return; }; done
  echo "$CA"
}

# What a real server does differently, said once: the waiver files of
# tester/tests/tls-waivers/ (tls-server.t runs the same servers with them).
TW=$TESTS/tls-waivers

# The starttls suite is for servers that take mail without TLS (RFC 3207
# §4: a public MX must): aiosmtpd with STARTTLS optional.
if real aiosmtpd-tls optional; then
  SCA=$(cafile_of "$WORK/srv-aiosmtpd-tls")
  ms run -t "$TARGET" --cafile "$SCA" --strict --waivers "$TW/aiosmtpd-tls.yaml" \
    --waivers "$TW/aiosmtpd-tls-optional.yaml" suites/starttls.yaml suites/auth.yaml
  exit_is 0 "aiosmtpd (STARTTLS optional, AUTH only inside TLS): starttls and auth suites pass, with its waivers"
  like "@$OUT" 'PASS +starttls/injection' "aiosmtpd discards commands pipelined with STARTTLS"
  like "@$OUT" 'PASS +auth/refused-before-tls' "aiosmtpd refuses AUTH before TLS, accepts it inside"
  like "@$OUT" 'WAIVED +auth/in-transaction' "aiosmtpd's AUTH inside a transaction is found (and waived)"
fi

# Postfix as shipped by postfix-submission.sh requires TLS: the auth and
# submission suites (tls-server.t runs starttls on its optional mode).
if real postfix-submission; then
  SCA=$(cafile_of "$WORK/srv-postfix-submission")
  ms run -t "$TARGET" --cafile "$SCA" --strict --waivers "$TW/postfix-submission.yaml" \
    --waivers "$TW/postfix-submission-encrypt.yaml" suites/auth.yaml suites/submission.yaml
  exit_is 0 "Postfix submission (TLS required, SASL via Dovecot): auth and submission suites pass, with its waivers"
  like "@$OUT" 'PASS +submission/tls-required' "Postfix refuses mail before STARTTLS"
  sh "$TESTS/servers/postfix-submission.sh" stop "$WORK/srv-postfix-submission" > /dev/null 2>&1
fi

# Dovecot reads its files under $WORK after dropping privileges.
chmod 755 "$WORK"
if real dovecot-tls; then
  SCA=$(cafile_of "$WORK/srv-dovecot-tls")
  # Dovecot's departures from RFC 5034 (SASL not listed after AUTH, no
  # SASLprep), each with its RFC sentence:
  ms run -t "$TARGET" --cafile "$SCA" --strict --waivers "$TESTS/tls-waivers/dovecot-tls.yaml" \
    suites/starttls.yaml suites/auth.yaml
  exit_is 0 "Dovecot POP3 with STLS and SASL PLAIN: the POP3 transcripts of starttls and auth pass"
  like "@$OUT" 'PASS +starttls/pop3-stls-transaction' "Dovecot refuses STLS in TRANSACTION state"
  like "@$OUT" 'PASS +auth/pop3-cancel' "Dovecot cancels AUTH at \"\*\" with -ERR"
fi

# Dovecot with ssl = required: no authentication before STLS.
if real dovecot-tls strict; then
  SCA=$(cafile_of "$WORK/srv-dovecot-tls")
  DADDR=$(cat "$WORK/srv-dovecot-tls/address" 2> /dev/null || echo "$TARGET")
  ms run -t "$DADDR" --cafile "$SCA" --strict --waivers "$TESTS/tls-waivers/dovecot-tls.yaml" suites/auth.yaml
  exit_is 0 "Dovecot requiring TLS: the POP3 auth transcripts pass"
  like "@$OUT" 'PASS +auth/pop3-refused-before-tls' "Dovecot refuses AUTH before STLS and accepts it after"
  sh "$TESTS/servers/dovecot-tls.sh" stop "$WORK/srv-dovecot-tls" > /dev/null 2>&1
fi

# Implicit TLS (POP3S, SMTPS) on the real servers.
POP3S=$(yaml pop3s.yaml <<'EOF'
title: POP3S login, STAT
protocol: pop3
steps:
  - S: +OK
  - auth: {mechanism: PLAIN, user: testuser, pass: "${pass}"}
  - C: STAT
  - S: +OK
  - C: QUIT
  - S: +OK
EOF
)
SMTP_PASS=testpass
if real dovecot-tls implicit; then
  SCA=$(cafile_of "$WORK/srv-dovecot-tls")
  ms run -t "pop3s://$TARGET" --cafile "$SCA" -D pass=env:SMTP_PASS "$POP3S"
  exit_is 0 "Dovecot POP3S (pop3s://): AUTH PLAIN and STAT inside implicit TLS"
  sh "$TESTS/servers/dovecot-tls.sh" stop "$WORK/srv-dovecot-tls" > /dev/null 2>&1
fi
# aiosmtpd 1.4.3 with TLS from the first byte and auth_require_tls: it
# does not count implicit TLS as TLS and answers AUTH with 538 -- a real
# finding (RFC 4954 §6: 538 means the connection is not encrypted).
if real aiosmtpd-tls implicit; then
  SCA=$(cafile_of "$WORK/srv-aiosmtpd-tls")
  ms -v run -t "smtps://$TARGET" --cafile "$SCA" -D pass=env:SMTP_PASS "$IMPLICIT"
  exit_is 1 "aiosmtpd SMTPS (smtps://): the session runs inside implicit TLS, and AUTH FAILs"
  like "@$OUT" 'expected 235, got 538: this mechanism needs an encrypted connection first' \
    "... with 538 inside TLS, named for what it claims"
  unlike "@$ERR" '235\|334' "the live view shows the final expectation only"
fi
