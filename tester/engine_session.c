/* engine_session: the connections of one transcript and the session
 * entries that run on them (transcripts/README.md, "Sessions").
 *
 * Entries run in the order written.  Each opens a connection of its own
 * unless it continues one that an earlier entry kept open (keep_open:,
 * issue 13): several connections can then be open at once, and their
 * steps interleave exactly as written (no threads: what one connection
 * sends goes out when its entry ends, and the replies wait in its socket
 * until a later entry of it reads them).  Each link keeps its own
 * dialogue state (reply reader, command FIFO, greeting). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"
#include "util.h"

void ms_engine_links_init(struct ms_eng *e) {
  const struct ms_transcript *t = e->t;
  size_t n = 1;
  for (size_t i = 0; i < t->nsessions; i++)
    if (t->sessions[i].conn + 1 > n)
      n = t->sessions[i].conn + 1;
  e->links = xcalloc(n, sizeof *e->links);
  e->nlinks = n;
  for (size_t i = 0; i < n; i++) {
    struct ms_eng_link *k = &e->links[i];
    k->proto = t->protocol;
    k->host = e->host;
    k->port = e->port;
    k->conn.fd = -1;
    k->rec = -1;
    ms_buf_init(&k->batch, 0);
    ms_buf_init(&k->raw_part, MS_SMTP_CMD_LINE_MAX * 16);
  }
  for (size_t i = t->nsessions; i-- > 0;) {
    e->links[t->sessions[i].conn].name = t->sessions[i].name;
    e->links[t->sessions[i].conn].mailbox = t->sessions[i].mailbox;
  }
  e->k = &e->links[0];
}

void ms_engine_links_free(struct ms_eng *e) {
  for (size_t i = 0; i < e->nlinks; i++) {
    struct ms_eng_link *k = &e->links[i];
    e->k = k;
    ms_engine_disconnect(e);
    free(k->greeting);
    free(k->fifo);
    free(k->dead);
    ms_buf_free(&k->batch);
    ms_buf_free(&k->raw_part);
  }
  free(e->links);
  e->links = NULL;
  e->nlinks = 0;
  e->k = NULL;
}

/* The step after IDX that decides whether more bytes were owed: META
 * lines are commentary and do not count. */
static const struct ms_step *sess_next(const struct ms_session *s, size_t idx) {
  for (size_t i = idx + 1; i < s->nsteps; i++)
    if (s->steps[i].kind != MS_STEP_META)
      return &s->steps[i];
  return NULL;
}

/* ---- meta lines and pauses ------------------------------------------- */

static void sess_meta(struct ms_eng *e, const struct ms_step *st, size_t idx) {
  const char *m = st->meta ? st->meta : "";
  ms_engine_send_flush(e);
  if (ms_prefix_ci(m, "close connection")) {
    ms_engine_live_note(&e->live, "the client closes the connection");
    ms_engine_disconnect(e);
  } else if (ms_prefix_ci(m, "open connection") && e->k->conn.fd < 0) {
    ms_engine_connect(e, st, idx);
  } else {
    ms_engine_live_note(&e->live, "<%s>", m);
  }
}

static void sess_pause(struct ms_eng *e, double secs) {
  ms_engine_send_flush(e);
  double end = ms_now() + secs;
  if (e->deadline > 0 && e->deadline < end)
    end = e->deadline;
  ms_net_sleep(end - ms_now(), e->o->stop);
  if (ms_net_stopped(e->o->stop))
    e->stopped = true;
}

/* replay --pace: a client batch waits its think time (divided by the
 * pace) after the reply it follows, as the captured client did. */
static void sess_think(struct ms_eng *e, const struct ms_step *st) {
  if (e->o->pace <= 0 || st->after <= 0 || e->k->replied_at <= 0)
    return;
  double due = e->k->replied_at + st->after / e->o->pace;
  if (e->deadline > 0 && due > e->deadline)
    due = e->deadline;
  if (!ms_engine_pace_until(e->o, due, e->out->plan_index, e->t->path, st->line,
                            false))
    e->stopped = true;
}

/* ---- one entry -------------------------------------------------------- */

/* Step I of S; false when the session cannot go on. */
static bool sess_step(struct ms_eng *e, const struct ms_session *s, size_t i) {
  const struct ms_step *st = &s->steps[i];
  switch (st->kind) {
  case MS_STEP_SEND:
    sess_think(e, st);
    return e->k->conn.fd < 0 || ms_engine_send_step(e, st, i);
  case MS_STEP_EXPECT: {
    bool ok =
        ms_engine_expect(e, st, i, sess_next(s, i), NULL, MS_EXPECT_PLAIN);
    e->k->replied_at = ms_now();
    return ok;
  }
  case MS_STEP_TLS:
    return ms_engine_secure_tls(e, st, i);
  case MS_STEP_AUTH:
    return ms_engine_secure_auth(e, st, i, sess_next(s, i));
  case MS_STEP_APOP:
    return ms_engine_secure_apop(e, st, i, sess_next(s, i));
  case MS_STEP_CLOSE:
    ms_engine_expect_close(e, st, i);
    return false;
  case MS_STEP_META:
    sess_meta(e, st, i);
    return true;
  case MS_STEP_PAUSE:
    sess_pause(e, st->pause);
    return true;
  case MS_STEP_GAP:
    /* A capture gap: nothing to send or expect.  Whether a transcript
     * with gaps may be replayed at all is the loader's call. */
    return true;
  case MS_STEP_MESSAGE: /* opens POP3 connections of its own */
    return ms_engine_message(e, st, i);
  }
  return true;
}

/* "session 2: second", "session 3: first (continued)". */
static void sess_note(struct ms_eng *e, const struct ms_session *s, size_t si) {
  if (e->t->nsessions < 2)
    return;
  ms_engine_live_note(&e->live, "session %zu%s%s%s", si + 1,
                      s->name ? ": " : "", s->name ? s->name : "",
                      s->continues ? " (continued)" : "");
}

void ms_engine_session(struct ms_eng *e, size_t si) {
  const struct ms_session *s = &e->t->sessions[si];
  e->si = si;
  e->k = &e->links[s->conn < e->nlinks ? s->conn : 0];
  struct ms_eng_link *k = e->k;
  sess_note(e, s, si);
  if (k->dead) { /* an earlier entry of this connection stopped early */
    ms_engine_gate_dead(e, s);
    return;
  }
  if (s->nsteps == 0) {
    if (!s->keep_open)
      ms_engine_disconnect(e);
    return;
  }
  if (s->mailbox) { /* delivery checks: each reads the mailbox itself */
    for (size_t i = 0; i < s->nsteps && !e->stopped && !e->fatal; i++)
      if (!sess_step(e, s, i))
        break;
    return;
  }
  /* A new connection, or one the transcript closed (<close connection>)
   * before this entry continues it. */
  if (k->conn.fd < 0 && !ms_engine_connect(e, &s->steps[0], 0)) {
    ms_engine_disconnect(e);
    return;
  }
  k->opened = true;
  for (size_t i = 0; i < s->nsteps && !e->stopped && !e->fatal; i++)
    if (!sess_step(e, s, i)) {
      ms_engine_gate_record(e, s, i);
      ms_engine_send_flush(e);
      ms_engine_disconnect(e);
      return;
    }
  /* What this entry sent goes out now; replies still owed wait for the
   * entry that continues the connection (keep_open:). */
  ms_engine_send_flush(e);
  if (!s->keep_open || e->stopped || e->fatal)
    ms_engine_disconnect(e);
}
