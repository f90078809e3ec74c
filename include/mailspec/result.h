/* The one result model.  The engine fills it; every report writer reads
 * it and nothing else.  Implemented in tester/result.c. */
#ifndef MAILSPEC_RESULT_H
#define MAILSPEC_RESULT_H

#include <stdbool.h>
#include <stddef.h>

#include "mailspec/transcript.h"

enum ms_verdict {
  MS_PASS = 0,
  MS_FAIL,   /* the server did something else */
  MS_ERROR,  /* could not judge: refused, timeout, bad transcript */
  MS_SKIP,   /* a requirement was not met */
  MS_WAIVED, /* failed, but a waiver covers it */
  MS_NOTRUN  /* interrupted before it ran */
};
const char *ms_verdict_name(enum ms_verdict v); /* "PASS", ... */

/* A reply syntax finding (strict reading) attached to a step. */
struct ms_finding {
  unsigned violation; /* one enum ms_violation bit */
  char *what;         /* human text with the RFC clause */
};

struct ms_step_result {
  size_t session; /* index into the transcript's sessions */
  size_t step;    /* index of the EXPECT/CLOSE step judged */
  int line;       /* transcript line of that step */
  enum ms_verdict verdict;
  char *sent;     /* the client lines this reply answers, '\n'-joined,
                     as shown in reports (secrets redacted) */
  char *expected; /* expected, as written ("250 OK", "2xx") */
  char *got;      /* reply lines as received, '\n'-joined; NULL: none */
  int code;       /* code received (SMTP 3 digits, MS_POP3_*), 0 none */
  char *reason;   /* why not PASS, NULL when PASS */
  struct ms_finding *findings;
  size_t nfindings;
  double elapsed_ms; /* from the last send to the reply */
};

/* What TLS negotiated with the server (RFC 3207 / RFC 8314): the first
 * handshake of the transcript.  Strings are NULL when unknown. */
struct ms_tls_result {
  char *version;      /* "TLSv1.3" */
  char *cipher;       /* IANA name: "TLS_AES_256_GCM_SHA384" */
  char *subject;      /* server certificate subject, RFC 2253: "CN=mx" */
  char *issuer;       /* its issuer, RFC 2253 */
  char *not_after;    /* its expiry, ISO 8601 UTC: "2026-01-31T12:00:00Z" */
  bool verified;      /* chain and name verified */
  char *verify_error; /* why not ("certificate has expired"), or NULL */
};
void ms_tls_result_free(struct ms_tls_result *t); /* the fields, not T */
/* A new deep copy of T (NULL for NULL). */
struct ms_tls_result *ms_tls_result_dup(const struct ms_tls_result *t);
/* One line for reports: "TLSv1.3 TLS_AES_256_GCM_SHA384, certificate
 * CN=mx (issuer ...), expires 2026-01-31T12:00:00Z, verified" or "...,
 * NOT verified: certificate has expired".  Caller frees. */
char *ms_tls_result_text(const struct ms_tls_result *t);

/* A session that stopped being judged before its end (issue 12).  A
 * reply that gates what follows (the greeting; the replies to DATA,
 * BDAT, STARTTLS/STLS and during AUTH; an expected 3xx or POP3 "+")
 * did not come as expected, a pipelined group's replies did not match
 * their commands, or the server could not be heard any more.  Nothing
 * that depended on that reply was sent and the later steps of the
 * session were not judged.  ALLOWED: a reply the transcript allows (a
 * refusal alternative such as 554 in "354|554") ended it: not a
 * failure, the rest of the session does not apply. */
struct ms_divergence {
  size_t session;            /* index of the session */
  size_t step;               /* index of the step where it stopped */
  int line;                  /* that step's transcript line */
  char *what;                /* "t.yaml:13: expected 354, got 554" */
  bool allowed;              /* ended by an allowed reply, see above */
  size_t not_judged;         /* expectations of the session left unjudged */
  int first_line, last_line; /* their transcript lines, 0 unknown */
};

/* A session entry of the transcript (sessions:), for reports: a step
 * result names its entry by index (ms_step_result.session). */
struct ms_session_result {
  char *name;  /* as written, or NULL */
  size_t conn; /* its connection: entries that continue one share it */
  int line;    /* where the entry starts in the transcript */
};

struct ms_transcript_result {
  char *path, *id, *title, *source, *rfc;
  enum ms_protocol protocol;
  enum ms_level level;
  char **tags;
  size_t ntags;
  char *suite; /* suite title, or NULL */
  enum ms_verdict verdict;
  char *reason; /* the first problem, for one-line displays */
  struct ms_step_result *steps;
  size_t nsteps;
  char *greeting; /* server identity: its first greeting line */
  char *target;   /* "127.0.0.1:2525" or "builtin" */
  double started; /* unix time, seconds */
  double elapsed_ms;
  struct ms_tls_result *tls; /* NULL: the transcript did not use TLS */
  /* Added for issue 6 and the reports (zero/NULL when unknown): */
  char *pcap; /* run --pcap: the capture of this transcript's sessions */
  enum ms_convention convention; /* role letters for the diff (S:/R:) */
  size_t plan_index; /* position in the unsharded run plan (merge order) */
  /* Added for issue 12: the sessions that stopped early, in order. */
  struct ms_divergence *diverged;
  size_t ndiverged;
  /* Added for issue 13: its session entries when there are several
   * (none for a one-session transcript). */
  struct ms_session_result *sessions;
  size_t nsessions;
};

struct ms_run_result {
  struct ms_transcript_result *v;
  size_t n;
  char *target;
  double started, elapsed_ms;
  bool interrupted;
  size_t counts[MS_NOTRUN + 1]; /* by verdict; filled by ms_run_count() */
  size_t ninvalid; /* transcripts that did not load (ERROR results) */
};

void ms_run_init(struct ms_run_result *r);
void ms_run_free(struct ms_run_result *r);
void ms_transcript_result_free(struct ms_transcript_result *t);
void ms_run_count(struct ms_run_result *r);
/* The exit status for this run (enum ms_exit): MS_EXIT_USAGE when a
 * transcript did not load, else FAIL over ERROR (NOTRUN counts as an
 * ERROR) over PASS. */
int ms_run_exit_status(const struct ms_run_result *r);
/* The same with levels (run --strict, issue 5): a FAIL of a MUST (or
 * unlevelled) transcript always fails the run, of a SHOULD one only when
 * STRICT, of a MAY one never.  ms_run_exit_status() is STRICT = true. */
int ms_run_exit_status_strict(const struct ms_run_result *r, bool strict);
/* Does the FAIL of T fail the run (see above)? */
bool ms_result_fail_counts(const struct ms_transcript_result *t, bool strict);

/* Step results are appended by the engine. Returns the new element. */
struct ms_step_result *ms_tr_add_step(struct ms_transcript_result *t);
/* Append a divergence to T; WHAT is copied.  Returns the new element. */
struct ms_divergence *ms_tr_add_divergence(struct ms_transcript_result *t,
                                           const char *what);
/* The one line every report shows for D of T:
 * "diverged at t.yaml:13: expected 354, got 554; not judged: 2 later
 * steps (lines 615-617)" (session named when T has several).  Caller
 * frees. */
char *ms_divergence_text(const struct ms_transcript_result *t,
                         const struct ms_divergence *d);
/* Append session entry NAME (copied; may be NULL) to T. */
struct ms_session_result *ms_tr_add_session(struct ms_transcript_result *t,
                                            const char *name, size_t conn,
                                            int line);
/* How reports name session entry SESSION of T: its name, or "session N"
 * (1-based) when it has none; NULL when T has only one entry. */
const char *ms_session_label(const struct ms_transcript_result *t,
                             size_t session, char *buf, size_t len);
void ms_step_add_finding(struct ms_step_result *s, unsigned violation,
                         const char *what);

#endif
