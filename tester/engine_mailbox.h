/* engine_mailbox: a small POP3 client (RFC 1939) for the delivery checks
 * of issue 14: they read back, over POP3, what an SMTP server delivered.
 * Internal to the engine. */
#ifndef MS_ENGINE_MAILBOX_H
#define MS_ENGINE_MAILBOX_H

#include "engine_int.h"
#include "mailspec/report.h"

struct ms_mbox {
  struct ms_conn conn;
  const char *host, *port;
  double timeout;  /* per reply */
  double deadline; /* absolute monotonic time that bounds every wait, 0 none */
  volatile sig_atomic_t *stop;
  bool busy;     /* the login failed because the maildrop is in use */
  char err[320]; /* why the last call failed */
};

/* A message of the maildrop: its number now, its unique-id (NULL when
 * the server has no UIDL). */
struct ms_mbox_item {
  size_t num;
  char *uid;
};

/* Connect (TLS from the first byte with TLS, pop3s) and read the +OK
 * greeting: 0, or -1 with ERR. */
int ms_mbox_open(struct ms_mbox *b, struct ms_tls_ctx *tls);
void ms_mbox_close(struct ms_mbox *b);
/* USER, PASS.  -1 with ERR (and BUSY when another session holds it). */
int ms_mbox_login(struct ms_mbox *b, const char *user, const char *pass);
/* The messages (UIDL, else LIST).  0 or -1 with ERR. */
int ms_mbox_list(struct ms_mbox *b, struct ms_mbox_item **items, size_t *n);
void ms_mbox_items_free(struct ms_mbox_item *v, size_t n);
/* RETR NUM into OUT (content lines unstuffed).  0 or -1 with ERR. */
int ms_mbox_retr(struct ms_mbox *b, size_t num, struct ms_reply *out);
/* A command with a one-line +OK answer (DELE n, QUIT).  0 or -1. */
int ms_mbox_simple(struct ms_mbox *b, const char *cmd);
/* Send LINE (NULL: none, read the greeting) and read the reply (MULTI:
 * in multi-line form when +OK).  0 or -1 with ERR. */
int ms_mbox_command(struct ms_mbox *b, const char *line, bool multi,
                    struct ms_reply *out);
/* ERR = "the mailbox side answered WHAT with '...'". */
void ms_mbox_why(struct ms_mbox *b, const char *what, const struct ms_reply *r);

#endif
