/* engine_live: the -v view of every exchange, in the roles of the
 * transcript's own convention (rfc821: S: client, R: server; rfc5321,
 * as RFC 5321 Appendix D and RFC 1939 print it: C: client, S: server),
 * so that S: means the same side in the transcript and on the screen.
 * Each line is built first and written with one fprintf, so that with
 * -j N lines of parallel transcripts interleave but never mix. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "mailspec/report.h"
#include "util.h"

#define LIVE_CLIENT "\033[36m"
#define LIVE_OK "\033[32m"
#define LIVE_BAD "\033[31m"
#define LIVE_NOTE "\033[2m"
#define LIVE_RESET "\033[0m"

static void live_line(const struct ms_live *l, const char *color,
                      const char *role, const char *s, size_t n) {
  /* Secrets never reach the screen (scrubbed before escaping). */
  char *raw = xmemdup(s, n), *safe;
  if (l->secrets && l->secrets->n && strlen(raw) == n &&
      ms_secrets_found(l->secrets, raw)) {
    char *clean = ms_secrets_scrub(l->secrets, raw);
    safe = ms_report_text_safe(clean, strlen(clean));
    free(clean);
  } else {
    safe = ms_report_text_safe(s, n);
  }
  free(raw);
  const char *on = l->color ? color : "", *off = l->color ? LIVE_RESET : "";
  fprintf(l->f, "%s%s%s%s%s %s%s\n", l->tag ? "[" : "", l->tag ? l->tag : "",
          l->tag ? "] " : "", on, role, safe, off);
  free(safe);
}

/* Is the transcript written in RFC 821's roles?  Without a convention
 * (only send:/expect: steps), SMTP is shown as RFC 821 prints it and
 * POP3 as RFC 1939 does. */
static bool live_rfc821(const struct ms_live *l) {
  return l->conv == MS_CONV_RFC821 ||
         (l->conv == MS_CONV_NONE && ms_proto_ops(l->proto)->rfc821);
}

void ms_engine_live_client(const struct ms_live *l, const char *bytes,
                           size_t len) {
  if (!l || !l->f)
    return;
  const char *role = live_rfc821(l) ? "S:" : "C:";
  /* One displayed line per wire line; the CRLF is implied. */
  while (len > 0) {
    const char *nl = memchr(bytes, '\n', len);
    size_t n = nl ? (size_t)(nl - bytes) : len;
    size_t shown = n > 0 && bytes[n - 1] == '\r' ? n - 1 : n;
    live_line(l, LIVE_CLIENT, role, bytes, shown);
    size_t adv = nl ? n + 1 : n;
    bytes += adv;
    len -= adv;
  }
}

void ms_engine_live_server(const struct ms_live *l, const struct ms_reply *r,
                           enum ms_verdict v) {
  if (!l || !l->f)
    return;
  const char *role = live_rfc821(l) ? "R:" : "S:";
  const char *color = v == MS_PASS ? LIVE_OK : LIVE_BAD;
  for (size_t i = 0; i < r->nlines; i++)
    live_line(l, color, role, r->lines[i], r->lens[i]);
  /* RFC 1939 §3: the terminating "." is not in LINES; show it. */
  if (!ms_proto_ops(l->proto)->code_each_line && r->multiline &&
      !(r->violations & (MS_V_TRUNCATED | MS_V_TOO_BIG)))
    live_line(l, color, role, ".", 1);
}

void ms_engine_live_note(const struct ms_live *l, const char *fmt, ...) {
  if (!l || !l->f)
    return;
  va_list ap;
  va_start(ap, fmt);
  char *s = xvasprintf(fmt, ap);
  va_end(ap);
  live_line(l, LIVE_NOTE, "--", s, strlen(s));
  free(s);
}
