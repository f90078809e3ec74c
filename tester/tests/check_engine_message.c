/* Unit tests for the delivery checks' body:/not_body: (transcript_message.c
 * parses them, engine_message.c judges): a list of regexes, each matched
 * on its own, and regexes that must not match. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine_message.h"
#include "mailspec/transcript.h"
#include "util.h"

static const char msg_yaml[] =
    "title: t\n"
    "sessions:\n"
    "  - name: send\n"
    "    steps:\n"
    "      - S: 220\n"
    "      - C: DATA\n"
    "      - S: 354\n"
    "      - data: |\n"
    "          Subject: tok-1\n"
    "\n"
    "          x\n"
    "      - S: 250\n"
    "  - name: mailbox\n"
    "    target: pop3\n"
    "    steps:\n"
    "      - notification: tok-1\n"
    "        body: ['^Action: failed$', '^Final-Recipient: .*a@b$']\n"
    "        not_body: '^Original-Recipient:'\n";

/* The notification check of MSG_YAML (with WHAT in place of its
 * options), or NULL with the diagnostics in D. */
static struct ms_transcript *msg_load(const char *yaml, struct ms_diags *d) {
  return ms_transcript_parse("t.yaml", yaml, strlen(yaml), d);
}

static const struct ms_msgcheck *msg_check(const struct ms_transcript *t) {
  const struct ms_session *s = &t->sessions[1];
  for (size_t i = 0; i < s->nsteps; i++)
    if (s->steps[i].msg)
      return s->steps[i].msg;
  return NULL;
}

static char *msg_judge(const struct ms_msgcheck *c, const char *text) {
  struct ms_msg m;
  ms_msg_from_text(&m, text, strlen(text));
  char *got = NULL;
  char *why = ms_msg_judge(&m, c, NULL, "t.yaml", 1, &got);
  free(got);
  ms_msg_free(&m);
  return why;
}

START_TEST(test_body_list) {
  struct ms_diags d = {0};
  struct ms_transcript *t = msg_load(msg_yaml, &d);
  ck_assert_ptr_nonnull(t);
  const struct ms_msgcheck *c = msg_check(t);
  ck_assert_ptr_nonnull(c);
  ck_assert_uint_eq(c->nbody, 2);
  ck_assert_uint_eq(c->nnot_body, 1);
  char *why = msg_judge(c, "Subject: x\r\n\r\nFinal-Recipient: rfc822; a@b\r\n"
                           "Action: failed\r\n");
  ck_assert_ptr_null(why);
  /* the second regex of body: does not match */
  why = msg_judge(c, "Subject: x\r\n\r\nAction: failed\r\n");
  ck_assert_ptr_nonnull(why);
  ck_assert_ptr_nonnull(strstr(why, "body: the body"));
  free(why);
  /* not_body: matches */
  why = msg_judge(c, "Subject: x\r\n\r\nFinal-Recipient: rfc822; a@b\r\n"
                     "Original-Recipient: rfc822;a@b\r\nAction: failed\r\n");
  ck_assert_ptr_nonnull(why);
  ck_assert_ptr_nonnull(strstr(why, "not_body: the body"));
  free(why);
  /* a header field is not the body */
  why = msg_judge(c, "Original-Recipient: x\r\n\r\nFinal-Recipient: rfc822; "
                     "a@b\r\nAction: failed\r\n");
  ck_assert_ptr_null(why);
  ms_transcript_free(t);
  ms_diags_free(&d);
}
END_TEST

/* A bad regex in a list, and an empty list: file:line:col errors. */
START_TEST(test_body_errors) {
  static const char *const bad[] = {"        body: ['^a', '(']\n",
                                    "        not_body: []\n",
                                    "        not_body: {a: b}\n"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char *y =
        xasprintf("%.*s%s", (int)(strstr(msg_yaml, "        body:") - msg_yaml),
                  msg_yaml, bad[i]);
    struct ms_diags d = {0};
    struct ms_transcript *t = msg_load(y, &d);
    ck_assert_msg(t == NULL, "%s", bad[i]);
    ms_diags_free(&d);
    free(y);
  }
}
END_TEST

Suite *make_engine_message_suite(void);
Suite *make_engine_message_suite(void) {
  Suite *s = suite_create("engine_message");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_body_list);
  tcase_add_test(tc, test_body_errors);
  suite_add_tcase(s, tc);
  return s;
}
