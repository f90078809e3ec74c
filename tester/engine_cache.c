/* engine_cache: a plan item run again (--repeat N, a benchmark's 10,000
 * sessions) is loaded once, not N times: loading is reading the file and
 * parsing YAML, which was a tenth of a short session's CPU.  The engine
 * only reads a loaded transcript (const everywhere), so the workers share
 * it; the cache holds the last item loaded and frees it when no worker
 * uses it any more and another item takes its place. */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

void ms_engine_load_cache_init(struct ms_load_cache *c) {
  c->have = false;
  c->index = 0;
  c->t = NULL;
  c->users = 0;
  pthread_mutex_init(&c->mu, NULL);
}

void ms_engine_load_cache_free(struct ms_load_cache *c) {
  ms_transcript_free(c->t);
  c->t = NULL;
  pthread_mutex_destroy(&c->mu);
}

struct ms_transcript *ms_engine_load_cached(struct ms_load_cache *c,
                                            const struct ms_plan_item *it,
                                            struct ms_diags *d, bool *shared) {
  *shared = false;
  if (c) {
    pthread_mutex_lock(&c->mu);
    /* The path too: a caller that did not number its plan items must
     * not get another item's transcript. */
    if (c->have && c->index == it->index && c->t &&
        strcmp(c->t->path, it->path) == 0) {
      c->users++;
      *shared = true;
      pthread_mutex_unlock(&c->mu);
      return c->t;
    }
    pthread_mutex_unlock(&c->mu);
  }
  struct ms_transcript *t = ms_transcript_load(it->path, d);
  /* Only a clean load is kept: an invalid one is reported each time. */
  if (!c || !t || d->nerrors > 0)
    return t;
  pthread_mutex_lock(&c->mu);
  if (c->users == 0) {
    ms_transcript_free(c->t);
    c->t = t;
    c->index = it->index;
    c->have = true;
    c->users = 1;
    *shared = true;
  }
  pthread_mutex_unlock(&c->mu);
  return t;
}

void ms_engine_load_release(struct ms_load_cache *c, struct ms_transcript *t,
                            bool shared) {
  if (!shared) {
    ms_transcript_free(t);
    return;
  }
  pthread_mutex_lock(&c->mu);
  c->users--;
  pthread_mutex_unlock(&c->mu);
}
