/* Unit tests for tester/server/srv_smtp_dsn.c: the DSN parameters (RFC 3461)
 * in the reference server and what it keeps of them with the message,
 * clean and under each fault. */
#include "srv_smtp_drv.h"

#define PM "postmaster@localhost"

/* A message for postmaster with MAIL's PARAMS and RCPT's RPARAMS. */
static const struct ms_store_params *
dsn_send(struct xdrv *d, const char *params, const char *rparams) {
  char line[2048];
  snprintf(line, sizeof line, "MAIL FROM:<a@example.org>%s%s",
           *params ? " " : "", params);
  XCODE(d, line, 250);
  snprintf(line, sizeof line, "RCPT TO:<" PM ">%s%s", *rparams ? " " : "",
           rparams);
  XCODE(d, line, 250);
  XCODE(d, "DATA", 354);
  XCODE(d, ".", 250);
  return ms_store_params(d->st, PM, ms_store_count(d->st, PM) - 1);
}

/* §4: kept as given, xtext decoded; keywords in any case. */
START_TEST(test_dsn_kept) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  const struct ms_store_params *p =
      dsn_send(&d, "RET=hdrs ENVID=a+2Bb(c)",
               "NOTIFY=success,Delay ORCPT=rfc822;x+40y@example.org");
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(p->ret, MS_DSN_RET_HDRS);
  ck_assert_str_eq(p->envid, "a+b(c)");
  ck_assert_uint_eq(p->nrcpts, 1);
  ck_assert_str_eq(p->rcpts[0].rcpt, PM);
  ck_assert_uint_eq(p->rcpts[0].notify, MS_DSN_SUCCESS | MS_DSN_DELAY);
  ck_assert_str_eq(p->rcpts[0].orcpt_type, "rfc822");
  ck_assert_str_eq(p->rcpts[0].orcpt, "x@y@example.org");
  p = dsn_send(&d, "", "NOTIFY=NEVER");
  ck_assert_int_eq(p->ret, MS_DSN_RET_NONE);
  ck_assert_ptr_null(p->envid);
  ck_assert_uint_eq(p->rcpts[0].notify, MS_DSN_NEVER);
  ck_assert_ptr_null(p->rcpts[0].orcpt_type);
  xdrv_close(&d);
}
END_TEST

/* §5.1: 501 for invalid values and repeated parameters. */
START_TEST(test_dsn_invalid) {
  static const char *const mail[] = {
      "RET=SOME",  "RET=",   "RET=FULL RET=FULL", "ENVID=a+zz", "ENVID=a+2b",
      "ENVID=a=b", "ENVID=", "ENVID=a ENVID=b",   "ENVID=+0A"};
  static const char *const rcpt[] = {"NOTIFY=NEVER,SUCCESS",
                                     "NOTIFY=SOMETIMES",
                                     "NOTIFY=",
                                     "NOTIFY=SUCCESS,",
                                     "ORCPT=nosemicolon",
                                     "ORCPT=rfc 822;a",
                                     "ORCPT=rfc822;a+zz",
                                     "NOTIFY=DELAY NOTIFY=DELAY",
                                     "ORCPT=x;a ORCPT=x;a"};
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  char line[256];
  for (size_t i = 0; i < sizeof mail / sizeof *mail; i++) {
    snprintf(line, sizeof line, "MAIL FROM:<a@example.org> %s", mail[i]);
    ck_assert_msg(atoi(xdrv(&d, line)) == 501, "%s", line);
  }
  XCODE(&d, "MAIL FROM:<a@example.org>", 250);
  for (size_t i = 0; i < sizeof rcpt / sizeof *rcpt; i++) {
    snprintf(line, sizeof line, "RCPT TO:<" PM "> %s", rcpt[i]);
    ck_assert_msg(atoi(xdrv(&d, line)) == 501, "%s", line);
  }
  XCODE(&d, "RCPT TO:<" PM "> NOTIFY=FAILURE ORCPT=rfc822;" PM, 250);
  xdrv_close(&d);
}
END_TEST

/* §5.4: lines of 1036 octets and more for RCPT; the keyword only once
 * EHLO announced it. */
START_TEST(test_dsn_sizes) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  char envid[95], orcpt[495], line[2200];
  memset(envid, 'e', 94);
  envid[94] = '\0';
  memset(orcpt, 'o', 494);
  memcpy(orcpt, "rfc822;", 7);
  orcpt[494] = '\0';
  snprintf(line, sizeof line, "MAIL FROM:<a@example.org> RET=FULL ENVID=%s",
           envid);
  XCODE(&d, line, 250);
  snprintf(line, sizeof line,
           "RCPT TO:<" PM "> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=%s", orcpt);
  XCODE(&d, line, 250);
  memset(line, 'x', sizeof line);
  memcpy(line, "RCPT TO:<" PM "> ORCPT=rfc822;", 35);
  line[2100] = '\0'; /* beyond any parameter room: too long */
  XCODE(&d, line, 500);
  ck_assert_ptr_nonnull(strstr(xdrv(&d, "EHLO c"), "\r\n250-DSN\r\n"));
  XCODE(&d, "HELO c", 250);
  XCODE(&d, "MAIL FROM:<a@example.org> RET=FULL", 555);
  xdrv_close(&d);
}
END_TEST

/* ---- faults ------------------------------------------------------- */

START_TEST(test_fault_keyword) {
  struct xdrv d;
  xdrv_open(&d, MS_F_DSN_UNADV);
  ck_assert_ptr_null(strstr(xdrv(&d, "EHLO c"), "DSN"));
  XCODE(&d, "MAIL FROM:<a@example.org> RET=FULL", 250);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_DSN_KW_PARAM);
  ck_assert_ptr_nonnull(strstr(xdrv(&d, "EHLO c"), "\r\n250-DSN 1\r\n"));
  xdrv_close(&d);
}
END_TEST

START_TEST(test_fault_refused) {
  struct xdrv d;
  xdrv_open(&d, MS_F_DSN_RET_REFUSED);
  XCODE(&d, "MAIL FROM:<a@example.org> RET=FULL", 555);
  XCODE(&d, "MAIL FROM:<a@example.org> ENVID=x", 555);
  XCODE(&d, "MAIL FROM:<a@example.org>", 250);
  XCODE(&d, "RCPT TO:<" PM "> NOTIFY=NEVER", 250);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_DSN_NOTIFY_REFUSED);
  XCODE(&d, "MAIL FROM:<a@example.org> RET=FULL", 250);
  XCODE(&d, "RCPT TO:<" PM "> NOTIFY=NEVER", 555);
  XCODE(&d, "RCPT TO:<" PM "> ORCPT=rfc822;" PM, 555);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_DSN_COMBO);
  XCODE(&d, "MAIL FROM:<a@example.org> RET=FULL SIZE=10 BODY=7BIT", 250);
  XCODE(&d, "RSET", 250);
  XCODE(&d, "MAIL FROM:<a@example.org> SIZE=10 BODY=7BIT RET=FULL", 555);
  xdrv_close(&d);
}
END_TEST

START_TEST(test_fault_loose) {
  struct xdrv d;
  xdrv_open(&d, MS_F_DSN_ACCEPT_INVALID);
  XCODE(&d, "MAIL FROM:<a@example.org> RET=SOME ENVID=a=b", 250);
  XCODE(&d, "RSET", 250);
  XCODE(&d, "MAIL FROM:<a@example.org> RET=FULL RET=HDRS", 501);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_DSN_ACCEPT_DUP);
  XCODE(&d, "MAIL FROM:<a@example.org> RET=FULL RET=HDRS ENVID=a ENVID=b", 250);
  XCODE(&d, "RSET", 250);
  XCODE(&d, "MAIL FROM:<a@example.org> RET=SOME", 501);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_DSN_RCPT_INVALID);
  XCODE(&d, "MAIL FROM:<a@example.org>", 250);
  XCODE(&d, "RCPT TO:<" PM "> NOTIFY=NEVER,SUCCESS ORCPT=x ORCPT=y", 250);
  xdrv_close(&d);
}
END_TEST

START_TEST(test_fault_limits) {
  struct xdrv d;
  xdrv_open(&d, MS_F_DSN_ENVID_38);
  XCODE(&d, "MAIL FROM:<a@example.org> ENVID=12345678901234567890123456789012",
        250); /* 38 with "ENVID=" */
  XCODE(&d, "RSET", 250);
  XCODE(&d, "MAIL FROM:<a@example.org> ENVID=123456789012345678901234567890123",
        501);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_DSN_NOTIFY_22);
  XCODE(&d, "MAIL FROM:<a@example.org>", 250);
  XCODE(&d, "RCPT TO:<" PM "> NOTIFY=SUCCESS,FAILURE", 250); /* 22 */
  XCODE(&d, "RCPT TO:<" PM "> NOTIFY=SUCCESS,FAILURE,DELAY", 501);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_DSN_ORCPT_100);
  XCODE(&d, "MAIL FROM:<a@example.org>", 250);
  char line[700];
  snprintf(line, sizeof line, "RCPT TO:<" PM "> ORCPT=rfc822;%0101d", 0);
  XCODE(&d, line, 501);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_DSN_LINE_512);
  XCODE(&d, "MAIL FROM:<a@example.org>", 250);
  snprintf(line, sizeof line, "RCPT TO:<" PM "> ORCPT=rfc822;%0500d", 0);
  XCODE(&d, line, 500);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_DSN_CASE);
  XCODE(&d, "MAIL FROM:<a@example.org> RET=hdrs", 501);
  XCODE(&d, "MAIL FROM:<a@example.org> RET=HDRS", 250);
  XCODE(&d, "RCPT TO:<" PM "> NOTIFY=Never", 501);
  xdrv_close(&d);
}
END_TEST

Suite *make_srv_smtp_dsn_suite(void);
Suite *make_srv_smtp_dsn_suite(void) {
  Suite *s = suite_create("srv_smtp_dsn");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_dsn_kept);
  tcase_add_test(tc, test_dsn_invalid);
  tcase_add_test(tc, test_dsn_sizes);
  tcase_add_test(tc, test_fault_keyword);
  tcase_add_test(tc, test_fault_refused);
  tcase_add_test(tc, test_fault_loose);
  tcase_add_test(tc, test_fault_limits);
  suite_add_tcase(s, tc);
  return s;
}
