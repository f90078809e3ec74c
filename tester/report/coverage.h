/* coverage: the requirement catalogues (catalogue.h) against the
 * transcripts whose covers: name them: per RFC and level, how many
 * requirements there are, how many bind the server, how many a client
 * can observe and how many of those a transcript covers; then every
 * observable requirement no transcript covers.  Pure: loaded catalogues
 * and transcripts in, Markdown (coverage.c) or JSON (coverage_json.c)
 * out; cmd_coverage.c does the loading. */
#ifndef MS_COVERAGE_H
#define MS_COVERAGE_H

#include <stdio.h>

#include "catalogue.h"
#include "mailspec/transcript.h"

struct ms_coverage_item {
  const struct ms_transcript *t;
  const char *suite; /* suite title or NULL */
};

/* Level groups: MUST counts MUST and MUST NOT, SHOULD counts SHOULD and
 * SHOULD NOT, MAY apart. */
enum ms_coverage_group { MS_COV_MUST = 0, MS_COV_SHOULD, MS_COV_MAY };
#define MS_COV_NGROUPS 3
enum ms_coverage_group ms_coverage_group_of(enum ms_req_level l);
const char *ms_coverage_group_name(enum ms_coverage_group g);

struct ms_coverage_count {
  size_t total;    /* every requirement */
  size_t server;   /* binds the server or both */
  size_t wire;     /* ... and a client sees it on the wire */
  size_t delivery; /* ... or only in the delivered message */
  size_t covered;  /* observable, and some transcript's covers: names it */
  size_t covered_wire, covered_delivery; /* the same, split */
};

struct ms_coverage {
  const struct ms_catalogue *c;
  const struct ms_coverage_item *items;
  size_t n;
  size_t **by;        /* by[i]: the items covering requirement c->v[i] */
  size_t *nby;        /* how many */
  size_t with_covers; /* items with a non-empty covers: */
};

/* Match ITEMS' covers: against C (ids C lacks are ignored here: lint
 * reports them). */
void ms_coverage_build(struct ms_coverage *cv, const struct ms_catalogue *c,
                       const struct ms_coverage_item *items, size_t n);
void ms_coverage_free(struct ms_coverage *cv);
/* The counts of RFC (0: every RFC) per level group, and the sum in
 * OUT[MS_COV_NGROUPS]. */
void ms_coverage_tally(const struct ms_coverage *cv, unsigned rfc,
                       struct ms_coverage_count out[MS_COV_NGROUPS + 1]);
/* Is requirement I observable and covered by nothing? */
bool ms_coverage_gap(const struct ms_coverage *cv, size_t i);
/* The RFCs of the catalogue, ascending, without repeats; returns how
 * many were written to OUT (which holds C->nrfcs). */
size_t ms_coverage_rfcs(const struct ms_coverage *cv, unsigned *out);

void ms_coverage_markdown(const struct ms_coverage *cv, FILE *out);
void ms_coverage_json(const struct ms_coverage *cv, FILE *out);

#endif
