/* srv_smtp_size: SIZE, RFC 1870, in the reference server.  EHLO
 * advertises the fixed maximum (world max_message, capped at what the
 * server keeps in memory), or "SIZE 0" for none (max_message: 0); MAIL's
 * SIZE= over it gets 552 (§6.1 (2)); a message over it gets 552 at the
 * end of the data whether declared or not (§4); the size counts CRLFs
 * but not the doubled dots (§5); the declared size never ends the data
 * (§6).  With SIZE 0 the only limit is memory: 452, insufficient
 * storage (§6.1 (1)). */
#include <stdio.h>

#include "srv_smtp.h"

/* Mail data held in memory, whatever the world's max_message says. */
#define SIZE_HARD_MAX (64u << 20)

size_t srv_smtp_size_cap(const struct ms_world *w) {
  return w->max_message && w->max_message < SIZE_HARD_MAX ? w->max_message
                                                          : SIZE_HARD_MAX;
}

/* RFC 1870 §6.1: 552 over the fixed maximum, 452 when only storage is
 * short (SIZE 0); at MAIL (AT_MAIL) the faults swap them. */
static void size_refuse(const struct srv_ctx *ctx, bool at_mail,
                        const struct srv_smtp_fmt *f, struct ms_buf *out) {
  bool fixed = ctx->world->max_message != 0;
  if (at_mail &&
      ms_fault_on(&ctx->faults, fixed ? MS_F_SIZE_452 : MS_F_SIZE_ZERO_552))
    fixed = !fixed;
  bool code552 = fixed;
  if (code552)
    srv_smtp_reply(out, f, 552, "5.3.4",
                   "Message size exceeds fixed maximum message size");
  else
    srv_smtp_reply(out, f, 452, "4.3.1", "Insufficient system storage");
}

bool srv_smtp_size_param(const struct srv_ctx *ctx, struct srv_smtp_size *z,
                         const char *v, size_t n, const struct srv_smtp_fmt *f,
                         struct ms_buf *out) {
  if (ms_fault_on(&ctx->faults, MS_F_SIZE_REFUSED)) { /* §4: "will accept" */
    srv_smtp_reply(out, f, 555, "5.5.4",
                   "Parameter not recognized or not implemented");
    return true;
  }
  /* §3: size-value ::= 1*20DIGIT */
  unsigned long long x = 0;
  bool ok = n >= 1 && n <= 20;
  for (size_t i = 0; ok && i < n; i++) {
    ok = v[i] >= '0' && v[i] <= '9';
    unsigned long long d = ok ? (unsigned)(v[i] - '0') : 0;
    x = x > (~0ull - d) / 10 ? ~0ull : x * 10 + d; /* 20 digits: saturate */
  }
  if (!ok) {
    srv_smtp_reply(out, f, 501, "5.5.4", "Syntax error in SIZE= value");
    return true;
  }
  if (x > srv_smtp_size_cap(ctx->world)) {
    size_refuse(ctx, true, f, out);
    return true;
  }
  z->declared = true;
  z->size = x;
  return false;
}

size_t srv_smtp_size_data_cap(const struct srv_ctx *ctx,
                              const struct srv_smtp_size *z) {
  /* fault size-no-limit-at-data: what was not declared is not limited
   * (but for memory) */
  if (!z->declared && ms_fault_on(&ctx->faults, MS_F_SIZE_DATA_NO_LIMIT))
    return SIZE_HARD_MAX;
  return srv_smtp_size_cap(ctx->world);
}

bool srv_smtp_size_line(const struct srv_ctx *ctx, struct srv_smtp_size *z,
                        size_t len, bool dot) {
  z->counted += len + 2; /* §5: CR-LF pairs count, the doubled dot not */
  z->stuffing += dot;
  /* fault size-ends-data: §6 "Servers MUST NOT use the SIZE parameter
   * to determine end of content in the DATA command" */
  return z->declared && z->counted >= z->size &&
         ms_fault_on(&ctx->faults, MS_F_SIZE_ENDS_DATA);
}

bool srv_smtp_size_done(const struct srv_ctx *ctx,
                        const struct srv_smtp_size *z, bool too_big,
                        const struct srv_smtp_fmt *f, struct ms_buf *out) {
  /* fault size-counts-stuffing: §5 "not ... doubled quoting dots" */
  if (!too_big && ms_fault_on(&ctx->faults, MS_F_SIZE_STUFFING))
    too_big = z->counted + z->stuffing > srv_smtp_size_cap(ctx->world);
  if (!too_big)
    return false;
  size_refuse(ctx, false, f, out);
  return true;
}
