/* Unit tests for the import pipeline without capture files: a session's
 * two streams -> units -> YAML -> the transcript loader -> the bytes the
 * engine would send.  Those must be the bytes the client sent. */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "engine_int.h"
#include "import.h"
#include "linktype.h"
#include "mailspec/mailspec.h"

/* A dialogue: alternating pieces, each with its own packet number. */
struct piece {
  int dir;
  const char *bytes;
  size_t len; /* 0: strlen */
};

static struct ms_imp_session *mk(enum ms_protocol proto, const struct piece *v,
                                 size_t n) {
  struct ms_imp_session *s = calloc(1, sizeof *s);
  s->proto = proto;
  s->ci.af = 4;
  s->ci.saw_syn = true;
  s->ci.addr[0][0] = 10;
  s->ci.addr[1][0] = 10;
  s->ci.addr[1][3] = 2;
  s->ci.port[0] = 40000;
  s->ci.port[1] = proto == MS_PROTO_POP3 ? 110 : 25;
  s->close_why = "fin";
  ms_imp_dir_init(&s->d[0], 1u << 24);
  ms_imp_dir_init(&s->d[1], 1u << 24);
  for (size_t i = 0; i < n; i++) {
    size_t len = v[i].len ? v[i].len : strlen(v[i].bytes);
    if (v[i].bytes)
      ms_imp_dir_add(&s->d[v[i].dir], (const unsigned char *)v[i].bytes, len,
                     i + 1);
    else
      ms_imp_dir_gap(&s->d[v[i].dir], v[i].len, i + 1, "test gap");
  }
  return s;
}

/* Write S as YAML with OPTS; returns the text (caller frees). */
static char *yaml_of(const struct ms_imp_session *s,
                     const struct ms_write_opts *o, bool *steps,
                     struct ms_frames *fout) {
  struct ms_frames f;
  ms_import_frame(s, &f);
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  struct ms_write_result wr;
  ck_assert_int_eq(ms_transcript_write(out, s, &f, o, &wr), 0);
  fclose(out);
  if (steps)
    *steps = wr.steps;
  ms_write_result_free(&wr);
  if (fout)
    *fout = f;
  else
    ms_frames_free(&f);
  return text;
}

/* The bytes a loaded transcript sends, all SEND steps in order. */
static void wire_of(const struct ms_transcript *t, struct ms_buf *out) {
  for (size_t si = 0; si < t->nsessions; si++)
    for (size_t i = 0; i < t->sessions[si].nsteps; i++) {
      const struct ms_step *st = &t->sessions[si].steps[i];
      if (st->kind != MS_STEP_SEND)
        continue;
      char *w = NULL, err[256];
      size_t n = 0;
      ck_assert_msg(ms_step_wire(st, t->vars, t->nvars, NULL, 0, &w, &n, err,
                                 sizeof err) == 0,
                    "step %zu: %s", i, err);
      ck_assert_int_eq(ms_buf_add(out, w, n), 0);
      free(w);
    }
}

static void print_diags(const struct ms_diags *d, const char *text) {
  for (size_t i = 0; i < d->n; i++)
    fprintf(stderr, "%d:%d: %s%s\n", d->v[i].line, d->v[i].col,
            d->v[i].warning ? "warning: " : "", d->v[i].msg);
  if (d->nerrors)
    fprintf(stderr, "---\n%s---\n", text);
}

/* Import, load, and compare the client's bytes (up to LIMIT, or all).
 * Returns the YAML text (caller frees); *STEPS tells the form. */
static char *roundtrip_opts(const struct piece *v, size_t n,
                            enum ms_protocol proto,
                            const struct ms_write_opts *o, size_t limit,
                            bool *steps) {
  struct ms_imp_session *s = mk(proto, v, n);
  char *text = yaml_of(s, o, steps, NULL);
  struct ms_diags d = {0};
  struct ms_transcript *t =
      ms_transcript_parse("t.yaml", text, strlen(text), &d);
  if (!t || d.nerrors)
    print_diags(&d, text);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(d.nerrors, 0);
  struct ms_buf w;
  ms_buf_init(&w, 1u << 24);
  wire_of(t, &w);
  const struct ms_imp_dir *c = &s->d[MS_DIR_C2S];
  size_t want = limit ? limit : c->len;
  if (w.len != want || memcmp(w.p, c->p, want) != 0)
    fprintf(stderr, "---\n%s---\n", text);
  ck_assert_uint_eq(w.len, want);
  ck_assert(memcmp(w.p, c->p, want) == 0);
  ms_buf_free(&w);
  ms_transcript_free(t);
  ms_diags_free(&d);
  ms_imp_session_free(s);
  return text;
}

static const struct ms_write_opts KEEP = {
    "test.pcap", NULL, MS_CONV_RFC5321, true, false, false, NULL, false, false};

static char *roundtrip(const struct piece *v, size_t n, enum ms_protocol p,
                       bool *steps) {
  return roundtrip_opts(v, n, p, &KEEP, 0, steps);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct piece smtp_plain[] = {
    {1, "220 mx.test ESMTP\r\n", 0},
    {0, "EHLO c.test\r\n", 0},
    {1, "250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n", 0},
    {0, "MAIL FROM:<a@x.test>\r\n", 0},
    {1, "250 Ok\r\n", 0},
    {0, "RCPT TO:<b@y.test>\r\n", 0},
    {1, "250 Ok\r\n", 0},
    {0, "DATA\r\n", 0},
    {1, "354 go\r\n", 0},
    {0, "Subject: x\r\n\r\n  indented line\r\n..dot\r\nend\r\n.\r\n", 0},
    {1, "250 queued\r\n", 0},
    {0, "QUIT\r\n", 0},
    {1, "221 bye\r\n", 0},
};

START_TEST(smtp_script_form) {
  bool steps = true;
  char *y = roundtrip(smtp_plain, N(smtp_plain), MS_PROTO_SMTP, &steps);
  ck_assert(!steps);
  ck_assert(strstr(y, "script: |\n  S: 220 mx.test ESMTP\n  C: EHLO c.test\n"));
  ck_assert(strstr(y, "  C:   indented line\n")); /* data keeps blanks */
  ck_assert(strstr(y, "  C: ..dot\n"));           /* as sent: stuffed */
  ck_assert(strstr(y, "\n  C:\n"));               /* empty data line */
  ck_assert(strstr(y, "protocol: smtp\n"));
  ck_assert(strstr(
      y,
      "source: \"test.pcap, TCP session 0: 10.0.0.0:40000 -> 10.0.0.2:25, "));
  ck_assert(!strstr(y, "pipelining:"));
  ck_assert(!strstr(y, "replayable:"));
  free(y);
}
END_TEST

START_TEST(smtp_rfc821_convention) {
  struct ms_write_opts o = KEEP;
  o.conv = MS_CONV_RFC821;
  bool steps;
  char *y =
      roundtrip_opts(smtp_plain, N(smtp_plain), MS_PROTO_SMTP, &o, 0, &steps);
  ck_assert(strstr(y, "convention: rfc821\n"));
  ck_assert(strstr(y, "  R: 220 mx.test ESMTP\n  S: EHLO c.test\n"));
  free(y);
}
END_TEST

START_TEST(smtp_forced_steps) {
  struct ms_write_opts o = KEEP;
  o.force_steps = true;
  bool steps = false;
  char *y =
      roundtrip_opts(smtp_plain, N(smtp_plain), MS_PROTO_SMTP, &o, 0, &steps);
  ck_assert(steps);
  ck_assert(strstr(y, "steps:\n  - S: \"220 mx.test ESMTP\"\n"));
  free(y);
}
END_TEST

START_TEST(smtp_pipelined) {
  static const struct piece v[] = {
      {1, "220 mx\r\n", 0},
      {0, "EHLO c\r\n", 0},
      {1, "250 PIPELINING\r\n", 0},
      {0, "MAIL FROM:<a>\r\nRCPT TO:<b>\r\nDATA\r\n", 0},
      {1, "250 ok\r\n250 ok\r\n354 go\r\n", 0},
      {0, "hello\r\n.\r\nQUIT\r\n", 0},
      {1, "250 ok\r\n221 bye\r\n", 0},
  };
  bool steps;
  char *y = roundtrip(v, N(v), MS_PROTO_SMTP, &steps);
  ck_assert(!steps);
  ck_assert(strstr(y, "pipelining: true\n"));
  ck_assert(strstr(y, "  C: MAIL FROM:<a>\n  C: RCPT TO:<b>\n  C: DATA\n"
                      "  S: 250 ok\n  S: 250 ok\n  S: 354 go\n"));
  ck_assert(strstr(y, "  C: .\n  C: QUIT\n  S: 250 ok\n  S: 221 bye\n"));
  free(y);
}
END_TEST

START_TEST(smtp_body_before_354) {
  /* the client sends the body without waiting for 354 (real traffic) */
  static const struct piece v[] = {
      {1, "220 mx\r\n", 0},
      {0, "MAIL FROM:<a>\r\nRCPT TO:<b>\r\nDATA\r\nhi\r\n.\r\n", 0},
      {1, "250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n", 0},
  };
  bool steps;
  free(roundtrip(v, N(v), MS_PROTO_SMTP, &steps));
}
END_TEST

START_TEST(smtp_awkward_bytes) {
  static const char body[] = "caf\xc3\xa9 utf-8\r\n"
                             "latin-1 caf\xe9\r\n"
                             "NUL \0 inside\r\n"
                             "bare LF\nnext\r\n"
                             "bare CR \r inside\r\n"
                             "trailing blanks  \r\n"
                             "\ttab first\r\n"
                             "<p class=x>\r\n"
                             "<CRLF>.<CRLF>\r\n"
                             "price $5, ${var}, $$ and $\r\n"
                             ".\r\n";
  static const struct piece v[] = {
      {1, "220 mx\r\n", 0},
      {0, "DATA\r\n", 0},
      {1, "354 go\r\n", 0},
      {0, body, sizeof body - 1},
      {1, "250 ok\r\n", 0},
      {0, "NOOP  \r\n", 0}, /* trailing blanks on a command */
      {1, "250 ok\r\n", 0},
      {0, "\r\n", 0}, /* an empty command line */
      {1, "500 what\r\n", 0},
      {0, "QUIT", 0}, /* no line end: the stream just stops */
  };
  bool steps = false;
  char *y = roundtrip(v, N(v), MS_PROTO_SMTP, &steps);
  ck_assert(steps);
  ck_assert(strstr(y, "Written in the steps: form because"));
  /* the message, which cannot be a data: block, is one raw: step */
  ck_assert(strstr(y, "raw: 'caf\\xC3\\xA9 utf-8\\r\\nlatin-1 caf\\xE9\\r\\n"
                      "NUL \\x00 inside\\r\\n"));
  ck_assert(strstr(y, "raw: 'QUIT'"));
  free(y);
}
END_TEST

START_TEST(smtp_trailing_blank_data) {
  static const struct piece v[] = {
      {1, "220 mx\r\n", 0}, {0, "DATA\r\n", 0},
      {1, "354 go\r\n", 0}, {0, "format=flowed line \r\n.\r\n", 0},
      {1, "250 ok\r\n", 0},
  };
  bool steps;
  free(roundtrip(v, N(v), MS_PROTO_SMTP, &steps)); /* bytes kept either way */
}
END_TEST

START_TEST(smtp_bdat) {
  static const struct piece v[] = {
      {1, "220 mx\r\n", 0},
      {0, "MAIL FROM:<a>\r\nRCPT TO:<b>\r\n", 0},
      {1, "250 ok\r\n250 ok\r\n", 0},
      {0, "BDAT 19\r\nSubject: x\r\n\r\nbody ", 0},
      {1, "250 2.0.0 19 octets\r\n", 0},
      {0, "BDAT 9 LAST\r\nDATA\r\nend", 0}, /* DATA inside a chunk: octets */
      {1, "250 2.0.0 queued\r\n", 0},
      {0, "QUIT\r\n", 0},
      {1, "221 bye\r\n", 0},
  };
  bool steps;
  struct ms_frames f;
  struct ms_imp_session *s = mk(MS_PROTO_SMTP, v, N(v));
  free(yaml_of(s, &KEEP, &steps, &f));
  size_t chunks = 0, replies = 0;
  for (size_t i = 0; i < f.n; i++) {
    chunks += f.u[i].kind == MS_U_CHUNK;
    replies += f.u[i].kind == MS_U_REPLY;
    if (f.u[i].kind == MS_U_CHUNK)
      ck_assert(f.u[i].complete);
  }
  ck_assert_uint_eq(chunks, 2);
  ck_assert_uint_eq(replies, 6);
  ck_assert(f.pipelined);
  ms_frames_free(&f);
  ms_imp_session_free(s);
  char *y = roundtrip(v, N(v), MS_PROTO_SMTP, &steps);
  ck_assert(strstr(y, "  - C: \"QUIT\"\n  - S: \"221 bye\"\n"));
  free(y);
}
END_TEST

static const struct piece smtp_auth[] = {
    {1, "220 mx\r\n", 0},
    {0, "AUTH PLAIN AHVzZXIAc2VjcmV0\r\n", 0},
    {1, "535 no\r\n", 0},
    {0, "AUTH LOGIN\r\n", 0},
    {1, "334 VXNlcm5hbWU6\r\n", 0},
    {0, "dXNlcg==\r\n", 0},
    {1, "334 UGFzc3dvcmQ6\r\n", 0},
    {0, "c2VjcmV0\r\n", 0},
    {1, "235 ok\r\n", 0},
    {0, "AUTH PLAIN =\r\n", 0}, /* an empty initial response: not secret */
    {1, "503 already\r\n", 0},
    {0, "QUIT\r\n", 0},
    {1, "221 bye\r\n", 0},
};

START_TEST(smtp_auth_kept) {
  bool steps;
  char *y = roundtrip(smtp_auth, N(smtp_auth), MS_PROTO_SMTP, &steps);
  ck_assert(!steps);
  ck_assert(strstr(y, "  S: 334 VXNlcm5hbWU6\n  C: dXNlcg==\n"));
  ck_assert(strstr(y, "AUTH secrets are kept"));
  free(y);
}
END_TEST

START_TEST(smtp_auth_redacted) {
  struct ms_imp_session *s = mk(MS_PROTO_SMTP, smtp_auth, N(smtp_auth));
  struct ms_write_opts o = KEEP;
  o.keep_secrets = false;
  bool steps;
  char *y = yaml_of(s, &o, &steps, NULL);
  ck_assert(!strstr(y, "AHVzZXIAc2VjcmV0"));
  ck_assert(!strstr(y, "dXNlcg=="));
  ck_assert(!strstr(y, "c2VjcmV0"));
  ck_assert(strstr(y, "  C: AUTH PLAIN ${secret1}\n"));
  ck_assert(strstr(y, "  C: ${secret2}\n"));
  ck_assert(strstr(y, "  C: ${secret3}\n"));
  ck_assert(strstr(y, "  C: AUTH PLAIN =\n"));
  ck_assert(strstr(y, "vars:\n  secret1: REDACTED\n  secret2: REDACTED\n"
                      "  secret3: REDACTED\n"));
  ck_assert(strstr(y, "AUTH secrets are redacted"));
  ck_assert(strstr(y, "tags: [imported, redacted]"));
  /* it loads, and -D puts the real secret back on the wire */
  struct ms_diags d = {0};
  struct ms_transcript *t = ms_transcript_parse("r.yaml", y, strlen(y), &d);
  ck_assert_ptr_nonnull(t);
  char n2[] = "secret2", v2[] = "dXNlcg==";
  struct ms_var ov = {n2, v2};
  bool found = false;
  for (size_t i = 0; i < t->sessions[0].nsteps; i++) {
    const struct ms_step *st = &t->sessions[0].steps[i];
    if (st->kind != MS_STEP_SEND || strcmp(st->text, "${secret2}") != 0)
      continue;
    char *w, err[128];
    size_t n;
    ck_assert_int_eq(
        ms_step_wire(st, t->vars, t->nvars, &ov, 1, &w, &n, err, sizeof err),
        0);
    ck_assert_str_eq(w, "dXNlcg==\r\n");
    free(w);
    found = true;
  }
  ck_assert(found);
  ms_transcript_free(t);
  ms_diags_free(&d);
  free(y);
  ms_imp_session_free(s);
}
END_TEST

/* The redacted YAML of V: none of SECRETS in it, NSECRETS counted. */
static void no_secret_in(const struct piece *v, size_t n, enum ms_protocol p,
                         const char *const *secrets, size_t nsecrets,
                         unsigned expect_vars) {
  struct ms_imp_session *s = mk(p, v, n);
  struct ms_write_opts o = KEEP;
  o.keep_secrets = false;
  bool steps;
  struct ms_frames f;
  char *y = yaml_of(s, &o, &steps, &f);
  for (size_t i = 0; i < nsecrets; i++)
    if (strstr(y, secrets[i])) {
      fprintf(stderr, "secret %s in clear:\n%s", secrets[i], y);
      ck_abort();
    }
  char var[32], note[64];
  snprintf(var, sizeof var, "secret%u: REDACTED", expect_vars);
  snprintf(note, sizeof note, "the %u secret%s the client", expect_vars,
           expect_vars > 1 ? "s" : "");
  if (!strstr(y, var) || !strstr(y, note))
    fprintf(stderr, "%s", y);
  ck_assert(strstr(y, var));
  ck_assert(strstr(y, note)); /* the notes count every secret */
  snprintf(var, sizeof var, "secret%u:", expect_vars + 1);
  ck_assert(!strstr(y, var));
  struct ms_diags d = {0};
  struct ms_transcript *t = ms_transcript_parse("r.yaml", y, strlen(y), &d);
  ck_assert_ptr_nonnull(t);
  ms_transcript_free(t);
  ms_diags_free(&d);
  ms_frames_free(&f);
  free(y);
  ms_imp_session_free(s);
}

/* Redaction by position: every client line from AUTH to the final
 * reply, whatever the mechanism (issue 12). */
START_TEST(smtp_auth_any_mechanism) {
  static const struct piece v[] = {
      {1, "220 mx\r\n", 0},
      {0, "EHLO c\r\n", 0},
      {1, "250 AUTH XOAUTH2 NTLM CRAM-MD5 X-UNHEARD\r\n", 0},
      {0, "AUTH XOAUTH2 dXNlcj1hAWF1dGg9QmVhcmVyIHRva2VuAQE=\r\n", 0},
      {1, "334 eyJzdGF0dXMiOiI0MDEifQ==\r\n", 0},
      {0, "\r\n", 0}, /* XOAUTH2's empty answer to the error */
      {1, "535 no\r\n", 0},
      {0, "AUTH NTLM TlRMTVNTUAABAAAAB4IIogAAAAA=\r\n", 0},
      {1, "334 TlRMTVNTUAACAAAADAAMADAAAAA=\r\n", 0},
      {0, "TlRMTVNTUAADAAAAGAAYAEAAAAA=\r\n", 0},
      {1, "235 ok\r\n", 0},
      {0, "AUTH CRAM-MD5\r\n", 0},
      {1, "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+\r\n", 0},
      {0, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n", 0},
      {1, "535 no\r\n", 0},
      {0, "AUTH X-UNHEARD\r\n", 0},
      {1, "334 go on\r\n", 0},
      {0, "not base64 at all, a pass phrase\r\n", 0},
      {1, "334 more\r\n", 0},
      {0, "second secret line\r\n", 0},
      {1, "535 no\r\n", 0},
      {0, "QUIT\r\n", 0},
      {1, "221 bye\r\n", 0},
  };
  static const char *const sec[] = {
      "dXNlcj1hAWF1dGg9QmVhcmVyIHRva2VuAQE=",
      "TlRMTVNTUAABAAAAB4IIogAAAAA=",
      "TlRMTVNTUAADAAAAGAAYAEAAAAA=",
      "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw",
      "pass phrase",
      "second secret"};
  no_secret_in(v, N(v), MS_PROTO_SMTP, sec, N(sec), 6);
}
END_TEST

/* A client that pipelines AUTH LOGIN with both answers, to a server
 * whose EHLO reply never got its final line (suricata-verify
 * smtp-bug-6053): "250-" then "334" is a new reply, and the password
 * line is a secret however the replies fall. */
START_TEST(smtp_auth_pipelined_broken_ehlo) {
  static const struct piece v[] = {
      {1, "220 mx\r\n", 0},
      {0, "EHLO c\r\n", 0},
      {1, "250-mx.example\r\n", 0},
      {0, "AUTH LOGIN\r\ndXNlcm5hbWU=\r\ncGFzc3dvcmQ=\r\n", 0},
      {1, "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n", 0},
      {0, "QUIT\r\n", 0},
      {1, "221 bye\r\n", 0},
  };
  static const char *const sec[] = {"dXNlcm5hbWU=", "cGFzc3dvcmQ="};
  no_secret_in(v, N(v), MS_PROTO_SMTP, sec, N(sec), 2);
  struct ms_imp_session *s = mk(MS_PROTO_SMTP, v, N(v));
  struct ms_frames f;
  ms_import_frame(s, &f);
  /* replies: greeting, the cut 250-, 334, 334, 235, 221 */
  int codes[8], nc = 0;
  for (size_t i = 0; i < f.n && nc < 8; i++)
    if (f.u[i].kind == MS_U_REPLY)
      codes[nc++] = f.u[i].code;
  ck_assert_int_eq(nc, 6);
  ck_assert_int_eq(codes[1], 250);
  ck_assert_int_eq(codes[2], 334);
  ck_assert_int_eq(codes[4], 235);
  ms_frames_free(&f);
  ms_imp_session_free(s);
  /* even with the EHLO reply glued into the greeting, so that 235
   * answers the user line, the password line that follows is no
   * command: secret */
  static const struct piece w[] = {
      {1, "220 mx AAAA250-mx.example\r\n", 0},
      {0, "EHLO c\r\nAUTH LOGIN\r\ndXNlcm5hbWU=\r\ncGFzc3dvcmQ=\r\n", 0},
      {1, "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n", 0},
      {0, "MAIL FROM:<a@b>\r\n", 0},
      {1, "250 ok\r\n", 0},
  };
  no_secret_in(w, N(w), MS_PROTO_SMTP, sec, N(sec), 2);
}
END_TEST

/* PASS and APOP are credentials whatever the server speaks, and a
 * secret cut by the end of the capture is still one. */
START_TEST(secret_any_protocol_and_cut) {
  static const struct piece v[] = {
      {1, "220 mx\r\n", 0},
      {0, "USER bob\r\n", 0},
      {1, "500 what\r\n", 0},
      {0, "PASS hunter22\r\n", 0},
      {1, "500 what\r\n", 0},
      {0, "AUTH PLAIN AGJvYgBzd29yZGZpc2g=", 0}, /* no line end */
  };
  static const char *const sec[] = {"hunter22", "AGJvYgBzd29yZGZpc2g="};
  no_secret_in(v, N(v), MS_PROTO_SMTP, sec, N(sec), 2);
  static const struct piece w[] = {
      {1, "+OK ready\r\n", 0},
      {0, "AUTH PLAIN\r\n", 0},
      {1, "+ \r\n", 0},
      {0, "AGJvYgBzd29yZGZpc2g", 0}, /* cut mid-line */
  };
  static const char *const sw[] = {"AGJvYgBzd29yZGZpc2g"};
  no_secret_in(w, N(w), MS_PROTO_POP3, sw, N(sw), 1);
}
END_TEST

/* An imported STARTTLS is the switch to TLS only when a TLS record
 * follows (arkime smtp-decrypted.pcap: plaintext EHLO after 220). */
START_TEST(smtp_starttls_plaintext_follows) {
  static const struct piece v[] = {
      {1, "220 mx\r\n", 0},       {0, "EHLO c\r\n", 0},
      {1, "250 STARTTLS\r\n", 0}, {0, "STARTTLS\r\n", 0},
      {1, "220 go ahead\r\n", 0}, {0, "EHLO c\r\n", 0},
      {1, "250 mx\r\n", 0},       {0, "QUIT\r\n", 0},
      {1, "221 bye\r\n", 0},
  };
  bool steps;
  char *y = roundtrip(v, N(v), MS_PROTO_SMTP, &steps);
  ck_assert(!strstr(y, "TLS from here on"));
  ck_assert(!strstr(y, "starttls"));
  ck_assert(strstr(y, "  S: 220 go ahead\n  C: EHLO c\n  S: 250 mx\n"));
  free(y);
  /* with the server's side only after it: its bytes tell */
  static const struct piece w[] = {
      {1, "220 mx\r\n", 0},
      {0, "STARTTLS\r\n", 0},
      {1, "220 go ahead\r\n\x16\x03\x03\x00\x02hi", 21},
  };
  y = roundtrip_opts(w, N(w), MS_PROTO_SMTP, &KEEP, 0, &steps);
  ck_assert(strstr(y, "TLS from here on"));
  free(y);
}
END_TEST

/* A client that pipelines CAPA, AUTH, STAT, LIST, UIDL and QUIT to a
 * server whose greeting is not in the capture (suricata-verify
 * pop3-auth-01): every multi-line response with its command. */
START_TEST(pop3_pipelined_no_greeting) {
  static const struct piece v[] = {
      {0,
       "CAPA\r\nAUTH XOAUTH2\r\ndXNlcj1qb2UBYXV0aD1CZWFyZXIgdG9rZW4BAQ==\r\n"
       "STAT\r\nLIST\r\nUIDL\r\nQUIT\r\n",
       0},
      {1,
       "+OK Capability list follows\r\nUSER\r\nSASL PLAIN XOAUTH2\r\n.\r\n"
       "+ \r\n+OK Welcome.\r\n+OK 1 308661\r\n+OK 1 messages\r\n1 308661\r\n"
       ".\r\n+OK\r\n1 GmailId123\r\n.\r\n+OK Farewell.\r\n",
       0},
  };
  struct ms_imp_session *s = mk(MS_PROTO_POP3, v, N(v));
  struct ms_frames f;
  ms_import_frame(s, &f);
  size_t replies = 0, multi = 0, bad = 0;
  for (size_t i = 0; i < f.n; i++)
    if (f.u[i].kind == MS_U_REPLY) {
      replies++;
      multi += f.u[i].multiline;
      bad += f.u[i].code == 0 || f.u[i].answers < 0;
    }
  ck_assert_uint_eq(replies, 7); /* one per client line */
  ck_assert_uint_eq(multi, 3);   /* CAPA, LIST, UIDL */
  ck_assert_uint_eq(bad, 0);
  ms_frames_free(&f);
  ms_imp_session_free(s);
  bool steps;
  char *y = roundtrip(v, N(v), MS_PROTO_POP3, &steps);
  ck_assert(!strstr(y, "no reply code"));
  ck_assert(strstr(y, "  S: +OK 1 messages\n  S: 1 308661\n  S: .\n"));
  free(y);
  static const char *const sec[] = {"dXNlcj1qb2UBYXV0aD1CZWFyZXIgdG9rZW4BAQ=="};
  no_secret_in(v, N(v), MS_PROTO_POP3, sec, N(sec), 1);
}
END_TEST

START_TEST(smtp_starttls) {
  static const struct piece v[] = {
      {1, "220 mx\r\n", 0},
      {0, "EHLO c\r\n", 0},
      {1, "250 STARTTLS\r\n", 0},
      {0, "STARTTLS\r\n", 0},
      {1, "220 go ahead\r\n", 0},
      {0, "\x16\x03\x01\x00\x05hello", 10},
      {1, "\x16\x03\x03\x00\x02hi", 7},
  };
  bool steps;
  char *y = roundtrip_opts(v, N(v), MS_PROTO_SMTP, &KEEP, 18, &steps);
  ck_assert(!steps);
  ck_assert(strstr(y, "  S: 220 go ahead\n  C: <TLS from here on"));
  ck_assert(strstr(y, "the rest of the session (10 client and 7 server "
                      "bytes) is TLS"));
  ck_assert(strstr(y, "tags: [imported, starttls]"));
  free(y);
}
END_TEST

START_TEST(smtp_starttls_refused) {
  static const struct piece v[] = {
      {1, "220 mx\r\n", 0},
      {0, "STARTTLS\r\n", 0},
      {1, "454 TLS not available\r\n", 0},
      {0, "QUIT\r\n", 0},
      {1, "221 bye\r\n", 0},
  };
  bool steps;
  char *y = roundtrip(v, N(v), MS_PROTO_SMTP, &steps);
  ck_assert(!strstr(y, "TLS from here on"));
  ck_assert(strstr(y, "  C: QUIT\n"));
  free(y);
}
END_TEST

START_TEST(smtp_odd_replies) {
  static const struct piece v[] = {
      {1, "220-mx\r\n221 mixed codes\r\n", 0},
      {0, "HELO c\r\n", 0},
      {1, "hello there\r\n", 0}, /* no code at all */
      {0, "QUIT\r\n", 0},
      {1, "221 bye\n", 0}, /* bare LF */
  };
  bool steps = false;
  char *y = roundtrip(v, N(v), MS_PROTO_SMTP, &steps);
  ck_assert(steps);
  ck_assert(strstr(y,
                   "# reply as captured: '220-mx\\r\\n221 mixed codes\\r\\n'\n"
                   "  - expect: \"221\"\n"));
  ck_assert(strstr(y, "# (no reply code in it: nothing can be expected)"));
  ck_assert(strstr(y, "  - expect: \"221\"\n"));
  free(y);
}
END_TEST

START_TEST(smtp_gap) {
  static const struct piece v[] = {
      {1, "220 mx\r\n", 0}, {0, "MAIL FROM:<a>\r\n", 0}, {1, "250 ok\r\n", 0},
      {0, NULL, 12}, /* 12 bytes missing */
      {1, "250 ok\r\n", 0}, {0, "QUIT\r\n", 0},          {1, "221 bye\r\n", 0},
  };
  struct ms_imp_session *s = mk(MS_PROTO_SMTP, v, N(v));
  bool steps;
  char *y = yaml_of(s, &KEEP, &steps, NULL);
  ck_assert(strstr(y, "replayable: false\n"));
  ck_assert(strstr(y, "  C: <gap: 12 bytes sent by the client are missing "
                      "from the capture, frame 4: test gap>\n"));
  ck_assert(strstr(y, "The capture lacks 12 bytes in 1 gap"));
  free(y);
  struct ms_write_opts o = KEEP;
  o.allow_gaps = true;
  y = yaml_of(s, &o, &steps, NULL);
  ck_assert(!strstr(y, "replayable:"));
  ck_assert(strstr(y, "kept replayable (--allow-gaps)"));
  free(y);
  ms_imp_session_free(s);
}
END_TEST

static const struct piece pop3_session[] = {
    {1, "+OK ready <1.2@x>\r\n", 0},
    {0, "CAPA\r\n", 0},
    {1, "+OK list\r\nUSER\r\nSASL PLAIN\r\n.\r\n", 0},
    {0, "AUTH\r\n", 0},
    {1, "+OK\r\nPLAIN\r\n.\r\n", 0},
    {0, "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n", 0},
    {1, "-ERR no\r\n", 0},
    {0, "AUTH PLAIN\r\n", 0},
    {1, "+ \r\n", 0},
    {0, "AHVzZXIAc2VjcmV0\r\n", 0},
    {1, "+OK in\r\n", 0},
    {0, "LIST\r\n", 0},
    {1, "+OK\r\n1 120\r\n.\r\n", 0},
    {0, "LIST 1\r\n", 0},
    {1, "+OK 1 120\r\n", 0},
    {0, "RETR 1\r\n", 0},
    {1, "+OK\r\n..stuffed\r\n+OK not a status\r\n\r\n.\r\n", 0},
    {0, "RETR 2\r\n", 0},
    {1, "-ERR no such message\r\n", 0},
    {0, "PASS two words\r\n", 0},
    {1, "-ERR\r\n", 0},
    {0, "QUIT\r\n", 0},
    {1, "+OK bye\r\n", 0},
};

START_TEST(pop3_framing) {
  bool steps = true;
  struct ms_frames f;
  struct ms_imp_session *s = mk(MS_PROTO_POP3, pop3_session, N(pop3_session));
  free(yaml_of(s, &KEEP, &steps, &f));
  /* one reply per command plus the greeting, multi-line where due */
  size_t replies = 0, multi = 0;
  for (size_t i = 0; i < f.n; i++)
    if (f.u[i].kind == MS_U_REPLY) {
      replies++;
      multi += f.u[i].multiline;
    }
  ck_assert_uint_eq(replies, 12);
  ck_assert_uint_eq(multi, 4);      /* CAPA, bare AUTH, LIST, RETR 1 */
  ck_assert_uint_eq(f.nsecrets, 3); /* APOP digest, SASL line, PASS */
  ms_frames_free(&f);
  ms_imp_session_free(s);
  char *y = roundtrip(pop3_session, N(pop3_session), MS_PROTO_POP3, &steps);
  ck_assert(!steps);
  ck_assert(strstr(y, "  C: LIST 1\n  S: +OK 1 120\n  C: RETR 1\n"));
  ck_assert(strstr(y, "  S: +OK\n  S: ..stuffed\n  S: +OK not a status\n"));
  free(y);
}
END_TEST

START_TEST(pop3_redacted) {
  struct ms_imp_session *s = mk(MS_PROTO_POP3, pop3_session, N(pop3_session));
  struct ms_write_opts o = KEEP;
  o.keep_secrets = false;
  bool steps;
  char *y = yaml_of(s, &o, &steps, NULL);
  if (!strstr(y, "  C: APOP mrose ${secret1}\n"))
    fprintf(stderr, "%s", y);
  ck_assert(strstr(y, "  C: APOP mrose ${secret1}\n"));
  ck_assert(strstr(y, "  C: ${secret2}\n"));
  ck_assert(strstr(y, "  C: PASS ${secret3}\n"));
  ck_assert(!strstr(y, "two words"));
  free(y);
  ms_imp_session_free(s);
}
END_TEST

START_TEST(pop3_stls) {
  static const struct piece v[] = {
      {1, "+OK ready\r\n", 0},
      {0, "STLS\r\n", 0},
      {1, "+OK begin\r\n", 0},
      {0, "\x16\x03\x01", 3},
  };
  bool steps;
  char *y = roundtrip_opts(v, N(v), MS_PROTO_POP3, &KEEP, 6, &steps);
  ck_assert(strstr(y, "  S: +OK begin\n  C: <TLS from here on"));
  free(y);
}
END_TEST

static const struct ms_write_opts STEPS = {
    "test.pcap", NULL, MS_CONV_RFC5321, true, false, true, NULL, false, false};

/* A session around one message BODY (dot-stuffed, ending ".\r\n"). */
static struct ms_imp_session *mk_mail(const char *body, size_t len) {
  struct piece v[] = {
      {1, "220 mx\r\n", 0},  {0, "MAIL FROM:<a@b>\r\n", 0},
      {1, "250 ok\r\n", 0},  {0, "DATA\r\n", 0},
      {1, "354 go\r\n", 0},  {0, body, len},
      {1, "250 ok\r\n", 0},  {0, "QUIT\r\n", 0},
      {1, "221 bye\r\n", 0},
  };
  return mk(MS_PROTO_SMTP, v, N(v));
}

/* Load YAML Y (which must load) and compare what it sends with the
 * client's bytes of S. */
static void loads_and_sends(const char *y, const struct ms_imp_session *s) {
  struct ms_diags d = {0};
  struct ms_transcript *t = ms_transcript_parse("t.yaml", y, strlen(y), &d);
  if (!t || d.nerrors) {
    print_diags(&d, strlen(y) < 4000 ? y : "(long)\n");
    ck_abort_msg("the loader refuses what import wrote");
  }
  struct ms_buf w;
  ms_buf_init(&w, 1u << 26);
  wire_of(t, &w);
  const struct ms_imp_dir *c = &s->d[MS_DIR_C2S];
  ck_assert_uint_eq(w.len, c->len);
  ck_assert(memcmp(w.p, c->p, c->len) == 0);
  ms_buf_free(&w);
  ms_transcript_free(t);
  ms_diags_free(&d);
}

/* Mail data in the steps: form is one data: block per message, byte
 * exact on the wire, whatever its first and last lines look like. */
START_TEST(steps_data_block) {
  static const char *const bodies[] = {
      "Subject: x\r\n\r\nbody\r\n.\r\n",
      "  indented first line\r\nsecond\r\n.\r\n",
      "\r\nblank first line\r\n.\r\n",
      "trailing empty lines\r\n\r\n\r\n.\r\n",
      "..a dot line\r\n..\r\n...two\r\n.\r\n",
      "$5 and ${var} and $$\r\n.\r\n",
      "\ttab first\r\n    \r\ntrailing blanks  \r\n.\r\n",
      "# not a comment\r\n- not a list\r\nkey: not a map\r\n.\r\n",
      ".\r\n",                   /* no body at all */
      "\r\n.\r\n",               /* one empty line: a block cannot say it */
      "\r\n\r\n.\r\n",           /* two can */
      ".undoubled dot\r\n.\r\n", /* a client that did not stuff */
  };
  for (size_t i = 0; i < N(bodies); i++) {
    struct ms_imp_session *s = mk_mail(bodies[i], strlen(bodies[i]));
    bool steps;
    char *y = yaml_of(s, &STEPS, &steps, NULL);
    ck_assert(steps);
    bool block = i != 9 && i != 11;
    if (block != (strstr(y, "  - data: ") != NULL))
      fprintf(stderr, "body %zu:\n%s", i, y);
    ck_assert(block == (strstr(y, "  - data: ") != NULL));
    loads_and_sends(y, s);
    free(y);
    ms_imp_session_free(s);
  }
}
END_TEST

/* `import --steps` of a mail whose header has 100,000 lines loads (one
 * YAML node per line went over the loader's 250,000). */
START_TEST(steps_huge_header_loads) {
  struct ms_buf b;
  ms_buf_init(&b, 1u << 26);
  for (int i = 0; i < 100000; i++) {
    char line[64];
    int n = snprintf(line, sizeof line, "X-Header-%d: value %d\r\n", i, i);
    ck_assert_int_eq(ms_buf_add(&b, line, (size_t)n), 0);
  }
  ck_assert_int_eq(ms_buf_add(&b, "\r\nbody\r\n.\r\n", 11), 0);
  struct ms_imp_session *s = mk_mail(b.p, b.len);
  bool steps;
  char *y = yaml_of(s, &STEPS, &steps, NULL);
  ck_assert(strstr(y, "  - data: |2\n      X-Header-0: value 0\n"));
  loads_and_sends(y, s);
  free(y);
  y = yaml_of(s, &KEEP, &steps, NULL); /* and the script: form */
  ck_assert(!steps);
  loads_and_sends(y, s);
  free(y);
  ms_imp_session_free(s);
  ms_buf_free(&b);
}
END_TEST

/* A session bigger than the loader takes (16 MiB) is cut where it stops
 * fitting; what is written loads, says so, and is not replayable. */
START_TEST(over_loader_limits_cut) {
  size_t n = 18u << 20;
  char *body = malloc(n + 3);
  for (size_t i = 0; i < n; i += 64) {
    memset(body + i, 'a', 62);
    body[i + 62] = '\r';
    body[i + 63] = '\n';
  }
  memcpy(body + n, ".\r\n", 3);
  struct ms_imp_session *s = mk_mail(body, n + 3);
  for (int form = 0; form < 2; form++) {
    bool steps;
    char *y = yaml_of(s, form ? &STEPS : &KEEP, &steps, NULL);
    ck_assert_uint_le(strlen(y), MS_TRANSCRIPT_MAX_BYTES);
    ck_assert(strstr(y, "^replayable: false") ||
              strstr(y, "\nreplayable: false"));
    ck_assert(strstr(y, "The session is cut at frame"));
    ck_assert(strstr(y, "<the rest of the session is not imported"));
    struct ms_diags d = {0};
    struct ms_transcript *t = ms_transcript_parse("t.yaml", y, strlen(y), &d);
    if (!t)
      print_diags(&d, "(long)\n");
    ck_assert_ptr_nonnull(t);
    ms_transcript_free(t);
    ms_diags_free(&d);
    free(y);
  }
  ms_imp_session_free(s);
  free(body);
  /* and one with more steps than YAML nodes allow */
  struct ms_buf b;
  ms_buf_init(&b, 1u << 26);
  ck_assert_int_eq(ms_buf_add(&b, "MAIL FROM:<a@b>\r\n", 17), 0);
  for (int i = 0; i < 90000; i++) {
    char line[64];
    int k = snprintf(line, sizeof line, "RCPT TO:<u%d@b>\r\n", i);
    ck_assert_int_eq(ms_buf_add(&b, line, (size_t)k), 0);
  }
  struct piece v[] = {{1, "220 mx\r\n", 0}, {0, b.p, b.len}};
  s = mk(MS_PROTO_SMTP, v, N(v));
  bool steps;
  char *y = yaml_of(s, &STEPS, &steps, NULL);
  ck_assert(strstr(y, "The session is cut at frame"));
  struct ms_diags d = {0};
  struct ms_transcript *t = ms_transcript_parse("t.yaml", y, strlen(y), &d);
  ck_assert_ptr_nonnull(t);
  ms_transcript_free(t);
  ms_diags_free(&d);
  free(y);
  ms_imp_session_free(s);
  ms_buf_free(&b);
}
END_TEST

/* Nothing a transcript can say (the server's side only, and it is TLS):
 * nothing is written, rather than a steps: list the loader refuses. */
START_TEST(nothing_to_write) {
  static const char tls[] =
      "\x16\x03\x03\x00\x05hello\r\n\x17\x03\x03\x00\x02hi\r\n";
  static const struct piece v[] = {{1, tls, sizeof tls - 1}};
  struct ms_imp_session *s = mk(MS_PROTO_SMTP, v, N(v));
  struct ms_frames f;
  ms_import_frame(s, &f);
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  ck_assert_int_eq(ms_transcript_write(out, s, &f, &STEPS, NULL), 1);
  fclose(out);
  ck_assert_uint_eq(len, 0);
  free(text);
  ms_frames_free(&f);
  ms_imp_session_free(s);
}
END_TEST

/* A client that connected and sent nothing is a session of its own,
 * replayable; a capture without one packet of the client's is not. */
START_TEST(silent_client_vs_absent) {
  static const struct piece v[] = {{1, "+OK POP3 ready\r\n", 0}};
  for (int absent = 0; absent < 2; absent++) {
    struct ms_imp_session *s = mk(MS_PROTO_POP3, v, N(v));
    s->st.dir_segments[MS_DIR_S2C] = 2;
    s->st.dir_segments[MS_DIR_C2S] = absent ? 0 : 3; /* its SYN, ACKs, FIN */
    bool steps;
    char *y = yaml_of(s, &KEEP, &steps, NULL);
    if (absent) {
      ck_assert(strstr(y, "\nreplayable: false\n"));
      ck_assert(strstr(y, "only the server's side"));
    } else {
      ck_assert(!strstr(y, "replayable: false"));
      ck_assert(strstr(y, "The client sent nothing"));
      ck_assert(!strstr(y, "only the server's side"));
    }
    free(y);
    ms_imp_session_free(s);
  }
}
END_TEST

/* For replay: secrets named uniquely, their values and the packet of
 * each line handed back. */
START_TEST(replay_info) {
  struct ms_imp_session *s = mk(MS_PROTO_SMTP, smtp_auth, N(smtp_auth));
  struct ms_frames f;
  ms_import_frame(s, &f);
  struct ms_write_opts o = KEEP;
  o.keep_secrets = false;
  o.secret_suffix = "_s7";
  o.secret_values = true;
  o.line_frames = true;
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  struct ms_write_result r;
  ck_assert_int_eq(ms_transcript_write(out, s, &f, &o, &r), 0);
  fclose(out);
  ck_assert(strstr(text, "  C: AUTH PLAIN ${secret1_s7}\n"));
  ck_assert(strstr(text, "  secret3_s7: REDACTED\n"));
  ck_assert_uint_eq(r.nsecrets, 3);
  ck_assert_str_eq(r.secrets[0].name, "secret1_s7");
  ck_assert_str_eq(r.secrets[0].value, "AHVzZXIAc2VjcmV0");
  ck_assert_str_eq(r.secrets[2].value, "c2VjcmV0");
  /* the line of "S: 334 UGFzc3dvcmQ6" came with piece 7 (frame 7) */
  size_t line = 1;
  const char *at = strstr(text, "  S: 334 UGFzc3dvcmQ6\n");
  ck_assert_ptr_nonnull(at);
  for (const char *p = text; p < at; p++)
    line += *p == '\n';
  ck_assert_uint_ge(r.nlines, line);
  ck_assert_uint_eq(r.frames[line - 1], 7);
  ck_assert_uint_eq(r.frames[0], 0); /* a header line */
  ms_write_result_free(&r);
  free(text);
  ms_frames_free(&f);
  ms_imp_session_free(s);
}
END_TEST

/* The live view (-v) shows the transcript's own roles: an imported
 * transcript (C:/S:) is not shown as S:/R:, where S: is the other side. */
START_TEST(live_view_roles) {
  static const struct {
    enum ms_convention conv;
    enum ms_protocol proto;
    const char *want;
  } c[] = {
      {MS_CONV_RFC5321, MS_PROTO_SMTP, "C: EHLO x\nS: 250 ok\n"},
      {MS_CONV_RFC821, MS_PROTO_SMTP, "S: EHLO x\nR: 250 ok\n"},
      {MS_CONV_NONE, MS_PROTO_SMTP, "S: EHLO x\nR: 250 ok\n"},
      {MS_CONV_NONE, MS_PROTO_POP3, "C: EHLO x\nS: 250 ok\n"},
      {MS_CONV_RFC5321, MS_PROTO_POP3, "C: EHLO x\nS: 250 ok\n"},
  };
  char line[] = "250 ok";
  char *lines[] = {line};
  size_t lens[] = {6};
  struct ms_reply r = {250, lines, lens, 1, 0, 8, false};
  for (size_t i = 0; i < N(c); i++) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct ms_live l = {f, false, c[i].proto, NULL, NULL, c[i].conv};
    ms_engine_live_client(&l, "EHLO x\r\n", 8);
    ms_engine_live_server(&l, &r, MS_PASS);
    fclose(f);
    ck_assert_str_eq(text, c[i].want);
    free(text);
  }
}
END_TEST

START_TEST(one_sided) {
  static const struct piece v[] = {
      {0, "EHLO c\r\n", 0}, {0, "MAIL FROM:<a>\r\n", 0},
      {0, "DATA\r\n", 0},   {0, "Subject: one-sided\r\n.\r\n", 0},
      {0, "QUIT\r\n", 0},
  };
  bool steps;
  struct ms_frames f;
  struct ms_imp_session *s = mk(MS_PROTO_SMTP, v, N(v));
  char *y = yaml_of(s, &KEEP, &steps, &f);
  ck_assert(f.one_sided);
  ck_assert(strstr(y, "only the client's side"));
  size_t data = 0;
  for (size_t i = 0; i < f.n; i++)
    data += f.u[i].kind == MS_U_DATA; /* DATA without a reply: body */
  ck_assert_uint_eq(data, 1);
  ms_frames_free(&f);
  free(y);
  ms_imp_session_free(s);
  free(roundtrip(v, N(v), MS_PROTO_SMTP, &steps));
}
END_TEST

START_TEST(layout_reply_after_command) {
  /* the capture shows the reply before the command (clock skew) */
  struct ms_imp_session *s = mk(MS_PROTO_SMTP, NULL, 0);
  ms_imp_dir_add(&s->d[1], (const unsigned char *)"220 hi\r\n", 8, 1);
  ms_imp_dir_add(&s->d[1], (const unsigned char *)"250 ok\r\n", 8, 2);
  ms_imp_dir_add(&s->d[0], (const unsigned char *)"NOOP\r\n", 6, 3);
  struct ms_frames f;
  ms_import_frame(s, &f);
  ck_assert_uint_eq(f.n, 3);
  ck_assert_int_eq(f.u[0].kind, MS_U_REPLY);
  ck_assert_int_eq(f.u[1].kind, MS_U_LINE);
  ck_assert_int_eq(f.u[2].kind, MS_U_REPLY);
  ck_assert_int_eq(f.u[2].answers, 1);
  ms_frames_free(&f);
  ms_imp_session_free(s);
}
END_TEST

START_TEST(detect) {
  enum ms_protocol p;
  bool swap;
#define DP(c, s, fin, port)                                                    \
  ms_import_detect((const unsigned char *)(c), strlen(c),                      \
                   (const unsigned char *)(s), strlen(s), fin, port, &p,       \
                   &swap)
#define D(c, s, fin) DP(c, s, fin, -1)
  ck_assert_int_eq(D("EHLO x\r\n", "220 mx ESMTP\r\n", false), 1);
  ck_assert_int_eq(p, MS_PROTO_SMTP);
  ck_assert(!swap);
  ck_assert_int_eq(D("220 mx ESMTP\r\n", "EHLO x\r\n", false), 1);
  ck_assert(swap); /* the roles were guessed the wrong way round */
  ck_assert_int_eq(D("USER a\r\n", "+OK ready\r\n", false), 1);
  ck_assert_int_eq(p, MS_PROTO_POP3);
  ck_assert_int_eq(D("GET / HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", false), 0);
  ck_assert_int_eq(D("EHLO x\r\n", "+OK\r\n", false), 0); /* contradiction */
  ck_assert_int_eq(D("", "", false), -1);
  ck_assert_int_eq(D("", "", true), 0);
  ck_assert_int_eq(D("EHL", "", false), -1);
  /* Greeting-shaped bytes are not enough: the client must speak too
   * (zeek ftp-password-pass-command.pcap, redis-50-pings.pcap). */
  ck_assert_int_eq(D("", "220 FileZilla Server\r\n", false), -1);
  ck_assert_int_eq(D("USER Admin\r\n", "220 FileZilla Server\r\n", false), 0);
  ck_assert_int_eq(D("SYST\r\n", "220 ftp.NetBSD.org FTP\r\n", false), 0);
  ck_assert_int_eq(D("*2\r\n$4\r\nAUTH\r\n", "+OK\r\n+PONG\r\n", false), 0);
  ck_assert_int_eq(D("", "+OK POP3\r\n", true), 0); /* nobody asked */
  /* a verb of both protocols (and FTP's: AUTH TLS, QUIT) off the mail
   * ports is not enough (nDPI ftp-start-tls.pcap); on them it is */
  ck_assert_int_eq(
      D("AUTH TLS\r\n", "220 (vsFTPd 3.0.3)\r\n234 Proceed\r\n", false), 0);
  ck_assert_int_eq(D("AUTH TLS\r\n", "220 (vsFTPd 3.0.3)\r\n", false), -1);
  ck_assert_int_eq(D("AUTH TLS\r\n", "220 (vsFTPd 3.0.3)\r\n", true), 0);
  ck_assert_int_eq(DP("AUTH TLS\r\n", "220 mx\r\n", false, 0), 1);
  /* ... unless the reply fits the command in SMTP (RFC 5321 §4.3.2):
   * RFC 821's connection-closing example on the reference server's port */
  ck_assert_int_eq(D("QUIT\r\n", "220-BBN\r\n220 BBN\r\n221 bye\r\n", false),
                   1);
  ck_assert_int_eq(p, MS_PROTO_SMTP);
  ck_assert_int_eq(D("QUIT\r\n", "+OK POP3\r\n+OK bye\r\n", true), 0);
  ck_assert_int_eq(DP("*1\r\n$4\r\nPING\r\n", "+PONG\r\n", true, 1), 0);
  /* On a mail port the server's side is enough when the client said
   * nothing, or nothing of any text protocol. */
  ck_assert_int_eq(DP("", "+OK POP3 ready\r\n", true, MS_PROTO_POP3), 1);
  ck_assert_int_eq(p, MS_PROTO_POP3);
  ck_assert_int_eq(DP("", "+OK POP3 ready\r\n", false, MS_PROTO_POP3), -1);
  ck_assert_int_eq(DP("\x16\x03\x01\x02\r\n", "220 mx\r\n", true, 0), 1);
  ck_assert_int_eq(DP("QUIT\r\n", "", true, MS_PROTO_SMTP), 1); /* either */
  ck_assert_int_eq(p, MS_PROTO_SMTP);
  ck_assert_int_eq(D("QUIT\r\n", "", true), 0);
  ck_assert_int_eq(D("HELO x\nDATA\n", "", true), 1); /* the client alone */
  ck_assert_int_eq(D("HELO x\nDATA\n", "", false), -1);
  /* begun mid-session: a reply, then commands */
  ck_assert_int_eq(D("RCPT TO:<b@y>\r\n", "250 2.1.5 Ok\r\n", false), 1);
  ck_assert_int_eq(DP("\x16\x03\x01", "\x16\x03\x03", true, 0), 0); /* TLS */
#undef D
#undef DP
}
END_TEST

START_TEST(dir_store) {
  struct ms_imp_dir d;
  ms_imp_dir_init(&d, 10);
  ms_imp_dir_add(&d, (const unsigned char *)"abcd", 4, 7);
  ms_imp_dir_add(&d, (const unsigned char *)"efgh", 4, 9);
  ms_imp_dir_gap(&d, 5, 10, "x");
  ms_imp_dir_gap(&d, 5, 11, "x"); /* adjacent: one gap */
  ms_imp_dir_add(&d, (const unsigned char *)"ijklmnop", 8, 12);
  ck_assert_uint_eq(d.len, 10); /* bounded */
  ck_assert_uint_eq(d.dropped, 6);
  ck_assert_uint_eq(d.ngaps, 1);
  ck_assert_uint_eq(d.gaps[0].len, 10);
  ck_assert_uint_eq(ms_imp_dir_frame(&d, 4), 7);
  ck_assert_uint_eq(ms_imp_dir_frame(&d, 5), 9);
  ck_assert_uint_eq(ms_imp_dir_frame(&d, 10), 12);
  ms_imp_dir_free(&d);
}
END_TEST

/* ---- the importer end to end: writer thread against inline writing ---- */

/* One TCP connection of the synthetic captures below (RAW IPv4). */
struct tflow {
  uint16_t cport;
  uint32_t seq[2];
};

#define T_FIN 0x01
#define T_SYN 0x02
#define T_PSH 0x08
#define T_ACK 0x10

static void put16(unsigned char *p, unsigned v) {
  p[0] = (unsigned char)(v >> 8);
  p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v & 0xFFFFu);
}

static void tpkt(struct ms_importer *im, uint64_t *frame, struct tflow *f,
                 int dir, unsigned flags, const char *data) {
  static const unsigned char cl[4] = {10, 0, 0, 1}, sv[4] = {10, 0, 0, 2};
  unsigned char b[1500] = {0};
  size_t dl = data ? strlen(data) : 0;
  ck_assert_uint_le(dl, sizeof b - 40);
  b[0] = 0x45;
  put16(b + 2, (unsigned)(40 + dl));
  b[6] = 0x40; /* DF */
  b[8] = 64;
  b[9] = 6;
  memcpy(b + 12, dir == 0 ? cl : sv, 4);
  memcpy(b + 16, dir == 0 ? sv : cl, 4);
  unsigned char *t = b + 20;
  put16(t, dir == 0 ? f->cport : 25);
  put16(t + 2, dir == 0 ? 25 : f->cport);
  put32(t + 4, f->seq[dir]);
  put32(t + 8, f->seq[1 - dir]);
  t[12] = 0x50;
  t[13] = (unsigned char)flags;
  put16(t + 14, 0xFFFF);
  if (dl)
    memcpy(t + 20, data, dl);
  f->seq[dir] += (uint32_t)dl + ((flags & (T_SYN | T_FIN)) ? 1 : 0);
  ++*frame;
  ms_importer_packet(im, MS_LT_RAW, b, (uint32_t)(40 + dl), *frame,
                     *frame * 1000000u);
}

/* Step K of SMTP session I (false when past its end): a mail of I * 40
 * body lines, so that sessions take the writer different times. */
static bool tstep(struct ms_importer *im, uint64_t *frame, struct tflow *f,
                  unsigned i, unsigned k) {
  static const struct {
    int dir;
    unsigned flags;
    const char *data;
  } d[] = {{0, T_SYN, NULL},
           {1, T_SYN | T_ACK, NULL},
           {0, T_ACK, NULL},
           {1, T_PSH | T_ACK, "220 t.example ESMTP\r\n"},
           {0, T_PSH | T_ACK, "EHLO c.example\r\n"},
           {1, T_PSH | T_ACK, "250 t.example\r\n"},
           {0, T_PSH | T_ACK, "MAIL FROM:<a@c.example>\r\n"},
           {1, T_PSH | T_ACK, "250 2.1.0 Ok\r\n"},
           {0, T_PSH | T_ACK, "RCPT TO:<b@t.example>\r\n"},
           {1, T_PSH | T_ACK, "250 2.1.5 Ok\r\n"},
           {0, T_PSH | T_ACK, "DATA\r\n"},
           {1, T_PSH | T_ACK, "354 go ahead\r\n"},
           {0, T_PSH | T_ACK, NULL}, /* the body */
           {0, T_PSH | T_ACK, ".\r\n"},
           {1, T_PSH | T_ACK, "250 2.0.0 queued\r\n"},
           {0, T_PSH | T_ACK, "QUIT\r\n"},
           {1, T_PSH | T_ACK, "221 2.0.0 bye\r\n"},
           {1, T_FIN | T_ACK, NULL},
           {0, T_FIN | T_ACK, NULL},
           {1, T_ACK, NULL}};
  if (k >= sizeof d / sizeof d[0])
    return false;
  if (k == 12) {
    for (unsigned l = 0; l < i * 40; l++) {
      char line[96];
      snprintf(line, sizeof line, "Line %u of mail %u: %s\r\n", l, i,
               l % 7 ? "some text" : ".leading dot and \x01 control");
      tpkt(im, frame, f, 0, T_PSH | T_ACK, line);
    }
    return true;
  }
  tpkt(im, frame, f, d[k].dir, d[k].flags, d[k].data);
  return true;
}

/* N sessions, GROUP open at a time, packets interleaved round robin. */
static void tcapture(struct ms_importer *im, unsigned n, unsigned group) {
  uint64_t frame = 0;
  for (unsigned g = 0; g < n; g += group) {
    struct tflow f[16];
    ck_assert_uint_le(group, 16);
    for (unsigned i = 0; i < group; i++)
      f[i] = (struct tflow){(uint16_t)(40000 + g + i), {1000u * (g + i), 7}};
    for (unsigned k = 0;; k++) {
      bool any = false;
      for (unsigned i = 0; i < group && g + i < n; i++)
        any = tstep(im, &frame, &f[i], g + i, k) || any;
      if (!any)
        break;
    }
  }
}

struct trun {
  char dir[64];
  char *log;
  size_t loglen;
  char *paths[128]; /* written callbacks, in order (names only) */
  size_t npaths;
  bool other_thread; /* a callback came from another thread */
  pthread_t self;
  struct ms_import_counts n;
};

static void trun_written(void *ctx, const struct ms_import_written *w) {
  const char *path = w->path;
  struct trun *r = ctx;
  if (!pthread_equal(pthread_self(), r->self))
    r->other_thread = true;
  ck_assert_uint_lt(r->npaths, 128);
  const char *b = strrchr(path, '/');
  r->paths[r->npaths++] = strdup(b ? b + 1 : path);
}

/* Import two captures of N sessions with the same name, writing inline
 * or on the writer thread.  OBSTACLES: directories where two of the
 * files go, so that writing them fails. */
static void trun_do(struct trun *r, bool inline_write, size_t max_stored,
                    unsigned n, bool obstacles) {
  memset(r, 0, sizeof *r);
  snprintf(r->dir, sizeof r->dir, "/tmp/check_import.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(r->dir));
  if (obstacles) {
    char p[128];
    snprintf(p, sizeof p, "%s/.unit-0003.yaml.tmp", r->dir);
    ck_assert_int_eq(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/unit-2-0005.yaml", r->dir);
    ck_assert_int_eq(mkdir(p, 0700), 0);
    /* left by a crash, or planted: replaced, never written through */
    snprintf(p, sizeof p, "%s/.unit-0001.yaml.tmp", r->dir);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs("stale\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/.unit-0002.yaml.tmp", r->dir);
    ck_assert_int_eq(symlink("victim", p), 0);
    snprintf(p, sizeof p, "%s/victim", r->dir);
    f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs("untouched\n", f);
    fclose(f);
  }
  r->self = pthread_self();
  FILE *log = open_memstream(&r->log, &r->loglen);
  struct ms_import_opts o = {0};
  o.outdir = r->dir;
  o.verbosity = -1;
  o.log = log;
  o.written = trun_written;
  o.written_ctx = r;
  o.inline_write = inline_write;
  o.max_stored_bytes = max_stored;
  struct ms_importer *im = ms_importer_new(&o);
  ms_importer_begin(im, "x/unit.pcap", NULL);
  tcapture(im, n, 4);
  ms_importer_end(im);
  ms_importer_begin(im, "y/unit.pcap", NULL); /* base unit-2 */
  tcapture(im, n, 3);
  ms_importer_end(im);
  r->n = *ms_importer_counts(im);
  ms_importer_free(im);
  fclose(log);
}

static char *tslurp(const char *dir, const char *name) {
  char p[256];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "rb");
  ck_assert_msg(f != NULL, "%s missing", p);
  char *text = NULL;
  size_t cap = 0;
  FILE *m = open_memstream(&text, &cap);
  int c;
  while ((c = getc(f)) != EOF)
    putc(c, m);
  fclose(m);
  fclose(f);
  return text;
}

static size_t tcount_files(const char *dir) {
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

static void trun_free(struct trun *r) {
  DIR *d = opendir(r->dir);
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    char p[sizeof r->dir + sizeof e->d_name + 1];
    snprintf(p, sizeof p, "%s/%s", r->dir, e->d_name);
    if (unlink(p) != 0)
      rmdir(p);
  }
  if (d)
    closedir(d);
  rmdir(r->dir);
  for (size_t i = 0; i < r->npaths; i++)
    free(r->paths[i]);
  free(r->log);
}

/* TEXT with DIR written "DIR" (caller frees). */
static char *tundir(const char *text, const char *dir) {
  char *out = NULL;
  size_t cap = 0, n = strlen(dir);
  FILE *m = open_memstream(&out, &cap);
  for (const char *p = text; *p;)
    if (strncmp(p, dir, n) == 0) {
      fputs("DIR", m);
      p += n;
    } else {
      putc(*p++, m);
    }
  fclose(m);
  return out;
}

/* Both runs said and wrote the same, in the same order. */
static void trun_same(const struct trun *a, const struct trun *b) {
  ck_assert_mem_eq(&a->n, &b->n, sizeof a->n);
  /* messages name files in the run's own directory */
  char *la = tundir(a->log, a->dir), *lb = tundir(b->log, b->dir);
  ck_assert_str_eq(la, lb);
  free(la);
  free(lb);
  ck_assert_uint_eq(a->npaths, b->npaths);
  for (size_t i = 0; i < a->npaths; i++) {
    ck_assert_str_eq(a->paths[i], b->paths[i]);
    char *ta = tslurp(a->dir, a->paths[i]), *tb = tslurp(b->dir, b->paths[i]);
    ck_assert_str_eq(ta, tb);
    free(ta);
    free(tb);
  }
  ck_assert_uint_eq(tcount_files(a->dir), tcount_files(b->dir));
}

START_TEST(writer_thread_same_as_inline) {
  struct trun a, b;
  trun_do(&a, true, 0, 30, true);
  trun_do(&b, false, 0, 30, true);
  ck_assert(!a.other_thread);
  ck_assert(!b.other_thread); /* callbacks on the importer's thread */
  ck_assert_uint_eq(b.n.sessions, 60);
  ck_assert_uint_eq(b.n.written, 58);
  ck_assert_uint_eq(b.n.failed, 2);
  ck_assert_uint_eq(b.npaths, 58);
  /* in the order the sessions closed: the first capture, then the other */
  ck_assert_str_eq(b.paths[0], "unit-0000.yaml");
  ck_assert_str_eq(b.paths[3], "unit-0004.yaml"); /* 0003 failed */
  ck_assert_str_eq(b.paths[29], "unit-2-0000.yaml");
  ck_assert_str_eq(b.paths[57], "unit-2-0029.yaml");
  for (size_t i = 1; i < b.npaths; i++)
    ck_assert_str_lt(b.paths[i - 1], b.paths[i]);
  /* the failures, reported in order, once each */
  char want[512];
  snprintf(want, sizeof want,
           "mailspec import: %s/.unit-0003.yaml.tmp: File exists\n"
           "mailspec import: %s/unit-2-0005.yaml: cannot write: Is a "
           "directory\n",
           b.dir, b.dir);
  ck_assert_str_eq(b.log, want);
  char *v = tslurp(b.dir, "victim");
  ck_assert_str_eq(v, "untouched\n");
  free(v);
  v = tslurp(b.dir, "unit-0001.yaml");
  ck_assert_ptr_nonnull(strstr(v, "script:"));
  free(v);
  trun_same(&a, &b);
  trun_free(&a);
  trun_free(&b);
}
END_TEST

/* With a tight max_stored_bytes the sessions cut are the same: queued
 * sessions count until written, and the importer waits for the writer
 * rather than cut a session because the writer was slow. */
START_TEST(writer_thread_store_limit) {
  struct trun a, b;
  trun_do(&a, true, 30000, 24, false);
  trun_do(&b, false, 30000, 24, false);
  ck_assert_uint_gt(b.n.over_limit, 0);
  ck_assert_uint_lt(b.n.over_limit, 48);
  ck_assert_uint_eq(b.n.written, 48);
  ck_assert_str_eq(b.log, "");
  trun_same(&a, &b);
  trun_free(&a);
  trun_free(&b);
}
END_TEST

Suite *make_import_suite(void);
Suite *make_import_suite(void) {
  Suite *s = suite_create("import");
  TCase *t = tcase_create("import");
  tcase_add_test(t, smtp_script_form);
  tcase_add_test(t, smtp_rfc821_convention);
  tcase_add_test(t, smtp_forced_steps);
  tcase_add_test(t, smtp_pipelined);
  tcase_add_test(t, smtp_body_before_354);
  tcase_add_test(t, smtp_awkward_bytes);
  tcase_add_test(t, smtp_trailing_blank_data);
  tcase_add_test(t, smtp_bdat);
  tcase_add_test(t, smtp_auth_kept);
  tcase_add_test(t, smtp_auth_redacted);
  tcase_add_test(t, smtp_auth_any_mechanism);
  tcase_add_test(t, smtp_auth_pipelined_broken_ehlo);
  tcase_add_test(t, secret_any_protocol_and_cut);
  tcase_add_test(t, smtp_starttls_plaintext_follows);
  tcase_add_test(t, pop3_pipelined_no_greeting);
  tcase_add_test(t, steps_data_block);
  tcase_add_test(t, nothing_to_write);
  tcase_add_test(t, silent_client_vs_absent);
  tcase_add_test(t, replay_info);
  tcase_add_test(t, live_view_roles);
  tcase_add_test(t, smtp_starttls);
  tcase_add_test(t, smtp_starttls_refused);
  tcase_add_test(t, smtp_odd_replies);
  tcase_add_test(t, smtp_gap);
  tcase_add_test(t, pop3_framing);
  tcase_add_test(t, pop3_redacted);
  tcase_add_test(t, pop3_stls);
  tcase_add_test(t, one_sided);
  tcase_add_test(t, layout_reply_after_command);
  tcase_add_test(t, detect);
  tcase_add_test(t, dir_store);
  suite_add_tcase(s, t);
  /* big sessions and the writer thread: seconds, minutes under ASan */
  TCase *slow = tcase_create("import-big");
  tcase_set_timeout(slow, 300);
  tcase_add_test(slow, steps_huge_header_loads);
  tcase_add_test(slow, over_loader_limits_cut);
  tcase_add_test(slow, writer_thread_same_as_inline);
  tcase_add_test(slow, writer_thread_store_limit);
  suite_add_tcase(s, slow);
  return s;
}
