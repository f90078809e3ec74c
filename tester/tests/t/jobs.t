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

# ---- -j bounded by the open-file limit only (issue 17) -------------------
# -j 10000 is accepted: the engine runs min(N, sessions) at once, and the
# open-file check counts that many.
ms --color=never run -j 10000 -t "$TARGET" "$WORK/plan/t04.yaml" "$WORK/plan/t05.yaml"
exit_is 0 "-j 10000 with two transcripts: accepted, exit 0"
is "$(tail -n 1 "$OUT")" "2 passed, 0 failed, 0 skipped" "... both passed"

# jobs_sh ULIMITS ARGS...: mailspec after the sh commands ULIMITS.
jobs_sh() {
  _lim=$1
  shift
  RC=0
  sh -c "$_lim && exec timeout -k 5 120 \"\$@\"" sh "$MAILSPEC" "$@" \
    > "$OUT" 2> "$ERR" < /dev/null || RC=$?
}

# Soft and hard limit 40: 500 sessions at once cannot fit; the refusal
# comes before the run (exit 2, nothing sent) and says how many fit: 40
# less the 24 kept in reserve, 1 descriptor each.
jobs_sh "ulimit -Sn 40 && ulimit -Hn 40" --color=never run -j 500 --repeat 500 -t "$TARGET" "$WORK/plan/t04.yaml"
exit_is 2 "ulimit -n 40, -j 500 --repeat 500: refused, exit 2"
like "@$ERR" '^mailspec run: -j 500: the open-file limit \(40, hard limit 40\) holds 16 sessions at once \(1 descriptor each for the server connection, plus 24 kept in reserve\); raise it with ulimit -n' \
  "... and says how many sessions the limit holds, and why"
is "$(wc -l < "$OUT")" 0 "... before running anything (no report)"

# The check counts min(N, sessions): -j 500 of 10 sessions fits in 40.
jobs_sh "ulimit -Sn 40 && ulimit -Hn 40" --color=never run -j 500 --repeat 10 -t "$TARGET" "$WORK/plan/t04.yaml"
exit_is 0 "ulimit -n 40, -j 500 --repeat 10: 10 at once fit, exit 0"

# One at a time is never refused (no smaller -j to suggest): 1 + 24
# does not fit in 20, and the run still goes ahead.
jobs_sh "ulimit -Sn 20 && ulimit -Hn 20" --color=never run -j 1 -t "$TARGET" "$WORK/plan/t04.yaml"
exit_is 0 "ulimit -n 20, -j 1: not refused, exit 0"

# --pop3: 2 descriptors a session (said so).
jobs_sh "ulimit -Sn 40 && ulimit -Hn 40" --color=never run -j 20 --repeat 20 --pop3 pop3://127.0.0.1:1 -t "$TARGET" "$WORK/plan/t04.yaml"
exit_is 2 "ulimit -n 40, --pop3, -j 20: refused, exit 2"
like "@$ERR" 'holds 8 sessions at once \(2 descriptors each for the server connection and the --pop3 mailbox, plus 24' \
  "... 8 fit, 2 descriptors each with --pop3"

# Only the soft limit low: mailspec raises it to the hard limit itself,
# and all 100 sessions run (1 + 24 would not fit in 40: a refusal,
# exit 2, if it had not).
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 200 ]; then
  jobs_sh "ulimit -Sn 40" --color=never run -q -j 100 --repeat 100 -t "$TARGET" "$WORK/plan/t04.yaml"
  exit_is 0 "ulimit -Sn 40 (hard $(ulimit -Hn)), -j 100 --repeat 100: the soft limit is raised, exit 0"
  is "$(tail -n 1 "$OUT")" "100 passed, 0 failed, 0 skipped" "... all 100 passed"
else
  skip "ulimit -Sn 40, -j 100: the soft limit is raised" "the hard limit $(ulimit -Hn) is below 200"
  skip "... all 100 passed" "the hard limit is below 200"
fi

