/* transcript_timing: the optional timing keys of a transcript, at: (the
 * session's start in its capture) and think: (the client's think time
 * before each of its batches), which `replay --pace` follows
 * (transcripts/README.md, "Timing"). */
#ifndef MS_TRANSCRIPT_TIMING_H
#define MS_TRANSCRIPT_TIMING_H

#include <stdbool.h>
#include <stddef.h>

#include "mailspec/transcript.h"
#include "transcript_yaml.h"

/* at: SECONDS (0 or more) into T->at. */
void ms_transcript_timing_at(const char *file, const struct ms_ynode *v,
                             struct ms_diags *d, struct ms_transcript *t);
/* think: [SECONDS, ...] (value V) onto the steps of session SS:
 * entry I is the think time of the I-th client batch.  More entries
 * than batches draw a warning at the first extra one. */
void ms_transcript_timing_think(const char *file, const struct ms_ynode *v,
                                struct ms_diags *d, struct ms_session *ss);
/* Does step I of STEPS start a client batch: a SEND whose previous step
 * (meta lines, capture gaps and TLS handshakes aside) is an expected
 * reply? */
bool ms_transcript_timing_batch(const struct ms_step *steps, size_t i);

#endif
