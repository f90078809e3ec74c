/* srv: the interface between the reference server's socket loop
 * (server.c) and its protocol sessions (srv_smtp.c, srv_pop3.c).
 * Sessions are pure: lines in, reply bytes out; no sockets, no clock
 * except through the context.  This is what makes them unit-testable
 * and fuzzable. */
#ifndef MS_SRV_H
#define MS_SRV_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "world.h"
#include "mailspec/server.h"

/* Faults: break one rule on purpose (fault.c parses --fault NAME[:ARG]). */
struct ms_faults {
  unsigned bits;        /* enum ms_fault_bit */
  unsigned slow_ms;     /* slow:MS, delay before each reply */
};
enum ms_fault_bit {
  MS_F_RCPT_250 = 1u << 0,      /* rcpt-250: 250 for an unknown recipient */
  MS_F_MIXED_MULTI = 1u << 1,   /* mixed-multiline: codes differ inside */
  MS_F_BARE_LF = 1u << 2,       /* bare-lf: replies end in LF only */
  MS_F_NO_UNSTUFF = 1u << 3,    /* no-unstuff: keep the leading dot */
  MS_F_GREET_554 = 1u << 4,     /* greet-554: refuse at the greeting */
  MS_F_CLOSE_DATA = 1u << 5,    /* close-after-data: drop after DATA's 354 */
  MS_F_SLOW = 1u << 6,          /* slow:MS */
  MS_F_POP3_OCTETS = 1u << 7,   /* pop3-octets: wrong sizes in LIST/STAT */
  MS_F_POP3_EARLY_DELE = 1u << 8 /* pop3-early-dele: DELE acts at once */
};
int ms_faults_parse(struct ms_faults *f, const char *const *names, size_t n,
                    char *err, size_t errlen);

/* Shared by all sessions of one server: the world, accepted mail and
 * POP3 maildrop state (locks, deletions).  store.c; thread-safe. */
struct ms_store;

struct srv_ctx {
  const struct ms_world *world;
  enum ms_profile profile;
  struct ms_faults faults;
  struct ms_store *store;
};

/* What a session asks the loop to do after handling input. */
enum srv_action {
  SRV_CONTINUE = 0,
  SRV_CLOSE = 1,      /* flush OUT, then close */
  SRV_STARTTLS = 2    /* flush OUT, then start TLS (issue 7) */
};

struct srv_session_ops {
  const char *name;
  /* New connection: greeting into OUT.  Returns the session state. */
  void *(*open)(const struct srv_ctx *ctx, struct ms_buf *out,
                enum srv_action *act);
  /* One input line without its line end; CRLF tells whether it ended in
   * CRLF (false: bare LF).  Replies are appended to OUT. */
  enum srv_action (*line)(void *sess, const char *line, size_t len,
                          bool crlf, struct ms_buf *out);
  /* The client vanished or the server stops. */
  void (*close)(void *sess);
};
extern const struct srv_session_ops ms_srv_smtp_ops;
extern const struct srv_session_ops ms_srv_pop3_ops;

#endif
