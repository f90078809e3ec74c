/* engine_gate: after a divergence, stop judging instead of guessing
 * (issue 12).
 *
 * Some replies gate what the client sends next: the greeting, the
 * replies to DATA (RFC 5321 §4.1.1.4: mail data only after 354), BDAT
 * (RFC 3030 §2), STARTTLS (RFC 3207 §4) / STLS (RFC 2595 §4), every
 * reply during AUTH (RFC 4954 §4, RFC 5034 §4: a response only after a
 * 334 / "+"), and any expected 3xx or POP3 "+".  When such a reply does
 * not come as expected, the server is in another state than the
 * transcript assumes: what depended on the reply (mail data, a SASL
 * response, plaintext after a refused STARTTLS) is not sent, and the
 * rest of the session is not judged.  A pipelined group (several
 * commands in one write) is judged up to its first reply that does not
 * match, then the same: the replies after it cannot be matched to their
 * commands any more (RFC 2920 §3.2 only promises the order).
 *
 * What matters is the state the reply leaves the server in: positive
 * (2xx, +OK), intermediate (3xx, "+") or negative (4xx, 5xx, -ERR).  A
 * reply of another code but a class the transcript expects (503 where
 * 554 was written: both refuse DATA) is an ordinary FAIL, and the
 * session goes on in step.
 *
 * A reply the transcript allows (an alternative of its pattern) passes;
 * when what follows needs another one (mail data needs 354, a handshake
 * 220 / +OK, a SASL line 334 / "+"), the session ends there as allowed:
 * those steps do not apply (a SKIP unless something failed, as for a
 * refused STARTTLS). */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "util.h"

/* The verb of SHOWN, the command line as shown in reports. */
static bool gate_verb(const char *shown, const char *verb) {
  size_t n = strlen(verb);
  return shown && strncasecmp(shown, verb, n) == 0 &&
         (shown[n] == '\0' || shown[n] == ' ');
}

/* Does the reply to command SHOWN gate what follows? */
static bool gate_command(const struct ms_proto_ops *ops, const char *shown) {
  if (!shown)
    return false;
  size_t n;
  bool last;
  return (ops->is_data && ops->is_data(shown)) ||
         (ops->is_bdat && ops->is_bdat(shown, &n, &last)) ||
         gate_verb(shown, ops->starttls) || gate_verb(shown, ops->auth);
}

/* Does pattern P accept an intermediate reply (3xx, "+")? */
static bool gate_pattern(const struct ms_proto_ops *ops,
                         const struct ms_pattern *p) {
  for (int i = 0; i < p->n; i++)
    if (ops->pattern_class(p->alt[i]) == MS_RC_INTER)
      return true;
  return false;
}

/* What NEXT needs of the reply before it, as shown ("354", "220"), or
 * NULL when it needs nothing in particular.  *WHAT names NEXT. */
static const char *gate_need(const struct ms_eng *e, const struct ms_step *st,
                             const struct ms_step *next,
                             const struct ms_eng_sent *sent,
                             const char **what) {
  const struct ms_proto_ops *ops = ms_proto_ops(e->t->protocol);
  if (!next)
    return NULL;
  if (next->kind == MS_STEP_TLS) {
    *what = "TLS handshake";
    return ops->ready_pat;
  }
  if (next->kind != MS_STEP_SEND)
    return NULL;
  /* SMTP: the lines after a 3xx are written as data lines. */
  if (ops->raw_after_inter &&
      (next->send == MS_SEND_DATA_LINE || next->send == MS_SEND_BODY)) {
    bool data = sent->shown && ops->is_data && ops->is_data(sent->shown);
    *what = data ? "mail data" : "client line";
    return data ? "354" : "3xx";
  }
  /* POP3: the line after a "+" is written as a command. */
  if (!ops->raw_after_inter && gate_pattern(ops, &st->pat)) {
    *what = "client line";
    return ops->sasl_cont_pat;
  }
  return NULL;
}

/* Does CODE give NEXT what it needs (see gate_need)? */
static bool gate_met(const struct ms_eng *e, const struct ms_step *next,
                     int code) {
  unsigned got = ms_engine_gate_class(e->t->protocol, code);
  return got == (next->kind == MS_STEP_TLS ? MS_RC_POS : MS_RC_INTER);
}

void ms_engine_diverge(struct ms_eng *e, const struct ms_step *st, char *why,
                       bool allowed) {
  if (e->diverged) { /* the first reason stands */
    free(why);
    return;
  }
  e->diverged =
      xasprintf("%s:%d: %s", e->t->path ? e->t->path : "?", st->line, why);
  e->diverge_allowed = allowed;
  free(why);
}

/* The reply with CODE matched ST, but NEXT needs another one: the
 * session ends as the transcript allows. */
static void gate_allowed(struct ms_eng *e, const struct ms_step *st,
                         const struct ms_eng_sent *sent, int code,
                         const char *need, const char *what) {
  char c[16];
  const char *got = ms_engine_code_text(e->t->protocol, code, c, sizeof c);
  const char *to = sent->shown ? sent->shown : "the greeting";
  if (!e->skip)
    e->skip = xasprintf("the server answered %s to %s (allowed): the steps "
                        "that need %s do not apply",
                        got, to, need);
  ms_engine_diverge(e, st,
                    xasprintf("%s to %s (allowed), but the %s after it needs "
                              "%s",
                              got, to, what, need),
                    true);
  ms_engine_live_note(&e->live, "%s: the rest of this session does not apply",
                      e->diverged);
}

/* Does the reply to ST gate what follows (see the top of this file)? */
static bool gate_is(const struct ms_eng *e, const struct ms_step *st,
                    const struct ms_eng_sent *sent, const char *need,
                    bool greeting) {
  const struct ms_proto_ops *ops = ms_proto_ops(e->t->protocol);
  return greeting || need || gate_command(ops, sent->shown) ||
         gate_pattern(ops, &st->pat);
}

/* The class of a reply at a gate: what state the server is in after it
 * (enum ms_reply_class).  Positive: greeted, TLS begins, authenticated,
 * chunk taken; intermediate: mail data or a SASL response is due;
 * negative: nothing changed.  No readable code: none. */
unsigned ms_engine_gate_class(enum ms_protocol proto, int code) {
  return ms_proto_ops(proto)->reply_class(code);
}

unsigned ms_engine_gate_classes(enum ms_protocol proto,
                                const struct ms_pattern *p) {
  unsigned c = 0;
  for (int i = 0; i < p->n; i++)
    c |= ms_proto_ops(proto)->pattern_class(p->alt[i]);
  return c;
}

bool ms_engine_gate(struct ms_eng *e, const struct ms_step *st,
                    const struct ms_step *next, const struct ms_eng_sent *sent,
                    int code, bool greeting) {
  enum ms_protocol proto = e->t->protocol;
  const char *what = NULL;
  const char *need = gate_need(e, st, next, sent, &what);
  if (code != 0 && ms_pattern_match(&st->pat, code)) {
    if (need && !gate_met(e, next, code)) {
      gate_allowed(e, st, sent, code, need, what);
      return false;
    }
    return true;
  }
  char pat[MS_PAT_MAX * 5 + 8], c[16];
  ms_pattern_format(&st->pat, pat, sizeof pat);
  char *why = xasprintf("expected %s, got %s", pat,
                        ms_engine_code_text(proto, code, c, sizeof c));
  /* At a gate, another code of a class the transcript expects (554 for
   * 503: both refuse DATA) leaves the server where the transcript
   * thinks it is: an ordinary FAIL.  Another class does not. */
  unsigned got = ms_engine_gate_class(proto, code);
  unsigned want = ms_engine_gate_classes(proto, &st->pat);
  /* An intermediate reply nobody expected (354 to "DATA mailspec", a
   * "+" in POP3) leaves the server waiting for data or a continuation,
   * whatever the command: the next command would be read as that. */
  if ((gate_is(e, st, sent, need, greeting) && !(got & want)) ||
      (got == MS_RC_INTER && !(want & MS_RC_INTER))) {
    ms_engine_diverge(e, st, why, false);
  } else if (sent->group > 1) {
    ms_engine_diverge(e, st,
                      xasprintf("%s inside a pipelined group of %zu commands: "
                                "the replies after it cannot be matched to "
                                "their commands",
                                why, sent->group),
                      false);
    free(why);
  } else {
    free(why);
    return true;
  }
  ms_engine_live_note(&e->live,
                      "diverged at %s: the rest of this session is "
                      "not judged",
                      e->diverged);
  return false;
}

/* Can step K of a session yield a step result (an expectation)? */
static bool gate_judged(const struct ms_step *st) {
  switch (st->kind) {
  case MS_STEP_EXPECT:
  case MS_STEP_CLOSE:
  case MS_STEP_TLS:
  case MS_STEP_AUTH:
  case MS_STEP_APOP:
  case MS_STEP_MESSAGE:
    return true;
  case MS_STEP_SEND:
  case MS_STEP_META:
  case MS_STEP_PAUSE:
  case MS_STEP_GAP:
    break;
  }
  return false;
}

/* Record that the expectations of S from step FROM on were not judged
 * (nothing when there are none): E->diverged says why. */
static void gate_add(struct ms_eng *e, const struct ms_session *s, size_t from,
                     size_t at) {
  size_t n = 0;
  int first = 0, last = 0;
  for (size_t k = from; k < s->nsteps; k++)
    if (gate_judged(&s->steps[k])) {
      if (!n)
        first = s->steps[k].line;
      last = s->steps[k].line;
      n++;
    }
  if (n == 0)
    return;
  struct ms_divergence *d = ms_tr_add_divergence(e->out, e->diverged);
  d->session = e->si;
  d->step = at;
  d->line = at < s->nsteps ? s->steps[at].line : s->line;
  d->allowed = e->diverge_allowed;
  d->not_judged = n;
  d->first_line = first;
  d->last_line = last;
}

void ms_engine_gate_record(struct ms_eng *e, const struct ms_session *s,
                           size_t at) {
  if (!e->stopped && !e->fatal) {
    if (!e->diverged) { /* closed, timed out, unreadable: its own reason */
      const struct ms_transcript_result *o = e->out;
      const struct ms_step_result *r =
          o->nsteps ? &o->steps[o->nsteps - 1] : NULL;
      const char *why = r && r->reason ? r->reason
                        : r && r->verdict == MS_PASS
                            ? "the connection ended here"
                            : "the session could not "
                              "go on";
      ms_engine_diverge(e, &s->steps[at], xstrdup(why), false);
    }
    gate_add(e, s, at + 1, at);
    /* Later entries of this connection (keep_open:) are not judged. */
    free(e->k->dead);
    e->k->dead = xstrdup(e->diverged);
    e->k->dead_allowed = e->diverge_allowed;
  }
  free(e->diverged);
  e->diverged = NULL;
  e->diverge_allowed = false;
}

void ms_engine_gate_dead(struct ms_eng *e, const struct ms_session *s) {
  e->diverged = xstrdup(e->k->dead);
  e->diverge_allowed = e->k->dead_allowed;
  gate_add(e, s, 0, 0);
  free(e->diverged);
  e->diverged = NULL;
  e->diverge_allowed = false;
}
