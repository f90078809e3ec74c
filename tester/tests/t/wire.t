#!/bin/sh
# wire.t: the exact bytes mailspec sends (issue 2, "Client lines are sent as
# written plus CRLF").  The scripted server logs every line it receives,
# C-escaped; each check reads that log.  Covers ${vars} and -D, the RFC 821
# paste quirks (wrapped command, folded header, <CRLF>.<CRLF>, bare S:),
# and the data: option's dot-stuffing and terminator.
. "$(dirname "$0")/../lib.sh"

# A server that accepts one mail transaction of any shape.
cat > "$WORK/accept.script" <<'EOF'
send 220 scripted.example.test ESMTP\r\n
expect-line HELO
send 250 scripted.example.test\r\n
expect-line MAIL
send 250 OK\r\n
expect-line RCPT
send 250 OK\r\n
expect-line DATA
send 354 go ahead\r\n
expect-data
send 250 OK\r\n
expect-line QUIT
send 221 bye\r\n
EOF
scripted_server "$WORK/accept.script"
LOG=$SCRIPTED_DIR/received.log

# received N: the Nth connection's lines (1-based), in order.
received() {
  awk -v n="$1" '/^-- connection/ { c++; next } c == n' "$LOG"
}

# ---- RFC 821 as printed: wrapped RCPT, folded Received:, bare S:, <CRLF>.<CRLF>
PASTE=$(yaml paste.yaml <<'EOF'
title: RFC 821 layout quirks
protocol: smtp
script: |
      R: 220 USC-ISIE.ARPA Simple Mail Transfer Service Ready
      S: HELO MIT-AI.ARPA
      R: 250 USC-ISIE.ARPA

      S: MAIL FROM:<JQP@MIT-AI.ARPA>
      R: 250 OK

      S: RCPT
         TO:<Jones@BBN-VAX.ARPA>
      R: 250 OK

      S: DATA
      R: 354 Start mail input; end with <CRLF>.<CRLF>
      S: Received: from MIT-AI.ARPA by USC-ISIE.ARPA ;
         2 Nov 81 22:40:10 UT
      S: Subject: The Next Meeting of the Board
      S:
      S: Bill:
      S: <CRLF>.<CRLF>
      R: 250 OK

      S: QUIT
      R: 221 USC-ISIE.ARPA Service closing transmission channel
EOF
)
ms --color=never run -t "$TARGET" "$PASTE"
exit_is 0 "the RFC-layout transcript passes against the scripted server"
received 1 > "$WORK/paste.wire"
like "@$WORK/paste.wire" '^C: RCPT TO:<Jones@BBN-VAX\.ARPA>\\r\\n$' "a wrapped 'S: RCPT' / 'TO:<...>' goes out as one command"
like "@$WORK/paste.wire" '^C: Received: from MIT-AI\.ARPA by USC-ISIE\.ARPA ;\\r\\n$' "the header line goes out as written"
like "@$WORK/paste.wire" '^C: [ \t]+2 Nov 81 22:40:10 UT\\r\\n$' "the folded header line goes out on its own, with its leading space"
like "@$WORK/paste.wire" '^C: \\r\\n$' "a bare 'S:' in the data is an empty line"
like "@$WORK/paste.wire" '^C: \.\\r\\n$' "'S: <CRLF>.<CRLF>' is the end-of-data line '.'"
unlike "@$WORK/paste.wire" 'CRLF>' "the symbolic <CRLF> never goes on the wire"

# ---- ${vars}, transcript defaults and -D overrides; data: dot-stuffing ------
VARS=$(yaml vars.yaml <<'EOF'
title: variables and data
protocol: smtp
convention: rfc5321
vars:
  helo: client.example
  from: sender@example.org
  rcpt: default@example.net
steps:
  - S: 220
  - C: HELO ${helo}
  - S: 250
  - C: MAIL FROM:<${from}>
  - S: 250
  - C: RCPT TO:<${rcpt}>
  - S: 250
  - C: DATA
  - S: 354
  - data: |
      Subject: price is $$5

      .a line starting with a dot
      last line
  - S: 250
  - C: QUIT
  - S: 221
EOF
)
ms --color=never run -t "$TARGET" -D rcpt=override@example.net "$VARS"
exit_is 0 "the vars transcript passes"
received 2 > "$WORK/vars.wire"
like "@$WORK/vars.wire" '^C: HELO client\.example\\r\\n$' '${helo} expands to the transcript default'
like "@$WORK/vars.wire" '^C: RCPT TO:<override@example\.net>\\r\\n$' '-D rcpt=... overrides the default'
unlike "@$WORK/vars.wire" 'default@example\.net' "the overridden default is not sent"
like "@$WORK/vars.wire" '^C: Subject: price is \$5\\r\\n$' '$$ is a literal $'
like "@$WORK/vars.wire" '^C: \.\.a line starting with a dot\\r\\n$' "data: dot-stuffs a line starting with '.'"
like "@$WORK/vars.wire" '^C: \.\\r\\n$' "data: ends the body with '.'"
is "$(grep -c '^C: \.\\r\\n$' "$WORK/vars.wire")" 1 "exactly one end-of-data line"

# An unknown variable is an error before anything is sent: exit 2.
UNKNOWN=$(yaml unknown-var.yaml <<'EOF'
title: unknown variable
protocol: smtp
convention: rfc5321
script: |
  S: 220
  C: HELO ${nosuchvar}
  S: 250
EOF
)
ms --color=never run -t "$TARGET" "$UNKNOWN"
case $RC in
2 | 3) pass "an unknown \${nosuchvar} is not sent: exit $RC (invalid transcript or ERROR)" ;;
*) fail "an unknown \${nosuchvar} is not sent: exit $RC" ;;
esac
cat "$OUT" "$ERR" > "$WORK/unknown.report"
like "@$WORK/unknown.report" 'nosuchvar' "the unknown variable is named"
unlike "@$LOG" 'nosuchvar' "no line with the unexpanded variable reached the server"
