/* srv_smtp_pipe: PIPELINING, RFC 2920, in the reference server.  It
 * answers every command as soon as it is read, in order, and never
 * drops input, which satisfies §3.2 (1), (5), (6), (7) and (9); it does
 * not buffer the replies of a group (§3.2 (2) is a SHOULD no client can
 * see).  What is here are the faults that break those rules on purpose.
 * They act where the connection hands the lines of one read to the
 * session (srv_conn.c): a "group" is two or more commands that came
 * in one read, the way a pipelining client writes them.  Only groups
 * are touched, so a client that waits for each reply never notices. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <stdatomic.h>
#include <time.h>

#include "srv_smtp.h"
#include "srv_smtp_notify.h"

bool srv_smtp_pipe_faulty(const struct srv_ctx *ctx) {
  const struct ms_faults *f = &ctx->faults;
  return ms_fault_on(f, MS_F_PIPE_REORDER) ||
         ms_fault_on(f, MS_F_PIPE_FLUSH_ERROR) ||
         ms_fault_on(f, MS_F_PIPE_NO_FLUSH) ||
         ms_fault_on(f, MS_F_PIPE_HOLD_NOOP) ||
         ms_fault_on(f, MS_F_PIPE_HOLD_UNKNOWN);
}

bool srv_smtp_pipe_data_anyway(const struct srv_ctx *ctx) {
  return ms_fault_on(&ctx->faults, MS_F_DATA_NO_RCPT) ||
         ms_fault_on(&ctx->faults, MS_F_EMPTY_DATA_NOTICE);
}

/* Fault empty-data-notice breaks §3.2 (4): "MUST NOT, after issuing a
 * positive response to a DATA command with no valid recipients and
 * subsequently receiving an empty message, send any message whatsoever
 * to anybody": a "failed" DSN about the refused recipient goes to the
 * sender. */
void srv_smtp_pipe_empty_notice(const struct srv_ctx *ctx, const char *from,
                                const char *refused, size_t len) {
  static atomic_ulong seq;
  if (!ms_fault_on(&ctx->faults, MS_F_EMPTY_DATA_NOTICE) || len || !from ||
      !*from || !refused)
    return;
  struct srv_smtp_notify_rcpt r = {refused, NULL, true, NULL,
                                   "5.1.1", NULL, NULL};
  struct srv_smtp_notify_in in = {
      ctx->world->hostname ? ctx->world->hostname : "localhost",
      from,
      NULL,
      &r,
      1,
      "",
      0,
      atomic_fetch_add(&seq, 1) + 2000000001ul, /* apart from the others */
      time(NULL)};
  static const struct ms_faults none;
  srv_smtp_notify_mail(ctx, &none, &in);
}

static void pipe_release(struct srv_smtp_pipe *p, struct ms_buf *out) {
  if (p->held.len)
    ms_buf_add(out, p->held.p, p->held.len);
  ms_buf_reset(&p->held);
  p->swap = false;
}

void srv_smtp_pipe_before(struct srv_smtp_pipe *p, struct ms_buf *out) {
  if (!p->swap) /* held until more input came: it has */
    pipe_release(p, out);
}

/* Move OUT[FROM..] to the held replies. */
static void pipe_hold(struct srv_smtp_pipe *p, struct ms_buf *out,
                      size_t from) {
  if (!p->held.max) /* zeroed with the connection */
    ms_buf_init(&p->held, 1u << 20);
  ms_buf_add(&p->held, out->p + from, out->len - from);
  out->len = from;
  if (out->p)
    out->p[from] = '\0';
}

static bool pipe_verb(const char *line, size_t len, const char *verb) {
  size_t n = strlen(verb);
  return len >= n && strncasecmp(line, verb, n) == 0 &&
         (len == n || line[n] == ' ');
}

bool srv_smtp_pipe_after(const struct srv_ctx *ctx, struct srv_smtp_pipe *p,
                         const char *line, size_t len, size_t i, bool more,
                         struct ms_buf *out, size_t from) {
  const struct ms_faults *f = &ctx->faults;
  if (p->swap) { /* reorder: the held reply after this one */
    pipe_release(p, out);
    return false;
  }
  if ((i == 0 && !more) || out->len == from)
    return false; /* not in a group, or no reply (mail data) */
  int code = atoi(out->p + from);
  if (ms_fault_on(f, MS_F_PIPE_REORDER) && more) { /* breaks §3.2 (1) */
    pipe_hold(p, out, from);
    p->swap = true;
  } else if (ms_fault_on(f, MS_F_PIPE_FLUSH_ERROR) && more && code >= 400) {
    return true; /* breaks §3.2 (9): the rest of the read is lost */
  } else if ((ms_fault_on(f, MS_F_PIPE_NO_FLUSH) &&
              (pipe_verb(line, len, "RSET") || pipe_verb(line, len, "MAIL") ||
               pipe_verb(line, len, "RCPT"))) || /* breaks §3.2 (7) */
             (ms_fault_on(f, MS_F_PIPE_HOLD_NOOP) &&
              pipe_verb(line, len, "NOOP")) || /* breaks §3.2 (5) */
             (ms_fault_on(f, MS_F_PIPE_HOLD_UNKNOWN) && code == 500)) {
    pipe_hold(p, out, from); /* §3.2 (6) */
  }
  return false;
}

void srv_smtp_pipe_free(struct srv_smtp_pipe *p) {
  ms_buf_free(&p->held);
}
