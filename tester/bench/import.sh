#!/bin/sh
# import.sh: issue 6's benchmark (a benchmark, not a test), called by
# tester/bench/run.sh for `make bench`.
#
# On one synthetic SMTP capture of at least 300 MB (10,000 sessions of
# about 35 KB of mail data, 8 open at a time, made by
# tester/tests/pcapgen.py and kept in build/bench/ for the next run), in
# one run and with the page cache warm:
#   - mailspec import          (every session to a transcript)
#   - tcpflow -r               (every flow to a file)
#   - tshark -z follow,tcp     (one stream: tshark still reads the file)
# Prints seconds (median of RUNS), MB/s and peak RSS for each, the
# ratios, and the targets of issue 6: at least as fast as tcpflow, more
# than 10x tshark, peak memory under 64 MB.  Outputs go to /dev/shm when
# it is writable (the same place for every tool), else $TMPDIR.
#
# Environment: MAILSPEC (default build/mailspec, the plain build), RUNS
# (default 3), BENCH_MB (default 320), BENCH_PCAP (a capture to use
# instead).  Exits non-zero only when a tool failed to do its work.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MAILSPEC=${MAILSPEC:-$ROOT/build/mailspec}
[ -x "$MAILSPEC" ] || MAILSPEC=$ROOT/mailspec
RUNS=${RUNS:-3}
MB=${BENCH_MB:-320}
TIME=/usr/bin/time
PY=/usr/bin/python3

[ -x "$MAILSPEC" ] || { echo "import.sh: $MAILSPEC not built (make)" >&2; exit 2; }
[ -x "$TIME" ] || { echo "import.sh: $TIME missing (apt-get install time)" >&2; exit 2; }

# tcpflow is only needed here: install it like tester/deps.sh would.
if ! command -v tcpflow > /dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "import.sh: installing tcpflow (apt-get install tcpflow)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tcpflow > /dev/null 2>&1 || true
  fi
  command -v tcpflow > /dev/null 2>&1 ||
    echo "import.sh: tcpflow missing: run apt-get install tcpflow (its column is skipped)" >&2
fi

PCAP=${BENCH_PCAP:-$ROOT/build/bench/import-bench-${MB}mb.pcap}
if [ ! -s "$PCAP" ]; then
  mkdir -p "$(dirname "$PCAP")"
  echo "import.sh: generating $PCAP (>= $MB MB, 10,000 SMTP sessions)"
  "$PY" "$ROOT/tester/tests/pcapgen.py" bench "$PCAP.tmp" --mb "$MB" \
    --sessions 10000 --interleave 8
  mv "$PCAP.tmp" "$PCAP"
fi
BYTES=$(wc -c < "$PCAP")

BASE=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && BASE=/dev/shm
WORK=$(mktemp -d "$BASE/mailspec-import-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

cat "$PCAP" > /dev/null # warm the page cache

# measure NAME CMD...: run CMD RUNS times in a fresh $WORK/out; records
# the median wall time and the largest peak RSS in $WORK/NAME.result.
measure() {
  _name=$1
  shift
  _i=0
  : > "$WORK/$_name.times"
  while [ $_i -lt "$RUNS" ]; do
    _i=$((_i + 1))
    rm -rf "$WORK/out"
    mkdir -p "$WORK/out"
    if ! "$TIME" -o "$WORK/t" -f '%e %M %U %S' "$@" > "$WORK/$_name.log" 2>&1; then
      echo "import.sh: $_name failed:" >&2
      tail -n 5 "$WORK/$_name.log" >&2
      return 1
    fi
    tail -n 1 "$WORK/t" >> "$WORK/$_name.times"
    [ "$_name" = tshark ] && break # one run: it takes long
  done
  sort -n "$WORK/$_name.times" | awk '{ t[NR] = $1; c[NR] = $3 + $4
    if ($2 > m) m = $2 }
    END { k = int((NR + 1) / 2); print t[k], m, c[k] }' > "$WORK/$_name.result"
  rm -rf "$WORK/out"
}

measure mailspec "$MAILSPEC" import -q -o "$WORK/out" "$PCAP"
rm -rf "$WORK/out" && mkdir -p "$WORK/out"
"$MAILSPEC" import -q -o "$WORK/out" "$PCAP" > /dev/null 2>&1
NT=$(find "$WORK/out" -name '*.yaml' | wc -l | tr -d ' ')
[ "$NT" -ge 10000 ] || { echo "import.sh: only $NT transcripts" >&2; exit 1; }
if command -v tcpflow > /dev/null 2>&1; then
  measure tcpflow tcpflow -r "$PCAP" -o "$WORK/out"
fi
measure tshark tshark -r "$PCAP" -q -z follow,tcp,yaml,0

awk -v bytes="$BYTES" -v runs="$RUNS" -v nt="$NT" \
  -v ms="$(cat "$WORK/mailspec.result")" \
  -v tf="$(cat "$WORK/tcpflow.result" 2>/dev/null || echo "")" \
  -v ts="$(cat "$WORK/tshark.result")" '
function row(name, r,   a, s, mbs) {
  if (r == "") { printf "  %-26s %s\n", name, "(not installed)"; return 0 }
  split(r, a, " ")
  s = a[1] + 0
  if (s < 0.001) s = 0.001
  mbs = bytes / 1e6 / s
  printf "  %-26s %8.2f s  %8.1f MB/s  peak RSS %7.1f MB  (CPU %.2f s)\n", name, s, mbs, a[2] / 1024, a[3]
  return s
}
BEGIN {
  printf "import benchmark: %.1f MB capture, %d transcripts, median of %d runs\n", bytes / 1e6, nt, runs
  m = row("mailspec import", ms)
  f = row("tcpflow -r", tf)
  t = row("tshark follow (1 run)", ts)
  split(ms, a, " ")
  rss = a[2] / 1024
  if (f > 0) printf "  mailspec vs tcpflow: %.2fx as fast (target >= 1: %s)\n", f / m, (f / m >= 1 ? "met" : "NOT met")
  printf "  mailspec vs tshark:  %.1fx as fast (target > 10: %s)\n", t / m, (t / m > 10 ? "met" : "NOT met")
  printf "  mailspec peak RSS:   %.1f MB (target < 64 MB: %s)\n", rss, (rss < 64 ? "met" : "NOT met")
}'
echo "  (wall-clock times on a shared machine vary; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
