/* rx: a cost estimate of an ERE before regcomp (see rx.h).  The estimate
 * walks the pattern once: every atom costs 1, a group the sum of what it
 * holds, and a repetition multiplies the atom before it (x+ is x x*,
 * x{m,n} is n copies of x, x{m,} is m + 1), as glibc's parse_dup_op
 * builds it.  Saturating arithmetic: the cap is all that matters. */
#include "rx.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define RX_DEPTH 32 /* nested groups */
#define RX_CAP ((size_t)MS_RX_MAX_COST + 1)

static size_t rx_mul(size_t a, size_t b) {
  return a && b > RX_CAP / a ? RX_CAP : a * b;
}

static size_t rx_add(size_t a, size_t b) {
  return a + b > RX_CAP ? RX_CAP : a + b;
}

/* "{m}", "{m,}" or "{m,n}" at P: how many copies, and the end.  An
 * unparsable brace is a literal (glibc's ERE takes it so): 0. */
static size_t rx_bound(const char *p, const char **end) {
  size_t m = 0, n = 0;
  const char *q = p + 1;
  if (*q < '0' || *q > '9')
    return 0;
  while (*q >= '0' && *q <= '9')
    m = rx_add(rx_mul(m, 10), (size_t)(*q++ - '0'));
  n = m;
  if (*q == ',') {
    q++;
    if (*q == '}')
      n = rx_add(m, 1);
    else {
      n = 0;
      while (*q >= '0' && *q <= '9')
        n = rx_add(rx_mul(n, 10), (size_t)(*q++ - '0'));
    }
  }
  if (*q != '}')
    return 0;
  *end = q + 1;
  return n > m ? n : (m ? m : 1);
}

/* A bracket expression at P ('['): its end, or NULL if unterminated. */
static const char *rx_bracket(const char *p) {
  const char *q = p + 1;
  if (*q == '^')
    q++;
  if (*q == ']')
    q++;
  for (; *q && *q != ']'; q++)
    if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
      const char *e = strchr(q + 2, q[1]);
      if (!e || e[1] != ']')
        return NULL;
      q = e + 1;
    }
  return *q == ']' ? q + 1 : NULL;
}

size_t ms_rx_cost(const char *p) {
  size_t sum[RX_DEPTH + 1] = {0};  /* per open group: cost so far */
  size_t last[RX_DEPTH + 1] = {0}; /* the atom a repetition applies to */
  int d = 0;
  while (*p) {
    const char *next = p + 1;
    size_t atom = 1, copies = 0;
    switch (*p) {
    case '\\':
      if (p[1] >= '1' && p[1] <= '9')
        return RX_CAP; /* back-reference: regexec goes exponential */
      next = p[1] ? p + 2 : p + 1;
      break;
    case '[':
      next = rx_bracket(p);
      if (!next)
        return 1; /* regcomp reports the error itself */
      break;
    case '(':
      if (d == RX_DEPTH)
        return RX_CAP;
      d++;
      sum[d] = last[d] = 0;
      p = next;
      continue;
    case ')':
      if (d == 0)
        break; /* a literal ')' in ERE */
      atom = rx_add(sum[d], 1);
      d--;
      break;
    case '|':
      last[d] = 0;
      p = next;
      continue;
    case '+':
      copies = 2;
      break;
    case '*':
    case '?':
      copies = 1;
      break;
    case '{':
      copies = rx_bound(p, &next);
      break;
    }
    if (copies && last[d]) { /* replace the atom by its copies */
      size_t grown = rx_mul(last[d], copies);
      sum[d] = rx_add(sum[d] - last[d], grown);
      last[d] = grown;
    } else if (!copies) {
      sum[d] = rx_add(sum[d], atom);
      last[d] = atom;
    }
    if (sum[d] >= RX_CAP)
      return RX_CAP;
    p = next;
  }
  size_t total = 0;
  for (int i = 0; i <= d; i++)
    total = rx_add(total, sum[i]);
  return total;
}

int ms_rx_compile(regex_t *re, const char *pattern, int cflags, char *err,
                  size_t errlen) {
  if (strlen(pattern) > MS_RX_MAX_LEN) {
    snprintf(err, errlen, "longer than %d octets", MS_RX_MAX_LEN);
    return -1;
  }
  if (ms_rx_cost(pattern) > MS_RX_MAX_COST) {
    snprintf(err, errlen,
             "too costly to compile (nested repetitions multiply, and "
             "back-references are refused): keep it simple");
    return -1;
  }
  int rc = regcomp(re, pattern, cflags);
  if (rc != 0) {
    regerror(rc, re, err, errlen); /* glibc freed what it built */
    return -1;
  }
  return 0;
}
