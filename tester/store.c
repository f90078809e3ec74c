/* store: delivered mail and POP3 maildrop locks (stub). */
#include <stdlib.h>

#include "store.h"
#include "util.h"

struct ms_store {
  const struct ms_world *w;
};

struct ms_store *ms_store_new(const struct ms_world *w, const char *spool) {
  (void)spool;
  struct ms_store *s = xcalloc(1, sizeof *s);
  s->w = w;
  return s;
}
void ms_store_free(struct ms_store *s) { free(s); }
int ms_store_deliver(struct ms_store *s, const char *reverse_path,
                     char *const *rcpts, size_t nrcpts, const char *data,
                     size_t len) {
  (void)s; (void)reverse_path; (void)rcpts; (void)nrcpts; (void)data; (void)len;
  return 0;
}
size_t ms_store_count(struct ms_store *s, const char *rcpt) {
  (void)s; (void)rcpt;
  return 0;
}
const char *ms_store_message(struct ms_store *s, const char *rcpt, size_t n,
                             size_t *len) {
  (void)s; (void)rcpt; (void)n; (void)len;
  return NULL;
}
int ms_store_lock(struct ms_store *s, const char *user,
                  struct ms_maildrop_view *v) {
  (void)s; (void)user; (void)v;
  return -1;
}
void ms_store_unlock(struct ms_store *s, struct ms_maildrop_view *v,
                     bool commit) {
  (void)s; (void)v; (void)commit;
}
size_t ms_store_pop3_count(struct ms_store *s, const char *user) {
  (void)s; (void)user;
  return 0;
}
