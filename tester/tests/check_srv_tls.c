/* Unit tests for srv_tls.c: the reference server's TLS over real
 * loopback sockets, with an OpenSSL client in the test.  Every socket
 * has a receive/send timeout, so a server that stalls fails the test
 * instead of hanging it. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "srv_tls.h"
#include "util.h"
#include "world.h"
#include "mailspec/server.h"

#define IO_TIMEOUT_S 10

/* ---- the server ------------------------------------------------------- */

static struct ms_server *start(enum ms_protocol p, const char *fault,
                               const struct ms_server_tls *t,
                               const struct ms_world *w) {
  const char *f[] = {fault};
  struct ms_server_opts o = {.protocol = p,
                             .profile = MS_PROFILE_RFC5321,
                             .world = w,
                             .faults = f,
                             .nfaults = fault ? 1 : 0};
  char err[256] = "";
  struct ms_server *s =
      ms_server_start_tls(&o, t, "127.0.0.1:0", err, sizeof err);
  ck_assert_msg(s != NULL, "%s", err);
  return s;
}

static int dial(const struct ms_server *s) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  struct timeval tv = {IO_TIMEOUT_S, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)atoi(ms_server_port(s)))};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  return fd;
}

/* ---- a client that speaks plaintext or TLS ------------------------------ */

struct cli {
  int fd;
  SSL_CTX *ctx;
  SSL *ssl;
  char buf[1 << 16];
  size_t len; /* received, not yet returned */
};

static void cli_open(struct cli *c, const struct ms_server *s) {
  memset(c, 0, sizeof *c);
  c->fd = dial(s);
}

static ssize_t cli_recv(struct cli *c, char *p, size_t n) {
  if (c->ssl) {
    int r = SSL_read(c->ssl, p, (int)n);
    return r > 0 ? r : 0;
  }
  ssize_t r = recv(c->fd, p, n, 0);
  return r > 0 ? r : 0;
}

static void cli_send(struct cli *c, const char *text) {
  size_t n = strlen(text);
  if (c->ssl)
    ck_assert_int_eq(SSL_write(c->ssl, text, (int)n), (int)n);
  else
    ck_assert_int_eq(send(c->fd, text, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* One line (with its CRLF) into LINE; false at EOF or timeout. */
static bool cli_line(struct cli *c, char *line, size_t cap) {
  for (;;) {
    char *nl = memchr(c->buf, '\n', c->len);
    if (nl) {
      size_t n = (size_t)(nl - c->buf) + 1;
      ck_assert_uint_lt(n, cap);
      memcpy(line, c->buf, n);
      line[n] = '\0';
      memmove(c->buf, c->buf + n, c->len - n);
      c->len -= n;
      return true;
    }
    ck_assert_uint_lt(c->len, sizeof c->buf);
    ssize_t r = cli_recv(c, c->buf + c->len, sizeof c->buf - c->len);
    if (r <= 0)
      return false;
    c->len += (size_t)r;
  }
}

/* A complete SMTP reply (all its lines), or one POP3 status line.  "" at
 * EOF.  Static: valid until the next call. */
static const char *cli_reply(struct cli *c) {
  static char all[16384];
  char line[4096];
  size_t o = 0;
  all[0] = '\0';
  while (cli_line(c, line, sizeof line)) {
    o += (size_t)snprintf(all + o, sizeof all - o, "%s", line);
    if (line[0] == '+' || line[0] == '-' || strlen(line) < 4 || line[3] != '-')
      break;
  }
  return all;
}

static const char *cli_say(struct cli *c, const char *cmd) {
  cli_send(c, cmd);
  return cli_reply(c);
}

/* Verification against exactly the server's certificate (PEM), for the
 * name NAME; the handshake outcome is returned (1 ok). */
static int cli_tls(struct cli *c, const char *pem, const char *name) {
  ck_assert_uint_eq(c->len, 0); /* nothing may wait in plaintext */
  c->ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
  BIO *b = BIO_new_mem_buf(pem, -1);
  X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
  ck_assert_ptr_nonnull(x);
  X509_STORE_add_cert(SSL_CTX_get_cert_store(c->ctx), x);
  X509_free(x);
  BIO_free(b);
  c->ssl = SSL_new(c->ctx);
  SSL_set_fd(c->ssl, c->fd);
  SSL_set_tlsext_host_name(c->ssl, name);
  SSL_set1_host(c->ssl, name);
  int r = SSL_connect(c->ssl);
  if (r != 1) {
    ERR_clear_error();
    SSL_free(c->ssl);
    c->ssl = NULL;
  }
  return r;
}

static void cli_close(struct cli *c) {
  if (c->ssl) {
    SSL_shutdown(c->ssl);
    SSL_free(c->ssl);
  }
  SSL_CTX_free(c->ctx);
  close(c->fd);
}

/* EOF (or a reset) before any more octets: the server closed. */
static bool cli_closed(struct cli *c) {
  if (c->len)
    return false;
  char ch;
  errno = 0;
  if (c->ssl) {
    int r = SSL_read(c->ssl, &ch, 1);
    int e = SSL_get_error(c->ssl, r);
    ERR_clear_error();
    return r <= 0 &&
           (e == SSL_ERROR_ZERO_RETURN ||
            (e == SSL_ERROR_SYSCALL && errno != EAGAIN) || e == SSL_ERROR_SSL);
  }
  ssize_t r = recv(c->fd, &ch, 1, 0);
  return r == 0 || (r < 0 && errno == ECONNRESET); /* not EAGAIN: a stall */
}

#define REPLY(c, cmd, ere) ck_assert_msg(has(cli_say(c, cmd), ere), "%s", cmd)

static bool has(const char *text, const char *needle) {
  return strstr(text, needle) != NULL;
}

static char *b64(const char *s, size_t n) {
  char *r = xmalloc(4 * ((n + 2) / 3) + 1);
  EVP_EncodeBlock((unsigned char *)r, (const unsigned char *)s, (int)n);
  return r;
}

/* "AUTH PLAIN <base64 of \0user\0pass>\r\n" */
static char *auth_plain(const char *user, const char *pass) {
  char m[128];
  int n = snprintf(m, sizeof m, "%c%s%c%s", 0, user, 0, pass);
  char *b = b64(m, (size_t)n);
  char *line = xasprintf("AUTH PLAIN %s\r\n", b);
  free(b);
  return line;
}

/* ---- the certificate ---------------------------------------------------- */

START_TEST(test_generated_cert) {
  char err[256];
  struct srv_tls *t =
      srv_tls_new(NULL, NULL, "mx.example.test", 0, err, sizeof err);
  ck_assert_msg(t != NULL, "%s", err);
  BIO *b = BIO_new_mem_buf(srv_tls_cert_pem(t), -1);
  X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
  ck_assert_ptr_nonnull(x);
  char cn[256];
  X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
                            sizeof cn);
  ck_assert_str_eq(cn, "mx.example.test");
  ck_assert_int_eq(X509_check_host(x, "mx.example.test", 0, 0, NULL), 1);
  ck_assert_int_eq(X509_check_host(x, "localhost", 0, 0, NULL), 1);
  ck_assert_int_eq(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
  ck_assert_int_ne(X509_check_host(x, "other.example", 0, 0, NULL), 1);
  ck_assert_int_eq(X509_check_issued(x, x), X509_V_OK); /* self-signed */
  ck_assert_int_lt(X509_cmp_current_time(X509_get0_notBefore(x)), 0);
  ck_assert_int_gt(X509_cmp_current_time(X509_get0_notAfter(x)), 0);
  EVP_PKEY *k = X509_get0_pubkey(x);
  ck_assert_int_eq(EVP_PKEY_get_base_id(k), EVP_PKEY_EC);
  ck_assert_int_eq(EVP_PKEY_get_bits(k), 256);
  X509_free(x);
  BIO_free(b);
  srv_tls_free(t);
  /* a hostname that is no DNS name still gets a certificate */
  t = srv_tls_new(NULL, NULL, "not a, dns name", 0, err, sizeof err);
  ck_assert_msg(t != NULL, "%s", err);
  srv_tls_free(t);
}
END_TEST

/* A self-signed pair in DIR/NAME.pem and DIR/NAME.key. */
static void write_pair(const char *dir, const char *name) {
  EVP_PKEY *k = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, k);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             (const unsigned char *)"localhost", -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(x));
  ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
  char *p = xasprintf("%s/%s.pem", dir, name);
  FILE *f = fopen(p, "w");
  ck_assert_ptr_nonnull(f);
  PEM_write_X509(f, x);
  fclose(f);
  free(p);
  p = xasprintf("%s/%s.key", dir, name);
  f = fopen(p, "w");
  ck_assert_ptr_nonnull(f);
  PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
  fclose(f);
  free(p);
  X509_free(x);
  EVP_PKEY_free(k);
}

START_TEST(test_cert_files) {
  char dir[] = "/tmp/check_server_tls.XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  write_pair(dir, "a");
  write_pair(dir, "b");
  char *ac = xasprintf("%s/a.pem", dir), *ak = xasprintf("%s/a.key", dir);
  char *bk = xasprintf("%s/b.key", dir), *no = xasprintf("%s/none.pem", dir);
  char err[512];
  struct srv_tls *t = srv_tls_new(ac, ak, "x", 0, err, sizeof err);
  ck_assert_msg(t != NULL, "%s", err);
  size_t n;
  char *file = ms_read_file(ac, 1 << 20, &n);
  ck_assert_str_eq(srv_tls_cert_pem(t), file);
  free(file);
  srv_tls_free(t);
  /* each failure names the option and the file */
  ck_assert_ptr_null(srv_tls_new(no, ak, "x", 0, err, sizeof err));
  ck_assert_msg(strstr(err, "--tls-cert") && strstr(err, "none.pem"), "%s",
                err);
  ck_assert_ptr_null(srv_tls_new(ac, no, "x", 0, err, sizeof err));
  ck_assert_msg(strstr(err, "--tls-key"), "%s", err);
  ck_assert_ptr_null(srv_tls_new(ac, bk, "x", 0, err, sizeof err));
  ck_assert_msg(strstr(err, "does not match"), "%s", err);
  ck_assert_ptr_null(srv_tls_new(ac, NULL, "x", 0, err, sizeof err));
  ck_assert_msg(strstr(err, "both"), "%s", err);
  /* the server refuses to start with them */
  struct ms_server_opts o = {.protocol = MS_PROTO_SMTP};
  struct ms_server_tls bad = {.cert = ac, .key = bk};
  ck_assert_ptr_null(
      ms_server_start_tls(&o, &bad, "127.0.0.1:0", err, sizeof err));
  ck_assert_msg(strstr(err, "does not match"), "%s", err);
  free(ac);
  free(ak);
  free(bk);
  free(no);
  char *rm = xasprintf("rm -rf '%s'", dir);
  ck_assert_int_eq(system(rm), 0);
  free(rm);
}
END_TEST

/* ---- STARTTLS (RFC 3207) ------------------------------------------------ */

START_TEST(test_starttls_smtp) {
  struct ms_server *s = start(MS_PROTO_SMTP, NULL, NULL, NULL);
  struct cli c;
  cli_open(&c, s);
  ck_assert(has(cli_reply(&c), "220 "));
  const char *r = cli_say(&c, "EHLO client.example\r\n");
  ck_assert(has(r, "250-STARTTLS\r\n"));
  REPLY(&c, "STARTTLS\r\n", "220 2.0.0 Ready to start TLS\r\n");
  ck_assert_int_eq(cli_tls(&c, ms_server_tls_cert(s), "localhost"), 1);
  ck_assert_int_ge(SSL_version(c.ssl), TLS1_2_VERSION);
  /* RFC 3207 §4.2: a fresh EHLO, no STARTTLS in it */
  REPLY(&c, "MAIL FROM:<a@example.org>\r\n", "503 ");
  r = cli_say(&c, "EHLO client.example\r\n");
  ck_assert(!has(r, "STARTTLS"));
  ck_assert(has(r, "250 AUTH PLAIN LOGIN CRAM-MD5\r\n"));
  char *bad = auth_plain("testuser", "nope");
  char *good = auth_plain("testuser", "testpass");
  REPLY(&c, bad, "535 5.7.8 ");
  REPLY(&c, good, "235 2.7.0 ");
  free(bad);
  free(good);
  REPLY(&c, "MAIL FROM:<a@example.org>\r\n", "250 ");
  REPLY(&c, "RCPT TO:<Jones@foo.com>\r\n", "250 ");
  REPLY(&c, "DATA\r\n", "354 ");
  /* a big message: many records, partial writes, WANT_WRITE */
  char *body = xmalloc(1 << 20);
  for (size_t i = 0; i < (1u << 20) - 1; i++)
    body[i] = (i % 100 == 98) ? '\r' : (i % 100 == 99) ? '\n' : 'x';
  body[(1 << 20) - 1] = '\0';
  cli_send(&c, body);
  free(body);
  REPLY(&c, "\r\n.\r\n", "250 2.0.0 ");
  REPLY(&c, "STARTTLS\r\n", "503 ");
  REPLY(&c, "QUIT\r\n", "221 ");
  ck_assert(cli_closed(&c));
  cli_close(&c);
  ms_server_stop(s);
}
END_TEST

/* CVE-2011-0411: what rides with STARTTLS is dropped -- unless the
 * fault starttls-keep-pipelined keeps it for after the handshake. */
static void pipelined(const char *fault, const char *first) {
  struct ms_server *s = start(MS_PROTO_SMTP, fault, NULL, NULL);
  struct cli c;
  cli_open(&c, s);
  cli_reply(&c);
  cli_say(&c, "EHLO client.example\r\n");
  REPLY(&c, "STARTTLS\r\nNOOP injected\r\n", "220 ");
  ck_assert_int_eq(cli_tls(&c, ms_server_tls_cert(s), "localhost"), 1);
  cli_send(&c, "QUIT\r\n");
  ck_assert_str_eq(cli_reply(&c), first);
  cli_close(&c);
  ms_server_stop(s);
}

START_TEST(test_starttls_pipelined) {
  /* no EHLO since TLS, yet enhanced status codes (RFC 2034 §4) */
  pipelined(NULL, "221 2.0.0 BBN-UNIX.ARPA Service closing transmission "
                  "channel\r\n");
  pipelined("starttls-keep-pipelined", "250 2.0.0 OK\r\n");
}
END_TEST

START_TEST(test_implicit) {
  struct ms_server_tls t = {.implicit = true};
  struct ms_server *s = start(MS_PROTO_SMTP, NULL, &t, NULL);
  struct cli c;
  cli_open(&c, s);
  /* nothing in plaintext: the handshake comes first */
  ck_assert_int_eq(cli_tls(&c, ms_server_tls_cert(s), "127.0.0.1"), 1);
  ck_assert(has(cli_reply(&c), "220 BBN-UNIX.ARPA "));
  const char *r = cli_say(&c, "EHLO client.example\r\n");
  ck_assert(!has(r, "STARTTLS"));
  ck_assert(has(r, "AUTH PLAIN"));
  REPLY(&c, "STARTTLS\r\n", "503 ");
  REPLY(&c, "QUIT\r\n", "221 ");
  cli_close(&c);
  /* a plaintext client gets nothing it could take for a greeting */
  cli_open(&c, s);
  cli_send(&c, "EHLO client.example\r\n");
  char line[256];
  ck_assert(!cli_line(&c, line, sizeof line) || !has(line, "220"));
  cli_close(&c);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_require_tls_for_auth) {
  struct ms_server_tls t = {.require_tls_for_auth = true};
  struct ms_server *s = start(MS_PROTO_SMTP, NULL, &t, NULL);
  struct cli c;
  cli_open(&c, s);
  cli_reply(&c);
  ck_assert(!has(cli_say(&c, "EHLO x\r\n"), "AUTH"));
  char *good = auth_plain("testuser", "testpass");
  REPLY(&c, good, "538 5.7.11 ");
  REPLY(&c, "STARTTLS\r\n", "220 ");
  ck_assert_int_eq(cli_tls(&c, ms_server_tls_cert(s), "localhost"), 1);
  ck_assert(has(cli_say(&c, "EHLO x\r\n"), "AUTH PLAIN"));
  REPLY(&c, good, "235 ");
  free(good);
  cli_close(&c);
  ms_server_stop(s);
}
END_TEST

/* ---- bad clients: never a hang, never a crash ---------------------------- */

START_TEST(test_handshake_timeout) {
  struct ms_server_tls t = {.handshake_ms = 200};
  struct ms_server *s = start(MS_PROTO_SMTP, NULL, &t, NULL);
  struct cli c;
  cli_open(&c, s);
  cli_reply(&c);
  REPLY(&c, "STARTTLS\r\n", "220 ");
  /* no ClientHello: dropped at the deadline (the socket timeout is far
   * longer, so EAGAIN here would mean the server never gave up) */
  ck_assert(cli_closed(&c));
  cli_close(&c);
  /* the same for an implicit-TLS server and a silent client */
  ms_server_stop(s);
  t.implicit = true;
  s = start(MS_PROTO_POP3, NULL, &t, NULL);
  cli_open(&c, s);
  ck_assert(cli_closed(&c));
  cli_close(&c);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_bad_handshakes) {
  struct ms_server *s = start(MS_PROTO_SMTP, NULL, NULL, NULL);
  struct cli c;
  /* plaintext where the ClientHello belongs: dropped */
  cli_open(&c, s);
  cli_reply(&c);
  REPLY(&c, "STARTTLS\r\n", "220 ");
  cli_send(&c, "EHLO client.example\r\n");
  ck_assert(cli_closed(&c));
  cli_close(&c);
  /* half a ClientHello, then gone */
  cli_open(&c, s);
  cli_reply(&c);
  REPLY(&c, "STARTTLS\r\n", "220 ");
  cli_send(&c, "\x16\x03\x01\x02");
  cli_close(&c);
  /* TLS on the plaintext port: the ClientHello is a bad command line,
   * the client's handshake fails; the server carries on */
  cli_open(&c, s);
  ck_assert_int_ne(cli_tls(&c, ms_server_tls_cert(s), "localhost"), 1);
  cli_close(&c);
  /* a client that verifies another name fails; the server is fine */
  cli_open(&c, s);
  cli_reply(&c);
  REPLY(&c, "STARTTLS\r\n", "220 ");
  ck_assert_int_ne(cli_tls(&c, ms_server_tls_cert(s), "other.example"), 1);
  cli_close(&c);
  /* and still serves */
  cli_open(&c, s);
  ck_assert(has(cli_reply(&c), "220 "));
  REPLY(&c, "STARTTLS\r\n", "220 ");
  ck_assert_int_eq(cli_tls(&c, ms_server_tls_cert(s), "localhost"), 1);
  REPLY(&c, "NOOP\r\n", "250 ");
  /* gone without close_notify */
  close(c.fd);
  SSL_free(c.ssl);
  SSL_CTX_free(c.ctx);
  cli_open(&c, s);
  ck_assert(has(cli_reply(&c), "220 "));
  cli_close(&c);
  ms_server_stop(s);
}
END_TEST

/* ---- POP3 STLS (RFC 2595) ----------------------------------------------- */

START_TEST(test_stls_pop3) {
  /* a 3 MB message: RETR over TLS goes out in many partial writes */
  struct ms_world *w = ms_world_builtin();
  size_t big = 3u << 20;
  char *yaml = xmalloc(big + 200);
  int o = snprintf(yaml, 200,
                   "pop3:\n  maildrops:\n    - user: zaphod\n"
                   "      pass: heart\n      messages:\n"
                   "        - |\n");
  for (size_t i = 0; i < big / 64; i++)
    o += snprintf(yaml + o, 200, "          %053zu\n", i);
  struct ms_diags d = {0};
  ck_assert_int_eq(ms_world_apply_yaml(w, "w", yaml, (size_t)o, 1, &d), 0);
  ms_diags_free(&d);
  free(yaml);
  struct ms_server *s = start(MS_PROTO_POP3, NULL, NULL, w);
  struct cli c;
  cli_open(&c, s);
  ck_assert(has(cli_reply(&c), "+OK "));
  cli_send(&c, "CAPA\r\n");
  char line[256];
  bool stls = false;
  while (cli_line(&c, line, sizeof line) && strcmp(line, ".\r\n"))
    stls |= !strcmp(line, "STLS\r\n");
  ck_assert(stls);
  REPLY(&c, "STLS\r\n", "+OK Begin TLS negotiation");
  ck_assert_int_eq(cli_tls(&c, ms_server_tls_cert(s), "localhost"), 1);
  char *good = auth_plain("zaphod", "heart");
  REPLY(&c, good, "+OK zaphod's maildrop has 1 message");
  free(good);
  REPLY(&c, "RETR 1\r\n", "+OK ");
  size_t lines = 0;
  while (cli_line(&c, line, sizeof line) && strcmp(line, ".\r\n"))
    lines++;
  ck_assert_uint_eq(lines, big / 64);
  REPLY(&c, "QUIT\r\n", "+OK ");
  ck_assert(cli_closed(&c));
  cli_close(&c);
  /* a client that asks for the 3 MB and leaves without reading: the
   * server's SSL_write meets a closed socket (EPIPE, no SIGPIPE death) */
  cli_open(&c, s);
  cli_reply(&c);
  REPLY(&c, "STLS\r\n", "+OK ");
  ck_assert_int_eq(cli_tls(&c, ms_server_tls_cert(s), "localhost"), 1);
  good = auth_plain("zaphod", "heart");
  REPLY(&c, good, "+OK ");
  free(good);
  cli_send(&c, "RETR 1\r\n");
  struct linger lg = {1, 0}; /* close with RST */
  setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(c.fd);
  SSL_free(c.ssl);
  SSL_CTX_free(c.ctx);
  cli_open(&c, s);
  ck_assert(has(cli_reply(&c), "+OK "));
  cli_close(&c);
  ms_server_stop(s);
  ms_world_free(w);
}
END_TEST

Suite *make_server_tls_suite(void);
Suite *make_server_tls_suite(void) {
  Suite *s = suite_create("server_tls");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_generated_cert);
  tcase_add_test(tc, test_cert_files);
  tcase_add_test(tc, test_starttls_smtp);
  tcase_add_test(tc, test_starttls_pipelined);
  tcase_add_test(tc, test_implicit);
  tcase_add_test(tc, test_require_tls_for_auth);
  tcase_add_test(tc, test_handshake_timeout);
  tcase_add_test(tc, test_bad_handshakes);
  tcase_add_test(tc, test_stls_pop3);
  suite_add_tcase(s, tc);
  return s;
}
