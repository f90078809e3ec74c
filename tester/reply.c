/* reply: incremental reply reader (stub; real implementation follows). */
#include "mailspec/reply.h"

#include <stdlib.h>

#include "util.h"

struct ms_reader {
  enum ms_protocol proto;
};

const char *ms_violation_text(unsigned bit) {
  (void)bit;
  return "reply syntax violation";
}

void ms_reply_free(struct ms_reply *r) {
  for (size_t i = 0; i < r->nlines; i++)
    free(r->lines[i]);
  free(r->lines);
  free(r->lens);
  r->lines = NULL;
  r->lens = NULL;
  r->nlines = 0;
}

char *ms_reply_join(const struct ms_reply *r) {
  (void)r;
  return xstrdup("");
}

struct ms_reader *ms_reader_new(enum ms_protocol proto,
                                const struct ms_reply_limits *limits) {
  (void)limits;
  struct ms_reader *r = xcalloc(1, sizeof *r);
  r->proto = proto;
  return r;
}

void ms_reader_free(struct ms_reader *r) { free(r); }

void ms_reader_expect_multiline(struct ms_reader *r, bool multi) {
  (void)r;
  (void)multi;
}

enum ms_read_status ms_reader_feed(struct ms_reader *r, const char *buf,
                                   size_t len, size_t *used) {
  (void)r;
  (void)buf;
  *used = len;
  return MS_READ_MORE;
}

enum ms_read_status ms_reader_eof(struct ms_reader *r) {
  (void)r;
  return MS_READ_MORE;
}

void ms_reader_take(struct ms_reader *r, struct ms_reply *out) {
  (void)r;
  *out = (struct ms_reply){0};
}

bool ms_reader_pending(const struct ms_reader *r) {
  (void)r;
  return false;
}
