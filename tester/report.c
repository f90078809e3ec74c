/* report: -r FORMAT[:FILE] parsing and dispatch (placeholder). */
#include "mailspec/report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int ms_report_spec_parse(const char *spec, enum ms_report_format *fmt,
                         char **file, char *err, size_t errlen) {
  (void)spec;
  *fmt = MS_REPORT_TEXT;
  *file = NULL;
  snprintf(err, errlen, "not implemented yet");
  return -1;
}

const char *ms_report_format_name(enum ms_report_format f) {
  (void)f;
  return "text";
}

int ms_report_write(enum ms_report_format f, const struct ms_run_result *r,
                    FILE *out, const struct ms_report_opts *o) {
  (void)f;
  return ms_report_text(r, out, o);
}

int ms_report_write_file(enum ms_report_format f,
                         const struct ms_run_result *r, const char *path,
                         const struct ms_report_opts *o, char *err,
                         size_t errlen) {
  (void)f;
  (void)r;
  (void)path;
  (void)o;
  snprintf(err, errlen, "not implemented yet");
  errno = ENOSYS;
  return -1;
}
