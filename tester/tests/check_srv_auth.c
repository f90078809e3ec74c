/* Unit tests for srv_auth.c: STARTTLS/STLS and AUTH in the reference
 * server's SMTP and POP3 sessions, driven line by line without sockets
 * (the TLS handshake itself is in check_srv_tls.c), plus the world
 * keys they read (users' password, require_*). */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "srv_tls.h"
#include "srv.h"
#include "srv_auth.h"
#include "srv_saslprep.h"
#include "store.h"
#include "util.h"
#include "world.h"

struct drv {
  struct ms_world *w;
  struct ms_store *st;
  struct srv_ctx ctx;
  const struct srv_session_ops *ops;
  void *sess;
  struct ms_buf out;
  enum srv_action act;
};

/* A session of OPS with TLS and AUTH offered, on the built-in world
 * changed by YAML (may be NULL). */
static void drv_open(struct drv *d, const struct srv_session_ops *ops,
                     enum ms_fault faults, const char *yaml) {
  memset(d, 0, sizeof *d);
  d->w = ms_world_builtin();
  if (yaml) {
    struct ms_diags dg = {0};
    ck_assert_int_eq(
        ms_world_apply_yaml(d->w, "t.yaml", yaml, strlen(yaml), 1, &dg), 0);
    ms_diags_free(&dg);
  }
  char err[256];
  d->ctx.tls = srv_tls_new(NULL, NULL, "mx.example.test", 0, err, sizeof err);
  ck_assert_msg(d->ctx.tls != NULL, "%s", err);
  d->ctx.auth = true;
  d->ctx.world = d->w;
  d->ctx.profile = MS_PROFILE_RFC5321;
  ms_fault_set(&d->ctx.faults, faults);
  d->st = ms_store_new(d->w, NULL);
  d->ctx.store = d->st;
  d->ops = ops;
  ms_buf_init(&d->out, 1u << 20);
  d->sess = ops->open(&d->ctx, &d->out, &d->act);
  ms_buf_reset(&d->out);
}

static const char *drv_raw(struct drv *d, const char *line, bool crlf) {
  static char last[8192];
  ms_buf_reset(&d->out);
  d->act = d->ops->line(d->sess, line, strlen(line), crlf, &d->out);
  snprintf(last, sizeof last, "%s", d->out.p ? d->out.p : "");
  for (const char *p = last; *p; p++) /* replies are US-ASCII */
    ck_assert_msg((unsigned char)*p < 128, "8-bit octet in '%s'", last);
  return last;
}

static const char *say(struct drv *d, const char *line) {
  return drv_raw(d, line, true);
}

static void drv_close(struct drv *d) {
  d->ops->close(d->sess);
  ms_store_free(d->st);
  srv_tls_free(d->ctx.tls);
  ms_world_free(d->w);
  ms_buf_free(&d->out);
}

static bool matches(const char *text, const char *ere) {
  regex_t re;
  ck_assert_int_eq(regcomp(&re, ere, REG_EXTENDED | REG_NOSUB), 0);
  bool m = regexec(&re, text, 0, NULL, 0) == 0;
  regfree(&re);
  return m;
}

#define SAYS(d, line, ere)                                                     \
  do {                                                                         \
    const char *got_ = say(d, line);                                           \
    ck_assert_msg(matches(got_, ere), "%s -> '%s', want /%s/", line, got_,     \
                  ere);                                                        \
  } while (0)

static char *b64(const char *s, size_t n) {
  char *r = xmalloc(4 * ((n + 2) / 3) + 1);
  EVP_EncodeBlock((unsigned char *)r, (const unsigned char *)s, (int)n);
  return r;
}

/* AUTH PLAIN's message for USER and PASS (RFC 4616). */
/* RFC 4616: authzid NUL authcid NUL passwd, as long as they are (a
 * fixed buffer once read past its end for test_auth_long_line). */
static char *plain(const char *zid, const char *user, const char *pass) {
  size_t a = strlen(zid), b = strlen(user), c = strlen(pass);
  char *m = xmalloc(a + b + c + 2);
  memcpy(m, zid, a);
  m[a] = '\0';
  memcpy(m + a + 1, user, b);
  m[a + 1 + b] = '\0';
  memcpy(m + a + b + 2, pass, c);
  char *r = b64(m, a + b + c + 2);
  free(m);
  return r;
}

static char *b64s(const char *s) {
  return b64(s, strlen(s));
}

/* The SMTP session after EHLO. */
static void smtp_ehlo(struct drv *d, enum ms_fault faults, const char *yaml) {
  drv_open(d, &ms_srv_smtp_ops, faults, yaml);
  say(d, "EHLO client.example");
}

/* The SMTP session after EHLO, STARTTLS (the driver has no handshake:
 * the session is told TLS is on) and EHLO again: PLAIN and LOGIN work. */
static void smtp_tls(struct drv *d, enum ms_fault faults, const char *yaml) {
  smtp_ehlo(d, faults, yaml);
  ck_assert(matches(say(d, "STARTTLS"), "^220 "));
  say(d, "EHLO client.example");
}

/* ---- SMTP: EHLO keywords and STARTTLS ----------------------------------- */

START_TEST(test_ehlo_keywords) {
  struct drv d;
  drv_open(&d, &ms_srv_smtp_ops, 0, NULL);
  const char *r = say(&d, "EHLO client.example");
  ck_assert(matches(r, "\r\n250-STARTTLS\r\n"));
  /* RFC 4954 §4: no plaintext password mechanism before TLS */
  ck_assert(matches(r, "\r\n250 AUTH CRAM-MD5\r\n$"));
  SAYS(&d, "AUTH PLAIN", "^538 5\\.7\\.11 ");
  SAYS(&d, "AUTH LOGIN", "^538 5\\.7\\.11 ");
  SAYS(&d, "AUTH CRAM-MD5", "^334 ");
  SAYS(&d, "*", "^501 ");
  ck_assert_int_eq(d.act, SRV_CONTINUE);
  /* RFC 3207 §4: 220, then the TLS handshake (the loop's business) */
  ck_assert_str_eq(say(&d, "STARTTLS"), "220 2.0.0 Ready to start TLS\r\n");
  ck_assert_int_eq(d.act, SRV_STARTTLS);
  /* RFC 3207 §4.2: back to the initial state, STARTTLS not offered */
  SAYS(&d, "MAIL FROM:<a@example.org>", "^503 ");
  r = say(&d, "EHLO client.example");
  ck_assert(!matches(r, "STARTTLS"));
  ck_assert(matches(r, "250 AUTH PLAIN LOGIN CRAM-MD5\r\n$"));
  SAYS(&d, "STARTTLS", "^503 5\\.5\\.1 TLS already active\r\n$");
  ck_assert_int_eq(d.act, SRV_CONTINUE);
  drv_close(&d);
}
END_TEST

START_TEST(test_starttls_refusals) {
  struct drv d;
  smtp_ehlo(&d, 0, NULL);
  SAYS(&d, "STARTTLS now", "^501 5\\.5\\.4 "); /* no parameters */
  ck_assert_int_eq(d.act, SRV_CONTINUE);
  /* inside a transaction: accepted (RFC 3207 §4 has no 503), and the
   * transaction is gone with the reset */
  SAYS(&d, "MAIL FROM:<a@example.org>", "^250 ");
  SAYS(&d, "starttls", "^220 ");
  ck_assert_int_eq(d.act, SRV_STARTTLS);
  say(&d, "EHLO client.example");
  SAYS(&d, "RCPT TO:<Jones@foo.com>", "^503 ");
  drv_close(&d);
  /* the fault starttls-no-reset: the transaction survives */
  smtp_ehlo(&d, MS_F_STARTTLS_NO_RESET, NULL);
  SAYS(&d, "MAIL FROM:<a@example.org>", "^250 ");
  SAYS(&d, "STARTTLS", "^220 ");
  SAYS(&d, "RCPT TO:<Jones@foo.com>", "^250 2\\.1\\.5 ");
  drv_close(&d);
  /* a server without TLS: not offered, not implemented */
  drv_open(&d, &ms_srv_smtp_ops, 0, NULL);
  srv_tls_free(d.ctx.tls);
  d.ctx.tls = NULL;
  d.ops->close(d.sess);
  d.sess = d.ops->open(&d.ctx, &d.out, &d.act);
  ck_assert(!matches(say(&d, "EHLO x"), "STARTTLS"));
  SAYS(&d, "STARTTLS", "^502 ");
  drv_close(&d);
  /* RFC 821 knows neither */
  drv_open(&d, &ms_srv_smtp_ops, 0, NULL);
  d.ctx.profile = MS_PROFILE_RFC821;
  d.ops->close(d.sess);
  d.sess = d.ops->open(&d.ctx, &d.out, &d.act);
  say(&d, "HELO x");
  SAYS(&d, "STARTTLS", "^500 ");
  SAYS(&d, "AUTH PLAIN", "^500 ");
  drv_close(&d);
}
END_TEST

/* ---- SMTP AUTH ------------------------------------------------------ */

START_TEST(test_auth_plain) {
  struct drv d;
  smtp_tls(&d, 0, NULL);
  char *good = plain("", "testuser", "testpass");
  char *bad = plain("", "testuser", "wrong");
  char *line = xasprintf("AUTH PLAIN %s", bad);
  SAYS(&d, line, "^535 5\\.7\\.8 Authentication credentials invalid\r\n$");
  free(line);
  line = xasprintf("AUTH PLAIN %s", good);
  SAYS(&d, line, "^235 2\\.7\\.0 Authentication successful\r\n$");
  SAYS(&d, line, "^503 5\\.5\\.1 Already authenticated"); /* RFC 4954 §4 */
  free(line);
  /* MAIL's AUTH= parameter (RFC 4954 §5) */
  SAYS(&d, "MAIL FROM:<a@example.org> AUTH=<>", "^250 ");
  free(good);
  free(bad);
  drv_close(&d);
}
END_TEST

START_TEST(test_auth_plain_challenge) {
  struct drv d;
  smtp_tls(&d, 0, NULL);
  /* no initial response: an empty 334, then the response line */
  ck_assert_str_eq(say(&d, "AUTH PLAIN"), "334 \r\n");
  char *good = plain("testuser", "testuser", "testpass"); /* authzid = self */
  SAYS(&d, good, "^235 ");
  free(good);
  drv_close(&d);
  /* a full mailbox works as the name; another authzid does not */
  smtp_tls(&d, 0, NULL);
  say(&d, "AUTH PLAIN");
  char *other = plain("postmaster", "testuser", "testpass");
  SAYS(&d, other, "^535 ");
  free(other);
  char *mbox = plain("", "testuser@localhost", "testpass");
  char *line = xasprintf("AUTH PLAIN %s", mbox);
  SAYS(&d, line, "^235 ");
  free(line);
  free(mbox);
  drv_close(&d);
}
END_TEST

START_TEST(test_auth_cancel_and_base64) {
  struct drv d;
  smtp_tls(&d, 0, NULL);
  say(&d, "AUTH PLAIN");
  SAYS(&d, "*", "^501 5\\.7\\.0 Authentication cancelled\r\n$");
  /* the exchange is over: commands are commands again */
  SAYS(&d, "NOOP", "^250 ");
  say(&d, "AUTH LOGIN");
  SAYS(&d, "not base64!", "^501 5\\.5\\.2 ");
  SAYS(&d, "AUTH PLAIN =", "^535 ");            /* "=": an empty response */
  SAYS(&d, "AUTH PLAIN AHRlc3R1c2Vy", "^535 "); /* one NUL only */
  SAYS(&d, "AUTH PLAIN abc", "^501 ");          /* not a multiple of 4 */
  drv_close(&d);
}
END_TEST

START_TEST(test_auth_login) {
  struct drv d;
  smtp_tls(&d, 0, NULL);
  ck_assert_str_eq(say(&d, "AUTH LOGIN"), "334 VXNlcm5hbWU6\r\n");
  char *u = b64s("testuser"), *p = b64s("testpass"), *w = b64s("nope");
  ck_assert_str_eq(say(&d, u), "334 UGFzc3dvcmQ6\r\n");
  SAYS(&d, w, "^535 ");
  /* with the name as initial response */
  char *line = xasprintf("AUTH LOGIN %s", u);
  ck_assert_str_eq(say(&d, line), "334 UGFzc3dvcmQ6\r\n");
  SAYS(&d, p, "^235 ");
  free(line);
  free(u);
  free(p);
  free(w);
  drv_close(&d);
}
END_TEST

/* RFC 2195: the client signs the challenge with HMAC-MD5(password). */
static char *cram_response(const char *challenge_b64, const char *user,
                           const char *pass) {
  unsigned char ch[256];
  int n = EVP_DecodeBlock(ch, (const unsigned char *)challenge_b64,
                          (int)strlen(challenge_b64));
  ck_assert_int_gt(n, 0);
  while (n > 0 && ch[n - 1] == 0) /* EVP_DecodeBlock pads with NULs */
    n--;
  unsigned char md[16];
  unsigned len = 0;
  HMAC(EVP_md5(), pass, (int)strlen(pass), ch, (size_t)n, md, &len);
  char text[128];
  int o = snprintf(text, sizeof text, "%s ", user);
  for (unsigned i = 0; i < len; i++)
    o += snprintf(text + o, sizeof text - (size_t)o, "%02x", md[i]);
  return b64s(text);
}

START_TEST(test_auth_cram_md5) {
  struct drv d;
  smtp_tls(&d, 0, NULL);
  const char *r = say(&d, "AUTH CRAM-MD5");
  ck_assert(matches(r, "^334 [A-Za-z0-9+/=]+\r\n$"));
  char ch[256];
  snprintf(ch, sizeof ch, "%.*s", (int)strlen(r) - 6, r + 4);
  char *bad = cram_response(ch, "testuser", "wrong");
  SAYS(&d, bad, "^535 ");
  free(bad);
  /* a new challenge each time: the old signature does not replay */
  r = say(&d, "AUTH CRAM-MD5");
  char ch2[256];
  snprintf(ch2, sizeof ch2, "%.*s", (int)strlen(r) - 6, r + 4);
  ck_assert_str_ne(ch, ch2);
  char *stale = cram_response(ch, "testuser", "testpass");
  SAYS(&d, stale, "^535 ");
  free(stale);
  say(&d, "AUTH CRAM-MD5");
  r = say(&d, "AUTH CRAM-MD5"); /* while busy: the line is a response */
  ck_assert(matches(r, "^50[1-9] "));
  r = say(&d, "AUTH CRAM-MD5");
  snprintf(ch2, sizeof ch2, "%.*s", (int)strlen(r) - 6, r + 4);
  char *good = cram_response(ch2, "testuser", "testpass");
  SAYS(&d, good, "^235 ");
  free(good);
  /* CRAM-MD5 takes no initial response */
  drv_close(&d);
  smtp_tls(&d, 0, NULL);
  SAYS(&d, "AUTH CRAM-MD5 dGVzdA==", "^501 ");
  drv_close(&d);
}
END_TEST

START_TEST(test_auth_sequencing) {
  struct drv d;
  drv_open(&d, &ms_srv_smtp_ops, 0, NULL);
  SAYS(&d, "STARTTLS", "^220 "); /* TLS first: PLAIN is waiting for it */
  char *good = plain("", "testuser", "testpass");
  char *line = xasprintf("AUTH PLAIN %s", good);
  SAYS(&d, line, "^503 "); /* before EHLO */
  say(&d, "HELO client.example");
  SAYS(&d, line, "^503 "); /* HELO does not announce extensions */
  say(&d, "EHLO client.example");
  SAYS(&d, "AUTH", "^501 ");
  SAYS(&d, "AUTH GSSAPI", "^504 5\\.5\\.4 Unrecognized authentication type");
  SAYS(&d, "MAIL FROM:<a@example.org>", "^250 ");
  SAYS(&d, line,
       "^503 5\\.5\\.1 AUTH not permitted during a mail "
       "transaction");
  SAYS(&d, "RSET", "^250 ");
  SAYS(&d, "auth plain", "^334 ");
  SAYS(&d, good, "^235 ");
  free(line);
  free(good);
  drv_close(&d);
  /* a user without a password cannot log in; nor can an unknown one */
  smtp_tls(&d, 0, NULL);
  char *jones = plain("", "Jones", "");
  line = xasprintf("AUTH PLAIN %s", jones);
  SAYS(&d, line, "^535 ");
  free(line);
  free(jones);
  char *ghost = plain("", "ghost", "testpass");
  line = xasprintf("AUTH PLAIN %s", ghost);
  SAYS(&d, line, "^535 ");
  free(line);
  free(ghost);
  drv_close(&d);
}
END_TEST

/* A long AUTH line (RFC 4954 §4: at least 12288 octets) is not 500. */
START_TEST(test_auth_long_line) {
  struct drv d;
  smtp_tls(&d, 0, NULL);
  char pw[1500];
  memset(pw, 'x', sizeof pw - 1);
  pw[sizeof pw - 1] = '\0';
  char *m = plain("", "testuser", pw);
  char *line = xasprintf("AUTH PLAIN %s", m);
  SAYS(&d, line, "^535 ");
  SAYS(&d, "NOOP", "^250 ");
  free(line);
  free(m);
  drv_close(&d);
}
END_TEST

START_TEST(test_require_tls_for_auth) {
  struct drv d;
  drv_open(&d, &ms_srv_smtp_ops, 0, NULL);
  d.ctx.auth_need_tls = true;
  d.ops->close(d.sess);
  d.sess = d.ops->open(&d.ctx, &d.out, &d.act);
  const char *r = say(&d, "EHLO client.example");
  ck_assert(!matches(r, "AUTH"));
  ck_assert(matches(r, "250 STARTTLS\r\n$"));
  char *good = plain("", "testuser", "testpass");
  char *line = xasprintf("AUTH PLAIN %s", good);
  SAYS(&d, line,
       "^538 5\\.7\\.11 Encryption required for requested "
       "authentication mechanism\r\n$");
  say(&d, "STARTTLS");
  ck_assert(matches(say(&d, "EHLO client.example"), "250 AUTH PLAIN"));
  SAYS(&d, line, "^235 ");
  free(line);
  free(good);
  drv_close(&d);
  /* the same from the world */
  smtp_ehlo(&d, 0, "require_tls_for_auth: true\n");
  SAYS(&d, "AUTH PLAIN", "^538 ");
  drv_close(&d);
}
END_TEST

START_TEST(test_fault_auth_before_tls) {
  struct drv d;
  drv_open(&d, &ms_srv_smtp_ops, MS_F_AUTH_BEFORE_TLS, NULL);
  const char *r = say(&d, "EHLO client.example");
  ck_assert(matches(r, "\r\n250 AUTH PLAIN\r\n$")); /* offered... */
  SAYS(&d, "AUTH PLAIN", "^538 ");                  /* ...and refused */
  say(&d, "STARTTLS");
  ck_assert(matches(say(&d, "EHLO x"), "250 AUTH PLAIN LOGIN CRAM-MD5"));
  SAYS(&d, "AUTH PLAIN", "^334 ");
  drv_close(&d);
}
END_TEST

START_TEST(test_policy_530) {
  struct drv d;
  smtp_ehlo(&d, 0, "require_tls: true\n");
  SAYS(&d, "MAIL FROM:<a@example.org>",
       "^530 5\\.7\\.0 Must issue a STARTTLS command first");
  SAYS(&d, "NOOP", "^250 ");
  SAYS(&d, "AUTH PLAIN", "^530 ");
  SAYS(&d, "STARTTLS", "^220 ");
  say(&d, "EHLO x");
  SAYS(&d, "MAIL FROM:<a@example.org>", "^250 ");
  drv_close(&d);

  smtp_tls(&d, 0, "require_auth: true\n");
  SAYS(&d, "MAIL FROM:<a@example.org>",
       "^530 5\\.7\\.0 Authentication required");
  SAYS(&d, "VRFY Jones", "^530 ");
  SAYS(&d, "RSET", "^250 ");
  char *good = plain("", "testuser", "testpass");
  char *line = xasprintf("AUTH PLAIN %s", good);
  SAYS(&d, line, "^235 ");
  SAYS(&d, "MAIL FROM:<a@example.org>", "^250 ");
  free(line);
  free(good);
  drv_close(&d);
}
END_TEST

/* ---- SMTP smuggling ----------------------------------------------------- */

static void smtp_data(struct drv *d, enum ms_fault faults) {
  smtp_ehlo(d, faults, NULL);
  say(d, "MAIL FROM:<a@example.org>");
  say(d, "RCPT TO:<Jones@foo.com>");
  SAYS(d, "DATA", "^354 ");
}

START_TEST(test_lf_dot_lf) {
  struct drv d;
  /* conforming: "." with a bare LF does not end the data (§4.1.1.4) */
  smtp_data(&d, 0);
  ck_assert_str_eq(drv_raw(&d, "before", false), "");
  ck_assert_str_eq(drv_raw(&d, ".", false), "");
  ck_assert_str_eq(drv_raw(&d, "NOOP smuggled", false), "");
  ck_assert_str_eq(drv_raw(&d, ".", true), ""); /* <LF>.<CRLF> */
  ck_assert_str_eq(say(&d, "after"), "");
  SAYS(&d, ".", "^554 5\\.6\\.0 "); /* the real end; bare LF refused */
  drv_close(&d);
  /* the fault: <LF>.<LF> ends it, and the rest runs as commands */
  smtp_data(&d, MS_F_LF_DOT_LF);
  ck_assert_str_eq(drv_raw(&d, "before", false), "");
  SAYS(&d, ".", "^250 2\\.0\\.0 OK");
  SAYS(&d, "NOOP smuggled", "^250 ");
  drv_close(&d);
  /* cr-dot-cr: conforming, a bare CR is no line end (§2.3.8) */
  smtp_data(&d, 0);
  ck_assert_str_eq(say(&d, "first\r.\rNOOP smuggled"), "");
  SAYS(&d, ".", "^250 ");
  drv_close(&d);
  smtp_data(&d, MS_F_CR_DOT_CR);
  SAYS(&d, "first\r.\rNOOP smuggled", "^250 2\\.0\\.0 OK\r\n250 2\\.0\\.0 OK");
  SAYS(&d, "x\r.\rQUIT", "^500 "); /* not in DATA: a plain line */
  SAYS(&d, "MAIL FROM:<a@example.org>", "^250 ");
  say(&d, "RCPT TO:<Jones@foo.com>");
  say(&d, "DATA");
  SAYS(&d, "x\r.\rQUIT", "^250 .*\r\n221 ");
  ck_assert_int_eq(d.act, SRV_CLOSE);
  drv_close(&d);
}
END_TEST

START_TEST(test_auth_any_pass) {
  struct drv d;
  smtp_tls(&d, MS_F_AUTH_ANY_PASS, NULL);
  char *bad = plain("", "testuser", "wrong");
  char *line = xasprintf("AUTH PLAIN %s", bad);
  SAYS(&d, line, "^235 ");
  free(line);
  free(bad);
  drv_close(&d);
  smtp_tls(&d, MS_F_AUTH_ANY_PASS, NULL);
  char *ghost = plain("", "ghost", "x"); /* still a known user only */
  line = xasprintf("AUTH PLAIN %s", ghost);
  SAYS(&d, line, "^535 ");
  free(line);
  free(ghost);
  drv_close(&d);
  drv_open(&d, &ms_srv_pop3_ops, MS_F_AUTH_ANY_PASS, NULL);
  bad = plain("", "mrose", "wrong");
  line = xasprintf("AUTH PLAIN %s", bad);
  SAYS(&d, line, "^\\+OK mrose's maildrop");
  free(line);
  free(bad);
  drv_close(&d);
}
END_TEST

/* ---- POP3 --------------------------------------------------------------- */

START_TEST(test_pop3_capa_stls) {
  struct drv d;
  drv_open(&d, &ms_srv_pop3_ops, 0, NULL);
  const char *r = say(&d, "CAPA");
  ck_assert(matches(r, "\r\nUSER\r\n"));
  ck_assert(matches(r, "\r\nSTLS\r\n"));
  ck_assert(matches(r, "\r\nSASL PLAIN LOGIN CRAM-MD5\r\n"));
  ck_assert_str_eq(say(&d, "STLS"), "+OK Begin TLS negotiation\r\n");
  ck_assert_int_eq(d.act, SRV_STARTTLS);
  r = say(&d, "CAPA");
  ck_assert(!matches(r, "STLS"));
  ck_assert_str_eq(say(&d, "STLS"),
                   "-ERR Command not permitted when TLS active\r\n");
  ck_assert_int_eq(d.act, SRV_CONTINUE);
  SAYS(&d, "USER mrose", "^\\+OK ");
  SAYS(&d, "PASS secret", "^\\+OK mrose's maildrop has 2 messages");
  SAYS(&d, "STLS", "^-ERR "); /* TRANSACTION state */
  r = say(&d, "CAPA");        /* RFC 2449 §5: the same list in both states */
  ck_assert(!matches(r, "STLS"));
  ck_assert(matches(r, "\r\nSASL PLAIN LOGIN CRAM-MD5\r\n"));
  drv_close(&d);
  /* RFC 2595 §4, §8: STLS is announced (and valid) in the AUTHORIZATION
   * state only, so not after a plaintext login either. */
  drv_open(&d, &ms_srv_pop3_ops, 0, NULL);
  say(&d, "USER mrose");
  say(&d, "PASS secret");
  ck_assert(!matches(say(&d, "CAPA"), "STLS"));
  SAYS(&d, "STLS", "^-ERR STLS not valid in the TRANSACTION state");
  drv_close(&d);
}
END_TEST

START_TEST(test_pop3_auth_plain) {
  struct drv d;
  drv_open(&d, &ms_srv_pop3_ops, 0, NULL);
  char *bad = plain("", "mrose", "wrong");
  char *line = xasprintf("AUTH PLAIN %s", bad);
  SAYS(&d, line, "^-ERR \\[AUTH\\] ");
  free(line);
  SAYS(&d, "AUTH DIGEST-MD5", "^-ERR unsupported");
  ck_assert_str_eq(say(&d, "AUTH PLAIN"), "+ \r\n"); /* RFC 5034 §4 */
  SAYS(&d, "*", "^-ERR authentication cancelled");
  ck_assert_str_eq(say(&d, "AUTH PLAIN"), "+ \r\n");
  SAYS(&d, "%%%%", "^-ERR cannot decode");
  say(&d, "AUTH PLAIN");
  char *good = plain("", "mrose", "secret");
  SAYS(&d, good, "^\\+OK mrose's maildrop has 2 messages \\(320 octets\\)");
  SAYS(&d, "STAT", "^\\+OK 2 320");
  SAYS(&d, "AUTH PLAIN", "^-ERR "); /* TRANSACTION state */
  free(bad);
  free(good);
  drv_close(&d);
  /* with the initial response */
  drv_open(&d, &ms_srv_pop3_ops, 0, NULL);
  good = plain("", "ford", "prefect");
  line = xasprintf("AUTH PLAIN %s", good);
  SAYS(&d, line, "^\\+OK ford's maildrop");
  free(line);
  free(good);
  drv_close(&d);
}
END_TEST

START_TEST(test_pop3_require_tls) {
  struct drv d;
  drv_open(&d, &ms_srv_pop3_ops, 0,
           "require_tls_for_auth: yes\n"
           "pop3:\n  timestamp: \"<1896.697170952@dbc.mtview.ca.us>\"\n");
  const char *r = say(&d, "CAPA");
  ck_assert(!matches(r, "USER|SASL"));
  ck_assert(matches(r, "\r\nSTLS\r\n"));
  SAYS(&d, "USER mrose", "^-ERR authentication requires TLS");
  SAYS(&d, "APOP mrose c4c9334bac560ecc979e58001b3e22fb", "^-ERR ");
  SAYS(&d, "AUTH PLAIN", "^-ERR ");
  SAYS(&d, "STLS", "^\\+OK ");
  r = say(&d, "CAPA");
  ck_assert(matches(r, "\r\nUSER\r\n"));
  ck_assert(matches(r, "\r\nSASL PLAIN LOGIN CRAM-MD5\r\n"));
  SAYS(&d, "APOP mrose c4c9334bac560ecc979e58001b3e22fb", "^\\+OK ");
  drv_close(&d);
  /* the fault: SASL PLAIN offered before STLS, yet refused */
  drv_open(&d, &ms_srv_pop3_ops, MS_F_AUTH_BEFORE_TLS, NULL);
  r = say(&d, "CAPA");
  ck_assert(matches(r, "\r\nSASL PLAIN LOGIN CRAM-MD5\r\n"));
  ck_assert(!matches(r, "USER"));
  SAYS(&d, "AUTH PLAIN", "^-ERR ");
  drv_close(&d);
}
END_TEST

/* ---- the live view: SASL data never shown ------------------------------- */

static const char *shown(const char *line, bool after) {
  static char buf[128];
  static char copy[256];
  size_t n = strlen(line);
  const char *r = srv_auth_live_text(line, &n, after, buf, sizeof buf);
  snprintf(copy, sizeof copy, "%.*s", (int)n, r);
  return copy;
}

START_TEST(test_live_redaction) {
  ck_assert_str_eq(shown("AUTH PLAIN AHRlc3R1c2VyAHRlc3RwYXNz", false),
                   "AUTH PLAIN <redacted>");
  ck_assert_str_eq(shown("auth  login dGVzdHVzZXI=", false),
                   "auth  login <redacted>");
  ck_assert_str_eq(shown("AUTH CRAM-MD5", false), "AUTH CRAM-MD5");
  ck_assert_str_eq(shown("dGVzdHBhc3M=", true), "<redacted>");
  ck_assert_str_eq(shown("*", true), "*");
  ck_assert_str_eq(shown("MAIL FROM:<a@b.c>", false), "MAIL FROM:<a@b.c>");
  ck_assert(srv_auth_is_challenge("334 \r\n", 6));
  ck_assert(srv_auth_is_challenge("+ PDEyMz4=\r\n", 12));
  ck_assert(!srv_auth_is_challenge("+OK\r\n", 5));
  ck_assert(!srv_auth_is_challenge("235 ok\r\n", 8));
  ck_assert(!srv_auth_is_challenge("", 0));
}
END_TEST

/* ---- the world --------------------------------------------------------- */

START_TEST(test_world_keys) {
  struct ms_world *w = ms_world_builtin();
  const struct ms_world_user *u = ms_world_find_user(w, "testuser");
  ck_assert_ptr_nonnull(u);
  ck_assert_str_eq(u->password, "testpass");
  ck_assert(!w->require_tls && !w->require_auth && !w->require_tls_for_auth);
  const char *y = "users:\n"
                  "  - {name: alice, password: \"s3cret \"}\n"
                  "require_tls: yes\n"
                  "require_auth: true\n"
                  "require_tls_for_auth: on\n";
  struct ms_diags dg = {0};
  ck_assert_int_eq(ms_world_apply_yaml(w, "w.yaml", y, strlen(y), 1, &dg), 0);
  u = ms_world_find_user(w, "alice@localhost");
  ck_assert_ptr_nonnull(u);
  ck_assert_str_eq(u->password, "s3cret ");
  ck_assert(w->require_tls && w->require_auth && w->require_tls_for_auth);
  ms_diags_free(&dg);
  /* typos are errors that name the key and the known ones */
  const char *bad = "users:\n  - {name: bob, pasword: x}\nrequire_tsl: true\n";
  memset(&dg, 0, sizeof dg);
  ck_assert_int_eq(ms_world_apply_yaml(w, "w.yaml", bad, strlen(bad), 1, &dg),
                   -1);
  ck_assert_uint_eq(dg.n, 2);
  ck_assert(strstr(dg.v[0].msg, "pasword") && strstr(dg.v[0].msg, "password"));
  ck_assert(strstr(dg.v[1].msg, "require_tsl") &&
            strstr(dg.v[1].msg, "require_tls_for_auth"));
  ms_diags_free(&dg);
  ck_assert(w->require_tls); /* all or nothing: unchanged */
  ms_world_free(w);
}
END_TEST

/* ---- faults of issue 14: each breaks one rule -------------------------- */

/* One row: a session (TLS on when TLS), the lines sent, the reply the
 * last one gets, clean and under FAULT. */
struct fault_row {
  enum ms_fault fault;
  const char *world;
  bool tls, auth;        /* STARTTLS first; AUTH PLAIN testuser first */
  const char *lines[4];  /* sent in order; the last one is judged */
  const char *clean_ere; /* its reply without the fault */
  const char *fault_ere; /* and with it */
};

static void fault_session(struct drv *d, const struct fault_row *r,
                          enum ms_fault f, const char **last) {
  if (r->tls)
    smtp_tls(d, f, r->world);
  else
    smtp_ehlo(d, f, r->world);
  if (r->auth) {
    char *good = plain("", "testuser", "testpass");
    char *line = xasprintf("AUTH PLAIN %s", good);
    SAYS(d, line, "^235 ");
    free(line);
    free(good);
  }
  for (size_t i = 0; i < 4 && r->lines[i]; i++)
    *last = say(d, r->lines[i]);
}

START_TEST(test_issue14_faults) {
  static const struct fault_row rows[] = {
      {MS_F_STARTTLS_UNADV,
       NULL,
       false,
       false,
       {"EHLO x"},
       "250-STARTTLS",
       "250-HELP\r\n250 AUTH CRAM-MD5\r\n$"},
      {MS_F_STARTTLS_UNADV, NULL, false, false, {"STARTTLS"}, "^220 ", "^220 "},
      {MS_F_STARTTLS_KW_PARAM,
       NULL,
       false,
       false,
       {"EHLO x"},
       "250-STARTTLS\r\n",
       "250-STARTTLS REQUIRED\r\n"},
      {MS_F_STARTTLS_502, NULL, false, false, {"STARTTLS"}, "^220 ", "^502 "},
      {MS_F_STARTTLS_PARAM_OK,
       NULL,
       false,
       false,
       {"STARTTLS now"},
       "^501 ",
       "^220 "},
      {MS_F_STARTTLS_REQUIRED,
       NULL,
       false,
       false,
       {"MAIL FROM:<a@b.org>"},
       "^250 ",
       "^530 5\\.7\\.0 Must issue a STARTTLS command first"},
      {MS_F_STARTTLS_TWICE, NULL, true, false, {"STARTTLS"}, "^503 ", "^220 "},
      {MS_F_STARTTLS_AFTER_TLS,
       NULL,
       true,
       false,
       {"EHLO x"},
       "250-HELP\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n$",
       "250-STARTTLS\r\n"},
      {MS_F_TLS_REQUIRED_IGNORED,
       "require_tls: true\n",
       false,
       false,
       {"MAIL FROM:<a@b.org>"},
       "^530 ",
       "^250 "},
      {MS_F_AUTH_UNADV,
       NULL,
       true,
       false,
       {"EHLO x"},
       "250 AUTH PLAIN",
       "250 HELP\r\n$"},
      {MS_F_AUTH_UNADV,
       NULL,
       true,
       false,
       {"AUTH PLAIN"},
       "^334 \r\n$",
       "^334 "},
      {MS_F_AUTH_MECHS_COMMA,
       NULL,
       true,
       false,
       {"EHLO x"},
       "250 AUTH PLAIN LOGIN CRAM-MD5\r\n",
       "250 AUTH PLAIN,LOGIN,CRAM-MD5"},
      {MS_F_AUTH_TWICE, NULL, true, true, {"AUTH PLAIN"}, "^503 ", "^334 "},
      {MS_F_AUTH_IN_TXN,
       NULL,
       true,
       false,
       {"MAIL FROM:<a@b.org>", "AUTH PLAIN"},
       "^503 ",
       "^334 "},
      {MS_F_AUTH_UNKNOWN_535,
       NULL,
       true,
       false,
       {"AUTH NOPE"},
       "^504 5\\.5\\.4 ",
       "^535 "},
      {MS_F_AUTH_CHALLENGE_RAW,
       NULL,
       true,
       false,
       {"AUTH LOGIN"},
       "^334 VXNlcm5hbWU6\r\n$",
       "^334 Username:\r\n$"},
      {MS_F_AUTH_CHALLENGE_TEXT,
       NULL,
       true,
       false,
       {"AUTH PLAIN"},
       "^334 \r\n$",
       "^334 go ahead\r\n$"},
      {MS_F_AUTH_CHALLENGE_TEXT,
       NULL,
       true,
       false,
       {"AUTH LOGIN"},
       "^334 VXNlcm5hbWU6\r\n$",
       "^334 VXNlcm5hbWU6 go ahead\r\n$"},
      {MS_F_AUTH_CANCEL_535,
       NULL,
       true,
       false,
       {"AUTH PLAIN", "*"},
       "^501 5\\.7\\.0 ",
       "^535 "},
      {MS_F_AUTH_PLAIN_NEEDS_IR,
       NULL,
       true,
       false,
       {"AUTH PLAIN"},
       "^334 \r\n$",
       "^501 "},
      {MS_F_AUTH_IR_IGNORED,
       NULL,
       true,
       false,
       {"AUTH CRAM-MD5 dGVzdA=="},
       "^501 5\\.7\\.0 ",
       "^334 [A-Za-z0-9+/=]+\r\n$"},
      /* base64 of NUL nobody NUL wrong, with a "!" and with an inner "=" */
      {MS_F_AUTH_B64_LENIENT,
       NULL,
       true,
       false,
       {"AUTH PLAIN", "AG5vYm9keQB3!cm9uZw=="},
       "^501 5\\.5\\.2 ",
       "^535 "},
      {MS_F_AUTH_B64_LENIENT,
       NULL,
       true,
       false,
       {"AUTH PLAIN", "AG5vYm9=eQB3cm9uZw=="},
       "^501 5\\.5\\.2 ",
       "^535 "},
      {MS_F_AUTH_B64_ESC,
       NULL,
       true,
       false,
       {"AUTH PLAIN", "@@@"},
       "^501 5\\.5\\.2 ",
       "^501 5\\.5\\.4 "},
      {MS_F_AUTH_SUCCESS_250,
       NULL,
       true,
       false,
       {"AUTH PLAIN AHRlc3R1c2VyAHRlc3RwYXNz"},
       "^235 2\\.7\\.0 ",
       "^250 "},
      {MS_F_AUTH_PARAM_555,
       NULL,
       true,
       false,
       {"MAIL FROM:<a@b.org> AUTH=<>"},
       "^250 ",
       "^555 "},
      {MS_F_AUTH_CASE, NULL, true, false, {"auth plain"}, "^334 ", "^504 "},
      {MS_F_AUTH_PLAIN_IN_CLEAR,
       "require_tls_for_auth: true\n",
       false,
       false,
       {"AUTH PLAIN"},
       "^538 5\\.7\\.11 ",
       "^334 "},
      {MS_F_AUTH_PLAIN_IN_CLEAR,
       NULL,
       false,
       false,
       {"AUTH LOGIN"},
       "^538 ",
       "^334 "},
      /* branch prove: RFC 4954 §3's list of mechanisms, none */
      {MS_F_AUTH_NO_MECHS,
       NULL,
       false,
       false,
       {"EHLO x"},
       "250 AUTH CRAM-MD5\r\n$",
       "250 AUTH\r\n$"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const struct fault_row *r = &rows[i];
    for (int f = 0; f < 2; f++) {
      struct drv d;
      const char *last = "";
      fault_session(&d, r, f ? r->fault : MS_F_NONE, &last);
      const char *want = f ? r->fault_ere : r->clean_ere;
      ck_assert_msg(matches(last, want), "row %zu %s: '%s', want /%s/", i,
                    f ? "fault" : "clean", last, want);
      drv_close(&d);
    }
  }
}
END_TEST

/* AUTH lines and responses: up to the buffer, then 500 5.5.6; the faults
 * that shrink it to 512 or drop the connection; MAIL with AUTH= up to
 * 512 + 500 octets (RFC 4954 §3, §4). */
START_TEST(test_issue14_lengths) {
  char big[4100], mail[1100];
  memset(big, 'A', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  struct drv d;
  smtp_tls(&d, 0, NULL);
  say(&d, "AUTH PLAIN");
  SAYS(&d, big, "^500 5\\.5\\.6 Authentication Exchange line is too long");
  SAYS(&d, "NOOP", "^250 ");
  drv_close(&d);
  smtp_tls(&d, MS_F_AUTH_OVERLONG_CLOSE, NULL);
  say(&d, "AUTH PLAIN");
  ck_assert_str_eq(say(&d, big), "");
  ck_assert_int_eq(d.act, SRV_CLOSE);
  drv_close(&d);
  /* 1024 octets of PLAIN (RFC 4616's maximum): read whole */
  big[1024] = '\0';
  smtp_tls(&d, 0, NULL);
  say(&d, "AUTH PLAIN");
  SAYS(&d, big, "^535 ");
  drv_close(&d);
  smtp_tls(&d, MS_F_AUTH_LINE_512, NULL);
  say(&d, "AUTH PLAIN");
  SAYS(&d, big, "^500 5\\.5\\.2 ");
  drv_close(&d);
  /* MAIL FROM:<a@b.org> AUTH=xxx... of 700 octets */
  int n = snprintf(mail, sizeof mail, "MAIL FROM:<a@b.org> AUTH=");
  memset(mail + n, 'x', 700 - (size_t)n);
  mail[700] = '\0';
  smtp_tls(&d, 0, NULL);
  SAYS(&d, mail, "^250 ");
  drv_close(&d);
  smtp_tls(&d, MS_F_AUTH_PARAM_LINE, NULL);
  SAYS(&d, mail, "^500 ");
  drv_close(&d);
  /* without AUTH= the limit stays 512 */
  smtp_tls(&d, 0, NULL);
  memcpy(mail + 20, "XUTH", 4);
  SAYS(&d, mail, "^500 ");
  drv_close(&d);
}
END_TEST

/* SASLprep (RFC 4954 §4): a prohibited authzid fails, one that maps to
 * the user's own name works; the fault auth-authzid-ignored looks at
 * neither. */
START_TEST(test_issue14_saslprep) {
  char *bel = plain("testuser\a", "testuser", "testpass");
  char *shy = plain("\xc2\xadtestuser", "testuser", "testpass");
  char *l1 = xasprintf("AUTH PLAIN %s", bel),
       *l2 = xasprintf("AUTH PLAIN %s", shy);
  struct drv d;
  smtp_tls(&d, 0, NULL);
  SAYS(&d, l1, "^535 ");
  SAYS(&d, l2, "^235 ");
  drv_close(&d);
  smtp_tls(&d, MS_F_AUTH_AUTHZID_IGNORED, NULL);
  SAYS(&d, l1, "^235 ");
  drv_close(&d);
  free(l1);
  free(l2);
  free(bel);
  free(shy);
  char *p = srv_saslprep("a\xc2\xa0"
                         "b\xe2\x80\x8b",
                         7);
  ck_assert_str_eq(p, "a b"); /* NBSP to SPACE, ZWSP to nothing */
  free(p);
  ck_assert_ptr_null(srv_saslprep("a\x01", 2));        /* C.2.1 */
  ck_assert_ptr_null(srv_saslprep("\xee\x80\x80", 3)); /* U+E000, C.3 */
  ck_assert_ptr_null(srv_saslprep("\xc0\xaf", 2));     /* overlong */
  ck_assert_ptr_null(srv_saslprep("\xe2\x80\x8e", 3)); /* LRM, C.8 */
}
END_TEST

/* POP3 AUTH PLAIN: "{prefix}0123..." to 255 octets, as world_pop3.c
 * pads the built-in world's long account. */
static char *octets_255(const char *prefix) {
  char *r = xmalloc(256);
  size_t n = strlen(prefix);
  memcpy(r, prefix, n);
  for (size_t i = n; i < 255; i++)
    r[i] = (char)('0' + (i - n) % 10);
  r[255] = '\0';
  return r;
}

/* One POP3 AUTH PLAIN (after the "+ " continuation) with FAULT on. */
static void pop3_plain_is(enum ms_fault fault, const char *zid,
                          const char *user, const char *pass, const char *ere) {
  struct drv d;
  drv_open(&d, &ms_srv_pop3_ops, fault, NULL);
  ck_assert_str_eq(say(&d, "AUTH PLAIN"), "+ \r\n");
  char *m = plain(zid, user, pass);
  SAYS(&d, m, ere);
  free(m);
  drv_close(&d);
}

/* RFC 2595 §6: 255-octet fields "MUST accept"; Appendix A: UTF-8.  The
 * faults plain-255-refused (2595-6-6, 6-7, 6-8) and plain-utf8-latin1
 * (2595-A-1) break them; the UTF-8 name stays out of the +OK. */
START_TEST(test_wiremisc_plain) {
  char *u = octets_255("mailspec-255-octet-user-"),
       *p = octets_255("mailspec-255-octet-password-");
  const char *uu = "j\xc3\xbc"
                   "rgen",
             *up = "s\xc3\xa9"
                   "same-\xc3\xb6"
                   "ffne-dich";
  pop3_plain_is(0, "", u, p, "^\\+OK mailspec-255-octet-user-0123");
  pop3_plain_is(0, u, u, p, "^\\+OK ");
  pop3_plain_is(0, "", uu, up, "^\\+OK maildrop has 2 messages");
  pop3_plain_is(MS_F_PLAIN_255_REFUSED, "", u, p, "^-ERR \\[AUTH\\] ");
  pop3_plain_is(MS_F_PLAIN_255_REFUSED, u, u, p, "^-ERR \\[AUTH\\] ");
  pop3_plain_is(MS_F_PLAIN_255_REFUSED, "", "mrose", "secret", "^\\+OK ");
  pop3_plain_is(MS_F_PLAIN_UTF8_LATIN1, "", uu, up, "^-ERR \\[AUTH\\] ");
  pop3_plain_is(MS_F_PLAIN_UTF8_LATIN1, "", "mrose", "secret", "^\\+OK ");
  p[254] = '\0'; /* one octet short: the wrong password */
  pop3_plain_is(0, "", u, p, "^-ERR \\[AUTH\\] ");
  free(u);
  free(p);
}
END_TEST

/* World keys of issue 14: starttls, weak_mechanisms, tls_insufficient. */
START_TEST(test_issue14_world) {
  struct drv d;
  smtp_ehlo(&d, 0, "starttls: false\n");
  ck_assert(!matches(say(&d, "EHLO x"), "STARTTLS"));
  SAYS(&d, "STARTTLS", "^502 ");
  drv_close(&d);
  smtp_tls(&d, 0, "weak_mechanisms: [LOGIN]\n");
  SAYS(&d, "AUTH login", "^534 5\\.7\\.9 ");
  SAYS(&d, "AUTH PLAIN", "^334 ");
  drv_close(&d);
  smtp_ehlo(&d, 0, "tls_insufficient: true\n");
  SAYS(&d, "NOOP", "^250 "); /* before TLS: nothing to judge yet */
  SAYS(&d, "STARTTLS", "^220 ");
  /* no EHLO inside TLS yet, the code all the same: RFC 2034 §4, "must
   * attach enhanced status codes to their responses regardless of
   * whether or not EHLO is employed by the client" */
  SAYS(&d, "EHLO x", "^554 5\\.7\\.0 Command refused due to lack of security");
  SAYS(&d, "STARTTLS", "^554 ");
  SAYS(&d, "XYZZY", "^554 ");
  SAYS(&d, "QUIT", "^221 ");
  drv_close(&d);
}
END_TEST

Suite *make_srv_auth_suite(void);
Suite *make_srv_auth_suite(void) {
  Suite *s = suite_create("srv_auth");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_ehlo_keywords);
  tcase_add_test(tc, test_starttls_refusals);
  tcase_add_test(tc, test_auth_plain);
  tcase_add_test(tc, test_auth_plain_challenge);
  tcase_add_test(tc, test_auth_cancel_and_base64);
  tcase_add_test(tc, test_auth_login);
  tcase_add_test(tc, test_auth_cram_md5);
  tcase_add_test(tc, test_auth_sequencing);
  tcase_add_test(tc, test_auth_long_line);
  tcase_add_test(tc, test_require_tls_for_auth);
  tcase_add_test(tc, test_fault_auth_before_tls);
  tcase_add_test(tc, test_policy_530);
  tcase_add_test(tc, test_lf_dot_lf);
  tcase_add_test(tc, test_auth_any_pass);
  tcase_add_test(tc, test_pop3_capa_stls);
  tcase_add_test(tc, test_pop3_auth_plain);
  tcase_add_test(tc, test_pop3_require_tls);
  tcase_add_test(tc, test_live_redaction);
  tcase_add_test(tc, test_world_keys);
  tcase_add_test(tc, test_issue14_faults);
  tcase_add_test(tc, test_issue14_lengths);
  tcase_add_test(tc, test_issue14_saslprep);
  tcase_add_test(tc, test_wiremisc_plain);
  tcase_add_test(tc, test_issue14_world);
  suite_add_tcase(s, tc);
  return s;
}
