/* coverage: which RFC clauses the transcripts check, as a Markdown
 * table, with the clauses nobody checks listed as gaps. Pure: loaded
 * transcripts in, text out (cmd_coverage.c does the loading). */
#ifndef MS_COVERAGE_H
#define MS_COVERAGE_H

#include <stdio.h>

#include "mailspec/transcript.h"

struct ms_coverage_item {
  const struct ms_transcript *t;
  const char *suite; /* suite title or NULL */
};

/* Write the table for ITEMS to OUT. */
void ms_coverage_markdown(const struct ms_coverage_item *items, size_t n,
                          FILE *out);

/* The clauses we expect a complete suite to check (clauses.c). */
struct ms_clause {
  const char *rfc;  /* "RFC 5321 §4.1.1.1" */
  const char *what; /* "EHLO/HELO" */
};
extern const struct ms_clause ms_clauses[];
extern const size_t ms_nclauses;

#endif
