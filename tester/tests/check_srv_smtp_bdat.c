/* Unit tests for tester/server/srv_smtp_bdat.c: CHUNKING and BINARYMIME
 * (RFC 3030) in the reference server, clean and under each fault. */
#include "srv_smtp_drv.h"

/* MAIL and RCPT for postmaster@localhost, both 250. */
static void bd_txn(struct xdrv *d, const char *mail) {
  XCODE(d, mail ? mail : "MAIL FROM:<a@example.org>", 250);
  XCODE(d, "RCPT TO:<postmaster@localhost>", 250);
}

START_TEST(test_bdat_chunks) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  bd_txn(&d, NULL);
  /* octets are data whatever they hold: CR, LF, NUL, "." */
  ck_assert_str_eq(XBYTES(&d, "BDAT 7\r\n.\r\n\0x\r\n"),
                   "250 2.0.0 7 octets received\r\n");
  ck_assert_str_eq(XBYTES(&d, "BDAT 3 LAST\r\nend"),
                   "250 2.0.0 OK\r\n"); /* DATA's end of data */
  size_t len;
  const char *m = ms_store_message(d.st, "postmaster@localhost", 0, &len);
  ck_assert_uint_eq(len, 10);
  ck_assert(memcmp(m, ".\r\n\0x\r\nend", 10) == 0);
  XCODE(&d, "RCPT TO:<postmaster@localhost>", 503); /* transaction over */
  xdrv_close(&d);
}
END_TEST

/* A chunk split over several reads, and BDAT 0 LAST (RFC 3030 §2). */
START_TEST(test_bdat_split_and_zero) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  bd_txn(&d, NULL);
  ck_assert_str_eq(XBYTES(&d, "BDAT 6\r\nab"), "");
  ck_assert_uint_eq(ms_srv_smtp_ops.raw_want(d.sess), 4);
  ck_assert_str_eq(XBYTES(&d, "cdef"), "250 2.0.0 6 octets received\r\n");
  ck_assert_str_eq(xdrv(&d, "BDAT 0 LAST"), "250 2.0.0 OK\r\n");
  ck_assert_uint_eq(ms_store_count(d.st, "postmaster@localhost"), 1);
  xdrv_close(&d);
}
END_TEST

/* A failed BDAT's chunk is read and discarded first (§2), and so are
 * the chunks after it until RSET; after the LAST one, BDAT gets 503. */
START_TEST(test_bdat_failures) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  ck_assert_str_eq(XBYTES(&d, "BDAT 12\r\nQUIT\r\nNOOP\r\n"),
                   "503 5.5.1 Bad sequence of commands: MAIL first\r\n");
  ck_assert_int_eq(d.act, SRV_CONTINUE);
  ck_assert_str_eq(XBYTES(&d, "BDAT 6\r\nNOOP\r\nBDAT 6 LAST\r\nNOOP\r\n"),
                   "503 5.5.1 Bad sequence of commands: a BDAT of this "
                   "transaction failed; RSET first\r\n"
                   "503 5.5.1 Bad sequence of commands: a BDAT of this "
                   "transaction failed; RSET first\r\n");
  XCODE(&d, "RSET", 250);
  XCODE(&d, "MAIL FROM:<a@example.org>", 250);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 2\r\nab")), 503); /* no RCPT */
  XCODE(&d, "RSET", 250);
  bd_txn(&d, NULL);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 2 LAST\r\nab")), 250);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 5\r\nextra")), 503);
  XCODE(&d, "NOOP", 250);
  xdrv_close(&d);
}
END_TEST

START_TEST(test_bdat_syntax) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  bd_txn(&d, NULL);
  XCODE(&d, "BDAT", 501);
  XCODE(&d, "BDAT x", 501);
  XCODE(&d, "BDAT 5 FIRST", 501);
  XCODE(&d, "BDAT 99999999999999999999", 501); /* 20 digits */
  XCODE(&d, "NOOP", 250);                      /* no chunk was taken */
  XCODE(&d, "HELO client.example", 250);
  XCODE(&d, "BDAT 1", 500); /* no EHLO, no CHUNKING */
  xdrv_close(&d);
}
END_TEST

/* DATA after a BDAT, and after BODY=BINARYMIME: 503 (§2, §3). */
START_TEST(test_bdat_data_mixed) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  bd_txn(&d, NULL);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 2\r\nab")), 250);
  XCODE(&d, "DATA", 503);
  XCODE(&d, "RSET", 250);
  bd_txn(&d, "MAIL FROM:<a@example.org> BODY=BINARYMIME");
  XCODE(&d, "DATA", 503);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 2 LAST\r\n\xff\x00")), 250);
  bd_txn(&d, NULL); /* DATA again in a later transaction */
  XCODE(&d, "DATA", 354);
  XCODE(&d, ".", 250);
  xdrv_close(&d);
}
END_TEST

/* Over the size limit: 552 once the chunk is in, then the transaction
 * has failed. */
START_TEST(test_bdat_too_big) {
  struct xdrv d;
  xdrv_open_world(&d, MS_F_NONE, "max_message: 4\n");
  bd_txn(&d, NULL);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 6\r\n123456")), 552);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 1 LAST\r\n7")), 503);
  ck_assert_uint_eq(ms_store_count(d.st, "postmaster@localhost"), 0);
  xdrv_close(&d);
}
END_TEST

/* Unit tests and fuzzers feed a chunk as lines: what follows the chunk
 * on the line is the next command. */
START_TEST(test_bdat_as_lines) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  bd_txn(&d, NULL);
  ck_assert_str_eq(xdrv(&d, "BDAT 5"), "");
  ck_assert_str_eq(xdrv(&d, "helloNOOP"),
                   "250 2.0.0 5 octets received\r\n250 2.0.0 OK\r\n");
  ck_assert_str_eq(xdrv(&d, "BDAT 3 LAST"), "");
  ck_assert_str_eq(xdrv(&d, "abc"), "250 2.0.0 OK\r\n500 5.5.2 Syntax error, "
                                    "command unrecognized\r\n");
  xdrv_close(&d);
}
END_TEST

/* BDAT LAST ends in DATA's end of data: the maildrop copy has the trace
 * line (RFC 5321 §4.4); fault bdat-own-delivery: a path without it. */
START_TEST(test_bdat_trace_line) {
  enum ms_fault fs[] = {MS_F_NONE, MS_F_BDAT_OWN_DELIVERY};
  for (size_t i = 0; i < 2; i++) {
    struct xdrv d;
    xdrv_open(&d, fs[i]);
    XCODE(&d, "MAIL FROM:<a@example.org>", 250);
    XCODE(&d, "RCPT TO:<testuser@localhost>", 250);
    ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 12 LAST\r\nSubject: x\r\n")), 250);
    struct ms_maildrop_view v;
    ck_assert_int_eq(ms_store_lock(d.st, "testuser", &v), 0);
    ck_assert_uint_eq(v.nmsgs, 1);
    bool traced = strstr(v.msgs[0]->data, "\r\nReceived: from ") != NULL;
    ck_assert(traced == (i == 0));
    ms_store_unlock(d.st, &v, false);
    xdrv_close(&d);
  }
}
END_TEST

/* RFC 3030 §2: RSET after a first BDAT clears its chunks; fault
 * bdat-rset-delivers delivers them. */
START_TEST(test_bdat_rset_clears) {
  enum ms_fault fs[] = {MS_F_NONE, MS_F_BDAT_RSET_DELIVERS};
  for (size_t i = 0; i < 2; i++) {
    struct xdrv d;
    xdrv_open(&d, fs[i]);
    bd_txn(&d, NULL);
    ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 3\r\nabc")), 250);
    XCODE(&d, "RSET", 250);
    ck_assert_uint_eq(ms_store_count(d.st, "postmaster@localhost"), i);
    xdrv_close(&d);
  }
}
END_TEST

/* RFC 3030 §3: BINARYMIME's octets all delivered, NUL included; fault
 * binary-nul-dropped drops them. */
START_TEST(test_binarymime_delivered_intact) {
  enum ms_fault fs[] = {MS_F_NONE, MS_F_BINARY_NUL_DROPPED};
  for (size_t i = 0; i < 2; i++) {
    struct xdrv d;
    xdrv_open(&d, fs[i]);
    XCODE(&d, "MAIL FROM:<a@example.org> BODY=BINARYMIME", 250);
    XCODE(&d, "RCPT TO:<testuser@localhost>", 250);
    static const char chunk[] = "BDAT 11 LAST\r\nS: x\r\n\r\n\0\r\n";
    ck_assert_int_eq(atoi(xdrv_bytes(&d, chunk, sizeof chunk - 1)), 250);
    struct ms_maildrop_view v;
    ck_assert_int_eq(ms_store_lock(d.st, "testuser", &v), 0);
    ck_assert_uint_eq(v.nmsgs, 1);
    const struct ms_world_msg *m = v.msgs[0];
    bool nul = memchr(m->data, '\0', m->len) != NULL;
    ck_assert(nul == (i == 0));
    ms_store_unlock(d.st, &v, false);
    xdrv_close(&d);
  }
}
END_TEST

START_TEST(test_bdat_ehlo) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  const char *r = xdrv(&d, "EHLO client.example");
  ck_assert_ptr_nonnull(strstr(r, "\r\n250-CHUNKING\r\n"));
  ck_assert_ptr_nonnull(strstr(r, "\r\n250-BINARYMIME\r\n"));
  xdrv_close(&d);
}
END_TEST

/* ---- faults ------------------------------------------------------- */

static const char *bd_ehlo(enum ms_fault f) {
  static char r[8192];
  struct xdrv d;
  xdrv_open(&d, f);
  snprintf(r, sizeof r, "%s", xdrv(&d, "EHLO client.example"));
  xdrv_close(&d);
  return r;
}

START_TEST(test_fault_keywords) {
  ck_assert_ptr_null(strstr(bd_ehlo(MS_F_BDAT_UNADV), "CHUNKING"));
  ck_assert_ptr_null(strstr(bd_ehlo(MS_F_BINMIME_UNADV), "BINARYMIME"));
  ck_assert_ptr_nonnull(strstr(bd_ehlo(MS_F_BINMIME_PARAM), "BINARYMIME 1"));
  const char *r = bd_ehlo(MS_F_BINMIME_NO_CHUNKING);
  ck_assert_ptr_null(strstr(r, "CHUNKING"));
  ck_assert_ptr_nonnull(strstr(r, "BINARYMIME"));
  /* unadvertised, BDAT still works; without CHUNKING it does not */
  struct xdrv d;
  xdrv_open(&d, MS_F_BDAT_UNADV);
  bd_txn(&d, NULL);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 1 LAST\r\nx")), 250);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_BINMIME_NO_CHUNKING);
  bd_txn(&d, "MAIL FROM:<a@example.org> BODY=BINARYMIME");
  XCODE(&d, "BDAT 0 LAST", 500);
  xdrv_close(&d);
}
END_TEST

START_TEST(test_fault_commands) {
  struct xdrv d;
  xdrv_open(&d, MS_F_BDAT_NO_DATA);
  bd_txn(&d, NULL);
  XCODE(&d, "DATA", 502);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_BDAT_NO_LAST);
  bd_txn(&d, NULL);
  XCODE(&d, "BDAT 1 LAST", 501);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 1\r\nx")), 250);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_BDAT0_REFUSED);
  bd_txn(&d, NULL);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 1\r\nx")), 250);
  XCODE(&d, "BDAT 0 LAST", 501);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_BDAT_CHUNK_354);
  bd_txn(&d, NULL);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 1\r\nx")), 354);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 1 LAST\r\ny")), 250);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_BDAT_AFTER_LAST);
  bd_txn(&d, NULL);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 1 LAST\r\nx")), 250);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 5\r\nextra")), 250);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_BDAT_DATA_354);
  bd_txn(&d, NULL);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 1\r\nx")), 250);
  XCODE(&d, "DATA", 354);
  xdrv_close(&d);
}
END_TEST

/* The failed chunk read as commands: its QUIT closes the session. */
START_TEST(test_fault_failed_chunks) {
  struct xdrv d;
  xdrv_open(&d, MS_F_BDAT_FAILED_PARSE);
  ck_assert_str_eq(xdrv(&d, "BDAT 12"),
                   "503 5.5.1 Bad sequence of commands: MAIL first\r\n");
  ck_assert_int_eq(atoi(xdrv(&d, "QUIT")), 221);
  ck_assert_int_eq(d.act, SRV_CLOSE);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_BDAT_PIPE_PARSE);
  ck_assert_int_eq(atoi(XBYTES(&d, "BDAT 6\r\nNOOP\r\n")), 503);
  ck_assert_str_eq(XBYTES(&d, "BDAT 6\r\nNOOP\r\n"),
                   "500 5.5.2 Syntax error, command unrecognized\r\n"
                   "250 2.0.0 OK\r\n");
  xdrv_close(&d);
}
END_TEST

START_TEST(test_fault_binary_line) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  ck_assert_int_eq(atoi(XBYTES(&d, "\0\xff\x80 junk\r\n")), 500);
  ck_assert_int_eq(d.act, SRV_CONTINUE);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_BINARY_LINE_CLOSE);
  ck_assert_str_eq(XBYTES(&d, "\0\xff\x80 junk\r\n"), "");
  ck_assert_int_eq(d.act, SRV_CLOSE);
  xdrv_close(&d);
}
END_TEST

START_TEST(test_fault_binarymime) {
  struct xdrv d;
  xdrv_open(&d, MS_F_BINMIME_REFUSED);
  XCODE(&d, "MAIL FROM:<a@example.org> BODY=BINARYMIME", 555);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_BINMIME_DATA_354);
  bd_txn(&d, "MAIL FROM:<a@example.org> BODY=BINARYMIME");
  XCODE(&d, "DATA", 354);
  xdrv_close(&d);
  static const char *const msg[] = {
      "Subject: b", "Content-Transfer-Encoding: binary", "", "hello", "."};
  for (int f = 0; f < 2; f++) {
    xdrv_open(&d, f ? MS_F_BINARY_CTE_REFUSED : MS_F_NONE);
    bd_txn(&d, NULL);
    XCODE(&d, "DATA", 354);
    for (size_t i = 0; i + 1 < sizeof msg / sizeof *msg; i++)
      ck_assert_str_eq(xdrv(&d, msg[i]), "");
    XCODE(&d, msg[4], f ? 554 : 250);
    xdrv_close(&d);
  }
}
END_TEST

/* Fault binarymime-line: a MAIL line with BODY=BINARYMIME gets 512 + 500
 * octets, not the 16 more of RFC 3030 §3 (3030-3-6). */
START_TEST(test_fault_line) {
  char line[2048];
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  ck_assert_int_ne(
      atoi(xdrv(&d, xdrv_long_mail(line, 1028, "BODY=BINARYMIME"))), 500);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_BINARYMIME_LINE);
  XCODE(&d, xdrv_long_mail(line, 1028, "BODY=BINARYMIME"), 500);
  XCODE(&d, "RSET", 250);
  ck_assert_int_ne(
      atoi(xdrv(&d, xdrv_long_mail(line, 1012, "BODY=BINARYMIME"))), 500);
  XCODE(&d, "RSET", 250);
  ck_assert_int_ne(atoi(xdrv(&d, xdrv_long_mail(line, 1022, "SMTPUTF8"))), 500);
  xdrv_close(&d);
}
END_TEST

Suite *make_srv_smtp_bdat_suite(void);
Suite *make_srv_smtp_bdat_suite(void) {
  Suite *s = suite_create("srv_smtp_bdat");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_bdat_chunks);
  tcase_add_test(tc, test_bdat_split_and_zero);
  tcase_add_test(tc, test_bdat_failures);
  tcase_add_test(tc, test_bdat_syntax);
  tcase_add_test(tc, test_bdat_data_mixed);
  tcase_add_test(tc, test_bdat_too_big);
  tcase_add_test(tc, test_bdat_as_lines);
  tcase_add_test(tc, test_bdat_ehlo);
  tcase_add_test(tc, test_bdat_trace_line);
  tcase_add_test(tc, test_bdat_rset_clears);
  tcase_add_test(tc, test_binarymime_delivered_intact);
  tcase_add_test(tc, test_fault_keywords);
  tcase_add_test(tc, test_fault_commands);
  tcase_add_test(tc, test_fault_failed_chunks);
  tcase_add_test(tc, test_fault_binary_line);
  tcase_add_test(tc, test_fault_binarymime);
  tcase_add_test(tc, test_fault_line);
  suite_add_tcase(s, tc);
  return s;
}
