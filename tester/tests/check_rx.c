/* Unit tests for rx.c: transcript regexes are compiled only when their
 * cost is bounded (glibc's regcomp copies what a repetition repeats). */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailspec/transcript.h"
#include "rx.h"
#include "util.h"

START_TEST(test_cost_simple) {
  ck_assert_uint_eq(ms_rx_cost("abc"), 3);
  ck_assert_uint_eq(ms_rx_cost("a*"), 1);
  ck_assert_uint_eq(ms_rx_cost("a+"), 2);
  ck_assert_uint_eq(ms_rx_cost("a{3}"), 3);
  ck_assert_uint_eq(ms_rx_cost("a{2,5}"), 5);
  ck_assert_uint_eq(ms_rx_cost("a{2,}"), 3);
  ck_assert_uint_eq(ms_rx_cost("(ab){4}"), 12); /* (2 + 1) x 4 */
  ck_assert_uint_eq(ms_rx_cost("[a-z]{3}"), 3);
  ck_assert_uint_eq(ms_rx_cost("a|b"), 2);
  ck_assert_uint_eq(ms_rx_cost("\\.+"), 2);
  /* An unparsable brace is literal text in an ERE. */
  ck_assert_uint_eq(ms_rx_cost("a{x"), 3);
}
END_TEST

START_TEST(test_cost_bombs) {
  char plus[100] = "^250";
  memset(plus + 4, '+', 80);
  ck_assert_uint_gt(ms_rx_cost(plus), MS_RX_MAX_COST);
  ck_assert_uint_gt(ms_rx_cost("(x{1,255}){1,255}"), MS_RX_MAX_COST);
  ck_assert_uint_gt(ms_rx_cost("((a{1,100}){1,100}){1,100}"), MS_RX_MAX_COST);
  ck_assert_uint_gt(ms_rx_cost("a{1,30000}"), MS_RX_MAX_COST);
  ck_assert_uint_gt(ms_rx_cost("(a)\\1"), MS_RX_MAX_COST);
  /* Deeper nesting than the walker follows is refused, not overflowed. */
  char deep[200];
  memset(deep, '(', 100);
  deep[100] = '\0';
  ck_assert_uint_gt(ms_rx_cost(deep), MS_RX_MAX_COST);
}
END_TEST

START_TEST(test_compile) {
  regex_t re;
  char err[200];
  /* What the bundled suites use compiles. */
  ck_assert_int_eq(ms_rx_compile(&re,
                                 "^250[ -]2\\.[0-9]{1,3}\\.[0-9]{1,3}( |$)",
                                 REG_EXTENDED | REG_NOSUB, err, sizeof err),
                   0);
  ck_assert_int_eq(regexec(&re, "250 2.1.0 Ok", 0, NULL, 0), 0);
  regfree(&re);
  ck_assert_int_eq(
      ms_rx_compile(&re, "(x{1,255}){1,255}", REG_EXTENDED, err, sizeof err),
      -1);
  ck_assert_ptr_nonnull(strstr(err, "too costly"));
  ck_assert_int_eq(ms_rx_compile(&re, "a(", REG_EXTENDED, err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "Unmatched ("));
  char *longre = xcalloc(MS_RX_MAX_LEN + 2, 1);
  memset(longre, 'a', MS_RX_MAX_LEN + 1);
  ck_assert_int_eq(ms_rx_compile(&re, longre, REG_EXTENDED, err, sizeof err),
                   -1);
  ck_assert_ptr_nonnull(strstr(err, "longer than"));
  free(longre);
}
END_TEST

/* The fuzzer's input (tester/fuzz/regress/transcript/): an error with its
 * line and column, in bounded memory. */
START_TEST(test_regress_transcript) {
  size_t len = 0;
  /* make unit runs from the top of the tree */
  char *y = ms_read_file("tester/fuzz/regress/transcript/oom-nested-plus-regex",
                         1 << 20, &len);
  ck_assert_ptr_nonnull(y);
  struct ms_diags d = {0};
  struct ms_transcript *t = ms_transcript_parse("oom.yaml", y, len, &d);
  ck_assert_int_gt(d.nerrors, 0);
  bool found = false;
  for (size_t i = 0; i < d.n; i++)
    found |= !d.v[i].warning && d.v[i].line == 10 &&
             strstr(d.v[i].msg, "too costly") != NULL;
  ck_assert_msg(found, "no 'too costly' error at line 10");
  ms_transcript_free(t);
  ms_diags_free(&d);
  free(y);
}
END_TEST

Suite *make_rx_suite(void);
Suite *make_rx_suite(void) {
  Suite *s = suite_create("rx");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_cost_simple);
  tcase_add_test(tc, test_cost_bombs);
  tcase_add_test(tc, test_compile);
  tcase_add_test(tc, test_regress_transcript);
  suite_add_tcase(s, tc);
  return s;
}
