#!/bin/sh
# postfix-submission.sh: Debian's Postfix as a submission server (RFC 6409
# style, on a high port instead of 587) on 127.0.0.1:PORT, without systemd:
#   - STARTTLS with a self-signed certificate made at start by certs.sh
#     (DIR/certs/selfsigned.pem; trust it with --cafile DIR/cafile.pem);
#   - smtpd_tls_security_level = encrypt: nothing but EHLO, NOOP, QUIT and
#     STARTTLS before TLS ("530 5.7.0 Must issue a STARTTLS command first")
#     -- or `may` with the argument "optional";
#   - SASL through Dovecot's auth socket (dovecot-auth.sh, started and
#     stopped with it), smtpd_tls_auth_only = yes: AUTH PLAIN LOGIN only
#     after TLS; user testuser, password testpass;
#   - only authenticated clients may send (permit_sasl_authenticated),
#     except to local recipients with "optional" (testuser@localhost).
# Interface: see common.sh.  Needs root.
#   start DIR PORT [optional] [CERTDIR]
#     optional  smtpd_tls_security_level = may: mail without TLS is taken
#               (AUTH still only inside TLS), for the suites that send
#               mail in plaintext (starttls.yaml, smuggling.yaml)
#     CERTDIR   use this certs.sh directory's selfsigned.pem/.key
#
# Postfix is a system-wide install: this RECONFIGURES THE ONE POSTFIX
# INSTANCE exactly like postfix.sh (same main.cf, :25 listener dropped, a
# 127.0.0.1:PORT listener replacing earlier ones) and adds the submission
# settings as -o options of that listener only.  So postfix.sh and
# postfix-submission.sh cannot run at the same time; whichever starts last
# wins, and a later postfix.sh start removes every trace of this one.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
NAME=postfix-submission
MASTER=/usr/lib/postfix/sbin/master
LOG=/var/log/postfix.log

cannot_run() {
  [ -x /usr/sbin/postfix ] && [ -x "$MASTER" ] || {
    echo "Postfix not installed (apt-get install postfix, 'Local only')"; return 0; }
  postconf -a 2>/dev/null | grep -qx dovecot || {
    echo "this Postfix has no Dovecot SASL support"; return 0; }
  command -v openssl >/dev/null 2>&1 || { echo "no openssl CLI (apt-get install openssl)"; return 0; }
  if why=$(sh "$HERE/dovecot-auth.sh" check); then :; else echo "$why"; return 0; fi
  [ "$(id -u)" = 0 ] || { echo "Postfix needs root to start"; return 0; }
  return 1
}

# A master already running (postfix.sh's, or started by hand): stop it.
stop_master() {
  if postfix status >/dev/null 2>&1; then
    postfix stop >/dev/null 2>&1 || true
  fi
  if [ -f /var/spool/postfix/pid/master.pid ]; then
    tr -d ' ' < /var/spool/postfix/pid/master.pid > "$1.old"
    srv_killwait "$1.old" || true
  fi
}

# configure PORT CERT KEY SASL_PATH LEVEL: postfix.sh's base, plus
# submission with smtpd_tls_security_level LEVEL.
configure() {
  port=$1 cert=$2 key=$3 sasl=$4 level=$5
  deny=reject # submission: nothing for the unauthenticated
  [ "$level" = may ] && deny=reject_unauth_destination
  id testuser >/dev/null 2>&1 || useradd -m -s /bin/sh testuser
  grep -q '^devnull:' /etc/aliases 2>/dev/null || echo 'devnull: /dev/null' >> /etc/aliases
  for s in $(postconf -M | awk '$2 == "inet" && ($1 == "smtp" || $1 ~ /^127\.0\.0\.1:/) { print $1 }'); do
    postconf -MX "$s/inet"
  done
  postconf -Me "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd"
  for o in \
    "syslog_name=postfix/submission" \
    "smtpd_tls_security_level=$level" \
    "smtpd_tls_cert_file=$cert" \
    "smtpd_tls_key_file=$key" \
    "smtpd_tls_loglevel=1" \
    "smtpd_sasl_auth_enable=yes" \
    "smtpd_sasl_type=dovecot" \
    "smtpd_sasl_path=$sasl" \
    "smtpd_tls_auth_only=yes" \
    "smtpd_client_restrictions=permit_sasl_authenticated,$deny" \
    "smtpd_relay_restrictions=permit_sasl_authenticated,$deny" \
    "smtpd_recipient_restrictions=permit_sasl_authenticated,$deny"; do
    postconf -P "127.0.0.1:$port/inet/$o"
  done
  postconf -e \
    'myhostname = mx.example.test' 'mydomain = example.test' \
    'myorigin = $myhostname' \
    'mydestination = $myhostname, localhost, localhost.localdomain' \
    'inet_interfaces = 127.0.0.1' 'inet_protocols = ipv4' \
    'mynetworks = 192.0.2.1/32' \
    'smtpd_relay_restrictions = permit_mynetworks reject_unauth_destination' \
    "maillog_file = $LOG" \
    'home_mailbox =' 'mailbox_command =' \
    'disable_vrfy_command = no'
  touch -d '-5 seconds' /etc/postfix/main.cf /etc/postfix/master.cf
  /usr/lib/postfix/configure-instance.sh - >/dev/null 2>&1 || true
  newaliases
  postfix check
}

# Ready: the banner, and STARTTLS in the EHLO reply (the new listener's
# configuration is the one answering).
wait_ready() { # PORT PID
  "$SRV_PY" - "$1" "$2" <<'PY'
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
end = time.monotonic() + 20
last = "nothing"
while time.monotonic() < end:
    if not os.path.exists("/proc/%d" % pid):
        sys.exit("master exited")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
            f = s.makefile("rb")
            line = f.readline()
            if line.startswith(b"220 "):
                s.sendall(b"EHLO probe.example\r\n")
                ehlo = []
                while True:
                    l = f.readline()
                    ehlo.append(l)
                    if len(l) < 4 or l[3:4] != b"-":
                        break
                s.sendall(b"QUIT\r\n")
                if any(l[4:].strip().upper() == b"STARTTLS" for l in ehlo):
                    sys.exit(0)
                last = b"".join(ehlo).decode(errors="replace")
    except OSError as e:
        last = str(e)
    time.sleep(0.1)
sys.exit("no STARTTLS from 127.0.0.1:%d within 20 s (last: %s)" % (port, last))
PY
}

case "${1:-}" in
check)
  if why=$(cannot_run); then echo "$why"; exit 1; fi
  ;;
start)
  [ $# -ge 3 ] || srv_usage $NAME
  DIR=$2 PORT=$3 CERTS= LEVEL=encrypt
  shift 3
  for a in "$@"; do
    case "$a" in
    optional) LEVEL=may ;;
    *) CERTS=$a ;;
    esac
  done
  if why=$(cannot_run); then echo "$why" >&2; exit 1; fi
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
  if [ -z "$CERTS" ]; then
    CERTS=$DIR/certs
    sh "$HERE/../certs.sh" "$CERTS" > "$DIR/certs.log" 2>&1 || {
      sed 's/^/  certs.sh: /' "$DIR/certs.log" >&2; exit 1; }
  fi
  CERTS=$(cd "$CERTS" && pwd)
  cp "$CERTS/selfsigned.pem" "$DIR/cafile.pem"
  stop_master "$DIR/$NAME.pid"
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  sh "$HERE/dovecot-auth.sh" start "$DIR/auth" "$PORT" || exit 1
  configure "$PORT" "$CERTS/selfsigned.pem" "$CERTS/selfsigned.key" \
    "$(cat "$DIR/auth/sasl-path")" "$LEVEL" > "$DIR/$NAME.configure.log" 2>&1 || {
    sed 's/^/  configure: /' "$DIR/$NAME.configure.log" >&2
    sh "$HERE/dovecot-auth.sh" stop "$DIR/auth"
    exit 1; }
  "$MASTER" -d > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  if ! why=$(wait_ready "$PORT" "$(cat "$DIR/$NAME.pid")" 2>&1); then
    echo "$why" >&2
    sed 's/^/  master: /' "$DIR/$NAME.log" >&2
    tail -n 20 "$LOG" 2>/dev/null | sed 's/^/  maillog: /' >&2
    "$0" stop "$DIR"
    exit 1
  fi
  ;;
stop)
  [ $# -ge 2 ] || srv_usage $NAME
  DIR=$2
  if [ -f "$DIR/$NAME.pid" ]; then
    ours=$(tr -dc '0-9' < "$DIR/$NAME.pid")
    running=$(tr -dc '0-9' < /var/spool/postfix/pid/master.pid 2>/dev/null || true)
    if [ -n "$ours" ] && [ "$ours" = "$running" ] && ! srv_gone "$ours"; then
      postfix stop >/dev/null 2>&1 || true
    fi
    srv_killwait "$DIR/$NAME.pid"
  fi
  sh "$HERE/dovecot-auth.sh" stop "$DIR/auth" 2>/dev/null || true
  ;;
*) srv_usage $NAME ;;
esac
