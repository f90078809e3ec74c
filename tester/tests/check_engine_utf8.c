/* Unit tests for tester/engine_utf8.c: which SMTP replies may carry
 * UTF-8 (RFC 6531 §3.7.4) and what is found when they do. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../engine_int.h"

/* A one-line SMTP reply CODE TEXT as the reader leaves it. */
static struct ms_reply eu_reply(int code, const char *line) {
  struct ms_reply r = {0};
  r.code = code;
  r.nlines = 1;
  r.lines = calloc(1, sizeof *r.lines);
  r.lens = calloc(1, sizeof *r.lens);
  r.lines[0] = strdup(line);
  r.lens[0] = strlen(line);
  for (const char *p = line; *p; p++)
    if ((unsigned char)*p >= 0x80)
      r.violations |= MS_V_8BIT;
  return r;
}

START_TEST(test_utf8_sent) {
  bool mail = false;
  ck_assert_uint_eq(ms_engine_utf8_sent(&mail, "RCPT TO:<a@b>"), MS_UTF8_NONE);
  ms_engine_utf8_sent(&mail, "MAIL FROM:<p\xc3\xa9@b> BODY=8BITMIME SMTPUTF8");
  ck_assert(mail);
  ck_assert_uint_eq(ms_engine_utf8_sent(&mail, "RCPT TO:<a@b>"),
                    MS_UTF8_FORWARD);
  ms_engine_utf8_sent(&mail, "RSET");
  ck_assert(!mail);
  ms_engine_utf8_sent(&mail, "MAIL FROM:<smtputf8@b>"); /* not a parameter */
  ck_assert(!mail);
  ms_engine_utf8_sent(&mail, "mail from:<a@b> smtputf8");
  ck_assert(mail);
  ms_engine_utf8_sent(&mail, "EHLO c");
  ck_assert(!mail);
  ck_assert_uint_eq(ms_engine_utf8_sent(&mail, "VRFY j\xc3\xb3 SMTPUTF8"),
                    MS_UTF8_ANY);
  ck_assert_uint_eq(ms_engine_utf8_sent(&mail, "EXPN list smtputf8 "),
                    MS_UTF8_ANY);
  ck_assert_uint_eq(ms_engine_utf8_sent(&mail, "VRFY SMTPUTF8"), MS_UTF8_NONE);
  ck_assert_uint_eq(ms_engine_utf8_sent(&mail, "NOOP SMTPUTF8"), MS_UTF8_NONE);
  ck_assert_uint_eq(ms_engine_utf8_sent(&mail, NULL), MS_UTF8_NONE);
}
END_TEST

START_TEST(test_utf8_reply) {
  struct ms_reply r = eu_reply(251, "251 will forward to <jos\xc3\xa9@b>");
  ms_engine_utf8_reply(MS_UTF8_FORWARD, &r);
  ck_assert_uint_eq(r.violations, 0);
  ms_reply_free(&r);
  r = eu_reply(550, "550 <jos\xc3\xa9@b> unknown"); /* 550: no UTF-8 */
  ms_engine_utf8_reply(MS_UTF8_FORWARD, &r);
  ck_assert_uint_eq(r.violations, MS_V_8BIT);
  ms_reply_free(&r);
  r = eu_reply(250, "250 Jos\xc3\xa9 <jos\xc3\xa9@b>");
  ms_engine_utf8_reply(MS_UTF8_NONE, &r);
  ck_assert_uint_eq(r.violations, MS_V_8BIT);
  ms_engine_utf8_reply(MS_UTF8_ANY, &r);
  ck_assert_uint_eq(r.violations, 0);
  ms_reply_free(&r);
  r = eu_reply(250, "250 Jos\xe9 <jos\xe9@b>"); /* ISO 8859-1 */
  ms_engine_utf8_reply(MS_UTF8_ANY, &r);
  ck_assert_uint_eq(r.violations, MS_V_BAD_UTF8);
  ck_assert_ptr_nonnull(strstr(ms_violation_text(MS_V_BAD_UTF8), "RFC 6531"));
  ms_reply_free(&r);
}
END_TEST

Suite *make_engine_utf8_suite(void);
Suite *make_engine_utf8_suite(void) {
  Suite *s = suite_create("engine_utf8");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_utf8_sent);
  tcase_add_test(tc, test_utf8_reply);
  suite_add_tcase(s, tc);
  return s;
}
