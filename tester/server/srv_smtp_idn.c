/* srv_smtp_idn: a domain's A-labels as U-labels, for the trace field of
 * an SMTPUTF8 message.  RFC 6531 §3.7.3: "When an SMTPUTF8-aware SMTP
 * server adds a trace field to a message that was or will be transmitted
 * with the SMTPUTF8 parameter included in the MAIL commands, that server
 * SHOULD use the U-label form for internationalized domain names in the
 * new trace field."  An A-label is "xn--" and the label's Punycode (RFC
 * 3492): decoded here with its parameters (§5: base 36, tmin 1, tmax 26,
 * skew 38, damp 700, initial_bias 72, initial_n 128) and its bias
 * adaptation (§6.1).  A label that does not decode stays as it came. */
#include "srv_smtp_idn.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

enum { IDN_BASE = 36, IDN_TMIN = 1, IDN_TMAX = 26, IDN_SKEW = 38 };
enum { IDN_DAMP = 700, IDN_BIAS = 72, IDN_N = 128, IDN_MAX = 63 };

static uint32_t idn_adapt(uint32_t delta, uint32_t points, bool first) {
  delta = first ? delta / IDN_DAMP : delta / 2;
  delta += delta / points;
  uint32_t k = 0;
  while (delta > ((IDN_BASE - IDN_TMIN) * IDN_TMAX) / 2) {
    delta /= IDN_BASE - IDN_TMIN;
    k += IDN_BASE;
  }
  return k + ((IDN_BASE - IDN_TMIN + 1) * delta) / (delta + IDN_SKEW);
}

static int idn_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0' + 26;
  if (c >= 'a' && c <= 'z')
    return c - 'a';
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  return -1;
}

/* Punycode P (N octets) into OUT (at most IDN_MAX code points); the
 * number of code points, or -1 when P is not Punycode (RFC 3492 §6.2). */
static int idn_decode(const char *p, size_t n, uint32_t *out) {
  const char *dash = NULL;
  for (size_t i = 0; i < n; i++)
    if (p[i] == '-')
      dash = p + i;
  size_t len = dash ? (size_t)(dash - p) : 0, in = dash ? len + 1 : 0;
  if (len > IDN_MAX)
    return -1;
  for (size_t i = 0; i < len; i++)
    out[i] = (unsigned char)p[i];
  uint32_t cp = IDN_N, i = 0, bias = IDN_BIAS;
  while (in < n) {
    uint32_t old = i, w = 1;
    for (uint32_t k = IDN_BASE;; k += IDN_BASE) {
      int d = in < n ? idn_digit(p[in++]) : -1;
      if (d < 0 || (uint32_t)d > (UINT32_MAX - i) / w)
        return -1;
      i += (uint32_t)d * w;
      uint32_t t = k <= bias              ? IDN_TMIN
                   : k >= bias + IDN_TMAX ? IDN_TMAX
                                          : k - bias;
      if ((uint32_t)d < t)
        break;
      if (w > UINT32_MAX / (IDN_BASE - t))
        return -1;
      w *= IDN_BASE - t;
    }
    bias = idn_adapt(i - old, (uint32_t)len + 1, old == 0);
    if (i / (len + 1) > 0x10FFFF - cp || len >= IDN_MAX)
      return -1;
    cp += i / (uint32_t)(len + 1);
    i %= (uint32_t)(len + 1);
    if (cp < 0x80 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return -1;
    memmove(out + i + 1, out + i, (len - i) * sizeof *out);
    out[i++] = cp;
    len++;
  }
  return (int)len;
}

static void idn_utf8(struct ms_buf *b, uint32_t c) {
  unsigned char u[4];
  size_t n;
  if (c < 0x80) {
    u[0] = (unsigned char)c, n = 1;
  } else if (c < 0x800) {
    u[0] = (unsigned char)(0xC0 | c >> 6), n = 2;
  } else if (c < 0x10000) {
    u[0] = (unsigned char)(0xE0 | c >> 12), n = 3;
  } else {
    u[0] = (unsigned char)(0xF0 | c >> 18), n = 4;
  }
  for (size_t k = 1; k < n; k++)
    u[k] = (unsigned char)(0x80 | ((c >> (6 * (n - 1 - k))) & 0x3F));
  ms_buf_add(b, u, n);
}

char *srv_smtp_idn_ulabels(const char *domain) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  for (const char *p = domain; *p;) {
    size_t n = strcspn(p, ".");
    uint32_t cps[IDN_MAX];
    int k = n > 4 && strncasecmp(p, "xn--", 4) == 0
                ? idn_decode(p + 4, n - 4, cps)
                : -1;
    if (k > 0)
      for (int j = 0; j < k; j++)
        idn_utf8(&b, cps[j]);
    else
      ms_buf_add(&b, p, n);
    p += n;
    if (*p == '.')
      ms_buf_add(&b, p++, 1);
  }
  return ms_buf_steal(&b, NULL);
}
