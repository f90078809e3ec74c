/* The live engine: runs transcripts against a target and fills the
 * result model.  Implemented in tester/engine.c (judging), tester/net.c
 * (sockets, timeouts), tester/target.c, tester/pool.c (-j N). */
#ifndef MAILSPEC_ENGINE_H
#define MAILSPEC_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "mailspec/result.h"
#include "mailspec/transcript.h"

/* A target: "HOST:PORT", "[v6addr]:PORT", "name:PORT" or "builtin" (a
 * reference server started in-process for each transcript). */
struct ms_target {
  char *host;
  char *port;
  bool builtin;
};
int ms_target_parse(struct ms_target *t, const char *text, char *err,
                    size_t errlen);
void ms_target_free(struct ms_target *t);

struct ms_engine_opts {
  struct ms_target target;
  const struct ms_var *defines; /* -D NAME=VALUE */
  size_t ndefines;
  int jobs;          /* -j N, >= 1 */
  double timeout;    /* per reply, seconds (default 30) */
  double deadline;   /* per transcript, seconds, 0 = none */
  FILE *live;        /* non-NULL: print every exchange live, S:/R: form */
  bool color;        /* ANSI colour on LIVE */
  volatile sig_atomic_t *stop; /* set by a signal handler: stop early */
  /* called after each transcript finishes (from the calling thread) */
  void (*progress)(void *ctx, size_t done, size_t total,
                   const struct ms_transcript_result *t);
  void *progress_ctx;
};
void ms_engine_opts_init(struct ms_engine_opts *o);

/* Run one loaded transcript against HOST:PORT (not builtin). */
void ms_engine_run_transcript(const struct ms_engine_opts *o,
                              const struct ms_transcript *t,
                              const char *host, const char *port,
                              struct ms_transcript_result *out);

/* Load and run every transcript of PLAN (in order; -j N in parallel, the
 * order of OUT stays the plan's).  A transcript that does not load is an
 * ERROR result carrying the diagnostics. */
void ms_engine_run_plan(const struct ms_engine_opts *o,
                        const struct ms_plan *plan, struct ms_run_result *out);

#endif
