/* srv_smtp_eod: the end of the mail data, DATA's (RFC 5321 §4.1.1.4) and
 * BDAT LAST's (RFC 3030 §2) alike: the service extensions' reasons to
 * refuse the message (BINARYMIME's fault, SMTPUTF8's ASCII-only
 * recipients) and keeping it with the transaction's parameters.  Apart
 * from srv_smtp_ext.c, which calls srv_smtp_bdat.c, so that BDAT's end
 * does not call back into it (issue 16: no dependency circles). */
#include <string.h>
#include <strings.h>

#include "srv.h"
#include "srv_smtp.h"

/* Fault binary-cte-refused: a header "Content-Transfer-Encoding: binary"
 * (RFC 2045 §6.1) in DATA's message without BODY=BINARYMIME. */
static bool eod_binary_refused(const struct srv_ctx *ctx,
                               const struct srv_smtp_ext *x, const char *data,
                               size_t hdr_len, const struct srv_smtp_fmt *f,
                               struct ms_buf *out) {
  static const char cte[] = "Content-Transfer-Encoding:";
  if (!ms_fault_on(&ctx->faults, MS_F_BINARY_CTE_REFUSED) ||
      x->txn.body == MS_BODY_BINARYMIME)
    return false;
  for (size_t i = 0; i + sizeof cte < hdr_len; i++) {
    if ((i && data[i - 1] != '\n') ||
        strncasecmp(data + i, cte, sizeof cte - 1))
      continue;
    const char *v = data + i + sizeof cte - 1;
    v += strspn(v, " \t");
    if (strncasecmp(v, "binary", 6) == 0) {
      srv_smtp_reply(out, f, 554, "5.6.1",
                     "Binary content without BODY=BINARYMIME");
      return true;
    }
  }
  return false;
}

/* The header section: up to the first empty line (RFC 5322 §2.1). */
static size_t eod_header_len(const char *data, size_t len) {
  if (len >= 2 && data[0] == '\r' && data[1] == '\n')
    return 0;
  for (size_t i = 0; i + 3 < len; i++)
    if (!memcmp(data + i, "\r\n\r\n", 4))
      return i + 2;
  return len;
}

bool srv_smtp_eod_refuse(const struct srv_ctx *ctx,
                         const struct srv_smtp_ext *x, const char *data,
                         size_t len, const struct srv_smtp_fmt *f,
                         struct ms_buf *out) {
  size_t h = eod_header_len(data, len);
  if (eod_binary_refused(ctx, x, data, h, f, out))
    return true;
  if (!x->ascii_only || srv_smtp_utf8_ascii(data, h))
    return false;
  /* RFC 6531 §3.5: "the reply-code "554" is used", X.6.9 */
  int code = ms_fault_on(&ctx->faults, MS_F_UTF8_ASCII_550) ? 550 : 554;
  bool esc = !ms_fault_on(&ctx->faults, MS_F_UTF8_ASCII_ESC);
  srv_smtp_reply(out, f, code, esc ? "5.6.9" : "5.6.0",
                 "Transaction failed: a recipient cannot take "
                 "internationalized headers");
  return true;
}

int srv_smtp_eod_store(const struct srv_ctx *ctx, const struct srv_smtp_ext *x,
                       const struct srv_smtp_ext_txn *t) {
  return ms_store_deliver_params(ctx->store, t->from, t->rcpts, t->nrcpts,
                                 &x->txn, t->data->p ? t->data->p : "",
                                 t->data->len);
}
