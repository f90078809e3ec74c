/* Unit tests for proto.c: expectation patterns, reply indicators in
 * transcript lines, level names. */
#include <check.h>
#include <string.h>

#include "mailspec/proto.h"
#include "mailspec/transcript.h"

static struct ms_pattern pat(enum ms_protocol proto, const char *text) {
  struct ms_pattern p;
  char err[256];
  ck_assert_msg(ms_pattern_parse(&p, proto, text, err, sizeof err) == 0,
                "%s: %s", text, err);
  return p;
}

static void bad(enum ms_protocol proto, const char *text) {
  struct ms_pattern p;
  char err[256] = "";
  ck_assert_msg(ms_pattern_parse(&p, proto, text, err, sizeof err) == -1,
                "%s accepted", text);
  ck_assert(strlen(err) > 0);
}

START_TEST(test_smtp_exact) {
  struct ms_pattern p = pat(MS_PROTO_SMTP, "250");
  ck_assert(ms_pattern_match(&p, 250));
  ck_assert(!ms_pattern_match(&p, 251));
  ck_assert(!ms_pattern_match(&p, 550));
  ck_assert(!ms_pattern_match(&p, MS_POP3_OK));
}
END_TEST

START_TEST(test_smtp_wildcards) {
  struct ms_pattern p = pat(MS_PROTO_SMTP, "2xx");
  ck_assert(ms_pattern_match(&p, 221));
  ck_assert(ms_pattern_match(&p, 250));
  ck_assert(!ms_pattern_match(&p, 354));
  p = pat(MS_PROTO_SMTP, "25x");
  ck_assert(ms_pattern_match(&p, 251));
  ck_assert(!ms_pattern_match(&p, 221));
  p = pat(MS_PROTO_SMTP, "5X0"); /* capital X is folded */
  ck_assert(ms_pattern_match(&p, 550));
  ck_assert(!ms_pattern_match(&p, 551));
}
END_TEST

START_TEST(test_smtp_alternatives) {
  struct ms_pattern p = pat(MS_PROTO_SMTP, "250|251|5xx");
  ck_assert_int_eq(p.n, 3);
  ck_assert(ms_pattern_match(&p, 250));
  ck_assert(ms_pattern_match(&p, 251));
  ck_assert(ms_pattern_match(&p, 553));
  ck_assert(!ms_pattern_match(&p, 252));
  char buf[64];
  ms_pattern_format(&p, buf, sizeof buf);
  ck_assert_str_eq(buf, "250|251|5xx");
  ms_pattern_format(&p, buf, 5); /* truncated, still a string */
  ck_assert(strlen(buf) < 5);
}
END_TEST

START_TEST(test_smtp_bad) {
  bad(MS_PROTO_SMTP, "25");
  bad(MS_PROTO_SMTP, "2500");
  bad(MS_PROTO_SMTP, "OK");
  bad(MS_PROTO_SMTP, "650");
  bad(MS_PROTO_SMTP, "250|");
  bad(MS_PROTO_SMTP, "|250");
  bad(MS_PROTO_SMTP, "");
  bad(MS_PROTO_SMTP, "+OK");
  bad(MS_PROTO_SMTP, "250 ");
  bad(MS_PROTO_SMTP, "200|201|202|203|204|205|206|207|208");
}
END_TEST

START_TEST(test_pop3) {
  struct ms_pattern p = pat(MS_PROTO_POP3, "+OK");
  ck_assert(ms_pattern_match(&p, MS_POP3_OK));
  ck_assert(!ms_pattern_match(&p, MS_POP3_ERR));
  p = pat(MS_PROTO_POP3, "-ERR");
  ck_assert(ms_pattern_match(&p, MS_POP3_ERR));
  p = pat(MS_PROTO_POP3, "+");
  ck_assert(ms_pattern_match(&p, MS_POP3_CONT));
  ck_assert(!ms_pattern_match(&p, MS_POP3_OK));
  p = pat(MS_PROTO_POP3, "+OK|-ERR");
  ck_assert(ms_pattern_match(&p, MS_POP3_OK));
  ck_assert(ms_pattern_match(&p, MS_POP3_ERR));
  bad(MS_PROTO_POP3, "OK");
  bad(MS_PROTO_POP3, "250");
  bad(MS_PROTO_POP3, "+ok");
  bad(MS_PROTO_POP3, "-ER");
}
END_TEST

START_TEST(test_reply_prefix) {
  size_t n = 0;
  bool cont = true;
  ck_assert(ms_proto_reply_prefix(MS_PROTO_SMTP, "250 OK", &n, &cont));
  ck_assert_uint_eq(n, 3);
  ck_assert(!cont);
  ck_assert(ms_proto_reply_prefix(MS_PROTO_SMTP, "250-First line", &n, &cont));
  ck_assert(cont);
  ck_assert(ms_proto_reply_prefix(MS_PROTO_SMTP, "250", &n, &cont));
  ck_assert(!cont);
  ck_assert(ms_proto_reply_prefix(MS_PROTO_SMTP, "250|251 ok", &n, &cont));
  ck_assert_uint_eq(n, 7);
  ck_assert(ms_proto_reply_prefix(MS_PROTO_SMTP, "2xx", &n, &cont));
  ck_assert(!ms_proto_reply_prefix(MS_PROTO_SMTP, "OK", &n, &cont));
  ck_assert(!ms_proto_reply_prefix(MS_PROTO_SMTP, "2500 OK", &n, &cont));
  ck_assert(!ms_proto_reply_prefix(MS_PROTO_SMTP, "25", &n, &cont));
  ck_assert(!ms_proto_reply_prefix(MS_PROTO_SMTP, "250OK", &n, &cont));
  ck_assert(!ms_proto_reply_prefix(MS_PROTO_SMTP, "", &n, &cont));
  ck_assert(ms_proto_reply_prefix(MS_PROTO_POP3, "+OK 2 320", &n, &cont));
  ck_assert_uint_eq(n, 3);
  ck_assert(!cont);
  ck_assert(ms_proto_reply_prefix(MS_PROTO_POP3, "-ERR no", &n, &cont));
  ck_assert_uint_eq(n, 4);
  ck_assert(ms_proto_reply_prefix(MS_PROTO_POP3, "+ PDE4OT4=", &n, &cont));
  ck_assert_uint_eq(n, 1);
  ck_assert(!ms_proto_reply_prefix(MS_PROTO_POP3, "1 120", &n, &cont));
  ck_assert(!ms_proto_reply_prefix(MS_PROTO_POP3, "+OKAY", &n, &cont));
  ck_assert(!ms_proto_reply_prefix(MS_PROTO_POP3, ".", &n, &cont));
  ck_assert(ms_proto_reply_prefix(MS_PROTO_SMTP, "354 go", NULL, NULL));
}
END_TEST

START_TEST(test_levels) {
  enum ms_level l = MS_LEVEL_NONE;
  ck_assert_str_eq(ms_level_name(MS_LEVEL_MUST), "MUST");
  ck_assert_str_eq(ms_level_name(MS_LEVEL_SHOULD), "SHOULD");
  ck_assert_str_eq(ms_level_name(MS_LEVEL_MAY), "MAY");
  ck_assert_str_eq(ms_level_name(MS_LEVEL_NONE), "");
  ck_assert(ms_level_parse("should", &l));
  ck_assert_int_eq(l, MS_LEVEL_SHOULD);
  ck_assert(!ms_level_parse("MUSTNT", &l));
  ck_assert(!ms_level_parse("", &l));
}
END_TEST

Suite *make_pattern_suite(void);
Suite *make_pattern_suite(void) {
  Suite *s = suite_create("pattern");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_smtp_exact);
  tcase_add_test(tc, test_smtp_wildcards);
  tcase_add_test(tc, test_smtp_alternatives);
  tcase_add_test(tc, test_smtp_bad);
  tcase_add_test(tc, test_pop3);
  tcase_add_test(tc, test_reply_prefix);
  tcase_add_test(tc, test_levels);
  suite_add_tcase(s, tc);
  return s;
}
