/* plan: command-line paths to transcript paths (stub). */
#include "mailspec/transcript.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int ms_plan_build(struct ms_plan *p, char *const *paths, size_t npaths,
                  struct ms_diags *d) {
  memset(p, 0, sizeof *p);
  (void)paths, (void)npaths;
  ms_diags_add(d, false, NULL, 0, 0, "run plans not implemented yet");
  return -1;
}

void ms_plan_free(struct ms_plan *p) {
  free(p->items);
  memset(p, 0, sizeof *p);
}
