/* import_framer: the framer both protocols' importers share
 * (ms_framer_*): it walks a session's two directions, cuts client units
 * and replies, follows STARTTLS and SASL, and marks where secrets stand.
 * import_smtp.c and import_pop3.c drive it with their protocol's rules. */
#include "import.h"

#include <stdlib.h>
#include <string.h>

#include "mailspec/reply.h"
#include "util.h"

/* ---- the shared framer ----------------------------------------------------
 */

void ms_framer_init(struct ms_framer *fr, const struct ms_imp_session *s,
                    struct ms_frames *f, enum ms_protocol proto,
                    bool greeting) {
  memset(fr, 0, sizeof *fr);
  fr->s = s;
  fr->f = f;
  fr->proto = proto;
  /* Framing only: keep little of each line, never give up on size. */
  struct ms_reply_limits lim = {512, (size_t)-1, (size_t)-1};
  fr->rd = ms_reader_new(proto, &lim);
  fr->greeting = greeting;
}

void ms_framer_free(struct ms_framer *fr) {
  ms_reader_free(fr->rd);
  free(fr->exp);
  free(fr->expmulti);
  free(fr->rep);
  memset(fr, 0, sizeof *fr);
}

static const struct ms_imp_dir *fr_dir(const struct ms_framer *fr, int dir) {
  return &fr->s->d[dir];
}

/* A GAP unit for gap I of DIR. */
static void fr_gap_unit(struct ms_framer *fr, int dir, size_t i) {
  const struct ms_imp_gap *g = &fr_dir(fr, dir)->gaps[i];
  struct ms_unit *u = ms_frames_add(fr->f, MS_U_GAP, dir);
  u->off = g->off;
  u->frame = g->frame;
  u->gap_len = g->len;
  u->why = g->why;
  u->complete = true;
}

bool ms_framer_client_gap(struct ms_framer *fr) {
  const struct ms_imp_dir *d = fr_dir(fr, MS_DIR_C2S);
  if (fr->cgap < d->ngaps && d->gaps[fr->cgap].off == fr->cpos) {
    fr_gap_unit(fr, MS_DIR_C2S, fr->cgap++);
    return true;
  }
  return false;
}

size_t ms_framer_client(struct ms_framer *fr, enum ms_unit_kind kind,
                        size_t len, bool complete) {
  const struct ms_imp_dir *d = fr_dir(fr, MS_DIR_C2S);
  struct ms_unit *u = ms_frames_add(fr->f, kind, MS_DIR_C2S);
  u->off = fr->cpos;
  u->len = len;
  u->complete = complete;
  u->frame = ms_imp_dir_frame(d, fr->cpos + len);
  fr->cpos += len;
  return fr->f->n - 1;
}

size_t ms_framer_expect(struct ms_framer *fr, size_t idx, bool multi) {
  xgrow((void **)&fr->exp, &fr->capexp, fr->nexp, sizeof *fr->exp);
  xgrow((void **)&fr->expmulti, &fr->capmulti, fr->nexp, sizeof *fr->expmulti);
  fr->exp[fr->nexp] = idx;
  fr->expmulti[fr->nexp] = multi;
  fr->f->u[idx].expects = true;
  return fr->nexp++;
}

/* The expectation reply number K answers, or -1 (greeting, unsolicited). */
static long fr_answers(const struct ms_framer *fr, size_t k) {
  size_t g = fr->greeting ? 1 : 0;
  if (k < g || k - g >= fr->nexp)
    return -1;
  return (long)(k - g);
}

/* SMTP: where the reply at P[0..N) must end although the reader would
 * go on: a continuation line ("250-") followed by a line of another
 * class ("334 ...") starts a new reply.  RFC 5321 §4.2.1: every line of
 * a reply carries its code, and the first digit is the outcome, which
 * cannot change within a reply; a server that never sent the final
 * line must not pull the next reply into this one and shift every later
 * reply onto the wrong command (suricata-verify smtp-bug-6053).  A line
 * of the same class ("250-" then "251 ") stays in the reply: that is a
 * server mixing codes, which the reader reports.  N when nothing cuts. */
static size_t fr_smtp_cut(const unsigned char *p, size_t n) {
  size_t i = 0;
  char first[4] = "";
  while (i < n) {
    const unsigned char *lf = memchr(p + i, '\n', n - i);
    size_t len = lf ? (size_t)(lf - (p + i)) : n - i;
    char t[5] = {0};
    memcpy(t, p + i, len < 4 ? len : 4);
    if (len >= 4 && t[3] == '\r')
      t[3] = '\0';
    bool code = ms_smtp_reply_line(t);
    if (i > 0 && code && t[0] != first[0])
      return i;
    if (i == 0) {
      if (!code)
        return n;
      memcpy(first, t, 3);
    }
    if (!lf || !(code && t[3] == '-'))
      return n; /* the final line (or an odd one): the reader decides */
    i += len + 1;
  }
  return n;
}

/* Frame the next server reply (or step over a gap).  False at the end. */
static bool fr_next_reply(struct ms_framer *fr) {
  const struct ms_imp_dir *d = fr_dir(fr, MS_DIR_S2C);
  if (fr->server_done)
    return false;
  if (fr->sgap < d->ngaps && d->gaps[fr->sgap].off == fr->spos) {
    fr_gap_unit(fr, MS_DIR_S2C, fr->sgap++);
    return true;
  }
  uint64_t stop = ms_imp_next_gap(d, fr->spos, &fr->sgap);
  if (fr->spos >= stop) {
    fr->server_done = fr->sgap >= d->ngaps;
    return !fr->server_done;
  }
  if (fr->proto == MS_PROTO_SMTP)
    stop = fr->spos + fr_smtp_cut(d->p + fr->spos, (size_t)(stop - fr->spos));
  long e = fr_answers(fr, fr->nrep);
  ms_reader_expect_multiline(fr->rd, e >= 0 && fr->expmulti[e]);
  size_t used = 0;
  enum ms_read_status st = ms_reader_feed(fr->rd, (const char *)d->p + fr->spos,
                                          (size_t)(stop - fr->spos), &used);
  bool complete = st == MS_READ_DONE;
  if (st == MS_READ_MORE) {
    used = (size_t)(stop - fr->spos); /* cut by a gap or the end */
    ms_reader_eof(fr->rd);
  }
  struct ms_reply rep;
  ms_reader_take(fr->rd, &rep);
  struct ms_unit *u = ms_frames_add(fr->f, MS_U_REPLY, MS_DIR_S2C);
  u->off = fr->spos;
  u->len = used;
  u->frame = ms_imp_dir_frame(d, fr->spos + used);
  u->code = rep.code;
  u->multiline = rep.multiline;
  u->complete = complete && !(rep.violations & MS_V_TRUNCATED);
  u->answers = e >= 0 ? (long)fr->exp[e] : -1;
  ms_reply_free(&rep);
  xgrow((void **)&fr->rep, &fr->caprep, fr->nrep, sizeof *fr->rep);
  fr->rep[fr->nrep++] = fr->f->n - 1;
  fr->spos += used;
  return true;
}

long ms_framer_reply(struct ms_framer *fr, size_t e) {
  size_t k = e + (fr->greeting ? 1 : 0);
  while (fr->nrep <= k && fr_next_reply(fr))
    ;
  return fr->nrep > k ? (long)fr->rep[k] : -1;
}

void ms_framer_drain(struct ms_framer *fr) {
  while (fr_next_reply(fr))
    ;
}

/* The rest of DIR from POS is opaque. */
static void fr_rest(struct ms_framer *fr, int dir, uint64_t pos,
                    const char *why) {
  const struct ms_imp_dir *d = fr_dir(fr, dir);
  uint64_t missing = 0;
  for (size_t i = 0; i < d->ngaps; i++)
    if (d->gaps[i].off >= pos)
      missing += d->gaps[i].len;
  if (pos >= d->len && missing == 0)
    return;
  struct ms_unit *u = ms_frames_add(fr->f, MS_U_REST, dir);
  u->off = pos;
  u->len = d->len - pos;
  u->gap_len = missing;
  u->frame = d->len > pos ? ms_imp_dir_frame(d, d->len) : 0;
  u->why = why;
}

void ms_framer_tls(struct ms_framer *fr, long r, uint64_t frame) {
  uint64_t off = fr->spos;
  if (r >= 0) {
    frame = fr->f->u[r].frame;
    off = fr->f->u[r].off + fr->f->u[r].len;
  }
  struct ms_unit *u = ms_frames_add(fr->f, MS_U_TLS, MS_DIR_S2C);
  u->frame = frame;
  u->off = off;
  fr->f->tls = true;
  fr->f->tls_frame = frame;
  fr->server_done = true;
  const char *why = "TLS after STARTTLS";
  fr_rest(fr, MS_DIR_S2C, u->off, why);
  fr_rest(fr, MS_DIR_C2S, fr->cpos, why);
  fr->cpos = fr_dir(fr, MS_DIR_C2S)->len;
  fr->cgap = fr_dir(fr, MS_DIR_C2S)->ngaps;
}

/* ---- secrets, by position ---------------------------------------------- */

/* LEN without the line end of the LEN bytes at P. */
static size_t fr_text_len(const unsigned char *p, size_t len) {
  while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
    len--;
  return len;
}

void ms_framer_command_secret(struct ms_framer *fr, size_t idx) {
  struct ms_unit *u = &fr->f->u[idx];
  const unsigned char *p = fr_dir(fr, MS_DIR_C2S)->p + u->off;
  size_t n = fr_text_len(p, (size_t)u->len), off, len;
  char t[1024];
  size_t k = n < sizeof t - 1 ? n : sizeof t - 1;
  memcpy(t, p, k);
  t[k] = '\0';
  for (size_t i = 0; i < k; i++)
    if (t[i] == '\0')
      t[i] = ' ';
  if (!ms_proto_command_secret(t, k, &off, &len))
    return;
  if (off + len == k) /* to the end of the line, past what T held */
    len = n - off;
  u->red_off = off;
  u->red_len = len;
  fr->f->nsecrets++;
}

void ms_framer_sasl_secret(struct ms_framer *fr, size_t idx) {
  struct ms_unit *u = &fr->f->u[idx];
  const unsigned char *p = fr_dir(fr, MS_DIR_C2S)->p + u->off;
  size_t n = fr_text_len(p, (size_t)u->len);
  if (ms_proto_sasl_empty((const char *)p, n))
    return; /* "*" or "=": nothing in it */
  u->red_off = 0;
  u->red_len = n;
  fr->f->nsecrets++;
}

/* Is the client line at the cursor a command of the protocol? */
static bool fr_next_is_command(struct ms_framer *fr) {
  bool complete;
  size_t n = ms_framer_cline(fr, &complete);
  const unsigned char *p = ms_framer_cbytes(fr);
  n = fr_text_len(p, n);
  if (n == 0)
    return false;
  char t[64];
  size_t k = n < sizeof t - 1 ? n : sizeof t - 1;
  memcpy(t, p, k);
  t[k] = '\0';
  return ms_proto_ops(fr->proto)->known_command(t);
}

bool ms_framer_sasl_next(struct ms_framer *fr, size_t e) {
  long r = ms_framer_reply(fr, e);
  int code = r >= 0 ? fr->f->u[r].code : 0;
  if (code != 0 && ms_proto_sasl_continues(fr->proto, code))
    return true;
  /* A final reply ends the exchange; but where the capture does not say
   * (no reply, none readable) or a line that is no command follows it
   * anyway (a pipelining client whose replies the capture garbles), the
   * line is taken as a SASL response: never written in clear. */
  return !ms_framer_cdone(fr) && !fr_next_is_command(fr);
}

/* ---- STARTTLS ------------------------------------------------------------ */

/* A TLS record header (RFC 8446 §5.1, RFC 5246 §6.2.1): content type 20
 * to 24, then the major version 3. */
static bool fr_tls_record(const unsigned char *p, size_t n) {
  return n >= 2 && p[0] >= 20 && p[0] <= 24 && p[1] == 3;
}

bool ms_framer_tls_follows(struct ms_framer *fr, long r) {
  const struct ms_imp_dir *c = fr_dir(fr, MS_DIR_C2S);
  const struct ms_imp_dir *sv = fr_dir(fr, MS_DIR_S2C);
  if (fr->cpos < c->len) /* the client's next bytes: its ClientHello */
    return fr_tls_record(c->p + fr->cpos, (size_t)(c->len - fr->cpos));
  if (r < 0)
    return false;
  uint64_t end = fr->f->u[r].off + fr->f->u[r].len;
  if (end < sv->len) /* the server's next bytes: its ServerHello */
    return fr_tls_record(sv->p + end, (size_t)(sv->len - end));
  return true; /* nothing follows either way */
}

const unsigned char *ms_framer_cbytes(const struct ms_framer *fr) {
  return fr_dir(fr, MS_DIR_C2S)->p + fr->cpos;
}

size_t ms_framer_cline(struct ms_framer *fr, bool *complete) {
  uint64_t gi = fr->cgap;
  size_t n = ms_imp_line(fr_dir(fr, MS_DIR_C2S), fr->cpos, &gi, complete);
  return n;
}

bool ms_framer_cdone(const struct ms_framer *fr) {
  const struct ms_imp_dir *d = fr_dir(fr, MS_DIR_C2S);
  return fr->cpos >= d->len && fr->cgap >= d->ngaps;
}
