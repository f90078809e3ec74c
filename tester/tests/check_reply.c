/* Unit tests for reply.c: framing, split reads, violations, bounds, and
 * the EHLO/CAPA extraction of proto_smtp.c/proto_pop3.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "buf.h"
#include "mailspec/reply.h"
#include "util.h"

#define S(lit) (lit), (sizeof(lit) - 1)

/* ---- helpers --------------------------------------------------------- */

/* One reply rendered canonically, for comparing different splits. */
static void render(struct ms_buf *b, const struct ms_reply *r, int st) {
  char *j = ms_reply_join(r);
  ms_buf_addf(b, "[st=%d code=%d v=%#x wire=%zu multi=%d n=%zu]%s\n", st,
              r->code, r->violations, r->wire_bytes, r->multiline, r->nlines,
              j);
  for (size_t i = 0; i < r->nlines; i++)
    ms_buf_addf(b, "(%zu)", r->lens[i]);
  free(j);
}

/* Feed STREAM to a fresh reader in chunks given by NEXT (returns the
 * next chunk size); MULTI[i] is passed for reply i (POP3).  Ends with
 * EOF.  Returns the rendering of every reply; an ERROR stops it. */
typedef size_t (*chunker)(size_t off, size_t left, unsigned *state);

static char *run(enum ms_protocol proto, const bool *multi, size_t nmulti,
                 const char *stream, size_t len, chunker next, unsigned seed) {
  struct ms_reader *rd = ms_reader_new(proto, NULL);
  struct ms_buf out;
  ms_buf_init(&out, 0);
  size_t off = 0, nrep = 0;
  unsigned state = seed;
  ms_reader_expect_multiline(rd, nmulti > 0 && multi[0]);
  size_t chunk_end = off;
  enum ms_read_status st = MS_READ_MORE;
  while (off < len) {
    if (off >= chunk_end)
      chunk_end = off + next(off, len - off, &state);
    if (chunk_end > len)
      chunk_end = len;
    size_t used = 99999;
    st = ms_reader_feed(rd, stream + off, chunk_end - off, &used);
    ck_assert_uint_le(used, chunk_end - off);
    off += used;
    if (st == MS_READ_MORE) {
      ck_assert_uint_eq(off, chunk_end); /* MORE consumes everything */
      continue;
    }
    struct ms_reply r;
    ms_reader_take(rd, &r);
    render(&out, &r, st);
    ms_reply_free(&r);
    nrep++;
    ms_reader_expect_multiline(rd, nrep < nmulti && multi[nrep]);
    if (st == MS_READ_ERROR)
      break;
  }
  if (st != MS_READ_ERROR && ms_reader_eof(rd) == MS_READ_DONE) {
    struct ms_reply r;
    ms_reader_take(rd, &r);
    render(&out, &r, MS_READ_DONE);
    ms_reply_free(&r);
  }
  ms_reader_free(rd);
  return ms_buf_steal(&out, NULL);
}

static size_t all_at_once(size_t off, size_t left, unsigned *st) {
  (void)off;
  (void)st;
  return left;
}
static size_t byte_by_byte(size_t off, size_t left, unsigned *st) {
  (void)off;
  (void)left;
  (void)st;
  return 1;
}
/* Split once at *ST, then everything. */
static size_t split_at(size_t off, size_t left, unsigned *st) {
  return off < *st ? *st - off : left;
}
/* Deterministic pseudo-random chunks of 1..17 bytes. */
static size_t random_chunks(size_t off, size_t left, unsigned *st) {
  (void)off;
  (void)left;
  *st = *st * 1103515245u + 12345u;
  return 1 + (*st >> 16) % 17;
}

/* Every way of splitting STREAM gives the same replies. */
static void same_for_every_split(enum ms_protocol proto, const bool *multi,
                                 size_t nmulti, const char *s, size_t len) {
  char *ref = run(proto, multi, nmulti, s, len, all_at_once, 0);
  char *b = run(proto, multi, nmulti, s, len, byte_by_byte, 0);
  ck_assert_str_eq(b, ref);
  free(b);
  for (unsigned at = 1; at < len; at++) {
    char *x = run(proto, multi, nmulti, s, len, split_at, at);
    if (strcmp(x, ref) != 0)
      ck_abort_msg("split at %u differs:\n%s\nvs\n%s", at, x, ref);
    free(x);
  }
  for (unsigned seed = 1; seed <= 50; seed++) {
    char *x = run(proto, multi, nmulti, s, len, random_chunks, seed);
    ck_assert_str_eq(x, ref);
    free(x);
  }
  free(ref);
}

/* Read exactly one reply from S (all at once, then EOF if needed). */
static enum ms_read_status read1(enum ms_protocol proto, bool multi,
                                 const char *s, size_t len,
                                 struct ms_reply *out, size_t *used) {
  struct ms_reader *rd = ms_reader_new(proto, NULL);
  ms_reader_expect_multiline(rd, multi);
  enum ms_read_status st = ms_reader_feed(rd, s, len, used);
  if (st == MS_READ_MORE)
    st = ms_reader_eof(rd);
  ms_reader_take(rd, out);
  ms_reader_free(rd);
  return st;
}

static struct ms_reply smtp1(const char *s, size_t len) {
  struct ms_reply r;
  size_t used;
  ck_assert_int_eq(read1(MS_PROTO_SMTP, false, s, len, &r, &used),
                   MS_READ_DONE);
  return r;
}

static struct ms_reply pop1(bool multi, const char *s, size_t len) {
  struct ms_reply r;
  size_t used;
  ck_assert_int_eq(read1(MS_PROTO_POP3, multi, s, len, &r, &used),
                   MS_READ_DONE);
  return r;
}

/* ---- SMTP framing ---------------------------------------------------- */

START_TEST(test_smtp_single) {
  struct ms_reader *rd = ms_reader_new(MS_PROTO_SMTP, NULL);
  size_t used;
  ck_assert(!ms_reader_pending(rd));
  ck_assert_int_eq(ms_reader_feed(rd, S("250 OK\r\n"), &used), MS_READ_DONE);
  ck_assert_uint_eq(used, 8);
  ck_assert(!ms_reader_pending(rd));
  struct ms_reply r;
  ms_reader_take(rd, &r);
  ck_assert_int_eq(r.code, 250);
  ck_assert_uint_eq(r.nlines, 1);
  ck_assert_str_eq(r.lines[0], "250 OK");
  ck_assert_uint_eq(r.lens[0], 6);
  ck_assert_uint_eq(r.violations, 0);
  ck_assert_uint_eq(r.wire_bytes, 8);
  ck_assert(!r.multiline);
  ms_reply_free(&r);
  ms_reader_free(rd);
}
END_TEST

START_TEST(test_smtp_bare_code) {
  struct ms_reply r = smtp1(S("354\r\n"));
  ck_assert_int_eq(r.code, 354);
  ck_assert_uint_eq(r.violations, 0);
  ms_reply_free(&r);
}
END_TEST

START_TEST(test_smtp_multiline) {
  struct ms_reader *rd = ms_reader_new(MS_PROTO_SMTP, NULL);
  size_t used;
  ck_assert_int_eq(
      ms_reader_feed(rd, S("250-mx.example\r\n250-SIZE\r\n"), &used),
      MS_READ_MORE);
  ck_assert_uint_eq(used, 26);
  ck_assert(ms_reader_pending(rd));
  ck_assert_int_eq(ms_reader_feed(rd, S("250 HELP\r\n"), &used), MS_READ_DONE);
  struct ms_reply r;
  ms_reader_take(rd, &r);
  ck_assert_int_eq(r.code, 250);
  ck_assert_uint_eq(r.nlines, 3);
  ck_assert_str_eq(r.lines[0], "250-mx.example");
  ck_assert_str_eq(r.lines[1], "250-SIZE");
  ck_assert_str_eq(r.lines[2], "250 HELP");
  ck_assert(r.multiline);
  ck_assert_uint_eq(r.violations, 0);
  ck_assert_uint_eq(r.wire_bytes, 36);
  char *j = ms_reply_join(&r);
  ck_assert_str_eq(j, "250-mx.example\n250-SIZE\n250 HELP");
  free(j);
  ms_reply_free(&r);
  ms_reader_free(rd);
}
END_TEST

START_TEST(test_smtp_several_in_one_chunk) {
  static const char s[] = "220 hi\r\n250 ok\r\n250-a\r\n250 b\r\n221";
  struct ms_reader *rd = ms_reader_new(MS_PROTO_SMTP, NULL);
  size_t off = 0, used, total = 0;
  int codes[4];
  size_t lines[4];
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(ms_reader_feed(rd, s + off, sizeof s - 1 - off, &used),
                     MS_READ_DONE);
    off += used;
    /* DONE again without take: nothing consumed */
    ck_assert_int_eq(ms_reader_feed(rd, s + off, sizeof s - 1 - off, &used),
                     MS_READ_DONE);
    ck_assert_uint_eq(used, 0);
    struct ms_reply r;
    ms_reader_take(rd, &r);
    codes[i] = r.code;
    lines[i] = r.nlines;
    total += r.wire_bytes;
    ms_reply_free(&r);
  }
  ck_assert_uint_eq(off, 30); /* "used" tells where each next one starts */
  ck_assert_int_eq(ms_reader_feed(rd, s + off, sizeof s - 1 - off, &used),
                   MS_READ_MORE);
  ck_assert(ms_reader_pending(rd));
  ck_assert_int_eq(ms_reader_eof(rd), MS_READ_DONE);
  struct ms_reply r;
  ms_reader_take(rd, &r);
  codes[3] = r.code;
  lines[3] = r.nlines;
  total += r.wire_bytes;
  ck_assert_uint_eq(r.violations, MS_V_TRUNCATED);
  ms_reply_free(&r);
  ck_assert_int_eq(codes[0], 220);
  ck_assert_int_eq(codes[1], 250);
  ck_assert_int_eq(codes[2], 250);
  ck_assert_int_eq(codes[3], 221);
  ck_assert_uint_eq(lines[2], 2);
  ck_assert_uint_eq(lines[3], 1);
  ck_assert_uint_eq(total, sizeof s - 1); /* every octet accounted for */
  ck_assert_int_eq(ms_reader_eof(rd), MS_READ_MORE); /* nothing pending */
  ms_reader_free(rd);
}
END_TEST

/* Split reads: every split point, byte by byte, random chunks. */
START_TEST(test_split_smtp) {
  static const char s[] = "220-mx.example ESMTP\r\n220 ready\r\n"
                          "250-mx.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
                          "250 bare lf\n251-a\r\n250 mismatch\r\n"
                          "250 cr\rinside\r\n250 nul\0x\r\n250 caf\xc3\xa9\r\n"
                          "hello\r\n2500 bad sep\r\n"
                          "354\r\n250-trunc\r\n250 b";
  same_for_every_split(MS_PROTO_SMTP, NULL, 0, s, sizeof s - 1);
}
END_TEST

START_TEST(test_split_pop3) {
  static const char s[] =
      "+OK POP3 ready\r\n"
      "+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n"
      "+OK 120 octets\r\nSubject: x\r\n\r\n..hidden\r\n...\r\nbare\n"
      "caf\xc3\xa9\r\n.\r\n"
      "-ERR no such message\r\n"
      "+ dGVzdA==\r\n"
      "+OK\r\nTOP\r\nSASL PLAIN\r\n.\n"
      "+OK trunc\r\nline";
  static const bool multi[] = {false, true, true, true, false, true, true};
  same_for_every_split(MS_PROTO_POP3, multi, 7, s, sizeof s - 1);
  char *ref = run(MS_PROTO_POP3, multi, 7, s, sizeof s - 1, all_at_once, 0);
  /* 7 replies: the -ERR one does not start a multi-line read */
  size_t n = 0;
  for (const char *p = ref; (p = strstr(p, "[st=")); p++)
    n++;
  ck_assert_uint_eq(n, 7);
  free(ref);
}
END_TEST

/* ---- violations, each positive and negative -------------------------- */

START_TEST(test_v_bare_lf) {
  struct ms_reply r = smtp1(S("250 ok\n"));
  ck_assert_uint_eq(r.violations, MS_V_BARE_LF);
  ck_assert_str_eq(r.lines[0], "250 ok");
  ck_assert_uint_eq(r.wire_bytes, 7);
  ms_reply_free(&r);
  r = smtp1(S("250-a\n250 ok\r\n"));
  ck_assert_uint_eq(r.violations, MS_V_BARE_LF);
  ck_assert_uint_eq(r.nlines, 2);
  ms_reply_free(&r);
  r = smtp1(S("250-a\r\n250 ok\r\n"));
  ck_assert_uint_eq(r.violations & MS_V_BARE_LF, 0);
  ms_reply_free(&r);
}
END_TEST

START_TEST(test_v_bare_cr) {
  struct ms_reply r = smtp1(S("250 o\rk\r\n"));
  ck_assert_uint_eq(r.violations, MS_V_BARE_CR);
  ck_assert_uint_eq(r.lens[0], 7);
  ck_assert_int_eq(memcmp(r.lines[0], "250 o\rk", 7), 0);
  ms_reply_free(&r);
  /* CR at the end of one chunk, non-LF at the start of the next */
  struct ms_reader *rd = ms_reader_new(MS_PROTO_SMTP, NULL);
  size_t used;
  ck_assert_int_eq(ms_reader_feed(rd, S("250 o\r"), &used), MS_READ_MORE);
  ck_assert_int_eq(ms_reader_feed(rd, S("k\r"), &used), MS_READ_MORE);
  ck_assert_int_eq(ms_reader_feed(rd, S("\n"), &used), MS_READ_DONE);
  ms_reader_take(rd, &r);
  ck_assert_uint_eq(r.violations, MS_V_BARE_CR);
  ck_assert_str_eq(r.lines[0], "250 o\rk");
  ms_reply_free(&r);
  /* negative: CRLF split across chunks is not a bare CR */
  ck_assert_int_eq(ms_reader_feed(rd, S("250 ok\r"), &used), MS_READ_MORE);
  ck_assert_int_eq(ms_reader_feed(rd, S("\n"), &used), MS_READ_DONE);
  ms_reader_take(rd, &r);
  ck_assert_uint_eq(r.violations, 0);
  ck_assert_str_eq(r.lines[0], "250 ok");
  ms_reply_free(&r);
  ms_reader_free(rd);
  char *j;
  r = smtp1(S("250 a\rb\0c\r\n"));
  j = ms_reply_join(&r);
  ck_assert_str_eq(j, "250 a\\rb\\0c");
  free(j);
  ms_reply_free(&r);
}
END_TEST

START_TEST(test_v_code_mismatch) {
  struct ms_reply r = smtp1(S("250-a\r\n251 b\r\n"));
  ck_assert_uint_eq(r.violations, MS_V_CODE_MISMATCH);
  ck_assert_int_eq(r.code, 251); /* the final line decides */
  ms_reply_free(&r);
  r = smtp1(S("250-a\r\n251-b\r\n250 c\r\n"));
  ck_assert_uint_eq(r.violations, MS_V_CODE_MISMATCH);
  ck_assert_int_eq(r.code, 250);
  ms_reply_free(&r);
  r = smtp1(S("250-a\r\n250-b\r\n250 c\r\n"));
  ck_assert_uint_eq(r.violations, 0);
  ms_reply_free(&r);
}
END_TEST

START_TEST(test_v_bad_code) {
  static const struct {
    const char *s;
    int code;
  } bad[] = {{"hello\r\n", 0},   {"25\r\n", 0},      {"\r\n", 0},
             {"600 x\r\n", 600}, {"199 x\r\n", 199}, {"2a0 x\r\n", 0},
             {"OK\r\n", 0},      {"260 x\r\n", 260}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct ms_reply r = smtp1(bad[i].s, strlen(bad[i].s));
    ck_assert_msg(r.violations & MS_V_BAD_CODE, "%s", bad[i].s);
    ck_assert_int_eq(r.code, bad[i].code);
    ck_assert_uint_eq(r.nlines, 1); /* not a reply line: the reply ends */
    ms_reply_free(&r);
  }
  static const char *const good[] = {"220 x\r\n", "554 x\r\n", "421\r\n"};
  for (size_t i = 0; i < 3; i++) {
    struct ms_reply r = smtp1(good[i], strlen(good[i]));
    ck_assert_uint_eq(r.violations, 0);
    ms_reply_free(&r);
  }
  /* a continuation followed by garbage ends there too */
  struct ms_reply r = smtp1(S("250-a\r\ngarbage\r\n"));
  ck_assert_uint_eq(r.nlines, 2);
  ck_assert_int_eq(r.code, 0);
  ck_assert(r.violations & MS_V_BAD_CODE);
  ms_reply_free(&r);
}
END_TEST

START_TEST(test_v_bad_sep) {
  struct ms_reply r = smtp1(S("250OK\r\n"));
  ck_assert_uint_eq(r.violations, MS_V_BAD_SEP);
  ck_assert_int_eq(r.code, 250);
  ms_reply_free(&r);
  r = smtp1(S("250\tOK\r\n"));
  ck_assert_uint_eq(r.violations, MS_V_BAD_SEP);
  ms_reply_free(&r);
  r = smtp1(S("250 OK\r\n"));
  ck_assert_uint_eq(r.violations, 0);
  ms_reply_free(&r);
}
END_TEST

static char *long_reply(size_t text, const char *end) {
  size_t n = 4 + text + strlen(end);
  char *s = xmalloc(n + 1);
  memcpy(s, "250 ", 4);
  memset(s + 4, 'x', text);
  strcpy(s + 4 + text, end);
  return s;
}

START_TEST(test_v_long_line) {
  /* 512 octets including CRLF is the limit (RFC 5321 §4.5.3.1.5) */
  char *ok = long_reply(506, "\r\n"), *over = long_reply(507, "\r\n");
  ck_assert_uint_eq(strlen(ok), 512);
  struct ms_reply r = smtp1(ok, strlen(ok));
  ck_assert_uint_eq(r.violations, 0);
  ck_assert_uint_eq(r.lens[0], 510);
  ms_reply_free(&r);
  r = smtp1(over, strlen(over));
  ck_assert_uint_eq(r.violations, MS_V_LONG_LINE);
  ck_assert_uint_eq(r.lens[0], 511);
  ms_reply_free(&r);
  free(ok);
  free(over);
  /* longer than max_line: keep max_line bytes, read on to the end */
  struct ms_reply_limits lim = {100, 10, 100000};
  struct ms_reader *rd = ms_reader_new(MS_PROTO_SMTP, &lim);
  char *big = long_reply(1000, "\r\n250 next\r\n");
  size_t used;
  ck_assert_int_eq(ms_reader_feed(rd, big, strlen(big), &used), MS_READ_DONE);
  ck_assert_uint_eq(used, 1006);
  ms_reader_take(rd, &r);
  ck_assert_uint_eq(r.violations, MS_V_LONG_LINE);
  ck_assert_uint_eq(r.lens[0], 100);
  ck_assert_uint_eq(r.wire_bytes, 1006);
  ck_assert_int_eq(r.code, 250);
  ms_reply_free(&r);
  ck_assert_int_eq(ms_reader_feed(rd, big + used, strlen(big) - used, &used),
                   MS_READ_DONE);
  ms_reader_take(rd, &r);
  ck_assert_str_eq(r.lines[0], "250 next");
  ck_assert_uint_eq(r.violations, 0);
  ms_reply_free(&r);
  ms_reader_free(rd);
  free(big);
}
END_TEST

START_TEST(test_v_nul) {
  struct ms_reply r = smtp1(S("250 a\0b\r\n"));
  ck_assert_uint_eq(r.violations, MS_V_NUL);
  ck_assert_uint_eq(r.lens[0], 7);
  ck_assert_int_eq(memcmp(r.lines[0], "250 a\0b", 8), 0); /* NUL-ended too */
  ms_reply_free(&r);
  r = smtp1(S("250 ab\r\n"));
  ck_assert_uint_eq(r.violations & MS_V_NUL, 0);
  ms_reply_free(&r);
}
END_TEST

START_TEST(test_v_8bit) {
  struct ms_reply r = smtp1(S("250 caf\xc3\xa9\r\n"));
  ck_assert_uint_eq(r.violations, MS_V_8BIT);
  ms_reply_free(&r);
  r = smtp1(S("250 cafe\x7e\r\n"));
  ck_assert_uint_eq(r.violations, 0);
  ms_reply_free(&r);
  /* POP3: 8-bit message text (RETR) is not a reply violation, an 8-bit
   * status line is */
  r = pop1(true, S("+OK\r\ncaf\xc3\xa9\r\n.\r\n"));
  ck_assert_uint_eq(r.violations, 0);
  ms_reply_free(&r);
  r = pop1(false, S("+OK caf\xc3\xa9\r\n"));
  ck_assert_uint_eq(r.violations, MS_V_8BIT);
  ms_reply_free(&r);
}
END_TEST

START_TEST(test_v_truncated) {
  struct ms_reply r = smtp1(S("250-a\r\n250 b"));
  ck_assert_uint_eq(r.violations, MS_V_TRUNCATED);
  ck_assert_int_eq(r.code, 250);
  ck_assert_uint_eq(r.nlines, 2);
  ck_assert_str_eq(r.lines[1], "250 b");
  ms_reply_free(&r);
  r = smtp1(S("250-a\r\n")); /* no final line ever came */
  ck_assert_uint_eq(r.violations, MS_V_TRUNCATED);
  ck_assert_int_eq(r.code, 250);
  ms_reply_free(&r);
  r = smtp1(S("250 ok\r")); /* CR, then EOF */
  ck_assert_uint_eq(r.violations, MS_V_TRUNCATED);
  ck_assert_str_eq(r.lines[0], "250 ok");
  ms_reply_free(&r);
  r = pop1(true, S("+OK\r\nline 1\r\n")); /* no "." */
  ck_assert_uint_eq(r.violations, MS_V_TRUNCATED);
  ck_assert_uint_eq(r.nlines, 2);
  ms_reply_free(&r);
  r = smtp1(S("250 ok\r\n"));
  ck_assert_uint_eq(r.violations & MS_V_TRUNCATED, 0);
  ms_reply_free(&r);
  struct ms_reader *rd = ms_reader_new(MS_PROTO_SMTP, NULL);
  ck_assert_int_eq(ms_reader_eof(rd), MS_READ_MORE); /* nothing pending */
  ms_reader_free(rd);
}
END_TEST

/* ---- bounds ----------------------------------------------------------- */

static size_t heap_in_use(void) {
#if defined(__GLIBC__)
  return mallinfo2().uordblks; /* 0 under ASan: the test still runs */
#else
  return 0;
#endif
}

START_TEST(test_bound_10mb_line) {
  enum { CHUNK = 65536, TOTAL = 10 * 1024 * 1024 };
  char *chunk = xmalloc(CHUNK);
  memset(chunk, 'x', CHUNK);
  memcpy(chunk, "250 ", 4);
  struct ms_reader *rd = ms_reader_new(MS_PROTO_SMTP, NULL);
  size_t before = heap_in_use(), used, fed = 0;
  while (fed < TOTAL) {
    ck_assert_int_eq(ms_reader_feed(rd, chunk, CHUNK, &used), MS_READ_MORE);
    ck_assert_uint_eq(used, CHUNK);
    fed += used;
    chunk[0] = chunk[1] = chunk[2] = chunk[3] = 'x';
  }
  size_t after = heap_in_use();
  ck_assert_uint_lt(after > before ? after - before : 0, 64 * 1024);
  ck_assert_int_eq(ms_reader_feed(rd, S("\r\n"), &used), MS_READ_DONE);
  struct ms_reply r;
  ms_reader_take(rd, &r);
  ck_assert_uint_eq(r.violations, MS_V_LONG_LINE);
  ck_assert_uint_eq(r.lens[0], 4096); /* max_line of the defaults */
  ck_assert_uint_eq(r.wire_bytes, (size_t)TOTAL + 2);
  ck_assert_int_eq(r.code, 250);
  ms_reply_free(&r);
  ms_reader_free(rd);
  free(chunk);
}
END_TEST

START_TEST(test_bound_max_bytes) {
  struct ms_reply_limits lim = {64, 100, 1000};
  struct ms_reader *rd = ms_reader_new(MS_PROTO_SMTP, &lim);
  char flood[4096];
  memset(flood, 'x', sizeof flood);
  size_t used;
  ck_assert_int_eq(ms_reader_feed(rd, flood, 600, &used), MS_READ_MORE);
  ck_assert_int_eq(ms_reader_feed(rd, flood, sizeof flood, &used),
                   MS_READ_ERROR);
  ck_assert_uint_eq(used, 400); /* stops at max_bytes */
  ck_assert_int_eq(ms_reader_feed(rd, flood, sizeof flood, &used),
                   MS_READ_ERROR);
  ck_assert_uint_eq(used, 0);
  struct ms_reply r;
  ms_reader_take(rd, &r);
  ck_assert(r.violations & MS_V_TOO_BIG);
  ck_assert_uint_eq(r.wire_bytes, 1000);
  ms_reply_free(&r);
  ms_reader_free(rd);
}
END_TEST

/* An endless multi-line reply stops at max_lines. */
START_TEST(test_bound_endless_multiline) {
  struct ms_reader *rd = ms_reader_new(MS_PROTO_SMTP, NULL);
  static const char line[] = "250-again\r\n";
  size_t used, lines = 0;
  enum ms_read_status st;
  while ((st = ms_reader_feed(rd, S(line), &used)) == MS_READ_MORE)
    ck_assert_uint_le(++lines, 100000);
  ck_assert_int_eq(st, MS_READ_ERROR);
  ck_assert_uint_eq(lines, 100000); /* the default max_lines */
  struct ms_reply r;
  ms_reader_take(rd, &r);
  ck_assert(r.violations & MS_V_TOO_BIG);
  ck_assert_uint_eq(r.nlines, 100000);
  ms_reply_free(&r);
  /* POP3 body the same way */
  struct ms_reply_limits lim = {4096, 50, 1u << 20};
  struct ms_reader *p = ms_reader_new(MS_PROTO_POP3, &lim);
  ms_reader_expect_multiline(p, true);
  ck_assert_int_eq(ms_reader_feed(p, S("+OK\r\n"), &used), MS_READ_MORE);
  lines = 0;
  while ((st = ms_reader_feed(p, S("body\r\n"), &used)) == MS_READ_MORE)
    ck_assert_uint_le(++lines, 50);
  ck_assert_int_eq(st, MS_READ_ERROR);
  ms_reader_free(p);
  ms_reader_free(rd);
}
END_TEST

/* A reply cut at a limit keeps the code of the lines read so far and
 * the first octets of the line being read (hostile.t 28 and 42). */
START_TEST(test_cut_keeps_code) {
  struct ms_reply_limits lim = {64, 3, 1000};
  struct ms_reader *rd = ms_reader_new(MS_PROTO_SMTP, &lim);
  size_t used;
  struct ms_reply r;
  /* too many lines: "220-" lines only, never a final line */
  ck_assert_int_eq(ms_reader_feed(rd, S("220-a\r\n220-b\r\n220-c\r\n"), &used),
                   MS_READ_MORE);
  ck_assert_int_eq(ms_reader_feed(rd, S("220-d\r\n"), &used), MS_READ_ERROR);
  ms_reader_take(rd, &r);
  ck_assert(r.violations & MS_V_TOO_BIG);
  ck_assert_int_eq(r.code, 220);
  ck_assert_uint_eq(r.nlines, 3);
  ck_assert(r.multiline);
  ms_reply_free(&r);
  /* too many octets: one line with no CRLF, first octets kept */
  char flood[2000];
  memcpy(flood, "220 ", 4);
  memset(flood + 4, 'x', sizeof flood - 4);
  ck_assert_int_eq(ms_reader_feed(rd, flood, sizeof flood, &used),
                   MS_READ_ERROR);
  ck_assert_uint_eq(used, 1000);
  ms_reader_take(rd, &r);
  ck_assert_int_eq(r.code, 220);
  ck_assert_uint_eq(r.nlines, 1);
  ck_assert_uint_eq(r.lens[0], 64);
  ck_assert_mem_eq(r.lines[0], "220 xxxx", 8);
  ck_assert(r.violations & MS_V_TOO_BIG);
  ck_assert(r.violations & MS_V_LONG_LINE);
  ms_reply_free(&r);
  /* a continuation line cut mid-way: the code of the lines before it */
  ck_assert_int_eq(ms_reader_feed(rd, S("250-ok\r\n"), &used), MS_READ_MORE);
  flood[0] = '5';
  ck_assert_int_eq(ms_reader_feed(rd, flood, sizeof flood, &used),
                   MS_READ_ERROR);
  ms_reader_take(rd, &r);
  ck_assert_int_eq(r.code, 250);
  ck_assert_uint_eq(r.nlines, 2);
  ms_reply_free(&r);
  ms_reader_free(rd);
  /* POP3: status line cut, then a multi-line body cut */
  struct ms_reader *p = ms_reader_new(MS_PROTO_POP3, &lim);
  memcpy(flood, "+OK ", 4);
  ck_assert_int_eq(ms_reader_feed(p, flood, sizeof flood, &used),
                   MS_READ_ERROR);
  ms_reader_take(p, &r);
  ck_assert_int_eq(r.code, MS_POP3_OK);
  ck_assert_uint_eq(r.nlines, 1);
  ms_reply_free(&r);
  ms_reader_expect_multiline(p, true);
  ck_assert_int_eq(ms_reader_feed(p, S("+OK body\r\n..x\r\n"), &used),
                   MS_READ_MORE);
  flood[0] = '.';
  ck_assert_int_eq(ms_reader_feed(p, flood, sizeof flood, &used),
                   MS_READ_ERROR);
  ms_reader_take(p, &r);
  ck_assert_int_eq(r.code, MS_POP3_OK);
  ck_assert_uint_eq(r.nlines, 3);
  ck_assert_mem_eq(r.lines[1], ".x", 2);
  ck_assert_mem_eq(r.lines[2], "OK x", 4); /* dot-unstuffed */
  ms_reply_free(&r);
  ms_reader_free(p);
}
END_TEST

/* A hostile stream of blank lines: every one ends a reply, no loop. */
START_TEST(test_hostile_blank_lines) {
  struct ms_reader *rd = ms_reader_new(MS_PROTO_SMTP, NULL);
  static const char s[] = "\n\n\r\n\n";
  size_t off = 0, used, n = 0;
  while (off < sizeof s - 1) {
    ck_assert_int_eq(ms_reader_feed(rd, s + off, sizeof s - 1 - off, &used),
                     MS_READ_DONE);
    ck_assert_uint_gt(used, 0);
    off += used;
    struct ms_reply r;
    ms_reader_take(rd, &r);
    ck_assert(r.violations & MS_V_BAD_CODE);
    ck_assert_int_eq(r.code, 0);
    ms_reply_free(&r);
    n++;
  }
  ck_assert_uint_eq(n, 4);
  ms_reader_free(rd);
}
END_TEST

/* ---- POP3 ------------------------------------------------------------ */

START_TEST(test_pop3_status) {
  struct ms_reply r = pop1(false, S("+OK ready\r\n"));
  ck_assert_int_eq(r.code, MS_POP3_OK);
  ck_assert_uint_eq(r.violations, 0);
  ck_assert(!r.multiline);
  ms_reply_free(&r);
  r = pop1(false, S("+OK\r\n"));
  ck_assert_int_eq(r.code, MS_POP3_OK);
  ck_assert_uint_eq(r.violations, 0);
  ms_reply_free(&r);
  r = pop1(false, S("-ERR no\r\n"));
  ck_assert_int_eq(r.code, MS_POP3_ERR);
  ck_assert_uint_eq(r.violations, 0);
  ms_reply_free(&r);
  r = pop1(false, S("+ dGVzdA==\r\n"));
  ck_assert_int_eq(r.code, MS_POP3_CONT);
  ck_assert_uint_eq(r.violations, 0);
  ms_reply_free(&r);
  r = pop1(false, S("+\r\n"));
  ck_assert_int_eq(r.code, MS_POP3_CONT);
  ms_reply_free(&r);
  r = pop1(false, S("OK\r\n"));
  ck_assert_int_eq(r.code, 0);
  ck_assert_uint_eq(r.violations, MS_V_BAD_CODE);
  ms_reply_free(&r);
  r = pop1(false, S("+ok\r\n"));
  ck_assert_int_eq(r.code, MS_POP3_OK);
  ck_assert_uint_eq(r.violations, MS_V_BAD_CODE);
  ms_reply_free(&r);
  r = pop1(false, S("+OKAY\r\n"));
  ck_assert_int_eq(r.code, MS_POP3_OK);
  ck_assert_uint_eq(r.violations, MS_V_BAD_SEP);
  ms_reply_free(&r);
  r = pop1(false, S("-ERRor\r\n"));
  ck_assert_int_eq(r.code, MS_POP3_ERR);
  ck_assert_uint_eq(r.violations, MS_V_BAD_SEP);
  ms_reply_free(&r);
  r = pop1(false, S("+OK x\n"));
  ck_assert_uint_eq(r.violations, MS_V_BARE_LF);
  ms_reply_free(&r);
}
END_TEST

START_TEST(test_pop3_multiline_unstuff) {
  struct ms_reply r = pop1(true, S("+OK 3 lines\r\nSubject: x\r\n\r\n"
                                   "..hidden\r\n...\r\n. x\r\n.\r\n"));
  ck_assert_int_eq(r.code, MS_POP3_OK);
  ck_assert(r.multiline);
  ck_assert_uint_eq(r.violations, 0);
  ck_assert_uint_eq(r.nlines, 6); /* status + 5 content, no "." */
  ck_assert_str_eq(r.lines[0], "+OK 3 lines");
  ck_assert_str_eq(r.lines[1], "Subject: x");
  ck_assert_str_eq(r.lines[2], "");
  ck_assert_str_eq(r.lines[3], ".hidden");
  ck_assert_str_eq(r.lines[4], "..");
  ck_assert_str_eq(r.lines[5], " x");
  ck_assert_uint_eq(r.lens[3], 7);
  ms_reply_free(&r);
  /* -ERR with multi-line expected: one line */
  size_t used;
  ck_assert_int_eq(read1(MS_PROTO_POP3, true, S("-ERR no\r\nrest"), &r, &used),
                   MS_READ_DONE);
  ck_assert_uint_eq(used, 9);
  ck_assert(!r.multiline);
  ms_reply_free(&r);
  /* not asked for multi-line: "+OK" alone ends it */
  ck_assert_int_eq(
      read1(MS_PROTO_POP3, false, S("+OK\r\n1 2\r\n.\r\n"), &r, &used),
      MS_READ_DONE);
  ck_assert_uint_eq(used, 5);
  ms_reply_free(&r);
  /* "." with a bare LF ends it too, flagged */
  r = pop1(true, S("+OK\r\nx\r\n.\n"));
  ck_assert_uint_eq(r.violations, MS_V_BARE_LF);
  ck_assert_uint_eq(r.nlines, 2);
  ck_assert(!(r.violations & MS_V_TRUNCATED));
  ms_reply_free(&r);
  /* a message line of 600 octets is fine (RFC 5322), 1200 is not */
  char body[1300];
  memcpy(body, "+OK\r\n", 5);
  memset(body + 5, 'a', 600);
  memcpy(body + 605, "\r\n.\r\n", 5);
  r = pop1(true, body, 610);
  ck_assert_uint_eq(r.violations, 0);
  ms_reply_free(&r);
  memset(body + 5, 'a', 1200);
  memcpy(body + 1205, "\r\n.\r\n", 5);
  r = pop1(true, body, 1210);
  ck_assert_uint_eq(r.violations, MS_V_LONG_LINE);
  ms_reply_free(&r);
}
END_TEST

/* expect_multiline applies to the reply being read, or to the next one
 * when the current one is finished but not taken; take() resets it. */
START_TEST(test_pop3_expect_timing) {
  static const char s[] = "+OK\r\n+OK 1\r\n1 2\r\n.\r\n+OK\r\n";
  struct ms_reader *rd = ms_reader_new(MS_PROTO_POP3, NULL);
  size_t off = 0, used;
  struct ms_reply r;
  ck_assert_int_eq(ms_reader_feed(rd, s, sizeof s - 1, &used), MS_READ_DONE);
  off += used;
  ms_reader_expect_multiline(rd, true); /* before take: for the next */
  ms_reader_take(rd, &r);
  ck_assert(!r.multiline);
  ms_reply_free(&r);
  ck_assert_int_eq(ms_reader_feed(rd, s + off, sizeof s - 1 - off, &used),
                   MS_READ_DONE);
  off += used;
  ms_reader_take(rd, &r);
  ck_assert(r.multiline);
  ck_assert_uint_eq(r.nlines, 2);
  ms_reply_free(&r);
  ck_assert_int_eq(ms_reader_feed(rd, s + off, sizeof s - 1 - off, &used),
                   MS_READ_DONE); /* reset: single line again */
  ck_assert_uint_eq(off + used, sizeof s - 1);
  ms_reader_take(rd, &r);
  ck_assert(!r.multiline);
  ms_reply_free(&r);
  ms_reader_free(rd);
}
END_TEST

START_TEST(test_pop3_capa) {
  struct ms_reply r =
      pop1(true, S("+OK Capability list follows\r\nTOP\r\nuser\r\n"
                   "SASL PLAIN LOGIN\r\nUIDL\r\nPIPELINING\r\n"
                   "IMPLEMENTATION x y\r\n.\r\n"));
  char **tags;
  size_t n = ms_pop3_capa_tags(&r, &tags);
  ck_assert_uint_eq(n, 6);
  ck_assert_str_eq(tags[0], "TOP");
  ck_assert_str_eq(tags[1], "USER");
  ck_assert_str_eq(tags[2], "SASL");
  ck_assert_str_eq(tags[5], "IMPLEMENTATION");
  ck_assert_ptr_null(tags[6]);
  for (size_t i = 0; i < n; i++)
    free(tags[i]);
  free(tags);
  ck_assert(ms_pop3_has_capability(&r, "TOP"));
  ck_assert(ms_pop3_has_capability(&r, "sasl plain"));
  ck_assert(ms_pop3_has_capability(&r, "SASL LOGIN PLAIN"));
  ck_assert(!ms_pop3_has_capability(&r, "SASL CRAM-MD5"));
  ck_assert(!ms_pop3_has_capability(&r, "STLS"));
  ck_assert(!ms_pop3_has_capability(&r, "TO"));
  ms_reply_free(&r);
  r = pop1(true, S("-ERR no CAPA\r\n"));
  ck_assert_uint_eq(ms_pop3_capa_tags(&r, &tags), 0);
  ck_assert_ptr_null(tags);
  ck_assert(!ms_pop3_has_capability(&r, "TOP"));
  ms_reply_free(&r);
}
END_TEST

START_TEST(test_smtp_ehlo_keywords) {
  struct ms_reply r = smtp1(S("250-mx.example Hello\r\n250-PIPELINING\r\n"
                              "250-size 10240000\r\n250-AUTH PLAIN LOGIN\r\n"
                              "250-\r\n250 8BITMIME\r\n"));
  char **kw;
  size_t n = ms_smtp_ehlo_keywords(&r, &kw);
  ck_assert_uint_eq(n, 4);
  ck_assert_str_eq(kw[0], "PIPELINING");
  ck_assert_str_eq(kw[1], "SIZE");
  ck_assert_str_eq(kw[2], "AUTH");
  ck_assert_str_eq(kw[3], "8BITMIME");
  ck_assert_ptr_null(kw[4]);
  for (size_t i = 0; i < n; i++)
    free(kw[i]);
  free(kw);
  ck_assert(ms_smtp_has_capability(&r, "PIPELINING"));
  ck_assert(ms_smtp_has_capability(&r, "SIZE"));
  ck_assert(ms_smtp_has_capability(&r, "auth login"));
  ck_assert(!ms_smtp_has_capability(&r, "AUTH CRAM-MD5"));
  ck_assert(!ms_smtp_has_capability(&r, "STARTTLS"));
  ck_assert(!ms_smtp_has_capability(&r, "MX.EXAMPLE")); /* the greeting */
  ms_reply_free(&r);
  r = smtp1(S("250 mx.example\r\n")); /* no extensions */
  ck_assert_uint_eq(ms_smtp_ehlo_keywords(&r, &kw), 0);
  free(kw);
  ms_reply_free(&r);
  r = smtp1(S("502-not\r\n502 implemented\r\n"));
  ck_assert_uint_eq(ms_smtp_ehlo_keywords(&r, &kw), 0);
  ck_assert_ptr_null(kw);
  ck_assert(!ms_smtp_has_capability(&r, "IMPLEMENTED"));
  ms_reply_free(&r);
}
END_TEST

START_TEST(test_violation_texts) {
  const char *seen[16] = {0};
  for (unsigned i = 0; i <= 11; i++) {
    const char *t = ms_violation_text(1u << i);
    ck_assert_ptr_nonnull(t);
    ck_assert_msg(strstr(t, "unknown") == NULL, "bit %u", i);
    if ((1u << i) != MS_V_TOO_BIG)
      ck_assert_msg(strstr(t, "RFC ") != NULL, "bit %u cites no RFC", i);
    for (unsigned j = 0; j < i; j++)
      ck_assert_ptr_ne(seen[j], t);
    seen[i] = t;
  }
  ck_assert_ptr_nonnull(strstr(ms_violation_text(MS_V_LONG_LINE), "4.5.3.1.5"));
  ck_assert_ptr_nonnull(strstr(ms_violation_text(1u << 20), "unknown"));
  ck_assert_ptr_nonnull(
      strstr(ms_violation_text(MS_V_BARE_LF | MS_V_NUL), "unknown"));
}
END_TEST

START_TEST(test_reply_free_empty) {
  struct ms_reply r = {0};
  ms_reply_free(&r);
  ms_reply_free(NULL);
  char *j = ms_reply_join(&r);
  ck_assert_str_eq(j, "");
  free(j);
}
END_TEST

Suite *make_reply_suite(void);
Suite *make_reply_suite(void) {
  Suite *s = suite_create("reply");
  TCase *tc = tcase_create("smtp");
  tcase_add_test(tc, test_smtp_single);
  tcase_add_test(tc, test_smtp_bare_code);
  tcase_add_test(tc, test_smtp_multiline);
  tcase_add_test(tc, test_smtp_several_in_one_chunk);
  tcase_add_test(tc, test_split_smtp);
  tcase_add_test(tc, test_split_pop3);
  tcase_add_test(tc, test_smtp_ehlo_keywords);
  suite_add_tcase(s, tc);
  tc = tcase_create("violations");
  tcase_add_test(tc, test_v_bare_lf);
  tcase_add_test(tc, test_v_bare_cr);
  tcase_add_test(tc, test_v_code_mismatch);
  tcase_add_test(tc, test_v_bad_code);
  tcase_add_test(tc, test_v_bad_sep);
  tcase_add_test(tc, test_v_long_line);
  tcase_add_test(tc, test_v_nul);
  tcase_add_test(tc, test_v_8bit);
  tcase_add_test(tc, test_v_truncated);
  tcase_add_test(tc, test_violation_texts);
  tcase_add_test(tc, test_reply_free_empty);
  suite_add_tcase(s, tc);
  tc = tcase_create("bounds");
  tcase_set_timeout(tc, 60); /* ASan builds are slower */
  tcase_add_test(tc, test_bound_10mb_line);
  tcase_add_test(tc, test_bound_max_bytes);
  tcase_add_test(tc, test_bound_endless_multiline);
  tcase_add_test(tc, test_hostile_blank_lines);
  tcase_add_test(tc, test_cut_keeps_code);
  suite_add_tcase(s, tc);
  tc = tcase_create("pop3");
  tcase_add_test(tc, test_pop3_status);
  tcase_add_test(tc, test_pop3_multiline_unstuff);
  tcase_add_test(tc, test_pop3_expect_timing);
  tcase_add_test(tc, test_pop3_capa);
  suite_add_tcase(s, tc);
  return s;
}
