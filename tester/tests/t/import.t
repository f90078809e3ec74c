#!/bin/sh
# import.t: captures to transcripts (mailspec import), record, replay.
#
#  1. The captures in tester/tests/data/pcaps/ (SOURCES.md): every one is
#     imported in both forms, with and without --keep-secrets; every
#     transcript carries, byte for byte per direction, what tshark's
#     "Follow TCP Stream" reads from the same file (tshark is the oracle:
#     import_oracle.py), holds no secret in clear unless kept, and loads
#     (mailspec lint).  Then what each one is in the set for.
#  2. Synthetic captures (pcapgen.py), one per case of issue 6: containers,
#     link types, IP variants, TCP reassembly, SMTP and POP3 framing.  Each
#     is checked against tshark where tshark reads it, and against the
#     transcript of the plain capture of the same dialogue (a reordered,
#     retransmitted, VLAN-tagged... capture must give the same dialogue).
#  3. Real traffic: tcpdump on lo while swaks talks to smtp-sink and
#     Postfix (and a POP3 client to Dovecot when installed); import, then
#     replay against the same server: everything passes.
#  4. mailspec record, live on lo, then replay.
#  6. replay against the reference server (no root needed): the other
#     protocol SKIPs before a line is sent, secrets are sent but shown
#     redacted, reports point at the capture's frames, help, no session.
. "$(dirname "$0")/../lib.sh"

PCAPS=$ROOT/tester/tests/data/pcaps
GEN="$PY $TESTS/pcapgen.py"
ORACLE="$PY $TESTS/import_oracle.py"

if ! command -v tshark > /dev/null 2>&1; then
  if [ "${CI:-}" = true ]; then
    fail "tshark is installed (the oracle of these tests)"
    exit 1
  fi
  skip_all "tshark not installed (apt-get install tshark): it is the oracle"
fi

# oracle DESC CAPTURE DIR [--trailing-gap-ok]: every transcript in DIR
# matches tshark's reading of CAPTURE (skips allowed for link layers
# tshark cannot decode).
oracle() {
  _d=$1 _cap=$2 _dir=$3
  shift 3
  if $ORACLE "$@" "$_cap" "$_dir"/*.yaml > "$WORK/oracle.out" 2>&1; then
    pass "$_d"
  else
    fail "$_d"
    diag_file "$WORK/oracle.out" oracle
  fi
}

# body FILE: the dialogue of a transcript (script:/steps: onward), without
# the lines that name the capture.
body() {
  sed -n '/^\(script\|steps\):/,$p' "$1"
}

# same_body DESC A B: two transcripts hold the same dialogue.
same_body() {
  body "$2" > "$WORK/a.body"
  body "$3" > "$WORK/b.body"
  if [ -s "$WORK/a.body" ] && cmp -s "$WORK/a.body" "$WORK/b.body"; then
    pass "$1"
  else
    fail "$1" "dialogues differ: $2 vs $3"
    diff "$WORK/a.body" "$WORK/b.body" | head -40 | awk '{ print "#   " $0 }'
  fi
}

count() {
  find "$1" -name '*.yaml' 2>/dev/null | wc -l | tr -d ' '
}

# imp DIR CAPTURE [ARGS...]: import CAPTURE into DIR (secrets kept).
imp() {
  _dir=$1 _cap=$2
  shift 2
  rm -rf "$_dir"
  ms import -q --keep-secrets -o "$_dir" "$@" "$_cap"
}

# ==== 1. the test data set ====================================================

# Every capture of the set, in both forms, with and without secrets: what
# import writes matches tshark, keeps no secret unless asked, and loads.
bad=0
ncap=0
# inv_bad WHAT [FILE]: one more problem, said.
inv_bad() {
  bad=$((bad + 1))
  diag "$1"
  [ -n "${2:-}" ] && diag_file "$2"
}
for cap in "$PCAPS"/*.pcap "$PCAPS"/*.pcapng; do
  [ -f "$cap" ] || continue
  ncap=$((ncap + 1))
  name=$(basename "$cap")
  name=${name%.*}
  for form in script steps; do
    fl=
    [ $form = steps ] && fl=--steps
    for keep in kept redacted; do
      kl=
      [ $keep = kept ] && kl=--keep-secrets
      d=$WORK/inv/$name-$form-$keep
      rm -rf "$d"
      # shellcheck disable=SC2086
      ms import -q $kl $fl -o "$d" "$cap"
      if [ "$RC" -gt 1 ]; then
        inv_bad "$name ($form, $keep): import exit $RC" "$ERR"
        continue
      fi
      [ "$(count "$d")" = 0 ] && continue
      ms lint "$d"/*.yaml
      [ "$RC" = 0 ] || inv_bad "$name ($form, $keep): lint refuses what import wrote" "$OUT"
      if [ $keep = kept ]; then
        $ORACLE "$cap" "$d"/*.yaml > "$WORK/inv.out" 2>&1 ||
          inv_bad "$name ($form): not what tshark follows" "$WORK/inv.out"
      else
        $ORACLE --secrets "$cap" "$d"/*.yaml > "$WORK/inv.out" 2>&1 ||
          inv_bad "$name ($form): a secret in clear" "$WORK/inv.out"
      fi
    done
  done
done
ok "the data set holds the captures of SOURCES.md ($ncap)" [ "$ncap" -ge 8 ]
is "$bad" 0 "every capture of the data set: both forms match tshark, load (lint), keep no secret unless asked"

# The shared public captures.

for spec in pop3-seven-sessions:5 smtp-auth-login-mime:1 smtp-bdat-gap:1 \
  smtp-bdat-pipeline-8bitmime:1 smtp-errors:3 smtp-pipelining:1; do
  name=${spec%:*}
  n=${spec#*:}
  cap=$PCAPS/$name.pcap
  if [ ! -f "$cap" ]; then
    skip "$name" "$cap missing"
    continue
  fi
  imp "$WORK/pub/$name" "$cap"
  exit_is 0 "import $name: exit 0"
  is "$(count "$WORK/pub/$name")" "$n" "$name: $n transcript(s), one per SMTP/POP3 session"
  oracle "$name: byte for byte what tshark follows" "$cap" "$WORK/pub/$name"
done

P=$WORK/pub
like "@$P/smtp-bdat-gap/smtp-bdat-gap-0000.yaml" '<gap: 1000 bytes sent by the client are missing' \
  "bdat-gap: the 1000 missing bytes are an explicit gap step"
like "@$P/smtp-bdat-gap/smtp-bdat-gap-0000.yaml" '^replayable: false$' \
  "bdat-gap: marked not replayable"
like "@$P/smtp-pipelining/smtp-pipelining-0000.yaml" '^pipelining: true$' \
  "pipelining: declared"
sed -n '/^script/,$p' "$P/smtp-pipelining/smtp-pipelining-0000.yaml" |
  grep -A4 '^  C: MAIL FROM' | tr '\n' '|' > "$WORK/pipe.grp"
like "@$WORK/pipe.grp" '^  C: MAIL FROM:[^|]*\|  C: RCPT TO:[^|]*\|  C: DATA\|  C: This is a test\|  C: \.\|$' \
  "pipelining: the client's batch stays one group of C: lines"
like "@$P/pop3-seven-sessions/pop3-seven-sessions-0006.yaml" '^  S: \+OK$' \
  "pop3: LIST's multi-line response is kept"

# Secrets: redacted by default, and the transcript says so.
rm -rf "$WORK/red"
ms import -q -o "$WORK/red" "$PCAPS/smtp-auth-login-mime.pcap"
exit_is 0 "import without --keep-secrets: exit 0"
R=$WORK/red/smtp-auth-login-mime-0000.yaml
unlike "@$R" 'cHVuamFiQDEyMw==|Z3VycGFydGFwQHBhdHJpb3RzLmlu' "AUTH LOGIN credentials are not in the transcript"
like "@$R" '"\$\{secret2\}"' "they are \${secretN} variables"
like "@$R" '^  secret2: REDACTED$' "defined as REDACTED under vars:"
like "@$R" 'AUTH secrets are redacted' "and the notes say so"
like "@$P/smtp-auth-login-mime/smtp-auth-login-mime-0000.yaml" 'cHVuamFiQDEyMw==' \
  "--keep-secrets keeps them"

# What each synthetic capture of the set is there for (SOURCES.md).
I1=$WORK/inv
ms import -q -o "$WORK/ftp" "$PCAPS/ftp-login-not-smtp.pcap"
exit_is 1 "FTP (220, USER, PASS): no SMTP session (exit 1)"
is "$(count "$WORK/ftp")" 0 "FTP: nothing written"
like "@$ERR" 'no SMTP or POP3 session found' "FTP: said so"
if grep -rq qwerty "$WORK/ftp" "$I1"/ftp-login-not-smtp-* 2>/dev/null; then
  fail "FTP: its password is nowhere"
else
  pass "FTP: its password is nowhere"
fi
ms import -o "$WORK/ftps" "$PCAPS/ftp-auth-tls-not-smtp.pcap"
exit_is 1 "FTPS (220, AUTH TLS, TLS) on port 21: no SMTP session (exit 1)"
like "@$ERR" '1 TCP session: 1 not SMTP/POP3' "FTPS: not SMTP/POP3"
ms import -o "$WORK/redis" "$PCAPS/redis-not-pop3.pcap"
exit_is 1 "Redis +OK/+PONG, on 6379 and on 110: no POP3 session (exit 1)"
like "@$ERR" '2 TCP sessions: 2 not SMTP/POP3' "Redis: both sessions are not mail"
X=$I1/pop3-pipelined-xoauth2-script-redacted/pop3-pipelined-xoauth2-0000.yaml
like "@$X" '^script: \|' "POP3 pipelined without a greeting: the script: form"
unlike "@$X" 'no reply code' "... no line written off as a reply without a code"
sed -n '/^script/,$p' "$X" | tr '\n' '|' > "$WORK/x.grp"
like "@$WORK/x.grp" '  C: CAPA\|  C: AUTH XOAUTH2\|  C: \$\{secret1\}\|  C: STAT\|  C: LIST\|  C: UIDL\|  C: QUIT\|  S: \+OK Capability list follows\|' \
  "... the pipelined commands stay one group"
like "@$WORK/x.grp" '  S: \+OK 1 messages \(3086 bytes\)\|  S: 1 3086\|  S: \.\|  S: \+OK\|  S: 1 UniqueId123456789\|  S: \.\|' \
  "... LIST and UIDL keep their multi-line responses"
like "@$X" 'the 1 secret the client sent' "... the XOAUTH2 token is a secret, counted"
B6=$I1/smtp-auth-pipelined-bad-ehlo-script-redacted/smtp-auth-pipelined-bad-ehlo-0000.yaml
like "@$B6" 'the 2 secrets the client sent' "AUTH LOGIN after a broken EHLO reply: both SASL lines are secrets"
like "@$B6" '^  C: \$\{secret2\}$' "... the password line too, though the 235 fell on the user line (the greeting's missing line end)"
D=$I1/smtp-starttls-decrypted-script-kept/smtp-starttls-decrypted-0000.yaml
unlike "@$D" 'TLS from here on|^tags: .*starttls' "STARTTLS followed by plaintext: no switch to TLS"
like "@$D" '^  S: 220 2\.0\.0 SMTP server ready$' "... the 220 is there"
like "@$D" '^  C: Subject: decrypted$' "... and the mail after it"
is "$(count "$I1/smtp-client-junk-first-script-kept")" 1 "client junk before the greeting on port 25: still an SMTP session"
S0=$I1/pop3-silent-client-script-kept/pop3-silent-client-0000.yaml
unlike "@$S0" '^replayable: false' "a client that sent nothing: replayable"
like "@$S0" 'The client sent nothing' "... said so"
unlike "@$S0" "only the server's side" "... not 'only the server's side'"
ms import -o "$WORK/tlsonly" "$PCAPS/smtps-implicit-tls-only.pcap"
exit_is 1 "implicit TLS only: no session (exit 1)"
like "@$ERR" '1 on TLS ports' "implicit TLS only: said so"

# A session larger than the per-session limit: cut, said, not replayable.
ms import --max-session-bytes 4096 -o "$WORK/cut" "$PCAPS/smtp-auth-login-mime.pcap"
like "@$ERR" '1 session cut at the size limit' "--max-session-bytes: the cut is reported"
like "@$WORK/cut/smtp-auth-login-mime-0000.yaml" 'bytes from the client over the per-session limit were not imported' \
  "... in the transcript too"
like "@$WORK/cut/smtp-auth-login-mime-0000.yaml" '^replayable: false$' "... which is not replayable"

# The loader takes every imported transcript back.
ms lint "$P"/*/*.yaml "$R"
if [ "$RC" = 0 ]; then
  pass "mailspec lint accepts every imported transcript"
else
  fail "mailspec lint accepts every imported transcript"
  diag_file "$OUT" stdout
  diag_file "$ERR" stderr
fi

# ==== 2. synthetic captures ===================================================

G=$WORK/gen
$GEN all "$G" || bail_out "pcapgen.py failed"
I=$WORK/imp
for f in "$G"/*; do
  n=$(basename "$f")
  n=${n%.*}
  rm -rf "$I/$n"
  timeout 60 "$MAILSPEC" import -q --keep-secrets -o "$I/$n" "$f" \
    > "$WORK/$n.out" 2> "$WORK/$n.err" < /dev/null
  echo $? > "$WORK/$n.rc"
done
rc_of() { cat "$WORK/$1.rc"; }
one() { find "$I/$1" -name '*.yaml' | sort | head -n 1; }

# Cases that must give the plain dialogue, same as the baseline capture.
BASE4=$(one pcap-le-usec)
BASE6=$(one raw-ipv6)
for n in pcap-be-usec pcap-le-nsec pcap-be-nsec pcapng-basic vlan-1 vlan-2 \
  linux-sll linux-sll2 null-ipv4-le null-ipv4-be loop-ipv4-le loop-ipv4-be \
  raw-ipv4 linktype-ipv4 ipv4-options ethernet-padding truncated-file \
  tcp-out-of-order tcp-rexmit-exact tcp-rexmit-partial tcp-overlap-conflict \
  tcp-overlap-conflict-held tcp-seq-wrap tcp-keepalive smtp-multiline \
  smtp-split-lines smtp-other-port; do
  same_body "$n: the same dialogue as the plain capture" "$(one $n)" "$BASE4"
done
for n in linktype-ipv6 ipv6-ext-headers null-ipv6-af10-le null-ipv6-af10-be \
  null-ipv6-af23-le null-ipv6-af23-be null-ipv6-af24-le null-ipv6-af24-be \
  null-ipv6-af28-le null-ipv6-af28-be null-ipv6-af30-le null-ipv6-af30-be \
  loop-ipv6-af10-be loop-ipv6-af24-be loop-ipv6-af30-be loop-ipv6-af30-le; do
  same_body "$n: the same dialogue as the plain IPv6 capture" "$(one $n)" "$BASE6"
done

# tshark agrees wherever it can read the file.
for n in pcap-le-usec pcap-be-usec pcap-le-nsec pcap-be-nsec pcapng-basic \
  pcapng-mixed-linktypes pcapng-two-sections vlan-1 vlan-2 linux-sll \
  linux-sll2 null-ipv4-le null-ipv6-af24-le null-ipv6-af30-le loop-ipv4-be \
  raw-ipv4 raw-ipv6 linktype-ipv4 linktype-ipv6 ipv4-options ipv6-ext-headers \
  ethernet-padding tcp-out-of-order tcp-rexmit-exact tcp-rexmit-partial \
  tcp-overlap-conflict tcp-overlap-conflict-held tcp-gap-acked tcp-seq-wrap \
  tcp-keepalive tcp-half-close tcp-rst tcp-port-reuse tcp-midstream \
  tcp-client-only tcp-server-only smtp-multiline smtp-pipelining smtp-bdat \
  smtp-auth smtp-8bit-nul smtp-starttls smtp-split-lines smtp-other-port \
  pop3-session pop3-stls; do
  oracle "$n: byte for byte what tshark follows" "$G/$n".pcap* "$I/$n"
done
oracle "tcp-gap-eof: tshark's bytes (and a gap at the end it cannot see)" \
  "$G/tcp-gap-eof.pcap" "$I/tcp-gap-eof" --trailing-gap-ok

# Containers.
is "$(count "$I/pcapng-mixed-linktypes")" 3 \
  "pcapng with EN10MB, LINUX_SLL and LINUX_SLL2 interfaces: all 3 sessions"
is "$(count "$I/pcapng-two-sections")" 2 "pcapng, two sections of either byte order: 2 sessions"
like "@$WORK/truncated-file.err" 'file truncated' "truncated file: said so"
is "$(rc_of truncated-file)" 0 "truncated file: the sessions before the cut are kept (exit 0)"
is "$(rc_of unknown-linktype)" 2 "unknown link type: exit 2"
like "@$WORK/unknown-linktype.err" 'link type LINKTYPE_147 is not supported' \
  "unknown link type: a clear error naming it"
is "$(rc_of not-mail)" 1 "no SMTP/POP3 session: exit 1"
like "@$WORK/not-mail.err" 'no SMTP or POP3 session found' "no SMTP/POP3 session: said so"
S=$(one snaplen-short)
like "@$S" 'not captured: the snap length cut the packet' "caplen < len: the lost bytes are gaps"
like "@$S" '^replayable: false$' "caplen < len: not replayable"

# TCP.
like "@$(one tcp-gap-acked)" '<gap: [0-9]+ bytes sent by the client are missing from the capture, frame [0-9]+: the peer acknowledged' \
  "gap declared when the peer ACKs past it"
like "@$(one tcp-gap-eof)" '<gap: 6 bytes sent by the client are missing from the capture, frame [1-9][0-9]*: bytes missing when the session ended' \
  "gap declared at the end of the capture, at the session's last frame (not frame 0)"
ms import -q --keep-secrets --allow-gaps -o "$WORK/allow" "$G/tcp-gap-acked.pcap"
unlike "@$(find "$WORK/allow" -name '*.yaml')" '^replayable: false' "--allow-gaps keeps it replayable"
C=$(one tcp-overlap-conflict)
like "@$C" 'MAIL FROM:<a@x.test>' "overlap with other bytes: the first copy is kept"
unlike "@$C" 'XXXX' "... and the later copy is not"
like "@$C" '1 overlapping segment carried different bytes' "... and the conflict is reported"
like "@$(one tcp-overlap-conflict-held)" 'overlapping segment carried different bytes' \
  "conflict with bytes still held out of order: reported"
is "$(count "$I/tcp-port-reuse")" 2 "a SYN on a reused 4-tuple starts a new session"
M=$(one tcp-midstream)
like "@$M" '^  C: RCPT TO:<b@y.test>$' "capture starting mid-session: imported from where it starts"
unlike "@$M" 'EHLO' "... with nothing invented before it"
like "@$(one tcp-client-only)" 'only the client' "one direction only (client): said so"
unlike "@$(one tcp-client-only)" '^  S:' "... and no reply is expected"
like "@$(one tcp-server-only)" '^replayable: false$' "one direction only (server): not replayable"
like "@$(one tcp-rst)" 'the session ended: rst' "RST ends the session"
like "@$(one tcp-half-close)" '^  S: 221 2.0.0 Bye$' "FIN half-close: the server's data after the client's FIN is kept"

# Many interleaved sessions: each one's dialogue, untangled.
is "$(count "$I/tcp-interleaved")" 200 "200 interleaved sessions: 200 transcripts"
POPB=$(one pop3-session)
bad=0
for f in "$I"/tcp-interleaved/*.yaml; do
  if grep -q '^protocol: pop3' "$f"; then want=$POPB; else want=$BASE4; fi
  body "$f" > "$WORK/x.body"
  body "$want" > "$WORK/y.body"
  cmp -s "$WORK/x.body" "$WORK/y.body" || { bad=$((bad + 1)); echo "$f" >> "$WORK/interleaved.bad"; }
done
is "$bad" 0 "each interleaved session has exactly its own dialogue"

# SMTP framing.
like "@$(one smtp-pipelining)" '^pipelining: true$' "pipelining: declared"
sed -n '/^script/,$p' "$(one smtp-pipelining)" | tr '\n' '|' > "$WORK/p2"
like "@$WORK/p2" '  C: MAIL FROM:<a@x.test>\|  C: RCPT TO:<b@y.test>\|  C: RCPT TO:<c@y.test>\|  C: DATA\|  S: 250 2.1.0 Ok\|  S: 250 2.1.5 Ok\|  S: 550 5.1.1 no such user\|  S: 354 go ahead\|' \
  "pipelining: commands grouped, replies matched in order"
B=$(one smtp-bdat)
like "@$B" "raw: 'Subject: chunked\\\\r\\\\n\\\\r\\\\nfirst part, no line end'" "BDAT: a chunk is one raw: step (it need not end in CRLF)"
like "@$B" 'C: "BDAT 17 LAST"' "BDAT: the length-counted chunk is not read as commands"
E=$(one smtp-8bit-nul)
like "@$E" '\\x00 here' "NUL bytes are kept (escaped)"
like "@$E" 'latin-1 caf\\xE9' "non-UTF-8 bytes are kept (escaped)"
like "@$E" 'Written in the steps: form because' "...which the script: form cannot carry: steps: form, said why"
like "@$E" 'price \$\$5|price \$5' "a \$ in mail data is not a variable"
T=$(one smtp-starttls)
like "@$T" '<TLS from here on' "STARTTLS: the transcript stops and says so"
like "@$T" 'tags: \[imported, starttls\]' "STARTTLS: tagged"
unlike "@$T" 'x16|x17' "STARTTLS: no TLS bytes in the transcript"
like "@$(one pop3-stls)" '<TLS from here on' "POP3 STLS: the transcript stops"

# A message whose header has 100,000 lines: one YAML node per line was
# over what the loader takes; in either form it loads now.
ms import -q --keep-secrets --steps -o "$WORK/huge" "$G/smtp-huge-header.pcap"
exit_is 0 "100,000 header lines, --steps: imported"
like "@$(find "$WORK/huge" -name '*.yaml')" '^  - data: \|2$' "... the message is one data: block"
ms lint "$WORK/huge"
exit_is 0 "... and lint accepts it (it once said: too many YAML nodes)"
oracle "... byte for byte what tshark follows" "$G/smtp-huge-header.pcap" "$WORK/huge"
is "$(rc_of tcp-server-only-tls)" 1 "only the server's side, and it is TLS: nothing written (exit 1), no empty steps: list"

# Secrets in the default (redacting) mode.
ms import -q -o "$WORK/red2" "$G/smtp-auth.pcap" "$G/pop3-session.pcap"
A=$(find "$WORK/red2" -name 'smtp-auth*.yaml')
unlike "@$A" 'AHVzZXIAc2VjcmV0|dXNlcg==|c2VjcmV0' "AUTH PLAIN initial response and LOGIN lines redacted"
like "@$A" '^  C: AUTH PLAIN \$\{secret1\}$' "AUTH PLAIN keeps the mechanism, hides the response"
Q=$(find "$WORK/red2" -name 'pop3-session*.yaml')
unlike "@$Q" 'c4c9334bac560ecc979e58001b3e22fb|tanstaaf|AHVzZXIAc2VjcmV0' "POP3: APOP digest, PASS, SASL redacted"
like "@$Q" '^  C: APOP mrose \$\{secret1\}$' "APOP keeps the name, hides the digest"

# POP3 framing.
PP=$(one pop3-session)
sed -n '/^script/,$p' "$PP" | tr '\n' '|' > "$WORK/p3"
like "@$WORK/p3" '  C: LIST 2\|  S: \+OK 2 200\|  C: UIDL 1\|' "POP3: LIST with an argument is single-line"
like "@$WORK/p3" '  C: LIST\|  S: \+OK 2 messages\|  S: 1 120\|  S: 2 200\|  S: \.\|' "POP3: LIST without one is multi-line"
like "@$WORK/p3" '  S: \+OK inside the body\|' "POP3: a +OK line inside RETR's body stays body"
like "@$WORK/p3" '  C: AUTH PLAIN\|  S: \+ ?\|  C: AHVzZXIAc2VjcmV0\|' "POP3: + continuation, then the SASL line"

# Every synthetic transcript goes back through the loader.
ms lint $(find "$I" -name '*.yaml' ! -path '*tcp-interleaved*' | sort)
if [ "$RC" = 0 ]; then
  pass "mailspec lint accepts every synthetic transcript"
else
  fail "mailspec lint accepts every synthetic transcript"
  diag_file "$OUT" stdout
  diag_file "$ERR" stderr
fi

# Damaged captures: flipped bits, cut and inserted bytes in every
# synthetic case (a fixed seed): import answers 0, 1 or 2, never crashes.
"$PY" - "$G" "$WORK/fuzz" "$MAILSPEC" > "$WORK/fuzz.log" 2>&1 <<'PY'
import os, random, subprocess, sys
src, out, binary = sys.argv[1:4]
files = sorted(os.path.join(src, f) for f in os.listdir(src))
rnd = random.Random(20240601)
os.makedirs(out, exist_ok=True)
bad = 0
for i in range(150):
    data = bytearray(open(rnd.choice(files), "rb").read())
    for _ in range(rnd.randint(1, 20)):
        k, p = rnd.randrange(4), rnd.randrange(24, max(25, len(data)))
        if k == 0 and p < len(data): data[p] ^= 1 << rnd.randrange(8)
        elif k == 1 and p < len(data): data[p] = rnd.randrange(256)
        elif k == 2: del data[p:p + rnd.randint(1, 64)]
        else: data[p:p] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 16)))
    f = os.path.join(out, "case-%d.pcap" % i)
    open(f, "wb").write(data)
    r = subprocess.run([binary, "import", "-q", "--keep-secrets", "-o",
                        os.path.join(out, "o"), f], capture_output=True,
                       timeout=60)
    if r.returncode in (0, 1, 2):
        os.unlink(f)
    else:
        bad += 1
        print("case %d: exit %d: %s" % (i, r.returncode,
                                        r.stderr[-500:].decode(errors="replace")))
sys.exit(1 if bad else 0)
PY
if [ $? = 0 ]; then pass "150 damaged captures: no crash (exit 0, 1 or 2 each)"; else
  fail "150 damaged captures: no crash (exit 0, 1 or 2 each)"; diag_file "$WORK/fuzz.log"; fi

# ==== 3. real traffic: capture, import, replay =================================

# capture_start FILE PORT: tcpdump on lo for PORT into FILE (immediate
# mode, each packet written at once), ready when it says it listens.
# capture_stop FILE SESSIONS: wait until FILE holds both FINs of every
# session (the kernel hands packets over asynchronously), then SIGINT.
capture_start() {
  tcpdump -i lo --immediate-mode -U -s 262144 -w "$1" "tcp port $2" \
    > "$WORK/tcpdump.log" 2>&1 &
  echo $! > "$WORK/tcpdump.pid"
  _i=0
  while ! grep -q 'listening on' "$WORK/tcpdump.log" && [ $_i -lt 200 ]; do
    sleep 0.05
    _i=$((_i + 1))
  done
}
capture_stop() {
  _i=0
  while [ "$(tcpdump -r "$1" 'tcp[tcpflags] & tcp-fin != 0' 2>/dev/null | wc -l)" -lt $(($2 * 2)) ] &&
    [ $_i -lt 200 ]; do
    sleep 0.05
    _i=$((_i + 1))
  done
  _p=$(cat "$WORK/tcpdump.pid")
  kill -INT "$_p" 2>/dev/null
  _i=0
  while kill -0 "$_p" 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
}

if [ "$(id -u)" != 0 ] || ! command -v tcpdump > /dev/null || ! command -v swaks > /dev/null; then
  skip "real traffic" "needs root, tcpdump and swaks"
else
  if start_server smtp-sink; then
    capture_start "$WORK/sink.pcap" "$PORT"
    swaks --server "$TARGET" --to rcpt@example.test --from s@example.test \
      --silent 2 > "$WORK/swaks.log" 2>&1
    swaks --server "$TARGET" --to a@example.test --to b@example.test \
      --pipeline --silent 2 >> "$WORK/swaks.log" 2>&1
    capture_stop "$WORK/sink.pcap" 2
    ms import -q -o "$WORK/sink" --port "$PORT" "$WORK/sink.pcap"
    exit_is 0 "swaks -> smtp-sink capture: imported"
    is "$(count "$WORK/sink")" 2 "swaks -> smtp-sink: one transcript per session"
    oracle "swaks -> smtp-sink: byte for byte what tshark follows" "$WORK/sink.pcap" "$WORK/sink"
    ms replay -t "$TARGET" --port "$PORT" "$WORK/sink.pcap"
    exit_is 0 "replay against the same smtp-sink: all pass"
    like "@$OUT" '^2 passed, 0 failed, 0 skipped$' "replay: 2 passed"
    ms replay -t "$TARGET" --port "$PORT" -r "json:$WORK/replay.json" "$WORK/sink.pcap"
    like "@$WORK/replay.json" '"verdict"' "replay -r json:FILE writes the JSON report (for mailspec diff)"
    # Each session is its own test (once, every item ran the first one).
    like "@$WORK/replay.json" '"id": "sink-0001"' "replay: ids relative to the output directory (sink-0001)"
    like "@$WORK/replay.json" 'b@example.test' "replay: the second session (two RCPTs) is the one that ran"
    ms replay -t "$TARGET" --port "$PORT" -r "json:$WORK/replay2.json" "$WORK/sink.pcap"
    ms diff "$WORK/replay.json" "$WORK/replay2.json"
    exit_is 0 "two replays into different temporary directories: mailspec diff finds no regression"
    like "@$OUT" ' 0 added, 0 removed$' "... and the same tests on both sides"

    # record and run --pcap share one opener (capture.c): its errors
    ms record -i lo --filter 'tcp and (' -o "$WORK"
    exit_is 2 "record with a filter that does not compile: exit 2"
    like "@$ERR" '^mailspec record: capture filter "tcp and \(": ' "... and says which filter"

    # mailspec record, live
    RD=$WORK/rec
    mkdir -p "$RD"
    chown nobody "$RD" 2>/dev/null
    chmod 711 "$WORK" # nobody must reach it to write there
    timeout 60 "$MAILSPEC" record -i lo --port "$PORT" --count 1 -o "$RD" \
      > "$WORK/rec.out" 2> "$WORK/rec.err" &
    echo $! > "$WORK/rec.pid"
    _i=0
    while ! grep -q 'capturing on' "$WORK/rec.err" && [ $_i -lt 200 ]; do
      sleep 0.05
      _i=$((_i + 1))
    done
    swaks --server "$TARGET" --to r@example.test --silent 2 >> "$WORK/swaks.log" 2>&1
    wait "$(cat "$WORK/rec.pid")"
    is "$?" 0 "record --count 1: exits after one transcript"
    is "$(count "$RD")" 1 "record: the session's transcript was written as it ended"
    F=$(find "$RD" -name '*.yaml' | head -n 1)
    like "@$WORK/rec.out" "$(basename "${F:-none}")" "record: lists the file it wrote"
    is "$(stat -c %U "${F:-/}" 2>/dev/null)" nobody "record as root: privileges dropped (the file is nobody's)"
    like "@${F:-/dev/null}" '^at: [0-9]+\.[0-9]{3}$' "record keeps the session's start (at:, seconds since recording began)"
    like "@${F:-/dev/null}" '^think: \[[0-9]+\.[0-9]{3}(, [0-9]+\.[0-9]{3})*' "record keeps the client's think times (think:)"
    ms run -t "$TARGET" "$F"
    exit_is 0 "the recorded transcript replays against the same server"
    sh "$TESTS/servers/smtp-sink.sh" stop "$WORK/srv-smtp-sink" > /dev/null 2>&1
  else
    skip "swaks -> smtp-sink" "$(head -n 1 "$WORK/smtp-sink.why")"
  fi

  if start_server postfix; then
    capture_start "$WORK/postfix.pcap" "$PORT"
    swaks --server "$TARGET" --to testuser@localhost --from s@example.test \
      --silent 2 > "$WORK/swaks-pf.log" 2>&1
    swaks --server "$TARGET" --to nosuchuser@localhost --from s@example.test \
      --silent 2 >> "$WORK/swaks-pf.log" 2>&1
    capture_stop "$WORK/postfix.pcap" 2
    ms replay -t "$TARGET" --port "$PORT" "$WORK/postfix.pcap"
    exit_is 0 "swaks -> Postfix, captured, imported, replayed against Postfix: all pass"
    like "@$OUT" '^2 passed, 0 failed, 0 skipped$' "Postfix replay: 2 passed (550 for the unknown user too)"
  else
    skip "swaks -> Postfix" "$(head -n 1 "$WORK/postfix.why")"
  fi

  if start_server dovecot; then
    capture_start "$WORK/dovecot.pcap" "$PORT"
    "$PY" - "$PORT" > "$WORK/pop.log" 2>&1 <<'PY'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
p.capa(); p.user("testuser"); p.pass_("testpass"); p.stat(); p.list()
p.uidl(); p.retr(1); p.top(2, 0); p.list(3); p.quit()
PY
    capture_stop "$WORK/dovecot.pcap" 1
    ms replay -t "$TARGET" --port "$PORT" "$WORK/dovecot.pcap"
    exit_is 0 "POP3 client -> Dovecot, captured, imported, replayed against Dovecot: all pass"
  else
    skip "POP3 -> Dovecot" "$(head -n 1 "$WORK/dovecot.why")"
  fi
fi

# ==== 5. RFC 821 classroom round trip ===========================================
# Run the RFC 821 transcripts against the reference server while the
# traffic is captured, import the capture, replay it against the same
# server: every session replays with the verdict PASS (each imported
# transcript expects what the server said).  `mailspec run --pcap DIR`
# writes one capture per transcript when the engine has it; until then
# tcpdump on lo stands in for it.
if [ "$(id -u)" != 0 ] || ! command -v tcpdump > /dev/null; then
  skip "RFC 821 round trip" "needs root and tcpdump"
else
  RT=$WORK/rt
  mkdir -p "$RT"
  "$MAILSPEC" serve --profile rfc821 --listen 127.0.0.1:0 \
    --ready-file "$RT/ready" > "$RT/serve.log" 2>&1 &
  echo $! > "$RT/serve.pid"
  _i=0
  while [ ! -s "$RT/ready" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
  ADDR=$(cat "$RT/ready" 2>/dev/null)
  RTPORT=${ADDR##*:}
  if [ -z "$ADDR" ]; then
    fail "reference server starts for the round trip"
    diag_file "$RT/serve.log"
  else
    if "$MAILSPEC" run --help 2>&1 | grep -q -- '--pcap'; then
      ms run -t "$ADDR" --pcap "$RT/pcap" -r "json:$RT/orig.json" "$ROOT/transcripts/rfc821"
      CAPS=$(find "$RT/pcap" -name '*.pcap' | sort)
      is "$(echo "$CAPS" | grep -c .)" "$(ls "$ROOT"/transcripts/rfc821/*.yaml | wc -l | tr -d ' ')" \
        "run --pcap: one capture per transcript"
    else
      capture_start "$RT/all.pcap" "$RTPORT"
      ms run -t "$ADDR" -r "json:$RT/orig.json" "$ROOT/transcripts/rfc821"
      SYNS=$(tcpdump -r "$RT/all.pcap" 'tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0' 2>/dev/null | wc -l)
      capture_stop "$RT/all.pcap" "$SYNS"
      CAPS=$RT/all.pcap
      diag "run --pcap not available yet: tcpdump captured the run ($SYNS sessions)"
    fi
    diag "the original run: $(tail -n 1 "$OUT")"
    # shellcheck disable=SC2086
    ms import -q --keep-secrets --port "$RTPORT" -o "$RT/imp" $CAPS
    exit_is 0 "the classroom captures import"
    NIMP=$(count "$RT/imp")
    ms run -t "$ADDR" "$RT/imp"
    exit_is 0 "replaying them against the same reference server: every session passes"
    like "@$OUT" "^$NIMP passed, 0 failed, 0 skipped\$" "... all $NIMP imported sessions"
  fi
  srv_killwait "$RT/serve.pid"
fi

# ==== 6. replay against the reference server =====================================
RS=$WORK/rs
mkdir -p "$RS"
# serve_ref NAME ARGS...: `mailspec serve ARGS -v` on a free loopback port;
# prints its address (empty if it did not start).
serve_ref() {
  _n=$1
  shift
  rm -f "$RS/$_n.ready"
  "$MAILSPEC" serve --listen 127.0.0.1:0 --ready-file "$RS/$_n.ready" -v "$@" \
    > "$RS/$_n.log" 2>&1 &
  echo $! > "$RS/$_n.pid"
  _i=0
  while [ ! -s "$RS/$_n.ready" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
  cat "$RS/$_n.ready" 2>/dev/null
}
# The captures log in with AUTH PLAIN in clear, which the reference server
# keeps for inside TLS (RFC 4954 §4's SHOULD NOT); replay cannot start TLS
# where the capture did not, so this server offers PLAIN in clear as many a
# real one on loopback does (the fault only changes that).
SMTPA=$(serve_ref smtp --fault auth-plain-in-clear)
POP3A=$(serve_ref pop3 --protocol pop3)
if [ -z "$SMTPA" ] || [ -z "$POP3A" ]; then
  fail "the reference servers start for the replay tests"
  diag_file "$RS/smtp.log"
  diag_file "$RS/pop3.log"
else
  # A POP3 capture against an SMTP server: a SKIP before any client line.
  ms replay -t "$SMTPA" "$G/pop3-session.pcap"
  exit_is 0 "a POP3 capture replayed against an SMTP server: exit 0 (a SKIP)"
  like "@$OUT" '^SKIP .*speaks SMTP \(its greeting: 220 .*this session is POP3' \
    "... SKIPped before any client line, saying why"
  like "@$OUT" '^0 passed, 0 failed, 1 skipped$' "... one SKIP"
  unlike "@$RS/smtp.log" '^C: (PASS|APOP|USER|CAPA|AUTH|STAT|LIST)' \
    "... none of its lines, its password least of all, reached the SMTP server"

  # Captured secrets are sent (235: the server took them) and every
  # output shows them redacted.
  ms replay -v -t "$SMTPA" -r "json:$RS/auth.json" -r "junit:$RS/auth.xml" \
    -r "tap:$RS/auth.tap" "$G/smtp-auth-testuser.pcap"
  exit_is 0 "AUTH PLAIN with the server's own test user, replayed: 235 (the captured secret was sent)"
  like "@$ERR" '^C: AUTH PLAIN <redacted>$' "replay -v shows the AUTH line redacted"
  if grep -l AHRlc3R1c2VyAHRlc3RwYXNz "$OUT" "$ERR" "$RS/auth.json" "$RS/auth.xml" \
    "$RS/auth.tap" > "$WORK/leak" 2>/dev/null; then
    fail "the captured credential is in no output (-v, text, json, junit, tap)"
    diag_file "$WORK/leak"
  else
    pass "the captured credential is in no output (-v, text, json, junit, tap)"
  fi
  ms replay -v -t "$POP3A" "$G/pop3-session.pcap"
  like "@$ERR" '^C: APOP mrose <redacted>$' "POP3: replay -v shows APOP redacted"
  like "@$ERR" '^C: PASS <redacted>$' "POP3: replay -v shows PASS redacted"
  unlike "@$ERR" 'tanstaaf|c4c9334bac560ecc979e58001b3e22fb|AHVzZXIAc2VjcmV0' \
    "POP3: no captured secret in the live view"
  unlike "@$OUT" 'tanstaaf|c4c9334bac560ecc979e58001b3e22fb|AHVzZXIAc2VjcmV0' \
    "POP3: nor in the report"

  # A failing step points at the capture and the frame of the reply;
  # with -o, at the transcript kept there.
  F=$(tshark -r "$G/smtp-auth.pcap" -Y 'tcp.payload contains "235 2.7.0"' \
    -T fields -e frame.number 2> /dev/null | head -n 1)
  ms replay -t "$SMTPA" "$G/smtp-auth.pcap"
  exit_is 1 "a replay that fails (the server refuses the captured login): exit 1"
  like "@$OUT" "^FAIL  smtp-auth-0000  \\($G/smtp-auth\\.pcap:$F\\)$" \
    "... the diff points at the capture and the frame of the reply ($F), not at a deleted file"
  unlike "@$OUT" 'mailspec-replay-' "... no temporary path anywhere"
  ms replay -t "$SMTPA" -o "$RS/kept" "$G/smtp-auth.pcap"
  L=$(sed -n 's/^FAIL  smtp-auth-0000  (.*\.yaml:\([0-9]*\))$/\1/p' "$OUT")
  is "$(sed -n "${L:-0}p" "$RS/kept/smtp-auth-0000.yaml" 2> /dev/null)" "  S: 235 2.7.0 ok" \
    "with -o, the diff points at the kept transcript's line of that reply"
  unlike "@$RS/kept/smtp-auth-0000.yaml" 'AHVzZXIAc2VjcmV0|c2VjcmV0' "... which holds no secret"

  # A client that sent nothing: a session of its own, even with --allow-gaps.
  ms replay --allow-gaps -t "$POP3A" "$PCAPS/pop3-silent-client.pcap"
  exit_is 0 "a silent client's session replays (--allow-gaps does not call it gaps)"
  like "@$OUT" '^1 passed, 0 failed, 0 skipped$' "... and passes"

  # Nothing to replay: said, exit 2 (as run given no transcript).
  ms replay -t "$SMTPA" "$PCAPS/smtps-implicit-tls-only.pcap"
  exit_is 2 "a capture of implicit TLS only: exit 2"
  like "@$ERR" 'no SMTP or POP3 session to replay .*1 on TLS ports 465/995' "... saying why"
fi
srv_killwait "$RS/smtp.pid"
srv_killwait "$RS/pop3.pid"

# replay --help agrees with itself: -o's default, no --keep-secrets.
ms replay --help
like "@$OUT" 'default: a private temporary' "replay --help: -o's default is a temporary directory"
unlike "@$OUT" 'default \.\)' "... not the current directory"
unlike "@$OUT" 'keep-secrets' "... and it offers no --keep-secrets"
like "@$OUT" 'never written' "... it says captured secrets are never written"
ms replay --keep-secrets -t 127.0.0.1:1 "$G/smtp-auth.pcap"
exit_is 2 "replay --keep-secrets: a usage error"
like "@$ERR" 'mailspec import --keep-secrets' "... that says where it belongs"
