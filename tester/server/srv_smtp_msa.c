/* srv_smtp_msa: what the reference server as a message submission agent
 * (RFC 6409) adds to a submitted message, above it, before delivery:
 *   §8.3  "The MSA SHOULD add or replace the 'Message-ID' field, if it
 *         lacks it, or it is not valid syntax": a Message-ID: when the
 *         message has none;
 *   §8    "Any message forwarded or delivered by the MSA MUST conform to
 *         the requirements of [SMTP-MTA] and [MESSAGE-FORMAT]" (RFC 5322
 *         requires an origination date), with §8.2 ("The MSA MAY add a
 *         'Date' field to the submitted message, if it lacks it"): a Date:
 *         when the message has none;
 *   §8.1  "The MSA MAY add or replace the 'Sender' field, if the identity
 *         of the sender is known and this is not given in the 'From'
 *         field.  The MSA MUST ensure that any address it places in a
 *         'Sender' field is, in fact, a valid mail address": after AUTH, a
 *         Sender: with the envelope's sender (which §6.1 checked) when
 *         From: names another address.
 * The faults submission-no-message-id, submission-no-date and
 * submission-sender-local break each. */
#include "srv_smtp_msa.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "util.h"
#include "world.h"

/* The value of DATA's first header field NAME (up to its line end), or
 * NULL; *N its length. */
static const char *msa_field(const char *data, size_t len, const char *name,
                             size_t *n) {
  size_t k = strlen(name);
  for (const char *p = data, *end = data + len; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (l == 0 || (l == 1 && *p == '\r'))
      return NULL; /* the empty line ends the header section */
    if (l > k && p[k] == ':' && strncasecmp(p, name, k) == 0) {
      *n = l - k - 1 - (p[l - 1] == '\r');
      return p + k + 1;
    }
    p = nl ? nl + 1 : end;
  }
  return NULL;
}

/* Does the From: field name MAILBOX (case aside), as "<MAILBOX>" or as
 * its whole value? */
static bool msa_from_is(const char *data, size_t len, const char *mailbox) {
  size_t n, k = strlen(mailbox);
  const char *v = msa_field(data, len, "From", &n);
  for (size_t i = 0; v && i + k + 2 <= n; i++)
    if (v[i] == '<' && v[i + k + 1] == '>' &&
        strncasecmp(v + i + 1, mailbox, k) == 0)
      return true;
  while (v && n && (*v == ' ' || *v == '\t'))
    v++, n--;
  while (v && n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
    n--;
  return v && n == k && strncasecmp(v, mailbox, k) == 0;
}

char *srv_msa_complete(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                       size_t *len) {
  if (!ctx->world || !ctx->world->submission)
    return NULL;
  const struct ms_faults *f = &ctx->faults;
  const char *host = ctx->world->hostname ? ctx->world->hostname : "localhost";
  struct ms_buf b;
  ms_buf_init(&b, 0);
  size_t n;
  if (t->auth && t->from && *t->from &&
      !msa_from_is(t->data, t->len, t->from)) {
    const char *at = strrchr(t->from, '@');
    if (ms_fault_on(f, MS_F_SUBMIT_SENDER_LOCAL) && at) /* 6409-8.1-2 */
      ms_buf_addf(&b, "Sender: %.*s\r\n", (int)(at - t->from), t->from);
    else
      ms_buf_addf(&b, "Sender: <%s>\r\n", t->from);
  }
  time_t now = time(NULL);
  if (!msa_field(t->data, t->len, "Date", &n) &&
      !ms_fault_on(f, MS_F_SUBMIT_NO_DATE)) { /* 6409-8-3 */
    char date[64];
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);
    ms_buf_addf(&b, "Date: %s\r\n", date);
  }
  if (!msa_field(t->data, t->len, "Message-ID", &n) &&
      !ms_fault_on(f, MS_F_SUBMIT_NO_MESSAGE_ID)) { /* 6409-8.3-1 */
    static atomic_ulong seq;
    ms_buf_addf(&b, "Message-ID: <msa%lu.%lld@%s>\r\n",
                atomic_fetch_add(&seq, 1) + 1, (long long)now, host);
  }
  if (b.len == 0) {
    ms_buf_free(&b);
    return NULL;
  }
  ms_buf_add(&b, t->data, t->len);
  return ms_buf_steal(&b, len);
}
