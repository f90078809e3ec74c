/* Unit tests for tester/server/srv_smtp_notify.c: the notifications the
 * reference server mails after the end of data (RFC 5321 §6.1, RFC 3461
 * §5.2, §6), clean and under each dsn-* fault.  The notifications land
 * in testuser's maildrop (the mail comes from testuser@localhost). */
#include "srv_smtp_binary.h"
#include "srv_smtp_drv.h"

#define ME "testuser@localhost"

/* One message from FROM (MAIL's PARAMS) to RCPTS (each "addr params",
 * NULL-terminated) with a Subject and a body line. */
static void ntf_send(struct xdrv *d, const char *from, const char *params,
                     const char *const *rcpts) {
  char line[512];
  snprintf(line, sizeof line, "MAIL FROM:<%s>%s%s", from, *params ? " " : "",
           params);
  XCODE(d, line, 250);
  for (size_t i = 0; rcpts[i]; i++) {
    const char *sp = strchr(rcpts[i], ' ');
    snprintf(line, sizeof line, "RCPT TO:<%.*s>%s",
             (int)(sp ? (size_t)(sp - rcpts[i]) : strlen(rcpts[i])), rcpts[i],
             sp ? sp : "");
    int code = atoi(xdrv(d, line)); /* 251: an alias, "will forward" */
    ck_assert_msg(code == 250 || code == 251, "%s: %d", line, code);
  }
  XCODE(d, "DATA", 354);
  xdrv(d, "Subject: token-1");
  xdrv(d, "From: <" ME ">");
  xdrv(d, "");
  xdrv(d, "The body line.");
  XCODE(d, ".", 250);
}

/* The messages in testuser's maildrop, and a copy of the last one (or
 * NULL).  Caller frees. */
static char *ntf_last(struct xdrv *d, size_t *n) {
  struct ms_maildrop_view v;
  ck_assert_int_eq(ms_store_lock(d->st, "testuser", &v), 0);
  *n = v.nmsgs;
  char *r =
      v.nmsgs ? xmemdup(v.msgs[v.nmsgs - 1]->data, v.msgs[v.nmsgs - 1]->len + 1)
              : NULL;
  if (r)
    r[v.msgs[v.nmsgs - 1]->len] = '\0';
  ms_store_unlock(d->st, &v, false);
  return r;
}

static bool has(const char *s, const char *t) {
  return s && strstr(s, t);
}

/* RFC 6531 §3.2, RFC 6533: the DSN about an SMTPUTF8 message has a
 * message/global-delivery-status part and types a UTF-8 address "utf-8";
 * an ASCII one stays "rfc822", and without SMTPUTF8 nothing changes. */
START_TEST(test_notify_utf8) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  const char *const r[] = {"bounce-jos\xc3\xa9@localhost", "bounce@localhost",
                           NULL};
  ntf_send(&d, ME, "SMTPUTF8", r);
  size_t n;
  char *m = ntf_last(&d, &n);
  ck_assert_uint_eq(n, 1);
  ck_assert(has(m, "Content-Type: message/global-delivery-status\r\n"));
  ck_assert(has(m, "Final-Recipient: utf-8; bounce-jos\xc3\xa9@localhost\r\n"));
  ck_assert(has(m, "Final-Recipient: rfc822; bounce@localhost\r\n"));
  free(m);
  const char *const a[] = {"bounce@localhost", NULL};
  ntf_send(&d, ME, "", a);
  m = ntf_last(&d, &n);
  ck_assert_uint_eq(n, 2);
  ck_assert(has(m, "Content-Type: message/delivery-status\r\n"));
  free(m);
  xdrv_close(&d);
}
END_TEST

/* §6.1: a failed notice, <> as its reverse-path, to the reverse-path's
 * mailbox; RFC 3461 §6.3's fields; RET absent: the whole message. */
START_TEST(test_notify_failed) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  const char *const r[] = {"bounce@localhost", NULL};
  ntf_send(&d, ME, "", r);
  size_t n;
  char *m = ntf_last(&d, &n);
  ck_assert_uint_eq(n, 1);
  ck_assert(has(m, "Return-Path: <>\r\n"));
  ck_assert(has(m, "Content-Type: multipart/report; "
                   "report-type=delivery-status;"));
  ck_assert(has(m, "Reporting-MTA: dns; BBN-UNIX.ARPA\r\n"));
  ck_assert(has(m, "\r\nFinal-Recipient: rfc822; bounce@localhost\r\n"
                   "Action: failed\r\nStatus: 5.2.1\r\n"));
  ck_assert(!has(m, "Original-Envelope-ID"));
  ck_assert(!has(m, "Original-Recipient"));
  ck_assert(has(m, "Content-Type: message/rfc822\r\n\r\nSubject: token-1"));
  ck_assert(has(m, "The body line."));
  free(m);
  xdrv_close(&d);
}
END_TEST

/* §6.1 / RFC 3461 §5.2: none for <>; §5.2.6 (b): none for NEVER; §5.2.3:
 * none for a delivery without SUCCESS. */
START_TEST(test_notify_none) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  const char *const fail[] = {"bounce@localhost", NULL};
  const char *const never[] = {"bounce@localhost NOTIFY=NEVER", NULL};
  const char *const ok[] = {"postmaster@localhost NOTIFY=FAILURE", NULL};
  const char *const ok2[] = {"postmaster@localhost", NULL};
  ntf_send(&d, "", "", fail);
  ntf_send(&d, ME, "", never);
  ntf_send(&d, ME, "", ok);
  ntf_send(&d, ME, "", ok2);
  size_t n;
  free(ntf_last(&d, &n));
  ck_assert_uint_eq(n, 0);
  xdrv_close(&d);
}
END_TEST

/* §5.2.3 (a): a delivered DSN for SUCCESS, headers only (§6.2). */
START_TEST(test_notify_delivered) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  const char *const r[] = {"postmaster@localhost NOTIFY=SUCCESS", NULL};
  ntf_send(&d, ME, "", r);
  size_t n;
  char *m = ntf_last(&d, &n);
  ck_assert_uint_eq(n, 1);
  ck_assert(has(m, "Action: delivered\r\nStatus: 2.1.5\r\n"));
  ck_assert(has(m, "Content-Type: text/rfc822-headers\r\n"));
  ck_assert(!has(m, "The body line."));
  free(m);
  xdrv_close(&d);
}
END_TEST

/* §6.3: ENVID decoded, ORCPT as given; RET=HDRS. */
START_TEST(test_notify_fields) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  const char *const r[] = {
      "bounce@localhost NOTIFY=FAILURE ORCPT=rfc822;orig@example.org", NULL};
  ntf_send(&d, ME, "ENVID=env+2Bid RET=HDRS", r);
  size_t n;
  char *m = ntf_last(&d, &n);
  ck_assert(has(m, "Original-Envelope-ID: env+id\r\n"));
  ck_assert(has(m, "Original-Recipient: rfc822;orig@example.org\r\n"
                   "Final-Recipient: rfc822; bounce@localhost\r\n"));
  ck_assert(has(m, "Content-Type: text/rfc822-headers\r\n"));
  ck_assert(!has(m, "The body line."));
  free(m);
  xdrv_close(&d);
}
END_TEST

/* RFC 5321 §4.4: one notice for both; RFC 3461 §5.2.8: NEVER not listed. */
START_TEST(test_notify_one_for_all) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  const char *const r[] = {"bounce@localhost", "bounce2@localhost", NULL};
  const char *const r2[] = {"bounce@localhost",
                            "bounce2@localhost NOTIFY=NEVER", NULL};
  ntf_send(&d, ME, "", r);
  size_t n;
  char *m = ntf_last(&d, &n);
  ck_assert_uint_eq(n, 1);
  ck_assert(has(m, "Final-Recipient: rfc822; bounce@localhost\r\n"));
  ck_assert(has(m, "Final-Recipient: rfc822; bounce2@localhost\r\n"));
  free(m);
  ntf_send(&d, ME, "", r2);
  m = ntf_last(&d, &n);
  ck_assert_uint_eq(n, 2);
  ck_assert(has(m, "Final-Recipient: rfc822; bounce@localhost\r\n"));
  ck_assert(!has(m, "bounce2@localhost"));
  free(m);
  xdrv_close(&d);
}
END_TEST

/* §6.1: a source route "stripped down to its final hop". */
START_TEST(test_notify_route) {
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  const char *const r[] = {"bounce@localhost", NULL};
  ntf_send(&d, "@client.example,@relay.example:" ME, "", r);
  size_t n;
  char *m = ntf_last(&d, &n);
  ck_assert_uint_eq(n, 1);
  ck_assert(has(m, "To: <" ME ">\r\n"));
  free(m);
  xdrv_close(&d);
}
END_TEST

/* A world user of the kind fails_after_acceptance (WORLD.md). */
START_TEST(test_notify_world) {
  struct xdrv d;
  xdrv_open_world(&d, MS_F_NONE,
                  "users:\n  - {name: gone, fails_after_acceptance: true}\n");
  const char *const r[] = {"gone@localhost", NULL};
  ntf_send(&d, ME, "", r);
  size_t n;
  char *m = ntf_last(&d, &n);
  ck_assert_uint_eq(n, 1);
  ck_assert(has(m, "Final-Recipient: rfc822; gone@localhost\r\n"));
  free(m);
  xdrv_close(&d);
}
END_TEST

/* Each fault: what it changes of one exchange.  RCPTS, MAIL's PARAMS,
 * the number of notices in testuser's maildrop, text the last one holds
 * and text it must not hold (or NULL). */
/* RFC 5321 §4.4 (5321-4.4-25): delivered to one recipient, failed for
 * the other: an OK reply to DATA all the same; the fault
 * partial-failure-554 answers 554 (and only then: all failed is 250). */
START_TEST(test_notify_partial_ok) {
  for (int fault = 0; fault < 2; fault++) {
    struct xdrv d;
    xdrv_open(&d, fault ? MS_F_PARTIAL_554 : MS_F_NONE);
    XCODE(&d, "MAIL FROM:<sender@example.org>", 250);
    XCODE(&d, "RCPT TO:<" ME ">", 250);
    XCODE(&d, "RCPT TO:<bounce@localhost>", 250);
    XCODE(&d, "DATA", 354);
    xdrv(&d, "Subject: partial");
    xdrv(&d, "");
    XCODE(&d, ".", fault ? 554 : 250);
    size_t n;
    free(ntf_last(&d, &n));
    ck_assert_uint_eq(n, 1); /* delivered to testuser either way */
    const char *const r[] = {"bounce@localhost", NULL};
    ntf_send(&d, "sender@example.org", "", r); /* none delivered: 250 */
    xdrv_close(&d);
  }
}
END_TEST

/* RFC 5321 §3.9 (5321-3.9-2, 3.9-3): a message to the list Staff reaches
 * its member testuser from owner-Staff@localhost, the header as sent;
 * the faults list-keeps-sender and list-rewrites-from break one each. */
START_TEST(test_list_expansion) {
  static const struct {
    enum ms_fault f;
    const char *rp, *from;
  } c[] = {{MS_F_NONE, "Return-Path: <owner-Staff@localhost>\r\n",
            "\r\nFrom: <sender@example.org>\r\n"},
           {MS_F_LIST_KEEPS_SENDER, "Return-Path: <sender@example.org>\r\n",
            "\r\nFrom: <sender@example.org>\r\n"},
           {MS_F_LIST_REWRITES_FROM, "Return-Path: <owner-Staff@localhost>\r\n",
            "\r\nFrom: <Staff@localhost>\r\n"}};
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    struct xdrv d;
    xdrv_open(&d, c[i].f);
    XCODE(&d, "MAIL FROM:<sender@example.org>", 250);
    XCODE(&d, "RCPT TO:<Staff@localhost>", 250);
    XCODE(&d, "DATA", 354);
    xdrv(&d, "Subject: list");
    xdrv(&d, "From: <sender@example.org>");
    xdrv(&d, "");
    xdrv(&d, "hi");
    XCODE(&d, ".", 250);
    size_t n;
    char *m = ntf_last(&d, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_msg(strncmp(m, c[i].rp, strlen(c[i].rp)) == 0, "%s", m);
    ck_assert_msg(has(m, c[i].from), "%s", m);
    free(m);
    xdrv_close(&d);
  }
}
END_TEST

static const struct {
  enum ms_fault f;
  const char *from, *params, *rcpt, *rcpt2;
  size_t n;
  const char *has, *hasnt;
} faults[] = {
    {MS_F_DSN_NONE, ME, "", "bounce@localhost", NULL, 0, NULL, NULL},
    {MS_F_DSN_SENDER_NOT_NULL, ME, "", "bounce@localhost", NULL, 1,
     "Return-Path: <MAILER-DAEMON@BBN-UNIX.ARPA>", "Return-Path: <>"},
    {MS_F_DSN_TO_NULL_SENDER, "", "", "bounce@localhost", NULL, 1,
     "Action: failed", NULL},
    {MS_F_DSN_IGNORE_NOTIFY, ME, "", "bounce@localhost NOTIFY=NEVER", NULL, 1,
     "Action: failed", NULL},
    {MS_F_DSN_NO_ENVID, ME, "ENVID=x+2By", "bounce@localhost", NULL, 1, NULL,
     "Original-Envelope-ID"},
    {MS_F_DSN_ENVID_XTEXT, ME, "ENVID=x+2By", "bounce@localhost", NULL, 1,
     "Original-Envelope-ID: x+2By\r\n", NULL},
    {MS_F_DSN_NO_ORCPT, ME, "", "bounce@localhost ORCPT=rfc822;o@example.org",
     NULL, 1, NULL, "Original-Recipient"},
    {MS_F_DSN_ORCPT_ALWAYS, ME, "", "bounce@localhost", NULL, 1,
     "Original-Recipient: rfc822;bounce@localhost", NULL},
    {MS_F_DSN_NO_REPORTING_MTA, ME, "", "bounce@localhost", NULL, 1, NULL,
     "Reporting-MTA"},
    {MS_F_DSN_FINAL_REWRITTEN, ME, "", "bounce@localhost", NULL, 1,
     "Final-Recipient: rfc822; bounce@BBN-UNIX.ARPA", "rfc822; bounce@local"},
    {MS_F_DSN_NO_STATUS, ME, "", "bounce@localhost", NULL, 1, NULL, "Status:"},
    {MS_F_DSN_NO_DELIVERED, ME, "", "postmaster@localhost NOTIFY=SUCCESS", NULL,
     0, NULL, NULL},
    {MS_F_DSN_DELIVERED_ALWAYS, ME, "", "postmaster@localhost", NULL, 1,
     "Action: delivered", NULL},
    {MS_F_DSN_RET_IGNORED, ME, "RET=FULL", "bounce@localhost", NULL, 1,
     "text/rfc822-headers", "The body line."},
    {MS_F_DSN_HEADERS_MISLABELED, ME, "RET=HDRS", "bounce@localhost", NULL, 1,
     "Content-Type: message/rfc822", "text/rfc822-headers"},
    {MS_F_DSN_ONE_PER_RCPT, ME, "", "bounce@localhost", "bounce2@localhost", 2,
     "bounce2@localhost", "rfc822; bounce@localhost"},
    {MS_F_DSN_LIST_ALL, ME, "", "bounce@localhost",
     "bounce2@localhost NOTIFY=NEVER", 1, "rfc822; bounce2@localhost", NULL},
    {MS_F_DSN_SOURCE_ROUTE, "@client.example:" ME, "", "bounce@localhost", NULL,
     0, NULL, NULL},
    /* branch dsn2 */
    /* the list's copy reaches ME (a member of Staff), no DSN follows */
    {MS_F_DSN_LIST_NO_DELIVERED, ME, "", "Staff@localhost NOTIFY=SUCCESS", NULL,
     1, NULL, "Action: delivered"},
    /* the alias's forwarded copy and two DSNs (clean: one) */
    {MS_F_DSN_ALIAS_TWICE, ME, "", "testalias@localhost NOTIFY=SUCCESS", NULL,
     3, "Action: delivered", NULL},
    /* ME sends to Staff, whose member ME is: no copy for ME */
    {MS_F_LIST_DROPS_ORIGINATOR, ME, "", "Staff@localhost", NULL, 0, NULL,
     NULL},
    /* the alias's mail stays with the alias: nothing for testuser */
    {MS_F_ALIAS_NOT_EXPANDED, ME, "", "testalias@localhost", NULL, 0, NULL,
     NULL},
    {MS_F_DSN_UTF8_PLAIN, ME, "SMTPUTF8", "bounce-jos\xc3\xa9@localhost", NULL,
     1, "Content-Type: message/delivery-status\r\n", "utf-8;"},
    {MS_F_DSN_DELIVERED_STATUS_200, ME, "",
     "postmaster@localhost NOTIFY=SUCCESS", NULL, 1, "Status: 2.0.0\r\n",
     "Status: 2.1.5"},
};

START_TEST(test_notify_fault) {
  struct xdrv d;
  xdrv_open(&d, faults[_i].f);
  const char *const r[] = {faults[_i].rcpt, faults[_i].rcpt2, NULL};
  ntf_send(&d, faults[_i].from, faults[_i].params, r);
  size_t n;
  char *m = ntf_last(&d, &n);
  ck_assert_msg(n == faults[_i].n, "fault %d: %zu notices", _i, n);
  ck_assert_msg(!faults[_i].has || has(m, faults[_i].has), "fault %d: %s", _i,
                m ? m : "(none)");
  ck_assert_msg(!faults[_i].hasnt || !has(m, faults[_i].hasnt), "fault %d: %s",
                _i, m ? m : "(none)");
  free(m);
  xdrv_close(&d);
}
END_TEST

/* RFC 5321 §4.5.5: the responder away answers mail from a reverse-path
 * (from <>), not mail from <> (fault autoreply-null-sender: it does, to
 * the From: address). */
START_TEST(test_autoreply) {
  const char *const r[] = {"away@localhost", NULL};
  struct xdrv d;
  xdrv_open(&d, MS_F_NONE);
  ntf_send(&d, ME, "", r);
  size_t n;
  char *m = ntf_last(&d, &n);
  ck_assert_uint_eq(n, 1);
  ck_assert(has(m, "Return-Path: <>\r\n"));
  ck_assert(has(m, "\r\nSubject: Auto: token-1\r\n"));
  free(m);
  ntf_send(&d, "", "", r);
  m = ntf_last(&d, &n);
  ck_assert_uint_eq(n, 1);
  free(m);
  xdrv_close(&d);
  xdrv_open(&d, MS_F_AUTOREPLY_NULL_SENDER);
  ntf_send(&d, "", "", r);
  m = ntf_last(&d, &n);
  ck_assert_uint_eq(n, 1);
  free(m);
  xdrv_close(&d);
}
END_TEST

/* RFC 3461 §5.2: a failure of mail from <> goes to the postmaster (fault
 * dsn-null-no-postmaster: to nobody). */
START_TEST(test_null_postmaster) {
  const char *const r[] = {"bounce@localhost", NULL};
  for (int f = 0; f < 2; f++) {
    struct xdrv d;
    xdrv_open(&d, f ? MS_F_DSN_NULL_NO_POSTMASTER : MS_F_NONE);
    ntf_send(&d, "", "", r);
    struct ms_maildrop_view v;
    ck_assert_int_eq(ms_store_lock(d.st, "postmaster", &v), 0);
    ck_assert_uint_eq(v.nmsgs, f ? 0 : 1);
    ck_assert(f || strstr(v.msgs[0]->data, "Return-Path: <>\r\n"));
    ms_store_unlock(d.st, &v, false);
    xdrv_close(&d);
  }
}
END_TEST

/* branch relay2: RFC 2920 §3.2 (4): after 354 to a DATA without a valid
 * recipient, an empty message sends nothing (data-354-no-rcpt gives the
 * 354 alone); the fault empty-data-notice sends the sender a DSN. */
START_TEST(test_empty_data_silent) {
  for (int f = 0; f < 2; f++) {
    struct xdrv d;
    xdrv_open(&d, f ? MS_F_EMPTY_DATA_NOTICE : MS_F_DATA_NO_RCPT);
    XCODE(&d, "MAIL FROM:<" ME ">", 250);
    XCODE(&d, "RCPT TO:<token-x@localhost>", 550);
    XCODE(&d, "DATA", 354);
    XCODE(&d, ".", 554);
    size_t n;
    char *m = ntf_last(&d, &n);
    ck_assert_uint_eq(n, (size_t)f);
    ck_assert(!f || has(m, "Final-Recipient: rfc822; token-x@localhost\r\n"));
    free(m);
    xdrv_close(&d);
  }
}
END_TEST

/* RFC 3030 §3: binary content labelled without BODY=BINARYMIME is
 * accepted, then returned with a "failed" DSN (fault binary-cte-no-dsn:
 * delivered instead).  srv_smtp_binary_cte finds the label in the header
 * section or a MIME part's, not in a body line. */
START_TEST(test_binary_cte_returned) {
  static const char top[] = "Subject: a\r\nContent-Transfer-Encoding:  Binary "
                            "\r\n\r\nbody\r\n";
  static const char part[] = "Subject: a\r\n\r\n--b\r\n"
                             "Content-Transfer-Encoding: binary\r\n\r\nx\r\n";
  static const char body[] = "Subject: a\r\n\r\n"
                             "Content-Transfer-Encoding: binary\r\n";
  ck_assert(srv_smtp_binary_cte(top, sizeof top - 1));
  ck_assert(srv_smtp_binary_cte(part, sizeof part - 1));
  ck_assert(!srv_smtp_binary_cte(body, sizeof body - 1));
  for (int f = 0; f < 2; f++) {
    struct xdrv d;
    xdrv_open(&d, f ? MS_F_BINARY_CTE_NO_DSN : MS_F_NONE);
    XCODE(&d, "MAIL FROM:<" ME ">", 250);
    XCODE(&d, "RCPT TO:<postmaster@localhost>", 250);
    XCODE(&d, "DATA", 354);
    xdrv(&d, "Subject: token-1");
    xdrv(&d, "Content-Transfer-Encoding: binary");
    xdrv(&d, "");
    xdrv(&d, "The body line.");
    XCODE(&d, ".", 250);
    size_t n;
    char *m = ntf_last(&d, &n);
    ck_assert_uint_eq(n, f ? 0 : 1);
    ck_assert(f || has(m, "Action: failed\r\nStatus: 5.6.1\r\n"));
    free(m);
    struct ms_maildrop_view v; /* not delivered, but under the fault */
    ck_assert_int_eq(ms_store_lock(d.st, "postmaster", &v), 0);
    ck_assert_uint_eq(v.nmsgs, f ? 1 : 0);
    ms_store_unlock(d.st, &v, false);
    xdrv_close(&d);
  }
}
END_TEST

Suite *make_srv_smtp_notify_suite(void);
Suite *make_srv_smtp_notify_suite(void) {
  Suite *s = suite_create("srv_smtp_notify");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_notify_failed);
  tcase_add_test(tc, test_notify_none);
  tcase_add_test(tc, test_notify_delivered);
  tcase_add_test(tc, test_notify_utf8);
  tcase_add_test(tc, test_notify_fields);
  tcase_add_test(tc, test_notify_one_for_all);
  tcase_add_test(tc, test_notify_world);
  tcase_add_test(tc, test_notify_route);
  tcase_add_test(tc, test_notify_partial_ok);
  tcase_add_test(tc, test_list_expansion);
  tcase_add_test(tc, test_autoreply);
  tcase_add_test(tc, test_null_postmaster);
  tcase_add_test(tc, test_empty_data_silent); /* branch relay2 */
  tcase_add_test(tc, test_binary_cte_returned);
  tcase_add_loop_test(tc, test_notify_fault, 0,
                      (int)(sizeof faults / sizeof faults[0]));
  suite_add_tcase(s, tc);
  return s;
}
