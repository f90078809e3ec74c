#!/bin/sh
# faults.t: every `mailspec serve --fault` is caught by the bundled
# transcripts named here, at the step named here (issue 3, "Faults").
# Each fault first runs its transcript against a clean server (it must
# pass, or the catch proves nothing), then against the faulty one: the
# run must fail (exit 1, or 3 for a timeout) and the text report must
# point at the step, by file:line, with the reply it got.
. "$(dirname "$0")/../lib.sh"

TR=$ROOT/transcripts

# caught FAULT WANT_EXIT TRANSCRIPT STEP_ERE GOT_ERE -- SERVE_ARGS...
#   the transcript passes against a clean server with SERVE_ARGS, and with
#   --fault FAULT exits WANT_EXIT, its report naming STEP_ERE (a
#   "file.yaml:LINE)" location) and showing GOT_ERE.
caught() {
  _fault=$1 _want=$2 _tr=$3 _step=$4 _got=$5
  shift 6
  _name=$(basename "$_tr" .yaml)
  serve "$@"
  ms run --timeout 2 -t "$TARGET" "$_tr"
  exit_is 0 "$_name passes against a clean server ($*)"
  unserve
  serve "$@" --fault "$_fault"
  ms run --timeout 2 -t "$TARGET" "$_tr"
  exit_is "$_want" "--fault $_fault: $_name is caught (exit $_want)"
  like "@$OUT" "$_step" "--fault $_fault: the report names the step ($_step)"
  like "@$OUT" "$_got" "--fault $_fault: and shows what the server did"
  unserve
}

R821=$TR/rfc821

caught rcpt-250 1 "$R821/scenario-01-typical-transaction.yaml" \
  'scenario-01-typical-transaction\.yaml:28\)' '\+ R: 250 OK' \
  -- --profile rfc821

caught greet-554 1 "$R821/scenario-01-typical-transaction.yaml" \
  'scenario-01-typical-transaction\.yaml:17\)' '\+ R: 554 ' \
  -- --profile rfc821

caught close-after-data 1 "$R821/scenario-01-typical-transaction.yaml" \
  'scenario-01-typical-transaction\.yaml:38\)' 'closed the connection' \
  -- --profile rfc821

caught bare-lf 1 "$R821/scenario-01-typical-transaction.yaml" \
  'scenario-01-typical-transaction\.yaml:17\)' 'bare LF' \
  -- --profile rfc821

# Multi-line replies: HELP's 214 in the RFC 821 sequencing transcript
# (a MUST, so the run fails; Scenario 7's EXPN is caught too, but it is
# a MAY and does not fail the run), EHLO's 250 in RFC 5321 Appendix D.1.
caught mixed-multiline 1 "$R821/section-4-3-sequencing.yaml" \
  'section-4-3-sequencing\.yaml:67\)' 'do not all carry the same reply code' \
  -- --profile rfc821
caught mixed-multiline 1 "$TR/rfc5321/d1-typical.yaml" \
  'd1-typical\.yaml:[0-9]+\)' 'do not all carry the same reply code' \
  -- --profile rfc5321

# What was stored is visible on the wire only through a limit: the
# transparency transcript's world takes exactly the unstuffed message.
LIMIT=$(sed -n 's/^  max_message: *\([0-9]*\)$/\1/p' "$R821/section-4-5-2-transparency.yaml")
W=$(printf 'max_message: %s\n' "$LIMIT" | yaml transparency-world.yaml)
caught no-unstuff 1 "$R821/section-4-5-2-transparency.yaml" \
  'section-4-5-2-transparency\.yaml:4[0-9]\)' '\+ R: 552 Too much mail data' \
  -- --profile rfc821 --world "$W"

# slow: every reply comes after 3 s; the run waits 2 s (--timeout 2): an
# ERROR (could not judge), exit 3, at the greeting.
caught slow:3000 3 "$R821/scenario-01-typical-transaction.yaml" \
  'scenario-01-typical-transaction\.yaml:17\)' 'no greeting within 2 s' \
  -- --profile rfc821

if [ -f "$TR/rfc1939/stat.yaml" ]; then
  caught pop3-octets 1 "$TR/rfc1939/stat.yaml" \
    'stat\.yaml:[0-9]+\)' 'does not match' \
    -- --protocol pop3
fi
if [ -f "$TR/rfc1939/no-update-without-quit.yaml" ]; then
  caught pop3-early-dele 1 "$TR/rfc1939/no-update-without-quit.yaml" \
    'no-update-without-quit\.yaml:[0-9]+\)' 'expected \+OK, got -ERR' \
    -- --protocol pop3
fi

# Faults combine.
serve --profile rfc821 --fault rcpt-250 --fault bare-lf
ms run -t "$TARGET" "$R821/scenario-02-aborted-transaction.yaml"
exit_is 1 "two faults at once: Scenario 2 is caught"
like "@$OUT" 'bare LF' "... by the bare LF"
like "@$OUT" '\+ R: 250 OK' "... and by the 250 for Green"
unserve
