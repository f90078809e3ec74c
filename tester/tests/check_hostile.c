/* Unit tests for the hostile faults of the reference server
 * (srv_hostile.c, issue 8): the exact bytes each one puts on the wire,
 * read from a real server on 127.0.0.1:0 with real client sockets.  Every
 * read has a socket timeout so that a broken server fails a test instead
 * of hanging it; nothing is judged by time. */
#include <check.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "srv.h"
#include "mailspec/server.h"

#define GREETING_5321 "220 BBN-UNIX.ARPA Simple Mail Transfer Service Ready"

static struct ms_server *hs_start(enum ms_protocol proto, const char *fault) {
  const char *f[] = {fault};
  struct ms_server_opts o = {
      proto, MS_PROFILE_RFC5321, NULL, f, 1, NULL, NULL, false, NULL};
  char err[256] = "";
  struct ms_server *s = ms_server_start(&o, "127.0.0.1:0", err, sizeof err);
  ck_assert_msg(s != NULL, "%s: %s", fault, err);
  return s;
}

/* A client with a receive timeout of MS milliseconds. */
static int hs_dial(const struct ms_server *s, int ms) {
  struct addrinfo hints = {0}, *res;
  hints.ai_socktype = SOCK_STREAM;
  ck_assert_int_eq(
      getaddrinfo(ms_server_host(s), ms_server_port(s), &hints, &res), 0);
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(connect(fd, res->ai_addr, res->ai_addrlen), 0);
  freeaddrinfo(res);
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

static void hs_say(int fd, const char *line) {
  size_t n = strlen(line);
  ck_assert_int_eq(send(fd, line, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Read until LF, EOF, error or timeout; at most CAP-1 octets. *RC gets
 * the last recv() result (0 EOF, -1 error with errno). */
static size_t hs_line(int fd, char *buf, size_t cap, ssize_t *rc) {
  size_t n = 0;
  *rc = 1;
  while (n + 1 < cap) {
    ssize_t r = recv(fd, buf + n, 1, 0);
    if (r <= 0) {
      *rc = r;
      break;
    }
    if (buf[n++] == '\n')
      break;
  }
  buf[n] = '\0';
  return n;
}

/* A buffered line reader for long streams: one recv() per 64 KiB, not
 * per octet (200,000 lines read one octet a call took minutes under
 * ASan on a loaded machine). */
struct hs_rd {
  int fd;
  char b[65536];
  size_t off, len;
};

static size_t hs_rd_line(struct hs_rd *r, char *buf, size_t cap) {
  size_t n = 0;
  while (n + 1 < cap) {
    if (r->off == r->len) {
      ssize_t got = recv(r->fd, r->b, sizeof r->b, 0);
      if (got <= 0)
        break;
      r->off = 0, r->len = (size_t)got;
    }
    char c = r->b[r->off++];
    buf[n++] = c;
    if (c == '\n')
      break;
  }
  buf[n] = '\0';
  return n;
}

START_TEST(test_parse) {
  const char *good[] = {"no-greeting",
                        "greet-twice",
                        "close-at-once",
                        "endless-multiline",
                        "long-line",
                        "long-line:1",
                        "long-line:1073741824",
                        "trickle",
                        "trickle:5",
                        "nul",
                        "bad-utf8",
                        "reset-mid-reply",
                        "no-read",
                        "slow:1"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    ck_assert_msg(ms_fault_known(good[i]), "%s", good[i]);
  const char *bad[] = {
      "long-line:0", "long-line:1073741825", "long-line:x", "trickle:",
      "trickle:-1",  "trickle:600001",       "nul:1",       "no-read:",
      "slow"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(!ms_fault_known(bad[i]), "%s", bad[i]);
  struct ms_faults f;
  char err[256];
  const char *names[] = {"long-line", "trickle"};
  ck_assert_int_eq(ms_faults_parse(&f, names, 2, err, sizeof err), 0);
  ck_assert_uint_eq(f.long_bytes, 10ul << 20);
  ck_assert_uint_eq(f.trickle_ms, 1000);
  ck_assert(ms_fault_on(&f, MS_F_LONG_LINE) && ms_fault_on(&f, MS_F_TRICKLE));
  ck_assert(!ms_fault_on(&f, MS_F_SLOW) && !ms_fault_on(&f, MS_F_NONE));
  const char *b[] = {"trickle:0"};
  ck_assert_int_eq(ms_faults_parse(&f, b, 1, err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "trickle:MS, 1 to 600000"));
}
END_TEST

START_TEST(test_no_greeting) {
  struct ms_server *s = hs_start(MS_PROTO_SMTP, "no-greeting");
  int fd = hs_dial(s, 300);
  char buf[512];
  ssize_t rc;
  ck_assert_uint_eq(hs_line(fd, buf, sizeof buf, &rc), 0);
  ck_assert_int_eq(rc, -1); /* timed out: nothing, and still open */
  ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
  hs_say(fd, "EHLO x\r\n"); /* and it says nothing to commands either */
  ck_assert_uint_eq(hs_line(fd, buf, sizeof buf, &rc), 0);
  ck_assert_int_eq(rc, -1);
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_close_at_once) {
  struct ms_server *s = hs_start(MS_PROTO_SMTP, "close-at-once");
  int fd = hs_dial(s, 10000);
  char buf[512];
  ssize_t rc;
  ck_assert_uint_eq(hs_line(fd, buf, sizeof buf, &rc), 0);
  ck_assert_int_eq(rc, 0); /* a clean EOF, not a timeout */
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_greet_twice) {
  struct ms_server *s = hs_start(MS_PROTO_SMTP, "greet-twice");
  int fd = hs_dial(s, 10000);
  char buf[512];
  ssize_t rc;
  for (int i = 0; i < 2; i++) {
    hs_line(fd, buf, sizeof buf, &rc);
    ck_assert_str_eq(buf, GREETING_5321 "\r\n");
  }
  hs_say(fd, "NOOP\r\n"); /* later replies come once */
  hs_line(fd, buf, sizeof buf, &rc);
  ck_assert(strncmp(buf, "250 ", 4) == 0);
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_endless_smtp) {
  struct ms_server *s = hs_start(MS_PROTO_SMTP, "endless-multiline");
  int fd = hs_dial(s, 10000);
  char buf[512];
  static struct hs_rd rd;
  rd.fd = fd, rd.off = rd.len = 0;
  /* far more than any client buffers: 200,000 lines, all "220-" */
  for (int i = 1; i <= 200000; i++) {
    hs_rd_line(&rd, buf, sizeof buf);
    ck_assert_msg(strncmp(buf, "220-endless line ", 17) == 0, "%d: %s", i, buf);
    ck_assert_int_eq(atoi(buf + 17), i);
  }
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_endless_pop3) {
  struct ms_server *s = hs_start(MS_PROTO_POP3, "endless-multiline");
  int fd = hs_dial(s, 10000);
  char buf[512];
  ssize_t rc;
  hs_line(fd, buf, sizeof buf, &rc);
  ck_assert(strncmp(buf, "+OK ", 4) == 0); /* the greeting is normal */
  hs_say(fd, "CAPA\r\n");
  hs_line(fd, buf, sizeof buf, &rc);
  ck_assert_str_eq(buf, "+OK this response never ends\r\n");
  for (int i = 1; i <= 5000; i++) {
    hs_line(fd, buf, sizeof buf, &rc);
    ck_assert(strncmp(buf, "endless line ", 13) == 0);
  }
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_long_line) {
  struct ms_server *s = hs_start(MS_PROTO_SMTP, "long-line:100000");
  int fd = hs_dial(s, 500);
  static char buf[200000];
  ssize_t rc;
  size_t n = hs_line(fd, buf, sizeof buf, &rc);
  ck_assert_uint_eq(n, 4 + 100000); /* "220 " and the x's, no line end */
  ck_assert(strncmp(buf, "220 xxxx", 8) == 0);
  ck_assert_ptr_null(memchr(buf, '\n', n));
  ck_assert_int_eq(rc, -1); /* then silence: a timeout, not EOF */
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_trickle) {
  struct ms_server *s = hs_start(MS_PROTO_SMTP, "trickle:20");
  int fd = hs_dial(s, 10000);
  char buf[512];
  int reads = 0;
  size_t n = 0;
  /* The octets come one write at a time; a reader that was descheduled
   * on a loaded machine may find several waiting, so no exact count (no
   * timed assertion): only that the line did not come in one piece. */
  while (n + 1 < sizeof buf) {
    ssize_t r = recv(fd, buf + n, sizeof buf - 1 - n, 0);
    ck_assert_int_ge(r, 1);
    reads++;
    n += (size_t)r;
    if (buf[n - 1] == '\n')
      break;
  }
  buf[n] = '\0';
  ck_assert_str_eq(buf, GREETING_5321 "\r\n");
  ck_assert_int_gt(reads, 1);
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_nul_and_utf8) {
  struct ms_server *s = hs_start(MS_PROTO_SMTP, "nul");
  int fd = hs_dial(s, 10000);
  char buf[512];
  ssize_t rc;
  size_t n = hs_line(fd, buf, sizeof buf, &rc);
  ck_assert_uint_eq(n, strlen(GREETING_5321) + 3);
  ck_assert_mem_eq(buf, "220 \0BBN-UNIX.ARPA", 18);
  close(fd);
  ms_server_stop(s);

  s = hs_start(MS_PROTO_SMTP, "bad-utf8");
  fd = hs_dial(s, 10000);
  hs_line(fd, buf, sizeof buf, &rc);
  ck_assert_str_eq(buf, "220 \x80\xc0\xaf\xed\xa0\x80\xfe\xff"
                        "BBN-UNIX.ARPA Simple Mail Transfer Service Ready\r\n");
  close(fd);
  ms_server_stop(s);

  /* POP3: a RETR's terminating "." is left alone (short lines are) */
  s = hs_start(MS_PROTO_POP3, "nul");
  fd = hs_dial(s, 10000);
  hs_line(fd, buf, sizeof buf, &rc);
  ck_assert_mem_eq(buf, "+OK \0", 5);
  hs_say(fd, "CAPA\r\n");
  int lines = 0;
  do {
    n = hs_line(fd, buf, sizeof buf, &rc);
    ck_assert_uint_gt(n, 0);
    lines++;
  } while (strcmp(buf, ".\r\n") != 0);
  ck_assert_int_gt(lines, 2);
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_reset_mid_reply) {
  struct ms_server *s = hs_start(MS_PROTO_SMTP, "reset-mid-reply");
  int fd = hs_dial(s, 10000);
  char buf[4096];
  ssize_t rc;
  hs_line(fd, buf, sizeof buf, &rc);
  ck_assert_str_eq(buf, GREETING_5321 "\r\n"); /* the greeting is whole */
  hs_say(fd, "EHLO client.example\r\n");
  size_t n = 0;
  for (;;) {
    ssize_t r = recv(fd, buf + n, sizeof buf - 1 - n, 0);
    if (r <= 0) {
      rc = r;
      break;
    }
    n += (size_t)r;
  }
  buf[n] = '\0';
  ck_assert_int_eq(rc, -1);
  ck_assert_int_eq(errno, ECONNRESET); /* a reset, not a FIN */
  ck_assert_uint_gt(n, 0);
  ck_assert(strncmp(buf, "250-", 4) == 0);
  ck_assert_ptr_null(strstr(buf, "250 ")); /* the final line never came */
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_no_read) {
  struct ms_server *s = hs_start(MS_PROTO_SMTP, "no-read");
  int fd = hs_dial(s, 10000);
  char buf[512];
  ssize_t rc;
  hs_line(fd, buf, sizeof buf, &rc);
  ck_assert_str_eq(buf, GREETING_5321 "\r\n");
  /* the server never reads: a non-blocking sender soon finds no room */
  static char chunk[65536];
  memset(chunk, 'x', sizeof chunk);
  size_t sent = 0;
  for (int i = 0; i < 4096; i++) { /* at most 256 MiB */
    ssize_t w = send(fd, chunk, sizeof chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w < 0) {
      ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK, "%s",
                    strerror(errno));
      break;
    }
    sent += (size_t)w;
    ck_assert_msg(i < 4095, "sent %zu octets and the buffer never filled",
                  sent);
  }
  ck_assert_uint_lt(sent, 64u << 20);
  close(fd);
  ms_server_stop(s);
}
END_TEST

Suite *make_hostile_suite(void);
Suite *make_hostile_suite(void) {
  Suite *s = suite_create("hostile");
  TCase *tc = tcase_create("faults");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_parse);
  tcase_add_test(tc, test_no_greeting);
  tcase_add_test(tc, test_close_at_once);
  tcase_add_test(tc, test_greet_twice);
  tcase_add_test(tc, test_endless_smtp);
  tcase_add_test(tc, test_endless_pop3);
  tcase_add_test(tc, test_long_line);
  tcase_add_test(tc, test_trickle);
  tcase_add_test(tc, test_nul_and_utf8);
  tcase_add_test(tc, test_reset_mid_reply);
  tcase_add_test(tc, test_no_read);
  suite_add_tcase(s, tc);
  return s;
}
