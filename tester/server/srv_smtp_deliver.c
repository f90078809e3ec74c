/* srv_smtp_deliver: the end of a mail transaction in the reference
 * server (see srv_smtp_deliver.h).  What RFC 5321 asks of a server that
 * receives a message for delivery:
 *   - §4.4: "it MUST insert trace ("time stamp" or "Received")
 *     information at the beginning of the message content": a Received:
 *     line with FROM (the EHLO name and the address of the TCP
 *     connection), BY, WITH (ESMTP, ESMTPS, ESMTPA, ESMTPSA: RFC 3848;
 *     UTF8SMTP... after MAIL's SMTPUTF8: RFC 6531 §3.7.3),
 *     ID, FOR (one path, only when there is one recipient) and a
 *     date-time with a numeric offset and a four-digit year;
 *   - §4.4: earlier Received lines and the order of lines are kept;
 *     the final delivery (store.c) puts "Return-Path: <reverse-path>" on
 *     top, after removing Return-Path fields the message came with (it
 *     MAY, and then exactly one is there, as it SHOULD be);
 *   - §6.3: a message with more than SRV_SMTP_MAX_HOPS Received fields
 *     is a loop: refused at the end of data (554 5.4.6) and not
 *     delivered (§4.2.5);
 *   - a world's defer_senders get 451 at the end of data (§4.2.5: and
 *     no delivery), for tests of a refusal with 4yz.
 * The delivery faults (srv.h) break each of these on purpose. */
#include "srv_smtp_deliver.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srv_smtp_autoreply.h"
#include "srv_smtp_msa.h"
#include "srv_smtp_binary.h"
#include "srv_smtp_notify.h"
#include "srv_smtp_relay.h"
#include "store.h"
#include "util.h"

static bool dlv_fault(const struct srv_ctx *ctx, enum ms_fault f) {
  return ms_fault_on(&ctx->faults, f);
}

/* ---- the message as lines ------------------------------------------ */

struct dlv_line {
  const char *p;
  size_t n; /* with its CRLF */
};

struct dlv_msg {
  struct dlv_line *v;
  size_t n, cap, nhead; /* header lines: before the first empty line */
};

static void dlv_split(struct dlv_msg *m, const char *data, size_t len) {
  memset(m, 0, sizeof *m);
  for (size_t i = 0; i < len;) {
    const char *nl = memchr(data + i, '\n', len - i);
    size_t n = nl ? (size_t)(nl - (data + i)) + 1 : len - i;
    xgrow((void **)&m->v, &m->cap, m->n, sizeof *m->v);
    m->v[m->n++] = (struct dlv_line){data + i, n};
    i += n;
  }
  m->nhead = m->n;
  for (size_t i = 0; i < m->n; i++)
    if (m->v[i].n <= 2 && (m->v[i].p[0] == '\r' || m->v[i].p[0] == '\n')) {
      m->nhead = i;
      break;
    }
}

static bool dlv_wsp(char c) {
  return c == ' ' || c == '\t';
}

/* Does line L start a header field named NAME? */
static bool dlv_is_field(const struct dlv_line *l, const char *name) {
  size_t n = strlen(name);
  return l->n > n && l->p[n] == ':' && strncasecmp(l->p, name, n) == 0;
}

/* Lines of the field starting at line I. */
static size_t dlv_span(const struct dlv_msg *m, size_t i) {
  size_t k = i + 1;
  while (k < m->nhead && m->v[k].n > 0 && dlv_wsp(m->v[k].p[0]))
    k++;
  return k - i;
}

size_t srv_smtp_hops(const char *data, size_t len) {
  struct dlv_msg m;
  dlv_split(&m, data, len);
  size_t n = 0;
  for (size_t i = 0; i < m.nhead; i++)
    n += dlv_is_field(&m.v[i], "Received");
  free(m.v);
  return n;
}

/* ---- the faults that change the message ------------------------------ */

/* Octets of a line, changed by the content faults: controls (but TAB,
 * CR, LF) removed, lines cut at 78 octets, the 8th bit cleared. */
static void dlv_line_out(const struct srv_ctx *ctx, struct ms_buf *o,
                         const struct dlv_line *l) {
  size_t n = l->n, body = n;
  while (body > 0 && (l->p[body - 1] == '\n' || l->p[body - 1] == '\r'))
    body--;
  size_t col = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)l->p[i];
    if (i < body && dlv_fault(ctx, MS_F_STRIP_CONTROLS) && c < 0x20 &&
        c != '\t')
      continue;
    if (dlv_fault(ctx, MS_F_STRIP_8TH_BIT))
      c &= 0x7f;
    if (i < body && dlv_fault(ctx, MS_F_WRAP_LONG_LINES) && col == 78) {
      ms_buf_add(o, "\r\n", 2);
      col = 0;
    }
    ms_buf_add(o, &c, 1);
    col++;
  }
}

/* Fault to-deduced (RFC 5321 §7.2: "SHOULD NOT attempt to deduce such
 * relationships and use them to alter the header section"): a To: field
 * naming no address becomes the first recipient's.  True: replaced. */
static bool dlv_to_deduced(const struct srv_ctx *ctx,
                           const struct srv_smtp_txn *t,
                           const struct dlv_msg *m, size_t i,
                           struct ms_buf *o) {
  if (!dlv_fault(ctx, MS_F_TO_DEDUCED) || !t->nrcpts ||
      !dlv_is_field(&m->v[i], "To"))
    return false;
  for (size_t k = i; k < i + dlv_span(m, i); k++)
    if (memchr(m->v[k].p, '@', m->v[k].n))
      return false;
  ms_buf_addf(o, "To: <%s>\r\n", t->rcpts[0]);
  return true;
}

/* The message as it goes into the mailbox: the faults applied, and the
 * Return-Path fields it came with removed (§4.4: final delivery MAY
 * remove them; then exactly one is there).  TRACE goes on top, or
 * below the header fields (received-below).  Caller frees. */
static char *dlv_content(const struct srv_ctx *ctx,
                         const struct srv_smtp_txn *t, const char *trace,
                         size_t *len) {
  struct dlv_msg m;
  dlv_split(&m, t->data, t->len);
  struct ms_buf o;
  ms_buf_init(&o, 0);
  if (trace && !dlv_fault(ctx, MS_F_RECEIVED_BELOW))
    ms_buf_addstr(&o, trace);
  if (dlv_fault(ctx, MS_F_RCPT_LIST_HEADER) && t->nrcpts > 1) { /* §7.2 */
    ms_buf_addstr(&o, "X-Envelope-To:");
    for (size_t r = 0; r < t->nrcpts; r++)
      ms_buf_addf(&o, "%s <%s>", r ? "," : "", t->rcpts[r]);
    ms_buf_addstr(&o, "\r\n");
  }
  if (dlv_fault(ctx, MS_F_HEADER_REORDER)) /* Subject: first */
    for (size_t i = 0; i < m.nhead; i += dlv_span(&m, i))
      if (dlv_is_field(&m.v[i], "Subject"))
        for (size_t k = i; k < i + dlv_span(&m, i); k++)
          dlv_line_out(ctx, &o, &m.v[k]);
  for (size_t i = 0; i < m.n;) {
    size_t span = i < m.nhead ? dlv_span(&m, i) : 1;
    const struct dlv_line *l = &m.v[i];
    bool drop =
        i < m.nhead &&
        ((dlv_is_field(l, "Return-Path") &&
          !dlv_fault(ctx, MS_F_RETURN_PATH_KEPT)) ||
         (dlv_is_field(l, "Received") && dlv_fault(ctx, MS_F_TRACE_REWRITE)) ||
         (dlv_is_field(l, "Subject") && dlv_fault(ctx, MS_F_HEADER_REORDER)) ||
         dlv_to_deduced(ctx, t, &m, i, &o));
    if (i == m.nhead && trace && dlv_fault(ctx, MS_F_RECEIVED_BELOW))
      ms_buf_addstr(&o, trace);
    if (i == m.nhead && dlv_fault(ctx, MS_F_APPARENTLY_TO))
      for (size_t r = 0; r < t->nrcpts; r++) /* §7.2: SHOULD NOT */
        ms_buf_addf(&o, "Apparently-To: <%s>\r\n", t->rcpts[r]);
    for (size_t k = i; !drop && k < i + span; k++)
      dlv_line_out(ctx, &o, &m.v[k]);
    i += span;
  }
  if (m.nhead == m.n && trace && dlv_fault(ctx, MS_F_RECEIVED_BELOW))
    ms_buf_addstr(&o, trace);
  free(m.v);
  if (t->params && t->params->body == MS_BODY_BINARYMIME &&
      dlv_fault(ctx, MS_F_BINARY_NUL_DROPPED)) { /* RFC 3030 §3: all bits */
    size_t k = 0;
    for (size_t i = 0; i < o.len; i++)
      if (o.p[i])
        o.p[k++] = o.p[i];
    if (o.p)
      o.p[k] = '\0';
    o.len = k;
  }
  return ms_buf_steal(&o, len);
}

/* The mailboxes of the To: field (fault route-by-header: C-9 forbids
 * routing by header fields), appended to the recipients.  Returns the
 * new count; *V is reallocated, new entries owned by the caller. */
static size_t dlv_header_rcpts(const struct srv_smtp_txn *t, char ***v) {
  struct dlv_msg m;
  dlv_split(&m, t->data, t->len);
  size_t n = t->nrcpts;
  *v = xcalloc(n + 16, sizeof **v);
  for (size_t i = 0; i < n; i++)
    (*v)[i] = xstrdup(t->rcpts[i]);
  for (size_t i = 0; i < m.nhead && n < t->nrcpts + 16; i++) {
    if (!dlv_is_field(&m.v[i], "To"))
      continue;
    const char *p = m.v[i].p, *end = p + m.v[i].n;
    while ((p = memchr(p, '<', (size_t)(end - p)))) {
      const char *q = memchr(p, '>', (size_t)(end - p));
      if (!q || n >= t->nrcpts + 16)
        break;
      (*v)[n++] = xstrndup(p + 1, (size_t)(q - p - 1));
      p = q;
    }
  }
  free(m.v);
  return n;
}

/* ---- delivering ------------------------------------------------------ */

static bool dlv_deferred(const struct srv_ctx *ctx, const char *from) {
  const struct ms_world *w = ctx->world;
  for (size_t i = 0; from && i < w->ndefer; i++)
    if (ms_streq_ci(w->defer_senders[i], from))
      return true;
  return false;
}

/* The Return-Path's mailbox (§4.4: "preserves the information in the
 * <reverse-path>"), or what a fault makes of it.  Caller frees. */
static char *dlv_return_path(const struct srv_ctx *ctx, const char *from,
                             const char *host) {
  if (!*from && dlv_fault(ctx, MS_F_NULL_SENDER_FILLED))
    return xasprintf("MAILER-DAEMON@%s", host);
  char *r = xstrdup(from);
  const char *at = strrchr(r, '@');
  if (dlv_fault(ctx, MS_F_FOLD_LOCAL_PART))
    for (char *p = r; *p && (!at || p < at); p++)
      if (*p >= 'A' && *p <= 'Z')
        *p = (char)(*p - 'A' + 'a');
  return r;
}

/* The local mailboxes of list L ("<box@local>" members; a program's
 * member and remote ones are not expanded here).  Returns how many. */
static size_t dlv_list_members(const struct srv_ctx *ctx,
                               const struct ms_world_list *l, char ***out) {
  char **m = xcalloc(l->nmembers + 1, sizeof *m);
  size_t n = 0;
  for (size_t i = 0; i < l->nmembers; i++) {
    const char *lt = strchr(l->members[i], '<'), *gt;
    if (!lt || strstr(l->members[i], " |") || lt[1] == '@' ||
        !(gt = strchr(lt, '>')))
      continue;
    char *addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
    const char *at = strrchr(addr, '@');
    if (at && ms_world_local_domain(ctx->world, at + 1))
      m[n++] = addr;
    else
      free(addr);
  }
  *out = m;
  return n;
}

/* CONTENT with its first From: field made the list's (fault
 * list-rewrites-from).  Caller frees. */
static char *dlv_list_from(const char *content, size_t len, const char *list,
                           size_t *olen) {
  const char *p = content, *end = content + len;
  while (p < end && strncasecmp(p, "From:", 5) != 0) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    p = nl ? nl + 1 : end;
  }
  if (p >= end)
    return xmemdup(content, *olen = len);
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  const char *rest = nl ? nl + 1 : end;
  char *r = xasprintf("%.*sFrom: <%s>\r\n%.*s", (int)(p - content), content,
                      list, (int)(end - rest), rest);
  *olen = strlen(r);
  return r;
}

/* RFC 5321 §3.9: "When a message is delivered or forwarded to each
 * address of an expanded list form, the return address in the envelope
 * ("MAIL FROM:") MUST be changed to be the address of a person or other
 * entity who administers the list.  However, in this case, the message
 * header section [...] MUST be left unchanged".  Each recipient of T
 * that is a list of the world gets a copy of BASE for its local
 * members, from owner-LIST@domain (faults list-keeps-sender: from the
 * sender; list-rewrites-from: the list in From:). */
static void dlv_lists(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                      const struct ms_store_in *base) {
  for (size_t i = 0; i < t->nrcpts; i++) {
    const struct ms_world_list *l = ms_world_find_list(ctx->world, t->rcpts[i]);
    char **m = NULL;
    size_t n = l ? dlv_list_members(ctx, l, &m) : 0;
    for (size_t k = 0; dlv_fault(ctx, MS_F_LIST_DROPS_ORIGINATOR) && k < n;)
      if (base->from && ms_streq_ci(m[k], base->from)) { /* 5321-3.9-4 */
        free(m[k]);
        m[k] = m[--n];
      } else {
        k++;
      }
    if (n) {
      struct ms_store_in in = *base;
      char *owner = dlv_fault(ctx, MS_F_LIST_KEEPS_SENDER)
                        ? xstrdup(base->from)
                        : xasprintf("owner-%s", t->rcpts[i]);
      char *content = NULL;
      if (dlv_fault(ctx, MS_F_LIST_REWRITES_FROM))
        in.content = content =
            dlv_list_from(base->content, base->clen, t->rcpts[i], &in.clen);
      in.from = owner;
      in.rcpts = m;
      in.nrcpts = n;
      in.params = NULL; /* the list's own delivery asks for no DSN */
      (void)ms_store_deliver_in(ctx->store, &in);
      free(content);
      free(owner);
    }
    for (size_t k = 0; k < n; k++)
      free(m[k]);
    free(m);
  }
}

static void dlv_store(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                      bool *failed) {
  static atomic_ulong seq;
  const char *host = ctx->world->hostname ? ctx->world->hostname : "localhost";
  unsigned long id = atomic_fetch_add(&seq, 1) + 1;
  char *trace =
      dlv_fault(ctx, MS_F_NO_RECEIVED) ||
              (t->auth && dlv_fault(ctx, MS_F_NO_RECEIVED_AUTH)) /* 4954 §7 */
          ? NULL
          : srv_smtp_received(t, host, ctx->peer, time(NULL), id, &ctx->faults);
  size_t len;
  char *content = dlv_content(ctx, t, trace, &len);
  char *rp = dlv_return_path(ctx, t->from ? t->from : "", host);
  char *const *rcpts = t->rcpts;
  size_t nrcpts = t->nrcpts;
  char **own = NULL;
  if (dlv_fault(ctx, MS_F_ROUTE_BY_HEADER)) {
    nrcpts = dlv_header_rcpts(t, &own);
    rcpts = own;
  }
  struct ms_store_in in = {rp,
                           rcpts,
                           nrcpts,
                           NULL,
                           t->data,
                           t->len,
                           dlv_fault(ctx, MS_F_NO_RETURN_PATH),
                           content,
                           len,
                           t->params};
  /* The store keeps the message as received for its own readers; the
   * maildrop copy is what final delivery made of it. */
  *failed = ms_store_deliver_in(ctx->store, &in) < 0;
  if (!*failed)
    dlv_lists(ctx, t, &in);
  for (size_t i = 0; own && i < nrcpts; i++)
    free(own[i]);
  free(own);
  free(rp);
  free(content);
  free(trace);
}

/* The refusals at the end of data (§6.3's loop, a world's
 * defer_senders): the reply is written and true returned when T is
 * refused (and, under the faults deliver-refused and deliver-deferred,
 * delivered all the same). */
static bool dlv_refused(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                        const struct srv_smtp_fmt *f, struct ms_buf *out) {
  bool failed = false;
  size_t hops = srv_smtp_hops(t->data, t->len);
  size_t limit = dlv_fault(ctx, MS_F_LOOP_LIMIT_50) ? 50 : SRV_SMTP_MAX_HOPS;
  if (hops > limit && !dlv_fault(ctx, MS_F_NO_LOOP_CHECK)) {
    srv_smtp_reply(out, f, 554, "5.4.6",
                   "Too many Received: fields (%zu): a mail loop, not "
                   "delivered (RFC 5321 section 6.3)",
                   hops);
    if (dlv_fault(ctx, MS_F_DELIVER_REFUSED)) /* §4.2.5 broken */
      dlv_store(ctx, t, &failed);
    return true;
  }
  if (dlv_deferred(ctx, t->from)) {
    srv_smtp_reply(out, f, 451, "4.7.1",
                   "Mail from <%s> is not taken now; try again later", t->from);
    if (dlv_fault(ctx, MS_F_DELIVER_DEFERRED)) /* §4.2.5 broken */
      dlv_store(ctx, t, &failed);
    return true;
  }
  return false;
}

static void dlv_here(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                     const struct srv_smtp_fmt *f, struct ms_buf *out);

void srv_smtp_deliver(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                      const struct srv_smtp_fmt *f, struct ms_buf *out) {
  if (t->nrcpts == 0) { /* only terminals (SEND, SOML): nothing to store */
    srv_smtp_reply(out, f, 250, "2.0.0", "OK");
    return;
  }
  if (dlv_refused(ctx, t, f, out))
    return;
  if (srv_smtp_binary_return(ctx, t, f, out)) /* RFC 3030 §3 */
    return;
  struct srv_smtp_txn msa = *t; /* an MSA's added fields (RFC 6409 §8) */
  char *done = srv_msa_complete(ctx, t, &msa.len);
  if (done) {
    msa.data = done;
    t = &msa;
  }
  /* The relay route's recipients go on to the next hop (after the reply
   * below: srv_smtp_relay.c); the others are delivered here. */
  struct srv_smtp_txn local;
  char **own;
  size_t nrelay = srv_smtp_relay_split(ctx, t, &local, &own);
  if (nrelay) {
    if (local.nrcpts)
      dlv_here(ctx, &local, f, out);
    else
      srv_smtp_reply(out, f, 250, "2.0.0", "OK");
    (void)srv_smtp_relay(ctx, t);
  } else {
    dlv_here(ctx, t, f, out);
  }
  free(own);
  free(done);
}

/* Deliver T's recipients here. */
static void dlv_here(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                     const struct srv_smtp_fmt *f, struct ms_buf *out) {
  bool failed = false;
  dlv_store(ctx, t, &failed);
  size_t nfail = failed ? 0 : srv_smtp_notify_failing(ctx, t);
  if (failed)
    srv_smtp_reply(out, f, 451, "4.3.0",
                   "Requested action aborted: local error in processing");
  else if (nfail && nfail < t->nrcpts && dlv_fault(ctx, MS_F_PARTIAL_554))
    srv_smtp_reply(out, f, 554, "5.0.0", /* 5321-4.4-25 broken */
                   "Delivered to some recipients only");
  else /* §4.4: some delivered, some not: still an OK reply */
    srv_smtp_reply(out, f, 250, "2.0.0", "OK");
  if (!failed) { /* failures after acceptance, DSNs (§6.1, RFC 3461) */
    srv_smtp_notify(ctx, t);
    srv_smtp_autoreply(ctx, t); /* vacation notices (§4.5.5) */
  }
}

/* ---- the end of a session -------------------------------------------- */

/* A transaction kept until QUIT (its own copy of everything). */
struct dlv_kept {
  char *helo, *from, **rcpts, *data;
  size_t nrcpts, len;
  bool ehlo, tls, auth, smtputf8; /* smtputf8: the WITH clause's */
};

struct srv_smtp_pending {
  struct dlv_kept *v;
  size_t n, cap;
};

static void dlv_kept_free(struct dlv_kept *k) {
  free(k->helo);
  free(k->from);
  for (size_t i = 0; i < k->nrcpts; i++)
    free(k->rcpts[i]);
  free(k->rcpts);
  free(k->data);
}

void srv_smtp_deliver_txn(const struct srv_ctx *ctx, struct srv_smtp_txn t,
                          const struct srv_smtp_fmt *f, struct ms_buf *out,
                          struct srv_smtp_pending **pending) {
  if (!dlv_fault(ctx, MS_F_FORGET_ON_DROP) || t.nrcpts == 0) {
    srv_smtp_deliver(ctx, &t, f, out);
    return;
  }
  if (dlv_refused(ctx, &t, f, out)) /* the fault keeps only what it takes */
    return;
  if (srv_smtp_binary_return(ctx, &t, f, out)) /* RFC 3030 §3: not kept */
    return;
  if (!*pending)
    *pending = xcalloc(1, sizeof **pending);
  struct srv_smtp_pending *p = *pending;
  char **rcpts = xcalloc(t.nrcpts, sizeof *rcpts);
  for (size_t i = 0; i < t.nrcpts; i++)
    rcpts[i] = xstrdup(t.rcpts[i]);
  xgrow((void **)&p->v, &p->cap, p->n, sizeof *p->v);
  p->v[p->n++] =
      (struct dlv_kept){xstrdup(t.helo), xstrdup(t.from),
                        rcpts,           xmemdup(t.data, t.len),
                        t.nrcpts,        t.len,
                        t.ehlo,          t.tls,
                        t.auth,          t.params && t.params->smtputf8};
  srv_smtp_reply(out, f, 250, "2.0.0", "OK");
  srv_smtp_notify(ctx, &t);    /* the notices need the parameters: now */
  srv_smtp_autoreply(ctx, &t); /* and so does a responder's answer */
}

void srv_smtp_pending_flush(const struct srv_ctx *ctx,
                            struct srv_smtp_pending **pending) {
  struct srv_smtp_pending *p = *pending;
  for (size_t i = 0; p && i < p->n; i++) {
    const struct dlv_kept *k = &p->v[i];
    /* a fault's: of the parameters, only what the trace line shows */
    struct ms_store_params u8 = {.smtputf8 = k->smtputf8};
    struct srv_smtp_txn t = {k->helo, k->ehlo,  k->tls,    k->auth,
                             k->from, k->rcpts, k->nrcpts, k->data,
                             k->len,  &u8,      NULL,      false};
    bool failed;
    dlv_store(ctx, &t, &failed);
  }
  srv_smtp_pending_drop(pending);
}

void srv_smtp_pending_drop(struct srv_smtp_pending **pending) {
  struct srv_smtp_pending *p = *pending;
  for (size_t i = 0; p && i < p->n; i++)
    dlv_kept_free(&p->v[i]);
  if (p)
    free(p->v);
  free(p);
  *pending = NULL;
}

void srv_smtp_unfinished(const struct srv_ctx *ctx, struct srv_smtp_txn t) {
  bool failed;
  if (dlv_fault(ctx, MS_F_DELIVER_UNFINISHED))
    dlv_store(ctx, &t, &failed);
}
