/* world: the reference server's users, lists and maildrops (stub). */
#include <stdlib.h>

#include "util.h"
#include "world.h"

struct ms_world *ms_world_builtin(void) {
  struct ms_world *w = xcalloc(1, sizeof *w);
  w->hostname = xstrdup("BBN-UNIX.ARPA");
  w->max_recipients = 100;
  w->max_message = 10485760;
  ms_world_builtin_pop3(w);
  return w;
}

int ms_world_apply_file(struct ms_world *w, const char *path,
                        struct ms_diags *d) {
  (void)w;
  (void)path;
  (void)d;
  return 0;
}

int ms_world_apply_yaml(struct ms_world *w, const char *name,
                        const char *yaml, size_t len, int line0,
                        struct ms_diags *d) {
  (void)w;
  (void)name;
  (void)yaml;
  (void)len;
  (void)line0;
  (void)d;
  return 0;
}

void ms_world_free(struct ms_world *w) {
  if (!w)
    return;
  free(w->hostname);
  free(w);
}

const struct ms_world_user *ms_world_find_user(const struct ms_world *w,
                                               const char *mailbox) {
  (void)w;
  (void)mailbox;
  return NULL;
}
const struct ms_world_list *ms_world_find_list(const struct ms_world *w,
                                               const char *name) {
  (void)w;
  (void)name;
  return NULL;
}
const struct ms_world_maildrop *ms_world_find_maildrop(const struct ms_world *w,
                                                       const char *user) {
  (void)w;
  (void)user;
  return NULL;
}
bool ms_world_local_domain(const struct ms_world *w, const char *domain) {
  (void)w;
  (void)domain;
  return false;
}
