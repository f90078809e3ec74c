/* Unit tests for script.c: the S:/R:/C: paste parser, fed with RFC 821
 * Appendix F and RFC 1939 §10 exactly as printed (layout included).
 * Texts start on source line 10 with 4 columns of YAML indentation, so
 * a line's position is (10 + index, 4 + its own indentation + 1). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"

struct run {
  struct ms_script s;
  struct ms_diags d;
};

static void run_script(struct run *r, enum ms_protocol proto,
                       enum ms_convention conv, const char *text) {
  memset(&r->d, 0, sizeof r->d);
  ms_script_init(&r->s, "t.yaml", proto, conv, &r->d);
  ms_script_parse(&r->s, text, strlen(text), 10, 4);
  ms_script_finish(&r->s);
}

static void run_821(struct run *r, const char *text) {
  run_script(r, MS_PROTO_SMTP, MS_CONV_RFC821, text);
}

static void done(struct run *r) {
  ms_script_steps_free(r->s.v, r->s.n);
  ms_diags_free(&r->d);
}

/* The diagnostic whose message contains SUB, or NULL. */
static const struct ms_diag *diag(const struct run *r, const char *sub) {
  for (size_t i = 0; i < r->d.n; i++)
    if (strstr(r->d.v[i].msg, sub))
      return &r->d.v[i];
  return NULL;
}

static void assert_at(const struct ms_diag *g, int line, int col, bool warn) {
  ck_assert_ptr_nonnull(g);
  ck_assert_int_eq(g->line, line);
  ck_assert_int_eq(g->col, col);
  ck_assert_int_eq(g->warning, warn);
  ck_assert_str_eq(g->file, "t.yaml");
}

static const struct ms_step *step(const struct run *r, size_t i) {
  ck_assert_msg(i < r->s.n, "step %zu of %zu", i, r->s.n);
  return &r->s.v[i];
}

static void is_send(const struct run *r, size_t i, enum ms_send_kind k,
                    const char *text) {
  const struct ms_step *st = step(r, i);
  ck_assert_int_eq(st->kind, MS_STEP_SEND);
  ck_assert_int_eq(st->send, k);
  ck_assert_str_eq(st->text, text);
  ck_assert_uint_eq(st->len, strlen(text));
}

static void is_expect(const struct run *r, size_t i, const char *pat,
                      size_t nlines) {
  const struct ms_step *st = step(r, i);
  char buf[64];
  ck_assert_int_eq(st->kind, MS_STEP_EXPECT);
  ms_pattern_format(&st->pat, buf, sizeof buf);
  ck_assert_str_eq(buf, pat);
  ck_assert_uint_eq(st->nlines, nlines);
}

/* RFC 821 Appendix F, Scenario 1, as printed (page 51). */
static const char scenario1[] =
    "         R: 220 BBN-UNIX.ARPA Simple Mail Transfer Service Ready\n"
    "         S: HELO USC-ISIF.ARPA\n"
    "         R: 250 BBN-UNIX.ARPA\n"
    "\n"
    "         S: MAIL FROM:<Smith@USC-ISIF.ARPA>\n"
    "         R: 250 OK\n"
    "\n"
    "         S: RCPT TO:<Jones@BBN-UNIX.ARPA>\n"
    "         R: 250 OK\n"
    "\n"
    "         S: RCPT TO:<Green@BBN-UNIX.ARPA>\n"
    "         R: 550 No such user here\n"
    "\n"
    "         S: RCPT TO:<Brown@BBN-UNIX.ARPA>\n"
    "         R: 250 OK\n"
    "\n"
    "         S: DATA\n"
    "         R: 354 Start mail input; end with <CRLF>.<CRLF>\n"
    "         S: Blah blah blah...\n"
    "         S: ...etc. etc. etc.\n"
    "         S: .\n"
    "         R: 250 OK\n"
    "\n"
    "         S: QUIT\n"
    "         R: 221 BBN-UNIX.ARPA Service closing transmission channel\n";

START_TEST(test_scenario1) {
  struct run r;
  run_821(&r, scenario1);
  ck_assert_uint_eq(r.d.n, 0);
  ck_assert_uint_eq(r.s.n, 19);
  is_expect(&r, 0, "220", 1);
  ck_assert_str_eq(step(&r, 0)->lines[0],
                   "220 BBN-UNIX.ARPA Simple Mail Transfer Service Ready");
  ck_assert_int_eq(step(&r, 0)->line, 10);
  ck_assert_int_eq(step(&r, 0)->col, 14); /* 4 + 9 blanks + 1 */
  is_send(&r, 1, MS_SEND_LINE, "HELO USC-ISIF.ARPA");
  ck_assert_int_eq(step(&r, 3)->line, 14); /* blank lines still count */
  is_send(&r, 3, MS_SEND_LINE, "MAIL FROM:<Smith@USC-ISIF.ARPA>");
  is_expect(&r, 8, "550", 1);
  ck_assert(!step(&r, 8)->multiline);
  is_send(&r, 11, MS_SEND_LINE, "DATA");
  is_expect(&r, 12, "354", 1);
  is_send(&r, 13, MS_SEND_DATA_LINE, "Blah blah blah...");
  is_send(&r, 14, MS_SEND_DATA_LINE, "...etc. etc. etc.");
  is_send(&r, 15, MS_SEND_DATA_LINE, ".");
  is_expect(&r, 16, "250", 1);
  is_send(&r, 17, MS_SEND_LINE, "QUIT"); /* back to commands after "." */
  is_expect(&r, 18, "221", 1);
  ck_assert_int_eq(step(&r, 18)->line, 34);
  done(&r);
}
END_TEST

/* Scenario 3, step 2: the folded Received: header and the signature. */
static const char scenario3[] =
    "            S: DATA\n"
    "            R: 354 Start mail input; end with <CRLF>.<CRLF>\n"
    "            S: Received: from MIT-AI.ARPA by USC-ISIE.ARPA ;\n"
    "               2 Nov 81 22:40:10 UT\n"
    "            S: Date: 2 Nov 81 22:33:44\n"
    "            S: Subject:  The Next Meeting of the Board\n"
    "            S:\n"
    "            S: Bill:\n"
    "            S:                                              John.\n"
    "            S: .\n"
    "            R: 250 OK\n";

START_TEST(test_scenario3_folding) {
  struct run r;
  run_821(&r, scenario3);
  ck_assert_uint_eq(r.d.n, 0);
  ck_assert_uint_eq(r.s.n, 11);
  is_send(&r, 2, MS_SEND_DATA_LINE,
          "Received: from MIT-AI.ARPA by USC-ISIE.ARPA ;");
  /* RFC 822 §3.1.1: a folded line of its own, leading blanks -> one */
  is_send(&r, 3, MS_SEND_DATA_LINE, " 2 Nov 81 22:40:10 UT");
  ck_assert_int_eq(step(&r, 3)->line, 13);
  ck_assert_int_eq(step(&r, 3)->col, 20); /* 4 + 15 + 1 */
  is_send(&r, 5, MS_SEND_DATA_LINE, "Subject:  The Next Meeting of the Board");
  is_send(&r, 6, MS_SEND_DATA_LINE, ""); /* "S:" alone: the empty line */
  is_send(&r, 8, MS_SEND_DATA_LINE,
          "                                             John.");
  is_send(&r, 9, MS_SEND_DATA_LINE, ".");
  is_expect(&r, 10, "250", 1);
  done(&r);
}
END_TEST

/* Scenario 7, step 3: a command wrapped onto an indented line. */
START_TEST(test_scenario7_continuation) {
  struct run r;
  run_821(&r,
          "            S: RCPT TO:<@USC-ISIE.ARPA:XYZ@MIT-AI.ARPA>\n"
          "            R: 250 OK\n"
          "            S: RCPT\n"
          "                TO:<@USC-ISIE.ARPA,@USC-ISIF.ARPA:Q-Smith@ISI-VAXA."
          "ARPA>\n"
          "            R: 250 OK\n");
  ck_assert_uint_eq(r.d.n, 0);
  ck_assert_uint_eq(r.s.n, 4);
  is_send(&r, 2, MS_SEND_LINE,
          "RCPT TO:<@USC-ISIE.ARPA,@USC-ISIF.ARPA:Q-Smith@ISI-VAXA.ARPA>");
  ck_assert_int_eq(step(&r, 2)->line, 12);
  is_expect(&r, 3, "250", 1);
  done(&r);
}
END_TEST

/* Scenario 7, step 1: EXPN's multi-line reply is one expected reply. */
START_TEST(test_multiline_reply) {
  struct run r;
  run_821(&r, "            S: EXPN Example-People\n"
              "            R: 250-<ABC@MIT-MC.ARPA>\n"
              "            R: 250-Fred Fonebone <Fonebone@USC-ISIQ.ARPA>\n"
              "            R: 250-Xenon Y. Zither <XYZ@MIT-AI.ARPA>\n"
              "            R: 250-Quincy Smith <@USC-ISIF.ARPA:Q-Smith@ISI-"
              "VAXA.ARPA>\n"
              "            R: 250-<joe@foo-unix.ARPA>\n"
              "            R: 250 <xyz@bar-unix.ARPA>\n"
              "\n"
              "            S: QUIT\n");
  ck_assert_uint_eq(r.d.n, 0);
  ck_assert_uint_eq(r.s.n, 3);
  is_expect(&r, 1, "250", 6);
  ck_assert(step(&r, 1)->multiline);
  ck_assert_str_eq(step(&r, 1)->lines[5], "250 <xyz@bar-unix.ARPA>");
  ck_assert_int_eq(step(&r, 1)->line, 11);
  is_send(&r, 2, MS_SEND_LINE, "QUIT");
  done(&r);
}
END_TEST

/* Scenario 9, step 2 prints "R: OK": a lint error at its position. */
START_TEST(test_scenario9_typo) {
  struct run r;
  run_821(&r, "            S: MAIL FROM:<mo@LBL-UNIX.ARPA>\n"
              "            R: 250 OK\n"
              "\n"
              "            S: RCPT TO:<Jones@USC-ISI.ARPA>\n"
              "            R: OK\n"
              "\n"
              "            S: DATA\n");
  ck_assert_uint_eq(r.d.nerrors, 1);
  const struct ms_diag *g = diag(&r, "reply line has no reply code");
  assert_at(g, 14, 17, false);
  ck_assert(g && strstr(g->msg, "\"OK\""));
  done(&r);
}
END_TEST

/* RFC 821 §3.1 Example 1 ends the data with "S: <CRLF>.<CRLF>". */
START_TEST(test_symbolic_end_of_data) {
  struct run r;
  run_821(&r, "   S: DATA\n"
              "   R: 354 Start mail input; end with <CRLF>.<CRLF>\n"
              "   S: Blah blah blah...\n"
              "   S: <CRLF>.<CRLF>\n"
              "   R: 250 OK\n");
  ck_assert_uint_eq(r.d.n, 0);
  is_send(&r, 3, MS_SEND_DATA_LINE, ".");
  is_expect(&r, 4, "250", 1);
  done(&r);
  run_821(&r, "   S: NOOP\n   S: <CRLF>.<CRLF>\n");
  assert_at(diag(&r, "no 354 reply"), 11, 8, false);
  done(&r);
}
END_TEST

/* RFC 1939 §10, as printed: meta lines and placeholders. */
static const char rfc1939[] =
    "      S: <wait for connection on TCP port 110>\n"
    "      C: <open connection>\n"
    "      S:    +OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\n"
    "      C:    APOP mrose c4c9334bac560ecc979e58001b3e22fb\n"
    "      S:    +OK mrose's maildrop has 2 messages (320 octets)\n"
    "      C:    STAT\n"
    "      S:    +OK 2 320\n"
    "      C:    LIST\n"
    "      S:    +OK 2 messages (320 octets)\n"
    "      S:    1 120\n"
    "      S:    2 200\n"
    "      S:    .\n"
    "      C:    RETR 1\n"
    "      S:    +OK 120 octets\n"
    "      S:    <the POP3 server sends message 1>\n"
    "      S:    .\n"
    "      C:    DELE 1\n"
    "      S:    +OK message 1 deleted\n"
    "      C:    QUIT\n"
    "      S:    +OK dewey POP3 server signing off (maildrop empty)\n"
    "      C:  <close connection>\n"
    "      S:  <wait for next connection>\n";

START_TEST(test_rfc1939_session) {
  struct run r;
  run_script(&r, MS_PROTO_POP3, MS_CONV_RFC5321, rfc1939);
  ck_assert_uint_eq(r.d.n, 0);
  ck_assert_uint_eq(r.s.n, 17);
  ck_assert_int_eq(step(&r, 0)->kind, MS_STEP_META);
  ck_assert_str_eq(step(&r, 0)->meta, "wait for connection on TCP port 110");
  ck_assert_int_eq(step(&r, 1)->kind, MS_STEP_META);
  ck_assert_str_eq(step(&r, 1)->meta, "open connection");
  is_expect(&r, 2, "+OK", 1); /* "<...@...>" in the greeting is text */
  is_send(&r, 3, MS_SEND_LINE, "APOP mrose c4c9334bac560ecc979e58001b3e22fb");
  is_send(&r, 7, MS_SEND_LINE, "LIST");
  is_expect(&r, 8, "+OK", 3); /* LIST: status + 2 lines, "." not kept */
  ck_assert(step(&r, 8)->multiline);
  ck_assert_str_eq(step(&r, 8)->lines[2], "2 200");
  is_expect(&r, 10, "+OK", 2); /* RETR: the placeholder is content */
  ck_assert_str_eq(step(&r, 10)->lines[1], "<the POP3 server sends message 1>");
  ck_assert(!step(&r, 12)->multiline);
  ck_assert_int_eq(step(&r, 15)->kind, MS_STEP_META);
  ck_assert_str_eq(step(&r, 15)->meta, "close connection");
  ck_assert_int_eq(step(&r, 16)->kind, MS_STEP_META);
  ck_assert_int_eq(step(&r, 16)->line, 31);
  done(&r);
}
END_TEST

/* RFC 1939 §7 wraps a placeholder over three lines. */
START_TEST(test_wrapped_meta) {
  struct run r;
  run_script(&r, MS_PROTO_POP3, MS_CONV_RFC5321,
             "S: +OK\n"
             "S: <the POP3 server sends the headers of the\n"
             "   message, a blank line, and the first 10 lines\n"
             "   of the body of the message>\n"
             "S: .\n"
             "C: <close\n"
             "   connection>\n");
  ck_assert_uint_eq(r.d.n, 0);
  ck_assert_uint_eq(r.s.n, 2);
  is_expect(&r, 0, "+OK", 2);
  ck_assert_str_eq(step(&r, 0)->lines[1],
                   "<the POP3 server sends the headers of the message, a "
                   "blank line, and the first 10 lines of the body of the "
                   "message>");
  ck_assert_int_eq(step(&r, 1)->kind, MS_STEP_META);
  ck_assert_str_eq(step(&r, 1)->meta, "close connection");
  done(&r);
}
END_TEST

START_TEST(test_pop3_errors) {
  struct run r;
  run_script(&r, MS_PROTO_POP3, MS_CONV_RFC5321,
             "C: LIST\nS: +OK\nS: 1 120\nC: QUIT\n");
  assert_at(diag(&r, "not terminated"), 11, 5, false);
  done(&r);
  run_script(&r, MS_PROTO_POP3, MS_CONV_RFC5321, "C: STAT\nS: OK 2 320\n");
  assert_at(diag(&r, "no status indicator"), 11, 5, false);
  done(&r);
  /* an empty multi-line reply: status, then "." at once */
  run_script(&r, MS_PROTO_POP3, MS_CONV_RFC5321, "C: LIST\nS: +OK\nS: .\n");
  ck_assert_uint_eq(r.d.n, 0);
  is_expect(&r, 1, "+OK", 1);
  ck_assert(step(&r, 1)->multiline);
  done(&r);
}
END_TEST

START_TEST(test_smtp_reply_errors) {
  struct run r;
  run_821(&r, "S: EHLO x\nR: 250-a\nR: 250-b\nS: QUIT\n");
  assert_at(diag(&r, "has no final line"), 11, 5, false);
  done(&r);
  run_821(&r, "S: EHLO x\nR: 250-a\nR: 251 b\n");
  assert_at(diag(&r, "differs from 250"), 12, 5, false);
  done(&r);
  run_821(&r, "S: RCPT TO:<a>\nR: 250|251 ok\n");
  assert_at(diag(&r, "steps: form"), 11, 5, false);
  done(&r);
  run_821(&r, "S: RCPT TO:<a>\nR: 2xx ok\n"); /* a class is one code */
  ck_assert_uint_eq(r.d.n, 0);
  done(&r);
  run_821(&r, "S: NOOP\nR: 2500 OK\n");
  assert_at(diag(&r, "no reply code"), 11, 5, false);
  done(&r);
}
END_TEST

START_TEST(test_roles_and_layout) {
  struct run r;
  run_821(&r, "S: HELO x\nC: NOOP\n");
  assert_at(diag(&r, "C: is not a role in the rfc821"), 11, 5, false);
  done(&r);
  run_script(&r, MS_PROTO_SMTP, MS_CONV_RFC5321, "C: HELO x\nR: 250\n");
  assert_at(diag(&r, "R: is not a role in the rfc5321"), 11, 5, false);
  done(&r);
  /* a caption at the role lines' margin is no continuation */
  run_821(&r, "  S: QUIT\n  R: 221 bye\n\n  Scenario 1\n");
  assert_at(diag(&r, "no role prefix"), 13, 7, false);
  done(&r);
  run_821(&r, "    TO:<x>\n");
  assert_at(diag(&r, "no role prefix"), 10, 9, false);
  done(&r);
  run_821(&r, "S: QUIT\nR: 221 closing\n  transmission channel\n");
  ck_assert_uint_eq(r.d.n, 0); /* wrapped reply text joins its line */
  ck_assert_str_eq(step(&r, 1)->lines[0], "221 closing transmission channel");
  done(&r);
  run_821(&r, "S: <close connection>\n    more\n");
  assert_at(diag(&r, "continues no"), 11, 9, false);
  done(&r);
}
END_TEST

START_TEST(test_warnings) {
  struct run r;
  run_821(&r, "S: NOOP\nS:\nR: 250\n");
  assert_at(diag(&r, "empty command line"), 11, 5, true);
  ck_assert_uint_eq(r.d.nerrors, 0);
  is_send(&r, 1, MS_SEND_LINE, "");
  done(&r);
  run_821(&r, "S: DATA\nR: 354 go\nS: body\nR: 250 OK\n");
  assert_at(diag(&r, "not ended"), 13, 5, true);
  is_send(&r, 2, MS_SEND_DATA_LINE, "body");
  done(&r);
  run_821(&r, "S: DATA\nR: 354 go\nS: body\n");
  ck_assert_ptr_nonnull(diag(&r, "never ended"));
  done(&r);
}
END_TEST

/* RFC 4954: after 334 the client line is data too, up to the reply. */
START_TEST(test_334_data_line) {
  struct run r;
  run_821(&r, "S: AUTH LOGIN\nR: 334 VXNlcm5hbWU6\nS:   dXNlcg==\nR: 334 UGFz\n"
              "S: cGFzcw==\nR: 235 ok\nS: QUIT\n");
  ck_assert_uint_eq(r.d.n, 0);
  is_send(&r, 2, MS_SEND_DATA_LINE, "  dXNlcg==");
  is_send(&r, 6, MS_SEND_LINE, "QUIT");
  done(&r);
}
END_TEST

START_TEST(test_roles_scan) {
  struct ms_roles roles = {0};
  ms_script_roles(rfc1939, strlen(rfc1939), 10, 4, &roles);
  ck_assert_uint_eq(roles.bits, MS_ROLE_S | MS_ROLE_C);
  ck_assert_int_eq(roles.line[2], 11);
  ck_assert_int_eq(roles.col[2], 11);
  ck_assert(ms_script_is_meta("<open connection>", 17));
  ck_assert(!ms_script_is_meta("<CRLF>.<CRLF>", 13));
  ck_assert(!ms_script_is_meta("<a b@c>", 7));
}
END_TEST

/* Issue 6: mail data is kept verbatim (trailing blanks, "<p class=x>"
 * is data, not a meta line); "<gap: ...>" is a GAP step on either side
 * and ends mail data. */
START_TEST(test_verbatim_data_and_gap) {
  struct run r;
  run_script(&r, MS_PROTO_SMTP, MS_CONV_RFC5321,
             "S: 354 go\n"
             "C: <p class=x>\n"
             "C: two blanks  \n"
             "C:   \n"
             "C: <wrapped meta?\n"
             "     more>\n"
             "C: .\n"
             "S: 250 ok\n"
             "C: <p class=x>   \n"
             "S: <gap: 5 bytes sent by the server are missing>\n"
             "C: DATA\n"
             "S: 354 go\n"
             "C: <gap: 3 bytes sent by the client are missing>\n"
             "C: <not data now>\n");
  is_expect(&r, 0, "354", 1);
  is_send(&r, 1, MS_SEND_DATA_LINE, "<p class=x>");
  is_send(&r, 2, MS_SEND_DATA_LINE, "two blanks  ");
  is_send(&r, 3, MS_SEND_DATA_LINE, "  ");
  is_send(&r, 4, MS_SEND_DATA_LINE, "<wrapped meta?");
  is_send(&r, 5, MS_SEND_DATA_LINE, " more>");
  is_send(&r, 6, MS_SEND_DATA_LINE, ".");
  is_expect(&r, 7, "250", 1);
  ck_assert_int_eq(step(&r, 8)->kind, MS_STEP_META); /* not data: trimmed */
  ck_assert_str_eq(step(&r, 8)->meta, "p class=x");
  ck_assert_int_eq(step(&r, 9)->kind, MS_STEP_GAP);
  ck_assert_str_eq(step(&r, 9)->meta,
                   "gap: 5 bytes sent by the server are missing");
  is_send(&r, 10, MS_SEND_LINE, "DATA");
  is_expect(&r, 11, "354", 1);
  ck_assert_int_eq(step(&r, 12)->kind, MS_STEP_GAP);
  ck_assert_int_eq(step(&r, 13)->kind, MS_STEP_META);
  ck_assert_uint_eq(r.s.n, 14);
  done(&r);
}
END_TEST

Suite *make_script_suite(void);
Suite *make_script_suite(void) {
  Suite *s = suite_create("script");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_scenario1);
  tcase_add_test(tc, test_scenario3_folding);
  tcase_add_test(tc, test_scenario7_continuation);
  tcase_add_test(tc, test_multiline_reply);
  tcase_add_test(tc, test_scenario9_typo);
  tcase_add_test(tc, test_symbolic_end_of_data);
  tcase_add_test(tc, test_rfc1939_session);
  tcase_add_test(tc, test_wrapped_meta);
  tcase_add_test(tc, test_pop3_errors);
  tcase_add_test(tc, test_smtp_reply_errors);
  tcase_add_test(tc, test_roles_and_layout);
  tcase_add_test(tc, test_warnings);
  tcase_add_test(tc, test_334_data_line);
  tcase_add_test(tc, test_roles_scan);
  tcase_add_test(tc, test_verbatim_data_and_gap);
  suite_add_tcase(s, tc);
  return s;
}
