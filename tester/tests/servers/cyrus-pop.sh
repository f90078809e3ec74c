#!/bin/sh
# cyrus-pop.sh: Cyrus IMAP's POP3 server (Debian's cyrus-pop3d, unpacked:
# it conflicts with dovecot-pop3d as a pop3-server) on 127.0.0.1:PORT,
# run by the Cyrus master in the foreground with a configuration, spool
# and sasldb of its own under DIR (never /etc/imapd.conf).  lmtpd listens
# on a UNIX socket in DIR, through which the maildrop is filled: user
# testuser/testpass, the 3 known messages of dovecot.sh.
#
#   start DIR PORT [tls] [CERTDIR]
#     tls      STLS (RFC 2595) with certs.sh's server.pem (trust it with
#              --cafile DIR/cafile.pem); SASL PLAIN LOGIN and USER/PASS
#              only inside TLS (allowplaintext: no)
#     CERTDIR  use this certs.sh directory instead of making one
#   reseed DIR  empty the maildrop and deliver the 3 messages again
#
# Interface: see common.sh.  Needs root (the master drops to user cyrus).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
. "$HERE/unpack.sh"
NAME=cyrus-pop

cannot_run() {
  [ "$(id -u)" = 0 ] || { echo "Cyrus needs root to start"; return 0; }
  command -v apt-get >/dev/null || { echo "no apt-get to fetch cyrus-pop3d"; return 0; }
  command -v saslpasswd2 >/dev/null || { echo "no saslpasswd2 (apt-get install sasl2-bin)"; return 0; }
  return 1
}

# reseed DIR: log in over POP3 (after STLS with tls; DELE every message,
# QUIT), then deliver the 3 messages over LMTP (RFC 2033) to testuser.
reseed() {
  "$SRV_PY" - "$1/conf/socket/lmtp" "$(cat "$1/port")" "$1/cafile.pem" <<'PY'
import os, socket, ssl, sys
lmtp, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def lines(f):
    out = []
    while True:
        l = f.readline()
        if not l:
            sys.exit("connection closed")
        out.append(l)
        if l[3:4] != b"-":
            return out

s = socket.create_connection(("127.0.0.1", port), timeout=10)
f = s.makefile("rb")
f.readline()
if os.path.exists(cafile):
    s.sendall(b"STLS\r\n")
    f.readline()
    s = ssl.create_default_context(cafile=cafile).wrap_socket(s, server_hostname="localhost")
    f = s.makefile("rb")
for c in (b"USER testuser", b"PASS testpass", b"STAT"):
    s.sendall(c + b"\r\n")
    r = f.readline()
    if not r.startswith(b"+OK"):
        sys.exit("POP3 %s: %r" % (c.split()[0].decode(), r))
for i in range(1, int(r.split()[1]) + 1):
    s.sendall(b"DELE %d\r\n" % i)
    f.readline()
s.sendall(b"QUIT\r\n")
f.readline()
s.close()

u = socket.socket(socket.AF_UNIX)
u.settimeout(10)
u.connect(lmtp)
f = u.makefile("rb")
lines(f)
u.sendall(b"LHLO mailspec.example\r\n")
lines(f)
for n, subj in enumerate(("first message", "second message", "third message"), 1):
    msg = ("Return-Path: <sender@example.org>\r\nFrom: Sender <sender@example.org>\r\n"
           "To: testuser@mx.example.test\r\nSubject: %s\r\n"
           "Date: Tue, 14 Nov 2023 22:13:2%d +0000\r\nMessage-ID: <msg%d@example.org>\r\n\r\n"
           "Body line 1 of message %d\r\n..line starting with a dot (must be sent as ..line)\r\n"
           "last line\r\n.\r\n" % (subj, n, n, n)).encode()
    for c in (b"MAIL FROM:<sender@example.org>", b"RCPT TO:<testuser>", b"DATA"):
        u.sendall(c + b"\r\n")
        r = lines(f)[-1]
        if r[:1] not in (b"2", b"3"):
            sys.exit("LMTP %s: %r" % (c.split()[0].decode(), r))
    u.sendall(msg)
    r = lines(f)[-1]
    if not r.startswith(b"250"):
        sys.exit("LMTP end of data: %r" % r)
u.sendall(b"QUIT\r\n")
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
  TLS=0 CERTS=
  for a in "$@"; do
    case "$a" in
    tls) TLS=1 ;;
    *) CERTS=$a ;;
    esac
  done
  if why=$(cannot_run); then echo "$why" >&2; exit 1; fi
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd); chmod 755 "$DIR"
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  ROOT=$(srv_unpack cyrus cyrus-pop3d cyrus-common) || { echo "cannot fetch cyrus-pop3d" >&2; exit 1; }
  BIN=$ROOT/usr/lib/cyrus/bin
  # CYRUS_USER "cyrus" is compiled in
  id cyrus >/dev/null 2>&1 || useradd --system -g mail -d /var/lib/cyrus -s /usr/sbin/nologin cyrus
  rm -rf "$DIR/conf" "$DIR/spool" "$DIR/cafile.pem"
  mkdir -p "$DIR/conf/socket" "$DIR/conf/proc" "$DIR/conf/log" "$DIR/conf/db" "$DIR/spool"
  rm -f "$DIR/sasldb2"
  for realm in mx.example.test "$(hostname)"; do
    echo testpass | saslpasswd2 -p -c -f "$DIR/sasldb2" -u "$realm" testuser
  done
  PLAIN=yes TLSCONF=
  if [ $TLS = 1 ]; then
    if [ -z "$CERTS" ]; then
      CERTS=$DIR/certs
      sh "$HERE/../certs.sh" "$CERTS" > "$DIR/certs.log" 2>&1 || {
        sed 's/^/  certs.sh: /' "$DIR/certs.log" >&2; exit 1; }
    fi
    CERTS=$(cd "$CERTS" && pwd)
    cp "$CERTS/ca.pem" "$DIR/cafile.pem"
    cp "$CERTS/server.pem" "$CERTS/server.key" "$DIR/conf/"
    PLAIN=no
    TLSCONF="tls_server_cert: $DIR/conf/server.pem
tls_server_key: $DIR/conf/server.key"
  fi
  cat > "$DIR/imapd.conf" <<CONF
configdirectory: $DIR/conf
defaultpartition: default
partition-default: $DIR/spool
servername: mx.example.test
admins: cyrus
allowplaintext: $PLAIN
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $DIR/sasldb2
sasl_mech_list: PLAIN LOGIN
autocreate_post: 1
autocreate_quota: 0
lmtpsocket: $DIR/conf/socket/lmtp
idlesocket: $DIR/conf/socket/idle
notifysocket: $DIR/conf/socket/notify
unixhierarchysep: yes
popminpoll: 0
duplicatesuppression: 0
syslog_prefix: mailspec-cyrus
$TLSCONF
CONF
  cat > "$DIR/cyrus.conf" <<CONF
START {
  recover cmd="$BIN/ctl_cyrusdb -C $DIR/imapd.conf -r"
}
SERVICES {
  pop3 cmd="$BIN/pop3d -C $DIR/imapd.conf" listen="127.0.0.1:$PORT" prefork=0
  lmtpunix cmd="$BIN/lmtpd -C $DIR/imapd.conf" listen="$DIR/conf/socket/lmtp" prefork=0
}
EVENTS {
}
CONF
  chown -R cyrus:mail "$DIR/conf" "$DIR/spool" "$DIR/sasldb2"
  chmod 640 "$DIR/sasldb2"
  echo "$PORT" > "$DIR/port"
  LD_LIBRARY_PATH=$ROOT/usr/lib/x86_64-linux-gnu \
    "$BIN/master" -C "$DIR/imapd.conf" -M "$DIR/cyrus.conf" -p "$DIR/master.pidfile" \
    > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  if ! srv_wait_banner 127.0.0.1 "$PORT" "+OK" 20 "$(cat "$DIR/$NAME.pid")" ||
    ! why=$(reseed "$DIR" 2>&1); then
    echo "${why:-no greeting}" >&2
    sed 's/^/  cyrus: /' "$DIR/$NAME.log" >&2
    srv_killwait "$DIR/$NAME.pid"
    exit 1
  fi
  ;;
reseed)
  [ $# -ge 2 ] || srv_usage $NAME
  reseed "$2"
  ;;
stop)
  [ $# -ge 2 ] || srv_usage $NAME
  srv_killwait "$2/$NAME.pid"
  ;;
*) srv_usage $NAME ;;
esac
