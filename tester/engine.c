/* engine: run transcripts against a live server (placeholder). */
#include "mailspec/engine.h"

#include <string.h>

#include "util.h"

void ms_engine_opts_init(struct ms_engine_opts *o) {
  memset(o, 0, sizeof *o);
  o->jobs = 1;
  o->timeout = 30;
}

void ms_engine_run_transcript(const struct ms_engine_opts *o,
                              const struct ms_transcript *t,
                              const char *host, const char *port,
                              struct ms_transcript_result *out) {
  (void)o;
  (void)t;
  (void)host;
  (void)port;
  out->verdict = MS_ERROR;
  out->reason = xstrdup("engine not implemented yet");
}
