/* Unit tests for skip_on: / skip_reason: (transcript_skip.c, the judge in
 * engine_judge.c, the engine's stop in engine.c): the loader's checks,
 * the judgement of one reply, and whole transcripts against the
 * reference server. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "mailspec/mailspec.h"
#include "util.h"

static struct ms_transcript *sk_load(const char *yaml, struct ms_diags *d) {
  memset(d, 0, sizeof *d);
  return ms_transcript_parse("t.yaml", yaml, strlen(yaml), d);
}

/* The loader: skip_on: is a pattern, skip_reason: needs it, close takes
 * none; auth: takes both. */
START_TEST(test_skip_load) {
  struct ms_diags d;
  struct ms_transcript *t =
      sk_load("protocol: smtp\nconvention: rfc5321\nsteps:\n"
              "  - S: 220\n  - C: NOOP\n"
              "  - expect: 550\n    skip_on: 250|251\n"
              "    skip_reason: takes anything\n",
              &d);
  ck_assert_msg(t && d.nerrors == 0, "%s", d.n ? d.v[0].msg : "");
  const struct ms_step *st = &t->sessions[0].steps[2];
  ck_assert_int_eq(st->skip_pat.n, 2);
  ck_assert_str_eq(st->skip_why, "takes anything");
  ms_transcript_free(t);
  ms_diags_free(&d);

  static const char *const bad[][2] = {
      {"  - expect: 550\n    skip_reason: why\n", "give skip_on: too"},
      {"  - expect: 550\n    skip_on: 25\n", "skip_on: takes a reply pattern"},
      {"  - expect: close\n    skip_on: 250\n", "expect: close takes no"},
      {"  - expect: 550\n    skip_on: 250\n    skip_reason: [a]\n",
       "skip_reason: takes one line"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *y = xasprintf("protocol: smtp\nconvention: rfc5321\nsteps:\n"
                        "  - S: 220\n  - C: NOOP\n%s",
                        bad[i][0]);
    t = sk_load(y, &d);
    ck_assert_msg(t == NULL && d.nerrors > 0, "accepted: %s", bad[i][0]);
    ck_assert_msg(strstr(d.v[0].msg, bad[i][1]), "%s: got %s", bad[i][1],
                  d.v[0].msg);
    ck_assert_int_gt(d.v[0].line, 0);
    ms_diags_free(&d);
    free(y);
  }
  t = sk_load("protocol: smtp\nconvention: rfc5321\nsteps:\n  - S: 220\n"
              "  - auth: {mechanism: PLAIN, user: u, pass: p, expect: 534,\n"
              "           skip_on: 235, skip_reason: no policy}\n",
              &d);
  ck_assert_msg(t && d.nerrors == 0, "%s", d.n ? d.v[0].msg : "");
  ck_assert_int_eq(t->sessions[0].steps[1].skip_pat.n, 1);
  ms_transcript_free(t);
  ms_diags_free(&d);
  /* starttls: and apop: know no skip_on: */
  t = sk_load("protocol: smtp\nconvention: rfc5321\nsteps:\n  - S: 220\n"
              "  - starttls: {skip_on: 454}\n",
              &d);
  ck_assert(t == NULL && d.nerrors > 0);
  ms_diags_free(&d);
}
END_TEST

static void sk_judge(const struct ms_step *st, int code, unsigned viol,
                     struct ms_transcript_result *tr,
                     struct ms_step_result **r) {
  struct ms_reply rep;
  memset(&rep, 0, sizeof rep);
  char text[16];
  snprintf(text, sizeof text, "%d x", code);
  rep.code = code;
  rep.violations = viol;
  rep.nlines = 1;
  rep.lines = xcalloc(1, sizeof *rep.lines);
  rep.lens = xcalloc(1, sizeof *rep.lens);
  rep.lines[0] = xstrdup(text);
  rep.lens[0] = strlen(text);
  memset(tr, 0, sizeof *tr);
  *r = ms_tr_add_step(tr);
  ms_engine_judge(st, MS_PROTO_SMTP, &rep, *r);
  ms_reply_free(&rep);
}

/* expect: wins; skip_on: only for a reply expect: does not take; a
 * malformed reply is a FAIL whatever skip_on: says. */
START_TEST(test_skip_judge) {
  struct ms_step st;
  char err[64];
  memset(&st, 0, sizeof st);
  ck_assert_int_eq(
      ms_pattern_parse(&st.pat, MS_PROTO_SMTP, "550|2xx", err, sizeof err), 0);
  ck_assert_int_eq(
      ms_pattern_parse(&st.skip_pat, MS_PROTO_SMTP, "250", err, sizeof err), 0);
  struct ms_transcript_result tr;
  struct ms_step_result *r;
  sk_judge(&st, 250, 0, &tr, &r); /* expect: takes it first */
  ck_assert_int_eq(r->verdict, MS_PASS);
  ms_transcript_result_free(&tr);
  memset(&st.pat, 0, sizeof st.pat);
  ms_pattern_parse(&st.pat, MS_PROTO_SMTP, "550", err, sizeof err);
  sk_judge(&st, 250, 0, &tr, &r);
  ck_assert_int_eq(r->verdict, MS_SKIP);
  ck_assert_str_eq(r->reason, "the server answered 250: the set-up this test "
                              "presupposes is absent (skip_on)");
  ms_transcript_result_free(&tr);
  st.skip_why = (char *)(uintptr_t) "it takes every sender";
  sk_judge(&st, 250, 0, &tr, &r);
  ck_assert_str_eq(r->reason, "the server answered 250: it takes every sender");
  ms_transcript_result_free(&tr);
  sk_judge(&st, 553, 0, &tr, &r);
  ck_assert_int_eq(r->verdict, MS_FAIL);
  ck_assert_str_eq(r->reason, "expected 550, got 553");
  ms_transcript_result_free(&tr);
  sk_judge(&st, 250, MS_V_BARE_LF, &tr, &r);
  ck_assert_int_eq(r->verdict, MS_FAIL);
  ms_transcript_result_free(&tr);
}
END_TEST

static void sk_run(const char *yaml, struct ms_transcript_result *out) {
  struct ms_diags d;
  struct ms_transcript *t = sk_load(yaml, &d);
  ck_assert_msg(t && d.nerrors == 0, "%s", d.n ? d.v[0].msg : "");
  char err[256] = "";
  struct ms_world *w = ms_world_builtin();
  struct ms_server_opts so = {
      .protocol = MS_PROTO_SMTP, .profile = MS_PROFILE_RFC5321, .world = w};
  struct ms_server *s = ms_server_start(&so, "127.0.0.1:0", err, sizeof err);
  ck_assert_msg(s != NULL, "%s", err);
  struct ms_engine_opts o;
  ms_engine_opts_init(&o);
  o.timeout = 10;
  memset(out, 0, sizeof *out);
  ms_engine_run_transcript(&o, t, ms_server_host(s), ms_server_port(s), out);
  ms_server_stop(s);
  ms_world_free(w);
  ms_transcript_free(t);
  ms_diags_free(&d);
}

/* A reply matching skip_on: makes the transcript a SKIP and stops the
 * session; a FAIL before it still fails the transcript. */
START_TEST(test_skip_run) {
  static const char yaml[] = "protocol: smtp\nconvention: rfc5321\nsteps:\n"
                             "  - S: 220\n  - C: EHLO x\n  - S: 250\n"
                             "  - C: MAIL FROM:<a@example.org>\n"
                             "  - expect: 550\n    skip_on: 250\n"
                             "    skip_reason: any sender goes\n"
                             "  - C: RCPT TO:<Jones@BBN-UNIX.ARPA>\n"
                             "  - S: 550\n";
  struct ms_transcript_result out;
  sk_run(yaml, &out);
  ck_assert_int_eq(out.verdict, MS_SKIP);
  ck_assert_str_eq(out.reason, "the server answered 250: any sender goes");
  ck_assert_uint_eq(out.nsteps, 3); /* the RCPT step never ran */
  ck_assert_int_eq(out.steps[2].verdict, MS_SKIP);
  ms_transcript_result_free(&out);
  static const char failed[] = "protocol: smtp\nconvention: rfc5321\nsteps:\n"
                               "  - S: 220\n  - C: NOOP\n  - S: 550\n"
                               "  - C: NOOP\n"
                               "  - expect: 550\n    skip_on: 250\n";
  sk_run(failed, &out);
  ck_assert_int_eq(out.verdict, MS_FAIL);
  ms_transcript_result_free(&out);
  /* no later session runs either: its 550 would FAIL */
  static const char two[] = "protocol: smtp\nconvention: rfc5321\n"
                            "sessions:\n"
                            "  - steps:\n      - S: 220\n      - C: NOOP\n"
                            "      - expect: 550\n        skip_on: 250\n"
                            "  - steps:\n      - S: 220\n      - C: NOOP\n"
                            "      - S: 550\n";
  sk_run(two, &out);
  ck_assert_int_eq(out.verdict, MS_SKIP);
  ck_assert_uint_eq(out.nsteps, 2);
  ms_transcript_result_free(&out);
}
END_TEST

Suite *make_skip_on_suite(void);
Suite *make_skip_on_suite(void) {
  Suite *s = suite_create("skip_on");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_skip_load);
  tcase_add_test(tc, test_skip_judge);
  tcase_add_test(tc, test_skip_run);
  suite_add_tcase(s, tc);
  return s;
}
