/* buf: a growable byte buffer with a hard cap (like curl's dynbuf):
 * an append past MAX fails instead of eating memory.  Always
 * NUL-terminated. */
#ifndef MS_BUF_H
#define MS_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct ms_buf {
  char *p;
  size_t len, cap, max;
};

void ms_buf_init(struct ms_buf *b, size_t max);
void ms_buf_free(struct ms_buf *b);
void ms_buf_reset(struct ms_buf *b);
/* 0, or -1 when the cap would be exceeded (buffer unchanged). */
int ms_buf_add(struct ms_buf *b, const void *p, size_t n);
int ms_buf_addstr(struct ms_buf *b, const char *s);
int ms_buf_addf(struct ms_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drop the first N bytes. */
void ms_buf_consume(struct ms_buf *b, size_t n);
/* Hand over the contents (caller frees) and reset. */
char *ms_buf_steal(struct ms_buf *b, size_t *len);

#endif
