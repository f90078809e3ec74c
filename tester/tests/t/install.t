#!/bin/sh
# install.t: an installed mailspec is a complete tool (issue 11).  A copy
# of the project is installed into a prefix under $WORK (make install
# PREFIX=...), then, from another directory (/):
#   - every suite, waiver file and transcript is there, laid out so that
#     the suites' ../transcripts/ paths hold;
#   - `mailspec run -t builtin rfc5321` finds the bundled suite by name and
#     runs all of it; `lint` and `--waivers NAME` find theirs the same way;
#   - the lookup order: current directory, MAILSPEC_PATH, installed;
#   - with no PATH, `run -t smtp://` and `run -t pop3://` run the default
#     suites of the protocol and say so;
#   - `mailspec suites` lists them; a name not found is exit 2 and the
#     message names where it was looked for;
#   - pkg-config finds the library, and a program links with it;
#   - DESTDIR stages without changing where the binary looks;
#   - `make uninstall` removes every file.
# The source tree's binary finds the tree's suites from anywhere too.
. "$(dirname "$0")/../lib.sh"

# The build flavour under test ($MAILSPEC is BUILD/mailspec), so that the
# copy reuses its objects and relinks only what the prefix changes.
BDIR=$(dirname "$MAILSPEC")
B=$(basename "$BDIR")
case "$B" in
build) SAN= ;;
build-*) SAN=$(echo "${B#build-}" | tr - ,) ;;
*) B=build SAN= ;;
esac

SRC=$WORK/src
P=$WORK/prefix
mkdir -p "$SRC"
(cd "$ROOT" && tar -cf - --exclude=tester/tests/tmp --exclude="$B/bench" \
  --exclude="$B/valgrind" --exclude="$B/tests" --exclude="$B/check_mailspec" \
  Makefile include tester suites transcripts $([ -d "$B" ] && echo "$B")) |
  tar -C "$SRC" -xf - || bail_out "cannot copy the project to $SRC"

# mk ARGS...: make in the copy, output in $WORK/make.log; status in MRC.
mk() {
  MRC=0
  make -C "$SRC" ${SAN:+SANITIZE=$SAN} "$@" > "$WORK/make.log" 2>&1 || MRC=$?
  [ "$MRC" = 0 ] || diag_file "$WORK/make.log" "make $*"
}

# at DIR BIN ARGS...: run an installed binary from DIR (watchdog as ms);
# RC, $OUT, $ERR as with ms.
at() {
  _dir=$1 _bin=$2
  shift 2
  RC=0
  (cd "$_dir" && timeout -k 5 300 "$_bin" "$@") > "$OUT" 2> "$ERR" < /dev/null || RC=$?
}

# tap_count FILE: the number of results in a TAP report.
tap_count() { grep -cE '^(not )?ok ' "$1"; }

mk install PREFIX="$P"
is "$MRC" 0 "make install PREFIX=\$WORK/prefix"
BIN=$P/bin/mailspec
SHARE=$P/share/mailspec
ok "... installs the binary" [ -x "$BIN" ]
ok "... the library and its headers" [ -f "$P/lib/libmailspec.a" -a -f "$P/include/mailspec/mailspec.h" ]
ok "... the man page" [ -f "$P/share/man/man1/mailspec.1" ]
ok "... the pkg-config file" [ -f "$P/lib/pkgconfig/mailspec.pc" ]
(cd "$ROOT" && find suites transcripts -type f | sort) > "$WORK/want.list"
(cd "$SHARE" && find suites transcripts -type f | sort) > "$WORK/got.list"
if cmp -s "$WORK/want.list" "$WORK/got.list"; then
  pass "... every file of suites/ and transcripts/ under share/mailspec ($(wc -l < "$WORK/got.list") files)"
else
  fail "... every file of suites/ and transcripts/ under share/mailspec"
  diff "$WORK/want.list" "$WORK/got.list" | head -20 | sed 's/^/# /'
fi
like "@$WORK/got.list" '^suites/waivers/postfix\.yaml$' "... the waiver files among them"

# ---- mailspec suites, from / ------------------------------------------------
at / "$BIN" suites
is "$RC" 0 "mailspec suites (installed, from /) exits 0"
like "@$OUT" "^$SHARE/suites \\(installed\\):\$" "... and lists the installed suites under their directory"
like "@$OUT" '^  rfc5321 \* +[0-9]+  smtp ' "... rfc5321 with its count and protocol, marked as a default"
like "@$OUT" '^  rfc1939 \* +[0-9]+  pop3 ' "... rfc1939 with its protocol"
cp "$OUT" "$WORK/suites.out"
count() { awk -v n="$1" '$1 == n { print $(($2 == "*") ? 3 : 2); exit }' "$WORK/suites.out"; }
N5321=$(count rfc5321)
NESMTP=$(count esmtp)
NCAPA=$(count pop3-capa)
N1939=$(count rfc1939)
ok "... with counts ($N5321 $NESMTP $NCAPA $N1939)" [ "${N5321:-0}" -gt 20 -a "${N1939:-0}" -gt 10 ]

# The reference server's known departures, while it has them (issue 13
# removes them and the file): found by name, from /, like any suite.
W=
[ -f "$SHARE/suites/waivers/reference.yaml" ] && W="--waivers reference"

# ---- the bundled suite by name, from / ---------------------------------------
# shellcheck disable=SC2086
at / "$BIN" run -t builtin $W -r "tap:$WORK/rfc5321.tap" rfc5321
is "$RC" 0 "cd / && mailspec run -t builtin${W:+ $W} rfc5321: exit 0"
is "$(tap_count "$WORK/rfc5321.tap")" "$N5321" "... all $N5321 transcripts of the suite ran"
like "@$WORK/rfc5321.tap" 'smtp/greeting' "... the installed transcripts (../transcripts/ from the suite)"
at / "$BIN" run -t builtin --waivers postfix rfc5321
like "@$ERR" "$SHARE/suites/waivers/postfix\\.yaml:[0-9]+: note: waiver for" \
  "--waivers postfix finds the bundled waivers/postfix.yaml"
at / "$BIN" lint rfc5321 esmtp
is "$RC" 0 "cd / && mailspec lint rfc5321 esmtp: found and valid"
at / "$BIN" run -t builtin no-such-suite
is "$RC" 2 "a name that is found nowhere: exit 2"
like "@$ERR" "^no-such-suite: No such file or directory, and no suite or transcript of that name in \\., .*$SHARE" \
  "... saying where it was looked for"

# ---- the lookup order ------------------------------------------------------
mkdir -p "$WORK/mine" "$WORK/cwd"
printf 'title: mine\ntranscripts:\n  - %s\n' "$SHARE/transcripts/smtp/greeting.yaml" > "$WORK/mine/rfc5321.yaml"
printf 'title: here\ntranscripts:\n  - %s\n  - %s\n' "$SHARE/transcripts/smtp/greeting.yaml" \
  "$SHARE/transcripts/smtp/helo.yaml" > "$WORK/cwd/rfc5321.yaml"
MAILSPEC_PATH=$WORK/nonexistent:$WORK/mine
export MAILSPEC_PATH
at / "$BIN" run -t builtin -r "tap:$WORK/mine.tap" rfc5321
is "$(tap_count "$WORK/mine.tap")" 1 "MAILSPEC_PATH comes before the installed suites"
at / "$BIN" suites
like "@$OUT" "^$WORK/mine \\(MAILSPEC_PATH\\):\$" "... mailspec suites shows it"
like "@$OUT" '^  rfc5321 \* .*\[shadowed by the one above\]$' "... and the installed rfc5321 as shadowed"
at "$WORK/cwd" "$BIN" run -t builtin -r "tap:$WORK/cwd.tap" rfc5321
is "$(tap_count "$WORK/cwd.tap")" 2 "the current directory comes first"
unset MAILSPEC_PATH

# ---- no PATH: the default suites of the target's protocol ---------------------
serve
# shellcheck disable=SC2086
at / "$BIN" run -t "smtp://$TARGET" $W -r "tap:$WORK/smtp.tap"
is "$RC" 0 "run -t smtp://HOST:PORT with no PATH: exit 0"
like "@$ERR" "^mailspec run: no PATH given: running the default SMTP suites for smtp://$TARGET: rfc5321 esmtp " \
  "... it says which suites it runs"
is "$(tap_count "$WORK/smtp.tap")" "$((N5321 + NESMTP))" "... and runs all of rfc5321 and esmtp"
unserve
serve --protocol pop3
at / "$BIN" run -t "pop3://$TARGET" -r "tap:$WORK/pop3.tap"
is "$RC" 0 "run -t pop3://HOST:PORT with no PATH: exit 0"
like "@$ERR" "default POP3 suites for pop3://$TARGET: pop3-capa rfc1939\$" "... pop3-capa and rfc1939"
is "$(tap_count "$WORK/pop3.tap")" "$((NCAPA + N1939))" "... all of them"
unserve

# ---- the source tree's binary, from / -----------------------------------------
# shellcheck disable=SC2086
at / "$MAILSPEC" run -t builtin -r "tap:$WORK/tree.tap" rfc821
is "$RC" 0 "cd / && BUILD/mailspec run -t builtin rfc821: the source tree's suite"
at / "$MAILSPEC" suites
like "@$OUT" "^$ROOT/suites \\(this binary's tree\\):\$" "... mailspec suites says where"
N821=$(awk '$1 == "rfc821" { print $2; exit }' "$OUT")
is "$(tap_count "$WORK/tree.tap")" "${N821:-?}" "... all of it"

# ---- pkg-config ----------------------------------------------------------------
PKG_CONFIG_PATH=$P/lib/pkgconfig
export PKG_CONFIG_PATH
LIBS=$(pkg-config --libs mailspec 2>&1)
like "$LIBS" "(^| )-lmailspec( |\$)" "pkg-config --libs mailspec gives -lmailspec ($LIBS)"
like "$LIBS" "-L$P/lib( |\$)" "... with the prefix's library directory"
like "$(pkg-config --static --libs mailspec)" '-lyaml .*-lssl|-lssl .*-lyaml' \
  "... and --static adds the private libraries (Requires.private)"
cat > "$WORK/tool.c" << 'EOF'
#include <mailspec/mailspec.h>
#include <stdio.h>
int main(void) {
  struct ms_target t;
  char err[128];
  if (ms_target_parse(&t, "pop3s://mx.example.test", err, sizeof err) != 0)
    return 1;
  printf("%s %s:%s %s\n", MAILSPEC_VERSION, t.host, t.port, ms_plan_datadir());
  ms_target_free(&t);
  return 0;
}
EOF
# shellcheck disable=SC2046
if cc ${SAN:+-fsanitize=$SAN} $(pkg-config --cflags mailspec) -o "$WORK/tool" "$WORK/tool.c" \
  $(pkg-config --static --libs mailspec) > "$WORK/cc.log" 2>&1; then
  pass "a program compiles and links with pkg-config's flags"
  like "$("$WORK/tool")" "mx\\.example\\.test:995 $SHARE\$" "... and runs (the library knows its share directory)"
else
  fail "a program compiles and links with pkg-config's flags"
  diag_file "$WORK/cc.log"
fi
unset PKG_CONFIG_PATH

# ---- DESTDIR: staged, the binary still looks in PREFIX ---------------------------
mk install DESTDIR="$WORK/stage" PREFIX=/opt/mailspec-install-t
is "$MRC" 0 "make install DESTDIR=... PREFIX=/opt/mailspec-install-t"
STAGED=$WORK/stage/opt/mailspec-install-t
ok "... writes below DESTDIR" [ -x "$STAGED/bin/mailspec" -a -f "$STAGED/share/mailspec/suites/rfc5321.yaml" ]
ok "... and nothing in PREFIX itself" [ ! -e /opt/mailspec-install-t ]
at / "$STAGED/bin/mailspec" suites
like "@$OUT" 'Searched, in this order: .*/opt/mailspec-install-t/share/mailspec$' \
  "... the staged binary looks in PREFIX/share/mailspec, not below DESTDIR"
like "@$WORK/stage/opt/mailspec-install-t/lib/pkgconfig/mailspec.pc" '^prefix=/opt/mailspec-install-t$' \
  "... and so does its pkg-config file"
MAILSPEC_PATH=$STAGED/share/mailspec
export MAILSPEC_PATH
at / "$STAGED/bin/mailspec" run -t builtin -r "tap:$WORK/staged.tap" rfc821
is "$RC" 0 "... with MAILSPEC_PATH it runs the staged suites"
like "@$WORK/staged.tap" "$STAGED/share/mailspec/transcripts/rfc821/" "... from there"
unset MAILSPEC_PATH

# ---- uninstall --------------------------------------------------------------------
mk uninstall PREFIX="$P"
is "$MRC" 0 "make uninstall PREFIX=\$WORK/prefix"
is "$(find "$P" -type f | wc -l)" 0 "... removes every file it installed"
mk uninstall DESTDIR="$WORK/stage" PREFIX=/opt/mailspec-install-t
is "$(find "$WORK/stage" -type f | wc -l)" 0 "... with DESTDIR too"
