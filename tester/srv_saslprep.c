/* srv_saslprep: the mapping step of SASLprep (RFC 4013 §2.1) for the
 * reference server's POP3 AUTH, which RFC 5034 §4 recommends for the
 * authorization identity: "SHOULD use the SASLprep profile ... to prepare
 * these names for matching".  Characters "commonly mapped to nothing"
 * (RFC 3454 table B.1) are dropped and non-ASCII spaces (C.1.2) become
 * SPACE.  Normalization (NFKC) is not done: names are compared as mapped. */
#include "srv_saslprep.h"

#include <stdio.h>
#include <string.h>

/* The code point of the UTF-8 sequence at P (N octets left), its length
 * in *LEN; -1 for a malformed sequence (copied as one octet). */
static long saslprep_cp(const unsigned char *p, size_t n, size_t *len) {
  *len = 1;
  if (p[0] < 0x80)
    return p[0];
  size_t k = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
  if (k == 0 || k > n)
    return -1;
  long cp = p[0] & (0x7f >> k);
  for (size_t i = 1; i < k; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return -1;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  *len = k;
  return cp;
}

/* RFC 3454 B.1: mapped to nothing. */
static bool saslprep_nothing(long c) {
  return c == 0x00ad || c == 0x034f || c == 0x1806 ||
         (c >= 0x180b && c <= 0x180d) || (c >= 0x200b && c <= 0x200d) ||
         c == 0x2060 || (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff;
}

/* RFC 3454 C.1.2: non-ASCII space characters, mapped to SPACE. */
static bool saslprep_space(long c) {
  return c == 0x00a0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
         c == 0x202f || c == 0x205f || c == 0x3000;
}

bool srv_saslprep_map(const char *in, char *out, size_t cap) {
  const unsigned char *p = (const unsigned char *)in;
  size_t n = strlen(in), o = 0;
  while (n > 0) {
    size_t len;
    long c = saslprep_cp(p, n, &len);
    if (!saslprep_nothing(c)) {
      size_t w = saslprep_space(c) ? 1 : len;
      if (o + w >= cap)
        return false;
      if (w == 1 && saslprep_space(c))
        out[o] = ' ';
      else
        memcpy(out + o, p, len);
      o += w;
    }
    p += len;
    n -= len;
  }
  out[o] = '\0';
  return true;
}
