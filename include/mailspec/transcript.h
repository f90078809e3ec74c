/* Transcripts and suites: YAML in, structs out.  Pure apart from
 * ms_transcript_load()/ms_suite_load() reading the file they are given.
 * Implemented in tester/transcript.c (YAML), tester/script.c (the S:/R:
 * paste parser), tester/vars.c, tester/suite.c.  Format: transcripts/README.md
 */
#ifndef MAILSPEC_TRANSCRIPT_H
#define MAILSPEC_TRANSCRIPT_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

#include "mailspec/proto.h"

enum ms_convention {
  MS_CONV_NONE = 0,
  MS_CONV_RFC821, /* S: = client (sender-SMTP), R: = server */
  MS_CONV_RFC5321 /* C: = client, S: = server (RFC 5321, RFC 1939) */
};

enum ms_level {
  MS_LEVEL_NONE = 0,
  MS_LEVEL_MUST,
  MS_LEVEL_SHOULD,
  MS_LEVEL_MAY
};
const char *ms_level_name(enum ms_level l); /* "MUST", ... , "" */
/* "MUST", "SHOULD", "MAY" (any case) to *L; false if none of them. */
bool ms_level_parse(const char *s, enum ms_level *l);

/* A diagnostic with its position: printed as file:line:col: message. */
struct ms_diag {
  char *file;
  int line, col; /* 1-based; 0 if unknown */
  char *msg;
  bool warning;
};
struct ms_diags {
  struct ms_diag *v;
  size_t n, cap;
  size_t nerrors;
};
void ms_diags_add(struct ms_diags *d, bool warning, const char *file, int line,
                  int col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void ms_diags_free(struct ms_diags *d);
/* The one format of every diagnostic (diag.c): file:line:col: message,
 * the position as far as it is known, "warning: " before a warning's
 * message.  One diagnostic, without a newline; the caller frees. */
char *ms_diag_text(const struct ms_diag *g);
/* The errors as file:line:col: message, one a line (warnings left out). */
void ms_diags_print_errors(const struct ms_diags *d, FILE *to);
/* All of them, warnings included (mailspec lint, serve --world). */
void ms_diags_print(const struct ms_diags *d, FILE *to);
/* The errors joined by newlines (a result's reason); "" if none. */
char *ms_diags_errors_text(const struct ms_diags *d);

enum ms_step_kind {
  MS_STEP_SEND,   /* client bytes */
  MS_STEP_EXPECT, /* one server reply */
  MS_STEP_META,   /* RFC 1939 meta line, e.g. "<open connection>" */
  MS_STEP_CLOSE,  /* the server must close the connection (expect: close) */
  MS_STEP_PAUSE,  /* wait before the next step */
  MS_STEP_GAP,    /* a capture gap (import): not replayable */
  MS_STEP_TLS,    /* TLS handshake now (tls: handshake; after STARTTLS) */
  MS_STEP_AUTH,   /* a whole SASL exchange (auth:, RFC 4954 / RFC 5034) */
  MS_STEP_APOP,   /* POP3 APOP from the greeting's timestamp (apop:) */
  MS_STEP_MESSAGE /* a delivered message read back over POP3 (message:,
                     no_message:, notification:, no_notification:) */
};

/* SASL mechanisms the auth: step computes (RFC 4616, draft LOGIN,
 * RFC 2195). */
enum ms_sasl_mech { MS_SASL_PLAIN = 0, MS_SASL_LOGIN, MS_SASL_CRAM_MD5 };
const char *ms_sasl_mech_name(enum ms_sasl_mech m); /* "PLAIN", ... */

enum ms_send_kind {
  MS_SEND_LINE,      /* a command line: text + CRLF */
  MS_SEND_DATA_LINE, /* a mail data line after 354: text + CRLF, verbatim */
  MS_SEND_RAW,       /* exact bytes, C escapes decoded, nothing appended */
  MS_SEND_BODY       /* data: option: dot-stuffed lines + CRLF + ".\r\n" */
};

struct ms_step {
  enum ms_step_kind kind;
  int line, col; /* where it was written (1-based) */

  /* SEND */
  enum ms_send_kind send;
  char *text; /* LINE/DATA_LINE: without CRLF; RAW: decoded bytes;
                 BODY: lines separated by '\n' */
  size_t len; /* bytes in text (RAW may hold NUL) */
  /* BODY written as a mapping (data: {header:, octets:, fill:}): TEXT
   * is the header, and the body is filled up to OCTETS (a template such
   * as "${max} + 1", expanded at run time) with lines of FILL (NULL: a
   * default line); data_fill.c. */
  char *octets;
  char *fill;

  /* EXPECT */
  struct ms_pattern pat;
  char **lines; /* expected lines as written, for display; POP3
                   multi-line: status line then content lines */
  size_t nlines;
  bool multiline; /* written as a multi-line reply */
  char *text_re;  /* optional POSIX ERE matched against the reply text */
  char *not_re;   /* optional POSIX ERE the reply text must NOT match */
  char *each_re;  /* each_line: every line of the reply must match it, and
                     its first group (if any) be the same on every line */
  char *at_most;  /* at_most: {NAME: RE}, as NAME NUL RE NUL ... NUL: the
                     number RE's group finds is <= ${NAME} (engine.c) */
  char *at_least; /* at_least: likewise, >= ${NAME} */
  double timeout; /* seconds, 0 = the run's default */
  /* skip_on: a reply that matches SKIP_PAT (and not PAT) shows that the
   * server lacks the set-up the test presupposes: the step and the
   * transcript are SKIPPED (reason SKIP_WHY, or a default), and the rest
   * of the session is not run.  n == 0: none. */
  struct ms_pattern skip_pat;
  char *skip_why; /* skip_reason:, or NULL */

  /* META */
  char *meta; /* the text between < and >; EXPECT: its capture: list
                 (see ms_step_capture_next()), or NULL */

  /* PAUSE */
  double pause; /* seconds */

  /* AUTH and APOP: USER and PASS are templates (${name} expanded at run
   * time); PASS (the APOP secret) is never shown, only <redacted>.  The
   * final reply is judged against PAT (n == 0: 235 / +OK, or 501 / -ERR
   * when CANCEL).  EXPECT's text_re and timeout apply too. */
  enum ms_sasl_mech mech;
  char *user, *pass, *authzid;
  char *timestamp;       /* APOP: a template for the timestamp to digest instead
                            of the greeting's (a replayed digest), or NULL */
  bool initial_response; /* send the first response with AUTH */
  bool cancel;           /* answer the first challenge with "*" */

  /* SEND: times: N sends the line N times (1 when not written) */
  unsigned long times;
  /* SEND that starts a client batch (the first client step after a
   * reply): the client's think time, seconds between that reply and its
   * next bytes, from the transcript's think: list; 0 none.  Only
   * `replay --pace` waits it (transcripts/README.md, "Timing"). */
  double after;
  /* MESSAGE: what to look for in the mailbox (issue 14) */
  struct ms_msgcheck *msg;
};

/* What a delivery check (MS_STEP_MESSAGE, issue 14) looks for in the
 * mailbox it reads over POP3 (transcripts/README.md, "Delivery checks").
 * Every regex is a POSIX ERE; ${NAME} in it is expanded at run time with
 * its metacharacters escaped. */
enum ms_msg_kind {
  MS_MSG_FIND,   /* message: TOKEN        wait for it, then judge it */
  MS_MSG_ABSENT, /* no_message: TOKEN     it is not in the mailbox */
  MS_NOTE_FIND,  /* notification: TOKEN   a notification about it */
  MS_NOTE_ABSENT /* no_notification: TOKEN  none about it */
};
/* One NAME: VALUE entry of header:, count: or added:, where written. */
struct ms_msg_field {
  char *name; /* a header field name, as written */
  char *re;   /* header:/added: its regex; count: NULL */
  long count; /* count: how many fields NAME (>= 0) */
  int line, col;
};
struct ms_msgcheck {
  enum ms_msg_kind kind;
  char *token;   /* template: the text that identifies the message */
  double within; /* seconds to wait for it (FIND kinds); 0: the timeout */
  struct ms_msg_field *header; /* the topmost field NAME matches */
  size_t nheader;
  struct ms_msg_field *count; /* exactly N fields NAME */
  size_t ncount;
  struct ms_msg_field *added; /* among the fields the server put above the
                                 message as sent, one NAME matches */
  size_t nadded;
  char *not_added; /* no field the server added matches this */
  int not_added_line;
  bool as_sent; /* below the added fields: the message as sent, exactly
                   (implied by added:) */
  /* body: each regex matches the body (after the header section);
   * not_body: none does.  NAME is NULL in these. */
  struct ms_msg_field *body, *not_body;
  size_t nbody, nnot_body;
  char *user, *pass; /* login templates (default ${user}, ${pass}) */
};

/* One entry of sessions: (or the whole script:/steps:).  Entries run in
 * the order written, each on a connection of its own, unless an earlier
 * entry with the same NAME said KEEP_OPEN: then this entry continues
 * that connection (sessions side by side, issue 13).  CONN numbers the
 * connections in the order they open; an entry that opens one has
 * CONTINUES false. */
struct ms_session {
  char *name;
  int line;
  struct ms_step *steps;
  size_t nsteps;
  bool keep_open; /* the connection stays open after this entry */
  bool continues; /* this entry goes on on an earlier entry's connection */
  size_t conn;    /* which connection (0-based) */
  bool mailbox;   /* target: pop3: the mailbox side (run --pop3); it holds
                     delivery checks only (issue 14) */
};

struct ms_var {
  char *name;
  char *value;
};

/* One entry of covers: a requirement id of the catalogues
 * (suites/requirements/), with where it was written. */
struct ms_cover {
  char *id; /* "5321-4.1.1.1-3" */
  int line, col;
};

/* Which reference server a transcript meets under `-t builtin`: RFC 821's
 * (HELO only, SEND/SOML/SAML) or RFC 5321's (the default).  Set by the
 * transcript's `profile:` key, never guessed from its tags or source. */
enum ms_profile { MS_PROFILE_RFC5321 = 0, MS_PROFILE_RFC821 };

struct ms_transcript {
  char *path; /* as given */
  char *id;   /* path-derived test id, e.g. "rfc821/scenario-01" */
  char *title;
  char *source; /* e.g. "RFC 821 Appendix F, Scenario 1" */
  char *rfc;    /* clause, e.g. "RFC 5321 §4.1.1.4" */
  enum ms_protocol protocol;
  enum ms_convention convention;
  enum ms_profile profile; /* profile: the built-in server it meets */
  enum ms_level level;
  char **tags;
  size_t ntags;
  char **requires; /* EHLO keywords / CAPA tags */
  size_t nrequires;
  struct ms_cover *covers; /* covers: the requirements it checks */
  size_t ncovers;
  struct ms_var *vars;
  size_t nvars;
  /* needs: {NAME: REASON}: the transcript is a SKIP with REASON when
   * ${NAME} is empty (-D NAME=): the run says the server lacks what the
   * test presupposes (a configuration, not conformance). */
  struct ms_var *needs;
  size_t nneeds;
  struct ms_session *sessions;
  size_t nsessions;
  size_t nconns;    /* connections the sessions use (<= nsessions) */
  double timeout;   /* per reply, seconds; 0 = run default */
  double deadline;  /* whole transcript, seconds; 0 = none */
  bool pipelining;  /* client batches declared: trailing bytes are no finding */
  bool replayable;  /* false when it holds gaps (import) */
  char *world_path; /* world: FILE, resolved against the transcript's dir */
  char *world_yaml; /* world: inline mapping, re-emitted as YAML text */
  int world_line;
  char *notes;       /* free text for reports (notes:), or NULL */
  bool tls_implicit; /* tls: implicit: TLS from the first byte (465/995) */
  bool uses_tls;     /* some step negotiates TLS (starttls:, tls:) */
  bool uses_mailbox; /* some session reads the mailbox (target: pop3) */
  /* at: the session's start, seconds from the start of the capture or
   * recording it was imported from (sessions of one capture share that
   * origin); < 0 when not given.  Only `replay --pace` uses it. */
  double at;
  int at_line; /* where at: was written (0: not) */
};

/* What the loader takes at most (writers such as import stay under it):
 * the file's size and the YAML nodes of its document. */
#define MS_TRANSCRIPT_MAX_BYTES (16u << 20)
#define MS_TRANSCRIPT_MAX_NODES 250000

/* Load and validate.  Returns NULL when D gained errors. */
struct ms_transcript *ms_transcript_load(const char *path, struct ms_diags *d);
/* The id of a transcript without an id: key, from its PATH: the part
 * after the last "transcripts/" directory, without ".yaml" or ".yml"
 * ("transcripts/rfc821/scenario-01.yaml" -> "rfc821/scenario-01").  The
 * one derivation, for transcripts that load and those that do not.
 * Caller frees. */
char *ms_transcript_default_id(const char *path);
/* The same from memory; NAME is used in messages and for relative paths. */
struct ms_transcript *ms_transcript_parse(const char *name, const char *buf,
                                          size_t len, struct ms_diags *d);
void ms_transcript_free(struct ms_transcript *t);

/* ${name} expansion (vars.c).  Lookup order: OVERRIDES (-D), then the
 * transcript's VARS.  "$$" is a literal "$".  Unknown name: NULL and a
 * message in ERR. Caller frees. */
char *ms_vars_expand(const char *text, size_t len, const struct ms_var *vars,
                     size_t nvars, const struct ms_var *overrides,
                     size_t noverrides, size_t *outlen, char *err,
                     size_t errlen);

/* Is NAME (N bytes) a valid variable name: [A-Za-z_][A-Za-z0-9_]*? */
bool ms_vars_valid_name(const char *name, size_t n);
/* Walk the ${name} references of TEXT ("$$" skipped), calling FN (if
 * not NULL) with each name.  Returns 0, or -1 with a syntax error in ERR
 * ("${" without "}", a bad name). */
typedef void ms_vars_fn(const char *name, size_t n, void *arg);
int ms_vars_each(const char *text, size_t len, ms_vars_fn *fn, void *arg,
                 char *err, size_t errlen);

/* The exact bytes a SEND step puts on the wire after expansion.  Caller
 * frees *OUT.  Returns 0 or -1 with ERR. */
int ms_step_wire(const struct ms_step *s, const struct ms_var *vars,
                 size_t nvars, const struct ms_var *overrides,
                 size_t noverrides, char **out, size_t *outlen, char *err,
                 size_t errlen);

/* An EXPECT step's capture: entries (transcript_steps.c), kept in its
 * META field as NAME NUL REGEX NUL pairs ending in an empty name, so the
 * step frees them like any other.  PREV NULL: the first NAME; else the
 * one after PREV.  *RE gets its regex (one group).  NULL at the end. */
const char *ms_step_capture_next(const struct ms_step *s, const char *prev,
                                 const char **re);

/* RE with each ${NAME} of a captured variable in CAPS replaced by its
 * value, ERE metacharacters escaped so the value matches literally;
 * other text (other ${...} included) is kept as written (vars.c).  A
 * NAME in CAPS whose value is NULL (not captured): NULL and ERR. */
char *ms_vars_expand_re(const char *re, const struct ms_var *caps, size_t ncaps,
                        char *err, size_t errlen);

/* Suites (suite.c): an ordered list of transcripts plus defaults. */
struct ms_suite {
  char *path;
  char *title;
  char **transcripts; /* resolved paths, in order, globs expanded */
  size_t ntranscripts;
  struct ms_var *vars;
  size_t nvars;
  enum ms_level level; /* default for transcripts without level: */
  char **tags;
  size_t ntags;
  char *waivers; /* path of the waiver file, or NULL */
};
/* Is the YAML file at PATH a suite (top-level "transcripts:")? */
bool ms_suite_is_suite(const char *path);
/* Is it a waiver file (top-level "waivers:", no "transcripts:")?  A
 * directory walk skips those: they sit beside the suites naming them. */
bool ms_suite_is_waivers(const char *path);
struct ms_suite *ms_suite_load(const char *path, struct ms_diags *d);
void ms_suite_free(struct ms_suite *s);

/* A run plan: command-line PATHs (transcripts, suites, directories:
 * every *.yaml below, sorted) expanded into transcript paths; suites
 * contribute their transcripts in order and stay attached to them. */
struct ms_plan_item {
  char *path;
  const struct ms_suite *suite; /* owned by the plan; NULL if none */
  size_t index; /* position in the whole plan (set by run, kept by --shard) */
};
struct ms_plan {
  struct ms_plan_item *items;
  size_t n;
  struct ms_suite **suites;
  size_t nsuites;
};
/* Returns 0, or -1 with diagnostics in D. */
int ms_plan_build(struct ms_plan *p, char *const *paths, size_t npaths,
                  struct ms_diags *d);
void ms_plan_free(struct ms_plan *p);
/* REL resolved against the directory of the file BASE (as given, not
 * absolute), "a/./b" and "a/x/../b" folded lexically.  Caller frees. */
char *ms_plan_path_join(const char *base, const char *rel);

/* Finding a PATH by name (plan_find.c): ms_plan_build looks for a PATH
 * that does not exist in the search directories, in this order: the
 * current directory, each directory of MAILSPEC_PATH, the tree of the
 * running binary (its directory or its parent, when that holds suites/
 * and transcripts/), the installed share directory (ms_plan_datadir()).
 * In each directory D, NAME is D/NAME, D/NAME.yaml, D/suites/NAME or
 * D/suites/NAME.yaml (waiver files: also D/suites/waivers/NAME[.yaml]).
 * An existing PATH is used as given; an absolute one, or one starting
 * with ./ or ../, is never looked for. */
struct ms_search_dir {
  char *dir;
  const char *why; /* "current directory", "MAILSPEC_PATH", ... */
};
struct ms_search_dirs {
  struct ms_search_dir *v;
  size_t n;
};
enum ms_find_kind { MS_FIND_SUITE, MS_FIND_WAIVERS };
void ms_plan_search_dirs(struct ms_search_dirs *s);
void ms_plan_search_dirs_free(struct ms_search_dirs *s);
/* NAME itself when it exists, else the first match, else NULL.  Caller
 * frees. */
char *ms_plan_find(const char *name, enum ms_find_kind kind);
/* "., DIR, ...": the search directories for a message.  Caller frees. */
char *ms_plan_find_where(void);
/* The installed share directory compiled in ($(PREFIX)/share/mailspec). */
const char *ms_plan_datadir(void);
/* The suites `mailspec run` runs without a PATH: rfc5321 and esmtp for
 * SMTP, pop3-capa and rfc1939 for POP3.  NULL-terminated. */
const char *const *ms_plan_default_suites(enum ms_protocol proto);

#endif
