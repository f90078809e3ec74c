/* Unit tests for what issue 13 added to the transcript format and the
 * judge: skip_on:/skip_reason: on expect steps and needs: (a SKIP when
 * the server is set up so that the test does not apply), and findings
 * graded by their own clause's level (ms_engine_fail_level). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "mailspec/mailspec.h"
#include "util.h"

static struct ms_transcript *sl_parse(const char *yaml, struct ms_diags *d) {
  memset(d, 0, sizeof *d);
  return ms_transcript_parse("t.yaml", yaml, strlen(yaml), d);
}

static bool sl_diag_has(const struct ms_diags *d, const char *what) {
  for (size_t i = 0; i < d->n; i++)
    if (strstr(d->v[i].msg, what))
      return true;
  return false;
}

START_TEST(test_skip_on_loads) {
  struct ms_diags d;
  struct ms_transcript *t =
      sl_parse("convention: rfc5321\n"
               "needs: {unknown: \"no unknown mailbox\"}\n"
               "steps:\n"
               "  - S: 220\n"
               "  - C: VRFY x\n"
               "  - expect: 250\n"
               "    skip_on: 252|5xx\n"
               "    skip_reason: cannot verify\n",
               &d);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(t->nneeds, 1);
  ck_assert_str_eq(t->needs[0].name, "unknown");
  ck_assert_str_eq(t->needs[0].value, "no unknown mailbox");
  const struct ms_step *st = &t->sessions[0].steps[2];
  ck_assert_int_eq(st->kind, MS_STEP_EXPECT);
  ck_assert_int_eq(st->skip_pat.n, 2);
  ck_assert_str_eq(st->skip_why, "cannot verify");
  ms_transcript_free(t);
  ms_diags_free(&d);
}
END_TEST

/* skip_on:'s own errors are check_skip_on.c's. */
START_TEST(test_needs_errors) {
  struct ms_diags d;
  ck_assert_ptr_null(sl_parse("convention: rfc5321\nneeds: [unknown]\n"
                              "steps:\n  - S: 220\n",
                              &d));
  ck_assert(sl_diag_has(&d, "needs: takes a mapping"));
  ms_diags_free(&d);
}
END_TEST

static struct ms_reply sl_reply(int code, unsigned violations,
                                const char *line) {
  struct ms_reply r;
  memset(&r, 0, sizeof r);
  r.code = code;
  r.violations = violations;
  r.nlines = 1;
  r.lines = xcalloc(1, sizeof *r.lines);
  r.lens = xcalloc(1, sizeof *r.lens);
  r.lines[0] = xstrdup(line);
  r.lens[0] = strlen(line);
  return r;
}

static struct ms_step sl_step(const char *pat, const char *skip) {
  struct ms_step s;
  char err[128];
  memset(&s, 0, sizeof s);
  s.kind = MS_STEP_EXPECT;
  ck_assert_int_eq(
      ms_pattern_parse(&s.pat, MS_PROTO_SMTP, pat, err, sizeof err), 0);
  if (skip) {
    ck_assert_int_eq(
        ms_pattern_parse(&s.skip_pat, MS_PROTO_SMTP, skip, err, sizeof err), 0);
    static char why[] = "not set up for it";
    s.skip_why = why;
  }
  return s;
}

/* Judge one reply; the verdict, its reason in WHY (caller frees) and the
 * level at which a FAIL counts. */
static enum ms_verdict sl_judge(const char *pat, const char *skip, int code,
                                unsigned violations, char **why,
                                enum ms_level *level) {
  struct ms_step st = sl_step(pat, skip);
  struct ms_reply r = sl_reply(code, violations, "250 ok");
  struct ms_transcript_result t;
  memset(&t, 0, sizeof t);
  struct ms_step_result *s = ms_tr_add_step(&t);
  ms_engine_judge(&st, MS_PROTO_SMTP, &r, s);
  enum ms_verdict v = s->verdict;
  *why = s->reason ? xstrdup(s->reason) : NULL;
  *level = ms_engine_fail_level(s, MS_PROTO_SMTP);
  ms_reply_free(&r);
  ms_transcript_result_free(&t);
  return v;
}

START_TEST(test_judge_skip_on) {
  char *why;
  enum ms_level l;
  ck_assert_int_eq(sl_judge("550", "250|251", 250, 0, &why, &l), MS_SKIP);
  ck_assert_str_eq(why, "the server answered 250: not set up for it");
  free(why);
  ck_assert_int_eq(sl_judge("550", "250|251", 550, 0, &why, &l), MS_PASS);
  free(why);
  ck_assert_int_eq(sl_judge("550", "250|251", 554, 0, &why, &l), MS_FAIL);
  free(why);
  ck_assert_int_eq(sl_judge("550", NULL, 250, 0, &why, &l), MS_FAIL);
  free(why);
  /* a skipped reply that breaks the reply syntax still fails */
  ck_assert_int_eq(sl_judge("550", "250", 250, MS_V_BARE_LF, &why, &l),
                   MS_FAIL);
  free(why);
}
END_TEST

/* RFC 5321 §4.5.3.1.5: a reply line over 512 octets is a SHOULD. */
START_TEST(test_fail_level) {
  char *why;
  enum ms_level l;
  ck_assert_int_eq(sl_judge("250", NULL, 250, MS_V_LONG_LINE, &why, &l),
                   MS_FAIL);
  ck_assert_int_eq(l, MS_LEVEL_SHOULD);
  free(why);
  ck_assert_int_eq(
      sl_judge("250", NULL, 250, MS_V_LONG_LINE | MS_V_BARE_LF, &why, &l),
      MS_FAIL);
  ck_assert_int_eq(l, MS_LEVEL_MUST);
  free(why);
  ck_assert_int_eq(sl_judge("550", NULL, 250, MS_V_LONG_LINE, &why, &l),
                   MS_FAIL);
  ck_assert_int_eq(l, MS_LEVEL_MUST); /* the code failed too */
  free(why);
  ck_assert_int_eq(sl_judge("250", NULL, 250, 0, &why, &l), MS_PASS);
  ck_assert_int_eq(l, MS_LEVEL_NONE);
  free(why);
}
END_TEST

Suite *make_skip_level_suite(void);
Suite *make_skip_level_suite(void) {
  Suite *s = suite_create("skip_level");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_skip_on_loads);
  tcase_add_test(tc, test_needs_errors);
  tcase_add_test(tc, test_judge_skip_on);
  tcase_add_test(tc, test_fail_level);
  suite_add_tcase(s, tc);
  return s;
}
