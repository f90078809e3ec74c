#!/bin/sh
# aiosmtpd.t: a second real server, aiosmtpd 1.4 (Debian python3-aiosmtpd,
# run by /usr/bin/python3).  Its answers differ from smtp-sink's where
# servers legitimately differ (MAIL before HELO is 503, VRFY 252, EXPN 502,
# HELP 250): a transcript written for it passes, the same expectations are
# wrong elsewhere, and each exit status of `mailspec run` is produced.
. "$(dirname "$0")/../lib.sh"

require_server aiosmtpd

SUITED=$(yaml aiosmtpd-session.yaml <<'EOF'
title: a session suited to aiosmtpd
protocol: smtp
convention: rfc5321
rfc: "RFC 5321 §4.1.1, §4.1.4"
script: |
  S: 220 aiosmtpd.example.test Python SMTP
  C: MAIL FROM:<early@example.org>
  S: 503 Error: send HELO first
  C: EHLO client.example
  S: 250-aiosmtpd.example.test
  S: 250-SIZE 33554432
  S: 250-8BITMIME
  S: 250 HELP
  C: VRFY someone
  S: 252 Cannot VRFY user, but will accept message and attempt delivery
  C: EXPN list
  S: 502 EXPN not implemented
  C: MAIL FROM:<sender@example.org>
  S: 250 OK
  C: RCPT TO:<anyone@example.net>
  S: 250 OK
  C: DATA
  S: 354 End data with <CR><LF>.<CR><LF>
  C: Subject: hello from mailspec
  C:
  C: ..a line that starts with a dot, stuffed by hand
  C: .
  S: 250 OK
  C: RSET
  S: 250 OK
  C: QUIT
  S: 221 Bye
EOF
)
ms --color=never run -t "$TARGET" "$SUITED"
exit_is 0 "the aiosmtpd session passes: exit 0"
is "$(tail -n 1 "$OUT")" "1 passed, 0 failed, 0 skipped" "summary: 1 passed, 0 failed, 0 skipped"
# aiosmtpd_server.py logs each message it receives: the DATA really went.
like "@$WORK/srv-aiosmtpd/aiosmtpd.log" 'message from sender@example.org to anyone@example.net' \
  "aiosmtpd received the message"

# -v shows the exchanges live (on stderr), in S:/R: form.
ms -v --color=never run -t "$TARGET" "$SUITED"
exit_is 0 "-v run: exit 0"
like "@$ERR" 'EHLO client\.example' "-v shows the client's lines"
like "@$ERR" '250-?8BITMIME' "-v shows the server's reply lines"

# The same dialogue with smtp-sink's habits (MAIL before HELO accepted,
# HELP 214): FAIL, exit 1.
WRONG=$(yaml sink-habits.yaml <<'EOF'
title: expectations aiosmtpd does not meet
protocol: smtp
convention: rfc5321
script: |
  S: 220
  C: MAIL FROM:<early@example.org>
  S: 250
  C: HELO client.example
  S: 250
  C: QUIT
  S: 221
EOF
)
ms --color=never run -t "$TARGET" "$WRONG"
exit_is 1 "MAIL before HELO expected 250, aiosmtpd says 503: exit 1"
like "@$OUT" '^ *\+ *[RS]: 503' "the diff shows aiosmtpd's 503"
is "$(tail -n 1 "$OUT")" "0 passed, 1 failed, 0 skipped" "summary: 0 passed, 1 failed, 0 skipped"

# A regex on the text: the code decides, unless a regex asks (steps form).
REGEX_OK=$(yaml regex-ok.yaml <<'EOF'
title: greeting text regex that matches
protocol: smtp
convention: rfc5321
steps:
  - expect: 220
    text: "Python SMTP [0-9]+\\.[0-9]+"
  - C: QUIT
  - S: 221
EOF
)
ms --color=never run -t "$TARGET" "$REGEX_OK"
exit_is 0 "a matching text regex passes"
REGEX_BAD=$(yaml regex-bad.yaml <<'EOF'
title: greeting text regex that does not match
protocol: smtp
convention: rfc5321
steps:
  - expect: 220
    text: "Postfix"
  - C: QUIT
  - S: 221
EOF
)
ms --color=never run -t "$TARGET" "$REGEX_BAD"
exit_is 1 "a text regex that does not match is a FAIL even though the code matches"

# Stop the server: now the connection is refused.  Nothing could be judged,
# nothing failed: ERROR, exit 3.  With a FAIL in the same run: exit 1.
stop_servers
ms --color=never run -t "$TARGET" "$SUITED"
exit_is 3 "server gone (connection refused): exit 3"
like "@$OUT" 'ERROR' "the report says ERROR"
like "@$OUT" "$TARGET|refused" "the reason names the target or the refusal"

# A transcript that does not load makes the whole run a usage error: exit 2.
BAD=$(yaml bad.yaml <<'EOF'
title: bad
script: |
  R: 220
  S: HELO x
  R: OK
EOF
)
ms --color=never run -t "$TARGET" "$BAD"
exit_is 2 "an invalid transcript in a run: exit 2"
