/* coverage: requirement catalogues against transcripts' covers:, and the
 * Markdown report (reports/coverage.md). */
#include "coverage.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "util.h"

static const char *const group_names[] = {"MUST", "SHOULD", "MAY"};

enum ms_coverage_group ms_coverage_group_of(enum ms_req_level l) {
  return l == MS_REQ_MUST || l == MS_REQ_MUST_NOT       ? MS_COV_MUST
         : l == MS_REQ_SHOULD || l == MS_REQ_SHOULD_NOT ? MS_COV_SHOULD
                                                        : MS_COV_MAY;
}

const char *ms_coverage_group_name(enum ms_coverage_group g) {
  return (unsigned)g < MS_COV_NGROUPS ? group_names[g] : "all";
}

void ms_coverage_build(struct ms_coverage *cv, const struct ms_catalogue *c,
                       const struct ms_coverage_item *items, size_t n) {
  memset(cv, 0, sizeof *cv);
  cv->c = c;
  cv->items = items;
  cv->n = n;
  cv->by = xcalloc(c->n + 1, sizeof *cv->by);
  cv->nby = xcalloc(c->n + 1, sizeof *cv->nby);
  for (size_t k = 0; k < n; k++) {
    const struct ms_transcript *t = items[k].t;
    if (t->ncovers)
      cv->with_covers++;
    for (size_t j = 0; j < t->ncovers; j++) {
      const struct ms_requirement *r = ms_catalogue_find(c, t->covers[j].id);
      if (!r)
        continue;
      size_t i = (size_t)(r - c->v);
      cv->by[i] = xrealloc(cv->by[i], (cv->nby[i] + 1) * sizeof *cv->by[i]);
      cv->by[i][cv->nby[i]++] = k;
    }
  }
}

void ms_coverage_free(struct ms_coverage *cv) {
  for (size_t i = 0; cv->c && i < cv->c->n; i++)
    free(cv->by[i]);
  free(cv->by);
  free(cv->nby);
  memset(cv, 0, sizeof *cv);
}

bool ms_coverage_gap(const struct ms_coverage *cv, size_t i) {
  return ms_requirement_observable(&cv->c->v[i]) && cv->nby[i] == 0;
}

void ms_coverage_tally(const struct ms_coverage *cv, unsigned rfc,
                       struct ms_coverage_count out[MS_COV_NGROUPS + 1]) {
  memset(out, 0, (MS_COV_NGROUPS + 1) * sizeof *out);
  for (size_t i = 0; i < cv->c->n; i++) {
    const struct ms_requirement *r = &cv->c->v[i];
    if (rfc && r->rfc != rfc)
      continue;
    struct ms_coverage_count *g[] = {&out[ms_coverage_group_of(r->level)],
                                     &out[MS_COV_NGROUPS]};
    for (size_t k = 0; k < 2; k++) {
      g[k]->total++;
      if (!ms_requirement_server(r))
        continue;
      g[k]->server++;
      g[k]->wire += r->observe == MS_OBSERVE_WIRE;
      g[k]->delivery += r->observe == MS_OBSERVE_DELIVERY;
      bool hit = ms_requirement_observable(r) && cv->nby[i] > 0;
      g[k]->covered += hit;
      g[k]->covered_wire += hit && r->observe == MS_OBSERVE_WIRE;
      g[k]->covered_delivery += hit && r->observe == MS_OBSERVE_DELIVERY;
    }
  }
}

static int coverage_ucmp(const void *a, const void *b) {
  unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
  return x < y ? -1 : x > y;
}

size_t ms_coverage_rfcs(const struct ms_coverage *cv, unsigned *out) {
  size_t n = 0;
  for (size_t i = 0; i < cv->c->nrfcs; i++) {
    bool seen = cv->c->rfcs[i].rfc == 0; /* a file that did not load */
    for (size_t k = 0; k < n && !seen; k++)
      seen = out[k] == cv->c->rfcs[i].rfc;
    if (!seen)
      out[n++] = cv->c->rfcs[i].rfc;
  }
  qsort(out, n, sizeof *out, coverage_ucmp);
  return n;
}

static const char *coverage_title(const struct ms_catalogue *c, unsigned rfc) {
  for (size_t i = 0; i < c->nrfcs; i++)
    if (c->rfcs[i].rfc == rfc && c->rfcs[i].title)
      return c->rfcs[i].title;
  return "";
}

/* ---- Markdown ------------------------------------------------------ */

/* "3 of 4 (75 %)", or "0 of 0". */
static void md_ratio(FILE *out, size_t part, size_t whole) {
  if (whole)
    fprintf(out, "%zu of %zu (%zu %%)", part, whole,
            (part * 100 + whole / 2) / whole);
  else
    fputs("0 of 0", out);
}

static void md_count_row(FILE *out, const char *rfc, const char *level,
                         const struct ms_coverage_count *k) {
  fprintf(out, "| %s | %s | ", rfc, level);
  md_ratio(out, k->covered, k->wire + k->delivery);
  fputs(" | ", out);
  md_ratio(out, k->covered_wire, k->wire);
  fputs(" | ", out);
  md_ratio(out, k->covered_delivery, k->delivery);
  fprintf(out, " | %zu | %zu |\n", k->server, k->total);
}

static void md_summary(const struct ms_coverage *cv, const unsigned *rfcs,
                       size_t nrfcs, FILE *out) {
  fputs("| RFC | Level | Covered of observable | On the wire | In the "
        "delivered message | Binds the server | Total |\n"
        "|---|---|---|---|---|---|---|\n",
        out);
  struct ms_coverage_count k[MS_COV_NGROUPS + 1];
  for (size_t r = 0; r < nrfcs; r++) {
    char name[32];
    snprintf(name, sizeof name, "RFC %u", rfcs[r]);
    ms_coverage_tally(cv, rfcs[r], k);
    for (int g = 0; g <= MS_COV_NGROUPS; g++)
      md_count_row(out, name, ms_coverage_group_name((enum ms_coverage_group)g),
                   &k[g]);
  }
}

/* The requirement's words, with its configuration if it has one. */
static void md_requirement(FILE *out, const struct ms_requirement *r) {
  fputc('"', out);
  ms_esc_md(out, r->quote);
  fputc('"', out);
  if (r->config) {
    fputs(" (config: ", out);
    ms_esc_md(out, r->config);
    fputs(")", out);
  }
  if (r->note) {
    fputs(" *", out);
    ms_esc_md(out, r->note);
    fputs("*", out);
  }
}

static void md_gaps(const struct ms_coverage *cv, const unsigned *rfcs,
                    size_t nrfcs, FILE *out) {
  fputs("\n## Observable requirements without a test\n", out);
  for (size_t k = 0; k < nrfcs; k++) {
    size_t gaps = 0;
    for (size_t i = 0; i < cv->c->n; i++)
      gaps += cv->c->v[i].rfc == rfcs[k] && ms_coverage_gap(cv, i);
    fprintf(out, "\n### RFC %u %s: %zu\n\n", rfcs[k],
            coverage_title(cv->c, rfcs[k]), gaps);
    if (!gaps) {
      fputs("None.\n", out);
      continue;
    }
    fputs("| Id | Section | Level | Observe | Requirement |\n"
          "|---|---|---|---|---|\n",
          out);
    for (size_t i = 0; i < cv->c->n; i++) {
      const struct ms_requirement *r = &cv->c->v[i];
      if (r->rfc != rfcs[k] || !ms_coverage_gap(cv, i))
        continue;
      fprintf(out, "| %s | %s | %s | %s | ", r->id, r->section,
              ms_req_level_name(r->level), ms_req_observe_name(r->observe));
      md_requirement(out, r);
      fputs(" |\n", out);
    }
  }
}

/* One row per covered requirement, RFC by RFC. */
static void md_covered_row(const struct ms_coverage *cv, size_t i, FILE *out) {
  const struct ms_requirement *r = &cv->c->v[i];
  fprintf(out, "| %s | %s | %s | ", r->id, ms_req_level_name(r->level),
          ms_req_observe_name(r->observe));
  for (size_t k = 0; k < cv->nby[i]; k++) {
    fputs(k ? ", `" : "`", out);
    ms_esc_plain(out, cv->items[cv->by[i][k]].t->id, false);
    fputs("`", out);
  }
  fputs(" |\n", out);
}

static void md_covered(const struct ms_coverage *cv, const unsigned *rfcs,
                       size_t nrfcs, FILE *out) {
  fputs("\n## Covered requirements\n\n"
        "| Id | Level | Observe | Transcripts |\n|---|---|---|---|\n",
        out);
  for (size_t f = 0; f < nrfcs; f++)
    for (size_t i = 0; i < cv->c->n; i++)
      if (cv->c->v[i].rfc == rfcs[f] && cv->nby[i] &&
          ms_requirement_observable(&cv->c->v[i]))
        md_covered_row(cv, i, out);
}

static void md_uncovering(const struct ms_coverage *cv, FILE *out) {
  fprintf(out, "\n## Transcripts that cover no catalogued requirement: %zu\n\n",
          cv->n - cv->with_covers);
  size_t shown = 0;
  for (size_t k = 0; k < cv->n; k++) {
    if (cv->items[k].t->ncovers)
      continue;
    fputs(shown++ ? ", `" : "`", out);
    ms_esc_plain(out, cv->items[k].t->id, false);
    fputs("`", out);
  }
  fputs(shown ? "\n" : "None.\n", out);
}

void ms_coverage_markdown(const struct ms_coverage *cv, FILE *out) {
  unsigned *rfcs = xcalloc(cv->c->nrfcs + 1, sizeof *rfcs);
  size_t nrfcs = ms_coverage_rfcs(cv, rfcs);
  fputs("# Requirement coverage\n\n"
        "Every requirement sentence of the catalogued RFCs "
        "(`suites/requirements/`) against the transcripts whose `covers:` "
        "names it. A requirement is *observable* when it binds the server "
        "(or both sides) and a client can see it, on the wire or in the "
        "delivered message; it is *covered* when a transcript names it in "
        "`covers:`, which means a server that breaks it fails that "
        "transcript. MUST counts MUST and MUST NOT, SHOULD counts SHOULD "
        "and SHOULD NOT.\n\n",
        out);
  md_summary(cv, rfcs, nrfcs, out);
  fprintf(out, "\n%zu transcripts, %zu with `covers:`.\n", cv->n,
          cv->with_covers);
  md_gaps(cv, rfcs, nrfcs, out);
  md_covered(cv, rfcs, nrfcs, out);
  md_uncovering(cv, out);
  free(rfcs);
}
