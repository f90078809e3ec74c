/* srv_smtp_reply: the reference server's SMTP reply lines.  Every reply
 * goes through here so that the line rules hold everywhere: a three-digit
 * code, SP or '-', at most 512 octets with CRLF (RFC 821 §4.5.3), the
 * enhanced status code of RFC 2034 when it was advertised, and the one
 * fault that breaks multi-line replies on purpose. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_smtp.h"
#include "util.h"

/* Room for "123-" + "5.1.10 " + CRLF inside 512 octets. */
#define REPLY_TEXT_MAX (512 - 4 - 8 - 2)

/* Line LINE (0-based) of a reply; the enhanced code as srv_smtp_enh.c
 * writes it. */
static void reply_line(struct ms_buf *out, const struct srv_smtp_fmt *f,
                       int code, bool more, const char *esc, size_t line,
                       const char *text) {
  size_t n = strcspn(text, "\r\n"); /* never let text split the line */
  if (n > REPLY_TEXT_MAX)
    n = REPLY_TEXT_MAX;
  char e[32];
  srv_smtp_enh_code(f, code, esc, line, e, sizeof e);
  ms_buf_addf(out, "%03d%c%s%.*s\r\n", code, more ? '-' : ' ', e, (int)n, text);
}

void srv_smtp_reply(struct ms_buf *out, const struct srv_smtp_fmt *f, int code,
                    const char *esc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *text = xvasprintf(fmt, ap);
  va_end(ap);
  reply_line(out, f, code, false, esc, 0, text);
  free(text);
}

/* The mixed-multiline fault gives the first line a neighbouring code,
 * which RFC 5321 §4.2.1 forbids ("the same code on each line"). */
static int reply_mixed_code(int code) {
  return code % 10 == 9 ? code - 1 : code + 1;
}

void srv_smtp_reply_lines(struct ms_buf *out, const struct srv_smtp_fmt *f,
                          int code, const char *esc, const char *const *lines,
                          size_t n) {
  if (n == 0) {
    reply_line(out, f, code, false, esc, 0, "");
    return;
  }
  for (size_t i = 0; i < n; i++) {
    int c = i == 0 && n > 1 && f->mixed ? reply_mixed_code(code) : code;
    reply_line(out, f, c, i + 1 < n, esc, i, lines[i]);
  }
}
