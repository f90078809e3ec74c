#!/bin/sh
# matrix.t: the conformance suites against every real server this machine
# has (tester/tests/matrix.sh, issue 4 "Real servers").  For each server:
# it started (CI=true: it must); for each of its suites, no FAIL or ERROR
# is left once its waiver file is applied (run with --strict, so SHOULD
# failures count); the run exited 0; and every waiver still matches a
# failure (a waiver for a bug that was fixed must go).  The Markdown matrix
# goes to the work directory, not over reports/real-servers.md.
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

for s in postfix exim opensmtpd smtp-sink aiosmtpd dovecot; do
  case $s in
  dovecot) SUITES="suites/rfc1939.yaml suites/pop3-capa.yaml" ;;
  *) SUITES="suites/rfc5321.yaml suites/esmtp.yaml" ;;
  esac
  read -r st rest < "$M/$s.status" 2>/dev/null || { st=error rest="matrix.sh wrote no status"; }
  case $st in
  skip)
    if [ "${CI:-}" = true ]; then
      fail "$s is available (CI=true: every real server must be)" "$rest"
    else
      for su in $SUITES; do skip "$s: $su" "$rest"; done
    fi
    continue
    ;;
  ran) ;;
  *)
    fail "$s starts on 127.0.0.1" "$rest"
    diag_file "$M/srv-$s/start.log" start.log
    continue
    ;;
  esac
  for su in $SUITES; do
    if check_json "$M/$s.json" "$(suite_title "$su")" > "$WORK/$s.check" 2>&1; then
      pass "$s: $su: no FAIL or ERROR with suites/waivers/$s.yaml ($(head -n 1 "$WORK/$s.check"))"
    else
      fail "$s: $su: no FAIL or ERROR with suites/waivers/$s.yaml"
      diag_file "$WORK/$s.check" failures
    fi
  done
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
[ "$MRC" = 0 ] || diag_file "$WORK/matrix.log" matrix.log
like "@$WORK/real-servers.md" '^\| \[smtp/greeting\]' "the Markdown matrix has a row per test"
like "@$WORK/real-servers.md" '^### .*suites/waivers/postfix\.yaml' "and each server's waivers"
