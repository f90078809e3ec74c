/* srv_smtp_idn: internationalized domain names for the trace field
 * (RFC 6531 §3.7.3; see srv_smtp_idn.c). */
#ifndef MS_SRV_SMTP_IDN_H
#define MS_SRV_SMTP_IDN_H

#include <stdbool.h>

/* DOMAIN with each A-label ("xn--...") that decodes replaced by its
 * U-label in UTF-8; the rest as it came.  Caller frees. */
char *srv_smtp_idn_ulabels(const char *domain);

#endif
