/* Unit tests for sessions side by side (issue 13 §3): the loader's
 * keep_open: and continuation rules with their file:line:col messages,
 * the engine running several connections at once against the reference
 * server (in-process, real sockets), and how reports name a step's
 * session. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "mailspec/mailspec.h"
#include "result_json.h"
#include "util.h"
#include "world.h"

static struct ms_diags D;

static struct ms_transcript *cs_parse(const char *yaml) {
  ms_diags_free(&D);
  return ms_transcript_parse("t.yaml", yaml, strlen(yaml), &D);
}

/* The diagnostic containing SUB, at LINE:COL, an error unless WARN. */
static void cs_diag(const char *sub, int line, int col, bool warn) {
  for (size_t i = 0; i < D.n; i++)
    if (strstr(D.v[i].msg, sub)) {
      ck_assert_int_eq(D.v[i].line, line);
      ck_assert_int_eq(D.v[i].col, col);
      ck_assert_int_eq(D.v[i].warning, warn);
      ck_assert_str_eq(D.v[i].file, "t.yaml");
      return;
    }
  ck_abort_msg("no \"%s\" among %zu diagnostics (first: %s)", sub, D.n,
               D.n ? D.v[0].msg : "-");
}

static void cs_teardown(void) {
  ms_diags_free(&D);
}

/* ---- the loader -------------------------------------------------------- */

static const char cs_side[] = "protocol: pop3\n"         /* 1 */
                              "convention: rfc5321\n"    /* 2 */
                              "sessions:\n"              /* 3 */
                              "  - name: first\n"        /* 4 */
                              "    keep_open: true\n"    /* 5 */
                              "    steps:\n"             /* 6 */
                              "      - S: +OK\n"         /* 7 */
                              "      - C: USER mrose\n"  /* 8 */
                              "      - S: +OK\n"         /* 9 */
                              "      - C: PASS secret\n" /* 10 */
                              "      - S: +OK\n"         /* 11 */
                              "  - name: second\n"       /* 12 */
                              "    steps:\n"             /* 13 */
                              "      - S: +OK\n"         /* 14 */
                              "      - C: USER mrose\n"  /* 15 */
                              "      - S: +OK\n"         /* 16 */
                              "      - C: PASS secret\n" /* 17 */
                              "      - S: -ERR\n"        /* 18 */
                              "  - name: first\n"        /* 19 */
                              "    steps:\n"             /* 20 */
                              "      - C: STAT\n"        /* 21 */
                              "      - S: +OK\n"         /* 22 */
                              "      - C: QUIT\n"        /* 23 */
                              "      - S: +OK\n";        /* 24 */

START_TEST(test_load_side_by_side) {
  struct ms_transcript *t = cs_parse(cs_side);
  ck_assert_msg(t != NULL, "%s", D.n ? D.v[0].msg : "?");
  ck_assert_uint_eq(D.n, 0);
  ck_assert_uint_eq(t->nsessions, 3);
  ck_assert_uint_eq(t->nconns, 2);
  ck_assert(t->sessions[0].keep_open && !t->sessions[0].continues);
  ck_assert_uint_eq(t->sessions[0].conn, 0);
  ck_assert(!t->sessions[1].continues);
  ck_assert_uint_eq(t->sessions[1].conn, 1);
  ck_assert(t->sessions[2].continues && !t->sessions[2].keep_open);
  ck_assert_uint_eq(t->sessions[2].conn, 0);
  ms_transcript_free(t);
  /* one after another, as before: a connection each */
  t = cs_parse("protocol: pop3\nsessions:\n"
               "  - {name: a, steps: [{expect: +OK}]}\n"
               "  - {name: b, steps: [{expect: +OK}]}\n");
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(t->nconns, 2);
  ck_assert(!t->sessions[1].continues);
  ms_transcript_free(t);
}
END_TEST

START_TEST(test_load_errors) {
  /* continuing a session that was not kept open */
  static const char closed[] = "protocol: pop3\n"
                               "sessions:\n"
                               "  - name: first\n"
                               "    steps: [{expect: +OK}]\n"
                               "  - name: first\n"
                               "    steps: [{expect: +OK}]\n";
  ck_assert_ptr_null(cs_parse(closed));
  cs_diag("session \"first\" is not open: the entry at line 3 closed its "
          "connection",
          5, 11, false);
  /* ... nor one that a continuation ended */
  static const char ended[] = "protocol: pop3\n"
                              "sessions:\n"
                              "  - {name: a, keep_open: true, steps: "
                              "[{expect: +OK}]}\n"
                              "  - {name: a, steps: [{C: NOOP}, {S: +OK}]}\n"
                              "  - {name: a, steps: [{C: QUIT}, {S: +OK}]}\n";
  ck_assert_ptr_null(cs_parse(ended));
  cs_diag("session \"a\" is not open: the entry at line 4", 5, 12, false);
  /* keep_open: needs a name to be continued by */
  ck_assert_ptr_null(cs_parse("protocol: pop3\n"
                              "sessions:\n"
                              "  - keep_open: true\n"
                              "    steps: [{expect: +OK}]\n"));
  cs_diag("keep_open: true needs a name:", 3, 5, false);
  /* not a boolean */
  ck_assert_ptr_null(cs_parse("protocol: pop3\n"
                              "sessions:\n"
                              "  - name: a\n"
                              "    keep_open: perhaps\n"
                              "    steps: [{expect: +OK}]\n"));
  ck_assert_uint_gt(D.nerrors, 0);
  ck_assert_int_eq(D.v[0].line, 4);
  /* the known keys are listed */
  ck_assert_ptr_null(cs_parse("protocol: pop3\n"
                              "sessions:\n"
                              "  - name: a\n"
                              "    keep: true\n"
                              "    steps: [{expect: +OK}]\n"));
  cs_diag("(known: name, target, keep_open, script, steps)", 4, 5, false);
  /* kept open, never continued: a warning (it stays open to the end) */
  struct ms_transcript *t = cs_parse("protocol: pop3\n"
                                     "sessions:\n"
                                     "  - name: a\n"
                                     "    keep_open: true\n"
                                     "    steps: [{expect: +OK}]\n"
                                     "  - name: b\n"
                                     "    steps: [{expect: +OK}]\n");
  ck_assert_ptr_nonnull(t);
  cs_diag("session \"a\" is kept open but no later entry", 4, 5, true);
  ms_transcript_free(t);
}
END_TEST

/* ---- the engine against the reference server ------------------------- */

struct cs_run {
  struct ms_transcript_result out;
  char *log;
  size_t loglen;
};

/* Run YAML against a POP3 reference server (a new APOP timestamp in every
 * greeting, RFC 1939 §7) with FAULT (or NULL). */
static void cs_run(const char *yaml, const char *fault, struct cs_run *r) {
  struct ms_transcript *t = cs_parse(yaml);
  ck_assert_msg(t != NULL, "transcript: %s", D.n ? D.v[0].msg : "?");
  FILE *live = open_memstream(&r->log, &r->loglen);
  const char *faults[] = {fault};
  struct ms_world *w = ms_world_builtin();
  struct ms_server_opts so = {.protocol = t->protocol,
                              .world = w,
                              .faults = fault ? faults : NULL,
                              .nfaults = fault ? 1 : 0,
                              .live = live};
  char err[256] = "";
  struct ms_server *s = ms_server_start(&so, "127.0.0.1:0", err, sizeof err);
  ck_assert_msg(s != NULL, "reference server: %s", err);
  struct ms_engine_opts o;
  ms_engine_opts_init(&o);
  o.timeout = 10;
  memset(&r->out, 0, sizeof r->out);
  ms_engine_run_transcript(&o, t, ms_server_host(s), ms_server_port(s),
                           &r->out);
  ms_server_stop(s);
  fclose(live);
  ms_world_free(w);
  ms_transcript_free(t);
}

static void cs_free(struct cs_run *r) {
  ms_transcript_result_free(&r->out);
  free(r->log);
}

/* RFC 1939 §4: the second session is refused while the first holds the
 * maildrop; the first goes on afterwards on its own connection. */
START_TEST(test_run_lock) {
  struct cs_run r;
  cs_run(cs_side, NULL, &r);
  const struct ms_transcript_result *t = &r.out;
  ck_assert_int_eq(t->verdict, MS_PASS);
  ck_assert_uint_eq(t->nsteps, 8);
  ck_assert_uint_eq(t->steps[5].session, 1);
  ck_assert_int_eq(t->steps[5].code, MS_POP3_ERR);
  ck_assert_str_eq(t->steps[5].sent, "PASS secret");
  ck_assert_uint_eq(t->steps[6].session, 2);
  ck_assert_str_eq(t->steps[6].sent, "STAT");
  /* the session entries, for reports */
  ck_assert_uint_eq(t->nsessions, 3);
  ck_assert_str_eq(t->sessions[2].name, "first");
  ck_assert_uint_eq(t->sessions[2].conn, 0);
  ck_assert_uint_eq(t->sessions[1].conn, 1);
  ck_assert_int_eq(t->sessions[1].line, 12);
  /* two connections were open at once: two greetings before the STAT */
  const char *g2 = strstr(r.log, "+OK POP3 server ready");
  ck_assert_ptr_nonnull(g2);
  g2 = strstr(g2 + 1, "+OK POP3 server ready");
  ck_assert_ptr_nonnull(g2);
  ck_assert_ptr_nonnull(strstr(g2, "STAT"));
  cs_free(&r);
  /* the fault: the second session gets in, a FAIL in session "second" */
  cs_run(cs_side, "pop3-no-lock", &r);
  ck_assert_int_eq(r.out.verdict, MS_FAIL);
  ck_assert_int_eq(r.out.steps[5].verdict, MS_FAIL);
  char lb[32];
  ck_assert_str_eq(
      ms_session_label(&r.out, r.out.steps[5].session, lb, sizeof lb),
      "second");
  cs_free(&r);
}
END_TEST

/* A command sent at the end of an entry is answered on its own
 * connection and read by the entry that continues it, after another
 * connection ran in between. */
START_TEST(test_run_reply_waits) {
  static const char yaml[] = "protocol: pop3\n"
                             "convention: rfc5321\n"
                             "sessions:\n"
                             "  - name: a\n"
                             "    keep_open: true\n"
                             "    steps:\n"
                             "      - S: +OK\n"
                             "      - C: USER ford\n"
                             "  - name: b\n"
                             "    steps:\n"
                             "      - S: +OK\n"
                             "      - C: USER arthur\n"
                             "      - S: +OK\n"
                             "      - C: QUIT\n"
                             "      - S: +OK\n"
                             "  - name: a\n"
                             "    steps:\n"
                             "      - expect: +OK\n"
                             "        text: ford\n"
                             "      - C: QUIT\n"
                             "      - S: +OK\n";
  struct cs_run r;
  cs_run(yaml, NULL, &r);
  ck_assert_int_eq(r.out.verdict, MS_PASS);
  ck_assert_uint_eq(r.out.nsteps, 6);
  ck_assert_str_eq(r.out.steps[4].sent, "USER ford");
  ck_assert_uint_eq(r.out.steps[4].session, 2);
  cs_free(&r);
}
END_TEST

/* capture: values cross sessions: the second greeting's timestamp differs
 * from the first's (RFC 1939 §7); the fault apop-fixed-timestamp repeats
 * it and fails exactly that step. */
static const char cs_ts[] = "protocol: pop3\n"
                            "convention: rfc5321\n"
                            "requires: [APOP]\n"
                            "sessions:\n"
                            "  - name: first\n"
                            "    keep_open: true\n"
                            "    steps:\n"
                            "      - expect: +OK\n"
                            "        capture: {ts1: '(<[^<>]*@[^<>]*>)'}\n"
                            "  - name: second\n"
                            "    steps:\n"
                            "      - expect: +OK\n"
                            "        not_text: '${ts1}'\n"
                            "  - name: first\n"
                            "    steps:\n"
                            "      - C: QUIT\n"
                            "      - S: +OK\n";

START_TEST(test_run_capture_across) {
  struct cs_run r;
  cs_run(cs_ts, NULL, &r);
  ck_assert_int_eq(r.out.verdict, MS_PASS);
  cs_free(&r);
  cs_run(cs_ts, "apop-fixed-timestamp", &r);
  ck_assert_int_eq(r.out.verdict, MS_FAIL);
  ck_assert_uint_eq(r.out.steps[1].session, 1);
  ck_assert_int_eq(r.out.steps[1].verdict, MS_FAIL);
  ck_assert_int_eq(r.out.steps[2].verdict, MS_PASS);
  cs_free(&r);
}
END_TEST

/* requires: [APOP] is met by a timestamp in the greeting, and only so. */
START_TEST(test_requires_apop) {
  struct ms_transcript *t = cs_parse(cs_ts);
  ck_assert_ptr_nonnull(t);
  struct ms_probe p = {0};
  p.greeting = xstrdup("+OK POP3 server ready <1.2@host>");
  ck_assert_ptr_null(ms_engine_requires_unmet(t, &p));
  free(p.greeting);
  p.greeting = xstrdup("+OK Dovecot ready.");
  char *why = ms_engine_requires_unmet(t, &p);
  ck_assert_ptr_nonnull(why);
  ck_assert_ptr_nonnull(strstr(why, "does not offer APOP"));
  free(why);
  ms_engine_probe_free(&p);
  ms_transcript_free(t);
}
END_TEST

/* When a connection's session stops early, its later entries are not
 * judged (one line each), and the other connections go on. */
START_TEST(test_run_dead_connection) {
  static const char yaml[] = "protocol: pop3\n"
                             "convention: rfc5321\n"
                             "sessions:\n"
                             "  - name: a\n"
                             "    keep_open: true\n"
                             "    steps:\n"
                             "      - S: -ERR\n" /* 7: the greeting gate */
                             "      - C: NOOP\n"
                             "      - S: -ERR\n"
                             "  - name: b\n"
                             "    steps:\n"
                             "      - S: +OK\n"
                             "      - C: QUIT\n"
                             "      - S: +OK\n"
                             "  - name: a\n"
                             "    steps:\n"
                             "      - C: QUIT\n"
                             "      - S: +OK\n"; /* 18 */
  struct cs_run r;
  cs_run(yaml, NULL, &r);
  const struct ms_transcript_result *t = &r.out;
  ck_assert_int_eq(t->verdict, MS_FAIL);
  ck_assert_uint_eq(t->nsteps, 3); /* a's greeting, b's two replies */
  ck_assert_uint_eq(t->ndiverged, 2);
  ck_assert_uint_eq(t->diverged[0].session, 0);
  ck_assert_uint_eq(t->diverged[0].not_judged, 1);
  ck_assert_uint_eq(t->diverged[1].session, 2);
  ck_assert_uint_eq(t->diverged[1].not_judged, 1);
  ck_assert_int_eq(t->diverged[1].first_line, 18);
  ck_assert_str_eq(t->diverged[1].what, "t.yaml:7: expected -ERR, got +OK");
  char *line = ms_divergence_text(t, &t->diverged[1]);
  ck_assert_str_eq(line, "session 3 diverged at t.yaml:7: expected -ERR, "
                         "got +OK; not judged: 1 later step (line 18)");
  free(line);
  cs_free(&r);
}
END_TEST

/* ---- reports ----------------------------------------------------------- */

START_TEST(test_report_session) {
  struct cs_run r;
  cs_run(cs_side, "pop3-no-lock", &r);
  struct ms_run_result run;
  ms_run_init(&run);
  run.v = xcalloc(1, sizeof *run.v);
  run.v[0] = r.out;
  run.n = 1;
  ms_run_count(&run);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  struct ms_report_opts o = {0};
  ck_assert_int_eq(ms_report_text(&run, f, &o), 0);
  fclose(f);
  ck_assert_msg(strstr(buf, "(t.yaml:18)\n    session: second\n    C: PASS "
                            "secret\n") != NULL,
                "%s", buf);
  free(buf);
  /* JSON keeps the entries, and reads them back */
  f = open_memstream(&buf, &len);
  ck_assert_int_eq(ms_report_json(&run, f, &o), 0);
  fclose(f);
  ck_assert_ptr_nonnull(strstr(buf, "{\"name\": \"second\", \"connection\": "
                                    "1, \"line\": 12}"));
  struct ms_run_result back;
  char err[256];
  ck_assert_msg(
      ms_result_json_read(buf, len, "t.json", &back, err, sizeof err) == 0,
      "%s", err);
  ck_assert_uint_eq(back.v[0].nsessions, 3);
  ck_assert_str_eq(back.v[0].sessions[2].name, "first");
  ck_assert_uint_eq(back.v[0].sessions[2].conn, 0);
  ms_run_free(&back);
  free(buf);
  ms_run_free(&run);
  free(r.log);
}
END_TEST

Suite *make_engine_sessions_suite(void);
Suite *make_engine_sessions_suite(void) {
  Suite *s = suite_create("engine_sessions");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, NULL, cs_teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_load_side_by_side);
  tcase_add_test(tc, test_load_errors);
  tcase_add_test(tc, test_run_lock);
  tcase_add_test(tc, test_run_reply_waits);
  tcase_add_test(tc, test_run_capture_across);
  tcase_add_test(tc, test_requires_apop);
  tcase_add_test(tc, test_run_dead_connection);
  tcase_add_test(tc, test_report_session);
  suite_add_tcase(s, tc);
  return s;
}
