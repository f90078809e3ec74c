/* Waivers: known, explained departures of one server from the RFCs.
 * A waived FAIL is reported as WAIVED and does not fail the run; a
 * waiver past its expiry date no longer waives (the FAIL stands, with
 * the reason saying so).  ERROR means "could not judge", so a waiver
 * covers an ERROR only when it says `verdict: ERROR` (a server that
 * hangs on a command).  Implemented in tester/waiver.c; format in
 * suites/README.md. */
#ifndef MAILSPEC_WAIVER_H
#define MAILSPEC_WAIVER_H

#include <stdio.h>

#include "mailspec/result.h"
#include "mailspec/transcript.h"

struct ms_waiver {
  char *test;    /* transcript id or fnmatch(3) pattern: "smtp/help" */
  char *reason;  /* what the server does and what the RFC says */
  char *expires; /* "YYYY-MM-DD" or NULL */
  enum ms_verdict verdict; /* what it covers: MS_FAIL (default) or MS_ERROR */
  char *file;              /* where it was written */
  int line;
  unsigned used; /* how many results it waived */
};

struct ms_waivers {
  char *server; /* which server the file is about */
  struct ms_waiver *v;
  size_t n, cap;
};

/* Load FILE and append its waivers to W.  Returns 0, or -1 with
 * file:line:col diagnostics in D. */
int ms_waivers_load(struct ms_waivers *w, const char *file, struct ms_diags *d);
void ms_waivers_free(struct ms_waivers *w);

/* Turn the FAIL results of R covered by a live waiver (and the ERROR
 * results covered by a live `verdict: ERROR` waiver) into WAIVED.
 * TODAY is "YYYY-MM-DD" (NULL: today's UTC date, or $MAILSPEC_TODAY).
 * Expired waivers leave the FAIL or ERROR and say so in its reason.  Notes
 * about unused waivers go to NOTES (may be NULL). Recounts R. */
void ms_waivers_apply(struct ms_waivers *w, struct ms_run_result *r,
                      const char *today, FILE *notes);

#endif
