/* report_text: the default human report (placeholder). */
#include "mailspec/report.h"

int ms_report_text(const struct ms_run_result *r, FILE *out,
                   const struct ms_report_opts *o) {
  (void)o;
  fprintf(out, "%zu transcripts\n", r->n);
  return 0;
}
