/* Unit tests for report_json.c and result_json.c: the JSON report, and
 * reading it back (JSON -> model -> JSON must be identical). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "mailspec/report.h"
#include "report_fixture.h"
#include "result_json.h"

static void rj_roundtrip(bool hostile) {
  struct ms_run_result r, back;
  char err[512];
  size_t len, len2;
  ms_fixture_run(&r, hostile);
  r.ninvalid = hostile ? 2 : 0;
  char *json = ms_fixture_render(ms_report_json, &r, &len);
  ck_assert(ms_fixture_clean_utf8(json, len, false));
  ck_assert_msg(
      ms_result_json_read(json, len, "t.json", &back, err, sizeof err) == 0,
      "%s", err);
  ck_assert_uint_eq(back.n, r.n);
  ck_assert_uint_eq(back.ninvalid, r.ninvalid);
  ck_assert_str_eq(back.v[1].steps[2].expected, "550");
  ck_assert_int_eq(back.v[1].steps[2].code, 250);
  ck_assert_int_eq(back.v[1].verdict, MS_FAIL);
  ck_assert_int_eq(back.v[1].level, MS_LEVEL_MUST);
  ck_assert_uint_eq(back.v[1].steps[2].nfindings, 1);
  ck_assert_int_eq(back.v[3].protocol, MS_PROTO_POP3);
  ck_assert_uint_eq(back.v[0].ntags, 2);
  ck_assert_uint_eq(back.counts[MS_FAIL], 1);
  /* issue 12: where the session stopped */
  ck_assert_uint_eq(back.v[1].ndiverged, 1);
  ck_assert(strncmp(back.v[1].diverged[0].what, r.v[1].diverged[0].what, 80) ==
            0); /* hostile bytes: U+FFFD, checked below */
  ck_assert_uint_eq(back.v[1].diverged[0].not_judged, 3);
  ck_assert_int_eq(back.v[1].diverged[0].line, 5);
  ck_assert_uint_eq(back.v[1].diverged[0].step, 2);
  ck_assert_int_eq(back.v[1].diverged[0].first_line, 6);
  ck_assert_int_eq(back.v[1].diverged[0].last_line, 9);
  ck_assert(!back.v[1].diverged[0].allowed);
  ck_assert_ptr_nonnull(strstr(json, "\"diverged\": [\n"));
  char *again = ms_fixture_render(ms_report_json, &back, &len2);
  ck_assert_uint_eq(len, len2);
  ck_assert(memcmp(json, again, len) == 0);
  free(json);
  free(again);
  ms_run_free(&r);
  ms_run_free(&back);
}

START_TEST(test_roundtrip) {
  rj_roundtrip(false);
}
END_TEST

START_TEST(test_roundtrip_hostile) {
  rj_roundtrip(true);
  /* the hostile bytes survive as far as JSON allows: controls exactly,
   * invalid UTF-8 as U+FFFD */
  struct ms_run_result r, back;
  char err[512];
  size_t len;
  ms_fixture_run(&r, true);
  char *json = ms_fixture_render(ms_report_json, &r, &len);
  ck_assert_ptr_nonnull(strstr(json, "\\u0001\\u001b[31m\\u007f"));
  ck_assert_int_eq(ms_result_json_read(json, len, "t", &back, err, sizeof err),
                   0);
  ck_assert_ptr_nonnull(strstr(back.v[0].greeting, "<script>document.title"));
  ck_assert_ptr_nonnull(
      strstr(back.v[0].greeting, "\x01\x1b[31m\x7f \xef\xbf\xbd"));
  ck_assert_uint_eq(strlen(back.v[0].steps[2].got),
                    strlen(r.v[0].steps[2].got));
  free(json);
  ms_run_free(&r);
  ms_run_free(&back);
}
END_TEST

START_TEST(test_header) {
  struct ms_run_result r;
  size_t len;
  ms_fixture_run(&r, false);
  char *json = ms_fixture_render(ms_report_json, &r, &len);
  ck_assert(
      strncmp(json,
              "{\n  \"format\": \"mailspec-result\",\n  \"version\": 1,\n",
              49) == 0);
  ck_assert_ptr_nonnull(strstr(json, "\"counts\": {\"total\": 6, \"PASS\": 1, "
                                     "\"FAIL\": 1, \"ERROR\": 1, \"SKIP\": 1, "
                                     "\"WAIVED\": 1, \"NOTRUN\": 1}"));
  ck_assert_ptr_nonnull(
      strstr(json, "\"started_utc\": \"2023-11-14T22:13:20Z\""));
  ck_assert_ptr_nonnull(strstr(json, "\"name\": \"bare_lf\""));
  free(json);
  ms_run_free(&r);
}
END_TEST

static const struct {
  const char *in, *err;
} rj_bad[] = {
    {"[]", "f:1:1: not a mailspec result"},
    {"{\"version\":1,\"transcripts\":[]}", "f:1:1: format: missing"},
    {"{\"format\":\"junit\",\"version\":1,\"transcripts\":[]}",
     "f:1:11: format: \"mailspec-result\" expected"},
    {"{\"format\":\"mailspec-result\",\"version\":2,\"transcripts\":[]}",
     "f:1:39: version: version 2 is not supported (this mailspec reads "
     "version 1; upgrade mailspec)"},
    {"{\"format\":\"mailspec-result\",\"version\":1}",
     "f:1:1: transcripts: missing"},
    {"{\"format\":\"mailspec-result\",\"version\":1,\"transcripts\":[\n"
     "{\"verdict\":\"PASS\"}]}",
     "f:2:1: transcripts[0].id: missing"},
    {"{\"format\":\"mailspec-result\",\"version\":1,\"transcripts\":[\n"
     "{\"id\":\"a\",\"verdict\":\"PASS\",\"steps\":[{\"verdict\":\"PASS\","
     "\"code\":\"250\"}]}]}",
     "f:2:62: transcripts[0].steps[0].code: a number expected, found a string"},
    {"{\"format\":\"mailspec-result\",\"version\":1,\"transcripts\":[\n"
     "{\"id\":\"a\",\"verdict\":\"PASS\",\"steps\":[{\"verdict\":\"PASS\","
     "\"code\":2500}]}]}",
     "f:2:62: transcripts[0].steps[0].code: an integer from 0 to 999"},
    {"{\"format\":\"mailspec-result\",\"version\":1,\"transcripts\":[\n"
     "{\"id\":\"a\",\"verdict\":\"PASS\",\"level\":\"OPTIONAL\"}]}",
     "f:2:36: transcripts[0].level: \"MUST\", \"SHOULD\", \"MAY\" or null"},
    {"{\"format\":\"mailspec-result\",\"version\":1,\"transcripts\":[\n"
     "{\"id\":\"a\",\"verdict\":\"PASS\",\"tags\":[1]}]}",
     "f:2:36: transcripts[0].tags[0]: a string expected"},
    {"{\"format\":\"mailspec-result\",\"version\":1,\"transcripts\":[1,",
     "f:1:58: end of input"},
};

START_TEST(test_reader_errors) {
  struct ms_run_result r;
  char err[512];
  int rc = ms_result_json_read(rj_bad[_i].in, strlen(rj_bad[_i].in), "f", &r,
                               err, sizeof err);
  ck_assert_int_eq(rc, -1);
  ck_assert_uint_eq(r.n, 0);
  ck_assert_msg(strncmp(err, rj_bad[_i].err, strlen(rj_bad[_i].err)) == 0,
                "case %d: got \"%s\", want \"%s...\"", _i, err, rj_bad[_i].err);
}
END_TEST

START_TEST(test_reader_minimal) {
  /* optional members may be absent or null; unknown members ignored */
  const char *in = "{\"format\":\"mailspec-result\",\"version\":1,\"x-new\":{},"
                   "\"transcripts\":[{\"id\":\"a\",\"verdict\":\"SKIP\","
                   "\"level\":null,\"title\":null}]}";
  struct ms_run_result r;
  char err[512];
  ck_assert_msg(ms_result_json_read(in, strlen(in), "f", &r, err, sizeof err) ==
                    0,
                "%s", err);
  ck_assert_uint_eq(r.n, 1);
  ck_assert_str_eq(r.v[0].id, "a");
  ck_assert_ptr_null(r.v[0].title);
  ck_assert_int_eq(r.v[0].verdict, MS_SKIP);
  ck_assert_int_eq(r.v[0].level, MS_LEVEL_NONE);
  ck_assert_uint_eq(r.counts[MS_SKIP], 1);
  ms_run_free(&r);
}
END_TEST

Suite *make_report_json_suite(void);
Suite *make_report_json_suite(void) {
  Suite *s = suite_create("report_json");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_roundtrip);
  tcase_add_test(tc, test_roundtrip_hostile);
  tcase_add_test(tc, test_header);
  tcase_add_loop_test(tc, test_reader_errors, 0,
                      (int)(sizeof rj_bad / sizeof *rj_bad));
  tcase_add_test(tc, test_reader_minimal);
  suite_add_tcase(s, tc);
  return s;
}
