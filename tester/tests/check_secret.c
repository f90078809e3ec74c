/* Unit tests for secret.c: -D values from env:/file:, and redaction. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret.h"

START_TEST(test_resolve_literal_env) {
  char *v = NULL, err[256] = "";
  bool secret = true;
  ck_assert_int_eq(ms_secret_resolve("hunter2", &v, &secret, err, sizeof err),
                   0);
  ck_assert_str_eq(v, "hunter2");
  ck_assert(!secret);
  free(v);
  setenv("MAILSPEC_CHECK_SECRET", "s3cr3t value", 1);
  ck_assert_int_eq(ms_secret_resolve("env:MAILSPEC_CHECK_SECRET", &v, &secret,
                                     err, sizeof err),
                   0);
  ck_assert_str_eq(v, "s3cr3t value");
  ck_assert(secret);
  free(v);
  unsetenv("MAILSPEC_CHECK_SECRET");
  ck_assert_int_eq(ms_secret_resolve("env:MAILSPEC_CHECK_SECRET", &v, &secret,
                                     err, sizeof err),
                   -1);
  ck_assert_ptr_null(v);
  ck_assert_ptr_nonnull(strstr(err, "MAILSPEC_CHECK_SECRET is not set"));
  ck_assert_int_eq(ms_secret_resolve("env:", &v, &secret, err, sizeof err), -1);
}
END_TEST

static char *tmpfile_with(const char *content, size_t n) {
  char *path = strdup("/tmp/check_secret.XXXXXX");
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, content, n), (ssize_t)n);
  close(fd);
  return path;
}

START_TEST(test_resolve_file) {
  char *v = NULL, err[512] = "";
  bool secret = false;
  char *p = tmpfile_with("pa ss\n", 6);
  char spec[256];
  snprintf(spec, sizeof spec, "file:%s", p);
  ck_assert_int_eq(ms_secret_resolve(spec, &v, &secret, err, sizeof err), 0);
  ck_assert_str_eq(v, "pa ss"); /* the line end `echo` added is dropped */
  ck_assert(secret);
  free(v);
  unlink(p);
  free(p);
  p = tmpfile_with("a\0b", 3);
  snprintf(spec, sizeof spec, "file:%s", p);
  ck_assert_int_eq(ms_secret_resolve(spec, &v, &secret, err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "NUL"));
  unlink(p);
  free(p);
  ck_assert_int_eq(ms_secret_resolve("file:/nonexistent/mailspec", &v, &secret,
                                     err, sizeof err),
                   -1);
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent/mailspec"));
  ck_assert_int_eq(ms_secret_resolve("file:", &v, &secret, err, sizeof err),
                   -1);
}
END_TEST

START_TEST(test_scrub) {
  struct ms_secrets s = {0};
  ms_secrets_add(&s, "hunter2");
  ms_secrets_add(&s, "hunter22"); /* longer: replaced first */
  ms_secrets_add(&s, "hunter2");  /* no duplicate */
  ms_secrets_add(&s, "abc");      /* too short to search for */
  ms_secrets_add(&s, NULL);
  ck_assert_uint_eq(s.n, 2);
  char *r = ms_secrets_scrub(&s, "PASS hunter22 and hunter2, abc");
  ck_assert_str_eq(r, "PASS <redacted> and <redacted>, abc");
  free(r);
  ck_assert_ptr_null(ms_secrets_scrub(&s, NULL));
  ck_assert(ms_secrets_found(&s, "xhunter2x"));
  ck_assert(!ms_secrets_found(&s, "hunter"));
  ck_assert(!ms_secrets_found(NULL, "hunter2"));
  char *p = strdup("no secret here"), *before = p;
  ms_secrets_scrub_in(&s, &p);
  ck_assert_ptr_eq(p, before); /* untouched when nothing to hide */
  free(p);
  p = strdup("hunter2hunter2");
  ms_secrets_scrub_in(&s, &p);
  ck_assert_str_eq(p, "<redacted><redacted>");
  free(p);
  ms_secrets_free(&s);
  ck_assert_uint_eq(s.n, 0);
}
END_TEST

Suite *make_secret_suite(void);
Suite *make_secret_suite(void) {
  Suite *s = suite_create("secret");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_resolve_literal_env);
  tcase_add_test(tc, test_resolve_file);
  tcase_add_test(tc, test_scrub);
  suite_add_tcase(s, tc);
  return s;
}
