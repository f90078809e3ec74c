/* Fixtures shared by the report writer tests: results built by hand,
 * one transcript per verdict, optionally from a hostile server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "mailspec/report.h"
#include "report_fixture.h"
#include "util.h"

const char ms_fixture_hostile[] =
    "220 <script>document.title='pwned'</script> & \"q\" 'a' ]]> "
    "\x01\x1b[31m\x7f \xff\xfe\xc3( ``` ````` {{x}} | *b* <!-- -->";

static struct ms_transcript_result *fx_add(struct ms_run_result *r,
                                           const char *id, enum ms_verdict v) {
  r->v = xrealloc(r->v, (r->n + 1) * sizeof *r->v);
  struct ms_transcript_result *t = &r->v[r->n++];
  memset(t, 0, sizeof *t);
  t->id = xstrdup(id);
  t->path = xasprintf("transcripts/%s.yaml", id);
  t->verdict = v;
  t->protocol = MS_PROTO_SMTP;
  t->target = xstrdup("127.0.0.1:25025");
  t->started = 1700000000.25 + (double)r->n;
  t->elapsed_ms = 12.5 * (double)r->n;
  return t;
}

static void fx_step(struct ms_transcript_result *t, int line, const char *sent,
                    const char *expected, const char *got, int code,
                    enum ms_verdict v, const char *reason) {
  struct ms_step_result *s = ms_tr_add_step(t);
  s->line = line;
  s->step = t->nsteps;
  s->sent = sent ? xstrdup(sent) : NULL;
  s->expected = xstrdup(expected);
  s->got = got ? xstrdup(got) : NULL;
  s->code = code;
  s->verdict = v;
  s->reason = reason ? xstrdup(reason) : NULL;
  s->elapsed_ms = 0.5 * line;
}

static char *fx_long_reply(void) {
  size_t n = 10000, len = 0;
  char *buf = xmalloc(n * 32);
  for (size_t i = 0; i < n; i++)
    len += (size_t)sprintf(buf + len, "250%c line %zu <&>\n",
                           i + 1 < n ? '-' : ' ', i);
  buf[len - 1] = '\0';
  return buf;
}

static void fx_pass(struct ms_run_result *r, bool hostile) {
  struct ms_transcript_result *t = fx_add(r, "rfc821/scenario-01", MS_PASS);
  t->title = xstrdup("Scenario 1: a typical SMTP transaction");
  t->source = xstrdup("RFC 821 Appendix F, Scenario 1");
  t->rfc = xstrdup("RFC 821 §3.1");
  t->level = MS_LEVEL_MUST;
  t->suite = xstrdup("RFC 821 scenarios");
  t->tags = xcalloc(2, sizeof *t->tags);
  t->tags[t->ntags++] = xstrdup("rfc821");
  t->tags[t->ntags++] = xstrdup("smoke");
  t->greeting =
      xstrdup(hostile ? ms_fixture_hostile : "220 mx.example.test ESMTP");
  fx_step(t, 5, NULL, "220", t->greeting, 220, MS_PASS, NULL);
  fx_step(t, 6, "HELO client.example", "250", "250 mx.example.test", 250,
          MS_PASS, NULL);
  char *big = hostile ? fx_long_reply() : NULL;
  fx_step(t, 7, "EHLO client.example", "250",
          big ? big : "250-mx.example.test\n250 PIPELINING", 250, MS_PASS,
          NULL);
  free(big);
}

static void fx_fail(struct ms_run_result *r, bool hostile) {
  struct ms_transcript_result *t = fx_add(r, "esmtp/rcpt-unknown", MS_FAIL);
  t->title = xstrdup("Unknown recipient is refused");
  t->rfc = xstrdup("RFC 5321 §4.2.2");
  t->level = MS_LEVEL_MUST;
  t->suite = xstrdup("RFC 821 scenarios");
  t->greeting = xstrdup("220 mx.example.test ESMTP");
  t->reason = xstrdup("expected 550, got 250");
  fx_step(t, 3, NULL, "220", t->greeting, 220, MS_PASS, NULL);
  fx_step(t, 4, "MAIL FROM:<a@example.test>", "250", "250 2.1.0 Ok", 250,
          MS_PASS, NULL);
  fx_step(t, 5, "RCPT TO:<nobody@example.test>", "550",
          hostile ? ms_fixture_hostile + 4 : "250 2.1.5 Ok", 250, MS_FAIL,
          "expected 550, got 250");
  ms_step_add_finding(&t->steps[2], 1u << 0,
                      "bare LF line end (RFC 5321 §2.3.8)");
  /* issue 12: the session stopped there (a pipelined group) */
  char *what =
      xasprintf("transcripts/esmtp/rcpt-unknown.yaml:5: expected "
                "550, got 250 inside a pipelined group%s%s",
                hostile ? ": " : "", hostile ? ms_fixture_hostile : "");
  struct ms_divergence *dv = ms_tr_add_divergence(t, what);
  free(what);
  dv->step = 2;
  dv->line = 5;
  dv->not_judged = 3;
  dv->first_line = 6;
  dv->last_line = 9;
}

static void fx_others(struct ms_run_result *r) {
  struct ms_transcript_result *t = fx_add(r, "esmtp/chunking", MS_SKIP);
  t->reason = xstrdup("server lacks CHUNKING");
  t->level = MS_LEVEL_MAY;
  t = fx_add(r, "pop3/uidl", MS_ERROR);
  t->protocol = MS_PROTO_POP3;
  t->reason = xstrdup("connect 127.0.0.1:25110: Connection refused");
  t->level = MS_LEVEL_SHOULD;
  t = fx_add(r, "esmtp/vrfy", MS_WAIVED);
  t->reason = xstrdup("waived: VRFY disabled by policy (waivers.yaml:3)");
  t->level = MS_LEVEL_SHOULD;
  fx_step(t, 4, "VRFY postmaster", "250|251|252", "502 5.5.1 VRFY disabled",
          502, MS_WAIVED, "expected 250|251|252, got 502");
  t = fx_add(r, "esmtp/zzz-last", MS_NOTRUN);
  t->reason = xstrdup("interrupted");
}

void ms_fixture_run(struct ms_run_result *r, bool hostile) {
  ms_run_init(r);
  r->target = xstrdup("127.0.0.1:25025");
  r->started = 1700000000.125;
  r->elapsed_ms = 1234.5;
  fx_pass(r, hostile);
  fx_fail(r, hostile);
  fx_others(r);
  ms_run_count(r);
}

char *ms_fixture_render(int (*writer)(const struct ms_run_result *, FILE *,
                                      const struct ms_report_opts *),
                        const struct ms_run_result *r, size_t *len) {
  char *buf = NULL;
  size_t n = 0;
  struct ms_report_opts o = {0};
  FILE *f = open_memstream(&buf, &n);
  if (!f)
    abort();
  if (writer(r, f, &o) != 0)
    abort();
  fclose(f);
  if (len)
    *len = n;
  return buf;
}

bool ms_fixture_clean_utf8(const char *buf, size_t len, bool allow_cr) {
  const unsigned char *p = (const unsigned char *)buf;
  for (size_t i = 0; i < len;) {
    size_t n;
    long cp = ms_utf8_decode(p + i, len - i, &n);
    if (cp < 0)
      return false;
    if ((cp < 0x20 && cp != '\n' && cp != '\t' && !(allow_cr && cp == '\r')) ||
        cp == 0x7F)
      return false;
    i += n;
  }
  return true;
}
