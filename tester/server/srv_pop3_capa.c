/* srv_pop3_capa: the reference server's CAPA (RFC 2449 §5) and its
 * extended response codes (§8).  The list holds what this server
 * implements, in both states (§5: "Capabilities available in the
 * AUTHORIZATION state MUST be announced in both states"), except STLS,
 * which RFC 2595 §8 announces in the AUTHORIZATION state only. */
#include "srv_pop3.h"

#include <stdio.h>
#include <string.h>

const char *srv_pop3_code(const struct pop3_sess *s, const char *code,
                          char *buf, size_t cap) {
  /* RFC 2449 §3: resp-code = "[" resp-level *("/" resp-level) "]".  The
   * resp-code-bad fault drops the "]" (2449-6.4-1). */
  snprintf(buf, cap, "[%s%s ", code,
           pop3_fault(s, MS_F_RESP_CODE_BAD) ? "" : "]");
  return buf;
}

/* EXPIRE and LOGIN-DELAY (RFC 2449 §6.5, §6.7): this server deletes
 * nothing on its own and wants the world's delay between logins (none by
 * default), the same for every user.  The faults
 * change the value after login without the "USER" token that RFC 2449
 * asks for when it differs per user (2449-6.5-4, 2449-6.7-5), or list
 * before login a LOGIN-DELAY below, an EXPIRE above, the value after it
 * (2449-6.5-3, 2449-6.7-4: the largest and smallest value first). */
static void capa_policy(const struct pop3_sess *s, struct ms_buf *out) {
  bool trans = s->state != POP3_AUTH;
  size_t delay = s->ctx->world ? s->ctx->world->pop3_login_delay : 0;
  if (pop3_fault(s, MS_F_EXPIRE_NO_USER))
    ms_buf_addstr(out, trans ? "EXPIRE NEVER\r\n" : "EXPIRE 30\r\n");
  else if (pop3_fault(s, MS_F_EXPIRE_BEFORE_GREATER)) /* 2449-6.7-4 */
    ms_buf_addstr(out, trans ? "EXPIRE 30\r\n" : "EXPIRE NEVER USER\r\n");
  else
    ms_buf_addstr(out, "EXPIRE NEVER\r\n");
  if (pop3_fault(s, MS_F_LOGIN_DELAY_NO_USER))
    ms_buf_addstr(out, trans ? "LOGIN-DELAY 0\r\n" : "LOGIN-DELAY 60\r\n");
  else if (pop3_fault(s, MS_F_LOGIN_DELAY_BEFORE_SMALLER)) /* 2449-6.5-3 */
    ms_buf_addf(out, trans ? "LOGIN-DELAY %zu\r\n" : "LOGIN-DELAY %zu USER\r\n",
                trans ? delay + 60 : delay);
  else
    ms_buf_addf(out, "LOGIN-DELAY %zu\r\n", delay);
}

enum srv_action srv_pop3_capa(struct pop3_sess *s, const struct pop3_cmd *c,
                              struct ms_buf *out) {
  (void)c;
  if (pop3_fault(s, MS_F_POP3_NO_CAPA)) { /* 2595-4-1, 2449-5-1 */
    ms_buf_addstr(out, "-ERR unknown command\r\n");
    return SRV_CONTINUE;
  }
  ms_buf_addstr(out, "+OK Capability list follows\r\n");
  if (s->state != POP3_AUTH && pop3_fault(s, MS_F_CAPA_AUTH_ONLY)) {
    ms_buf_addstr(out, ".\r\n"); /* 2449-5-3: nothing after login */
    return SRV_CONTINUE;
  }
  if (!pop3_fault(s, MS_F_CAPA_UNLISTED_TOP) &&
      !pop3_fault(s, MS_F_POP3_NO_TOP))
    ms_buf_addstr(out, "TOP\r\n");
  if (!pop3_fault(s, MS_F_CAPA_UNLISTED_UIDL))
    ms_buf_addstr(out, "UIDL\r\n");
  /* Not before STLS when logins need TLS (RFC 2595 §2.3). */
  if (srv_auth_pop3_user_ok(s->ctx, &s->auth) &&
      !pop3_fault(s, MS_F_CAPA_UNLISTED_USER))
    ms_buf_addstr(out, "USER\r\n");
  ms_buf_addstr(out, "PIPELINING\r\n");
  /* Refused logins carry [AUTH] (RFC 3206 §4), a busy maildrop [IN-USE]
   * (RFC 2449 §8.1.2): "If a server supports extended response codes, it
   * indicates this by including the RESP-CODES capability" (§8). */
  if (!pop3_fault(s, MS_F_RESP_CODE_UNLISTED))
    ms_buf_addstr(out, "RESP-CODES\r\n");
  capa_policy(s, out);
  srv_auth_pop3_capa(s->ctx, &s->auth, s->state == POP3_AUTH, out);
  ms_buf_addstr(out, "IMPLEMENTATION mailspec");
  if (pop3_fault(s, MS_F_CAPA_LONG_LINE)) /* 2449-5-8: 512 octets */
    for (int i = 0; i < 60; i++)
      ms_buf_addstr(out, "-123456789");
  ms_buf_addstr(out, "\r\n.\r\n");
  return SRV_CONTINUE;
}
