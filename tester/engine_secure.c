/* engine_secure: the steps that change the connection or prove who the
 * client is: the TLS handshake (after STARTTLS/STLS, RFC 3207 and RFC
 * 2595, or from the first byte, RFC 8314), SASL AUTH (RFC 4954, RFC
 * 5034) and APOP (RFC 1939 §7).  Each exchange is judged like any other
 * step; passwords and digests are shown as <redacted>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apop.h"
#include "auth.h"
#include "engine_int.h"
#include "mailspec/report.h"
#include "util.h"

/* SASL rounds of one auth: step before it is cut short (LOGIN has 2). */
#define SEC_MAX_ROUNDS 8

struct ms_tls_ctx *ms_engine_tls_new(const struct ms_engine_opts *o, char *err,
                                     size_t errlen) {
  struct ms_tls_config c = {o->cafile, o->insecure, o->keylog, NULL};
  return ms_tls_ctx_new(&c, err, errlen);
}

void ms_engine_tls_free(struct ms_tls_ctx *x) {
  ms_tls_ctx_free(x);
}

struct ms_tls_ctx *ms_engine_secure_ctx(struct ms_eng *e, char *err,
                                        size_t errlen) {
  if (e->tls_own)
    return e->tls_own;
  if (e->ca_pem) { /* the builtin server: trust exactly its certificate */
    struct ms_tls_config c = {NULL, false, e->o->keylog, e->ca_pem};
    e->tls_own = ms_tls_ctx_new(&c, err, errlen);
    return e->tls_own;
  }
  if (e->o->tls_ctx)
    return e->o->tls_ctx;
  e->tls_own = ms_engine_tls_new(e->o, err, errlen);
  return e->tls_own;
}

/* ---- the handshake ---------------------------------------------------- */

/* "TLSv1.3, TLS_AES_256_GCM_SHA384, CN=mx (expires ...)" for reports. */
static char *sec_summary(const struct ms_tls_result *i) {
  char *v = i->verified || !i->verify_error
                ? xstrdup("")
                : xasprintf(", NOT verified: %s", i->verify_error);
  char *r = xasprintf(
      "<%s, %s, certificate %s, expires %s%s>", i->version ? i->version : "?",
      i->cipher ? i->cipher : "?", i->subject ? i->subject : "(none)",
      i->not_after ? i->not_after : "?", v);
  free(v);
  return r;
}

/* The reason of a failed handshake, with what the certificate said. */
static char *sec_reason(const struct ms_eng *e, enum ms_tls_fail why,
                        const char *err, const struct ms_tls_result *i,
                        bool implicit) {
  if (why == MS_TLS_VERIFY)
    return xasprintf("%s (certificate %s, issuer %s, expires %s; name "
                     "checked: %s; --cafile FILE trusts a private CA, "
                     "--insecure only records the problem)",
                     err, i->subject ? i->subject : "?",
                     i->issuer ? i->issuer : "?",
                     i->not_after ? i->not_after : "?", e->host);
  if (why == MS_TLS_PLAINTEXT && implicit)
    return xasprintf("%s (a port that starts in plaintext takes -t "
                     "HOST:PORT, without %s://, and a starttls: step)",
                     err, ms_proto_ops(e->t->protocol)->tls_scheme);
  return xstrdup(err);
}

static void sec_fail(struct ms_eng *e, struct ms_step_result *r,
                     enum ms_tls_fail why, const char *err,
                     const struct ms_tls_result *i, bool implicit) {
  if (why == MS_TLS_STOP) {
    e->stopped = true;
    r->verdict = MS_NOTRUN;
    r->reason = xstrdup("interrupted");
    return;
  }
  char *reason = sec_reason(e, why, err, i, implicit);
  /* Could not judge: no answer in time, or (implicit TLS) not a TLS
   * port at all.  Otherwise the server did something else: FAIL. */
  if (why == MS_TLS_TIMEOUT || (why == MS_TLS_PLAINTEXT && implicit))
    ms_engine_error(r, reason);
  else {
    r->verdict = MS_FAIL;
    free(r->reason);
    r->reason = reason;
  }
  ms_engine_live_note(&e->live, "%s: %s", ms_verdict_name(r->verdict),
                      r->reason);
}

/* Bytes the server sent in plaintext before the handshake. */
static void sec_plain_before(struct ms_eng *e, struct ms_step_result *r,
                             size_t n, const char *peek, size_t cap) {
  if (n == 0)
    return;
  size_t k = n < cap ? n : cap;
  char *safe = ms_report_text_safe(peek, k);
  char *d = xasprintf("the server sent %zu byte%s in plaintext after its "
                      "reply, before the TLS handshake ('%s%s'): dropped "
                      "unread (RFC 3207 §4.2)",
                      n, n == 1 ? "" : "s", safe, n > k ? "..." : "");
  ms_step_add_finding(r, MS_V_TRAILING, d);
  if (r->verdict == MS_PASS) {
    r->verdict = MS_FAIL;
    free(r->reason);
    r->reason = xstrdup(d);
  }
  ms_engine_live_note(&e->live, "%s", d);
  free(d);
  free(safe);
}

/* Commands pipelined after STARTTLS in plaintext get no reply from a
 * conforming server: they are forgotten here too (CVE-2011-0411). */
static void sec_forget(struct ms_eng *e) {
  size_t n = 0;
  char *names = ms_engine_send_drop_pending(e, &n);
  if (n > 0)
    ms_engine_live_note(&e->live,
                        "%zu command%s sent before TLS must not be answered: "
                        "%s",
                        n, n == 1 ? "" : "s", names);
  free(names);
}

/* STARTTLS was refused.  When the transcript allowed that answer (its
 * step passed), what needs TLS cannot apply: SKIP, not ERROR. */
static void sec_not_attempted(struct ms_eng *e, struct ms_step_result *r) {
  char c[16];
  const char *code =
      ms_engine_code_text(e->t->protocol, e->k->last_code, c, sizeof c);
  size_t n = e->out->nsteps;
  bool allowed = n >= 2 && e->out->steps[n - 2].verdict == MS_PASS;
  if (!allowed) {
    ms_engine_error(r, xasprintf("TLS handshake not attempted: the server "
                                 "answered %s",
                                 code));
    return;
  }
  r->verdict = MS_SKIP;
  r->reason = xasprintf("the server answered %s (allowed): the steps that "
                        "need TLS do not apply",
                        code);
  if (!e->skip)
    e->skip = xstrdup(r->reason);
  ms_engine_live_note(&e->live, "SKIP: %s", r->reason);
}

/* The server closed the connection instead of starting TLS while
 * commands sent after STARTTLS/STLS in the same packet were unanswered:
 * it ran none of them, which is what the injection check asks
 * (CVE-2011-0411; Dovecot drops such a client).  SKIP: the steps that
 * need TLS do not apply.  True when that is the case. */
static bool sec_refused_injection(struct ms_eng *e, struct ms_step_result *r,
                                  enum ms_tls_fail why, bool implicit) {
  if (why != MS_TLS_CLOSED || implicit || e->k->fn <= e->k->fhead)
    return false;
  size_t n = 0;
  char *names = ms_engine_send_drop_pending(e, &n);
  r->verdict = MS_SKIP;
  r->reason = xasprintf("the server closed the connection instead of "
                        "starting TLS, with %zu command%s sent after "
                        "STARTTLS/STLS unanswered (%s): it ran none of them; "
                        "the steps that need TLS do not apply",
                        n, n == 1 ? "" : "s", names);
  free(names);
  if (!e->skip)
    e->skip = xstrdup(r->reason);
  ms_engine_live_note(&e->live, "SKIP: %s", r->reason);
  return true;
}

/* The handshake as step ST; false when the connection is unusable. */
static bool sec_handshake(struct ms_eng *e, const struct ms_step *st,
                          size_t idx, bool implicit) {
  ms_engine_send_flush(e);
  struct ms_step_result *r = ms_engine_step(e, st, idx);
  r->expected = xstrdup("<TLS handshake>");
  if (e->stopped) {
    r->verdict = MS_NOTRUN;
    r->reason = xstrdup("interrupted");
    return false;
  }
  char err[320] = "";
  if (e->k->conn.fd < 0 || e->k->conn.tls) {
    ms_engine_error(r, xstrdup(e->k->conn.fd < 0
                                   ? "no connection for the TLS handshake"
                                   : "TLS is already active on this "
                                     "connection"));
    return false;
  }
  if (!implicit && e->k->last_code != 0 &&
      ms_engine_gate_class(e->t->protocol, e->k->last_code) != MS_RC_POS) {
    sec_not_attempted(e, r);
    return false;
  }
  struct ms_tls_ctx *x = ms_engine_secure_ctx(e, err, sizeof err);
  if (!x) {
    ms_engine_error(r, xasprintf("cannot start TLS: %s", err));
    e->fatal = true;
    return false;
  }
  double tmo = implicit ? e->timeout : ms_engine_step_timeout(e, st);
  if (e->deadline > 0 && e->deadline - ms_now() < tmo)
    tmo = e->deadline - ms_now() > 0 ? e->deadline - ms_now() : 0.001;
  struct ms_tls_result info = {0};
  char peek[48];
  size_t plain = 0;
  enum ms_tls_fail why = MS_TLS_OK;
  e->k->sent_at = ms_now();
  int rc = ms_engine_conn_tls(&e->k->conn, x, e->host, tmo, implicit,
                              e->o->stop, &info, &plain, peek, sizeof peek,
                              &why, err, sizeof err);
  r->elapsed_ms = (ms_now() - e->k->sent_at) * 1000.0;
  if (!e->out->tls && (info.version || info.subject))
    e->out->tls = ms_tls_result_dup(&info);
  if (rc == 0) {
    r->verdict = MS_PASS;
    r->got = sec_summary(&info);
    ms_engine_live_note(&e->live, "TLS: %s", r->got);
    sec_plain_before(e, r, plain, peek, sizeof peek);
    sec_forget(e);
  } else if (!sec_refused_injection(e, r, why, implicit)) {
    if (!implicit)
      sec_plain_before(e, r, plain, peek, sizeof peek);
    sec_fail(e, r, why, err, &info, implicit);
  }
  ms_tls_result_free(&info);
  return rc == 0;
}

bool ms_engine_secure_tls(struct ms_eng *e, const struct ms_step *st,
                          size_t idx) {
  return sec_handshake(e, st, idx, false);
}

bool ms_engine_secure_implicit(struct ms_eng *e, const struct ms_step *at,
                               size_t idx) {
  if (sec_handshake(e, at, idx, true))
    return true;
  e->fatal = !e->stopped; /* every session would meet the same */
  return false;
}

/* ---- SASL --------------------------------------------------------------- */

/* Queue LINE (taken) with its CRLF. */
static void sec_send(struct ms_eng *e, struct ms_auth_line *l) {
  char *wire = xasprintf("%s\r\n", l->wire);
  ms_engine_send_line(e, wire, strlen(wire), l->shown);
  l->shown = NULL;
  free(wire);
  ms_auth_line_free(l);
}

/* A step that accepts a continuation or the final reply of ST. */
static void sec_either(const struct ms_eng *e, const struct ms_step *st,
                       struct ms_step *out) {
  *out = *st;
  out->text_re = NULL; /* the text is only asked of the final reply */
  out->each_re = NULL;
  out->lines = NULL;
  out->nlines = 0;
  if (out->pat.n < MS_PAT_MAX) {
    snprintf(out->pat.alt[out->pat.n], sizeof out->pat.alt[0], "%s",
             ms_proto_ops(e->t->protocol)->sasl_cont_pat);
    out->pat.n++;
  }
}

/* The last step result, its expectation shown as TEXT. */
static struct ms_step_result *sec_last(struct ms_eng *e, const char *text) {
  struct ms_step_result *r = &e->out->steps[e->out->nsteps - 1];
  if (text) {
    free(r->expected);
    r->expected = xstrdup(text);
  }
  return r;
}

/* The final reply REP, read as "a challenge or the final reply", judged
 * against ST itself: its pattern alone in the reason, its text: regex. */
static void sec_final(struct ms_eng *e, const struct ms_step *st,
                      const struct ms_reply *rep, struct ms_step_result *r) {
  char *shown = ms_engine_expected_text(st);
  free(r->expected);
  r->expected = shown;
  struct ms_step_result tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.expected = xstrdup("");
  ms_engine_judge(st, e->t->protocol, rep, &tmp);
  if (tmp.verdict != MS_PASS) {
    r->verdict = tmp.verdict;
    free(r->reason);
    r->reason = tmp.reason;
    tmp.reason = NULL;
  }
  free(tmp.expected);
  free(tmp.got);
  free(tmp.reason);
  for (size_t i = 0; i < tmp.nfindings; i++)
    free(tmp.findings[i].what);
  free(tmp.findings);
}

/* A challenge the client cannot or will not answer: "*" cancels
 * (RFC 4954 §4, RFC 5034 §4) so that the dialogue stays in step. */
static void sec_cancel(struct ms_eng *e, struct ms_step_result *r,
                       char *reason) {
  r->verdict = MS_FAIL;
  free(r->reason);
  r->reason = reason;
  ms_engine_live_note(&e->live, "FAIL: %s", reason);
  struct ms_auth_line l = {xstrdup("*"), xstrdup("*")};
  sec_send(e, &l);
}

/* What an unexpected final AUTH reply means (RFC 4954 §6). */
static void sec_explain(struct ms_eng *e, struct ms_step_result *r) {
  const struct ms_proto_ops *ops = ms_proto_ops(e->t->protocol);
  const char *what = ops->auth_code_text ? ops->auth_code_text(r->code) : NULL;
  if (r->verdict != MS_FAIL || !r->reason || !what)
    return;
  char *x = xasprintf("%s: %s", r->reason, what);
  free(r->reason);
  r->reason = x;
}

/* One round: read a reply; answer a challenge.  1 go on, 0 done (final
 * reply judged), -1 the session cannot go on. */
static int sec_round(struct ms_eng *e, struct ms_auth *a,
                     const struct ms_step *st, size_t idx,
                     const struct ms_step *next, bool *over) {
  struct ms_step either;
  bool final_only = a->done || *over;
  if (!final_only)
    sec_either(e, st, &either);
  struct ms_reply rep;
  /* judged here as a whole; a challenge's reason is only known once
   * judged again */
  unsigned mode = MS_EXPECT_AUTH | (final_only ? 0 : MS_EXPECT_QUIET);
  bool go_on = ms_engine_expect(e, final_only ? st : &either, idx,
                                final_only ? next : NULL, &rep, mode);
  if (rep.code == 0 || !go_on) {
    ms_reply_free(&rep);
    return go_on ? 0 : -1;
  }
  enum ms_protocol proto = e->t->protocol;
  if (!ms_proto_sasl_continues(proto, rep.code) || *over) {
    struct ms_step_result *r = sec_last(e, NULL);
    if (!final_only)
      sec_final(e, st, &rep, r);
    sec_explain(e, r);
    if (!final_only && r->verdict != MS_PASS)
      ms_engine_live_note(&e->live, "%s: %s", ms_verdict_name(r->verdict),
                          r->reason ? r->reason : "");
    ms_reply_free(&rep);
    return 0;
  }
  /* A challenge where one was allowed is shown as what was expected. */
  struct ms_step_result *r =
      sec_last(e, final_only ? NULL : ms_proto_ops(proto)->sasl_cont_pat);
  struct ms_auth_line l;
  char err[200] = "";
  const char *ch = ms_auth_challenge(proto, rep.nlines ? rep.lines[0] : "");
  int k = ms_auth_next(a, ch, &l, err, sizeof err);
  if (k > 0) {
    sec_send(e, &l);
  } else {
    *over = true;
    sec_cancel(e, r,
               k < 0 ? xstrdup(err)
                     : xasprintf("one more challenge after the last "
                                 "%s response",
                                 ms_sasl_mech_name(a->mech)));
  }
  ms_reply_free(&rep);
  return 1;
}

bool ms_engine_secure_auth(struct ms_eng *e, const struct ms_step *st,
                           size_t idx, const struct ms_step *next) {
  char err[256];
  /* the preflight (engine.c) expanded each of them once already. */
  char *user = st->user ? ms_engine_vars_expand(e, st->user, err, sizeof err)
                        : xstrdup("");
  char *pass = st->pass ? ms_engine_vars_expand(e, st->pass, err, sizeof err)
                        : xstrdup("");
  char *authz = st->authzid
                    ? ms_engine_vars_expand(e, st->authzid, err, sizeof err)
                    : NULL;
  struct ms_auth a = {e->t->protocol,   st->mech, st->initial_response,
                      st->cancel,       authz,    user ? user : "",
                      pass ? pass : "", 0,        false};
  struct ms_auth_line l;
  ms_auth_first(&a, &l);
  sec_send(e, &l);
  bool over = false;
  int k = 1;
  size_t first = e->out->nsteps;
  for (int round = 0; k == 1 && round < SEC_MAX_ROUNDS && !e->stopped; round++)
    k = sec_round(e, &a, st, idx, next, &over);
  if (k == 1) /* a server that keeps asking: the last answer was "*" */
    k = sec_round(e, &a, st, idx, next, &over) < 0 ? -1 : 0;
  /* Issue 12: every reply during AUTH gates what follows (RFC 4954 §4):
   * an exchange that ended authenticated where the transcript expects a
   * refusal, or the other way round, leaves the session in a state the
   * transcript does not assume (535 for 504 does not: both refuse). */
  const struct ms_step_result *r =
      e->out->nsteps > first ? &e->out->steps[e->out->nsteps - 1] : NULL;
  enum ms_protocol proto = e->t->protocol;
  const struct ms_proto_ops *ops = ms_proto_ops(proto);
  unsigned want =
      st->pat.n ? ms_engine_gate_classes(proto, &st->pat)
                : ms_engine_gate_class(proto, st->cancel ? ops->auth_cancel
                                                         : ops->auth_ok);
  if (k == 0 && r && (r->verdict == MS_FAIL || r->verdict == MS_ERROR) &&
      !(ms_engine_gate_class(proto, r->code) & want)) {
    ms_engine_diverge(e, st, xstrdup(r->reason ? r->reason : "AUTH failed"),
                      false);
    ms_engine_live_note(&e->live,
                        "diverged at %s: the rest of this session is not "
                        "judged",
                        e->diverged);
    k = -1;
  }
  free(user);
  if (pass)
    memset(pass, 0, strlen(pass));
  free(pass);
  free(authz);
  return k == 0;
}

/* ---- APOP --------------------------------------------------------------- */

bool ms_engine_secure_apop(struct ms_eng *e, const struct ms_step *st,
                           size_t idx, const struct ms_step *next) {
  char err[256];
  char *ts = ms_auth_apop_timestamp(e->k->greeting);
  if (ts && st->timestamp) { /* an earlier greeting's: a replay (§7) */
    char terr[256] = "";
    char *other = ms_engine_vars_expand(e, st->timestamp, terr, sizeof terr);
    if (!other) {
      free(ts);
      ms_engine_send_flush(e);
      ms_engine_error(ms_engine_step(e, st, idx), xstrdup(terr));
      return false;
    }
    free(ts);
    ts = other;
  }
  if (!ts) { /* like an unmet requires: */
    ms_engine_send_flush(e);
    struct ms_step_result *r = ms_engine_step(e, st, idx);
    r->sent = xstrdup("APOP");
    r->expected = ms_engine_expected_text(st);
    r->verdict = MS_SKIP;
    r->reason = xstrdup("the server does not offer APOP: its greeting "
                        "carries no timestamp <...@...> (RFC 1939 §7)");
    if (!e->skip)
      e->skip = xstrdup(r->reason);
    ms_engine_live_note(&e->live, "SKIP: %s", r->reason);
    return false;
  }
  char *user = ms_engine_vars_expand(e, st->user, err, sizeof err);
  char *secret = ms_engine_vars_expand(e, st->pass, err, sizeof err);
  char digest[MS_APOP_HEX_LEN + 1];
  bool ok = user && secret && ms_apop_digest(ts, secret, digest) == 0;
  if (secret)
    memset(secret, 0, strlen(secret));
  free(secret);
  free(ts);
  if (!ok) {
    ms_engine_send_flush(e);
    struct ms_step_result *r = ms_engine_step(e, st, idx);
    ms_engine_error(r, xstrdup("cannot compute the APOP digest (MD5 is not "
                               "available)"));
    free(user);
    return false;
  }
  char *wire = xasprintf("APOP %s %s\r\n", user, digest);
  ms_engine_send_line(e, wire, strlen(wire),
                      xasprintf("APOP %s " MS_SECRET_SHOWN, user));
  free(wire);
  free(user);
  return ms_engine_expect(e, st, idx, next, NULL, MS_EXPECT_PLAIN);
}
