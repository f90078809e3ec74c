/* json: see json.h.  A recursive-descent parser whose recursion is
 * bounded by max_depth; the first error wins and stops the parse. */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "util.h"

#define JSON_NUMBER_MAX 64 /* characters of one number literal */

struct json_parser {
  const unsigned char *p, *end, *line_start;
  int line;
  size_t depth;
  struct ms_json_limits lim;
  char *err;
  size_t errlen;
  bool failed;
};

static int json_col(const struct json_parser *jp, const unsigned char *at) {
  int col = 1;
  for (const unsigned char *q = jp->line_start; q < at; q++)
    if ((*q & 0xC0) != 0x80) /* count characters, not bytes */
      col++;
  return col;
}

__attribute__((format(printf, 3, 4))) static void
json_fail(struct json_parser *jp, const unsigned char *at, const char *fmt,
          ...) {
  if (jp->failed)
    return;
  jp->failed = true;
  int n = snprintf(jp->err, jp->errlen, "%d:%d: ", jp->line, json_col(jp, at));
  if (n < 0 || (size_t)n >= jp->errlen)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(jp->err + n, jp->errlen - (size_t)n, fmt, ap);
  va_end(ap);
}

/* RFC 8259 §2: insignificant whitespace is space, tab, LF and CR. */
static void json_ws(struct json_parser *jp) {
  while (jp->p < jp->end) {
    unsigned char c = *jp->p;
    if (c == '\n') {
      jp->line++;
      jp->line_start = jp->p + 1;
    } else if (c != ' ' && c != '\t' && c != '\r') {
      return;
    }
    jp->p++;
  }
}

static const char *json_describe(const struct json_parser *jp) {
  return jp->p >= jp->end ? "end of input" : "unexpected character";
}

static bool json_literal(struct json_parser *jp, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0) {
    json_fail(jp, jp->p, "invalid literal (expected %s)", word);
    return false;
  }
  jp->p += n;
  return true;
}

static void json_digits(struct json_parser *jp) {
  while (jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9')
    jp->p++;
}

static bool json_is_digit(const struct json_parser *jp) {
  return jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9';
}

/* RFC 8259 §6: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)? */
static bool json_number(struct json_parser *jp, struct ms_json *v) {
  const unsigned char *s = jp->p;
  v->integer = true;
  if (*jp->p == '-')
    jp->p++;
  if (!json_is_digit(jp)) {
    json_fail(jp, jp->p, "invalid number: a digit must follow '-'");
    return false;
  }
  if (*jp->p == '0') {
    jp->p++;
    if (json_is_digit(jp)) {
      json_fail(jp, s, "invalid number: leading zero");
      return false;
    }
  } else {
    json_digits(jp);
  }
  if (jp->p < jp->end && *jp->p == '.') {
    jp->p++;
    v->integer = false;
    if (!json_is_digit(jp)) {
      json_fail(jp, jp->p, "invalid number: a digit must follow '.'");
      return false;
    }
    json_digits(jp);
  }
  if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
    jp->p++;
    v->integer = false;
    if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-'))
      jp->p++;
    if (!json_is_digit(jp)) {
      json_fail(jp, jp->p, "invalid number: a digit must follow the exponent");
      return false;
    }
    json_digits(jp);
  }
  size_t n = (size_t)(jp->p - s);
  if (n > JSON_NUMBER_MAX) {
    json_fail(jp, s, "number too long (over %d characters)", JSON_NUMBER_MAX);
    return false;
  }
  char tmp[JSON_NUMBER_MAX + 1];
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  v->type = MS_JSON_NUMBER;
  v->num = strtod(tmp, NULL); /* the grammar above is a subset of strtod's */
  return true;
}

static int json_hex4(struct json_parser *jp, const unsigned char *q) {
  int v = 0;
  if (jp->end - q < 4)
    return -1;
  for (int i = 0; i < 4; i++) {
    int c = q[i], d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return -1;
    v = v * 16 + d;
  }
  return v;
}

/* After a backslash at jp->p[-1]: decode one escape into OUT (at least 4
 * bytes).  Returns the byte count, or 0 on error. */
static size_t json_escape(struct json_parser *jp, char *out) {
  const unsigned char *at = jp->p - 1;
  if (jp->p >= jp->end) {
    json_fail(jp, at, "unterminated string");
    return 0;
  }
  unsigned char c = *jp->p++;
  const char *simple = strchr("\"\\/bfnrt", c);
  if (c && simple) {
    static const char map[] = "\"\\/\b\f\n\r\t";
    out[0] = map[simple - "\"\\/bfnrt"];
    return 1;
  }
  if (c != 'u') {
    json_fail(jp, at, "invalid escape '\\%c'", c >= 0x20 && c < 0x7F ? c : '?');
    return 0;
  }
  int cp = json_hex4(jp, jp->p);
  if (cp < 0) {
    json_fail(jp, at, "invalid \\u escape: four hex digits expected");
    return 0;
  }
  jp->p += 4;
  long full = cp;
  if (cp >= 0xD800 && cp <= 0xDBFF) { /* RFC 8259 §7: surrogate pair */
    int lo = (jp->end - jp->p >= 6 && jp->p[0] == '\\' && jp->p[1] == 'u')
                 ? json_hex4(jp, jp->p + 2)
                 : -1;
    if (lo < 0xDC00 || lo > 0xDFFF) {
      json_fail(jp, at, "unpaired UTF-16 surrogate \\u%04X", (unsigned)cp);
      return 0;
    }
    jp->p += 6;
    full = 0x10000 + ((long)(cp - 0xD800) << 10) + (lo - 0xDC00);
  } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
    json_fail(jp, at, "unpaired UTF-16 surrogate \\u%04X", (unsigned)cp);
    return 0;
  } else if (cp == 0) {
    json_fail(jp, at, "\\u0000 is not supported in strings");
    return 0;
  }
  return ms_utf8_encode((unsigned long)full, out);
}

static bool json_str_add(struct json_parser *jp, const unsigned char *at,
                         char **buf, size_t *len, size_t *cap, const char *p,
                         size_t n) {
  if (*len + n > jp->lim.max_string) {
    json_fail(jp, at, "string longer than %zu bytes", jp->lim.max_string);
    return false;
  }
  if (*len + n + 1 > *cap) {
    *cap = (*len + n + 1) * 2;
    *buf = xrealloc(*buf, *cap);
  }
  memcpy(*buf + *len, p, n);
  *len += n;
  (*buf)[*len] = '\0';
  return true;
}

/* At the opening quote.  Stores a new string in *OUT. */
static bool json_string(struct json_parser *jp, char **out, size_t *outlen) {
  const unsigned char *start = jp->p++;
  char *buf = xmalloc(16);
  size_t len = 0, cap = 16;
  buf[0] = '\0';
  for (;;) {
    if (jp->p >= jp->end) {
      json_fail(jp, start, "unterminated string");
      break;
    }
    unsigned char c = *jp->p;
    if (c == '"') {
      jp->p++;
      *out = buf;
      if (outlen)
        *outlen = len;
      return true;
    }
    char tmp[4];
    size_t n;
    if (c == '\\') {
      jp->p++;
      if (!(n = json_escape(jp, tmp)))
        break;
      if (!json_str_add(jp, start, &buf, &len, &cap, tmp, n))
        break;
      continue;
    }
    if (c < 0x20) {
      json_fail(jp, jp->p, "control character 0x%02X in string (escape it)", c);
      break;
    }
    if (ms_utf8_decode(jp->p, (size_t)(jp->end - jp->p), &n) < 0) {
      json_fail(jp, jp->p, "invalid UTF-8 byte 0x%02X in string", c);
      break;
    }
    if (!json_str_add(jp, start, &buf, &len, &cap, (const char *)jp->p, n))
      break;
    jp->p += n;
  }
  free(buf);
  return false;
}

static bool json_value(struct json_parser *jp, struct ms_json *v);

static struct ms_json *json_push(struct json_parser *jp, struct ms_json *v,
                                 size_t *cap, const unsigned char *at) {
  if (v->n >= jp->lim.max_items) {
    json_fail(jp, at, "more than %zu elements", jp->lim.max_items);
    return NULL;
  }
  if (v->n == *cap) {
    *cap = *cap ? *cap * 2 : 8;
    v->items = xrealloc(v->items, *cap * sizeof *v->items);
    if (v->type == MS_JSON_OBJECT)
      v->keys = xrealloc(v->keys, *cap * sizeof *v->keys);
  }
  struct ms_json *it = &v->items[v->n];
  memset(it, 0, sizeof *it);
  if (v->type == MS_JSON_OBJECT)
    v->keys[v->n] = NULL;
  v->n++;
  return it;
}

static int json_keycmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* RFC 8259 §4: names SHOULD be unique; for our files a duplicate is an
 * error (which one would win is implementation-defined). */
static const char *json_duplicate(const struct ms_json *v) {
  if (v->n < 2)
    return NULL;
  char **k = xmalloc(v->n * sizeof *k);
  memcpy(k, v->keys, v->n * sizeof *k);
  qsort(k, v->n, sizeof *k, json_keycmp);
  const char *dup = NULL;
  for (size_t i = 1; i < v->n && !dup; i++)
    if (strcmp(k[i - 1], k[i]) == 0)
      dup = k[i];
  free(k);
  return dup;
}

static bool json_member(struct json_parser *jp, struct ms_json *v,
                        size_t *cap) {
  const unsigned char *at = jp->p;
  if (jp->p >= jp->end || *jp->p != '"') {
    json_fail(jp, jp->p, "%s: a member name (string) expected",
              json_describe(jp));
    return false;
  }
  struct ms_json *it = json_push(jp, v, cap, at);
  if (!it || !json_string(jp, &v->keys[v->n - 1], NULL))
    return false;
  json_ws(jp);
  if (jp->p >= jp->end || *jp->p != ':') {
    json_fail(jp, jp->p, "%s: ':' expected after member name",
              json_describe(jp));
    return false;
  }
  jp->p++;
  return json_value(jp, it);
}

/* Arrays and objects: at the opening bracket. */
static bool json_container(struct json_parser *jp, struct ms_json *v,
                           bool object) {
  const unsigned char *open = jp->p;
  char close = object ? '}' : ']';
  size_t cap = 0;
  v->type = object ? MS_JSON_OBJECT : MS_JSON_ARRAY;
  if (++jp->depth > jp->lim.max_depth) {
    json_fail(jp, open, "nesting deeper than %zu", jp->lim.max_depth);
    return false;
  }
  jp->p++;
  json_ws(jp);
  if (jp->p < jp->end && *jp->p == close) {
    jp->p++;
    jp->depth--;
    return true;
  }
  for (;;) {
    json_ws(jp);
    bool ok = object ? json_member(jp, v, &cap)
                     : (json_push(jp, v, &cap, jp->p) &&
                        json_value(jp, &v->items[v->n - 1]));
    if (!ok)
      return false;
    json_ws(jp);
    if (jp->p < jp->end && *jp->p == ',') {
      jp->p++;
      continue;
    }
    if (jp->p < jp->end && *jp->p == close) {
      jp->p++;
      break;
    }
    json_fail(jp, jp->p, "%s: ',' or '%c' expected", json_describe(jp), close);
    return false;
  }
  const char *dup = object ? json_duplicate(v) : NULL;
  if (dup) {
    json_fail(jp, open, "duplicate member name \"%.64s\"", dup);
    return false;
  }
  jp->depth--;
  return true;
}

static bool json_value(struct json_parser *jp, struct ms_json *v) {
  json_ws(jp);
  v->line = jp->line;
  v->col = json_col(jp, jp->p);
  if (jp->p >= jp->end) {
    json_fail(jp, jp->p, "end of input: a value expected");
    return false;
  }
  switch (*jp->p) {
  case '{':
    return json_container(jp, v, true);
  case '[':
    return json_container(jp, v, false);
  case '"':
    v->type = MS_JSON_STRING;
    return json_string(jp, &v->str, &v->len);
  case 't':
    v->type = MS_JSON_BOOL;
    v->b = true;
    return json_literal(jp, "true");
  case 'f':
    v->type = MS_JSON_BOOL;
    return json_literal(jp, "false");
  case 'n':
    v->type = MS_JSON_NULL;
    return json_literal(jp, "null");
  default:
    if (*jp->p == '-' || (*jp->p >= '0' && *jp->p <= '9'))
      return json_number(jp, v);
    json_fail(jp, jp->p, "unexpected character '%c': a value expected",
              *jp->p >= 0x20 && *jp->p < 0x7F ? *jp->p : '?');
    return false;
  }
}

struct ms_json *ms_json_parse(const char *buf, size_t len,
                              const struct ms_json_limits *lim, char *err,
                              size_t errlen) {
  static const struct ms_json_limits defaults = MS_JSON_LIMITS_DEFAULT;
  struct json_parser jp = {0};
  jp.p = jp.line_start = (const unsigned char *)buf;
  jp.end = jp.p + len;
  jp.line = 1;
  jp.lim = lim ? *lim : defaults;
  jp.err = err;
  jp.errlen = errlen;
  if (errlen)
    err[0] = '\0';
  if (len > jp.lim.max_input) {
    json_fail(&jp, jp.p, "input larger than %zu bytes", jp.lim.max_input);
    return NULL;
  }
  if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
    jp.p += 3, jp.line_start += 3; /* RFC 8259 §8.1: MAY ignore a BOM */
  struct ms_json *root = xcalloc(1, sizeof *root);
  if (json_value(&jp, root)) {
    json_ws(&jp);
    if (jp.p < jp.end)
      json_fail(&jp, jp.p, "trailing characters after the value");
  }
  if (jp.failed) {
    ms_json_free(root);
    return NULL;
  }
  return root;
}

static void json_free_inner(struct ms_json *j) {
  for (size_t i = 0; i < j->n; i++) {
    json_free_inner(&j->items[i]);
    if (j->keys)
      free(j->keys[i]);
  }
  free(j->items);
  free(j->keys);
  free(j->str);
}

void ms_json_free(struct ms_json *j) {
  if (!j)
    return;
  json_free_inner(j);
  free(j);
}

const struct ms_json *ms_json_get(const struct ms_json *obj, const char *key) {
  if (!obj || obj->type != MS_JSON_OBJECT)
    return NULL;
  for (size_t i = 0; i < obj->n; i++)
    if (strcmp(obj->keys[i], key) == 0)
      return &obj->items[i];
  return NULL;
}

const char *ms_json_type_name(enum ms_json_type t) {
  static const char *const names[] = {"null",   "boolean", "number",
                                      "string", "array",   "object"};
  return (unsigned)t <= MS_JSON_OBJECT ? names[t] : "?";
}
