#!/bin/sh
# aiosmtpd.sh: aiosmtpd (Debian's python3-aiosmtpd) on 127.0.0.1:PORT via
# aiosmtpd_server.py.  Accepts every recipient and discards the mail.
# Interface: see common.sh.
set -eu
HERE=$(dirname "$0")
. "$HERE/common.sh"
NAME=aiosmtpd

has_module() { "$SRV_PY" -c 'import aiosmtpd' 2>/dev/null; }

case "${1:-}" in
check)
  has_module || { echo "$SRV_PY cannot import aiosmtpd (apt-get install python3-aiosmtpd)"; exit 1; }
  ;;
start)
  [ $# -ge 3 ] || srv_usage $NAME
  DIR=$2 PORT=$3
  shift 3
  has_module || { echo "$SRV_PY cannot import aiosmtpd (apt-get install python3-aiosmtpd)" >&2; exit 1; }
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  mkdir -p "$DIR"
  "$SRV_PY" "$HERE/aiosmtpd_server.py" 127.0.0.1 "$PORT" "$@" > "$DIR/$NAME.log" 2>&1 &
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
