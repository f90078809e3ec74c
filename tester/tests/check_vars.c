/* Unit tests for vars.c: ${name} expansion and the wire bytes of SEND
 * steps (dot-stuffing, raw bytes). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mailspec/transcript.h"

static char k_helo[] = "helo", v_helo[] = "client.example";
static char k_rcpt[] = "rcpt", v_rcpt[] = "a@b.example",
            v_ovr[] = "x@y.example";
static const struct ms_var tvars[] = {{k_helo, v_helo}, {k_rcpt, v_rcpt}};
static const struct ms_var ovr[] = {{k_rcpt, v_ovr}};

static char *expand(const char *text, const struct ms_var *o, size_t no,
                    char *err, size_t errlen) {
  size_t n = 0;
  return ms_vars_expand(text, strlen(text), tvars, 2, o, no, &n, err, errlen);
}

START_TEST(test_expand) {
  char err[256];
  char *s = expand("EHLO ${helo}", NULL, 0, err, sizeof err);
  ck_assert_str_eq(s, "EHLO client.example");
  free(s);
  s = expand("RCPT TO:<${rcpt}>", NULL, 0, err, sizeof err);
  ck_assert_str_eq(s, "RCPT TO:<a@b.example>");
  free(s);
  /* -D overrides come first */
  s = expand("RCPT TO:<${rcpt}> ${helo}", ovr, 1, err, sizeof err);
  ck_assert_str_eq(s, "RCPT TO:<x@y.example> client.example");
  free(s);
}
END_TEST

START_TEST(test_dollars) {
  char err[256];
  char *s = expand("cost $$5 and $5 and $", NULL, 0, err, sizeof err);
  ck_assert_str_eq(s, "cost $5 and $5 and $");
  free(s);
  s = expand("$${helo}", NULL, 0, err, sizeof err);
  ck_assert_str_eq(s, "${helo}");
  free(s);
  s = expand("", NULL, 0, err, sizeof err);
  ck_assert_str_eq(s, "");
  free(s);
}
END_TEST

START_TEST(test_errors) {
  char err[256] = "";
  ck_assert_ptr_null(expand("MAIL FROM:<${from}>", NULL, 0, err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "${from}"));
  ck_assert_ptr_nonnull(strstr(err, "-D from=VALUE"));
  ck_assert_ptr_null(expand("x ${helo", NULL, 0, err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "closing"));
  ck_assert_ptr_null(expand("x ${1a}", NULL, 0, err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "bad variable name"));
  ck_assert_ptr_null(expand("x ${}", NULL, 0, err, sizeof err));
}
END_TEST

static void count_ref(const char *name, size_t n, void *arg) {
  (void)name;
  *(size_t *)arg += n;
}

START_TEST(test_each_and_names) {
  char err[100];
  size_t total = 0;
  const char *t = "${a} $${b} ${cc}";
  ck_assert_int_eq(
      ms_vars_each(t, strlen(t), count_ref, &total, err, sizeof err), 0);
  ck_assert_uint_eq(total, 3); /* a + cc; $${b} is literal */
  ck_assert(ms_vars_valid_name("_x9", 3));
  ck_assert(!ms_vars_valid_name("9x", 2));
  ck_assert(!ms_vars_valid_name("a-b", 3));
  ck_assert(!ms_vars_valid_name("", 0));
}
END_TEST

static char *wire(const struct ms_step *s, size_t *n) {
  char err[256];
  char *out = NULL;
  ck_assert_int_eq(ms_step_wire(s, tvars, 2, NULL, 0, &out, n, err, sizeof err),
                   0);
  return out;
}

START_TEST(test_wire_line) {
  char line[] = "HELO ${helo}", data[] = "  indented";
  struct ms_step s = {.kind = MS_STEP_SEND,
                      .send = MS_SEND_LINE,
                      .text = line,
                      .len = strlen(line)};
  size_t n;
  char *w = wire(&s, &n);
  ck_assert_str_eq(w, "HELO client.example\r\n");
  ck_assert_uint_eq(n, strlen("HELO client.example\r\n"));
  free(w);
  s.send = MS_SEND_DATA_LINE;
  s.text = data;
  s.len = strlen(data);
  w = wire(&s, &n);
  ck_assert_str_eq(w, "  indented\r\n"); /* verbatim, no stuffing */
  free(w);
}
END_TEST

START_TEST(test_wire_raw) {
  static char raw[] = "MAIL\0FROM:<${rcpt}>\n";
  struct ms_step s = {.kind = MS_STEP_SEND,
                      .send = MS_SEND_RAW,
                      .text = raw,
                      .len = sizeof raw - 1};
  size_t n;
  char *w = wire(&s, &n);
  static const char want[] = "MAIL\0FROM:<a@b.example>\n";
  ck_assert_uint_eq(n, sizeof want - 1);
  ck_assert(memcmp(w, want, n) == 0); /* NUL kept, nothing appended */
  free(w);
}
END_TEST

START_TEST(test_wire_body) {
  /* RFC 5321 §4.5.2: a leading "." is doubled; ".\r\n" ends the data */
  char body[] = "Subject: x\n\n.hidden\n.\n..two\nend";
  char empty[] = "", last[] = "last line empty\n";
  struct ms_step s = {.kind = MS_STEP_SEND,
                      .send = MS_SEND_BODY,
                      .text = body,
                      .len = strlen(body)};
  size_t n;
  char *w = wire(&s, &n);
  ck_assert_str_eq(w, "Subject: x\r\n\r\n..hidden\r\n..\r\n...two\r\nend\r\n"
                      ".\r\n");
  free(w);
  s.text = empty;
  s.len = 0;
  w = wire(&s, &n);
  ck_assert_str_eq(w, ".\r\n");
  free(w);
  s.text = last;
  s.len = strlen(s.text);
  w = wire(&s, &n);
  ck_assert_str_eq(w, "last line empty\r\n\r\n.\r\n");
  free(w);
}
END_TEST

START_TEST(test_wire_errors) {
  char err[256] = "";
  char junk[] = "x", line[] = "RCPT TO:<${nobody}>";
  char *out = junk;
  size_t n = 9;
  struct ms_step s = {.kind = MS_STEP_SEND,
                      .send = MS_SEND_LINE,
                      .text = line,
                      .len = strlen(line)};
  ck_assert_int_eq(
      ms_step_wire(&s, tvars, 2, NULL, 0, &out, &n, err, sizeof err), -1);
  ck_assert_ptr_null(out);
  ck_assert_ptr_nonnull(strstr(err, "nobody"));
  struct ms_step e = {.kind = MS_STEP_EXPECT};
  ck_assert_int_eq(
      ms_step_wire(&e, NULL, 0, NULL, 0, &out, &n, err, sizeof err), -1);
}
END_TEST

Suite *make_vars_suite(void);
Suite *make_vars_suite(void) {
  Suite *s = suite_create("vars");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_expand);
  tcase_add_test(tc, test_dollars);
  tcase_add_test(tc, test_errors);
  tcase_add_test(tc, test_each_and_names);
  tcase_add_test(tc, test_wire_line);
  tcase_add_test(tc, test_wire_raw);
  tcase_add_test(tc, test_wire_body);
  tcase_add_test(tc, test_wire_errors);
  suite_add_tcase(s, tc);
  return s;
}
