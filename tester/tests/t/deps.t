#!/bin/sh
# deps.t: tester/deps.sh lists every package the build, the tests and the
# benchmarks use (issue 11).  A fresh Debian 12 root that has run deps.sh
# holds the files of the listed packages, of what they depend on, and of
# the base system; tester/tests/deps_check.py reads that set from dpkg
# (no network) and fails on any Python module imported, or program called,
# by a test script that the set does not bring.  It found python3-yaml
# (import_oracle.py, pcap.t) and dovecot-core (the `dovecot` binary)
# missing from the list.  Then it is shown to fail: with a package taken
# off the list, and on a mutated copy of a test script.
. "$(dirname "$0")/../lib.sh"

# Debian 12's base system: what `debootstrap --variant=minbase bookworm`
# installs (Essential: yes, Priority: required, apt), without the
# libraries, which the closure of these packages brings anyway.
BASE="adduser apt base-files base-passwd bash bsdutils coreutils dash debconf
  debianutils diffutils dpkg e2fsprogs findutils gpgv grep gzip hostname
  init-system-helpers libc-bin login mawk mount ncurses-bin passwd perl-base
  sed sysvinit-utils tar util-linux util-linux-extra"
# Used only when present, never needed for a verdict:
#   gdb   signals.t prints the threads of a run that ignored a signal
#   sudo  .ci/run as a user that is not root (CI runs as root)
OPTIONAL="gdb sudo"

if ! command -v dpkg-query > /dev/null 2>&1; then
  skip_all "not a Debian system (no dpkg-query)"
fi

PKGS=$(sh "$ROOT/tester/deps.sh" --list | tr '\n' ' ')
like "$PKGS" '(^| )python3-yaml ' "deps.sh --list prints the packages (python3-yaml among them)"

# Every script of a build, test or benchmark step.
cd "$ROOT" || bail_out "cannot cd to $ROOT"
FILES=$(find tester/tests tester/bench tester/fuzz tester -maxdepth 3 \
  \( -path tester/tests/tmp -o -path tester/tests/data -o -path tester/fuzz/seeds \
     -o -path tester/fuzz/regress \) -prune -o -type f \
  \( -name '*.py' -o -name '*.sh' -o -name '*.t' -o -path 'tester/bench/*' \) \
  ! -name '*.yaml' -print | sort -u)
FILES="$FILES .ci/run"
like "$FILES" 'tester/tests/import_oracle\.py' "the scan covers the Python helpers"
like "$FILES" 'tester/bench/import\.sh' "... the benchmarks"
like "$FILES" 'tester/tests/servers/opensmtpd\.sh' "... the server scripts"
like "$FILES" 'tester/tests/t/deps\.t' "... the TAP files"

# check PKGS OUT FILE...: run the checker; its exit status in $CRC.
check() {
  _pk=$1 _out=$2
  shift 2
  CRC=0
  "$PY" "$TESTS/deps_check.py" --root "$ROOT" --packages "$_pk" --base "$BASE" \
    --optional "$OPTIONAL" --functions "$TESTS/lib.sh" \
    --functions "$TESTS/servers/common.sh" "$@" > "$_out" 2>&1 || CRC=$?
}

# shellcheck disable=SC2086
check "$PKGS" "$WORK/all.out" $FILES
if [ "$CRC" = 0 ]; then
  pass "every module and program the scripts use comes from tester/deps.sh"
else
  fail "every module and program the scripts use comes from tester/deps.sh (exit $CRC)"
  diag_file "$WORK/all.out" "deps_check.py"
fi

# ---- it can fail ------------------------------------------------------------

# The bug of issue 11: python3-yaml off the list.
without() { printf ' %s ' "$PKGS" | sed "s/ $1 / /"; }
# shellcheck disable=SC2086
check "$(without python3-yaml)" "$WORK/noyaml.out" $FILES
is "$CRC" 1 "without python3-yaml: the check fails"
like "@$WORK/noyaml.out" '^tester/tests/import_oracle\.py:[0-9]+: imports yaml,' \
  "... at import_oracle.py's import yaml, with file:line"
like "@$WORK/noyaml.out" '^tester/tests/t/pcap\.t:[0-9]+: imports yaml,' \
  "... and at the Python inside pcap.t"

# A program's package off the list.
# shellcheck disable=SC2086
check "$(without swaks)" "$WORK/noswaks.out" $FILES
is "$CRC" 1 "without swaks: the check fails"
like "@$WORK/noswaks.out" '^tester/tests/t/[a-z0-9-]+\.t:[0-9]+: calls swaks,' \
  "... where a test calls swaks"
check "$(without tcpflow)" "$WORK/notcpflow.out" tester/bench/import.sh
like "@$WORK/notcpflow.out" '^tester/bench/import\.sh:[0-9]+: calls tcpflow,' \
  "without tcpflow: the benchmark's call through its measure function is seen"
check "$(without time)" "$WORK/notime.out" tester/bench/run.sh
like "@$WORK/notime.out" '^tester/bench/run\.sh:[0-9]+: calls /usr/bin/time,' \
  "without time: TIME=/usr/bin/time run as \"\$TIME\" is seen"

# A mutated copy of a test script: an unknown module, an unknown program,
# each in the forms the scripts use.
M=$WORK/mutant
mkdir -p "$M/t"
cp tester/tests/t/sink.t "$M/t/sink.t"
cat >> "$M/t/sink.t" << 'EOF'
"$PY" - << 'PY'
import json
import zzmailspecmod
PY
if out=$(zzmailspecprog --version 2>&1); then echo "$out"; fi
x=$(echo a | zzmailspecfilter)
"$PY" -c 'from zzmailspecother import x'
EOF
check "$PKGS" "$WORK/mutant.out" "$M/t/sink.t"
is "$CRC" 1 "a mutated sink.t: the check fails"
N=$(wc -l < tester/tests/t/sink.t)
like "@$WORK/mutant.out" ":$((N + 3)): imports zzmailspecmod," "... on the module imported in a here-document, at its line"
like "@$WORK/mutant.out" ":$((N + 5)): calls zzmailspecprog," "... on the program called in an if"
like "@$WORK/mutant.out" ":$((N + 6)): calls zzmailspecfilter," "... on the program in a pipe inside \$(...)"
like "@$WORK/mutant.out" ":$((N + 7)): imports zzmailspecother," "... on python3 -c"
is "$(wc -l < "$WORK/mutant.out")" 4 "... and nowhere else (not on json, not on lib.sh's functions)"
printf 'import os\nimport zzpy\nimport subprocess\nsubprocess.run(["zzrun", "-x"])\n' > "$M/m.py"
check "$PKGS" "$WORK/py.out" "$M/m.py"
like "@$WORK/py.out" 'm\.py:2: imports zzpy,' "a Python helper: an unknown import is found"
like "@$WORK/py.out" 'm\.py:4: starts zzrun,' "... and a program it starts"

# The copy as it was passes: the mutation, not the file, made it fail.
cp tester/tests/t/sink.t "$M/t/sink.t"
check "$PKGS" "$WORK/clean.out" "$M/t/sink.t"
is "$CRC" 0 "the unmutated copy passes"
