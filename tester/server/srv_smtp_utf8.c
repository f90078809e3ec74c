/* srv_smtp_utf8: the reference server's SMTPUTF8 (RFC 6531).
 *
 * After EHLO a command line of MAIL, RCPT, VRFY or EXPN may carry UTF-8
 * (§3.2: "in any position in which RFC 5321 specifies that a <mailbox>
 * can appear"); MAIL's SMTPUTF8 parameter, without a value (§3.4), lets
 * the transaction use it.  Without the parameter a UTF-8 mailbox is
 * refused: 550 at MAIL, 553 at RCPT, X.6.7 (§3.5).  Replies stay ASCII
 * (§3.7.4.2) except a 251/551 inside an SMTPUTF8 transaction (§3.7.4.1,
 * which otherwise become 250/550) and the reply to VRFY ... SMTPUTF8,
 * for that command only (§3.7.4.2: else 252 or 550, X.6.8). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "escape.h"
#include "srv.h"
#include "srv_smtp.h"
#include "util.h"

#define UTF8_PARAM "SMTPUTF8"

/* ---- UTF-8 (RFC 3629 §4) ------------------------------------------- */

bool srv_smtp_utf8_valid(const char *s, size_t n) {
  size_t k;
  for (size_t i = 0; i < n; i += k)
    if (ms_utf8_decode((const unsigned char *)s + i, n - i, &k) < 0)
      return false;
  return true;
}

bool srv_smtp_utf8_ascii(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 0x80)
      return false;
  return true;
}

static bool utf8_ascii_str(const char *s) {
  return !s || srv_smtp_utf8_ascii(s, strlen(s));
}

/* ---- command lines ------------------------------------------------- */

bool srv_smtp_utf8_line_ok(const struct srv_ctx *ctx, bool ehlo,
                           const char *line, size_t len) {
  static const char *const verbs[] = {"MAIL ", "RCPT ", "VRFY ", "EXPN "};
  if (!ehlo || ctx->profile != MS_PROFILE_RFC5321 || len < 5)
    return false;
  bool verb = false;
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    verb = verb || strncasecmp(line, verbs[i], 5) == 0;
  for (size_t i = 0; verb && i < len; i++) {
    unsigned char ch = (unsigned char)line[i];
    if (ch < ' ' || ch == 127) /* controls stay unrecognizable (500) */
      return false;
  }
  return verb && srv_smtp_utf8_valid(line, len);
}

unsigned srv_smtp_utf8_path_flags(const struct srv_ctx *ctx, bool ehlo) {
  return ehlo && ctx->profile == MS_PROFILE_RFC5321 ? SRV_PATH_UTF8 : 0;
}

/* ---- MAIL and RCPT (§3.4, §3.5) ------------------------------------ */

/* MAIL's SMTPUTF8 parameter: 0 taken, 1 refused, -1 not SMTPUTF8. */
int srv_smtp_utf8_mail_param(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                             const char *p, size_t n,
                             const struct srv_smtp_fmt *f, struct ms_buf *out) {
  size_t k = strlen(UTF8_PARAM);
  if (n < k || strncasecmp(p, UTF8_PARAM, k) != 0 || (n > k && p[k] != '='))
    return -1;
  if (n > k && !ms_fault_on(&ctx->faults, MS_F_UTF8_VALUE_OK)) {
    /* §3.4: "If this parameter is provided, it MUST not accept a value" */
    srv_smtp_reply(out, f, 501, "5.5.4",
                   "Syntax error: SMTPUTF8 takes no value");
    return 1;
  }
  x->mail.smtputf8 = true;
  return 0;
}

bool srv_smtp_ext_mail_check(const struct srv_ctx *ctx,
                             const struct srv_smtp_ext *x,
                             const struct srv_smtp_path *path,
                             const struct srv_smtp_fmt *f, struct ms_buf *out) {
  if (x->mail.smtputf8 || utf8_ascii_str(path->mailbox))
    return false;
  /* §3.5: "the reply-code 550 is returned", X.6.7; fault
   * utf8-mail-no-param-553 uses RCPT's code */
  bool esc = !ms_fault_on(&ctx->faults, MS_F_UTF8_NOPARAM_ESC);
  int code = ms_fault_on(&ctx->faults, MS_F_UTF8_MAIL_NOPARAM) ? 553 : 550;
  srv_smtp_reply(out, f, code, esc ? "5.6.7" : "5.1.7",
                 "Non-ASCII addresses need MAIL FROM:<...> SMTPUTF8");
  return true;
}

bool srv_smtp_ext_rcpt_check(const struct srv_ctx *ctx,
                             const struct srv_smtp_ext *x,
                             const struct srv_smtp_path *path,
                             const struct srv_smtp_fmt *f, struct ms_buf *out) {
  if (utf8_ascii_str(path->mailbox))
    return false;
  if (x->txn.smtputf8 && ms_fault_on(&ctx->faults, MS_F_UTF8_RCPT_REFUSED)) {
    srv_smtp_reply(out, f, 553, "5.6.7", "Non-ASCII addresses not permitted");
    return true;
  }
  if (x->txn.smtputf8)
    return false;
  /* §3.5: "the reply-code 553 is returned", X.6.7; fault
   * utf8-rcpt-no-param-550 uses MAIL's code */
  bool esc = !ms_fault_on(&ctx->faults, MS_F_UTF8_NOPARAM_ESC);
  int code = ms_fault_on(&ctx->faults, MS_F_UTF8_RCPT_NOPARAM) ? 550 : 553;
  srv_smtp_reply(out, f, code, esc ? "5.6.7" : "5.1.3",
                 "Non-ASCII addresses need MAIL FROM:<...> SMTPUTF8");
  return true;
}

/* Fault utf8-echo: the 250 to MAIL ... SMTPUTF8 names the mailbox. */
bool srv_smtp_utf8_mail_ok(const struct srv_ctx *ctx,
                           const struct srv_smtp_ext *x,
                           const struct srv_smtp_path *path,
                           const struct srv_smtp_fmt *f, struct ms_buf *out) {
  if (!x->txn.smtputf8 || utf8_ascii_str(path->mailbox) ||
      !ms_fault_on(&ctx->faults, MS_F_UTF8_ECHO))
    return false;
  srv_smtp_reply(out, f, 250, "2.1.0", "<%s> sender OK", path->mailbox);
  return true;
}

bool srv_smtp_utf8_forward(const struct srv_ctx *ctx,
                           const struct srv_smtp_ext *x,
                           const struct srv_smtp_rcpt *r,
                           const struct srv_smtp_fmt *f, struct ms_buf *out,
                           bool *accepted) {
  bool fwd = r->v == SRV_RCPT_FORWARD;
  if ((!fwd && r->v != SRV_RCPT_TRY) || x->txn.smtputf8 ||
      utf8_ascii_str(r->forward) ||
      ms_fault_on(&ctx->faults, MS_F_UTF8_FWD_RAW))
    return false;
  /* §3.7.4.1: "it MUST transform such responses into 250 or 550
   * responses that do not contain non-ASCII addresses" */
  int code = fwd ? 250 : 550;
  if (ms_fault_on(&ctx->faults, MS_F_UTF8_FWD_CODE))
    code = fwd ? 251 : 551;
  srv_smtp_reply(out, f, code, fwd ? "2.1.5" : "5.1.6",
                 fwd ? "User not local; will forward"
                     : "User not local; the new address needs SMTPUTF8");
  *accepted = fwd;
  return true;
}

/* ---- VRFY (§3.7.4.2) ----------------------------------------------- */

char *srv_smtp_utf8_vrfy_arg(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                             bool ehlo, const char *arg) {
  size_t n = strlen(arg), k = strlen(" " UTF8_PARAM);
  bool param = ehlo && ctx->profile == MS_PROFILE_RFC5321 && n > k &&
               strcasecmp(arg + n - k, " " UTF8_PARAM) == 0;
  x->vrfy_utf8 = param || (x->vrfy_utf8_once &&
                           ms_fault_on(&ctx->faults, MS_F_VRFY_UTF8_STICKY));
  if (!param)
    return xstrdup(arg);
  n -= k;
  while (n && arg[n - 1] == ' ')
    n--;
  return xstrndup(arg, n);
}

/* Fault vrfy-utf8-latin1: each two-octet sequence (U+0080..U+07FF)
 * below U+0100 as its ISO 8859-1 octet. */
static char *utf8_latin1(const char *s) {
  char *r = xstrdup(s), *o = r;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((p[0] == 0xC2 || p[0] == 0xC3) && (p[1] & 0xC0) == 0x80) {
      *o++ = (char)(((p[0] & 0x03) << 6) | (p[1] & 0x3F));
      p++;
    } else {
      *o++ = (char)*p;
    }
  }
  *o = '\0';
  return r;
}

/* A UTF-8 250 as the faults spoil it: the name alone, or the mailbox
 * before the name ("Name <mailbox>" in, RFC 5321 §3.5.1's form). */
static bool utf8_vrfy_spoilt(const struct srv_ctx *ctx, const char *text,
                             const struct srv_smtp_fmt *f, struct ms_buf *out) {
  const char *lt = strrchr(text, '<');
  bool named = lt && lt > text;
  int nlen = named ? (int)(lt - text - 1) : 0;
  if (ms_fault_on(&ctx->faults, MS_F_VRFY_UTF8_LATIN1)) {
    char *l = utf8_latin1(text);
    srv_smtp_reply(out, f, 250, "2.1.5", "%s", l);
    free(l);
  } else if (named && ms_fault_on(&ctx->faults, MS_F_VRFY_UTF8_NOMBOX)) {
    srv_smtp_reply(out, f, 250, "2.1.5", "%.*s", nlen, text);
  } else if (named && ms_fault_on(&ctx->faults, MS_F_VRFY_UTF8_FORM)) {
    srv_smtp_reply(out, f, 250, "2.1.5", "%s %.*s", lt, nlen, text);
  } else {
    return false;
  }
  return true;
}

bool srv_smtp_utf8_vrfy_reply(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                              int code, const char *text,
                              const struct srv_smtp_fmt *f,
                              struct ms_buf *out) {
  if (utf8_ascii_str(text))
    return false;
  if (x->vrfy_utf8) { /* VRFY ... SMTPUTF8: a UTF-8 reply is allowed */
    x->vrfy_utf8_once = true;
    return code == 250 && utf8_vrfy_spoilt(ctx, text, f, out);
  }
  if (ms_fault_on(&ctx->faults, MS_F_VRFY_UTF8_UNASKED))
    return false;
  if (ms_fault_on(&ctx->faults, MS_F_VRFY_UTF8_553)) {
    srv_smtp_reply(out, f, 553, "5.1.3", "Mailbox name not allowed");
    return true;
  }
  /* §3.7.4.2: "MUST use either the reply-code 252 or 550", with
   * "X.6.8" under enhanced status codes */
  bool esc = !ms_fault_on(&ctx->faults, MS_F_VRFY_UTF8_ESC);
  if (code == 551)
    srv_smtp_reply(out, f, 550, "5.6.8",
                   "User not local; the reply needs UTF-8: use VRFY ... "
                   "SMTPUTF8");
  else
    srv_smtp_reply(out, f, 252, esc ? "2.6.8" : "2.1.5",
                   "Cannot VRFY user: the reply needs UTF-8 (VRFY ... "
                   "SMTPUTF8), but will accept message and attempt delivery");
  return true;
}

/* ---- EHLO (§3.1, §3.7.1) ------------------------------------------- */

size_t srv_smtp_utf8_keywords(const struct srv_ctx *ctx, const char **kw,
                              size_t n) {
  if (ms_fault_on(&ctx->faults, MS_F_UTF8_NO_8BITMIME)) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
      if (strcmp(kw[i], "8BITMIME") != 0)
        kw[o++] = kw[i];
    n = o;
  }
  if (ms_fault_on(&ctx->faults, MS_F_EHLO_UTF8_DOMAIN) && n)
    kw[0] = "b\xc3\xbc"
            "cher.example greets you"; /* a U-label, not xn--bcher-kva */
  if (ms_fault_on(&ctx->faults, MS_F_UTF8_PARAM))
    kw[n++] = "SMTPUTF8 1";
  else if (!ms_fault_on(&ctx->faults, MS_F_UTF8_UNADV))
    kw[n++] = "SMTPUTF8";
  return n;
}
