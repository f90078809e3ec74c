#!/bin/sh
# rfc821-real.t: the RFC 821 classroom against real Postfix and smtp-sink
# (tester/tests/rfc821-real.sh, the table the README carries).  The
# reference server honours every scenario; the real servers honour the
# ones RFC 5321 kept and fail, with their own reply, where it did not.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ] || ! [ -x /usr/sbin/postfix ]; then
  if [ "${CI:-}" = true ]; then
    fail "Postfix can run here (CI=true: root and the postfix package are required)"
    exit 1
  fi
  skip_all "needs root and Postfix"
fi
TABLE=$WORK/rfc821-real-servers.md
MAILSPEC=$MAILSPEC sh "$ROOT/tester/tests/rfc821-real.sh" "$TABLE" > "$WORK/log" 2>&1
is "$?" 0 "rfc821-real.sh ran"
ok "the table was written" test -s "$TABLE"
n=$(ls "$ROOT"/transcripts/rfc821/*.yaml | wc -l)
like "$(cat "$TABLE")" "Honoured as printed: reference server $n/$n," \
  "the reference server honours all $n classroom transcripts"
rows=$(grep -c '^| \[rfc821/' "$TABLE")
is "$rows" "$n" "one row per transcript"
like "$(grep 'section-3-4-saml' "$TABLE")" '\| PASS \| FAIL \| FAIL \|.*SAML FROM:.* → `500' \
  "SAML (RFC 821 §3.4, gone from RFC 5321) gets 500 from Postfix and smtp-sink"
like "$(grep 'scenario-01-typical' "$TABLE")" '\| PASS \| PASS \| FAIL \|.*Green.* → `250' \
  "Scenario 1 holds on Postfix (Green refused) but not on smtp-sink (accepts all)"
like "$(grep 'example-05-connection-opening' "$TABLE")" '\| PASS \| PASS \| PASS \|' \
  "connection opening (§3.5) holds everywhere"
ok "Postfix got its ordinary destinations back" sh -c \
  "postconf -h mydestination | grep -qv ARPA"
