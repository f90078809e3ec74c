/* fault: `--fault NAME[:ARG]`, the rules the reference server breaks on
 * purpose so that a suite can prove it catches the breakage.  Each fault
 * is applied where the rule is kept: in the session that produces the
 * reply (srv_smtp.c, srv_pop3.c) or, for the wire-level ones (bare-lf,
 * slow and the hostile behaviours of issue 8), in the connection
 * (srv_conn.c). */
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
    {"pop3-lock-close", MS_F_POP3_LOCK_CLOSE, FA_NONE, false, 0, 0,
     "POP3: a login to a maildrop another session holds gets no -ERR:\n"
     "                         the connection closes (1939-4-7)"},
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
    /* POP3 (RFC 1939, 2449, 2595, 5034): each breaks one requirement
     * that one test of suites/rfc1939, pop3-capa, starttls or auth checks. */
    {"pop3-lowercase-status", MS_F_POP3_LOWERCASE, FA_NONE, false, 0, 0,
     "POP3: \"+ok\" and \"-err\" in lower case"},
    {"pop3-long-status", MS_F_POP3_LONG_STATUS, FA_NONE, false, 0, 0,
     "POP3: a greeting of 600 octets (a status line over 512)"},
    {"pop3-quit-auth-err", MS_F_POP3_QUIT_AUTH_ERR, FA_NONE, false, 0, 0,
     "POP3: QUIT in the AUTHORIZATION state gets -ERR"},
    {"pop3-quit-no-close", MS_F_POP3_QUIT_NO_CLOSE, FA_NONE, false, 0, 0,
     "POP3: QUIT answers +OK but leaves the connection open"},
    {"pop3-case-sensitive", MS_F_POP3_CASE, FA_NONE, false, 0, 0,
     "POP3: command keywords only in upper case"},
    {"pop3-unknown-ok", MS_F_POP3_UNKNOWN_OK, FA_NONE, false, 0, 0,
     "POP3: an unknown command gets +OK"},
    {"pop3-any-state", MS_F_POP3_ANY_STATE, FA_NONE, false, 0, 0,
     "POP3: TRANSACTION commands answered in AUTHORIZATION"},
    {"pop3-auth-cmds-in-trans", MS_F_POP3_AUTH_IN_TRANS, FA_NONE, false, 0, 0,
     "POP3: USER, PASS and APOP answered in TRANSACTION"},
    {"pop3-lax-args", MS_F_POP3_LAX_ARGS, FA_NONE, false, 0, 0,
     "POP3: argument counts not checked (extra ones ignored,\n"
     "                         a missing message-number is 1)"},
    {"pop3-msgno-wrap", MS_F_POP3_MSGNO_WRAP, FA_NONE, false, 0, 0,
     "POP3: message-numbers out of range wrap round"},
    {"pop3-no-stuff", MS_F_POP3_NO_STUFF, FA_NONE, false, 0, 0,
     "POP3: multi-line responses not byte-stuffed"},
    {"pop3-count-stuffed", MS_F_POP3_COUNT_STUFFED, FA_NONE, false, 0, 0,
     "POP3: sizes count the stuffed dots"},
    {"pop3-top-extra-line", MS_F_POP3_TOP_EXTRA, FA_NONE, false, 0, 0,
     "POP3: TOP msg n sends n+1 body lines"},
    {"pop3-top-short", MS_F_POP3_TOP_SHORT, FA_NONE, false, 0, 0,
     "POP3: TOP msg n with n past the body sends no body"},
    {"pop3-list-deleted", MS_F_POP3_LIST_DELETED, FA_NONE, false, 0, 0,
     "POP3: LIST and UIDL list messages marked deleted"},
    {"pop3-stat-deleted", MS_F_POP3_STAT_DELETED, FA_NONE, false, 0, 0,
     "POP3: STAT counts messages marked deleted"},
    {"pop3-list-empty-err", MS_F_POP3_LIST_EMPTY_ERR, FA_NONE, false, 0, 0,
     "POP3: LIST of a maildrop with no message gets -ERR"},
    {"pop3-listing-extra", MS_F_POP3_LISTING_EXTRA, FA_NONE, false, 0, 0,
     "POP3: drop and scan listings carry more after the size"},
    {"pop3-number-from-0", MS_F_POP3_NUMBER_FROM_0, FA_NONE, false, 0, 0,
     "POP3: LIST and UIDL number the messages from 0"},
    {"pop3-hex-sizes", MS_F_POP3_HEX_SIZES, FA_NONE, false, 0, 0,
     "POP3: sizes in hexadecimal"},
    {"pop3-no-stat", MS_F_POP3_NO_STAT, FA_NONE, false, 0, 0,
     "POP3: no STAT command"},
    {"pop3-no-list", MS_F_POP3_NO_LIST, FA_NONE, false, 0, 0,
     "POP3: no LIST command"},
    {"pop3-no-retr", MS_F_POP3_NO_RETR, FA_NONE, false, 0, 0,
     "POP3: no RETR command"},
    {"pop3-no-dele", MS_F_POP3_NO_DELE, FA_NONE, false, 0, 0,
     "POP3: no DELE command"},
    {"pop3-no-noop", MS_F_POP3_NO_NOOP, FA_NONE, false, 0, 0,
     "POP3: no NOOP command"},
    {"pop3-no-rset", MS_F_POP3_NO_RSET, FA_NONE, false, 0, 0,
     "POP3: no RSET command"},
    {"pop3-no-top", MS_F_POP3_NO_TOP, FA_NONE, false, 0, 0,
     "POP3: no TOP command (and none listed)"},
    {"pop3-retr-header-only", MS_F_POP3_RETR_HEADER, FA_NONE, false, 0, 0,
     "POP3: RETR sends the header only"},
    {"pop3-list-n-bare", MS_F_POP3_LIST_N_BARE, FA_NONE, false, 0, 0,
     "POP3: LIST msg answers \"+OK size\", no message-number"},
    {"pop3-dele-noop", MS_F_POP3_DELE_NOOP, FA_NONE, false, 0, 0,
     "POP3: DELE answers +OK and marks nothing"},
    {"pop3-rset-noop", MS_F_POP3_RSET_NOOP, FA_NONE, false, 0, 0,
     "POP3: RSET answers +OK and unmarks nothing"},
    {"pop3-dele-twice-ok", MS_F_POP3_DELE_TWICE, FA_NONE, false, 0, 0,
     "POP3: DELE of a message already deleted gets +OK"},
    {"pop3-quit-no-update", MS_F_POP3_QUIT_NO_UPDATE, FA_NONE, false, 0, 0,
     "POP3: QUIT removes nothing"},
    {"pop3-quit-removes-all", MS_F_POP3_QUIT_ALL, FA_NONE, false, 0, 0,
     "POP3: QUIT removes every message, marked or not"},
    {"pop3-no-retry", MS_F_POP3_NO_RETRY, FA_NONE, false, 0, 0,
     "POP3: after a failed PASS no new login is taken"},
    {"pass-any-password", MS_F_PASS_ANY, FA_NONE, false, 0, 0,
     "POP3: PASS takes any password for a known user"},
    {"user-any-name", MS_F_USER_ANY, FA_NONE, false, 0, 0,
     "POP3: USER takes any name, PASS then opens an empty maildrop"},
    {"pass-remembers-user", MS_F_PASS_REMEMBERS, FA_NONE, false, 0, 0,
     "POP3: PASS after a failed PASS tries the same user again"},
    {"user-after-user", MS_F_USER_AFTER_USER, FA_NONE, false, 0, 0,
     "POP3: USER right after a successful USER gets +OK"},
    {"apop-after-user", MS_F_APOP_AFTER_USER, FA_NONE, false, 0, 0,
     "POP3: APOP right after a successful USER is taken"},
    {"user-empty-ok", MS_F_USER_EMPTY_OK, FA_NONE, false, 0, 0,
     "POP3: USER without a name gets +OK"},
    {"pass-empty-ok", MS_F_PASS_EMPTY_OK, FA_NONE, false, 0, 0,
     "POP3: PASS without a password logs in"},
    {"apop-one-arg-ok", MS_F_APOP_ONE_ARG, FA_NONE, false, 0, 0,
     "POP3: APOP with a name and no digest logs in"},
    {"apop-bad-timestamp", MS_F_APOP_BAD_TIMESTAMP, FA_NONE, false, 0, 0,
     "POP3: the greeting's timestamp is no msg-id (no \"@\")"},
    {"apop-no-brackets", MS_F_APOP_NO_BRACKETS, FA_NONE, false, 0, 0,
     "POP3: the APOP digest is taken without the timestamp's <>"},
    {"apop-any-digest", MS_F_APOP_ANY_DIGEST, FA_NONE, false, 0, 0,
     "POP3: APOP takes any digest for a known name"},
    {"pop3-cmd-47", MS_F_POP3_CMD_47, FA_NONE, false, 0, 0,
     "POP3: a command line over 47 octets closes the connection"},
    {"uidl-per-session", MS_F_UIDL_PER_SESSION, FA_NONE, false, 0, 0,
     "POP3: unique-ids change from one session to the next"},
    {"uidl-long", MS_F_UIDL_LONG, FA_NONE, false, 0, 0,
     "POP3: unique-ids of 71 characters"},
    {"uidl-dup", MS_F_UIDL_DUP, FA_NONE, false, 0, 0,
     "POP3: every message has the same unique-id"},
    {"pop3-no-capa", MS_F_POP3_NO_CAPA, FA_NONE, false, 0, 0,
     "POP3: CAPA gets -ERR (STLS, TOP, ... still work)"},
    {"capa-long-line", MS_F_CAPA_LONG_LINE, FA_NONE, false, 0, 0,
     "POP3: a CAPA line of 600 octets"},
    {"capa-auth-only", MS_F_CAPA_AUTH_ONLY, FA_NONE, false, 0, 0,
     "POP3: CAPA lists nothing after login"},
    {"capa-top-broken", MS_F_CAPA_TOP_BROKEN, FA_NONE, false, 0, 0,
     "POP3: TOP listed, yet refused"},
    {"capa-uidl-broken", MS_F_CAPA_UIDL_BROKEN, FA_NONE, false, 0, 0,
     "POP3: UIDL listed, yet refused"},
    {"capa-user-broken", MS_F_CAPA_USER_BROKEN, FA_NONE, false, 0, 0,
     "POP3: USER listed, yet refused"},
    {"capa-unlisted-top", MS_F_CAPA_UNLISTED_TOP, FA_NONE, false, 0, 0,
     "POP3: TOP works but CAPA does not list it"},
    {"capa-unlisted-uidl", MS_F_CAPA_UNLISTED_UIDL, FA_NONE, false, 0, 0,
     "POP3: UIDL works but CAPA does not list it"},
    {"capa-unlisted-user", MS_F_CAPA_UNLISTED_USER, FA_NONE, false, 0, 0,
     "POP3: USER/PASS work but CAPA does not list USER"},
    {"expire-no-user", MS_F_EXPIRE_NO_USER, FA_NONE, false, 0, 0,
     "POP3: EXPIRE 30 before login, NEVER after, no USER token"},
    {"login-delay-no-user", MS_F_LOGIN_DELAY_NO_USER, FA_NONE, false, 0, 0,
     "POP3: LOGIN-DELAY 60 before login, 0 after, no USER token"},
    {"resp-code-bad", MS_F_RESP_CODE_BAD, FA_NONE, false, 0, 0,
     "POP3: a response code without its closing \"]\""},
    {"resp-code-unlisted", MS_F_RESP_CODE_UNLISTED, FA_NONE, false, 0, 0,
     "POP3: response codes sent, RESP-CODES not listed"},
    {"stls-listed-always", MS_F_STLS_LISTED_ALWAYS, FA_NONE, false, 0, 0,
     "POP3: CAPA lists STLS after login and inside TLS"},
    {"stls-any-state", MS_F_STLS_ANY_STATE, FA_NONE, false, 0, 0,
     "POP3: STLS accepted in the TRANSACTION state"},
    {"stls-unlisted", MS_F_STLS_UNLISTED, FA_NONE, false, 0, 0,
     "POP3: STLS works but CAPA does not list it"},
    {"user-pass-before-tls", MS_F_USER_PASS_BEFORE_TLS, FA_NONE, false, 0, 0,
     "POP3: with TLS required for logins, USER/PASS still work\n"
     "                         before STLS (and stay unlisted)"},
    {"pop3-auth-again", MS_F_POP3_AUTH_AGAIN, FA_NONE, false, 0, 0,
     "POP3: AUTH taken again after a successful AUTH"},
    {"pop3-auth-after-pass", MS_F_POP3_AUTH_AFTER_PASS, FA_NONE, false, 0, 0,
     "POP3: AUTH taken after a USER/PASS login"},
    {"sasl-any-mech", MS_F_SASL_ANY_MECH, FA_NONE, false, 0, 0,
     "POP3: an unknown SASL mechanism is taken as PLAIN"},
    {"pop3-empty-cont-text", MS_F_POP3_EMPTY_CONT_TEXT, FA_NONE, false, 0, 0,
     "POP3: the empty SASL challenge is \"+ go ahead\""},
    {"pop3-cont-text", MS_F_POP3_CONT_TEXT, FA_NONE, false, 0, 0,
     "POP3: SASL challenges carry text after the base64"},
    {"sasl-lists-unsupported", MS_F_SASL_LISTS_UNSUPPORTED, FA_NONE, false, 0,
     0, "POP3: SASL lists LOGIN, AUTH LOGIN is refused"},
    {"cram-md5-ir-ok", MS_F_CRAM_IR_OK, FA_NONE, false, 0, 0,
     "POP3: AUTH CRAM-MD5 with an initial response is taken"},
    {"pop3-b64-retry", MS_F_POP3_B64_RETRY, FA_NONE, false, 0, 0,
     "POP3: a SASL response that is no base64 gets \"+ \" again"},
    {"pop3-b64-lenient", MS_F_POP3_B64_LENIENT, FA_NONE, false, 0, 0,
     "POP3: SASL base64 decoded skipping foreign characters\n"
     "                         and inner \"=\""},
    {"pop3-sasl-255", MS_F_POP3_SASL_255, FA_NONE, false, 0, 0,
     "POP3: a SASL response line over 255 octets closes the\n"
     "                         connection"},
    {"pop3-no-saslprep", MS_F_POP3_NO_SASLPREP, FA_NONE, false, 0, 0,
     "POP3: control characters dropped from the authorization\n"
     "                         identity instead of failing"},
    {"pop3-auth-fail-locks", MS_F_POP3_AUTH_FAIL_LOCKS, FA_NONE, false, 0, 0,
     "POP3: after a failed AUTH no AUTH is taken"},
    {"pop3-mech-case", MS_F_POP3_MECH_CASE, FA_NONE, false, 0, 0,
     "POP3: SASL mechanism names only in upper case"},
    {"plain-ignore-authzid", MS_F_PLAIN_IGNORE_AUTHZID, FA_NONE, false, 0, 0,
     "POP3: PLAIN logs in the authentication identity, whatever\n"
     "                         the authorization identity"},
    {"pop3-pipelining-refused", MS_F_POP3_PIPELINING_REFUSED, FA_NONE, false, 0,
     0,
     "POP3: a command that arrives with another, before that one's\n"
     "                         reply went out, gets -ERR"},
    {"stls-broken", MS_F_STLS_BROKEN, FA_NONE, false, 0, 0,
     "POP3: STLS listed, yet refused"},
    {"stls-plaintext-after-ok", MS_F_STLS_PLAINTEXT, FA_NONE, false, 0, 0,
     "POP3: a plaintext line after STLS's +OK, before the handshake"},
    {"stls-leaves-authorization", MS_F_STLS_LEAVES_AUTH, FA_NONE, false, 0, 0,
     "POP3: after STLS, USER, PASS, APOP and AUTH are refused"},
    {"sasl-before-tls", MS_F_SASL_BEFORE_TLS, FA_NONE, false, 0, 0,
     "POP3: with TLS required for logins, AUTH PLAIN still works\n"
     "                         before STLS (and stays unlisted)"},
    {"sasl-list-commas", MS_F_SASL_LIST_COMMAS, FA_NONE, false, 0, 0,
     "POP3: the SASL mechanisms separated by commas"},
    {"pop3-auth-no-trans", MS_F_POP3_AUTH_NO_TRANS, FA_NONE, false, 0, 0,
     "POP3: a successful AUTH leaves the session in AUTHORIZATION"},
    {"pop3-auth-ok-err", MS_F_POP3_AUTH_OK_ERR, FA_NONE, false, 0, 0,
     "POP3: a successful AUTH is answered -ERR (logged in all\n"
     "                         the same)"},
    {"uidl-abort-changes", MS_F_UIDL_ABORT_CHANGES, FA_NONE, false, 0, 0,
     "POP3: unique-ids change after a session that ended without\n"
     "                         QUIT"},
    {"pop3-saslprep-no-map", MS_F_SASLPREP_NO_MAP, FA_NONE, false, 0, 0,
     "POP3: AUTH names compared without SASLprep's mapping"},
    {"uidl-by-number", MS_F_UIDL_BY_NUMBER, FA_NONE, false, 0, 0,
     "POP3: a message's unique-id is its message-number"},
    {"pop3-noop-silent", MS_F_POP3_NOOP_SILENT, FA_NONE, false, 0, 0,
     "POP3: NOOP gets no reply at all"},
    {"pop3-quit-err", MS_F_POP3_QUIT_ERR, FA_NONE, false, 0, 0,
     "POP3: QUIT in TRANSACTION answers -ERR, though all went well"},
    {"pop3-list-no-dot", MS_F_POP3_LIST_NO_DOT, FA_NONE, false, 0, 0,
     "POP3: LIST's multi-line reply has no final \".\" line"},
    {"pop3-no-login", MS_F_POP3_NO_LOGIN, FA_NONE, false, 0, 0,
     "POP3: no way to log in (USER, APOP and AUTH refused)"},
    {"pass-ok-err", MS_F_PASS_OK_ERR, FA_NONE, false, 0, 0,
     "POP3: a right PASS is answered -ERR (logged in all the same)"},
    {"user-bad-status", MS_F_USER_BAD_STATUS, FA_NONE, false, 0, 0,
     "POP3: USER answered \"+ \" instead of +OK"},
    {"pop3-deleted-reachable", MS_F_POP3_DELETED_REACHABLE, FA_NONE, false, 0,
     0,
     "POP3: a message marked deleted can still be named (LIST,\n"
     "                         RETR, TOP, UIDL)"},
    {"pop3-list-first-only", MS_F_POP3_LIST_FIRST_ONLY, FA_NONE, false, 0, 0,
     "POP3: LIST lists the first message only"},
    {"uidl-extra", MS_F_UIDL_EXTRA, FA_NONE, false, 0, 0,
     "POP3: more after the unique-id in a unique-id listing"},
    {"uidl-first-only", MS_F_UIDL_FIRST_ONLY, FA_NONE, false, 0, 0,
     "POP3: UIDL lists the first message only"},
    {"pop3-cancel-ignored", MS_F_POP3_CANCEL_IGNORED, FA_NONE, false, 0, 0,
     "POP3: \"*\" answered with another \"+ \", the exchange goes on"},
    {"pop3-quit-keeps-lock", MS_F_POP3_QUIT_KEEPS_LOCK, FA_NONE, false, 0, 0,
     "POP3: QUIT keeps the maildrop locked (until a later login\n"
     "                         has been refused for it)"},
    {"apop-replay", MS_F_APOP_REPLAY, FA_NONE, false, 0, 0,
     "POP3: APOP takes a digest of any of the last 16 greetings'\n"
     "                         timestamps (a replayed login)"},
    {"pop3-pass-apop-secret", MS_F_PASS_APOP_SECRET, FA_NONE, false, 0, 0,
     "POP3: PASS takes the APOP secret too (a user set up for\n"
     "                         APOP logs in both ways)"},
    {"pop3-abort-deletes-retrieved", MS_F_POP3_ABORT_DELETES_RETR, FA_NONE,
     false, 0, 0,
     "POP3: a session that ends without QUIT deletes the messages\n"
     "                         it retrieved (download-and-delete gone wrong)"},
    {"login-delay-unenforced", MS_F_LOGIN_DELAY_UNENFORCED, FA_NONE, false, 0,
     0,
     "POP3: a world's LOGIN-DELAY is listed but not enforced (a login\n"
     "                         right after another is let in)"},
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
    /* SMTP service extensions (issue 14): SIZE (RFC 1870), PIPELINING
     * (RFC 2920), 8BITMIME (RFC 6152), ENHANCEDSTATUSCODES (RFC 2034,
     * RFC 3463). */
    {"size-unadvertised", MS_F_SIZE_UNADVERTISED, FA_NONE, false, 0, 0,
     "EHLO leaves SIZE out, yet MAIL takes SIZE= (RFC 1870 §3)"},
    {"size-452", MS_F_SIZE_452, FA_NONE, false, 0, 0,
     "MAIL ... SIZE= over the advertised maximum gets 452, not 552\n"
     "                         (RFC 1870 §6.1)"},
    {"size-zero-552", MS_F_SIZE_ZERO_552, FA_NONE, false, 0, 0,
     "with SIZE 0 (world max_message: 0), a SIZE= it cannot hold gets\n"
     "                         552 as over a fixed maximum (RFC 1870 §3)"},
    {"size-counts-stuffing", MS_F_SIZE_STUFFING, FA_NONE, false, 0, 0,
     "the doubled dots of stuffed lines count against the size limit\n"
     "                         (RFC 1870 §5)"},
    {"size-no-limit-at-data", MS_F_SIZE_DATA_NO_LIMIT, FA_NONE, false, 0, 0,
     "mail data over the limit is accepted when MAIL declared no\n"
     "                         SIZE= (RFC 1870 §4)"},
    {"size-ends-data", MS_F_SIZE_ENDS_DATA, FA_NONE, false, 0, 0,
     "the data ends after the octets MAIL's SIZE= declared; the rest\n"
     "                         are commands (RFC 1870 §6)"},
    {"pipelining-param", MS_F_PIPE_PARAM, FA_NONE, false, 0, 0,
     "EHLO lists PIPELINING with a parameter (RFC 2920 §2)"},
    {"pipelining-reorder", MS_F_PIPE_REORDER, FA_NONE, false, 0, 0,
     "in a pipelined group, each two replies are sent swapped\n"
     "                         (RFC 2920 §3.2 (1))"},
    {"pipelining-flush-on-error", MS_F_PIPE_FLUSH_ERROR, FA_NONE, false, 0, 0,
     "in a pipelined group, a command that fails discards the\n"
     "                         commands after it (RFC 2920 §3.2 (9))"},
    {"pipelining-no-flush", MS_F_PIPE_NO_FLUSH, FA_NONE, false, 0, 0,
     "in a pipelined group, replies to RSET, MAIL and RCPT wait for\n"
     "                         a later command, even when no input is left\n"
     "                         (RFC 2920 §3.2 (7))"},
    {"pipelining-hold-noop", MS_F_PIPE_HOLD_NOOP, FA_NONE, false, 0, 0,
     "in a pipelined group, the reply to NOOP waits for more input\n"
     "                         (RFC 2920 §3.2 (5))"},
    {"pipelining-hold-unknown", MS_F_PIPE_HOLD_UNKNOWN, FA_NONE, false, 0, 0,
     "in a pipelined group, the reply to an unknown command waits\n"
     "                         for more input (RFC 2920 §3.2 (6))"},
    {"data-354-no-rcpt", MS_F_DATA_NO_RCPT, FA_NONE, false, 0, 0,
     "DATA gets 354 when MAIL has no accepted recipient (then 554\n"
     "                         at the end of the data; RFC 2920 §3.2 (3))"},
    {"8bitmime-unadvertised", MS_F_8BIT_UNADVERTISED, FA_NONE, false, 0, 0,
     "EHLO leaves 8BITMIME out, yet MAIL takes BODY= (RFC 6152 §2)"},
    {"8bitmime-param", MS_F_8BIT_PARAM, FA_NONE, false, 0, 0,
     "EHLO lists 8BITMIME with a parameter (RFC 6152 §2)"},
    {"body-7bit-refused", MS_F_BODY_7BIT, FA_NONE, false, 0, 0,
     "MAIL ... BODY=7BIT gets 501 (RFC 6152 §2)"},
    {"8bit-data-refused", MS_F_8BIT_REFUSED, FA_NONE, false, 0, 0,
     "8-bit octets in the data get 554 even after BODY=8BITMIME\n"
     "                         (RFC 6152 §3)"},
    {"data-line-999", MS_F_DATA_LINE_999, FA_NONE, false, 0, 0,
     "mail data lines of 1000 octets (CRLF included) are too long\n"
     "                         (RFC 6152 §1, RFC 5321 §4.5.3.1.6)"},
    {"enhanced-missing", MS_F_ENH_MISSING, FA_NONE, false, 0, 0,
     "no enhanced status code where it would be 2.0.0 (RSET, NOOP,\n"
     "                         QUIT, the end of the data; RFC 2034 §4)"},
    {"enhanced-class", MS_F_ENH_CLASS, FA_NONE, false, 0, 0,
     "5xx replies carry 4.x.x codes and 4xx replies 5.x.x ones\n"
     "                         (RFC 2034 §4)"},
    {"enhanced-no-space", MS_F_ENH_NO_SPACE, FA_NONE, false, 0, 0,
     "no space between the enhanced status code and the text\n"
     "                         (RFC 2034 §3)"},
    {"enhanced-leading-zero", MS_F_ENH_LEADING_ZERO, FA_NONE, false, 0, 0,
     "enhanced status codes with a leading zero: 2.01.0 (RFC 3463 §2)"},
    {"enhanced-space-inside", MS_F_ENH_SPACE_INSIDE, FA_NONE, false, 0, 0,
     "a space inside enhanced status codes: 2. 1.0 (RFC 3463 §2)"},
    {"enhanced-two-fields", MS_F_ENH_TWO_FIELDS, FA_NONE, false, 0, 0,
     "enhanced status codes of two fields: 2.1 (RFC 3463 §2)"},
    {"enhanced-first-line", MS_F_ENH_FIRST_LINE, FA_NONE, false, 0, 0,
     "a multi-line reply carries its enhanced status code on the\n"
     "                         first line only (RFC 2034 §4)"},
    {"enhanced-ehlo-only", MS_F_ENH_EHLO_ONLY, FA_NONE, false, 0, 0,
     "enhanced status codes only after EHLO, none after HELO\n"
     "                         (RFC 2034 §4)"},
    {"enhanced-param", MS_F_ENH_PARAM, FA_NONE, false, 0, 0,
     "EHLO lists ENHANCEDSTATUSCODES with a parameter (RFC 2034 §3)"},
    {"size-param-refused", MS_F_SIZE_REFUSED, FA_NONE, false, 0, 0,
     "MAIL's SIZE= gets 555 though EHLO lists SIZE (RFC 1870 §4)"},
    {"size-keyword-text", MS_F_SIZE_KEYWORD_TEXT, FA_NONE, false, 0, 0,
     "EHLO lists SIZE with a parameter that is no number: SIZE 10M\n"
     "                         (RFC 1870 §3)"},
    /* RFC 3463 §3: codes in the class the RFC gives them, reply code
     * and enhanced code still agreeing (RFC 2034 kept). */
    {"esc-moved-transient", MS_F_ESC_MOVED_4XX, FA_NONE, false, 0, 0,
     "RCPT to a mailbox that moved gets 450 4.1.6, X.1.6 as a\n"
     "                         transient failure (RFC 3463 §3.2)"},
    {"esc-full-permanent", MS_F_ESC_FULL_5XX, FA_NONE, false, 0, 0,
     "RCPT to a mailbox over its quota gets 552 5.2.2, X.2.2 as a\n"
     "                         permanent failure (RFC 3463 §3.3)"},
    {"esc-limit-transient", MS_F_ESC_LIMIT_4XX, FA_NONE, false, 0, 0,
     "SIZE= over a mailbox's own limit gets 452 4.2.3 at RCPT, X.2.3\n"
     "                         as a transient failure (RFC 3463 §3.3)"},
    {"esc-list-transient", MS_F_ESC_LIST_4XX, FA_NONE, false, 0, 0,
     "RCPT to a closed list from a non-member gets 450 4.7.2, X.7.2\n"
     "                         as a transient failure (RFC 3463 §3.8)"},
    {"esc-invalid-transient", MS_F_ESC_INVALID_4XX, FA_NONE, false, 0, 0,
     "RCPT to a domain under .invalid gets 450 4.1.2, X.1.2 as a\n"
     "                         transient failure (RFC 3463 §3.2)"},
    {"body-any-value", MS_F_BODY_ANY, FA_NONE, false, 0, 0,
     "MAIL takes BODY= of any value, BODY=9BIT too (RFC 6152 §2)"},
    {"8bit-no-body-451", MS_F_8BIT_NO_BODY_451, FA_NONE, false, 0, 0,
     "8-bit data after MAIL without BODY=8BITMIME gets 451 at the end\n"
     "                         of the data (RFC 5321 §2.4: clear the bit or\n"
     "                         reject the message)"},
    /* CHUNKING, BINARYMIME, SMTPUTF8, DSN (issue 14). */
    {"bdat-unadvertised", MS_F_BDAT_UNADV, FA_NONE, false, 0, 0,
     "CHUNKING is not listed in EHLO, yet BDAT works (RFC 3030 §2)"},
    {"bdat-no-data", MS_F_BDAT_NO_DATA, FA_NONE, false, 0, 0,
     "DATA is refused with 502 while CHUNKING is offered (RFC 3030\n"
     "                         §2: DATA MUST stay)"},
    {"bdat-no-last", MS_F_BDAT_NO_LAST, FA_NONE, false, 0, 0,
     "BDAT SIZE LAST is refused with 501 (RFC 3030 §2's bdat-cmd)"},
    {"bdat0-refused", MS_F_BDAT0_REFUSED, FA_NONE, false, 0, 0,
     "BDAT 0 LAST is refused with 501 (RFC 3030 §2 allows it)"},
    {"bdat-after-last-250", MS_F_BDAT_AFTER_LAST, FA_NONE, false, 0, 0,
     "the envelope outlives BDAT LAST: a BDAT after it starts a\n"
     "                         new message (250, not 503; RFC 3030 §2)"},
    {"bdat-chunk-354", MS_F_BDAT_CHUNK_354, FA_NONE, false, 0, 0,
     "a chunk that is not the LAST gets 354, not 250 (RFC 3030 §2)"},
    {"bdat-parse-failed-chunk", MS_F_BDAT_FAILED_PARSE, FA_NONE, false, 0, 0,
     "a BDAT refused for want of a transaction does not take its\n"
     "                         chunk: its octets are read as commands (RFC "
     "3030 §2)"},
    {"bdat-pipeline-parse", MS_F_BDAT_PIPE_PARSE, FA_NONE, false, 0, 0,
     "after a failed BDAT, later BDATs are unknown (500) and their\n"
     "                         chunks read as commands (RFC 3030 §2, "
     "pipelining)"},
    {"bdat-then-data-354", MS_F_BDAT_DATA_354, FA_NONE, false, 0, 0,
     "DATA after a BDAT of the same transaction gets 354, not 503\n"
     "                         (RFC 3030 §2)"},
    {"binary-line-close", MS_F_BINARY_LINE_CLOSE, FA_NONE, false, 0, 0,
     "a command line with control octets (a NUL) closes the\n"
     "                         connection instead of getting 500 (RFC 3030 "
     "§2)"},
    {"binarymime-unadvertised", MS_F_BINMIME_UNADV, FA_NONE, false, 0, 0,
     "BINARYMIME is not listed in EHLO, yet BODY=BINARYMIME is taken\n"
     "                         (RFC 3030 §3)"},
    {"binarymime-no-chunking", MS_F_BINMIME_NO_CHUNKING, FA_NONE, false, 0, 0,
     "BINARYMIME is listed without CHUNKING, and BDAT is unknown\n"
     "                         (RFC 3030 §3)"},
    {"binarymime-param", MS_F_BINMIME_PARAM, FA_NONE, false, 0, 0,
     "EHLO lists \"BINARYMIME 1\": a parameter (RFC 3030 §3 has none)"},
    {"binarymime-body-refused", MS_F_BINMIME_REFUSED, FA_NONE, false, 0, 0,
     "MAIL ... BODY=BINARYMIME gets 555 though BINARYMIME is listed"},
    {"binarymime-data-354", MS_F_BINMIME_DATA_354, FA_NONE, false, 0, 0,
     "DATA after MAIL ... BODY=BINARYMIME gets 354, not 503\n"
     "                         (RFC 3030 §3)"},
    {"binary-cte-refused", MS_F_BINARY_CTE_REFUSED, FA_NONE, false, 0, 0,
     "a message with \"Content-Transfer-Encoding: binary\" sent without\n"
     "                         BODY=BINARYMIME is refused with 554 (RFC 3030 "
     "§3: MUST\n"
     "                         be accepted)"},
    {"smtputf8-unadvertised", MS_F_UTF8_UNADV, FA_NONE, false, 0, 0,
     "SMTPUTF8 is not listed in EHLO, yet MAIL ... SMTPUTF8 works\n"
     "                         (RFC 6531 §3.1)"},
    {"smtputf8-param", MS_F_UTF8_PARAM, FA_NONE, false, 0, 0,
     "EHLO lists \"SMTPUTF8 1\": a parameter (RFC 6531 §3.1)"},
    {"smtputf8-no-8bitmime", MS_F_UTF8_NO_8BITMIME, FA_NONE, false, 0, 0,
     "SMTPUTF8 is listed, 8BITMIME is not (RFC 6531 §3.1)"},
    {"ehlo-utf8-domain", MS_F_EHLO_UTF8_DOMAIN, FA_NONE, false, 0, 0,
     "the EHLO reply names the server with a U-label, not an A-label\n"
     "                         (RFC 6531 §3.7.1)"},
    {"utf8-rcpt-refused", MS_F_UTF8_RCPT_REFUSED, FA_NONE, false, 0, 0,
     "RCPT with a UTF-8 mailbox gets 553 even after MAIL ... SMTPUTF8\n"
     "                         (RFC 6531 §3.2)"},
    {"smtputf8-value-accepted", MS_F_UTF8_VALUE_OK, FA_NONE, false, 0, 0,
     "MAIL ... SMTPUTF8=VALUE is taken (RFC 6531 §3.4: no value)"},
    {"utf8-mail-no-param-553", MS_F_UTF8_MAIL_NOPARAM, FA_NONE, false, 0, 0,
     "MAIL with a UTF-8 mailbox and no SMTPUTF8 is refused with 553,\n"
     "                         not 550 (RFC 6531 §3.5)"},
    {"utf8-rcpt-no-param-550", MS_F_UTF8_RCPT_NOPARAM, FA_NONE, false, 0, 0,
     "RCPT with a UTF-8 mailbox after a MAIL without SMTPUTF8 is\n"
     "                         refused with 550, not 553 (RFC 6531 §3.5)"},
    {"utf8-no-param-esc", MS_F_UTF8_NOPARAM_ESC, FA_NONE, false, 0, 0,
     "those 550 and 553 carry 5.1.7 / 5.1.3, not X.6.7 (RFC 6531 §3.5)"},
    {"utf8-ascii-only-550", MS_F_UTF8_ASCII_550, FA_NONE, false, 0, 0,
     "a message with internationalized headers for a recipient that\n"
     "                         cannot take them gets 550, not 554 (RFC 6531 "
     "§3.5)"},
    {"utf8-ascii-only-esc", MS_F_UTF8_ASCII_ESC, FA_NONE, false, 0, 0,
     "... and its 554 carries 5.6.0, not X.6.9 (RFC 6531 §3.5)"},
    {"utf8-echo", MS_F_UTF8_ECHO, FA_NONE, false, 0, 0,
     "the 250 to MAIL ... SMTPUTF8 echoes the UTF-8 mailbox (RFC 6531\n"
     "                         §3.7.4.2: replies stay ASCII)"},
    {"utf8-forward-unconverted", MS_F_UTF8_FWD_RAW, FA_NONE, false, 0, 0,
     "without SMTPUTF8, 251/551 still name the non-ASCII forward-path\n"
     "                         (RFC 6531 §3.7.4.1)"},
    {"utf8-forward-keeps-code", MS_F_UTF8_FWD_CODE, FA_NONE, false, 0, 0,
     "without SMTPUTF8, 251/551 drop the non-ASCII forward-path but\n"
     "                         keep their code, not 250/550 (RFC 6531 "
     "§3.7.4.1)"},
    {"vrfy-utf8-unasked", MS_F_VRFY_UTF8_UNASKED, FA_NONE, false, 0, 0,
     "VRFY without SMTPUTF8 answers 250 in UTF-8 (RFC 6531 §3.7.4.2)"},
    {"vrfy-utf8-553", MS_F_VRFY_UTF8_553, FA_NONE, false, 0, 0,
     "VRFY without SMTPUTF8 of a UTF-8 mailbox gets 553, not 252/550\n"
     "                         (RFC 6531 §3.7.4.2)"},
    {"vrfy-utf8-sticky", MS_F_VRFY_UTF8_STICKY, FA_NONE, false, 0, 0,
     "after one VRFY ... SMTPUTF8 every VRFY answers in UTF-8\n"
     "                         (RFC 6531 §3.7.4.2: that command only)"},
    {"vrfy-utf8-no-mailbox", MS_F_VRFY_UTF8_NOMBOX, FA_NONE, false, 0, 0,
     "VRFY ... SMTPUTF8 answers 250 with the user's name only, no\n"
     "                         mailbox (RFC 6531 §3.7.4.2)"},
    {"vrfy-utf8-form", MS_F_VRFY_UTF8_FORM, FA_NONE, false, 0, 0,
     "VRFY ... SMTPUTF8 answers \"250 <mailbox> Name\" (RFC 6531\n"
     "                         §3.7.4.2: \"Name <mailbox>\" or \"mailbox\")"},
    {"vrfy-utf8-esc", MS_F_VRFY_UTF8_ESC, FA_NONE, false, 0, 0,
     "the 252 of a VRFY that needs UTF-8 carries 2.1.5, not 2.6.8\n"
     "                         (RFC 6531 §3.7.4.2)"},
    {"vrfy-utf8-latin1", MS_F_VRFY_UTF8_LATIN1, FA_NONE, false, 0, 0,
     "VRFY ... SMTPUTF8 answers in ISO 8859-1, not UTF-8 (RFC 6531\n"
     "                         §1.1)"},
    {"dsn-unadvertised", MS_F_DSN_UNADV, FA_NONE, false, 0, 0,
     "DSN is not listed in EHLO, yet NOTIFY, ORCPT, RET and ENVID\n"
     "                         work (RFC 3461 §2)"},
    {"dsn-keyword-param", MS_F_DSN_KW_PARAM, FA_NONE, false, 0, 0,
     "EHLO lists \"DSN 1\": a parameter (RFC 3461 §2)"},
    {"dsn-ret-refused", MS_F_DSN_RET_REFUSED, FA_NONE, false, 0, 0,
     "RET= and ENVID= on MAIL get 555 though DSN is listed (RFC 3461\n"
     "                         §5.1)"},
    {"dsn-notify-refused", MS_F_DSN_NOTIFY_REFUSED, FA_NONE, false, 0, 0,
     "NOTIFY= and ORCPT= on RCPT get 555 though DSN is listed (RFC\n"
     "                         3461 §5.1)"},
    {"dsn-accept-invalid", MS_F_DSN_ACCEPT_INVALID, FA_NONE, false, 0, 0,
     "MAIL takes invalid RET= and ENVID= values (RFC 3461 §5.1: 501)"},
    {"dsn-accept-duplicate", MS_F_DSN_ACCEPT_DUP, FA_NONE, false, 0, 0,
     "MAIL takes RET= or ENVID= twice (RFC 3461 §4.5, §5.1: 501)"},
    {"dsn-rcpt-accept-invalid", MS_F_DSN_RCPT_INVALID, FA_NONE, false, 0, 0,
     "RCPT takes invalid or repeated NOTIFY= and ORCPT= (RFC 3461\n"
     "                         §4.5, §5.1: 501)"},
    {"dsn-envid-38", MS_F_DSN_ENVID_38, FA_NONE, false, 0, 0,
     "an ENVID parameter over 38 characters gets 501 (RFC 3461 §5.4:\n"
     "                         100)"},
    {"dsn-notify-22", MS_F_DSN_NOTIFY_22, FA_NONE, false, 0, 0,
     "a NOTIFY parameter over 22 characters gets 501 (RFC 3461 §5.4:\n"
     "                         28)"},
    {"dsn-orcpt-100", MS_F_DSN_ORCPT_100, FA_NONE, false, 0, 0,
     "an ORCPT parameter over 100 characters gets 501 (RFC 3461 §5.4:\n"
     "                         500)"},
    {"dsn-line-512", MS_F_DSN_LINE_512, FA_NONE, false, 0, 0,
     "RCPT lines over 512 octets get 500, whatever their DSN\n"
     "                         parameters (RFC 3461 §5.4: 1036)"},
    {"dsn-case", MS_F_DSN_CASE, FA_NONE, false, 0, 0,
     "NOTIFY= and RET= values in lower case get 501 (RFC 3461 §4.1,\n"
     "                         §4.3: any case)"},
    {"dsn-combo-555", MS_F_DSN_COMBO, FA_NONE, false, 0, 0,
     "RET= or ENVID= after SIZE= and BODY= on one MAIL get 555 (RFC\n"
     "                         3461 §5.4: any combination)"},
    {"binarymime-line", MS_F_BINARYMIME_LINE, FA_NONE, false, 0, 0,
     "a MAIL line with BODY=BINARYMIME over 512 + 500 (AUTH=) octets\n"
     "                         gets 500 (RFC 3030 §3: 16 more)"},
    {"smtputf8-line", MS_F_UTF8_LINE, FA_NONE, false, 0, 0,
     "a MAIL line with SMTPUTF8 over 512 + 500 (AUTH=) octets gets\n"
     "                         500 (RFC 6531 §3.1: 10 more)"},
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
    /* branch wiremisc: on-the-wire requirements without a test */
    {"plain-255-refused", MS_F_PLAIN_255_REFUSED, FA_NONE, false, 0, 0,
     "POP3 AUTH PLAIN: a name, authorization identity or password of\n"
     "                         255 octets fails (2595-6-6, 6-7, 6-8)"},
    {"plain-utf8-latin1", MS_F_PLAIN_UTF8_LATIN1, FA_NONE, false, 0, 0,
     "POP3 AUTH PLAIN: the name and password read as Latin-1, their\n"
     "                         non-ASCII octets encoded again (2595-A-1)"},
    {"corrupt-maildrop-ok", MS_F_CORRUPT_MAILDROP_OK, FA_NONE, false, 0, 0,
     "POP3: a maildrop that cannot be parsed (world: corrupt: true)\n"
     "                         opens with +OK and no messages (1939-4-9)"},
    {"expn-disabled-250", MS_F_EXPN_DISABLED_250, FA_NONE, false, 0, 0,
     "SMTP: an EXPN disabled for security (world: expn: false) answers\n"
     "                         250 with no list, not 252 (5321-7.3-3)"},
    {"login-delay-before-smaller", MS_F_LOGIN_DELAY_BEFORE_SMALLER, FA_NONE,
     false, 0, 0,
     "POP3: CAPA lists LOGIN-DELAY N USER before login, N+60 after it\n"
     "                         (not the largest value first, 2449-6.5-3)"},
    {"expire-before-greater", MS_F_EXPIRE_BEFORE_GREATER, FA_NONE, false, 0, 0,
     "POP3: CAPA lists EXPIRE NEVER USER before login, EXPIRE 30 after\n"
     "                         it (not the smallest value first, 2449-6.7-4)"},
    {"ehlo-vrfy-keyword", MS_F_EHLO_VRFY_KEYWORD, FA_NONE, false, 0, 0,
     "SMTP: EHLO lists VRFY, a keyword not registered with IANA\n"
     "                         (5321-2.2.2-2, 5321-2.2.2-3)"},
    {"turn-554", MS_F_TURN_554, FA_NONE, false, 0, 0,
     "SMTP: TURN (recognized, not implemented) gets 554, not 502\n"
     "                         (5321-4.2.4-1)"},
    /* branch f6 */
    {"send-no-transaction", MS_F_SEND_NO_TRANSACTION, FA_NONE, false, 0, 0,
     "SMTP (rfc821 profile): SEND, SOML and SAML answer 250 but open\n"
     "                         no mail transaction: RCPT then gets 503\n"
     "                         (5321-F.6-3)"},
    /* branch lead2 */
    {"expn-program-path", MS_F_EXPN_PROGRAM_PATH, FA_NONE, false, 0, 0,
     "SMTP: EXPN shows a list member delivered to a program as the\n"
     "                         program (|/usr/bin/vacation), not as the\n"
     "                         mailbox that reaches it (5321-3.5.2-5)"},
    /* branch dsn: notifications (srv_smtp_notify.c) */
    {"dsn-none", MS_F_DSN_NONE, FA_NONE, false, 0, 0,
     "no failure notification for a recipient that fails after the\n"
     "                         end of data (5321-6.1-2, 3461-5.2.6-4)"},
    {"dsn-sender-not-null", MS_F_DSN_SENDER_NOT_NULL, FA_NONE, false, 0, 0,
     "notifications go out from MAILER-DAEMON@host, not <>\n"
     "                         (5321-6.1-3, 3461-6.1-1)"},
    {"dsn-to-null-sender", MS_F_DSN_TO_NULL_SENDER, FA_NONE, false, 0, 0,
     "a message from <> that fails is bounced to its From:\n"
     "                         address (5321-6.1-5, 3461-5.2-1)"},
    {"dsn-ignore-notify", MS_F_DSN_IGNORE_NOTIFY, FA_NONE, false, 0, 0,
     "a failed DSN even for NOTIFY=NEVER (3461-5.2.6-2)"},
    {"dsn-no-envid", MS_F_DSN_NO_ENVID, FA_NONE, false, 0, 0,
     "no Original-Envelope-ID field though ENVID was given\n"
     "                         (3461-6.3-1)"},
    {"dsn-envid-xtext", MS_F_DSN_ENVID_XTEXT, FA_NONE, false, 0, 0,
     "Original-Envelope-ID holds the ENVID still xtext-encoded\n"
     "                         (3461-6.3-3)"},
    {"dsn-no-orcpt", MS_F_DSN_NO_ORCPT, FA_NONE, false, 0, 0,
     "no Original-Recipient field though ORCPT was given\n"
     "                         (3461-6.3-9)"},
    {"dsn-orcpt-always", MS_F_DSN_ORCPT_ALWAYS, FA_NONE, false, 0, 0,
     "an Original-Recipient field without ORCPT (3461-6.3-10)"},
    {"dsn-no-reporting-mta", MS_F_DSN_NO_REPORTING_MTA, FA_NONE, false, 0, 0,
     "no Reporting-MTA field (3461-6.3-4)"},
    {"dsn-final-recipient-rewritten", MS_F_DSN_FINAL_REWRITTEN, FA_NONE, false,
     0, 0,
     "Final-Recipient names the local part at the server's own\n"
     "                         name, not the envelope address (3461-6.3-12)"},
    {"dsn-no-status", MS_F_DSN_NO_STATUS, FA_NONE, false, 0, 0,
     "no Action and Status fields (3461-6.3-14, 6.3-15)"},
    {"dsn-no-delivered", MS_F_DSN_NO_DELIVERED, FA_NONE, false, 0, 0,
     "no delivered DSN for NOTIFY=SUCCESS (3461-5.2.3-1)"},
    {"dsn-delivered-always", MS_F_DSN_DELIVERED_ALWAYS, FA_NONE, false, 0, 0,
     "a delivered DSN for every delivery from a local sender\n"
     "                         (3461-5.2.3-2, 5.2.3-3)"},
    {"dsn-ret-ignored", MS_F_DSN_RET_IGNORED, FA_NONE, false, 0, 0,
     "RET=FULL returns only the headers (3461-6.2-1)"},
    {"dsn-headers-mislabeled", MS_F_DSN_HEADERS_MISLABELED, FA_NONE, false, 0,
     0,
     "headers returned alone are labelled message/rfc822\n"
     "                         (3461-6.2-4)"},
    {"dsn-one-per-rcpt", MS_F_DSN_ONE_PER_RCPT, FA_NONE, false, 0, 0,
     "one notification per failed recipient (5321-4.4-28)"},
    {"dsn-list-all", MS_F_DSN_LIST_ALL, FA_NONE, false, 0, 0,
     "a notification lists the recipients without NOTIFY=FAILURE\n"
     "                         too (3461-5.2.8-1)"},
    {"dsn-source-route", MS_F_DSN_SOURCE_ROUTE, FA_NONE, false, 0, 0,
     "a notification goes to a source-routed reverse-path with its\n"
     "                         route, not to its final hop (5321-6.1-6)"},
    /* branch delivered: what a delivered message shows (issue 14 §3) */
    {"received-no-by", MS_F_RECEIVED_NO_BY, FA_NONE, false, 0, 0,
     "a Received: line without its BY clause"},
    {"received-zone-bare", MS_F_RECEIVED_ZONE_BARE, FA_NONE, false, 0, 0,
     "the Received: date ends in a zone name outside a comment\n"
     "                         (\"+0000 UTC\")"},
    {"no-received-auth", MS_F_NO_RECEIVED_AUTH, FA_NONE, false, 0, 0,
     "no Received: line on a message sent after AUTH"},
    {"rcpt-list-header", MS_F_RCPT_LIST_HEADER, FA_NONE, false, 0, 0,
     "add a field naming every RCPT address of the transaction"},
    {"source-route-followed", MS_F_SOURCE_ROUTE_FOLLOWED, FA_NONE, false, 0, 0,
     "relay a RCPT with a source route to its first hop (250)\n"
     "                         instead of delivering to its mailbox"},
    {"received-no-utf8smtp", MS_F_RECEIVED_NO_UTF8SMTP, FA_NONE, false, 0, 0,
     "WITH ESMTP (not UTF8SMTP) in the Received: line after SMTPUTF8"},
    {"received-utf8-always", MS_F_RECEIVED_UTF8_ALWAYS, FA_NONE, false, 0, 0,
     "a UTF-8 comment in the Received: line, with or without\n"
     "                         SMTPUTF8"},
    {"bdat-own-delivery", MS_F_BDAT_OWN_DELIVERY, FA_NONE, false, 0, 0,
     "BDAT LAST delivers on a path of its own: no Received: line,\n"
     "                         no submission checks"},
    {"bdat-rset-delivers", MS_F_BDAT_RSET_DELIVERS, FA_NONE, false, 0, 0,
     "RSET after a BDAT (before LAST) delivers the chunks so far"},
    {"binary-nul-dropped", MS_F_BINARY_NUL_DROPPED, FA_NONE, false, 0, 0,
     "drop the NUL octets of a BODY=BINARYMIME message at delivery"},
    {"to-deduced", MS_F_TO_DEDUCED, FA_NONE, false, 0, 0,
     "a To: field naming no address becomes \"To: <first recipient>\""},
    /* branch prove: one RFC 5321 MUST each (issue 13 §4) */
    {"rset-503-before-ehlo", MS_F_RSET_503_INIT, FA_NONE, false, 0, 0,
     "RSET before EHLO/HELO gets 503 (5321-4.1.1.5-2)"},
    {"rset-keeps-transaction", MS_F_RSET_KEEPS_TXN, FA_NONE, false, 0, 0,
     "RSET gets 250 but the transaction stays open (5321-4.1.1.5-1)"},
    {"rset-500-in-transaction", MS_F_RSET_TXN_500, FA_NONE, false, 0, 0,
     "RSET after MAIL gets 500, not 250 (5321-4.1.1.5-2)"},
    {"rset-arg-close", MS_F_RSET_ARG_CLOSE, FA_NONE, false, 0, 0,
     "RSET with an argument gets 501, then the connection closes\n"
     "                         (5321-4.1.1.5-3)"},
    {"noop-502", MS_F_NOOP_502, FA_NONE, false, 0, 0,
     "NOOP gets 502, not implemented (5321-4.5.1-7)"},
    {"helo-502", MS_F_HELO_502, FA_NONE, false, 0, 0,
     "HELO gets 502, not implemented (5321-F.3-2, 5321-4.5.1-2)"},
    {"quit-250", MS_F_QUIT_250, FA_NONE, false, 0, 0,
     "QUIT gets 250, not 221, then the close (5321-4.1.1.10-1)"},
    {"ehlo-again-503", MS_F_EHLO_AGAIN_503, FA_NONE, false, 0, 0,
     "a second EHLO gets 503, not 250/500/501/502/550 (5321-4.1.4-5)"},
    {"listed-502", MS_F_LISTED_502, FA_NONE, false, 0, 0,
     "EHLO lists VRFY, EXPN and HELP; each gets 502 (5321-4.2.4-3)"},
    {"nested-mail-250", MS_F_NESTED_MAIL_250, FA_NONE, false, 0, 0,
     "MAIL inside a transaction starts a new one, no 503 (5321-4.1.4-20)"},
    {"rcpt-without-mail-250", MS_F_RCPT_NO_MAIL_250, FA_NONE, false, 0, 0,
     "RCPT before MAIL gets 250, not 503 (5321-3.3-11)"},
    {"unknown-close", MS_F_UNKNOWN_CLOSE, FA_NONE, false, 0, 0,
     "an unknown command gets 500, then the connection closes\n"
     "                         (5321-3.8-2, 5321-4.1.1.10-3)"},
    {"vrfy-syntax-250", MS_F_VRFY_SYNTAX_250, FA_NONE, false, 0, 0,
     "VRFY of a mailbox that does not exist gets 250 (5321-3.5.3-2)"},
    {"bare-postmaster-550", MS_F_BARE_POSTMASTER, FA_NONE, false, 0, 0,
     "RCPT TO:<Postmaster> (no domain) gets 550 (5321-4.5.1-12)"},
    {"rcpt-limit-99", MS_F_RCPT_LIMIT_99, FA_NONE, false, 0, 0,
     "452 for the 100th recipient (5321-4.5.3.1.8-1)"},
    {"path-255", MS_F_PATH_255, FA_NONE, false, 0, 0,
     "a path of 256 octets gets 501, too long (5321-4.5.3.1.3-1)"},
    {"message-limit-60000", MS_F_MESSAGE_60000, FA_NONE, false, 0, 0,
     "552 for message content over 60000 octets (5321-4.5.3.1.7-1)"},
    {"second-message-451", MS_F_SECOND_451, FA_NONE, false, 0, 0,
     "the second message of a session is delivered, yet answered 451\n"
     "                         (5321-4.1.1.4-6)"},
    {"null-sender-501", MS_F_NULL_SENDER_501, FA_NONE, false, 0, 0,
     "MAIL FROM:<> gets 501, a syntax error (5321-4.1.2-6)"},
    {"auth-no-mechs", MS_F_AUTH_NO_MECHS, FA_NONE, false, 0, 0,
     "EHLO lists a bare AUTH, with no SASL mechanism (4954-3-2)"},
    /* branch lead3 */
    {"partial-failure-554", MS_F_PARTIAL_554, FA_NONE, false, 0, 0,
     "a message delivered to some recipients while others fail\n"
     "                         after the end of data gets 554, not an OK\n"
     "                         reply (5321-4.4-25)"},
    /* branch lists */
    {"list-keeps-sender", MS_F_LIST_KEEPS_SENDER, FA_NONE, false, 0, 0,
     "a mailing list's copies to its members keep the sender as their\n"
     "                         reverse-path, not the list's administrator\n"
     "                         (5321-3.9-2)"},
    {"list-rewrites-from", MS_F_LIST_REWRITES_FROM, FA_NONE, false, 0, 0,
     "a mailing list's copies get the list's address in From:\n"
     "                         (5321-3.9-3)"},
    /* branch relay: the relay route (srv_smtp_relay.c) */
    {"relay-no-bounce", MS_F_RELAY_NO_BOUNCE, FA_NONE, false, 0, 0,
     "no notification when the relay's next hop refuses a\n"
     "                         recipient (5321-3.6.3-1, 4.2.5-3, "
     "3461-5.2.2-8)"},
    {"relay-bounce-sender", MS_F_RELAY_BOUNCE_SENDER, FA_NONE, false, 0, 0,
     "the relay's notifications come from MAILER-DAEMON, not <>\n"
     "                         (5321-3.6.3-4)"},
    {"relay-bounce-to-null", MS_F_RELAY_BOUNCE_TO_NULL, FA_NONE, false, 0, 0,
     "a message from <> refused by the next hop is bounced to\n"
     "                         its From: (5321-3.6.3-3)"},
    {"relay-no-remote-mta", MS_F_RELAY_NO_REMOTE_MTA, FA_NONE, false, 0, 0,
     "the relay's DSNs have no Remote-MTA field\n"
     "                         (3461-6.3-17, 6.3-18)"},
    {"relay-diagnostic-not-smtp", MS_F_RELAY_DIAG_NOT_SMTP, FA_NONE, false, 0,
     0,
     "the relay's DSNs give the next hop's reply as\n"
     "                         \"Diagnostic-Code: x-relay; ...\" (3461-6.3-19, "
     "6.3-20)"},
    {"relay-edits-header", MS_F_RELAY_EDITS_HEADER, FA_NONE, false, 0, 0,
     "the relay adds Message-ID: and Date: to a message\n"
     "                         without them (5321-3.6.3-5, 6.4-4, 2.4-7)"},
    {"relay-no-received", MS_F_RELAY_NO_RECEIVED, FA_NONE, false, 0, 0,
     "the relay adds no Received: line (5321-D-3)"},
    {"relay-rewrites-sender", MS_F_RELAY_REWRITES_SENDER, FA_NONE, false, 0, 0,
     "the relay passes the message on from\n"
     "                         postmaster@HOST, not the reverse-path it got "
     "(5321-C-8)"},
    {"relay-notify-never-bounce", MS_F_RELAY_NEVER_BOUNCE, FA_NONE, false, 0, 0,
     "the relay sends a failed DSN for a refused recipient\n"
     "                         with NOTIFY=NEVER (3461-5.2.2-4)"},
    {"relay-no-relayed-dsn", MS_F_RELAY_NO_RELAYED, FA_NONE, false, 0, 0,
     "no \"relayed\" DSN for NOTIFY=SUCCESS when the next\n"
     "                         hop has no DSN (3461-5.2.2-2)"},
    {"relay-relayed-always", MS_F_RELAY_RELAYED_ALWAYS, FA_NONE, false, 0, 0,
     "a \"relayed\" DSN for recipients without NOTIFY too\n"
     "                         (3461-5.2.2-7)"},
    {"relay-diagnostic-rewritten", MS_F_RELAY_DIAG_REWRITTEN, FA_NONE, false, 0,
     0,
     "the relay's Diagnostic-Code is its own summary, not\n"
     "                         the next hop's reply (3461-9.2-1)"},
    /* branch lead3 */
    {"dsn-dns-unqualified", MS_F_DSN_DNS_UNQUALIFIED, FA_NONE, false, 0, 0,
     "a DSN's Reporting-MTA says \"dns\" with a hostname that is not\n"
     "                         fully qualified (3461-6.3-7)"},
    {"notify-by-send", MS_F_NOTIFY_BY_SEND, FA_NONE, false, 0, 0,
     "SMTP (rfc821 profile): the notification about a SEND, SOML\n"
     "                         or SAML message goes to the sender's terminal,\n"
     "                         not by MAIL to the mailbox (5321-4.4-29)"},
    /* branch dsn2 */
    {"dsn-list-no-delivered", MS_F_DSN_LIST_NO_DELIVERED, FA_NONE, false, 0, 0,
     "no \"delivered\" DSN for a mailing list's submission address\n"
     "                         under NOTIFY=SUCCESS (3461-5.2.7.1-1)"},
    {"submission-no-message-id", MS_F_SUBMIT_NO_MESSAGE_ID, FA_NONE, false, 0,
     0,
     "as a submission server, add no Message-ID: to a message that\n"
     "                         lacks one (6409-8.3-1)"},
    {"submission-no-date", MS_F_SUBMIT_NO_DATE, FA_NONE, false, 0, 0,
     "as a submission server, deliver a message without Date: as it\n"
     "                         is (6409-8-3)"},
    {"submission-sender-local", MS_F_SUBMIT_SENDER_LOCAL, FA_NONE, false, 0, 0,
     "as a submission server, add a Sender: that holds only the\n"
     "                         sender's local part (6409-8.1-2)"},
    {"submission-header-unqualified", MS_F_SUBMIT_HEADER_UNQUALIFIED, FA_NONE,
     false, 0, 0,
     "as a submission server, deliver a header address in a\n"
     "                         single-level domain as is (6409-4.2-2)"},
    {"submission-envelope-unqualified", MS_F_SUBMIT_ENVELOPE_UNQUALIFIED,
     FA_NONE, false, 0, 0,
     "as a submission server, take MAIL FROM in a single-level domain\n"
     "                         and deliver it as is (6409-4.2-1)"},
    {"list-drops-originator", MS_F_LIST_DROPS_ORIGINATOR, FA_NONE, false, 0, 0,
     "a mailing list's copies leave out the member who sent the\n"
     "                         message (5321-3.9-4)"},
    {"alias-not-expanded", MS_F_ALIAS_NOT_EXPANDED, FA_NONE, false, 0, 0,
     "mail to an alias (a user with a forward address) is kept for\n"
     "                         the alias, not its forward address "
     "(5321-3.9-1)"},
    {"dsn-alias-twice", MS_F_DSN_ALIAS_TWICE, FA_NONE, false, 0, 0,
     "an alias with one forwarding address issues a DSN of its own\n"
     "                         under NOTIFY=SUCCESS (3461-5.2.7.2-1)"},
    {"autoreply-null-sender", MS_F_AUTOREPLY_NULL_SENDER, FA_NONE, false, 0, 0,
     "an automatic responder (a world user with autoreply) answers a\n"
     "                         message with a null reverse-path, to its From:\n"
     "                         address (5321-4.5.5-2)"},
    {"dsn-null-no-postmaster", MS_F_DSN_NULL_NO_POSTMASTER, FA_NONE, false, 0,
     0,
     "a delivery failure of a message from <> is reported to nobody,\n"
     "                         not even the postmaster (3461-5.2-2)"},
    /* branch ext3: RFC 3463 and RFC 6531 on delivery */
    {"dsn-delivered-status-200", MS_F_DSN_DELIVERED_STATUS_200, FA_NONE, false,
     0, 0,
     "a \"delivered\" DSN says Status: 2.0.0, not X.1.5\n"
     "                         (3463-3.2-4)"},
    {"dsn-utf8-plain", MS_F_DSN_UTF8_PLAIN, FA_NONE, false, 0, 0,
     "the DSN about an SMTPUTF8 message is in RFC 3464's form\n"
     "                         (message/delivery-status, Final-Recipient:\n"
     "                         rfc822), not RFC 6533's (6531-3.2-13)"},
    {"received-a-label", MS_F_RECEIVED_A_LABEL, FA_NONE, false, 0, 0,
     "the Received: line of an SMTPUTF8 message names an\n"
     "                         internationalized EHLO domain by its A-labels\n"
     "                         (xn--...), not its U-labels (6531-3.7.3-2)"},
    /* branch relay2: the relay route, delivery-side (srv_smtp_relay.c) */
    {"relay-name-in-sender", MS_F_RELAY_NAME_IN_SENDER, FA_NONE, false, 0, 0,
     "the relay passes the reverse-path on with its own name\n"
     "                         copied in, <box%domain@relay> (5321-4.1.1.3-5)"},
    {"relay-drops-return-path", MS_F_RELAY_DROPS_RETURN_PATH, FA_NONE, false, 0,
     0,
     "the relay inspects the data and silently drops a message\n"
     "                         with a Return-Path: field (5321-4.4-18)"},
    {"empty-data-notice", MS_F_EMPTY_DATA_NOTICE, FA_NONE, false, 0, 0,
     "DATA with no valid recipient gets 354 (as data-354-no-rcpt),\n"
     "                         and an empty message after it a \"failed\"\n"
     "                         notice to the sender (2920-3.2-4)"},
    {"binary-cte-no-dsn", MS_F_BINARY_CTE_NO_DSN, FA_NONE, false, 0, 0,
     "a message labelled Content-Transfer-Encoding: binary\n"
     "                         without BODY=BINARYMIME is delivered as any\n"
     "                         other, not returned with a DSN (3030-3-21)"},
    /* branch wire2 */
    {"submission-header-address-taken", MS_F_SUBMIT_HEADER_ADDRESS_TAKEN,
     FA_NONE, false, 0, 0,
     "as a submission server, take and deliver a message with\n"
     "                         illegal address syntax in an address header\n"
     "                         field (6409-5.1-2)"},
    {"size-limit-unadvertised", MS_F_SIZE_LIMIT_UNADVERTISED, FA_NONE, false, 0,
     0,
     "EHLO leaves SIZE out and SIZE= gets 555, yet a message over\n"
     "                         the size limit still gets 552\n"
     "                         (5321-4.5.3.1.7-2)"},
    {"submission-incomplete-domain-taken", MS_F_SUBMIT_INCOMPLETE_TAKEN,
     FA_NONE, false, 0, 0,
     "as a submission server whose short_domains permit 'sales',\n"
     "                         take 'squeaky.sales' (envelope and header) as\n"
     "                         complete (6409-4.2-4)"},
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
