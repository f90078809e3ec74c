/* coverage_json: the coverage report as JSON (`mailspec coverage -r
 * json`), for tools that plan the missing tests: the counts per RFC and
 * level group, then every requirement with the transcripts covering it. */
#include "coverage.h"

#include <stdlib.h>

#include "escape.h"
#include "util.h"

static void cj_field(FILE *out, const char *key, const char *val, bool comma) {
  fprintf(out, "\"%s\": ", key);
  ms_esc_json(out, val);
  fputs(comma ? ", " : "", out);
}

static void cj_count(FILE *out, const char *level,
                     const struct ms_coverage_count *k, bool comma) {
  fprintf(out,
          "        {\"level\": \"%s\", \"total\": %zu, \"server\": %zu, "
          "\"observable\": %zu, \"wire\": %zu, \"delivery\": %zu, "
          "\"covered\": %zu, \"covered_wire\": %zu, "
          "\"covered_delivery\": %zu}%s\n",
          level, k->total, k->server, k->wire + k->delivery, k->wire,
          k->delivery, k->covered, k->covered_wire, k->covered_delivery,
          comma ? "," : "");
}

static void cj_rfcs(const struct ms_coverage *cv, FILE *out) {
  unsigned *rfcs = xcalloc(cv->c->nrfcs + 1, sizeof *rfcs);
  size_t n = ms_coverage_rfcs(cv, rfcs);
  struct ms_coverage_count k[MS_COV_NGROUPS + 1];
  fputs("  \"rfcs\": [\n", out);
  for (size_t r = 0; r < n; r++) {
    const char *title = NULL;
    for (size_t i = 0; i < cv->c->nrfcs && !title; i++)
      if (cv->c->rfcs[i].rfc == rfcs[r])
        title = cv->c->rfcs[i].title;
    fprintf(out, "    {\"rfc\": %u, ", rfcs[r]);
    cj_field(out, "title", title, true);
    fputs("\"levels\": [\n", out);
    ms_coverage_tally(cv, rfcs[r], k);
    for (int g = 0; g <= MS_COV_NGROUPS; g++)
      cj_count(out, ms_coverage_group_name((enum ms_coverage_group)g), &k[g],
               g < MS_COV_NGROUPS);
    fprintf(out, "      ]}%s\n", r + 1 < n ? "," : "");
  }
  fputs("  ],\n", out);
  free(rfcs);
}

static void cj_requirement(const struct ms_coverage *cv, size_t i, FILE *out) {
  const struct ms_requirement *r = &cv->c->v[i];
  fputs("    {", out);
  cj_field(out, "id", r->id, true);
  fprintf(out, "\"rfc\": %u, ", r->rfc);
  cj_field(out, "section", r->section, true);
  cj_field(out, "level", ms_req_level_name(r->level), true);
  cj_field(out, "binds",
           r->binds == MS_BINDS_SERVER   ? "server"
           : r->binds == MS_BINDS_CLIENT ? "client"
                                         : "both",
           true);
  cj_field(out, "observe", r->observe ? ms_req_observe_name(r->observe) : NULL,
           true);
  fprintf(out, "\"observable\": %s, ",
          ms_requirement_observable(r) ? "true" : "false");
  cj_field(out, "config", r->config, true);
  cj_field(out, "quote", r->quote, true);
  fputs("\"covered_by\": [", out);
  for (size_t k = 0; k < cv->nby[i]; k++) {
    fputs(k ? ", " : "", out);
    ms_esc_json(out, cv->items[cv->by[i][k]].t->id);
  }
  fprintf(out, "]}%s\n", i + 1 < cv->c->n ? "," : "");
}

void ms_coverage_json(const struct ms_coverage *cv, FILE *out) {
  fprintf(out, "{\n  \"transcripts\": %zu,\n  \"with_covers\": %zu,\n", cv->n,
          cv->with_covers);
  cj_rfcs(cv, out);
  fputs("  \"requirements\": [\n", out);
  for (size_t i = 0; i < cv->c->n; i++)
    cj_requirement(cv, i, out);
  fputs("  ]\n}\n", out);
}
