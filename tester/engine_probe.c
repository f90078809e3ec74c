/* engine_probe: `requires:` asks what the server advertises: EHLO
 * keywords for SMTP (RFC 5321 §4.1.1.1), CAPA tags for POP3 (RFC 2449
 * §5).  A short session of its own (greeting, EHLO/CAPA, QUIT) reads the
 * list once per run and target; a transcript whose requirements are not
 * all advertised is a SKIP with the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "engine_int.h"
#include "mailspec/report.h"
#include "util.h"

void ms_engine_probe_cache_init(struct ms_probe_cache *c) {
  memset(c, 0, sizeof *c);
  pthread_mutex_init(&c->mu, NULL);
  ms_engine_load_cache_init(&c->loads);
}

void ms_engine_probe_free(struct ms_probe *p) {
  ms_reply_free(&p->reply);
  ms_reply_free(&p->tls_reply);
  free(p->error);
  free(p->other);
  free(p->greeting);
  p->error = p->other = p->greeting = NULL;
}

void ms_engine_probe_cache_free(struct ms_probe_cache *c) {
  for (size_t i = 0; i < MS_PROTO_COUNT; i++)
    ms_engine_probe_free(&c->p[i]);
  ms_engine_load_cache_free(&c->loads);
  pthread_mutex_destroy(&c->mu);
}

static bool probe_ok(enum ms_protocol proto, int code) {
  return ms_proto_ops(proto)->reply_class(code) == MS_RC_POS;
}

/* One exchange of the probe: send LINE (NULL: none, the greeting) and
 * read its reply into OUT.  Returns false with P->error set. */
static bool probe_step(const struct ms_engine_opts *o, struct ms_conn *c,
                       const char *line, struct ms_reply *out,
                       struct ms_probe *p) {
  char err[256] = "";
  double tmo = o->timeout > 0 ? o->timeout : 30;
  if (line && ms_engine_conn_send(c, line, strlen(line), tmo, o->stop, err,
                                  sizeof err) != 0) {
    p->error = xasprintf("capability probe: %s", err);
    return false;
  }
  int r = ms_engine_conn_read(c, ms_now() + tmo, o->stop, out, err, sizeof err);
  if (r == 1)
    return true;
  const char *what = line ? "the capability request" : "the greeting";
  if (r == 0)
    p->error = xasprintf("capability probe: the server closed the "
                         "connection before %s",
                         what);
  else if (r == MS_NET_TIMEOUT)
    p->error =
        xasprintf("capability probe: no reply to %s within %g s", what, tmo);
  else if (r == MS_NET_STOP)
    p->error = xstrdup("interrupted");
  else
    p->error = xasprintf("capability probe: %s", err);
  return false;
}

/* Is GREET the greeting of the other protocol ("220 ..." to a POP3
 * probe, "+OK ..." to an SMTP one)?  Then P->other says so. */
static bool probe_other(enum ms_protocol proto, const struct ms_reply *greet,
                        struct ms_probe *p) {
  const char *g = greet->nlines ? greet->lines[0] : "";
  const struct ms_proto_ops *other = NULL;
  for (int i = 0; i < MS_PROTO_COUNT && !other; i++)
    if ((enum ms_protocol)i != proto &&
        ms_proto_ops((enum ms_protocol)i)->speaks(g))
      other = ms_proto_ops((enum ms_protocol)i);
  if (!other)
    return false;
  char *safe = ms_report_text_safe(g, strlen(g) > 60 ? 60 : strlen(g));
  p->other = xasprintf("the server speaks %s (its greeting: %s); this "
                       "transcript is %s",
                       other->name, safe, ms_proto_ops(proto)->name);
  free(safe);
  return true;
}

/* The capability request (EHLO or CAPA) and its reply into OUT. */
static bool probe_caps(const struct ms_engine_opts *o, struct ms_conn *c,
                       enum ms_protocol proto, struct ms_reply *out,
                       struct ms_probe *p) {
  const struct ms_proto_ops *ops = ms_proto_ops(proto);
  char req[96], lit[72];
  snprintf(req, sizeof req, "%s", ops->capa_verb);
  if (ops->capa_domain) { /* EHLO names the client (RFC 5321 §4.1.1.1) */
    ms_net_local_literal(c->fd, lit, sizeof lit);
    snprintf(req, sizeof req, "%s %s", ops->capa_verb, lit);
  }
  ms_reader_expect_multiline(c->rd, ops->multiline(req)); /* RFC 2449 §5 */
  size_t n = strlen(req);
  snprintf(req + n, sizeof req - n, "\r\n");
  return probe_step(o, c, req, out, p);
}

/* STARTTLS (STLS), the handshake and the capabilities again.  Failures
 * are not the probe's: the transcript itself will meet them. */
static void probe_starttls(const struct ms_engine_opts *o, struct ms_conn *c,
                           enum ms_protocol proto, const char *host,
                           struct ms_tls_ctx *x, struct ms_probe *p) {
  const struct ms_proto_ops *ops = ms_proto_ops(proto);
  if (!x || !ops->has_capability(&p->reply, ops->starttls))
    return;
  struct ms_probe scratch = {0};
  struct ms_reply r = {0};
  char err[256], peek[8];
  size_t plain;
  enum ms_tls_fail why;
  double tmo = o->timeout > 0 ? o->timeout : 30;
  char req[16];
  snprintf(req, sizeof req, "%s\r\n", ops->starttls);
  if (probe_step(o, c, req, &r, &scratch) && probe_ok(proto, r.code) &&
      ms_engine_conn_tls(c, x, host, tmo, false, o->stop, NULL, &plain, peek,
                         sizeof peek, &why, err, sizeof err) == 0)
    probe_caps(o, c, proto, &p->tls_reply, &scratch);
  ms_reply_free(&r);
  ms_engine_probe_free(&scratch);
}

void ms_engine_probe_tls(const struct ms_engine_opts *o, enum ms_protocol proto,
                         const char *host, const char *port, bool implicit,
                         struct ms_tls_ctx *x, struct ms_probe *p) {
  struct ms_conn *c = xcalloc(1, sizeof *c);
  char err[256] = "", peek[8];
  double tmo = o->timeout > 0 ? o->timeout : 30;
  size_t plain;
  enum ms_tls_fail why;
  p->done = true;
  if (ms_engine_conn_open(c, proto, host, port, tmo, o->stop, err, sizeof err) <
      0) {
    p->error = xasprintf("cannot connect to %s:%s: %s", host, port, err);
    free(c);
    return;
  }
  if (implicit && (!x || ms_engine_conn_tls(c, x, host, tmo, true, o->stop,
                                            NULL, &plain, peek, sizeof peek,
                                            &why, err, sizeof err) < 0)) {
    p->error = xasprintf("capability probe: %s", x ? err : "no TLS context");
    ms_engine_conn_close(c);
    free(c);
    return;
  }
  struct ms_reply greet = {0};
  if (probe_step(o, c, NULL, &greet, p)) {
    if (greet.nlines)
      p->greeting =
          xmemdup(greet.lines[0], strnlen(greet.lines[0], greet.lens[0]));
    if (probe_other(proto, &greet, p)) {
      /* a mixed suite: the transcripts of the other protocol SKIP */
    } else if (!probe_ok(proto, greet.code)) {
      char *g = ms_reply_join(&greet);
      p->error = xasprintf("capability probe: the server refused the "
                           "session: %s",
                           g);
      free(g);
    } else if (probe_caps(o, c, proto, &p->reply, p)) {
      if (!implicit)
        probe_starttls(o, c, proto, host, x, p);
      struct ms_reply bye = {0};
      ms_engine_conn_send(c, "QUIT\r\n", 6, tmo, o->stop, err, sizeof err);
      /* The QUIT reply is only waited for briefly: it decides nothing. */
      ms_engine_conn_read(c, ms_now() + (tmo < 2 ? tmo : 2), o->stop, &bye, err,
                          sizeof err);
      ms_reply_free(&bye);
    }
  }
  ms_reply_free(&greet);
  ms_engine_conn_close(c);
  free(c);
}

void ms_engine_probe(const struct ms_engine_opts *o, enum ms_protocol proto,
                     const char *host, const char *port, struct ms_probe *p) {
  ms_engine_probe_tls(o, proto, host, port, false, NULL, p);
}

static bool probe_has(enum ms_protocol proto, const struct ms_reply *r,
                      const char *req) {
  return ms_proto_ops(proto)->has_capability(r, req);
}

/* POP3 "APOP": no CAPA tag says it (RFC 2449 has none); a server that
 * implements APOP puts a timestamp in its greeting (RFC 1939 §7). */
static bool probe_apop(const struct ms_transcript *t, const char *req,
                       const struct ms_probe *p, char **why) {
  if (!ms_streq_ci(req, "APOP") ||
      !ms_proto_ops(t->protocol)->known_command(req))
    return false;
  char *ts = ms_auth_apop_timestamp(p->greeting);
  if (!ts)
    *why = xstrdup("the server does not offer APOP: its greeting carries no "
                   "timestamp <...@...> (RFC 1939 §7)");
  free(ts);
  return true;
}

char *ms_engine_requires_unmet(const struct ms_transcript *t,
                               const struct ms_probe *p) {
  if (p->other)
    return xstrdup(p->other);
  for (size_t i = 0; i < t->nrequires; i++) {
    const char *req = t->requires[i];
    char *why = NULL;
    if (probe_apop(t, req, p, &why)) {
      if (why)
        return why;
      continue;
    }
    if (req[0] == '!') { /* offered only inside TLS, if at all */
      if (!probe_ok(t->protocol, p->reply.code)) { /* no list to look at */
        char cbuf[16];
        return xasprintf(
            "cannot tell whether the server advertises %s "
            "(%s answered %s)",
            req + 1, ms_proto_ops(t->protocol)->capa_verb,
            ms_engine_code_text(t->protocol, p->reply.code, cbuf, sizeof cbuf));
      }
      if (!probe_has(t->protocol, &p->reply, req + 1))
        continue;
      return xasprintf("server advertises %s%s", req + 1,
                       t->uses_tls ? " before TLS" : "");
    }
    if (probe_has(t->protocol, &p->reply, req) ||
        (t->uses_tls && probe_has(t->protocol, &p->tls_reply, req)))
      continue;
    if (!probe_ok(t->protocol, p->reply.code)) {
      char cbuf[16];
      return xasprintf(
          "server does not advertise %s (%s answered %s)", req,
          ms_proto_ops(t->protocol)->capa_verb,
          ms_engine_code_text(t->protocol, p->reply.code, cbuf, sizeof cbuf));
    }
    return xasprintf(
        "server does not advertise %s%s", req,
        t->uses_tls && p->tls_reply.code ? " (before or after STARTTLS)" : "");
  }
  return NULL;
}
