/* srv_smtp_relay: the reference server relays (see srv_smtp_relay.h).
 * By the RFC's sentences:
 *   - RFC 5321 §3.6.3: "a relay SMTP has no need to inspect or act upon
 *     the header section or body of the message data and MUST NOT do so
 *     except to add its own "Received:" header field"; §6.4: the
 *     additions of a gateway or final delivery "MUST NOT be applied by an
 *     SMTP server that provides an intermediate relay function"; Appendix
 *     C: "The reverse-path SHOULD NOT be updated"; Appendix D.3: the
 *     relay's own "Received: from bar.com by foo.com".
 *   - §3.6.3: when the relay "later finds that ... the mail cannot be
 *     delivered", it "MUST construct an "undeliverable mail" notification
 *     message and send it to the originator", "the reverse-path MUST be
 *     set to null", and none about a notification (a message from <>).
 *   - RFC 3461 §5.2.2, the relay as SMTP client of a next hop without
 *     DSN: NOTIFY=SUCCESS and a 2xx to RCPT: a "relayed" DSN; FAILURE or
 *     no NOTIFY and a 5xx: a "failed" DSN; NEVER: none; no NOTIFY and a
 *     2xx: none.  §6.3 (h), (i): such DSNs carry Remote-MTA ("dns") and
 *     Diagnostic-Code ("smtp"); §9.2: "an exact transcription of the
 *     reply".
 * The next hop is contacted from the session's thread, with a timeout on
 * every wait; replies are read with the shared reply reader (reply.c). */
#include "srv_smtp_relay.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mailspec/reply.h"
#include "net.h"
#include "srv_smtp_notify.h"
#include "store.h"
#include "util.h"

#define RLY_TIMEOUT 30.0 /* seconds, each wait for the next hop */
#define RLY_MAX_LINE 1000

static bool rly_fault(const struct srv_ctx *ctx, enum ms_fault f) {
  return ms_fault_on(&ctx->faults, f);
}

/* ---- which recipients -------------------------------------------------- */

bool srv_smtp_relay_rcpt(const struct srv_ctx *ctx, const char *rcpt) {
  const char *at = strrchr(rcpt, '@');
  /* "@hop:box@domain" (fault source-route-followed) goes to its first
   * hop, not along the route */
  return ctx->relay_port && rcpt[0] != '@' && at &&
         ms_world_route_domain(ctx->world, at + 1);
}

void srv_smtp_relay_check(const struct srv_ctx *ctx,
                          const struct srv_smtp_path *path,
                          struct srv_smtp_rcpt *r) {
  if (r->v != SRV_RCPT_RELAY || ctx->relay_port || !path->domain ||
      !ms_world_route_domain(ctx->world, path->domain))
    return;
  srv_smtp_rcpt_free(r);
  r->v = SRV_RCPT_NO_RELAY;
}

size_t srv_smtp_relay_split(const struct srv_ctx *ctx,
                            const struct srv_smtp_txn *t,
                            struct srv_smtp_txn *local, char ***own) {
  *local = *t;
  *own = xcalloc(t->nrcpts ? t->nrcpts : 1, sizeof **own);
  size_t n = 0;
  for (size_t i = 0; i < t->nrcpts; i++)
    if (!srv_smtp_relay_rcpt(ctx, t->rcpts[i]))
      (*own)[n++] = t->rcpts[i];
  local->rcpts = *own;
  local->nrcpts = n;
  return t->nrcpts - n;
}

/* ---- the SMTP client --------------------------------------------------- */

struct rly_conn {
  int fd;
  struct ms_reader *rd;
  char buf[4096];
  size_t off, len;
};

/* The next reply, or -1 (closed, timed out, unreadable). */
static int rly_reply(struct rly_conn *c, struct ms_reply *r) {
  for (;;) {
    while (c->off < c->len) {
      size_t used = 0;
      enum ms_read_status st =
          ms_reader_feed(c->rd, c->buf + c->off, c->len - c->off, &used);
      c->off += used;
      if (st == MS_READ_DONE) {
        ms_reader_take(c->rd, r);
        return r->code ? 0 : -1;
      }
      if (st == MS_READ_ERROR)
        return -1;
    }
    char err[128];
    ssize_t n = ms_net_recv(c->fd, c->buf, sizeof c->buf, RLY_TIMEOUT, NULL,
                            err, sizeof err);
    if (n <= 0)
      return -1;
    c->off = 0;
    c->len = (size_t)n;
  }
}

static int rly_send(struct rly_conn *c, const char *p, size_t n) {
  char err[128];
  return ms_net_send_all(c->fd, p, n, RLY_TIMEOUT, NULL, err, sizeof err);
}

/* Send LINE (CRLF added) and read the reply: its code, or 0. */
static int rly_cmd(struct rly_conn *c, const char *line, struct ms_reply *r) {
  char *l = xasprintf("%s\r\n", line);
  int rc = rly_send(c, l, strlen(l));
  free(l);
  if (rc < 0 || rly_reply(c, r) < 0)
    return 0;
  return r->code;
}

/* The reply as one line: a single line as it came (RFC 3461 §9.2), the
 * lines of a multi-line one joined with a space.  Caller frees. */
static char *rly_text(const struct ms_reply *r) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  for (size_t i = 0; i < r->nlines && b.len < RLY_MAX_LINE; i++) {
    if (i)
      ms_buf_addstr(&b, " ");
    ms_buf_add(&b, r->lines[i], r->lens[i]);
  }
  return ms_buf_steal(&b, NULL);
}

/* Does the EHLO reply R list KW (RFC 5321 §4.1.1.1's ehlo-keyword)? */
static bool rly_has_kw(const struct ms_reply *r, const char *kw) {
  size_t n = strlen(kw);
  for (size_t i = 1; i < r->nlines; i++) {
    const char *l = r->lines[i];
    if (r->lens[i] >= 4 + n && strncasecmp(l + 4, kw, n) == 0 &&
        (l[4 + n] == '\0' || l[4 + n] == ' '))
      return true;
  }
  return false;
}

/* X as RFC 3461 §4's xtext. */
static void rly_xtext(struct ms_buf *b, const char *x) {
  for (const unsigned char *p = (const unsigned char *)x; *p; p++)
    if (*p == '+' || *p == '=' || *p < '!' || *p > '~')
      ms_buf_addf(b, "+%02X", *p);
    else
      ms_buf_add(b, p, 1);
}

/* Recipient RCPT's DSN parameters, or NULL. */
static const struct ms_dsn_rcpt *rly_dsn(const struct srv_smtp_txn *t,
                                         const char *rcpt) {
  for (size_t k = 0; t->params && k < t->params->nrcpts; k++)
    if (t->params->rcpts[k].rcpt && ms_streq_ci(t->params->rcpts[k].rcpt, rcpt))
      return &t->params->rcpts[k];
  return NULL;
}

static char *rly_mail_cmd(const struct srv_ctx *ctx,
                          const struct srv_smtp_txn *t, bool dsn) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  const char *host = ctx->world->hostname ? ctx->world->hostname : "localhost";
  if (rly_fault(ctx, MS_F_RELAY_REWRITES_SENDER)) /* 5321-C-8 broken */
    ms_buf_addf(&b, "MAIL FROM:<postmaster@%s>", host);
  else if (rly_fault(ctx, MS_F_RELAY_NAME_IN_SENDER) && t->from &&
           strchr(t->from, '@')) /* 5321-4.1.1.3-5 broken: the %-hack */
    ms_buf_addf(&b, "MAIL FROM:<%.*s%%%s@%s>",
                (int)(strrchr(t->from, '@') - t->from), t->from,
                strrchr(t->from, '@') + 1, host);
  else /* Appendix C: the reverse-path as it came, no route added */
    ms_buf_addf(&b, "MAIL FROM:<%s>", t->from ? t->from : "");
  const struct ms_store_params *p = t->params;
  if (dsn && p && p->ret) /* RFC 3461 §5.2.1: passed on */
    ms_buf_addstr(&b, p->ret == MS_DSN_RET_FULL ? " RET=FULL" : " RET=HDRS");
  if (dsn && p && p->envid) {
    ms_buf_addstr(&b, " ENVID=");
    rly_xtext(&b, p->envid);
  }
  return ms_buf_steal(&b, NULL);
}

static char *rly_rcpt_cmd(const struct srv_smtp_txn *t, const char *rcpt,
                          bool dsn) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  ms_buf_addf(&b, "RCPT TO:<%s>", rcpt);
  const struct ms_dsn_rcpt *d = dsn ? rly_dsn(t, rcpt) : NULL;
  if (d && d->notify) {
    static const char *const names[] = {"NEVER", "SUCCESS", "FAILURE", "DELAY"};
    const char *sep = " NOTIFY=";
    for (unsigned i = 0; i < 4; i++)
      if (d->notify & (1u << i)) {
        ms_buf_addf(&b, "%s%s", sep, names[i]);
        sep = ",";
      }
  }
  if (d && d->orcpt_type) {
    ms_buf_addf(&b, " ORCPT=%s;", d->orcpt_type);
    rly_xtext(&b, d->orcpt);
  }
  return ms_buf_steal(&b, NULL);
}

/* Does the header section H (N octets) hold a field NAME? */
static bool rly_has_field(const char *h, size_t n, const char *name) {
  size_t k = strlen(name);
  for (size_t i = 0; i + k < n; i++)
    if ((i == 0 || h[i - 1] == '\n') && h[i + k] == ':' &&
        strncasecmp(h + i, name, k) == 0)
      return true;
  return false;
}

/* The length of T's header section (up to the empty line). */
static size_t rly_head(const struct srv_smtp_txn *t) {
  for (size_t i = 0; i + 1 < t->len; i++)
    if ((i == 0 || t->data[i - 1] == '\n') && t->data[i] == '\r' &&
        t->data[i + 1] == '\n')
      return i;
  return t->len;
}

/* Fault relay-edits-header: what §6.4 lets only an originating or
 * submission server do, added by the relay after it looked. */
static void rly_edit_header(struct ms_buf *m, const char *h, size_t n,
                            unsigned long id, const char *host) {
  if (!rly_has_field(h, n, "Message-ID"))
    ms_buf_addf(m, "Message-ID: <relay%lu@%s>\r\n", id, host);
  if (!rly_has_field(h, n, "Date")) {
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);
    ms_buf_addf(m, "Date: %s\r\n", date);
  }
}

/* The message as it goes on: the relay's trace line, then the data
 * octet for octet (fault relay-edits-header: a Message-ID: and a Date:
 * added where the header section has none), dot-stuffed (§4.5.2), and
 * the end of data. */
static char *rly_wire(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                      unsigned long id, size_t *len) {
  static const struct ms_faults clean; /* the delivery faults are not ours */
  const char *host = ctx->world->hostname ? ctx->world->hostname : "localhost";
  struct ms_buf m;
  ms_buf_init(&m, 0);
  if (!rly_fault(ctx, MS_F_RELAY_NO_RECEIVED)) { /* 5321-D-3 */
    char *trace = srv_smtp_received(t, host, ctx->peer, time(NULL), id, &clean);
    ms_buf_addstr(&m, trace);
    free(trace);
  }
  size_t head = rly_head(t);
  ms_buf_add(&m, t->data, head);
  if (rly_fault(ctx, MS_F_RELAY_EDITS_HEADER)) /* 5321-6.4-4 broken */
    rly_edit_header(&m, t->data, head, id, host);
  ms_buf_add(&m, t->data + head, t->len - head);
  struct ms_buf o;
  ms_buf_init(&o, 0);
  for (size_t i = 0; i < m.len; i++) {
    if ((i == 0 || m.p[i - 1] == '\n') && m.p[i] == '.')
      ms_buf_addstr(&o, ".");
    ms_buf_add(&o, m.p + i, 1);
  }
  if (o.len && o.p[o.len - 1] != '\n')
    ms_buf_addstr(&o, "\r\n");
  ms_buf_addstr(&o, ".\r\n");
  ms_buf_free(&m);
  return ms_buf_steal(&o, len);
}

/* Each recipient's outcome from one exchange with the next hop; *DSN:
 * the next hop offers DSN. */
static void rly_exchange(const struct srv_ctx *ctx,
                         const struct srv_smtp_txn *t, unsigned long id,
                         struct srv_smtp_relay_out *o, size_t n, bool *dsn) {
  char err[256];
  struct rly_conn c = {.fd = ms_net_connect(ctx->relay_host, ctx->relay_port,
                                            RLY_TIMEOUT, NULL, err, sizeof err),
                       .rd = ms_reader_new(MS_PROTO_SMTP, NULL)};
  struct ms_reply r = {0};
  *dsn = false;
  char *ehlo = xasprintf("EHLO %s", ctx->world->hostname ? ctx->world->hostname
                                                         : "localhost");
  bool ok = c.fd >= 0 && rly_reply(&c, &r) == 0 && r.code == 220;
  ms_reply_free(&r);
  ok = ok && rly_cmd(&c, ehlo, &r) == 250;
  *dsn = ok && rly_has_kw(&r, "DSN");
  ms_reply_free(&r);
  char *mail = rly_mail_cmd(ctx, t, *dsn);
  int mcode = ok ? rly_cmd(&c, mail, &r) : 0;
  ok = ok && mcode / 100 == 2;
  for (size_t i = 0; mcode && !ok && i < n; i++) { /* MAIL refused: */
    o[i].code = mcode; /* every recipient fails with that reply */
    o[i].text = rly_text(&r);
  }
  ms_reply_free(&r);
  size_t taken = 0;
  for (size_t i = 0; ok && i < n; i++) {
    char *rc = rly_rcpt_cmd(t, o[i].rcpt, *dsn);
    o[i].code = rly_cmd(&c, rc, &r);
    o[i].text = o[i].code ? rly_text(&r) : NULL;
    taken += o[i].code / 100 == 2;
    ms_reply_free(&r);
    free(rc);
  }
  if (ok && taken && rly_cmd(&c, "DATA", &r) == 354) {
    ms_reply_free(&r);
    size_t len;
    char *wire = rly_wire(ctx, t, id, &len);
    int code = rly_send(&c, wire, len) < 0 ? 0 : rly_reply(&c, &r) ? 0 : r.code;
    free(wire);
    for (size_t i = 0; code / 100 != 2 && i < n; i++)
      if (o[i].code / 100 == 2) { /* the data refused: all fail (§3.6.3) */
        free(o[i].text);
        o[i].code = code;
        o[i].text = code ? rly_text(&r) : NULL;
      }
  } else if (ok && taken) { /* DATA refused */
    for (size_t i = 0; i < n; i++)
      if (o[i].code / 100 == 2) {
        free(o[i].text);
        o[i].code = r.code;
        o[i].text = r.code ? rly_text(&r) : NULL;
      }
  }
  ms_reply_free(&r);
  if (c.fd >= 0) {
    (void)rly_cmd(&c, "QUIT", &r);
    ms_reply_free(&r);
  }
  free(mail);
  free(ehlo);
  ms_reader_free(c.rd);
  ms_net_close(c.fd);
}

/* ---- the notifications ------------------------------------------------- */

/* The RFC 3463 status of reply O: its enhanced code, else its class. */
static void rly_status(const struct srv_smtp_relay_out *o, char *buf,
                       size_t cap) {
  const char *p = o->text && strlen(o->text) > 4 ? o->text + 4 : "";
  size_t n = strspn(p, "0123456789.");
  if (n >= 5 && n < 12 && (p[0] == '2' || p[0] == '4' || p[0] == '5') &&
      p[1] == '.')
    snprintf(buf, cap, "%.*s", (int)n, p);
  else if (o->code)
    snprintf(buf, cap, "%d.0.0", o->code / 100 == 2 ? 2 : 5);
  else
    snprintf(buf, cap, "5.4.1"); /* no answer: it does not queue */
}

/* Is a DSN due for outcome O, and which: "failed" or "relayed"? */
static const char *rly_due(const struct srv_ctx *ctx, bool next_dsn,
                           const struct srv_smtp_relay_out *o,
                           unsigned notify) {
  if (o->code / 100 != 2) { /* §5.2.2 (c), (d), (f) */
    if (rly_fault(ctx, MS_F_RELAY_NO_BOUNCE))
      return NULL;
    bool never = notify && !(notify & MS_DSN_FAILURE);
    return !never || rly_fault(ctx, MS_F_RELAY_NEVER_BOUNCE) ? "failed" : NULL;
  }
  if (next_dsn) /* passed on: the next hop reports (§5.2.1) */
    return NULL;
  if (notify & MS_DSN_SUCCESS) /* (b) */
    return rly_fault(ctx, MS_F_RELAY_NO_RELAYED) ? NULL : "relayed";
  if (!notify && rly_fault(ctx, MS_F_RELAY_RELAYED_ALWAYS)) /* (e) broken */
    return "relayed";
  return NULL;
}

/* Recipient I's fields.  BUF holds the strings it points to. */
static void rly_fields(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                       const struct srv_smtp_relay_out *o, const char *action,
                       char buf[3][RLY_MAX_LINE + 64],
                       struct srv_smtp_notify_rcpt *r) {
  const struct ms_dsn_rcpt *d = rly_dsn(t, o->rcpt);
  *r = (struct srv_smtp_notify_rcpt){d && d->rcpt ? d->rcpt : o->rcpt,
                                     d,
                                     !strcmp(action, "failed"),
                                     action,
                                     buf[0],
                                     NULL,
                                     NULL};
  rly_status(o, buf[0], RLY_MAX_LINE);
  if (!rly_fault(ctx, MS_F_RELAY_NO_REMOTE_MTA)) { /* 3461-6.3-17, -18 */
    snprintf(buf[1], RLY_MAX_LINE + 64, "dns; %s", ctx->world->route_host);
    r->remote = buf[1];
  }
  if (!o->text)
    return;
  const char *type =
      rly_fault(ctx, MS_F_RELAY_DIAG_NOT_SMTP) ? "x-relay" : "smtp";
  if (rly_fault(ctx, MS_F_RELAY_DIAG_REWRITTEN)) /* 3461-9.2-1 broken */
    snprintf(buf[2], RLY_MAX_LINE + 64, "%s; %d refused by the next hop", type,
             o->code);
  else /* §9.2: an exact transcription of the reply */
    snprintf(buf[2], RLY_MAX_LINE + 64, "%s; %s", type, o->text);
  r->diag = buf[2];
}

static void rly_notify(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                       const struct srv_smtp_relay_out *o, size_t n,
                       bool next_dsn, unsigned long id) {
  char *to = t->from && *t->from ? xstrdup(t->from) : NULL;
  if (!to && rly_fault(ctx, MS_F_RELAY_BOUNCE_TO_NULL)) /* 5321-3.6.3-3 */
    to = srv_smtp_notify_header_from(t->data, t->len);
  if (!to)
    return; /* §3.6.3: no notification about a notification */
  struct srv_smtp_notify_rcpt *r = xcalloc(n, sizeof *r);
  char(*buf)[3][RLY_MAX_LINE + 64] = xcalloc(n, sizeof *buf);
  size_t due = 0;
  for (size_t i = 0; i < n; i++) {
    const struct ms_dsn_rcpt *d = rly_dsn(t, o[i].rcpt);
    const char *action = rly_due(ctx, next_dsn, &o[i], d ? d->notify : 0);
    if (action)
      rly_fields(ctx, t, &o[i], action, buf[due], &r[due]), due++;
  }
  struct ms_faults f = {0}; /* the notification faults of the relay's own */
  if (rly_fault(ctx, MS_F_RELAY_BOUNCE_SENDER)) /* 5321-3.6.3-4 broken */
    ms_fault_set(&f, MS_F_DSN_SENDER_NOT_NULL);
  struct srv_smtp_notify_in in = {ctx->world->hostname ? ctx->world->hostname
                                                       : "localhost",
                                  to,
                                  t->params,
                                  r,
                                  due,
                                  t->data,
                                  t->len,
                                  id,
                                  time(NULL)};
  if (due)
    srv_smtp_notify_mail(ctx, &f, &in);
  free(buf);
  free(r);
  free(to);
}

size_t srv_smtp_relay(const struct srv_ctx *ctx, const struct srv_smtp_txn *t) {
  static atomic_ulong seq;
  struct srv_smtp_relay_out *o = xcalloc(t->nrcpts ? t->nrcpts : 1, sizeof *o);
  size_t n = 0;
  for (size_t i = 0; i < t->nrcpts; i++)
    if (srv_smtp_relay_rcpt(ctx, t->rcpts[i]))
      o[n++].rcpt = t->rcpts[i];
  size_t taken = 0;
  /* Fault relay-drops-return-path (5321-4.4-18 broken: "MUST NOT inspect
   * the message data, and especially not to the extent needed to
   * determine if Return-path header fields are present"): such a
   * message is looked at and silently not passed on. */
  if (n && rly_fault(ctx, MS_F_RELAY_DROPS_RETURN_PATH) &&
      rly_has_field(t->data, rly_head(t), "Return-Path"))
    n = 0;
  if (n) {
    /* apart from the ids of srv_smtp_deliver.c and srv_smtp_notify.c */
    unsigned long id = atomic_fetch_add(&seq, 1) + 1000000001ul;
    bool next_dsn;
    rly_exchange(ctx, t, id, o, n, &next_dsn);
    for (size_t i = 0; i < n; i++)
      taken += o[i].code / 100 == 2;
    rly_notify(ctx, t, o, n, next_dsn, id);
  }
  for (size_t i = 0; i < n; i++)
    free(o[i].text);
  free(o);
  return taken;
}
