/* data_fill: a message of an exact size for `data:` written as a
 * mapping (header:, octets:, fill:); see data_fill.c. */
#ifndef MS_DATA_FILL_H
#define MS_DATA_FILL_H

#include <stddef.h>

#include "buf.h"

/* The longest fill: line, a text line of RFC 5321 §4.5.3.1.6 without
 * its CRLF. */
#define MS_DATA_FILL_LINE_MAX 998

/* Parse "N", "N + K" or "N - K" into *OUT.  0, or -1 with ERR. */
int ms_data_fill_octets(const char *s, unsigned long long *out, char *err,
                        size_t errlen);

/* Append to O the wire form of a message of exactly OCTETS octets (RFC
 * 1870 §5's count): HEAD's lines (HLEN octets, lines separated by '\n';
 * none when HLEN is 0) and an empty line, then lines of FILL (a default
 * text when NULL), each dot-stuffed, then ".\r\n".  0, or -1 with ERR. */
int ms_data_fill(struct ms_buf *o, const char *head, size_t hlen,
                 const char *octets, const char *fill, char *err,
                 size_t errlen);

#endif
