/* srv_saslprep: the mapping step of SASLprep (RFC 4013 §2.1) for POP3
 * AUTH names (RFC 5034 §4).  Pure. */
#ifndef MS_SRV_SASLPREP_H
#define MS_SRV_SASLPREP_H

#include <stdbool.h>
#include <stddef.h>

/* IN (NUL-terminated UTF-8) with the characters RFC 3454 B.1 maps to
 * nothing dropped and the C.1.2 spaces made SPACE, into OUT (CAP octets,
 * NUL-terminated).  False when it does not fit. */
bool srv_saslprep_map(const char *in, char *out, size_t cap);

#endif
