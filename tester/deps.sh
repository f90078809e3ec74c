#!/bin/sh
# deps.sh: make sure every Debian package the build and the tests need is
# installed.  Called by `make deps` (and so by `make demo`, `make check`,
# `make bench`).
#
# - All present: a single dpkg-query, no network, silent.
# - Missing and root: preseed debconf, `apt-get update`, `apt-get install`.
# - Missing and not root: print the exact `apt-get install ...` line, exit 1.
#
# Environment: DEPS_VERBOSE=1 also reports when everything is present.
# `sh tester/deps.sh --list` prints the packages, one a line, and does
# nothing else: tester/tests/t/deps.t checks with it that every program
# and Python module the tests use comes from one of them.
set -eu

# Build: compiler and the libraries found through pkg-config.
BUILD_PKGS="gcc make pkg-config libyaml-dev libpcap-dev libssl-dev check"
# Tests and benchmark:
#   postfix           smtp-sink, smtp-source and Postfix itself (real servers)
#   python3-aiosmtpd  a second real SMTP server (run with /usr/bin/python3)
#   python3           the scripted misbehaving server, port and banner helpers
#   python3-yaml      the import oracle (import_oracle.py) and pcap.t read
#                     YAML: tshark's Follow TCP Stream output, transcripts
#   perl              `prove`, which runs tester/tests/t/*.t
#   libxml2-utils     xmllint, to validate JUnit reports
#   tcpdump, tshark   capture and dissect the pcap files mailspec writes/reads
#   swaks             an independent SMTP client to cross-check servers
#   time              /usr/bin/time -v: peak RSS in `make bench`
#   iproute2          ss: the connections open at once in `make bench`'s
#                     hold benchmark (tester/bench/hold.sh)
#   python3-jsonschema  validates the JSON report against reports/schema.json
#   chromium          renders the HTML report headless (reports.t)
#   dovecot-pop3d dovecot-core  the real POP3 server (the `dovecot`
#                     binary is dovecot-core's), and SASL for Postfix
#                     submission
#   openssl           the CLI: test certificates, s_client against TLS servers
#   tcpflow           the import benchmark's comparison (tester/bench/import.sh)
#   clang libclang-rt-14-dev  libFuzzer for `make fuzz` (CI smoke run)
#   valgrind          `make valgrind`
#   groff-base man-db renders the man page in man.t (warnings fail it),
#                     with groff and with man -l
#   git               .ci/run tests a clone of the committed tree
#   libidn12 libgnutls-dane0 libevent-2.1-7 libdb5.3 libnsl2
#                     run-time libraries of Exim and OpenSMTPD, which the
#                     tests run unpacked from their .debs (they conflict with
#                     postfix as installed packages)
#   m4 sasl2-bin libsasl2-modules libsasl2-modules-db libwrap0 liblockfile1
#                     Sendmail, unpacked (sendmail.cf is built with m4; its
#                     AUTH uses a sasldb made by saslpasswd2)
#   libcourier-unicode4 libltdl7 libgdbm6 libgnutls30 libpam0g
#                     Courier SMTP and POP3, unpacked (conflict with postfix
#                     and dovecot-pop3d)
#   libical3 libicu72 libjansson4 libpq5 libxapian30 libxml2 libsqlite3-0
#   libldap-2.5-0 libpcre3
#                     Cyrus POP3, unpacked (conflicts with dovecot-pop3d);
#                     libpcre3 for libpcreposix.so.3
#   dovecot-submissiond
#                     Dovecot's submission service, a second submission server
#   nodejs npm        Haraka, from npm into build/haraka (npm only when no
#                     npm command is there: a nodejs from elsewhere that
#                     bundles npm conflicts with Debian's npm package)
TEST_PKGS="postfix python3-aiosmtpd python3 python3-yaml perl libxml2-utils tcpdump tshark swaks time iproute2
  python3-jsonschema chromium dovecot-pop3d dovecot-core dovecot-submissiond openssl tcpflow clang libclang-rt-14-dev valgrind groff-base man-db git
  libidn12 libgnutls-dane0 libevent-2.1-7 libdb5.3 libnsl2
  m4 sasl2-bin libsasl2-modules libsasl2-modules-db libwrap0 liblockfile1
  libcourier-unicode4 libltdl7 libgdbm6 libgnutls30 libpam0g
  libical3 libicu72 libjansson4 libpq5 libxapian30 libxml2 libsqlite3-0 libldap-2.5-0 libpcre3
  nodejs"
# npm is Debian's package where it is not there yet or came from it; a
# nodejs from elsewhere that bundles its own npm keeps that one.
if ! command -v npm >/dev/null 2>&1 || dpkg -s npm >/dev/null 2>&1; then
  TEST_PKGS="$TEST_PKGS npm"
fi

ALL_PKGS="$BUILD_PKGS $TEST_PKGS"
if [ "${1:-}" = --list ]; then
  printf '%s\n' $ALL_PKGS
  exit 0
fi

# Print the packages of ALL_PKGS that are not installed ("ii").
missing_pkgs() {
  # dpkg-query prints nothing for unknown packages (and complains on stderr).
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' $ALL_PKGS \
    2>/dev/null | awk '$2 == "ii" { print $1 }')
  for p in $ALL_PKGS; do
    case " $(echo $installed) " in
    *" $p "*) ;;
    *) printf '%s ' "$p" ;;
    esac
  done
}

# Answers for the packages that would otherwise ask (or pick a bad default).
preseed() {
  # Postfix: "Local only" (inet_interfaces = loopback-only, nothing relays
  # out).  Without a preseed a noninteractive install takes "Internet Site"
  # and would listen on *:25.
  debconf-set-selections <<'EOF'
postfix postfix/main_mailer_type select Local only
postfix postfix/mailname string mx.example.test
postfix postfix/destinations string mx.example.test, localhost
wireshark-common wireshark-common/install-setuid boolean false
EOF
}

MISSING=$(missing_pkgs)
if [ -z "$MISSING" ]; then
  [ "${DEPS_VERBOSE:-0}" = 1 ] && echo "deps: all $(echo $ALL_PKGS | wc -w) packages present"
  exit 0
fi
MISSING=${MISSING% }
INSTALL="apt-get install -y --no-install-recommends $MISSING"

if [ "$(id -u)" != 0 ]; then
  echo "deps: missing Debian packages: $MISSING" >&2
  case " $MISSING " in
  *" postfix "*)
    echo "deps: preseed Postfix first so it stays local-only:" >&2
    echo "  echo 'postfix postfix/main_mailer_type select Local only' | sudo debconf-set-selections" >&2
    ;;
  esac
  echo "deps: run as root:" >&2
  echo "  $INSTALL" >&2
  exit 1
fi

echo "deps: installing missing Debian packages: $MISSING"
preseed
# No daemon started by a package's postinst while we install (a systemd
# host would otherwise start postfix right away); restore afterwards.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$POLICY"
  chmod 755 "$POLICY"
  trap 'rm -f "$POLICY"' EXIT INT TERM
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $MISSING

STILL=$(missing_pkgs)
if [ -n "$STILL" ]; then
  echo "deps: still missing after apt-get: $STILL" >&2
  exit 1
fi
echo "deps: installed $MISSING"
