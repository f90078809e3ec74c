/* Unit tests for report_html.c and report_svg.c (Chromium renders the
 * page in tester/tests/t/reports.t). */
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

START_TEST(test_html_page) {
  struct ms_run_result r;
  ms_fixture_run(&r, false);
  char *h = ms_fixture_render(ms_report_html, &r, NULL);
  ck_assert(strncmp(h, "<!DOCTYPE html>\n", 16) == 0);
  /* self-contained: no URL, one script of our own, allowed by hash */
  ck_assert_ptr_null(strstr(h, "http:"));
  ck_assert_ptr_null(strstr(h, "https:"));
  ck_assert_ptr_null(strstr(h, "src="));
  ck_assert_uint_eq(count(h, "<script"), 1);
  ck_assert_ptr_nonnull(strstr(h, "content=\"default-src 'none'; style-src "
                                  "'unsafe-inline'; script-src 'sha256-"));
  /* summary by level, filter, one section per transcript */
  ck_assert_ptr_nonnull(strstr(h, "<tr><th>MUST</th><td>1</td><td>1</td>"));
  ck_assert_ptr_nonnull(strstr(h, "<td id=\"count-FAIL\">1</td>"));
  ck_assert_uint_eq(count(h, "<input type=\"checkbox\""), 6);
  ck_assert_uint_eq(count(h, "<section class=\"tr "), 6);
  ck_assert_ptr_nonnull(strstr(h, "data-verdict=\"FAIL\""));
  /* ladders: one per transcript with steps; one arrow per line */
  ck_assert_uint_eq(count(h, "<svg class=\"ladder\""), 3);
  ck_assert_uint_eq(count(h, "<polygon "), 6 + 5 + 2);
  /* the failing step in red with expected and got side by side */
  ck_assert_ptr_nonnull(
      strstr(h, "fill=\"#c62828\">RCPT TO:&lt;nobody@example.test&gt;</text>"));
  ck_assert_ptr_nonnull(
      strstr(h, "class=\"h\" fill=\"#c62828\">expected</text>"));
  ck_assert_ptr_nonnull(strstr(h, "fill=\"#c62828\">550</text>"));
  ck_assert_ptr_nonnull(strstr(h, "fill=\"#c62828\">250 2.1.5 Ok</text>"));
  ck_assert_ptr_nonnull(strstr(h, "RFC 5321 §4.2.2"));
  /* issue 12: where the session stopped */
  ck_assert_ptr_nonnull(strstr(
      h, "<p class=\"diverged\">diverged at "
         "transcripts/esmtp/rcpt-unknown.yaml:5: expected 550, got 250 inside "
         "a pipelined group; not judged: 3 later steps (lines 6-9)</p>"));
  free(h);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_html_hostile) {
  struct ms_run_result r;
  size_t len;
  ms_fixture_run(&r, true);
  char *h = ms_fixture_render(ms_report_html, &r, &len);
  ck_assert(ms_fixture_clean_utf8(h, len, false));
  ck_assert_uint_eq(count(h, "<script"), 1);
  ck_assert_ptr_null(strstr(h, "<!--"));
  ck_assert_ptr_nonnull(
      strstr(h, "&lt;script&gt;document.title=&#39;pwned&#39;"));
  /* a 10,000-line reply: a few arrows, then a note; full text below */
  ck_assert_ptr_nonnull(strstr(h, "9976 more lines (full text below)"));
  ck_assert_ptr_nonnull(strstr(h, "R: 250  line 9999 &lt;&amp;&gt;"));
  ck_assert_uint_lt(count(h, "<polygon "), 100);
  free(h);
  ms_run_free(&r);
}
END_TEST

Suite *make_report_html_suite(void);
Suite *make_report_html_suite(void) {
  Suite *s = suite_create("report_html");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_html_page);
  tcase_add_test(tc, test_html_hostile);
  suite_add_tcase(s, tc);
  return s;
}
