/* pool: run a plan, -j N (placeholder). */
#include "mailspec/engine.h"

void ms_engine_run_plan(const struct ms_engine_opts *o,
                        const struct ms_plan *plan, struct ms_run_result *out) {
  (void)o;
  (void)plan;
  (void)out;
}
