/* srv_smtp_policy: recipients the reference server refuses for a
 * reason that has its own enhanced status code (RFC 3463 §3), so that
 * the rules about those codes' classes can be seen:
 *   a domain under .invalid (RFC 2606 §2: it never exists)   550 5.1.2
 *   a mailbox over its quota (world users[].mailbox_full)      452 4.2.2
 *   a declared SIZE= over a mailbox's own limit, which is
 *   below the system's (users[].max_message)                  552 5.2.3
 *   a closed list and a sender who is not on it (closed)      550 5.7.2
 * X.2.2 "should be used as a persistent transient failure" (§3.3), the
 * others are "only useful for permanent failures" (§3.2, §3.3, §3.8).
 * The esc-* faults give each code in the other class, the reply code
 * with it (RFC 2034 §4 kept: only RFC 3463 §3's class is broken). */
#include <string.h>

#include "srv_smtp.h"
#include "util.h"

static bool policy_invalid_domain(const char *d) {
  size_t n = d ? strlen(d) : 0;
  return n >= 8 && ms_streq_ci(d + n - 8, ".invalid");
}

/* Is FROM ("a@b", "" for <>) a member of L ("Name <a@b>" or "<a@b>")? */
static bool policy_member(const struct ms_world_list *l, const char *from) {
  size_t n = strlen(from);
  for (size_t i = 0; i < l->nmembers && n; i++) {
    const char *lt = strchr(l->members[i], '<');
    if (lt && strlen(lt + 1) == n + 1 && lt[n + 1] == '>' &&
        strncasecmp(lt + 1, from, n) == 0)
      return true;
  }
  return false;
}

bool srv_smtp_policy_rcpt(const struct srv_ctx *ctx,
                          const struct srv_smtp_path *p, const char *from,
                          const struct srv_smtp_size *z,
                          const struct srv_smtp_fmt *f, struct ms_buf *out) {
  const struct ms_world *w = ctx->world;
  if (p->nhops == 0 && p->domain && !ms_world_local_domain(w, p->domain) &&
      policy_invalid_domain(p->domain)) {
    if (ms_fault_on(&ctx->faults, MS_F_ESC_INVALID_4XX)) /* 3463-3.2-2 */
      srv_smtp_reply(out, f, 450, "4.1.2", "Bad destination system address");
    else
      srv_smtp_reply(out, f, 550, "5.1.2", "Bad destination system address");
    return true;
  }
  const struct ms_world_user *u =
      p->domain && ms_world_local_domain(w, p->domain)
          ? ms_world_find_user(w, p->mailbox)
          : NULL;
  if (u && u->mailbox_full) {
    if (ms_fault_on(&ctx->faults, MS_F_ESC_FULL_5XX)) /* 3463-3.3-1 */
      srv_smtp_reply(out, f, 552, "5.2.2", "Mailbox full");
    else
      srv_smtp_reply(out, f, 452, "4.2.2", "Mailbox full");
    return true;
  }
  if (u && u->max_message && z->declared && z->size > u->max_message) {
    if (ms_fault_on(&ctx->faults, MS_F_ESC_LIMIT_4XX)) /* 3463-3.3-3 */
      srv_smtp_reply(out, f, 452, "4.2.3",
                     "Message length exceeds administrative limit");
    else
      srv_smtp_reply(out, f, 552, "5.2.3",
                     "Message length exceeds administrative limit");
    return true;
  }
  const struct ms_world_list *l =
      p->domain ? ms_world_find_list(w, p->mailbox) : NULL;
  if (l && l->closed && !policy_member(l, from ? from : "")) {
    if (ms_fault_on(&ctx->faults, MS_F_ESC_LIST_4XX)) /* 3463-3.8-2 */
      srv_smtp_reply(out, f, 450, "4.7.2", "Mailing list expansion prohibited");
    else
      srv_smtp_reply(out, f, 550, "5.7.2", "Mailing list expansion prohibited");
    return true;
  }
  return false;
}
