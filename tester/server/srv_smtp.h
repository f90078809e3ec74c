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
#include "store.h"
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
/* The same with SRV_DOM_* FLAGS (the faults that loosen or tighten it)
 * and SRV_PATH_UTF8. */
enum { SRV_PATH_UTF8 = 1u << 8 }; /* UTF-8 mailboxes (RFC 6531 §3.3) */
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
/* RFC 5321 §3.3: servers "SHOULD ignore the routes": P's source route
 * dropped (as if it "had not been provided", §4.1.1.3). */
void srv_smtp_rcpt_unroute(struct srv_smtp_path *p);
/* Fault source-route-followed: R becomes a relay of P to its first hop. */
void srv_smtp_rcpt_follow(const struct srv_smtp_path *p,
                          struct srv_smtp_rcpt *r);
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
 * connection hands one read's lines to the session (srv_conn.c). */
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
/* After such a DATA, an empty message (LEN 0) from FROM whose recipient
 * REFUSED was refused: fault empty-data-notice sends FROM a notice. */
void srv_smtp_pipe_empty_notice(const struct srv_ctx *ctx, const char *from,
                                const char *refused, size_t len);

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
/* ---- service extensions: CHUNKING and BINARYMIME (RFC 3030,
 * srv_smtp_bdat.c), SMTPUTF8 (RFC 6531, srv_smtp_utf8.c), DSN (RFC 3461,
 * srv_smtp_dsn.c).  srv_smtp.c calls these hooks; the state they keep
 * lives in the session as one struct srv_smtp_ext. */

struct srv_smtp_ext {
  struct ms_store_params txn;  /* the transaction's parameters, kept with
                                  its message (RET, ENVID, SMTPUTF8, BODY,
                                  each recipient's NOTIFY and ORCPT) */
  struct ms_store_params mail; /* the MAIL being parsed */
  struct ms_dsn_rcpt rcpt;     /* the RCPT being parsed */
  bool mail_size, mail_body;   /* the MAIL being parsed has SIZE=, BODY= */
  bool ascii_only;             /* a recipient that takes no internationalized
                                  header (RFC 6531 §3.5) */
  bool vrfy_utf8;      /* this VRFY may be answered in UTF-8 (§3.7.4.2) */
  bool vrfy_utf8_once; /* fault vrfy-utf8-sticky: it was, once */
  /* BDAT (RFC 3030 §2) */
  bool bdat;        /* a chunk was taken in this transaction */
  bool bdat_failed; /* a BDAT failed: later ones are discarded */
  bool bdat_after;  /* fault bdat-after-last-250: a LAST just ended */
  bool chunk_on;    /* octets of a chunk are due */
  bool chunk_last;  /* ... and it is the LAST one */
  int chunk_err;    /* its reply when it fails (503, 552), else 0 */
  const char *chunk_esc, *chunk_why; /* that reply's code and text */
  unsigned long long chunk_left;     /* octets of it still due */
  unsigned long long chunk_size;     /* octets it announced */
};

/* What a BDAT LAST delivers (srv_smtp.c's transaction). */
struct srv_smtp_ext_txn {
  const char *from;
  char *const *rcpts; /* store keys */
  size_t nrcpts;
  struct ms_buf *data;
};

/* Clear the transaction's state (RSET, EHLO, a new MAIL, the end);
 * _free also what a command being parsed holds (the session ends). */
void srv_smtp_ext_reset(struct srv_smtp_ext *x);
void srv_smtp_ext_free(struct srv_smtp_ext *x);
/* EHLO: append the keywords to KW[0..N) (room for MAX); faults may
 * change the ones before.  Returns the new count. */
size_t srv_smtp_ext_ehlo(const struct srv_ctx *ctx, const char **kw, size_t n,
                         size_t max);
/* Longer command lines than RFC 5321's 512 for MAIL and RCPT after
 * EHLO: room for the parameters (RFC 3461 §5.4, RFC 6531 §3.1 (5),
 * RFC 3030 §3 (8)). */
bool srv_smtp_ext_long_ok(const struct srv_ctx *ctx, bool ehlo,
                          const char *line, size_t len);

/* MAIL and RCPT.  _begin before the parameters, _param for each one
 * (-1: not one of these extensions', 0: taken, 1: refused, reply in
 * OUT), _check once the path and parameters are known (true: refused,
 * reply in OUT), _commit when the command succeeded. */
void srv_smtp_ext_mail_begin(struct srv_smtp_ext *x);
int srv_smtp_ext_mail_param(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                            const char *p, size_t n,
                            const struct srv_smtp_fmt *f, struct ms_buf *out);
bool srv_smtp_ext_mail_check(const struct srv_ctx *ctx,
                             const struct srv_smtp_ext *x,
                             const struct srv_smtp_path *path,
                             const struct srv_smtp_fmt *f, struct ms_buf *out);
void srv_smtp_ext_mail_commit(struct srv_smtp_ext *x);
void srv_smtp_ext_rcpt_begin(struct srv_smtp_ext *x);
int srv_smtp_ext_rcpt_param(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                            const char *p, size_t n,
                            const struct srv_smtp_fmt *f, struct ms_buf *out);
bool srv_smtp_ext_rcpt_check(const struct srv_ctx *ctx,
                             const struct srv_smtp_ext *x,
                             const struct srv_smtp_path *path,
                             const struct srv_smtp_fmt *f, struct ms_buf *out);
void srv_smtp_ext_rcpt_commit(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                              const struct srv_smtp_path *path);
/* A 251 or 551 naming a non-ASCII forward-path in a transaction without
 * SMTPUTF8 becomes 250 or 550 (RFC 6531 §3.7.4.1): true when it wrote
 * that reply (*ACCEPTED: 250). */
bool srv_smtp_utf8_forward(const struct srv_ctx *ctx,
                           const struct srv_smtp_ext *x,
                           const struct srv_smtp_rcpt *r,
                           const struct srv_smtp_fmt *f, struct ms_buf *out,
                           bool *accepted);

/* DATA's refusal: 503 after a BDAT or BODY=BINARYMIME (RFC 3030 §2,
 * §3), 502 under fault bdat-no-data; 0 when DATA may go on. */
int srv_smtp_ext_data_refused(const struct srv_ctx *ctx,
                              const struct srv_smtp_ext *x);
/* srv_smtp_eod.c: the end of the data (DATA or BDAT LAST): true when the
 * message is refused for these extensions' reasons (reply in OUT). */
bool srv_smtp_eod_refuse(const struct srv_ctx *ctx,
                         const struct srv_smtp_ext *x, const char *data,
                         size_t len, const struct srv_smtp_fmt *f,
                         struct ms_buf *out);
/* Keep the message with the transaction's parameters (ms_store). */
int srv_smtp_eod_store(const struct srv_ctx *ctx, const struct srv_smtp_ext *x,
                       const struct srv_smtp_ext_txn *t);

/* SMTPUTF8 on command lines: may LINE carry these octets >= 0x80
 * (valid UTF-8, after EHLO, in MAIL, RCPT, VRFY or EXPN)? */
bool srv_smtp_utf8_line_ok(const struct srv_ctx *ctx, bool ehlo,
                           const char *line, size_t len);
/* The path flags for MAIL and RCPT (SRV_PATH_UTF8 after EHLO). */
unsigned srv_smtp_utf8_path_flags(const struct srv_ctx *ctx, bool ehlo);
/* VRFY's argument without a trailing " SMTPUTF8" (RFC 6531 §3.7.4.2),
 * which sets X->vrfy_utf8.  Caller frees. */
char *srv_smtp_utf8_vrfy_arg(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                             bool ehlo, const char *arg);
/* VRFY's reply (CODE 250, 251 or 551, TEXT): when TEXT needs UTF-8 and
 * the command did not allow it, 252 or 550 with X.6.8 goes out instead
 * (true: written to OUT). */
bool srv_smtp_utf8_vrfy_reply(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                              int code, const char *text,
                              const struct srv_smtp_fmt *f, struct ms_buf *out);
/* The 250 to MAIL (true: written; fault utf8-echo). */
bool srv_smtp_utf8_mail_ok(const struct srv_ctx *ctx,
                           const struct srv_smtp_ext *x,
                           const struct srv_smtp_path *path,
                           const struct srv_smtp_fmt *f, struct ms_buf *out);
/* Is S (N octets) valid UTF-8 (RFC 3629)?  All ASCII is. */
bool srv_smtp_utf8_valid(const char *s, size_t n);
bool srv_smtp_utf8_ascii(const char *s, size_t n);

/* BDAT.  _begin parses "BDAT size [LAST]" and starts reading the chunk
 * (true: it is already complete, a size of 0: call _end); _want and
 * _octets read the chunk (true: complete); _end replies and says
 * whether the transaction goes on (SRV_BDAT_MORE) or is over (reset it:
 * SRV_BDAT_OVER), or, once the LAST chunk is in, leaves the reply to
 * the caller (SRV_BDAT_EOD): DATA's end of data (its checks, the trace
 * line, delivery) ends a BDAT transaction too. */
enum srv_bdat_end { SRV_BDAT_MORE, SRV_BDAT_OVER, SRV_BDAT_EOD };
bool srv_smtp_bdat_begin(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                         const char *arg, bool have_mail, bool have_rcpt,
                         const struct srv_smtp_fmt *f, struct ms_buf *out);
size_t srv_smtp_bdat_want(const struct srv_smtp_ext *x);
bool srv_smtp_bdat_octets(struct srv_smtp_ext *x, const char *p, size_t n,
                          struct ms_buf *data);
enum srv_bdat_end srv_smtp_bdat_end(const struct srv_ctx *ctx,
                                    struct srv_smtp_ext *x,
                                    const struct srv_smtp_ext_txn *t,
                                    const struct srv_smtp_fmt *f,
                                    struct ms_buf *out);
/* Is BDAT a command here (CHUNKING offered, RFC 3030 §2)? */
bool srv_smtp_bdat_offered(const struct srv_ctx *ctx);
/* A command line that is neither ASCII text nor allowed UTF-8: 500
 * (RFC 3030 §2: "reject lines of arbitrary octets"). */
enum srv_action srv_smtp_bdat_bad_line(const struct srv_ctx *ctx,
                                       const char *line, size_t len,
                                       const struct srv_smtp_fmt *f,
                                       struct ms_buf *out);

/* Inside srv_smtp_ext.c's dispatch: each extension's EHLO keywords,
 * MAIL/RCPT parameters (-1, 0, 1 as above) and checks. */
size_t srv_smtp_bdat_keywords(const struct srv_ctx *ctx, const char **kw,
                              size_t n);
size_t srv_smtp_dsn_keywords(const struct srv_ctx *ctx, const char **kw,
                             size_t n);
size_t srv_smtp_utf8_keywords(const struct srv_ctx *ctx, const char **kw,
                              size_t n);
int srv_smtp_bdat_mail_param(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                             const char *p, size_t n,
                             const struct srv_smtp_fmt *f, struct ms_buf *out);
int srv_smtp_utf8_mail_param(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                             const char *p, size_t n,
                             const struct srv_smtp_fmt *f, struct ms_buf *out);
int srv_smtp_dsn_mail_param(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                            const char *p, size_t n,
                            const struct srv_smtp_fmt *f, struct ms_buf *out);
int srv_smtp_dsn_rcpt_param(const struct srv_ctx *ctx, struct srv_smtp_ext *x,
                            const char *p, size_t n,
                            const struct srv_smtp_fmt *f, struct ms_buf *out);
bool srv_smtp_dsn_line_ok(const struct srv_ctx *ctx, const char *line);

#endif
