/* Unit tests for the timing replay --pace follows (issue 17): the
 * importer's at: and think: computed from packet times (a pipelined
 * batch has think time 0), written so the loader puts each think time on
 * the step that starts its batch, and the loader's errors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "mailspec/mailspec.h"

#define MS 1000000ull /* nanoseconds in a millisecond */

/* One piece of a dialogue: direction, bytes, capture time in ms. */
struct tpiece {
  int dir;
  const char *bytes;
  unsigned ms;
};

/* A session that began at ORIGIN + START ms, with PIECES. */
static struct ms_imp_session *tm_session(const struct tpiece *v, size_t n,
                                         unsigned start) {
  struct ms_imp_session *s = calloc(1, sizeof *s);
  s->proto = MS_PROTO_SMTP;
  s->ci.af = 4;
  s->ci.saw_syn = true;
  s->ci.port[0] = 40000;
  s->ci.port[1] = 25;
  s->close_why = "fin";
  s->timed = true;
  s->origin_ns = 1000000000000ull;
  s->ci.first_ts_ns = s->origin_ns + start * MS;
  ms_imp_dir_init(&s->d[0], 1u << 20);
  ms_imp_dir_init(&s->d[1], 1u << 20);
  for (size_t i = 0; i < n; i++)
    ms_imp_dir_add_ts(&s->d[v[i].dir], (const unsigned char *)v[i].bytes,
                      strlen(v[i].bytes), i + 1, s->origin_ns + v[i].ms * MS);
  return s;
}

static char *tm_yaml(const struct ms_imp_session *s, bool steps) {
  struct ms_frames f;
  ms_import_frame(s, &f);
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  struct ms_write_opts o = {
      .capture = "t.pcap", .conv = MS_CONV_RFC5321, .force_steps = steps};
  ck_assert_int_eq(ms_transcript_write(out, s, &f, &o, NULL), 0);
  fclose(out);
  ms_frames_free(&f);
  return text;
}

/* The think time of each SEND step, -1 for the others. */
static void tm_afters(const struct ms_transcript *t, double *v, size_t *n) {
  *n = 0;
  for (size_t i = 0; i < t->sessions[0].nsteps; i++) {
    const struct ms_step *st = &t->sessions[0].steps[i];
    v[(*n)++] = st->kind == MS_STEP_SEND ? st->after : -1;
  }
}

static const struct tpiece PIPED[] = {
    {1, "220 mx ESMTP\r\n", 10},
    {0, "EHLO c\r\n", 60}, /* 50 ms after the greeting */
    {1, "250-mx\r\n250 PIPELINING\r\n", 70},
    /* a pipelined batch, 1.2 s after EHLO's reply */
    {0, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n", 1270},
    {1, "250 ok\r\n", 1280},
    {1, "250 ok\r\n", 1281},
    /* QUIT sent before the second reply came: no wait at all */
    {0, "QUIT\r\n", 1280},
    {1, "221 bye\r\n", 1290},
};

START_TEST(timing_written_and_loaded) {
  for (int steps = 0; steps < 2; steps++) {
    struct ms_imp_session *s =
        tm_session(PIPED, sizeof PIPED / sizeof PIPED[0], 1500);
    char *y = tm_yaml(s, steps);
    ck_assert_msg(strstr(y, "\nat: 1.500\n"), "%s", y);
    ck_assert_msg(strstr(y, "\nthink: [0.050, 1.200, 0.000]\n"), "%s", y);
    struct ms_diags d = {0};
    struct ms_transcript *t = ms_transcript_parse("t.yaml", y, strlen(y), &d);
    ck_assert_msg(t != NULL, "%s", y);
    ck_assert(t->at > 1.4999 && t->at < 1.5001);
    double v[32];
    size_t n;
    tm_afters(t, v, &n);
    /* 220, EHLO, 250, MAIL, RCPT, 250, 250, QUIT, 221 */
    ck_assert_uint_eq(n, 9);
    ck_assert(v[1] > 0.0499 && v[1] < 0.0501);
    ck_assert(v[3] > 1.1999 && v[3] < 1.2001);
    ck_assert(v[4] == 0); /* in the batch, not its start */
    ck_assert(v[7] == 0);
    ms_transcript_free(t);
    ms_diags_free(&d);
    free(y);
    ms_imp_session_free(s);
  }
}
END_TEST

START_TEST(timing_untimed_session_writes_none) {
  struct ms_imp_session *s =
      tm_session(PIPED, sizeof PIPED / sizeof PIPED[0], 0);
  s->timed = false; /* a session without trusted packet times */
  char *y = tm_yaml(s, false);
  ck_assert_msg(!strstr(y, "\nat:") && !strstr(y, "\nthink:"), "%s", y);
  free(y);
  ms_imp_session_free(s);
}
END_TEST

/* The loader: each error at the value's line and column. */
static void tm_bad(const char *keys, const char *want) {
  char *y = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&y, &n);
  fprintf(f,
          "title: t\n%s\nscript: |\n  S: 220 hi\n  C: EHLO x\n"
          "  S: 250 ok\n  C: QUIT\n  S: 221 bye\n",
          keys);
  fclose(f);
  struct ms_diags d = {0};
  struct ms_transcript *t = ms_transcript_parse("b.yaml", y, n, &d);
  ck_assert_msg(t == NULL, "%s: accepted", keys);
  char *text = ms_diags_errors_text(&d);
  ck_assert_msg(strstr(text, want), "%s: got %s", keys, text);
  free(text);
  ms_diags_free(&d);
  free(y);
}

START_TEST(timing_bad_values) {
  tm_bad("at: -0.5", "b.yaml:2:5: at: must be a number of seconds, 0 or more");
  tm_bad("at: soon", "b.yaml:2:5: at: must be a number");
  tm_bad("at: [1]", "b.yaml:2:5: at: must be a number");
  tm_bad("think: [0.1, -2]", "b.yaml:2:14: each entry of think:");
  tm_bad("think: 0.5", "b.yaml:2:8: think: is a list of seconds");
  /* one think: list cannot say which connection of sessions: it is for */
  const char *y = "title: t\nthink: [1]\nsessions:\n  - name: a\n"
                  "    script: |\n      S: 220 hi\n      C: QUIT\n"
                  "      S: 221 bye\n";
  struct ms_diags d = {0};
  ck_assert(ms_transcript_parse("s.yaml", y, strlen(y), &d) == NULL);
  char *text = ms_diags_errors_text(&d);
  ck_assert_msg(strstr(text, "s.yaml:2:1: think: goes with a script: or "
                             "steps: dialogue"),
                "%s", text);
  free(text);
  ms_diags_free(&d);
}
END_TEST

START_TEST(timing_fewer_entries_fine) {
  const char *y = "title: t\nat: 0\nthink: [0.25]\nscript: |\n  S: 220 hi\n"
                  "  C: EHLO x\n  S: 250 ok\n  C: QUIT\n  S: 221 bye\n";
  struct ms_diags d = {0};
  struct ms_transcript *t = ms_transcript_parse("f.yaml", y, strlen(y), &d);
  ck_assert(t != NULL);
  ck_assert(t->at == 0);
  ck_assert(t->sessions[0].steps[1].after == 0.25);
  ck_assert(t->sessions[0].steps[3].after == 0);
  ms_transcript_free(t);
  ms_diags_free(&d);
}
END_TEST

/* More entries than batches: a warning, and the transcript loads (one
 * whose dialogue a teacher edited); a STARTTLS handshake does not end
 * the batch count (the EHLO after it answers the 220). */
START_TEST(timing_extra_entries_warn) {
  const char *y = "title: t\nthink: [0.1, 0.2, 0.3, 0.4]\nscript: |\n"
                  "  S: 220 hi\n  C: EHLO x\n  S: 250 STARTTLS\n"
                  "  C: STARTTLS\n  S: 220 go\n  C: EHLO x\n  S: 250 ok\n";
  struct ms_diags d = {0};
  struct ms_transcript *t = ms_transcript_parse("w.yaml", y, strlen(y), &d);
  ck_assert(t != NULL);
  ck_assert_uint_eq(d.nerrors, 0);
  ck_assert_uint_eq(d.n, 1);
  ck_assert(d.v[0].warning && d.v[0].line == 2 && d.v[0].col == 24);
  ck_assert_msg(strstr(d.v[0].msg, "only 3 client batches"), "%s", d.v[0].msg);
  const struct ms_session *s = &t->sessions[0];
  double last = 0;
  for (size_t i = 0; i < s->nsteps; i++)
    if (s->steps[i].kind == MS_STEP_SEND && s->steps[i].after > 0)
      last = s->steps[i].after;
  ck_assert(last == 0.3); /* the EHLO after the handshake */
  ms_transcript_free(t);
  ms_diags_free(&d);
}
END_TEST

Suite *make_timing_suite(void);
Suite *make_timing_suite(void) {
  Suite *s = suite_create("timing");
  TCase *t = tcase_create("timing");
  tcase_add_test(t, timing_written_and_loaded);
  tcase_add_test(t, timing_untimed_session_writes_none);
  tcase_add_test(t, timing_bad_values);
  tcase_add_test(t, timing_fewer_entries_fine);
  tcase_add_test(t, timing_extra_entries_warn);
  suite_add_tcase(s, t);
  return s;
}
