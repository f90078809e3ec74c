/* srv_saslprep: SASLprep (RFC 4013) of the names the reference server
 * compares during AUTH (RFC 4954 §4: "both client and server SHOULD use
 * the [SASLprep] profile ... to prepare these names for transmission or
 * comparison"; "If preparation of the authorization identity fails ...
 * the server MUST fail the authentication").
 *
 * As much of it as a server without a Unicode database can do honestly:
 *   §2.1 mapping: non-ASCII spaces (RFC 3454 C.1.2) to SPACE, the
 *        "commonly mapped to nothing" characters (B.1) to nothing;
 *   §2.3 prohibited output: controls (C.2.1, C.2.2), private use (C.3),
 *        non-characters (C.4), surrogates (C.5), characters that change
 *        the display (C.8), tagging (C.9), and malformed UTF-8;
 * but no NFKC normalisation (§2.2) and no bidi check (§2.4): names in
 * the worlds are ASCII, where both are the identity. */
#include "srv_saslprep.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

/* One UTF-8 code point at *P (N octets left); -1 when malformed. */
static long sp_decode(const unsigned char **p, size_t n) {
  const unsigned char *s = *p;
  int len = s[0] < 0x80   ? 1
            : s[0] < 0xC2 ? 0
            : s[0] < 0xE0 ? 2
            : s[0] < 0xF0 ? 3
            : s[0] < 0xF5 ? 4
                          : 0;
  if (len == 0 || (size_t)len > n)
    return -1;
  long cp = len == 1 ? s[0] : s[0] & (0x7F >> len);
  for (int i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return -1;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  static const long least[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < least[len] || cp > 0x10FFFF)
    return -1; /* overlong or out of range */
  *p += len;
  return cp;
}

static void sp_encode(struct ms_buf *b, long cp) {
  unsigned char o[4];
  size_t n;
  if (cp < 0x80) {
    o[0] = (unsigned char)cp, n = 1;
  } else if (cp < 0x800) {
    o[0] = (unsigned char)(0xC0 | cp >> 6);
    o[1] = (unsigned char)(0x80 | (cp & 0x3F)), n = 2;
  } else if (cp < 0x10000) {
    o[0] = (unsigned char)(0xE0 | cp >> 12);
    o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F)), n = 3;
  } else {
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F)), n = 4;
  }
  ms_buf_add(b, o, n);
}

struct sp_range {
  long lo, hi;
};

static bool sp_in(const struct sp_range *r, size_t n, long cp) {
  for (size_t i = 0; i < n; i++)
    if (cp >= r[i].lo && cp <= r[i].hi)
      return true;
  return false;
}

/* RFC 3454 B.1: commonly mapped to nothing. */
static const struct sp_range sp_nothing[] = {
    {0x00AD, 0x00AD}, {0x034F, 0x034F}, {0x1806, 0x1806}, {0x180B, 0x180D},
    {0x200B, 0x200D}, {0x2060, 0x2060}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF}};
/* C.1.2: non-ASCII space characters (U+200B is mapped to nothing). */
static const struct sp_range sp_space[] = {{0x00A0, 0x00A0}, {0x1680, 0x1680},
                                           {0x2000, 0x200A}, {0x202F, 0x202F},
                                           {0x205F, 0x205F}, {0x3000, 0x3000}};
/* C.2.1, C.2.2, C.3, C.4, C.5, C.8, C.9. */
static const struct sp_range sp_prohibited[] = {
    {0x0000, 0x001F},   {0x007F, 0x009F},   {0x06DD, 0x06DD},
    {0x070F, 0x070F},   {0x180E, 0x180E},   {0x200C, 0x200D},
    {0x2028, 0x2029},   {0x2060, 0x2063},   {0x206A, 0x206F},
    {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFC},   {0x1D173, 0x1D17A},
    {0xE000, 0xF8FF},   {0xF0000, 0xFFFFD}, {0x100000, 0x10FFFD},
    {0xFDD0, 0xFDEF},   {0xFFFE, 0xFFFF},   {0x1FFFE, 0x1FFFF},
    {0x2FFFE, 0x2FFFF}, {0xD800, 0xDFFF},   {0x0340, 0x0341},
    {0x200E, 0x200F},   {0x202A, 0x202E},   {0xE0001, 0xE0001},
    {0xE0020, 0xE007F}};

#define SP_N(a) (sizeof(a) / sizeof((a)[0]))

char *srv_saslprep(const char *in, size_t n) {
  const unsigned char *p = (const unsigned char *)in, *end = p + n;
  struct ms_buf b;
  ms_buf_init(&b, 0);
  while (p < end) {
    long cp = sp_decode(&p, (size_t)(end - p));
    if (cp < 0)
      goto fail;
    if (sp_in(sp_nothing, SP_N(sp_nothing), cp))
      continue; /* §2.1 */
    if (sp_in(sp_space, SP_N(sp_space), cp))
      cp = 0x20;
    if (sp_in(sp_prohibited, SP_N(sp_prohibited), cp))
      goto fail; /* §2.3 */
    sp_encode(&b, cp);
  }
  ms_buf_add(&b, "", 1);
  return ms_buf_steal(&b, NULL);
fail:
  ms_buf_free(&b);
  return NULL;
}
