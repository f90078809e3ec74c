/* result: the one result model (see result.h).  Construction helpers
 * for the engine, counting and the exit status for the CLI. */
#include "mailspec/result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailspec/mailspec.h"
#include "util.h"

static const char *const result_verdict_names[] = {
    [MS_PASS] = "PASS", [MS_FAIL] = "FAIL",     [MS_ERROR] = "ERROR",
    [MS_SKIP] = "SKIP", [MS_WAIVED] = "WAIVED", [MS_NOTRUN] = "NOTRUN"};

const char *ms_verdict_name(enum ms_verdict v) {
  if ((unsigned)v > MS_NOTRUN)
    return "?";
  return result_verdict_names[v];
}

void ms_run_init(struct ms_run_result *r) {
  memset(r, 0, sizeof *r);
}

static void result_step_free(struct ms_step_result *s) {
  free(s->sent);
  free(s->expected);
  free(s->got);
  free(s->reason);
  for (size_t i = 0; i < s->nfindings; i++)
    free(s->findings[i].what);
  free(s->findings);
}

void ms_tls_result_free(struct ms_tls_result *t) {
  if (!t)
    return;
  free(t->version);
  free(t->cipher);
  free(t->subject);
  free(t->issuer);
  free(t->not_after);
  free(t->verify_error);
  memset(t, 0, sizeof *t);
}

static char *result_dup(const char *s) {
  return s ? xstrdup(s) : NULL;
}

struct ms_tls_result *ms_tls_result_dup(const struct ms_tls_result *t) {
  if (!t)
    return NULL;
  struct ms_tls_result *r = xcalloc(1, sizeof *r);
  r->version = result_dup(t->version);
  r->cipher = result_dup(t->cipher);
  r->subject = result_dup(t->subject);
  r->issuer = result_dup(t->issuer);
  r->not_after = result_dup(t->not_after);
  r->verified = t->verified;
  r->verify_error = result_dup(t->verify_error);
  return r;
}

char *ms_tls_result_text(const struct ms_tls_result *t) {
  const char *v = t->version ? t->version : "no session";
  char *cert =
      t->subject
          ? xasprintf(", certificate %s%s%s%s, expires %s", t->subject,
                      t->issuer ? " (issuer " : "", t->issuer ? t->issuer : "",
                      t->issuer ? ")" : "", t->not_after ? t->not_after : "?")
          : xstrdup(", no certificate");
  char *r = xasprintf("%s%s%s%s, %s%s", v, t->cipher ? " " : "",
                      t->cipher ? t->cipher : "", cert,
                      t->verified ? "verified" : "NOT verified",
                      t->verified || !t->verify_error ? "" : ": ");
  free(cert);
  if (!t->verified && t->verify_error) {
    char *x = xasprintf("%s%s", r, t->verify_error);
    free(r);
    r = x;
  }
  return r;
}

void ms_transcript_result_free(struct ms_transcript_result *t) {
  if (!t)
    return;
  free(t->path);
  free(t->id);
  free(t->title);
  free(t->source);
  free(t->rfc);
  for (size_t i = 0; i < t->ntags; i++)
    free(t->tags[i]);
  free(t->tags);
  free(t->suite);
  free(t->reason);
  for (size_t i = 0; i < t->nsteps; i++)
    result_step_free(&t->steps[i]);
  free(t->steps);
  free(t->greeting);
  free(t->target);
  free(t->pcap);
  ms_tls_result_free(t->tls);
  free(t->tls);
  for (size_t i = 0; i < t->ndiverged; i++)
    free(t->diverged[i].what);
  free(t->diverged);
  for (size_t i = 0; i < t->nsessions; i++)
    free(t->sessions[i].name);
  free(t->sessions);
  memset(t, 0, sizeof *t);
}

void ms_run_free(struct ms_run_result *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->n; i++)
    ms_transcript_result_free(&r->v[i]);
  free(r->v);
  free(r->target);
  memset(r, 0, sizeof *r);
}

void ms_run_count(struct ms_run_result *r) {
  memset(r->counts, 0, sizeof r->counts);
  for (size_t i = 0; i < r->n; i++) {
    unsigned v = (unsigned)r->v[i].verdict;
    if (v <= MS_NOTRUN)
      r->counts[v]++;
  }
}

bool ms_result_fail_counts(const struct ms_transcript_result *t, bool strict) {
  switch (t->level) {
  case MS_LEVEL_MAY:
    return false;
  case MS_LEVEL_SHOULD:
    return strict;
  case MS_LEVEL_NONE:
  case MS_LEVEL_MUST:
    break;
  }
  return true;
}

/* Computed from the results themselves, not from counts[], so that a
 * caller who forgot ms_run_count() still gets the right status. */
int ms_run_exit_status_strict(const struct ms_run_result *r, bool strict) {
  if (r->ninvalid > 0)
    return MS_EXIT_USAGE;
  bool fail = false, error = false;
  for (size_t i = 0; i < r->n; i++) {
    switch (r->v[i].verdict) {
    case MS_FAIL:
      fail = fail || ms_result_fail_counts(&r->v[i], strict);
      break;
    case MS_ERROR:
    case MS_NOTRUN:
      error = true;
      break;
    case MS_PASS:
    case MS_SKIP:
    case MS_WAIVED:
      break;
    }
  }
  if (fail)
    return MS_EXIT_FAIL;
  if (error)
    return MS_EXIT_ERROR;
  return MS_EXIT_PASS;
}

int ms_run_exit_status(const struct ms_run_result *r) {
  return ms_run_exit_status_strict(r, true);
}

/* Grown one element at a time: robust when another module (merge, a
 * JSON reader) built the array with an exact size. */
struct ms_step_result *ms_tr_add_step(struct ms_transcript_result *t) {
  t->steps = xrealloc(t->steps, (t->nsteps + 1) * sizeof *t->steps);
  struct ms_step_result *s = &t->steps[t->nsteps++];
  memset(s, 0, sizeof *s);
  return s;
}

void ms_step_add_finding(struct ms_step_result *s, unsigned violation,
                         const char *what) {
  s->findings = xrealloc(s->findings, (s->nfindings + 1) * sizeof *s->findings);
  s->findings[s->nfindings].violation = violation;
  s->findings[s->nfindings].what = xstrdup(what ? what : "");
  s->nfindings++;
}

struct ms_divergence *ms_tr_add_divergence(struct ms_transcript_result *t,
                                           const char *what) {
  t->diverged = xrealloc(t->diverged, (t->ndiverged + 1) * sizeof *t->diverged);
  struct ms_divergence *d = &t->diverged[t->ndiverged++];
  memset(d, 0, sizeof *d);
  d->what = xstrdup(what ? what : "");
  return d;
}

/* Does T hold more than one session (name it then)? */
static bool result_sessions(const struct ms_transcript_result *t) {
  for (size_t i = 0; i < t->nsteps; i++)
    if (t->steps[i].session > 0)
      return true;
  for (size_t i = 0; i < t->ndiverged; i++)
    if (t->diverged[i].session > 0)
      return true;
  return false;
}

char *ms_divergence_text(const struct ms_transcript_result *t,
                         const struct ms_divergence *d) {
  char *sess = result_sessions(t) ? xasprintf("session %zu ", d->session + 1)
                                  : xstrdup("");
  char *lines;
  if (d->first_line > 0 && d->last_line > d->first_line)
    lines = xasprintf(" (lines %d-%d)", d->first_line, d->last_line);
  else if (d->first_line > 0)
    lines = xasprintf(" (line %d)", d->first_line);
  else
    lines = xstrdup("");
  char *r = xasprintf("%s%s at %s; %s: %zu later step%s%s", sess,
                      d->allowed ? "ended" : "diverged", d->what,
                      d->allowed ? "not run" : "not judged", d->not_judged,
                      d->not_judged == 1 ? "" : "s", lines);
  free(sess);
  free(lines);
  return r;
}

struct ms_session_result *ms_tr_add_session(struct ms_transcript_result *t,
                                            const char *name, size_t conn,
                                            int line) {
  t->sessions = xrealloc(t->sessions, (t->nsessions + 1) * sizeof *t->sessions);
  struct ms_session_result *s = &t->sessions[t->nsessions++];
  s->name = name ? xstrdup(name) : NULL;
  s->conn = conn;
  s->line = line;
  return s;
}

const char *ms_session_label(const struct ms_transcript_result *t,
                             size_t session, char *buf, size_t len) {
  if (t->nsessions < 2 || session >= t->nsessions)
    return NULL;
  if (t->sessions[session].name)
    return t->sessions[session].name;
  snprintf(buf, len, "session %zu", session + 1);
  return buf;
}
