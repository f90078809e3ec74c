/* proto: the facts every protocol has, read through its table of
 * operations (proto_smtp.c, proto_pop3.c): reply patterns (SMTP reply
 * codes, POP3 status indicators) and their recognition at the start of a
 * transcript line, SASL and secret-bearing lines, first lines.  Pure. */
#include "mailspec/proto.h"
#include "mailspec/transcript.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* One SMTP alternative: 3 chars, digits or 'x' (RFC 5321 §4.2: the
 * first digit alone is the class, so "2xx" is meaningful). */
static bool proto_smtp_alt(const char *s, size_t n) {
  if (n != 3)
    return false;
  for (size_t i = 0; i < 3; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || s[i] == 'x' || s[i] == 'X'))
      return false;
  return s[0] != 'x' && s[0] != 'X' ? s[0] >= '1' && s[0] <= '5' : true;
}

/* One POP3 alternative: RFC 1939 §3 status indicators, RFC 5034 "+". */
static bool proto_pop3_alt(const char *s, size_t n) {
  return (n == 3 && memcmp(s, "+OK", 3) == 0) ||
         (n == 4 && memcmp(s, "-ERR", 4) == 0) || (n == 1 && s[0] == '+');
}

static bool proto_alt(enum ms_protocol proto, const char *s, size_t n) {
  return proto == MS_PROTO_POP3 ? proto_pop3_alt(s, n) : proto_smtp_alt(s, n);
}

int ms_pattern_parse(struct ms_pattern *p, enum ms_protocol proto,
                     const char *text, char *err, size_t errlen) {
  memset(p, 0, sizeof *p);
  const char *s = text;
  for (;;) {
    size_t n = strcspn(s, "|");
    if (!proto_alt(proto, s, n)) {
      snprintf(err, errlen,
               proto == MS_PROTO_POP3
                   ? "bad POP3 reply pattern \"%s\": use +OK, -ERR or + "
                     "(alternatives separated by |, e.g. +OK|-ERR)"
                   : "bad SMTP reply pattern \"%s\": use a 3-digit code "
                     "(250), a class with x (2xx, 25x) or alternatives "
                     "separated by | (250|251)",
               text);
      return -1;
    }
    if (p->n == MS_PAT_MAX) {
      snprintf(err, errlen,
               "reply pattern \"%s\" has more than %d alternatives", text,
               MS_PAT_MAX);
      return -1;
    }
    memcpy(p->alt[p->n], s, n);
    p->alt[p->n][n] = '\0';
    for (size_t i = 0; i < n; i++)
      if (p->alt[p->n][i] == 'X')
        p->alt[p->n][i] = 'x';
    p->n++;
    if (s[n] == '\0')
      return 0;
    s += n + 1;
  }
}

static bool proto_alt_match(const char *alt, int code) {
  if (alt[0] == '+' || alt[0] == '-') {
    if (strcmp(alt, "+OK") == 0)
      return code == MS_POP3_OK;
    if (strcmp(alt, "-ERR") == 0)
      return code == MS_POP3_ERR;
    return code == MS_POP3_CONT;
  }
  if (code < 100 || code > 999)
    return false;
  char digits[4];
  snprintf(digits, sizeof digits, "%03d", code);
  for (int i = 0; i < 3; i++)
    if (alt[i] != 'x' && alt[i] != digits[i])
      return false;
  return true;
}

bool ms_pattern_match(const struct ms_pattern *p, int code) {
  for (int i = 0; i < p->n && i < MS_PAT_MAX; i++)
    if (proto_alt_match(p->alt[i], code))
      return true;
  return false;
}

void ms_pattern_format(const struct ms_pattern *p, char *buf, size_t len) {
  if (len == 0)
    return;
  buf[0] = '\0';
  size_t used = 0;
  for (int i = 0; i < p->n && i < MS_PAT_MAX; i++) {
    int w = snprintf(buf + used, len - used, "%s%s", i ? "|" : "", p->alt[i]);
    if (w < 0 || (size_t)w >= len - used)
      return;
    used += (size_t)w;
  }
}

/* Length of a pattern (alternatives joined by '|') at the start of LINE
 * for PROTO, or 0. */
static size_t proto_pattern_len(enum ms_protocol proto, const char *line) {
  size_t total = 0;
  for (;;) {
    const char *s = line + total;
    size_t n = 0;
    if (proto == MS_PROTO_POP3) {
      if (strncmp(s, "+OK", 3) == 0)
        n = 3;
      else if (strncmp(s, "-ERR", 4) == 0)
        n = 4;
      else if (s[0] == '+')
        n = 1;
    } else if (proto_smtp_alt(s, strnlen(s, 3))) {
      n = 3;
    }
    if (n == 0)
      return 0;
    total += n;
    if (line[total] != '|')
      return total;
    total++;
  }
}

bool ms_proto_reply_prefix(enum ms_protocol proto, const char *line,
                           size_t *patlen, bool *cont) {
  size_t n = proto_pattern_len(proto, line);
  if (n == 0)
    return false;
  char next = line[n];
  bool dash = proto == MS_PROTO_SMTP && next == '-';
  if (next != '\0' && next != ' ' && next != '\t' && !dash)
    return false;
  if (patlen)
    *patlen = n;
  if (cont)
    *cont = dash;
  return true;
}

/* ---- the tables of operations ------------------------------------------ */

const struct ms_proto_ops *ms_proto_ops(enum ms_protocol proto) {
  static const struct ms_proto_ops *const ops[MS_PROTO_COUNT] = {
      [MS_PROTO_SMTP] = &ms_smtp_ops, [MS_PROTO_POP3] = &ms_pop3_ops};
  return (unsigned)proto < MS_PROTO_COUNT ? ops[proto] : &ms_smtp_ops;
}

const struct ms_proto_ops *ms_proto_ops_by_key(const char *key) {
  for (int p = 0; p < MS_PROTO_COUNT; p++)
    if (strcasecmp(key, ms_proto_ops((enum ms_protocol)p)->key) == 0)
      return ms_proto_ops((enum ms_protocol)p);
  return NULL;
}

/* ---- credentials and SASL ------------------------------------------------ */

bool ms_proto_sasl_continues(enum ms_protocol proto, int code) {
  return code == ms_proto_ops(proto)->sasl_cont;
}

bool ms_proto_secret_verb(const char *line) {
  static const char *const verbs[] = {"PASS ", "APOP ", "AUTH "};
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    if (strncasecmp(line, verbs[i], strlen(verbs[i])) == 0)
      return true;
  return false;
}

static bool proto_word(const char *line, size_t n, int w, bool rest,
                       size_t *off, size_t *len);

/* Is the verb of LINE (up to a blank or the end) VERB, any case? */
static bool proto_verb(const char *line, size_t n, const char *verb) {
  size_t k = strlen(verb);
  return n >= k && strncasecmp(line, verb, k) == 0 &&
         (n == k || line[k] == ' ');
}

bool ms_proto_sasl_command(const char *line) {
  size_t n = strlen(line), off, len;
  return proto_verb(line, n, "AUTH") &&
         proto_word(line, n, 2, false, &off, &len); /* a mechanism named */
}

bool ms_proto_sasl_empty(const char *line, size_t n) {
  return n == 0 || (n == 1 && (line[0] == '*' || line[0] == '='));
}

/* Word W (1-based) of LINE[0..N): *OFF, *LEN; to the end when REST. */
static bool proto_word(const char *line, size_t n, int w, bool rest,
                       size_t *off, size_t *len) {
  size_t i = 0;
  for (int k = 1; i < n; k++) {
    while (i < n && line[i] == ' ')
      i++;
    size_t s = i;
    while (i < n && line[i] != ' ')
      i++;
    if (k == w && i > s) {
      *off = s;
      *len = (rest ? n : i) - s;
      return true;
    }
  }
  return false;
}

bool ms_proto_command_secret(const char *line, size_t n, size_t *off,
                             size_t *len) {
  bool found = false;
  if (proto_verb(line, n, "PASS")) /* RFC 1939 §7: PASS string */
    found = proto_word(line, n, 2, true, off, len);
  else if (proto_verb(line, n, "APOP") || proto_verb(line, n, "AUTH"))
    found = proto_word(line, n, 3, false, off, len);
  /* "AUTH PLAIN =" sends an empty initial response: nothing secret */
  return found && !ms_proto_sasl_empty(line + *off, *len);
}

/* ---- first lines ----------------------------------------------------------
 */

bool ms_smtp_reply_line(const char *line) {
  return line[0] >= '2' && line[0] <= '5' && isdigit((unsigned char)line[1]) &&
         isdigit((unsigned char)line[2]) &&
         (line[3] == ' ' || line[3] == '-' || line[3] == '\0');
}

bool ms_smtp_greeting_line(const char *line) {
  return ms_smtp_reply_line(line) && line[3] != '\0' &&
         (strncmp(line, "220", 3) == 0 || strncmp(line, "554", 3) == 0 ||
          strncmp(line, "421", 3) == 0);
}

bool ms_pop3_status_line(const char *line) {
  return (strncmp(line, "+OK", 3) == 0 &&
          (line[3] == ' ' || line[3] == '\0')) ||
         (strncmp(line, "-ERR", 4) == 0 && (line[4] == ' ' || line[4] == '\0'));
}
