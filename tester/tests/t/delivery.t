#!/bin/sh
# delivery.t: issue 14's delivery checks (suites/delivery.yaml: SMTP in,
# POP3 out) against real servers: Postfix delivering the virtual domain
# delivery.test into a Maildir that Dovecot serves over POP3
# (tester/tests/servers/postfix-dovecot.sh).  A conforming pair passes
# every test (with suites/waivers/postfix-dovecot.yaml, if it exists: each
# waiver quotes the RFC sentence the pair departs from); no FAIL, no ERROR.
# The reference server's own run (-t builtin) is here too, as the baseline;
# each delivery fault of the reference server is in detection.yaml.
# lib.sh holds the Postfix lock for this file (Postfix is system-wide).
. "$(dirname "$0")/../lib.sh"

SUITE=$ROOT/suites/delivery.yaml

# no_bad NAME DESC: the JSON result NAME.json has no FAIL or ERROR.
no_bad() {
  _bad=$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s=%s" % (t["id"], t["verdict"]) for t in d["transcripts"]
               if t["verdict"] in ("FAIL", "ERROR")))' "$WORK/$1.json")
  is "$_bad" "" "$2"
}

# count NAME VERDICT: how many transcripts of NAME.json have VERDICT.
count() {
  "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(sum(1 for t in d["transcripts"] if t["verdict"] == sys.argv[2]))' "$WORK/$1.json" "$2"
}

# ---- the reference server, both sides built in ---------------------------
# -D relay*: the built-in world's relay route (relay.test to the next hop
# next.test, which the reference server runs itself); the relay-* tests
# SKIP without them.
ms --color=never run --strict -r "json:$WORK/builtin.json" -t builtin \
  -D relayrcpt=testuser@relay.test -D relayunknown=nobody@relay.test \
  -D "relayrefusal=550 5.1.1 No such user here" "$SUITE"
exit_is 0 "suites/delivery.yaml passes against -t builtin (--strict)"
no_bad builtin "... with no FAIL or ERROR"
# pipelining-empty-data-silent SKIPs: RFC 2920 §3.2 (4) arises only where
# (3) is broken (354 to a DATA without a valid recipient).
is "$(count builtin SKIP)" 1 "... and no SKIP but RFC 2920 (4)'s (the built-in world defers \${defer_from})"
ntests=$(count builtin PASS)
ok "... all $ntests delivery tests ran" [ "$ntests" -ge 21 ]

# ---- Postfix -> Maildir -> Dovecot -----------------------------------------
require_server postfix-dovecot
POP3=$(cat "$WORK/srv-postfix-dovecot/pop3" 2> /dev/null)
like "$POP3" '^127\.0\.0\.1:[0-9]+$' "Dovecot's POP3 side is at $POP3"
WAIVERS=
[ -f "$ROOT/suites/waivers/postfix-dovecot.yaml" ] &&
  WAIVERS="--waivers $ROOT/suites/waivers/postfix-dovecot.yaml"
# shellcheck disable=SC2086
ms --color=never run --strict -r "json:$WORK/pair.json" -t "$TARGET" \
  --pop3 "pop3://$POP3" $WAIVERS \
  -D rcpt=testuser@delivery.test -D rcpt2=postmaster@localhost \
  -D failrcpt=undeliverable@delivery.test \
  -D failrcpt2=undeliverable2@delivery.test -D utf8failrcpt= \
  -D user=testuser -D pass=testpass -D postmaster_user= "$SUITE"
exit_is 0 "suites/delivery.yaml passes against Postfix with Dovecot (--strict)"
no_bad pair "... with no FAIL or ERROR"
# postfix-dovecot.sh sets up no STARTTLS and no SASL: the two tests that
# authenticate first SKIP there, and so do the mailing-list, alias and
# autoresponder tests (none is set up there), and the postmaster's
# mailbox is not read there (-D postmaster_user=); Postfix offers no
# BINARYMIME: so does binarymime-intact; no UTF-8 recipient that fails is
# set up there (an empty -D utf8failrcpt=, refused at RCPT):
# dsn-smtputf8-rfc6533 SKIPs; Postfix has no SAML: notify-by-mail SKIPs;
# Postfix refuses DATA without a valid recipient (RFC 2920 §3.2 (3)):
# pipelining-empty-data-silent SKIPs.  Only they.
_pskips=$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted(t["id"] for t in d["transcripts"] if t["verdict"] == "SKIP")))' "$WORK/pair.json")
_relay=$(printf ' %s' $(cd "$ROOT/transcripts" && LC_ALL=C ls delivery/relay-*.yaml | sed 's/\.yaml$//'))
is "$_pskips" "delivery/alias-and-list delivery/autoreply-null-sender delivery/binarymime-intact delivery/dsn-alias-once delivery/dsn-list-delivered delivery/dsn-null-postmaster delivery/dsn-smtputf8-rfc6533 delivery/list-expansion delivery/list-originator-kept delivery/notify-by-mail delivery/pipelining-empty-data-silent delivery/received-after-auth delivery/received-esmtpa$_relay" \
  "... and no SKIP but the AUTH, BINARYMIME, SAML, SMTPUTF8-DSN, mailing-list, alias, autoresponder, postmaster and relay tests (postfix.sh defers \${defer_from} at the end of data; no relay route is set up there)"
[ "$RC" = 0 ] || { diag_file "$OUT"; diag_file "$ERR"; }
is "$(grep -c "matched no failure" "$ERR")" 0 "... and every waiver of suites/waivers/postfix-dovecot.yaml is still needed"
