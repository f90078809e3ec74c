#!/bin/sh
# exim.sh: Debian's Exim 4 (exim4-daemon-light), unpacked not installed
# (it conflicts with Postfix), foreground daemon on 127.0.0.1:PORT.
#   start DIR PORT [tls] [submission] [CERTDIR]: STARTTLS and AUTH, and
#   TLS+AUTH required before MAIL (mta-tls.sh).
# Interface: see common.sh.  Needs root.  Pitfalls: real-servers.md §5
# items 14-18 (libs, Debian-exim user, trusted configs, mailbox mode).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
. "$HERE/unpack.sh"
. "$HERE/mta-tls.sh"
NAME=exim

cannot_run() {
  [ "$(id -u)" = 0 ] || { echo "Exim needs root to start"; return 0; }
  command -v apt-get >/dev/null || { echo "no apt-get to fetch exim4"; return 0; }
  return 1
}

write_conf() { # DIR PORT ROOT
  cat > "$1/exim.conf" <<CONF
# Minimal Exim config: SMTP on 127.0.0.1:$2, local delivery to /var/mail/<user>
primary_hostname = mx.example.test
qualify_domain = localhost
domainlist local_domains = localhost : mx.example.test
hostlist   relay_from_hosts =
local_interfaces = 127.0.0.1
daemon_smtp_ports = $2
exim_path = $3/usr/sbin/exim4
spool_directory = $1/spool
log_file_path = $1/log/%slog
pid_file_path = $1/exim.pid
keep_environment =
.include $1/tls-main.conf
host_lookup =
rfc1413_hosts =
never_users = root
smtp_accept_queue_per_connection = 0
acl_smtp_rcpt = acl_check_rcpt
acl_smtp_vrfy = acl_check_vrfy

begin acl
acl_check_rcpt:
  accept  domains = +local_domains
          verify  = recipient
  deny    domains = +local_domains
          message = Unknown user
  deny    message = Relay not permitted

acl_check_vrfy:
  accept
.include $1/tls-acl.conf

begin routers
system_aliases:
  driver = redirect
  allow_fail
  allow_defer
  data = \${lookup{\$local_part}lsearch{/etc/aliases}}
  file_transport = address_file
local_user:
  driver = accept
  domains = +local_domains
  check_local_user
  transport = local_delivery

begin transports
local_delivery:
  driver = appendfile
  file = /var/mail/\$local_part_data
  delivery_date_add
  envelope_to_add
  return_path_add
  group = mail
  mode = 0660
  mode_fail_narrower = false
address_file:
  driver = appendfile
  delivery_date_add
  envelope_to_add
  return_path_add

begin retry
*   *   F,2h,15m; G,16h,1h,1.5
.include $1/tls-auth.conf
CONF
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
  ROOT=$(srv_unpack exim exim4-daemon-light exim4-base exim4-config) || {
    echo "cannot fetch exim4 packages" >&2; exit 1; }
  # shared libraries exim4-daemon-light needs (plain libraries, no conflicts)
  dpkg -s libidn12 libgnutls-dane0 >/dev/null 2>&1 ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libidn12 libgnutls-dane0 >&2
  # EXIM_USER=Debian-exim is compiled in
  getent group Debian-exim >/dev/null || groupadd --system Debian-exim
  id Debian-exim >/dev/null 2>&1 || useradd --system -g Debian-exim -d /var/spool/exim4 -s /usr/sbin/nologin Debian-exim
  id testuser >/dev/null 2>&1 || useradd -m -s /bin/sh testuser
  grep -q '^postmaster:' /etc/aliases 2>/dev/null || echo 'postmaster: root' >> /etc/aliases
  write_conf "$DIR" "$PORT" "$ROOT"
  shift 3
  mta_tls_args "$@"
  exim_tls_conf "$DIR" || exit 1
  # -C as root keeps privileges only for configs in TRUSTED_CONFIG_LIST
  mkdir -p /etc/exim4
  grep -qx "$DIR/exim.conf" /etc/exim4/trusted_configs 2>/dev/null || echo "$DIR/exim.conf" >> /etc/exim4/trusted_configs
  chmod 644 /etc/exim4/trusted_configs "$DIR/exim.conf"
  mkdir -p "$DIR/spool" "$DIR/log" && chown -R Debian-exim:Debian-exim "$DIR/spool" "$DIR/log"
  chmod 755 "$DIR"
  # the daemon runs as Debian-exim and writes its log and spool under DIR
  if bad=$(srv_unreachable "$DIR"); then
    echo "Exim's user Debian-exim cannot enter $bad, above $DIR" >&2; exit 1
  fi
  "$ROOT/usr/sbin/exim4" -C "$DIR/exim.conf" -bdf -q30m -oX "$PORT" > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  if ! srv_wait_banner 127.0.0.1 "$PORT" "220 " 20 "$(cat "$DIR/$NAME.pid")"; then
    sed 's/^/  exim: /' "$DIR/$NAME.log" "$DIR/log/paniclog" 2>/dev/null >&2 || true
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
