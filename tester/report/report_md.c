/* report_md: a short Markdown summary for a pull-request comment or a
 * CI job summary ($GITHUB_STEP_SUMMARY, a GitLab MR note): the counts,
 * by level, the failures with their diff, errors and waivers.
 *
 * Nothing from the server becomes markup: inline text is escaped
 * (CommonMark §2.4, '<' as an entity), and each diff sits in a fence
 * longer than any run of backticks inside it (CommonMark §4.5).  Diffs
 * are written as in RFC-style review ("- R:" expected, "+ R:" got) so a
 * ```diff block colours them. */
#include "mailspec/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "report_diff.h"
#include "report_tally.h"

#define MD_MAX_LISTED 50     /* failures shown in full */
#define MD_MAX_DIFF_LINES 40 /* lines per sent/expected/got block */

static void md_fence(FILE *out, size_t n) {
  for (size_t i = 0; i < n; i++)
    fputc('`', out);
}

/* A diff in a fenced block, the report_diff lines moved two columns
 * left so expected/got start with '-'/'+' as a diff expects. */
static void md_diff(FILE *out, const char *diff) {
  char *clean = ms_esc_plain_dup(diff, true);
  size_t fence = ms_esc_fence_len(clean);
  md_fence(out, fence);
  fputs("diff\n", out);
  for (char *p = clean; *p;) {
    char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    size_t skip = len >= 2 && p[0] == ' ' && p[1] == ' ' ? 2 : 0;
    fprintf(out, "%.*s\n", (int)(len - skip), p + skip);
    p += len + (nl ? 1 : 0);
  }
  md_fence(out, fence);
  fputs("\n\n", out);
  free(clean);
}

static void md_headline(FILE *out, const struct ms_run_result *r,
                        const struct ms_tally *t) {
  size_t bad = t->counts[MS_FAIL],
         err = t->counts[MS_ERROR] + t->counts[MS_NOTRUN];
  fprintf(out,
          "### mailspec: %s %zu passed, %zu failed, %zu errors, "
          "%zu skipped, %zu waived\n\n",
          bad   ? "\u274C"
          : err ? "\u26A0\uFE0F"
                : "\u2705",
          t->counts[MS_PASS], bad, err, t->counts[MS_SKIP],
          t->counts[MS_WAIVED]);
  if (r->target) {
    fputs("Target: ", out);
    ms_esc_md(out, r->target);
    fputs("  \n", out);
  }
  /* server identity: the first greeting seen */
  for (size_t i = 0; i < r->n; i++)
    if (r->v[i].greeting) {
      fputs("Server greeting: ", out);
      ms_esc_md(out, r->v[i].greeting);
      fputs("  \n", out);
      break;
    }
  fprintf(out, "Duration: %.3f s  \n",
          isfinite(r->elapsed_ms) ? r->elapsed_ms / 1000 : 0.0);
  if (r->interrupted)
    fputs("**Interrupted**: some transcripts did not run.  \n", out);
  fputc('\n', out);
}

static void md_levels(FILE *out, const struct ms_tally *t) {
  static const enum ms_verdict cols[] = {MS_PASS, MS_FAIL,   MS_ERROR,
                                         MS_SKIP, MS_WAIVED, MS_NOTRUN};
  fputs("| level | PASS | FAIL | ERROR | SKIP | WAIVED | NOTRUN |\n"
        "|---|--:|--:|--:|--:|--:|--:|\n",
        out);
  for (int l = MS_LEVEL_MUST; l <= MS_LEVEL_MAY + 1; l++) {
    int lv = l == MS_LEVEL_MAY + 1 ? MS_LEVEL_NONE : l;
    size_t sum = 0;
    for (size_t c = 0; c < 6; c++)
      sum += t->by_level[lv][cols[c]];
    if (!sum)
      continue;
    fprintf(out, "| %s |",
            lv == MS_LEVEL_NONE ? "(none)" : ms_level_name((enum ms_level)lv));
    for (size_t c = 0; c < 6; c++)
      fprintf(out, " %zu |", t->by_level[lv][cols[c]]);
    fputc('\n', out);
  }
  fputc('\n', out);
}

static void md_item(FILE *out, const struct ms_transcript_result *t) {
  const char *lv = ms_level_name(t->level);
  fputs("- **", out);
  ms_esc_md(out, t->id ? t->id : t->path);
  fputs("**", out);
  if (t->title) {
    fputs(" \u2014 ", out);
    ms_esc_md(out, t->title);
  }
  if ((lv && *lv) || t->rfc) {
    fputs(" (", out);
    ms_esc_md(out, lv && *lv ? lv : "");
    fputs(lv && *lv && t->rfc ? ", " : "", out);
    ms_esc_md(out, t->rfc);
    fputc(')', out);
  }
  if (t->reason) {
    fputs(": ", out);
    ms_esc_md(out, t->reason);
  }
  fputc('\n', out);
}

static void md_failure(FILE *out, const struct ms_transcript_result *t) {
  md_item(out, t);
  fputc('\n', out);
  for (size_t i = 0; i < t->nsteps; i++) {
    const struct ms_step_result *s = &t->steps[i];
    if (s->verdict == MS_PASS)
      continue;
    char *where = ms_report_diff_where(t, s);
    char *diff = ms_report_diff_step(t, s, MD_MAX_DIFF_LINES);
    char lb[32];
    const char *sess = ms_session_label(t, s->session, lb, sizeof lb);
    fputs("  ", out);
    ms_esc_md(out, where);
    if (sess) {
      fputs(" (session ", out);
      ms_esc_md(out, sess);
      fputc(')', out);
    }
    fputs("\n\n", out);
    md_diff(out, diff);
    free(where);
    free(diff);
  }
  for (size_t i = 0; i < t->ndiverged; i++) { /* issue 12 */
    char *line = ms_divergence_text(t, &t->diverged[i]);
    fputs("  ", out);
    ms_esc_md(out, line);
    fputs("\n\n", out);
    free(line);
  }
}

/* Transcripts with verdict V: full (with diffs) or one line each. */
static void md_section(FILE *out, const struct ms_run_result *r,
                       const char *title, enum ms_verdict v, size_t count,
                       bool full) {
  if (!count)
    return;
  fprintf(out, "#### %s (%zu)\n\n", title, count);
  size_t shown = 0;
  for (size_t i = 0; i < r->n; i++) {
    if (r->v[i].verdict != v &&
        !(v == MS_ERROR && r->v[i].verdict == MS_NOTRUN))
      continue;
    if (shown++ == MD_MAX_LISTED) {
      fprintf(out, "- \u2026 and %zu more (see the full report)\n",
              count - MD_MAX_LISTED);
      break;
    }
    if (full)
      md_failure(out, &r->v[i]);
    else
      md_item(out, &r->v[i]);
  }
  fputc('\n', out);
}

int ms_report_md(const struct ms_run_result *r, FILE *out,
                 const struct ms_report_opts *o) {
  (void)o;
  struct ms_tally t;
  ms_report_tally(&t, r);
  md_headline(out, r, &t);
  md_levels(out, &t);
  md_section(out, r, "Failures", MS_FAIL, t.counts[MS_FAIL], true);
  md_section(out, r, "Errors", MS_ERROR,
             t.counts[MS_ERROR] + t.counts[MS_NOTRUN], true);
  md_section(out, r, "Waivers", MS_WAIVED, t.counts[MS_WAIVED], false);
  ms_report_tally_free(&t);
  return ferror(out) ? -1 : 0;
}
