#!/bin/sh
# coverage.t: the requirement catalogues (suites/requirements/) against
# the transcripts' covers: (issue 13).  reports/coverage.md is what `make
# coverage` writes now (a stale file fails here); the catalogues load;
# lint reports a covers: id that no catalogue holds at its file:line:col;
# directory walks skip catalogue files; the coverage command's options
# and exit statuses.
. "$(dirname "$0")/../lib.sh"

# ---- reports/coverage.md is current ------------------------------------------
ms coverage -o "$WORK/coverage.md" "$ROOT/suites"
exit_is 0 "coverage of the bundled suites"
if cmp -s "$WORK/coverage.md" "$ROOT/reports/coverage.md"; then
  pass "reports/coverage.md is current"
else
  fail "reports/coverage.md is current" "it is stale: run make coverage and commit it"
  diff -u "$ROOT/reports/coverage.md" "$WORK/coverage.md" > "$WORK/coverage.diff"
  diag_file "$WORK/coverage.diff" "diff (committed -> generated)"
fi
like "@$WORK/coverage.md" '^\| RFC 5321 \| MUST \| [0-9]+ of [0-9]+ \(' "a row per RFC and level: RFC 5321 MUST"
like "@$WORK/coverage.md" '^\| RFC 1939 \| SHOULD \| ' "... and RFC 1939 SHOULD"
like "@$WORK/coverage.md" '^\| 5321-[0-9A-Z.]+-[0-9]+ \| [0-9A-Z.]+ \| (MUST|SHOULD|MAY)( NOT)? \| (wire|delivery) \| "' \
  "every uncovered observable requirement is listed with section, level and quote"
like "@$WORK/coverage.md" '^\| 5321-4\.1\.1\.10-1 \| MUST \| wire \| .*`smtp/quit-close`' \
  "a covered requirement names its transcripts"

# ---- the bundled catalogues and transcripts lint ----------------------------
ms lint "$ROOT/suites" "$ROOT/transcripts"
exit_is 0 "lint of suites/ and transcripts/ (catalogues included, covers: checked)"
unlike "@$ERR" 'requirements/' "... the catalogue files are not taken for transcripts"
ms lint "$ROOT/suites/requirements/rfc5321.yaml"
exit_is 0 "lint of a catalogue file given by name"

# ---- a covers: id no catalogue holds ----------------------------------------
mkdir -p "$WORK/tree/suites/requirements" "$WORK/tree/transcripts"
cp "$ROOT/suites/requirements/rfc5321.yaml" "$WORK/tree/suites/requirements/"
cat > "$WORK/tree/transcripts/quit.yaml" <<'EOF'
title: QUIT
convention: rfc5321
covers: [5321-4.1.1.10-1,
         5321-4.1.1.10-99]
steps:
  - S: 220
  - C: QUIT
  - S: 221
EOF
ms lint "$WORK/tree/transcripts"
exit_is 2 "lint: a covers: id the catalogue (found in ../suites/requirements) lacks is an error"
like "@$ERR" 'quit\.yaml:4:10: covers: 5321-4\.1\.1\.10-99 is not in the requirement catalogues' \
  "... named at its file:line:col"
ms lint "$WORK/tree/transcripts/quit.yaml"
exit_is 0 "lint of the file alone: no catalogue found, so only the form of ids is checked"
ms lint --catalogue "$WORK/tree/suites/requirements" "$WORK/tree/transcripts/quit.yaml"
exit_is 2 "lint --catalogue DIR checks it again"
ms coverage "$WORK/tree"
exit_is 2 "coverage: an unknown covers: id is an error (exit 2)"
like "@$ERR" 'quit\.yaml:4:10: covers: 5321-4\.1\.1\.10-99' "... at its file:line:col"
like "@$OUT" '^\| 5321-4\.1\.1\.10-1 \| MUST \| wire \| `quit` \|' "... and the report still covers the rest"
sed -i 's/5321-4.1.1.10-99/RFC 5321 4.1.1.10/' "$WORK/tree/transcripts/quit.yaml"
ms lint "$WORK/tree/transcripts/quit.yaml"
exit_is 2 "lint: a covers: entry that is not an id is an error even without a catalogue"
like "@$ERR" 'quit\.yaml:4:10: each entry of covers: is a requirement id' "... at its file:line:col"

# ---- directory walks skip catalogues ----------------------------------------
sed -i '/^covers:/,/^steps:/{/^steps:/!d}' "$WORK/tree/transcripts/quit.yaml"
ms run -t builtin -r "json:$WORK/run.json" "$WORK/tree"
exit_is 0 "run over a directory that holds a catalogue: the catalogue is skipped"
like "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["transcripts"]))' "$WORK/run.json")" \
  '^1$' "... and exactly the one transcript ran"

# ---- the command's options ----------------------------------------------------
ms coverage --catalogue "$WORK/tree/suites/requirements" "$WORK/tree/transcripts"
exit_is 0 "coverage --catalogue DIR"
like "@$OUT" '^\| RFC 5321 \| MUST \| 0 of ' "... counts against that catalogue only"
unlike "@$OUT" 'RFC 1939' "... (no RFC 1939 there)"
ms coverage "$WORK/tree/transcripts/quit.yaml"
exit_is 2 "coverage with no catalogue to be found: exit 2"
like "@$ERR" 'no requirement catalogue found' "... saying so"
ms coverage -r json "$ROOT/suites"
exit_is 0 "coverage -r json"
if "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["rfcs"][0]["levels"][0]["level"] == "MUST"; assert any(r["covered_by"] for r in d["requirements"])' "$OUT" 2> "$WORK/json.err"; then
  pass "... valid JSON with the counts and every requirement's transcripts"
else
  fail "... valid JSON with the counts and every requirement's transcripts"; diag_file "$WORK/json.err"
fi
ms coverage -r xml "$ROOT/suites"
exit_is 2 "coverage -r xml: exit 2"
ms coverage "$ROOT/suites"
ok "coverage -o FILE writes what stdout shows" cmp -s "$OUT" "$WORK/coverage.md"
ln -s "$WORK/elsewhere.md" "$WORK/cov-link.md"
ms coverage -o "$WORK/cov-link.md" "$ROOT/suites"
exit_is 2 "coverage -o onto a planted symlink: exit 2"
like "@$ERR" 'symbolic link' "... saying it will not follow the link"
ok "... and nothing written through it" test ! -e "$WORK/elsewhere.md"
ms coverage --bogus "$ROOT/suites"
exit_is 2 "coverage with an unknown option: exit 2"
like "@$ERR" "^mailspec coverage: unknown option '--bogus'" "... named, with the command"
