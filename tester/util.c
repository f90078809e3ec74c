/* util: allocation, strings, clocks (see util.h). */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void util_oom(size_t n) {
  fprintf(stderr, "mailspec: out of memory (%zu bytes)\n", n);
  abort();
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    util_oom(n);
  return p;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    util_oom(n * size);
  return p;
}

void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q)
    util_oom(n);
  return q;
}

void xgrow(void **v, size_t *cap, size_t n, size_t elem) {
  if (n < *cap)
    return;
  size_t c = *cap ? *cap : 8;
  while (c <= n)
    c *= 2;
  *v = xrealloc(*v, c * elem);
  *cap = c;
}

char *xstrdup(const char *s) {
  return xmemdup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n) {
  return xmemdup(s, strnlen(s, n));
}

char *xmemdup(const void *p, size_t n) {
  char *s = xmalloc(n + 1);
  if (n)
    memcpy(s, p, n);
  s[n] = '\0';
  return s;
}

char *xvasprintf(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    n = 0;
  char *s = xmalloc((size_t)n + 1);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

char *xasprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = xvasprintf(fmt, ap);
  va_end(ap);
  return s;
}

double ms_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double ms_wallclock(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool ms_streq_ci(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
      return false;
  return *a == *b;
}

bool ms_prefix_ci(const char *s, const char *prefix) {
  for (; *prefix; s++, prefix++)
    if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix))
      return false;
  return true;
}

bool ms_verb_is(const char *t, const char *verb) {
  size_t n = strlen(verb);
  return ms_prefix_ci(t, verb) && (t[n] == '\0' || t[n] == ' ');
}

void ms_line_text(const unsigned char *p, size_t n, char *buf, size_t cap) {
  if (cap == 0)
    return;
  while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
    n--;
  if (n >= cap)
    n = cap - 1;
  memcpy(buf, p, n);
  buf[n] = '\0';
  for (size_t i = 0; i < n; i++)
    if (buf[i] == '\0')
      buf[i] = ' ';
}

char *ms_read_file(const char *path, size_t max, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0;
  char *buf = xmalloc(cap);
  for (;;) {
    if (n + 1 >= cap) {
      if (cap > max) {
        free(buf);
        fclose(f);
        errno = EFBIG;
        return NULL;
      }
      cap *= 2;
      buf = xrealloc(buf, cap);
    }
    size_t r = fread(buf + n, 1, cap - n - 1, f);
    n += r;
    if (r == 0)
      break;
  }
  int err = ferror(f);
  fclose(f);
  if (err || n > max) {
    free(buf);
    errno = err ? EIO : EFBIG;
    return NULL;
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}
