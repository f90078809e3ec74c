/* transcript_steps: `steps:` items to steps.
 *   - S: text / - R: 250 / - C: text    role lines, as in a script
 *   - send: text                         a command line, literally
 *   - raw: "bytes\r\n"                   exact bytes, nothing appended
 *   - data: |                            a body: dot-stuffed, terminated
 *   - data: {header:, octets:, fill:}    a body of an exact size
 *   - expect: 250|251 (text:, not_text:,  one reply; expect: close
 *       each_line:, timeout:, capture: {NAME: RE},
 *       skip_on: 252, skip_reason: TEXT)
 *   - pause: SECONDS
 *   - meta: open connection             RFC 1939's stage directions
 *   - starttls: / tls: / auth: / apop:   TLS and SASL (transcript_secure.c)
 *   - message: / no_message: /          delivery checks of a target: pop3
 *     notification: / no_notification:  session (transcript_message.c)
 * send: takes times: N (the line N times). */
#include "transcript_steps.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_fill.h"
#include "rx.h"
#include "transcript_message.h"
#include "util.h"

static bool steps_role_key(const struct ms_ynode *k) {
  return k->kind == MS_YSCALAR && k->len == 1 &&
         (k->str[0] == 'S' || k->str[0] == 'R' || k->str[0] == 'C');
}

void ms_transcript_steps_roles(const struct ms_ynode *seq, struct ms_roles *r) {
  if (!seq || seq->kind != MS_YSEQ)
    return;
  for (size_t i = 0; i < seq->nkids; i++) {
    const struct ms_ynode *m = seq->kids[i];
    if (m->kind == MS_YMAP && m->nkids >= 2 && steps_role_key(m->kids[0]))
      ms_roles_note(r, m->kids[0]->str[0], m->kids[0]->line, m->kids[0]->col);
  }
}

static int steps_hex(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The byte of a one-letter C escape, or -1. */
static int steps_escape(char c) {
  switch (c) {
  case 'r':
    return '\r';
  case 'n':
    return '\n';
  case 't':
    return '\t';
  case '0':
    return '\0';
  case '\\':
    return '\\';
  case '"':
    return '"';
  default:
    return -1;
  }
}

int ms_transcript_steps_unescape(const char *text, size_t len, char **out,
                                 size_t *outlen, size_t *bad, char *err,
                                 size_t errlen) {
  char *o = xmalloc(len + 1);
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (text[i] != '\\') {
      o[n++] = text[i];
      continue;
    }
    char c = i + 1 < len ? text[i + 1] : '\0';
    int e = steps_escape(c);
    if (e >= 0) {
      o[n++] = (char)e;
      i++;
    } else if (c == 'x' && i + 3 < len && steps_hex(text[i + 2]) >= 0 &&
               steps_hex(text[i + 3]) >= 0) {
      o[n++] = (char)(steps_hex(text[i + 2]) * 16 + steps_hex(text[i + 3]));
      i += 3;
    } else {
      snprintf(err, errlen,
               "unknown escape \"\\%c\" in raw: (known: \\r \\n \\t \\0 "
               "\\\\ \\\" \\xHH)",
               c ? c : ' ');
      *bad = i;
      free(o);
      return -1;
    }
  }
  o[n] = '\0';
  *out = o;
  *outlen = n;
  return 0;
}

static void steps_error(struct ms_script *s, const struct ms_ynode *n,
                        const char *msg) {
  ms_diags_add(s->d, false, s->file, n->line, n->col, "%s", msg);
}

/* The value of a one-key role line or of send:, checked. */
static const struct ms_ynode *steps_text(struct ms_script *s,
                                         const struct ms_ynode *key,
                                         const struct ms_ynode *v) {
  if (v->kind != MS_YSCALAR) {
    ms_diags_add(s->d, false, s->file, v->line, v->col,
                 "%s takes one line of text, not a %s", key->str,
                 ms_transcript_yaml_kind(v));
    return NULL;
  }
  if (ms_transcript_yaml_empty_plain(v)) {
    /* `- C: #x` is an empty value and a comment to YAML. */
    ms_diags_add(s->d, false, s->file, v->line, v->col,
                 "%s has no text: quote text that starts with # or another "
                 "YAML indicator (%s: \"#x\"); an empty line is written "
                 "%s: \"\"",
                 key->str, key->str, key->str);
    return NULL;
  }
  return v;
}

static void steps_role(struct ms_script *s, const struct ms_ynode *m) {
  const struct ms_ynode *k = m->kids[0], *v = m->kids[1];
  if (m->nkids > 2) {
    ms_diags_add(s->d, false, s->file, m->kids[2]->line, m->kids[2]->col,
                 "a role line (- %s: ...) takes no other keys: for options "
                 "write send: or expect: (with text:, timeout:)",
                 k->str);
    return;
  }
  char side = ms_script_side(s, k->str[0], k->line, k->col);
  if (!side || !(v = steps_text(s, k, v)))
    return;
  if (side == 'c')
    ms_script_client(s, v->str, v->len, m->line, m->col);
  else
    ms_script_server(s, v->str, v->len, m->line, m->col, true);
}

/* RE with each ${NAME} (a captured variable, expanded at run time as a
 * literal) replaced by "x", to validate the rest.  Caller frees. */
static char *steps_re_template(const char *re) {
  char *out = xstrdup(re), *o = out;
  for (const char *p = re; *p;) {
    const char *close = p[0] == '$' && p[1] == '{' ? strchr(p + 2, '}') : NULL;
    if (close && ms_vars_valid_name(p + 2, (size_t)(close - (p + 2)))) {
      *o++ = 'x';
      p = close + 1;
    } else {
      *o++ = *p++;
    }
  }
  *o = '\0';
  return out;
}

/* A text:/not_text:/each_line: option: a valid POSIX ERE, or a
 * diagnostic. */
static bool steps_regex(struct ms_script *s, const struct ms_ynode *text,
                        const char *key) {
  regex_t re;
  char msg[200] = "not a string";
  char *tpl = text->kind == MS_YSCALAR ? steps_re_template(text->str) : NULL;
  int rc =
      tpl ? ms_rx_compile(&re, tpl, REG_EXTENDED | REG_NOSUB, msg, sizeof msg)
          : -1;
  free(tpl);
  if (rc != 0) {
    ms_diags_add(s->d, false, s->file, text->line, text->col,
                 "%s: is not a valid POSIX extended regular expression: %s",
                 key, msg);
    return false;
  }
  regfree(&re);
  return true;
}

const char *ms_step_capture_next(const struct ms_step *st, const char *prev,
                                 const char **re) {
  if (!st || st->kind != MS_STEP_EXPECT || !st->meta)
    return NULL;
  const char *name = st->meta;
  if (prev) { /* skip PREV's name and regex */
    name = prev + strlen(prev) + 1;
    name += strlen(name) + 1;
  }
  if (!*name)
    return NULL;
  *re = name + strlen(name) + 1;
  return name;
}

/* One capture: entry: a variable name and an ERE with exactly one group
 * (its text is the value). */
static bool steps_capture_one(struct ms_script *s, const char *key,
                              const struct ms_ynode *k,
                              const struct ms_ynode *v) {
  if (k->kind != MS_YSCALAR || !ms_vars_valid_name(k->str, k->len)) {
    ms_diags_add(s->d, false, s->file, k->line, k->col,
                 "%s: names are variable names: letters, digits and _ "
                 "(not starting with a digit), as in ${uid}",
                 key);
    return false;
  }
  if (v->kind != MS_YSCALAR || memchr(v->str, '\0', v->len)) {
    ms_diags_add(s->d, false, s->file, v->line, v->col,
                 "%s: takes NAME: REGEX (a string)", key);
    return false;
  }
  regex_t re;
  char msg[200];
  int rc =
      ms_rx_compile(&re, v->str, REG_EXTENDED | REG_NEWLINE, msg, sizeof msg);
  if (rc != 0) {
    ms_diags_add(s->d, false, s->file, v->line, v->col,
                 "%s: %s: is not a valid POSIX extended regular "
                 "expression: %s",
                 key, k->str, msg);
    return false;
  }
  size_t groups = re.re_nsub;
  regfree(&re);
  if (groups != 1) {
    ms_diags_add(s->d, false, s->file, v->line, v->col,
                 "%s: %s: the regex must have exactly one group (...), "
                 "%s; it has %zu",
                 key, k->str,
                 strcmp(key, "capture") ? "whose text is the number compared"
                                        : "whose text becomes the value",
                 groups);
    return false;
  }
  return true;
}

/* capture: {NAME: REGEX, ...} as NAME NUL REGEX NUL ... NUL in *OUT. */
static bool steps_captures(struct ms_script *s, const char *key,
                           const struct ms_ynode *c, char **out,
                           size_t *outlen) {
  if (c->kind != MS_YMAP || c->nkids < 2) {
    ms_diags_add(s->d, false, s->file, c->line, c->col,
                 "%s: takes a mapping NAME: REGEX, e.g. %s: "
                 "{uid: '^\\+OK 1 ([!-~]+)$'}",
                 key, key);
    return false;
  }
  size_t n = 1;
  for (size_t i = 0; i + 1 < c->nkids; i += 2) {
    if (!steps_capture_one(s, key, c->kids[i], c->kids[i + 1]))
      return false;
    for (size_t j = 0; j < i; j += 2)
      if (strcmp(c->kids[j]->str, c->kids[i]->str) == 0) {
        ms_diags_add(s->d, false, s->file, c->kids[i]->line, c->kids[i]->col,
                     "%s: names a variable twice", key);
        return false;
      }
    n += c->kids[i]->len + 1 + c->kids[i + 1]->len + 1;
  }
  char *buf = xmalloc(n), *p = buf;
  for (size_t i = 0; i + 1 < c->nkids; i += 2)
    for (size_t k = 0; k < 2; k++) {
      memcpy(p, c->kids[i + k]->str, c->kids[i + k]->len + 1);
      p += c->kids[i + k]->len + 1;
    }
  *p = '\0';
  *out = buf;
  *outlen = n;
  return true;
}

static void steps_expect(struct ms_script *s, const struct ms_ynode *m,
                         const struct ms_ynode *v) {
  const struct ms_ynode *text = ms_transcript_yaml_get(m, "text");
  const struct ms_ynode *not_text = ms_transcript_yaml_get(m, "not_text");
  const struct ms_ynode *each = ms_transcript_yaml_get(m, "each_line");
  const struct ms_ynode *timeout = ms_transcript_yaml_get(m, "timeout");
  const struct ms_ynode *capture = ms_transcript_yaml_get(m, "capture");
  /* at_most:/at_least: {NAME: REGEX}: the number REGEX's group finds in
   * the reply against the captured ${NAME} (engine.c). */
  const struct ms_ynode *most = ms_transcript_yaml_get(m, "at_most");
  const struct ms_ynode *least = ms_transcript_yaml_get(m, "at_least");
  char *caps = NULL, *cmp_most = NULL, *cmp_least = NULL;
  size_t ncaps = 0, ncmp = 0;
  char err[256];
  struct ms_pattern p;
  bool close = v->kind == MS_YSCALAR && strcmp(v->str, "close") == 0;
  if (v->kind != MS_YSCALAR) {
    steps_error(s, v,
                "expect: takes a reply pattern (250, 2xx, 250|251, "
                "+OK) or close");
    return;
  }
  if (!close && ms_pattern_parse(&p, s->proto, v->str, err, sizeof err) < 0) {
    steps_error(s, v, err);
    return;
  }
  double secs = 0;
  if (timeout &&
      ms_transcript_yaml_seconds(s->file, timeout, "timeout:", s->d, &secs) < 0)
    return;
  if ((text || not_text || each) && close) {
    steps_error(s,
                text       ? text
                : not_text ? not_text
                           : each,
                "expect: close takes no text: (there is no reply)");
    return;
  }
  if ((capture || most || least) && close) {
    steps_error(s,
                capture ? capture
                : most  ? most
                        : least,
                "expect: close takes no capture:, at_most: or at_least: (no "
                "reply)");
    return;
  }
  const struct ms_ynode *skip_on = ms_transcript_yaml_get(m, "skip_on");
  if (skip_on && close) {
    steps_error(s, skip_on, "expect: close takes no skip_on: (no reply)");
    return;
  }
  struct ms_step skip;
  memset(&skip, 0, sizeof skip);
  if (ms_transcript_skip_opts(s->file, s->proto, m, s->d, &skip) < 0)
    return;
  if ((text && !steps_regex(s, text, "text")) ||
      (not_text && !steps_regex(s, not_text, "not_text")) ||
      (each && !steps_regex(s, each, "each_line")) ||
      (capture && !steps_captures(s, "capture", capture, &caps, &ncaps)) ||
      (most && !steps_captures(s, "at_most", most, &cmp_most, &ncmp)) ||
      (least && !steps_captures(s, "at_least", least, &cmp_least, &ncmp))) {
    free(skip.skip_why);
    free(caps);
    free(cmp_most);
    return;
  }
  ms_script_reply_start(s, m->line, m->col);
  struct ms_step *st =
      ms_script_add(s, close ? MS_STEP_CLOSE : MS_STEP_EXPECT, m->line, m->col);
  st->timeout = secs;
  if (close)
    return;
  st->pat = p;
  st->lines = xmalloc(sizeof *st->lines); /* shown like "- S: 250" */
  st->lines[st->nlines++] = xmemdup(v->str, v->len);
  if (text)
    st->text_re = xstrdup(text->str);
  if (not_text)
    st->not_re = xstrdup(not_text->str);
  if (each)
    st->each_re = xstrdup(each->str);
  st->meta = caps; /* freed with the step; ms_step_capture_next() */
  st->at_most = cmp_most;
  st->at_least = cmp_least;
  st->skip_pat = skip.skip_pat;
  st->skip_why = skip.skip_why;
  ms_script_expected(s, &p, m->line);
}

static void steps_raw(struct ms_script *s, const struct ms_ynode *m,
                      const struct ms_ynode *v) {
  char err[200];
  size_t bad = 0, n = 0;
  char *bytes = NULL;
  if (v->kind != MS_YSCALAR) {
    steps_error(s, v, "raw: takes a string of bytes (C escapes allowed)");
    return;
  }
  if (v->style == MS_YSTYLE_DOUBLE_QUOTED) {
    /* YAML already decoded the same escapes; do not decode twice. */
    bytes = xmemdup(v->str, v->len);
    n = v->len;
  } else if (ms_transcript_steps_unescape(v->str, v->len, &bytes, &n, &bad, err,
                                          sizeof err) < 0) {
    ms_diags_add(s->d, false, s->file, v->line, v->col, "%s", err);
    return;
  }
  struct ms_step *st = ms_script_add(s, MS_STEP_SEND, m->line, m->col);
  st->send = MS_SEND_RAW;
  st->text = bytes;
  st->len = n;
  /* Raw mail data that ends with the end-of-data line ends it. */
  if (s->data && ((n >= 5 && memcmp(bytes + n - 5, "\r\n.\r\n", 5) == 0) ||
                  (n == 3 && memcmp(bytes, ".\r\n", 3) == 0)))
    ms_script_end_data(s);
}

/* data: {header: |, octets: N, fill: LINE}: a message of exactly N
 * octets (RFC 1870 §5's count), filled by data_fill.c at run time. */
static void steps_data_fill(struct ms_script *s, const struct ms_ynode *m,
                            const struct ms_ynode *v) {
  const struct ms_ynode *head = NULL, *oct = NULL, *fill = NULL;
  for (size_t i = 0; i + 1 < v->nkids; i += 2) {
    const struct ms_ynode *k = v->kids[i], *x = v->kids[i + 1];
    const char *w = k->kind == MS_YSCALAR ? k->str : "";
    const struct ms_ynode **dst = !strcmp(w, "header")   ? &head
                                  : !strcmp(w, "octets") ? &oct
                                  : !strcmp(w, "fill")   ? &fill
                                                         : NULL;
    if (!dst) {
      steps_error(s, k,
                  "data: as a mapping takes header:, octets: and fill: "
                  "(e.g. data: {header: \"Subject: x\", octets: "
                  "\"${max} + 1\"})");
      return;
    }
    if (x->kind != MS_YSCALAR || x->len != strlen(x->str)) {
      steps_error(s, x, "data: header:, octets: and fill: take a string");
      return;
    }
    *dst = x;
  }
  if (!oct || !oct->len) {
    steps_error(s, v,
                "data: as a mapping needs octets: (the message's size, RFC "
                "1870 §5: N, ${var}, or N + K)");
    return;
  }
  if (fill && (fill->len == 0 || fill->len > MS_DATA_FILL_LINE_MAX ||
               strpbrk(fill->str, "\r\n"))) {
    steps_error(s, fill,
                "data: fill: is one line of 1 to 998 octets (RFC 5321 "
                "§4.5.3.1.6)");
    return;
  }
  unsigned long long n;
  char err[200];
  if (!strstr(oct->str, "${") &&
      ms_data_fill_octets(oct->str, &n, err, sizeof err) < 0) {
    steps_error(s, oct, err);
    return;
  }
  size_t hl = head ? head->len : 0;
  if (hl > 0 && head->str[hl - 1] == '\n')
    hl--; /* the block's last line break ends the last line */
  struct ms_step *st = ms_script_add(s, MS_STEP_SEND, m->line, m->col);
  st->send = MS_SEND_BODY;
  st->text = xmemdup(head ? head->str : "", hl);
  st->len = hl;
  st->octets = xstrdup(oct->str);
  st->fill = fill ? xstrdup(fill->str) : NULL;
  ms_script_end_data(s);
}

static void steps_data(struct ms_script *s, const struct ms_ynode *m,
                       const struct ms_ynode *v) {
  if (v->kind == MS_YMAP) {
    steps_data_fill(s, m, v);
    return;
  }
  if (v->kind != MS_YSCALAR) {
    steps_error(s, v,
                "data: takes the message as a literal block (data: |), or "
                "a mapping {header:, octets:, fill:} for a message of an "
                "exact size");
    return;
  }
  size_t n = v->len;
  if (n > 0 && v->str[n - 1] == '\n')
    n--; /* the block's last line break ends the last line */
  struct ms_step *st = ms_script_add(s, MS_STEP_SEND, m->line, m->col);
  st->send = MS_SEND_BODY;
  st->text = xmemdup(v->str, n);
  st->len = n;
  ms_script_end_data(s);
}

/* - meta: close connection   (RFC 1939's "<close connection>") */
static void steps_meta(struct ms_script *s, const struct ms_ynode *m,
                       const struct ms_ynode *v) {
  if (!(v = steps_text(s, m->kids[0], v)))
    return;
  const char *t = v->str;
  size_t n = v->len;
  if (n >= 2 && t[0] == '<' && t[n - 1] == '>')
    t++, n -= 2;
  ms_script_add(s, MS_STEP_META, m->line, m->col)->meta = xmemdup(t, n);
}

/* - send: text [times: N]: N copies of a mail data line (a message
 * with 150 Received fields) without writing them out. */
static void steps_send(struct ms_script *s, const struct ms_ynode *m,
                       const struct ms_ynode *v) {
  const struct ms_ynode *t = ms_transcript_yaml_get(m, "times");
  unsigned long n = 1;
  if (t) {
    char *end = NULL;
    n = t->kind == MS_YSCALAR && t->str[0] >= '0' && t->str[0] <= '9'
            ? strtoul(t->str, &end, 10)
            : 0;
    if (!end || *end || n < 1 || n > 100000) {
      steps_error(s, t, "times: takes a number of copies from 1 to 100000");
      return;
    }
  }
  if (!(v = steps_text(s, m->kids[0], v)))
    return;
  size_t before = s->n;
  ms_script_send(s, v->str, v->len, m->line, m->col);
  if (s->n > before && t) {
    struct ms_step *st = &s->v[before];
    if (st->kind == MS_STEP_SEND && st->send == MS_SEND_DATA_LINE &&
        !(v->len == 1 && v->str[0] == '.'))
      st->times = n;
    else
      steps_error(s, t,
                  "times: repeats a line of mail data (after the 354), not "
                  "a command (each command needs its reply) nor the end of "
                  "data \".\"");
  }
}

struct steps_action {
  const char *key;
  const char *siblings; /* allowed other keys, space-separated */
};

static const struct steps_action steps_actions[] = {
    {"send", "times"},
    {"raw", ""},
    {"data", ""},
    {"expect", "text not_text each_line timeout capture at_most at_least "
               "skip_on skip_reason"},
    {"pause", ""},
    {"meta", ""},
    {"starttls", ""},
    {"tls", ""},
    {"auth", ""},
    {"apop", ""},
    {"message", NULL}, /* options: ms_transcript_message_options() */
    {"no_message", NULL},
    {"notification", NULL},
    {"no_notification", NULL},
};

static bool steps_word_in(const char *list, const char *w) {
  size_t n = strlen(w);
  for (const char *p = list; *p;) {
    size_t k = strcspn(p, " ");
    if (k == n && memcmp(p, w, n) == 0)
      return true;
    p += k;
    while (*p == ' ')
      p++;
  }
  return false;
}

static const struct steps_action *steps_find(const struct ms_ynode *k) {
  for (size_t i = 0; i < sizeof steps_actions / sizeof steps_actions[0]; i++)
    if (strcmp(k->str, steps_actions[i].key) == 0)
      return &steps_actions[i];
  return NULL;
}

static void steps_option(struct ms_script *s, const struct ms_ynode *m) {
  const struct steps_action *act = NULL;
  const struct ms_ynode *val = NULL;
  for (size_t i = 0; i + 1 < m->nkids; i += 2) {
    const struct steps_action *a = steps_find(m->kids[i]);
    if (a && act) {
      ms_diags_add(s->d, false, s->file, m->kids[i]->line, m->kids[i]->col,
                   "one step does one thing: %s: and %s: belong in two "
                   "list items",
                   act->key, a->key);
      return;
    }
    if (a) {
      act = a;
      val = m->kids[i + 1];
    }
  }
  if (!act) {
    steps_error(s, m->kids[0],
                "unknown step: a step is a role line (- S: ..., - R: ..., - "
                "C: ...) or one of send:, raw:, data:, expect:, pause:, "
                "meta:, starttls:, tls:, auth:, apop:, message:, "
                "no_message:, notification:, no_notification:");
    return;
  }
  const char *sib =
      act->siblings ? act->siblings : ms_transcript_message_options(act->key);
  for (size_t i = 0; i + 1 < m->nkids; i += 2) {
    const struct ms_ynode *k = m->kids[i];
    if (strcmp(k->str, act->key) != 0 && !steps_word_in(sib, k->str)) {
      if (*sib)
        ms_diags_add(s->d, false, s->file, k->line, k->col,
                     "unknown option \"%s\" for %s: (known: %s)", k->str,
                     act->key, sib);
      else
        ms_diags_add(s->d, false, s->file, k->line, k->col,
                     "%s: takes no option \"%s\" (options belong to "
                     "expect:, e.g. - expect: 250 / text: \"^OK\")",
                     act->key, k->str);
      return;
    }
  }
  if (strcmp(act->key, "expect") == 0) {
    steps_expect(s, m, val);
  } else if (strcmp(act->key, "send") == 0) {
    steps_send(s, m, val);
  } else if (!act->siblings) {
    const struct ms_ynode *k = NULL;
    for (size_t i = 0; i + 1 < m->nkids && !k; i += 2)
      if (strcmp(m->kids[i]->str, act->key) == 0)
        k = m->kids[i];
    ms_transcript_message_parse(s, m, k, val);
  } else if (strcmp(act->key, "raw") == 0) {
    steps_raw(s, m, val);
  } else if (strcmp(act->key, "data") == 0) {
    steps_data(s, m, val);
  } else if (strcmp(act->key, "meta") == 0) {
    steps_meta(s, m, val);
  } else if (strcmp(act->key, "starttls") == 0) {
    ms_transcript_secure_starttls(s, m, val);
  } else if (strcmp(act->key, "tls") == 0) {
    ms_transcript_secure_tls(s, m, val);
  } else if (strcmp(act->key, "auth") == 0) {
    ms_transcript_secure_auth(s, m, val);
  } else if (strcmp(act->key, "apop") == 0) {
    ms_transcript_secure_apop(s, m, val);
  } else {
    double secs = 0;
    if (ms_transcript_yaml_seconds(s->file, val, "pause:", s->d, &secs) == 0)
      ms_script_add(s, MS_STEP_PAUSE, m->line, m->col)->pause = secs;
  }
}

void ms_transcript_steps_parse(struct ms_script *s,
                               const struct ms_ynode *seq) {
  for (size_t i = 0; i < seq->nkids; i++) {
    const struct ms_ynode *m = seq->kids[i];
    if (m->kind != MS_YMAP || m->nkids < 2) {
      steps_error(s, m,
                  "a step is a mapping: - C: EHLO x, - S: 250, - send: "
                  "text, - expect: 250, ... (see transcripts/README.md)");
      continue;
    }
    if (steps_role_key(m->kids[0]))
      steps_role(s, m);
    else
      steps_option(s, m);
  }
}
