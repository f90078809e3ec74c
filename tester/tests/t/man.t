#!/bin/sh
# man.t: mailspec(1) (tester/man/mailspec.1) renders without a single groff
# warning and documents the whole command line: every command that
# `mailspec help` lists and every option that `mailspec COMMAND --help`
# prints, each in the command's own section, every --fault of serve, and
# no long option that no command has.  This is the test that fails when an
# option is added and the man page is forgotten.  Each check is then run
# on a mutated copy of the page to show that it can fail.  No network.
. "$(dirname "$0")/../lib.sh"

PAGE=$ROOT/tester/man/mailspec.1

# ---- helpers ---------------------------------------------------------------

# page_text FILE: the page without roff comments (a mention in a comment
# documents nothing).
page_text() {
  sed -e '/^['"'"'.][[:space:]]*\\"/d' -e 's/\\".*$//' "$1"
}

# help_opts FILE: the lines of a --help text that define options: the
# usage line with its indented continuations, and the option list's lines
# ("  -q, --quiet ...", "      --strict ...").  Prose is left out: diff's
# "(`mailspec run -r json:FILE`)" does not give diff a -r.
help_opts() {
  awk '/^usage:/ { u = 1; print; next }
    u && /^[[:space:]]/ { print; next } { u = 0 }
    /^[[:space:]]+-/ { print }' "$1"
}

# help_longs FILE: the long options (--name) of a --help text.
help_longs() {
  help_opts "$1" | grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' | sed 's/^--//' | sort -u
}

# help_shorts FILE: the short options (-x) of a --help text, as option
# tokens only: "Ctrl-C", "UTF-8" or "-ERR" are not options.
help_shorts() {
  help_opts "$1" |
    grep -oE -- '(^|[][[:space:](|,])-[A-Za-z]([][[:space:]),|=]|$)' |
    sed -E 's/^.*-([A-Za-z]).*$/\1/' | sort -u
}

# roff_check PAGE CMD SECTIONS LONGS SHORTS: print one line per thing
# missing from PAGE (nothing when all is there).  CMD is a command name
# ("" for the global options); SECTIONS the words of the .SH titles that
# belong to it (GLOBAL OPTIONS always does); LONGS and SHORTS the option
# names.  Options are looked for as roff writes them (\-\-max\-session\-bytes,
# \-q), not followed by a letter, digit or \- (so --pcap is not found in
# --pcap-required), first in the whole page, then in CMD's sections.
roff_check() {
  page_text "$1" | awk -v cmd="$2" -v sections="$3" -v longs="$4" \
    -v shorts="$5" '
    function roff(name, dashes,   i, c, out) {
      out = ""
      for (i = 0; i < dashes; i++) out = out "\\-"
      for (i = 1; i <= length(name); i++) {
        c = substr(name, i, 1)
        out = out (c == "-" ? "\\-" : c)
      }
      return out
    }
    # Is PAT in S, not followed by [A-Za-z0-9] or \-, and (SHORT) not
    # preceded by \- (the \-q of \-\-quiet is not -q)?
    function found(s, pat, short,   off, i, after, before) {
      off = 0
      while ((i = index(substr(s, off + 1), pat)) > 0) {
        i += off
        after = substr(s, i + length(pat), 2)
        before = i > 2 ? substr(s, i - 2, 2) : ""
        if (after !~ /^[A-Za-z0-9]/ && after != "\\-" &&
            !(short && before == "\\-"))
          return 1
        off = i
      }
      return 0
    }
    function mine(title,   n, w, k) {
      if (title == "GLOBAL OPTIONS") return 1
      n = split(title, w, /[^A-Z0-9]+/)
      for (k = 1; k <= n; k++) if (w[k] != "" && index(" " sections " ", " " w[k] " ")) return 1
      return 0
    }
    /^\.SH/ {
      title = $0
      sub(/^\.SH[[:space:]]*/, "", title)
      gsub(/"/, "", title)
      in_mine = mine(title)
      if (in_mine && title != "GLOBAL OPTIONS") own++
      if (title == "SYNOPSIS" || title == "COMMANDS") part = title
      else part = ""
    }
    {
      all = all $0 "\n"
      if (in_mine) sect = sect $0 "\n"
      if (cmd != "" && part == "SYNOPSIS" && ($0 == ".B mailspec " cmd || index($0, ".B mailspec " cmd " ") == 1))
        synopsis = 1
      if (cmd != "" && part == "COMMANDS" && $0 ~ ("^\\.BR? " cmd "( |$)"))
        entry = 1
    }
    END {
      where = sections == "" ? "GLOBAL OPTIONS" : "its section (" sections ")"
      if (cmd != "") {
        if (!synopsis) print cmd ": no \".B mailspec " cmd "\" line in SYNOPSIS"
        if (!entry) print cmd ": no entry in COMMANDS"
        if (!own) print cmd ": no .SH section whose title names " sections
      }
      n = split(longs, L, " ")
      for (k = 1; k <= n; k++) {
        p = roff(L[k], 2)
        if (!found(all, p, 0)) print "--" L[k] ": not in the page (" p ")"
        else if (!found(sect, p, 0)) print "--" L[k] ": not in " where
      }
      n = split(shorts, S, " ")
      for (k = 1; k <= n; k++) {
        p = roff(S[k], 1)
        if (!found(sect, p, 1)) print "-" S[k] ": not in " where " (" p ")"
      }
    }'
}

# faults_check PAGE FAULTS: the fault names missing from SERVE OPTIONS,
# each looked for as a bold name of its own (".B no\-read", ".BI slow: MS").
faults_check() {
  page_text "$1" | awk -v faults="$2" '
    /^\.SH/ { inside = ($0 ~ /^\.SH "?SERVE OPTIONS"?$/) }
    inside && /^\.B[IR]? / {
      line = $0
      sub(/^\.B[IR]? /, "", line)
      gsub(/\\-/, "-", line)
      split(line, w, /[ :\[]/)
      have[w[1]] = 1
    }
    END {
      n = split(faults, F, " ")
      for (k = 1; k <= n; k++)
        if (!(F[k] in have)) print F[k] ": no .B line in SERVE OPTIONS"
    }'
}

# stale_check PAGE KNOWN: the long options the page mentions that no
# --help mentions (KNOWN: their names, one a line, in a file).
stale_check() {
  page_text "$1" | grep -oE '\\-\\-[a-z0-9]([a-z0-9]|\\-)*' |
    sed -e 's/\\-/-/g' -e 's/^--//' | sort -u |
    while read -r o; do
      grep -qxF -- "$o" "$2" || echo "--$o: in the page, but no command has it"
    done
}

# render PAGE: groff's warnings (-ww: all of them) on stderr, into $ERR.
render() {
  RC=0
  groff -man -Tutf8 -ww -z "$1" > "$OUT" 2> "$ERR" || RC=$?
}

# ---- the page renders without warnings -------------------------------------

ok "the man page exists" test -s "$PAGE"
if LC_ALL=C grep -q '[^[:print:][:space:]]' "$PAGE"; then
  fail "the page is ASCII (groff 1.22 reads Latin-1: write \\(sc for the section sign)" \
    "$(LC_ALL=C grep -n '[^[:print:][:space:]]' "$PAGE" | head -5)"
else
  pass "the page is ASCII (special characters as roff escapes)"
fi

if command -v groff > /dev/null 2>&1; then
  render "$PAGE"
  if [ "$RC" = 0 ] && [ ! -s "$ERR" ]; then
    pass "groff -man -ww renders mailspec(1) without a warning"
  else
    fail "groff -man -ww renders mailspec(1) without a warning (exit $RC)"
    diag_file "$ERR" "groff warnings"
  fi
  # The same check on a page with an undefined macro: it must complain.
  sed '/^\.SH EXAMPLES/a\
.XX not a macro' "$PAGE" > "$WORK/bad-macro.1"
  render "$WORK/bad-macro.1"
  like "@$ERR" "warning: macro 'XX' not defined" \
    "mutation: an undefined macro is a groff warning the check sees"
elif [ "${CI:-}" = true ]; then
  fail "groff renders the man page (CI=true: groff is not installed; run: apt-get install groff-base)"
else
  skip "groff renders the man page" "groff is not installed (apt-get install groff-base)"
fi

if command -v man > /dev/null 2>&1; then
  RC=0
  MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings=w -l "$PAGE" > "$OUT" 2> "$ERR" || RC=$?
  if [ "$RC" = 0 ] && [ ! -s "$ERR" ]; then
    pass "man -l renders the page without a warning"
  else
    fail "man -l renders the page without a warning (exit $RC)"
    diag_file "$ERR" "man -l"
  fi
  like "@$OUT" 'mailspec +replay +-t +TARGET' "man -l shows the replay synopsis"
  like "@$OUT" '^EXIT STATUS' "man -l shows the EXIT STATUS section"
else
  skip "man -l renders the page" "man-db is not installed"
fi

# ---- every command and option of --help is in the page ---------------------

ms help
exit_is 0 "mailspec help exits 0"
cp "$OUT" "$WORK/help.txt"
# The "Commands:" block: "  NAME   what it does" lines up to a blank line.
CMDS=$(awk '/^Commands:/ { on = 1; next } on && /^[[:space:]]*$/ { exit }
  on { print $1 }' "$WORK/help.txt")
like "$CMDS" '^run$' "the commands are read from mailspec help (run is one: $(echo $CMDS))"

: > "$WORK/known"
help_longs "$WORK/help.txt" >> "$WORK/known"
missing=$(roff_check "$PAGE" "" "" "$(help_longs "$WORK/help.txt" | tr '\n' ' ')" \
  "$(help_shorts "$WORK/help.txt" | tr '\n' ' ')")
if [ -z "$missing" ]; then
  pass "the global options of mailspec --help are in GLOBAL OPTIONS"
else
  fail "the global options of mailspec --help are in GLOBAL OPTIONS" "missing:" "$missing"
fi

for cmd in $CMDS; do
  ms "$cmd" --help
  H=$WORK/help-$cmd.txt
  cp "$OUT" "$H"
  longs=$(help_longs "$H" | tr '\n' ' ')
  shorts=$(help_shorts "$H" | tr '\n' ' ')
  help_longs "$H" >> "$WORK/known"
  SECT=$(echo "$cmd" | tr '[:lower:]' '[:upper:]')
  missing=$(roff_check "$PAGE" "$cmd" "$SECT" "$longs" "$shorts")
  n=$(echo $longs $shorts | wc -w)
  if [ "$RC" != 0 ] || [ ! -s "$H" ]; then
    fail "mailspec(1) documents $cmd" "mailspec $cmd --help exited $RC"
  elif [ -z "$missing" ]; then
    pass "mailspec(1) documents $cmd: SYNOPSIS, COMMANDS and its $n option(s): $(echo $longs $shorts)"
  else
    fail "mailspec(1) documents $cmd: SYNOPSIS, COMMANDS and its $n option(s)" \
      "missing from tester/man/mailspec.1:" "$missing"
  fi
done
# Sanity: a broken --help parser would make the loop above vacuous.
RUN_LONGS=$(help_longs "$WORK/help-run.txt" | wc -l)
ok "run --help yields its long options ($RUN_LONGS >= 15)" [ "$RUN_LONGS" -ge 15 ]

# Every fault of `serve --help` (the indented names under --fault).
FAULTS=$(awk '/^ +-f, --fault / { on = 1; next } on && /^  (-[A-Za-z],| +--)/ { exit }
  on && /^      [a-z]/ { print $1 }' "$WORK/help-serve.txt" |
  sed -E 's/[:[].*$//' | tr '\n' ' ')
like "$FAULTS" 'rcpt-250.*pop3-early-dele' "the faults are read from serve --help ($(echo $FAULTS | wc -w))"
missing=$(faults_check "$PAGE" "$FAULTS")
if [ -z "$missing" ]; then
  pass "every --fault of serve --help is in SERVE OPTIONS"
else
  fail "every --fault of serve --help is in SERVE OPTIONS" "missing:" "$missing"
fi

# The other way round: no option in the page that no command has.
sort -u "$WORK/known" -o "$WORK/known"
stale=$(stale_check "$PAGE" "$WORK/known")
if [ -z "$stale" ]; then
  pass "every long option the page mentions exists in some --help"
else
  fail "every long option the page mentions exists in some --help" "$stale"
fi

# ---- the checks can fail: mutated copies of the page -----------------------

# --duration removed everywhere: record's check must name it.
grep -v 'duration' "$PAGE" > "$WORK/no-duration.1"
got=$(roff_check "$WORK/no-duration.1" record RECORD \
  "$(help_longs "$WORK/help-record.txt" | tr '\n' ' ')" "")
like "$got" '^--duration: not in the page' \
  "mutation: a page without --duration fails record's check"
is "$(echo "$got" | grep -c .)" 1 "mutation: and --duration is the only thing reported"

# --strict removed from DIFF AND MERGE only: still in the page (RUN
# OPTIONS), but merge's check must see that its section lacks it.
sed '/^\.SH DIFF AND MERGE/,/^\.SH /{/\\-\\-strict/d;}' "$PAGE" > "$WORK/no-merge-strict.1"
got=$(roff_check "$WORK/no-merge-strict.1" merge MERGE \
  "$(help_longs "$WORK/help-merge.txt" | tr '\n' ' ')" "")
like "$got" '^--strict: not in its section \(MERGE\)' \
  "mutation: --strict documented for run only fails merge's check"

# A short option removed from its section: serve's -l.
sed 's/^\.BI \\-l " ADDR"/.BI " ADDR"/' "$PAGE" > "$WORK/no-l.1"
got=$(roff_check "$WORK/no-l.1" serve SERVE "" "$(help_shorts "$WORK/help-serve.txt" | tr '\n' ' ')")
like "$got" '^-l: not in its section' "mutation: serve without -l fails serve's check"

# A command without its COMMANDS entry and synopsis.
sed -e '/^\.B coverage$/d' -e '/^\.B mailspec coverage$/d' "$PAGE" > "$WORK/no-coverage.1"
got=$(roff_check "$WORK/no-coverage.1" coverage COVERAGE "" "")
like "$got" 'coverage: no entry in COMMANDS' "mutation: a command missing from COMMANDS is reported"
like "$got" 'coverage: no ".B mailspec coverage" line in SYNOPSIS' \
  "mutation: a command missing from SYNOPSIS is reported"

# A fault removed, and an option no command has added.
grep -v '^\.B no\\-read$' "$PAGE" > "$WORK/no-fault.1"
like "$(faults_check "$WORK/no-fault.1" "$FAULTS")" '^no-read: ' \
  "mutation: a page without the no-read fault fails the fault check"
sed '/^\.SH EXAMPLES/a\
.B mailspec run \\-\\-xyzzy\\-nothing' "$PAGE" > "$WORK/stale.1"
like "$(stale_check "$WORK/stale.1" "$WORK/known")" '^--xyzzy-nothing: ' \
  "mutation: an option no command has is reported"
# A mention in a roff comment documents nothing.
{ grep -v 'duration' "$PAGE"; echo '.\" \-\-duration'; } > "$WORK/comment.1"
got=$(roff_check "$WORK/comment.1" record RECORD duration "")
like "$got" '^--duration: not in the page' "mutation: an option mentioned only in a comment is missing"
