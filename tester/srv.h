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

/* Faults: break one rule on purpose (fault.c parses --fault NAME[:ARG]).
 * One enumerator per fault, in fault.c's table order; a set of them is a
 * bitset, so the list can grow past a machine word. */
enum ms_fault {
  MS_F_NONE,            /* no fault (0: a cleared set, a test's default) */
  MS_F_RCPT_250,        /* rcpt-250: 250 for an unknown recipient */
  MS_F_MIXED_MULTI,     /* mixed-multiline: codes differ inside */
  MS_F_BARE_LF,         /* bare-lf: replies end in LF only */
  MS_F_NO_UNSTUFF,      /* no-unstuff: keep the leading dot */
  MS_F_GREET_554,       /* greet-554: refuse at the greeting */
  MS_F_CLOSE_DATA,      /* close-after-data: drop after DATA's 354 */
  MS_F_SLOW,            /* slow:MS */
  MS_F_POP3_OCTETS,     /* pop3-octets: wrong sizes in LIST/STAT */
  MS_F_POP3_EARLY_DELE, /* pop3-early-dele: DELE acts at once */
  /* Hostile behaviours (issue 8), all at the wire (server_conn.c): */
  MS_F_NO_GREETING,   /* no-greeting: accept, stay silent */
  MS_F_GREET_TWICE,   /* greet-twice */
  MS_F_CLOSE_AT_ONCE, /* close-at-once: accept, close */
  MS_F_ENDLESS,       /* endless-multiline */
  MS_F_LONG_LINE,     /* long-line[:BYTES]: no line end, ever */
  MS_F_TRICKLE,       /* trickle[:MS]: one octet at a time */
  MS_F_NUL,           /* nul: a NUL in every reply line */
  MS_F_BAD_UTF8,      /* bad-utf8: invalid UTF-8 in every line */
  MS_F_RESET,         /* reset-mid-reply: half a reply, then RST */
  MS_F_NO_READ,       /* no-read: greet, then never read */
  /* TLS, AUTH, smuggling (issue 7; server_tls.c, srv_auth.c): */
  MS_F_STARTTLS_KEEP,     /* starttls-keep-pipelined: commands sent with
                             STARTTLS run after TLS */
  MS_F_LF_DOT_LF,         /* lf-dot-lf: <LF>.<LF> ends the data */
  MS_F_AUTH_BEFORE_TLS,   /* auth-before-tls: AUTH PLAIN offered before
                             TLS, yet refused with 538 */
  MS_F_CR_DOT_CR,         /* cr-dot-cr: <CR>.<CR> ends the data */
  MS_F_STARTTLS_NO_RESET, /* starttls-no-reset: the SMTP session survives
                             STARTTLS */
  MS_F_AUTH_ANY_PASS,     /* auth-any-pass: any password is right for a
                             known user */
  /* POP3 sessions side by side (issue 13; srv_pop3.c): */
  MS_F_POP3_NO_LOCK,  /* pop3-no-lock: a maildrop another session holds
                         opens anyway */
  MS_F_APOP_FIXED_TS, /* apop-fixed-timestamp: RFC 1939 §10's timestamp in
                         every greeting */
  /* SMTP service extensions (issue 14; srv_smtp_size.c, srv_smtp_pipe.c,
   * srv_smtp_8bit.c, srv_smtp_enh.c): */
  MS_F_SIZE_UNADVERTISED,  /* size-unadvertised */
  MS_F_SIZE_452,           /* size-452 */
  MS_F_SIZE_ZERO_552,      /* size-zero-552 */
  MS_F_SIZE_STUFFING,      /* size-counts-stuffing */
  MS_F_SIZE_DATA_NO_LIMIT, /* size-no-limit-at-data */
  MS_F_SIZE_ENDS_DATA,     /* size-ends-data */
  MS_F_PIPE_PARAM,         /* pipelining-param */
  MS_F_PIPE_REORDER,       /* pipelining-reorder */
  MS_F_PIPE_FLUSH_ERROR,   /* pipelining-flush-on-error */
  MS_F_PIPE_NO_FLUSH,      /* pipelining-no-flush */
  MS_F_PIPE_HOLD_NOOP,     /* pipelining-hold-noop */
  MS_F_PIPE_HOLD_UNKNOWN,  /* pipelining-hold-unknown */
  MS_F_DATA_NO_RCPT,       /* data-354-no-rcpt */
  MS_F_8BIT_UNADVERTISED,  /* 8bitmime-unadvertised */
  MS_F_8BIT_PARAM,         /* 8bitmime-param */
  MS_F_BODY_7BIT,          /* body-7bit-refused */
  MS_F_8BIT_REFUSED,       /* 8bit-data-refused */
  MS_F_DATA_LINE_999,      /* data-line-999 */
  MS_F_ENH_MISSING,        /* enhanced-missing */
  MS_F_ENH_CLASS,          /* enhanced-class */
  MS_F_ENH_NO_SPACE,       /* enhanced-no-space */
  MS_F_ENH_LEADING_ZERO,   /* enhanced-leading-zero */
  MS_F_ENH_SPACE_INSIDE,   /* enhanced-space-inside */
  MS_F_ENH_TWO_FIELDS,     /* enhanced-two-fields */
  MS_F_ENH_FIRST_LINE,     /* enhanced-first-line */
  MS_F_ENH_EHLO_ONLY,      /* enhanced-ehlo-only */
  MS_F_ENH_PARAM,          /* enhanced-param */
  MS_F_SIZE_REFUSED,       /* size-param-refused */
  MS_F_SIZE_KEYWORD_TEXT,  /* size-keyword-text */
  MS_F_ESC_MOVED_4XX,      /* esc-moved-transient */
  MS_F_ESC_FULL_5XX,       /* esc-full-permanent */
  MS_F_ESC_LIMIT_4XX,      /* esc-limit-transient */
  MS_F_ESC_LIST_4XX,       /* esc-list-transient */
  MS_F_ESC_INVALID_4XX,    /* esc-invalid-transient */
  MS_F_BODY_ANY,           /* body-any-value */
  MS_F_8BIT_NO_BODY_451,   /* 8bit-no-body-451 */
  MS_F_COUNT               /* keep last */
};
#define MS_FAULT_WORDS ((MS_F_COUNT + 63) / 64)
struct ms_faults {
  unsigned long long on[MS_FAULT_WORDS]; /* bit F: fault F is on */
  unsigned slow_ms;                      /* slow:MS, delay before each reply */
  unsigned trickle_ms;      /* trickle:MS, delay between reply octets */
  unsigned long long_bytes; /* long-line:BYTES, length of the greeting */
};
static inline bool ms_fault_on(const struct ms_faults *f, enum ms_fault x) {
  return x != MS_F_NONE && ((f->on[x / 64] >> (x % 64)) & 1u);
}
static inline void ms_fault_set(struct ms_faults *f, enum ms_fault x) {
  if (x != MS_F_NONE)
    f->on[x / 64] |= 1ull << (x % 64);
}
int ms_faults_parse(struct ms_faults *f, const char *const *names, size_t n,
                    char *err, size_t errlen);

/* Shared by all sessions of one server: the world, accepted mail and
 * POP3 maildrop state (locks, deletions).  store.c; thread-safe. */
struct ms_store;
struct srv_tls;

struct srv_ctx {
  const struct ms_world *world;
  enum ms_profile profile;
  struct ms_faults faults;
  struct ms_store *store;
  /* TLS and AUTH (issue 7; server_tls.c, srv_auth.c).  All zero: the
   * sessions offer neither STARTTLS/STLS nor AUTH. */
  struct srv_tls *tls; /* STARTTLS/STLS offered when set */
  bool tls_implicit;   /* every connection starts with a handshake */
  bool auth;           /* SMTP AUTH (rfc5321), POP3 AUTH offered */
  bool auth_need_tls;  /* --require-tls-for-auth */
};

/* What a session asks the loop to do after handling input. */
enum srv_action {
  SRV_CONTINUE = 0,
  SRV_CLOSE = 1,   /* flush OUT, then close */
  SRV_STARTTLS = 2 /* flush OUT, then start TLS (issue 7) */
};

struct srv_session_ops {
  const char *name;
  /* New connection: greeting into OUT.  Returns the session state. */
  void *(*open)(const struct srv_ctx *ctx, struct ms_buf *out,
                enum srv_action *act);
  /* One input line without its line end; CRLF tells whether it ended in
   * CRLF (false: bare LF).  Replies are appended to OUT. */
  enum srv_action (*line)(void *sess, const char *line, size_t len, bool crlf,
                          struct ms_buf *out);
  /* The client vanished or the server stops. */
  void (*close)(void *sess);
};
extern const struct srv_session_ops ms_srv_smtp_ops;
extern const struct srv_session_ops ms_srv_pop3_ops;

#endif
