/* Unit tests for plan_find.c: a PATH that does not exist is looked for by
 * name in the current directory, then MAILSPEC_PATH, then the binary's
 * tree and the installed share directory; the candidates in each, waiver
 * files, paths that are never looked for, and ms_plan_build using it.
 * Each test runs in its own process (Check forks), so chdir and setenv
 * stay there.  Files are made in a fresh directory under /tmp. */
#define _XOPEN_SOURCE 700 /* nftw(3) */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailspec/transcript.h"
#include "tmpdir.h"

static char dir[64];

static void put(const char *rel, const char *text) {
  td_put(dir, rel, text);
}

static char *at(const char *rel) {
  return td_at(dir, rel);
}

#define SUITE_TEXT "title: t\ntranscripts:\n  - ../transcripts/x/*.yaml\n"

static void setup(void) {
  td_make(dir, sizeof dir);
  const char *t = "steps:\n  - expect: 220\n";
  /* two data roots laid out like the share directory, and a plain
   * directory of suites */
  put("one/transcripts/x/01.yaml", t);
  put("one/transcripts/x/02.yaml", t);
  put("one/suites/core.yaml", SUITE_TEXT);
  put("one/suites/only-one.yaml", SUITE_TEXT);
  put("one/suites/waivers/srv.yaml", "server: s\nwaivers:\n  - test: x/01\n"
                                     "    reason: r\n");
  put("two/transcripts/x/01.yaml", t);
  put("two/suites/core.yaml", SUITE_TEXT);
  put("flat/mine.yaml", "title: m\ntranscripts:\n  - ../one/transcripts/x/"
                        "01.yaml\n");
  put("cwd/core.yaml", "title: here\ntranscripts:\n  - ../one/transcripts/x/"
                       "02.yaml\n");
  mkdir(at("empty"), 0700);
  unsetenv("MAILSPEC_PATH");
}

static void teardown(void) {
  td_remove(dir);
}

static void path_is(const char *name, enum ms_find_kind kind,
                    const char *want) {
  char *got = ms_plan_find(name, kind);
  if (!want) {
    ck_assert_msg(got == NULL, "%s: found %s", name, got ? got : "");
    return;
  }
  ck_assert_msg(got != NULL, "%s: not found (want %s)", name, want);
  ck_assert_str_eq(got, want);
  free(got);
}

static void set_path(const char *a, const char *b) {
  char v[600];
  snprintf(v, sizeof v, "%s:%s", a, b ? b : "");
  setenv("MAILSPEC_PATH", v, 1);
}

START_TEST(test_find_candidates) {
  ck_assert_int_eq(chdir(at("empty")), 0);
  set_path(at("one"), NULL);
  /* NAME, NAME.yaml, suites/NAME, suites/NAME.yaml */
  path_is("core", MS_FIND_SUITE, at("one/suites/core.yaml"));
  path_is("core.yaml", MS_FIND_SUITE, at("one/suites/core.yaml"));
  path_is("suites/core.yaml", MS_FIND_SUITE, at("one/suites/core.yaml"));
  path_is("suites/core", MS_FIND_SUITE, at("one/suites/core.yaml"));
  path_is("transcripts/x", MS_FIND_SUITE, at("one/transcripts/x"));
  path_is("nothing", MS_FIND_SUITE, NULL);
  /* waiver files: also below suites/waivers/ */
  path_is("srv", MS_FIND_WAIVERS, at("one/suites/waivers/srv.yaml"));
  path_is("waivers/srv.yaml", MS_FIND_WAIVERS,
          at("one/suites/waivers/srv.yaml"));
  path_is("srv", MS_FIND_SUITE, NULL);
}
END_TEST

START_TEST(test_find_order) {
  ck_assert_int_eq(chdir(at("empty")), 0);
  set_path(at("two"), at("one"));
  /* the first directory of MAILSPEC_PATH wins; the next one still
   * gives what the first lacks */
  path_is("core", MS_FIND_SUITE, at("two/suites/core.yaml"));
  path_is("only-one", MS_FIND_SUITE, at("one/suites/only-one.yaml"));
  /* a directory of suites, without suites/ in it */
  set_path(at("flat"), NULL);
  path_is("mine", MS_FIND_SUITE, at("flat/mine.yaml"));
  /* the current directory comes before MAILSPEC_PATH, and a name found
   * there stays relative */
  ck_assert_int_eq(chdir(at("cwd")), 0);
  set_path(at("one"), NULL);
  path_is("core", MS_FIND_SUITE, "core.yaml");
  /* an existing path is used as given */
  path_is("core.yaml", MS_FIND_SUITE, "core.yaml");
}
END_TEST

START_TEST(test_find_explicit) {
  ck_assert_int_eq(chdir(at("empty")), 0);
  set_path(at("one"), NULL);
  /* absolute, ./ and ../ paths are never looked for */
  path_is("./core", MS_FIND_SUITE, NULL);
  path_is("../core", MS_FIND_SUITE, NULL);
  path_is("/core", MS_FIND_SUITE, NULL);
  path_is("", MS_FIND_SUITE, NULL);
  /* the search directories: ".", then MAILSPEC_PATH (empty entries and
   * duplicates dropped) ... then the installed share directory */
  set_path(at("one"), at("one"));
  struct ms_search_dirs s;
  ms_plan_search_dirs(&s);
  ck_assert_uint_ge(s.n, 3);
  ck_assert_str_eq(s.v[0].dir, ".");
  ck_assert_str_eq(s.v[1].dir, at("one"));
  ck_assert_str_ne(s.v[2].dir, at("one"));
  ck_assert_str_eq(s.v[s.n - 1].dir, ms_plan_datadir());
  ms_plan_search_dirs_free(&s);
  /* the default suites */
  ck_assert_str_eq(ms_plan_default_suites(MS_PROTO_SMTP)[0], "rfc5321");
  ck_assert_str_eq(ms_plan_default_suites(MS_PROTO_SMTP)[1], "esmtp");
  ck_assert_ptr_null(ms_plan_default_suites(MS_PROTO_SMTP)[2]);
  ck_assert_str_eq(ms_plan_default_suites(MS_PROTO_POP3)[0], "pop3-capa");
  ck_assert_str_eq(ms_plan_default_suites(MS_PROTO_POP3)[1], "rfc1939");
}
END_TEST

START_TEST(test_find_plan) {
  ck_assert_int_eq(chdir(at("empty")), 0);
  set_path(at("one"), NULL);
  struct ms_diags d = {0};
  struct ms_plan p;
  char core[] = "core", one[] = "only-one", none[] = "nothing-by-that-name";
  char *paths[] = {core, one};
  ck_assert_int_eq(ms_plan_build(&p, paths, 2, &d), 0);
  ck_assert_uint_eq(p.n, 2); /* both suites name x/01 and x/02: once each */
  ck_assert_str_eq(p.items[0].path, at("one/transcripts/x/01.yaml"));
  ck_assert_str_eq(p.items[0].suite->path, at("one/suites/core.yaml"));
  ms_plan_free(&p);
  ms_diags_free(&d);
  char *bad[] = {none};
  ck_assert_int_eq(ms_plan_build(&p, bad, 1, &d), -1);
  ck_assert_uint_eq(d.nerrors, 1);
  ck_assert_ptr_nonnull(strstr(d.v[0].msg, "no suite or transcript of that "
                                           "name in ."));
  ck_assert_ptr_nonnull(strstr(d.v[0].msg, at("one")));
  ms_plan_free(&p);
  ms_diags_free(&d);
}
END_TEST

Suite *make_plan_find_suite(void);
Suite *make_plan_find_suite(void) {
  Suite *s = suite_create("plan_find");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_find_candidates);
  tcase_add_test(tc, test_find_order);
  tcase_add_test(tc, test_find_explicit);
  tcase_add_test(tc, test_find_plan);
  suite_add_tcase(s, tc);
  return s;
}
