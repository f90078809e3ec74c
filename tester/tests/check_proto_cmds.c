/* Unit tests for proto_smtp.c and proto_pop3.c: command recognition,
 * DATA/BDAT, reply code texts, POP3 multi-line rules, the tables of
 * operations. */
#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mailspec/proto.h"

START_TEST(test_smtp_is_data) {
  ck_assert(ms_smtp_is_data("DATA"));
  ck_assert(ms_smtp_is_data("data"));
  ck_assert(ms_smtp_is_data("Data  "));
  ck_assert(!ms_smtp_is_data("DATAX"));
  ck_assert(!ms_smtp_is_data("DATA x"));
  ck_assert(!ms_smtp_is_data("DAT"));
  ck_assert(!ms_smtp_is_data(" DATA"));
  ck_assert(!ms_smtp_is_data(""));
}
END_TEST

START_TEST(test_smtp_is_bdat) {
  size_t len;
  bool last;
  ck_assert(ms_smtp_is_bdat("BDAT 100", &len, &last));
  ck_assert_uint_eq(len, 100);
  ck_assert(!last);
  ck_assert(ms_smtp_is_bdat("bdat 0 LAST", &len, &last));
  ck_assert_uint_eq(len, 0);
  ck_assert(last);
  ck_assert(ms_smtp_is_bdat("BDAT 12 last", &len, &last));
  ck_assert_uint_eq(len, 12);
  ck_assert(last);
  ck_assert(!ms_smtp_is_bdat("BDAT", &len, &last));
  ck_assert(!ms_smtp_is_bdat("BDAT x", &len, &last));
  ck_assert(!ms_smtp_is_bdat("BDAT -1", &len, &last));
  ck_assert(!ms_smtp_is_bdat("BDAT 1 2", &len, &last));
  ck_assert(!ms_smtp_is_bdat("BDAT 1 LASTX", &len, &last));
  ck_assert(!ms_smtp_is_bdat("BDAT 99999999999999999999999999", &len, &last));
  ck_assert(!ms_smtp_is_bdat("DATA", &len, &last));
  ck_assert_uint_eq(len, 0);
  ck_assert(!last);
}
END_TEST

START_TEST(test_smtp_known) {
  static const char *const rfc821[] = {"HELO", "MAIL", "RCPT", "DATA", "RSET",
                                       "SEND", "SOML", "SAML", "VRFY", "EXPN",
                                       "HELP", "NOOP", "QUIT", "TURN"};
  for (size_t i = 0; i < 14; i++) {
    ck_assert_msg(ms_smtp_known_command(rfc821[i]), "%s", rfc821[i]);
    const struct ms_proto_command *c = ms_smtp_command_info(rfc821[i]);
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(strstr(c->source, "RFC 821") != NULL, "%s", rfc821[i]);
  }
  ck_assert(ms_smtp_known_command("MAIL FROM:<a@b>"));
  ck_assert(ms_smtp_known_command("ehlo client.example"));
  ck_assert(ms_smtp_known_command("STARTTLS"));
  ck_assert(ms_smtp_known_command("AUTH PLAIN"));
  ck_assert(ms_smtp_known_command("BDAT 10 LAST"));
  ck_assert(ms_smtp_known_command("ETRN example.org"));
  ck_assert(!ms_smtp_known_command("XYZZY"));
  ck_assert(!ms_smtp_known_command("MAILX FROM:<>"));
  ck_assert(!ms_smtp_known_command(""));
  ck_assert(!ms_smtp_known_command("STAT")); /* POP3, not SMTP */
  ck_assert(ms_smtp_command_info("TURN")->obsolete);
  ck_assert(!ms_smtp_command_info("EHLO")->obsolete);
  ck_assert_ptr_nonnull(
      strstr(ms_smtp_command_info("EHLO")->source, "RFC 5321 §4.1.1.1"));
}
END_TEST

/* Both tables: unique upper-case verbs, every entry sourced. */
static void table_sane(const struct ms_proto_command *t, size_t n) {
  ck_assert_uint_gt(n, 10);
  for (size_t i = 0; i < n; i++) {
    for (const char *p = t[i].verb; *p; p++)
      ck_assert(isupper((unsigned char)*p) || isdigit((unsigned char)*p));
    ck_assert_ptr_nonnull(strstr(t[i].source, "RFC "));
    ck_assert_uint_gt(strlen(t[i].summary), 5);
    ck_assert(strncmp(t[i].syntax, t[i].verb, strlen(t[i].verb)) == 0);
    for (size_t j = 0; j < i; j++)
      ck_assert_str_ne(t[i].verb, t[j].verb);
  }
}

START_TEST(test_tables) {
  size_t n;
  const struct ms_proto_command *t = ms_smtp_commands(&n);
  table_sane(t, n);
  t = ms_pop3_commands(&n);
  table_sane(t, n);
}
END_TEST

START_TEST(test_smtp_code_text) {
  ck_assert_str_eq(ms_smtp_code_text(250),
                   "Requested mail action okay, completed");
  ck_assert_str_eq(ms_smtp_code_text(354),
                   "Start mail input; end with <CRLF>.<CRLF>");
  ck_assert_ptr_nonnull(strstr(ms_smtp_code_text(421), "closing"));
  ck_assert_ptr_nonnull(strstr(ms_smtp_code_text(555), "MAIL FROM"));
  ck_assert_ptr_nonnull(strstr(ms_smtp_code_text(252), "VRFY"));
  ck_assert_str_eq(ms_smtp_code_text(259), "Positive completion (mail system)");
  ck_assert_str_eq(ms_smtp_code_text(420),
                   "Transient negative completion (connections)");
  ck_assert_str_eq(ms_smtp_code_text(509),
                   "Permanent negative completion (syntax)");
  ck_assert_str_eq(ms_smtp_code_text(299), "Not a valid SMTP reply code");
  ck_assert_str_eq(ms_smtp_code_text(600), "Not a valid SMTP reply code");
  ck_assert_str_eq(ms_smtp_code_text(0), "Not a valid SMTP reply code");
  ck_assert_str_eq(ms_smtp_code_text(199), "Not a valid SMTP reply code");
}
END_TEST

START_TEST(test_pop3_multiline) {
  ck_assert(ms_pop3_multiline("LIST"));
  ck_assert(ms_pop3_multiline("list"));
  ck_assert(ms_pop3_multiline("LIST "));
  ck_assert(!ms_pop3_multiline("LIST 1"));
  ck_assert(ms_pop3_multiline("UIDL"));
  ck_assert(!ms_pop3_multiline("UIDL 2"));
  ck_assert(ms_pop3_multiline("RETR 1"));
  ck_assert(ms_pop3_multiline("retr 1"));
  ck_assert(ms_pop3_multiline("TOP 1 10"));
  ck_assert(ms_pop3_multiline("CAPA"));
  ck_assert(ms_pop3_multiline("LANG"));
  ck_assert(!ms_pop3_multiline("LANG fr"));
  ck_assert(!ms_pop3_multiline("STAT"));
  ck_assert(!ms_pop3_multiline("DELE 1"));
  ck_assert(!ms_pop3_multiline("AUTH PLAIN"));
  ck_assert(!ms_pop3_multiline("AUTH"));
  ck_assert(!ms_pop3_multiline("RETRX 1"));
  ck_assert(!ms_pop3_multiline("TOPS"));
  ck_assert(!ms_pop3_multiline(""));
}
END_TEST

START_TEST(test_pop3_known) {
  static const char *const rfc1939[] = {"USER a", "PASS b", "APOP a d", "STAT",
                                        "LIST",   "RETR 1", "DELE 1",   "NOOP",
                                        "RSET",   "QUIT",   "TOP 1 0",  "UIDL"};
  for (size_t i = 0; i < 12; i++) {
    ck_assert_msg(ms_pop3_known_command(rfc1939[i]), "%s", rfc1939[i]);
    ck_assert_ptr_nonnull(
        strstr(ms_pop3_command_info(rfc1939[i])->source, "RFC 1939"));
  }
  ck_assert(ms_pop3_known_command("capa"));
  ck_assert(ms_pop3_known_command("STLS"));
  ck_assert(ms_pop3_known_command("AUTH PLAIN"));
  ck_assert(!ms_pop3_known_command("HELO x"));
  ck_assert(!ms_pop3_known_command("STATS"));
  ck_assert(!ms_pop3_known_command(""));
}
END_TEST

START_TEST(test_keyword_match) {
  ck_assert(ms_smtp_keyword_match("SIZE 1000", 9, "SIZE"));
  ck_assert(ms_smtp_keyword_match("SIZE 1000", 9, "size 1000"));
  ck_assert(!ms_smtp_keyword_match("SIZE 1000", 9, "SIZE 2000"));
  ck_assert(!ms_smtp_keyword_match("SIZE", 4, "SIZ"));
  ck_assert(!ms_smtp_keyword_match("SIZ", 3, "SIZE"));
  ck_assert(ms_smtp_keyword_match("AUTH  PLAIN", 11, "AUTH PLAIN"));
  /* only N bytes count: the parameter after them is not there */
  ck_assert(!ms_smtp_keyword_match("AUTH PLAIN", 4, "AUTH PLAIN"));
}
END_TEST

/* The tables of operations agree with themselves and with the rest of
 * proto.h: each pattern they give parses, matches its code and has the
 * class its role needs; each verb they name is a known command. */
static void check_ops(const struct ms_proto_ops *o) {
  struct ms_pattern p;
  char err[128], buf[16];
  ck_assert_ptr_eq(ms_proto_ops(o->proto), o);
  ck_assert_ptr_eq(ms_proto_ops_by_key(o->key), o);
  ck_assert_ptr_eq(ms_proto_ops_by_key(o->name), o); /* any case */
  const struct {
    const char *pat;
    int code;
    unsigned cls;
  } pats[] = {{o->sasl_cont_pat, o->sasl_cont, MS_RC_INTER},
              {o->auth_ok_pat, o->auth_ok, MS_RC_POS},
              {o->auth_cancel_pat, o->auth_cancel, MS_RC_NEG}};
  for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
    ck_assert_int_eq(
        ms_pattern_parse(&p, o->proto, pats[i].pat, err, sizeof err), 0);
    ck_assert(ms_pattern_match(&p, pats[i].code));
    ck_assert_uint_eq(o->pattern_class(pats[i].pat), pats[i].cls);
    ck_assert_uint_eq(o->reply_class(pats[i].code), pats[i].cls);
    ck_assert_str_eq(o->code_pattern(pats[i].code, buf, sizeof buf),
                     pats[i].pat);
  }
  ck_assert_int_eq(
      ms_pattern_parse(&p, o->proto, o->ready_pat, err, sizeof err), 0);
  ck_assert_uint_eq(o->pattern_class(o->ready_pat), MS_RC_POS);
  ck_assert_int_eq(
      ms_pattern_parse(&p, o->proto, o->alts_example, err, sizeof err), 0);
  ck_assert_int_eq(p.n, 2);
  ck_assert(ms_proto_sasl_continues(o->proto, o->sasl_cont));
  ck_assert(o->known_command(o->starttls));
  ck_assert(o->known_command(o->auth));
  ck_assert(o->known_command(o->capa_verb));
  ck_assert_ptr_nonnull(o->command_info(o->starttls));
  ck_assert(o->default_suites[0] != NULL);
  /* DATA and BDAT exactly where the command table has them */
  ck_assert(!o->is_data == !o->command_info("DATA"));
  ck_assert(!o->is_bdat == !o->command_info("BDAT"));
  ck_assert_str_eq(o->code_pattern(0, buf, sizeof buf), "");
  ck_assert_uint_eq(o->reply_class(0), MS_RC_NONE);
}

START_TEST(test_ops) {
  check_ops(&ms_smtp_ops);
  check_ops(&ms_pop3_ops);
  ck_assert_ptr_null(ms_proto_ops_by_key("imap"));
  ck_assert_str_eq(ms_proto_ops(MS_PROTO_SMTP)->tls_scheme, "smtps");
  ck_assert_str_eq(ms_proto_ops(MS_PROTO_POP3)->tls_port, "995");
  ck_assert_str_eq(ms_smtp_ops.starttls, "STARTTLS");
  ck_assert_str_eq(ms_pop3_ops.starttls, "STLS");
  /* the greeting of each shows its protocol, not the other's */
  ck_assert(ms_smtp_ops.speaks("220 mx ESMTP"));
  ck_assert(ms_smtp_ops.speaks("554-no"));
  ck_assert(!ms_smtp_ops.speaks("+OK ready"));
  ck_assert(ms_pop3_ops.speaks("+OK ready"));
  ck_assert(!ms_pop3_ops.speaks("220 mx"));
  /* multi-line: POP3 by the command (RFC 1939 §3), SMTP never asks */
  ck_assert(ms_pop3_ops.multiline("CAPA"));
  ck_assert(!ms_pop3_ops.multiline("STAT"));
  ck_assert(!ms_smtp_ops.multiline("EHLO x"));
  /* RFC 5321 §4.2.1 classes; "xxx" accepts any */
  ck_assert_uint_eq(ms_smtp_ops.reply_class(354), MS_RC_INTER);
  ck_assert_uint_eq(ms_smtp_ops.reply_class(421), MS_RC_NEG);
  ck_assert_uint_eq(ms_smtp_ops.reply_class(600), MS_RC_NONE);
  ck_assert_uint_eq(ms_smtp_ops.pattern_class("xxx"),
                    MS_RC_POS | MS_RC_INTER | MS_RC_NEG);
  ck_assert_str_eq(ms_smtp_ops.auth_code_text(535),
                   "the credentials were rejected (RFC 4954 §6)");
  ck_assert_ptr_null(ms_smtp_ops.auth_code_text(250));
  ck_assert(ms_pop3_ops.auth_code_text == NULL);
  /* secrets whatever the protocol (RFC 1939 §7, RFC 4954 §4) */
  ck_assert(ms_proto_secret_verb("pass x"));
  ck_assert(ms_proto_secret_verb("APOP u d"));
  ck_assert(ms_proto_secret_verb("AUTH PLAIN x"));
  ck_assert(!ms_proto_secret_verb("PASSX"));
  ck_assert(!ms_proto_secret_verb("USER u"));
}
END_TEST

Suite *make_proto_cmds_suite(void);
Suite *make_proto_cmds_suite(void) {
  Suite *s = suite_create("proto_cmds");
  TCase *tc = tcase_create("smtp");
  tcase_add_test(tc, test_smtp_is_data);
  tcase_add_test(tc, test_smtp_is_bdat);
  tcase_add_test(tc, test_smtp_known);
  tcase_add_test(tc, test_tables);
  tcase_add_test(tc, test_smtp_code_text);
  tcase_add_test(tc, test_keyword_match);
  suite_add_tcase(s, tc);
  tc = tcase_create("pop3");
  tcase_add_test(tc, test_pop3_multiline);
  tcase_add_test(tc, test_pop3_known);
  suite_add_tcase(s, tc);
  tc = tcase_create("ops");
  tcase_add_test(tc, test_ops);
  suite_add_tcase(s, tc);
  return s;
}
