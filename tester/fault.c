/* fault: `--fault NAME[:ARG]`, the rules the reference server breaks on
 * purpose so that a suite can prove it catches the breakage.  Each fault
 * is applied where the rule is kept: in the session that produces the
 * reply (srv_smtp.c, srv_pop3.c) or, for the wire-level ones (bare-lf,
 * slow and the hostile behaviours of issue 8), in the connection
 * (server_conn.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv.h"

/* How a fault takes its argument. */
enum fault_arg_kind {
  FA_NONE = 0, /* no argument */
  FA_MS,       /* milliseconds */
  FA_BYTES     /* octets */
};

struct fault_def {
  const char *name;
  enum ms_fault bit; /* its enumerator (srv.h) */
  enum fault_arg_kind arg;
  bool arg_required;
  unsigned long dflt, max; /* argument: default, 1..max */
  const char *help;
};

#define FAULT_MS_MAX 600000ul /* ten minutes */
#define FAULT_BYTES_MAX (1ul << 30)

static const struct fault_def fault_defs[] = {
    {"rcpt-250", MS_F_RCPT_250, FA_NONE, false, 0, 0,
     "250 instead of 550 for an unknown recipient"},
    {"mixed-multiline", MS_F_MIXED_MULTI, FA_NONE, false, 0, 0,
     "multi-line replies whose lines differ in code"},
    {"bare-lf", MS_F_BARE_LF, FA_NONE, false, 0, 0,
     "reply lines end in a bare LF, not CRLF"},
    {"no-unstuff", MS_F_NO_UNSTUFF, FA_NONE, false, 0, 0,
     "keep the leading dot of stuffed data lines"},
    {"greet-554", MS_F_GREET_554, FA_NONE, false, 0, 0,
     "greet every client with 554 instead of 220"},
    {"close-after-data", MS_F_CLOSE_DATA, FA_NONE, false, 0, 0,
     "close the connection right after DATA's 354"},
    {"slow", MS_F_SLOW, FA_MS, true, 0, FAULT_MS_MAX,
     "wait MS milliseconds before every reply"},
    {"pop3-octets", MS_F_POP3_OCTETS, FA_NONE, false, 0, 0,
     "POP3: wrong octet counts in STAT and LIST"},
    {"pop3-early-dele", MS_F_POP3_EARLY_DELE, FA_NONE, false, 0, 0,
     "POP3: DELE removes at once, not after QUIT"},
    {"pop3-no-lock", MS_F_POP3_NO_LOCK, FA_NONE, false, 0, 0,
     "POP3: PASS/APOP/AUTH answer +OK for a maildrop another session\n"
     "                         holds (no exclusive lock, RFC 1939 §4; that "
     "session\n"
     "                         sees it empty)"},
    {"apop-fixed-timestamp", MS_F_APOP_FIXED_TS, FA_NONE, false, 0, 0,
     "POP3: every greeting carries RFC 1939 §10's timestamp\n"
     "                         <1896.697170952@dbc.mtview.ca.us> (breaks §7; "
     "what\n"
     "                         the classroom's §10 replay needs)"},
    /* Hostile servers (issue 8): the tester must survive them. */
    {"no-greeting", MS_F_NO_GREETING, FA_NONE, false, 0, 0,
     "accept, then never send the greeting"},
    {"greet-twice", MS_F_GREET_TWICE, FA_NONE, false, 0, 0,
     "send the greeting twice"},
    {"close-at-once", MS_F_CLOSE_AT_ONCE, FA_NONE, false, 0, 0,
     "accept, then close without a word"},
    {"endless-multiline", MS_F_ENDLESS, FA_NONE, false, 0, 0,
     "SMTP: every reply is a multi-line reply that never ends;\n"
     "                         POP3: replies to commands never end"},
    {"long-line", MS_F_LONG_LINE, FA_BYTES, false, 10ul << 20, FAULT_BYTES_MAX,
     "greet with one line of BYTES octets (default 10 MiB) and no\n"
     "                         line end, then say nothing more"},
    {"trickle", MS_F_TRICKLE, FA_MS, false, 1000, FAULT_MS_MAX,
     "send replies one octet every MS milliseconds (default 1000)"},
    {"nul", MS_F_NUL, FA_NONE, false, 0, 0,
     "a NUL octet in the text of every reply line"},
    {"bad-utf8", MS_F_BAD_UTF8, FA_NONE, false, 0, 0,
     "invalid UTF-8 in the text of every reply line"},
    {"reset-mid-reply", MS_F_RESET, FA_NONE, false, 0, 0,
     "send half of the first reply after the greeting, then reset\n"
     "                         the connection (TCP RST)"},
    {"no-read", MS_F_NO_READ, FA_NONE, false, 0, 0,
     "greet, then never read from the client (its send buffer fills)"},
    /* TLS, AUTH and SMTP smuggling (issue 7). */
    {"starttls-keep-pipelined", MS_F_STARTTLS_KEEP, FA_NONE, false, 0, 0,
     "commands sent in the same packet as STARTTLS/STLS are run\n"
     "                         after the handshake (CVE-2011-0411)"},
    {"lf-dot-lf", MS_F_LF_DOT_LF, FA_NONE, false, 0, 0,
     "SMTP: a \".\" line ends the data whatever its line ends\n"
     "                         (<LF>.<LF>, <CRLF>.<LF>, <LF>.<CRLF>: "
     "smuggling)"},
    {"auth-before-tls", MS_F_AUTH_BEFORE_TLS, FA_NONE, false, 0, 0,
     "offer AUTH PLAIN (SASL PLAIN) before TLS, yet refuse it\n"
     "                         there with 538 (-ERR): TLS is required for "
     "AUTH"},
    {"cr-dot-cr", MS_F_CR_DOT_CR, FA_NONE, false, 0, 0,
     "SMTP: <CR>.<CR> inside a data line ends the data, the rest\n"
     "                         of the line is a command (smuggling)"},
    {"starttls-no-reset", MS_F_STARTTLS_NO_RESET, FA_NONE, false, 0, 0,
     "SMTP: EHLO and the mail transaction survive STARTTLS"},
    {"auth-any-pass", MS_F_AUTH_ANY_PASS, FA_NONE, false, 0, 0,
     "AUTH (and POP3 AUTH) take any password for a known user"},
    /* STARTTLS, AUTH, submission (issue 14): one requirement each. */
    {"starttls-unadvertised", MS_F_STARTTLS_UNADV, FA_NONE, false, 0, 0,
     "SMTP: EHLO does not list STARTTLS, yet STARTTLS works (3207-2-1)"},
    {"starttls-keyword-param", MS_F_STARTTLS_KW_PARAM, FA_NONE, false, 0, 0,
     "SMTP: EHLO lists \"STARTTLS REQUIRED\": a parameter (3207-2-2)"},
    {"starttls-502", MS_F_STARTTLS_502, FA_NONE, false, 0, 0,
     "SMTP: STARTTLS is advertised, then answered 502 (3207-4-1)"},
    {"starttls-param-ok", MS_F_STARTTLS_PARAM_OK, FA_NONE, false, 0, 0,
     "SMTP: STARTTLS with a parameter gets 220 and TLS (3207-4-2)"},
    {"starttls-required", MS_F_STARTTLS_REQUIRED, FA_NONE, false, 0, 0,
     "SMTP: 530 before STARTTLS though the world does not require TLS\n"
     "                         (a public MX, 3207-4-4)"},
    {"starttls-twice", MS_F_STARTTLS_TWICE, FA_NONE, false, 0, 0,
     "SMTP: STARTTLS inside TLS gets 220 (3207-4.2-6)"},
    {"starttls-after-tls", MS_F_STARTTLS_AFTER_TLS, FA_NONE, false, 0, 0,
     "SMTP: EHLO inside TLS still lists STARTTLS (3207-4.2-8)"},
    {"tls-required-ignored", MS_F_TLS_REQUIRED_IGNORED, FA_NONE, false, 0, 0,
     "SMTP: the world's require_tls has no effect: mail goes through\n"
     "                         before TLS (3207-6-1)"},
    {"auth-unadvertised", MS_F_AUTH_UNADV, FA_NONE, false, 0, 0,
     "SMTP: EHLO does not list AUTH, yet AUTH works (4954-3-1,\n"
     "                         6409-7-12)"},
    {"auth-mechs-comma", MS_F_AUTH_MECHS_COMMA, FA_NONE, false, 0, 0,
     "SMTP: the AUTH keyword's mechanisms are separated by commas\n"
     "                         (4954-3-2)"},
    {"auth-param-line-512", MS_F_AUTH_PARAM_LINE, FA_NONE, false, 0, 0,
     "SMTP: a MAIL line with AUTH= over 512 octets gets 500\n"
     "                         (4954-3-4)"},
    {"auth-twice", MS_F_AUTH_TWICE, FA_NONE, false, 0, 0,
     "SMTP: AUTH after a successful AUTH runs again (4954-4-3)"},
    {"auth-in-transaction", MS_F_AUTH_IN_TXN, FA_NONE, false, 0, 0,
     "SMTP: AUTH inside a mail transaction runs (4954-4-5)"},
    {"auth-unknown-535", MS_F_AUTH_UNKNOWN_535, FA_NONE, false, 0, 0,
     "SMTP: an unknown mechanism gets 535, not 504 (4954-4-6)"},
    {"auth-challenge-raw", MS_F_AUTH_CHALLENGE_RAW, FA_NONE, false, 0, 0,
     "SMTP: challenges are sent as text, not base64 (4954-4-8)"},
    {"auth-challenge-text", MS_F_AUTH_CHALLENGE_TEXT, FA_NONE, false, 0, 0,
     "SMTP: challenges carry text besides the base64 (\"334 go ahead\"\n"
     "                         for an empty one; 4954-4-9, 4954-4-12)"},
    {"auth-cancel-535", MS_F_AUTH_CANCEL_535, FA_NONE, false, 0, 0,
     "SMTP: \"*\" cancelling AUTH gets 535, not 501 (4954-4-10)"},
    {"auth-plain-needs-ir", MS_F_AUTH_PLAIN_NEEDS_IR, FA_NONE, false, 0, 0,
     "SMTP: AUTH PLAIN without an initial response gets 501, no empty\n"
     "                         challenge (4954-4-11)"},
    {"auth-ir-ignored", MS_F_AUTH_IR_IGNORED, FA_NONE, false, 0, 0,
     "SMTP: an initial response to CRAM-MD5 is ignored: the challenge\n"
     "                         comes (4954-4-15)"},
    {"auth-b64-lenient", MS_F_AUTH_B64_LENIENT, FA_NONE, false, 0, 0,
     "AUTH responses: characters outside base64 and inner \"=\" are\n"
     "                         skipped, not refused (4954-4-17, -4-20, -4-21)"},
    {"auth-b64-esc", MS_F_AUTH_B64_ESC, FA_NONE, false, 0, 0,
     "SMTP: a response that is not base64 gets 501 5.5.4, not 5.5.2\n"
     "                         (4954-4-18)"},
    {"auth-line-512", MS_F_AUTH_LINE_512, FA_NONE, false, 0, 0,
     "SMTP: AUTH responses over 512 octets get 500 (4954-4-22)"},
    {"auth-overlong-close", MS_F_AUTH_OVERLONG_CLOSE, FA_NONE, false, 0, 0,
     "SMTP: a response longer than the authentication buffer closes\n"
     "                         the connection, no 500 (4954-4-23)"},
    {"auth-authzid-ignored", MS_F_AUTH_AUTHZID_IGNORED, FA_NONE, false, 0, 0,
     "PLAIN's authorization identity is ignored: neither prepared\n"
     "                         (SASLprep) nor checked (4954-4-26)"},
    {"auth-success-250", MS_F_AUTH_SUCCESS_250, FA_NONE, false, 0, 0,
     "SMTP: a successful AUTH gets 250, not 235 (4954-4-28)"},
    {"auth-param-555", MS_F_AUTH_PARAM_555, FA_NONE, false, 0, 0,
     "SMTP: MAIL's AUTH= parameter gets 555 before AUTH (4954-5-2)"},
    {"auth-case", MS_F_AUTH_CASE, FA_NONE, false, 0, 0,
     "SMTP: mechanism names only in upper case (4954-8-1)"},
    {"auth-plain-in-clear", MS_F_AUTH_PLAIN_IN_CLEAR, FA_NONE, false, 0, 0,
     "SMTP: PLAIN and LOGIN work before TLS where TLS is required for\n"
     "                         them (4954-4-39, 4954-9-5)"},
    {"submission-null-550", MS_F_SUBMIT_NULL_550, FA_NONE, false, 0, 0,
     "submission: MAIL FROM:<> gets 550 (6409-3.2-3)"},
    {"submission-domain-550", MS_F_SUBMIT_DOMAIN_550, FA_NONE, false, 0, 0,
     "submission: an unqualified domain gets 550, not 554 (6409-4.2-3)"},
    {"submission-mail-before-auth", MS_F_SUBMIT_NO_AUTH, FA_NONE, false, 0, 0,
     "submission: MAIL before AUTH is accepted (6409-4.3-1, -4.3-2)"},
    {"submission-sender-553", MS_F_SUBMIT_SENDER_553, FA_NONE, false, 0, 0,
     "submission: a sender the user may not use gets 553, not 550\n"
     "                         (6409-6.1-2)"},
    {"submission-rcpt-553", MS_F_SUBMIT_RCPT_553, FA_NONE, false, 0, 0,
     "submission: a recipient the user may not write to gets 553, not\n"
     "                         550 (6409-6.2-2)"},
    {"submission-syntax-550", MS_F_SUBMIT_SYNTAX_550, FA_NONE, false, 0, 0,
     "submission: a header syntax error gets 550, not 554 (6409-6.3-2)"},
    {"submission-data-arg-500", MS_F_SUBMIT_DATA_ARG_500, FA_NONE, false, 0, 0,
     "submission: DATA with an argument gets 500, not 501 (6409-6.3-3)"},
    {"submission-user-554", MS_F_SUBMIT_USER_554, FA_NONE, false, 0, 0,
     "submission: a user refused by policy gets 554, not 550\n"
     "                         (6409-6.3-4)"},
    {"submission-policy-554", MS_F_SUBMIT_POLICY_554, FA_NONE, false, 0, 0,
     "submission: content refused by site policy gets 554, not 550\n"
     "                         (6409-6.3-5)"},
    {"submission-etrn", MS_F_SUBMIT_ETRN, FA_NONE, false, 0, 0,
     "submission: ETRN and ATRN are advertised and carried out\n"
     "                         (6409-7-3, 6409-7-16)"},
    {"submission-521", MS_F_SUBMIT_521, FA_NONE, false, 0, 0,
     "submission: the greeting is 521 (6409-7-7)"},
    /* RFC 5321 core (issue 13): each breaks one requirement. */
    {"helo-ehlo-reply", MS_F_HELO_EHLO_REPLY, FA_NONE, false, 0, 0,
     "HELO answered with the multi-line EHLO reply"},
    {"greet-554-close", MS_F_GREET_554_CLOSE, FA_NONE, false, 0, 0,
     "greet with 554, then close at the first command\n                        "
     " instead of waiting for QUIT"},
    {"greet-bad-domain", MS_F_GREET_BAD_DOMAIN, FA_NONE, false, 0, 0,
     "the greeting names the server with an underscore"},
    {"vrfy-502", MS_F_VRFY_502, FA_NONE, false, 0, 0,
     "VRFY answered 502 (disabled, but not with 252)"},
    {"vrfy-550", MS_F_VRFY_550, FA_NONE, false, 0, 0,
     "every VRFY answered 550, whether the mailbox exists or not"},
    {"vrfy-no-mailbox", MS_F_VRFY_NO_MAILBOX, FA_NONE, false, 0, 0,
     "a VRFY 250 without the mailbox"},
    {"vrfy-path", MS_F_VRFY_PATH, FA_NONE, false, 0, 0,
     "VRFY gives the mailbox as a source-routed path"},
    {"vrfy-no-user-names", MS_F_VRFY_NO_NAMES, FA_NONE, false, 0, 0,
     "VRFY of a bare user name (no @domain) gets 550"},
    {"expn-names-only", MS_F_EXPN_NAMES_ONLY, FA_NONE, false, 0, 0,
     "EXPN lists names without their mailboxes"},
    {"ehlo-no-expn", MS_F_EHLO_NO_EXPN, FA_NONE, false, 0, 0,
     "EXPN works but EHLO does not list it"},
    {"ehlo-no-help", MS_F_EHLO_NO_HELP, FA_NONE, false, 0, 0,
     "HELP works but EHLO does not list it"},
    {"send-unlisted", MS_F_SEND_UNLISTED, FA_NONE, false, 0, 0,
     "SEND, SOML and SAML work (RFC 821) but EHLO does not\n                   "
     "      list them"},
    {"ehlo-bad-keyword", MS_F_EHLO_BAD_KEYWORD, FA_NONE, false, 0, 0,
     "an EHLO line whose keyword holds an underscore"},
    {"no-address-literal", MS_F_NO_ADDRESS_LITERAL, FA_NONE, false, 0, 0,
     "address literals ([192.0.2.1]) refused with 501 in\n                     "
     "    EHLO, HELO, MAIL and RCPT"},
    {"domain-underscore-ok", MS_F_DOMAIN_UNDERSCORE, FA_NONE, false, 0, 0,
     "domains with an underscore accepted in EHLO, HELO,\n                     "
     "    MAIL and RCPT"},
    {"domain-limit-64", MS_F_DOMAIN_64, FA_NONE, false, 0, 0,
     "domains over 64 octets refused (RFC 821's limit)"},
    {"ehlo-refused-resets", MS_F_EHLO_REFUSED_RESETS, FA_NONE, false, 0, 0,
     "a refused EHLO aborts the open transaction"},
    {"ehlo-no-reset", MS_F_EHLO_NO_RESET, FA_NONE, false, 0, 0,
     "an accepted EHLO keeps the open transaction"},
    {"helo-503-after-ehlo", MS_F_HELO_503_AFTER_EHLO, FA_NONE, false, 0, 0,
     "HELO after an EHLO (even a refused one) gets 503"},
    {"mail-501-opens", MS_F_MAIL_501_OPENS, FA_NONE, false, 0, 0,
     "a MAIL refused with 501 opens the transaction anyway"},
    {"503-resets", MS_F_503_RESETS, FA_NONE, false, 0, 0,
     "a 503 reply aborts the open transaction"},
    {"mail-syntax-500", MS_F_MAIL_SYNTAX_500, FA_NONE, false, 0, 0,
     "MAIL argument syntax errors answered 500, not 501"},
    {"rcpt-syntax-500", MS_F_RCPT_SYNTAX_500, FA_NONE, false, 0, 0,
     "RCPT argument syntax errors answered 500, not 501"},
    {"no-quoted-local", MS_F_NO_QUOTED_LOCAL, FA_NONE, false, 0, 0,
     "quoted local parts (\"a b\"@example.org) refused with 501"},
    {"quoted-local-kept", MS_F_QUOTED_KEPT, FA_NONE, false, 0, 0,
     "a quoted local part is looked up with its quotes"},
    {"param-501", MS_F_PARAM_501, FA_NONE, false, 0, 0,
     "unknown MAIL/RCPT parameters answered 501, not 555"},
    {"postmaster-case", MS_F_POSTMASTER_CASE, FA_NONE, false, 0, 0,
     "POSTMASTER in other cases than postmaster/Postmaster\n                   "
     "      is unknown (550)"},
    {"no-postmaster", MS_F_NO_POSTMASTER, FA_NONE, false, 0, 0,
     "postmaster@DOMAIN is unknown (550)"},
    {"rcpt-limit-451", MS_F_RCPT_LIMIT_451, FA_NONE, false, 0, 0,
     "the recipient limit answered 451, not 452"},
    {"reject-resent", MS_F_REJECT_RESENT, FA_NONE, false, 0, 0,
     "refuse messages whose Resent- fields do not match"},
    {"reject-bad-trace", MS_F_REJECT_BAD_TRACE, FA_NONE, false, 0, 0,
     "refuse messages with a malformed Received: field"},
    {"check-headers", MS_F_CHECK_HEADERS, FA_NONE, false, 0, 0,
     "refuse messages whose header section holds a line\n                      "
     "   that is not a header field (no colon)"},
    {"cmd-line-400", MS_F_CMD_LINE_400, FA_NONE, false, 0, 0,
     "command lines over 400 octets refused (500)"},
    {"cmd-bare-lf-splits", MS_F_CMD_BARE_LF, FA_NONE, false, 0, 0,
     "a bare LF ends a command line: two replies"},
    {"relay-554", MS_F_RELAY_554, FA_NONE, false, 0, 0,
     "relaying refused with 554, not 550"},
    {"helo-first", MS_F_HELO_FIRST, FA_NONE, false, 0, 0,
     "VRFY, EXPN and HELP before EHLO/HELO get 503"},
    {"unknown-502", MS_F_UNKNOWN_502, FA_NONE, false, 0, 0,
     "unrecognized commands answered 502, not 500"},
    {"trailing-space-501", MS_F_TRAILING_SPACE_501, FA_NONE, false, 0, 0,
     "a command with trailing white space gets 501"},
    {"quit-args-ok", MS_F_QUIT_ARGS_OK, FA_NONE, false, 0, 0,
     "QUIT with an argument is accepted"},
    {"data-fail-close", MS_F_DATA_FAIL_CLOSE, FA_NONE, false, 0, 0,
     "a message refused at the end of data gets no reply: the\n                "
     "         connection is closed"},
    {"source-route-501", MS_F_SOURCE_ROUTE_501, FA_NONE, false, 0, 0,
     "MAIL and RCPT with a source route (<@A:b@c>) get 501"},
    /* What is delivered (issue 14): seen by reading the mailbox back. */
    {"no-received", MS_F_NO_RECEIVED, FA_NONE, false, 0, 0,
     "deliver without a Received: trace line (RFC 5321 §4.4)"},
    {"received-below", MS_F_RECEIVED_BELOW, FA_NONE, false, 0, 0,
     "put the Received: line below the header fields, not on top"},
    {"received-no-from", MS_F_RECEIVED_NO_FROM, FA_NONE, false, 0, 0,
     "a Received: line without its FROM clause"},
    {"received-two-digit-year", MS_F_RECEIVED_SHORT_YEAR, FA_NONE, false, 0, 0,
     "a Received: date with a two-digit year (an obs- form)"},
    {"received-for-all", MS_F_RECEIVED_FOR_ALL, FA_NONE, false, 0, 0,
     "a Received: FOR clause listing every recipient"},
    {"received-no-helo", MS_F_RECEIVED_NO_HELO, FA_NONE, false, 0, 0,
     "a Received: FROM clause without the EHLO name"},
    {"received-no-ip", MS_F_RECEIVED_NO_IP, FA_NONE, false, 0, 0,
     "a Received: FROM clause without the client's IP address"},
    {"received-zone-name", MS_F_RECEIVED_ZONE_NAME, FA_NONE, false, 0, 0,
     "a Received: date with a zone name (GMT), not an offset"},
    {"received-unregistered", MS_F_RECEIVED_UNREGISTERED, FA_NONE, false, 0, 0,
     "a Received: line saying WITH XSMTP (not in IANA's registry)"},
    {"received-no-esmtpa", MS_F_RECEIVED_NO_ESMTPA, FA_NONE, false, 0, 0,
     "WITH ESMTP (not ESMTPA) in the Received: line after AUTH"},
    {"trace-rewrite", MS_F_TRACE_REWRITE, FA_NONE, false, 0, 0,
     "drop the Received: lines a message arrives with"},
    {"header-reorder", MS_F_HEADER_REORDER, FA_NONE, false, 0, 0,
     "move the Subject: field to the top of the header fields"},
    {"no-return-path", MS_F_NO_RETURN_PATH, FA_NONE, false, 0, 0,
     "final delivery without a Return-Path: line"},
    {"return-path-kept", MS_F_RETURN_PATH_KEPT, FA_NONE, false, 0, 0,
     "keep the Return-Path: fields a message arrives with"},
    {"fold-local-part", MS_F_FOLD_LOCAL_PART, FA_NONE, false, 0, 0,
     "the Return-Path: mailbox in lower case"},
    {"null-sender-filled", MS_F_NULL_SENDER_FILLED, FA_NONE, false, 0, 0,
     "Return-Path: <MAILER-DAEMON@host> for MAIL FROM:<>"},
    {"strip-controls", MS_F_STRIP_CONTROLS, FA_NONE, false, 0, 0,
     "remove control characters (VT, FF, ...) from the message"},
    {"wrap-long-lines", MS_F_WRAP_LONG_LINES, FA_NONE, false, 0, 0,
     "cut message lines longer than 78 octets in two"},
    {"strip-8th-bit", MS_F_STRIP_8TH_BIT, FA_NONE, false, 0, 0,
     "clear the high bit of every octet delivered"},
    {"deliver-unfinished", MS_F_DELIVER_UNFINISHED, FA_NONE, false, 0, 0,
     "deliver the mail data a closed connection cut short"},
    {"forget-on-drop", MS_F_FORGET_ON_DROP, FA_NONE, false, 0, 0,
     "undo the messages of a session that ends without QUIT"},
    {"deliver-refused-rcpt", MS_F_DELIVER_REFUSED_RCPT, FA_NONE, false, 0, 0,
     "deliver to a recipient refused for an unknown parameter"},
    {"no-loop-check", MS_F_NO_LOOP_CHECK, FA_NONE, false, 0, 0,
     "take messages with any number of Received: lines (no loop\n"
     "                         detection, RFC 5321 §6.3)"},
    {"loop-limit-50", MS_F_LOOP_LIMIT_50, FA_NONE, false, 0, 0,
     "take a message with more than 50 Received: lines for a loop"},
    {"deliver-refused", MS_F_DELIVER_REFUSED, FA_NONE, false, 0, 0,
     "refuse a message at the end of data with 5yz, deliver it anyway"},
    {"deliver-deferred", MS_F_DELIVER_DEFERRED, FA_NONE, false, 0, 0,
     "refuse a message at the end of data with 4yz, deliver it anyway"},
    {"route-by-header", MS_F_ROUTE_BY_HEADER, FA_NONE, false, 0, 0,
     "deliver to the To: field's mailboxes too"},
    {"rcpt-limit-discard", MS_F_RCPT_LIMIT_DISCARD, FA_NONE, false, 0, 0,
     "past the recipient limit, drop the first recipient, accept\n"
     "                         the new one (250)"},
    {"apparently-to", MS_F_APPARENTLY_TO, FA_NONE, false, 0, 0,
     "add an Apparently-To: field naming every recipient"},
};
#define FAULT_N (sizeof fault_defs / sizeof fault_defs[0])
_Static_assert(FAULT_N + 1 == MS_F_COUNT,
               "one fault_defs entry per enum ms_fault");

/* Splits "slow:250" into its definition and argument. */
static const struct fault_def *fault_lookup(const char *text,
                                            const char **arg) {
  const char *colon = strchr(text, ':');
  size_t n = colon ? (size_t)(colon - text) : strlen(text);
  *arg = colon ? colon + 1 : NULL;
  for (size_t i = 0; i < FAULT_N; i++)
    if (strlen(fault_defs[i].name) == n &&
        strncmp(fault_defs[i].name, text, n) == 0)
      return &fault_defs[i];
  return NULL;
}

/* The argument of F: 1..max, or the default when optional and absent. */
static int fault_arg(const struct fault_def *f, const char *arg,
                     unsigned long *v) {
  if (f->arg == FA_NONE)
    return arg ? -1 : 0;
  if (!arg) {
    *v = f->dflt;
    return f->arg_required ? -1 : 0;
  }
  if (!*arg || *arg < '0' || *arg > '9')
    return -1;
  char *end;
  errno = 0;
  unsigned long n = strtoul(arg, &end, 10);
  if (*end || errno || n == 0 || n > f->max)
    return -1;
  *v = n;
  return 0;
}

bool ms_fault_known(const char *name) {
  const char *arg;
  unsigned long v = 0;
  const struct fault_def *f = name ? fault_lookup(name, &arg) : NULL;
  return f && fault_arg(f, arg, &v) == 0;
}

static const char *fault_arg_name(const struct fault_def *f) {
  switch (f->arg) {
  case FA_MS:
    return f->arg_required ? ":MS" : "[:MS]";
  case FA_BYTES:
    return "[:BYTES]";
  default:
    return "";
  }
}

static void fault_names(char *buf, size_t len) {
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < FAULT_N && o < len; i++) {
    int w = snprintf(buf + o, len - o, "%s%s%s", i ? ", " : "",
                     fault_defs[i].name, fault_arg_name(&fault_defs[i]));
    if (w < 0)
      break;
    o += (size_t)w;
  }
}

static void fault_store(struct ms_faults *f, const struct fault_def *d,
                        unsigned long v) {
  ms_fault_set(f, d->bit);
  if (d->bit == MS_F_SLOW)
    f->slow_ms = (unsigned)v;
  else if (d->bit == MS_F_TRICKLE)
    f->trickle_ms = (unsigned)v;
  else if (d->bit == MS_F_LONG_LINE)
    f->long_bytes = v;
}

int ms_faults_parse(struct ms_faults *f, const char *const *names, size_t n,
                    char *err, size_t errlen) {
  memset(f, 0, sizeof *f);
  for (size_t i = 0; i < n; i++) {
    const char *arg;
    unsigned long v = 0;
    const struct fault_def *d = fault_lookup(names[i], &arg);
    if (!d) {
      char known[4096];
      fault_names(known, sizeof known);
      snprintf(err, errlen, "unknown fault '%s' (known: %s)", names[i], known);
      return -1;
    }
    if (fault_arg(d, arg, &v) < 0) {
      if (d->arg == FA_NONE)
        snprintf(err, errlen, "fault '%s' takes no argument", names[i]);
      else
        snprintf(err, errlen, "fault '%s': give the %s as %s:%s, 1 to %lu",
                 names[i], d->arg == FA_MS ? "delay" : "length", d->name,
                 d->arg == FA_MS ? "MS" : "BYTES", d->max);
      return -1;
    }
    fault_store(f, d, v);
  }
  return 0;
}

/* For `mailspec serve --help` (cmd_serve.c declares it too). */
void ms_fault_help(FILE *out);
void ms_fault_help(FILE *out) {
  for (size_t i = 0; i < FAULT_N; i++) {
    char name[40];
    snprintf(name, sizeof name, "%s%s", fault_defs[i].name,
             fault_arg_name(&fault_defs[i]));
    fprintf(out, "      %-18s %s\n", name, fault_defs[i].help);
  }
}
