/* server_hostile: the hostile behaviours of `mailspec serve --fault`
 * (issue 8), applied to the bytes of one connection (srv_conn.c) after
 * the pure session has produced them.  They exist to prove that the
 * tester survives a broken or malicious server: no greeting, a greeting
 * twice, an immediate close, replies that never end or never reach their
 * line end, replies trickled one octet at a time, NUL and invalid UTF-8
 * in reply text, a reset in the middle of a reply, a server that never
 * reads.  Generated output (endless, long-line) is made as the socket
 * takes it, so the server's own memory stays bounded. */
#include <string.h>
#include <sys/socket.h>

#include "srv_conn.h"

/* Generated output is topped up to this many octets. */
#define HOSTILE_GEN_CHUNK (64u << 10)
/* no-read: a small receive buffer fills the client's send buffer soon. */
#define HOSTILE_RCVBUF 4096

enum { GEN_NONE = 0, GEN_ENDLESS, GEN_LONG };

static bool hostile_smtp(const struct srv_conn *c) {
  return strcmp(c->ops->name, "pop3") != 0;
}

void srv_hostile_open(struct srv_conn *c, const struct srv_ctx *ctx) {
  c->trickle_ms =
      ms_fault_on(&ctx->faults, MS_F_TRICKLE) ? ctx->faults.trickle_ms : 0;
  if (ms_fault_on(&ctx->faults, MS_F_NO_READ)) {
    int sz = HOSTILE_RCVBUF;
    (void)setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    c->no_read = true;
  }
}

/* Insert BAD after the first four octets ("250 ", "+OK ") of every line
 * of OUT[from..] that has them (a POP3 "." terminator stays intact). */
static void hostile_taint(struct srv_conn *c, size_t from, const char *bad,
                          size_t blen) {
  struct ms_buf t;
  ms_buf_init(&t, c->out.max);
  size_t i = from;
  while (i < c->out.len) {
    const char *nl = memchr(c->out.p + i, '\n', c->out.len - i);
    size_t end = nl ? (size_t)(nl - c->out.p) + 1 : c->out.len;
    size_t text = end - i;
    if (text && c->out.p[end - 1] == '\n')
      text -= (text > 1 && c->out.p[end - 2] == '\r') ? 2 : 1;
    if (text >= 4) {
      ms_buf_add(&t, c->out.p + i, 4);
      ms_buf_add(&t, bad, blen);
      ms_buf_add(&t, c->out.p + i + 4, end - i - 4);
    } else {
      ms_buf_add(&t, c->out.p + i, end - i);
    }
    i = end;
  }
  c->out.len = from;
  if (ms_buf_add(&c->out, t.p ? t.p : "", t.len) < 0)
    c->closing = true; /* cannot happen below SRV_OUT_MAX; never half */
  ms_buf_free(&t);
}

/* The reply just produced becomes the start of a generated one. */
static void hostile_generate(struct srv_conn *c, const struct srv_ctx *ctx,
                             size_t from, bool greeting) {
  bool smtp = hostile_smtp(c);
  if (greeting && ms_fault_on(&ctx->faults, MS_F_LONG_LINE)) {
    c->out.len = from;
    ms_buf_addstr(&c->out, smtp ? "220 " : "+OK ");
    c->gen = GEN_LONG;
    c->gen_n = ctx->faults.long_bytes;
  } else {
    /* RFC 5321 §4.2.1: "250-" lines announce more lines to come. */
    memcpy(c->gen_code, smtp ? c->out.p + from : "+OK", 3);
    c->gen_code[3] = '\0';
    c->out.len = from;
    if (!smtp)
      ms_buf_addstr(&c->out, "+OK this response never ends\r\n");
    c->gen = GEN_ENDLESS;
    c->gen_n = 0;
  }
  c->mute = true; /* nothing can follow a reply that never ends */
  srv_hostile_refill(c);
}

void srv_hostile_reply(struct srv_conn *c, const struct srv_ctx *ctx,
                       size_t from) {
  const struct ms_faults *f = &ctx->faults;
  if (c->mute) {
    c->out.len = from;
    return;
  }
  if (c->out.len == from)
    return;
  bool greeting = c->replies++ == 0;
  if (greeting && (ms_fault_on(f, MS_F_CLOSE_AT_ONCE) ||
                   ms_fault_on(f, MS_F_NO_GREETING))) {
    c->out.len = from;
    c->mute = true;
    if (ms_fault_on(f, MS_F_CLOSE_AT_ONCE))
      c->closing = true;
    return;
  }
  bool smtp = hostile_smtp(c);
  if ((greeting && ms_fault_on(f, MS_F_LONG_LINE)) ||
      (ms_fault_on(f, MS_F_ENDLESS) && (smtp || !greeting) &&
       c->out.len - from >= 3)) {
    hostile_generate(c, ctx, from, greeting);
    return;
  }
  if (ms_fault_on(f, MS_F_NUL))
    hostile_taint(c, from, "\0", 1);
  /* a stray continuation, an overlong '/', a surrogate, and octets UTF-8
   * never uses */
  if (ms_fault_on(f, MS_F_BAD_UTF8))
    hostile_taint(c, from, "\x80\xc0\xaf\xed\xa0\x80\xfe\xff", 8);
  if (greeting && ms_fault_on(f, MS_F_GREET_TWICE)) {
    size_t n = c->out.len - from;
    if (ms_buf_add(&c->out, c->out.p + from, n) < 0)
      c->closing = true;
  }
  if (!greeting && ms_fault_on(f, MS_F_RESET) && !c->reset_armed) {
    c->reset_armed = true;
    c->reset_left = from + (c->out.len - from) / 2;
  }
}

void srv_hostile_refill(struct srv_conn *c) {
  char xs[1024];
  memset(xs, 'x', sizeof xs);
  while (c->gen != GEN_NONE && c->out.len < HOSTILE_GEN_CHUNK) {
    if (c->gen == GEN_LONG) {
      size_t n = c->gen_n < sizeof xs ? (size_t)c->gen_n : sizeof xs;
      ms_buf_add(&c->out, xs, n);
      c->gen_n -= n;
      if (c->gen_n == 0)
        c->gen = GEN_NONE;
    } else if (hostile_smtp(c)) {
      ms_buf_addf(&c->out, "%s-endless line %llu: this reply never ends\r\n",
                  c->gen_code, ++c->gen_n);
    } else {
      ms_buf_addf(&c->out, "endless line %llu: this response never ends\r\n",
                  ++c->gen_n);
    }
  }
}

size_t srv_hostile_cap(const struct srv_conn *c, size_t len) {
  if (c->trickle_ms && len > 1)
    len = 1;
  if (c->reset_armed && len > c->reset_left)
    len = c->reset_left;
  return len;
}

void srv_hostile_wrote(struct srv_conn *c, size_t n, double now) {
  if (c->trickle_ms && n)
    c->hold_until = now + c->trickle_ms / 1000.0;
  if (!c->reset_armed)
    return;
  c->reset_left -= n;
  if (c->reset_left == 0) {
    /* SO_LINGER with a zero timeout: close() sends RST, not FIN. */
    struct linger lg = {1, 0};
    (void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    c->dead = true;
  }
}
