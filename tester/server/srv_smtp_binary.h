/* srv_smtp_binary: RFC 3030 §3's binary content that came without
 * BODY=BINARYMIME (see srv_smtp_binary.c). */
#ifndef MS_SRV_SMTP_BINARY_H
#define MS_SRV_SMTP_BINARY_H

#include <stdbool.h>
#include <stddef.h>

#include "srv.h"
#include "srv_smtp.h"
#include "srv_smtp_deliver.h"

/* Does DATA (LEN octets, CRLF lines) label its body, or a MIME part's,
 * "Content-Transfer-Encoding: binary"?  Pure. */
bool srv_smtp_binary_cte(const char *data, size_t len);
/* T labels binary content without BODY=BINARYMIME: accept it (a 250 to
 * OUT) and return it to the sender with a "failed" DSN instead of
 * delivering it.  False: not such a message, nothing done. */
bool srv_smtp_binary_return(const struct srv_ctx *ctx,
                            const struct srv_smtp_txn *t,
                            const struct srv_smtp_fmt *f, struct ms_buf *out);

#endif
