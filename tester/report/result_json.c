/* result_json: see result_json.h.  Every mismatch names the member path
 * and its line:col so a hand-edited or truncated file is easy to fix. */
#include "result_json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Where we are, for messages: "transcripts[3].steps[1]". */
struct rj_ctx {
  const char *name;
  char *err;
  size_t errlen;
  bool failed;
};

__attribute__((format(printf, 4, 5))) static void
rj_fail(struct rj_ctx *c, const struct ms_json *at, const char *path,
        const char *fmt, ...) {
  if (c->failed)
    return;
  c->failed = true;
  int n =
      snprintf(c->err, c->errlen, "%s:%d:%d: %s%s", c->name, at ? at->line : 0,
               at ? at->col : 0, path, *path ? ": " : "");
  if (n < 0 || (size_t)n >= c->errlen)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
  va_end(ap);
}

static void rj_path(char *buf, size_t len, const char *base, const char *key) {
  snprintf(buf, len, "%.160s%s%.64s", base, *base ? "." : "", key);
}

static const struct ms_json *rj_member(struct rj_ctx *c,
                                       const struct ms_json *obj,
                                       const char *base, const char *key,
                                       enum ms_json_type want, bool required) {
  const struct ms_json *v = ms_json_get(obj, key);
  char path[256];
  rj_path(path, sizeof path, base, key);
  if (!v || (v->type == MS_JSON_NULL && want != MS_JSON_NULL)) {
    if (required)
      rj_fail(c, obj, path, "missing (a %s is required)",
              ms_json_type_name(want));
    return NULL;
  }
  if (v->type != want) {
    rj_fail(c, v, path, "a %s expected, found a %s", ms_json_type_name(want),
            ms_json_type_name(v->type));
    return NULL;
  }
  return v;
}

/* An optional string: NULL when absent or null. */
static char *rj_str(struct rj_ctx *c, const struct ms_json *obj,
                    const char *base, const char *key) {
  const struct ms_json *v = rj_member(c, obj, base, key, MS_JSON_STRING, false);
  return v ? xstrdup(v->str) : NULL;
}

static double rj_num(struct rj_ctx *c, const struct ms_json *obj,
                     const char *base, const char *key) {
  const struct ms_json *v = rj_member(c, obj, base, key, MS_JSON_NUMBER, false);
  if (v && !isfinite(v->num)) {
    char path[256];
    rj_path(path, sizeof path, base, key);
    rj_fail(c, v, path, "number out of range");
    return 0;
  }
  return v ? v->num : 0;
}

/* An integer within [LO, HI]. */
static long long rj_int(struct rj_ctx *c, const struct ms_json *obj,
                        const char *base, const char *key, long long lo,
                        long long hi, bool required) {
  const struct ms_json *v =
      rj_member(c, obj, base, key, MS_JSON_NUMBER, required);
  if (!v)
    return lo > 0 ? lo : 0;
  if (!v->integer || v->num < (double)lo || v->num > (double)hi) {
    char path[256];
    rj_path(path, sizeof path, base, key);
    rj_fail(c, v, path, "an integer from %lld to %lld expected", lo, hi);
    return lo > 0 ? lo : 0;
  }
  return (long long)v->num;
}

static int rj_verdict(struct rj_ctx *c, const struct ms_json *obj,
                      const char *base) {
  const struct ms_json *v =
      rj_member(c, obj, base, "verdict", MS_JSON_STRING, true);
  if (!v)
    return MS_ERROR;
  for (int i = 0; i <= MS_NOTRUN; i++)
    if (strcmp(v->str, ms_verdict_name((enum ms_verdict)i)) == 0)
      return i;
  char path[256];
  rj_path(path, sizeof path, base, "verdict");
  rj_fail(c, v, path,
          "unknown verdict \"%.32s\" (PASS, FAIL, ERROR, SKIP, WAIVED, NOTRUN)",
          v->str);
  return MS_ERROR;
}

static void rj_findings(struct rj_ctx *c, const struct ms_json *obj,
                        const char *base, struct ms_step_result *s) {
  const struct ms_json *a =
      rj_member(c, obj, base, "findings", MS_JSON_ARRAY, false);
  for (size_t i = 0; a && i < a->n && !c->failed; i++) {
    char path[256];
    snprintf(path, sizeof path, "%.160s.findings[%zu]", base, i);
    if (a->items[i].type != MS_JSON_OBJECT) {
      rj_fail(c, &a->items[i], path, "an object expected");
      return;
    }
    unsigned bit = (unsigned)rj_int(c, &a->items[i], path, "violation", 0,
                                    0xFFFFFFFFll, true);
    char *what = rj_str(c, &a->items[i], path, "what");
    ms_step_add_finding(s, bit, what);
    free(what);
  }
}

static void rj_step(struct rj_ctx *c, const struct ms_json *o, const char *base,
                    struct ms_step_result *s) {
  s->session = (size_t)rj_int(c, o, base, "session", 0, 1000000, false);
  s->step = (size_t)rj_int(c, o, base, "step", 0, 100000000, false);
  s->line = (int)rj_int(c, o, base, "line", 0, 0x7FFFFFFF, false);
  s->verdict = (enum ms_verdict)rj_verdict(c, o, base);
  s->sent = rj_str(c, o, base, "sent");
  s->expected = rj_str(c, o, base, "expected");
  s->got = rj_str(c, o, base, "got");
  s->code = (int)rj_int(c, o, base, "code", 0, 999, false);
  s->reason = rj_str(c, o, base, "reason");
  s->elapsed_ms = rj_num(c, o, base, "elapsed_ms");
  rj_findings(c, o, base, s);
}

static void rj_enum_fields(struct rj_ctx *c, const struct ms_json *o,
                           const char *base, struct ms_transcript_result *t) {
  const struct ms_json *p =
      rj_member(c, o, base, "protocol", MS_JSON_STRING, false);
  char path[256];
  if (p && strcmp(p->str, "pop3") == 0)
    t->protocol = MS_PROTO_POP3;
  else if (p && strcmp(p->str, "smtp") != 0) {
    rj_path(path, sizeof path, base, "protocol");
    rj_fail(c, p, path, "\"smtp\" or \"pop3\" expected");
  }
  const struct ms_json *l =
      rj_member(c, o, base, "level", MS_JSON_STRING, false);
  if (!l)
    return;
  for (int i = MS_LEVEL_MUST; i <= MS_LEVEL_MAY; i++)
    if (strcmp(l->str, ms_level_name((enum ms_level)i)) == 0) {
      t->level = (enum ms_level)i;
      return;
    }
  rj_path(path, sizeof path, base, "level");
  rj_fail(c, l, path, "\"MUST\", \"SHOULD\", \"MAY\" or null expected");
}

/* "rfc821", "rfc5321" or null: the role letters of the diff. */
static void rj_convention(struct rj_ctx *c, const struct ms_json *o,
                          const char *base, struct ms_transcript_result *t) {
  const struct ms_json *v =
      rj_member(c, o, base, "convention", MS_JSON_STRING, false);
  if (!v)
    return;
  if (strcmp(v->str, "rfc821") == 0)
    t->convention = MS_CONV_RFC821;
  else if (strcmp(v->str, "rfc5321") == 0)
    t->convention = MS_CONV_RFC5321;
  else {
    char path[256];
    rj_path(path, sizeof path, base, "convention");
    rj_fail(c, v, path, "\"rfc821\", \"rfc5321\" or null expected");
  }
}

static void rj_tags(struct rj_ctx *c, const struct ms_json *o, const char *base,
                    struct ms_transcript_result *t) {
  const struct ms_json *a = rj_member(c, o, base, "tags", MS_JSON_ARRAY, false);
  if (!a || !a->n)
    return;
  t->tags = xcalloc(a->n, sizeof *t->tags);
  for (size_t i = 0; i < a->n; i++) {
    if (a->items[i].type != MS_JSON_STRING) {
      char path[256];
      snprintf(path, sizeof path, "%.160s.tags[%zu]", base, i);
      rj_fail(c, &a->items[i], path, "a string expected");
      return;
    }
    t->tags[t->ntags++] = xstrdup(a->items[i].str);
  }
}

/* "tls": null or {version, cipher, subject, issuer, not_after,
 * verified, verify_error} (issue 7). */
static void rj_tls(struct rj_ctx *c, const struct ms_json *o, const char *base,
                   struct ms_transcript_result *t) {
  char path[256];
  rj_path(path, sizeof path, base, "tls");
  const struct ms_json *v = rj_member(c, o, base, "tls", MS_JSON_OBJECT, false);
  if (!v)
    return;
  struct ms_tls_result *r = xcalloc(1, sizeof *r);
  r->version = rj_str(c, v, path, "version");
  r->cipher = rj_str(c, v, path, "cipher");
  r->subject = rj_str(c, v, path, "subject");
  r->issuer = rj_str(c, v, path, "issuer");
  r->not_after = rj_str(c, v, path, "not_after");
  const struct ms_json *b =
      rj_member(c, v, path, "verified", MS_JSON_BOOL, false);
  r->verified = b && b->b;
  r->verify_error = rj_str(c, v, path, "verify_error");
  t->tls = r;
}

/* "diverged": [{session, step, line, what, allowed, not_judged,
 * first_line, last_line}] (issue 12; absent in older files). */
static void rj_diverged(struct rj_ctx *c, const struct ms_json *o,
                        const char *base, struct ms_transcript_result *t) {
  const struct ms_json *a =
      rj_member(c, o, base, "diverged", MS_JSON_ARRAY, false);
  for (size_t i = 0; a && i < a->n && !c->failed; i++) {
    char path[256];
    snprintf(path, sizeof path, "%.160s.diverged[%zu]", base, i);
    const struct ms_json *v = &a->items[i];
    if (v->type != MS_JSON_OBJECT) {
      rj_fail(c, v, path, "an object expected");
      return;
    }
    if (!rj_member(c, v, path, "what", MS_JSON_STRING, true))
      return;
    char *what = rj_str(c, v, path, "what");
    struct ms_divergence *d = ms_tr_add_divergence(t, what);
    free(what);
    d->session = (size_t)rj_int(c, v, path, "session", 0, 1000000, false);
    d->step = (size_t)rj_int(c, v, path, "step", 0, 100000000, false);
    d->line = (int)rj_int(c, v, path, "line", 0, 0x7FFFFFFF, false);
    const struct ms_json *b =
        rj_member(c, v, path, "allowed", MS_JSON_BOOL, false);
    d->allowed = b && b->b;
    d->not_judged =
        (size_t)rj_int(c, v, path, "not_judged", 0, 100000000, false);
    d->first_line = (int)rj_int(c, v, path, "first_line", 0, 0x7FFFFFFF, false);
    d->last_line = (int)rj_int(c, v, path, "last_line", 0, 0x7FFFFFFF, false);
  }
}

/* "sessions": [{name, connection, line}] (issue 13; absent in older
 * files). */
static void rj_sessions(struct rj_ctx *c, const struct ms_json *o,
                        const char *base, struct ms_transcript_result *t) {
  const struct ms_json *a =
      rj_member(c, o, base, "sessions", MS_JSON_ARRAY, false);
  for (size_t i = 0; a && i < a->n && !c->failed; i++) {
    char path[256];
    snprintf(path, sizeof path, "%.160s.sessions[%zu]", base, i);
    const struct ms_json *v = &a->items[i];
    if (v->type != MS_JSON_OBJECT) {
      rj_fail(c, v, path, "an object expected");
      return;
    }
    char *name = rj_str(c, v, path, "name");
    size_t conn = (size_t)rj_int(c, v, path, "connection", 0, 1000000, false);
    int line = (int)rj_int(c, v, path, "line", 0, 0x7FFFFFFF, false);
    ms_tr_add_session(t, name, conn, line);
    free(name);
  }
}

static void rj_transcript(struct rj_ctx *c, const struct ms_json *o,
                          const char *base, struct ms_transcript_result *t) {
  if (o->type != MS_JSON_OBJECT) {
    rj_fail(c, o, base, "an object expected");
    return;
  }
  if (!rj_member(c, o, base, "id", MS_JSON_STRING, true))
    return;
  t->id = rj_str(c, o, base, "id");
  t->path = rj_str(c, o, base, "path");
  t->title = rj_str(c, o, base, "title");
  t->source = rj_str(c, o, base, "source");
  t->rfc = rj_str(c, o, base, "rfc");
  rj_enum_fields(c, o, base, t);
  rj_tags(c, o, base, t);
  t->suite = rj_str(c, o, base, "suite");
  t->verdict = (enum ms_verdict)rj_verdict(c, o, base);
  t->reason = rj_str(c, o, base, "reason");
  t->target = rj_str(c, o, base, "target");
  t->greeting = rj_str(c, o, base, "greeting");
  rj_convention(c, o, base, t);
  t->plan_index = (size_t)rj_int(c, o, base, "plan_index", 0, 1LL << 40, false);
  t->pcap = rj_str(c, o, base, "pcap");
  rj_tls(c, o, base, t);
  t->started = rj_num(c, o, base, "started");
  t->elapsed_ms = rj_num(c, o, base, "elapsed_ms");
  rj_sessions(c, o, base, t);
  rj_diverged(c, o, base, t);
  const struct ms_json *a =
      rj_member(c, o, base, "steps", MS_JSON_ARRAY, false);
  for (size_t i = 0; a && i < a->n && !c->failed; i++) {
    char path[256];
    snprintf(path, sizeof path, "%.160s.steps[%zu]", base, i);
    if (a->items[i].type != MS_JSON_OBJECT) {
      rj_fail(c, &a->items[i], path, "an object expected");
      return;
    }
    rj_step(c, &a->items[i], path, ms_tr_add_step(t));
  }
}

static void rj_header(struct rj_ctx *c, const struct ms_json *root) {
  if (root->type != MS_JSON_OBJECT) {
    rj_fail(c, root, "", "not a mailspec result (a JSON object expected)");
    return;
  }
  const struct ms_json *f =
      rj_member(c, root, "", "format", MS_JSON_STRING, true);
  if (f && strcmp(f->str, "mailspec-result") != 0) {
    rj_fail(c, f, "format", "\"mailspec-result\" expected, found \"%.40s\"",
            f->str);
    return;
  }
  const struct ms_json *v =
      rj_member(c, root, "", "version", MS_JSON_NUMBER, true);
  if (v && (!v->integer || v->num != MS_RESULT_JSON_VERSION))
    rj_fail(c, v, "version",
            "version %g is not supported (this mailspec reads version %d%s)",
            v->num, MS_RESULT_JSON_VERSION,
            v->num > MS_RESULT_JSON_VERSION ? "; upgrade mailspec" : "");
}

int ms_result_json_from(const struct ms_json *root, const char *name,
                        struct ms_run_result *r, char *err, size_t errlen) {
  struct rj_ctx c = {name ? name : "-", err, errlen, false};
  ms_run_init(r);
  rj_header(&c, root);
  const struct ms_json *a =
      c.failed ? NULL
               : rj_member(&c, root, "", "transcripts", MS_JSON_ARRAY, true);
  if (a) {
    r->target = rj_str(&c, root, "", "target");
    r->started = rj_num(&c, root, "", "started");
    r->elapsed_ms = rj_num(&c, root, "", "elapsed_ms");
    const struct ms_json *b =
        rj_member(&c, root, "", "interrupted", MS_JSON_BOOL, false);
    r->interrupted = b && b->b;
    r->ninvalid = (size_t)rj_int(&c, root, "", "invalid", 0, 100000000, false);
    r->v = xcalloc(a->n ? a->n : 1, sizeof *r->v);
    for (size_t i = 0; i < a->n && !c.failed; i++) {
      char path[64];
      snprintf(path, sizeof path, "transcripts[%zu]", i);
      r->n++;
      rj_transcript(&c, &a->items[i], path, &r->v[i]);
    }
  }
  if (c.failed) {
    ms_run_free(r);
    return -1;
  }
  ms_run_count(r);
  return 0;
}

int ms_result_json_read(const char *buf, size_t len, const char *name,
                        struct ms_run_result *r, char *err, size_t errlen) {
  char jerr[256];
  struct ms_json *root = ms_json_parse(buf, len, NULL, jerr, sizeof jerr);
  if (!root) {
    ms_run_init(r);
    snprintf(err, errlen, "%s:%s", name ? name : "-", jerr);
    return -1;
  }
  int rc = ms_result_json_from(root, name, r, err, errlen);
  ms_json_free(root);
  return rc;
}

static char *rj_read_stdin(size_t max, size_t *len) {
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      if (cap >= max) {
        free(buf);
        errno = EFBIG;
        return NULL;
      }
      cap = cap ? cap * 2 : 65536;
      buf = xrealloc(buf, cap + 1);
    }
    size_t got = fread(buf + n, 1, cap - n, stdin);
    n += got;
    if (got == 0)
      break;
  }
  if (ferror(stdin)) {
    free(buf);
    errno = EIO;
    return NULL;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

int ms_result_json_load(const char *path, struct ms_run_result *r, char *err,
                        size_t errlen) {
  size_t len = 0;
  bool in = strcmp(path, "-") == 0;
  char *buf = in ? rj_read_stdin(MS_RESULT_JSON_MAX, &len)
                 : ms_read_file(path, MS_RESULT_JSON_MAX, &len);
  if (!buf) {
    ms_run_init(r);
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  int rc = ms_result_json_read(buf, len, in ? "<stdin>" : path, r, err, errlen);
  free(buf);
  return rc;
}
