# lib.sh: helpers for the TAP scripts in tester/tests/t/*.t (POSIX sh).
#
#   . "$(dirname "$0")/../lib.sh"
#
# TAP:      ok DESC CMD...   is GOT WANT DESC   like TEXT ERE DESC
#           unlike TEXT ERE DESC   pass DESC   fail DESC [DIAG]
#           diag MSG   skip_all REASON   skip DESC REASON   bail_out REASON
#           The plan ("1..N") is printed at exit (done_testing style).
# mailspec: ms ARGS...  runs ./mailspec: status in $RC, output in $OUT
#           (stdout) and $ERR (stderr) files, never hangs (watchdog).
# servers:  require_server NAME [ARGS...] starts tester/tests/servers/NAME.sh
#           on a free 127.0.0.1 port from 21000-21999 and sets $PORT and
#           $TARGET; every server started is stopped by PID at exit.  Under
#           CI=true a server that does not start is a FAILED test.
#           scripted_server SCRIPT starts scripted_server.py with SCRIPT.
#           serve ARGS... starts `mailspec serve ARGS...` on 127.0.0.1:0
#           and sets $TARGET and $SDIR; unserve [--rc] stops it.
# files:    $WORK is a fresh directory, removed at exit (kept if
#           KEEP_TMP=1 or a test failed).

LIB_T_DIR=${LIB_T_DIR:-$(cd "$(dirname "$0")" && pwd)}
TESTS=$(cd "$LIB_T_DIR/.." && pwd)
ROOT=$(cd "$TESTS/../.." && pwd)
MAILSPEC=${MAILSPEC:-$ROOT/mailspec}
PY=/usr/bin/python3
. "$TESTS/servers/common.sh"

TEST_NAME=$(basename "$0" .t)
# Postfix is one system-wide install (/etc/postfix): two test runs on one
# machine (two checkouts) must not reconfigure it under each other.  The
# test files that start it hold this lock for their whole run; a single
# `make check` never waits on it.
case " postfix matrix rfc821-real tls-client tls-server import delivery " in
*" $TEST_NAME "*) exec 9> /tmp/mailspec-postfix.lock && flock 9 ;;
esac
mkdir -p "$TESTS/tmp"
WORK=$(mktemp -d "$TESTS/tmp/$TEST_NAME.XXXXXX")
OUT=$WORK/.out
ERR=$WORK/.err
RC=0

T_COUNT=0
T_FAILED=0
T_SKIP_ALL=
T_SERVERS=       # "NAME:DIR" entries, stopped in reverse order at exit

# ---- TAP ----------------------------------------------------------------

diag() {
  printf '%s\n' "$@" | sed 's/^/# /'
}

# diag_file FILE [LABEL]: the file's content as TAP comments (bounded).
diag_file() {
  [ -s "$1" ] || return 0
  echo "# --- ${2:-$(basename "$1")} ---"
  # awk ends every line with a newline, even a cut one: the plan line that
  # may follow must start a line of its own.
  head -c 6000 "$1" | awk '{ print "#   " $0 }'
  [ "$(wc -c < "$1")" -le 6000 ] || echo "#   ... (cut at 6000 octets)"
}

pass() {
  T_COUNT=$((T_COUNT + 1))
  echo "ok $T_COUNT - $1"
}

fail() {
  T_COUNT=$((T_COUNT + 1))
  T_FAILED=$((T_FAILED + 1))
  echo "not ok $T_COUNT - $1"
  shift
  [ $# -gt 0 ] && diag "$@"
  return 0
}

skip() {
  T_COUNT=$((T_COUNT + 1))
  echo "ok $T_COUNT - $1 # SKIP ${2:-}"
}

# ok DESC CMD...: passes if CMD exits 0.
ok() {
  _d=$1
  shift
  if "$@"; then pass "$_d"; else fail "$_d" "command failed: $*"; fi
}

# is GOT WANT DESC
is() {
  if [ "$1" = "$2" ]; then pass "$3"; else fail "$3" "got:  '$1'" "want: '$2'"; fi
}

# like TEXT ERE DESC: TEXT (a string, or @FILE for a file's content)
# matches the extended regular expression ERE somewhere.
like() {
  if lib_grep "$1" "$2"; then pass "$3"; else
    fail "$3" "no match for /$2/ in:"; lib_show "$1"; fi
}

unlike() {
  if lib_grep "$1" "$2"; then
    fail "$3" "unexpected match for /$2/ in:"; lib_show "$1"; else pass "$3"; fi
}

lib_grep() {
  case "$1" in
  @*) grep -Eq -- "$2" "${1#@}" 2>/dev/null ;;
  *) printf '%s\n' "$1" | grep -Eq -- "$2" ;;
  esac
}

lib_show() {
  case "$1" in
  @*) diag_file "${1#@}" ;;
  *) printf '%s\n' "$1" | head -c 6000 | awk '{ print "#   " $0 }' ;;
  esac
}

skip_all() {
  T_SKIP_ALL=$1
  exit 0
}

bail_out() {
  echo "Bail out! $1"
  T_FAILED=$((T_FAILED + 1))
  exit 255
}

# ---- running mailspec ---------------------------------------------------

# ms ARGS...: run mailspec with a 120 s watchdog (a hang is a failure, not
# a stuck CI job).  Sets RC; stdout in $OUT, stderr in $ERR.
ms() {
  if [ ! -x "$MAILSPEC" ]; then
    bail_out "$MAILSPEC not built (run make)"
  fi
  RC=0
  timeout -k 5 120 "$MAILSPEC" "$@" > "$OUT" 2> "$ERR" < /dev/null || RC=$?
  [ "$RC" = 124 ] && diag "mailspec $* was killed by the 120 s watchdog"
  return 0
}

# exit_is WANT DESC: the last ms run exited WANT; shows its output if not.
exit_is() {
  if [ "$RC" = "$1" ]; then pass "$2"; else
    fail "$2" "exit status $RC, want $1"
    diag_file "$OUT" stdout
    diag_file "$ERR" stderr
  fi
}

# ---- ports and servers --------------------------------------------------

# pick_port: a port of 21000-21999 that is free now.  Starting points are
# spread by PID so parallel test scripts rarely collide; a server script
# that finds its port taken after all exits 75 and is retried.
pick_port() {
  "$PY" - "$$" <<'PY'
import random, socket, sys
rnd = random.Random(int(sys.argv[1]) * 7919 ^ random.getrandbits(32))
for _ in range(200):
    p = rnd.randrange(21000, 22000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    sys.exit(0)
sys.exit("no free port in 21000-21999")
PY
}

# start_server NAME [ARGS...]: start tester/tests/servers/NAME.sh on a free
# port.  Sets PORT and TARGET.  Returns non-zero (reason in $WORK/NAME.why).
start_server() {
  _name=$1
  shift
  _script=$TESTS/servers/$_name.sh
  _why=$WORK/$_name.why
  [ -f "$_script" ] || { echo "no server script $_script" > "$_why"; return 1; }
  if ! sh "$_script" check > "$_why" 2>&1; then return 1; fi
  _sdir=$WORK/srv-$_name
  # A second start of NAME reuses its directory: stop the first instance
  # now, or its pid file is overwritten and it outlives the test.
  case " $T_SERVERS " in
  *" $_name:$_sdir "*) sh "$_script" stop "$_sdir" > /dev/null 2>&1 || true ;;
  esac
  _tries=0
  while [ $_tries -lt 5 ]; do
    _tries=$((_tries + 1))
    PORT=$(pick_port) || { echo "no free port" > "$_why"; return 1; }
    T_SERVERS="$_name:$_sdir $T_SERVERS"
    _src=0
    sh "$_script" start "$_sdir" "$PORT" "$@" > "$_why" 2>&1 || _src=$?
    [ $_src = 0 ] && break
    [ $_src = 75 ] || return 1
  done
  [ $_src = 0 ] || return 1
  TARGET=127.0.0.1:$PORT
  return 0
}

# require_server NAME [ARGS...]: start_server, or (CI=true) fail / (else)
# skip everything with the reason.
require_server() {
  if start_server "$@"; then
    diag "$1 ready on $TARGET"
    return 0
  fi
  if [ "${CI:-}" = true ]; then
    fail "$1 server starts on 127.0.0.1 (CI=true: a real server that cannot start is a failure)"
    diag_file "$WORK/$1.why" reason
    exit 1
  fi
  _reason=$(head -n 1 "$WORK/$1.why" 2>/dev/null)
  if [ "$T_COUNT" = 0 ]; then
    skip_all "$1 unavailable: ${_reason:-unknown reason}"
  fi
  skip "$1 server" "unavailable: ${_reason:-unknown reason}"
  exit 0
}

# scripted_server SCRIPTFILE: start scripted_server.py replaying SCRIPTFILE
# for every connection.  Sets PORT and TARGET; log in $WORK/scripted-N.log.
T_NSCRIPTED=0
scripted_server() {
  T_NSCRIPTED=$((T_NSCRIPTED + 1))
  _sdir=$WORK/scripted-$T_NSCRIPTED
  mkdir -p "$_sdir"
  _tries=0
  while [ $_tries -lt 5 ]; do
    _tries=$((_tries + 1))
    PORT=$(pick_port) || bail_out "no free port"
    "$PY" "$TESTS/scripted_server.py" --port "$PORT" --log "$_sdir/received.log" \
      --ready "$_sdir/ready" "$1" > "$_sdir/server.log" 2>&1 &
    echo $! > "$_sdir/scripted.pid"
    T_SERVERS="scripted:$_sdir $T_SERVERS"
    _i=0
    while [ ! -f "$_sdir/ready" ] && [ $_i -lt 200 ] && ! srv_gone "$(cat "$_sdir/scripted.pid")"; do
      sleep 0.05
      _i=$((_i + 1))
    done
    if [ -f "$_sdir/ready" ]; then
      TARGET=127.0.0.1:$PORT
      SCRIPTED_DIR=$_sdir
      return 0
    fi
    srv_killwait "$_sdir/scripted.pid"
    grep -q 'Address already in use' "$_sdir/server.log" || break
  done
  diag_file "$_sdir/server.log"
  bail_out "scripted server did not start"
}

# serve ARGS...: start the reference server, `mailspec serve ARGS...`, in
# the background on 127.0.0.1:0 (the kernel picks the port: no clash with
# parallel tests).  Waits up to 10 s for its --ready-file, which holds the
# address it listens on; bails out if it never comes or the server dies.
# Sets TARGET (that address), SERVE_POP3 (the POP3 side's address with
# --pop3-listen, else empty) and SDIR ($WORK/serve-N: ready, out, err,
# scripted.pid).  Registered in T_SERVERS as a "scripted" entry, so that
# stop_servers kills it by PID at exit if the test did not unserve it.
NSERVE=0
serve() {
  NSERVE=$((NSERVE + 1))
  SDIR=$WORK/serve-$NSERVE
  mkdir -p "$SDIR"
  "$MAILSPEC" serve --listen 127.0.0.1:0 --ready-file "$SDIR/ready" "$@" \
    > "$SDIR/out" 2> "$SDIR/err" &
  echo $! > "$SDIR/scripted.pid"
  T_SERVERS="scripted:$SDIR $T_SERVERS"
  _i=0
  while [ ! -s "$SDIR/ready" ] && [ $_i -lt 200 ] &&
    kill -0 "$(cat "$SDIR/scripted.pid")" 2> /dev/null; do
    sleep 0.05
    _i=$((_i + 1))
  done
  # The ready file: ADDR:PORT, and with --pop3-listen the POP3 side's.
  TARGET=$(sed -n 1p "$SDIR/ready" 2> /dev/null)
  SERVE_POP3=$(sed -n 2p "$SDIR/ready" 2> /dev/null)
  [ -n "$TARGET" ] || { diag_file "$SDIR/err"; bail_out "mailspec serve $* did not start"; }
}

# unserve: stop the last server `serve` started (SDIR) and wait for it:
# SIGTERM, then SIGKILL after 5 s (srv_killwait).
# unserve --rc: SIGTERM only, wait up to 10 s, then reap it and set
# SERVE_RC to its exit status, for tests of a clean shutdown.  The server
# is this shell's child (serve runs it in the background), hence `wait`.
# shellcheck disable=SC2034 # SERVE_RC is for the caller
unserve() {
  if [ "${1:-}" != --rc ]; then
    srv_killwait "$SDIR/scripted.pid"
    return
  fi
  _pid=$(cat "$SDIR/scripted.pid")
  kill -TERM "$_pid"
  _i=0
  while kill -0 "$_pid" 2>/dev/null && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
  wait "$_pid" 2>/dev/null
  SERVE_RC=$?
  rm -f "$SDIR/scripted.pid"
}

stop_servers() {
  for _e in $T_SERVERS; do
    _n=${_e%%:*}
    _d=${_e#*:}
    case "$_n" in
    scripted) srv_killwait "$_d/scripted.pid" ;;
    *) sh "$TESTS/servers/$_n.sh" stop "$_d" > /dev/null 2>&1 || true ;;
    esac
  done
  T_SERVERS=
}

# ---- cleanup ------------------------------------------------------------

lib_exit() {
  _status=$?
  trap - EXIT
  trap '' PIPE   # a reader that went away must not stop the cleanup
  stop_servers
  if [ -n "$T_SKIP_ALL" ]; then
    echo "1..0 # SKIP $T_SKIP_ALL"
  else
    echo "1..$T_COUNT"
  fi
  if [ "$T_FAILED" = 0 ] && [ "${KEEP_TMP:-0}" != 1 ]; then
    rm -rf "$WORK"
  else
    diag "work files kept in $WORK"
  fi
  [ "$T_FAILED" = 0 ] || exit 1
  exit "$_status"
}
trap lib_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# yaml NAME: write stdin to $WORK/NAME and print the path.
yaml() {
  mkdir -p "$(dirname "$WORK/$1")"
  cat > "$WORK/$1"
  printf '%s\n' "$WORK/$1"
}
