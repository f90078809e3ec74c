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
