/* Unit tests for escape.c: UTF-8 decoding and each format's escaping of
 * arbitrary bytes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "report_fixture.h"

static char *esc_run(void (*fn)(FILE *, const char *), const char *s) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ck_assert_ptr_nonnull(f);
  fn(f, s);
  fclose(f);
  return buf;
}

static void esc_xml_text(FILE *f, const char *s) {
  ms_esc_xml(f, s, false);
}
static void esc_xml_attr(FILE *f, const char *s) {
  ms_esc_xml(f, s, true);
}
static void esc_plain(FILE *f, const char *s) {
  ms_esc_plain(f, s, true);
}

START_TEST(test_utf8_decode) {
  size_t n;
  ck_assert_int_eq(ms_utf8_decode((const unsigned char *)"A", 1, &n), 'A');
  ck_assert_uint_eq(n, 1);
  ck_assert_int_eq(ms_utf8_decode((const unsigned char *)"\xc2\xa7", 2, &n),
                   0xA7);
  ck_assert_uint_eq(n, 2);
  ck_assert_int_eq(
      ms_utf8_decode((const unsigned char *)"\xf0\x9f\x98\x80", 4, &n),
      0x1F600);
  ck_assert_uint_eq(n, 4);
  /* RFC 3629 §3: each of these is invalid and consumes one byte */
  const char *bad[] = {
      "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
      "\xff",     "\x80",         "\xc3(",        "\xe2\x82"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ck_assert_int_eq(
        ms_utf8_decode((const unsigned char *)bad[i], strlen(bad[i]), &n), -1);
    ck_assert_uint_eq(n, 1);
  }
}
END_TEST

START_TEST(test_xml) {
  char *s = esc_run(esc_xml_text, "<a href=\"x\">&'</a> ]]>");
  ck_assert_str_eq(s,
                   "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt; ]]&gt;");
  free(s);
  /* controls become pictures, invalid bytes U+FFFD, text keeps \n */
  s = esc_run(esc_xml_text, "a\x01\x1b\x7f\n\t\r\xff");
  ck_assert_str_eq(s, "a\xe2\x90\x81\xe2\x90\x9b\xe2\x90\xa1\n\t\xe2\x90\x8d"
                      "\xef\xbf\xbd");
  free(s);
  s = esc_run(esc_xml_attr, "a\nb\tc");
  ck_assert_str_eq(s, "a&#10;b&#9;c");
  free(s);
  /* U+FFFF is not an XML Char */
  s = esc_run(esc_xml_text, "\xef\xbf\xbf");
  ck_assert_str_eq(s, "\xef\xbf\xbd");
  free(s);
  s = esc_run(esc_xml_text, ms_fixture_hostile);
  ck_assert(ms_fixture_clean_utf8(s, strlen(s), false));
  ck_assert_ptr_null(strchr(s, '<'));
  ck_assert_ptr_null(strstr(s, "]]>"));
  free(s);
}
END_TEST

START_TEST(test_json) {
  char *s = esc_run(ms_esc_json, "a\"b\\c\n\r\t\x01\x7f\xe2\x80\xa8\xff");
  ck_assert_str_eq(s,
                   "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u007f\\u2028\xef\xbf\xbd\"");
  free(s);
  s = esc_run(ms_esc_json, NULL);
  ck_assert_str_eq(s, "null");
  free(s);
}
END_TEST

START_TEST(test_yaml_tap) {
  char *s = esc_run(ms_esc_yaml, "say \"hi\"\\\n\x1b");
  ck_assert_str_eq(s, "\"say \\\"hi\\\"\\\\\\n\\x1b\"");
  free(s);
  s = esc_run(ms_esc_tap, "a # b\\c\nd");
  ck_assert_str_eq(s, "a \\# b\\\\c d");
  free(s);
}
END_TEST

START_TEST(test_md) {
  char *s = esc_run(ms_esc_md, "<b>*x*</b> & `y` |z|");
  ck_assert_str_eq(s, "&lt;b\\>\\*x\\*&lt;/b\\> &amp; \\`y\\` \\|z\\|");
  free(s);
  ck_assert_uint_eq(ms_esc_fence_len("no ticks"), 3);
  ck_assert_uint_eq(ms_esc_fence_len("a ``` b"), 4);
  ck_assert_uint_eq(ms_esc_fence_len("a ````` b ``"), 6);
}
END_TEST

START_TEST(test_plain) {
  char *s = esc_run(esc_plain, "ok\x1b[31m\n");
  ck_assert_str_eq(s, "ok\xe2\x90\x9b[31m\n");
  free(s);
  ck_assert_uint_eq(ms_utf8_width("a\xc2\xa7\xff"), 3);
}
END_TEST

Suite *make_escape_suite(void);
Suite *make_escape_suite(void) {
  Suite *s = suite_create("escape");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_utf8_decode);
  tcase_add_test(tc, test_xml);
  tcase_add_test(tc, test_json);
  tcase_add_test(tc, test_yaml_tap);
  tcase_add_test(tc, test_md);
  tcase_add_test(tc, test_plain);
  suite_add_tcase(s, tc);
  return s;
}
