/* srv_auth: STARTTLS/STLS and AUTH for the reference server's sessions,
 * pure like them (lines in, replies out).  srv_smtp.c and srv_pop3.c
 * keep a struct srv_auth each and call in here:
 *   SMTP  STARTTLS (RFC 3207), AUTH PLAIN/LOGIN/CRAM-MD5 (RFC 4954,
 *         RFC 4616, RFC 2195): 334 challenges, 235, 535, 538, 501 for
 *         "*" and bad base64, 503 inside a transaction or after success,
 *         504 for an unknown mechanism, 530 when policy requires TLS or
 *         AUTH first, MAIL's AUTH= parameter (RFC 4954 §5);
 *   POP3  STLS (RFC 2595 §4), AUTH PLAIN/LOGIN/CRAM-MD5 (RFC 5034), CAPA's STLS
 * and SASL lines, USER/PASS/APOP refused before TLS when required. Credentials
 * come from the world: SMTP users' `password`, POP3 maildrops' `pass`. */
#ifndef MS_SRV_AUTH_H
#define MS_SRV_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "srv.h"
#include "srv_smtp.h"

enum srv_auth_mech {
  SRV_MECH_NONE = 0,
  SRV_MECH_PLAIN,
  SRV_MECH_LOGIN,
  SRV_MECH_CRAM_MD5
};

/* One session's TLS and AUTH state. */
struct srv_auth {
  bool tls;                /* the connection is encrypted */
  bool done;               /* authenticated (no second AUTH) */
  bool pop3;               /* credentials from the POP3 maildrops */
  enum srv_auth_mech mech; /* an exchange is running (NONE: none) */
  char *login_user;        /* LOGIN: the name, until the password */
  char challenge[256];     /* CRAM-MD5: what the client must sign */
  char *user;              /* who authenticated (maildrop user, POP3) */
};

void srv_auth_init(struct srv_auth *a, const struct srv_ctx *ctx, bool pop3);
void srv_auth_free(struct srv_auth *a);
/* An exchange is running: the next line is the client's response. */
bool srv_auth_busy(const struct srv_auth *a);
/* Is TLS required before AUTH (option, world, or fault)? */
bool srv_auth_need_tls(const struct srv_ctx *ctx);

/* ---- SMTP ------------------------------------------------------------ */

/* EHLO keywords to add ("STARTTLS", "AUTH ..."): at most 2 into KW. */
size_t srv_auth_smtp_keywords(const struct srv_ctx *ctx,
                              const struct srv_auth *a, const char **kw);
/* RFC 3207 §4.1: with the world's tls_insufficient, every command but
 * QUIT inside TLS gets 554.  True when VERB was refused (reply in OUT). */
bool srv_auth_smtp_insufficient(const struct srv_ctx *ctx,
                                const struct srv_auth *a, const char *verb,
                                const struct srv_smtp_fmt *f,
                                struct ms_buf *out);
/* Policy (530): true when VERB was refused, the reply in OUT. */
bool srv_auth_smtp_gate(const struct srv_ctx *ctx, const struct srv_auth *a,
                        const char *verb, const struct srv_smtp_fmt *f,
                        struct ms_buf *out);
/* STARTTLS with ARG.  SRV_STARTTLS after 220: the caller resets its
 * state to that before EHLO, a transaction included (RFC 3207 §4.2). */
enum srv_action srv_auth_smtp_starttls(const struct srv_ctx *ctx,
                                       struct srv_auth *a, const char *arg,
                                       const struct srv_smtp_fmt *f,
                                       struct ms_buf *out);
/* AUTH with ARG ("MECH [initial-response]"); EHLO: EHLO was given. */
void srv_auth_smtp_auth(const struct srv_ctx *ctx, struct srv_auth *a,
                        const char *arg, bool ehlo, bool in_txn,
                        const struct srv_smtp_fmt *f, struct ms_buf *out);
/* A response line during the exchange.  SRV_CLOSE only under a fault. */
enum srv_action srv_auth_smtp_line(const struct srv_ctx *ctx,
                                   struct srv_auth *a, const char *line,
                                   size_t len, const struct srv_smtp_fmt *f,
                                   struct ms_buf *out);
/* MAIL parameter P (N octets): true when it is AUTH= and accepted. */
bool srv_auth_smtp_mail_param(const struct srv_ctx *ctx,
                              const struct srv_auth *a, const char *p,
                              size_t n);
/* The octets MAIL LINE may have beyond 512 for its AUTH= parameter: 500
 * (RFC 4954 §3), or 0. */
size_t srv_auth_mail_allowance(const struct srv_ctx *ctx, const char *line,
                               size_t len);
/* Lines longer than the 512 of a command that are still commands: AUTH
 * lines and responses (RFC 4954 §4), MAIL with AUTH= (512 + 500, §3). */
bool srv_auth_smtp_long_ok(const struct srv_ctx *ctx, const struct srv_auth *a,
                           const char *line, size_t len);

/* ---- the live view (serve -v) ------------------------------------------ */

/* SASL data is a secret (issue 7): what `serve -v` shows of a client LINE
 * (LEN octets) -- "AUTH PLAIN <redacted>", or "<redacted>" for a response
 * to a challenge (AFTER_CHALLENGE) -- in BUF; LINE itself when nothing is
 * secret.  *LEN gets the length shown. */
const char *srv_auth_live_text(const char *line, size_t *len,
                               bool after_challenge, char *buf, size_t cap);
/* Does REPLY (N octets, what the session answered) ask for a SASL
 * response: SMTP "334", POP3 "+ "? */
bool srv_auth_is_challenge(const char *reply, size_t n);

/* ---- POP3 ------------------------------------------------------------ */

/* CAPA lines STLS (in the AUTHORIZATION state only, before TLS: RFC 2595
 * §4, §8) and SASL (in both states, RFC 2449 §5, RFC 5034 §3). */
void srv_auth_pop3_capa(const struct srv_ctx *ctx, const struct srv_auth *a,
                        bool authorization, struct ms_buf *out);
/* May USER/PASS be used (and shown in CAPA) now? */
bool srv_auth_pop3_user_ok(const struct srv_ctx *ctx, const struct srv_auth *a);
/* USER, PASS, APOP, AUTH before TLS when TLS is required: -ERR, true. */
bool srv_auth_pop3_gate(const struct srv_ctx *ctx, const struct srv_auth *a,
                        const char *verb, struct ms_buf *out);
enum srv_action srv_auth_pop3_stls(const struct srv_ctx *ctx,
                                   struct srv_auth *a, struct ms_buf *out);
/* AUTH MECH [IR]: the maildrop user once authenticated (the caller
 * enters TRANSACTION), else NULL with the reply (+ or -ERR) in OUT. */
const char *srv_auth_pop3_auth(const struct srv_ctx *ctx, struct srv_auth *a,
                               const char *mech, const char *ir,
                               struct ms_buf *out);
const char *srv_auth_pop3_line(const struct srv_ctx *ctx, struct srv_auth *a,
                               const char *line, size_t len,
                               struct ms_buf *out);

#endif
