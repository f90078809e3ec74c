/* srv_smtp_ext: the EHLO lines of the service extensions the reference
 * server offers (RFC 5321 §4.1.1.1: ehlo-line = ehlo-keyword *( SP
 * ehlo-param )): SIZE (RFC 1870 §3), 8BITMIME (RFC 6152 §2), PIPELINING
 * (RFC 2920 §2), ENHANCEDSTATUSCODES (RFC 2034 §3).  A world may leave
 * any of them out (ehlo_off); the faults that list a keyword wrongly
 * are here too. */
#include <stdio.h>

#include "srv_smtp.h"
#include "util.h"

bool srv_smtp_ext_on(const struct ms_world *w, const char *kw) {
  for (size_t i = 0; i < w->nehlo_off; i++)
    if (ms_streq_ci(w->ehlo_off[i], kw))
      return false;
  return true;
}

size_t srv_smtp_ext_keywords(const struct srv_ctx *ctx, char buf[64],
                             const char **lines) {
  const struct ms_world *w = ctx->world;
  const struct ms_faults *f = &ctx->faults;
  size_t n = 0;
  /* RFC 1870 §3: "SIZE" with the fixed maximum, 0 for none */
  if (srv_smtp_ext_on(w, "SIZE") && !ms_fault_on(f, MS_F_SIZE_UNADVERTISED)) {
    snprintf(buf, 64, "SIZE %zu",
             w->max_message ? srv_smtp_size_cap(w) : (size_t)0);
    if (ms_fault_on(f,
                    MS_F_SIZE_KEYWORD_TEXT)) /* §3: size-param ::= [1*DIGIT] */
      snprintf(buf, 64, "SIZE %zuM", srv_smtp_size_cap(w) >> 20);
    lines[n++] = buf;
  }
  /* RFC 6152 §2, RFC 2920 §2, RFC 2034 §3: no parameter (the faults
   * add one) */
  if (srv_smtp_ext_on(w, "8BITMIME") && !ms_fault_on(f, MS_F_8BIT_UNADVERTISED))
    lines[n++] =
        ms_fault_on(f, MS_F_8BIT_PARAM) ? "8BITMIME STRICT" : "8BITMIME";
  if (srv_smtp_ext_on(w, "PIPELINING"))
    lines[n++] =
        ms_fault_on(f, MS_F_PIPE_PARAM) ? "PIPELINING 100" : "PIPELINING";
  if (srv_smtp_enh_offered(ctx))
    lines[n++] = ms_fault_on(f, MS_F_ENH_PARAM) ? "ENHANCEDSTATUSCODES 3463"
                                                : "ENHANCEDSTATUSCODES";
  return n;
}
