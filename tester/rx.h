/* rx: POSIX extended regular expressions from transcripts (text:,
 * not_text:, capture:), compiled only when their cost is bounded.
 * glibc's regcomp copies a subexpression once per repetition bound, so
 * "a++++..." or "(x{1,255}){1,255}" takes gigabytes before it fails;
 * and a back-reference (\1, a glibc extension) makes regexec
 * exponential in the server's text.  A transcript is written by
 * anyone: such patterns are refused with a reason instead. */
#ifndef MS_RX_H
#define MS_RX_H

#include <regex.h>
#include <stddef.h>

#define MS_RX_MAX_LEN 4096   /* octets of pattern (an EHLO keyword list) */
#define MS_RX_MAX_COST 20000 /* estimated nodes after expansion */

/* The estimated number of nodes regcomp builds for PATTERN (repetition
 * bounds multiply what they repeat), capped at MS_RX_MAX_COST + 1. */
size_t ms_rx_cost(const char *pattern);

/* regcomp(RE, PATTERN, CFLAGS) when PATTERN is bounded.  0 (RE to be
 * freed with regfree), or -1 with the reason in ERR (nothing to free). */
int ms_rx_compile(regex_t *re, const char *pattern, int cflags, char *err,
                  size_t errlen);

#endif
