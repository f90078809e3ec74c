#!/bin/sh
# matrix.t: the conformance suites against every real server this machine
# has (tester/tests/matrix.sh, issue 4 "Real servers", issue 15).  For each
# server: it started (CI=true: it must); for each suite that ran on it, no
# FAIL or ERROR is left once its waiver file is applied (run with
# --strict, so SHOULD failures count); its runs exited 0; and every waiver
# still matches a failure (a waiver for a bug that was fixed must go).
# The Markdown matrix goes to the work directory; when every server ran,
# it must equal reports/real-servers.md (else that file is stale).
. "$(dirname "$0")/../lib.sh"

M=$WORK/matrix
# Exim and Dovecot read their files under $M after dropping privileges:
# the mktemp directory (0700) must be traversable.
chmod 755 "$WORK"
MRC=0
sh "$TESTS/matrix.sh" -o "$M" -m "$WORK/real-servers.md" > "$WORK/matrix.log" 2>&1 || MRC=$?
diag "$(grep '^matrix:' "$WORK/matrix.log" | tail -n 1)"

# suite_title FILE: the suite's title: line (JSON results name suites so).
suite_title() {
  sed -n 's/^title: *//p' "$ROOT/$1" | head -n 1 | sed 's/^"\(.*\)"$/\1/'
}

# check_json JSON SUITE_TITLE: prints "N" transcripts of that suite, then
# one line per FAIL/ERROR; exit 1 if there is any (or none ran).
check_json() {
  "$PY" - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ts = [t for t in d["transcripts"] if t.get("suite") == sys.argv[2]]
bad = [t for t in ts if t["verdict"] in ("FAIL", "ERROR")]
print(len(ts), "transcripts,", sum(t["verdict"] == "WAIVED" for t in ts), "waived")
for t in bad:
    print("%s %s (%s): %s" % (t["verdict"], t["id"], t.get("level"), t.get("reason")))
sys.exit(1 if bad or not ts else 0)
PY
}

# unused_waivers WAIVERS JSON: the waivers' test patterns that match no
# WAIVED transcript (fnmatch, as tester/waiver.c); exit 1 if any.
unused_waivers() {
  sed -n "s/^ *- test: *//p" "$1" | sed "s/^['\"]\(.*\)['\"]\$/\1/" |
    "$PY" -c '
import fnmatch, json, sys
d = json.load(open(sys.argv[1]))
waived = [t["id"] for t in d["transcripts"] if t["verdict"] == "WAIVED"]
unused = [p.strip() for p in sys.stdin if p.strip()
          and not any(fnmatch.fnmatchcase(i, p.strip()) for i in waived)]
for p in unused:
    print(p)
sys.exit(1 if unused else 0)' "$2"
}

# suites_ran JSON: the suite titles of the transcripts that apply (a POP3
# test SKIPs on an SMTP server as not its protocol).
suites_ran() {
  "$PY" - "$1" <<'PY'
import json, sys
seen = []
for t in json.load(open(sys.argv[1]))["transcripts"]:
    if t["verdict"] == "SKIP" and "this transcript is" in (t.get("reason") or ""):
        continue
    if t.get("suite") and t["suite"] not in seen:
        seen.append(t["suite"])
print("\n".join(seen))
PY
}

ALL=$(sed -n 's/^ALL_SERVERS="\(.*\)"/\1/p' "$TESTS/matrix.sh")
ALL_RAN=1
for s in $ALL; do
  read -r st rest < "$M/$s.status" 2>/dev/null || { st=error rest="matrix.sh wrote no status"; }
  [ "$st" = ran ] || ALL_RAN=0
  case $st in
  skip)
    if [ "${CI:-}" = true ]; then
      fail "$s is available (CI=true: every real server must be)" "$rest"
    else
      skip "$s" "$rest"
    fi
    continue
    ;;
  ran) ;;
  *)
    fail "$s starts on 127.0.0.1" "$rest"
    for l in "$M/srv-$s"-*/start.log; do diag_file "$l" "$(basename "$(dirname "$l")")"; done
    continue
    ;;
  esac
  suites_ran "$M/$s.json" > "$WORK/$s.suites"
  while IFS= read -r su; do
    if check_json "$M/$s.json" "$su" > "$WORK/$s.check" 2>&1; then
      pass "$s: $su: no FAIL or ERROR with suites/waivers/$s.yaml ($(head -n 1 "$WORK/$s.check"))"
    else
      fail "$s: $su: no FAIL or ERROR with suites/waivers/$s.yaml"
      diag_file "$WORK/$s.check" failures
    fi
  done < "$WORK/$s.suites"
  is "${rest%% *}" 0 "$s: mailspec run --strict exits 0 with its waivers"
  if unused_waivers "$ROOT/suites/waivers/$s.yaml" "$M/$s.json" > "$WORK/$s.unused" 2>&1; then
    pass "$s: every waiver in suites/waivers/$s.yaml still matches a failure"
  else
    fail "$s: every waiver in suites/waivers/$s.yaml still matches a failure" \
      "no longer needed (the server passes now, or the test changed):"
    diag_file "$WORK/$s.unused" unused
  fi
done

is "$MRC" 0 "matrix.sh exits 0"
if [ $ALL_RAN = 1 ]; then
  if cmp -s "$WORK/real-servers.md" "$ROOT/reports/real-servers.md"; then
    pass "reports/real-servers.md is up to date"
  else
    fail "reports/real-servers.md is up to date" \
      "regenerate it: sh tester/tests/matrix.sh (as root); the differences:"
    diff "$ROOT/reports/real-servers.md" "$WORK/real-servers.md" > "$WORK/md.diff" 2>&1
    diag_file "$WORK/md.diff" diff
  fi
else
  skip "reports/real-servers.md is up to date" "not every server ran here"
fi
[ "$MRC" = 0 ] || diag_file "$WORK/matrix.log" matrix.log
like "@$WORK/real-servers.md" '^\| \[smtp/greeting\]' "the Markdown matrix has a row per test"
like "@$WORK/real-servers.md" '^\| Postfix \| [0-9]+/[0-9]+' "and a row per server with a column per suite"
like "@$WORK/real-servers.md" '^### .*suites/waivers/postfix\.yaml' "and each server's waivers"
