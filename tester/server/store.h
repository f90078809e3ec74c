/* store: state shared by all sessions of one reference server: mail
 * accepted over SMTP (in memory, and as an mbox per recipient under
 * --spool), and POP3 maildrops with their locks (RFC 1939 §8: a
 * maildrop is locked for the whole session).  Thread-safe. */
#ifndef MS_STORE_H
#define MS_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "world.h"

struct ms_store;

/* SPOOL may be NULL (memory only). */
struct ms_store *ms_store_new(const struct ms_world *w, const char *spool);
void ms_store_free(struct ms_store *s);

/* SMTP: keep one accepted message (already dot-unstuffed, CRLF line
 * ends) for each recipient.  Returns 0 or -1 (spool write failed). */
int ms_store_deliver(struct ms_store *s, const char *reverse_path,
                     char *const *rcpts, size_t nrcpts, const char *data,
                     size_t len);
/* The ESMTP parameters of a transaction, kept with its message so that
 * a delivery agent can act on them later: the DSN requests of RFC 3461
 * §4 (what to report, for whom, with which envelope id), MAIL's
 * SMTPUTF8 (RFC 6531 §3.4) and BODY= (RFC 6152, RFC 3030 §3). */
enum {
  MS_DSN_NEVER = 1u << 0, /* NOTIFY=NEVER (alone) */
  MS_DSN_SUCCESS = 1u << 1,
  MS_DSN_FAILURE = 1u << 2,
  MS_DSN_DELAY = 1u << 3
};
enum ms_dsn_ret { MS_DSN_RET_NONE = 0, MS_DSN_RET_FULL, MS_DSN_RET_HDRS };
enum ms_body {
  MS_BODY_NONE = 0,
  MS_BODY_7BIT,
  MS_BODY_8BITMIME,
  MS_BODY_BINARYMIME
};
struct ms_dsn_rcpt {
  char *rcpt;       /* the RCPT TO mailbox as the client wrote it */
  unsigned notify;  /* MS_DSN_* bits; 0: no NOTIFY given */
  char *orcpt_type; /* ORCPT's addr-type ("rfc822"); NULL: no ORCPT */
  char *orcpt;      /* ORCPT's address, xtext decoded */
};
struct ms_store_params {
  enum ms_dsn_ret ret;       /* RET= */
  char *envid;               /* ENVID=, xtext decoded; NULL: none given */
  bool smtputf8;             /* MAIL ... SMTPUTF8 */
  enum ms_body body;         /* BODY= */
  struct ms_dsn_rcpt *rcpts; /* one per accepted RCPT, in order */
  size_t nrcpts;
};
void ms_store_params_free(struct ms_store_params *p);
/* ms_store_deliver with the transaction's parameters (copied; PARAMS
 * may be NULL). */
int ms_store_deliver_params(struct ms_store *s, const char *reverse_path,
                            char *const *rcpts, size_t nrcpts,
                            const struct ms_store_params *params,
                            const char *data, size_t len);
/* The parameters of the Nth message delivered to RCPT (NULL when it
 * came without any, or there is no such message).  Borrowed. */
const struct ms_store_params *ms_store_params(struct ms_store *s,
                                              const char *rcpt, size_t n);

/* The same with trace lines and faults (issue 14).  A recipient that
 * names a POP3 maildrop (its local part, at a local domain) also gets
 * the message there, as final delivery: "Return-Path: <FROM>", then
 * TRACE (the Received: lines, CRLF-ended), then DATA. */
struct ms_store_in {
  const char *from; /* the reverse-path's mailbox, "" for <> */
  char *const *rcpts;
  size_t nrcpts;
  const char *trace; /* or NULL */
  const char *data;  /* as received: unstuffed, CRLF line ends */
  size_t len;
  bool no_return_path; /* fault no-return-path */
  /* The content final delivery stores (trace lines included), when the
   * server made more of it than TRACE + DATA; NULL: TRACE + DATA. */
  const char *content;
  size_t clen;
  const struct ms_store_params *params; /* DSN, SMTPUTF8, BODY=; or NULL */
};
int ms_store_deliver_in(struct ms_store *s, const struct ms_store_in *in);
/* How many messages were delivered to RCPT (for tests). */
size_t ms_store_count(struct ms_store *s, const char *rcpt);
/* The Nth message delivered to RCPT, or NULL. Borrowed. */
const char *ms_store_message(struct ms_store *s, const char *rcpt, size_t n,
                             size_t *len);

/* POP3 maildrop, a snapshot taken at lock time. */
struct ms_maildrop_view {
  const struct ms_world_maildrop *drop;
  const struct ms_world_msg **msgs; /* survivors of earlier sessions,
                                       numbered 1..nmsgs in this session */
  bool *deleted; /* per message; set by DELE, applied by ms_store_unlock */
  size_t nmsgs;
  void *priv; /* store's own bookkeeping */
};
/* Lock USER's maildrop: 0, or -1 when another session holds it. */
int ms_store_lock(struct ms_store *s, const char *user,
                  struct ms_maildrop_view *v);
/* Release; when COMMIT (UPDATE state, RFC 1939 §6) the messages marked
 * deleted are removed for later sessions. */
void ms_store_unlock(struct ms_store *s, struct ms_maildrop_view *v,
                     bool commit);
/* LOGIN-DELAY (RFC 2449 §6.5): seconds from USER's last noted login to
 * NOW (ms_now()), or -1 when none was noted. */
double ms_store_login_since(struct ms_store *s, const char *user, double now);
void ms_store_note_login(struct ms_store *s, const char *user, double now);
/* Messages still present in USER's maildrop (before any lock). */
size_t ms_store_pop3_count(struct ms_store *s, const char *user);

#endif
