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
      char known[1024];
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
