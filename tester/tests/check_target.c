/* Unit tests for target.c: -t HOST:PORT parsing. */
#include <check.h>
#include <string.h>

#include "mailspec/engine.h"

static void target_ok(const char *text, const char *host, const char *port) {
  struct ms_target t;
  char err[128] = "";
  ck_assert_msg(ms_target_parse(&t, text, err, sizeof err) == 0,
                "'%s' rejected: %s", text, err);
  ck_assert(!t.builtin);
  ck_assert_str_eq(t.host, host);
  ck_assert_str_eq(t.port, port);
  ms_target_free(&t);
  ck_assert_ptr_null(t.host);
}

static void target_bad(const char *text, const char *why) {
  struct ms_target t;
  char err[128] = "";
  ck_assert_msg(ms_target_parse(&t, text, err, sizeof err) == -1,
                "'%s' accepted", text);
  ck_assert_ptr_null(t.host);
  ck_assert_ptr_null(t.port);
  ck_assert_msg(strstr(err, why) != NULL, "'%s': message '%s' lacks '%s'", text,
                err, why);
}

START_TEST(test_target_v4) {
  target_ok("127.0.0.1:2525", "127.0.0.1", "2525");
  target_ok("127.0.0.1:1", "127.0.0.1", "1");
  target_ok("127.0.0.1:65535", "127.0.0.1", "65535");
}
END_TEST

START_TEST(test_target_v6) {
  target_ok("[::1]:2525", "::1", "2525");
  target_ok("[fe80::1%lo]:25", "fe80::1%lo", "25");
  target_ok("[::ffff:127.0.0.1]:25", "::ffff:127.0.0.1", "25");
}
END_TEST

START_TEST(test_target_names) {
  target_ok("localhost:25", "localhost", "25");
  target_ok("mx.example.test:587", "mx.example.test", "587");
  target_ok("a_b-c.test:25", "a_b-c.test", "25");
}
END_TEST

START_TEST(test_target_builtin) {
  struct ms_target t;
  char err[64];
  ck_assert_int_eq(ms_target_parse(&t, "builtin", err, sizeof err), 0);
  ck_assert(t.builtin);
  ck_assert_ptr_null(t.host);
  ms_target_free(&t);
}
END_TEST

START_TEST(test_target_bad) {
  target_bad("", "empty");
  target_bad("127.0.0.1", "HOST:PORT");
  target_bad("127.0.0.1:", "port");
  target_bad("127.0.0.1:0", "port");
  target_bad("127.0.0.1:65536", "port");
  target_bad("127.0.0.1:-1", "port");
  target_bad("127.0.0.1:25x", "port");
  target_bad("127.0.0.1: 25", "port");
  target_bad(":25", "empty host");
  target_bad("::1:25", "[ADDR]:PORT");
  target_bad("[::1]25", "':PORT'");
  target_bad("[::1:25", "']'");
  target_bad("[]:25", "IPv6");
  target_bad("[host.example]:25", "IPv6");
  target_bad("bad host:25", "host");
  target_bad("evil\r\nhost:25", "host");
  target_bad("Builtin", "HOST:PORT");
}
END_TEST

Suite *make_target_suite(void);
Suite *make_target_suite(void) {
  Suite *s = suite_create("target");
  TCase *tc = tcase_create("parse");
  tcase_add_test(tc, test_target_v4);
  tcase_add_test(tc, test_target_v6);
  tcase_add_test(tc, test_target_names);
  tcase_add_test(tc, test_target_builtin);
  tcase_add_test(tc, test_target_bad);
  suite_add_tcase(s, tc);
  return s;
}
