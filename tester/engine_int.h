/* engine_int: what engine.c, engine_live.c, engine_probe.c and pool.c
 * share inside the library. */
#ifndef MS_ENGINE_INT_H
#define MS_ENGINE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "mailspec/engine.h"
#include "mailspec/reply.h"
#include "net.h"

/* One client connection: socket, reply reader and a bounded receive
 * buffer (bytes read but not yet fed to the reader).  engine_conn.c. */
#define MS_CONN_RX 16384
struct ms_conn {
  int fd;        /* -1: closed */
  bool eof;      /* the server closed (or reset) its side */
  bool broken;   /* a reply exceeded the reader's limits: stop reading */
  struct ms_reader *rd;
  enum ms_protocol proto;
  char rx[MS_CONN_RX];
  size_t rxoff, rxlen;
  char why[160]; /* how the server closed, e.g. "connection reset" */
};
/* 0, or -1 with a message in ERR. */
int ms_engine_conn_open(struct ms_conn *c, enum ms_protocol proto,
                        const char *host, const char *port, double timeout,
                        volatile sig_atomic_t *stop, char *err,
                        size_t errlen);
void ms_engine_conn_close(struct ms_conn *c);
/* Send LEN bytes.  0, or MS_NET_* with ERR. */
int ms_engine_conn_send(struct ms_conn *c, const void *buf, size_t len,
                        double timeout, volatile sig_atomic_t *stop,
                        char *err, size_t errlen);
/* Read one reply until the absolute monotonic time END: 1 (OUT filled),
 * 0 the server closed with no reply, or MS_NET_TIMEOUT/STOP/ERR. */
int ms_engine_conn_read(struct ms_conn *c, double end,
                        volatile sig_atomic_t *stop, struct ms_reply *out,
                        char *err, size_t errlen);
/* Bytes already received after the last reply (takes what the socket
 * holds without waiting).  Returns how many; a copy of at most CAP of
 * them in BUF. */
size_t ms_engine_conn_unsolicited(struct ms_conn *c, char *buf, size_t cap);
/* Forget buffered bytes and any partial reply. */
void ms_engine_conn_discard(struct ms_conn *c);

/* What a `requires:` probe learned about one target and protocol: the
 * EHLO (SMTP) or CAPA (POP3) reply, read once per run and target. */
struct ms_probe {
  bool done;
  struct ms_reply reply; /* code 0 when the server has no EHLO/CAPA */
  char *error;           /* could not probe (refused, timeout) */
};
struct ms_probe_cache {
  pthread_mutex_t mu;
  struct ms_probe p[2]; /* by enum ms_protocol */
};
void ms_engine_probe_cache_init(struct ms_probe_cache *c);
void ms_engine_probe_cache_free(struct ms_probe_cache *c);

/* Probe HOST:PORT (greeting, EHLO or CAPA, QUIT) into P. */
void ms_engine_probe(const struct ms_engine_opts *o, enum ms_protocol proto,
                     const char *host, const char *port, struct ms_probe *p);
/* The first requirement of T that P does not meet, as a SKIP reason in
 * a new string ("server does not advertise PIPELINING"); NULL when all
 * are met.  Pure. */
char *ms_engine_requires_unmet(const struct ms_transcript *t,
                               const struct ms_probe *p);

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

/* An id for a transcript that was not loaded: PATH without the
 * directories up to "transcripts/" and without ".yaml". */
char *ms_engine_fallback_id(const char *path);

/* The live view (-v): every exchange in RFC form on O->live, one line
 * per fprintf so that parallel transcripts never mix inside a line.
 * TAG prefixes each line when several transcripts run at once. */
struct ms_live {
  FILE *f;
  bool color;
  enum ms_protocol proto;
  const char *tag; /* NULL: no prefix */
};
void ms_engine_live_client(const struct ms_live *l, const char *bytes,
                           size_t len);
void ms_engine_live_server(const struct ms_live *l, const struct ms_reply *r,
                           enum ms_verdict v);
void ms_engine_live_note(const struct ms_live *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
