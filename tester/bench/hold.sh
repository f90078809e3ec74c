#!/bin/sh
# hold.sh: issue 17's "5,000 sessions held open at once" (a benchmark,
# not a test), called by tester/bench/run.sh for `make bench`.
#
# Runs tester/bench/hold.yaml (greeting, a 2 s pause, QUIT) with
# --repeat N -j N against Postfix's smtp-sink, started here with -m so
# that it serves N connections at once (its default is 256) and a listen
# backlog of 4096, under an open-file limit raised for both.  Prints the
# exit status, the wall time, mailspec's peak RSS and how many
# connections were open at once at most (sampled with ss every 0.2 s),
# and the targets: exit 0, under 20 s, peak RSS under 64 MB (met / not
# met, never enforced).  A mailspec that refuses -j N (before issue 17)
# is said so and skipped.
#
# Environment: BENCH_HOLD_N (default 5000); MAILSPEC (default ./mailspec).
# Exits non-zero only when it could not set up (no smtp-sink, no port).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tester/tests/servers/common.sh"
MAILSPEC=${MAILSPEC:-$ROOT/mailspec}
N=${BENCH_HOLD_N:-5000}
SINK=/usr/sbin/smtp-sink
TIME=/usr/bin/time
SESSION=$HERE/hold.yaml

for f in "$MAILSPEC" "$SINK" "$TIME"; do
  [ -x "$f" ] || { echo "hold: $f not found (make; make deps)" >&2; exit 2; }
done

echo "$N sessions held open at once (greeting, 2 s pause, QUIT: tester/bench/hold.yaml), mailspec run --repeat $N -j $N against smtp-sink -m $((N + 100))"

# N sessions of mailspec and N connections of smtp-sink, each with its
# reserve: raise the soft open-file limit (inherited by both; ulimit's
# -S and -H are not POSIX, but dash and bash, Debian's sh, have them).
WANT=$((2 * N + 200))
HARD=$(ulimit -Hn)
if [ "$HARD" != unlimited ] && [ "$HARD" -lt "$WANT" ]; then
  echo "skipped: the hard open-file limit ($HARD) is below $WANT (raise it: ulimit -Hn as root)"
  exit 0
fi
[ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$WANT" ] && ulimit -Sn "$WANT"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailspec-hold.XXXXXX")
cleanup() {
  [ -f "$WORK/sink.pid" ] && srv_killwait "$WORK/sink.pid" 2> /dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=
for p in $(seq 21850 21899); do
  if srv_port_free "$p"; then PORT=$p; break; fi
done
[ -n "$PORT" ] || { echo "hold: no free port in 21850-21899" >&2; exit 2; }
USER_OPT=
[ "$(id -u)" = 0 ] && USER_OPT="-u nobody" # as root smtp-sink insists on -u
# shellcheck disable=SC2086
"$SINK" $USER_OPT -m $((N + 100)) -h sink.example.test "127.0.0.1:$PORT" 4096 \
  > "$WORK/sink.log" 2>&1 &
echo $! > "$WORK/sink.pid"
if ! srv_wait_banner 127.0.0.1 "$PORT" "220 " 10 "$(cat "$WORK/sink.pid")"; then
  echo "hold: smtp-sink did not start:" >&2
  sed 's/^/  log: /' "$WORK/sink.log" >&2
  exit 2
fi

# Refused before it starts (a mailspec with -j up to 256): say so.
if "$MAILSPEC" help run 2>&1 | grep -q -- '--repeat' &&
  ! "$MAILSPEC" run -j "$N" --help > /dev/null 2> "$WORK/probe.err"; then
  echo "skipped: this mailspec refuses -j $N ($(head -n 1 "$WORK/probe.err"))"
  exit 0
fi

# The peak of established connections on the sink's port, sampled.
echo 0 > "$WORK/peak"
command -v ss > /dev/null 2>&1 || echo "?" > "$WORK/peak" # no iproute2
(
  peak=0
  while [ ! -f "$WORK/done" ] && command -v ss > /dev/null 2>&1; do
    n=$(ss -Htn state established "( sport = :$PORT )" 2> /dev/null | wc -l)
    if [ "$n" -gt "$peak" ]; then
      peak=$n
      echo "$peak" > "$WORK/peak"
    fi
    sleep 0.2
  done
) &
SAMPLER=$!

st=0
"$TIME" -f '%e %M' -o "$WORK/time" timeout -k 5 300 "$MAILSPEC" -q --color=never \
  run -j "$N" --repeat "$N" -t "127.0.0.1:$PORT" "$SESSION" \
  > "$WORK/out" 2> "$WORK/err" < /dev/null || st=$?
touch "$WORK/done"
wait "$SAMPLER" || true

if [ $st = 2 ] && grep -q -- '-j' "$WORK/err"; then
  echo "skipped: this mailspec refuses -j $N: $(head -n 1 "$WORK/err")"
  exit 0
fi
WALL=$(awk '{ print $1 }' "$WORK/time" | tail -n 1)
RSS=$(awk '{ print $2 }' "$WORK/time" | tail -n 1)
PEAK=$(cat "$WORK/peak")
SUMMARY=$(tail -n 1 "$WORK/out")
printf '  exit %s, wall %s s, peak RSS %s, at most %s connections open at once (ss)\n' \
  "$st" "$WALL" "$(awk -v k="${RSS:-0}" 'BEGIN { printf "%.1f MB", k / 1024 }')" "$PEAK"
echo "  summary: ${SUMMARY:-none}"
[ $st = 0 ] || sed -n '1,3s/^/  stderr: /p' "$WORK/err"
met() { if [ "$1" = 1 ]; then echo met; else echo "not met"; fi; }
printf '  targets: exit 0: %s; wall under 20 s: %s; peak RSS under 64 MB: %s\n' \
  "$(met "$([ $st = 0 ] && echo 1)")" \
  "$(met "$(awk -v w="${WALL:-999}" 'BEGIN { print (w < 20) }')")" \
  "$(met "$(awk -v k="${RSS:-999999}" 'BEGIN { print (k < 64 * 1024) }')")"
if [ "$PEAK" != "?" ] && [ "$PEAK" -lt $((N * 9 / 10)) ]; then
  echo "  (at most $PEAK of the $N connections were open at once: this engine did not hold them together)"
fi
exit 0
