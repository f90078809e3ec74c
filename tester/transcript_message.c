/* transcript_message: the delivery checks of a `target: pop3` session
 * (issue 14; transcripts/README.md, "Delivery checks"):
 *   - message: TOKEN          the message whose header section holds
 *       within: S               TOKEN arrives (waited for up to S), then
 *       header: {NAME: RE}      the topmost field NAME matches RE,
 *       count: {NAME: N}        there are exactly N fields NAME,
 *       added: {NAME: RE}       a field the server put above the message
 *                               as sent matches (implies as_sent),
 *       not_added: RE           no field it put there matches RE,
 *       as_sent: true           below them, the message exactly as sent,
 *       body: RE | [RE, ...]    the body matches each RE (per line ^ $),
 *       not_body: RE | [RE, ...] and none of these;
 *       user:, pass:            the login (default ${user}, ${pass})
 *   - no_message: TOKEN       no message holding TOKEN is there now
 *   - notification: TOKEN     a notification about that message arrives
 *                             (header:, count:, body:, not_body:,
 *                             within: as above)
 *   - no_notification: TOKEN  none is there now
 * Pure: YAML nodes in, a struct ms_msgcheck per step out. */
#include "transcript_message.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rx.h"
#include "util.h"

static const struct {
  const char *key;
  enum ms_msg_kind kind;
  const char *options; /* sibling keys it takes */
} msg_kinds[] = {
    {"message", MS_MSG_FIND,
     "within header count added not_added as_sent body not_body user "
     "pass"},
    {"no_message", MS_MSG_ABSENT, "user pass"},
    {"notification", MS_NOTE_FIND,
     "within header count body not_body user pass"},
    {"no_notification", MS_NOTE_ABSENT, "user pass"},
};
#define MSG_NKINDS (sizeof msg_kinds / sizeof msg_kinds[0])

const char *ms_transcript_message_options(const char *key) {
  for (size_t i = 0; i < MSG_NKINDS; i++)
    if (strcmp(key, msg_kinds[i].key) == 0)
      return msg_kinds[i].options;
  return NULL;
}

const char *ms_msg_kind_key(enum ms_msg_kind k) {
  for (size_t i = 0; i < MSG_NKINDS; i++)
    if (msg_kinds[i].kind == k)
      return msg_kinds[i].key;
  return "?";
}

static void msg_err(struct ms_script *s, const struct ms_ynode *n,
                    const char *msg) {
  ms_diags_add(s->d, false, s->file, n->line, n->col, "%s", msg);
}

/* A header field name (RFC 5322 §3.6.8: printable ASCII but ':'). */
static bool msg_field_name_ok(const char *s, size_t n) {
  if (n == 0 || n > 76)
    return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < 33 || s[i] > 126 || s[i] == ':')
      return false;
  return true;
}

/* RE with each ${NAME} read as "x", compiled to check it.  FLAGS as
 * the engine will use them. */
static bool msg_regex_ok(struct ms_script *s, const struct ms_ynode *v,
                         const char *what, int flags) {
  if (v->kind != MS_YSCALAR || memchr(v->str, '\0', v->len)) {
    ms_diags_add(s->d, false, s->file, v->line, v->col,
                 "%s takes a regular expression (a string)", what);
    return false;
  }
  char *tpl = xstrdup(v->str), *o = tpl;
  for (const char *p = v->str; *p;) {
    const char *close = p[0] == '$' && p[1] == '{' ? strchr(p + 2, '}') : NULL;
    if (close && ms_vars_valid_name(p + 2, (size_t)(close - (p + 2)))) {
      *o++ = 'x';
      p = close + 1;
    } else {
      *o++ = *p++;
    }
  }
  *o = '\0';
  regex_t re;
  char msg[200];
  int rc = ms_rx_compile(&re, tpl, flags | REG_NOSUB, msg, sizeof msg);
  free(tpl);
  if (rc != 0) {
    ms_diags_add(s->d, false, s->file, v->line, v->col,
                 "%s is not a valid POSIX extended regular expression: %s",
                 what, msg);
    return false;
  }
  regfree(&re);
  return true;
}

/* A count: value: a whole number 0..10000. */
static bool msg_count_ok(const struct ms_ynode *v, long *out) {
  if (v->kind != MS_YSCALAR || v->len == 0 || v->len > 5)
    return false;
  long n = 0;
  for (size_t i = 0; i < v->len; i++) {
    if (v->str[i] < '0' || v->str[i] > '9')
      return false;
    n = n * 10 + (v->str[i] - '0');
  }
  *out = n;
  return n <= 10000;
}

/* header:/count:/added: {NAME: VALUE, ...} into *OUT. */
static bool msg_fields(struct ms_script *s, const struct ms_ynode *k,
                       const struct ms_ynode *v, bool count,
                       struct ms_msg_field **out, size_t *n) {
  if (v->kind != MS_YMAP || v->nkids < 2) {
    ms_diags_add(s->d, false, s->file, v->line, v->col,
                 "%s: takes a mapping of header field names to %s, e.g. "
                 "%s: {%s}",
                 k->str, count ? "numbers" : "regular expressions", k->str,
                 count ? "Return-Path: 1" : "Received: '^from '");
    return false;
  }
  *out = xcalloc(v->nkids / 2, sizeof **out);
  for (size_t i = 0; i + 1 < v->nkids; i += 2) {
    const struct ms_ynode *fk = v->kids[i], *fv = v->kids[i + 1];
    if (fk->kind != MS_YSCALAR || !msg_field_name_ok(fk->str, fk->len)) {
      msg_err(s, fk,
              "a header field name is printable ASCII without ':' or "
              "blanks (Received, Return-Path, X-Mine)");
      return false;
    }
    struct ms_msg_field *f = &(*out)[(*n)++];
    f->name = xstrdup(fk->str);
    f->line = fv->line;
    f->col = fv->col;
    if (count) {
      if (!msg_count_ok(fv, &f->count)) {
        ms_diags_add(s->d, false, s->file, fv->line, fv->col,
                     "count: %s: takes a number of fields from 0 to 10000",
                     fk->str);
        return false;
      }
      continue;
    }
    char what[120];
    snprintf(what, sizeof what, "%s: %s:", k->str, fk->str);
    if (!msg_regex_ok(s, fv, what, REG_EXTENDED))
      return false;
    f->re = xstrdup(fv->str);
  }
  return true;
}

/* user:/pass:: a non-empty string (a template). */
static bool msg_login(struct ms_script *s, const struct ms_ynode *k,
                      const struct ms_ynode *v, char **out) {
  if (v->kind != MS_YSCALAR || v->len == 0 || memchr(v->str, '\0', v->len) ||
      strpbrk(v->str, "\r\n")) {
    ms_diags_add(s->d, false, s->file, v->line, v->col,
                 "%s: takes one line of text (write %s: \"${%s}\" and give "
                 "it with -D)",
                 k->str, k->str, k->str);
    return false;
  }
  *out = xstrdup(v->str);
  return true;
}

static bool msg_bool(struct ms_script *s, const struct ms_ynode *k,
                     const struct ms_ynode *v, bool *out) {
  int b = ms_transcript_yaml_bool(v);
  if (b >= 0) {
    *out = b == 1;
    return true;
  }
  ms_diags_add(s->d, false, s->file, v->line, v->col, "%s: is true or false",
               k->str);
  return false;
}

/* body:/not_body: one regular expression or a list of them (each
 * judged on its own: one cannot span lines, ^ and $ match at each). */
static bool msg_body_res(struct ms_script *s, const struct ms_ynode *k,
                         const struct ms_ynode *v, struct ms_msg_field **out,
                         size_t *n) {
  size_t cnt = v->kind == MS_YSEQ ? v->nkids : 1;
  if (v->kind == MS_YSEQ && cnt == 0) {
    ms_diags_add(s->d, false, s->file, v->line, v->col,
                 "%s: takes a regular expression or a list of them", k->str);
    return false;
  }
  *out = xcalloc(cnt, sizeof **out);
  char what[40];
  snprintf(what, sizeof what, "%s:", k->str);
  for (size_t i = 0; i < cnt; i++) {
    const struct ms_ynode *e = v->kind == MS_YSEQ ? v->kids[i] : v;
    if (!msg_regex_ok(s, e, what, REG_EXTENDED | REG_NEWLINE))
      return false;
    (*out)[*n] =
        (struct ms_msg_field){NULL, xstrdup(e->str), 0, e->line, e->col};
    (*n)++;
  }
  return true;
}

/* One option K: V of the check M; false after a diagnostic. */
static bool msg_option(struct ms_script *s, struct ms_msgcheck *m,
                       const struct ms_ynode *k, const struct ms_ynode *v) {
  const char *o = k->str;
  if (strcmp(o, "within") == 0)
    return ms_transcript_yaml_seconds(s->file, v, "within:", s->d,
                                      &m->within) == 0;
  if (strcmp(o, "header") == 0)
    return msg_fields(s, k, v, false, &m->header, &m->nheader);
  if (strcmp(o, "count") == 0)
    return msg_fields(s, k, v, true, &m->count, &m->ncount);
  if (strcmp(o, "added") == 0) {
    m->as_sent = true;
    return msg_fields(s, k, v, false, &m->added, &m->nadded);
  }
  if (strcmp(o, "not_added") == 0) {
    if (!msg_regex_ok(s, v, "not_added:", REG_EXTENDED))
      return false;
    m->not_added = xstrdup(v->str);
    m->not_added_line = v->line;
    return true;
  }
  if (strcmp(o, "as_sent") == 0) {
    bool b = false;
    if (!msg_bool(s, k, v, &b))
      return false;
    m->as_sent = m->as_sent || b;
    return true;
  }
  if (strcmp(o, "body") == 0)
    return msg_body_res(s, k, v, &m->body, &m->nbody);
  if (strcmp(o, "not_body") == 0)
    return msg_body_res(s, k, v, &m->not_body, &m->nnot_body);
  if (strcmp(o, "user") == 0)
    return msg_login(s, k, v, &m->user);
  return msg_login(s, k, v, &m->pass);
}

/* The token: one line of text, at least 4 octets once expanded (a
 * short one would find other mail); written with ${nonce} as a rule. */
static bool msg_token_ok(struct ms_script *s, const struct ms_ynode *k,
                         const struct ms_ynode *v) {
  if (v->kind == MS_YSCALAR && v->len >= 4 && !memchr(v->str, '\0', v->len) &&
      !strpbrk(v->str, "\r\n"))
    return true;
  ms_diags_add(s->d, false, s->file, v->line, v->col,
               "%s: takes the text that identifies the message, at least 4 "
               "characters on one line; write it with ${nonce} (unique per "
               "run) and put it in the message's header section, e.g. "
               "%s: \"${nonce}\" and Subject: ${nonce}",
               k->str, k->str);
  return false;
}

void ms_transcript_message_parse(struct ms_script *s,
                                 const struct ms_ynode *item,
                                 const struct ms_ynode *k,
                                 const struct ms_ynode *v) {
  enum ms_msg_kind kind = MS_MSG_FIND;
  for (size_t i = 0; i < MSG_NKINDS; i++)
    if (strcmp(k->str, msg_kinds[i].key) == 0)
      kind = msg_kinds[i].kind;
  if (!msg_token_ok(s, k, v))
    return;
  struct ms_msgcheck *m = xcalloc(1, sizeof *m);
  m->kind = kind;
  m->token = xstrdup(v->str);
  bool ok = true;
  for (size_t i = 0; ok && i + 1 < item->nkids; i += 2)
    if (item->kids[i] != k)
      ok = msg_option(s, m, item->kids[i], item->kids[i + 1]);
  if (!ok) {
    ms_msgcheck_free(m);
    return;
  }
  ms_script_add(s, MS_STEP_MESSAGE, item->line, item->col)->msg = m;
}
