/* escape: see escape.h.  One decoder, one loop per target format. */
#include "escape.h"

#include <string.h>

#include "util.h"

#define ESC_REPLACEMENT 0xFFFDul
#define ESC_PICTURES 0x2400ul /* U+2400 SYMBOL FOR NULL ... */
#define ESC_PICTURE_DEL 0x2421ul

long ms_utf8_decode(const unsigned char *s, size_t len, size_t *n) {
  unsigned c = s[0];
  size_t need;
  unsigned long cp, min;
  *n = 1;
  if (c < 0x80)
    return (long)c;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1, cp = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2, cp = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3, cp = c & 0x07, min = 0x10000;
  } else {
    return -1; /* continuation byte, C0/C1 overlong lead, F5..FF */
  }
  if (len < need + 1)
    return -1;
  for (size_t i = 1; i <= need; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return -1;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return -1;
  *n = need + 1;
  return (long)cp;
}

size_t ms_utf8_encode(unsigned long cp, char *buf) {
  unsigned char *b = (unsigned char *)buf;
  if (cp < 0x80) {
    b[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    b[0] = (unsigned char)(0xC0 | (cp >> 6));
    b[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    b[0] = (unsigned char)(0xE0 | (cp >> 12));
    b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  b[0] = (unsigned char)(0xF0 | (cp >> 18));
  b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
  b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
  b[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

static void esc_put_cp(FILE *out, unsigned long cp) {
  char b[4];
  fwrite(b, 1, ms_utf8_encode(cp, b), out);
}

/* The next code point of *P, invalid bytes already replaced; advances
 * *P.  Returns -1 at the end of the string. */
static long esc_next(const char **p) {
  const unsigned char *s = (const unsigned char *)*p;
  if (!*s)
    return -1;
  size_t n;
  long cp = ms_utf8_decode(s, strnlen(*p, 4), &n);
  *p += n;
  return cp < 0 ? (long)ESC_REPLACEMENT : cp;
}

static bool esc_is_control(long cp) {
  return cp < 0x20 || cp == 0x7F;
}

static unsigned long esc_picture(long cp) {
  return cp == 0x7F ? ESC_PICTURE_DEL : ESC_PICTURES + (unsigned long)cp;
}

size_t ms_utf8_width(const char *s) {
  size_t n = 0;
  if (s)
    while (esc_next(&s) >= 0)
      n++;
  return n;
}

void ms_esc_plain(FILE *out, const char *s, bool keep_nl_tab) {
  long cp;
  if (!s)
    return;
  while ((cp = esc_next(&s)) >= 0) {
    if (esc_is_control(cp) && !(keep_nl_tab && (cp == '\n' || cp == '\t')))
      esc_put_cp(out, esc_picture(cp));
    else
      esc_put_cp(out, (unsigned long)cp);
  }
}

char *ms_esc_plain_dup(const char *s, bool keep_nl_tab) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) {
    /* out of memory: same policy as xmalloc */
    return xstrdup("");
  }
  ms_esc_plain(f, s, keep_nl_tab);
  fclose(f);
  return buf;
}

void ms_esc_xml(FILE *out, const char *s, bool attr) {
  long cp;
  if (!s)
    return;
  while ((cp = esc_next(&s)) >= 0) {
    switch (cp) {
    case '&':
      fputs("&amp;", out);
      continue;
    case '<':
      fputs("&lt;", out);
      continue;
    case '>':
      fputs("&gt;", out);
      continue; /* also defuses "]]>" */
    case '"':
      fputs("&quot;", out);
      continue;
    case '\'':
      fputs("&#39;", out);
      continue;
    case '\n':
      fputs(attr ? "&#10;" : "\n", out);
      continue;
    case '\t':
      fputs(attr ? "&#9;" : "\t", out);
      continue;
    default:
      break;
    }
    if (esc_is_control(cp))
      esc_put_cp(out, esc_picture(cp));
    else if (cp == 0xFFFE || cp == 0xFFFF) /* not XML 1.0 Chars */
      esc_put_cp(out, ESC_REPLACEMENT);
    else
      esc_put_cp(out, (unsigned long)cp);
  }
}

/* The backslash escapes JSON and YAML double-quoted strings share. */
static bool esc_backslash(FILE *out, long cp) {
  switch (cp) {
  case '"':
    fputs("\\\"", out);
    return true;
  case '\\':
    fputs("\\\\", out);
    return true;
  case '\n':
    fputs("\\n", out);
    return true;
  case '\r':
    fputs("\\r", out);
    return true;
  case '\t':
    fputs("\\t", out);
    return true;
  default:
    return false;
  }
}

void ms_esc_json(FILE *out, const char *s) {
  long cp;
  if (!s) {
    fputs("null", out);
    return;
  }
  fputc('"', out);
  while ((cp = esc_next(&s)) >= 0) {
    if (esc_backslash(out, cp))
      continue;
    /* U+2028/9 too: a JSON file pasted into a <script> stays valid JS */
    if (esc_is_control(cp) || cp == 0x2028 || cp == 0x2029)
      fprintf(out, "\\u%04lx", (unsigned long)cp);
    else
      esc_put_cp(out, (unsigned long)cp);
  }
  fputc('"', out);
}

void ms_esc_yaml(FILE *out, const char *s) {
  long cp;
  fputc('"', out);
  while (s && (cp = esc_next(&s)) >= 0) {
    if (esc_backslash(out, cp))
      continue;
    if (esc_is_control(cp))
      fprintf(out, "\\x%02lx", (unsigned long)cp);
    else
      esc_put_cp(out, (unsigned long)cp);
  }
  fputc('"', out);
}

void ms_esc_tap(FILE *out, const char *s) {
  long cp;
  while (s && (cp = esc_next(&s)) >= 0) {
    if (cp == '#' || cp == '\\')
      fputc('\\', out);
    if (cp == '\n' || cp == '\t')
      fputc(' ', out);
    else if (esc_is_control(cp))
      esc_put_cp(out, esc_picture(cp));
    else
      esc_put_cp(out, (unsigned long)cp);
  }
}

void ms_esc_md(FILE *out, const char *s) {
  long cp;
  while (s && (cp = esc_next(&s)) >= 0) {
    if (cp == '<') {
      fputs("&lt;", out);
    } else if (cp == '&') {
      fputs("&amp;", out);
    } else if (cp == '\n' || cp == '\t') {
      fputc(' ', out);
    } else if (esc_is_control(cp)) {
      esc_put_cp(out, esc_picture(cp));
    } else if (cp < 0x80 && strchr("\\`*_[]#|>~", (int)cp)) {
      fputc('\\', out); /* CommonMark §2.4: any ASCII punctuation */
      fputc((int)cp, out);
    } else {
      esc_put_cp(out, (unsigned long)cp);
    }
  }
}

size_t ms_esc_fence_len(const char *s) {
  size_t best = 0, run = 0;
  for (; s && *s; s++) {
    run = *s == '`' ? run + 1 : 0;
    if (run > best)
      best = run;
  }
  return best < 3 ? 3 : best + 1;
}
