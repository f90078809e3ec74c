/* srv_smtp: internals of the reference server's SMTP session, split
 * into pure parts that are unit-tested on their own:
 *   srv_smtp_path.c   <reverse-path>/<forward-path> syntax (RFC 821 §4.1.2)
 *   srv_smtp_domain.c Domain and address-literal syntax (RFC 5321 §4.1.2-3)
 *   srv_smtp_hdr.c    header fields a faulty server refuses (faults only)
 *   srv_smtp_rcpt.c   what the world says about a recipient (§3.2-§3.6)
 *   srv_smtp_reply.c  reply lines: codes, enhanced codes, limits, faults
 *   srv_smtp_ext.c    the EHLO keywords of the extensions below
 *   srv_smtp_size.c   SIZE (RFC 1870): SIZE=, the message size limit
 *   srv_smtp_pipe.c   PIPELINING (RFC 2920): its faults, at the wire
 *   srv_smtp_8bit.c   8BITMIME (RFC 6152): BODY=, 8-bit data
 *   srv_smtp_enh.c    ENHANCEDSTATUSCODES (RFC 2034, RFC 3463)
 *   srv_smtp_policy.c recipients refused with their own RFC 3463 code
 *   srv_smtp.c        the session: state machine of §4.3/§4.4 */
#ifndef MS_SRV_SMTP_H
#define MS_SRV_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "srv.h"
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
  bool enhanced;       /* RFC 2034: ENHANCEDSTATUSCODES is offered */
  bool mixed;          /* fault mixed-multiline */
  unsigned enh_faults; /* SRV_ENH_* faults of the codes (srv_smtp_enh.c) */
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

/* ---- the service extensions (issue 14) ----------------------------- */

/* Is the EHLO keyword KW (SIZE, 8BITMIME, PIPELINING,
 * ENHANCEDSTATUSCODES) on in W (world key ehlo_off)? */
bool srv_smtp_ext_on(const struct ms_world *w, const char *kw);
/* The extensions' EHLO lines (keyword and parameters) into LINES, in the
 * order SIZE, 8BITMIME, PIPELINING, ENHANCEDSTATUSCODES; BUF holds the
 * text of "SIZE n".  Returns how many. */
size_t srv_smtp_ext_keywords(const struct srv_ctx *ctx, char buf[64],
                             const char **lines);

/* RFC 1870 SIZE (srv_smtp_size.c): the state of one transaction. */
struct srv_smtp_size {
  bool declared;               /* MAIL carried SIZE= */
  unsigned long long size;     /* its value */
  unsigned long long counted;  /* data octets so far (§5's count) */
  unsigned long long stuffing; /* doubled dots seen (fault) */
};
/* The most the server holds: the world's max_message (capped at what it
 * keeps in memory); "SIZE 0" (max_message: 0) means no fixed maximum. */
size_t srv_smtp_size_cap(const struct ms_world *w);
/* MAIL's SIZE=V[0..N): true when it wrote a refusal to OUT. */
bool srv_smtp_size_param(const struct srv_ctx *ctx, struct srv_smtp_size *z,
                         const char *v, size_t n, const struct srv_smtp_fmt *f,
                         struct ms_buf *out);
/* The cap of the data buffer for this transaction. */
size_t srv_smtp_size_data_cap(const struct srv_ctx *ctx,
                              const struct srv_smtp_size *z);
/* A data line of LEN octets (unstuffed; DOT: it was stuffed).  True when
 * the data is to end after it (fault size-ends-data). */
bool srv_smtp_size_line(const struct srv_ctx *ctx, struct srv_smtp_size *z,
                        size_t len, bool dot);
/* The end of the data: true when it wrote the refusal of a message over
 * the limit (TOO_BIG: it did not fit the buffer) to OUT. */
bool srv_smtp_size_done(const struct srv_ctx *ctx,
                        const struct srv_smtp_size *z, bool too_big,
                        const struct srv_smtp_fmt *f, struct ms_buf *out);

/* RFC 6152 8BITMIME (srv_smtp_8bit.c). */
struct srv_smtp_8bit {
  bool body8; /* BODY=8BITMIME */
  bool seen8; /* an octet over 127 in the data */
};
bool srv_smtp_8bit_param(const struct srv_ctx *ctx, struct srv_smtp_8bit *b,
                         const char *v, size_t n, const struct srv_smtp_fmt *f,
                         struct ms_buf *out);
/* The longest data line, CRLF included (RFC 5321 §4.5.3.1.6: 1000). */
size_t srv_smtp_8bit_line_max(const struct srv_ctx *ctx);
void srv_smtp_8bit_line(struct srv_smtp_8bit *b, const char *line, size_t len);
bool srv_smtp_8bit_done(const struct srv_ctx *ctx,
                        const struct srv_smtp_8bit *b,
                        const struct srv_smtp_fmt *f, struct ms_buf *out);

/* RFC 2920 PIPELINING (srv_smtp_pipe.c): its faults act where the
 * connection hands one read's lines to the session (server_conn.c). */
struct srv_smtp_pipe {
  struct ms_buf held; /* replies held back by a fault */
  bool swap;          /* held: send after the next reply (reorder) */
};
bool srv_smtp_pipe_faulty(const struct srv_ctx *ctx);
/* Before line I of a read: held replies due now go to OUT. */
void srv_smtp_pipe_before(struct srv_smtp_pipe *p, struct ms_buf *out);
/* After LINE, line I of a read with MORE lines after it, answered by
 * OUT[FROM..]: a fault may hold that reply back.  True: drop the rest
 * of the read (fault pipelining-flush-on-error). */
bool srv_smtp_pipe_after(const struct srv_ctx *ctx, struct srv_smtp_pipe *p,
                         const char *line, size_t len, size_t i, bool more,
                         struct ms_buf *out, size_t from);
void srv_smtp_pipe_free(struct srv_smtp_pipe *p);
/* RFC 2920 §3.2 (3): DATA without a valid recipient gets 354 (fault). */
bool srv_smtp_pipe_data_anyway(const struct srv_ctx *ctx);

/* Recipients refused with a code of their own (srv_smtp_policy.c, RFC
 * 3463 §3): true when it wrote the refusal. */
bool srv_smtp_policy_rcpt(const struct srv_ctx *ctx,
                          const struct srv_smtp_path *p, const char *from,
                          const struct srv_smtp_size *z,
                          const struct srv_smtp_fmt *f, struct ms_buf *out);

/* RFC 2034 ENHANCEDSTATUSCODES (srv_smtp_enh.c). */
enum {
  SRV_ENH_MISSING = 1u << 0,
  SRV_ENH_CLASS = 1u << 1,
  SRV_ENH_NO_SPACE = 1u << 2,
  SRV_ENH_LEADING_ZERO = 1u << 3,
  SRV_ENH_SPACE_INSIDE = 1u << 4,
  SRV_ENH_TWO_FIELDS = 1u << 5,
  SRV_ENH_FIRST_LINE = 1u << 6
};
unsigned srv_smtp_enh_faults(const struct ms_faults *f);
bool srv_smtp_enh_offered(const struct srv_ctx *ctx);
/* The code to write before the text of line LINE (0-based) of a reply
 * CODE whose status code is ESC ("2.1.0"; NULL: none), as "2.1.0 " in
 * BUF; its length, 0 for none. */
size_t srv_smtp_enh_code(const struct srv_smtp_fmt *f, int code,
                         const char *esc, size_t line, char *buf, size_t len);

#endif
