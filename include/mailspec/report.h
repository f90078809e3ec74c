/* Report writers: each reads only the result model (result.h).
 * One file per format: tester/report/report_text.c, report_junit.c, ... */
#ifndef MAILSPEC_REPORT_H
#define MAILSPEC_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "mailspec/result.h"

enum ms_report_format {
  MS_REPORT_TEXT = 0,
  MS_REPORT_JUNIT,
  MS_REPORT_JSON,
  MS_REPORT_TAP,
  MS_REPORT_HTML,
  MS_REPORT_MD
};

struct ms_report_opts {
  bool color;    /* ANSI colour (text only) */
  int verbosity; /* -q = -1, default 0, -v = 1 */
};

/* "-r FORMAT[:FILE]": FILE NULL or "-" means stdout.  Returns 0 or -1. */
int ms_report_spec_parse(const char *spec, enum ms_report_format *fmt,
                         char **file, char *err, size_t errlen);
const char *ms_report_format_name(enum ms_report_format f);

/* Write R in format F to OUT.  Returns 0 or -1 (errno set). */
int ms_report_write(enum ms_report_format f, const struct ms_run_result *r,
                    FILE *out, const struct ms_report_opts *o);
/* The same to PATH, atomically (temporary name, then rename; never
 * follows a symlink planted at PATH). */
int ms_report_write_file(enum ms_report_format f, const struct ms_run_result *r,
                         const char *path, const struct ms_report_opts *o,
                         char *err, size_t errlen);
/* Any file written the same safe way: WRITE(OUT, CTX) returns 0 or -1. */
int ms_report_write_path(const char *path, int (*write)(FILE *, void *),
                         void *ctx, char *err, size_t errlen);

/* Bytes from a server or a transcript made safe for a terminal
 * (report_text.c): C0 controls, DEL, C1 controls and invalid UTF-8 as
 * \xHH (never a raw ESC), tab and valid UTF-8 kept.  Caller frees. */
char *ms_report_text_safe(const char *s, size_t len);

/* One writer per file: report_text.c, report_junit.c, ... */
int ms_report_text(const struct ms_run_result *r, FILE *out,
                   const struct ms_report_opts *o);
int ms_report_junit(const struct ms_run_result *r, FILE *out,
                    const struct ms_report_opts *o);
int ms_report_json(const struct ms_run_result *r, FILE *out,
                   const struct ms_report_opts *o);
int ms_report_tap(const struct ms_run_result *r, FILE *out,
                  const struct ms_report_opts *o);
int ms_report_html(const struct ms_run_result *r, FILE *out,
                   const struct ms_report_opts *o);
int ms_report_md(const struct ms_run_result *r, FILE *out,
                 const struct ms_report_opts *o);

#endif
