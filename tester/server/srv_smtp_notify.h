/* srv_smtp_notify: the notifications the reference server sends after it
 * accepted a message (RFC 5321 §4.4, §6.1; RFC 3461 §5.2, §6; RFC 3464):
 * a "failed" DSN for each recipient whose delivery fails after the end
 * of data (a world user with fails_after_acceptance), a "delivered" DSN
 * for NOTIFY=SUCCESS, all due ones of a transaction in one
 * multipart/report delivered with a null reverse-path into the store,
 * to the reverse-path's mailbox.  Pure apart from the store and the
 * clock. */
#ifndef MS_SRV_SMTP_NOTIFY_H
#define MS_SRV_SMTP_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "srv.h"
#include "srv_smtp_deliver.h"

/* One recipient as a DSN reports it. */
struct srv_smtp_notify_rcpt {
  const char *addr;              /* Final-Recipient: the envelope address */
  const struct ms_dsn_rcpt *dsn; /* its NOTIFY and ORCPT, or NULL */
  bool failed;                   /* "failed", else "delivered" */
  /* A relay's DSN (srv_smtp_relay.c, RFC 3461 §6.3 (h), (i)): */
  const char *action; /* "relayed"; NULL: by FAILED */
  const char *status; /* RFC 3463 code; NULL: by FAILED */
  const char *remote; /* Remote-MTA's name, "dns; NAME"; or NULL */
  const char *diag;   /* Diagnostic-Code, "smtp; REPLY"; or NULL */
};

/* What one notification reports. */
struct srv_smtp_notify_in {
  const char *host; /* Reporting-MTA (a fully-qualified domain name) */
  const char *to;   /* the reverse-path's mailbox */
  const struct ms_store_params *params; /* RET, ENVID; or NULL */
  const struct srv_smtp_notify_rcpt *rcpts;
  size_t nrcpts;
  const char *data; /* the message as received */
  size_t len;
  unsigned long id; /* makes the Message-ID and boundary unique */
  time_t when;
};

/* The notification's text (CRLF line ends, no Return-Path: the store's
 * final delivery adds it).  Caller frees. */
char *srv_smtp_notify_text(const struct ms_faults *f,
                           const struct srv_smtp_notify_in *in, size_t *len);
/* Mail IN's notification to IN->to with the faults F (a relay's
 * notifications have their own), from <> (RFC 5321 §6.1, §3.6.3). */
void srv_smtp_notify_mail(const struct srv_ctx *ctx, const struct ms_faults *f,
                          const struct srv_smtp_notify_in *in);
/* P's source route as "@a,@b" (the transaction keeps it for the fault
 * dsn-source-route), or NULL.  Caller frees. */
struct srv_smtp_path;
char *srv_smtp_notify_route(const struct srv_smtp_path *p);
/* How many recipients of T fail after the end of data (world users with
 * fails_after_acceptance). */
size_t srv_smtp_notify_failing(const struct srv_ctx *ctx,
                               const struct srv_smtp_txn *t);
/* The mailbox of the first <...> of DATA's From: field (the faults that
 * notify the header's author instead of the reverse-path), or NULL.
 * Caller frees. */
char *srv_smtp_notify_header_from(const char *data, size_t len);
/* After T was delivered: send the notifications due.  Returns how many
 * were sent. */
size_t srv_smtp_notify(const struct srv_ctx *ctx, const struct srv_smtp_txn *t);

#endif
