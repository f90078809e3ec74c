/* report_tap: TAP version 13 (testanything.org/tap-version-13-
 * specification.html), one test point per transcript, each with a YAML
 * diagnostic block in the subset TAP::Parser::YAMLish reads (so `prove`
 * and TAP::Parser accept it): plain keys, double-quoted strings.
 * SKIP becomes "# SKIP reason"; a waived failure "# TODO waived: ..."
 * (a known failure that does not fail the stream). */
#include "mailspec/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "report_diff.h"
#include "util.h"

/* TAP::Parser::YAMLish matches a quoted scalar with one regex, which
 * gives up past 65,534 repetitions: longer values are cut (the JSON
 * report keeps everything). */
#define TAP_MAX_SCALAR 16000

static void tap_str(FILE *out, int ind, const char *key, const char *val) {
  if (!val)
    return;
  fprintf(out, "%*s%s: ", ind, "", key);
  size_t len = strlen(val);
  if (len <= TAP_MAX_SCALAR) {
    ms_esc_yaml(out, val);
  } else {
    size_t cut = TAP_MAX_SCALAR;
    while (cut > 0 && ((unsigned char)val[cut] & 0xC0) == 0x80)
      cut--; /* not inside a UTF-8 sequence */
    char *part = xasprintf("%.*s\u2026 [%zu more bytes in the JSON report]",
                           (int)cut, val, len - cut);
    ms_esc_yaml(out, part);
    free(part);
  }
  fputc('\n', out);
}

static void tap_ms(FILE *out, int ind, const char *key, double ms) {
  fprintf(out, "%*s%s: %.3f\n", ind, "", key, isfinite(ms) ? ms : 0.0);
}

static void tap_step(FILE *out, const struct ms_transcript_result *t,
                     const struct ms_step_result *s) {
  fprintf(out, "    - line: %d\n", s->line);
  fprintf(out, "      session: %zu\n", s->session);
  char lb[32];
  tap_str(out, 6, "session_name",
          ms_session_label(t, s->session, lb, sizeof lb));
  fprintf(out, "      verdict: %s\n", ms_verdict_name(s->verdict));
  tap_str(out, 6, "sent", s->sent);
  tap_str(out, 6, "expected", s->expected);
  tap_str(out, 6, "got", s->got);
  fprintf(out, "      code: %d\n", s->code);
  tap_str(out, 6, "reason", s->reason);
  tap_ms(out, 6, "duration_ms", s->elapsed_ms);
  if (s->verdict != MS_PASS || s->nfindings) {
    char *diff = ms_report_diff_step(t, s, 100);
    tap_str(out, 6, "diff", diff);
    free(diff);
  }
  for (size_t i = 0; i < s->nfindings; i++) {
    if (i == 0)
      fputs("      findings:\n", out);
    fputs("        - ", out);
    ms_esc_yaml(out, s->findings[i].what ? s->findings[i].what : "");
    fputc('\n', out);
  }
}

static void tap_yaml(FILE *out, const struct ms_transcript_result *t) {
  const char *lv = ms_level_name(t->level);
  fputs("  ---\n", out);
  tap_str(out, 2, "message", t->reason);
  fprintf(out, "  severity: %s\n",
          t->verdict == MS_FAIL    ? "fail"
          : t->verdict == MS_ERROR ? "error"
                                   : "none");
  fprintf(out, "  verdict: %s\n", ms_verdict_name(t->verdict));
  tap_str(out, 2, "id", t->id);
  tap_str(out, 2, "title", t->title);
  tap_str(out, 2, "file", t->path);
  tap_str(out, 2, "source", t->source);
  tap_str(out, 2, "rfc", t->rfc);
  tap_str(out, 2, "level", lv && *lv ? lv : NULL);
  tap_str(out, 2, "suite", t->suite);
  tap_str(out, 2, "protocol", ms_proto_ops(t->protocol)->key);
  tap_str(out, 2, "target", t->target);
  tap_str(out, 2, "greeting", t->greeting);
  tap_ms(out, 2, "duration_ms", t->elapsed_ms);
  for (size_t i = 0; i < t->ndiverged; i++) { /* issue 12 */
    if (i == 0)
      fputs("  diverged:\n", out);
    char *line = ms_divergence_text(t, &t->diverged[i]);
    fputs("    - ", out);
    ms_esc_yaml(out, line);
    fputc('\n', out);
    free(line);
  }
  if (t->nsteps)
    fputs("  steps:\n", out);
  for (size_t i = 0; i < t->nsteps; i++)
    tap_step(out, t, &t->steps[i]);
  fputs("  ...\n", out);
}

static void tap_point(FILE *out, const struct ms_transcript_result *t,
                      size_t n) {
  bool ok = t->verdict == MS_PASS || t->verdict == MS_SKIP;
  fprintf(out, "%s %zu - ", ok ? "ok" : "not ok", n);
  ms_esc_tap(out, t->id ? t->id : t->path);
  if (t->verdict == MS_SKIP) {
    fputs(" # SKIP ", out);
    ms_esc_tap(out, t->reason ? t->reason : "requirement not met");
  } else if (t->verdict == MS_WAIVED) {
    fputs(" # TODO waived: ", out);
    ms_esc_tap(out, t->reason ? t->reason : "known failure");
  }
  fputc('\n', out);
  tap_yaml(out, t);
}

int ms_report_tap(const struct ms_run_result *r, FILE *out,
                  const struct ms_report_opts *o) {
  (void)o;
  fprintf(out, "TAP version 13\n1..%zu\n", r->n);
  if (r->target) {
    fputs("# target: ", out);
    ms_esc_plain(out, r->target, false);
    fputc('\n', out);
  }
  for (size_t i = 0; i < r->n; i++)
    tap_point(out, &r->v[i], i + 1);
  if (r->interrupted)
    fputs("# interrupted: transcripts not run are reported as not ok\n", out);
  return ferror(out) ? -1 : 0;
}
