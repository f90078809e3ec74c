/* The live engine: runs transcripts against a target and fills the
 * result model.  Implemented in tester/engine.c (judging), tester/net.c
 * (sockets, timeouts), tester/target.c, tester/engine_pool.c (-j N). */
#ifndef MAILSPEC_ENGINE_H
#define MAILSPEC_ENGINE_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "mailspec/result.h"
#include "mailspec/transcript.h"

/* A target: "HOST:PORT", "[v6addr]:PORT", "name:PORT" or "builtin" (a
 * reference server started in-process for each transcript), or a URL:
 * "smtp://HOST[:PORT]" (25), "smtps://HOST[:PORT]" (465, implicit TLS,
 * RFC 8314 §3.3), "pop3://HOST[:PORT]" (110), "pop3s://HOST[:PORT]"
 * (995, RFC 8314 §3.2 / RFC 2595 §7). */
struct ms_target {
  char *host;
  char *port;
  bool builtin;
  bool tls;               /* implicit TLS from the first byte (smtps, pop3s) */
  bool has_proto;         /* the URL named the protocol: */
  enum ms_protocol proto; /* transcripts of the other one are SKIPped */
};
int ms_target_parse(struct ms_target *t, const char *text, char *err,
                    size_t errlen);
void ms_target_free(struct ms_target *t);

/* replay --pace (issue 17): how far behind schedule a paced run fell at
 * worst, over every session start and client batch it waited for.  The
 * workers update it under MU, which is held for the update only, never
 * across a wait (engine_pace.c). */
struct ms_pace_log {
  pthread_mutex_t mu;
  unsigned long points; /* scheduled moments reached */
  double worst;         /* seconds behind schedule at worst (>= 0) */
  size_t item;          /* there: the plan index of the transcript */
  char *path;           /* its path */
  int line;             /* the line of its step; its at: line at its start */
  bool start;           /* the worst was a session start, not a batch */
};
/* 0, or -1 when the mutex cannot be made. */
int ms_pace_log_init(struct ms_pace_log *l);
void ms_pace_log_free(struct ms_pace_log *l);

struct ms_engine_opts {
  struct ms_target target;
  /* run --pop3 (issue 14): the mailbox side, where delivery checks read
   * back over POP3 what the target delivered; zeroed (host NULL) when not
   * given.  Under -t builtin the reference server serves both sides. */
  struct ms_target pop3;
  const struct ms_var *defines; /* -D NAME=VALUE */
  size_t ndefines;
  const char *const *secrets; /* values never shown, anywhere: they are
                                 <redacted> (-D NAME=env:VAR, file:PATH) */
  size_t nsecrets;
  int jobs;        /* -j N, >= 1 */
  double timeout;  /* per reply, seconds (default 30) */
  double deadline; /* per transcript, seconds, 0 = none */
  FILE *live;      /* non-NULL: print every exchange live, S:/R: form */
  bool color;      /* ANSI colour on LIVE */
  volatile sig_atomic_t *stop; /* set by a signal handler: stop early */
  /* called after each transcript finishes (from the calling thread) */
  void (*progress)(void *ctx, size_t done, size_t total,
                   const struct ms_transcript_result *t);
  void *progress_ctx;
  FILE *diag;             /* non-NULL: load errors of transcripts, printed as
                             file:line:col: message while the plan runs */
  bool drop_passed_steps; /* free the step results of transcripts that
                        PASS (memory stays flat on long runs whose only
                        report is text, which does not show them) */
  bool drop_passed_meta;  /* with it, a PASS keeps only its verdict, level
                             and timings (run -q: the text report shows
                             nothing of a PASS, so 10,000 sessions cost
                             no more than 1,000 besides the result array) */
  /* TLS (STARTTLS, implicit TLS): the server certificate is verified
   * against CAFILE (NULL: the system's store) and the target's name
   * unless INSECURE; KEYLOG appends SSLKEYLOGFILE lines.  TLS_CTX: a
   * client context made from these once per run (ms_engine_tls_new());
   * NULL: each transcript makes its own when it needs one. */
  const char *cafile;
  bool insecure;
  const char *keylog;
  struct ms_tls_ctx *tls_ctx;
  /* run --pcap DIR (issue 6): each transcript's sessions are captured on
   * loopback into DIR/<id, '/' as '_'>.pcap; NULL: no capture. */
  const char *pcap_dir;
  /* replay --pace F (issue 17): > 0, each transcript with at: starts at
   * EPOCH + at/F (EPOCH: ms_now() when the run began), and each client
   * batch with a think time waits think/F after the reply it follows;
   * every wait goes through ms_net_sleep().  0: as fast as it can.
   * PACE_LOG, if not NULL, collects how late those moments came. */
  double pace;
  double epoch;
  struct ms_pace_log *pace_log;
};
void ms_engine_opts_init(struct ms_engine_opts *o);
/* The shared TLS client context for O (from cafile, insecure, keylog):
 * NULL with ERR when the CA file or the key log cannot be used.  Free
 * with ms_engine_tls_free(). */
struct ms_tls_ctx *ms_engine_tls_new(const struct ms_engine_opts *o, char *err,
                                     size_t errlen);
void ms_engine_tls_free(struct ms_tls_ctx *x);

/* Run one loaded transcript against HOST:PORT (not builtin). */
void ms_engine_run_transcript(const struct ms_engine_opts *o,
                              const struct ms_transcript *t, const char *host,
                              const char *port,
                              struct ms_transcript_result *out);

/* Load and run every transcript of PLAN (in order; -j N in parallel, the
 * order of OUT stays the plan's).  A transcript that does not load is an
 * ERROR result carrying the diagnostics. */
void ms_engine_run_plan(const struct ms_engine_opts *o,
                        const struct ms_plan *plan, struct ms_run_result *out);

/* ---- Judging (engine_judge.c): pure functions, no I/O ---------------- */
struct ms_reply; /* mailspec/reply.h */

/* Judge REPLY, the complete reply read for EXPECT step S of a PROTO
 * transcript, into OUT: code, got, verdict, reason, and one finding per
 * reply violation.  The code decides (RFC 821 §4.2); the text is only
 * compared when S has a text regex.  A violation makes the step FAIL
 * even when the code matches (strict reading).  OUT->expected is filled
 * from S when NULL. */
void ms_engine_judge(const struct ms_step *s, enum ms_protocol proto,
                     const struct ms_reply *reply, struct ms_step_result *out);
/* Add an engine-side finding (MS_V_TRAILING, MS_V_EARLY_CLOSE) with an
 * optional DETAIL; a PASS becomes FAIL with it as the reason. */
void ms_engine_flag(struct ms_step_result *out, unsigned violation,
                    const char *detail);
/* The level at which the FAIL of step R counts: a step that failed only
 * by findings whose own clause is a SHOULD (an SMTP reply line over 512
 * octets, RFC 5321 §4.5.3.1.5) counts as SHOULD, whatever its transcript's
 * level; anything else as MUST.  MS_LEVEL_NONE when R did not fail. */
enum ms_level ms_engine_fail_level(const struct ms_step_result *r,
                                   enum ms_protocol proto);
/* The expectation of S as shown in reports: the lines as written,
 * '\n'-joined, else the pattern ("2xx").  Caller frees. */
char *ms_engine_expected_text(const struct ms_step *s);
/* A received code as text: "250", "+OK", "-ERR", "+", "no code". */
const char *ms_engine_code_text(enum ms_protocol proto, int code, char *buf,
                                size_t len);

#endif
