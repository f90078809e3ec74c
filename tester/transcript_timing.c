/* transcript_timing: at: and think:, the timing an imported transcript
 * keeps for `replay --pace` (transcripts/README.md, "Timing").  Both are
 * optional; a transcript without them replays as fast as it can. */
#include "transcript_timing.h"

#include <stdio.h>
#include <string.h>

void ms_transcript_timing_at(const char *file, const struct ms_ynode *v,
                             struct ms_diags *d, struct ms_transcript *t) {
  double at;
  if (ms_transcript_yaml_offset(file, v, "at:", d, &at) == 0) {
    t->at = at;
    t->at_line = v->line;
  }
}

bool ms_transcript_timing_batch(const struct ms_step *steps, size_t i) {
  if (steps[i].kind != MS_STEP_SEND)
    return false;
  while (i-- > 0) {
    enum ms_step_kind k = steps[i].kind;
    /* a TLS handshake follows STARTTLS's 220 (RFC 3207 §4): the next
     * command still answers that reply */
    if (k == MS_STEP_META || k == MS_STEP_GAP || k == MS_STEP_TLS)
      continue;
    return k == MS_STEP_EXPECT;
  }
  return false; /* the session's first bytes: at: says when */
}

static size_t tm_batches(const struct ms_session *ss) {
  size_t n = 0;
  for (size_t i = 0; i < ss->nsteps; i++)
    n += ms_transcript_timing_batch(ss->steps, i);
  return n;
}

void ms_transcript_timing_think(const char *file, const struct ms_ynode *v,
                                struct ms_diags *d, struct ms_session *ss) {
  if (v->kind != MS_YSEQ) {
    ms_diags_add(d, false, file, v->line, v->col, "%s",
                 "think: is a list of seconds, one per client batch (the "
                 "client lines after a reply), e.g. think: [0.250, 1.5]");
    return;
  }
  size_t step = 0;
  for (size_t j = 0; j < v->nkids; j++) {
    double s;
    if (ms_transcript_yaml_offset(file, v->kids[j], "each entry of think:", d,
                                  &s) < 0)
      continue;
    while (step < ss->nsteps && !ms_transcript_timing_batch(ss->steps, step))
      step++;
    if (step >= ss->nsteps) {
      size_t nb = tm_batches(ss);
      /* a warning: an imported transcript must load whatever an edit
       * did to its dialogue; the extra think times are not used */
      ms_diags_add(d, true, file, v->kids[j]->line, v->kids[j]->col,
                   "think: has %zu entries, but the dialogue has only %zu "
                   "client batch%s (client lines that follow a reply): the "
                   "extra ones are ignored",
                   v->nkids, nb, nb == 1 ? "" : "es");
      return;
    }
    ss->steps[step++].after = s;
  }
}
