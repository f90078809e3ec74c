/* report_diff: see report_diff.h. */
#include "report_diff.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

const char *ms_report_diff_client(enum ms_protocol proto) {
  return ms_proto_ops(proto)->rfc821 ? "S:" : "C:";
}

const char *ms_report_diff_server(enum ms_protocol proto) {
  return ms_proto_ops(proto)->rfc821 ? "R:" : "S:";
}

/* RFC 5321 and RFC 1939 write C: (client) and S: (server). */
static bool diff_cs(const struct ms_transcript_result *t) {
  return !ms_proto_ops(t->protocol)->rfc821 || t->convention == MS_CONV_RFC5321;
}

const char *ms_report_diff_client_of(const struct ms_transcript_result *t) {
  return diff_cs(t) ? "C:" : "S:";
}

const char *ms_report_diff_server_of(const struct ms_transcript_result *t) {
  return diff_cs(t) ? "S:" : "R:";
}

/* Each line of TEXT prefixed by PREFIX, at most MAX lines (0: all). */
static void diff_block(FILE *f, const char *prefix, const char *text,
                       size_t max) {
  size_t n = 0;
  const char *p = text;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    if (max && n == max) {
      size_t rest = 1;
      for (const char *q = p; (q = strchr(q, '\n')) && q[1]; q++)
        rest++;
      fprintf(f, "%s ... (%zu more line%s)\n", prefix, rest,
              rest == 1 ? "" : "s");
      return;
    }
    fprintf(f, "%s %.*s\n", prefix, (int)len, p);
    n++;
    if (!nl)
      break;
    p = nl + 1;
  }
}

char *ms_report_diff_step(const struct ms_transcript_result *t,
                          const struct ms_step_result *s, size_t max_lines) {
  char *buf = NULL, pre[16];
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return xstrdup("");
  const char *cl = ms_report_diff_client_of(t);
  const char *sv = ms_report_diff_server_of(t);
  if (s->sent && *s->sent) {
    snprintf(pre, sizeof pre, "    %s", cl);
    diff_block(f, pre, s->sent, max_lines);
  }
  snprintf(pre, sizeof pre, "  - %s", sv);
  diff_block(f, pre, s->expected ? s->expected : "", max_lines);
  if (s->got) {
    snprintf(pre, sizeof pre, "  + %s", sv);
    diff_block(f, pre, s->got, max_lines);
  } else {
    fprintf(f, "  + (no reply)\n");
  }
  for (size_t i = 0; i < s->nfindings; i++)
    fprintf(f, "  ! %s\n", s->findings[i].what ? s->findings[i].what : "");
  fclose(f);
  return buf;
}

char *ms_report_diff_exchange(const struct ms_transcript_result *t,
                              const struct ms_step_result *s,
                              size_t max_lines) {
  char *buf = NULL, pre[16];
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return xstrdup("");
  if (s->sent && *s->sent) {
    snprintf(pre, sizeof pre, "    %s", ms_report_diff_client_of(t));
    diff_block(f, pre, s->sent, max_lines);
  }
  snprintf(pre, sizeof pre, "    %s", ms_report_diff_server_of(t));
  if (s->got)
    diff_block(f, pre, s->got, max_lines);
  else
    fprintf(f, "    (no reply)\n");
  for (size_t i = 0; i < s->nfindings; i++)
    fprintf(f, "  ! %s\n", s->findings[i].what ? s->findings[i].what : "");
  fclose(f);
  return buf;
}

char *ms_report_diff_where(const struct ms_transcript_result *t,
                           const struct ms_step_result *s) {
  const char *path = t->path ? t->path : (t->id ? t->id : "?");
  if (s && s->line > 0)
    return xasprintf("%s:%d", path, s->line);
  return xstrdup(path);
}
