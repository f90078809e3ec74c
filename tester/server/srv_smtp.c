/* srv_smtp: the reference server's SMTP session, pure (lines in, reply
 * bytes out).  Two profiles:
 *   rfc821   all fourteen commands of RFC 821 §4.1 with the replies of
 *            §4.2, the sequencing of §4.3/§4.4 and the limits of §4.5.3;
 *   rfc5321  EHLO with SIZE, 8BITMIME, PIPELINING, ENHANCEDSTATUSCODES,
 *            EXPN and HELP; SEND/SOML/SAML/TURN answered 502; CHUNKING,
 *            BINARYMIME, DSN and SMTPUTF8 in srv_smtp_ext.c.
 * Reply texts are the RFC's own wherever it prints one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srv.h"
#include "srv_auth.h"
#include "srv_smtp.h"
#include "srv_smtp_relay.h"
#include "srv_smtp_deliver.h"
#include "srv_smtp_notify.h"
#include "srv_smtp_submit.h"
#include "store.h"
#include "util.h"
#include "mailspec/proto.h"

#define SMTP_VRFY_MAX 16

enum smtp_state {
  SMTP_REFUSED, /* greeted with 554: only QUIT (RFC 5321 §3.1) */
  SMTP_INIT,    /* before HELO/EHLO */
  SMTP_READY,   /* no transaction */
  SMTP_MAIL,    /* reverse-path given */
  SMTP_RCPT,    /* at least one recipient accepted */
  SMTP_DATA     /* reading mail data */
};

struct smtp_sess {
  struct srv_ctx ctx;
  bool rfc821;
  enum smtp_state st;
  struct srv_smtp_fmt fmt;
  size_t data_max;
  /* the transaction (RFC 821 §4.1.1: the three buffers) */
  enum srv_smtp_kind kind;
  char *from;
  char *from_route; /* MAIL's source route "@a,@b", or NULL (dsn) */
  char **rcpts;     /* store keys, without duplicates */
  size_t nrcpts, cap;
  size_t naccepted; /* accepted RCPTs, duplicates counted */
  char *refused;    /* the last RCPT refused (fault empty-data-notice) */
  struct ms_buf data;
  bool too_big, too_long, bare_lf, prev_crlf;
  struct srv_auth auth;  /* STARTTLS and AUTH (srv_auth.c) */
  struct srv_smtp_ext x; /* BDAT, SMTPUTF8, DSN (srv_smtp_ext.c) */
  bool lf_inside;        /* a bare LF came inside the command line (§2.3.8) */
  bool ehlo_seen;        /* fault helo-503-after-ehlo */
  bool ehlo;             /* EHLO announced the extensions */
  struct srv_smtp_size size;        /* RFC 1870 (srv_smtp_size.c) */
  struct srv_smtp_8bit b8;          /* RFC 6152 (srv_smtp_8bit.c) */
  char *helo;                       /* the EHLO/HELO name, for the trace line */
  struct srv_smtp_pending *pending; /* fault forget-on-drop */
  bool delivered;                   /* fault second-message-451 */
};

typedef enum srv_action (*smtp_fn)(struct smtp_sess *s, const char *arg,
                                   struct ms_buf *out);

static bool smtp_fault(const struct smtp_sess *s, enum ms_fault f) {
  return ms_fault_on(&s->ctx.faults, f);
}

/* The SRV_DOM_* flags of the faults that change address syntax. */
static unsigned smtp_dom_flags(const struct smtp_sess *s) {
  return (smtp_fault(s, MS_F_DOMAIN_UNDERSCORE) ? SRV_DOM_UNDERSCORE : 0) |
         (smtp_fault(s, MS_F_NO_ADDRESS_LITERAL) ? SRV_DOM_NO_LITERAL : 0) |
         (smtp_fault(s, MS_F_DOMAIN_64) ? SRV_DOM_MAX64 : 0) |
         (smtp_fault(s, MS_F_QUOTED_KEPT) ? SRV_DOM_QUOTED_KEEP : 0) |
         (smtp_fault(s, MS_F_NO_QUOTED_LOCAL) ? SRV_DOM_NO_QUOTED : 0);
}

/* ---- replies ------------------------------------------------------ */

static void smtp_say(struct smtp_sess *s, struct ms_buf *out, int code,
                     const char *esc, const char *text) {
  srv_smtp_reply(out, &s->fmt, code, esc, "%s", text);
}

static void smtp_ok(struct smtp_sess *s, struct ms_buf *out, const char *esc) {
  smtp_say(s, out, 250, esc, "OK");
}

static enum srv_action smtp_500(struct smtp_sess *s, struct ms_buf *out) {
  smtp_say(s, out, 500, "5.5.2", "Syntax error, command unrecognized");
  return SRV_CONTINUE;
}

static enum srv_action smtp_501(struct smtp_sess *s, struct ms_buf *out) {
  smtp_say(s, out, 501, "5.5.4", "Syntax error in parameters or arguments");
  return SRV_CONTINUE;
}

static enum srv_action smtp_502(struct smtp_sess *s, struct ms_buf *out) {
  smtp_say(s, out, 502, "5.5.1", "Command not implemented");
  return SRV_CONTINUE;
}

static void smtp_reset(struct smtp_sess *s);

/* RFC 5321 §4.1.4: after a 503 the server stays in the same state (the
 * fault 503-resets aborts the transaction). */
static enum srv_action smtp_503(struct smtp_sess *s, struct ms_buf *out) {
  if (smtp_fault(s, MS_F_503_RESETS))
    smtp_reset(s);
  smtp_say(s, out, 503, "5.5.1", "Bad sequence of commands");
  return SRV_CONTINUE;
}

static const char *smtp_host(const struct smtp_sess *s) {
  return s->ctx.world->hostname ? s->ctx.world->hostname : "localhost";
}

/* ---- the transaction ---------------------------------------------- */

static void smtp_reset(struct smtp_sess *s) {
  free(s->from);
  s->from = NULL;
  free(s->from_route);
  s->from_route = NULL;
  for (size_t i = 0; i < s->nrcpts; i++)
    free(s->rcpts[i]);
  free(s->rcpts);
  s->rcpts = NULL;
  s->nrcpts = s->cap = s->naccepted = 0;
  free(s->refused);
  s->refused = NULL;
  ms_buf_free(&s->data);
  s->too_big = s->too_long = s->bare_lf = false;
  memset(&s->size, 0, sizeof s->size);
  memset(&s->b8, 0, sizeof s->b8);
  srv_smtp_ext_reset(&s->x);
  if (s->st > SMTP_READY)
    s->st = SMTP_READY;
}

/* One copy per mailbox even when RCPT names it twice. */
static void smtp_add_rcpt(struct smtp_sess *s, char *key) {
  for (size_t i = 0; i < s->nrcpts; i++)
    if (ms_streq_ci(s->rcpts[i], key)) {
      free(key);
      return;
    }
  xgrow((void **)&s->rcpts, &s->cap, s->nrcpts, sizeof *s->rcpts);
  s->rcpts[s->nrcpts++] = key;
}

/* ---- HELO, EHLO --------------------------------------------------- */

/* The argument of HELO/EHLO (RFC 5321 §4.1.1.1, §4.1.2): a reply was
 * written when it is refused (501, the state unchanged, §4.1.4). */
static bool smtp_helo_refused(struct smtp_sess *s, const char *arg,
                              struct ms_buf *out) {
  enum srv_smtp_path_err e =
      !*arg       ? SRV_PATH_SYNTAX
      : s->rfc821 ? SRV_PATH_OK
                  : srv_smtp_helo_arg(arg, strlen(arg), smtp_dom_flags(s));
  if (e == SRV_PATH_OK)
    return false;
  if (e == SRV_PATH_DOMAIN_TOO_LONG)
    smtp_say(s, out, 501, "5.5.4", "Domain name too long");
  else if (*arg) /* §4.1.2: invalid characters get 501 */
    smtp_say(s, out, 501, "5.5.4", "Syntax error: invalid domain name");
  else /* RFC 821 §4.1.1: 501, and the state stays */
    smtp_501(s, out);
  return true;
}

static enum srv_action smtp_ehlo_reply(struct smtp_sess *s, const char *arg,
                                       struct ms_buf *out);

static enum srv_action smtp_helo(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  if (s->ehlo_seen && smtp_fault(s, MS_F_HELO_503_AFTER_EHLO))
    return smtp_503(s, out);
  if (smtp_helo_refused(s, arg, out))
    return SRV_CONTINUE;
  smtp_reset(s);
  free(s->helo);
  s->helo = xstrdup(arg);
  s->st = SMTP_READY;
  s->ehlo = false;
  if (smtp_fault(s, MS_F_ENH_EHLO_ONLY)) /* RFC 2034 §4 */
    s->fmt.enhanced = false;
  if (smtp_fault(s, MS_F_HELO_EHLO_REPLY)) { /* §3.2 forbids it */
    bool enhanced = s->fmt.enhanced;
    smtp_ehlo_reply(s, arg, out);
    s->fmt.enhanced = enhanced;
    return SRV_CONTINUE;
  }
  smtp_say(s, out, 250, NULL, smtp_host(s));
  return SRV_CONTINUE;
}

/* The EHLO keywords: every command beyond §4.5.1's minimum that works
 * here is listed (§4.1.1.1), EXPN included (§3.5.2). */
static enum srv_action smtp_ehlo_reply(struct smtp_sess *s, const char *arg,
                                       struct ms_buf *out) {
  char *greet = xasprintf("%s greets %s", smtp_host(s), arg);
  char ext[64];
  const char *lines[20] = {greet};
  size_t n = 1 + srv_smtp_ext_keywords(&s->ctx, ext, lines + 1);
  for (size_t i = 1; i < n && smtp_fault(s, MS_F_EHLO_BAD_KEYWORD); i++)
    if (strcmp(lines[i], "PIPELINING") == 0)
      lines[i] = "PIPE_LINING";
  n = srv_smtp_ext_ehlo(&s->ctx, lines, n, 20); /* CHUNKING, DSN... */
  if (!smtp_fault(s, MS_F_EHLO_NO_EXPN) &&
      !(s->ctx.world && s->ctx.world->expn_disabled))
    lines[n++] = "EXPN";
  if (!smtp_fault(s, MS_F_EHLO_NO_HELP))
    lines[n++] = "HELP";
  if (smtp_fault(s, MS_F_EHLO_VRFY_KEYWORD) || /* RFC 5321 §2.2.2 */
      smtp_fault(s, MS_F_LISTED_502)) /* 5321-4.2.4-3: listed, yet 502 */
    lines[n++] = "VRFY";
  n += srv_auth_smtp_keywords(&s->ctx, &s->auth, lines + n);
  n += srv_submit_keywords(&s->ctx, lines + n); /* RFC 6409 (faults) */
  s->fmt.enhanced = false; /* RFC 2034 §3: not on the EHLO reply */
  srv_smtp_reply_lines(out, &s->fmt, 250, NULL, lines, n);
  s->fmt.enhanced = srv_smtp_enh_offered(&s->ctx);
  free(greet);
  return SRV_CONTINUE;
}

static enum srv_action smtp_ehlo(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  if (s->rfc821) /* RFC 1869 §4.5: an old server knows no EHLO */
    return smtp_500(s, out);
  s->ehlo_seen = true;
  if (smtp_helo_refused(s, arg, out)) {
    if (smtp_fault(s, MS_F_EHLO_REFUSED_RESETS)) /* §4.1.4 forbids it */
      smtp_reset(s);
    return SRV_CONTINUE;
  }
  if (!smtp_fault(s, MS_F_EHLO_NO_RESET) || s->st < SMTP_MAIL) {
    smtp_reset(s); /* §4.1.4: as if RSET */
    s->st = SMTP_READY;
  }
  s->ehlo = true;
  free(s->helo); /* the trace line's FROM clause (issue 14) */
  s->helo = xstrdup(arg);
  return smtp_ehlo_reply(s, arg, out);
}

/* ---- MAIL, SEND, SOML, SAML --------------------------------------- */

static const char *smtp_skip_sp(const char *p) {
  while (*p == ' ')
    p++;
  return p;
}

/* "FROM:" or "TO:", case-insensitive (RFC 821 §4.1.2), and the path
 * right after the colon: RFC 5321 §4.1.1.2 writes "MAIL FROM:"
 * Reverse-path, with no space (the rfc821 profile tolerates one). */
static const char *smtp_keyword(const struct smtp_sess *s, const char *arg,
                                const char *kw) {
  size_t n = strlen(kw);
  if (strncasecmp(arg, kw, n) != 0)
    return NULL;
  return s->rfc821 ? smtp_skip_sp(arg + n) : arg + n;
}

/* A syntax error in the argument of MAIL (MAIL true) or RCPT: 501
 * (RFC 5321 §4.1.4 for MAIL; §4.3.2 for RCPT), or 500 under the faults
 * mail-syntax-500 and rcpt-syntax-500. */
static enum srv_action smtp_arg_error(struct smtp_sess *s, bool mail,
                                      const char *esc, const char *text,
                                      struct ms_buf *out) {
  bool f = smtp_fault(s, mail ? MS_F_MAIL_SYNTAX_500 : MS_F_RCPT_SYNTAX_500);
  smtp_say(s, out, f ? 500 : 501, esc, text);
  if (mail && !f && smtp_fault(s, MS_F_MAIL_501_OPENS) && s->st == SMTP_READY) {
    s->from = xstrdup(""); /* §4.1.4 forbids: the state changed */
    s->st = SMTP_MAIL;
  }
  return SRV_CONTINUE;
}

static enum srv_action smtp_path_error(struct smtp_sess *s,
                                       enum srv_smtp_path_err e, bool mail,
                                       const char *esc, struct ms_buf *out) {
  bool f500 = smtp_fault(s, mail ? MS_F_MAIL_SYNTAX_500 : MS_F_RCPT_SYNTAX_500);
  switch (e) {
  case SRV_PATH_TOO_LONG: /* RFC 821 §4.5.3 prints "501 Path too long" */
    return smtp_arg_error(s, mail, esc, "Path too long", out);
  case SRV_PATH_USER_TOO_LONG:
    smtp_say(s, out, f500 ? 500 : 553, esc,
             "User name too long (64 characters at most)");
    break;
  case SRV_PATH_DOMAIN_TOO_LONG:
    smtp_say(s, out, f500 ? 500 : 553, esc, "Domain name too long");
    break;
  default:
    return smtp_arg_error(s, mail, esc,
                          "Syntax error in parameters or arguments", out);
  }
  return SRV_CONTINUE;
}

/* P[0..N) is NAME= of the extension EXT that is offered, or used anyway
 * by a fault that leaves its keyword out. */
static bool smtp_ext_param(const struct smtp_sess *s, const char *p, size_t n,
                           const char *name, const char *ext,
                           enum ms_fault unadv) {
  size_t len = strlen(name);
  return n > len + 1 && strncasecmp(p, name, len) == 0 && p[len] == '=' &&
         (ms_world_ehlo_on(s->ctx.world, ext) ||
          ms_fault_on(&s->ctx.faults, unadv));
}

/* Unknown or unusable parameters: 555 (RFC 5321 §4.1.1.11). */
static void smtp_555(struct smtp_sess *s, struct ms_buf *out) {
  if (smtp_fault(s, MS_F_PARAM_501))
    smtp_501(s, out);
  else
    smtp_say(s, out, 555, "5.5.4",
             "Parameter not recognized or not implemented");
}

/* RFC 1870 SIZE=n and RFC 6152 BODY=7BIT|8BITMIME; anything else is 555
 * (RFC 5321 §4.1.1.11).  Returns true when a reply was written. */
static bool smtp_mail_param(struct smtp_sess *s, const char *p, size_t n,
                            struct ms_buf *out) {
  if (srv_auth_smtp_mail_param(&s->ctx, &s->auth, p, n)) /* RFC 4954 §5 */
    return false;
  int x = srv_smtp_ext_mail_param(&s->ctx, &s->x, p, n, &s->fmt, out);
  if (x >= 0) /* CHUNKING, SMTPUTF8, DSN */
    return x > 0;
  if (smtp_ext_param(s, p, n, "SIZE", "SIZE", MS_F_SIZE_UNADVERTISED) &&
      !smtp_fault(s, MS_F_SIZE_LIMIT_UNADVERTISED)) /* as not offered */
    return srv_smtp_size_param(&s->ctx, &s->size, p + 5, n - 5, &s->fmt, out);
  if (smtp_ext_param(s, p, n, "BODY", "8BITMIME", MS_F_8BIT_UNADVERTISED))
    return srv_smtp_8bit_param(&s->ctx, &s->b8, p + 5, n - 5, &s->fmt, out);
  smtp_555(s, out);
  return true;
}

/* Parameters after the path: none in RFC 821; RFC 5321 only after EHLO
 * announced the extensions. */
static bool smtp_params(struct smtp_sess *s, const char *rest, bool mail,
                        struct ms_buf *out) {
  if (*rest && *rest != ' ') { /* "<path>junk": SP comes first */
    smtp_arg_error(s, mail, mail ? "5.1.7" : "5.1.3",
                   "Syntax error: SP expected after the path", out);
    return true;
  }
  rest = smtp_skip_sp(rest);
  if (!*rest)
    return false;
  if (s->rfc821) {
    smtp_501(s, out);
    return true;
  }
  while (*rest) {
    size_t n = strcspn(rest, " ");
    int x = mail || !s->ehlo
                ? -1
                : srv_smtp_ext_rcpt_param(&s->ctx, &s->x, rest, n, &s->fmt,
                                          out); /* RFC 3461 */
    if (x > 0)
      return true;
    if (x == 0) {
      rest = smtp_skip_sp(rest + n);
      continue;
    }
    if (!mail || !s->ehlo) {
      smtp_555(s, out);
      return true;
    }
    if (smtp_mail_param(s, rest, n, out))
      return true;
    rest = smtp_skip_sp(rest + n);
  }
  return false;
}

static enum srv_action smtp_begin(struct smtp_sess *s, const char *arg,
                                  enum srv_smtp_kind kind, struct ms_buf *out) {
  if (!s->rfc821 && kind != SRV_SMTP_MAIL && /* gone from RFC 5321 */
      !smtp_fault(s, MS_F_SEND_UNLISTED))    /* F.6: else listed */
    return smtp_502(s, out);
  if (s->st == SMTP_INIT || s->st >= SMTP_MAIL) /* §4.1.1: HELO first */
    return smtp_503(s, out);
  if (kind != SRV_SMTP_MAIL && smtp_fault(s, MS_F_SEND_NO_TRANSACTION)) {
    smtp_ok(s, out, "2.1.0"); /* 5321-F.6-3 broken: not RFC 821's model */
    return SRV_CONTINUE;
  }
  const char *p = smtp_keyword(s, arg, "FROM:");
  if (!p)
    return smtp_arg_error(s, true, "5.5.4",
                          "Syntax error: MAIL FROM:<reverse-path>", out);
  struct srv_smtp_path path;
  size_t used;
  enum srv_smtp_path_err e = srv_smtp_path_parse_flags(
      p, strlen(p), s->rfc821 ? MS_PROFILE_RFC821 : MS_PROFILE_RFC5321, true,
      false, smtp_dom_flags(s) | srv_smtp_utf8_path_flags(&s->ctx, s->ehlo),
      &path, &used);
  if (e == SRV_PATH_OK && path.nhops && smtp_fault(s, MS_F_SOURCE_ROUTE_501)) {
    srv_smtp_path_free(&path); /* RFC 5321 §4.1.2: "MUST BE accepted" */
    e = SRV_PATH_SYNTAX;
  }
  if (e != SRV_PATH_OK)
    return smtp_path_error(s, e, true, "5.1.7", out);
  smtp_reset(s); /* none open (503 above): its parameters go in s->size */
  srv_smtp_ext_mail_begin(&s->x);
  if (smtp_params(s, p + used, true, out) ||
      srv_smtp_ext_mail_check(&s->ctx, &s->x, &path, &s->fmt, out) ||
      srv_submit_mail(&s->ctx, &s->auth, &path, &s->fmt, out)) {
    srv_smtp_path_free(&path);
    smtp_reset(s);
    return SRV_CONTINUE;
  }
  srv_smtp_ext_mail_commit(&s->x);
  s->kind = kind;
  s->from = xstrdup(path.mailbox);
  s->from_route = srv_smtp_notify_route(&path);
  s->st = SMTP_MAIL;
  if (!srv_smtp_utf8_mail_ok(&s->ctx, &s->x, &path, &s->fmt, out))
    smtp_ok(s, out, "2.1.0");
  srv_smtp_path_free(&path);
  return SRV_CONTINUE;
}

static enum srv_action smtp_mail(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  return smtp_begin(s, arg, SRV_SMTP_MAIL, out);
}
static enum srv_action smtp_send(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  return smtp_begin(s, arg, SRV_SMTP_SEND, out);
}
static enum srv_action smtp_soml(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  return smtp_begin(s, arg, SRV_SMTP_SOML, out);
}
static enum srv_action smtp_saml(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  return smtp_begin(s, arg, SRV_SMTP_SAML, out);
}

/* ---- RCPT --------------------------------------------------------- */

/* The reply for a resolved recipient; true when it was accepted. */
static bool smtp_rcpt_reply(struct smtp_sess *s, const struct srv_smtp_rcpt *r,
                            struct ms_buf *out) {
  bool ok; /* RFC 6531 §3.7.4.1: no UTF-8 251/551 without SMTPUTF8 */
  if (srv_smtp_utf8_forward(&s->ctx, &s->x, r, &s->fmt, out, &ok))
    return ok;
  switch (r->v) {
  case SRV_RCPT_MAILBOX:
  case SRV_RCPT_TERMINAL:
  case SRV_RCPT_RELAY:
    smtp_ok(s, out, "2.1.5");
    return true;
  case SRV_RCPT_SOML_MAIL: /* Appendix F, Scenario 6 */
    smtp_say(s, out, 250, "2.1.5", "User not active now, so will do mail.");
    return true;
  case SRV_RCPT_FORWARD: /* §3.2 */
    srv_smtp_reply(out, &s->fmt, 251, "2.1.5",
                   "User not local; will forward to %s", r->forward);
    return true;
  case SRV_RCPT_TRY:
    if (ms_fault_on(&s->ctx.faults, MS_F_ESC_MOVED_4XX)) /* 3463-3.2-5 */
      srv_smtp_reply(out, &s->fmt, 450, "4.1.6",
                     "User not local; please try %s", r->forward);
    else
      srv_smtp_reply(out, &s->fmt, 551, "5.1.6",
                     "User not local; please try %s", r->forward);
    return false;
  case SRV_RCPT_INACTIVE: /* §3.4 and Scenario 5 */
    smtp_say(s, out, 450, "4.2.1", "User not active now");
    return false;
  case SRV_RCPT_UNKNOWN:
    smtp_say(s, out, 550, "5.1.1", "No such user here");
    return false;
  case SRV_RCPT_NO_RELAY: /* RFC 5321 §3.6.2: relaying refused: 550 */
    smtp_say(s, out, smtp_fault(s, MS_F_RELAY_554) ? 554 : 550, "5.7.1",
             "Not a local user, and relaying denied");
    return false;
  }
  return false;
}

static enum srv_action smtp_rcpt_limit(struct smtp_sess *s,
                                       struct ms_buf *out) {
  if (s->rfc821) /* Appendix F, Scenario 10 */
    smtp_say(s, out, 552, NULL,
             "Recipient storage full, try again in another transaction");
  else /* RFC 5321 §4.5.3.1.10 */
    smtp_say(s, out, smtp_fault(s, MS_F_RCPT_LIMIT_451) ? 451 : 452, "4.5.3",
             "Too many recipients");
  return SRV_CONTINUE;
}

/* Faults deliver-refused-rcpt (the refused PATH is added all the same)
 * and, with LIMIT, rcpt-limit-discard (past the limit the first
 * recipient is silently dropped to make room: RFC 5321 §4.5.3.1.8
 * forbids it).  True when LIMIT made room. */
static bool smtp_rcpt_fault(struct smtp_sess *s, const struct srv_smtp_path *p,
                            bool limit) {
  struct srv_smtp_rcpt r;
  srv_smtp_rcpt_resolve(s->ctx.world, p, s->kind, &r);
  bool ok = r.key && (r.v == SRV_RCPT_MAILBOX || r.v == SRV_RCPT_RELAY);
  if (ok && limit && s->nrcpts > 0) {
    free(s->rcpts[0]);
    memmove(s->rcpts, s->rcpts + 1, (s->nrcpts - 1) * sizeof *s->rcpts);
    s->nrcpts--;
    s->naccepted--;
  }
  if (ok && !limit) {
    smtp_add_rcpt(s, r.key);
    r.key = NULL;
    if (s->st == SMTP_MAIL)
      s->st = SMTP_RCPT;
  }
  srv_smtp_rcpt_free(&r);
  return ok && limit;
}

/* The faults that break postmaster (RFC 5321 §4.1.1.3: case-insensitive;
 * §4.5.1: postmaster at every domain served MUST be accepted). */
static void smtp_postmaster_faults(const struct smtp_sess *s,
                                   const struct srv_smtp_path *p,
                                   struct srv_smtp_rcpt *r) {
  if (!p->local || !ms_streq_ci(p->local, "postmaster"))
    return;
  bool odd = strcmp(p->local, "postmaster") && strcmp(p->local, "Postmaster");
  if ((odd && smtp_fault(s, MS_F_POSTMASTER_CASE)) ||
      (p->domain && smtp_fault(s, MS_F_NO_POSTMASTER)) ||
      (!p->domain && smtp_fault(s, MS_F_BARE_POSTMASTER))) { /* 4.5.1-12 */
    srv_smtp_rcpt_free(r);
    r->v = SRV_RCPT_UNKNOWN;
  }
}

static enum srv_action smtp_rcpt(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  if (s->st != SMTP_MAIL && s->st != SMTP_RCPT)
    return smtp_503(s, out);
  const char *p = smtp_keyword(s, arg, "TO:");
  if (!p)
    return smtp_arg_error(s, false, "5.5.4",
                          "Syntax error: RCPT TO:<forward-path>", out);
  struct srv_smtp_path path;
  size_t used;
  enum srv_smtp_path_err e = srv_smtp_path_parse_flags(
      p, strlen(p), s->rfc821 ? MS_PROFILE_RFC821 : MS_PROFILE_RFC5321, false,
      true, smtp_dom_flags(s) | srv_smtp_utf8_path_flags(&s->ctx, s->ehlo),
      &path, &used);
  if (e == SRV_PATH_OK && path.nhops && smtp_fault(s, MS_F_SOURCE_ROUTE_501)) {
    srv_smtp_path_free(&path); /* RFC 5321 §4.1.2: "MUST BE accepted" */
    e = SRV_PATH_SYNTAX;
  }
  if (e != SRV_PATH_OK)
    return smtp_path_error(s, e, false, "5.1.3", out);
  bool follow =
      !s->rfc821 && path.nhops && smtp_fault(s, MS_F_SOURCE_ROUTE_FOLLOWED);
  if (!s->rfc821 && !follow)
    srv_smtp_rcpt_unroute(&path); /* RFC 5321 §3.3: "SHOULD ignore" */
  srv_smtp_ext_rcpt_begin(&s->x);
  if (smtp_params(s, p + used, false, out) ||
      srv_smtp_ext_rcpt_check(&s->ctx, &s->x, &path, &s->fmt, out) ||
      srv_submit_rcpt(&s->ctx, &path, &s->fmt, out)) {
    if (ms_fault_on(&s->ctx.faults, MS_F_DELIVER_REFUSED_RCPT))
      smtp_rcpt_fault(s, &path, false); /* refused, yet delivered to */
    srv_smtp_path_free(&path);
    return SRV_CONTINUE;
  }
  if (srv_submit_rcpt(&s->ctx, &path, &s->fmt, out)) {
    srv_smtp_path_free(&path);
    return SRV_CONTINUE;
  }
  if (s->naccepted + smtp_fault(s, MS_F_RCPT_LIMIT_99) >= /* 4.5.3.1.8-1 */
          s->ctx.world->max_recipients &&
      !(ms_fault_on(&s->ctx.faults, MS_F_RCPT_LIMIT_DISCARD) &&
        smtp_rcpt_fault(s, &path, true))) {
    srv_smtp_path_free(&path);
    return smtp_rcpt_limit(s, out);
  }
  if (!s->rfc821 && /* RFC 3463 §3 (srv_smtp_policy.c) */
      srv_smtp_policy_rcpt(&s->ctx, &path, s->from, &s->size, &s->fmt, out)) {
    srv_smtp_path_free(&path);
    return SRV_CONTINUE;
  }
  struct srv_smtp_rcpt r;
  srv_smtp_rcpt_resolve(s->ctx.world, &path, s->kind, &r);
  if (follow)
    srv_smtp_rcpt_follow(&path, &r);
  srv_smtp_relay_check(&s->ctx, &path, &r); /* the route needs a next hop */
  smtp_postmaster_faults(s, &path, &r);
  if (r.v == SRV_RCPT_UNKNOWN && ms_fault_on(&s->ctx.faults, MS_F_RCPT_250)) {
    r.v = SRV_RCPT_MAILBOX; /* fault rcpt-250 */
    r.key = xstrdup(path.mailbox);
  }
  if (r.v == SRV_RCPT_FORWARD &&
      ms_fault_on(&s->ctx.faults, MS_F_ALIAS_NOT_EXPANDED)) {
    free(r.key); /* 5321-3.9-1 broken: the alias model */
    r.key = xstrdup(path.mailbox);
  }
  if (r.v == SRV_RCPT_NO_RELAY && srv_submit_relay(&s->ctx, &s->auth)) {
    r.v = SRV_RCPT_RELAY; /* RFC 6409: an MSA relays what users submit */
    r.key = xstrdup(path.mailbox);
  }
  if (smtp_rcpt_reply(s, &r, out)) {
    s->naccepted++;
    s->st = SMTP_RCPT;
    srv_smtp_ext_rcpt_commit(&s->ctx, &s->x, &path);
    if (r.key)
      smtp_add_rcpt(s, r.key);
    r.key = NULL;
  } else if (srv_smtp_pipe_data_anyway(&s->ctx)) { /* 2920-3.2-4's faults */
    free(s->refused);
    s->refused = xstrdup(path.mailbox);
  }
  srv_smtp_rcpt_free(&r);
  srv_smtp_path_free(&path);
  return SRV_CONTINUE;
}

/* ---- DATA --------------------------------------------------------- */

static enum srv_action smtp_data(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  if (srv_submit_data(&s->ctx, &s->auth, arg, s->st == SMTP_RCPT, &s->fmt, out))
    return SRV_CONTINUE; /* RFC 6409 §6.3 */
  if (*arg)
    return smtp_501(s, out);
  if (s->st != SMTP_RCPT && /* no valid recipient (RFC 5321 §3.3) */
      !(s->st == SMTP_MAIL && srv_smtp_pipe_data_anyway(&s->ctx)))
    return smtp_503(s, out);
  int refused = srv_smtp_ext_data_refused(&s->ctx, &s->x); /* RFC 3030 */
  if (refused)
    return refused == 503 ? smtp_503(s, out) : smtp_502(s, out);
  s->st = SMTP_DATA;
  s->prev_crlf = true;   /* the DATA line's own CRLF */
  ms_buf_free(&s->data); /* a chunk of BDAT's (fault bdat-data-354) */
  ms_buf_init(&s->data, s->rfc821 ? s->data_max
                                  : srv_smtp_size_data_cap(&s->ctx, &s->size));
  /* 354 carries no enhanced code (ESC NULL), as in common practice */
  smtp_say(s, out, 354, NULL, "Start mail input; end with <CRLF>.<CRLF>");
  return ms_fault_on(&s->ctx.faults, MS_F_CLOSE_DATA) ? SRV_CLOSE
                                                      : SRV_CONTINUE;
}

/* The transaction as srv_smtp_deliver.c takes it, with its parameters
 * (DSN, SMTPUTF8, BODY=). */
static struct srv_smtp_txn smtp_txn(const struct smtp_sess *s) {
  return (struct srv_smtp_txn){s->helo ? s->helo : "",
                               s->ehlo,
                               s->auth.tls,
                               s->auth.done,
                               s->from ? s->from : "",
                               s->rcpts,
                               s->nrcpts,
                               s->data.p ? s->data.p : "",
                               s->data.len,
                               &s->x.txn,
                               s->from_route,
                               s->kind != SRV_SMTP_MAIL};
}

/* Fault second-message-451: the second message of a session is
 * delivered, yet its 250 becomes 451 (RFC 5321 §4.1.1.4, 4.1.1.4-6: "If
 * the processing is successful, the receiver MUST send an OK reply"). */
static void smtp_second_message(struct smtp_sess *s, struct ms_buf *out,
                                size_t from) {
  bool again = s->delivered;
  s->delivered = true;
  if (!again || !smtp_fault(s, MS_F_SECOND_451) || out->len <= from ||
      out->p[from] != '2')
    return;
  out->len = from;
  out->p[from] = '\0';
  smtp_say(s, out, 451, "4.3.0",
           "Requested action aborted: local error in processing");
}

/* The end of data: 250, or a failure reply (RFC 5321 §4.1.1.4: "If the
 * processing fails, the receiver MUST send a failure reply"; the fault
 * data-fail-close sends none and closes). */
static enum srv_action smtp_data_done(struct smtp_sess *s, struct ms_buf *out) {
  const char *why;
  size_t from = out->len;
  if (smtp_fault(s, MS_F_MESSAGE_60000) && s->data.len > 60000)
    smtp_say(s, out, 552, "5.3.4", "Too much mail data."); /* 4.5.3.1.7-1 */
  else if (s->too_big && s->rfc821)                        /* §4.5.3 */
    smtp_say(s, out, 552, "5.3.4", "Too much mail data.");
  else if (!s->rfc821 && /* RFC 1870 §4 */
           srv_smtp_size_done(&s->ctx, &s->size, s->too_big, &s->fmt, out))
    ;
  else if (s->too_long)
    smtp_say(s, out, 500, "5.5.2", "Line too long.");
  else if (s->bare_lf) /* RFC 5321 §2.3.8: CR and LF only as CRLF */
    smtp_say(s, out, 554, "5.6.0",
             "Transaction failed: bare LF in mail data; lines end in <CRLF>");
  else if (srv_smtp_8bit_done(&s->ctx, &s->b8, &s->fmt, out))
    ;
  else if (s->naccepted == 0) { /* only after fault data-354-no-rcpt */
    smtp_say(s, out, 554, "5.5.1", "Transaction failed: no valid recipients");
    srv_smtp_pipe_empty_notice(&s->ctx, s->from, s->refused, s->data.len);
  } else if ((why = srv_smtp_hdr_refusal(&s->ctx.faults, s->data.p,
                                         s->data.len)) != NULL)
    smtp_say(s, out, 554, "5.6.0", why); /* faults only (srv_smtp_hdr.c) */
  else if (srv_submit_message(&s->ctx, s->data.p ? s->data.p : "", s->data.len,
                              &s->fmt, out))
    (void)0; /* refused by the MSA (RFC 6409 §5.1, §6.3) */
  else if (srv_smtp_eod_refuse(&s->ctx, &s->x, s->data.p ? s->data.p : "",
                               s->data.len, &s->fmt, out))
    (void)0; /* RFC 6531 §3.5: refused, reply written */
  else {     /* trace line, loop check, final delivery (issue 14) */
    srv_smtp_deliver_txn(&s->ctx, smtp_txn(s), &s->fmt, out, &s->pending);
    smtp_second_message(s, out, from);
  }
  smtp_reset(s);
  if (smtp_fault(s, MS_F_DATA_FAIL_CLOSE) && out->len > from &&
      out->p[from] != '2') {
    out->len = from;
    out->p[from] = '\0';
    return SRV_CLOSE;
  }
  return SRV_CONTINUE;
}

static enum srv_action smtp_line(void *sess, const char *line, size_t len,
                                 bool crlf, struct ms_buf *out);

/* Fault cr-dot-cr: <CR>.<CR> in a data line ends the data there, and
 * what follows on the line is a command (the bare-CR smuggling class). */
static bool smtp_cr_dot_cr(struct smtp_sess *s, const char *line, size_t len,
                           bool crlf, struct ms_buf *out,
                           enum srv_action *act) {
  const char *m = NULL;
  for (size_t i = 0; i + 3 <= len && !m; i++)
    if (line[i] == '\r' && line[i + 1] == '.' && line[i + 2] == '\r')
      m = line + i;
  if (!ms_fault_on(&s->ctx.faults, MS_F_CR_DOT_CR) || !m)
    return false;
  if (!s->too_big && (ms_buf_add(&s->data, line, (size_t)(m - line)) < 0 ||
                      ms_buf_add(&s->data, "\r\n", 2) < 0))
    s->too_big = true;
  (void)smtp_data_done(s, out);
  size_t used = (size_t)(m - line) + 3;
  *act = used < len ? smtp_line(s, m + 3, len - used, crlf, out) : SRV_CONTINUE;
  return true;
}

/* A mail data line (§4.5.2): a lone "." after CRLF ends the data; a
 * leading dot is removed; otherwise kept as it came, with CRLF. */
static enum srv_action smtp_data_line(struct smtp_sess *s, const char *line,
                                      size_t len, bool crlf,
                                      struct ms_buf *out) {
  enum srv_action act;
  if (smtp_cr_dot_cr(s, line, len, crlf, out, &act))
    return act;
  bool lf_dot = ms_fault_on(&s->ctx.faults, MS_F_LF_DOT_LF); /* the fault */
  if (((crlf && s->prev_crlf) || lf_dot) && len == 1 && line[0] == '.')
    return smtp_data_done(s, out);
  s->prev_crlf = crlf;
  s->bare_lf |= !crlf && !lf_dot;
  bool dot = len > 0 && line[0] == '.';
  if (len - dot + 2 > srv_smtp_8bit_line_max(&s->ctx)) /* §4.5.3.1.6 */
    s->too_long = true;
  bool unstuff = dot && !ms_fault_on(&s->ctx.faults, MS_F_NO_UNSTUFF);
  if (unstuff) {
    line++;
    len--;
  }
  if (!s->too_big && (ms_buf_add(&s->data, line, len) < 0 ||
                      ms_buf_add(&s->data, "\r\n", 2) < 0))
    s->too_big = true;
  srv_smtp_8bit_line(&s->b8, line, len);
  if (srv_smtp_size_line(&s->ctx, &s->size, len, unstuff))
    smtp_data_done(s, out); /* fault size-ends-data */
  return SRV_CONTINUE;
}

/* ---- RSET, NOOP, QUIT, TURN --------------------------------------- */

static enum srv_action smtp_rset(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  if (*arg)
    return smtp_501(s, out);
  if (s->x.bdat && s->nrcpts && smtp_fault(s, MS_F_BDAT_RSET_DELIVERS)) {
    struct srv_smtp_ext_txn t = {s->from, s->rcpts, s->nrcpts, &s->data};
    srv_smtp_eod_store(&s->ctx, &s->x, &t); /* RFC 3030 §2: "clears" */
  }
  smtp_reset(s);
  smtp_ok(s, out, "2.0.0");
  return SRV_CONTINUE;
}

static enum srv_action smtp_noop(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  (void)arg; /* RFC 5321 §4.1.1.9: a parameter is ignored */
  smtp_ok(s, out, "2.0.0");
  return SRV_CONTINUE;
}

static enum srv_action smtp_quit(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  /* RFC 5321 §4.3.2: QUIT takes no argument: 501 (SHOULD) */
  if (*arg && !s->rfc821 && !smtp_fault(s, MS_F_QUIT_ARGS_OK))
    return smtp_501(s, out);
  srv_smtp_pending_flush(&s->ctx, &s->pending);
  srv_smtp_reply(out, &s->fmt, 221, "2.0.0",
                 "%s Service closing transmission channel", smtp_host(s));
  return SRV_CLOSE;
}

/* §4.1.1 TURN: "send a refusal reply and retain the role of the
 * receiver-SMTP" -- 502, which §3.8 names as the refusal. */
static enum srv_action smtp_turn(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  (void)arg;
  if (smtp_fault(s, MS_F_TURN_554)) { /* 5321-4.2.4-1: not 502 */
    smtp_say(s, out, 554, "5.7.1", "TURN refused");
    return SRV_CONTINUE;
  }
  return smtp_502(s, out);
}

/* ---- VRFY, EXPN --------------------------------------------------- */

static char *smtp_unbracket(const char *arg) {
  size_t n = strlen(arg);
  if (n >= 2 && arg[0] == '<' && arg[n - 1] == '>')
    return xstrndup(arg + 1, n - 2);
  return xstrdup(arg);
}

static bool smtp_word_of(const char *fullname, const char *q) {
  if (!fullname)
    return false;
  if (ms_streq_ci(fullname, q))
    return true;
  size_t qn = strlen(q);
  for (const char *p = fullname; *p;) {
    size_t n = strcspn(p, " ");
    if (n == qn && strncasecmp(p, q, n) == 0)
      return true;
    p += n;
    p += strspn(p, " ");
  }
  return false;
}

/* §3.3: "user name" is fuzzy: a mailbox, a login name, or a word of
 * the full name ("VRFY Crispin").  Exact login names win. */
static size_t smtp_vrfy_match(const struct ms_world *w, const char *q,
                              const struct ms_world_user **m) {
  size_t n = 0;
  if (strchr(q, '@')) {
    const struct ms_world_user *u = ms_world_find_user(w, q);
    if (u)
      m[n++] = u;
    return n;
  }
  for (size_t i = 0; i < w->nusers && n < SMTP_VRFY_MAX; i++)
    if (ms_streq_ci(w->users[i].name, q))
      m[n++] = &w->users[i];
  if (n)
    return n;
  for (size_t i = 0; i < w->nusers && n < SMTP_VRFY_MAX; i++)
    if (smtp_word_of(w->users[i].fullname, q))
      m[n++] = &w->users[i];
  return n;
}

static char *smtp_user_line(const struct smtp_sess *s,
                            const struct ms_world_user *u) {
  const char *dom = u->domain ? u->domain : smtp_host(s);
  if (u->fullname && *u->fullname)
    return xasprintf("%s <%s@%s>", u->fullname, u->name, dom);
  return xasprintf("<%s@%s>", u->name, dom);
}

static void smtp_vrfy_one(struct smtp_sess *s, const struct ms_world_user *u,
                          struct ms_buf *out) {
  int code = 250;
  const char *esc = "2.1.5";
  char *text;
  if (u->forward && u->forward_551) {
    code = 551;
    esc = "5.1.6";
    text = xasprintf("User not local; please try %s", u->forward);
  } else if (u->forward) {
    code = 251;
    text = xasprintf("User not local; will forward to %s", u->forward);
  } else if (smtp_fault(s, MS_F_VRFY_NO_MAILBOX)) { /* §3.5.1 forbids */
    text = xstrdup("OK, that user exists");
  } else {
    text = smtp_user_line(s, u);
    if (smtp_fault(s, MS_F_VRFY_PATH)) { /* §3.5.2: no paths */
      char *path = xasprintf("<@%s:%s", smtp_host(s), strchr(text, '<') + 1);
      free(text);
      text = path;
    }
  }
  /* RFC 6531 §3.7.4.2: UTF-8 only after VRFY ... SMTPUTF8 */
  if (!srv_smtp_utf8_vrfy_reply(&s->ctx, &s->x, code, text, &s->fmt, out))
    smtp_say(s, out, code, esc, text);
  free(text);
}

/* RFC 5321 §3.5.4's form: a first line, then one mailbox per line. */
static void smtp_vrfy_ambiguous(struct smtp_sess *s,
                                const struct ms_world_user **m, size_t n,
                                struct ms_buf *out) {
  char **lines = xcalloc(n + 1, sizeof *lines);
  lines[0] = xstrdup("User ambiguous; possibilities are");
  for (size_t i = 0; i < n; i++)
    lines[i + 1] = smtp_user_line(s, m[i]);
  srv_smtp_reply_lines(out, &s->fmt, 553, "5.1.4", (const char *const *)lines,
                       n + 1);
  for (size_t i = 0; i <= n; i++)
    free(lines[i]);
  free(lines);
}

/* The VRFY faults of RFC 5321 §7.3: a disabled VRFY answers 252, and
 * one that always says 550 is "equally not in conformance".  True when
 * a reply was written. */
static bool smtp_vrfy_faults(struct smtp_sess *s, const char *q,
                             struct ms_buf *out) {
  if (smtp_fault(s, MS_F_VRFY_502))
    smtp_502(s, out);
  else if (smtp_fault(s, MS_F_VRFY_550) ||
           (smtp_fault(s, MS_F_VRFY_NO_NAMES) && !strchr(q, '@')))
    smtp_say(s, out, 550, "5.1.1", "No such user here");
  else
    return false;
  return true;
}

static enum srv_action smtp_vrfy(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  if (!*arg)
    return smtp_501(s, out);
  char *a = srv_smtp_utf8_vrfy_arg(&s->ctx, &s->x, s->ehlo, arg);
  char *q = smtp_unbracket(a);
  free(a);
  if (smtp_vrfy_faults(s, q, out)) {
    free(q);
    return SRV_CONTINUE;
  }
  const struct ms_world_user *m[SMTP_VRFY_MAX];
  size_t n = smtp_vrfy_match(s->ctx.world, q, m);
  if (n == 1)
    smtp_vrfy_one(s, m[0], out);
  else if (n > 1) /* §3.3: "553 User ambiguous" */
    smtp_vrfy_ambiguous(s, m, n, out);
  else if (ms_world_find_list(s->ctx.world, q))
    smtp_say(s, out, 550, "5.1.1", "That is a mailing list, not a user");
  else if (s->rfc821) /* §3.3, Example 3 */
    smtp_say(s, out, 550, NULL, "String does not match anything.");
  else if (smtp_fault(s, MS_F_VRFY_SYNTAX_250)) /* 3.5.3-2 forbids it */
    smtp_say(s, out, 250, "2.1.5", q);
  else /* RFC 5321 §3.5.3 */
    smtp_say(s, out, 252, "2.5.0",
             "Cannot VRFY user, but will accept message and attempt delivery");
  free(q);
  return SRV_CONTINUE;
}

/* Fault expn-names-only: each member without its mailbox (RFC 5321
 * §3.5.1: the 250 reply "MUST give the mailboxes on the mailing list"). */
static void smtp_expn_names(struct smtp_sess *s, const struct ms_world_list *l,
                            struct ms_buf *out) {
  char **lines = xcalloc(l->nmembers + 1, sizeof *lines);
  for (size_t i = 0; i < l->nmembers; i++) {
    const char *m = l->members[i], *lt = strchr(m, '<');
    size_t n = lt ? (size_t)(lt - m) : strlen(m);
    while (n && m[n - 1] == ' ')
      n--;
    lines[i] = n ? xstrndup(m, n) : xstrdup("a member");
  }
  srv_smtp_reply_lines(out, &s->fmt, 250, "2.1.5", (const char *const *)lines,
                       l->nmembers);
  for (size_t i = 0; i < l->nmembers; i++)
    free(lines[i]);
  free(lines);
}

/* A member delivered to a program is written "Name <box@host> |/path"
 * in the world: RFC 5321 §3.5.2, "if an address implies delivery to a
 * program or other system, the mailbox name used to reach that target
 * MUST be given", so EXPN shows "Name <box@host>" (the fault
 * expn-program-path: the program instead).  Caller frees. */
static char *smtp_expn_target(struct smtp_sess *s, const char *m) {
  const char *bar = strstr(m, " |");
  if (!bar)
    return xstrdup(m);
  if (smtp_fault(s, MS_F_EXPN_PROGRAM_PATH))
    return xstrdup(bar + 1);
  return xstrndup(m, (size_t)(bar - m));
}

/* RFC 5321 §3.5.2: "Paths (explicit source routes) MUST NOT be returned
 * by VRFY or EXPN": a member "Name <@A,@B:box@C>" is given as
 * "Name <box@C>" (RFC 821's Scenario 7 lists show the route).  RFC 821
 * (RFC821 true) shows them as they are. */
static void smtp_expn_list(struct smtp_sess *s, const struct ms_world_list *l,
                           bool rfc821, struct ms_buf *out) {
  char **lines = xcalloc(l->nmembers + 1, sizeof *lines);
  for (size_t i = 0; i < l->nmembers; i++) {
    char *m = smtp_expn_target(s, l->members[i]);
    const char *r = strstr(m, "<@"), *c;
    if (!rfc821 && r && (c = strchr(r, ':')) != NULL)
      lines[i] = xasprintf("%.*s<%s", (int)(r - m), m, c + 1);
    else
      lines[i] = xstrdup(m);
    free(m);
  }
  srv_smtp_reply_lines(out, &s->fmt, 250, "2.1.5", (const char *const *)lines,
                       l->nmembers);
  for (size_t i = 0; i < l->nmembers; i++)
    free(lines[i]);
  free(lines);
}

/* EXPN from the world's lists, in both profiles (RFC 5321 §3.5.1 SHOULD
 * support it; the rfc5321 profile lists it in EHLO, §3.5.2). */
static enum srv_action smtp_expn(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  if (!*arg)
    return smtp_501(s, out);
  /* RFC 5321 §7.3: "If a site disables these commands for security
   * reasons, the SMTP server MUST return a 252 response" (the fault
   * expn-disabled-250: a 250 that reads like an expansion). */
  if (s->ctx.world && s->ctx.world->expn_disabled) {
    if (smtp_fault(s, MS_F_EXPN_DISABLED_250))
      smtp_say(s, out, 250, "2.0.0", "EXPN is disabled");
    else
      smtp_say(s, out, 252, "2.5.0", "EXPN is disabled");
    return SRV_CONTINUE;
  }
  char *q = smtp_unbracket(arg);
  const struct ms_world_list *l = ms_world_find_list(s->ctx.world, q);
  const struct ms_world_user *m[SMTP_VRFY_MAX];
  if (l && smtp_fault(s, MS_F_EXPN_NAMES_ONLY))
    smtp_expn_names(s, l, out);
  else if (l) /* RFC 821 §3.3: one mailbox per line */
    smtp_expn_list(s, l, s->rfc821, out);
  else if (smtp_vrfy_match(s->ctx.world, q, m))
    smtp_say(s, out, 550, NULL, "That is a user name, not a mailing list");
  else
    smtp_say(s, out, 550, NULL, "Access denied to you.");
  free(q);
  return SRV_CONTINUE;
}

/* ---- HELP --------------------------------------------------------- */

struct smtp_help {
  const char *verb, *syntax;
  bool rfc821_only;
};

/* RFC 821 §4.1.2 and RFC 5321 §4.1.1 */
static const struct smtp_help smtp_helps[] = {
    {"HELO", "HELO <SP> <domain> <CRLF>", false},
    {"EHLO", "EHLO <SP> <domain> <CRLF>", false},
    {"MAIL", "MAIL <SP> FROM:<reverse-path> [<SP> <parameters>] <CRLF>", false},
    {"RCPT", "RCPT <SP> TO:<forward-path> <CRLF>", false},
    {"DATA", "DATA <CRLF>", false},
    {"RSET", "RSET <CRLF>", false},
    {"SEND", "SEND <SP> FROM:<reverse-path> <CRLF>", true},
    {"SOML", "SOML <SP> FROM:<reverse-path> <CRLF>", true},
    {"SAML", "SAML <SP> FROM:<reverse-path> <CRLF>", true},
    {"VRFY", "VRFY <SP> <string> <CRLF>", false},
    {"EXPN", "EXPN <SP> <string> <CRLF>", false},
    {"HELP", "HELP [<SP> <string>] <CRLF>", false},
    {"NOOP", "NOOP <CRLF>", false},
    {"QUIT", "QUIT <CRLF>", false},
    {"TURN", "TURN <CRLF> (refused here with 502, RFC 821 §3.8)", true},
};
#define SMTP_NHELP (sizeof smtp_helps / sizeof smtp_helps[0])

static enum srv_action smtp_help_topic(struct smtp_sess *s, const char *arg,
                                       struct ms_buf *out) {
  for (size_t i = 0; i < SMTP_NHELP; i++) {
    const struct smtp_help *h = &smtp_helps[i];
    if (!ms_streq_ci(h->verb, arg) || (h->rfc821_only && !s->rfc821) ||
        (s->rfc821 && !strcmp(h->verb, "EHLO")))
      continue;
    smtp_say(s, out, 214, "2.0.0", h->syntax);
    return SRV_CONTINUE;
  }
  smtp_say(s, out, 504, "5.5.4", "HELP topic unknown");
  return SRV_CONTINUE;
}

static enum srv_action smtp_help(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  if (*arg)
    return smtp_help_topic(s, arg, out);
  const char *l821[] = {
      "This is the mailspec reference server, profile rfc821 (RFC 821).",
      "Commands:",
      "    HELO    MAIL    RCPT    DATA    RSET    SEND    SOML",
      "    SAML    VRFY    EXPN    HELP    NOOP    QUIT    TURN",
      "For more on a command, use \"HELP <command>\".",
      "End of HELP info"};
  const char *l5321[] = {
      "This is the mailspec reference server, profile rfc5321 (RFC 5321).",
      "Commands:",
      "    EHLO    HELO    MAIL    RCPT    DATA    RSET    VRFY",
      "    EXPN    HELP    NOOP    QUIT",
      "For more on a command, use \"HELP <command>\".",
      "End of HELP info"};
  srv_smtp_reply_lines(out, &s->fmt, 214, "2.0.0", s->rfc821 ? l821 : l5321, 6);
  return SRV_CONTINUE;
}

/* ---- STARTTLS, AUTH (srv_auth.c) ----------------------------------- */

static enum srv_action smtp_starttls(struct smtp_sess *s, const char *arg,
                                     struct ms_buf *out) {
  enum srv_action a =
      srv_auth_smtp_starttls(&s->ctx, &s->auth, arg, &s->fmt, out);
  if (a == SRV_STARTTLS &&
      !ms_fault_on(&s->ctx.faults, MS_F_STARTTLS_NO_RESET)) {
    /* RFC 3207 §4.2: back to the initial state */
    smtp_reset(s);
    s->st = SMTP_INIT;
    s->ehlo = false;
  }
  return a;
}

/* The AUTH extension exists once EHLO announced it (s->ehlo is set by
 * EHLO and cleared by HELO and STARTTLS). */
static enum srv_action smtp_auth(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  if (s->rfc821)
    return smtp_500(s, out);
  srv_auth_smtp_auth(&s->ctx, &s->auth, arg, s->st != SMTP_INIT && s->ehlo,
                     s->st >= SMTP_MAIL, &s->fmt, out);
  return SRV_CONTINUE;
}

/* ---- BDAT (srv_smtp_bdat.c) ---------------------------------------- */

static enum srv_action smtp_bdat_end(struct smtp_sess *s, struct ms_buf *out) {
  struct srv_smtp_ext_txn t = {s->from, s->rcpts, s->nrcpts, &s->data};
  switch (srv_smtp_bdat_end(&s->ctx, &s->x, &t, &s->fmt, out)) {
  case SRV_BDAT_EOD: /* the LAST chunk: DATA's end of data (RFC 3030 §2:
                        BDAT LAST is "the last chunk of the message") */
    return smtp_data_done(s, out);
  case SRV_BDAT_OVER:
    smtp_reset(s);
    break;
  case SRV_BDAT_MORE:
    break;
  }
  return SRV_CONTINUE;
}

/* RFC 3030 §2: a command once EHLO announced CHUNKING. */
static enum srv_action smtp_bdat(struct smtp_sess *s, const char *arg,
                                 struct ms_buf *out) {
  if (s->rfc821 || !s->ehlo || !srv_smtp_bdat_offered(&s->ctx))
    return smtp_500(s, out);
  if (srv_smtp_bdat_begin(&s->ctx, &s->x, arg, s->st >= SMTP_MAIL,
                          s->st == SMTP_RCPT, &s->fmt, out))
    return smtp_bdat_end(s, out); /* BDAT 0: the chunk is complete */
  return SRV_CONTINUE;
}

static size_t smtp_raw_want(void *sess) {
  return srv_smtp_bdat_want(&((struct smtp_sess *)sess)->x);
}

static enum srv_action smtp_raw(void *sess, const char *p, size_t n,
                                struct ms_buf *out) {
  struct smtp_sess *s = sess;
  if (srv_smtp_bdat_octets(&s->x, p, n, &s->data))
    return smtp_bdat_end(s, out);
  return SRV_CONTINUE;
}

/* ---- dispatch ----------------------------------------------------- */

struct smtp_cmd {
  const char *verb;
  smtp_fn fn;
  bool before_helo; /* allowed before HELO (RFC 821 §4.1.1) */
};

static const struct smtp_cmd smtp_cmds[] = {
    {"HELO", smtp_helo, true},  {"EHLO", smtp_ehlo, true},
    {"MAIL", smtp_mail, false}, {"SEND", smtp_send, false},
    {"SOML", smtp_soml, false}, {"SAML", smtp_saml, false},
    {"RCPT", smtp_rcpt, false}, {"DATA", smtp_data, false},
    {"RSET", smtp_rset, true},  {"VRFY", smtp_vrfy, true},
    {"EXPN", smtp_expn, true},  {"HELP", smtp_help, true},
    {"NOOP", smtp_noop, true},  {"QUIT", smtp_quit, true},
    {"TURN", smtp_turn, true},  {"AUTH", smtp_auth, true},
    {"BDAT", smtp_bdat, false},
};

/* Commands are ASCII text: NUL, other controls and 8-bit octets make
 * the line unrecognizable (500). */
static bool smtp_clean(const char *line, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)line[i];
    if (ch < ' ' || ch >= 127)
      return false;
  }
  return true;
}

/* Faults of the dispatch: helo-first (RFC 5321 §4.1.4: VRFY, EXPN and
 * HELP need no EHLO first) and greet-554-close (§3.1: after a 554
 * greeting the server waits for QUIT).  True when they answered. */
static bool smtp_dispatch_faults(struct smtp_sess *s, const char *verb,
                                 struct ms_buf *out, enum srv_action *a) {
  if (s->st == SMTP_INIT && smtp_fault(s, MS_F_HELO_FIRST) &&
      (!strcmp(verb, "VRFY") || !strcmp(verb, "EXPN") ||
       !strcmp(verb, "HELP"))) {
    *a = smtp_503(s, out);
    return true;
  }
  return false;
}

/* branch prove: faults of RSET (RFC 5321 §4.1.1.5), each breaking one
 * requirement.  True when they answered. */
static bool smtp_rset_faults(struct smtp_sess *s, const char *arg,
                             struct ms_buf *out, enum srv_action *a) {
  bool txn = !*arg && s->st >= SMTP_MAIL;
  if (s->st == SMTP_INIT && smtp_fault(s, MS_F_RSET_503_INIT))
    *a = smtp_503(s, out); /* 4.1.1.5-2: 250, RSET "at any time" */
  else if (txn && smtp_fault(s, MS_F_RSET_KEEPS_TXN))
    smtp_ok(s, out, "2.0.0"); /* 4.1.1.5-1: yet nothing discarded */
  else if (txn && smtp_fault(s, MS_F_RSET_TXN_500))
    *a = smtp_500(s, out); /* 4.1.1.5-2: "250 OK" to RSET */
  else if (*arg && smtp_fault(s, MS_F_RSET_ARG_CLOSE)) {
    smtp_501(s, out); /* 4.1.1.5-3: "MUST NOT close" on a RSET */
    *a = SRV_CLOSE;
  } else
    return false;
  return true;
}

/* The octets of the path in the argument of MAIL or RCPT, brackets
 * included (fault path-255). */
static size_t smtp_path_octets(const char *arg) {
  const char *lt = strchr(arg, '<'), *gt = lt ? strchr(lt, '>') : NULL;
  return gt ? (size_t)(gt - lt) + 1 : 0;
}

/* branch prove: faults of one command each, before it runs (issue 13
 * §4: every RFC 5321 MUST test can be shown to fail).  True when they
 * answered. */
static bool smtp_command_faults(struct smtp_sess *s, const char *verb,
                                const char *arg, struct ms_buf *out,
                                enum srv_action *a) {
  bool mail = !strcmp(verb, "MAIL"), rcpt = !strcmp(verb, "RCPT");
  *a = SRV_CONTINUE;
  if (!strcmp(verb, "RSET"))
    return smtp_rset_faults(s, arg, out, a);
  if (mail && s->st >= SMTP_MAIL && smtp_fault(s, MS_F_NESTED_MAIL_250)) {
    smtp_reset(s); /* 4.1.4-20: 503, not a new transaction */
    s->st = SMTP_READY;
    return false;
  }
  if ((!strcmp(verb, "NOOP") && smtp_fault(s, MS_F_NOOP_502)) || /* 4.5.1-7 */
      (!strcmp(verb, "HELO") && smtp_fault(s, MS_F_HELO_502)) || /* F.3-2 */
      (smtp_fault(s, MS_F_LISTED_502) && /* 4.2.4-3: listed, yet 502 */
       (!strcmp(verb, "VRFY") || !strcmp(verb, "EXPN") ||
        !strcmp(verb, "HELP"))))
    *a = smtp_502(s, out);
  else if (!strcmp(verb, "EHLO") && s->ehlo &&
           smtp_fault(s, MS_F_EHLO_AGAIN_503)) /* 4.1.4-5 */
    *a = smtp_503(s, out);
  else if (rcpt && s->st == SMTP_READY &&
           smtp_fault(s, MS_F_RCPT_NO_MAIL_250)) /* 3.3-11: 503 */
    smtp_ok(s, out, "2.1.5");
  else if (mail && smtp_fault(s, MS_F_NULL_SENDER_501) &&
           strncasecmp(arg, "FROM:<>", 7) == 0) /* 4.1.2-6: "<>" allowed */
    *a = smtp_501(s, out);
  else if ((mail || rcpt) && smtp_fault(s, MS_F_PATH_255) &&
           smtp_path_octets(arg) >= 256) /* 4.5.3.1.3-1: 256 allowed */
    smtp_say(s, out, 501, "5.1.3", "Path too long");
  else if (!strcmp(verb, "QUIT") && smtp_fault(s, MS_F_QUIT_250)) {
    smtp_ok(s, out, "2.0.0"); /* 4.1.1.10-1: "221 OK" */
    *a = SRV_CLOSE;
  } else
    return false;
  return true;
}

/* Greeted with 554 (§3.1): 503 to every command but QUIT. */
static enum srv_action smtp_refused(struct smtp_sess *s, struct ms_buf *out) {
  smtp_503(s, out);
  return smtp_fault(s, MS_F_GREET_554_CLOSE) ? SRV_CLOSE : SRV_CONTINUE;
}

static enum srv_action smtp_command(struct smtp_sess *s, char *line,
                                    struct ms_buf *out) {
  size_t vlen = strcspn(line, " ");
  char *arg = line + vlen;
  arg += strspn(arg, " ");
  size_t alen = strlen(arg);
  while (alen && arg[alen - 1] == ' ')
    arg[--alen] = '\0';
  char verb[16];
  snprintf(verb, sizeof verb, "%.*s", (int)(vlen < 15 ? vlen : 15), line);
  if (s->st != SMTP_REFUSED &&
      srv_auth_smtp_insufficient(&s->ctx, &s->auth, verb, &s->fmt, out))
    return SRV_CONTINUE; /* RFC 3207 §4.1: 554 */
  if (!s->rfc821 && s->st != SMTP_REFUSED && vlen == 8 &&
      strncasecmp(line, "STARTTLS", 8) == 0) /* RFC 3207, not 4 letters */
    return smtp_starttls(s, arg, out);
  for (size_t i = 0; i < sizeof smtp_cmds / sizeof smtp_cmds[0]; i++) {
    const struct smtp_cmd *c = &smtp_cmds[i];
    enum srv_action a;
    if (vlen != 4 || strncasecmp(line, c->verb, 4) != 0)
      continue;
    if (s->st == SMTP_REFUSED && c->fn != smtp_quit)
      return smtp_refused(s, out);
    if (smtp_dispatch_faults(s, c->verb, out, &a) ||
        smtp_command_faults(s, c->verb, arg, out, &a))
      return a;
    if (srv_auth_smtp_gate(&s->ctx, &s->auth, c->verb, &s->fmt, out))
      return SRV_CONTINUE; /* 530: TLS or AUTH first */
    return c->fn(s, arg, out);
  }
  if (srv_submit_command(&s->ctx, verb, &s->fmt, out))
    return SRV_CONTINUE; /* fault submission-etrn */
  if (s->st == SMTP_REFUSED)
    return smtp_refused(s, out);
  if (smtp_fault(s, MS_F_UNKNOWN_502)) /* §4.2.4: unrecognized is 500 */
    return smtp_502(s, out);
  smtp_500(s, out); /* fault unknown-close: 3.8-2 forbids the close */
  return smtp_fault(s, MS_F_UNKNOWN_CLOSE) ? SRV_CLOSE : SRV_CONTINUE;
}

/* A chunk that arrives as lines (unit tests and fuzzers drive the session
 * line by line): the octets with their line end; what follows the chunk
 * on the line is a command line. */
static enum srv_action smtp_chunk_line(struct smtp_sess *s, const char *line,
                                       size_t len, bool crlf,
                                       struct ms_buf *out) {
  size_t n = len + (crlf ? 2 : 1), used = 0;
  char *b = xmalloc(n);
  memcpy(b, line, len);
  memcpy(b + len, crlf ? "\r\n" : "\n", n - len);
  while (used < n && smtp_raw_want(s)) {
    size_t want = smtp_raw_want(s), k = n - used < want ? n - used : want;
    smtp_raw(s, b + used, k, out);
    used += k;
  }
  enum srv_action a = SRV_CONTINUE;
  if (used < len)
    a = smtp_line(s, b + used, len - used, crlf, out);
  else if (used == len) /* the chunk ended right before the line end */
    a = smtp_line(s, "", 0, crlf, out);
  free(b);
  return a;
}

/* Trailing white space before the CRLF is tolerated (RFC 5321 §4.1.1,
 * SHOULD): the length without it; the fault trailing-space-501 refuses
 * such a command instead (*REFUSE). */
static size_t smtp_trim(const struct smtp_sess *s, const char *line, size_t len,
                        bool *refuse) {
  size_t n = len;
  while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
    n--;
  *refuse = n < len && smtp_fault(s, MS_F_TRAILING_SPACE_501);
  return n;
}

static enum srv_action smtp_line(void *sess, const char *line, size_t len,
                                 bool crlf, struct ms_buf *out) {
  struct smtp_sess *s = sess;
  if (smtp_raw_want(s))
    return smtp_chunk_line(s, line, len, crlf, out);
  if (s->st == SMTP_DATA)
    return smtp_data_line(s, line, len, crlf, out);
  if (srv_auth_busy(&s->auth)) /* a SASL response (RFC 4954 §4) */
    return srv_auth_smtp_line(&s->ctx, &s->auth, line, len, &s->fmt, out);
  /* RFC 5321 §2.3.8: only CRLF ends a line, so a bare LF is inside the
   * command line; the whole line up to the CRLF gets one reply.  (The
   * fault cmd-bare-lf-splits answers each piece.) */
  if (!crlf && !smtp_fault(s, MS_F_CMD_BARE_LF)) {
    s->lf_inside = true;
    return SRV_CONTINUE;
  }
  if (s->lf_inside || !crlf) {
    s->lf_inside = false;
    smtp_say(s, out, 500, "5.5.2",
             "Syntax error: a bare LF inside the command line; lines end in "
             "<CRLF>");
    return SRV_CONTINUE;
  }
  size_t max = smtp_fault(s, MS_F_CMD_LINE_400) ? 400 : MS_SMTP_CMD_LINE_MAX;
  if (len + 2 > max && !srv_auth_smtp_long_ok(&s->ctx, &s->auth, line, len) &&
      !(len + 2 > MS_SMTP_CMD_LINE_MAX && /* MAIL/RCPT parameters */
        srv_smtp_ext_long_ok(&s->ctx, s->ehlo, line, len))) {
    smtp_say(s, out, 500, "5.5.2", "Line too long."); /* §4.5.3.1.4 */
    return SRV_CONTINUE;
  }
  bool refuse;
  len = smtp_trim(s, line, len, &refuse);
  if (refuse)
    return smtp_501(s, out);
  if (!smtp_clean(line, len) && /* RFC 6531: UTF-8 in mailboxes */
      !srv_smtp_utf8_line_ok(&s->ctx, s->ehlo, line, len))
    return srv_smtp_bdat_bad_line(&s->ctx, line, len, &s->fmt, out);
  char *copy = xmemdup(line, len);
  enum srv_action a = smtp_command(s, copy, out);
  free(copy);
  return a;
}

/* ---- open, close -------------------------------------------------- */

static void *smtp_open(const struct srv_ctx *ctx, struct ms_buf *out,
                       enum srv_action *act) {
  struct smtp_sess *s = xcalloc(1, sizeof *s);
  s->ctx = *ctx;
  s->rfc821 = ctx->profile == MS_PROFILE_RFC821;
  s->fmt.mixed = ms_fault_on(&ctx->faults, MS_F_MIXED_MULTI);
  s->data_max = srv_smtp_size_cap(ctx->world);
  /* RFC 2034 §4: codes "regardless of whether or not EHLO is employed"
   * (fault enhanced-ehlo-only: only once EHLO is) */
  s->fmt.enhanced = srv_smtp_enh_offered(ctx) &&
                    !ms_fault_on(&ctx->faults, MS_F_ENH_EHLO_ONLY);
  s->fmt.enh_faults = srv_smtp_enh_faults(&ctx->faults);
  ms_buf_init(&s->data, s->data_max);
  srv_auth_init(&s->auth, ctx, false);
  *act = SRV_CONTINUE;
  if (ms_fault_on(&ctx->faults, MS_F_GREET_554) ||
      ms_fault_on(&ctx->faults, MS_F_GREET_554_CLOSE)) {
    s->st = SMTP_REFUSED;
    srv_smtp_reply(out, &s->fmt, 554, NULL, "%s No SMTP service here",
                   smtp_host(s));
    return s;
  }
  if (srv_submit_greeting(ctx, smtp_host(s), out)) {
    s->st = SMTP_REFUSED; /* fault submission-521 */
    *act = SRV_CLOSE;
    return s;
  }
  s->st = SMTP_INIT;
  if (ms_fault_on(&ctx->faults, MS_F_GREET_BAD_DOMAIN)) /* §4.1.2 forbids */
    srv_smtp_reply(out, &s->fmt, 220, NULL,
                   "bad_%s Simple Mail Transfer Service Ready", smtp_host(s));
  else if (ctx->world->greeting)
    smtp_say(s, out, 220, NULL, ctx->world->greeting);
  else /* §3.5, Example 5 */
    srv_smtp_reply(out, &s->fmt, 220, NULL,
                   "%s Simple Mail Transfer Service Ready", smtp_host(s));
  return s;
}

/* The client vanished or the server stops: as if RSET (§4.1.1 QUIT). */
static void smtp_close(void *sess) {
  struct smtp_sess *s = sess;
  if (!s)
    return;
  if (s->st == SMTP_DATA && s->nrcpts) /* cut short: cancelled (§4.1.1.10) */
    srv_smtp_unfinished(&s->ctx, smtp_txn(s));
  srv_smtp_pending_drop(&s->pending);
  smtp_reset(s);
  srv_smtp_ext_free(&s->x);
  srv_auth_free(&s->auth);
  free(s->helo);
  free(s);
}

const struct srv_session_ops ms_srv_smtp_ops = {
    .name = "smtp",
    .open = smtp_open,
    .line = smtp_line,
    .close = smtp_close,
    .raw_want = smtp_raw_want, /* BDAT chunks (RFC 3030) */
    .raw = smtp_raw,
};
