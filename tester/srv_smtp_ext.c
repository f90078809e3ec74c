/* srv_smtp_ext: where srv_smtp.c meets the service extensions of issue
 * 14 (srv_smtp_bdat.c: CHUNKING and BINARYMIME, RFC 3030;
 * srv_smtp_utf8.c: SMTPUTF8, RFC 6531; srv_smtp_dsn.c: DSN, RFC 3461):
 * the transaction state they share, the EHLO keywords, MAIL's and RCPT's
 * parameters, and the end of the data. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srv.h"
#include "srv_smtp.h"
#include "util.h"

/* MAIL and RCPT lines after EHLO: RFC 5321's 512 octets plus what the
 * parameters add (RFC 3461 §5.4: 530 for NOTIFY and ORCPT; ENVID 100,
 * RET 8; SMTPUTF8 10, RFC 6531 §3.1; BODY=BINARYMIME 16, RFC 3030 §3;
 * AUTH= 500, RFC 4954 §3), with room to spare. */
#define EXT_PARAM_LINE_MAX 2048

static void ext_rcpt_free(struct ms_dsn_rcpt *r) {
  free(r->rcpt);
  free(r->orcpt_type);
  free(r->orcpt);
  memset(r, 0, sizeof *r);
}

void srv_smtp_ext_reset(struct srv_smtp_ext *x) {
  ms_store_params_free(&x->txn);
  x->ascii_only = x->bdat = x->bdat_failed = false;
}

void srv_smtp_ext_free(struct srv_smtp_ext *x) {
  srv_smtp_ext_reset(x);
  ms_store_params_free(&x->mail);
  ext_rcpt_free(&x->rcpt);
}

size_t srv_smtp_ext_ehlo(const struct srv_ctx *ctx, const char **kw, size_t n,
                         size_t max) {
  if (ctx->profile != MS_PROFILE_RFC5321 || n + 5 > max)
    return n;
  n = srv_smtp_bdat_keywords(ctx, kw, n);
  n = srv_smtp_dsn_keywords(ctx, kw, n);
  return srv_smtp_utf8_keywords(ctx, kw, n);
}

/* Does MAIL line S (N octets) carry parameter word W (any case)? */
static bool ext_has_word(const char *s, size_t n, const char *w) {
  size_t k = strlen(w);
  for (size_t i = 1; i + k <= n; i++)
    if (s[i - 1] == ' ' && strncasecmp(s + i, w, k) == 0 &&
        (i + k == n || s[i + k] == ' '))
      return true;
  return false;
}

/* Faults binarymime-line (3030-3-6) and smtputf8-line (6531-3.1-7): a
 * MAIL line with the parameter gets no allowance for it beyond AUTH='s
 * 512 + 500 (RFC 4954 §3), the longest the other parameters need here. */
static bool ext_allowance_lost(const struct srv_ctx *ctx, const char *line,
                               size_t len) {
  if (len + 2 <= 512 + 500 || strncasecmp(line, "MAIL ", 5) != 0)
    return false;
  return (ms_fault_on(&ctx->faults, MS_F_BINARYMIME_LINE) &&
          ext_has_word(line, len, "BODY=BINARYMIME")) ||
         (ms_fault_on(&ctx->faults, MS_F_UTF8_LINE) &&
          ext_has_word(line, len, "SMTPUTF8"));
}

bool srv_smtp_ext_long_ok(const struct srv_ctx *ctx, bool ehlo,
                          const char *line, size_t len) {
  return ehlo && ctx->profile == MS_PROFILE_RFC5321 &&
         len + 2 <= EXT_PARAM_LINE_MAX && !ext_allowance_lost(ctx, line, len) &&
         (strncasecmp(line, "MAIL ", 5) == 0 ||
          strncasecmp(line, "RCPT ", 5) == 0) &&
         srv_smtp_dsn_line_ok(ctx, line);
}

/* ---- MAIL ---------------------------------------------------------- */

void srv_smtp_ext_mail_begin(struct srv_smtp_ext *x) {
  ms_store_params_free(&x->mail);
  x->mail_size = x->mail_body = false;
}

int srv_smtp_ext_mail_param(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                            const char *p, size_t n,
                            const struct srv_smtp_fmt *f, struct ms_buf *out) {
  if (n > 5 && strncasecmp(p, "SIZE=", 5) == 0)
    x->mail_size = true; /* srv_smtp.c judges it (RFC 1870) */
  int r = srv_smtp_bdat_mail_param(ctx, x, p, n, f, out);
  if (r < 0)
    r = srv_smtp_utf8_mail_param(ctx, x, p, n, f, out);
  if (r < 0)
    r = srv_smtp_dsn_mail_param(ctx, x, p, n, f, out);
  return r;
}

void srv_smtp_ext_mail_commit(struct srv_smtp_ext *x) {
  ms_store_params_free(&x->txn);
  x->txn = x->mail;
  memset(&x->mail, 0, sizeof x->mail);
}

/* ---- RCPT ---------------------------------------------------------- */

void srv_smtp_ext_rcpt_begin(struct srv_smtp_ext *x) {
  ext_rcpt_free(&x->rcpt);
}

int srv_smtp_ext_rcpt_param(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                            const char *p, size_t n,
                            const struct srv_smtp_fmt *f, struct ms_buf *out) {
  return srv_smtp_dsn_rcpt_param(ctx, x, p, n, f, out);
}

void srv_smtp_ext_rcpt_commit(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                              const struct srv_smtp_path *path) {
  const struct ms_world_user *u = ms_world_find_user(ctx->world, path->mailbox);
  x->ascii_only = x->ascii_only || (u && u->ascii_only);
  struct ms_store_params *t = &x->txn;
  size_t cap = t->nrcpts;
  xgrow((void **)&t->rcpts, &cap, t->nrcpts, sizeof *t->rcpts);
  t->rcpts[t->nrcpts] = x->rcpt;
  t->rcpts[t->nrcpts++].rcpt = xstrdup(path->mailbox);
  memset(&x->rcpt, 0, sizeof x->rcpt);
}

/* ---- the end of the data ------------------------------------------- */

/* The header section: up to the first empty line (RFC 5322 §2.1). */
static size_t ext_header_len(const char *data, size_t len) {
  if (len >= 2 && data[0] == '\r' && data[1] == '\n')
    return 0;
  for (size_t i = 0; i + 3 < len; i++)
    if (!memcmp(data + i, "\r\n\r\n", 4))
      return i + 2;
  return len;
}

bool srv_smtp_ext_refuse(const struct srv_ctx *ctx,
                         const struct srv_smtp_ext *x, const char *data,
                         size_t len, const struct srv_smtp_fmt *f,
                         struct ms_buf *out) {
  size_t h = ext_header_len(data, len);
  if (srv_smtp_bdat_cte_refused(ctx, x, data, h, f, out))
    return true;
  if (!x->ascii_only || srv_smtp_utf8_ascii(data, h))
    return false;
  /* RFC 6531 §3.5: "the reply-code "554" is used", X.6.9 */
  int code = ms_fault_on(&ctx->faults, MS_F_UTF8_ASCII_550) ? 550 : 554;
  bool esc = !ms_fault_on(&ctx->faults, MS_F_UTF8_ASCII_ESC);
  srv_smtp_reply(out, f, code, esc ? "5.6.9" : "5.6.0",
                 "Transaction failed: a recipient cannot take "
                 "internationalized headers");
  return true;
}

int srv_smtp_ext_store(const struct srv_ctx *ctx, const struct srv_smtp_ext *x,
                       const struct srv_smtp_txn *t) {
  return ms_store_deliver_params(ctx->store, t->from, t->rcpts, t->nrcpts,
                                 &x->txn, t->data->p ? t->data->p : "",
                                 t->data->len);
}
