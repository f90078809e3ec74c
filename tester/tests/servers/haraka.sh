#!/bin/sh
# haraka.sh: Haraka (npm's Haraka, pinned by haraka/package.json and
# haraka/package-lock.json) with the `node` in PATH on 127.0.0.1:PORT, one
# process (nodes=0), its configuration under DIR.  Installed once into
# build/haraka with `npm ci` (this script does it when build/haraka's lock
# file differs from the committed one; offline after that).  On a bare
# Debian 12 that is Debian's nodejs 18 and npm 9 (tester/deps.sh): the
# lock file keeps every dependency on versions that run on node 18.
#
#   start DIR PORT [tls] [CERTDIR]
#     tls      STARTTLS (the tls plugin) with certs.sh's server.pem (trust
#              it with --cafile DIR/cafile.pem) and AUTH PLAIN LOGIN
#              (auth/flat_file: testuser/testpass), offered inside TLS
#              (and, by flat_file's own rule, in the clear to clients at
#              private addresses such as 127.0.0.1)
#     CERTDIR  use this certs.sh directory instead of making one
#
# Haraka has no local delivery: haraka/mailspec_rcpt.js knows the
# mailboxes (testuser and postmaster at localhost and mx.example.test;
# others 550, other domains "relaying denied"), and haraka/mailspec_queue.js
# accepts each message and discards it.  Interface: see common.sh.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
NAME=haraka
TOP=$(cd "$HERE/../../.." && pwd)
INST=${MAILSPEC_HARAKA_DIR:-$TOP/build/haraka}
HARAKA=$INST/node_modules/Haraka/bin/haraka

# Debian's nodejs installs node (and nodejs, the older name).
NODE=$(command -v node || command -v nodejs || true)

cannot_run() {
  [ -n "$NODE" ] || { echo "no node (apt-get install nodejs)"; return 0; }
  if ! cmp -s "$HERE/haraka/package-lock.json" "$INST/package-lock.json" || [ ! -f "$HARAKA" ]; then
    command -v npm >/dev/null || { echo "Haraka not installed in $INST and no npm (apt-get install npm)"; return 0; }
  fi
  return 1
}

# install: npm ci into $INST when the committed lock file changed.
install() {
  if cmp -s "$HERE/haraka/package-lock.json" "$INST/package-lock.json" && [ -f "$HARAKA" ]; then
    return 0
  fi
  mkdir -p "$INST"
  cp "$HERE/haraka/package.json" "$HERE/haraka/package-lock.json" "$INST/"
  (cd "$INST" && npm ci --omit=optional --no-audit --no-fund) > "$INST/npm-ci.log" 2>&1 || {
    rm -f "$INST/package-lock.json"
    echo "npm ci of Haraka failed (log: $INST/npm-ci.log):" >&2
    tail -n 5 "$INST/npm-ci.log" >&2
    return 1
  }
}

case "${1:-}" in
check)
  if why=$(cannot_run); then echo "$why"; exit 1; fi
  # Installing is part of "can it run here": without the registry (or
  # behind a proxy the machine does not trust) Haraka cannot, which is a
  # reason (a skip outside CI), not a failed start.
  install 2> "${TMPDIR:-/tmp}/haraka-check.$$" || {
    echo "npm ci of Haraka failed: $(grep -m1 -E 'npm (ERR|error)' "$INST/npm-ci.log" 2>/dev/null || tail -n 1 "${TMPDIR:-/tmp}/haraka-check.$$")"
    rm -f "${TMPDIR:-/tmp}/haraka-check.$$"
    exit 1
  }
  rm -f "${TMPDIR:-/tmp}/haraka-check.$$"
  ;;
install)
  install
  ;;
start)
  [ $# -ge 3 ] || srv_usage $NAME
  DIR=$2 PORT=$3
  shift 3
  TLS=0 CERTS=
  for a in "$@"; do
    case "$a" in
    tls) TLS=1 ;;
    *) CERTS=$a ;;
    esac
  done
  if why=$(cannot_run); then echo "$why" >&2; exit 1; fi
  install || exit 1
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  C=$DIR/haraka
  rm -rf "$C"
  mkdir -p "$C/config" "$C/plugins" "$C/queue"
  cp "$HERE/haraka/mailspec_rcpt.js" "$HERE/haraka/mailspec_queue.js" "$C/plugins/"
  printf '[main]\nlisten=127.0.0.1:%s\nnodes=0\ndaemonize=false\n' "$PORT" > "$C/config/smtp.ini"
  echo mx.example.test > "$C/config/me"
  printf 'localhost\nmx.example.test\n' > "$C/config/host_list"
  # no DNS: no plugin that looks anything up; the greeting's name is "me"
  {
    [ $TLS = 1 ] && printf 'tls\nauth/flat_file\n'
    printf 'mailspec_rcpt\nmailspec_queue\n'
  } > "$C/config/plugins"
  printf 'LOGINFO\n' > "$C/config/loglevel"
  if [ $TLS = 1 ]; then
    if [ -z "$CERTS" ]; then
      CERTS=$DIR/certs
      sh "$HERE/../certs.sh" "$CERTS" > "$DIR/certs.log" 2>&1 || {
        sed 's/^/  certs.sh: /' "$DIR/certs.log" >&2; exit 1; }
    fi
    CERTS=$(cd "$CERTS" && pwd)
    cp "$CERTS/ca.pem" "$DIR/cafile.pem"
    cp "$CERTS/server.key" "$C/config/tls_key.pem"
    cp "$CERTS/server.pem" "$C/config/tls_cert.pem"
    printf '[main]\nkey=tls_key.pem\ncert=tls_cert.pem\n' > "$C/config/tls.ini"
    printf '[core]\nmethods=PLAIN,LOGIN\n\n[users]\ntestuser=testpass\n' > "$C/config/auth_flat_file.ini"
  fi
  "$NODE" --version > "$DIR/node.version" 2>&1 || true
  "$NODE" "$HARAKA" -c "$C" > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  if ! srv_wait_banner 127.0.0.1 "$PORT" "220 " 30 "$(cat "$DIR/$NAME.pid")"; then
    tail -n 30 "$DIR/$NAME.log" | sed 's/^/  haraka: /' >&2
    srv_killwait "$DIR/$NAME.pid"
    exit 1
  fi
  ;;
stop)
  [ $# -ge 2 ] || srv_usage $NAME
  srv_killwait "$2/$NAME.pid"
  ;;
*) srv_usage $NAME ;;
esac
