/* srv_smtp_bdat: the reference server's CHUNKING and BINARYMIME
 * (RFC 3030).
 *
 * "BDAT size [LAST]" is followed by exactly that many octets, which are
 * message data whatever they hold (§2); the connection hands them over
 * as they came (srv_session_ops.raw).  Each chunk gets its reply once
 * all its octets are in: 250, and after the LAST one the message is
 * delivered.  A BDAT that fails still has its chunk read and thrown away
 * before the 5xx ("MUST accept and discard the associated message
 * data"), and so have the BDATs that follow it until RSET (pipelined
 * chunks, §2).  A BDAT after the LAST one, DATA after a BDAT and DATA
 * after BODY=BINARYMIME get 503 (§2, §3); DATA itself stays (§2 (5)). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srv.h"
#include "srv_smtp.h"
#include "util.h"

/* chunk-size ::= 1*DIGIT; 19 digits always fit 64 bits. */
#define BDAT_DIGITS_MAX 19

bool srv_smtp_bdat_offered(const struct srv_ctx *ctx) {
  return ctx->profile == MS_PROFILE_RFC5321 &&
         !ms_fault_on(&ctx->faults, MS_F_BINMIME_NO_CHUNKING);
}

/* bdat-cmd ::= "BDAT" SP chunk-size [ SP end-marker ] CR LF (§2 (3)). */
static bool bdat_parse(const char *arg, unsigned long long *size, bool *last) {
  size_t d = strspn(arg, "0123456789");
  if (d == 0 || d > BDAT_DIGITS_MAX)
    return false;
  *size = strtoull(arg, NULL, 10);
  const char *rest = arg + d;
  *last = false;
  if (!*rest)
    return true;
  rest += strspn(rest, " ");
  *last = strcasecmp(rest, "LAST") == 0;
  return *last;
}

static void bdat_fail(struct srv_smtp_ext *x, int code, const char *esc,
                      const char *why) {
  x->chunk_err = code;
  x->chunk_esc = esc;
  x->chunk_why = why;
}

/* The chunk of a BDAT that cannot be taken (CODE and its text): it is
 * read and discarded, then refused.  Fault bdat-parse-failed-chunk: the
 * refusal comes now and the octets are left to be read as commands. */
static bool bdat_refuse(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                        const char *why, const struct srv_smtp_fmt *f,
                        struct ms_buf *out) {
  if (ms_fault_on(&ctx->faults, MS_F_BDAT_FAILED_PARSE)) {
    x->chunk_on = false;
    srv_smtp_reply(out, f, 503, "5.5.1", "Bad sequence of commands: %s", why);
    return false;
  }
  bdat_fail(x, 503, "5.5.1", why);
  return x->chunk_left == 0;
}

bool srv_smtp_bdat_begin(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                         const char *arg, bool have_mail, bool have_rcpt,
                         const struct srv_smtp_fmt *f, struct ms_buf *out) {
  unsigned long long size;
  bool last;
  if (!bdat_parse(arg, &size, &last) ||
      (last && ms_fault_on(&ctx->faults, MS_F_BDAT_NO_LAST)) ||
      (last && !size && ms_fault_on(&ctx->faults, MS_F_BDAT0_REFUSED))) {
    /* no chunk can be told from a line that is not a bdat-cmd */
    srv_smtp_reply(out, f, 501, "5.5.4",
                   "Syntax: BDAT <chunk-size> [LAST] (RFC 3030)");
    return false;
  }
  if (x->bdat_failed && ms_fault_on(&ctx->faults, MS_F_BDAT_PIPE_PARSE)) {
    srv_smtp_reply(out, f, 500, "5.5.2", "Syntax error, command unrecognized");
    return false;
  }
  x->chunk_on = true;
  x->chunk_left = x->chunk_size = size;
  x->chunk_last = last;
  x->chunk_err = 0;
  if (x->bdat_failed) /* §2: "accept and discard additional BDAT chunks" */
    return bdat_refuse(ctx, x, "a BDAT of this transaction failed; RSET first",
                       f, out);
  if (!have_mail) /* after a LAST as well: §2 "MUST ... 503" */
    return bdat_refuse(ctx, x, "MAIL first", f, out);
  if (!have_rcpt)
    return bdat_refuse(ctx, x, "no valid recipients", f, out);
  x->bdat = true;
  return size == 0;
}

size_t srv_smtp_bdat_want(const struct srv_smtp_ext *x) {
  if (!x->chunk_on)
    return 0;
  return x->chunk_left > (size_t)-1 ? (size_t)-1 : (size_t)x->chunk_left;
}

bool srv_smtp_bdat_octets(struct srv_smtp_ext *x, const char *p, size_t n,
                          struct ms_buf *data) {
  if (!x->chunk_on)
    return false;
  size_t k = n < x->chunk_left ? n : (size_t)x->chunk_left;
  if (!x->chunk_err && ms_buf_add(data, p, k) < 0) /* RFC 5321 §4.5.3.1.10 */
    bdat_fail(x, 552, "5.3.4",
              "Message size exceeds fixed maximum message size");
  x->chunk_left -= k;
  if (x->chunk_left)
    return false;
  x->chunk_on = false;
  return true;
}

/* The LAST chunk is in: deliver (or refuse) the message here, without
 * DATA's end of data (only the faults bdat-after-last and
 * bdat-own-delivery). */
static void bdat_deliver(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                         const struct srv_smtp_ext_txn *t,
                         const struct srv_smtp_fmt *f, struct ms_buf *out) {
  const char *p = t->data->p ? t->data->p : "";
  if (srv_smtp_eod_refuse(ctx, x, p, t->data->len, f, out))
    return;
  if (t->nrcpts && srv_smtp_eod_store(ctx, x, t) < 0)
    srv_smtp_reply(out, f, 451, "4.3.0",
                   "Requested action aborted: local error in processing");
  else
    srv_smtp_reply(out, f, 250, "2.0.0", "Message OK, %zu octets received",
                   t->data->len);
}

enum srv_bdat_end srv_smtp_bdat_end(const struct srv_ctx *ctx,
                                    struct srv_smtp_ext *x,
                                    const struct srv_smtp_ext_txn *t,
                                    const struct srv_smtp_fmt *f,
                                    struct ms_buf *out) {
  if (x->chunk_err) {
    /* the transaction failed: RSET is due (§2), later chunks are
     * discarded until then */
    x->bdat_failed = true;
    srv_smtp_reply(out, f, x->chunk_err, x->chunk_esc, "%s%s",
                   x->chunk_err == 503 ? "Bad sequence of commands: " : "",
                   x->chunk_why);
    return SRV_BDAT_MORE;
  }
  if (!x->chunk_last) { /* §2: "A 250 response MUST be sent to each
                           successful BDAT data block" */
    if (ms_fault_on(&ctx->faults, MS_F_BDAT_CHUNK_354))
      srv_smtp_reply(out, f, 354, NULL, "Go on");
    else
      srv_smtp_reply(out, f, 250, "2.0.0", "%llu octets received",
                     x->chunk_size);
    return SRV_BDAT_MORE;
  }
  if (ms_fault_on(&ctx->faults, MS_F_BDAT_AFTER_LAST)) {
    bdat_deliver(ctx, x, t, f, out);
    ms_buf_reset(t->data); /* the fault: the envelope stays */
    return SRV_BDAT_MORE;
  }
  if (ms_fault_on(&ctx->faults, MS_F_BDAT_OWN_DELIVERY)) {
    bdat_deliver(ctx, x, t, f, out); /* no trace line (RFC 5321 §4.4) */
    return SRV_BDAT_OVER;
  }
  return SRV_BDAT_EOD;
}

/* ---- BINARYMIME (§3) ----------------------------------------------- */

/* BODY=BINARYMIME: 0 taken, 1 refused, -1 another parameter.  Other
 * BODY= values are noted (srv_smtp.c judges them). */
int srv_smtp_bdat_mail_param(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                             const char *p, size_t n,
                             const struct srv_smtp_fmt *f, struct ms_buf *out) {
  if (n < 5 || strncasecmp(p, "BODY=", 5) != 0)
    return -1;
  x->mail_body = true;
  if (n == 9 && strncasecmp(p + 5, "7BIT", 4) == 0)
    x->mail.body = MS_BODY_7BIT;
  if (n == 13 && strncasecmp(p + 5, "8BITMIME", 8) == 0)
    x->mail.body = MS_BODY_8BITMIME;
  if (n != 15 || strncasecmp(p + 5, "BINARYMIME", 10) != 0 ||
      ctx->profile != MS_PROFILE_RFC5321)
    return -1;
  if (ms_fault_on(&ctx->faults, MS_F_BINMIME_REFUSED)) {
    srv_smtp_reply(out, f, 555, "5.5.4",
                   "Parameter not recognized or not implemented");
    return 1;
  }
  x->mail.body = MS_BODY_BINARYMIME;
  return 0;
}

int srv_smtp_ext_data_refused(const struct srv_ctx *ctx,
                              const struct srv_smtp_ext *x) {
  if (ms_fault_on(&ctx->faults, MS_F_BDAT_NO_DATA))
    return 502;
  /* §2: "If a DATA statement is issued after a BDAT for the current
   * transaction, a 503 "Bad sequence of commands" MUST be issued." */
  if (x->bdat && !ms_fault_on(&ctx->faults, MS_F_BDAT_DATA_354))
    return 503;
  /* §3: "If a DATA command is issued after a MAIL command containing the
   * body-value of "BINARYMIME", a 503 ... response MUST be sent." */
  if (x->txn.body == MS_BODY_BINARYMIME &&
      !ms_fault_on(&ctx->faults, MS_F_BINMIME_DATA_354))
    return 503;
  return 0;
}

/* A command line with controls gets 500; fault binary-line-close. */
enum srv_action srv_smtp_bdat_bad_line(const struct srv_ctx *ctx,
                                       const char *line, size_t len,
                                       const struct srv_smtp_fmt *f,
                                       struct ms_buf *out) {
  bool ctl = false;
  for (size_t i = 0; i < len && !ctl; i++)
    ctl = line[i] == '\0';
  if (ctl && ms_fault_on(&ctx->faults, MS_F_BINARY_LINE_CLOSE))
    return SRV_CLOSE;
  /* §2: parsers "MUST be prepared to receive, process, and reject lines
   * of arbitrary octets" */
  srv_smtp_reply(out, f, 500, "5.5.2", "Syntax error, command unrecognized");
  return SRV_CONTINUE;
}

size_t srv_smtp_bdat_keywords(const struct srv_ctx *ctx, const char **kw,
                              size_t n) {
  bool nochunk = ms_fault_on(&ctx->faults, MS_F_BINMIME_NO_CHUNKING);
  if (!nochunk && !ms_fault_on(&ctx->faults, MS_F_BDAT_UNADV))
    kw[n++] = "CHUNKING";
  if (ms_fault_on(&ctx->faults, MS_F_BINMIME_PARAM))
    kw[n++] = "BINARYMIME 1"; /* §3 (4): "No parameter" */
  else if (!ms_fault_on(&ctx->faults, MS_F_BINMIME_UNADV))
    kw[n++] = "BINARYMIME";
  return n;
}
