/* engine_vars: the variables of a running transcript: what capture:
 * takes from replies, ${name} expanded in client lines and regexes (with
 * -D defines and vars:), and the at_most:/at_least: comparisons that read
 * captured values (RFC 2449 §6.7's EXPIRE NEVER included). */
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine_int.h"
#include "rx.h"
#include "util.h"

/* ---- captured variables (capture:) ----------------------------------- */

static struct ms_var *vars_find(const struct ms_eng *e, const char *name,
                                size_t n) {
  for (size_t i = 0; i < e->ncaps; i++)
    if (strlen(e->caps[i].name) == n && memcmp(e->caps[i].name, name, n) == 0)
      return &e->caps[i];
  return NULL;
}

/* Every name a capture: of the transcript declares, not yet captured. */
void ms_engine_vars_declare(struct ms_eng *e) {
  for (size_t si = 0; si < e->t->nsessions; si++) {
    const struct ms_session *s = &e->t->sessions[si];
    for (size_t i = 0; i < s->nsteps; i++) {
      const char *re, *name = NULL;
      while ((name = ms_step_capture_next(&s->steps[i], name, &re)))
        if (!vars_find(e, name, strlen(name))) {
          e->caps = xrealloc(e->caps, (e->ncaps + 1) * sizeof *e->caps);
          e->caps[e->ncaps++] = (struct ms_var){xstrdup(name), NULL};
        }
    }
  }
}

/* The overrides a client line is expanded with: the captured variables
 * (PLACEHOLDER for those not captured, or left out when NULL), then the
 * -D defines.  Caller frees the array (not the strings). */
struct ms_var *ms_engine_vars_overrides(const struct ms_eng *e,
                                        char *placeholder, size_t *n) {
  struct ms_var *v = xcalloc(e->ncaps + e->novr + 1, sizeof *v);
  size_t k = 0;
  for (size_t i = 0; i < e->ncaps; i++)
    if (e->caps[i].value || placeholder)
      v[k++] = (struct ms_var){
          e->caps[i].name, e->caps[i].value ? e->caps[i].value : placeholder};
  for (size_t i = 0; i < e->novr; i++)
    v[k++] = e->ovr[i];
  *n = k;
  return v;
}

struct vars_unset {
  const struct ms_eng *e;
  const char *name; /* the first captured variable without a value */
};

static void vars_unset_ref(const char *name, size_t n, void *arg) {
  struct vars_unset *u = arg;
  const struct ms_var *v = vars_find(u->e, name, n);
  if (v && !v->value && !u->name)
    u->name = v->name;
}

/* ST's wire bytes, or NULL with a reason (taken by the caller) in *WHY. */
char *ms_engine_vars_wire(struct ms_eng *e, const struct ms_step *st,
                          size_t *len, char **why) {
  char err[256] = "";
  struct vars_unset u = {e, NULL};
  if (st->text)
    ms_vars_each(st->text, st->len, vars_unset_ref, &u, err, sizeof err);
  if (st->octets && !u.name)
    ms_vars_each(st->octets, strlen(st->octets), vars_unset_ref, &u, err,
                 sizeof err);
  if (u.name) {
    *why = xasprintf("%s:%d: ${%s} has no value: its capture: did not match "
                     "an earlier reply",
                     e->t->path ? e->t->path : "?", st->line, u.name);
    return NULL;
  }
  size_t nv;
  struct ms_var *ovr = ms_engine_vars_overrides(e, NULL, &nv);
  char *wire = NULL;
  if (ms_step_wire(st, e->t->vars, e->t->nvars, ovr, nv, &wire, len, err,
                   sizeof err) != 0)
    *why = xasprintf("%s:%d: %s", e->t->path ? e->t->path : "?", st->line, err);
  else if (st->octets && *len == 0) /* data: {octets: ${empty}} */
    *why = xasprintf("%s:%d: octets: \"%s\" is empty",
                     e->t->path ? e->t->path : "?", st->line, st->octets);
  free(ovr);
  if (*why) {
    free(wire);
    wire = NULL;
  }
  return wire;
}

/* Capture NAME by RE from TEXT; NULL, or why not (caller frees).  A
 * value is stored only if it cannot break a command line it is put in
 * (no CR or LF; the text holds no NUL). */
static char *vars_capture_one(struct ms_eng *e, const char *name,
                              const char *re, const char *text) {
  regex_t rx;
  regmatch_t m[2];
  char why[200];
  if (ms_rx_compile(&rx, re, REG_EXTENDED | REG_NEWLINE, why, sizeof why) != 0)
    return xasprintf("capture: %s: bad regex /%s/: %s", name, re, why);
  int rc = regexec(&rx, text, 2, m, 0);
  regfree(&rx);
  if (rc != 0 || m[1].rm_so < 0)
    return xasprintf("reply text does not match capture: %s: /%s/", name, re);
  size_t n = (size_t)(m[1].rm_eo - m[1].rm_so);
  if (memchr(text + m[1].rm_so, '\n', n) || memchr(text + m[1].rm_so, '\r', n))
    return xasprintf("capture: %s: the text captured by /%s/ spans a line "
                     "end; a value must fit in one command line",
                     name, re);
  struct ms_var *v = vars_find(e, name, strlen(name));
  if (!v)
    return NULL; /* cannot happen: declared at preflight */
  free(v->value);
  v->value = xmemdup(text + m[1].rm_so, n);
  return NULL;
}

/* capture: of EXPECT step ST from reply REP; a regex that does not match
 * fails the step (the value was promised to later steps). */
void ms_engine_vars_capture(struct ms_eng *e, const struct ms_step *st,
                            const struct ms_reply *rep,
                            struct ms_step_result *r) {
  const char *re, *name = NULL;
  char *text = NULL;
  while ((name = ms_step_capture_next(st, name, &re))) {
    if (!text)
      text = ms_engine_reply_text(rep);
    char *why = vars_capture_one(e, name, re, text);
    if (why && r->verdict == MS_PASS) {
      r->verdict = MS_FAIL;
      free(r->reason);
      r->reason = why;
    } else {
      free(why);
    }
  }
  free(text);
}

/* The regexes of ST with captured variables in them, expanded: a copy of
 * ST in *OUT (its own text_re/not_re, freed by vars_step_free()).
 * False with a reason in *WHY when one has no value. */
static bool vars_step(const struct ms_eng *e, const struct ms_step *st,
                      struct ms_step *out, char **why) {
  char err[256] = "";
  *out = *st;
  out->text_re = out->not_re = out->each_re = NULL;
  if (st->text_re && !(out->text_re = ms_vars_expand_re(
                           st->text_re, e->caps, e->ncaps, err, sizeof err))) {
    *why = xasprintf("%s:%d: text: %s", e->t->path ? e->t->path : "?", st->line,
                     err);
    return false;
  }
  if (st->not_re && !(out->not_re = ms_vars_expand_re(
                          st->not_re, e->caps, e->ncaps, err, sizeof err))) {
    *why = xasprintf("%s:%d: not_text: %s", e->t->path ? e->t->path : "?",
                     st->line, err);
    return false;
  }
  if (st->each_re && !(out->each_re = ms_vars_expand_re(
                           st->each_re, e->caps, e->ncaps, err, sizeof err))) {
    *why = xasprintf("%s:%d: each_line: %s", e->t->path ? e->t->path : "?",
                     st->line, err);
    return false;
  }
  return true;
}

static void vars_step_free(struct ms_step *js) {
  free(js->text_re);
  free(js->not_re);
  free(js->each_re);
}

/* ---- at_most:, at_least: ---------------------------------------------- */

/* A value compared: a decimal number, or NEVER, RFC 2449 §6.7's EXPIRE
 * value that is greater than every number.  False when it is neither. */
static bool vars_cmp_value(const char *s, size_t n, double *out) {
  if (n == 5 && strncasecmp(s, "NEVER", 5) == 0) {
    *out = HUGE_VAL;
    return true;
  }
  if (n == 0 || n > 15 || strspn(s, "0123456789") < n)
    return false;
  *out = 0;
  for (size_t i = 0; i < n; i++)
    *out = *out * 10 + (s[i] - '0');
  return true;
}

/* One NAME: RE of at_most: (MOST) or at_least: against TEXT; NULL or why
 * the step fails (*ERR: it could not be judged). */
static char *vars_cmp_one(const struct ms_eng *e, bool most, const char *name,
                          const char *re, const char *text, bool *err) {
  const char *key = most ? "at_most" : "at_least";
  const struct ms_var *v = vars_find(e, name, strlen(name));
  double bound, got;
  *err = true;
  if (!v || !v->value)
    return xasprintf("%s: ${%s} has no value: no capture: before this step "
                     "gave it one",
                     key, name);
  if (!vars_cmp_value(v->value, strlen(v->value), &bound))
    return xasprintf("%s: ${%s} is '%s', not a number", key, name, v->value);
  *err = false;
  regex_t rx;
  regmatch_t m[2];
  char why[200];
  if (ms_rx_compile(&rx, re, REG_EXTENDED | REG_NEWLINE, why, sizeof why) !=
      0) {
    *err = true;
    return xasprintf("%s: bad regex /%s/: %s", key, re, why);
  }
  int rc = regexec(&rx, text, 2, m, 0);
  regfree(&rx);
  if (rc != 0 || m[1].rm_so < 0)
    return xasprintf("reply text does not match %s: %s: /%s/", key, name, re);
  const char *g = text + m[1].rm_so;
  size_t n = (size_t)(m[1].rm_eo - m[1].rm_so);
  if (!vars_cmp_value(g, n, &got))
    return xasprintf("%s: '%.*s' (/%s/) is not a number", key, (int)n, g, re);
  if (most ? got <= bound : got >= bound)
    return NULL;
  return xasprintf("%.*s is %s than ${%s} (%s)", (int)n, g,
                   most ? "greater" : "smaller", name, v->value);
}

/* at_most:/at_least: of ST against REP, once everything else passed. */
static void vars_compare(const struct ms_eng *e, const struct ms_step *st,
                         const struct ms_reply *rep, struct ms_step_result *r) {
  if (r->verdict != MS_PASS || (!st->at_most && !st->at_least))
    return;
  char *text = ms_engine_reply_text(rep);
  for (int k = 0; k < 2 && r->verdict == MS_PASS; k++) {
    const char *p = k == 0 ? st->at_most : st->at_least;
    for (; p && *p && r->verdict == MS_PASS; p += strlen(p) + 1) {
      const char *re = p + strlen(p) + 1;
      bool err;
      char *why = vars_cmp_one(e, k == 0, p, re, text, &err);
      if (why && err)
        ms_engine_error(r, why);
      else if (why) {
        r->verdict = MS_FAIL;
        free(r->reason);
        r->reason = why;
      }
      p = re;
    }
  }
  free(text);
}

/* Judge REP for ST into R, with captured variables expanded. */
void ms_engine_vars_judge(struct ms_eng *e, const struct ms_step *st,
                          const struct ms_reply *rep,
                          struct ms_step_result *r) {
  struct ms_step js;
  char *why = NULL;
  bool ok = vars_step(e, st, &js, &why);
  ms_engine_judge(ok ? &js : st, e->t->protocol, rep, r);
  vars_step_free(&js);
  if (!ok)
    ms_engine_error(r, why);
  vars_compare(e, st, rep, r);
}

/* TEXT with ${name} expanded: the values captured so far, -D, vars:. */
char *ms_engine_vars_expand(const struct ms_eng *e, const char *text, char *err,
                            size_t errlen) {
  size_t n, nv;
  struct ms_var *ovr = ms_engine_vars_overrides(e, NULL, &nv);
  char *v = ms_vars_expand(text ? text : "", text ? strlen(text) : 0,
                           e->t->vars, e->t->nvars, ovr, nv, &n, err, errlen);
  free(ovr);
  return v;
}

char *ms_engine_vars_expand_all(const struct ms_eng *e, const char *text,
                                char *err, size_t errlen) {
  size_t nv, n;
  struct ms_var *ovr = ms_engine_vars_overrides(e, NULL, &nv);
  char *r = ms_vars_expand(text, strlen(text), e->t->vars, e->t->nvars, ovr, nv,
                           &n, err, errlen);
  free(ovr);
  return r;
}

char *ms_engine_vars_expand_re(const struct ms_eng *e, const char *re,
                               char *err, size_t errlen) {
  size_t nv;
  struct ms_var *ovr = ms_engine_vars_overrides(e, NULL, &nv);
  struct ms_var *all = xcalloc(nv + e->t->nvars + 1, sizeof *all);
  if (nv) /* memcpy from NULL is undefined even for 0 octets */
    memcpy(all, ovr, nv * sizeof *all);
  if (e->t->nvars)
    memcpy(all + nv, e->t->vars, e->t->nvars * sizeof *all);
  free(ovr);
  char *r = ms_vars_expand_re(re, all, nv + e->t->nvars, err, errlen);
  free(all);
  return r;
}
