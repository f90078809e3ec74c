/* Unit tests for report_md.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mailspec/report.h"
#include "report_fixture.h"

START_TEST(test_md_summary) {
  struct ms_run_result r;
  ms_fixture_run(&r, false);
  char *m = ms_fixture_render(ms_report_md, &r, NULL);
  ck_assert(strncmp(m,
                    "### mailspec: \u274C 1 passed, 1 failed, 2 errors, "
                    "1 skipped, 1 waived\n",
                    68) == 0);
  ck_assert_ptr_nonnull(strstr(m, "| MUST | 1 | 1 | 0 | 0 | 0 | 0 |\n"));
  ck_assert_ptr_nonnull(strstr(m, "#### Failures (1)\n"));
  ck_assert_ptr_nonnull(strstr(m,
                               "```diff\n  S: RCPT TO:<nobody@example.test>\n"
                               "- R: 550\n+ R: 250 2.1.5 Ok\n"));
  /* issue 12: where the session stopped, after the diff */
  ck_assert_ptr_nonnull(strstr(
      m,
      "diverged at transcripts/esmtp/rcpt-unknown.yaml:5: expected 550, got "
      "250 inside a pipelined group; not judged: 3 later steps (lines 6-9)"));
  ck_assert_ptr_nonnull(strstr(m, "#### Errors (2)\n"));
  ck_assert_ptr_nonnull(
      strstr(m, "#### Waivers (1)\n\n- **esmtp/vrfy** (SHOULD): "
                "waived: VRFY disabled by policy (waivers.yaml:3)\n"));
  free(m);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_md_hostile) {
  struct ms_run_result r;
  size_t len;
  ms_fixture_run(&r, true);
  char *m = ms_fixture_render(ms_report_md, &r, &len);
  ck_assert(ms_fixture_clean_utf8(m, len, false));
  /* inline text: no raw HTML */
  ck_assert_ptr_nonnull(strstr(m, "Server greeting: 220 &lt;script\\>"));
  /* the server's ````` cannot close our fence: ours is longer */
  ck_assert_ptr_nonnull(strstr(m, "``````diff\n"));
  ck_assert_ptr_nonnull(strstr(m, "\n``````\n"));
  free(m);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_md_all_pass) {
  struct ms_run_result r;
  ms_fixture_run(&r, false);
  r.n = 1; /* only the passing transcript */
  char *m = ms_fixture_render(ms_report_md, &r, NULL);
  ck_assert_msg(strncmp(m, "### mailspec: \u2705 1 passed, 0 failed", 36) == 0,
                "%s", m);
  ck_assert_ptr_null(strstr(m, "####"));
  free(m);
  r.n = 6;
  ms_run_free(&r);
}
END_TEST

Suite *make_report_md_suite(void);
Suite *make_report_md_suite(void) {
  Suite *s = suite_create("report_md");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_md_summary);
  tcase_add_test(tc, test_md_hostile);
  tcase_add_test(tc, test_md_all_pass);
  suite_add_tcase(s, tc);
  return s;
}
