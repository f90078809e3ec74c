/* report_text: the default report, for a human at a terminal or in a CI
 * log.  One line per transcript, an RFC-style diff for each step that
 * did not pass, and the summary line scripts may grep:
 *
 *   FAIL  sink/scenario-01  (transcripts/sink/scenario-01-script.yaml:14)
 *       S: RCPT TO:<Green@BBN-UNIX.ARPA>
 *     - R: 550 No such user here
 *     + R: 250 2.1.5 Ok
 *       why: expected 550, got 250
 *   ...
 *   3 passed, 1 failed, 0 skipped      ("..., 1 error, ..." when any)
 *
 * Every byte that came from a server or a transcript goes through
 * ms_report_text_safe(): a hostile greeting cannot drive the terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mailspec/report.h"
#include "report_diff.h"
#include "escape.h"
#include "util.h"

/* Lines of one block shown before "... (N more lines)", unless -v. */
#define TEXT_MAX_LINES 20

#define C_RESET "\033[0m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"
#define C_MAGENTA "\033[35m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"

/* Length of the valid UTF-8 sequence at S (N bytes left) that encodes a
 * printable code point, or 0 (RFC 3629 §4 by escape.c's one decoder; C1
 * controls excluded). */
static size_t text_utf8_len(const unsigned char *s, size_t n) {
  size_t len;
  long cp = ms_utf8_decode(s, n, &len);
  return cp >= 0xa0 ? len : 0;
}

char *ms_report_text_safe(const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  struct ms_buf b;
  ms_buf_init(&b, 0);
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; s && i < len;) {
    unsigned char c = p[i];
    if ((c >= 0x20 && c < 0x7f) || c == '\t') {
      ms_buf_add(&b, p + i, 1);
      i++;
      continue;
    }
    size_t u = c >= 0x80 ? text_utf8_len(p + i, len - i) : 0;
    if (u) {
      ms_buf_add(&b, p + i, u);
      i += u;
      continue;
    }
    char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
    ms_buf_add(&b, e, sizeof e);
    i++;
  }
  return ms_buf_steal(&b, NULL);
}

struct text_ctx {
  FILE *out;
  bool color;
  int verbosity;
};

static const char *text_c(const struct text_ctx *c, const char *code) {
  return c->color ? code : "";
}

/* A string from the model on one line: escaped, newlines included. */
static void text_put(const struct text_ctx *c, const char *s) {
  if (!s)
    return;
  char *safe = ms_report_text_safe(s, strlen(s));
  fputs(safe, c->out);
  free(safe);
}

static const char *text_verdict_color(enum ms_verdict v) {
  switch (v) {
  case MS_PASS:
    return C_GREEN;
  case MS_FAIL:
    return C_RED;
  case MS_ERROR:
    return C_MAGENTA;
  case MS_SKIP:
    return C_YELLOW;
  case MS_WAIVED:
    return C_CYAN;
  case MS_NOTRUN:
    return C_DIM;
  }
  return "";
}

/* Each '\n'-separated line of TEXT as "PREFIX line", capped unless -v. */
static void text_block(const struct text_ctx *c, const char *prefix,
                       const char *color, const char *text) {
  size_t n = 0, max = c->verbosity > 0 ? 0 : TEXT_MAX_LINES;
  for (const char *p = text; p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    if (max && n == max) {
      size_t rest = 1;
      for (const char *q = p; (q = strchr(q, '\n')) != NULL; q++)
        rest++;
      fprintf(c->out, "%s%s ... (%zu more line%s)%s\n", text_c(c, color),
              prefix, rest, rest == 1 ? "" : "s", text_c(c, C_RESET));
      return;
    }
    char *safe = ms_report_text_safe(p, len);
    fprintf(c->out, "%s%s %s%s\n", text_c(c, color), prefix, safe,
            text_c(c, C_RESET));
    free(safe);
    n++;
    p = nl ? nl + 1 : NULL;
  }
}

static void text_step(const struct text_ctx *c,
                      const struct ms_transcript_result *t,
                      const struct ms_step_result *s) {
  /* the transcript's own letters: S:/R: (RFC 821) or C:/S: (RFC 5321,
   * RFC 1939) */
  const char *cl = ms_report_diff_client_of(t);
  const char *sv = ms_report_diff_server_of(t);
  char pre[16], lb[32];
  const char *sess = ms_session_label(t, s->session, lb, sizeof lb);
  if (sess) { /* which connection, when there are several (issue 13) */
    fputs("    session: ", c->out);
    text_put(c, sess);
    fputc('\n', c->out);
  }
  if (s->sent && *s->sent) {
    snprintf(pre, sizeof pre, "    %s", cl);
    text_block(c, pre, "", s->sent);
  }
  /* A step that failed before any exchange (cannot connect, a variable
   * without a value) has nothing to compare: only its reason. */
  bool exchange = s->expected || s->got;
  if (exchange) {
    snprintf(pre, sizeof pre, "  - %s", sv);
    text_block(c, pre, C_RED, s->expected ? s->expected : "");
  }
  if (!exchange) {
  } else if (s->got) {
    snprintf(pre, sizeof pre, "  + %s", sv);
    text_block(c, pre, C_GREEN, s->got);
  } else {
    fprintf(c->out, "%s  + (no reply)%s\n", text_c(c, C_GREEN),
            text_c(c, C_RESET));
  }
  if (s->reason) {
    fputs("    why: ", c->out);
    text_put(c, s->reason);
    fputc('\n', c->out);
  }
  for (size_t i = 0; i < s->nfindings; i++) {
    const char *w = s->findings[i].what ? s->findings[i].what : "";
    if (s->reason && strcmp(w, s->reason) == 0)
      continue; /* already the "why" */
    fputs("    finding: ", c->out);
    text_put(c, w);
    fputc('\n', c->out);
  }
}

static bool text_bad(enum ms_verdict v) {
  return v == MS_FAIL || v == MS_ERROR;
}

/* The first step that did not pass, for the header's file:line. */
static const struct ms_step_result *
text_first_bad(const struct ms_transcript_result *t) {
  for (size_t i = 0; i < t->nsteps; i++)
    if (text_bad(t->steps[i].verdict))
      return &t->steps[i];
  return NULL;
}

static void text_where(const struct text_ctx *c,
                       const struct ms_transcript_result *t, int line) {
  fputc('(', c->out);
  text_put(c, t->path ? t->path : "?");
  if (line > 0)
    fprintf(c->out, ":%d", line);
  fputc(')', c->out);
}

/* Lines of a multi-line reason (load diagnostics) indented under it. */
static void text_reason_lines(const struct text_ctx *c, const char *reason) {
  text_block(c, "   ", "", reason);
}

/* What TLS negotiated: shown with -v, and for failures (a certificate
 * problem is often the reason). */
static void text_tls(const struct text_ctx *c,
                     const struct ms_transcript_result *t, bool bad) {
  if (!t->tls || (!bad && c->verbosity <= 0))
    return;
  char *s = ms_tls_result_text(t->tls);
  fputs("    tls: ", c->out);
  text_put(c, s);
  fputc('\n', c->out);
  free(s);
}

/* run --pcap: where the capture is, with -v and for failures. */
static void text_pcap(const struct text_ctx *c,
                      const struct ms_transcript_result *t, bool bad) {
  if (!t->pcap || (!bad && c->verbosity <= 0))
    return;
  fputs("    pcap: ", c->out);
  text_put(c, t->pcap);
  fputc('\n', c->out);
}

/* Issue 12: where each session stopped being judged, one line each. */
static void text_diverged(const struct text_ctx *c,
                          const struct ms_transcript_result *t) {
  for (size_t i = 0; i < t->ndiverged; i++) {
    char *line = ms_divergence_text(t, &t->diverged[i]);
    fputs("    ", c->out);
    text_put(c, line);
    fputc('\n', c->out);
    free(line);
  }
}

/* Returns false when -q leaves T out. */
static bool text_transcript(const struct text_ctx *c,
                            const struct ms_transcript_result *t) {
  bool bad = text_bad(t->verdict) || t->verdict == MS_NOTRUN;
  if (c->verbosity < 0 && !bad)
    return false;
  fprintf(c->out, "%s%-5s%s ", text_c(c, text_verdict_color(t->verdict)),
          ms_verdict_name(t->verdict), text_c(c, C_RESET));
  text_put(c, t->id ? t->id : (t->path ? t->path : "?"));
  const struct ms_step_result *first = text_first_bad(t);
  if (first) {
    fputs("  ", c->out);
    text_where(c, t, first->line);
    fputc('\n', c->out);
    for (size_t i = 0; i < t->nsteps; i++) {
      const struct ms_step_result *s = &t->steps[i];
      if (!text_bad(s->verdict))
        continue;
      if (s != first) {
        fputs("  ", c->out);
        text_where(c, t, s->line);
        fputc('\n', c->out);
      }
      text_step(c, t, s);
    }
    text_diverged(c, t);
    /* A waiver's word (or its expiry) is the transcript's own reason. */
    if (t->reason && (!first->reason || strcmp(t->reason, first->reason)))
      text_block(c, "   ", "", t->reason);
    text_tls(c, t, true);
    text_pcap(c, t, true);
    return true;
  }
  const char *extra = t->verdict == MS_PASS ? t->title : t->reason;
  if (extra && !strchr(extra, '\n')) {
    fputs("  ", c->out);
    text_put(c, extra);
    fputc('\n', c->out);
  } else {
    fputc('\n', c->out);
    if (extra)
      text_reason_lines(c, extra);
  }
  text_diverged(c, t);
  text_tls(c, t, bad);
  text_pcap(c, t, bad);
  return true;
}

/* "interrupted: 2 waived, 3 not run" before the summary, when any. */
static void text_details(const struct text_ctx *c, const size_t *k,
                         bool interrupted) {
  if (!k[MS_WAIVED] && !k[MS_NOTRUN] && !interrupted)
    return;
  const char *sep = "";
  if (interrupted) {
    fputs("interrupted", c->out);
    sep = ": ";
  }
  if (k[MS_WAIVED]) {
    fprintf(c->out, "%s%zu waived", sep, k[MS_WAIVED]);
    sep = ", ";
  }
  if (k[MS_NOTRUN])
    fprintf(c->out, "%s%zu not run", sep, k[MS_NOTRUN]);
  fputc('\n', c->out);
}

int ms_report_text(const struct ms_run_result *r, FILE *out,
                   const struct ms_report_opts *o) {
  struct text_ctx c = {out, o && o->color, o ? o->verbosity : 0};
  size_t k[MS_NOTRUN + 1] = {0};
  bool shown = false;
  for (size_t i = 0; i < r->n; i++) {
    shown |= text_transcript(&c, &r->v[i]);
    if ((unsigned)r->v[i].verdict <= MS_NOTRUN)
      k[r->v[i].verdict]++;
  }
  if (shown)
    fputc('\n', out);
  text_details(&c, k, r->interrupted);
  /* Waived failures are accepted (exit 0): counted with the passes.  An
   * ERROR (could not judge) is counted as an error, as JSON and JUnit
   * count it (issue 12), and named only when there is one. */
  fprintf(out, "%zu passed, %zu failed, ", k[MS_PASS] + k[MS_WAIVED],
          k[MS_FAIL]);
  if (k[MS_ERROR])
    fprintf(out, "%zu error%s, ", k[MS_ERROR], k[MS_ERROR] == 1 ? "" : "s");
  fprintf(out, "%zu skipped\n", k[MS_SKIP]);
  fflush(out);
  return ferror(out) ? -1 : 0;
}
