/* Unit tests for suite.c and plan.c: suites with globs relative to the
 * suite, run plans from transcripts, suites and directories.  Files are
 * made in a fresh directory under /tmp. */
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

static void setup(void) {
  td_make(dir, sizeof dir);
  const char *t = "steps:\n  - expect: 220\n";
  put("transcripts/a/01.yaml", t);
  put("transcripts/a/02.yaml", t);
  put("transcripts/a/notes.txt", "not a transcript\n");
  put("transcripts/b/10.yaml", t);
  put("transcripts/.hidden/x.yaml", t);
  put("suites/waivers/sink.yaml", "server: smtp-sink\nwaivers:\n  - test: x/y\n"
                                  "    reason: r\n");
  put("suites/core.yaml", "title: Core\n"
                          "transcripts:\n"
                          "  - ../transcripts/b/10.yaml\n"
                          "  - ../transcripts/a/*.yaml\n"
                          "  - ../transcripts/a/01.yaml\n"
                          "vars: {helo: client.example}\n"
                          "level: SHOULD\n"
                          "tags: [core]\n"
                          "waivers: waivers/core.yaml\n");
}

static void teardown(void) {
  td_remove(dir);
}

static const struct ms_diag *diag(const struct ms_diags *d, const char *sub) {
  for (size_t i = 0; i < d->n; i++)
    if (strstr(d->v[i].msg, sub))
      return &d->v[i];
  return NULL;
}

START_TEST(test_suite_load) {
  struct ms_diags d = {0};
  ck_assert(ms_suite_is_suite(at("suites/core.yaml")));
  ck_assert(!ms_suite_is_suite(at("transcripts/a/01.yaml")));
  ck_assert(!ms_suite_is_suite(at("nonexistent.yaml")));
  ck_assert(ms_suite_is_waivers(at("suites/waivers/sink.yaml")));
  ck_assert(!ms_suite_is_waivers(at("suites/core.yaml")));
  ck_assert(!ms_suite_is_suite(at("suites/waivers/sink.yaml")));
  struct ms_suite *s = ms_suite_load(at("suites/core.yaml"), &d);
  ck_assert_msg(s != NULL, "%s", d.n ? d.v[0].msg : "");
  ck_assert_str_eq(s->title, "Core");
  /* listed order, each glob sorted, paths cleaned, duplicates once */
  ck_assert_uint_eq(s->ntranscripts, 3);
  ck_assert_str_eq(s->transcripts[0], at("transcripts/b/10.yaml"));
  ck_assert_str_eq(s->transcripts[1], at("transcripts/a/01.yaml"));
  ck_assert_str_eq(s->transcripts[2], at("transcripts/a/02.yaml"));
  ck_assert_uint_eq(s->nvars, 1);
  ck_assert_str_eq(s->vars[0].value, "client.example");
  ck_assert_int_eq(s->level, MS_LEVEL_SHOULD);
  ck_assert_uint_eq(s->ntags, 1);
  ck_assert_str_eq(s->waivers, at("suites/waivers/core.yaml"));
  ms_suite_free(s);
  ms_diags_free(&d);
}
END_TEST

START_TEST(test_suite_errors) {
  struct ms_diags d = {0};
  put("suites/bad.yaml", "title: Bad\n"
                         "transcripts:\n"
                         "  - ../transcripts/a/*.yaml\n"
                         "  - ../transcripts/nope/*.yaml\n"
                         "  - ../transcripts/a\n"
                         "colour: red\n");
  ck_assert_ptr_null(ms_suite_load(at("suites/bad.yaml"), &d));
  const struct ms_diag *g = diag(&d, "no file matches");
  ck_assert_ptr_nonnull(g);
  ck_assert_int_eq(g->line, 4);
  ck_assert_int_eq(g->col, 5);
  ck_assert_str_eq(g->file, at("suites/bad.yaml"));
  g = diag(&d, "is a directory");
  ck_assert(g && g->line == 5);
  g = diag(&d, "unknown key \"colour\"");
  ck_assert(g && g->line == 6 && g->col == 1);
  ck_assert_uint_eq(d.nerrors, 3);
  ms_diags_free(&d);
  put("suites/empty.yaml", "transcripts: []\n");
  ck_assert_ptr_null(ms_suite_load(at("suites/empty.yaml"), &d));
  ck_assert_ptr_nonnull(diag(&d, "non-empty list"));
  ms_diags_free(&d);
}
END_TEST

START_TEST(test_plan) {
  struct ms_diags d = {0};
  struct ms_plan p;
  char *paths[] = {at("transcripts/b/10.yaml"), at("transcripts")};
  ck_assert_int_eq(ms_plan_build(&p, paths, 2, &d), 0);
  /* the named file first, then the directory sorted; no hidden, no .txt,
   * nothing twice */
  ck_assert_uint_eq(p.n, 3);
  ck_assert_str_eq(p.items[0].path, at("transcripts/b/10.yaml"));
  ck_assert_str_eq(p.items[1].path, at("transcripts/a/01.yaml"));
  ck_assert_str_eq(p.items[2].path, at("transcripts/a/02.yaml"));
  ck_assert_ptr_null(p.items[0].suite);
  ms_plan_free(&p);
  ck_assert_uint_eq(p.n, 0);
  ms_diags_free(&d);
}
END_TEST

START_TEST(test_plan_suites) {
  struct ms_diags d = {0};
  struct ms_plan p;
  char *paths[] = {at("suites/")};
  ck_assert_int_eq(ms_plan_build(&p, paths, 1, &d), 0); /* waivers skipped */
  ck_assert_uint_eq(d.n, 0);
  ck_assert_uint_eq(p.nsuites, 1);
  ck_assert_uint_eq(p.n, 3);
  ck_assert_str_eq(p.items[0].path, at("transcripts/b/10.yaml"));
  ck_assert_ptr_eq(p.items[0].suite, p.suites[0]);
  ck_assert_str_eq(p.items[0].suite->title, "Core");
  ms_plan_free(&p);
  char *bad[] = {at("nope.yaml"), at("transcripts/a/01.yaml")};
  ck_assert_int_eq(ms_plan_build(&p, bad, 2, &d), -1);
  ck_assert_uint_eq(d.nerrors, 1);
  ck_assert_str_eq(d.v[0].file, at("nope.yaml"));
  ck_assert_uint_eq(p.n, 1); /* the rest is still planned */
  ms_plan_free(&p);
  ms_diags_free(&d);
}
END_TEST

START_TEST(test_path_join) {
  char *s = ms_plan_path_join("suites/core.yaml", "../transcripts/a.yaml");
  ck_assert_str_eq(s, "transcripts/a.yaml");
  free(s);
  s = ms_plan_path_join("core.yaml", "./x//y.yaml");
  ck_assert_str_eq(s, "x/y.yaml");
  free(s);
  s = ms_plan_path_join("a/b/c.yaml", "../../../up.yaml");
  ck_assert_str_eq(s, "../up.yaml");
  free(s);
  s = ms_plan_path_join("a/b.yaml", "/abs/./x/../y");
  ck_assert_str_eq(s, "/abs/y");
  free(s);
  s = ms_plan_path_join("/srv/s.yaml", "../../x");
  ck_assert_str_eq(s, "/x");
  free(s);
  s = ms_plan_path_join("a/b.yaml", ".");
  ck_assert_str_eq(s, "a");
  free(s);
}
END_TEST

Suite *make_suite_suite(void);
Suite *make_suite_suite(void) {
  Suite *s = suite_create("suite");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_suite_load);
  tcase_add_test(tc, test_suite_errors);
  tcase_add_test(tc, test_plan);
  tcase_add_test(tc, test_plan_suites);
  tcase_add_test(tc, test_path_join);
  suite_add_tcase(s, tc);
  return s;
}
