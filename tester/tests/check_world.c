/* Unit tests for world.c: the built-in world, look-ups, YAML worlds. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "world.h"
#include "mailspec/transcript.h"

static int apply(struct ms_world *w, const char *y, struct ms_diags *d) {
  return ms_world_apply_yaml(w, "w.yaml", y, strlen(y), 1, d);
}

START_TEST(test_builtin_lookups) {
  struct ms_world *w = ms_world_builtin();
  ck_assert_str_eq(w->hostname, "BBN-UNIX.ARPA");
  ck_assert_int_eq(w->max_recipients, 100);
  ck_assert(ms_world_local_domain(w, "bbn-unix.arpa"));
  ck_assert(ms_world_local_domain(w, "localhost"));
  ck_assert(!ms_world_local_domain(w, "ISI-VAXA.ARPA"));
  ck_assert(!ms_world_local_domain(w, ""));
  const struct ms_world_user *u = ms_world_find_user(w, "jones@BBN-UNIX.ARPA");
  ck_assert_ptr_nonnull(u);
  ck_assert_str_eq(u->name, "Jones");
  ck_assert_ptr_null(ms_world_find_user(w, "Green@BBN-UNIX.ARPA"));
  ck_assert_ptr_null(ms_world_find_user(w, "Jones@ISI-VAXA.ARPA"));
  /* a user bound to a domain wins, and exists only there */
  u = ms_world_find_user(w, "fred@USC-ISIF.ARPA");
  ck_assert_ptr_nonnull(u);
  ck_assert_str_eq(u->forward, "<Jones@USC-ISI.ARPA>");
  u = ms_world_find_user(w, "fred@BBN-UNIX.ARPA");
  ck_assert_ptr_nonnull(u);
  ck_assert_ptr_null(u->forward);
  ck_assert_ptr_null(ms_world_find_user(w, "fred@MIT-AI.ARPA"));
  ck_assert_ptr_nonnull(ms_world_find_user(w, "fred"));
  u = ms_world_find_user(w, "Admin.MRC@SU-SCORE.ARPA");
  ck_assert_ptr_nonnull(u);
  ck_assert(!u->terminal); /* Scenarios 5 and 6 */
  const struct ms_world_list *l = ms_world_find_list(w, "example-people");
  ck_assert_ptr_nonnull(l);
  ck_assert_int_eq(l->nmembers, 6);
  ck_assert_str_eq(l->members[0], "<ABC@MIT-MC.ARPA>");
  ck_assert_ptr_nonnull(
      ms_world_find_list(w, "Interested-Parties@MIT-MC.ARPA"));
  ck_assert_ptr_null(ms_world_find_list(w, "Interested-Parties@nowhere.x"));
  ck_assert_ptr_null(ms_world_find_list(w, "Executive-Washroom-List"));
  ms_world_free(w);
}
END_TEST

START_TEST(test_apply_replaces) {
  struct ms_world *w = ms_world_builtin();
  struct ms_diags d = {0};
  const char *y = "hostname: SU-SCORE.ARPA\n"
                  "greeting: SU-SCORE.ARPA at your service\n"
                  "max_recipients: 1\n"
                  "users:\n"
                  "  - {name: Admin.MRC, fullname: Mark Crispin, "
                  "terminal: yes}\n"
                  "  - name: fred\n"
                  "    domain: USC-ISIF.ARPA\n"
                  "    forward: \"<Fred@MIT-AI.ARPA>\"\n"
                  "    forward_551: true\n";
  ck_assert_int_eq(apply(w, y, &d), 0);
  ck_assert_int_eq(d.n, 0);
  ck_assert_str_eq(w->hostname, "SU-SCORE.ARPA");
  ck_assert_str_eq(w->greeting, "SU-SCORE.ARPA at your service");
  ck_assert_int_eq(w->max_recipients, 1);
  ck_assert_int_eq(w->nusers, 2); /* the list replaced the built-in one */
  ck_assert(ms_world_find_user(w, "Admin.MRC")->terminal);
  ck_assert(ms_world_find_user(w, "fred@USC-ISIF.ARPA")->forward_551);
  ck_assert_ptr_null(ms_world_find_user(w, "Jones@BBN-UNIX.ARPA"));
  /* untouched keys keep the built-in values */
  ck_assert_int_eq(w->nlists, 4);
  ck_assert(ms_world_local_domain(w, "BBN-UNIX.ARPA"));
  ck_assert_int_eq(w->max_message, 10485760);
  ms_world_free(w);
}
END_TEST

START_TEST(test_apply_pop3) {
  struct ms_world *w = ms_world_builtin();
  struct ms_diags d = {0};
  const char *y = "pop3:\n"
                  "  timestamp: \"<1.2@host>\"\n"
                  "  maildrops:\n"
                  "    - user: joe\n"
                  "      pass: pw\n"
                  "      apop: sekrit\n"
                  "      messages:\n"
                  "        - |\n"
                  "          Subject: one\n"
                  "\n"
                  "          body\n"
                  "        - {text: \"no newline\", uidl: U2}\n";
  ck_assert_int_eq(apply(w, y, &d), 0);
  ck_assert_str_eq(w->pop3_timestamp, "<1.2@host>");
  ck_assert_int_eq(w->nmaildrops, 1);
  const struct ms_world_maildrop *m = ms_world_find_maildrop(w, "JOE");
  ck_assert_ptr_nonnull(m);
  ck_assert_str_eq(m->pass, "pw");
  ck_assert_str_eq(m->apop_secret, "sekrit");
  ck_assert_int_eq(m->nmsgs, 2);
  ck_assert_str_eq(m->msgs[0].data, "Subject: one\r\n\r\nbody\r\n");
  ck_assert_int_eq(m->msgs[0].len, 22); /* CRLF counted (RFC 1939 §11) */
  ck_assert_ptr_null(m->msgs[0].uidl);
  ck_assert_str_eq(m->msgs[1].data, "no newline\r\n");
  ck_assert_str_eq(m->msgs[1].uidl, "U2");
  ms_world_free(w);
}
END_TEST

START_TEST(test_apply_errors) {
  struct ms_world *w = ms_world_builtin();
  struct ms_diags d = {0};
  /* one good key, one bad: nothing is applied */
  const char *y = "hostname: NEW.ARPA\n"
                  "max_recipents: 3\n";
  ck_assert_int_eq(apply(w, y, &d), -1);
  ck_assert_str_eq(w->hostname, "BBN-UNIX.ARPA");
  ck_assert_int_eq(d.nerrors, 1);
  ck_assert_str_eq(d.v[0].file, "w.yaml");
  ck_assert_int_eq(d.v[0].line, 2);
  ck_assert_int_eq(d.v[0].col, 1);
  ck_assert_ptr_nonnull(strstr(d.v[0].msg, "max_recipents"));
  ms_diags_free(&d);

  const char *bad[] = {
      "max_recipients: -1\n",
      "max_recipients: lots\n",
      "max_message: -1\n",
      "ehlo_off: [CHUNKING]\n",
      "users: {name: x}\n",
      "users:\n  - {fullname: No Name}\n",
      "users:\n  - {name: x, terminal: maybe}\n",
      "users:\n  - {name: x, shoe: 9}\n",
      "lists:\n  - {members: [a]}\n",
      "lists:\n  - {name: l, members: a}\n",
      "pop3: {maildrops: [{pass: x}]}\n",
      "pop3: {maildrops: [{user: u, messages: [{uidl: x}]}]}\n",
      "pop3: {colour: blue}\n",
      "hostname: [a, b]\n",
      "- a\n- b\n",
      "domains: [a\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_msg(apply(w, bad[i], &d) == -1, "accepted: %s", bad[i]);
    ck_assert_msg(d.nerrors > 0 && d.v[0].line > 0, "no position: %s", bad[i]);
    ms_diags_free(&d);
    memset(&d, 0, sizeof d);
  }
  ck_assert_str_eq(w->hostname, "BBN-UNIX.ARPA");
  ck_assert_int_eq(w->nusers > 10, 1);

  /* Issue 16: a key given twice is an error, as in a transcript (the
   * second hostname used to win silently). */
  const char *dup = "hostname: A.ARPA\nmax_recipients: 3\nhostname: B.ARPA\n";
  ck_assert_int_eq(apply(w, dup, &d), -1);
  ck_assert_int_eq(d.v[0].line, 3);
  ck_assert_ptr_nonnull(strstr(d.v[0].msg, "duplicate key \"hostname\""));
  ck_assert_ptr_nonnull(strstr(d.v[0].msg, "first at line 1"));
  ck_assert_str_eq(w->hostname, "BBN-UNIX.ARPA");
  ms_diags_free(&d);
  memset(&d, 0, sizeof d);
  ck_assert_int_eq(apply(w, "users:\n  - {name: x, name: y}\n", &d), -1);
  ms_diags_free(&d);
  ms_world_free(w);
}
END_TEST

START_TEST(test_apply_line_offset) {
  struct ms_world *w = ms_world_builtin();
  struct ms_diags d = {0};
  const char *y = "users:\n  - {name: x, terminal: maybe}\n";
  ck_assert_int_eq(ms_world_apply_yaml(w, "t.yaml", y, strlen(y), 40, &d), -1);
  ck_assert_int_eq(d.v[0].line, 41); /* line 2 of text that starts on 40 */
  ms_diags_free(&d);
  /* issue 16: read by the transcript loader's front-end, whose errors
   * (syntax, duplicate keys, aliases) are placed and marked the same */
  const char *syn = "hostname: a\ndomains: [a\n";
  ck_assert_int_eq(ms_world_apply_yaml(w, "t.yaml", syn, strlen(syn), 40, &d),
                   -1);
  ck_assert_int_eq(d.v[0].line, 42);
  ck_assert_ptr_nonnull(strstr(d.v[0].msg, "world: YAML syntax error"));
  ms_diags_free(&d);
  const char *dup = "expn: false\nexpn: true\n";
  ck_assert_int_eq(ms_world_apply_yaml(w, "t.yaml", dup, strlen(dup), 40, &d),
                   -1);
  ck_assert_int_eq(d.v[0].line, 41);
  ck_assert_ptr_nonnull(strstr(d.v[0].msg, "world: duplicate key \"expn\""));
  ck_assert_ptr_nonnull(strstr(d.v[0].msg, "first at line 40"));
  ms_diags_free(&d);
  const char *alias = "domains: &d [a.test]\nrelay_domains: *d\n";
  ck_assert_int_eq(
      ms_world_apply_yaml(w, "t.yaml", alias, strlen(alias), 1, &d), -1);
  ck_assert_int_eq(d.v[0].line, 2);
  ck_assert_ptr_nonnull(strstr(d.v[0].msg, "aliases"));
  ck_assert_int_eq(w->nrelay > 1, 1); /* nothing applied */
  ms_diags_free(&d);
  /* empty text changes nothing and is fine */
  ck_assert_int_eq(ms_world_apply_yaml(w, "t.yaml", "", 0, 1, &d), 0);
  ms_world_free(w);
}
END_TEST

START_TEST(test_apply_file) {
  struct ms_world *w = ms_world_builtin();
  struct ms_diags d = {0};
  ck_assert_int_eq(ms_world_apply_file(w, "/nonexistent/w.yaml", &d), -1);
  ck_assert_int_eq(d.nerrors, 1);
  ck_assert_str_eq(d.v[0].file, "/nonexistent/w.yaml");
  ms_diags_free(&d);
  char path[] = "/tmp/mailspec-world-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  const char *y = "relay_domains: ['*']\nlists: []\n";
  ck_assert_int_eq(write(fd, y, strlen(y)), (ssize_t)strlen(y));
  close(fd);
  ck_assert_int_eq(ms_world_apply_file(w, path, &d), 0);
  unlink(path);
  ck_assert_int_eq(w->nrelay, 1);
  ck_assert_int_eq(w->nlists, 0);
  ms_world_free(w);
}
END_TEST

/* The example of transcripts/WORLD.md is a valid world. */
START_TEST(test_world_md_example) {
  size_t len;
  char *md = ms_read_file("transcripts/WORLD.md", 1 << 20, &len);
  if (!md)
    return; /* run from elsewhere than the top of the tree */
  char *start = strstr(md, "```yaml\n");
  ck_assert_ptr_nonnull(start);
  start += 8;
  char *end = strstr(start, "```");
  ck_assert_ptr_nonnull(end);
  struct ms_world *w = ms_world_builtin();
  struct ms_diags d = {0};
  int r =
      ms_world_apply_yaml(w, "WORLD.md", start, (size_t)(end - start), 1, &d);
  ck_assert_msg(r == 0, "%s", d.n ? d.v[0].msg : "?");
  ck_assert_int_eq(w->nusers, 5); /* the users: list of WORLD.md's example */
  ck_assert_ptr_nonnull(ms_world_find_maildrop(w, "mrose"));
  ms_world_free(w);
  free(md);
}
END_TEST

Suite *make_world_suite(void);
Suite *make_world_suite(void) {
  Suite *s = suite_create("world");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_builtin_lookups);
  tcase_add_test(tc, test_apply_replaces);
  tcase_add_test(tc, test_apply_pop3);
  tcase_add_test(tc, test_apply_errors);
  tcase_add_test(tc, test_apply_line_offset);
  tcase_add_test(tc, test_apply_file);
  tcase_add_test(tc, test_world_md_example);
  suite_add_tcase(s, tc);
  return s;
}
