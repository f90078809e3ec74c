/* srv_auth: STARTTLS/STLS and SASL AUTH of the reference server (see
 * srv_auth.h).  The SASL mechanisms are shared by SMTP and POP3; only the
 * framing differs (SMTP "334 challenge" / 235 / 535, POP3 "+ challenge" /
 * +OK / -ERR). */
#include "srv_auth.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "srv_saslprep.h"
#include "util.h"
#include "world.h"

/* RFC 4954 §4: a server must take AUTH lines of 12288 octets; ours are
 * bounded by the connection's line cap (server_conn.h) below that. */
#define AUTH_LINE_MAX 12288
#define AUTH_DECODED_MAX 4096

/* ---- base64 (RFC 4648 §4), strict: no line breaks, padding at the end */

static const char auth_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *auth_b64_encode(const unsigned char *p, size_t n) {
  char *r = xmalloc(4 * ((n + 2) / 3) + 1), *o = r;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    *o++ = auth_b64[v >> 18 & 63];
    *o++ = auth_b64[v >> 12 & 63];
    *o++ = i + 1 < n ? auth_b64[v >> 6 & 63] : '=';
    *o++ = i + 2 < n ? auth_b64[v & 63] : '=';
  }
  *o = '\0';
  return r;
}

static int auth_b64_val(char c) {
  const char *p = c ? strchr(auth_b64, c) : NULL;
  return p ? (int)(p - auth_b64) : -1;
}

/* Decodes S (LEN octets) into a NUL-terminated buffer; NULL when it is
 * not base64.  *N gets the decoded length (NULs may be inside). */
static unsigned char *auth_b64_decode(const char *s, size_t len, size_t *n) {
  if (len % 4 || len / 4 * 3 > AUTH_DECODED_MAX)
    return NULL;
  unsigned char *r = xmalloc(len / 4 * 3 + 1);
  size_t o = 0;
  for (size_t i = 0; i < len; i += 4) {
    int v[4];
    for (int k = 0; k < 4; k++)
      v[k] = auth_b64_val(s[i + k]);
    bool last = i + 4 == len;
    int pad = last && s[i + 3] == '=' ? (s[i + 2] == '=' ? 2 : 1) : 0;
    if (v[0] < 0 || v[1] < 0 || (pad < 2 && v[2] < 0) ||
        (pad < 1 && v[3] < 0)) {
      free(r);
      return NULL;
    }
    unsigned w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 |
                 (unsigned)(pad < 2 ? v[2] : 0) << 6 |
                 (unsigned)(pad < 1 ? v[3] : 0);
    r[o++] = (unsigned char)(w >> 16);
    if (pad < 2)
      r[o++] = (unsigned char)(w >> 8);
    if (pad < 1)
      r[o++] = (unsigned char)w;
  }
  r[o] = '\0';
  *n = o;
  return r;
}

/* ---- credentials ----------------------------------------------------- */

static bool auth_streq_ct(const char *a, const char *b) {
  size_t n = strlen(a);
  return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

/* The password of USER: SMTP world users (a bare name or name@domain),
 * or POP3 maildrops.  *WHO gets the canonical name. */
static const char *auth_password(const struct ms_world *w, bool pop3,
                                 const char *user, const char **who) {
  *who = user;
  if (pop3) {
    const struct ms_world_maildrop *d = ms_world_find_maildrop(w, user);
    if (d)
      *who = d->user;
    return d ? d->pass : NULL;
  }
  const struct ms_world_user *u = ms_world_find_user(w, user);
  return u ? u->password : NULL;
}

/* POP3 names as RFC 5034 §4 recommends: "SHOULD use the SASLprep
 * profile" (its mapping step: srv_saslprep.c), unless the fault
 * pop3-saslprep-no-map is on (5034-4-22).  NAME itself otherwise. */
static const char *auth_prep(const struct srv_auth *a,
                             const struct srv_ctx *ctx, const char *name,
                             char *buf, size_t cap) {
  if (!a->pop3 || ms_fault_on(&ctx->faults, MS_F_SASLPREP_NO_MAP) ||
      !srv_saslprep_map(name, buf, cap))
    return name;
  return buf;
}

static bool auth_check(struct srv_auth *a, const struct srv_ctx *ctx,
                       const char *user, const char *pass) {
  char prep[256];
  user = auth_prep(a, ctx, user, prep, sizeof prep);
  const char *who;
  const char *want = auth_password(ctx->world, a->pop3, user, &who);
  bool any = ms_fault_on(&ctx->faults, MS_F_AUTH_ANY_PASS); /* the fault */
  if (!want || !*user || (!any && !auth_streq_ct(want, pass)))
    return false;
  free(a->user);
  a->user = xstrdup(who);
  return true;
}

/* May CID act as ZID?  Only as itself.  POP3 faults: plain-ignore-authzid
 * (RFC 2595 §6, 2595-6-4) and pop3-no-saslprep, which drops control
 * characters instead of failing the preparation (RFC 5034 §4, 5034-4-23). */
static bool auth_zid_ok(const struct srv_auth *a, const struct srv_ctx *ctx,
                        const char *zid, const char *cid) {
  char zbuf[256], cbuf[256];
  zid = auth_prep(a, ctx, zid, zbuf, sizeof zbuf);
  cid = auth_prep(a, ctx, cid, cbuf, sizeof cbuf);
  if (a->pop3 && ms_fault_on(&ctx->faults, MS_F_PLAIN_IGNORE_AUTHZID))
    return true;
  if (!a->pop3 || !ms_fault_on(&ctx->faults, MS_F_POP3_NO_SASLPREP))
    return strcmp(zid, cid) == 0;
  char kept[256];
  size_t k = 0;
  for (; *zid && k + 1 < sizeof kept; zid++)
    if ((unsigned char)*zid >= 0x20 && *zid != 0x7f)
      kept[k++] = *zid;
  kept[k] = '\0';
  return strcmp(kept, cid) == 0;
}

/* RFC 4616 §2: [authzid] NUL authcid NUL passwd.  An authzid other than
 * the authcid itself asks to act as someone else: refused. */
static bool auth_plain(struct srv_auth *a, const struct srv_ctx *ctx,
                       const unsigned char *m, size_t n) {
  const char *zid = (const char *)m;
  size_t zl = strnlen(zid, n);
  if (zl == n)
    return false;
  const char *cid = zid + zl + 1;
  size_t cl = strnlen(cid, n - zl - 1);
  if (zl + 1 + cl == n)
    return false;
  const char *pw = cid + cl + 1;
  if (strnlen(pw, n - zl - cl - 2) != n - zl - cl - 2)
    return false; /* a third NUL */
  if (zl && !auth_zid_ok(a, ctx, zid, cid))
    return false;
  return auth_check(a, ctx, cid, pw);
}

/* RFC 2195: "user SP hex(HMAC-MD5(password, challenge))". */
static bool auth_cram(struct srv_auth *a, const struct srv_ctx *ctx,
                      const char *m) {
  const char *sp = strrchr(m, ' ');
  if (!sp || strlen(sp + 1) != 32)
    return false;
  char *user = xstrndup(m, (size_t)(sp - m));
  const char *who;
  const char *pw = auth_password(ctx->world, a->pop3, user, &who);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;
  bool ok = false;
  if (pw &&
      HMAC(EVP_md5(), pw, (int)strlen(pw), (const unsigned char *)a->challenge,
           strlen(a->challenge), md, &mdlen)) {
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned i = 0; i < mdlen; i++)
      snprintf(hex + 2 * i, 3, "%02x", md[i]);
    ok = mdlen == 16 && (strcasecmp(hex, sp + 1) == 0 ||
                         ms_fault_on(&ctx->faults, MS_F_AUTH_ANY_PASS));
  }
  if (ok) {
    free(a->user);
    a->user = xstrdup(who);
  }
  free(user);
  return ok;
}

/* ---- the SASL exchange, independent of the protocol ------------------ */

enum sasl_r {
  SASL_CHALLENGE, /* CH holds the next challenge (base64, may be "") */
  SASL_OK,
  SASL_FAIL,    /* bad credentials */
  SASL_BAD_B64, /* the response is not base64 */
  SASL_CANCEL   /* "*" */
};

static void auth_end(struct srv_auth *a) {
  a->mech = SRV_MECH_NONE;
  free(a->login_user);
  a->login_user = NULL;
  a->challenge[0] = '\0';
}

/* RFC 2195 §2: a msg-id-like string, unique per exchange. */
static void auth_make_challenge(struct srv_auth *a, const struct srv_ctx *ctx) {
  static atomic_ulong seq;
  const char *h =
      ctx->world && ctx->world->hostname ? ctx->world->hostname : "localhost";
  snprintf(a->challenge, sizeof a->challenge, "<%ld.%lu.%llu@%.100s>",
           (long)getpid(), atomic_fetch_add(&seq, 1),
           (unsigned long long)(ms_wallclock() * 1e3), h);
}

static char *auth_b64_str(const char *s) {
  return auth_b64_encode((const unsigned char *)s, strlen(s));
}

/* The first challenge of MECH, or the result of its initial response. */
static enum sasl_r sasl_begin(struct srv_auth *a, const struct srv_ctx *ctx,
                              enum srv_auth_mech mech, char **ch);

/* One client response (base64 text LINE) to the running exchange. */
static enum sasl_r sasl_step(struct srv_auth *a, const struct srv_ctx *ctx,
                             const char *line, size_t len, char **ch) {
  *ch = NULL;
  if (len == 1 && line[0] == '*') /* RFC 4954 §4, RFC 5034 §4 */
    return SASL_CANCEL;
  size_t n = 0;
  unsigned char *m = auth_b64_decode(line, len, &n);
  if (!m)
    return SASL_BAD_B64;
  enum sasl_r r = SASL_FAIL;
  switch (a->mech) {
  case SRV_MECH_PLAIN:
    r = auth_plain(a, ctx, m, n) ? SASL_OK : SASL_FAIL;
    break;
  case SRV_MECH_LOGIN:
    if (!a->login_user) {
      a->login_user = xmemdup(m, strnlen((char *)m, n));
      *ch = auth_b64_str("Password:");
      r = SASL_CHALLENGE;
    } else {
      r = strlen((char *)m) == n && auth_check(a, ctx, a->login_user, (char *)m)
              ? SASL_OK
              : SASL_FAIL;
    }
    break;
  case SRV_MECH_CRAM_MD5:
    r = strlen((char *)m) == n && auth_cram(a, ctx, (char *)m) ? SASL_OK
                                                               : SASL_FAIL;
    break;
  default:
    break;
  }
  free(m);
  return r;
}

static enum sasl_r sasl_begin(struct srv_auth *a, const struct srv_ctx *ctx,
                              enum srv_auth_mech mech, char **ch) {
  auth_end(a);
  a->mech = mech;
  switch (mech) {
  case SRV_MECH_LOGIN:
    *ch = auth_b64_str("Username:");
    break;
  case SRV_MECH_CRAM_MD5:
    auth_make_challenge(a, ctx);
    *ch = auth_b64_str(a->challenge);
    break;
  default:
    *ch = xstrdup(""); /* PLAIN: an empty challenge, "334 " */
    break;
  }
  return SASL_CHALLENGE;
}

static enum srv_auth_mech auth_mech(const char *name, size_t n) {
  if (n == 5 && strncasecmp(name, "PLAIN", 5) == 0)
    return SRV_MECH_PLAIN;
  if (n == 5 && strncasecmp(name, "LOGIN", 5) == 0)
    return SRV_MECH_LOGIN;
  if (n == 8 && strncasecmp(name, "CRAM-MD5", 8) == 0)
    return SRV_MECH_CRAM_MD5;
  return SRV_MECH_NONE;
}

/* Start MECH with an optional initial response IR (RFC 4954 §4: "="
 * is an empty one).  CRAM-MD5 takes none: the server speaks first. */
static enum sasl_r sasl_start(struct srv_auth *a, const struct srv_ctx *ctx,
                              enum srv_auth_mech mech, const char *ir,
                              char **ch) {
  enum sasl_r r = sasl_begin(a, ctx, mech, ch);
  if (!ir)
    return r;
  free(*ch);
  *ch = NULL;
  if (mech == SRV_MECH_CRAM_MD5)
    return SASL_BAD_B64;
  if (!strcmp(ir, "="))
    ir = "";
  return sasl_step(a, ctx, ir, strlen(ir), ch);
}

/* ---- common ---------------------------------------------------------- */

void srv_auth_init(struct srv_auth *a, const struct srv_ctx *ctx, bool pop3) {
  memset(a, 0, sizeof *a);
  a->pop3 = pop3;
  a->tls = ctx->tls && ctx->tls_implicit;
}

void srv_auth_free(struct srv_auth *a) {
  auth_end(a);
  free(a->user);
  a->user = NULL;
}

bool srv_auth_busy(const struct srv_auth *a) {
  return a->mech != SRV_MECH_NONE;
}

bool srv_auth_need_tls(const struct srv_ctx *ctx) {
  return ctx->auth_need_tls ||
         (ctx->world && ctx->world->require_tls_for_auth) ||
         ms_fault_on(&ctx->faults, MS_F_AUTH_BEFORE_TLS);
}

/* After STARTTLS/STLS: RFC 3207 §4.2 and RFC 2595 §4 -- nothing learnt
 * in plaintext counts any more, an earlier AUTH included. */
static void auth_tls_on(struct srv_auth *a) {
  auth_end(a);
  a->tls = true;
  a->done = false;
  free(a->user);
  a->user = NULL;
}

/* ---- SMTP ------------------------------------------------------------ */

size_t srv_auth_smtp_keywords(const struct srv_ctx *ctx,
                              const struct srv_auth *a, const char **kw) {
  size_t n = 0;
  if (ctx->tls && !a->tls) /* RFC 3207 §4.2: not after TLS */
    kw[n++] = "STARTTLS";
  if (!ctx->auth)
    return n;
  if (a->tls || !srv_auth_need_tls(ctx))
    kw[n++] = "AUTH PLAIN LOGIN CRAM-MD5";
  else if (ms_fault_on(&ctx->faults, MS_F_AUTH_BEFORE_TLS))
    kw[n++] = "AUTH PLAIN"; /* the fault: offered, then refused (538) */
  return n;
}

static bool auth_verb_in(const char *verb, const char *const *list) {
  for (; *list; list++)
    if (ms_streq_ci(verb, *list))
      return true;
  return false;
}

bool srv_auth_smtp_gate(const struct srv_ctx *ctx, const struct srv_auth *a,
                        const char *verb, const struct srv_smtp_fmt *f,
                        struct ms_buf *out) {
  const struct ms_world *w = ctx->world;
  /* RFC 3207 §4: "530 Must issue a STARTTLS command first" for any
   * command other than NOOP, EHLO, STARTTLS, or QUIT. */
  static const char *const before_tls[] = {"NOOP", "EHLO", "STARTTLS", "QUIT",
                                           NULL};
  if (w && w->require_tls && ctx->tls && !a->tls &&
      !auth_verb_in(verb, before_tls)) {
    srv_smtp_reply(out, f, 530, "5.7.0", "Must issue a STARTTLS command first");
    return true;
  }
  /* RFC 4954 §6: 530 for any command other than AUTH, EHLO, HELO, NOOP,
   * RSET, or QUIT while authentication is required and not in force. */
  static const char *const before_auth[] = {"AUTH", "EHLO", "HELO",     "NOOP",
                                            "RSET", "QUIT", "STARTTLS", NULL};
  if (w && w->require_auth && ctx->auth && !a->done &&
      !auth_verb_in(verb, before_auth)) {
    srv_smtp_reply(out, f, 530, "5.7.0", "Authentication required");
    return true;
  }
  return false;
}

/* RFC 3207 §4 lists 220, 501 and 454 only: STARTTLS inside a mail
 * transaction is accepted, and the reset after TLS ends the transaction. */
enum srv_action srv_auth_smtp_starttls(const struct srv_ctx *ctx,
                                       struct srv_auth *a, const char *arg,
                                       const struct srv_smtp_fmt *f,
                                       struct ms_buf *out) {
  if (!ctx->tls) {
    srv_smtp_reply(out, f, 502, "5.5.1", "Command not implemented");
  } else if (*arg) { /* RFC 3207 §4: STARTTLS takes no parameters */
    srv_smtp_reply(out, f, 501, "5.5.4",
                   "Syntax error (no parameters allowed)");
  } else if (a->tls) {
    srv_smtp_reply(out, f, 503, "5.5.1", "TLS already active");
  } else {
    srv_smtp_reply(out, f, 220, "2.0.0", "Ready to start TLS");
    auth_tls_on(a);
    return SRV_STARTTLS;
  }
  return SRV_CONTINUE;
}

/* Replies for the end of an SMTP exchange (RFC 4954 §4, §6). */
static void auth_smtp_result(struct srv_auth *a, enum sasl_r r, char *ch,
                             const struct srv_smtp_fmt *f, struct ms_buf *out) {
  switch (r) {
  case SASL_CHALLENGE:
    srv_smtp_reply(out, f, 334, NULL, "%s", ch ? ch : "");
    free(ch);
    return;
  case SASL_OK:
    a->done = true;
    srv_smtp_reply(out, f, 235, "2.7.0", "Authentication successful");
    break;
  case SASL_FAIL:
    srv_smtp_reply(out, f, 535, "5.7.8", "Authentication credentials invalid");
    break;
  case SASL_BAD_B64:
    srv_smtp_reply(out, f, 501, "5.5.2",
                   "Cannot decode the response "
                   "(base64)");
    break;
  case SASL_CANCEL:
    srv_smtp_reply(out, f, 501, "5.7.0", "Authentication cancelled");
    break;
  }
  free(ch);
  auth_end(a);
}

void srv_auth_smtp_auth(const struct srv_ctx *ctx, struct srv_auth *a,
                        const char *arg, bool ehlo, bool in_txn,
                        const struct srv_smtp_fmt *f, struct ms_buf *out) {
  size_t mlen = strcspn(arg, " ");
  const char *ir = arg + mlen;
  ir += strspn(ir, " ");
  enum srv_auth_mech mech = auth_mech(arg, mlen);
  if (!ctx->auth)
    srv_smtp_reply(out, f, 502, "5.5.1", "Command not implemented");
  else if (!ehlo) /* an extension: only after EHLO announced it */
    srv_smtp_reply(out, f, 503, "5.5.1", "Send EHLO first");
  else if (a->done) /* RFC 4954 §4 */
    srv_smtp_reply(out, f, 503, "5.5.1", "Already authenticated");
  else if (in_txn) /* RFC 4954 §4 */
    srv_smtp_reply(out, f, 503, "5.5.1",
                   "AUTH not permitted during a mail transaction");
  else if (!mlen || strchr(ir, ' '))
    srv_smtp_reply(out, f, 501, "5.5.4",
                   "Syntax: AUTH mechanism "
                   "[initial-response]");
  else if (!mech)
    srv_smtp_reply(out, f, 504, "5.5.4", "Unrecognized authentication type");
  else if (srv_auth_need_tls(ctx) && !a->tls)
    srv_smtp_reply(out, f, 538, "5.7.11",
                   "Encryption required for requested authentication "
                   "mechanism");
  else {
    char *ch = NULL;
    enum sasl_r r = sasl_start(a, ctx, mech, *ir ? ir : NULL, &ch);
    auth_smtp_result(a, r, ch, f, out);
  }
}

void srv_auth_smtp_line(const struct srv_ctx *ctx, struct srv_auth *a,
                        const char *line, size_t len,
                        const struct srv_smtp_fmt *f, struct ms_buf *out) {
  char *ch = NULL;
  enum sasl_r r = sasl_step(a, ctx, line, len, &ch);
  auth_smtp_result(a, r, ch, f, out);
}

/* RFC 4954 §5: AUTH=<mailbox> or AUTH=<> in xtext. */
bool srv_auth_smtp_mail_param(const struct srv_ctx *ctx, const char *p,
                              size_t n) {
  if (!ctx->auth || n < 6 || strncasecmp(p, "AUTH=", 5) != 0)
    return false;
  for (size_t i = 5; i < n; i++)
    if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 127 || p[i] == '=')
      return false;
  return true;
}

bool srv_auth_smtp_long_ok(const struct srv_auth *a, const char *line,
                           size_t len) {
  if (len + 2 > AUTH_LINE_MAX)
    return false;
  return srv_auth_busy(a) || (len > 5 && strncasecmp(line, "AUTH ", 5) == 0);
}

/* ---- the live view ----------------------------------------------------- */

const char *srv_auth_live_text(const char *line, size_t *len,
                               bool after_challenge, char *buf, size_t cap) {
  size_t n = *len;
  if (after_challenge && !(n == 1 && line[0] == '*')) {
    *len = (size_t)snprintf(buf, cap, "<redacted>");
    return buf;
  }
  if (n < 5 || strncasecmp(line, "AUTH ", 5) != 0)
    return line;
  size_t m = 5 + strspn(line + 5, " ");
  m += strcspn(line + m, " "); /* the mechanism */
  if (m >= n || m > 64)
    return line; /* no initial response */
  *len = (size_t)snprintf(buf, cap, "%.*s <redacted>", (int)m, line);
  return buf;
}

bool srv_auth_is_challenge(const char *reply, size_t n) {
  return (n >= 4 && memcmp(reply, "334 ", 4) == 0) ||
         (n >= 2 && reply[0] == '+' && reply[1] == ' ');
}

/* ---- POP3 ------------------------------------------------------------ */

bool srv_auth_pop3_user_ok(const struct srv_ctx *ctx,
                           const struct srv_auth *a) {
  return a->tls || !srv_auth_need_tls(ctx);
}

static bool pop3_fault_on(const struct srv_ctx *ctx, enum ms_fault f) {
  return ms_fault_on(&ctx->faults, f);
}

void srv_auth_pop3_capa(const struct srv_ctx *ctx, const struct srv_auth *a,
                        bool authorization, struct ms_buf *out) {
  /* RFC 2595 §4: "STLS" means the command is "present and permitted in
   * the current state" -- AUTHORIZATION, before TLS (§8: "Announced
   * states/Valid states: AUTHORIZATION state only"). */
  bool stls = ctx->tls && !a->tls && authorization;
  if (pop3_fault_on(ctx, MS_F_STLS_LISTED_ALWAYS)) /* 2595-4-3, 2595-8-2 */
    stls = ctx->tls != NULL;
  if (pop3_fault_on(ctx, MS_F_STLS_UNLISTED)) /* 2595-4-1 */
    stls = false;
  if (stls)
    ms_buf_addstr(out, "STLS\r\n");
  /* RFC 5034 §3: in both states, after AUTH too; "a space-separated list"
   * (not under sasl-list-commas, 5034-3-2). */
  if (ctx->auth && (srv_auth_pop3_user_ok(ctx, a) ||
                    pop3_fault_on(ctx, MS_F_AUTH_BEFORE_TLS)))
    ms_buf_addstr(out, pop3_fault_on(ctx, MS_F_SASL_LIST_COMMAS)
                           ? "SASL PLAIN,LOGIN,CRAM-MD5\r\n"
                           : "SASL PLAIN LOGIN CRAM-MD5\r\n");
}

bool srv_auth_pop3_gate(const struct srv_ctx *ctx, const struct srv_auth *a,
                        const char *verb, struct ms_buf *out) {
  static const char *const auth_verbs[] = {"USER", "PASS", "APOP", "AUTH",
                                           NULL};
  static const char *const user_pass[] = {"USER", "PASS", NULL};
  /* stls-leaves-authorization: no login after STLS (RFC 2595 §4, "the
   * server remains in AUTHORIZATION state", 2595-4-8). */
  if (a->tls && !ctx->tls_implicit &&
      pop3_fault_on(ctx, MS_F_STLS_LEAVES_AUTH) &&
      auth_verb_in(verb, auth_verbs)) {
    ms_buf_addstr(out, "-ERR not in the AUTHORIZATION state\r\n");
    return true;
  }
  if (srv_auth_pop3_user_ok(ctx, a) || !auth_verb_in(verb, auth_verbs))
    return false;
  /* sasl-before-tls: AUTH taken anyway (2595-6-2, 5034-4-33). */
  if (pop3_fault_on(ctx, MS_F_SASL_BEFORE_TLS) && ms_streq_ci(verb, "AUTH"))
    return false;
  /* user-pass-before-tls: the clear-text login is taken anyway (RFC 2595
   * §2.3, 2595-2.3-1), though CAPA does not list USER. */
  if (pop3_fault_on(ctx, MS_F_USER_PASS_BEFORE_TLS) &&
      auth_verb_in(verb, user_pass))
    return false;
  ms_buf_addstr(out, "-ERR authentication requires TLS: use STLS first\r\n");
  return true;
}

enum srv_action srv_auth_pop3_stls(const struct srv_ctx *ctx,
                                   struct srv_auth *a, struct ms_buf *out) {
  if (!ctx->tls) {
    ms_buf_addstr(out, "-ERR STLS not available\r\n");
    return SRV_CONTINUE;
  }
  if (a->tls) { /* RFC 2595 §4's own wording */
    ms_buf_addstr(out, "-ERR Command not permitted when TLS active\r\n");
    return SRV_CONTINUE;
  }
  if (pop3_fault_on(ctx, MS_F_STLS_BROKEN)) { /* 2595-4-2 */
    ms_buf_addstr(out, "-ERR STLS is not available\r\n");
    return SRV_CONTINUE;
  }
  ms_buf_addstr(out, "+OK Begin TLS negotiation\r\n");
  /* RFC 2595 §4: "A TLS negotiation begins immediately after the CRLF at
   * the end of the +OK response" (2595-4-5). */
  if (pop3_fault_on(ctx, MS_F_STLS_PLAINTEXT))
    ms_buf_addstr(out, "+OK go ahead\r\n");
  auth_tls_on(a);
  return SRV_STARTTLS;
}

/* "+ challenge": RFC 5034 §4, nothing but the base64 ("+ " alone for an
 * empty one).  The faults add text (5034-4-7, 5034-4-10). */
static void auth_pop3_challenge(const struct srv_ctx *ctx, const char *ch,
                                struct ms_buf *out) {
  if (!*ch && pop3_fault_on(ctx, MS_F_POP3_EMPTY_CONT_TEXT))
    ms_buf_addstr(out, "+ go ahead\r\n");
  else if (*ch && pop3_fault_on(ctx, MS_F_POP3_CONT_TEXT))
    ms_buf_addf(out, "+ %s (continue)\r\n", ch);
  else
    ms_buf_addf(out, "+ %s\r\n", ch);
}

static const char *auth_pop3_result(const struct srv_ctx *ctx,
                                    struct srv_auth *a, enum sasl_r r, char *ch,
                                    struct ms_buf *out) {
  const char *user = NULL;
  switch (r) {
  case SASL_CHALLENGE: /* RFC 5034 §4: "+" SP base64 */
    auth_pop3_challenge(ctx, ch ? ch : "", out);
    free(ch);
    return NULL;
  case SASL_OK:
    a->done = true;
    user = a->user;
    break;
  case SASL_FAIL: /* RFC 3206 §4 */
    ms_buf_addf(out, "-ERR [AUTH%s authentication failed\r\n",
                pop3_fault_on(ctx, MS_F_RESP_CODE_BAD) ? "" : "]");
    break;
  case SASL_BAD_B64:
    ms_buf_addstr(out, "-ERR cannot decode the response (base64)\r\n");
    break;
  case SASL_CANCEL:
    ms_buf_addstr(out, "-ERR authentication cancelled\r\n");
    break;
  }
  free(ch);
  auth_end(a);
  return user;
}

/* pop3-b64-lenient: keep only base64 letters, dropping foreign characters
 * and inner "=" (5034-4-16, 5034-4-17), then pad.  Returns LINE itself
 * without the fault. */
static char *auth_pop3_b64_lenient(const struct srv_ctx *ctx, const char *line,
                                   size_t *len) {
  if (!pop3_fault_on(ctx, MS_F_POP3_B64_LENIENT) ||
      (*len == 1 && line[0] == '*'))
    return NULL;
  char *k = xmalloc(*len + 4);
  size_t n = 0;
  for (size_t i = 0; i < *len; i++)
    if (auth_b64_val(line[i]) >= 0)
      k[n++] = line[i];
  while (n % 4)
    k[n++] = '=';
  k[n] = '\0';
  *len = n;
  return k;
}

/* The mechanism named MECH, as this server takes it for POP3. */
static enum srv_auth_mech auth_pop3_mech(const struct srv_ctx *ctx,
                                         const char *mech) {
  enum srv_auth_mech m = auth_mech(mech, strlen(mech));
  if (m && pop3_fault_on(ctx, MS_F_POP3_MECH_CASE)) /* 5034-5-1 */
    for (const char *p = mech; *p; p++)
      if (*p >= 'a' && *p <= 'z')
        return SRV_MECH_NONE;
  if (m == SRV_MECH_LOGIN && pop3_fault_on(ctx, MS_F_SASL_LISTS_UNSUPPORTED))
    return SRV_MECH_NONE; /* listed, yet refused: 5034-3-3 */
  if (!m && pop3_fault_on(ctx, MS_F_SASL_ANY_MECH)) /* 5034-4-5 */
    return SRV_MECH_PLAIN;
  return m;
}

const char *srv_auth_pop3_auth(const struct srv_ctx *ctx, struct srv_auth *a,
                               const char *mech, const char *ir,
                               struct ms_buf *out) {
  enum srv_auth_mech m = auth_pop3_mech(ctx, mech);
  if (!ctx->auth || !m) { /* RFC 5034 §4 */
    ms_buf_addf(out, "-ERR unsupported authentication mechanism %.40s\r\n",
                mech);
    return NULL;
  }
  if (srv_auth_need_tls(ctx) && !a->tls &&
      !pop3_fault_on(ctx, MS_F_SASL_BEFORE_TLS)) {
    ms_buf_addstr(out, "-ERR authentication requires TLS: use STLS first\r\n");
    return NULL;
  }
  /* cram-md5-ir-ok: the initial response ignored, not refused (5034-4-13). */
  if (m == SRV_MECH_CRAM_MD5 && pop3_fault_on(ctx, MS_F_CRAM_IR_OK))
    ir = NULL;
  size_t n = ir ? strlen(ir) : 0;
  char *k = ir && strcmp(ir, "=") ? auth_pop3_b64_lenient(ctx, ir, &n) : NULL;
  char *ch = NULL;
  enum sasl_r r = sasl_start(a, ctx, m, k ? k : ir, &ch);
  free(k);
  return auth_pop3_result(ctx, a, r, ch, out);
}

const char *srv_auth_pop3_line(const struct srv_ctx *ctx, struct srv_auth *a,
                               const char *line, size_t len,
                               struct ms_buf *out) {
  char *ch = NULL;
  if (len == 1 && line[0] == '*' &&
      pop3_fault_on(ctx, MS_F_POP3_CANCEL_IGNORED)) {
    ms_buf_addstr(out, "+ \r\n"); /* not -ERR: 5034-4-8 */
    return NULL;
  }
  char *k = auth_pop3_b64_lenient(ctx, line, &len);
  enum sasl_r r = sasl_step(a, ctx, k ? k : line, len, &ch);
  free(k);
  if (r == SASL_BAD_B64 && pop3_fault_on(ctx, MS_F_POP3_B64_RETRY)) {
    ms_buf_addstr(out, "+ \r\n"); /* asks again instead of -ERR: 5034-4-14 */
    return NULL;
  }
  return auth_pop3_result(ctx, a, r, ch, out);
}
