/* report_tally: see report_tally.h. */
#include "report_tally.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static bool tally_same(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static struct ms_tally_group *tally_group(struct ms_tally *t,
                                          const char *name) {
  for (size_t i = 0; i < t->ngroups; i++)
    if (tally_same(t->groups[i].name, name))
      return &t->groups[i];
  t->groups = xrealloc(t->groups, (t->ngroups + 1) * sizeof *t->groups);
  struct ms_tally_group *g = &t->groups[t->ngroups++];
  memset(g, 0, sizeof *g);
  g->name = name;
  return g;
}

void ms_report_tally(struct ms_tally *t, const struct ms_run_result *r) {
  memset(t, 0, sizeof *t);
  for (size_t i = 0; i < r->n; i++) {
    const struct ms_transcript_result *tr = &r->v[i];
    unsigned v = (unsigned)tr->verdict, l = (unsigned)tr->level;
    if (v >= MS_TALLY_VERDICTS)
      v = MS_ERROR;
    if (l >= MS_TALLY_LEVELS)
      l = MS_LEVEL_NONE;
    t->counts[v]++;
    t->by_level[l][v]++;
    struct ms_tally_group *g = tally_group(t, tr->suite);
    g->idx = xrealloc(g->idx, (g->n + 1) * sizeof *g->idx);
    g->idx[g->n++] = i;
    g->counts[v]++;
    g->elapsed_ms += tr->elapsed_ms;
    if (tr->started > 0 && (g->started == 0 || tr->started < g->started))
      g->started = tr->started;
  }
}

void ms_report_tally_free(struct ms_tally *t) {
  for (size_t i = 0; i < t->ngroups; i++)
    free(t->groups[i].idx);
  free(t->groups);
  memset(t, 0, sizeof *t);
}
