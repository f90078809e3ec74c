/* engine_int: what the engine's files (engine*.c) and engine_pool.c share
 * inside the library. */
#ifndef MS_ENGINE_INT_H
#define MS_ENGINE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "mailspec/engine.h"
#include "mailspec/reply.h"
#include "buf.h"
#include "net.h"
#include "secret.h"
#include "tls.h"

/* One client connection: socket, reply reader and a bounded receive
 * buffer (bytes read but not yet fed to the reader).  engine_conn.c. */
#define MS_CONN_RX 16384
struct ms_conn {
  int fd;      /* -1: closed */
  bool eof;    /* the server closed (or reset) its side */
  bool broken; /* a reply exceeded the reader's limits: stop reading */
  struct ms_reader *rd;
  enum ms_protocol proto;
  char *rx; /* while open: starts small and doubles up to MS_CONN_RX
               while reads fill it, so a session held open costs
               little (issue 17: thousands at once) */
  size_t rxcap;
  bool rxfull; /* the last read filled it */
  size_t rxoff, rxlen;
  char why[160];      /* how the server closed, e.g. "connection reset" */
  struct ms_tls *tls; /* non-NULL once TLS is up: all I/O goes through it */
  bool sent;          /* a command went out since the last read */
  bool skip_line;     /* dropping the rest of a line cut by a discard */
};
/* 0, or -1 with a message in ERR. */
int ms_engine_conn_open(struct ms_conn *c, enum ms_protocol proto,
                        const char *host, const char *port, double timeout,
                        volatile sig_atomic_t *stop, char *err, size_t errlen);
void ms_engine_conn_close(struct ms_conn *c);

/* run --pcap (issue 6): while a transcript runs on this thread, every
 * ms_engine_conn_open() records its connection.  The capture starts at
 * the first connect (the server port is known only then: -t builtin
 * starts a server per transcript) and follows every later session's
 * client port.  Loopback only. */
struct ms_conn_capture {
  struct ms_capture *cap; /* NULL until the first connect */
  bool failed;            /* could not start: ERR says why */
  char err[256];
};
/* Record this thread's connections into C from now on (NULL: stop). */
void ms_engine_conn_capture(struct ms_conn_capture *c);
/* Stop C's capture and write it to PATH: the number of packets written,
 * 0 when nothing was captured (no file), -1 with C->err. */
long ms_engine_conn_capture_stop(struct ms_conn_capture *c, const char *path);
/* Send LEN bytes.  0, or MS_NET_* with ERR. */
int ms_engine_conn_send(struct ms_conn *c, const void *buf, size_t len,
                        double timeout, volatile sig_atomic_t *stop, char *err,
                        size_t errlen);
/* Read one reply until the absolute monotonic time END: 1 (OUT filled),
 * 0 the server closed with no reply, or MS_NET_TIMEOUT/STOP/ERR. */
int ms_engine_conn_read(struct ms_conn *c, double end,
                        volatile sig_atomic_t *stop, struct ms_reply *out,
                        char *err, size_t errlen);
/* Bytes already received after the last reply (takes what the socket
 * holds without waiting).  Returns how many; a copy of at most CAP of
 * them in BUF. */
size_t ms_engine_conn_unsolicited(struct ms_conn *c, char *buf, size_t cap);
/* Forget, in whole lines, the bytes buffered, those the socket holds now
 * and the reply being read: a line cut short is dropped up to its LF
 * when the rest comes (a fragment is never read as a reply).  Returns
 * how many lines were dropped (a cut line counts once). */
size_t ms_engine_conn_discard(struct ms_conn *c);
/* Receive raw bytes (through TLS when up) like ms_net_recv(). */
ssize_t ms_engine_conn_recv(struct ms_conn *c, void *buf, size_t cap,
                            double timeout, volatile sig_atomic_t *stop,
                            char *err, size_t errlen);
/* Start TLS on C (see ms_tls_handshake()).  Bytes the server sent in
 * plaintext before the handshake (they must not exist, RFC 3207 §4)
 * are dropped; how many is returned in *PLAIN and the first of them
 * copied to PEEK (CAP bytes).  With IMPLICIT such bytes mean a plaintext
 * server: no handshake, MS_TLS_PLAINTEXT.  0, or -1 with *WHY and ERR. */
int ms_engine_conn_tls(struct ms_conn *c, struct ms_tls_ctx *x,
                       const char *host, double timeout, bool implicit,
                       volatile sig_atomic_t *stop, struct ms_tls_result *info,
                       size_t *plain, char *peek, size_t cap,
                       enum ms_tls_fail *why, char *err, size_t errlen);

/* What a `requires:` probe learned about one target and protocol: the
 * EHLO (SMTP) or CAPA (POP3) reply, read once per run and target. */
struct ms_probe {
  bool done;
  bool running; /* a session probes now: the others wait (engine_item.c) */
  struct ms_reply reply;     /* code 0 when the server has no EHLO/CAPA */
  struct ms_reply tls_reply; /* the same after STARTTLS/STLS (RFC 3207 §4.2:
                                the list may change), code 0 if not tried */
  char *greeting;            /* the greeting's first line (POP3 APOP: a
                                timestamp in it offers APOP, RFC 1939 §7) */
  char *error;               /* could not probe (refused, timeout) */
  char *other;               /* the greeting is the other protocol's: why */
};
void ms_engine_probe_free(struct ms_probe *p);
/* The last plan item loaded (engine_cache.c), shared read-only by the
 * workers while it runs again (--repeat). */
struct ms_load_cache {
  pthread_mutex_t mu;
  bool have;
  size_t index;            /* the plan item's index */
  struct ms_transcript *t; /* loaded without errors */
  size_t users;            /* workers running it now */
};
void ms_engine_load_cache_init(struct ms_load_cache *c);
void ms_engine_load_cache_free(struct ms_load_cache *c);
/* IT's transcript: the cached one (*SHARED) or a fresh load with D. */
struct ms_transcript *ms_engine_load_cached(struct ms_load_cache *c,
                                            const struct ms_plan_item *it,
                                            struct ms_diags *d, bool *shared);
/* Done with T from ms_engine_load_cached. */
void ms_engine_load_release(struct ms_load_cache *c, struct ms_transcript *t,
                            bool shared);

/* What the workers of one run share: the probes and the last load. */
struct ms_probe_cache {
  pthread_mutex_t mu;
  struct ms_probe p[MS_PROTO_COUNT]; /* by enum ms_protocol */
  struct ms_load_cache loads;
};
void ms_engine_probe_cache_init(struct ms_probe_cache *c);
void ms_engine_probe_cache_free(struct ms_probe_cache *c);

/* Probe HOST:PORT (greeting, EHLO or CAPA, QUIT) into P. */
void ms_engine_probe(const struct ms_engine_opts *o, enum ms_protocol proto,
                     const char *host, const char *port, struct ms_probe *p);
/* The same over TLS from the first byte when IMPLICIT; with a TLS
 * context X, a server that offers STARTTLS/STLS is also asked again
 * inside TLS (P->tls_reply).  X may be NULL. */
void ms_engine_probe_tls(const struct ms_engine_opts *o, enum ms_protocol proto,
                         const char *host, const char *port, bool implicit,
                         struct ms_tls_ctx *x, struct ms_probe *p);
/* The first requirement of T that P does not meet, as a SKIP reason in
 * a new string ("server does not advertise PIPELINING"); NULL when all
 * are met.  A transcript that starts TLS may find a requirement in the
 * list the server gives inside TLS.  Pure. */
char *ms_engine_requires_unmet(const struct ms_transcript *t,
                               const struct ms_probe *p);

/* What one transcript run needs besides the transcript (engine.c):
 * OVR the variable overrides (-D defines first), PROBE what the server
 * advertises (NULL: probe when T needs it), CA_PEM the only certificate
 * to trust (the builtin server's), or NULL. */
struct ms_engine_env {
  const struct ms_var *ovr;
  size_t novr;
  const struct ms_probe *probe;
  const char *ca_pem;
  const char *pop3_host, *pop3_port; /* the mailbox side, or NULL */
};

/* Load and run plan item ITEM into OUT (any target, builtin included).
 * CACHE (may be NULL) shares probes between transcripts.  Returns true
 * when the transcript did not load (an invalid transcript). */
bool ms_engine_run_item(const struct ms_engine_opts *o,
                        const struct ms_plan_item *item,
                        struct ms_probe_cache *cache,
                        struct ms_transcript_result *out);

/* Run loaded transcript T against HOST:PORT into OUT (engine.c).  OVR:
 * the variable overrides, -D defines first.  PROBE: what the server
 * advertises, for requires: (NULL: probe here when T needs it). */
void ms_engine_run_loaded(const struct ms_engine_opts *o,
                          const struct ms_transcript *t, const char *host,
                          const char *port, const struct ms_var *ovr,
                          size_t novr, const struct ms_probe *probe,
                          struct ms_transcript_result *out);

/* The same with everything in ENV. */
void ms_engine_run_env(const struct ms_engine_opts *o,
                       const struct ms_transcript *t, const char *host,
                       const char *port, const struct ms_engine_env *env,
                       struct ms_transcript_result *out);

/* The live view (-v): every exchange in RFC form on O->live, one line
 * per fprintf so that parallel transcripts never mix inside a line.
 * TAG prefixes each line when several transcripts run at once. */
struct ms_live {
  FILE *f;
  bool color;
  enum ms_protocol proto;
  const char *tag;                  /* NULL: no prefix */
  const struct ms_secrets *secrets; /* shown as <redacted>; may be NULL */
  enum ms_convention conv; /* the transcript's roles (NONE: RFC 821's for
                              SMTP, RFC 1939's for POP3) */
};
/* ---- POP3 cross-reply checks (engine_pop3.c) ------------------------- */

/* What one POP3 session's replies said about its maildrop. */
struct ms_pop3_size {
  unsigned long long msg;
  long long listed; /* LIST's size, -1 unknown */
  long long sent;   /* octets RETR sent, -1 unknown */
};
#define MS_POP3_LEDGER_MAX 100000
struct ms_pop3_ledger {
  struct ms_pop3_size *sizes;
  size_t n, cap;
  unsigned epoch; /* bumped by DELE/RSET: STAT/LIST compare within one */
  bool have_stat, have_list;
  unsigned stat_epoch, list_epoch;
  unsigned long long stat_n, stat_octets, list_n, list_octets;
};
/* Free and clear L (a new session). */
void ms_engine_pop3_reset(struct ms_pop3_ledger *l);
/* Record what reply R to command line SENT says and check it against the
 * session so far (RFC 1939 §5, §7, §11): NULL, or a finding text with
 * the RFC clause (caller frees). */
char *ms_engine_pop3_check(struct ms_pop3_ledger *l, const char *sent,
                           const struct ms_reply *r);

/* ---- one transcript's run: engine.c and the files of its steps ------ */

/* A command line sent and not yet answered. */
struct ms_eng_sent {
  char *shown;   /* as shown in reports (secrets redacted) */
  bool multi;    /* POP3: the +OK answer is multi-line */
  size_t group;  /* command lines of the write it went out in (a
                    pipelined group when > 1); 0 not written yet */
  unsigned utf8; /* SMTP: MS_UTF8_*, where its reply may carry UTF-8 */
  long rec;      /* the end of data of sent message REC (engine_delivery.c),
                    whose reply this is; -1 none */
};

/* ---- UTF-8 in SMTP replies (engine_utf8.c, RFC 6531) ----------------- */

enum {
  MS_UTF8_NONE = 0,   /* US-ASCII only (RFC 5321 §2.4) */
  MS_UTF8_ANY = 1,    /* VRFY/EXPN ... SMTPUTF8 (RFC 6531 §3.7.4.2) */
  MS_UTF8_FORWARD = 2 /* RCPT after MAIL ... SMTPUTF8: 251/551 (§3.7.4.1) */
};
/* Command line SHOWN goes out on a connection whose transaction has
 * MAIL ... SMTPUTF8 when *MAIL: where its reply may carry UTF-8
 * (MS_UTF8_*); *MAIL follows MAIL, RSET, EHLO, HELO and STARTTLS. */
unsigned ms_engine_utf8_sent(bool *mail, const char *shown);
/* A reply PERMIT lets carry UTF-8: its octets over 127 are no finding,
 * unless they are not valid UTF-8 (MS_V_BAD_UTF8). */
void ms_engine_utf8_reply(unsigned permit, struct ms_reply *rep);

/* One connection of a transcript and the dialogue state on it.  Entries
 * of sessions: that continue one another (keep_open:, issue 13) share a
 * link; every link can be open at the same time.  Protocol, host and
 * port are the link's own, so that a session can one day talk to
 * another target (issue 14). */
struct ms_eng_link {
  const char *name;       /* its sessions' name, or NULL */
  enum ms_protocol proto; /* what it speaks (now: the transcript's) */
  const char *host, *port;
  bool opened;       /* connected once (a later entry continues it) */
  char *dead;        /* its session stopped early there ("t.yaml:13:
                        expected 354, got 554"): later entries of it are
                        not judged; NULL while it goes on */
  bool dead_allowed; /* ...by a reply the transcript allows */
  struct ms_conn conn;
  struct ms_buf batch;
  struct ms_eng_sent *fifo;
  size_t fhead, fn, fcap;
  size_t funsent;   /* first FIFO entry not written yet */
  size_t nsent;     /* client lines sent on this connection */
  size_t nreplies;  /* replies read on this connection */
  int last_code;    /* code of the last reply read on it */
  char *greeting;   /* its greeting (first line), or NULL */
  size_t bdat_left; /* octets of a BDAT chunk still to come (RFC 3030) */
  bool bdat_last;   /* that chunk is the LAST one */
  bool utf8_mail;   /* the transaction's MAIL had SMTPUTF8 (RFC 6531) */
  bool in_data;     /* raw bytes after DATA are mail data up to CRLF.CRLF */
  int eod;          /* how much of "\r\n.\r\n" was seen last */
  struct ms_buf raw_part; /* a raw command line not yet ended */
  double sent_at;         /* when the last batch went out */
  double replied_at;      /* when the last expected reply was read (0:
                             none yet): a paced batch waits from there */
  char send_err[160];
  struct ms_pop3_ledger pop3; /* POP3: this session's sizes (engine_pop3.c) */
  bool data_pending;          /* DATA went out, its reply not read yet */
  bool blind;   /* mail data went out before DATA's reply came: the
                   server may answer it as commands */
  bool mailbox; /* target: pop3: its entries hold delivery checks, which
                   open connections of their own (issue 14) */
  long rec;     /* the message being sent on it (DATA or a first BDAT went
                   out), -1 none */
};

/* A message the transcript sent with DATA (issue 14): the mail data as
 * it went out, and the reply to its end of data.  Delivery checks find
 * it by their token and compare what was delivered with it. */
struct ms_eng_rec {
  struct ms_buf wire; /* the octets after the DATA line, up to and
                         including the end-of-data line */
  bool done;          /* the end-of-data line (or BDAT LAST's chunk) went
                         out */
  bool chunks;        /* sent with BDAT: the wire octets are the content
                         (RFC 3030 §2: no dot-stuffing, no end line) */
  int code;           /* the reply to it, 0 none read */
  int line;           /* the step that read that reply */
  char *content;      /* the content as sent (unstuffed, RFC 5321 §4.5.2),
                         made when first asked for */
  size_t len;
};

struct ms_eng {
  const struct ms_engine_opts *o;
  const struct ms_transcript *t;
  struct ms_transcript_result *out;
  const struct ms_var *ovr; /* -D defines, then suite vars */
  size_t novr;
  struct ms_var *masked; /* the -D defines with "<redacted>" values */
  const char *host, *port;
  double timeout;  /* per reply, seconds */
  double deadline; /* absolute monotonic time, 0 = none */
  double deadline_s;
  struct ms_live live;
  bool stopped;              /* interrupted by a signal */
  bool fatal;                /* cannot go on with this transcript at all */
  struct ms_secrets secrets; /* values never shown */
  char *skip;     /* the rest of a session could not apply: SKIP unless a
                     step failed (a STARTTLS refusal the transcript allows,
                     a server without APOP) */
  bool skip_rest; /* skip_on: matched: no later session runs either */
  /* TLS */
  bool implicit_tls;          /* TLS from the first byte */
  const char *ca_pem;         /* trust only this (builtin), or NULL */
  struct ms_tls_ctx *tls_own; /* made for this transcript, or NULL */
  /* the connections (t->nconns) and the session entry running now */
  struct ms_eng_link *links;
  size_t nlinks;
  struct ms_eng_link *k; /* the current entry's connection */
  size_t si;
  /* Issue 12: stop judging instead of guessing. */
  char *diverged;       /* why this session stops here ("t.yaml:13:
                           expected 354, got 554"), or NULL */
  bool diverge_allowed; /* ...by a reply the transcript allows */
  /* capture: variables of the transcript (all sessions): every name
   * some step declares, value NULL until its reply matched; and
   * ${nonce}, unique per run (issue 14) */
  struct ms_var *caps;
  size_t ncaps;
  /* Delivery checks (issue 14): the mailbox side (run --pop3, or the
   * builtin server's POP3 listener), and the messages sent so far. */
  const char *pop3_host, *pop3_port;
  bool pop3_tls;
  struct ms_eng_rec *recs;
  size_t nrecs, crecs;
};

/* What a text:/not_text:/capture: regex sees of reply R: its lines as
 * received, joined by '\n' (engine_judge.c).  Caller frees. */
char *ms_engine_reply_text(const struct ms_reply *r);
/* each_line: NULL when every line of R matches RE and RE's first group
 * (if any) has the same text on every line; else why not (engine_lines.c).
 * *BAD: RE does not compile. */
char *ms_engine_each_line(const char *re, const struct ms_reply *r, bool *bad);

/* A new step result for step ST (index IDX) of the current session. */
struct ms_step_result *ms_engine_step(struct ms_eng *e,
                                      const struct ms_step *st, size_t idx);
/* Mark R as ERROR with REASON (taken). */
void ms_engine_error(struct ms_step_result *r, char *reason);
/* Write the batch of client bytes now. */
void ms_engine_send_flush(struct ms_eng *e);
/* Queue a command line: WIRE (with its CRLF) goes out, SHOWN (taken)
 * is what the report and the live view show. */
void ms_engine_send_line(struct ms_eng *e, const char *wire, size_t len,
                         char *shown);
/* The oldest command line still awaiting its reply (engine_send.c):
 * SHOWN NULL when none (the caller frees SHOWN). */
struct ms_eng_sent ms_engine_send_pop(struct ms_eng *e);
/* Forget every command line awaiting a reply (the link closed). */
void ms_engine_send_clear(struct ms_eng *e);
/* How ms_engine_expect() works for a caller that judges more itself
 * (an auth: step, engine_secure.c): bits. */
enum ms_expect_mode {
  MS_EXPECT_PLAIN = 0,
  MS_EXPECT_QUIET = 1u << 0, /* the caller notes the verdict in -v */
  MS_EXPECT_AUTH = 1u << 1   /* the caller judges the exchange as a
                                whole: no gate after this reply */
};
/* Read and judge one reply for EXPECT-like step ST (IDX in session S).
 * NEXT: the step after it, for the trailing-bytes check (NULL: none).
 * KEEP: if not NULL, receives the reply (the caller frees it; code 0
 * when none was read).  MODE: enum ms_expect_mode.  False when the
 * session cannot go on. */
bool ms_engine_expect(struct ms_eng *e, const struct ms_step *st, size_t idx,
                      const struct ms_step *next, struct ms_reply *keep,
                      unsigned mode);
/* Stop the current session at step ST (issue 12): WHY (taken) says
 * what happened, without the "file:line: " that is added here; ALLOWED
 * when a reply the transcript allows ends it. */
void ms_engine_diverge(struct ms_eng *e, const struct ms_step *st, char *why,
                       bool allowed);
/* Connect the current link; a failure is an ERROR of step AT
 * (index IDX) and fatal for the transcript.  False when it cannot go on. */
bool ms_engine_connect(struct ms_eng *e, const struct ms_step *at, size_t idx);
/* Close the current link and forget what was pending on it. */
void ms_engine_disconnect(struct ms_eng *e);
/* Queue SEND step ST (index IDX); false when it cannot be sent (an
 * ERROR step, e.g. a variable without a value). */
bool ms_engine_send_step(struct ms_eng *e, const struct ms_step *st,
                         size_t idx);
/* expect: close (step ST, index IDX). */
void ms_engine_expect_close(struct ms_eng *e, const struct ms_step *st,
                            size_t idx);

/* engine_delivery.c: the messages a transcript sends, and the delivery
 * checks that read them back over POP3 (issue 14). */
/* DATA went out on the current link: its mail data is recorded. */
void ms_engine_rec_start(struct ms_eng *e);
/* Mail data octets that went out on the current link. */
void ms_engine_rec_add(struct ms_eng *e, const char *p, size_t n);
/* Its end-of-data line went out: the record's index (for the FIFO
 * entry that awaits the reply), or -1. */
long ms_engine_rec_end(struct ms_eng *e);
/* The reply CODE to the end of data of record REC came (step line). */
void ms_engine_rec_reply(struct ms_eng *e, long rec, int code, int line);
void ms_engine_recs_free(struct ms_eng *e);
/* A delivery check (MS_STEP_MESSAGE).  False when the run stops. */
bool ms_engine_message(struct ms_eng *e, const struct ms_step *st, size_t idx);
/* ${nonce}: a new value in BUF (CAP >= 32), unique per run. */
void ms_engine_nonce(char *buf, size_t cap);

/* engine_vars.c: captured variables and ${name} expansion. */
/* Every name a capture: of the transcript declares, not yet captured. */
void ms_engine_vars_declare(struct ms_eng *e);
/* The overrides a client line is expanded with: the captured variables
 * (PLACEHOLDER for those not captured, or left out when NULL), then the
 * -D defines.  Caller frees the array (not the strings). */
struct ms_var *ms_engine_vars_overrides(const struct ms_eng *e,
                                        char *placeholder, size_t *n);
/* ST's wire bytes, or NULL with a reason (taken by the caller) in *WHY. */
char *ms_engine_vars_wire(struct ms_eng *e, const struct ms_step *st,
                          size_t *len, char **why);
/* capture: of EXPECT step ST from reply REP; a regex that does not match
 * fails the step (the value was promised to later steps). */
void ms_engine_vars_capture(struct ms_eng *e, const struct ms_step *st,
                            const struct ms_reply *rep,
                            struct ms_step_result *r);
/* Judge REP for ST into R, with captured variables expanded, then its
 * at_most:/at_least:. */
void ms_engine_vars_judge(struct ms_eng *e, const struct ms_step *st,
                          const struct ms_reply *rep, struct ms_step_result *r);
/* TEXT with ${name} expanded: the values captured so far, -D, vars:
 * (NULL with ERR). */
char *ms_engine_vars_expand(const struct ms_eng *e, const char *text, char *err,
                            size_t errlen);
/* TEXT with every variable expanded (captures, ${nonce}, -D, suite and
 * transcript vars); NULL with ERR. */
char *ms_engine_vars_expand_all(const struct ms_eng *e, const char *text,
                                char *err, size_t errlen);
/* RE with every variable's value put in as a literal (ERE metacharacters
 * escaped); NULL with ERR. */
char *ms_engine_vars_expand_re(const struct ms_eng *e, const char *re,
                               char *err, size_t errlen);

/* engine_pace.c: replay --pace.  Wait (ms_net_sleep(), so that other
 * sessions run meanwhile) until the monotonic time DUE, then note in
 * O->pace_log how late it is: transcript ITEM (plan index) at PATH,
 * LINE, START for a session's start.  False when the run was stopped. */
bool ms_engine_pace_until(const struct ms_engine_opts *o, double due,
                          size_t item, const char *path, int line, bool start);

/* engine_session.c: the connections and the session entries. */
void ms_engine_links_init(struct ms_eng *e);
/* Close every connection still open and free the links. */
void ms_engine_links_free(struct ms_eng *e);
/* Run session entry SI: on a new connection, or on the one an earlier
 * entry kept open (keep_open:); an entry of a connection whose session
 * stopped early is not judged. */
void ms_engine_session(struct ms_eng *e, size_t si);

/* engine_gate.c: may the session go on after the reply with CODE (0:
 * none) to step ST, answering SENT (GREETING: the first reply of the
 * connection)?  NEXT is the step after ST.  False, with E->diverged
 * set, when a gate or a pipelined group diverged, or when a reply the
 * transcript allows leaves NEXT without what it needs (E->skip then). */
bool ms_engine_gate(struct ms_eng *e, const struct ms_step *st,
                    const struct ms_step *next, const struct ms_eng_sent *sent,
                    int code, bool greeting);
/* The class of reply CODE at a gate (bits: 1 positive 2xx/+OK, 2
 * intermediate 3xx/"+", 4 negative 4xx/5xx/-ERR; 0 no code), and the
 * classes pattern P accepts.  A reply of a class P does not accept
 * leaves the server in another state than the transcript assumes. */
unsigned ms_engine_gate_class(enum ms_protocol proto, int code);
unsigned ms_engine_gate_classes(enum ms_protocol proto,
                                const struct ms_pattern *p);
/* Session S stopped at step AT: record in the result where, and how many
 * expectations after it were not judged (nothing when none remain); the
 * connection is dead from here on (E->k->dead says where). */
void ms_engine_gate_record(struct ms_eng *e, const struct ms_session *s,
                           size_t at);
/* Entry S runs on a connection that stopped earlier (E->k->dead): none
 * of its expectations is judged; record that. */
void ms_engine_gate_dead(struct ms_eng *e, const struct ms_session *s);
/* Forget the command lines still awaiting a reply (sent in plaintext
 * before TLS: the server must discard them, RFC 3207 §4.2).  Returns
 * them as "'A', 'B'" (caller frees) and their number in *N. */
char *ms_engine_send_drop_pending(struct ms_eng *e, size_t *n);
/* The seconds to wait for ST's reply. */
double ms_engine_step_timeout(const struct ms_eng *e, const struct ms_step *st);

/* engine_secure.c: TLS and authentication steps.  Each returns false
 * when the session cannot go on. */
bool ms_engine_secure_tls(struct ms_eng *e, const struct ms_step *st,
                          size_t idx);
/* Implicit TLS right after connecting (step AT of the session). */
bool ms_engine_secure_implicit(struct ms_eng *e, const struct ms_step *at,
                               size_t idx);
bool ms_engine_secure_auth(struct ms_eng *e, const struct ms_step *st,
                           size_t idx, const struct ms_step *next);
bool ms_engine_secure_apop(struct ms_eng *e, const struct ms_step *st,
                           size_t idx, const struct ms_step *next);
/* The TLS context of this run (made on first use); NULL with ERR. */
struct ms_tls_ctx *ms_engine_secure_ctx(struct ms_eng *e, char *err,
                                        size_t errlen);

void ms_engine_live_client(const struct ms_live *l, const char *bytes,
                           size_t len);
void ms_engine_live_server(const struct ms_live *l, const struct ms_reply *r,
                           enum ms_verdict v);
void ms_engine_live_note(const struct ms_live *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
