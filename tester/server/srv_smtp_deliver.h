/* srv_smtp_deliver: what the reference server does with a message once
 * its mail data ended (issue 14): the trace line it prepends (RFC 5321
 * §4.4), the loop check (§6.3), and the hand-over to the store, whose
 * final delivery adds the Return-Path (§4.4).  Pure apart from the store
 * and the clock; srv_smtp.c calls it at the end of data. */
#ifndef MS_SRV_SMTP_DELIVER_H
#define MS_SRV_SMTP_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "srv.h"
#include "srv_smtp.h"
#include "store.h"

/* RFC 5321 §6.3: "normally at least 100 Received entries": a message
 * that arrives with more than this many is taken for a loop. */
#define SRV_SMTP_MAX_HOPS 100

/* One finished transaction. */
struct srv_smtp_txn {
  const char *helo;   /* the EHLO/HELO argument ("" if none) */
  bool ehlo;          /* greeted with EHLO (ESMTP) */
  bool tls, auth;     /* under STARTTLS / after AUTH (RFC 3848) */
  const char *from;   /* the reverse-path's mailbox, "" for <> */
  char *const *rcpts; /* the accepted recipients (store keys) */
  size_t nrcpts;
  const char *data; /* unstuffed, CRLF line ends */
  size_t len;
  const struct ms_store_params *params; /* kept with the message, or NULL */
  const char *route; /* MAIL's source route ("@a,@b"), or NULL: only the
                        fault dsn-source-route uses it (RFC 5321 §6.1) */
  bool by_send;      /* opened by SEND, SOML or SAML (RFC 821 §3.4): only the
                        fault notify-by-send uses it (RFC 5321 §4.4) */
};

/* srv_smtp_received.c: the trace line for T received by host BY from
 * PEER at WHEN, with ID
 * (RFC 5321 §4.4's Time-stamp-line, CRLF-ended, folded).  Caller frees. */
char *srv_smtp_received(const struct srv_smtp_txn *t, const char *by,
                        const char *peer, time_t when, unsigned long id,
                        const struct ms_faults *f);
/* Received: fields in the header section of DATA. */
size_t srv_smtp_hops(const char *data, size_t len);
/* Deliver T (or refuse it) and write the reply to the end of data. */
void srv_smtp_deliver(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                      const struct srv_smtp_fmt *f, struct ms_buf *out);

/* What a session that ends without QUIT leaves undelivered (only the
 * fault forget-on-drop keeps messages here: RFC 5321 §4.1.1.10 says a
 * completed transaction is never undone). */
struct srv_smtp_pending;
/* The session's delivery point: srv_smtp_deliver(), or, under the fault
 * forget-on-drop, a 250 now and the delivery at QUIT. */
void srv_smtp_deliver_txn(const struct srv_ctx *ctx, struct srv_smtp_txn t,
                          const struct srv_smtp_fmt *f, struct ms_buf *out,
                          struct srv_smtp_pending **pending);
/* QUIT: deliver what waits; the end of the connection: forget it. */
void srv_smtp_pending_flush(const struct srv_ctx *ctx,
                            struct srv_smtp_pending **pending);
void srv_smtp_pending_drop(struct srv_smtp_pending **pending);
/* The connection closed inside the mail data of T: the transaction is
 * cancelled (§4.1.1.10), unless the fault deliver-unfinished. */
void srv_smtp_unfinished(const struct srv_ctx *ctx, struct srv_smtp_txn t);

#endif
