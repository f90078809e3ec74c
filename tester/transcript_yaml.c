/* transcript_yaml: YAML events to a positioned tree (see transcript_yaml.h).
 * libyaml marks are 0-based; every position stored here is 1-based. */
#include "transcript_yaml.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "util.h"

#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES MS_TRANSCRIPT_MAX_NODES

_Static_assert(MS_YSTYLE_PLAIN == (int)YAML_PLAIN_SCALAR_STYLE &&
                   MS_YSTYLE_DOUBLE_QUOTED ==
                       (int)YAML_DOUBLE_QUOTED_SCALAR_STYLE &&
                   MS_YSTYLE_LITERAL == (int)YAML_LITERAL_SCALAR_STYLE &&
                   MS_YSTYLE_FOLDED == (int)YAML_FOLDED_SCALAR_STYLE,
               "enum ms_ystyle mirrors yaml_scalar_style_t");

struct ybuild {
  const char *name;
  const char *what; /* message prefix ("world: ") */
  int line0;        /* the line of NAME that BUF's first line is */
  struct ms_diags *d;
  struct ms_ynode *root;
  struct ms_ynode *stack[YAML_MAX_DEPTH];
  int depth;
  size_t nodes;
  int docs;
  bool failed;
};

static void yaml_fail(struct ybuild *b, const yaml_mark_t *m, const char *msg) {
  if (!b->failed)
    ms_diags_add(b->d, false, b->name, (int)m->line + b->line0,
                 (int)m->column + 1, "%s%s", b->what, msg);
  b->failed = true;
}

static struct ms_ynode *yaml_node(struct ybuild *b, enum ms_ynode_kind k,
                                  const yaml_event_t *ev) {
  if (++b->nodes > YAML_MAX_NODES) {
    yaml_fail(b, &ev->start_mark,
              "too many YAML nodes (over 250000): split the transcript");
    return NULL;
  }
  struct ms_ynode *n = xcalloc(1, sizeof *n);
  n->kind = k;
  n->line = (int)ev->start_mark.line + b->line0;
  n->col = (int)ev->start_mark.column + 1;
  return n;
}

void ms_transcript_yaml_free(struct ms_ynode *n) {
  if (!n)
    return;
  for (size_t i = 0; i < n->nkids; i++)
    ms_transcript_yaml_free(n->kids[i]);
  free(n->kids);
  free(n->str);
  free(n->tag);
  free(n);
}

static void yaml_attach(struct ybuild *b, struct ms_ynode *n) {
  if (b->depth == 0) {
    if (b->root) /* cannot happen with one document; be safe */
      ms_transcript_yaml_free(b->root);
    b->root = n;
    return;
  }
  struct ms_ynode *p = b->stack[b->depth - 1];
  if (p->kind == MS_YMAP && p->nkids % 2 == 0 && n->kind != MS_YSCALAR) {
    ms_diags_add(b->d, false, b->name, n->line, n->col,
                 "%sa mapping key must be a plain word, not a %s", b->what,
                 ms_transcript_yaml_kind(n));
    b->failed = true;
  }
  xgrow((void **)&p->kids, &p->cap, p->nkids, sizeof p->kids[0]);
  p->kids[p->nkids++] = n;
}

static int yaml_keycmp(const void *a, const void *b) {
  const struct ms_ynode *x = *(struct ms_ynode *const *)a;
  const struct ms_ynode *y = *(struct ms_ynode *const *)b;
  if (x->len != y->len)
    return x->len < y->len ? -1 : 1;
  int c = memcmp(x->str, y->str, x->len);
  if (c)
    return c;
  return x->line != y->line ? (x->line < y->line ? -1 : 1) : 0;
}

/* Duplicate keys are almost always a paste accident (two "steps:"):
 * YAML forbids them, libyaml does not check. */
static void yaml_check_keys(struct ybuild *b, const struct ms_ynode *m) {
  size_t nk = m->nkids / 2;
  if (nk < 2)
    return;
  struct ms_ynode **keys = xmalloc(nk * sizeof *keys);
  size_t k = 0;
  for (size_t i = 0; i < m->nkids; i += 2)
    if (m->kids[i]->kind == MS_YSCALAR)
      keys[k++] = m->kids[i];
  qsort(keys, k, sizeof *keys, yaml_keycmp);
  for (size_t i = 1; i < k; i++)
    if (keys[i]->len == keys[i - 1]->len &&
        memcmp(keys[i]->str, keys[i - 1]->str, keys[i]->len) == 0) {
      ms_diags_add(b->d, false, b->name, keys[i]->line, keys[i]->col,
                   "%sduplicate key \"%s\" (first at line %d): merge them",
                   b->what, keys[i]->str, keys[i - 1]->line);
      b->failed = true;
    }
  free(keys);
}

static void yaml_push(struct ybuild *b, struct ms_ynode *n,
                      const yaml_event_t *ev) {
  yaml_attach(b, n);
  if (b->depth == YAML_MAX_DEPTH) {
    yaml_fail(b, &ev->start_mark, "YAML nested too deeply (over 64 levels)");
    return;
  }
  b->stack[b->depth++] = n;
}

static void yaml_event(struct ybuild *b, const yaml_event_t *ev) {
  struct ms_ynode *n;
  switch (ev->type) {
  case YAML_DOCUMENT_START_EVENT:
    if (++b->docs > 1)
      yaml_fail(b, &ev->start_mark,
                "a second YAML document (---): one transcript per file");
    break;
  case YAML_ALIAS_EVENT:
    yaml_fail(b, &ev->start_mark,
              "YAML aliases (*name) are not supported: write the value out");
    break;
  case YAML_SCALAR_EVENT:
    if (!(n = yaml_node(b, MS_YSCALAR, ev)))
      break;
    n->len = ev->data.scalar.length;
    n->str = xmemdup(ev->data.scalar.value, n->len);
    n->style = (enum ms_ystyle)ev->data.scalar.style;
    n->plain_implicit = ev->data.scalar.plain_implicit;
    n->quoted_implicit = ev->data.scalar.quoted_implicit;
    if (ev->data.scalar.tag)
      n->tag = xstrdup((const char *)ev->data.scalar.tag);
    yaml_attach(b, n);
    break;
  case YAML_SEQUENCE_START_EVENT:
  case YAML_MAPPING_START_EVENT:
    n = yaml_node(b, ev->type == YAML_MAPPING_START_EVENT ? MS_YMAP : MS_YSEQ,
                  ev);
    if (n)
      yaml_push(b, n, ev);
    break;
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT:
    if (b->depth > 0) {
      n = b->stack[--b->depth];
      if (n->kind == MS_YMAP)
        yaml_check_keys(b, n);
    }
    break;
  default:
    break;
  }
}

/* The usual causes of libyaml's terse messages. */
static const char *yaml_hint(const char *problem) {
  if (strstr(problem, "mapping values are not allowed"))
    return " (a value that contains \": \" must be quoted: title: "
           "\"a: b\")";
  if (strstr(problem, "found character that cannot start any token"))
    return " (values starting with @ or ` must be quoted; indent with "
           "spaces, not tabs)";
  if (strstr(problem, "did not find expected key"))
    return " (check the indentation of this line against the one above)";
  return "";
}

struct ms_ynode *ms_transcript_yaml_parse(const char *name, const char *buf,
                                          size_t len, struct ms_diags *d) {
  return ms_transcript_yaml_parse_at(name, buf, len, 1, "", d);
}

struct ms_ynode *ms_transcript_yaml_parse_at(const char *name, const char *buf,
                                             size_t len, int line0,
                                             const char *what,
                                             struct ms_diags *d) {
  struct ybuild b = {.name = name, .what = what, .line0 = line0, .d = d};
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) {
    ms_diags_add(d, false, name, 0, 0, "%scannot initialise the YAML parser",
                 what);
    return NULL;
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
  for (;;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      const char *ctx = p.context ? p.context : "";
      const char *prob = p.problem ? p.problem : "unknown error";
      ms_diags_add(d, false, name, (int)p.problem_mark.line + line0,
                   (int)p.problem_mark.column + 1,
                   "%sYAML syntax error: %s%s%s%s", what, prob, *ctx ? " " : "",
                   ctx, yaml_hint(prob));
      b.failed = true;
      break;
    }
    bool end = ev.type == YAML_STREAM_END_EVENT;
    if (!b.failed)
      yaml_event(&b, &ev);
    yaml_event_delete(&ev);
    if (end || b.failed)
      break;
  }
  yaml_parser_delete(&p);
  if (b.failed) {
    ms_transcript_yaml_free(b.root);
    return NULL;
  }
  return b.root;
}

const struct ms_ynode *ms_transcript_yaml_get(const struct ms_ynode *map,
                                              const char *key) {
  if (!map || map->kind != MS_YMAP)
    return NULL;
  size_t kl = strlen(key);
  for (size_t i = 0; i + 1 < map->nkids; i += 2) {
    const struct ms_ynode *k = map->kids[i];
    if (k->kind == MS_YSCALAR && k->len == kl && memcmp(k->str, key, kl) == 0)
      return map->kids[i + 1];
  }
  return NULL;
}

bool ms_transcript_yaml_empty_plain(const struct ms_ynode *n) {
  return n->kind == MS_YSCALAR && n->len == 0 && n->style == MS_YSTYLE_PLAIN;
}

int ms_transcript_yaml_bool(const struct ms_ynode *n) {
  if (!n || n->kind != MS_YSCALAR)
    return -1;
  if (ms_streq_ci(n->str, "true") || ms_streq_ci(n->str, "yes"))
    return 1;
  if (ms_streq_ci(n->str, "false") || ms_streq_ci(n->str, "no"))
    return 0;
  return -1;
}

const char *ms_transcript_yaml_kind(const struct ms_ynode *n) {
  switch (n->kind) {
  case MS_YSCALAR:
    return "scalar";
  case MS_YSEQ:
    return "list";
  case MS_YMAP:
    return "mapping";
  }
  return "node";
}

/* ---- emitting (world: re-emitted as YAML text for the server) ---- */

static int yaml_write(void *data, unsigned char *buffer, size_t size) {
  return ms_buf_add(data, buffer, size) == 0;
}

static int yaml_emit_node(yaml_emitter_t *e, const struct ms_ynode *n) {
  yaml_event_t ev;
  const yaml_char_t *tag = (const yaml_char_t *)n->tag;
  if (n->kind == MS_YSCALAR) {
    if (n->len > (size_t)0x7fffffff)
      return 0;
    yaml_scalar_event_initialize(&ev, NULL, tag, (const yaml_char_t *)n->str,
                                 (int)n->len, !tag || n->plain_implicit,
                                 !tag || n->quoted_implicit,
                                 (yaml_scalar_style_t)n->style);
    return yaml_emitter_emit(e, &ev);
  }
  if (n->kind == MS_YSEQ)
    yaml_sequence_start_event_initialize(&ev, NULL, tag, !tag,
                                         YAML_BLOCK_SEQUENCE_STYLE);
  else
    yaml_mapping_start_event_initialize(&ev, NULL, tag, !tag,
                                        YAML_BLOCK_MAPPING_STYLE);
  if (!yaml_emitter_emit(e, &ev))
    return 0;
  for (size_t i = 0; i < n->nkids; i++)
    if (!yaml_emit_node(e, n->kids[i]))
      return 0;
  if (n->kind == MS_YSEQ)
    yaml_sequence_end_event_initialize(&ev);
  else
    yaml_mapping_end_event_initialize(&ev);
  return yaml_emitter_emit(e, &ev);
}

char *ms_transcript_yaml_emit(const struct ms_ynode *n) {
  yaml_emitter_t e;
  struct ms_buf o;
  yaml_event_t ev;
  if (!yaml_emitter_initialize(&e))
    return NULL;
  ms_buf_init(&o, 16u << 20);
  yaml_emitter_set_output(&e, yaml_write, &o);
  yaml_emitter_set_unicode(&e, 1);
  yaml_emitter_set_width(&e, -1);
  int ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
           yaml_emitter_emit(&e, &ev) &&
           yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
           yaml_emitter_emit(&e, &ev) && yaml_emit_node(&e, n) &&
           yaml_document_end_event_initialize(&ev, 1) &&
           yaml_emitter_emit(&e, &ev) &&
           yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev);
  yaml_emitter_delete(&e);
  if (!ok) {
    ms_buf_free(&o);
    return NULL;
  }
  return ms_buf_steal(&o, NULL);
}

/* ---- value helpers ------------------------------------------------- */

const char *ms_transcript_yaml_scalar(const char *file,
                                      const struct ms_ynode *k,
                                      const struct ms_ynode *v,
                                      struct ms_diags *d) {
  if (v->kind != MS_YSCALAR) {
    ms_diags_add(d, false, file, v->line, v->col,
                 "%s: takes a single value, not a %s", k->str,
                 ms_transcript_yaml_kind(v));
    return NULL;
  }
  if (ms_transcript_yaml_empty_plain(v)) {
    ms_diags_add(d, false, file, k->line, k->col, "%s: has no value", k->str);
    return NULL;
  }
  return v->str;
}

/* N as a plain decimal number of seconds (no sign, no words) in *V;
 * false when it is not one. */
static bool yaml_decimal(const struct ms_ynode *n, double *v) {
  char *end = NULL;
  *v = 0;
  if (n->kind == MS_YSCALAR && n->len > 0 && n->len == strlen(n->str) &&
      ((n->str[0] >= '0' && n->str[0] <= '9') || n->str[0] == '.'))
    *v = strtod(n->str, &end);
  return end && *end == '\0' && isfinite(*v);
}

int ms_transcript_yaml_seconds(const char *file, const struct ms_ynode *n,
                               const char *what, struct ms_diags *d,
                               double *out) {
  double v;
  if (!yaml_decimal(n, &v) || v <= 0 || v > 1e6) {
    ms_diags_add(d, false, file, n->line, n->col,
                 "%s must be a number of seconds greater than 0 (e.g. 30 or "
                 "0.5)",
                 what);
    return -1;
  }
  *out = v;
  return 0;
}

int ms_transcript_yaml_offset(const char *file, const struct ms_ynode *n,
                              const char *what, struct ms_diags *d,
                              double *out) {
  double v;
  if (!yaml_decimal(n, &v) || v < 0 || v > 1e9) {
    bool neg = n->kind == MS_YSCALAR && n->str && n->str[0] == '-';
    ms_diags_add(d, false, file, n->line, n->col,
                 "%s must be a number of seconds, 0 or more (e.g. 12.345)%s",
                 what, neg ? ": a time cannot be negative" : "");
    return -1;
  }
  *out = v;
  return 0;
}

static bool yaml_word(const struct ms_ynode *w) {
  if (w->kind != MS_YSCALAR || w->len == 0 || w->len != strlen(w->str))
    return false;
  for (size_t j = 0; j < w->len; j++)
    if ((unsigned char)w->str[j] <= ' ' || w->str[j] == 0x7f)
      return false;
  return true;
}

/* A requires: entry: a capability with parameters ("AUTH PLAIN", RFC
 * 5321 §4.1.1.1 ehlo-line), words separated by single spaces, maybe
 * negated by a leading '!' (not advertised before TLS). */
static bool yaml_requirement(const struct ms_ynode *w) {
  if (w->kind != MS_YSCALAR || w->len == 0 || w->len != strlen(w->str))
    return false;
  const char *s = w->str + (w->str[0] == '!');
  size_t n = strlen(s);
  if (n == 0 || s[0] == ' ' || s[n - 1] == ' ' || strstr(s, "  "))
    return false;
  for (size_t j = 0; j < n; j++)
    if ((unsigned char)s[j] < ' ' || s[j] == 0x7f || s[j] == '!')
      return false;
  return true;
}

void ms_transcript_yaml_words(const char *file, const struct ms_ynode *k,
                              const struct ms_ynode *v, struct ms_diags *d,
                              char ***out, size_t *n) {
  bool req = strcmp(k->str, "requires") == 0;
  if (v->kind != MS_YSEQ) {
    ms_diags_add(d, false, file, v->line, v->col,
                 "%s: takes a list, e.g. %s: [a, b]", k->str, k->str);
    return;
  }
  *out = xrealloc(*out, (*n + v->nkids + 1) * sizeof **out);
  for (size_t i = 0; i < v->nkids; i++) {
    const struct ms_ynode *w = v->kids[i];
    if (req ? !yaml_requirement(w) : !yaml_word(w)) {
      if (req)
        ms_diags_add(d, false, file, w->line, w->col,
                     "each entry of requires: is a capability (PIPELINING), "
                     "with parameters (\"AUTH PLAIN\"), or one the server "
                     "must not offer before TLS (\"!AUTH\")");
      else
        ms_diags_add(d, false, file, w->line, w->col,
                     "each entry of %s: is one word without blanks (e.g. "
                     "rfc821)",
                     k->str);
      continue;
    }
    (*out)[(*n)++] = xstrdup(w->str);
  }
}

void ms_transcript_yaml_vars(const char *file, const struct ms_ynode *v,
                             struct ms_diags *d, struct ms_var **out,
                             size_t *n) {
  if (v->kind != MS_YMAP) {
    ms_diags_add(d, false, file, v->line, v->col,
                 "vars: takes a mapping of names to values, e.g. vars: "
                 "{helo: client.example}");
    return;
  }
  *out = xrealloc(*out, (*n + v->nkids / 2 + 1) * sizeof **out);
  for (size_t i = 0; i + 1 < v->nkids; i += 2) {
    const struct ms_ynode *name = v->kids[i], *val = v->kids[i + 1];
    if (!ms_vars_valid_name(name->str, name->len)) {
      ms_diags_add(d, false, file, name->line, name->col,
                   "bad variable name \"%s\": letters, digits and _, not "
                   "starting with a digit",
                   name->str);
      continue;
    }
    if (val->kind != MS_YSCALAR || val->len != strlen(val->str)) {
      ms_diags_add(d, false, file, val->line, val->col,
                   "the value of variable %s is one string", name->str);
      continue;
    }
    (*out)[*n].name = xstrdup(name->str);
    (*out)[*n].value = xstrdup(val->str);
    (*n)++;
  }
}

void ms_transcript_yaml_words_free(char **v, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

void ms_transcript_yaml_vars_free(struct ms_var *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(v[i].name);
    free(v[i].value);
  }
  free(v);
}
