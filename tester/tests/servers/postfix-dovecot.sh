#!/bin/sh
# postfix-dovecot.sh: the mailbox pair of issue 14's delivery checks.
# Postfix (postfix.sh) on 127.0.0.1:PORT delivers the virtual domain
# delivery.test into Maildirs under DIR/vmail, and Dovecot (dovecot.sh)
# serves testuser's Maildir there over POP3 on a port of its own, written
# to DIR/pop3 as 127.0.0.1:PORT.  Interface: see common.sh; the extra file
# DIR/pop3 is what `mailspec run --pop3` takes.  Needs root.
#
#   mailspec run -t 127.0.0.1:PORT --pop3 pop3://$(cat DIR/pop3) \
#     -D rcpt=testuser@delivery.test -D user=testuser -D pass=testpass \
#     suites/delivery.yaml
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
NAME=postfix-dovecot

free_port() { srv_free_port 22000 22999; }

case "${1:-}" in
check)
  sh "$HERE/postfix.sh" check && sh "$HERE/dovecot.sh" check
  ;;
start)
  [ $# -ge 3 ] || srv_usage $NAME
  DIR=$2 PORT=$3
  sh "$HERE/postfix.sh" check >/dev/null 2>&1 || { sh "$HERE/postfix.sh" check >&2; exit 1; }
  sh "$HERE/dovecot.sh" check >/dev/null 2>&1 || { sh "$HERE/dovecot.sh" check >&2; exit 1; }
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  id testuser >/dev/null 2>&1 || useradd -m -s /bin/sh testuser
  # Postfix's virtual(8) and Dovecot's mail process run as testuser: every
  # directory above the Maildirs must let it pass (mktemp -d makes 0700).
  d=$DIR
  while [ "$d" != / ]; do
    [ "$(stat -c %U "$d")" = root ] && chmod o+x "$d"
    d=$(dirname "$d")
  done
  VMAIL=$DIR/vmail
  mkdir -p "$VMAIL/testuser"
  chown testuser:testuser "$VMAIL" "$VMAIL/testuser"
  chmod 755 "$VMAIL"
  tries=0
  while :; do
    tries=$((tries + 1))
    PPORT=$(free_port)
    rc=0
    DOVECOT_HOME=$VMAIL/testuser sh "$HERE/dovecot.sh" start "$DIR/dovecot" "$PPORT" || rc=$?
    [ $rc = 0 ] && break
    [ $rc = 75 ] && [ $tries -lt 5 ] && continue
    exit 1
  done
  rc=0
  POSTFIX_VMAIL=$VMAIL sh "$HERE/postfix.sh" start "$DIR/postfix" "$PORT" || rc=$?
  if [ $rc != 0 ]; then
    sh "$HERE/dovecot.sh" stop "$DIR/dovecot" || true
    exit $rc
  fi
  echo "127.0.0.1:$PPORT" > "$DIR/pop3"
  ;;
stop)
  [ $# -ge 2 ] || srv_usage $NAME
  DIR=$2
  sh "$HERE/postfix.sh" stop "$DIR/postfix" || true
  sh "$HERE/dovecot.sh" stop "$DIR/dovecot" || true
  ;;
*) srv_usage $NAME ;;
esac
