#!/bin/sh
# courier-pop.sh: Courier POP3 (Debian's courier-pop, unpacked: it
# conflicts with dovecot-pop3d) on 127.0.0.1:PORT: couriertcpd running
# courierpop3login and courierpop3d in the foreground, with
# courier-authdaemon (authpam) beside it, in a mount namespace (see
# courier-lib.sh).  User testuser/testpass; the maildrop is
# DIR/home/testuser/Maildir with the 3 known messages of dovecot.sh.
#
#   start DIR PORT [tls] [CERTDIR]
#     tls      STLS (RFC 2595) with certs.sh's server.pem (trust it with
#              --cafile DIR/cafile.pem) and SASL PLAIN LOGIN (RFC 5034)
#              inside TLS only
#     CERTDIR  use this certs.sh directory instead of making one
#   reseed DIR  put the 3 messages back
#
# Interface: see common.sh.  Needs root.  Pitfalls: real-servers.md §5
# item 28 (authdaemond, PAM and /etc/shadow).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
. "$HERE/unpack.sh"
. "$HERE/courier-lib.sh"
NAME=courier-pop

case "${1:-}" in
check)
  if why=$(courier_cannot_run); then echo "$why"; exit 1; fi
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
  if why=$(courier_cannot_run); then echo "$why" >&2; exit 1; fi
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  courier_setup "$DIR" || exit 1
  sh "$HERE/dovecot.sh" reseed "$DIR"
  ENV="POP3AUTH= POP3AUTH_TLS= POP3_STARTTLS=NO"
  if [ $TLS = 1 ]; then
    if [ -z "$CERTS" ]; then
      CERTS=$DIR/certs
      sh "$HERE/../certs.sh" "$CERTS" > "$DIR/certs.log" 2>&1 || {
        sed 's/^/  certs.sh: /' "$DIR/certs.log" >&2; exit 1; }
    fi
    CERTS=$(cd "$CERTS" && pwd)
    cp "$CERTS/ca.pem" "$DIR/cafile.pem"
    cat "$CERTS/server.key" "$CERTS/server.pem" > "$DIR/etc/pop3d.pem"
    chmod 640 "$DIR/etc/pop3d.pem"; chown root:courier "$DIR/etc/pop3d.pem"
    ENV="POP3AUTH= POP3AUTH_TLS='PLAIN LOGIN' POP3_STARTTLS=YES POP3_TLS_REQUIRED=0"
    ENV="$ENV COURIERTLS=$CROOT/usr/bin/couriertls TLS_CERTFILE=/etc/courier/pop3d.pem TLS_VERIFYPEER=NONE"
  fi
  courier_ns "$DIR"
  cat >> "$DIR/ns.sh" <<NS
exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LD_LIBRARY_PATH="$CROOT/usr/lib" $ENV \\
  "$CROOT/usr/sbin/couriertcpd" -address=127.0.0.1 -maxprocs=40 -maxperip=40 \\
  -nodnslookup -noidentlookup $PORT \\
  /usr/lib/courier/courier/courierpop3login /usr/lib/courier/courier/courierpop3d \\
  "$DIR/home/testuser/Maildir"
NS
  unshare -m sh "$DIR/ns.sh" > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  if ! srv_wait_banner 127.0.0.1 "$PORT" "+OK" 20 "$(cat "$DIR/$NAME.pid")"; then
    sed 's/^/  courier: /' "$DIR/$NAME.log" "$DIR/authdaemond.log" 2>/dev/null >&2 || true
    courier_stop "$DIR" $NAME
    exit 1
  fi
  courier_started "$DIR" $NAME
  ;;
reseed)
  [ $# -ge 2 ] || srv_usage $NAME
  sh "$HERE/dovecot.sh" reseed "$2"
  ;;
stop)
  [ $# -ge 2 ] || srv_usage $NAME
  courier_stop "$2" $NAME
  ;;
*) srv_usage $NAME ;;
esac
