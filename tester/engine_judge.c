/* engine_judge: decide one step from one reply (see engine.h).  Pure:
 * everything the live engine decides about a reply is here, so that
 * unit tests can check each rule on hand-built replies. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine_int.h"
#include "mailspec/engine.h"
#include "mailspec/reply.h"
#include "rx.h"
#include "util.h"

const char *ms_engine_code_text(enum ms_protocol proto, int code, char *buf,
                                size_t len) {
  if (code == 0)
    return "no reply code";
  const char *p = ms_proto_ops(proto)->code_pattern(code, buf, len);
  if (*p)
    return p;
  snprintf(buf, len, "%d", code);
  return buf;
}

/* Results live until the reports are written: no slack in them. */
static char *judge_fit(char *s) {
  return s ? xrealloc(s, strlen(s) + 1) : NULL;
}

/* Reply text a result keeps: enough to show and diff, bounded so that a
 * run against a server sending 16 MiB replies stays small (the reader
 * has read, and the judge has judged, all of it). */
#define JUDGE_GOT_MAX 65536

static char *judge_got(const struct ms_reply *r) {
  size_t k = 0, bytes = 0;
  while (k < r->nlines && bytes + r->lens[k] + 1 <= JUDGE_GOT_MAX)
    bytes += r->lens[k++] + 1;
  if (k == r->nlines)
    return judge_fit(ms_reply_join(r));
  struct ms_reply part = *r;
  part.nlines = k;
  size_t rest = 0;
  for (size_t i = k; i < r->nlines; i++)
    rest += r->lens[i] + 1;
  char *head = k ? ms_reply_join(&part) : xstrdup("");
  char *all = xasprintf("%s%s... (%zu more line%s, %zu octets, not kept)", head,
                        k ? "\n" : "", r->nlines - k,
                        r->nlines - k == 1 ? "" : "s", rest);
  free(head);
  return all;
}

char *ms_engine_expected_text(const struct ms_step *s) {
  if (s->nlines == 0) {
    char pat[MS_PAT_MAX * 5 + 8];
    ms_pattern_format(&s->pat, pat, sizeof pat);
    return xstrdup(pat);
  }
  struct ms_buf b;
  ms_buf_init(&b, 0);
  for (size_t i = 0; i < s->nlines; i++) {
    if (i)
      ms_buf_add(&b, "\n", 1);
    ms_buf_addstr(&b, s->lines[i] ? s->lines[i] : "");
  }
  return judge_fit(ms_buf_steal(&b, NULL));
}

/* What a text regex sees: the reply lines as received, codes
 * included, joined by '\n' ("250-a\n250 b"; POP3: the status line, then
 * the dot-unstuffed content lines).  Matched with REG_NEWLINE, so '^'
 * and '$' anchor at each line. */
char *ms_engine_reply_text(const struct ms_reply *r) {
  struct ms_buf b;
  ms_buf_init(&b, 0);
  for (size_t i = 0; i < r->nlines; i++) {
    if (i)
      ms_buf_add(&b, "\n", 1);
    ms_buf_add(&b, r->lines[i], strnlen(r->lines[i], r->lens[i]));
  }
  return ms_buf_steal(&b, NULL);
}

/* 1 match, 0 no match, -1 bad regex (message in ERR). */
static int judge_text_re(const char *re, const struct ms_reply *r, char *err,
                         size_t errlen) {
  regex_t rx;
  if (ms_rx_compile(&rx, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE, err,
                    errlen) != 0)
    return -1;
  int rc;
  char *text = ms_engine_reply_text(r);
  rc = regexec(&rx, text, 0, NULL, 0);
  free(text);
  regfree(&rx);
  return rc == 0;
}

static void judge_set(struct ms_step_result *out, enum ms_verdict v,
                      char *reason) {
  if (out->verdict == MS_PASS || out->verdict == MS_SKIP ||
      (v == MS_ERROR && out->verdict != MS_ERROR)) {
    out->verdict = v;
    free(out->reason);
    out->reason = reason;
  } else {
    free(reason);
  }
}

/* The first line of a reply is enough to say "got"; the rest is in
 * OUT->got. */
static char *judge_mismatch(const struct ms_step *s, enum ms_protocol proto,
                            int code) {
  char pat[MS_PAT_MAX * 5 + 8], cbuf[16];
  ms_pattern_format(&s->pat, pat, sizeof pat);
  return xasprintf("expected %s, got %s", pat,
                   ms_engine_code_text(proto, code, cbuf, sizeof cbuf));
}

/* skip_on: a reply expect: does not take but skip_on: does shows that
 * the set-up the test presupposes is absent: SKIP, with the reason. */
static bool judge_skip(const struct ms_step *s, enum ms_protocol proto,
                       int code, struct ms_step_result *out) {
  if (s->skip_pat.n == 0 || code == 0 || !ms_pattern_match(&s->skip_pat, code))
    return false;
  char cbuf[16];
  out->verdict = MS_SKIP;
  free(out->reason);
  out->reason = xasprintf(
      "the server answered %s: %s",
      ms_engine_code_text(proto, code, cbuf, sizeof cbuf),
      s->skip_why ? s->skip_why
                  : "the set-up this test presupposes is absent (skip_on)");
  return true;
}

void ms_engine_judge(const struct ms_step *s, enum ms_protocol proto,
                     const struct ms_reply *reply, struct ms_step_result *out) {
  out->verdict = MS_PASS;
  out->code = reply->code;
  if (!out->expected)
    out->expected = ms_engine_expected_text(s);
  free(out->got);
  out->got = judge_got(reply);
  /* The code decides (RFC 821 §4.2, RFC 5321 §4.2.5); a single expected
   * line also accepts a multi-line reply with that code. */
  if (reply->code == 0 || !ms_pattern_match(&s->pat, reply->code)) {
    if (!judge_skip(s, proto, reply->code, out))
      judge_set(out, MS_FAIL, judge_mismatch(s, proto, reply->code));
  }
  if (s->text_re && out->verdict == MS_PASS) {
    char err[256];
    int m = judge_text_re(s->text_re, reply, err, sizeof err);
    if (m < 0)
      judge_set(out, MS_ERROR,
                xasprintf("bad text regex /%s/: %s", s->text_re, err));
    else if (m == 0)
      judge_set(out, MS_FAIL,
                xasprintf("reply text does not match /%s/", s->text_re));
  }
  if (s->not_re && out->verdict == MS_PASS) {
    char err[256];
    int m = judge_text_re(s->not_re, reply, err, sizeof err);
    if (m < 0)
      judge_set(out, MS_ERROR,
                xasprintf("bad not_text regex /%s/: %s", s->not_re, err));
    else if (m == 1)
      judge_set(out, MS_FAIL,
                xasprintf("reply text matches /%s/, which it "
                          "must not",
                          s->not_re));
  }
  if (s->each_re && out->verdict == MS_PASS) {
    bool bad;
    char *why = ms_engine_each_line(s->each_re, reply, &bad);
    if (why)
      judge_set(out, bad ? MS_ERROR : MS_FAIL, why);
  }
  /* Strict reading: each violation is a finding and fails the step. */
  for (unsigned bit = 1; bit && bit <= reply->violations; bit <<= 1) {
    if (!(reply->violations & bit))
      continue;
    const char *what = ms_violation_text(bit);
    ms_step_add_finding(out, bit, what);
    judge_set(out, MS_FAIL, xstrdup(what));
  }
}

/* The level of a finding's own clause: RFC 5321 §4.5.3.1.5 gives the
 * 512-octet reply line as a SHOULD (§4.5.3.1's MUST is about receiving);
 * RFC 1939 §3's limit is read as a MUST; every other finding is a MUST. */
static enum ms_level judge_finding_level(unsigned violation,
                                         enum ms_protocol proto) {
  if (violation == MS_V_LONG_LINE && ms_proto_ops(proto)->long_line_should)
    return MS_LEVEL_SHOULD;
  return MS_LEVEL_MUST;
}

enum ms_level ms_engine_fail_level(const struct ms_step_result *r,
                                   enum ms_protocol proto) {
  if (r->verdict != MS_FAIL)
    return MS_LEVEL_NONE;
  /* Findings are judged last: when the reason is the first finding's
   * text, the code and the regexes passed. */
  if (r->nfindings == 0 || !r->reason ||
      strcmp(r->reason, r->findings[0].what) != 0)
    return MS_LEVEL_MUST;
  for (size_t i = 0; i < r->nfindings; i++)
    if (judge_finding_level(r->findings[i].violation, proto) == MS_LEVEL_MUST)
      return MS_LEVEL_MUST;
  return MS_LEVEL_SHOULD;
}

void ms_engine_flag(struct ms_step_result *out, unsigned violation,
                    const char *detail) {
  const char *what = ms_violation_text(violation);
  char *text =
      detail && *detail ? xasprintf("%s: %s", what, detail) : xstrdup(what);
  ms_step_add_finding(out, violation, text);
  judge_set(out, MS_FAIL, xstrdup(text));
  free(text);
}
