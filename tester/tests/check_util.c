/* Unit tests for buf.c and util.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

START_TEST(test_buf_cap) {
  struct ms_buf b;
  ms_buf_init(&b, 8);
  ck_assert_int_eq(ms_buf_addstr(&b, "12345"), 0);
  ck_assert_int_eq(ms_buf_addstr(&b, "6789"), -1);
  ck_assert_str_eq(b.p, "12345");
  ms_buf_consume(&b, 2);
  ck_assert_str_eq(b.p, "345");
  ms_buf_free(&b);
}
END_TEST

START_TEST(test_ci) {
  ck_assert(ms_streq_ci("Helo", "HELO"));
  ck_assert(!ms_streq_ci("HEL", "HELO"));
  ck_assert(ms_prefix_ci("mail from:<a>", "MAIL FROM:"));
}
END_TEST

Suite *make_util_suite(void);
Suite *make_util_suite(void) {
  Suite *s = suite_create("util");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_buf_cap);
  tcase_add_test(tc, test_ci);
  suite_add_tcase(s, tc);
  return s;
}
