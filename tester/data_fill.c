/* data_fill: the `data:` step written as a mapping, a message of an
 * exact size.  RFC 1870 §5: "The message size is defined as the number
 * of octets, including CR-LF pairs, but not the SMTP DATA command's
 * terminating dot or doubled quoting dots"; a test of a server's size
 * limit needs a message of exactly that many octets (its advertised
 * limit, one more), which nobody writes out by hand.  The header lines
 * come first, then an empty line, then copies of the fill line, the
 * last ones cut so that the count comes out exact.  Lines that start
 * with a dot are dot-stuffed on the wire (RFC 5321 §4.5.2) and do not
 * count their extra dot. */
#include "data_fill.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILL_DEFAULT "mailspec: a line that fills the message to its size"

/* A decimal number at *P after blanks; false when there is none. */
static bool fill_num(const char **p, unsigned long long *v) {
  while (**p == ' ')
    (*p)++;
  if (**p < '0' || **p > '9')
    return false;
  for (*v = 0; **p >= '0' && **p <= '9'; (*p)++)
    if (*v < (1ull << 40)) /* more is refused as too large later */
      *v = *v * 10 + (unsigned)(**p - '0');
  while (**p == ' ')
    (*p)++;
  return true;
}

/* "N", "N + K" or "N - K".  0, or -1 with the reason in ERR. */
int ms_data_fill_octets(const char *s, unsigned long long *out, char *err,
                        size_t errlen) {
  const char *p = s;
  unsigned long long a = 0, b = 0;
  char sign = 0;
  bool ok = fill_num(&p, &a);
  if (ok && (*p == '+' || *p == '-')) {
    sign = *p++;
    ok = fill_num(&p, &b);
  }
  if (!ok || *p) {
    snprintf(err, errlen,
             "octets: \"%s\" is not a number of octets (N, N + K or N - K)", s);
    return -1;
  }
  if (sign == '-' && b > a) {
    snprintf(err, errlen, "octets: \"%s\" is negative", s);
    return -1;
  }
  *out = sign == '-' ? a - b : a + b;
  return 0;
}

/* One line: its octets (with a stuffing dot) and CRLF.  Non-zero when
 * the buffer is full. */
static int fill_line(struct ms_buf *o, const char *p, size_t n) {
  int rc = 0;
  if (n > 0 && p[0] == '.')
    rc |= ms_buf_add(o, ".", 1);
  rc |= ms_buf_add(o, p, n);
  return rc | ms_buf_add(o, "\r\n", 2);
}

/* The header lines of HEAD (lines separated by '\n'), then the empty
 * line; *USED gets the octets they count for. */
static int fill_header(struct ms_buf *o, const char *head, size_t hlen,
                       unsigned long long *used) {
  int rc = 0;
  *used = 0;
  if (hlen == 0)
    return 0;
  for (size_t i = 0; i <= hlen && rc == 0;) {
    const char *nl = memchr(head + i, '\n', hlen - i);
    size_t end = nl ? (size_t)(nl - head) : hlen;
    rc |= fill_line(o, head + i, end - i);
    *used += end - i + 2;
    i = end + 1;
  }
  *used += 2;
  return rc | ms_buf_add(o, "\r\n", 2);
}

int ms_data_fill(struct ms_buf *o, const char *head, size_t hlen,
                 const char *octets, const char *fill, char *err,
                 size_t errlen) {
  unsigned long long n, used;
  if (ms_data_fill_octets(octets, &n, err, errlen) < 0)
    return -1;
  if (!fill || !*fill)
    fill = FILL_DEFAULT;
  size_t l = strlen(fill);
  int rc = fill_header(o, head, hlen, &used);
  if (rc == 0 && used > n) {
    snprintf(err, errlen,
             "octets: %llu is less than the %llu octets of the header "
             "lines and the empty line after them",
             n, used);
    return -1;
  }
  unsigned long long b = n - used; /* octets the body lines must count */
  if (b == 1) {
    snprintf(err, errlen,
             "octets: %llu leaves 1 octet after the header, and a line "
             "counts at least 2 (its CRLF)",
             n);
    return -1;
  }
  while (rc == 0 && b > 0) {
    size_t len;
    if (b >= l + 2 && b - (l + 2) != 1)
      len = l; /* a whole fill line */
    else if (b >= l + 2)
      len = l - 1; /* one short, so that 2 octets (an empty line) remain */
    else
      len = (size_t)b - 2; /* the last line: the rest */
    rc |= fill_line(o, fill, len);
    b -= len + 2;
  }
  rc |= ms_buf_add(o, ".\r\n", 3);
  if (rc) {
    snprintf(err, errlen, "octets: %llu: the message does not fit in 64 MiB",
             n);
    return -1;
  }
  return 0;
}
