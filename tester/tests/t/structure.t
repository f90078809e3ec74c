#!/bin/sh
# structure.t: rules of the code's shape that a compiler does not check.
# Issue 16: each protocol's facts live in its table of operations
# (struct ms_proto_ops: tester/proto_smtp.c, tester/proto_pop3.c), and at
# most 20 places outside the protocol modules branch on the protocol
# (tester/tests/proto_branches.sh counts them).  Then the counter is shown
# to fail, on a copy of the sources with branches added.  No network, no
# server: it reads the sources.
. "$(dirname "$0")/../lib.sh"

COUNT=$TESTS/proto_branches.sh

sh "$COUNT" "$ROOT/tester" > "$WORK/count" 2>&1
CRC=$?
diag_file "$WORK/count"
is "$CRC" 0 "at most 20 places outside proto*.c branch on the protocol"
like "$(tail -n 1 "$WORK/count")" '^[0-9]+ places branch' "the counter says how many"

# ---- it can fail --------------------------------------------------------------

# A copy of the sources with 21 more branches in a file of the engine:
# over the limit.  The same in proto_smtp.c is not counted (the table's
# own module may branch).
M=$WORK/src
mkdir -p "$M"
cp "$ROOT"/tester/*.c "$M/"
i=0
while [ $i -lt 21 ]; do
  printf 'int b%d(int p) { return p == MS_PROTO_POP3; }\n' $i >> "$M/engine.c"
  printf 'int c%d(int p) { return p == MS_PROTO_POP3; }\n' $i >> "$M/proto_smtp.c"
  i=$((i + 1))
done
sh "$COUNT" "$M" > "$WORK/mut" 2>&1
CRC=$?
diag_file "$WORK/mut"
is "$CRC" 1 "21 more branches in engine.c: over the limit"
like "$(grep -c '^engine.c:' "$WORK/mut")" '^2[1-9]$' "each added branch is listed"
unlike "$(cat "$WORK/mut")" 'proto_smtp\.c' "branches inside proto*.c are not counted"

# Each form counts: ==, != and case.
M2=$WORK/forms
mkdir -p "$M2"
printf 'a == MS_PROTO_SMTP\nb != MS_PROTO_POP3\n  case MS_PROTO_SMTP:\nx = MS_PROTO_POP3;\n' > "$M2/x.c"
sh "$COUNT" "$M2" 2 > "$WORK/forms.out" 2>&1
CRC=$?
is "$CRC" 1 "==, != and case are three branches (above a limit of 2)"
like "$(tail -n 1 "$WORK/forms.out")" '^3 places' "an assignment is not a branch"
