/* Unit tests for auth.c: base64 (RFC 4648), the SASL client lines of
 * PLAIN (RFC 4616), LOGIN and CRAM-MD5 (RFC 2195), SMTP (RFC 4954) and
 * POP3 (RFC 5034) continuations, the APOP timestamp (RFC 1939 §7). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "mailspec/transcript.h"
#include "secret.h"

static void b64_is(const char *in, size_t n, const char *want) {
  char *b = ms_auth_b64(in, n);
  ck_assert_str_eq(b, want);
  char *back = NULL;
  size_t len = 0;
  ck_assert_int_eq(ms_auth_unb64(b, strlen(b), &back, &len), 0);
  ck_assert_uint_eq(len, n);
  ck_assert(memcmp(back, in, n) == 0);
  free(back);
  free(b);
}

/* RFC 4648 §10 test vectors, both ways. */
START_TEST(test_b64_vectors) {
  b64_is("", 0, "");
  b64_is("f", 1, "Zg==");
  b64_is("fo", 2, "Zm8=");
  b64_is("foo", 3, "Zm9v");
  b64_is("foob", 4, "Zm9vYg==");
  b64_is("fooba", 5, "Zm9vYmE=");
  b64_is("foobar", 6, "Zm9vYmFy");
  b64_is("\0\xff\x10", 3, "AP8Q");
}
END_TEST

START_TEST(test_b64_rejects) {
  static const char *const bad[] = {
      "Zg=",      "Z===", "Zm9v!AAA",          "=Zm9",
      "Zg==Zg==", "Zm 9", "@@@ not base64 @@@"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *out = (char *)1;
    size_t n = 7;
    ck_assert_msg(ms_auth_unb64(bad[i], strlen(bad[i]), &out, &n) < 0,
                  "accepted %s", bad[i]);
    ck_assert_ptr_null(out);
  }
}
END_TEST

/* RFC 4616 §2: [authzid] NUL authcid NUL passwd. */
START_TEST(test_plain_message) {
  char *p = ms_auth_plain(NULL, "tim", "tanstaaftanstaaf");
  ck_assert_str_eq(p, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
  free(p);
  p = ms_auth_plain("admin", "tim", "x");
  char *raw;
  size_t n;
  ck_assert_int_eq(ms_auth_unb64(p, strlen(p), &raw, &n), 0);
  ck_assert_uint_eq(n, 11);
  ck_assert(memcmp(raw, "admin\0tim\0x", 11) == 0);
  free(raw);
  free(p);
}
END_TEST

/* RFC 2195 §2's own example. */
START_TEST(test_cram_md5_rfc2195) {
  char err[128] = "";
  char *r = ms_auth_cram_md5(
      "tim", "tanstaaftanstaaf",
      "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+", err,
      sizeof err);
  ck_assert_ptr_nonnull(r);
  ck_assert_str_eq(r, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
  free(r);
  r = ms_auth_cram_md5("tim", "x", "not base64!", err, sizeof err);
  ck_assert_ptr_null(r);
  ck_assert_ptr_nonnull(strstr(err, "not base64"));
}
END_TEST

static struct ms_auth mk(enum ms_protocol p, enum ms_sasl_mech m, bool ir,
                         bool cancel) {
  struct ms_auth a = {p, m,    ir, cancel, NULL, "tim", "tanstaaftanstaaf",
                      0, false};
  return a;
}

/* The password is on the wire but never in what is shown. */
static void no_pass(const struct ms_auth_line *l) {
  ck_assert_ptr_null(strstr(l->shown, "tanstaaf"));
  ck_assert_ptr_null(strstr(l->shown, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"));
}

START_TEST(test_exchange_plain) {
  struct ms_auth a = mk(MS_PROTO_SMTP, MS_SASL_PLAIN, true, false);
  struct ms_auth_line l;
  char err[64];
  ms_auth_first(&a, &l);
  ck_assert_str_eq(l.wire, "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
  ck_assert_str_eq(l.shown, "AUTH PLAIN " MS_SECRET_SHOWN);
  ms_auth_line_free(&l);
  ck_assert_int_eq(ms_auth_next(&a, "", &l, err, sizeof err), 0);
  /* without an initial response: AUTH PLAIN, then the message */
  a = mk(MS_PROTO_SMTP, MS_SASL_PLAIN, false, false);
  ms_auth_first(&a, &l);
  ck_assert_str_eq(l.wire, "AUTH PLAIN");
  ms_auth_line_free(&l);
  ck_assert_int_eq(ms_auth_next(&a, "", &l, err, sizeof err), 1);
  ck_assert_str_eq(l.wire, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
  no_pass(&l);
  ms_auth_line_free(&l);
  ck_assert_int_eq(ms_auth_next(&a, "", &l, err, sizeof err), 0);
}
END_TEST

START_TEST(test_exchange_login) {
  struct ms_auth a = mk(MS_PROTO_SMTP, MS_SASL_LOGIN, false, false);
  struct ms_auth_line l;
  char err[64];
  ms_auth_first(&a, &l);
  ck_assert_str_eq(l.wire, "AUTH LOGIN");
  ms_auth_line_free(&l);
  ck_assert_int_eq(ms_auth_next(&a, "VXNlcm5hbWU6", &l, err, sizeof err), 1);
  ck_assert_str_eq(l.wire, "dGlt"); /* the user name is no secret */
  ck_assert_str_eq(l.shown, "dGlt");
  ms_auth_line_free(&l);
  ck_assert_int_eq(ms_auth_next(&a, "UGFzc3dvcmQ6", &l, err, sizeof err), 1);
  ck_assert_str_eq(l.wire, "dGFuc3RhYWZ0YW5zdGFhZg==");
  ck_assert_str_eq(l.shown, MS_SECRET_SHOWN);
  ms_auth_line_free(&l);
  ck_assert_int_eq(ms_auth_next(&a, "", &l, err, sizeof err), 0);
  /* with the user name on the AUTH line */
  a = mk(MS_PROTO_SMTP, MS_SASL_LOGIN, true, false);
  ms_auth_first(&a, &l);
  ck_assert_str_eq(l.wire, "AUTH LOGIN dGlt");
  ms_auth_line_free(&l);
  ck_assert_int_eq(ms_auth_next(&a, "UGFzc3dvcmQ6", &l, err, sizeof err), 1);
  ck_assert_str_eq(l.shown, MS_SECRET_SHOWN);
  ms_auth_line_free(&l);
}
END_TEST

START_TEST(test_exchange_cram_and_cancel) {
  struct ms_auth a = mk(MS_PROTO_SMTP, MS_SASL_CRAM_MD5, false, false);
  struct ms_auth_line l;
  char err[128] = "";
  ms_auth_first(&a, &l);
  ck_assert_str_eq(l.wire, "AUTH CRAM-MD5");
  ms_auth_line_free(&l);
  ck_assert_int_eq(ms_auth_next(&a, "!!", &l, err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "RFC 4954"));
  ck_assert_int_eq(
      ms_auth_next(&a,
                   "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
                   &l, err, sizeof err),
      1);
  ck_assert_str_eq(l.shown, MS_SECRET_SHOWN);
  ms_auth_line_free(&l);
  /* cancel: "*" answers the first challenge (RFC 4954 §4, RFC 5034 §4) */
  a = mk(MS_PROTO_POP3, MS_SASL_PLAIN, false, true);
  ms_auth_first(&a, &l);
  ck_assert_str_eq(l.wire, "AUTH PLAIN");
  ms_auth_line_free(&l);
  ck_assert_int_eq(ms_auth_next(&a, "", &l, err, sizeof err), 1);
  ck_assert_str_eq(l.wire, "*");
  ms_auth_line_free(&l);
  ck_assert_int_eq(ms_auth_next(&a, "", &l, err, sizeof err), 0);
}
END_TEST

START_TEST(test_challenge_text) {
  ck_assert_str_eq(ms_auth_challenge(MS_PROTO_SMTP, "334 VXNlcm5hbWU6"),
                   "VXNlcm5hbWU6");
  ck_assert_str_eq(ms_auth_challenge(MS_PROTO_SMTP, "334 "), "");
  ck_assert_str_eq(ms_auth_challenge(MS_PROTO_SMTP, "334"), "");
  ck_assert_str_eq(ms_auth_challenge(MS_PROTO_POP3, "+ abc"), "abc");
  ck_assert_str_eq(ms_auth_challenge(MS_PROTO_POP3, "+"), "");
  ck_assert_str_eq(ms_auth_challenge(MS_PROTO_POP3, NULL), "");
}
END_TEST

START_TEST(test_apop_timestamp) {
  char *t = ms_auth_apop_timestamp(
      "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>");
  ck_assert_str_eq(t, "<1896.697170952@dbc.mtview.ca.us>");
  free(t);
  t = ms_auth_apop_timestamp("+OK <not-a-msgid> then <1.2@host> x");
  ck_assert_str_eq(t, "<1.2@host>");
  free(t);
  ck_assert_ptr_null(ms_auth_apop_timestamp("+OK Dovecot ready."));
  ck_assert_ptr_null(ms_auth_apop_timestamp("+OK <a@b"));
  ck_assert_ptr_null(ms_auth_apop_timestamp(NULL));
  ck_assert_str_eq(ms_sasl_mech_name(MS_SASL_CRAM_MD5), "CRAM-MD5");
}
END_TEST

/* ---- loading: auth: and apop: ----------------------------------------- */

static struct ms_transcript *load(const char *yaml, struct ms_diags *d) {
  memset(d, 0, sizeof *d);
  return ms_transcript_parse("t.yaml", yaml, strlen(yaml), d);
}

static const struct ms_step *auth_step(const char *proto, const char *opts,
                                       struct ms_transcript **tp) {
  char yaml[512];
  struct ms_diags d;
  snprintf(yaml, sizeof yaml,
           "protocol: %s\nconvention: rfc5321\nvars: {u: tim, p: x}\nsteps:\n  "
           "- S: %s\n"
           "  - auth: %s\n",
           proto, strcmp(proto, "pop3") ? "220" : "+OK", opts);
  *tp = load(yaml, &d);
  ck_assert_msg(*tp != NULL, "%s: %s", opts, d.n ? d.v[0].msg : "");
  ms_diags_free(&d);
  const struct ms_step *st = &(*tp)->sessions[0].steps[1];
  ck_assert_int_eq(st->kind, MS_STEP_AUTH);
  return st;
}

START_TEST(test_load_auth_defaults) {
  struct ms_transcript *t;
  const struct ms_step *st = auth_step(
      "smtp", "{mechanism: plain, user: \"${u}\", pass: \"${p}\"}", &t);
  ck_assert_int_eq(st->mech, MS_SASL_PLAIN);
  ck_assert(st->initial_response); /* PLAIN: one round trip */
  ck_assert(!st->cancel);
  ck_assert_str_eq(st->user, "${u}"); /* expanded at run time */
  ck_assert_str_eq(st->pass, "${p}");
  ck_assert_str_eq(st->pat.alt[0], "235");
  ck_assert_str_eq(st->lines[0], "235");
  ms_transcript_free(t);
  st = auth_step("smtp", "{mechanism: LOGIN, user: a, pass: b}", &t);
  ck_assert(!st->initial_response);
  ms_transcript_free(t);
  st = auth_step("smtp",
                 "{mechanism: CRAM-MD5, user: a, pass: b, expect: 535, "
                 "timeout: 5}",
                 &t);
  ck_assert_str_eq(st->pat.alt[0], "535");
  ck_assert(st->timeout == 5);
  ms_transcript_free(t);
  st = auth_step("smtp", "{mechanism: PLAIN, cancel: true}", &t);
  ck_assert(st->cancel && !st->initial_response);
  ck_assert_str_eq(st->pat.alt[0], "501"); /* RFC 4954 §4 */
  ms_transcript_free(t);
  st = auth_step("pop3", "{mechanism: PLAIN, cancel: true}", &t);
  ck_assert_str_eq(st->pat.alt[0], "-ERR"); /* RFC 5034 §4 */
  ms_transcript_free(t);
  st = auth_step("pop3", "{mechanism: PLAIN, user: a, pass: b}", &t);
  ck_assert_str_eq(st->pat.alt[0], "+OK");
  ms_transcript_free(t);
}
END_TEST

static void load_fails(const char *yaml, const char *sub) {
  struct ms_diags d;
  struct ms_transcript *t = load(yaml, &d);
  ck_assert_msg(t == NULL, "accepted: %s", yaml);
  bool found = false;
  for (size_t i = 0; i < d.n; i++)
    found |= strstr(d.v[i].msg, sub) != NULL;
  ck_assert_msg(found, "no \"%s\" in: %s", sub, d.n ? d.v[0].msg : "-");
  ms_diags_free(&d);
}

#define SMTP_AUTH(x)                                                           \
  "protocol: smtp\nconvention: rfc5321\nsteps:\n  - S: 220\n  - auth: " x "\n"

START_TEST(test_load_auth_errors) {
  load_fails(SMTP_AUTH("{user: a, pass: b}"), "needs mechanism:");
  load_fails(SMTP_AUTH("{mechanism: GSSAPI, user: a, pass: b}"),
             "unknown mechanism \"GSSAPI\"");
  load_fails(SMTP_AUTH("{mechanism: PLAIN, user: a}"), "needs user: and pass:");
  load_fails(SMTP_AUTH("{mechanism: PLAIN, user: a, password: b}"),
             "unknown option \"password\"");
  load_fails(SMTP_AUTH("{mechanism: CRAM-MD5, user: a, pass: b, "
                       "initial_response: true}"),
             "no initial response");
  load_fails(SMTP_AUTH("{mechanism: PLAIN, cancel: true, initial_response: "
                       "true}"),
             "needs initial_response: false");
  load_fails(SMTP_AUTH("{mechanism: PLAIN, user: a, pass: b, expect: +OK}"),
             "bad SMTP reply pattern");
  load_fails(SMTP_AUTH("PLAIN"), "takes a mapping");
  load_fails(SMTP_AUTH("{mechanism: PLAIN, user: a, pass: \"${nope\"}"), "${");
  load_fails("protocol: smtp\nconvention: rfc5321\nsteps:\n  - S: 220\n  - "
             "apop: {user: a, "
             "secret: b}\n",
             "POP3 command");
  load_fails("protocol: pop3\nconvention: rfc5321\nsteps:\n  - S: +OK\n  - "
             "apop: {user: a}\n",
             "needs user: and secret:");
}
END_TEST

START_TEST(test_load_apop) {
  struct ms_diags d;
  struct ms_transcript *t =
      load("protocol: pop3\nconvention: rfc5321\nsteps:\n  - S: +OK\n  - apop: "
           "{user: mrose, "
           "secret: \"${s}\", expect: -ERR}\n",
           &d);
  ck_assert_msg(t != NULL, "%s", d.n ? d.v[0].msg : "");
  const struct ms_step *st = &t->sessions[0].steps[1];
  ck_assert_int_eq(st->kind, MS_STEP_APOP);
  ck_assert_str_eq(st->user, "mrose");
  ck_assert_str_eq(st->pass, "${s}");
  ck_assert_str_eq(st->pat.alt[0], "-ERR");
  /* ${s} is not defined here: a warning that a suite or -D supplies it */
  bool warned = false;
  for (size_t i = 0; i < d.n; i++)
    warned |= d.v[i].warning && strstr(d.v[i].msg, "${s}") != NULL;
  ck_assert(warned);
  ms_transcript_free(t);
  ms_diags_free(&d);
}
END_TEST

Suite *make_auth_suite(void);
Suite *make_auth_suite(void) {
  Suite *s = suite_create("auth");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_b64_vectors);
  tcase_add_test(tc, test_b64_rejects);
  tcase_add_test(tc, test_plain_message);
  tcase_add_test(tc, test_cram_md5_rfc2195);
  tcase_add_test(tc, test_exchange_plain);
  tcase_add_test(tc, test_exchange_login);
  tcase_add_test(tc, test_exchange_cram_and_cancel);
  tcase_add_test(tc, test_challenge_text);
  tcase_add_test(tc, test_apop_timestamp);
  suite_add_tcase(s, tc);
  TCase *ld = tcase_create("load");
  tcase_add_test(ld, test_load_auth_defaults);
  tcase_add_test(ld, test_load_auth_errors);
  tcase_add_test(ld, test_load_apop);
  suite_add_tcase(s, ld);
  return s;
}
