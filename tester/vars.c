/* vars: ${name} expansion in client lines and the exact wire bytes of
 * SEND steps.  Pure. */
#include "mailspec/transcript.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "data_fill.h"
#include "util.h"

bool ms_vars_valid_name(const char *s, size_t n) {
  if (n == 0 || n > 64)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
      return false;
  }
  return true;
}

int ms_vars_each(const char *text, size_t len, ms_vars_fn *fn, void *arg,
                 char *err, size_t errlen) {
  for (size_t i = 0; i + 1 < len; i++) {
    if (text[i] != '$')
      continue;
    if (text[i + 1] == '$') { /* "$$" is a literal "$" */
      i++;
      continue;
    }
    if (text[i + 1] != '{')
      continue;
    const char *name = text + i + 2;
    const char *close = memchr(name, '}', len - (i + 2));
    if (!close) {
      snprintf(err, errlen,
               "\"${\" without a closing \"}\" (write $$ for a literal $)");
      return -1;
    }
    size_t n = (size_t)(close - name);
    if (!ms_vars_valid_name(name, n)) {
      snprintf(err, errlen,
               "bad variable name \"${%.*s}\": names are letters, digits "
               "and _ (not starting with a digit)",
               (int)(n > 40 ? 40 : n), name);
      return -1;
    }
    if (fn)
      fn(name, n, arg);
    i = (size_t)(close - text);
  }
  return 0;
}

static const struct ms_var *vars_find(const struct ms_var *v, size_t n,
                                      const char *name, size_t len) {
  for (size_t i = 0; i < n; i++)
    if (strlen(v[i].name) == len && memcmp(v[i].name, name, len) == 0)
      return &v[i];
  return NULL;
}

/* Expanded text and wire bytes are bounded: a runaway ${x} cannot eat
 * memory (transcripts themselves are at most 16 MiB). */
#define VARS_MAX (64u << 20)

char *ms_vars_expand(const char *text, size_t len, const struct ms_var *vars,
                     size_t nvars, const struct ms_var *overrides,
                     size_t noverrides, size_t *outlen, char *err,
                     size_t errlen) {
  if (ms_vars_each(text, len, NULL, NULL, err, errlen) < 0)
    return NULL;
  struct ms_buf o;
  ms_buf_init(&o, VARS_MAX);
  int rc = ms_buf_add(&o, "", 0);
  size_t i = 0;
  while (rc == 0 && i < len) {
    const char *d = memchr(text + i, '$', len - i);
    size_t stop = d ? (size_t)(d - text) : len;
    rc = ms_buf_add(&o, text + i, stop - i);
    i = stop;
    if (rc < 0 || i >= len)
      break;
    if (i + 1 < len && text[i + 1] == '$') {
      rc = ms_buf_add(&o, "$", 1);
      i += 2;
      continue;
    }
    if (i + 1 >= len || text[i + 1] != '{') {
      rc = ms_buf_add(&o, "$", 1);
      i++;
      continue;
    }
    const char *name = text + i + 2;
    size_t n = (size_t)((const char *)memchr(name, '}', len - (i + 2)) - name);
    const struct ms_var *v = vars_find(overrides, noverrides, name, n);
    if (!v)
      v = vars_find(vars, nvars, name, n);
    if (!v) {
      snprintf(err, errlen,
               "unknown variable ${%.*s}: define it under vars: or pass "
               "-D %.*s=VALUE",
               (int)n, name, (int)n, name);
      ms_buf_free(&o);
      return NULL;
    }
    rc = ms_buf_addstr(&o, v->value);
    i += 2 + n + 1;
  }
  if (rc < 0) {
    snprintf(err, errlen, "the text grows over 64 MiB with its variables");
    ms_buf_free(&o);
    return NULL;
  }
  return ms_buf_steal(&o, outlen);
}

/* RFC 5321 §4.5.2: a line of the body starting with "." gets one more;
 * every line ends in CRLF; "." CRLF ends the data. */
static int vars_body(struct ms_buf *o, const char *body, size_t len) {
  size_t i = 0;
  int rc = 0;
  while (rc == 0 && len > 0 && i <= len) {
    const char *nl = memchr(body + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - body) : len;
    if (end > i && body[i] == '.')
      rc |= ms_buf_add(o, ".", 1);
    rc |= ms_buf_add(o, body + i, end - i);
    rc |= ms_buf_add(o, "\r\n", 2);
    i = end + 1;
  }
  return rc | ms_buf_add(o, ".\r\n", 3);
}

/* data: {header:, octets:, fill:}: HEAD (the expanded header, freed
 * here) and the body filled to the expanded OCTETS (data_fill.c).  An
 * octets: that expands to nothing (a capture not yet made, when a
 * transcript is checked before it runs) gives no bytes: the run itself
 * refuses that (engine.c). */
static int vars_fill(const struct ms_step *s, char *head, size_t hlen,
                     const struct ms_var *vars, size_t nvars,
                     const struct ms_var *overrides, size_t noverrides,
                     struct ms_buf *o, char **out, size_t *outlen, char *err,
                     size_t errlen) {
  size_t n;
  char *oct = ms_vars_expand(s->octets, strlen(s->octets), vars, nvars,
                             overrides, noverrides, &n, err, errlen);
  int rc = oct ? 0 : -1;
  if (rc == 0 && *oct)
    rc = ms_data_fill(o, head, hlen, oct, s->fill, err, errlen);
  free(oct);
  free(head);
  if (rc != 0) {
    ms_buf_free(o);
    return -1;
  }
  *out = ms_buf_steal(o, outlen);
  return 0;
}

int ms_step_wire(const struct ms_step *s, const struct ms_var *vars,
                 size_t nvars, const struct ms_var *overrides,
                 size_t noverrides, char **out, size_t *outlen, char *err,
                 size_t errlen) {
  *out = NULL;
  *outlen = 0;
  if (s->kind != MS_STEP_SEND) {
    snprintf(err, errlen, "not a send step");
    return -1;
  }
  size_t n = 0;
  char *x = ms_vars_expand(s->text ? s->text : "", s->text ? s->len : 0, vars,
                           nvars, overrides, noverrides, &n, err, errlen);
  if (!x)
    return -1;
  struct ms_buf o;
  ms_buf_init(&o, VARS_MAX);
  int rc = ms_buf_add(&o, "", 0);
  switch (s->send) {
  case MS_SEND_LINE:
  case MS_SEND_DATA_LINE:
    for (unsigned long k = 0; k < (s->times ? s->times : 1) && rc == 0; k++) {
      rc |= ms_buf_add(&o, x, n); /* times: N copies of a data line */
      rc |= ms_buf_add(&o, "\r\n", 2);
    }
    break;
  case MS_SEND_RAW:
    rc |= ms_buf_add(&o, x, n);
    break;
  case MS_SEND_BODY:
    if (s->octets)
      return vars_fill(s, x, n, vars, nvars, overrides, noverrides, &o, out,
                       outlen, err, errlen);
    rc |= vars_body(&o, x, n);
    break;
  }
  free(x);
  if (rc != 0) {
    snprintf(err, errlen, "the bytes to send exceed 64 MiB");
    ms_buf_free(&o);
    return -1;
  }
  *out = ms_buf_steal(&o, outlen);
  return 0;
}

/* POSIX ERE metacharacters (outside a bracket expression). */
static bool vars_re_meta(char c) {
  return c != '\0' && strchr(".[]{}()*+?^$|\\", c) != NULL;
}

char *ms_vars_expand_re(const char *re, const struct ms_var *caps, size_t ncaps,
                        char *err, size_t errlen) {
  struct ms_buf o;
  ms_buf_init(&o, VARS_MAX);
  int rc = ms_buf_add(&o, "", 0);
  for (size_t i = 0; rc == 0 && re[i];) {
    const struct ms_var *v = NULL;
    size_t n = 0;
    if (re[i] == '$' && re[i + 1] == '{') {
      const char *close = strchr(re + i + 2, '}');
      n = close ? (size_t)(close - (re + i + 2)) : 0;
      if (close)
        v = vars_find(caps, ncaps, re + i + 2, n);
    }
    if (!v) {
      rc = ms_buf_add(&o, re + i++, 1);
      continue;
    }
    if (!v->value) {
      snprintf(err, errlen,
               "${%s} has no value: its capture: did not match an earlier "
               "reply",
               v->name);
      ms_buf_free(&o);
      return NULL;
    }
    for (const char *p = v->value; rc == 0 && *p; p++) {
      if (vars_re_meta(*p))
        rc = ms_buf_add(&o, "\\", 1);
      if (rc == 0)
        rc = ms_buf_add(&o, p, 1);
    }
    i += 2 + n + 1;
  }
  if (rc < 0) {
    snprintf(err, errlen, "the regex grows over 64 MiB with its variables");
    ms_buf_free(&o);
    return NULL;
  }
  return ms_buf_steal(&o, NULL);
}
