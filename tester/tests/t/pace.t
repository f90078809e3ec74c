#!/bin/sh
# pace.t: replay --pace F (issue 17).  A capture of two SMTP sessions
# (pacegen.py, on pcapgen.py's helpers): A starts at 0 s, greets, EHLO
# after 40 ms, and QUITs 1.94 s after the EHLO reply; B starts 1.5 s in,
# while A is still open, and is done by 1.62 s.
#  1. import keeps the timing: at: (the start, seconds into the capture)
#     and think: (the client's wait before each batch), milliseconds.
#  2. the loader refuses bad timing values at file:line:col.
#  3. --pace takes a number greater than 0, else exit 2.
#  4. replay --pace 1 against the reference server takes at least the
#     capture's paced duration (1.94 s of A's think time; a LOWER bound
#     only), --pace 3 at least a third of it; the sessions overlap as
#     captured (the server reads B's EHLO before A's QUIT), which the
#     unpaced replay (one session after the other) does not do; the
#     schedule error is printed.
. "$(dirname "$0")/../lib.sh"

# ==== 1. the capture and its import ============================================

CAP=$WORK/two.pcap
"$PY" "$TESTS/pacegen.py" "$CAP"
ok "the two-session capture is written" test -s "$CAP"

ms import -q -o "$WORK/imp" "$CAP"
exit_is 0 "import of the two sessions"
A=$WORK/imp/two-0000.yaml
B=$WORK/imp/two-0001.yaml
like "@$A" '^at: 0\.000$' "A starts at the capture's start (at: 0.000)"
like "@$B" '^at: 1\.500$' "B starts 1.5 s into the capture (at: 1.500)"
like "@$A" '^think: \[0\.040, 1\.940\]$' "A's think times: 40 ms before EHLO, 1.94 s before QUIT"
like "@$B" '^think: \[0\.040, 0\.040\]$' "B's think times"
ms lint "$A" "$B"
exit_is 0 "the timed transcripts load (lint)"

# ==== 2. the loader refuses bad timing ==========================================

bad() { # bad NAME AT THINK: a transcript with these timing lines
  cat > "$WORK/$1.yaml" <<EOF
title: bad timing
$2
$3
script: |
  S: 220 hi
  C: EHLO x
  S: 250 ok
  C: QUIT
  S: 221 bye
EOF
}
bad neg-at 'at: -1' 'think: [0.5]'
ms lint "$WORK/neg-at.yaml"
exit_is 2 "at: -1: invalid"
like "@$ERR" 'neg-at\.yaml:2:5: at: must be a number of seconds, 0 or more .*negative' \
  "... at file:line:col, saying a time cannot be negative"
bad nan-think 'at: 0' 'think: [0.5, soon]'
ms lint "$WORK/nan-think.yaml"
exit_is 2 "think: [0.5, soon]: invalid"
like "@$ERR" 'nan-think\.yaml:3:14: each entry of think: must be a number of seconds' \
  "... at the entry's file:line:col"
bad neg-think 'at: 0' 'think: [-0.25]'
ms lint "$WORK/neg-think.yaml"
like "@$ERR" 'neg-think\.yaml:3:9: each entry of think: .*negative' "a negative think time: refused where it is"
bad many 'at: 0' 'think: [0.1, 0.2, 0.3]'
ms lint "$WORK/many.yaml"
exit_is 0 "more think times than client batches: still loads (an edited dialogue)"
like "@$ERR" 'many\.yaml:3:19: warning: think: has 3 entries, but the dialogue has only 2 client batches.*ignored' \
  "... with a warning at the first extra one"
bad fine 'at: 0' 'think: [0.1, 0.2]'
ms lint "$WORK/fine.yaml"
exit_is 0 "one think time per batch: valid"

# ==== 3. --pace's value =========================================================

for v in 0 -1 x; do
  ms replay -t builtin --pace "$v" "$CAP"
  exit_is 2 "--pace $v: exit 2"
  like "@$ERR" "--pace takes a number greater than 0 .*not \"$v\"" "... saying what --pace takes"
done

# ==== 4. paced replays against the reference server =============================

serve -v
# now: the monotonic-enough wall clock, in seconds with decimals
now() { date +%s.%N; }
# at_least START MIN DESC: at least MIN seconds passed since START.
at_least() {
  _t=$(now)
  if awk -v s="$1" -v e="$_t" -v m="$2" 'BEGIN { exit !(e - s >= m) }'; then
    pass "$3"
  else
    fail "$3" "took $(awk -v s="$1" -v e="$_t" 'BEGIN { print e - s }') s"
  fi
}
# quits_between: the QUIT lines the server read between A's and B's EHLO.
quits_between() {
  awk '/C: EHLO a\.test/ { a = 1; next } /C: EHLO b\.test/ { print n + 0; exit }
       a && /C: QUIT/ { n++ }' "$SDIR/out"
}

: > "$SDIR/out"
T0=$(now)
ms replay -t "$TARGET" --pace 1 "$CAP"
at_least "$T0" 1.94 "--pace 1 takes at least the capture's paced duration (1.94 s)"
exit_is 0 "--pace 1: both sessions pass"
like "@$OUT" '^2 passed, 0 failed, 0 skipped$' "... 2 passed"
is "$(quits_between)" 0 "--pace 1: B spoke while A was open (no QUIT between A's EHLO and B's)"
like "@$ERR" '^mailspec replay: --pace 1: at worst [0-9]+\.[0-9]{3} s behind schedule \(session [12] of 2 at ' \
  "--pace 1 prints how far behind schedule it fell at worst"

: > "$SDIR/out"
T0=$(now)
ms replay -t "$TARGET" --pace 3 "$CAP"
at_least "$T0" 0.646 "--pace 3 takes at least a third of it (0.646 s)"
exit_is 0 "--pace 3: both sessions pass"
is "$(quits_between)" 0 "--pace 3: the sessions still overlap"
like "@$ERR" '^mailspec replay: --pace 3: at worst [0-9]+\.[0-9]{3} s behind schedule' \
  "--pace 3 prints its schedule error"

: > "$SDIR/out"
ms replay -t "$TARGET" "$CAP"
exit_is 0 "without --pace: both pass"
is "$(quits_between)" 1 "without --pace: one session after the other (A quit before B spoke)"
unlike "@$ERR" 'behind schedule' "without --pace: no schedule line"

ms replay -t "$TARGET" --pace 2 -o "$WORK/kept" "$CAP"
exit_is 0 "--pace with -o"
like "@$ERR" 'behind schedule \(session [12] of 2 at .*kept/two-000[01]\.yaml:[0-9]+\)' \
  "with -o, the schedule line points at the kept transcript's line"
unserve

# A replay that cannot keep up says so: one session at a time (-j 1), B
# cannot start before A ends, at least 1.94/1.2 = 1.62 s in, though it is
# due at 1.5/1.2 = 1.25 s: at least 0.37 s behind schedule.
serve
ms replay -t "$TARGET" -j 1 --pace 1.2 "$CAP"
exit_is 0 "-j 1 --pace 1.2: both pass"
like "@$ERR" '^mailspec replay: --pace 1\.2: at worst [0-9]+\.[0-9]{3} s behind schedule \(session 2 of 2 at its start, .*two\.pcap TCP session 1\): the replay could not keep the capture.s pace$' \
  "-j 1: B started late, and the replay says it could not keep the pace"
LATE=$(sed -n 's/.*at worst \([0-9.]*\) s behind.*/\1/p' "$ERR")
ok "... by at least 0.367 s (it was $LATE s)" awk -v l="${LATE:-0}" 'BEGIN { exit !(l >= 0.367) }'
unserve
