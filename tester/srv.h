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
  /* CHUNKING, BINARYMIME, SMTPUTF8, DSN (issue 14; srv_smtp_bdat.c,
   * srv_smtp_utf8.c, srv_smtp_dsn.c): */
  MS_F_BDAT_UNADV,          /* bdat-unadvertised */
  MS_F_BDAT_NO_DATA,        /* bdat-no-data */
  MS_F_BDAT_NO_LAST,        /* bdat-no-last */
  MS_F_BDAT0_REFUSED,       /* bdat0-refused */
  MS_F_BDAT_AFTER_LAST,     /* bdat-after-last-250 */
  MS_F_BDAT_CHUNK_354,      /* bdat-chunk-354 */
  MS_F_BDAT_FAILED_PARSE,   /* bdat-parse-failed-chunk */
  MS_F_BDAT_PIPE_PARSE,     /* bdat-pipeline-parse */
  MS_F_BDAT_DATA_354,       /* bdat-then-data-354 */
  MS_F_BINARY_LINE_CLOSE,   /* binary-line-close */
  MS_F_BINMIME_UNADV,       /* binarymime-unadvertised */
  MS_F_BINMIME_NO_CHUNKING, /* binarymime-no-chunking */
  MS_F_BINMIME_PARAM,       /* binarymime-param */
  MS_F_BINMIME_REFUSED,     /* binarymime-body-refused */
  MS_F_BINMIME_DATA_354,    /* binarymime-data-354 */
  MS_F_BINARY_CTE_REFUSED,  /* binary-cte-refused */
  MS_F_UTF8_UNADV,          /* smtputf8-unadvertised */
  MS_F_UTF8_PARAM,          /* smtputf8-param */
  MS_F_UTF8_NO_8BITMIME,    /* smtputf8-no-8bitmime */
  MS_F_EHLO_UTF8_DOMAIN,    /* ehlo-utf8-domain */
  MS_F_UTF8_RCPT_REFUSED,   /* utf8-rcpt-refused */
  MS_F_UTF8_VALUE_OK,       /* smtputf8-value-accepted */
  MS_F_UTF8_MAIL_NOPARAM,   /* utf8-mail-no-param-553 */
  MS_F_UTF8_RCPT_NOPARAM,   /* utf8-rcpt-no-param-550 */
  MS_F_UTF8_NOPARAM_ESC,    /* utf8-no-param-esc */
  MS_F_UTF8_ASCII_550,      /* utf8-ascii-only-550 */
  MS_F_UTF8_ASCII_ESC,      /* utf8-ascii-only-esc */
  MS_F_UTF8_ECHO,           /* utf8-echo */
  MS_F_UTF8_FWD_RAW,        /* utf8-forward-unconverted */
  MS_F_UTF8_FWD_CODE,       /* utf8-forward-keeps-code */
  MS_F_VRFY_UTF8_UNASKED,   /* vrfy-utf8-unasked */
  MS_F_VRFY_UTF8_553,       /* vrfy-utf8-553 */
  MS_F_VRFY_UTF8_STICKY,    /* vrfy-utf8-sticky */
  MS_F_VRFY_UTF8_NOMBOX,    /* vrfy-utf8-no-mailbox */
  MS_F_VRFY_UTF8_FORM,      /* vrfy-utf8-form */
  MS_F_VRFY_UTF8_ESC,       /* vrfy-utf8-esc */
  MS_F_VRFY_UTF8_LATIN1,    /* vrfy-utf8-latin1 */
  MS_F_DSN_UNADV,           /* dsn-unadvertised */
  MS_F_DSN_KW_PARAM,        /* dsn-keyword-param */
  MS_F_DSN_RET_REFUSED,     /* dsn-ret-refused */
  MS_F_DSN_NOTIFY_REFUSED,  /* dsn-notify-refused */
  MS_F_DSN_ACCEPT_INVALID,  /* dsn-accept-invalid */
  MS_F_DSN_ACCEPT_DUP,      /* dsn-accept-duplicate */
  MS_F_DSN_RCPT_INVALID,    /* dsn-rcpt-accept-invalid */
  MS_F_DSN_ENVID_38,        /* dsn-envid-38 */
  MS_F_DSN_NOTIFY_22,       /* dsn-notify-22 */
  MS_F_DSN_ORCPT_100,       /* dsn-orcpt-100 */
  MS_F_DSN_LINE_512,        /* dsn-line-512 */
  MS_F_DSN_CASE,            /* dsn-case */
  MS_F_DSN_COMBO,           /* dsn-combo-555 */
  MS_F_BINARYMIME_LINE,     /* binarymime-line */
  MS_F_UTF8_LINE,           /* smtputf8-line */
  MS_F_COUNT                /* keep last */
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
  /* Optional (NULL in POP3): octets the session wants as they came, not
   * as lines, before the next line (the chunk of a BDAT, RFC 3030 §2:
   * "exactly" that many octets follow the command line); 0 for lines. */
  size_t (*raw_want)(void *sess);
  /* Up to raw_want() of those octets; replies are appended to OUT. */
  enum srv_action (*raw)(void *sess, const char *p, size_t n,
                         struct ms_buf *out);
};
extern const struct srv_session_ops ms_srv_smtp_ops;
extern const struct srv_session_ops ms_srv_pop3_ops;

#endif
