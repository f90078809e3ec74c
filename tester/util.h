/* Small helpers shared by every module: allocation that cannot return
 * NULL (out of memory aborts with a message, like tmux's xmalloc),
 * string building, monotonic time. */
#ifndef MS_UTIL_H
#define MS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow *V (element size ELEM) so that index N fits; doubles *CAP. */
void xgrow(void **v, size_t *cap, size_t n, size_t elem);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xmemdup(const void *p, size_t n); /* NUL-terminated copy */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* Seconds on the monotonic clock. */
double ms_now(void);
/* Seconds since the epoch (wall clock), for reports. */
double ms_wallclock(void);

bool ms_streq_ci(const char *a, const char *b);
bool ms_prefix_ci(const char *s, const char *prefix);
/* Is the first word of T (up to a space or the end) VERB, any case? */
bool ms_verb_is(const char *t, const char *verb);
/* One captured line P[0..N) as text in BUF (CAP > 0): without its line
 * end, cut to fit, a NUL octet shown as a space. */
void ms_line_text(const unsigned char *p, size_t n, char *buf, size_t cap);

/* Read a whole file (at most MAX bytes) into a NUL-terminated buffer.
 * Returns NULL with errno set (EFBIG when over MAX). */
char *ms_read_file(const char *path, size_t max, size_t *len);

#endif
