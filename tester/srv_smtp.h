/* srv_smtp: internals of the reference server's SMTP session, split
 * into pure parts that are unit-tested on their own:
 *   srv_smtp_path.c   <reverse-path>/<forward-path> syntax (RFC 821 §4.1.2)
 *   srv_smtp_domain.c Domain and address-literal syntax (RFC 5321 §4.1.2-3)
 *   srv_smtp_hdr.c    header fields a faulty server refuses (faults only)
 *   srv_smtp_rcpt.c   what the world says about a recipient (§3.2-§3.6)
 *   srv_smtp_reply.c  reply lines: codes, enhanced codes, limits, faults
 *   srv_smtp.c        the session: state machine of §4.3/§4.4 */
#ifndef MS_SRV_SMTP_H
#define MS_SRV_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "world.h"
#include "mailspec/server.h"

/* ---- paths -------------------------------------------------------- */

/* <@HOP1,@HOP2:local@domain>, <> or <Postmaster>. */
struct srv_smtp_path {
  char **hops; /* the source route, without the '@' */
  size_t nhops;
  char *mailbox; /* "local@domain", "Postmaster", or "" for <> */
  char *local;   /* local part as written (quotes kept) */
  char *domain;  /* NULL for <> and <Postmaster> */
};

enum srv_smtp_path_err {
  SRV_PATH_OK = 0,
  SRV_PATH_SYNTAX,        /* 501 */
  SRV_PATH_TOO_LONG,      /* 501 Path too long (RFC 821 §4.5.3) */
  SRV_PATH_USER_TOO_LONG, /* 501/553: local part over 64 */
  SRV_PATH_DOMAIN_TOO_LONG
};

/* Parse the path at the start of S (LEN bytes).  ALLOW_NULL: "<>" (MAIL,
 * RFC 821 §3.6); ALLOW_POSTMASTER: "<Postmaster>" (RCPT, RFC 5321
 * §4.5.1).  *USED gets the bytes consumed.  On error P is left empty.
 * A quoted local part that needs no quotes is stored without them
 * (RFC 5321 §4.1.2: "all quoted forms MUST be treated as equivalent"). */
enum srv_smtp_path_err
srv_smtp_path_parse(const char *s, size_t len, enum ms_profile profile,
                    bool allow_null, bool allow_postmaster,
                    struct srv_smtp_path *p, size_t *used);
/* The same with SRV_DOM_* FLAGS (the faults that loosen or tighten it). */
enum srv_smtp_path_err
srv_smtp_path_parse_flags(const char *s, size_t len, enum ms_profile profile,
                          bool allow_null, bool allow_postmaster,
                          unsigned flags, struct srv_smtp_path *p,
                          size_t *used);
void srv_smtp_path_free(struct srv_smtp_path *p);

/* ---- domains and address literals (srv_smtp_domain.c) -------------- */

enum {
  SRV_DOM_UNDERSCORE = 1u << 0,  /* fault domain-underscore-ok */
  SRV_DOM_NO_LITERAL = 1u << 1,  /* fault no-address-literal */
  SRV_DOM_MAX64 = 1u << 2,       /* fault domain-limit-64 */
  SRV_DOM_QUOTED_KEEP = 1u << 3, /* fault quoted-local-kept */
  SRV_DOM_NO_QUOTED = 1u << 4    /* fault no-quoted-local */
};
/* The octets of S (N bytes) that form a Domain, 0 when it does not start
 * with one (a label that starts or ends with '-', or holds a character
 * outside letters, digits and '-'). */
size_t srv_smtp_domain_span(const char *s, size_t n, unsigned flags);
/* The octets of an address literal "[...]" at the start of S, 0 if none. */
size_t srv_smtp_literal_span(const char *s, size_t n);
/* The argument of EHLO/HELO: a Domain or an address literal, optionally
 * followed by SP and anything (RFC 5321 §4.1.1.1). */
enum srv_smtp_path_err srv_smtp_helo_arg(const char *arg, size_t n,
                                         unsigned flags);

/* ---- header fields (srv_smtp_hdr.c) -------------------------------- */

/* Faults that make the server refuse a message over its header section
 * (RFC 5321 §3.3 and §3.7.2 forbid that): the reason, or NULL. */
struct ms_faults;
const char *srv_smtp_hdr_refusal(const struct ms_faults *f, const char *msg,
                                 size_t len);

/* ---- recipients --------------------------------------------------- */

/* The command that opened the transaction (RFC 821 §3.4). */
enum srv_smtp_kind {
  SRV_SMTP_MAIL,
  SRV_SMTP_SEND,
  SRV_SMTP_SOML,
  SRV_SMTP_SAML
};

enum srv_smtp_verdict {
  SRV_RCPT_MAILBOX,   /* 250: delivered to the mailbox */
  SRV_RCPT_TERMINAL,  /* 250: SEND/SOML/SAML to an active terminal */
  SRV_RCPT_SOML_MAIL, /* 250 "User not active now, so will do mail." */
  SRV_RCPT_RELAY,     /* 250: accepted for relaying */
  SRV_RCPT_FORWARD,   /* 251 will forward */
  SRV_RCPT_TRY,       /* 551 please try */
  SRV_RCPT_INACTIVE,  /* 450 SEND: the terminal is not active */
  SRV_RCPT_UNKNOWN,   /* 550 no such user */
  SRV_RCPT_NO_RELAY   /* 550 not local and not relayed */
};

struct srv_smtp_rcpt {
  enum srv_smtp_verdict v;
  char *key;           /* where it is stored (mailbox, forward address,
                          relayed mailbox); NULL when not stored */
  const char *forward; /* 251/551: the forward-path, "<...>" */
};

void srv_smtp_rcpt_resolve(const struct ms_world *w,
                           const struct srv_smtp_path *p,
                           enum srv_smtp_kind kind, struct srv_smtp_rcpt *r);
void srv_smtp_rcpt_free(struct srv_smtp_rcpt *r);

/* ---- replies ------------------------------------------------------ */

struct srv_smtp_fmt {
  bool enhanced; /* RFC 2034: after EHLO advertised ENHANCEDSTATUSCODES */
  bool mixed;    /* fault mixed-multiline */
};

/* "CODE [ESC ]TEXT\r\n"; ESC ("2.1.0") only when F->enhanced.  Text is
 * cut so that the line stays within 512 octets (RFC 821 §4.5.3). */
void srv_smtp_reply(struct ms_buf *out, const struct srv_smtp_fmt *f, int code,
                    const char *esc, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A multi-line reply, one line per LINES[i] (RFC 821 Appendix E). */
void srv_smtp_reply_lines(struct ms_buf *out, const struct srv_smtp_fmt *f,
                          int code, const char *esc, const char *const *lines,
                          size_t n);

#endif
