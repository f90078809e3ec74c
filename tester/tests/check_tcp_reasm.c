/* Unit tests for tcp_reasm.c: segments in, streams and gaps out. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tcp_reasm.h"

#define MAXS 2100

struct rsess {
  struct ms_conn_info ci;
  struct ms_buf d[2];
  uint64_t gap[2]; /* bytes declared missing */
  int ngaps[2];
  char gapwhy[2][128];
  uint64_t gapat[2];    /* stream length (delivered) when the first gap came */
  uint64_t gapframe[2]; /* the frame the first gap was noted at */
  uint64_t closeframe;
  bool closed;
  char why[64];
  struct ms_reasm_stats st;
};

struct rcol {
  struct rsess s[MAXS];
  int n;
};

static void *c_open(void *ctx, const struct ms_conn_info *ci) {
  struct rcol *c = ctx;
  ck_assert_int_lt(c->n, MAXS);
  struct rsess *s = &c->s[c->n++];
  memset(s, 0, sizeof *s);
  s->ci = *ci;
  ms_buf_init(&s->d[0], 64u << 20);
  ms_buf_init(&s->d[1], 64u << 20);
  return s;
}

static void c_data(void *user, int dir, const unsigned char *p, size_t n,
                   uint64_t frame, uint64_t ts) {
  struct rsess *s = user;
  (void)frame;
  (void)ts;
  ck_assert(!s->closed);
  ck_assert_int_eq(ms_buf_add(&s->d[dir], p, n), 0);
}

static void c_gap(void *user, int dir, uint64_t len, uint64_t frame,
                  const char *why) {
  struct rsess *s = user;
  if (!s->ngaps[dir]) {
    snprintf(s->gapwhy[dir], sizeof s->gapwhy[dir], "%s", why);
    s->gapat[dir] = s->d[dir].len;
    s->gapframe[dir] = frame;
  }
  s->gap[dir] += len;
  s->ngaps[dir]++;
}

static int c_compare(void *user, int dir, uint64_t off, const unsigned char *p,
                     size_t n) {
  struct rsess *s = user;
  if (off + n > s->d[dir].len)
    return -1;
  int differ = 0;
  for (size_t i = 0; i < n; i++)
    differ += s->d[dir].p[off + i] != p[i];
  return differ;
}

static void c_close(void *user, const char *why, uint64_t frame,
                    const struct ms_reasm_stats *st) {
  struct rsess *s = user;
  s->closeframe = frame;
  s->closed = true;
  snprintf(s->why, sizeof s->why, "%s", why);
  s->st = *st;
}

static struct rcol *col;
static struct ms_reasm *R;
static uint64_t frame_no;

static void setup_lim(const struct ms_reasm_limits *lim) {
  col = calloc(1, sizeof *col);
  static const uint16_t ports[] = {25};
  struct ms_reasm_limits l = MS_REASM_LIMITS_DEFAULT;
  if (lim)
    l = *lim;
  l.server_ports = ports;
  l.nserver_ports = 1;
  struct ms_reasm_cb cb = {col, c_open, c_data, c_gap, c_compare, c_close};
  R = ms_reasm_new(&l, &cb);
  frame_no = 0;
}

static void setup(void) {
  setup_lim(NULL);
}

static void teardown(void) {
  ms_reasm_free(R);
  for (int i = 0; i < col->n; i++) {
    ms_buf_free(&col->s[i].d[0]);
    ms_buf_free(&col->s[i].d[1]);
  }
  free(col);
}

/* A segment of connection CONN (client port 40000+CONN) in direction DIR
 * (0 client -> server). */
static void segx(int conn, int dir, uint32_t seq, uint32_t ack, uint8_t flags,
                 const char *data, size_t len, uint32_t missing, uint64_t ts) {
  struct ms_tcpseg s;
  memset(&s, 0, sizeof s);
  s.af = 4;
  unsigned char c[4] = {10, 0, 0, 1}, sv[4] = {10, 0, 0, 2};
  memcpy(dir == 0 ? s.src : s.dst, c, 4);
  memcpy(dir == 0 ? s.dst : s.src, sv, 4);
  uint16_t cp = (uint16_t)(40000 + conn);
  s.sport = dir == 0 ? cp : 25;
  s.dport = dir == 0 ? 25 : cp;
  s.seq = seq;
  s.ack = ack;
  s.flags = flags;
  s.payload = (const unsigned char *)data;
  s.len = (uint32_t)len;
  s.missing = missing;
  ms_reasm_segment(R, &s, ++frame_no, ts);
}

static void seg(int dir, uint32_t seq, uint32_t ack, uint8_t flags,
                const char *data) {
  segx(0, dir, seq, ack, flags, data, data ? strlen(data) : 0, 0, 0);
}

#define A MS_TH_ACK
#define P (MS_TH_ACK | MS_TH_PSH)

/* Handshake with client ISN 1000 and server ISN 5000 (data from 1001 and
 * 5001). */
static void hs(void) {
  seg(0, 1000, 0, MS_TH_SYN, NULL);
  seg(1, 5000, 1001, MS_TH_SYN | A, NULL);
  seg(0, 1001, 5001, A, NULL);
}

static void stream_is(int s, int dir, const char *want) {
  ck_assert_int_gt(col->n, s);
  struct ms_buf *b = &col->s[s].d[dir];
  ck_assert_uint_eq(b->len, strlen(want));
  ck_assert(b->len == 0 || memcmp(b->p, want, b->len) == 0);
}

START_TEST(in_order) {
  hs();
  seg(1, 5001, 1001, P, "220 hi\r\n");
  seg(0, 1001, 5009, P, "EHLO x\r\n");
  seg(1, 5009, 1009, P, "250 ok\r\n");
  seg(0, 1009, 5017, MS_TH_FIN | A, NULL);
  seg(1, 5017, 1010, MS_TH_FIN | A, NULL);
  seg(0, 1010, 5018, A, NULL);
  ck_assert_int_eq(col->n, 1);
  stream_is(0, 0, "EHLO x\r\n");
  stream_is(0, 1, "220 hi\r\n250 ok\r\n");
  ck_assert(col->s[0].closed);
  ck_assert_str_eq(col->s[0].why, "fin");
  ck_assert(col->s[0].ci.saw_syn);
  ck_assert_uint_eq(col->s[0].ci.port[MS_DIR_S2C], 25);
  ck_assert_int_eq(col->s[0].ngaps[0] + col->s[0].ngaps[1], 0);
  ck_assert_uint_eq(ms_reasm_open_flows(R), 0);
}
END_TEST

START_TEST(out_of_order) {
  hs();
  seg(0, 1011, 5001, P, "CCCCC");
  seg(0, 1006, 5001, P, "BBBBB");
  ck_assert_uint_eq(col->s[0].d[0].len, 0); /* nothing before the hole */
  ck_assert_uint_eq(ms_reasm_held_bytes(R), 10);
  seg(0, 1001, 5001, P, "AAAAA");
  stream_is(0, 0, "AAAAABBBBBCCCCC");
  ck_assert_uint_eq(ms_reasm_held_bytes(R), 0);
  ms_reasm_finish(R, 0);
  ck_assert_uint_eq(col->s[0].st.ooo_segments, 2);
  ck_assert_int_eq(col->s[0].ngaps[0], 0);
}
END_TEST

START_TEST(retransmissions) {
  hs();
  seg(0, 1001, 5001, P, "MAIL FROM:<a>\r\n");
  seg(0, 1001, 5001, P, "MAIL FROM:<a>\r\n");           /* exact copy */
  seg(0, 1006, 5001, P, "FROM:<a>\r\nRCPT TO:<b>\r\n"); /* superset */
  ms_reasm_finish(R, 0);
  stream_is(0, 0, "MAIL FROM:<a>\r\nRCPT TO:<b>\r\n");
  ck_assert_uint_eq(col->s[0].st.rexmit_bytes, 15 + 10);
  ck_assert_uint_eq(col->s[0].st.conflicts, 0);
}
END_TEST

START_TEST(conflict_delivered) {
  hs();
  seg(0, 1001, 5001, P, "MAIL FROM:<a>\r\n");
  seg(0, 1001, 5001, P, "XXXX FROM:<a>\r\n");
  ms_reasm_finish(R, 0);
  stream_is(0, 0, "MAIL FROM:<a>\r\n"); /* the first copy wins */
  ck_assert_uint_eq(col->s[0].st.conflicts, 1);
  ck_assert_uint_eq(col->s[0].st.conflict_bytes, 4);
  ck_assert_uint_ne(col->s[0].st.first_conflict_frame, 0);
}
END_TEST

START_TEST(conflict_held) {
  hs();
  seg(0, 1006, 5001, P, "world");
  seg(0, 1006, 5001, P, "WORLD"); /* overlaps bytes still held */
  seg(0, 1001, 5001, P, "hello");
  ms_reasm_finish(R, 0);
  stream_is(0, 0, "helloworld");
  ck_assert_uint_eq(col->s[0].st.conflicts, 1);
  ck_assert_uint_eq(col->s[0].st.conflict_bytes, 5);
}
END_TEST

START_TEST(gap_acked) {
  hs();
  seg(0, 1001, 5001, P, "one ");
  /* "two " (1005..1008) never appears */
  seg(0, 1009, 5001, P, "three");
  ck_assert_int_eq(col->s[0].ngaps[0], 0); /* maybe it is only late */
  seg(1, 5001, 1014, A, NULL);             /* the server had it all */
  ck_assert_int_eq(col->s[0].ngaps[0], 1);
  ck_assert_uint_eq(col->s[0].gap[0], 4);
  ck_assert_uint_eq(col->s[0].gapat[0], 4);
  ck_assert(strstr(col->s[0].gapwhy[0], "acknowledged"));
  stream_is(0, 0, "one three");
  seg(0, 1005, 5001, P, "two "); /* too late now */
  ms_reasm_finish(R, 0);
  stream_is(0, 0, "one three");
}
END_TEST

START_TEST(ack_before_data_is_no_gap) {
  /* the capture put the ACK before the data it acknowledges */
  hs();
  seg(1, 5001, 1011, A, NULL);
  seg(0, 1001, 5001, P, "0123456789");
  ms_reasm_finish(R, 0);
  stream_is(0, 0, "0123456789");
  ck_assert_int_eq(col->s[0].ngaps[0], 0);
}
END_TEST

START_TEST(gap_at_end) {
  hs();
  seg(0, 1001, 5001, P, "aaaa");
  seg(0, 1009, 5001, P, "cccc");
  seg(0, 1013, 5001, MS_TH_FIN | A, NULL);
  ms_reasm_finish(R, 0);
  ck_assert_int_eq(col->s[0].ngaps[0], 1);
  ck_assert_uint_eq(col->s[0].gap[0], 4);
  ck_assert(strstr(col->s[0].gapwhy[0], "ended"));
  stream_is(0, 0, "aaaacccc");
  ck_assert_str_eq(col->s[0].why, "end of capture");
  /* the end of the capture has no frame of its own: the gap and the
   * close are noted at the session's last packet (frame 6), not 0 */
  ck_assert_uint_eq(col->s[0].gapframe[0], 6);
  ck_assert_uint_eq(col->s[0].closeframe, 6);
  ck_assert_uint_eq(col->s[0].st.last_frame, 6);
  /* packets from each side: SYN, ACK, 2 data, FIN; the SYN-ACK */
  ck_assert_uint_eq(col->s[0].st.dir_segments[MS_DIR_C2S], 5);
  ck_assert_uint_eq(col->s[0].st.dir_segments[MS_DIR_S2C], 1);
}
END_TEST

START_TEST(gap_before_fin) {
  hs();
  seg(0, 1001, 5001, P, "aaaa");
  seg(0, 1009, 5001, MS_TH_FIN | A, NULL); /* 4 bytes lost before the FIN */
  ms_reasm_finish(R, 0);
  ck_assert_uint_eq(col->s[0].gap[0], 4);
}
END_TEST

START_TEST(seq_wrap) {
  seg(0, 0xFFFFFFF0u, 0, MS_TH_SYN, NULL);
  seg(1, 0xFFFFFFFAu, 0xFFFFFFF1u, MS_TH_SYN | A, NULL);
  seg(0, 0xFFFFFFF1u, 0xFFFFFFFBu, P, "0123456789"); /* to 0xFFFFFFFA */
  seg(0, 0x00000005u, 0xFFFFFFFBu, P, "KLMNO");      /* after the wrap */
  seg(0, 0xFFFFFFFBu, 0xFFFFFFFBu, P, "ABCDEFGHIJ"); /* across it */
  seg(1, 0xFFFFFFFBu, 0x0000000Au, P, "server bytes across 0");
  ms_reasm_finish(R, 0);
  stream_is(0, 0, "0123456789ABCDEFGHIJKLMNO");
  stream_is(0, 1, "server bytes across 0");
  ck_assert_int_eq(col->s[0].ngaps[0] + col->s[0].ngaps[1], 0);
}
END_TEST

START_TEST(keepalive) {
  hs();
  seg(0, 1001, 5001, P, "abc");
  segx(0, 0, 1003, 5001, A, "x", 1, 0, 0); /* one old byte: a keep-alive */
  seg(0, 1003, 5001, A, NULL);             /* and a zero-length one */
  seg(0, 1004, 5001, P, "def");
  ms_reasm_finish(R, 0);
  stream_is(0, 0, "abcdef");
  ck_assert_uint_eq(col->s[0].st.keepalives, 1);
  ck_assert_uint_eq(col->s[0].st.conflicts, 0);
}
END_TEST

START_TEST(half_close) {
  hs();
  seg(0, 1001, 5001, P, "QUIT\r\n");
  seg(0, 1007, 5001, MS_TH_FIN | A, NULL);
  seg(1, 5001, 1008, P, "221 bye\r\n"); /* after the client's FIN */
  ck_assert(!col->s[0].closed);
  seg(1, 5010, 1008, MS_TH_FIN | A, NULL);
  seg(0, 1008, 5011, A, NULL);
  stream_is(0, 1, "221 bye\r\n");
  ck_assert(col->s[0].closed);
  ck_assert_str_eq(col->s[0].why, "fin");
}
END_TEST

START_TEST(rst_and_stray) {
  hs();
  seg(0, 1001, 5001, P, "EHLO x\r\n");
  seg(1, 5001, 1009, MS_TH_RST | A, NULL);
  ck_assert(col->s[0].closed);
  ck_assert_str_eq(col->s[0].why, "rst");
  seg(0, 1009, 5001, P, "late\r\n"); /* a straggler, not a new session */
  ck_assert_int_eq(col->n, 1);
  ms_reasm_finish(R, 0);
  ck_assert_uint_eq(ms_reasm_totals(R)->stray, 1);
  stream_is(0, 0, "EHLO x\r\n");
}
END_TEST

START_TEST(port_reuse) {
  hs();
  seg(0, 1001, 5001, P, "first\r\n");
  seg(0, 1008, 5001, MS_TH_FIN | A, NULL);
  seg(1, 5001, 1009, MS_TH_FIN | A, NULL);
  seg(0, 1009, 5002, A, NULL);
  ck_assert(col->s[0].closed);
  seg(0, 777000, 0, MS_TH_SYN, NULL); /* same 4-tuple, new ISN */
  seg(1, 888000, 777001, MS_TH_SYN | A, NULL);
  seg(0, 777001, 888001, P, "second\r\n");
  ms_reasm_finish(R, 0);
  ck_assert_int_eq(col->n, 2);
  ck_assert_uint_eq(col->s[1].ci.index, 1);
  stream_is(0, 0, "first\r\n");
  stream_is(1, 0, "second\r\n");
}
END_TEST

START_TEST(reuse_while_open) {
  hs();
  seg(0, 1001, 5001, P, "first\r\n");
  seg(0, 424242, 0, MS_TH_SYN, NULL); /* no FIN seen: still a new session */
  seg(0, 424243, 0, P, "second\r\n");
  ms_reasm_finish(R, 0);
  ck_assert_int_eq(col->n, 2);
  ck_assert(strstr(col->s[0].why, "reused"));
  stream_is(1, 0, "second\r\n");
}
END_TEST

START_TEST(syn_retransmitted) {
  seg(0, 1000, 0, MS_TH_SYN, NULL);
  seg(0, 1000, 0, MS_TH_SYN, NULL);
  seg(1, 5000, 1001, MS_TH_SYN | A, NULL);
  seg(0, 1001, 5001, P, "x");
  ms_reasm_finish(R, 0);
  ck_assert_int_eq(col->n, 1);
  stream_is(0, 0, "x");
}
END_TEST

START_TEST(midstream) {
  /* no handshake; the first packet is the server's: the port says who
   * the server is */
  seg(1, 9000, 3000, P, "250 ok\r\n");
  seg(0, 3000, 9008, P, "QUIT\r\n");
  ms_reasm_finish(R, 0);
  ck_assert_int_eq(col->n, 1);
  ck_assert(!col->s[0].ci.saw_syn);
  ck_assert_uint_eq(col->s[0].ci.port[MS_DIR_S2C], 25);
  stream_is(0, 0, "QUIT\r\n");
  stream_is(0, 1, "250 ok\r\n");
}
END_TEST

START_TEST(one_direction) {
  hs();
  seg(0, 1001, 5001, P, "EHLO x\r\n");
  seg(0, 1009, 5001, P, "QUIT\r\n");
  ms_reasm_finish(R, 0);
  stream_is(0, 0, "EHLO x\r\nQUIT\r\n");
  stream_is(0, 1, "");
}
END_TEST

START_TEST(truncated_packet) {
  hs();
  segx(0, 0, 1001, 5001, P, "abcd", 4, 6, 0); /* 10 bytes, 4 captured */
  segx(0, 0, 1011, 5001, P, "klm", 3, 0, 0);
  ck_assert_int_eq(col->s[0].ngaps[0], 1);
  ck_assert_uint_eq(col->s[0].gap[0], 6);
  ck_assert(strstr(col->s[0].gapwhy[0], "snap length"));
  ms_reasm_finish(R, 0);
  stream_is(0, 0, "abcdklm");
  ck_assert_uint_eq(col->s[0].st.truncated_bytes, 6);
}
END_TEST

START_TEST(interleaved) {
  /* 1000 sessions, their segments interleaved */
  for (int c = 0; c < 1000; c++) {
    segx(c, 0, 100, 0, MS_TH_SYN, NULL, 0, 0, 0);
    segx(c, 1, 500, 101, MS_TH_SYN | A, NULL, 0, 0, 0);
  }
  for (int round = 0; round < 3; round++)
    for (int c = 999; c >= 0; c--) {
      char b[32];
      int n = snprintf(b, sizeof b, "c%04d-r%d;", c, round);
      segx(c, 0, 101u + (uint32_t)(round * n), 501, P, b, (size_t)n, 0, 0);
    }
  ms_reasm_finish(R, 0);
  ck_assert_int_eq(col->n, 1000);
  for (int i = 0; i < 1000; i++) {
    uint16_t port = col->s[i].ci.port[MS_DIR_C2S];
    int c = port - 40000;
    char want[64];
    snprintf(want, sizeof want, "c%04d-r0;c%04d-r1;c%04d-r2;", c, c, c);
    stream_is(i, 0, want);
  }
}
END_TEST

START_TEST(bound_flows) {
  ms_reasm_free(R);
  free(col);
  struct ms_reasm_limits l = MS_REASM_LIMITS_DEFAULT;
  l.max_flows = 10;
  setup_lim(&l);
  for (int c = 0; c < 25; c++) {
    segx(c, 0, 100, 0, MS_TH_SYN, NULL, 0, 0, 0);
    ck_assert_uint_le(ms_reasm_open_flows(R), 10);
  }
  ck_assert_int_eq(col->n, 25);
  ck_assert(strstr(col->s[0].why, "evicted"));
}
END_TEST

START_TEST(bound_window) {
  ms_reasm_free(R);
  free(col);
  struct ms_reasm_limits l = MS_REASM_LIMITS_DEFAULT;
  l.window = 65536;
  setup_lim(&l);
  hs();
  static char big[1000];
  memset(big, 'z', sizeof big);
  /* a hole at 1001, then 200 KB of data far ahead of it */
  for (uint32_t off = 100; off < 200100; off += 1000) {
    segx(0, 0, 1001 + off, 5001, P, big, sizeof big, 0, 0);
    ck_assert_uint_le(ms_reasm_held_bytes(R), 65536);
  }
  ms_reasm_finish(R, 0);
  ck_assert_uint_eq(col->s[0].gap[0], 100); /* the hole, given up on */
  ck_assert_uint_eq(col->s[0].d[0].len, 200000);
}
END_TEST

START_TEST(bound_total) {
  ms_reasm_free(R);
  free(col);
  struct ms_reasm_limits l = MS_REASM_LIMITS_DEFAULT;
  l.window = 65536;
  l.max_held = 1u << 20;
  setup_lim(&l);
  static char big[4000];
  memset(big, 'q', sizeof big);
  for (int c = 0; c < 2000; c++) {
    segx(c, 0, 100, 0, MS_TH_SYN, NULL, 0, 0, 0);
    segx(c, 0, 200, 0, A, big, sizeof big, 0, 0); /* 99 bytes missing */
    ck_assert_uint_le(ms_reasm_held_bytes(R), (1u << 20) + 65536);
  }
  ms_reasm_finish(R, 0);
  for (int i = 0; i < 2000; i++) {
    ck_assert_uint_eq(col->s[i].d[0].len, 4000);
    ck_assert_uint_eq(col->s[i].gap[0], 99);
  }
}
END_TEST

START_TEST(reverse_order_linear) {
  /* 256 Ki one-byte segments, last first: linear work, or this test never
   * ends (Check's timeout fails it).  CVE-2018-5390 was the quadratic
   * version of this. */
  hs();
  const uint32_t n = 1u << 18;
  for (uint32_t i = n; i-- > 1;) {
    char c = (char)('a' + i % 26);
    segx(0, 0, 1001 + i, 5001, P, &c, 1, 0, 0);
  }
  ck_assert_uint_eq(ms_reasm_held_bytes(R), n - 1);
  char c = 'a';
  segx(0, 0, 1001, 5001, P, &c, 1, 0, 0);
  ck_assert_uint_eq(col->s[0].d[0].len, n);
  ck_assert_uint_eq(ms_reasm_held_bytes(R), 0);
  for (uint32_t i = 0; i < n; i++)
    ck_assert_int_eq(col->s[0].d[0].p[i], 'a' + i % 26);
}
END_TEST

START_TEST(idle_close) {
  ms_reasm_free(R);
  free(col);
  struct ms_reasm_limits l = MS_REASM_LIMITS_DEFAULT;
  l.idle = 60;
  setup_lim(&l);
  segx(0, 0, 100, 0, MS_TH_SYN, NULL, 0, 0, 1000000000ull);
  segx(1, 0, 100, 0, MS_TH_SYN, NULL, 0, 0, 30000000000ull);
  ck_assert(!col->s[0].closed);
  segx(1, 0, 101, 0, A, "x", 1, 0, 120000000000ull);
  ck_assert(col->s[0].closed);
  ck_assert(strstr(col->s[0].why, "idle"));
  ck_assert(!col->s[1].closed);
}
END_TEST

START_TEST(syn_data) {
  /* data on the SYN (TCP Fast Open) comes after the SYN's number */
  segx(0, 0, 1000, 0, MS_TH_SYN, "early", 5, 0, 0);
  seg(1, 5000, 1006, MS_TH_SYN | A, NULL);
  seg(0, 1006, 5001, P, "!");
  ms_reasm_finish(R, 0);
  stream_is(0, 0, "early!");
}
END_TEST

Suite *make_tcp_reasm_suite(void);
Suite *make_tcp_reasm_suite(void) {
  Suite *s = suite_create("tcp_reasm");
  TCase *t = tcase_create("reasm");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_set_timeout(t, 30);
  tcase_add_test(t, in_order);
  tcase_add_test(t, out_of_order);
  tcase_add_test(t, retransmissions);
  tcase_add_test(t, conflict_delivered);
  tcase_add_test(t, conflict_held);
  tcase_add_test(t, gap_acked);
  tcase_add_test(t, ack_before_data_is_no_gap);
  tcase_add_test(t, gap_at_end);
  tcase_add_test(t, gap_before_fin);
  tcase_add_test(t, seq_wrap);
  tcase_add_test(t, keepalive);
  tcase_add_test(t, half_close);
  tcase_add_test(t, rst_and_stray);
  tcase_add_test(t, port_reuse);
  tcase_add_test(t, reuse_while_open);
  tcase_add_test(t, syn_retransmitted);
  tcase_add_test(t, midstream);
  tcase_add_test(t, one_direction);
  tcase_add_test(t, truncated_packet);
  tcase_add_test(t, interleaved);
  tcase_add_test(t, bound_flows);
  tcase_add_test(t, bound_window);
  tcase_add_test(t, bound_total);
  tcase_add_test(t, reverse_order_linear);
  tcase_add_test(t, idle_close);
  tcase_add_test(t, syn_data);
  suite_add_tcase(s, t);
  return s;
}
