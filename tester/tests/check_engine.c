/* Unit tests for the engine: the pure judging functions on hand-built
 * replies (engine_judge.c), the requires: check (engine_probe.c), and
 * whole transcripts against the reference server on loopback (a real
 * server on a real socket, started in-process). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "mailspec/mailspec.h"
#include "util.h"

static struct ms_step ce_expect(enum ms_protocol p, const char *pat) {
  struct ms_step s;
  char err[128];
  memset(&s, 0, sizeof s);
  s.kind = MS_STEP_EXPECT;
  s.line = 7;
  ck_assert_int_eq(ms_pattern_parse(&s.pat, p, pat, err, sizeof err), 0);
  return s;
}

/* A reply as the reader would deliver it. */
static struct ms_reply ce_reply(int code, unsigned violations, size_t n,
                                const char *const *lines) {
  struct ms_reply r;
  memset(&r, 0, sizeof r);
  r.code = code;
  r.violations = violations;
  r.nlines = n;
  r.multiline = n > 1;
  r.lines = xcalloc(n, sizeof *r.lines);
  r.lens = xcalloc(n, sizeof *r.lens);
  for (size_t i = 0; i < n; i++) {
    r.lines[i] = xstrdup(lines[i]);
    r.lens[i] = strlen(lines[i]);
  }
  return r;
}

struct ce_judged {
  struct ms_transcript_result t; /* owns the step result */
  struct ms_step_result *s;
};

static void ce_judge(struct ce_judged *j, const struct ms_step *st,
                     enum ms_protocol p, struct ms_reply *r) {
  memset(&j->t, 0, sizeof j->t);
  j->s = ms_tr_add_step(&j->t);
  ms_engine_judge(st, p, r, j->s);
  ms_reply_free(r);
}

static void ce_free(struct ce_judged *j) {
  ms_transcript_result_free(&j->t);
}

START_TEST(test_judge_code_match) {
  struct ms_step st = ce_expect(MS_PROTO_SMTP, "250");
  const char *l[] = {"250 2.1.5 Ok"};
  struct ms_reply r = ce_reply(250, 0, 1, l);
  struct ce_judged j;
  ce_judge(&j, &st, MS_PROTO_SMTP, &r);
  ck_assert_int_eq(j.s->verdict, MS_PASS);
  ck_assert_ptr_null(j.s->reason);
  ck_assert_int_eq(j.s->code, 250);
  ck_assert_str_eq(j.s->got, "250 2.1.5 Ok");
  ck_assert_str_eq(j.s->expected, "250"); /* no lines: the pattern */
  ck_assert_uint_eq(j.s->nfindings, 0);
  ce_free(&j);
}
END_TEST

/* RFC 821 §4.2: the code decides, the text is not compared. */
START_TEST(test_judge_text_not_compared) {
  struct ms_step st = ce_expect(MS_PROTO_SMTP, "550");
  char *lines[] = {(char *)(uintptr_t) "550 No such user here"};
  st.lines = lines;
  st.nlines = 1;
  const char *l[] = {"550 5.1.1 <Green>: Recipient address rejected"};
  struct ms_reply r = ce_reply(550, 0, 1, l);
  struct ce_judged j;
  ce_judge(&j, &st, MS_PROTO_SMTP, &r);
  ck_assert_int_eq(j.s->verdict, MS_PASS);
  ck_assert_str_eq(j.s->expected, "550 No such user here");
  ce_free(&j);
}
END_TEST

START_TEST(test_judge_code_mismatch) {
  struct ms_step st = ce_expect(MS_PROTO_SMTP, "550");
  const char *l[] = {"250 2.1.5 Ok"};
  struct ms_reply r = ce_reply(250, 0, 1, l);
  struct ce_judged j;
  ce_judge(&j, &st, MS_PROTO_SMTP, &r);
  ck_assert_int_eq(j.s->verdict, MS_FAIL);
  ck_assert_str_eq(j.s->reason, "expected 550, got 250");
  ck_assert_int_eq(j.s->code, 250);
  ce_free(&j);
}
END_TEST

START_TEST(test_judge_patterns) {
  struct {
    const char *pat;
    int code;
    bool pass;
  } cases[] = {{"2xx", 221, true},     {"2xx", 354, false},
               {"25x", 251, true},     {"25x", 261, false},
               {"250|251", 251, true}, {"250|251", 252, false},
               {"5xx", 0, false}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct ms_step st = ce_expect(MS_PROTO_SMTP, cases[i].pat);
    const char *l[] = {"xyz"};
    struct ms_reply r = ce_reply(cases[i].code, 0, 1, l);
    struct ce_judged j;
    ce_judge(&j, &st, MS_PROTO_SMTP, &r);
    ck_assert_msg((j.s->verdict == MS_PASS) == cases[i].pass, "%s vs %d",
                  cases[i].pat, cases[i].code);
    ce_free(&j);
  }
  /* No readable code: said so. */
  struct ms_step st = ce_expect(MS_PROTO_SMTP, "2xx");
  const char *l[] = {"hello"};
  struct ms_reply r = ce_reply(0, MS_V_BAD_CODE, 1, l);
  struct ce_judged j;
  ce_judge(&j, &st, MS_PROTO_SMTP, &r);
  ck_assert_str_eq(j.s->reason, "expected 2xx, got no reply code");
  ce_free(&j);
}
END_TEST

/* A single expected 250 accepts a multi-line 250 (EHLO). */
START_TEST(test_judge_multiline_accepted) {
  struct ms_step st = ce_expect(MS_PROTO_SMTP, "250");
  const char *l[] = {"250-mx.example.test", "250-PIPELINING", "250 SIZE"};
  struct ms_reply r = ce_reply(250, 0, 3, l);
  struct ce_judged j;
  ce_judge(&j, &st, MS_PROTO_SMTP, &r);
  ck_assert_int_eq(j.s->verdict, MS_PASS);
  ck_assert_str_eq(j.s->got, "250-mx.example.test\n250-PIPELINING\n250 SIZE");
  ce_free(&j);
}
END_TEST

/* Strict reading: a violation fails the step although the code matches,
 * and each violation is a finding of its own. */
START_TEST(test_judge_violations_fail) {
  struct ms_step st = ce_expect(MS_PROTO_SMTP, "250");
  const char *l[] = {"250-a", "251 b"};
  struct ms_reply r = ce_reply(251, MS_V_BARE_LF | MS_V_CODE_MISMATCH, 2, l);
  struct ce_judged j;
  ce_judge(&j, &st, MS_PROTO_SMTP, &r);
  ck_assert_int_eq(j.s->verdict, MS_FAIL);
  ck_assert_str_eq(j.s->reason, "expected 250, got 251"); /* first problem */
  ck_assert_uint_eq(j.s->nfindings, 2);
  ck_assert_uint_eq(j.s->findings[0].violation, MS_V_BARE_LF);
  ck_assert_uint_eq(j.s->findings[1].violation, MS_V_CODE_MISMATCH);
  ck_assert_str_eq(j.s->findings[0].what, ms_violation_text(MS_V_BARE_LF));
  ce_free(&j);

  st = ce_expect(MS_PROTO_SMTP, "250");
  const char *l2[] = {"250 ok"};
  r = ce_reply(250, MS_V_LONG_LINE, 1, l2);
  ce_judge(&j, &st, MS_PROTO_SMTP, &r);
  ck_assert_int_eq(j.s->verdict, MS_FAIL);
  ck_assert_str_eq(j.s->reason, ms_violation_text(MS_V_LONG_LINE));
  ck_assert_uint_eq(j.s->nfindings, 1);
  ce_free(&j);
}
END_TEST

START_TEST(test_judge_text_re) {
  struct ms_step st = ce_expect(MS_PROTO_SMTP, "250");
  st.text_re = (char *)(uintptr_t) "^250[ -]AUTH( [A-Z0-9_-]+)+$";
  const char *l[] = {"250-mx", "250-AUTH PLAIN LOGIN", "250 SIZE"};
  struct ms_reply r = ce_reply(250, 0, 3, l);
  struct ce_judged j;
  ce_judge(&j, &st, MS_PROTO_SMTP, &r);
  ck_assert_int_eq(j.s->verdict, MS_PASS); /* ^/$ anchor at each line */
  ce_free(&j);

  const char *l2[] = {"250-mx", "250 SIZE"};
  r = ce_reply(250, 0, 2, l2);
  ce_judge(&j, &st, MS_PROTO_SMTP, &r);
  ck_assert_int_eq(j.s->verdict, MS_FAIL);
  ck_assert_ptr_nonnull(strstr(j.s->reason, "does not match"));
  ce_free(&j);

  st.text_re = (char *)(uintptr_t) "(unclosed";
  const char *l3[] = {"250 ok"};
  r = ce_reply(250, 0, 1, l3);
  ce_judge(&j, &st, MS_PROTO_SMTP, &r);
  ck_assert_int_eq(j.s->verdict, MS_ERROR);
  ck_assert_ptr_nonnull(strstr(j.s->reason, "bad text regex"));
  ce_free(&j);
}
END_TEST

START_TEST(test_judge_pop3) {
  struct ms_step st = ce_expect(MS_PROTO_POP3, "+OK");
  const char *l[] = {"-ERR no such message"};
  struct ms_reply r = ce_reply(MS_POP3_ERR, 0, 1, l);
  struct ce_judged j;
  ce_judge(&j, &st, MS_PROTO_POP3, &r);
  ck_assert_int_eq(j.s->verdict, MS_FAIL);
  ck_assert_str_eq(j.s->reason, "expected +OK, got -ERR");
  ce_free(&j);

  st.text_re = (char *)(uintptr_t) "^\\+OK 2 320$";
  const char *l2[] = {"+OK 2 320"};
  r = ce_reply(MS_POP3_OK, 0, 1, l2);
  ce_judge(&j, &st, MS_PROTO_POP3, &r);
  ck_assert_int_eq(j.s->verdict, MS_PASS);
  ce_free(&j);
}
END_TEST

START_TEST(test_flag) {
  struct ms_transcript_result t;
  memset(&t, 0, sizeof t);
  struct ms_step_result *s = ms_tr_add_step(&t);
  s->verdict = MS_PASS;
  ms_engine_flag(s, MS_V_TRAILING, "'250 extra'");
  ck_assert_int_eq(s->verdict, MS_FAIL);
  ck_assert_uint_eq(s->nfindings, 1);
  ck_assert_uint_eq(s->findings[0].violation, MS_V_TRAILING);
  ck_assert_ptr_nonnull(strstr(s->reason, "'250 extra'"));
  ck_assert_ptr_nonnull(strstr(s->reason, ms_violation_text(MS_V_TRAILING)));
  /* A step that already failed keeps its first reason. */
  char *first = xstrdup(s->reason);
  ms_engine_flag(s, MS_V_EARLY_CLOSE, NULL);
  ck_assert_str_eq(s->reason, first);
  ck_assert_uint_eq(s->nfindings, 2);
  ck_assert_str_eq(s->findings[1].what, ms_violation_text(MS_V_EARLY_CLOSE));
  free(first);
  ms_transcript_result_free(&t);
}
END_TEST

START_TEST(test_code_text_and_expected) {
  char buf[16];
  ck_assert_str_eq(ms_engine_code_text(MS_PROTO_SMTP, 354, buf, sizeof buf),
                   "354");
  ck_assert_str_eq(
      ms_engine_code_text(MS_PROTO_POP3, MS_POP3_OK, buf, sizeof buf), "+OK");
  ck_assert_str_eq(
      ms_engine_code_text(MS_PROTO_POP3, MS_POP3_ERR, buf, sizeof buf), "-ERR");
  ck_assert_str_eq(ms_engine_code_text(MS_PROTO_SMTP, 0, buf, sizeof buf),
                   "no reply code");
  struct ms_step st = ce_expect(MS_PROTO_SMTP, "250");
  char *lines[] = {(char *)(uintptr_t) "250-a", (char *)(uintptr_t) "250 b"};
  st.lines = lines;
  st.nlines = 2;
  char *e = ms_engine_expected_text(&st);
  ck_assert_str_eq(e, "250-a\n250 b");
  free(e);
}
END_TEST

START_TEST(test_requires_unmet) {
  struct ms_transcript t;
  memset(&t, 0, sizeof t);
  char *req[] = {(char *)(uintptr_t) "PIPELINING",
                 (char *)(uintptr_t) "AUTH PLAIN"};
  t.requires = req;
  t.nrequires = 2;
  t.protocol = MS_PROTO_SMTP;
  struct ms_probe p;
  memset(&p, 0, sizeof p);
  const char *l[] = {"250-mx", "250-PIPELINING", "250 AUTH LOGIN PLAIN"};
  p.reply = ce_reply(250, 0, 3, l);
  char *why = ms_engine_requires_unmet(&t, &p);
  ck_assert_ptr_null(why);
  ms_reply_free(&p.reply);

  const char *l2[] = {"250-mx", "250 AUTH LOGIN"};
  p.reply = ce_reply(250, 0, 2, l2);
  why = ms_engine_requires_unmet(&t, &p);
  ck_assert_str_eq(why, "server does not advertise PIPELINING");
  free(why);
  ms_reply_free(&p.reply);

  /* An RFC 821 server: EHLO answered 500. */
  const char *l3[] = {"500 Command unrecognized"};
  p.reply = ce_reply(500, 0, 1, l3);
  why = ms_engine_requires_unmet(&t, &p);
  ck_assert_str_eq(why, "server does not advertise PIPELINING (EHLO "
                        "answered 500)");
  free(why);
  ms_reply_free(&p.reply);
}
END_TEST

START_TEST(test_fallback_id) {
  char *id = ms_transcript_default_id("transcripts/smtp/helo.yaml");
  ck_assert_str_eq(id, "smtp/helo");
  free(id);
  id = ms_transcript_default_id("/tmp/x.yml");
  ck_assert_str_eq(id, "/tmp/x");
  free(id);
  /* Issue 16: "mytranscripts/" is not a transcripts/ directory (a failed
   * load used to give "a", a run "x/mytranscripts/a"). */
  id = ms_transcript_default_id("x/mytranscripts/a.yaml");
  ck_assert_str_eq(id, "x/mytranscripts/a");
  free(id);
  id = ms_transcript_default_id("./transcripts/a/transcripts/b.yaml");
  ck_assert_str_eq(id, "b");
  free(id);
}
END_TEST

/* ---- whole transcripts against the reference server ------------------ */

struct ce_srv {
  struct ms_world *w;
  struct ms_server *s;
};

static void ce_srv_start(struct ce_srv *c) {
  char err[256] = "";
  c->w = ms_world_builtin();
  struct ms_server_opts so = {
      .protocol = MS_PROTO_SMTP, .profile = MS_PROFILE_RFC5321, .world = c->w};
  c->s = ms_server_start(&so, "127.0.0.1:0", err, sizeof err);
  ck_assert_msg(c->s != NULL, "reference server: %s", err);
}

static void ce_srv_stop(struct ce_srv *c) {
  ms_server_stop(c->s);
  ms_world_free(c->w);
}

static void ce_run(const char *yaml, double timeout,
                   struct ms_transcript_result *out) {
  struct ms_diags d = {0};
  struct ms_transcript *t =
      ms_transcript_parse("test.yaml", yaml, strlen(yaml), &d);
  ck_assert_msg(t != NULL && d.nerrors == 0, "transcript: %s",
                d.n ? d.v[0].msg : "?");
  struct ce_srv srv;
  ce_srv_start(&srv);
  struct ms_engine_opts o;
  ms_engine_opts_init(&o);
  o.timeout = timeout;
  memset(out, 0, sizeof *out);
  ms_engine_run_transcript(&o, t, ms_server_host(srv.s), ms_server_port(srv.s),
                           out);
  ce_srv_stop(&srv);
  ms_transcript_free(t);
  ms_diags_free(&d);
}

static const char ce_mail[] = "title: one message\n"
                              "protocol: smtp\n"
                              "convention: rfc5321\n"
                              "steps:\n"
                              "  - S: 220\n"
                              "  - C: EHLO client.example\n"
                              "  - S: 250\n"
                              "  - C: MAIL FROM:<a@client.example>\n"
                              "  - S: 250\n"
                              "  - C: RCPT TO:<Jones@BBN-UNIX.ARPA>\n"
                              "  - S: 250\n"
                              "  - C: RCPT TO:<Green@BBN-UNIX.ARPA>\n"
                              "  - S: 250\n"
                              "  - C: DATA\n"
                              "  - S: 354\n"
                              "  - data: |\n"
                              "      Subject: x\n"
                              "\n"
                              "      .leading dot\n"
                              "  - S: 250\n"
                              "  - C: QUIT\n"
                              "  - S: 221\n"
                              "  - expect: close\n";

START_TEST(test_run_against_reference) {
  struct ms_transcript_result out;
  ce_run(ce_mail, 10, &out);
  /* One step result per EXPECT/CLOSE: 9 of them, in order. */
  ck_assert_uint_eq(out.nsteps, 9);
  ck_assert_ptr_nonnull(out.greeting);
  ck_assert_ptr_nonnull(strstr(out.greeting, "220"));
  ck_assert_str_eq(out.steps[0].expected, "220");
  ck_assert_ptr_null(out.steps[0].sent); /* the greeting */
  ck_assert_str_eq(out.steps[1].sent, "EHLO client.example");
  ck_assert_str_eq(out.steps[5].sent, "DATA");
  ck_assert_int_eq(out.steps[5].code, 354);
  ck_assert_str_eq(out.steps[6].sent, "."); /* the end of the data */
  ck_assert_int_eq(out.steps[6].code, 250);
  ck_assert_str_eq(out.steps[7].sent, "QUIT");
  ck_assert_int_eq(out.steps[8].verdict, MS_PASS); /* closed after 221 */
  /* The reference server refuses Green (RFC 821 Scenario 1): a FAIL
   * whose diff names the command, and the session went on after it. */
  ck_assert_int_eq(out.steps[4].verdict, MS_FAIL);
  ck_assert_str_eq(out.steps[4].sent, "RCPT TO:<Green@BBN-UNIX.ARPA>");
  ck_assert_int_eq(out.steps[4].code, 550);
  ck_assert_int_eq(out.verdict, MS_FAIL);
  ck_assert_str_eq(out.reason, "expected 250, got 550");
  for (size_t i = 0; i < out.nsteps; i++)
    if (i != 4)
      ck_assert_msg(out.steps[i].verdict == MS_PASS, "step %zu: %s", i,
                    out.steps[i].reason);
  ms_transcript_result_free(&out);
}
END_TEST

/* run's text-only modes: a PASS sheds its steps (drop_passed_steps), and
 * with -q its id and title too (drop_passed_meta); a FAIL keeps all. */
static char *ce_file(const char *yaml) {
  char tmpl[] = "/tmp/check_engine_drop.XXXXXX";
  int fd = mkstemp(tmpl);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
  close(fd);
  return xstrdup(tmpl);
}

static void ce_plan_run(bool meta, struct ms_run_result *res, char **files) {
  static const char pass[] = "protocol: smtp\nlevel: SHOULD\nscript: |\n"
                             "  S: 220\n  C: NOOP\n  S: 250\n";
  files[0] = ce_file(pass);
  files[1] = ce_file(ce_mail); /* FAILs at Green */
  struct ms_plan plan = {0};
  plan.n = 2;
  plan.items = xcalloc(2, sizeof *plan.items);
  for (size_t i = 0; i < 2; i++) {
    plan.items[i].path = files[i];
    plan.items[i].index = i;
  }
  struct ms_engine_opts o;
  ms_engine_opts_init(&o);
  o.target.builtin = true;
  o.timeout = 10;
  o.drop_passed_steps = true;
  o.drop_passed_meta = meta;
  ms_run_init(res);
  ms_engine_run_plan(&o, &plan, res);
  free(plan.items);
}

START_TEST(test_run_drop_passed) {
  for (int meta = 0; meta < 2; meta++) {
    struct ms_run_result res;
    char *files[2];
    ce_plan_run(meta, &res, files);
    ck_assert_uint_eq(res.n, 2);
    const struct ms_transcript_result *p = &res.v[0], *f = &res.v[1];
    ck_assert_int_eq(p->verdict, MS_PASS);
    ck_assert_int_eq(p->level, MS_LEVEL_SHOULD);
    ck_assert_uint_eq(p->nsteps, 0);
    ck_assert_ptr_null(p->steps);
    if (meta)
      ck_assert_ptr_null(p->id);
    else
      ck_assert_ptr_nonnull(p->id);
    ck_assert_int_eq(f->verdict, MS_FAIL);
    ck_assert_uint_eq(f->nsteps, 9);
    ck_assert_ptr_nonnull(f->id);
    ck_assert_ptr_nonnull(f->title);
    ck_assert_uint_eq(res.counts[MS_PASS], 1);
    ck_assert_uint_eq(res.counts[MS_FAIL], 1);
    ms_run_free(&res);
    for (size_t i = 0; i < 2; i++) {
      unlink(files[i]);
      free(files[i]);
    }
  }
}
END_TEST

/* A capture gap (kept by import --allow-gaps) is a no-op in the walk:
 * nothing is sent for it and it yields no step result. */
START_TEST(test_run_gap_noop) {
  static const char yaml[] =
      "title: gap\n"
      "protocol: smtp\n"
      "convention: rfc5321\n"
      "steps:\n"
      "  - S: 220\n"
      "  - C: \"<gap: 9 bytes sent by the client are missing, frame 3>\"\n"
      "  - C: QUIT\n"
      "  - S: 221\n";
  struct ms_transcript_result out;
  ce_run(yaml, 10, &out);
  ck_assert_int_eq(out.verdict, MS_PASS);
  ck_assert_uint_eq(out.nsteps, 2);
  ck_assert_str_eq(out.steps[1].sent, "QUIT");
  ck_assert_int_eq(out.steps[1].code, 221);
  ms_transcript_result_free(&out);
}
END_TEST

/* capture: stores a reply's text for later client lines and regexes;
 * the reference server greets "220 BBN-UNIX.ARPA ...". */
START_TEST(test_run_capture) {
  static const char yaml[] = "title: capture\n"
                             "protocol: smtp\n"
                             "convention: rfc5321\n"
                             "steps:\n"
                             "  - expect: 220\n"
                             "    capture: {host: '^220 ([^ ]+)'}\n"
                             "  - C: NOOP ${host}\n"
                             "  - expect: 250\n"
                             "    not_text: '${host}'\n" /* "250 2.0.0 OK" */
                             "  - C: QUIT\n"
                             "  - expect: 221\n"
                             "    text: '^221 (.* )?${host} '\n";
  struct ms_transcript_result out;
  ce_run(yaml, 10, &out);
  ck_assert_int_eq(out.verdict, MS_PASS);
  ck_assert_uint_eq(out.nsteps, 3);
  ck_assert_str_eq(out.steps[1].sent, "NOOP BBN-UNIX.ARPA");
  ms_transcript_result_free(&out);
  /* the captured dot is a literal dot: "BBN-UNIX.ARPA" != "BBN-UNIXxARPA" */
  static const char lit[] = "title: capture\n"
                            "protocol: smtp\n"
                            "convention: rfc5321\n"
                            "steps:\n"
                            "  - expect: 220\n"
                            "    capture: {h: '^220 BBN-UNIX(.)ARPA'}\n"
                            "  - C: NOOP BBN-UNIXxARPA\n"
                            "  - S: 250\n"
                            "  - C: QUIT\n"
                            "  - expect: 221\n"
                            "    text: 'BBN-UNIX${h}ARPA'\n";
  ce_run(lit, 10, &out);
  ck_assert_int_eq(out.verdict, MS_PASS);
  ms_transcript_result_free(&out);
}
END_TEST

/* A capture: that does not match FAILs its step; a later line using the
 * variable is an ERROR that says why, and the session stops there. */
START_TEST(test_run_capture_unmatched) {
  static const char yaml[] = "title: capture\n"
                             "protocol: smtp\n"
                             "convention: rfc5321\n"
                             "steps:\n"
                             "  - expect: 220\n"
                             "    capture: {id: '^220 <([0-9]+)>'}\n"
                             "  - C: NOOP ${id}\n"
                             "  - S: 250\n";
  struct ms_transcript_result out;
  ce_run(yaml, 10, &out);
  ck_assert_uint_eq(out.nsteps, 2);
  ck_assert_int_eq(out.steps[0].verdict, MS_FAIL);
  ck_assert_ptr_nonnull(strstr(out.steps[0].reason, "capture: id:"));
  ck_assert_int_eq(out.steps[1].verdict, MS_ERROR);
  ck_assert_ptr_nonnull(strstr(out.steps[1].reason, "test.yaml:7:"));
  ck_assert_ptr_nonnull(strstr(out.steps[1].reason, "${id} has no value"));
  ms_transcript_result_free(&out);
}
END_TEST

/* at_most:/at_least: compare a number of the reply with a captured one
 * (the reference server's EHLO lists "SIZE 10485760"); a name never
 * captured is an ERROR. */
START_TEST(test_run_compare) {
  static const char yaml[] =
      "title: compare\n"
      "protocol: smtp\n"
      "convention: rfc5321\n"
      "steps:\n"
      "  - S: 220\n"
      "  - C: EHLO x\n"
      "  - expect: 250\n"
      "    capture: {max: '^250[- ]SIZE ([0-9]+)', "
      "eight: '^250[- ](8)BITMIME'}\n"
      "  - C: EHLO x\n"
      "  - expect: 250\n"
      "    at_most: {max: '^250[- ]SIZE ([0-9]+)'}\n"
      "    at_least: {max: '^250[- ]SIZE ([0-9]+)', "
      "eight: '^250[- ]SIZE ([0-9]+)'}\n"
      "  - C: EHLO x\n"
      "  - expect: 250\n"
      "    at_most: {eight: '^250[- ]SIZE ([0-9]+)'}\n"
      "  - C: EHLO x\n"
      "  - expect: 250\n"
      "    at_least: {nothing: '^250[- ]SIZE ([0-9]+)'}\n";
  struct ms_transcript_result out;
  ce_run(yaml, 10, &out);
  ck_assert_uint_eq(out.nsteps, 5);
  ck_assert_int_eq(out.steps[2].verdict, MS_PASS);
  ck_assert_int_eq(out.steps[3].verdict, MS_FAIL);
  ck_assert_ptr_nonnull(
      strstr(out.steps[3].reason, "10485760 is greater than ${eight} (8)"));
  ck_assert_int_eq(out.steps[4].verdict, MS_ERROR);
  ck_assert_ptr_nonnull(strstr(out.steps[4].reason, "${nothing} has no value"));
  ms_transcript_result_free(&out);
}
END_TEST

/* Client lines without an expectation between them go out in one batch;
 * the replies are then taken one per EXPECT, in order. */
START_TEST(test_run_batched) {
  static const char yaml[] = "title: batch\n"
                             "protocol: smtp\n"
                             "convention: rfc5321\n"
                             "pipelining: true\n"
                             "steps:\n"
                             "  - S: 220\n"
                             "  - C: EHLO client.example\n"
                             "  - S: 250\n"
                             "  - C: NOOP\n"
                             "  - C: RSET\n"
                             "  - C: FROB\n"
                             "  - S: 250\n"
                             "  - S: 250\n"
                             "  - S: 5xx\n"
                             "  - raw: \"RSET\\r\\nNO\"\n"
                             "  - raw: \"OP\\r\\n\"\n"
                             "  - S: 250\n"
                             "  - S: 250\n"
                             "  - C: QUIT\n"
                             "  - S: 221\n";
  struct ms_transcript_result out;
  ce_run(yaml, 10, &out);
  ck_assert_uint_eq(out.nsteps, 8);
  ck_assert_str_eq(out.steps[2].sent, "NOOP");
  ck_assert_str_eq(out.steps[3].sent, "RSET");
  ck_assert_str_eq(out.steps[4].sent, "FROB");
  ck_assert_int_eq(out.steps[4].code / 100, 5);
  /* Raw bytes: each complete line is a command, wherever it is split. */
  ck_assert_str_eq(out.steps[5].sent, "RSET");
  ck_assert_str_eq(out.steps[6].sent, "NOOP");
  ck_assert_str_eq(out.steps[7].sent, "QUIT");
  for (size_t i = 0; i < out.nsteps; i++)
    ck_assert_msg(out.steps[i].verdict == MS_PASS, "step %zu: %s", i,
                  out.steps[i].reason);
  ck_assert_int_eq(out.verdict, MS_PASS);
  ms_transcript_result_free(&out);
}
END_TEST

/* The server closes after QUIT: an EXPECT after that is a FAIL with the
 * early-close finding, not an ERROR. */
START_TEST(test_run_early_close) {
  static const char yaml[] = "title: close\n"
                             "protocol: smtp\n"
                             "convention: rfc5321\n"
                             "steps:\n"
                             "  - S: 220\n"
                             "  - C: QUIT\n"
                             "  - S: 221\n"
                             "  - C: NOOP\n"
                             "  - S: 250\n";
  struct ms_transcript_result out;
  ce_run(yaml, 10, &out);
  ck_assert_uint_eq(out.nsteps, 3);
  ck_assert_int_eq(out.steps[2].verdict, MS_FAIL);
  ck_assert_uint_eq(out.steps[2].nfindings, 1);
  ck_assert_uint_eq(out.steps[2].findings[0].violation, MS_V_EARLY_CLOSE);
  ck_assert_int_eq(out.verdict, MS_FAIL);
  ms_transcript_result_free(&out);
}
END_TEST

/* Nothing listens: an ERROR that names the target, no step judged. */
START_TEST(test_run_refused) {
  static const char yaml[] = "title: refused\n"
                             "protocol: smtp\n"
                             "script: |\n"
                             "  R: 220 x\n"
                             "  S: QUIT\n"
                             "  R: 221 bye\n";
  struct ms_diags d = {0};
  struct ms_transcript *t =
      ms_transcript_parse("r.yaml", yaml, strlen(yaml), &d);
  ck_assert_ptr_nonnull(t);
  /* A port just released by a server is (almost surely) closed now. */
  struct ce_srv srv;
  ce_srv_start(&srv);
  char *port = xstrdup(ms_server_port(srv.s));
  ce_srv_stop(&srv);
  struct ms_engine_opts o;
  ms_engine_opts_init(&o);
  o.timeout = 5;
  struct ms_transcript_result out;
  memset(&out, 0, sizeof out);
  ms_engine_run_transcript(&o, t, "127.0.0.1", port, &out);
  ck_assert_int_eq(out.verdict, MS_ERROR);
  ck_assert_ptr_nonnull(strstr(out.reason, "cannot connect to 127.0.0.1:"));
  ck_assert_uint_eq(out.nsteps, 1);
  ck_assert_int_eq(out.steps[0].verdict, MS_ERROR);
  ms_transcript_result_free(&out);
  ms_transcript_free(t);
  ms_diags_free(&d);
  free(port);
}
END_TEST

/* An unknown variable is an ERROR before any traffic, with file:line. */
START_TEST(test_run_unknown_var) {
  static const char yaml[] = "title: var\n"
                             "protocol: smtp\n"
                             "script: |\n"
                             "  R: 220 x\n"
                             "  S: HELO ${nobody_defined_this}\n"
                             "  R: 250 ok\n";
  struct ms_transcript_result out;
  ce_run(yaml, 5, &out);
  ck_assert_int_eq(out.verdict, MS_ERROR);
  ck_assert_uint_eq(out.nsteps, 1);
  ck_assert_ptr_nonnull(strstr(out.reason, "test.yaml:5:"));
  ck_assert_ptr_nonnull(strstr(out.reason, "nobody_defined_this"));
  ck_assert_ptr_null(out.greeting); /* never connected */
  ms_transcript_result_free(&out);
}
END_TEST

Suite *make_engine_suite(void);
Suite *make_engine_suite(void) {
  Suite *s = suite_create("engine");
  TCase *tc = tcase_create("judge");
  tcase_add_test(tc, test_judge_code_match);
  tcase_add_test(tc, test_judge_text_not_compared);
  tcase_add_test(tc, test_judge_code_mismatch);
  tcase_add_test(tc, test_judge_patterns);
  tcase_add_test(tc, test_judge_multiline_accepted);
  tcase_add_test(tc, test_judge_violations_fail);
  tcase_add_test(tc, test_judge_text_re);
  tcase_add_test(tc, test_judge_pop3);
  tcase_add_test(tc, test_flag);
  tcase_add_test(tc, test_code_text_and_expected);
  tcase_add_test(tc, test_requires_unmet);
  tcase_add_test(tc, test_fallback_id);
  suite_add_tcase(s, tc);
  tc = tcase_create("live");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_run_against_reference);
  tcase_add_test(tc, test_run_batched);
  tcase_add_test(tc, test_run_gap_noop);
  tcase_add_test(tc, test_run_capture);
  tcase_add_test(tc, test_run_capture_unmatched);
  tcase_add_test(tc, test_run_compare);
  tcase_add_test(tc, test_run_early_close);
  tcase_add_test(tc, test_run_refused);
  tcase_add_test(tc, test_run_unknown_var);
  tcase_add_test(tc, test_run_drop_passed);
  suite_add_tcase(s, tc);
  return s;
}
