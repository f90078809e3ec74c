/* srv_smtp_ext: where srv_smtp.c meets the service extensions.  The EHLO
 * lines of SIZE (RFC 1870 §3), 8BITMIME (RFC 6152 §2), PIPELINING (RFC
 * 2920 §2) and ENHANCEDSTATUSCODES (RFC 2034 §3), which a world may leave
 * out (ehlo_off) and faults list wrongly (RFC 5321 §4.1.1.1: ehlo-line =
 * ehlo-keyword *( SP ehlo-param )); and for issue 14's CHUNKING and
 * BINARYMIME (srv_smtp_bdat.c, RFC 3030), SMTPUTF8 (srv_smtp_utf8.c, RFC
 * 6531) and DSN (srv_smtp_dsn.c, RFC 3461): the transaction state they
 * share, their EHLO keywords, and MAIL's and RCPT's parameters (the end
 * of the data is srv_smtp_eod.c's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailspec/proto.h"
#include "srv.h"
#include "srv_auth.h"
#include "srv_smtp.h"
#include "util.h"

size_t srv_smtp_ext_keywords(const struct srv_ctx *ctx, char buf[64],
                             const char **lines) {
  const struct ms_world *w = ctx->world;
  const struct ms_faults *f = &ctx->faults;
  size_t n = 0;
  /* RFC 1870 §3: "SIZE" with the fixed maximum, 0 for none */
  if (ms_world_ehlo_on(w, "SIZE") && !ms_fault_on(f, MS_F_SIZE_UNADVERTISED) &&
      !ms_fault_on(f, MS_F_SIZE_LIMIT_UNADVERTISED)) { /* 5321-4.5.3.1.7-2 */
    snprintf(buf, 64, "SIZE %zu",
             w->max_message ? srv_smtp_size_cap(w) : (size_t)0);
    if (ms_fault_on(f,
                    MS_F_SIZE_KEYWORD_TEXT)) /* §3: size-param ::= [1*DIGIT] */
      snprintf(buf, 64, "SIZE %zuM", srv_smtp_size_cap(w) >> 20);
    lines[n++] = buf;
  }
  /* RFC 6152 §2, RFC 2920 §2, RFC 2034 §3: no parameter (the faults
   * add one) */
  if (ms_world_ehlo_on(w, "8BITMIME") &&
      !ms_fault_on(f, MS_F_8BIT_UNADVERTISED))
    lines[n++] =
        ms_fault_on(f, MS_F_8BIT_PARAM) ? "8BITMIME STRICT" : "8BITMIME";
  if (ms_world_ehlo_on(w, "PIPELINING"))
    lines[n++] =
        ms_fault_on(f, MS_F_PIPE_PARAM) ? "PIPELINING 100" : "PIPELINING";
  if (srv_smtp_enh_offered(ctx))
    lines[n++] = ms_fault_on(f, MS_F_ENH_PARAM) ? "ENHANCEDSTATUSCODES 3463"
                                                : "ENHANCEDSTATUSCODES";
  return n;
}

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

/* Does command line S (N octets) carry parameter W (any case): the word
 * W, or with PREFIX the keyword W followed by its value? */
static bool ext_has(const char *s, size_t n, const char *w, bool prefix) {
  size_t k = strlen(w);
  for (size_t i = 1; i + k <= n; i++)
    if (s[i - 1] == ' ' && strncasecmp(s + i, w, k) == 0 &&
        (prefix || i + k == n || s[i + k] == ' '))
      return true;
  return false;
}

/* The octets a MAIL line may have beyond RFC 5321's 512 for the
 * parameters it carries: SIZE= 26 (RFC 1870 §3), BODY= 16 for
 * BINARYMIME (RFC 3030 §3; fault binarymime-line drops it), SMTPUTF8 10
 * (RFC 6531 §3.1; fault smtputf8-line), RET= 9 and ENVID= 107 (the
 * sizes of RFC 3461 §5.4 with a space), AUTH= 500 (RFC 4954 §3). */
static size_t ext_mail_allowance(const struct srv_ctx *ctx, const char *s,
                                 size_t n) {
  size_t more = srv_auth_mail_allowance(ctx, s, n);
  more += ext_has(s, n, "SIZE=", true) ? 26 : 0;
  if (ext_has(s, n, "BODY=", true) &&
      !ms_fault_on(&ctx->faults, MS_F_BINARYMIME_LINE))
    more += 16;
  if (ext_has(s, n, "SMTPUTF8", false) &&
      !ms_fault_on(&ctx->faults, MS_F_UTF8_LINE))
    more += 10;
  more += ext_has(s, n, "RET=", true) ? 9 : 0;
  return more + (ext_has(s, n, "ENVID=", true) ? 107 : 0);
}

/* RCPT: 530 for NOTIFY= and ORCPT= (RFC 3461 §5.4; fault dsn-line-512). */
static size_t ext_rcpt_allowance(const struct srv_ctx *ctx, const char *s,
                                 size_t n) {
  bool dsn = ext_has(s, n, "NOTIFY=", true) || ext_has(s, n, "ORCPT=", true);
  return dsn && srv_smtp_dsn_line_ok(ctx, s) ? 530 : 0;
}

bool srv_smtp_ext_long_ok(const struct srv_ctx *ctx, bool ehlo,
                          const char *line, size_t len) {
  if (!ehlo || ctx->profile != MS_PROFILE_RFC5321)
    return false;
  size_t more = 0;
  if (strncasecmp(line, "MAIL ", 5) == 0)
    more = ext_mail_allowance(ctx, line, len);
  else if (strncasecmp(line, "RCPT ", 5) == 0)
    more = ext_rcpt_allowance(ctx, line, len);
  return len + 2 <= MS_SMTP_CMD_LINE_MAX + more;
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
  if (r < 0 && ms_world_ehlo_on(ctx->world, "DSN")) /* ehlo_off: 555 */
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
  if (!ms_world_ehlo_on(ctx->world, "DSN")) /* ehlo_off: 555 */
    return -1;
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
