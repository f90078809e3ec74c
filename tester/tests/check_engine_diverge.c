/* Unit tests for issue 12 §1: after a divergence the engine stops
 * judging instead of guessing.  Each test runs a whole transcript against
 * the reference server (in-process, a real socket) whose -v log shows
 * exactly what reached it, so "nothing that depended on the reply was
 * sent" is checked on the server's side.  The bounded receive buffer is
 * checked on a socketpair. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "engine_int.h"
#include "mailspec/mailspec.h"
#include "util.h"

struct cd_run {
  struct ms_transcript_result out;
  char *log; /* the reference server's -v log */
  size_t loglen;
};

/* Run YAML against the reference server started with FAULT (or NULL). */
static void cd_run_fault(const char *yaml, const char *fault,
                         struct cd_run *r) {
  struct ms_diags d = {0};
  struct ms_transcript *t =
      ms_transcript_parse("test.yaml", yaml, strlen(yaml), &d);
  ck_assert_msg(t != NULL && d.nerrors == 0, "transcript: %s",
                d.n ? d.v[0].msg : "?");
  FILE *live = open_memstream(&r->log, &r->loglen);
  ck_assert_ptr_nonnull(live);
  const char *faults[] = {fault};
  struct ms_world *w = ms_world_builtin();
  struct ms_server_opts so = {.protocol = t->protocol,
                              .profile = MS_PROFILE_RFC5321,
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
  ms_diags_free(&d);
}

static void cd_run(const char *yaml, struct cd_run *r) {
  cd_run_fault(yaml, NULL, r);
}

static void cd_free(struct cd_run *r) {
  ms_transcript_result_free(&r->out);
  free(r->log);
}

/* No step of R carries a finding. */
static void cd_no_findings(const struct ms_transcript_result *t) {
  for (size_t i = 0; i < t->nsteps; i++)
    ck_assert_msg(t->steps[i].nfindings == 0, "step %zu: finding %s", i,
                  t->steps[i].findings[0].what);
}

/* The issue's case: 600 body lines, some of them RSET, MAIL FROM and QUIT,
 * after a DATA that the server refuses (the reference server answers 503
 * when no recipient was accepted, RFC 5321 §3.3). */
static char *cd_refused_data(const char *data_expect, bool steps_body) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  ms_buf_addstr(&b, "title: refused DATA\n"
                    "protocol: smtp\n"
                    "convention: rfc5321\n"
                    "steps:\n"
                    "  - S: 220\n"
                    "  - C: EHLO client.example\n"
                    "  - S: 250\n"
                    "  - C: MAIL FROM:<a@client.example>\n"
                    "  - S: 250\n"
                    "  - C: RCPT TO:<nobody@BBN-UNIX.ARPA>\n"
                    "  - S: 550\n"
                    "  - C: DATA\n");
  ms_buf_addf(&b, "  - expect: \"%s\"\n", data_expect); /* line 13 */
  if (steps_body)
    ms_buf_addstr(&b, "  - data: |\n");
  for (int i = 0; i < 600; i++) {
    const char *l = i % 50 == 10   ? "RSET"
                    : i % 50 == 20 ? "MAIL FROM:<evil@example.org>"
                    : i % 50 == 30 ? "QUIT"
                                   : NULL;
    if (steps_body && l)
      ms_buf_addf(&b, "      %s\n", l);
    else if (steps_body)
      ms_buf_addf(&b, "      body line %d\n", i);
    else if (l)
      ms_buf_addf(&b, "  - C: %s\n", l);
    else
      ms_buf_addf(&b, "  - C: body line %d\n", i);
  }
  if (!steps_body)
    ms_buf_addstr(&b, "  - C: .\n");
  ms_buf_addstr(&b, "  - S: 250\n"
                    "  - C: QUIT\n"
                    "  - S: 221\n");
  return ms_buf_steal(&b, NULL);
}

/* Nothing of the body reached the server. */
static void cd_no_body_sent(const struct cd_run *r) {
  ck_assert_ptr_nonnull(strstr(r->log, "DATA"));
  ck_assert_msg(strstr(r->log, "body line") == NULL, "body sent:\n%s", r->log);
  ck_assert_msg(strstr(r->log, "RSET") == NULL, "RSET sent:\n%s", r->log);
  ck_assert_msg(strstr(r->log, "evil@") == NULL, "MAIL sent:\n%s", r->log);
  ck_assert_msg(strstr(r->log, "QUIT") == NULL, "QUIT sent:\n%s", r->log);
}

START_TEST(test_refused_data_stops) {
  char *yaml = cd_refused_data("354", false);
  struct cd_run r;
  cd_run(yaml, &r);
  const struct ms_transcript_result *t = &r.out;
  /* greeting, EHLO, MAIL, RCPT (550 as expected), DATA: then nothing */
  ck_assert_uint_eq(t->nsteps, 5);
  ck_assert_int_eq(t->steps[3].verdict, MS_PASS);
  ck_assert_int_eq(t->steps[4].verdict, MS_FAIL);
  ck_assert_str_eq(t->steps[4].sent, "DATA");
  ck_assert_int_eq(t->steps[4].line, 13);
  ck_assert_str_eq(t->steps[4].reason, "expected 354, got 503");
  ck_assert_int_eq(t->verdict, MS_FAIL);
  cd_no_findings(t);
  ck_assert_uint_eq(t->ndiverged, 1);
  const struct ms_divergence *dv = &t->diverged[0];
  ck_assert_str_eq(dv->what, "test.yaml:13: expected 354, got 503");
  ck_assert(!dv->allowed);
  ck_assert_uint_eq(dv->session, 0);
  ck_assert_int_eq(dv->line, 13);
  ck_assert_uint_eq(dv->not_judged, 2); /* the 250 after ".", the 221 */
  ck_assert_int_eq(dv->first_line, 615);
  ck_assert_int_eq(dv->last_line, 617);
  cd_no_body_sent(&r);
  cd_free(&r);
  free(yaml);
}
END_TEST

/* The same with a data: body. */
START_TEST(test_refused_data_body_stops) {
  char *yaml = cd_refused_data("354", true);
  struct cd_run r;
  cd_run(yaml, &r);
  ck_assert_uint_eq(r.out.nsteps, 5);
  ck_assert_int_eq(r.out.steps[4].verdict, MS_FAIL);
  ck_assert_uint_eq(r.out.ndiverged, 1);
  ck_assert_uint_eq(r.out.diverged[0].not_judged, 2);
  cd_no_findings(&r.out);
  cd_no_body_sent(&r);
  cd_free(&r);
  free(yaml);
}
END_TEST

/* A refusal the transcript allows ("354|503"): the step passes, the body
 * that needs the 354 is not sent, the rest of the session does not
 * apply: a SKIP that says why. */
START_TEST(test_refusal_allowed) {
  for (int form = 0; form < 2; form++) {
    char *yaml = cd_refused_data("354|503", form == 1);
    struct cd_run r;
    cd_run(yaml, &r);
    const struct ms_transcript_result *t = &r.out;
    ck_assert_uint_eq(t->nsteps, 5);
    ck_assert_int_eq(t->steps[4].verdict, MS_PASS);
    ck_assert_int_eq(t->steps[4].code, 503);
    ck_assert_int_eq(t->verdict, MS_SKIP);
    ck_assert_ptr_nonnull(strstr(t->reason, "503"));
    ck_assert_uint_eq(t->ndiverged, 1);
    ck_assert(t->diverged[0].allowed);
    ck_assert_uint_eq(t->diverged[0].not_judged, 2);
    ck_assert_ptr_nonnull(strstr(t->diverged[0].what, "test.yaml:13: 503"));
    cd_no_findings(t);
    cd_no_body_sent(&r);
    cd_free(&r);
    free(yaml);
  }
}
END_TEST

/* A refusal of another code where a refusal was expected (503 for 554:
 * both refuse DATA) leaves the server in the state the transcript
 * assumes: an ordinary FAIL, and the session goes on. */
START_TEST(test_same_class_goes_on) {
  static const char yaml[] = "title: DATA refused either way\n"
                             "protocol: smtp\n"
                             "convention: rfc5321\n"
                             "steps:\n"
                             "  - S: 220\n"
                             "  - C: EHLO client.example\n"
                             "  - S: 250\n"
                             "  - C: DATA\n"
                             "  - S: 554\n"
                             "  - C: RSET\n"
                             "  - S: 250\n"
                             "  - C: QUIT\n"
                             "  - S: 221\n";
  struct cd_run r;
  cd_run(yaml, &r);
  ck_assert_uint_eq(r.out.nsteps, 5);
  ck_assert_int_eq(r.out.steps[2].verdict, MS_FAIL);
  ck_assert_str_eq(r.out.steps[2].reason, "expected 554, got 503");
  ck_assert_int_eq(r.out.steps[3].verdict, MS_PASS);
  ck_assert_str_eq(r.out.steps[3].sent, "RSET");
  ck_assert_uint_eq(r.out.ndiverged, 0);
  cd_free(&r);
}
END_TEST

/* The sessions after a diverged one run as usual. */
START_TEST(test_later_session_runs) {
  static const char yaml[] = "title: two sessions\n"
                             "protocol: smtp\n"
                             "convention: rfc5321\n"
                             "sessions:\n"
                             "  - steps:\n"
                             "      - S: 220\n"
                             "      - C: DATA\n"
                             "      - S: 354\n"
                             "      - data: |\n"
                             "          RSET\n"
                             "      - S: 250\n"
                             "  - steps:\n"
                             "      - S: 220\n"
                             "      - C: NOOP\n"
                             "      - S: 250\n"
                             "      - C: QUIT\n"
                             "      - S: 221\n";
  struct cd_run r;
  cd_run(yaml, &r);
  const struct ms_transcript_result *t = &r.out;
  ck_assert_uint_eq(t->nsteps, 5);
  ck_assert_int_eq(t->steps[1].verdict, MS_FAIL);
  ck_assert_uint_eq(t->steps[2].session, 1);
  for (size_t i = 2; i < 5; i++)
    ck_assert_int_eq(t->steps[i].verdict, MS_PASS);
  ck_assert_uint_eq(t->ndiverged, 1);
  ck_assert_uint_eq(t->diverged[0].session, 0);
  ck_assert_uint_eq(t->diverged[0].not_judged, 1);
  ck_assert(strstr(r.log, "RSET") == NULL);
  cd_free(&r);
}
END_TEST

/* A greeting that does not come as expected ends the session before
 * the client says anything. */
START_TEST(test_greeting_gate) {
  static const char yaml[] = "title: greeting\n"
                             "protocol: smtp\n"
                             "convention: rfc5321\n"
                             "steps:\n"
                             "  - S: 220\n"
                             "  - C: EHLO client.example\n"
                             "  - S: 250\n"
                             "  - C: QUIT\n"
                             "  - S: 221\n";
  struct cd_run r;
  cd_run_fault(yaml, "greet-554", &r);
  ck_assert_uint_eq(r.out.nsteps, 1);
  ck_assert_int_eq(r.out.steps[0].verdict, MS_FAIL);
  ck_assert_uint_eq(r.out.ndiverged, 1);
  ck_assert_str_eq(r.out.diverged[0].what,
                   "test.yaml:5: expected 220, got 554");
  ck_assert_uint_eq(r.out.diverged[0].not_judged, 2);
  ck_assert(strstr(r.log, "EHLO") == NULL);
  cd_free(&r);
}
END_TEST

/* AUTH: a reply that is not what the exchange needed ends the session
 * (the reference server answers 504 to a mechanism it does not know). */
START_TEST(test_auth_gate) {
  static const char yaml[] = "title: auth\n"
                             "protocol: smtp\n"
                             "convention: rfc5321\n"
                             "steps:\n"
                             "  - S: 220\n"
                             "  - C: EHLO client.example\n"
                             "  - S: 250\n"
                             "  - C: AUTH X-UNKNOWN\n"
                             "  - S: 334\n"
                             "  - C: dXNlcg==\n"
                             "  - S: 235\n"
                             "  - C: MAIL FROM:<a@client.example>\n"
                             "  - S: 250\n";
  struct cd_run r;
  cd_run(yaml, &r);
  ck_assert_uint_eq(r.out.nsteps, 3);
  ck_assert_int_eq(r.out.steps[2].verdict, MS_FAIL);
  ck_assert_str_eq(r.out.steps[2].reason, "expected 334, got 504");
  ck_assert_uint_eq(r.out.ndiverged, 1);
  ck_assert_uint_eq(r.out.diverged[0].not_judged, 2);
  ck_assert_msg(strstr(r.log, "dXNlcg==") == NULL, "SASL line sent:\n%s",
                r.log);
  ck_assert(strstr(r.log, "MAIL FROM") == NULL);
  cd_free(&r);
}
END_TEST

/* The same for an auth: step (CRAM-MD5: the reference server offers
 * PLAIN and LOGIN only inside TLS): credentials refused where the transcript
 * expects 235 end the session; MAIL is not sent. */
START_TEST(test_auth_step_gate) {
  static const char yaml[] =
      "title: auth step\n"
      "protocol: smtp\n"
      "convention: rfc5321\n"
      "steps:\n"
      "  - S: 220\n"
      "  - C: EHLO client.example\n"
      "  - S: 250\n"
      "  - auth: {mechanism: CRAM-MD5, user: x, pass: y}\n"
      "  - C: MAIL FROM:<a@client.example>\n"
      "  - S: 250\n";
  struct cd_run r;
  cd_run(yaml, &r);
  const struct ms_transcript_result *t = &r.out;
  ck_assert_int_eq(t->steps[t->nsteps - 1].verdict, MS_FAIL);
  ck_assert_int_eq(t->steps[t->nsteps - 1].code, 535);
  ck_assert_uint_eq(t->ndiverged, 1);
  ck_assert_int_eq(t->diverged[0].line, 8);
  ck_assert_uint_eq(t->diverged[0].not_judged, 1);
  ck_assert(strstr(r.log, "MAIL FROM") == NULL);
  cd_free(&r);
}
END_TEST

/* A pipelined group: judged up to the first reply that does not match,
 * then the session stops (the replies after it cannot be matched to
 * their commands). */
START_TEST(test_pipelined_group_stops) {
  static const char yaml[] = "title: group\n"
                             "protocol: smtp\n"
                             "convention: rfc5321\n"
                             "pipelining: true\n"
                             "steps:\n"
                             "  - S: 220\n"
                             "  - C: EHLO client.example\n"
                             "  - S: 250\n"
                             "  - C: MAIL FROM:<a@client.example>\n"
                             "  - C: RCPT TO:<nobody@BBN-UNIX.ARPA>\n"
                             "  - C: RCPT TO:<Jones@BBN-UNIX.ARPA>\n"
                             "  - C: NOOP\n"
                             "  - S: 250\n"
                             "  - S: 250\n"
                             "  - S: 250\n"
                             "  - S: 250\n"
                             "  - C: QUIT\n"
                             "  - S: 221\n";
  struct cd_run r;
  cd_run(yaml, &r);
  const struct ms_transcript_result *t = &r.out;
  ck_assert_uint_eq(t->nsteps, 4);
  ck_assert_int_eq(t->steps[2].verdict, MS_PASS);
  ck_assert_int_eq(t->steps[3].verdict, MS_FAIL);
  ck_assert_str_eq(t->steps[3].sent, "RCPT TO:<nobody@BBN-UNIX.ARPA>");
  ck_assert_uint_eq(t->ndiverged, 1);
  ck_assert_uint_eq(t->diverged[0].not_judged, 3);
  ck_assert_ptr_nonnull(strstr(t->diverged[0].what, "test.yaml:14: expected "
                                                    "250, got 550"));
  ck_assert_ptr_nonnull(strstr(t->diverged[0].what, "pipelined group"));
  ck_assert(strstr(r.log, "QUIT") == NULL);
  cd_free(&r);
}
END_TEST

/* A finding blames the server only for what it did of its own accord:
 * the second reply to two NOOPs sent back to back is owed, not
 * unsolicited, even though the transcript reads it later. */
START_TEST(test_no_false_trailing) {
  static const char yaml[] = "title: back to back\n"
                             "protocol: smtp\n"
                             "convention: rfc5321\n"
                             "steps:\n"
                             "  - S: 220\n"
                             "  - C: NOOP\n"
                             "  - C: NOOP\n"
                             "  - S: 250\n"
                             "  - C: QUIT\n"
                             "  - S: 250\n"
                             "  - S: 221\n";
  struct cd_run r;
  cd_run(yaml, &r);
  cd_no_findings(&r.out);
  ck_assert_int_eq(r.out.verdict, MS_PASS);
  ck_assert_uint_eq(r.out.ndiverged, 0);
  cd_free(&r);
}
END_TEST

/* The loader: after "354|554" client lines are mail data (sent only if
 * the 354 comes); after a refusal alone they are commands. */
START_TEST(test_loader_alternatives_data) {
  static const char yaml[] = "protocol: smtp\n"
                             "convention: rfc5321\n"
                             "steps:\n"
                             "  - C: DATA\n"
                             "  - expect: 354|554\n"
                             "  - C: RSET\n"
                             "  - C: .\n"
                             "  - S: 250\n"
                             "  - C: DATA\n"
                             "  - S: 554\n"
                             "  - C: RSET\n";
  struct ms_diags d = {0};
  struct ms_transcript *t =
      ms_transcript_parse("t.yaml", yaml, strlen(yaml), &d);
  ck_assert_msg(t != NULL, "%s", d.n ? d.v[0].msg : "?");
  const struct ms_session *s = &t->sessions[0];
  ck_assert_uint_eq(s->nsteps, 8);
  ck_assert_int_eq(s->steps[2].send, MS_SEND_DATA_LINE);
  ck_assert_int_eq(s->steps[3].send, MS_SEND_DATA_LINE);
  ck_assert_int_eq(s->steps[7].send, MS_SEND_LINE);
  ms_transcript_free(t);
  ms_diags_free(&d);
}
END_TEST

/* ---- the bounded receive buffer drops whole lines -------------------- */

static void cd_write(int fd, const char *s, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, s, n);
    ck_assert_int_gt(k, 0);
    s += k;
    n -= (size_t)k;
  }
}

/* A connection on FD, non-blocking as ms_net_connect() makes them. */
static void cd_conn(struct ms_conn *c, int fd) {
  ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
  memset(c, 0, sizeof *c);
  c->fd = fd;
  c->proto = MS_PROTO_SMTP;
  c->rd = ms_reader_new(MS_PROTO_SMTP, NULL);
}

/* More unsolicited lines than the 16 KiB buffer holds, the last one cut:
 * all of them are dropped, counted, and the next reply is read whole. */
START_TEST(test_discard_whole_lines) {
  int sv[2];
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  static const char line[] = "500 5.5.2 Error: command not recognized\r\n";
  struct ms_buf b;
  ms_buf_init(&b, 0);
  for (int i = 0; i < 1000; i++) /* 41,000 octets */
    ms_buf_addstr(&b, line);
  ms_buf_addstr(&b, "500 5.5.2 Error: command not recog");
  cd_write(sv[1], b.p, b.len);
  struct ms_conn c;
  cd_conn(&c, sv[0]);
  char peek[48];
  size_t n = ms_engine_conn_unsolicited(&c, peek, sizeof peek);
  ck_assert_uint_gt(n, 0);
  ck_assert(memcmp(peek, "500 5.5.2", 9) == 0);
  ck_assert_uint_eq(ms_engine_conn_discard(&c), 1001);
  cd_write(sv[1], "nized\r\n221 bye\r\n", 16);
  struct ms_reply rep;
  char err[160];
  int k = ms_engine_conn_read(&c, ms_now() + 10, NULL, &rep, err, sizeof err);
  ck_assert_int_eq(k, 1);
  ck_assert_int_eq(rep.code, 221);
  ck_assert_uint_eq(rep.nlines, 1);
  ck_assert_str_eq(rep.lines[0], "221 bye");
  ck_assert_uint_eq(rep.violations, 0);
  ms_reply_free(&rep);
  ms_buf_free(&b);
  close(sv[1]);
  ms_engine_conn_close(&c);
}
END_TEST

/* A reply already partly read when the rest must go: its lines count,
 * and so does the line it was in the middle of. */
START_TEST(test_discard_partial_reply) {
  int sv[2];
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  struct ms_conn c;
  cd_conn(&c, sv[0]);
  cd_write(sv[1], "250-a\r\n250-b\r\n250 c", 19);
  char peek[48];
  ck_assert_uint_gt(ms_engine_conn_unsolicited(&c, peek, sizeof peek), 0);
  /* feed it: the reader now holds two lines and part of a third */
  struct ms_reply rep;
  char err[160];
  ck_assert_int_eq(
      ms_engine_conn_read(&c, ms_now() + 0.2, NULL, &rep, err, sizeof err),
      MS_NET_TIMEOUT);
  ck_assert_uint_eq(ms_engine_conn_discard(&c), 3);
  cd_write(sv[1], "ut\r\n221 bye\r\n", 13);
  ck_assert_int_eq(
      ms_engine_conn_read(&c, ms_now() + 10, NULL, &rep, err, sizeof err), 1);
  ck_assert_str_eq(rep.lines[0], "221 bye");
  ms_reply_free(&rep);
  close(sv[1]);
  ms_engine_conn_close(&c);
}
END_TEST

Suite *make_engine_diverge_suite(void);
Suite *make_engine_diverge_suite(void) {
  Suite *s = suite_create("engine_diverge");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_refused_data_stops);
  tcase_add_test(tc, test_refused_data_body_stops);
  tcase_add_test(tc, test_refusal_allowed);
  tcase_add_test(tc, test_same_class_goes_on);
  tcase_add_test(tc, test_later_session_runs);
  tcase_add_test(tc, test_greeting_gate);
  tcase_add_test(tc, test_auth_gate);
  tcase_add_test(tc, test_auth_step_gate);
  tcase_add_test(tc, test_pipelined_group_stops);
  tcase_add_test(tc, test_no_false_trailing);
  tcase_add_test(tc, test_loader_alternatives_data);
  tcase_add_test(tc, test_discard_whole_lines);
  tcase_add_test(tc, test_discard_partial_reply);
  suite_add_tcase(s, tc);
  return s;
}
