/* Unit tests for capture: (transcript_steps.c) and ms_vars_expand_re()
 * (vars.c): captured variables in later regexes match literally. */
#include <check.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "mailspec/transcript.h"

static struct ms_diags D;

static struct ms_transcript *cc_parse(const char *yaml) {
  ms_diags_free(&D);
  memset(&D, 0, sizeof D);
  return ms_transcript_parse("t.yaml", yaml, strlen(yaml), &D);
}

static bool cc_diag(const char *sub, int line) {
  for (size_t i = 0; i < D.n; i++)
    if (strstr(D.v[i].msg, sub) && D.v[i].line == line && !D.v[i].warning)
      return true;
  return false;
}

#define HEAD "protocol: pop3\nconvention: rfc5321\nsteps:\n  - S: +OK\n"

/* Does the ERE RE match S? */
static bool cc_match(const char *re, const char *s) {
  regex_t rx;
  ck_assert_int_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
  bool m = regexec(&rx, s, 0, NULL, 0) == 0;
  regfree(&rx);
  return m;
}

START_TEST(test_expand_re_escapes) {
  static const char meta[] = "a.b[c]{2}(d)*+?^$|\\e";
  char value[sizeof meta];
  memcpy(value, meta, sizeof meta);
  char uid[] = "uid", none[] = "none";
  struct ms_var caps[] = {{uid, value}, {none, NULL}};
  char err[200] = "";
  char *re = ms_vars_expand_re("^\\+OK 1 ${uid}$", caps, 2, err, sizeof err);
  ck_assert_ptr_nonnull(re);
  ck_assert_str_eq(
      re, "^\\+OK 1 a\\.b\\[c\\]\\{2\\}\\(d\\)\\*\\+\\?\\^\\$\\|\\\\e$");
  /* the value matches itself, literally, and nothing like it */
  ck_assert(cc_match(re, "+OK 1 a.b[c]{2}(d)*+?^$|\\e"));
  ck_assert(!cc_match(re, "+OK 1 axb[c]{2}(d)*+?^$|\\e"));
  ck_assert(!cc_match(re, "+OK 1 a.bcc(d)*+?^$|\\e"));
  free(re);
  /* other ${...} and "$" stay as written; a name without value fails */
  re = ms_vars_expand_re("x${other}$ ${uid", caps, 2, err, sizeof err);
  ck_assert_str_eq(re, "x${other}$ ${uid");
  free(re);
  ck_assert_ptr_null(ms_vars_expand_re("^${none}", caps, 2, err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "${none} has no value"));
}
END_TEST

START_TEST(test_capture_parse) {
  struct ms_transcript *t =
      cc_parse(HEAD "  - C: UIDL 1\n"
                    "  - expect: +OK\n"
                    "    capture: {uid: '^\\+OK 1 (.+)$', "
                    "n: '([0-9]+)'}\n"
                    "  - C: UIDL ${uid}\n"
                    "  - expect: +OK\n"
                    "    text: '^\\+OK ${n} ${uid}$'\n");
  ck_assert_msg(t != NULL, "%s", D.n ? D.v[0].msg : "?");
  const struct ms_step *e = &t->sessions[0].steps[2];
  ck_assert_int_eq(e->kind, MS_STEP_EXPECT);
  const char *re, *name = ms_step_capture_next(e, NULL, &re);
  ck_assert_str_eq(name, "uid");
  ck_assert_str_eq(re, "^\\+OK 1 (.+)$");
  name = ms_step_capture_next(e, name, &re);
  ck_assert_str_eq(name, "n");
  ck_assert_str_eq(re, "([0-9]+)");
  ck_assert_ptr_null(ms_step_capture_next(e, name, &re));
  /* steps without capture: have none */
  ck_assert_ptr_null(ms_step_capture_next(&t->sessions[0].steps[0], NULL, &re));
  ck_assert_ptr_null(ms_step_capture_next(&t->sessions[0].steps[4], NULL, &re));
  ck_assert_str_eq(t->sessions[0].steps[4].text_re, "^\\+OK ${n} ${uid}$");
  ms_transcript_free(t);
}
END_TEST

START_TEST(test_capture_errors) {
  ck_assert_ptr_null(
      cc_parse(HEAD "  - C: X\n  - expect: +OK\n    capture: {u: 'abc'}\n"));
  ck_assert(cc_diag("exactly one group", 7));
  ck_assert_ptr_null(
      cc_parse(HEAD "  - C: X\n  - expect: +OK\n    capture: {u: '(a)(b)'}\n"));
  ck_assert(cc_diag("it has 2", 7));
  ck_assert_ptr_null(
      cc_parse(HEAD "  - C: X\n  - expect: +OK\n    capture: {1u: '(a)'}\n"));
  ck_assert(cc_diag("variable names", 7));
  ck_assert_ptr_null(
      cc_parse(HEAD "  - C: X\n  - expect: +OK\n    capture: {u: '(a'}\n"));
  ck_assert(cc_diag("not a valid POSIX", 7));
  ck_assert_ptr_null(
      cc_parse(HEAD "  - C: X\n  - expect: +OK\n    capture: '(a)'\n"));
  ck_assert(cc_diag("takes a mapping", 7));
  ck_assert_ptr_null(cc_parse(
      HEAD "  - C: QUIT\n  - expect: close\n    capture: {u: '(a)'}\n"));
  ck_assert(cc_diag("no capture", 7));
  /* a text: regex is checked with its ${NAME}s as literals */
  ck_assert_ptr_null(
      cc_parse(HEAD "  - C: X\n  - expect: +OK\n    text: '${u}('\n"));
  ck_assert(cc_diag("not a valid POSIX", 7));
  ms_diags_free(&D);
  memset(&D, 0, sizeof D);
}
END_TEST

/* A name an earlier capture: defines is no "not defined" warning; an
 * unknown one still is. */
START_TEST(test_capture_no_var_warning) {
  struct ms_transcript *t =
      cc_parse(HEAD "  - C: UIDL 1\n"
                    "  - expect: +OK\n"
                    "    capture: {uid: '^\\+OK 1 (.+)$'}\n"
                    "  - C: NOOP ${uid}\n"
                    "  - S: +OK\n"
                    "  - C: NOOP ${other}\n"
                    "  - S: +OK\n");
  ck_assert_ptr_nonnull(t);
  size_t warn_uid = 0, warn_other = 0;
  for (size_t i = 0; i < D.n; i++) {
    if (!D.v[i].warning)
      continue;
    warn_uid += strstr(D.v[i].msg, "${uid}") != NULL;
    warn_other += strstr(D.v[i].msg, "${other}") != NULL;
  }
  ck_assert_uint_eq(warn_uid, 0);
  ck_assert_uint_eq(warn_other, 1);
  ms_transcript_free(t);
}
END_TEST

Suite *make_capture_suite(void);
Suite *make_capture_suite(void) {
  Suite *s = suite_create("capture");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_expand_re_escapes);
  tcase_add_test(tc, test_capture_parse);
  tcase_add_test(tc, test_capture_errors);
  tcase_add_test(tc, test_capture_no_var_warning);
  suite_add_tcase(s, tc);
  return s;
}
