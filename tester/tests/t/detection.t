#!/bin/sh
# detection.t: the detection matrix of issue 4 ("Accuracy"), kept as a
# test.  Both directions:
#   - every suite passes against the reference server in its conforming
#     mode (`mailspec serve`, --strict, no waiver), and
#     Postfix's smtp-sink passes suites/rfc5321.yaml with its waivers;
#   - each --fault of the reference server, and smtp-sink run with its own
#     fault options (-f hard reject, -r soft reject, -q disconnect, -Q 421
#     and disconnect at a command), makes the suite fail at the expected
#     test: that transcript is FAIL (ERROR for a timeout) in the JSON
#     result, at the step answering the expected command, and the run
#     exits 1 (3).  Each expected test passes in the clean run first, or
#     its failure would prove nothing.
# Servers listen on 127.0.0.1: mailspec serve on a port of its choosing,
# smtp-sink on a free port of 26000-26999.
. "$(dirname "$0")/../lib.sh"

NSRV=0

# serve ARGS...: lib.sh's `mailspec serve` on a free port (TARGET, SDIR),
# numbered with the sinks below (NSRV names each run's reports).
serve_numbered() {
  NSRV=$((NSRV + 1))
  serve "$@"
}

free_port() { srv_free_port 26000 26999; }

# sink_greeting_5xx: smtp-sink -f CONNECT greets with 5xx, which
# servers/smtp-sink.sh (waiting for "220 ") does not accept as started:
# start the binary here, waiting for a "5" banner.  Sets TARGET and SDIR.
sink_greeting_5xx() {
  NSRV=$((NSRV + 1))
  SDIR=$WORK/sink-$NSRV
  mkdir -p "$SDIR"
  _port=$(free_port)
  _u=
  [ "$(id -u)" = 0 ] && _u="-u nobody"
  # shellcheck disable=SC2086
  /usr/sbin/smtp-sink $_u -h sink.example.test -f CONNECT "127.0.0.1:$_port" 16 \
    > "$SDIR/smtp-sink.log" 2>&1 &
  echo $! > "$SDIR/scripted.pid"
  T_SERVERS="scripted:$SDIR $T_SERVERS"
  srv_wait_banner 127.0.0.1 "$_port" 5 10 "$(cat "$SDIR/scripted.pid")" > "$SDIR/why" 2>&1 ||
    { diag_file "$SDIR/why"; bail_out "smtp-sink -f CONNECT did not start"; }
  TARGET=127.0.0.1:$_port
}

# sink ARGS...: smtp-sink with ARGS on a free port of 26000-26999; sets
# TARGET and SDIR.  Returns 1 when smtp-sink is not installed.
sink() {
  NSRV=$((NSRV + 1))
  SDIR=$WORK/sink-$NSRV
  mkdir -p "$SDIR"
  sh "$TESTS/servers/smtp-sink.sh" check > "$SDIR/why" 2>&1 || return 1
  _tries=0
  while [ $_tries -lt 5 ]; do
    _tries=$((_tries + 1))
    _port=$(free_port)
    T_SERVERS="smtp-sink:$SDIR $T_SERVERS"
    _rc=0
    sh "$TESTS/servers/smtp-sink.sh" start "$SDIR" "$_port" "$@" > "$SDIR/why" 2>&1 || _rc=$?
    [ $_rc = 0 ] && { TARGET=127.0.0.1:$_port; return 0; }
    [ $_rc = 75 ] || break
  done
  diag_file "$SDIR/why"
  bail_out "smtp-sink $* did not start"
}

unserve() {
  stop_servers
}

# run NAME ARGS...: mailspec run --strict ARGS with a JSON result in
# $WORK/NAME.json; status in RC.
run() {
  _n=$1
  shift
  ms --color=never run --strict -r "json:$WORK/$_n.json" "$@"
  cp "$OUT" "$WORK/$_n.txt"
}

# verdict NAME ID: "VERDICT<TAB>SENT" of transcript ID in NAME.json, where
# SENT is the command answered by its first step that did not pass
# ("greeting" for the greeting, "-" if every step passed).
verdict() {
  "$PY" - "$WORK/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = [x for x in d["transcripts"] if x["id"] == sys.argv[2]]
if not t:
    print("MISSING\t-")
    sys.exit(0)
bad = [s for s in t[0].get("steps", []) if s["verdict"] != "PASS"]
sent = "-" if not bad else ("greeting" if bad[0]["sent"] is None else bad[0]["sent"])
print("%s\t%s" % (t[0]["verdict"], sent))
PY
}

# no_failures NAME DESC: NAME.json has no FAIL or ERROR (WAIVED is fine).
no_failures() {
  _bad=$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(t["id"] for t in d["transcripts"] if t["verdict"] in ("FAIL", "ERROR")))' "$WORK/$1.json")
  is "$_bad" "" "$2"
}

# caught NAME WANT_EXIT ID VERDICT SENT_ERE DESC: the faulty run NAME
# exited WANT_EXIT and transcript ID is VERDICT at a step answering a
# command matching SENT_ERE.
caught() {
  exit_is "$2" "$6: the run exits $2"
  _v=$(verdict "$1" "$3")
  is "${_v%%	*}" "$4" "$6: $3 is $4"
  like "${_v#*	}" "$5" "$6: at the step answering /$5/"
}

SMTP_SUITES="$ROOT/suites/rfc5321.yaml $ROOT/suites/esmtp.yaml"
POP3_SUITES="$ROOT/suites/pop3-capa.yaml $ROOT/suites/rfc1939.yaml"

# ---- the reference server, conforming -----------------------------------

serve_numbered --profile rfc5321
run ref-smtp -j 4 -t "$TARGET" $SMTP_SUITES
exit_is 0 "rfc5321 and esmtp suites pass against mailspec serve (--strict)"
no_failures ref-smtp "... with no FAIL or ERROR"
unserve

serve_numbered --protocol pop3
run ref-pop3 -t "$TARGET" $POP3_SUITES
exit_is 0 "pop3 and pop3-capa suites pass against mailspec serve --protocol pop3"
no_failures ref-pop3 "... with no FAIL or ERROR"
unserve

# Delivery checks (issue 14): SMTP in, POP3 out of the same store.
serve_numbered --profile rfc5321 --pop3-listen 127.0.0.1:0
# --insecure: the AUTH tests (inside STARTTLS) take the self-signed cert.
# -D relay*: the reference server's relay route (world.h) and what its
# next hop refuses (the relay-* tests SKIP without them).
run ref-delivery -t "$TARGET" --insecure --pop3 "pop3://$SERVE_POP3" \
  -D relayrcpt=testuser@relay.test -D relayunknown=nobody@relay.test \
  -D "relayrefusal=550 5.1.1 No such user here" "$ROOT/suites/delivery.yaml"
exit_is 0 "the delivery suite passes against mailspec serve --pop3-listen (--strict)"
no_failures ref-delivery "... with no FAIL or ERROR"
_skips=$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(t["id"] for t in d["transcripts"] if t["verdict"] != "PASS"))' "$WORK/ref-delivery.json")
# notify-by-mail needs RFC 821's SAML, which the rfc5321 profile refuses
# (502): its detection entry runs it against the rfc821 profile.
# pipelining-empty-data-silent judges RFC 2920 §3.2 (4), which only a
# server that breaks (3) reaches: the conforming one refuses the DATA.
is "$_skips" "delivery/notify-by-mail delivery/pipelining-empty-data-silent" \
  "... every delivery test passes (but the one that needs SAML, and RFC 2920 (4))"
unserve

# The smuggling suite (its faults lf-dot-lf and cr-dot-cr are in
# detection.yaml): clean first.
serve_numbered --profile rfc5321
run ref-smuggling -t "$TARGET" "$ROOT/suites/smuggling.yaml"
exit_is 0 "the smuggling suite passes against mailspec serve (--strict)"
no_failures ref-smuggling "... with no FAIL or ERROR"
unserve

# The classroom suites bring per-transcript worlds: -t builtin.
run ref-classroom -j 4 -t builtin "$ROOT/suites/rfc821.yaml" "$ROOT/suites/rfc5321-classroom.yaml" \
  "$ROOT/suites/rfc1939-classroom.yaml"
exit_is 0 "rfc821, rfc5321 (Appendix D) and rfc1939 classroom suites pass against the reference server"

# SEND, SOML and SAML, implemented by the rfc821 profile only (RFC 5321
# Appendix F.6): their tests pass there (they SKIP against rfc5321).
serve_numbered --profile rfc821
run ref-send -t "$TARGET" -D helo=client.example -D from=sender@example.org \
  -D rcpt=testuser@localhost "$ROOT"/transcripts/smtp/s*-rfc821-model.yaml
exit_is 0 "SEND, SOML and SAML follow RFC 821's model in the rfc821 profile"
for id in smtp/send-rfc821-model smtp/soml-rfc821-model smtp/saml-rfc821-model; do
  is "$(verdict ref-send $id | cut -f1)" PASS "clean, rfc821 profile: $id passes"
done
unserve

for id in smtp/greeting smtp/ehlo smtp/rcpt-unknown smtp/mail-transaction smtp/dot-transparency; do
  is "$(verdict ref-smtp $id | cut -f1)" PASS "clean: $id passes"
done
# The extensions' tests (issue 14): those that need a world of their own
# (SIZE 0, a keyword left out, the mailboxes of RFC 3463 §3) run with
# -t builtin, which gives each its world, and the mailboxes named.
run ref-esmtp-worlds -j 4 -t builtin -D moved=moved@localhost -D fullbox=full@localhost \
  -D smallbox=small@localhost -D closedlist=closed@localhost "$ROOT/suites/esmtp.yaml"
exit_is 0 "esmtp passes against the reference server with each transcript's world"
for id in esmtp/size-zero esmtp/size-keyword esmtp/8bitmime-unadvertised esmtp/status-code-moved \
  esmtp/status-code-mailbox-full esmtp/status-code-mailbox-limit esmtp/status-code-list; do
  is "$(verdict ref-esmtp-worlds $id | cut -f1)" PASS "clean, in its world: $id passes"
done
for id in esmtp/size-declared esmtp/size-over-limit esmtp/size-at-limit esmtp/size-undeclared-over-limit \
  esmtp/size-not-end-of-data esmtp/pipelining esmtp/pipelining-keyword esmtp/pipelining-rcpt-last \
  esmtp/pipelining-rset-quit esmtp/pipelining-unknown-last esmtp/pipelining-data-no-rcpt \
  esmtp/8bitmime esmtp/8bitmime-keyword esmtp/8bitmime-line-1000 esmtp/enhancedstatuscodes \
  esmtp/enhancedstatuscodes-helo esmtp/enhancedstatuscodes-keyword esmtp/enhancedstatuscodes-multiline \
  esmtp/status-codes; do
  is "$(verdict ref-smtp $id | cut -f1)" PASS "clean: $id passes"
done
is "$(verdict ref-pop3 pop3/update-only-at-quit | cut -f1)" PASS "clean: pop3/update-only-at-quit passes"
# Sessions side by side (issue 13 §3): the maildrop lock, the APOP
# timestamp; their faults are in detection.yaml.
for id in pop3/maildrop-lock pop3/apop-timestamp-unique; do
  is "$(verdict ref-pop3 $id | cut -f1)" PASS "clean: $id passes"
done

# ---- each fault: tester/tests/detection.yaml ------------------------------

# judge I JSON: detection.py's checks of entry I as TAP lines.
judge() {
  "$PY" "$TESTS/detection.py" judge "$1" "$2" > "$WORK/judge-$1.out" 2>&1 ||
    { fail "detection.py judge $1"; diag_file "$WORK/judge-$1.out"; return; }
  while IFS='	' read -r _st _desc _diag; do
    if [ "$_st" = ok ]; then pass "$_desc"; else fail "$_desc" "$_diag"; fi
  done < "$WORK/judge-$1.out"
}

SINK_WAIVERS="--waivers $ROOT/suites/waivers/smtp-sink.yaml"
SINK_DEFS="-D rcpt=testuser@localhost -D rcpt2=postmaster@localhost -D unknown="
sink_checked=
# detection.py parses detection.yaml once for all its calls below.
export DETECTION_CACHE="$WORK/detection-cache.json"
N=$("$PY" "$TESTS/detection.py" count) || bail_out "detection.yaml does not load"
# DETECTION_MAX=K: only the first K entries (to debug this file).
[ -n "${DETECTION_MAX:-}" ] && [ "$DETECTION_MAX" -lt "$N" ] && N=$DETECTION_MAX

# Every transcript that covers a server MUST of the POP3 RFCs is caught by
# some entry (issue 13 §4: every MUST test can be shown to fail).
"$PY" "$TESTS/detection.py" unproven 1939 2449 2595 5034 > "$WORK/unproven" 2>&1
is "$(cat "$WORK/unproven")" "" \
  "every test of a MUST of RFC 1939, 2449, 2595, 5034 is caught by a detection.yaml entry"
"$PY" "$TESTS/detection.py" unproven 5321 1870 2034 2920 3030 3207 3461 3463 4954 6152 6409 \
  6531 > "$WORK/unproven" 2>&1
is "$(cat "$WORK/unproven")" "" \
  "every test of a MUST of RFC 5321 and its extensions (RFC 1870 2034 2920 3030 3207 3461 3463 4954 6152 6409 6531) is caught by a detection.yaml entry"
# One entry of detection.yaml against smtp-sink, in this shell (the sink's
# clean run comes first, once; free_port hands out one port at a time).
sink_entry() {
  if [ -z "$sink_checked" ]; then
    sink_checked=1
    sink || {
      [ "${CI:-}" = true ] && { fail "smtp-sink is available (CI=true)"; diag_file "$SDIR/why"; exit 1; }
      skip "smtp-sink fault options" "$(head -n 1 "$SDIR/why")"
      exit 0
    }
    # shellcheck disable=SC2086
    run sink-clean -j 4 -t "$TARGET" $SINK_WAIVERS $SINK_DEFS "$ROOT/suites/rfc5321.yaml"
    exit_is 0 "smtp-sink passes suites/rfc5321.yaml with its waivers"
    no_failures sink-clean "... with no FAIL or ERROR"
    for id in smtp/greeting smtp/ehlo smtp/mail-transaction smtp/rset smtp/quit-close; do
      is "$(verdict sink-clean $id | cut -f1)" PASS "clean smtp-sink: $id passes"
    done
    unserve
  fi
  # shellcheck disable=SC2086
  eval "set -- $D_SERVE"
  if [ "$1 $2" = "-f CONNECT" ]; then sink_greeting_5xx; else sink "$@"; fi
  eval "set -- $D_RUN $D_SUITES"
  _run=sink-fault-$NSRV
  # shellcheck disable=SC2086
  run "$_run" -j "$D_JOBS" -t "$TARGET" $SINK_WAIVERS $SINK_DEFS "$@"
  exit_is "$D_EXIT" "$D_DESC: the run exits $D_EXIT"
  judge "$_entry" "$WORK/$_run.json"
  unserve
}

# One entry against the reference server (mailspec serve --fault ...), in
# a background subshell: its TAP lines go to $WORK/entry-I.tap, numbered
# on their own; emit_entry renumbers them into this file's plan.  Each
# entry has its own server (a port of its own), server directory, reports
# and output files, so entries run side by side.
ref_entry() {
  NSRV=$((100000 + $1))
  NSERVE=$NSRV
  OUT=$WORK/.out-$1
  ERR=$WORK/.err-$1
  T_SERVERS=
  eval "set -- $D_SERVE"
  serve_numbered "$@"
  eval "set -- $D_RUN $D_SUITES"
  [ -n "$D_MAILBOX" ] && set -- --pop3 "pop3://$SERVE_POP3" "$@"
  _run=fault-$_entry
  # shellcheck disable=SC2086
  run "$_run" -j "$D_JOBS" -t "$TARGET" "$@"
  exit_is "$D_EXIT" "$D_DESC: the run exits $D_EXIT"
  judge "$_entry" "$WORK/$_run.json"
  unserve
}

# emit_entry I: entry I's TAP lines, renumbered (diagnostics as they are).
emit_entry() {
  while IFS= read -r _l; do
    case $_l in
    "ok "*) pass "${_l#ok * - }" ;;
    "not ok "*) fail "${_l#not ok * - }" ;;
    *) printf '%s\n' "$_l" ;;
    esac
  done < "$WORK/entry-$1.tap"
  [ -s "$WORK/entry-$1.tap" ] || fail "detection.yaml entry $1 ran" "no result (see $WORK)"
}

# Entries run DETECTION_JOBS at a time (default 3: most of an entry's time
# is spent waiting on its server and on process start-up, not on CPU);
# their results are emitted in order.
DETECTION_JOBS=${DETECTION_JOBS:-3}
_pids=
_queue=
_njobs=0
_entry=0
while [ "$_entry" -lt "$N" ]; do
  eval "$("$PY" "$TESTS/detection.py" entry "$_entry" "$WORK")"
  if [ "$D_SERVER" = smtp-sink ]; then
    sink_entry "$_entry"
    _entry=$((_entry + 1))
    continue
  fi
  (ref_entry "$_entry") > "$WORK/entry-$_entry.tap" 2>&1 &
  _pids="$_pids $!"
  _queue="$_queue $_entry"
  _njobs=$((_njobs + 1))
  if [ "$_njobs" -ge "$DETECTION_JOBS" ]; then
    # shellcheck disable=SC2086 # lists of numbers
    set -- $_pids
    wait "$1"
    shift
    _pids="$*"
    # shellcheck disable=SC2086
    set -- $_queue
    emit_entry "$1"
    shift
    _queue="$*"
    _njobs=$((_njobs - 1))
  fi
  _entry=$((_entry + 1))
done
for _p in $_pids; do wait "$_p"; done
for _e in $_queue; do emit_entry "$_e"; done
