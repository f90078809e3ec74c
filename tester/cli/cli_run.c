/* cli_run: the tail that run and replay share (cli_run.h). */
#include "cli_run.h"

#include <errno.h>
#include <string.h>

#include "mailspec/mailspec.h"

static volatile sig_atomic_t cli_run_stop;   /* read by the workers */
static volatile sig_atomic_t cli_run_signal; /* which one, for the status */

static void cli_run_on_signal(int sig) {
  int saved = errno;
  cli_run_signal = sig;
  __atomic_store_n(&cli_run_stop, 1, __ATOMIC_RELAXED);
  errno = saved;
}

void ms_cli_run_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = cli_run_on_signal;
  sigemptyset(&sa.sa_mask);
  /* A second Ctrl-C kills at once (the default action comes back). */
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

void ms_cli_run_engine_opts(struct ms_engine_opts *eo, const struct ms_cli *g,
                            const struct ms_defines *defs) {
  eo->defines = defs->v;
  eo->ndefines = defs->n;
  eo->secrets = (const char *const *)defs->secrets;
  eo->nsecrets = defs->nsecrets;
  eo->stop = &cli_run_stop;
  eo->diag = stderr;
  if (g->verbosity > 0) {
    eo->live = stderr;
    eo->color = g->color_err;
  }
}

int ms_cli_run_status(const struct ms_run_result *res, bool strict,
                      bool plan_bad, int wrc) {
  int rc = ms_run_exit_status_strict(res, strict);
  if (plan_bad || (wrc < 0 && rc == MS_EXIT_PASS))
    rc = MS_EXIT_USAGE;
  if (res->interrupted || __atomic_load_n(&cli_run_stop, __ATOMIC_RELAXED))
    rc = 128 + (cli_run_signal ? (int)cli_run_signal : SIGINT);
  return rc;
}
