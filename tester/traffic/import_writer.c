/* import_writer: transcripts are framed and written on a second thread
 * while the main thread goes on reading the capture (a third of the time
 * of `mailspec import` was spent writing).  Everything the user sees
 * (paths, messages, counts, the written callback) still comes from the
 * main thread, in the order the sessions closed. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import_int.h"
#include "util.h"

/* ---- the importer's messages ----------------------------------------------
 * Here, not in import.c, because both the reader (import.c) and the
 * writer's reports use it and the writer is the lower layer (no
 * import <-> import_writer circle, issue 16). */

static FILE *imp_log(const struct ms_importer *im) {
  return im->o.log ? im->o.log : stderr;
}

void ms_import_msg(struct ms_importer *im, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(imp_log(im), "mailspec import: ");
  vfprintf(imp_log(im), fmt, ap);
  fputc('\n', imp_log(im));
  va_end(ap);
}

/* ---- writing one transcript -------------------------------------------------
 */

static char *imp_path(struct ms_importer *im, const struct isess *x, bool tmp) {
  const char *dir = im->o.outdir ? im->o.outdir : ".";
  return xasprintf("%s/%s%s-%04llu.yaml%s", dir, tmp ? "." : "", im->base,
                   (unsigned long long)x->s.ci.index, tmp ? ".tmp" : "");
}

/* The bytes of X no longer count against max_stored_bytes. */
void ms_import_writer_release(struct ms_importer *im, struct isess *x) {
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
  char suffix[32];
  snprintf(suffix, sizeof suffix, "_s%llu", (unsigned long long)j->seq);
  struct ms_write_opts wo = {j->capture,
                             j->iface,
                             im->o.conv,
                             im->o.keep_secrets,
                             im->o.allow_gaps,
                             im->o.force_steps,
                             im->o.replay_info ? suffix : NULL,
                             im->o.replay_info,
                             im->o.replay_info};
  int rc = ms_transcript_write(out, &x->s, &f, &wo, &j->wr);
  bool steps = j->wr.steps;
  if (rc == 1) { /* nothing to say: no file */
    fclose(out);
    unlink(j->tmp);
    j->nothing = true;
    goto done;
  }
  if (fclose(out) != 0 || rc != 0 || rename(j->tmp, j->path) != 0) {
    j->err = xasprintf("%s: cannot write: %s", j->path, strerror(errno));
    unlink(j->tmp);
    goto done;
  }
  j->ok = true;
  j->gaps = f.ngaps != 0;
  j->steps = steps;
  j->session = x->s.ci.index;
  j->proto = x->s.proto;
  if (im->o.verbosity > 0)
    j->note = xasprintf(
        "%s: %s session %llu, %zu units%s%s%s", j->path,
        ms_proto_ops(x->s.proto)->name, (unsigned long long)x->s.ci.index, f.n,
        f.ngaps ? ", gaps" : "", f.tls ? ", stops at STARTTLS" : "",
        steps ? ", steps form" : "");
done:
  ms_frames_free(&f);
  ms_import_writer_release(im, j->x);
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
      ms_import_msg(im, "%s", j->note);
    if (im->o.written) {
      struct ms_import_written iw = {j->path,       j->capture,    j->session,
                                     j->proto,      j->wr.frames,  j->wr.nlines,
                                     j->wr.secrets, j->wr.nsecrets};
      im->o.written(im->o.written_ctx, &iw);
    }
  } else if (j->nothing) {
    im->n.empty++;
  } else {
    ms_import_msg(im, "%s", j->err);
    im->n.failed++;
    im->errors = true;
  }
  free(j->path);
  free(j->tmp);
  free(j->capture);
  free(j->iface);
  free(j->err);
  free(j->note);
  ms_write_result_free(&j->wr);
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
void ms_import_writer_drain(struct ms_importer *im) {
  imp_wait(im, 0);
}

void ms_import_writer_init(struct ms_importer *im) {
  struct imp_writer *w = &im->w;
  w->q = xcalloc(IMP_QUEUE, sizeof *w->q);
  if (pthread_mutex_init(&w->mu, NULL) == 0) {
    if (pthread_cond_init(&w->more, NULL) == 0) {
      if (pthread_cond_init(&w->room, NULL) == 0)
        w->sync = true;
      else
        pthread_cond_destroy(&w->more);
    }
    if (!w->sync)
      pthread_mutex_destroy(&w->mu);
  }
}

void ms_import_writer_free(struct ms_importer *im) {
  struct imp_writer *w = &im->w;
  if (w->running) {
    ms_import_writer_drain(im);
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
  free(w->q);
  w->q = NULL;
  free(im->wbuf);
  im->wbuf = NULL;
}

/* Hand X (a session to write) over: to the writer thread when reading a
 * capture file (at most IMP_QUEUE sessions queued: memory stays bounded,
 * and they still count against max_stored_bytes); inline when live (record's
 * written callback may stop the capture loop: it must come at once) or
 * when there is no writer thread. */
void ms_import_writer_submit(struct ms_importer *im, struct isess *x) {
  struct imp_job j = {.x = x,
                      .path = imp_path(im, x, false),
                      .tmp = imp_path(im, x, true),
                      .capture = im->capture ? xstrdup(im->capture) : NULL,
                      .iface = im->iface ? xstrdup(im->iface) : NULL,
                      .seq = ++im->submitted,
                      .state = JOB_QUEUED};
  struct imp_writer *w = &im->w;
  if (im->iface || !imp_writer_start(im)) {
    ms_import_writer_drain(im);
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
