/* tls: the client side of TLS for the live engine, on OpenSSL.
 *
 * A session runs over an already connected non-blocking socket (after
 * STARTTLS/STLS, or from the first byte for implicit TLS) through memory
 * BIOs: every byte still goes through net.c, so every wait has a
 * timeout and a stop request is noticed, during the handshake too.
 * The certificate is verified by default (the system store or a CA
 * file) against the target's name, which is also sent as SNI (RFC 6066
 * §3; not for address literals).  What was negotiated is kept for the
 * report: version, cipher, the server certificate's subject and expiry,
 * and whether it verified. */
#ifndef MS_TLS_H
#define MS_TLS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "mailspec/result.h"

struct ms_tls_config {
  const char *cafile; /* PEM CA bundle; NULL: the system's store */
  bool insecure;      /* do not stop on a bad certificate (still noted) */
  const char *keylog; /* append SSLKEYLOGFILE lines to this file, or NULL */
  const char *ca_pem; /* trust exactly these PEM certificates instead (the
                         builtin server's own), or NULL */
};

/* One client context, shared by every connection of a run (threads
 * included).  NULL with ERR when the CA file or key log cannot be used. */
struct ms_tls_ctx;
struct ms_tls_ctx *ms_tls_ctx_new(const struct ms_tls_config *c, char *err,
                                  size_t errlen);
void ms_tls_ctx_free(struct ms_tls_ctx *x);

/* Why a handshake did not complete. */
enum ms_tls_fail {
  MS_TLS_OK = 0,
  MS_TLS_TIMEOUT,   /* no progress within the timeout */
  MS_TLS_STOP,      /* the stop flag was set */
  MS_TLS_CLOSED,    /* the server closed (or reset) the connection */
  MS_TLS_PLAINTEXT, /* the server answered in plaintext: not a TLS port */
  MS_TLS_VERIFY,    /* its certificate did not verify */
  MS_TLS_PROTOCOL   /* a TLS alert or protocol error */
};

struct ms_tls;
/* Handshake as a client on FD (connected, non-blocking) within TIMEOUT
 * seconds.  HOST is the target as given: a name is sent as SNI and
 * checked against the certificate, an address literal is checked as an
 * IP address.  Returns the session, or NULL with *WHY and a sentence in
 * ERR.  INFO (may be NULL) is filled as far as the handshake got (the
 * certificate of a failed verification included); free it with
 * ms_tls_result_free().  FD stays the caller's. */
struct ms_tls *ms_tls_handshake(struct ms_tls_ctx *x, int fd, const char *host,
                                double timeout, volatile sig_atomic_t *stop,
                                struct ms_tls_result *info,
                                enum ms_tls_fail *why, char *err,
                                size_t errlen);

/* Like ms_net_send_all() / ms_net_recv() (net.h), through TLS.  recv
 * returns 0 at the server's close_notify or at EOF. */
int ms_tls_send_all(struct ms_tls *t, const void *buf, size_t len,
                    double timeout, volatile sig_atomic_t *stop, char *err,
                    size_t errlen);
ssize_t ms_tls_recv(struct ms_tls *t, void *buf, size_t cap, double timeout,
                    volatile sig_atomic_t *stop, char *err, size_t errlen);

/* Send close_notify if the socket takes it at once, and free T (the
 * socket stays open). */
void ms_tls_close(struct ms_tls *t);

#endif
