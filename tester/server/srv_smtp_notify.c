/* srv_smtp_notify: the reference server's delivery status notifications
 * (see srv_smtp_notify.h).  What it does, by the RFC's sentences:
 *   - RFC 5321 §6.1: "If there is a delivery failure after acceptance of
 *     a message, the receiver-SMTP MUST formulate and mail a notification
 *     message.  This notification MUST be sent using a null ("<>")
 *     reverse-path in the envelope.  The recipient of this notification
 *     MUST be the address from the envelope return path ...  However, if
 *     this address is null ("<>"), the receiver-SMTP MUST NOT send a
 *     notification."  (RFC 3461 §5.2, §6.1 say the same of DSNs.)
 *   - RFC 5321 §4.4: "A single notification listing all of the failed
 *     recipients ... the former SHOULD be used when possible."
 *   - RFC 3461 §5.2.6: a "failed" DSN when NOTIFY holds FAILURE or was
 *     not given, none otherwise; §5.2.3: a "delivered" DSN only for
 *     NOTIFY=SUCCESS; §5.2.8: no recipient listed for whom no DSN is due.
 *   - RFC 3461 §5.2: "However, the MTA which would otherwise issue a DSN
 *     SHOULD inform the local postmaster of delivery failures through
 *     some appropriate mechanism that will not itself result in the
 *     generation of DSNs": failures of a message with a null
 *     reverse-path are reported, from <>, to postmaster@ the host
 *     (ntf_postmaster).
 *   - RFC 3461 §6.2: RET=FULL returns the message, HDRS (and a DSN
 *     without failures) only its headers, "The third component must have
 *     an appropriate content-type label"; §6.3: Reporting-MTA (dns;
 *     FQDN), Original-Envelope-ID (the ENVID, xtext decoded),
 *     Original-Recipient (from ORCPT), Final-Recipient ("rfc822", the
 *     envelope address), Action and Status (RFC 3463).
 *   - RFC 3464 §2.3.1: "original-recipient-field = "Original-Recipient"
 *     ":" address-type ";" generic-address".
 * The faults of the dsn-* family (srv.h) break each of these. */
#include "srv_smtp_notify.h"

#include "srv_smtp.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store.h"
#include "util.h"
#include "world.h"

/* A delivery that fails after acceptance: RFC 3463's "5.2.1 Mailbox
 * disabled, not accepting messages"; a local delivery: RFC 3463 §3.2
 * "X.1.5 Destination address valid: This status code should be used for
 * positive delivery reports." (fault dsn-delivered-status-200: "2.0.0",
 * 3463-3.2-4 broken). */
#define NTF_STATUS_FAILED "5.2.1"
#define NTF_STATUS_DELIVERED "2.1.5"
#define NTF_STATUS_DELIVERED_200 "2.0.0"

/* Numbers the notifications: their Message-IDs and boundaries. */
static atomic_ulong ntf_seq;

static bool ntf_fault(const struct ms_faults *f, enum ms_fault x) {
  return ms_fault_on(f, x);
}

/* ---- the text -------------------------------------------------------- */

/* X as xtext again (fault dsn-envid-xtext): "+", "=" and octets outside
 * "!".."~" as "+HH" (RFC 3461 §4). */
static void ntf_xtext(struct ms_buf *b, const char *x) {
  for (const unsigned char *p = (const unsigned char *)x; *p; p++)
    if (*p == '+' || *p == '=' || *p < '!' || *p > '~')
      ms_buf_addf(b, "+%02X", *p);
    else
      ms_buf_add(b, p, 1);
}

/* Does the DSN take RFC 6533's form?  RFC 6531 §3.2: "If an
 * SMTPUTF8-aware SMTP server advertises the Delivery Status Notification
 * (DSN) [RFC3461] extension, it MUST implement RFC 6533": for a message
 * received with SMTPUTF8 (fault dsn-utf8-plain: the RFC 3464 form). */
static bool ntf_intl(const struct ms_faults *f,
                     const struct srv_smtp_notify_in *in) {
  return in->params && in->params->smtputf8 &&
         !ntf_fault(f, MS_F_DSN_UTF8_PLAIN);
}

static bool ntf_ascii(const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p > 0x7f)
      return false;
  return true;
}

/* The Final-Recipient's address: the envelope address as given
 * (RFC 3461 §6.3 (e), §9.1), or under its fault the local part at the
 * server's own name.  A non-ASCII address in RFC 6533's form takes its
 * "utf-8" address type (§3: utf-8-type-addr = "utf-8;" utf-8-enc-addr,
 * the utf-8-address being a Mailbox of RFC 6531). */
static void ntf_final(struct ms_buf *b, const struct ms_faults *f,
                      const char *host, const char *addr, bool intl) {
  const char *at = strrchr(addr, '@');
  const char *type = intl && !ntf_ascii(addr) ? "utf-8" : "rfc822";
  if (ntf_fault(f, MS_F_DSN_FINAL_REWRITTEN))
    ms_buf_addf(b, "Final-Recipient: %s; %.*s@%s\r\n", type,
                (int)(at ? (size_t)(at - addr) : strlen(addr)), addr, host);
  else
    ms_buf_addf(b, "Final-Recipient: %s; %s\r\n", type, addr);
}

/* One recipient's fields (RFC 3464 §2.3), after an empty line. */
static void ntf_rcpt_fields(struct ms_buf *b, const struct ms_faults *f,
                            const char *host, bool intl,
                            const struct srv_smtp_notify_rcpt *r) {
  ms_buf_addstr(b, "\r\n");
  const struct ms_dsn_rcpt *d = r->dsn;
  if (d && d->orcpt_type && !ntf_fault(f, MS_F_DSN_NO_ORCPT))
    ms_buf_addf(b, "Original-Recipient: %s;%s\r\n", d->orcpt_type, d->orcpt);
  else if ((!d || !d->orcpt_type) && ntf_fault(f, MS_F_DSN_ORCPT_ALWAYS))
    ms_buf_addf(b, "Original-Recipient: rfc822;%s\r\n", r->addr);
  ntf_final(b, f, host, r->addr, intl);
  if (ntf_fault(f, MS_F_DSN_NO_STATUS))
    return;
  ms_buf_addf(b, "Action: %s\r\nStatus: %s\r\n",
              r->action   ? r->action
              : r->failed ? "failed"
                          : "delivered",
              r->status   ? r->status
              : r->failed ? NTF_STATUS_FAILED
              : ntf_fault(f, MS_F_DSN_DELIVERED_STATUS_200)
                  ? NTF_STATUS_DELIVERED_200
                  : NTF_STATUS_DELIVERED);
  if (r->remote) /* RFC 3464 §2.3.5 */
    ms_buf_addf(b, "Remote-MTA: %s\r\n", r->remote);
  if (r->diag) /* RFC 3464 §2.3.6 */
    ms_buf_addf(b, "Diagnostic-Code: %s\r\n", r->diag);
}

/* The Reporting-MTA's mta-name-type.  RFC 3461 §6.3 (b): "dns" with the
 * fully-qualified domain name; "If the fully-qualified Internet domain
 * name of the Reporting MTA is not known ... the MTA-name-type subfield
 * MUST NOT be "dns"".  A world hostname of one label (no dot) is such a
 * name; x-local-hostname is a private type (RFC 3464 §2.1.2: "X-"). */
static const char *ntf_mta_type(const struct ms_faults *f, const char *host) {
  if (!strchr(host, '.') && !ntf_fault(f, MS_F_DSN_DNS_UNQUALIFIED))
    return "x-local-hostname";
  return "dns";
}

/* The message/delivery-status part's content (RFC 3461 §6.3). */
static void ntf_status(struct ms_buf *b, const struct ms_faults *f,
                       const struct srv_smtp_notify_in *in) {
  if (!ntf_fault(f, MS_F_DSN_NO_REPORTING_MTA))
    ms_buf_addf(b, "Reporting-MTA: %s; %s\r\n", ntf_mta_type(f, in->host),
                in->host);
  const char *envid = in->params ? in->params->envid : NULL;
  if (envid && !ntf_fault(f, MS_F_DSN_NO_ENVID)) {
    ms_buf_addstr(b, "Original-Envelope-ID: ");
    if (ntf_fault(f, MS_F_DSN_ENVID_XTEXT))
      ntf_xtext(b, envid);
    else
      ms_buf_addstr(b, envid);
    ms_buf_addstr(b, "\r\n");
  }
  for (size_t i = 0; i < in->nrcpts; i++)
    ntf_rcpt_fields(b, f, in->host, ntf_intl(f, in), &in->rcpts[i]);
}

/* Length of DATA's header section with the empty line after it. */
static size_t ntf_head_len(const char *data, size_t len) {
  for (size_t i = 0; i < len;) {
    const char *nl = memchr(data + i, '\n', len - i);
    size_t n = nl ? (size_t)(nl - (data + i)) + 1 : len - i;
    if (n <= 2 && (data[i] == '\r' || data[i] == '\n'))
      return i + n;
    i += n;
  }
  return len;
}

/* The third part (RFC 3461 §6.2): the whole message for RET=FULL and for
 * failures without RET, else its headers, each with its label. */
static void ntf_returned(struct ms_buf *b, const struct ms_faults *f,
                         const struct srv_smtp_notify_in *in, bool failure) {
  enum ms_dsn_ret ret = in->params ? in->params->ret : MS_DSN_RET_NONE;
  bool full = failure && ret != MS_DSN_RET_HDRS;
  if (ret == MS_DSN_RET_FULL && ntf_fault(f, MS_F_DSN_RET_IGNORED))
    full = false;
  bool mislabel = ntf_fault(f, MS_F_DSN_HEADERS_MISLABELED);
  ms_buf_addf(b, "Content-Type: %s\r\n\r\n",
              full || mislabel ? "message/rfc822" : "text/rfc822-headers");
  size_t n = full ? in->len : ntf_head_len(in->data, in->len);
  ms_buf_add(b, in->data, n);
  if (n == 0 || in->data[n - 1] != '\n')
    ms_buf_addstr(b, "\r\n");
}

char *srv_smtp_notify_text(const struct ms_faults *f,
                           const struct srv_smtp_notify_in *in, size_t *len) {
  bool failure = false;
  for (size_t i = 0; i < in->nrcpts; i++)
    failure = failure || in->rcpts[i].failed;
  char date[64], bound[64];
  struct tm tm;
  localtime_r(&in->when, &tm);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);
  /* "=_" cannot occur in base64 or quoted-printable text (RFC 2045) */
  snprintf(bound, sizeof bound, "=_mailspec-dsn-%lu-%lld", in->id,
           (long long)in->when);
  struct ms_buf b;
  ms_buf_init(&b, 0);
  ms_buf_addf(&b,
              "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n"
              "To: <%s>\r\n"
              "Subject: Delivery Status Notification (%s)\r\n"
              "Date: %s\r\n"
              "Message-ID: <dsn%lu.%lld@%s>\r\n"
              "Auto-Submitted: auto-replied\r\n"
              "MIME-Version: 1.0\r\n"
              "Content-Type: multipart/report; "
              "report-type=delivery-status;\r\n\tboundary=\"%s\"\r\n\r\n"
              "This is a delivery status notification (RFC 3464).\r\n\r\n"
              "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n",
              in->host, in->to, failure ? "Failure" : "Success", date, in->id,
              (long long)in->when, in->host, bound, bound);
  for (size_t i = 0; i < in->nrcpts; i++)
    ms_buf_addf(&b, "%s: <%s>\r\n",
                in->rcpts[i].failed   ? "Delivery failed"
                : in->rcpts[i].action ? "Relayed"
                                      : "Delivered",
                in->rcpts[i].addr);
  /* RFC 6533's form: message/global-delivery-status */
  ms_buf_addf(&b, "\r\n--%s\r\nContent-Type: message/%sdelivery-status\r\n\r\n",
              bound, ntf_intl(f, in) ? "global-" : "");
  ntf_status(&b, f, in);
  ms_buf_addf(&b, "\r\n--%s\r\n", bound);
  ntf_returned(&b, f, in, failure);
  ms_buf_addf(&b, "\r\n--%s--\r\n", bound);
  return ms_buf_steal(&b, len);
}

/* ---- who gets what ----------------------------------------------------- */

/* Recipient I's DSN parameters (kept in RCPT order), or NULL. */
static const struct ms_dsn_rcpt *ntf_dsn(const struct srv_smtp_txn *t,
                                         size_t i) {
  const struct ms_store_params *p = t->params;
  if (!p)
    return NULL;
  if (p->nrcpts == t->nrcpts)
    return &p->rcpts[i];
  for (size_t k = 0; k < p->nrcpts; k++)
    if (p->rcpts[k].rcpt && ms_streq_ci(p->rcpts[k].rcpt, t->rcpts[i]))
      return &p->rcpts[k];
  return NULL;
}

/* Is a DSN due for this recipient (RFC 3461 §5.2.3, §5.2.6)? */
static bool ntf_due(const struct ms_faults *f, bool failed, unsigned notify) {
  if (failed && ntf_fault(f, MS_F_DSN_NONE)) /* 5321-6.1-2 broken */
    return false;
  if (failed)
    return !notify || (notify & MS_DSN_FAILURE) ||
           ntf_fault(f, MS_F_DSN_IGNORE_NOTIFY);
  if (ntf_fault(f, MS_F_DSN_DELIVERED_ALWAYS))
    return true;
  return (notify & MS_DSN_SUCCESS) && !ntf_fault(f, MS_F_DSN_NO_DELIVERED);
}

/* The mailbox of the first <...> of the From: field (fault
 * dsn-to-null-sender), or NULL.  Caller frees. */
char *srv_smtp_notify_header_from(const char *data, size_t len) {
  size_t head = ntf_head_len(data, len);
  for (size_t i = 0; i < head;) {
    const char *nl = memchr(data + i, '\n', head - i);
    size_t n = nl ? (size_t)(nl - (data + i)) + 1 : head - i;
    if (n > 5 && strncasecmp(data + i, "From:", 5) == 0) {
      const char *lt = memchr(data + i, '<', n);
      const char *gt = lt ? memchr(lt, '>', n - (size_t)(lt - (data + i))) : 0;
      return gt ? xstrndup(lt + 1, (size_t)(gt - lt - 1)) : NULL;
    }
    i += n;
  }
  return NULL;
}

void srv_smtp_notify_mail(const struct srv_ctx *ctx, const struct ms_faults *f,
                          const struct srv_smtp_notify_in *in) {
  size_t len;
  char *text = srv_smtp_notify_text(f, in, &len);
  char *from = ntf_fault(f, MS_F_DSN_SENDER_NOT_NULL)
                   ? xasprintf("MAILER-DAEMON@%s", in->host)
                   : xstrdup("");
  char *to = xstrdup(in->to);
  char *const rcpts[] = {to};
  struct ms_store_in s = {
      .from = from, .rcpts = rcpts, .nrcpts = 1, .data = text, .len = len};
  (void)ms_store_deliver_in(ctx->store, &s); /* a full maildrop: lost, as
                                                 a bounce of a bounce
                                                 would be (§4.5.4) */
  free(to);
  free(from);
  free(text);
}

char *srv_smtp_notify_route(const struct srv_smtp_path *p) {
  if (!p->nhops)
    return NULL;
  struct ms_buf b;
  ms_buf_init(&b, 0);
  for (size_t i = 0; i < p->nhops; i++)
    ms_buf_addf(&b, "%s@%s", i ? "," : "", p->hops[i]);
  return ms_buf_steal(&b, NULL);
}

/* The notification's recipient: the reverse-path's mailbox, "stripped
 * down to its final hop" (RFC 5321 §6.1, C: "ignore the source route
 * entirely"); under the fault dsn-source-route the whole path, which
 * names no mailbox here.  Caller frees. */
static char *ntf_to(const struct srv_ctx *ctx, const struct srv_smtp_txn *t) {
  if (t->route && ntf_fault(&ctx->faults, MS_F_DSN_SOURCE_ROUTE))
    return xasprintf("%s:%s", t->route, t->from);
  return xstrdup(t->from);
}

/* Fault notify-by-send (5321-4.4-29 broken): a notification about a
 * message that came by SEND, SOML or SAML goes the same way, to the
 * sender's terminal when it is active, so it never reaches the mailbox.
 * RFC 5321 §4.4: "All notification messages about undeliverable mail
 * MUST be sent using the MAIL command (even if they result from
 * processing the obsolete SEND, SOML, or SAML commands)". */
static bool ntf_by_send(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                        const char *to) {
  if (!t->by_send || !ntf_fault(&ctx->faults, MS_F_NOTIFY_BY_SEND))
    return false;
  const struct ms_world_user *u = ms_world_find_user(ctx->world, to);
  return u && u->terminal;
}

/* RFC 3461 §5.2: the failures of T, a message from <>, that would
 * otherwise get a DSN, in one notice from <> to postmaster@ the host. */
static void ntf_postmaster(const struct srv_ctx *ctx,
                           const struct srv_smtp_txn *t) {
  struct srv_smtp_notify_rcpt *r = xcalloc(t->nrcpts, sizeof *r);
  size_t n = 0;
  for (size_t i = 0; i < t->nrcpts; i++) {
    const struct ms_world_user *u = ms_world_find_user(ctx->world, t->rcpts[i]);
    const struct ms_dsn_rcpt *d = ntf_dsn(t, i);
    if (u && u->fails_after_acceptance &&
        (!d || !d->notify || (d->notify & MS_DSN_FAILURE)))
      r[n++] = (struct srv_smtp_notify_rcpt){.addr = d && d->rcpt ? d->rcpt
                                                                  : t->rcpts[i],
                                             .dsn = d,
                                             .failed = true};
  }
  const char *host = ctx->world->hostname ? ctx->world->hostname : "localhost";
  char *to = xasprintf("postmaster@%s", host);
  struct srv_smtp_notify_in in = {host,    to,     t->params, r,         n,
                                  t->data, t->len, 0,         time(NULL)};
  in.id = atomic_fetch_add(&ntf_seq, 1) + 1;
  if (n)
    srv_smtp_notify_mail(ctx, &ctx->faults, &in);
  free(to);
  free(r);
}

/* Fault dsn-alias-twice: was a recipient of T, as the client wrote it,
 * an alias with one forwarding address (a user with `forward`)? */
static bool ntf_alias(const struct srv_ctx *ctx, const struct srv_smtp_txn *t) {
  for (size_t i = 0; i < t->nrcpts; i++) {
    const struct ms_dsn_rcpt *d = ntf_dsn(t, i);
    const struct ms_world_user *u =
        d && d->rcpt ? ms_world_find_user(ctx->world, d->rcpt) : NULL;
    if (u && u->forward && !u->forward_551)
      return true;
  }
  return false;
}

size_t srv_smtp_notify(const struct srv_ctx *ctx,
                       const struct srv_smtp_txn *t) {
  const struct ms_faults *f = &ctx->faults;
  if (t->nrcpts == 0)
    return 0;
  char *to = t->from && *t->from ? ntf_to(ctx, t) : NULL;
  if (!to && ntf_fault(f, MS_F_DSN_TO_NULL_SENDER)) /* 5321-6.1-5 broken */
    to = srv_smtp_notify_header_from(t->data, t->len);
  if (!(t->from && *t->from) && !ntf_fault(f, MS_F_DSN_NULL_NO_POSTMASTER))
    ntf_postmaster(ctx, t); /* RFC 3461 §5.2 */
  if (!to)
    return 0; /* §6.1: no notification to a null reverse-path */
  if (ntf_by_send(ctx, t, to)) {
    free(to);
    return 0;
  }
  struct srv_smtp_notify_rcpt *r = xcalloc(t->nrcpts, sizeof *r);
  size_t n = 0, due = 0;
  for (size_t i = 0; i < t->nrcpts; i++) {
    const struct ms_world_user *u = ms_world_find_user(ctx->world, t->rcpts[i]);
    const struct ms_dsn_rcpt *d = ntf_dsn(t, i);
    bool failed = u && u->fails_after_acceptance;
    bool is_due = ntf_due(f, failed, d ? d->notify : 0);
    if (!failed && ntf_fault(f, MS_F_DSN_LIST_NO_DELIVERED) &&
        ms_world_find_list(ctx->world, t->rcpts[i]))
      is_due = false; /* 3461-5.2.7.1-1 broken */
    due += is_due;
    /* §5.2.8: the others are not listed (fault dsn-list-all: they are) */
    if (is_due || ntf_fault(f, MS_F_DSN_LIST_ALL))
      r[n++] =
          (struct srv_smtp_notify_rcpt){d && d->rcpt ? d->rcpt : t->rcpts[i],
                                        d,
                                        failed,
                                        NULL,
                                        NULL,
                                        NULL,
                                        NULL};
  }
  struct srv_smtp_notify_in in = {ctx->world->hostname ? ctx->world->hostname
                                                       : "localhost",
                                  to,
                                  t->params,
                                  r,
                                  n,
                                  t->data,
                                  t->len,
                                  0,
                                  time(NULL)};
  size_t sent = 0;
  bool each = ntf_fault(f, MS_F_DSN_ONE_PER_RCPT);
  for (size_t i = 0; due && i < n; i += each ? 1 : n) {
    in.rcpts = r + i;
    in.nrcpts = each ? 1 : n;
    in.id = atomic_fetch_add(&ntf_seq, 1) + 1;
    srv_smtp_notify_mail(ctx, &ctx->faults, &in);
    sent++;
  }
  if (sent && ntf_fault(f, MS_F_DSN_ALIAS_TWICE) && ntf_alias(ctx, t)) {
    in.id = atomic_fetch_add(&ntf_seq, 1) + 1; /* 3461-5.2.7.2-1 broken */
    srv_smtp_notify_mail(ctx, &ctx->faults, &in);
    sent++;
  }
  free(r);
  free(to);
  return sent;
}

size_t srv_smtp_notify_failing(const struct srv_ctx *ctx,
                               const struct srv_smtp_txn *t) {
  size_t n = 0;
  for (size_t i = 0; i < t->nrcpts; i++) {
    const struct ms_world_user *u = ms_world_find_user(ctx->world, t->rcpts[i]);
    n += u && u->fails_after_acceptance;
  }
  return n;
}
