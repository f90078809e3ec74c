/* buf: bounded growable byte buffer (see buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void ms_buf_init(struct ms_buf *b, size_t max) {
  b->p = NULL;
  b->len = b->cap = 0;
  b->max = max ? max : (size_t)-1 / 2;
}

void ms_buf_free(struct ms_buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

void ms_buf_reset(struct ms_buf *b) {
  b->len = 0;
  if (b->p)
    b->p[0] = '\0';
}

int ms_buf_add(struct ms_buf *b, const void *p, size_t n) {
  if (n > b->max || b->len > b->max - n)
    return -1;
  if (b->len + n + 1 > b->cap) {
    size_t c = b->cap ? b->cap : 256;
    while (c < b->len + n + 1)
      c *= 2;
    b->p = xrealloc(b->p, c);
    b->cap = c;
  }
  if (n)
    memcpy(b->p + b->len, p, n);
  b->len += n;
  b->p[b->len] = '\0';
  return 0;
}

int ms_buf_addstr(struct ms_buf *b, const char *s) {
  return ms_buf_add(b, s, strlen(s));
}

int ms_buf_addf(struct ms_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = xvasprintf(fmt, ap);
  va_end(ap);
  int r = ms_buf_addstr(b, s);
  free(s);
  return r;
}

void ms_buf_consume(struct ms_buf *b, size_t n) {
  if (n >= b->len) {
    ms_buf_reset(b);
    return;
  }
  memmove(b->p, b->p + n, b->len - n);
  b->len -= n;
  b->p[b->len] = '\0';
}

char *ms_buf_steal(struct ms_buf *b, size_t *len) {
  char *p = b->p ? b->p : xstrdup("");
  if (len)
    *len = b->len;
  b->p = NULL;
  b->len = b->cap = 0;
  return p;
}
