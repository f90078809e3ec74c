#!/bin/sh
# tsan.sh: `make tsan` (issue 17): ThreadSanitizer on the worker loops.
# Builds mailspec with SANITIZE=thread (build-thread/) and runs, with
# halt_on_error, what puts many sessions on several event-loop workers at
# once: the bundled suites at -j 8 against -t builtin (the reference
# server's own threads beside the engine's workers), and against
# Postfix's smtp-sink 300 short sessions at -j 16 and 300 held-open ones
# (a 1 s pause) at -j 300.  Fails on any report, a crash or a verdict
# that is not a pass.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. tester/tests/servers/common.sh
make --no-print-directory SANITIZE=thread build-thread/mailspec > /dev/null
MS=$ROOT/build-thread/mailspec
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailspec-tsan.XXXXXX")
cleanup() {
  sh tester/tests/servers/smtp-sink.sh stop "$WORK/sink" 2> /dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}"
export MAILSPEC_WORKERS=2 # two loops even on one CPU
fails=0
# run LABEL EXPECT ARGS...: mailspec ARGS must exit 0, say "0 failed" and
# report nothing.
run() {
  label=$1
  shift
  st=0
  "$MS" --color=never "$@" > "$WORK/out" 2>&1 || st=$?
  if [ $st != 0 ] || grep -q 'ThreadSanitizer' "$WORK/out"; then
    echo "tsan: FAIL $label (exit $st)"
    grep -A30 'ThreadSanitizer' "$WORK/out" | head -60 || tail -20 "$WORK/out"
    fails=$((fails + 1))
  else
    echo "tsan: ok   $label: $(tail -n 1 "$WORK/out")"
  fi
}
for s in rfc5321 esmtp starttls auth delivery submission rfc1939 pop3-capa; do
  run "$s -j 8 -t builtin" run -j 8 -t builtin --insecure "suites/$s.yaml"
done
PORT=
for p in $(seq 21800 21899); do
  if srv_port_free "$p"; then PORT=$p; break; fi
done
[ -n "$PORT" ] || { echo "tsan: no free port in 21800-21899" >&2; exit 2; }
sh tester/tests/servers/smtp-sink.sh start "$WORK/sink" "$PORT" -m 400
cat > "$WORK/hold.yaml" <<'Y'
title: held open
protocol: smtp
steps:
  - S: 220
  - pause: 1
  - C: QUIT
  - S: 221
Y
run "smtp-sink -j 16 x300" -q run -j 16 --repeat 300 -t "127.0.0.1:$PORT" tester/bench/session.yaml
run "smtp-sink -j 300 held" -q run -j 300 --repeat 300 -t "127.0.0.1:$PORT" "$WORK/hold.yaml"
[ $fails = 0 ] || { echo "tsan: $fails run(s) failed"; exit 1; }
echo "tsan: no report"
