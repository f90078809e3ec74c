/* server_live: `mailspec serve -v`, every exchange as it happens, in the
 * RFC's own notation (RFC 821: "S:" the sender-SMTP, "R:" the receiver;
 * RFC 5321 and RFC 1939: "C:" the client, "S:" the server), for a
 * projector.  Unprintable octets are shown as \xNN, long lines cut. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_conn.h"
#include "util.h"

#define LIVE_SHOW_MAX 160 /* octets of one line shown */

#define LIVE_DIM "\033[2m"
#define LIVE_CLI "\033[1;36m"
#define LIVE_OK "\033[32m"
#define LIVE_BAD "\033[31m"
#define LIVE_OFF "\033[0m"

static void live_tag(const struct srv_live *l, unsigned id) {
  if (l->tag)
    fprintf(l->out, "[%u] ", id);
}

static void live_text(FILE *f, const char *s, size_t n) {
  size_t shown = n > LIVE_SHOW_MAX ? LIVE_SHOW_MAX : n;
  for (size_t i = 0; i < shown; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch >= ' ' && ch < 127)
      fputc(ch, f);
    else
      fprintf(f, "\\x%02x", ch);
  }
  if (shown < n)
    fprintf(f, "... (%zu octets)", n);
}

void srv_live_event(const struct srv_live *l, unsigned id, const char *fmt,
                    ...) {
  if (!l || !l->out)
    return;
  va_list ap;
  va_start(ap, fmt);
  char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  flockfile(l->out);
  fputs(l->color ? LIVE_DIM : "", l->out);
  fprintf(l->out, "-- [%u] %s", id, msg);
  fputs(l->color ? LIVE_OFF "\n" : "\n", l->out);
  fflush(l->out);
  funlockfile(l->out);
  free(msg);
}

void srv_live_client(const struct srv_live *l, unsigned id, const char *line,
                     size_t len) {
  if (!l || !l->out)
    return;
  flockfile(l->out);
  live_tag(l, id);
  fputs(l->color ? LIVE_CLI : "", l->out);
  fputs(l->cli, l->out);
  live_text(l->out, line, len);
  fputs(l->color ? LIVE_OFF "\n" : "\n", l->out);
  fflush(l->out);
  funlockfile(l->out);
}

/* Positive replies green, negative red (first octet '4'/'5' or "-ERR"). */
static const char *live_colour(const char *s, size_t n) {
  if (n && (s[0] == '4' || s[0] == '5' || s[0] == '-'))
    return LIVE_BAD;
  if (n && (s[0] == '2' || s[0] == '3' || s[0] == '+'))
    return LIVE_OK;
  return "";
}

void srv_live_server(const struct srv_live *l, unsigned id, const char *bytes,
                     size_t len) {
  if (!l || !l->out || !len)
    return;
  flockfile(l->out);
  while (len) {
    const char *nl = memchr(bytes, '\n', len);
    size_t n = nl ? (size_t)(nl - bytes) : len;
    size_t shown = n && bytes[n - 1] == '\r' ? n - 1 : n;
    live_tag(l, id);
    fputs(l->color ? live_colour(bytes, shown) : "", l->out);
    fputs(l->srv, l->out);
    live_text(l->out, bytes, shown);
    fputs(l->color ? LIVE_OFF "\n" : "\n", l->out);
    bytes += nl ? n + 1 : n;
    len -= nl ? n + 1 : n;
  }
  fflush(l->out);
  funlockfile(l->out);
}
