# mta-tls.sh: STARTTLS and AUTH for exim.sh and opensmtpd.sh (sourced,
# POSIX sh), kept apart so that those scripts only pass their arguments on.
#
#   mta_tls_args ARGS...      sets MTA_TLS (0/1), MTA_SUB (0/1), MTA_CERTS
#                             from "[tls] [submission] [CERTDIR]"
#   mta_tls_certs DIR         makes (or copies) the certs.sh PKI into
#                             DIR/certs and writes DIR/cafile.pem, the CA a
#                             client trusts (--cafile)
#   exim_tls_conf DIR         DIR/tls-main.conf, tls-acl.conf, tls-auth.conf:
#                             the fragments exim.sh's config includes
#   smtpd_tls_conf DIR        prints the OpenSMTPD listener options and
#                             writes DIR/tls.conf (pki, credentials table)
#
# With tls: STARTTLS with certs.sh's server.pem, and AUTH PLAIN and LOGIN
# for the fixed test user testuser/testpass, offered only inside TLS (RFC
# 4954 §4: a server SHOULD NOT offer plaintext mechanisms without TLS).
# With submission too: MAIL needs TLS, then AUTH, first (530, RFC 3207 §4
# and RFC 4954 §6), as on a submission port.  Without tls: no STARTTLS.

mta_tls_args() {
  MTA_TLS=0 MTA_SUB=0 MTA_CERTS=
  for a in "$@"; do
    case $a in
    tls) MTA_TLS=1 ;;
    submission) MTA_TLS=1 MTA_SUB=1 ;;
    *) MTA_CERTS=$a ;;
    esac
  done
}

# mta_tls_certs DIR: DIR/certs/{server.pem,server.key,ca.pem}, DIR/cafile.pem
mta_tls_certs() {
  if [ -n "$MTA_CERTS" ]; then
    mkdir -p "$1/certs"
    cp "$MTA_CERTS/server.pem" "$MTA_CERTS/server.key" "$MTA_CERTS/ca.pem" "$1/certs/"
  else
    sh "$HERE/../certs.sh" "$1/certs" > "$1/certs.log" 2>&1 || {
      sed 's/^/  certs.sh: /' "$1/certs.log" >&2
      return 1
    }
  fi
  cp "$1/certs/ca.pem" "$1/cafile.pem"
}

# exim_tls_conf DIR: the three fragments (empty or "no TLS" without tls).
# Exim's receiving process runs as Debian-exim and reads the key then.
exim_tls_conf() {
  : > "$1/tls-acl.conf"
  : > "$1/tls-auth.conf"
  if [ "$MTA_TLS" = 0 ]; then
    echo 'tls_advertise_hosts =' > "$1/tls-main.conf"
    return 0
  fi
  mta_tls_certs "$1" || return 1
  chown Debian-exim "$1/certs/server.key"
  cat > "$1/tls-main.conf" <<CONF
tls_advertise_hosts = *
tls_certificate = $1/certs/server.pem
tls_privatekey = $1/certs/server.key
CONF
  # \$auth2/\$auth3: PLAIN's authcid and password; \$auth1/\$auth2: LOGIN's
  cat > "$1/tls-auth.conf" <<'CONF'
begin authenticators
PLAIN:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_advertise_condition = ${if def:tls_in_cipher}
  server_condition = ${if and {{eq{$auth2}{testuser}}{eq{$auth3}{testpass}}}}
  server_set_id = $auth2
LOGIN:
  driver = plaintext
  public_name = LOGIN
  server_prompts = <| Username: | Password:
  server_advertise_condition = ${if def:tls_in_cipher}
  server_condition = ${if and {{eq{$auth1}{testuser}}{eq{$auth2}{testpass}}}}
  server_set_id = $auth1
CONF
  [ "$MTA_SUB" = 1 ] || return 0
  echo 'acl_smtp_mail = acl_check_mail' >> "$1/tls-main.conf"
  cat > "$1/tls-acl.conf" <<'CONF'
acl_check_mail:
  deny    message = 530 5.7.0 Must issue a STARTTLS command first
          !encrypted = *
  deny    message = 530 5.7.0 Authentication required
          !authenticated = *
  accept
CONF
}

# smtpd_tls_conf DIR: DIR/tls.conf (included by smtpd.conf) and, on
# stdout, what the listen line adds.  The credentials table holds a
# SHA-512 crypt(3) hash, never the password.  Debian 12's OpenSMTPD 6.8
# with OpenSSL 3 fails every handshake (its privilege-separated signing
# engine: "missing private key", "EVP lib"; the same with an RSA key), so
# AUTH, offered only inside TLS, is never seen (suites/waivers/opensmtpd.yaml).
smtpd_tls_conf() {
  : > "$1/tls.conf"
  [ "$MTA_TLS" = 1 ] || return 0
  mta_tls_certs "$1" || return 1
  hash=$(openssl passwd -6 testpass) || return 1
  printf 'testuser %s\n' "$hash" > "$1/creds"
  chmod 640 "$1/creds"
  chgrp opensmtpd "$1/creds" 2>/dev/null || true
  cat > "$1/tls.conf" <<CONF
pki mx.example.test cert "$1/certs/server.pem"
pki mx.example.test key "$1/certs/server.key"
table creds file:$1/creds
CONF
  if [ "$MTA_SUB" = 1 ]; then
    echo 'tls-require pki mx.example.test auth <creds>'
  else
    echo 'tls pki mx.example.test auth-optional <creds>'
  fi
}
