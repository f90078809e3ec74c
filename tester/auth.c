/* auth: SASL client lines (see auth.h). */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "secret.h"
#include "util.h"

static const char auth_b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *ms_auth_b64(const void *data, size_t len) {
  const unsigned char *p = data;
  char *o = xmalloc((len + 2) / 3 * 4 + 1);
  size_t n = 0;
  for (size_t i = 0; i < len; i += 3) {
    unsigned v = (unsigned)p[i] << 16;
    if (i + 1 < len)
      v |= (unsigned)p[i + 1] << 8;
    if (i + 2 < len)
      v |= p[i + 2];
    o[n++] = auth_b64_alpha[v >> 18 & 63];
    o[n++] = auth_b64_alpha[v >> 12 & 63];
    o[n++] = i + 1 < len ? auth_b64_alpha[v >> 6 & 63] : '=';
    o[n++] = i + 2 < len ? auth_b64_alpha[v & 63] : '=';
  }
  o[n] = '\0';
  return o;
}

static int auth_b64_val(char c) {
  const char *p = c ? strchr(auth_b64_alpha, c) : NULL;
  return p ? (int)(p - auth_b64_alpha) : -1;
}

int ms_auth_unb64(const char *s, size_t len, char **out, size_t *outlen) {
  *out = NULL;
  *outlen = 0;
  if (len % 4 != 0)
    return -1;
  char *o = xmalloc(len / 4 * 3 + 1);
  size_t n = 0;
  for (size_t i = 0; i < len; i += 4) {
    int v[4];
    bool last = i + 4 == len;
    for (int k = 0; k < 4; k++)
      v[k] = auth_b64_val(s[i + k]);
    /* "=" only at the end: "xx==" or "xxx=". */
    bool pad2 = last && s[i + 2] == '=' && s[i + 3] == '=';
    bool pad1 = last && !pad2 && s[i + 3] == '=';
    if (v[0] < 0 || v[1] < 0 || (v[2] < 0 && !pad2) ||
        (v[3] < 0 && !pad1 && !pad2)) {
      free(o);
      return -1;
    }
    unsigned x = (unsigned)v[0] << 18 | (unsigned)v[1] << 12;
    o[n++] = (char)(x >> 16);
    if (!pad2) {
      x |= (unsigned)v[2] << 6;
      o[n++] = (char)(x >> 8 & 255);
    }
    if (!pad1 && !pad2)
      o[n++] = (char)(((unsigned)v[2] << 6 | (unsigned)v[3]) & 255);
  }
  o[n] = '\0';
  *out = o;
  *outlen = n;
  return 0;
}

char *ms_auth_plain(const char *authzid, const char *user, const char *pass) {
  size_t a = authzid ? strlen(authzid) : 0, u = strlen(user), p = strlen(pass);
  char *m = xmalloc(a + u + p + 2);
  memcpy(m, authzid ? authzid : "", a);
  m[a] = '\0';
  memcpy(m + a + 1, user, u);
  m[a + 1 + u] = '\0';
  memcpy(m + a + u + 2, pass, p);
  char *r = ms_auth_b64(m, a + u + p + 2);
  free(m);
  return r;
}

char *ms_auth_cram_md5(const char *user, const char *pass,
                       const char *challenge, char *err, size_t errlen) {
  char *c = NULL;
  size_t clen = 0;
  if (ms_auth_unb64(challenge, strlen(challenge), &c, &clen) < 0) {
    snprintf(err, errlen,
             "the CRAM-MD5 challenge is not base64 (RFC 4954 "
             "§4, RFC 2195 §2)");
    return NULL;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  const EVP_MD *md5 = EVP_md5();
  bool ok = md5 && HMAC(md5, pass, (int)strlen(pass), (unsigned char *)c, clen,
                        md, &mdlen) != NULL;
  free(c);
  if (!ok) {
    snprintf(err, errlen, "HMAC-MD5 is not available in this OpenSSL");
    return NULL;
  }
  size_t ulen = strlen(user);
  char *resp = xmalloc(ulen + 1 + 2 * mdlen + 1);
  memcpy(resp, user, ulen);
  resp[ulen] = ' ';
  for (unsigned i = 0; i < mdlen; i++)
    snprintf(resp + ulen + 1 + 2 * i, 3, "%02x", md[i]);
  char *r = ms_auth_b64(resp, ulen + 1 + 2 * mdlen);
  OPENSSL_cleanse(resp, ulen + 1 + 2 * mdlen);
  free(resp);
  return r;
}

void ms_auth_line_free(struct ms_auth_line *l) {
  if (!l)
    return;
  free(l->wire);
  free(l->shown);
  l->wire = l->shown = NULL;
}

static void auth_set(struct ms_auth_line *out, char *wire, const char *shown) {
  out->wire = wire;
  out->shown = xstrdup(shown ? shown : wire);
}

void ms_auth_first(struct ms_auth *a, struct ms_auth_line *out) {
  const char *mech = ms_sasl_mech_name(a->mech);
  a->sent = 1;
  if (a->initial_response && !a->cancel && a->mech == MS_SASL_PLAIN) {
    char *ir = ms_auth_plain(a->authzid, a->user, a->pass);
    auth_set(out, xasprintf("AUTH %s %s", mech, ir),
             "AUTH PLAIN " MS_SECRET_SHOWN);
    free(ir);
    a->done = true;
    return;
  }
  if (a->initial_response && !a->cancel && a->mech == MS_SASL_LOGIN) {
    char *u = ms_auth_b64(a->user, strlen(a->user));
    auth_set(out, xasprintf("AUTH LOGIN %s", u), NULL);
    free(u);
    a->sent = 2; /* the user name went with the command */
    return;
  }
  auth_set(out, xasprintf("AUTH %s", mech), NULL);
}

/* The client line number N (after AUTH) of a mechanism. */
static int auth_line(struct ms_auth *a, const char *challenge,
                     struct ms_auth_line *out, char *err, size_t errlen) {
  switch (a->mech) {
  case MS_SASL_PLAIN: /* RFC 4616: one message, after an empty challenge */
    a->done = true;
    auth_set(out, ms_auth_plain(a->authzid, a->user, a->pass), MS_SECRET_SHOWN);
    return 1;
  case MS_SASL_LOGIN: /* user name, then password, each base64 */
    if (a->sent == 1) {
      auth_set(out, ms_auth_b64(a->user, strlen(a->user)), NULL);
      a->sent = 2;
      return 1;
    }
    a->done = true;
    auth_set(out, ms_auth_b64(a->pass, strlen(a->pass)), MS_SECRET_SHOWN);
    return 1;
  case MS_SASL_CRAM_MD5: {
    char *r = ms_auth_cram_md5(a->user, a->pass, challenge, err, errlen);
    if (!r)
      return -1;
    a->done = true;
    auth_set(out, r, MS_SECRET_SHOWN);
    return 1;
  }
  }
  return 0;
}

int ms_auth_next(struct ms_auth *a, const char *challenge,
                 struct ms_auth_line *out, char *err, size_t errlen) {
  out->wire = out->shown = NULL;
  if (a->done)
    return 0;
  if (a->cancel) { /* RFC 4954 §4, RFC 5034 §4: "*" cancels */
    a->done = true;
    auth_set(out, xstrdup("*"), NULL);
    return 1;
  }
  return auth_line(a, challenge ? challenge : "", out, err, errlen);
}

const char *ms_auth_challenge(enum ms_protocol proto, const char *line) {
  if (!line)
    return "";
  size_t skip = strlen(ms_proto_ops(proto)->sasl_cont_pat); /* "334", "+" */
  if (strlen(line) < skip)
    return "";
  line += skip;
  return *line == ' ' ? line + 1 : line;
}

char *ms_auth_apop_timestamp(const char *greeting) {
  for (const char *p = greeting ? strchr(greeting, '<') : NULL; p;
       p = strchr(p + 1, '<')) {
    const char *q = strchr(p, '>');
    if (!q)
      return NULL;
    if (memchr(p, '@', (size_t)(q - p)) &&
        !memchr(p + 1, '<', (size_t)(q - p - 1)))
      return xstrndup(p, (size_t)(q - p) + 1);
  }
  return NULL;
}
