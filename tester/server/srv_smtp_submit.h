/* srv_smtp_submit: RFC 6409 message submission in the reference
 * server's SMTP session (see srv_smtp_submit.c).  Every function does
 * nothing unless the world says `submission:`; those that return bool
 * return true when they wrote the reply (the command is refused, or
 * answered under a fault). */
#ifndef MS_SRV_SMTP_SUBMIT_H
#define MS_SRV_SMTP_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "srv.h"
#include "srv_auth.h"
#include "srv_smtp.h"

/* The greeting, replaced (fault submission-521). */
bool srv_submit_greeting(const struct srv_ctx *ctx, const char *host,
                         struct ms_buf *out);
/* EHLO keywords to add (fault submission-etrn): at most 2 into KW. */
size_t srv_submit_keywords(const struct srv_ctx *ctx, const char **kw);
/* VERB, a command the session does not know (ETRN, ATRN). */
bool srv_submit_command(const struct srv_ctx *ctx, const char *verb,
                        const struct srv_smtp_fmt *f, struct ms_buf *out);
/* MAIL with the parsed reverse-path P. */
bool srv_submit_mail(const struct srv_ctx *ctx, const struct srv_auth *a,
                     struct srv_smtp_path *p, const struct srv_smtp_fmt *f,
                     struct ms_buf *out);
/* RCPT with the parsed forward-path P, before it is resolved (a
 * single-level domain the world's short_domains permits is expanded in
 * P). */
bool srv_submit_rcpt(const struct srv_ctx *ctx, struct srv_smtp_path *p,
                     const struct srv_smtp_fmt *f, struct ms_buf *out);
/* May a recipient of another domain be relayed (an authenticated
 * submission)? */
bool srv_submit_relay(const struct srv_ctx *ctx, const struct srv_auth *a);
/* DATA with ARG; READY: a recipient was accepted. */
bool srv_submit_data(const struct srv_ctx *ctx, const struct srv_auth *a,
                     const char *arg, bool ready, const struct srv_smtp_fmt *f,
                     struct ms_buf *out);
/* The end of the data: the message DATA (LEN octets, CRLF lines). */
bool srv_submit_message(const struct srv_ctx *ctx, const char *data, size_t len,
                        const struct srv_smtp_fmt *f, struct ms_buf *out);

#endif
