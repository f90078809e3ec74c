/* Unit tests for diag.c: the one format of every diagnostic (issue 16:
 * lint, coverage, serve --world, replay and the results' reasons used to
 * print them four ways). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mailspec/transcript.h"

START_TEST(test_diag_text) {
  struct ms_diags d = {0};
  ms_diags_add(&d, false, "a.yaml", 3, 7, "bad %s", "thing");
  ms_diags_add(&d, true, "a.yaml", 4, 0, "odd");
  ms_diags_add(&d, false, NULL, 0, 0, "no place");
  char *t = ms_diag_text(&d.v[0]);
  ck_assert_str_eq(t, "a.yaml:3:7: bad thing");
  free(t);
  t = ms_diag_text(&d.v[1]);
  ck_assert_str_eq(t, "a.yaml:4: warning: odd"); /* no column: left out */
  free(t);
  t = ms_diag_text(&d.v[2]);
  ck_assert_str_eq(t, "-: no place");
  free(t);
  /* a result's reason: the errors only, one a line */
  t = ms_diags_errors_text(&d);
  ck_assert_str_eq(t, "a.yaml:3:7: bad thing\n-: no place");
  free(t);
  ms_diags_free(&d);
  t = ms_diags_errors_text(&d);
  ck_assert_str_eq(t, "");
  free(t);
}
END_TEST

START_TEST(test_diag_print) {
  struct ms_diags d = {0};
  ms_diags_add(&d, false, "a.yaml", 3, 7, "bad");
  ms_diags_add(&d, true, "a.yaml", 4, 1, "odd");
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ms_diags_print_errors(&d, f);
  fflush(f);
  ck_assert_str_eq(buf, "a.yaml:3:7: bad\n");
  ms_diags_print(&d, f);
  fclose(f);
  ck_assert_str_eq(buf, "a.yaml:3:7: bad\na.yaml:3:7: bad\n"
                        "a.yaml:4:1: warning: odd\n");
  free(buf);
  ms_diags_free(&d);
}
END_TEST

Suite *make_diag_suite(void);
Suite *make_diag_suite(void) {
  Suite *s = suite_create("diag");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_diag_text);
  tcase_add_test(tc, test_diag_print);
  suite_add_tcase(s, tc);
  return s;
}
