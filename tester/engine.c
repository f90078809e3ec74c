/* engine: run one transcript against a live server and fill the result
 * model: connect, preflight (variables, secrets, requires:), walk the
 * sessions (engine_session.c), then the verdict.
 *
 * A session's steps go through engine_send.c (client lines, the FIFO of
 * commands awaiting replies, DATA/BDAT tracking), engine_expect.c (one
 * reply read and judged; engine_judge.c judges, engine_vars.c expands
 * and captures variables, engine_gate.c decides whether the session may
 * go on) and engine_secure.c (TLS and AUTH steps, which use the same
 * two).  The socket is in engine_conn.c, the -v view in engine_live.c,
 * loading and the builtin server in engine_item.c.  Secrets (-D
 * env:/file: values, auth: passwords) are scrubbed from every text of
 * the result and the live view. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine_int.h"
#include "mailspec/report.h"
#include "util.h"

static bool eng_stop(const struct ms_eng *e) {
  return ms_net_stopped(e->o->stop);
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
  ms_engine_send_clear(e);
  ms_buf_reset(&e->k->batch);
  ms_buf_reset(&e->k->raw_part);
  e->k->bdat_left = 0;
  e->k->in_data = false;
  e->k->data_pending = e->k->blind = false;
  e->k->utf8_mail = false;
  e->k->rec = -1; /* a message cut short stays as far as it went */
  ms_engine_pop3_reset(&e->k->pop3); /* its checks hold within one session */
}

/* The user and password of an auth:/apop: step must expand; the
 * password becomes a secret from here on (the live view included). */
static char *eng_preflight_auth(struct ms_eng *e, const struct ms_step *st) {
  const char *f[] = {st->user, st->pass, st->authzid};
  for (size_t k = 0; k < 3; k++) {
    char err[256] = "";
    if (!f[k])
      continue;
    char *v = ms_engine_vars_expand(e, f[k], err, sizeof err);
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
  ms_engine_vars_declare(e);
  size_t nv;
  struct ms_var *ovr = ms_engine_vars_overrides(e, none, &nv);
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
    char *v = ms_engine_vars_expand(e, ref, err, sizeof err);
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
