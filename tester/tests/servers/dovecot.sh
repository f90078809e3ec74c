#!/bin/sh
# dovecot.sh: Dovecot POP3 (Debian's dovecot-pop3d) standalone on
# 127.0.0.1:PORT with its own config and base_dir (never /etc/dovecot),
# passwd-file user testuser/testpass, and a Maildir of 3 known messages
# (one body line starts with "."). Interface: see common.sh.  Needs root.
# DOVECOT_HOME=DIR makes DIR testuser's home (DIR/Maildir): the Maildir
# Postfix delivers into (postfix-dovecot.sh, issue 14).
# Pitfalls: real-servers.md §5 items 25-27 (auth penalty, stale anvil
# socket, slow master exit).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
NAME=dovecot

cannot_run() {
  [ -x /usr/lib/dovecot/pop3-login ] || { echo "Dovecot POP3 not installed (apt-get install dovecot-pop3d)"; return 0; }
  [ "$(id -u)" = 0 ] || { echo "Dovecot needs root to start"; return 0; }
  return 1
}

make_mail() { # HOME USER
  rm -rf "$1/Maildir"; mkdir -p "$1/Maildir/cur" "$1/Maildir/new" "$1/Maildir/tmp"
  n=0
  for subj in "first message" "second message" "third message"; do
    n=$((n+1))
    printf 'Return-Path: <sender@example.org>\nFrom: Sender <sender@example.org>\nTo: testuser@mx.example.test\nSubject: %s\nDate: Tue, 14 Nov 2023 22:13:2%d +0000\nMessage-ID: <msg%d@example.org>\n\nBody line 1 of message %d\n.line starting with a dot (must be sent as ..line)\nlast line\n' \
      "$subj" $n $n $n > "$1/Maildir/new/1700000000.M${n}P1.mx.example.test"
  done
  chown -R "$2:$2" "$1"
}

case "${1:-}" in
check)
  if why=$(cannot_run); then echo "$why"; exit 1; fi
  ;;
start)
  [ $# -ge 3 ] || srv_usage $NAME
  DIR=$2 PORT=$3
  if why=$(cannot_run); then echo "$why" >&2; exit 1; fi
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd); chmod 755 "$DIR"
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  id testuser >/dev/null 2>&1 || useradd -m -s /bin/sh testuser
  TUID=$(id -u testuser); TGID=$(id -g testuser)
  # testuser's mail processes read the Maildir under DIR
  if bad=$(srv_unreachable "$DIR"); then
    echo "Dovecot's mail processes (user testuser) cannot enter $bad, above $DIR" >&2; exit 1
  fi
  # base_dir holds Unix sockets: a short path; a stale one would stall
  # the start (the project's notes on real servers, §5 item 25)
  RUN=$(srv_rundir pop3 "$PORT" "$DIR") || { echo "cannot make /run/mailspec-pop3-$PORT" >&2; exit 1; }
  cat > "$DIR/dovecot.conf" <<CONF
protocols = pop3
listen = 127.0.0.1
base_dir = $RUN
instance_name = mailspec-pop3-$PORT
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login apop
auth_failure_delay = 0
# RFC 1939 §4: "an exclusive-access lock on the maildrop": one POP3
# session per user (Dovecot's default, no, lets a second session in and
# expunge what the first one still lists; with yes, it refuses the second
# once the lock wait times out).  transcripts/pop3/maildrop-lock.yaml.
pop3_lock_session = yes
log_path = $DIR/dovecot-mail.log
mail_location = maildir:~/Maildir
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DIR/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $DIR/users
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $PORT
  }
  inet_listener pop3s {
    port = 0
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
CONF
  THOME=${DOVECOT_HOME:-$DIR/home/testuser}
  echo "testuser:{PLAIN}testpass:$TUID:$TGID::$THOME::" > "$DIR/users"
  chown root:dovecot "$DIR/users" 2>/dev/null || true
  chmod 640 "$DIR/users"
  make_mail "$THOME" testuser
  dovecot -F -c "$DIR/dovecot.conf" > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  if ! srv_wait_banner 127.0.0.1 "$PORT" "+OK" 20 "$(cat "$DIR/$NAME.pid")"; then
    sed 's/^/  dovecot: /' "$DIR/$NAME.log" "$DIR/dovecot-mail.log" 2>/dev/null >&2 || true
    srv_killwait "$DIR/$NAME.pid"
    exit 1
  fi
  ;;
reseed)
  # Put the 3 known messages back (between destructive POP3 tests).
  [ $# -ge 2 ] || srv_usage $NAME
  make_mail "$2/home/testuser" testuser
  ;;
stop)
  [ $# -ge 2 ] || srv_usage $NAME
  srv_killwait "$2/$NAME.pid"
  srv_rundir_rm "$2"
  ;;
*) srv_usage $NAME ;;
esac
