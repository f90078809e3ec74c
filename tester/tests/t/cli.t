#!/bin/sh
# cli.t: the command line as scripts will call it (issue 2 "CLI"): help,
# version, usage errors (exit 2), and `mailspec lint` errors as
# file:line:col: message, including RFC 821 Appendix F's own `R: OK` typo.
# No network.
. "$(dirname "$0")/../lib.sh"

VERSION=$(sed -n 's/^#define MAILSPEC_VERSION "\(.*\)"/\1/p' "$ROOT/include/mailspec/mailspec.h")

# ---- help and version ----------------------------------------------------
ms --help
exit_is 0 "--help exits 0"
like "@$OUT" '(^|[^a-z])run([^a-z]|$)' "--help lists the run command"
like "@$OUT" '(^|[^a-z])lint([^a-z]|$)' "--help lists the lint command"

ms help run
exit_is 0 "help run exits 0"
like "@$OUT" 'mailspec run' "help run shows the run synopsis"
for opt in '-t' '-D' '-j' '--timeout' '-r'; do
  like "@$OUT" "(^|[^-a-z])$opt([^-a-z]|\$)" "help run documents $opt"
done

ms run --help
exit_is 0 "run --help exits 0"
like "@$OUT" 'mailspec run' "run --help shows the run synopsis"

ms --version
exit_is 0 "--version exits 0"
like "@$OUT" "^mailspec $VERSION" "--version prints 'mailspec $VERSION'"

# ---- usage errors: exit 2 ------------------------------------------------
GOOD=$(yaml good.yaml <<'EOF'
title: a well-formed transcript
protocol: smtp
script: |
  R: 220 x ready
  S: QUIT
  R: 221 bye
EOF
)

ms
exit_is 2 "no command: exit 2"
like "@$ERR" 'usage|Usage' "no command: usage on stderr"

ms frobnicate
exit_is 2 "unknown command: exit 2"
like "@$ERR" 'frobnicate' "unknown command is named on stderr"

# No PATH: the default suites of the target's protocol (issue 11), said so.
ms run
like "@$ERR" '^mailspec run: no PATH given: running the default SMTP suites for builtin: rfc5321 esmtp ' \
  "run without PATH: runs the default SMTP suites and says so"
ok "... as a run, not a usage error (exit $RC)" [ "$RC" = 0 -o "$RC" = 1 ]
like "@$OUT" 'smtp/greeting' "... rfc5321's transcripts among them"

ms run --no-such-option "$GOOD"
exit_is 2 "run with an unknown option: exit 2"
like "@$ERR" 'no-such-option' "the unknown option is named"

# -j N: a whole number, 1 or more (no upper bound but the open-file
# limit, which jobs.t checks); run and replay share the parser.
for j in 0 x 1.5 -3 ''; do
  ms run -j "$j" -t 127.0.0.1:21999 "$GOOD"
  exit_is 2 "run -j '$j': exit 2"
  like "@$ERR" "^mailspec run: -j expects a whole number of sessions, 1 or more, not '$j'\$" "... said so"
done
ms replay -t 127.0.0.1:21999 -j 1.5 "$WORK/none.pcap"
exit_is 2 "replay -j 1.5: exit 2"
like "@$ERR" "^mailspec replay: -j expects a whole number of sessions, 1 or more, not '1\.5'\$" "... said so"

ms run --timeout abc -t 127.0.0.1:21999 "$GOOD"
exit_is 2 "run --timeout abc: exit 2"

ms run -D novalue -t 127.0.0.1:21999 "$GOOD"
exit_is 2 "run -D without '=': exit 2"

ms run -r nosuchformat -t 127.0.0.1:21999 "$GOOD"
exit_is 2 "run -r with an unknown format: exit 2"

ms run -t 127.0.0.1:21999 "$WORK/does-not-exist.yaml"
exit_is 2 "run on a missing file: exit 2"
like "@$ERR" 'does-not-exist\.yaml' "the missing file is named"

ms --color=sometimes lint "$GOOD"
exit_is 2 "--color=sometimes: exit 2"

# ---- lint ------------------------------------------------------------------
ms lint "$GOOD"
exit_is 0 "lint of a valid transcript: exit 0"

# profile: names the built-in server; anything else is an error at its place.
PROF=$(yaml profile.yaml <<'EOF'
title: a profile that does not exist
profile: rfc2821
steps:
  - expect: 220
EOF
)
ms lint "$PROF"
exit_is 2 "lint of an unknown profile: exit 2"
like "@$ERR" 'profile\.yaml:2:10: unknown profile "rfc2821": rfc821' "... as file:line:col"

# Both ways of writing RFC 821 Appendix F Scenario 1's opening must lint.
STEPS=$(yaml steps.yaml <<'EOF'
title: steps form
protocol: smtp
convention: rfc821
steps:
  - R: 220
  - S: HELO USC-ISIF.ARPA
  - R: 250
  - S: QUIT
  - R: 221
EOF
)
ms lint "$STEPS"
exit_is 0 "lint of a steps: transcript: exit 0"

# RFC 821 Appendix F, Scenario 9 prints "R: OK": no reply code.  Line 6.
TYPO=$(yaml typo.yaml <<'EOF'
title: RFC 821 Appendix F Scenario 9, as printed
source: RFC 821 Appendix F, Scenario 9
script: |
  R: 220 USC-ISIF.ARPA Simple Mail Transfer Service Ready
  S: HELO LBL-UNIX.ARPA
  R: OK
  S: QUIT
  R: 221 USC-ISIF.ARPA Service closing transmission channel
EOF
)
ms lint "$TYPO"
exit_is 2 "lint of the RFC's 'R: OK' typo: exit 2"
cat "$OUT" "$ERR" > "$WORK/typo.diag"
like "@$WORK/typo.diag" "^$TYPO:6:[0-9]+: " "the typo is reported as file:6:col: message"

# A later error is located just as exactly: line 8 here.
LATE=$(yaml late.yaml <<'EOF'
title: bad pattern further down
protocol: smtp
script: |
  R: 220 x
  S: HELO y
  R: 250 ok
  S: NOOP
  R: 2z0 what
EOF
)
ms lint "$LATE"
exit_is 2 "lint of a bad reply pattern: exit 2"
cat "$OUT" "$ERR" > "$WORK/late.diag"
like "@$WORK/late.diag" "^$LATE:8:[0-9]+: " "the bad pattern is reported at file:8:col"

# Roles: R: and C: together are contradictory; only S: cannot be read.
BOTH=$(yaml both.yaml <<'EOF'
title: mixed conventions
script: |
  R: 220 x
  C: QUIT
  S: 221 bye
EOF
)
ms lint "$BOTH"
exit_is 2 "R: and C: in one transcript: exit 2"
cat "$OUT" "$ERR" > "$WORK/both.diag"
like "@$WORK/both.diag" "^$BOTH:[0-9]+:[0-9]+: " "the conflict is reported as file:line:col"

ONLY_S=$(yaml only-s.yaml <<'EOF'
title: only S lines
script: |
  S: HELO x
  S: QUIT
EOF
)
ms lint "$ONLY_S"
exit_is 2 "only S: lines and no convention: exit 2"
cat "$OUT" "$ERR" > "$WORK/only-s.diag"
like "@$WORK/only-s.diag" "^$ONLY_S:[0-9]+:[0-9]+: .*convention" "the message asks for 'convention'"

# YAML syntax errors carry a position too (an unterminated quote, line 3).
BROKEN=$(yaml broken.yaml <<'EOF'
title: broken
protocol: smtp
steps: [ { S: "HELO x }
EOF
)
ms lint "$BROKEN"
exit_is 2 "lint of invalid YAML: exit 2"
cat "$OUT" "$ERR" > "$WORK/broken.diag"
like "@$WORK/broken.diag" "^$BROKEN:[0-9]+:[0-9]+: " "the YAML error is reported as file:line:col"

# A directory: every *.yaml below it; one bad file makes the whole lint fail
# and only that file is named.
mkdir -p "$WORK/dir/sub"
cp "$GOOD" "$WORK/dir/a.yaml"
cp "$TYPO" "$WORK/dir/sub/b.yaml"
ms lint "$WORK/dir"
exit_is 2 "lint of a directory with one bad transcript: exit 2"
cat "$OUT" "$ERR" > "$WORK/dir.diag"
like "@$WORK/dir.diag" "sub/b\.yaml:6:[0-9]+: " "the bad file in the directory is named with its line"
unlike "@$WORK/dir.diag" "a\.yaml:[0-9]+:[0-9]+: " "the good file is not reported"

# The bundled transcripts all lint.
if [ -d "$ROOT/transcripts" ]; then
  ms lint "$ROOT/transcripts"
  exit_is 0 "every bundled transcript lints"
fi
