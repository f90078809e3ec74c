/* srv_smtp_msa: the fields the reference server, as a message submission
 * agent (world `submission:`, RFC 6409 §8), adds to a submitted message
 * before it delivers it (see srv_smtp_msa.c). */
#ifndef MS_SRV_SMTP_MSA_H
#define MS_SRV_SMTP_MSA_H

#include <stddef.h>

#include "srv.h"
#include "srv_smtp_deliver.h"

/* T's message with the fields the MSA adds on top (*LEN octets), or NULL
 * when the world is no submission server or nothing is added.  Caller
 * frees. */
char *srv_msa_complete(const struct srv_ctx *ctx, const struct srv_smtp_txn *t,
                       size_t *len);

#endif
