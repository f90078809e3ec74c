/* tmpdir: a fresh directory under /tmp for a unit test's files, filled
 * with td_put() and removed whole by td_remove().  Header-only (static
 * inline) so that each check_*.c that includes it has its own copy. */
#ifndef MS_TESTS_TMPDIR_H
#define MS_TESTS_TMPDIR_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* td_make(DIR, SIZE): DIR becomes a new directory /tmp/mailspec-check-X. */
static inline void td_make(char *dir, size_t size) {
  snprintf(dir, size, "/tmp/mailspec-check-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* td_put: write TEXT to DIR/REL, making the directories on the way. */
static inline void td_put(const char *dir, const char *rel, const char *text) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
    *p = '\0';
    mkdir(path, 0700);
    *p = '/';
  }
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

/* td_at: DIR/REL in one of four rotating static buffers. */
static inline char *td_at(const char *dir, const char *rel) {
  static char path[4][256];
  static int k;
  k = (k + 1) % 4;
  snprintf(path[k], sizeof path[k], "%s/%s", dir, rel);
  return path[k];
}

static inline int td_rm_entry(const char *p, const struct stat *s, int f,
                              struct FTW *w) {
  (void)s, (void)f, (void)w;
  return remove(p);
}

/* td_remove: DIR and everything below it. */
static inline void td_remove(const char *dir) {
  nftw(dir, td_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
