/* coverage: RFC clauses against the transcripts that check them. */
#include "coverage.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Natural order: "RFC 821" < "RFC 1939", "§4.1.1.2" < "§4.1.1.10". */
static int coverage_natcmp(const char *a, const char *b) {
  while (*a && *b) {
    if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
      char *ea, *eb;
      unsigned long x = strtoul(a, &ea, 10);
      unsigned long y = strtoul(b, &eb, 10);
      if (x != y)
        return x < y ? -1 : 1;
      a = ea, b = eb;
      continue;
    }
    if (*a != *b)
      return (unsigned char)*a - (unsigned char)*b;
    a++, b++;
  }
  return (unsigned char)*a - (unsigned char)*b;
}

struct row {
  const char *clause;
  const char *what;
  char *tests;  /* "`a`, `b`" */
  char *levels; /* "MUST, SHOULD" */
};

static int coverage_rowcmp(const void *x, const void *y) {
  return coverage_natcmp(((const struct row *)x)->clause,
                         ((const struct row *)y)->clause);
}

static void coverage_append(char **s, const char *sep, const char *item) {
  if (*s && strstr(*s, item))
    return;
  char *n = *s ? xasprintf("%s%s%s", *s, sep, item) : xstrdup(item);
  free(*s);
  *s = n;
}

static struct row *coverage_row(struct row **rows, size_t *n, size_t *cap,
                                const char *clause) {
  for (size_t i = 0; i < *n; i++)
    if (!strcmp((*rows)[i].clause, clause))
      return &(*rows)[i];
  xgrow((void **)rows, cap, *n, sizeof **rows);
  struct row *r = &(*rows)[(*n)++];
  memset(r, 0, sizeof *r);
  r->clause = clause;
  return r;
}

/* Markdown table cells may not hold '|' or newlines. */
static void coverage_cell(FILE *out, const char *s) {
  for (; s && *s; s++)
    fputs(*s == '|' ? "\\|" : *s == '\n' ? " " : (char[]){*s, 0}, out);
}

void ms_coverage_markdown(const struct ms_coverage_item *items, size_t n,
                          FILE *out) {
  struct row *rows = NULL;
  size_t nrows = 0, cap = 0, uncited = 0;
  for (size_t i = 0; i < ms_nclauses; i++)
    coverage_row(&rows, &nrows, &cap, ms_clauses[i].rfc)->what =
        ms_clauses[i].what;
  for (size_t i = 0; i < n; i++) {
    const struct ms_transcript *t = items[i].t;
    if (!t->rfc || !*t->rfc) {
      uncited++;
      continue;
    }
    struct row *r = coverage_row(&rows, &nrows, &cap, t->rfc);
    char *cell = xasprintf("`%s`", t->id ? t->id : t->path);
    coverage_append(&r->tests, ", ", cell);
    free(cell);
    if (t->level != MS_LEVEL_NONE)
      coverage_append(&r->levels, ", ", ms_level_name(t->level));
  }
  qsort(rows, nrows, sizeof *rows, coverage_rowcmp);
  size_t gaps = 0;
  fprintf(out, "| Clause | Subject | Level | Checked by |\n"
               "|---|---|---|---|\n");
  for (size_t i = 0; i < nrows; i++) {
    fputs("| ", out);
    coverage_cell(out, rows[i].clause);
    fputs(" | ", out);
    coverage_cell(out, rows[i].what ? rows[i].what : "");
    fputs(" | ", out);
    coverage_cell(out, rows[i].levels ? rows[i].levels : "");
    fputs(" | ", out);
    if (rows[i].tests)
      coverage_cell(out, rows[i].tests);
    else {
      fputs("**gap: no transcript**", out);
      gaps++;
    }
    fputs(" |\n", out);
    free(rows[i].tests);
    free(rows[i].levels);
  }
  fprintf(out,
          "\n%zu clauses, %zu transcripts, %zu gaps, %zu transcripts "
          "without `rfc:`\n",
          nrows, n, gaps, uncited);
  free(rows);
}
