#!/bin/sh
# opensmtpd.sh: Debian's OpenSMTPD, unpacked not installed (it conflicts
# with Postfix), foreground (-d) on 127.0.0.1:PORT.  Interface: see
# common.sh.  Needs root and gcc.  Pitfalls (the project's notes on real
# servers, §5 items 19-20): the opensmtpd/opensmtpq users,
# /usr/libexec/opensmtpd, and its raw DNS lookups (a PTR for every
# connection, through its own resolver, which reads /etc/resolv.conf and
# bypasses nsswitch): they must stay on loopback and must not stall.
#
# The private resolv.conf (nameserver 127.0.0.1) used to be bind-mounted
# in a mount namespace (unshare -m).  That needs CAP_SYS_ADMIN (a default
# Docker container has not) and a root that is a mount point (a chroot is
# not: "unshare: cannot change root filesystem propagation"), and with
# --propagation unchanged the bind could leak to the host's mounts.  So
# the server is started with resolv_shim.so preloaded instead: its fopen()
# and stat() of /etc/resolv.conf read $MAILSPEC_RESOLV_CONF, and nothing
# else changes.  It comes up the same on a machine, in a chroot and in a
# container.
#
#   start DIR PORT [tls] [submission] [CERTDIR]: STARTTLS and AUTH, and
#   TLS+AUTH required before MAIL (mta-tls.sh).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
. "$HERE/unpack.sh"
. "$HERE/mta-tls.sh"
NAME=opensmtpd

cannot_run() {
  [ "$(id -u)" = 0 ] || { echo "OpenSMTPD needs root to start"; return 0; }
  command -v gcc >/dev/null || { echo "gcc missing (it builds resolv_shim.so)"; return 0; }
  return 1
}

# shim DIR: build resolv_shim.so into DIR; prints its path.
shim() {
  gcc -shared -fPIC -O2 -Wall -o "$1/resolv_shim.so" "$HERE/resolv_shim.c" -ldl >&2 ||
    return 1
  echo "$1/resolv_shim.so"
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
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  ROOT=$(srv_unpack opensmtpd opensmtpd) || { echo "cannot fetch opensmtpd" >&2; exit 1; }
  for n in opensmtpd opensmtpq; do
    getent group $n >/dev/null || groupadd --system $n
    id $n >/dev/null 2>&1 || useradd --system -g $n -d /var/lib/opensmtpd/empty -s /usr/sbin/nologin $n
  done
  mkdir -p /var/lib/opensmtpd/empty; chmod 755 /var/lib/opensmtpd/empty
  [ -e /usr/libexec/opensmtpd ] || { mkdir -p /usr/libexec; ln -s "$ROOT/usr/libexec/opensmtpd" /usr/libexec/opensmtpd; }
  id testuser >/dev/null 2>&1 || useradd -m -s /bin/sh testuser
  grep -q '^postmaster:' /etc/aliases 2>/dev/null || echo 'postmaster: root' >> /etc/aliases
  shift 3
  mta_tls_args "$@"
  LISTEN_TLS=$(smtpd_tls_conf "$DIR") || exit 1
  cat > "$DIR/smtpd.conf" <<CONF
include "$DIR/tls.conf"
table aliases file:/etc/aliases
listen on 127.0.0.1 port $PORT hostname mx.example.test $LISTEN_TLS
action "local" mbox alias <aliases>
match from local for local action "local"
CONF
  chmod 644 "$DIR/smtpd.conf"
  "$ROOT/usr/sbin/smtpd" -n -f "$DIR/smtpd.conf" > "$DIR/$NAME.check.log" 2>&1 || {
    sed 's/^/  smtpd -n: /' "$DIR/$NAME.check.log" >&2; exit 1; }
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "$DIR/resolv.conf"
  SHIM=$(shim "$DIR") || { echo "cannot build resolv_shim.so" >&2; exit 1; }
  # env execs, so $! is smtpd itself
  env LD_PRELOAD="$SHIM" MAILSPEC_RESOLV_CONF="$DIR/resolv.conf" \
    "$ROOT/usr/sbin/smtpd" -d -f "$DIR/smtpd.conf" > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  if ! srv_wait_banner 127.0.0.1 "$PORT" "220 " 20 "$(cat "$DIR/$NAME.pid")"; then
    sed 's/^/  smtpd: /' "$DIR/$NAME.log" >&2
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
