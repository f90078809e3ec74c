/* Unit tests for result.c: building results, counting, exit statuses. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mailspec/mailspec.h"
#include "util.h"

/* A run with one transcript per verdict in V (N of them). */
static void result_run(struct ms_run_result *r, const enum ms_verdict *v,
                       size_t n) {
  ms_run_init(r);
  r->v = xcalloc(n ? n : 1, sizeof *r->v);
  r->n = n;
  for (size_t i = 0; i < n; i++) {
    r->v[i].id = xasprintf("t/%zu", i);
    r->v[i].verdict = v[i];
  }
  ms_run_count(r);
}

static int result_exit(const enum ms_verdict *v, size_t n) {
  struct ms_run_result r;
  result_run(&r, v, n);
  int e = ms_run_exit_status(&r);
  ms_run_free(&r);
  return e;
}

START_TEST(test_verdict_names) {
  ck_assert_str_eq(ms_verdict_name(MS_PASS), "PASS");
  ck_assert_str_eq(ms_verdict_name(MS_FAIL), "FAIL");
  ck_assert_str_eq(ms_verdict_name(MS_ERROR), "ERROR");
  ck_assert_str_eq(ms_verdict_name(MS_SKIP), "SKIP");
  ck_assert_str_eq(ms_verdict_name(MS_WAIVED), "WAIVED");
  ck_assert_str_eq(ms_verdict_name(MS_NOTRUN), "NOTRUN");
  ck_assert_str_eq(ms_verdict_name((enum ms_verdict)42), "?");
}
END_TEST

START_TEST(test_count) {
  enum ms_verdict v[] = {MS_PASS,  MS_PASS,   MS_FAIL,  MS_SKIP,
                         MS_ERROR, MS_WAIVED, MS_NOTRUN};
  struct ms_run_result r;
  result_run(&r, v, sizeof v / sizeof v[0]);
  ck_assert_uint_eq(r.counts[MS_PASS], 2);
  ck_assert_uint_eq(r.counts[MS_FAIL], 1);
  ck_assert_uint_eq(r.counts[MS_SKIP], 1);
  ck_assert_uint_eq(r.counts[MS_ERROR], 1);
  ck_assert_uint_eq(r.counts[MS_WAIVED], 1);
  ck_assert_uint_eq(r.counts[MS_NOTRUN], 1);
  /* Counting again does not accumulate. */
  ms_run_count(&r);
  ck_assert_uint_eq(r.counts[MS_PASS], 2);
  ms_run_free(&r);
  ck_assert_uint_eq(r.n, 0);
  ck_assert_ptr_null(r.v);
}
END_TEST

START_TEST(test_exit_status) {
  enum ms_verdict pass[] = {MS_PASS, MS_PASS};
  enum ms_verdict skips[] = {MS_PASS, MS_SKIP, MS_WAIVED};
  enum ms_verdict fail[] = {MS_PASS, MS_FAIL};
  enum ms_verdict err[] = {MS_PASS, MS_ERROR, MS_SKIP};
  enum ms_verdict both[] = {MS_ERROR, MS_FAIL, MS_PASS};
  enum ms_verdict notrun[] = {MS_PASS, MS_NOTRUN};
  ck_assert_int_eq(result_exit(pass, 2), MS_EXIT_PASS);
  ck_assert_int_eq(result_exit(skips, 3), MS_EXIT_PASS);
  ck_assert_int_eq(result_exit(fail, 2), MS_EXIT_FAIL);
  ck_assert_int_eq(result_exit(err, 3), MS_EXIT_ERROR);
  ck_assert_int_eq(result_exit(both, 3), MS_EXIT_FAIL);
  ck_assert_int_eq(result_exit(notrun, 2), MS_EXIT_ERROR);
  ck_assert_int_eq(result_exit(NULL, 0), MS_EXIT_PASS);
}
END_TEST

START_TEST(test_exit_invalid) {
  enum ms_verdict v[] = {MS_PASS, MS_FAIL, MS_ERROR};
  struct ms_run_result r;
  result_run(&r, v, 3);
  r.ninvalid = 1; /* an invalid transcript outranks a FAIL */
  ck_assert_int_eq(ms_run_exit_status(&r), MS_EXIT_USAGE);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_steps_and_findings) {
  struct ms_transcript_result t;
  memset(&t, 0, sizeof t);
  t.path = xstrdup("x.yaml");
  for (int i = 0; i < 100; i++) {
    struct ms_step_result *s = ms_tr_add_step(&t);
    ck_assert_int_eq(s->verdict, MS_PASS);
    ck_assert_ptr_null(s->findings);
    s->line = i + 1;
    s->sent = xasprintf("NOOP %d", i);
  }
  ck_assert_uint_eq(t.nsteps, 100);
  ck_assert_int_eq(t.steps[0].line, 1);
  ck_assert_int_eq(t.steps[99].line, 100);
  ck_assert_str_eq(t.steps[57].sent, "NOOP 57");
  ms_step_add_finding(&t.steps[3], MS_V_BARE_LF, "bare LF");
  ms_step_add_finding(&t.steps[3], MS_V_TRAILING, NULL);
  ck_assert_uint_eq(t.steps[3].nfindings, 2);
  ck_assert_uint_eq(t.steps[3].findings[0].violation, MS_V_BARE_LF);
  ck_assert_str_eq(t.steps[3].findings[0].what, "bare LF");
  ck_assert_str_eq(t.steps[3].findings[1].what, "");
  ms_transcript_result_free(&t);
  ck_assert_ptr_null(t.steps);
  ck_assert_uint_eq(t.nsteps, 0);
  ms_transcript_result_free(NULL);
  ms_run_free(NULL);
}
END_TEST

/* Levels (run --strict): MUST always fails the run, SHOULD only when
 * strict, MAY never; an unlevelled transcript counts as MUST. */
START_TEST(test_exit_levels) {
  enum ms_verdict v[] = {MS_PASS, MS_FAIL};
  struct ms_run_result r;
  result_run(&r, v, 2);
  r.v[1].level = MS_LEVEL_SHOULD;
  ck_assert_int_eq(ms_run_exit_status_strict(&r, false), MS_EXIT_PASS);
  ck_assert_int_eq(ms_run_exit_status_strict(&r, true), MS_EXIT_FAIL);
  ck_assert_int_eq(ms_run_exit_status(&r), MS_EXIT_FAIL);
  r.v[1].level = MS_LEVEL_MAY;
  ck_assert_int_eq(ms_run_exit_status_strict(&r, true), MS_EXIT_PASS);
  r.v[1].level = MS_LEVEL_MUST;
  ck_assert_int_eq(ms_run_exit_status_strict(&r, false), MS_EXIT_FAIL);
  r.v[1].level = MS_LEVEL_NONE;
  ck_assert_int_eq(ms_run_exit_status_strict(&r, false), MS_EXIT_FAIL);
  /* A MAY failure next to an ERROR: the ERROR decides. */
  r.v[1].level = MS_LEVEL_MAY;
  r.v[0].verdict = MS_ERROR;
  ck_assert_int_eq(ms_run_exit_status_strict(&r, true), MS_EXIT_ERROR);
  ms_run_free(&r);
}
END_TEST

Suite *make_result_suite(void);
Suite *make_result_suite(void) {
  Suite *s = suite_create("result");
  TCase *tc = tcase_create("model");
  tcase_add_test(tc, test_verdict_names);
  tcase_add_test(tc, test_count);
  tcase_add_test(tc, test_exit_status);
  tcase_add_test(tc, test_exit_invalid);
  tcase_add_test(tc, test_exit_levels);
  tcase_add_test(tc, test_steps_and_findings);
  suite_add_tcase(s, tc);
  return s;
}
