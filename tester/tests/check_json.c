/* Unit tests for json.c: the strict, bounded JSON parser. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static struct ms_json *jp(const char *text, char *err, size_t errlen) {
  return ms_json_parse(text, strlen(text), NULL, err, errlen);
}

START_TEST(test_json_values) {
  char err[256];
  struct ms_json *j = jp(" {\"a\": [1, -2.5e1, true, false, null],\n"
                         "  \"s\": \"x\\u00e9\\ud83d\\ude00\\n\\/\"} ",
                         err, sizeof err);
  ck_assert_msg(j != NULL, "%s", err);
  ck_assert_int_eq(j->type, MS_JSON_OBJECT);
  const struct ms_json *a = ms_json_get(j, "a");
  ck_assert_ptr_nonnull(a);
  ck_assert_uint_eq(a->n, 5);
  ck_assert(a->items[0].integer);
  ck_assert(!a->items[1].integer);
  ck_assert(a->items[1].num == -25.0);
  ck_assert(a->items[2].b && !a->items[3].b);
  ck_assert_int_eq(a->items[4].type, MS_JSON_NULL);
  const struct ms_json *s = ms_json_get(j, "s");
  ck_assert_str_eq(s->str, "x\xc3\xa9\xf0\x9f\x98\x80\n/");
  ck_assert_int_eq(s->line, 2);
  ck_assert_int_eq(s->col, 8);
  ck_assert_ptr_null(ms_json_get(j, "missing"));
  ms_json_free(j);
  /* a byte order mark is ignored (RFC 8259 §8.1) */
  j = jp("\xef\xbb\xbf[]", err, sizeof err);
  ck_assert_ptr_nonnull(j);
  ms_json_free(j);
}
END_TEST

/* Each bad input fails with this "line:col: message" prefix. */
static const struct {
  const char *in, *err;
} json_bad[] = {
    {"", "1:1: end of input"},
    {"[1,]", "1:4: unexpected character"},
    {"{\"a\":1,}", "1:8: unexpected character"},
    {"[01]", "1:2: invalid number: leading zero"},
    {"[-]", "1:3: invalid number"},
    {"[1.]", "1:4: invalid number"},
    {"[1e]", "1:4: invalid number"},
    {"[tru]", "1:2: invalid literal"},
    {"[\"a\\x\"]", "1:4: invalid escape"},
    {"[\"\\ud800\"]", "1:3: unpaired UTF-16 surrogate"},
    {"[\"\\udc00\"]", "1:3: unpaired UTF-16 surrogate"},
    {"[\"\\u0000\"]", "1:3: \\u0000"},
    {"[\"a\nb\"]", "1:4: control character"},
    {"[\"\xff\"]", "1:3: invalid UTF-8"},
    {"[\"abc", "1:2: unterminated string"},
    {"{\"a\":1,\"a\":2}", "1:1: duplicate member name \"a\""},
    {"[1] x", "1:5: trailing characters"},
    {"{\"a\" 1}", "1:6: unexpected character: ':' expected"},
    {"\n\n  [1 2]", "3:6: unexpected character: ',' or ']' expected"},
    {"{1:2}", "1:2: unexpected character: a member name"},
    {"[\"\xc3\xa9\", @]", "1:7: unexpected character '@'"},
};

START_TEST(test_json_errors) {
  char err[256];
  struct ms_json *j = jp(json_bad[_i].in, err, sizeof err);
  ck_assert_msg(j == NULL, "accepted: %s", json_bad[_i].in);
  ck_assert_msg(strncmp(err, json_bad[_i].err, strlen(json_bad[_i].err)) == 0,
                "input %d: got \"%s\", want \"%s...\"", _i, err,
                json_bad[_i].err);
}
END_TEST

START_TEST(test_json_limits) {
  char err[256];
  struct ms_json_limits lim = {4, 1000, 8, 3};
  const char *deep = "[[[[[1]]]]]";
  ck_assert_ptr_null(ms_json_parse(deep, strlen(deep), &lim, err, sizeof err));
  ck_assert_str_eq(err, "1:5: nesting deeper than 4");
  const char *ok = "[[[[1]]]]";
  struct ms_json *j = ms_json_parse(ok, strlen(ok), &lim, err, sizeof err);
  ck_assert_ptr_nonnull(j);
  ms_json_free(j);
  const char *lng = "[\"123456789\"]";
  ck_assert_ptr_null(ms_json_parse(lng, strlen(lng), &lim, err, sizeof err));
  ck_assert_str_eq(err, "1:2: string longer than 8 bytes");
  const char *many = "[1,2,3,4]";
  ck_assert_ptr_null(ms_json_parse(many, strlen(many), &lim, err, sizeof err));
  ck_assert_str_eq(err, "1:8: more than 3 elements");
  lim.max_input = 4;
  ck_assert_ptr_null(ms_json_parse(many, strlen(many), &lim, err, sizeof err));
  ck_assert_str_eq(err, "1:1: input larger than 4 bytes");
  /* the default depth limit holds against a deep bomb, without crashing */
  size_t n = 100000;
  char *bomb = malloc(n + 1);
  memset(bomb, '[', n);
  bomb[n] = '\0';
  ck_assert_ptr_null(ms_json_parse(bomb, n, NULL, err, sizeof err));
  ck_assert_str_eq(err, "1:65: nesting deeper than 64");
  free(bomb);
  /* not NUL-terminated input is read only up to LEN */
  j = ms_json_parse("[1]]]]", 3, NULL, err, sizeof err);
  ck_assert_ptr_nonnull(j);
  ms_json_free(j);
}
END_TEST

Suite *make_json_suite(void);
Suite *make_json_suite(void) {
  Suite *s = suite_create("json");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_json_values);
  tcase_add_loop_test(tc, test_json_errors, 0,
                      (int)(sizeof json_bad / sizeof *json_bad));
  tcase_add_test(tc, test_json_limits);
  suite_add_tcase(s, tc);
  return s;
}
