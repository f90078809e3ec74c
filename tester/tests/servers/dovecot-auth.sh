#!/bin/sh
# dovecot-auth.sh: a Dovecot that serves only SASL authentication (no mail
# protocol), for Postfix's `smtpd_sasl_type = dovecot` (postfix-submission.sh).
# One user, testuser/testpass (PLAIN, LOGIN, CRAM-MD5), from a passwd-file.
# Interface: see common.sh, with PORT naming the instance only (nothing
# listens on it): the socket is /run/mailspec-sasl-PORT/auth-postfix (mode
# 0666: Postfix's smtpd runs as user postfix, and the test's work directory
# is not traversable for it), and its path is written to DIR/sasl-path.
# Needs root.  Pitfalls: real-servers.md §5 items 25-27.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
NAME=dovecot-auth

cannot_run() {
  command -v dovecot >/dev/null 2>&1 || { echo "Dovecot not installed (apt-get install dovecot-core)"; return 0; }
  [ "$(id -u)" = 0 ] || { echo "Dovecot needs root to start"; return 0; }
  return 1
}

case "${1:-}" in
check)
  if why=$(cannot_run); then echo "$why"; exit 1; fi
  ;;
start)
  [ $# -ge 3 ] || srv_usage $NAME
  DIR=$2 PORT=$3
  if why=$(cannot_run); then echo "$why" >&2; exit 1; fi
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
  RUN=/run/mailspec-sasl-$PORT
  rm -rf "$RUN"
  mkdir -p "$RUN"; chmod 755 "$RUN"
  cat > "$DIR/dovecot-auth.conf" <<CONF
protocols = none
listen = 127.0.0.1
base_dir = $RUN
instance_name = mailspec-sasl-$PORT
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5
auth_failure_delay = 0
log_path = $DIR/dovecot-auth-mail.log
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $RUN/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
CONF
  echo "testuser:{PLAIN}testpass" > "$RUN/users"
  chown root:dovecot "$RUN/users" 2>/dev/null || true
  chmod 640 "$RUN/users"
  dovecot -F -c "$DIR/dovecot-auth.conf" > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  echo "$RUN/auth-postfix" > "$DIR/sasl-path"
  echo "$RUN" > "$DIR/sasl-run"
  # Ready when the auth service answers its handshake on the socket.
  if ! "$SRV_PY" - "$RUN/auth-postfix" "$(cat "$DIR/$NAME.pid")" <<'PY'
import os, socket, sys, time
path, pid = sys.argv[1], int(sys.argv[2])
end = time.monotonic() + 20
while time.monotonic() < end:
    if not os.path.exists("/proc/%d" % pid):
        sys.exit("dovecot exited")
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(3)
        s.connect(path)
        s.sendall(b"VERSION\t1\t2\nCPID\t%d\n" % os.getpid())
        buf = b""
        while b"DONE\n" not in buf:
            d = s.recv(4096)
            if not d:
                break
            buf += d
        s.close()
        if b"MECH\tPLAIN" in buf:
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
sys.exit("no SASL handshake on %s within 20 s" % path)
PY
  then
    sed 's/^/  dovecot: /' "$DIR/$NAME.log" "$DIR/dovecot-auth-mail.log" 2>/dev/null >&2 || true
    srv_killwait "$DIR/$NAME.pid"
    rm -rf "$RUN"
    exit 1
  fi
  ;;
stop)
  [ $# -ge 2 ] || srv_usage $NAME
  srv_killwait "$2/$NAME.pid"
  if [ -f "$2/sasl-run" ]; then
    run=$(cat "$2/sasl-run")
    case "$run" in /run/mailspec-sasl-*) rm -rf "$run" ;; esac
    rm -f "$2/sasl-run"
  fi
  ;;
*) srv_usage $NAME ;;
esac
