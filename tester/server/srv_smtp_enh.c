/* srv_smtp_enh: the enhanced status codes of the reference server (RFC
 * 2034 ENHANCEDSTATUSCODES, codes of RFC 3463).  Which replies carry
 * one: "all 2xx, 4xx, and 5xx response lines other than initial
 * greeting and any response to HELO or EHLO" (RFC 2034 §4), "regardless
 * of whether or not EHLO is employed by the client"; 3xx carry none.
 * The callers pass no code (NULL) for the greeting, HELO, EHLO and 354.
 * How a code is written, "class.subject.detail" then a space, and the
 * faults that break each of those rules on purpose, are here. */
#include <stdio.h>
#include <string.h>

#include "srv_smtp.h"

unsigned srv_smtp_enh_faults(const struct ms_faults *f) {
  static const struct {
    enum ms_fault fault;
    unsigned bit;
  } map[] = {
      {MS_F_ENH_MISSING, SRV_ENH_MISSING},
      {MS_F_ENH_CLASS, SRV_ENH_CLASS},
      {MS_F_ENH_NO_SPACE, SRV_ENH_NO_SPACE},
      {MS_F_ENH_LEADING_ZERO, SRV_ENH_LEADING_ZERO},
      {MS_F_ENH_SPACE_INSIDE, SRV_ENH_SPACE_INSIDE},
      {MS_F_ENH_TWO_FIELDS, SRV_ENH_TWO_FIELDS},
      {MS_F_ENH_FIRST_LINE, SRV_ENH_FIRST_LINE},
  };
  unsigned bits = 0;
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (ms_fault_on(f, map[i].fault))
      bits |= map[i].bit;
  return bits;
}

/* RFC 2034 §4: offered (and so used) in the rfc5321 profile unless the
 * world leaves ENHANCEDSTATUSCODES out of EHLO. */
bool srv_smtp_enh_offered(const struct srv_ctx *ctx) {
  return ctx->profile == MS_PROFILE_RFC5321 &&
         ms_world_ehlo_on(ctx->world, "ENHANCEDSTATUSCODES");
}

size_t srv_smtp_enh_code(const struct srv_smtp_fmt *f, int code,
                         const char *esc, size_t line, char *buf, size_t len) {
  unsigned x = f->enh_faults;
  unsigned c, s, d;
  buf[0] = '\0';
  if (!f->enhanced || !esc || sscanf(esc, "%u.%u.%u", &c, &s, &d) != 3)
    return 0;
  if ((x & SRV_ENH_MISSING) && strcmp(esc, "2.0.0") == 0)
    return 0; /* fault enhanced-missing: RFC 2034 §4 "must appear" */
  if ((x & SRV_ENH_FIRST_LINE) && line > 0)
    return 0; /* fault enhanced-first-line: RFC 2034 §4 "in each line" */
  if (x & SRV_ENH_CLASS) /* RFC 2034 §4: "must agree with the primary
                            response code" */
    c = code / 100 == 5 ? 4 : code / 100 == 4 ? 5 : c;
  int n;
  if (x & SRV_ENH_TWO_FIELDS) /* RFC 3463 §2: class.subject.detail */
    n = snprintf(buf, len, "%u.%u", c, s);
  else if (x & SRV_ENH_LEADING_ZERO) /* RFC 3463 §2: no leading zero */
    n = snprintf(buf, len, "%u.%02u.%u", c, s, d);
  else if (x & SRV_ENH_SPACE_INSIDE) /* RFC 3463 §2: no white space */
    n = snprintf(buf, len, "%u. %u.%u", c, s, d);
  else
    n = snprintf(buf, len, "%u.%u.%u", c, s, d);
  /* RFC 2034 §3: "This status code is always followed by one or more
   * spaces" (fault enhanced-no-space: the text follows at once). */
  if (!(x & SRV_ENH_NO_SPACE))
    n += snprintf(buf + n, len - (size_t)n, " ");
  return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}
