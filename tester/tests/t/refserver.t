#!/bin/sh
# refserver.t: the reference server (issue 3).  Every RFC 821 classroom
# transcript passes with `-t builtin`; the same transcripts pass against a
# separately started `mailspec serve --profile rfc821` where their world
# agrees with the built-in one, and fail at the step their comment names
# where it does not; accepted mail lands in the spool; -v shows the
# exchange; bad input (overlong lines, binary, commands out of sequence, a
# client vanishing mid-DATA) gets the RFC's reply or a clean close, and the
# server stops cleanly on SIGTERM.  Servers listen on 127.0.0.1:0.
. "$(dirname "$0")/../lib.sh"

RFC821=$ROOT/transcripts/rfc821

# Servers: lib.sh's serve; stopped with `unserve --rc` (SIGTERM, wait, exit
# status in SERVE_RC), as a clean SIGTERM shutdown is part of what is tested.

# ---- profile: which reference server -t builtin starts -------------------
# Issue 16: the profile is the transcript's profile: key, never guessed
# from tags, directory or source: (a transcript tagged rfc821 without the
# key meets the RFC 5321 server, which knows EHLO).
for p in "profile: rfc821|500" "profile: rfc5321|250" "|250"; do
  key=${p%|*} code=${p#*|}
  PT=$(yaml "profile-$code-${key#profile: }.yaml" <<EOF
title: EHLO under the ${key#profile: } profile
$key
tags: [rfc821]
source: RFC 821 Appendix F, Scenario 1
steps:
  - expect: 220
  - send: EHLO client.example
  - expect: $code
  - send: QUIT
  - expect: 221
EOF
)
  ms run -t builtin "$PT"
  exit_is 0 "-t builtin with '${key:-no profile:}': EHLO gets $code"
done

# ---- -t builtin: every classroom transcript ------------------------------
ms run -t builtin "$RFC821"
exit_is 0 "every transcript of transcripts/rfc821 passes with -t builtin"
like "@$OUT" '^2[0-9] passed, 0 failed, 0 skipped$' "all of them pass, none skipped"
for n in 01 02 03 04 05 06 07 08 09 10; do
  like "@$OUT" "^PASS  rfc821/scenario-$n-" "Appendix F, Scenario $n passes"
done

ms run -t builtin "$ROOT/suites/rfc821.yaml"
exit_is 0 "suites/rfc821.yaml passes with -t builtin"

ms lint "$RFC821" "$ROOT/suites/rfc821.yaml"
exit_is 0 "the classroom transcripts and suite lint clean"

# ---- against a separately started server ---------------------------------
serve --profile rfc821 --spool "$WORK/spool"
AGREE=
for f in "$RFC821"/*.yaml; do
  grep -q '^world:' "$f" || AGREE="$AGREE $f"
done
# shellcheck disable=SC2086
ms run -j 4 -t "$TARGET" $AGREE
exit_is 0 "transcripts without world: pass against mailspec serve --profile rfc821 (-j 4)"
unlike "@$OUT" '^(FAIL|ERROR) ' "no transcript fails against the served world"

# (MAY and SHOULD failures are reported but do not fail the run: exit 0.)
ms run -t "$TARGET" "$RFC821/scenario-04-verifying-and-sending.yaml"
like "@$OUT" '^FAIL  rfc821/scenario-04' "Scenario 4 fails against the built-in world (Admin.MRC is logged out)"
like "@$OUT" 'scenario-04-verifying-and-sending.yaml:31\)' "... at the RCPT step"
like "@$OUT" '\+ R: 450 User not active now' "... which gets Scenario 5's 450"

ms run -t "$TARGET" "$RFC821/scenario-10-too-many-recipients.yaml"
like "@$OUT" '^FAIL  rfc821/scenario-10' "Scenario 10 fails against the built-in world (100 recipients fit)"
like "@$OUT" '- R: 552 Recipient storage full' "... at the 552 step"

# The spool: Scenario 1's mail for Jones and Brown, none for Green.
ms run -t "$TARGET" "$RFC821/scenario-01-typical-transaction.yaml"
JONES=$WORK/spool/jones@bbn-unix.arpa
ok "the spool has an mbox for Jones" test -s "$JONES"
ok "the spool has an mbox for Brown" test -s "$WORK/spool/brown@bbn-unix.arpa"
ok "the spool has nothing for Green" test ! -e "$WORK/spool/green@bbn-unix.arpa"
like "@$JONES" '^From Smith@USC-ISIF.ARPA ' "the mbox starts with a From line"
like "@$JONES" '^\.\.etc\. etc\. etc\.$' "the data is dot-unstuffed ('...etc' arrived, '..etc' kept)"

# Bad input: each case gets its reply, and the server keeps serving.
"$PY" - "$TARGET" > "$WORK/bad.txt" 2>&1 <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)

def conn():
    s = socket.create_connection((host, int(port)), timeout=10)
    f = s.makefile("rb")
    return s, f

def reply(f):
    lines = []
    while True:
        l = f.readline()
        if not l:
            return "closed"
        lines.append(l)
        if len(l) < 4 or l[3:4] != b"-":
            return l[:3].decode("ascii", "replace")

s, f = conn()
print("greeting", reply(f))
s.sendall(b"HELO x" + b"y" * 100000 + b"\r\n")
print("overlong", reply(f))
s.sendall(b"NOOP\r\n")
print("after-overlong", reply(f))
s.sendall(bytes(b for b in range(256) if b not in (10, 13)) + b"\r\n")
print("binary", reply(f))
s.sendall(b"\x00\x00\x00\r\n")
print("nul", reply(f))
for cmd in (b"DATA", b"RCPT TO:<Jones@BBN-UNIX.ARPA>"):
    s.sendall(cmd + b"\r\n")
    print("sequence", cmd.split()[0].decode(), reply(f))
s.sendall(b"HELO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<Jones@BBN-UNIX.ARPA>\r\nDATA\r\n")
print("data", reply(f), reply(f), reply(f), reply(f))
s.sendall(b"half a message, then gone")
s.close()
s, f = conn()
print("after-vanish", reply(f))
s.sendall(b"QUIT\r\n")
print("quit", reply(f), reply(f))
PY
BAD=$(cat "$WORK/bad.txt")
like "$BAD" '^greeting 220$' "a raw client is greeted"
like "$BAD" '^overlong 500$' "a 100000-octet line gets 500 (RFC 821 §4.5.3)"
like "$BAD" '^after-overlong 250$' "the rest of the long line was discarded"
like "$BAD" '^binary 500$' "binary garbage gets 500"
like "$BAD" '^nul 500$' "NULs get 500"
like "$BAD" '^sequence DATA 503$' "DATA out of sequence gets 503"
like "$BAD" '^sequence RCPT 503$' "RCPT out of sequence gets 503"
like "$BAD" '^data 250 250 250 354$' "a transaction starts after the errors"
like "$BAD" '^after-vanish 220$' "after a client vanished mid-DATA the server still serves"
like "$BAD" '^quit 221 closed$' "QUIT gets 221 and the server closes"

unserve --rc
is "$SERVE_RC" 0 "mailspec serve exits 0 on SIGTERM"
ok "the ready file is removed at exit" test ! -e "$SDIR/ready"
unlike "@$SDIR/err" 'ERROR|runtime error|LeakSanitizer' "no sanitizer report"

# A world file makes Scenario 4 pass against the served server too.
W4=$(yaml w4.yaml <<'EOF'
users:
  - {name: Admin.MRC, fullname: Mark Crispin, terminal: true}
EOF
)
serve --profile rfc821 --world "$W4"
ms run -t "$TARGET" "$RFC821/scenario-04-verifying-and-sending.yaml"
exit_is 0 "Scenario 4 passes against mailspec serve --world with its world"
unserve --rc

# ---- the live view --------------------------------------------------------
serve --profile rfc821 -v
ms run -t "$TARGET" "$RFC821/scenario-01-typical-transaction.yaml"
unserve --rc
like "@$SDIR/out" '^S: HELO USC-ISIF\.ARPA$' "-v prints the client's lines as S:"
like "@$SDIR/out" '^R: 550 No such user here$' "-v prints the server's replies as R:"

# ---- the RFC 5321 profile and POP3 on the same loop -----------------------
serve
ms run -t "$TARGET" "$ROOT/transcripts/rfc5321"
exit_is 0 "RFC 5321 Appendix D passes against mailspec serve (default profile)"
ms run -t "$TARGET" "$RFC821/scenario-04-verifying-and-sending.yaml"
like "@$OUT" '^FAIL  rfc821/scenario-04' "RFC 821's SEND is refused by the rfc5321 profile"
like "@$OUT" '\+ R: 502' "... with 502"
unserve --rc

if [ -f "$ROOT/transcripts/rfc1939/example-session.yaml" ]; then
  # §10's printed APOP digest needs §10's fixed timestamp (RFC 1939 §7
  # wants a new one each time, hence a fault).
  serve --protocol pop3 --fault apop-fixed-timestamp
  ms run -t "$TARGET" "$ROOT/transcripts/rfc1939/example-session.yaml"
  exit_is 0 "RFC 1939's example session passes against mailspec serve --protocol pop3 --fault apop-fixed-timestamp"
  unserve --rc
fi

# ---- usage ----------------------------------------------------------------
ms serve --help
exit_is 0 "serve --help exits 0"
for f in rcpt-250 mixed-multiline bare-lf no-unstuff greet-554 \
         close-after-data slow:MS pop3-octets pop3-early-dele; do
  like "@$OUT" "^ +$f " "serve --help documents the $f fault"
done
ms serve --fault melt-down
exit_is 2 "an unknown fault is a usage error"
like "@$ERR" 'melt-down' "... naming the fault"
ms serve --profile rfc2821
exit_is 2 "an unknown profile is a usage error"
BADW=$(yaml bad-world.yaml <<'EOF'
hostname: X.ARPA
users:
  - {name: Jones, terminal: perhaps}
EOF
)
ms serve --world "$BADW"
exit_is 2 "a bad world file is a usage error"
like "@$ERR" 'bad-world\.yaml:3:[0-9]+: world: .terminal. must be true or false' "... reported as file:line:col"
serve --profile rfc821
ms serve --listen "$TARGET"
exit_is 3 "a port already taken: exit 3"
like "@$ERR" "$TARGET" "... naming the address"
unserve --rc
