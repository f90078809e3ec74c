/* target: parse "-t HOST:PORT" (see engine.h).  Accepted forms:
 * "builtin", "127.0.0.1:2525", "[::1]:2525", "mx.example.test:25", and
 * URLs "smtp://", "smtps://", "pop3://", "pop3s://" + HOST[:PORT] (the
 * port defaults to 25, 465, 110, 995; RFC 8314 §7.3, RFC 2595 §7).
 * A bare IPv6 address needs brackets, as in URIs (RFC 3986 §3.2.2),
 * since its colons would make the port ambiguous. */
#include "mailspec/engine.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define TARGET_HOST_MAX 253 /* RFC 1035 §2.3.4: a name is at most 253 */

static int target_err(char *err, size_t errlen, const char *text,
                      const char *why) {
  if (err && errlen)
    snprintf(err, errlen, "invalid target '%s': %s", text, why);
  return -1;
}

/* A decimal port 1..65535, no sign, no spaces. */
static bool target_port_ok(const char *p) {
  if (!*p || strlen(p) > 5)
    return false;
  for (const char *q = p; *q; q++)
    if (!isdigit((unsigned char)*q))
      return false;
  long v = strtol(p, NULL, 10);
  return v >= 1 && v <= 65535;
}

/* Host names and IPv4 literals: letters, digits, '-', '.', '_'. */
static bool target_name_ok(const char *h, size_t n) {
  if (n == 0 || n > TARGET_HOST_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)h[i];
    if (!isalnum(c) && c != '-' && c != '.' && c != '_')
      return false;
  }
  return true;
}

/* IPv6 literals (and a zone id after '%'): hex digits, ':', '.'. */
static bool target_v6_ok(const char *h, size_t n) {
  if (n < 2 || n > 64 || !memchr(h, ':', n))
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)h[i];
    if (c == '%')
      return i + 1 < n; /* the zone id is checked by getaddrinfo */
    if (!isxdigit(c) && c != ':' && c != '.')
      return false;
  }
  return true;
}

static int target_hostport(struct ms_target *t, const char *whole,
                           const char *text, char *err, size_t errlen);

/* "scheme://HOST[:PORT]": the scheme's facts into T, *REST after "//",
 * *DPORT its default port.  0 when TEXT is no URL, 1 when it is, -1
 * for an unknown scheme. */
static int target_scheme(struct ms_target *t, const char *text,
                         const char **rest, const char **dport) {
  const char *sep = strstr(text, "://");
  if (!sep)
    return 0;
  size_t n = (size_t)(sep - text);
  /* Each protocol's schemes: plain, then implicit TLS. */
  for (int i = 0; i < 2 * MS_PROTO_COUNT; i++) {
    const struct ms_proto_ops *ops = ms_proto_ops((enum ms_protocol)(i / 2));
    bool tls = i % 2 == 1;
    const char *scheme = tls ? ops->tls_scheme : ops->scheme;
    if (strlen(scheme) == n && strncasecmp(text, scheme, n) == 0) {
      t->has_proto = true;
      t->proto = ops->proto;
      t->tls = tls;
      *dport = tls ? ops->tls_port : ops->port;
      *rest = sep + 3;
      return 1;
    }
  }
  return -1;
}

int ms_target_parse(struct ms_target *t, const char *text, char *err,
                    size_t errlen) {
  memset(t, 0, sizeof *t);
  if (!text || !*text)
    return target_err(err, errlen, "", "empty");
  if (strcmp(text, "builtin") == 0) {
    t->builtin = true;
    return 0;
  }
  const char *whole = text, *dport = NULL;
  int u = target_scheme(t, text, &text, &dport);
  if (u < 0)
    return target_err(err, errlen, whole,
                      "unknown scheme (smtp://, smtps://, pop3://, pop3s://)");
  char *own = NULL;
  if (u > 0) {
    size_t n = strlen(text);
    if (n > 0 && text[n - 1] == '/') /* "smtps://mx.example.test/" */
      n--;
    bool has_port = text[0] == '['
                        ? (strchr(text, ']') && strchr(text, ']')[1] == ':')
                        : memchr(text, ':', n) != NULL;
    own = has_port ? xstrndup(text, n)
                   : xasprintf("%.*s:%s", (int)n, text, dport);
    text = own;
  }
  int rc = target_hostport(t, whole, text, err, errlen);
  free(own);
  return rc;
}

/* "HOST:PORT" (TEXT) into T; messages quote WHOLE, as given. */
static int target_hostport(struct ms_target *t, const char *whole,
                           const char *text, char *err, size_t errlen) {
  const char *host, *colon;
  size_t hlen;
  if (text[0] == '[') {
    const char *close = strchr(text, ']');
    if (!close)
      return target_err(err, errlen, whole, "missing ']'");
    host = text + 1;
    hlen = (size_t)(close - host);
    if (!target_v6_ok(host, hlen))
      return target_err(err, errlen, whole, "not an IPv6 address in [...]");
    if (close[1] != ':')
      return target_err(err, errlen, whole, "expected ':PORT' after ']'");
    colon = close + 1;
  } else {
    colon = strrchr(text, ':');
    if (!colon)
      return target_err(err, errlen, whole, "expected HOST:PORT or builtin");
    if (memchr(text, ':', (size_t)(colon - text)))
      return target_err(err, errlen, whole,
                        "write an IPv6 address as [ADDR]:PORT");
    host = text;
    hlen = (size_t)(colon - text);
    if (hlen == 0)
      return target_err(err, errlen, whole, "empty host");
    if (!target_name_ok(host, hlen))
      return target_err(err, errlen, whole, "bad host name");
  }
  if (!target_port_ok(colon + 1))
    return target_err(err, errlen, whole, "port must be 1..65535");
  t->host = xstrndup(host, hlen);
  t->port = xstrdup(colon + 1);
  return 0;
}

void ms_target_free(struct ms_target *t) {
  if (!t)
    return;
  free(t->host);
  free(t->port);
  memset(t, 0, sizeof *t);
}
