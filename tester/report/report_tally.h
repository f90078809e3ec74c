/* report_tally: the counts and groupings several writers show: verdicts
 * by level (the HTML/Markdown summaries) and transcripts grouped by
 * suite (JUnit testsuites), in order of first appearance. */
#ifndef MS_REPORT_TALLY_H
#define MS_REPORT_TALLY_H

#include <stddef.h>

#include "mailspec/result.h"

#define MS_TALLY_LEVELS (MS_LEVEL_MAY + 1)
#define MS_TALLY_VERDICTS (MS_NOTRUN + 1)

struct ms_tally_group {
  const char *name; /* the suite title, or NULL for "no suite" */
  size_t *idx;      /* indices into the run's transcripts */
  size_t n;
  size_t counts[MS_TALLY_VERDICTS];
  double elapsed_ms;
  double started; /* earliest start, 0 if unknown */
};

struct ms_tally {
  size_t by_level[MS_TALLY_LEVELS][MS_TALLY_VERDICTS];
  size_t counts[MS_TALLY_VERDICTS];
  struct ms_tally_group *groups;
  size_t ngroups;
};

void ms_report_tally(struct ms_tally *t, const struct ms_run_result *r);
void ms_report_tally_free(struct ms_tally *t);

#endif
