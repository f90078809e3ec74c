/* cli_jobs: -j N of run and replay, one parser and one check (issue 17:
 * -j is limited only by file descriptors). */
#ifndef MS_CLI_JOBS_H
#define MS_CLI_JOBS_H

#include <stddef.h>

#include "mailspec/engine.h"

/* Descriptors kept free beside the sessions': stdio, the report and
 * keylog files, the shared probe connection, OpenSSL's reads of its CA
 * files, and the event loops of up to 8 workers (an epoll and a wake-up
 * descriptor each); 2 more per online CPU beyond 8. */
#define MS_CLI_JOBS_RESERVE 24

/* ARG as -j's N: a whole number, 1 or more.  0, or -1 with a message
 * (without the command's prefix) in ERR. */
int ms_cli_jobs_parse(const char *arg, int *out, char *err, size_t errlen);

/* Descriptors one session of this run holds at once (cli_jobs.c counts
 * them from the engine). */
size_t ms_cli_jobs_per_session(const struct ms_engine_opts *eo);

/* Before a run of NSESSIONS with EO->jobs at once: when RLIMIT_NOFILE's
 * soft limit cannot hold min(jobs, NSESSIONS) sessions, raise it to the
 * hard limit.  0 when it holds them (or only one runs at a time); -1
 * when it still cannot, with the message (how many it holds and why,
 * without the command's prefix) in ERR. */
int ms_cli_jobs_fit(const struct ms_engine_opts *eo, size_t nsessions,
                    char *err, size_t errlen);

#endif
