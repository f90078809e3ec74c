#!/bin/sh
# aiosmtpd-tls.sh: aiosmtpd (Debian's python3-aiosmtpd) with STARTTLS
# (require_starttls) and AUTH PLAIN/LOGIN for testuser/testpass, only under
# TLS, on 127.0.0.1:PORT via aiosmtpd_tls_server.py.  Accepts every
# recipient and discards the mail.  The certificate is certs.sh's
# server.pem (CN=localhost, signed by the test CA): trust it with
# --cafile DIR/cafile.pem.
#
#   start DIR PORT [implicit] [optional] [auth-required] [CERTDIR]
#     implicit       TLS from the first octet (465 style), no STARTTLS
#     optional       STARTTLS offered but not required (plaintext mail ok)
#     auth-required  530 for mail commands before AUTH
#     CERTDIR        use this certs.sh directory instead of making one
#
# Interface: see common.sh.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
NAME=aiosmtpd-tls

cannot_run() {
  "$SRV_PY" -c 'import aiosmtpd' 2>/dev/null || {
    echo "$SRV_PY cannot import aiosmtpd (apt-get install python3-aiosmtpd)"; return 0; }
  command -v openssl >/dev/null 2>&1 || { echo "no openssl CLI (apt-get install openssl)"; return 0; }
  return 1
}

# wait_ready PORT PID IMPLICIT CAFILE: a 220 greeting (through TLS when
# IMPLICIT, else STARTTLS must work too).
wait_ready() {
  "$SRV_PY" - "$@" <<'PY'
import os, socket, ssl, sys, time
port, pid, implicit, cafile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
ctx = ssl.create_default_context(cafile=cafile)
end = time.monotonic() + 15
last = "nothing"
while time.monotonic() < end:
    if not os.path.exists("/proc/%d" % pid):
        sys.exit("aiosmtpd exited")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as raw:
            s = ctx.wrap_socket(raw, server_hostname="localhost") if implicit else raw
            f = s.makefile("rb")
            line = f.readline()
            if line.startswith(b"220 "):
                if not implicit:
                    s.sendall(b"STARTTLS\r\n")
                    if not f.readline().startswith(b"220"):
                        sys.exit("STARTTLS refused")
                    s = ctx.wrap_socket(s, server_hostname="localhost")
                    f = s.makefile("rb")
                s.sendall(b"QUIT\r\n")
                f.readline()
                sys.exit(0)
            last = repr(line)
    except (OSError, ssl.SSLError) as e:
        last = str(e)
    time.sleep(0.05)
sys.exit("no 220 with TLS from 127.0.0.1:%d within 15 s (last: %s)" % (port, last))
PY
}

case "${1:-}" in
check)
  if why=$(cannot_run); then echo "$why"; exit 1; fi
  ;;
start)
  [ $# -ge 3 ] || srv_usage $NAME
  DIR=$2 PORT=$3
  shift 3
  FLAGS= IMPLICIT=0 CERTS=
  for a in "$@"; do
    case "$a" in
    implicit) FLAGS="$FLAGS implicit" IMPLICIT=1 ;;
    auth-required) FLAGS="$FLAGS auth-required" ;;
    optional) FLAGS="$FLAGS optional" ;;
    *) CERTS=$a ;;
    esac
  done
  if why=$(cannot_run); then echo "$why" >&2; exit 1; fi
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
  if [ -z "$CERTS" ]; then
    CERTS=$DIR/certs
    sh "$HERE/../certs.sh" "$CERTS" > "$DIR/certs.log" 2>&1 || {
      sed 's/^/  certs.sh: /' "$DIR/certs.log" >&2; exit 1; }
  fi
  CERTS=$(cd "$CERTS" && pwd)
  cp "$CERTS/ca.pem" "$DIR/cafile.pem"
  # shellcheck disable=SC2086 # FLAGS is a list of words
  "$SRV_PY" "$HERE/aiosmtpd_tls_server.py" 127.0.0.1 "$PORT" \
    "$CERTS/server.pem" "$CERTS/server.key" $FLAGS > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  if ! why=$(wait_ready "$PORT" "$(cat "$DIR/$NAME.pid")" $IMPLICIT "$DIR/cafile.pem" 2>&1); then
    echo "$why" >&2
    sed 's/^/  log: /' "$DIR/$NAME.log" >&2
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
