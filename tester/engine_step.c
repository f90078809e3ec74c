/* engine_step: the result of one step, and how long its reply may
 * take. */
#include <stdlib.h>

#include "engine_int.h"
#include "util.h"

/* ---- results ---------------------------------------------------------- */

struct ms_step_result *ms_engine_step(struct ms_eng *e,
                                      const struct ms_step *st, size_t idx) {
  struct ms_step_result *r = ms_tr_add_step(e->out);
  r->session = e->si;
  r->step = idx;
  r->line = st->line;
  return r;
}

/* A step that could not be judged. */
void ms_engine_error(struct ms_step_result *r, char *reason) {
  r->verdict = MS_ERROR;
  free(r->reason);
  r->reason = reason;
}

double ms_engine_step_timeout(const struct ms_eng *e,
                              const struct ms_step *st) {
  return st->timeout > 0 ? st->timeout : e->timeout;
}
