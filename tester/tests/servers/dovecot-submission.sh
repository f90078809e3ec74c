#!/bin/sh
# dovecot-submission.sh: Dovecot's submission service (Debian's
# dovecot-submissiond, RFC 6409) on 127.0.0.1:PORT, standalone with its own
# config and base_dir (never /etc/dovecot).  It relays what it accepts to
# an smtp-sink it starts on a second loopback port (DIR/relay), which
# discards it.  STARTTLS with certs.sh's server.pem (trust it with
# --cafile DIR/cafile.pem); AUTH PLAIN and LOGIN for testuser/testpass,
# only inside TLS (disable_plaintext_auth); MAIL only after AUTH.
#
#   start DIR PORT [CERTDIR]
#     CERTDIR   use this certs.sh directory instead of making one
#
# Interface: see common.sh.  Needs root.  Its base_dir (sockets) is a short
# mktemp directory under /tmp, named in DIR/base_dir: unix socket paths
# are limited to 107 octets and DIR may be deep (matrix.t's work files).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
NAME=dovecot-submission

cannot_run() {
  [ -x /usr/lib/dovecot/submission-login ] || {
    echo "Dovecot submission not installed (apt-get install dovecot-submissiond)"
    return 0
  }
  [ -x /usr/sbin/smtp-sink ] || { echo "no smtp-sink to relay to (apt-get install postfix)"; return 0; }
  command -v openssl >/dev/null 2>&1 || { echo "no openssl CLI (apt-get install openssl)"; return 0; }
  [ "$(id -u)" = 0 ] || { echo "Dovecot needs root to start"; return 0; }
  return 1
}

free_port() { srv_free_port ; }

case "${1:-}" in
check)
  if why=$(cannot_run); then echo "$why"; exit 1; fi
  ;;
start)
  [ $# -ge 3 ] || srv_usage $NAME
  DIR=$2 PORT=$3 CERTS=${4:-}
  if why=$(cannot_run); then echo "$why" >&2; exit 1; fi
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd); chmod 755 "$DIR"
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  if [ -z "$CERTS" ]; then
    CERTS=$DIR/certs
    sh "$HERE/../certs.sh" "$CERTS" > "$DIR/certs.log" 2>&1 || {
      sed 's/^/  certs.sh: /' "$DIR/certs.log" >&2; exit 1; }
  fi
  CERTS=$(cd "$CERTS" && pwd)
  cp "$CERTS/ca.pem" "$DIR/cafile.pem"
  RELAY=$(free_port)
  sh "$HERE/smtp-sink.sh" start "$DIR/relay" "$RELAY" >&2 || {
    echo "could not start the smtp-sink relay on 127.0.0.1:$RELAY" >&2; exit 1; }
  id testuser >/dev/null 2>&1 || useradd -m -s /bin/sh testuser
  TUID=$(id -u testuser); TGID=$(id -g testuser)
  BASE=$(mktemp -d /tmp/ms-dsub.XXXXXX)
  chmod 755 "$BASE"
  echo "$BASE" > "$DIR/base_dir"
  cat > "$DIR/dovecot.conf" <<CONF
protocols = submission
listen = 127.0.0.1
base_dir = $BASE
instance_name = mailspec-submission-$PORT
hostname = mx.example.test
ssl = yes
ssl_cert = <$CERTS/server.pem
ssl_key = <$CERTS/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_failure_delay = 0
log_path = $DIR/dovecot-mail.log
mail_location = maildir:~/Maildir
submission_relay_host = 127.0.0.1
submission_relay_port = $RELAY
submission_relay_trusted = yes
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DIR/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $DIR/users
}
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = $PORT
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
CONF
  echo "testuser:{PLAIN}testpass:$TUID:$TGID::$DIR/home/testuser::" > "$DIR/users"
  chown root:dovecot "$DIR/users" 2>/dev/null || true
  chmod 640 "$DIR/users"
  mkdir -p "$DIR/home/testuser"; chown "$TUID:$TGID" "$DIR/home/testuser"
  dovecot -F -c "$DIR/dovecot.conf" > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  if ! srv_wait_banner 127.0.0.1 "$PORT" "220 " 20 "$(cat "$DIR/$NAME.pid")"; then
    sed 's/^/  dovecot: /' "$DIR/$NAME.log" "$DIR/dovecot-mail.log" 2>/dev/null >&2 || true
    srv_killwait "$DIR/$NAME.pid"
    sh "$HERE/smtp-sink.sh" stop "$DIR/relay" > /dev/null 2>&1 || true
    rm -rf "$BASE"
    exit 1
  fi
  ;;
stop)
  [ $# -ge 2 ] || srv_usage $NAME
  rc=0
  srv_killwait "$2/$NAME.pid" || rc=1
  sh "$HERE/smtp-sink.sh" stop "$2/relay" > /dev/null 2>&1 || rc=1
  # only the mktemp directory this script made
  if [ -f "$2/base_dir" ]; then
    case $(cat "$2/base_dir") in /tmp/ms-dsub.*) rm -rf "$(cat "$2/base_dir")" ;; esac
    rm -f "$2/base_dir"
  fi
  exit $rc
  ;;
*) srv_usage $NAME ;;
esac
