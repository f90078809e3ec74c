/* engine_pace: replay --pace (issue 17).  A paced replay waits for
 * moments of the capture's schedule (a session's start, a client batch
 * after its think time) and records how late it reached them: a replay
 * that cannot keep up says so.  The waits are ms_net_sleep()'s, the
 * point where a session yields to the others on its worker; the log's
 * mutex is taken for an update only, never across a wait. */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "util.h"

int ms_pace_log_init(struct ms_pace_log *l) {
  memset(l, 0, sizeof *l);
  return pthread_mutex_init(&l->mu, NULL) == 0 ? 0 : -1;
}

void ms_pace_log_free(struct ms_pace_log *l) {
  pthread_mutex_destroy(&l->mu);
  free(l->path);
  l->path = NULL;
}

/* LATE seconds behind schedule there: the worst one is kept (the first
 * of equals, so that the report does not depend on thread timing more
 * than it must). */
static void pace_note(struct ms_pace_log *l, double late, size_t item,
                      const char *path, int line, bool start) {
  char *p = NULL;
  pthread_mutex_lock(&l->mu);
  l->points++;
  if (late > l->worst || !l->path) {
    p = l->path;
    l->worst = late;
    l->item = item;
    l->path = xstrdup(path ? path : "?");
    l->line = line;
    l->start = start;
  }
  pthread_mutex_unlock(&l->mu);
  free(p);
}

bool ms_engine_pace_until(const struct ms_engine_opts *o, double due,
                          size_t item, const char *path, int line, bool start) {
  double now = ms_now();
  if (due > now && ms_net_sleep(due - now, o->stop) == MS_NET_STOP)
    return false;
  if (ms_net_stopped(o->stop))
    return false;
  double late = ms_now() - due;
  if (o->pace_log)
    pace_note(o->pace_log, late > 0 ? late : 0, item, path, line, start);
  return true;
}
