/* srv_saslprep: SASLprep (RFC 4013) of user names for the reference
 * server's AUTH (see srv_saslprep.c for what is and is not done). */
#ifndef MS_SRV_SASLPREP_H
#define MS_SRV_SASLPREP_H

#include <stddef.h>

/* The prepared form of IN (N octets, UTF-8), NUL-terminated; NULL when
 * preparation fails (prohibited output, malformed UTF-8). */
char *srv_saslprep(const char *in, size_t n);

#endif
