/* Unit tests for tester/server/srv_smtp_idn.c: A-labels to U-labels
 * (RFC 6531 §3.7.3, Punycode of RFC 3492). */
#include <check.h>
#include <stdlib.h>

#include "srv_smtp_idn.h"

static void idn_is(const char *in, const char *want) {
  char *got = srv_smtp_idn_ulabels(in);
  ck_assert_str_eq(got, want);
  free(got);
}

START_TEST(test_idn_ulabels) {
  idn_is("xn--bcher-kva.example", "b\xc3\xbc"
                                  "cher.example");
  idn_is("XN--mnchen-3ya.de", "m\xc3\xbc"
                              "nchen.de");
  /* RFC 3492 §7.1 (A) Arabic (Egyptian): "egbpdaj6bu4bxfgehfvwxn" */
  idn_is("xn--egbpdaj6bu4bxfgehfvwxn",
         "\xd9\x84\xd9\x8a\xd9\x87\xd9\x85\xd8\xa7\xd8\xa8\xd8\xaa\xd9\x83"
         "\xd9\x84\xd9\x85\xd9\x88\xd8\xb4\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a"
         "\xd8\x9f");
}
END_TEST

/* What is not an A-label, or does not decode, stays as it came. */
START_TEST(test_idn_as_is) {
  idn_is("client.example", "client.example");
  idn_is("xn--.example", "xn--.example");
  idn_is("xn--bcher-kv!.example", "xn--bcher-kv!.example");
  idn_is("xn--zzzzzzzzzzzzzzzzzzzzzzzzzz", "xn--zzzzzzzzzzzzzzzzzzzzzzzzzz");
  idn_is("[127.0.0.1]", "[127.0.0.1]");
  idn_is("", "");
}
END_TEST

Suite *make_srv_smtp_idn_suite(void);
Suite *make_srv_smtp_idn_suite(void) {
  Suite *s = suite_create("srv_smtp_idn");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_idn_ulabels);
  tcase_add_test(tc, test_idn_as_is);
  suite_add_tcase(s, tc);
  return s;
}
