/* engine: walk a transcript's sessions against a live server and fill
 * the result model.
 *
 * Client lines accumulate into a batch that goes out in one write at the
 * next expectation (or close, pause, meta, end): that is how pipelining
 * and mail data are written.  Each EXPECT then consumes exactly one
 * reply, in order, and a FIFO of the command lines sent says which
 * command it answers (shown in the diff; for POP3 it decides the
 * multi-line form, RFC 1939 §3).  Judging itself is in engine_judge.c,
 * the socket in engine_conn.c, the -v view in engine_live.c, loading
 * and the builtin server in engine_item.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "engine_int.h"
#include "mailspec/report.h"
#include "util.h"

/* Client bytes queued before a forced write: bounds memory for huge
 * bodies (only very large mail data is split into several writes). */
#define ENG_BATCH_MAX (1u << 20)

struct eng_sent {
  char *shown; /* as shown in reports (secrets redacted) */
  bool multi;  /* POP3: the +OK answer is multi-line */
};

struct eng {
  const struct ms_engine_opts *o;
  const struct ms_transcript *t;
  struct ms_transcript_result *out;
  const struct ms_var *ovr; /* -D defines, then suite vars */
  size_t novr;
  struct ms_var *masked; /* the -D defines with "****" values */
  const char *host, *port;
  double timeout;  /* per reply, seconds */
  double deadline; /* absolute monotonic time, 0 = none */
  double deadline_s;
  struct ms_live live;
  bool stopped; /* interrupted by a signal */
  bool fatal;   /* cannot go on with this transcript at all */
  /* the current session */
  size_t si;
  struct ms_conn conn;
  struct ms_buf batch;
  struct eng_sent *fifo;
  size_t fhead, fn, fcap;
  size_t nsent;   /* client lines sent in this session */
  size_t nreplies; /* replies read in this session */
  size_t bdat_left; /* octets of a BDAT chunk still to come (RFC 3030) */
  struct ms_buf raw_part; /* a raw command line not yet ended */
  double sent_at; /* when the last batch went out */
  char send_err[160];
};

static bool eng_stop(const struct eng *e) {
  return ms_net_stopped(e->o->stop);
}

/* ---- the FIFO of command lines awaiting their reply ------------------ */

static void eng_fifo_push(struct eng *e, char *shown, bool multi) {
  if (e->fhead > 0 && e->fhead == e->fn) /* empty: reuse from the start */
    e->fhead = e->fn = 0;
  xgrow((void **)&e->fifo, &e->fcap, e->fn, sizeof *e->fifo);
  e->fifo[e->fn++] = (struct eng_sent){shown, multi};
}

static struct eng_sent eng_fifo_pop(struct eng *e) {
  if (e->fhead >= e->fn)
    return (struct eng_sent){NULL, false};
  return e->fifo[e->fhead++];
}

static void eng_fifo_clear(struct eng *e) {
  for (size_t i = e->fhead; i < e->fn; i++)
    free(e->fifo[i].shown);
  e->fhead = e->fn = 0;
}

/* ---- results ---------------------------------------------------------- */

static struct ms_step_result *eng_step(struct eng *e, const struct ms_step *st,
                                       size_t idx) {
  struct ms_step_result *r = ms_tr_add_step(e->out);
  r->session = e->si;
  r->step = idx;
  r->line = st->line;
  return r;
}

/* A step that could not be judged. */
static void eng_error(struct ms_step_result *r, char *reason) {
  r->verdict = MS_ERROR;
  free(r->reason);
  r->reason = reason;
}

/* ---- sending ---------------------------------------------------------- */

static double eng_step_timeout(const struct eng *e, const struct ms_step *st) {
  return st->timeout > 0 ? st->timeout : e->timeout;
}

/* Write the batch in one go.  A failure is remembered, not judged: the
 * next expectation finds the server gone and says so. */
static void eng_flush(struct eng *e) {
  if (e->batch.len == 0)
    return;
  if (e->conn.fd >= 0) {
    char err[160] = "";
    e->sent_at = ms_now();
    int r = ms_engine_conn_send(&e->conn, e->batch.p, e->batch.len,
                                e->timeout, e->o->stop, err, sizeof err);
    if (r == MS_NET_STOP)
      e->stopped = true;
    else if (r != 0 && !e->send_err[0])
      snprintf(e->send_err, sizeof e->send_err, "%s", err);
  }
  ms_buf_reset(&e->batch);
}

/* Is the verb of LINE one whose argument is a secret? */
static bool eng_secret_verb(const char *line) {
  static const char *const verbs[] = {"PASS ", "APOP ", "AUTH "};
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    if (ms_prefix_ci(line, verbs[i]))
      return true;
  return false;
}

/* The text of a command as reports show it.  Values given with -D are
 * the only real secrets (transcripts are public): when a PASS, APOP or
 * AUTH line uses one, it is shown masked. */
static char *eng_shown(const struct eng *e, const struct ms_step *st,
                       const char *wire, size_t len) {
  size_t n = len >= 2 && wire[len - 2] == '\r' ? len - 2 : len;
  if (e->masked && st->text && strstr(st->text, "${") &&
      eng_secret_verb(st->text)) {
    char err[64];
    size_t ml;
    char *m = ms_vars_expand(st->text, strlen(st->text), e->t->vars,
                             e->t->nvars, e->masked, e->o->ndefines, &ml, err,
                             sizeof err);
    if (m)
      return m;
  }
  return xmemdup(wire, n);
}

/* One command line went out: remember it for the reply it will get.
 * A BDAT command is followed by its chunk, which is not answered. */
static void eng_command(struct eng *e, char *shown) {
  size_t n;
  bool last;
  if (e->t->protocol == MS_PROTO_SMTP && ms_smtp_is_bdat(shown, &n, &last))
    e->bdat_left = n;
  bool multi = e->t->protocol == MS_PROTO_POP3 && ms_pop3_multiline(shown);
  eng_fifo_push(e, shown, multi);
}

/* Raw bytes may hold any number of command lines, a BDAT chunk, or a
 * line that a later raw step ends: each complete line is a command,
 * shown with its control bytes escaped. */
static void eng_track_raw(struct eng *e, const char *p, size_t len) {
  while (len > 0) {
    if (e->bdat_left > 0) {
      size_t k = len < e->bdat_left ? len : e->bdat_left;
      e->bdat_left -= k;
      p += k;
      len -= k;
      continue;
    }
    const char *nl = memchr(p, '\n', len);
    size_t n = nl ? (size_t)(nl - p) + 1 : len;
    if (ms_buf_add(&e->raw_part, p, n) < 0) /* absurd: keep the tail */
      ms_buf_reset(&e->raw_part);
    p += n;
    len -= n;
    if (!nl)
      return;
    size_t l = e->raw_part.len - 1; /* without the LF */
    if (l > 0 && e->raw_part.p[l - 1] == '\r')
      l--;
    eng_command(e, ms_report_text_safe(e->raw_part.p, l));
    ms_buf_reset(&e->raw_part);
  }
}

static void eng_track(struct eng *e, const struct ms_step *st,
                      const char *wire, size_t len) {
  switch (st->send) {
  case MS_SEND_LINE:
    if (e->bdat_left > 0) /* a chunk written as lines */
      eng_track_raw(e, wire, len);
    else
      eng_command(e, eng_shown(e, st, wire, len));
    break;
  case MS_SEND_RAW:
    eng_track_raw(e, wire, len);
    break;
  case MS_SEND_DATA_LINE:
    /* The end of mail data is answered too (RFC 5321 §4.1.1.4). */
    if (len >= 1 && wire[0] == '.' &&
        (len == 1 || wire[1] == '\r' || wire[1] == '\n'))
      eng_fifo_push(e, xstrdup("."), false);
    break;
  case MS_SEND_BODY:
    eng_fifo_push(e, xstrdup("."), false);
    break;
  }
}

static void eng_send(struct eng *e, const struct ms_step *st) {
  char *wire = NULL, err[256];
  size_t len = 0;
  if (ms_step_wire(st, e->t->vars, e->t->nvars, e->ovr, e->novr, &wire, &len,
                   err, sizeof err) != 0)
    return; /* cannot happen: eng_preflight() expanded every step */
  if (e->batch.len > 0 && e->batch.len + len > ENG_BATCH_MAX)
    eng_flush(e);
  if (ms_buf_add(&e->batch, wire, len) < 0) { /* one huge step alone */
    eng_flush(e);
    if (e->conn.fd >= 0)
      ms_engine_conn_send(&e->conn, wire, len, e->timeout, e->o->stop, err,
                          sizeof err);
  }
  ms_engine_live_client(&e->live, wire, len);
  e->nsent++;
  eng_track(e, st, wire, len);
  free(wire);
}

/* ---- connecting ------------------------------------------------------- */

static bool eng_connect(struct eng *e, const struct ms_step *at, size_t idx) {
  char err[256] = "";
  if (ms_engine_conn_open(&e->conn, e->t->protocol, e->host, e->port,
                          e->timeout, e->o->stop, err, sizeof err) == 0) {
    e->sent_at = ms_now();
    e->nsent = e->nreplies = 0;
    e->send_err[0] = '\0';
    return true;
  }
  if (eng_stop(e)) {
    e->stopped = true;
    return false;
  }
  /* Nothing of this transcript can be judged without the server. */
  struct ms_step_result *r = eng_step(e, at, idx);
  eng_error(r, xasprintf("cannot connect to %s: %s", e->out->target, err));
  ms_engine_live_note(&e->live, "cannot connect to %s: %s", e->out->target,
                      err);
  e->fatal = true;
  return false;
}

static void eng_disconnect(struct eng *e) {
  ms_engine_conn_close(&e->conn);
  eng_fifo_clear(e);
  ms_buf_reset(&e->batch);
  ms_buf_reset(&e->raw_part);
  e->bdat_left = 0;
}

/* ---- expectations ----------------------------------------------------- */

/* The step after IDX that decides whether more bytes were owed: META
 * lines are commentary and do not count. */
static const struct ms_step *eng_next(const struct ms_session *s, size_t idx) {
  for (size_t i = idx + 1; i < s->nsteps; i++)
    if (s->steps[i].kind != MS_STEP_META)
      return &s->steps[i];
  return NULL;
}

/* Bytes after a final line while no reply is outstanding are a finding
 * unless the transcript declared pipelining.  They are dropped so that
 * the next command is judged on its own reply. */
static void eng_trailing(struct eng *e, const struct ms_session *s,
                         size_t idx, struct ms_step_result *r) {
  const struct ms_step *next = eng_next(s, idx);
  if (e->t->pipelining ||
      (next && (next->kind == MS_STEP_EXPECT || next->kind == MS_STEP_CLOSE)))
    return;
  char peek[48];
  size_t n = ms_engine_conn_unsolicited(&e->conn, peek, sizeof peek);
  if (n == 0)
    return;
  size_t k = n < sizeof peek ? n : sizeof peek;
  char *safe = ms_report_text_safe(peek, k);
  char *detail = xasprintf("'%s%s'", safe, n > k ? "..." : "");
  ms_engine_flag(r, MS_V_TRAILING, detail);
  ms_engine_live_note(&e->live, "unsolicited bytes after the reply: %s",
                      detail);
  free(detail);
  free(safe);
  ms_engine_conn_discard(&e->conn);
}

static void eng_greeting(struct eng *e, const struct ms_reply *rep) {
  if (e->out->greeting || rep->nlines == 0)
    return;
  struct ms_reply first = *rep;
  first.nlines = 1;
  e->out->greeting = ms_reply_join(&first);
}

/* The reason for a reply that did not come in time. */
static char *eng_timeout_reason(const struct eng *e, const char *sent,
                                double tmo, bool by_deadline) {
  char *base;
  if (by_deadline)
    base = xasprintf("transcript deadline of %g s reached waiting for %s%s%s",
                     e->deadline_s, sent ? "the reply to '" : "a reply",
                     sent ? sent : "", sent ? "'" : "");
  else if (e->nreplies == 0)
    base = xasprintf("no greeting within %g s", tmo);
  else if (sent)
    base = xasprintf("no reply within %g s to '%s'", tmo, sent);
  else
    base = xasprintf("no reply within %g s", tmo);
  if (!e->send_err[0])
    return base;
  char *r = xasprintf("%s (sending failed: %s)", base, e->send_err);
  free(base);
  return r;
}

/* One reply for EXPECT step ST.  False when the session cannot go on. */
static bool eng_expect(struct eng *e, const struct ms_session *s,
                       const struct ms_step *st, size_t idx) {
  eng_flush(e);
  /* The greeting answers no command, even from an early talker. */
  struct eng_sent sent = {NULL, false};
  if (e->nreplies > 0)
    sent = eng_fifo_pop(e);
  struct ms_step_result *r = eng_step(e, st, idx);
  r->sent = sent.shown;
  r->expected = ms_engine_expected_text(st);
  if (e->stopped) {
    r->verdict = MS_NOTRUN;
    r->reason = xstrdup("interrupted");
    return false;
  }
  if (e->conn.fd < 0) {
    eng_error(r, xstrdup("no connection: the transcript closed it "
                         "(<close connection>) before this reply"));
    return false;
  }
  if (e->t->protocol == MS_PROTO_POP3)
    ms_reader_expect_multiline(e->conn.rd, st->multiline || sent.multi);
  double tmo = eng_step_timeout(e, st), end = ms_now() + tmo;
  bool by_deadline = e->deadline > 0 && e->deadline < end;
  if (by_deadline)
    end = e->deadline;
  struct ms_reply rep;
  char err[160] = "";
  int n = ms_engine_conn_read(&e->conn, end, e->o->stop, &rep, err,
                              sizeof err);
  r->elapsed_ms = (ms_now() - e->sent_at) * 1000.0;
  if (n == 1) {
    e->nreplies++;
    ms_engine_judge(st, e->t->protocol, &rep, r);
    eng_greeting(e, &rep);
    ms_engine_live_server(&e->live, &rep, r->verdict);
    if (r->verdict != MS_PASS)
      ms_engine_live_note(&e->live, "%s: %s", ms_verdict_name(r->verdict),
                          r->reason ? r->reason : "");
    bool go_on = !e->conn.broken;
    if (go_on)
      eng_trailing(e, s, idx, r);
    else
      ms_engine_live_note(&e->live, "reply too big: stopped reading");
    ms_reply_free(&rep);
    return go_on;
  }
  if (n == 0) {
    char pat[MS_PAT_MAX * 5 + 8];
    ms_pattern_format(&st->pat, pat, sizeof pat);
    char *detail = xasprintf("expected %s%s%s", pat,
                             e->conn.why[0] ? "; " : "", e->conn.why);
    ms_engine_flag(r, MS_V_EARLY_CLOSE, detail);
    ms_engine_live_note(&e->live, "the server closed the connection");
    free(detail);
  } else if (n == MS_NET_TIMEOUT) {
    eng_error(r, eng_timeout_reason(e, sent.shown, tmo, by_deadline));
    ms_engine_live_note(&e->live, "%s", r->reason);
  } else if (n == MS_NET_STOP) {
    e->stopped = true;
    r->verdict = MS_NOTRUN;
    r->reason = xstrdup("interrupted");
  } else {
    eng_error(r, xasprintf("receive failed: %s", err));
  }
  return false;
}

/* expect: close.  The server must close the connection now (e.g. after
 * QUIT, RFC 5321 §4.1.1.10): PASS at EOF, FAIL if it sends more or does
 * not close within the timeout. */
static void eng_close_step(struct eng *e, const struct ms_step *st,
                           size_t idx) {
  eng_flush(e);
  struct eng_sent sent = eng_fifo_pop(e);
  struct ms_step_result *r = eng_step(e, st, idx);
  r->sent = sent.shown;
  r->expected = xstrdup(st->nlines ? st->lines[0] : "<close connection>");
  if (e->conn.fd < 0) {
    eng_error(r, xstrdup("no connection: the transcript closed it first"));
    return;
  }
  double tmo = eng_step_timeout(e, st), t0 = ms_now();
  char buf[256];
  size_t n = ms_engine_conn_unsolicited(&e->conn, buf, sizeof buf);
  if (n == 0 && !e->conn.eof) {
    double left = tmo;
    if (e->deadline > 0 && e->deadline - t0 < left)
      left = e->deadline - t0;
    ssize_t k = ms_net_recv(e->conn.fd, buf, sizeof buf, left > 0 ? left : 0,
                            e->o->stop, e->conn.why, sizeof e->conn.why);
    if (k == 0)
      e->conn.eof = true;
    else if (k > 0)
      n = (size_t)k;
    else if (k == MS_NET_STOP) {
      e->stopped = true;
      r->verdict = MS_NOTRUN;
      r->reason = xstrdup("interrupted");
      return;
    } else {
      r->verdict = MS_FAIL;
      r->reason = xasprintf("the server did not close the connection "
                            "within %g s", tmo);
      ms_engine_live_note(&e->live, "%s", r->reason);
      return;
    }
  }
  r->elapsed_ms = (ms_now() - e->sent_at) * 1000.0;
  if (n > 0) {
    size_t k = n < sizeof buf ? n : sizeof buf;
    r->got = ms_report_text_safe(buf, k);
    r->verdict = MS_FAIL;
    r->reason = xstrdup("the server sent more instead of closing the "
                        "connection");
    ms_engine_live_note(&e->live, "%s", r->reason);
    return;
  }
  r->verdict = MS_PASS;
  ms_engine_live_note(&e->live, "the server closed the connection");
}

/* ---- meta lines and pauses ------------------------------------------- */

static void eng_meta(struct eng *e, const struct ms_step *st, size_t idx) {
  const char *m = st->meta ? st->meta : "";
  eng_flush(e);
  if (ms_prefix_ci(m, "close connection")) {
    ms_engine_live_note(&e->live, "the client closes the connection");
    eng_disconnect(e);
  } else if (ms_prefix_ci(m, "open connection") && e->conn.fd < 0) {
    eng_connect(e, st, idx);
  } else {
    ms_engine_live_note(&e->live, "<%s>", m);
  }
}

static void eng_pause(struct eng *e, double secs) {
  eng_flush(e);
  double end = ms_now() + secs;
  if (e->deadline > 0 && e->deadline < end)
    end = e->deadline;
  while (!eng_stop(e)) {
    double left = end - ms_now();
    if (left <= 0)
      break;
    if (left > 0.1)
      left = 0.1; /* notice Ctrl-C */
    struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) *
                                               1e9)};
    nanosleep(&ts, NULL);
  }
  if (eng_stop(e))
    e->stopped = true;
}

/* ---- sessions and transcripts ---------------------------------------- */

static void eng_session(struct eng *e, size_t si) {
  const struct ms_session *s = &e->t->sessions[si];
  e->si = si;
  if (s->nsteps == 0)
    return;
  if (e->t->nsessions > 1)
    ms_engine_live_note(&e->live, "session %zu%s%s", si + 1,
                        s->name ? ": " : "", s->name ? s->name : "");
  if (!eng_connect(e, &s->steps[0], 0))
    return;
  for (size_t i = 0; i < s->nsteps && !e->stopped && !e->fatal; i++) {
    const struct ms_step *st = &s->steps[i];
    bool go_on = true;
    switch (st->kind) {
    case MS_STEP_SEND:
      if (e->conn.fd >= 0)
        eng_send(e, st);
      break;
    case MS_STEP_EXPECT:
      go_on = eng_expect(e, s, st, i);
      break;
    case MS_STEP_CLOSE:
      eng_close_step(e, st, i);
      go_on = false;
      break;
    case MS_STEP_META:
      eng_meta(e, st, i);
      break;
    case MS_STEP_PAUSE:
      eng_pause(e, st->pause);
      break;
    case MS_STEP_GAP:
      break; /* refused by eng_preflight() */
    }
    if (!go_on)
      break;
  }
  eng_flush(e);
  eng_disconnect(e);
}

/* Everything that can be checked before the first packet: a transcript
 * that cannot be replayed as written is an ERROR without traffic. */
static bool eng_preflight(struct eng *e) {
  const struct ms_transcript *t = e->t;
  for (size_t si = 0; si < t->nsessions; si++) {
    const struct ms_session *s = &t->sessions[si];
    for (size_t i = 0; i < s->nsteps; i++) {
      const struct ms_step *st = &s->steps[i];
      char err[256] = "";
      char *reason = NULL;
      if (st->kind == MS_STEP_GAP) {
        reason = xstrdup("the transcript has a capture gap here: it cannot "
                         "be replayed");
      } else if (st->kind == MS_STEP_SEND) {
        char *wire = NULL;
        size_t len;
        if (ms_step_wire(st, t->vars, t->nvars, e->ovr, e->novr, &wire, &len,
                         err, sizeof err) != 0)
          reason = xasprintf("%s:%d: %s", t->path ? t->path : "?", st->line,
                             err);
        free(wire);
      }
      if (reason) {
        e->si = si;
        eng_error(eng_step(e, st, i), reason);
        return false;
      }
    }
  }
  return true;
}

/* The verdict of the transcript from its steps; its reason is the first
 * problem of that kind. */
static void eng_verdict(struct eng *e) {
  struct ms_transcript_result *out = e->out;
  enum ms_verdict v = MS_PASS;
  for (size_t i = 0; i < out->nsteps; i++) {
    enum ms_verdict sv = out->steps[i].verdict;
    if (sv == MS_FAIL)
      v = MS_FAIL;
    else if (sv == MS_ERROR && v == MS_PASS)
      v = MS_ERROR;
  }
  if (e->stopped)
    v = MS_NOTRUN;
  out->verdict = v;
  free(out->reason);
  out->reason = NULL;
  if (v == MS_NOTRUN) {
    out->reason = xstrdup("interrupted");
    return;
  }
  for (size_t i = 0; i < out->nsteps && v != MS_PASS; i++)
    if (out->steps[i].verdict == v && out->steps[i].reason) {
      out->reason = xstrdup(out->steps[i].reason);
      return;
    }
}

static void eng_init(struct eng *e, const struct ms_engine_opts *o,
                     const struct ms_transcript *t, const char *host,
                     const char *port, struct ms_transcript_result *out) {
  memset(e, 0, sizeof *e);
  e->o = o;
  e->t = t;
  e->out = out;
  e->host = host;
  e->port = port;
  e->conn.fd = -1;
  e->timeout = t->timeout > 0 ? t->timeout : (o->timeout > 0 ? o->timeout
                                                             : 30);
  e->deadline_s = t->deadline > 0 ? t->deadline : o->deadline;
  e->live = (struct ms_live){o->live, o->color, t->protocol,
                             o->jobs > 1 ? t->id : NULL};
  ms_buf_init(&e->batch, 0);
  ms_buf_init(&e->raw_part, MS_SMTP_CMD_LINE_MAX * 16);
  if (o->ndefines > 0) {
    e->masked = xcalloc(o->ndefines, sizeof *e->masked);
    for (size_t i = 0; i < o->ndefines; i++) {
      e->masked[i].name = o->defines[i].name;
      e->masked[i].value = (char *)(uintptr_t) "****";
    }
  }
}

static void eng_fini(struct eng *e) {
  eng_disconnect(e);
  free(e->fifo);
  free(e->masked);
  ms_buf_free(&e->batch);
  ms_buf_free(&e->raw_part);
}

void ms_engine_run_loaded(const struct ms_engine_opts *o,
                    const struct ms_transcript *t, const char *host,
                    const char *port, const struct ms_var *ovr, size_t novr,
                    const struct ms_probe *probe,
                    struct ms_transcript_result *out) {
  double t0 = ms_now();
  if (!out->target)
    out->target = strchr(host, ':') ? xasprintf("[%s]:%s", host, port)
                                    : xasprintf("%s:%s", host, port);
  if (out->started == 0)
    out->started = ms_wallclock();
  struct eng *e = xmalloc(sizeof *e);
  eng_init(e, o, t, host, port, out);
  e->ovr = ovr;
  e->novr = novr;
  if (e->deadline_s > 0)
    e->deadline = t0 + e->deadline_s;
  char *where = strcmp(out->target, "builtin") == 0
                    ? xasprintf("builtin on %s:%s", host, port)
                    : xstrdup(out->target);
  ms_engine_live_note(&e->live, "%s%s%s (%s)", t->id ? t->id : t->path,
                      t->title ? ": " : "", t->title ? t->title : "", where);
  free(where);
  struct ms_probe own = {0};
  if (t->nrequires > 0 && !probe) {
    ms_engine_probe(o, t->protocol, host, port, &own);
    probe = &own;
  }
  char *skip = NULL;
  if (probe && probe->error) {
    out->verdict = eng_stop(e) ? MS_NOTRUN : MS_ERROR;
    out->reason = xstrdup(probe->error);
  } else if (probe && (skip = ms_engine_requires_unmet(t, probe)) != NULL) {
    out->verdict = MS_SKIP;
    out->reason = skip;
    ms_engine_live_note(&e->live, "SKIP: %s", skip);
  } else {
    if (eng_preflight(e))
      for (size_t si = 0; si < t->nsessions && !e->stopped && !e->fatal; si++)
        eng_session(e, si);
    eng_verdict(e);
  }
  ms_reply_free(&own.reply);
  free(own.error);
  eng_fini(e);
  free(e);
  out->elapsed_ms = (ms_now() - t0) * 1000.0;
}

void ms_engine_opts_init(struct ms_engine_opts *o) {
  memset(o, 0, sizeof *o);
  o->jobs = 1;
  o->timeout = 30;
}
