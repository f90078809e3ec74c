/* cli_run: what run and replay share between building their plan and
 * writing their reports (issue 16: one copy, so the two cannot drift):
 * the signals that stop a run, the engine options both set alike, and
 * the exit status. */
#ifndef MS_CLI_RUN_H
#define MS_CLI_RUN_H

#include <signal.h>
#include <stdbool.h>

#include "cli_define.h"
#include "cmd.h"
#include "mailspec/engine.h"
#include "mailspec/result.h"

/* SIGINT/SIGTERM stop the run (the engine ends what runs and reports the
 * rest as not run); a second one kills at once. */
void ms_cli_run_signals(void);
/* The engine options a command sets from the global options and -D. */
void ms_cli_run_engine_opts(struct ms_engine_opts *eo, const struct ms_cli *g,
                            const struct ms_defines *defs);
/* The exit status: the run's (STRICT: a SHOULD failure counts); 2 when
 * the plan held an invalid transcript (PLAN_BAD), or when a report could
 * not be written (WRC < 0) and nothing failed; 128 + the signal that
 * stopped it. */
int ms_cli_run_status(const struct ms_run_result *res, bool strict,
                      bool plan_bad, int wrc);

#endif
