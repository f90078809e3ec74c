/* tls: OpenSSL client sessions over memory BIOs (see tls.h).
 *
 * OpenSSL never touches the socket: records it wants to send are taken
 * from the write BIO and sent with ms_net_send_all(), bytes read with
 * ms_net_recv() are put into the read BIO.  So the timeouts and the
 * stop flag of net.c apply to the handshake as to everything else. */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "net.h"
#include "util.h"

/* Bytes moved per socket read or TLS write. */
#define TLS_CHUNK 16384
/* First server bytes kept to recognise a plaintext answer. */
#define TLS_PEEK 64

struct ms_tls_ctx {
  SSL_CTX *ssl;
  FILE *keylog;
  pthread_mutex_t keylog_mu;
};

struct ms_tls {
  SSL *ssl;
  BIO *rbio, *wbio; /* owned by SSL */
  int fd;
  bool eof;
  X509 *leaf;          /* the server's certificate, seen in verify */
  char peek[TLS_PEEK]; /* the first bytes the server sent */
  size_t npeek;
};

/* ---- the context ------------------------------------------------------ */

/* SSLKEYLOGFILE lines (NSS key log format) for Wireshark; one line per
 * call, under a lock since -j sessions share the file. */
static void tls_keylog_cb(const SSL *ssl, const char *line) {
  struct ms_tls_ctx *x = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
  if (!x || !x->keylog)
    return;
  pthread_mutex_lock(&x->keylog_mu);
  fprintf(x->keylog, "%s\n", line);
  fflush(x->keylog);
  pthread_mutex_unlock(&x->keylog_mu);
}

/* The first OpenSSL error as text ("...: certificate verify failed"). */
static void tls_openssl_err(char *buf, size_t len, const char *dflt) {
  unsigned long e = ERR_peek_last_error();
  const char *r = e ? ERR_reason_error_string(e) : NULL;
  snprintf(buf, len, "%s", r ? r : dflt);
  ERR_clear_error();
}

static FILE *tls_keylog_open(const char *path, char *err, size_t errlen) {
  /* Key material: readable by the owner only. */
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;
  if (!f) {
    snprintf(err, errlen, "--keylog %s: %s", path, strerror(errno));
    if (fd >= 0)
      close(fd);
  }
  return f;
}

/* Trust the certificates of PEM text, and nothing else. */
static int tls_trust_pem(SSL_CTX *ctx, const char *pem) {
  BIO *b = BIO_new_mem_buf(pem, -1);
  X509_STORE *st = SSL_CTX_get_cert_store(ctx);
  int n = 0;
  X509 *x;
  while (b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
    if (X509_STORE_add_cert(st, x) == 1)
      n++;
    X509_free(x);
  }
  BIO_free(b);
  ERR_clear_error(); /* the end of the text */
  /* A leaf trusted as such needs no chain above it. */
  X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
  return n > 0 ? 1 : 0;
}

struct ms_tls_ctx *ms_tls_ctx_new(const struct ms_tls_config *c, char *err,
                                  size_t errlen) {
  struct ms_tls_ctx *x = xcalloc(1, sizeof *x);
  pthread_mutex_init(&x->keylog_mu, NULL);
  x->ssl = SSL_CTX_new(TLS_client_method());
  if (!x->ssl) {
    tls_openssl_err(err, errlen, "cannot create a TLS context");
    ms_tls_ctx_free(x);
    return NULL;
  }
  SSL_CTX_set_app_data(x->ssl, x);
  int ok = c && c->ca_pem ? tls_trust_pem(x->ssl, c->ca_pem)
           : c && c->cafile
               ? SSL_CTX_load_verify_locations(x->ssl, c->cafile, NULL)
               : SSL_CTX_set_default_verify_paths(x->ssl);
  if (ok != 1) {
    char why[160];
    tls_openssl_err(why, sizeof why, "unreadable");
    if (c && c->ca_pem)
      snprintf(err, errlen, "no certificate in the server's PEM text");
    else if (c && c->cafile)
      snprintf(err, errlen, "--cafile %s: %s", c->cafile,
               access(c->cafile, R_OK) != 0 ? strerror(errno) : why);
    else
      snprintf(err, errlen, "cannot load the system's CA store: %s", why);
    ms_tls_ctx_free(x);
    return NULL;
  }
  SSL_CTX_set_verify(
      x->ssl, c && c->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
  /* A plain close without close_notify is an EOF, as for plaintext. */
  SSL_CTX_set_options(x->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (c && c->keylog) {
    x->keylog = tls_keylog_open(c->keylog, err, errlen);
    if (!x->keylog) {
      ms_tls_ctx_free(x);
      return NULL;
    }
    SSL_CTX_set_keylog_callback(x->ssl, tls_keylog_cb);
  }
  return x;
}

void ms_tls_ctx_free(struct ms_tls_ctx *x) {
  if (!x)
    return;
  SSL_CTX_free(x->ssl);
  if (x->keylog)
    fclose(x->keylog);
  pthread_mutex_destroy(&x->keylog_mu);
  free(x);
}

/* ---- the report's facts ---------------------------------------------- */

static char *tls_name(const X509_NAME *n) {
  BIO *b = BIO_new(BIO_s_mem());
  if (!b)
    return NULL;
  char *r = NULL;
  if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
    char *p = NULL;
    long len = BIO_get_mem_data(b, &p);
    if (len >= 0)
      r = xmemdup(p, (size_t)len);
  }
  BIO_free(b);
  return r;
}

static char *tls_time(const ASN1_TIME *t) {
  struct tm tm;
  char buf[32];
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1 ||
      strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    return NULL;
  return xstrdup(buf);
}

static void tls_cert_info(const X509 *c, struct ms_tls_result *i) {
  if (!c || i->subject)
    return;
  i->subject = tls_name(X509_get_subject_name(c));
  i->issuer = tls_name(X509_get_issuer_name(c));
  i->not_after = tls_time(X509_get0_notAfter(c));
}

/* Facts of T as far as the handshake got. */
static void tls_fill_info(const struct ms_tls *t, struct ms_tls_result *i) {
  const SSL_CIPHER *c = SSL_get_current_cipher(t->ssl);
  if (c) {
    free(i->version);
    free(i->cipher);
    i->version = xstrdup(SSL_get_version(t->ssl));
    const char *std = SSL_CIPHER_standard_name(c);
    i->cipher = xstrdup(std ? std : SSL_CIPHER_get_name(c));
  }
  X509 *peer = SSL_get1_peer_certificate(t->ssl);
  tls_cert_info(peer ? peer : t->leaf, i);
  X509_free(peer);
  if (!peer && !t->leaf)
    return;
  long v = SSL_get_verify_result(t->ssl);
  i->verified = v == X509_V_OK;
  free(i->verify_error);
  i->verify_error =
      i->verified ? NULL : xstrdup(X509_verify_cert_error_string(v));
}

/* ---- one session ------------------------------------------------------ */

/* Keeps the leaf certificate for the report, even when it fails. */
static int tls_verify_cb(int ok, X509_STORE_CTX *store) {
  SSL *ssl =
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  struct ms_tls *t = ssl ? SSL_get_app_data(ssl) : NULL;
  X509 *leaf = X509_STORE_CTX_get0_cert(store);
  if (t && !t->leaf && leaf && X509_up_ref(leaf) == 1)
    t->leaf = leaf;
  return ok;
}

/* Send what OpenSSL queued in the write BIO.  0 or MS_NET_*. */
static int tls_flush(struct ms_tls *t, double end, volatile sig_atomic_t *stop,
                     char *err, size_t errlen) {
  char buf[TLS_CHUNK];
  while (BIO_ctrl_pending(t->wbio) > 0) {
    int n = BIO_read(t->wbio, buf, sizeof buf);
    if (n <= 0)
      break;
    double left = end - ms_now();
    int r = ms_net_send_all(t->fd, buf, (size_t)n, left > 0 ? left : 0.001,
                            stop, err, errlen);
    if (r != 0)
      return r;
  }
  return 0;
}

/* Read from the socket into the read BIO: > 0, 0 at EOF, or MS_NET_*. */
static ssize_t tls_fill(struct ms_tls *t, double timeout,
                        volatile sig_atomic_t *stop, char *err, size_t errlen) {
  char buf[TLS_CHUNK];
  if (t->eof)
    return 0;
  ssize_t n = ms_net_recv(t->fd, buf, sizeof buf, timeout, stop, err, errlen);
  if (n == 0)
    t->eof = true;
  if (n <= 0)
    return n;
  if (t->npeek < TLS_PEEK) {
    size_t k =
        (size_t)n < TLS_PEEK - t->npeek ? (size_t)n : TLS_PEEK - t->npeek;
    memcpy(t->peek + t->npeek, buf, k);
    t->npeek += k;
  }
  BIO_write(t->rbio, buf, (int)n);
  return n;
}

static bool tls_is_ip(const char *host) {
  unsigned char a[16];
  return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

static struct ms_tls *tls_new(struct ms_tls_ctx *x, int fd, const char *host) {
  struct ms_tls *t = xcalloc(1, sizeof *t);
  t->fd = fd;
  t->ssl = SSL_new(x->ssl);
  t->rbio = BIO_new(BIO_s_mem());
  t->wbio = BIO_new(BIO_s_mem());
  if (!t->ssl || !t->rbio || !t->wbio) {
    BIO_free(t->rbio);
    BIO_free(t->wbio);
    SSL_free(t->ssl);
    free(t);
    return NULL;
  }
  SSL_set_bio(t->ssl, t->rbio, t->wbio);
  SSL_set_app_data(t->ssl, t);
  SSL_set_connect_state(t->ssl);
  SSL_set_verify(t->ssl, SSL_get_verify_mode(t->ssl), tls_verify_cb);
  if (host && *host) {
    X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
    if (tls_is_ip(host)) {
      X509_VERIFY_PARAM_set1_ip_asc(vp, host);
    } else {
      /* RFC 6125 §6.4.1: the reference identity is the name we dialled. */
      SSL_set_tlsext_host_name(t->ssl, host);
      X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(vp, host, 0);
    }
  }
  return t;
}

static void tls_free(struct ms_tls *t) {
  if (!t)
    return;
  SSL_free(t->ssl); /* frees the BIOs */
  X509_free(t->leaf);
  free(t);
}

/* The server's first bytes as a short printable quote. */
static void tls_quote(const struct ms_tls *t, char *buf, size_t len) {
  size_t n = 0, i = 0;
  for (; i < t->npeek && n + 5 < len; i++) {
    unsigned char c = (unsigned char)t->peek[i];
    if (c == '\r' || c == '\n')
      break;
    buf[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
  }
  buf[n] = '\0';
}

/* Classify a failed SSL_do_handshake. */
static enum ms_tls_fail tls_failure(struct ms_tls *t, char *err,
                                    size_t errlen) {
  /* A TLS record starts with its content type: 0x15 alert, 0x16
   * handshake (RFC 8446 §5.1).  Text means a plaintext server. */
  unsigned char first = t->npeek ? (unsigned char)t->peek[0] : 0;
  if (t->npeek && first != 0x15 && first != 0x16) {
    char q[48];
    tls_quote(t, q, sizeof q);
    snprintf(err, errlen,
             "the server answered the TLS handshake in plaintext ('%s'): "
             "it does not speak TLS on this port",
             q);
    ERR_clear_error();
    return MS_TLS_PLAINTEXT;
  }
  long v = SSL_get_verify_result(t->ssl);
  if (v != X509_V_OK && SSL_get_verify_mode(t->ssl) != SSL_VERIFY_NONE) {
    snprintf(err, errlen, "the server's certificate did not verify: %s",
             X509_verify_cert_error_string(v));
    ERR_clear_error();
    return MS_TLS_VERIFY;
  }
  if (t->eof) {
    snprintf(err, errlen,
             "the server closed the connection during the "
             "TLS handshake%s",
             t->npeek ? "" : " (it sent nothing)");
    ERR_clear_error();
    return MS_TLS_CLOSED;
  }
  char why[200];
  tls_openssl_err(why, sizeof why, "protocol error");
  snprintf(err, errlen, "TLS handshake failed: %s", why);
  return MS_TLS_PROTOCOL;
}

/* A socket failure: the stop flag, the timeout, or (EPIPE, ECONNRESET)
 * the server went away. */
static enum ms_tls_fail tls_net_fail(ssize_t r) {
  if (r == MS_NET_STOP)
    return MS_TLS_STOP;
  if (r == MS_NET_TIMEOUT)
    return MS_TLS_TIMEOUT;
  return MS_TLS_CLOSED;
}

/* The handshake loop; MS_TLS_OK or why not, with ERR. */
static enum ms_tls_fail tls_run(struct ms_tls *t, double timeout,
                                volatile sig_atomic_t *stop, char *err,
                                size_t errlen) {
  double end = ms_now() + timeout;
  for (;;) {
    ERR_clear_error();
    int r = SSL_do_handshake(t->ssl);
    int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(t->ssl, r);
    /* Send what is queued (the alert of a failure included). */
    char ferr[160] = "";
    int f = tls_flush(t, end, stop, ferr, sizeof ferr);
    if (r == 1 && f == 0)
      return MS_TLS_OK;
    if (e != SSL_ERROR_NONE && e != SSL_ERROR_WANT_READ &&
        e != SSL_ERROR_WANT_WRITE)
      return tls_failure(t, err, errlen);
    if (f != 0) {
      enum ms_tls_fail why = tls_net_fail(f);
      /* What the server said before it went may say why (plaintext). */
      if (why == MS_TLS_CLOSED && tls_fill(t, 0, NULL, NULL, 0) >= 0 &&
          t->npeek && t->peek[0] != 0x15 && t->peek[0] != 0x16)
        return tls_failure(t, err, errlen);
      if (why == MS_TLS_CLOSED)
        snprintf(err, errlen,
                 "the server closed the connection during the "
                 "TLS handshake (%s)",
                 ferr);
      else
        snprintf(err, errlen, "TLS handshake: %s",
                 ferr[0] ? ferr : "interrupted");
      return why;
    }
    if (e != SSL_ERROR_WANT_READ)
      continue;
    double left = end - ms_now();
    if (left <= 0) {
      snprintf(err, errlen, "no TLS handshake within %g s (the server %s)",
               timeout, t->npeek ? "stopped answering" : "sent nothing");
      return MS_TLS_TIMEOUT;
    }
    char rerr[160] = "";
    ssize_t n = tls_fill(t, left, stop, rerr, sizeof rerr);
    if (n == 0) {
      BIO_set_mem_eof_return(t->rbio, 0); /* let OpenSSL see the end */
      if (SSL_do_handshake(t->ssl) == 1)
        return MS_TLS_OK;
      return tls_failure(t, err, errlen);
    }
    if (n == MS_NET_TIMEOUT) {
      snprintf(err, errlen, "no TLS handshake within %g s (the server %s)",
               timeout, t->npeek ? "stopped answering" : "sent nothing");
      return MS_TLS_TIMEOUT;
    }
    if (n < 0) {
      snprintf(err, errlen, "TLS handshake: %s",
               rerr[0] ? rerr : "interrupted");
      return tls_net_fail(n);
    }
  }
}

struct ms_tls *ms_tls_handshake(struct ms_tls_ctx *x, int fd, const char *host,
                                double timeout, volatile sig_atomic_t *stop,
                                struct ms_tls_result *info,
                                enum ms_tls_fail *why, char *err,
                                size_t errlen) {
  struct ms_tls *t = x ? tls_new(x, fd, host) : NULL;
  if (!t) {
    snprintf(err, errlen, "cannot start a TLS session");
    *why = MS_TLS_PROTOCOL;
    return NULL;
  }
  *why = tls_run(t, timeout, stop, err, errlen);
  if (info)
    tls_fill_info(t, info);
  if (*why != MS_TLS_OK) {
    tls_free(t);
    return NULL;
  }
  return t;
}

int ms_tls_send_all(struct ms_tls *t, const void *buf, size_t len,
                    double timeout, volatile sig_atomic_t *stop, char *err,
                    size_t errlen) {
  const char *p = buf;
  double end = ms_now() + timeout;
  while (len > 0) {
    int k = len > TLS_CHUNK ? TLS_CHUNK : (int)len;
    ERR_clear_error();
    int n = SSL_write(t->ssl, p, k);
    if (n <= 0) {
      char why[160];
      tls_openssl_err(why, sizeof why, "the TLS session is closed");
      snprintf(err, errlen, "TLS send failed: %s", why);
      return MS_NET_ERR;
    }
    p += n;
    len -= (size_t)n;
    int r = tls_flush(t, end, stop, err, errlen);
    if (r != 0)
      return r;
  }
  return 0;
}

ssize_t ms_tls_recv(struct ms_tls *t, void *buf, size_t cap, double timeout,
                    volatile sig_atomic_t *stop, char *err, size_t errlen) {
  double end = ms_now() + timeout;
  int k = cap > INT_MAX ? INT_MAX : (int)cap;
  for (;;) {
    ERR_clear_error();
    int n = SSL_read(t->ssl, buf, k);
    int e = n > 0 ? SSL_ERROR_NONE : SSL_get_error(t->ssl, n);
    tls_flush(t, end, stop, NULL, 0); /* e.g. a KeyUpdate answer */
    if (n > 0)
      return n;
    if (e == SSL_ERROR_ZERO_RETURN)
      return 0; /* close_notify */
    if (e != SSL_ERROR_WANT_READ) {
      if (t->eof)
        return 0;
      char why[160];
      tls_openssl_err(why, sizeof why, "protocol error");
      snprintf(err, errlen, "TLS receive failed: %s", why);
      return MS_NET_ERR;
    }
    if (t->eof)
      return 0; /* EOF inside or between records */
    double left = timeout <= 0 ? 0 : end - ms_now();
    if (timeout > 0 && left <= 0)
      return MS_NET_TIMEOUT;
    ssize_t r = tls_fill(t, left, stop, err, errlen);
    if (r < 0)
      return r;
  }
}

void ms_tls_close(struct ms_tls *t) {
  if (!t)
    return;
  /* RFC 8446 §6.1: say goodbye; do not wait for the answer. */
  if (SSL_is_init_finished(t->ssl) && SSL_shutdown(t->ssl) >= 0)
    tls_flush(t, ms_now() + 0.05, NULL, NULL, 0);
  ERR_clear_error();
  tls_free(t);
}
