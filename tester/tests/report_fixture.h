/* Hand-built results for the report writer tests (check_report_*.c). */
#ifndef MS_REPORT_FIXTURE_H
#define MS_REPORT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include <stdio.h>

#include "mailspec/report.h"

/* The hostile greeting: markup, entities, quotes, CDATA end, controls,
 * invalid UTF-8 and backtick fences. */
extern const char ms_fixture_hostile[];

/* A run with one transcript of each verdict (PASS, FAIL, SKIP, ERROR,
 * WAIVED, NOTRUN).  HOSTILE: the greeting and replies carry
 * ms_fixture_hostile, and one reply has 10,000 lines. */
void ms_fixture_run(struct ms_run_result *r, bool hostile);

/* Write R with WRITER into a new string (caller frees). */
char *ms_fixture_render(int (*writer)(const struct ms_run_result *, FILE *,
                                      const struct ms_report_opts *),
                        const struct ms_run_result *r, size_t *len);

/* Is BUF valid UTF-8 without C0 controls other than \n, \t (and \r if
 * ALLOW_CR)? */
bool ms_fixture_clean_utf8(const char *buf, size_t len, bool allow_cr);

#endif
