#!/bin/sh
# matrix.sh: every conformance suite against every real server this machine
# has, each with its waiver file; then reports/real-servers.md, the result
# matrix a vendor reads first (issue 4, "Real servers"; issue 15).
#
#   tester/tests/matrix.sh [-o DIR] [-m FILE] [SERVER...]
#
#   SERVER   postfix exim opensmtpd sendmail courier haraka smtp-sink
#            aiosmtpd dovecot-submission dovecot courier-pop cyrus-pop
#            (default: all)
#   -o DIR   results: DIR/SERVER.RUN.json and .txt per configuration,
#            DIR/SERVER.json (all of the server's runs in one result),
#            SERVER.RUN.err (waiver notes), SERVER.status; default
#            tester/tests/tmp/matrix
#   -m FILE  the Markdown matrix (default reports/real-servers.md; "-m -"
#            writes none)
#
# Each server is started by tester/tests/servers/SCRIPT.sh on a free
# 127.0.0.1 port of 26000-26999, once per configuration (runs_of: the
# main one, one with STARTTLS and AUTH, one that requires them for
# submission), and stopped by PID afterwards.  SMTP servers get
# rfc5321, esmtp, smuggling, starttls, auth (and submission where the
# server can require TLS and AUTH); POP3 servers get pop3-capa, rfc1939,
# starttls and auth as testuser/testpass (APOP secret testpass; testuser
# is also ${apop_user}), with the maildrop reseeded before each run.
# Every run uses --strict, so a SHOULD failure needs a waiver as much as a
# MUST failure, and the server's suites/waivers/NAME.yaml.
#
# Exit status: 0 when every server that is here ran and its runs exited 0
# (waived failures allowed), 1 otherwise.  A server that cannot run here
# is SKIP; under CI=true it is a failure, as is one that cannot start.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MAILSPEC=${MAILSPEC:-$ROOT/mailspec}
SRV=$HERE/servers
. "$SRV/common.sh"

ALL_SERVERS="postfix exim opensmtpd sendmail courier haraka smtp-sink aiosmtpd dovecot-submission dovecot courier-pop cyrus-pop"
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
  case $1 in dovecot | courier-pop | cyrus-pop) echo pop3 ;; *) echo smtp ;; esac
}

# runs_of NAME: one line per configuration the server is started in,
# "RUN SCRIPT ARGS|SUITES" (ARGS may be empty; "-" for none).  Each suite
# runs once per server, against the configuration that offers what it
# needs: STARTTLS and AUTH where the server's script can set them up
# (otherwise the suites run on the main configuration, where their
# transcripts SKIP for want of STARTTLS or AUTH), submission only where
# the server can require TLS and AUTH before mail (an MX rightly takes
# mail without them).
runs_of() {
  M="suites/rfc5321.yaml suites/esmtp.yaml suites/smuggling.yaml"
  T="suites/starttls.yaml suites/auth.yaml"
  P="suites/pop3-capa.yaml suites/rfc1939.yaml"
  S=suites/submission.yaml
  case $1 in
  postfix)
    echo "main postfix -|$M"
    echo "tls postfix-submission optional|$T"
    echo "submission postfix-submission -|$S" ;;
  sendmail | courier | exim)
    echo "main $1 -|$M"
    echo "tls $1 tls|$T"
    echo "submission $1 submission|$S" ;;
  opensmtpd) echo "main opensmtpd -|$M"; echo "tls opensmtpd tls|$T" ;;
  haraka) echo "main haraka -|$M"; echo "tls haraka tls|$T" ;;
  aiosmtpd)
    echo "main aiosmtpd -|$M"
    echo "tls aiosmtpd-tls optional|$T"
    echo "submission aiosmtpd-tls auth-required|$S" ;;
  smtp-sink) echo "main $1 -|$M $T" ;;
  dovecot) echo "main dovecot -|$P"; echo "tls dovecot-tls -|$T" ;;
  # a submission server only: MAIL needs AUTH, which the starttls and
  # auth suites' transcripts do not expect of the server they judge
  dovecot-submission) echo "submission dovecot-submission -|$S" ;;
  courier-pop | cyrus-pop) echo "main $1 -|$P"; echo "tls $1 tls|$T" ;;
  esac
}

# The mailboxes each server's scripted configuration knows (servers/*.sh):
# testuser exists on Postfix, Exim, OpenSMTPD, Sendmail, Courier and
# Haraka (Courier refuses a domain without a dot: mx.example.test there,
# also as the served ${domain} of rfc5321's postmaster tests);
# smtp-sink and aiosmtpd accept every recipient, so they have no unknown
# mailbox (-D unknown=, empty: the tests that need one SKIP).  POP3:
# testuser/testpass; Dovecot (dovecot-tls.sh) also has the auth suite's
# 255-octet and UTF-8 accounts, Courier and Cyrus have neither (-D
# longuser= -D utf8user=: auth/pop3-plain-255 and -utf8 SKIP); none has a
# maildrop that cannot be parsed (-D corruptuser=: pop3/corrupt-maildrop
# SKIPs).
defines_of() {
  case $1 in
  dovecot)
    echo "-D user=testuser -D pass=testpass -D secret=testpass -D apop_user=testuser -D corruptuser=" ;;
  courier-pop | cyrus-pop)
    echo "-D user=testuser -D pass=testpass -D secret=testpass -D apop_user=testuser -D longuser= -D utf8user= -D corruptuser=" ;;
  courier)
    echo "-D rcpt=testuser@mx.example.test -D rcpt2=postmaster@mx.example.test -D unknown=nosuchuser@mx.example.test -D domain=mx.example.test -D utf8rcpt=josé@mx.example.test -D utf8vrfy=josé@mx.example.test -D utf8fwd=forward-utf8@mx.example.test -D utf8moved=moved-utf8@mx.example.test -D asciionly=ascii-only@mx.example.test" ;;
  postfix | exim | opensmtpd | sendmail | haraka)
    echo "-D rcpt=testuser@localhost -D rcpt2=postmaster@localhost -D unknown=nosuchuser@localhost" ;;
  *) echo "-D rcpt=testuser@localhost -D rcpt2=postmaster@localhost -D unknown=" ;;
  esac
}

# jobs_of: POP3 locks the maildrop per session (RFC 1939 §8), so one at a time.
jobs_of() {
  case $(protocol_of "$1") in pop3) echo 1 ;; *) echo 4 ;; esac
}

# version_of NAME: the package and its version (installed, or the .deb
# the server script unpacked, or Haraka's from npm).
version_of() {
  case $1 in
  postfix | smtp-sink) pkg=postfix ;;
  aiosmtpd) pkg=python3-aiosmtpd ;;
  dovecot) pkg=dovecot-pop3d ;;
  dovecot-submission) pkg=dovecot-submissiond ;;
  exim) pkg=exim4-daemon-light ;;
  opensmtpd) pkg=opensmtpd ;;
  sendmail) pkg=sendmail-bin ;;
  courier) pkg=courier-mta ;;
  courier-pop) pkg=courier-pop ;;
  cyrus-pop) pkg=cyrus-pop3d ;;
  haraka)
    v=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' \
      "$ROOT/build/haraka/node_modules/Haraka/package.json" 2>/dev/null | head -n 1)
    echo "Haraka ${v:-unknown} (npm, in build/haraka)"
    return ;;
  esac
  v=$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null) || v=
  if [ -z "$v" ]; then
    cache=${MAILSPEC_SERVER_CACHE:-/var/cache/mailspec-servers}
    deb=$(ls "$cache"/*/debs/"${pkg}_"*.deb 2>/dev/null | head -n 1)
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

STARTED=    # "SCRIPT DIR" of the server running now, stopped on exit
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

# start SCRIPT DIR ARGS: start on a free port (retried when the port is
# taken between the pick and the bind); sets PORT.  Non-zero with the
# reason in DIR/start.log.
start() {
  _script=$1 _dir=$2
  shift 2
  tries=0
  while [ $tries -lt 5 ]; do
    tries=$((tries + 1))
    PORT=$(pick_port) || return 1
    src=0
    sh "$SRV/$_script.sh" start "$_dir" "$PORT" "$@" > "$_dir/start.log" 2>&1 || src=$?
    [ $src = 0 ] && { STARTED="$_script $_dir"; return 0; }
    [ $src = 75 ] || return 1
  done
  return 1
}

# run_one NAME RUN SCRIPT ARGS SUITES: start SCRIPT with ARGS, run SUITES
# with the server's waivers into OUT/NAME.RUN.json, stop it.  Prints the
# run's exit status; non-zero return when the server did not start.
run_one() {
  name=$1 run=$2 script=$3 args=$4 suites=$5
  [ "$args" = - ] && args=
  dir=$OUT/srv-$name-$run
  rm -rf "$dir"
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  if ! start "$script" "$dir" $args; then
    echo "could not start $script${args:+ $args}: $(head -n 3 "$dir/start.log" | tr '\n' ' ')" > "$OUT/$name.why"
    return 1
  fi
  echo "matrix: $name ($run: $script${args:+ $args}) on 127.0.0.1:$PORT" >&2
  # POP3: the known messages again (rfc1939.yaml's last transcript empties
  # the maildrop, which is why it is the last of its run).
  sh "$SRV/$script.sh" reseed "$dir" > /dev/null 2>&1 || true
  ca=
  [ -f "$dir/cafile.pem" ] && ca="--cafile $dir/cafile.pem"
  rc=0
  # shellcheck disable=SC2046,SC2086
  (cd "$ROOT" && "$MAILSPEC" --color=never run --strict -j "$(jobs_of "$name")" \
    --timeout 10 -t "127.0.0.1:$PORT" $ca --waivers "suites/waivers/$name.yaml" \
    $(defines_of "$name") -r "json:$OUT/$name.$run.json" -r "text:$OUT/$name.$run.txt" \
    $suites) > /dev/null 2> "$OUT/$name.$run.err" < /dev/null || rc=$?
  cleanup
  echo "$rc"
}

# merge NAME RUNS: OUT/NAME.json, one result of all the server's runs (the
# transcripts in run order, counts added up), and OUT/NAME.txt.
merge() {
  "$SRV_PY" - "$OUT" "$@" <<'PY'
import json, os, sys
out, name, runs = sys.argv[1], sys.argv[2], sys.argv[3:]
merged = None
for r in runs:
    with open(os.path.join(out, "%s.%s.json" % (name, r))) as f:
        d = json.load(f)
    if merged is None:
        merged = d
        continue
    merged["transcripts"] += d["transcripts"]
    for k, v in d.get("counts", {}).items():
        merged["counts"][k] = merged["counts"].get(k, 0) + v
with open(os.path.join(out, name + ".json"), "w") as f:
    json.dump(merged, f)
PY
  for r in "$@"; do
    [ "$r" = "$1" ] && continue
    cat "$OUT/$1.$r.txt"
  done > "$OUT/$1.txt" 2>/dev/null || true
}

# run_server NAME: each of its configurations in turn.  Returns non-zero
# when a run failed, or it could not run and CI=true demands it.
run_server() {
  name=$1
  # by run name: "srv-dovecot-*" would take dovecot-submission's too
  for r in $(runs_of "$name" | cut -d' ' -f1); do rm -rf "$OUT/srv-$name-$r"; done
  rm -rf "$OUT/$name".*
  if ! why=$(sh "$SRV/$name.sh" check 2>&1); then
    status "$name" skip "not available here: $why"
    echo "matrix: $name: SKIP ($why)"
    [ "${CI:-}" = true ] && { echo "matrix: CI=true: $name must be available" >&2; return 1; }
    return 0
  fi
  worst=0 runs=
  runs_of "$name" > "$OUT/$name.runs"
  while IFS='|' read -r head suites; do
    # shellcheck disable=SC2086
    set -- $head
    if ! rc=$(run_one "$name" "$1" "$2" "$3" "$suites" < /dev/null); then
      status "$name" error "$(cat "$OUT/$name.why")"
      echo "matrix: $name: $(cat "$OUT/$name.why")" >&2
      sed 's/^/  /' "$OUT/srv-$name-$1/start.log" >&2
      return 1
    fi
    [ "$rc" = 0 ] || worst=$rc
    runs="$runs $1"
  done < "$OUT/$name.runs"
  # shellcheck disable=SC2086
  merge "$name" $runs
  echo "matrix: $name: exit $worst ($(tail -n 1 "$OUT/$name.txt" 2>/dev/null))"
  status "$name" ran "$worst"
  [ "$worst" = 0 ]
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
  for s in $SERVERS; do
    VERSIONS="$VERSIONS$s=$(version_of "$s");"
    runs_of "$s" > "$OUT/$s.runs"
  done
  "$SRV_PY" - "$ROOT" "$OUT" "$VERSIONS" "$("$MAILSPEC" --version 2>/dev/null | head -n 1)" \
    $SERVERS > "$1.tmp" <<'PY' && mv "$1.tmp" "$1"
import fnmatch, json, os, re, sys

root, out, versions, generator = sys.argv[1:5]
servers = sys.argv[5:]
NAMES = {"postfix": "Postfix", "exim": "Exim", "opensmtpd": "OpenSMTPD",
         "sendmail": "Sendmail", "courier": "Courier", "haraka": "Haraka",
         "smtp-sink": "smtp-sink", "aiosmtpd": "aiosmtpd", "dovecot": "Dovecot",
         "dovecot-submission": "Dovecot submission",
         "courier-pop": "Courier POP3", "cyrus-pop": "Cyrus POP3"}
PROTO = {"dovecot": "pop3", "courier-pop": "pop3", "cyrus-pop": "pop3"}
SUITES = ["suites/rfc5321.yaml", "suites/esmtp.yaml", "suites/smuggling.yaml",
          "suites/starttls.yaml", "suites/auth.yaml", "suites/submission.yaml",
          "suites/rfc1939.yaml", "suites/pop3-capa.yaml"]
vers = dict(v.split("=", 1) for v in versions.split(";") if "=" in v)


def title(path):
    for line in open(os.path.join(root, path), encoding="utf-8"):
        if line.startswith("title:"):
            return line.split(":", 1)[1].strip().strip('"')
    return path


TITLES = {title(x): x for x in SUITES}


def runs(s):
    """[(run, script args, [suite paths])] from OUT/NAME.runs."""
    out_ = []
    for line in open(os.path.join(out, s + ".runs")):
        head, suites = line.rstrip("\n").split("|", 1)
        run, script, args = head.split(" ")
        out_.append((run, script + ("" if args == "-" else " " + args), suites.split()))
    return out_


def applies(t):
    """False for a transcript of the other protocol (a POP3 STLS test
    against an SMTP server): it does not apply, whatever it says."""
    return not (t["verdict"] == "SKIP" and "this transcript is" in (t.get("reason") or ""))


def quiet(g):
    """A greeting without what changes from run to run (dates, APOP
    timestamps), so that the report only changes when a verdict does."""
    g = re.sub(r"<[^<>@]*@[^<>]*>", "<timestamp>", g)
    g = re.sub(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), +\d+ \w+ \d{4} [\d:]+( [+-]\d{4}| GMT)?", "DATE", g)
    return g


def waivers(path):
    """The waiver file's server and its waivers (test, reason, expires,
    verdict, line).  Only the YAML the waiver files use: plain or quoted scalars
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
        if cur is None or k not in ("test", "reason", "expires", "verdict"):
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
        results[s]["transcripts"] = [t for t in results[s]["transcripts"] if applies(t)]
    except (OSError, ValueError):
        pass

p = print
p("# Real servers: the conformance matrix")
p()
p("Generated by `tester/tests/matrix.sh` with %s; do not edit by hand." % (generator or "mailspec"))
p("Each server was started by `tester/tests/servers/SCRIPT.sh` on a 127.0.0.1")
p("high port, in each configuration named below, and every suite that applies")
p("ran with `mailspec run --strict` (a SHOULD failure counts like a MUST")
p("failure) and the server's waiver file `suites/waivers/NAME.yaml`.")
p("Regenerate with `sh tester/tests/matrix.sh` (as root; `make deps` installs")
p("what the servers need); `tester/tests/t/matrix.t` fails when this file is")
p("stale.")
p()
p("Verdicts: **PASS**; **FAIL** (the server did what the RFC does not allow);")
p("**WAIVED** (a FAIL explained in the server's waiver file, reasons below);")
p("**SKIP** (the server does not offer what the test needs, e.g. the")
p("extension it checks); **ERROR** (could not be judged); `-` (not run).")
p()
p("## Servers and suites")
p()
p("Each cell: tests passed / tests judged (PASS + FAIL + WAIVED + ERROR), then")
p("how many were waived and skipped; `n/a`: the suite does not apply to the")
p("server as configured (submission needs a server that requires TLS and")
p("AUTH before mail; POP3 suites only for POP3 servers and SMTP suites only")
p("for SMTP servers).")
p()
short = [os.path.basename(x)[:-5] for x in SUITES]
p("| server | " + " | ".join("`%s`" % x for x in short) + " | run |")
p("|---|" + "---|" * len(SUITES) + "---|")
for s in servers:
    r = results.get(s) or {}
    cells = []
    for path in SUITES:
        ts = [t for t in r.get("transcripts", []) if TITLES.get(t.get("suite")) == path]
        if not ts:
            cells.append("n/a" if s in results else "-")
            continue
        n = {v: sum(t["verdict"] == v for t in ts) for v in ("PASS", "FAIL", "WAIVED", "SKIP", "ERROR")}
        judged = n["PASS"] + n["FAIL"] + n["WAIVED"] + n["ERROR"]
        c = "%d/%d" % (n["PASS"], judged)
        extra = []
        if n["FAIL"] or n["ERROR"]:
            extra.append("**%d failed**" % (n["FAIL"] + n["ERROR"]))
        if n["WAIVED"]:
            extra.append("%d waived" % n["WAIVED"])
        if n["SKIP"]:
            extra.append("%d skipped" % n["SKIP"])
        cells.append(c + (" (" + ", ".join(extra) + ")" if extra else ""))
    st, why = status[s]
    run = "exit " + why.split(" ")[0] if st == "ran" else st.upper() + ": " + why
    p("| %s | %s | %s |" % (NAMES.get(s, s), " | ".join(cells), md(run)))
p()
p("## Configurations")
p()
p("| server | package | greeting | configurations (script and arguments: suites) |")
p("|---|---|---|---|")
for s in servers:
    r = results.get(s) or {}
    g = next((t["greeting"].split("\n")[0] for t in r.get("transcripts", [])
              if t.get("greeting")), "")
    conf = "; ".join("`%s`: %s" % (a, ", ".join(os.path.basename(x)[:-5] for x in su))
                     for _, a, su in runs(s))
    p("| %s | %s | %s | %s |" % (NAMES.get(s, s), md(vers.get(s, "")),
                                 "`%s`" % md(quiet(g)) if g else "", md(conf)))
p()


def cell(t):
    v = t["verdict"]
    if v == "SKIP":
        m = re.search(r"does not advertise (\S+( \S+)?)", t.get("reason") or "")
        return "SKIP (no %s)" % m.group(1).split(" (")[0] if m else "SKIP"
    return "**%s**" % v if v in ("FAIL", "ERROR") else v


for proto, title_ in (("smtp", "SMTP"), ("pop3", "POP3")):
    cols = [s for s in servers if PROTO.get(s, "smtp") == proto]
    if not cols:
        continue
    p("## %s: every test" % title_)
    p()
    rows, meta = [], {}
    for s in cols:
        for t in results.get(s, {}).get("transcripts", []):
            if t["id"] not in meta:
                rows.append(t["id"])
                meta[t["id"]] = t
    if not rows:
        p("No %s server ran here." % title_)
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
    used = [t["id"] for t in results.get(s, {}).get("transcripts", [])
            if t["verdict"] == "WAIVED"]
    p("| test | reason | expires |")
    p("|---|---|---|")
    for w in items:
        test = w.get("test", "")
        # a pattern, as tester/waiver.c matches it (fnmatch, no flags)
        hit = any(fnmatch.fnmatchcase(i, test) for i in used)
        mark = " (matched no failure)" if s in results and not hit else ""
        if w.get("verdict") == "ERROR":
            mark += " (covers an ERROR)"
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
