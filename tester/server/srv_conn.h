/* server_conn: one client connection of the reference server (bytes in,
 * lines to the session, reply bytes out) and server_live: the -v view
 * that prints every exchange in S:/R: form.  Internal to server*.c. */
#ifndef MS_SRV_CONN_H
#define MS_SRV_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "srv.h"
#include "srv_smtp.h"

/* The longest line handed to a session.  A longer line is cut here and
 * the rest of it discarded up to its LF; the session sees more than
 * any RFC limit (512 for commands, 1000 for text) and answers "500 Line
 * too long" (RFC 821 §4.5.3) or its POP3 equivalent. */
#define SRV_LINE_CAP 4096
/* Stop reading from a client while this much output waits for it
 * (a pipelining client that never reads cannot grow our memory). */
#define SRV_OUT_HIGH (256u << 10)
/* Output of one session may not exceed this (POP3 RETR of a message). */
#define SRV_OUT_MAX (96u << 20)

struct srv_live {
  FILE *out; /* NULL: no live view */
  bool color;
  const char *cli; /* "S: " (RFC 821) or "C: " */
  const char *srv; /* "R: " (RFC 821) or "S: " */
  bool tag;        /* prefix lines with [connection id] */
};

struct srv_conn {
  int fd;
  unsigned id;
  const struct srv_session_ops *ops;
  void *sess;
  struct ms_buf in;  /* the line being received */
  bool overlong;     /* discarding the rest of a too-long line */
  bool cr_last;      /* the line's last octet so far was CR */
  struct ms_buf out; /* reply bytes not yet written */
  double hold_until; /* fault slow: no writing before */
  double last_active;
  bool closing; /* flush OUT, then close */
  bool dead;    /* close now */
  /* Hostile faults (srv_hostile.c): */
  unsigned replies;         /* replies produced (the greeting is the first) */
  int gen;                  /* output generated as the socket takes it */
  char gen_code[4];         /* endless-multiline: the code of its lines */
  unsigned long long gen_n; /* endless: lines so far; long-line: octets left */
  bool mute;                /* nothing more may be said */
  unsigned trickle_ms;      /* trickle: one octet, then this pause */
  bool reset_armed;         /* reset-mid-reply: RST after RESET_LEFT octets */
  size_t reset_left;
  bool no_read;              /* no-read: input is never asked for */
  struct srv_tls_conn *tls;  /* STARTTLS/implicit TLS (srv_tls.c) */
  bool sasl_next;            /* the next line answers a SASL challenge */
  struct srv_smtp_pipe pipe; /* PIPELINING faults (srv_smtp_pipe.c) */
  char peer[64];             /* the client's address (getpeername) */
  struct srv_ctx sctx;       /* the session's context: the server's, with
                                PEER (a session may keep a pointer to it) */
};

/* Fault application at the wire (bare-lf, slow) needs the faults. */
struct srv_conn *srv_conn_new(int fd, unsigned id,
                              const struct srv_session_ops *ops,
                              const struct srv_ctx *ctx,
                              const struct srv_live *live, double now);
/* Feed received bytes: complete lines go to the session. */
void srv_conn_input(struct srv_conn *c, const struct srv_ctx *ctx,
                    const struct srv_live *live, const char *p, size_t n,
                    double now);
/* Read what the socket has (non-blocking); marks the end of input. */
void srv_conn_read(struct srv_conn *c, const struct srv_ctx *ctx,
                   const struct srv_live *live, double now);
/* Write what may be written now (and feed what TLS decrypted meanwhile). */
void srv_conn_write(struct srv_conn *c, const struct srv_ctx *ctx,
                    const struct srv_live *live, double now);
/* Best-effort last words (421 at shutdown or timeout), then close. */
void srv_conn_farewell(struct srv_conn *c, const char *text);
void srv_conn_free(struct srv_conn *c);

/* Hostile faults (srv_hostile.c).  Open: per-connection set-up;
 * reply: after the session produced OUT[FROM..]; refill: top up
 * generated output; cap: octets that may be written now; wrote: after
 * N octets went out. */
void srv_hostile_open(struct srv_conn *c, const struct srv_ctx *ctx);
void srv_hostile_reply(struct srv_conn *c, const struct srv_ctx *ctx,
                       size_t from);
void srv_hostile_refill(struct srv_conn *c);
size_t srv_hostile_cap(const struct srv_conn *c, size_t len);
void srv_hostile_wrote(struct srv_conn *c, size_t n, double now);

/* The live view (srv_live.c). */
void srv_live_event(const struct srv_live *l, unsigned id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void srv_live_client(const struct srv_live *l, unsigned id, const char *line,
                     size_t len);
void srv_live_server(const struct srv_live *l, unsigned id, const char *bytes,
                     size_t len);

#endif
