/* srv_smtp_autoreply: the reference server's automatic responders.  A
 * world user with `autoreply: true` is a vacation program: each message
 * delivered to it gets a reply to the envelope's reverse-path, itself
 * sent with a null reverse-path (so that no responder answers it in
 * turn), and a message that came with a null reverse-path gets none:
 *   RFC 5321 §4.5.5: "Implementers of automated email processors should
 *   be careful to make sure that the various kinds of messages with a
 *   null reverse-path are handled correctly.  In particular, such
 *   systems SHOULD NOT reply to messages with a null reverse-path".
 * The fault autoreply-null-sender answers those too, to the header's
 * From: address. */
#include "srv_smtp_autoreply.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "store.h"
#include "util.h"
#include "world.h"

/* The value of the first header field NAME of DATA, trimmed, or NULL.
 * Caller frees. */
static char *ar_field(const char *data, size_t len, const char *name) {
  size_t k = strlen(name);
  for (const char *p = data, *end = data + len; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (l == 0 || (l == 1 && *p == '\r'))
      return NULL; /* the end of the header section */
    if (l > k && p[k] == ':' && strncasecmp(p, name, k) == 0) {
      const char *v = p + k + 1, *e = p + l;
      while (v < e && (*v == ' ' || *v == '\t'))
        v++;
      while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
        e--;
      return xstrndup(v, (size_t)(e - v));
    }
    p = nl ? nl + 1 : end;
  }
  return NULL;
}

/* The mailbox inside the first <...> of the From: field, or NULL (the
 * fault's reply address).  Caller frees. */
static char *ar_header_from(const char *data, size_t len) {
  char *v = ar_field(data, len, "From");
  char *lt = v ? strchr(v, '<') : NULL, *gt = lt ? strchr(lt, '>') : NULL;
  char *r = gt ? xstrndup(lt + 1, (size_t)(gt - lt - 1)) : NULL;
  free(v);
  return r;
}

/* Mail the vacation notice of BOX to TO, from <>: no responder answers
 * it in turn (§4.5.5). */
static void ar_send(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                    const char *box, const char *to) {
  static atomic_ulong seq;
  const char *host = ctx->world->hostname ? ctx->world->hostname : "localhost";
  char *subject = ar_field(t->data, t->len, "Subject");
  char *msgid = ar_field(t->data, t->len, "Message-ID");
  char date[64];
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);
  struct ms_buf b;
  ms_buf_init(&b, 0);
  ms_buf_addf(&b,
              "From: <%s>\r\nTo: <%s>\r\nSubject: Auto: %s\r\nDate: %s\r\n"
              "Message-ID: <auto%lu.%lld@%s>\r\n",
              box, to, subject ? subject : "(no subject)", date,
              atomic_fetch_add(&seq, 1) + 1, (long long)now, host);
  if (msgid)
    ms_buf_addf(&b, "In-Reply-To: %s\r\n", msgid);
  ms_buf_addstr(&b, "Auto-Submitted: auto-replied\r\n\r\n"
                    "I am away and will read your message when I return.\r\n");
  size_t len;
  char *text = ms_buf_steal(&b, &len);
  char *rcpt = xstrdup(to);
  char *const rcpts[] = {rcpt};
  struct ms_store_in in = {
      .from = "", .rcpts = rcpts, .nrcpts = 1, .data = text, .len = len};
  (void)ms_store_deliver_in(ctx->store, &in); /* a full maildrop: lost */
  free(rcpt);
  free(text);
  free(subject);
  free(msgid);
}

size_t srv_smtp_autoreply(const struct srv_ctx *ctx,
                          const struct srv_smtp_txn *t) {
  size_t n = 0;
  for (size_t i = 0; i < t->nrcpts; i++) {
    const struct ms_world_user *u = ms_world_find_user(ctx->world, t->rcpts[i]);
    if (!u || !u->autoreply)
      continue;
    char *to = NULL;
    if (t->from && *t->from)
      to = xstrdup(t->from);
    else if (ms_fault_on(&ctx->faults, MS_F_AUTOREPLY_NULL_SENDER))
      to = ar_header_from(t->data, t->len); /* 5321-4.5.5-2 broken */
    if (to) {
      ar_send(ctx, t, t->rcpts[i], to);
      n++;
    }
    free(to);
  }
  return n;
}
