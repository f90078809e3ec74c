/* report_html: one self-contained HTML file for a student or a release
 * manager: summary counts by level, a filter by verdict, and for each
 * transcript its facts, a ladder diagram (report_svg.c) and the full
 * exchange as text.
 *
 * No external requests: no URL at all, styles and our one script inline.
 * Everything from the server or the transcript is escaped (escape.c);
 * as a second line of defence a Content-Security-Policy allows no
 * source but our own script, by its SHA-256 hash (CSP Level 2 §4.2.4),
 * so even a markup bug could not run a server's <script>. */
#include "mailspec/report.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "mailspec/mailspec.h"
#include "report_diff.h"
#include "report_svg.h"
#include "report_tally.h"

/* The filter: checkboxes show or hide transcripts by verdict; a URL
 * fragment "#only=FAIL,ERROR" preselects (handy for links from CI). */
static const char html_script[] =
    "(function(){var f=document.getElementById('filter');"
    "function apply(){var on={};"
    "f.querySelectorAll('input').forEach(function(i){on[i.value]=i.checked;});"
    "document.querySelectorAll('section.tr').forEach(function(s){"
    "s.hidden=!on[s.getAttribute('data-verdict')];});}"
    "var m=/only=([A-Z,]+)/.exec(location.hash);"
    "if(m){var w=m[1].split(',');f.querySelectorAll('input').forEach("
    "function(i){i.checked=w.indexOf(i.value)>=0;});}"
    "f.addEventListener('change',apply);apply();})();";

static const char html_style[] =
    "body{font:15px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:"
    "960px;color:#222;padding:0 1em}"
    "h1{font-size:1.5em}h2{font-size:1.15em;margin:0}"
    "table.sum{border-collapse:collapse;margin:.5em 0}"
    ".sum td,.sum th{border:1px solid #ccc;padding:2px 10px;text-align:right}"
    ".sum th:first-child{text-align:left}"
    "section.tr{border:1px solid #ccc;border-left:6px solid #999;border-radius:"
    "4px;margin:1em 0;padding:.6em 1em}"
    ".v-PASS{border-left-color:#2e7d32!important}"
    ".v-FAIL{border-left-color:#c62828!important}"
    ".v-ERROR,.v-NOTRUN{border-left-color:#ef6c00!important}"
    ".v-WAIVED{border-left-color:#6a1b9a!important}"
    ".badge{display:inline-block;min-width:5em;text-align:center;color:#fff;"
    "border-radius:3px;padding:0 .4em;margin-right:.5em;background:#777}"
    ".b-PASS{background:#2e7d32}.b-FAIL{background:#c62828}"
    ".b-ERROR,.b-NOTRUN{background:#ef6c00}.b-WAIVED{background:#6a1b9a}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:0 1em;"
    "margin:.5em 0}dt{color:#666}dd{margin:0;overflow-wrap:anywhere}"
    "pre{background:#f6f8fa;padding:.5em;overflow:auto;max-height:30em}"
    "svg.ladder{max-width:100%;height:auto;font:12px monospace}"
    "svg .h{font-weight:bold}svg .n{fill:#777;font-style:italic}"
    "svg .l{font-size:11px}"
    "#filter{border:1px solid #ccc;padding:.3em .8em}"
    "#filter label{margin-right:1em}"
    "p.diverged{color:#666;font-style:italic}";

/* base64(SHA-256(script)) for the CSP; "" if OpenSSL fails. */
static void html_script_hash(char *out, size_t len) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;
  unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  out[0] = '\0';
  if (EVP_Digest(html_script, strlen(html_script), md, &mdlen, EVP_sha256(),
                 NULL) != 1)
    return;
  EVP_EncodeBlock(b64, md, (int)mdlen);
  snprintf(out, len, "%s", (const char *)b64);
}

static void html_text(FILE *out, const char *s) {
  ms_esc_xml(out, s, false);
}

static void html_utc(FILE *out, double t) {
  char buf[40] = "";
  time_t s = (time_t)t;
  struct tm tm;
  if (t > 0 && gmtime_r(&s, &tm))
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  fputs(buf, out);
}

static void html_head(FILE *out, const struct ms_run_result *r) {
  char hash[128];
  html_script_hash(hash, sizeof hash);
  fputs(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" "
      "content=\"width=device-width,initial-scale=1\">\n",
      out);
  fprintf(out,
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
          "'none'; style-src 'unsafe-inline'; script-src 'sha256-%s'; "
          "base-uri 'none'; form-action 'none'\">\n",
          hash);
  fputs("<title>mailspec report", out);
  if (r->target) {
    fputs(": ", out);
    html_text(out, r->target);
  }
  fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", html_style);
}

static void html_summary(FILE *out, const struct ms_run_result *r,
                         const struct ms_tally *t) {
  fputs("<h1>mailspec report</h1>\n<dl>\n<dt>target</dt><dd>", out);
  html_text(out, r->target ? r->target : "(unknown)");
  fputs("</dd>\n<dt>started</dt><dd>", out);
  html_utc(out, r->started);
  fprintf(out, "</dd>\n<dt>duration</dt><dd>%.3f s</dd>\n",
          isfinite(r->elapsed_ms) ? r->elapsed_ms / 1000 : 0.0);
  for (size_t i = 0; i < r->n; i++)
    if (r->v[i].greeting) {
      fputs("<dt>server greeting</dt><dd><code>", out);
      html_text(out, r->v[i].greeting);
      fputs("</code></dd>\n", out);
      break;
    }
  fputs("<dt>generator</dt><dd>mailspec " MAILSPEC_VERSION "</dd>\n</dl>\n",
        out);
  if (r->interrupted)
    fputs(
        "<p><strong>Interrupted:</strong> some transcripts did not run.</p>\n",
        out);
  fputs("<table class=\"sum\" id=\"summary\">\n<tr><th>level</th>", out);
  for (int v = 0; v <= MS_NOTRUN; v++)
    fprintf(out, "<th>%s</th>", ms_verdict_name((enum ms_verdict)v));
  fputs("<th>total</th></tr>\n", out);
  for (int l = MS_LEVEL_MUST; l <= MS_LEVEL_MAY + 1; l++) {
    int lv = l > MS_LEVEL_MAY ? MS_LEVEL_NONE : l;
    size_t sum = 0;
    for (int v = 0; v <= MS_NOTRUN; v++)
      sum += t->by_level[lv][v];
    if (!sum)
      continue;
    fprintf(out, "<tr><th>%s</th>",
            lv == MS_LEVEL_NONE ? "(no level)"
                                : ms_level_name((enum ms_level)lv));
    for (int v = 0; v <= MS_NOTRUN; v++)
      fprintf(out, "<td>%zu</td>", t->by_level[lv][v]);
    fprintf(out, "<td>%zu</td></tr>\n", sum);
  }
  fputs("<tr><th>all</th>", out);
  for (int v = 0; v <= MS_NOTRUN; v++)
    fprintf(out, "<td id=\"count-%s\">%zu</td>",
            ms_verdict_name((enum ms_verdict)v), t->counts[v]);
  fprintf(out, "<td>%zu</td></tr>\n</table>\n", r->n);
}

static void html_filter(FILE *out, const struct ms_tally *t) {
  fputs("<form id=\"filter\"><strong>show:</strong> ", out);
  for (int v = 0; v <= MS_NOTRUN; v++) {
    const char *n = ms_verdict_name((enum ms_verdict)v);
    fprintf(out,
            "<label><input type=\"checkbox\" value=\"%s\" checked> %s (%zu)"
            "</label>",
            n, n, t->counts[v]);
  }
  fputs("</form>\n<p>Client lines are written <code>S:</code> (RFC 821) or "
        "<code>C:</code> (RFC 1939), server replies <code>R:</code> or "
        "<code>S:</code>; in the text below <code>-</code> is what the "
        "transcript expected and <code>+</code> what the server sent.</p>\n",
        out);
}

static void html_dd(FILE *out, const char *key, const char *val, bool code) {
  if (!val || !*val)
    return;
  fprintf(out, "<dt>%s</dt><dd>%s", key, code ? "<code>" : "");
  html_text(out, val);
  fprintf(out, "%s</dd>\n", code ? "</code>" : "");
}

static void html_facts(FILE *out, const struct ms_transcript_result *t) {
  fputs("<dl>\n", out);
  html_dd(out, "reason", t->reason, false);
  html_dd(out, "file", t->path, true);
  html_dd(out, "source", t->source, false);
  html_dd(out, "RFC clause", t->rfc, false);
  html_dd(out, "level", ms_level_name(t->level), false);
  html_dd(out, "suite", t->suite, false);
  if (t->ntags) {
    fputs("<dt>tags</dt><dd>", out);
    for (size_t i = 0; i < t->ntags; i++) {
      fputs(i ? ", " : "", out);
      html_text(out, t->tags[i]);
    }
    fputs("</dd>\n", out);
  }
  html_dd(out, "target", t->target, true);
  html_dd(out, "greeting", t->greeting, true);
  if (t->pcap) { /* run --pcap: the capture of this transcript */
    fputs("<dt>capture</dt><dd><a href=\"", out);
    ms_esc_xml(out, t->pcap, true);
    fputs("\"><code>", out);
    html_text(out, t->pcap);
    fputs("</code></a></dd>\n", out);
  }
  fprintf(out, "<dt>time</dt><dd>%.3f ms</dd>\n</dl>\n",
          isfinite(t->elapsed_ms) ? t->elapsed_ms : 0.0);
}

/* The whole exchange as text: the diff for steps that did not pass. */
static void html_exchange(FILE *out, const struct ms_transcript_result *t) {
  fputs("<details><summary>exchange as text</summary><pre>", out);
  for (size_t i = 0; i < t->nsteps; i++) {
    const struct ms_step_result *s = &t->steps[i];
    char *where = ms_report_diff_where(t, s);
    char *text = s->verdict == MS_PASS ? ms_report_diff_exchange(t, s, 0)
                                       : ms_report_diff_step(t, s, 0);
    char lb[32];
    const char *sess = ms_session_label(t, s->session, lb, sizeof lb);
    fprintf(out, "[%s] ", ms_verdict_name(s->verdict));
    html_text(out, where);
    if (sess) {
      fputs(" (session ", out);
      html_text(out, sess);
      fputc(')', out);
    }
    if (s->reason) {
      fputs(": ", out);
      html_text(out, s->reason);
    }
    fprintf(out, " (%.3f ms)\n", isfinite(s->elapsed_ms) ? s->elapsed_ms : 0.0);
    html_text(out, text);
    free(where);
    free(text);
  }
  fputs("</pre></details>\n", out);
}

static void html_transcript(FILE *out, const struct ms_transcript_result *t,
                            size_t i) {
  const char *v = ms_verdict_name(t->verdict);
  fprintf(out,
          "<section class=\"tr v-%s\" id=\"t%zu\" data-verdict=\"%s\">\n"
          "<h2><span class=\"badge b-%s\">%s</span>",
          v, i, v, v, v);
  html_text(out, t->id ? t->id : t->path);
  if (t->title) {
    fputs(" \u2014 ", out);
    html_text(out, t->title);
  }
  fputs("</h2>\n", out);
  html_facts(out, t);
  if (t->nsteps) {
    ms_report_svg_ladder(out, t);
    html_exchange(out, t);
  }
  for (size_t k = 0; k < t->ndiverged; k++) { /* issue 12 */
    char *line = ms_divergence_text(t, &t->diverged[k]);
    fputs("<p class=\"diverged\">", out);
    html_text(out, line);
    fputs("</p>\n", out);
    free(line);
  }
  fputs("</section>\n", out);
}

int ms_report_html(const struct ms_run_result *r, FILE *out,
                   const struct ms_report_opts *o) {
  (void)o;
  struct ms_tally t;
  ms_report_tally(&t, r);
  html_head(out, r);
  html_summary(out, r, &t);
  html_filter(out, &t);
  for (size_t i = 0; i < r->n; i++)
    html_transcript(out, &r->v[i], i);
  fprintf(out, "<script>%s</script>\n</body>\n</html>\n", html_script);
  ms_report_tally_free(&t);
  return ferror(out) ? -1 : 0;
}
