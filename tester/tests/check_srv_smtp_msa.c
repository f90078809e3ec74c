/* Unit tests for srv_smtp_msa.c: the fields the reference server as a
 * message submission agent adds (RFC 6409 §8), clean and under each of
 * its faults. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "srv.h"
#include "srv_smtp_msa.h"
#include "util.h"
#include "world.h"

static const char msg_bare[] =
    "Subject: x\r\nFrom: <a@example.org>\r\n\r\nbody\r\n";
static const char msg_full[] =
    "Subject: x\r\nFrom: <a@example.org>\r\nDate: Mon, 7 Dec 2026 10:00:00 "
    "+0000\r\nMessage-ID: <1@example.org>\r\n\r\nbody\r\n";

/* What the MSA makes of MSG from FROM (after AUTH) under FAULT; NULL when
 * nothing is added.  SUBMISSION: the world is a submission server. */
static char *msa_run(bool submission, enum ms_fault fault, const char *from,
                     const char *msg) {
  struct ms_world *w = ms_world_builtin();
  w->submission = submission;
  struct srv_ctx ctx = {.world = w};
  ms_fault_set(&ctx.faults, fault);
  struct srv_smtp_txn t = {.helo = "c",
                           .ehlo = true,
                           .auth = true,
                           .from = from,
                           .data = msg,
                           .len = strlen(msg)};
  size_t n = 0;
  char *r = srv_msa_complete(&ctx, &t, &n);
  ck_assert(!r || n == strlen(r));
  ms_world_free(w);
  return r;
}

START_TEST(test_msa_adds) {
  ck_assert_ptr_null(msa_run(false, MS_F_NONE, "a@example.org", msg_bare));
  ck_assert_ptr_null(msa_run(true, MS_F_NONE, "a@example.org", msg_full));
  char *r = msa_run(true, MS_F_NONE, "a@example.org", msg_bare);
  ck_assert_ptr_nonnull(r);
  ck_assert(strncmp(r, "Date: ", 6) == 0);                  /* §8, §8.2 */
  ck_assert_ptr_nonnull(strstr(r, "\r\nMessage-ID: <msa")); /* §8.3 */
  ck_assert_ptr_null(strstr(r, "Sender:")); /* From: is the sender */
  ck_assert_ptr_nonnull(strstr(r, msg_bare));
  free(r);
  r = msa_run(true, MS_F_NONE, "b@example.org", msg_full); /* §8.1 */
  ck_assert_str_eq(r, "Sender: <b@example.org>\r\n"
                      "Subject: x\r\nFrom: "
                      "<a@example.org>\r\nDate: Mon, 7 Dec 2026 10:00:00 "
                      "+0000\r\nMessage-ID: <1@example.org>\r\n\r\nbody\r\n");
  free(r);
  /* ab@example.org is not b@example.org */
  r = msa_run(
      true, MS_F_NONE, "b@example.org",
      "From: <ab@example.org>\r\nDate: x\r\nMessage-ID: <1@x>\r\n\r\nb\r\n");
  ck_assert(strncmp(r, "Sender: <b@example.org>\r\n", 25) == 0);
  free(r);
  ck_assert_ptr_null(msa_run(true, MS_F_NONE, "b@example.org",
                             "From: b@example.org\r\nDate: x\r\n"
                             "Message-ID: <1@x>\r\n\r\nb\r\n"));
}
END_TEST

START_TEST(test_msa_faults) {
  char *r = msa_run(true, MS_F_SUBMIT_NO_MESSAGE_ID, "a@example.org", msg_bare);
  ck_assert_ptr_null(strstr(r, "Message-ID:"));
  ck_assert_ptr_nonnull(strstr(r, "Date: "));
  free(r);
  r = msa_run(true, MS_F_SUBMIT_NO_DATE, "a@example.org", msg_bare);
  ck_assert_ptr_null(strstr(r, "Date:"));
  ck_assert_ptr_nonnull(strstr(r, "Message-ID: "));
  free(r);
  r = msa_run(true, MS_F_SUBMIT_SENDER_LOCAL, "b@example.org", msg_full);
  ck_assert(strncmp(r, "Sender: b\r\n", 11) == 0);
  free(r);
}
END_TEST

Suite *make_srv_smtp_msa_suite(void);
Suite *make_srv_smtp_msa_suite(void) {
  Suite *s = suite_create("srv_smtp_msa");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_msa_adds);
  tcase_add_test(tc, test_msa_faults);
  suite_add_tcase(s, tc);
  return s;
}
