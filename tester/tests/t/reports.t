#!/bin/sh
# reports.t: every report format read by its real consumer (issue 5):
# JUnit by xmllint against the strict Ant schema (tester/tests/data/schemas),
# JSON by a JSON Schema validator (python3-jsonschema) against
# reports/schema.json, TAP by prove and TAP::Parser, HTML by headless
# Chromium (rendered, screenshot, no script from the server runs).
# First from a hostile server (markup, entities, quotes, "]]>", control
# bytes, invalid UTF-8, a 10,000-line reply), then `diff` and `merge` on
# real runs against the reference server, with and without --fault.
. "$(dirname "$0")/../lib.sh"

SCHEMAS=$TESTS/data/schemas # origin and licence in its README.md
JSON_SCHEMA=$ROOT/reports/schema.json

# need TOOL DESC: true when TOOL exists; otherwise a skip (a failure under
# CI=true: `make check` installs every tool through tester/deps.sh).
need() {
  if command -v "$1" > /dev/null 2>&1; then return 0; fi
  if [ "${CI:-}" = true ]; then fail "$2" "$1 not installed (tester/deps.sh)"
  else skip "$2" "$1 not installed"; fi
  return 1
}

have_jsonschema() {
  if "$PY" -c 'import jsonschema' 2> /dev/null; then return 0; fi
  if [ "${CI:-}" = true ]; then fail "$1" "python3-jsonschema not installed"
  else skip "$1" "python3-jsonschema not installed"; fi
  return 1
}

# check_junit FILE DESC
check_junit() {
  need xmllint "$2" || return 0
  if [ ! -f "$SCHEMAS/junit.xsd" ]; then
    fail "$2" "no $SCHEMAS/junit.xsd"
    return 0
  fi
  if xmllint --noout --schema "$SCHEMAS/junit.xsd" "$1" > "$WORK/xmllint.out" 2>&1; then
    pass "$2"
  else
    fail "$2"
    diag_file "$WORK/xmllint.out"
  fi
}

# check_json FILE DESC
check_json() {
  have_jsonschema "$2" || return 0
  if "$PY" - "$JSON_SCHEMA" "$1" > "$WORK/jsonschema.out" 2>&1 <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
doc = json.load(open(sys.argv[2], encoding="utf-8"))
jsonschema.Draft202012Validator(schema).validate(doc)
PY
  then pass "$2"; else fail "$2"; diag_file "$WORK/jsonschema.out"; fi
}

# tap_parse FILE: TAP::Parser's view: "tests=N failed=N parse_errors=N
# yaml=N" (what prove builds on).
tap_parse() {
  perl -MTAP::Parser -e '
    my $p = TAP::Parser->new({ source => $ARGV[0] });
    my $yaml = 0;
    while (my $r = $p->next) { $yaml++ if $r->is_yaml }
    printf "tests=%d failed=%d parse_errors=%d yaml=%d\n",
      $p->tests_run, scalar($p->failed), scalar($p->parse_errors), $yaml;
    print "# $_\n" for $p->parse_errors;' "$1"
}

CHROME_FLAGS="--headless --no-sandbox --disable-gpu --disable-background-networking
  --disable-component-update --disable-sync --no-first-run --disable-extensions
  --mute-audio --hide-scrollbars"

# chrome OUTFILE ARGS...: run headless Chromium with a fresh profile.
chrome() {
  _o=$1
  shift
  _prof=$(mktemp -d "$WORK/chrome.XXXXXX")
  # shellcheck disable=SC2086
  timeout -k 5 90 chromium $CHROME_FLAGS --user-data-dir="$_prof" "$@" \
    > "$_o" 2> "$WORK/chrome.err" < /dev/null
  _rc=$?
  rm -rf "$_prof"
  return $_rc
}

# png_colours PNG: pixels near red #c62828 and green #2e7d32 (our FAIL and
# PASS colours), decoded with zlib alone: "red=N green=N".
png_colours() {
  "$PY" - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), "unexpected PNG type"
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw, stride = zlib.decompress(idat), w * bpp
prev, red, green, i = bytearray(stride), 0, 0, 0
for _ in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        r, g, bl = line[x], line[x + 1], line[x + 2]
        if abs(r - 0xc6) < 12 and abs(g - 0x28) < 12 and abs(bl - 0x28) < 12: red += 1
        if abs(r - 0x2e) < 12 and abs(g - 0x7d) < 12 and abs(bl - 0x32) < 12: green += 1
    prev = line
print("red=%d green=%d" % (red, green))
PY
}

# ---- a hostile server ------------------------------------------------------
GREETING='220 <script>document.title="pwned"</script><img src=x onerror="document.title=1"> & "q" ]]> \x01\x1b[31m \xff\xfe\xc3( ``` ````` <!-- -->'
cat > "$WORK/hostile.script" <<EOF
send $GREETING\r\n
expect-line EHLO
sendn 9999 250-big <&> "x" ]]> \x07 \xc0\xaf\r\n
send 250 last\r\n
expect-line MAIL
send 250 ok\r\n
expect-line RCPT
send 250 <b>accepted</b> &amp; \xff ]]>\r\n
expect-line QUIT
send 221 bye\r\n
EOF
mkdir -p "$WORK/hostile"
cat > "$WORK/hostile/rcpt.yaml" <<'EOF'
title: Unknown recipient is refused <i>(hostile server)</i>
protocol: smtp
convention: rfc821
level: MUST
rfc: RFC 5321 §4.2.2
script: |
  R: 220
  S: EHLO client.example
  R: 250
  S: MAIL FROM:<a@example.test>
  R: 250
  S: RCPT TO:<nobody@example.test>
  R: 550
  S: QUIT
  R: 221
EOF
scripted_server "$WORK/hostile.script"
R=$WORK/h
ms --color=never run -t "$TARGET" -r "junit:$R.xml" -r "json:$R.json" \
  -r "tap:$R.tap" -r "html:$R.html" -r "md:$R.md" "$WORK/hostile"
exit_is 1 "hostile server: the run fails (exit 1) and writes every report"
stop_servers

for f in xml json tap html md; do
  if "$PY" -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' < "$R.$f" 2> /dev/null &&
    ! LC_ALL=C grep -q '[[:cntrl:]]' "$R.$f" 2> /dev/null ||
    [ -z "$(LC_ALL=C tr -d '\n\t' < "$R.$f" | LC_ALL=C tr -d '[:print:]\200-\377' | head -c 1)" ]; then
    pass "hostile: $f report is valid UTF-8 with no control bytes but LF and TAB"
  else
    fail "hostile: $f report is valid UTF-8 with no control bytes but LF and TAB"
  fi
done

check_junit "$R.xml" "hostile: JUnit report is valid against the strict Ant schema"
unlike "@$R.xml" '<script|<img|<b>' "hostile: no server markup in the JUnit report"
like "@$R.xml" '&lt;script&gt;document.title=&quot;pwned&quot;' "hostile: the greeting is in the JUnit report, escaped"
like "@$R.xml" 'R: 250-big &lt;&amp;&gt; &quot;x&quot; \]\]&gt;' "hostile: the 10,000-line reply is in the JUnit report, escaped"

check_json "$R.json" "hostile: JSON report is valid against reports/schema.json"
if "$PY" - "$R.json" > "$WORK/json-facts.out" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
t = d["transcripts"][0]
assert t["greeting"].startswith('220 <script>document.title="pwned"'), t["greeting"]
g = t["greeting"]
# control bytes: raw, or as the engine shows them (\xNN); invalid UTF-8: U+FFFD
assert "\x01\x1b[31m" in g or "\\x01\\x1b[31m" in g, repr(g)
assert " \ufffd\ufffd\ufffd(" in g, repr(g)
assert t["level"] == "MUST" and t["rfc"] == "RFC 5321 §4.2.2"
ehlo = t["steps"][1]
# A result keeps at most 64 KiB of a reply (engine_judge.c); the rest is
# counted in a last line "... (N more lines, M octets, not kept)".
lines = ehlo["got"].split("\n")
import re
m = re.match(r"\.\.\. \((\d+) more lines?, \d+ octets, not kept\)$", lines[-1])
kept = len(lines) - 1 if m else len(lines)
assert kept + (int(m.group(1)) if m else 0) == 10000, (kept, lines[-1])
assert all(l.startswith("250") for l in lines[:kept]), "kept lines are the reply's own"
PY
then pass "hostile: JSON keeps the exact greeting (invalid bytes as U+FFFD) and accounts for all 10,000 lines"
else fail "hostile: JSON keeps the exact greeting and accounts for all 10,000 lines"; diag_file "$WORK/json-facts.out"; fi

ms merge -r "json:$WORK/h-again.json" "$R.json"
if cmp -s "$R.json" "$WORK/h-again.json"; then
  pass "hostile: JSON -> model -> JSON is identical (merge of one file)"
else
  fail "hostile: JSON -> model -> JSON is identical (merge of one file)"
  diff "$R.json" "$WORK/h-again.json" | head -20 | sed 's/^/#   /'
fi

# Issue 16: run, replay and merge share one -r option (tester/cli/cli_report.c);
# replay used to write two reports to stdout one after the other.
for c in "run -t 127.0.0.1:1" "replay -t 127.0.0.1:1" "merge"; do
  # shellcheck disable=SC2086
  ms $c -r json -r tap "$R.json"
  exit_is 2 "mailspec ${c%% *} -r json -r tap: refused (two reports on stdout)"
  like "@$ERR" 'two reports would go to stdout' "... and says why"
  # shellcheck disable=SC2086
  ms $c -r "json:$WORK/same" -r "tap:$WORK/same" "$R.json"
  exit_is 2 "mailspec ${c%% *}: two reports into one file refused"
done
ms --color=always merge -r "text:$WORK/m.txt" "$R.json"
like "@$WORK/m.txt" '^(PASS|FAIL|ERROR)' "merge -r text:FILE writes the text report"
unlike "@$WORK/m.txt" "$(printf '\033')" "mailspec --color=always merge: no colour escapes in a report file"

TP=$(tap_parse "$R.tap")
like "$TP" '^tests=1 failed=1 parse_errors=0 yaml=1$' "hostile: TAP::Parser reads the TAP report (1 test, 1 failed, YAML block, no parse error)"
prove --exec cat "$R.tap" > "$WORK/prove.out" 2>&1
unlike "@$WORK/prove.out" 'Parse errors|Bad plan' "hostile: prove reads the TAP report without parse errors"
like "@$WORK/prove.out" 'Failed 1/1 subtests' "hostile: prove counts the failure"
YAML_GREETING=$(perl -MTAP::Parser -e '
  my $p = TAP::Parser->new({ source => $ARGV[0] });
  while (my $r = $p->next) { print $r->data->{greeting} if $r->is_yaml }' "$R.tap")
case "$YAML_GREETING" in
'220 <script>document.title="pwned"</script>'*) pass "hostile: the TAP YAML block decodes to the greeting as sent" ;;
*) fail "hostile: the TAP YAML block decodes to the greeting as sent" "got: $YAML_GREETING" ;;
esac

# Outside fenced code blocks (where nothing is markup) no server markup.
awk '/^```/ { inside = !inside; next } !inside' "$R.md" > "$WORK/md-prose"
unlike "@$WORK/md-prose" '<script|<img|<b>|<i>' "hostile: no raw server markup in the Markdown prose"
like "@$R.md" '^\+ R: 220 <script>' "hostile: the Markdown diff shows the greeting verbatim inside its fence"
like "@$R.md" '^``````diff$' "hostile: the Markdown diff fence is longer than the server's backticks"

unlike "@$R.html" 'https?:' "hostile: the HTML report contains no URL at all"
if need chromium "hostile: Chromium renders the HTML report"; then
  if chrome "$WORK/dom.html" --dump-dom "file://$R.html"; then
    pass "hostile: Chromium renders the HTML report"
  else
    fail "hostile: Chromium renders the HTML report"
    diag_file "$WORK/chrome.err"
  fi
  like "@$WORK/dom.html" '<title>mailspec report: 127\.0\.0\.1:[0-9]+</title>' "hostile: no server script ran (document.title unchanged)"
  is "$(grep -o '<script' "$WORK/dom.html" | wc -l)" 1 "hostile: the page holds exactly one script element, ours"
  unlike "@$WORK/dom.html" '<img' "hostile: the server's <img onerror> is not an element"
  like "@$WORK/dom.html" '&lt;script&gt;document\.title="pwned"&lt;/script&gt;' "hostile: the greeting shows as text"
  like "@$WORK/dom.html" '[0-9]+ more lines \(full text below\)' "hostile: the 10,000-line reply is cut in the ladder, not lost"
fi

# ---- real runs against the reference server ------------------------------
# serve_ref [--fault NAME]: lib.sh's serve (a free port; TARGET), stdin
# closed.
serve_ref() {
  serve "$@" < /dev/null
}

PLAN="$ROOT/transcripts/rfc821 $ROOT/transcripts/rfc5321"
serve_ref
BASE_TARGET=$TARGET
# shellcheck disable=SC2086
ms --color=never run -t "$TARGET" -r "json:$WORK/base.json" -r "junit:$WORK/base.xml" \
  -r "tap:$WORK/base.tap" -r "html:$WORK/base.html" -r "md:$WORK/base.md" $PLAN
BASE_RC=$RC
if [ -s "$WORK/base.json" ]; then pass "reference server: run writes the JSON result (exit $BASE_RC)"
else fail "reference server: run writes the JSON result"; diag_file "$ERR"; fi
check_json "$WORK/base.json" "reference server: JSON valid against the schema"
check_junit "$WORK/base.xml" "reference server: JUnit valid against the strict Ant schema"
TP=$(tap_parse "$WORK/base.tap")
like "$TP" 'parse_errors=0' "reference server: TAP::Parser reads the TAP report"

# Issue 16: one id derivation.  A transcript under mytranscripts/ that
# does not load has the same id as when it runs, so diff shows ERROR ->
# PASS, not "removed" and "added".
mkdir -p "$WORK/x/mytranscripts"
printf 'title: broken\nprotocol: smtp\nsteps:\n  - S: 2xx\n  - bogus: 1\n' > "$WORK/x/mytranscripts/a.yaml"
ms --color=never run -t "$TARGET" -r "json:$WORK/id1.json" "$WORK/x/mytranscripts/a.yaml"
exit_is 2 "a transcript that does not load: exit 2"
cp "$ROOT/transcripts/smtp/quit-close.yaml" "$WORK/x/mytranscripts/a.yaml"
ms --color=never run -t "$TARGET" -D helo=client.example -r "json:$WORK/id2.json" "$WORK/x/mytranscripts/a.yaml"
exit_is 0 "... and once fixed, it passes"
ms --color=never diff "$WORK/id1.json" "$WORK/id2.json"
like "@$OUT" 'x/mytranscripts/a: ERROR -> PASS' "diff: the same id before and after (ERROR -> PASS)"
like "@$OUT" ' 0 added, 0 removed$' "diff: nothing removed or added"

serve_ref --fault rcpt-250
# shellcheck disable=SC2086
ms --color=never run -t "$TARGET" -r "json:$WORK/fault.json" -r "html:$WORK/fault.html" $PLAN
exit_is 1 "--fault rcpt-250: the run fails"

ms diff "$WORK/base.json" "$WORK/base.json"
exit_is 0 "diff of a run with itself: exit 0"
like "@$OUT" '^0 regressions, 0 new passes, 0 changed reply codes' "diff of a run with itself: nothing changed"

ms diff "$WORK/base.json" "$WORK/fault.json"
exit_is 1 "diff base -> rcpt-250 fault: a regression, exit 1"
like "@$OUT" '^regressions \([1-9][0-9]*\):$' "diff base -> fault: lists the regressions"
like "@$OUT" 'rfc821/scenario-01-typical-transaction: PASS -> FAIL' "diff base -> fault: Scenario 1 regressed"
like "@$OUT" '^ +- R: 550' "diff base -> fault: the step diff shows the 550 expected"
like "@$OUT" '^ +\+ R: 250' "diff base -> fault: ... and the 250 got"
like "@$OUT" 'was: 550' "diff base -> fault: ... and what the server said before"

ms diff "$WORK/fault.json" "$WORK/base.json"
exit_is 0 "diff fault -> base: no regression, exit 0"
like "@$OUT" '^new passes \([1-9][0-9]*\):$' "diff fault -> base: lists the new passes"

# A 250 -> 251 change on a passing step, an added and a removed test.
"$PY" - "$WORK/base.json" "$WORK/edited.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
ts = d["transcripts"]
hit = None
for t in ts:
    for s in t["steps"]:
        if t["verdict"] == "PASS" and s["verdict"] == "PASS" and s["code"] == 250:
            hit = s
            break
    if hit: break
hit["code"] = 251
hit["got"] = "251 User not local; will forward"
gone = ts.pop()
ts.append(dict(gone, id="added/new-test"))
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False, indent=1)
PY
ms diff "$WORK/base.json" "$WORK/edited.json"
like "@$OUT" '^changed reply codes \(1\):$' "diff: a 250 -> 251 change where both pass is listed"
like "@$OUT" ': 250 -> 251 \(both PASS\)$' "diff: ... with both codes"
like "@$OUT" '^added \(1\):$' "diff: an added test is listed"
like "@$OUT" '^removed \(1\):$' "diff: a removed test is listed"
exit_is 0 "diff: a code change, an addition and a removal are no regression (exit 0)"

echo '{"format": "mailspec-result", "version": 9, "transcripts": []}' > "$WORK/v9.json"
ms diff "$WORK/v9.json" "$WORK/base.json"
exit_is 2 "diff: a newer format version is bad input (exit 2)"
like "@$ERR" 'v9\.json:1:[0-9]+: version: version 9 is not supported' "diff: ... with file:line:col"
printf '{"format": "mailspec-result",\n "version": 1, "transcripts": [\n' > "$WORK/cut.json"
ms diff "$WORK/base.json" "$WORK/cut.json"
exit_is 2 "diff: a truncated file is bad input (exit 2)"
like "@$ERR" 'cut\.json:3:1: end of input' "diff: ... with line:col"
ms diff "$WORK/base.json"
exit_is 2 "diff: one file only is a usage error (exit 2)"

# ---- merge: slices into one report -----------------------------------------
# Two slices of the same transcripts (as files, so their ids are those of
# the whole run), run apart and merged.
ls "$ROOT/transcripts/rfc821"/*.yaml | sort > "$WORK/all.list"
N=$(wc -l < "$WORK/all.list")
TARGET=$BASE_TARGET
ms --color=never run -t "$TARGET" -r "json:$WORK/full.json" "$ROOT/transcripts/rfc821"
FULL_RC=$RC
# shellcheck disable=SC2046
ms --color=never run -t "$TARGET" -r "json:$WORK/part1.json" $(head -n $((N / 2)) "$WORK/all.list")
# shellcheck disable=SC2046
ms --color=never run -t "$TARGET" -r "json:$WORK/part2.json" $(tail -n +$((N / 2 + 1)) "$WORK/all.list")
ms merge -r "json:$WORK/merged.json" -r "junit:$WORK/merged.xml" -r "tap:$WORK/merged.tap" \
  -r "html:$WORK/merged.html" -r "md:$WORK/merged.md" "$WORK/part1.json" "$WORK/part2.json"
exit_is "$FULL_RC" "merge: exit status as for the whole run ($FULL_RC)"
check_json "$WORK/merged.json" "merge: the merged JSON is valid against the schema"
check_junit "$WORK/merged.xml" "merge: the merged JUnit is valid against the strict Ant schema"
like "$(tap_parse "$WORK/merged.tap")" "^tests=$N .*parse_errors=0" "merge: the merged TAP holds all $N tests"
# Same tests, verdicts, steps and codes as one whole run (timings aside).
SAME=$("$PY" - "$WORK/full.json" "$WORK/merged.json" <<'PY'
import json, sys
def facts(p):
    d = json.load(open(p, encoding="utf-8"))
    return [(t["id"], t["verdict"], [(s["line"], s["verdict"], s["code"]) for s in t["steps"]])
            for t in d["transcripts"]], d["counts"]
print("same" if facts(sys.argv[1]) == facts(sys.argv[2]) else "different")
PY
)
is "$SAME" same "merge: the merged result equals one run over all transcripts (timings aside)"
ms diff "$WORK/full.json" "$WORK/merged.json"
exit_is 0 "merge: diff of whole run and merged slices shows no regression"
like "@$OUT" '^0 regressions, 0 new passes, 0 changed reply codes, 0 other changes, 0 added, 0 removed$' \
  "merge: ... and no difference at all"

ms merge -r "json:$WORK/twice.json" "$WORK/part1.json" "$WORK/part1.json"
exit_is 2 "merge: the same slice twice is refused (exit 2)"
like "@$ERR" 'is in both .*part1\.json and .*part1\.json' "merge: ... saying which files overlap"

# --shard K/N, when run has it: the slices of a deterministic split merge
# back into the whole run.
ms run --help
if grep -q -- '--shard' "$OUT"; then
  for k in 1 2 3; do
    ms --color=never run -t "$TARGET" --shard "$k/3" -r "json:$WORK/shard$k.json" "$ROOT/transcripts/rfc821"
  done
  ms merge -r "json:$WORK/shards.json" "$WORK/shard1.json" "$WORK/shard2.json" "$WORK/shard3.json"
  exit_is "$FULL_RC" "--shard 1/3..3/3 merged: exit status as for the whole run"
  ms diff "$WORK/full.json" "$WORK/shards.json"
  like "@$OUT" '^0 regressions, 0 new passes, 0 changed reply codes, 0 other changes, 0 added, 0 removed$' \
    "--shard 1/3..3/3 merged: the same tests and verdicts as the whole run"
  ORDER=$("$PY" - "$WORK/full.json" "$WORK/shards.json" <<'PY'
import json, sys
ids = [[t["id"] for t in json.load(open(f))["transcripts"]] for f in sys.argv[1:]]
print("same" if ids[0] == ids[1] and ids[0] else "full %s\nmerged %s" % tuple(ids))
PY
)
  is "$ORDER" same "--shard 1/3..3/3 merged: listed in the unsharded order (plan_index)"
else
  skip "--shard slices merge back into the whole run" "run has no --shard yet"
fi

# ---- run --repeat N: one result per run, same id ---------------------------
ms --color=never run -t "$TARGET" --repeat 3 -r "json:$WORK/rep.json" "$ROOT/transcripts/rfc821/example-01-mail-procedure.yaml"
exit_is 0 "--repeat 3: passes"
REP=$("$PY" - "$WORK/rep.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ids = [t["id"] for t in r["transcripts"]]
print(len(ids), len(set(ids)), r["counts"]["PASS"])
PY
)
is "$REP" "3 1 3" "--repeat 3: three results with the same id, counted three times"

# ---- diff role letters follow the transcript's convention -----------------
CONV5321=$(yaml conv/c5321.yaml <<'EOF2'
title: the diff speaks C and S here
convention: rfc5321
script: |
  S: 220
  C: NOOP
  S: 554
EOF2
)
ms --color=never run -t "$TARGET" -r "json:$WORK/conv.json" "$CONV5321"
like "@$OUT" '^    C: NOOP$' "text diff: an rfc5321 transcript's client line is C:"
like "@$OUT" '^  - S: 554$' "text diff: ... and its server line S:"
like "@$WORK/conv.json" '"convention": "rfc5321"' "JSON: the convention is recorded"
ms merge -r text "$WORK/conv.json"
like "@$OUT" '^    C: NOOP$' "merge (JSON round trip): still C:"

# ---- the HTML report of a real run in Chromium -----------------------------
if need chromium "Chromium renders the report of a real run"; then
  chrome "$WORK/fault.dom" --dump-dom "file://$WORK/fault.html#only=FAIL"
  like "@$WORK/fault.dom" '<table class="sum" id="summary">' "HTML: the summary table is rendered"
  like "@$WORK/fault.dom" '<th>MUST</th>' "HTML: counts by level"
  like "@$WORK/fault.dom" 'data-verdict="PASS" hidden=""' "HTML: #only=FAIL hides passing transcripts (our filter script ran)"
  unlike "@$WORK/fault.dom" 'data-verdict="FAIL" hidden' "HTML: ... and shows the failing ones"
  like "@$WORK/fault.dom" 'fill="#c62828">expected</text>' "HTML: the failing step's expected/got box is in the ladder"
  if chrome "$WORK/shot.out" --window-size=1000,1600 --screenshot="$WORK/shot.png" "file://$WORK/fault.html" &&
    [ -s "$WORK/shot.png" ]; then
    pass "HTML: Chromium takes a screenshot"
    COL=$(png_colours "$WORK/shot.png" 2>&1)
    like "$COL" '^red=([1-9][0-9]{2,}) green=([1-9][0-9]{2,})$' "HTML: the screenshot shows red (failures) and green (passes): $COL"
  else
    fail "HTML: Chromium takes a screenshot"
    diag_file "$WORK/chrome.err"
  fi
fi

# mailspec coverage: tester/tests/t/coverage.t.
