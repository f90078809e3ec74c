/* import_int: what import.c (capture reading, sessions) and
 * import_writer.c (transcripts written on a second thread) share. */
#ifndef MS_IMPORT_INT_H
#define MS_IMPORT_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "import.h"

#define IMP_QUEUE 8          /* closed sessions waiting for the writer thread */
#define IMP_WBUF (64u << 10) /* stdio buffer of a transcript being written */

enum sess_state { SS_UNDECIDED, SS_MAIL, SS_IGNORE };

struct isess {
  struct ms_imp_session s;
  enum sess_state state;
  bool by_port;  /* protocol from the port; content may still swap */
  bool tls_port; /* 465/995: TLS from the first byte */
  struct ms_importer *im;
};

/* A closed session on its way to its file, with everything the writing
 * needs copied when it closed (the next capture file changes the name
 * base and the capture name while older sessions may still be queued),
 * and, once written, what the main thread is to say about it. */
enum imp_job_state { JOB_QUEUED, JOB_TAKEN, JOB_DONE };
struct imp_job {
  struct isess *x; /* owned until written */
  char *path, *tmp;
  char *capture, *iface;
  enum imp_job_state state; /* under the writer's MU */
  uint64_t seq; /* sessions submitted before it in this run, plus one */
  /* results */
  bool ok;      /* in place: listed, the written callback is due */
  bool nothing; /* nothing a transcript can say: no file */
  char *err;    /* the message of a failure */
  char *note;   /* verbose: what was written */
  uint64_t gaps, steps;
  uint64_t session;
  enum ms_protocol proto;
  struct ms_write_result wr; /* replay_info: frames and secrets */
};

/* Transcripts are framed and written by a writer thread while the main
 * thread goes on reading the capture (import_writer.c). */
struct imp_writer {
  pthread_t th;
  pthread_mutex_t mu;
  pthread_cond_t more; /* a job queued, or STOP */
  pthread_cond_t room; /* a job done */
  struct imp_job *q;   /* IMP_QUEUE slots, used in turn: q[head..tail) */
  size_t head, tail;   /* under MU; only the main thread moves them */
  bool sync;           /* MU and the conditions exist */
  bool tried, running, stop;
};

struct ms_importer {
  struct ms_import_opts o;
  struct ms_reasm *r;
  struct ms_import_counts n;
  char *capture; /* current capture path (NULL: live) */
  char *iface;
  char *base;   /* file name base of the current capture */
  char **bases; /* bases used so far in this run */
  size_t nbases, capbases;
  uint16_t *sports; /* server ports for role guessing */
  size_t nsports;
  /* Bytes kept by open and queued sessions: KEPT - FREED.  KEPT is the
   * main thread's (no atomic operation per packet), FREED counts what
   * either thread gave back. */
  size_t kept;
  atomic_size_t freed;
  unsigned long long unknown_lt[8];
  size_t nunknown_lt;
  bool errors;
  struct imp_writer w;
  char *wbuf;         /* the main thread's stdio buffer for transcripts */
  uint64_t submitted; /* sessions handed to the writer so far */
  /* the origin of at: (replay --pace): set by ms_importer_origin(), else
   * the first packet of the capture */
  uint64_t origin_ns;
  bool origin_set;
};

/* A message on the importer's log (stderr unless quiet); import_writer.c. */
void ms_import_msg(struct ms_importer *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* import_writer.c: the queue and the writer thread. */
void ms_import_writer_init(struct ms_importer *im);
/* Drain, stop the thread, free the queue. */
void ms_import_writer_free(struct ms_importer *im);
/* Hand X, a closed mail session, over to be written (X is the writer's). */
void ms_import_writer_submit(struct ms_importer *im, struct isess *x);
/* Every queued session written and reported, in order. */
void ms_import_writer_drain(struct ms_importer *im);
/* X's bytes no longer count against max_stored_bytes; X is freed. */
void ms_import_writer_release(struct ms_importer *im, struct isess *x);

#endif
