/* Unit tests for coverage.c: clauses sorted naturally, gaps marked. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"

START_TEST(test_table) {
  char ida[] = "smtp/noop", rfca[] = "RFC 5321 §4.1.1.9";
  char idb[] = "smtp/quit", rfcb[] = "RFC 5321 §4.1.1.10";
  char idc[] = "x/odd", rfcc[] = "RFC 9999 §1|2";
  struct ms_transcript a = {0}, b = {0}, c = {0};
  a.id = ida;
  a.rfc = rfca;
  a.level = MS_LEVEL_MUST;
  b.id = idb;
  b.rfc = rfcb;
  b.level = MS_LEVEL_MUST;
  c.id = idc;
  c.rfc = rfcc;
  struct ms_coverage_item items[] = {{&b, NULL}, {&a, NULL}, {&c, NULL}};
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ms_coverage_markdown(items, 3, f);
  fclose(f);
  char *p9 = strstr(buf, "§4.1.1.9 |");
  char *p10 = strstr(buf, "§4.1.1.10 |");
  ck_assert_ptr_nonnull(p9);
  ck_assert_ptr_nonnull(p10);
  ck_assert(p9 < p10); /* natural order, not strcmp order */
  ck_assert_ptr_nonnull(strstr(buf, "`smtp/noop`"));
  ck_assert_ptr_nonnull(strstr(buf, "RFC 9999 §1\\|2")); /* escaped */
  ck_assert_ptr_nonnull(strstr(buf, "| RFC 2449 §5 | CAPA |  | "
                                    "**gap: no transcript** |"));
  ck_assert_ptr_nonnull(strstr(buf, "3 transcripts"));
  free(buf);
}
END_TEST

Suite *make_coverage_suite(void);
Suite *make_coverage_suite(void) {
  Suite *s = suite_create("coverage");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_table);
  suite_add_tcase(s, tc);
  return s;
}
