/* waiver: load waiver files and apply them to a run (see waiver.h). */
#include "mailspec/waiver.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "util.h"

struct wload {
  yaml_parser_t p;
  const char *file;
  struct ms_diags *d;
  struct ms_waivers *w;
};

static int waiver_err(struct wload *l, const yaml_mark_t *m, const char *msg,
                      const char *what) {
  ms_diags_add(l->d, false, l->file, (int)m->line + 1, (int)m->column + 1,
               "%s%s%s", msg, what ? ": " : "", what ? what : "");
  return -1;
}

/* Next event into EV; -1 (with a diagnostic) on a YAML syntax error. */
static int waiver_next(struct wload *l, yaml_event_t *ev) {
  if (yaml_parser_parse(&l->p, ev))
    return 0;
  ms_diags_add(l->d, false, l->file, (int)l->p.problem_mark.line + 1,
               (int)l->p.problem_mark.column + 1, "YAML: %s",
               l->p.problem ? l->p.problem : "syntax error");
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

/* A scalar value for KEY; anything else is an error. */
static int waiver_scalar(struct wload *l, const char *key, char **out) {
  yaml_event_t ev;
  if (waiver_next(l, &ev))
    return -1;
  if (ev.type != YAML_SCALAR_EVENT) {
    waiver_err(l, &ev.start_mark, "expected a text value for", key);
    yaml_event_delete(&ev);
    return -1;
  }
  free(*out);
  *out = xstrdup((const char *)ev.data.scalar.value);
  yaml_event_delete(&ev);
  return 0;
}

/* `verdict:` FAIL (the default) or ERROR: an ERROR is "could not judge",
 * so covering one must be asked for by name. */
static int waiver_verdict(struct wload *l, const yaml_mark_t *at,
                          struct ms_waiver *w) {
  char *v = NULL;
  if (waiver_scalar(l, "verdict", &v))
    return -1;
  int rc = 0;
  if (!strcmp(v, "FAIL"))
    w->verdict = MS_FAIL;
  else if (!strcmp(v, "ERROR"))
    w->verdict = MS_ERROR;
  else
    rc = waiver_err(l, at, "`verdict:` must be FAIL or ERROR, not", v);
  free(v);
  return rc;
}

static int waiver_entry(struct wload *l, const yaml_mark_t *at) {
  struct ms_waiver w = {0};
  w.verdict = MS_FAIL;
  w.file = xstrdup(l->file);
  w.line = (int)at->line + 1;
  int rc = 0;
  for (;;) {
    yaml_event_t ev;
    if (waiver_next(l, &ev)) {
      rc = -1;
      break;
    }
    if (ev.type == YAML_MAPPING_END_EVENT) {
      yaml_event_delete(&ev);
      break;
    }
    char *key = ev.type == YAML_SCALAR_EVENT
                    ? xstrdup((const char *)ev.data.scalar.value)
                    : NULL;
    yaml_mark_t km = ev.start_mark;
    yaml_event_delete(&ev);
    if (!key) {
      rc = waiver_err(l, &km, "expected a key (test, reason, expires, verdict)",
                      NULL);
      break;
    }
    if (!strcmp(key, "test"))
      rc = waiver_scalar(l, key, &w.test);
    else if (!strcmp(key, "reason"))
      rc = waiver_scalar(l, key, &w.reason);
    else if (!strcmp(key, "expires"))
      rc = waiver_scalar(l, key, &w.expires);
    else if (!strcmp(key, "verdict"))
      rc = waiver_verdict(l, &km, &w);
    else
      rc = waiver_err(
          l, &km, "unknown waiver key (test, reason, expires, verdict)", key);
    free(key);
    if (rc)
      break;
  }
  if (!rc && (!w.test || !w.reason || !*w.reason))
    rc = waiver_err(l, at, "a waiver needs `test:` and a non-empty `reason:`",
                    NULL);
  if (!rc && w.expires && !waiver_date_ok(w.expires))
    rc = waiver_err(l, at, "`expires:` must be a date YYYY-MM-DD, not",
                    w.expires);
  if (rc) {
    free(w.test), free(w.reason), free(w.expires), free(w.file);
    return -1;
  }
  xgrow((void **)&l->w->v, &l->w->cap, l->w->n, sizeof w);
  l->w->v[l->w->n++] = w;
  return 0;
}

static int waiver_list(struct wload *l) {
  yaml_event_t ev;
  if (waiver_next(l, &ev))
    return -1;
  if (ev.type != YAML_SEQUENCE_START_EVENT) {
    waiver_err(l, &ev.start_mark, "`waivers:` must be a list", NULL);
    yaml_event_delete(&ev);
    return -1;
  }
  yaml_event_delete(&ev);
  for (;;) {
    if (waiver_next(l, &ev))
      return -1;
    yaml_event_type_t t = ev.type;
    yaml_mark_t m = ev.start_mark;
    yaml_event_delete(&ev);
    if (t == YAML_SEQUENCE_END_EVENT)
      return 0;
    if (t != YAML_MAPPING_START_EVENT)
      return waiver_err(l, &m, "each waiver is a mapping (test, reason)", NULL);
    if (waiver_entry(l, &m))
      return -1;
  }
}

static int waiver_top(struct wload *l) {
  yaml_event_t ev;
  /* stream start, document start, mapping start */
  for (int i = 0; i < 3; i++) {
    if (waiver_next(l, &ev))
      return -1;
    yaml_event_type_t t = ev.type;
    yaml_mark_t m = ev.start_mark;
    yaml_event_delete(&ev);
    if (i == 2 && t != YAML_MAPPING_START_EVENT)
      return waiver_err(l, &m, "a waiver file is a mapping (server, waivers)",
                        NULL);
  }
  for (;;) {
    if (waiver_next(l, &ev))
      return -1;
    if (ev.type == YAML_MAPPING_END_EVENT) {
      yaml_event_delete(&ev);
      return 0;
    }
    char *key = ev.type == YAML_SCALAR_EVENT
                    ? xstrdup((const char *)ev.data.scalar.value)
                    : NULL;
    yaml_mark_t km = ev.start_mark;
    yaml_event_delete(&ev);
    int rc;
    if (key && !strcmp(key, "server"))
      rc = waiver_scalar(l, key, &l->w->server);
    else if (key && !strcmp(key, "waivers"))
      rc = waiver_list(l);
    else
      rc = waiver_err(l, &km, "unknown key (server, waivers)", key ? key : "?");
    free(key);
    if (rc)
      return -1;
  }
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
  yaml_parser_initialize(&l.p);
  yaml_parser_set_input_string(&l.p, (const unsigned char *)buf, len);
  int rc = waiver_top(&l);
  yaml_parser_delete(&l.p);
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
