/* waiver: load waiver files and apply them to a run (see waiver.h). */
#include "mailspec/waiver.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "transcript_yaml.h"
#include "util.h"

/* Waiver files are read with the transcript loader's YAML front-end
 * (transcript_yaml.c): the same limits, positions and rules, a duplicate
 * key included (issue 16: one YAML front-end). */
struct wload {
  const char *file;
  struct ms_diags *d;
  struct ms_waivers *w;
};

static int waiver_err(struct wload *l, const struct ms_ynode *at,
                      const char *msg, const char *what) {
  ms_diags_add(l->d, false, l->file, at ? at->line : 1, at ? at->col : 1,
               "%s%s%s", msg, what ? ": " : "", what ? what : "");
  return -1;
}

static bool waiver_date_ok(const char *s) {
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
    return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
      return false;
  return true;
}

/* A text value for key K; anything else is an error. */
static int waiver_scalar(struct wload *l, const struct ms_ynode *k,
                         const struct ms_ynode *v, char **out) {
  if (v->kind != MS_YSCALAR)
    return waiver_err(l, v, "expected a text value for", k->str);
  free(*out);
  *out = xstrdup(v->str);
  return 0;
}

/* `verdict:` FAIL (the default) or ERROR: an ERROR is "could not judge",
 * so covering one must be asked for by name. */
static int waiver_verdict(struct wload *l, const struct ms_ynode *k,
                          const struct ms_ynode *v, struct ms_waiver *w) {
  if (v->kind != MS_YSCALAR)
    return waiver_err(l, v, "expected a text value for", k->str);
  if (!strcmp(v->str, "FAIL"))
    w->verdict = MS_FAIL;
  else if (!strcmp(v->str, "ERROR"))
    w->verdict = MS_ERROR;
  else
    return waiver_err(l, k, "`verdict:` must be FAIL or ERROR, not", v->str);
  return 0;
}

static int waiver_key(struct wload *l, const struct ms_ynode *k,
                      const struct ms_ynode *v, struct ms_waiver *w) {
  if (k->kind != MS_YSCALAR)
    return waiver_err(l, k, "expected a key (test, reason, expires, verdict)",
                      NULL);
  if (!strcmp(k->str, "test"))
    return waiver_scalar(l, k, v, &w->test);
  if (!strcmp(k->str, "reason"))
    return waiver_scalar(l, k, v, &w->reason);
  if (!strcmp(k->str, "expires"))
    return waiver_scalar(l, k, v, &w->expires);
  if (!strcmp(k->str, "verdict"))
    return waiver_verdict(l, k, v, w);
  return waiver_err(l, k, "unknown waiver key (test, reason, expires, verdict)",
                    k->str);
}

static int waiver_entry(struct wload *l, const struct ms_ynode *m) {
  if (m->kind != MS_YMAP)
    return waiver_err(l, m, "each waiver is a mapping (test, reason)", NULL);
  struct ms_waiver w = {0};
  w.verdict = MS_FAIL;
  w.file = xstrdup(l->file);
  w.line = m->line;
  int rc = 0;
  for (size_t i = 0; !rc && i + 1 < m->nkids; i += 2)
    rc = waiver_key(l, m->kids[i], m->kids[i + 1], &w);
  if (!rc && (!w.test || !w.reason || !*w.reason))
    rc = waiver_err(l, m, "a waiver needs `test:` and a non-empty `reason:`",
                    NULL);
  if (!rc && w.expires && !waiver_date_ok(w.expires))
    rc = waiver_err(l, m, "`expires:` must be a date YYYY-MM-DD, not",
                    w.expires);
  if (rc) {
    free(w.test), free(w.reason), free(w.expires), free(w.file);
    return -1;
  }
  xgrow((void **)&l->w->v, &l->w->cap, l->w->n, sizeof w);
  l->w->v[l->w->n++] = w;
  return 0;
}

static int waiver_list(struct wload *l, const struct ms_ynode *v) {
  if (v->kind != MS_YSEQ)
    return waiver_err(l, v, "`waivers:` must be a list", NULL);
  for (size_t i = 0; i < v->nkids; i++)
    if (waiver_entry(l, v->kids[i]))
      return -1;
  return 0;
}

static int waiver_top(struct wload *l, const struct ms_ynode *root) {
  if (root->kind != MS_YMAP)
    return waiver_err(l, root, "a waiver file is a mapping (server, waivers)",
                      NULL);
  for (size_t i = 0; i + 1 < root->nkids; i += 2) {
    const struct ms_ynode *k = root->kids[i], *v = root->kids[i + 1];
    int rc;
    if (k->kind == MS_YSCALAR && !strcmp(k->str, "server"))
      rc = waiver_scalar(l, k, v, &l->w->server);
    else if (k->kind == MS_YSCALAR && !strcmp(k->str, "waivers"))
      rc = waiver_list(l, v);
    else
      rc = waiver_err(l, k, "unknown key (server, waivers)",
                      k->kind == MS_YSCALAR ? k->str : "?");
    if (rc)
      return -1;
  }
  return 0;
}

int ms_waivers_load(struct ms_waivers *w, const char *file,
                    struct ms_diags *d) {
  size_t len;
  char *buf = ms_read_file(file, 4u << 20, &len);
  if (!buf) {
    ms_diags_add(d, false, file, 0, 0, "cannot read waiver file: %s",
                 strerror(errno));
    return -1;
  }
  struct wload l = {.file = file, .d = d, .w = w};
  size_t errs0 = d->nerrors;
  struct ms_ynode *root = ms_transcript_yaml_parse(file, buf, len, d);
  int rc = -1;
  if (root)
    rc = waiver_top(&l, root);
  else if (d->nerrors == errs0) /* empty: not a mapping either */
    waiver_err(&l, NULL, "a waiver file is a mapping (server, waivers)", NULL);
  ms_transcript_yaml_free(root);
  free(buf);
  return rc;
}

void ms_waivers_free(struct ms_waivers *w) {
  for (size_t i = 0; i < w->n; i++) {
    free(w->v[i].test);
    free(w->v[i].reason);
    free(w->v[i].expires);
    free(w->v[i].file);
  }
  free(w->v);
  free(w->server);
  memset(w, 0, sizeof *w);
}

static void waiver_today(char out[11], const char *today) {
  const char *env = getenv("MAILSPEC_TODAY");
  if (!today && env && waiver_date_ok(env))
    today = env;
  if (today) {
    snprintf(out, 11, "%s", today);
    return;
  }
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

/* The first waiver for test ID that covers verdict V (FAIL or ERROR). */
static struct ms_waiver *waiver_find(struct ms_waivers *w, const char *id,
                                     enum ms_verdict v) {
  for (size_t i = 0; i < w->n; i++)
    if (id && w->v[i].verdict == v && fnmatch(w->v[i].test, id, 0) == 0)
      return &w->v[i];
  return NULL;
}

void ms_waivers_apply(struct ms_waivers *w, struct ms_run_result *r,
                      const char *today, FILE *notes) {
  char day[11];
  waiver_today(day, today);
  for (size_t i = 0; i < r->n; i++) {
    struct ms_transcript_result *t = &r->v[i];
    if (t->verdict != MS_FAIL && t->verdict != MS_ERROR)
      continue;
    struct ms_waiver *wv = waiver_find(w, t->id, t->verdict);
    if (!wv)
      continue;
    /* ISO dates compare as strings. */
    bool expired = wv->expires && strcmp(day, wv->expires) > 0;
    char *old = t->reason;
    if (expired) {
      t->reason = xasprintf("waiver expired on %s (%s:%d): %s", wv->expires,
                            wv->file, wv->line, old ? old : "");
    } else if (t->verdict == MS_ERROR) {
      /* keep what could not be judged: the steps carry no diff for it */
      t->verdict = MS_WAIVED;
      t->reason = xasprintf("waived ERROR (%s:%d): %s [ERROR: %s]", wv->file,
                            wv->line, wv->reason, old ? old : "");
      wv->used++;
    } else {
      t->verdict = MS_WAIVED;
      t->reason =
          xasprintf("waived (%s:%d): %s", wv->file, wv->line, wv->reason);
      wv->used++;
    }
    free(old);
  }
  for (size_t i = 0; notes && i < w->n; i++)
    if (!w->v[i].used)
      fprintf(notes, "%s:%d: note: waiver for '%s' matched no %s\n",
              w->v[i].file, w->v[i].line, w->v[i].test,
              w->v[i].verdict == MS_ERROR ? "ERROR" : "failure");
  ms_run_count(r);
}
