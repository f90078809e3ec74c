/* Unit tests for the reference server's SMTP session (srv_smtp*.c):
 * the pure session driven line by line, as the socket loop does. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "srv.h"
#include "srv_smtp.h"
#include "srv_smtp_deliver.h"
#include "store.h"
#include "util.h"

struct drv {
  struct ms_world *w;
  struct ms_store *st;
  struct srv_ctx ctx;
  void *sess;
  struct ms_buf out;
  enum srv_action act;
};

static void drv_open_world(struct drv *d, struct ms_world *w, enum ms_profile p,
                           enum ms_fault faults) {
  memset(d, 0, sizeof *d);
  d->w = w;
  d->st = ms_store_new(d->w, NULL);
  d->ctx.world = d->w;
  d->ctx.profile = p;
  ms_fault_set(&d->ctx.faults, faults);
  d->ctx.store = d->st;
  ms_buf_init(&d->out, 1u << 20);
  d->sess = ms_srv_smtp_ops.open(&d->ctx, &d->out, &d->act);
}

static void drv_open(struct drv *d, enum ms_profile p, enum ms_fault faults) {
  drv_open_world(d, ms_world_builtin(), p, faults);
}

/* Two faults at once: the session copies the context when it opens. */
static void drv_open2(struct drv *d, enum ms_profile p, enum ms_fault f1,
                      enum ms_fault f2) {
  memset(d, 0, sizeof *d);
  d->w = ms_world_builtin();
  d->st = ms_store_new(d->w, NULL);
  d->ctx.world = d->w;
  d->ctx.profile = p;
  ms_fault_set(&d->ctx.faults, f1);
  ms_fault_set(&d->ctx.faults, f2);
  d->ctx.store = d->st;
  ms_buf_init(&d->out, 1u << 20);
  d->sess = ms_srv_smtp_ops.open(&d->ctx, &d->out, &d->act);
}

/* Everything the session said since the last call. */
static const char *drv_out(struct drv *d) {
  static char last[8192];
  snprintf(last, sizeof last, "%s", d->out.p ? d->out.p : "");
  ms_buf_reset(&d->out);
  return last;
}

static const char *drv_raw(struct drv *d, const char *line, size_t len,
                           bool crlf) {
  d->act = ms_srv_smtp_ops.line(d->sess, line, len, crlf, &d->out);
  return drv_out(d);
}

static const char *drv(struct drv *d, const char *line) {
  return drv_raw(d, line, strlen(line), true);
}

static void drv_close(struct drv *d) {
  ms_srv_smtp_ops.close(d->sess);
  ms_store_free(d->st);
  ms_world_free(d->w);
  ms_buf_free(&d->out);
}

#define SAYS(d, line, expect) ck_assert_str_eq(drv(d, line), expect)
#define CODE(d, line, code) ck_assert_int_eq(atoi(drv(d, line)), code)

/* ---- RFC 821 profile --------------------------------------------- */

START_TEST(test_greeting) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC821, 0);
  ck_assert_str_eq(drv_out(&d),
                   "220 BBN-UNIX.ARPA Simple Mail Transfer Service Ready\r\n");
  ck_assert_int_eq(d.act, SRV_CONTINUE);
  SAYS(&d, "HELO USC-ISIF.ARPA", "250 BBN-UNIX.ARPA\r\n");
  SAYS(&d, "QUIT",
       "221 BBN-UNIX.ARPA Service closing transmission channel\r\n");
  ck_assert_int_eq(d.act, SRV_CLOSE);
  drv_close(&d);
}
END_TEST

START_TEST(test_scenario1_delivers) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC821, 0);
  drv_out(&d);
  CODE(&d, "HELO USC-ISIF.ARPA", 250);
  SAYS(&d, "MAIL FROM:<Smith@USC-ISIF.ARPA>", "250 OK\r\n");
  SAYS(&d, "RCPT TO:<Jones@BBN-UNIX.ARPA>", "250 OK\r\n");
  SAYS(&d, "RCPT TO:<Green@BBN-UNIX.ARPA>", "550 No such user here\r\n");
  SAYS(&d, "RCPT TO:<Brown@BBN-UNIX.ARPA>", "250 OK\r\n");
  SAYS(&d, "DATA", "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
  SAYS(&d, "Blah blah blah...", "");
  SAYS(&d, "...etc. etc. etc.", "");
  SAYS(&d, ".", "250 OK\r\n");
  ck_assert_int_eq(ms_store_count(d.st, "Jones@BBN-UNIX.ARPA"), 1);
  ck_assert_int_eq(ms_store_count(d.st, "brown@bbn-unix.arpa"), 1);
  ck_assert_int_eq(ms_store_count(d.st, "Green@BBN-UNIX.ARPA"), 0);
  size_t len;
  const char *m = ms_store_message(d.st, "Jones@BBN-UNIX.ARPA", 0, &len);
  ck_assert_ptr_nonnull(m);
  /* "...etc" began with a period: the first one is removed (§4.5.2) */
  ck_assert_str_eq(m, "Blah blah blah...\r\n..etc. etc. etc.\r\n");
  ck_assert_int_eq(len, strlen(m));
  drv_close(&d);
}
END_TEST

START_TEST(test_no_unstuff_fault) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC821, MS_F_NO_UNSTUFF);
  drv_out(&d);
  drv(&d, "HELO x");
  drv(&d, "MAIL FROM:<a@b.c>");
  drv(&d, "RCPT TO:<Jones@BBN-UNIX.ARPA>");
  drv(&d, "DATA");
  drv(&d, "..x");
  CODE(&d, ".", 250);
  ck_assert_str_eq(ms_store_message(d.st, "Jones@BBN-UNIX.ARPA", 0, NULL),
                   "..x\r\n");
  drv_close(&d);
}
END_TEST

START_TEST(test_end_of_data_needs_crlf) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC821, 0);
  drv_out(&d);
  drv(&d, "HELO x");
  drv(&d, "MAIL FROM:<a@b.c>");
  drv(&d, "RCPT TO:<Jones@BBN-UNIX.ARPA>");
  drv(&d, "DATA");
  /* ".\n" is not <CRLF>.<CRLF>, nor is a "." after a bare-LF line */
  ck_assert_str_eq(drv_raw(&d, ".", 1, false), "");
  ck_assert_str_eq(drv(&d, "."), "");
  ck_assert_str_eq(drv(&d, "."),
                   "554 Transaction failed: bare LF in mail data; lines end "
                   "in <CRLF>\r\n");
  ck_assert_int_eq(ms_store_count(d.st, "Jones@BBN-UNIX.ARPA"), 0);
  /* the transaction is over either way */
  CODE(&d, "RCPT TO:<Jones@BBN-UNIX.ARPA>", 503);
  drv_close(&d);
}
END_TEST

START_TEST(test_send_soml_saml) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC821, 0); /* Admin.MRC is logged out */
  drv_out(&d);
  drv(&d, "HELO MIT-MC.ARPA");
  SAYS(&d, "VRFY Crispin", "250 Mark Crispin <Admin.MRC@BBN-UNIX.ARPA>\r\n");
  SAYS(&d, "SEND FROM:<EAK@MIT-MC.ARPA>", "250 OK\r\n");
  SAYS(&d, "RCPT TO:<Admin.MRC@SU-SCORE.ARPA>", "450 User not active now\r\n");
  CODE(&d, "DATA", 503); /* no recipient was accepted */
  CODE(&d, "RSET", 250);
  CODE(&d, "SOML FROM:<EAK@MIT-MC.ARPA>", 250);
  SAYS(&d, "RCPT TO:<Admin.MRC@SU-SCORE.ARPA>",
       "250 User not active now, so will do mail.\r\n");
  CODE(&d, "DATA", 354);
  drv(&d, "hi");
  CODE(&d, ".", 250);
  ck_assert_int_eq(ms_store_count(d.st, "Admin.MRC@SU-SCORE.ARPA"), 1);
  CODE(&d, "SAML FROM:<EAK@MIT-MC.ARPA>", 250);
  SAYS(&d, "RCPT TO:<Admin.MRC@SU-SCORE.ARPA>", "250 OK\r\n");
  CODE(&d, "DATA", 354);
  CODE(&d, ".", 250);
  ck_assert_int_eq(ms_store_count(d.st, "Admin.MRC@SU-SCORE.ARPA"), 2);
  drv_close(&d);
}
END_TEST

/* Fault send-no-transaction (5321-F.6-3): the 250 opens nothing. */
START_TEST(test_fault_send_no_transaction) {
  static const char *const cmd[] = {"SEND", "SOML", "SAML", "MAIL"};
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC821, MS_F_SEND_NO_TRANSACTION);
  drv_out(&d);
  drv(&d, "HELO MIT-MC.ARPA");
  for (size_t i = 0; i < 4; i++) {
    char *line = xasprintf("%s FROM:<EAK@MIT-MC.ARPA>", cmd[i]);
    CODE(&d, line, 250);
    free(line);
    /* MAIL is untouched: its transaction takes the recipient */
    CODE(&d, "RCPT TO:<Admin.MRC@SU-SCORE.ARPA>", i < 3 ? 503 : 250);
    CODE(&d, "RSET", 250);
  }
  drv_close(&d);
}
END_TEST

START_TEST(test_send_to_active_terminal) {
  struct ms_world *w = ms_world_builtin();
  struct ms_diags dg = {0};
  const char *y = "users: [{name: Admin.MRC, fullname: Mark Crispin, "
                  "terminal: true}]\n";
  ck_assert_int_eq(ms_world_apply_yaml(w, "t", y, strlen(y), 1, &dg), 0);
  struct drv d;
  drv_open_world(&d, w, MS_PROFILE_RFC821, 0);
  drv_out(&d);
  drv(&d, "HELO MIT-MC.ARPA");
  CODE(&d, "SEND FROM:<EAK@MIT-MC.ARPA>", 250);
  SAYS(&d, "RCPT TO:<Admin.MRC@SU-SCORE.ARPA>", "250 OK\r\n");
  CODE(&d, "DATA", 354);
  CODE(&d, ".", 250);
  /* to the terminal, not the mailbox */
  ck_assert_int_eq(ms_store_count(d.st, "Admin.MRC@SU-SCORE.ARPA"), 0);
  CODE(&d, "SOML FROM:<EAK@MIT-MC.ARPA>", 250);
  SAYS(&d, "RCPT TO:<Admin.MRC@SU-SCORE.ARPA>", "250 OK\r\n");
  drv_close(&d);
  ms_diags_free(&dg);
}
END_TEST

START_TEST(test_forwarding_and_routes) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC821, 0);
  drv_out(&d);
  drv(&d, "HELO LBL-UNIX.ARPA");
  drv(&d, "MAIL FROM:<mo@LBL-UNIX.ARPA>");
  SAYS(&d, "RCPT TO:<fred@USC-ISIF.ARPA>",
       "251 User not local; will forward to <Jones@USC-ISI.ARPA>\r\n");
  SAYS(&d, "RCPT TO:<Paul@USC-ISIB.ARPA>",
       "551 User not local; please try <Mockapetris@USC-ISIF.ARPA>\r\n");
  SAYS(&d, "RCPT TO:<@USC-ISIE.ARPA,@USC-ISIF.ARPA:Q-Smith@ISI-VAXA.ARPA>",
       "250 OK\r\n");
  SAYS(&d, "RCPT TO:<@USC-ISIE.ARPA:fred@BBN-UNIX.ARPA>", "250 OK\r\n");
  CODE(&d, "RCPT TO:<someone@nowhere.example>", 550);
  CODE(&d, "RCPT TO:<@nowhere.example:Jones@BBN-UNIX.ARPA>", 550);
  CODE(&d, "RCPT TO:<Postmaster>", 250);
  CODE(&d, "RCPT TO:<POSTMASTER@MIT-AI.ARPA>", 250);
  CODE(&d, "DATA", 354);
  CODE(&d, ".", 250);
  /* 251: kept for the forward address; relayed: for the mailbox */
  ck_assert_int_eq(ms_store_count(d.st, "Jones@USC-ISI.ARPA"), 1);
  ck_assert_int_eq(ms_store_count(d.st, "Q-Smith@ISI-VAXA.ARPA"), 1);
  ck_assert_int_eq(ms_store_count(d.st, "fred@BBN-UNIX.ARPA"), 1);
  ck_assert_int_eq(ms_store_count(d.st, "Paul@USC-ISIB.ARPA"), 0);
  ck_assert_int_eq(ms_store_count(d.st, "postmaster@BBN-UNIX.ARPA"), 1);
  drv_close(&d);
}
END_TEST

START_TEST(test_vrfy_expn) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC821, 0);
  drv_out(&d);
  /* VRFY and EXPN at any time, even before HELO (§4.1.1) */
  SAYS(&d, "VRFY <Jones@BBN-UNIX.ARPA>", "250 Jones <Jones@BBN-UNIX.ARPA>\r\n");
  SAYS(&d, "VRFY Green", "550 String does not match anything.\r\n");
  SAYS(&d, "VRFY Postel",
       "553-User ambiguous; possibilities are\r\n"
       "553-Jon Postel <Postel@USC-ISI.ARPA>\r\n"
       "553 Jon Postel <Postel@USC-ISIF.ARPA>\r\n");
  SAYS(&d, "VRFY Paul@USC-ISIB.ARPA",
       "551 User not local; please try <Mockapetris@USC-ISIF.ARPA>\r\n");
  SAYS(&d, "VRFY Example-People", "550 That is a mailing list, not a user\r\n");
  SAYS(&d, "EXPN Interested-Parties",
       "250-Al Calico <ABC@MIT-MC.ARPA>\r\n"
       "250-<XYZ@MIT-AI.ARPA>\r\n"
       "250-Quincy Smith <@USC-ISIF.ARPA:Q-Smith@ISI-VAXA.ARPA>\r\n"
       "250-<fred@BBN-UNIX.ARPA>\r\n"
       "250 <xyz@bar-unix.ARPA>\r\n");
  CODE(&d, "EXPN Jones", 550);
  CODE(&d, "EXPN Executive-Washroom-List", 550);
  CODE(&d, "VRFY", 501);
  CODE(&d, "EXPN", 501);
  drv_close(&d);
}
END_TEST

START_TEST(test_mixed_multiline_fault) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC821, MS_F_MIXED_MULTI);
  drv_out(&d);
  const char *r = drv(&d, "EXPN Interested-Parties");
  ck_assert(strncmp(r, "251-Al Calico", 13) == 0);
  ck_assert_ptr_nonnull(strstr(r, "\r\n250 <xyz@bar-unix.ARPA>\r\n"));
  /* single-line replies are not touched */
  SAYS(&d, "NOOP", "250 OK\r\n");
  drv_close(&d);
}
END_TEST

START_TEST(test_help_turn_noop) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC821, 0);
  drv_out(&d);
  const char *r = drv(&d, "HELP");
  ck_assert(strncmp(r, "214-", 4) == 0);
  ck_assert_ptr_nonnull(strstr(r, "SEND    SOML"));
  ck_assert_ptr_nonnull(strstr(r, "\r\n214 End of HELP info\r\n"));
  SAYS(&d, "help rcpt", "214 RCPT <SP> TO:<forward-path> <CRLF>\r\n");
  CODE(&d, "HELP FOO", 504);
  SAYS(&d, "TURN", "502 Command not implemented\r\n");
  SAYS(&d, "noop", "250 OK\r\n");
  drv_close(&d);
}
END_TEST

START_TEST(test_sequencing) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC821, 0);
  drv_out(&d);
  CODE(&d, "MAIL FROM:<a@b.c>", 503); /* HELO first */
  CODE(&d, "SEND FROM:<a@b.c>", 503);
  CODE(&d, "HELO", 501);
  CODE(&d, "EHLO x", 500); /* not RFC 821 */
  CODE(&d, "HeLo x", 250);
  CODE(&d, "RCPT TO:<Jones@BBN-UNIX.ARPA>", 503);
  CODE(&d, "DATA", 503);
  CODE(&d, "mail from:<a@b.c>", 250);
  CODE(&d, "MAIL FROM:<a@b.c>", 503); /* nested */
  CODE(&d, "DATA", 503);
  CODE(&d, "RCPT TO:<Jones@BBN-UNIX.ARPA>", 250);
  CODE(&d, "DATA now", 501);
  CODE(&d, "RSET x", 501);
  CODE(&d, "RSET", 250);
  CODE(&d, "RCPT TO:<Jones@BBN-UNIX.ARPA>", 503);
  CODE(&d, "MAIL FROM:<>", 250); /* null reverse-path, Example 7 */
  CODE(&d, "RCPT TO:<>", 501);
  CODE(&d, "RCPT Jones@BBN-UNIX.ARPA", 501);
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=10", 503);
  CODE(&d, "RSET", 250);
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=10", 501); /* no parameters in 821 */
  CODE(&d, "FOOBAR", 500);
  CODE(&d, "", 500);
  drv_close(&d);
}
END_TEST

START_TEST(test_limits) {
  struct ms_world *w = ms_world_builtin();
  w->max_recipients = 2;
  w->max_message = 3000;
  struct drv d;
  drv_open_world(&d, w, MS_PROFILE_RFC821, 0);
  drv_out(&d);
  char line[1200];
  memset(line, 'x', sizeof line);
  memcpy(line, "NOOP ", 5);
  ck_assert_int_eq(atoi(drv_raw(&d, line, 510, true)), 250);
  ck_assert_str_eq(drv_raw(&d, line, 511, true), "500 Line too long.\r\n");
  drv(&d, "HELO x");
  char path[400];
  strcpy(path, "MAIL FROM:<");
  for (int i = 0; i < 20; i++) /* 11 + 300 + 14 octets, path > 256 */
    strcat(path, "@HOSTNAME.ARPA,");
  strcat(path, "@X.ARPA:a@b.c>");
  SAYS(&d, path, "501 Path too long\r\n");
  snprintf(path, sizeof path, "MAIL FROM:<%065d@b.c>", 0);
  CODE(&d, path, 553);
  CODE(&d, "MAIL FROM:<a@b.c>>", 501);
  CODE(&d, "MAIL FROM:<a@b.c>", 250);
  CODE(&d, "RCPT TO:<Jones@BBN-UNIX.ARPA>", 250);
  CODE(&d, "RCPT TO:<Jones@BBN-UNIX.ARPA>", 250);
  SAYS(&d, "RCPT TO:<Brown@BBN-UNIX.ARPA>",
       "552 Recipient storage full, try again in another transaction\r\n");
  CODE(&d, "DATA", 354);
  memset(line, 'y', sizeof line);
  for (int i = 0; i < 4; i++)
    ck_assert_str_eq(drv_raw(&d, line, 900, true), "");
  SAYS(&d, ".", "552 Too much mail data.\r\n");
  CODE(&d, "MAIL FROM:<a@b.c>", 250);
  CODE(&d, "RCPT TO:<Jones@BBN-UNIX.ARPA>", 250);
  CODE(&d, "DATA", 354);
  ck_assert_str_eq(drv_raw(&d, line, 999, true), "");
  SAYS(&d, ".", "500 Line too long.\r\n");
  /* 998 octets fit (1000 with CRLF), not counting a doubled period */
  CODE(&d, "MAIL FROM:<a@b.c>", 250);
  CODE(&d, "RCPT TO:<Jones@BBN-UNIX.ARPA>", 250);
  CODE(&d, "DATA", 354);
  line[0] = '.';
  ck_assert_str_eq(drv_raw(&d, line, 999, true), "");
  CODE(&d, ".", 250);
  size_t len;
  ck_assert_ptr_nonnull(ms_store_message(d.st, "Jones@BBN-UNIX.ARPA", 0, &len));
  ck_assert_int_eq(len, 1000);
  drv_close(&d);
}
END_TEST

START_TEST(test_binary_and_bare_lf) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC821, 0);
  drv_out(&d);
  ck_assert_int_eq(atoi(drv_raw(&d, "NO\0P", 5, true)), 500);
  ck_assert_int_eq(atoi(drv_raw(&d, "HELO \xff\xfe", 7, true)), 500);
  ck_assert_int_eq(atoi(drv_raw(&d, "\x16\x03\x01\x02", 4, true)), 500);
  /* RFC 5321 §2.3.8: a bare LF does not end the line; the line up to
   * the CRLF is one malformed command with one reply */
  ck_assert_str_eq(drv_raw(&d, "RSET", 4, false), "");
  CODE(&d, "NOOP", 500);
  CODE(&d, "NOOP", 250);
  drv_close(&d);
}
END_TEST

START_TEST(test_faults_greet_close_rcpt) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC821, MS_F_GREET_554);
  ck_assert_int_eq(atoi(drv_out(&d)), 554);
  CODE(&d, "HELO x", 503); /* RFC 5321 §3.1: only QUIT now */
  CODE(&d, "QUIT", 221);
  ck_assert_int_eq(d.act, SRV_CLOSE);
  drv_close(&d);

  drv_open2(&d, MS_PROFILE_RFC821, MS_F_CLOSE_DATA, MS_F_RCPT_250);
  drv_out(&d);
  drv(&d, "HELO x");
  drv(&d, "MAIL FROM:<a@b.c>");
  SAYS(&d, "RCPT TO:<Green@BBN-UNIX.ARPA>", "250 OK\r\n");
  CODE(&d, "RCPT TO:<someone@nowhere.example>", 550); /* not "unknown" */
  CODE(&d, "DATA", 354);
  ck_assert_int_eq(d.act, SRV_CLOSE);
  drv_close(&d);
}
END_TEST

START_TEST(test_vanish_mid_data) {
  struct drv d; /* ASan/valgrind: close() frees the open transaction */
  drv_open(&d, MS_PROFILE_RFC821, 0);
  drv(&d, "HELO x");
  drv(&d, "MAIL FROM:<a@b.c>");
  drv(&d, "RCPT TO:<Jones@BBN-UNIX.ARPA>");
  drv(&d, "RCPT TO:<Brown@BBN-UNIX.ARPA>");
  drv(&d, "DATA");
  drv(&d, "half a message");
  ck_assert_int_eq(ms_store_count(d.st, "Jones@BBN-UNIX.ARPA"), 0);
  drv_close(&d);
}
END_TEST

/* ---- RFC 5321 profile -------------------------------------------- */

START_TEST(test_ehlo_enhanced) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC5321, 0);
  drv_out(&d);
  SAYS(&d, "EHLO bar.com",
       "250-BBN-UNIX.ARPA greets bar.com\r\n"
       "250-SIZE 10485760\r\n"
       "250-8BITMIME\r\n"
       "250-PIPELINING\r\n"
       "250-ENHANCEDSTATUSCODES\r\n"
       "250-CHUNKING\r\n"
       "250-BINARYMIME\r\n"
       "250-DSN\r\n"
       "250-SMTPUTF8\r\n"
       "250-EXPN\r\n"
       "250 HELP\r\n");
  SAYS(&d, "MAIL FROM:<Smith@bar.com> SIZE=1000 BODY=8BITMIME",
       "250 2.1.0 OK\r\n");
  SAYS(&d, "RCPT TO:<Green@foo.com>", "550 5.1.1 No such user here\r\n");
  SAYS(&d, "RCPT TO:<Jones@foo.com>", "250 2.1.5 OK\r\n");
  SAYS(&d, "DATA", "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
  SAYS(&d, ".", "250 2.0.0 OK\r\n");
  SAYS(&d, "QUIT",
       "221 2.0.0 BBN-UNIX.ARPA Service closing transmission channel\r\n");
  drv_close(&d);
}
END_TEST

START_TEST(test_5321_refusals) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC5321, 0);
  drv_out(&d);
  SAYS(&d, "HELO bar.com", "250 BBN-UNIX.ARPA\r\n");
  /* RFC 2034 §4: codes "regardless of whether or not EHLO is employed" */
  SAYS(&d, "MAIL FROM:<a@b.c>", "250 2.1.0 OK\r\n");
  CODE(&d, "RSET", 250);
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=5", 555); /* extensions need EHLO */
  CODE(&d, "EHLO bar.com", 250);
  SAYS(&d, "SEND FROM:<a@b.c>", "502 5.5.1 Command not implemented\r\n");
  CODE(&d, "SOML FROM:<a@b.c>", 502);
  CODE(&d, "SAML FROM:<a@b.c>", 502);
  CODE(&d, "TURN", 502);
  CODE(&d, "EXPN Example-People", 250); /* §3.5.1, listed in EHLO */
  CODE(&d, "VRFY Crispin", 250);
  SAYS(&d, "VRFY nobody",
       "252 2.5.0 Cannot VRFY user, but will accept message and attempt "
       "delivery\r\n");
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=999999999999", 552);
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=12x", 501);
  CODE(&d, "MAIL FROM:<a@b.c> BODY=9BIT", 501);
  CODE(&d, "MAIL FROM:<a@b.c> FOO=BAR", 555);
  CODE(&d, "MAIL FROM: <a@b.c>", 501); /* §4.1.1.2: no space */
  CODE(&d, "MAIL FROM:<a@b.c>", 250);
  CODE(&d, "RCPT TO:<Jones@foo.com> FOO=BAR", 555); /* DSN's NOTIFY is known */
  const char *r = drv(&d, "HELP");
  ck_assert(strncmp(r, "214-2.0.0 ", 10) == 0);
  ck_assert_ptr_null(strstr(r, "SOML"));
  drv_close(&d);
}
END_TEST

START_TEST(test_5321_recipient_limit) {
  struct ms_world *w = ms_world_builtin();
  w->max_recipients = 1;
  struct drv d;
  drv_open_world(&d, w, MS_PROFILE_RFC5321, 0);
  drv(&d, "EHLO x");
  drv(&d, "MAIL FROM:<a@b.c>");
  CODE(&d, "RCPT TO:<Jones@foo.com>", 250);
  SAYS(&d, "RCPT TO:<Brown@foo.com>", "452 4.5.3 Too many recipients\r\n");
  drv_close(&d);
}
END_TEST

START_TEST(test_world_greeting) {
  struct ms_world *w = ms_world_builtin();
  w->greeting = xstrdup("foo.com ESMTP ready");
  struct drv d;
  drv_open_world(&d, w, MS_PROFILE_RFC5321, 0);
  ck_assert_str_eq(drv_out(&d), "220 foo.com ESMTP ready\r\n");
  drv_close(&d);
}
END_TEST

/* ---- paths and replies ------------------------------------------- */

static int path_err(const char *s, bool null, bool pm) {
  struct srv_smtp_path p;
  size_t used;
  int e =
      srv_smtp_path_parse(s, strlen(s), MS_PROFILE_RFC821, null, pm, &p, &used);
  srv_smtp_path_free(&p);
  return e;
}

START_TEST(test_path_parse) {
  struct srv_smtp_path p;
  size_t used;
  const char *s = "<@USC-ISIE.ARPA,@USC-ISIF.ARPA:Q-Smith@ISI-VAXA.ARPA> x";
  ck_assert_int_eq(srv_smtp_path_parse(s, strlen(s), MS_PROFILE_RFC821, false,
                                       false, &p, &used),
                   SRV_PATH_OK);
  ck_assert_int_eq(used, strlen(s) - 2);
  ck_assert_int_eq(p.nhops, 2);
  ck_assert_str_eq(p.hops[0], "USC-ISIE.ARPA");
  ck_assert_str_eq(p.hops[1], "USC-ISIF.ARPA");
  ck_assert_str_eq(p.mailbox, "Q-Smith@ISI-VAXA.ARPA");
  ck_assert_str_eq(p.local, "Q-Smith");
  ck_assert_str_eq(p.domain, "ISI-VAXA.ARPA");
  srv_smtp_path_free(&p);
  s = "<\"Joe\\,Smith\"@[10.0.0.1]>";
  ck_assert_int_eq(srv_smtp_path_parse(s, strlen(s), MS_PROFILE_RFC821, false,
                                       false, &p, &used),
                   SRV_PATH_OK);
  ck_assert_str_eq(p.local, "\"Joe\\,Smith\"");
  ck_assert_str_eq(p.domain, "[10.0.0.1]");
  srv_smtp_path_free(&p);
  ck_assert_int_eq(path_err("<>", true, false), SRV_PATH_OK);
  ck_assert_int_eq(path_err("<>", false, false), SRV_PATH_SYNTAX);
  ck_assert_int_eq(path_err("<Postmaster>", false, true), SRV_PATH_OK);
  ck_assert_int_eq(path_err("<postmaster>", false, false), SRV_PATH_SYNTAX);
  ck_assert_int_eq(path_err("<Jones>", false, true), SRV_PATH_SYNTAX);
  ck_assert_int_eq(path_err("<a@#123>", false, false), SRV_PATH_OK);
  const char *bad[] = {"",         "<",          "a@b.c",      "<a@b.c",
                       "<@a@b.c>", "<@a:>",      "<a b@c.d>",  "<a@b..c>",
                       "<.a@b.c>", "<a.@b.c>",   "<a@>",       "<a@[]>",
                       "<@:a@b>",  "<@a,b:c@d>", "<\"a@b.c>",  "<a@b.c",
                       "<a@b_c>",  "<a@\x80.c>", "<@a;@b:c@d>"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(path_err(bad[i], true, true) != SRV_PATH_OK, "%s", bad[i]);
  char big[300];
  snprintf(big, sizeof big, "<%064d@b.c>", 0);
  ck_assert_int_eq(path_err(big, false, false), SRV_PATH_OK);
  snprintf(big, sizeof big, "<%065d@b.c>", 0);
  ck_assert_int_eq(path_err(big, false, false), SRV_PATH_USER_TOO_LONG);
  snprintf(big, sizeof big, "<a@%065d>", 0);
  ck_assert_int_eq(path_err(big, false, false), SRV_PATH_DOMAIN_TOO_LONG);
}
END_TEST

START_TEST(test_reply_lines) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  struct srv_smtp_fmt f = {true, false, 0};
  srv_smtp_reply(&b, &f, 250, "2.1.0", "OK");
  ck_assert_str_eq(b.p, "250 2.1.0 OK\r\n");
  ms_buf_reset(&b);
  f.enhanced = false;
  srv_smtp_reply(&b, &f, 250, "2.1.0", "a\r\nEVIL");
  ck_assert_str_eq(b.p, "250 a\r\n"); /* text cannot start a new line */
  ms_buf_reset(&b);
  char longt[2000];
  memset(longt, 'x', sizeof longt - 1);
  longt[sizeof longt - 1] = '\0';
  f.enhanced = true;
  srv_smtp_reply(&b, &f, 250, "2.0.0", "%s", longt);
  ck_assert_uint_le(b.len, 512); /* §4.5.3: a reply line */
  ms_buf_reset(&b);
  const char *lines[] = {"one", "two", "three"};
  f.mixed = true;
  f.enhanced = false;
  srv_smtp_reply_lines(&b, &f, 259, NULL, lines, 3);
  ck_assert_str_eq(b.p, "258-one\r\n259-two\r\n259 three\r\n");
  ms_buf_free(&b);
}
END_TEST

/* ---- RFC 5321 core faults (issue 13) ------------------------------ */

/* The reply code to the last of LINES (NULL-terminated) in an rfc5321
 * session with fault F (MS_F_NONE: the conforming server); 0 when the
 * last line got no reply.  ACT gets the session's last action. */
static int fault_code(enum ms_fault f, const char *const *lines,
                      enum srv_action *act) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC5321, f);
  const char *r = drv_out(&d);
  for (size_t i = 0; lines[i]; i++)
    r = drv(&d, lines[i]);
  int code = atoi(r);
  if (act)
    *act = d.act;
  drv_close(&d);
  return code;
}

struct fault_case {
  enum ms_fault f;
  int clean, faulty; /* the last reply's code without and with F */
  const char *lines[8];
};

#define EH "EHLO client.example"
#define MF "MAIL FROM:<sender@example.org>"
#define RT "RCPT TO:<testuser@localhost>"

static const struct fault_case fault_cases[] = {
    {MS_F_VRFY_502, 250, 502, {EH, "VRFY testuser@localhost"}},
    {MS_F_VRFY_550, 250, 550, {EH, "VRFY testuser@localhost"}},
    {MS_F_VRFY_NO_NAMES, 250, 550, {EH, "VRFY postmaster"}},
    {MS_F_DOMAIN_UNDERSCORE, 501, 250, {"EHLO bad_host.example.org"}},
    {MS_F_DOMAIN_UNDERSCORE, 501, 250, {EH, "MAIL FROM:<a@b_c.example>"}},
    {MS_F_NO_ADDRESS_LITERAL, 250, 501, {"EHLO [127.0.0.1]"}},
    {MS_F_NO_ADDRESS_LITERAL, 250, 501, {EH, "MAIL FROM:<a@[192.0.2.1]>"}},
    {MS_F_EHLO_REFUSED_RESETS, 250, 503, {EH, MF, "EHLO", RT}},
    {MS_F_EHLO_NO_RESET, 250, 503, {EH, MF, EH, MF}},
    {MS_F_HELO_503_AFTER_EHLO, 250, 503, {"EHLO", "HELO client.example"}},
    {MS_F_MAIL_501_OPENS, 503, 250, {EH, "MAIL FROM:<a@b_c.example>", RT}},
    {MS_F_503_RESETS, 354, 503, {EH, MF, RT, MF, "DATA"}},
    {MS_F_MAIL_SYNTAX_500, 501, 500, {EH, "MAIL FROM sender@example.org"}},
    {MS_F_MAIL_SYNTAX_500, 501, 500, {EH, "MAIL FROM: <sender@example.org>"}},
    {MS_F_RCPT_SYNTAX_500, 501, 500, {EH, MF, "RCPT TO:testuser@localhost"}},
    {MS_F_NO_QUOTED_LOCAL, 250, 501, {EH, "MAIL FROM:<\"a b\"@example.org>"}},
    {MS_F_QUOTED_KEPT,
     250,
     550,
     {EH, MF, "RCPT TO:<\"postmaster\"@localhost>"}},
    {MS_F_PARAM_501, 555, 501, {EH, "MAIL FROM:<a@b.c> XMAILSPEC=1"}},
    {MS_F_POSTMASTER_CASE, 250, 550, {EH, MF, "RCPT TO:<POSTMASTER>"}},
    {MS_F_NO_POSTMASTER, 250, 550, {EH, MF, "RCPT TO:<postmaster@localhost>"}},
    {MS_F_DOMAIN_64,
     250,
     501,
     {"EHLO "
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example."
      "org"}},
    {MS_F_RELAY_554, 550, 554, {EH, MF, "RCPT TO:<a@example.net>"}},
    {MS_F_HELO_FIRST, 214, 503, {"HELP"}},
    {MS_F_UNKNOWN_502, 500, 502, {EH, "XMAILSPECTEST"}},
    {MS_F_TRAILING_SPACE_501, 250, 501, {EH, "RSET  "}},
    {MS_F_QUIT_ARGS_OK, 501, 221, {EH, "QUIT mailspec"}},
    {MS_F_SEND_UNLISTED, 502, 250, {EH, "SEND FROM:<a@b.c>"}},
    {MS_F_HELO_EHLO_REPLY, 250, 250, {"HELO client.example"}},
    {MS_F_SOURCE_ROUTE_501,
     250,
     501,
     {EH, "MAIL FROM:<@a.example:b@c.example>"}},
    {MS_F_SOURCE_ROUTE_501,
     550,
     501,
     {EH, MF, "RCPT TO:<@x.example:y@z.example>"}},
    {MS_F_MAIL_SYNTAX_500,
     553,
     500,
     {EH,
      "MAIL "
      "FROM:<xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx@"
      "b.c>"}},
};

START_TEST(test_5321_core_faults) {
  for (size_t i = 0; i < sizeof fault_cases / sizeof fault_cases[0]; i++) {
    const struct fault_case *c = &fault_cases[i];
    ck_assert_msg(fault_code(MS_F_NONE, c->lines, NULL) == c->clean,
                  "case %zu clean: want %d", i, c->clean);
    ck_assert_msg(fault_code(c->f, c->lines, NULL) == c->faulty,
                  "case %zu fault: want %d", i, c->faulty);
  }
}
END_TEST

/* RFC 5321 §3.5.2: a member delivered to a program is given by the
 * mailbox that reaches it (5321-3.5.2-5); the fault expn-program-path
 * shows the program. */
START_TEST(test_expn_program_member) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC5321, 0);
  drv_out(&d);
  drv(&d, "EHLO x");
  SAYS(&d, "EXPN Autoreply",
       "250-2.1.5 Vacation Program <vacation@localhost>\r\n"
       "250 2.1.5 <testuser@localhost>\r\n");
  drv_close(&d);
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_EXPN_PROGRAM_PATH);
  drv_out(&d);
  drv(&d, "EHLO x");
  SAYS(&d, "EXPN Autoreply",
       "250-2.1.5 |/usr/bin/vacation testuser\r\n"
       "250 2.1.5 <testuser@localhost>\r\n");
  drv_close(&d);
}
END_TEST

START_TEST(test_5321_core_fault_replies) {
  struct drv d;
  /* helo-ehlo-reply: HELO gets the multi-line EHLO form (§3.2 forbids) */
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_HELO_EHLO_REPLY);
  drv_out(&d);
  ck_assert(strncmp(drv(&d, "HELO x.example"), "250-", 4) == 0);
  drv_close(&d);
  /* ehlo-no-expn / ehlo-no-help: EXPN and HELP work, unlisted */
  drv_open2(&d, MS_PROFILE_RFC5321, MS_F_EHLO_NO_EXPN, MS_F_EHLO_NO_HELP);
  drv_out(&d);
  const char *r = drv(&d, EH);
  ck_assert_ptr_null(strstr(r, "EXPN"));
  ck_assert_ptr_null(strstr(r, "HELP"));
  CODE(&d, "EXPN Example-People", 250);
  CODE(&d, "HELP", 214);
  drv_close(&d);
  /* ehlo-bad-keyword */
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_EHLO_BAD_KEYWORD);
  drv_out(&d);
  ck_assert_ptr_nonnull(strstr(drv(&d, EH), "250-PIPE_LINING\r\n"));
  drv_close(&d);
  /* greet-bad-domain, greet-554-close */
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_GREET_BAD_DOMAIN);
  ck_assert(strncmp(drv_out(&d), "220 bad_BBN-UNIX.ARPA ", 22) == 0);
  drv_close(&d);
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_GREET_554_CLOSE);
  ck_assert_int_eq(atoi(drv_out(&d)), 554);
  CODE(&d, "NOOP", 503);
  ck_assert_int_eq(d.act, SRV_CLOSE);
  drv_close(&d);
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_GREET_554); /* conforming: waits */
  drv_out(&d);
  CODE(&d, "NOOP", 503);
  CODE(&d, "XYZZY", 503);
  ck_assert_int_eq(d.act, SRV_CONTINUE);
  CODE(&d, "QUIT", 221);
  drv_close(&d);
  /* vrfy-no-mailbox, vrfy-path */
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_VRFY_NO_MAILBOX);
  drv_out(&d);
  drv(&d, EH);
  ck_assert_ptr_null(strchr(drv(&d, "VRFY testuser@localhost"), '@'));
  drv_close(&d);
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_VRFY_PATH);
  drv_out(&d);
  drv(&d, EH);
  ck_assert_ptr_nonnull(strstr(drv(&d, "VRFY testuser@localhost"), "<@"));
  drv_close(&d);
  /* expn-names-only: no mailbox on the lines */
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_EXPN_NAMES_ONLY);
  drv_out(&d);
  drv(&d, EH);
  ck_assert_ptr_null(strchr(drv(&d, "EXPN Example-People"), '@'));
  drv_close(&d);
  /* rcpt-limit-451 */
  struct ms_world *w = ms_world_builtin();
  w->max_recipients = 1;
  drv_open_world(&d, w, MS_PROFILE_RFC5321, MS_F_RCPT_LIMIT_451);
  drv_out(&d);
  drv(&d, EH);
  drv(&d, MF);
  CODE(&d, RT, 250);
  CODE(&d, RT, 451);
  drv_close(&d);
  /* cmd-line-400 and cmd-bare-lf-splits */
  char line[513];
  snprintf(line, sizeof line, "NOOP %0505d", 0);
  ck_assert_int_eq(fault_code(MS_F_NONE, (const char *[]){line, NULL}, NULL),
                   250);
  ck_assert_int_eq(
      fault_code(MS_F_CMD_LINE_400, (const char *[]){line, NULL}, NULL), 500);
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_CMD_BARE_LF);
  drv_out(&d);
  ck_assert_int_eq(atoi(drv_raw(&d, "RSET", 4, false)), 500);
  CODE(&d, "NOOP", 250);
  drv_close(&d);
}
END_TEST

/* The header faults (srv_smtp_hdr.c) and data-fail-close. */
static int data_code(enum ms_fault f, const char *const *body,
                     enum srv_action *act) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC5321, f);
  drv_out(&d);
  drv(&d, EH);
  drv(&d, MF);
  drv(&d, RT);
  drv(&d, "DATA");
  for (size_t i = 0; body[i]; i++)
    drv(&d, body[i]);
  const char *r = drv(&d, ".");
  int code = atoi(r);
  *act = d.act;
  drv_close(&d);
  return code;
}

START_TEST(test_5321_header_faults) {
  enum srv_action a;
  const char *resent[] = {"Resent-To: a@b.c", "", "x", NULL};
  const char *trace[] = {"Received: from a by b", "", "x", NULL};
  const char *nofield[] = {"Subject: x", "not a field", "", "x", NULL};
  const char *plain[] = {"Subject: x", "", "not a field either", NULL};
  ck_assert_int_eq(data_code(MS_F_NONE, resent, &a), 250);
  ck_assert_int_eq(data_code(MS_F_REJECT_RESENT, resent, &a), 554);
  ck_assert_int_eq(data_code(MS_F_REJECT_RESENT, trace, &a), 250);
  ck_assert_int_eq(data_code(MS_F_NONE, trace, &a), 250);
  ck_assert_int_eq(data_code(MS_F_REJECT_BAD_TRACE, trace, &a), 554);
  ck_assert_int_eq(data_code(MS_F_NONE, nofield, &a), 250);
  ck_assert_int_eq(data_code(MS_F_CHECK_HEADERS, nofield, &a), 554);
  ck_assert_int_eq(data_code(MS_F_CHECK_HEADERS, plain, &a), 250);
  /* data-fail-close: a refused message gets no reply at all */
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_DATA_FAIL_CLOSE);
  drv_out(&d);
  drv(&d, EH);
  drv(&d, MF);
  drv(&d, RT);
  drv(&d, "DATA");
  drv_raw(&d, "bare", 4, false); /* §2.3.8: refused at the end of data */
  drv(&d, "LF");
  ck_assert_str_eq(drv(&d, "."), "");
  ck_assert_int_eq(d.act, SRV_CLOSE);
  drv_close(&d);
  ck_assert_int_eq(data_code(MS_F_DATA_FAIL_CLOSE, plain, &a), 250);
  ck_assert_int_eq(a, SRV_CONTINUE);
}
END_TEST

START_TEST(test_5321_syntax) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC5321, 0);
  drv_out(&d);
  /* §4.1.1.1, §4.1.2: EHLO's argument is a Domain or address literal */
  CODE(&d, "EHLO", 501);
  CODE(&d, "EHLO -bad.example", 501);
  CODE(&d, "EHLO a..b", 501);
  CODE(&d, "EHLO [999.1.1.1]", 501);
  CODE(&d, "EHLO [IPv6:2001:db8::1]", 250);
  CODE(&d, "EHLO [IPv6:::ffff:192.0.2.1]", 250);
  CODE(&d, "EHLO client.example some text", 250); /* RFC 2821's habit */
  /* §4.1.2: quoted forms are equivalent */
  CODE(&d, MF, 250);
  CODE(&d, "RCPT TO:<\"testuser\"@localhost>", 250);
  CODE(&d, "RCPT TO:<\"test\\user\"@localhost>", 250);
  CODE(&d, "RCPT TO:<\"no body\"@localhost>", 550);
  CODE(&d, "RCPT TO:<a@b.c>junk", 501);
  CODE(&d, "RSET\t", 250);   /* §4.1.1: trailing white space */
  CODE(&d, "QUIT now", 501); /* §4.3.2 */
  /* §3.5.2: EXPN gives no source routes in the rfc5321 profile */
  const char *r = drv(&d, "EXPN Example-People");
  ck_assert_ptr_null(strstr(r, "<@"));
  ck_assert_ptr_nonnull(strstr(r, "Quincy Smith <Q-Smith@ISI-VAXA.ARPA>"));
  drv_close(&d);
}
END_TEST

/* ---- branch delivered: the faults a delivered message shows ---------- */

static char *dlv_trace(enum ms_fault f) {
  char r0[] = "testuser@localhost";
  char *rcpts[] = {r0};
  struct srv_smtp_txn t = {
      "client.example", true, false, false, "a@b.c", rcpts, 1,
      "x\r\n",          3,    NULL,  NULL,  false};
  struct ms_faults fs;
  memset(&fs, 0, sizeof fs);
  ms_fault_set(&fs, f);
  return srv_smtp_received(&t, "mx.example", "127.0.0.1", 0, 7, &fs);
}

START_TEST(test_received_stamp_faults) {
  char *clean = dlv_trace(MS_F_NONE);
  ck_assert_ptr_nonnull(strstr(clean, "\tby mx.example with ESMTP id ms7"));
  /* the date ends with the numeric zone: nothing after it */
  const char *end = clean + strlen(clean) - 2;
  ck_assert_str_eq(end, "\r\n");
  ck_assert(end[-5] == '+' || end[-5] == '-');
  char *noby = dlv_trace(MS_F_RECEIVED_NO_BY); /* RFC 5321 §4.4 */
  ck_assert_ptr_null(strstr(noby, "by "));
  ck_assert_ptr_nonnull(strstr(noby, "\twith ESMTP id ms7"));
  char *bare = dlv_trace(MS_F_RECEIVED_ZONE_BARE); /* §4.4: in a comment */
  const char *semi = strchr(bare, ';');
  ck_assert_ptr_nonnull(semi);
  const char *sp = strrchr(bare, ' '); /* " UTC\r\n": a name, no "(" */
  ck_assert(sp[1] >= 'A' && sp[1] <= 'Z');
  ck_assert_ptr_null(strchr(semi, '('));
  free(clean);
  free(noby);
  free(bare);
}
END_TEST

/* RFC 6531 §3.7.3: UTF8SMTP after SMTPUTF8, ASCII trace without it. */
START_TEST(test_received_utf8_faults) {
  char r0[] = "testuser@localhost";
  char *rcpts[] = {r0};
  struct ms_store_params u8 = {.smtputf8 = true};
  struct srv_smtp_txn t = {
      "client.example", true, true, false, "a@b.c", rcpts, 1,
      "x\r\n",          3,    &u8,  NULL,  false};
  struct ms_faults fs;
  memset(&fs, 0, sizeof fs);
  char *m = srv_smtp_received(&t, "mx.example", "127.0.0.1", 0, 7, &fs);
  ck_assert_ptr_nonnull(strstr(m, " with UTF8SMTPS id "));
  free(m);
  ms_fault_set(&fs, MS_F_RECEIVED_NO_UTF8SMTP);
  m = srv_smtp_received(&t, "mx.example", "127.0.0.1", 0, 7, &fs);
  ck_assert_ptr_nonnull(strstr(m, " with ESMTPS id "));
  free(m);
  t.params = NULL; /* no SMTPUTF8: ASCII only, unless the fault */
  memset(&fs, 0, sizeof fs);
  m = srv_smtp_received(&t, "mx.example", "127.0.0.1", 0, 7, &fs);
  for (const char *p = m; *p; p++)
    ck_assert((unsigned char)*p < 0x80);
  free(m);
  ms_fault_set(&fs, MS_F_RECEIVED_UTF8_ALWAYS);
  m = srv_smtp_received(&t, "mx.example", "127.0.0.1", 0, 7, &fs);
  ck_assert_ptr_nonnull(strstr(m, "(r\xc3\xa9"));
  free(m);
}
END_TEST

/* RFC 6531 §3.7.3: an SMTPUTF8 message's trace names an IDN EHLO domain
 * by its U-labels (fault received-a-label: its A-labels); no SMTPUTF8:
 * as the client sent it. */
START_TEST(test_received_ulabel) {
  char r0[] = "testuser@localhost";
  char *rcpts[] = {r0};
  struct ms_store_params u8 = {.smtputf8 = true};
  struct srv_smtp_txn t = {"xn--bcher-kva.example",
                           true,
                           false,
                           false,
                           "a@b.c",
                           rcpts,
                           1,
                           "x\r\n",
                           3,
                           &u8,
                           NULL,
                           false};
  struct ms_faults fs;
  memset(&fs, 0, sizeof fs);
  char *m = srv_smtp_received(&t, "mx.example", "127.0.0.1", 0, 7, &fs);
  ck_assert_ptr_nonnull(strstr(m, "from b\xc3\xbc"
                                  "cher.example ("));
  free(m);
  ms_fault_set(&fs, MS_F_RECEIVED_A_LABEL);
  m = srv_smtp_received(&t, "mx.example", "127.0.0.1", 0, 7, &fs);
  ck_assert_ptr_nonnull(strstr(m, "from xn--bcher-kva.example ("));
  free(m);
  memset(&fs, 0, sizeof fs);
  t.params = NULL;
  m = srv_smtp_received(&t, "mx.example", "127.0.0.1", 0, 7, &fs);
  ck_assert_ptr_nonnull(strstr(m, "from xn--bcher-kva.example ("));
  free(m);
}
END_TEST

/* The content of message N of USER's maildrop (a copy). */
static char *dlv_maildrop(struct ms_store *st, const char *user, size_t n) {
  struct ms_maildrop_view v;
  ck_assert_int_eq(ms_store_lock(st, user, &v), 0);
  ck_assert_uint_gt(v.nmsgs, n);
  char *m = xstrdup(v.msgs[n]->data);
  ms_store_unlock(st, &v, false);
  return m;
}

static char *dlv_deliver(enum ms_fault f, bool auth, size_t nrcpts) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC5321, f);
  char r0[] = "testuser@localhost", r1[] = "postmaster@localhost";
  char *rcpts[] = {r0, r1};
  struct srv_smtp_txn t = {
      "client.example",    true, false, auth, "a@b.c", rcpts, nrcpts,
      "S: x\r\n\r\nb\r\n", 11,   NULL,  NULL, false};
  struct srv_smtp_fmt fmt = {0};
  struct ms_buf out;
  ms_buf_init(&out, 0);
  srv_smtp_deliver(&d.ctx, &t, &fmt, &out);
  ck_assert_int_eq(atoi(out.p), 250);
  ms_buf_free(&out);
  char *m = dlv_maildrop(d.st, "testuser", 0);
  drv_close(&d);
  return m;
}

START_TEST(test_deliver_auth_and_rcpt_faults) {
  char *m = dlv_deliver(MS_F_NONE, true, 2);
  ck_assert_ptr_nonnull(strstr(m, "\r\nReceived: from client.example"));
  ck_assert_ptr_null(strstr(m, "postmaster@localhost"));
  free(m);
  /* no-received-auth: RFC 4954 §7's Received: missing after AUTH only */
  m = dlv_deliver(MS_F_NO_RECEIVED_AUTH, true, 1);
  ck_assert_ptr_null(strstr(m, "Received:"));
  free(m);
  m = dlv_deliver(MS_F_NO_RECEIVED_AUTH, false, 1);
  ck_assert_ptr_nonnull(strstr(m, "Received:"));
  free(m);
  /* rcpt-list-header: RFC 5321 §7.2's full RCPT list in a field */
  m = dlv_deliver(MS_F_RCPT_LIST_HEADER, false, 2);
  ck_assert_ptr_nonnull(strstr(
      m, "X-Envelope-To: <testuser@localhost>, <postmaster@localhost>\r\n"));
  free(m);
}
END_TEST

/* RFC 5321 §7.2: the header is not rewritten from the envelope; fault
 * to-deduced fills an address-less To: with the first recipient. */
START_TEST(test_to_deduced_fault) {
  enum ms_fault fs[] = {MS_F_NONE, MS_F_TO_DEDUCED};
  for (size_t i = 0; i < 2; i++) {
    struct drv d;
    drv_open(&d, MS_PROFILE_RFC5321, fs[i]);
    char r0[] = "testuser@localhost";
    char *rcpts[] = {r0};
    static const char data[] = "To: undisclosed-recipients:;\r\n\r\nb\r\n";
    struct srv_smtp_txn t = {"client.example", true,  false, false,
                             "a@b.c",          rcpts, 1,     data,
                             sizeof data - 1,  NULL,  NULL,  false};
    struct srv_smtp_fmt fmt = {0};
    struct ms_buf out;
    ms_buf_init(&out, 0);
    srv_smtp_deliver(&d.ctx, &t, &fmt, &out);
    ms_buf_free(&out);
    char *m = dlv_maildrop(d.st, "testuser", 0);
    ck_assert_ptr_nonnull(
        strstr(m, i ? "\r\nTo: <testuser@localhost>\r\n"
                    : "\r\nTo: undisclosed-recipients:;\r\n"));
    free(m);
    drv_close(&d);
  }
}
END_TEST

/* RFC 5321 §3.3: a source route is ignored (RFC 821's profile follows
 * it); the fault source-route-followed relays to the first hop. */
START_TEST(test_source_route_ignored) {
  enum ms_fault fs[] = {MS_F_NONE, MS_F_SOURCE_ROUTE_FOLLOWED};
  for (size_t i = 0; i < 2; i++) {
    struct drv d;
    drv_open(&d, MS_PROFILE_RFC5321, fs[i]);
    drv_out(&d);
    CODE(&d, "EHLO client.example", 250);
    CODE(&d, "MAIL FROM:<a@b.c>", 250);
    CODE(&d, "RCPT TO:<@hop1.invalid,@hop2.invalid:testuser@localhost>", 250);
    CODE(&d, "DATA", 354);
    drv(&d, "Subject: routed");
    CODE(&d, ".", 250);
    ck_assert_uint_eq(ms_store_pop3_count(d.st, "testuser"), i == 0 ? 1 : 0);
    drv_close(&d);
  }
}
END_TEST

/* ---- branch prove: one RFC 5321 MUST each (issue 13 §4) ----------- */

/* The reply code to the last of LINES and the session's last action. */
struct prove_case {
  enum ms_fault f;
  int clean, faulty;   /* the last reply's code without and with F */
  enum srv_action act; /* the last action with F */
  const char *lines[12];
};

#define PATH256                                                                \
  "MAIL FROM:<llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll"  \
  "ll@ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd.dddd"    \
  "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd.dddddddddddd"   \
  "ddddddddddddddddddddddddddddddddddddd.example.org>"

static const struct prove_case prove_cases[] = {
    {MS_F_RSET_503_INIT, 250, 503, SRV_CONTINUE, {"RSET"}},
    {MS_F_RSET_KEEPS_TXN, 250, 503, SRV_CONTINUE, {EH, MF, RT, "RSET", MF}},
    {MS_F_RSET_TXN_500, 250, 500, SRV_CONTINUE, {EH, MF, "RSET"}},
    {MS_F_RSET_ARG_CLOSE, 501, 501, SRV_CLOSE, {EH, "RSET mailspec"}},
    {MS_F_NOOP_502, 250, 502, SRV_CONTINUE, {EH, "NOOP"}},
    {MS_F_HELO_502, 250, 502, SRV_CONTINUE, {"HELO client.example"}},
    {MS_F_QUIT_250, 221, 250, SRV_CLOSE, {EH, "QUIT"}},
    {MS_F_EHLO_AGAIN_503, 250, 503, SRV_CONTINUE, {EH, EH}},
    {MS_F_LISTED_502,
     252,
     502,
     SRV_CONTINUE,
     {EH, "VRFY nosuchuser@localhost"}},
    {MS_F_LISTED_502, 550, 502, SRV_CONTINUE, {EH, "EXPN postmaster"}},
    {MS_F_LISTED_502, 214, 502, SRV_CONTINUE, {EH, "HELP"}},
    {MS_F_NESTED_MAIL_250, 503, 250, SRV_CONTINUE, {EH, MF, MF}},
    {MS_F_RCPT_NO_MAIL_250, 503, 250, SRV_CONTINUE, {EH, RT}},
    {MS_F_UNKNOWN_CLOSE, 500, 500, SRV_CLOSE, {EH, "XYZZY mailspec"}},
    {MS_F_VRFY_SYNTAX_250,
     252,
     250,
     SRV_CONTINUE,
     {EH, "VRFY nosuchuser@localhost"}},
    {MS_F_BARE_POSTMASTER,
     250,
     550,
     SRV_CONTINUE,
     {EH, MF, "RCPT TO:<Postmaster>"}},
    {MS_F_PATH_255, 250, 501, SRV_CONTINUE, {EH, PATH256}},
    {MS_F_SECOND_451,
     250,
     451,
     SRV_CONTINUE,
     {EH, MF, RT, "DATA", "one", ".", MF, RT, "DATA", "two", "."}},
    {MS_F_NULL_SENDER_501, 250, 501, SRV_CONTINUE, {EH, "MAIL FROM:<>"}},
};

START_TEST(test_5321_prove_faults) {
  for (size_t i = 0; i < sizeof prove_cases / sizeof prove_cases[0]; i++) {
    const struct prove_case *c = &prove_cases[i];
    enum srv_action act;
    ck_assert_msg(fault_code(MS_F_NONE, c->lines, NULL) == c->clean,
                  "case %zu clean: want %d", i, c->clean);
    ck_assert_msg(fault_code(c->f, c->lines, &act) == c->faulty,
                  "case %zu fault: want %d", i, c->faulty);
    ck_assert_msg(act == c->act, "case %zu: action %d", i, (int)act);
  }
}
END_TEST

/* rcpt-limit-99: the 100th recipient gets 452 (4.5.3.1.8-1: 100 MUST be
 * buffered); message-limit-60000: 552 for 64K of content (4.5.3.1.7-1). */
static int prove_limits(enum ms_fault f, bool message) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC5321, f);
  drv_out(&d);
  drv(&d, EH);
  const char *r = drv(&d, MF);
  for (int i = 0; i < 100; i++)
    r = drv(&d, RT);
  if (message) {
    char line[1001];
    memset(line, 'y', 998);
    line[998] = '\0';
    drv(&d, "DATA");
    for (int i = 0; i < 66; i++)
      drv(&d, line);
    r = drv(&d, ".");
  }
  int code = atoi(r);
  drv_close(&d);
  return code;
}

START_TEST(test_5321_prove_limits) {
  ck_assert_int_eq(prove_limits(MS_F_NONE, false), 250);
  ck_assert_int_eq(prove_limits(MS_F_RCPT_LIMIT_99, false), 452);
  ck_assert_int_eq(prove_limits(MS_F_NONE, true), 250);
  ck_assert_int_eq(prove_limits(MS_F_MESSAGE_60000, true), 552);
}
END_TEST

Suite *make_srv_smtp_suite(void);
/* RFC 5321 §7.3: EXPN disabled for security (world: expn: false) answers
 * 252 and leaves EHLO; the fault expn-disabled-250 answers 250
 * (5321-7.3-3). */
START_TEST(test_expn_disabled) {
  struct drv d;
  struct ms_world *w = ms_world_builtin();
  w->expn_disabled = true;
  drv_open_world(&d, w, MS_PROFILE_RFC5321, 0);
  drv_out(&d);
  ck_assert_ptr_null(strstr(drv(&d, "EHLO x"), "EXPN"));
  ck_assert(!strncmp(drv(&d, "EXPN Example-People"), "252 ", 4));
  drv_close(&d);
  w = ms_world_builtin();
  w->expn_disabled = true;
  drv_open_world(&d, w, MS_PROFILE_RFC5321, MS_F_EXPN_DISABLED_250);
  drv_out(&d);
  drv(&d, "EHLO x");
  ck_assert(!strncmp(drv(&d, "EXPN Example-People"), "250 ", 4));
  drv_close(&d);
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_EXPN_DISABLED_250); /* enabled */
  drv_out(&d);
  ck_assert_ptr_nonnull(strstr(drv(&d, "EHLO x"), "EXPN"));
  ck_assert(!strncmp(drv(&d, "EXPN Example-People"), "250-", 4));
  drv_close(&d);
}
END_TEST

/* RFC 5321 §2.2.2: only registered keywords; ehlo-vrfy-keyword adds VRFY
 * (5321-2.2.2-2, 2.2.2-3). */
START_TEST(test_ehlo_vrfy_keyword) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC5321, 0);
  drv_out(&d);
  ck_assert_ptr_null(strstr(drv(&d, "EHLO x"), "VRFY"));
  drv_close(&d);
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_EHLO_VRFY_KEYWORD);
  drv_out(&d);
  ck_assert_ptr_nonnull(strstr(drv(&d, "EHLO x"), "250 VRFY\r\n"));
  drv_close(&d);
}
END_TEST

/* RFC 5321 §4.2.4: TURN, recognized, not implemented: 502; turn-554
 * (5321-4.2.4-1). */
START_TEST(test_turn_502) {
  struct drv d;
  drv_open(&d, MS_PROFILE_RFC5321, 0);
  drv_out(&d);
  drv(&d, "EHLO x");
  ck_assert(!strncmp(drv(&d, "TURN"), "502 ", 4));
  drv_close(&d);
  drv_open(&d, MS_PROFILE_RFC5321, MS_F_TURN_554);
  drv_out(&d);
  drv(&d, "EHLO x");
  ck_assert(!strncmp(drv(&d, "TURN"), "554 ", 4));
  drv_close(&d);
}
END_TEST

Suite *make_srv_smtp_suite(void) {
  Suite *s = suite_create("srv_smtp");
  TCase *tc = tcase_create("rfc821");
  tcase_add_test(tc, test_greeting);
  tcase_add_test(tc, test_expn_disabled);
  tcase_add_test(tc, test_ehlo_vrfy_keyword);
  tcase_add_test(tc, test_turn_502);
  tcase_add_test(tc, test_scenario1_delivers);
  tcase_add_test(tc, test_no_unstuff_fault);
  tcase_add_test(tc, test_end_of_data_needs_crlf);
  tcase_add_test(tc, test_send_soml_saml);
  tcase_add_test(tc, test_expn_program_member);
  tcase_add_test(tc, test_fault_send_no_transaction);
  tcase_add_test(tc, test_send_to_active_terminal);
  tcase_add_test(tc, test_forwarding_and_routes);
  tcase_add_test(tc, test_vrfy_expn);
  tcase_add_test(tc, test_mixed_multiline_fault);
  tcase_add_test(tc, test_help_turn_noop);
  tcase_add_test(tc, test_sequencing);
  tcase_add_test(tc, test_limits);
  tcase_add_test(tc, test_binary_and_bare_lf);
  tcase_add_test(tc, test_faults_greet_close_rcpt);
  tcase_add_test(tc, test_vanish_mid_data);
  suite_add_tcase(s, tc);
  TCase *t2 = tcase_create("rfc5321");
  tcase_add_test(t2, test_ehlo_enhanced);
  tcase_add_test(t2, test_5321_refusals);
  tcase_add_test(t2, test_5321_recipient_limit);
  tcase_add_test(t2, test_world_greeting);
  tcase_add_test(t2, test_5321_core_faults);
  tcase_add_test(t2, test_5321_core_fault_replies);
  tcase_add_test(t2, test_5321_header_faults);
  tcase_add_test(t2, test_5321_syntax);
  tcase_add_test(t2, test_5321_prove_faults);
  tcase_add_test(t2, test_5321_prove_limits);
  tcase_add_test(t2, test_received_stamp_faults);
  tcase_add_test(t2, test_received_utf8_faults);
  tcase_add_test(t2, test_received_ulabel);
  tcase_add_test(t2, test_deliver_auth_and_rcpt_faults);
  tcase_add_test(t2, test_source_route_ignored);
  tcase_add_test(t2, test_to_deduced_fault);
  suite_add_tcase(s, t2);
  TCase *t3 = tcase_create("parts");
  tcase_add_test(t3, test_path_parse);
  tcase_add_test(t3, test_reply_lines);
  suite_add_tcase(s, t3);
  return s;
}
