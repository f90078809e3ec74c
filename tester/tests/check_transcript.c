/* Unit tests for transcript.c, transcript_steps.c and transcript_yaml.c:
 * YAML transcripts in, struct ms_transcript or file:line:col errors out. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailspec/transcript.h"

static struct ms_diags D;

static struct ms_transcript *parse(const char *yaml) {
  ms_diags_free(&D);
  return ms_transcript_parse("transcripts/x/t.yaml", yaml, strlen(yaml), &D);
}

static const struct ms_diag *diag(const char *sub) {
  for (size_t i = 0; i < D.n; i++)
    if (strstr(D.v[i].msg, sub))
      return &D.v[i];
  return NULL;
}

/* Parsing YAML must fail with an error containing SUB at LINE:COL. */
static void fails_at(const char *yaml, const char *sub, int line, int col) {
  struct ms_transcript *t = parse(yaml);
  ck_assert_msg(t == NULL, "accepted: %s", yaml);
  const struct ms_diag *g = diag(sub);
  ck_assert_msg(g != NULL, "no \"%s\" in %zu diagnostics (first: %s)", sub, D.n,
                D.n ? D.v[0].msg : "-");
  if (!g)
    return;
  ck_assert(!g->warning);
  ck_assert_int_eq(g->line, line);
  ck_assert_int_eq(g->col, col);
  ck_assert_str_eq(g->file, "transcripts/x/t.yaml");
}

static struct ms_transcript *ok(const char *yaml) {
  struct ms_transcript *t = parse(yaml);
  ck_assert_msg(t != NULL, "rejected: %s:%d:%d: %s", D.n ? D.v[0].file : "",
                D.n ? D.v[0].line : 0, D.n ? D.v[0].col : 0,
                D.n ? D.v[0].msg : "-");
  return t;
}

static const struct ms_step *st(const struct ms_transcript *t, size_t s,
                                size_t i) {
  ck_assert(s < t->nsessions);
  ck_assert_msg(i < t->sessions[s].nsteps, "step %zu of %zu", i,
                t->sessions[s].nsteps);
  return &t->sessions[s].steps[i];
}

static void teardown(void) {
  ms_diags_free(&D);
}

START_TEST(test_metadata) {
  struct ms_transcript *t = ok("title: NOOP\n"
                               "protocol: pop3\n"
                               "source: RFC 1939 §5\n"
                               "rfc: \"RFC 1939 §5\"\n"
                               "level: SHOULD\n"
                               "tags: [rfc1939, transaction]\n"
                               "requires: [TOP, UIDL]\n"
                               "vars: {user: mrose, pass: secret}\n"
                               "timeout: 2.5\n"
                               "deadline: 60\n"
                               "pipelining: true\n"
                               "notes: a note\n"
                               "world:\n"
                               "  users: {mrose: secret}\n"
                               "script: |\n"
                               "  S: +OK ready\n"
                               "  C: USER ${user}\n"
                               "  S: +OK\n");
  ck_assert_str_eq(t->title, "NOOP");
  ck_assert_int_eq(t->protocol, MS_PROTO_POP3);
  ck_assert_int_eq(t->convention, MS_CONV_RFC5321);
  ck_assert_int_eq(t->level, MS_LEVEL_SHOULD);
  ck_assert_str_eq(t->source, "RFC 1939 §5");
  ck_assert_uint_eq(t->ntags, 2);
  ck_assert_str_eq(t->tags[1], "transaction");
  ck_assert_uint_eq(t->nrequires, 2);
  ck_assert_str_eq(t->requires[0], "TOP");
  ck_assert_uint_eq(t->nvars, 2);
  ck_assert_str_eq(t->vars[1].name, "pass");
  ck_assert_str_eq(t->vars[1].value, "secret");
  ck_assert(t->timeout == 2.5);
  ck_assert(t->deadline == 60);
  ck_assert(t->pipelining);
  ck_assert(t->replayable);
  ck_assert_str_eq(t->notes, "a note");
  ck_assert_ptr_nonnull(t->world_yaml);
  ck_assert_ptr_nonnull(strstr(t->world_yaml, "mrose"));
  ck_assert_int_eq(t->world_line, 14);
  ck_assert_ptr_null(t->world_path);
  ck_assert_str_eq(t->id, "x/t"); /* "transcripts/" and ".yaml" gone */
  ck_assert_str_eq(t->path, "transcripts/x/t.yaml");
  ck_assert_uint_eq(t->nsessions, 1);
  ck_assert_uint_eq(t->sessions[0].nsteps, 3);
  ck_assert_int_eq(t->sessions[0].line, 15);
  ck_assert_uint_eq(D.n, 0);
  ms_transcript_free(t);
}
END_TEST

START_TEST(test_defaults_and_world_path) {
  struct ms_transcript *t = ok("id: my/id\n"
                               "world: ../worlds/two.yaml\n"
                               "steps:\n"
                               "  - R: 220\n");
  ck_assert_int_eq(t->protocol, MS_PROTO_SMTP);
  ck_assert_int_eq(t->level, MS_LEVEL_NONE);
  ck_assert_str_eq(t->id, "my/id");
  ck_assert_str_eq(t->world_path, "transcripts/worlds/two.yaml");
  ck_assert_ptr_null(t->title);
  ms_transcript_free(t);
}
END_TEST

/* RFC 821 Appendix F, Scenario 1 as printed, inside YAML. */
START_TEST(test_script_in_yaml) {
  struct ms_transcript *t =
      ok("title: Scenario 1\n"
         "script: |\n"
         "         R: 220 BBN-UNIX.ARPA Simple Mail Transfer Service Ready\n"
         "         S: HELO USC-ISIF.ARPA\n"
         "         R: 250 BBN-UNIX.ARPA\n"
         "\n"
         "         S: RCPT TO:<Green@BBN-UNIX.ARPA>\n"
         "         R: 550 No such user here\n");
  ck_assert_int_eq(t->convention, MS_CONV_RFC821);
  ck_assert_uint_eq(t->sessions[0].nsteps, 5);
  ck_assert_int_eq(st(t, 0, 0)->line, 3);
  ck_assert_int_eq(st(t, 0, 0)->col, 10);
  ck_assert_int_eq(st(t, 0, 3)->line, 7);
  ck_assert_str_eq(st(t, 0, 3)->text, "RCPT TO:<Green@BBN-UNIX.ARPA>");
  ms_transcript_free(t);
  /* the RFC's "R: OK" (Scenario 9) names its place in the file */
  fails_at("title: Scenario 9\n"
           "script: |\n"
           "            S: RCPT TO:<Jones@USC-ISI.ARPA>\n"
           "            R: OK\n",
           "reply line has no reply code", 4, 13);
}
END_TEST

START_TEST(test_convention_inference) {
  struct ms_transcript *t = ok("steps:\n  - C: NOOP\n  - S: 250\n");
  ck_assert_int_eq(t->convention, MS_CONV_RFC5321);
  ck_assert_int_eq(st(t, 0, 1)->kind, MS_STEP_EXPECT);
  ms_transcript_free(t);
  /* sessions are looked at together: S: alone in one, R: in the other */
  t = ok("sessions:\n"
         "  - name: one\n"
         "    steps:\n"
         "      - S: NOOP\n"
         "  - name: two\n"
         "    script: |\n"
         "      R: 220 hi\n");
  ck_assert_int_eq(t->convention, MS_CONV_RFC821);
  ck_assert_uint_eq(t->nsessions, 2);
  ck_assert_str_eq(t->sessions[1].name, "two");
  ck_assert_int_eq(t->sessions[1].line, 5);
  ck_assert_int_eq(st(t, 0, 0)->kind, MS_STEP_SEND);
  ms_transcript_free(t);
  fails_at("script: |\n  S: HELO x\n  R: 250\n  C: NOOP\n", "both R:", 4, 3);
  fails_at("steps:\n  - S: HELO x\n", "convention: rfc821", 2, 5);
  /* explicit convention wins; a role it lacks is an error */
  t = ok("convention: rfc5321\nsteps:\n  - S: 220\n");
  ck_assert_int_eq(st(t, 0, 0)->kind, MS_STEP_EXPECT);
  ms_transcript_free(t);
  fails_at("convention: rfc821\nsteps:\n  - C: NOOP\n", "C: is not a role", 3,
           5);
  /* no role lines at all: nothing to infer, nothing to complain about */
  t = ok("steps:\n  - expect: 220\n  - send: QUIT\n");
  ck_assert_int_eq(t->convention, MS_CONV_NONE);
  ms_transcript_free(t);
}
END_TEST

START_TEST(test_steps_options) {
  struct ms_transcript *t = ok("convention: rfc821\n"
                               "steps:\n"
                               "  - R: 220\n"
                               "  - send: EHLO x\n"
                               "  - R: 250-first\n"
                               "  - R: 250 last\n"
                               "  - S: RCPT TO:<a>\n"
                               "  - R: 250|251\n"
                               "  - expect: 2xx\n"
                               "    text: \"^2\\\\.1\\\\.5\"\n"
                               "    timeout: 5\n"
                               "  - S: DATA\n"
                               "  - expect: 354\n"
                               "  - data: |\n"
                               "      Subject: x\n"
                               "\n"
                               "      .dot\n"
                               "  - R: 250\n"
                               "  - pause: 0.5\n"
                               "  - S: \"\"\n"
                               "  - meta: close connection\n"
                               "  - expect: close\n"
                               "    timeout: 3\n");
  ck_assert_uint_eq(D.nerrors, 0);
  ck_assert_uint_eq(D.n, 1); /* S: "" outside mail data: a bare CRLF */
  ck_assert(D.v[0].warning);
  ck_assert_int_eq(D.v[0].line, 20);
  const struct ms_transcript *c = t;
  ck_assert_int_eq(st(c, 0, 1)->send, MS_SEND_LINE);
  ck_assert_str_eq(st(c, 0, 1)->text, "EHLO x");
  ck_assert_int_eq(st(c, 0, 2)->kind, MS_STEP_EXPECT); /* merged reply */
  ck_assert(st(c, 0, 2)->multiline);
  ck_assert_uint_eq(st(c, 0, 2)->nlines, 2);
  ck_assert_int_eq(st(c, 0, 2)->line, 5);
  ck_assert_int_eq(st(c, 0, 4)->pat.n, 2);
  const struct ms_step *e = st(c, 0, 5);
  ck_assert_str_eq(e->text_re, "^2\\.1\\.5");
  ck_assert(e->timeout == 5);
  ck_assert_str_eq(e->pat.alt[0], "2xx");
  ck_assert_int_eq(st(c, 0, 8)->send, MS_SEND_BODY);
  ck_assert_str_eq(st(c, 0, 8)->text, "Subject: x\n\n.dot");
  ck_assert_int_eq(st(c, 0, 9)->kind, MS_STEP_EXPECT);
  ck_assert(st(c, 0, 10)->pause == 0.5);
  ck_assert_int_eq(st(c, 0, 11)->send, MS_SEND_LINE); /* after data: */
  ck_assert_str_eq(st(c, 0, 11)->text, "");
  ck_assert_str_eq(st(c, 0, 12)->meta, "close connection");
  ck_assert_int_eq(st(c, 0, 13)->kind, MS_STEP_CLOSE);
  ck_assert(st(c, 0, 13)->timeout == 3);
  ms_transcript_free(t);
}
END_TEST

START_TEST(test_steps_data_lines) {
  /* client lines after an expected 354 are mail data, "." ends them */
  struct ms_transcript *t = ok("steps:\n"
                               "  - C: DATA\n"
                               "  - S: 354\n"
                               "  - C: .hidden\n"
                               "  - C: <CRLF>.<CRLF>\n"
                               "  - S: 250\n"
                               "  - C: QUIT\n");
  ck_assert_int_eq(st(t, 0, 2)->send, MS_SEND_DATA_LINE);
  ck_assert_str_eq(st(t, 0, 2)->text, ".hidden");
  ck_assert_int_eq(st(t, 0, 3)->send, MS_SEND_DATA_LINE);
  ck_assert_str_eq(st(t, 0, 3)->text, ".");
  ck_assert_int_eq(st(t, 0, 5)->send, MS_SEND_LINE);
  ms_transcript_free(t);
}
END_TEST

START_TEST(test_raw) {
  struct ms_transcript *t =
      ok("steps:\n"
         "  - raw: 'MAIL FROM:<a>\\n\\0\\x41\\xff\\\\\\\"'\n"
         "  - raw: \"HELO x\\r\\n\"\n"
         "  - raw: plain\\tx\n");
  const struct ms_step *r = st(t, 0, 0);
  static const char want[] = "MAIL FROM:<a>\n\0A\xff\\\"";
  ck_assert_int_eq(r->send, MS_SEND_RAW);
  ck_assert_uint_eq(r->len, sizeof want - 1);
  ck_assert(memcmp(r->text, want, r->len) == 0);
  ck_assert_str_eq(st(t, 0, 1)->text, "HELO x\r\n"); /* YAML decoded */
  ck_assert_str_eq(st(t, 0, 2)->text, "plain\tx");
  ms_transcript_free(t);
  fails_at("steps:\n  - raw: 'a\\qb'\n", "unknown escape \"\\q\"", 2, 10);
  fails_at("steps:\n  - raw: 'a\\x4'\n", "unknown escape", 2, 10);
}
END_TEST

START_TEST(test_steps_errors) {
  /* "- S: #tag" is an empty value and a comment to YAML */
  fails_at("convention: rfc821\nsteps:\n  - S: #tag\n", "quote text", 3, 7);
  fails_at("steps:\n  - send:\n", "quote text", 2, 10);
  fails_at("steps:\n  - expect: 25\n", "bad SMTP reply pattern", 2, 13);
  fails_at("protocol: pop3\nsteps:\n  - expect: 250\n", "bad POP3", 3, 13);
  fails_at("steps:\n  - expect: 250\n    text: \"(\"\n", "regular expression",
           3, 11);
  fails_at("steps:\n  - expect: 250\n    texts: x\n", "unknown option", 3, 5);
  fails_at("steps:\n  - send: x\n    timeout: 3\n", "unknown option", 3, 5);
  fails_at("steps:\n  - send: x\n    expect: 250\n", "one step does one", 3, 5);
  fails_at("steps:\n  - C: x\n    timeout: 3\n", "takes no other keys", 3, 5);
  fails_at("steps:\n  - frobnicate: x\n", "unknown step", 2, 5);
  fails_at("steps:\n  - just text\n", "a step is a mapping", 2, 5);
  fails_at("steps:\n  - pause: 0\n", "greater than 0", 2, 12);
  fails_at("steps:\n  - C: x\n  - S: OK\n", "no reply code", 3, 5);
  fails_at("steps:\n  - expect: close\n    text: x\n", "takes no text", 3, 11);
  fails_at("steps: []\n", "non-empty list", 1, 1);
  fails_at("steps: x\n", "non-empty list", 1, 8);
}
END_TEST

/* What `mailspec import` writes for a capture with gaps (issue 6). */
START_TEST(test_replayable_and_gap) {
  struct ms_transcript *t = ok(
      "replayable: false\n"
      "convention: rfc5321\n"
      "steps:\n"
      "  - S: 220 x\n"
      "  - C: \"<gap: 9 bytes sent by the client are missing, frame 3: x>\"\n"
      "  - C: QUIT\n");
  ck_assert(!t->replayable);
  ck_assert_int_eq(st(t, 0, 1)->kind, MS_STEP_GAP);
  ck_assert_str_eq(st(t, 0, 1)->meta,
                   "gap: 9 bytes sent by the client are missing, frame 3: x");
  ms_transcript_free(t);
  t = ok("replayable: yes\nscript: |\n  S: 220 x\n  C: QUIT\n");
  ck_assert(t->replayable);
  ms_transcript_free(t);
}
END_TEST

START_TEST(test_top_level_errors) {
  fails_at("title: x\nfrobs: 1\nsteps:\n  - expect: 220\n",
           "unknown key \"frobs\"", 2, 1);
  fails_at("title: x\n", "no dialogue", 1, 1);
  fails_at("steps:\n  - expect: 220\nscript: |\n  R: 220\n", "exactly one", 3,
           1);
  fails_at("script: \"R: 220\"\n", "literal block", 1, 9);
  fails_at("protocol: imap\nsteps:\n  - expect: 220\n", "unknown protocol", 1,
           11);
  fails_at("convention: rfc822\nsteps:\n  - expect: 220\n",
           "unknown convention", 1, 13);
  fails_at("level: MUSTNT\nsteps:\n  - expect: 220\n", "unknown level", 1, 8);
  fails_at("timeout: -1\nsteps:\n  - expect: 220\n", "greater than 0", 1, 10);
  fails_at("deadline: soon\nsteps:\n  - expect: 220\n", "greater than 0", 1,
           11);
  fails_at("pipelining: maybe\nsteps:\n  - expect: 220\n", "true or false", 1,
           13);
  fails_at("replayable: sometimes\nsteps:\n  - expect: 220\n",
           "replayable: is true or false", 1, 13);
  fails_at("tags: one\nsteps:\n  - expect: 220\n", "takes a list", 1, 7);
  /* "AUTH PLAIN" is a capability with a parameter; two blanks are not */
  fails_at("requires: [\"A  B\"]\nsteps:\n  - expect: 220\n", "with parameters",
           1, 12);
  fails_at("vars: {9x: 1}\nsteps:\n  - expect: 220\n", "bad variable name", 1,
           8);
  fails_at("title: [a]\nsteps:\n  - expect: 220\n", "single value", 1, 8);
  fails_at("sessions: []\n", "non-empty list", 1, 1);
  fails_at("sessions:\n  - name: a\n", "no script: or steps:", 2, 5);
  fails_at(
      "sessions:\n  - steps: [{expect: 220}]\n    script: |\n      R: 220\n",
      "not both", 3, 5);
  fails_at("sessions:\n  - steps: [{expect: 220}]\n    frob: 1\n",
           "unknown key \"frob\" in a session", 3, 5);
}
END_TEST

START_TEST(test_yaml_errors) {
  fails_at("title: a: b\nsteps: []\n", "YAML syntax error", 1, 9);
  fails_at("title: x\ntitle: y\nsteps:\n  - expect: 220\n", "duplicate key", 2,
           1);
  fails_at("vars: &v {a: b}\ntags: *v\nsteps:\n  - expect: 220\n", "aliases", 2,
           7);
  fails_at("- a\n- b\n", "a transcript is a YAML mapping", 1, 1);
  fails_at("", "empty transcript", 1, 1);
  fails_at("a: 1\n---\nb: 2\n", "second YAML document", 2, 1);
}
END_TEST

START_TEST(test_vars_references) {
  struct ms_transcript *t = ok("vars: {helo: x}\n"
                               "steps:\n"
                               "  - C: EHLO ${helo}\n"
                               "  - C: MAIL FROM:<${from}>\n"
                               "  - C: RCPT TO:<${from}> $${literal}\n");
  /* unknown names are warnings (a suite or -D may define them), once */
  ck_assert_uint_eq(D.nerrors, 0);
  ck_assert_uint_eq(D.n, 1);
  ck_assert(D.v[0].warning);
  ck_assert_int_eq(D.v[0].line, 4);
  ck_assert_ptr_nonnull(strstr(D.v[0].msg, "${from}"));
  ms_transcript_free(t);
  fails_at("steps:\n  - C: EHLO ${helo\n", "closing", 2, 5);
}
END_TEST

START_TEST(test_load_file) {
  struct ms_diags d = {0};
  ck_assert_ptr_null(ms_transcript_load("/nonexistent/x.yaml", &d));
  ck_assert_uint_eq(d.nerrors, 1);
  ck_assert_ptr_nonnull(strstr(d.v[0].msg, "cannot read"));
  ms_diags_free(&d);
  char path[] = "/tmp/mailspec-check-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  const char y[] = "steps:\n  - R: 220\n  - S: QUIT\n";
  ck_assert_int_eq(write(fd, y, sizeof y - 1), (ssize_t)sizeof y - 1);
  close(fd);
  struct ms_transcript *t = ms_transcript_load(path, &d);
  unlink(path);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(t->convention, MS_CONV_RFC821);
  ms_transcript_free(t);
  ms_diags_free(&d);
}
END_TEST

/* The bundled RFC 821 Scenario 1 transcripts load cleanly, and the two
 * smtp-sink forms say the same thing. */
START_TEST(test_bundled) {
  static const char *const files[] = {
      "transcripts/rfc821/scenario-01-typical-transaction.yaml",
      "transcripts/sink/scenario-01-script.yaml",
      "transcripts/sink/scenario-01-steps.yaml"};
  struct ms_transcript *t[3];
  for (int i = 0; i < 3; i++) {
    struct ms_diags d = {0};
    t[i] = ms_transcript_load(files[i], &d);
    ck_assert_msg(t[i] != NULL, "%s: %s", files[i], d.n ? d.v[0].msg : "");
    ck_assert_uint_eq(d.n, 0);
    ms_diags_free(&d);
  }
  ck_assert_str_eq(t[0]->source, "RFC 821 Appendix F, Scenario 1");
  ck_assert_str_eq(t[0]->id, "rfc821/scenario-01-typical-transaction");
  ck_assert_int_eq(t[0]->level, MS_LEVEL_MUST);
  /* Green: 550 as printed, 250 against smtp-sink */
  ck_assert_str_eq(t[0]->sessions[0].steps[8].pat.alt[0], "550");
  ck_assert_str_eq(t[1]->sessions[0].steps[8].pat.alt[0], "250");
  /* script and steps forms: the same codes in the same order */
  size_t j = 0;
  for (size_t i = 0; i < t[1]->sessions[0].nsteps; i++) {
    const struct ms_step *a = &t[1]->sessions[0].steps[i];
    if (a->kind != MS_STEP_EXPECT)
      continue;
    while (j < t[2]->sessions[0].nsteps &&
           t[2]->sessions[0].steps[j].kind != MS_STEP_EXPECT)
      j++;
    ck_assert(j < t[2]->sessions[0].nsteps);
    ck_assert_str_eq(a->pat.alt[0], t[2]->sessions[0].steps[j].pat.alt[0]);
    j++;
  }
  for (int i = 0; i < 3; i++)
    ms_transcript_free(t[i]);
}
END_TEST

/* Never crash, never leak, on malformed input (a taste of the fuzzer). */
START_TEST(test_garbage) {
  static const char *const inputs[] = {
      "[",
      "{",
      "a: [",
      "\t- x",
      "script: |\n  \x01\n",
      "steps:\n  - ? [a]\n    : b\n",
      "steps:\n  - {? {a: b} : c}\n",
      "script: |\n  S:\n  R:\n  C:\n",
      "script: |\n   \n  x\n",
      "world: [1, 2]\nsteps: [{expect: 220}]\n",
      "sessions: [1, [2], {name: [x]}]\n",
      "steps: [{R: [1]}, {C: {a: b}}]\n",
      "steps:\n  - data: [x]\n  - raw: {}\n  - expect: {}\n  - pause: []\n",
      "protocol: pop3\nscript: |\n  S: +OK\n  S: x\n  S: +OK\n",
      "script: |2\n    R: 220\n",
      "\xff\xfe",
      "key: \"\\x00\"\n",
      "steps:\n  - C: \"a\\0b\"\n  - C: \"${\"\n"};
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
    struct ms_transcript *t = parse(inputs[i]);
    ms_transcript_free(t);
  }
  /* deep nesting is bounded, not a stack overflow */
  char *deep = malloc(20001);
  memset(deep, '[', 20000);
  deep[20000] = '\0';
  ck_assert_ptr_null(parse(deep));
  free(deep);
}
END_TEST

Suite *make_transcript_suite(void);
Suite *make_transcript_suite(void) {
  Suite *s = suite_create("transcript");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, test_metadata);
  tcase_add_test(tc, test_defaults_and_world_path);
  tcase_add_test(tc, test_script_in_yaml);
  tcase_add_test(tc, test_convention_inference);
  tcase_add_test(tc, test_steps_options);
  tcase_add_test(tc, test_steps_data_lines);
  tcase_add_test(tc, test_raw);
  tcase_add_test(tc, test_steps_errors);
  tcase_add_test(tc, test_replayable_and_gap);
  tcase_add_test(tc, test_top_level_errors);
  tcase_add_test(tc, test_yaml_errors);
  tcase_add_test(tc, test_vars_references);
  tcase_add_test(tc, test_load_file);
  tcase_add_test(tc, test_bundled);
  tcase_add_test(tc, test_garbage);
  suite_add_tcase(s, tc);
  return s;
}
