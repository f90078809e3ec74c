/* cli_report: the -r option of run, replay and merge. */
#include "cli_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int ms_cli_reports_add(struct ms_cli_reports *r, const char *spec, char *err,
                       size_t errlen) {
  struct ms_cli_report n;
  if (ms_report_spec_parse(spec, &n.fmt, &n.file, err, errlen) < 0)
    return -1;
  for (size_t i = 0; i < r->n; i++) {
    bool both_stdout = !n.file && !r->v[i].file;
    bool same = n.file && r->v[i].file && strcmp(n.file, r->v[i].file) == 0;
    if (both_stdout || same) {
      snprintf(err, errlen, "two reports would go to %s",
               both_stdout ? "stdout" : n.file);
      free(n.file);
      return -1;
    }
  }
  r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
  r->v[r->n++] = n;
  return 0;
}

void ms_cli_reports_default(struct ms_cli_reports *r) {
  if (r->n == 0) {
    char err[64];
    (void)ms_cli_reports_add(r, "text", err, sizeof err);
  }
}

bool ms_cli_reports_text_only(const struct ms_cli_reports *r) {
  for (size_t i = 0; i < r->n; i++)
    if (r->v[i].fmt != MS_REPORT_TEXT)
      return false;
  return true;
}

bool ms_cli_reports_text_on_stdout(const struct ms_cli_reports *r) {
  if (r->n == 0)
    return true;
  for (size_t i = 0; i < r->n; i++)
    if (!r->v[i].file && r->v[i].fmt == MS_REPORT_TEXT)
      return true;
  return false;
}

static int cli_report_one(const struct ms_cli_report *p,
                          const struct ms_run_result *res,
                          const struct ms_report_opts *o, const char *cmd) {
  struct ms_report_opts so = *o;
  if (p->file) {
    char err[512];
    so.color = false;
    if (ms_report_write_file(p->fmt, res, p->file, &so, err, sizeof err) == 0)
      return 0;
    fprintf(stderr, "mailspec %s: %s\n", cmd, err);
    return -1;
  }
  so.color = o->color && p->fmt == MS_REPORT_TEXT;
  if (ms_report_write(p->fmt, res, stdout, &so) == 0 && fflush(stdout) == 0)
    return 0;
  fprintf(stderr, "mailspec %s: cannot write the %s report to stdout: %s\n",
          cmd, ms_report_format_name(p->fmt), strerror(errno));
  return -1;
}

int ms_cli_reports_write(const struct ms_cli_reports *r,
                         const struct ms_run_result *res,
                         const struct ms_report_opts *o, bool also_text,
                         const char *cmd) {
  int rc = 0;
  bool any_stdout = false;
  for (size_t i = 0; i < r->n; i++) {
    any_stdout |= !r->v[i].file;
    if (cli_report_one(&r->v[i], res, o, cmd) < 0)
      rc = -1;
  }
  if (also_text && !any_stdout) {
    struct ms_cli_report text = {MS_REPORT_TEXT, NULL};
    if (cli_report_one(&text, res, o, cmd) < 0)
      rc = -1;
  }
  return rc;
}

void ms_cli_reports_free(struct ms_cli_reports *r) {
  for (size_t i = 0; i < r->n; i++)
    free(r->v[i].file);
  free(r->v);
  r->v = NULL;
  r->n = 0;
}
