/* secret: -D values from the environment or a file, and redaction (see
 * secret.h). */
#include "secret.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

/* A secret file is a password or a key, not a mailbox. */
#define SECRET_FILE_MAX 65536

static int secret_file(const char *path, char **value, char *err,
                       size_t errlen) {
  size_t len = 0;
  char *buf = ms_read_file(path, SECRET_FILE_MAX, &len);
  if (!buf) {
    snprintf(err, errlen, "file:%s: %s", path,
             errno == EFBIG ? "larger than 64 KiB" : strerror(errno));
    return -1;
  }
  /* `echo secret > file` adds a line end that is not part of it. */
  if (len > 0 && buf[len - 1] == '\n')
    buf[--len] = '\0';
  if (len > 0 && buf[len - 1] == '\r')
    buf[--len] = '\0';
  if (memchr(buf, '\0', len)) {
    snprintf(err, errlen, "file:%s: holds a NUL byte", path);
    free(buf);
    return -1;
  }
  *value = buf;
  return 0;
}

int ms_secret_resolve(const char *spec, char **value, bool *secret, char *err,
                      size_t errlen) {
  *value = NULL;
  *secret = false;
  if (strncmp(spec, "env:", 4) == 0) {
    const char *name = spec + 4, *v = *name ? getenv(name) : NULL;
    if (!v) {
      snprintf(err, errlen, "env:%s: the environment variable %s is not set",
               name, *name ? name : "(empty name)");
      return -1;
    }
    *value = xstrdup(v);
    *secret = true;
    return 0;
  }
  if (strncmp(spec, "file:", 5) == 0) {
    if (!spec[5]) {
      snprintf(err, errlen, "file: needs a path (file:/run/secrets/pass)");
      return -1;
    }
    if (secret_file(spec + 5, value, err, errlen) < 0)
      return -1;
    *secret = true;
    return 0;
  }
  *value = xstrdup(spec);
  return 0;
}

void ms_secrets_addn(struct ms_secrets *s, const char *value, size_t len) {
  if (!value || len < MS_SECRET_MIN)
    return;
  for (size_t i = 0; i < s->n; i++)
    if (strlen(s->v[i]) == len && memcmp(s->v[i], value, len) == 0)
      return;
  xgrow((void **)&s->v, &s->cap, s->n, sizeof *s->v);
  /* Longest first, so that a secret inside a longer one cannot leave
   * the rest of the longer one visible. */
  size_t at = s->n;
  while (at > 0 && strlen(s->v[at - 1]) < len)
    at--;
  memmove(s->v + at + 1, s->v + at, (s->n - at) * sizeof *s->v);
  s->v[at] = xmemdup(value, len);
  s->n++;
}

void ms_secrets_add(struct ms_secrets *s, const char *value) {
  if (value)
    ms_secrets_addn(s, value, strlen(value));
}

bool ms_secrets_found(const struct ms_secrets *s, const char *text) {
  for (size_t i = 0; s && text && i < s->n; i++)
    if (strstr(text, s->v[i]))
      return true;
  return false;
}

/* One pass for secret I over TEXT. */
static char *secret_replace(const char *text, const char *secret) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  size_t k = strlen(secret);
  for (const char *p = text;;) {
    const char *q = strstr(p, secret);
    if (!q) {
      ms_buf_addstr(&b, p);
      break;
    }
    ms_buf_add(&b, p, (size_t)(q - p));
    ms_buf_addstr(&b, MS_SECRET_SHOWN);
    p = q + k;
  }
  return ms_buf_steal(&b, NULL);
}

char *ms_secrets_scrub(const struct ms_secrets *s, const char *text) {
  if (!text)
    return NULL;
  char *r = xstrdup(text);
  for (size_t i = 0; s && i < s->n; i++) {
    if (!strstr(r, s->v[i]))
      continue;
    char *next = secret_replace(r, s->v[i]);
    free(r);
    r = next;
  }
  return r;
}

void ms_secrets_scrub_in(const struct ms_secrets *s, char **p) {
  if (!p || !*p || !ms_secrets_found(s, *p))
    return;
  char *r = ms_secrets_scrub(s, *p);
  free(*p);
  *p = r;
}

void ms_secrets_free(struct ms_secrets *s) {
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i]);
  free(s->v);
  memset(s, 0, sizeof *s);
}
