/* srv_smtp_binary: a message labelled binary that came without
 * BODY=BINARYMIME.  RFC 3030 §3: "If the MIME message contains a
 * "Binary" content-transfer-encoding and the BODY parameter does not
 * indicate BINARYMIME, the message MUST be accepted.  The message SHOULD
 * be returned to the sender with an appropriate DSN."  The reference
 * server answers 250 at the end of data, delivers nothing, and mails the
 * reverse-path a "failed" DSN (RFC 3464) for every recipient, Status
 * 5.6.1 (RFC 3463: "Media not supported"); none for NOTIFY=NEVER without
 * FAILURE (RFC 3461 §5.2.3), none to <> (RFC 5321 §6.1).  The fault
 * binary-cte-no-dsn delivers such a message as any other. */
#include "srv_smtp_binary.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "srv_smtp_notify.h"
#include "store.h"
#include "util.h"

/* Is line L (N octets, no CRLF) a "Content-Transfer-Encoding: binary"
 * field (white space around the value allowed, RFC 5322 §3.2.2)? */
static bool bin_field(const char *l, size_t n) {
  static const char name[] = "Content-Transfer-Encoding:";
  size_t k = sizeof name - 1;
  if (n < k || strncasecmp(l, name, k) != 0)
    return false;
  while (k < n && (l[k] == ' ' || l[k] == '\t'))
    k++;
  size_t e = n;
  while (e > k && (l[e - 1] == ' ' || l[e - 1] == '\t'))
    e--;
  return e - k == 6 && strncasecmp(l + k, "binary", 6) == 0;
}

/* The top-level header section, and each MIME part's: the lines after a
 * boundary line ("--...", RFC 2046 §5.1.1) up to the next empty line. */
bool srv_smtp_binary_cte(const char *data, size_t len) {
  bool head = true;
  for (size_t i = 0; i < len;) {
    const char *nl = memchr(data + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - data) : len;
    size_t n = end - i;
    if (n && data[i + n - 1] == '\r')
      n--;
    if (n == 0)
      head = false;
    else if (!head && n >= 2 && data[i] == '-' && data[i + 1] == '-')
      head = true;
    else if (head && bin_field(data + i, n))
      return true;
    i = end + 1;
  }
  return false;
}

/* Recipient I's DSN parameters, or NULL. */
static const struct ms_dsn_rcpt *bin_dsn(const struct srv_smtp_txn *t,
                                         size_t i) {
  const struct ms_store_params *p = t->params;
  if (p && p->nrcpts == t->nrcpts)
    return &p->rcpts[i];
  return NULL;
}

bool srv_smtp_binary_return(const struct srv_ctx *ctx,
                            const struct srv_smtp_txn *t,
                            const struct srv_smtp_fmt *f, struct ms_buf *out) {
  static atomic_ulong seq;
  if ((t->params && t->params->body == MS_BODY_BINARYMIME) ||
      ms_fault_on(&ctx->faults, MS_F_BINARY_CTE_NO_DSN) || /* 3030-3-21 */
      !srv_smtp_binary_cte(t->data, t->len))
    return false;
  srv_smtp_reply(out, f, 250, "2.0.0", "OK"); /* "MUST be accepted" */
  if (!t->from || !*t->from)
    return true;
  struct srv_smtp_notify_rcpt *r = xcalloc(t->nrcpts + 1, sizeof *r);
  size_t n = 0;
  for (size_t i = 0; i < t->nrcpts; i++) {
    const struct ms_dsn_rcpt *d = bin_dsn(t, i);
    if (d && d->notify && !(d->notify & MS_DSN_FAILURE))
      continue; /* RFC 3461 §5.2.3: not asked for */
    r[n++] = (struct srv_smtp_notify_rcpt){d && d->rcpt ? d->rcpt : t->rcpts[i],
                                           d,
                                           true,
                                           NULL,
                                           "5.6.1",
                                           NULL,
                                           NULL};
  }
  struct srv_smtp_notify_in in = {
      ctx->world->hostname ? ctx->world->hostname : "localhost",
      t->from,
      t->params,
      r,
      n,
      t->data,
      t->len,
      atomic_fetch_add(&seq, 1) + 3000000001ul, /* apart from the others */
      time(NULL)};
  static const struct ms_faults none;
  if (n)
    srv_smtp_notify_mail(ctx, &none, &in);
  free(r);
  return true;
}
