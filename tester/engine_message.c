/* engine_message: messages as lines and the judging of delivery checks
 * (see engine_message.h).  A delivered message is hostile input: every
 * line is kept with its length (NUL and 8-bit octets included), every
 * regex runs on a bounded copy, and what goes into a report is escaped
 * and cut (MS_MSG_SHOW_LINES lines of MS_MSG_SHOW_LINE octets). */
#include "engine_message.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mailspec/report.h"
#include "rx.h"
#include "util.h"

/* A field value or a body longer than this is judged on its start. */
#define MSG_RE_MAX (1u << 20)

static void msg_add_line(struct ms_msg *m, size_t *cap, const char *p,
                         size_t n) {
  xgrow((void **)&m->lines, cap, m->nlines, sizeof *m->lines);
  m->lines[m->nlines].p = xmemdup(p, n);
  m->lines[m->nlines].n = n;
  m->nlines++;
}

/* The header section ends at the first empty line (RFC 5322 §2.1). */
static void msg_find_head(struct ms_msg *m) {
  m->nhead = m->nlines;
  for (size_t i = 0; i < m->nlines; i++)
    if (m->lines[i].n == 0) {
      m->nhead = i;
      return;
    }
}

void ms_msg_from_text(struct ms_msg *m, const char *text, size_t len) {
  memset(m, 0, sizeof *m);
  size_t cap = 0;
  for (size_t i = 0; i < len;) {
    const char *nl = memchr(text + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - text) : len;
    size_t n = end - i;
    if (n > 0 && text[end - 1] == '\r')
      n--;
    msg_add_line(m, &cap, text + i, n);
    i = nl ? end + 1 : len;
  }
  msg_find_head(m);
}

void ms_msg_from_lines(struct ms_msg *m, char *const *lines, const size_t *lens,
                       size_t n) {
  memset(m, 0, sizeof *m);
  size_t cap = 0;
  for (size_t i = 0; i < n; i++)
    msg_add_line(m, &cap, lines[i], lens[i]);
  msg_find_head(m);
}

void ms_msg_free(struct ms_msg *m) {
  for (size_t i = 0; i < m->nlines; i++)
    free(m->lines[i].p);
  free(m->lines);
  memset(m, 0, sizeof *m);
}

static bool msg_mem_has(const char *p, size_t n, const char *t, size_t tn) {
  if (tn == 0 || tn > n)
    return tn == 0;
  for (size_t i = 0; i + tn <= n; i++)
    if (p[i] == t[0] && memcmp(p + i, t, tn) == 0)
      return true;
  return false;
}

bool ms_msg_holds(const struct ms_msg *m, const char *text, bool head_only) {
  size_t tn = strlen(text), to = head_only ? m->nhead : m->nlines;
  for (size_t i = 0; i < to; i++)
    if (msg_mem_has(m->lines[i].p, m->lines[i].n, text, tn))
      return true;
  return false;
}

static bool msg_wsp(char c) {
  return c == ' ' || c == '\t';
}

size_t ms_msg_field_span(const struct ms_msg *m, size_t first) {
  size_t k = first + 1;
  while (k < m->nhead && m->lines[k].n > 0 && msg_wsp(m->lines[k].p[0]))
    k++;
  return k - first;
}

bool ms_msg_field_is(const struct ms_msg *m, size_t i, const char *name) {
  size_t n = strlen(name);
  const struct ms_msg_line *l = &m->lines[i];
  if (l->n <= n || l->p[n] != ':')
    return false;
  for (size_t k = 0; k < n; k++) {
    char a = l->p[k], b = name[k];
    if (a >= 'A' && a <= 'Z')
      a = (char)(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z')
      b = (char)(b - 'A' + 'a');
    if (a != b)
      return false;
  }
  return true;
}

char *ms_msg_field_value(const struct ms_msg *m, size_t i) {
  struct ms_buf b;
  ms_buf_init(&b, MSG_RE_MAX);
  size_t span = ms_msg_field_span(m, i);
  for (size_t k = i; k < i + span; k++) {
    const struct ms_msg_line *l = &m->lines[k];
    const char *p = l->p;
    size_t n = l->n;
    if (k == i) { /* past "Name:" */
      const char *colon = memchr(p, ':', n);
      size_t skip = colon ? (size_t)(colon - p) + 1 : n;
      p += skip;
      n -= skip;
    }
    if (ms_buf_add(&b, p, n) < 0)
      break;
  }
  char *v = ms_buf_steal(&b, NULL);
  size_t n = strlen(v), s = 0;
  while (s < n && msg_wsp(v[s]))
    s++;
  while (n > s && msg_wsp(v[n - 1]))
    n--;
  memmove(v, v + s, n - s);
  v[n - s] = '\0';
  return v;
}

long ms_msg_field_find(const struct ms_msg *m, const char *name, size_t k,
                       size_t from, size_t to) {
  if (to > m->nhead)
    to = m->nhead;
  for (size_t i = from; i < to; i++)
    if (!(m->lines[i].n > 0 && msg_wsp(m->lines[i].p[0])) &&
        ms_msg_field_is(m, i, name) && k-- == 0)
      return (long)i;
  return -1;
}

/* ---- what a report shows --------------------------------------------- */

static void msg_show_line(struct ms_buf *b, const struct ms_msg_line *l) {
  size_t n = l->n < MS_MSG_SHOW_LINE ? l->n : MS_MSG_SHOW_LINE;
  char *safe = ms_report_text_safe(l->p, n);
  ms_buf_addstr(b, safe);
  free(safe);
  if (l->n > n)
    ms_buf_addf(b, "... (%zu octets)", l->n);
}

char *ms_msg_excerpt(const struct ms_msg *m, size_t from, size_t n) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  if (from > m->nlines)
    from = m->nlines;
  if (n > m->nlines - from)
    n = m->nlines - from;
  size_t shown = n < MS_MSG_SHOW_LINES ? n : MS_MSG_SHOW_LINES;
  for (size_t i = 0; i < shown; i++) {
    if (i)
      ms_buf_add(&b, "\n", 1);
    msg_show_line(&b, &m->lines[from + i]);
  }
  if (n > shown)
    ms_buf_addf(&b, "\n... (%zu more lines)", n - shown);
  if (b.len == 0)
    ms_buf_addstr(&b, "(nothing)");
  return ms_buf_steal(&b, NULL);
}

/* One line for a reason: escaped, cut. */
static char *msg_line_text(const struct ms_msg_line *l) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  msg_show_line(&b, l);
  return ms_buf_steal(&b, NULL);
}

/* ---- as sent ------------------------------------------------------- */

static bool msg_line_eq(const struct ms_msg_line *a,
                        const struct ms_msg_line *b) {
  return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

/* Do lines [0, N) of D form complete header fields (a field start
 * first, nothing but field lines)? */
static bool msg_fields_only(const struct ms_msg *d, size_t n) {
  if (n > d->nhead)
    return false;
  for (size_t i = 0; i < n; i++) {
    const struct ms_msg_line *l = &d->lines[i];
    if (l->n == 0 || (i == 0 && msg_wsp(l->p[0])))
      return false;
    if (!msg_wsp(l->p[0]) && !memchr(l->p, ':', l->n))
      return false;
  }
  return true;
}

char *ms_msg_compare(const struct ms_msg *d, const struct ms_msg *s,
                     size_t *added, size_t *at) {
  *added = 0;
  *at = 0;
  size_t n = d->nlines, m = s->nlines;
  if (m == 0)
    return NULL;
  if (n >= m) {
    size_t off = n - m, k = 0;
    while (k < m && msg_line_eq(&d->lines[off + k], &s->lines[k]))
      k++;
    if (k == m && msg_fields_only(d, off)) {
      *added = off;
      return NULL;
    }
  }
  /* Where the message as sent starts in D: its first line, or where it
   * would start if nothing had been added below the top. */
  size_t i0 = n >= m ? n - m : 0;
  for (size_t i = 0; i < d->nlines; i++)
    if (msg_line_eq(&d->lines[i], &s->lines[0])) {
      i0 = i;
      break;
    }
  *added = i0;
  if (!msg_fields_only(d, i0)) {
    *at = 0;
    return xasprintf("the lines above the message as sent are not header "
                     "fields the server added: the delivered message does "
                     "not start with the message as sent below such fields "
                     "(its first line sent is line %zu of %zu delivered)",
                     i0 + 1, n);
  }
  size_t k = 0;
  while (k < m && i0 + k < n && msg_line_eq(&d->lines[i0 + k], &s->lines[k]))
    k++;
  *at = i0 + k < n ? i0 + k : (n ? n - 1 : 0);
  char *sent = k < m ? msg_line_text(&s->lines[k]) : NULL;
  char *got = i0 + k < n ? msg_line_text(&d->lines[i0 + k]) : NULL;
  char *why;
  if (k < m && got)
    why = xasprintf("line %zu of the delivered message differs from line "
                    "%zu of the message as sent: delivered '%s', sent '%s'",
                    i0 + k + 1, k + 1, got, sent);
  else if (k < m)
    why = xasprintf("the delivered message ends after line %zu; the message "
                    "as sent goes on with line %zu: '%s' (%zu lines missing)",
                    n, k + 1, sent, m - k);
  else
    why = xasprintf("the delivered message goes on after the message as "
                    "sent: line %zu is '%s' (%zu lines more)",
                    i0 + k + 1, got, n - i0 - k);
  free(sent);
  free(got);
  return why;
}

/* ---- judging ------------------------------------------------------- */

/* Does TEXT match RE (FLAGS)?  -1 when RE does not compile (the loader
 * checked its form; an expanded variable may still break it). */
static int msg_match(const char *re, const char *text, int flags) {
  regex_t rx;
  char err[160];
  if (ms_rx_compile(&rx, re, flags | REG_NOSUB, err, sizeof err) != 0)
    return -1;
  int rc = regexec(&rx, text, 0, NULL, 0);
  regfree(&rx);
  return rc == 0;
}

static char *msg_fail(char **got, char *what, char *why) {
  *got = what;
  return why;
}

static char *msg_judge_count(const struct ms_msg *m, const char *file,
                             const struct ms_msg_field *f, char **got) {
  long n = 0, first = -1;
  for (long i; (i = ms_msg_field_find(m, f->name, (size_t)n, 0, m->nhead)) >= 0;
       n++)
    if (first < 0)
      first = i;
  if (n == f->count)
    return NULL;
  return msg_fail(got, ms_msg_excerpt(m, 0, m->nhead),
                  xasprintf("%s:%d: count: %s: the header section has %ld such "
                            "field%s, expected %ld",
                            file, f->line, f->name, n, n == 1 ? "" : "s",
                            f->count));
}

/* The field NAME (its Kth occurrence in [FROM, TO)) as "Name: value"
 * for regexes that look at the whole field. */
static char *msg_field_whole(const struct ms_msg *m, size_t i) {
  char *v = ms_msg_field_value(m, i);
  const char *colon = memchr(m->lines[i].p, ':', m->lines[i].n);
  size_t nn = colon ? (size_t)(colon - m->lines[i].p) : 0;
  char *r = xasprintf("%.*s: %s", (int)nn, m->lines[i].p, v);
  free(v);
  return r;
}

static char *msg_judge_header(const struct ms_msg *m, const char *file,
                              const struct ms_msg_field *f, char **got) {
  long i = ms_msg_field_find(m, f->name, 0, 0, m->nhead);
  if (i < 0)
    return msg_fail(got, ms_msg_excerpt(m, 0, m->nhead),
                    xasprintf("%s:%d: header: the delivered message has no "
                              "%s: field",
                              file, f->line, f->name));
  char *v = ms_msg_field_value(m, (size_t)i);
  int ok = msg_match(f->re, v, REG_EXTENDED);
  free(v);
  if (ok == 1)
    return NULL;
  size_t span = ms_msg_field_span(m, (size_t)i);
  char *why = ok < 0 ? xasprintf("%s:%d: header: %s: /%s/ is not a valid "
                                 "regular expression once expanded",
                                 file, f->line, f->name, f->re)
                     : xasprintf("%s:%d: header: the topmost %s: field "
                                 "(line %ld of the message) does not match "
                                 "/%s/",
                                 file, f->line, f->name, i + 1, f->re);
  return msg_fail(got, ms_msg_excerpt(m, (size_t)i, span), why);
}

/* added: NAME: RE among the ADDED lines at the top. */
static char *msg_judge_added(const struct ms_msg *m, const char *file,
                             size_t added, const struct ms_msg_field *f,
                             char **got) {
  bool any = false;
  for (size_t k = 0;; k++) {
    long i = ms_msg_field_find(m, f->name, k, 0, added);
    if (i < 0)
      break;
    any = true;
    char *v = ms_msg_field_value(m, (size_t)i);
    int ok = msg_match(f->re, v, REG_EXTENDED);
    free(v);
    if (ok == 1)
      return NULL;
  }
  return msg_fail(
      got, ms_msg_excerpt(m, 0, added ? added : m->nhead),
      any ? xasprintf("%s:%d: added: no %s: field among the %zu lines the "
                      "server put above the message as sent matches /%s/",
                      file, f->line, f->name, added, f->re)
          : xasprintf("%s:%d: added: the server put no %s: field above the "
                      "message as sent (%zu line%s added there)",
                      file, f->line, f->name, added, added == 1 ? "" : "s"));
}

static char *msg_judge_not_added(const struct ms_msg *m, const char *file,
                                 size_t added, const struct ms_msgcheck *c,
                                 char **got) {
  for (size_t i = 0; i < added; i += ms_msg_field_span(m, i)) {
    char *v = msg_field_whole(m, i);
    int ok = msg_match(c->not_added, v, REG_EXTENDED);
    free(v);
    if (ok == 1)
      return msg_fail(got, ms_msg_excerpt(m, i, ms_msg_field_span(m, i)),
                      xasprintf("%s:%d: not_added: a field the server "
                                "added (line %zu of the message) matches /%s/",
                                file, c->not_added_line, i + 1, c->not_added));
  }
  return NULL;
}

/* body: RE (WANT) or not_body: RE (!WANT). */
static char *msg_judge_body(const struct ms_msg *m, const char *file,
                            const struct ms_msg_field *re, bool want,
                            char **got) {
  struct ms_buf b;
  ms_buf_init(&b, MSG_RE_MAX);
  size_t from = m->nhead < m->nlines ? m->nhead + 1 : m->nlines;
  for (size_t i = from; i < m->nlines; i++)
    if ((i > from && ms_buf_add(&b, "\n", 1) < 0) ||
        ms_buf_add(&b, m->lines[i].p, m->lines[i].n) < 0)
      break;
  char *text = ms_buf_steal(&b, NULL);
  int ok = msg_match(re->re, text, REG_EXTENDED | REG_NEWLINE);
  free(text);
  if (ok == (want ? 1 : 0))
    return NULL;
  return msg_fail(
      got, ms_msg_excerpt(m, from, m->nlines - from),
      ok < 0 ? xasprintf("%s:%d: %s: /%s/ is not a valid regular expression "
                         "once expanded",
                         file, re->line, want ? "body" : "not_body", re->re)
      : want ? xasprintf("%s:%d: body: the body of the delivered message "
                         "does not match /%s/",
                         file, re->line, re->re)
             : xasprintf("%s:%d: not_body: the body of the delivered message "
                         "matches /%s/",
                         file, re->line, re->re));
}

static char *msg_judge_as_sent(const struct ms_msg *m, const char *file,
                               int line, const struct ms_msgcheck *c,
                               const struct ms_msg *s, char **got) {
  if (!s)
    return msg_fail(got, NULL,
                    xasprintf("%s:%d: as_sent: the message as sent is not "
                              "known (it was not sent with DATA in this "
                              "transcript)",
                              file, line));
  size_t added, at;
  char *why = ms_msg_compare(m, s, &added, &at);
  if (why) {
    size_t from = at > 3 ? at - 3 : 0;
    char *w = xasprintf("%s:%d: as_sent: %s", file, line, why);
    free(why);
    return msg_fail(got, ms_msg_excerpt(m, from, 7), w);
  }
  for (size_t i = 0; i < c->nadded; i++)
    if ((why = msg_judge_added(m, file, added, &c->added[i], got)))
      return why;
  if (c->not_added && (why = msg_judge_not_added(m, file, added, c, got)))
    return why;
  return NULL;
}

char *ms_msg_judge(const struct ms_msg *m, const struct ms_msgcheck *c,
                   const struct ms_msg *s, const char *file, int line,
                   char **got) {
  char *why = NULL;
  *got = NULL;
  for (size_t i = 0; i < c->ncount && !why; i++)
    why = msg_judge_count(m, file, &c->count[i], got);
  for (size_t i = 0; i < c->nheader && !why; i++)
    why = msg_judge_header(m, file, &c->header[i], got);
  if (!why && (c->as_sent || c->nadded || c->not_added))
    why = msg_judge_as_sent(m, file, line, c, s, got);
  for (size_t i = 0; i < c->nbody && !why; i++)
    why = msg_judge_body(m, file, &c->body[i], true, got);
  for (size_t i = 0; i < c->nnot_body && !why; i++)
    why = msg_judge_body(m, file, &c->not_body[i], false, got);
  return why;
}
