#!/bin/sh
# pcap.t: mailspec run --pcap (issue 6).
#
#  1. The RFC 821 classroom suite against -t builtin with --pcap: one
#     capture per transcript, linked from the reports; tshark reads each
#     and its "Follow TCP Stream" holds every command the transcript sent.
#  2. The round trip: mailspec import those captures and run the imported
#     transcripts against -t builtin (each given its original's world:,
#     which a capture cannot carry): the same verdicts (all PASS).
#  3. Without capture permission: said once, run goes on, same exit
#     status; --pcap-required exits 2 up front.
#  4. A transcript imported with gaps is not replayable: ERROR.
. "$(dirname "$0")/../lib.sh"

if ! command -v tshark > /dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    fail "tshark is installed (the oracle of these tests)"
    exit 1
  fi
  skip_all "tshark not installed (apt-get install tshark)"
fi
if [ "$(id -u)" != 0 ]; then
  skip_all "capturing on lo needs root (CAP_NET_RAW)"
fi

SUITE=$ROOT/suites/rfc821.yaml
CAP=$WORK/caps

# ==== 1. capture =============================================================
ms run --pcap "$CAP" -t builtin -r "json:$WORK/run.json" -r "junit:$WORK/run.xml" \
  -r "html:$WORK/run.html" -v "$SUITE"
exit_is 0 "run --pcap: the RFC 821 classroom passes against builtin"
unlike "@$ERR" 'no capture|cannot capture|permission' "... and every capture worked"

"$PY" - "$WORK/run.json" > "$WORK/check.out" 2>&1 <<'PY'
import json, os, subprocess, sys
run = json.load(open(sys.argv[1]))
bad = 0
n = 0
for t in run["transcripts"]:
    n += 1
    p = t.get("pcap")
    want = t["id"].replace("/", "_") + ".pcap"
    if not p or os.path.basename(p) != want or not os.path.isfile(p):
        print("%s: pcap %r (want .../%s)" % (t["id"], p, want)); bad += 1
        continue
    # every stream tshark follows, as text
    conv = subprocess.run(["tshark", "-r", p, "-q", "-z", "conv,tcp"],
                          capture_output=True, text=True)
    if conv.returncode:
        print("%s: tshark cannot read %s: %s" % (t["id"], p, conv.stderr)); bad += 1
        continue
    streams = sum(1 for l in conv.stdout.splitlines() if "<->" in l)
    follow = ""
    for s in range(max(streams, 1)):
        r = subprocess.run(["tshark", "-r", p, "-q", "-z",
                            "follow,tcp,ascii,%d" % s],
                           capture_output=True, text=True)
        follow += r.stdout
    sent = [l for st in t["steps"] for l in (st.get("sent") or "").split("\n")
            if l and "<redacted>" not in l]
    missing = [l for l in sent if l not in follow]
    if not sent or missing:
        print("%s: %d lines sent, not in the capture: %r" % (t["id"], len(sent), missing[:3]))
        bad += 1
print("%d transcripts, %d bad" % (n, bad))
sys.exit(1 if bad or n == 0 else 0)
PY
CHECK_RC=$?
cp "$ERR" "$WORK/run.err"
CAP_INCOMPLETE=0
if [ "$CHECK_RC" = 0 ]; then
  pass "each transcript has its pcap; tshark follows every command it sent"
elif grep -q 'capture .*incomplete: the kernel dropped' "$WORK/run.err" &&
  ! grep -v 'not in the capture\|transcripts, .* bad' "$WORK/check.out" | grep -q .; then
  # The kernel dropped packets (a reader thread starved for long on a
  # loaded machine) and mailspec said so: a known limit, announced.
  CAP_INCOMPLETE=1
  echo "not ok $((T_COUNT + 1)) - each transcript's pcap holds every command it sent # TODO kernel drops under heavy load (announced by mailspec)"
  T_COUNT=$((T_COUNT + 1))
  diag_file "$WORK/check.out"
  diag_file "$WORK/run.err"
else
  # Lines missing and mailspec did not say its capture was incomplete.
  fail "each transcript has its pcap; tshark follows every command it sent"
  diag_file "$WORK/check.out"
  diag_file "$WORK/run.err"
fi
like "@$WORK/run.xml" 'name="rfc821/scenario-01-typical-transaction.pcap" value="[^"]*rfc821_scenario-01-typical-transaction.pcap"' \
  "JUnit: the pcap is a property"
like "@$WORK/run.html" '<a href="[^"]*rfc821_scenario-01-typical-transaction.pcap">' "HTML: the pcap is a link"
like "@$OUT" '^    pcap: .*rfc821_scenario-01-typical-transaction\.pcap$' "text -v: the pcap is shown"

# ==== 2. round trip ==========================================================
ms import -o "$WORK/imp" "$CAP"/*.pcap
exit_is 0 "import reads every capture of the run"
"$PY" - "$ROOT" "$WORK/imp" > "$WORK/world.out" 2>&1 <<'PY'
# A capture holds the dialogue, not the reference server's world and
# profile: give each imported transcript its original's
# (rfc821_NAME-NNNN.yaml).
import json, os, re, sys, yaml
root, imp = sys.argv[1], sys.argv[2]
for f in sorted(os.listdir(imp)):
    m = re.match(r"rfc821_(.*)-\d{4}\.yaml$", f)
    if not m:
        continue
    orig = os.path.join(root, "transcripts", "rfc821", m.group(1) + ".yaml")
    d = yaml.safe_load(open(orig))
    w = d.get("world")
    if isinstance(w, str):
        w = os.path.join(os.path.dirname(orig), w)
    with open(os.path.join(imp, f), "a") as o:
        if w is not None:
            o.write("world: %s\n" % json.dumps(w))
        if d.get("profile"):
            o.write("profile: %s\n" % d["profile"])
PY
[ $? = 0 ] || diag_file "$WORK/world.out"
ms run -t builtin --timeout 5 -r "json:$WORK/replay.json" "$WORK/imp"
"$PY" - "$WORK/run.json" "$WORK/replay.json" > "$WORK/same.out" 2>&1 <<'PY'
import json, sys
a = {t["id"].replace("/", "_"): t["verdict"] for t in json.load(open(sys.argv[1]))["transcripts"]}
seen = set()
bad = 0
for t in json.load(open(sys.argv[2]))["transcripts"]:
    base = t["id"].rsplit("/", 1)[-1].rsplit("-", 1)[0]
    seen.add(base)
    if a.get(base) != t["verdict"]:
        # Once a bug: the reference server, stopped before the capture
        # ended, answered "421 ... (server stopping)" into the capture, a
        # reply no replay can provoke.  Named when it comes back.
        last = [l for l in open(t["path"]) if l.startswith("  S: ")][-1:]
        known = last and "(server stopping)" in last[0]
        print("%s: %s, the original %s%s" % (t["id"], t["verdict"], a.get(base),
              " (421 server stopping captured)" if known else ""))
        bad += 1
for k in a:
    if k not in seen:
        print("%s: no session imported" % k); bad += 1
sys.exit(1 if bad else 0)
PY
if [ $? = 0 ]; then
  pass "round trip: every original has its sessions imported, with the same verdict"
elif [ "$CAP_INCOMPLETE" = 1 ]; then
  echo "not ok $((T_COUNT + 1)) - round trip: same verdicts # TODO the captures are incomplete (kernel drops, announced above)"
  T_COUNT=$((T_COUNT + 1))
  diag_file "$WORK/same.out"
else
  fail "round trip: every original has its sessions imported, with the same verdict"
  diag_file "$WORK/same.out"
fi

# ==== 2b. what run --pcap keeps of root ========================================
# After its first capture, only CAP_NET_RAW and the file capabilities
# (DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER: 0x200e) of those it had, and
# no_new_privs set.
WANT_CAPS=$("$PY" -c '
import re, sys
m = re.search(r"^CapEff:\s*([0-9a-f]+)$", open("/proc/%s/status" % sys.argv[1]).read(), re.M)
print("%x" % (int(m.group(1), 16) & 0x200e))' $$ 2> /dev/null || echo 200e)
cat > "$WORK/pause.yaml" <<'EOF2'
protocol: smtp
steps:
  - S: 220
  - pause: 3
  - C: QUIT
  - S: 221
EOF2
"$MAILSPEC" run --pcap "$WORK/privcap" -t builtin "$WORK/pause.yaml" > "$WORK/priv.out" 2>&1 &
PRIV_PID=$!
_i=0
while [ $_i -lt 40 ] && ! ls "$WORK/privcap" > /dev/null 2>&1; do sleep 0.05; _i=$((_i + 1)); done
sleep 1
grep -E '^(CapEff|CapBnd|NoNewPrivs):' "/proc/$PRIV_PID/status" > "$WORK/priv.status" 2>&1
wait $PRIV_PID
is "$?" 0 "run --pcap as root: the transcript passes with reduced capabilities"
like "@$WORK/priv.status" "^CapEff:[[:space:]]+0+$WANT_CAPS\$" "run --pcap as root keeps only CAP_NET_RAW and the file capabilities (effective: $WANT_CAPS)"
like "@$WORK/priv.status" "^CapBnd:[[:space:]]+0+$WANT_CAPS\$" "... and in the bounding set"
like "@$WORK/priv.status" '^NoNewPrivs:[[:space:]]+1$' "... with no_new_privs"
ok "... and its capture is written" test -s "$WORK/privcap/"*pause.pcap

# ==== 3. no permission =======================================================
T1=$ROOT/transcripts/rfc821/example-01-mail-procedure.yaml
if command -v setpriv > /dev/null 2>&1; then
  NOCAP="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
  # nobody cannot enter $WORK (mode 700): a directory of its own
  NP=$(mktemp -d /tmp/mailspec-pcap.XXXXXX)
  chmod 777 "$NP"
  RC=0
  $NOCAP "$MAILSPEC" run --pcap "$NP/c" -t builtin "$T1" > "$OUT" 2> "$ERR" || RC=$?
  exit_is 0 "no permission: the run goes on, exit status unchanged"
  is "$(grep -c 'no permission to capture' "$ERR")" 1 "... said once on stderr"
  like "@$ERR" 'running without capture' "... saying it runs without capture"
  RC=0
  $NOCAP "$MAILSPEC" run --pcap "$NP/d" --pcap-required -t builtin "$T1" > "$OUT" 2> "$ERR" || RC=$?
  exit_is 2 "--pcap-required without permission: exit 2"
  unlike "@$OUT" 'PASS' "... up front: nothing ran"
  like "@$ERR" 'no permission to capture' "... saying why"
  rm -rf "$NP"
else
  skip "no permission" "setpriv not installed"
fi

# ==== 4. gaps ================================================================
PCAPS=$TESTS/data/pcaps # public captures, origin and licence in SOURCES.md
if [ -f "$PCAPS/smtp-bdat-gap.pcap" ]; then
  ms import -o "$WORK/gap" "$PCAPS/smtp-bdat-gap.pcap"
  ms run -t builtin "$WORK/gap"
  exit_is 3 "a transcript imported with gaps is not run (ERROR)"
  like "@$OUT" 'not replayable: the capture has gaps \(import or replay with --allow-gaps to run it anyway\)' \
    "... saying why and what to do"
  ms import --allow-gaps -o "$WORK/gap2" "$PCAPS/smtp-bdat-gap.pcap"
  ms run -t builtin "$WORK/gap2"
  unlike "@$OUT" 'not replayable' "--allow-gaps: replayed (the gap step is a no-op)"
else
  fail "gaps" "no smtp-bdat-gap.pcap in $PCAPS (it is part of the project)"
fi
