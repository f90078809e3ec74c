/* engine_utf8: where an SMTP reply may carry UTF-8 (RFC 6531).
 *
 * RFC 5321 §2.4 keeps replies US-ASCII, and the reader flags any octet
 * over 127 (MS_V_8BIT).  RFC 6531 lets two kinds of reply carry UTF-8:
 * a 251 or 551 to RCPT in a transaction whose MAIL had the SMTPUTF8
 * parameter (§3.7.4.1: "the SMTPUTF8-aware SMTP server is permitted to
 * use UTF-8 characters in the email address associated with 251 and 551
 * reply-codes"), and the reply to VRFY or EXPN with the SMTPUTF8
 * parameter (§3.7.4.2: "enables UTF-8 replies for that command only").
 * There the octets must be valid UTF-8 (§1.1: strings "MUST be expressed
 * in UTF-8"; RFC 3629); everywhere else MS_V_8BIT stands (§3.7.4.2: "MUST
 * NOT include non-ASCII characters in replies except in the limited
 * cases specifically permitted in this section"). */
#include <string.h>
#include <strings.h>

#include "engine_int.h"
#include "escape.h"

/* Is the last space-separated word of S (up to its end) W? */
static bool utf8_last_word(const char *s, const char *w) {
  size_t n = strlen(s), k = strlen(w);
  while (n && s[n - 1] == ' ')
    n--;
  return n > k && s[n - k - 1] == ' ' && strncasecmp(s + n - k, w, k) == 0;
}

/* Does MAIL line S carry the SMTPUTF8 parameter after its path? */
static bool utf8_mail_param(const char *s) {
  const char *p = strchr(s, '>');
  for (p = p ? p + 1 : s + strlen(s); *p;) {
    p += strspn(p, " ");
    size_t n = strcspn(p, " ");
    if (n == 8 && strncasecmp(p, "SMTPUTF8", 8) == 0)
      return true;
    p += n;
  }
  return false;
}

static bool utf8_verb(const char *s, const char *v) {
  size_t n = strlen(v);
  return strncasecmp(s, v, n) == 0 && (s[n] == ' ' || s[n] == '\0');
}

unsigned ms_engine_utf8_sent(bool *mail, const char *shown) {
  if (!shown)
    return MS_UTF8_NONE;
  if (utf8_verb(shown, "MAIL"))
    *mail = utf8_mail_param(shown);
  else if (utf8_verb(shown, "RSET") || utf8_verb(shown, "EHLO") ||
           utf8_verb(shown, "HELO") || utf8_verb(shown, "STARTTLS"))
    *mail = false;
  else if (utf8_verb(shown, "RCPT"))
    return *mail ? MS_UTF8_FORWARD : MS_UTF8_NONE;
  /* The parameter follows an argument: "VRFY SMTPUTF8" verifies the
   * string SMTPUTF8 (RFC 6531 §3.7.4.2). */
  else if ((utf8_verb(shown, "VRFY") || utf8_verb(shown, "EXPN")) && shown[4] &&
           utf8_last_word(shown + 5, "SMTPUTF8"))
    return MS_UTF8_ANY;
  return MS_UTF8_NONE;
}

static bool utf8_valid(const char *s, size_t n) {
  size_t k;
  for (size_t i = 0; i < n; i += k)
    if (ms_utf8_decode((const unsigned char *)s + i, n - i, &k) < 0)
      return false;
  return true;
}

void ms_engine_utf8_reply(unsigned permit, struct ms_reply *rep) {
  if (!(rep->violations & MS_V_8BIT))
    return;
  bool ok = permit == MS_UTF8_ANY || (permit == MS_UTF8_FORWARD &&
                                      (rep->code == 251 || rep->code == 551));
  if (!ok)
    return;
  rep->violations &= ~(unsigned)MS_V_8BIT;
  for (size_t i = 0; i < rep->nlines; i++)
    if (!utf8_valid(rep->lines[i], rep->lens[i]))
      rep->violations |= MS_V_BAD_UTF8;
}
