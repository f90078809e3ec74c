/* Unit tests for srv_smtp_submit.c: the reference server as a message
 * submission agent (RFC 6409), driven line by line through the SMTP
 * session on a world with `submission:`, clean and under each
 * submission-* fault. */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_tls.h"
#include "srv.h"
#include "store.h"
#include "util.h"
#include "world.h"

struct sub {
  struct ms_world *w;
  struct ms_store *st;
  struct srv_ctx ctx;
  void *sess;
  struct ms_buf out;
  enum srv_action act;
};

static const char sub_world[] =
    "submission: {senders: [sender@example.org, testuser@localhost],\n"
    "             recipient_domains: [localhost, example.org]}\n";

/* A session on the built-in world changed by YAML, under FAULT; the
 * greeting is in S->out. */
static void sub_open(struct sub *s, enum ms_fault fault, const char *yaml) {
  memset(s, 0, sizeof *s);
  s->w = ms_world_builtin();
  struct ms_diags dg = {0};
  ck_assert_int_eq(
      ms_world_apply_yaml(s->w, "t.yaml", yaml, strlen(yaml), 1, &dg), 0);
  ms_diags_free(&dg);
  char err[256];
  s->ctx.tls = srv_tls_new(NULL, NULL, "mx.example.test", 0, err, sizeof err);
  ck_assert_msg(s->ctx.tls != NULL, "%s", err);
  s->ctx.auth = true;
  s->ctx.world = s->w;
  s->ctx.profile = MS_PROFILE_RFC5321;
  ms_fault_set(&s->ctx.faults, fault);
  s->st = ms_store_new(s->w, NULL);
  s->ctx.store = s->st;
  ms_buf_init(&s->out, 1u << 20);
  s->sess = ms_srv_smtp_ops.open(&s->ctx, &s->out, &s->act);
}

static const char *sub_say(struct sub *s, const char *line) {
  static char last[4096];
  ms_buf_reset(&s->out);
  s->act = ms_srv_smtp_ops.line(s->sess, line, strlen(line), true, &s->out);
  snprintf(last, sizeof last, "%s", s->out.p ? s->out.p : "");
  return last;
}

static void sub_close(struct sub *s) {
  ms_srv_smtp_ops.close(s->sess);
  ms_store_free(s->st);
  srv_tls_free(s->ctx.tls);
  ms_world_free(s->w);
  ms_buf_free(&s->out);
}

static bool sub_matches(const char *text, const char *ere) {
  regex_t re;
  ck_assert_int_eq(regcomp(&re, ere, REG_EXTENDED | REG_NOSUB), 0);
  bool m = regexec(&re, text, 0, NULL, 0) == 0;
  regfree(&re);
  return m;
}

#define SUB_SAYS(s, line, ere)                                                 \
  do {                                                                         \
    const char *got_ = sub_say(s, line);                                       \
    ck_assert_msg(sub_matches(got_, ere), "%s -> '%s', want /%s/", line, got_, \
                  ere);                                                        \
  } while (0)

/* EHLO, STARTTLS (the session is told TLS is on), EHLO, AUTH PLAIN as
 * testuser (base64 of NUL testuser NUL testpass). */
static void sub_login(struct sub *s) {
  sub_say(s, "EHLO client.example");
  SUB_SAYS(s, "STARTTLS", "^220 ");
  sub_say(s, "EHLO client.example");
  SUB_SAYS(s, "AUTH PLAIN AHRlc3R1c2VyAHRlc3RwYXNz", "^235 ");
}

/* Sends a message (LF line ends in TEXT) after MAIL and RCPT; returns
 * the reply to the end of the data. */
static const char *sub_message(struct sub *s, const char *text) {
  SUB_SAYS(s, "MAIL FROM:<sender@example.org>", "^250 ");
  SUB_SAYS(s, "RCPT TO:<postmaster@localhost>", "^250 ");
  SUB_SAYS(s, "DATA", "^354 ");
  for (const char *p = text; *p;) {
    size_t n = strcspn(p, "\n");
    char *line = xstrndup(p, n);
    ck_assert_str_eq(sub_say(s, line), ""); /* data lines get no reply */
    free(line);
    p += n + (p[n] == '\n');
  }
  return sub_say(s, ".");
}

START_TEST(test_submit_clean) {
  struct sub s;
  sub_open(&s, 0, sub_world);
  /* RFC 6409 §4.3: 530 before AUTH, even inside TLS */
  sub_say(&s, "EHLO client.example");
  SUB_SAYS(&s, "STARTTLS", "^220 ");
  sub_say(&s, "EHLO client.example");
  SUB_SAYS(&s, "MAIL FROM:<sender@example.org>",
           "^530 5\\.7\\.0 Authentication required");
  SUB_SAYS(&s, "AUTH PLAIN AHRlc3R1c2VyAHRlc3RwYXNz", "^235 ");
  SUB_SAYS(&s, "MAIL FROM:<>", "^250 ");                            /* §3.2 */
  SUB_SAYS(&s, "RCPT TO:<jru@sales>", "^554 5\\.1\\.2 ");           /* §4.2 */
  SUB_SAYS(&s, "RCPT TO:<someone@example.net>", "^550 5\\.7\\.1 "); /* §6.2 */
  SUB_SAYS(&s, "RCPT TO:<postmaster@localhost>", "^250 ");
  SUB_SAYS(&s, "DATA x", "^501 "); /* §6.3 */
  SUB_SAYS(&s, "RSET", "^250 ");
  SUB_SAYS(&s, "MAIL FROM:<someone-else@example.net>", "^550 5\\.7\\.1 ");
  SUB_SAYS(&s, "MAIL FROM:<jru@sales>", "^554 5\\.1\\.8 ");
  SUB_SAYS(&s, "ETRN example.org", "^500 "); /* §7: no ETRN */
  ck_assert(!sub_matches(sub_say(&s, "EHLO x"), "ETRN|ATRN"));
  /* after AUTH, mail for another domain is relayed */
  SUB_SAYS(&s, "MAIL FROM:<sender@example.org>", "^250 ");
  SUB_SAYS(&s, "RCPT TO:<friend@example.org>", "^250 ");
  sub_close(&s);
}
END_TEST

START_TEST(test_submit_messages) {
  struct sub s;
  sub_open(&s, 0, sub_world);
  sub_login(&s);
  ck_assert(sub_matches(
      sub_message(&s, "From: A <a@example.org>\nTo: b@example.org, \"x, y\" "
                      "<c@example.org>\nCc: undisclosed:;\nSubject: x\n\nbody"),
      "^250 "));
  ck_assert(sub_matches(
      sub_message(&s, "From: <a@example.org>\nnot a header\n\nbody"),
      "^554 5\\.6\\.0 "));
  ck_assert(sub_matches(
      sub_message(&s, " folded first\nFrom: <a@example.org>\n\nbody"),
      "^554 5\\.6\\.0 "));
  ck_assert(sub_matches(
      sub_message(&s, "From: <a@example.org>\nTo: x <two words@@example>\n\nb"),
      "^554 5\\.1\\.3 "));
  ck_assert(
      sub_matches(sub_message(&s, "From: nobody\n\nb"), "^554 5\\.1\\.7 "));
  ck_assert(sub_matches(
      sub_message(&s, "From: (a comment) <a@example.org> (more)\n"
                      "To: b@example.org\n\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-"
                      "STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"),
      "^550 5\\.7\\.0 "));
  sub_close(&s);
  /* refuse_users: testuser's DATA */
  sub_open(&s, 0, "submission: {refuse_users: [testuser]}\n");
  sub_login(&s);
  SUB_SAYS(&s, "MAIL FROM:<sender@example.org>", "^250 ");
  SUB_SAYS(&s, "RCPT TO:<postmaster@localhost>", "^250 ");
  SUB_SAYS(&s, "DATA", "^550 5\\.7\\.1 ");
  sub_close(&s);
}
END_TEST

/* Each submission-* fault changes the one reply it names. */
START_TEST(test_submit_faults) {
  static const struct {
    enum ms_fault f;
    const char *world, *line, *clean, *faulty;
  } rows[] = {
      {MS_F_SUBMIT_NULL_550, sub_world, "MAIL FROM:<>", "^250 ", "^550 "},
      {MS_F_SUBMIT_DOMAIN_550, sub_world, "MAIL FROM:<a@sales>", "^554 ",
       "^550 "},
      {MS_F_SUBMIT_SENDER_553, sub_world, "MAIL FROM:<x@example.net>", "^550 ",
       "^553 "},
      {MS_F_SUBMIT_RCPT_553, sub_world, "RCPT TO:<x@example.net>", "^550 ",
       "^553 "},
      {MS_F_SUBMIT_DATA_ARG_500, sub_world, "DATA x", "^501 ", "^500 "},
      {MS_F_SUBMIT_USER_554, "submission: {refuse_users: [testuser]}\n", "DATA",
       "^550 ", "^554 "},
      {MS_F_SUBMIT_ETRN, sub_world, "ETRN example.org", "^500 ", "^250 "},
      {MS_F_SUBMIT_ETRN, sub_world, "EHLO x", "250 AUTH", "250-ETRN"},
      /* branch dsn2 */
      {MS_F_SUBMIT_ENVELOPE_UNQUALIFIED, "submission: true\n",
       "MAIL FROM:<a@sales>", "^554 5\\.1\\.8 ", "^250 "},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    for (int f = 0; f < 2; f++) {
      struct sub s;
      sub_open(&s, f ? rows[i].f : MS_F_NONE, rows[i].world);
      sub_login(&s);
      if (!strncmp(rows[i].line, "RCPT", 4) ||
          !strncmp(rows[i].line, "DATA", 4))
        sub_say(&s, "MAIL FROM:<sender@example.org>");
      if (!strncmp(rows[i].line, "DATA", 4))
        sub_say(&s, "RCPT TO:<postmaster@localhost>");
      const char *want = f ? rows[i].faulty : rows[i].clean;
      const char *got = sub_say(&s, rows[i].line);
      ck_assert_msg(sub_matches(got, want), "row %zu %s: '%s', want /%s/", i,
                    f ? "fault" : "clean", got, want);
      sub_close(&s);
    }
  /* the header and policy faults */
  struct sub s;
  sub_open(&s, MS_F_SUBMIT_SYNTAX_550, sub_world);
  sub_login(&s);
  ck_assert(sub_matches(sub_message(&s, "nothing\n\nb"), "^550 5\\.6\\.0 "));
  sub_close(&s);
  sub_open(&s, MS_F_SUBMIT_POLICY_554, sub_world);
  sub_login(&s);
  ck_assert(sub_matches(
      sub_message(&s, "From: <a@example.org>\n\nXJS*C4JDBQADN1.NSBN3*2IDNEN*"
                      "GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"),
      "^554 5\\.7\\.0 "));
  sub_close(&s);
  /* §4.2: a header address in a single-level domain: 554, or taken
   * under submission-header-unqualified */
  const char *unq = "From: <a@example.org>\nCc: <jru@sales>\n\nb";
  sub_open(&s, MS_F_NONE, sub_world);
  sub_login(&s);
  ck_assert(sub_matches(sub_message(&s, unq), "^554 5\\.1\\.2 "));
  sub_close(&s);
  sub_open(&s, MS_F_SUBMIT_HEADER_UNQUALIFIED, sub_world);
  sub_login(&s);
  ck_assert(sub_matches(sub_message(&s, unq), "^250 "));
  sub_close(&s);
  /* before AUTH: 530, or 250 under submission-mail-before-auth */
  sub_open(&s, MS_F_SUBMIT_NO_AUTH, sub_world);
  sub_say(&s, "EHLO x");
  SUB_SAYS(&s, "MAIL FROM:<sender@example.org>", "^250 ");
  sub_close(&s);
  /* submission-521: the greeting, and the connection ends */
  sub_open(&s, MS_F_SUBMIT_521, sub_world);
  ck_assert(sub_matches(s.out.p, "^521 "));
  ck_assert_int_eq(s.act, SRV_CLOSE);
  sub_close(&s);
  /* the submission faults do nothing outside a submission world */
  sub_open(&s, MS_F_SUBMIT_521, "max_recipients: 100\n");
  ck_assert(sub_matches(s.out.p, "^220 "));
  sub_close(&s);
}
END_TEST

/* branch wire2: §5.1, a header address that is no address: 554, or
 * taken under submission-header-address-taken. */
START_TEST(test_submit_wire2) {
  const char *bad = "From: <a@example.org>\nTo: x <two words@@example..org>"
                    "\n\nb";
  struct sub s;
  sub_open(&s, MS_F_NONE, sub_world);
  sub_login(&s);
  ck_assert(sub_matches(sub_message(&s, bad), "^554 5\\.1\\.3 "));
  sub_close(&s);
  sub_open(&s, MS_F_SUBMIT_HEADER_ADDRESS_TAKEN, sub_world);
  sub_login(&s);
  ck_assert(sub_matches(sub_message(&s, bad), "^250 "));
  /* the fault leaves the header syntax check alone */
  ck_assert(sub_matches(sub_message(&s, "nothing\n\nb"), "^554 5\\.6\\.0 "));
  sub_close(&s);
}
END_TEST

/* branch wire2: §4.2, short_domains permits 'sales' (expanded in the
 * envelope); 'squeaky.sales' gets 554, or is taken under
 * submission-incomplete-domain-taken. */
START_TEST(test_submit_short_domains) {
  static const char world[] =
      "submission: {short_domains: [sales.example.org]}\n";
  const char *cc = "From: <a@example.org>\nCc: <jru@squeaky.sales>\n\nb";
  struct sub s;
  sub_open(&s, MS_F_NONE, world);
  sub_login(&s);
  SUB_SAYS(&s, "MAIL FROM:<x@squeaky.sales>", "^554 5\\.1\\.8 ");
  SUB_SAYS(&s, "MAIL FROM:<jru@sales>", "^250 ");
  SUB_SAYS(&s, "RCPT TO:<jru@sales>", "^250 ");
  SUB_SAYS(&s, "RCPT TO:<jru@squeaky.sales>", "^554 5\\.1\\.2 ");
  SUB_SAYS(&s, "RCPT TO:<jru@eng>", "^554 5\\.1\\.2 "); /* not permitted */
  SUB_SAYS(&s, "RSET", "^250 ");
  ck_assert(sub_matches(sub_message(&s, cc), "^554 5\\.1\\.2 "));
  /* the header is not rewritten: 'sales' alone is refused there */
  ck_assert(sub_matches(
      sub_message(&s, "From: <a@example.org>\nCc: <jru@sales>\n\nb"),
      "^554 5\\.1\\.2 "));
  sub_close(&s);
  sub_open(&s, MS_F_SUBMIT_INCOMPLETE_TAKEN, world);
  sub_login(&s);
  SUB_SAYS(&s, "MAIL FROM:<sender@example.org>", "^250 ");
  SUB_SAYS(&s, "RCPT TO:<jru@squeaky.sales>", "^250 ");
  SUB_SAYS(&s, "RSET", "^250 ");
  ck_assert(sub_matches(sub_message(&s, cc), "^250 "));
  sub_close(&s);
  /* without short_domains the fault changes nothing: 'sales' is refused */
  sub_open(&s, MS_F_SUBMIT_INCOMPLETE_TAKEN, sub_world);
  sub_login(&s);
  SUB_SAYS(&s, "MAIL FROM:<sender@example.org>", "^250 ");
  SUB_SAYS(&s, "RCPT TO:<jru@sales>", "^554 5\\.1\\.2 ");
  sub_close(&s);
}
END_TEST

/* The world's submission key: true, or a mapping of known keys. */
START_TEST(test_submit_world) {
  struct ms_world *w = ms_world_builtin();
  ck_assert(!w->submission);
  const char *y = "submission: true\n";
  struct ms_diags dg = {0};
  ck_assert_int_eq(ms_world_apply_yaml(w, "w.yaml", y, strlen(y), 1, &dg), 0);
  ck_assert(w->submission && !w->sub_senders);
  ms_diags_free(&dg);
  y = "submission: {senders: [a@b.org], sendrs: [x]}\n";
  memset(&dg, 0, sizeof dg);
  ck_assert_int_eq(ms_world_apply_yaml(w, "w.yaml", y, strlen(y), 1, &dg), -1);
  ck_assert(strstr(dg.v[0].msg, "sendrs") && strstr(dg.v[0].msg, "senders"));
  ms_diags_free(&dg);
  ms_world_free(w);
}
END_TEST

Suite *make_srv_submit_suite(void);
Suite *make_srv_submit_suite(void) {
  Suite *s = suite_create("srv_submit");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_submit_clean);
  tcase_add_test(tc, test_submit_messages);
  tcase_add_test(tc, test_submit_faults);
  tcase_add_test(tc, test_submit_world);
  tcase_add_test(tc, test_submit_wire2);
  tcase_add_test(tc, test_submit_short_domains);
  suite_add_tcase(s, tc);
  return s;
}
