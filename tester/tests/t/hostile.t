#!/bin/sh
# hostile.t: mailspec against broken and hostile servers (issue 8, "Hostile
# and broken servers").  The server is `mailspec serve --fault NAME` on
# 127.0.0.1:0 (the hostile faults live in tester/server/srv_hostile.c).  For
# each behaviour the run must end (the lib's 120 s watchdog turns a hang
# into a failure), with the right exit status, the right verdict and a
# reason that names what happened; peak RSS comes from /usr/bin/time and
# must stay under a bound (skipped for sanitizer builds, whose shadow
# memory and quarantine make RSS meaningless).  Timeouts are checked by
# their verdict and reason, never by a clock: a reply trickled faster
# than the timeout but slower in total can only end in ERROR if the
# timeout covers the whole reply.
. "$(dirname "$0")/../lib.sh"

TIME=/usr/bin/time
ASAN=no
grep -q __asan_init "$MAILSPEC" 2> /dev/null && ASAN=yes
[ $ASAN = yes ] && diag "sanitizer build: peak RSS is reported, not bounded"
[ -x $TIME ] || diag "$TIME not installed (apt-get install time): RSS checks skipped"

# The server must have survived what it was asked to do.
server_alive() {
  if kill -0 "$(cat "$SDIR/scripted.pid" 2> /dev/null)" 2> /dev/null; then
    pass "$1: the hostile server itself is still running"
  else
    fail "$1: the hostile server died"
    diag_file "$SDIR/err"
  fi
}

# msr ARGS...: like ms, under /usr/bin/time; peak RSS (kB) in RSS.
msr() {
  RC=0
  RSS=
  if [ -x $TIME ]; then
    timeout -k 5 120 $TIME -f '%M' -o "$WORK/.rss" "$MAILSPEC" "$@" \
      > "$OUT" 2> "$ERR" < /dev/null || RC=$?
    RSS=$(tail -n 1 "$WORK/.rss" 2> /dev/null | tr -dc '0-9')
  else
    timeout -k 5 120 "$MAILSPEC" "$@" > "$OUT" 2> "$ERR" < /dev/null || RC=$?
  fi
  [ "$RC" = 124 ] && diag "mailspec $* was killed by the 120 s watchdog"
  return 0
}

# rss_below MB DESC: the last msr run peaked under MB megabytes.
RSS_LOG=$WORK/rss.log
rss_below() {
  echo "$2: ${RSS:-?} kB" >> "$RSS_LOG"
  diag "peak RSS ${RSS:-?} kB: $2"
  if [ -z "$RSS" ]; then
    skip "$2: peak RSS under $1 MB" "no /usr/bin/time"
  elif [ $ASAN = yes ]; then
    skip "$2: peak RSS under $1 MB (${RSS} kB)" "sanitizer build"
  elif [ "$RSS" -lt $(($1 * 1024)) ]; then
    pass "$2: peak RSS ${RSS} kB < $1 MB"
  else
    fail "$2: peak RSS ${RSS} kB, want < $1 MB"
  fi
}

# json_check FILE PYEXPR DESC: FILE parses as JSON (into d) and PYEXPR holds.
json_check() {
  if /usr/bin/python3 - "$1" "$2" > "$WORK/.py" 2>&1 <<'PY'; then pass "$3"; else fail "$3" "$(cat "$WORK/.py")"; fi
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
steps = [s for t in d["transcripts"] for s in t.get("steps", [])]
ok = eval(sys.argv[2])
if not ok:
    print("false: " + sys.argv[2])
    print(json.dumps(d)[:3000])
sys.exit(0 if ok else 1)
PY
}

# clean_text FILE DESC: FILE is UTF-8 with no NUL and no ESC (terminal-safe).
clean_text() {
  if /usr/bin/python3 - "$1" > "$WORK/.py" 2>&1 <<'PY'; then pass "$2"; else fail "$2" "$(cat "$WORK/.py")"; fi
import sys
b = open(sys.argv[1], "rb").read()
b.decode("utf-8")  # raises on invalid UTF-8
bad = [c for c in (0, 0x1b) if bytes([c]) in b]
if bad:
    print("raw octets %r in the report" % bad)
    sys.exit(1)
PY
}

# xml_ok FILE DESC: FILE is well-formed XML.
xml_ok() {
  if /usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1" > "$WORK/.py" 2>&1; then
    pass "$2"
  else
    fail "$2" "$(cat "$WORK/.py")"
  fi
}

# ---- the hostile faults are documented and their arguments checked -------
ms serve --help
for f in no-greeting greet-twice close-at-once endless-multiline 'long-line\[:BYTES\]' \
  'trickle\[:MS\]' nul bad-utf8 reset-mid-reply no-read; do
  like "@$OUT" "^ +$f " "serve --help documents the $f fault"
done
for bad in long-line:0 trickle:600001 nul:1 'trickle:'; do
  ms serve --listen 127.0.0.1:0 --fault "$bad"
  exit_is 2 "--fault $bad is a usage error"
  like "@$ERR" "${bad%%:*}" "... naming the fault"
done

# ---- transcripts --------------------------------------------------------
EHLO=$(yaml ehlo.yaml <<'EOF'
title: greeting, EHLO, QUIT
protocol: smtp
convention: rfc5321
script: |
  S: 220
  C: EHLO client.example
  S: 250
  C: QUIT
  S: 221
EOF
)
CAPA=$(yaml capa.yaml <<'EOF'
title: greeting, CAPA, QUIT
protocol: pop3
script: |
  S: +OK
  C: CAPA
  S: +OK
  C: QUIT
  S: +OK
EOF
)
# 12 MB of mail data sent without waiting for a reply (more than the
# kernel buffers of both ends hold): the send must time out, not hang.
BIG=$WORK/bigsend.yaml
{
  printf '%s\n' 'title: 12 MB of mail data pipelined into a server' \
    'protocol: smtp' 'convention: rfc5321' 'pipelining: true' 'steps:' \
    '  - S: 220' '  - C: EHLO client.example' '  - C: MAIL FROM:<a@example.org>' \
    '  - C: RCPT TO:<b@example.org>' '  - C: DATA' '  - data: |'
  awk 'BEGIN { l = sprintf("%998s", ""); gsub(/ /, "x", l);
               for (i = 0; i < 12000; i++) print "      " l }'
  printf '%s\n' '  - S: 250' '  - S: 250' '  - S: 250' '  - S: 354' '  - S: 250'
} > "$BIG"

# many DIR N FILE: DIR holds N symbolic links to FILE (N sessions).
many() {
  mkdir -p "$1"
  (cd "$1" && seq -f 's%05g.yaml' 1 "$2" | xargs -n 500 sh -c \
    'for f; do ln -s "$0" "$f"; done' "$3")
}

# ---- the matrix ---------------------------------------------------------
# row FAULT TRANSCRIPT WANT_EXIT REASON_ERE RSS_MB [RUN_ARGS...] -- [SERVE_ARGS...]
row() {
  _f=$1 _tr=$2 _want=$3 _re=$4 _mb=$5
  shift 5
  _run=
  while [ $# -gt 0 ] && [ "$1" != -- ]; do _run="$_run $1"; shift; done
  [ $# -gt 0 ] && shift
  serve --fault "$_f" "$@"
  _name="--fault $_f${*:+ $*} ($(basename "$_tr" .yaml))"
  # shellcheck disable=SC2086
  msr run -j 1 $_run -t "$TARGET" -r "json:$WORK/r.json" -r text "$_tr"
  exit_is "$_want" "$_name: exit $_want"
  like "@$OUT" "$_re" "$_name: the reason says what happened (/$_re/)"
  rss_below "$_mb" "$_name"
  server_alive "$_name"
  unserve
}

row no-greeting "$EHLO" 3 'no greeting within 2 s' 32 --timeout 2
json_check "$WORK/r.json" 'd["transcripts"][0]["verdict"] == "ERROR" and steps[0]["verdict"] == "ERROR"' \
  "no-greeting: the greeting step is ERROR (could not judge), not FAIL"
row no-greeting "$CAPA" 3 'no greeting within 2 s' 32 --timeout 2 -- --protocol pop3
row greet-twice "$EHLO" 1 'bytes after the final reply line' 32 --timeout 2
json_check "$WORK/r.json" 'steps[0]["verdict"] == "FAIL" and any(f["name"] for f in steps[0]["findings"])' \
  "greet-twice: the greeting step FAILs with a finding"
row close-at-once "$EHLO" 1 'closed the connection before the dialogue ended' 32 --timeout 2
row close-at-once "$CAPA" 1 'closed the connection before the dialogue ended' 32 --timeout 2 -- --protocol pop3

# Replies that never end: the reader's hard limits stop them.
row endless-multiline "$EHLO" 1 "exceeded the reader's size limits" 64 --timeout 10
json_check "$WORK/r.json" 'steps[0]["verdict"] == "FAIL" and steps[0]["line"] == 5' \
  "endless-multiline: the greeting step (line 5) FAILs"
# Every line read said 220: a reply cut at the limit still has that code
# (as a reply cut by EOF does), so the reason is the size, not "no code".
json_check "$WORK/r.json" 'steps[0]["code"] == 220 and "no reply code" not in steps[0]["reason"]' \
  "endless-multiline: the cut reply keeps the code its lines carry (220)"
row endless-multiline "$CAPA" 1 "exceeded the reader's size limits" 64 --timeout 10 -- --protocol pop3
json_check "$WORK/r.json" 'steps[0]["verdict"] == "PASS" and steps[1]["verdict"] == "FAIL"' \
  "endless-multiline (POP3): the greeting passes, CAPA's endless response FAILs"
row long-line "$EHLO" 3 'no greeting within 2 s' 32 --timeout 2
row long-line:67108864 "$EHLO" 1 "exceeded the reader's size limits" 64 --timeout 10
json_check "$WORK/r.json" 'steps[0]["code"] == 220 and steps[0]["got"].startswith("220 xxxx")' \
  "long-line:64 MiB: the line cut at the limit is kept (its first octets) with its code"

# Trickled replies: the timeout covers the whole reply, not each octet.
row trickle "$EHLO" 3 'no greeting within 3 s' 32 --timeout 3
row trickle:100 "$EHLO" 3 'no greeting within 2 s' 32 --timeout 2
serve --fault trickle:5
msr run --timeout 20 -t "$TARGET" "$EHLO"
exit_is 0 "--fault trickle:5: a correct server sending one octet at a time passes"
unserve

# NUL and invalid UTF-8: findings, and every report stays clean.
for f in nul bad-utf8; do
  case $f in
  nul) re='a reply line contains a NUL octet' ;;
  *) re='octets above 127' ;;
  esac
  serve --fault $f
  msr run -t "$TARGET" -r "json:$WORK/$f.json" -r "junit:$WORK/$f.xml" \
    -r "text:$WORK/$f.txt" -r "tap:$WORK/$f.tap" -r "md:$WORK/$f.md" \
    -r "html:$WORK/$f.html" "$EHLO" "$CAPA"
  exit_is 1 "--fault $f: exit 1"
  like "@$WORK/$f.txt" "$re" "--fault $f: the reason says what it found"
  json_check "$WORK/$f.json" '[t["verdict"] for t in d["transcripts"]] == ["FAIL", "FAIL"] and steps[0]["verdict"] == "FAIL"' \
    "--fault $f: both transcripts FAIL at the greeting (JSON report)"
  xml_ok "$WORK/$f.xml" "--fault $f: the JUnit report is well-formed XML"
  for r in txt tap md html; do
    clean_text "$WORK/$f.$r" "--fault $f: the $r report is UTF-8 without NUL or ESC"
  done
  server_alive "--fault $f"
  unserve
done

row reset-mid-reply "$EHLO" 1 'closed in the middle of a reply' 32 --timeout 5
like "@$OUT" 'connection reset' "reset-mid-reply: the reset is named"
row reset-mid-reply "$CAPA" 1 'closed' 32 --timeout 5 -- --protocol pop3

# A server that never reads: the send times out (the kernel buffers fill).
row no-read "$BIG" 3 'send timed out|stopped reading' 128 --timeout 2
like "@$OUT" 'no reply within 2 s' "no-read: the step is an ERROR for the timeout"

# ---- memory stays bounded over many hostile sessions ---------------------
# Each endless reply is cut at the reader's limit (16 MiB); what a run
# keeps of it must be bounded too, or a suite run against a hostile
# server grows by megabytes per session.
many "$WORK/endless64" 64 "$EHLO"
serve --fault endless-multiline
msr run -q -j 8 --timeout 10 -t "$TARGET" -r "json:$WORK/endless.json" "$WORK/endless64"
exit_is 1 "64 endless-multiline sessions at -j 8: exit 1"
like "@$OUT" '^0 passed, 64 failed, 0 skipped$' "... all 64 FAIL"
rss_below 160 "64 endless-multiline sessions at -j 8 (8 replies of up to 16 MiB at once)"
_sz=$(wc -c < "$WORK/endless.json")
diag "JSON report of 64 endless-multiline sessions: $_sz octets"
if [ "$_sz" -lt $((16 * 1024 * 1024)) ]; then
  pass "the JSON report of 64 endless sessions stays under 16 MiB ($_sz octets)"
else
  fail "the JSON report of 64 endless sessions is $_sz octets: each step keeps the whole 16 MiB-capped reply text"
fi
unserve

# ---- thousands of sessions at -j 256 -----------------------------------
many "$WORK/s2000" 2000 "$EHLO"
serve
msr run -q -j 256 --timeout 30 -t "$TARGET" "$WORK/s2000"
exit_is 0 "2000 sessions at -j 256 against mailspec serve: exit 0"
like "@$OUT" '^2000 passed, 0 failed, 0 skipped$' "... all 2000 passed"
rss_below 64 "2000 sessions at -j 256"
server_alive "2000 sessions"
unserve

# 512 sessions at -j 256 against a server that never greets: every one
# times out at once (256 waits in parallel), each an ERROR saying so.
many "$WORK/s512" 512 "$EHLO"
serve --fault no-greeting
msr run -q -j 256 --timeout 2 -t "$TARGET" -r "json:$WORK/s512.json" "$WORK/s512"
exit_is 3 "512 sessions at -j 256 against no-greeting: exit 3"
json_check "$WORK/s512.json" 'len(d["transcripts"]) == 512 and all(t["verdict"] == "ERROR" and "no greeting within 2 s" in (t["reason"] or "") for t in d["transcripts"])' \
  "... 512 ERRORs, each 'no greeting within 2 s'"
rss_below 64 "512 no-greeting sessions at -j 256"
unserve

# ---- the client's open-files limit ---------------------------------------
# -j 256 with 64 descriptors: refused before the run (issue 17,
# cli_jobs.c), saying how many sessions fit: 64 - 24 in reserve.
serve
RC=0
(ulimit -n 64 && exec timeout -k 5 120 "$MAILSPEC" run -q -j 256 --timeout 30 \
  -t "$TARGET" "$WORK/s512") > "$OUT" 2> "$ERR" < /dev/null || RC=$?
is "$RC" 2 "ulimit -n 64, -j 256: refused before the run, exit 2"
like "@$ERR" 'the open-file limit \(64, hard limit 64\) holds 40 sessions at once' "... saying how many fit"
# Descriptors can still run out during a run that passed the check (24
# inherited ones it does not count, held by bash): whatever cannot run
# must be an ERROR that says why (or the engine runs fewer at once):
# never a crash, never "invalid transcript" (exit 2) for transcripts
# that are fine.
RC=0
(ulimit -n 64 && exec bash -c 'for i in $(seq 10 33); do eval "exec $i</dev/null"; done
  exec timeout -k 5 120 "$@"' bash "$MAILSPEC" run -q -j 40 --timeout 30 \
  -t "$TARGET" "$WORK/s512") > "$OUT" 2> "$ERR" < /dev/null || RC=$?
case $RC in
0 | 3) pass "ulimit -n 64 with 24 taken, -j 40, 512 sessions: exit $RC (all passed, or ERRORs)" ;;
*)
  fail "ulimit -n 64 with 24 taken, -j 40, 512 sessions: exit $RC, want 0 or 3" \
    "$(tail -n 3 "$OUT")" "stderr (first and last lines):" \
    "$(head -n 2 "$ERR")" "$(tail -n 2 "$ERR")"
  ;;
esac
like "@$OUT" '^[0-9]+ passed, [0-9]+ failed, ([0-9]+ errors?, )?0 skipped$' "... the run ends with its summary"
_n=$(grep -Ec '^(PASS|FAIL|ERROR|NOTRUN)' "$OUT")
_pass=$(sed -n 's/^\([0-9]*\) passed.*/\1/p' "$OUT")
_bad=$(grep -E '^(FAIL|ERROR)' "$OUT" | wc -l)
_why=$(grep -Ec 'open files|descriptor' "$OUT" "$ERR" | awk -F: '{ s += $NF } END { print s + 0 }')
if [ "${_pass:-0}" = 512 ] || { [ "$_bad" -gt 0 ] && [ "$_why" -ge "$_bad" ]; }; then
  pass "... every session that could not run says the open-files limit was reached"
else
  fail "... $_bad sessions failed, $_why mentions of the open-files limit" \
    "$(grep -E 'why|ERROR|cannot' "$OUT" "$ERR" | sort | uniq -c | sort -rn | head -5)"
fi
server_alive "ulimit -n 64"
unserve
diag "$_n result lines; peak RSS figures:"
diag_file "$RSS_LOG" "peak RSS"

# ---- a hostile output directory: planted symbolic links -------------------
# Reports and imported transcripts never write through a symbolic link
# someone planted where the file goes (issue 8, "Always on").
echo 'precious' > "$WORK/victim"
mkdir -p "$WORK/out"
ln -s "$WORK/victim" "$WORK/out/r.json"
ms run -t builtin -r "json:$WORK/out/r.json" "$ROOT/transcripts/rfc821/scenario-01-typical-transaction.yaml"
is "$(cat "$WORK/victim")" precious "report: a symlink planted at the report path is not followed"
like "@$ERR" 'symbolic link' "report: ... and the run says why it did not write the report"
PIPE_PCAP=$TESTS/data/pcaps/smtp-pipelining.pcap
if [ -f "$PIPE_PCAP" ]; then
  mkdir -p "$WORK/imp"
  ln -s "$WORK/victim" "$WORK/imp/smtp-pipelining-0000.yaml"
  ms import -o "$WORK/imp" "$PIPE_PCAP"
  is "$(cat "$WORK/victim")" precious "import: a symlink planted at the transcript's name is not followed"
  if [ -L "$WORK/imp/smtp-pipelining-0000.yaml" ]; then
    like "@$ERR" 'symbolic link|smtp-pipelining-0000' "import: ... it is refused with a message"
  else
    like "$(head -n 3 "$WORK/imp/smtp-pipelining-0000.yaml")" '^(#|title:)' \
      "import: ... the link was replaced by the transcript"
  fi
else
  fail "import: planted symlink" "$PIPE_PCAP not found (it is part of the project)"
fi
