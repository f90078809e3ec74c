#!/bin/sh
# sink.t: transcripts against Postfix's smtp-sink (a real server from
# Debian's postfix package).  smtp-sink accepts every recipient, so RFC 821
# Appendix F Scenario 1's "550 No such user here" for Green is a FAIL
# against it: that is the deliberately wrong expectation, which must give
# exit 1, the RFC-style diff with file:line and the summary line.
. "$(dirname "$0")/../lib.sh"

require_server smtp-sink

SUMMARY_RE='^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'

# last_line_is WANT DESC: the text report's final line.
last_line_is() {
  is "$(tail -n 1 "$OUT")" "$1" "$2"
}

# ---- RFC 821 Appendix F Scenario 1, pasted (both forms), adapted ---------
# As printed in the RFC except that Green gets 250 (smtp-sink accepts every
# recipient), with the RFC's blank lines and the symbolic <CRLF>.<CRLF>.
SC1=$(yaml sc1-script.yaml <<'EOF'
title: RFC 821 Appendix F Scenario 1, adapted to smtp-sink
source: RFC 821 Appendix F, Scenario 1
protocol: smtp
script: |
      R: 220 BBN-UNIX.ARPA Simple Mail Service Ready
      S: HELO USC-ISIF.ARPA
      R: 250 BBN-UNIX.ARPA

      S: MAIL FROM:<Smith@USC-ISIF.ARPA>
      R: 250 OK

      S: RCPT TO:<Jones@BBN-UNIX.ARPA>
      R: 250 OK

      S: RCPT TO:<Green@BBN-UNIX.ARPA>
      R: 250 smtp-sink accepts every recipient (the RFC has 550 here)

      S: RCPT TO:<Brown@BBN-UNIX.ARPA>
      R: 250 OK

      S: DATA
      R: 354 Start mail input; end with <CRLF>.<CRLF>
      S: Blah blah blah...
      S: ...etc. etc. etc.
      S: <CRLF>.<CRLF>
      R: 250 OK

      S: QUIT
      R: 221 BBN-UNIX.ARPA Service closing transmission channel
EOF
)
ms run -t "$TARGET" "$SC1"
exit_is 0 "Scenario 1 (script: form) passes against smtp-sink: exit 0"
like "@$OUT" "$SUMMARY_RE" "the report has a summary line"
last_line_is "1 passed, 0 failed, 0 skipped" "summary: 1 passed, 0 failed, 0 skipped"

SC1S=$(yaml sc1-steps.yaml <<'EOF'
title: RFC 821 Appendix F Scenario 1, steps form, adapted to smtp-sink
source: RFC 821 Appendix F, Scenario 1
protocol: smtp
convention: rfc821
steps:
  - R: 220
  - S: HELO USC-ISIF.ARPA
  - R: 250
  - S: MAIL FROM:<Smith@USC-ISIF.ARPA>
  - R: 250
  - S: RCPT TO:<Jones@BBN-UNIX.ARPA>
  - R: 250
  - S: RCPT TO:<Green@BBN-UNIX.ARPA>
  - R: 250
  - S: RCPT TO:<Brown@BBN-UNIX.ARPA>
  - R: 250
  - S: DATA
  - R: 354
  - data: |
      Blah blah blah...
      ...etc. etc. etc.
  - R: 250
  - S: QUIT
  - R: 221
EOF
)
ms run -t "$TARGET" "$SC1S"
exit_is 0 "Scenario 1 (steps: form) passes against smtp-sink: exit 0"
last_line_is "1 passed, 0 failed, 0 skipped" "steps form: 1 passed, 0 failed, 0 skipped"

# Patterns: classes, digit wildcards and alternatives.
PAT=$(yaml patterns.yaml <<'EOF'
title: reply code patterns
protocol: smtp
convention: rfc821
steps:
  - R: 2xx
  - S: HELO client.example
  - R: 25x
  - S: MAIL FROM:<a@example.org>
  - R: 251|250
  - S: RCPT TO:<b@example.org>
  - R: 2xx
  - S: XYZZY
  - R: 500|502
  - S: QUIT
  - R: 221
EOF
)
ms run -t "$TARGET" "$PAT"
exit_is 0 "2xx, 25x and 250|251 patterns pass"

# A single expected 250 accepts smtp-sink's multi-line EHLO reply; a
# multi-line expectation with the right codes passes too.
EHLO=$(yaml ehlo.yaml <<'EOF'
title: EHLO gets a multi-line 250
protocol: smtp
script: |
  R: 220
  S: EHLO client.example
  R: 250
  S: EHLO client.example
  R: 250-sink.example.test
  R: 250 PIPELINING and the rest
  S: QUIT
  R: 221
EOF
)
ms run -t "$TARGET" "$EHLO"
exit_is 0 "a single expected 250 and a written multi-line 250 both accept EHLO's reply"

# ---- the deliberately wrong expectation -------------------------------------
# The same scenario as printed in the RFC: Green's RCPT expects 550 (line 16).
WRONG=$(yaml sc1-as-printed.yaml <<'EOF'
title: RFC 821 Appendix F Scenario 1, as printed
source: RFC 821 Appendix F, Scenario 1
protocol: smtp
script: |
      R: 220 BBN-UNIX.ARPA Simple Mail Service Ready
      S: HELO USC-ISIF.ARPA
      R: 250 BBN-UNIX.ARPA

      S: MAIL FROM:<Smith@USC-ISIF.ARPA>
      R: 250 OK

      S: RCPT TO:<Jones@BBN-UNIX.ARPA>
      R: 250 OK

      S: RCPT TO:<Green@BBN-UNIX.ARPA>
      R: 550 No such user here

      S: RCPT TO:<Brown@BBN-UNIX.ARPA>
      R: 250 OK

      S: DATA
      R: 354 Start mail input; end with <CRLF>.<CRLF>
      S: Blah blah blah...
      S: ...etc. etc. etc.
      S: <CRLF>.<CRLF>
      R: 250 OK

      S: QUIT
      R: 221 BBN-UNIX.ARPA Service closing transmission channel
EOF
)
ms --color=never run -t "$TARGET" "$WRONG"
exit_is 1 "the RFC's 550 for Green FAILs against smtp-sink: exit 1"
like "@$OUT" 'FAIL' "the report says FAIL"
like "@$OUT" "sc1-as-printed\\.yaml:1[56]([^0-9]|\$)" "the failing step is located as file:line (line 15/16)"
like "@$OUT" '^ +S: RCPT TO:<Green@BBN-UNIX\.ARPA>' "diff context: the command, as '  S: ...'"
like "@$OUT" '^ *- *R: 550( No such user here)?' "diff: '- R: 550 ...' is what was expected"
like "@$OUT" '^ *\+ *R: 250 2\.1\.5 Ok' "diff: '+ R: 250 2.1.5 Ok' is what smtp-sink said"
last_line_is "0 passed, 1 failed, 0 skipped" "summary: 0 passed, 1 failed, 0 skipped"

# One passing and one failing transcript in one run: exit 1, both counted.
ms --color=never run -t "$TARGET" "$SC1" "$WRONG"
exit_is 1 "a pass and a fail together: exit 1"
last_line_is "1 passed, 1 failed, 0 skipped" "summary: 1 passed, 1 failed, 0 skipped"

# -q: only failures and the summary; the passing transcript is not listed.
ms -q --color=never run -t "$TARGET" "$SC1" "$WRONG"
exit_is 1 "-q run: exit 1"
unlike "@$OUT" 'sc1-script' "-q does not list the passing transcript"
like "@$OUT" 'sc1-as-printed' "-q still lists the failing one"

# Colour: --color=always puts ANSI escapes in the report, never and NO_COLOR do not.
ESC=$(printf '\033')
ms --color=always run -t "$TARGET" "$WRONG"
like "@$OUT" "$ESC\\[[0-9;]*m" "--color=always colours the report"
ms --color=never run -t "$TARGET" "$WRONG"
unlike "@$OUT" "$ESC\\[[0-9;]*m" "--color=never: no colour codes"
# On a terminal (a pty from script(1)), auto colours unless NO_COLOR is set.
on_tty() {
  RC=0
  timeout -k 5 60 script -qec "'$MAILSPEC' run -t $TARGET '$WRONG'" /dev/null \
    > "$OUT" 2>&1 < /dev/null || RC=$?
}
on_tty
like "@$OUT" "$ESC\\[[0-9;]*m" "--color=auto on a terminal colours the report"
export NO_COLOR=1
on_tty
unset NO_COLOR
# (cursor control for the progress line is not colour: only SGR counts)
unlike "@$OUT" "$ESC\\[[0-9;]*m" "NO_COLOR set, on a terminal: no colour codes"

# ---- requires: unmet -> SKIP with the reason, exit 0 ------------------------
SKIP=$(yaml skip.yaml <<'EOF'
title: needs an extension smtp-sink does not offer
protocol: smtp
requires: [XNOSUCHEXTENSION]
script: |
  R: 220
  S: EHLO client.example
  R: 250
  S: QUIT
  R: 221
EOF
)
ms --color=never run -t "$TARGET" "$SKIP"
exit_is 0 "an unmet requirement is a SKIP: exit 0"
like "@$OUT" 'SKIP' "the report says SKIP"
like "@$OUT" 'XNOSUCHEXTENSION' "the reason names the missing capability"
last_line_is "0 passed, 0 failed, 1 skipped" "summary: 0 passed, 0 failed, 1 skipped"

# ---- reports: JUnit XML is well-formed and counts the failure --------------
ms --color=never run -t "$TARGET" -r "junit:$WORK/junit.xml" "$SC1" "$WRONG"
exit_is 1 "run with -r junit:FILE still exits 1 on a FAIL"
if [ -s "$WORK/junit.xml" ]; then
  ok "the JUnit report is well-formed XML (xmllint)" xmllint --noout "$WORK/junit.xml"
  like "@$WORK/junit.xml" '<failure' "the JUnit report has a <failure>"
else
  fail "the JUnit report file was written"
fi

# ---- the bundled smtp-sink transcripts ---------------------------------------
if ls "$ROOT"/transcripts/sink/*.yaml > /dev/null 2>&1; then
  n=$(ls "$ROOT"/transcripts/sink/*.yaml | wc -l)
  ms --color=never run -t "$TARGET" "$ROOT/transcripts/sink"
  exit_is 0 "the $n bundled transcripts/sink/*.yaml pass against smtp-sink"
  last_line_is "$n passed, 0 failed, 0 skipped" "summary: $n passed, 0 failed, 0 skipped"
else
  fail "transcripts/sink/*.yaml exist (the bundled smtp-sink transcripts)"
fi

# The bundled Scenario 1 as printed fails at Green's RCPT, and only there.
AS_PRINTED=$ROOT/transcripts/rfc821/scenario-01-typical-transaction.yaml
if [ -f "$AS_PRINTED" ]; then
  GREEN=$(grep -n 'R: 550 No such user here' "$AS_PRINTED" | head -n 1 | cut -d: -f1)
  ms --color=never run -t "$TARGET" "$AS_PRINTED"
  exit_is 1 "the bundled RFC 821 Scenario 1, as printed, FAILs against smtp-sink"
  like "@$OUT" "scenario-01-typical-transaction\\.yaml:$GREEN\\)" "it fails at the line of Green's 550 (line $GREEN)"
  is "$(grep -c '^ *- ' "$OUT")" 1 "exactly one step differs"
else
  fail "transcripts/rfc821/scenario-01-typical-transaction.yaml exists"
fi
