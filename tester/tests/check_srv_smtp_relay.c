/* Unit tests for the relay route (world.c's relay_route, world_relay.c,
 * srv_smtp_relay.c, server.c's next hop): a real server with its POP3
 * side on 127.0.0.1:0, real client sockets; the relayed message and the
 * relay's DSN are read back over POP3.  Every read has a 10 s socket
 * timeout so that a broken server fails the test, not hangs it. */
#include <check.h>
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
#include "mailspec/transcript.h"

static int apply(struct ms_world *w, const char *y, struct ms_diags *d) {
  return ms_world_apply_yaml(w, "w.yaml", y, strlen(y), 1, d);
}

START_TEST(test_relay_route_yaml) {
  struct ms_world *w = ms_world_builtin();
  ck_assert_str_eq(w->route_domain, "relay.test");
  ck_assert_str_eq(w->route_host, "next.test");
  struct ms_diags d = {0};
  ck_assert_int_eq(
      apply(w, "relay_route: {domain: r.example, next_hop: n.example}\n", &d),
      0);
  ck_assert_str_eq(w->route_domain, "r.example");
  ck_assert_str_eq(w->route_host, "n.example");
  ck_assert(ms_world_route_domain(w, "R.EXAMPLE"));
  ck_assert(!ms_world_route_domain(w, "relay.test"));
  ck_assert_int_eq(apply(w, "relay_route: {domain: x.example}\n", &d), -1);
  ck_assert_int_eq(apply(w, "relay_route: {domain: a, hop: b}\n", &d), -1);
  ck_assert_int_eq(apply(w, "ehlo_off: [DSN]\n", &d), 0);
  ms_diags_free(&d);
  ms_world_free(w);
}
END_TEST

START_TEST(test_next_hop_world) {
  struct ms_world *w = ms_world_builtin();
  struct ms_world *n = ms_world_next_hop(w);
  ck_assert_ptr_nonnull(n);
  ck_assert_str_eq(n->hostname, "next.test");
  ck_assert(ms_world_local_domain(n, "relay.test"));
  ck_assert(!ms_world_local_domain(n, "localhost"));
  ck_assert_ptr_nonnull(ms_world_find_user(n, "testuser@relay.test"));
  ck_assert_ptr_null(ms_world_find_user(n, "nobody@relay.test"));
  ck_assert_ptr_null(ms_world_find_user(n, "bounce@relay.test"));
  ck_assert_ptr_null(ms_world_next_hop(n)); /* no route of its own */
  ck_assert_int_eq(n->nehlo_off, 1);
  ck_assert_str_eq(n->ehlo_off[0], "DSN");
  ms_world_free(n);
  ms_world_free(w);
}
END_TEST

/* ---- over TCP ----------------------------------------------------------- */

static int dial(const char *hostport) {
  char host[64];
  const char *colon = strrchr(hostport, ':');
  ck_assert_ptr_nonnull(colon);
  snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
  struct addrinfo hints = {0}, *res;
  hints.ai_socktype = SOCK_STREAM;
  ck_assert_int_eq(getaddrinfo(host, colon + 1, &hints, &res), 0);
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(connect(fd, res->ai_addr, res->ai_addrlen), 0);
  freeaddrinfo(res);
  struct timeval tv = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

static void say(int fd, const char *line) {
  char *l = xasprintf("%s\r\n", line);
  ck_assert_int_eq(send(fd, l, strlen(l), MSG_NOSIGNAL), (ssize_t)strlen(l));
  free(l);
}

/* Read until the buffer ends with END (or the server closed). */
static char *until(int fd, const char *end) {
  static char buf[65536];
  size_t n = 0, k = strlen(end);
  for (;;) {
    ssize_t r = recv(fd, buf + n, 1, 0);
    if (r <= 0)
      break;
    n++;
    buf[n] = '\0';
    if (n >= k && memcmp(buf + n - k, end, k) == 0)
      break;
    ck_assert_uint_lt(n, sizeof buf - 2);
  }
  buf[n] = '\0';
  return buf;
}

/* One SMTP reply's code (a multi-line one read to its last line). */
static int smtp_code(int fd) {
  for (;;) {
    char *l = until(fd, "\n");
    if (strlen(l) < 4 || l[3] != '-')
      return atoi(l);
  }
}

static struct ms_server *start_world(const char *pop3,
                                     const struct ms_world *w) {
  struct ms_server_opts o = {.protocol = MS_PROTO_SMTP,
                             .profile = MS_PROFILE_RFC5321,
                             .world = w,
                             .pop3_listen = pop3};
  char err[256] = "";
  struct ms_server *s = ms_server_start(&o, "127.0.0.1:0", err, sizeof err);
  ck_assert_msg(s != NULL, "%s", err);
  return s;
}

static struct ms_server *start(const char *pop3) {
  return start_world(pop3, NULL);
}

/* RFC 5321 §3.6.3, RFC 3461 §5.2.2: one message to a recipient the next
 * hop takes (NOTIFY=SUCCESS) and one it refuses. */
START_TEST(test_relay_over_tcp) {
  struct ms_server *s = start("127.0.0.1:0");
  int fd = dial(ms_server_address(s));
  ck_assert_int_eq(smtp_code(fd), 220);
  say(fd, "EHLO client.example");
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "MAIL FROM:<testuser@localhost>");
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "RCPT TO:<testuser@relay.test> NOTIFY=SUCCESS");
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "RCPT TO:<nobody@relay.test>");
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "DATA");
  ck_assert_int_eq(smtp_code(fd), 354);
  say(fd, "Subject: relayed\r\n\r\n..a dot\r\n.");
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "QUIT");
  ck_assert_int_eq(smtp_code(fd), 221);
  close(fd);

  int p = dial(ms_server_pop3_address(s));
  until(p, "\r\n");
  say(p, "USER testuser");
  until(p, "\r\n");
  say(p, "PASS testpass");
  ck_assert(strncmp(until(p, "\r\n"), "+OK", 3) == 0);
  say(p, "STAT");
  ck_assert(strncmp(until(p, "\r\n"), "+OK 2 ", 6) == 0);
  say(p, "RETR 1");
  char *m = xstrdup(until(p, "\r\n.\r\n"));
  ck_assert_msg(strstr(m, "Return-Path: <testuser@localhost>\r\n"), "%s", m);
  ck_assert_msg(strstr(m, "by next.test "), "%s", m);
  ck_assert_msg(strstr(m, "from client.example ([127.0.0.1])\r\n"
                          "\tby BBN-UNIX.ARPA "),
                "%s", m);
  ck_assert_msg(strstr(m, "Subject: relayed\r\n\r\n..a dot\r\n.\r\n"), "%s", m);
  free(m);
  say(p, "RETR 2");
  m = xstrdup(until(p, "\r\n.\r\n"));
  ck_assert_msg(strstr(m, "Return-Path: <>\r\n"), "%s", m);
  ck_assert_msg(strstr(m, "Final-Recipient: rfc822; nobody@relay.test\r\n"
                          "Action: failed\r\nStatus: 5.1.1\r\n"
                          "Remote-MTA: dns; next.test\r\n"
                          "Diagnostic-Code: smtp; 550 5.1.1 No such user "
                          "here\r\n"),
                "%s", m);
  ck_assert_msg(strstr(m, "Final-Recipient: rfc822; testuser@relay.test\r\n"
                          "Action: relayed\r\n"),
                "%s", m);
  free(m);
  say(p, "QUIT");
  close(p);
  ms_server_stop(s);
}
END_TEST

/* RFC 3461 §5.2.1: to a next hop that offers DSN the relay passes NOTIFY,
 * ORCPT, RET and ENVID on and issues no "relayed" DSN; the next hop's
 * "delivered" DSN shows them. */
START_TEST(test_relay_passes_dsn_on) {
  struct ms_world *w = ms_world_builtin();
  struct ms_diags d = {0};
  ck_assert_int_eq(apply(w,
                         "relay_route: {domain: relay.test, next_hop: "
                         "next.test, next_hop_dsn: true}\n",
                         &d),
                   0);
  ms_diags_free(&d);
  struct ms_server *s = start_world("127.0.0.1:0", w);
  int fd = dial(ms_server_address(s));
  ck_assert_int_eq(smtp_code(fd), 220);
  say(fd, "EHLO client.example");
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "MAIL FROM:<testuser@localhost> RET=HDRS ENVID=env+2Bid");
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "RCPT TO:<testuser@relay.test> NOTIFY=SUCCESS "
          "ORCPT=rfc822;orig@example.org");
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "DATA");
  ck_assert_int_eq(smtp_code(fd), 354);
  say(fd, "Subject: passed on\r\n\r\nbody\r\n.");
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "QUIT");
  ck_assert_int_eq(smtp_code(fd), 221);
  close(fd);
  int p = dial(ms_server_pop3_address(s));
  until(p, "\r\n");
  say(p, "USER testuser");
  until(p, "\r\n");
  say(p, "PASS testpass");
  ck_assert(strncmp(until(p, "\r\n"), "+OK", 3) == 0);
  say(p, "STAT"); /* the copy and the next hop's DSN, none of the relay */
  ck_assert(strncmp(until(p, "\r\n"), "+OK 2 ", 6) == 0);
  say(p, "RETR 2");
  char *m = xstrdup(until(p, "\r\n.\r\n"));
  ck_assert_msg(strstr(m, "Reporting-MTA: dns; next.test\r\n"), "%s", m);
  ck_assert_msg(strstr(m, "Original-Envelope-ID: env+id\r\n"), "%s", m);
  ck_assert_msg(strstr(m, "Original-Recipient: rfc822;orig@example.org\r\n"),
                "%s", m);
  ck_assert_msg(strstr(m, "Action: delivered\r\n"), "%s", m);
  ck_assert_msg(strstr(m, "text/rfc822-headers"), "%s", m);
  free(m);
  say(p, "QUIT");
  close(p);
  ms_server_stop(s);
  ms_world_free(w);
}
END_TEST

/* Without a POP3 side there is no next hop: the route's domain is
 * refused like any domain not relayed (RFC 5321 §3.6.2). */
START_TEST(test_no_next_hop) {
  struct ms_server *s = start(NULL);
  int fd = dial(ms_server_address(s));
  ck_assert_int_eq(smtp_code(fd), 220);
  say(fd, "EHLO client.example");
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "MAIL FROM:<testuser@localhost>");
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "RCPT TO:<testuser@relay.test>");
  ck_assert_int_eq(smtp_code(fd), 550);
  say(fd, "QUIT");
  ck_assert_int_eq(smtp_code(fd), 221);
  close(fd);
  ms_server_stop(s);
}
END_TEST

/* branch relay2: relay one message (DATA lines BODY) from FROM under
 * FAULT (or none) and return what the mailbox holds: "+OK N ..." of
 * STAT, then message N.  Static storage. */
static const char *relay_one(const char *fault, const char *from,
                             const char *body) {
  static char out[65536];
  const char *faults[] = {fault};
  struct ms_server_opts o = {.protocol = MS_PROTO_SMTP,
                             .profile = MS_PROFILE_RFC5321,
                             .faults = faults,
                             .nfaults = fault ? 1 : 0,
                             .pop3_listen = "127.0.0.1:0"};
  char err[256] = "";
  struct ms_server *s = ms_server_start(&o, "127.0.0.1:0", err, sizeof err);
  ck_assert_msg(s != NULL, "%s", err);
  int fd = dial(ms_server_address(s));
  ck_assert_int_eq(smtp_code(fd), 220);
  say(fd, "EHLO client.example");
  ck_assert_int_eq(smtp_code(fd), 250);
  char line[256];
  snprintf(line, sizeof line, "MAIL FROM:<%s>", from);
  say(fd, line);
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "RCPT TO:<testuser@relay.test>");
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "DATA");
  ck_assert_int_eq(smtp_code(fd), 354);
  say(fd, body);
  ck_assert_int_eq(smtp_code(fd), 250);
  say(fd, "QUIT");
  ck_assert_int_eq(smtp_code(fd), 221);
  close(fd);
  int p = dial(ms_server_pop3_address(s));
  until(p, "\r\n");
  say(p, "USER testuser");
  until(p, "\r\n");
  say(p, "PASS testpass");
  ck_assert(strncmp(until(p, "\r\n"), "+OK", 3) == 0);
  say(p, "STAT");
  snprintf(out, sizeof out, "%s", until(p, "\r\n"));
  if (strncmp(out, "+OK 0 ", 6) != 0) {
    say(p, "RETR 1");
    size_t n = strlen(out);
    snprintf(out + n, sizeof out - n, "%s", until(p, "\r\n.\r\n"));
  }
  say(p, "QUIT");
  close(p);
  ms_server_stop(s);
  return out;
}

/* RFC 5321 §4.1.1.3: "names MUST NOT be copied into the reverse-path";
 * fault relay-name-in-sender copies the relay's in (the %-hack). */
START_TEST(test_relay_reverse_path_bare) {
  const char *m =
      relay_one(NULL, "sender@example.org", "Subject: a\r\n\r\nb\r\n.");
  ck_assert_msg(strstr(m, "Return-Path: <sender@example.org>\r\n"), "%s", m);
  m = relay_one("relay-name-in-sender", "sender@example.org",
                "Subject: a\r\n\r\nb\r\n.");
  ck_assert_msg(
      strstr(m, "Return-Path: <sender%example.org@BBN-UNIX.ARPA>\r\n"), "%s",
      m);
}
END_TEST

/* RFC 5321 §4.4: a relay "MUST NOT inspect the message data ... to
 * determine if Return-path header fields are present": a message with
 * one is passed on (the final delivery then puts its own on top). */
START_TEST(test_relay_return_path_field) {
  static const char body[] = "Return-Path: <old@example.org>\r\n"
                             "Subject: a\r\n\r\nb\r\n.";
  const char *m = relay_one(NULL, "sender@example.org", body);
  ck_assert_msg(strstr(m, "Subject: a\r\n"), "%s", m);
  m = relay_one("relay-drops-return-path", "sender@example.org", body);
  ck_assert_msg(strncmp(m, "+OK 0 ", 6) == 0, "%s", m);
}
END_TEST

Suite *make_srv_smtp_relay_suite(void);
Suite *make_srv_smtp_relay_suite(void) {
  Suite *s = suite_create("srv_smtp_relay");
  TCase *tc = tcase_create("relay");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_relay_route_yaml);
  tcase_add_test(tc, test_next_hop_world);
  tcase_add_test(tc, test_relay_over_tcp);
  tcase_add_test(tc, test_relay_passes_dsn_on);
  tcase_add_test(tc, test_no_next_hop);
  tcase_add_test(tc, test_relay_reverse_path_bare); /* branch relay2 */
  tcase_add_test(tc, test_relay_return_path_field);
  suite_add_tcase(s, tc);
  return s;
}
