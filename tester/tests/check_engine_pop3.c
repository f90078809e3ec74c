/* Unit tests for tester/engine_pop3.c: POP3 checks across replies. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../engine_int.h"

/* A POP3 reply from NUL-separated-by-array lines (status first). */
static struct ms_reply cp_reply(bool multi, size_t n, const char *const *l) {
  struct ms_reply r = {0};
  r.code = MS_POP3_OK;
  r.multiline = multi;
  r.nlines = n;
  r.lines = calloc(n, sizeof *r.lines);
  r.lens = calloc(n, sizeof *r.lens);
  for (size_t i = 0; i < n; i++) {
    r.lines[i] = strdup(l[i]);
    r.lens[i] = strlen(l[i]);
  }
  return r;
}

/* Feed SENT with reply lines L; return the finding (or NULL). */
static char *cp_check(struct ms_pop3_ledger *lg, const char *sent, bool multi,
                      size_t n, const char *const *l) {
  struct ms_reply r = cp_reply(multi, n, l);
  char *what = ms_engine_pop3_check(lg, sent, &r);
  ms_reply_free(&r);
  return what;
}
#define CHECK(lg, sent, multi, ...)                                            \
  cp_check(lg, sent, multi,                                                    \
           sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *),        \
           (const char *const[]){__VA_ARGS__})

/* "ab" + "" + ".x" (sent stuffed as "..x"): 4 + 2 + 4 = 10 octets. */
START_TEST(test_list_retr_sizes) {
  struct ms_pop3_ledger lg = {0};
  ck_assert_ptr_null(CHECK(&lg, "LIST 1", false, "+OK 1 10"));
  ck_assert_ptr_null(CHECK(&lg, "RETR 1", true, "+OK", "ab", "", ".x"));
  /* the other order, and a wrong size */
  ck_assert_ptr_null(CHECK(&lg, "RETR 2", true, "+OK", "ab"));
  char *w = CHECK(&lg, "LIST", true, "+OK 2 messages", "1 10", "2 5");
  ck_assert_ptr_nonnull(w);
  ck_assert_ptr_nonnull(strstr(w, "message 2 as 5 octets but RETR 2 sent 4"));
  ck_assert_ptr_nonnull(strstr(w, "RFC 1939"));
  free(w);
  w = CHECK(&lg, "list 1", false, "+OK 1 11");
  ck_assert_ptr_nonnull(w);
  free(w);
  /* -ERR and other commands record nothing */
  ck_assert_ptr_null(CHECK(&lg, "NOOP", false, "+OK"));
  ms_engine_pop3_reset(&lg);
  ck_assert_uint_eq(lg.n, 0);
}
END_TEST

START_TEST(test_stat_sum) {
  struct ms_pop3_ledger lg = {0};
  ck_assert_ptr_null(CHECK(&lg, "STAT", false, "+OK 2 15"));
  ck_assert_ptr_null(CHECK(&lg, "LIST", true, "+OK", "1 10", "2 5"));
  ms_engine_pop3_reset(&lg);
  ck_assert_ptr_null(CHECK(&lg, "LIST", true, "+OK", "1 10", "2 5"));
  char *w = CHECK(&lg, "STAT", false, "+OK 2 16");
  ck_assert_ptr_nonnull(w);
  ck_assert_ptr_nonnull(strstr(w, "STAT gave 2 messages, 16 octets"));
  free(w);
  /* after DELE, STAT and the old listing count different messages */
  ck_assert_ptr_null(CHECK(&lg, "DELE 1", false, "+OK"));
  ck_assert_ptr_null(CHECK(&lg, "STAT", false, "+OK 1 5"));
  ms_engine_pop3_reset(&lg);
}
END_TEST

START_TEST(test_uidl) {
  struct ms_pop3_ledger lg = {0};
  ck_assert_ptr_null(CHECK(&lg, "UIDL", true, "+OK", "1 abc", "2 abd"));
  char *w = CHECK(&lg, "UIDL", true, "+OK", "1 abc", "2 x", "3 abc");
  ck_assert_ptr_nonnull(w);
  ck_assert_ptr_nonnull(strstr(w, "\"abc\" twice"));
  free(w);
  w = CHECK(&lg, "UIDL 1", false, "+OK 1 a\x7f");
  ck_assert_ptr_nonnull(w);
  ck_assert_ptr_nonnull(strstr(w, "0x7f"));
  free(w);
  char id[80];
  memset(id, 'x', 71);
  strcpy(id + 71, "");
  char line[90] = "1 ";
  strcat(line, id);
  w = CHECK(&lg, "UIDL", true, "+OK", line);
  ck_assert_ptr_nonnull(w);
  ck_assert_ptr_nonnull(strstr(w, "71 characters"));
  free(w);
  line[72] = '\0'; /* 70 characters: fine */
  ck_assert_ptr_null(CHECK(&lg, "UIDL", true, "+OK", line));
  w = CHECK(&lg, "UIDL 1", false, "+OK 1 ");
  ck_assert_ptr_nonnull(w);
  free(w);
  ms_engine_pop3_reset(&lg);
}
END_TEST

Suite *make_engine_pop3_suite(void);
Suite *make_engine_pop3_suite(void) {
  Suite *s = suite_create("engine_pop3");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_list_retr_sizes);
  tcase_add_test(tc, test_stat_sum);
  tcase_add_test(tc, test_uidl);
  suite_add_tcase(s, tc);
  return s;
}
