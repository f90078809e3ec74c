/* Unit tests for report_junit.c (the schema itself is checked with
 * xmllint in tester/tests/t/reports.t). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mailspec/report.h"
#include "report_fixture.h"

static size_t count(const char *hay, const char *needle) {
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p++)
    n++;
  return n;
}

START_TEST(test_junit_structure) {
  struct ms_run_result r;
  ms_fixture_run(&r, false);
  char *x = ms_fixture_render(ms_report_junit, &r, NULL);
  ck_assert(strncmp(x,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>",
                    51) == 0);
  /* the suite, then one for transcripts outside any suite */
  ck_assert_uint_eq(count(x, "<testsuite "), 2);
  ck_assert_ptr_nonnull(strstr(x, "<testsuite name=\"RFC 821 scenarios\" "
                                  "package=\"RFC 821 scenarios\" id=\"0\" "
                                  "timestamp=\"2023-11-14T22:13:21\" "
                                  "hostname=\"127.0.0.1:25025\" tests=\"2\" "
                                  "failures=\"1\" errors=\"0\" skipped=\"0\""));
  ck_assert_ptr_nonnull(
      strstr(x, "<testsuite name=\"mailspec\" package=\"mailspec\" "
                "id=\"1\""));
  ck_assert_ptr_nonnull(
      strstr(x, "tests=\"4\" failures=\"0\" errors=\"2\" skipped=\"2\""));
  ck_assert_uint_eq(count(x, "<testcase "), 6);
  ck_assert_uint_eq(count(x, "<system-out>"), 2);
  ck_assert_uint_eq(count(x, "<system-err></system-err>"), 2);
  /* clause and level as properties of the suite */
  ck_assert_ptr_nonnull(strstr(x, "<property name=\"esmtp/rcpt-unknown.rfc\" "
                                  "value=\"RFC 5321 §4.2.2\"/>"));
  ck_assert_ptr_nonnull(strstr(x, "<property name=\"esmtp/rcpt-unknown.level\" "
                                  "value=\"MUST\"/>"));
  /* the failure carries the RFC-style diff */
  ck_assert_ptr_nonnull(strstr(
      x, "<failure message=\"[MUST RFC 5321 §4.2.2] expected 550, got 250\" "
         "type=\"FAIL\">transcripts/esmtp/rcpt-unknown.yaml:5: expected 550, "
         "got 250\n    S: RCPT TO:&lt;nobody@example.test&gt;\n  - R: 550\n"
         "  + R: 250 2.1.5 Ok\n"));
  /* issue 12: and where its session stopped */
  ck_assert_ptr_nonnull(strstr(
      x,
      "\ndiverged at transcripts/esmtp/rcpt-unknown.yaml:5: expected 550, got "
      "250 inside a pipelined group; not judged: 3 later steps (lines 6-9)\n"));
  ck_assert_ptr_nonnull(
      strstr(x, "<skipped message=\"server lacks CHUNKING\"/>"));
  ck_assert_ptr_nonnull(
      strstr(x, "<skipped message=\"WAIVED: [SHOULD] waived:"));
  ck_assert_ptr_nonnull(
      strstr(x, "<error message=\"[SHOULD] connect 127.0.0.1:25110: "
                "Connection refused\" type=\"ERROR\">"));
  ck_assert_ptr_nonnull(strstr(x, "type=\"NOTRUN\""));
  ck_assert_ptr_nonnull(
      strstr(x, "classname=\"mailspec.RFC 821 scenarios\" time=\"0.025\""));
  free(x);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_junit_hostile) {
  struct ms_run_result r;
  size_t len;
  ms_fixture_run(&r, true);
  char *x = ms_fixture_render(ms_report_junit, &r, &len);
  ck_assert(ms_fixture_clean_utf8(x, len, false));
  ck_assert_ptr_null(strstr(x, "<script"));
  ck_assert_ptr_null(strstr(x, "]]>"));
  ck_assert_ptr_nonnull(
      strstr(x, "&lt;script&gt;document.title=&#39;pwned&#39;"));
  /* all 10,000 lines of the long reply are in the log */
  ck_assert_ptr_nonnull(strstr(x, "R: 250  line 9999 &lt;&amp;&gt;"));
  free(x);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_junit_empty) {
  struct ms_run_result r;
  ms_run_init(&r);
  char *x = ms_fixture_render(ms_report_junit, &r, NULL);
  ck_assert_str_eq(x,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
                   "</testsuites>\n");
  free(x);
}
END_TEST

Suite *make_report_junit_suite(void);
Suite *make_report_junit_suite(void) {
  Suite *s = suite_create("report_junit");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_junit_structure);
  tcase_add_test(tc, test_junit_hostile);
  tcase_add_test(tc, test_junit_empty);
  suite_add_tcase(s, tc);
  return s;
}
