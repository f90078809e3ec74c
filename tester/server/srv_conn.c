/* server_conn: one client of the reference server.  Splits the byte
 * stream into lines (at LF; CRLF or bare LF is reported to the session),
 * cuts over-long lines, hands each line to the pure session, and keeps
 * the reply bytes until the socket takes them.  The wire-level faults
 * live here: bare-lf rewrites CRLF to LF in what the session produced,
 * slow:MS holds each reply back. */
#include "srv_conn.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "srv_tls.h"
#include "srv_auth.h"
#include "util.h"

/* Apply the wire faults to OUT[from..]: a reply was just produced. */
static void conn_faults(struct srv_conn *c, const struct srv_ctx *ctx,
                        size_t from, double now) {
  srv_hostile_reply(c, ctx, from);
  if (c->out.len == from)
    return;
  if (ms_fault_on(&ctx->faults, MS_F_BARE_LF)) {
    size_t o = from;
    for (size_t i = from; i < c->out.len; i++) {
      if (c->out.p[i] == '\r' && i + 1 < c->out.len && c->out.p[i + 1] == '\n')
        continue;
      c->out.p[o++] = c->out.p[i];
    }
    c->out.len = o;
    c->out.p[o] = '\0';
  }
  if (ms_fault_on(&ctx->faults, MS_F_SLOW))
    c->hold_until = now + ctx->faults.slow_ms / 1000.0;
}

static void conn_act(struct srv_conn *c, enum srv_action a) {
  if (a == SRV_CLOSE)
    c->closing = true;
  /* SRV_STARTTLS: no TLS yet (issue 7); the session did not ask for it */
}

/* The client's IP address, for the session (its trace line). */
static void conn_peer(struct srv_conn *c) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char port[NI_MAXSERV];
  c->peer[0] = '\0';
  if (getpeername(c->fd, (struct sockaddr *)&ss, &len) != 0 ||
      getnameinfo((struct sockaddr *)&ss, len, c->peer, sizeof c->peer, port,
                  sizeof port, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    c->peer[0] = '\0';
}

struct srv_conn *srv_conn_new(int fd, unsigned id,
                              const struct srv_session_ops *ops,
                              const struct srv_ctx *ctx,
                              const struct srv_live *live, double now) {
  struct srv_conn *c = xcalloc(1, sizeof *c);
  c->fd = fd;
  c->id = id;
  c->ops = ops;
  c->last_active = now;
  ms_buf_init(&c->in, SRV_LINE_CAP);
  ms_buf_init(&c->out, SRV_OUT_MAX);
  srv_hostile_open(c, ctx);
  conn_peer(c);
  c->sctx = *ctx;
  c->sctx.peer = c->peer;
  enum srv_action a = SRV_CONTINUE;
  c->sess = ops->open(&c->sctx, &c->out, &a);
  srv_live_server(live, id, c->out.p ? c->out.p : "", c->out.len);
  conn_faults(c, ctx, 0, now);
  conn_act(c, a);
  srv_tls_implicit(c, ctx, live, now); /* greeting waits for TLS */
  return c;
}

/* The PIPELINING faults apply to SMTP sessions (srv_smtp_pipe.c). */
static bool conn_pipe(const struct srv_conn *c, const struct srv_ctx *ctx) {
  return c->ops == &ms_srv_smtp_ops && srv_smtp_pipe_faulty(ctx);
}

/* The line in C->in, line I of this read, MORE lines after it.  True:
 * drop the rest of the read (a fault). */
static bool conn_line(struct srv_conn *c, const struct srv_ctx *ctx,
                      const struct srv_live *live, double now, size_t i,
                      bool more) {
  bool crlf = c->cr_last;
  size_t len = c->in.len;
  if (crlf && !c->overlong)
    len--; /* the CR is in the buffer only when the line was not cut */
  const char *line = c->in.p ? c->in.p : "";
  char shown[128]; /* AUTH data is not shown (srv_auth.c) */
  size_t slen = len;
  const char *show =
      srv_auth_live_text(line, &slen, c->sasl_next, shown, sizeof shown);
  srv_live_client(live, c->id, show, slen);
  bool pipe = conn_pipe(c, ctx), drop = false;
  if (pipe)
    srv_smtp_pipe_before(&c->pipe, &c->out);
  size_t from = c->out.len;
  enum srv_action a = c->ops->line(c->sess, line, len, crlf, &c->out);
  srv_live_server(live, c->id, c->out.p + from, c->out.len - from);
  c->sasl_next = srv_auth_is_challenge(c->out.p + from, c->out.len - from);
  if (pipe)
    drop =
        srv_smtp_pipe_after(ctx, &c->pipe, line, len, i, more, &c->out, from);
  conn_faults(c, ctx, from, now);
  conn_act(c, a);
  if (a == SRV_STARTTLS)
    srv_tls_starttls(c, ctx, live);
  ms_buf_reset(&c->in);
  c->overlong = false;
  c->cr_last = false;
  return drop;
}

/* Octets the session takes as they came (a BDAT chunk): up to N of P.
 * Returns how many it took (0: it wants lines). */
static size_t conn_raw(struct srv_conn *c, const struct srv_ctx *ctx,
                       const struct srv_live *live, const char *p, size_t n,
                       double now) {
  size_t want = c->ops->raw_want ? c->ops->raw_want(c->sess) : 0;
  if (!want || c->in.len) /* a chunk starts after its command's LF */
    return 0;
  size_t k = n < want ? n : want;
  srv_live_event(live, c->id, "%zu octets of chunk data", k);
  size_t from = c->out.len;
  enum srv_action a = c->ops->raw(c->sess, p, k, &c->out);
  srv_live_server(live, c->id, c->out.p + from, c->out.len - from);
  conn_faults(c, ctx, from, now);
  conn_act(c, a);
  return k;
}

void srv_conn_input(struct srv_conn *c, const struct srv_ctx *ctx,
                    const struct srv_live *live, const char *p, size_t n,
                    double now) {
  size_t i = 0; /* lines of this read so far (RFC 2920 groups) */
  while (n && !c->closing && !c->dead && !srv_tls_switching(c)) {
    size_t raw = conn_raw(c, ctx, live, p, n, now);
    if (raw) {
      p += raw;
      n -= raw;
      continue;
    }
    const char *nl = memchr(p, '\n', n);
    size_t chunk = nl ? (size_t)(nl - p) : n;
    if (!c->overlong) {
      size_t room = SRV_LINE_CAP - c->in.len;
      ms_buf_add(&c->in, p, chunk < room ? chunk : room);
      c->overlong = chunk > room;
    }
    if (chunk)
      c->cr_last = p[chunk - 1] == '\r';
    if (!nl)
      return;
    bool more = memchr(nl + 1, '\n', n - chunk - 1) != NULL;
    bool drop = conn_line(c, ctx, live, now, i++, more);
    p += chunk + 1;
    n -= chunk + 1;
    if (drop)
      n = 0; /* fault pipelining-flush-on-error */
  }
  srv_tls_leftover(c, p, n); /* what came with STARTTLS */
}

/* What TLS decrypted (srv_tls.c hands it back, piece by piece, as
 * if each had been one read of the socket). */
static void conn_tls_input(struct srv_conn *c, const struct srv_ctx *ctx,
                           const struct srv_live *live, double now) {
  char buf[16384]; /* one TLS record's plaintext at most */
  const char *p = NULL;
  size_t n;
  while ((n = srv_tls_plain(c, now, buf, sizeof buf, &p)) > 0)
    srv_conn_input(c, ctx, live, p, n, now);
}

void srv_conn_read(struct srv_conn *c, const struct srv_ctx *ctx,
                   const struct srv_live *live, double now) {
  if (srv_tls_read(c, now)) {
    conn_tls_input(c, ctx, live, now);
    return;
  }
  char buf[16384];
  ssize_t r = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return;
  if (r <= 0) { /* gone: a partial line is dropped (no CRLF, no action) */
    srv_live_event(live, c->id, "connection closed by the client");
    c->closing = true;
    if (!c->out.len)
      c->dead = true;
    return;
  }
  c->last_active = now;
  srv_conn_input(c, ctx, live, buf, (size_t)r, now);
}

void srv_conn_write(struct srv_conn *c, const struct srv_ctx *ctx,
                    const struct srv_live *live, double now) {
  srv_hostile_refill(c);
  bool handshake = srv_tls_write_gate(c, now);
  conn_tls_input(c, ctx, live, now);
  if (handshake) /* the TLS handshake owns the socket */
    return;
  if (!c->out.len || now < c->hold_until)
    return;
  size_t n = srv_hostile_cap(c, c->out.len);
  ssize_t w = n ? srv_tls_send(c, c->out.p, n) : 0;
  if (w < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      c->dead = true;
    return;
  }
  ms_buf_consume(&c->out, (size_t)w);
  c->last_active = now;
  srv_hostile_wrote(c, (size_t)w, now);
  srv_hostile_refill(c);      /* generated output keeps POLLOUT asked for */
  srv_tls_write_gate(c, now); /* STARTTLS's reply is out: handshake */
  conn_tls_input(c, ctx, live, now);
}

void srv_conn_farewell(struct srv_conn *c, const char *text) {
  if (!c->dead && c->out.len) /* replies already due go first */
    (void)srv_tls_send(c, c->out.p, c->out.len);
  if (text && !c->dead && !c->closing)
    (void)srv_tls_send(c, text, strlen(text));
  c->dead = true;
}

void srv_conn_free(struct srv_conn *c) {
  if (!c)
    return;
  if (c->sess)
    c->ops->close(c->sess);
  srv_tls_conn_free(c);
  if (c->fd >= 0)
    close(c->fd);
  ms_buf_free(&c->in);
  ms_buf_free(&c->out);
  srv_smtp_pipe_free(&c->pipe);
  free(c);
}
