/* libFuzzer target: the transcript loader (YAML + S:/R: script parser).
 * Any input must give a transcript or diagnostics, never a crash/leak. */
#include <stddef.h>
#include <stdint.h>

#include "mailspec/transcript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ms_diags d = {0};
  struct ms_transcript *t =
      ms_transcript_parse("fuzz.yaml", (const char *)data, size, &d);
  if (t)
    ms_transcript_free(t);
  ms_diags_free(&d);
  return 0;
}
