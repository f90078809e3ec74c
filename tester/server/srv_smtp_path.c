/* srv_smtp_path: <reverse-path> and <forward-path> as RFC 821 §4.1.2
 * writes them:
 *   <path> ::= "<" [ <a-d-l> ":" ] <mailbox> ">"
 *   <a-d-l> ::= <at-domain> | <at-domain> "," <a-d-l>
 *   <mailbox> ::= <local-part> "@" <domain>
 * plus "<>" (the null reverse-path, §3.6) and "<Postmaster>" (RFC 5321
 * §4.5.1).  The local part may be a dot-string or a quoted string; the
 * domain a name, "#number" or "[address literal]" (srv_smtp_domain.c).  Pure
 * and bounded: nothing is read past LEN. */
#include <stdlib.h>
#include <string.h>

#include "srv_smtp.h"
#include "util.h"

/* RFC 821 §4.5.3 and RFC 5321 §4.5.3.1: user 64, path 256; domain 64
 * in RFC 821, 255 in RFC 5321. */
#define PATH_MAX_LEN 256
#define PATH_USER_MAX 64

struct path_cur {
  const char *s;
  size_t len, i;
  unsigned flags; /* SRV_DOM_*, SRV_PATH_UTF8 */
};

static int path_peek(const struct path_cur *c) {
  return c->i < c->len ? (unsigned char)c->s[c->i] : -1;
}

/* RFC 6531 §3.3: under SMTPUTF8 a UTF-8 string may stand where atext
 * and label characters do (U-labels, RFC 5890); the line was checked to
 * be valid UTF-8 before (srv_smtp_utf8.c). */
static bool path_utf8(const struct path_cur *c, int ch) {
  return (c->flags & SRV_PATH_UTF8) && ch >= 0x80;
}

/* <domain>: a Domain (RFC 5321 §4.1.2), "#digits" (RFC 821) or an
 * address literal (§4.1.3). */
static char *path_domain(struct path_cur *c) {
  size_t start = c->i, n = 0;
  int ch = path_peek(c);
  if (ch == '[') {
    if (!(c->flags & SRV_DOM_NO_LITERAL))
      n = srv_smtp_literal_span(c->s + c->i, c->len - c->i);
  } else if (ch == '#') {
    n = 1;
    while (c->i + n < c->len && c->s[c->i + n] >= '0' && c->s[c->i + n] <= '9')
      n++;
    if (n == 1)
      n = 0;
  } else {
    n = srv_smtp_domain_span(c->s + c->i, c->len - c->i, c->flags);
  }
  if (n == 0)
    return NULL;
  c->i += n;
  return xstrndup(c->s + start, n);
}

/* RFC 821 <special>, SP and controls may not appear unquoted. */
static bool path_atom_char(int ch) {
  return ch > ' ' && ch < 127 && !strchr("<>()[]\\,;:@\"", ch);
}

/* A quoted local part without its quotes and backslashes, when what is
 * left is a dot-string that needs no quoting ("postmaster" is
 * postmaster, RFC 5321 §4.1.2); else NULL. */
static char *path_unquote(const char *q, size_t n) {
  char *u = xmalloc(n + 1);
  size_t k = 0;
  for (size_t i = 1; i + 1 < n; i++) {
    if (q[i] == '\\')
      i++;
    u[k++] = q[i];
  }
  u[k] = '\0';
  bool ok = k > 0 && u[0] != '.' && u[k - 1] != '.' && !strstr(u, "..");
  for (size_t i = 0; i < k && ok; i++)
    ok = u[i] > ' ' && u[i] < 127 && !strchr("<>()[]\\,;:@\"", u[i]);
  if (!ok) {
    free(u);
    return NULL;
  }
  return u;
}

static char *path_local(struct path_cur *c) {
  size_t start = c->i;
  int ch = path_peek(c);
  if (ch == '"' && (c->flags & SRV_DOM_NO_QUOTED))
    return NULL;
  if (ch == '"') {
    c->i++;
    while ((ch = path_peek(c)) != -1 && ch != '"') {
      if (ch == '\\')
        c->i++;
      else if (ch == '\r' || ch == '\n' || (ch >= 127 && !path_utf8(c, ch)))
        return NULL;
      c->i++;
    }
    if (path_peek(c) != '"')
      return NULL;
    c->i++;
    char *u = (c->flags & SRV_DOM_QUOTED_KEEP)
                  ? NULL
                  : path_unquote(c->s + start, c->i - start);
    if (u)
      return u;
  } else {
    while (path_atom_char(path_peek(c)) || path_utf8(c, path_peek(c)))
      c->i++;
    if (c->i == start || c->s[start] == '.' || c->s[c->i - 1] == '.')
      return NULL;
  }
  return xstrndup(c->s + start, c->i - start);
}

static bool path_adl(struct path_cur *c, struct srv_smtp_path *p) {
  size_t cap = 0;
  for (;;) {
    if (path_peek(c) != '@')
      return false;
    c->i++;
    char *d = path_domain(c);
    if (!d)
      return false;
    xgrow((void **)&p->hops, &cap, p->nhops, sizeof *p->hops);
    p->hops[p->nhops++] = d;
    int ch = path_peek(c);
    c->i++;
    if (ch == ':')
      return true;
    if (ch != ',')
      return false;
  }
}

static bool path_syntax(struct path_cur *c, struct srv_smtp_path *p,
                        bool allow_null, bool allow_postmaster) {
  if (path_peek(c) != '<')
    return false;
  c->i++;
  if (path_peek(c) == '>') {
    c->i++;
    p->mailbox = xstrdup("");
    return allow_null;
  }
  if (path_peek(c) == '@' && !path_adl(c, p))
    return false;
  if (!(p->local = path_local(c)))
    return false;
  if (path_peek(c) == '>') {
    c->i++;
    p->mailbox = xstrdup(p->local);
    return allow_postmaster && p->nhops == 0 &&
           ms_streq_ci(p->local, "postmaster");
  }
  if (path_peek(c) != '@')
    return false;
  c->i++;
  if (!(p->domain = path_domain(c)) || path_peek(c) != '>')
    return false;
  c->i++;
  p->mailbox = xasprintf("%s@%s", p->local, p->domain);
  return true;
}

static enum srv_smtp_path_err path_sizes(const struct srv_smtp_path *p,
                                         size_t used, enum ms_profile profile,
                                         unsigned flags) {
  size_t dmax =
      profile == MS_PROFILE_RFC821 || (flags & SRV_DOM_MAX64) ? 64 : 255;
  if (used > PATH_MAX_LEN)
    return SRV_PATH_TOO_LONG;
  if (p->local && strlen(p->local) > PATH_USER_MAX)
    return SRV_PATH_USER_TOO_LONG;
  if (p->domain && strlen(p->domain) > dmax)
    return SRV_PATH_DOMAIN_TOO_LONG;
  for (size_t i = 0; i < p->nhops; i++)
    if (strlen(p->hops[i]) > dmax)
      return SRV_PATH_DOMAIN_TOO_LONG;
  return SRV_PATH_OK;
}

void srv_smtp_path_free(struct srv_smtp_path *p) {
  for (size_t i = 0; i < p->nhops; i++)
    free(p->hops[i]);
  free(p->hops);
  free(p->mailbox);
  free(p->local);
  free(p->domain);
  memset(p, 0, sizeof *p);
}

enum srv_smtp_path_err
srv_smtp_path_parse_flags(const char *s, size_t len, enum ms_profile profile,
                          bool allow_null, bool allow_postmaster,
                          unsigned flags, struct srv_smtp_path *p,
                          size_t *used) {
  struct path_cur c = {s, len, 0, flags};
  memset(p, 0, sizeof *p);
  *used = 0;
  enum srv_smtp_path_err e = SRV_PATH_SYNTAX;
  if (path_syntax(&c, p, allow_null, allow_postmaster))
    e = path_sizes(p, c.i, profile, flags);
  if (e != SRV_PATH_OK) {
    srv_smtp_path_free(p);
    return e;
  }
  *used = c.i;
  return SRV_PATH_OK;
}

enum srv_smtp_path_err
srv_smtp_path_parse(const char *s, size_t len, enum ms_profile profile,
                    bool allow_null, bool allow_postmaster,
                    struct srv_smtp_path *p, size_t *used) {
  return srv_smtp_path_parse_flags(s, len, profile, allow_null,
                                   allow_postmaster, 0, p, used);
}
