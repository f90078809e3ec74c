/* server_tls: TLS for the reference server (see srv_tls.h).
 *
 * A connection that switches to TLS goes through these phases:
 *   FLUSH      STARTTLS/STLS was answered: the replies due (the "220" or
 *              "+OK" last) go out in plaintext; nothing is read, so that
 *              the client's ClientHello stays in the socket for OpenSSL;
 *   HANDSHAKE  SSL_accept, non-blocking, until done or the deadline;
 *   ON         every octet through SSL_read/SSL_write;
 *   DOWN       the handshake failed: the connection is dead.
 * An implicit-TLS connection starts in HANDSHAKE. */
#include "srv_tls.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "srv_conn.h"
#include "srv.h"
#include "util.h"

/* What the fault starttls-keep-pipelined keeps at most. */
#define TLS_STASH_MAX (64u << 10)
#define TLS_CERT_DAYS 365

struct srv_tls {
  SSL_CTX *ctx;
  char *pem; /* the server certificate */
  double handshake_s;
};

enum tls_phase { TLS_FLUSH = 1, TLS_HANDSHAKE, TLS_ON, TLS_DOWN };

struct srv_tls_conn {
  enum tls_phase phase;
  SSL *ssl;
  const struct srv_ctx *ctx;
  const struct srv_live *live;
  double deadline;
  short want;          /* what the last SSL call waits for (0: POLLIN) */
  bool read_wants_out; /* SSL_read asked for POLLOUT: retry it then */
  bool broken;         /* no close_notify at the end */
  bool keep;           /* fault starttls-keep-pipelined */
  struct ms_buf stash;
  bool replay; /* handshake done: the stash is due to the session */
  int rounds;  /* TLS records srv_tls_plain may still read now */
  char *given; /* the stash as handed out by srv_tls_plain */
};

/* ---- errors ---------------------------------------------------------- */

/* The first error of OpenSSL's queue, or FALLBACK; clears the queue. */
static void tls_errstr(char *buf, size_t len, const char *fallback) {
  unsigned long e = ERR_get_error();
  if (e)
    ERR_error_string_n(e, buf, len);
  else
    snprintf(buf, len, "%s", fallback);
  ERR_clear_error();
}

/* ---- the certificate ------------------------------------------------- */

/* A name fit for subjectAltName DNS: letters, digits, '.', '-'. */
static bool tls_dns_name(const char *s) {
  if (!s || !*s || strlen(s) > 253)
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
          (*s >= '0' && *s <= '9') || *s == '.' || *s == '-'))
      return false;
  return true;
}

static int tls_add_ext(X509 *x, int nid, const char *value) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
  if (!ext)
    return -1;
  int ok = X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  return ok ? 0 : -1;
}

static int tls_cert_names(X509 *x, const char *cn) {
  X509_NAME *name = X509_get_subject_name(x);
  const unsigned char *c =
      (const unsigned char *)(cn && *cn ? cn : "localhost");
  if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                  (const unsigned char *)"mailspec reference "
                                                         "server",
                                  -1, -1, 0) ||
      !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, c, -1, -1, 0) ||
      !X509_set_issuer_name(x, name))
    return -1;
  char san[300];
  snprintf(san, sizeof san, "%s%s%sDNS:localhost,IP:127.0.0.1,IP:::1",
           tls_dns_name(cn) ? "DNS:" : "", tls_dns_name(cn) ? cn : "",
           tls_dns_name(cn) ? "," : "");
  if (tls_add_ext(x, NID_subject_alt_name, san) < 0 ||
      tls_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
      tls_add_ext(x, NID_ext_key_usage, "serverAuth") < 0 ||
      tls_add_ext(x, NID_subject_key_identifier, "hash") < 0)
    return -1;
  return 0;
}

static int tls_serial(X509 *x) {
  BIGNUM *bn = BN_new();
  int ok = bn && BN_rand(bn, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
           BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  return ok ? 0 : -1;
}

static bool tls_make_pair(const char *cn, EVP_PKEY **keyp, X509 **xp) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  bool ok =
      key && x && X509_set_version(x, 2) && tls_serial(x) == 0 &&
      X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
      X509_gmtime_adj(X509_getm_notAfter(x), (long)TLS_CERT_DAYS * 86400) &&
      X509_set_pubkey(x, key) && tls_cert_names(x, cn) == 0 &&
      X509_sign(x, key, EVP_sha256()) > 0;
  if (!ok) {
    X509_free(x);
    EVP_PKEY_free(key);
    return false;
  }
  *keyp = key;
  *xp = x;
  return true;
}

/* `run -t builtin` starts a server per transcript: the pair made for a
 * name is kept for the process (key generation is most of the cost). */
#define TLS_CACHE_N 8
static struct {
  char cn[256];
  EVP_PKEY *key;
  X509 *x;
} tls_cache[TLS_CACHE_N];
static pthread_mutex_t tls_cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* The pair for CN, from the cache or made; the caller owns one reference
 * of each. */
static bool tls_pair_for(const char *cn, EVP_PKEY **key, X509 **x) {
  pthread_mutex_lock(&tls_cache_lock);
  size_t i = 0;
  while (i < TLS_CACHE_N && tls_cache[i].x && strcmp(tls_cache[i].cn, cn))
    i++;
  bool ok = true;
  if (i < TLS_CACHE_N && tls_cache[i].x) {
    *key = tls_cache[i].key;
    *x = tls_cache[i].x;
    EVP_PKEY_up_ref(*key);
    X509_up_ref(*x);
  } else if ((ok = tls_make_pair(cn, key, x)) && i < TLS_CACHE_N &&
             strlen(cn) < sizeof tls_cache[i].cn) {
    strcpy(tls_cache[i].cn, cn);
    tls_cache[i].key = *key; /* the cache's own reference */
    tls_cache[i].x = *x;
    EVP_PKEY_up_ref(*key);
    X509_up_ref(*x);
  }
  pthread_mutex_unlock(&tls_cache_lock);
  return ok;
}

/* Self-signed, EC P-256, SHA-256: made in memory, never written out. */
static int tls_generate(SSL_CTX *ctx, const char *cn, char *err,
                        size_t errlen) {
  EVP_PKEY *key = NULL;
  X509 *x = NULL;
  bool ok = tls_pair_for(cn && *cn ? cn : "localhost", &key, &x) &&
            SSL_CTX_use_certificate(ctx, x) == 1 &&
            SSL_CTX_use_PrivateKey(ctx, key) == 1;
  if (!ok) {
    char e[256];
    tls_errstr(e, sizeof e, "unknown error");
    snprintf(err, errlen, "cannot make a TLS certificate: %s", e);
  }
  X509_free(x);
  EVP_PKEY_free(key);
  return ok ? 0 : -1;
}

static int tls_load(SSL_CTX *ctx, const char *cert, const char *key, char *err,
                    size_t errlen) {
  char e[256];
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
    tls_errstr(e, sizeof e, "unreadable");
    snprintf(err, errlen, "--tls-cert %s: %s", cert, e);
    return -1;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 &&
      ERR_GET_REASON(ERR_peek_error()) != X509_R_KEY_VALUES_MISMATCH) {
    tls_errstr(e, sizeof e, "unreadable");
    snprintf(err, errlen, "--tls-key %s: %s", key, e);
    return -1;
  }
  if (ERR_peek_error() || SSL_CTX_check_private_key(ctx) != 1) {
    tls_errstr(e, sizeof e, "mismatch");
    snprintf(err, errlen, "--tls-key %s does not match --tls-cert %s: %s", key,
             cert, e);
    return -1;
  }
  return 0;
}

static char *tls_pem_of(SSL_CTX *ctx) {
  X509 *x = SSL_CTX_get0_certificate(ctx);
  BIO *b = BIO_new(BIO_s_mem());
  char *pem = NULL;
  if (x && b && PEM_write_bio_X509(b, x)) {
    char *p;
    long n = BIO_get_mem_data(b, &p);
    pem = xmemdup(p, n > 0 ? (size_t)n : 0);
  }
  BIO_free(b);
  return pem ? pem : xstrdup("");
}

/* Modern defaults: TLS 1.2 and up, no renegotiation (RFC 7457 §2.2), no
 * session tickets (every connection is a full, inspectable handshake);
 * writes may be partial and the buffer may move (it is an ms_buf). */
static SSL_CTX *tls_ctx_new(void) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx)
    return NULL;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  return ctx;
}

struct srv_tls *srv_tls_new(const char *cert, const char *key, const char *cn,
                            double handshake_s, char *err, size_t errlen) {
  if ((cert == NULL) != (key == NULL)) {
    snprintf(err, errlen, "give both --tls-cert and --tls-key, or neither");
    return NULL;
  }
  ERR_clear_error();
  SSL_CTX *ctx = tls_ctx_new();
  if (!ctx) {
    char e[256];
    tls_errstr(e, sizeof e, "out of memory");
    snprintf(err, errlen, "TLS: %s", e);
    return NULL;
  }
  int r = cert ? tls_load(ctx, cert, key, err, errlen)
               : tls_generate(ctx, cn, err, errlen);
  if (r < 0) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  struct srv_tls *t = xcalloc(1, sizeof *t);
  t->ctx = ctx;
  t->pem = tls_pem_of(ctx);
  t->handshake_s = handshake_s > 0 ? handshake_s : SRV_TLS_HANDSHAKE_S;
  return t;
}

void srv_tls_free(struct srv_tls *t) {
  if (!t)
    return;
  SSL_CTX_free(t->ctx);
  free(t->pem);
  free(t);
}

const char *srv_tls_cert_pem(const struct srv_tls *t) {
  return t ? t->pem : NULL;
}

/* ---- one connection -------------------------------------------------- */

static struct srv_tls_conn *tls_conn_new(struct srv_conn *c,
                                         const struct srv_ctx *ctx,
                                         const struct srv_live *live) {
  struct srv_tls_conn *t = xcalloc(1, sizeof *t);
  t->ctx = ctx;
  t->live = live;
  t->keep = ms_fault_on(&ctx->faults, MS_F_STARTTLS_KEEP);
  ms_buf_init(&t->stash, TLS_STASH_MAX);
  c->tls = t;
  return t;
}

/* The client went away (EOF, reset, or a failed TLS record). */
static void tls_gone(struct srv_conn *c, const char *why) {
  srv_live_event(c->tls->live, c->id, "connection closed by the client%s%s",
                 why ? ": " : "", why ? why : "");
  c->closing = true;
  if (!c->out.len)
    c->dead = true;
}

static void tls_step(struct srv_conn *c, double now) {
  struct srv_tls_conn *t = c->tls;
  ERR_clear_error();
  int r = SSL_accept(t->ssl);
  if (r == 1) {
    t->phase = TLS_ON;
    t->want = 0;
    c->last_active = now;
    srv_live_event(t->live, c->id, "TLS established: %s, %s",
                   SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl));
    t->replay = true; /* srv_tls_plain hands the stash out */
    return;
  }
  int e = SSL_get_error(t->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    t->want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
    return;
  }
  char why[256];
  tls_errstr(why, sizeof why,
             e == SSL_ERROR_SYSCALL ? "the client closed the connection"
                                    : "protocol error");
  srv_live_event(t->live, c->id, "TLS handshake failed: %s", why);
  t->phase = TLS_DOWN;
  t->broken = true;
  c->dead = true;
}

static void tls_begin(struct srv_conn *c, double now) {
  struct srv_tls_conn *t = c->tls;
  const struct srv_tls *st = t->ctx->tls;
  ERR_clear_error();
  t->ssl = SSL_new(st->ctx);
  if (!t->ssl || SSL_set_fd(t->ssl, c->fd) != 1) {
    char why[256];
    tls_errstr(why, sizeof why, "out of memory");
    srv_live_event(t->live, c->id, "TLS cannot start: %s", why);
    t->phase = TLS_DOWN;
    t->broken = true;
    c->dead = true;
    return;
  }
  t->phase = TLS_HANDSHAKE;
  t->deadline = now + st->handshake_s;
  t->want = POLLIN;
  tls_step(c, now);
}

void srv_tls_implicit(struct srv_conn *c, const struct srv_ctx *ctx,
                      const struct srv_live *live, double now) {
  if (!ctx->tls || !ctx->tls_implicit || c->tls || c->dead)
    return;
  tls_conn_new(c, ctx, live);
  tls_begin(c, now);
}

void srv_tls_starttls(struct srv_conn *c, const struct srv_ctx *ctx,
                      const struct srv_live *live) {
  if (c->tls) /* the session refuses a second STARTTLS; never here */
    return;
  if (!ctx->tls) {
    srv_live_event(live, c->id, "STARTTLS without a TLS context: closing");
    c->closing = true;
    return;
  }
  tls_conn_new(c, ctx, live)->phase = TLS_FLUSH;
}

bool srv_tls_switching(const struct srv_conn *c) {
  return c->tls &&
         (c->tls->phase == TLS_FLUSH || c->tls->phase == TLS_HANDSHAKE);
}

void srv_tls_leftover(struct srv_conn *c, const char *p, size_t n) {
  struct srv_tls_conn *t = c->tls;
  if (!n || !srv_tls_switching(c))
    return;
  if (t->keep) {
    if (ms_buf_add(&t->stash, p, n) < 0)
      srv_live_event(t->live, c->id,
                     "fault starttls-keep-pipelined: %zu "
                     "octets over the limit dropped",
                     n);
    return;
  }
  /* RFC 3207 §4.2: nothing learnt before TLS counts after it; commands
   * pipelined behind STARTTLS were not protected by TLS. */
  srv_live_event(t->live, c->id,
                 "%zu octets sent after STARTTLS/STLS in the same packet "
                 "discarded (RFC 3207 §4.2, CVE-2011-0411)",
                 n);
}

static void tls_peek_eof(struct srv_conn *c) {
  char ch;
  ssize_t r = recv(c->fd, &ch, 1, MSG_PEEK | MSG_DONTWAIT);
  if (r == 0 ||
      (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
    tls_gone(c, NULL);
}

/* Fault starttls-keep-pipelined: what came with STARTTLS now counts as
 * if it had come through TLS (the CVE-2011-0411 class). */
static size_t tls_replay_stash(struct srv_conn *c, const char **p) {
  struct srv_tls_conn *t = c->tls;
  size_t n = 0;
  t->replay = false;
  t->given = ms_buf_steal(&t->stash, &n);
  if (!t->given || !n)
    return 0;
  srv_live_event(t->live, c->id,
                 "fault starttls-keep-pipelined: %zu octets sent before "
                 "the handshake are taken as commands",
                 n);
  *p = t->given;
  return n;
}

/* One SSL_read: the plaintext of one record into BUF, or 0. */
static size_t tls_read_record(struct srv_conn *c, double now, char *buf,
                              size_t cap) {
  struct srv_tls_conn *t = c->tls;
  ERR_clear_error();
  int r = SSL_read(t->ssl, buf, cap > INT_MAX ? INT_MAX : (int)cap);
  if (r > 0) {
    t->want = 0;
    t->read_wants_out = false;
    c->last_active = now;
    t->rounds = SSL_pending(t->ssl) ? t->rounds - 1 : 0;
    return (size_t)r;
  }
  t->rounds = 0;
  int e = SSL_get_error(t->ssl, r);
  if (e == SSL_ERROR_WANT_READ)
    return 0;
  if (e == SSL_ERROR_WANT_WRITE) {
    t->want = POLLOUT;
    t->read_wants_out = true;
    return 0;
  }
  if (e == SSL_ERROR_ZERO_RETURN) {
    tls_gone(c, "TLS close_notify");
    return 0;
  }
  char why[256];
  tls_errstr(why, sizeof why, "without close_notify");
  t->broken = true;
  tls_gone(c, why);
  return 0;
}

size_t srv_tls_plain(struct srv_conn *c, double now, char *buf, size_t cap,
                     const char **p) {
  struct srv_tls_conn *t = c->tls;
  if (!t || t->phase != TLS_ON)
    return 0;
  free(t->given);
  t->given = NULL;
  size_t n = t->replay ? tls_replay_stash(c, p) : 0;
  if (n)
    return n;
  if (t->rounds <= 0 || c->dead || c->closing) {
    t->rounds = 0;
    return 0;
  }
  *p = buf;
  return tls_read_record(c, now, buf, cap);
}

bool srv_tls_read(struct srv_conn *c, double now) {
  struct srv_tls_conn *t = c->tls;
  if (!t)
    return false;
  switch (t->phase) {
  case TLS_FLUSH:
    tls_peek_eof(c);
    break;
  case TLS_HANDSHAKE:
    tls_step(c, now);
    break;
  case TLS_ON:
    t->rounds = 4; /* srv_tls_plain reads them */
    break;
  case TLS_DOWN:
    c->dead = true;
    break;
  }
  return true;
}

bool srv_tls_write_gate(struct srv_conn *c, double now) {
  struct srv_tls_conn *t = c->tls;
  if (!t)
    return false;
  if (t->phase == TLS_FLUSH && !c->out.len && !c->dead)
    tls_begin(c, now);
  if (t->phase == TLS_HANDSHAKE && t->want == POLLOUT)
    tls_step(c, now);
  if (t->phase == TLS_ON && t->read_wants_out)
    t->rounds = 4; /* srv_tls_plain retries the read */
  return t->phase == TLS_HANDSHAKE || t->phase == TLS_DOWN;
}

ssize_t srv_tls_send(struct srv_conn *c, const void *p, size_t n) {
  struct srv_tls_conn *t = c->tls;
  if (!t || t->phase == TLS_FLUSH)
    return send(c->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (t->phase != TLS_ON) {
    errno = EAGAIN;
    return -1;
  }
  ERR_clear_error();
  int w = SSL_write(t->ssl, p, n > INT_MAX ? INT_MAX : (int)n);
  if (w > 0) {
    if (!t->read_wants_out)
      t->want = 0;
    return w;
  }
  int e = SSL_get_error(t->ssl, w);
  if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
    t->want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
    errno = EAGAIN;
    return -1;
  }
  ERR_clear_error();
  t->broken = true;
  errno = EPIPE;
  return -1;
}

short srv_tls_events(const struct srv_conn *c, short ev) {
  const struct srv_tls_conn *t = c->tls;
  if (!t)
    return ev;
  switch (t->phase) {
  case TLS_FLUSH: /* the ClientHello waits in the socket for OpenSSL */
    return (short)(ev & ~POLLIN);
  case TLS_HANDSHAKE:
    return t->want ? t->want : POLLIN;
  case TLS_ON:
    return (short)(ev | t->want);
  default:
    return 0;
  }
}

void srv_tls_reap(struct srv_conn *c, double now) {
  struct srv_tls_conn *t = c->tls;
  if (!t || t->phase != TLS_HANDSHAKE || c->dead || now < t->deadline)
    return;
  srv_live_event(t->live, c->id,
                 "TLS handshake not done within %.0f s: "
                 "dropped",
                 t->ctx->tls->handshake_s);
  t->broken = true;
  c->dead = true;
}

double srv_tls_deadline(const struct srv_conn *c) {
  return c->tls && c->tls->phase == TLS_HANDSHAKE ? c->tls->deadline : 0;
}

void srv_tls_conn_free(struct srv_conn *c) {
  struct srv_tls_conn *t = c->tls;
  if (!t)
    return;
  if (t->ssl) {
    ERR_clear_error();
    if (t->phase == TLS_ON && !t->broken)
      (void)SSL_shutdown(t->ssl); /* close_notify, non-blocking */
    SSL_free(t->ssl);
    ERR_clear_error();
  }
  ms_buf_free(&t->stash);
  free(t->given);
  free(t);
  c->tls = NULL;
}
