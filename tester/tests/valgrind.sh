#!/bin/sh
# valgrind.sh [BUILD]: the `make valgrind` check of issue 8 ("a valgrind
# run of the unit tests and one end-to-end run is clean").  Runs under
# memcheck, each with --error-exitcode and definite/indirect leaks counted
# as errors:
#   1. the Check unit tests (CK_FORK=no: one process, so memcheck sees
#      every test; timeouts stretched for valgrind's slowness);
#   2. end to end: `mailspec run -t builtin` over the classroom transcripts
#      (engine, in-process reference server, every report writer);
#   3. `mailspec serve` under valgrind with hostile faults, driven by a
#      plain mailspec, stopped with SIGTERM (the server's clean shutdown);
#   4. `mailspec run` under valgrind against hostile servers (no greeting,
#      endless reply, NUL, reset) and interrupted with SIGINT;
#   5. `mailspec import` of the public captures (tester/tests/data/pcaps), `diff` and `merge` of
#      the JSON results of step 2.
# BUILD must be a plain build (valgrind and ASan do not mix).  Logs go to
# $BUILD/valgrind/; the last line says how many runs were clean.
# Exit 0 all clean, 1 a run had errors or leaks, 2 cannot run.
set -u
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 2
MS=$ROOT/$BUILD/mailspec
CHECK=$ROOT/$BUILD/check_mailspec
LOGS=$ROOT/$BUILD/valgrind
VG=$(command -v valgrind) || {
  echo "valgrind.sh: valgrind not installed (apt-get install valgrind)" >&2
  exit 2
}
for f in "$MS" "$CHECK"; do
  [ -x "$f" ] || { echo "valgrind.sh: $f not built (make all $BUILD/check_mailspec)" >&2; exit 2; }
done
if grep -q __asan_init "$MS" 2> /dev/null; then
  echo "valgrind.sh: $MS is a sanitizer build; use a plain build (make; make valgrind)" >&2
  exit 2
fi
rm -rf "$LOGS"
mkdir -p "$LOGS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailspec-valgrind.XXXXXX")
SPIDS=
cleanup() {
  for p in $SPIDS; do kill "$p" 2> /dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

RUNS=0
BAD=0
# vg NAME CMD...: CMD under memcheck; log in $LOGS/NAME.log.  Sets VRC to
# CMD's own exit status (99: memcheck found errors or leaks).
VGOPTS="--error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
 --errors-for-leak-kinds=definite,indirect --track-origins=yes --num-callers=30"
vg() {
  _n=$1
  shift
  # shellcheck disable=SC2086
  "$VG" $VGOPTS --log-file="$LOGS/$_n.log" "$@" > "$LOGS/$_n.out" 2>&1 < /dev/null
  VRC=$?
}

# verdict NAME OK_STATUSES: record whether the run was clean.
verdict() {
  RUNS=$((RUNS + 1))
  _sum=$(grep -E 'ERROR SUMMARY' "$LOGS/$1.log" | tail -n 1 | sed 's/^==[0-9]*== //')
  _lost=$(grep -E '^==[0-9]+== +(definitely|indirectly) lost:' "$LOGS/$1.log" |
    sed 's/^==[0-9]*== *//; s/ in [0-9,]* blocks//' | tr '\n' ' ')
  case " $2 " in
  *" $VRC "*) printf 'clean  %-28s exit %-3s %s\n' "$1" "$VRC" "${_sum:-no summary}" ;;
  *)
    BAD=$((BAD + 1))
    printf 'DIRTY  %-28s exit %-3s %s %s\n' "$1" "$VRC" "${_sum:-no summary}" "$_lost"
    # the first error or leak, with the frames that say where
    grep -E -A4 '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|Source and|[0-9,]+ (\([0-9, a-z]*\) )?bytes in [0-9,]+ blocks are definitely)' \
      "$LOGS/$1.log" | head -n 5 | sed 's/^==[0-9]*==/       /'
    # a failing unit test leaks under CK_FORK=no: say which failed
    grep -E ':[FE]:' "$LOGS/$1.out" 2> /dev/null | head -n 3 | sed 's/^/       failed: /'
    ;;
  esac
}

# serve_vg NAME ARGS...: `mailspec serve` under valgrind on 127.0.0.1:0;
# sets TARGET and SPID (valgrind's own pid: it forwards signals).
serve_vg() {
  _n=$1
  shift
  rm -f "$WORK/$_n.ready"
  # shellcheck disable=SC2086
  "$VG" $VGOPTS --log-file="$LOGS/$_n.log" "$MS" serve --listen 127.0.0.1:0 \
    --ready-file "$WORK/$_n.ready" "$@" > "$LOGS/$_n.out" 2>&1 < /dev/null &
  SPID=$!
  SPIDS="$SPIDS $SPID"
  _i=0
  while [ ! -s "$WORK/$_n.ready" ] && [ $_i -lt 600 ] && kill -0 "$SPID" 2> /dev/null; do
    sleep 0.1
    _i=$((_i + 1))
  done
  TARGET=$(cat "$WORK/$_n.ready" 2> /dev/null)
}

# stop_vg: SIGTERM the server under valgrind, wait; VRC = its status.
stop_vg() {
  kill -TERM "$SPID" 2> /dev/null
  VRC=0
  wait "$SPID" || VRC=$?
  SPIDS=$(echo "$SPIDS" | sed "s/ $SPID//")
}

# plain_serve ARGS...: an ordinary `mailspec serve` (the hostile peer).
plain_serve() {
  rm -f "$WORK/plain.ready"
  "$MS" serve --listen 127.0.0.1:0 --ready-file "$WORK/plain.ready" "$@" \
    > /dev/null 2>&1 < /dev/null &
  PPID_=$!
  SPIDS="$SPIDS $PPID_"
  _i=0
  while [ ! -s "$WORK/plain.ready" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
  TARGET=$(cat "$WORK/plain.ready" 2> /dev/null)
}
plain_stop() {
  kill "$PPID_" 2> /dev/null
  wait "$PPID_" 2> /dev/null
  SPIDS=$(echo "$SPIDS" | sed "s/ $PPID_//")
}

echo "valgrind $($VG --version | sed 's/^valgrind-//') memcheck on $BUILD; logs in $LOGS"

# 1. unit tests -----------------------------------------------------------
CK_FORK=no CK_TIMEOUT_MULTIPLIER=20 vg unit "$CHECK"
verdict unit "0"

# 2. end to end: the classroom, every report format ----------------------
R=$WORK/reports
mkdir -p "$R"
vg run-builtin "$MS" run -t builtin --timeout 60 -r "json:$R/run.json" \
  -r "junit:$R/run.xml" -r "tap:$R/run.tap" -r "html:$R/run.html" \
  -r "md:$R/run.md" -r text transcripts/rfc821 transcripts/rfc1939 \
  transcripts/rfc5321
verdict run-builtin "0 1"

# 3. the reference server under valgrind, hostile faults included ---------
for f in none nul endless-multiline reset-mid-reply greet-twice; do
  if [ $f = none ]; then set --; else set -- --fault "$f"; fi
  serve_vg "serve-$f" --profile rfc821 "$@"
  if [ -n "$TARGET" ]; then
    "$MS" run --timeout 20 -t "$TARGET" transcripts/rfc821 > /dev/null 2>&1
    stop_vg
    verdict "serve-$f" "0"
  else
    RUNS=$((RUNS + 1)); BAD=$((BAD + 1))
    echo "DIRTY  serve-$f: did not start under valgrind (see $LOGS/serve-$f.log)"
  fi
done

# 4. the client against hostile servers, and interrupted ------------------
for f in no-greeting endless-multiline nul bad-utf8 reset-mid-reply long-line; do
  plain_serve --fault "$f"
  vg "run-$f" "$MS" run --timeout 5 -t "$TARGET" -r "json:$R/$f.json" \
    -r "junit:$R/$f.xml" transcripts/rfc5321/d1-typical.yaml
  verdict "run-$f" "1 3"
  plain_stop
done
plain_serve --fault no-greeting
# shellcheck disable=SC2086
"$VG" $VGOPTS --log-file="$LOGS/run-sigint.log" "$MS" -v run -j 4 --timeout 60 \
  -t "$TARGET" -r "json:$R/sigint.json" transcripts/rfc5321 \
  > "$LOGS/run-sigint.out" 2>&1 < /dev/null &
_p=$!
_i=0 # until the run waits for greetings that never come
while ! grep -q '^\[.*\] -- ' "$LOGS/run-sigint.out" 2> /dev/null && [ $_i -lt 1200 ]; do
  sleep 0.1
  _i=$((_i + 1))
done
kill -INT "$_p"
VRC=0
wait "$_p" || VRC=$?
verdict run-sigint "130"
plain_stop

# 5. import, diff, merge ------------------------------------------------------
PC=$ROOT/tester/tests/data/pcaps
mkdir -p "$WORK/import"
vg import "$MS" import -o "$WORK/import" --allow-gaps "$PC"/*.pcap
verdict import "0 1"
vg diff "$MS" diff "$R/run.json" "$R/nul.json"
verdict diff "0 1"
# merge joins shards: two halves of the classroom, made by a plain run
"$MS" run -t builtin --shard 1/2 -r "json:$R/shard1.json" transcripts/rfc821 > /dev/null 2>&1
"$MS" run -t builtin --shard 2/2 -r "json:$R/shard2.json" transcripts/rfc821 > /dev/null 2>&1
vg merge "$MS" merge -r "json:$R/merged.json" -r "junit:$R/merged.xml" \
  -r "html:$R/merged.html" "$R/shard1.json" "$R/shard2.json"
verdict merge "0"

echo "$((RUNS - BAD)) of $RUNS runs clean under memcheck"
[ $BAD = 0 ]
