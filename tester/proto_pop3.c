/* proto_pop3: POP3 protocol knowledge, in one place: the commands of
 * RFC 1939 and its extensions, which responses are multi-line, and the
 * CAPA list (RFC 2449).  Pure: no I/O. */
#include "mailspec/proto.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailspec/reply.h"
#include "util.h"

static const struct ms_proto_command pop3_commands[] = {
    {"USER", "USER name", "RFC 1939 §7",
     "name the mailbox (AUTHORIZATION state)", false},
    {"PASS", "PASS string", "RFC 1939 §7", "give the password after USER",
     false},
    {"APOP", "APOP name digest", "RFC 1939 §7",
     "authenticate with an MD5 digest of the greeting's timestamp", false},
    {"STAT", "STAT", "RFC 1939 §5",
     "number of messages and size of the maildrop", false},
    {"LIST", "LIST [msg]", "RFC 1939 §5",
     "scan listing of one message, or of all (multi-line)", false},
    {"RETR", "RETR msg", "RFC 1939 §5", "retrieve a message (multi-line)",
     false},
    {"DELE", "DELE msg", "RFC 1939 §5", "mark a message as deleted", false},
    {"NOOP", "NOOP", "RFC 1939 §5", "do nothing but reply +OK", false},
    {"RSET", "RSET", "RFC 1939 §5", "unmark all deleted messages", false},
    {"QUIT", "QUIT", "RFC 1939 §4, §6",
     "end the session; in TRANSACTION state, enter UPDATE", false},
    {"TOP", "TOP msg n", "RFC 1939 §7",
     "headers and the first N body lines of a message (multi-line)", false},
    {"UIDL", "UIDL [msg]", "RFC 1939 §7",
     "unique-id listing of one message, or of all (multi-line)", false},
    {"CAPA", "CAPA", "RFC 2449 §5",
     "list the server's capabilities (multi-line)", false},
    {"STLS", "STLS", "RFC 2595 §4", "switch the connection to TLS", false},
    {"AUTH", "AUTH mechanism [initial-response]", "RFC 5034 §4",
     "authenticate with a SASL mechanism", false},
    {"UTF8", "UTF8", "RFC 6856 §2", "enable UTF-8 mode", false},
    {"LANG", "LANG [lang-range]", "RFC 6856 §3",
     "choose the response language, or list them (multi-line)", false},
};

const struct ms_proto_command *ms_pop3_commands(size_t *n) {
  *n = sizeof pop3_commands / sizeof pop3_commands[0];
  return pop3_commands;
}

/* Length of the keyword of LINE: up to SP or the end (RFC 1939 §3). */
static size_t pop3_verb_len(const char *line) {
  size_t n = 0;
  while (line[n] && line[n] != ' ')
    n++;
  return n;
}

/* Is the verb of LINE VERB (case-insensitive)?  *ARGS is set to whether
 * anything but blanks follows it. */
static bool pop3_verb_is(const char *line, const char *verb, bool *args) {
  size_t n = pop3_verb_len(line);
  if (n != strlen(verb) || strncasecmp(line, verb, n) != 0)
    return false;
  const char *p = line + n;
  while (*p == ' ' || *p == '\t')
    p++;
  *args = *p != '\0';
  return true;
}

const struct ms_proto_command *ms_pop3_command_info(const char *line) {
  bool args;
  for (size_t i = 0; i < sizeof pop3_commands / sizeof pop3_commands[0]; i++)
    if (pop3_verb_is(line, pop3_commands[i].verb, &args))
      return &pop3_commands[i];
  return NULL;
}

bool ms_pop3_known_command(const char *line) {
  return ms_pop3_command_info(line) != NULL;
}

/* RFC 1939 §5 (LIST, RETR), §7 (TOP, UIDL), RFC 2449 §5 (CAPA), RFC 6856
 * §3 (LANG): multi-line when +OK.  AUTH continuations ("+ ") are single
 * lines (RFC 5034 §4). */
bool ms_pop3_multiline(const char *line) {
  bool args;
  if (pop3_verb_is(line, "RETR", &args) || pop3_verb_is(line, "TOP", &args) ||
      pop3_verb_is(line, "CAPA", &args))
    return true;
  if (pop3_verb_is(line, "LIST", &args) || pop3_verb_is(line, "UIDL", &args) ||
      pop3_verb_is(line, "LANG", &args))
    return !args;
  return false;
}

/* A CAPA reply: +OK in multi-line form; content lines from index 1. */
static bool pop3_is_capa(const struct ms_reply *r) {
  return r && r->code == MS_POP3_OK && r->multiline;
}

size_t ms_pop3_capa_tags(const struct ms_reply *r, char ***out) {
  *out = NULL;
  if (!pop3_is_capa(r))
    return 0;
  char **v = xcalloc(r->nlines + 1, sizeof *v); /* NULL-terminated */
  size_t n = 0;
  for (size_t i = 1; i < r->nlines; i++) {
    const char *s = r->lines[i];
    size_t k = 0;
    while (k < r->lens[i] && s[k] != ' ')
      k++;
    if (k == 0)
      continue;
    char *w = xmemdup(s, k);
    for (size_t j = 0; j < k; j++)
      w[j] = (char)toupper((unsigned char)w[j]);
    v[n++] = w;
  }
  *out = v;
  return n;
}

/* RFC 2449 §6: capability = tag *(SP param), the shape of an EHLO line,
 * so the SMTP matcher serves. */
bool ms_pop3_has_capability(const struct ms_reply *capa, const char *cap) {
  if (!pop3_is_capa(capa))
    return false;
  for (size_t i = 1; i < capa->nlines; i++)
    if (ms_smtp_keyword_match(capa->lines[i], capa->lens[i], cap))
      return true;
  return false;
}

/* ---- the table of operations ------------------------------------------- */

/* RFC 1939 §3 status indicators, RFC 5034 §4 continuation. */
static unsigned pop3_reply_class(int code) {
  return code == MS_POP3_OK     ? MS_RC_POS
         : code == MS_POP3_CONT ? MS_RC_INTER
         : code == MS_POP3_ERR  ? MS_RC_NEG
                                : MS_RC_NONE;
}

static unsigned pop3_pattern_class(const char *a) {
  return strcmp(a, "+OK") == 0 ? MS_RC_POS
         : strcmp(a, "+") == 0 ? MS_RC_INTER
                               : MS_RC_NEG;
}

static const char *pop3_code_pattern(int code, char *buf, size_t len) {
  (void)buf;
  (void)len;
  return code == MS_POP3_OK     ? "+OK"
         : code == MS_POP3_ERR  ? "-ERR"
         : code == MS_POP3_CONT ? "+"
                                : "";
}

static bool pop3_speaks(const char *g) {
  return strncmp(g, "+OK", 3) == 0;
}

/* rfc1939 last: its last transcript (update-deletes) empties the
 * maildrop that pop3-capa's transcripts read. */
static const char *const pop3_default_suites[] = {"pop3-capa", "rfc1939", NULL};

const struct ms_proto_ops ms_pop3_ops = {
    .proto = MS_PROTO_POP3,
    .name = "POP3",
    .a_name = "a POP3",
    .key = "pop3",
    .core_rfc = "rfc1939",
    .scheme = "pop3",
    .tls_scheme = "pop3s",
    .port = "110",
    .tls_port = "995",
    .serve_listen = "127.0.0.1:2110",
    .idle_s = 600.0,
    .capa_verb = "CAPA",
    .capa_domain = false,
    .starttls = "STLS",
    .auth = "AUTH",
    .ready_pat = "+OK",
    .sasl_cont = MS_POP3_CONT,
    .sasl_cont_pat = "+",
    .auth_ok = MS_POP3_OK,
    .auth_cancel = MS_POP3_ERR,
    .auth_ok_pat = "+OK",
    .auth_cancel_pat = "-ERR",
    .alts_example = "+OK|-ERR",
    .default_suites = pop3_default_suites,
    .code_each_line = false,
    .raw_after_inter = false,
    .rfc821 = false,
    .utf8_replies = false,
    .long_line_should = false,
    .reply_class = pop3_reply_class,
    .pattern_class = pop3_pattern_class,
    .code_pattern = pop3_code_pattern,
    .multiline = ms_pop3_multiline,
    .is_data = NULL,
    .is_bdat = NULL,
    .known_command = ms_pop3_known_command,
    .command_info = ms_pop3_command_info,
    .commands = ms_pop3_commands,
    .has_capability = ms_pop3_has_capability,
    .speaks = pop3_speaks,
    .auth_code_text = NULL,
};
