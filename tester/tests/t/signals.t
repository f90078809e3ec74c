#!/bin/sh
# signals.t: SIGINT and SIGTERM during `mailspec run` (issue 8, "Always
# on"): the reports are written for what finished, the rest is NOTRUN, the
# exit status is 128 + the signal (130, 143), and no report file is ever
# left truncated, not even by SIGKILL (reports are written to a temporary
# name and renamed).  No timing is asserted: the signal is sent once the
# live view shows that the finished transcripts are done and the others
# are waiting, and a run that does not stop within 30 s of the signal is a
# failure.
. "$(dirname "$0")/../lib.sh"

# start_run ARGS...: mailspec in the background with SIGINT at its default
# (a non-interactive shell starts background jobs with SIGINT ignored).
# Sets RUN_PID; stdout in $OUT, stderr in $ERR.
start_run() {
  : > "$OUT" # emptied here, not in the child: wait_for must not see
  : > "$ERR" # the previous run's output before the child truncates it
  /usr/bin/python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$MAILSPEC" "$@" > "$OUT" 2> "$ERR" < /dev/null &
  RUN_PID=$!
}

# wait_for FILE ERE: until FILE matches ERE (or the run ended, or 60 s).
wait_for() {
  _i=0
  while ! grep -Eq -- "$2" "$1" 2> /dev/null && [ $_i -lt 1200 ] &&
    kill -0 "$RUN_PID" 2> /dev/null; do
    sleep 0.05
    _i=$((_i + 1))
  done
  grep -Eq -- "$2" "$1" 2> /dev/null
}

# stop_run SIG: send SIG, wait for the end (30 s, then SIGKILL); RC set.
stop_run() {
  kill -"$1" "$RUN_PID" 2> /dev/null
  _i=0
  while kill -0 "$RUN_PID" 2> /dev/null && [ $_i -lt 600 ]; do
    sleep 0.05
    _i=$((_i + 1))
  done
  if kill -0 "$RUN_PID" 2> /dev/null; then
    diag "mailspec ignored SIG$1 for 30 s: killed"
    if command -v gdb > /dev/null 2>&1; then # where it was stuck
      gdb -p "$RUN_PID" -batch -ex 'thread apply all bt' 2> /dev/null |
        grep -E '^(#|Thread)' | head -n 80 > "$WORK/.gdb"
      diag_file "$WORK/.gdb" "threads of the stuck run"
    fi
    kill -KILL "$RUN_PID" 2> /dev/null
  fi
  RC=0
  wait "$RUN_PID" || RC=$?
}

# json_check FILE PYEXPR DESC: FILE parses as JSON (into d) and PYEXPR holds.
json_check() {
  if /usr/bin/python3 - "$1" "$2" > "$WORK/.py" 2>&1 <<'PY'; then pass "$3"; else fail "$3" "$(cat "$WORK/.py")"; fi
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
v = [t["verdict"] for t in d["transcripts"]]
ok = eval(sys.argv[2])
if not ok:
    print("false: " + sys.argv[2])
    print("verdicts: %r" % v)
    print(json.dumps(d)[:2000])
sys.exit(0 if ok else 1)
PY
}

xml_ok() {
  if /usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1" > "$WORK/.py" 2>&1; then
    pass "$2"
  else
    fail "$2" "$(cat "$WORK/.py")"
  fi
}

# no_temp DIR DESC: DIR holds no temporary report files.
no_temp() {
  _left=$(find "$1" -maxdepth 1 -name '.*' ! -name . | head -n 5)
  if [ -z "$_left" ]; then pass "$2"; else fail "$2" "left behind: $_left"; fi
}

# ---- transcripts: four quick ones, then four that wait -------------------
PLAN=$WORK/plan
mkdir -p "$PLAN"
for i in 1 2 3 4; do
  cat > "$PLAN/a-quick-$i.yaml" <<'EOF'
title: greeting and QUIT
protocol: smtp
convention: rfc5321
script: |
  S: 220
  C: QUIT
  S: 221
EOF
  cat > "$PLAN/b-wait-$i.yaml" <<'EOF'
title: greeting, a minute of silence, QUIT
protocol: smtp
convention: rfc5321
steps:
  - S: 220
  - pause: 60
  - C: QUIT
  - S: 221
EOF
done

# interrupt SIG WANT_EXIT: run the plan at -j 2, send SIG once both slots
# wait (so all quick ones finished), check the reports.
interrupt() {
  _sig=$1 _want=$2
  R=$WORK/reports-$_sig
  mkdir -p "$R"
  # reports from an earlier run are replaced whole, never half-written
  echo 'an old report' > "$R/r.json"
  serve
  start_run run -v -j 2 --timeout 30 -t "$TARGET" -r "json:$R/r.json" \
    -r "junit:$R/r.xml" -r "text:$R/r.txt" -r "tap:$R/r.tap" "$PLAN"
  # the live view shows the transcripts' own roles (rfc5321: S: server)
  if wait_for "$ERR" 'b-wait-2: ' && wait_for "$ERR" 'b-wait-1\] S: 220' &&
    wait_for "$ERR" 'b-wait-2\] S: 220'; then
    pass "SIG$_sig: the run reached the waiting transcripts"
  else
    fail "SIG$_sig: the run never reached the waiting transcripts" "$(tail -n 20 "$ERR")"
  fi
  stop_run "$_sig"
  if [ "$RC" = "$_want" ]; then pass "SIG$_sig: exit $_want"; else
    fail "SIG$_sig: exit $RC, want $_want"; diag_file "$ERR"; fi
  json_check "$R/r.json" 'v == ["PASS"] * 4 + ["NOTRUN"] * 4 and d["interrupted"] is True and d["counts"]["NOTRUN"] == 4' \
    "SIG$_sig: JSON report: the 4 finished PASS, the 4 others NOTRUN, interrupted"
  json_check "$R/r.json" 'all(s["verdict"] in ("PASS", "NOTRUN") for t in d["transcripts"] for s in t.get("steps", []))' \
    "SIG$_sig: no step is judged FAIL or ERROR because of the interruption"
  xml_ok "$R/r.xml" "SIG$_sig: JUnit report written, well-formed"
  like "@$R/r.txt" '^4 passed, 0 failed, 0 skipped$' "SIG$_sig: the text report ends with the summary of what finished"
  like "@$R/r.txt" 'interrupted' "SIG$_sig: the text report says the run was interrupted"
  like "@$R/r.tap" '^1\.\.8$' "SIG$_sig: the TAP report plans all 8"
  like "@$R/r.tap" '^not ok 8 - .*b-wait-4' "SIG$_sig: TAP: the NOTRUN ones are not ok (the run is incomplete)"
  no_temp "$R" "SIG$_sig: no temporary report file is left in the report directory"
  unserve
}

interrupt INT 130
interrupt TERM 143

# Waiting for a reply (not in a pause): the wait ends at the signal too.
serve --fault no-greeting
R=$WORK/reports-recv
mkdir -p "$R"
start_run run -v -j 4 --timeout 60 -t "$TARGET" -r "json:$R/r.json" "$PLAN"
wait_for "$ERR" 'a-quick-4: '
stop_run INT
is "$RC" 130 "SIGINT while 4 transcripts wait for a greeting: exit 130"
json_check "$R/r.json" 'v == ["NOTRUN"] * 8' \
  "... all 8 NOTRUN (none was judged: a cut wait is not a timeout)"
unserve

# ---- SIGKILL never leaves a truncated report -------------------------------
# A run of 3000 sessions writes a large JSON and JUnit report; it is killed
# at 12 points spread over twice the time a whole run takes.  Each time the
# report files are either the previous complete ones or complete new ones.
mkdir -p "$WORK/big"
(cd "$WORK/big" && seq -f 's%05g.yaml' 1 3000 | xargs -n 500 sh -c \
  'for f; do ln -s "$0" "$f"; done' "$PLAN/a-quick-1.yaml")
serve
R=$WORK/reports-kill
mkdir -p "$R"
printf '{"old": true}\n' > "$R/r.json"
printf '<old/>\n' > "$R/r.xml"
# how long a whole run takes here, to spread the kills over it
_t0=$(date +%s%N)
start_run run -q -j 16 --timeout 30 -t "$TARGET" -r "json:$WORK/full.json" \
  -r "junit:$WORK/full.xml" "$WORK/big"
wait "$RUN_PID"
_ms=$((($(date +%s%N) - _t0) / 1000000))
diag "a full run of 3000 sessions takes ${_ms} ms here"
_bad=0
_new=0
_temps=0
for k in 1 2 3 4 5 6 7 8 9 10 11 12; do
  start_run run -q -j 16 --timeout 30 -t "$TARGET" -r "json:$R/r.json" \
    -r "junit:$R/r.xml" "$WORK/big"
  _d=$((_ms * k / 6))
  sleep "$(awk -v d="$_d" 'BEGIN { printf "%.3f", d / 1000 }')"
  kill -KILL "$RUN_PID" 2> /dev/null
  wait "$RUN_PID" 2> /dev/null
  if /usr/bin/python3 - "$R/r.json" "$R/r.xml" > "$WORK/.py" 2>&1 <<'PY'; then
import json, sys, xml.etree.ElementTree as E
d = json.load(open(sys.argv[1]))
assert d == {"old": True} or len(d["transcripts"]) == 3000, "incomplete JSON"
E.parse(sys.argv[2])
print("new" if d != {"old": True} else "old")
PY
    [ "$(cat "$WORK/.py")" = new ] && _new=$((_new + 1))
    diag "kill $k after ${_d} ms: $(cat "$WORK/.py") reports"
  else
    _bad=$((_bad + 1))
    diag "kill $k after ${_d} ms: $(cat "$WORK/.py")"
  fi
  _t=$(find "$R" -name '.r.*' | wc -l)
  _temps=$((_temps + _t))
  find "$R" -name '.r.*' -exec rm -f {} +
done
is "$_bad" 0 "SIGKILL at 12 points of a run: the report files are always complete (old or new)"
diag "$_new of 12 kills came after the new reports were in place; $_temps temporary files left by kills during writing"
unserve
