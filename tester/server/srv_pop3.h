/* srv_pop3: the reference server's POP3 session (RFC 1939, CAPA from
 * RFC 2449), shared between srv_pop3.c (session, dispatch, the
 * AUTHORIZATION state) and srv_pop3_txn.c (the TRANSACTION state). */
#ifndef MS_SRV_POP3_H
#define MS_SRV_POP3_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "srv.h"
#include "srv_auth.h"
#include "store.h"

/* RFC 1939 §3: the session's states; UPDATE is entered by QUIT from
 * TRANSACTION only. */
enum pop3_state { POP3_AUTH = 1, POP3_TRANS = 2, POP3_UPDATE = 4 };

/* RFC 2449 §4: a command line is at most 255 octets including CRLF. */
#define POP3_CMD_LINE_MAX 255
#define POP3_MAX_ARGS 2

struct pop3_sess {
  const struct srv_ctx *ctx;
  enum pop3_state state;
  char timestamp[160]; /* the greeting's <...>, the APOP salt (§7) */
  char *user;          /* after a successful USER, until the next command */
  bool locked;         /* VIEW holds the maildrop (§8: for the session) */
  struct ms_maildrop_view view;
  struct srv_auth auth; /* STLS and AUTH (srv_auth.c) */
  /* For faults only: */
  bool login_failed; /* a PASS or APOP was refused (pop3-no-retry) */
  char *stale_user;  /* USER of a refused PASS (pass-remembers-user) */
  bool auth_failed;  /* an AUTH exchange failed (pop3-auth-fail-locks) */
  unsigned long sid; /* this session's number (uidl-per-session) */
  unsigned long long retrieved; /* RETR'd messages 1..64, one bit each
                                   (pop3-abort-deletes-retrieved) */
};

static inline bool pop3_fault(const struct pop3_sess *s, enum ms_fault f) {
  return ms_fault_on(&s->ctx->faults, f);
}

/* A parsed command line: verb and up to POP3_MAX_ARGS arguments; REST
 * is everything after the verb (PASS takes spaces as part of the
 * password, RFC 1939 §7). */
struct pop3_cmd {
  char verb[8];
  char *argv[POP3_MAX_ARGS];
  int argc;
  char rest[POP3_CMD_LINE_MAX];
};

/* TRANSACTION-state commands (srv_pop3_txn.c).  Each appends one
 * complete response to OUT. */
enum srv_action srv_pop3_txn_stat(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out);
enum srv_action srv_pop3_txn_list(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out);
enum srv_action srv_pop3_txn_retr(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out);
enum srv_action srv_pop3_txn_dele(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out);
enum srv_action srv_pop3_txn_noop(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out);
enum srv_action srv_pop3_txn_rset(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out);
enum srv_action srv_pop3_txn_top(struct pop3_sess *s, const struct pop3_cmd *c,
                                 struct ms_buf *out);
enum srv_action srv_pop3_txn_uidl(struct pop3_sess *s, const struct pop3_cmd *c,
                                  struct ms_buf *out);
/* CAPA (RFC 2449 §5, srv_pop3_capa.c): the capability list for the
 * session's state. */
enum srv_action srv_pop3_capa(struct pop3_sess *s, const struct pop3_cmd *c,
                              struct ms_buf *out);
/* "[CODE] " for a reply text (RFC 2449 §8, RFC 3206): the response code,
 * as this server writes it (the resp-code-bad fault breaks it). */
const char *srv_pop3_code(const struct pop3_sess *s, const char *code,
                          char *buf, size_t cap);
/* A session ended without QUIT under the uidl-abort-changes fault: the
 * unique-ids UIDL gives change from now on (srv_pop3_txn.c keeps the
 * count, so that the transaction commands need nothing of srv_pop3.c). */
void srv_pop3_txn_aborted(void);
/* Messages not marked deleted, and their size as reported (RFC 1939
 * §11: octets on the wire, CRLF counted; the pop3-octets fault lies). */
size_t srv_pop3_txn_count(const struct pop3_sess *s, size_t *octets);
size_t srv_pop3_txn_size(const struct pop3_sess *s,
                         const struct ms_world_msg *m);

#endif
