#!/bin/sh
# postfix.t: the real Postfix (Debian's package, started by
# tester/tests/servers/postfix.sh on a high port, loopback only, 127/8 NOT in
# mynetworks).  Postfix refuses what smtp-sink accepts: an unknown local user
# (550), relaying (554) and DATA without recipients (554), so the same
# expectations that pass here fail against smtp-sink.
. "$(dirname "$0")/../lib.sh"

require_server postfix

REFUSALS=$(yaml postfix-refusals.yaml <<'EOF'
title: Postfix refuses unknown users and relaying
protocol: smtp
convention: rfc5321
rfc: "RFC 5321 §3.6.2, §4.2.5"
script: |
  S: 220 mx.example.test ESMTP Postfix (Debian/GNU)
  C: EHLO client.example
  S: 250
  C: MAIL FROM:<sender@example.org>
  S: 250 2.1.0 Ok
  C: DATA
  S: 554 5.5.1 Error: no valid recipients
  C: RCPT TO:<nosuchuser@localhost>
  S: 550 5.1.1 <nosuchuser@localhost>: Recipient address rejected
  C: RCPT TO:<victim@relay-denied.example>
  S: 554 5.7.1 Relay access denied
  C: RCPT TO:<testuser@localhost>
  S: 250 2.1.5 Ok
  C: DATA
  S: 354 End data with <CR><LF>.<CR><LF>
  C: Subject: mailspec postfix.t
  C:
  C: hello
  C: .
  S: 250 2.0.0 Ok: queued
  C: QUIT
  S: 221 2.0.0 Bye
EOF
)
ms --color=never run -t "$TARGET" "$REFUSALS"
exit_is 0 "Postfix's refusals are as expected: exit 0"
is "$(tail -n 1 "$OUT")" "1 passed, 0 failed, 0 skipped" "summary: 1 passed, 0 failed, 0 skipped"

# The same transcript against smtp-sink, which accepts everyone: FAIL.
stop_servers
require_server smtp-sink
ms --color=never run -t "$TARGET" "$REFUSALS"
exit_is 1 "the same expectations FAIL against smtp-sink: exit 1"
like "@$OUT" '^ *- *[RS]: 550' "the diff shows the expected 550"
like "@$OUT" '^ *\+ *[RS]: 250' "and smtp-sink's 250"
