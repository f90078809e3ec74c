/* script: role lines to steps (see script.h).
 *
 * Layout rules for pasted RFC text (RFC 821 Appendix F, RFC 1939 §10):
 * leading whitespace is layout, blank lines separate exchanges, an
 * indented line without a role continues the line above: a wrapped
 * command ("S: RCPT" / "    TO:<...>", Scenario 7) or, in mail data, a
 * folded header line of its own (RFC 822 §3.1.1, Scenario 3). */
#include "script.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "transcript_message.h"
#include "util.h"

void ms_roles_note(struct ms_roles *r, char letter, int line, int col) {
  int i = letter == 'S' ? 0 : letter == 'R' ? 1 : 2;
  unsigned bit = 1u << i;
  if (!(r->bits & bit)) {
    r->bits |= bit;
    r->line[i] = line;
    r->col[i] = col;
  }
}

void ms_script_init(struct ms_script *s, const char *file,
                    enum ms_protocol proto, enum ms_convention conv,
                    struct ms_diags *d) {
  memset(s, 0, sizeof *s);
  s->file = file;
  s->proto = proto;
  s->conv = conv;
  s->d = d;
}

static void script_step_clear(struct ms_step *st) {
  free(st->text);
  free(st->octets);
  free(st->fill);
  for (size_t i = 0; i < st->nlines; i++)
    free(st->lines[i]);
  free(st->lines);
  free(st->text_re);
  free(st->not_re);
  free(st->each_re);
  free(st->at_most);
  free(st->at_least);
  free(st->skip_why);
  free(st->meta);
  free(st->user);
  free(st->pass);
  free(st->authzid);
  free(st->timestamp);
  ms_msgcheck_free(st->msg);
}

void ms_script_steps_free(struct ms_step *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    script_step_clear(&v[i]);
  free(v);
}

bool ms_script_is_meta(const char *text, size_t len) {
  return len >= 3 && text[0] == '<' && text[len - 1] == '>' &&
         memchr(text, ' ', len) && !memchr(text, '@', len) &&
         !memchr(text + 1, '<', len - 2) && !memchr(text + 1, '>', len - 2);
}

/* The client and server role letters of the convention, for messages. */
static const char *script_client_role(const struct ms_script *s) {
  return s->conv == MS_CONV_RFC821 ? "S:" : "C:";
}

static const char *script_server_role(const struct ms_script *s) {
  return s->conv == MS_CONV_RFC821 ? "R:" : "S:";
}

char ms_script_side(struct ms_script *s, char letter, int line, int col) {
  if (s->conv == MS_CONV_RFC821) {
    if (letter == 'S')
      return 'c';
    if (letter == 'R')
      return 's';
    ms_diags_add(s->d, false, s->file, line, col,
                 "C: is not a role in the rfc821 convention (S: client, R: "
                 "server): write S: for the client, or set convention: "
                 "rfc5321");
    return 0;
  }
  if (letter == 'C')
    return 'c';
  if (letter == 'S')
    return 's';
  ms_diags_add(s->d, false, s->file, line, col,
               "R: is not a role in the rfc5321 convention (C: client, S: "
               "server): write S: for the server, or set convention: rfc821");
  return 0;
}

/* Close an open reply: what is still open here is unfinished. */
static void script_close(struct ms_script *s) {
  if (s->smtp_open && s->n > 0) {
    struct ms_step *st = &s->v[s->n - 1];
    ms_diags_add(s->d, false, s->file, st->line, st->col,
                 "multi-line reply has no final line: every line but the last "
                 "is \"ddd-text\", the last is \"ddd text\" (a space after "
                 "the code)");
  }
  if (s->pop3_body && s->n > 0) {
    struct ms_step *st = &s->v[s->n - 1];
    ms_diags_add(s->d, false, s->file, st->line, st->col,
                 "multi-line POP3 reply is not terminated: its content lines "
                 "end with a line \"%s .\" (RFC 1939 §3)",
                 script_server_role(s));
  }
  s->smtp_open = s->pop3_body = s->pop3_status = false;
}

/* Does P only accept positive replies (2xx, +OK)? */
static bool script_positive(enum ms_protocol proto,
                            const struct ms_pattern *p) {
  if (p->n == 0)
    return false;
  for (int i = 0; i < p->n; i++)
    if (ms_proto_ops(proto)->pattern_class(p->alt[i]) != MS_RC_POS)
      return false;
  return true;
}

static struct ms_step *
script_append(struct ms_script *s, enum ms_step_kind kind, int line, int col) {
  xgrow((void **)&s->v, &s->cap, s->n, sizeof s->v[0]);
  struct ms_step *st = &s->v[s->n++];
  memset(st, 0, sizeof *st);
  st->kind = kind;
  st->line = line;
  st->col = col;
  return st;
}

/* RFC 3207 §4 / RFC 2595 §4: after a positive reply to STARTTLS (STLS)
 * the client starts the handshake; the dialogue goes on inside TLS. */
static void script_tls_due(struct ms_script *s) {
  if (!s->tls_due)
    return;
  s->tls_due = false;
  const struct ms_step *r = s->tls_at < s->n ? &s->v[s->tls_at] : NULL;
  if (r && r->kind == MS_STEP_EXPECT && script_positive(s->proto, &r->pat))
    script_append(s, MS_STEP_TLS, r->line, r->col);
}

struct ms_step *ms_script_tls(struct ms_script *s, int line, int col) {
  s->tls_due = false; /* this handshake is the one STARTTLS announced */
  return ms_script_add(s, MS_STEP_TLS, line, col);
}

struct ms_step *ms_script_add(struct ms_script *s, enum ms_step_kind kind,
                              int line, int col) {
  script_close(s);
  script_tls_due(s);
  if (kind == MS_STEP_EXPECT && s->starttls_cmd) {
    s->tls_due = true;
    s->tls_at = s->n;
  }
  if (kind != MS_STEP_META)
    s->starttls_cmd = false;
  xgrow((void **)&s->v, &s->cap, s->n, sizeof s->v[0]);
  struct ms_step *st = &s->v[s->n++];
  memset(st, 0, sizeof *st);
  st->kind = kind;
  st->line = line;
  st->col = col;
  s->prev = MS_SCRIPT_PREV_OTHER;
  return st;
}

static void script_add_line(struct ms_step *st, const char *text, size_t len) {
  st->lines = xrealloc(st->lines, (st->nlines + 1) * sizeof st->lines[0]);
  st->lines[st->nlines++] = xmemdup(text, len);
}

void ms_script_end_data(struct ms_script *s) {
  s->data = s->data_354 = false;
}

void ms_script_reply_start(struct ms_script *s, int line, int col) {
  if (s->data && s->data_354)
    ms_diags_add(s->d, true, s->file, line, col,
                 "the mail data after the 354 reply on line %d is not ended "
                 "by a line \"%s .\" before this reply: the server will wait "
                 "for it",
                 s->data_line, script_client_role(s));
  ms_script_end_data(s);
}

void ms_script_expected(struct ms_script *s, const struct ms_pattern *p,
                        int line) {
  const struct ms_proto_ops *ops = ms_proto_ops(s->proto);
  if (!ops->raw_after_inter || p->n == 0)
    return;
  bool inter = false, d354 = false;
  for (int i = 0; i < p->n; i++) {
    inter = inter || ops->pattern_class(p->alt[i]) == MS_RC_INTER;
    d354 = d354 || strcmp(p->alt[i], "354") == 0;
  }
  if (!inter)
    return;
  /* RFC 5321 §4.1.1.4: after 354 the client sends mail data up to the
   * line "."; other 3xx (334, RFC 4954) also take a raw client line.
   * With alternatives ("354|554") the lines are data too: when a refusal
   * comes instead, the engine sends none of them (issue 12). */
  s->data = true;
  s->data_354 = d354;
  s->data_line = line;
}

/* Is TEXT the STARTTLS (SMTP, RFC 3207) or STLS (POP3, RFC 2595)
 * command, alone on its line? */
static bool script_is_starttls(enum ms_protocol proto, const char *text,
                               size_t len) {
  const char *verb = ms_proto_ops(proto)->starttls;
  size_t n = strlen(verb);
  while (len > n && (text[len - 1] == ' ' || text[len - 1] == '\t'))
    len--;
  return len == n && strncasecmp(text, verb, n) == 0;
}

static void script_push_send(struct ms_script *s, enum ms_send_kind kind,
                             const char *text, size_t len, int line, int col) {
  struct ms_step *st = ms_script_add(s, MS_STEP_SEND, line, col);
  st->send = kind;
  st->text = xmemdup(text, len);
  st->len = len;
  s->starttls_cmd =
      kind == MS_SEND_LINE && script_is_starttls(s->proto, text, len);
}

void ms_script_send(struct ms_script *s, const char *text, size_t len, int line,
                    int col) {
  if (!s->data) {
    script_push_send(s, MS_SEND_LINE, text, len, line, col);
    s->prev = MS_SCRIPT_PREV_CMD;
    return;
  }
  script_push_send(s, MS_SEND_DATA_LINE, text, len, line, col);
  s->prev = MS_SCRIPT_PREV_DATA;
  if (len == 1 && text[0] == '.') {
    ms_script_end_data(s);
    s->prev = MS_SCRIPT_PREV_OTHER;
  }
}

/* "<gap: ...>", as tester/traffic/transcript_write.c writes a capture gap. */
static bool script_is_gap(const char *text, size_t len) {
  return len > 6 && memcmp(text, "<gap:", 5) == 0 && text[len - 1] == '>' &&
         !memchr(text + 1, '<', len - 2) && !memchr(text + 1, '>', len - 2);
}

/* A meta line; "<gap: ...>", an importer's note that capture bytes are
 * missing, is a step of its own (the engine cannot replay past it). */
static void script_meta(struct ms_script *s, const char *text, size_t len,
                        int line, int col) {
  enum ms_step_kind k = script_is_gap(text, len) ? MS_STEP_GAP : MS_STEP_META;
  struct ms_step *st = ms_script_add(s, k, line, col);
  st->meta = xmemdup(text + 1, len - 2);
}

void ms_script_client(struct ms_script *s, const char *text, size_t len,
                      int line, int col) {
  static const char eod[] = "<CRLF>.<CRLF>";
  if (len == sizeof eod - 1 && memcmp(text, eod, len) == 0) {
    /* RFC 821 §3.1 Example 1 writes the end of data symbolically. */
    if (!s->data) {
      script_close(s);
      ms_diags_add(s->d, false, s->file, line, col,
                   "%s <CRLF>.<CRLF> ends mail data, but no 354 reply is "
                   "expected before it",
                   script_client_role(s));
      s->prev = MS_SCRIPT_PREV_OTHER;
      return;
    }
    ms_script_send(s, ".", 1, line, col);
    return;
  }
  if (script_is_gap(text, len)) {
    /* It ends mail data as the writer's data mode ends there
     * (transcript_write.c). */
    ms_script_end_data(s);
    script_meta(s, text, len, line, col);
    return;
  }
  /* Mail data is verbatim (RFC 5321 §4.1.1.4): "<p class=x>" is data. */
  if (!s->data && ms_script_is_meta(text, len)) {
    script_meta(s, text, len, line, col);
    return;
  }
  if (len == 0 && !s->data)
    ms_diags_add(s->d, true, s->file, line, col,
                 "empty command line: %s alone sends a bare CRLF (it is "
                 "meant for an empty line of mail data)",
                 script_client_role(s));
  ms_script_send(s, text, len, line, col);
}

static void script_expect_new(struct ms_script *s, const struct ms_pattern *p,
                              const char *text, size_t len, int line, int col) {
  struct ms_step *st = ms_script_add(s, MS_STEP_EXPECT, line, col);
  st->pat = *p;
  script_add_line(st, text, len);
  s->prev = MS_SCRIPT_PREV_SERVER;
}

/* The pattern at the start of reply line TEXT (PLEN bytes, found by
 * ms_proto_reply_prefix) into *P; -1 after a diagnostic. */
static int script_line_pattern(struct ms_script *s, const char *text,
                               size_t plen, bool alts, int line, int col,
                               struct ms_pattern *p) {
  char pat[64], err[256];
  if (plen >= sizeof pat || (!alts && memchr(text, '|', plen))) {
    script_close(s);
    ms_diags_add(s->d, false, s->file, line, col,
                 "alternatives such as %s are written in steps: form (- "
                 "%s %s); a script line carries one reply indicator",
                 ms_proto_ops(s->proto)->alts_example, script_server_role(s),
                 ms_proto_ops(s->proto)->alts_example);
    return -1;
  }
  memcpy(pat, text, plen);
  pat[plen] = '\0';
  if (ms_pattern_parse(p, s->proto, pat, err, sizeof err) < 0) {
    script_close(s);
    ms_diags_add(s->d, false, s->file, line, col, "%s", err);
    return -1;
  }
  return 0;
}

static void script_pop3_server(struct ms_script *s, const char *text,
                               size_t len, int line, int col, bool alts) {
  struct ms_step *last = s->n ? &s->v[s->n - 1] : NULL;
  size_t plen = 0;
  bool cont = false;
  if (s->pop3_body) {
    if (len == 1 && text[0] == '.')
      s->pop3_body = false;
    else
      script_add_line(last, text, len);
    s->prev = MS_SCRIPT_PREV_SERVER;
    return;
  }
  if (ms_proto_reply_prefix(MS_PROTO_POP3, text, &plen, &cont)) {
    struct ms_pattern p;
    if (script_line_pattern(s, text, plen, alts, line, col, &p) < 0)
      return;
    ms_script_reply_start(s, line, col);
    script_expect_new(s, &p, text, len, line, col);
    s->pop3_status = true;
    return;
  }
  if (s->pop3_status && last) {
    /* RFC 1939 §3: a multi-line response: status line, content, ".". */
    s->pop3_status = false;
    last->multiline = true;
    s->pop3_body = !(len == 1 && text[0] == '.');
    if (s->pop3_body)
      script_add_line(last, text, len);
    s->prev = MS_SCRIPT_PREV_SERVER;
    return;
  }
  script_close(s);
  ms_diags_add(s->d, false, s->file, line, col,
               "POP3 reply line has no status indicator: \"%.*s\" (a reply "
               "starts with +OK or -ERR, RFC 1939 §3; content lines follow "
               "a status line directly)",
               (int)(len > 60 ? 60 : len), text);
}

static void script_smtp_server(struct ms_script *s, const char *text,
                               size_t len, int line, int col, bool alts) {
  size_t plen = 0;
  bool cont = false;
  if (!ms_proto_reply_prefix(MS_PROTO_SMTP, text, &plen, &cont)) {
    script_close(s);
    ms_diags_add(s->d, false, s->file, line, col,
                 "reply line has no reply code: \"%.*s\" (a server line "
                 "starts with a 3-digit code such as \"%s 250 OK\"; RFC 821 "
                 "Appendix F Scenario 9 prints \"R: OK\" where \"R: 250 OK\" "
                 "is meant)",
                 (int)(len > 60 ? 60 : len), text, script_server_role(s));
    return;
  }
  struct ms_pattern p;
  if (script_line_pattern(s, text, plen, alts, line, col, &p) < 0)
    return;
  if (s->smtp_open) {
    /* RFC 5321 §4.2.1: one reply, every line carries the same code. */
    struct ms_step *st = &s->v[s->n - 1];
    char first[64], this[64];
    ms_pattern_format(&st->pat, first, sizeof first);
    ms_pattern_format(&p, this, sizeof this);
    if (strcmp(first, this) != 0)
      ms_diags_add(s->d, false, s->file, line, col,
                   "this line's code %s differs from %s on line %d: the "
                   "lines of one multi-line reply share one code (RFC 5321 "
                   "§4.2.1)",
                   this, first, st->line);
    script_add_line(st, text, len);
    s->prev = MS_SCRIPT_PREV_SERVER;
    if (!cont) {
      s->smtp_open = false;
      ms_script_expected(s, &st->pat, st->line);
    }
    return;
  }
  ms_script_reply_start(s, line, col);
  script_expect_new(s, &p, text, len, line, col);
  if (cont) {
    s->v[s->n - 1].multiline = true;
    s->smtp_open = true;
    return;
  }
  ms_script_expected(s, &p, line);
}

void ms_script_server(struct ms_script *s, const char *text, size_t len,
                      int line, int col, bool alts) {
  if (!s->pop3_status && !s->pop3_body && !s->smtp_open &&
      ms_script_is_meta(text, len)) {
    script_meta(s, text, len, line, col);
    return;
  }
  char *z = xmemdup(text, len); /* the prefix checks want a C string */
  if (s->proto == MS_PROTO_POP3)
    script_pop3_server(s, z, len, line, col, alts);
  else
    script_smtp_server(s, z, len, line, col, alts);
  free(z);
}

static char *script_join(const char *a, size_t alen, const char *b, size_t blen,
                         size_t *outlen) {
  char *r = xmalloc(alen + 1 + blen + 1);
  memcpy(r, a, alen);
  r[alen] = ' ';
  memcpy(r + alen + 1, b, blen);
  r[alen + 1 + blen] = '\0';
  *outlen = alen + 1 + blen;
  return r;
}

void ms_script_continue(struct ms_script *s, const char *text, size_t len,
                        int line, int col) {
  struct ms_step *st = s->n ? &s->v[s->n - 1] : NULL;
  size_t n = 0;
  char *joined;
  switch (s->prev) {
  case MS_SCRIPT_PREV_CMD: /* a command wrapped by the RFC's layout */
    joined = script_join(st->text, st->len, text, len, &n);
    free(st->text);
    st->text = joined;
    st->len = n;
    return;
  case MS_SCRIPT_PREV_DATA: /* RFC 822 §3.1.1 folding: LWSP + text */
    joined = script_join("", 0, text, len, &n);
    script_push_send(s, MS_SEND_DATA_LINE, joined, n, line, col);
    free(joined);
    s->prev = MS_SCRIPT_PREV_DATA;
    return;
  case MS_SCRIPT_PREV_SERVER:
    joined = xmemdup(text, len);
    if (ms_proto_ops(s->proto)->code_each_line &&
        ms_proto_reply_prefix(s->proto, joined, NULL, NULL)) {
      /* "R: 250-a" / "     250 b": the next line of the same reply */
      ms_script_server(s, text, len, line, col, false);
      free(joined);
      return;
    }
    free(joined);
    if (st->nlines > 0) { /* wrapped reply text: shown, never compared */
      char **l = &st->lines[st->nlines - 1];
      joined = script_join(*l, strlen(*l), text, len, &n);
      free(*l);
      *l = joined;
    }
    return;
  case MS_SCRIPT_PREV_NONE:
  case MS_SCRIPT_PREV_OTHER:
    break;
  }
  ms_diags_add(s->d, false, s->file, line, col,
               "this indented line has no role prefix and continues no "
               "command, mail data or reply line: start it with %s or %s",
               script_client_role(s), script_server_role(s));
}

void ms_script_finish(struct ms_script *s) {
  script_close(s);
  script_tls_due(s);
  if (s->data && s->data_354)
    ms_diags_add(s->d, true, s->file, s->data_line, 0,
                 "the mail data after this 354 reply is never ended by a "
                 "line \"%s .\": the server will wait for it",
                 script_client_role(s));
}

/* ---- the pasted text ---------------------------------------------- */

static bool script_is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

static bool script_role_at(const char *p, size_t n) {
  return n >= 2 && (p[0] == 'S' || p[0] == 'R' || p[0] == 'C') && p[1] == ':';
}

/* One non-blank line of script text: P..P+N without layout, WS leading
 * blanks, LINE its source line. */
struct script_rec {
  const char *p;
  size_t n, ws;
  size_t full; /* length up to the line end, trailing blanks kept */
  int line;
};

/* Split TEXT into non-blank lines; caller frees the array. */
static struct script_rec *script_split(const char *text, size_t len, int line0,
                                       size_t *count) {
  struct script_rec *v = NULL;
  size_t n = 0, cap = 0, i = 0;
  int line = line0;
  while (i < len) {
    const char *nl = memchr(text + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - text) : len;
    size_t a = i, b = end;
    while (a < b && script_is_blank(text[a]))
      a++;
    size_t full = end > a && text[end - 1] == '\r' ? end - 1 - a : end - a;
    while (b > a && script_is_blank(text[b - 1]))
      b--;
    if (b > a) {
      xgrow((void **)&v, &cap, n, sizeof *v);
      v[n++] = (struct script_rec){text + a, b - a, a - i, full, line};
    }
    i = end + 1;
    line++;
  }
  *count = n;
  return v;
}

void ms_script_roles(const char *text, size_t len, int line0, int indent,
                     struct ms_roles *r) {
  size_t n = 0;
  struct script_rec *v = script_split(text, len, line0, &n);
  for (size_t i = 0; i < n; i++)
    if (script_role_at(v[i].p, v[i].n))
      ms_roles_note(r, v[i].p[0], v[i].line, indent + (int)v[i].ws + 1);
  free(v);
}

/* A meta line wrapped over indented lines (RFC 1939 §7 prints "S: <the
 * POP3 server sends the headers of the" and two more lines): joined
 * when the joined text is a meta line.  Returns the records used. */
static size_t script_wrapped_meta(const struct script_rec *v, size_t n,
                                  size_t i, const char *t, size_t tn,
                                  char **out, size_t *outlen) {
  if (tn == 0 || t[0] != '<' || memchr(t, '>', tn))
    return 0;
  char *acc = xmemdup(t, tn);
  size_t alen = tn;
  for (size_t j = i + 1;
       j < n && v[j].ws > v[i].ws && !script_role_at(v[j].p, v[j].n); j++) {
    char *next = script_join(acc, alen, v[j].p, v[j].n, &alen);
    free(acc);
    acc = next;
    if (acc[alen - 1] == '>') {
      if (!ms_script_is_meta(acc, alen))
        break;
      *out = acc;
      *outlen = alen;
      return j - i;
    }
  }
  free(acc);
  return 0;
}

/* One role line (plus the lines of a wrapped meta line); returns how
 * many continuation records it consumed. */
static size_t script_role_line(struct ms_script *s, const struct script_rec *v,
                               size_t n, size_t i, int indent) {
  const struct script_rec *r = &v[i];
  int col = indent + (int)r->ws + 1;
  char side = ms_script_side(s, r->p[0], r->line, col);
  s->prev_ws = (int)r->ws;
  if (!side) {
    s->prev = MS_SCRIPT_PREV_OTHER;
    return 0;
  }
  const char *t = r->p + 2;
  size_t tn = r->n - 2;
  if (side == 'c' && s->data) {
    /* Mail data is verbatim: only the one blank after the role is
     * layout ("S:      John." keeps its indentation), trailing blanks
     * are data too. */
    tn = r->full - 2;
    if (tn > 0 && (t[0] == ' ' || t[0] == '\t'))
      t++, tn--;
  } else {
    while (tn > 0 && script_is_blank(t[0]))
      t++, tn--;
  }
  char *meta = NULL;
  size_t mlen = 0;
  size_t used = side == 'c' && s->data
                    ? 0 /* mail data: never a meta line */
                    : script_wrapped_meta(v, n, i, t, tn, &meta, &mlen);
  if (used) {
    t = meta;
    tn = mlen;
  }
  char *z = xmemdup(t, tn);
  if (side == 'c')
    ms_script_client(s, z, tn, r->line, col);
  else
    ms_script_server(s, z, tn, r->line, col, false);
  free(z);
  free(meta);
  return used;
}

static void script_other_line(struct ms_script *s, const struct script_rec *r,
                              int indent) {
  int col = indent + (int)r->ws + 1;
  if (s->prev != MS_SCRIPT_PREV_NONE && (int)r->ws > s->prev_ws) {
    /* a folded line of mail data keeps its trailing blanks */
    size_t n = s->prev == MS_SCRIPT_PREV_DATA ? r->full : r->n;
    char *z = xmemdup(r->p, n);
    ms_script_continue(s, z, n, r->line, col);
    free(z);
    return;
  }
  ms_diags_add(s->d, false, s->file, r->line, col,
               "line has no role prefix: a script line starts with %s "
               "(client) or %s (server), an indented line continues the "
               "line above (captions such as \"Scenario 1\" belong in "
               "title:, a \"Step 2\" heading starts a new entry of "
               "sessions:)",
               script_client_role(s), script_server_role(s));
  s->prev = MS_SCRIPT_PREV_OTHER;
}

void ms_script_parse(struct ms_script *s, const char *text, size_t len,
                     int line0, int indent) {
  size_t n = 0;
  struct script_rec *v = script_split(text, len, line0, &n);
  for (size_t i = 0; i < n; i++) {
    if (script_role_at(v[i].p, v[i].n))
      i += script_role_line(s, v, n, i, indent);
    else
      script_other_line(s, &v[i], indent);
  }
  free(v);
}
