/* suite: suite files (stub). */
#include "mailspec/transcript.h"

#include <stdlib.h>

#include "util.h"

bool ms_suite_is_suite(const char *path) {
  (void)path;
  return false;
}

struct ms_suite *ms_suite_load(const char *path, struct ms_diags *d) {
  ms_diags_add(d, false, path, 0, 0, "suites not implemented yet");
  return NULL;
}

void ms_suite_free(struct ms_suite *s) {
  free(s);
}
