/* libFuzzer target: the JSON reader of `mailspec diff` and `merge`
 * (json.c), the result model read back from it (result_json.c), and
 * every report writer fed the result it produced, since a merged
 * result is written out again.  Result files come from CI artefacts:
 * untrusted.  Input that starts with a space (JSON allows it) is also
 * parsed with tight limits (depth 4, 64 items, 256-octet strings) so that
 * the limit paths are reached; no byte is taken from the input for that,
 * so the seeds (real result files) reach the writers unchanged. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "result_json.h"
#include "mailspec/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static FILE *sink;
  if (!sink)
    sink = fopen("/dev/null", "w");
  bool tight = size > 0 && data[0] == ' ';
  char err[256];
  struct ms_json_limits lim = {4, 1u << 20, 256, 64};
  if (tight)
    ms_json_free(
        ms_json_parse((const char *)data, size, &lim, err, sizeof err));
  struct ms_run_result r;
  if (ms_result_json_read((const char *)data, size, "fuzz.json", &r, err,
                          sizeof err) == 0) {
    struct ms_report_opts o = {false, 1};
    for (int f = MS_REPORT_TEXT; f <= MS_REPORT_MD; f++)
      ms_report_write((enum ms_report_format)f, &r, sink, &o);
    ms_run_free(&r);
  }
  return 0;
}
