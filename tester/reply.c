/* reply: the incremental reply reader (see mailspec/reply.h).
 *
 * Bytes go in in chunks of any size; each octet is looked at once (no
 * rescans), so feeding byte by byte costs the same as feeding at once.
 * Memory is bounded by the limits: one line buffer of max_line bytes
 * plus at most max_lines stored lines per reply. */
#include "mailspec/reply.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

/* RFC 5321 §4.5.3.1.5 / RFC 1939 §3: 512 octets including CRLF. */
#define REPLY_TEXT_MAX (MS_SMTP_REPLY_LINE_MAX - 2)
/* POP3 multi-line content is message text (RETR/TOP), whose lines may be
 * 998 octets plus CRLF (RFC 5322 §2.1.1), not a 512-octet response. */
#define REPLY_BODY_TEXT_MAX 998

enum reply_state { REPLY_READING, REPLY_DONE, REPLY_ERROR };

struct ms_reader {
  enum ms_protocol proto;
  struct ms_reply_limits lim;
  enum reply_state state;
  bool multi;      /* POP3: this reply is multi-line if +OK */
  bool next_multi; /* set while a finished reply waits for take() */
  bool started;    /* some octets of this reply were consumed */
  bool in_body;    /* POP3: status read, reading content lines */
  /* the line being read */
  char *line;     /* grows to at most max_line + 1 bytes */
  size_t linecap; /* bytes allocated for LINE */
  size_t len;     /* bytes kept in LINE */
  size_t octets;  /* octets of the line seen, without a held CR */
  bool held_cr;   /* last octet was CR: CRLF or bare CR, not known yet */
  unsigned line_v;
  /* the reply being built */
  struct ms_reply cur;
  size_t cap;
  int cont_code;    /* SMTP: code of the first continuation line */
  bool cont_varies; /* SMTP: continuation codes differ among themselves */
};

static const struct {
  unsigned bit;
  const char *text;
} reply_texts[] = {
    {MS_V_BARE_LF, "a reply line ended in a bare LF instead of CRLF "
                   "(RFC 5321 §2.3.8, RFC 1939 §3)"},
    {MS_V_BARE_CR, "a reply line contains a CR that is not followed by LF "
                   "(RFC 5321 §2.3.8)"},
    {MS_V_CODE_MISMATCH, "the lines of a multi-line reply do not all carry "
                         "the same reply code (RFC 5321 §4.2.1)"},
    {MS_V_BAD_CODE, "a reply line does not start with a valid reply code: "
                    "three digits 2-5xx for SMTP (RFC 5321 §4.2), +OK or "
                    "-ERR for POP3 (RFC 1939 §3)"},
    {MS_V_LONG_LINE, "a reply line is longer than 512 octets including "
                     "CRLF (RFC 5321 §4.5.3.1.5, RFC 1939 §3; 1000 for "
                     "POP3 message lines, RFC 5322 §2.1.1)"},
    {MS_V_NUL, "a reply line contains a NUL octet (RFC 5321 §4.2, "
               "RFC 5322 §2.1)"},
    {MS_V_BAD_SEP, "the reply code is followed by neither SP, '-' nor the "
                   "end of the line (RFC 5321 §4.2, RFC 1939 §3)"},
    {MS_V_TRUNCATED, "the connection closed in the middle of a reply "
                     "(RFC 5321 §4.2, RFC 1939 §3)"},
    {MS_V_TOO_BIG, "the reply exceeded the reader's size limits (too many "
                   "lines or octets); reading stopped"},
    {MS_V_8BIT, "a reply line contains octets above 127; replies are "
                "US-ASCII (RFC 5321 §2.4, §4.2)"},
    {MS_V_TRAILING, "the server sent bytes after the final reply line "
                    "although no pipelining was in use (RFC 5321 §4.2, "
                    "RFC 2920 §3)"},
    {MS_V_EARLY_CLOSE, "the server closed the connection before the "
                       "dialogue ended (RFC 5321 §3.8, RFC 1939 §6)"},
    {MS_V_BAD_UTF8, "a reply that RFC 6531 §3.7.4 lets carry UTF-8 is not "
                    "valid UTF-8 (RFC 6531 §1.1, RFC 3629)"},
};

const char *ms_violation_text(unsigned bit) {
  for (size_t i = 0; i < sizeof reply_texts / sizeof reply_texts[0]; i++)
    if (reply_texts[i].bit == bit)
      return reply_texts[i].text;
  return "unknown reply violation";
}

void ms_reply_free(struct ms_reply *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->nlines; i++)
    free(r->lines[i]);
  free(r->lines);
  free(r->lens);
  *r = (struct ms_reply){0};
}

/* Control octets would vanish or garble a report: show them escaped. */
static void reply_join_line(struct ms_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\r') {
      ms_buf_add(b, "\\r", 2);
    } else if (c == '\0') {
      ms_buf_add(b, "\\0", 2);
    } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
      char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
      ms_buf_add(b, e, sizeof e);
    } else {
      ms_buf_add(b, s + i, 1);
    }
  }
}

char *ms_reply_join(const struct ms_reply *r) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  for (size_t i = 0; r && i < r->nlines; i++) {
    if (i)
      ms_buf_add(&b, "\n", 1);
    reply_join_line(&b, r->lines[i], r->lens[i]);
  }
  return ms_buf_steal(&b, NULL);
}

struct ms_reader *ms_reader_new(enum ms_protocol proto,
                                const struct ms_reply_limits *limits) {
  static const struct ms_reply_limits defaults = MS_REPLY_LIMITS_DEFAULT;
  struct ms_reader *r = xcalloc(1, sizeof *r);
  r->proto = proto;
  r->lim = limits ? *limits : defaults;
  if (r->lim.max_line == 0)
    r->lim.max_line = defaults.max_line;
  if (r->lim.max_lines == 0)
    r->lim.max_lines = defaults.max_lines;
  if (r->lim.max_bytes == 0)
    r->lim.max_bytes = defaults.max_bytes;
  /* Small at first: a session held open costs what its lines need, not
   * the longest line it could get (issue 17: thousands at once). */
  r->linecap = r->lim.max_line + 1 < 256 ? r->lim.max_line + 1 : 256;
  r->line = xmalloc(r->linecap);
  return r;
}

void ms_reader_free(struct ms_reader *r) {
  if (!r)
    return;
  ms_reply_free(&r->cur);
  free(r->line);
  free(r);
}

void ms_reader_expect_multiline(struct ms_reader *r, bool multi) {
  if (r->state == REPLY_READING)
    r->multi = multi;
  else
    r->next_multi = multi; /* for the reply after the one not yet taken */
}

/* Keep at most max_line bytes of a line; the rest is counted, not kept. */
static void reply_keep(struct ms_reader *r, const char *p, size_t n) {
  size_t room = r->lim.max_line - r->len;
  if (n > room)
    n = room;
  if (r->len + n + 1 > r->linecap) {
    while (r->len + n + 1 > r->linecap)
      r->linecap *= 2;
    if (r->linecap > r->lim.max_line + 1)
      r->linecap = r->lim.max_line + 1;
    r->line = xrealloc(r->line, r->linecap);
  }
  memcpy(r->line + r->len, p, n);
  r->len += n;
}

/* Flag NUL, CR and 8-bit octets of P[0..N) (N >= 1, no LF inside). */
static void reply_scan(struct ms_reader *r, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = p[i];
    if (c >= 0x20 && c < 0x80)
      continue;
    if (c == '\r')
      r->line_v |= MS_V_BARE_CR; /* a CR followed by a non-LF octet */
    else if (c == '\0')
      r->line_v |= MS_V_NUL;
    else if (c >= 0x80)
      r->line_v |= MS_V_8BIT;
  }
}

/* Octets of a line, up to (not including) its LF. */
static void reply_line_add(struct ms_reader *r, const char *p, size_t n) {
  if (n == 0)
    return;
  if (r->held_cr) { /* the CR was not followed by LF */
    r->held_cr = false;
    r->line_v |= MS_V_BARE_CR;
    reply_keep(r, "\r", 1);
    r->octets++;
  }
  if (p[n - 1] == '\r') { /* CRLF or bare CR: the next octet tells */
    r->held_cr = true;
    n--;
  }
  reply_scan(r, (const unsigned char *)p, n);
  reply_keep(r, p, n);
  r->octets += n;
}

static void reply_line_reset(struct ms_reader *r) {
  r->len = 0;
  r->octets = 0;
  r->held_cr = false;
  r->line_v = 0;
}

/* Store the current line (from OFF) in the reply; false when the line
 * limit is reached (TOO_BIG). */
static bool reply_store(struct ms_reader *r, size_t off) {
  struct ms_reply *c = &r->cur;
  if (c->nlines >= r->lim.max_lines) {
    c->violations |= MS_V_TOO_BIG;
    return false;
  }
  if (c->nlines == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 4;
    c->lines = xrealloc(c->lines, r->cap * sizeof *c->lines);
    c->lens = xrealloc(c->lens, r->cap * sizeof *c->lens);
  }
  c->lines[c->nlines] = xmemdup(r->line + off, r->len - off);
  c->lens[c->nlines] = r->len - off;
  c->nlines++;
  return true;
}

static bool reply_digit(char c) {
  return c >= '0' && c <= '9';
}

/* RFC 5321 §4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF )
 * Reply-code [ SP textstring ] CRLF, code %x32-35 %x30-35 %x30-39.  A line
 * that is no reply line at all ends the reply, so a hostile server cannot
 * keep the reader waiting for a final line that never comes. */
static int reply_smtp_code(const char *s, size_t n, unsigned *v, bool *final) {
  *final = true;
  if (n < 3 || !reply_digit(s[0]) || !reply_digit(s[1]) || !reply_digit(s[2])) {
    *v |= MS_V_BAD_CODE;
    return 0;
  }
  int code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
  if (s[0] < '2' || s[0] > '5' || s[1] > '5')
    *v |= MS_V_BAD_CODE; /* kept as a best effort */
  if (n > 3 && s[3] == '-')
    *final = false;
  else if (n > 3 && s[3] != ' ')
    *v |= MS_V_BAD_SEP;
  return code;
}

static enum reply_state reply_smtp_line(struct ms_reader *r) {
  struct ms_reply *c = &r->cur;
  bool final;
  int code = reply_smtp_code(r->line, r->len, &c->violations, &final);
  if (!reply_store(r, 0))
    return REPLY_ERROR;
  if (!final) {
    if (r->cont_code == 0)
      r->cont_code = code;
    else if (code != r->cont_code)
      r->cont_varies = true;
    return REPLY_READING;
  }
  /* §4.2.1: every line of a multi-line reply carries the same code. */
  if (r->cont_varies || (r->cont_code && code && code != r->cont_code))
    c->violations |= MS_V_CODE_MISMATCH;
  c->code = code;
  c->multiline = c->nlines > 1;
  return REPLY_DONE;
}

/* Does S[0..N) start with the indicator IND followed by SP or the end? */
static int reply_pop3_ind(const char *s, size_t n, const char *ind,
                          unsigned *v) {
  size_t k = strlen(ind);
  if (n < k)
    return 0;
  if (memcmp(s, ind, k) != 0) {
    for (size_t i = 0; i < k; i++)
      if ((s[i] | 0x20) != (ind[i] | 0x20))
        return 0;
    *v |= MS_V_BAD_CODE; /* "+ok": the indicators are upper case */
  }
  if (n > k && s[k] != ' ')
    *v |= MS_V_BAD_SEP;
  return 1;
}

/* RFC 1939 §3 status indicators; RFC 5034 §4 "+" SP continuation. */
static int reply_pop3_status(const char *s, size_t n, unsigned *v) {
  unsigned w = 0;
  if (reply_pop3_ind(s, n, "+OK", &w)) {
    *v |= w;
    return MS_POP3_OK;
  }
  w = 0;
  if (reply_pop3_ind(s, n, "-ERR", &w)) {
    *v |= w;
    return MS_POP3_ERR;
  }
  if (n >= 1 && s[0] == '+' && (n == 1 || s[1] == ' '))
    return MS_POP3_CONT;
  *v |= MS_V_BAD_CODE;
  return 0;
}

static enum reply_state reply_pop3_line(struct ms_reader *r) {
  struct ms_reply *c = &r->cur;
  if (!r->in_body) {
    c->code = reply_pop3_status(r->line, r->len, &c->violations);
    if (!reply_store(r, 0))
      return REPLY_ERROR;
    if (c->code != MS_POP3_OK || !r->multi)
      return REPLY_DONE;
    r->in_body = true;
    c->multiline = true;
    return REPLY_READING;
  }
  /* RFC 1939 §3: "." alone ends it; a leading "." is byte-stuffed. */
  if (r->octets == 1 && r->line[0] == '.')
    return REPLY_DONE;
  size_t off = r->len > 0 && r->line[0] == '.' ? 1 : 0;
  return reply_store(r, off) ? REPLY_READING : REPLY_ERROR;
}

/* The first line's code: SMTP's, without the "final" flag. */
static int reply_smtp_first(const char *s, size_t n, unsigned *v) {
  bool final;
  return reply_smtp_code(s, n, v, &final);
}

/* Each protocol's reply syntax: how a line is read (RFC 5321 §4.2.1,
 * RFC 1939 §3), and where the code of a reply cut short is. */
struct reply_syntax {
  enum reply_state (*line)(struct ms_reader *r);
  int (*first_code)(const char *s, size_t n, unsigned *v);
};

static const struct reply_syntax *reply_syntax(const struct ms_reader *r) {
  static const struct reply_syntax syn[MS_PROTO_COUNT] = {
      [MS_PROTO_SMTP] = {reply_smtp_line, reply_smtp_first},
      [MS_PROTO_POP3] = {reply_pop3_line, reply_pop3_status},
  };
  return &syn[(unsigned)r->proto < MS_PROTO_COUNT ? r->proto : 0];
}

/* A complete line (or the partial last one at EOF).  Only POP3 content
 * is ever IN_BODY. */
static enum reply_state reply_line_done(struct ms_reader *r) {
  bool body = r->in_body;
  size_t max = body ? REPLY_BODY_TEXT_MAX : REPLY_TEXT_MAX;
  if (r->octets > max)
    r->line_v |= MS_V_LONG_LINE;
  if (body)
    r->line_v &= ~(unsigned)MS_V_8BIT; /* message text may be 8BITMIME */
  r->cur.violations |= r->line_v;
  enum reply_state st = reply_syntax(r)->line(r);
  reply_line_reset(r);
  return st;
}

/* The LF of a line arrived. */
static enum reply_state reply_lf(struct ms_reader *r) {
  if (r->held_cr)
    r->held_cr = false;
  else
    r->line_v |= MS_V_BARE_LF;
  return reply_line_done(r);
}

/* The code of a reply cut at a limit: what the lines read so far carry
 * (a flood of "220-" lines is still a 220 reply; the verdict must not
 * claim there was no code at all). */
static int reply_cut_code(struct ms_reader *r) {
  struct ms_reply *c = &r->cur;
  if (c->code != 0 || c->nlines == 0)
    return c->code;
  if (r->cont_code != 0) /* SMTP's "220-" lines */
    return r->cont_code;
  unsigned v = 0;
  return reply_syntax(r)->first_code(c->lines[0], c->lens[0], &v);
}

/* Reading stopped at a size limit: keep the partial line (its first
 * max_line octets) when there is room for it, and the code. */
static void reply_cut(struct ms_reader *r) {
  struct ms_reply *c = &r->cur;
  c->violations |= MS_V_TOO_BIG;
  if ((r->len > 0 || r->octets > 0) && c->nlines < r->lim.max_lines) {
    bool body = r->in_body;
    size_t max = body ? REPLY_BODY_TEXT_MAX : REPLY_TEXT_MAX;
    if (r->octets > max)
      r->line_v |= MS_V_LONG_LINE;
    c->violations |= r->line_v;
    (void)reply_store(r, body && r->len > 0 && r->line[0] == '.' ? 1 : 0);
  }
  reply_line_reset(r);
  c->code = reply_cut_code(r);
  if (ms_proto_ops(r->proto)->code_each_line)
    c->multiline = c->nlines > 1;
}

static enum ms_read_status reply_status(const struct ms_reader *r) {
  switch (r->state) {
  case REPLY_READING:
    return MS_READ_MORE;
  case REPLY_DONE:
    return MS_READ_DONE;
  case REPLY_ERROR:
    return MS_READ_ERROR;
  }
  return MS_READ_ERROR;
}

enum ms_read_status ms_reader_feed(struct ms_reader *r, const char *buf,
                                   size_t len, size_t *used) {
  size_t i = 0;
  while (r->state == REPLY_READING && i < len) {
    size_t room = r->lim.max_bytes - r->cur.wire_bytes;
    if (room == 0) { /* hard cap: a flood is a finding */
      r->state = REPLY_ERROR;
      break;
    }
    size_t n = len - i < room ? len - i : room;
    const char *p = buf + i;
    const char *lf = memchr(p, '\n', n);
    size_t seg = lf ? (size_t)(lf - p) : n;
    reply_line_add(r, p, seg);
    r->started = true;
    i += seg + (lf ? 1 : 0);
    r->cur.wire_bytes += seg + (lf ? 1 : 0);
    if (lf)
      r->state = reply_lf(r);
  }
  if (r->state == REPLY_ERROR)
    reply_cut(r);
  *used = i;
  return reply_status(r);
}

enum ms_read_status ms_reader_eof(struct ms_reader *r) {
  if (r->state != REPLY_READING || !r->started)
    return reply_status(r);
  r->cur.violations |= MS_V_TRUNCATED;
  if (r->octets > 0 || r->held_cr) {
    r->held_cr = false; /* a CR just before EOF: its LF never came */
    if (reply_line_done(r) == REPLY_ERROR) {
      r->state = REPLY_ERROR;
      reply_cut(r);
      return reply_status(r);
    }
  }
  /* No final line: the last line read gives the code (best effort). */
  struct ms_reply *c = &r->cur;
  if (ms_proto_ops(r->proto)->code_each_line && c->nlines > 0 && c->code == 0) {
    bool final;
    unsigned v = 0;
    c->code = reply_smtp_code(c->lines[c->nlines - 1], c->lens[c->nlines - 1],
                              &v, &final);
    c->multiline = c->nlines > 1;
  }
  r->state = REPLY_DONE;
  return reply_status(r);
}

void ms_reader_take(struct ms_reader *r, struct ms_reply *out) {
  *out = r->cur;
  r->cur = (struct ms_reply){0};
  r->cap = 0;
  r->state = REPLY_READING;
  r->multi = r->next_multi;
  r->next_multi = false;
  r->started = false;
  r->in_body = false;
  r->cont_code = 0;
  r->cont_varies = false;
  reply_line_reset(r);
}

bool ms_reader_pending(const struct ms_reader *r) {
  return r->started && r->state == REPLY_READING;
}

size_t ms_reader_drop(struct ms_reader *r, bool *mid_line) {
  *mid_line =
      r->state == REPLY_READING && (r->len > 0 || r->octets > 0 || r->held_cr);
  size_t n = r->cur.nlines;
  struct ms_reply gone;
  ms_reader_take(r, &gone);
  ms_reply_free(&gone);
  return n;
}
