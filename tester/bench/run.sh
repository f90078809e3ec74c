#!/bin/sh
# run.sh: `make bench` (issue 2's benchmark; a benchmark, not a test).
#
# Replays tester/bench/session.yaml (greeting, HELO, MAIL, RCPT, DATA with a
# short body, QUIT: 7 replies) N times against Postfix's smtp-sink at -j 1
# and -j 16, and, in the same run against the same sink, has Postfix's
# smtp-source do the same work (-s 1 / -s 16 sessions, -m N messages, one
# message per connection).  Each measurement is PAIRS paired runs (mailspec
# then smtp-source, back to back).  Prints sessions/s for both and the
# ratio (the pair of median wall time), then (issue 17) the CPU time
# (user+system) per session of both and their ratio, the median of the
# pairs' ratios (target: at most 0.5 at -j 16, below 1 at -j 1), then
# mailspec's peak RSS for 1,000 and 10,000 sessions (target: flat,
# < 16 MB).  Then hold.sh (5,000 sessions held open at once), pace.sh (a
# paced replay) and import.sh (issue 6).
#
# Environment: BENCH_N (default 10000) sessions per measurement;
# BENCH_PAIRS (default 3) paired runs per measurement; MAILSPEC (default
# ./mailspec); BENCH_HOLD=no, BENCH_PACE=no, BENCH_IMPORT=no skip those
# parts.  Exits non-zero only when a run did not do its work (a session
# failed); speed targets are reported, never enforced.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tester/tests/servers/common.sh"
MAILSPEC=${MAILSPEC:-$ROOT/mailspec}
N=${BENCH_N:-10000}
PAIRS=${BENCH_PAIRS:-3}
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
# RSS (kB), CPU (user+system s) and OUTF (its stdout+stderr).
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
  CPU=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ { s += $2 }
    END { printf "%.3f", s }' "$WORK/$label.time")
  if [ $st != 0 ]; then
    echo "bench: $label failed (exit $st):" >&2
    tail -n 20 "$OUTF" >&2
    exit 1
  fi
}

rate() { awk -v n="$1" -v w="$2" 'BEGIN { printf "%.0f", (w > 0 ? n / w : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
# median of the numbers on standard input (the middle one, or the mean
# of the two middle ones)
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
us_per() { awk -v c="$1" -v n="$2" 'BEGIN { printf "%.0f", (n > 0 ? c * 1e6 / n : 0) }'; }

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

# pair J I: mailspec -j J then smtp-source -s J, back to back; appends
# "wall cpu" of each to $WORK/{ms,src}-jJ.runs.
pair() {
  # shellcheck disable=SC2046
  measure "mailspec-j$1-$2" "$MAILSPEC" -q --color=never run -j "$1" -t "$TARGET" $(plan_for "$N")
  check_ms "$N"
  echo "$WALL $CPU $RSS" >> "$WORK/ms-j$1.runs"
  measure "source-s$1-$2" "$SOURCE" -s "$1" -m "$N" -l 16 -S bench -M client.example \
    -f sender@example.org -t rcpt@example.net "$TARGET"
  echo "$WALL $CPU" >> "$WORK/src-j$1.runs"
}

for j in 1 16; do
  i=1
  while [ $i -le "$PAIRS" ]; do
    pair $j $i
    i=$((i + 1))
  done
  MS_WALL=$(cut -d' ' -f1 "$WORK/ms-j$j.runs" | median)
  MS_RSS=$(cut -d' ' -f3 "$WORK/ms-j$j.runs" | sort -n | tail -n 1)
  [ $j = 1 ] && RSS_BIG=$MS_RSS
  SRC_WALL=$(cut -d' ' -f1 "$WORK/src-j$j.runs" | median)
  MS_RATE=$(rate "$N" "$MS_WALL")
  SRC_RATE=$(rate "$N" "$SRC_WALL")
  printf '%-22s %12s %10s %12s\n' "mailspec -j $j" "$MS_RATE" "$MS_WALL" "$(mb "$MS_RSS")"
  printf '%-22s %12s %10s %12s\n' "smtp-source -s $j" "$SRC_RATE" "$SRC_WALL" "-"
  R=$(ratio "$MS_RATE" "$SRC_RATE")
  verdict=$(awk -v r="$R" 'BEGIN { print (r >= 1 ? "target met" : "below target") }')
  printf '%-22s %12s   (mailspec / smtp-source; target >= 1: %s)\n\n' "ratio" "$R" "$verdict"
done
[ "$PAIRS" -gt 1 ] && echo "(each line: the median wall time of $PAIRS paired runs; peak RSS: the highest)"

# CPU (user+system) per session, issue 17: the median of the pairs'
# ratios (each pair ran back to back, so a busy machine weighs on both).
echo
echo "CPU per session (user+system), median of $PAIRS paired runs (mailspec, then smtp-source):"
printf '%-22s %12s %14s %8s\n' "" "mailspec" "smtp-source" "ratio"
for j in 16 1; do
  paste -d' ' "$WORK/ms-j$j.runs" "$WORK/src-j$j.runs" |
    awk '{ printf "%.4f\n", ($5 > 0 ? $2 / $5 : 0) }' > "$WORK/ratio-j$j"
  R=$(median < "$WORK/ratio-j$j")
  MS_US=$(us_per "$(cut -d' ' -f2 "$WORK/ms-j$j.runs" | median)" "$N")
  SRC_US=$(us_per "$(cut -d' ' -f2 "$WORK/src-j$j.runs" | median)" "$N")
  if [ $j = 16 ]; then
    target="target <= 0.5"
    met=$(awk -v r="$R" 'BEGIN { print (r <= 0.5 ? "met" : "not met") }')
  else
    target="target < 1"
    met=$(awk -v r="$R" 'BEGIN { print (r < 1 ? "met" : "not met") }')
  fi
  printf '%-22s %9s us %11s us %8.2f   (%s: %s; pairs: %s)\n' \
    "-j $j / -s $j" "$MS_US" "$SRC_US" "$R" "$target" "$met" \
    "$(awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }' "$WORK/ratio-j$j")"
done
echo

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

# Issue 17: 5,000 sessions held open at once, and a paced replay.
if [ "${BENCH_HOLD:-yes}" != no ]; then
  echo
  MAILSPEC=$MAILSPEC sh "$HERE/hold.sh"
fi
if [ "${BENCH_PACE:-yes}" != no ]; then
  echo
  MAILSPEC=$MAILSPEC sh "$HERE/pace.sh"
fi

# Issue 6's benchmark: importing a >= 300 MB capture, beside tcpflow and
# tshark (tester/bench/import.sh; BENCH_IMPORT=no skips it).
if [ "${BENCH_IMPORT:-yes}" != no ] && [ -f "$HERE/import.sh" ]; then
  echo
  sh "$HERE/import.sh"
fi
