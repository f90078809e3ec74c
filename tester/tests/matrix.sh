#!/bin/sh
# matrix.sh: every conformance suite against every real server this machine
# has, each with its waiver file; then reports/real-servers.md, the result
# matrix a vendor reads first (issue 4, "Real servers").
#
#   tester/tests/matrix.sh [-o DIR] [-m FILE] [SERVER...]
#
#   SERVER   postfix exim opensmtpd smtp-sink aiosmtpd dovecot (default: all)
#   -o DIR   results: DIR/SERVER.json (mailspec's JSON result), SERVER.txt
#            (text report), SERVER.err (waiver notes, server logs),
#            SERVER.status; default tester/tests/tmp/matrix
#   -m FILE  the Markdown matrix (default reports/real-servers.md; "-m -"
#            writes none)
#
# Each server is started by tester/tests/servers/NAME.sh on a free
# 127.0.0.1 port of 26000-26999 and stopped by PID afterwards.  SMTP servers
# get suites/rfc5321.yaml and suites/esmtp.yaml; Dovecot gets
# suites/rfc1939.yaml and suites/pop3-capa.yaml as testuser/testpass (APOP
# secret testpass), with its maildrop reseeded before each suite (the suites
# delete mail).  Runs use
# --strict, so a SHOULD failure needs a waiver as much as a MUST failure.
#
# Exit status: 0 when every server that is here ran and its run exited 0
# (waived failures allowed), 1 otherwise.  A server that is not installed
# is SKIP; under CI=true it is a failure, as is one that cannot start.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MAILSPEC=${MAILSPEC:-$ROOT/mailspec}
SRV=$HERE/servers
. "$SRV/common.sh"

ALL_SERVERS="postfix exim opensmtpd smtp-sink aiosmtpd dovecot"
OUT=$ROOT/tester/tests/tmp/matrix
MD=$ROOT/reports/real-servers.md

usage() {
  echo "usage: matrix.sh [-o DIR] [-m FILE|-] [SERVER...]" >&2
  echo "servers: $ALL_SERVERS" >&2
  exit 2
}

while getopts o:m:h opt; do
  case $opt in
  o) OUT=$OPTARG ;;
  m) MD=$OPTARG ;;
  *) usage ;;
  esac
done
shift $((OPTIND - 1))
SERVERS=${*:-$ALL_SERVERS}
for s in $SERVERS; do
  case " $ALL_SERVERS " in *" $s "*) ;; *) echo "matrix.sh: unknown server '$s'" >&2; usage ;; esac
done
[ -x "$MAILSPEC" ] || { echo "matrix.sh: $MAILSPEC not built (run make)" >&2; exit 2; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# Exim and Dovecot read their files under $OUT after dropping privileges
# (every directory above it must be traversable too).
chmod 755 "$OUT"

# ---- what each server gets ------------------------------------------------

protocol_of() {
  case $1 in dovecot) echo pop3 ;; *) echo smtp ;; esac
}

suites_of() {
  case $(protocol_of "$1") in
  pop3) echo "suites/pop3-capa.yaml suites/rfc1939.yaml" ;;
  *) echo "suites/rfc5321.yaml suites/esmtp.yaml" ;;
  esac
}

# The mailboxes each server's scripted configuration knows (servers/*.sh):
# testuser exists on Postfix, Exim and OpenSMTPD; smtp-sink and aiosmtpd
# accept every recipient.
defines_of() {
  case $1 in
  dovecot) echo "-D user=testuser -D pass=testpass -D secret=testpass -D apop_user=testuser" ;;
  postfix | exim | opensmtpd)
    echo "-D rcpt=testuser@localhost -D rcpt2=postmaster@localhost -D unknown=nosuchuser@localhost" ;;
  *) echo "-D rcpt=testuser@localhost -D rcpt2=postmaster@localhost" ;;
  esac
}

# jobs_of: POP3 locks the maildrop per session (RFC 1939 §8), so one at a time.
jobs_of() {
  case $(protocol_of "$1") in pop3) echo 1 ;; *) echo 4 ;; esac
}

# version_of NAME: the Debian package and its version (installed, or the
# .deb the server script unpacked).
version_of() {
  case $1 in
  postfix | smtp-sink) pkg=postfix ;;
  aiosmtpd) pkg=python3-aiosmtpd ;;
  dovecot) pkg=dovecot-pop3d ;;
  exim) pkg=exim4-daemon-light ;;
  opensmtpd) pkg=opensmtpd ;;
  esac
  v=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null) || v=
  if [ -z "$v" ]; then
    deb=$(ls "${MAILSPEC_SERVER_CACHE:-/var/cache/mailspec-servers}/$1/debs/${pkg}_"*.deb 2>/dev/null | head -n 1)
    [ -n "$deb" ] && v="$(dpkg-deb -f "$deb" Version 2>/dev/null) (unpacked, not installed)"
  fi
  echo "$pkg ${v:-unknown}"
}

# ---- ports ----------------------------------------------------------------

pick_port() {
  "$SRV_PY" - "$$" <<'PY'
import random, socket, sys
rnd = random.Random(int(sys.argv[1]) * 7919 ^ random.getrandbits(32))
for _ in range(200):
    p = rnd.randrange(26000, 27000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    sys.exit(0)
sys.exit("no free port in 26000-26999")
PY
}

# ---- one server -----------------------------------------------------------

STARTED=    # "NAME DIR" of the server running now, stopped on exit
cleanup() {
  if [ -n "$STARTED" ]; then
    # shellcheck disable=SC2086
    set -- $STARTED
    sh "$SRV/$1.sh" stop "$2" > /dev/null 2>&1 || true
    STARTED=
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# status NAME WORD TEXT: SERVER.status holds "WORD TEXT" (ran, skip, error).
status() {
  printf '%s %s\n' "$2" "$3" > "$OUT/$1.status"
}

# start NAME DIR: start on a free port (retried when the port is taken
# between the pick and the bind); sets PORT.  Non-zero with the reason in
# DIR/start.log.
start() {
  tries=0
  while [ $tries -lt 5 ]; do
    tries=$((tries + 1))
    PORT=$(pick_port) || return 1
    src=0
    sh "$SRV/$1.sh" start "$2" "$PORT" > "$2/start.log" 2>&1 || src=$?
    [ $src = 0 ] && { STARTED="$1 $2"; return 0; }
    [ $src = 75 ] || return 1
  done
  return 1
}

# run_server NAME: start it, run its suites, stop it.  Returns the run's
# exit status (or 1 when it could not run and CI=true demands it).
run_server() {
  name=$1
  dir=$OUT/srv-$name
  rm -rf "$dir" "$OUT/$name".*
  mkdir -p "$dir"
  if ! why=$(sh "$SRV/$name.sh" check 2>&1); then
    status "$name" skip "not available here: $why"
    echo "matrix: $name: SKIP ($why)"
    [ "${CI:-}" = true ] && { echo "matrix: CI=true: $name must be available" >&2; return 1; }
    return 0
  fi
  if ! start "$name" "$dir"; then
    status "$name" error "could not start: $(head -n 3 "$dir/start.log" | tr '\n' ' ')"
    echo "matrix: $name: could not start" >&2
    sed 's/^/  /' "$dir/start.log" >&2
    return 1
  fi
  echo "matrix: $name on 127.0.0.1:$PORT"
  # One run for all of the server's suites (one JSON, and one waiver file
  # judged against all of them).  POP3: the maildrop is reseeded first, and
  # rfc1939.yaml, whose last transcript empties it, runs last.
  [ "$name" = dovecot ] && sh "$SRV/dovecot.sh" reseed "$dir"
  rc=0
  # shellcheck disable=SC2046
  (cd "$ROOT" && "$MAILSPEC" --color=never run --strict -j "$(jobs_of "$name")" \
    --timeout 10 -t "127.0.0.1:$PORT" --waivers "suites/waivers/$name.yaml" \
    $(defines_of "$name") -r "json:$OUT/$name.json" -r "text:$OUT/$name.txt" \
    $(suites_of "$name")) > /dev/null 2> "$OUT/$name.err" < /dev/null || rc=$?
  cleanup
  echo "matrix: $name: exit $rc ($(tail -n 1 "$OUT/$name.txt" 2>/dev/null))"
  status "$name" ran "$rc 127.0.0.1:$PORT"
  [ $rc = 0 ]
}

FAILED=
T0=$(date +%s)
for s in $SERVERS; do
  run_server "$s" || FAILED="$FAILED $s"
done
echo "matrix: $(($(date +%s) - T0)) s for: $SERVERS"

# ---- the Markdown matrix --------------------------------------------------

# write_md FILE: reports/real-servers.md from $OUT/*.json, *.status and the
# waiver files (Debian's python3, standard library only).
write_md() {
  VERSIONS=
  for s in $SERVERS; do VERSIONS="$VERSIONS$s=$(version_of "$s");"; done
  "$SRV_PY" - "$ROOT" "$OUT" "$VERSIONS" "$("$MAILSPEC" --version 2>/dev/null | head -n 1)" \
    $SERVERS > "$1.tmp" <<'PY' && mv "$1.tmp" "$1"
import datetime, json, os, re, sys

root, out, versions, generator = sys.argv[1:5]
servers = sys.argv[5:]
NAMES = {"postfix": "Postfix", "exim": "Exim", "opensmtpd": "OpenSMTPD",
         "smtp-sink": "smtp-sink", "aiosmtpd": "aiosmtpd", "dovecot": "Dovecot"}
PROTO = {"dovecot": "pop3"}
SUITES = {"smtp": ["suites/rfc5321.yaml", "suites/esmtp.yaml"],
          "pop3": ["suites/rfc1939.yaml", "suites/pop3-capa.yaml"]}
vers = dict(v.split("=", 1) for v in versions.split(";") if "=" in v)


def waivers(path):
    """The waiver file's server and its waivers (test, reason, expires,
    line).  Only the YAML the waiver files use: plain or quoted scalars
    and folded (>, >-) blocks."""
    server, items, cur, key, fold = None, [], None, None, None
    try:
        lines = open(path, encoding="utf-8").read().split("\n")
    except OSError:
        return None, []
    for n, raw in enumerate(lines, 1):
        if fold is not None:
            if raw.strip() and len(raw) - len(raw.lstrip()) > fold:
                cur[key] = (cur[key] + " " + raw.strip()).strip()
                continue
            fold = None
        if raw.lstrip().startswith("#") or not raw.strip():
            continue
        m = re.match(r"^(\s*)(- )?(\w+):\s*(.*?)\s*$", raw)
        if not m:
            continue
        ind, dash, k, v = m.groups()
        if not ind and not dash and k == "server":
            server = v.strip("'\"")
            continue
        if dash:
            cur = {"line": n}
            items.append(cur)
        if cur is None or k not in ("test", "reason", "expires"):
            continue
        if v in (">", ">-"):
            cur[k], key, fold = "", k, len(ind) + (2 if dash else 0)
        else:
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                v = v[1:-1]
            cur[k] = v
    return server, items


def md(t):
    return str(t).replace("|", "\\|").replace("\n", " ")


results, status = {}, {}
for s in servers:
    try:
        st = open(os.path.join(out, s + ".status")).read().strip().split(" ", 1)
        status[s] = (st[0], st[1] if len(st) > 1 else "")
    except OSError:
        status[s] = ("error", "no status written")
    try:
        results[s] = json.load(open(os.path.join(out, s + ".json")))
    except (OSError, ValueError):
        pass

started = sorted(r.get("started_utc") for r in results.values() if r.get("started_utc"))
date = started[0] if started else \
    datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
p = print
p("# Real servers: the conformance matrix")
p()
p("Generated by `tester/tests/matrix.sh` on %s (UTC) with %s; do not edit"
  % (date[:10], generator or "mailspec"))
p("by hand. Each server was started by `tester/tests/servers/NAME.sh` on a")
p("127.0.0.1 high port and run with `mailspec run --strict` (a SHOULD failure")
p("counts like a MUST failure) and its waiver file `suites/waivers/NAME.yaml`.")
p("Regenerate with `sh tester/tests/matrix.sh` (as root, servers installed).")
p()
p("Verdicts: **PASS**; **FAIL** (the server did what the RFC does not allow);")
p("**WAIVED** (a FAIL explained in the server's waiver file, reasons below);")
p("**SKIP** (the server does not advertise the extension the test needs);")
p("**ERROR** (could not be judged); `-` (not run: the server is not here).")
p()
p("## Servers")
p()
p("| server | Debian package | greeting | run | PASS | FAIL | WAIVED | SKIP | ERROR |")
p("|---|---|---|---|---|---|---|---|---|")
for s in servers:
    r = results.get(s) or {}
    g = next((t["greeting"].split("\n")[0] for t in r.get("transcripts", [])
              if t.get("greeting")), "")
    c = r.get("counts", {})
    st, why = status[s]
    run = "exit " + why.split(" ")[0] if st == "ran" else st.upper() + ": " + why
    p("| %s | %s | %s | %s | %s |" % (
        NAMES.get(s, s), md(vers.get(s, "")), "`%s`" % md(g) if g else "", md(run),
        " | ".join(str(c.get(k, "-")) for k in ("PASS", "FAIL", "WAIVED", "SKIP", "ERROR"))))
p()


def cell(t):
    v = t["verdict"]
    if v == "SKIP":
        m = re.search(r"does not advertise (\S+)", t.get("reason") or "")
        return "SKIP (no %s)" % m.group(1) if m else "SKIP"
    return "**%s**" % v if v in ("FAIL", "ERROR") else v


for proto, title in (("smtp", "SMTP"), ("pop3", "POP3")):
    cols = [s for s in servers if PROTO.get(s, "smtp") == proto]
    if not cols:
        continue
    p("## %s: %s" % (title, ", ".join("`%s`" % x for x in SUITES[proto])))
    p()
    rows, meta = [], {}
    for s in cols:
        for t in results.get(s, {}).get("transcripts", []):
            if t["id"] not in meta:
                rows.append(t["id"])
                meta[t["id"]] = t
    if not rows:
        p("No %s server ran here." % title)
        p()
        continue
    p("| test | level | clause | " + " | ".join(NAMES.get(s, s) for s in cols) + " |")
    p("|---|---|---|" + "---|" * len(cols))
    for i in rows:
        t = meta[i]
        cells = []
        for s in cols:
            m = [x for x in results.get(s, {}).get("transcripts", []) if x["id"] == i]
            cells.append(cell(m[0]) if m else "-")
        p("| [%s](../%s) | %s | %s | %s |" % (i, t.get("path", ""), t.get("level") or "",
                                            md(t.get("rfc") or ""), " | ".join(cells)))
    p()

p("## Waivers")
p()
p("Each waiver says what the server does and what the RFC says;")
p("`tester/tests/t/matrix.t` fails when one no longer matches a failure.")
p()
for s in servers:
    path = "suites/waivers/%s.yaml" % s
    server, items = waivers(os.path.join(root, path))
    p("### %s: [`%s`](../%s)" % (server or NAMES.get(s, s), path, path))
    p()
    if not items:
        p("No waivers: every test passes or skips.")
        p()
        continue
    used = {t["id"] for t in results.get(s, {}).get("transcripts", [])
            if t["verdict"] == "WAIVED"}
    p("| test | reason | expires |")
    p("|---|---|---|")
    for w in items:
        test = w.get("test", "")
        mark = " (matched no failure)" if s in results and test not in used else ""
        p("| %s%s | %s | %s |" % (md(test), mark, md(w.get("reason", "")),
                                  md(w.get("expires", "")) or "-"))
    p()

bad = [(s, t) for s in servers for t in results.get(s, {}).get("transcripts", [])
       if t["verdict"] in ("FAIL", "ERROR")]
if bad:
    p("## Failures not waived")
    p()
    for s, t in bad:
        p("- %s, %s (%s): %s" % (NAMES.get(s, s), t["id"], t["verdict"],
                                 md(t.get("reason") or "")))
    p()
PY
}

if [ "$MD" != - ]; then
  if write_md "$MD"; then echo "matrix: wrote $MD"; else rm -f "$MD.tmp"; FAILED="$FAILED report"; fi
fi

if [ -n "$FAILED" ]; then
  echo "matrix: FAILED:$FAILED" >&2
  exit 1
fi
exit 0
