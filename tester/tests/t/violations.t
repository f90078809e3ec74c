#!/bin/sh
# violations.t: strict reading (issue 2, "Engine").  A scripted server
# (tester/tests/scripted_server.py) commits each reply-syntax violation no
# real server commits on demand; the reply CODE is right every time, so a
# FAIL can only come from the violation, and the report must give its
# specific reason.  Then the cases nothing can judge: refused connection
# and timeout are ERROR, exit 3.
. "$(dirname "$0")/../lib.sh"

# The dialogue every case uses unless it brings its own transcript.
DIALOGUE=$(yaml dialogue.yaml <<'EOF'
title: greeting, EHLO, QUIT
protocol: smtp
convention: rfc821
script: |
  R: 220
  S: EHLO client.example
  R: 250
  S: QUIT
  R: 221
EOF
)

# case NAME WANT_EXIT REASON_ERE DESC [MAILSPEC RUN OPTIONS...]
# The server script is on stdin.  Runs DIALOGUE (or $WORK/NAME.yaml when it
# exists) against a fresh scripted server playing it.
case_() {
  _name=$1 _want=$2 _re=$3 _desc=$4
  shift 4
  cat > "$WORK/$_name.script"
  scripted_server "$WORK/$_name.script"
  _t=$DIALOGUE
  [ -f "$WORK/$_name.yaml" ] && _t=$WORK/$_name.yaml
  ms --color=never run -t "$TARGET" "$@" "$_t"
  exit_is "$_want" "$_desc: exit $_want"
  cat "$OUT" "$ERR" > "$WORK/$_name.report"
  if [ -n "$_re" ]; then
    like "@$WORK/$_name.report" "$_re" "$_desc: the report gives the reason"
  fi
  stop_servers
}

# reply_case NAME WANT_EXIT REASON_ERE DESC GREETING EHLO_REPLY [OPTIONS...]
# case_ with the usual server script: GREETING, then EHLO_REPLY to EHLO and
# "221 bye" to QUIT.  GREETING and EHLO_REPLY are written as the script's
# `send` takes them (\r\n escapes); the violation, if any, is in one of them.
reply_case() {
  _rn=$1 _rw=$2 _rre=$3 _rd=$4 _rg=$5 _reh=$6
  shift 6
  case_ "$_rn" "$_rw" "$_rre" "$_rd" "$@" <<EOF
send $_rg
expect-line EHLO
send $_reh
expect-line QUIT
send 221 bye\\r\\n
EOF
}

# ---- good cases first: the harness itself must not cause failures ----------
reply_case good 0 '^1 passed, 0 failed, 0 skipped$' "well-formed replies pass" \
  '220 scripted.example.test ESMTP\r\n' '250-scripted.example.test\r\n250 8BITMIME\r\n'
like "@$SCRIPTED_DIR/received.log" '^C: EHLO client\.example\\r\\n$' "the command went out as written plus CRLF"

case_ trickle 0 '^1 passed, 0 failed, 0 skipped$' "replies trickled one octet at a time pass" <<'EOF'
trickle 10 220 scripted.example.test ESMTP\r\n
expect-line EHLO
trickle 10 250-scripted.example.test\r\n250 8BITMIME\r\n
expect-line QUIT
trickle 10 221 bye\r\n
EOF

# ---- each violation, with the right reply code -----------------------------
reply_case bare-lf 1 'bare LF' "greeting ending in a bare LF is a FAIL" \
  '220 scripted.example.test ESMTP\n' '250 scripted.example.test\r\n'

reply_case mixed-codes 1 'same reply code' "continuation code 252 before final 250 is a FAIL" \
  '220 scripted.example.test ESMTP\r\n' '252-scripted.example.test\r\n250 8BITMIME\r\n'

reply_case four-digit 1 'valid reply code|followed by neither SP' "a 4-digit code '2200' is a FAIL" \
  '2200 scripted.example.test ESMTP\r\n' '250 scripted.example.test\r\n'

# 4 + 594 + 2 = 600 octets including CRLF (limit: 512).  RFC 5321
# §4.5.3.1.5's limit is a SHOULD: the FAIL counts under --strict only.
LONG_LINE='send 220\x20
sendn 594 x
send \r\n
expect-line EHLO
send 250 scripted.example.test\r\n
expect-line QUIT
send 221 bye\r\n'
case_ long-line 1 '512 octets' "a 600-octet reply line is a FAIL (--strict)" --strict <<EOF
$LONG_LINE
EOF
case_ long-line-should 0 'SHOULD failure does not fail the run' \
  "a 600-octet reply line is a SHOULD failure" <<EOF
$LONG_LINE
EOF

# "250 surprise" arrives in the same write as the greeting, unasked.
reply_case trailing 1 'after the final reply line' "bytes after the greeting's final line are a FAIL" \
  '220 scripted.example.test ESMTP\r\n250 surprise\r\n' '250 scripted.example.test\r\n'

case_ early-close 1 'closed the connection' "the server closing after EHLO is a FAIL" <<'EOF'
send 220 scripted.example.test ESMTP\r\n
expect-line EHLO
close
EOF

case_ truncated 1 'closed|middle of a reply' "the server closing inside a multi-line reply is a FAIL" <<'EOF'
send 220 scripted.example.test ESMTP\r\n
expect-line EHLO
send 250-scripted.example.test\r\n250-PIPEL
close
EOF

reply_case bare-cr 1 'CR that is not followed by LF' "a bare CR inside a reply line is a FAIL" \
  '220 scripted\r.example.test ESMTP\r\n' '250 scripted.example.test\r\n'

# A well-formed reply with the wrong code: a plain FAIL, shown as a diff.
reply_case wrong-code 1 '^ *- *R: 250' "a well-formed 550 where 250 is expected is a FAIL with a diff" \
  '220 scripted.example.test ESMTP\r\n' '550 no\r\n'

# ---- cannot judge: ERROR, exit 3 ---------------------------------------------
# Never greets; mailspec gives up after --timeout 1.
case_ no-greeting 3 'ERROR' "a server that never greets: ERROR with --timeout 1" --timeout 1 <<'EOF'
wait-close
EOF
like "@$WORK/no-greeting.report" '[Tt]ime(d )?out|within 1 s' "the reason says nothing came within the timeout"

# Nothing listens on this port.
PORT=$(pick_port)
ms --color=never run -t "127.0.0.1:$PORT" --timeout 1 "$DIALOGUE"
exit_is 3 "connection refused: exit 3"
cat "$OUT" "$ERR" > "$WORK/refused.report"
like "@$WORK/refused.report" 'ERROR' "connection refused: the report says ERROR"
like "@$WORK/refused.report" '[Rr]efused' "connection refused: the reason says refused"
