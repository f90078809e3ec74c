/* Unit tests for the engine's additions of issue 14: data: {octets:}
 * (data_fill.c), each_line: (engine_lines.c) and requires: "KW >N"
 * (proto_smtp.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "data_fill.h"
#include "engine_int.h"
#include "util.h"
#include "mailspec/proto.h"

/* RFC 1870 §5's count of a wire message W: octets with CRLF, not the
 * final ".\r\n", not the doubled dots; (size_t)-1 when W is not a
 * well-formed message.  No ck_assert per line: Check writes to a pipe
 * for each, and a 10 MiB message has millions of lines. */
static size_t fill_count(const char *w, size_t len) {
  size_t n = 0;
  if (len < 3 || memcmp(w + len - 3, ".\r\n", 3) != 0)
    return (size_t)-1;
  len -= 3;
  for (size_t i = 0; i < len;) {
    const char *e = memchr(w + i, '\n', len - i);
    if (!e)
      return (size_t)-1;
    size_t l = (size_t)(e - (w + i)) + 1;
    bool dot = w[i] == '.';
    if (l < 2 || w[i + l - 2] != '\r')
      return (size_t)-1;
    if (l > 1000 + (size_t)dot) /* RFC 5321 §4.5.3.1.6 */
      return (size_t)-1;
    if (dot && w[i + 1] != '.') /* every leading dot is doubled */
      return (size_t)-1;
    n += l - (size_t)(dot && l > 3); /* a stuffed dot does not count */
    i += l;
  }
  return n;
}

static size_t fill(const char *head, const char *octets, const char *f,
                   char *err, size_t errlen, bool *ok) {
  struct ms_buf b;
  ms_buf_init(&b, 64u << 20); /* as vars.c's */
  *ok = ms_data_fill(&b, head, strlen(head), octets, f, err, errlen) == 0;
  size_t n = *ok ? fill_count(b.p, b.len) : 0;
  ms_buf_free(&b);
  return n;
}

START_TEST(test_data_fill) {
  char err[256];
  bool ok;
  const char *head = "Subject: x\n.dot";
  /* header 10+2, ".dot" 4+2, the empty line 2: 20 octets */
  for (size_t n = 20; n < 400; n++) {
    char o[32];
    snprintf(o, sizeof o, "%zu", n);
    size_t got = fill(head, o, n % 3 ? ".ab" : NULL, err, sizeof err, &ok);
    if (n == 21) {
      ck_assert(!ok); /* 1 octet left: no line is that short */
      ck_assert_ptr_nonnull(strstr(err, "leaves 1 octet"));
      continue;
    }
    ck_assert_msg(ok, "%zu: %s", n, err);
    ck_assert_uint_eq(got, n);
  }
  ck_assert_uint_eq(fill(head, "100 + 1", "x", err, sizeof err, &ok), 101);
  ck_assert_uint_eq(fill(head, " 100 - 1 ", "x", err, sizeof err, &ok), 99);
  ck_assert_uint_eq(fill("", "10", "x", err, sizeof err, &ok), 10);
  fill(head, "19", NULL, err, sizeof err, &ok);
  ck_assert(!ok);
  ck_assert_ptr_nonnull(strstr(err, "less than the 20 octets"));
  fill(head, "1 - 2", NULL, err, sizeof err, &ok);
  ck_assert(!ok && strstr(err, "negative"));
  fill(head, "12x", NULL, err, sizeof err, &ok);
  ck_assert(!ok && strstr(err, "not a number"));
  fill(head, "", NULL, err, sizeof err, &ok);
  ck_assert(!ok);
  fill(head, "70000000", NULL, err, sizeof err, &ok);
  ck_assert(!ok && strstr(err, "64 MiB"));
  /* a large message: still exact */
  ck_assert_uint_eq(fill(head, "10485760", ".x", err, sizeof err, &ok),
                    10485760);
}
END_TEST

static struct ms_reply reply_of(const char *const *lines, size_t n) {
  struct ms_reply r = {0};
  r.lines = xcalloc(n, sizeof *r.lines);
  r.lens = xcalloc(n, sizeof *r.lens);
  for (size_t i = 0; i < n; i++) {
    r.lines[i] = xstrdup(lines[i]);
    r.lens[i] = strlen(lines[i]);
  }
  r.nlines = n;
  r.code = atoi(lines[0]);
  return r;
}

START_TEST(test_each_line) {
  const char *re = "^214[ -]([245]\\.[0-9]+\\.[0-9]+) ";
  const char *good[] = {"214-2.0.0 a", "214-2.0.0 b", "214 2.0.0 c"};
  const char *first[] = {"214-2.0.0 a", "214-b", "214 c"};
  const char *other[] = {"214-2.0.0 a", "214 2.0.1 b"};
  struct ms_reply r = reply_of(good, 3);
  bool bad;
  ck_assert_ptr_null(ms_engine_each_line(re, &r, &bad));
  ms_reply_free(&r);
  r = reply_of(first, 3);
  char *why = ms_engine_each_line(re, &r, &bad);
  ck_assert_ptr_nonnull(why);
  ck_assert_ptr_nonnull(strstr(why, "reply line 2 does not match"));
  ck_assert(!bad);
  free(why);
  ms_reply_free(&r);
  r = reply_of(other, 2);
  why = ms_engine_each_line(re, &r, &bad);
  ck_assert_ptr_nonnull(why);
  ck_assert_ptr_nonnull(strstr(why, "\"2.0.1\" where line 1 has \"2.0.0\""));
  free(why);
  /* no group: only the match counts */
  ck_assert_ptr_null(ms_engine_each_line("^214[ -]2\\.0\\.[01] ", &r, &bad));
  why = ms_engine_each_line("(", &r, &bad);
  ck_assert(bad);
  free(why);
  ms_reply_free(&r);
}
END_TEST

START_TEST(test_keyword_greater) {
  ck_assert(ms_smtp_keyword_match("SIZE 1000", 9, "SIZE >0"));
  ck_assert(ms_smtp_keyword_match("SIZE 1000", 9, "size >999"));
  ck_assert(!ms_smtp_keyword_match("SIZE 1000", 9, "SIZE >1000"));
  ck_assert(!ms_smtp_keyword_match("SIZE 0", 6, "SIZE >0"));
  ck_assert(!ms_smtp_keyword_match("SIZE 000", 8, "SIZE >0"));
  ck_assert(!ms_smtp_keyword_match("SIZE", 4, "SIZE >0"));
  ck_assert(!ms_smtp_keyword_match("SIZE 10M", 8, "SIZE >0"));
  ck_assert(ms_smtp_keyword_match("SIZE 99999999999999999999", 25,
                                  "SIZE >18446744073709551615"));
  ck_assert(ms_smtp_keyword_match("SIZE 0", 6, "SIZE 0"));
}
END_TEST

Suite *make_engine_ext_suite(void);
Suite *make_engine_ext_suite(void) {
  Suite *s = suite_create("engine_ext");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_data_fill);
  tcase_add_test(tc, test_each_line);
  tcase_add_test(tc, test_keyword_greater);
  suite_add_tcase(s, tc);
  return s;
}
