/* import: capture files (or live packets) to one transcript per SMTP or
 * POP3 session.  Sessions are recognised by port (25, 587, 2525, 110 and
 * --port N) or, on other ports, from their first lines; the bytes of
 * anything else are dropped as soon as that is clear. */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "linktype.h"
#include "pcap_read.h"
#include "util.h"

#define DETECT_MAX 1024 /* bytes looked at before calling a session not mail   \
                         */
#define IMP_QUEUE 8     /* closed sessions waiting for the writer thread */
#define IMP_WBUF (64u << 10) /* stdio buffer of a transcript being written */

enum sess_state { SS_UNDECIDED, SS_MAIL, SS_IGNORE };

struct isess {
  struct ms_imp_session s;
  enum sess_state state;
  bool by_port;  /* protocol from the port; content may still swap */
  bool tls_port; /* 465/995: TLS from the first byte */
  struct ms_importer *im;
};

/* Transcripts are framed and written by a writer thread while the main
 * thread goes on reading the capture (see imp_submit). */
struct imp_job;
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
  char *wbuf; /* the main thread's stdio buffer for transcripts */
};

static const uint16_t mail_ports[] = {25, 587, 2525, 110};
static const uint16_t tls_ports[] = {465, 995};

bool ms_import_mail_port(uint16_t p) {
  for (size_t i = 0; i < sizeof mail_ports / sizeof mail_ports[0]; i++)
    if (mail_ports[i] == p)
      return true;
  return false;
}

static bool imp_tls_port(uint16_t p) {
  return p == tls_ports[0] || p == tls_ports[1];
}

static FILE *imp_log(const struct ms_importer *im) {
  return im->o.log ? im->o.log : stderr;
}

static void imp_msg(struct ms_importer *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void imp_msg(struct ms_importer *im, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(imp_log(im), "mailspec import: ");
  vfprintf(imp_log(im), fmt, ap);
  fputc('\n', imp_log(im));
  va_end(ap);
}

static bool imp_user_port(const struct ms_importer *im, uint16_t p) {
  for (size_t i = 0; i < im->o.nports; i++)
    if (im->o.ports[i] == p)
      return true;
  return false;
}

/* ---- recognising SMTP and POP3 ------------------------------------------ */

/* The first line of P[0..N) (without its end) if complete. */
static bool det_line(const unsigned char *p, size_t n, char *buf, size_t cap) {
  const unsigned char *lf = n ? memchr(p, '\n', n) : NULL;
  if (!lf)
    return false;
  size_t k = (size_t)(lf - p);
  if (k && p[k - 1] == '\r')
    k--;
  if (k >= cap)
    k = cap - 1;
  memcpy(buf, p, k);
  buf[k] = '\0';
  return true;
}

static bool det_word(const char *t, const char *w) {
  size_t n = strlen(w);
  return ms_prefix_ci(t, w) && (t[n] == ' ' || t[n] == '\0');
}

/* What a first line says: 'S' SMTP server, 's' SMTP client, 'P' POP3
 * server, 'p' POP3 client, 0 nothing. */
static char det_kind(const char *t) {
  if (strlen(t) >= 4 && (t[3] == ' ' || t[3] == '-') &&
      (strncmp(t, "220", 3) == 0 || strncmp(t, "421", 3) == 0 ||
       strncmp(t, "554", 3) == 0))
    return 'S'; /* RFC 5321 §4.3.1: greeting 220, or 554/421 */
  if (strncmp(t, "+OK", 3) == 0 && (t[3] == ' ' || t[3] == '\0'))
    return 'P';
  if (det_word(t, "EHLO") || det_word(t, "HELO") || det_word(t, "LHLO"))
    return 's';
  if (det_word(t, "USER") || det_word(t, "APOP") || det_word(t, "CAPA") ||
      det_word(t, "STLS"))
    return 'p';
  return 0;
}

int ms_import_detect(const unsigned char *c2s, size_t nc,
                     const unsigned char *s2c, size_t ns, bool final,
                     enum ms_protocol *proto, bool *swap) {
  char a[128], b[128];
  bool ha = det_line(c2s, nc, a, sizeof a), hb = det_line(s2c, ns, b, sizeof b);
  char ka = ha ? det_kind(a) : 0, kb = hb ? det_kind(b) : 0;
  /* a server line on either side decides, a client line too */
  char server = 0, client = 0;
  int server_side = -1, client_side = -1;
  if (ka == 'S' || ka == 'P')
    server = ka, server_side = 0;
  if (kb == 'S' || kb == 'P')
    server = kb, server_side = 1;
  if (ka == 's' || ka == 'p')
    client = ka, client_side = 0;
  if (kb == 's' || kb == 'p')
    client = kb, client_side = 1;
  if (server && client && (server | 0x20) != client)
    return 0; /* contradicting */
  if (server || client) {
    char k = server ? server : (char)(client & ~0x20);
    *proto = k == 'P' ? MS_PROTO_POP3 : MS_PROTO_SMTP;
    *swap = server_side == 0 || client_side == 1;
    return 1;
  }
  bool a_done = ha || nc >= DETECT_MAX, b_done = hb || ns >= DETECT_MAX;
  if (final || (a_done && b_done) || nc >= DETECT_MAX || ns >= DETECT_MAX)
    return 0;
  return -1;
}

/* ---- reassembler callbacks ------------------------------------------------
 */

static void *imp_open(void *ctx, const struct ms_conn_info *ci) {
  struct ms_importer *im = ctx;
  struct isess *x = xcalloc(1, sizeof *x);
  x->im = im;
  x->s.ci = *ci;
  size_t max = im->o.max_session_bytes ? im->o.max_session_bytes : 64u << 20;
  ms_imp_dir_init(&x->s.d[0], max);
  ms_imp_dir_init(&x->s.d[1], max);
  im->n.sessions++;
  uint16_t cp = ci->port[MS_DIR_C2S], sp = ci->port[MS_DIR_S2C];
  if (imp_tls_port(sp) || imp_tls_port(cp)) {
    x->tls_port = true;
    x->state = SS_IGNORE;
  } else if (ms_import_mail_port(sp) || imp_user_port(im, sp) ||
             ms_import_mail_port(cp) || imp_user_port(im, cp)) {
    x->by_port = true;
    x->state = SS_MAIL;
    x->s.proto = (sp == 110 || cp == 110) ? MS_PROTO_POP3 : MS_PROTO_SMTP;
  }
  return x;
}

static void imp_detect(struct isess *x, bool final) {
  enum ms_protocol proto;
  bool swap = false;
  const struct ms_imp_dir *c = &x->s.d[0], *s = &x->s.d[1];
  int rc = ms_import_detect(c->p, c->len, s->p, s->len, final, &proto, &swap);
  if (x->state == SS_MAIL) { /* known port: content may only correct */
    if (rc == 1) {
      x->s.proto = proto;
      if (swap)
        ms_imp_session_swap(&x->s);
    }
    return;
  }
  if (rc < 0)
    return;
  if (rc == 0) {
    x->state = SS_IGNORE;
    x->im->kept -= x->s.d[0].len + x->s.d[1].len;
    ms_imp_dir_free(&x->s.d[0]);
    ms_imp_dir_free(&x->s.d[1]);
    return;
  }
  x->state = SS_MAIL;
  x->s.proto = proto;
  if (swap)
    ms_imp_session_swap(&x->s);
}

static void imp_drain(struct ms_importer *im);

/* Room left under max_stored_bytes for N more bytes.  Sessions queued for
 * the writer count until written; before refusing bytes, wait for them,
 * so that what is kept never depends on how far the writer got. */
static size_t imp_room(struct ms_importer *im, size_t n) {
  size_t max = im->o.max_stored_bytes ? im->o.max_stored_bytes : 1u << 30;
  size_t stored =
      im->kept - atomic_load_explicit(&im->freed, memory_order_relaxed);
  if (n > (stored < max ? max - stored : 0)) {
    imp_drain(im);
    stored = im->kept - atomic_load_explicit(&im->freed, memory_order_relaxed);
  }
  return stored < max ? max - stored : 0;
}

static void imp_data(void *user, int dir, const unsigned char *p, size_t n,
                     uint64_t frame, uint64_t ts) {
  struct isess *x = user;
  (void)ts;
  if (x->state == SS_IGNORE)
    return;
  struct ms_importer *im = x->im;
  struct ms_imp_dir *d = &x->s.d[x->s.swapped ? 1 - dir : dir];
  size_t room = imp_room(im, n);
  if (n > room) { /* all sessions together hold too much: this one stops */
    d->dropped += n - room;
    n = room;
  }
  size_t before = d->len;
  ms_imp_dir_add(d, p, n, frame);
  im->kept += d->len - before;
  if (x->state == SS_UNDECIDED)
    imp_detect(x, false);
}

static void imp_gap(void *user, int dir, uint64_t len, uint64_t frame,
                    const char *why) {
  struct isess *x = user;
  if (x->state == SS_IGNORE)
    return;
  ms_imp_dir_gap(&x->s.d[x->s.swapped ? 1 - dir : dir], len, frame, why);
}

/* Retransmitted bytes against what was kept (only while the store's
 * offsets are the stream's: no gap, nothing dropped). */
static int imp_compare(void *user, int dir, uint64_t off,
                       const unsigned char *p, size_t n) {
  struct isess *x = user;
  if (x->state == SS_IGNORE)
    return -1;
  const struct ms_imp_dir *d = &x->s.d[x->s.swapped ? 1 - dir : dir];
  if (d->ngaps || d->dropped || off + n > d->len)
    return -1;
  int differ = 0;
  for (size_t i = 0; i < n; i++)
    differ += d->p[off + i] != p[i];
  return differ;
}

/* ---- writing one transcript -------------------------------------------------
 */

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
  /* results */
  bool ok;    /* in place: listed, the written callback is due */
  char *err;  /* the message of a failure */
  char *note; /* verbose: what was written */
  uint64_t gaps, steps;
};

static char *imp_path(struct ms_importer *im, const struct isess *x, bool tmp) {
  const char *dir = im->o.outdir ? im->o.outdir : ".";
  return xasprintf("%s/%s%s-%04llu.yaml%s", dir, tmp ? "." : "", im->base,
                   (unsigned long long)x->s.ci.index, tmp ? ".tmp" : "");
}

/* The bytes of X no longer count against max_stored_bytes. */
static void imp_release(struct ms_importer *im, struct isess *x) {
  atomic_fetch_add_explicit(&im->freed, x->s.d[0].len + x->s.d[1].len,
                            memory_order_relaxed);
  ms_imp_dir_free(&x->s.d[0]);
  ms_imp_dir_free(&x->s.d[1]);
  free(x);
}

/* Frame and write J's session, then free it.  Runs on either thread: it
 * touches J, BUF (the calling thread's, IMP_WBUF bytes) and the
 * (constant) options only, and prints nothing: the main thread says what
 * happened, in order (imp_job_finish). */
static void imp_write(struct ms_importer *im, struct imp_job *j, char *buf) {
  const struct isess *x = j->x;
  struct ms_frames f;
  ms_import_frame(&x->s, &f);
  /* A fresh file (never through a link or into someone's hard link); the
   * rename then replaces whatever sits at PATH, a planted symlink too.
   * Transcripts that keep secrets are readable by their owner only. */
  int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
  mode_t mode = im->o.keep_secrets && f.nsecrets ? 0600 : 0644;
  int fd = open(j->tmp, flags, mode);
  if (fd < 0 && errno == EEXIST) { /* left by a crash: replace it */
    unlink(j->tmp);
    fd = open(j->tmp, flags, mode);
  }
  FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!out) {
    j->err = xasprintf("%s: %s", j->tmp, strerror(errno));
    if (fd >= 0)
      close(fd);
    goto done;
  }
  /* One write(2) for most transcripts (stdio would use the file system's
   * 4 KiB block size, and allocate it each time). */
  setvbuf(out, buf, _IOFBF, IMP_WBUF);
  struct ms_write_opts wo = {j->capture,       j->iface,
                             im->o.conv,       im->o.keep_secrets,
                             im->o.allow_gaps, im->o.force_steps};
  bool steps = false;
  int rc = ms_transcript_write(out, &x->s, &f, &wo, &steps);
  if (fclose(out) != 0 || rc != 0 || rename(j->tmp, j->path) != 0) {
    j->err = xasprintf("%s: cannot write: %s", j->path, strerror(errno));
    unlink(j->tmp);
    goto done;
  }
  j->ok = true;
  j->gaps = f.ngaps != 0;
  j->steps = steps;
  if (im->o.verbosity > 0)
    j->note = xasprintf(
        "%s: %s session %llu, %zu units%s%s%s", j->path,
        x->s.proto == MS_PROTO_POP3 ? "POP3" : "SMTP",
        (unsigned long long)x->s.ci.index, f.n, f.ngaps ? ", gaps" : "",
        f.tls ? ", stops at STARTTLS" : "", steps ? ", steps form" : "");
done:
  ms_frames_free(&f);
  imp_release(im, j->x);
  j->x = NULL;
}

/* Main thread, once J is written (or failed), in the order the sessions
 * closed: what inline writing printed, the counts, the user's callback. */
static void imp_job_finish(struct ms_importer *im, struct imp_job *j) {
  if (j->ok) {
    im->n.written++;
    im->n.with_gaps += j->gaps;
    im->n.steps_form += j->steps;
    if (im->o.verbosity >= 0)
      printf("%s\n", j->path);
    if (j->note)
      imp_msg(im, "%s", j->note);
    if (im->o.written)
      im->o.written(im->o.written_ctx, j->path);
  } else {
    imp_msg(im, "%s", j->err);
    im->n.failed++;
    im->errors = true;
  }
  free(j->path);
  free(j->tmp);
  free(j->capture);
  free(j->iface);
  free(j->err);
  free(j->note);
  memset(j, 0, sizeof *j);
}

/* ---- the writer thread
 * ------------------------------------------------------- */

/* Jobs q[head..tail) in the order the sessions closed.  The writer takes
 * the oldest queued job; the main thread, when the queue is full (the
 * writer is behind), takes the newest itself rather than wait; it alone
 * retires jobs, from HEAD, so everything the user sees comes out in the
 * order of inline writing. */
static struct imp_job *imp_slot(struct imp_writer *w, size_t i) {
  return &w->q[i % IMP_QUEUE];
}

/* Under MU: the oldest queued job (the writer's), or NULL. */
static struct imp_job *imp_take(struct imp_writer *w) {
  for (size_t i = w->head; i < w->tail; i++)
    if (imp_slot(w, i)->state == JOB_QUEUED) {
      imp_slot(w, i)->state = JOB_TAKEN;
      return imp_slot(w, i);
    }
  return NULL;
}

/* Under MU: the newest queued job if another one is left for the writer
 * (the main thread helps, it must not take the writer's next job). */
static struct imp_job *imp_take_newest(struct imp_writer *w) {
  struct imp_job *newest = NULL;
  size_t queued = 0;
  for (size_t i = w->head; i < w->tail; i++)
    if (imp_slot(w, i)->state == JOB_QUEUED) {
      queued++;
      newest = imp_slot(w, i);
    }
  if (queued < 2)
    return NULL;
  newest->state = JOB_TAKEN;
  return newest;
}

/* The main thread's buffer for imp_write. */
static char *imp_wbuf(struct ms_importer *im) {
  if (!im->wbuf)
    im->wbuf = xmalloc(IMP_WBUF);
  return im->wbuf;
}

/* Write J (taken under MU) without the lock, then mark it done. */
static void imp_work(struct ms_importer *im, struct imp_job *j, char *buf) {
  struct imp_writer *w = &im->w;
  pthread_mutex_unlock(&w->mu);
  imp_write(im, j, buf);
  pthread_mutex_lock(&w->mu);
  j->state = JOB_DONE;
  pthread_cond_signal(&w->room);
}

static void *imp_writer_main(void *arg) {
  struct ms_importer *im = arg;
  struct imp_writer *w = &im->w;
  char *buf = xmalloc(IMP_WBUF);
  pthread_mutex_lock(&w->mu);
  for (;;) {
    struct imp_job *j = NULL;
    while (!(j = imp_take(w)) && !w->stop)
      pthread_cond_wait(&w->more, &w->mu);
    if (!j)
      break;
    imp_work(im, j, buf);
  }
  pthread_mutex_unlock(&w->mu);
  free(buf);
  return NULL;
}

/* Start the writer once; false (write inline) if it cannot be. */
static bool imp_writer_start(struct ms_importer *im) {
  struct imp_writer *w = &im->w;
  if (w->tried)
    return w->running;
  w->tried = true;
  if (im->o.inline_write || !w->sync)
    return false;
  /* Signals stay with the main thread (record, replay handle them). */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&w->th, NULL, imp_writer_main, im);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  w->running = rc == 0;
  return w->running;
}

/* Main thread: finish the done jobs at the head of the queue. */
static void imp_retire(struct ms_importer *im) {
  struct imp_writer *w = &im->w;
  for (;;) {
    struct imp_job j;
    pthread_mutex_lock(&w->mu);
    bool done = w->head < w->tail && imp_slot(w, w->head)->state == JOB_DONE;
    if (done)
      j = *imp_slot(w, w->head++);
    pthread_mutex_unlock(&w->mu);
    if (!done)
      return;
    imp_job_finish(im, &j);
  }
}

/* Main thread: until at most MAX jobs are left, retire, write queued
 * jobs itself, or wait for the writer. */
static void imp_wait(struct ms_importer *im, size_t max) {
  struct imp_writer *w = &im->w;
  if (!w->running)
    return;
  for (;;) {
    imp_retire(im);
    pthread_mutex_lock(&w->mu);
    if (w->tail - w->head <= max) {
      pthread_mutex_unlock(&w->mu);
      return;
    }
    struct imp_job *j = imp_take_newest(w);
    if (j)
      imp_work(im, j, imp_wbuf(im));
    else if (imp_slot(w, w->head)->state != JOB_DONE)
      pthread_cond_wait(&w->room, &w->mu);
    pthread_mutex_unlock(&w->mu);
  }
}

/* Every queued session written and reported: before the main thread
 * prints anything itself, and before the counts are read. */
static void imp_drain(struct ms_importer *im) {
  imp_wait(im, 0);
}

static void imp_writer_stop(struct ms_importer *im) {
  struct imp_writer *w = &im->w;
  if (w->running) {
    imp_drain(im);
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->more);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    w->running = false;
  }
  if (w->sync) {
    pthread_cond_destroy(&w->room);
    pthread_cond_destroy(&w->more);
    pthread_mutex_destroy(&w->mu);
    w->sync = false;
  }
}

/* Hand X (a session to write) over: to the writer thread when reading a
 * capture file (at most IMP_QUEUE sessions queued: memory stays bounded,
 * and they still count against max_stored_bytes); inline when live (record's
 * written callback may stop the capture loop: it must come at once) or
 * when there is no writer thread. */
static void imp_submit(struct ms_importer *im, struct isess *x) {
  struct imp_job j = {.x = x,
                      .path = imp_path(im, x, false),
                      .tmp = imp_path(im, x, true),
                      .capture = im->capture ? xstrdup(im->capture) : NULL,
                      .iface = im->iface ? xstrdup(im->iface) : NULL,
                      .state = JOB_QUEUED};
  struct imp_writer *w = &im->w;
  if (im->iface || !imp_writer_start(im)) {
    imp_drain(im);
    imp_write(im, &j, imp_wbuf(im));
    imp_job_finish(im, &j);
    return;
  }
  imp_wait(im, IMP_QUEUE - 1);
  pthread_mutex_lock(&w->mu);
  *imp_slot(w, w->tail) = j;
  w->tail++;
  pthread_cond_signal(&w->more);
  pthread_mutex_unlock(&w->mu);
}

static void imp_close(void *user, const char *why, uint64_t frame,
                      const struct ms_reasm_stats *st) {
  struct isess *x = user;
  struct ms_importer *im = x->im;
  x->s.close_why = why;
  x->s.close_frame = frame;
  x->s.st = *st;
  if (x->state == SS_UNDECIDED)
    imp_detect(x, true);
  if (x->state == SS_MAIL) /* content can still tell after all */
    imp_detect(x, true);
  bool empty =
      x->s.d[0].len + x->s.d[0].ngaps + x->s.d[1].len + x->s.d[1].ngaps == 0;
  if (x->s.d[0].dropped || x->s.d[1].dropped)
    im->n.over_limit++;
  if (x->tls_port)
    im->n.tls_only++;
  else if (x->state != SS_MAIL)
    im->n.not_mail++;
  else if (empty)
    im->n.empty++;
  else {
    imp_submit(im, x); /* X is the writer's now */
    return;
  }
  imp_release(im, x);
}

/* ---- captures
 * ------------------------------------------------------------------ */

static void imp_set_base(struct ms_importer *im, const char *name) {
  const char *b = strrchr(name, '/');
  b = b ? b + 1 : name;
  if (strcmp(name, "-") == 0)
    b = "stdin";
  char *base = xstrdup(*b ? b : "capture");
  static const char *const ext[] = {".pcapng", ".pcap", ".cap", ".dmp"};
  for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
    size_t n = strlen(base), k = strlen(ext[i]);
    if (n > k && strcmp(base + n - k, ext[i]) == 0) {
      base[n - k] = '\0';
      break;
    }
  }
  for (char *p = base; *p; p++)
    if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7F)
      *p = '_';
  /* two captures with the same name in one run must not overwrite */
  char *unique = xstrdup(base);
  for (int k = 2;; k++) {
    bool used = false;
    for (size_t i = 0; i < im->nbases; i++)
      used = used || strcmp(im->bases[i], unique) == 0;
    if (!used)
      break;
    free(unique);
    unique = xasprintf("%s-%d", base, k);
  }
  free(base);
  xgrow((void **)&im->bases, &im->capbases, im->nbases, sizeof *im->bases);
  im->bases[im->nbases++] = xstrdup(unique);
  free(im->base);
  im->base = unique;
}

void ms_importer_begin(struct ms_importer *im, const char *name,
                       const char *iface) {
  free(im->capture);
  free(im->iface);
  im->capture = iface ? NULL : xstrdup(name);
  im->iface = iface ? xstrdup(iface) : NULL;
  imp_set_base(im, name);
  struct ms_reasm_limits lim = im->o.limits;
  struct ms_reasm_limits def = MS_REASM_LIMITS_DEFAULT;
  if (!lim.window)
    lim = def;
  lim.server_ports = im->sports;
  lim.nserver_ports = im->nsports;
  struct ms_reasm_cb cb = {im,      imp_open,    imp_data,
                           imp_gap, imp_compare, imp_close};
  im->r = ms_reasm_new(&lim, &cb);
  im->nunknown_lt = 0;
}

static void imp_unknown_lt(struct ms_importer *im, int lt) {
  for (size_t i = 0; i < im->nunknown_lt; i++)
    if (im->unknown_lt[i] == (unsigned long long)lt)
      return;
  if (im->nunknown_lt < sizeof im->unknown_lt / sizeof im->unknown_lt[0])
    im->unknown_lt[im->nunknown_lt++] = (unsigned long long)lt;
  char name[32];
  imp_drain(im);
  imp_msg(im,
          "%s: link type %s is not supported (supported: EN10MB with "
          "VLAN tags, LINUX_SLL, LINUX_SLL2, NULL, LOOP, RAW, IPV4, "
          "IPV6); its packets are skipped",
          im->capture ? im->capture : im->iface,
          ms_link_name(lt, name, sizeof name));
}

void ms_importer_packet(struct ms_importer *im, int lt, const unsigned char *p,
                        uint32_t caplen, uint64_t frame, uint64_t ts_ns) {
  struct ms_tcpseg seg;
  im->n.packets++;
  im->n.bytes += caplen;
  switch (ms_link_decode(lt, p, caplen, &seg)) {
  case MS_LINK_TCP:
    im->n.tcp_packets++;
    ms_reasm_segment(im->r, &seg, frame, ts_ns);
    break;
  case MS_LINK_FRAGMENT:
    im->n.fragments++;
    break;
  case MS_LINK_SHORT:
  case MS_LINK_BAD:
    im->n.undecodable++;
    break;
  case MS_LINK_UNKNOWN:
    im->n.undecodable++;
    imp_unknown_lt(im, lt);
    break;
  case MS_LINK_OTHER:
    break;
  }
}

void ms_importer_end(struct ms_importer *im) {
  if (!im->r)
    return;
  ms_reasm_finish(im->r, 0);
  ms_reasm_free(im->r);
  im->r = NULL;
  imp_drain(im);
}

int ms_importer_file(struct ms_importer *im, const char *path) {
  char err[512];
  struct ms_pcap_reader *rd = ms_pcap_open(path, err, sizeof err);
  if (!rd) {
    imp_drain(im);
    imp_msg(im, "%s", err);
    im->errors = true;
    return -1;
  }
  uint64_t before_tcp = im->n.tcp_packets, before_pk = im->n.packets;
  ms_importer_begin(im, path, NULL);
  struct ms_pcap_pkt pk;
  int rc;
  while ((rc = ms_pcap_next(rd, &pk)) == 1)
    ms_importer_packet(im, pk.linktype, pk.data, pk.caplen, pk.frame, pk.ts_ns);
  if (rc < 0 || ms_pcap_warning(rd))
    imp_drain(im);
  if (rc < 0)
    imp_msg(im, "%s (the sessions read so far are kept)", ms_pcap_error(rd));
  else if (ms_pcap_warning(rd))
    imp_msg(im, "%s (the sessions read so far are kept)", ms_pcap_warning(rd));
  ms_importer_end(im);
  if (im->n.packets > before_pk && im->n.tcp_packets == before_tcp &&
      im->nunknown_lt > 0) {
    imp_msg(im, "%s: no packet could be decoded", path);
    rc = -1;
  }
  ms_pcap_close(rd);
  if (rc < 0)
    im->errors = true;
  return rc < 0 ? -1 : 0;
}

/* ---- lifetime
 * ----------------------------------------------------------------- */

struct ms_importer *ms_importer_new(const struct ms_import_opts *o) {
  struct ms_importer *im = xcalloc(1, sizeof *im);
  im->o = *o;
  atomic_init(&im->freed, 0);
  im->w.q = xcalloc(IMP_QUEUE, sizeof *im->w.q);
  if (pthread_mutex_init(&im->w.mu, NULL) == 0) {
    if (pthread_cond_init(&im->w.more, NULL) == 0) {
      if (pthread_cond_init(&im->w.room, NULL) == 0)
        im->w.sync = true;
      else
        pthread_cond_destroy(&im->w.more);
    }
    if (!im->w.sync)
      pthread_mutex_destroy(&im->w.mu);
  }
  size_t np = sizeof mail_ports / sizeof mail_ports[0];
  im->sports = xmalloc((np + 2 + o->nports) * sizeof *im->sports);
  for (size_t i = 0; i < np; i++)
    im->sports[im->nsports++] = mail_ports[i];
  im->sports[im->nsports++] = tls_ports[0];
  im->sports[im->nsports++] = tls_ports[1];
  for (size_t i = 0; i < o->nports; i++)
    im->sports[im->nsports++] = o->ports[i];
  return im;
}

const struct ms_import_counts *
ms_importer_counts(const struct ms_importer *im) {
  return &im->n;
}

void ms_importer_free(struct ms_importer *im) {
  if (!im)
    return;
  ms_importer_end(im);
  imp_writer_stop(im);
  free(im->w.q);
  free(im->wbuf);
  for (size_t i = 0; i < im->nbases; i++)
    free(im->bases[i]);
  free(im->bases);
  free(im->base);
  free(im->capture);
  free(im->iface);
  free(im->sports);
  free(im);
}
