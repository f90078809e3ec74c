#!/bin/sh
# run.sh: `make bench` (issue 2's benchmark; a benchmark, not a test).
#
# Replays tester/bench/session.yaml (greeting, HELO, MAIL, RCPT, DATA with a
# short body, QUIT: 7 replies) N times against Postfix's smtp-sink at -j 1
# and -j 16, and, in the same run against the same sink, has Postfix's
# smtp-source do the same work (-s 1 / -s 16 sessions, -m N messages, one
# message per connection).  Prints sessions/s for both and the ratio, then
# mailspec's peak RSS for 1,000 and 10,000 sessions (target: flat, < 16 MB).
#
# Environment: BENCH_N (default 10000) sessions per measurement;
# MAILSPEC (default ./mailspec).  Exits non-zero only when a run did not do
# its work (a session failed); speed targets are reported, never enforced.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tester/tests/servers/common.sh"
MAILSPEC=${MAILSPEC:-$ROOT/mailspec}
N=${BENCH_N:-10000}
SOURCE=/usr/sbin/smtp-source
TIME=/usr/bin/time
SESSION=$HERE/session.yaml

for f in "$MAILSPEC" "$SOURCE" "$TIME"; do
  [ -x "$f" ] || { echo "bench: $f not found (make; make deps)" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailspec-bench.XXXXXX")
SINK_DIR=$WORK/sink
cleanup() {
  sh "$ROOT/tester/tests/servers/smtp-sink.sh" stop "$SINK_DIR" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free port of 21000-21999 for the sink.
PORT=
for p in $(seq 21900 21999); do
  if srv_port_free "$p"; then PORT=$p; break; fi
done
[ -n "$PORT" ] || { echo "bench: no free port in 21900-21999" >&2; exit 2; }
sh "$ROOT/tester/tests/servers/smtp-sink.sh" start "$SINK_DIR" "$PORT"
TARGET=127.0.0.1:$PORT

# mailspec runs a transcript N times as N entries of a directory (symlinks
# to one file), unless it has a --repeat option.
REPEAT=no
"$MAILSPEC" help run 2>&1 | grep -q -- '--repeat' && REPEAT=yes
plan_for() { # COUNT -> prints the PATH arguments for COUNT sessions
  if [ $REPEAT = yes ]; then
    echo "--repeat $1 $SESSION"
    return
  fi
  d=$WORK/plan-$1
  if [ ! -d "$d" ]; then
    mkdir -p "$d"
    (cd "$d" && seq -f 's%06g.yaml' 1 "$1" | xargs -n 1000 sh -c \
      'for f; do ln -s "$0" "$f"; done' "$SESSION")
  fi
  echo "$d"
}

now() { date +%s.%N; }

# measure LABEL CMD...: runs CMD under /usr/bin/time -v; sets WALL (s),
# RSS (kB) and OUTF (its stdout+stderr).
measure() {
  label=$1
  shift
  OUTF=$WORK/$label.out
  t0=$(now)
  st=0
  "$TIME" -v -o "$WORK/$label.time" "$@" > "$OUTF" 2>&1 || st=$?
  t1=$(now)
  WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/$label.time")
  if [ $st != 0 ]; then
    echo "bench: $label failed (exit $st):" >&2
    tail -n 20 "$OUTF" >&2
    exit 1
  fi
}

rate() { awk -v n="$1" -v w="$2" 'BEGIN { printf "%.0f", (w > 0 ? n / w : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }

# check_ms: mailspec's summary must say all N passed.
check_ms() {
  last=$(tail -n 1 "$OUTF")
  case "$last" in
  "$1 passed, 0 failed, 0 skipped") ;;
  *) echo "bench: mailspec did not pass all $1 sessions: $last" >&2; exit 1 ;;
  esac
}

echo "mailspec $("$MAILSPEC" --version | sed 's/^mailspec //') vs Postfix smtp-source: $N sessions of a 7-reply session against smtp-sink on $TARGET"
echo "(one message per connection; mailspec runs $([ $REPEAT = yes ] && echo "--repeat $N" || echo "a directory of $N transcripts"))"
plan_for "$N" > /dev/null
printf '\n%-22s %12s %10s %12s\n' "" "sessions/s" "wall s" "peak RSS"

for j in 1 16; do
  # shellcheck disable=SC2046
  measure "mailspec-j$j" "$MAILSPEC" -q --color=never run -j "$j" -t "$TARGET" $(plan_for "$N")
  check_ms "$N"
  MS_WALL=$WALL MS_RSS=$RSS
  [ $j = 1 ] && RSS_BIG=$RSS
  measure "source-s$j" "$SOURCE" -s "$j" -m "$N" -l 16 -S bench -M client.example \
    -f sender@example.org -t rcpt@example.net "$TARGET"
  SRC_WALL=$WALL
  MS_RATE=$(rate "$N" "$MS_WALL")
  SRC_RATE=$(rate "$N" "$SRC_WALL")
  printf '%-22s %12s %10s %12s\n' "mailspec -j $j" "$MS_RATE" "$MS_WALL" "$(mb "$MS_RSS")"
  printf '%-22s %12s %10s %12s\n' "smtp-source -s $j" "$SRC_RATE" "$SRC_WALL" "-"
  R=$(ratio "$MS_RATE" "$SRC_RATE")
  verdict=$(awk -v r="$R" 'BEGIN { print (r >= 1 ? "target met" : "below target") }')
  printf '%-22s %12s   (mailspec / smtp-source; target >= 1: %s)\n\n' "ratio" "$R" "$verdict"
done

# Peak RSS must not grow with the number of sessions.
SMALL=1000
[ "$N" -gt "$SMALL" ] || SMALL=$((N / 10 > 0 ? N / 10 : 1))
# shellcheck disable=SC2046
measure "mailspec-rss" "$MAILSPEC" -q --color=never run -j 1 -t "$TARGET" $(plan_for "$SMALL")
check_ms "$SMALL"
RSS_SMALL=$RSS
growth=$(ratio "$RSS_BIG" "$RSS_SMALL")
flat=$(awk -v a="$RSS_SMALL" -v b="$RSS_BIG" 'BEGIN { print (b <= 16 * 1024 && b <= a * 1.25 + 1024 ? "flat, under 16 MB: target met" : "target missed (flat, under 16 MB)") }')
echo "mailspec peak RSS: $(mb "$RSS_SMALL") for $SMALL sessions, $(mb "$RSS_BIG") for $N sessions (x$growth): $flat"

# Issue 6's benchmark: importing a >= 300 MB capture, beside tcpflow and
# tshark (tester/bench/import.sh; BENCH_IMPORT=no skips it).
if [ "${BENCH_IMPORT:-yes}" != no ] && [ -f "$HERE/import.sh" ]; then
  echo
  sh "$HERE/import.sh"
fi
