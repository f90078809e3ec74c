/* diag: collecting diagnostics (file:line:col: message) for transcripts,
 * suites and plans.  Bounded: a fuzzed or pathological input must not
 * grow the list without limit, so past MS_DIAGS_MAX entries further
 * messages are only counted. */
#include "mailspec/transcript.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

#define MS_DIAGS_MAX 200

void ms_diags_add(struct ms_diags *d, bool warning, const char *file, int line,
                  int col, const char *fmt, ...) {
  if (!warning)
    d->nerrors++;
  if (d->n >= MS_DIAGS_MAX)
    return;
  xgrow((void **)&d->v, &d->cap, d->n, sizeof d->v[0]);
  struct ms_diag *g = &d->v[d->n++];
  va_list ap;
  va_start(ap, fmt);
  g->msg = xvasprintf(fmt, ap);
  va_end(ap);
  g->file = xstrdup(file ? file : "-");
  g->line = line;
  g->col = col;
  g->warning = warning;
}

void ms_diags_free(struct ms_diags *d) {
  for (size_t i = 0; i < d->n; i++) {
    free(d->v[i].file);
    free(d->v[i].msg);
  }
  free(d->v);
  d->v = NULL;
  d->n = d->cap = d->nerrors = 0;
}

/* The errors (warnings are `mailspec lint`'s business) as file:line:col:
 * message, the position as far as it is known. */
void ms_diags_print_errors(const struct ms_diags *d, FILE *to) {
  for (size_t i = 0; i < d->n; i++) {
    const struct ms_diag *g = &d->v[i];
    if (g->warning)
      continue;
    fprintf(to, "%s", g->file ? g->file : "mailspec");
    if (g->line > 0)
      fprintf(to, ":%d", g->line);
    if (g->line > 0 && g->col > 0)
      fprintf(to, ":%d", g->col);
    fprintf(to, ": %s\n", g->msg ? g->msg : "");
  }
}
