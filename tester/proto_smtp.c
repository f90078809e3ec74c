/* proto_smtp: SMTP protocol knowledge, in one place: the commands of
 * RFC 821 §4.1 and RFC 5321 §4.1 plus the extension commands, the
 * meaning of reply codes (RFC 5321 §4.2.2, §4.2.3, RFC 821 §4.2.1), and
 * the EHLO keyword list (RFC 5321 §4.1.1.1).  Pure: no I/O. */
#include "mailspec/proto.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailspec/reply.h"
#include "util.h"

static const struct ms_proto_command smtp_commands[] = {
    /* RFC 821 §4.1.1 and §4.1.2; kept by RFC 5321 §4.1.1 */
    {"HELO", "HELO <SP> <domain>", "RFC 821 §4.1.1, RFC 5321 §4.1.1.1",
     "identify the client to the server (basic SMTP)", false},
    {"MAIL", "MAIL FROM:<reverse-path> [SP <mail-parameters>]",
     "RFC 821 §4.1.1, RFC 5321 §4.1.1.2",
     "start a mail transaction, giving the reverse-path", false},
    {"RCPT", "RCPT TO:<forward-path> [SP <rcpt-parameters>]",
     "RFC 821 §4.1.1, RFC 5321 §4.1.1.3", "name one recipient of the mail",
     false},
    {"DATA", "DATA", "RFC 821 §4.1.1, RFC 5321 §4.1.1.4",
     "send the mail data, ended by <CRLF>.<CRLF>", false},
    {"RSET", "RSET", "RFC 821 §4.1.1, RFC 5321 §4.1.1.5",
     "abort the current mail transaction", false},
    {"SEND", "SEND FROM:<reverse-path>", "RFC 821 §4.1.1",
     "deliver to a terminal instead of a mailbox (RFC 5321 App. F.6: "
     "deprecated)",
     true},
    {"SOML", "SOML FROM:<reverse-path>", "RFC 821 §4.1.1",
     "send to a terminal or else mail (RFC 5321 App. F.6: deprecated)", true},
    {"SAML", "SAML FROM:<reverse-path>", "RFC 821 §4.1.1",
     "send to a terminal and mail (RFC 5321 App. F.6: deprecated)", true},
    {"VRFY", "VRFY <SP> <string>", "RFC 821 §4.1.1, RFC 5321 §4.1.1.6",
     "verify that a user or mailbox exists", false},
    {"EXPN", "EXPN <SP> <string>", "RFC 821 §4.1.1, RFC 5321 §4.1.1.7",
     "expand a mailing list", false},
    {"HELP", "HELP [<SP> <string>]", "RFC 821 §4.1.1, RFC 5321 §4.1.1.8",
     "ask for helpful information", false},
    {"NOOP", "NOOP [<SP> <string>]", "RFC 821 §4.1.1, RFC 5321 §4.1.1.9",
     "do nothing but get a 250 OK", false},
    {"QUIT", "QUIT", "RFC 821 §4.1.1, RFC 5321 §4.1.1.10",
     "close the session (221 then close)", false},
    {"TURN", "TURN", "RFC 821 §4.1.1",
     "swap client and server roles (RFC 5321 App. F.1: obsolete, answer "
     "502)",
     true},
    /* RFC 5321 and registered service extensions */
    {"EHLO", "EHLO <SP> <domain>", "RFC 5321 §4.1.1.1 (RFC 1869)",
     "identify the client and ask for the service extensions", false},
    {"STARTTLS", "STARTTLS", "RFC 3207 §4", "switch the connection to TLS",
     false},
    {"AUTH", "AUTH <SP> mechanism [<SP> initial-response]", "RFC 4954 §4",
     "authenticate with a SASL mechanism", false},
    {"BDAT", "BDAT <SP> chunk-size [<SP> LAST]", "RFC 3030 §2",
     "send a chunk of mail data of a given size (CHUNKING)", false},
    {"ETRN", "ETRN <SP> [@|#]node", "RFC 1985 §5",
     "ask the server to start its queue for a domain", false},
    {"ATRN", "ATRN [<SP> domain[,domain]...]", "RFC 2645 §4",
     "authenticated TURN for on-demand mail relay", false},
    {"BURL", "BURL <SP> absolute-URI [<SP> LAST]", "RFC 4468 §3",
     "add message data fetched from an IMAP URL", false},
    {"LHLO", "LHLO <SP> <domain>", "RFC 2033 §4.1",
     "LMTP's EHLO (local mail transfer)", false},
};

const struct ms_proto_command *ms_smtp_commands(size_t *n) {
  *n = sizeof smtp_commands / sizeof smtp_commands[0];
  return smtp_commands;
}

/* Length of the verb of LINE: up to SP or the end (RFC 5321 §4.1.1:
 * "MAIL FROM:" has its verb before the space). */
static size_t smtp_verb_len(const char *line) {
  size_t n = 0;
  while (line[n] && line[n] != ' ')
    n++;
  return n;
}

const struct ms_proto_command *ms_smtp_command_info(const char *line) {
  size_t n = smtp_verb_len(line);
  for (size_t i = 0; i < sizeof smtp_commands / sizeof smtp_commands[0]; i++) {
    const char *v = smtp_commands[i].verb;
    if (strlen(v) == n && strncasecmp(line, v, n) == 0)
      return &smtp_commands[i];
  }
  return NULL;
}

bool ms_smtp_known_command(const char *line) {
  return ms_smtp_command_info(line) != NULL;
}

/* Only trailing blanks may follow an argument-less command. */
static bool smtp_blank_rest(const char *s) {
  while (*s == ' ' || *s == '\t')
    s++;
  return *s == '\0';
}

bool ms_smtp_is_data(const char *line) {
  return strncasecmp(line, "DATA", 4) == 0 && smtp_blank_rest(line + 4);
}

/* RFC 3030 §2: bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ] CR LF,
 * chunk-size = 1*DIGIT, end-marker = "LAST". */
bool ms_smtp_is_bdat(const char *line, size_t *len, bool *last) {
  *len = 0;
  *last = false;
  if (strncasecmp(line, "BDAT ", 5) != 0)
    return false;
  const char *p = line + 5;
  if (!isdigit((unsigned char)*p))
    return false;
  size_t v = 0;
  for (; isdigit((unsigned char)*p); p++) {
    size_t d = (size_t)(*p - '0');
    if (v > (SIZE_MAX - d) / 10)
      return false; /* a size no client could send */
    v = v * 10 + d;
  }
  if (*p == ' ' && strncasecmp(p + 1, "LAST", 4) == 0 &&
      smtp_blank_rest(p + 5)) {
    *last = true;
  } else if (!smtp_blank_rest(p)) {
    return false;
  }
  *len = v;
  return true;
}

/* RFC 5321 §4.3.2: the success replies of each command. */
static const struct {
  const char *verb;
  int codes[4];
} smtp_success[] = {
    {"HELO", {250}},           {"EHLO", {250}},
    {"MAIL", {250}},           {"RCPT", {250, 251, 252}},
    {"DATA", {354}},           {"RSET", {250}},
    {"VRFY", {250, 251, 252}}, {"EXPN", {250, 252}},
    {"HELP", {211, 214}},      {"NOOP", {250}},
    {"QUIT", {221}},           {"AUTH", {235, 334}}, /* RFC 4954 §4 */
    {"STARTTLS", {220}},                             /* RFC 3207 §4 */
    {"BDAT", {250}},                                 /* RFC 3030 §2 */
};

bool ms_smtp_reply_fits(const char *line, int code) {
  if (code >= 400 && code <= 599)
    return true;
  size_t n = smtp_verb_len(line);
  for (size_t i = 0; i < sizeof smtp_success / sizeof smtp_success[0]; i++) {
    const char *v = smtp_success[i].verb;
    if (strlen(v) != n || strncasecmp(line, v, n) != 0)
      continue;
    for (size_t k = 0; k < 4 && smtp_success[i].codes[k]; k++)
      if (smtp_success[i].codes[k] == code)
        return true;
    return false;
  }
  return code >= 200 && code <= 399;
}

/* RFC 5321 §4.2.2 (numeric order), RFC 821 §4.2.1, and the codes the
 * registered extensions add. */
static const struct {
  int code;
  const char *text;
} smtp_codes[] = {
    {211, "System status, or system help reply"},
    {214, "Help message"},
    {220, "Service ready"},
    {221, "Service closing transmission channel"},
    {235, "Authentication succeeded (RFC 4954)"},
    {250, "Requested mail action okay, completed"},
    {251, "User not local; will forward to <forward-path>"},
    {252, "Cannot VRFY user, but will accept message and attempt delivery"},
    {334, "Server challenge: continue the authentication (RFC 4954)"},
    {354, "Start mail input; end with <CRLF>.<CRLF>"},
    {421, "Service not available, closing transmission channel"},
    {432, "A password transition is needed (RFC 4954)"},
    {450, "Requested mail action not taken: mailbox unavailable"},
    {451, "Requested action aborted: local error in processing"},
    {452, "Requested action not taken: insufficient system storage"},
    {454, "Temporary authentication failure (RFC 4954) or TLS not "
          "available (RFC 3207)"},
    {455, "Server unable to accommodate parameters"},
    {500, "Syntax error, command unrecognized"},
    {501, "Syntax error in parameters or arguments"},
    {502, "Command not implemented"},
    {503, "Bad sequence of commands"},
    {504, "Command parameter not implemented"},
    {521, "Host does not accept mail (RFC 7504)"},
    {530, "Authentication required (RFC 4954)"},
    {534, "Authentication mechanism is too weak (RFC 4954)"},
    {535, "Authentication credentials invalid (RFC 4954)"},
    {538, "Encryption required for the requested authentication mechanism "
          "(RFC 4954)"},
    {550, "Requested action not taken: mailbox unavailable"},
    {551, "User not local; please try <forward-path>"},
    {552, "Requested mail action aborted: exceeded storage allocation"},
    {553, "Requested action not taken: mailbox name not allowed"},
    {554, "Transaction failed (on connection: no SMTP service here)"},
    {555, "MAIL FROM/RCPT TO parameters not recognized or not implemented"},
    {556, "Domain does not accept mail (RFC 7504)"},
};

/* RFC 5321 §4.2.1: first digit = outcome, second digit = category. */
#define SMTP_CLASS(c)                                                          \
  {                                                                            \
    c " (syntax)", c " (information)", c " (connections)", c " (unspecified)", \
        c " (unspecified)", c " (mail system)"                                 \
  }
static const char *const smtp_classes[4][6] = {
    SMTP_CLASS("Positive completion"),
    SMTP_CLASS("Positive intermediate"),
    SMTP_CLASS("Transient negative completion"),
    SMTP_CLASS("Permanent negative completion"),
};

const char *ms_smtp_code_text(int code) {
  for (size_t i = 0; i < sizeof smtp_codes / sizeof smtp_codes[0]; i++)
    if (smtp_codes[i].code == code)
      return smtp_codes[i].text;
  int first = code / 100, second = code / 10 % 10;
  if (code < 200 || code > 599 || second > 5)
    return "Not a valid SMTP reply code";
  return smtp_classes[first - 2][second];
}

/* Copy the first word of S[0..N) upper-cased (an EHLO keyword, RFC 5321
 * §4.1.1.1: ehlo-line = ehlo-keyword *( SP ehlo-param )). */
static char *smtp_first_word(const char *s, size_t n) {
  size_t k = 0;
  while (k < n && s[k] != ' ')
    k++;
  char *w = xmemdup(s, k);
  for (size_t i = 0; i < k; i++)
    w[i] = (char)toupper((unsigned char)w[i]);
  return w;
}

size_t ms_smtp_ehlo_keywords(const struct ms_reply *r, char ***out) {
  *out = NULL;
  if (!r || r->code != 250 || r->nlines < 2)
    return 0;
  char **v = xcalloc(r->nlines + 1, sizeof *v); /* NULL-terminated */
  size_t n = 0;
  for (size_t i = 1; i < r->nlines; i++) {
    if (r->lens[i] <= 4)
      continue; /* "250-" with no keyword */
    v[n++] = smtp_first_word(r->lines[i] + 4, r->lens[i] - 4);
  }
  *out = v;
  return n;
}

/* CAP's word W[0..WL) against the parameter P[0..PL): equal ignoring
 * case, or W is ">N" and P a decimal number greater than N ("SIZE >0":
 * RFC 1870 §4, a fixed maximum message size is advertised). */
static bool smtp_param_match(const char *w, size_t wl, const char *p,
                             size_t pl) {
  if (wl < 2 || w[0] != '>')
    return pl == wl && strncasecmp(p, w, wl) == 0;
  /* Compare as digit strings: a 20-digit SIZE does not fit a long. */
  while (wl > 2 && w[1] == '0')
    w++, wl--;
  while (pl > 1 && p[0] == '0')
    p++, pl--;
  for (size_t i = 0; i < pl; i++)
    if (p[i] < '0' || p[i] > '9')
      return false;
  for (size_t i = 1; i < wl; i++)
    if (w[i] < '0' || w[i] > '9')
      return false;
  if (pl == 0 || pl != wl - 1)
    return pl > wl - 1;
  return memcmp(p, w + 1, pl) > 0;
}

bool ms_smtp_keyword_match(const char *s, size_t n, const char *cap) {
  size_t ck = smtp_verb_len(cap), k = 0;
  while (k < n && s[k] != ' ')
    k++;
  if (k != ck || strncasecmp(s, cap, k) != 0)
    return false;
  for (const char *p = cap + ck; *p;) {
    while (*p == ' ')
      p++;
    size_t pl = smtp_verb_len(p);
    if (pl == 0)
      break;
    bool found = false;
    for (size_t i = k; i < n && !found;) {
      while (i < n && s[i] == ' ')
        i++;
      size_t j = i;
      while (j < n && s[j] != ' ')
        j++;
      found = j > i && smtp_param_match(p, pl, s + i, j - i);
      i = j;
    }
    if (!found)
      return false;
    p += pl;
  }
  return true;
}

bool ms_smtp_has_capability(const struct ms_reply *ehlo, const char *cap) {
  if (!ehlo || ehlo->code != 250)
    return false;
  for (size_t i = 1; i < ehlo->nlines; i++)
    if (ehlo->lens[i] > 4 &&
        ms_smtp_keyword_match(ehlo->lines[i] + 4, ehlo->lens[i] - 4, cap))
      return true;
  return false;
}

/* ---- the table of operations ------------------------------------------- */

/* RFC 5321 §4.2.1: the first digit is the class. */
static unsigned smtp_reply_class(int code) {
  if (code < 100 || code > 599)
    return MS_RC_NONE;
  return code / 100 == 2   ? MS_RC_POS
         : code / 100 == 3 ? MS_RC_INTER
                           : MS_RC_NEG;
}

/* "2xx", "250": by the first digit; "xxx" accepts every class. */
static unsigned smtp_pattern_class(const char *a) {
  return a[0] == 'x'   ? (MS_RC_POS | MS_RC_INTER | MS_RC_NEG)
         : a[0] == '2' ? MS_RC_POS
         : a[0] == '3' ? MS_RC_INTER
                       : MS_RC_NEG;
}

static const char *smtp_code_pattern(int code, char *buf, size_t len) {
  if (code < 100 || code > 599)
    return "";
  snprintf(buf, len, "%03d", code);
  return buf;
}

/* SMTP replies say themselves whether they go on ("250-"). */
static bool smtp_multiline(const char *line) {
  (void)line;
  return false;
}

/* A first line shaped as a reply: a code of class 1-5, then " ", "-" or
 * the end (RFC 5321 §4.2). */
static bool smtp_speaks(const char *g) {
  return strlen(g) >= 3 && g[0] >= '1' && g[0] <= '5' && g[1] >= '0' &&
         g[1] <= '9' && g[2] >= '0' && g[2] <= '9' &&
         (g[3] == ' ' || g[3] == '-' || g[3] == '\0');
}

/* What an unexpected final AUTH reply means (RFC 4954 §4, §6). */
static const char *smtp_auth_code_text(int code) {
  static const struct {
    int code;
    const char *what;
  } meanings[] = {
      {535, "the credentials were rejected (RFC 4954 §6)"},
      {534, "the mechanism is too weak for this server (RFC 4954 §6)"},
      {538, "this mechanism needs an encrypted connection first (RFC 4954 "
            "§6)"},
      {530, "authentication is required first (RFC 4954 §6)"},
      {454, "temporary authentication failure (RFC 4954 §6)"},
      {504, "the mechanism is not supported (RFC 4954 §4)"},
      {503, "AUTH is not allowed now: already authenticated or inside a "
            "mail transaction (RFC 4954 §4)"},
      {501, "the exchange was cancelled or a response could not be decoded "
            "(RFC 4954 §4)"},
      {235, "authentication succeeded (RFC 4954 §6)"},
  };
  for (size_t i = 0; i < sizeof meanings / sizeof meanings[0]; i++)
    if (meanings[i].code == code)
      return meanings[i].what;
  return NULL;
}

static const char *const smtp_default_suites[] = {"rfc5321", "esmtp", NULL};

const struct ms_proto_ops ms_smtp_ops = {
    .proto = MS_PROTO_SMTP,
    .name = "SMTP",
    .a_name = "an SMTP",
    .key = "smtp",
    .core_rfc = "rfc5321",
    .scheme = "smtp",
    .tls_scheme = "smtps",
    .port = "25",
    .tls_port = "465",
    .serve_listen = "127.0.0.1:2525",
    .idle_s = 300.0,
    .capa_verb = "EHLO",
    .capa_domain = true,
    .starttls = "STARTTLS",
    .auth = "AUTH",
    .ready_pat = "220",
    .sasl_cont = 334,
    .sasl_cont_pat = "334",
    .auth_ok = 235,
    .auth_cancel = 501,
    .auth_ok_pat = "235",
    .auth_cancel_pat = "501",
    .alts_example = "250|251",
    .default_suites = smtp_default_suites,
    .code_each_line = true,
    .raw_after_inter = true,
    .rfc821 = true,
    .utf8_replies = true,
    .long_line_should = true,
    .reply_class = smtp_reply_class,
    .pattern_class = smtp_pattern_class,
    .code_pattern = smtp_code_pattern,
    .multiline = smtp_multiline,
    .is_data = ms_smtp_is_data,
    .is_bdat = ms_smtp_is_bdat,
    .known_command = ms_smtp_known_command,
    .command_info = ms_smtp_command_info,
    .commands = ms_smtp_commands,
    .has_capability = ms_smtp_has_capability,
    .speaks = smtp_speaks,
    .auth_code_text = smtp_auth_code_text,
};
