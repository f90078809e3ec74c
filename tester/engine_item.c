/* engine_item: one plan item from path to result: load the transcript,
 * fill the facts every report shows, pick the variables, start the
 * reference server for -t builtin, share the requires: probe, and hand
 * the loaded transcript to the session walker (engine.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine_int.h"
#include "mailspec/server.h"
#include "util.h"

static char **eng_strv_dup(char *const *v, size_t n) {
  char **r = xcalloc(n ? n : 1, sizeof *r);
  for (size_t i = 0; i < n; i++)
    r[i] = xstrdup(v[i] ? v[i] : "");
  return r;
}

static char *eng_dup(const char *s) {
  return s ? xstrdup(s) : NULL;
}

/* The transcript's facts every report shows. */
static void eng_meta_fill(struct ms_transcript_result *out,
                          const struct ms_transcript *t,
                          const struct ms_suite *suite) {
  out->path = eng_dup(t->path);
  out->id = eng_dup(t->id ? t->id : t->path);
  out->title = eng_dup(t->title);
  out->source = eng_dup(t->source);
  out->rfc = eng_dup(t->rfc);
  out->protocol = t->protocol;
  out->convention = t->convention;
  out->level = t->level;
  if (out->level == MS_LEVEL_NONE && suite)
    out->level = suite->level;
  size_t ns = suite ? suite->ntags : 0;
  out->tags = eng_strv_dup(t->tags, t->ntags);
  out->ntags = t->ntags;
  for (size_t i = 0; i < ns; i++) {
    bool dup = false;
    for (size_t j = 0; j < out->ntags && !dup; j++)
      dup = strcmp(out->tags[j], suite->tags[i]) == 0;
    if (dup)
      continue;
    out->tags = xrealloc(out->tags, (out->ntags + 1) * sizeof *out->tags);
    out->tags[out->ntags++] = xstrdup(suite->tags[i]);
  }
  out->suite =
      suite ? eng_dup(suite->title ? suite->title : suite->path) : NULL;
}

/* import wrote replayable: false: bytes are missing from the capture,
 * so no verdict past them would mean anything (issue 6).  Not run. */
static bool eng_not_replayable(const struct ms_transcript *t,
                               struct ms_transcript_result *out) {
  if (t->replayable)
    return false;
  out->verdict = MS_ERROR;
  free(out->reason);
  out->reason =
      xasprintf("%s: not replayable: the capture has gaps "
                "(import or replay with --allow-gaps to run it anyway)",
                t->path);
  return true;
}

void ms_engine_run_transcript(const struct ms_engine_opts *o,
                              const struct ms_transcript *t, const char *host,
                              const char *port,
                              struct ms_transcript_result *out) {
  if (!out->path)
    eng_meta_fill(out, t, NULL);
  if (eng_not_replayable(t, out))
    return;
  ms_engine_run_loaded(o, t, host, port, o->defines, o->ndefines, NULL, out);
}

static void eng_invalid(const struct ms_engine_opts *o,
                        const struct ms_plan_item *item,
                        const struct ms_diags *d,
                        struct ms_transcript_result *out) {
  if (!out->path)
    out->path = xstrdup(item->path);
  if (!out->id)
    out->id = ms_transcript_default_id(item->path);
  out->verdict = MS_ERROR;
  free(out->reason);
  out->reason = ms_diags_errors_text(d);
  if (!*out->reason) {
    free(out->reason);
    out->reason = xasprintf("%s: cannot load the transcript", item->path);
  }
  if (o->diag)
    fprintf(o->diag, "%s\n", out->reason);
}

/* -D defines first, then the suite's vars that no define shadows. */
static struct ms_var *eng_overrides(const struct ms_engine_opts *o,
                                    const struct ms_suite *suite, size_t *n) {
  size_t ns = suite ? suite->nvars : 0;
  struct ms_var *v = xcalloc(o->ndefines + ns + 1, sizeof *v);
  size_t k = 0;
  for (size_t i = 0; i < o->ndefines; i++)
    v[k++] = o->defines[i];
  for (size_t i = 0; i < ns; i++) {
    bool shadowed = false;
    for (size_t j = 0; j < o->ndefines && !shadowed; j++)
      shadowed = strcmp(o->defines[j].name, suite->vars[i].name) == 0;
    if (!shadowed)
      v[k++] = suite->vars[i];
  }
  *n = k;
  return v;
}

/* run --pcap: write this transcript's capture to DIR/<id>.pcap (the id
 * with '/' as '_') and link it from the result. */
static void eng_pcap_finish(const struct ms_engine_opts *o,
                            struct ms_conn_capture *cap,
                            struct ms_transcript_result *out) {
  ms_engine_conn_capture(NULL);
  char *name = xstrdup(out->id ? out->id : "transcript");
  for (char *p = name; *p; p++)
    if (*p == '/')
      *p = '_';
  char *path = xasprintf("%s/%s.pcap", o->pcap_dir, name);
  free(name);
  long n = ms_engine_conn_capture_stop(cap, path);
  if (n > 0) {
    /* Written, but with a warning (packets missing): say so once. */
    if (cap->err[0] && o->diag)
      fprintf(o->diag, "mailspec run: %s: capture %s\n",
              out->path ? out->path : "?", cap->err);
    out->pcap = path;
    return;
  }
  if (n < 0 && o->diag)
    fprintf(o->diag, "mailspec run: %s: no capture: %s\n",
            out->path ? out->path : "?", cap->err);
  free(path);
}

/* Start the reference server for T with its world; NULL with a reason
 * in *WHY (and *INVALID when the world itself is wrong). */
static struct ms_server *eng_builtin_start(const struct ms_transcript *t,
                                           struct ms_world **wp, char **why,
                                           bool *invalid) {
  struct ms_diags d = {0};
  struct ms_world *w = ms_world_builtin();
  int rc = 0;
  if (w && t->world_path)
    rc = ms_world_apply_file(w, t->world_path, &d);
  if (w && rc == 0 && t->world_yaml)
    rc = ms_world_apply_yaml(w, t->path, t->world_yaml, strlen(t->world_yaml),
                             t->world_line, &d);
  if (rc != 0 || d.nerrors > 0) {
    *why = ms_diags_errors_text(&d);
    if (!**why) {
      free(*why);
      *why = xasprintf("%s:%d: bad world", t->path, t->world_line);
    }
    *invalid = true;
    ms_diags_free(&d);
    ms_world_free(w);
    return NULL;
  }
  ms_diags_free(&d);
  struct ms_server_opts so = {.protocol = t->protocol,
                              .profile = t->profile,
                              .world = w,
                              /* the mailbox side of delivery checks, on the
                               * same store (issue 14) */
                              .pop3_listen =
                                  t->uses_mailbox ? "127.0.0.1:0" : NULL};
  struct ms_server_tls tls = {.implicit = t->tls_implicit};
  char err[256] = "";
  struct ms_server *srv =
      ms_server_start_tls(&so, &tls, "127.0.0.1:0", err, sizeof err);
  if (!srv) {
    *why = xasprintf("cannot start the reference server: %s",
                     err[0] ? err : "unknown error");
    ms_world_free(w);
    return NULL;
  }
  *wp = w;
  return srv;
}

static void eng_run_builtin(const struct ms_engine_opts *o,
                            const struct ms_transcript *t,
                            const struct ms_var *ovr, size_t novr,
                            struct ms_conn_capture *cap,
                            struct ms_transcript_result *out, bool *invalid) {
  struct ms_world *w = NULL;
  char *why = NULL;
  out->target = xstrdup("builtin");
  out->started = ms_wallclock();
  struct ms_server *srv = eng_builtin_start(t, &w, &why, invalid);
  if (!srv) {
    out->verdict = MS_ERROR;
    out->reason = why;
    if (*invalid && o->diag)
      fprintf(o->diag, "%s\n", why);
    if (cap)
      eng_pcap_finish(o, cap, out);
    return;
  }
  /* The reference server's certificate is its own, made at start: trust
   * exactly it, so that verification stays on. */
  struct ms_engine_env env = {ovr,
                              novr,
                              NULL,
                              ms_server_tls_cert(srv),
                              ms_server_pop3_host(srv),
                              ms_server_pop3_port(srv)};
  ms_engine_run_env(o, t, ms_server_host(srv), ms_server_port(srv), &env, out);
  /* Finish the capture while the server still runs: it then closes its
   * side as the dialogue ended, not with the 421 of a server stopping. */
  if (cap)
    eng_pcap_finish(o, cap, out);
  ms_server_stop(srv);
  ms_world_free(w);
}

/* The shared probe for T's protocol, run once under the cache's lock. */
static const struct ms_probe *eng_cached_probe(const struct ms_engine_opts *o,
                                               const struct ms_transcript *t,
                                               struct ms_probe_cache *c) {
  /* tls: implicit on a plain HOST:PORT target: this one probes itself. */
  if (!c || t->nrequires == 0 || (t->tls_implicit && !o->target.tls))
    return NULL;
  struct ms_probe *p = &c->p[t->protocol];
  /* One session probes, outside the lock: the others may be fibers of
   * the same thread, so they wait by yielding, never on the mutex. */
  pthread_mutex_lock(&c->mu);
  while (p->running && !ms_net_stopped(o->stop)) {
    pthread_mutex_unlock(&c->mu);
    ms_net_sleep(0.002, o->stop);
    pthread_mutex_lock(&c->mu);
  }
  bool mine = !p->done && !p->running;
  p->running |= mine;
  pthread_mutex_unlock(&c->mu);
  if (!mine)
    return p->done ? p : NULL;
  struct ms_probe got = {0};
  ms_engine_probe_tls(o, t->protocol, o->target.host, o->target.port,
                      o->target.tls, o->tls_ctx, &got);
  pthread_mutex_lock(&c->mu);
  got.running = false;
  got.done = true;
  *p = got;
  pthread_mutex_unlock(&c->mu);
  return p;
}

/* replay --pace: the transcript starts at its captured offset (at:)
 * divided by the pace, counted from the run's start.  True when it
 * waited. */
static bool eng_pace_start(const struct ms_engine_opts *o,
                           const struct ms_transcript *t,
                           const struct ms_plan_item *item) {
  if (o->pace <= 0 || t->at < 0)
    return false;
  ms_engine_pace_until(o, o->epoch + t->at / o->pace, item->index, t->path,
                       t->at_line, true);
  return true;
}

/* What a text report shows of a PASS is its id and title: the rest is
 * freed (the drop_passed_steps option). */
static void eng_drop_steps(const struct ms_engine_opts *o,
                           struct ms_transcript_result *out) {
  struct ms_transcript_result keep;
  memset(&keep, 0, sizeof keep);
  if (o->drop_passed_meta) {
    keep.plan_index = out->plan_index;
    keep.level = out->level;
    keep.verdict = out->verdict;
    keep.started = out->started;
    keep.elapsed_ms = out->elapsed_ms;
    ms_transcript_result_free(out);
    *out = keep;
    return;
  }
  keep.path = out->path;
  keep.id = out->id;
  keep.title = out->title;
  keep.suite = out->suite;
  keep.protocol = out->protocol;
  keep.convention = out->convention;
  keep.plan_index = out->plan_index;
  keep.pcap = out->pcap;
  out->pcap = NULL;
  keep.level = out->level;
  keep.verdict = out->verdict;
  keep.started = out->started;
  keep.elapsed_ms = out->elapsed_ms;
  keep.tls = out->tls; /* small, and -v shows it */
  out->tls = NULL;
  out->path = out->id = out->title = out->suite = NULL;
  ms_transcript_result_free(out);
  *out = keep;
}

bool ms_engine_run_item(const struct ms_engine_opts *o,
                        const struct ms_plan_item *item,
                        struct ms_probe_cache *cache,
                        struct ms_transcript_result *out) {
  struct ms_diags d = {0};
  double t0 = ms_now();
  out->started = ms_wallclock();
  out->plan_index = item->index;
  errno = 0;
  bool shared = false;
  struct ms_load_cache *lc = cache ? &cache->loads : NULL;
  struct ms_transcript *t = ms_engine_load_cached(lc, item, &d, &shared);
  if (!t && (errno == EMFILE || errno == ENFILE || errno == ENOMEM)) {
    /* The file is fine: this process ran out of something (-j N under
     * a low ulimit -n).  Not judged, not invalid. */
    out->elapsed_ms = (ms_now() - t0) * 1000.0;
    out->path = xstrdup(item->path);
    out->id = ms_transcript_default_id(item->path);
    out->verdict = MS_ERROR;
    int e = errno;
    out->reason = xasprintf("%s: cannot read the transcript: %s%s", item->path,
                            strerror(e),
                            e == ENOMEM ? ""
                                        : " (the open-files limit, ulimit "
                                          "-n, is too low for this -j)");
    ms_diags_free(&d);
    return false;
  }
  if (!t || d.nerrors > 0) {
    out->elapsed_ms = (ms_now() - t0) * 1000.0;
    eng_invalid(o, item, &d, out);
    ms_diags_free(&d);
    ms_engine_load_release(lc, t, shared);
    return true;
  }
  ms_diags_free(&d);
  eng_meta_fill(out, t, item->suite);
  if (eng_not_replayable(t, out)) {
    out->elapsed_ms = (ms_now() - t0) * 1000.0;
    ms_engine_load_release(lc, t, shared);
    return false;
  }
  if (eng_pace_start(o, t, item)) { /* its time and date are from now */
    t0 = ms_now();
    out->started = ms_wallclock();
  }
  size_t novr;
  struct ms_var *ovr = eng_overrides(o, item->suite, &novr);
  bool invalid = false;
  struct ms_conn_capture cap = {0};
  if (o->pcap_dir)
    ms_engine_conn_capture(&cap);
  if (o->target.builtin) {
    eng_run_builtin(o, t, ovr, novr, o->pcap_dir ? &cap : NULL, out, &invalid);
  } else {
    const struct ms_probe *p = eng_cached_probe(o, t, cache);
    ms_engine_run_loaded(o, t, o->target.host, o->target.port, ovr, novr, p,
                         out);
  }
  if (o->pcap_dir && !o->target.builtin)
    eng_pcap_finish(o, &cap, out);
  free(ovr);
  ms_engine_load_release(lc, t, shared);
  if (o->drop_passed_steps && out->verdict == MS_PASS)
    eng_drop_steps(o, out);
  return invalid;
}
