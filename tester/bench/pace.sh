#!/bin/sh
# pace.sh: issue 17's paced replay (a benchmark, not a test), called by
# tester/bench/run.sh for `make bench`.
#
# Makes a synthetic capture (tester/tests/pcapgen.py pace: 5 SMTP sessions
# starting 2 s apart, greeting, HELO, QUIT with 50 ms think times) and
# replays it against Postfix's smtp-sink with `mailspec replay --pace 1`
# and `--pace 4`.  Prints each replay's wall time beside the capture's
# duration divided by F (target: within 10 %, met / not met, never
# enforced) and the schedule error line that `replay --pace` prints on
# stderr (a line with "replay: --pace").  A mailspec without
# `replay --pace` is said so and skipped.
#
# Environment: MAILSPEC (default ./mailspec), BENCH_PACE_SESSIONS
# (default 5), BENCH_PACE_GAP (default 2, whole seconds).  Exits non-zero only when it
# could not set up, or a replay failed.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tester/tests/servers/common.sh"
MAILSPEC=${MAILSPEC:-$ROOT/mailspec}
SESSIONS=${BENCH_PACE_SESSIONS:-5}
GAP=${BENCH_PACE_GAP:-2}

[ -x "$MAILSPEC" ] || { echo "pace: $MAILSPEC not found (make)" >&2; exit 2; }
echo "paced replay of a synthetic capture: $SESSIONS sessions $GAP s apart (greeting, HELO, QUIT), against smtp-sink"
if ! "$MAILSPEC" help replay 2>&1 | grep -q -- '--pace'; then
  echo "skipped: no replay --pace"
  exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailspec-pace.XXXXXX")
cleanup() {
  sh "$ROOT/tester/tests/servers/smtp-sink.sh" stop "$WORK/sink" 2> /dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT=
for p in $(seq 21800 21849); do
  if srv_port_free "$p"; then PORT=$p; break; fi
done
[ -n "$PORT" ] || { echo "pace: no free port in 21800-21849" >&2; exit 2; }
sh "$ROOT/tester/tests/servers/smtp-sink.sh" start "$WORK/sink" "$PORT"

DUR=$("$SRV_PY" "$ROOT/tester/tests/pcapgen.py" pace "$WORK/pace.pcap" --sessions "$SESSIONS" --gap "$GAP")
echo "capture: $DUR s from the first packet to the last"
now() { date +%s.%N; }
for f in 1 4; do
  t0=$(now)
  st=0
  "$MAILSPEC" -q --color=never replay --pace "$f" -t "127.0.0.1:$PORT" "$WORK/pace.pcap" \
    > "$WORK/out-$f" 2> "$WORK/err-$f" < /dev/null || st=$?
  t1=$(now)
  WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  WANT=$(awk -v d="$DUR" -v f="$f" 'BEGIN { printf "%.3f", d / f }')
  met=$(awk -v w="$WALL" -v x="$WANT" 'BEGIN { d = w - x; if (d < 0) d = -d; print (d <= 0.1 * x ? "met" : "not met") }')
  printf '  --pace %s: exit %s, wall %s s for %s s of capture / %s = %s s (x%s; target within 10 %%: %s)\n' \
    "$f" "$st" "$WALL" "$DUR" "$f" "$WANT" \
    "$(awk -v w="$WALL" -v x="$WANT" 'BEGIN { printf "%.2f", (x > 0 ? w / x : 0) }')" "$met"
  line=$(grep -m 1 -- 'replay: --pace' "$WORK/err-$f" || true)
  echo "    schedule: ${line:-(no line with \"replay: --pace\" on stderr)}"
  if [ $st != 0 ]; then
    echo "pace: replay --pace $f failed (exit $st):" >&2
    tail -n 5 "$WORK/out-$f" "$WORK/err-$f" >&2
    exit 1
  fi
done
