/* srv_smtp_8bit: 8BITMIME, RFC 6152, in the reference server.  MAIL
 * takes BODY=7BIT or BODY=8BITMIME (§2: body-value = "7BIT" /
 * "8BITMIME"), any other value is a syntax error in the parameter
 * (501); 8-bit octets in the data are kept as they came (§3: "shall
 * preserve all bits in each octet"); data lines of 1000 octets, CRLF
 * included, are accepted (§1, RFC 5321 §4.5.3.1.6).  Without BODY= the
 * reference server takes 8-bit data too (RFC 5321 §2.4: a server MAY
 * clear the high bit or refuse; it need not). */
#include <string.h>
#include <strings.h>

#include "srv_smtp.h"

#define TEXT_LINE_MAX 1000

bool srv_smtp_8bit_param(const struct srv_ctx *ctx, struct srv_smtp_8bit *b,
                         const char *v, size_t n, const struct srv_smtp_fmt *f,
                         struct ms_buf *out) {
  bool is7 = n == 4 && strncasecmp(v, "7BIT", 4) == 0;
  bool is8 = n == 8 && strncasecmp(v, "8BITMIME", 8) == 0;
  if (is7 && ms_fault_on(&ctx->faults, MS_F_BODY_7BIT))
    is7 = false; /* fault body-7bit-refused */
  if (!is7 && !is8 && ms_fault_on(&ctx->faults, MS_F_BODY_ANY))
    return false; /* fault body-any-value: §2's body-value broken */
  if (!is7 && !is8) {
    srv_smtp_reply(out, f, 501, "5.5.4",
                   "Syntax error in BODY= value (7BIT or 8BITMIME)");
    return true;
  }
  b->body8 = is8;
  return false;
}

size_t srv_smtp_8bit_line_max(const struct srv_ctx *ctx) {
  /* fault data-line-999: one octet short of §1's "no lower than 1000" */
  return ms_fault_on(&ctx->faults, MS_F_DATA_LINE_999) ? TEXT_LINE_MAX - 1
                                                       : TEXT_LINE_MAX;
}

void srv_smtp_8bit_line(struct srv_smtp_8bit *b, const char *line, size_t len) {
  for (size_t i = 0; i < len && !b->seen8; i++)
    b->seen8 = (unsigned char)line[i] > 127;
}

bool srv_smtp_8bit_done(const struct srv_ctx *ctx,
                        const struct srv_smtp_8bit *b,
                        const struct srv_smtp_fmt *f, struct ms_buf *out) {
  /* fault 8bit-no-body-451: RFC 5321 §2.4 lets a server "clear the
   * high-order bit or reject the message as invalid", not defer it */
  if (!b->body8 && b->seen8 &&
      ms_fault_on(&ctx->faults, MS_F_8BIT_NO_BODY_451)) {
    srv_smtp_reply(out, f, 451, "4.6.0", "8-bit data without BODY=8BITMIME");
    return true;
  }
  /* fault 8bit-data-refused: §3 "will accept MIME messages containing
   * arbitrary octet-aligned material" */
  if (!b->body8 || !b->seen8 || !ms_fault_on(&ctx->faults, MS_F_8BIT_REFUSED))
    return false;
  srv_smtp_reply(out, f, 554, "5.6.0",
                 "Transaction failed: 8-bit data refused");
  return true;
}
