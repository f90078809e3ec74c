#!/bin/sh
# postfix.sh: the real Postfix from Debian's package, on 127.0.0.1:PORT,
# without systemd.  Interface: see common.sh.  Needs root.
#
# Postfix is a system-wide install (/etc/postfix, /var/spool/postfix), so
# only one instance runs at a time; start is idempotent (stops a running
# master first, replaces earlier 127.0.0.1:* listeners) and stop is reliable
# (`postfix stop`, then the master's PID is waited for).
#
# The configuration (see the project's notes on real servers):
#   - loopback only, no :25 listener, a fixed FQDN myhostname;
#   - mynetworks WITHOUT 127/8, so relaying from 127.0.0.1 is denied
#     (554 5.7.1 Relay access denied) and can be tested;
#   - local recipients: testuser@localhost, testuser@mx.example.test;
#     devnull@localhost is aliased to /dev/null;
#   - with POSTFIX_VMAIL=DIR (postfix-dovecot.sh, issue 14's delivery
#     checks): the virtual domain delivery.test is delivered into Maildirs
#     under DIR (testuser@delivery.test -> DIR/testuser/Maildir/, as uid
#     testuser), undeliverable@ and undeliverable2@delivery.test are
#     accepted and then bounced (a failing pipe transport: the notification
#     tests' ${failrcpt}, ${failrcpt2}), and mail from defer@example.org is
#     refused at the end of data with 451.  Without it these settings are removed
#     again: main.cf is system-wide.
# Log: /var/log/postfix.log (Postfix only logs below /var).
set -eu
. "$(dirname "$0")/common.sh"
NAME=postfix
MASTER=/usr/lib/postfix/sbin/master
LOG=/var/log/postfix.log

cannot_run() {
  [ -x /usr/sbin/postfix ] && [ -x "$MASTER" ] || {
    echo "Postfix not installed (apt-get install postfix, 'Local only')"; return 0; }
  [ "$(id -u)" = 0 ] || { echo "Postfix needs root to start"; return 0; }
  return 1
}

# A master already running (left over, or started by hand): stop it.
stop_master() {
  if postfix status >/dev/null 2>&1; then
    postfix stop >/dev/null 2>&1 || true
  fi
  if [ -f /var/spool/postfix/pid/master.pid ]; then
    tr -d ' ' < /var/spool/postfix/pid/master.pid > "$1.old"
    srv_killwait "$1.old" || true
  fi
}

# The delivery checks' settings (POSTFIX_VMAIL), or none of them.
DELIVERY_PARAMS="virtual_mailbox_domains virtual_mailbox_base
  virtual_mailbox_maps virtual_uid_maps virtual_gid_maps transport_maps
  smtpd_end_of_data_restrictions"
delivery_config() {
  if [ -z "${POSTFIX_VMAIL:-}" ]; then
    # shellcheck disable=SC2086
    postconf -X $DELIVERY_PARAMS 2>/dev/null || true
    postconf -MX mailspec-fail/unix 2>/dev/null || true
    return 0
  fi
  # A delivery that fails after the end of data (the notification tests'
  # ${failrcpt}): a pipe(8) whose output starts with an enhanced status
  # code, which "takes precedence over the non-zero exit status" (pipe(8),
  # DIAGNOSTICS).  The error(8) transport would not do: smtpd refuses its
  # recipients at RCPT.
  postconf -Me 'mailspec-fail/unix=mailspec-fail unix - n n - - pipe user=nobody argv=/bin/sh -c { echo 5.1.1 mailbox unavailable, a test address; exit 67 }'
  vuid=$(id -u testuser)
  vgid=$(id -g testuser)
  postconf -e \
    'virtual_mailbox_domains = delivery.test' \
    "virtual_mailbox_base = $POSTFIX_VMAIL" \
    'virtual_mailbox_maps = inline:{ testuser@delivery.test=testuser/Maildir/, undeliverable@delivery.test=undeliverable/Maildir/, undeliverable2@delivery.test=undeliverable2/Maildir/ }' \
    "virtual_uid_maps = static:$vuid" "virtual_gid_maps = static:$vgid" \
    'transport_maps = inline:{ undeliverable@delivery.test=mailspec-fail:, undeliverable2@delivery.test=mailspec-fail: }' \
    'smtpd_end_of_data_restrictions = check_sender_access inline:{ { defer@example.org = 451 4.7.1 Try again later (a test sender) } }'
}

configure() {
  port=$1
  id testuser >/dev/null 2>&1 || useradd -m -s /bin/sh testuser
  grep -q '^devnull:' /etc/aliases 2>/dev/null || echo 'devnull: /dev/null' >> /etc/aliases
  # master.cf first: drop the :25 listener and every earlier 127.0.0.1:*.
  for s in $(postconf -M | awk '$2 == "inet" && ($1 == "smtp" || $1 ~ /^127\.0\.0\.1:/) { print $1 }'); do
    postconf -MX "$s/inet"
  done
  postconf -Me "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd"
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
  delivery_config
  # Postfix re-reads a main.cf younger than a second every 0.3 s (a ~2 s
  # stall per command after an edit): backdate both files.
  touch -d '-5 seconds' /etc/postfix/main.cf /etc/postfix/master.cf
  # What the systemd unit's ExecStartPre does: populate the chroot.
  /usr/lib/postfix/configure-instance.sh - >/dev/null 2>&1 || true
  newaliases
  postfix check
}

case "${1:-}" in
check)
  if why=$(cannot_run); then echo "$why"; exit 1; fi
  ;;
start)
  [ $# -ge 3 ] || srv_usage $NAME
  DIR=$2 PORT=$3
  if why=$(cannot_run); then echo "$why" >&2; exit 1; fi
  mkdir -p "$DIR"
  stop_master "$DIR/$NAME.pid"
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  configure "$PORT" > "$DIR/$NAME.configure.log" 2>&1 || {
    sed 's/^/  configure: /' "$DIR/$NAME.configure.log" >&2; exit 1; }
  # master -d stays in the foreground, so $! is the master itself
  # (`postfix start-fg` would leave a child master behind when killed).
  "$MASTER" -d > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  if ! srv_wait_banner 127.0.0.1 "$PORT" "220 " 20 "$(cat "$DIR/$NAME.pid")"; then
    sed 's/^/  master: /' "$DIR/$NAME.log" >&2
    tail -n 20 "$LOG" 2>/dev/null | sed 's/^/  maillog: /' >&2
    "$0" stop "$DIR"
    exit 1
  fi
  ;;
stop)
  [ $# -ge 2 ] || srv_usage $NAME
  DIR=$2
  [ -f "$DIR/$NAME.pid" ] || exit 0
  # Only if the running master is ours (a later start may have replaced it):
  # postfix stop = SIGTERM to the master, which takes its children down.
  ours=$(tr -dc '0-9' < "$DIR/$NAME.pid")
  running=$(tr -dc '0-9' < /var/spool/postfix/pid/master.pid 2>/dev/null || true)
  if [ -n "$ours" ] && [ "$ours" = "$running" ] && ! srv_gone "$ours"; then
    postfix stop >/dev/null 2>&1 || true
  fi
  srv_killwait "$DIR/$NAME.pid"
  ;;
*) srv_usage $NAME ;;
esac
