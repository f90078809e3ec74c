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
 * and the builtin server in engine_item.c, TLS and AUTH steps in
 * engine_secure.c.  Secrets (-D env:/file: values, auth: passwords) are
 * scrubbed from every text of the result and the live view. */
#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "engine_int.h"
#include "mailspec/report.h"
#include "rx.h"
#include "util.h"

/* Client bytes queued before a forced write: bounds memory for huge
 * bodies (only very large mail data is split into several writes). */
#define ENG_BATCH_MAX (1u << 20)

static bool eng_stop(const struct ms_eng *e) {
  return ms_net_stopped(e->o->stop);
}

/* ---- the FIFO of command lines awaiting their reply ------------------ */

static void eng_fifo_push(struct ms_eng *e, char *shown, bool multi) {
  if (e->k->fhead > 0 &&
      e->k->fhead == e->k->fn) /* empty: reuse from the start */
    e->k->fhead = e->k->fn = e->k->funsent = 0;
  xgrow((void **)&e->k->fifo, &e->k->fcap, e->k->fn, sizeof *e->k->fifo);
  e->k->fifo[e->k->fn++] = (struct ms_eng_sent){shown, multi, 0, 0, -1};
}

/* The command lines queued since the last write go out together: a
 * pipelined group when there are several. */
static void eng_fifo_written(struct ms_eng *e) {
  size_t n = e->k->fn - e->k->funsent;
  for (size_t i = e->k->funsent; i < e->k->fn; i++)
    e->k->fifo[i].group = n;
  e->k->funsent = e->k->fn;
}

static struct ms_eng_sent eng_fifo_pop(struct ms_eng *e) {
  if (e->k->fhead >= e->k->fn)
    return (struct ms_eng_sent){NULL, false, 0, 0, -1};
  if (e->k->fhead >= e->k->funsent) /* cannot happen: expect() writes first */
    eng_fifo_written(e);
  return e->k->fifo[e->k->fhead++];
}

static void eng_fifo_clear(struct ms_eng *e) {
  for (size_t i = e->k->fhead; i < e->k->fn; i++)
    free(e->k->fifo[i].shown);
  e->k->fhead = e->k->fn = e->k->funsent = 0;
}

char *ms_engine_drop_pending(struct ms_eng *e, size_t *n) {
  struct ms_buf b;
  ms_buf_init(&b, 4096);
  *n = e->k->fn - e->k->fhead;
  for (size_t i = e->k->fhead; i < e->k->fn; i++)
    ms_buf_addf(&b, "%s'%s'", i > e->k->fhead ? ", " : "", e->k->fifo[i].shown);
  eng_fifo_clear(e);
  ms_buf_reset(&e->k->raw_part);
  e->k->bdat_left = 0;
  e->k->in_data = false;
  return ms_buf_steal(&b, NULL);
}

/* ---- results ---------------------------------------------------------- */

struct ms_step_result *ms_engine_step(struct ms_eng *e,
                                      const struct ms_step *st, size_t idx) {
  struct ms_step_result *r = ms_tr_add_step(e->out);
  r->session = e->si;
  r->step = idx;
  r->line = st->line;
  return r;
}

/* A step that could not be judged. */
void ms_engine_error(struct ms_step_result *r, char *reason) {
  r->verdict = MS_ERROR;
  free(r->reason);
  r->reason = reason;
}

/* ---- sending ---------------------------------------------------------- */

double ms_engine_step_timeout(const struct ms_eng *e,
                              const struct ms_step *st) {
  return st->timeout > 0 ? st->timeout : e->timeout;
}

/* Write the batch in one go.  A failure is remembered, not judged: the
 * next expectation finds the server gone and says so. */
void ms_engine_flush(struct ms_eng *e) {
  eng_fifo_written(e);
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
static char *eng_shown(const struct ms_eng *e, const struct ms_step *st,
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
static void eng_command(struct ms_eng *e, char *shown) {
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
  eng_fifo_push(e, shown, ops->multiline(shown));
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
static void eng_end_of_data(struct ms_eng *e) {
  eng_fifo_push(e, xstrdup("."), false);
  e->k->fifo[e->k->fn - 1].rec = ms_engine_rec_end(e);
  e->k->in_data = false;
}

/* Raw mail data: the bytes up to and including the end-of-data line
 * (RFC 5321 §4.1.1.4; a bare LF is no line end, §2.3.8).  Returns how
 * many of LEN belong to the data. */
static size_t eng_track_data(struct ms_eng *e, const char *p, size_t len) {
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
      eng_end_of_data(e);
      return i + 1;
    }
  }
  ms_engine_rec_add(e, p, len);
  return len;
}

/* Raw bytes may hold any number of command lines, a BDAT chunk, or a
 * line that a later raw step ends: each complete line is a command,
 * shown with its control bytes escaped. */
static void eng_track_raw(struct ms_eng *e, const char *p, size_t len) {
  while (len > 0) {
    if (e->k->in_data) {
      size_t k = eng_track_data(e, p, len);
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
    eng_command(e, ms_report_text_safe(e->k->raw_part.p, l - 2));
    ms_buf_reset(&e->k->raw_part);
  }
}

static void eng_track(struct ms_eng *e, const struct ms_step *st,
                      const char *wire, size_t len) {
  switch (st->send) {
  case MS_SEND_LINE:
    if (e->k->bdat_left > 0) /* a chunk written as lines */
      eng_track_raw(e, wire, len);
    else
      eng_command(e, eng_shown(e, st, wire, len));
    break;
  case MS_SEND_RAW:
    eng_track_raw(e, wire, len);
    break;
  case MS_SEND_DATA_LINE:
    e->k->blind = e->k->blind || e->k->data_pending;
    ms_engine_rec_add(e, wire, len);
    /* The end of mail data is answered too (RFC 5321 §4.1.1.4). */
    if (len >= 1 && wire[0] == '.' &&
        (len == 1 || wire[1] == '\r' || wire[1] == '\n'))
      eng_end_of_data(e);
    break;
  case MS_SEND_BODY:
    e->k->blind = e->k->blind || e->k->data_pending;
    ms_engine_rec_add(e, wire, len);
    eng_end_of_data(e);
    break;
  }
}

/* Queue WIRE for the next write. */
static void eng_queue(struct ms_eng *e, const char *wire, size_t len) {
  char err[256];
  if (e->k->batch.len > 0 && e->k->batch.len + len > ENG_BATCH_MAX)
    ms_engine_flush(e);
  if (ms_buf_add(&e->k->batch, wire, len) < 0) { /* one huge step alone */
    ms_engine_flush(e);
    if (e->k->conn.fd >= 0)
      ms_engine_conn_send(&e->k->conn, wire, len, e->timeout, e->o->stop, err,
                          sizeof err);
  }
  e->k->nsent++;
}

/* ---- captured variables (capture:) ----------------------------------- */

static struct ms_var *eng_cap_find(const struct ms_eng *e, const char *name,
                                   size_t n) {
  for (size_t i = 0; i < e->ncaps; i++)
    if (strlen(e->caps[i].name) == n && memcmp(e->caps[i].name, name, n) == 0)
      return &e->caps[i];
  return NULL;
}

/* Every name a capture: of the transcript declares, not yet captured. */
static void eng_caps_declare(struct ms_eng *e) {
  for (size_t si = 0; si < e->t->nsessions; si++) {
    const struct ms_session *s = &e->t->sessions[si];
    for (size_t i = 0; i < s->nsteps; i++) {
      const char *re, *name = NULL;
      while ((name = ms_step_capture_next(&s->steps[i], name, &re)))
        if (!eng_cap_find(e, name, strlen(name))) {
          e->caps = xrealloc(e->caps, (e->ncaps + 1) * sizeof *e->caps);
          e->caps[e->ncaps++] = (struct ms_var){xstrdup(name), NULL};
        }
    }
  }
}

/* The overrides a client line is expanded with: the captured variables
 * (PLACEHOLDER for those not captured, or left out when NULL), then the
 * -D defines.  Caller frees the array (not the strings). */
static struct ms_var *eng_overrides(const struct ms_eng *e, char *placeholder,
                                    size_t *n) {
  struct ms_var *v = xcalloc(e->ncaps + e->novr + 1, sizeof *v);
  size_t k = 0;
  for (size_t i = 0; i < e->ncaps; i++)
    if (e->caps[i].value || placeholder)
      v[k++] = (struct ms_var){
          e->caps[i].name, e->caps[i].value ? e->caps[i].value : placeholder};
  for (size_t i = 0; i < e->novr; i++)
    v[k++] = e->ovr[i];
  *n = k;
  return v;
}

struct eng_unset {
  const struct ms_eng *e;
  const char *name; /* the first captured variable without a value */
};

static void eng_unset_ref(const char *name, size_t n, void *arg) {
  struct eng_unset *u = arg;
  const struct ms_var *v = eng_cap_find(u->e, name, n);
  if (v && !v->value && !u->name)
    u->name = v->name;
}

/* ST's wire bytes, or NULL with a reason (taken by the caller) in *WHY. */
static char *eng_wire(struct ms_eng *e, const struct ms_step *st, size_t *len,
                      char **why) {
  char err[256] = "";
  struct eng_unset u = {e, NULL};
  if (st->text)
    ms_vars_each(st->text, st->len, eng_unset_ref, &u, err, sizeof err);
  if (st->octets && !u.name)
    ms_vars_each(st->octets, strlen(st->octets), eng_unset_ref, &u, err,
                 sizeof err);
  if (u.name) {
    *why = xasprintf("%s:%d: ${%s} has no value: its capture: did not match "
                     "an earlier reply",
                     e->t->path ? e->t->path : "?", st->line, u.name);
    return NULL;
  }
  size_t nv;
  struct ms_var *ovr = eng_overrides(e, NULL, &nv);
  char *wire = NULL;
  if (ms_step_wire(st, e->t->vars, e->t->nvars, ovr, nv, &wire, len, err,
                   sizeof err) != 0)
    *why = xasprintf("%s:%d: %s", e->t->path ? e->t->path : "?", st->line, err);
  else if (st->octets && *len == 0) /* data: {octets: ${empty}} */
    *why = xasprintf("%s:%d: octets: \"%s\" is empty",
                     e->t->path ? e->t->path : "?", st->line, st->octets);
  free(ovr);
  if (*why) {
    free(wire);
    wire = NULL;
  }
  return wire;
}

/* Capture NAME by RE from TEXT; NULL, or why not (caller frees).  A
 * value is stored only if it cannot break a command line it is put in
 * (no CR or LF; the text holds no NUL). */
static char *eng_capture_one(struct ms_eng *e, const char *name, const char *re,
                             const char *text) {
  regex_t rx;
  regmatch_t m[2];
  char why[200];
  if (ms_rx_compile(&rx, re, REG_EXTENDED | REG_NEWLINE, why, sizeof why) != 0)
    return xasprintf("capture: %s: bad regex /%s/: %s", name, re, why);
  int rc = regexec(&rx, text, 2, m, 0);
  regfree(&rx);
  if (rc != 0 || m[1].rm_so < 0)
    return xasprintf("reply text does not match capture: %s: /%s/", name, re);
  size_t n = (size_t)(m[1].rm_eo - m[1].rm_so);
  if (memchr(text + m[1].rm_so, '\n', n) || memchr(text + m[1].rm_so, '\r', n))
    return xasprintf("capture: %s: the text captured by /%s/ spans a line "
                     "end; a value must fit in one command line",
                     name, re);
  struct ms_var *v = eng_cap_find(e, name, strlen(name));
  if (!v)
    return NULL; /* cannot happen: declared at preflight */
  free(v->value);
  v->value = xmemdup(text + m[1].rm_so, n);
  return NULL;
}

/* capture: of EXPECT step ST from reply REP; a regex that does not match
 * fails the step (the value was promised to later steps). */
static void eng_capture(struct ms_eng *e, const struct ms_step *st,
                        const struct ms_reply *rep, struct ms_step_result *r) {
  const char *re, *name = NULL;
  char *text = NULL;
  while ((name = ms_step_capture_next(st, name, &re))) {
    if (!text)
      text = ms_engine_reply_text(rep);
    char *why = eng_capture_one(e, name, re, text);
    if (why && r->verdict == MS_PASS) {
      r->verdict = MS_FAIL;
      free(r->reason);
      r->reason = why;
    } else {
      free(why);
    }
  }
  free(text);
}

/* The regexes of ST with captured variables in them, expanded: a copy of
 * ST in *OUT (its own text_re/not_re, freed by eng_judge_step_free()).
 * False with a reason in *WHY when one has no value. */
static bool eng_judge_step(const struct ms_eng *e, const struct ms_step *st,
                           struct ms_step *out, char **why) {
  char err[256] = "";
  *out = *st;
  out->text_re = out->not_re = out->each_re = NULL;
  if (st->text_re && !(out->text_re = ms_vars_expand_re(
                           st->text_re, e->caps, e->ncaps, err, sizeof err))) {
    *why = xasprintf("%s:%d: text: %s", e->t->path ? e->t->path : "?", st->line,
                     err);
    return false;
  }
  if (st->not_re && !(out->not_re = ms_vars_expand_re(
                          st->not_re, e->caps, e->ncaps, err, sizeof err))) {
    *why = xasprintf("%s:%d: not_text: %s", e->t->path ? e->t->path : "?",
                     st->line, err);
    return false;
  }
  if (st->each_re && !(out->each_re = ms_vars_expand_re(
                           st->each_re, e->caps, e->ncaps, err, sizeof err))) {
    *why = xasprintf("%s:%d: each_line: %s", e->t->path ? e->t->path : "?",
                     st->line, err);
    return false;
  }
  return true;
}

static void eng_judge_step_free(struct ms_step *js) {
  free(js->text_re);
  free(js->not_re);
  free(js->each_re);
}

/* ---- at_most:, at_least: ---------------------------------------------- */

/* A value compared: a decimal number, or NEVER, RFC 2449 §6.7's EXPIRE
 * value that is greater than every number.  False when it is neither. */
static bool eng_cmp_value(const char *s, size_t n, double *out) {
  if (n == 5 && strncasecmp(s, "NEVER", 5) == 0) {
    *out = HUGE_VAL;
    return true;
  }
  if (n == 0 || n > 15 || strspn(s, "0123456789") < n)
    return false;
  *out = 0;
  for (size_t i = 0; i < n; i++)
    *out = *out * 10 + (s[i] - '0');
  return true;
}

/* One NAME: RE of at_most: (MOST) or at_least: against TEXT; NULL or why
 * the step fails (*ERR: it could not be judged). */
static char *eng_cmp_one(const struct ms_eng *e, bool most, const char *name,
                         const char *re, const char *text, bool *err) {
  const char *key = most ? "at_most" : "at_least";
  const struct ms_var *v = eng_cap_find(e, name, strlen(name));
  double bound, got;
  *err = true;
  if (!v || !v->value)
    return xasprintf("%s: ${%s} has no value: no capture: before this step "
                     "gave it one",
                     key, name);
  if (!eng_cmp_value(v->value, strlen(v->value), &bound))
    return xasprintf("%s: ${%s} is '%s', not a number", key, name, v->value);
  *err = false;
  regex_t rx;
  regmatch_t m[2];
  char why[200];
  if (ms_rx_compile(&rx, re, REG_EXTENDED | REG_NEWLINE, why, sizeof why) !=
      0) {
    *err = true;
    return xasprintf("%s: bad regex /%s/: %s", key, re, why);
  }
  int rc = regexec(&rx, text, 2, m, 0);
  regfree(&rx);
  if (rc != 0 || m[1].rm_so < 0)
    return xasprintf("reply text does not match %s: %s: /%s/", key, name, re);
  const char *g = text + m[1].rm_so;
  size_t n = (size_t)(m[1].rm_eo - m[1].rm_so);
  if (!eng_cmp_value(g, n, &got))
    return xasprintf("%s: '%.*s' (/%s/) is not a number", key, (int)n, g, re);
  if (most ? got <= bound : got >= bound)
    return NULL;
  return xasprintf("%.*s is %s than ${%s} (%s)", (int)n, g,
                   most ? "greater" : "smaller", name, v->value);
}

/* at_most:/at_least: of ST against REP, once everything else passed. */
static void eng_compare(const struct ms_eng *e, const struct ms_step *st,
                        const struct ms_reply *rep, struct ms_step_result *r) {
  if (r->verdict != MS_PASS || (!st->at_most && !st->at_least))
    return;
  char *text = ms_engine_reply_text(rep);
  for (int k = 0; k < 2 && r->verdict == MS_PASS; k++) {
    const char *p = k == 0 ? st->at_most : st->at_least;
    for (; p && *p && r->verdict == MS_PASS; p += strlen(p) + 1) {
      const char *re = p + strlen(p) + 1;
      bool err;
      char *why = eng_cmp_one(e, k == 0, p, re, text, &err);
      if (why && err)
        ms_engine_error(r, why);
      else if (why) {
        r->verdict = MS_FAIL;
        free(r->reason);
        r->reason = why;
      }
      p = re;
    }
  }
  free(text);
}

/* Judge REP for ST into R, with captured variables expanded. */
static void eng_judge(struct ms_eng *e, const struct ms_step *st,
                      const struct ms_reply *rep, struct ms_step_result *r) {
  struct ms_step js;
  char *why = NULL;
  bool ok = eng_judge_step(e, st, &js, &why);
  ms_engine_judge(ok ? &js : st, e->t->protocol, rep, r);
  eng_judge_step_free(&js);
  if (!ok)
    ms_engine_error(r, why);
  eng_compare(e, st, rep, r);
}

bool ms_engine_send_step(struct ms_eng *e, const struct ms_step *st,
                         size_t idx) {
  char *wire = NULL, *why = NULL;
  size_t len = 0;
  if (!(wire = eng_wire(e, st, &len, &why))) {
    ms_engine_error(ms_engine_step(e, st, idx), why);
    return false;
  }
  eng_queue(e, wire, len);
  if (st->send == MS_SEND_LINE && e->k->bdat_left == 0) {
    /* The live view shows what the report shows (masked PASS lines). */
    char *shown = eng_shown(e, st, wire, len);
    ms_engine_live_client(&e->live, shown, strlen(shown));
    eng_command(e, shown);
  } else {
    ms_engine_live_client(&e->live, wire, len);
    eng_track(e, st, wire, len);
  }
  free(wire);
  return true;
}

void ms_engine_send_line(struct ms_eng *e, const char *wire, size_t len,
                         char *shown) {
  eng_queue(e, wire, len);
  ms_secrets_scrub_in(&e->secrets, &shown);
  ms_engine_live_client(&e->live, shown, strlen(shown));
  eng_command(e, shown);
}

/* TEXT with ${name} expanded: the values captured so far, -D, vars:. */
char *ms_engine_expand(const struct ms_eng *e, const char *text, char *err,
                       size_t errlen) {
  size_t n, nv;
  struct ms_var *ovr = eng_overrides(e, NULL, &nv);
  char *v = ms_vars_expand(text ? text : "", text ? strlen(text) : 0,
                           e->t->vars, e->t->nvars, ovr, nv, &n, err, errlen);
  free(ovr);
  return v;
}

char *ms_engine_expand_all(const struct ms_eng *e, const char *text, char *err,
                           size_t errlen) {
  size_t nv, n;
  struct ms_var *ovr = eng_overrides(e, NULL, &nv);
  char *r = ms_vars_expand(text, strlen(text), e->t->vars, e->t->nvars, ovr, nv,
                           &n, err, errlen);
  free(ovr);
  return r;
}

char *ms_engine_expand_re(const struct ms_eng *e, const char *re, char *err,
                          size_t errlen) {
  size_t nv;
  struct ms_var *ovr = eng_overrides(e, NULL, &nv);
  struct ms_var *all = xcalloc(nv + e->t->nvars + 1, sizeof *all);
  if (nv) /* memcpy from NULL is undefined even for 0 octets */
    memcpy(all, ovr, nv * sizeof *all);
  if (e->t->nvars)
    memcpy(all + nv, e->t->vars, e->t->nvars * sizeof *all);
  free(ovr);
  char *r = ms_vars_expand_re(re, all, nv + e->t->nvars, err, errlen);
  free(all);
  return r;
}

/* ---- connecting ------------------------------------------------------- */

bool ms_engine_connect(struct ms_eng *e, const struct ms_step *at, size_t idx) {
  char err[256] = "";
  if (ms_engine_conn_open(&e->k->conn, e->t->protocol, e->host, e->port,
                          e->timeout, e->o->stop, err, sizeof err) == 0) {
    e->k->sent_at = ms_now();
    e->k->nsent = e->k->nreplies = 0;
    e->k->last_code = 0;
    free(e->k->greeting);
    e->k->greeting = NULL;
    e->k->send_err[0] = '\0';
    return !e->implicit_tls || ms_engine_secure_implicit(e, at, idx);
  }
  if (eng_stop(e)) {
    e->stopped = true;
    return false;
  }
  /* Nothing of this transcript can be judged without the server. */
  struct ms_step_result *r = ms_engine_step(e, at, idx);
  ms_engine_error(r,
                  xasprintf("cannot connect to %s: %s", e->out->target, err));
  ms_engine_live_note(&e->live, "cannot connect to %s: %s", e->out->target,
                      err);
  e->fatal = true;
  return false;
}

void ms_engine_disconnect(struct ms_eng *e) {
  if (e->k->conn.tls)
    ms_engine_live_note(&e->live, "TLS closed");
  ms_engine_conn_close(&e->k->conn);
  eng_fifo_clear(e);
  ms_buf_reset(&e->k->batch);
  ms_buf_reset(&e->k->raw_part);
  e->k->bdat_left = 0;
  e->k->in_data = false;
  e->k->data_pending = e->k->blind = false;
  e->k->utf8_mail = false;
  e->k->rec = -1; /* a message cut short stays as far as it went */
  ms_engine_pop3_reset(&e->k->pop3); /* its checks hold within one session */
}

/* ---- expectations ----------------------------------------------------- */

/* More replies than the GROUP commands of a pipelined group (RFC 2920
 * §3.2: one reply per command, in order): the session is out of step. */
static void eng_extra_replies(struct ms_eng *e, const struct ms_step *st,
                              struct ms_step_result *r, size_t group,
                              const char *detail) {
  char *what = xasprintf("the server sent more replies than the %zu commands "
                         "of the pipelined group (RFC 2920 §3.2): %s",
                         group, detail);
  ms_step_add_finding(r, MS_V_TRAILING, what);
  if (r->verdict == MS_PASS) {
    r->verdict = MS_FAIL;
    free(r->reason);
    r->reason = xstrdup(what);
  }
  ms_engine_diverge(e, st, what, false);
}

/* Bytes after a final line when no reply is owed are a finding: the
 * server said them of its own accord.  Not when lines mailspec sent are
 * still unanswered (the transcript reads their replies later), nor after
 * mail data that went out before DATA's reply (the server may be
 * answering it as commands), nor between the replies of a declared
 * pipelining batch.  They are dropped, in whole lines, so that the next
 * command is judged on its own reply; after a pipelined group the
 * session stops there (issue 12). */
static void eng_trailing(struct ms_eng *e, const struct ms_step *st,
                         const struct ms_step *next,
                         const struct ms_eng_sent *sent,
                         struct ms_step_result *r) {
  /* Before a handshake, the TLS step itself names them (RFC 3207 §4.2). */
  bool group = sent->group > 1;
  if ((e->t->pipelining && !group) || e->k->fhead < e->k->fn || e->k->blind ||
      (next && (next->kind == MS_STEP_EXPECT || next->kind == MS_STEP_CLOSE ||
                next->kind == MS_STEP_TLS)))
    return;
  char peek[48];
  size_t n = ms_engine_conn_unsolicited(&e->k->conn, peek, sizeof peek);
  if (n == 0)
    return;
  size_t k = n < sizeof peek ? n : sizeof peek;
  char *safe = ms_report_text_safe(peek, k);
  size_t lines = ms_engine_conn_discard(&e->k->conn);
  char *detail = xasprintf("'%s%s' (%zu line%s dropped)", safe,
                           n > k ? "..." : "", lines, lines == 1 ? "" : "s");
  if (group)
    eng_extra_replies(e, st, r, sent->group, detail);
  else
    ms_engine_flag(r, MS_V_TRAILING, detail);
  ms_engine_live_note(&e->live, "unsolicited bytes after the reply: %s",
                      detail);
  free(detail);
  free(safe);
}

static void eng_greeting(struct ms_eng *e, const struct ms_reply *rep) {
  if (rep->nlines == 0)
    return;
  struct ms_reply first = *rep;
  first.nlines = 1;
  if (e->k->nreplies == 1 && !e->k->greeting) /* this session's, for APOP */
    e->k->greeting = ms_reply_join(&first);
  if (!e->out->greeting)
    e->out->greeting = ms_reply_join(&first);
}

/* The reason for a reply that did not come in time. */
static char *eng_timeout_reason(const struct ms_eng *e, const char *sent,
                                double tmo, bool by_deadline) {
  char *base;
  if (by_deadline)
    base = xasprintf("transcript deadline of %g s reached waiting for %s%s%s",
                     e->deadline_s, sent ? "the reply to '" : "a reply",
                     sent ? sent : "", sent ? "'" : "");
  else if (e->k->nreplies == 0 && !e->implicit_tls)
    /* A TLS server waits for the ClientHello: silence is its sign. */
    base = xasprintf("no greeting within %g s (if the server expects TLS "
                     "from the first byte, use %s://HOST:PORT or tls: "
                     "implicit)",
                     tmo, ms_proto_ops(e->t->protocol)->tls_scheme);
  else if (e->k->nreplies == 0)
    base = xasprintf("no greeting within %g s", tmo);
  else if (sent)
    base = xasprintf("no reply within %g s to '%s'", tmo, sent);
  else
    base = xasprintf("no reply within %g s", tmo);
  if (!e->k->send_err[0])
    return base;
  char *r = xasprintf("%s (sending failed: %s)", base, e->k->send_err);
  free(base);
  return r;
}

/* POP3 facts that span replies (LIST's sizes against RETR's octets,
 * RFC 1939 §11): a finding that fails the step, as strict reading does. */
static void eng_pop3_check(struct ms_eng *e, const char *sent,
                           const struct ms_reply *rep,
                           struct ms_step_result *r) {
  char *what = ms_engine_pop3_check(&e->k->pop3, sent, rep);
  if (!what)
    return;
  ms_step_add_finding(r, 0, what);
  if (r->verdict == MS_PASS) {
    r->verdict = MS_FAIL;
    free(r->reason);
    r->reason = what;
  } else {
    free(what);
  }
}

/* A reply matched skip_on: the transcript is a SKIP (unless a step
 * failed), and it stops here: no later step or session runs.  Returns
 * false. */
static bool eng_skip(struct ms_eng *e, const struct ms_step_result *r) {
  if (!e->skip)
    e->skip = xstrdup(r->reason ? r->reason : "skip_on");
  e->skip_rest = true;
  return false;
}

bool ms_engine_expect(struct ms_eng *e, const struct ms_step *st, size_t idx,
                      const struct ms_step *next, struct ms_reply *keep) {
  if (keep)
    memset(keep, 0, sizeof *keep);
  ms_engine_flush(e);
  /* The greeting answers no command, even from an early talker. */
  struct ms_eng_sent sent = {NULL, false, 0, 0, -1};
  bool greeting = e->k->nreplies == 0;
  if (!greeting)
    sent = eng_fifo_pop(e);
  const struct ms_proto_ops *ops = ms_proto_ops(e->t->protocol);
  bool data_reply = sent.shown && ops->is_data && ops->is_data(sent.shown);
  if (data_reply)
    e->k->data_pending = false; /* DATA's reply is here */
  struct ms_step_result *r = ms_engine_step(e, st, idx);
  r->sent = sent.shown;
  r->expected = ms_engine_expected_text(st);
  if (e->stopped) {
    r->verdict = MS_NOTRUN;
    r->reason = xstrdup("interrupted");
    return false;
  }
  if (e->k->conn.fd < 0) {
    ms_engine_error(r, xstrdup("no connection: the transcript closed it "
                               "(<close connection>) before this reply"));
    return false;
  }
  /* POP3: the command says (RFC 1939 §3); SMTP replies say themselves. */
  ms_reader_expect_multiline(e->k->conn.rd, st->multiline || sent.multi);
  double tmo = ms_engine_step_timeout(e, st), end = ms_now() + tmo;
  bool by_deadline = e->deadline > 0 && e->deadline < end;
  if (by_deadline)
    end = e->deadline;
  struct ms_reply rep;
  char err[160] = "";
  int n =
      ms_engine_conn_read(&e->k->conn, end, e->o->stop, &rep, err, sizeof err);
  r->elapsed_ms = (ms_now() - e->k->sent_at) * 1000.0;
  if (n == 1) {
    e->k->nreplies++;
    e->k->last_code = rep.code;
    if (data_reply && rep.code / 100 != 3)
      e->k->in_data = false; /* refused: what follows is no mail data */
    if (ops->utf8_replies)
      ms_engine_utf8_reply(sent.utf8, &rep);
    if (sent.rec >= 0)
      ms_engine_rec_reply(e, sent.rec, rep.code, st->line);
    eng_judge(e, st, &rep, r);
    if (e->t->protocol == MS_PROTO_POP3) /* its ledger, RFC 1939 §11 */
      eng_pop3_check(e, sent.shown, &rep, r);
    eng_capture(e, st, &rep, r);
    eng_greeting(e, &rep);
    ms_engine_live_server(&e->live, &rep, r->verdict);
    if (r->verdict != MS_PASS && !e->quiet)
      ms_engine_live_note(&e->live, "%s: %s", ms_verdict_name(r->verdict),
                          r->reason ? r->reason : "");
    bool go_on = !e->k->conn.broken;
    if (go_on && r->verdict == MS_SKIP) /* skip_on: the rest does not apply */
      go_on = eng_skip(e, r);
    else if (go_on && !e->in_auth) /* an auth: step judges its own replies */
      go_on = ms_engine_gate(e, st, next, &sent, rep.code, greeting);
    if (go_on && r->verdict != MS_SKIP) {
      eng_trailing(e, st, next, &sent, r);
      go_on = !e->diverged;
    } else if (e->k->conn.broken) {
      ms_engine_live_note(&e->live, "reply too big: stopped reading");
    }
    if (keep)
      *keep = rep;
    else
      ms_reply_free(&rep);
    return go_on;
  }
  e->k->last_code = 0;
  if (n == 0) {
    char pat[MS_PAT_MAX * 5 + 8];
    ms_pattern_format(&st->pat, pat, sizeof pat);
    char *detail = xasprintf("expected %s%s%s", pat,
                             e->k->conn.why[0] ? "; " : "", e->k->conn.why);
    ms_engine_flag(r, MS_V_EARLY_CLOSE, detail);
    ms_engine_live_note(&e->live, "the server closed the connection");
    free(detail);
  } else if (n == MS_NET_TIMEOUT) {
    ms_engine_error(r, eng_timeout_reason(e, sent.shown, tmo, by_deadline));
    ms_engine_live_note(&e->live, "%s", r->reason);
  } else if (n == MS_NET_STOP) {
    e->stopped = true;
    r->verdict = MS_NOTRUN;
    r->reason = xstrdup("interrupted");
  } else {
    ms_engine_error(r, xasprintf("receive failed: %s", err));
  }
  return false;
}

/* expect: close.  The server must close the connection now (e.g. after
 * QUIT, RFC 5321 §4.1.1.10): PASS at EOF, FAIL if it sends more or does
 * not close within the timeout. */
void ms_engine_close_step(struct ms_eng *e, const struct ms_step *st,
                          size_t idx) {
  ms_engine_flush(e);
  struct ms_eng_sent sent = eng_fifo_pop(e);
  struct ms_step_result *r = ms_engine_step(e, st, idx);
  r->sent = sent.shown;
  r->expected = xstrdup(st->nlines ? st->lines[0] : "<close connection>");
  if (e->k->conn.fd < 0) {
    ms_engine_error(r,
                    xstrdup("no connection: the transcript closed it first"));
    return;
  }
  double tmo = ms_engine_step_timeout(e, st), t0 = ms_now();
  char buf[256];
  size_t n = ms_engine_conn_unsolicited(&e->k->conn, buf, sizeof buf);
  if (n == 0 && !e->k->conn.eof) {
    double left = tmo;
    if (e->deadline > 0 && e->deadline - t0 < left)
      left = e->deadline - t0;
    ssize_t k =
        ms_engine_conn_recv(&e->k->conn, buf, sizeof buf, left > 0 ? left : 0,
                            e->o->stop, e->k->conn.why, sizeof e->k->conn.why);
    if (k == 0)
      e->k->conn.eof = true;
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
                            "within %g s",
                            tmo);
      ms_engine_live_note(&e->live, "%s", r->reason);
      return;
    }
  }
  r->elapsed_ms = (ms_now() - e->k->sent_at) * 1000.0;
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

/* The user and password of an auth:/apop: step must expand; the
 * password becomes a secret from here on (the live view included). */
static char *eng_preflight_auth(struct ms_eng *e, const struct ms_step *st) {
  const char *f[] = {st->user, st->pass, st->authzid};
  for (size_t k = 0; k < 3; k++) {
    char err[256] = "";
    if (!f[k])
      continue;
    char *v = ms_engine_expand(e, f[k], err, sizeof err);
    if (!v)
      return xasprintf("%s:%d: %s", e->t->path ? e->t->path : "?", st->line,
                       err);
    if (f[k] == st->pass)
      ms_secrets_add(&e->secrets, v);
    free(v);
  }
  return NULL;
}

/* Everything that can be checked before the first packet: a transcript
 * that cannot be replayed as written is an ERROR without traffic. */
static bool eng_preflight(struct ms_eng *e) {
  const struct ms_transcript *t = e->t;
  static char none[1]; /* "": a capture's value is not known yet */
  eng_caps_declare(e);
  size_t nv;
  struct ms_var *ovr = eng_overrides(e, none, &nv);
  bool ok = true;
  for (size_t si = 0; si < t->nsessions && ok; si++) {
    const struct ms_session *s = &t->sessions[si];
    for (size_t i = 0; i < s->nsteps; i++) {
      const struct ms_step *st = &s->steps[i];
      char err[256] = "";
      char *reason = NULL;
      if (st->kind == MS_STEP_SEND) {
        char *wire = NULL;
        size_t len;
        /* data: {octets:} may name a capture: its number is only known
         * at run time; here its variables must expand. */
        struct ms_step head = *st;
        head.octets = NULL;
        char *oct = st->octets ? ms_vars_expand(st->octets, strlen(st->octets),
                                                t->vars, t->nvars, ovr, nv,
                                                &len, err, sizeof err)
                               : NULL;
        if (st->octets && !oct)
          reason =
              xasprintf("%s:%d: %s", t->path ? t->path : "?", st->line, err);
        free(oct);
        if (!reason && ms_step_wire(&head, t->vars, t->nvars, ovr, nv, &wire,
                                    &len, err, sizeof err) != 0)
          reason =
              xasprintf("%s:%d: %s", t->path ? t->path : "?", st->line, err);
        free(wire);
      } else if (st->kind == MS_STEP_AUTH || st->kind == MS_STEP_APOP) {
        reason = eng_preflight_auth(e, st);
      }
      if (reason) {
        e->si = si;
        ms_engine_error(ms_engine_step(e, st, i), reason);
        ok = false;
        break;
      }
    }
  }
  free(ovr);
  return ok;
}

/* A FAIL counts at the level of what failed: when every failing step
 * failed only by a finding whose clause is weaker than the transcript's
 * level (a long SMTP reply line: SHOULD), the transcript counts at that
 * level (run --strict, reports). */
static void eng_fail_level(struct ms_transcript_result *out) {
  if (out->verdict != MS_FAIL || out->level == MS_LEVEL_SHOULD ||
      out->level == MS_LEVEL_MAY)
    return;
  enum ms_level worst = MS_LEVEL_NONE;
  for (size_t i = 0; i < out->nsteps; i++) {
    enum ms_level l = ms_engine_fail_level(&out->steps[i], out->protocol);
    if (l == MS_LEVEL_MUST)
      return;
    if (l != MS_LEVEL_NONE)
      worst = l;
  }
  if (worst != MS_LEVEL_NONE)
    out->level = worst;
}

/* The verdict of the transcript from its steps; its reason is the first
 * problem of that kind. */
static void eng_verdict(struct ms_eng *e) {
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
  else if (v == MS_PASS && e->skip)
    v = MS_SKIP;
  out->verdict = v;
  eng_fail_level(out);
  free(out->reason);
  out->reason = NULL;
  if (v == MS_NOTRUN) {
    out->reason = xstrdup("interrupted");
    return;
  }
  if (v == MS_SKIP) {
    out->reason = xstrdup(e->skip);
    return;
  }
  for (size_t i = 0; i < out->nsteps && v != MS_PASS; i++)
    if (out->steps[i].verdict == v && out->steps[i].reason) {
      out->reason = xstrdup(out->steps[i].reason);
      return;
    }
}

static void eng_init(struct ms_eng *e, const struct ms_engine_opts *o,
                     const struct ms_transcript *t, const char *host,
                     const char *port, struct ms_transcript_result *out) {
  memset(e, 0, sizeof *e);
  e->o = o;
  e->t = t;
  e->out = out;
  e->host = host;
  e->port = port;
  e->timeout = t->timeout > 0 ? t->timeout : (o->timeout > 0 ? o->timeout : 30);
  e->deadline_s = t->deadline > 0 ? t->deadline : o->deadline;
  e->live = (struct ms_live){o->live,     o->color,
                             t->protocol, o->jobs > 1 ? t->id : NULL,
                             &e->secrets, t->convention};
  ms_engine_links_init(e);
  char nonce[48];
  ms_engine_nonce(nonce, sizeof nonce);
  e->caps = xcalloc(1, sizeof *e->caps);
  e->caps[e->ncaps++] = (struct ms_var){xstrdup("nonce"), xstrdup(nonce)};
  if (o->ndefines > 0) {
    e->masked = xcalloc(o->ndefines, sizeof *e->masked);
    for (size_t i = 0; i < o->ndefines; i++) {
      e->masked[i].name = o->defines[i].name;
      e->masked[i].value = (char *)(uintptr_t)MS_SECRET_SHOWN;
    }
  }
}

/* Secrets out of every text of the result (a server may echo one). */
static void eng_scrub(struct ms_eng *e) {
  struct ms_transcript_result *out = e->out;
  if (e->secrets.n == 0)
    return;
  ms_secrets_scrub_in(&e->secrets, &out->reason);
  ms_secrets_scrub_in(&e->secrets, &out->greeting);
  for (size_t i = 0; i < out->nsteps; i++) {
    struct ms_step_result *r = &out->steps[i];
    ms_secrets_scrub_in(&e->secrets, &r->sent);
    ms_secrets_scrub_in(&e->secrets, &r->got);
    ms_secrets_scrub_in(&e->secrets, &r->reason);
    ms_secrets_scrub_in(&e->secrets, &r->expected);
    for (size_t k = 0; k < r->nfindings; k++)
      ms_secrets_scrub_in(&e->secrets, &r->findings[k].what);
  }
  for (size_t i = 0; i < out->ndiverged; i++)
    ms_secrets_scrub_in(&e->secrets, &out->diverged[i].what);
}

static void eng_fini(struct ms_eng *e) {
  ms_engine_links_free(e);
  ms_engine_recs_free(e);
  eng_scrub(e);
  ms_secrets_free(&e->secrets);
  free(e->skip);
  free(e->diverged);
  ms_tls_ctx_free(e->tls_own);
  free(e->masked);
  for (size_t i = 0; i < e->ncaps; i++) {
    free(e->caps[i].name);
    free(e->caps[i].value);
  }
  free(e->caps);
}

/* Values read with env:/file: are secrets wherever they appear. */
static void eng_secrets(struct ms_eng *e) {
  for (size_t i = 0; i < e->o->nsecrets; i++)
    ms_secrets_add(&e->secrets, e->o->secrets[i]);
}

/* A transcript the target cannot run: another protocol than the URL's,
 * or STARTTLS on an implicit-TLS port.  The reason, or NULL. */
static char *eng_target_skip(const struct ms_eng *e) {
  const struct ms_target *g = &e->o->target;
  const struct ms_transcript *t = e->t;
  if (g->builtin || strcmp(e->out->target, "builtin") == 0)
    return t->uses_mailbox && !e->pop3_host
               ? xstrdup("the reference server started without its POP3 "
                         "side")
               : NULL;
  if (g->has_proto && g->proto != t->protocol)
    return xasprintf("the target is %s server (%s://); this transcript is "
                     "%s",
                     ms_proto_ops(g->proto)->a_name,
                     g->tls ? ms_proto_ops(g->proto)->tls_scheme
                            : ms_proto_ops(g->proto)->scheme,
                     ms_proto_ops(t->protocol)->name);
  if (g->tls && t->uses_tls)
    return xstrdup("the target speaks TLS from the first byte; this "
                   "transcript negotiates STARTTLS (give the plaintext "
                   "port)");
  if (t->uses_mailbox && !e->pop3_host)
    return xstrdup("this transcript reads what was delivered back over "
                   "POP3: give the mailbox side with --pop3 "
                   "pop3://HOST:PORT (and -D user=... -D pass=...)");
  return NULL;
}

/* needs: a variable the run left empty (-D NAME=) says the server lacks
 * what the test presupposes: the reason, or NULL. */
static char *eng_needs_skip(const struct ms_eng *e) {
  for (size_t i = 0; i < e->t->nneeds; i++) {
    char ref[160], err[256];
    snprintf(ref, sizeof ref, "${%s}", e->t->needs[i].name);
    char *v = ms_engine_expand(e, ref, err, sizeof err);
    bool empty = v && !*v;
    free(v);
    if (empty)
      return xasprintf("${%s} is empty: %s", e->t->needs[i].name,
                       e->t->needs[i].value);
  }
  return NULL;
}

/* The requires: probe and the SKIPs; true when the dialogue may run. */
static bool eng_gate(struct ms_eng *e, const struct ms_probe *probe) {
  struct ms_transcript_result *out = e->out;
  char *skip = eng_target_skip(e);
  if (!skip)
    skip = eng_needs_skip(e);
  struct ms_probe own = {0};
  if (!skip && e->t->nrequires > 0 && !probe) {
    char err[256] = "";
    struct ms_tls_ctx *x = e->implicit_tls || e->t->uses_tls
                               ? ms_engine_secure_ctx(e, err, sizeof err)
                               : NULL;
    ms_engine_probe_tls(e->o, e->t->protocol, e->host, e->port, e->implicit_tls,
                        x, &own);
    probe = &own;
  }
  bool run = false;
  if (skip) {
    out->verdict = MS_SKIP;
    out->reason = skip;
  } else if (probe && probe->error) {
    out->verdict = eng_stop(e) ? MS_NOTRUN : MS_ERROR;
    out->reason = xstrdup(probe->error);
  } else if (probe && (skip = ms_engine_requires_unmet(e->t, probe)) != NULL) {
    out->verdict = MS_SKIP;
    out->reason = skip;
  } else {
    run = true;
  }
  if (out->verdict == MS_SKIP)
    ms_engine_live_note(&e->live, "SKIP: %s", out->reason);
  ms_engine_probe_free(&own);
  return run;
}

void ms_engine_run_env(const struct ms_engine_opts *o,
                       const struct ms_transcript *t, const char *host,
                       const char *port, const struct ms_engine_env *env,
                       struct ms_transcript_result *out) {
  double t0 = ms_now();
  if (!out->target)
    out->target = strchr(host, ':') ? xasprintf("[%s]:%s", host, port)
                                    : xasprintf("%s:%s", host, port);
  if (out->started == 0)
    out->started = ms_wallclock();
  struct ms_eng *e = xmalloc(sizeof *e);
  eng_init(e, o, t, host, port, out);
  e->ovr = env->ovr;
  e->novr = env->novr;
  e->ca_pem = env->ca_pem;
  e->pop3_host = env->pop3_host;
  e->pop3_port = env->pop3_port;
  e->pop3_tls = !o->target.builtin && o->pop3.tls;
  e->implicit_tls = t->tls_implicit || (o->target.tls && !o->target.builtin);
  eng_secrets(e);
  if (e->deadline_s > 0)
    e->deadline = t0 + e->deadline_s;
  char *where = strcmp(out->target, "builtin") == 0
                    ? xasprintf("builtin on %s:%s", host, port)
                    : xstrdup(out->target);
  ms_engine_live_note(&e->live, "%s%s%s (%s%s)", t->id ? t->id : t->path,
                      t->title ? ": " : "", t->title ? t->title : "", where,
                      e->implicit_tls ? ", implicit TLS" : "");
  free(where);
  for (size_t i = 0; t->nsessions > 1 && i < t->nsessions; i++)
    ms_tr_add_session(out, t->sessions[i].name, t->sessions[i].conn,
                      t->sessions[i].line);
  if (eng_gate(e, env->probe)) {
    if (eng_preflight(e))
      for (size_t si = 0;
           si < t->nsessions && !e->stopped && !e->fatal && !e->skip_rest; si++)
        ms_engine_session(e, si);
    eng_verdict(e);
  }
  eng_fini(e);
  free(e);
  out->elapsed_ms = (ms_now() - t0) * 1000.0;
}

void ms_engine_run_loaded(const struct ms_engine_opts *o,
                          const struct ms_transcript *t, const char *host,
                          const char *port, const struct ms_var *ovr,
                          size_t novr, const struct ms_probe *probe,
                          struct ms_transcript_result *out) {
  const struct ms_target *p = &o->pop3;
  struct ms_engine_env env = {ovr, novr, probe, NULL, p->host, p->port};
  ms_engine_run_env(o, t, host, port, &env, out);
}

void ms_engine_opts_init(struct ms_engine_opts *o) {
  memset(o, 0, sizeof *o);
  o->jobs = 1;
  o->timeout = 30;
}
