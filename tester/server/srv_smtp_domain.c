/* srv_smtp_domain: the Domain and address-literal syntax of RFC 5321
 * §4.1.2 and §4.1.3, shared by EHLO/HELO arguments and paths:
 *   Domain      = sub-domain *("." sub-domain)
 *   sub-domain  = Let-dig [Ldh-str]        (letters, digits, inner '-')
 *   address-literal = "[" ( IPv4-address-literal / "IPv6:" IPv6-addr /
 *                           Standardized-tag ":" 1*dcontent ) "]"
 * §4.1.2: "characters outside the set of alphabetic characters, digits,
 * and hyphen MUST NOT appear in domain name labels"; a command that uses
 * them gets 501.  Pure and bounded. */
#include <string.h>
#include <strings.h>

#include "srv_smtp.h"

static bool dom_let_dig(int ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
         (ch >= '0' && ch <= '9');
}

static bool dom_hex(int ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
         (ch >= 'A' && ch <= 'F');
}

size_t srv_smtp_domain_span(const char *s, size_t n, unsigned flags) {
  size_t i = 0;
  for (;;) {
    size_t start = i;
    while (i < n && (dom_let_dig((unsigned char)s[i]) || s[i] == '-' ||
                     ((flags & SRV_DOM_UNDERSCORE) && s[i] == '_') ||
                     /* U-labels under SMTPUTF8 (RFC 6531 §3.3) */
                     ((flags & SRV_PATH_UTF8) && (unsigned char)s[i] >= 0x80)))
      i++;
    /* a label starts and ends with a letter or digit */
    if (i == start || s[start] == '-' || s[i - 1] == '-')
      return 0;
    if (i < n && s[i] == '.' && i + 1 < n && s[i + 1] != '.')
      i++;
    else
      return i;
  }
}

/* Snum 3("." Snum), each 0..255 */
static bool dom_ipv4(const char *s, size_t n) {
  size_t i = 0;
  for (int k = 0; k < 4; k++) {
    size_t st = i;
    unsigned v = 0;
    while (i < n && i - st < 3 && s[i] >= '0' && s[i] <= '9')
      v = v * 10 + (unsigned)(s[i++] - '0');
    if (i == st || v > 255)
      return false;
    if (k < 3 && (i >= n || s[i++] != '.'))
      return false;
  }
  return i == n;
}

/* IPv6-addr, loosely: hex groups of 1-4 digits and colons, at most one
 * "::", and optionally a trailing IPv4 address. */
static bool dom_ipv6(const char *s, size_t n) {
  size_t groups = 0, i = 0;
  bool dbl = false;
  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    dbl = true;
    i = 2;
  }
  while (i < n) {
    size_t st = i;
    while (i < n && i - st < 4 && dom_hex((unsigned char)s[i]))
      i++;
    if (i < n && s[i] == '.') /* the IPv4 tail */
      return dom_ipv4(s + st, n - st) && groups <= (dbl ? 5u : 6u);
    if (i == st)
      return false;
    groups++;
    if (i == n)
      break;
    if (s[i] != ':')
      return false;
    i++;
    if (i < n && s[i] == ':') {
      if (dbl)
        return false;
      dbl = true;
      i++;
    } else if (i == n) {
      return false;
    }
  }
  return dbl ? groups <= 7 : groups == 8;
}

/* dcontent = %d33-90 / %d94-126 */
static bool dom_general(const char *s, size_t n) {
  size_t tag = 0;
  while (tag < n && s[tag] != ':')
    tag++;
  if (tag == n || tag + 1 == n || srv_smtp_domain_span(s, tag, 0) != tag)
    return false;
  for (size_t i = tag + 1; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 33 || c > 126 || (c >= 91 && c <= 93))
      return false;
  }
  return true;
}

size_t srv_smtp_literal_span(const char *s, size_t n) {
  if (n < 3 || s[0] != '[')
    return 0;
  const char *end = memchr(s, ']', n);
  if (!end)
    return 0;
  const char *in = s + 1;
  size_t k = (size_t)(end - in);
  bool ok;
  if (k > 5 && strncasecmp(in, "IPv6:", 5) == 0)
    ok = dom_ipv6(in + 5, k - 5);
  else if (memchr(in, ':', k))
    ok = dom_general(in, k);
  else
    ok = dom_ipv4(in, k);
  return ok ? k + 2 : 0;
}

enum srv_smtp_path_err srv_smtp_helo_arg(const char *arg, size_t n,
                                         unsigned flags) {
  size_t word = 0;
  while (word < n && arg[word] != ' ')
    word++; /* RFC 2821's trailing information is tolerated (§4.1.1.1) */
  if (word == 0)
    return SRV_PATH_SYNTAX;
  size_t used = arg[0] == '[' ? ((flags & SRV_DOM_NO_LITERAL)
                                     ? 0
                                     : srv_smtp_literal_span(arg, word))
                              : srv_smtp_domain_span(arg, word, flags);
  if (used != word)
    return SRV_PATH_SYNTAX;
  size_t max = (flags & SRV_DOM_MAX64) ? 64 : 255; /* §4.5.3.1.2 */
  if (arg[0] != '[' && word > max)
    return SRV_PATH_DOMAIN_TOO_LONG;
  return SRV_PATH_OK;
}
