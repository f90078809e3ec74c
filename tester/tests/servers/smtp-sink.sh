#!/bin/sh
# smtp-sink.sh: Postfix's smtp-sink (in Debian's postfix package) on
# 127.0.0.1:PORT.  It accepts every command sequence it understands and
# every recipient, and discards the mail.  Interface: see common.sh.
#   start DIR PORT [SMTP-SINK OPTIONS...]   e.g. -p (no PIPELINING), -e (no ESMTP)
set -eu
. "$(dirname "$0")/common.sh"
NAME=smtp-sink
BIN=/usr/sbin/smtp-sink

case "${1:-}" in
check)
  [ -x "$BIN" ] || { echo "$BIN not found (apt-get install postfix)"; exit 1; }
  ;;
start)
  [ $# -ge 3 ] || srv_usage $NAME
  DIR=$2 PORT=$3
  shift 3
  [ -x "$BIN" ] || { echo "$BIN not found (apt-get install postfix)" >&2; exit 1; }
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  mkdir -p "$DIR"
  # As root smtp-sink insists on -u (it drops privileges to that user).
  USER_OPT=
  [ "$(id -u)" = 0 ] && USER_OPT="-u nobody"
  # 256: listen backlog, so -j 16 clients never see a refused connection.
  # shellcheck disable=SC2086
  "$BIN" $USER_OPT -h sink.example.test "$@" "127.0.0.1:$PORT" 256 \
    > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  if ! srv_wait_banner 127.0.0.1 "$PORT" "220 " 10 "$(cat "$DIR/$NAME.pid")"; then
    sed 's/^/  log: /' "$DIR/$NAME.log" >&2
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
