/* report_tap: the tap report writer (minimal body; implemented next). */
#include "mailspec/report.h"

int ms_report_tap(const struct ms_run_result *r, FILE *out,
                 const struct ms_report_opts *o) {
  (void)o;
  (void)r;
  (void)out;
  return 0;
}
