/* srv_smtp_dsn: the reference server's DSN parameters (RFC 3461).
 *
 * MAIL takes RET=FULL|HDRS and ENVID=xtext, RCPT takes NOTIFY=NEVER or a
 * list of SUCCESS, FAILURE and DELAY, and ORCPT=addr-type;xtext (§4),
 * keywords in any case (§4.1, §4.3).  A valid parameter changes no reply
 * (§5.1); an invalid value or a second RET or ENVID on one MAIL gets 501
 * (§5.1 (a)), and likewise on RCPT (§5.1 (b), §4.5).  What was asked is
 * kept with the message (store.h, ms_store_params) so that a delivery
 * agent can issue the DSNs later (§5.2, §6).  No limit on the sizes
 * beyond the command line's (§5.4: at least 100, 28, 500 and 8). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srv.h"
#include "srv_smtp.h"
#include "util.h"

/* Submission user agents SHOULD NOT make an ENVID over 38 characters
 * (§5.4); the faults make limits of that kind a server's. */
#define DSN_ENVID_SHORT 38
#define DSN_NOTIFY_SHORT 22
#define DSN_ORCPT_SHORT 100

/* ---- xtext (§4) ---------------------------------------------------- */

static int dsn_hex(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* Decode the xtext P[0..N): xchar is "!" to "~" but "+" and "=", hexchar
 * is "+" and two upper-case hex digits.  The value must be printable
 * US-ASCII (graphic and white space, §4.2, §4.4).  NULL when invalid. */
static char *dsn_xtext(const char *p, size_t n) {
  char *r = xmalloc(n + 1);
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    int c = (unsigned char)p[i];
    if (c == '+') {
      int hi = i + 2 < n ? dsn_hex(p[i + 1]) : -1;
      int lo = i + 2 < n ? dsn_hex(p[i + 2]) : -1;
      c = hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
      i += 2;
      if (c != '\t' && (c < ' ' || c > '~'))
        c = -1;
    } else if (c < '!' || c > '~' || c == '=') {
      c = -1;
    }
    if (c < 0) {
      free(r);
      return NULL;
    }
    r[o++] = (char)c;
  }
  r[o] = '\0';
  return r;
}

/* ---- MAIL: RET and ENVID (§4.3, §4.4, §5.1 (a)) --------------------- */

static bool dsn_kw(const char *p, size_t n, const char *kw, size_t *vlen) {
  size_t k = strlen(kw);
  if (n <= k || strncasecmp(p, kw, k) != 0 || p[k] != '=')
    return false;
  *vlen = n - k - 1;
  return true;
}

/* A keyword value in any case (§4.1 (b), §4.3); fault dsn-case: upper
 * case only. */
static bool dsn_word(const struct srv_ctx *ctx, const char *p, size_t n,
                     const char *word) {
  if (n != strlen(word))
    return false;
  if (ms_fault_on(&ctx->faults, MS_F_DSN_CASE))
    return strncmp(p, word, n) == 0;
  return strncasecmp(p, word, n) == 0;
}

static int dsn_501(const struct srv_smtp_fmt *f, struct ms_buf *out,
                   const char *why) {
  /* §5.1: "the server MUST issue the reply-code 501" */
  srv_smtp_reply(out, f, 501, "5.5.4", "Syntax error in parameter: %s", why);
  return 1;
}

static int dsn_555(const struct srv_smtp_fmt *f, struct ms_buf *out) {
  srv_smtp_reply(out, f, 555, "5.5.4",
                 "Parameter not recognized or not implemented");
  return 1;
}

static int dsn_ret(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                   const char *v, size_t n, const struct srv_smtp_fmt *f,
                   struct ms_buf *out) {
  bool dup = x->mail.ret != MS_DSN_RET_NONE &&
             !ms_fault_on(&ctx->faults, MS_F_DSN_ACCEPT_DUP);
  enum ms_dsn_ret r = dsn_word(ctx, v, n, "FULL")   ? MS_DSN_RET_FULL
                      : dsn_word(ctx, v, n, "HDRS") ? MS_DSN_RET_HDRS
                                                    : MS_DSN_RET_NONE;
  if (dup) /* §4.5: "MUST NOT appear more than once" */
    return dsn_501(f, out, "RET given twice");
  if (r == MS_DSN_RET_NONE &&
      !ms_fault_on(&ctx->faults, MS_F_DSN_ACCEPT_INVALID))
    return dsn_501(f, out, "RET takes FULL or HDRS");
  x->mail.ret = r == MS_DSN_RET_NONE ? MS_DSN_RET_FULL : r;
  return 0;
}

static int dsn_envid(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                     const char *v, size_t n, const struct srv_smtp_fmt *f,
                     struct ms_buf *out) {
  if (x->mail.envid && !ms_fault_on(&ctx->faults, MS_F_DSN_ACCEPT_DUP))
    return dsn_501(f, out, "ENVID given twice");
  if (ms_fault_on(&ctx->faults, MS_F_DSN_ENVID_38) &&
      n + 6 > DSN_ENVID_SHORT) /* "ENVID=" counts: §5.4's sizes */
    return dsn_501(f, out, "ENVID too long");
  char *d = n ? dsn_xtext(v, n) : NULL;
  if (!d && !ms_fault_on(&ctx->faults, MS_F_DSN_ACCEPT_INVALID))
    return dsn_501(f, out, "ENVID is not xtext");
  free(x->mail.envid);
  x->mail.envid = d ? d : xstrndup(v, n);
  return 0;
}

int srv_smtp_dsn_mail_param(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                            const char *p, size_t n,
                            const struct srv_smtp_fmt *f, struct ms_buf *out) {
  size_t vn;
  bool ret = dsn_kw(p, n, "RET", &vn),
       envid = !ret && dsn_kw(p, n, "ENVID", &vn);
  if (!ret && !envid)
    return -1;
  if (ms_fault_on(&ctx->faults, MS_F_DSN_RET_REFUSED) ||
      (ms_fault_on(&ctx->faults, MS_F_DSN_COMBO) && x->mail_size &&
       x->mail_body))
    return dsn_555(f, out);
  const char *v = p + n - vn;
  return ret ? dsn_ret(ctx, x, v, vn, f, out)
             : dsn_envid(ctx, x, v, vn, f, out);
}

/* ---- RCPT: NOTIFY and ORCPT (§4.1, §4.2, §5.1 (b)) ------------------ */

/* NOTIFY's value: "NEVER" alone, or SUCCESS, FAILURE, DELAY separated
 * by commas.  0 when invalid. */
static unsigned dsn_notify_bits(const struct srv_ctx *ctx, const char *v,
                                size_t n) {
  static const struct {
    const char *w;
    unsigned bit;
  } words[] = {{"NEVER", MS_DSN_NEVER},
               {"SUCCESS", MS_DSN_SUCCESS},
               {"FAILURE", MS_DSN_FAILURE},
               {"DELAY", MS_DSN_DELAY}};
  unsigned bits = 0;
  size_t i = 0, elems = 0;
  while (i <= n) {
    size_t e = i;
    while (e < n && v[e] != ',')
      e++;
    unsigned b = 0;
    for (size_t w = 0; w < sizeof words / sizeof words[0] && !b; w++)
      if (dsn_word(ctx, v + i, e - i, words[w].w))
        b = words[w].bit;
    if (!b)
      return 0;
    bits |= b;
    elems++;
    i = e + 1;
  }
  /* §4.1: "the NEVER keyword MUST appear by itself" */
  return (bits & MS_DSN_NEVER) && elems > 1 ? 0 : bits;
}

static int dsn_notify(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                      const char *v, size_t n, const struct srv_smtp_fmt *f,
                      struct ms_buf *out) {
  bool loose = ms_fault_on(&ctx->faults, MS_F_DSN_RCPT_INVALID);
  if (x->rcpt.notify && !loose) /* §4.5: not more than once */
    return dsn_501(f, out, "NOTIFY given twice");
  if (ms_fault_on(&ctx->faults, MS_F_DSN_NOTIFY_22) && n + 7 > DSN_NOTIFY_SHORT)
    return dsn_501(f, out, "NOTIFY too long");
  unsigned b = dsn_notify_bits(ctx, v, n);
  if (!b && !loose)
    return dsn_501(f, out, "NOTIFY takes NEVER, or SUCCESS, FAILURE, DELAY");
  x->rcpt.notify = b ? b : MS_DSN_FAILURE;
  return 0;
}

/* RFC 822's atom: no specials, space or controls. */
static bool dsn_atom(const char *p, size_t n) {
  if (!n)
    return false;
  for (size_t i = 0; i < n; i++)
    if (p[i] <= ' ' || p[i] >= 127 || strchr("()<>@,;:\\\".[]", p[i]))
      return false;
  return true;
}

static int dsn_orcpt(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                     const char *v, size_t n, const struct srv_smtp_fmt *f,
                     struct ms_buf *out) {
  bool loose = ms_fault_on(&ctx->faults, MS_F_DSN_RCPT_INVALID);
  if (x->rcpt.orcpt_type && !loose)
    return dsn_501(f, out, "ORCPT given twice");
  if (ms_fault_on(&ctx->faults, MS_F_DSN_ORCPT_100) && n + 6 > DSN_ORCPT_SHORT)
    return dsn_501(f, out, "ORCPT too long");
  /* original-recipient-address = addr-type ";" xtext */
  const char *semi = memchr(v, ';', n);
  size_t tn = semi ? (size_t)(semi - v) : n;
  char *addr = semi ? dsn_xtext(semi + 1, n - tn - 1) : NULL;
  if ((!addr || !dsn_atom(v, tn)) && !loose) {
    free(addr);
    return dsn_501(f, out, "ORCPT takes addr-type;xtext");
  }
  free(x->rcpt.orcpt_type);
  free(x->rcpt.orcpt);
  x->rcpt.orcpt_type = xstrndup(v, tn);
  x->rcpt.orcpt = addr ? addr : xstrdup("");
  return 0;
}

int srv_smtp_dsn_rcpt_param(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                            const char *p, size_t n,
                            const struct srv_smtp_fmt *f, struct ms_buf *out) {
  size_t vn;
  bool notify = dsn_kw(p, n, "NOTIFY", &vn);
  bool orcpt = !notify && dsn_kw(p, n, "ORCPT", &vn);
  if (!notify && !orcpt)
    return -1;
  if (ms_fault_on(&ctx->faults, MS_F_DSN_NOTIFY_REFUSED))
    return dsn_555(f, out);
  const char *v = p + n - vn;
  return notify ? dsn_notify(ctx, x, v, vn, f, out)
                : dsn_orcpt(ctx, x, v, vn, f, out);
}

/* ---- the EHLO keyword (§2) ----------------------------------------- */

size_t srv_smtp_dsn_keywords(const struct srv_ctx *ctx, const char **kw,
                             size_t n) {
  if (!ms_world_ehlo_on(ctx->world, "DSN")) /* a world's ehlo_off */
    return n;
  if (ms_fault_on(&ctx->faults, MS_F_DSN_KW_PARAM))
    kw[n++] = "DSN 1"; /* §2 (3): "no parameters are allowed" */
  else if (!ms_fault_on(&ctx->faults, MS_F_DSN_UNADV))
    kw[n++] = "DSN";
  return n;
}

/* RCPT lines may hold 530 more octets (§5.4); fault dsn-line-512. */
bool srv_smtp_dsn_line_ok(const struct srv_ctx *ctx, const char *line) {
  return strncasecmp(line, "RCPT", 4) != 0 ||
         !ms_fault_on(&ctx->faults, MS_F_DSN_LINE_512);
}
