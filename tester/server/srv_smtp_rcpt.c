/* srv_smtp_rcpt: what the world says about one forward-path.
 *
 * Source routes (RFC 821 §3.6): leading hops that name this host are
 * removed; if a hop remains, the mail is relayed to it.  A mailbox at a
 * local domain is looked up: a forward address gives 251 "will forward"
 * or 551 "please try" (§3.2); the transaction's command decides between
 * terminal and mailbox (§3.4: SEND needs an active terminal, SOML falls
 * back to the mailbox, SAML always mails).  A mailbox elsewhere is
 * relayed when the world lists its domain in relay_domains ("*": any).
 * Postmaster is always deliverable (RFC 5321 §4.5.1).  Under RFC 5321
 * the session drops the route first (srv_smtp_rcpt_unroute, §3.3). */
#include <stdlib.h>
#include <string.h>

#include "srv_smtp.h"
#include "util.h"

static bool rcpt_relay_ok(const struct ms_world *w, const char *domain) {
  for (size_t i = 0; i < w->nrelay; i++)
    if (!strcmp(w->relay_domains[i], "*") ||
        ms_streq_ci(w->relay_domains[i], domain))
      return true;
  return false;
}

/* "<@A:x@y>" or "<x@y>" -> "x@y" */
static char *rcpt_strip(const char *fwd) {
  const char *s = fwd, *colon = strrchr(fwd, ':'), *at = strchr(fwd, '@');
  if (colon && at && at < colon)
    s = colon + 1;
  else if (*s == '<')
    s++;
  size_t n = strlen(s);
  if (n && s[n - 1] == '>')
    n--;
  return xstrndup(s, n);
}

static void rcpt_user(const struct ms_world_user *u, const char *mailbox,
                      enum srv_smtp_kind kind, struct srv_smtp_rcpt *r) {
  if (u->forward) {
    r->forward = u->forward;
    r->v = u->forward_551 ? SRV_RCPT_TRY : SRV_RCPT_FORWARD;
    if (!u->forward_551)
      r->key = rcpt_strip(u->forward);
    return;
  }
  switch (kind) {
  case SRV_SMTP_SEND:
    r->v = u->terminal ? SRV_RCPT_TERMINAL : SRV_RCPT_INACTIVE;
    return;
  case SRV_SMTP_SOML:
    r->v = u->terminal ? SRV_RCPT_TERMINAL : SRV_RCPT_SOML_MAIL;
    break;
  case SRV_SMTP_MAIL:
  case SRV_SMTP_SAML:
    r->v = SRV_RCPT_MAILBOX;
    break;
  }
  if (r->v != SRV_RCPT_TERMINAL)
    r->key = xstrdup(mailbox);
}

static void rcpt_local(const struct ms_world *w, const struct srv_smtp_path *p,
                       enum srv_smtp_kind kind, struct srv_smtp_rcpt *r) {
  const struct ms_world_user *u = ms_world_find_user(w, p->mailbox);
  if (u) {
    rcpt_user(u, p->mailbox, kind, r);
  } else if (ms_world_find_list(w, p->mailbox) ||
             ms_streq_ci(p->local, "postmaster")) {
    r->v = SRV_RCPT_MAILBOX;
    r->key = xstrdup(p->mailbox);
  } else {
    r->v = SRV_RCPT_UNKNOWN;
  }
}

static void rcpt_remote(const struct ms_world *w, const char *next_hop,
                        const char *mailbox, struct srv_smtp_rcpt *r) {
  if (rcpt_relay_ok(w, next_hop) || ms_world_route_domain(w, next_hop)) {
    r->v = SRV_RCPT_RELAY;
    r->key = xstrdup(mailbox);
  } else {
    r->v = SRV_RCPT_NO_RELAY;
  }
}

void srv_smtp_rcpt_resolve(const struct ms_world *w,
                           const struct srv_smtp_path *p,
                           enum srv_smtp_kind kind, struct srv_smtp_rcpt *r) {
  memset(r, 0, sizeof *r);
  size_t h = 0;
  while (h < p->nhops && ms_world_local_domain(w, p->hops[h]))
    h++;
  if (h < p->nhops) {
    rcpt_remote(w, p->hops[h], p->mailbox, r);
  } else if (!p->domain) { /* <Postmaster> */
    r->v = SRV_RCPT_MAILBOX;
    r->key = xasprintf("postmaster@%s", w->hostname ? w->hostname : "");
  } else if (!ms_world_local_domain(w, p->domain)) {
    rcpt_remote(w, p->domain, p->mailbox, r);
  } else {
    rcpt_local(w, p, kind, r);
  }
}

void srv_smtp_rcpt_free(struct srv_smtp_rcpt *r) {
  free(r->key);
  memset(r, 0, sizeof *r);
}

void srv_smtp_rcpt_unroute(struct srv_smtp_path *p) {
  for (size_t i = 0; i < p->nhops; i++)
    free(p->hops[i]);
  free(p->hops);
  p->hops = NULL;
  p->nhops = 0;
}

void srv_smtp_rcpt_follow(const struct srv_smtp_path *p,
                          struct srv_smtp_rcpt *r) {
  srv_smtp_rcpt_free(r);
  r->v = SRV_RCPT_RELAY; /* what the first hop would be handed */
  r->key = xasprintf("@%s:%s", p->hops[0], p->mailbox);
}
