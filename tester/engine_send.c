/* engine_send: the client side of a session.  Client lines accumulate
 * into a batch that goes out in one write at the next expectation (or
 * close, pause, meta, end): that is how pipelining and mail data are
 * written.  A FIFO of the command lines sent says which command each
 * reply answers (RFC 2920 §3.2: replies come in order; for POP3 the
 * command decides the multi-line form, RFC 1939 §3).  DATA's mail data
 * (RFC 5321 §4.1.1.4) and BDAT's chunks (RFC 3030 §2) are tracked so
 * that their lines are not taken for commands. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine_int.h"
#include "mailspec/report.h"
#include "util.h"

/* Client bytes queued before a forced write: bounds memory for huge
 * bodies (only very large mail data is split into several writes). */
#define SEND_BATCH_MAX (1u << 20)

/* ---- the FIFO of command lines awaiting their reply ------------------ */

static void send_fifo_push(struct ms_eng *e, char *shown, bool multi) {
  if (e->k->fhead > 0 &&
      e->k->fhead == e->k->fn) /* empty: reuse from the start */
    e->k->fhead = e->k->fn = e->k->funsent = 0;
  xgrow((void **)&e->k->fifo, &e->k->fcap, e->k->fn, sizeof *e->k->fifo);
  e->k->fifo[e->k->fn++] = (struct ms_eng_sent){shown, multi, 0, 0, -1};
}

/* The command lines queued since the last write go out together: a
 * pipelined group when there are several. */
static void send_fifo_written(struct ms_eng *e) {
  size_t n = e->k->fn - e->k->funsent;
  for (size_t i = e->k->funsent; i < e->k->fn; i++)
    e->k->fifo[i].group = n;
  e->k->funsent = e->k->fn;
}

struct ms_eng_sent ms_engine_send_pop(struct ms_eng *e) {
  if (e->k->fhead >= e->k->fn)
    return (struct ms_eng_sent){NULL, false, 0, 0, -1};
  if (e->k->fhead >= e->k->funsent) /* cannot happen: expect() writes first */
    send_fifo_written(e);
  return e->k->fifo[e->k->fhead++];
}

void ms_engine_send_clear(struct ms_eng *e) {
  for (size_t i = e->k->fhead; i < e->k->fn; i++)
    free(e->k->fifo[i].shown);
  e->k->fhead = e->k->fn = e->k->funsent = 0;
}

char *ms_engine_send_drop_pending(struct ms_eng *e, size_t *n) {
  struct ms_buf b;
  ms_buf_init(&b, 4096);
  *n = e->k->fn - e->k->fhead;
  for (size_t i = e->k->fhead; i < e->k->fn; i++)
    ms_buf_addf(&b, "%s'%s'", i > e->k->fhead ? ", " : "", e->k->fifo[i].shown);
  ms_engine_send_clear(e);
  ms_buf_reset(&e->k->raw_part);
  e->k->bdat_left = 0;
  e->k->in_data = false;
  return ms_buf_steal(&b, NULL);
}

/* ---- sending ---------------------------------------------------------- */

/* Write the batch in one go.  A failure is remembered, not judged: the
 * next expectation finds the server gone and says so. */
void ms_engine_send_flush(struct ms_eng *e) {
  send_fifo_written(e);
  if (e->k->batch.len == 0)
    return;
  if (e->k->conn.fd >= 0) {
    char err[160] = "";
    e->k->sent_at = ms_now();
    int r = ms_engine_conn_send(&e->k->conn, e->k->batch.p, e->k->batch.len,
                                e->timeout, e->o->stop, err, sizeof err);
    if (r == MS_NET_STOP)
      e->stopped = true;
    else if (r != 0 && !e->k->send_err[0])
      snprintf(e->k->send_err, sizeof e->k->send_err, "%s", err);
  }
  ms_buf_reset(&e->k->batch);
}

/* The text of a command as reports show it.  Values given with -D are
 * the only real secrets (transcripts are public): when a PASS, APOP or
 * AUTH line uses one, it is shown masked; env:/file: values are masked
 * wherever they appear. */
static char *send_shown(const struct ms_eng *e, const struct ms_step *st,
                        const char *wire, size_t len) {
  size_t n = len >= 2 && wire[len - 2] == '\r' ? len - 2 : len;
  if (e->masked && st->text && strstr(st->text, "${") &&
      ms_proto_secret_verb(st->text)) {
    char err[64];
    size_t ml;
    char *m =
        ms_vars_expand(st->text, strlen(st->text), e->t->vars, e->t->nvars,
                       e->masked, e->o->ndefines, &ml, err, sizeof err);
    if (m) {
      ms_secrets_scrub_in(&e->secrets, &m);
      return m;
    }
  }
  char *r = xmemdup(wire, n);
  ms_secrets_scrub_in(&e->secrets, &r);
  return r;
}

/* One command line went out: remember it for the reply it will get.
 * A BDAT command is followed by its chunk, which is not answered; DATA
 * by mail data, answered once at its end. */
static void send_command(struct ms_eng *e, char *shown) {
  const struct ms_proto_ops *ops = ms_proto_ops(e->t->protocol);
  size_t n;
  bool last = false;
  bool bdat = ops->is_bdat && ops->is_bdat(shown, &n, &last);
  if (e->k->rec >= 0 && e->recs[e->k->rec].chunks && !bdat)
    e->k->rec = -1; /* chunks without LAST (RSET, DATA...): never ended */
  if (bdat) {       /* a message sent in chunks, for delivery checks too */
    e->k->bdat_left = n;
    e->k->bdat_last = last;
    if (e->k->rec < 0) {
      ms_engine_rec_start(e);
      e->recs[e->k->rec].chunks = true;
    }
  }
  if (ops->is_data && ops->is_data(shown)) {
    e->k->in_data = true;
    e->k->data_pending = true;
    e->k->eod = 2;          /* the data starts at the start of a line */
    ms_engine_rec_start(e); /* delivery checks compare with it */
  }
  send_fifo_push(e, shown, ops->multiline(shown));
  if (bdat && last) /* its reply tells delivery checks the message's fate */
    e->k->fifo[e->k->fn - 1].rec = e->k->rec;
  if (bdat && last && n == 0)
    ms_engine_rec_end(e); /* BDAT 0 LAST: nothing more comes */
  if (ops->utf8_replies)  /* RFC 6531: UTF-8 in its reply? */
    e->k->fifo[e->k->fn - 1].utf8 =
        ms_engine_utf8_sent(&e->k->utf8_mail, shown);
}

/* The end-of-data line of the message being sent went out: its reply
 * is owed (RFC 5321 §4.1.1.4), and tells delivery checks its fate. */
static void send_end_of_data(struct ms_eng *e) {
  send_fifo_push(e, xstrdup("."), false);
  e->k->fifo[e->k->fn - 1].rec = ms_engine_rec_end(e);
  e->k->in_data = false;
}

/* Raw mail data: the bytes up to and including the end-of-data line
 * (RFC 5321 §4.1.1.4; a bare LF is no line end, §2.3.8).  Returns how
 * many of LEN belong to the data. */
static size_t send_track_data(struct ms_eng *e, const char *p, size_t len) {
  static const char eod[] = "\r\n.\r\n";
  if (e->k->data_pending && len > 0)
    e->k->blind = true;
  for (size_t i = 0; i < len; i++) {
    char c = p[i];
    if (c == eod[e->k->eod])
      e->k->eod++;
    else
      e->k->eod = c == '\r' ? 1 : 0;
    if (e->k->eod == 5) {
      ms_engine_rec_add(e, p, i + 1);
      send_end_of_data(e);
      return i + 1;
    }
  }
  ms_engine_rec_add(e, p, len);
  return len;
}

/* Raw bytes may hold any number of command lines, a BDAT chunk, or a
 * line that a later raw step ends: each complete line is a command,
 * shown with its control bytes escaped. */
static void send_track_raw(struct ms_eng *e, const char *p, size_t len) {
  while (len > 0) {
    if (e->k->in_data) {
      size_t k = send_track_data(e, p, len);
      p += k;
      len -= k;
      continue;
    }
    if (e->k->bdat_left > 0) {
      size_t k = len < e->k->bdat_left ? len : e->k->bdat_left;
      ms_engine_rec_add(e, p, k);
      e->k->bdat_left -= k;
      if (e->k->bdat_left == 0 && e->k->bdat_last)
        ms_engine_rec_end(e); /* the LAST chunk is out */
      p += k;
      len -= k;
      continue;
    }
    const char *nl = memchr(p, '\n', len);
    size_t n = nl ? (size_t)(nl - p) + 1 : len;
    if (ms_buf_add(&e->k->raw_part, p, n) < 0) /* absurd: keep the tail */
      ms_buf_reset(&e->k->raw_part);
    p += n;
    len -= n;
    size_t l = e->k->raw_part.len;
    /* RFC 5321 §2.3.8, RFC 1939 §3: only CRLF ends a command line; a
     * bare LF is part of it (a server that answers there answers of
     * its own accord). */
    if (!nl || l < 2 || e->k->raw_part.p[l - 2] != '\r')
      continue;
    send_command(e, ms_report_text_safe(e->k->raw_part.p, l - 2));
    ms_buf_reset(&e->k->raw_part);
  }
}

static void send_track(struct ms_eng *e, const struct ms_step *st,
                       const char *wire, size_t len) {
  switch (st->send) {
  case MS_SEND_LINE:
    if (e->k->bdat_left > 0) /* a chunk written as lines */
      send_track_raw(e, wire, len);
    else
      send_command(e, send_shown(e, st, wire, len));
    break;
  case MS_SEND_RAW:
    send_track_raw(e, wire, len);
    break;
  case MS_SEND_DATA_LINE:
    e->k->blind = e->k->blind || e->k->data_pending;
    ms_engine_rec_add(e, wire, len);
    /* The end of mail data is answered too (RFC 5321 §4.1.1.4). */
    if (len >= 1 && wire[0] == '.' &&
        (len == 1 || wire[1] == '\r' || wire[1] == '\n'))
      send_end_of_data(e);
    break;
  case MS_SEND_BODY:
    e->k->blind = e->k->blind || e->k->data_pending;
    ms_engine_rec_add(e, wire, len);
    send_end_of_data(e);
    break;
  }
}

/* Queue WIRE for the next write. */
static void send_queue(struct ms_eng *e, const char *wire, size_t len) {
  char err[256];
  if (e->k->batch.len > 0 && e->k->batch.len + len > SEND_BATCH_MAX)
    ms_engine_send_flush(e);
  if (ms_buf_add(&e->k->batch, wire, len) < 0) { /* one huge step alone */
    ms_engine_send_flush(e);
    if (e->k->conn.fd >= 0)
      ms_engine_conn_send(&e->k->conn, wire, len, e->timeout, e->o->stop, err,
                          sizeof err);
  }
  e->k->nsent++;
}

bool ms_engine_send_step(struct ms_eng *e, const struct ms_step *st,
                         size_t idx) {
  char *wire = NULL, *why = NULL;
  size_t len = 0;
  if (!(wire = ms_engine_vars_wire(e, st, &len, &why))) {
    ms_engine_error(ms_engine_step(e, st, idx), why);
    return false;
  }
  send_queue(e, wire, len);
  if (st->send == MS_SEND_LINE && e->k->bdat_left == 0) {
    /* The live view shows what the report shows (masked PASS lines). */
    char *shown = send_shown(e, st, wire, len);
    ms_engine_live_client(&e->live, shown, strlen(shown));
    send_command(e, shown);
  } else {
    ms_engine_live_client(&e->live, wire, len);
    send_track(e, st, wire, len);
  }
  free(wire);
  return true;
}

void ms_engine_send_line(struct ms_eng *e, const char *wire, size_t len,
                         char *shown) {
  send_queue(e, wire, len);
  ms_secrets_scrub_in(&e->secrets, &shown);
  ms_engine_live_client(&e->live, shown, strlen(shown));
  send_command(e, shown);
}
