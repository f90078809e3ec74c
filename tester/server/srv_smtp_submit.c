/* srv_smtp_submit: the reference server as a message submission agent
 * (RFC 6409), when the world says `submission:` (transcripts/WORLD.md).
 * srv_smtp.c calls in here at MAIL, RCPT, DATA and the end of the data;
 * srv_auth.c requires AUTH before MAIL (§4.3).  What the MSA does:
 *   §3.2  MAIL FROM:<> is accepted;
 *   §4.2  a domain that is not fully qualified (no dot, not one of the
 *         world's own) is refused with 554; with `short_domains:`, the
 *         single-level names they permit are expanded in the envelope and
 *         incomplete multi-level domains ending in one ('squeaky.sales')
 *         refused with 554, there and in the header;
 *   §6.1  with `senders:`, a sender the user may not use: 550 5.7.1;
 *   §6.2  with `recipient_domains:`, a recipient elsewhere: 550 5.7.1;
 *   §6.3  with `refuse_users:`, that user's DATA: 550 5.7.1; a header
 *         that is not header syntax: 554 5.6.0 (and §5.1: a header
 *         address that is not an address: 554 5.1.7 / 5.1.3); the GTUBE
 *         test string (SpamAssassin's test for unsolicited mail) in the
 *         message: 550 5.7.0, the site's policy;
 *   §4.2  a From/Sender/Reply-To/To/Cc/Bcc address in a domain that is
 *         not fully qualified: 554 5.1.2 at the end of the data;
 *   after AUTH, mail for other domains is relayed (what an MSA is for);
 *   srv_smtp_msa.c adds Message-ID:, Date: and Sender: (§8).
 * Each reply code can be broken by a fault (fault.c: submission-*). */
#include "srv_smtp_submit.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define SUB_GTUBE                                                              \
  "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

static bool sub_on(const struct srv_ctx *ctx) {
  return ctx->world && ctx->world->submission;
}

static bool sub_fault(const struct srv_ctx *ctx, enum ms_fault f) {
  return ms_fault_on(&ctx->faults, f);
}

static bool sub_listed(char *const *v, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (ms_streq_ci(v[i], s))
      return true;
  return false;
}

/* The world's short_domains entry whose first label is the LEN octets
 * at LABEL ("sales" for sales.example.org), or NULL. */
static const char *sub_short(const struct srv_ctx *ctx, const char *label,
                             size_t len) {
  const struct ms_world *w = ctx->world;
  for (size_t i = 0; i < w->nsub_short_domains; i++) {
    const char *full = w->sub_short_domains[i];
    if (strncasecmp(full, label, len) == 0 && full[len] == '.')
      return full;
  }
  return NULL;
}

/* RFC 6409 §4.2: "all domains in the SMTP envelope are fully qualified";
 * a single-label name the world does not know is not (one its short_domains
 * convention permits is expanded, sub_expand). */
static bool sub_unqualified(const struct srv_ctx *ctx, const char *domain) {
  return domain && *domain && domain[0] != '[' && !strchr(domain, '.') &&
         !ms_world_local_domain(ctx->world, domain) &&
         !sub_short(ctx, domain, strlen(domain));
}

/* RFC 6409 §4.2: "Local conventions that permit single-level domains
 * SHOULD reject, rather than expand, incomplete multi-level domains (e.g.,
 * 'squeaky.sales')": a name of several labels whose last one is a
 * single-level name the convention permits (short_domains). */
static bool sub_incomplete(const struct srv_ctx *ctx, const char *domain) {
  const char *dot = domain && domain[0] != '[' ? strrchr(domain, '.') : NULL;
  return dot && dot[1] && sub_short(ctx, dot + 1, strlen(dot + 1)) &&
         !sub_fault(ctx, MS_F_SUBMIT_INCOMPLETE_TAKEN);
}

/* A permitted single-level domain in P, expanded to the full name. */
static void sub_expand(const struct srv_ctx *ctx, struct srv_smtp_path *p) {
  const char *full = p->domain && !strchr(p->domain, '.')
                         ? sub_short(ctx, p->domain, strlen(p->domain))
                         : NULL;
  if (!full || ms_world_local_domain(ctx->world, p->domain))
    return;
  char *mailbox = xasprintf("%s@%s", p->local, full);
  free(p->mailbox);
  free(p->domain);
  p->mailbox = mailbox;
  p->domain = xstrdup(full);
}

bool srv_submit_greeting(const struct srv_ctx *ctx, const char *host,
                         struct ms_buf *out) {
  if (!sub_on(ctx) || !sub_fault(ctx, MS_F_SUBMIT_521))
    return false;
  /* the fault: RFC 6409 §7, "521 reply code | Submission: MUST NOT" */
  ms_buf_addf(out, "521 %s does not accept mail\r\n", host);
  return true;
}

size_t srv_submit_keywords(const struct srv_ctx *ctx, const char **kw) {
  if (!sub_on(ctx) || !sub_fault(ctx, MS_F_SUBMIT_ETRN))
    return 0;
  kw[0] = "ETRN"; /* the fault: RFC 6409 §7, ETRN and ATRN "MUST NOT" */
  kw[1] = "ATRN";
  return 2;
}

bool srv_submit_command(const struct srv_ctx *ctx, const char *verb,
                        const struct srv_smtp_fmt *f, struct ms_buf *out) {
  if (!sub_on(ctx) || !sub_fault(ctx, MS_F_SUBMIT_ETRN) ||
      !(ms_streq_ci(verb, "ETRN") || ms_streq_ci(verb, "ATRN")))
    return false;
  srv_smtp_reply(out, f, 250, "2.0.0", "OK, queuing for node started");
  return true;
}

bool srv_submit_mail(const struct srv_ctx *ctx, const struct srv_auth *a,
                     struct srv_smtp_path *p, const struct srv_smtp_fmt *f,
                     struct ms_buf *out) {
  if (!sub_on(ctx))
    return false;
  const struct ms_world *w = ctx->world;
  if (!*p->mailbox) { /* §3.2: "MUST NOT, in itself, be cause for rejecting" */
    if (!sub_fault(ctx, MS_F_SUBMIT_NULL_550))
      return false;
    srv_smtp_reply(out, f, 550, "5.7.1", "Null sender refused");
    return true;
  }
  if (sub_unqualified(ctx, p->domain) &&
      !sub_fault(ctx, MS_F_SUBMIT_ENVELOPE_UNQUALIFIED)) { /* §4.2 */
    bool fault = sub_fault(ctx, MS_F_SUBMIT_DOMAIN_550);
    srv_smtp_reply(out, f, fault ? 550 : 554, "5.1.8",
                   "Sender domain is not fully qualified");
    return true;
  }
  if (sub_incomplete(ctx, p->domain)) { /* §4.2 */
    srv_smtp_reply(out, f, 554, "5.1.8",
                   "Incomplete multi-level sender domain");
    return true;
  }
  sub_expand(ctx, p);
  if (a->done && w->sub_senders &&
      !sub_listed(w->sub_senders, w->nsub_senders, p->mailbox)) { /* §6.1 */
    bool fault = sub_fault(ctx, MS_F_SUBMIT_SENDER_553);
    srv_smtp_reply(out, f, fault ? 553 : 550, "5.7.1",
                   "Sender address not owned by the authenticated user");
    return true;
  }
  return false;
}

bool srv_submit_rcpt(const struct srv_ctx *ctx, struct srv_smtp_path *p,
                     const struct srv_smtp_fmt *f, struct ms_buf *out) {
  if (!sub_on(ctx) || !p->domain)
    return false;
  const struct ms_world *w = ctx->world;
  if (sub_unqualified(ctx, p->domain)) { /* §4.2 */
    bool fault = sub_fault(ctx, MS_F_SUBMIT_DOMAIN_550);
    srv_smtp_reply(out, f, fault ? 550 : 554, "5.1.2",
                   "Recipient domain is not fully qualified");
    return true;
  }
  if (sub_incomplete(ctx, p->domain)) { /* §4.2 */
    srv_smtp_reply(out, f, 554, "5.1.2",
                   "Incomplete multi-level recipient domain");
    return true;
  }
  sub_expand(ctx, p);
  if (w->sub_rcpt_domains &&
      !sub_listed(w->sub_rcpt_domains, w->nsub_rcpt_domains, p->domain)) {
    bool fault = sub_fault(ctx, MS_F_SUBMIT_RCPT_553); /* §6.2 */
    srv_smtp_reply(out, f, fault ? 553 : 550, "5.7.1",
                   "Recipient not permitted for this user");
    return true;
  }
  return false;
}

bool srv_submit_relay(const struct srv_ctx *ctx, const struct srv_auth *a) {
  return sub_on(ctx) && a->done;
}

bool srv_submit_data(const struct srv_ctx *ctx, const struct srv_auth *a,
                     const char *arg, bool ready, const struct srv_smtp_fmt *f,
                     struct ms_buf *out) {
  if (!sub_on(ctx))
    return false;
  if (*arg) { /* §6.3: "Reply code 501 is used if the command itself is
                 not syntactically valid" (the caller's 501) */
    if (!sub_fault(ctx, MS_F_SUBMIT_DATA_ARG_500))
      return false;
    srv_smtp_reply(out, f, 500, "5.5.2", "Syntax error, command unrecognized");
    return true;
  }
  const struct ms_world *w = ctx->world;
  if (!ready || !a->user ||
      !sub_listed(w->sub_refuse_users, w->nsub_refuse_users, a->user))
    return false;
  bool fault = sub_fault(ctx, MS_F_SUBMIT_USER_554); /* §6.3 */
  srv_smtp_reply(out, f, fault ? 554 : 550, "5.7.1",
                 "This user may not submit messages");
  return true;
}

/* ---- the message (§5.1, §6.3) -------------------------------------- */

/* The next line of [P, END) without its CRLF; *NEXT after it. */
static size_t sub_line(const char *p, const char *end, const char **next) {
  const char *e = p;
  while (e < end && *e != '\n')
    e++;
  *next = e < end ? e + 1 : e;
  return (size_t)(e - p) - (e > p && e[-1] == '\r');
}

/* RFC 5322 §2.2: field-name ":" (printable US-ASCII but ":"), or a
 * continuation line (WSP first). */
static bool sub_header_line(const char *l, size_t n, bool first) {
  if (n && (l[0] == ' ' || l[0] == '\t'))
    return !first;
  size_t i = 0;
  while (i < n && l[i] > ' ' && l[i] < 127 && l[i] != ':')
    i++;
  return i > 0 && i < n && l[i] == ':';
}

/* Removes RFC 5322 comments (parentheses, nested, outside quotes). */
static void sub_uncomment(char *s) {
  char *o = s;
  int depth = 0;
  bool q = false;
  for (char *p = s; *p; p++) {
    if (*p == '\\' && p[1] && (q || depth)) {
      if (!depth)
        *o++ = *p, *o++ = p[1];
      p++;
    } else if (!depth && *p == '"') {
      q = !q;
      *o++ = *p;
    } else if (!q && *p == '(') {
      depth++;
    } else if (!q && depth && *p == ')') {
      depth--;
    } else if (!depth) {
      *o++ = *p;
    }
  }
  *o = '\0';
}

/* One address of a list: "Name <a@b>" or "a@b"; *UNQUALIFIED set when
 * its domain is not fully qualified (§4.2). */
static bool sub_address_ok(const struct srv_ctx *ctx, char *e,
                           bool *unqualified) {
  while (*e == ' ' || *e == '\t')
    e++;
  size_t n = strlen(e);
  while (n && (e[n - 1] == ' ' || e[n - 1] == '\t'))
    e[--n] = '\0';
  if (!n)
    return true; /* an empty element (RFC 5322 §4.4 obs-addr-list) */
  char *lt = strchr(e, '<');
  char *spec = NULL;
  if (lt) {
    char *gt = strchr(lt, '>');
    if (!gt || gt[1])
      return false;
    spec = xstrndup(lt, (size_t)(gt - lt) + 1);
  } else {
    spec = xasprintf("<%s>", e);
  }
  struct srv_smtp_path p;
  size_t used = 0;
  bool ok = srv_smtp_path_parse(spec, strlen(spec), MS_PROFILE_RFC5321, false,
                                false, &p, &used) == SRV_PATH_OK &&
            used == strlen(spec) && p.domain;
  if (ok) {
    /* the header is not rewritten: a permitted single-level name is
     * not fully qualified there (§4.2) */
    bool single = p.domain[0] != '[' && !strchr(p.domain, '.') &&
                  !ms_world_local_domain(ctx->world, p.domain);
    *unqualified = *unqualified || single || sub_incomplete(ctx, p.domain);
    srv_smtp_path_free(&p);
  }
  free(spec);
  return ok;
}

/* An address-list value (RFC 5322 §3.4): groups, quotes, angle brackets. */
static bool sub_addresses_ok(const struct srv_ctx *ctx, const char *value,
                             bool *unqualified) {
  char *v = xstrdup(value);
  sub_uncomment(v);
  char *s = v;
  bool q = false, ok = true;
  int angle = 0;
  for (char *p = v;; p++) {
    char c = *p;
    if (c == '"' && (p == v || p[-1] != '\\'))
      q = !q;
    else if (!q && c == '<')
      angle++;
    else if (!q && c == '>' && angle)
      angle--;
    bool group = !q && !angle && c == ':';
    bool end = !c || (!q && !angle && (c == ',' || c == ';'));
    if (group) { /* "name:" starts a group: its members follow */
      s = p + 1;
      continue;
    }
    if (end) {
      *p = '\0';
      ok = ok && sub_address_ok(ctx, s, unqualified);
      s = p + 1;
    }
    if (!c)
      break;
  }
  free(v);
  return ok && !q && !angle;
}

/* Which address fields, and the enhanced code of a bad one (RFC 3463:
 * X.1.7 bad sender's, X.1.3 bad destination mailbox address syntax). */
static const char *sub_address_field(const char *name, size_t n) {
  static const struct {
    const char *name, *esc;
  } fields[] = {{"From", "5.1.7"}, {"Sender", "5.1.7"}, {"Reply-To", "5.1.7"},
                {"To", "5.1.3"},   {"Cc", "5.1.3"},     {"Bcc", "5.1.3"}};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
    if (strlen(fields[i].name) == n &&
        strncasecmp(name, fields[i].name, n) == 0)
      return fields[i].esc;
  return NULL;
}

/* The header of DATA (LEN octets, CRLF lines): 0 fine, or the reply
 * written.  One field at a time, unfolded. */
static bool sub_header(const struct srv_ctx *ctx, const char *data, size_t len,
                       const struct srv_smtp_fmt *f, struct ms_buf *out) {
  const char *p = data, *end = data + len, *next;
  struct ms_buf field;
  ms_buf_init(&field, 0);
  const char *bad_esc = NULL;
  bool syntax = true, first = true, unqualified = false;
  for (;;) {
    size_t n = p < end ? sub_line(p, end, &next) : 0;
    bool cont = n && (p[0] == ' ' || p[0] == '\t');
    if (!cont && field.len) { /* a whole field: check its addresses */
      ms_buf_add(&field, "", 1);
      const char *colon = strchr(field.p, ':');
      const char *esc = sub_address_field(field.p, (size_t)(colon - field.p));
      if (esc && !bad_esc && !sub_addresses_ok(ctx, colon + 1, &unqualified))
        bad_esc = esc;
      ms_buf_reset(&field);
    }
    if (p >= end || n == 0)
      break; /* the empty line ends the header */
    if (!sub_header_line(p, n, first)) {
      syntax = false;
      break;
    }
    ms_buf_add(&field, p, n);
    first = false;
    p = next;
  }
  ms_buf_free(&field);
  if (!syntax) { /* §6.3: "Reply code 554 is used for syntactic problems" */
    bool fault = sub_fault(ctx, MS_F_SUBMIT_SYNTAX_550);
    srv_smtp_reply(out, f, fault ? 550 : 554, "5.6.0",
                   "Message header syntax error");
    return true;
  }
  /* §5.1: "If the MSA examines or alters the message text in any way,
   * except to add trace header fields, it SHOULD reject messages with
   * illegal address syntax in address header fields" (srv_smtp_msa.c
   * adds fields): 554 "with a suitable enhanced status code" */
  if (bad_esc && !sub_fault(ctx, MS_F_SUBMIT_HEADER_ADDRESS_TAKEN)) {
    srv_smtp_reply(out, f, 554, bad_esc,
                   "Invalid address in the message header");
    return true;
  }
  /* §4.2: "If the MSA examines or alters the message text in any way,
   * except to add trace header fields [SMTP-MTA], it MUST ensure that
   * all domains in address header fields are fully qualified. ... Reply
   * code 554 is to be used to reject a MAIL, RCPT, or DATA command that
   * contains improper domain references." */
  if (unqualified && !sub_fault(ctx, MS_F_SUBMIT_HEADER_UNQUALIFIED)) {
    srv_smtp_reply(out, f, 554, "5.1.2",
                   "Address header field domain is not fully qualified");
    return true;
  }
  return false;
}

static bool sub_contains(const char *p, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(p + i, needle, k) == 0)
      return true;
  return false;
}

bool srv_submit_message(const struct srv_ctx *ctx, const char *data, size_t len,
                        const struct srv_smtp_fmt *f, struct ms_buf *out) {
  if (!sub_on(ctx))
    return false;
  if (sub_header(ctx, data, len, f, out))
    return true;
  if (!sub_contains(data, len, SUB_GTUBE))
    return false;
  /* §6.3: "Reply code 550 with an appropriate enhanced status code (such
   * as 5.7.0) is used if the message violates site policy" */
  bool fault = sub_fault(ctx, MS_F_SUBMIT_POLICY_554);
  srv_smtp_reply(out, f, fault ? 554 : 550, "5.7.0",
                 "Message refused by site policy (GTUBE)");
  return true;
}
