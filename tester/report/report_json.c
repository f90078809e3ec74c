/* report_json: the machine-readable report, schema reports/schema.json
 * ("format": "mailspec-result", "version": 1).  It carries every field
 * of the result model, so the other writers can be rebuilt from it
 * (`mailspec merge` does exactly that, via result_json.c).  Numbers are
 * printed with fixed precision so JSON -> model -> JSON is identical. */
#include "mailspec/report.h"

#include <math.h>
#include <time.h>

#include "escape.h"
#include "mailspec/mailspec.h"
#include "report_tally.h"

#define JSON_FORMAT_NAME "mailspec-result"
#define JSON_FORMAT_VERSION 1

static const char *const json_violation_names[] = {
    "bare_lf",  "bare_cr",       "code_mismatch", "bad_code", "long_line",
    "nul",      "bad_separator", "truncated",     "too_big",  "8bit",
    "trailing", "early_close",   "bad_utf8"};

static const char *json_violation_name(unsigned bit) {
  for (unsigned i = 0;
       i < sizeof json_violation_names / sizeof *json_violation_names; i++)
    if (bit == 1u << i)
      return json_violation_names[i];
  return NULL;
}

static void json_num(FILE *out, double d) {
  fprintf(out, "%.3f", isfinite(d) ? d : 0.0);
}

static void json_key(FILE *out, int ind, const char *key) {
  fprintf(out, "%*s\"%s\": ", ind, "", key);
}

static void json_str_field(FILE *out, int ind, const char *key, const char *val,
                           bool last) {
  json_key(out, ind, key);
  ms_esc_json(out, val);
  fputs(last ? "\n" : ",\n", out);
}

static void json_utc(FILE *out, double t) {
  char buf[32] = "";
  time_t s = (time_t)t;
  struct tm tm;
  if (t > 0 && gmtime_r(&s, &tm))
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  ms_esc_json(out, t > 0 ? buf : NULL);
}

static void json_findings(FILE *out, const struct ms_step_result *s) {
  if (!s->nfindings) {
    fputs("[]", out);
    return;
  }
  fputs("[\n", out);
  for (size_t i = 0; i < s->nfindings; i++) {
    fprintf(out, "            {\"violation\": %u, \"name\": ",
            s->findings[i].violation);
    ms_esc_json(out, json_violation_name(s->findings[i].violation));
    fputs(", \"what\": ", out);
    ms_esc_json(out, s->findings[i].what ? s->findings[i].what : "");
    fputs(i + 1 < s->nfindings ? "},\n" : "}\n", out);
  }
  fputs("          ]", out);
}

static void json_step(FILE *out, const struct ms_step_result *s, bool last) {
  fputs("        {\n", out);
  fprintf(out, "          \"session\": %zu,\n", s->session);
  fprintf(out, "          \"step\": %zu,\n", s->step);
  fprintf(out, "          \"line\": %d,\n", s->line);
  json_str_field(out, 10, "verdict", ms_verdict_name(s->verdict), false);
  json_str_field(out, 10, "sent", s->sent, false);
  json_str_field(out, 10, "expected", s->expected, false);
  json_str_field(out, 10, "got", s->got, false);
  fprintf(out, "          \"code\": %d,\n", s->code);
  json_str_field(out, 10, "reason", s->reason, false);
  json_key(out, 10, "elapsed_ms");
  json_num(out, s->elapsed_ms);
  fputs(",\n", out);
  json_key(out, 10, "findings");
  json_findings(out, s);
  fputs(last ? "\n        }\n" : "\n        },\n", out);
}

static void json_tags(FILE *out, const struct ms_transcript_result *t) {
  json_key(out, 6, "tags");
  fputc('[', out);
  for (size_t i = 0; i < t->ntags; i++) {
    if (i)
      fputs(", ", out);
    ms_esc_json(out, t->tags[i] ? t->tags[i] : "");
  }
  fputs("],\n", out);
}

/* What TLS negotiated, or null (issue 7). */
static void json_tls(FILE *out, const struct ms_tls_result *tls) {
  json_key(out, 6, "tls");
  if (!tls) {
    fputs("null,\n", out);
    return;
  }
  fputs("{\n", out);
  json_str_field(out, 8, "version", tls->version, false);
  json_str_field(out, 8, "cipher", tls->cipher, false);
  json_str_field(out, 8, "subject", tls->subject, false);
  json_str_field(out, 8, "issuer", tls->issuer, false);
  json_str_field(out, 8, "not_after", tls->not_after, false);
  fprintf(out, "        \"verified\": %s,\n", tls->verified ? "true" : "false");
  json_str_field(out, 8, "verify_error", tls->verify_error, true);
  fputs("      },\n", out);
}

/* Issue 12: the sessions that stopped being judged. */
static void json_diverged(FILE *out, const struct ms_transcript_result *t) {
  json_key(out, 6, "diverged");
  if (!t->ndiverged) {
    fputs("[],\n", out);
    return;
  }
  fputs("[\n", out);
  for (size_t i = 0; i < t->ndiverged; i++) {
    const struct ms_divergence *d = &t->diverged[i];
    fprintf(out, "        {\"session\": %zu, \"step\": %zu, \"line\": %d, ",
            d->session, d->step, d->line);
    fputs("\"what\": ", out);
    ms_esc_json(out, d->what ? d->what : "");
    fprintf(out,
            ", \"allowed\": %s, \"not_judged\": %zu, \"first_line\": %d, "
            "\"last_line\": %d}%s\n",
            d->allowed ? "true" : "false", d->not_judged, d->first_line,
            d->last_line, i + 1 < t->ndiverged ? "," : "");
  }
  fputs("      ],\n", out);
}

/* Issue 13: the session entries, when there are several. */
static void json_sessions(FILE *out, const struct ms_transcript_result *t) {
  json_key(out, 6, "sessions");
  if (!t->nsessions) {
    fputs("[],\n", out);
    return;
  }
  fputs("[\n", out);
  for (size_t i = 0; i < t->nsessions; i++) {
    const struct ms_session_result *x = &t->sessions[i];
    fputs("        {\"name\": ", out);
    ms_esc_json(out, x->name);
    fprintf(out, ", \"connection\": %zu, \"line\": %d}%s\n", x->conn, x->line,
            i + 1 < t->nsessions ? "," : "");
  }
  fputs("      ],\n", out);
}

static void json_transcript(FILE *out, const struct ms_transcript_result *t,
                            bool last) {
  const char *level = ms_level_name(t->level);
  fputs("    {\n", out);
  json_str_field(out, 6, "id", t->id, false);
  json_str_field(out, 6, "path", t->path, false);
  json_str_field(out, 6, "title", t->title, false);
  json_str_field(out, 6, "source", t->source, false);
  json_str_field(out, 6, "rfc", t->rfc, false);
  json_str_field(out, 6, "protocol", ms_proto_ops(t->protocol)->key, false);
  json_str_field(out, 6, "level", level && *level ? level : NULL, false);
  json_tags(out, t);
  json_str_field(out, 6, "suite", t->suite, false);
  json_str_field(out, 6, "verdict", ms_verdict_name(t->verdict), false);
  json_str_field(out, 6, "reason", t->reason, false);
  json_str_field(out, 6, "target", t->target, false);
  json_str_field(out, 6, "greeting", t->greeting, false);
  json_str_field(out, 6, "convention",
                 t->convention == MS_CONV_RFC821    ? "rfc821"
                 : t->convention == MS_CONV_RFC5321 ? "rfc5321"
                                                    : NULL,
                 false);
  json_key(out, 6, "plan_index");
  fprintf(out, "%zu,\n", t->plan_index);
  json_str_field(out, 6, "pcap", t->pcap, false);
  json_tls(out, t->tls);
  json_key(out, 6, "started");
  json_num(out, t->started);
  fputs(",\n", out);
  json_key(out, 6, "elapsed_ms");
  json_num(out, t->elapsed_ms);
  fputs(",\n", out);
  json_sessions(out, t);
  json_diverged(out, t);
  json_key(out, 6, "steps");
  fputs(t->nsteps ? "[\n" : "[]\n", out);
  for (size_t i = 0; i < t->nsteps; i++)
    json_step(out, &t->steps[i], i + 1 == t->nsteps);
  if (t->nsteps)
    fputs("      ]\n", out);
  fputs(last ? "    }\n" : "    },\n", out);
}

static void json_counts(FILE *out, const struct ms_run_result *r) {
  struct ms_tally t;
  ms_report_tally(&t, r);
  fprintf(out, "  \"counts\": {\"total\": %zu", r->n);
  for (unsigned v = 0; v < MS_TALLY_VERDICTS; v++)
    fprintf(out, ", \"%s\": %zu", ms_verdict_name((enum ms_verdict)v),
            t.counts[v]);
  fputs("},\n", out);
  ms_report_tally_free(&t);
}

int ms_report_json(const struct ms_run_result *r, FILE *out,
                   const struct ms_report_opts *o) {
  (void)o;
  fputs("{\n", out);
  fprintf(out, "  \"format\": \"%s\",\n  \"version\": %d,\n", JSON_FORMAT_NAME,
          JSON_FORMAT_VERSION);
  json_str_field(out, 2, "generator", "mailspec " MAILSPEC_VERSION, false);
  json_str_field(out, 2, "target", r->target, false);
  json_key(out, 2, "started");
  json_num(out, r->started);
  fputs(",\n", out);
  json_key(out, 2, "started_utc");
  json_utc(out, r->started);
  fputs(",\n", out);
  json_key(out, 2, "elapsed_ms");
  json_num(out, r->elapsed_ms);
  fprintf(out, ",\n  \"interrupted\": %s,\n",
          r->interrupted ? "true" : "false");
  /* transcripts that did not load (run exits 2 for them) */
  fprintf(out, "  \"invalid\": %zu,\n", r->ninvalid);
  json_counts(out, r);
  fputs(r->n ? "  \"transcripts\": [\n" : "  \"transcripts\": []\n", out);
  for (size_t i = 0; i < r->n; i++)
    json_transcript(out, &r->v[i], i + 1 == r->n);
  if (r->n)
    fputs("  ]\n", out);
  fputs("}\n", out);
  return ferror(out) ? -1 : 0;
}
