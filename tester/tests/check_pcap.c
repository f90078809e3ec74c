/* Unit tests for pcap_read.c, linktype.c and capture.c. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "capture.h"
#include "linktype.h"
#include "pcap_read.h"
#include "tcp_reasm.h"

/* ---- building captures in memory ---------------------------------------- */

static struct ms_buf F; /* the file being built */

static void put(const void *p, size_t n) {
  ck_assert_int_eq(ms_buf_add(&F, p, n), 0);
}

static void put32(uint32_t v, bool big) {
  unsigned char b[4];
  for (int i = 0; i < 4; i++)
    b[big ? 3 - i : i] = (unsigned char)(v >> (8 * i));
  put(b, 4);
}

static void put16(uint16_t v, bool big) {
  unsigned char b[2] = {(unsigned char)(big ? v >> 8 : v),
                        (unsigned char)(big ? v : v >> 8)};
  put(b, 2);
}

static void pcap_hdr(bool big, bool nano, uint32_t lt) {
  ms_buf_reset(&F);
  put32(nano ? 0xA1B23C4Du : 0xA1B2C3D4u, big);
  put16(2, big);
  put16(4, big);
  put32(0, big);
  put32(0, big);
  put32(262144, big);
  put32(lt, big);
}

static void pcap_rec(bool big, uint32_t sec, uint32_t frac, const void *p,
                     uint32_t caplen, uint32_t len) {
  put32(sec, big);
  put32(frac, big);
  put32(caplen, big);
  put32(len, big);
  put(p, caplen);
}

static struct ms_pcap_reader *open_mem(char *err, size_t errlen) {
  FILE *fp = fmemopen(F.p, F.len, "rb");
  ck_assert_ptr_nonnull(fp);
  struct ms_pcap_reader *r = ms_pcap_open_fp(fp, "mem", err, errlen);
  if (!r)
    fclose(fp);
  return r;
}

/* Close a reader made by open_mem (its FILE is not the reader's). */
static FILE *mem_fp;
static struct ms_pcap_reader *open_memfp(char *err, size_t errlen) {
  mem_fp = fmemopen(F.p, F.len, "rb");
  ck_assert_ptr_nonnull(mem_fp);
  return ms_pcap_open_fp(mem_fp, "mem", err, errlen);
}
static void close_mem(struct ms_pcap_reader *r) {
  ms_pcap_close(r);
  fclose(mem_fp);
}

static void setup(void) {
  ms_buf_init(&F, 1u << 24);
}
static void teardown(void) {
  ms_buf_free(&F);
}

/* ---- pcap
 * -------------------------------------------------------------------- */

static void check_pcap_variant(bool big, bool nano) {
  pcap_hdr(big, nano, 101);
  pcap_rec(big, 1700000000, nano ? 123456789 : 123456, "abcd", 4, 10);
  pcap_rec(big, 1700000001, 5, "xy", 2, 2);
  char err[256];
  struct ms_pcap_reader *r = open_memfp(err, sizeof err);
  ck_assert_msg(r != NULL, "%s", err);
  ck_assert_str_eq(ms_pcap_format(r), "pcap");
  ck_assert_int_eq(ms_pcap_first_linktype(r), 101);
  struct ms_pcap_pkt p;
  ck_assert_int_eq(ms_pcap_next(r, &p), 1);
  ck_assert_int_eq(p.linktype, 101);
  ck_assert_uint_eq(p.caplen, 4);
  ck_assert_uint_eq(p.wirelen, 10);
  ck_assert(memcmp(p.data, "abcd", 4) == 0);
  ck_assert_uint_eq(p.frame, 1);
  ck_assert_uint_eq(p.ts_ns, 1700000000ull * 1000000000u +
                                 (nano ? 123456789u : 123456000u));
  ck_assert_int_eq(ms_pcap_next(r, &p), 1);
  ck_assert_uint_eq(p.frame, 2);
  ck_assert_int_eq(ms_pcap_next(r, &p), 0);
  ck_assert_ptr_null(ms_pcap_warning(r));
  ck_assert_ptr_null(ms_pcap_error(r));
  close_mem(r);
}

START_TEST(pcap_le_us) {
  check_pcap_variant(false, false);
}
END_TEST
START_TEST(pcap_be_us) {
  check_pcap_variant(true, false);
}
END_TEST
START_TEST(pcap_le_ns) {
  check_pcap_variant(false, true);
}
END_TEST
START_TEST(pcap_be_ns) {
  check_pcap_variant(true, true);
}
END_TEST

START_TEST(pcap_truncated) {
  pcap_hdr(false, false, 1);
  pcap_rec(false, 1, 0, "0123456789", 10, 10);
  pcap_rec(false, 2, 0, "0123456789", 10, 10);
  F.len -= 4; /* the second record is cut */
  char err[256];
  struct ms_pcap_reader *r = open_memfp(err, sizeof err);
  ck_assert_ptr_nonnull(r);
  struct ms_pcap_pkt p;
  ck_assert_int_eq(ms_pcap_next(r, &p), 1);
  ck_assert_int_eq(ms_pcap_next(r, &p), 0);
  ck_assert_ptr_nonnull(ms_pcap_warning(r));
  ck_assert(strstr(ms_pcap_warning(r), "truncated"));
  ck_assert(strstr(ms_pcap_warning(r), "mem"));
  close_mem(r);
}
END_TEST

START_TEST(pcap_bad) {
  char err[256];
  ms_buf_reset(&F);
  put("hello world, this is not a capture", 34);
  ck_assert_ptr_null(open_mem(err, sizeof err));
  ck_assert(strstr(err, "not a pcap or pcapng file"));
  ms_buf_reset(&F);
  ck_assert_ptr_null(open_mem(err, sizeof err));
  ck_assert(strstr(err, "empty"));
  /* a record claiming 1 GB */
  pcap_hdr(false, false, 1);
  put32(1, false);
  put32(0, false);
  put32(1u << 30, false);
  put32(1u << 30, false);
  struct ms_pcap_reader *r = open_memfp(err, sizeof err);
  ck_assert_ptr_nonnull(r);
  struct ms_pcap_pkt p;
  ck_assert_int_eq(ms_pcap_next(r, &p), -1);
  ck_assert(strstr(ms_pcap_error(r), "offset 24"));
  close_mem(r);
}
END_TEST

/* ---- pcapng
 * ------------------------------------------------------------------- */

static void ng_block(bool big, uint32_t type, const void *body, size_t n) {
  size_t pad = (4 - n % 4) % 4;
  uint32_t total = (uint32_t)(12 + n + pad);
  put32(type, big);
  put32(total, big);
  put(body, n);
  put("\0\0\0", pad);
  put32(total, big);
}

static void ng_shb(bool big) {
  struct ms_buf b;
  ms_buf_init(&b, 64);
  struct ms_buf save = F;
  F = b;
  put32(0x1A2B3C4D, big);
  put16(1, big);
  put16(0, big);
  put32(0xFFFFFFFFu, big);
  put32(0xFFFFFFFFu, big);
  b = F;
  F = save;
  ng_block(big, 0x0A0D0D0A, b.p, b.len);
  ms_buf_free(&b);
}

static void ng_idb(bool big, uint16_t lt, int tsresol) {
  struct ms_buf b;
  ms_buf_init(&b, 64);
  struct ms_buf save = F;
  F = b;
  put16(lt, big);
  put16(0, big);
  put32(262144, big);
  if (tsresol >= 0) {
    put16(9, big);
    put16(1, big);
    unsigned char v[4] = {(unsigned char)tsresol, 0, 0, 0};
    put(v, 4);
    put16(0, big);
    put16(0, big);
  }
  b = F;
  F = save;
  ng_block(big, 1, b.p, b.len);
  ms_buf_free(&b);
}

static void ng_epb(bool big, uint32_t ifid, uint64_t ts, const char *data) {
  struct ms_buf b;
  ms_buf_init(&b, 4096);
  struct ms_buf save = F;
  F = b;
  uint32_t n = (uint32_t)strlen(data);
  put32(ifid, big);
  put32((uint32_t)(ts >> 32), big);
  put32((uint32_t)ts, big);
  put32(n, big);
  put32(n, big);
  put(data, n);
  put("\0\0\0", (4 - n % 4) % 4);
  b = F;
  F = save;
  ng_block(big, 6, b.p, b.len);
  ms_buf_free(&b);
}

START_TEST(pcapng_mixed) {
  ms_buf_reset(&F);
  ng_shb(false);
  ng_idb(false, 1, -1);     /* EN10MB, microseconds */
  ng_idb(false, 113, 9);    /* LINUX_SLL, nanoseconds */
  ng_idb(false, 276, 0x94); /* LINUX_SLL2, 2^-20 s */
  ng_epb(false, 0, 1700000000000001ull, "eth");
  ng_epb(false, 1, 1700000000000000002ull, "sll");
  ng_epb(false, 2, (uint64_t)1700000000 << 20 | (1u << 19), "sll2");
  ng_block(false, 0x0BAD, "skip me!", 8); /* unknown block: skipped */
  ng_shb(true);                           /* new section, other order */
  ng_idb(true, 101, -1);
  ng_epb(true, 0, 5000000, "raw");
  char err[256];
  struct ms_pcap_reader *r = open_memfp(err, sizeof err);
  ck_assert_msg(r != NULL, "%s", err);
  struct ms_pcap_pkt p;
  ck_assert_int_eq(ms_pcap_next(r, &p), 1);
  ck_assert_str_eq(ms_pcap_format(r), "pcapng");
  ck_assert_int_eq(p.linktype, 1);
  ck_assert_uint_eq(p.ts_ns, 1700000000000001000ull);
  ck_assert(memcmp(p.data, "eth", 3) == 0);
  ck_assert_int_eq(ms_pcap_next(r, &p), 1);
  ck_assert_int_eq(p.linktype, 113);
  ck_assert_uint_eq(p.ts_ns, 1700000000000000002ull);
  ck_assert_int_eq(ms_pcap_next(r, &p), 1);
  ck_assert_int_eq(p.linktype, 276);
  ck_assert_uint_eq(p.ts_ns, 1700000000500000000ull);
  ck_assert_int_eq(ms_pcap_next(r, &p), 1);
  ck_assert_int_eq(p.linktype, 101); /* the second section's interface 0 */
  ck_assert_uint_eq(p.ts_ns, 5000000000ull);
  ck_assert_uint_eq(p.frame, 4);
  ck_assert_int_eq(ms_pcap_next(r, &p), 0);
  ck_assert_ptr_null(ms_pcap_warning(r));
  close_mem(r);
}
END_TEST

START_TEST(pcapng_bad_iface) {
  ms_buf_reset(&F);
  ng_shb(false);
  ng_idb(false, 1, -1);
  ng_epb(false, 3, 0, "x"); /* interface 3 was never described */
  char err[256];
  struct ms_pcap_reader *r = open_memfp(err, sizeof err);
  ck_assert_ptr_nonnull(r);
  struct ms_pcap_pkt p;
  ck_assert_int_eq(ms_pcap_next(r, &p), -1);
  ck_assert(strstr(ms_pcap_error(r), "interface 3"));
  close_mem(r);
}
END_TEST

START_TEST(pcapng_truncated) {
  ms_buf_reset(&F);
  ng_shb(false);
  ng_idb(false, 1, -1);
  ng_epb(false, 0, 0, "one");
  ng_epb(false, 0, 0, "two and more");
  F.len -= 6;
  char err[256];
  struct ms_pcap_reader *r = open_memfp(err, sizeof err);
  struct ms_pcap_pkt p;
  ck_assert_int_eq(ms_pcap_next(r, &p), 1);
  ck_assert_int_eq(ms_pcap_next(r, &p), 0);
  ck_assert(strstr(ms_pcap_warning(r), "truncated"));
  close_mem(r);
}
END_TEST

/* ---- link types
 * ------------------------------------------------------------------ */

/* An IPv4/TCP packet from 10.0.0.1:40000 to 10.0.0.2:25 with PAYLOAD,
 * IP options of OPTLEN (multiple of 4). */
static size_t ip4(unsigned char *b, const char *payload, size_t optlen) {
  size_t pl = strlen(payload), ihl = 20 + optlen, tot = ihl + 20 + pl;
  memset(b, 0, tot);
  b[0] = (unsigned char)(0x40 | ihl / 4);
  b[2] = (unsigned char)(tot >> 8);
  b[3] = (unsigned char)tot;
  b[6] = 0x40; /* DF */
  b[8] = 64;
  b[9] = 6;
  memcpy(b + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
  for (size_t i = 0; i < optlen; i++)
    b[20 + i] = 1; /* NOP options */
  unsigned char *t = b + ihl;
  t[0] = 0x9c;
  t[1] = 0x40; /* 40000 */
  t[2] = 0;
  t[3] = 25;
  t[4] = 0;
  t[5] = 0;
  t[6] = 0x03;
  t[7] = 0xE9; /* seq 1001 */
  t[12] = 0x50;
  t[13] = MS_TH_ACK | MS_TH_PSH;
  memcpy(t + 20, payload, pl);
  return tot;
}

static size_t ip6(unsigned char *b, const char *payload, bool ext) {
  size_t pl = strlen(payload), extlen = ext ? 16 : 0;
  memset(b, 0, 40 + extlen + 20 + pl);
  b[0] = 0x60;
  size_t plen = extlen + 20 + pl;
  b[4] = (unsigned char)(plen >> 8);
  b[5] = (unsigned char)plen;
  b[6] = ext ? 0 : 6; /* hop-by-hop first */
  b[7] = 64;
  b[23] = 1;
  b[39] = 2;
  unsigned char *x = b + 40;
  if (ext) {
    x[0] = 60;
    x[1] = 0; /* hop-by-hop, 8 bytes, then dest opts */
    x[8] = 6;
    x[9] = 0; /* destination options, 8 bytes, then TCP */
    x += 16;
  }
  x[0] = 0x9c;
  x[1] = 0x40;
  x[3] = 25;
  x[12] = 0x50;
  x[13] = MS_TH_ACK;
  memcpy(x + 20, payload, pl);
  return 40 + extlen + 20 + pl;
}

static void expect_tcp(int lt, const unsigned char *p, size_t n, int af,
                       const char *payload) {
  struct ms_tcpseg s;
  ck_assert_int_eq(ms_link_decode(lt, p, n, &s), MS_LINK_TCP);
  ck_assert_int_eq(s.af, af);
  ck_assert_uint_eq(s.sport, 40000);
  ck_assert_uint_eq(s.dport, 25);
  ck_assert_uint_eq(s.len, strlen(payload));
  ck_assert(memcmp(s.payload, payload, s.len) == 0);
}

START_TEST(link_ethernet_vlans) {
  unsigned char f[256];
  static const unsigned char mac[12] = {0};
  for (int tags = 0; tags <= 2; tags++) {
    size_t o = 0;
    memcpy(f, mac, 12);
    o = 12;
    for (int t = 0; t < tags; t++) {
      f[o++] = t == 0 && tags == 2 ? 0x88 : 0x81;
      f[o++] = t == 0 && tags == 2 ? 0xA8 : 0x00;
      f[o++] = 0;
      f[o++] = 100;
    }
    f[o++] = 0x08;
    f[o++] = 0x00;
    size_t n = o + ip4(f + o, "hello", 0);
    expect_tcp(MS_LT_EN10MB, f, n, 4, "hello");
  }
}
END_TEST

START_TEST(link_padding_and_options) {
  unsigned char f[256];
  memset(f, 0, 14);
  f[12] = 0x08;
  size_t n = 14 + ip4(f + 14, "hi", 8); /* IPv4 with 8 option bytes */
  memcpy(f + n, "PAD!PAD!PAD!", 12);    /* Ethernet trailer */
  expect_tcp(MS_LT_EN10MB, f, n + 12, 4, "hi");
}
END_TEST

START_TEST(link_sll_sll2) {
  unsigned char f[256];
  memset(f, 0, 20);
  f[14] = 0x08; /* SLL: protocol at 14 */
  size_t n = 16 + ip4(f + 16, "sll", 0);
  expect_tcp(MS_LT_LINUX_SLL, f, n, 4, "sll");
  memset(f, 0, 20);
  f[0] = 0x86;
  f[1] = 0xDD; /* SLL2: protocol first */
  n = 20 + ip6(f + 20, "sll2", false);
  expect_tcp(MS_LT_LINUX_SLL2, f, n, 6, "sll2");
}
END_TEST

START_TEST(link_null_loop_all_af) {
  unsigned char f[256];
  static const uint32_t afs[] = {2, 10, 23, 24, 28, 30};
  for (size_t i = 0; i < sizeof afs / sizeof afs[0]; i++)
    for (int big = 0; big < 2; big++) {
      uint32_t af = afs[i];
      for (int k = 0; k < 4; k++)
        f[big ? 3 - k : k] = (unsigned char)(af >> (8 * k));
      size_t n =
          4 + (af == 2 ? ip4(f + 4, "null", 0) : ip6(f + 4, "null", false));
      expect_tcp(MS_LT_NULL, f, n, af == 2 ? 4 : 6, "null");
      expect_tcp(MS_LT_LOOP, f, n, af == 2 ? 4 : 6, "null");
    }
  f[0] = 0;
  f[1] = 0;
  f[2] = 0;
  f[3] = 7; /* some other family */
  struct ms_tcpseg s;
  ck_assert_int_eq(ms_link_decode(MS_LT_NULL, f, 60, &s), MS_LINK_OTHER);
}
END_TEST

START_TEST(link_raw_ipv4_ipv6) {
  unsigned char f[256];
  size_t n = ip4(f, "raw4", 0);
  expect_tcp(MS_LT_RAW, f, n, 4, "raw4");
  expect_tcp(MS_LT_IPV4, f, n, 4, "raw4");
  n = ip6(f, "raw6", false);
  expect_tcp(MS_LT_RAW, f, n, 6, "raw6");
  expect_tcp(MS_LT_IPV6, f, n, 6, "raw6");
  n = ip6(f, "ext6", true); /* hop-by-hop + destination options */
  expect_tcp(MS_LT_IPV6, f, n, 6, "ext6");
}
END_TEST

START_TEST(link_bad_and_short) {
  unsigned char f[256];
  struct ms_tcpseg s;
  size_t n = ip4(f, "0123456789", 0);
  ck_assert_int_eq(ms_link_decode(147, f, n, &s), MS_LINK_UNKNOWN);
  ck_assert(!ms_link_supported(147));
  char name[32];
  ck_assert_str_eq(ms_link_name(147, name, sizeof name), "LINKTYPE_147");
  ck_assert_str_eq(ms_link_name(276, name, sizeof name), "LINUX_SLL2");
  /* cut in the payload: what is there, and how much is missing */
  ck_assert_int_eq(ms_link_decode(MS_LT_RAW, f, n - 4, &s), MS_LINK_TCP);
  ck_assert_uint_eq(s.len, 6);
  ck_assert_uint_eq(s.missing, 4);
  /* cut in the TCP header */
  ck_assert_int_eq(ms_link_decode(MS_LT_RAW, f, 30, &s), MS_LINK_SHORT);
  /* a fragment */
  f[6] = 0x20; /* MF */
  ck_assert_int_eq(ms_link_decode(MS_LT_RAW, f, n, &s), MS_LINK_FRAGMENT);
  f[6] = 0x40;
  /* IHL below 5 */
  f[0] = 0x44;
  ck_assert_int_eq(ms_link_decode(MS_LT_RAW, f, n, &s), MS_LINK_BAD);
  /* UDP */
  ip4(f, "x", 0);
  f[9] = 17;
  ck_assert_int_eq(ms_link_decode(MS_LT_RAW, f, n, &s), MS_LINK_OTHER);
  /* Ethernet too short, ARP */
  ck_assert_int_eq(ms_link_decode(MS_LT_EN10MB, f, 10, &s), MS_LINK_SHORT);
  memset(f, 0, 60);
  f[12] = 0x08;
  f[13] = 0x06;
  ck_assert_int_eq(ms_link_decode(MS_LT_EN10MB, f, 60, &s), MS_LINK_OTHER);
}
END_TEST

/* ---- live capture (capture.c)
 * ------------------------------------------------- */

struct got {
  struct ms_buf d[2];
  int sessions;
};
static void *g_open(void *ctx, const struct ms_conn_info *ci) {
  struct got *g = ctx;
  (void)ci;
  g->sessions++;
  return g;
}
static void g_data(void *u, int dir, const unsigned char *p, size_t n,
                   uint64_t f, uint64_t ts) {
  struct got *g = u;
  (void)f;
  (void)ts;
  ms_buf_add(&g->d[dir], p, n);
}
static void g_gap(void *u, int dir, uint64_t len, uint64_t f, const char *w) {
  (void)u;
  (void)dir;
  (void)len;
  (void)f;
  (void)w;
  ck_abort_msg("no gap expected in a loopback capture");
}
static void g_close(void *u, const char *w, uint64_t f,
                    const struct ms_reasm_stats *st) {
  (void)u;
  (void)w;
  (void)f;
  (void)st;
}

START_TEST(live_capture) {
  if (geteuid() != 0) {
    fprintf(stderr, "check_pcap: live_capture skipped (not root)\n");
    return;
  }
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert_int_eq(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
  ck_assert_int_eq(listen(ls, 4), 0);
  socklen_t al = sizeof a;
  getsockname(ls, (struct sockaddr *)&a, &al);
  unsigned port = ntohs(a.sin_port);
  bool perm;
  char err[256];
  struct ms_capture_opts o = {"lo", "127.0.0.1", port, 0};
  struct ms_capture *c = ms_capture_start(&o, &perm, err, sizeof err);
  ck_assert_msg(c != NULL, "%s", err);
  /* two connections: only the one whose client port is added is kept */
  int fds[2];
  unsigned cports[2];
  for (int i = 0; i < 2; i++) {
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_eq(connect(fds[i], (struct sockaddr *)&a, sizeof a), 0);
    struct sockaddr_in me;
    socklen_t ml = sizeof me;
    getsockname(fds[i], (struct sockaddr *)&me, &ml);
    cports[i] = ntohs(me.sin_port);
  }
  ms_capture_add_client_port(c, cports[0]);
  static char big[300000];
  for (size_t i = 0; i < sizeof big; i++)
    big[i] = (char)('A' + i % 23);
  int acc = accept(ls, NULL, NULL);
  int acc2 = accept(ls, NULL, NULL);
  ck_assert_int_eq(write(fds[1], "other\r\n", 7), 7);
  ck_assert_int_eq(write(acc, "220 hello\r\n", 11), 11);
  size_t off = 0;
  while (off < sizeof big) { /* more than 64 KB: snaplen must not cut it */
    ssize_t w = write(fds[0], big + off, sizeof big - off);
    ck_assert_int_gt(w, 0);
    off += (size_t)w;
    char sink[65536];
    while (recv(acc, sink, sizeof sink, MSG_DONTWAIT) > 0)
      ;
  }
  shutdown(fds[0], SHUT_WR);
  char sink[65536];
  while (read(acc, sink, sizeof sink) > 0)
    ;
  close(acc);
  close(fds[0]);
  close(fds[1]);
  close(acc2);
  close(ls);
  char path[] = "/tmp/check_pcap_XXXXXX";
  int tfd = mkstemp(path);
  close(tfd);
  long n = ms_capture_stop(c, path, err, sizeof err);
  ck_assert_msg(n > 0, "%s", err);
  /* read it back through our own reader and reassembler */
  struct ms_pcap_reader *r = ms_pcap_open(path, err, sizeof err);
  ck_assert_msg(r != NULL, "%s", err);
  struct got g;
  memset(&g, 0, sizeof g);
  ms_buf_init(&g.d[0], 1u << 22);
  ms_buf_init(&g.d[1], 1u << 22);
  struct ms_reasm_cb cb = {&g, g_open, g_data, g_gap, NULL, g_close};
  struct ms_reasm *re = ms_reasm_new(NULL, &cb);
  struct ms_pcap_pkt p;
  long pk = 0;
  while (ms_pcap_next(r, &p) == 1) {
    struct ms_tcpseg s;
    ck_assert_uint_eq(p.caplen, p.wirelen); /* nothing truncated */
    if (ms_link_decode(p.linktype, p.data, p.caplen, &s) == MS_LINK_TCP)
      ms_reasm_segment(re, &s, p.frame, p.ts_ns);
    pk++;
  }
  ms_reasm_finish(re, 0);
  ck_assert_int_eq(pk, n);
  ck_assert_int_eq(g.sessions, 1); /* the other connection was left out */
  ck_assert_uint_eq(g.d[1].len, 11);
  ck_assert(memcmp(g.d[1].p, "220 hello\r\n", 11) == 0);
  ck_assert_uint_eq(g.d[0].len, sizeof big);
  ck_assert(memcmp(g.d[0].p, big, sizeof big) == 0);
  ms_reasm_free(re);
  ms_pcap_close(r);
  ms_buf_free(&g.d[0]);
  ms_buf_free(&g.d[1]);
  unlink(path);
}
END_TEST

START_TEST(capture_no_such_iface) {
  bool perm = true;
  char err[256];
  struct ms_capture_opts o = {"no-such-iface0", NULL, 25, 0};
  ck_assert_ptr_null(ms_capture_start(&o, &perm, err, sizeof err));
  ck_assert(strstr(err, "no-such-iface0"));
  struct ms_capture_opts z = {NULL, NULL, 0, 0};
  ck_assert_ptr_null(ms_capture_start(&z, &perm, err, sizeof err));
  ck_assert(!perm);
}
END_TEST

Suite *make_pcap_suite(void);
Suite *make_pcap_suite(void) {
  Suite *s = suite_create("pcap");
  TCase *t = tcase_create("files");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, pcap_le_us);
  tcase_add_test(t, pcap_be_us);
  tcase_add_test(t, pcap_le_ns);
  tcase_add_test(t, pcap_be_ns);
  tcase_add_test(t, pcap_truncated);
  tcase_add_test(t, pcap_bad);
  tcase_add_test(t, pcapng_mixed);
  tcase_add_test(t, pcapng_bad_iface);
  tcase_add_test(t, pcapng_truncated);
  suite_add_tcase(s, t);
  TCase *l = tcase_create("linktypes");
  tcase_add_test(l, link_ethernet_vlans);
  tcase_add_test(l, link_padding_and_options);
  tcase_add_test(l, link_sll_sll2);
  tcase_add_test(l, link_null_loop_all_af);
  tcase_add_test(l, link_raw_ipv4_ipv6);
  tcase_add_test(l, link_bad_and_short);
  suite_add_tcase(s, l);
  TCase *c = tcase_create("capture");
  tcase_set_timeout(c, 30);
  tcase_add_test(c, live_capture);
  tcase_add_test(c, capture_no_such_iface);
  suite_add_tcase(s, c);
  return s;
}
