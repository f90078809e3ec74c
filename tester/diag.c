/* diag: collecting diagnostics (file:line:col: message) for transcripts,
 * suites, plans, worlds and catalogues, and the one place that formats
 * them (issue 16: every command prints them alike).  Bounded: a fuzzed or
 * pathological input must not grow the list without limit, so past MS_DIAGS_MAX
 * entries further messages are only counted. */
#include "mailspec/transcript.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
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

char *ms_diag_text(const struct ms_diag *g) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  ms_buf_addstr(&b, g->file ? g->file : "mailspec");
  if (g->line > 0)
    ms_buf_addf(&b, ":%d", g->line);
  if (g->line > 0 && g->col > 0)
    ms_buf_addf(&b, ":%d", g->col);
  ms_buf_addf(&b, ": %s%s", g->warning ? "warning: " : "",
              g->msg ? g->msg : "");
  return ms_buf_steal(&b, NULL);
}

static void diags_print(const struct ms_diags *d, FILE *to, bool warnings) {
  for (size_t i = 0; i < d->n; i++) {
    if (d->v[i].warning && !warnings)
      continue;
    char *t = ms_diag_text(&d->v[i]);
    fprintf(to, "%s\n", t);
    free(t);
  }
}

/* The errors (warnings are `mailspec lint`'s business). */
void ms_diags_print_errors(const struct ms_diags *d, FILE *to) {
  diags_print(d, to, false);
}

void ms_diags_print(const struct ms_diags *d, FILE *to) {
  diags_print(d, to, true);
}

char *ms_diags_errors_text(const struct ms_diags *d) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  for (size_t i = 0; i < d->n; i++) {
    if (d->v[i].warning)
      continue;
    char *t = ms_diag_text(&d->v[i]);
    if (b.len)
      ms_buf_add(&b, "\n", 1);
    ms_buf_addstr(&b, t);
    free(t);
  }
  return ms_buf_steal(&b, NULL);
}
