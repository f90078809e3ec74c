/* Unit tests for tester/server/srv_smtp_utf8.c: SMTPUTF8 (RFC 6531) in the
 * reference server, clean and under each fault. */
#include "srv_smtp_drv.h"

#define JOSE "jos\xc3\xa9"
#define PELE "pel\xc3\xa9"

START_TEST(test_utf8_valid) {
  ck_assert(srv_smtp_utf8_valid("", 0));
  ck_assert(srv_smtp_utf8_valid(JOSE, strlen(JOSE)));
  ck_assert(srv_smtp_utf8_valid("\xf0\x9f\x93\xa7", 4));
  ck_assert(!srv_smtp_utf8_valid("jos\xe9", 4));      /* ISO 8859-1 */
  ck_assert(!srv_smtp_utf8_valid("\xc0\xaf", 2));     /* overlong */
  ck_assert(!srv_smtp_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
  ck_assert(!srv_smtp_utf8_valid("\xc3", 1));         /* truncated */
  ck_assert(srv_smtp_utf8_ascii("abc", 3));
  ck_assert(!srv_smtp_utf8_ascii(JOSE, strlen(JOSE)));
}
END_TEST

/* §3.2, §3.4, §3.5: with the parameter UTF-8 mailboxes are taken;
 * without it, 550 at MAIL and 553 at RCPT, X.6.7. */
START_TEST(test_utf8_mailboxes) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  ck_assert_str_eq(xdrv(&d, "MAIL FROM:<" PELE "@example.org>"),
                   "550 5.6.7 Non-ASCII addresses need MAIL FROM:<...> "
                   "SMTPUTF8\r\n");
  XCODE(&d, "MAIL FROM:<a@example.org> SMTPUTF8=YES", 501);
  XCODE(&d,
        "MAIL FROM:<" PELE "@b\xc3\xbc"
        "cher.example> SMTPUTF8 BODY=8BITMIME",
        250);
  XCODE(&d, "RCPT TO:<" JOSE "@localhost>", 250);
  XCODE(&d, "RCPT TO:<\"" JOSE " q\"@localhost>", 550); /* unknown */
  XCODE(&d, "DATA", 354);
  XCODE(&d,
        "Subject: Gr\xc3\xbc\xc3\x9f"
        "e",
        0);
  XCODE(&d, ".", 250);
  const struct ms_store_params *p = ms_store_params(d.st, JOSE "@localhost", 0);
  ck_assert_ptr_nonnull(p);
  ck_assert(p->smtputf8);
  ck_assert_int_eq(p->body, MS_BODY_8BITMIME);
  XCODE(&d, "MAIL FROM:<a@example.org>", 250);
  ck_assert_str_eq(xdrv(&d, "RCPT TO:<" JOSE "@localhost>"),
                   "553 5.6.7 Non-ASCII addresses need MAIL FROM:<...> "
                   "SMTPUTF8\r\n");
  xdrv_close(&d);
}
END_TEST

/* Command lines: UTF-8 only after EHLO, only where a mailbox goes, only
 * valid UTF-8. */
START_TEST(test_utf8_lines) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  XCODE(&d, "MAIL FROM:<jos\xe9@example.org> SMTPUTF8", 500); /* not UTF-8 */
  XCODE(&d,
        "HELP Gr\xc3\xbc\xc3\x9f"
        "e",
        500);
  XCODE(&d, "HELO client.example", 250);
  XCODE(&d, "MAIL FROM:<" PELE "@example.org> SMTPUTF8", 500);
  xdrv_close(&d);
}
END_TEST

/* §3.7.4.1: 251/551 naming a UTF-8 mailbox, in a transaction without
 * SMTPUTF8, become 250/550 in ASCII. */
START_TEST(test_utf8_forward) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  XCODE(&d, "MAIL FROM:<a@example.org> SMTPUTF8", 250);
  ck_assert_str_eq(xdrv(&d, "RCPT TO:<forward-utf8@localhost>"),
                   "251 2.1.5 User not local; will forward to <" JOSE
                   "@example.org>\r\n");
  XCODE(&d, "RCPT TO:<moved-utf8@localhost>", 551);
  XCODE(&d, "RSET", 250);
  XCODE(&d, "MAIL FROM:<a@example.org>", 250);
  ck_assert_str_eq(xdrv(&d, "RCPT TO:<forward-utf8@localhost>"),
                   "250 2.1.5 User not local; will forward\r\n");
  ck_assert_str_eq(xdrv(&d, "RCPT TO:<moved-utf8@localhost>"),
                   "550 5.1.6 User not local; the new address needs "
                   "SMTPUTF8\r\n");
  xdrv_close(&d);
}
END_TEST

/* §3.7.4.2: UTF-8 for VRFY ... SMTPUTF8 only, that command only; else
 * 252 (X.6.8). */
START_TEST(test_utf8_vrfy) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  ck_assert_str_eq(xdrv(&d, "VRFY " JOSE "@localhost SMTPUTF8"),
                   "250 2.1.5 Jos\xc3\xa9 N\xc3\xba\xc3\xb1"
                   "ez <" JOSE "@BBN-UNIX.ARPA>\r\n");
  ck_assert_int_eq(atoi(xdrv(&d, "VRFY " JOSE "@localhost")), 252);
  ck_assert_str_eq(xdrv(&d, "VRFY forward-utf8@localhost"),
                   "252 2.6.8 Cannot VRFY user: the reply needs UTF-8 (VRFY "
                   "... SMTPUTF8), but will accept message and attempt "
                   "delivery\r\n");
  ck_assert_int_eq(atoi(xdrv(&d, "VRFY moved-utf8@localhost")), 550);
  XCODE(&d, "VRFY Jones", 250); /* ASCII: as before */
  xdrv_close(&d);
}
END_TEST

/* §3.5: 554 X.6.9 for a recipient that takes no internationalized
 * headers, once the header section is UTF-8. */
START_TEST(test_utf8_ascii_only) {
  static const char *const ascii[] = {"Subject: plain", "", "hi", "."};
  static const char *const intl[] = {"Subject: Gr\xc3\xbc\xc3\x9f"
                                     "e",
                                     "", "hi", "."};
  for (int m = 0; m < 2; m++) {
    struct xdrv d;
    xdrv_open(&d, MS_F_NONE);
    XCODE(&d, "MAIL FROM:<" PELE "@example.org> SMTPUTF8", 250);
    XCODE(&d, "RCPT TO:<ascii-only@localhost>", 250);
    XCODE(&d, "DATA", 354);
    const char *const *msg = m ? intl : ascii;
    for (int i = 0; i < 3; i++)
      xdrv(&d, msg[i]);
    if (m)
      ck_assert_str_eq(xdrv(&d, "."),
                       "554 5.6.9 Transaction failed: a recipient cannot "
                       "take internationalized headers\r\n");
    else
      XCODE(&d, ".", 250);
    xdrv_close(&d);
  }
}
END_TEST

/* ---- faults ------------------------------------------------------- */

START_TEST(test_fault_ehlo) {
  struct xdrv d;
  xdrv_open(&d, MS_F_UTF8_UNADV);
  ck_assert_ptr_null(strstr(xdrv(&d, "EHLO c"), "SMTPUTF8"));
  XCODE(&d, "MAIL FROM:<" PELE "@example.org> SMTPUTF8", 250);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_UTF8_PARAM);
  ck_assert_ptr_nonnull(strstr(xdrv(&d, "EHLO c"), "250-SMTPUTF8 1\r\n"));
  xdrv_close(&d);
  xdrv_open(&d, MS_F_UTF8_NO_8BITMIME);
  ck_assert_ptr_null(strstr(xdrv(&d, "EHLO c"), "8BITMIME"));
  xdrv_close(&d);
  xdrv_open(&d, MS_F_EHLO_UTF8_DOMAIN);
  ck_assert(strncmp(xdrv(&d, "EHLO c"), "250-b\xc3\xbc", 7) == 0);
  xdrv_close(&d);
}
END_TEST

START_TEST(test_fault_mail_rcpt) {
  struct xdrv d;
  xdrv_open(&d, MS_F_UTF8_RCPT_REFUSED);
  XCODE(&d, "MAIL FROM:<a@example.org> SMTPUTF8", 250);
  XCODE(&d, "RCPT TO:<" JOSE "@localhost>", 553);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_UTF8_VALUE_OK);
  XCODE(&d, "MAIL FROM:<a@example.org> SMTPUTF8=YES", 250);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_UTF8_MAIL_NOPARAM);
  ck_assert(strncmp(xdrv(&d, "MAIL FROM:<" PELE "@example.org>"), "553 5.6.7 ",
                    10) == 0);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_UTF8_RCPT_NOPARAM);
  XCODE(&d, "MAIL FROM:<a@example.org>", 250);
  ck_assert(
      strncmp(xdrv(&d, "RCPT TO:<" JOSE "@localhost>"), "550 5.6.7 ", 10) == 0);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_UTF8_NOPARAM_ESC);
  ck_assert(strncmp(xdrv(&d, "MAIL FROM:<" PELE "@example.org>"), "550 5.1.7 ",
                    10) == 0);
  XCODE(&d, "MAIL FROM:<a@example.org>", 250);
  ck_assert(
      strncmp(xdrv(&d, "RCPT TO:<" JOSE "@localhost>"), "553 5.1.3 ", 10) == 0);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_UTF8_ECHO);
  ck_assert_str_eq(xdrv(&d, "MAIL FROM:<" PELE "@example.org> SMTPUTF8"),
                   "250 2.1.0 <" PELE "@example.org> sender OK\r\n");
  xdrv_close(&d);
}
END_TEST

START_TEST(test_fault_forward) {
  struct xdrv d;
  xdrv_open(&d, MS_F_UTF8_FWD_RAW);
  XCODE(&d, "MAIL FROM:<a@example.org>", 250);
  ck_assert_ptr_nonnull(
      strstr(xdrv(&d, "RCPT TO:<forward-utf8@localhost>"),
             "251 2.1.5 User not local; will forward to <" JOSE));
  xdrv_close(&d);
  xdrv_open(&d, MS_F_UTF8_FWD_CODE);
  XCODE(&d, "MAIL FROM:<a@example.org>", 250);
  ck_assert_str_eq(xdrv(&d, "RCPT TO:<forward-utf8@localhost>"),
                   "251 2.1.5 User not local; will forward\r\n");
  XCODE(&d, "RCPT TO:<moved-utf8@localhost>", 551);
  xdrv_close(&d);
}
END_TEST

START_TEST(test_fault_vrfy) {
  struct xdrv d;
  const char *v8 = "VRFY " JOSE "@localhost SMTPUTF8",
             *v = "VRFY " JOSE "@localhost";
  xdrv_open(&d, MS_F_VRFY_UTF8_UNASKED);
  XCODE(&d, v, 250);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_VRFY_UTF8_553);
  XCODE(&d, v, 553);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_VRFY_UTF8_STICKY);
  XCODE(&d, v, 252);
  XCODE(&d, v8, 250);
  XCODE(&d, v, 250); /* the UTF-8 reply stuck */
  xdrv_close(&d);
  xdrv_open(&d, MS_F_VRFY_UTF8_NOMBOX);
  ck_assert_str_eq(xdrv(&d, v8), "250 2.1.5 Jos\xc3\xa9 N\xc3\xba\xc3\xb1"
                                 "ez\r\n");
  xdrv_close(&d);
  xdrv_open(&d, MS_F_VRFY_UTF8_FORM);
  ck_assert_str_eq(xdrv(&d, v8), "250 2.1.5 <" JOSE
                                 "@BBN-UNIX.ARPA> Jos\xc3\xa9 N\xc3\xba\xc3\xb1"
                                 "ez\r\n");
  xdrv_close(&d);
  xdrv_open(&d, MS_F_VRFY_UTF8_ESC);
  ck_assert(strncmp(xdrv(&d, v), "252 2.1.5 ", 10) == 0);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_VRFY_UTF8_LATIN1);
  ck_assert_str_eq(xdrv(&d, v8), "250 2.1.5 Jos\xe9 N\xfa\xf1"
                                 "ez <jos\xe9@BBN-UNIX.ARPA>\r\n");
  xdrv_close(&d);
}
END_TEST

START_TEST(test_fault_ascii_only) {
  for (int f = 0; f < 2; f++) {
    struct xdrv d;
    xdrv_open(&d, f ? MS_F_UTF8_ASCII_ESC : MS_F_UTF8_ASCII_550);
    XCODE(&d, "MAIL FROM:<a@example.org> SMTPUTF8", 250);
    XCODE(&d, "RCPT TO:<ascii-only@localhost>", 250);
    XCODE(&d, "DATA", 354);
    xdrv(&d, "From: " PELE "@example.org");
    ck_assert(strncmp(xdrv(&d, "."), f ? "554 5.6.0 " : "550 5.6.9 ", 10) == 0);
    xdrv_close(&d);
  }
}
END_TEST

/* Fault smtputf8-line: a MAIL line with SMTPUTF8 gets 512 + 500 octets,
 * not the 10 more of RFC 6531 §3.1 (6531-3.1-7). */
START_TEST(test_fault_line) {
  char line[2048];
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  ck_assert_int_ne(atoi(xdrv(&d, xdrv_long_mail(line, 1022, "SMTPUTF8"))), 500);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_UTF8_LINE);
  XCODE(&d, xdrv_long_mail(line, 1022, "SMTPUTF8"), 500);
  XCODE(&d, "RSET", 250);
  ck_assert_int_ne(atoi(xdrv(&d, xdrv_long_mail(line, 1012, "SMTPUTF8"))), 500);
  XCODE(&d, "RSET", 250);
  ck_assert_int_ne(atoi(xdrv(&d, xdrv_long_mail(line, 1022, "BODY=8BITMIME"))),
                   500);
  xdrv_close(&d);
}
END_TEST

Suite *make_srv_smtp_utf8_suite(void);
Suite *make_srv_smtp_utf8_suite(void) {
  Suite *s = suite_create("srv_smtp_utf8");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_utf8_valid);
  tcase_add_test(tc, test_utf8_mailboxes);
  tcase_add_test(tc, test_utf8_lines);
  tcase_add_test(tc, test_utf8_forward);
  tcase_add_test(tc, test_utf8_vrfy);
  tcase_add_test(tc, test_utf8_ascii_only);
  tcase_add_test(tc, test_fault_ehlo);
  tcase_add_test(tc, test_fault_mail_rcpt);
  tcase_add_test(tc, test_fault_forward);
  tcase_add_test(tc, test_fault_vrfy);
  tcase_add_test(tc, test_fault_ascii_only);
  tcase_add_test(tc, test_fault_line);
  suite_add_tcase(s, tc);
  return s;
}
