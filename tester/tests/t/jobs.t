#!/bin/sh
# jobs.t: -j N runs transcripts at once, and the report order stays the
# plan's (sorted paths), whatever order they finish in.  smtp-sink is told
# to wait 1 s before answering NOOP (-W NOOP:1), so the first transcripts
# (which send NOOP) finish last under -j 4.  Some transcripts fail, each
# with a different diff, so a reordering shows up in the text.
. "$(dirname "$0")/../lib.sh"

require_server smtp-sink -W NOOP:1

mkdir -p "$WORK/plan"
i=1
while [ $i -le 12 ]; do
  f=$(printf '%s/plan/t%02d.yaml' "$WORK" $i)
  if [ $i -le 3 ]; then slow="  S: NOOP
  R: 250"; else slow=; fi
  # every third transcript expects a wrong code for its RCPT (a FAIL)
  if [ $((i % 3)) = 0 ]; then rcpt_code=55$((i % 10)); else rcpt_code=250; fi
  cat > "$f" <<EOF
title: transcript $i
protocol: smtp
script: |
  R: 220
  S: HELO client$i.example
  R: 250
$slow
  S: MAIL FROM:<sender$i@example.org>
  R: 250
  S: RCPT TO:<rcpt$i@example.net>
  R: $rcpt_code
  S: QUIT
  R: 221
EOF
  i=$((i + 1))
done

# Timings differ between runs: blank out durations before comparing.
normalize() {
  sed -E 's/([a-z_]*(duration|elapsed|time)[a-z_]*)("?[:=] *"?)[0-9.]+/\1\3<T>/g
    s/[0-9]+(\.[0-9]+)? ?(ms|s|sec|seconds)\b/<T>/g
    s/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.]+Z?/<DATE>/g' "$1"
}

ms --color=never run -j 1 -t "$TARGET" "$WORK/plan"
exit_is 1 "-j 1: four transcripts fail, exit 1"
is "$(tail -n 1 "$OUT")" "8 passed, 4 failed, 0 skipped" "-j 1: summary 8 passed, 4 failed, 0 skipped"
normalize "$OUT" > "$WORK/j1.txt"
ms --color=never run -j 1 -t "$TARGET" -r "tap:$WORK/j1.tap" "$WORK/plan"

ms --color=never run -j 4 -t "$TARGET" "$WORK/plan"
exit_is 1 "-j 4: exit 1"
normalize "$OUT" > "$WORK/j4.txt"
ms --color=never run -j 4 -t "$TARGET" -r "tap:$WORK/j4.tap" "$WORK/plan"

if cmp -s "$WORK/j1.txt" "$WORK/j4.txt"; then
  pass "-j 4 gives the same text report as -j 1 (durations aside)"
else
  fail "-j 4 gives the same text report as -j 1 (durations aside)"
  diff -u "$WORK/j1.txt" "$WORK/j4.txt" | head -60 | sed 's/^/#   /'
fi

# The order is the plan's: t01 ... t12, in the text and in the TAP report.
order() { grep -oE 't[0-9]{2}(\.yaml)?' "$1" | sed 's/\.yaml//' | awk '!seen[$0]++' | tr '\n' ' '; }
WANT="t01 t02 t03 t04 t05 t06 t07 t08 t09 t10 t11 t12 "
if [ -s "$WORK/j4.tap" ]; then
  is "$(order "$WORK/j4.tap")" "$WANT" "-j 4 TAP report lists t01..t12 in order"
  normalize "$WORK/j1.tap" > "$WORK/j1.tapn"
  normalize "$WORK/j4.tap" > "$WORK/j4.tapn"
  ok "-j 4 TAP report equals -j 1's (durations aside)" cmp -s "$WORK/j1.tapn" "$WORK/j4.tapn"
else
  fail "-r tap:FILE wrote the TAP report"
fi

# -j 16 with more jobs than transcripts is fine too.
ms --color=never run -j 16 -t "$TARGET" "$WORK/plan"
exit_is 1 "-j 16 (more jobs than transcripts): exit 1"
normalize "$OUT" > "$WORK/j16.txt"
ok "-j 16 gives the same text report as -j 1" cmp -s "$WORK/j1.txt" "$WORK/j16.txt"
