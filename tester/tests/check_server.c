/* Unit tests for the reference server's socket loop (server*.c): a real
 * server on 127.0.0.1:0, real client sockets.  Every read has a 10 s
 * socket timeout so that a broken server fails the test, not hangs it;
 * nothing is judged by time. */
#include <check.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "util.h"
#include "world.h"
#include "mailspec/server.h"

static struct ms_server *start(enum ms_profile p, const char *const *faults,
                               size_t nfaults, FILE *live) {
  struct ms_server_opts o = {MS_PROTO_SMTP, p,    NULL,  faults, nfaults,
                             NULL,          live, false, NULL};
  char err[256] = "";
  struct ms_server *s = ms_server_start(&o, "127.0.0.1:0", err, sizeof err);
  ck_assert_msg(s != NULL, "%s", err);
  return s;
}

static int dial(const struct ms_server *s) {
  struct addrinfo hints = {0}, *res;
  hints.ai_socktype = SOCK_STREAM;
  ck_assert_int_eq(
      getaddrinfo(ms_server_host(s), ms_server_port(s), &hints, &res), 0);
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(connect(fd, res->ai_addr, res->ai_addrlen), 0);
  freeaddrinfo(res);
  struct timeval tv = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

static void put(int fd, const char *s, size_t n) {
  while (n) {
    ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
    ck_assert_int_gt(w, 0);
    s += w;
    n -= (size_t)w;
  }
}

static void say(int fd, const char *line) {
  put(fd, line, strlen(line));
  put(fd, "\r\n", 2);
}

/* One reply (all its lines), raw; "" when the server closed. */
static char *reply(int fd) {
  static char buf[8192];
  size_t n = 0;
  for (;;) {
    ssize_t r = recv(fd, buf + n, 1, 0);
    if (r <= 0)
      break;
    n++;
    if (buf[n - 1] == '\n') {
      size_t start = n - 1;
      while (start > 0 && buf[start - 1] != '\n')
        start--;
      if (n - start >= 4 && buf[start + 3] != '-')
        break;
    }
    ck_assert_uint_lt(n, sizeof buf - 1);
  }
  buf[n] = '\0';
  return buf;
}

static int code(int fd) {
  return atoi(reply(fd));
}

START_TEST(test_session_over_tcp) {
  struct ms_server *s = start(MS_PROFILE_RFC821, NULL, 0, NULL);
  ck_assert_str_eq(ms_server_host(s), "127.0.0.1");
  ck_assert_int_gt(atoi(ms_server_port(s)), 0);
  char *want = xasprintf("127.0.0.1:%s", ms_server_port(s));
  ck_assert_str_eq(ms_server_address(s), want);
  free(want);
  int fd = dial(s);
  ck_assert_str_eq(reply(fd),
                   "220 BBN-UNIX.ARPA Simple Mail Transfer Service Ready\r\n");
  say(fd, "HELO USC-ISIF.ARPA");
  ck_assert_str_eq(reply(fd), "250 BBN-UNIX.ARPA\r\n");
  say(fd, "EXPN Example-People");
  ck_assert(strncmp(reply(fd), "250-<ABC@MIT-MC.ARPA>\r\n", 23) == 0);
  say(fd, "MAIL FROM:<Smith@USC-ISIF.ARPA>");
  ck_assert_int_eq(code(fd), 250);
  say(fd, "RCPT TO:<Jones@BBN-UNIX.ARPA>");
  ck_assert_int_eq(code(fd), 250);
  say(fd, "DATA");
  ck_assert_int_eq(code(fd), 354);
  /* a line split over several writes */
  put(fd, "Blah bl", 7);
  put(fd, "ah\r", 3);
  put(fd, "\n.\r\n", 4);
  ck_assert_int_eq(code(fd), 250);
  say(fd, "QUIT");
  ck_assert_int_eq(code(fd), 221);
  ck_assert_str_eq(reply(fd), ""); /* the server closed */
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_overlong_and_binary) {
  struct ms_server *s = start(MS_PROFILE_RFC5321, NULL, 0, NULL);
  int fd = dial(s);
  ck_assert_int_eq(code(fd), 220);
  char big[20000];
  memset(big, 'A', sizeof big);
  put(fd, big, sizeof big);
  put(fd, big, sizeof big);
  say(fd, "");
  /* codes before EHLO too (RFC 2034 §4) */
  ck_assert_str_eq(reply(fd), "500 5.5.2 Line too long.\r\n");
  say(fd, "NOOP"); /* the rest of the long line was discarded */
  ck_assert_str_eq(reply(fd), "250 2.0.0 OK\r\n");
  put(fd, "\x16\x03\x01\x00\xa5\x01\x00\x00\r\n", 10);
  ck_assert_int_eq(code(fd), 500);
  put(fd, "NO\0OP\r\n", 7);
  ck_assert_int_eq(code(fd), 500);
  /* RFC 5321 §2.3.8: a bare LF does not end the line: one reply (500)
   * for the whole line up to the CRLF */
  put(fd, "NOOP\n", 5);
  say(fd, "NOOP");
  ck_assert_int_eq(code(fd), 500);
  say(fd, "QUIT");
  ck_assert_int_eq(code(fd), 221);
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_pipelining_order) {
  struct ms_server *s = start(MS_PROFILE_RFC5321, NULL, 0, NULL);
  int fd = dial(s);
  ck_assert_int_eq(code(fd), 220);
  const char *batch =
      "EHLO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<Jones@foo.com>\r\n"
      "RCPT TO:<Green@foo.com>\r\nDATA\r\nhello\r\n.\r\n"
      "QUIT\r\n";
  put(fd, batch, strlen(batch));
  int want[] = {250, 250, 250, 550, 354, 250, 221};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    ck_assert_int_eq(code(fd), want[i]);
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_many_clients) {
  struct ms_server *s = start(MS_PROFILE_RFC821, NULL, 0, NULL);
  int fd[40];
  for (int i = 0; i < 40; i++) {
    fd[i] = dial(s);
    ck_assert_int_eq(code(fd[i]), 220);
  }
  for (int i = 0; i < 40; i++)
    say(fd[i], "HELO many.example");
  for (int i = 39; i >= 0; i--)
    ck_assert_int_eq(code(fd[i]), 250);
  for (int i = 0; i < 40; i++) {
    say(fd[i], "QUIT");
    ck_assert_int_eq(code(fd[i]), 221);
    close(fd[i]);
  }
  ms_server_stop(s);
}
END_TEST

START_TEST(test_vanish_mid_data) {
  struct ms_server *s = start(MS_PROFILE_RFC821, NULL, 0, NULL);
  int fd = dial(s);
  ck_assert_int_eq(code(fd), 220);
  say(fd, "HELO x");
  say(fd, "MAIL FROM:<a@b.c>");
  say(fd, "RCPT TO:<Jones@BBN-UNIX.ARPA>");
  say(fd, "DATA");
  for (int i = 0; i < 4; i++)
    ck_assert_int_gt(code(fd), 0);
  put(fd, "half a line", 11);
  close(fd);    /* gone mid-DATA, mid-line */
  fd = dial(s); /* the server still serves */
  ck_assert_int_eq(code(fd), 220);
  say(fd, "NOOP");
  ck_assert_int_eq(code(fd), 250);
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_stop_says_421) {
  struct ms_server *s = start(MS_PROFILE_RFC821, NULL, 0, NULL);
  int fd = dial(s);
  ck_assert_int_eq(code(fd), 220);
  say(fd, "HELO x");
  ck_assert_int_eq(code(fd), 250);
  ms_server_stop(s);
  ck_assert_int_eq(code(fd), 421); /* RFC 821 §4.3: shutting down */
  ck_assert_str_eq(reply(fd), "");
  close(fd);
}
END_TEST

START_TEST(test_wire_faults) {
  const char *f[] = {"bare-lf", "slow:50"};
  struct ms_server *s = start(MS_PROFILE_RFC821, f, 2, NULL);
  int fd = dial(s);
  ck_assert_str_eq(reply(fd),
                   "220 BBN-UNIX.ARPA Simple Mail Transfer Service Ready\n");
  say(fd, "HELP");
  const char *r = reply(fd);
  ck_assert_ptr_null(strchr(r, '\r'));
  ck_assert_ptr_nonnull(strstr(r, "\n214 End of HELP info\n"));
  close(fd);
  ms_server_stop(s);

  const char *g[] = {"greet-554"};
  s = start(MS_PROFILE_RFC5321, g, 1, NULL);
  fd = dial(s);
  ck_assert_int_eq(code(fd), 554);
  say(fd, "EHLO x");
  ck_assert_int_eq(code(fd), 503);
  close(fd);
  ms_server_stop(s);

  const char *c[] = {"close-after-data"};
  s = start(MS_PROFILE_RFC5321, c, 1, NULL);
  fd = dial(s);
  const char *batch =
      "EHLO x\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<Jones@foo.com>\r\n"
      "DATA\r\n";
  put(fd, batch, strlen(batch));
  int want[] = {220, 250, 250, 250, 354};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    ck_assert_int_eq(code(fd), want[i]);
  ck_assert_str_eq(reply(fd), "");
  close(fd);
  ms_server_stop(s);
}
END_TEST

START_TEST(test_live_view) {
  char *text = NULL;
  size_t len = 0;
  FILE *live = open_memstream(&text, &len);
  struct ms_server *s = start(MS_PROFILE_RFC821, NULL, 0, live);
  int fd = dial(s);
  ck_assert_int_eq(code(fd), 220);
  say(fd, "HELO USC-ISIF.ARPA");
  ck_assert_int_eq(code(fd), 250);
  put(fd, "NOOP \x01\r\n", 8);
  ck_assert_int_eq(code(fd), 500);
  say(fd, "QUIT");
  ck_assert_int_eq(code(fd), 221);
  ck_assert_str_eq(reply(fd), "");
  close(fd);
  ms_server_stop(s);
  fclose(live);
  ck_assert_ptr_nonnull(strstr(text, "R: 220 BBN-UNIX.ARPA Simple Mail"));
  ck_assert_ptr_nonnull(strstr(text, "\nS: HELO USC-ISIF.ARPA\nR: 250 BBN"));
  ck_assert_ptr_nonnull(strstr(text, "S: NOOP \\x01\n"));
  ck_assert_ptr_nonnull(strstr(text, "-- [1] connection from 127.0.0.1:"));
  free(text);
}
END_TEST

START_TEST(test_start_errors) {
  struct ms_server_opts o = {
      MS_PROTO_SMTP, MS_PROFILE_RFC821, NULL, NULL, 0, NULL, NULL, false, NULL};
  char err[256];
  ck_assert_ptr_null(ms_server_start(&o, "no-port-here", err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "ADDR:PORT"));
  ck_assert_ptr_null(
      ms_server_start(&o, "127.0.0.1:notaport", err, sizeof err));
  const char *f[] = {"slow:abc"};
  o.faults = f;
  o.nfaults = 1;
  ck_assert_ptr_null(ms_server_start(&o, "127.0.0.1:0", err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "slow"));
  const char *g[] = {"melt-down"};
  o.faults = g;
  ck_assert_ptr_null(ms_server_start(&o, "127.0.0.1:0", err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "unknown fault"));
  o.nfaults = 0;
  struct ms_server *s = ms_server_start(&o, "127.0.0.1:0", err, sizeof err);
  ck_assert_ptr_nonnull(s);
  /* the same port twice: the second bind fails with a reason */
  char *again = xasprintf("127.0.0.1:%s", ms_server_port(s));
  ck_assert_ptr_null(ms_server_start(&o, again, err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, again));
  free(again);
  o.spool = "/proc/no/such/dir";
  ck_assert_ptr_null(ms_server_start(&o, "127.0.0.1:0", err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "--spool"));
  ms_server_stop(s);
}
END_TEST

START_TEST(test_faults_known) {
  const char *good[] = {"rcpt-250",       "mixed-multiline", "bare-lf",
                        "no-unstuff",     "greet-554",       "close-after-data",
                        "slow:1",         "slow:600000",     "pop3-octets",
                        "pop3-early-dele"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    ck_assert_msg(ms_fault_known(good[i]), "%s", good[i]);
  const char *bad[] = {"",        "slow",        "slow:",      "slow:0",
                       "slow:-5", "slow:600001", "rcpt-250:1", "RCPT-250",
                       "nope",    "bare-lf "};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(!ms_fault_known(bad[i]), "%s", bad[i]);
  ck_assert(!ms_fault_known(NULL));
}
END_TEST

START_TEST(test_ipv6) {
  struct ms_server_opts o = {
      MS_PROTO_SMTP, MS_PROFILE_RFC5321, NULL, NULL, 0, NULL, NULL, false,
      NULL};
  char err[256];
  struct ms_server *s = ms_server_start(&o, "[::1]:0", err, sizeof err);
  if (!s)
    return; /* no IPv6 loopback on this machine */
  ck_assert(strncmp(ms_server_address(s), "[::1]:", 6) == 0);
  int fd = dial(s);
  ck_assert_int_eq(code(fd), 220);
  close(fd);
  ms_server_stop(s);
}
END_TEST

Suite *make_server_suite(void);
Suite *make_server_suite(void) {
  Suite *s = suite_create("server");
  TCase *tc = tcase_create("socket");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_session_over_tcp);
  tcase_add_test(tc, test_overlong_and_binary);
  tcase_add_test(tc, test_pipelining_order);
  tcase_add_test(tc, test_many_clients);
  tcase_add_test(tc, test_vanish_mid_data);
  tcase_add_test(tc, test_stop_says_421);
  tcase_add_test(tc, test_wire_faults);
  tcase_add_test(tc, test_live_view);
  tcase_add_test(tc, test_start_errors);
  tcase_add_test(tc, test_faults_known);
  tcase_add_test(tc, test_ipv6);
  suite_add_tcase(s, tc);
  return s;
}
