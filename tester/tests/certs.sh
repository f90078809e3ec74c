#!/bin/sh
# certs.sh DIR: the test PKI, made at test time with the openssl CLI (EC
# P-256 keys, SHA-256; nothing is checked in).  In DIR:
#
#   ca.pem ca.key                  "mailspec test CA" (trust it: --cafile)
#   server.pem server.key          CN=localhost, SAN DNS:localhost,
#                                  IP:127.0.0.1, IP:127.0.0.2 (dovecot-tls
#                                  strict), IP:::1; signed by the CA;
#                                  valid from yesterday for 30 days
#   server-chain.pem               server.pem followed by ca.pem
#   expired.pem expired.key        signed by the CA, same names, valid only
#                                  in January 2020
#   wrongname.pem wrongname.key    signed by the CA, valid, but only for
#                                  DNS:wrong.example.test
#   selfsigned.pem selfsigned.key  localhost/127.0.0.1, signed by itself
#   users                          "testuser:testpass" (for the servers)
#
# Exit 0 when all were made; the openssl errors otherwise.
set -eu
[ $# = 1 ] || { echo "usage: certs.sh DIR" >&2; exit 2; }
DIR=$1
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
cd "$DIR"

SAN_OK="subjectAltName=DNS:localhost,IP:127.0.0.1,IP:127.0.0.2,IP:0:0:0:0:0:0:0:1"
LEAF="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth"

newkey() { # NAME
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$1.key" 2>/dev/null
  chmod 600 "$1.key"
}

# The CA: self-signed, CA:TRUE.
newkey ca
openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/O=mailspec/CN=mailspec test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.pem

# A minimal `openssl ca` set-up: it is the one CLI command that takes an
# explicit -startdate/-enddate (for the expired certificate).
rm -rf ca.db && mkdir ca.db
: > ca.db/index.txt
echo 1000 > ca.db/serial
cat > ca.db/ca.cnf <<EOF
[ca]
default_ca = testca
[testca]
dir = $DIR/ca.db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $DIR/ca.pem
private_key = $DIR/ca.key
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
email_in_dn = no
[anything]
commonName = supplied
organizationName = optional
EOF

# sign NAME CN SAN START END
sign() {
  newkey "$1"
  openssl req -new -key "$1.key" -subj "/O=mailspec/CN=$2" -out "ca.db/$1.csr"
  printf '%s\n%s\n' "$LEAF" "$3" > "ca.db/$1.ext"
  openssl ca -batch -config ca.db/ca.cnf -notext -startdate "$4" -enddate "$5" \
    -extfile "ca.db/$1.ext" -in "ca.db/$1.csr" -out "$1.pem" 2>"ca.db/$1.log" || {
    cat "ca.db/$1.log" >&2
    exit 1
  }
}

utc() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

NOW_START=$(utc '1 day ago')
NOW_END=$(utc '30 days')
sign server localhost "$SAN_OK" "$NOW_START" "$NOW_END"
sign expired localhost "$SAN_OK" 20200101000000Z 20200131000000Z
sign wrongname wrong.example.test "subjectAltName=DNS:wrong.example.test" \
  "$NOW_START" "$NOW_END"
cat server.pem ca.pem > server-chain.pem

newkey selfsigned
openssl req -x509 -new -key selfsigned.key -sha256 -days 30 \
  -subj "/O=mailspec/CN=localhost" -addext "$SAN_OK" \
  -addext "basicConstraints=critical,CA:FALSE" \
  -addext "extendedKeyUsage=serverAuth" -out selfsigned.pem

echo "testuser:testpass" > users

# Prove what each one is, so a broken PKI fails here and not later.
openssl verify -CAfile ca.pem server.pem >/dev/null
openssl verify -CAfile ca.pem wrongname.pem >/dev/null
if openssl verify -CAfile ca.pem expired.pem >/dev/null 2>&1; then
  echo "certs.sh: expired.pem verifies" >&2
  exit 1
fi
openssl verify -CAfile selfsigned.pem selfsigned.pem >/dev/null
chmod 644 ./*.pem
