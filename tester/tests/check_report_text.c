/* Unit tests for report_text.c (the default report), report.c (-r
 * parsing, atomic report files) on hand-built results. */
#include <check.h>
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailspec/mailspec.h"
#include "report_fixture.h"
#include "util.h"

static struct ms_transcript_result *rt_add(struct ms_run_result *r,
                                           const char *id, const char *path,
                                           enum ms_verdict v) {
  r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
  struct ms_transcript_result *t = &r->v[r->n++];
  memset(t, 0, sizeof *t);
  t->id = xstrdup(id);
  t->path = xstrdup(path);
  t->verdict = v;
  return t;
}

static struct ms_step_result *rt_step(struct ms_transcript_result *t, int line,
                                      enum ms_verdict v, const char *sent,
                                      const char *exp, const char *got,
                                      const char *reason) {
  struct ms_step_result *s = ms_tr_add_step(t);
  s->line = line;
  s->verdict = v;
  s->sent = sent ? xstrdup(sent) : NULL;
  s->expected = exp ? xstrdup(exp) : NULL;
  s->got = got ? xstrdup(got) : NULL;
  s->reason = reason ? xstrdup(reason) : NULL;
  return s;
}

/* PASS, FAIL (the brief's example), SKIP and ERROR. */
static void rt_run(struct ms_run_result *r) {
  ms_run_init(r);
  struct ms_transcript_result *t = rt_add(
      r, "rfc821/scenario-01", "transcripts/rfc821/scenario-01.yaml", MS_PASS);
  t->title = xstrdup("A typical SMTP transaction");
  t = rt_add(r, "sink/scenario-01", "transcripts/sink/scenario-01-script.yaml",
             MS_FAIL);
  rt_step(t, 4, MS_PASS, NULL, "220", "220 sink ESMTP", NULL);
  rt_step(t, 14, MS_FAIL, "RCPT TO:<Green@BBN-UNIX.ARPA>",
          "550 No such user here", "250 2.1.5 Ok", "expected 550, got 250");
  t = rt_add(r, "esmtp/pipelining", "transcripts/esmtp/pipelining.yaml",
             MS_SKIP);
  t->reason = xstrdup("server does not advertise PIPELINING");
  t = rt_add(r, "smtp/slow", "transcripts/smtp/slow.yaml", MS_ERROR);
  rt_step(t, 9, MS_ERROR, "MAIL FROM:<a>", "250", NULL,
          "no reply within 30 s to 'MAIL FROM:<a>'");
  t->reason = xstrdup("no reply within 30 s to 'MAIL FROM:<a>'");
  ms_run_count(r);
}

static char *rt_render(const struct ms_run_result *r, int verbosity,
                       bool color) {
  struct ms_report_opts o = {.color = color, .verbosity = verbosity};
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(ms_report_text(r, f, &o), 0);
  fclose(f);
  return buf;
}

static const char rt_expected[] =
    "PASS  rfc821/scenario-01  A typical SMTP transaction\n"
    "FAIL  sink/scenario-01  (transcripts/sink/scenario-01-script.yaml:14)\n"
    "    S: RCPT TO:<Green@BBN-UNIX.ARPA>\n"
    "  - R: 550 No such user here\n"
    "  + R: 250 2.1.5 Ok\n"
    "    why: expected 550, got 250\n"
    "SKIP  esmtp/pipelining  server does not advertise PIPELINING\n"
    "ERROR smtp/slow  (transcripts/smtp/slow.yaml:9)\n"
    "    S: MAIL FROM:<a>\n"
    "  - R: 250\n"
    "  + (no reply)\n"
    "    why: no reply within 30 s to 'MAIL FROM:<a>'\n"
    "\n"
    "1 passed, 1 failed, 1 error, 1 skipped\n";

START_TEST(test_text_layout) {
  struct ms_run_result r;
  rt_run(&r);
  char *out = rt_render(&r, 0, false);
  ck_assert_str_eq(out, rt_expected);
  free(out);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_text_quiet) {
  struct ms_run_result r;
  rt_run(&r);
  char *out = rt_render(&r, -1, false);
  ck_assert_ptr_null(strstr(out, "PASS "));
  ck_assert_ptr_null(strstr(out, "SKIP "));
  ck_assert_ptr_nonnull(strstr(out, "FAIL  sink/scenario-01"));
  ck_assert_ptr_nonnull(strstr(out, "ERROR smtp/slow"));
  size_t n = strlen(out);
  const char *tail = "1 passed, 1 failed, 1 error, 1 skipped\n";
  ck_assert(n > strlen(tail));
  ck_assert_str_eq(out + n - strlen(tail), tail);
  free(out);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_text_summary_only_when_clean) {
  struct ms_run_result r;
  ms_run_init(&r);
  rt_add(&r, "a", "a.yaml", MS_PASS);
  rt_add(&r, "b", "b.yaml", MS_PASS);
  char *out = rt_render(&r, 0, false);
  ck_assert_str_eq(out, "PASS  a\nPASS  b\n\n2 passed, 0 failed, 0 skipped\n");
  free(out);
  ms_run_free(&r);
}
END_TEST

/* Issue 12: the summary agrees with JSON and JUnit: an ERROR is counted
 * as an error, not as a failure. */
START_TEST(test_text_error_only) {
  struct ms_run_result r;
  ms_run_init(&r);
  struct ms_transcript_result *t = rt_add(&r, "e", "e.yaml", MS_ERROR);
  rt_step(t, 9, MS_ERROR, "NOOP", "250", NULL, "no reply within 1 s");
  ms_run_count(&r);
  char *out = rt_render(&r, 0, false);
  size_t n = strlen(out);
  const char *tail = "\n0 passed, 0 failed, 1 error, 0 skipped\n";
  ck_assert_msg(n > strlen(tail) && strcmp(out + n - strlen(tail), tail) == 0,
                "%s", out);
  ck_assert_ptr_null(strstr(out, "1 failed"));
  free(out);
  rt_add(&r, "e2", "e2.yaml", MS_ERROR);
  rt_add(&r, "f", "f.yaml", MS_FAIL);
  out = rt_render(&r, 0, false);
  ck_assert_ptr_nonnull(
      strstr(out, "\n0 passed, 1 failed, 2 errors, 0 skipped\n"));
  free(out);
  ms_run_free(&r);
}
END_TEST

/* Issue 12: where a session diverged, and what was left unjudged. */
START_TEST(test_text_diverged) {
  struct ms_run_result r;
  ms_run_init(&r);
  struct ms_transcript_result *t = rt_add(&r, "d", "d.yaml", MS_FAIL);
  rt_step(t, 13, MS_FAIL, "DATA", "354", "554 5.5.1 Error: no valid recipients",
          "expected 354, got 554");
  struct ms_divergence *dv =
      ms_tr_add_divergence(t, "d.yaml:13: expected 354, got 554");
  dv->line = 13;
  dv->not_judged = 2;
  dv->first_line = 615;
  dv->last_line = 617;
  char *out = rt_render(&r, 0, false);
  ck_assert_msg(strstr(out,
                       "    why: expected 354, got 554\n"
                       "    diverged at d.yaml:13: expected 354, got 554; "
                       "not judged: 2 later steps (lines 615-617)\n") != NULL,
                "%s", out);
  free(out);
  /* an allowed refusal ends a session: a SKIP that shows it too */
  t->verdict = MS_SKIP;
  t->steps[0].verdict = MS_PASS;
  t->reason = xstrdup("the server answered 554 to DATA (allowed)");
  dv->allowed = true;
  out = rt_render(&r, 0, false);
  ck_assert_msg(strstr(out, "SKIP  d  the server answered 554 to DATA "
                            "(allowed)\n"
                            "    ended at d.yaml:13: expected 354, got 554; "
                            "not run: 2 later steps (lines 615-617)\n") != NULL,
                "%s", out);
  free(out);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_text_details_line) {
  struct ms_run_result r;
  ms_run_init(&r);
  rt_add(&r, "a", "a.yaml", MS_WAIVED)->reason = xstrdup("waived: #12");
  rt_add(&r, "b", "b.yaml", MS_NOTRUN)->reason = xstrdup("interrupted");
  r.interrupted = true;
  char *out = rt_render(&r, 0, false);
  ck_assert_ptr_nonnull(strstr(out, "\ninterrupted: 1 waived, 1 not run\n"
                                    "1 passed, 0 failed, 0 skipped\n"));
  free(out);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_text_findings_and_multiline) {
  struct ms_run_result r;
  ms_run_init(&r);
  struct ms_transcript_result *t = rt_add(&r, "p", "p.yaml", MS_FAIL);
  t->protocol = MS_PROTO_POP3;
  struct ms_step_result *s =
      rt_step(t, 7, MS_FAIL, "LIST", "+OK", "+OK 2 messages\n1 120\n2 200",
              "a reply line ended in a bare LF");
  ms_step_add_finding(s, MS_V_BARE_LF, "a reply line ended in a bare LF");
  ms_step_add_finding(s, MS_V_TRAILING, "bytes after the final line");
  char *out = rt_render(&r, 0, false);
  ck_assert_ptr_nonnull(strstr(out, "FAIL  p  (p.yaml:7)\n"
                                    "    C: LIST\n"
                                    "  - S: +OK\n"
                                    "  + S: +OK 2 messages\n"
                                    "  + S: 1 120\n"
                                    "  + S: 2 200\n"
                                    "    why: a reply line ended in a bare "
                                    "LF\n"
                                    "    finding: bytes after the final "
                                    "line\n"));
  free(out);
  ms_run_free(&r);
}
END_TEST

/* A reason of several lines (load diagnostics) is indented under the
 * transcript's line. */
START_TEST(test_text_load_error) {
  struct ms_run_result r;
  ms_run_init(&r);
  rt_add(&r, "bad", "bad.yaml", MS_ERROR)->reason =
      xstrdup("bad.yaml:3:1: first\nbad.yaml:9:2: second");
  char *out = rt_render(&r, 0, false);
  ck_assert_ptr_nonnull(strstr(out, "ERROR bad\n"
                                    "    bad.yaml:3:1: first\n"
                                    "    bad.yaml:9:2: second\n"));
  free(out);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_text_long_reply_capped) {
  struct ms_run_result r;
  ms_run_init(&r);
  struct ms_transcript_result *t = rt_add(&r, "x", "x.yaml", MS_FAIL);
  char *got = xstrdup("250-0");
  for (int i = 1; i < 100; i++) {
    char *n = xasprintf("%s\n250-%d", got, i);
    free(got);
    got = n;
  }
  rt_step(t, 2, MS_FAIL, "EHLO x", "550", got, "expected 550, got 250");
  free(got);
  char *out = rt_render(&r, 0, false);
  ck_assert_ptr_nonnull(strstr(out, "  + R: 250-19\n  + R: ... (80 more "
                                    "lines)\n"));
  ck_assert_ptr_null(strstr(out, "250-20\n"));
  free(out);
  out = rt_render(&r, 1, false); /* -v shows everything */
  ck_assert_ptr_nonnull(strstr(out, "  + R: 250-99\n"));
  free(out);
  ms_run_free(&r);
}
END_TEST

/* Server bytes never reach the terminal raw: no ESC, no C0/C1 control,
 * invalid UTF-8 as \xHH, valid UTF-8 kept. */
START_TEST(test_text_hostile_escaped) {
  struct ms_run_result r;
  ms_run_init(&r);
  struct ms_transcript_result *t =
      rt_add(&r, "evil\x1b]0;pwned\x07", "e.yaml", MS_FAIL);
  rt_step(t, 3, MS_FAIL, "HELO \x1b[2J", "250",
          "250 \x1b[31mred\x1b[0m \xc2\x85 caf\xc3\xa9 \xff\xfe\r",
          "expected 250, got \x1b[5m");
  char *out = rt_render(&r, 0, false);
  ck_assert_ptr_null(strchr(out, '\x1b'));
  ck_assert_ptr_null(strchr(out, '\x07'));
  ck_assert_ptr_null(strchr(out, '\r'));
  ck_assert_ptr_null(strstr(out, "\xc2\x85"));
  ck_assert_ptr_nonnull(strstr(out, "FAIL  evil\\x1b]0;pwned\\x07"));
  ck_assert_ptr_nonnull(strstr(out, "    S: HELO \\x1b[2J\n"));
  ck_assert_ptr_nonnull(strstr(out,
                               "  + R: 250 \\x1b[31mred\\x1b[0m "
                               "\\xc2\\x85 caf\xc3\xa9 \\xff\\xfe\\x0d\n"));
  ck_assert_ptr_nonnull(strstr(out, "why: expected 250, got \\x1b[5m\n"));
  free(out);
  ms_run_free(&r);
}
END_TEST

/* The shared hostile fixture (10,000-line replies, markup, invalid
 * UTF-8): the text report stays clean UTF-8 without raw controls. */
START_TEST(test_text_fixture_clean) {
  struct ms_run_result r;
  ms_fixture_run(&r, true);
  size_t len = 0;
  char *out = ms_fixture_render(ms_report_text, &r, &len);
  ck_assert(ms_fixture_clean_utf8(out, len, false));
  ck_assert_ptr_nonnull(strstr(out, " failed, "));
  free(out);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_text_color) {
  struct ms_run_result r;
  rt_run(&r);
  char *plain = rt_render(&r, 0, false);
  char *color = rt_render(&r, 0, true);
  ck_assert_ptr_null(strchr(plain, '\x1b'));
  ck_assert_ptr_nonnull(strstr(color, "\x1b[32mPASS \x1b[0m"));
  ck_assert_ptr_nonnull(strstr(color, "\x1b[31mFAIL \x1b[0m"));
  free(plain);
  free(color);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_text_safe) {
  static const char in[] = "a\tb\x01\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f"
                           "\x98\x80\xc0\xaf\xed\xa0\x80\xc2";
  char *s = ms_report_text_safe(in, sizeof in - 1);
  ck_assert_str_eq(s, "a\tb\\x01\\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
                      "\\xc0\\xaf\\xed\\xa0\\x80\\xc2");
  free(s);
  s = ms_report_text_safe("nul\0inside", 10);
  ck_assert_str_eq(s, "nul\\x00inside");
  free(s);
  s = ms_report_text_safe(NULL, 0);
  ck_assert_str_eq(s, "");
  free(s);
}
END_TEST

/* ---- ms_report_spec_parse ---------------------------------------------- */

static void spec_ok(const char *spec, enum ms_report_format want,
                    const char *file) {
  enum ms_report_format f;
  char *path = NULL, err[128] = "";
  ck_assert_msg(ms_report_spec_parse(spec, &f, &path, err, sizeof err) == 0,
                "'%s': %s", spec, err);
  ck_assert_int_eq(f, want);
  if (file)
    ck_assert_str_eq(path, file);
  else
    ck_assert_ptr_null(path);
  free(path);
}

static void spec_bad(const char *spec, const char *why) {
  enum ms_report_format f;
  char *path = NULL, err[160] = "";
  ck_assert_int_eq(ms_report_spec_parse(spec, &f, &path, err, sizeof err), -1);
  ck_assert_ptr_null(path);
  ck_assert_msg(strstr(err, why) != NULL, "'%s': '%s'", spec, err);
}

START_TEST(test_spec_parse) {
  spec_ok("text", MS_REPORT_TEXT, NULL);
  spec_ok("junit:out/report.xml", MS_REPORT_JUNIT, "out/report.xml");
  spec_ok("json:-", MS_REPORT_JSON, NULL);
  spec_ok("tap", MS_REPORT_TAP, NULL);
  spec_ok("html:r.html", MS_REPORT_HTML, "r.html");
  spec_ok("md:C:/x", MS_REPORT_MD, "C:/x");
  spec_bad("xml:r.xml", "unknown report format 'xml'");
  spec_bad("", "unknown report format");
  spec_bad("JSON", "unknown report format");
  spec_bad("json:", "empty file name");
  ck_assert_str_eq(ms_report_format_name(MS_REPORT_JUNIT), "junit");
  ck_assert_str_eq(ms_report_format_name(MS_REPORT_MD), "md");
}
END_TEST

/* ---- ms_report_write_file ------------------------------------------------ */

static char rt_dir[64];

static void rt_mkdir(void) {
  snprintf(rt_dir, sizeof rt_dir, "/tmp/mailspec-rt.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(rt_dir));
}

static size_t rt_count_entries(void) {
  DIR *d = opendir(rt_dir);
  ck_assert_ptr_nonnull(d);
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      n++;
  closedir(d);
  return n;
}

START_TEST(test_write_file_atomic) {
  rt_mkdir();
  struct ms_run_result r;
  rt_run(&r);
  char *path = xasprintf("%s/report.txt", rt_dir), err[256] = "";
  struct ms_report_opts o = {0};
  FILE *f = fopen(path, "w");
  fputs("old contents\n", f);
  fclose(f);
  ck_assert_int_eq(
      ms_report_write_file(MS_REPORT_TEXT, &r, path, &o, err, sizeof err), 0);
  size_t len;
  char *got = ms_read_file(path, 1 << 20, &len);
  ck_assert_str_eq(got, rt_expected);
  ck_assert_uint_eq(rt_count_entries(), 1); /* no temporary left */
  free(got);
  unlink(path);
  rmdir(rt_dir);
  free(path);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_write_file_refuses_symlink) {
  rt_mkdir();
  struct ms_run_result r;
  rt_run(&r);
  char *victim = xasprintf("%s/victim", rt_dir);
  char *path = xasprintf("%s/report.txt", rt_dir), err[256] = "";
  FILE *f = fopen(victim, "w");
  fputs("precious\n", f);
  fclose(f);
  ck_assert_int_eq(symlink(victim, path), 0);
  struct ms_report_opts o = {0};
  ck_assert_int_eq(
      ms_report_write_file(MS_REPORT_TEXT, &r, path, &o, err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "symbolic link"));
  ck_assert_ptr_nonnull(strstr(err, path));
  size_t len;
  char *got = ms_read_file(victim, 1 << 20, &len);
  ck_assert_str_eq(got, "precious\n"); /* not followed */
  free(got);
  struct stat st;
  ck_assert_int_eq(lstat(path, &st), 0);
  ck_assert(S_ISLNK(st.st_mode)); /* not replaced either */
  ck_assert_uint_eq(rt_count_entries(), 2);
  /* A dangling symlink is refused the same way. */
  unlink(victim);
  ck_assert_int_eq(
      ms_report_write_file(MS_REPORT_TEXT, &r, path, &o, err, sizeof err), -1);
  ck_assert_int_eq(access(victim, F_OK), -1);
  unlink(path);
  rmdir(rt_dir);
  free(victim);
  free(path);
  ms_run_free(&r);
}
END_TEST

START_TEST(test_write_file_bad_dir) {
  struct ms_run_result r;
  rt_run(&r);
  char err[256] = "";
  struct ms_report_opts o = {0};
  ck_assert_int_eq(ms_report_write_file(MS_REPORT_TEXT, &r,
                                        "/nonexistent-dir/r.txt", &o, err,
                                        sizeof err),
                   -1);
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/r.txt"));
  ms_run_free(&r);
}
END_TEST

Suite *make_report_text_suite(void);
Suite *make_report_text_suite(void) {
  Suite *s = suite_create("report_text");
  TCase *tc = tcase_create("text");
  tcase_add_test(tc, test_text_layout);
  tcase_add_test(tc, test_text_quiet);
  tcase_add_test(tc, test_text_summary_only_when_clean);
  tcase_add_test(tc, test_text_details_line);
  tcase_add_test(tc, test_text_error_only);
  tcase_add_test(tc, test_text_diverged);
  tcase_add_test(tc, test_text_findings_and_multiline);
  tcase_add_test(tc, test_text_load_error);
  tcase_add_test(tc, test_text_long_reply_capped);
  tcase_add_test(tc, test_text_hostile_escaped);
  tcase_add_test(tc, test_text_fixture_clean);
  tcase_add_test(tc, test_text_color);
  tcase_add_test(tc, test_text_safe);
  suite_add_tcase(s, tc);
  tc = tcase_create("files");
  tcase_add_test(tc, test_spec_parse);
  tcase_add_test(tc, test_write_file_atomic);
  tcase_add_test(tc, test_write_file_refuses_symlink);
  tcase_add_test(tc, test_write_file_bad_dir);
  suite_add_tcase(s, tc);
  return s;
}
