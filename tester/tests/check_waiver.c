/* Unit tests for waiver.c: loading (and its errors) and applying. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailspec/waiver.h"
#include "util.h"

static char *write_tmp(const char *text) {
  char *path = xstrdup("/tmp/mailspec-waiver-XXXXXX");
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  return path;
}

static void add_result(struct ms_run_result *r, const char *id,
                       enum ms_verdict v) {
  r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
  memset(&r->v[r->n], 0, sizeof r->v[r->n]);
  r->v[r->n].id = xstrdup(id);
  r->v[r->n].verdict = v;
  r->v[r->n].reason = v == MS_FAIL ? xstrdup("expected 214, got 500")
                      : v == MS_ERROR
                          ? xstrdup("no reply within 10 s to 'MAIL'")
                          : NULL;
  r->n++;
}

START_TEST(test_apply) {
  char *f = write_tmp("server: Postfix 3.7\n"
                      "waivers:\n"
                      "  - test: smtp/help\n"
                      "    reason: Postfix has no HELP (500); RFC says 214\n"
                      "  - test: smtp/expn\n"
                      "    reason: old\n"
                      "    expires: 2020-01-01\n"
                      "  - test: smtp/never-*\n"
                      "    reason: unused\n");
  struct ms_waivers w = {0};
  struct ms_diags d = {0};
  ck_assert_int_eq(ms_waivers_load(&w, f, &d), 0);
  ck_assert_uint_eq(w.n, 3);
  ck_assert_str_eq(w.server, "Postfix 3.7");
  struct ms_run_result r;
  ms_run_init(&r);
  add_result(&r, "smtp/help", MS_FAIL);
  add_result(&r, "smtp/expn", MS_FAIL);
  add_result(&r, "smtp/noop", MS_FAIL);
  add_result(&r, "smtp/greeting", MS_PASS);
  char notes[512] = "";
  FILE *nf = fmemopen(notes, sizeof notes, "w");
  ms_waivers_apply(&w, &r, "2026-11-22", nf);
  fclose(nf);
  ck_assert_int_eq(r.v[0].verdict, MS_WAIVED);
  ck_assert_ptr_nonnull(strstr(r.v[0].reason, "no HELP"));
  ck_assert_int_eq(r.v[1].verdict, MS_FAIL); /* expired */
  ck_assert_ptr_nonnull(strstr(r.v[1].reason, "expired on 2020-01-01"));
  ck_assert_int_eq(r.v[2].verdict, MS_FAIL); /* no waiver */
  ck_assert_ptr_nonnull(strstr(notes, "smtp/never-*"));
  ck_assert_ptr_null(strstr(notes, "smtp/help"));
  ck_assert_int_eq(ms_run_exit_status(&r), 1);
  ms_run_free(&r);
  ms_waivers_free(&w);
  ms_diags_free(&d);
  unlink(f);
  free(f);
}
END_TEST

START_TEST(test_waived_only_passes) {
  char *f =
      write_tmp("waivers:\n  - test: 'smtp/*'\n    reason: all of them\n");
  struct ms_waivers w = {0};
  struct ms_diags d = {0};
  ck_assert_int_eq(ms_waivers_load(&w, f, &d), 0);
  struct ms_run_result r;
  ms_run_init(&r);
  add_result(&r, "smtp/help", MS_FAIL);
  ms_waivers_apply(&w, &r, "2026-01-01", NULL);
  ck_assert_int_eq(ms_run_exit_status(&r), 0);
  ms_run_free(&r);
  ms_waivers_free(&w);
  ms_diags_free(&d);
  unlink(f);
  free(f);
}
END_TEST

/* An ERROR ("could not judge") is waived only by a waiver that says
 * `verdict: ERROR`; such a waiver does not cover a FAIL, and a plain one
 * does not cover an ERROR. */
START_TEST(test_error_verdict) {
  char *f = write_tmp("waivers:\n"
                      "  - test: smtp/ehlo-reissue-resets\n"
                      "    verdict: ERROR\n"
                      "    reason: never answers MAIL after a second EHLO\n"
                      "  - test: smtp/hang-*\n"
                      "    reason: a plain waiver\n"
                      "  - test: smtp/old-hang\n"
                      "    verdict: ERROR\n"
                      "    reason: old\n"
                      "    expires: 2020-01-01\n"
                      "  - test: smtp/fails\n"
                      "    verdict: ERROR\n"
                      "    reason: only for an ERROR\n"
                      "  - test: smtp/explicit-fail\n"
                      "    verdict: FAIL\n"
                      "    reason: the default, spelled out\n");
  struct ms_waivers w = {0};
  struct ms_diags d = {0};
  ck_assert_int_eq(ms_waivers_load(&w, f, &d), 0);
  ck_assert_uint_eq(w.n, 5);
  ck_assert_int_eq(w.v[0].verdict, MS_ERROR);
  ck_assert_int_eq(w.v[1].verdict, MS_FAIL);
  ck_assert_int_eq(w.v[4].verdict, MS_FAIL);
  struct ms_run_result r;
  ms_run_init(&r);
  add_result(&r, "smtp/ehlo-reissue-resets", MS_ERROR);
  add_result(&r, "smtp/hang-mail", MS_ERROR);
  add_result(&r, "smtp/old-hang", MS_ERROR);
  add_result(&r, "smtp/fails", MS_FAIL);
  add_result(&r, "smtp/explicit-fail", MS_FAIL);
  char notes[512] = "";
  FILE *nf = fmemopen(notes, sizeof notes, "w");
  ms_waivers_apply(&w, &r, "2026-11-22", nf);
  fclose(nf);
  ck_assert_int_eq(r.v[0].verdict, MS_WAIVED);
  ck_assert_ptr_nonnull(strstr(r.v[0].reason, "waived ERROR"));
  ck_assert_ptr_nonnull(strstr(r.v[0].reason, "second EHLO"));
  ck_assert_ptr_nonnull(strstr(r.v[0].reason, "no reply within 10 s"));
  ck_assert_int_eq(r.v[1].verdict, MS_ERROR); /* plain waiver: no */
  ck_assert_str_eq(r.v[1].reason, "no reply within 10 s to 'MAIL'");
  ck_assert_int_eq(r.v[2].verdict, MS_ERROR); /* expired */
  ck_assert_ptr_nonnull(strstr(r.v[2].reason, "expired on 2020-01-01"));
  ck_assert_int_eq(r.v[3].verdict, MS_FAIL); /* an ERROR waiver: no */
  ck_assert_int_eq(r.v[4].verdict, MS_WAIVED);
  ck_assert_ptr_nonnull(strstr(notes, "'smtp/hang-*' matched no failure"));
  ck_assert_ptr_nonnull(strstr(notes, "'smtp/fails' matched no ERROR"));
  ck_assert_ptr_null(strstr(notes, "ehlo-reissue-resets"));
  ck_assert_int_eq(ms_run_exit_status(&r), 1);
  ms_run_free(&r);
  ms_waivers_free(&w);
  ms_diags_free(&d);
  unlink(f);
  free(f);
}
END_TEST

/* With only the ERROR waived, nothing is left to fail the run. */
START_TEST(test_error_waived_exit_0) {
  char *f = write_tmp("waivers:\n  - test: smtp/x\n    verdict: ERROR\n"
                      "    reason: hangs\n");
  struct ms_waivers w = {0};
  struct ms_diags d = {0};
  ck_assert_int_eq(ms_waivers_load(&w, f, &d), 0);
  struct ms_run_result r;
  ms_run_init(&r);
  add_result(&r, "smtp/x", MS_ERROR);
  ck_assert_int_eq(ms_run_exit_status(&r), 3);
  ms_waivers_apply(&w, &r, "2026-01-01", NULL);
  ck_assert_int_eq(ms_run_exit_status(&r), 0);
  ms_run_free(&r);
  ms_waivers_free(&w);
  ms_diags_free(&d);
  unlink(f);
  free(f);
}
END_TEST

START_TEST(test_errors) {
  static const char *bad[] = {
      "waivers:\n  - test: x\n", /* no reason */
      "waivers:\n  - test: x\n    reason: y\n    expires: soon\n",
      "waivers:\n  - test: x\n    reason: y\n    colour: red\n",
      "waivers:\n  - test: x\n    reason: y\n    verdict: SKIP\n",
      "waivers:\n  - test: x\n    reason: y\n    verdict: error\n",
      "waivers: nope\n",
      "waivers: [\n",
      /* issue 16: the transcript loader's rules, duplicate keys included */
      "waivers:\n  - test: a\n    reason: b\n    test: c\n",
      "server: x\nserver: y\n",
      "waivers:\n  - &w {test: a, reason: b}\n  - *w\n",
      "",
      "- a\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char *f = write_tmp(bad[i]);
    struct ms_waivers w = {0};
    struct ms_diags d = {0};
    ck_assert_int_eq(ms_waivers_load(&w, f, &d), -1);
    ck_assert_uint_ge(d.nerrors, 1);
    ck_assert_int_ge(d.v[0].line, 1);
    ms_waivers_free(&w);
    ms_diags_free(&d);
    unlink(f);
    free(f);
  }
}
END_TEST

Suite *make_waiver_suite(void);
Suite *make_waiver_suite(void) {
  Suite *s = suite_create("waiver");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_apply);
  tcase_add_test(tc, test_waived_only_passes);
  tcase_add_test(tc, test_error_verdict);
  tcase_add_test(tc, test_error_waived_exit_0);
  tcase_add_test(tc, test_errors);
  suite_add_tcase(s, tc);
  return s;
}
