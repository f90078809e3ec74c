/* report_junit: JUnit XML in the strict Apache Ant dialect
 * (tester/tests/data/schemas/junit.xsd) that Jenkins and GitLab read.
 *
 * One <testsuite> per suite (transcripts outside any suite form one
 * suite named after the run), one <testcase> per transcript.  The strict
 * schema allows properties only on a testsuite, so each transcript's
 * clause, level, source and title are properties named "ID.rfc" etc.,
 * and the failure message starts with "[LEVEL clause]".  The failure
 * text is the RFC-style diff of the text report; the suite's system-out
 * holds every exchange with the server's greeting (its identity). */
#include "mailspec/report.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "mailspec/mailspec.h"
#include "report_diff.h"
#include "report_tally.h"
#include "util.h"

/* xs:token with minLength 1: something besides whitespace. */
static const char *junit_token(const char *s, const char *fallback) {
  for (const char *p = s; p && *p; p++)
    if (!isspace((unsigned char)*p))
      return s;
  return fallback;
}

static void junit_attr(FILE *out, const char *name, const char *val) {
  fprintf(out, " %s=\"", name);
  ms_esc_xml(out, val, true);
  fputc('"', out);
}

static void junit_secs(FILE *out, const char *name, double ms) {
  fprintf(out, " %s=\"%.3f\"", name, isfinite(ms) && ms > 0 ? ms / 1000 : 0.0);
}

/* ISO 8601 without a zone (the schema's pattern), in UTC. */
static void junit_timestamp(FILE *out, double t) {
  char buf[32] = "1970-01-01T00:00:00";
  time_t s = (time_t)t;
  struct tm tm;
  if (t > 0 && t < 253402300799.0 && gmtime_r(&s, &tm))
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  fprintf(out, " timestamp=\"%s\"", buf);
}

static const char *junit_id(const struct ms_transcript_result *t) {
  return junit_token(t->id, junit_token(t->path, "transcript"));
}

static void junit_property(FILE *out, const char *id, const char *key,
                           const char *val) {
  if (!val || !*val)
    return;
  char *name = xasprintf("%s.%s", id, key);
  fputs("      <property", out);
  junit_attr(out, "name", name);
  junit_attr(out, "value", val);
  fputs("/>\n", out);
  free(name);
}

static void junit_properties(FILE *out, const struct ms_run_result *r,
                             const struct ms_tally_group *g) {
  fputs("    <properties>\n", out);
  fputs("      <property name=\"mailspec.version\" value=\"" MAILSPEC_VERSION
        "\"/>\n",
        out);
  if (r->target) {
    fputs("      <property name=\"mailspec.target\"", out);
    junit_attr(out, "value", r->target);
    fputs("/>\n", out);
  }
  for (size_t i = 0; i < g->n; i++) {
    const struct ms_transcript_result *t = &r->v[g->idx[i]];
    const char *id = junit_id(t);
    junit_property(out, id, "title", t->title);
    junit_property(out, id, "source", t->source);
    junit_property(out, id, "rfc", t->rfc);
    junit_property(out, id, "level", ms_level_name(t->level));
    junit_property(out, id, "verdict", ms_verdict_name(t->verdict));
    junit_property(out, id, "greeting", t->greeting);
    junit_property(out, id, "pcap", t->pcap);
    if (t->tls) {
      char *tls = ms_tls_result_text(t->tls);
      junit_property(out, id, "tls", tls);
      junit_property(out, id, "tls.version", t->tls->version);
      junit_property(out, id, "tls.cipher", t->tls->cipher);
      junit_property(out, id, "tls.subject", t->tls->subject);
      junit_property(out, id, "tls.not_after", t->tls->not_after);
      junit_property(out, id, "tls.verified",
                     t->tls->verified ? "true" : "false");
      free(tls);
    }
  }
  fputs("    </properties>\n", out);
}

/* "[MUST RFC 5321 §4.1.1.3] reason" */
static char *junit_message(const struct ms_transcript_result *t) {
  const char *lv = ms_level_name(t->level);
  const char *why = t->reason ? t->reason : ms_verdict_name(t->verdict);
  if ((lv && *lv) || t->rfc)
    return xasprintf("[%s%s%s] %s", lv ? lv : "",
                     lv && *lv && t->rfc ? " " : "", t->rfc ? t->rfc : "", why);
  return xstrdup(why);
}

/* Issue 12: where each session stopped being judged, a line each. */
static void junit_diverged(FILE *out, const struct ms_transcript_result *t,
                           const char *indent) {
  for (size_t i = 0; i < t->ndiverged; i++) {
    char *line = ms_divergence_text(t, &t->diverged[i]);
    fputs(indent, out);
    ms_esc_xml(out, line, false);
    fputc('\n', out);
    free(line);
  }
}

/* The failure/error text: each step that did not pass, as a diff. */
static void junit_details(FILE *out, const struct ms_transcript_result *t) {
  bool any = false;
  for (size_t i = 0; i < t->nsteps; i++) {
    const struct ms_step_result *s = &t->steps[i];
    if (s->verdict == MS_PASS && !s->nfindings)
      continue;
    char *where = ms_report_diff_where(t, s);
    char *diff = ms_report_diff_step(t, s, 0);
    fprintf(out, "%s", any ? "\n" : "");
    ms_esc_xml(out, where, false);
    fputs(": ", out);
    ms_esc_xml(out, s->reason ? s->reason : ms_verdict_name(s->verdict), false);
    fputc('\n', out);
    char lb[32];
    const char *sess = ms_session_label(t, s->session, lb, sizeof lb);
    if (sess) {
      fputs("    session: ", out);
      ms_esc_xml(out, sess, false);
      fputc('\n', out);
    }
    ms_esc_xml(out, diff, false);
    free(where);
    free(diff);
    any = true;
  }
  if (!any) {
    ms_esc_xml(out, t->path ? t->path : junit_id(t), false);
    fputs(": ", out);
    ms_esc_xml(out, t->reason ? t->reason : ms_verdict_name(t->verdict), false);
    fputc('\n', out);
  }
  junit_diverged(out, t, "");
}

static void junit_outcome(FILE *out, const struct ms_transcript_result *t) {
  char *msg = junit_message(t);
  const char *el = NULL;
  switch (t->verdict) {
  case MS_PASS:
    break;
  case MS_FAIL:
    el = "failure";
    break;
  case MS_ERROR:
  case MS_NOTRUN:
    el = "error";
    break;
  case MS_SKIP:
  case MS_WAIVED: /* a known failure that must not break the build */
    fputs("      <skipped", out);
    if (t->verdict == MS_WAIVED) {
      char *w = xasprintf("WAIVED: %s", msg);
      junit_attr(out, "message", w);
      free(w);
    } else {
      junit_attr(out, "message", t->reason ? t->reason : "skipped");
    }
    fputs("/>\n", out);
    break;
  }
  if (el) {
    fprintf(out, "      <%s", el);
    junit_attr(out, "message", msg);
    junit_attr(out, "type", ms_verdict_name(t->verdict));
    fputs(">", out);
    junit_details(out, t);
    fprintf(out, "</%s>\n", el);
  }
  free(msg);
}

static void junit_testcase(FILE *out, const struct ms_transcript_result *t,
                           const char *classname) {
  fputs("    <testcase", out);
  junit_attr(out, "name", junit_id(t));
  junit_attr(out, "classname", classname);
  junit_secs(out, "time", t->elapsed_ms);
  if (t->verdict == MS_PASS) {
    fputs("/>\n", out);
    return;
  }
  fputs(">\n", out);
  junit_outcome(out, t);
  fputs("    </testcase>\n", out);
}

/* Every exchange of T, for the suite's system-out. */
static void junit_log(FILE *out, const struct ms_transcript_result *t) {
  const char *lv = ms_level_name(t->level);
  fputs("== ", out);
  ms_esc_xml(out, junit_id(t), false);
  fprintf(out, "  %s  %.3f ms", ms_verdict_name(t->verdict), t->elapsed_ms);
  if (lv && *lv)
    fprintf(out, "  %s", lv);
  fputc('\n', out);
  const char *keys[] = {"title", "source", "rfc", "target", "greeting", "pcap"};
  const char *vals[] = {t->title,  t->source,   t->rfc,
                        t->target, t->greeting, t->pcap};
  for (size_t i = 0; i < 6; i++) {
    if (!vals[i])
      continue;
    fprintf(out, "   %s: ", keys[i]);
    ms_esc_xml(out, vals[i], false);
    fputc('\n', out);
  }
  if (t->tls) {
    char *tls = ms_tls_result_text(t->tls);
    fputs("   tls: ", out);
    ms_esc_xml(out, tls, false);
    fputc('\n', out);
    free(tls);
  }
  for (size_t i = 0; i < t->nsteps; i++) {
    const struct ms_step_result *s = &t->steps[i];
    char *diff = s->verdict == MS_PASS ? ms_report_diff_exchange(t, s, 0)
                                       : ms_report_diff_step(t, s, 0);
    char lb[32];
    const char *sess = ms_session_label(t, s->session, lb, sizeof lb);
    fprintf(out, "   [%s] line %d, %.3f ms", ms_verdict_name(s->verdict),
            s->line, s->elapsed_ms);
    if (sess) {
      fputs(", session ", out);
      ms_esc_xml(out, sess, false);
    }
    fputc('\n', out);
    ms_esc_xml(out, diff, false);
    free(diff);
  }
  junit_diverged(out, t, "   ");
}

/* Jenkins splits a classname at its last '.' into package and class:
 * "mailspec.<suite>" with the suite's own dots turned into '_'. */
static char *junit_classname(const char *suite) {
  char *c = xasprintf("mailspec.%s", suite);
  for (char *p = c + strlen("mailspec."); *p; p++)
    if (*p == '.')
      *p = '_';
  return c;
}

static void junit_suite(FILE *out, const struct ms_run_result *r,
                        const struct ms_tally_group *g, size_t id,
                        const char *runname) {
  const char *name = g->name ? junit_token(g->name, runname) : runname;
  fputs("  <testsuite", out);
  junit_attr(out, "name", name);
  junit_attr(out, "package", name);
  fprintf(out, " id=\"%zu\"", id);
  junit_timestamp(out, g->started > 0 ? g->started : r->started);
  junit_attr(out, "hostname", junit_token(r->target, "localhost"));
  fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"",
          g->n, g->counts[MS_FAIL], g->counts[MS_ERROR] + g->counts[MS_NOTRUN],
          g->counts[MS_SKIP] + g->counts[MS_WAIVED]);
  junit_secs(out, "time", g->elapsed_ms);
  fputs(">\n", out);
  junit_properties(out, r, g);
  char *classname = junit_classname(name);
  for (size_t i = 0; i < g->n; i++)
    junit_testcase(out, &r->v[g->idx[i]], classname);
  free(classname);
  fputs("    <system-out>", out);
  for (size_t i = 0; i < g->n; i++)
    junit_log(out, &r->v[g->idx[i]]);
  fputs("</system-out>\n    <system-err></system-err>\n  </testsuite>\n", out);
}

int ms_report_junit(const struct ms_run_result *r, FILE *out,
                    const struct ms_report_opts *o) {
  (void)o;
  struct ms_tally t;
  ms_report_tally(&t, r);
  /* Stable across runs (no port numbers): CI systems track tests by
   * classname and name to spot new failures. */
  const char *runname = "mailspec";
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", out);
  for (size_t i = 0; i < t.ngroups; i++)
    junit_suite(out, r, &t.groups[i], i, runname);
  fputs("</testsuites>\n", out);
  ms_report_tally_free(&t);
  return ferror(out) ? -1 : 0;
}
