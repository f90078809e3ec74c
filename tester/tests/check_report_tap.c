/* Unit tests for report_tap.c (`prove` reads it in reports.t). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mailspec/report.h"
#include "report_fixture.h"

START_TEST(test_tap_points) {
  struct ms_run_result r;
  ms_fixture_run(&r, false);
  char *t = ms_fixture_render(ms_report_tap, &r, NULL);
  ck_assert(strncmp(t, "TAP version 13\n1..6\n", 20) == 0);
  ck_assert_ptr_nonnull(strstr(t, "\nok 1 - rfc821/scenario-01\n  ---\n"));
  ck_assert_ptr_nonnull(strstr(t, "\nnot ok 2 - esmtp/rcpt-unknown\n  ---\n"
                                  "  message: \"expected 550, got 250\"\n"
                                  "  severity: fail\n"));
  ck_assert_ptr_nonnull(
      strstr(t, "\nok 3 - esmtp/chunking # SKIP server lacks CHUNKING\n"));
  ck_assert_ptr_nonnull(strstr(t, "\nnot ok 4 - pop3/uidl\n"));
  ck_assert_ptr_nonnull(
      strstr(t, "\nnot ok 5 - esmtp/vrfy # TODO waived: waived: VRFY"));
  ck_assert_ptr_nonnull(strstr(t, "\nnot ok 6 - esmtp/zzz-last\n"));
  ck_assert_ptr_nonnull(
      strstr(t, "  rfc: \"RFC 5321 §4.2.2\"\n  level: \"MUST\"\n"));
  ck_assert_ptr_nonnull(
      strstr(t, "      diff: \"    S: RCPT TO:<nobody@example.test>\\n"
                "  - R: 550\\n  + R: 250 2.1.5 Ok\\n"));
  /* issue 12: where the session stopped */
  ck_assert_ptr_nonnull(strstr(
      t, "  diverged:\n    - \"diverged at "
         "transcripts/esmtp/rcpt-unknown.yaml:5: expected 550, got 250 inside "
         "a pipelined group; not judged: 3 later steps (lines 6-9)\"\n"));
  /* every line is a TAP line, a YAML line (indented) or a comment */
  for (char *p = t; *p; p = strchr(p, '\n') + 1) {
    ck_assert(strncmp(p, "ok ", 3) == 0 || strncmp(p, "not ok ", 7) == 0 ||
              strncmp(p, "  ", 2) == 0 || *p == '#' ||
              strncmp(p, "TAP version", 11) == 0 || strncmp(p, "1..", 3) == 0);
  }
  free(t);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_tap_hostile) {
  struct ms_run_result r;
  size_t len;
  ms_fixture_run(&r, true);
  free(r.v[0].id);
  r.v[0].id = strdup("a # SKIP not really\nnot ok 99");
  char *t = ms_fixture_render(ms_report_tap, &r, &len);
  ck_assert(ms_fixture_clean_utf8(t, len, false));
  /* the id cannot forge a directive or a test line */
  ck_assert_ptr_nonnull(
      strstr(t, "\nok 1 - a \\# SKIP not really not ok 99\n"));
  ck_assert_ptr_null(strstr(t, "\nnot ok 99"));
  ck_assert_ptr_nonnull(strstr(t, "\\x01\\x1b[31m\\x7f"));
  /* a long scalar is cut below what TAP::Parser::YAMLish can read */
  ck_assert_ptr_nonnull(strstr(t, "more bytes in the JSON report]\"\n"));
  for (char *p = t; *p; p = strchr(p, '\n') + 1)
    ck_assert_uint_lt((size_t)(strchr(p, '\n') - p), 20000);
  free(t);
  ms_run_free(&r);
}
END_TEST

Suite *make_report_tap_suite(void);
Suite *make_report_tap_suite(void) {
  Suite *s = suite_create("report_tap");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_tap_points);
  tcase_add_test(tc, test_tap_hostile);
  suite_add_tcase(s, tc);
  return s;
}
