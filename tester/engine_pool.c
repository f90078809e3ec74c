/* pool: run a plan, one transcript after the other or -j N at once.
 * The N sessions are fibers spread over one event loop per worker
 * thread, as many workers as cores (issue 17): a session costs a stack
 * mapping and a few syscalls, not a thread.  Sessions take the next
 * plan index under a lock and write their result at that index, so the
 * report order is the plan's whatever finishes first.  The progress
 * callback runs on the calling thread only. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_int.h"
#include "evloop.h"
#include "util.h"

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
  size_t active;  /* sessions (fibers) still running */
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

/* A worker thread: its share of the sessions as fibers on its loop. */
struct pool_thread {
  struct pool *p;
  size_t fibers;
};

static void pool_fiber(void *arg) {
  pool_worker(arg);
}

/* Sessions that never started still count out of p->active. */
static void pool_unstarted(struct pool *p, size_t n) {
  if (n == 0)
    return;
  pthread_mutex_lock(&p->mu);
  p->active -= n;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

static void *pool_loop(void *arg) {
  struct pool_thread *t = arg;
  struct ms_evloop *l = ms_evloop_new();
  size_t spawned = 0;
  while (l && spawned < t->fibers && ms_evloop_spawn(l, pool_fiber, t->p))
    spawned++;
  if (spawned == 0) { /* no loop or no stack: one blocking session */
    pool_unstarted(t->p, t->fibers - 1);
    ms_evloop_free(l);
    pool_worker(t->p);
    return NULL;
  }
  pool_unstarted(t->p, t->fibers - spawned);
  ms_evloop_run(l);
  ms_evloop_free(l);
  return NULL;
}

static size_t pool_workers(size_t jobs) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  const char *env = getenv("MAILSPEC_WORKERS");
  if (env && atoi(env) > 0)
    n = atoi(env);
  size_t w = n > 0 ? (size_t)n : 1;
  return w < jobs ? w : jobs;
}

/* The calling thread reports progress until every session is done. */
static void pool_parallel(struct pool *p, size_t jobs) {
  size_t nw = pool_workers(jobs);
  pthread_t *th = xcalloc(nw, sizeof *th);
  struct pool_thread *pt = xcalloc(nw, sizeof *pt);
  size_t started = 0, reported = 0;
  p->active = jobs;
  for (size_t j = 0; j < nw; j++) {
    pt[j].p = p;
    pt[j].fibers = jobs / nw + (j < jobs % nw);
    if (pthread_create(&th[started], NULL, pool_loop, &pt[j]) == 0) {
      started++;
      continue;
    }
    pool_unstarted(p, pt[j].fibers);
  }
  if (started == 0) { /* no thread at all: run here */
    p->active = 1;
    pool_worker(p);
  }
  pthread_mutex_lock(&p->mu);
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
  free(pt);
}

static void pool_serial_run(void *arg) {
  struct pool *p = arg;
  for (size_t i = 0; i < p->plan->n && !pool_stopped(p); i++) {
    p->started[i] = true;
    p->invalid +=
        ms_engine_run_item(p->o, &p->plan->items[i], p->cache, &p->out->v[i]);
    pool_report(p, i, i + 1);
  }
}

/* -j 1: one fiber on a loop on the calling thread, the same engine as
 * -j N; blocking waits only if no loop can be had. */
static void pool_serial(struct pool *p) {
  struct ms_evloop *l = ms_evloop_new();
  if (l && ms_evloop_spawn(l, pool_serial_run, p))
    ms_evloop_run(l);
  else
    pool_serial_run(p);
  ms_evloop_free(l);
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
