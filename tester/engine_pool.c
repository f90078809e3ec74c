/* pool: run a plan, one transcript after the other or -j N at once.
 * Workers take the next plan index under a lock and write their result
 * at that index, so the report order is the plan's whatever finishes
 * first.  The progress callback runs on the calling thread only. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "util.h"

#define POOL_MAX_JOBS 256

struct pool {
  const struct ms_engine_opts *o;
  const struct ms_plan *plan;
  struct ms_run_result *out;
  struct ms_probe_cache *cache;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t next;  /* next plan index to take */
  size_t *done; /* finished indices not yet reported */
  size_t ndone;
  size_t active;  /* workers still running */
  size_t invalid; /* transcripts that did not load */
  bool *started;  /* per index: a worker took it */
};

static bool pool_stopped(const struct pool *p) {
  return ms_net_stopped(p->o->stop);
}

static char *pool_target(const struct ms_engine_opts *o) {
  if (o->target.builtin || !o->target.host)
    return xstrdup("builtin");
  if (strchr(o->target.host, ':'))
    return xasprintf("[%s]:%s", o->target.host, o->target.port);
  return xasprintf("%s:%s", o->target.host, o->target.port);
}

static void pool_report(struct pool *p, size_t i, size_t ndone) {
  if (p->o->progress)
    p->o->progress(p->o->progress_ctx, ndone, p->plan->n, &p->out->v[i]);
}

static void *pool_worker(void *arg) {
  struct pool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    if (pool_stopped(p) || p->next >= p->plan->n) {
      p->active--;
      pthread_cond_signal(&p->cv);
      pthread_mutex_unlock(&p->mu);
      return NULL;
    }
    size_t i = p->next++;
    p->started[i] = true;
    pthread_mutex_unlock(&p->mu);
    bool bad =
        ms_engine_run_item(p->o, &p->plan->items[i], p->cache, &p->out->v[i]);
    pthread_mutex_lock(&p->mu);
    p->invalid += bad;
    p->done[p->ndone++] = i;
    /* Wake the calling thread only to report progress: otherwise it
     * waits for the workers to end, and a wake-up per transcript is a
     * context switch per session for nothing (-j 16 benchmarks). */
    if (p->o->progress)
      pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
}

/* The calling thread reports progress until every worker is gone. */
static void pool_parallel(struct pool *p, size_t jobs) {
  pthread_t *th = xcalloc(jobs, sizeof *th);
  size_t started = 0, reported = 0;
  p->active = jobs;
  for (size_t j = 0; j < jobs; j++) {
    if (pthread_create(&th[j], NULL, pool_worker, p) != 0)
      break;
    started++;
  }
  pthread_mutex_lock(&p->mu);
  p->active -= jobs - started;
  if (started == 0) { /* no thread at all: run here */
    pthread_mutex_unlock(&p->mu);
    p->active = 1;
    pool_worker(p);
    pthread_mutex_lock(&p->mu);
  }
  for (;;) {
    while (reported < p->ndone) {
      size_t i = p->done[reported++];
      pthread_mutex_unlock(&p->mu);
      pool_report(p, i, reported);
      pthread_mutex_lock(&p->mu);
    }
    if (p->active == 0 && reported == p->ndone)
      break;
    pthread_cond_wait(&p->cv, &p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  for (size_t j = 0; j < started; j++)
    pthread_join(th[j], NULL);
  free(th);
}

static void pool_serial(struct pool *p) {
  for (size_t i = 0; i < p->plan->n && !pool_stopped(p); i++) {
    p->started[i] = true;
    p->invalid +=
        ms_engine_run_item(p->o, &p->plan->items[i], p->cache, &p->out->v[i]);
    pool_report(p, i, i + 1);
  }
}

/* Transcripts never started (Ctrl-C) are NOTRUN, with their path. */
static void pool_notrun(struct pool *p) {
  for (size_t i = 0; i < p->plan->n; i++) {
    struct ms_transcript_result *t = &p->out->v[i];
    if (p->started[i])
      continue;
    const struct ms_plan_item *it = &p->plan->items[i];
    t->path = xstrdup(it->path);
    t->id = ms_transcript_default_id(it->path);
    t->suite = it->suite && it->suite->title ? xstrdup(it->suite->title) : NULL;
    t->verdict = MS_NOTRUN;
    t->reason = xstrdup("interrupted before it ran");
  }
}

void ms_engine_run_plan(const struct ms_engine_opts *o,
                        const struct ms_plan *plan, struct ms_run_result *out) {
  struct ms_probe_cache cache;
  ms_engine_probe_cache_init(&cache);
  struct pool p = {.o = o, .plan = plan, .out = out, .cache = &cache};
  pthread_mutex_init(&p.mu, NULL);
  pthread_cond_init(&p.cv, NULL);
  out->v = xcalloc(plan->n ? plan->n : 1, sizeof *out->v);
  out->n = plan->n;
  free(out->target);
  out->target = pool_target(o);
  out->started = ms_wallclock();
  double t0 = ms_now();
  p.done = xcalloc(plan->n ? plan->n : 1, sizeof *p.done);
  p.started = xcalloc(plan->n ? plan->n : 1, sizeof *p.started);
  size_t jobs = o->jobs < 1 ? 1 : (size_t)o->jobs;
  if (jobs > POOL_MAX_JOBS)
    jobs = POOL_MAX_JOBS;
  if (jobs > plan->n)
    jobs = plan->n;
  if (jobs <= 1)
    pool_serial(&p);
  else
    pool_parallel(&p, jobs);
  pool_notrun(&p);
  out->interrupted = pool_stopped(&p);
  out->ninvalid = p.invalid;
  out->elapsed_ms = (ms_now() - t0) * 1000.0;
  ms_run_count(out);
  free(p.done);
  free(p.started);
  pthread_cond_destroy(&p.cv);
  pthread_mutex_destroy(&p.mu);
  ms_engine_probe_cache_free(&cache);
}
