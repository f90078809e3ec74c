/* Unit tests for the reference server's SMTP service extensions (issue
 * 14): the EHLO lines (srv_smtp_ext.c), SIZE (srv_smtp_size.c),
 * 8BITMIME (srv_smtp_8bit.c), ENHANCEDSTATUSCODES (srv_smtp_enh.c), the
 * RFC 3463 recipient conditions (srv_smtp_policy.c) and the PIPELINING
 * faults (srv_smtp_pipe.c): each clean, and each fault breaking exactly
 * its rule. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "srv.h"
#include "srv_smtp.h"
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

/* A session of the rfc5321 profile on W (NULL: the built-in world) with
 * FAULT (MS_F_NONE: none), EHLO already said. */
static void drv_open(struct drv *d, struct ms_world *w, enum ms_fault fault,
                     bool ehlo) {
  memset(d, 0, sizeof *d);
  d->w = w ? w : ms_world_builtin();
  d->st = ms_store_new(d->w, NULL);
  d->ctx.world = d->w;
  d->ctx.profile = MS_PROFILE_RFC5321;
  ms_fault_set(&d->ctx.faults, fault);
  d->ctx.store = d->st;
  ms_buf_init(&d->out, 80u << 20);
  d->sess = ms_srv_smtp_ops.open(&d->ctx, &d->out, &d->act);
  if (ehlo)
    d->act = ms_srv_smtp_ops.line(d->sess, "EHLO x", 6, true, &d->out);
  ms_buf_reset(&d->out);
}

static const char *drv(struct drv *d, const char *line) {
  static char last[8192];
  d->act = ms_srv_smtp_ops.line(d->sess, line, strlen(line), true, &d->out);
  snprintf(last, sizeof last, "%s", d->out.p ? d->out.p : "");
  ms_buf_reset(&d->out);
  return last;
}

static void drv_close(struct drv *d) {
  ms_srv_smtp_ops.close(d->sess);
  ms_store_free(d->st);
  ms_world_free(d->w);
  ms_buf_free(&d->out);
}

#define SAYS(d, line, expect) ck_assert_str_eq(drv(d, line), expect)
#define CODE(d, line, code) ck_assert_int_eq(atoi(drv(d, line)), code)

/* The EHLO reply of a fresh session. */
static char *ehlo_of(struct ms_world *w, enum ms_fault f) {
  struct drv d;
  drv_open(&d, w, f, false);
  char *r = xstrdup(drv(&d, "EHLO x"));
  drv_close(&d);
  return r;
}

static bool has(const char *s, const char *sub) {
  return strstr(s, sub) != NULL;
}

/* ---- EHLO lines ----------------------------------------------------- */

START_TEST(test_ext_keywords) {
  char *r = ehlo_of(NULL, MS_F_NONE);
  ck_assert(has(r, "250-SIZE 10485760\r\n250-8BITMIME\r\n250-PIPELINING\r\n"
                   "250-ENHANCEDSTATUSCODES\r\n"));
  free(r);
  struct {
    enum ms_fault f;
    const char *line, *gone;
  } t[] = {
      {MS_F_SIZE_UNADVERTISED, NULL, "SIZE"},
      {MS_F_SIZE_KEYWORD_TEXT, "250-SIZE 10M\r\n", NULL},
      {MS_F_8BIT_UNADVERTISED, NULL, "8BITMIME"},
      {MS_F_8BIT_PARAM, "250-8BITMIME STRICT\r\n", NULL},
      {MS_F_PIPE_PARAM, "250-PIPELINING 100\r\n", NULL},
      {MS_F_ENH_PARAM, "250-ENHANCEDSTATUSCODES 3463\r\n", NULL},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    r = ehlo_of(NULL, t[i].f);
    if (t[i].line)
      ck_assert_msg(has(r, t[i].line), "%s", r);
    if (t[i].gone)
      ck_assert_msg(!has(r, t[i].gone), "%s", r);
    free(r);
  }
  struct ms_world *w = ms_world_builtin();
  w->ehlo_off = xcalloc(2, sizeof *w->ehlo_off);
  w->ehlo_off[0] = xstrdup("size");
  w->ehlo_off[1] = xstrdup("8BITMIME");
  w->nehlo_off = 2;
  struct drv d;
  drv_open(&d, w, MS_F_NONE, false);
  r = xstrdup(drv(&d, "EHLO x"));
  ck_assert(!has(r, "SIZE") && !has(r, "8BITMIME") && has(r, "PIPELINING"));
  free(r);
  /* RFC 1870 §3, RFC 6152 §2: what is not listed is not taken */
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=100", 555);
  CODE(&d, "MAIL FROM:<a@b.c> BODY=8BITMIME", 555);
  drv_close(&d);
}
END_TEST

/* ---- SIZE ----------------------------------------------------------- */

START_TEST(test_size_mail) {
  struct drv d;
  drv_open(&d, NULL, MS_F_NONE, true);
  SAYS(&d, "MAIL FROM:<a@b.c> SIZE=10485760", "250 2.1.0 OK\r\n");
  CODE(&d, "RSET", 250);
  SAYS(&d, "MAIL FROM:<a@b.c> SIZE=10485761",
       "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=99999999999999999999", 552);  /* 20 */
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=999999999999999999999", 501); /* 21 */
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=1k", 501);
  drv_close(&d);
  drv_open(&d, NULL, MS_F_SIZE_452, true); /* §6.1 (2) broken */
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=10485761", 452);
  drv_close(&d);
  drv_open(&d, NULL, MS_F_SIZE_REFUSED, true); /* §4 broken */
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=100", 555);
  CODE(&d, "MAIL FROM:<a@b.c>", 250);
  drv_close(&d);
  drv_open(&d, NULL, MS_F_SIZE_UNADVERTISED, true);
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=100", 250); /* taken, not listed */
  drv_close(&d);
}
END_TEST

/* max_message: 0 is "SIZE 0": no fixed maximum, 452 for what memory
 * cannot hold (RFC 1870 §3, §6.1 (1)); the fault answers 552. */
START_TEST(test_size_zero) {
  struct ms_world *w = ms_world_builtin();
  w->max_message = 0;
  char *r = ehlo_of(w, MS_F_NONE); /* frees W */
  ck_assert(has(r, "250-SIZE 0\r\n"));
  free(r);
  w = ms_world_builtin();
  w->max_message = 0;
  struct drv d;
  drv_open(&d, w, MS_F_NONE, true);
  SAYS(&d, "MAIL FROM:<a@b.c> SIZE=999999999999",
       "452 4.3.1 Insufficient system storage\r\n");
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=1000000", 250);
  drv_close(&d);
  w = ms_world_builtin();
  w->max_message = 0;
  drv_open(&d, w, MS_F_SIZE_ZERO_552, true);
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=999999999999", 552);
  drv_close(&d);
}
END_TEST

/* A message of MAX octets as RFC 1870 §5 counts them, its body lines
 * starting with a dot, then the end of the data. */
static const char *size_message(struct drv *d, size_t max, bool declare) {
  char mail[64];
  snprintf(mail, sizeof mail, "MAIL FROM:<a@b.c>%s%zu", declare ? " SIZE=" : "",
           declare ? max : 0);
  if (!declare)
    mail[strlen("MAIL FROM:<a@b.c>")] = '\0';
  CODE(d, mail, 250);
  CODE(d, "RCPT TO:<Jones@foo.com>", 250);
  CODE(d, "DATA", 354);
  /* "..x" lines: 4 octets with CRLF once unstuffed */
  for (size_t i = 0; i < max / 4; i++)
    drv(d, "..x");
  for (size_t i = 0; i < max % 4 / 2; i++)
    drv(d, ""); /* 2 octets each: max is even here */
  return drv(d, ".");
}

START_TEST(test_size_data) {
  struct ms_world *w = ms_world_builtin();
  w->max_message = 1000;
  struct drv d;
  drv_open(&d, w, MS_F_NONE, true);
  ck_assert_int_eq(atoi(size_message(&d, 1000, true)), 250); /* §4, §5 */
  ck_assert_int_eq(atoi(size_message(&d, 1002, false)), 552);
  drv_close(&d);
  w = ms_world_builtin();
  w->max_message = 1000;
  drv_open(&d, w, MS_F_SIZE_STUFFING, true); /* §5 broken */
  ck_assert_int_eq(atoi(size_message(&d, 1000, true)), 552);
  drv_close(&d);
  w = ms_world_builtin();
  w->max_message = 1000;
  drv_open(&d, w, MS_F_SIZE_DATA_NO_LIMIT, true); /* §4 broken */
  ck_assert_int_eq(atoi(size_message(&d, 1002, false)), 250);
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=1002", 552); /* still at MAIL */
  drv_close(&d);
}
END_TEST

/* branch wire2: RFC 5321 §4.5.3.1.7, a server with a size limit lists
 * SIZE; size-limit-unadvertised keeps the limit (552) but lists no SIZE
 * and answers SIZE= as not offered (555). */
START_TEST(test_size_limit_unadvertised) {
  struct ms_world *w = ms_world_builtin();
  w->max_message = 1000;
  struct drv d;
  drv_open(&d, w, MS_F_SIZE_LIMIT_UNADVERTISED, false);
  ck_assert(!strstr(drv(&d, "EHLO x"), "SIZE"));
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=100", 555);
  ck_assert_int_eq(atoi(size_message(&d, 1002, false)), 552);
  drv_close(&d);
  char *r = ehlo_of(NULL, MS_F_NONE);
  ck_assert(has(r, "250-SIZE 10485760\r\n"));
  free(r);
}
END_TEST

/* RFC 1870 §6: the declared size never ends the data (the fault does). */
START_TEST(test_size_ends_data) {
  struct drv d;
  drv_open(&d, NULL, MS_F_NONE, true);
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=10", 250);
  CODE(&d, "RCPT TO:<Jones@foo.com>", 250);
  CODE(&d, "DATA", 354);
  SAYS(&d, "Subject: longer than ten octets", "");
  SAYS(&d, "XNOSUCH", "");
  CODE(&d, ".", 250);
  drv_close(&d);
  drv_open(&d, NULL, MS_F_SIZE_ENDS_DATA, true);
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=10", 250);
  CODE(&d, "RCPT TO:<Jones@foo.com>", 250);
  CODE(&d, "DATA", 354);
  CODE(&d, "Subject: longer than ten octets", 250);
  CODE(&d, "XNOSUCH", 500);
  drv_close(&d);
}
END_TEST

/* ---- 8BITMIME ------------------------------------------------------- */

START_TEST(test_8bit) {
  struct drv d;
  drv_open(&d, NULL, MS_F_NONE, true);
  CODE(&d, "MAIL FROM:<a@b.c> BODY=7BIT", 250);
  CODE(&d, "RSET", 250);
  SAYS(&d, "MAIL FROM:<a@b.c> BODY=9BIT",
       "501 5.5.4 Syntax error in BODY= value (7BIT or 8BITMIME)\r\n");
  CODE(&d, "MAIL FROM:<a@b.c> BODY=8BITMIME", 250);
  CODE(&d, "RCPT TO:<Jones@foo.com>", 250);
  CODE(&d, "DATA", 354);
  char line[1100];
  memset(line, 'x', 998); /* RFC 6152 §1: 998 + CRLF is 1000 */
  line[0] = (char)0xc3;
  line[998] = '\0';
  SAYS(&d, line, "");
  CODE(&d, ".", 250);
  drv_close(&d);
  drv_open(&d, NULL, MS_F_BODY_7BIT, true);
  CODE(&d, "MAIL FROM:<a@b.c> BODY=7BIT", 501);
  CODE(&d, "MAIL FROM:<a@b.c> BODY=8BITMIME", 250);
  drv_close(&d);
  drv_open(&d, NULL, MS_F_8BIT_REFUSED, true);
  CODE(&d, "MAIL FROM:<a@b.c> BODY=8BITMIME", 250);
  CODE(&d, "RCPT TO:<Jones@foo.com>", 250);
  CODE(&d, "DATA", 354);
  SAYS(&d, "caf\xc3\xa9", "");
  SAYS(&d, ".", "554 5.6.0 Transaction failed: 8-bit data refused\r\n");
  drv_close(&d);
  drv_open(&d, NULL, MS_F_BODY_ANY, true);
  CODE(&d, "MAIL FROM:<a@b.c> BODY=9BIT", 250);
  drv_close(&d);
  drv_open(&d, NULL, MS_F_8BIT_NO_BODY_451, true);
  CODE(&d, "MAIL FROM:<a@b.c>", 250);
  CODE(&d, "RCPT TO:<Jones@foo.com>", 250);
  CODE(&d, "DATA", 354);
  SAYS(&d, "caf\xc3\xa9", "");
  CODE(&d, ".", 451);
  CODE(&d, "MAIL FROM:<a@b.c> BODY=8BITMIME", 250); /* with BODY=: taken */
  CODE(&d, "RCPT TO:<Jones@foo.com>", 250);
  CODE(&d, "DATA", 354);
  SAYS(&d, "caf\xc3\xa9", "");
  CODE(&d, ".", 250);
  drv_close(&d);
  drv_open(&d, NULL, MS_F_DATA_LINE_999, true);
  CODE(&d, "MAIL FROM:<a@b.c> BODY=8BITMIME", 250);
  CODE(&d, "RCPT TO:<Jones@foo.com>", 250);
  CODE(&d, "DATA", 354);
  SAYS(&d, line, "");
  CODE(&d, ".", 500);
  drv_close(&d);
}
END_TEST

/* ---- ENHANCEDSTATUSCODES -------------------------------------------- */

START_TEST(test_enh_helo) {
  struct drv d;
  drv_open(&d, NULL, MS_F_NONE, false);
  SAYS(&d, "MAIL FROM:<a@b.c>", "503 5.5.1 Bad sequence of commands\r\n");
  SAYS(&d, "HELO x", "250 BBN-UNIX.ARPA\r\n");       /* none on HELO */
  SAYS(&d, "MAIL FROM:<a@b.c>", "250 2.1.0 OK\r\n"); /* RFC 2034 §4 */
  drv_close(&d);
  drv_open(&d, NULL, MS_F_ENH_EHLO_ONLY, false);
  SAYS(&d, "HELO x", "250 BBN-UNIX.ARPA\r\n");
  SAYS(&d, "MAIL FROM:<a@b.c>", "250 OK\r\n");
  CODE(&d, "EHLO x", 250);
  SAYS(&d, "MAIL FROM:<a@b.c>", "250 2.1.0 OK\r\n");
  drv_close(&d);
  struct ms_world *w = ms_world_builtin();
  w->ehlo_off = xcalloc(1, sizeof *w->ehlo_off);
  w->ehlo_off[0] = xstrdup("ENHANCEDSTATUSCODES");
  w->nehlo_off = 1;
  drv_open(&d, w, MS_F_NONE, true);
  SAYS(&d, "MAIL FROM:<a@b.c>", "250 OK\r\n"); /* not offered: none */
  drv_close(&d);
}
END_TEST

static const char *enh_reply(enum ms_fault fault, int code, const char *esc) {
  static char out[256];
  struct ms_faults f = {0};
  ms_fault_set(&f, fault);
  struct srv_smtp_fmt fmt = {true, false, srv_smtp_enh_faults(&f)};
  struct ms_buf b;
  ms_buf_init(&b, 0);
  srv_smtp_reply(&b, &fmt, code, esc, "text");
  snprintf(out, sizeof out, "%s", b.p);
  ms_buf_free(&b);
  return out;
}

START_TEST(test_enh_faults) {
  ck_assert_str_eq(enh_reply(MS_F_NONE, 503, "5.5.1"), "503 5.5.1 text\r\n");
  ck_assert_str_eq(enh_reply(MS_F_NONE, 354, NULL), "354 text\r\n");
  ck_assert_str_eq(enh_reply(MS_F_ENH_MISSING, 250, "2.0.0"), "250 text\r\n");
  ck_assert_str_eq(enh_reply(MS_F_ENH_MISSING, 250, "2.1.0"),
                   "250 2.1.0 text\r\n");
  ck_assert_str_eq(enh_reply(MS_F_ENH_CLASS, 503, "5.5.1"),
                   "503 4.5.1 text\r\n");
  ck_assert_str_eq(enh_reply(MS_F_ENH_CLASS, 452, "4.5.3"),
                   "452 5.5.3 text\r\n");
  ck_assert_str_eq(enh_reply(MS_F_ENH_CLASS, 250, "2.1.0"),
                   "250 2.1.0 text\r\n");
  ck_assert_str_eq(enh_reply(MS_F_ENH_NO_SPACE, 250, "2.1.0"),
                   "250 2.1.0text\r\n");
  ck_assert_str_eq(enh_reply(MS_F_ENH_LEADING_ZERO, 250, "2.1.0"),
                   "250 2.01.0 text\r\n");
  ck_assert_str_eq(enh_reply(MS_F_ENH_SPACE_INSIDE, 250, "2.1.0"),
                   "250 2. 1.0 text\r\n");
  ck_assert_str_eq(enh_reply(MS_F_ENH_TWO_FIELDS, 250, "2.1.0"),
                   "250 2.1 text\r\n");
  /* the first line only */
  struct ms_faults f = {0};
  ms_fault_set(&f, MS_F_ENH_FIRST_LINE);
  struct srv_smtp_fmt fmt = {true, false, srv_smtp_enh_faults(&f)};
  struct ms_buf b;
  ms_buf_init(&b, 0);
  const char *lines[] = {"a", "b"};
  srv_smtp_reply_lines(&b, &fmt, 214, "2.0.0", lines, 2);
  ck_assert_str_eq(b.p, "214-2.0.0 a\r\n214 b\r\n");
  ms_buf_reset(&b);
  fmt.enh_faults = 0;
  srv_smtp_reply_lines(&b, &fmt, 214, "2.0.0", lines, 2);
  ck_assert_str_eq(b.p, "214-2.0.0 a\r\n214 2.0.0 b\r\n");
  ms_buf_free(&b);
}
END_TEST

/* ---- RFC 3463 recipient conditions ---------------------------------- */

START_TEST(test_policy) {
  struct ms_world *w = ms_world_builtin();
  w->users[0].mailbox_full = true; /* Jones */
  w->users[1].max_message = 1000;  /* Brown */
  w->lists[0].closed = true;       /* Example-People */
  struct drv d;
  drv_open(&d, w, MS_F_NONE, true);
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=2000", 250);
  SAYS(&d, "RCPT TO:<x@nowhere.invalid>",
       "550 5.1.2 Bad destination system address\r\n");
  SAYS(&d, "RCPT TO:<x@example.net>",
       "550 5.7.1 Not a local user, and relaying denied\r\n");
  SAYS(&d, "RCPT TO:<Jones@foo.com>", "452 4.2.2 Mailbox full\r\n");
  SAYS(&d, "RCPT TO:<Brown@foo.com>",
       "552 5.2.3 Message length exceeds administrative limit\r\n");
  SAYS(&d, "RCPT TO:<Example-People@foo.com>",
       "550 5.7.2 Mailing list expansion prohibited\r\n");
  CODE(&d, "RSET", 250);
  CODE(&d, "MAIL FROM:<ABC@MIT-MC.ARPA> SIZE=500", 250); /* a member */
  CODE(&d, "RCPT TO:<Example-People@foo.com>", 250);
  CODE(&d, "RCPT TO:<Brown@foo.com>", 250); /* under its limit */
  drv_close(&d);
}
END_TEST

/* The esc-* faults: each condition's code in the other class, the reply
 * code agreeing with it (RFC 3463 §3 broken, RFC 2034 §4 kept). */
static const char *policy_rcpt(enum ms_fault f, const char *rcpt) {
  static char r[256];
  struct ms_world *w = ms_world_builtin();
  w->users[0].mailbox_full = true; /* Jones */
  w->users[1].max_message = 1000;  /* Brown */
  w->users[2].forward = xstrdup("<moved@example.org>");
  w->users[2].forward_551 = true;
  w->lists[0].closed = true;
  struct drv d;
  drv_open(&d, w, f, true);
  CODE(&d, "MAIL FROM:<a@b.c> SIZE=2000", 250);
  snprintf(r, sizeof r, "%s", drv(&d, rcpt));
  drv_close(&d);
  return r;
}

START_TEST(test_policy_faults) {
  struct {
    enum ms_fault f;
    const char *rcpt, *clean, *bad;
  } t[] = {
      {MS_F_ESC_INVALID_4XX, "RCPT TO:<x@nowhere.invalid>", "550 5.1.2",
       "450 4.1.2"},
      {MS_F_ESC_FULL_5XX, "RCPT TO:<Jones@foo.com>", "452 4.2.2", "552 5.2.2"},
      {MS_F_ESC_LIMIT_4XX, "RCPT TO:<Brown@foo.com>", "552 5.2.3", "452 4.2.3"},
      {MS_F_ESC_LIST_4XX, "RCPT TO:<Example-People@foo.com>", "550 5.7.2",
       "450 4.7.2"},
      {MS_F_ESC_MOVED_4XX, "RCPT TO:<Smith@foo.com>", "551 5.1.6", "450 4.1.6"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    ck_assert_msg(strncmp(policy_rcpt(MS_F_NONE, t[i].rcpt), t[i].clean, 9) ==
                      0,
                  "%s", t[i].rcpt);
    ck_assert_msg(strncmp(policy_rcpt(t[i].f, t[i].rcpt), t[i].bad, 9) == 0,
                  "%s", t[i].rcpt);
  }
}
END_TEST

/* RFC 2920 §3.2 (3): no 354 without a recipient (the fault gives one,
 * then 554 at the end of the data). */
START_TEST(test_data_no_rcpt) {
  struct drv d;
  drv_open(&d, NULL, MS_F_NONE, true);
  CODE(&d, "MAIL FROM:<a@b.c>", 250);
  CODE(&d, "DATA", 503);
  drv_close(&d);
  drv_open(&d, NULL, MS_F_DATA_NO_RCPT, true);
  CODE(&d, "MAIL FROM:<a@b.c>", 250);
  CODE(&d, "DATA", 354);
  SAYS(&d, ".", "554 5.5.1 Transaction failed: no valid recipients\r\n");
  drv_close(&d);
}
END_TEST

/* ---- PIPELINING faults at the connection ------------------------------ */

/* LINES, one read: each line's REPLIES[i] as the session would give it;
 * what goes out, and what is held.  DROP gets the line after which the
 * rest was dropped (-1: none). */
static void pipe_run(enum ms_fault fault, const char *const *lines,
                     const char *const *replies, size_t n, char *sent,
                     size_t len, int *drop) {
  struct srv_ctx ctx = {0};
  ms_fault_set(&ctx.faults, fault);
  struct srv_smtp_pipe p = {0};
  struct ms_buf out;
  ms_buf_init(&out, 0);
  *drop = -1;
  for (size_t i = 0; i < n; i++) {
    srv_smtp_pipe_before(&p, &out);
    size_t from = out.len;
    ms_buf_addstr(&out, replies[i]);
    if (srv_smtp_pipe_after(&ctx, &p, lines[i], strlen(lines[i]), i, i + 1 < n,
                            &out, from)) {
      *drop = (int)i;
      break;
    }
  }
  snprintf(sent, len, "%s", out.p ? out.p : "");
  ms_buf_free(&out);
  srv_smtp_pipe_free(&p);
}

START_TEST(test_pipe_faults) {
  const char *l[] = {"MAIL FROM:<a@b.c>", "RCPT TO:<x@y>", "NOOP"};
  const char *r[] = {"250 a\r\n", "550 b\r\n", "250 c\r\n"};
  char s[256];
  int drop;
  pipe_run(MS_F_NONE, l, r, 3, s, sizeof s, &drop);
  ck_assert_str_eq(s, "250 a\r\n550 b\r\n250 c\r\n");
  pipe_run(MS_F_PIPE_REORDER, l, r, 3, s, sizeof s, &drop); /* (1) */
  ck_assert_str_eq(s, "550 b\r\n250 a\r\n250 c\r\n");
  pipe_run(MS_F_PIPE_FLUSH_ERROR, l, r, 3, s, sizeof s, &drop); /* (9) */
  ck_assert_str_eq(s, "250 a\r\n550 b\r\n");
  ck_assert_int_eq(drop, 1);
  pipe_run(MS_F_PIPE_HOLD_NOOP, l, r, 3, s, sizeof s, &drop); /* (5) */
  ck_assert_str_eq(s, "250 a\r\n550 b\r\n");
  /* (7): a group ending in RCPT keeps its last reply */
  pipe_run(MS_F_PIPE_NO_FLUSH, l, r, 2, s, sizeof s, &drop);
  ck_assert_str_eq(s, "250 a\r\n");
  pipe_run(MS_F_PIPE_NO_FLUSH, l, r, 3, s, sizeof s, &drop);
  ck_assert_str_eq(s, "250 a\r\n550 b\r\n250 c\r\n"); /* NOOP flushes */
  const char *l2[] = {"RSET", "XNOSUCH"};
  const char *r2[] = {"250 a\r\n", "500 b\r\n"};
  pipe_run(MS_F_PIPE_HOLD_UNKNOWN, l2, r2, 2, s, sizeof s, &drop); /* (6) */
  ck_assert_str_eq(s, "250 a\r\n");
  /* a command alone (no group) is never held */
  pipe_run(MS_F_PIPE_HOLD_UNKNOWN, l2 + 1, r2 + 1, 1, s, sizeof s, &drop);
  ck_assert_str_eq(s, "500 b\r\n");
  pipe_run(MS_F_PIPE_NO_FLUSH, l, r, 1, s, sizeof s, &drop);
  ck_assert_str_eq(s, "250 a\r\n");
}
END_TEST

Suite *make_srv_smtp_ext_suite(void);
Suite *make_srv_smtp_ext_suite(void) {
  Suite *s = suite_create("srv_smtp_ext");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_ext_keywords);
  tcase_add_test(tc, test_size_mail);
  tcase_add_test(tc, test_size_zero);
  tcase_add_test(tc, test_size_data);
  tcase_add_test(tc, test_size_limit_unadvertised);
  tcase_add_test(tc, test_size_ends_data);
  tcase_add_test(tc, test_8bit);
  tcase_add_test(tc, test_enh_helo);
  tcase_add_test(tc, test_enh_faults);
  tcase_add_test(tc, test_policy);
  tcase_add_test(tc, test_policy_faults);
  tcase_add_test(tc, test_data_no_rcpt);
  tcase_add_test(tc, test_pipe_faults);
  suite_add_tcase(s, tc);
  return s;
}
