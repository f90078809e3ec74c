/* server_tls: the reference server's TLS, server side (OpenSSL).
 *
 * A server-wide context (srv_tls: certificate and key from PEM files, or
 * a self-signed EC P-256 pair made in memory at start) and, per
 * connection, the switch to TLS: STARTTLS (RFC 3207) and STLS (RFC 2595)
 * upgrade a plaintext connection once the session's "220"/"+OK" has been
 * written; implicit TLS (ports 465/995 style) starts every connection
 * with the handshake.  All I/O stays non-blocking inside the poll loop of
 * server.c: SSL_accept, SSL_read and SSL_write report what they wait for
 * (WANT_READ, WANT_WRITE) and the loop polls for exactly that.  A
 * handshake that does not finish in time drops the client.
 *
 * The hooks below are called by srv_conn.c and server.c; every one of
 * them does nothing for a connection that never asked for TLS.  TLS never
 * calls the session: what it decrypts is handed back (srv_tls_plain) and
 * srv_conn.c feeds it on. */
#ifndef MS_SRV_TLS_H
#define MS_SRV_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct srv_conn;
struct srv_ctx;
struct srv_live;

/* The handshake must be done within this many seconds (default). */
#define SRV_TLS_HANDSHAKE_S 10.0

/* ---- the server's context ------------------------------------------ */

struct srv_tls;
/* CERT and KEY: PEM files (the certificate file may hold the chain);
 * both NULL: a self-signed certificate for CN (and DNS:localhost,
 * IP:127.0.0.1, IP:::1), valid from an hour ago for a year.
 * HANDSHAKE_S <= 0: SRV_TLS_HANDSHAKE_S.  NULL with ERR on failure. */
struct srv_tls *srv_tls_new(const char *cert, const char *key, const char *cn,
                            double handshake_s, char *err, size_t errlen);
void srv_tls_free(struct srv_tls *t);
/* The server certificate in PEM (for a client that wants to trust it). */
const char *srv_tls_cert_pem(const struct srv_tls *t);

/* ---- one connection (srv_conn.c, server.c) ---------------------- */

/* A new connection of an implicit-TLS server: handshake first; the
 * greeting already in C->out waits until it is done. */
void srv_tls_implicit(struct srv_conn *c, const struct srv_ctx *ctx,
                      const struct srv_live *live, double now);
/* The session answered STARTTLS/STLS (SRV_STARTTLS): write what is due
 * in plaintext, then hand the socket to TLS. */
void srv_tls_starttls(struct srv_conn *c, const struct srv_ctx *ctx,
                      const struct srv_live *live);
/* Between the STARTTLS line and the end of the handshake: no more input
 * goes to the session. */
bool srv_tls_switching(const struct srv_conn *c);
/* Octets that came in the same read as STARTTLS, after its line.
 * RFC 3207 §4.2 / CVE-2011-0411: dropped; the fault
 * starttls-keep-pipelined keeps them for after the handshake. */
void srv_tls_leftover(struct srv_conn *c, const char *p, size_t n);
/* The socket is readable: moves the handshake along, or lets
 * srv_tls_plain read records.  False: plaintext, the caller reads itself. */
bool srv_tls_read(struct srv_conn *c, double now);
/* Before and after writing: moves the switch along.  True while the
 * handshake owns the socket (no session output may be written).  Then
 * srv_tls_plain may have input (a read that waited to write, the fault's
 * stash once the handshake is done). */
bool srv_tls_write_gate(struct srv_conn *c, double now);
/* After srv_tls_read or srv_tls_write_gate: the next piece of plaintext
 * for the session (the fault starttls-keep-pipelined's stash first, then
 * one TLS record a call, at most four), at *P (BUF, or TLS's own storage
 * until the next call).  0: nothing more now. */
size_t srv_tls_plain(struct srv_conn *c, double now, char *buf, size_t cap,
                     const char **p);
/* send(2) or SSL_write: -1 with errno EAGAIN when it would block. */
ssize_t srv_tls_send(struct srv_conn *c, const void *p, size_t n);
/* The poll events C needs, given what the plaintext loop would ask. */
short srv_tls_events(const struct srv_conn *c, short ev);
/* Handshake timeout: marks C dead when it is over. */
void srv_tls_reap(struct srv_conn *c, double now);
/* When the handshake must be done (0: none running). */
double srv_tls_deadline(const struct srv_conn *c);
/* close_notify (best effort), then free the TLS state of C. */
void srv_tls_conn_free(struct srv_conn *c);

#endif
