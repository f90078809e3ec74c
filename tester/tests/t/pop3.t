#!/bin/sh
# pop3.t: the reference server's POP3 side (issue 3) and the RFC 1939 /
# RFC 5321 Appendix D classroom transcripts.
# - every transcript of transcripts/rfc1939 and transcripts/rfc5321
#   passes with `mailspec run -t builtin`, and the rfc1939 suite passes
#   against a separately started `mailspec serve --protocol pop3`;
# - the faults pop3-octets and pop3-early-dele are caught by the
#   transcripts named for them, at the steps named for them;
# - two live connections: a locked maildrop gets "-ERR maildrop already
#   locked" (RFC 1939 §8), and a second session sees deletions only
#   after the first one's QUIT (UPDATE, §6);
# - bad input (overlong line, binary, wrong state) gets -ERR, never a
#   crash.
# Servers listen on 127.0.0.1 with a port the kernel picks.
. "$(dirname "$0")/../lib.sh"

R1939=$ROOT/transcripts/rfc1939
R5321=$ROOT/transcripts/rfc5321

# ---- reference servers started here (stopped by PID at exit) ------------
SERVE_PIDS=
pop3_exit() {
  _st=$?
  for _p in $SERVE_PIDS; do kill "$_p" 2> /dev/null; done
  for _p in $SERVE_PIDS; do wait "$_p" 2> /dev/null; done
  (exit $_st)
  lib_exit
}
trap pop3_exit EXIT

# serve_ref PROTOCOL NAME [ARGS...]: start `mailspec serve --protocol
# PROTOCOL` on a free port; sets SERVE (ADDR:PORT), SERVE_PID, SERVE_LOG.
SERVE_N=0
serve_ref() {
  _proto=$1
  SERVE_N=$((SERVE_N + 1))
  _n=$SERVE_N-$2
  shift 2
  _ready=$WORK/$_n.ready
  SERVE_LOG=$WORK/$_n.log
  timeout -k 5 300 "$MAILSPEC" serve --protocol "$_proto" --listen 127.0.0.1:0 \
    --ready-file "$_ready" "$@" > "$SERVE_LOG" 2>&1 < /dev/null &
  SERVE_PID=$!
  SERVE_PIDS="$SERVE_PID $SERVE_PIDS"
  _i=0
  while [ ! -s "$_ready" ] && [ $_i -lt 200 ] && kill -0 "$SERVE_PID" 2> /dev/null; do
    sleep 0.05
    _i=$((_i + 1))
  done
  if [ ! -s "$_ready" ]; then
    fail "mailspec serve --protocol $_proto $* starts"
    diag_file "$SERVE_LOG" "serve log"
    return 1
  fi
  SERVE=$(head -n 1 "$_ready")
  return 0
}

serve_pop3() {
  serve_ref pop3 "$@"
}

serve_stop() {
  kill "$SERVE_PID" 2> /dev/null
  wait "$SERVE_PID" 2> /dev/null
  SERVE_PIDS=$(echo "$SERVE_PIDS" | sed "s/\\b$SERVE_PID\\b//")
}

# line_of FILE ERE: the number of the first line of FILE matching ERE.
line_of() {
  grep -n -E -- "$2" "$1" | head -n 1 | cut -d: -f1
}

# ---- 1. every classroom transcript passes against -t builtin -------------
N1939=$(ls "$R1939"/*.yaml | wc -l)
N5321=$(ls "$R5321"/*.yaml | wc -l)
ms run -t builtin "$R1939" "$R5321"
exit_is 0 "run -t builtin transcripts/rfc1939 transcripts/rfc5321: all pass"
like "@$OUT" "^$((N1939 + N5321)) passed, 0 failed, 0 skipped" \
  "all $((N1939 + N5321)) rfc1939 + rfc5321 transcripts passed"

ms run -t builtin "$ROOT/suites/rfc1939-classroom.yaml"
exit_is 0 "run -t builtin suites/rfc1939-classroom.yaml: all pass"
like "@$OUT" "^$N1939 passed, 0 failed" "the suite holds every rfc1939 transcript"

# The §10 session replays byte for byte: the live view (stderr) shows the
# server's replies as printed in the RFC.
ms run -v -t builtin "$R1939/example-session.yaml"
exit_is 0 "RFC 1939 §10 example session passes"
for reply in '\+OK POP3 server ready <1896\.697170952@dbc\.mtview\.ca\.us>' \
  "\\+OK mrose's maildrop has 2 messages \\(320 octets\\)" \
  '\+OK 2 320' '\+OK 2 messages \(320 octets\)' '\+OK 120 octets' \
  '\+OK 200 octets' '\+OK message 2 deleted' \
  '\+OK dewey POP3 server signing off \(maildrop empty\)'; do
  like "@$ERR" "^S: $reply\$" "§10 byte for byte: $reply"
done

# ---- 2. the same suite against a separately started server ---------------
if serve_pop3 plain --fault apop-fixed-timestamp; then
  ms run -t "$SERVE" "$ROOT/suites/rfc1939-classroom.yaml"
  exit_is 0 "suites/rfc1939-classroom.yaml passes against mailspec serve --protocol pop3 (--fault apop-fixed-timestamp: §10's digest)"
  serve_stop
fi

# RFC 5321 Appendix D against `mailspec serve` (SMTP, rfc5321 profile)
# with a spool: D.3 delivers the board-meeting message to Jones twice
# (once per step), with step 2's folded Received: line and indented
# signature kept as sent.
SPOOL=$WORK/spool
mkdir -p "$SPOOL"
if serve_ref smtp smtp --spool "$SPOOL"; then
  ms run -t "$SERVE" "$R5321"
  exit_is 0 "transcripts/rfc5321 pass against mailspec serve (rfc5321 profile)"
  serve_stop
  BOX=$(grep -l 'Next Meeting of the Board' "$SPOOL"/* 2> /dev/null | head -n 1)
  if [ -n "$BOX" ]; then
    is "$(grep -c '^From ' "$BOX")" 2 "D.3: both steps delivered to Jones ($(basename "$BOX"))"
    like "@$BOX" '^    05:33:29 -0700$' "D.3 step 2: the folded Received: line arrived with its blanks"
    like "@$BOX" '^                        John\.$' "D.3 step 2: the indented signature arrived as sent"
  else
    fail "D.3: a spool mbox holds the board-meeting message"
    diag "spool: $(ls "$SPOOL")"
  fi
  unlike "$(ls "$SPOOL")" '[Gg]reen' "D.1/D.2: nothing delivered to Green (550)"
fi

# ---- 3. faults, each caught by a named transcript at a named step ---------
# fault_caught FAULT TRANSCRIPT ERE: under --fault FAULT, TRANSCRIPT fails
# at the line of TRANSCRIPT matching ERE (the step's file:line is shown).
fault_caught() {
  _f=$1 _t=$2 _ere=$3
  _line=$(line_of "$R1939/$_t" "$_ere")
  if [ -z "$_line" ]; then
    fail "$_t has a step matching /$_ere/"
    return
  fi
  if serve_pop3 "fault-$_f" --fault "$_f"; then
    ms run -t "$SERVE" "$R1939/$_t"
    exit_is 1 "--fault $_f: rfc1939/$_t fails"
    like "@$OUT" "rfc1939/$_t:$_line([^0-9]|\$)" \
      "--fault $_f: rfc1939/$_t fails at line $_line (/$_ere/)"
    serve_stop
  fi
}
# pop3-octets: sizes counted with LF line ends.
fault_caught pop3-octets stat.yaml "^ *- expect: \\+OK"
fault_caught pop3-octets list.yaml "^ *- expect: \\+OK"
# pop3-early-dele: DELE acts at once (RSET cannot undo it, a session that
# ends without QUIT still removes the message).
fault_caught pop3-early-dele rset.yaml "S: \\+OK 120 octets"
fault_caught pop3-early-dele no-update-without-quit.yaml "S: \\+OK 2 200"

# Without faults the same transcripts pass against the same kind of server
# (the failures above are the faults', not the transcripts').
if serve_pop3 nofault; then
  ms run -t "$SERVE" "$R1939/stat.yaml" "$R1939/list.yaml" "$R1939/rset.yaml" \
    "$R1939/no-update-without-quit.yaml"
  exit_is 0 "without faults: stat, list, rset, no-update-without-quit pass"
  serve_stop
fi

# ---- 4. two live connections: locking and UPDATE --------------------------
# A small client that keeps two connections open at once (a transcript's
# sessions run one after another).
pop3_live() {
  "$PY" - "$1" << 'PY'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)

class Conn:
    def __init__(self):
        self.s = socket.create_connection((host, int(port)), timeout=10)
        self.f = self.s.makefile("rb")
        self.line()
    def line(self):
        return self.f.readline().decode("latin-1").rstrip("\r\n")
    def cmd(self, c, multi=False):
        self.s.sendall(c.encode() + b"\r\n")
        r = self.line()
        if multi and r.startswith("+OK"):
            while self.line() != ".":
                pass
        return r
    def close(self):
        # the makefile() object holds the socket open too
        self.f.close()
        self.s.close()

def show(tag, r):
    print("%s: %s" % (tag, r))

a = Conn()
show("a-user", a.cmd("USER mrose"))
show("a-pass", a.cmd("PASS secret"))
show("a-dele", a.cmd("DELE 1"))
b = Conn()
show("b-user", b.cmd("USER mrose"))
show("b-pass-locked", b.cmd("PASS secret"))
show("b-apop-locked", b.cmd("APOP mrose c4c9334bac560ecc979e58001b3e22fb"))
show("b-stat-authorization", b.cmd("STAT"))
a.close()  # vanishes without QUIT: no UPDATE
import time
for _ in range(50):  # until the server has noticed and released the lock
    b.cmd("USER mrose")
    r = b.cmd("PASS secret")
    if not r.endswith("locked"):
        break
    time.sleep(0.05)
show("b-pass-after-abort", r)
show("b-dele", b.cmd("DELE 1"))
c = Conn()
c.cmd("USER mrose")
show("c-pass-while-b", c.cmd("PASS secret"))
show("b-quit", b.cmd("QUIT"))
b.close()
for _ in range(50):
    c.cmd("USER mrose")
    r = c.cmd("PASS secret")
    if not r.endswith("locked"):
        break
    time.sleep(0.05)
show("c-pass-after-quit", r)
show("c-uidl-1", c.cmd("UIDL 1"))
show("c-retr-2", c.cmd("RETR 2", multi=True))
# bad input: an overlong line, binary, commands out of sequence
show("c-long", c.cmd("NOOP " + "x" * 300))
show("c-binary", c.cmd("NO\x00OP\x01"))
show("c-user-in-transaction", c.cmd("USER mrose"))
show("c-noop", c.cmd("NOOP"))
show("c-quit", c.cmd("QUIT"))
c.close()
# RFC 2449 §6.6 PIPELINING (advertised in CAPA): a batch in one write is
# answered in order.
d = Conn()
d.s.sendall(b"USER mrose\r\nPASS secret\r\nSTAT\r\nLIST 1\r\nQUIT\r\n")
show("d-pipelined", " | ".join(d.line() for _ in range(5)))
d.close()
PY
}

# RFC 2449 §6.5: with a world's LOGIN-DELAY the reference server lists it
# and refuses a login right after another (pop3/login-delay-enforced; in
# the default world, LOGIN-DELAY 0, it is a SKIP).
printf 'pop3:\n  login_delay: 900\n' > "$WORK/login-delay.yaml"
if serve_pop3 login-delay --world "$WORK/login-delay.yaml"; then
  ms run --strict -t "$SERVE" -D user=mrose -D pass=secret \
    "$ROOT/transcripts/pop3/login-delay-enforced.yaml"
  exit_is 0 "LOGIN-DELAY 900: a login right after another is refused"
  like "@$OUT" '^PASS +pop3/login-delay-enforced' "... pop3/login-delay-enforced passes"
  serve_stop
fi

if serve_pop3 live --fault apop-fixed-timestamp; then
  LIVE=$(pop3_live "$SERVE" 2>&1)
  like "$LIVE" "^a-pass: \\+OK mrose's maildrop has 2 messages" "session A opens mrose"
  like "$LIVE" "^b-pass-locked: -ERR \[IN-USE\] maildrop already locked$" \
    "RFC 1939 §8: PASS on a locked maildrop: -ERR maildrop already locked"
  like "$LIVE" "^b-apop-locked: -ERR \[IN-USE\] maildrop already locked$" \
    "APOP on a locked maildrop: -ERR maildrop already locked"
  like "$LIVE" "^b-stat-authorization: -ERR" "after a refused PASS the session stays in AUTHORIZATION"
  like "$LIVE" "^b-pass-after-abort: \\+OK mrose's maildrop has 2 messages \\(320 octets\\)$" \
    "A vanished without QUIT: its DELE was not applied (RFC 1939 §6)"
  like "$LIVE" "^c-pass-while-b: -ERR \[IN-USE\] maildrop already locked$" "B holds the lock"
  like "$LIVE" "^b-quit: \\+OK .*signing off \\(1 message left\\)$" "B's QUIT enters UPDATE"
  like "$LIVE" "^c-pass-after-quit: \\+OK mrose's maildrop has 1 message \\(200 octets\\)$" \
    "C sees B's deletion only after B's QUIT"
  like "$LIVE" "^c-uidl-1: \\+OK 1 QhdPYR:00WBw1Ph7x7$" "unique-ids persist; numbering follows the survivors"
  like "$LIVE" "^c-retr-2: -ERR" "the deleted message is gone"
  like "$LIVE" "^c-long: -ERR" "a command line over 255 octets: -ERR (RFC 2449 §4)"
  like "$LIVE" "^c-binary: -ERR" "binary in a command: -ERR"
  like "$LIVE" "^c-user-in-transaction: -ERR" "USER in TRANSACTION: -ERR"
  like "$LIVE" "^c-noop: \\+OK$" "the session goes on after bad input"
  like "$LIVE" "^c-quit: \\+OK" "QUIT"
  like "$LIVE" "^d-pipelined: \\+OK mrose is a .* \\| \\+OK mrose's maildrop has 1 message .* \\| \\+OK 1 200 \\| \\+OK 1 200 \\| \\+OK .*signing off" \
    "pipelined commands are answered in order (RFC 2449 §6.6)"
  if kill -0 "$SERVE_PID" 2> /dev/null; then pass "the server survived"; else
    fail "the server survived"; diag_file "$SERVE_LOG" "serve log"; fi
  serve_stop
fi

# ---- 5. two connections at once, as transcripts (issue 13 §3) -------------
# transcripts/pop3/maildrop-lock.yaml and apop-timestamp-unique.yaml keep a
# session open while another runs (sessions: ... keep_open: true).  The
# reference server passes both (here, and in detection.t, where a fault
# that breaks each rule fails exactly its transcript); so does Dovecot,
# configured with pop3_lock_session = yes (tester/tests/servers/dovecot.sh:
# with Dovecot's default a second session opens the maildrop and expunges
# what the first one still lists, RFC 1939 §4).
SIDE="$ROOT/transcripts/pop3/maildrop-lock.yaml $ROOT/transcripts/pop3/apop-timestamp-unique.yaml"
# both_pass JSON DESC: both transcripts PASS (not SKIP) in JSON.
both_pass() {
  _v=$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s=%s" % (t["id"], t["verdict"]) for t in d["transcripts"]))' "$1")
  is "$_v" "pop3/maildrop-lock=PASS pop3/apop-timestamp-unique=PASS" "$2"
}
if serve_pop3 side; then
  # shellcheck disable=SC2086
  ms run -t "$SERVE" -D user=mrose -D pass=secret -r "json:$WORK/side-ref.json" $SIDE
  exit_is 0 "sessions side by side against mailspec serve --protocol pop3: exit 0"
  both_pass "$WORK/side-ref.json" "... the lock and the APOP timestamp pass"
  like "@$OUT" '^2 passed, 0 failed, 0 skipped$' "... summary 2 passed"
  serve_stop
fi
# Dovecot reads its files under $WORK after dropping privileges.
chmod 755 "$WORK"
if start_server dovecot; then
  # shellcheck disable=SC2086
  ms run -t "$TARGET" -D user=testuser -D pass=testpass -r "json:$WORK/side-dovecot.json" $SIDE
  exit_is 0 "sessions side by side against Dovecot (pop3_lock_session = yes): exit 0"
  both_pass "$WORK/side-dovecot.json" "... Dovecot refuses the second session and greets with a new timestamp each time"
  stop_servers
elif [ "${CI:-}" = true ]; then
  fail "Dovecot starts (CI=true)" "$(head -n 1 "$WORK/dovecot.why")"
else
  skip "sessions side by side against Dovecot" "$(head -n 1 "$WORK/dovecot.why")"
fi
