/* Unit tests for engine_cache.c: a repeated plan item is loaded once and
 * shared; another item or an invalid transcript is never served from it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_int.h"
#include "util.h"

static char *cache_file(const char *text) {
  char tmpl[] = "/tmp/check_engine_cache.XXXXXX";
  int fd = mkstemp(tmpl);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  return xstrdup(tmpl);
}

static const char good[] = "protocol: smtp\nscript: |\n  R: 220\n  S: QUIT\n"
                           "  R: 221\n";

START_TEST(test_same_item_shared) {
  struct ms_load_cache c;
  ms_engine_load_cache_init(&c);
  char *p = cache_file(good);
  struct ms_plan_item it = {.path = p, .index = 3};
  struct ms_diags d1 = {0}, d2 = {0};
  bool s1, s2;
  struct ms_transcript *a = ms_engine_load_cached(&c, &it, &d1, &s1);
  ck_assert_ptr_nonnull(a);
  ck_assert(s1);
  /* The file changes: the repeat still runs what was loaded. */
  unlink(p);
  struct ms_transcript *b = ms_engine_load_cached(&c, &it, &d2, &s2);
  ck_assert_ptr_eq(a, b);
  ck_assert(s2);
  ck_assert_uint_eq(c.users, 2);
  ms_engine_load_release(&c, a, s1);
  ms_engine_load_release(&c, b, s2);
  ck_assert_uint_eq(c.users, 0);
  ms_diags_free(&d1);
  ms_diags_free(&d2);
  ms_engine_load_cache_free(&c);
  free(p);
}
END_TEST

START_TEST(test_other_item_while_used) {
  struct ms_load_cache c;
  ms_engine_load_cache_init(&c);
  char *p = cache_file(good);
  struct ms_plan_item i1 = {.path = p, .index = 1},
                      i2 = {.path = p, .index = 2};
  struct ms_diags d = {0};
  bool s1, s2, s3;
  struct ms_transcript *a = ms_engine_load_cached(&c, &i1, &d, &s1);
  /* Item 1 is still running: item 2 gets a private copy. */
  struct ms_transcript *b = ms_engine_load_cached(&c, &i2, &d, &s2);
  ck_assert_ptr_nonnull(b);
  ck_assert_ptr_ne(a, b);
  ck_assert(!s2);
  ms_engine_load_release(&c, b, s2);
  ms_engine_load_release(&c, a, s1);
  /* Item 1 done: item 2 takes the cache's place. */
  struct ms_transcript *e = ms_engine_load_cached(&c, &i2, &d, &s3);
  ck_assert(s3);
  ck_assert_uint_eq(c.index, 2);
  ms_engine_load_release(&c, e, s3);
  ms_diags_free(&d);
  ms_engine_load_cache_free(&c);
  unlink(p);
  free(p);
}
END_TEST

START_TEST(test_invalid_not_cached) {
  struct ms_load_cache c;
  ms_engine_load_cache_init(&c);
  char *p = cache_file("protocol: smtp\nscript: |\n  R: OK\n");
  struct ms_plan_item it = {.path = p, .index = 0};
  for (int k = 0; k < 2; k++) {
    struct ms_diags d = {0};
    bool s;
    struct ms_transcript *t = ms_engine_load_cached(&c, &it, &d, &s);
    /* Reported again each time: never shared. */
    ck_assert(!s);
    ck_assert_int_gt(d.nerrors, 0);
    ms_engine_load_release(&c, t, s);
    ms_diags_free(&d);
  }
  ck_assert(!c.have);
  ms_engine_load_cache_free(&c);
  unlink(p);
  free(p);
}
END_TEST

Suite *make_engine_cache_suite(void);
Suite *make_engine_cache_suite(void) {
  Suite *s = suite_create("engine_cache");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_same_item_shared);
  tcase_add_test(tc, test_other_item_while_used);
  tcase_add_test(tc, test_invalid_not_cached);
  suite_add_tcase(s, tc);
  return s;
}
