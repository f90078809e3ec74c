/* Unit tests for apop.c: the APOP digest of RFC 1939 §7. */
#include <check.h>
#include <string.h>

#include "apop.h"

#define RFC_TS "<1896.697170952@dbc.mtview.ca.us>"
#define RFC_DIGEST "c4c9334bac560ecc979e58001b3e22fb"

/* RFC 1939 §7's own example: secret "tanstaaf". */
START_TEST(test_apop_rfc1939_example) {
  char hex[MS_APOP_HEX_LEN + 1];
  ck_assert_int_eq(ms_apop_digest(RFC_TS, "tanstaaf", hex), 0);
  ck_assert_str_eq(hex, RFC_DIGEST);
}
END_TEST

/* A well-known MD5 vector, so the hex encoding itself is pinned down. */
START_TEST(test_apop_md5_vector) {
  char hex[MS_APOP_HEX_LEN + 1];
  ck_assert_int_eq(ms_apop_md5_hex("abc", 3, hex), 0);
  ck_assert_str_eq(hex, "900150983cd24fb0d6963f7d28e17f72");
  ck_assert_int_eq(ms_apop_md5_hex("", 0, hex), 0);
  ck_assert_str_eq(hex, "d41d8cd98f00b204e9800998ecf8427e");
}
END_TEST

START_TEST(test_apop_check) {
  ck_assert(ms_apop_check(RFC_TS, "tanstaaf", RFC_DIGEST));
  /* Uppercase hex is accepted: the digest is the same value. */
  ck_assert(
      ms_apop_check(RFC_TS, "tanstaaf", "C4C9334BAC560ECC979E58001B3E22FB"));
}
END_TEST

START_TEST(test_apop_check_rejects) {
  /* Wrong secret, another timestamp, a truncated or padded digest. */
  ck_assert(!ms_apop_check(RFC_TS, "tanstaaF", RFC_DIGEST));
  ck_assert(!ms_apop_check("<1896.697170953@dbc.mtview.ca.us>", "tanstaaf",
                           RFC_DIGEST));
  ck_assert(
      !ms_apop_check(RFC_TS, "tanstaaf", "c4c9334bac560ecc979e58001b3e22f"));
  ck_assert(!ms_apop_check(RFC_TS, "tanstaaf", RFC_DIGEST "0"));
  ck_assert(!ms_apop_check(RFC_TS, "tanstaaf", ""));
  ck_assert(!ms_apop_check(RFC_TS, NULL, RFC_DIGEST));
  ck_assert(!ms_apop_check(NULL, "tanstaaf", RFC_DIGEST));
  ck_assert(!ms_apop_check(RFC_TS, "tanstaaf", NULL));
}
END_TEST

Suite *make_apop_suite(void);
Suite *make_apop_suite(void) {
  Suite *s = suite_create("apop");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_apop_rfc1939_example);
  tcase_add_test(tc, test_apop_md5_vector);
  tcase_add_test(tc, test_apop_check);
  tcase_add_test(tc, test_apop_check_rejects);
  suite_add_tcase(s, tc);
  return s;
}
