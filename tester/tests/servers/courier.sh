#!/bin/sh
# courier.sh: the Courier MTA's SMTP server (Debian's courier-mta,
# unpacked: it conflicts with Postfix) on 127.0.0.1:PORT: couriertcpd
# running courieresmtpd in the foreground, with courierd (the scheduler:
# local delivery to ~USER/Maildir) and courier-authdaemon (authpam) beside
# it, in a mount namespace (see courier-lib.sh).
#
#   start DIR PORT [tls] [submission] [CERTDIR]
#     tls         STARTTLS with certs.sh's server.pem (trust it with
#                 --cafile DIR/cafile.pem) and AUTH PLAIN LOGIN for
#                 testuser/testpass inside TLS only (ESMTPAUTH_TLS)
#     submission  with tls: AUTH_REQUIRED=1 (mail only after AUTH)
#     CERTDIR     use this certs.sh directory instead of making one
#
# Local mailboxes: testuser@mx.example.test, postmaster (aliased to
# testuser).  Courier refuses a domain without a dot ("513 Syntax error."
# for testuser@localhost), so the suites use mx.example.test.
# Relaying from 127.0.0.1 is refused (no smtpaccess RELAYCLIENT).  DNS
# checks of the sender's domain are off (BOFHCHECKDNS=0) and lookups go to
# a private resolv.conf (nameserver 127.0.0.1): nothing leaves loopback.
# Interface: see common.sh.  Needs root.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
. "$HERE/unpack.sh"
. "$HERE/courier-lib.sh"
NAME=courier

case "${1:-}" in
check)
  if why=$(courier_cannot_run); then echo "$why"; exit 1; fi
  ;;
start)
  [ $# -ge 3 ] || srv_usage $NAME
  DIR=$2 PORT=$3
  shift 3
  TLS=0 SUB=0 CERTS=
  for a in "$@"; do
    case "$a" in
    tls) TLS=1 ;;
    submission) SUB=1 TLS=1 ;;
    *) CERTS=$a ;;
    esac
  done
  if why=$(courier_cannot_run); then echo "$why" >&2; exit 1; fi
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  courier_setup "$DIR" || exit 1
  H=$(getent passwd testuser | cut -d: -f6)
  [ -d "$H/Maildir" ] || { mkdir -p "$H/Maildir/cur" "$H/Maildir/new" "$H/Maildir/tmp"; chown -R testuser: "$H/Maildir"; }
  # RFC 5321 §4.5.1: postmaster (Courier delivers nothing to root)
  echo 'postmaster: testuser' >> "$DIR/etc/aliases/system"
  # courieresmtpd's settings (esmtpd is sourced by the sh that runs it)
  {
    echo "BOFHCHECKDNS=0"
    echo "BOFHNOEXPN=0"
    echo "BOFHNOVRFY=0"
    echo "TARPIT=0"
    echo "ESMTPAUTH="
    echo "ESMTPAUTH_TLS="
    echo "AUTH_REQUIRED=$SUB"
    echo "ESMTP_USE_STARTTLS=0"
  } >> "$DIR/etc/esmtpd"
  if [ $TLS = 1 ]; then
    if [ -z "$CERTS" ]; then
      CERTS=$DIR/certs
      sh "$HERE/../certs.sh" "$CERTS" > "$DIR/certs.log" 2>&1 || {
        sed 's/^/  certs.sh: /' "$DIR/certs.log" >&2; exit 1; }
    fi
    CERTS=$(cd "$CERTS" && pwd)
    cp "$CERTS/ca.pem" "$DIR/cafile.pem"
    cat "$CERTS/server.key" "$CERTS/server.pem" > "$DIR/etc/esmtpd.pem"
    chmod 640 "$DIR/etc/esmtpd.pem"; chown root:courier "$DIR/etc/esmtpd.pem"
    {
      echo "ESMTPAUTH_TLS='PLAIN LOGIN'"
      echo "ESMTP_TLS_REQUIRED=0"
      echo "COURIERTLS=$CROOT/usr/bin/couriertls"
      echo "TLS_CERTFILE=/etc/courier/esmtpd.pem"
      echo "TLS_VERIFYPEER=NONE"
    } >> "$DIR/etc/esmtpd"
  fi
  # the compiled databases: aliases (postmaster), the local domains
  courier_ns "$DIR"
  cat >> "$DIR/ns.sh" <<NS
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LD_LIBRARY_PATH="$CROOT/usr/lib" \\
  "$CROOT/usr/sbin/makealiases" > "$DIR/makealiases.log" 2>&1
cd /usr
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LD_LIBRARY_PATH="$CROOT/usr/lib" /bin/sh -c \\
  'set -a; . /etc/courier/courierd; exec /usr/lib/courier/courier/courierd' > "$DIR/courierd.log" 2>&1 &
echo \$! > "$DIR/courierd.pid"
exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LD_LIBRARY_PATH="$CROOT/usr/lib" /bin/sh -c \\
  'set -a; . /etc/courier/esmtpd; exec "$CROOT/usr/sbin/couriertcpd" -address=127.0.0.1 \\
   -maxprocs=40 -maxperip=40 -nodnslookup -noidentlookup -user=courier -group=courier \\
   $PORT "$CROOT/usr/sbin/courieresmtpd"'
NS
  unshare -m sh "$DIR/ns.sh" > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  if ! srv_wait_banner 127.0.0.1 "$PORT" "220 " 20 "$(cat "$DIR/$NAME.pid")"; then
    sed 's/^/  courier: /' "$DIR/$NAME.log" "$DIR/courierd.log" "$DIR/authdaemond.log" \
      "$DIR/makealiases.log" 2>/dev/null >&2 || true
    courier_stop "$DIR" $NAME
    exit 1
  fi
  courier_started "$DIR" $NAME
  ;;
stop)
  [ $# -ge 2 ] || srv_usage $NAME
  courier_stop "$2" $NAME
  ;;
*) srv_usage $NAME ;;
esac
