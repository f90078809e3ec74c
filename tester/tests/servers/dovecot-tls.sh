#!/bin/sh
# dovecot-tls.sh: Dovecot POP3 (Debian's dovecot-pop3d) on 127.0.0.1:PORT
# with STLS (RFC 2595) and SASL PLAIN/LOGIN (RFC 5034), standalone with its
# own config and base_dir (never /etc/dovecot).  User testuser/testpass, a
# Maildir of 3 known messages (like dovecot.sh).  The certificate is
# certs.sh's server.pem (CN=localhost, signed by the test CA): trust it
# with --cafile DIR/cafile.pem.
#
#   start DIR PORT [implicit] [strict] [CERTDIR]
#     implicit  POP3S: TLS from the first octet on PORT, no plaintext port
#     strict    no authentication before STLS: Dovecot 2.3 counts a client
#               whose address equals the server's (127.0.0.1 to 127.0.0.1)
#               as secure and allows it, so this listens on 127.0.0.2:PORT
#               instead (still loopback; the client comes from 127.0.0.1)
#               with ssl = required.  DIR/address says where it listens.
#     CERTDIR   use this certs.sh directory instead of making one
#   reseed DIR  put the 3 messages back
#
# Interface: see common.sh.  Needs root.  Pitfalls: real-servers.md §5
# items 25-27 (auth penalty, stale anvil socket, slow master exit).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
NAME=dovecot-tls

cannot_run() {
  [ -x /usr/lib/dovecot/pop3-login ] || { echo "Dovecot POP3 not installed (apt-get install dovecot-pop3d)"; return 0; }
  command -v openssl >/dev/null 2>&1 || { echo "no openssl CLI (apt-get install openssl)"; return 0; }
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

# wait_ready ADDR PORT PID IMPLICIT CAFILE: a "+OK" greeting, through TLS
# when IMPLICIT, else plaintext followed by a working STLS.
wait_ready() {
  "$SRV_PY" - "$@" <<'PY'
import os, socket, ssl, sys, time
addr, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
implicit, cafile = sys.argv[4] == "1", sys.argv[5]
ctx = ssl.create_default_context(cafile=cafile)
end = time.monotonic() + 20
last = "nothing"
while time.monotonic() < end:
    if not os.path.exists("/proc/%d" % pid):
        sys.exit("dovecot exited")
    try:
        with socket.create_connection((addr, port), timeout=3) as raw:
            s = ctx.wrap_socket(raw, server_hostname="localhost") if implicit else raw
            f = s.makefile("rb")
            line = f.readline()
            if line.startswith(b"+OK"):
                if not implicit:
                    s.sendall(b"STLS\r\n")
                    if not f.readline().startswith(b"+OK"):
                        sys.exit("STLS refused")
                    s = ctx.wrap_socket(s, server_hostname="localhost")
                    f = s.makefile("rb")
                s.sendall(b"QUIT\r\n")
                f.readline()
                sys.exit(0)
            last = repr(line)
    except (OSError, ssl.SSLError) as e:
        last = str(e)
    time.sleep(0.05)
sys.exit("no +OK with TLS from %s:%d within 20 s (last: %s)" % (addr, port, last))
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
  IMPLICIT=0 SSL=yes CERTS= ADDR=127.0.0.1
  for a in "$@"; do
    case "$a" in
    implicit) IMPLICIT=1 ;;
    strict) SSL=required ADDR=127.0.0.2 ;;
    *) CERTS=$a ;;
    esac
  done
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
  id testuser >/dev/null 2>&1 || useradd -m -s /bin/sh testuser
  TUID=$(id -u testuser); TGID=$(id -g testuser)
  # testuser's mail processes read the Maildir under DIR
  if bad=$(srv_unreachable "$DIR"); then
    echo "Dovecot's mail processes (user testuser) cannot enter $bad, above $DIR" >&2; exit 1
  fi
  # base_dir holds Unix sockets: a short path; a stale one would stall
  # the start (the project's notes on real servers, §5 item 25)
  RUN=$(srv_rundir pop3-tls "$PORT" "$DIR") || { echo "cannot make /run/mailspec-pop3-tls-$PORT" >&2; exit 1; }
  if [ $IMPLICIT = 1 ]; then PLAIN_PORT=0 TLS_PORT=$PORT; else PLAIN_PORT=$PORT TLS_PORT=0; fi
  cat > "$DIR/dovecot.conf" <<CONF
protocols = pop3
listen = $ADDR
base_dir = $RUN
instance_name = mailspec-pop3-tls-$PORT
ssl = $SSL
ssl_cert = <$CERTS/server.pem
ssl_key = <$CERTS/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_failure_delay = 0
# any octet in a user name: the default list is ASCII letters, digits and
# ".-_@", which leaves no non-ASCII account (auth/pop3-plain-utf8)
auth_username_chars =
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
    address = $ADDR
    port = $PLAIN_PORT
  }
  inet_listener pop3s {
    address = $ADDR
    port = $TLS_PORT
    ssl = yes
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
CONF
  echo "testuser:{PLAIN}testpass:$TUID:$TGID::$DIR/home/testuser::" > "$DIR/users"
  # RFC 2595 §6's 255-octet name and password, and a UTF-8 name and
  # password (Appendix A): the auth suite's ${longuser}/${longpass} and
  # ${utf8user}/${utf8pass} defaults, on testuser's maildrop.
  pad255() { _s=$1 _i=0; while [ ${#_s} -lt 255 ]; do _s=$_s$((_i % 10)); _i=$((_i + 1)); done; printf %s "$_s"; }
  echo "$(pad255 mailspec-255-octet-user-):{PLAIN}$(pad255 mailspec-255-octet-password-):$TUID:$TGID::$DIR/home/testuser::" >> "$DIR/users"
  echo "jürgen:{PLAIN}sésame-öffne-dich:$TUID:$TGID::$DIR/home/testuser::" >> "$DIR/users"
  chown root:dovecot "$DIR/users" 2>/dev/null || true
  chmod 640 "$DIR/users"
  make_mail "$DIR/home/testuser" testuser
  dovecot -F -c "$DIR/dovecot.conf" > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  echo "$ADDR:$PORT" > "$DIR/address"
  if ! why=$(wait_ready "$ADDR" "$PORT" "$(cat "$DIR/$NAME.pid")" $IMPLICIT "$DIR/cafile.pem" 2>&1); then
    echo "$why" >&2
    sed 's/^/  dovecot: /' "$DIR/$NAME.log" "$DIR/dovecot-mail.log" 2>/dev/null >&2 || true
    srv_killwait "$DIR/$NAME.pid"
    exit 1
  fi
  ;;
reseed)
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
