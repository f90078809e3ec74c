/* transcript_write: a framed session as a YAML transcript.
 *
 * The script: form (a literal block of role lines, as an RFC prints a
 * dialogue) is used whenever every line survives the loader unchanged
 * (tester/script.c: trailing blanks are layout, a command loses its
 * leading blanks, "<text with spaces>" is a meta line, mail data keeps
 * everything after the one blank that follows the role).  The writer
 * first renders the session in a checking pass that follows the loader's
 * own data-mode rule; if any line would not come back byte for byte
 * (bare LF, NUL, bytes that are not UTF-8, a line without its end, a
 * trailing blank, a reply the script parser rejects), the WHOLE
 * transcript is written in the steps: form instead, where such a line is
 * a `- raw:` step of C escapes and such a reply an `- expect:` step.
 *
 * In the steps: form a message is one `- data: |` literal block (one
 * YAML node whatever its length; dot-stuffing undone, the loader redoes
 * it), or one `- raw:` when its bytes cannot be a block; a BDAT chunk
 * is one `- raw:`; a long multi-line reply is its code and a comment.
 *
 * The loader refuses files over MS_TRANSCRIPT_MAX_BYTES and documents
 * over MS_TRANSCRIPT_MAX_NODES: a session that would not fit is cut
 * where it stops fitting, said so, and marked not replayable.  A session
 * with nothing to judge or send is not written at all.
 *
 * Client text is protected from ${name} expansion ("$$" is a literal
 * "$"); AUTH secrets become ${secretN} variables unless kept. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import.h"
#include "linktype.h"
#include "mailspec/mailspec.h"
#include "escape.h"
#include "script.h"
#include "util.h"

/* A growing output buffer. */
struct twbuf {
  char *p;
  size_t len, cap;
};

/* What was left out to fit the loader's limits. */
struct tw_cut {
  bool on;
  uint64_t frame;    /* where the cut is */
  uint64_t bytes[2]; /* by direction */
};

struct tw {
  struct twbuf body, hdr, *cur; /* output goes to CUR */
  const struct ms_imp_session *s;
  const struct ms_frames *f;
  const struct ms_write_opts *o;
  bool steps;    /* writing the steps: form */
  bool ok;       /* everything so far fits the script: form */
  char why[200]; /* the first reason it does not */
  bool data;     /* the loader's mail-data mode (after a 3xx reply) */
  unsigned nsecret;
  bool unjudged;       /* a reply had to be left unexpected */
  bool line_plain;     /* the last client text is printable ASCII, no "$" */
  const char *cp, *sp; /* client and server role prefixes */
  char *tmp;           /* scratch for one line */
  size_t tmpcap;
  size_t nodes;          /* YAML nodes of the body */
  size_t *uoff, *unodes; /* per unit: body offset and nodes before it */
  struct ms_var *sec;    /* o->secret_values: name and captured value */
  size_t nsec, capsec;
  struct tw_cut cut;
  /* think: (replay --pace): the client's think time before each batch,
   * in the order written; a batch is the client lines written after a
   * reply step (the loader's rule, transcript_timing.c) */
  double *think;
  size_t nthink, capthink;
  bool after_reply;      /* the last step written was a reply */
  uint64_t reply_end_ns; /* when that reply's last byte was captured */
};

/* ---- small output helpers ---------------------------------------------- */

static void tw_reserve(struct twbuf *b, size_t n) {
  if (b->len + n <= b->cap)
    return;
  size_t c = b->cap ? b->cap : 65536;
  while (c < b->len + n)
    c *= 2;
  b->p = xrealloc(b->p, c);
  b->cap = c;
}

static void tw_put(struct tw *w, const void *p, size_t n) {
  if (n == 0)
    return;
  tw_reserve(w->cur, n);
  memcpy(w->cur->p + w->cur->len, p, n);
  w->cur->len += n;
}

static void tw_puts(struct tw *w, const char *s) {
  tw_put(w, s, strlen(s));
}

/* "  R: text\n" (or "  R:\n" for an empty text) in one go. */
static void tw_role_line(struct tw *w, const char *role, const unsigned char *t,
                         size_t n) {
  size_t need = 6 + n;
  tw_reserve(w->cur, need);
  char *o = w->cur->p + w->cur->len;
  o[0] = ' ';
  o[1] = ' ';
  o[2] = role[0];
  o[3] = role[1];
  size_t k = 4;
  if (n) {
    o[k++] = ' ';
    memcpy(o + k, t, n);
    k += n;
  }
  o[k++] = '\n';
  w->cur->len += k;
}

static void tw_printf(struct tw *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void tw_printf(struct tw *w, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof buf) {
    tw_put(w, buf, (size_t)n);
    return;
  }
  char *big = xmalloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  tw_put(w, big, (size_t)n);
  free(big);
}

static void tw_unsafe(struct tw *w, uint64_t frame, const char *what) {
  if (!w->ok)
    return;
  w->ok = false;
  snprintf(w->why, sizeof w->why, "%s (frame %llu)", what,
           (unsigned long long)frame);
}

/* ---- character classes -------------------------------------------------- */

/* Next code point of valid UTF-8 at P (N bytes left), -1 if invalid. */
static long tw_utf8(const unsigned char *p, size_t n, size_t *len) {
  return ms_utf8_decode(p, n, len);
}

/* May code point C appear as itself inside a YAML scalar without being a
 * line break or forbidden (YAML 1.1 §5.1 printable, minus NEL/LS/PS)? */
static bool tw_printable(long c) {
  if (c == '\t')
    return true;
  if (c < 0x20 || c == 0x7F)
    return false;
  if (c >= 0x80 && c <= 0x9F)
    return false; /* C1, NEL among them */
  if (c == 0x2028 || c == 0x2029 || c == 0xFEFF || c == 0xFFFE || c == 0xFFFF)
    return false;
  return true;
}

/* Are the 8 bytes of X all printable ASCII (0x20..0x7E)?  Bit tricks
 * from "Bit Twiddling Hacks" (haszero/hasless), 8 bytes per step. */
static bool tw_word_ascii(uint64_t x) {
  const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
  uint64_t ctl = (x - ones * 0x20) & ~x; /* some byte < 0x20 */
  uint64_t del = x ^ (ones * 0x7F);      /* a 0x7F byte is 0 here */
  uint64_t zero = (del - ones) & ~del;   /* some byte == 0x7F */
  return ((x | ctl | zero) & high) == 0;
}

/* Length of the run of printable ASCII without "$" at P (at most N). */
static size_t tw_plain_run(const unsigned char *p, size_t n) {
  const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    memcpy(&x, p + i, 8);
    uint64_t dol = x ^ (ones * '$');
    if (!tw_word_ascii(x) || ((dol - ones) & ~dol & high))
      break;
  }
  while (i < n && (unsigned char)(p[i] - 0x20) < 0x5F && p[i] != '$')
    i++;
  return i;
}

/* Is P[0..N) printable ASCII without any "$" (the common mail line:
 * nothing to check further, nothing to escape)? */
static bool tw_plain(const unsigned char *p, size_t n) {
  return tw_plain_run(p, n) == n;
}

/* Is P[0..N) UTF-8 made of printable characters only? */
static bool tw_clean(const unsigned char *p, size_t n) {
  size_t i = 0;
  for (;;) {
    while (i + 8 <= n) {
      uint64_t x;
      memcpy(&x, p + i, 8);
      if (!tw_word_ascii(x))
        break;
      i += 8;
    }
    if (i >= n)
      return true;
    if ((unsigned char)(p[i] - 0x20) < 0x5F) { /* printable ASCII */
      i++;
      continue;
    }
    size_t k;
    long c = tw_utf8(p + i, n - i, &k);
    if (c < 0 || !tw_printable(c))
      return false;
    i += k;
  }
}

static bool tw_blank(unsigned char c) {
  return c == ' ' || c == '\t';
}

/* ---- quoting
 * ----------------------------------------------------------------- */

/* A YAML double-quoted scalar of clean UTF-8 text. */
static void tw_dq(struct tw *w, const unsigned char *p, size_t n) {
  tw_put(w, "\"", 1);
  size_t run = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) {
      size_t k = 1;
      long cp = c < 0x80 ? c : tw_utf8(p + i, n - i, &k);
      if (cp >= 0 && tw_printable(cp)) {
        i += k;
        run += k;
        continue;
      }
      tw_put(w, p + i - run, run);
      run = 0;
      if (cp < 0) {
        tw_printf(w, "\\x%02X", c); /* not reached for clean text */
        i++;
      } else {
        tw_printf(w, "\\u%04lX", (unsigned long)cp);
        i += k;
      }
      continue;
    }
    tw_put(w, p + i - run, run);
    run = 0;
    if (c == '"' || c == '\\')
      tw_printf(w, "\\%c", c);
    else if (c == '\t')
      tw_puts(w, "\\t");
    else
      tw_printf(w, "\\x%02X", c);
    i++;
  }
  tw_put(w, p + n - run, run);
  tw_put(w, "\"", 1);
}

static void tw_dqs(struct tw *w, const char *s) {
  tw_dq(w, (const unsigned char *)s, strlen(s));
}

/* A single-quoted scalar holding C escapes of any bytes (raw: decodes
 * \r \n \t \\ \xHH; YAML single quotes only double the quote). */
static void tw_cq(struct tw *w, const unsigned char *p, size_t n) {
  tw_put(w, "'", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = p[i];
    if (c == '\\')
      tw_puts(w, "\\\\");
    else if (c == '\'')
      tw_puts(w, "''");
    else if (c == '\r')
      tw_puts(w, "\\r");
    else if (c == '\n')
      tw_puts(w, "\\n");
    else if (c == '\t')
      tw_puts(w, "\\t");
    else if (c >= 0x20 && c < 0x7F)
      tw_put(w, &c, 1);
    else
      tw_printf(w, "\\x%02X", c);
  }
  tw_put(w, "'", 1);
}

/* ---- client text: $ protection and secrets ----------------------------- */

static void tw_tmp_add(struct tw *w, size_t *n, const void *p, size_t k) {
  if (*n + k + 1 > w->tmpcap) {
    size_t c = w->tmpcap ? w->tmpcap : 256;
    while (c < *n + k + 1)
      c *= 2;
    w->tmp = xrealloc(w->tmp, c);
    w->tmpcap = c;
  }
  memcpy(w->tmp + *n, p, k);
  *n += k;
  w->tmp[*n] = '\0';
}

/* Append P[0..K) with "$" doubled where the loader would expand it
 * ("${" and "$$", transcripts/README.md). */
static void tw_tmp_dollar(struct tw *w, size_t *n, const unsigned char *p,
                          size_t k) {
  size_t a = 0;
  const unsigned char *d;
  while (a < k && (d = memchr(p + a, '$', k - a))) {
    size_t i = (size_t)(d - p);
    if (i + 1 < k && (p[i + 1] == '{' || p[i + 1] == '$')) {
      tw_tmp_add(w, n, p + a, i + 1 - a);
      tw_tmp_add(w, n, "$", 1);
      a = i + 1;
    } else {
      tw_tmp_add(w, n, p + a, i + 1 - a);
      a = i + 1;
    }
  }
  tw_tmp_add(w, n, p + a, k - a);
}

/* The text of client bytes P[0..K) as the transcript writes it: secrets
 * (RED within) replaced, "$" protected.  Returns P itself when nothing
 * changes, else w->tmp; *N gets the length. */
static const unsigned char *tw_client_text(struct tw *w, const unsigned char *p,
                                           size_t k, size_t red_off,
                                           size_t red_len, size_t *out) {
  bool redact = red_len && !w->o->keep_secrets && red_off + red_len <= k;
  w->line_plain = !redact && tw_plain(p, k);
  if (w->line_plain || (!redact && !memchr(p, '$', k))) {
    *out = k;
    return p;
  }
  size_t n = 0;
  tw_tmp_add(w, &n, "", 0);
  if (redact) {
    char var[64], name[56];
    snprintf(name, sizeof name, "secret%u%s", ++w->nsecret,
             w->o->secret_suffix ? w->o->secret_suffix : "");
    int vl = snprintf(var, sizeof var, "${%s}", name);
    if (w->o->secret_values) {
      xgrow((void **)&w->sec, &w->capsec, w->nsec, sizeof *w->sec);
      w->sec[w->nsec].name = xstrdup(name);
      w->sec[w->nsec++].value = xmemdup(p + red_off, red_len);
    }
    tw_tmp_dollar(w, &n, p, red_off);
    tw_tmp_add(w, &n, var, (size_t)vl);
    tw_tmp_dollar(w, &n, p + red_off + red_len, k - red_off - red_len);
  } else {
    tw_tmp_dollar(w, &n, p, k);
  }
  *out = n;
  return (const unsigned char *)w->tmp;
}

/* ---- client lines -----------------------------------------------------------
 */

/* Would the loader take client text T[0..N) back unchanged as a script
 * line in the current mode?  Sets the reason otherwise. */
static bool tw_client_fits(struct tw *w, const unsigned char *t, size_t n,
                           const char **why) {
  if (!w->line_plain && !tw_clean(t, n)) {
    *why = "a client line holds bytes YAML text cannot (NUL, controls or "
           "non-UTF-8)";
    return false;
  }
  if (n > 0 && tw_blank(t[n - 1])) {
    *why = "a client line ends in a blank (the script form trims it)";
    return false;
  }
  if (!w->data && n > 0 && tw_blank(t[0])) {
    *why = "a command line starts with a blank (the script form trims it)";
    return false;
  }
  if (!w->data && n == 0) {
    *why = "an empty command line";
    return false;
  }
  if (n > 0 && t[0] == '<' &&
      (ms_script_is_meta((const char *)t, n) ||
       (n == 13 && memcmp(t, "<CRLF>.<CRLF>", 13) == 0))) {
    *why = "a client line reads like an RFC meta line (<...>)";
    return false;
  }
  return true;
}

/* May client text T[0..N) be a steps-form role line (- C: "...")?  The
 * value is taken as is there, blanks included. */
static bool tw_client_role_ok(const struct tw *w, const unsigned char *t,
                              size_t n) {
  return tw_clean(t, n) && !(n == 0 && !w->data) &&
         !ms_script_is_meta((const char *)t, n) &&
         !(n == 13 && memcmp(t, "<CRLF>.<CRLF>", 13) == 0);
}

/* One client line: its text T/N (line end removed, secrets and $
 * handled) and its line end END/ENDLEN as captured. */
static void tw_client_line(struct tw *w, const unsigned char *t, size_t n,
                           const unsigned char *end, size_t endlen,
                           uint64_t frame) {
  bool crlf = endlen == 2 && end[0] == '\r' && end[1] == '\n';
  if (!w->steps) {
    const char *why = endlen == 1   ? "a client line ends in a bare LF"
                      : endlen == 0 ? "client bytes without a line end"
                                    : "";
    if (!crlf || !tw_client_fits(w, t, n, &why))
      tw_unsafe(w, frame, why);
    tw_role_line(w, w->cp, t, n);
  } else if (crlf && tw_client_role_ok(w, t, n)) {
    tw_printf(w, "  - %s ", w->cp);
    tw_dq(w, t, n);
    tw_puts(w, "\n");
    w->nodes += 3;
  } else { /* the exact bytes */
    unsigned char *b = xmalloc(n + endlen + 1);
    memcpy(b, t, n);
    memcpy(b + n, end, endlen);
    tw_puts(w, "  - raw: ");
    tw_cq(w, b, n + endlen);
    tw_puts(w, "\n");
    w->nodes += 3;
    free(b);
  }
  if (w->data && n == 1 && t[0] == '.')
    w->data = false;
}

/* A client unit: its lines one by one.  The common line (printable
 * ASCII, CRLF) is found and checked in one scan. */
static void tw_client_unit(struct tw *w, const struct ms_unit *u) {
  const unsigned char *p = w->s->d[MS_DIR_C2S].p + u->off;
  size_t len = (size_t)u->len, i = 0;
  while (i < len) {
    size_t j = i + tw_plain_run(p + i, len - i);
    if (u->red_len == 0 && j + 1 < len && p[j] == '\r' && p[j + 1] == '\n') {
      w->line_plain = true;
      tw_client_line(w, p + i, j - i, p + j, 2, u->frame);
      i = j + 2;
      continue;
    }
    const unsigned char *lf = memchr(p + i, '\n', len - i);
    size_t end = lf ? (size_t)(lf - p) + 1 : len;
    size_t le = !lf ? 0 : (end - i >= 2 && p[end - 2] == '\r') ? 2 : 1;
    size_t body = end - le - i;
    size_t ro = 0, rl = 0;
    if (u->red_len && u->red_off >= i && u->red_off + u->red_len <= i + body) {
      ro = u->red_off - i;
      rl = u->red_len;
    }
    size_t n;
    const unsigned char *t = tw_client_text(w, p + i, body, ro, rl, &n);
    tw_client_line(w, t, n, p + end - le, le, u->frame);
    i = end;
  }
}

/* ---- mail data in the steps: form -------------------------------------- */

/* Can mail data P[0..LEN) (ending with the "." line) be a `data:` block?
 * Every line CRLF-ended text, every leading dot doubled (the block holds
 * the message unstuffed; the loader stuffs it again, RFC 5321 §4.5.2),
 * and not the one body the block cannot say (a single empty line). */
static bool tw_data_blockable(const unsigned char *p, size_t len) {
  if (len < 3 || memcmp(p + len - 3, ".\r\n", 3) != 0)
    return false;
  size_t i = 0, lines = 0;
  bool last_empty = false;
  while (i < len - 3) {
    const unsigned char *lf = memchr(p + i, '\n', len - 3 - i);
    if (!lf)
      return false;
    size_t end = (size_t)(lf - p);
    if (end == i || p[end - 1] != '\r')
      return false; /* a bare LF */
    size_t n = end - 1 - i;
    if (n > 0 && p[i] == '.' && (n < 2 || p[i + 1] != '.'))
      return false; /* a dot the client did not double */
    if (!tw_clean(p + i, n))
      return false;
    last_empty = n == 0;
    lines++;
    i = end + 1;
  }
  return !(lines == 1 && last_empty);
}

/* `- data: |2` and the message, unstuffed, "$" protected.  The
 * indentation indicator keeps a first line that starts with a blank;
 * "+" keeps trailing empty lines. */
static void tw_data_block(struct tw *w, const unsigned char *p, size_t len) {
  size_t stop = len - 3; /* the "." line */
  w->nodes += 3;
  if (stop == 0) {
    tw_puts(w, "  - data: \"\"\n");
    return;
  }
  bool keep = stop >= 3 && p[stop - 3] == '\n'; /* ends in an empty line */
  tw_puts(w, keep ? "  - data: |2+\n" : "  - data: |2\n");
  for (size_t i = 0; i < stop;) {
    const unsigned char *lf = memchr(p + i, '\n', stop - i);
    size_t end = (size_t)(lf - p), n = end - 1 - i;
    const unsigned char *t = p + i;
    if (n > 0 && t[0] == '.')
      t++, n--; /* undo the client's dot-stuffing */
    if (n == 0) {
      tw_puts(w, "\n");
    } else {
      size_t k = 0;
      const unsigned char *x = t;
      if (memchr(t, '$', n)) {
        tw_tmp_add(w, &k, "", 0);
        tw_tmp_dollar(w, &k, t, n);
        x = (const unsigned char *)w->tmp;
      } else {
        k = n;
      }
      tw_puts(w, "      ");
      tw_put(w, x, k);
      tw_puts(w, "\n");
    }
    i = end + 1;
  }
}

/* One `- raw:` for a whole client unit (mail data that cannot be a
 * block, a BDAT chunk): one YAML node however many lines. */
static void tw_raw_unit(struct tw *w, const struct ms_unit *u) {
  const unsigned char *p = w->s->d[MS_DIR_C2S].p + u->off;
  size_t k = 0;
  tw_tmp_add(w, &k, "", 0);
  tw_tmp_dollar(w, &k, p, (size_t)u->len);
  tw_puts(w, "  - raw: ");
  tw_cq(w, (const unsigned char *)w->tmp, k);
  tw_puts(w, "\n");
  w->nodes += 3;
}

static void tw_data_unit(struct tw *w, const struct ms_unit *u) {
  const unsigned char *p = w->s->d[MS_DIR_C2S].p + u->off;
  if (u->kind == MS_U_DATA && u->complete && u->red_len == 0 &&
      tw_data_blockable(p, (size_t)u->len))
    tw_data_block(w, p, (size_t)u->len);
  else
    tw_raw_unit(w, u);
  w->data = false; /* a raw ending in "." ends data mode, as does data: */
}

/* ---- timing (replay --pace) ------------------------------------------ */

/* Client unit U is about to be written: after a reply it starts a
 * batch, whose think time is from that reply's end to U's first byte
 * (0 when the client did not wait for it: pipelining). */
static void tw_think_client(struct tw *w, const struct ms_unit *u) {
  if (u->len == 0)
    return;
  if (w->after_reply && w->s->timed) {
    uint64_t at = ms_imp_dir_ts(&w->s->d[MS_DIR_C2S], u->off);
    double s = at > w->reply_end_ns ? (double)(at - w->reply_end_ns) / 1e9 : 0;
    xgrow((void **)&w->think, &w->capthink, w->nthink, sizeof *w->think);
    w->think[w->nthink++] = s;
  }
  w->after_reply = false;
}

/* Reply unit U was written as a step: the next client bytes start a
 * batch. */
static void tw_think_reply(struct tw *w, const struct ms_unit *u) {
  w->after_reply = true;
  w->reply_end_ns =
      ms_imp_dir_ts(&w->s->d[MS_DIR_S2C], u->off + (u->len ? u->len - 1 : 0));
}

/* ---- replies
 * ------------------------------------------------------------------ */

/* Split reply bytes into lines; true when every line ends in CRLF and
 * none holds anything the YAML text cannot carry. */
static bool tw_reply_clean(const unsigned char *p, size_t len) {
  size_t i = 0;
  while (i < len) {
    const unsigned char *lf = memchr(p + i, '\n', len - i);
    if (!lf)
      return false;
    size_t end = (size_t)(lf - p);
    if (end == i || p[end - 1] != '\r')
      return false;
    if (!tw_clean(p + i, end - 1 - i))
      return false;
    i = end + 1;
  }
  return len > 0;
}

/* Would the script parser read this reply back as one reply with the
 * same lines?  (Its rules: tester/script.c.) */
static bool tw_reply_parses(struct tw *w, const struct ms_unit *u) {
  const unsigned char *p = w->s->d[MS_DIR_S2C].p + u->off;
  size_t len = (size_t)u->len, i = 0, line = 0;
  enum ms_protocol proto = w->s->proto;
  char first[8] = "";
  while (i < len) {
    const unsigned char *lf = memchr(p + i, '\n', len - i);
    size_t end = (size_t)(lf - p) - 1; /* clean: CRLF guaranteed */
    char *t = xmemdup(p + i, end - i);
    size_t plen = 0;
    bool cont = false;
    bool pre = ms_proto_reply_prefix(proto, t, &plen, &cont);
    bool last = end + 2 >= len;
    bool good = true;
    if (ms_proto_ops(proto)->code_each_line) {
      good = pre && plen == 3 && cont == !last && !memchr(t, '|', plen);
      if (good && line == 0)
        memcpy(first, t, 3);
      good = good && memcmp(first, t, 3) == 0;
    } else if (line == 0) {
      good = pre && !memchr(t, '|', plen);
    } else if (line == 1) {
      good = !pre; /* else the parser starts a new reply here */
    }
    if (good && line == 0) {
      struct ms_pattern pat;
      char err[128], ps[16];
      snprintf(ps, sizeof ps, "%.*s", (int)(plen < 15 ? plen : 15), t);
      good = ms_pattern_parse(&pat, proto, ps, err, sizeof err) == 0;
    }
    free(t);
    if (!good)
      return false;
    line++;
    i = end + 2;
  }
  if (!ms_proto_ops(proto)->code_each_line && u->multiline && line < 2)
    return false;
  return true;
}

static void tw_reply_pattern(const struct tw *w, const struct ms_unit *u,
                             char *buf, size_t cap) {
  char c[16];
  snprintf(buf, cap, "%s",
           ms_proto_ops(w->s->proto)->code_pattern(u->code, c, sizeof c));
}

/* A reply the parsers cannot take line by line: its code only, and the
 * text as a comment. */
static void tw_reply_expect(struct tw *w, const struct ms_unit *u) {
  const unsigned char *p = w->s->d[MS_DIR_S2C].p + u->off;
  char pat[8];
  tw_reply_pattern(w, u, pat, sizeof pat);
  tw_puts(w, "  # reply as captured: ");
  tw_cq(w, p, (size_t)u->len);
  tw_puts(w, "\n");
  if (pat[0]) {
    tw_think_reply(w, u);
    tw_puts(w, "  - expect: ");
    tw_dqs(w, pat);
    tw_puts(w, "\n");
    w->nodes += 3;
  } else {
    tw_puts(w, "  # (no reply code in it: nothing can be expected)\n");
    w->unjudged = true;
  }
}

/* Lines of a reply up to TW_REPLY_LINES + 1 (more: a long one). */
#define TW_REPLY_LINES 16
static size_t tw_reply_lines(const unsigned char *p, size_t len) {
  size_t n = 0;
  for (const unsigned char *q = p, *e = p + len;
       n <= TW_REPLY_LINES && (q = memchr(q, '\n', (size_t)(e - q))); q++)
    n++;
  return n;
}

static void tw_reply(struct tw *w, const struct ms_unit *u) {
  const unsigned char *p = w->s->d[MS_DIR_S2C].p + u->off;
  size_t len = (size_t)u->len;
  bool fits = u->complete && tw_reply_clean(p, len) && tw_reply_parses(w, u);
  /* steps: a long reply (a RETR, a LIST) is its code and a comment, not
   * one YAML item per line: the engine knows a POP3 reply is multi-line
   * from its command, and judges by the code (RFC 821 §4.2) */
  bool compact = w->steps && tw_reply_lines(p, len) > TW_REPLY_LINES;
  w->data = false; /* a reply ends mail data (script.c) */
  if (!fits && !w->steps)
    tw_unsafe(w, u->frame,
              u->complete ? "a reply the script form cannot carry (bare LF, "
                            "bytes that are not UTF-8, or no reply code)"
                          : "a reply cut short");
  if ((fits && !compact) || !w->steps) {
    tw_think_reply(w, u);
    for (size_t i = 0; i < len;) {
      const unsigned char *lf = memchr(p + i, '\n', len - i);
      size_t end = lf ? (size_t)(lf - p) : len;
      size_t n = end - i - (end > i && p[end - 1] == '\r' ? 1 : 0);
      if (w->steps) {
        tw_printf(w, "  - %s ", w->sp);
        tw_dq(w, p + i, n);
        tw_puts(w, "\n");
        w->nodes += 3;
      } else {
        tw_role_line(w, w->sp, p + i, n);
      }
      i = lf ? end + 1 : len;
    }
  } else {
    tw_reply_expect(w, u);
  }
  const struct ms_proto_ops *ops = ms_proto_ops(w->s->proto);
  if (ops->raw_after_inter && ops->reply_class(u->code) == MS_RC_INTER)
    w->data = true; /* after 354 (and 334) client lines are data */
}

/* ---- meta lines
 * ---------------------------------------------------------------- */

static const char *tw_side(int dir) {
  return dir == MS_DIR_C2S ? "client" : "server";
}

/* A note in the dialogue: an RFC 1939 style meta line (the loader shows
 * it; "<gap ...>" marks a capture gap).  Always on the client role so it
 * never lands inside a reply. */
static void tw_meta(struct tw *w, const char *text) {
  if (w->steps) {
    tw_printf(w, "  - %s ", w->cp);
    tw_dqs(w, text);
    tw_puts(w, "\n");
    w->nodes += 3;
  } else {
    tw_printf(w, "  %s %s\n", w->cp, text);
  }
  w->data = false;
}

static void tw_unit(struct tw *w, const struct ms_unit *u) {
  char text[300];
  if (u->kind == MS_U_DATA || u->kind == MS_U_CHUNK || u->kind == MS_U_LINE ||
      u->kind == MS_U_SASL)
    tw_think_client(w, u);
  switch (u->kind) {
  case MS_U_DATA:
  case MS_U_CHUNK:
    if (w->steps) {
      tw_data_unit(w, u);
      break;
    }
    tw_client_unit(w, u);
    break;
  case MS_U_LINE:
  case MS_U_SASL:
    tw_client_unit(w, u);
    break;
  case MS_U_REPLY:
    tw_reply(w, u);
    break;
  case MS_U_GAP:
    snprintf(text, sizeof text,
             "<gap: %llu bytes sent by the %s are missing from the capture, "
             "frame %llu: %s>",
             (unsigned long long)u->gap_len, tw_side(u->dir),
             (unsigned long long)u->frame, u->why ? u->why : "");
    tw_meta(w, text);
    break;
  case MS_U_TLS:
    snprintf(text, sizeof text,
             "<TLS from here on, frame %llu: the rest of the session is "
             "encrypted and not imported>",
             (unsigned long long)u->frame);
    tw_meta(w, text);
    break;
  case MS_U_REST:
    break; /* said once by the TLS line and in notes: */
  }
}

/* ---- the document -----------------------------------------------------------
 */

static void tw_endpoint(const struct ms_conn_info *ci, int dir, char *buf,
                        size_t cap) {
  char a[64];
  ms_link_addr(ci->af, ci->addr[dir], a, sizeof a);
  if (ci->af == 6)
    snprintf(buf, cap, "[%s]:%u", a, ci->port[dir]);
  else
    snprintf(buf, cap, "%s:%u", a, ci->port[dir]);
}

static void tw_time(uint64_t ns, char *buf, size_t cap) {
  time_t t = (time_t)(ns / 1000000000u);
  struct tm tm;
  gmtime_r(&t, &tm);
  char d[40];
  strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, cap, "%s.%06luZ", d, (unsigned long)(ns % 1000000000u / 1000u));
}

/* Printable ASCII only (file names go into YAML text). */
static void tw_sanitize(const char *in, char *out, size_t cap) {
  size_t n = 0;
  for (; *in && n + 1 < cap; in++)
    out[n++] = (*in >= 0x20 && *in < 0x7F) ? *in : '?';
  out[n] = '\0';
}

static uint64_t tw_rest_bytes(const struct ms_frames *f, int dir) {
  for (size_t i = 0; i < f->n; i++)
    if (f->u[i].kind == MS_U_REST && f->u[i].dir == dir)
      return f->u[i].len + f->u[i].gap_len;
  return 0;
}

/* Is DIR's side missing from the capture (not one packet of it), as
 * opposed to a side that sent no byte (a client that connected, read
 * the greeting and closed)? */
static bool tw_absent(const struct ms_imp_session *s, int dir) {
  return s->d[dir].len == 0 && s->d[dir].ngaps == 0 &&
         s->st.dir_segments[dir] == 0;
}

static bool tw_silent(const struct ms_imp_session *s, int dir) {
  return s->d[dir].len == 0 && s->d[dir].ngaps == 0 &&
         s->st.dir_segments[dir] > 0;
}

static bool tw_replayable(const struct tw *w) {
  const struct ms_imp_session *s = w->s;
  if (w->f->ngaps && !w->o->allow_gaps)
    return false;
  if (s->d[0].dropped || s->d[1].dropped || w->cut.on)
    return false;
  /* without the client's side there is nothing to send; a silent client
   * is a session of its own (connect, greeting, close) */
  return !(tw_absent(s, MS_DIR_C2S) && s->d[MS_DIR_S2C].len > 0);
}

static void tw_notes(struct tw *w, const char *cap) {
  const struct ms_imp_session *s = w->s;
  const struct ms_frames *f = w->f;
  tw_puts(w, "notes: |\n");
  tw_printf(w,
            "  Imported by mailspec %s from %s (TCP session %llu, first "
            "frame %llu); the session ended: %s.\n",
            MAILSPEC_VERSION, cap, (unsigned long long)s->ci.index,
            (unsigned long long)s->ci.first_frame,
            s->close_why ? s->close_why : "?");
  if (w->nsecret)
    tw_printf(w,
              "  AUTH secrets are redacted: the %u secret%s the client "
              "sent (SASL data, PASS, APOP digest) %s written as "
              "${secret1%s}%s; pass -D secretN%s=VALUE to replay with real "
              "credentials, or import with --keep-secrets.\n",
              w->nsecret, w->nsecret > 1 ? "s" : "",
              w->nsecret > 1 ? "are" : "is",
              w->o->secret_suffix ? w->o->secret_suffix : "",
              w->nsecret > 1 ? "..." : "",
              w->o->secret_suffix ? w->o->secret_suffix : "");
  else if (f->nsecrets && w->o->keep_secrets)
    tw_puts(w, "  AUTH secrets are kept as captured (--keep-secrets).\n");
  if (f->tls)
    tw_printf(w,
              "  STARTTLS/STLS was accepted at frame %llu: the rest of "
              "the session (%llu client and %llu server bytes) is TLS, "
              "opaque to an importer; the transcript stops there.\n",
              (unsigned long long)f->tls_frame,
              (unsigned long long)tw_rest_bytes(f, MS_DIR_C2S),
              (unsigned long long)tw_rest_bytes(f, MS_DIR_S2C));
  if (f->ngaps)
    tw_printf(w,
              "  The capture lacks %llu bytes in %zu gap%s (the <gap> "
              "lines)%s.\n",
              (unsigned long long)f->gap_bytes, f->ngaps,
              f->ngaps > 1 ? "s" : "",
              w->o->allow_gaps ? "; kept replayable (--allow-gaps)"
                               : ": not replayable as captured");
  if (s->st.conflicts)
    tw_printf(w,
              "  %llu overlapping segment%s carried different bytes "
              "(first at frame %llu); the first copy was kept.\n",
              (unsigned long long)s->st.conflicts,
              s->st.conflicts > 1 ? "s" : "",
              (unsigned long long)s->st.first_conflict_frame);
  for (int d = 0; d < 2; d++)
    if (s->d[d].dropped)
      tw_printf(w,
                "  %llu bytes from the %s over the per-session limit "
                "were not imported.\n",
                (unsigned long long)s->d[d].dropped, tw_side(d));
  if (w->cut.on)
    tw_printf(w,
              "  The session is cut at frame %llu: %llu client and %llu "
              "server bytes after it are not imported, so that the "
              "transcript stays within what the loader takes (%u MiB, "
              "%u YAML nodes); not replayable.\n",
              (unsigned long long)w->cut.frame,
              (unsigned long long)w->cut.bytes[MS_DIR_C2S],
              (unsigned long long)w->cut.bytes[MS_DIR_S2C],
              MS_TRANSCRIPT_MAX_BYTES >> 20, MS_TRANSCRIPT_MAX_NODES);
  if (s->d[MS_DIR_S2C].len == 0 && s->d[MS_DIR_S2C].ngaps == 0)
    tw_puts(w, tw_silent(s, MS_DIR_S2C)
                   ? "  The server sent nothing: no reply is expected.\n"
                   : "  The capture holds only the client's side: no reply "
                     "is expected.\n");
  else if (tw_silent(s, MS_DIR_C2S))
    tw_puts(w, "  The client sent nothing: it connected, was greeted and "
               "closed.\n");
  else if (tw_absent(s, MS_DIR_C2S))
    tw_puts(w, "  The capture holds only the server's side (not one "
               "packet of the client's): not replayable.\n");
  if (f->pipelined)
    tw_puts(w, "  The client pipelined (RFC 2920): consecutive client lines "
               "go out together and the replies that follow answer them in "
               "order.\n");
  if (w->steps && !w->o->force_steps)
    tw_printf(w,
              "  Written in the steps: form because %s: the script: form "
              "could not carry it byte for byte.\n",
              w->why);
  if (w->unjudged)
    tw_puts(w, "  A reply without a readable code is shown as a comment "
               "only.\n");
  if (s->swapped)
    tw_puts(w, "  Client and server were told apart by the content.\n");
}

/* at: and think: (transcripts/README.md, "Timing"), milliseconds. */
static void tw_timing(struct tw *w) {
  const struct ms_imp_session *s = w->s;
  if (!s->timed)
    return;
  uint64_t t0 = s->ci.first_ts_ns;
  double at = t0 > s->origin_ns ? (double)(t0 - s->origin_ns) / 1e9 : 0;
  tw_puts(w, "# replay --pace: the session began at: seconds into the "
             "capture;\n# think: the seconds the client waited before each "
             "batch.\n");
  tw_printf(w, "at: %.3f\n", at);
  if (w->nthink == 0)
    return;
  tw_puts(w, "think: [");
  for (size_t i = 0; i < w->nthink; i++)
    tw_printf(w, "%s%.3f", i == 0 ? "" : i % 10 ? ", " : ",\n  ", w->think[i]);
  tw_puts(w, "]\n");
}

static void tw_header(struct tw *w) {
  const struct ms_imp_session *s = w->s;
  char c[80], sv[80], when[64], cap[256], buf[512];
  tw_endpoint(&s->ci, MS_DIR_C2S, c, sizeof c);
  tw_endpoint(&s->ci, MS_DIR_S2C, sv, sizeof sv);
  tw_time(s->ci.first_ts_ns, when, sizeof when);
  if (w->o->capture) {
    const char *b = strrchr(w->o->capture, '/');
    tw_sanitize(b ? b + 1 : w->o->capture, cap, sizeof cap);
  } else {
    char i[64];
    tw_sanitize(w->o->iface ? w->o->iface : "?", i, sizeof i);
    snprintf(cap, sizeof cap, "a live capture on %s", i);
  }
  const char *proto = ms_proto_ops(s->proto)->name;
  tw_printf(w, "# Imported by `mailspec import`: one TCP session of %s.\n",
            cap);
  tw_puts(w, "title: ");
  snprintf(buf, sizeof buf, "%s session %s -> %s", proto, c, sv);
  tw_dqs(w, buf);
  tw_puts(w, "\nsource: ");
  snprintf(buf, sizeof buf, "%s, TCP session %llu: %s -> %s, %s", cap,
           (unsigned long long)s->ci.index, c, sv, when);
  tw_dqs(w, buf);
  tw_printf(w, "\nprotocol: %s\n", ms_proto_ops(s->proto)->key);
  tw_printf(w, "convention: %s\n",
            w->o->conv == MS_CONV_RFC821 && ms_proto_ops(s->proto)->rfc821
                ? "rfc821"
                : "rfc5321");
  tw_puts(w, "tags: [imported");
  if (w->f->tls)
    tw_puts(w, ", starttls");
  if (w->nsecret)
    tw_puts(w, ", redacted");
  if (w->f->ngaps)
    tw_puts(w, ", gaps");
  tw_puts(w, "]\n");
  if (w->f->pipelined)
    tw_puts(w, "pipelining: true\n");
  if (!tw_replayable(w))
    tw_puts(w, "replayable: false\n");
  tw_timing(w);
  tw_notes(w, cap);
  if (w->nsecret) {
    tw_puts(w, "vars:\n");
    for (unsigned i = 1; i <= w->nsecret; i++)
      tw_printf(w, "  secret%u%s: REDACTED\n", i,
                w->o->secret_suffix ? w->o->secret_suffix : "");
  }
}

static void tw_body(struct tw *w) {
  w->data = false;
  w->nsecret = 0;
  w->unjudged = false;
  w->nodes = 2; /* the key and the literal block, or the key and the list */
  for (size_t i = 0; i < w->nsec; i++) {
    free(w->sec[i].name);
    free(w->sec[i].value);
  }
  w->nsec = 0;
  w->nthink = 0;
  w->after_reply = false;
  w->reply_end_ns = 0;
  w->cur = &w->body;
  w->body.len = 0;
  tw_puts(w, w->steps ? "steps:\n" : "script: |\n");
  for (size_t i = 0; i < w->f->n; i++) {
    w->uoff[i] = w->body.len;
    w->unodes[i] = w->nodes;
    tw_unit(w, &w->f->u[i]);
  }
  if (w->cut.on) {
    char text[200];
    snprintf(text, sizeof text,
             "<the rest of the session is not imported from frame %llu on: "
             "over the size a transcript may have>",
             (unsigned long long)w->cut.frame);
    tw_meta(w, text);
  }
  w->uoff[w->f->n] = w->body.len;
  w->unodes[w->f->n] = w->nodes;
}

/* The body in the script: form if every line survives it, else in the
 * steps: form; then the header (which says which, and why). */
static void tw_render(struct tw *w) {
  w->ok = true;
  w->why[0] = '\0';
  w->steps = w->o->force_steps;
  if (!w->steps) {
    tw_body(w);
    w->steps = !w->ok;
  } else {
    snprintf(w->why, sizeof w->why, "--steps was given");
  }
  if (w->steps)
    tw_body(w);
  w->cur = &w->hdr;
  w->hdr.len = 0;
  tw_header(w);
}

/* Does any unit become a step (something sent, a reply with a code, a
 * gap or TLS mark)?  A transcript without one would not load. */
static bool tw_has_steps(const struct ms_frames *f) {
  for (size_t i = 0; i < f->n; i++) {
    const struct ms_unit *u = &f->u[i];
    if ((u->dir == MS_DIR_C2S && u->kind != MS_U_GAP && u->kind != MS_U_REST &&
         u->len > 0) ||
        (u->kind == MS_U_REPLY && u->code != 0) || u->kind == MS_U_GAP ||
        u->kind == MS_U_TLS)
      return true;
  }
  return false;
}

/* The loader's limits, with room for the header's own growth. */
#define TW_MAX_BYTES (MS_TRANSCRIPT_MAX_BYTES - (256u << 10))
#define TW_MAX_NODES (MS_TRANSCRIPT_MAX_NODES - 2000)

/* YAML nodes of the header: keys and values, tags, vars. */
static size_t tw_header_nodes(const struct tw *w) {
  return 40 + 2 * (size_t)w->nsecret + w->nthink;
}

/* Does the document fit?  Else *AT is the first unit that does not. */
static bool tw_fits(const struct tw *w, size_t *at) {
  size_t hn = tw_header_nodes(w), hb = w->hdr.len;
  if (hb + w->body.len <= TW_MAX_BYTES && hn + w->nodes <= TW_MAX_NODES)
    return true;
  for (size_t i = 0; i < w->f->n; i++)
    if (hb + w->uoff[i + 1] > TW_MAX_BYTES ||
        hn + w->unodes[i + 1] > TW_MAX_NODES) {
      *at = i;
      return false;
    }
  *at = w->f->n;
  return false;
}

/* F cut before unit AT, or inside it when it is a long client or server
 * unit whose first lines still fit in ROOM bytes of output.  CUT says
 * what is left out.  The caller frees OUT->u. */
static void tw_cut_frames(const struct ms_frames *f, size_t at, size_t room,
                          const struct ms_imp_session *s, struct ms_frames *out,
                          struct tw_cut *cut) {
  *out = *f;
  out->u = xmalloc((f->n + 1) * sizeof *out->u);
  memcpy(out->u, f->u, f->n * sizeof *f->u);
  out->n = at;
  cut->on = true;
  cut->frame = at < f->n ? f->u[at].frame : 0;
  cut->bytes[0] = cut->bytes[1] = 0;
  for (size_t i = at; i < f->n; i++)
    if (f->u[i].kind != MS_U_GAP && f->u[i].kind != MS_U_TLS)
      cut->bytes[f->u[i].dir] += f->u[i].len;
  if (at >= f->n)
    return;
  struct ms_unit u = f->u[at];
  /* escapes may take 4 bytes for one: keep what fits even then */
  uint64_t keep = room / 4;
  if (u.kind == MS_U_GAP || u.kind == MS_U_TLS || u.kind == MS_U_REST ||
      u.len <= keep || keep == 0)
    return;
  const unsigned char *p = s->d[u.dir].p + u.off;
  const unsigned char *lf = NULL;
  for (uint64_t k = keep; k > 0 && !lf; k--)
    if (p[k - 1] == '\n')
      lf = p + k - 1;
  if (!lf)
    return;
  u.len = (uint64_t)(lf - p) + 1;
  u.complete = false;
  if (u.red_off + u.red_len > u.len) /* a secret cut in two stays one */
    u.red_len = u.red_off < u.len ? (size_t)u.len - u.red_off : 0;
  cut->bytes[u.dir] -= u.len;
  out->u[out->n++] = u;
}

/* What the frames kept after a cut still say (TLS, gaps). */
static void tw_cut_recount(struct ms_frames *f) {
  f->tls = false;
  f->ngaps = 0;
  f->gap_bytes = 0;
  for (size_t i = 0; i < f->n; i++) {
    f->tls = f->tls || f->u[i].kind == MS_U_TLS;
    if (f->u[i].kind == MS_U_GAP) {
      f->ngaps++;
      f->gap_bytes += f->u[i].gap_len;
    }
  }
}

static void tw_free(struct tw *w) {
  free(w->body.p);
  free(w->hdr.p);
  free(w->tmp);
  free(w->uoff);
  free(w->unodes);
  for (size_t i = 0; i < w->nsec; i++) {
    free(w->sec[i].name);
    free(w->sec[i].value);
  }
  free(w->sec);
  free(w->think);
}

/* The packet of each line of the file (0: none): header lines, then the
 * body's, each with the frame of the unit that wrote it. */
static void tw_line_frames(const struct tw *w, struct ms_write_result *r) {
  size_t lines = 0;
  for (size_t i = 0; i < w->hdr.len; i++)
    lines += w->hdr.p[i] == '\n';
  size_t hl = lines;
  for (size_t i = 0; i < w->body.len; i++)
    lines += w->body.p[i] == '\n';
  r->frames = xcalloc(lines + 1, sizeof *r->frames);
  r->nlines = lines;
  size_t line = hl;
  for (size_t k = 0; w->f->n && k < w->uoff[0]; k++)
    line += w->body.p[k] == '\n'; /* "script: |" or "steps:" */
  for (size_t i = 0; i < w->f->n; i++)
    for (size_t k = w->uoff[i]; k < w->uoff[i + 1]; k++)
      if (w->body.p[k] == '\n')
        r->frames[line++] = w->f->u[i].frame;
}

void ms_write_result_free(struct ms_write_result *r) {
  if (!r)
    return;
  free(r->frames);
  for (size_t i = 0; i < r->nsecrets; i++) {
    free(r->secrets[i].name);
    free(r->secrets[i].value);
  }
  free(r->secrets);
  memset(r, 0, sizeof *r);
}

int ms_transcript_write(FILE *out, const struct ms_imp_session *s,
                        const struct ms_frames *f,
                        const struct ms_write_opts *o,
                        struct ms_write_result *r) {
  struct ms_write_result scratch;
  if (!r)
    r = &scratch;
  memset(r, 0, sizeof *r);
  if (!tw_has_steps(f))
    return 1;
  bool rfc821 = o->conv == MS_CONV_RFC821 && ms_proto_ops(s->proto)->rfc821;
  struct ms_frames cutf = {0};
  struct tw_cut cut = {0};
  const struct ms_frames *cur = f;
  struct tw w;
  for (int attempt = 0;; attempt++) {
    memset(&w, 0, sizeof w);
    w.s = s;
    w.f = cur;
    w.o = o;
    w.cp = rfc821 ? "S:" : "C:";
    w.sp = rfc821 ? "R:" : "S:";
    w.cut = cut;
    w.uoff = xmalloc((cur->n + 1) * sizeof *w.uoff);
    w.unodes = xmalloc((cur->n + 1) * sizeof *w.unodes);
    tw_render(&w);
    size_t at;
    if (tw_fits(&w, &at) || attempt >= 8)
      break;
    /* over the loader's limits: keep what fits, say where it stops */
    size_t room = at < cur->n && w.hdr.len + w.uoff[at] < TW_MAX_BYTES
                      ? TW_MAX_BYTES - w.hdr.len - w.uoff[at]
                      : 0;
    struct ms_frames next;
    struct tw_cut c2;
    tw_cut_frames(cur, at, attempt ? room / 2 : room, s, &next, &c2);
    tw_cut_recount(&next);
    if (cut.on) { /* bytes cut earlier stay cut */
      c2.bytes[0] += cut.bytes[0];
      c2.bytes[1] += cut.bytes[1];
    }
    cut = c2;
    tw_free(&w);
    free(cutf.u);
    cutf = next;
    cur = &cutf;
  }
  fwrite(w.hdr.p, 1, w.hdr.len, out);
  fwrite(w.body.p, 1, w.body.len, out);
  r->steps = w.steps;
  r->cut = w.cut.on;
  if (o->line_frames)
    tw_line_frames(&w, r);
  if (o->secret_values && !o->keep_secrets) {
    r->secrets = w.sec;
    r->nsecrets = w.nsec;
    w.sec = NULL;
    w.nsec = 0;
  }
  tw_free(&w);
  free(cutf.u);
  return ferror(out) ? -1 : 0;
}
