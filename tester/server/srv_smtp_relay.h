/* srv_smtp_relay: the reference server as a relay (RFC 5321 §3.6.3,
 * §2.4, §4.4, Appendix C; RFC 3461 §5.2.2, §6.3).  Recipients at the
 * world's relay_route domain are accepted at RCPT; after the end of data
 * the message goes on over a real SMTP connection to the route's next
 * hop (server.c runs it on a loopback port), with the relay's own
 * Received: line on top and otherwise octet for octet, from the same
 * reverse-path.  Recipients the next hop refuses get a "failed" DSN with
 * Remote-MTA and Diagnostic-Code, NOTIFY=SUCCESS ones it accepts a
 * "relayed" DSN when it does not offer DSN (else the parameters are
 * passed on).  The relay-* faults (srv.h) break each rule. */
#ifndef MS_SRV_SMTP_RELAY_H
#define MS_SRV_SMTP_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include "srv.h"
#include "srv_smtp.h"
#include "srv_smtp_deliver.h"

/* Is RCPT ("local@domain") at the relay route, with a next hop running? */
bool srv_smtp_relay_rcpt(const struct srv_ctx *ctx, const char *rcpt);
/* RCPT resolved R for PATH as a relay to the route's domain, but no next
 * hop runs: R becomes a refusal like any domain not relayed. */
void srv_smtp_relay_check(const struct srv_ctx *ctx,
                          const struct srv_smtp_path *path,
                          struct srv_smtp_rcpt *r);

/* The recipients of T that are delivered here (not relayed): a copy of
 * T with its own list in *OWN (free it with free()).  Returns how many
 * of T's recipients are relayed. */
size_t srv_smtp_relay_split(const struct srv_ctx *ctx,
                            const struct srv_smtp_txn *t,
                            struct srv_smtp_txn *local, char ***own);

/* One relay attempt's outcome for one recipient. */
struct srv_smtp_relay_out {
  const char *rcpt;
  int code;   /* the next hop's reply to RCPT (or to the data), 0: none */
  char *text; /* that reply as one line ("550 5.1.1 ..."), or NULL */
};

/* Relay T's recipients at the route to the next hop, then send the
 * notifications due.  Returns how many recipients the next hop took. */
size_t srv_smtp_relay(const struct srv_ctx *ctx, const struct srv_smtp_txn *t);

#endif
