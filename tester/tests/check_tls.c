/* Unit tests for tls.c: the client side of TLS over a socket pair, with
 * an OpenSSL server in a thread and certificates made here (EC P-256):
 * a verified handshake and what it records, a certificate that is
 * expired, misnamed or not trusted, --insecure, a plaintext answer, a
 * server that closes or says nothing, the key log, a bad CA file. */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "mailspec/engine.h"
#include "mailspec/transcript.h"
#include "net.h"
#include "tls.h"

/* ---- certificates ------------------------------------------------------ */

struct cert {
  EVP_PKEY *key;
  X509 *x;
  char *pem;
};

static void cert_ext(X509 *x, int nid, const char *v) {
  X509V3_CTX c;
  X509V3_set_ctx_nodb(&c);
  X509V3_set_ctx(&c, x, x, NULL, NULL, 0);
  X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &c, nid, v);
  ck_assert_ptr_nonnull(e);
  X509_add_ext(x, e, -1);
  X509_EXTENSION_free(e);
}

/* Self-signed for CN with SAN, valid from FROM to TO days from now. */
static struct cert cert_make(const char *cn, const char *san, long from,
                             long to) {
  struct cert c = {0};
  c.key = EVP_EC_gen("P-256");
  ck_assert_ptr_nonnull(c.key);
  c.x = X509_new();
  X509_set_version(c.x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c.x), 7);
  X509_gmtime_adj(X509_getm_notBefore(c.x), from * 86400);
  X509_gmtime_adj(X509_getm_notAfter(c.x), to * 86400);
  X509_set_pubkey(c.x, c.key);
  X509_NAME *n = X509_get_subject_name(c.x);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
                             -1, -1, 0);
  X509_set_issuer_name(c.x, n);
  cert_ext(c.x, NID_subject_alt_name, san);
  ck_assert_int_gt(X509_sign(c.x, c.key, EVP_sha256()), 0);
  BIO *b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, c.x);
  char *p = NULL;
  long len = BIO_get_mem_data(b, &p);
  c.pem = strndup(p, (size_t)len);
  BIO_free(b);
  return c;
}

static void cert_free(struct cert *c) {
  EVP_PKEY_free(c->key);
  X509_free(c->x);
  free(c->pem);
}

/* ---- the server thread ------------------------------------------------- */

enum srv_mode { SRV_TLS, SRV_PLAIN, SRV_CLOSE, SRV_SILENT };

struct srv {
  int fd;
  enum srv_mode mode;
  const struct cert *cert;
  pthread_t th;
};

/* TLS: handshake, echo one read back, close.  The others misbehave. */
static void *srv_main(void *arg) {
  struct srv *s = arg;
  if (s->mode == SRV_PLAIN) {
    const char g[] = "220 plain.example ESMTP\r\n";
    if (write(s->fd, g, sizeof g - 1) < 0)
      return NULL;
  }
  if (s->mode == SRV_SILENT || s->mode == SRV_PLAIN) {
    char b[4096];
    while (read(s->fd, b, sizeof b) > 0) /* until the client goes */
      ;
  }
  if (s->mode != SRV_TLS) {
    close(s->fd);
    return NULL;
  }
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate(ctx, s->cert->x);
  SSL_CTX_use_PrivateKey(ctx, s->cert->key);
  SSL *ssl = SSL_new(ctx);
  SSL_set_fd(ssl, s->fd);
  if (SSL_accept(ssl) == 1) {
    char b[256];
    int n = SSL_read(ssl, b, sizeof b);
    if (n > 0)
      SSL_write(ssl, b, n);
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(s->fd);
  return NULL;
}

/* The client's end (non-blocking, like net.c's sockets). */
static int srv_start(struct srv *s, enum srv_mode mode, const struct cert *c) {
  int sv[2];
  ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  s->fd = sv[1];
  s->mode = mode;
  s->cert = c;
  fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
  ck_assert_int_eq(pthread_create(&s->th, NULL, srv_main, s), 0);
  return sv[0];
}

static void srv_join(struct srv *s, int cfd) {
  close(cfd);
  pthread_join(s->th, NULL);
}

/* ---- the tests ----------------------------------------------------------- */

static struct cert GOOD, EXPIRED;

static void setup(void) {
  signal(SIGPIPE, SIG_IGN); /* the server thread writes to closed pairs */
  GOOD =
      cert_make("mx.example.test", "DNS:mx.example.test,IP:127.0.0.1", -1, 30);
  EXPIRED = cert_make("mx.example.test", "DNS:mx.example.test", -30, -1);
}

static void teardown(void) {
  cert_free(&GOOD);
  cert_free(&EXPIRED);
}

/* Handshake with a context trusting TRUST (NULL: --insecure when
 * INSECURE, else the system store) to a server in MODE. */
static struct ms_tls *hs(const char *trust, bool insecure, enum srv_mode mode,
                         const struct cert *c, const char *host,
                         struct ms_tls_result *info, enum ms_tls_fail *why,
                         char *err, size_t errlen, struct srv *s, int *cfd) {
  struct ms_tls_config cfg = {NULL, insecure, NULL, trust};
  struct ms_tls_ctx *x = ms_tls_ctx_new(&cfg, err, errlen);
  ck_assert_msg(x != NULL, "%s", err);
  *cfd = srv_start(s, mode, c);
  struct ms_tls *t =
      ms_tls_handshake(x, *cfd, host, 2, NULL, info, why, err, errlen);
  ms_tls_ctx_free(x); /* sessions keep what they need */
  return t;
}

START_TEST(test_tls_verified_echo) {
  struct ms_tls_result info = {0};
  enum ms_tls_fail why;
  char err[256] = "", buf[64];
  struct srv s;
  int fd;
  struct ms_tls *t = hs(GOOD.pem, false, SRV_TLS, &GOOD, "mx.example.test",
                        &info, &why, err, sizeof err, &s, &fd);
  ck_assert_msg(t != NULL, "%s", err);
  ck_assert_int_eq(why, MS_TLS_OK);
  ck_assert_ptr_nonnull(strstr(info.version, "TLSv1."));
  ck_assert_ptr_nonnull(info.cipher);
  ck_assert_str_eq(info.subject, "CN=mx.example.test");
  ck_assert_str_eq(info.issuer, "CN=mx.example.test");
  ck_assert_uint_eq(strlen(info.not_after), 20); /* 2026-01-31T12:00:00Z */
  ck_assert(info.verified);
  ck_assert_ptr_null(info.verify_error);
  ck_assert_int_eq(
      ms_tls_send_all(t, "EHLO x\r\n", 8, 2, NULL, err, sizeof err), 0);
  ssize_t n = ms_tls_recv(t, buf, sizeof buf, 2, NULL, err, sizeof err);
  ck_assert_int_eq(n, 8);
  ck_assert(memcmp(buf, "EHLO x\r\n", 8) == 0);
  /* then the server's close_notify: EOF */
  ck_assert_int_eq(ms_tls_recv(t, buf, sizeof buf, 2, NULL, err, sizeof err),
                   0);
  ms_tls_close(t);
  ms_tls_result_free(&info);
  srv_join(&s, fd);
}
END_TEST

/* An address target is checked against the IP addresses (RFC 6125). */
START_TEST(test_tls_ip_target) {
  struct ms_tls_result info = {0};
  enum ms_tls_fail why;
  char err[256] = "";
  struct srv s;
  int fd;
  struct ms_tls *t = hs(GOOD.pem, false, SRV_TLS, &GOOD, "127.0.0.1", &info,
                        &why, err, sizeof err, &s, &fd);
  ck_assert_msg(t != NULL, "%s", err);
  ms_tls_close(t);
  ms_tls_result_free(&info);
  srv_join(&s, fd);
  t = hs(GOOD.pem, false, SRV_TLS, &GOOD, "127.0.0.2", &info, &why, err,
         sizeof err, &s, &fd);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(why, MS_TLS_VERIFY);
  ck_assert_ptr_nonnull(strstr(err, "IP address mismatch"));
  ms_tls_result_free(&info);
  srv_join(&s, fd);
}
END_TEST

START_TEST(test_tls_bad_certificates) {
  struct ms_tls_result info = {0};
  enum ms_tls_fail why;
  char err[256] = "";
  struct srv s;
  int fd;
  /* another name */
  struct ms_tls *t = hs(GOOD.pem, false, SRV_TLS, &GOOD, "other.example.test",
                        &info, &why, err, sizeof err, &s, &fd);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(why, MS_TLS_VERIFY);
  ck_assert_ptr_nonnull(strstr(err, "hostname mismatch"));
  ck_assert(!info.verified);
  ck_assert_str_eq(info.verify_error, "hostname mismatch");
  ms_tls_result_free(&info);
  srv_join(&s, fd);
  /* expired: the report still learns the certificate */
  t = hs(EXPIRED.pem, false, SRV_TLS, &EXPIRED, "mx.example.test", &info, &why,
         err, sizeof err, &s, &fd);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(why, MS_TLS_VERIFY);
  ck_assert_ptr_nonnull(strstr(err, "certificate has expired"));
  ck_assert_str_eq(info.subject, "CN=mx.example.test");
  ck_assert_ptr_nonnull(info.not_after);
  ms_tls_result_free(&info);
  srv_join(&s, fd);
  /* not trusted: the system's store does not know a self-signed one */
  t = hs(NULL, false, SRV_TLS, &GOOD, "mx.example.test", &info, &why, err,
         sizeof err, &s, &fd);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(why, MS_TLS_VERIFY);
  ck_assert_ptr_nonnull(strstr(err, "self-signed certificate"));
  ms_tls_result_free(&info);
  srv_join(&s, fd);
}
END_TEST

/* --insecure: the session comes up; the problem is recorded. */
START_TEST(test_tls_insecure_records) {
  struct ms_tls_result info = {0};
  enum ms_tls_fail why;
  char err[256] = "";
  struct srv s;
  int fd;
  struct ms_tls *t = hs(NULL, true, SRV_TLS, &EXPIRED, "other.example", &info,
                        &why, err, sizeof err, &s, &fd);
  ck_assert_msg(t != NULL, "%s", err);
  ck_assert(!info.verified);
  ck_assert_ptr_nonnull(info.verify_error);
  ms_tls_close(t);
  ms_tls_result_free(&info);
  srv_join(&s, fd);
}
END_TEST

START_TEST(test_tls_server_misbehaves) {
  struct ms_tls_result info = {0};
  enum ms_tls_fail why;
  char err[256] = "";
  struct srv s;
  int fd;
  struct ms_tls *t = hs(GOOD.pem, false, SRV_PLAIN, &GOOD, "mx.example.test",
                        &info, &why, err, sizeof err, &s, &fd);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(why, MS_TLS_PLAINTEXT);
  ck_assert_ptr_nonnull(strstr(err, "'220 plain.example ESMTP'"));
  srv_join(&s, fd);
  t = hs(GOOD.pem, false, SRV_CLOSE, &GOOD, "mx.example.test", &info, &why, err,
         sizeof err, &s, &fd);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(why, MS_TLS_CLOSED);
  ck_assert_ptr_nonnull(strstr(err, "closed the connection during the TLS"));
  srv_join(&s, fd);
  /* silence: the timeout (2 s here) ends the wait, never a hang */
  t = hs(GOOD.pem, false, SRV_SILENT, &GOOD, "mx.example.test", &info, &why,
         err, sizeof err, &s, &fd);
  ck_assert_ptr_null(t);
  ck_assert_int_eq(why, MS_TLS_TIMEOUT);
  ck_assert_ptr_nonnull(strstr(err, "no TLS handshake within 2 s"));
  srv_join(&s, fd);
  ms_tls_result_free(&info);
}
END_TEST

/* A stop request ends the handshake at once. */
START_TEST(test_tls_stop) {
  struct ms_tls_config cfg = {NULL, false, NULL, GOOD.pem};
  char err[256] = "";
  struct ms_tls_ctx *x = ms_tls_ctx_new(&cfg, err, sizeof err);
  struct srv s;
  int fd = srv_start(&s, SRV_SILENT, &GOOD);
  volatile sig_atomic_t stop = 1;
  enum ms_tls_fail why;
  ck_assert_ptr_null(ms_tls_handshake(x, fd, "mx.example.test", 30, &stop, NULL,
                                      &why, err, sizeof err));
  ck_assert_int_eq(why, MS_TLS_STOP);
  ms_tls_ctx_free(x);
  srv_join(&s, fd);
}
END_TEST

START_TEST(test_tls_ctx_files) {
  char err[256] = "", path[] = "/tmp/check_tls_keylog.XXXXXX";
  struct ms_tls_config bad = {"/nonexistent/ca.pem", false, NULL, NULL};
  ck_assert_ptr_null(ms_tls_ctx_new(&bad, err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "--cafile /nonexistent/ca.pem"));
  struct ms_tls_config nolog = {NULL, false, "/nonexistent/dir/keys", NULL};
  ck_assert_ptr_null(ms_tls_ctx_new(&nolog, err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "--keylog"));
  int tfd = mkstemp(path);
  ck_assert_int_ge(tfd, 0);
  close(tfd);
  struct ms_tls_config cfg = {NULL, false, path, GOOD.pem};
  struct ms_tls_ctx *x = ms_tls_ctx_new(&cfg, err, sizeof err);
  ck_assert_ptr_nonnull(x);
  struct srv s;
  int fd = srv_start(&s, SRV_TLS, &GOOD);
  enum ms_tls_fail why;
  struct ms_tls *t = ms_tls_handshake(x, fd, "mx.example.test", 2, NULL, NULL,
                                      &why, err, sizeof err);
  ck_assert_msg(t != NULL, "%s", err);
  ms_tls_close(t);
  srv_join(&s, fd);
  ms_tls_ctx_free(x);
  FILE *f = fopen(path, "r");
  char line[512];
  bool secret = false;
  while (f && fgets(line, sizeof line, f))
    secret |= strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24) == 0 ||
              strncmp(line, "CLIENT_RANDOM ", 14) == 0;
  if (f)
    fclose(f);
  unlink(path);
  ck_assert_msg(secret, "no traffic secret in the key log");
}
END_TEST

/* ---- loading: starttls:, tls:, tls: implicit ---------------------------- */

static struct ms_transcript *load(const char *yaml, struct ms_diags *d) {
  memset(d, 0, sizeof *d);
  return ms_transcript_parse("t.yaml", yaml, strlen(yaml), d);
}

static const struct ms_step *step(const struct ms_transcript *t, size_t i) {
  ck_assert_uint_lt(i, t->sessions[0].nsteps);
  return &t->sessions[0].steps[i];
}

START_TEST(test_load_starttls_step) {
  struct ms_diags d;
  struct ms_transcript *t =
      load("protocol: smtp\nconvention: rfc5321\nsteps:\n  - S: 220\n"
           "  - starttls:\n  - C: EHLO x\n  - S: 250\n",
           &d);
  ck_assert_msg(t != NULL, "%s", d.n ? d.v[0].msg : "");
  ck_assert_uint_eq(t->sessions[0].nsteps, 6);
  ck_assert_int_eq(step(t, 1)->kind, MS_STEP_SEND);
  ck_assert_str_eq(step(t, 1)->text, "STARTTLS");
  ck_assert_int_eq(step(t, 2)->kind, MS_STEP_EXPECT);
  ck_assert_str_eq(step(t, 2)->pat.alt[0], "220");
  ck_assert_int_eq(step(t, 3)->kind, MS_STEP_TLS);
  ck_assert_int_eq(step(t, 3)->line, 5); /* the starttls: item */
  ck_assert(t->uses_tls);
  ck_assert(!t->tls_implicit);
  ms_transcript_free(t);
  ms_diags_free(&d);
  /* POP3: STLS and +OK (RFC 2595 §4) */
  t = load("protocol: pop3\nconvention: rfc5321\nsteps:\n  - S: +OK\n  - "
           "starttls:\n",
           &d);
  ck_assert_ptr_nonnull(t);
  ck_assert_str_eq(step(t, 1)->text, "STLS");
  ck_assert_str_eq(step(t, 2)->pat.alt[0], "+OK");
  ck_assert_int_eq(step(t, 3)->kind, MS_STEP_TLS);
  ms_transcript_free(t);
  ms_diags_free(&d);
  /* a refusal expected: no handshake; refusal allowed: handshake kept */
  t = load("protocol: smtp\nconvention: rfc5321\nsteps:\n  - S: 220\n  - "
           "starttls: {expect: 454}\n"
           "  - C: QUIT\n  - S: 221\n",
           &d);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(step(t, 3)->kind, MS_STEP_SEND);
  ck_assert(!t->uses_tls);
  ms_transcript_free(t);
  ms_diags_free(&d);
  t = load("protocol: smtp\nconvention: rfc5321\nsteps:\n  - S: 220\n"
           "  - starttls: {expect: \"220|503\"}\n",
           &d);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(step(t, 3)->kind, MS_STEP_TLS);
  ms_transcript_free(t);
  ms_diags_free(&d);
}
END_TEST

/* Pasted RFC text: "C: STARTTLS" answered 220 starts the handshake. */
START_TEST(test_load_starttls_script) {
  struct ms_diags d;
  struct ms_transcript *t =
      load("protocol: smtp\nconvention: rfc5321\nscript: |\n  S: 220 mx\n  C: "
           "STARTTLS\n"
           "  S: 220-Go\n  S: 220 ahead\n  C: EHLO x\n  S: 250 ok\n",
           &d);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(t->sessions[0].nsteps, 6);
  ck_assert_int_eq(step(t, 2)->kind, MS_STEP_EXPECT);
  ck_assert_uint_eq(step(t, 2)->nlines, 2); /* the whole multi-line 220 */
  ck_assert_int_eq(step(t, 3)->kind, MS_STEP_TLS);
  ms_transcript_free(t);
  ms_diags_free(&d);
  /* 454: no handshake; a STARTTLS at the very end still gets one */
  t = load("protocol: smtp\nconvention: rfc5321\nscript: |\n  S: 220 mx\n  C: "
           "STARTTLS\n"
           "  S: 454 no\n  C: QUIT\n  S: 221 bye\n  C: STARTTLS\n"
           "  S: 220 go\n",
           &d);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(t->sessions[0].nsteps, 8);
  ck_assert_int_eq(step(t, 3)->kind, MS_STEP_SEND);
  ck_assert_int_eq(step(t, 7)->kind, MS_STEP_TLS);
  ms_transcript_free(t);
  ms_diags_free(&d);
  /* an explicit handshake right after stands for the automatic one */
  t = load("protocol: smtp\nconvention: rfc5321\nsteps:\n  - S: 220\n  - C: "
           "STARTTLS\n"
           "  - S: 220\n  - tls: handshake\n  - C: EHLO x\n",
           &d);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(t->sessions[0].nsteps, 5);
  ck_assert_int_eq(step(t, 3)->kind, MS_STEP_TLS);
  ck_assert_int_eq(step(t, 4)->kind, MS_STEP_SEND);
  ms_transcript_free(t);
  ms_diags_free(&d);
  /* raw: (the injection test) never starts one by itself */
  t = load("protocol: smtp\nconvention: rfc5321\nsteps:\n  - S: 220\n"
           "  - raw: \"STARTTLS\\r\\nRSET\\r\\n\"\n  - S: 220\n"
           "  - tls: handshake\n",
           &d);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_eq(t->sessions[0].nsteps, 4);
  ck_assert_int_eq(step(t, 3)->kind, MS_STEP_TLS);
  ms_transcript_free(t);
  ms_diags_free(&d);
}
END_TEST

static void load_fails(const char *yaml, const char *sub) {
  struct ms_diags d;
  struct ms_transcript *t = load(yaml, &d);
  ck_assert_msg(t == NULL, "accepted: %s", yaml);
  bool found = false;
  for (size_t i = 0; i < d.n; i++)
    found |= strstr(d.v[i].msg, sub) != NULL;
  ck_assert_msg(found, "no \"%s\" in: %s", sub, d.n ? d.v[0].msg : "-");
  ms_diags_free(&d);
}

START_TEST(test_load_tls_options) {
  struct ms_diags d;
  struct ms_transcript *t =
      load("protocol: pop3\nconvention: rfc5321\ntls: implicit\nrequires: "
           "[\"!USER\", "
           "\"SASL PLAIN\"]\nsteps:\n  - S: +OK\n  - C: CAPA\n"
           "  - expect: +OK\n    not_text: STLS\n",
           &d);
  ck_assert_msg(t != NULL, "%s", d.n ? d.v[0].msg : "");
  ck_assert(t->tls_implicit);
  ck_assert_str_eq(t->requires[0], "!USER");
  ck_assert_str_eq(t->requires[1], "SASL PLAIN");
  ck_assert_str_eq(step(t, 2)->not_re, "STLS");
  ms_transcript_free(t);
  ms_diags_free(&d);
  load_fails(
      "protocol: smtp\nconvention: rfc5321\ntls: always\nsteps:\n  - S: 220\n",
      "implicit");
  load_fails(
      "protocol: smtp\nconvention: rfc5321\nsteps:\n  - S: 220\n  - tls: now\n",
      "handshake");
  load_fails("protocol: smtp\nconvention: rfc5321\nsteps:\n  - S: 220\n  - "
             "starttls: 220\n",
             "takes no value");
  load_fails("protocol: smtp\nconvention: rfc5321\nsteps:\n  - S: 220\n"
             "  - starttls: {expect: 220, when: now}\n",
             "unknown option \"when\"");
  load_fails("protocol: smtp\nconvention: rfc5321\nsteps:\n  - S: 220\n"
             "  - expect: 250\n    not_text: \"(\"\n",
             "not_text:");
}
END_TEST

/* -t URLs: the protocol, implicit TLS and the default ports (RFC 8314). */
START_TEST(test_target_urls) {
  struct ms_target t;
  char err[256];
  ck_assert_int_eq(ms_target_parse(&t, "smtps://127.0.0.1", err, sizeof err),
                   0);
  ck_assert_str_eq(t.host, "127.0.0.1");
  ck_assert_str_eq(t.port, "465");
  ck_assert(t.tls && t.has_proto && t.proto == MS_PROTO_SMTP);
  ms_target_free(&t);
  ck_assert_int_eq(ms_target_parse(&t, "POP3S://[::1]:9995/", err, sizeof err),
                   0);
  ck_assert_str_eq(t.host, "::1");
  ck_assert_str_eq(t.port, "9995");
  ck_assert(t.tls && t.proto == MS_PROTO_POP3);
  ms_target_free(&t);
  ck_assert_int_eq(
      ms_target_parse(&t, "smtp://mx.example.test", err, sizeof err), 0);
  ck_assert_str_eq(t.port, "25");
  ck_assert(!t.tls && t.has_proto);
  ms_target_free(&t);
  ck_assert_int_eq(
      ms_target_parse(&t, "pop3://mx.example.test", err, sizeof err), 0);
  ck_assert_str_eq(t.port, "110");
  ms_target_free(&t);
  ck_assert_int_eq(ms_target_parse(&t, "127.0.0.1:25", err, sizeof err), 0);
  ck_assert(!t.tls && !t.has_proto);
  ms_target_free(&t);
  ck_assert_int_lt(ms_target_parse(&t, "imaps://mx", err, sizeof err), 0);
  ck_assert_ptr_nonnull(strstr(err, "unknown scheme"));
  ck_assert_int_lt(ms_target_parse(&t, "smtps://:465", err, sizeof err), 0);
  ck_assert_ptr_nonnull(strstr(err, "'smtps://:465'"));
  ck_assert_int_lt(ms_target_parse(&t, "smtps://mx:99999", err, sizeof err), 0);
}
END_TEST

Suite *make_tls_suite(void);
Suite *make_tls_suite(void) {
  Suite *s = suite_create("tls");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_tls_verified_echo);
  tcase_add_test(tc, test_tls_ip_target);
  tcase_add_test(tc, test_tls_bad_certificates);
  tcase_add_test(tc, test_tls_insecure_records);
  tcase_add_test(tc, test_tls_server_misbehaves);
  tcase_add_test(tc, test_tls_stop);
  tcase_add_test(tc, test_tls_ctx_files);
  suite_add_tcase(s, tc);
  TCase *ld = tcase_create("load");
  tcase_add_test(ld, test_load_starttls_step);
  tcase_add_test(ld, test_load_starttls_script);
  tcase_add_test(ld, test_load_tls_options);
  tcase_add_test(ld, test_target_urls);
  suite_add_tcase(s, ld);
  return s;
}
