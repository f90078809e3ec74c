/* apop: the digest of RFC 1939 §7 (APOP): MD5 over the greeting's
 * timestamp followed by the shared secret, as 32 lowercase hex digits. */
#ifndef MS_APOP_H
#define MS_APOP_H

#include <stdbool.h>
#include <stddef.h>

#define MS_APOP_HEX_LEN 32

/* Write the digest of TIMESTAMP (with its angle brackets) and SECRET
 * into OUT (MS_APOP_HEX_LEN + 1 bytes, NUL-terminated).  Returns 0, or
 * -1 when the MD5 digest is not available (OpenSSL without MD5). */
int ms_apop_digest(const char *timestamp, const char *secret,
                   char out[MS_APOP_HEX_LEN + 1]);
/* Does DIGEST (as sent by the client) match?  Hex case is ignored:
 * RFC 1939 asks clients for lowercase, a server may accept either. */
bool ms_apop_check(const char *timestamp, const char *secret,
                   const char *digest);
/* MD5 of LEN bytes at DATA in lowercase hex (for UIDL fallbacks). */
int ms_apop_md5_hex(const void *data, size_t len,
                    char out[MS_APOP_HEX_LEN + 1]);

#endif
