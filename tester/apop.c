/* apop: MD5(timestamp + secret) in lowercase hex (RFC 1939 §7, APOP). */
#include "apop.h"

#include <string.h>

#include <openssl/evp.h>

#include "util.h"

static void apop_hex(const unsigned char *md, unsigned n, char *out) {
  static const char hex[] = "0123456789abcdef";
  for (unsigned i = 0; i < n; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 0x0f];
  }
  out[2 * n] = '\0';
}

/* MD5 over two pieces, through OpenSSL's EVP API (the low-level MD5()
 * calls are deprecated since OpenSSL 3.0). */
static int apop_md5(const void *a, size_t alen, const void *b, size_t blen,
                    char out[MS_APOP_HEX_LEN + 1]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
           EVP_DigestUpdate(ctx, a, alen) == 1 &&
           EVP_DigestUpdate(ctx, b, blen) == 1 &&
           EVP_DigestFinal_ex(ctx, md, &n) == 1 && n * 2 == MS_APOP_HEX_LEN;
  EVP_MD_CTX_free(ctx);
  out[0] = '\0';
  if (!ok)
    return -1;
  apop_hex(md, n, out);
  return 0;
}

int ms_apop_digest(const char *timestamp, const char *secret,
                   char out[MS_APOP_HEX_LEN + 1]) {
  return apop_md5(timestamp, strlen(timestamp), secret, strlen(secret), out);
}

int ms_apop_md5_hex(const void *data, size_t len,
                    char out[MS_APOP_HEX_LEN + 1]) {
  return apop_md5(data, len, "", 0, out);
}

bool ms_apop_check(const char *timestamp, const char *secret,
                   const char *digest) {
  char want[MS_APOP_HEX_LEN + 1];
  if (!timestamp || !secret || !digest)
    return false;
  if (ms_apop_digest(timestamp, secret, want) != 0)
    return false;
  return strlen(digest) == MS_APOP_HEX_LEN && ms_streq_ci(digest, want);
}
