/* Unit tests for srv_pop3.c / srv_pop3_txn.c: the reference server's POP3
 * session, driven line by line without sockets, on the built-in world
 * (world_pop3.c) and a real store (store.c). */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apop.h"
#include "auth.h"
#include "buf.h"
#include "srv_tls.h"
#include "srv_saslprep.h"
#include "srv.h"
#include "store.h"
#include "util.h"
#include "world.h"

#define MSG1                                                                   \
  "From: Marshall Rose <mrose@dbc.mtview.ca.us>\r\n"                           \
  "To: mrose@dbc.mtview.ca.us\r\n"                                             \
  "Subject: POP3 test 1\r\n"                                                   \
  "\r\n"                                                                       \
  "This is message one.\r\n"
#define MSG2_HEAD                                                              \
  "From: John Myers <jgm@cmu.edu>\r\n"                                         \
  "To: mrose@dbc.mtview.ca.us\r\n"                                             \
  "Subject: Re: the maildrop\r\n"                                              \
  "\r\n"
/* As sent by RETR: the line starting with "." is byte-stuffed. */
#define MSG2_BODY_STUFFED                                                      \
  "Marshall,\r\n"                                                              \
  "\r\n"                                                                       \
  "..This line starts with a dot, so RETR byte-stuffs it.\r\n"                 \
  "The second message, 200 octets.\r\n"                                        \
  "-- John.\r\n"

static struct ms_world *world;
static struct ms_store *store;
static struct srv_ctx ctx;

static void setup(void) {
  world = ms_world_builtin();
  /* RFC 1939 §10's server calls itself "dewey". */
  free(world->hostname);
  world->hostname = xstrdup("dewey");
  /* ...and greets with §10's timestamp (the classroom's world sets it). */
  world->pop3_timestamp = xstrdup("<1896.697170952@dbc.mtview.ca.us>");
  store = ms_store_new(world, NULL);
  memset(&ctx, 0, sizeof ctx);
  ctx.world = world;
  ctx.store = store;
}

static void teardown(void) {
  ms_store_free(store);
  ms_world_free(world);
}

/* One client connection. */
struct conn {
  void *sess;
  struct ms_buf out;
  enum srv_action act;
};

static void conn_open(struct conn *c) {
  ms_buf_init(&c->out, 1 << 20);
  c->act = SRV_CONTINUE;
  c->sess = ms_srv_pop3_ops.open(&ctx, &c->out, &c->act);
  ck_assert_ptr_nonnull(c->sess);
}

static void conn_close(struct conn *c) {
  ms_srv_pop3_ops.close(c->sess);
  ms_buf_free(&c->out);
}

/* Send LINE (without CRLF); returns the response bytes. */
static const char *say(struct conn *c, const char *line) {
  ms_buf_reset(&c->out);
  c->act = ms_srv_pop3_ops.line(c->sess, line, strlen(line), true, &c->out);
  return c->out.p ? c->out.p : "";
}

static bool matches(const char *text, const char *ere) {
  regex_t re;
  ck_assert_int_eq(regcomp(&re, ere, REG_EXTENDED | REG_NOSUB), 0);
  bool m = regexec(&re, text, 0, NULL, 0) == 0;
  regfree(&re);
  return m;
}

/* Open and log in as mrose with USER/PASS. */
static void login(struct conn *c) {
  conn_open(c);
  ck_assert_str_eq(say(c, "USER mrose"), "+OK mrose is a real hoopy frood\r\n");
  ck_assert_str_eq(say(c, "PASS secret"),
                   "+OK mrose's maildrop has 2 messages (320 octets)\r\n");
}

/* RFC 1939 §10, byte for byte. */
START_TEST(test_rfc1939_example_session) {
  struct conn c;
  conn_open(&c);
  ck_assert_str_eq(
      c.out.p, "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n");
  ck_assert_str_eq(say(&c, "APOP mrose c4c9334bac560ecc979e58001b3e22fb"),
                   "+OK mrose's maildrop has 2 messages (320 octets)\r\n");
  ck_assert_str_eq(say(&c, "STAT"), "+OK 2 320\r\n");
  ck_assert_str_eq(say(&c, "LIST"),
                   "+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n");
  ck_assert_str_eq(say(&c, "RETR 1"), "+OK 120 octets\r\n" MSG1 ".\r\n");
  ck_assert_str_eq(say(&c, "DELE 1"), "+OK message 1 deleted\r\n");
  ck_assert_str_eq(say(&c, "RETR 2"),
                   "+OK 200 octets\r\n" MSG2_HEAD MSG2_BODY_STUFFED ".\r\n");
  ck_assert_str_eq(say(&c, "DELE 2"), "+OK message 2 deleted\r\n");
  ck_assert_str_eq(say(&c, "QUIT"),
                   "+OK dewey POP3 server signing off (maildrop empty)\r\n");
  ck_assert_int_eq(c.act, SRV_CLOSE);
  conn_close(&c);
  /* UPDATE removed both for the next session. */
  ck_assert_uint_eq(ms_store_pop3_count(store, "mrose"), 0);
  conn_open(&c);
  ck_assert_str_eq(say(&c, "USER mrose"),
                   "+OK mrose is a real hoopy frood\r\n");
  ck_assert_str_eq(say(&c, "PASS secret"),
                   "+OK mrose's maildrop has 0 messages (0 octets)\r\n");
  ck_assert_str_eq(say(&c, "LIST"), "+OK 0 messages (0 octets)\r\n.\r\n");
  conn_close(&c);
}
END_TEST

START_TEST(test_user_pass) {
  struct conn c;
  conn_open(&c);
  /* RFC 1939 §7 USER examples. */
  ck_assert_str_eq(say(&c, "USER frated"),
                   "-ERR sorry, no mailbox for frated here\r\n");
  ck_assert(matches(say(&c, "PASS secret"), "^-ERR "));
  ck_assert(matches(say(&c, "USER mrose"), "^\\+OK "));
  ck_assert_str_eq(say(&c, "PASS Secret"), "-ERR [AUTH] invalid password\r\n");
  /* PASS only immediately after a successful USER. */
  ck_assert(matches(say(&c, "PASS secret"), "^-ERR "));
  ck_assert(matches(say(&c, "USER mrose"), "^\\+OK "));
  ck_assert(matches(say(&c, "CAPA"), "^\\+OK "));
  ck_assert(matches(say(&c, "PASS secret"), "^-ERR "));
  ck_assert(matches(say(&c, "user mrose"), "^\\+OK "));
  ck_assert(matches(say(&c, "pass secret"), "^\\+OK mrose's maildrop"));
  ck_assert_int_eq(c.act, SRV_CONTINUE);
  conn_close(&c);
}
END_TEST

START_TEST(test_apop) {
  struct conn c;
  conn_open(&c);
  ck_assert_str_eq(say(&c, "APOP mrose c4c9334bac560ecc979e58001b3e22fc"),
                   "-ERR [AUTH] permission denied\r\n");
  /* Unknown name and a maildrop without an APOP secret: same answer. */
  ck_assert_str_eq(say(&c, "APOP frated c4c9334bac560ecc979e58001b3e22fb"),
                   "-ERR [AUTH] permission denied\r\n");
  ck_assert_str_eq(say(&c, "APOP ford c4c9334bac560ecc979e58001b3e22fb"),
                   "-ERR [AUTH] permission denied\r\n");
  ck_assert(matches(say(&c, "APOP mrose"), "^-ERR "));
  ck_assert(matches(say(&c, "APOP mrose C4C9334BAC560ECC979E58001B3E22FB"),
                    "^\\+OK mrose's maildrop has 2 messages"));
  conn_close(&c);
}
END_TEST

/* Without a fixed timestamp: "<pid.clock@host>", new for every greeting,
 * and APOP works against it. */
START_TEST(test_generated_timestamp) {
  free(world->pop3_timestamp);
  world->pop3_timestamp = NULL;
  struct conn a, b;
  conn_open(&a);
  conn_open(&b);
  ck_assert(matches(a.out.p,
                    "^\\+OK POP3 server ready <[0-9]+\\.[0-9.]+@dewey>\r\n$"));
  ck_assert_str_ne(a.out.p, b.out.p);
  char ts[200], hex[MS_APOP_HEX_LEN + 1], cmd[300];
  const char *lt = strchr(a.out.p, '<');
  size_t n = (size_t)(strchr(lt, '>') - lt) + 1;
  memcpy(ts, lt, n);
  ts[n] = '\0';
  ck_assert_int_eq(ms_apop_digest(ts, "tanstaaf", hex), 0);
  snprintf(cmd, sizeof cmd, "APOP mrose %s", hex);
  ck_assert(matches(say(&b, cmd), "^-ERR")); /* B's salt differs */
  ck_assert(matches(say(&a, cmd), "^\\+OK"));
  conn_close(&a);
  conn_close(&b);
}
END_TEST

/* The world may reword the greeting; the APOP timestamp still ends it. */
START_TEST(test_world_greeting) {
  world->greeting = xstrdup("dewey POP3 server at your service");
  struct conn c;
  conn_open(&c);
  ck_assert_str_eq(c.out.p, "+OK dewey POP3 server at your service "
                            "<1896.697170952@dbc.mtview.ca.us>\r\n");
  conn_close(&c);
}
END_TEST

/* RFC 1939 §8: the maildrop is locked for the whole session. */
START_TEST(test_lock) {
  struct conn a, b;
  login(&a);
  conn_open(&b);
  ck_assert(matches(say(&b, "USER mrose"), "^\\+OK "));
  ck_assert_str_eq(say(&b, "PASS secret"),
                   "-ERR [IN-USE] maildrop already locked\r\n");
  ck_assert_str_eq(say(&b, "APOP mrose c4c9334bac560ecc979e58001b3e22fb"),
                   "-ERR [IN-USE] maildrop already locked\r\n");
  ck_assert(matches(say(&b, "STAT"), "^-ERR ")); /* still AUTHORIZATION */
  /* Another maildrop is not affected. */
  ck_assert(matches(say(&b, "USER ford"), "^\\+OK "));
  ck_assert(matches(say(&b, "PASS prefect"), "^\\+OK ford's maildrop"));
  conn_close(&b);
  ck_assert(matches(say(&a, "DELE 1"), "^\\+OK "));
  conn_close(&a); /* vanished without QUIT: lock released, nothing removed */
  login(&b);
  conn_close(&b);
}
END_TEST

START_TEST(test_wrong_state) {
  struct conn c;
  conn_open(&c);
  const char *txn[] = {"STAT", "LIST", "RETR 1",  "DELE 1",
                       "NOOP", "RSET", "TOP 1 1", "UIDL"};
  for (size_t i = 0; i < sizeof txn / sizeof txn[0]; i++)
    ck_assert_msg(matches(say(&c, txn[i]), "^-ERR .*AUTHORIZATION"), "%s",
                  txn[i]);
  conn_close(&c);
  login(&c);
  const char *auth[] = {"USER mrose", "PASS secret",
                        "APOP mrose c4c9334bac560ecc979e58001b3e22fb"};
  for (size_t i = 0; i < sizeof auth / sizeof auth[0]; i++)
    ck_assert_msg(matches(say(&c, auth[i]), "^-ERR .*TRANSACTION"), "%s",
                  auth[i]);
  ck_assert_str_eq(say(&c, "FROB"), "-ERR unknown command\r\n");
  ck_assert_int_eq(c.act, SRV_CONTINUE);
  conn_close(&c);
}
END_TEST

/* RFC 1939 §4: QUIT in AUTHORIZATION signs off without UPDATE. */
START_TEST(test_quit_authorization) {
  struct conn c;
  conn_open(&c);
  ck_assert(matches(say(&c, "USER mrose"), "^\\+OK "));
  ck_assert_str_eq(say(&c, "QUIT"), "+OK dewey POP3 server signing off\r\n");
  ck_assert_int_eq(c.act, SRV_CLOSE);
  conn_close(&c);
  ck_assert_uint_eq(ms_store_pop3_count(store, "mrose"), 2);
}
END_TEST

START_TEST(test_dele_rset) {
  struct conn c;
  login(&c);
  ck_assert_str_eq(say(&c, "DELE 1"), "+OK message 1 deleted\r\n");
  ck_assert_str_eq(say(&c, "DELE 1"), "-ERR message 1 already deleted\r\n");
  ck_assert(matches(say(&c, "RETR 1"), "^-ERR "));
  ck_assert(matches(say(&c, "LIST 1"), "^-ERR "));
  ck_assert(matches(say(&c, "TOP 1 0"), "^-ERR "));
  ck_assert(matches(say(&c, "UIDL 1"), "^-ERR "));
  ck_assert_str_eq(say(&c, "STAT"), "+OK 1 200\r\n");
  ck_assert_str_eq(say(&c, "LIST"),
                   "+OK 1 message (200 octets)\r\n2 200\r\n.\r\n");
  ck_assert_str_eq(say(&c, "UIDL"), "+OK\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n");
  ck_assert_str_eq(say(&c, "RSET"),
                   "+OK maildrop has 2 messages (320 octets)\r\n");
  ck_assert_str_eq(say(&c, "STAT"), "+OK 2 320\r\n");
  ck_assert(matches(say(&c, "RETR 1"), "^\\+OK 120 octets\r\n"));
  ck_assert_str_eq(say(&c, "NOOP"), "+OK\r\n");
  ck_assert_str_eq(say(&c, "QUIT"),
                   "+OK dewey POP3 server signing off (2 messages left)\r\n");
  conn_close(&c);
  ck_assert_uint_eq(ms_store_pop3_count(store, "mrose"), 2);
}
END_TEST

/* RFC 1939 §6: deletions take effect in UPDATE only, for later sessions;
 * numbering and unique-ids follow the survivors. */
START_TEST(test_update) {
  struct conn c;
  login(&c);
  ck_assert(matches(say(&c, "DELE 1"), "^\\+OK "));
  ck_assert_str_eq(say(&c, "QUIT"),
                   "+OK dewey POP3 server signing off (1 message left)\r\n");
  conn_close(&c);
  conn_open(&c);
  ck_assert(matches(say(&c, "USER mrose"), "^\\+OK "));
  ck_assert_str_eq(say(&c, "PASS secret"),
                   "+OK mrose's maildrop has 1 message (200 octets)\r\n");
  ck_assert_str_eq(say(&c, "UIDL 1"), "+OK 1 QhdPYR:00WBw1Ph7x7\r\n");
  ck_assert(matches(say(&c, "RETR 1"), "^\\+OK 200 octets\r\n"));
  ck_assert_str_eq(say(&c, "RETR 2"),
                   "-ERR no such message, only 1 message in maildrop\r\n");
  conn_close(&c);
}
END_TEST

START_TEST(test_list_uidl_args) {
  struct conn c;
  login(&c);
  /* RFC 1939 §5 LIST and §7 UIDL examples. */
  ck_assert_str_eq(say(&c, "LIST 2"), "+OK 2 200\r\n");
  ck_assert_str_eq(say(&c, "LIST 3"),
                   "-ERR no such message, only 2 messages in maildrop\r\n");
  ck_assert_str_eq(say(&c, "UIDL"), "+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n"
                                    "2 QhdPYR:00WBw1Ph7x7\r\n.\r\n");
  ck_assert_str_eq(say(&c, "UIDL 2"), "+OK 2 QhdPYR:00WBw1Ph7x7\r\n");
  ck_assert_str_eq(say(&c, "UIDL 3"),
                   "-ERR no such message, only 2 messages in maildrop\r\n");
  const char *bad[] = {"LIST 0",           "LIST -1",  "LIST x", "LIST 1x",
                       "RETR 99999999999", "LIST 1 2", "RETR",   "DELE"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(matches(say(&c, bad[i]), "^-ERR "), "%s", bad[i]);
  conn_close(&c);
}
END_TEST

/* A world without unique-ids: the fallback ids differ for identical
 * messages and survive the deletion of an earlier message. */
START_TEST(test_uidl_fallback) {
  static const char yaml[] = "pop3:\n"
                             "  maildrops:\n"
                             "    - user: twin\n"
                             "      pass: twin\n"
                             "      messages:\n"
                             "        - \"Subject: same\\n\\nsame\\n\"\n"
                             "        - \"Subject: same\\n\\nsame\\n\"\n";
  struct ms_diags d = {0};
  ms_store_free(store); /* the store is shaped by the world it was made for */
  ck_assert_int_eq(ms_world_apply_yaml(world, "t", yaml, strlen(yaml), 1, &d),
                   0);
  ms_diags_free(&d);
  store = ms_store_new(world, NULL);
  ctx.store = store;
  struct conn c;
  conn_open(&c);
  ck_assert(matches(say(&c, "USER twin"), "^\\+OK "));
  ck_assert(matches(say(&c, "PASS twin"), "^\\+OK "));
  char one[128], two[128];
  snprintf(one, sizeof one, "%s", say(&c, "UIDL 1"));
  snprintf(two, sizeof two, "%s", say(&c, "UIDL 2"));
  ck_assert(matches(one, "^\\+OK 1 1\\.[0-9a-f]{32}\r\n$"));
  ck_assert(matches(two, "^\\+OK 2 2\\.[0-9a-f]{32}\r\n$"));
  ck_assert_str_eq(one + 7, two + 7); /* same text, same digest */
  ck_assert(matches(say(&c, "DELE 1"), "^\\+OK "));
  ck_assert(matches(say(&c, "QUIT"), "^\\+OK "));
  conn_close(&c);
  conn_open(&c);
  ck_assert(matches(say(&c, "USER twin"), "^\\+OK "));
  ck_assert(matches(say(&c, "PASS twin"), "^\\+OK "));
  char want[160];
  snprintf(want, sizeof want, "+OK 1 %s", two + 6); /* "2.<md5>" kept */
  ck_assert_str_eq(say(&c, "UIDL 1"), want);
  conn_close(&c);
}
END_TEST

START_TEST(test_top) {
  struct conn c;
  login(&c);
  ck_assert_str_eq(say(&c, "TOP 1 0"),
                   "+OK\r\n"
                   "From: Marshall Rose <mrose@dbc.mtview.ca.us>\r\n"
                   "To: mrose@dbc.mtview.ca.us\r\n"
                   "Subject: POP3 test 1\r\n"
                   "\r\n.\r\n");
  ck_assert_str_eq(say(&c, "TOP 2 3"),
                   "+OK\r\n" MSG2_HEAD "Marshall,\r\n\r\n"
                   "..This line starts with a dot, so RETR byte-stuffs it.\r\n"
                   ".\r\n");
  ck_assert_str_eq(say(&c, "TOP 2 10"),
                   "+OK\r\n" MSG2_HEAD MSG2_BODY_STUFFED ".\r\n");
  ck_assert_str_eq(say(&c, "TOP 100 3"),
                   "-ERR no such message, only 2 messages in maildrop\r\n");
  ck_assert(matches(say(&c, "TOP 1 -1"), "^-ERR "));
  ck_assert(matches(say(&c, "TOP 1"), "^-ERR "));
  conn_close(&c);
}
END_TEST

/* RFC 2449 §5: CAPA in both states, only what is implemented. */
START_TEST(test_capa) {
  const char *want = "+OK Capability list follows\r\nTOP\r\nUIDL\r\nUSER\r\n"
                     "PIPELINING\r\nRESP-CODES\r\nEXPIRE NEVER\r\n"
                     "LOGIN-DELAY 0\r\nIMPLEMENTATION mailspec\r\n.\r\n";
  struct conn c;
  conn_open(&c);
  ck_assert_str_eq(say(&c, "CAPA"), want);
  ck_assert(matches(say(&c, "CAPA x"), "^-ERR "));
  conn_close(&c);
  login(&c);
  ck_assert_str_eq(say(&c, "capa"), want);
  conn_close(&c);
}
END_TEST

/* RFC 2449 §6.5, §6.7: the faults login-delay-before-smaller (2449-6.5-3)
 * and expire-before-greater (2449-6.7-4) list a smaller LOGIN-DELAY, a
 * greater EXPIRE, before login than after it. */
START_TEST(test_capa_policy_faults) {
  struct conn c;
  ms_fault_set(&ctx.faults, MS_F_LOGIN_DELAY_BEFORE_SMALLER);
  ms_fault_set(&ctx.faults, MS_F_EXPIRE_BEFORE_GREATER);
  conn_open(&c);
  const char *before = say(&c, "CAPA");
  ck_assert(matches(before, "\r\nLOGIN-DELAY 0 USER\r\n"));
  ck_assert(matches(before, "\r\nEXPIRE NEVER USER\r\n"));
  conn_close(&c);
  login(&c);
  const char *after = say(&c, "CAPA");
  ck_assert(matches(after, "\r\nLOGIN-DELAY 60\r\n"));
  ck_assert(matches(after, "\r\nEXPIRE 30\r\n"));
  conn_close(&c);
}
END_TEST

/* RFC 2449 §4: command lines are at most 255 octets with CRLF. */
START_TEST(test_bad_lines) {
  struct conn c;
  conn_open(&c);
  char line[400];
  memset(line, 'x', sizeof line);
  memcpy(line, "PASS ", 5);
  line[253] = '\0'; /* 253 + CRLF = 255: still a command */
  ck_assert(matches(say(&c, "USER mrose"), "^\\+OK "));
  ck_assert_str_eq(say(&c, line), "-ERR [AUTH] invalid password\r\n");
  line[253] = 'x';
  line[254] = '\0';
  ck_assert_str_eq(say(&c, line), "-ERR command line too long\r\n");
  ck_assert(matches(say(&c, ""), "^-ERR "));
  ck_assert(matches(say(&c, " NOOP"), "^-ERR "));
  ck_assert(matches(say(&c, "USERNAME mrose"), "^-ERR "));
  ms_buf_reset(&c.out);
  c.act = ms_srv_pop3_ops.line(c.sess, "US\0R mrose", 10, true, &c.out);
  ck_assert_str_eq(c.out.p, "-ERR invalid characters in command\r\n");
  ck_assert(matches(say(&c, "USER mr\x01ose"), "^-ERR invalid characters"));
  ck_assert_int_eq(c.act, SRV_CONTINUE);
  /* A bare LF line end is tolerated. */
  ms_buf_reset(&c.out);
  c.act = ms_srv_pop3_ops.line(c.sess, "NOOP", 4, false, &c.out);
  ck_assert(matches(c.out.p, "^-ERR .*AUTHORIZATION"));
  conn_close(&c);
}
END_TEST

/* A response that does not fit the output cap becomes -ERR, not a
 * truncated multi-line response. */
START_TEST(test_output_cap) {
  struct conn c;
  login(&c);
  c.out.max = 100;
  ck_assert_str_eq(say(&c, "RETR 2"), "-ERR response too large\r\n");
  ck_assert_str_eq(say(&c, "STAT"), "+OK 2 320\r\n");
  conn_close(&c);
}
END_TEST

/* pop3-octets: sizes counted with LF line ends (5 and 9 lines short). */
START_TEST(test_fault_octets) {
  ms_fault_set(&ctx.faults, MS_F_POP3_OCTETS);
  struct conn c;
  conn_open(&c);
  ck_assert(matches(say(&c, "USER mrose"), "^\\+OK "));
  ck_assert_str_eq(say(&c, "PASS secret"),
                   "+OK mrose's maildrop has 2 messages (306 octets)\r\n");
  ck_assert_str_eq(say(&c, "STAT"), "+OK 2 306\r\n");
  ck_assert_str_eq(say(&c, "LIST 1"), "+OK 1 115\r\n");
  ck_assert(matches(say(&c, "LIST"), "\r\n1 115\r\n2 191\r\n"));
  ck_assert_str_eq(say(&c, "RETR 1"), "+OK 115 octets\r\n" MSG1 ".\r\n");
  conn_close(&c);
}
END_TEST

/* pop3-early-dele: DELE acts as if done at once: RSET cannot undo it and
 * a session that ends without QUIT still removes the message. */
START_TEST(test_fault_early_dele) {
  ms_fault_set(&ctx.faults, MS_F_POP3_EARLY_DELE);
  struct conn c;
  login(&c);
  ck_assert(matches(say(&c, "DELE 1"), "^\\+OK "));
  ck_assert_str_eq(say(&c, "RSET"),
                   "+OK maildrop has 1 message (200 octets)\r\n");
  ck_assert(matches(say(&c, "RETR 1"), "^-ERR "));
  conn_close(&c); /* no QUIT */
  ck_assert_uint_eq(ms_store_pop3_count(store, "mrose"), 1);
}
END_TEST

/* greet-554 on POP3: refuse at the greeting and close. */
START_TEST(test_fault_greet) {
  ms_fault_set(&ctx.faults, MS_F_GREET_554);
  struct conn c;
  conn_open(&c);
  ck_assert(matches(c.out.p, "^-ERR "));
  ck_assert_int_eq(c.act, SRV_CLOSE);
  conn_close(&c);
}
END_TEST
/* ---- the POP3 faults of RFC 1939, 2449, 2595, 5034 ------------------------
 * Each case runs LINES on fresh sessions with STLS and AUTH offered ("--"
 * opens the next connection after QUIT-less close, "~" closes without QUIT
 * and opens another, "!TLS" stands for STLS and a completed handshake),
 * first without the fault, then with it: the reply to the last line (the
 * greeting when there is no line) must match CLEAN, then FAULTY ("!ERE":
 * must not match). */
struct fcase {
  enum ms_fault f;
  const char *yaml; /* world changes, or NULL */
  const char *lines[12];
  const char *clean, *faulty;
};

#define LOGIN "USER mrose", "PASS secret"
#define PLAIN_OK "AG1yb3NlAHNlY3JldA==" /* "\0mrose\0secret" */
static const struct fcase fcases[] = {
    {MS_F_POP3_LOWERCASE, NULL, {NULL}, "^\\+OK ", "^\\+ok "},
    {MS_F_POP3_LONG_STATUS, NULL, {NULL}, "^.{1,510}\r\n$", "^.{511,}\r\n$"},
    {MS_F_APOP_BAD_TIMESTAMP, NULL, {NULL}, "<[0-9.]+@[a-z.]+>", "<[0-9.]+>"},
    {MS_F_POP3_QUIT_AUTH_ERR, NULL, {"QUIT"}, "^\\+OK ", "^-ERR "},
    {MS_F_POP3_CASE, NULL, {"user mrose"}, "^\\+OK ", "^-ERR "},
    {MS_F_POP3_UNKNOWN_OK, NULL, {"XYZZY"}, "^-ERR ", "^\\+OK"},
    {MS_F_POP3_ANY_STATE, NULL, {"STAT"}, "^-ERR ", "^\\+OK 0 0"},
    {MS_F_POP3_AUTH_IN_TRANS, NULL, {LOGIN, "USER mrose"}, "^-ERR ", "^\\+OK"},
    {MS_F_POP3_LAX_ARGS, NULL, {LOGIN, "LIST 1 2"}, "^-ERR ", "^\\+OK 1 120"},
    {MS_F_POP3_LAX_ARGS, NULL, {LOGIN, "RETR"}, "^-ERR ", "^\\+OK 120 "},
    {MS_F_POP3_MSGNO_WRAP, NULL, {LOGIN, "LIST 3"}, "^-ERR ", "^\\+OK 1 120"},
    {MS_F_POP3_NO_STUFF,
     NULL,
     {LOGIN, "RETR 2"},
     "\r\n\\.\\.This",
     "\r\n\\.This"},
    {MS_F_POP3_COUNT_STUFFED,
     NULL,
     {LOGIN, "LIST 2"},
     "^\\+OK 2 200\r",
     "^\\+OK 2 201\r"},
    {MS_F_POP3_TOP_EXTRA,
     NULL,
     {LOGIN, "TOP 1 0"},
     "\r\n\r\n\\.\r\n$",
     "one\\.\r\n\\.\r\n$"},
    {MS_F_POP3_TOP_SHORT,
     NULL,
     {LOGIN, "TOP 1 5"},
     "one\\.\r\n\\.\r\n$",
     "\r\n\r\n\\.\r\n$"},
    {MS_F_POP3_LIST_DELETED,
     NULL,
     {LOGIN, "DELE 1", "LIST"},
     "^[^\n]*\n2 200\r\n\\.",
     "\n1 120\r\n2 200"},
    {MS_F_POP3_STAT_DELETED,
     NULL,
     {LOGIN, "DELE 1", "STAT"},
     "^\\+OK 1 200\r",
     "^\\+OK 2 320\r"},
    {MS_F_POP3_LIST_EMPTY_ERR,
     NULL,
     {LOGIN, "DELE 1", "DELE 2", "LIST"},
     "^\\+OK 0 ",
     "^-ERR "},
    {MS_F_POP3_LISTING_EXTRA,
     NULL,
     {LOGIN, "STAT"},
     "^\\+OK 2 320\r",
     "^\\+OK 2 320 "},
    {MS_F_POP3_NUMBER_FROM_0, NULL, {LOGIN, "LIST"}, "\n1 120\r", "\n0 120\r"},
    {MS_F_POP3_HEX_SIZES,
     NULL,
     {LOGIN, "LIST 2"},
     "^\\+OK 2 200\r",
     "^\\+OK 2 c8\r"},
    {MS_F_POP3_NO_STAT, NULL, {LOGIN, "STAT"}, "^\\+OK", "^-ERR unknown"},
    {MS_F_POP3_NO_LIST, NULL, {LOGIN, "LIST"}, "^\\+OK", "^-ERR unknown"},
    {MS_F_POP3_NO_RETR, NULL, {LOGIN, "RETR 1"}, "^\\+OK", "^-ERR unknown"},
    {MS_F_POP3_NO_DELE, NULL, {LOGIN, "DELE 1"}, "^\\+OK", "^-ERR unknown"},
    {MS_F_POP3_NO_NOOP, NULL, {LOGIN, "NOOP"}, "^\\+OK", "^-ERR unknown"},
    {MS_F_POP3_NO_RSET, NULL, {LOGIN, "RSET"}, "^\\+OK", "^-ERR unknown"},
    {MS_F_POP3_NO_TOP, NULL, {LOGIN, "TOP 1 0"}, "^\\+OK", "^-ERR unknown"},
    {MS_F_POP3_NO_TOP, NULL, {"CAPA"}, "\nTOP\r", "!\nTOP\r"},
    {MS_F_POP3_RETR_HEADER,
     NULL,
     {LOGIN, "RETR 1"},
     "one\\.\r\n\\.\r\n$",
     "\r\n\r\n\\.\r\n$"},
    {MS_F_POP3_LIST_N_BARE,
     NULL,
     {LOGIN, "LIST 1"},
     "^\\+OK 1 120\r",
     "^\\+OK 120\r"},
    {MS_F_POP3_DELE_NOOP,
     NULL,
     {LOGIN, "DELE 1", "RETR 1"},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_POP3_RSET_NOOP,
     NULL,
     {LOGIN, "DELE 1", "RSET", "RETR 1"},
     "^\\+OK",
     "^-ERR "},
    {MS_F_POP3_DELE_TWICE,
     NULL,
     {LOGIN, "DELE 1", "DELE 1"},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_POP3_QUIT_NO_UPDATE,
     NULL,
     {LOGIN, "DELE 1", "QUIT", "--", LOGIN, "STAT"},
     "^\\+OK 1 200",
     "^\\+OK 2 320"},
    {MS_F_POP3_QUIT_ALL,
     NULL,
     {LOGIN, "QUIT", "--", LOGIN, "STAT"},
     "^\\+OK 2 320",
     "^\\+OK 0 0"},
    {MS_F_POP3_NO_RETRY,
     NULL,
     {"USER mrose", "PASS wrong", "USER mrose"},
     "^\\+OK",
     "^-ERR "},
    {MS_F_PASS_ANY, NULL, {"USER mrose", "PASS wrong"}, "^-ERR ", "^\\+OK"},
    {MS_F_USER_ANY, NULL, {"USER frated", "PASS x"}, "^-ERR ", "^\\+OK"},
    {MS_F_PASS_REMEMBERS,
     NULL,
     {"USER mrose", "PASS wrong", "PASS secret"},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_USER_AFTER_USER,
     NULL,
     {"USER mrose", "USER mrose"},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_APOP_AFTER_USER,
     NULL,
     {"USER mrose", "APOP mrose c4c9334bac560ecc979e58001b3e22fb"},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_USER_EMPTY_OK, NULL, {"USER"}, "^-ERR ", "^\\+OK"},
    {MS_F_PASS_EMPTY_OK, NULL, {"USER mrose", "PASS"}, "^-ERR ", "^\\+OK"},
    {MS_F_APOP_ONE_ARG, NULL, {"APOP mrose"}, "^-ERR ", "^\\+OK"},
    {MS_F_APOP_NO_BRACKETS,
     NULL,
     {"APOP mrose c4c9334bac560ecc979e58001b3e22fb"},
     "^\\+OK",
     "^-ERR "},
    {MS_F_APOP_ANY_DIGEST,
     NULL,
     {"APOP mrose 00000000000000000000000000000000"},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_POP3_CMD_47,
     NULL,
     {"USER mrose-with-a-name-longer-than-forty-characters"},
     "^-ERR sorry",
     "^-ERR command line too long"},
    {MS_F_UIDL_PER_SESSION,
     NULL,
     {LOGIN, "UIDL 1"},
     "^\\+OK 1 whqtswO00WBw418f9t5JxYwZ\r",
     "^\\+OK 1 whqtswO00WBw418f9t5JxYwZ-"},
    {MS_F_UIDL_ABORT_CHANGES,
     NULL,
     {LOGIN, "~", LOGIN, "UIDL 1"},
     "^\\+OK 1 whqtswO00WBw418f9t5JxYwZ\r",
     "-a[0-9]+\r"},
    {MS_F_UIDL_LONG,
     NULL,
     {LOGIN, "UIDL 1"},
     "^\\+OK 1 [!-~]{1,70}\r",
     "^\\+OK 1 [!-~]{71}\r"},
    {MS_F_UIDL_DUP, NULL, {LOGIN, "UIDL"}, "\n2 QhdPYR", "\n2 same-for-all"},
    {MS_F_POP3_NO_CAPA, NULL, {"CAPA"}, "^\\+OK", "^-ERR "},
    {MS_F_CAPA_LONG_LINE,
     NULL,
     {"CAPA"},
     "\nIMPLEMENTATION mailspec\r",
     "\nIMPLEMENTATION .{500,}\r"},
    {MS_F_CAPA_AUTH_ONLY,
     NULL,
     {LOGIN, "CAPA"},
     "\nTOP\r",
     "^[^\n]*\n\\.\r\n$"},
    {MS_F_CAPA_TOP_BROKEN, NULL, {LOGIN, "TOP 1 0"}, "^\\+OK", "^-ERR "},
    {MS_F_CAPA_UIDL_BROKEN, NULL, {LOGIN, "UIDL"}, "^\\+OK", "^-ERR "},
    {MS_F_CAPA_USER_BROKEN, NULL, {"USER mrose"}, "^\\+OK", "^-ERR "},
    {MS_F_CAPA_UNLISTED_TOP, NULL, {"CAPA"}, "\nTOP\r", "!\nTOP\r"},
    {MS_F_CAPA_UNLISTED_UIDL, NULL, {"CAPA"}, "\nUIDL\r", "!\nUIDL\r"},
    {MS_F_CAPA_UNLISTED_USER, NULL, {"CAPA"}, "\nUSER\r", "!\nUSER\r"},
    {MS_F_EXPIRE_NO_USER, NULL, {"CAPA"}, "\nEXPIRE NEVER\r", "\nEXPIRE 30\r"},
    {MS_F_LOGIN_DELAY_NO_USER,
     NULL,
     {"CAPA"},
     "\nLOGIN-DELAY 0\r",
     "\nLOGIN-DELAY 60\r"},
    {MS_F_RESP_CODE_BAD,
     NULL,
     {"USER mrose", "PASS wrong"},
     "^-ERR \\[AUTH\\] ",
     "^-ERR \\[AUTH invalid"},
    {MS_F_RESP_CODE_UNLISTED,
     NULL,
     {"CAPA"},
     "\nRESP-CODES\r",
     "!\nRESP-CODES\r"},
    {MS_F_POP3_PIPELINING_REFUSED,
     NULL,
     {LOGIN, "&NOOP"},
     "^\\+OK\r\n\\+OK\r\n$",
     "^\\+OK\r\n-ERR "},
    {MS_F_STLS_LISTED_ALWAYS, NULL, {LOGIN, "CAPA"}, "!\nSTLS\r", "\nSTLS\r"},
    {MS_F_STLS_ANY_STATE, NULL, {LOGIN, "STLS"}, "^-ERR ", "^\\+OK"},
    {MS_F_STLS_UNLISTED, NULL, {"CAPA"}, "\nSTLS\r", "!\nSTLS\r"},
    {MS_F_STLS_BROKEN, NULL, {"STLS"}, "^\\+OK", "^-ERR "},
    {MS_F_STLS_PLAINTEXT,
     NULL,
     {"STLS"},
     "^\\+OK [^\n]*\n$",
     "^\\+OK [^\n]*\n\\+OK"},
    {MS_F_STLS_LEAVES_AUTH, NULL, {"!TLS", "USER mrose"}, "^\\+OK", "^-ERR "},
    {MS_F_USER_PASS_BEFORE_TLS,
     "require_tls_for_auth: yes\n",
     {"USER mrose", "PASS secret"},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_SASL_BEFORE_TLS,
     "require_tls_for_auth: yes\n",
     {"AUTH PLAIN"},
     "^-ERR ",
     "^\\+ \r"},
    {MS_F_SASL_LIST_COMMAS,
     NULL,
     {"CAPA"},
     "\nSASL PLAIN LOGIN CRAM-MD5\r",
     "\nSASL PLAIN,LOGIN"},
    {MS_F_POP3_AUTH_AGAIN,
     NULL,
     {"AUTH PLAIN " PLAIN_OK, "AUTH PLAIN " PLAIN_OK},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_POP3_AUTH_AFTER_PASS,
     NULL,
     {LOGIN, "AUTH PLAIN " PLAIN_OK},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_POP3_AUTH_NO_TRANS,
     NULL,
     {"AUTH PLAIN " PLAIN_OK, "STAT"},
     "^\\+OK 2 320",
     "^-ERR "},
    {MS_F_POP3_AUTH_OK_ERR, NULL, {"AUTH PLAIN " PLAIN_OK}, "^\\+OK", "^-ERR "},
    {MS_F_SASL_ANY_MECH, NULL, {"AUTH X-NO-SUCH"}, "^-ERR ", "^\\+ \r"},
    {MS_F_POP3_EMPTY_CONT_TEXT,
     NULL,
     {"AUTH PLAIN"},
     "^\\+ \r\n$",
     "^\\+ go ahead"},
    {MS_F_POP3_CONT_TEXT,
     NULL,
     {"AUTH LOGIN"},
     "^\\+ VXNlcm5hbWU6\r\n$",
     "^\\+ VXNlcm5hbWU6 "},
    {MS_F_SASL_LISTS_UNSUPPORTED, NULL, {"AUTH LOGIN"}, "^\\+ ", "^-ERR "},
    {MS_F_CRAM_IR_OK,
     NULL,
     {"AUTH CRAM-MD5 dGVzdA=="},
     "^-ERR ",
     "^\\+ [A-Za-z0-9+/]"},
    {MS_F_POP3_B64_RETRY, NULL, {"AUTH PLAIN", "@@@@"}, "^-ERR ", "^\\+ \r"},
    {MS_F_POP3_B64_LENIENT,
     NULL,
     {"AUTH PLAIN", "AG1yb3Nl!AHNlY3JldA=="},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_POP3_B64_LENIENT,
     NULL,
     {"AUTH PLAIN", "AG1yb3Nl=AHNlY3JldA=="},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_POP3_NO_SASLPREP,
     NULL,
     {"AUTH PLAIN bXJvc2UHAG1yb3NlAHNlY3JldA=="},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_POP3_AUTH_FAIL_LOCKS,
     NULL,
     {"AUTH PLAIN AG1yb3NlAHdyb25n", "AUTH PLAIN " PLAIN_OK},
     "^\\+OK",
     "^-ERR no more"},
    {MS_F_POP3_MECH_CASE, NULL, {"AUTH plain"}, "^\\+ \r", "^-ERR "},
    {MS_F_PLAIN_IGNORE_AUTHZID,
     NULL,
     {"AUTH PLAIN Zm9yZABtcm9zZQBzZWNyZXQ="},
     "^-ERR ",
     "^\\+OK"},
    /* "\0mrose\xc2\xad\0secret": a soft hyphen after the name */
    {MS_F_POP3_NOOP_SILENT, NULL, {LOGIN, "NOOP"}, "^\\+OK", "^$"},
    {MS_F_POP3_QUIT_ERR, NULL, {LOGIN, "QUIT"}, "^\\+OK", "^-ERR "},
    {MS_F_POP3_LIST_NO_DOT, NULL, {LOGIN, "LIST"}, "\n\\.\r\n$", "!\n\\.\r\n$"},
    {MS_F_POP3_NO_LOGIN, NULL, {"USER mrose"}, "^\\+OK", "^-ERR no logins"},
    {MS_F_PASS_OK_ERR, NULL, {LOGIN}, "^\\+OK mrose", "^-ERR logged in"},
    {MS_F_USER_BAD_STATUS, NULL, {"USER mrose"}, "^\\+OK", "^\\+ mrose"},
    {MS_F_POP3_DELETED_REACHABLE,
     NULL,
     {LOGIN, "DELE 1", "RETR 1"},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_POP3_LIST_FIRST_ONLY,
     NULL,
     {LOGIN, "LIST"},
     "\n2 200\r",
     "!\n2 200\r"},
    {MS_F_UIDL_EXTRA, NULL, {LOGIN, "UIDL 1"}, "Z\r\n$", " \\(seen\\)\r\n$"},
    {MS_F_UIDL_FIRST_ONLY, NULL, {LOGIN, "UIDL"}, "\n2 QhdPYR", "!\n2 QhdPYR"},
    {MS_F_POP3_CANCEL_IGNORED, NULL, {"AUTH PLAIN", "*"}, "^-ERR ", "^\\+ \r"},
    /* the second login is refused, and frees the lock: the third works */
    {MS_F_POP3_QUIT_KEEPS_LOCK,
     NULL,
     {LOGIN, "QUIT", "--", LOGIN},
     "^\\+OK",
     "^-ERR \\[IN-USE\\]"},
    {MS_F_POP3_QUIT_KEEPS_LOCK,
     NULL,
     {LOGIN, "QUIT", "--", LOGIN, "--", LOGIN},
     "^\\+OK",
     "^\\+OK"},
    {MS_F_UIDL_BY_NUMBER,
     NULL,
     {LOGIN, "UIDL 2"},
     "^\\+OK 2 QhdPYR",
     "^\\+OK 2 msg2\r"},
    {MS_F_PASS_APOP_SECRET,
     NULL,
     {"USER mrose", "PASS tanstaaf"},
     "^-ERR ",
     "^\\+OK"},
    {MS_F_POP3_ABORT_DELETES_RETR,
     NULL,
     {LOGIN, "RETR 1", "~", LOGIN, "STAT"},
     "^\\+OK 2 320\r",
     "^\\+OK 1 200\r"},
    /* a world's LOGIN-DELAY: listed, and a login right after another is
     * refused (RFC 2449 §6.5, §8.1.1); the fault lists it only */
    {MS_F_LOGIN_DELAY_UNENFORCED,
     "pop3:\n  login_delay: 900\n",
     {"CAPA"},
     "\nLOGIN-DELAY 900\r",
     "\nLOGIN-DELAY 900\r"},
    {MS_F_LOGIN_DELAY_UNENFORCED,
     "pop3:\n  login_delay: 900\n",
     {LOGIN, "QUIT", "--", LOGIN},
     "^-ERR \\[LOGIN-DELAY\\] ",
     "^\\+OK"},
    {MS_F_SASLPREP_NO_MAP,
     NULL,
     {"AUTH PLAIN AG1yb3Nlwq0Ac2VjcmV0"},
     "^\\+OK",
     "^-ERR "},
};

/* Runs case K, with its fault or not; returns the reply to the last line
 * (the greeting when there is none), in BUF. */
static void frun(const struct fcase *k, bool fault, char *buf, size_t cap) {
  struct ms_world *w = ms_world_builtin();
  /* RFC 1939 §10's timestamp, for the APOP digests printed there */
  w->pop3_timestamp = xstrdup("<1896.697170952@dbc.mtview.ca.us>");
  if (k->yaml) {
    struct ms_diags dg = {0};
    ck_assert_int_eq(
        ms_world_apply_yaml(w, "t.yaml", k->yaml, strlen(k->yaml), 1, &dg), 0);
    ms_diags_free(&dg);
  }
  struct ms_store *st = ms_store_new(w, NULL);
  struct srv_ctx x;
  memset(&x, 0, sizeof x);
  char err[256];
  x.tls = srv_tls_new(NULL, NULL, "mx.example.test", 0, err, sizeof err);
  ck_assert_msg(x.tls != NULL, "%s", err);
  x.auth = true;
  x.world = w;
  x.store = st;
  if (fault)
    ms_fault_set(&x.faults, k->f);
  struct ms_buf out;
  ms_buf_init(&out, 1 << 20);
  enum srv_action act;
  void *s = ms_srv_pop3_ops.open(&x, &out, &act);
  snprintf(buf, cap, "%s", out.p ? out.p : "");
  for (size_t i = 0; i < 12 && k->lines[i]; i++) {
    const char *l = k->lines[i];
    ms_buf_reset(&out);
    if (!strcmp(l, "--") || !strcmp(l, "~")) {
      ms_srv_pop3_ops.close(s);
      s = ms_srv_pop3_ops.open(&x, &out, &act);
      continue;
    }
    if (!strcmp(l, "!TLS")) {
      ck_assert_int_eq(ms_srv_pop3_ops.line(s, "STLS", 4, true, &out),
                       SRV_STARTTLS);
      continue;
    }
    if (l[0] == '&') { /* sent behind the reply before, still unsent */
      ms_srv_pop3_ops.line(s, "NOOP", 4, true, &out);
      l++;
    }
    ms_srv_pop3_ops.line(s, l, strlen(l), true, &out);
    snprintf(buf, cap, "%s", out.p ? out.p : "");
  }
  ms_srv_pop3_ops.close(s);
  ms_buf_free(&out);
  srv_tls_free(x.tls);
  ms_store_free(st);
  ms_world_free(w);
}

/* Does TEXT match ERE, or, for "!ERE", not match it? */
static bool fmatch(const char *text, const char *ere) {
  return ere[0] == '!' ? !matches(text, ere + 1) : matches(text, ere);
}

START_TEST(test_pop3_faults) {
  const struct fcase *k = &fcases[_i];
  char got[8192];
  frun(k, false, got, sizeof got);
  ck_assert_msg(fmatch(got, k->clean), "case %d, no fault: '%s' !~ /%s/", _i,
                got, k->clean);
  frun(k, true, got, sizeof got);
  ck_assert_msg(fmatch(got, k->faulty), "case %d, fault %d: '%s' !~ /%s/", _i,
                (int)k->f, got, k->faulty);
}
END_TEST

/* APOP with the digest of an earlier greeting's timestamp: refused
 * (RFC 1939 §7's replay protection); apop-replay takes it (1939-7-48). */
START_TEST(test_fault_apop_replay) {
  for (int fault = 0; fault < 2; fault++) {
    free(world->pop3_timestamp); /* a new timestamp in every greeting */
    world->pop3_timestamp = NULL;
    if (fault)
      ms_fault_set(&ctx.faults, MS_F_APOP_REPLAY);
    struct conn c;
    conn_open(&c);
    char *ts = ms_auth_apop_timestamp(c.out.p);
    ck_assert_ptr_nonnull(ts);
    conn_close(&c);
    char digest[MS_APOP_HEX_LEN + 1];
    ck_assert_int_eq(ms_apop_digest(ts, "tanstaaf", digest), 0);
    free(ts);
    conn_open(&c);
    char line[64];
    snprintf(line, sizeof line, "APOP mrose %s", digest);
    ck_assert(matches(say(&c, line), fault ? "^\\+OK" : "^-ERR "));
    conn_close(&c);
  }
}
END_TEST

/* SASLprep's mapping (RFC 4013 §2.1), which POP3 AUTH names get (RFC
 * 5034 §4): B.1 to nothing, C.1.2 to SPACE. */
START_TEST(test_saslprep_map) {
  char *v = srv_saslprep("mr\xc2\xadose\xef\xbb\xbf", 10);
  ck_assert_ptr_nonnull(v);
  ck_assert_str_eq(v, "mrose");
  free(v);
  v = srv_saslprep("a\xc2\xa0"
                   "b\xe3\x80\x80"
                   "c",
                   8);
  ck_assert_ptr_nonnull(v);
  ck_assert_str_eq(v, "a b c");
  free(v);
}
END_TEST

/* The faults that act on the connection: pop3-quit-no-close keeps it open
 * after QUIT (1939-6-2, 1939-6-9); pop3-sasl-255 closes it on a long SASL
 * response (5034-4-18). */
START_TEST(test_pop3_fault_actions) {
  struct conn c;
  conn_open(&c);
  say(&c, "QUIT");
  ck_assert_int_eq(c.act, SRV_CLOSE);
  conn_close(&c);
  ms_fault_set(&ctx.faults, MS_F_POP3_QUIT_NO_CLOSE);
  conn_open(&c);
  ck_assert(matches(say(&c, "QUIT"), "^\\+OK "));
  ck_assert_int_eq(c.act, SRV_CONTINUE);
  conn_close(&c);
  login(&c);
  ck_assert(matches(say(&c, "QUIT"), "^\\+OK "));
  ck_assert_int_eq(c.act, SRV_CONTINUE);
  conn_close(&c);
  char err[256];
  ctx.tls = srv_tls_new(NULL, NULL, "mx.example.test", 0, err, sizeof err);
  ctx.auth = true;
  char line[400];
  memset(line, 'A', 300);
  line[300] = '\0';
  for (int fault = 0; fault < 2; fault++) {
    if (fault)
      ms_fault_set(&ctx.faults, MS_F_POP3_SASL_255);
    conn_open(&c);
    ck_assert_str_eq(say(&c, "AUTH PLAIN"), "+ \r\n");
    ck_assert(matches(say(&c, line), "^-ERR "));
    ck_assert_int_eq(c.act, fault ? SRV_CLOSE : SRV_CONTINUE);
    conn_close(&c);
  }
  srv_tls_free(ctx.tls);
  ctx.tls = NULL;
}
END_TEST

Suite *make_srv_pop3_suite(void);
/* RFC 1939 §4: a maildrop that cannot be parsed (world: corrupt: true)
 * gets -ERR at PASS, APOP and AUTH; the fault corrupt-maildrop-ok opens
 * it (1939-4-9). */
START_TEST(test_corrupt_maildrop) {
  for (size_t i = 0; i < world->nmaildrops; i++)
    if (!strcmp(world->maildrops[i].user, "mrose"))
      world->maildrops[i].corrupt = true;
  struct conn c;
  conn_open(&c);
  ck_assert_str_eq(say(&c, "USER mrose"),
                   "+OK mrose is a real hoopy frood\r\n");
  ck_assert(matches(say(&c, "PASS secret"), "^-ERR .*cannot be parsed"));
  ck_assert(matches(say(&c, "APOP mrose c4c9334bac560ecc979e58001b3e22fb"),
                    "^-ERR .*cannot be parsed"));
  conn_close(&c);
  ms_fault_set(&ctx.faults, MS_F_CORRUPT_MAILDROP_OK);
  login(&c);
  conn_close(&c);
}
END_TEST

Suite *make_srv_pop3_suite(void) {
  Suite *s = suite_create("srv_pop3");
  TCase *tc = tcase_create("session");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_rfc1939_example_session);
  tcase_add_test(tc, test_user_pass);
  tcase_add_test(tc, test_apop);
  tcase_add_test(tc, test_generated_timestamp);
  tcase_add_test(tc, test_world_greeting);
  tcase_add_test(tc, test_lock);
  tcase_add_test(tc, test_wrong_state);
  tcase_add_test(tc, test_quit_authorization);
  tcase_add_test(tc, test_dele_rset);
  tcase_add_test(tc, test_update);
  tcase_add_test(tc, test_list_uidl_args);
  tcase_add_test(tc, test_uidl_fallback);
  tcase_add_test(tc, test_top);
  tcase_add_test(tc, test_capa);
  tcase_add_test(tc, test_bad_lines);
  tcase_add_test(tc, test_output_cap);
  tcase_add_test(tc, test_fault_octets);
  tcase_add_test(tc, test_fault_early_dele);
  tcase_add_test(tc, test_fault_greet);
  tcase_add_test(tc, test_pop3_fault_actions);
  tcase_add_test(tc, test_saslprep_map);
  tcase_add_test(tc, test_fault_apop_replay);
  tcase_add_test(tc, test_corrupt_maildrop);
  tcase_add_test(tc, test_capa_policy_faults);
  tcase_add_loop_test(tc, test_pop3_faults, 0,
                      (int)(sizeof fcases / sizeof fcases[0]));
  suite_add_tcase(s, tc);
  return s;
}
