/* cli_report: the -r FORMAT[:FILE] option shared by run, replay and merge
 * (issue 16: one copy, so the commands cannot drift apart again). */
#ifndef MS_CLI_REPORT_H
#define MS_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "mailspec/report.h"

struct ms_cli_report {
  enum ms_report_format fmt;
  char *file; /* NULL: stdout */
};

struct ms_cli_reports {
  struct ms_cli_report *v; /* in the order given */
  size_t n;
};

/* Add SPEC ("json", "tap:out.tap").  0, or -1 with the reason in ERR: a
 * bad spec, or a second report for a place one already goes to (two
 * reports on stdout would interleave into neither format). */
int ms_cli_reports_add(struct ms_cli_reports *r, const char *spec, char *err,
                       size_t errlen);
/* No -r given: the text report on stdout. */
void ms_cli_reports_default(struct ms_cli_reports *r);
/* Every report is a text report. */
bool ms_cli_reports_text_only(const struct ms_cli_reports *r);
/* A text report goes to stdout (none given counts: the default). */
bool ms_cli_reports_text_on_stdout(const struct ms_cli_reports *r);
/* Write each report of R for RES; colour only on a text report to stdout.
 * ALSO_TEXT: when no report goes to stdout, the text report goes there
 * too (run and replay).  A report that cannot be written is said on
 * stderr, prefixed "mailspec CMD: ", and makes it return -1. */
int ms_cli_reports_write(const struct ms_cli_reports *r,
                         const struct ms_run_result *res,
                         const struct ms_report_opts *o, bool also_text,
                         const char *cmd);
void ms_cli_reports_free(struct ms_cli_reports *r);

#endif
