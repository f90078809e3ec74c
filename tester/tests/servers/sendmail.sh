#!/bin/sh
# sendmail.sh: Debian's Sendmail 8.17 (sendmail-bin), unpacked not
# installed (it conflicts with Postfix), foreground daemon (-bD) on
# 127.0.0.1:PORT.  Interface: see common.sh.  Needs root.
#
#   start DIR PORT [tls] [submission] [CERTDIR]
#     tls         STARTTLS with certs.sh's server.pem (trust it with
#                 --cafile DIR/cafile.pem) and AUTH PLAIN LOGIN for
#                 testuser/testpass (Cyrus SASL, a sasldb in the unpack cache), offered
#                 only inside TLS (AuthOptions=p)
#     submission  with tls: the daemon requires AUTH (DaemonPortOptions
#                 M=a, RFC 6409 style): "530 Authentication required"
#                 for mail before it
#     CERTDIR     use this certs.sh directory instead of making one
#
# Local mailboxes: testuser, postmaster (aliased to root); mail goes to
# /var/mail/USER through the unpacked mail.local.  Pitfalls
# (real-servers.md §5 items 21-24): sendmail sleeps 60 s when the host
# name has no dot, so it runs in a UTS namespace named mx.example.test; it
# trusts nothing under a world-writable directory (TrustStickyBit);
# mail.local needs /var/mail 1777 to lock; SIGHUP re-execs argv[0], so the
# binary is named by absolute path.  No DNS: the service switch says
# "hosts files", and the client (127.0.0.1) is in /etc/hosts.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
. "$HERE/unpack.sh"
NAME=sendmail

cannot_run() {
  [ "$(id -u)" = 0 ] || { echo "Sendmail needs root to start"; return 0; }
  command -v apt-get >/dev/null || { echo "no apt-get to fetch sendmail-bin"; return 0; }
  command -v m4 >/dev/null || { echo "no m4 (apt-get install m4) to build sendmail.cf"; return 0; }
  command -v unshare >/dev/null || { echo "unshare (util-linux) missing"; return 0; }
  # its own host name without touching the machine's: a UTS namespace
  why=$(unshare -u true 2>&1) || { echo "no UTS namespace here for Sendmail's host name (unshare -u: $why)"; return 0; }
  return 1
}

# write_mc DIR PORT ROOT TLS SUBMISSION CERTS
write_mc() {
  d=$1 port=$2 root=$3 tls=$4 sub=$5 certs=$6
  mods=
  [ "$sub" = 1 ] && mods=", M=Ea"
  {
    cat <<MC
divert(-1)
# sendmail.mc made by tester/tests/servers/sendmail.sh
divert(0)dnl
include(\`$root/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(\`mailspec')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.example.test')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`QUEUE_DIR', \`$d/mqueue')dnl
define(\`STATUS_FILE', \`$d/sendmail.st')dnl
define(\`ALIAS_FILE', \`$d/aliases')dnl
define(\`HELP_FILE', \`$root/etc/mail/helpfile')dnl
define(\`confPID_FILE', \`$d/sendmail.pidfile')dnl
define(\`confCW_FILE', \`-o $d/local-host-names')dnl
define(\`confSERVICE_SWITCH_FILE', \`$d/service.switch')dnl
define(\`confHOSTS_FILE', \`/etc/hosts')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confPRIVACY_FLAGS', \`authwarnings')dnl
define(\`confDEF_USER_ID', \`mail:mail')dnl
define(\`LOCAL_MAILER_PATH', \`$root/usr/libexec/sendmail/mail.local')dnl
define(\`LOCAL_MAILER_ARGS', \`mail.local -d \$u')dnl
define(\`confDEAD_LETTER_DROP', \`$d/dead.letter')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit,GroupReadableKeyFile,GroupReadableSASLDBFile')dnl
define(\`confLOG_LEVEL', \`${LOGLEVEL:-9}')dnl
define(\`confMIN_QUEUE_AGE', \`0')dnl
MC
    if [ "$tls" = 1 ]; then
      cat <<MC
define(\`confCACERT_PATH', \`$certs')dnl
define(\`confCACERT', \`$certs/ca.pem')dnl
define(\`confSERVER_CERT', \`$certs/server.pem')dnl
define(\`confSERVER_KEY', \`$certs/server.key')dnl
define(\`confAUTH_MECHANISMS', \`PLAIN LOGIN')dnl
define(\`confAUTH_OPTIONS', \`p,A')dnl
TRUST_AUTH_MECH(\`PLAIN LOGIN')dnl
MC
    fi
    cat <<MC
DAEMON_OPTIONS(\`Port=$port, Addr=127.0.0.1, Name=MTA$mods')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MC
  } > "$d/sendmail.mc"
}

# in_ns CMD...: exec CMD in a UTS namespace whose host name has a dot
# (unshare and sh exec too: run in the background, $! is CMD's own PID).
in_ns() {
  exec unshare -u sh -c 'hostname mx.example.test && exec "$@"' sh "$@"
}

case "${1:-}" in
check)
  if why=$(cannot_run); then echo "$why"; exit 1; fi
  ;;
start)
  [ $# -ge 3 ] || srv_usage $NAME
  DIR=$2 PORT=$3
  shift 3
  TLS=0 SUB=0 CERTS=
  for a in "$@"; do
    case "$a" in
    tls) TLS=1 ;;
    submission) SUB=1 TLS=1 ;;
    *) CERTS=$a ;;
    esac
  done
  if why=$(cannot_run); then echo "$why" >&2; exit 1; fi
  mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd); chmod 755 "$DIR"
  srv_port_free "$PORT" || { echo "port $PORT is taken" >&2; exit 75; }
  ROOT=$(srv_unpack sendmail sendmail-bin sendmail-base sendmail-cf) || {
    echo "cannot fetch sendmail-bin" >&2; exit 1; }
  id testuser >/dev/null 2>&1 || useradd -m -s /bin/sh testuser
  # mail.local setreuid()s to the recipient and dot-locks in /var/mail
  chmod 1777 /var/mail
  if [ $TLS = 1 ]; then
    if [ -z "$CERTS" ]; then
      CERTS=$DIR/certs
      sh "$HERE/../certs.sh" "$CERTS" > "$DIR/certs.log" 2>&1 || {
        sed 's/^/  certs.sh: /' "$DIR/certs.log" >&2; exit 1; }
    fi
    CERTS=$(cd "$CERTS" && pwd)
    # sendmail wants the key readable by root only, in a directory it trusts
    mkdir -p "$DIR/tls"
    cp "$CERTS/ca.pem" "$CERTS/server.pem" "$CERTS/server.key" "$DIR/tls/"
    chmod 600 "$DIR/tls/server.key"
    cp "$CERTS/ca.pem" "$DIR/cafile.pem"
    # Sendmail clears its environment, so Cyrus SASL reads the fixed
    # /etc/sasl2/Sendmail.conf (no real Sendmail here: it conflicts with
    # Postfix); ours points at a sasldb in the unpack cache.
    command -v saslpasswd2 >/dev/null || { echo "no saslpasswd2 (apt-get install sasl2-bin)" >&2; exit 1; }
    SASLCONF=/etc/sasl2/Sendmail.conf
    if [ -f $SASLCONF ] && ! grep -q '^# mailspec' $SASLCONF; then
      echo "$SASLCONF exists and is not mailspec's: not overwriting it" >&2; exit 1
    fi
    SASLDB=$SRV_CACHE/sendmail/sasldb2
    mkdir -p /etc/sasl2
    printf '# mailspec: tester/tests/servers/sendmail.sh\npwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: %s\nmech_list: PLAIN LOGIN\n' \
      "$SASLDB" > $SASLCONF.tmp && mv $SASLCONF.tmp $SASLCONF
    [ -f "$SASLDB" ] || echo testpass | saslpasswd2 -p -c -f "$SASLDB" -u mx.example.test testuser
    chmod 600 "$SASLDB"
  fi
  write_mc "$DIR" "$PORT" "$ROOT" $TLS $SUB "$DIR/tls"
  m4 "$DIR/sendmail.mc" > "$DIR/sendmail.cf" 2> "$DIR/m4.log" || {
    sed 's/^/  m4: /' "$DIR/m4.log" >&2; exit 1; }
  printf 'mx.example.test\nlocalhost\n' > "$DIR/local-host-names"
  printf 'postmaster: root\nMAILER-DAEMON: postmaster\n' > "$DIR/aliases"
  printf 'hosts files\naliases files\n' > "$DIR/service.switch"
  rm -rf "$DIR/mqueue"; mkdir -p "$DIR/mqueue"; chmod 700 "$DIR/mqueue"
  BIN=$ROOT/usr/libexec/sendmail/sendmail
  (in_ns "$BIN" -C "$DIR/sendmail.cf" -bi) > "$DIR/newaliases.log" 2>&1 || {
    sed 's/^/  newaliases: /' "$DIR/newaliases.log" >&2; exit 1; }
  in_ns "$BIN" -C "$DIR/sendmail.cf" -bD -q30m > "$DIR/$NAME.log" 2>&1 &
  echo $! > "$DIR/$NAME.pid"
  if ! srv_wait_banner 127.0.0.1 "$PORT" "220 " 20 "$(cat "$DIR/$NAME.pid")"; then
    sed 's/^/  sendmail: /' "$DIR/$NAME.log" >&2
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
